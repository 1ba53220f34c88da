"""The charts sheet kpi-xl owns: a native line chart per indicator.

An indicator whose table's periods repeat, run out of order or miss a
quarter (``suspect_periods``, the same rows that get no sparkline) is not
drawn: its labels cannot be trusted to put the points in order.

Each chart sits beside a small block of the figures it draws (values by
period, the target as a line, a comparator as a dashed line where known).
The figures are copied as values: a suppressed "x" must be a gap in the
line, and a reference to it would draw a zero.
"""
from __future__ import annotations

from functools import lru_cache
from itertools import chain, repeat
from typing import TYPE_CHECKING

from ..xlsx.refs import col_letters as get_column_letter

from ..errors import quote_sheet
from ..plan import ChartSeries, LineChart, OwnedSheet, Style
from ..resolve import chronological

if TYPE_CHECKING:
    from .registry import OwnedSheetJob

ROLE = "charts"
PURPOSE = "charts"  # of its changes in the plan
BLOCK_ROWS = 16  # rows each indicator's block and chart take
MIN_POINTS = 3
VALUE_COLOUR, TARGET_COLOUR, COMPARATOR_COLOUR = "1F4E78", "C00000", "7F7F7F"


def plan(job: OwnedSheetJob) -> OwnedSheet | None:
    """The charts sheet of a refresh; None when ``workbook -> charts_sheet``
    is empty (the council turned it off)."""
    name = job.config.workbook.charts_sheet
    return build_charts_sheet(job.records, name=name) if name else None


# One Style object per look: the writer derives a cell format once per Style.
HEADING_STYLE, TITLE_STYLE, LABEL_STYLE = Style(bold=True, font_size=14), Style(bold=True), Style(italic=True)
PERIOD_STYLE = Style(horizontal="center")
PERCENT_STYLE, NUMBER_STYLE = Style(number_format="0.0%"), Style(number_format="#,##0.##")


def build_charts_sheet(rated: list[dict], *, name: str, comparators: dict | None = None
                       ) -> OwnedSheet | None:
    """None when no indicator has enough figures to draw."""
    sheet = OwnedSheet(role=ROLE, name=name, tab_color="376092", purpose=PURPOSE)
    sheet.cells.put(1, 1, "Trends by indicator (figures copied at the last refresh)", HEADING_STYLE)
    sheet.column_widths["A"] = 12
    for col in range(2, 10):  # up to eight periods, labelled "Q3 2024-25"
        sheet.column_widths[get_column_letter(col)] = 11
    top = 3
    labels: dict = {}  # id of a period -> (the period, its label): thousands of charts share a few
    q = quote_sheet(name)
    for record in rated:
        if record.get("suspect_periods"):
            continue  # periods repeated, out of order or missing: a line would mislead
        points = _numeric_points(record)
        if len(points) < MIN_POINTS:
            continue
        comparator = (comparators or {}).get(record["id"])
        _block(sheet, top, record, points, comparator, labels, q)
        top += BLOCK_ROWS
    return sheet if sheet.charts else None


def _numeric_points(record: dict) -> list:
    """The last eight periods of the latest period's kind, oldest first."""
    series = chronological(record.get("series") or [])
    if not series:
        return []
    kind = series[-1].period.kind
    same = [p for p in series if p.period.kind == kind][-8:]
    figures = [p for p in same if p.reading.is_number]
    return same if len(figures) >= MIN_POINTS else []


ROW_NAMES = ("Period", "Value", "Target", "Comparator")  # the rows of a block, under its title


def _block(sheet: OwnedSheet, top: int, record: dict, points: list, comparator, labels: dict,
           q: str) -> None:
    """An indicator's title, its figures (a row each of ROW_NAMES, a column
    each period from B) and its chart; ``q``: the sheet's name as a reference
    spells it."""
    percent = record.get("unit") == "percent"
    label = _label(record)
    period_row, value_row, target_row, comparator_row = top + 1, top + 2, top + 3, top + 4
    target = record.get("target")
    # The title and the names of the rows in column A, then a column a
    # period, its cells from the top: the period, the value, then the
    # target and the comparator where known; all put at once.
    rows = [top, period_row, value_row, target_row]
    values: list = [label, *ROW_NAMES[:3]]
    if comparator is not None:
        rows.append(comparator_row)
        values.append(comparator[0])
    texts = []
    for point in points:
        # by the period itself: a table's indicators share its periods, and
        # an id is looked up without the dataclass's hash of its fields
        period = point.period
        known = labels.get(id(period))
        if known is None or known[0] is not period:
            known = labels[id(period)] = (period, period.canonical())
        texts.append(known[1])
    column_rows = [period_row, value_row]
    column_values = [texts, [p.reading.value if p.reading.is_number else None for p in points]]
    if target is not None:
        column_rows.append(target_row)
        column_values.append(repeat(target))
    if comparator is not None:
        column_rows.append(comparator_row)
        column_values.append(repeat(comparator[1]))
    count = len(points)
    columns, styles = _block_columns(count, len(column_rows), len(rows), percent)
    sheet.cells.put_cells(rows + column_rows * count, columns,
                          chain(values, chain.from_iterable(zip(*column_values))), styles)
    sheet.charts.append(_chart(q, record, label, top, count, target is not None, comparator))


@lru_cache(maxsize=256)
def _block_columns(count: int, depth: int, heads: int, percent: bool
                   ) -> tuple[tuple[int, ...], tuple[Style, ...]]:
    """The column and style of each cell of a block (:func:`_block`), in the
    order put: ``heads`` cells in column A (the title, then the names of the
    rows), then ``depth`` cells a period from column B. Blocks of one shape
    share them (most of a sheet's blocks)."""
    fmt = PERCENT_STYLE if percent else NUMBER_STYLE
    columns = (1,) * heads + tuple(col for col in range(2, 2 + count) for _ in range(depth))
    styles = (TITLE_STYLE,) + (LABEL_STYLE,) * (heads - 1) + ((PERIOD_STYLE,) + (fmt,) * (depth - 1)) * count
    return columns, styles


def _chart(q: str, record: dict, label: str, top: int, count: int, has_target: bool,
           comparator) -> LineChart:
    """The chart of a block whose figures run from column B over ``count`` periods."""
    last = get_column_letter(1 + count)

    def ref(row: int) -> str:
        return f"{q}!$B${row}:${last}${row}"

    series = [ChartSeries(record["name"][:60], ref(top + 2), VALUE_COLOUR)]
    if has_target:
        series.append(ChartSeries("Target", ref(top + 3), TARGET_COLOUR))
    if comparator is not None:
        series.append(ChartSeries(comparator[0], ref(top + 4), COMPARATOR_COLOUR, dashed=True))
    anchor_col = get_column_letter(max(count + 3, 11))
    return LineChart(title=label[:90], anchor=f"{anchor_col}{top}",
                     categories=ref(top + 1), series=tuple(series),
                     width_cols=9, height_rows=BLOCK_ROWS - 1,
                     number_format="0%" if record.get("unit") == "percent" else None)


def _label(record: dict) -> str:
    """"CSC07: name" for a council's code; the name alone for an id kpi-xl made from it."""
    ident, name = str(record["id"]), str(record["name"])
    return f"{ident}: {name}" if record.get("cells", {}).get("id") else name
