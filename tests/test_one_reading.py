"""One reading of every indicator: the refresh, the formula it writes and the
worksheet functions never disagree (issue 12).

Hypothesis generates indicator rows (figures, targets and units; every polarity
wording the library and the reader accept, plus unknown ones; targets
written as comparisons, "<18%", "at least 130"; tolerance
modes, zero targets, explicit amber, directional targets; per-indicator
config; ``amber_if_improved_on``) into two workbooks, one per council config.
Each row's RAG and arrow are then taken three ways: the values the refresh
cached, the formulas it wrote recalculated by LibreOffice (both workbooks in
one LibreOffice run, so it stays fast), and KPI_RAG / KPI_ARROW / KPI_DOT
called with the cells' contents, the indicator id and the config path.
"""
from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from kpi_xl.config import load_config
from kpi_xl.excel.udfs import KPI_ARROW, KPI_DOT, KPI_RAG
from kpi_xl.refresh_job import refresh
from kpi_xl.resolve import NO_POLARITY, POLARITY_WORDINGS

ROWS_PER_BOOK = 150  # two books: 300 rows in one LibreOffice run
HEADER = ["Code", "Indicator", "Polarity", "Target", "Amber", "Q1 2023-24", "Q2 2023-24"]
UNKNOWN_WORDINGS = ["Sideways", "Follow national trend", "Banana", "Depends", "Context only"]
WORDINGS = sorted(POLARITY_WORDINGS) + sorted(w for w in NO_POLARITY if w) + UNKNOWN_WORDINGS
COUNCILS = {
    "defaults": {},
    "havering": {"rag": {"amber_if_improved_on": "previous_period", "zero_target": "points",
                         "tolerance": 0.1}},
}
FORMATS = {"percent": ["0%", "0.0%", "0.00%"], "number": ["0", "0.0", "General", "#,##0"]}
OFFSETS = [-0.3, -0.1, -0.05, -0.049, -0.02, -0.0001, 0.0, 0.0001, 0.02, 0.049, 0.05, 0.1, 0.3]


@st.composite
def indicator(draw):
    unit = draw(st.sampled_from(["percent", "number"]))
    fmt = draw(st.sampled_from(FORMATS[unit]))
    scale = 1.0 if unit == "percent" else draw(st.sampled_from([10.0, 100.0, 1000.0]))
    base = draw(st.sampled_from([0.0, 0.05, 0.13, 0.18, 0.5, 0.7, 0.95]))
    target_kind = draw(st.sampled_from(["number"] * 6 + ["zero", "increasing", "decreasing",
                                                          "n/a", "blank", "percent text",
                                                          "comparison"]))
    target: object = round(base * scale, 4)
    if target_kind == "zero":
        target = 0.0
    elif target_kind in ("increasing", "decreasing"):
        target = target_kind.capitalize()
    elif target_kind == "n/a":
        target = "N/A"
    elif target_kind == "blank":
        target = None
    elif target_kind == "percent text":
        target = f"{round(base * 100)}%"  # against a count: a unit mismatch
    elif target_kind == "comparison":  # "<18%", "at least 130": the number, and the polarity when none is stated
        number = f"{round(base * 100)}%" if unit == "percent" else f"{round(base * scale, 4):g}"
        before, after = draw(st.sampled_from([("<", ""), ("≤ ", ""), (">=", ""), ("at least ", ""),
                                              ("no more than ", ""), ("", "+"), ("", " or fewer")]))
        target = f"{before}{number}{after}"
    goal = target if isinstance(target, float) else base * scale
    latest = round(goal + draw(st.sampled_from(OFFSETS)) * max(abs(goal), scale * 0.1), 5)
    previous = round(latest + draw(st.sampled_from(OFFSETS)) * scale * 0.5, 5)
    if draw(st.booleans()) and draw(st.booleans()):
        previous = latest + draw(st.sampled_from([0.00004, -0.00004])) * scale  # shown equal
    amber = None
    if isinstance(target, float) and draw(st.integers(0, 4)) == 0:
        amber = round(target + draw(st.sampled_from([-0.1, 0.1])) * scale, 4)
    config = {}
    if draw(st.integers(0, 3)) == 0:
        config = draw(st.fixed_dictionaries({}, optional={
            "tolerance": st.sampled_from([0.0, 0.02, 0.2]),
            "tolerance_mode": st.sampled_from(["relative", "points"]),
            "polarity": st.sampled_from(["higher", "lower"]),
            "stable_band": st.sampled_from([0.0, 0.01 * scale]),
            "compare_with": st.sampled_from(["previous_period"]),
        }))
        if config.get("tolerance_mode") == "points" and "tolerance" in config:
            config["tolerance"] = config["tolerance"] * scale
    figures = [previous, latest]
    if draw(st.integers(0, 9)) == 0:
        figures[draw(st.integers(0, 1))] = draw(st.sampled_from(["x", None]))
    return {"unit": unit, "format": fmt, "polarity": draw(st.sampled_from(WORDINGS + [None])),
            "target_kind": target_kind,
            "target": target, "amber": amber, "figures": figures, "config": config}


def _book(path: Path, rows: list[dict], council: str, tmp: Path) -> Path:
    """The workbook and the council YAML its rows are refreshed with."""
    wb = Workbook()
    ws = wb.active
    ws.title = "KPIs"
    ws.append(HEADER)
    indicators = {}
    for i, row in enumerate(rows, start=1):
        code = f"K{i:03d}"
        ws.append([code, f"Generated indicator number {i}", row["polarity"], row["target"],
                   row["amber"], *row["figures"]])
        for col in "DEFG":
            ws[f"{col}{i + 1}"].number_format = row["format"]
        if row["config"]:
            indicators[code] = row["config"]
    wb.save(path)
    config = tmp / f"{council}.yaml"
    config.write_text(yaml.safe_dump({**COUNCILS[council], "indicators": indicators,
                                      "workbook": {"charts_sheet": None, "sparklines": False}}),
                      encoding="utf-8")
    return config


RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def recalculating_profile(tmp: Path) -> str:
    """A LibreOffice user profile that recalculates every formula on load.
    By default LibreOffice shows the values an .xlsx caches, which for a
    workbook kpi-xl wrote are the refresh's own answers: that would compare
    the refresh with itself."""
    user = tmp / "lo_recalc" / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    return f"-env:UserInstallation=file://{tmp}/lo_recalc"


def _recalculated(soffice: str, books: list[Path], tmp: Path) -> dict[str, list[list[str]]]:
    subprocess.run([soffice, recalculating_profile(tmp), "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir",
                    str(tmp / "csv"), *map(str, books)], check=True, capture_output=True,
                   timeout=600)
    out = {}
    for book in books:
        with open(tmp / "csv" / f"{book.stem}.csv", encoding="utf-8") as fh:
            out[book.stem] = list(csv.reader(fh))
    return out


def agreement(rows_by_council: dict[str, list[dict]], tmp: Path, soffice: str,
              udf: bool = True) -> list[tuple]:
    """For every row: (row, refresh RAG, recalculated RAG, UDF RAG, refresh arrow,
    recalculated arrow, UDF arrow, refresh word, UDF word)."""
    books, configs, results = [], {}, {}
    for council, rows in rows_by_council.items():
        book = tmp / f"{council}_book.xlsx"
        configs[council] = _book(book, rows, council, tmp)
        results[council] = refresh(book, load_config(configs[council]))
        books.append(book)
    recalculated = _recalculated(soffice, books, tmp)
    answers = []
    for book, (council, rows) in zip(books, rows_by_council.items()):
        cached = list(load_workbook(book, data_only=True)["KPIs"].iter_rows(values_only=True))
        header = [str(h) for h in cached[0]]
        rag_col, dot_col = header.index("RAG"), header.index("Direction of travel") \
            if "Direction of travel" in header else None
        words = {r["row"]: r["direction"] for r in results[council].rated.to_dict("records")}
        mismatched = {f.indicator for f in results[council].report if f.type == "unit_mismatch"}
        for i, row in enumerate(rows, start=1):
            code = f"K{i:03d}"
            # the UDFs are given what the cells hold, as Excel would give them:
            # openpyxl stores 0.12994999999999998 as "0.12995", another double
            previous, latest = cached[i][5], cached[i][6]
            lo = recalculated[book.stem][i]
            got = [row, cached[i][rag_col] or "", lo[rag_col]]
            got.append(_same_as_refresh(KPI_RAG(
                latest, row["target"], row["polarity"], None, None, previous, code,
                str(configs[council]), row["format"], row["amber"])) if udf else None)
            got += [(cached[i][dot_col] or "") if dot_col else "", lo[dot_col] if dot_col else ""]
            got.append(KPI_ARROW(latest, previous, row["format"], code, str(configs[council]))
                       if udf else None)
            targeted = row["target"] not in (None, "N/A")
            # no polarity stated: a target such as "<18%" is what says which way is better
            polarity = row["polarity"] if row["polarity"] is not None or row["target_kind"] != "comparison" \
                else row["target"]
            got += [words[i + 1] or "",
                    KPI_DOT(latest, previous, polarity, targeted, row["format"], code,
                            str(configs[council])) if udf else None]
            if got[3] == "Not targeted" and isinstance(row["target"], str) and "%" in row["target"]:
                assert code in mismatched or got[1] == "Not targeted", row
            answers.append(tuple(got))
    return answers


def _same_as_refresh(answer):
    """A unit mismatch is an error value in a cell; the refresh writes no rating
    there ("Not targeted") and says why in a unit_mismatch finding."""
    if isinstance(answer, str) and answer.startswith("#KPI! unit mismatch"):
        return "Not targeted"
    return answer


def disagreements(answers: list[tuple]) -> list[tuple]:
    return [a for a in answers if not (a[1] == a[2] == a[3] and a[4] == a[5] == a[6]
                                       and a[7] == a[8])]


@pytest.mark.libreoffice
@settings(max_examples=2, deadline=None, database=None, phases=(Phase.generate,),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                                 HealthCheck.function_scoped_fixture])
@given(st.lists(indicator(), min_size=ROWS_PER_BOOK, max_size=ROWS_PER_BOOK),
       st.lists(indicator(), min_size=ROWS_PER_BOOK, max_size=ROWS_PER_BOOK))
def test_refresh_formula_and_udf_never_disagree(tmp_path_factory, soffice, defaults, havering):
    tmp = tmp_path_factory.mktemp("one_reading")
    answers = agreement({"defaults": defaults, "havering": havering}, tmp, soffice)
    assert len(answers) >= 300
    wrong = disagreements(answers)
    assert not wrong, f"{len(wrong)} of {len(answers)} rows disagree, e.g.\n" + "\n".join(
        map(repr, wrong[:6]))


def test_the_shared_polarity_wordings_cannot_be_changed_by_one_who_asks():
    """Every formula that asks shares one mapping per wording (cached): a
    caller changing it would change every later formula."""
    import pytest

    from kpi_xl.resolve import polarity_wordings, shared_wordings

    shared = shared_wordings("Bigger is better")
    with pytest.raises(TypeError):
        shared["higher"] = ()  # type: ignore[index]
    assert shared_wordings("Bigger is better") is shared
    assert polarity_wordings("Bigger is better") == {k: list(v) for k, v in shared.items()}
