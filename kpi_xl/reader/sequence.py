"""What a table's layout cannot be right with: period columns repeated, out
of date order or with a gap; no room beside it for the columns a refresh adds.

Found while reading (they are about the layout, not one indicator), so both
``kpi-xl check`` and the refresh report them.
"""
from __future__ import annotations

from ..errors import Place
from ..findings import Finding
from ..finding_types import (NO_ROOM_FOR_COLUMNS, PERIOD_DUPLICATE, PERIOD_GAP, PERIOD_OUT_OF_ORDER,
                             TARGET_NOT_FOR_PERIOD)
from ..periods import Period, check_sequence
from ..table import TableLayout
from ..xlsx.refs import col_index, col_letters


def period_findings(layout: TableLayout, file: str) -> list[Finding]:
    """Repeated periods (error), periods out of date order and quarters
    missing between others (warnings), one finding each per table."""
    header_row = layout.header_rows[-1] if layout.header_rows else layout.first_row - 1
    where = f" in table {layout.title!r}" if layout.title else ""

    def place(letter: str) -> Place:
        return Place(file=file, sheet=layout.sheet, cell=f"{letter}{header_row}")

    columns = layout.period_columns
    found: list[Finding] = []
    seen: dict[Period, str] = {}
    for letter, period in columns:
        if period in seen:
            found.append(Finding(PERIOD_DUPLICATE, f"{period.canonical()} appears twice{where} "
                                 f"(columns {seen[period]} and {letter}); one label is wrong",
                                 "error", place(letter)))
        else:
            seen[period] = letter
    unique = list(seen.items())
    messages = check_sequence([p for p, _ in unique])
    if messages:
        first_bad = _first_backwards(unique)
        found.append(Finding(PERIOD_OUT_OF_ORDER, f"period columns are not in date order{where}: "
                             + "; ".join(messages), "warning", place(first_bad or columns[0][0])))
    for missing, before, after in _gaps([p for p, _ in unique]):
        found.append(Finding(PERIOD_GAP, f"no column for {missing.canonical()} between "
                             f"{before.canonical()} and {after.canonical()}{where}; "
                             "is a period label wrong?", "warning", place(seen[after])))
    return found


def _first_backwards(columns: list[tuple[Period, str]]) -> str | None:
    """The column of the first period earlier than one of the same kind before it."""
    latest: dict[str, tuple] = {}
    for period, letter in columns:
        if period.kind in latest and period.sort_key < latest[period.kind]:
            return letter
        latest[period.kind] = max(latest.get(period.kind, period.sort_key), period.sort_key)
    return None


def _gaps(periods: list[Period]) -> list[tuple[Period, Period, Period]]:
    """Quarters missing inside the run of a table's quarters."""
    quarters = sorted({p for p in periods if p.kind == "quarter" and p.number},
                      key=lambda p: p.sort_key)
    gaps = []
    for before, after in zip(quarters, quarters[1:]):
        expected = _next_quarter(before)
        if expected != after and expected.sort_key < after.sort_key and _next_quarter(expected) == after:
            gaps.append((expected, before, after))  # exactly one quarter missing: likely a wrong label
    return gaps


def _next_quarter(p: Period) -> Period:
    number = p.number or 4
    return Period("quarter", p.fy + (number == 4), 1 if number == 4 else number + 1)


def room_findings(layout: TableLayout, file: str, added: list[str] | None = None) -> list[Finding]:
    """The columns a refresh would add right of the table (``added``; by
    default its RAG and direction columns when it has none) that have no room
    before the table beside it: one warning naming them."""
    if layout.room_until is None:
        return []
    if added is None:
        added = [label for label, role in (("RAG", "rag"), ("direction of travel", "dot"))
                 if role not in layout.roles and (role == "rag" or layout.has_earlier_figures)]
        added = added[max(col_index(layout.room_until) - col_index(layout.last_column), 0):]
    if not added:
        return []
    header_row = layout.header_rows[-1] if layout.header_rows else layout.first_row
    where = f" {layout.title!r}" if layout.title else ""
    beside = col_letters(col_index(layout.room_until) + 2)
    return [Finding(NO_ROOM_FOR_COLUMNS, f"no room right of table{where} for its "
                    f"{' and '.join(added)} column{'s' if len(added) > 1 else ''}: the table beside "
                    f"it starts at column {beside} and the column before that is kept blank; "
                    "not written", "warning",
                    Place(file=file, sheet=layout.sheet, cell=f"{layout.last_column}{header_row}"))]


def period_target_findings(layout: TableLayout, file: str) -> list[Finding]:
    """A table giving a target per period but none for its reporting period:
    one warning naming the periods it has targets for (its indicators are
    not rated against any of them)."""
    columns = layout.reading.get("columns", [])
    given = [c for c in columns if c["role"] == "period_target"]
    if not given or "target" in layout.roles:
        return []
    reporting = layout.reading.get("reporting_period")
    header_row = layout.header_rows[-1] if layout.header_rows else layout.first_row
    return [Finding(TARGET_NOT_FOR_PERIOD, f"no target for the reporting period {reporting}: the table "
                    f"gives targets for {', '.join(str(c['period']) for c in given)}; not rated against "
                    "them", "warning", Place(file=file, sheet=layout.sheet,
                                             cell=f"{given[-1]['column']}{header_row}"))]
