"""Patch a huge worksheet part by splicing rows into its bytes.

Parsing a 200 MB sheet into a tree takes gigabytes, while a refresh changes
a few hundred of its cells. For a sheet part bigger than :data:`BIG_PART`,
the writer parses a *partial* tree instead: the sheet as it is, but with
only the rows the plan touches inside ``<sheetData>``. The
:class:`~kpi_xl.xlsx.worksheet.SheetPatcher` edits that tree as usual
(columns, conditional formats, sparklines, dimension: everything outside
``<sheetData>`` is there whole). At save, :meth:`RowSplice.final_bytes`
writes the tree's head and tail, the rows it holds, and every other row as
the original bytes, so memory follows the rows changed plus the part's bytes.

:func:`load` returns None, and the writer parses the sheet whole, for
layouts the splice does not take on: a prefixed namespace, rows without an
``r`` number or out of order, comments or CDATA among the rows, array formulas or data tables (their range
could cover a cell we write), or a shared formula's master among the cells
the plan writes (its dependants would need rewriting).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from kpi_xl.xlsx import safety

BIG_PART = 16 << 20  # sheet parts larger than this are spliced (the reader's threshold too)

_SHEET_DATA_OPEN = b"<sheetData>"
_SHEET_DATA_CLOSE = b"</sheetData>"
_ROW_START = re.compile(rb"<row[\s>/]")
_ROW_TAG = re.compile(rb"<row\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"'](\d+)[\"']")
_NUMBERED_ROW = re.compile(rb"<row\b[^>]*?\sr\s*=\s*[\"'](\d+)[\"']")
_ARRAY_FORMULA = re.compile(rb"<f\b[^>]*\st\s*=\s*[\"'](?:array|dataTable)[\"']")


@dataclass(frozen=True)
class _Row:
    start: int  # byte offsets of the row element in the part
    end: int


class RowSplice:
    """The original bytes of a huge sheet and the rows taken out of them."""

    def __init__(self, data: bytes, lo: int, hi: int, rows: dict[int, _Row], standalone):
        self.data = data
        self.lo, self.hi = lo, hi  # the bytes between <sheetData> and </sheetData>
        self.rows = rows  # number -> the row taken into the partial tree
        self.standalone = standalone
        self.root: etree._Element | None = None

    # -- finding rows in the bytes
    def _row_from(self, pos: int) -> tuple[int, int] | None:
        """(start, number) of the first row starting at or after ``pos``."""
        match = _ROW_START.search(self.data, pos, self.hi)
        if match is None:
            return None
        tag = _ROW_TAG.match(self.data, match.start(), self.hi)
        number = _ROW_NUMBER.search(tag.group(0)) if tag else None
        return match.start(), int(number.group(1)) if number else -1

    def first_row_at_or_after(self, number: int) -> tuple[int, int] | None:
        """(start, number) of the first row numbered ``number`` or more
        (rows are in order: :func:`load` checked), by bisecting the bytes."""
        lo, hi = self.lo, self.hi
        while lo < hi:
            mid = (lo + hi) // 2
            found = self._row_from(mid)
            if found is None or found[1] >= number:
                hi = mid
            else:
                lo = found[0] + 1
        return self._row_from(lo)

    def _row_end(self, start: int) -> int:
        tag = _ROW_TAG.match(self.data, start, self.hi)
        if tag.group(0).endswith(b"/>"):
            return tag.end()
        close = self.data.find(b"</row>", tag.end(), self.hi)
        if close < 0:
            raise ValueError("a row is not closed")
        return close + len(b"</row>")

    # -- writing
    def final_bytes(self) -> bytes:
        """The part: the partial tree as lxml writes it, with the rows it
        does not hold put back as they were."""
        from kpi_xl.xlsx.package import serialize

        made = serialize(self.root, self.standalone)
        open_at = made.find(b"<sheetData")
        head_end = made.index(b">", open_at) + 1
        if made[head_end - 2:head_end] == b"/>":  # <sheetData/>: the tree holds no row
            head, rows_made, tail = made[:open_at] + _SHEET_DATA_OPEN, [], _SHEET_DATA_CLOSE + made[head_end:]
        else:
            close_at = made.index(_SHEET_DATA_CLOSE, head_end)
            head, tail = made[:head_end], made[close_at:]
            rows_made = _split_rows(made[head_end:close_at], [int(r.get("r")) for r in self._tree_rows()])
        return b"".join([head, *self._merged(rows_made), tail])  # one copy of the rows, not three

    def _tree_rows(self) -> list[etree._Element]:
        sheet_data = self.root.find(f"{{{etree.QName(self.root).namespace}}}sheetData")
        return [el for el in sheet_data if isinstance(el.tag, str)]

    def _merged(self, rows_made: list[tuple[int, bytes]]) -> list:
        """The original rows region with the tree's rows in their places: a
        row taken out replaced where it was, a new row before the first
        original row numbered above it."""
        out, pos = [], self.lo
        data = memoryview(self.data)  # slices without copies: the part can be hundreds of MB
        made = dict(rows_made)
        places = sorted(set(made) | set(self.rows))
        for number in places:
            original = self.rows.get(number)
            if original is not None:
                out.append(data[pos:original.start])
                pos = original.end
            else:
                found = self.first_row_at_or_after(number)
                at = found[0] if found is not None else self.hi
                out.append(data[pos:at])
                pos = at
            out.append(made.get(number, b""))
        out.append(data[pos:self.hi])
        return out


def _split_rows(region: bytes, numbers: list[int]) -> list[tuple[int, bytes]]:
    """The serialised rows of the partial tree, paired with their numbers."""
    starts = [m.start() for m in _ROW_START.finditer(region)]
    if len(starts) != len(numbers):
        raise ValueError("the rows written do not match the rows of the tree")
    ends = starts[1:] + [len(region)]
    return [(number, region[s:e]) for number, s, e in zip(numbers, starts, ends)]


def load(data: bytes, part: str, file, cells: set[tuple[int, int]]) -> RowSplice | None:
    """The splice of the sheet in ``data`` holding the rows of ``cells``
    ((row, column) pairs the plan writes), with its partial tree; None when
    the sheet is one to parse whole (see the module docstring)."""
    lo = data.find(_SHEET_DATA_OPEN)
    hi = data.rfind(_SHEET_DATA_CLOSE)
    if lo < 0 or hi < lo or data.count(_SHEET_DATA_OPEN) != 1:
        return None
    lo += len(_SHEET_DATA_OPEN)
    if data.find(b"<![CDATA[", lo, hi) >= 0 or data.find(b"<!--", lo, hi) >= 0:
        return None  # text that could read as markup to the byte search
    if not _rows_numbered_in_order(data, lo, hi) or _ARRAY_FORMULA.search(data, lo, hi):
        return None
    splice = RowSplice(data, lo, hi, {}, None)
    for number in sorted({row for row, _ in cells}):
        found = splice.first_row_at_or_after(number)
        if found is not None and found[1] == number:
            splice.rows[number] = _Row(found[0], splice._row_end(found[0]))
    taken = b"".join(data[r.start:r.end] for r in splice.rows.values())
    root = safety.parse_xml(data[:lo] + taken + data[hi:], part, file)
    if _writes_shared_master(root, cells):
        return None
    splice.root = root
    splice.standalone = root.getroottree().docinfo.standalone
    return splice


def _rows_numbered_in_order(data: bytes, lo: int, hi: int) -> bool:
    """Every row has an r= and the numbers rise (what bisecting needs)."""
    rows = sum(data.count(b"<row" + end, lo, hi) for end in (b" ", b">", b"/", b"\t", b"\n", b"\r"))
    numbers = _NUMBERED_ROW.findall(data, lo, hi)
    if len(numbers) != rows:
        return False
    values = list(map(int, numbers))
    return all(a < b for a, b in zip(values, values[1:]))


def _writes_shared_master(root: etree._Element, cells: set[tuple[int, int]]) -> bool:
    """Whether a cell the plan writes holds a shared formula's master (its
    dependants, in rows not taken, would need their own formulas)."""
    from kpi_xl.xlsx.refs import parse_cell

    ns = etree.QName(root).namespace
    for f in root.iter(f"{{{ns}}}f"):
        if f.get("t") == "shared" and f.get("ref") is not None:
            try:
                if parse_cell(f.getparent().get("r", "")) in cells:
                    return True
            except Exception:
                return True
    return False
