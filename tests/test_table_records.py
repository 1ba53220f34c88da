"""The indicator table's records (``IndicatorTable.records``), which every
consumer reads: they must be what the reader's DataFrame turned into records
gave (``to_dict("records")``), value for value and type for type, the frame
made from them when asked for must be that DataFrame, and the rated table a
refresh returns as a DataFrame must be the one the rules used to build with
``pd.concat``."""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_xl.config import load_config
from kpi_xl.reader import read_workbook
from kpi_xl.reader.build import FRAME_COLUMNS
from kpi_xl.refresh_job import build_refresh
from kpi_xl.rules import RULE_COLUMNS
from kpi_xl.table import IndicatorTable, frame_records, table_records
from kpi_xl.templates import example_workbook
from tests.layout_set import LAYOUTS


def typed(records: list[dict]) -> list[list[tuple]]:
    """Each value with its type (NaN made comparable), key order kept."""
    def one(v):
        if isinstance(v, float) and math.isnan(v):
            return "NaN"
        return v
    return [[(k, type(v), one(v)) for k, v in r.items()] for r in records]


def test_frame_records_is_to_dict_records_for_every_kind_of_column():
    frame = pd.DataFrame({
        "ints": [1, 2, 3],
        "floats": [0.5, None, 2.0],  # float64 with NaN
        "ints_as_floats": [80, None, 1],
        "bools": [True, False, True],
        "text": ["a", None, "c"],
        "dates": [dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 1), None],
        "mixed": [1, "N/A", 0.22],
        "lists": [[1], [], None],
        "dicts": [{"a": 1}, {}, None],
    })
    objects = frame.astype(object)
    objects["numpy"] = pd.Series([np.float64(1.5), np.int64(7), np.bool_(True)], dtype=object)
    objects["na"] = pd.Series([pd.NA, None, "x"], dtype=object)
    objects["when"] = pd.Series([pd.Timestamp("2024-01-01"), None, dt.date(2024, 3, 1)], dtype=object)
    for each in (frame, objects, objects.where(objects.notna(), None), frame.iloc[0:0],
                 pd.DataFrame(index=range(2))):
        assert typed(frame_records(each)) == typed(each.to_dict("records"))


def test_the_readers_table_and_the_rated_table_as_before(tmp_path):
    path = example_workbook(tmp_path)
    config = load_config()
    table = read_workbook(path, config)
    assert typed(table.records) == typed(table.frame.to_dict("records"))
    result = build_refresh(path, config)
    # The rated frame as apply_rules made it before the records: the table's
    # frame with the rules' columns beside it (object columns, None kept).
    added = pd.DataFrame([{c: r[c] for c in RULE_COLUMNS} for r in result.records],
                         index=table.frame.index, columns=RULE_COLUMNS, dtype=object)
    before = pd.concat([table.frame, added], axis=1)
    pd.testing.assert_frame_equal(result.rated, before)
    assert typed(result.rated.to_dict("records")) == typed(result.records)
    assert typed(before.to_dict("records")) == typed(result.records)


@pytest.mark.parametrize("name", ["rutland_kpis_q1_2021_22.xlsx", "wokingham_dashboard_q2_2023_24.xlsx"])
def test_shared_workbooks_records_as_to_dict(shared_workbooks, name):
    table = read_workbook(shared_workbooks / name, load_config())
    assert typed(table.records) == typed(table.frame.to_dict("records"))


# ------------------------------------------------- the records come first
# The reader used to build a DataFrame of its records (build_frame) and every
# consumer read the frame turned back into records; the reader now gives the
# records themselves (table.table_records). The old round trip, kept here as
# the oracle: the new records must be it, value for value and type for type.

def old_round_trip(records: list[dict], columns: list[str]) -> tuple[pd.DataFrame, list[dict]]:
    frame = pd.DataFrame(records, columns=columns)
    frame = frame.astype(object).where(frame.notna(), None) if len(frame) else \
        pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return frame, frame_records(frame)


def assert_as_the_round_trip(raw: list[dict], columns: list[str]) -> None:
    old_frame, old_records = old_round_trip(raw, columns)
    new_records = table_records(raw, columns)
    assert typed(new_records) == typed(old_records)
    # and the frame made from the new records when asked for is the old frame
    frame = IndicatorTable("book.xlsx", records=new_records, columns=columns).frame
    pd.testing.assert_frame_equal(frame, old_frame)
    assert list(frame.dtypes) == list(old_frame.dtypes)
    assert type(frame.index) is type(old_frame.index)


