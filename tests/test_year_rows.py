"""A row per indicator and year, its quarters across ("Measure | Year | Q1 |
Q2 | Q3 | Q4"), read as one indicator each: the rows' quarters are its series,
and it is rated on the row of its latest quarter.

The figures are Wokingham's (seed report 000, Dashboard Items 3 and 4, Q2
2022-23 to Q2 2023-24) as tests/layout_set.build_year_rows lays them out;
ratings and arrows worked by hand with the default rule (AMBER within 5% of
the target: 76%-80% for a target of 80%).
"""
from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook

from kpi_xl import refresh
from kpi_xl.check import check_workbook
from kpi_xl.config import load_config
from kpi_xl.reader import read_workbook
from tests.layout_set import LONG_QUARTERS, LONG_ROWS, build_year_rows
from tests.test_long_tables import RATED_BY_HAND, _long
from tests.test_one_reading import _recalculated

# measure -> (latest row, RAG, arrow): rows 2-7 hold 2022-23 then 2023-24 of each
BY_HAND = {name: (row, *RATED_BY_HAND[name]) for name, row in zip(RATED_BY_HAND, (3, 5, 7))}


@pytest.fixture
def book(tmp_path):
    return build_year_rows(tmp_path / "years.xlsx")


def test_each_measure_is_one_indicator_with_its_quarters(book):
    table = read_workbook(book)
    assert [r["name"] for r in table.records] == [name for _a, name, *_ in LONG_ROWS]
    for record, (_a, name, _good, _target, figures) in zip(table.records, LONG_ROWS):
        row = BY_HAND[name][0]
        assert record["row"] == row
        filled = [(p.period.canonical(), p.reading.value, p.cell) for p in record["series"]
                  if p.reading.is_number]
        assert filled == [(q, pytest.approx(v), cell) for q, v, cell in zip(
            LONG_QUARTERS, figures, [f"D{row - 1}", f"E{row - 1}", f"F{row - 1}", f"C{row}", f"D{row}"])]
        # Q1 2022-23 (not in the seed) and Q3, Q4 2023-24 (not reported yet) are not in the series
        assert [p.period.canonical() for p in record["series"]] == LONG_QUARTERS
    layout = table.layouts[0]
    assert layout.latest_period_column == "D" and layout.reading["reporting_period"] == "Q2 2023-24"
    joined = [f for f in table.findings if f.type == "period_rows_joined"]
    assert [(f.severity, f.place.cell) for f in joined] == [("info", "A3"), ("info", "A5"), ("info", "A7")]
    # the seed gives no Q1 2022-23: the row's quarters start at Q2
    assert joined[0].message.startswith("row 2 gives this indicator's figures for Q2 2022-23, "
                                        "Q3 2022-23 and Q4 2022-23:")


def test_the_refresh_rates_the_latest_year_row_and_leaves_the_earlier_rows(book):
    result = refresh(book, load_config(), backup="none")
    rated = {r["name"]: r for r in result.rated.to_dict("records")}
    for name, (row, rag, arrow) in BY_HAND.items():
        assert (rated[name]["row"], rated[name]["rag"], rated[name]["arrow"]) == (row, rag, arrow)
        assert rated[name]["latest_period"] == "Q2 2023-24" and rated[name]["previous_period"] == "Q1 2023-24"
    formulas = load_workbook(book)["Quarterly"]
    assert (formulas["I1"].value, formulas["J1"].value) == ("RAG", "Direction of travel")
    for name, (row, _rag, _arrow) in BY_HAND.items():
        assert "D" + str(row) in formulas[f"I{row}"].value  # Q2, the reporting quarter
        assert f"C{row}" in formulas[f"J{row}"].value and f"D{row}" in formulas[f"J{row}"].value
        assert (formulas[f"I{row - 1}"].value, formulas[f"J{row - 1}"].value) == (None, None)


@pytest.mark.libreoffice
def test_the_written_formulas_recalculate_to_the_refresh_ratings(book, tmp_path, soffice):
    refresh(book, load_config(), backup="none")
    recalculated = _recalculated(soffice, [book], tmp_path)["years"]
    for name, (row, rag, arrow) in BY_HAND.items():
        assert recalculated[row - 1][8:10] == [rag, arrow], name


YEAR_HEADER = ("Measure", "Year", "Q1", "Q2", "Q3", "Q4", "Target", "Good is")


def _years(path, rows, header=YEAR_HEADER):
    return _long(path, rows, header)  # on sheet "Data"


