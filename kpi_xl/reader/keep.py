"""Which rows of a huge sheet the table detector can use, decided while the sheet streams.

A 200 MB indicator sheet is mostly rows no table uses (a block of raw
figures pasted below the dashboard). Holding every cell would cost
gigabytes, so :func:`table_rows` keeps, as the rows stream past:

- the last few rows, in case the next one is a header (its bands and
  title sit up to ``LOOKBEHIND`` rows above it);
- every row from a header down to where its body must have ended: two
  blank rows more than three rows below the header (the detector's own
  rule, :func:`kpi_xl.reader.detect.read_body`, ends a body there or sooner);
- rows a merged range starts on or covers (a merged label can fill a header).

A row is a header when :func:`kpi_xl.reader.detect.header_at` says so with
those rows in view, exactly as it says on the whole sheet, so the tables
found are the same; the grid just holds no rows no table reads.
"""
from __future__ import annotations

from collections import deque

from .cells import Grid, Merge
from .detect import MAX_BANDS, MAX_BLANK_RUN, View, _could_be_header, header_at

LOOKBEHIND = MAX_BANDS + 4  # bands above a header, then a title up to three rows above them
BIG_SHEET = 16 << 20  # sheets whose XML is larger than this are read through table_rows
_MERGE_AREA = 2000  # larger merges carry no header information (as View)


def table_rows(grid: Grid, merges: list[Merge]):
    """The function :meth:`Workbook.read_sheet` calls after each row (see the module doc)."""
    merged_rows: set[int] = set()
    origins: set[int] = set()
    for m in merges:
        if (m.max_row - m.min_row + 1) * (m.max_col - m.min_col + 1) > _MERGE_AREA:
            continue
        origins.add(m.min_row)
        merged_rows.update(range(m.min_row, m.max_row + 1))
    cells_only = _CellsOnly(grid)
    recent: deque[int] = deque()  # rows read lately and not kept (yet)
    state = {"view": None, "open": False, "header": 0, "blank_run": 0, "last": 0}

    def view() -> View:
        if state["view"] is None:
            state["view"] = View(grid)
        return state["view"]

    def blank_rows_between(first: int, last: int) -> None:
        """Rows ``first..last`` hold no cells: a blank run may close the open table."""
        for r in range(first, last + 1):
            if r in merged_rows:
                state["blank_run"] = 0
                continue
            state["blank_run"] += 1
            if state["open"] and state["blank_run"] >= MAX_BLANK_RUN and r > state["header"] + 3:
                state["open"] = False
                return

    def on_row(grid: Grid, r: int) -> None:
        blank_rows_between(state["last"] + 1, r - 1)
        state["last"] = r
        state["blank_run"] = 0
        if r in origins:
            state["view"] = None  # the View reads merge origins' values when built
        if _maybe_header(cells_only, r, merged_rows) and header_at(view(), r) is not None:
            state["open"], state["header"] = True, r
            recent.clear()  # bands and title above it: kept
            return
        if state["open"] or r in merged_rows:
            return
        recent.append(r)
        while recent and recent[0] < r - LOOKBEHIND:
            grid.rows.pop(recent.popleft(), None)

    return on_row


def _maybe_header(cells: "_CellsOnly", r: int, merged_rows: set[int]) -> bool:
    """A cheap first look: a header row has two labels and no figures."""
    if len(cells.grid.rows.get(r, {})) < 2 and r not in merged_rows:
        return False
    return _could_be_header(cells, r)  # type: ignore[arg-type]


class _CellsOnly:
    """Just what detect._could_be_header reads of a view."""

    def __init__(self, grid: Grid):
        self.grid = grid
