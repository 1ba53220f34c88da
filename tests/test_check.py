"""kpi-xl check: the findings, their severities and places, the CLI's output and exit codes."""
from __future__ import annotations

import json

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from kpi_xl.check import check_workbook
from kpi_xl.cli import app
from kpi_xl.config import load_config
from tests.test_reader_support import dashboard_workbook, multirow_workbook

runner = CliRunner()


def _issues_workbook(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Issues"
    ws.append(["Measure", "Q1 2023-24", "Q2 2023-24", "Q3 2023-24", "Target", "Polarity", "RAG", "DoT"])
    rows = [
        ("Share over a hundred", 0.5, 1.2, 0.9, 0.8, "Higher is better", "Green", "↑"),
        ("Text in a figure", 10, "about 12", 11, None, None, None, None),
        ("Arrow with no latest", 5, 6, "x", None, None, None, "↑"),
        ("Rated but untargeted", 1, 2, 3, "N/A", "N/A", "Red", None),
        ("Target but no polarity", 4, 5, 6, 10, None, None, None),
        ("Nothing yet", None, None, None, None, "High", None, None),
    ]
    for row in rows:
        ws.append(list(row))
    for col in (2, 3, 4, 5):
        ws.cell(2, col).number_format = "0.0%"
    dup = wb.create_sheet("Dup")
    dup.append(["Indicator", "Q1 2023-24", "Q2 2023-24", "Q2 2023-24"])
    dup.append(["Number of things", 1, 2, 3])
    wb.save(path)
    return path


@pytest.fixture
def issues(tmp_path):
    return check_workbook(_issues_workbook(tmp_path / "issues.xlsx"), load_config())


def _where(result, type_):
    return [(f.severity, f.place.sheet, f.place.cell, f.indicator) for f in result.report.of_type(type_)]


def test_each_finding_with_its_severity_and_cell(issues):
    assert _where(issues, "percent_over_100") == [("error", "Issues", "C2", "share-over-a-hundred")]
    assert _where(issues, "unparseable_value") == [("error", "Issues", "C3", "text-in-a-figure")]
    assert _where(issues, "dot_without_latest") == [("warning", "Issues", "H4", "arrow-with-no-latest")]
    assert _where(issues, "suppressed_value") == [("info", "Issues", "D4", "arrow-with-no-latest")]
    assert _where(issues, "rag_without_target") == [("warning", "Issues", "G5", "rated-but-untargeted")]
    assert _where(issues, "target_without_polarity") == [("warning", "Issues", "E6", "target-but-no-polarity")]
    assert _where(issues, "no_figures") == [("warning", "Issues", "A7", "nothing-yet")]
    assert _where(issues, "period_duplicate") == [("error", "Dup", "D1", None)]
    assert issues.has_errors


def test_no_other_findings_on_the_clean_rows(issues):
    flagged = {f.indicator for f in issues.report}
    assert flagged == {"share-over-a-hundred", "text-in-a-figure", "arrow-with-no-latest",
                       "rated-but-untargeted", "target-but-no-polarity", "nothing-yet", None}
    # the rules add one: "↑" where 120% fell to 90%
    assert _where(issues, "dot_disagrees") == [("warning", "Issues", "H2", "share-over-a-hundred")]
    assert len(issues.report) == 9


def test_cli_exit_1_on_errors_and_json(tmp_path):
    path = _issues_workbook(tmp_path / "issues.xlsx")
    result = runner.invoke(app, ["check", str(path), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["workbook"] == str(path)
    assert data["counts"]["indicators"] == 7
    assert data["counts"]["by_sheet"] == {"Issues": 6, "Dup": 1}
    assert data["counts"]["errors"] == 3
    first = data["indicators"][0]
    assert first["id"] == "share-over-a-hundred" and first["sheet"] == "Issues" and first["row"] == 2
    assert first["latest"]["period"] == "Q3 2023-24" and first["latest"]["value"] == pytest.approx(0.9)
    assert first["target"] == pytest.approx(0.8) and first["polarity"] == "higher"
    assert [p["period"] for p in first["periods"]] == ["Q1 2023-24", "Q2 2023-24", "Q3 2023-24"]
    assert {f["type"] for f in data["findings"]} >= {"percent_over_100", "period_duplicate"}


def test_cli_exit_0_when_only_warnings(tmp_path):
    path = dashboard_workbook(tmp_path / "d.xlsx")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "5 indicators in 2 tables" in text
    assert "period_out_of_order" in text and "dot_without_latest" in text
    assert "sheet Dashboard: 5" in text and "Workforce: 3" in text


def test_dashboard_findings(tmp_path):
    result = check_workbook(dashboard_workbook(tmp_path / "d.xlsx"), load_config())
    order = result.report.of_type("period_out_of_order")
    assert len(order) == 1 and order[0].place.cell == "D12"
    assert "Q2 22-23 comes after Q4 22-23" in order[0].message
    gaps = result.report.of_type("period_gap")
    assert [g.message.split(" between")[0] for g in gaps] == ["no column for Q1 2023-24"]
    dots = _where(result, "dot_without_latest")
    assert dots == [("warning", "Dashboard", "H13", "12-months-rolling-turnover-of-permanent-qualified-social"),
                    ("warning", "Dashboard", "H14", "no-of-permanent-exclusions")]
    assert len(result.report.of_type("suppressed_value")) == 4
    assert not result.has_errors


def test_multirow_workbook_is_clean_but_for_suppression(tmp_path):
    result = check_workbook(multirow_workbook(tmp_path / "m.xlsx"), load_config())
    # the direction "↔" is given although the figure it compares with is suppressed
    assert {f.type for f in result.report} == {"suppressed_value", "dot_without_previous"}
    assert result.counts["by_area"] == {"Front Door": 2, "Child Protection": 2, "Children in Care": 1}


# -------------------------------------------------------------- the shared workbooks

def test_wokingham_check(shared_workbooks):
    path = shared_workbooks / "wokingham_dashboard_q2_2023_24.xlsx"
    result = runner.invoke(app, ["check", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["counts"]["indicators"] == 29 and data["counts"]["tables"] == 9
    assert all(len(i["periods"]) == 6 for i in data["indicators"])
    by_type: dict[str, list] = {}
    for f in data["findings"]:
        by_type.setdefault(f["type"], []).append(f)
    order = by_type["period_out_of_order"]
    assert len(order) == 1 and order[0]["cell"] == "D79" and "Workforce" in order[0]["message"]
    dots = {(f["cell"], f["indicator"]) for f in by_type["dot_without_latest"]}
    assert ("H80", "12-months-rolling-turnover-of-permanent-qualified-social") in dots
    suppressed = {f["cell"] for f in by_type["suppressed_value"]}
    assert suppressed == {"B73", "C73", "F73", "G73"}
    assert not any(f["severity"] == "error" for f in data["findings"])


def test_rutland_check(shared_workbooks):
    path = shared_workbooks / "rutland_kpis_q1_2021_22.xlsx"
    result = runner.invoke(app, ["check", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["counts"]["indicators"] == 29
    assert len(data["counts"]["by_area"]) == 10
    assert not [f for f in data["findings"] if f["type"] == "target_without_polarity"]
    rerefs = next(i for i in data["indicators"] if i["name"] == "% of re-referrals within last 12 months")
    assert rerefs["polarity_source"] == "library" and rerefs["target"] == pytest.approx(0.25)
    assert rerefs["latest"] == {"period": "Q1 2021-22", "label": "2021-22 Q1", "cell": "C7", "value": 0,
                                "status": "number", "unit": "percent", "raw": 0}