REPEAT = LONG_ROWS[0][1]  # seed 000: Q2-Q4 2022-23 18.0%, 21.0%, 17.9%; Q1 2023-24 20.0%


def test_a_first_quarter_compares_with_the_last_quarter_of_the_row_above(tmp_path):
    book = _years(tmp_path / "q1.xlsx", [
        (REPEAT, "2022-23", None, 0.180, 0.210, 0.179, 0.20, "Low"),
        (REPEAT, "2023-24", 0.200, None, None, None, 0.20, "Low")])
    result = refresh(book, load_config(), backup="none")
    [rated] = result.rated.to_dict("records")
    # 20.0% against a target of 20%, lower is better: on target; up from 17.9%
    assert (rated["row"], rated["latest_period"], rated["previous_period"]) == (3, "Q1 2023-24", "Q4 2022-23")
    assert (rated["rag"], rated["arrow"]) == ("GREEN", "↑")
    dot = load_workbook(book)["Data"]["J3"].value
    assert "C3" in dot and "F2" in dot


def test_a_row_of_next_year_with_no_figures_yet_joins_its_indicator(tmp_path):
    book = _years(tmp_path / "ready.xlsx", [
        (REPEAT, "2022-23", None, 0.180, 0.210, 0.179, 0.20, "Low"),
        (REPEAT, "2023-24", 0.200, 0.182, None, None, 0.20, "Low"),
        (REPEAT, "2024-25", None, None, None, None, 0.20, "Low")])
    table = read_workbook(book)
    [record] = table.records
    assert (record["row"], record["series"][-1].period.canonical()) == (3, "Q2 2023-24")
    [joined] = [f for f in table.findings if f.type == "period_rows_joined"]
    assert joined.message.endswith("row 4, with no figures yet, is not read")


def test_rows_of_one_name_and_year_are_not_joined(tmp_path):
    # two cohorts under one name for 2023-24: not a series
    book = _years(tmp_path / "twice.xlsx", [
        ("Children in care", "2023-24", 310, 318, None, None, None, "-"),
        ("Children in care", "2023-24", 42, 40, None, None, None, "-")])
    table = read_workbook(book)
    assert [r["row"] for r in table.records] == [2, 3]
    assert not [f for f in table.findings if f.type == "period_rows_joined"]


def test_months_of_the_rows_year_read_too(tmp_path):
    book = _years(tmp_path / "months.xlsx", [
        ("Children missing from care", "2023-24", 8, 9, 7, None, None, None)],
        header=("Measure", "Financial year", "Apr", "May", "Jun", "Jul", "Target", "Good is"))
    [record] = read_workbook(book).records
    assert [(p.period.canonical(), p.reading.value) for p in record["series"]] == [
        ("Apr 2023", 8), ("May 2023", 9), ("Jun 2023", 7)]


def test_quarters_a_band_dates_are_not_the_rows_year(tmp_path):
    """A Year column beside quarters under a "2023-24" band: the band dates
    them, so the table is not read a row per year."""
    wb = Workbook()
    ws = wb.active
    ws.append([None, None, "2023-24", None])
    ws.append(["Measure", "Year", "Q1", "Q2"])
    ws.append([REPEAT, "2023-24", 0.200, 0.182])
    wb.save(tmp_path / "band.xlsx")
    table = read_workbook(tmp_path / "band.xlsx")
    assert "in_year" not in {c["role"] for c in table.layouts[0].reading["columns"]}


def test_codes_areas_short_years_and_a_published_rating(tmp_path):
    """Codes join the rows, "22/23" in the year column is that year, and the
    latest row's published RAG is checked against the rule."""
    book = _years(tmp_path / "codes.xlsx", [
        ("FD1", "Front Door", REPEAT, "22/23", None, 0.180, 0.210, 0.179, 0.20, "Lower is better", "A"),
        ("FD1", "Front Door", REPEAT, "23/24", 0.200, 0.182, None, None, 0.20, "Lower is better", "R")],
        header=("Ref", "Area", "Measure", "Financial Year", "Q1", "Q2", "Q3", "Q4", "Target", "Polarity",
                "RAG"))
    result = check_workbook(book, load_config())
    [record] = result.table.records
    assert (record["id"], record["area"], record["row"], record["published_rag"]) == ("FD1", "Front Door", 3, "R")
    assert [p.period.canonical() for p in record["series"]] == LONG_QUARTERS
    # 18.2% against a target of 20%, lower is better: GREEN by the rule, published RED
    [disagrees] = result.report.of_type("rag_disagrees")
    assert disagrees.place.cell == "K3"
