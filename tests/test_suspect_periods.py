"""Series whose period columns repeat, run out of order or miss a quarter
(issue 12): no sparkline, no chart line, and the direction compares with the
right previous period or with none."""
from __future__ import annotations

import shutil

from openpyxl import Workbook

from kpi_xl.config import load_config
from kpi_xl.plan import SparklineGroup
from kpi_xl.refresh_job import build_refresh


def _charted(result) -> set[str]:
    charts = [s for s in result.plan.sheets if s.role == "charts"]
    return {c.title for sheet in charts for c in sheet.charts}


def _sparkline_rows(result) -> set[int]:
    rows = set()
    for change in result.plan.changes:
        if isinstance(change, SparklineGroup):
            first, last = change.location.split(":")
            rows |= set(range(int("".join(filter(str.isdigit, first))),
                              int("".join(filter(str.isdigit, last))) + 1))
    return rows


def _dot_formula(result, record) -> str | None:
    cells = [c for c in result.plan.cells() if c.sheet == record["sheet"]
             and c.cell.endswith(str(record["row"])) and c.value == record.get("arrow")]
    return next((c.formula for c in cells if c.formula), None)


def test_out_of_order_quarters_are_not_charted_and_compare_the_right_quarter(tmp_path):
    book = tmp_path / "order.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "KPIs"
    # Q3 typed before Q2: the latest (Q4) compares with Q3, by period, not by column
    ws.append(["Indicator", "Polarity", "Target", "Q1 2023-24", "Q3 2023-24", "Q2 2023-24",
               "Q4 2023-24"])
    ws.append(["Re-referrals within 12 months", "Lower is better", 0.2, 0.25, 0.19, 0.3, 0.21])
    ws.append(["Assessments within 45 days", "Higher is better", 0.8, 0.7, 0.9, 0.6, 0.85])
    wb.save(book)
    result = build_refresh(book, load_config())
    records = result.rated.to_dict("records")
    assert all(r["suspect_periods"] for r in records)
    assert [r["previous_period"] for r in records] == ["Q3 2023-24", "Q3 2023-24"]
    # 0.19 -> 0.21 lower is better: worse; 0.9 -> 0.85 higher is better: worse
    assert [r["direction"] for r in records] == ["NEGATIVE", "NEGATIVE"]
    assert [r["previous_cell"] for r in records] == ["E2", "E3"]
    assert not _charted(result)  # no line through Q1, Q3, Q2, Q4
    assert not _sparkline_rows(result) & {2, 3}


def test_a_duplicated_latest_period_compares_with_nothing(tmp_path):
    book = tmp_path / "dup.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["Indicator", "Polarity", "Target", "Q1 2023-24", "Q2 2023-24", "Q3 2023-24",
               "Q3 2023-24"])
    ws.append(["Re-referrals within 12 months", "Lower is better", 0.2, 0.25, 0.19, 0.3, 0.21])
    wb.save(book)
    result = build_refresh(book, load_config())
    [record] = result.rated.to_dict("records")
    assert record["suspect_periods"] and record["direction"] is None
    assert not _charted(result) and not _sparkline_rows(result)


def test_wokingham_workforce_rows_are_not_charted(shared_workbooks, tmp_path):
    book = tmp_path / "wokingham.xlsx"
    shutil.copyfile(shared_workbooks / "wokingham_dashboard_q2_2023_24.xlsx", book)
    result = build_refresh(book, load_config())
    suspect = [r for r in result.rated.to_dict("records") if r["suspect_periods"]]
    names = {r["name"] for r in suspect}
    assert any("turnover" in n.lower() for n in names)
    charted = _charted(result)
    assert charted and not any(n[:40] in title for n in names for title in charted)
    assert not _sparkline_rows(result) & {r["row"] for r in suspect}
    for record in suspect:
        # Q1 2023-24 is missing (labelled Q1 2022-23): no comparison, no arrow formula
        assert record["previous_period"] is None and record["direction"] is None
        assert _dot_formula(result, record) is None
