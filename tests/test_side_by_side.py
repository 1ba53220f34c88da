"""Tables side by side on one sheet: each read as its own table, and a refresh
writes each one's columns without touching the other.

The workbooks are built here; the figures are our own (typed below, the
truth beside them by hand), in the layout councils use for a one-page
workforce dashboard: two tables, a blank column or two between them.
"""
from __future__ import annotations

import openpyxl
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from kpi_xl.check import check_workbook
from kpi_xl.cli import app
from kpi_xl.config import config_from_dict, load_config
from kpi_xl.reader import read_workbook
from kpi_xl.reader.cells import Grid
from kpi_xl.refresh_job import build_refresh, refresh
from kpi_xl.rules import apply_rules
from kpi_xl.table import TableLayout

HEADER = ["Indicator", "Target", "Q1 2024-25", "Q2 2024-25"]
LEFT = [  # name, target, Q1, Q2 (lower is better for all three: the standard library says so)
    ("% agency staff across qualified social work workforce", 0.20, 0.25, 0.24),
    ("12 months rolling turnover of permanent qualified social workers", 0.15, 0.2112, 0.184),
    ("Average caseloads", 18, 21.0, 17.0),
]
RIGHT = [
    ("Vacancy Rate", 0.15, 0.224, 0.201),
    ("Absence Rate", 0.035, 0.06, 0.042),
    ("Number of newly qualified social workers in ASYE", None, 12, 14),
]
# By hand: 24% against 20% (lower is better) is RED, 18.4% against 15% RED, 17 against 18 GREEN.
LEFT_RAG = ["RED", "RED", "GREEN"]


