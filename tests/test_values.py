"""parse_value: cell contents as councils write them."""
from __future__ import annotations

import datetime as dt
import math
import warnings

import pytest
from hypothesis import given, strategies as st

from kpi_xl import values
from kpi_xl.values import Reading, parse_value


# ---------------------------------------------------------------- numbers with formats

@pytest.mark.parametrize("raw, fmt, value, decimals", [
    (0.51, "0%", 0.51, 0),
    (0.806, "0.0%", 0.806, 1),
    (0.13, "0%", 0.13, 0),
    (1, "0.00%", 1, 2),
    (0.5, '0.0"%"', 0.5, 1),  # a quoted % is literal text: no scaling, so not a percent
])
def test_number_with_percent_format(raw, fmt, value, decimals):
    reading = parse_value(raw, fmt)
    expected_unit = "number" if '"%"' in fmt else "percent"
    assert (reading.status, reading.value, reading.unit, reading.decimals) == \
        ("number", value, expected_unit, decimals)


@pytest.mark.parametrize("raw, fmt, decimals", [
    (3.14159, "0.00", 2),
    (1876, "#,##0", 0),
    (1876.4, "#,##0", 0),
    (2, "_-* #,##0.00_-;-* #,##0.00_-;_-* \"-\"??_-;_-@_-", 2),
    (0.1943, "General", 4),
    (0.1943, None, 4),
    (24, "General", 0),
    (0.1 + 0.2, "General", 1),  # float noise is not published precision
    (1e-7, None, 7),
    (12.5, "@", 1),
])
def test_number_decimals_from_format_or_repr(raw, fmt, decimals):
    reading = parse_value(raw, fmt)
    assert (reading.status, reading.unit, reading.decimals) == ("number", "number", decimals)
    assert reading.value == raw


@pytest.mark.parametrize("raw", [True, False, dt.datetime(2023, 6, 30), dt.date(2023, 6, 30),
                                 dt.time(9, 30), float("nan"), float("inf"), -float("inf"),
                                 object(), [1, 2]])
def test_not_figures(raw):
    reading = parse_value(raw, "0%")
    assert reading.status == "text" and reading.value is None and reading.raw is raw


def test_number_shown_as_date_is_not_a_figure():
    assert parse_value(45107, "dd/mm/yyyy").status == "text"


def test_none_is_empty():
    assert parse_value(None) == Reading(None, "empty")


# ---------------------------------------------------------------- text

@pytest.mark.parametrize("raw, value, unit, decimals", [
    ("51%", 0.51, "percent", 0),
    ("51 %", 0.51, "percent", 0),
    ("51.5%", 0.515, "percent", 1),
    ("13%", 0.13, "percent", 0),
    ("1,876", 1876, "number", 0),
    ("12,345.67", 12345.67, "number", 2),
    ("51", 51, "number", 0),
    (" 4.50 ", 4.5, "number", 2),
    ("-3", -3, "number", 0),
    ("\u22123", -3, "number", 0),  # a typeset minus, pasted from a report
    (".5", 0.5, "number", 1),
])
def test_text_numbers(raw, value, unit, decimals):
    reading = parse_value(raw)
    assert (reading.status, reading.value, reading.unit, reading.decimals) == \
        ("number", value, unit, decimals)
    assert not reading.provisional and reading.footnote is None and reading.secondary is None


def test_footnote_marker():
    reading = parse_value("24*")
    assert (reading.status, reading.value, reading.footnote) == ("number", 24, "*")


@pytest.mark.parametrize("raw, value", [("12 [u]", 12), ("45% [u]", 0.45), ("3.5[U]", 3.5)])
def test_low_reliability_marker_keeps_the_figure(raw, value):
    """GSS's "[u]" after a figure: low reliability, the figure as published."""
    reading = parse_value(raw)
    assert (reading.status, reading.value, reading.footnote.lower()) == ("number", value, "[u]")


@pytest.mark.parametrize("raw", ["(Provis) 45", "45 (Provis)", "45p", "45 (p)", "45 (P)",
                                 "45 (provisional)"])
def test_provisional(raw):
    reading = parse_value(raw)
    assert (reading.status, reading.value, reading.provisional) == ("number", 45, True)


def test_provisional_and_footnote_together():
    reading = parse_value("24* (p)")
    assert (reading.value, reading.provisional, reading.footnote) == (24, True, "*")


@pytest.mark.parametrize("raw", ["x", "X", "c", "C", "low", "LOW", "k", "K", " x ", "<5",
                                 ":", "~"])  # older DfE releases' x and low
def test_suppressed(raw):
    reading = parse_value(raw)
    assert (reading.status, reading.value, reading.symbol) == ("suppressed", None, raw.strip())


@pytest.mark.parametrize("raw", ["Not yet available", "To be confirmed", "TBC", "-", "–",
                                 "N/A", "n/a", "New Indicator", "new indicator", "z",
                                 "Data not available", "No data", "Not reported", "Awaiting data",
                                 "Not yet due", "New measure", "Reported annually", "..", "n.a."])
def test_not_available(raw):
    reading = parse_value(raw)
    assert (reading.status, reading.value, reading.symbol) == ("not_available", None, raw)


@pytest.mark.parametrize("raw", ["", "   ", "\u00a0", "\n\t"])
def test_blank_text_is_empty(raw):
    assert parse_value(raw).status == "empty"


def test_bracket_compound():
    reading = parse_value("112 (643)")
    assert (reading.status, reading.value, reading.unit, reading.secondary) == \
        ("number", 112, "number", 643)


