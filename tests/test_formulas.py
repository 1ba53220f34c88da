"""The live Excel formulas restate the Python rules: LibreOffice recalculates
them over a grid of cases and every answer must equal ``rules.rate`` /
``rules.movement``."""
from __future__ import annotations

import csv
import itertools
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from kpi_xl.formulas import Operand, _num, _number_text, arrow_formula, rag_formula
from kpi_xl.rules import movement, rate

VALUES = [0.0, 0.17, 0.2, 0.209, 0.21, 0.22, 0.5, 0.665, 0.69, 0.7, 0.75, 3, 31.5, 32]
TARGETS = [0.0, 0.2, 0.22, 0.7, 3, 30]
POLARITY_TEXT = {"higher": "Higher is better", "lower": "Lower is better"}
MODES = [("relative", 0.05, "strict"), ("points", 0.05, "strict"), ("relative", 0.1, "points")]


def _cases():
    for (value, target, polarity, (mode, tol, zero)) in itertools.product(
            VALUES, TARGETS, ["higher", "lower"], MODES):
        yield value, target, polarity, mode, tol, zero


def _recalculate(tmp_path, soffice, wb: Workbook) -> list[list[str]]:
    src = tmp_path / "formulas.xlsx"
    wb.save(src)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir",
                    str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    with open(tmp_path / "formulas.csv", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_rag_formula_matches_rule_in_libreoffice(tmp_path, soffice):
    wb = Workbook()
    ws = wb.active
    cases = list(_cases())
    for row, (value, target, polarity, mode, tol, zero) in enumerate(cases, start=1):
        ws.cell(row, 1, value)
        ws.cell(row, 2, target)
        ws.cell(row, 3, POLARITY_TEXT[polarity])
        # from cells (target and polarity cells) and from literals
        ws.cell(row, 4, "=" + rag_formula(f"A{row}", Operand(ref=f"B{row}"), Operand(ref=f"C{row}"),
                                          tolerance=tol, mode=mode, zero_target=zero))
        ws.cell(row, 5, "=" + rag_formula(f"A{row}", Operand(literal=target),
                                          Operand(literal=polarity), tolerance=tol, mode=mode,
                                          zero_target=zero))
    rows = _recalculate(tmp_path, soffice, wb)
    mismatches = []
    for (value, target, polarity, mode, tol, zero), got in zip(cases, rows):
        want = rate(value, target, polarity, tolerance=tol, mode=mode, zero_target=zero) or ""
        if got[3] != want or got[4] != want:
            mismatches.append((value, target, polarity, mode, tol, zero, want, got[3], got[4]))
    assert len(rows) == len(cases)
    assert not mismatches, mismatches[:10]


def test_rag_formula_blank_without_figure_not_targeted_without_target_or_polarity(
        tmp_path, soffice):
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["C1"] = "x", 0.5, "Higher is better"
    ws["A2"], ws["B2"], ws["C2"] = 0.4, "N/A", "Higher is better"
    ws["A3"], ws["B3"], ws["C3"] = 0.4, 0.5, "-"
    for r in (1, 2, 3):
        ws.cell(r, 4, "=" + rag_formula(f"A{r}", Operand(ref=f"B{r}"), Operand(ref=f"C{r}"),
                                        tolerance=0.05))
    rows = _recalculate(tmp_path, soffice, wb)
    # as the refresh writes them: no figure yet is blank, nothing to rate is the label
    assert [r[3] for r in rows] == ["", "Not targeted", "Not targeted"]


def test_explicit_amber_formula(tmp_path, soffice):
    wb = Workbook()
    ws = wb.active
    cases = [(0.65, 0.7, "higher", 0.6), (0.59, 0.7, "higher", 0.6), (25, 20, "lower", 30),
             (31, 20, "lower", 30), (20, 20, "lower", 30)]
    for r, (v, t, p, a) in enumerate(cases, start=1):
        ws.cell(r, 1, v)
        ws.cell(r, 2, "=" + rag_formula(f"A{r}", Operand(literal=t), Operand(literal=p),
                                        tolerance=0.05, amber=a))
    rows = _recalculate(tmp_path, soffice, wb)
    assert [r[1] for r in rows] == [rate(v, t, p, amber=a) for v, t, p, a in cases]


# Truth typed by hand: polarity read from column C, target 0.7 in B unless said.
POLARITY_CELL_CASES = [
    # (C polarity cell, B target, A figure, amber, improved-on figure in E, want)
    ("Higher is better", 0.7, 0.65, 0.6, None, "AMBER"),   # above the explicit amber line
    ("Higher is better", 0.7, 0.59, 0.6, None, "RED"),
    ("Lower is better", 20, 25, 30, None, "AMBER"),
    ("Lower is better", 20, 31, 30, None, "RED"),
    ("Higher is better", 0.7, 0.5, None, 0.4, "AMBER"),    # RED, but up on 0.4
    ("Higher is better", 0.7, 0.5, None, 0.6, "RED"),      # RED and down on 0.6
    ("Lower is better", 20, 30, None, 35, "AMBER"),        # RED, but down on 35
    ("  higher  ", 0.7, 0.8, None, None, "GREEN"),         # case and spaces aside
    (None, 0.7, 0.8, None, None, "Not targeted"),          # an empty polarity cell
    ("=NA()", 0.7, 0.8, None, None, "#N/A"),               # an error in it is the answer
    ("Lower is better", "=NA()", 0.8, None, None, "Not targeted"),  # an error target
    ("Lower is better", 0.7, "=NA()", None, None, ""),     # an error figure
]


def test_rag_formula_with_a_polarity_cell_amber_improved_and_errors(tmp_path, soffice):
    wb = Workbook()
    ws = wb.active
    for r, (polarity, target, value, amber, improved, _want) in enumerate(
            POLARITY_CELL_CASES, start=1):
        ws.cell(r, 1, value)
        ws.cell(r, 2, target)
        ws.cell(r, 3, polarity)
        ws.cell(r, 5, improved)
        ws.cell(r, 4, "=" + rag_formula(f"A{r}", Operand(ref=f"$B${r}"), Operand(ref=f"$C${r}"),
                                        tolerance=0.05, amber=amber,
                                        improved_on=f"E{r}" if improved is not None else None))
    rows = _recalculate(tmp_path, soffice, wb)
    assert [r[3] for r in rows] == [case[-1] for case in POLARITY_CELL_CASES]


def test_a_polarity_cell_is_tested_once_for_each_reading():
    formula = rag_formula("A1", Operand(ref="$B$1"), Operand(ref="$C$1"), tolerance=0.05)
    assert formula.count("TRIM($C$1)") == 2
    assert formula.count('"Higher is better"') == 1


def test_arrow_formula_matches_movement(tmp_path, soffice):
    pairs = [(0.13, 0.13), (0.131, 0.128), (0.75, 0.74), (1720, 1876), (31, 30), (0.182, 0.2)]
    wb = Workbook()
    ws = wb.active
    for r, (cur, prev) in enumerate(pairs, start=1):
        ws.cell(r, 1, cur)
        ws.cell(r, 2, prev)
        ws.cell(r, 3, "=" + arrow_formula(f"A{r}", f"B{r}", decimals=2))
        ws.cell(r, 4, "=" + arrow_formula(f"A{r}", f"B{r}", decimals=None, stable_band=1))
    rows = _recalculate(tmp_path, soffice, wb)
    arrows = {"up": "↑", "down": "↓", "same": "↔"}
    assert [r[2] for r in rows] == [arrows[movement(c, p, decimals=2)] for c, p in pairs]
    assert [r[3] for r in rows] == [arrows[movement(c, p, stable_band=1)] for c, p in pairs]


@pytest.mark.parametrize("literal,text", [(0.05, "0.05"), (30, "30"), ("Higher", '"Higher"'),
                                          ('say "hi"', '"say ""hi"""')])
def test_operand_literals(literal, text):
    assert Operand(literal=literal).text() == text


# --- polarity wordings: refresh, written formula and UDF read them alike ------------------
# Truth typed by hand: 5% relative tolerance, target 70%.
#   "Lower is worse"  = higher is better: 60% is 10 points under 70% -> RED
#   "Higher is worse" = lower is better:  60% is under 70%           -> GREEN
#   "Good is Low"     = lower is better:  80% is over 70% by > 3.5   -> RED
#   "Follow national trend" says no polarity                          -> Not targeted
WORDINGS = [("Lower is worse", 0.6, "RED"), ("Higher is worse", 0.6, "GREEN"),
            ("Good is Low", 0.8, "RED"), ("Follow national trend", 0.6, "Not targeted"),
            ("Lower is worse", 0.69, "AMBER"), ("Higher is worse", 0.72, "AMBER")]


def _polarity_workbook(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "KPIs"
    # no RAG column: kpi-xl adds one (F) and writes every rating, "Not targeted" too
    ws.append(["Indicator", "Polarity", "Target", "Q1 2023-24", "Q2 2023-24"])
    for i, (wording, value, _want) in enumerate(WORDINGS, start=1):
        ws.append([f"Indicator number {i}", wording, 0.7, 0.65, value])
        for col in "CDE":
            ws[f"{col}{i + 1}"].number_format = "0%"
    wb.save(path)


@pytest.fixture(scope="module")
def polarity_results(tmp_path_factory, soffice):
    """(refresh's cached RAG, LibreOffice's recalculated RAG, the UDF's answer) per row."""
    from openpyxl import load_workbook

    from kpi_xl.config import load_config
    from kpi_xl.excel.udfs import KPI_RAG
    from kpi_xl.refresh_job import refresh

    tmp = tmp_path_factory.mktemp("polarity")
    path = tmp / "polarity.xlsx"
    _polarity_workbook(path)
    refresh(path, load_config())
    cached = [c.value or "" for c in load_workbook(path, data_only=True)["KPIs"]["F"][1:]]
    formulas = [c.value for c in load_workbook(path)["KPIs"]["F"][1:]]
    from tests.test_one_reading import recalculating_profile

    subprocess.run([soffice, recalculating_profile(tmp), "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir",
                    str(tmp), str(path)], check=True, capture_output=True, timeout=180)
    with open(tmp / "polarity.csv", encoding="utf-8") as fh:
        recalculated = [row[5] for row in list(csv.reader(fh))[1:]]
    udf = [KPI_RAG(value, 0.7, wording) for wording, value, _ in WORDINGS]
    return cached, recalculated, udf, formulas


@pytest.mark.parametrize("index", range(len(WORDINGS)),
                         ids=[f"{w}-{v}" for w, v, _ in WORDINGS])
def test_polarity_wording_read_alike_by_refresh_formula_and_udf(polarity_results, index):
    cached, recalculated, udf, _ = polarity_results
    want = WORDINGS[index][2]
    assert (cached[index], recalculated[index], udf[index]) == (want, want, want)


def test_lower_is_worse_formula_reads_the_polarity_cell(polarity_results):
    formulas = polarity_results[3]
    assert "$B$2" in formulas[0]  # linked: retyping the cell recolours live
    assert 'SEARCH("low"' not in formulas[0]
    assert formulas[3] is None or not str(formulas[3]).startswith("=")  # no polarity: a constant


@settings(max_examples=3000, deadline=None)
@given(st.floats() | st.sampled_from([0.0, -0.0, 1e-9, 1e16, 1e22, 5e-324, 1.7976931348623157e308,
                                      0.05, 123456789012345678.0, 1e-5, 0.0001]))
def test_numbers_are_written_as_numpy_writes_them_positionally(x):
    # the formulas used to write numbers with numpy; its text is the oracle
    from numpy import format_float_positional

    assert _number_text(repr(x)) == format_float_positional(x, trim="-")
    assert _num(x) == format_float_positional(float(x or 0), trim="-")


def _formula_built_whole(inp, labels=None):
    """rating_formula as it was before its templates (formulas._rag_template):
    rag_formula called with the indicator's own cells."""
    from kpi_xl.resolve import shared_wordings
    from kpi_xl.xlsx.refs import absolute_ref

    improved = inp.improved_cell if inp.amber_if_improved_on and inp.improved_cell else None
    target = (Operand(ref=absolute_ref(inp.target_cell)) if inp.target_live and inp.target_cell
              else Operand(literal=inp.target))
    polarity = (Operand(ref=absolute_ref(inp.polarity_cell)) if inp.polarity_live and inp.polarity_cell
                else Operand(literal=inp.polarity))
    return rag_formula(inp.value_cell, target, polarity, tolerance=inp.tolerance, mode=inp.tolerance_mode,
                       zero_target=inp.zero_target, amber=inp.amber, labels=labels, improved_on=improved,
                       wordings=shared_wordings(inp.polarity_text) if polarity.ref else None)


@pytest.mark.parametrize("fields", [
    {},  # a literal polarity and target
    {"polarity_cell": "D5", "polarity_live": True, "polarity_text": "Good is low",
     "target_cell": "E5", "target_live": True},
    {"amber": -0.0, "tolerance": 0.0}, {"amber": 0.0, "tolerance_mode": "points"},
    {"amber_if_improved_on": "previous_period", "improved_cell": "F5", "improved_plain": True,
     "zero_target": "points", "target": 0.0},
    {"polarity": "lower", "target_cell": "'Targets {1}'!B2", "target_live": True},
])
def test_rating_formula_from_its_template_is_the_formula_built_whole(fields):
    """A table's indicators share one template each: filled with an
    indicator's cells it is exactly the formula rag_formula builds for them
    (labels with braces and quotes, -0.0 apart from 0.0, a sheet name with braces)."""
    from kpi_xl.config import RagLabels
    from kpi_xl.formulas import rating_formula
    from kpi_xl.resolve import RatingInput

    base = {"value": 1.0, "target": 0.5, "polarity": "higher", "value_cell": "G5", "value_plain": True}
    for labels in (None, RagLabels(GREEN="On {track}", AMBER='"Near"', RED="Off", none="n/a")):
        for row in (5, 6):  # the second fills the template the first made
            inp = RatingInput(**{**base, **fields, "value_cell": f"G{row}"})
            assert rating_formula(inp, "Sheet", labels) == _formula_built_whole(inp, labels)


def test_new_point_is_the_point_its_fields_make():
    from kpi_xl.periods import Period
    from kpi_xl.table import Point, new_point
    from kpi_xl.values import parse_value

    args = (Period("quarter", 2023, 2, "Q2 23-24"), parse_value(0.5, "0%"), "G5")
    made, init = new_point(*args), Point(*args)
    assert made == init and hash(made) == hash(init) and repr(made) == repr(init)
    assert list(vars(made).items()) == list(vars(init).items())
