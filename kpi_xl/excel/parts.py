"""The part of a refresh plan one ribbon button applies.

"Refresh all" applies the whole plan. The other buttons apply one part of
the same plan, so a button can never disagree with a full refresh:

- ``rag``: the RAG column of each table (cells, width) and the colours on
  the RAG and latest-figure columns;
- ``direction``: the direction-of-travel column;
- ``comparators``: the comparator columns (SN, region, England, Ofsted good);
- ``exceptions`` / ``data_quality``: that owned sheet only.

Columns are found with the planner's own :func:`kpi_xl.planning.indicator_tables.choose_columns`,
the same decision that placed them.
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from ..errors import KpiError
from ..plan import AddConditionalFormat, Plan, SetCell, SetColumnWidth, SparklineGroup
from ..planning.indicator_tables import choose_columns
from ..xlsx.refs import col_index as column_index_from_string, col_letters as get_column_letter

PARTS = ("all", "rag", "direction", "comparators", "exceptions", "data_quality")
SHEET_PARTS = ("exceptions", "data_quality")  # owned-sheet roles


def narrow_plan(result: Any, part: str) -> Plan:
    """The changes of ``result.plan`` (a :class:`kpi_xl.refresh_job.RefreshResult`)
    that belong to ``part``."""
    if part not in PARTS:
        raise KpiError(f"unknown part {part!r}; expected one of {', '.join(PARTS)}")
    plan = result.plan
    if part == "all":
        return plan
    if part in SHEET_PARTS:
        return Plan(sheets=[s for s in plan.sheets if s.role == part])
    own, colour_only = part_columns(result, part)
    return Plan(changes=[c for c in plan.changes if _belongs(c, own, colour_only)])


def part_columns(result: Any, part: str) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Per sheet: the columns the part owns, and the columns it only colours
    (the latest-figure column, whose values are the council's)."""
    own: dict[str, set[str]] = defaultdict(set)
    colour_only: dict[str, set[str]] = defaultdict(set)
    rated = result.rated
    for index, layout in enumerate(result.table.layouts):
        rows = rated[rated["table"] == index]
        if rows.empty:
            continue
        columns = choose_columns(layout, wants_dot=bool(rows["movement"].notna().any()))
        if part == "rag":
            own[layout.sheet].add(columns.rag)
            colour_only[layout.sheet].add(layout.latest_period_column)
        elif part == "direction" and columns.dot:
            own[layout.sheet].add(columns.dot)
        elif part == "comparators":
            own[layout.sheet].update(col for role, col in layout.roles.items()
                                     if role.startswith("comparator:"))
    return own, colour_only


def _belongs(change: Any, own: dict[str, set[str]], colour_only: dict[str, set[str]]) -> bool:
    if isinstance(change, SetCell):
        return _column(change.cell) in own.get(change.sheet, ())
    if isinstance(change, SetColumnWidth):
        return change.column in own.get(change.sheet, ())
    if isinstance(change, AddConditionalFormat):
        allowed = own.get(change.sheet, set()) | colour_only.get(change.sheet, set())
        return bool(allowed) and range_columns(change.range) <= allowed
    if isinstance(change, SparklineGroup):
        return bool(range_columns(change.location)) and \
            range_columns(change.location) <= own.get(change.sheet, set())
    return False


def _column(cell: str) -> str:
    return re.match(r"\$?([A-Za-z]+)", cell).group(1).upper()


def range_columns(sqref: str) -> set[str]:
    """Column letters a sqref ("G5:H9 J5") covers."""
    letters: set[str] = set()
    for area in sqref.split():
        ends = [_column(end) for end in area.split(":")]
        first, last = column_index_from_string(ends[0]), column_index_from_string(ends[-1])
        letters.update(get_column_letter(i) for i in range(min(first, last), max(first, last) + 1))
    return letters
