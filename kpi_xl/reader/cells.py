"""A fast, read-only cell reader over the workbook package.

Reads only what the indicator reader needs: sheet names and states, number
formats, shared strings and the rows of the sheets it asks for. Sheets are
parsed as a stream and the parse stops as soon as the caller has the rows it
wants, so a 100k-row extract sheet costs a few kilobytes of parsing when only
its first rows are looked at. Shared strings are resolved lazily and the
string table is parsed only as far as the highest index asked for.

Values are what Excel shows: the cached result of a formula, numbers as int
or float, dates (by number format) as datetime, booleans, error codes as
text ("#N/A") and strings. The file is opened and checked by
:meth:`kpi_xl.xlsx.package.Package.open` before anything is parsed (or a
refresh hands over the package it has open), and every XML part is parsed
without DTDs, entities or network access.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from lxml import etree

from ..errors import Place, RefusedFile, WorkbookError
from ..xlsx import safety
from ..xlsx.package import Package
from ..xlsx.namespaces import MAIN_NS, OWNED_NAME, R_NS
from ..xlsx.refs import COLUMN_OF_REF, cell_position, col_index, col_letters
from ..xlsx.shared_strings import SharedStrings, forget as _forget, rich_text as _rich_text
from ..xlsx.xmlutil import xf_numbers

_M = "{%s}" % MAIN_NS
ROW, CELL, VALUE, FORMULA, INLINE = _M + "row", _M + "c", _M + "v", _M + "f", _M + "is"
MERGE = _M + "mergeCell"

ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
_SHEETDATA_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?sheetData\s*>|<(?:[A-Za-z_][\w.\-]*:)?sheetData\s*/>")
_MERGE_REF = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?mergeCell\s[^>]*?\bref\s*=\s*[\"']([^\"']*)")
_MAX_TAIL = 64 << 20  # bytes after </sheetData> a merge scan reads before giving up
CHUNK = 16 << 10  # bytes fed to the streaming parser at a time (a peek parses one or two)
_MAX_STYLES = 4096  # style attributes (s="3") whose number format a reader remembers

# Excel's built-in number formats (ECMA-376 18.8.30), the ones a cell can
# refer to by id without the workbook spelling them out.
BUILTIN_FORMATS: dict[int, str] = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
    5: '"£"#,##0_);("£"#,##0)', 6: '"£"#,##0_);[Red]("£"#,##0)',
    7: '"£"#,##0.00_);("£"#,##0.00)', 8: '"£"#,##0.00_);[Red]("£"#,##0.00)',
    9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
    14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)", 38: "#,##0_);[Red](#,##0)", 39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)", 44: '_("£"* #,##0.00_)', 45: "mm:ss",
    46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}
# Locale-dependent date ids Excel writes without a format code.
BUILTIN_DATE_IDS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))

_FORMAT_NOISE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')


def is_date_format(code: str | None) -> bool:
    """True when a number format shows a date or time (d, m, y, h, s outside quotes)."""
    if not code or code.lower() == "general":
        return False
    section = _FORMAT_NOISE.sub("", code.split(";")[0])
    return bool(re.search(r"[dmyhs]", section, re.I))


class Cell(NamedTuple):
    """One non-empty cell as Excel shows it (a named tuple: a sheet of
    indicators makes one per cell, and a tuple is made fastest)."""

    ref: str  # "G5"
    row: int  # 1-based
    col: int  # 1-based
    value: object  # int | float | str | bool | datetime
    number_format: str = "General"
    formula: bool = False


@dataclass(frozen=True)
class SheetInfo:
    name: str
    state: str  # "visible" | "hidden" | "veryHidden"
    part: str | None  # zip member of a worksheet; None for chart and dialog sheets
    kind: str  # "worksheet" | "chartsheet" | "dialogsheet" | "macrosheet" | "other"
    owned: bool = False  # a sheet kpi-xl writes (its exceptions, data quality, charts)


@dataclass(frozen=True)
class Merge:
    min_row: int
    min_col: int
    max_row: int
    max_col: int

    def __contains__(self, rc: tuple[int, int]) -> bool:
        row, col = rc
        return self.min_row <= row <= self.max_row and self.min_col <= col <= self.max_col


@dataclass
class Grid:
    """The cells read from one sheet: rows -> columns -> Cell."""

    sheet: str
    rows: dict[int, dict[int, Cell]] = field(default_factory=dict)
    merges: list[Merge] = field(default_factory=list)
    complete: bool = False  # True when the whole sheet was read (merges known)
    last_row: int = 0  # highest row number read

    def cell(self, row: int, col: int) -> Cell | None:
        return self.rows.get(row, {}).get(col)

    def value(self, row: int, col: int) -> object:
        found = self.cell(row, col)
        return None if found is None else found.value

    def row_numbers(self) -> list[int]:
        return sorted(self.rows)

    def max_col(self) -> int:
        return max((max(cols) for cols in self.rows.values() if cols), default=0)


FILL_SCAN_LIMIT = 16 << 20  # a sheet's XML searched for the fills of its RAG cells


def _owned_indices(workbook: etree._Element, count: int) -> list[int]:
    """The sheets kpi-xl marked as its own (a sheet-scoped _kpixl_owned name):
    its exceptions summary has a Period and a Latest column, and must not be
    read back as the council's scorecard."""
    found = []
    for el in workbook.iterfind(f"{_M}definedNames/{_M}definedName"):
        index = el.get("localSheetId", "")
        if el.get("name") == OWNED_NAME and index.isdigit() and int(index) < count:
            found.append(int(index))
    return found


