"""Whole-column arguments and the fast paths of the worksheet functions give
exactly what the plain path gives (speed is benchmarks/bench_excel.py's job)."""
from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_xl.excel import udfs
from kpi_xl.values import parse_value

EXCEL_ROWS = 1_048_576


def column(values: list, height: int) -> list[list]:
    """A whole-column argument as xlwings passes it: rows of one cell, empty as None."""
    return [[v] for v in values] + [[None]] * (height - len(values))


def test_a_whole_column_gives_the_used_rows_result():
    values = [0.4, 0.55, None, "x", 0.61, 0.49, 0.5]
    used = udfs.KPI_RAG(column(values, len(values)), [[0.5]], [["Higher is better"]])
    whole = udfs.KPI_RAG(column(values, EXCEL_ROWS), [[0.5]], [["Higher is better"]])
    assert whole == used and len(whole) == len(values)


def test_whole_columns_keep_rows_any_of_them_uses():
    values, targets = [0.4, 0.6], [0.5, 0.5, 0.5, 0.5]
    got = udfs.KPI_RAG(column(values, EXCEL_ROWS), column(targets, EXCEL_ROWS),
                       [["Higher is better"]])
    assert len(got) == 4
    assert got == udfs.KPI_RAG(column(values, 4), column(targets, 4), [["Higher is better"]])


def test_an_empty_whole_column_is_one_row():
    assert len(udfs.KPI_RAG(column([], EXCEL_ROWS), [[0.5]], [["High"]])) == 1


@given(st.integers(min_value=0, max_value=5000), st.integers(min_value=0, max_value=3))
@settings(max_examples=40, deadline=None)
def test_the_used_rows_are_found_wherever_the_last_value_is(last, gap):
    rows = [[1.0]] * last + [[None]] * gap + ([[2.0]] if gap else []) + [[None]] * 3000
    want = last + (gap + 1 if gap else 0)
    assert udfs.used_length(rows) == want
    assert udfs.used_length([r[0] for r in rows]) == want  # a flat column, as Python passes it


def test_ranges_of_different_heights_are_not_trimmed_into_line():
    got = udfs.KPI_RAG(column([0.4], EXCEL_ROWS), column([0.5], EXCEL_ROWS - 4), [["High"]])
    assert got.startswith("#KPI! ranges differ in size")


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**12, 10**12)))
def test_the_number_fast_path_equals_parsing(raw):
    reading = parse_value(raw)
    if reading.is_number:
        assert udfs._number(raw, "value") == reading.value
    else:
        assert not math.isfinite(raw)
        try:
            udfs._number(raw, "value")
        except udfs.UdfArgError as exc:
            assert str(exc) == "value is not a number"
        else:
            raise AssertionError("a non-finite number was accepted")


def test_remembered_results_equal_computed_ones_and_keep_types_apart():
    udfs._RESULTS.clear()
    args = ([[0.4], [0.6], [True], [1], ["51%"], [None]], [[0.5]], [["Higher is better"]])
    first = udfs.KPI_RAG(*args)
    assert udfs._RESULTS  # remembered
    assert udfs.KPI_RAG(*args) == first
    udfs._RESULTS.clear()
    fresh = [udfs._one(udfs.rag_of, (row[0], 0.5, "Higher is better")) for row in args[0]]
    assert [row[0] for row in first] == fresh
    assert fresh[2].startswith("#KPI!") and fresh[3] == "GREEN"  # TRUE is not a number; 1 is


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_shown_decimals_fast_path_equals_decimal(value):
    from decimal import Decimal

    from kpi_xl.values import MAX_DECIMALS, _shown_decimals

    shown = Decimal(format(value, f".{MAX_DECIMALS}g")).normalize()
    exponent = shown.as_tuple().exponent
    assert _shown_decimals(value) == (min(-exponent, MAX_DECIMALS) if exponent < 0 else 0)


@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-10**15, 10**15)))
def test_a_number_without_a_format_reads_as_general(raw):
    """values' fast path for cells without a number format is the General reading."""
    assert parse_value(raw) == parse_value(raw, "General")
