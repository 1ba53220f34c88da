"""Long tables: a row per indicator and period, read as one indicator each.

The figures are Wokingham's (seed report 000, Dashboard Items 3 and 4, Q2
2022-23 to Q2 2023-24), kept long as tests/layout_set.build_long_table
lays them out. The targets are the seed's words ("less than 20% of its
referrals to be repeat referrals", "80% of Assessments", "the target of 80%
of visits in timescale"); ratings and arrows are worked by hand with the
default rule (AMBER within 5% of the target, so 76%-80% for a target of 80%).
"""
from __future__ import annotations

import pytest
from openpyxl import load_workbook

from kpi_xl import refresh
from kpi_xl.config import load_config
from kpi_xl.reader import read_workbook
from tests.layout_set import LONG_QUARTERS, LONG_ROWS, build_long_table
from tests.test_one_reading import _recalculated
from tests.test_reader_support import rows_workbook

# measure -> (RAG, arrow) at Q2 2023-24 (tests/test_year_rows.py lays the same out by year)
RATED_BY_HAND = {
    "% of referrals to which are repeat referrals within 12 months": ("GREEN", "↓"),  # 18.2 < 20
    "% Assessments completed within 45 working days": ("RED", "↓"),  # 67.5, under 76
    "% Of child protection visits within timescale (10 working days)": ("RED", "↓"),  # 75, under 76
}
# measure -> (latest row, RAG, arrow): rows 2-16 hold five quarters of three measures
BY_HAND = {name: (row, *RATED_BY_HAND[name]) for name, row in zip(RATED_BY_HAND, (14, 15, 16))}


@pytest.fixture
def long_book(tmp_path):
    return build_long_table(tmp_path / "long.xlsx")


def test_each_measure_is_one_indicator_with_every_quarter(long_book):
    table = read_workbook(long_book)
    records = table.records
    assert [r["name"] for r in records] == [name for _a, name, *_ in LONG_ROWS]
    for i, (record, (area, name, _good, _target, figures)) in enumerate(zip(records, LONG_ROWS)):
        assert record["area"] == area
        assert record["row"] == BY_HAND[name][0]
        assert [p.period.canonical() for p in record["series"]] == LONG_QUARTERS
        assert [p.reading.value for p in record["series"]] == pytest.approx(list(figures))
        assert [p.cell for p in record["series"]] == [f"D{2 + i + 3 * q}" for q in range(5)]
        assert "-2" not in record["id"]
    joined = [f for f in table.findings if f.type == "period_rows_joined"]
    assert [(f.severity, f.place.sheet, f.place.cell) for f in joined] == [
        ("info", "Extract", "B14"), ("info", "Extract", "B15"), ("info", "Extract", "B16")]
    assert joined[0].indicator == records[0]["id"]
    assert joined[0].message.startswith("rows 2, 5, 8 and 11 give this indicator's figures for "
                                        "Q2 2022-23 to Q1 2023-24 (4 periods)")


def test_the_refresh_rates_the_latest_row_and_leaves_the_earlier_rows(long_book):
    result = refresh(long_book, load_config(), backup="none")
    rated = {r["name"]: r for r in result.rated.to_dict("records")}
    for name, (row, rag, arrow) in BY_HAND.items():
        assert (rated[name]["row"], rated[name]["rag"], rated[name]["arrow"]) == (row, rag, arrow)
    formulas = load_workbook(long_book)["Extract"]
    cached = load_workbook(long_book, data_only=True)["Extract"]
    assert (formulas["G1"].value, formulas["H1"].value) == ("RAG", "Direction of travel")
    for name, (row, rag, arrow) in BY_HAND.items():
        assert (cached[f"G{row}"].value, cached[f"H{row}"].value) == (rag, arrow)
        # the arrow compares the row's figure with the quarter before, three rows up
        assert f"D{row - 3}" in formulas[f"H{row}"].value and f"D{row}" in formulas[f"H{row}"].value
    for row in range(2, 14):
        assert (formulas[f"G{row}"].value, formulas[f"H{row}"].value) == (None, None), row


@pytest.mark.libreoffice
def test_the_written_formulas_recalculate_to_the_refresh_ratings(long_book, tmp_path, soffice):
    refresh(long_book, load_config(), backup="none")
    recalculated = _recalculated(soffice, [long_book], tmp_path)["long"]
    for name, (row, rag, arrow) in BY_HAND.items():
        assert recalculated[row - 1][6:8] == [rag, arrow], name