def test_dash_compound():
    reading = parse_value("17% - 164")
    assert (reading.status, reading.value, reading.unit, reading.decimals, reading.secondary) == \
        ("number", 0.17, "percent", 0, 164)


@pytest.mark.parametrize("raw", [
    "a) 405 b) 337-83%",  # two figures with labels: do not guess which one counts
    "about 20 children", "Q2", "2022-23", "2022/23", "337-83", "1,87", "(45)", "p", "(p)", "*",
    "20 children", "approx. 20", "£20", "1.2.3", "Q2 23-24", "12:30", "51%%", "1 2",
])
def test_text_is_never_guessed_into_a_number(raw):
    reading = parse_value(raw)
    assert (reading.status, reading.value, reading.unit) == ("text", None, None)


def test_raw_is_kept():
    assert parse_value(" 51% ").raw == " 51% "


def test_huge_digit_string_is_text_not_infinity():
    assert parse_value("9" * 400).status == "text"


# ---------------------------------------------------------------- properties
# The internal _parse has no safety net, so these fail if a case is not handled.

cell_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(),
    st.floats(allow_nan=True, allow_infinity=True), st.datetimes(), st.dates(),
    st.decimals(allow_nan=False, allow_infinity=False),
)
formats = st.one_of(st.none(), st.text(max_size=30),
                    st.sampled_from(["General", "0%", "0.0%", "0.00", "#,##0", "@",
                                     "dd/mm/yyyy", '0.0 "days"', "[Red]0.0;-0.0"]))


@given(cell_values, formats)
def test_parse_never_raises(raw, fmt):
    reading = values._parse(raw, fmt)
    assert reading == parse_value(raw, fmt)
    assert (reading.value is not None) == (reading.status == "number")
    if reading.value is not None:
        assert math.isfinite(reading.value) and reading.unit in ("percent", "number")
        assert 0 <= reading.decimals <= 200


@given(st.text(alphabet="0123456789.,%-() *pPxXc/ab", max_size=20))
def test_number_like_text_never_raises(raw):
    values._parse(raw, None)


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_integers_written_with_commas_round_trip(n):
    reading = parse_value(f"{n:,}")
    assert (reading.status, reading.value, reading.decimals) == ("number", n, 0)


@given(st.decimals(min_value=0, max_value=1000, places=2))
def test_percent_text_round_trips_as_fraction(figure):
    reading = parse_value(f"{figure}%")
    assert reading.unit == "percent"
    assert reading.value == float(figure / 100)
    assert reading.decimals == max(0, -figure.as_tuple().exponent)


@given(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(["0%", "0.0%", "0.00%"]))
def test_percent_format_keeps_the_value(x, fmt):
    reading = parse_value(x, fmt)
    assert (reading.value, reading.unit, reading.decimals) == (x, "percent", fmt.count("0") - 1)


# A duration after a figure ("426 days") is a number with its unit word;
# the alphabet can still spell "day" and "year", so those are left out.
DURATIONS = {"day", "days", "week", "weeks", "wks", "hour", "hours", "hrs", "month", "months",
             "year", "years", "yrs"}
words = st.text(alphabet="abdefghijmnqrtuvyz", min_size=3, max_size=10).filter(
    lambda w: w not in DURATIONS)


@given(words, st.integers(min_value=0, max_value=10**6), st.booleans())
def test_words_with_a_number_stay_text(word, n, number_first):
    raw = f"{n} {word}" if number_first else f"{word} {n}"
    assert parse_value(raw).status == "text"


@pytest.mark.parametrize("raw,value,unit_word", [("0 year", 0, "year"), ("426 days", 426, "days"),
                                                 ("1 day", 1, "day"), ("12 yrs", 12, "yrs")])
def test_a_figure_with_its_duration_is_a_number(raw, value, unit_word):
    reading = parse_value(raw)
    assert (reading.status, reading.value, reading.unit_word) == ("number", value, unit_word)


# ---------------------------------------------------------------- real workbooks

def test_council_workbook_cells(shared_workbooks):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(shared_workbooks / "wokingham_dashboard_q2_2023_24.xlsx")
    readings = {(ws.title, c.coordinate): values._parse(c.value, c.number_format)
                for ws in wb for row in ws.iter_rows() for c in row}
    statuses = {r.raw: r.status for r in readings.values() if isinstance(r.raw, str)}
    assert statuses["24*"] == "number" and statuses["x"] == "suppressed"
    assert statuses["-"] == "not_available" and statuses["Q2 23-24"] == "text"
    assert any(r.unit == "percent" and r.decimals == 1 for r in readings.values())


def test_corpus_cells_parse_without_the_safety_net(corpus_dir):
    openpyxl = pytest.importorskip("openpyxl")
    parsed = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's notes on unsupported extensions
        for path in sorted(corpus_dir.glob("*.xlsx")):
            try:
                wb = openpyxl.load_workbook(path, read_only=True)
            except Exception:
                continue  # files openpyxl cannot open are the reader's concern
            for ws in wb.worksheets:
                for row in ws.iter_rows():
                    for cell in row:
                        raw = getattr(cell, "value", None)
                        reading = values._parse(raw, getattr(cell, "number_format", None))
                        if isinstance(raw, (int, float)) and not isinstance(raw, bool) \
                                and math.isfinite(raw) and reading.status == "number":
                            assert reading.value == raw
                        parsed += 1
            wb.close()
    assert parsed > 1000