def side_by_side(path, gap: int = 1, titles: bool = False):
    """LEFT in A:D, RIGHT from column 5 + gap, headers in row 1 (row 2 under titles)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Workforce"
    top = 2 if titles else 1
    for first, rows, title in ((1, LEFT, "Staffing"), (5 + gap, RIGHT, "Recruitment and retention")):
        if titles:
            ws.cell(1, first, title)
        for i, label in enumerate(HEADER):
            ws.cell(top, first + i, label)
        for r, row in enumerate(rows, start=top + 1):
            for i, value in enumerate(row):
                if value is not None:
                    cell = ws.cell(r, first + i, value)
                    if isinstance(value, float) and value < 1:
                        cell.number_format = "0.0%"
    wb.save(path)
    return path


def _values(path, sheet="Workforce"):
    ws = openpyxl.load_workbook(path)[sheet]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


@pytest.mark.parametrize("gap", [1, 2, 3])
@pytest.mark.parametrize("titles", [False, True], ids=["no-titles", "titles"])
def test_each_table_is_read_on_its_own(tmp_path, gap, titles):
    table = read_workbook(side_by_side(tmp_path / "s.xlsx", gap, titles))
    records = table.records
    assert [r["name"] for r in records] == [name for name, *_ in LEFT + RIGHT]
    right = 5 + gap
    assert [layout.name_column for layout in table.layouts] == ["A", openpyxl.utils.get_column_letter(right)]
    assert [layout.last_column for layout in table.layouts] == [
        "D", openpyxl.utils.get_column_letter(right + 3)]
    for record, (_name, target, _q1, q2) in zip(records, LEFT + RIGHT):
        assert record["target"] == (pytest.approx(target) if target is not None else None)
        latest = max(record["series"], key=lambda p: p.period.sort_key)
        assert latest.period.canonical() == "Q2 2024-25"
        assert latest.reading.value == pytest.approx(q2)
    if titles:
        assert [r["area"] for r in records] == ["Staffing"] * 3 + ["Recruitment and retention"] * 3
    assert not [f for f in table.findings if f.type == "period_duplicate"]


def test_check_and_refresh_agree_and_each_table_gets_its_own_rag(tmp_path):
    book = side_by_side(tmp_path / "s.xlsx", gap=2)
    before = _values(book)
    checked = check_workbook(book, load_config())
    assert not checked.has_errors
    checked_rated, _ = apply_rules(checked.table.records, load_config())
    result = refresh(book, load_config())
    rated = {r["name"]: r for r in result.rated.to_dict("records")}
    assert [rated[name]["rag"] for name, *_ in LEFT] == LEFT_RAG
    assert [(r["name"], r["rag"], r["latest_cell"]) for r in checked_rated] == [
        (r["name"], r["rag"], r["latest_cell"]) for r in result.rated.to_dict("records")]
    assert [rated[name]["latest_cell"] for name, *_ in LEFT] == ["D2", "D3", "D4"]
    assert [rated[name]["latest_cell"] for name, *_ in RIGHT] == ["J2", "J3", "J4"]
    after = _values(book)
    # The left table's RAG goes in E; F, the blank column before the right table, stays blank.
    assert after["E1"] == "RAG" and not any(cell.startswith("F") for cell in after)
    assert {cell: v for cell, v in after.items() if cell in before} == before
    # a second refresh reads the two tables again, the left one now with its RAG column
    again = read_workbook(book)
    assert [layout.roles.get("rag") for layout in again.layouts] == ["E", "K"]
    assert len(again.records) == 6


def test_no_room_for_the_left_tables_columns_is_said_and_nothing_is_written_there(tmp_path):
    book = side_by_side(tmp_path / "s.xlsx", gap=1)
    before = _values(book)
    result = refresh(book, load_config())
    [warning] = [f for f in result.report if f.type == "no_room_for_columns"]
    assert warning.place.cell == "D1" and "RAG and direction of travel columns" in warning.message
    assert "starts at column F" in warning.message
    after = _values(book)
    assert {cell: v for cell, v in after.items() if cell in before} == before
    assert not any(cell.startswith("E") for cell in after)  # the blank column stays blank
    # the right table's own columns are written right of it
    assert after["J1"] == "RAG"
    # the left table is still rated (exception sheet, charts): only its cells are missing
    rated = {r["name"]: r for r in result.rated.to_dict("records")}
    assert [rated[name]["rag"] for name, *_ in LEFT] == LEFT_RAG


def test_the_warning_cannot_be_skipped():
    from kpi_xl.errors import ConfigError

    with pytest.raises(ConfigError, match="no_room_for_columns cannot be skipped"):
        config_from_dict({"findings": {"skip": ["no_room_for_columns"]}})


@pytest.mark.parametrize("header", [
    ["Indicator", "Target", None, "Q1 2024-25", "Q2 2024-25"],  # a spacer before the periods
    ["Indicator", "Q1 2024-25", "Q2 2024-25", None, "Commentary"],  # notes set apart
    ["Ref", None, "Indicator", "Q1 2024-25", "Q2 2024-25"],  # a code column set apart
])
def test_a_blank_column_inside_one_table_does_not_split_it(tmp_path, header):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    row = {"Indicator": "Vacancy Rate", "Target": 0.15, "Q1 2024-25": 0.224, "Q2 2024-25": 0.201,
           "Commentary": "Two posts filled in August", "Ref": "WF02"}
    ws.append([row.get(label) if label else None for label in header])
    wb.save(tmp_path / "one.xlsx")
    table = read_workbook(tmp_path / "one.xlsx")
    [layout] = table.layouts
    [record] = table.records
    assert layout.span is None and layout.room_until is None
    assert record["name"] == "Vacancy Rate"
    latest = max(record["series"], key=lambda p: p.period.sort_key)
    assert latest.reading.value == pytest.approx(0.201)
    if "Target" in header:
        assert record["target"] == pytest.approx(0.15)
    if "Commentary" in header:
        assert record["commentary"] == "Two posts filled in August"
    if "Ref" in header:
        assert layout.last_column == "E" and layout.name_column == "C"


def test_the_explained_layout_places_each_table_by_its_span(tmp_path):
    book = side_by_side(tmp_path / "s.xlsx", gap=2, titles=True)
    out = CliRunner().invoke(app, ["check", str(book), "--explain"]).output
    yaml_text = out[out.index("\nlayout:\n") + 1:]
    assert "span: A:D" in yaml_text and "span: G:J" in yaml_text
    config = tmp_path / "layout.yaml"
    config.write_text(yaml_text, encoding="utf-8")
    placed = read_workbook(book, load_config(config))
    assert [r["name"] for r in placed.records] == [name for name, *_ in LEFT + RIGHT]
    assert [layout.room_until for layout in placed.layouts] == ["E", None]


@pytest.mark.parametrize("span", ["A", "E:A", "A:ZZZZ", "1:4"])
def test_a_bad_span_is_one_line_naming_its_key(tmp_path, span):
    book = side_by_side(tmp_path / "s.xlsx")
    config = tmp_path / "bad.yaml"
    config.write_text(f"layout:\n- sheet: Workforce\n  span: '{span}'\n", encoding="utf-8")
    before = book.read_bytes()
    result = CliRunner().invoke(app, ["refresh", str(book), "--config", str(config)])
    assert result.exit_code == 2
    line = result.output.strip()
    assert "\n" not in line and "layout -> 0 -> span" in line and "A:E" in line
    assert book.read_bytes() == before


def test_comparator_columns_stop_before_the_table_beside(tmp_path):
    from kpi_xl.comparators.fill import _free_columns

    grid = Grid("Workforce")
    for col in range(1, 5):
        grid.rows.setdefault(1, {})[col] = object()
    layout = TableLayout("Workforce", None, (1,), 2, 4, "A", [], last_column="D", room_until="F")
    assert _free_columns(grid, layout, 3, set()) == ["E", "F"]
    assert _free_columns(grid, layout, 3, {"E"}) == ["F"]
    unbounded = TableLayout("Workforce", None, (1,), 2, 4, "A", [], last_column="D")
    assert _free_columns(grid, unbounded, 3, set()) == ["E", "F", "G"]


# ------------------------------------------------ a period labelled twice

def _duplicated(path, second):
    wb = Workbook()
    ws = wb.active
    ws.title = "KPIs"
    ws.append(["Indicator", "Target", "Polarity", "Q1 2024-25", "Q2 2024-25", "Q2 2024-25"])
    ws.append(["Vacancy Rate", 15, "Lower is better", 22.4, 20.1, second])
    wb.save(path)
    return path


def test_a_latest_period_labelled_twice_with_two_figures_is_not_rated(tmp_path):
    result = build_refresh(_duplicated(tmp_path / "d.xlsx", 12), load_config())
    [record] = result.rated.to_dict("records")
    assert record["rag"] is None and record["latest_value"] is None
    assert [f.type for f in result.report if f.severity == "error"] == ["period_duplicate"]
    assert not [c for c in result.plan.cells() if c.cell == "G2" and (c.value or c.formula)]


def test_a_latest_period_labelled_twice_with_one_figure_is_rated_from_it(tmp_path):
    result = build_refresh(_duplicated(tmp_path / "d.xlsx", None), load_config())
    [record] = result.rated.to_dict("records")
    # 20.1 against a target of 15, lower is better: RED
    assert (record["latest_cell"], record["rag"]) == ("E2", "RED")
