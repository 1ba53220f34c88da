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

A row per indicator and year with its quarters across (``Indicator | Year |
Q1 | Q2 | Q3 | Q4``, :func:`kpi_xl.reader.rowwise.date_by_row_year`) is
joined the same way: each row's own figures are its quarters, and the
indicator is rated on the row of its latest quarter; a row of next year's
made ready with no figures joins it too, and is left as it is.

Rows are joined only when they cannot be anything else: every row of the
group dates its figures, no two name the same period (two rows of one name
and one period are a repeated row or two cohorts, each read as it stands),
and no two state different polarities.
"""
from __future__ import annotations

from ..finding_types import PERIOD_ROWS_JOINED
from ..table import Point
from .build import Context, _unit_of, normalise_key, value_kind
from .detect import Header
from .rowwise import IN_YEAR


def join_period_rows(records: list[dict], header: Header, ctx: Context) -> list[dict]:
    """The records of one row-wise table (``header``: its header), each
    indicator given down the rows made one record (on its latest row). A
    row's own figures are those of its Latest (or Value) column, or of the
    quarters of its year. Other records are returned as they are, in sheet
    order (a joined indicator where its first row is). By year, a row of
    next year's with no figure yet joins its indicator's other rows (a long
    table's row without figures is one whose period cannot be read: it
    stays, with its warning)."""
    figure_columns = {c.letter for c in header.columns.values() if c.role in ("latest", IN_YEAR)}
    by_year = any(c.role == IN_YEAR for c in header.columns.values())
    groups: dict[tuple, list[dict]] = {}
    for record in records:
        if record["series"] or by_year:
            groups.setdefault(_indicator_key(record), []).append(record)
    kept: dict[int, dict] = {}  # id(record) -> the record it is read as part of
    for group in groups.values():
        if len(group) > 1 and (own := _own_periods(group, figure_columns)) is not None:
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


def _own_periods(group: list[dict], figure_columns: set[str]) -> list[list[Point]] | None:
    """Each row's own points (those of its own figure columns), or None when
    the rows are not one indicator's periods: a period twice, two
    polarities, or fewer than two rows with figures of their own. A row with
    no points of its own (a year not yet reported) has none."""
    own = [[p for p in record["series"] if p.cell.rstrip("0123456789") in figure_columns]
           for record in group]
    if sum(bool(points) for points in own) < 2:
        return None
    periods = [p.period for points in own for p in points]
    if len(set(periods)) < len(periods):
        return None
    polarities = {r["polarity"] for r in group if r["polarity"] is not None}
    return own if len(polarities) <= 1 else None


def _join(group: list[dict], own: list[list[Point]], ctx: Context) -> dict:
    """The group read as one indicator: its latest row's record, with every
    row's figures as its series (a row's own figure for its period before
    another row's Previous or Last year figure for it)."""
    dated = [i for i, points in enumerate(own) if points]
    order = sorted(dated, key=lambda i: own[i][-1].period.sort_key)
    latest = group[order[-1]]
    by_period: dict = {p.period: p for points in own for p in points}
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
    waiting = [r for i, r in enumerate(group) if not own[i]]
    give = "gives" if len(earlier) == 1 else "give"
    text = (f"{_rows_text([r['row'] for r in earlier])} {give} this indicator's figures for "
            f"{_periods_text([p.period for i in order[:-1] for p in own[i]])}: they are read as its "
            f"series, and it is rated on row {latest['row']} ({own[order[-1]][-1].period.canonical()})")
    if waiting:
        verb = "is" if len(waiting) == 1 else "are"
        text += f"; {_rows_text([r['row'] for r in waiting])}, with no figures yet, {verb} not read"
    ctx.note(latest, PERIOD_ROWS_JOINED, text, latest["cells"].get("name") or f"A{latest['row']}",
             severity="info")
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
