"""The indicator table is turned into records once (``IndicatorTable.records``)
and every consumer reads those: they must be what pandas' ``to_dict("records")``
gave, value for value and type for type, and the rated table a refresh returns
as a DataFrame must be the one the rules used to build with ``pd.concat``."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from kpi_xl.config import load_config
from kpi_xl.reader import read_workbook
from kpi_xl.refresh_job import build_refresh
from kpi_xl.rules import RULE_COLUMNS
from kpi_xl.table import frame_records
from kpi_xl.templates import example_workbook


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
