"""The layout: section of the config overrides detection."""
from __future__ import annotations

import pytest
from openpyxl import Workbook

from kpi_xl.config import config_from_dict
from kpi_xl.errors import ConfigError, LayoutError
from kpi_xl.reader import read_workbook
from tests.test_reader_support import dashboard_workbook, multirow_workbook


def _odd_workbook(path):
    """A layout detection cannot read: no name header, no period labels."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Returns"
    ws.append(["Return to the DfE"])
    ws.append([None, "Latest", "Previous", "Aim", "Status"])
    ws.append(["Re-referrals within 12 months", 0.21, 0.19, 0.2, "Amber"])
    ws.append([])
    ws.append(["Assessments in 45 days", 0.81, 0.84, 0.85, "Red"])
    ws.append(["Not part of the return", 1, 2, 3, None])
    for r in (3, 5):
        for c in (2, 3, 4):
            ws.cell(r, c).number_format = "0%"
    wb.save(path)
    return path


ODD_LAYOUT = {"layout": [{
    "sheet": "Returns", "header_rows": [2], "first_row": 3, "last_row": 5,
    "columns": {"name": "A", "target": "D", "rag": "E"},
    "period_columns": {"B": "Q2 2023-24", "C": "Q1 2023-24"},
}]}


def test_detection_alone_finds_nothing(tmp_path):
    with pytest.raises(LayoutError):
        read_workbook(_odd_workbook(tmp_path / "odd.xlsx"))


def test_a_layout_entry_reads_what_detection_cannot(tmp_path):
    table = read_workbook(_odd_workbook(tmp_path / "odd.xlsx"), config_from_dict(ODD_LAYOUT))
    frame = table.frame
    assert list(frame.name) == ["Re-referrals within 12 months", "Assessments in 45 days"]
    assert list(frame.row) == [3, 5]
    layout = table.layouts[0]
    assert [(c, p.canonical()) for c, p in layout.period_columns] == [("B", "Q2 2023-24"), ("C", "Q1 2023-24")]
    assert layout.roles == {"name": "A", "target": "D", "rag": "E"}
    assert layout.latest_period_column == "B"
    first = frame.iloc[0]
    assert [p.period.canonical() for p in first["series"]] == ["Q1 2023-24", "Q2 2023-24"]
    assert first["target"] == pytest.approx(0.2) and first["published_rag"] == "Amber"
    assert first["polarity"] == "lower" and first["polarity_source"] == "library"


def test_columns_override_detected_roles(tmp_path):
    config = config_from_dict({"layout": [{"sheet": "Scorecard", "columns": {"commentary": "P", "sn": "L"}}]})
    table = read_workbook(multirow_workbook(tmp_path / "m.xlsx"), config)
    roles = table.layouts[0].roles
    assert roles["commentary"] == "P" and roles["comparator:sn"] == "L"
    assert "comparator:region" not in roles  # L was the region column: now the SN one
    first = table.frame.iloc[0]
    assert first["comparators"]["sn"].value == pytest.approx(0.205)


def test_skip_leaves_a_sheet_out(tmp_path):
    path = dashboard_workbook(tmp_path / "d.xlsx")
    config = config_from_dict({"layout": [{"sheet": "Targets", "skip": True},
                                          {"sheet": "Not in this book", "skip": True}]})
    table = read_workbook(path, config)
    assert table.frame.target.isna().all()


def test_targets_sheet_must_hold_a_targets_table(tmp_path):
    path = dashboard_workbook(tmp_path / "d.xlsx")
    good = config_from_dict({"layout": [{"sheet": "Dashboard", "targets_sheet": "Targets"}]})
    assert read_workbook(path, good).frame.target.notna().sum() == 2
    bad = config_from_dict({"layout": [{"sheet": "Targets", "targets_sheet": "Dashboard"}]})
    with pytest.raises(LayoutError, match="targets_sheet: sheet 'Dashboard' has no targets table"):
        read_workbook(path, bad)
    missing = config_from_dict({"layout": [{"sheet": "Dashboard", "targets_sheet": "Goals"}]})
    with pytest.raises(LayoutError, match="no sheet named 'Goals'"):
        read_workbook(path, missing)


@pytest.mark.parametrize("entry,error,match", [
    ({"sheet": "Nope", "columns": {"name": "A"}}, LayoutError, r"layout -> 0 -> sheet: no sheet named 'Nope'"),
    ({"sheet": "Returns", "header_rows": [2], "columns": {"colour": "A"}}, ConfigError,
     r"layout -> 0 -> columns -> colour: unknown column role"),
    ({"sheet": "Returns", "header_rows": [2], "columns": {"name": "A1"}}, ConfigError,
     r"layout -> 0 -> columns -> name: 'A1' is not a column letter"),
    ({"sheet": "Returns", "header_rows": [2], "columns": {"name": "A"},
      "period_columns": {"B": "latest"}}, ConfigError, r"period_columns -> B: 'latest' is not a period"),
    ({"sheet": "Returns", "header_rows": [2], "period_columns": {"B": "Q1 2023-24"}}, LayoutError,
     r"no indicator name column"),
    ({"sheet": "Returns", "header_rows": [2], "columns": {"name": "A"}}, LayoutError,
     r"no period columns"),
])
def test_layout_mistakes_name_the_key(tmp_path, entry, error, match):
    with pytest.raises(error, match=match):
        read_workbook(_odd_workbook(tmp_path / "odd.xlsx"), config_from_dict({"layout": [entry]}))
