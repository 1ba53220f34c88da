"""The indicator table: what the reader produces and the rules consume.

One row an indicator, in a pandas DataFrame, with for every field the sheet
and cell it came from. Column names are listed in :data:`COLUMNS`; the
layout of each table found on a sheet is kept beside the frame so the
refresh knows where to write.

The frame is turned into plain records (one dict a row) once,
:attr:`IndicatorTable.records`, and the rules, checks, planners and owned
sheets all read those: a DataFrame row is slow to visit one at a time, and
turning the same frame into records again for each consumer cost more than
the rating itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
from pandas.core.dtypes.cast import maybe_box_native

from .findings import Report
from .periods import Period
from .values import Reading


@dataclass(frozen=True)
class Point:
    """One figure of an indicator's series: its period, reading and cell."""

    period: Period
    reading: Reading
    cell: str  # "G5"


# Column -> meaning. The reader fills every column (None where absent).
COLUMNS: dict[str, str] = {
    "id": "stable id: the council's code, else assigned from the name (slug, -2 for repeats)",
    "name": "indicator name as written",
    "area": "service area / block ('Child Protection'), None when the sheet has none",
    "sheet": "sheet name",
    "row": "1-based sheet row of the indicator",
    "table": "index into IndicatorTable.layouts",
    "unit": "'percent', 'number', or None when no figure says",
    "polarity": "'higher' | 'lower' | None",
    "polarity_raw": "polarity as written ('Higher is better', '-', ...) or None",
    "target": "float target (percent as fraction) or None",
    "target_raw": "target as written (0.22, 'N/A', 'Decreasing', ...) or None",
    "target_direction": "'increase' | 'decrease' for a directional target, else None",
    "amber": "explicit amber threshold (float) or None",
    "series": "list[Point], chronological order (sheet order kept in layout)",
    "published_rag": "RAG text found in the sheet ('Red', 'G', ...) or None",
    "published_dot": "DoT found in the sheet (arrow or word) or None",
    "commentary": "commentary text in the table, or None",
    "cells": "dict role -> cell address: 'name', 'target', 'polarity', 'rag', 'dot', "
             "'commentary', 'comparator:sn', 'comparator:region', 'comparator:england', "
             "'comparator:ofsted_good'; a role absent from the table is absent here",
    "comparators": "dict kind -> Reading for comparator cells present in the sheet",
}


@dataclass
class TableLayout:
    """Where one indicator table sits on its sheet."""

    sheet: str
    title: str | None
    header_rows: tuple[int, ...]  # 1-based rows of the header band(s)
    first_row: int  # first indicator row
    last_row: int  # last indicator row
    name_column: str  # "A"
    period_columns: list[tuple[str, Period]]  # in sheet order
    roles: dict[str, str] = field(default_factory=dict)  # role -> column letter
    last_column: str = "A"  # right-most column used by the table
    # How the reader read it (kpi_xl.reader.explain): every column's role and
    # period, the reporting period, rows read and skipped, the readings weighed.
    reading: dict = field(default_factory=dict)

    @property
    def latest_period_column(self) -> str:
        return max(self.period_columns, key=lambda cp: cp[1].sort_key)[0]


@dataclass
class IndicatorTable:
    path: str
    frame: pd.DataFrame
    layouts: list[TableLayout]
    findings: Report = field(default_factory=Report)
    sheet_names: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.frame)

    @cached_property
    def records(self) -> list[dict]:
        """The frame as records, made once (read them, do not change them:
        every consumer shares these dicts)."""
        return frame_records(self.frame)


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in COLUMNS})


# Types a record keeps as they are; a value of any other type in an object
# column (a numpy scalar, pandas' NA) goes through pandas' own boxing.
_NATIVE = frozenset({str, float, int, bool, type(None), list, dict, tuple})


def frame_records(frame: pd.DataFrame) -> list[dict]:
    """``frame.to_dict("records")``, value for value and type for type, at a
    fraction of its cost: each column is turned into a list once (pandas
    visits every cell of every row through its own boxing)."""
    names = frame.columns.tolist()
    if not names:
        return [{} for _ in range(len(frame))]
    columns = []
    for _name, column in frame.items():
        values = column.tolist()  # Python scalars (Timestamps for dates), as to_dict gives
        if column.dtype == object:
            values = [v if type(v) in _NATIVE else maybe_box_native(v) for v in values]
        columns.append(values)
    return [dict(zip(names, row)) for row in zip(*columns)]


def records_frame(records: list[dict], columns: list[str]) -> pd.DataFrame:
    """Records as a frame of object columns (None stays None), for the API
    that returns a DataFrame."""
    return pd.DataFrame(records, columns=columns, dtype=object)
