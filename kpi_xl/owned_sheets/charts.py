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

from typing import TYPE_CHECKING

from ..xlsx.refs import col_letters as get_column_letter

from ..errors import quote_sheet
from ..plan import ChartSeries, LineChart, OwnedSheet, SetCell, Style

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
    sheet.cells.append(SetCell("", "A1", "Trends by indicator (figures copied at the last refresh)",
                               style=HEADING_STYLE))
    sheet.column_widths["A"] = 12
    for col in range(2, 10):  # up to eight periods, labelled "Q3 2024-25"
        sheet.column_widths[get_column_letter(col)] = 11
    top = 3
    for record in rated:
        if record.get("suspect_periods"):
            continue  # periods repeated, out of order or missing: a line would mislead
        points = _numeric_points(record)
        if len(points) < MIN_POINTS:
            continue
        comparator = (comparators or {}).get(record["id"])
        _block(sheet, top, record, points, comparator)
        top += BLOCK_ROWS
    return sheet if sheet.charts else None


def _numeric_points(record: dict) -> list:
    """The last eight periods of the latest period's kind, oldest first."""
    series = sorted(record.get("series") or [], key=lambda p: p.period.sort_key)
    if not series:
        return []
    kind = series[-1].period.kind
    same = [p for p in series if p.period.kind == kind][-8:]
    return same if sum(p.reading.is_number for p in same) >= MIN_POINTS else []


def _block(sheet: OwnedSheet, top: int, record: dict, points: list, comparator) -> None:
    fmt = PERCENT_STYLE if record.get("unit") == "percent" else NUMBER_STYLE
    first_col, last_col = 2, 1 + len(points)
    cols = [get_column_letter(c) for c in range(first_col, last_col + 1)]
    label = _label(record)
    cells = sheet.cells
    cells.append(SetCell("", f"A{top}", label, style=TITLE_STYLE))
    rows = {"Period": top + 1, "Value": top + 2, "Target": top + 3, "Comparator": top + 4}
    for name, row in rows.items():
        if name == "Comparator" and comparator is None:
            continue
        cells.append(SetCell("", f"A{row}", name if name != "Comparator" else comparator[0],
                             style=LABEL_STYLE))
    target = record.get("target")
    period_row, value_row, target_row, comparator_row = rows.values()
    for col, point in zip(cols, points):
        cells.append(SetCell("", f"{col}{period_row}", point.period.canonical(), style=PERIOD_STYLE))
        value = point.reading.value if point.reading.is_number else None
        cells.append(SetCell("", f"{col}{value_row}", value, style=fmt))
        if target is not None:
            cells.append(SetCell("", f"{col}{target_row}", target, style=fmt))
        if comparator is not None:
            cells.append(SetCell("", f"{col}{comparator_row}", comparator[1], style=fmt))
    sheet.charts.append(_chart(sheet.name, record, label, top, rows, cols, target is not None, comparator))


def _chart(name: str, record: dict, label: str, top: int, rows: dict, cols: list[str], has_target: bool,
           comparator) -> LineChart:
    q = quote_sheet(name)

    def ref(row: int) -> str:
        return f"{q}!${cols[0]}${row}:${cols[-1]}${row}"

    series = [ChartSeries(record["name"][:60], ref(rows["Value"]), VALUE_COLOUR)]
    if has_target:
        series.append(ChartSeries("Target", ref(rows["Target"]), TARGET_COLOUR))
    if comparator is not None:
        series.append(ChartSeries(comparator[0], ref(rows["Comparator"]), COMPARATOR_COLOUR,
                                  dashed=True))
    anchor_col = get_column_letter(max(len(cols) + 3, 11))
    return LineChart(title=label[:90], anchor=f"{anchor_col}{top}",
                     categories=ref(rows["Period"]), series=tuple(series),
                     width_cols=9, height_rows=BLOCK_ROWS - 1,
                     number_format="0%" if record.get("unit") == "percent" else None)


def _label(record: dict) -> str:
    """"CSC07: name" for a council's code; the name alone for an id kpi-xl made from it."""
    ident, name = str(record["id"]), str(record["name"])
    return f"{ident}: {name}" if record.get("cells", {}).get("id") else name
