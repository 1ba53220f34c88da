"""The indicator table: what the reader produces and the rules consume.

One record (a dict) an indicator, with for every field the sheet and cell it
came from. Column names are listed in :data:`COLUMNS`; the layout of each
table found on a sheet is kept beside the records so the refresh knows where
to write.

The rules, checks, planners and owned sheets all read the records,
:attr:`IndicatorTable.records`; the table as a pandas DataFrame,
:attr:`IndicatorTable.frame`, is made only when asked for, so a refresh or a
check never imports pandas. The records hold exactly the values and types the
frame holds (:func:`table_records`): a column of whole numbers with a gap is a
column of floats, as it is in the frame.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from .findings import Report
from .periods import Period
from .values import Reading

if TYPE_CHECKING:  # pandas loads only when the frame is asked for
    import pandas as pd


@dataclass(frozen=True)
class Point:
    """One figure of an indicator's series: its period, reading and cell."""

    period: Period
    reading: Reading
    cell: str  # "G5"


def new_point(period: Period, reading: Reading, cell: str) -> Point:
    """``Point(period, reading, cell)`` at half the cost, for the figures of
    10,000 indicators at a time: a frozen dataclass's ``__init__`` sets each
    field through ``object.__setattr__``; here its ``__dict__`` is filled
    (in field order, as ``__init__`` leaves it)."""
    point = _new(Point)
    fields = point.__dict__
    fields["period"], fields["reading"], fields["cell"] = period, reading, cell
    return point


_new = object.__new__


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
    "published_rag_fill": "GREEN/AMBER/RED shown only by the fill colour of a RAG cell holding "
                          "no text (a RAG column with no text in any row), else None",
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
    # The last column a refresh may add columns into: another table starts
    # beyond it on the same rows (with a blank column kept between). None: no limit.
    room_until: str | None = None
    span: str | None = None  # "A:E": its columns, when tables sit side by side on the sheet
    # A table of a row per indicator and year: the column of its latest
    # quarter (the reporting period's), whose figures are the ones rated.
    latest_column: str | None = None
    # How the reader read it (kpi_xl.reader.explain): every column's role and
    # period, the reporting period, rows read and skipped, the readings weighed.
    reading: dict = field(default_factory=dict)

    @property
    def has_earlier_figures(self) -> bool:
        """Whether a row can show a movement: two period columns, or a
        scorecard's Previous (or last year's) column beside its Latest."""
        return (len(self.period_columns) >= 2 or "previous" in self.roles or "last_year" in self.roles
                or self.latest_column is not None)

    @property
    def latest_period_column(self) -> str:
        """The column of the latest figures: the latest period's, or a
        row-wise scorecard's Latest column (each row says its own period)."""
        if not self.period_columns:
            return self.latest_column or self.roles["latest"]
        return max(self.period_columns, key=lambda cp: cp[1].sort_key)[0]


class IndicatorTable:
    """The indicator table of a workbook: its records, the layouts of the
    tables they were read from, the reader's findings and the sheet names.

    Made from ``records`` (what the reader gives: see :func:`table_records`)
    with their ``columns``, or from a ``frame`` (one DataFrame row an
    indicator); either way ``records`` and ``frame`` are both there, each
    made from the other on first use."""

    def __init__(self, path: str, frame: "pd.DataFrame | None" = None,
                 layouts: list[TableLayout] | None = None, findings: Report | None = None,
                 sheet_names: list[str] | None = None, *, records: list[dict] | None = None,
                 columns: list[str] | None = None) -> None:
        if (frame is None) == (records is None):
            raise TypeError("IndicatorTable takes its records (with their columns) or a frame")
        self.path = path
        self.layouts = layouts if layouts is not None else []
        self.findings = findings if findings is not None else Report()
        self.sheet_names = sheet_names if sheet_names is not None else []
        if frame is not None:
            self.__dict__["frame"] = frame  # what the cached property would have made
            self.columns = list(frame.columns)
        else:
            if columns is None:
                raise TypeError("IndicatorTable's records need their columns")
            self.__dict__["records"] = records
            self.columns = list(columns)

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        return f"IndicatorTable({self.path!r}, {len(self)} indicators, {len(self.layouts)} tables)"

    @cached_property
    def records(self) -> list[dict]:
        """A record an indicator (read them, do not change them: every
        consumer shares these dicts)."""
        return frame_records(self.frame)

    @cached_property
    def frame(self) -> "pd.DataFrame":
        """The records as a DataFrame of object columns (None where absent),
        made when asked for."""
        return records_frame(self.records, self.columns)


