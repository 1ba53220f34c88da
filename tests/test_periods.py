"""Periods: labels as councils write them, their order, and what to compare with."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given, strategies as st

from kpi_xl import periods
from kpi_xl.periods import Period, check_sequence, parse_period, parse_year


@pytest.mark.parametrize("label, fy, q", [
    ("Q2 23-24", 2023, 2),
    ("Q2 2023/24", 2023, 2),
    ("Q2 2023-24", 2023, 2),
    ("2023-24 Q2", 2023, 2),
    ("2021-22 Q1", 2021, 1),
    ("Quarter 2 2023-24", 2023, 2),
    ("Q2 22/23", 2022, 2),
    ("Qtr 2 2023-24", 2023, 2),
    ("q4 2023–24", 2023, 4),
    ("Q2 (2023-24)", 2023, 2),
    ("Q2\n2023-24", 2023, 2),
])
def test_quarters(label, fy, q):
    period = parse_period(label)
    assert period == Period("quarter", fy, q)
    assert period.label == " ".join(label.split())


@pytest.mark.parametrize("label, fy", [
    ("2022-23", 2022), ("2022/23", 2022), ("2023-2024", 2023), ("2016/17 Out-turn", 2016),
    ("2020-21 outturn", 2020), ("2022-23 Outturn", 2022), ("FY 2022-23", 2022),
    ("FY 22-23", 2022),
])
def test_years(label, fy):
    assert parse_period(label) == Period("year", fy)


def test_bare_quarter_needs_the_year_from_the_band_above():
    assert parse_period("Q3") is None
    assert parse_period("Q3", context_fy=2022) == Period("quarter", 2022, 3)


@pytest.mark.parametrize("label", ["2022/23 academic year", "AY 2022/23", "2022/23 (academic)",
                                   "Academic year 2022-23"])
def test_academic_years(label):
    assert parse_period(label) == Period("academic_year", 2022)


@pytest.mark.parametrize("label, fy, number", [
    ("Apr 2023", 2023, 1), ("April-23", 2023, 1), ("Jun 2023", 2023, 3),
    ("Dec 2023", 2023, 9), ("Jan 2024", 2023, 10), ("Mar-24", 2023, 12),
    ("Sept 2023", 2023, 6),
])
def test_months(label, fy, number):
    assert parse_period(label) == Period("month", fy, number)


def test_a_date_header_is_its_month():
    assert parse_period(dt.datetime(2024, 3, 31)) == Period("month", 2023, 12)


@pytest.mark.parametrize("label, expected", [
    # quarters spelled out, dotted, slashed, or dated by their months
    ("Quarter Two 2023/24", ("quarter", 2023, 2)), ("Quarter one 2023-24", ("quarter", 2023, 1)),
    ("Q.2 2023/24", ("quarter", 2023, 2)), ("Q2/23-24", ("quarter", 2023, 2)),
    ("Q1 (Apr-Jun 23)", ("quarter", 2023, 1)), ("Q4\n(Jan-Mar 24)", ("quarter", 2023, 4)),
    ("Apr 23 - Jun 23", ("quarter", 2023, 1)), ("Jul 2023 to Sep 2023", ("quarter", 2023, 2)),
    ("April to June 2023", ("quarter", 2023, 1)),
    # a figure to date is the period it runs to
    ("Q2 YTD 2023/24", ("quarter", 2023, 2)), ("Q2 2023-24 (cumulative)", ("quarter", 2023, 2)),
    ("Sep 2023 YTD", ("month", 2023, 6)),
    ("Position at end of Q2 23/24", ("quarter", 2023, 2)), ("End of March 2024", ("month", 2023, 12)),
    # a year's out-turn with a short pair: the word makes it a year
    ("Outturn 22/23", ("year", 2022, None)), ("22/23 outturn", ("year", 2022, None)),
    # a snapshot's date written as text, day first: its month
    ("30/09/2023", ("month", 2023, 6)), ("30-Sep-23", ("month", 2023, 6)),
    ("31 March 2024", ("month", 2023, 12)), ("2023-09-30", ("month", 2023, 6)),
    ("As at 30/06/2023", ("month", 2023, 3)), ("As at 30 Sep 2023", ("month", 2023, 6)),
])
def test_spellings_councils_use(label, expected):
    kind, fy, number = expected
    period = parse_period(label)
    assert period == Period(kind, fy, number)
    assert period.label == " ".join(label.split())


@pytest.mark.parametrize("label", [
    "Q2 (Apr-Jun 23)",  # the months say Q1
    "Dec 23 - Feb 24", "Apr 23 - Jun 24",  # not a quarter
    "YTD 2023/24", "2023/24 YTD",  # a year to date is not the year
    "31/02/2024", "30/13/2023",  # no such day
    "Summer 2023", "Term 1 2023/24",  # terms are not periods kpi-xl reads
    "end of", "Position at end of Q2",
])
def test_spellings_that_are_not_periods(label):
    assert parse_period(label) is None


@pytest.mark.parametrize("label, q", [("Apr-Jun", 1), ("Jul - Sep", 2), ("Oct to Dec", 3), ("Jan-Mar", 4)])
def test_a_quarter_named_by_its_months_takes_the_year_of_its_band(label, q):
    assert parse_period(label, context_fy=2023) == Period("quarter", 2023, q)
    assert parse_period(label) is None  # no band or title: no year
    assert parse_period("Feb-Apr", context_fy=2023) is None  # not a quarter


def test_a_month_and_year_in_figures():
    assert parse_period("06/2023") == Period("month", 2023, 3)
    assert parse_period("03/2024") == Period("month", 2023, 12)
    assert parse_period("13/2023") is None


@pytest.mark.parametrize("label", [
    "2022-25", "2023-22", "Q2 2022-25", "Q5 2023-24", "Q2 2023",  # inconsistent or incomplete
    "2021-22 target", "Direction of Travel", "Target", "Polarity", "Q2", "",
    "22-23",  # two-digit pair alone could be ages ("16-17"); bands use parse_year
    "Sep", "Trend – last four quarters", None, 2023, 0.5, True,
])
def test_not_periods(label):
    assert parse_period(label) is None


@pytest.mark.parametrize("label, fy", [
    ("22-23", 2022), ("2023-2024", 2023), ("2023/24", 2023), ("2023-24", 2023), (" 2023-24 ", 2023),
])
def test_parse_year(label, fy):
    assert parse_year(label) == fy


@pytest.mark.parametrize("label", ["2022-25", "Q2 23-24", "2023", "Performance 2023-24", None, 2023])
def test_parse_year_rejects(label):
    assert parse_year(label) is None


# ---------------------------------------------------------------- order and arithmetic

def test_canonical_spellings():
    assert Period("quarter", 2023, 2).canonical() == "Q2 2023-24"
    assert Period("year", 2022).canonical() == "2022-23"
    assert Period("month", 2023, 3).canonical() == "Jun 2023"
    assert Period("academic_year", 2022).canonical() == "2022/23 (academic)"
    assert Period("year", 1999).canonical() == "1999-00"


def test_chronology():
    labels = ["2021-22", "Q1 22-23", "Apr 2022", "May 2022", "Jun 2022", "Q2 22-23",
              "Q4 22-23", "Mar 2023", "2022-23", "Q1 23-24"]
    shuffled = [parse_period(x) for x in reversed(labels)]
    ordered = sorted(shuffled, key=lambda p: p.sort_key)
    assert [p.label for p in ordered] == [
        "2021-22", "Apr 2022", "May 2022", "Jun 2022", "Q1 22-23", "Q2 22-23",
        "Mar 2023", "Q4 22-23", "2022-23", "Q1 23-24"]


def test_year_sorts_after_its_fourth_quarter():
    assert parse_period("Q4 2022-23").sort_key < parse_period("2022-23 outturn").sort_key \
        < parse_period("Q1 2023-24").sort_key


def test_same_period_last_year_and_previous():
    q2 = parse_period("Q2 23-24")
    assert q2.same_period_last_year() == Period("quarter", 2022, 2)
    assert q2.same_period_last_year().label == "Q2 2022-23"
    assert q2.previous_quarter() == Period("quarter", 2023, 1)
    assert parse_period("Q1 23-24").previous_quarter() == Period("quarter", 2022, 4)
    assert parse_period("Apr 2023").previous() == Period("month", 2022, 12)
    assert parse_period("2022-23").previous() == Period("year", 2021)
    with pytest.raises(ValueError):
        parse_period("2022-23").previous_quarter()


def test_spellings_of_one_period_are_equal():
    assert parse_period("Q2 23-24") == parse_period("2023/24 Q2")
    assert len({parse_period("Q2 23-24"), parse_period("Quarter 2 2023-24")}) == 1


# ---------------------------------------------------------------- sequence checks

def _seq(*labels: str) -> list[Period]:
    return [parse_period(x) for x in labels]


def test_wokingham_workforce_header_is_out_of_order():
    header = _seq("Q4 21-22", "Q4 22-23", "Q2 22-23", "Q3 22-23", "Q1 22-23", "Q2 23-24")
    assert check_sequence(header) == ["Q2 22-23 comes after Q4 22-23",
                                      "Q1 22-23 comes after Q3 22-23"]


def test_outturn_first_then_quarters_is_fine():
    assert check_sequence(_seq("2022-23", "Q2 22-23", "Q3 22-23", "Q4 22-23", "Q1 23-24",
                               "Q2 23-24")) == []
    assert check_sequence(_seq("2020-21 outturn", "2021-22 Q1")) == []


def test_duplicates():
    assert check_sequence(_seq("Q1 22-23", "Q2 2023-24", "Q2 23-24")) == ["Q2 2023-24 appears twice"]
    assert check_sequence(_seq("2022-23", "2022/23", "2022-23 Outturn")) == \
        ["2022-23 appears 3 times"]


def test_years_must_ascend_among_themselves():
    assert check_sequence(_seq("2022-23", "2021-22", "Q1 23-24")) == ["2021-22 comes after 2022-23"]


def test_newest_first_is_one_message():
    assert check_sequence(_seq("Q3 23-24", "Q2 23-24", "Q1 23-24")) == \
        ["Q3 23-24 to Q1 23-24 run from latest to earliest"]


def test_check_sequence_of_nothing():
    assert check_sequence([]) == []


def test_wokingham_workbook_headers(shared_workbooks):
    openpyxl = pytest.importorskip("openpyxl")
    ws = openpyxl.load_workbook(shared_workbooks / "wokingham_dashboard_q2_2023_24.xlsx")["Dashboard"]
    headers = {}
    for row in ws.iter_rows():
        found = [p for p in (parse_period(c.value) for c in row) if p]
        if found:
            headers[row[0].row] = found
    faulty = {r: check_sequence(ps) for r, ps in headers.items() if check_sequence(ps)}
    assert len(headers) >= 8
    assert list(faulty.values()) == [["Q2 22-23 comes after Q4 22-23",
                                      "Q1 22-23 comes after Q3 22-23"]]


# ---------------------------------------------------------------- properties

fys = st.integers(min_value=1990, max_value=2098)
any_period = st.one_of(
    st.builds(Period, st.just("quarter"), fys, st.integers(1, 4)),
    st.builds(Period, st.just("month"), fys, st.integers(1, 12)),
    st.builds(Period, st.just("year"), fys),
    st.builds(Period, st.just("academic_year"), fys),
)


@given(st.one_of(st.text(), st.text(alphabet="Qq1234 -/20aycdemic()outrnFY", max_size=25)),
       st.one_of(st.none(), st.integers()))
def test_parse_period_never_raises(label, context_fy):
    result = periods._parse_period(label, context_fy)  # no safety net here
    assert result is None or isinstance(result, Period)
    assert parse_year(label) is None or isinstance(parse_year(label), int)


@given(any_period, any_period)
def test_sort_key_is_a_total_order_matching_equality(a, b):
    assert (a.sort_key == b.sort_key) == (a == b)
    assert (a.sort_key < b.sort_key) + (a.sort_key == b.sort_key) + (b.sort_key < a.sort_key) == 1


@given(any_period)
def test_a_period_comes_after_the_same_period_last_year(p):
    last = p.same_period_last_year()
    assert (last.kind, last.number, last.fy) == (p.kind, p.number, p.fy - 1)
    assert last.sort_key < p.sort_key
    assert p.previous().sort_key < p.sort_key


@given(any_period)
def test_canonical_spelling_parses_back(p):
    assert parse_period(p.canonical()) == p


@given(st.builds(Period, st.just("quarter"), fys, st.integers(1, 4)))
def test_four_previous_quarters_is_last_year(p):
    assume(p.fy > 1990)
    assert p.previous().previous().previous().previous() == p.same_period_last_year()


@given(st.lists(any_period, max_size=8))
def test_sorted_periods_have_no_order_findings(ps):
    unique = sorted(set(ps), key=lambda p: p.sort_key)
    assert check_sequence(unique) == []