# ------------------------------------------------------------------ workbook

class Workbook:
    """An open workbook package. Use as a context manager.

    ``source``: the workbook's path (opened and checked here), or a
    :class:`~kpi_xl.xlsx.package.Package` already open (a refresh's), which
    closing this leaves open."""

    def __init__(self, source: "str | Path | Package"):
        self.path = source.path if isinstance(source, Package) else Path(source)
        _check_suffix(self.path)
        self._package = source if isinstance(source, Package) else Package.open(self.path)
        self._owns_package = not isinstance(source, Package)
        self._zip = self._package.zip
        try:
            self._names = {name.lower(): name for name in self._zip.namelist()}
            self._workbook_part = safety.main_part_name(self._zip, self.path)
            self.date1904 = False
            self.sheets: list[SheetInfo] = self._read_sheet_list()
            self._formats: list[str] = self._read_number_formats()
            self._date_styles = [is_date_format(code) for code in self._formats]
            self._styles: dict[str | None, tuple[str, bool]] = {}  # a cell's s="3" -> _format("3")
            self._strings = SharedStrings(self._package, self._shared_strings_part())
            # sheet name -> a peek's grid, its parse paused, and the row it stopped at
            self._paused: dict[str, tuple[Grid, Iterator[etree._Element], tuple]] = {}
            self._fills: list[str | None] | None = None  # the rating each cell format's fill shows
        except BaseException:
            self._close_package()
            raise

    # -- context manager
    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for name in list(self._paused):
            self._drop_paused(name)
        self._strings.close()
        self._close_package()

    def _close_package(self) -> None:
        if self._owns_package:
            self._package.close()

    # -- public
    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    def sheet(self, name: str) -> SheetInfo:
        for info in self.sheets:
            if info.name == name:
                return info
        for info in self.sheets:  # Excel treats sheet names case-insensitively
            if info.name.lower() == name.lower():
                return info
        raise KeyError(name)

    def read_sheet(self, name: str, max_row: int | None = None, merges: bool = True,
                   keep: "Callable[[Grid, list[Merge]], Callable[[Grid, int], None]] | None" = None,
                   resumable: bool = False) -> Grid:
        """Cells of a sheet, up to ``max_row`` when given (parsing stops there).

        ``resumable`` (with ``max_row``): the parse is paused where it
        stopped, so :meth:`read_rest` can read the rest of the sheet instead
        of parsing its first rows again; :meth:`drop_peek` ends it unread.

        Merged ranges come after the cells in the file, so they are known
        only when the whole sheet is read; with ``max_row`` the parse stops
        early and ``Grid.complete`` is False.

        ``keep`` bounds the memory of a huge sheet: the merged ranges are
        found first (a scan of the part's bytes), then ``keep(grid, merges)``
        gives a function called after each row is added to ``grid.rows``,
        which may drop rows that no table can use. The grid then holds only
        the rows kept; ``last_row`` is still the sheet's last row.
        """
        info = self.sheet(name)
        grid = Grid(sheet=info.name)
        if info.part is None:
            grid.complete = True
            return grid
        on_row = None
        if keep is not None and max_row is None:
            found = self._scan_merges(info.part)
            if found is not None:
                grid.merges.extend(found)
                on_row = keep(grid, found)
                merges = False
        self._drop_paused(info.name)  # a sheet is read afresh: an earlier peek's parse ends
        try:
            self._fill_grid(info.part, grid, max_row, merges, on_row,
                            resumable=resumable and merges and max_row is not None)
        except etree.XMLSyntaxError as exc:
            raise self._not_well_formed(info, exc) from None
        return grid

    def read_rest(self, peek: Grid) -> Grid:
        """The whole sheet ``peek`` began (a :meth:`read_sheet` with
        ``max_row`` and ``resumable``), as ``read_sheet(peek.sheet)`` reads it:
        the one parse goes on from the row the peek stopped at, instead of a
        second parse from the top. ``peek`` itself is left as it was."""
        paused = self._paused.pop(peek.sheet, None)
        if paused is None or paused[0] is not peek:
            if paused is not None:
                self._paused[peek.sheet] = paused  # another peek's: not this one to end
            return self.read_sheet(peek.sheet)  # nothing paused for it (it read the whole sheet)
        _peek, elements, stopped = paused
        grid = Grid(sheet=peek.sheet, rows=dict(peek.rows), merges=list(peek.merges),
                    last_row=peek.last_row)
        try:
            self._add_rows(elements, grid, None, None, stopped)
        except etree.XMLSyntaxError as exc:
            raise self._not_well_formed(self.sheet(peek.sheet), exc) from None
        finally:
            elements.close()
        grid.complete = True
        return grid

    def drop_peek(self, peek: Grid) -> None:
        """End a resumable peek's paused parse without reading on."""
        paused = self._paused.get(peek.sheet)
        if paused is not None and paused[0] is peek:
            self._drop_paused(peek.sheet)

    def _drop_paused(self, name: str) -> None:
        paused = self._paused.pop(name, None)
        if paused is not None:
            paused[1].close()  # the part's stream is closed

    def _not_well_formed(self, info: SheetInfo, exc: Exception) -> WorkbookError:
        return self._damaged(f"sheet {info.name!r} ({info.part}) is not well-formed XML ({exc}); "
                             "open and repair it in Excel, then save it again")

    # -- parts
    def _member(self, part: str) -> str | None:
        return self._names.get(part.lstrip("/").lower())

    def _read(self, part: str) -> bytes:
        member = self._member(part)
        if member is None:
            raise self._damaged(f"has no part {part}; open and repair it in Excel, then save it again")
        return safety.read_part(self._zip, member, self.path)

    def _parse(self, part: str) -> etree._Element:
        return safety.parse_xml(self._read(part), part, self.path)

    def _stream(self, part: str) -> Iterator[bytes]:
        """The bytes of a part in chunks, zip damage as WorkbookError."""
        return self._package.stream(part, CHUNK)

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type, target part) for a part (the package's
        relationships, read once for the reader and the writer)."""
        rels = self._package.rels(part)
        return {rel.rid: (rel.type, rels.target_part(rel)) for rel in rels if not rel.external}

    def _read_sheet_list(self) -> list[SheetInfo]:
        root = self._parse(self._workbook_part)
        pr = root.find(_M + "workbookPr")
        self.date1904 = pr is not None and pr.get("date1904", "").lower() in ("1", "true")
        rels = self._rels(self._workbook_part)
        sheets = []
        for el in root.iterfind(f"{_M}sheets/{_M}sheet"):
            rel_type, target = rels.get(el.get(f"{{{R_NS}}}id"), ("", None))
            kind = rel_type.rsplit("/", 1)[-1] if rel_type else "other"
            part = target if kind == "worksheet" and target and self._member(target) else None
            if kind == "worksheet" and part is None:
                raise self._damaged(f"sheet {el.get('name')!r} has no worksheet part; "
                                    "open and repair it in Excel, then save it again")
            sheets.append(SheetInfo(name=el.get("name", ""), state=el.get("state", "visible"),
                                    part=part, kind=kind))
        if not sheets:
            raise self._damaged("has no sheets; check the file or save it from Excel as .xlsx")
        for index in _owned_indices(root, len(sheets)):
            sheets[index] = replace(sheets[index], owned=True)
        return sheets

    def _related_part(self, suffix: str) -> str | None:
        for rel_type, target in self._rels(self._workbook_part).values():
            if rel_type.endswith("/" + suffix) and self._member(target):
                return target
        return None

    def _read_number_formats(self) -> list[str]:
        """Number format code of each cell style (cellXfs index)."""
        part = self._related_part("styles")
        if part is None:
            return ["General"]
        root = self._parse(part)
        custom = {}
        for fmt in root.iterfind(f"{_M}numFmts/{_M}numFmt"):
            try:
                custom[int(fmt.get("numFmtId", "-1"))] = fmt.get("formatCode", "General")
            except ValueError:
                continue
        formats = []
        for fid in xf_numbers(root, "numFmtId"):
            code = custom.get(fid) or BUILTIN_FORMATS.get(fid)
            if code is None:
                code = "mm-dd-yy" if fid in BUILTIN_DATE_IDS else "General"
            formats.append(code)
        return formats or ["General"]

    def _shared_strings_part(self) -> str | None:
        return self._related_part("sharedStrings")

    def _damaged(self, message: str) -> WorkbookError:
        return WorkbookError(message, Place(file=str(self.path)))

    # -- ratings shown by fill colour (kpi_xl.reader.fills)
    def fill_ratings_in_column(self, sheet: str, col: int, rows: list[int]) -> dict[int, str]:
        """Row -> the rating ("RED", "AMBER", "GREEN") the fill of the cell in
        column ``col`` shows, for the ``rows`` whose cell has such a fill. The
        sheet's XML is searched for those cells' formats (a huge sheet is not)."""
        from .fills import styles_in_column

        info = self.sheet(sheet)
        ratings = self._fill_ratings()
        if not info.part or not any(ratings) or self.part_size(sheet) > FILL_SCAN_LIMIT:
            return {}
        styles = styles_in_column(self._read(info.part), col_letters(col), set(rows))
        return {row: ratings[s] for row, s in styles.items() if s < len(ratings) and ratings[s]}

    def _fill_ratings(self) -> list[str | None]:
        if self._fills is None:
            from .fills import fill_ratings

            styles, theme = self._related_part("styles"), self._related_part("theme")
            self._fills = fill_ratings(self._parse(styles), self._parse(theme) if theme else None) \
                if styles else []
        return self._fills

    # -- sheet parsing
    def part_size(self, name: str) -> int:
        """Uncompressed size in bytes of a sheet's part (0 for chart sheets)."""
        info = self.sheet(name)
        member = self._member(info.part) if info.part else None
        return self._zip.getinfo(member).file_size if member else 0

    def _scan_merges(self, part: str) -> list[Merge] | None:
        """The merged ranges of a sheet from its bytes, without parsing the
        cells: they follow </sheetData>. None when the part is written in a
        way this scan does not read (then the sheet is read as usual)."""
        tail = bytearray()
        seen_end = False
        carry = b""
        for chunk in self._stream(part):
            if seen_end:
                tail += chunk
                if len(tail) > _MAX_TAIL:
                    return None
                continue
            window = carry + chunk
            if b"<!--" in window or b"<![CDATA[" in window:
                return None
            end = _SHEETDATA_END.search(window)
            if end is not None:
                seen_end = True
                tail += window[end.end():]
            carry = window[-32:]
        if not seen_end:
            return None
        found = []
        for ref in _MERGE_REF.findall(bytes(tail)):
            merge = _parse_merge(ref.decode("ascii", "replace"))
            if merge:
                found.append(merge)
        return found

    def _fill_grid(self, part: str, grid: Grid, max_row: int | None, want_merges: bool,
                   on_row: "Callable[[Grid, int], None] | None" = None,
                   resumable: bool = False) -> None:
        elements = self._elements(part, want_merges)
        try:
            stopped = self._add_rows(elements, grid, max_row, on_row)
        except BaseException:
            elements.close()
            raise
        if stopped is None:
            grid.complete = True  # the parse ran to the end (and closed the stream)
        elif resumable:
            self._paused[grid.sheet] = (grid, elements, stopped)
        else:
            elements.close()  # stop early: the rest of the sheet is not needed

    def _elements(self, part: str, want_merges: bool) -> Iterator[etree._Element]:
        """The part's <row> elements (and <mergeCell>s when wanted) as each
        ends, parsed a chunk at a time; the stream is closed when the parse
        ends or the iterator is closed."""
        tags = (ROW, MERGE) if want_merges else (ROW,)
        parser = etree.XMLPullParser(events=("end",), tag=tags, resolve_entities=False,
                                     no_network=True, load_dtd=False, huge_tree=False)
        chunks = self._stream(part)
        try:
            for chunk in chunks:
                parser.feed(chunk)
                for _event, el in parser.read_events():
                    yield el
            parser.close()
        finally:
            chunks.close()

    def _add_rows(self, elements: Iterator[etree._Element], grid: Grid, max_row: int | None,
                  on_row: "Callable[[Grid, int], None] | None",
                  stopped: "tuple[etree._Element, int] | None" = None
                  ) -> "tuple[etree._Element, int] | None":
        """Rows (and merged ranges) into ``grid`` until the first row past
        ``max_row``, returned with its number (None: the part ended);
        ``stopped``, such a row an earlier call returned, is added first."""
        next_row = 1
        if stopped is not None:
            el, row_number = stopped
            self._add_row(grid, el, row_number, on_row)
            next_row = row_number + 1
        for el in elements:
            if el.tag == MERGE:
                merge = _parse_merge(el.get("ref", ""))
                if merge:
                    grid.merges.append(merge)
                continue
            row_number = _int(el.get("r")) or next_row
            next_row = row_number + 1
            if max_row is not None and row_number > max_row:
                return el, row_number
            self._add_row(grid, el, row_number, on_row)
        return None

    def _add_row(self, grid: Grid, el: etree._Element, row_number: int,
                 on_row: "Callable[[Grid, int], None] | None") -> None:
        cells = self._row_cells(el, row_number)
        if cells:
            grid.rows[row_number] = cells
        grid.last_row = row_number
        _forget(el)
        if on_row is not None and cells:
            on_row(grid, row_number)

    def _row_cells(self, row_el: etree._Element, row_number: int) -> dict[int, Cell]:
        # Per cell of a big sheet, so the common spellings take the short way:
        # a ref Excel's way ("G5" in row 5) names its column by a dict look-up
        # and is the Cell's ref itself; a cell of one <v> is read without a
        # loop over its children; a number or shared string is read here.
        cells: dict[int, Cell] = {}
        next_col = 1
        styles = self._styles
        string_text = self._strings.text
        row_text = str(row_number)
        cut = -len(row_text)
        fast = row_number > 0  # "A-5" names no column: only letters before digits do
        for c in row_el.iterchildren(CELL):
            ref = c.get("r")
            col = _COLUMN_OF_LETTERS.get(ref[:cut]) if fast and ref and ref.endswith(row_text) else None
            if col is None:
                col = _column_of(ref, next_col)
                ref = None  # spelt out below, once the cell is kept
            next_col = col + 1
            kind = c.get("t")
            if len(c) == 1 and (child := c[0]).tag == VALUE:
                has_formula, text, inline = False, child.text, None
            else:
                has_formula, text, inline = _children(c)
            if text is None and kind != "inlineStr":
                continue  # no value: nothing Excel shows
            if kind is None:
                value = _plain_number(text)
            elif kind == "s":
                index = _int(text)
                value = string_text(index) if index is not None else None
            else:
                value = self._value_of(kind, text, inline)
            if value is None or value == "":
                continue
            style = c.get("s")
            found = styles.get(style)
            if found is None:
                found = self._format(style)
                if len(styles) < _MAX_STYLES:  # a hostile sheet's many spellings stay uncached
                    styles[style] = found
            fmt, is_date = found
            if is_date and isinstance(value, (int, float)) and not isinstance(value, bool):
                value = _serial_to_datetime(value, self.date1904)
            cells[col] = _new_cell(Cell, (ref or col_letters(col) + row_text, row_number, col,
                                          value, fmt, has_formula))
        return cells

    def _format(self, style: str | None) -> tuple[str, bool]:
        """A cell style's number format and whether it shows a date."""
        index = _int(style) or 0
        if not 0 <= index < len(self._formats):
            return "General", False
        return self._formats[index], self._date_styles[index]

    def _value_of(self, kind: str, text: str | None, inline: etree._Element | None) -> object:
        """A cell's value from its type (``t``: any but a shared string's,
        which :meth:`_row_cells` reads), the text of its <v> and its inline
        string (<is>); None when it has none."""
        if kind == "inlineStr":
            return _rich_text(inline) if inline is not None else None
        if text is None:
            return None
        if kind in ("str", "e"):
            return text
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "d":
            try:
                return _dt.datetime.fromisoformat(text.strip().rstrip("Z"))
            except ValueError:
                return text
        return _number(text)


