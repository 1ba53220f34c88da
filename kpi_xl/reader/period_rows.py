"""One indicator's periods down the rows: long tables.

Some councils keep their figures long, as a database export or a pivot's
source gives them, a row per indicator and period::

    Ref  | Indicator                     | Period     | Value | Target | Good is
    CSC2 | % repeat referrals (12 months) | Q1 2023-24 | 20.0% | 20%    | Low
    CSC2 | % repeat referrals (12 months) | Q2 2023-24 | 18.2% | 20%    | Low

The reader reads such a table row by row (each row dated by its own period
cell: :mod:`kpi_xl.reader.rowwise`). Read alone, each row would be an
indicator of one figure, rated with no direction of travel, and the indicator
would appear once per period in every summary. Here the rows that give one
indicator (the same code, or the same name where the table has none, in one
area) for different periods become one indicator whose series is all their
figures. It is read on the row of its latest period: that row's target,
polarity, published rating and commentary are the indicator's, and the
refresh writes its rating and direction there. The earlier rows are left as
the council wrote them, and an info finding (``period_rows_joined``) names
them.

Rows are joined only when they cannot be anything else: every row of the
group dates its figures, no two name the same period (two rows of one name
and one period are a repeated row or two cohorts, each read as it stands),
and no two state different polarities.
"""
from __future__ import annotations

from ..finding_types import PERIOD_ROWS_JOINED
from ..table import Point
from .build import Context, _unit_of, normalise_key, value_kind


def join_period_rows(records: list[dict], latest_column: str, ctx: Context) -> list[dict]:
    """The records of one row-wise table, each indicator given down the rows
    made one record (on its latest row); ``latest_column``: the letter of the
    table's Latest (or Value) column. Other records are returned as they are,
    in sheet order (a joined indicator where its first row is)."""
    groups: dict[tuple, list[dict]] = {}
    for record in records:
        if record["series"]:
            groups.setdefault(_indicator_key(record), []).append(record)
    kept: dict[int, dict] = {}  # id(record) -> the record it is read as part of
    for group in groups.values():
        if len(group) > 1 and (own := _own_periods(group, latest_column)) is not None:
            joined = _join(group, own, ctx)
            kept.update((id(record), joined) for record in group)
    if not kept:
        return records
    ctx.renote(kept)
    out, placed = [], set()
    for record in records:
        joined = kept.get(id(record))
        if joined is None:
            out.append(record)
        elif id(joined) not in placed:
            placed.add(id(joined))
            out.append(joined)
    return out


def _indicator_key(record: dict) -> tuple:
    """Rows of one indicator: one code (case aside), else one name, in one area."""
    code = record["id"]
    if code:
        return record["area"], "code", str(code).casefold()
    return record["area"], "name", normalise_key(record["name"] or "")


def _own_periods(group: list[dict], latest_column: str) -> list | None:
    """Each row's own period (that of its Latest figure), or None when the
    rows are not one indicator's periods: a period twice, or two polarities."""
    own = []
    for record in group:
        cell = f"{latest_column}{record['row']}"
        point = next((p for p in record["series"] if p.cell == cell), None)
        if point is None:
            return None
        own.append(point)
    if len({p.period for p in own}) < len(own):
        return None
    polarities = {r["polarity"] for r in group if r["polarity"] is not None}
    return own if len(polarities) <= 1 else None


def _join(group: list[dict], own: list[Point], ctx: Context) -> dict:
    """The group read as one indicator: its latest row's record, with every
    row's figures as its series (a row's own figure for its period before
    another row's Previous or Last year figure for it)."""
    order = sorted(range(len(group)), key=lambda i: own[i].period.sort_key)
    latest = group[order[-1]]
    by_period: dict = {p.period: p for p in own}
    for i in reversed(order):  # the later row's Previous figure first
        for point in group[i]["series"]:
            by_period.setdefault(point.period, point)
    series = sorted(by_period.values(), key=lambda p: p.period.sort_key)
    latest["series"] = series
    latest["unit"] = _unit_of(series)
    latest["unit_word"] = latest["unit_word"] or next(
        (r["unit_word"] for r in group if r["unit_word"]), None)
    latest["value_kind"] = value_kind(latest["name"], latest["unit"], latest.get("data_type"),
                                      latest["unit_word"])
    earlier = [group[i] for i in order[:-1]]
    ctx.note(latest, PERIOD_ROWS_JOINED,
             f"{_rows_text([r['row'] for r in earlier])} give this indicator's figures for "
             f"{_periods_text([own[i].period for i in order[:-1]])}: they are read as its series, "
             f"and it is rated on row {latest['row']} ({own[order[-1]].period.canonical()})",
             latest["cells"].get("name") or f"A{latest['row']}", severity="info")
    return latest


def _rows_text(rows: list[int]) -> str:
    """[2, 3, 4, 7] -> "rows 2-4 and 7"; [5] -> "row 5"."""
    rows = sorted(rows)
    runs: list[list[int]] = []
    for row in rows:
        if runs and row == runs[-1][-1] + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    parts = [f"{run[0]}-{run[-1]}" if len(run) > 2 else ", ".join(map(str, run)) for run in runs]
    if len(rows) == 1:
        return f"row {rows[0]}"
    text = ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]
    if len(parts) == 1 and ", " in text:  # two adjacent rows: "rows 2 and 3"
        text = text.replace(", ", " and ")
    return f"rows {text}"


def _periods_text(periods: list) -> str:
    names = [p.canonical() for p in periods]
    if len(names) <= 3:
        return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]
    return f"{names[0]} to {names[-1]} ({len(names)} periods)"
