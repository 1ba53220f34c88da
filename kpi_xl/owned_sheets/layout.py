"""Owned sheets that print: rows as tall as their wrapped text.

Excel does not grow a row to fit wrapped text that kpi-xl writes (it only
does so when someone edits the cell), and LibreOffice keeps the stored
height too, so long messages overlapped the next rows when printed. The
height is estimated from the text and the column width: Excel's width unit
is the width of a digit, and ordinary text averages a little narrower.
"""
from __future__ import annotations

import math
import textwrap
from functools import lru_cache

from ..xlsx.refs import col_letters, parse_cell

from ..plan import SheetCells

CHARS_PER_WIDTH = 1.2  # characters of ordinary text per unit of column width
LINE_POINTS = 15.0  # Excel's default row height, for 11pt text
PADDING_POINTS = 3.0


def text_lines(text: str, width: float) -> int:
    """Lines ``text`` takes when wrapped in a column ``width`` wide."""
    return _lines(str(text), _chars(width))


def _chars(width: float) -> int:
    """Characters a line of a column ``width`` wide holds."""
    return max(1, math.floor(width * CHARS_PER_WIDTH))


@lru_cache(maxsize=4096)  # an owned sheet repeats its texts (categories, names, messages)
def _lines(text: str, chars: int) -> int:
    return sum(_part_lines(part, chars) for part in text.split("\n"))


def _part_lines(part: str, chars: int) -> int:
    if len(part) <= chars and "\t" not in part:
        return 1  # fits: textwrap would not break it (only tabs grow when expanded)
    return max(1, len(textwrap.wrap(part, chars, break_long_words=True)))


def fit_rows(cells: SheetCells, widths: dict[str, float]) -> dict[int, float]:
    """Row -> height (points) for rows whose wrapped text needs more than one line."""
    heights: dict[int, float] = {}
    # (column, font size) -> characters a line: a text no longer, with no
    # line end or tab, takes one line (most of a sheet's cells)
    fits: dict[tuple, int] = {}
    for row, col, value, _, style, cell in cells.entries():
        if not (style and style.wrap and isinstance(value, str) and value):
            continue
        if cell is not None:
            row, col = parse_cell(cell.cell)  # not openpyxl: a refresh does not import it
        chars = fits.get((col, style.font_size))
        if chars is not None and len(value) <= chars and "\n" not in value and "\t" not in value:
            continue
        column = col_letters(col)
        if column not in widths:
            continue
        scale = (style.font_size or 11.0) / 11.0  # bigger text: fewer characters a line
        fits[col, style.font_size] = _chars(widths[column] / scale)
        lines = text_lines(value, widths[column] / scale)
        if lines > 1:
            heights[row] = max(heights.get(row, 0.0),
                               lines * LINE_POINTS * scale + PADDING_POINTS)
    return dict(sorted(heights.items()))