# ------------------------------------------------------------------ helpers

def _check_suffix(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix in ACCEPTED_SUFFIXES or suffix in (".xls", ".xlsb", ".ods"):
        return  # the last three get their own refusal from safety
    raise RefusedFile(f"is not an Excel workbook kpi-xl reads ({suffix or 'no extension'}); "
                      "give an .xlsx, .xlsm, .xltx or .xltm file (save it from Excel as .xlsx)",
                      Place(file=str(path)))


def _children(c: etree._Element) -> tuple[bool, str | None, etree._Element | None]:
    """Whether a cell has a formula, the text of its <v> and its inline
    string (<is>), from its children (the last of each tag counts)."""
    has_formula, text, inline = False, None, None
    for child in c:
        tag = child.tag
        if tag == VALUE:
            text = child.text
        elif tag == FORMULA:
            has_formula = True
        elif tag == INLINE:
            inline = child
    return has_formula, text, inline


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None


_INTEGER = re.compile(r"[-+]?[0-9]+")


def _number(text: str) -> int | float | str:
    text = text.strip()
    try:
        if _INTEGER.fullmatch(text):
            return int(text)
        return float(text)
    except ValueError:
        return text


def _plain_number(text: str) -> int | float | str:
    """:func:`_number` of a <v>, its two usual spellings (digits, and
    digits with a point) read without the pattern match."""
    if text.isascii():
        if text.isdigit():
            return int(text)  # [0-9]+: _INTEGER's int
        if "." in text:  # never _INTEGER's: float, as _number, or its text when float refuses
            try:
                return float(text)
            except ValueError:
                pass
    return _number(text)


_new_cell = tuple.__new__  # a Cell from its six fields, without NamedTuple's keyword handling

# "AB" -> 28: a column's letters as Excel spells them in a ref (upper case),
# filled as refs are read (at most the 18,278 names of one to three letters)
_COLUMN_OF_LETTERS: dict[str, int] = {}


def _column_of(ref: str | None, default: int) -> int:
    """The column a cell's ref names, ``default`` when it has no ref or its
    ref does not start with a column's letters and a digit."""
    match = COLUMN_OF_REF.match(ref) if ref else None
    if match is None:
        return default
    letters = match.group(1)
    col = col_index(letters.upper())
    if letters.isupper():
        _COLUMN_OF_LETTERS[letters] = col
    return col


def _parse_merge(ref: str) -> Merge | None:
    try:
        first, _, last = ref.partition(":")
        r1, c1 = cell_position(first)
        r2, c2 = cell_position(last or first)
    except ValueError:
        return None
    return Merge(min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


_EPOCH_1900 = _dt.datetime(1899, 12, 30)
_EPOCH_1904 = _dt.datetime(1904, 1, 1)


def _serial_to_datetime(serial: float, date1904: bool) -> object:
    """An Excel date serial as a datetime (the number itself when out of range)."""
    try:
        if not date1904 and serial < 60:
            serial += 1  # Excel's phantom 29 Feb 1900
        base = _EPOCH_1904 if date1904 else _EPOCH_1900
        return base + _dt.timedelta(days=float(serial))
    except (OverflowError, ValueError):
        return serial
