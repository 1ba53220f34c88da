"""The council's own words beneath an indicator table, for the pack.

Councils write their analysis under each table rather than in a column:
Wokingham's dashboard has "What does this show us?" under every block, with
the answer in the rows below; others head it "Analysis", "Commentary" or
"Key messages". :func:`table_notes` finds those notes between the end of
each table and the start of the next one on the sheet, and says which
table they follow. The pack gives a note to the table's one indicator, or to
its area when the table has several.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# A label that introduces notes: the whole cell, or the start of it ("Analysis: ...").
NOTE_LABEL = re.compile(
    r"^\s*(what\s+(does|do)\s+(this|these|the\s+data|the\s+figures?)\s+(show|tell)(\s+us)?"
    r"|analysis|commentary|comments?|narrative|key\s+(messages?|points?)|summary"
    r"|officer'?s?\s+(comments?|commentary))\s*[?:.\-–]?\s*", re.I)
# How far below a table its notes may start, and how many rows they may run.
MAX_GAP_ROWS = 3
MAX_NOTE_ROWS = 12


@dataclass(frozen=True)
class TableNote:
    table: int  # index into IndicatorTable.layouts
    text: str  # the note, its paragraphs joined by newlines
    sheet: str
    row: int  # the label's row


def table_notes(path, layouts) -> list[TableNote]:
    """Notes beneath each table in ``layouts`` (a reading aid: never raises on
    a workbook the reader has already accepted; returns [] if it cannot read)."""
    from ..errors import KpiError
    from ..reader.cells import Workbook

    by_sheet: dict[str, list[tuple[int, object]]] = {}
    for index, layout in enumerate(layouts):
        by_sheet.setdefault(layout.sheet, []).append((index, layout))
    notes: list[TableNote] = []
    try:
        with Workbook(path) as book:
            for sheet, tables in by_sheet.items():
                tables.sort(key=lambda t: t[1].first_row)
                ends = [min(t[1].header_rows or (t[1].first_row,)) for t in tables[1:]] + [None]
                bottom = max(t[1].last_row for t in tables) + MAX_GAP_ROWS + MAX_NOTE_ROWS
                grid = book.read_sheet(sheet, max_row=bottom, merges=False)
                for (index, layout), stop in zip(tables, ends):
                    note = _note_below(grid, layout, stop)
                    if note:
                        notes.append(TableNote(index, note[1], sheet, note[0]))
    except (KpiError, OSError, KeyError, ValueError):
        return []
    return notes


def _note_below(grid, layout, stop: int | None) -> tuple[int, str] | None:
    """(label row, text) of the note under ``layout``, before row ``stop``."""
    last = layout.last_row + MAX_GAP_ROWS + MAX_NOTE_ROWS
    limit = min(last, stop - 1) if stop else last
    rows = [r for r in grid.row_numbers() if layout.last_row < r <= limit]
    for r in rows:
        if r > layout.last_row + MAX_GAP_ROWS + 1:
            return None
        texts = _texts(grid, r)
        if not texts:
            continue
        match = NOTE_LABEL.match(texts[0])
        if not match:
            continue
        lines = [texts[0][match.end():].strip()] + texts[1:]
        lines += _paragraphs_after(grid, r, limit)
        text = "\n".join(line for line in lines if line)
        return (r, text) if text else None
    return None


def _paragraphs_after(grid, label_row: int, limit: int) -> list[str]:
    """Text rows after the label, up to the first blank row after some text."""
    lines: list[str] = []
    for r in range(label_row + 1, min(limit, label_row + MAX_NOTE_ROWS) + 1):
        texts = _texts(grid, r)
        if not texts:
            if lines:
                break
            continue
        if NOTE_LABEL.fullmatch(texts[0]):
            break  # the next note's label
        lines.extend(texts)
    return lines


def _texts(grid, row: int) -> list[str]:
    """The non-empty text cells of a row, left to right (numbers are not notes)."""
    cells = grid.rows.get(row) or {}
    out = []
    for col in sorted(cells):
        value = grid.value(row, col)
        if isinstance(value, str) and value.strip():
            out.append(" ".join(value.split()))
    return out
