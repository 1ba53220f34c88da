"""Bare quarter headers ("Q1 | Q2 | Q3 | Q4") with no band or title naming
their year take it from the header's target ("Target 2017/18"), from a
label and its value in the rows above ("Financial year: | 2017/18") or,
failing those, from the sheet's name ("Q1 2017-18"); with none, the error
says where to write it.

The rows are Wolverhampton's Workforce table from its Quarter 1 2017-18
performance report (seed report 004), typed from the report: the 2016/17
out-turn and the Q1 figure of each indicator.
"""
from __future__ import annotations

import pytest
import openpyxl
from openpyxl import Workbook
from typer.testing import CliRunner

from kpi_xl.check import check_workbook
from kpi_xl.cli import app
from kpi_xl.config import load_config
from kpi_xl.errors import LayoutError
from kpi_xl.reader.explain import explain_text

# name, comparators as written, 2016/17 out-turn, Q1 2017-18 (seed 004, Workforce)
WORKFORCE = [
    ("Percentage of agency staff", "WM – 17.6% Eng – 16.1%", 0.133, 0.189),
    ("Vacancy Rate", "WM – 17.6% Eng – 16.7%", 0.163, 0.224),
    ("Staff turnover", "WM – 15.4% Eng – 15.1%", 0.158, 0.175),
    ("Absence Rate", "WM – 4.0% Eng – 3.5%", 0.027, 0.060),
    ("Average caseloads", "WM – 13.6 Eng – 16.1", 15.2, 21.0),
]


def _book(path, sheet: str, target_label: str):
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(["Indicators", "Comparators", "2016/17 Out-turn", "Q1", "Q2", "Q3", "Q4", target_label,
               "Direction of Travel"])
    for name, comparators, outturn, q1 in WORKFORCE:
        ws.append([name, comparators, outturn, q1, None, None, None, None, "^"])
        if outturn < 1:
            for cell in ws[ws.max_row][2:4]:
                cell.number_format = "0.0%"
    wb.save(path)
    return path


def _read(book):
    return check_workbook(book, load_config()).table


@pytest.mark.parametrize("sheet, target_label", [
    ("Workforce", "Target 2017/18"),  # the target's year
    ("Workforce", "2017-18 Target"),
    ("Q1 2017-18", "Target"),  # the sheet's name
    ("Workforce 17-18", "Target"),
])
def test_bare_quarters_take_the_year_named_beside_them(tmp_path, sheet, target_label):
    table = _read(_book(tmp_path / "wolves.xlsx", sheet, target_label))
    layout = table.layouts[0]
    # Q2 to Q4 are not filled yet: later periods of the tracker, not read as figures
    assert [p.canonical() for _, p in layout.period_columns] == ["2016-17", "Q1 2017-18"]
    assert layout.reading["later_periods"] == ["Q2 2017-18", "Q3 2017-18", "Q4 2017-18"]
    assert [r["name"] for r in table.records] == [row[0] for row in WORKFORCE]
    for record, (_, _, outturn, q1) in zip(table.records, WORKFORCE):
        figures = {p.period.canonical(): p.reading.value for p in record["series"] if p.reading.is_number}
        assert figures == {"2016-17": pytest.approx(outturn), "Q1 2017-18": pytest.approx(q1)}


def test_the_target_year_is_nearer_than_the_sheet_name(tmp_path):
    table = _read(_book(tmp_path / "wolves.xlsx", "KPIs 2016-17", "Target 2017/18"))
    assert table.layouts[0].period_columns[1][1].canonical() == "Q1 2017-18"


def test_with_no_year_anywhere_bare_quarters_are_not_guessed(tmp_path):
    """The quarters are left unread (the out-turn is the only period) rather
    than dated by a guess; --explain shows them as not used."""
    layout = _read(_book(tmp_path / "wolves.xlsx", "Workforce", "Target")).layouts[0]
    assert [p.canonical() for _, p in layout.period_columns] == ["2016-17"]
    unused = [c["label"] for c in layout.reading["columns"] if c["role"] not in ("period", "name", "target",
                                                                                 "dot")]
    assert {"Q1", "Q2", "Q3", "Q4"} <= set(unused)