def _long(path, rows, header=("Code", "Indicator", "Period", "Value", "Target", "Polarity")):
    return rows_workbook(path, "Data", header, rows)


def test_rows_naming_one_period_twice_are_not_joined(tmp_path):
    # two cohorts under one name, both for Q2: not a series
    book = _long(tmp_path / "twice.xlsx", [
        (None, "Children in care", "Q1 2023-24", 310, None, "-"),
        (None, "Children in care", "Q2 2023-24", 318, None, "-"),
        (None, "Children in care", "Q2 2023-24", 42, None, "-")])
    table = read_workbook(book)
    assert [r["id"] for r in table.records] == ["children-in-care", "children-in-care-2",
                                                "children-in-care-3"]
    assert not [f for f in table.findings if f.type == "period_rows_joined"]


def test_rows_stating_different_polarities_are_not_joined(tmp_path):
    book = _long(tmp_path / "polarity.xlsx", [
        ("EH1", "No. of referrals to Early Help", "Q1 2023-24", 397, None, "Higher is better"),
        ("EH1", "No. of referrals to Early Help", "Q2 2023-24", 367, None, "Lower is better")])
    assert len(read_workbook(book).records) == 2


def test_one_measure_in_two_areas_is_two_indicators(tmp_path):
    # a locality export: the same measure for each locality, two quarters each
    book = _long(tmp_path / "areas.xlsx", [
        ("North", "% Assessments completed within 45 working days", "Q1 2023-24", .739, .80, "High"),
        ("South", "% Assessments completed within 45 working days", "Q1 2023-24", .786, .80, "High"),
        ("North", "% Assessments completed within 45 working days", "Q2 2023-24", .675, .80, "High"),
        ("South", "% Assessments completed within 45 working days", "Q2 2023-24", .692, .80, "High")],
        header=("Area", "Indicator", "Period", "Value", "Target", "Polarity"))
    records = read_workbook(book).records
    assert [(r["area"], r["row"], [p.reading.value for p in r["series"]]) for r in records] == [
        ("North", 4, [.739, .675]), ("South", 5, [.786, .692])]


def test_a_rows_own_figure_wins_over_a_later_rows_previous_figure(tmp_path):
    # each row also gives the quarter before; the Q2 row's Previous was typed 19.9
    book = _long(tmp_path / "previous.xlsx", [
        ("CSC2", "% repeat referrals within 12 months", "Q4 2022-23", .209, .179, .20, "Low"),
        ("CSC2", "% repeat referrals within 12 months", "Q1 2023-24", .179, .200, .20, "Low"),
        ("CSC2", "% repeat referrals within 12 months", "Q2 2023-24", .199, .182, .20, "Low")],
        header=("Ref", "Measure", "Period", "Previous", "Latest", "Target", "Good is"))
    (record,) = read_workbook(book).records
    assert [(p.period.canonical(), p.reading.value, p.cell) for p in record["series"]] == [
        ("Q3 2022-23", .209, "D2"), ("Q4 2022-23", .179, "E2"), ("Q1 2023-24", .200, "E3"),
        ("Q2 2023-24", .182, "E4")]
    assert record["row"] == 4


@pytest.mark.parametrize("period_label, value_label, periods", [
    ("Qtr", "Outturn", ("Q1 2023-24", "Q2 2023-24")),
    ("Financial quarter", "Actual", ("Q1 2023-24", "Q2 2023-24")),
    ("Reporting month", "Value", ("Aug 2023", "Sep 2023")),
    ("Academic year", "Out-turn", ("2021-22", "2022-23")),
])
def test_the_headers_councils_give_a_long_table(tmp_path, period_label, value_label, periods):
    # seed 000: assessments within 45 days 73.9% then 67.5%; referrals 405 then 445
    book = _long(tmp_path / "headers.xlsx", [
        (None, "% Assessments completed within 45 working days", periods[0], .739, .80, "High"),
        (None, "% Assessments completed within 45 working days", periods[1], .675, .80, "High"),
        (None, "No. of Contacts progressed to Referral", periods[0], 405, None, "-"),
        (None, "No. of Contacts progressed to Referral", periods[1], 445, None, "-")],
        header=("Ref", "Indicator", period_label, value_label, "Target", "Polarity"))
    records = read_workbook(book).records
    assert [(r["row"], [p.reading.value for p in r["series"]]) for r in records] == [
        (3, [.739, .675]), (5, [405, 445])]
    assert [p.period.canonical() for p in records[0]["series"]] == list(periods)