def read_with_raw_records(path, monkeypatch) -> tuple[IndicatorTable, list[dict]]:
    """The table the reader gives, and the records it was made from."""
    import kpi_xl.reader as reader

    made = []

    def keep(records):
        made.append([dict(r) for r in records])
        return table_records(records, FRAME_COLUMNS)
    monkeypatch.setattr(reader, "build_records", keep)
    table = read_workbook(path, load_config())
    return table, made[0]


def _assert_reader_records(path, monkeypatch) -> None:
    table, raw = read_with_raw_records(path, monkeypatch)
    assert raw, path
    _old_frame, old_records = old_round_trip(raw, FRAME_COLUMNS)
    assert typed(table.records) == typed(old_records)
    assert_as_the_round_trip(raw, FRAME_COLUMNS)


@pytest.mark.parametrize("name", ["rutland_kpis_q1_2021_22.xlsx", "wokingham_dashboard_q2_2023_24.xlsx"])
def test_shared_workbooks_records_as_the_old_round_trip(shared_workbooks, name, monkeypatch):
    _assert_reader_records(shared_workbooks / name, monkeypatch)


@pytest.mark.parametrize("layout", LAYOUTS, ids=[layout.key for layout in LAYOUTS])
def test_layout_set_records_as_the_old_round_trip(tmp_path, layout, monkeypatch):
    _assert_reader_records(layout.build(tmp_path / f"{layout.key}.xlsx"), monkeypatch)


def test_example_workbook_records_as_the_old_round_trip(tmp_path, monkeypatch):
    _assert_reader_records(example_workbook(tmp_path), monkeypatch)


def test_columns_pandas_would_change_are_changed_alike():
    # whole numbers with a gap become floats; True with a gap stays True; NaN is None
    raw = [{"row": 2, "target": 80, "flag": True, "text": "a", "when": dt.datetime(2024, 1, 1)},
           {"row": 3, "target": None, "flag": None, "text": math.nan, "when": None}]
    columns = ["row", "target", "flag", "text", "when", "absent"]
    assert_as_the_round_trip(raw, columns)
    records = table_records(raw, columns)
    assert [type(r["target"]) for r in records] == [float, type(None)]
    assert records[1]["text"] is None and records[0]["flag"] is True
    assert type(records[0]["when"]) is pd.Timestamp  # pandas' own type, as the frame held
    assert list(records[0]) == columns


GAPS = st.sampled_from([None, math.nan])
KINDS = {
    "int": st.integers(-5, 5) | st.integers(-2 ** 66, 2 ** 66),
    "float": st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1.0]),
    "bool": st.booleans(),
    "text": st.text(max_size=3),
    "list": st.lists(st.integers(0, 3), max_size=2),
    "dict": st.dictionaries(st.text(max_size=2), st.integers(0, 3), max_size=2),
    "tuple": st.tuples(st.integers(0, 3)),
    "datetime": st.datetimes(),
    "date": st.dates(),
    "time": st.times(),
    # a quiet NaN only: pandas' own gap test raises on a signalling one
    "decimal": st.decimals(allow_nan=False, allow_infinity=False, places=2) | st.just(Decimal("NaN")),
    "numpy": st.builds(np.float64, st.floats()) | st.builds(np.int64, st.integers(-9, 9)),
}


@st.composite
def raw_records(draw) -> tuple[list[dict], list[str]]:
    """Records of a few columns, each column of one or two kinds of value
    (so that pandas' typed columns come up), with gaps and absent keys."""
    rows = draw(st.integers(0, 6))
    columns = [f"c{i}" for i in range(draw(st.integers(1, 4)))]
    records: list[dict] = [{} for _ in range(rows)]
    for name in columns:
        kinds = draw(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=2, unique=True))
        values = st.one_of(*(KINDS[k] for k in kinds))
        if draw(st.booleans()):
            values = values | GAPS
        for record in records:
            if draw(st.integers(0, 15)):  # now and then a record lacks the key
                record[name] = draw(values)
    return records, columns


@settings(max_examples=400, deadline=None)
@given(raw_records())
def test_table_records_are_the_old_round_trip(case):
    raw, columns = case
    assert_as_the_round_trip(raw, columns)


def test_records_holding_the_columns_in_order_are_changed_in_place():
    raw = [{"a": 1, "b": "x"}, {"a": None, "b": "y"}]
    records = table_records(raw, ["a", "b"])
    assert records is raw and type(raw[0]["a"]) is float and raw[1]["a"] is None
    other = [{"b": "x", "a": 1}]  # another key order: new dicts, keyed in the columns' order
    made = table_records(other, ["a", "b"])
    assert made[0] is not other[0] and list(made[0]) == ["a", "b"]
    assert type(made[0]["a"]) is int and other[0] == {"b": "x", "a": 1}