def empty_frame() -> "pd.DataFrame":
    import pandas as pd

    return pd.DataFrame({name: pd.Series(dtype=object) for name in COLUMNS})


# Types a record keeps as they are; a value of any other type in an object
# column (a numpy scalar, pandas' NA) goes through pandas' own boxing.
_NATIVE = frozenset({str, float, int, bool, type(None), list, dict, tuple})


def frame_records(frame: "pd.DataFrame") -> list[dict]:
    """``frame.to_dict("records")``, value for value and type for type, at a
    fraction of its cost: each column is turned into a list once (pandas
    visits every cell of every row through its own boxing)."""
    from pandas.core.dtypes.cast import maybe_box_native

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


def records_frame(records: list[dict], columns: list[str]) -> "pd.DataFrame":
    """Records as a frame of object columns (None stays None), for the API
    that returns a DataFrame."""
    import pandas as pd

    return pd.DataFrame(records, columns=columns, dtype=object)


# ------------------------------------------------- records as a frame holds them

# The types a column of records may hold for :func:`table_records` to work
# out in Python what pandas makes of the column; a column holding any other
# (a date, a numpy scalar, a Decimal) goes through pandas itself.
_PLAIN = frozenset({type(None), bool, int, float, str, list, dict, tuple})
_OBJECTS = frozenset({str, list, dict, tuple})  # any of these: the column stays object
_INT64 = (-2 ** 63, 2 ** 63)


def table_records(records: list[dict], columns: list[str]) -> list[dict]:
    """The records with, column by column, exactly the values and types
    ``pd.DataFrame(records, columns=columns)`` made ``.astype(object)``, its
    gaps None and turned back into records (what the reader used to build
    and every consumer read): NaN is None, a column of whole numbers with a
    gap or a fraction among them is a column of floats, a column of dates
    holds Timestamps. Each record keyed by ``columns`` in order (a key a
    record lacks is None; keys not in ``columns`` are dropped).

    Records that already hold exactly ``columns``, in order (as the reader
    makes them), are the ones returned, changed in place where a column's
    values change; otherwise each is a new dict."""
    if not records:
        return []
    given = [[record.get(name) for record in records] for name in columns]
    values = [_column_values(column) for column in given]  # the given list when unchanged
    keys = tuple(columns)
    if all(tuple(record) == keys for record in records):
        for name, column, before in zip(columns, values, given):
            if column is not before:  # a column pandas changes (most it leaves alone)
                for record, value in zip(records, column):
                    record[name] = value
        return records
    return [dict(zip(columns, row)) for row in zip(*values)]


def _column_values(values: list) -> list:
    """One column's values as the frame holds them (see :func:`table_records`)."""
    kinds = set(map(type, values))
    if not kinds <= _PLAIN or int in kinds and not _all_int64(values):
        return _values_through_pandas(values)
    if float in kinds:
        gaps = [v is None or v != v for v in values]  # NaN is the only float not equal to itself
        has_gap = any(gaps)
    else:
        gaps, has_gap = None, type(None) in kinds
    if kinds & _OBJECTS or bool in kinds:
        # object (or, all True/False without a gap, bool): values as they are, gaps None
        return [None if gap else v for v, gap in zip(values, gaps)] if float in kinds else values
    if int in kinds and (has_gap or float in kinds):
        # a float64 column: whole numbers become floats
        return [None if v is None or v != v else float(v) for v in values]
    if float in kinds:
        return [None if gap else v for v, gap in zip(values, gaps)]
    return values  # ints only (int64), or gaps only


def _all_int64(values: list) -> bool:
    lo, hi = _INT64
    return all(lo <= v < hi for v in values if type(v) is int)


def _values_through_pandas(values: list) -> list:
    """One column's values the way the reader made them before the records
    came first: a frame of the column, object-typed, gaps None, as records."""
    import pandas as pd

    frame = pd.DataFrame([{"v": v} for v in values], columns=["v"])
    frame = frame.astype(object).where(frame.notna(), None)
    return [record["v"] for record in frame_records(frame)]
