"""The live Excel formulas restate the Python rules: LibreOffice recalculates
them over a grid of cases and every answer must equal ``rules.rate`` /
``rules.movement``."""
from __future__ import annotations

import csv
import itertools
import subprocess

import pytest
from openpyxl import Workbook

from kpi_xl.formulas import Operand, arrow_formula, rag_formula
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


def test_rag_formula_blank_without_figure_or_polarity(tmp_path, soffice):
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["C1"] = "x", 0.5, "Higher is better"
    ws["A2"], ws["B2"], ws["C2"] = 0.4, "N/A", "Higher is better"
    ws["A3"], ws["B3"], ws["C3"] = 0.4, 0.5, "-"
    for r in (1, 2, 3):
        ws.cell(r, 4, "=" + rag_formula(f"A{r}", Operand(ref=f"B{r}"), Operand(ref=f"C{r}"),
                                        tolerance=0.05))
    rows = _recalculate(tmp_path, soffice, wb)
    assert [r[3] for r in rows] == ["", "", ""]


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