def _tracker(path, sheet: str, above: list[list] | None = None, outturn: bool = True):
    """The Workforce table under ``above`` (rows over the header), Q1 filled."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in above or []:
        ws.append(row)
    ws.append(["Indicators", *(["2016/17 Out-turn"] if outturn else []), "Q1", "Q2", "Q3", "Q4", "Target"])
    for name, _comparators, out, q1 in WORKFORCE:
        ws.append([name, *([out] if outturn else []), q1, None, None, None, None])
    wb.save(path)
    return path


@pytest.mark.parametrize("above", [
    [["Financial year:", "2017/18"], []],
    [["Reporting period", "Q1 2017-18"]],
    [["Workforce performance"], ["Year", "2017-18"], []],
    [["Financial Year", None, "2017/2018"]],  # the value a cell further on
])
def test_bare_quarters_take_the_year_a_label_above_gives(tmp_path, above):
    table = _read(_tracker(tmp_path / "wolves.xlsx", "Workforce", above))
    assert [p.canonical() for _, p in table.layouts[0].period_columns] == ["2016-17", "Q1 2017-18"]
    assert [r["series"][-1].reading.value for r in table.records] == pytest.approx(
        [q1 for *_, q1 in WORKFORCE])


def test_a_year_label_above_is_nearer_than_the_sheet_name(tmp_path):
    table = _read(_tracker(tmp_path / "wolves.xlsx", "KPIs 2016-17", [["Year:", "2017/18"]]))
    assert table.layouts[0].period_columns[1][1].canonical() == "Q1 2017-18"


@pytest.mark.parametrize("above", [
    [["Version", "2017/18"], []],  # not a label of the year (with no blank row, a band)
    [["Financial year:", "to be confirmed"]],
])
def test_other_pairs_above_do_not_date_the_quarters(tmp_path, above):
    layout = _read(_tracker(tmp_path / "wolves.xlsx", "Workforce", above)).layouts[0]
    assert [p.canonical() for _, p in layout.period_columns] == ["2016-17"]


def test_a_tracker_whose_quarters_name_no_year_says_where_to_put_it(tmp_path):
    """No table is found at all: the error names the undated labels and their
    cells, and how to date them, in one line."""
    book = _tracker(tmp_path / "wolves.xlsx", "Workforce", outturn=False)
    with pytest.raises(LayoutError) as caught:
        _read(book)
    message = str(caught.value)
    assert "Workforce!B1:E1" in message
    assert "'Q1', 'Q2', 'Q3', 'Q4' name no year" in message
    assert "period_columns" in message and "\n" not in message


def test_the_cli_gives_that_error_in_one_line_with_exit_code_2(tmp_path):
    book = _tracker(tmp_path / "wolves.xlsx", "Workforce", outturn=False)
    result = CliRunner().invoke(app, ["check", str(book)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "name no year" in lines[0], result.output


def test_an_undated_tracker_beside_a_read_table_is_a_warning_naming_it(tmp_path):
    """The dated sheet is read; the other is named in a finding, not passed over in silence."""
    book = _tracker(tmp_path / "wolves.xlsx", "Q1 2017-18")
    wb = openpyxl.load_workbook(book)
    ws = wb.create_sheet("Workforce")
    ws.append(["Indicators", "Q1", "Q2", "Q3", "Q4"])
    ws.append([WORKFORCE[0][0], WORKFORCE[0][3]])
    wb.save(book)
    result = check_workbook(book, load_config())
    assert {r["sheet"] for r in result.table.records} == {"Q1 2017-18"}
    [finding] = result.report.of_type("undated_periods")
    assert finding.severity == "warning"
    assert (finding.place.sheet, finding.place.cell) == ("Workforce", "B1:E1")
    assert "'Q1', 'Q2', 'Q3', 'Q4' name no year" in finding.message


@pytest.mark.parametrize("sheet, above, target_label, said", [
    ("Workforce", [["Financial year:", "2017/18"], []], "Target", "2017-18, from 'Financial year:' (A1)"),
    ("Workforce", [], "Target 2017/18", "2017-18, from the target's header (G1)"),
    ("Q1 2017-18", [], "Target", "2017-18, from the sheet's name"),
])
def test_the_reading_says_where_the_quarters_year_was_read(tmp_path, sheet, above, target_label, said):
    book = _tracker(tmp_path / "wolves.xlsx", sheet, above)
    if target_label != "Target":
        wb = openpyxl.load_workbook(book)
        wb[sheet].cell(len(above) + 1, 7, target_label)
        wb.save(book)
    table = _read(book)
    assert table.layouts[0].reading["year_of_bare_periods"] == said
    assert f"year of the periods that name none: {said}" in explain_text(table)


def test_a_table_whose_periods_name_their_year_says_nothing_of_one(tmp_path):
    book = tmp_path / "dated.xlsx"
    wb = Workbook()
    wb.active.append(["Indicators", "Q4 2016-17", "Q1 2017-18"])
    wb.active.append([WORKFORCE[0][0], WORKFORCE[0][2], WORKFORCE[0][3]])
    wb.save(book)
    assert _read(book).layouts[0].reading["year_of_bare_periods"] is None


def test_a_row_that_cannot_be_a_header_is_not_said_to_lack_a_year(tmp_path):
    """A label of thousands of characters (hostile, or prose) makes the row
    no header: the error is the plain one, not advice about a year."""
    book = _tracker(tmp_path / "wolves.xlsx", "Workforce", [["Financial year:", "2017/18"], []])
    wb = openpyxl.load_workbook(book)
    wb["Workforce"]["B3"] = "Out-turn " * 500
    wb.save(book)
    with pytest.raises(LayoutError) as caught:
        _read(book)
    assert "no indicator table found" in str(caught.value) and "name no year" not in str(caught.value)
