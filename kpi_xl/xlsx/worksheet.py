"""Patch one worksheet part element by element.

Only the elements a change concerns are touched; everything else in the
sheet (extLst, x14 rules, sparklines, data validations, drawings, legacy
drawing links, controls, protected ranges, ...) stays as it was, in place.
New elements go where the schema's sequence (CT_Worksheet) puts them.

A change that would leave the sheet as it is changes nothing, so applying
the same plan twice leaves the part byte-identical the second time.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from lxml import etree

from kpi_xl.errors import Place, WriteError
from kpi_xl.plan import SetCell, SetColumnWidth, Style
from kpi_xl.xlsx.namespaces import REL_TABLE
from kpi_xl.xlsx.refs import (MAX_COL, cell_ref, col_index, column_in_row, in_range, parse_cell, parse_range,
                             range_ref, row_digits)
from kpi_xl.xlsx.shared_strings import decode_text, make_t, string_item_text
from kpi_xl.xlsx.xmlutil import insert_in_order, local, place_after

if TYPE_CHECKING:  # pragma: no cover
    from kpi_xl.xlsx.writer import WriteContext

WORKSHEET_ORDER = (
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
    "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
    "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations",
    "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
    "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
    "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts",
    "extLst",
)

MAX_TEXT = 32_767  # characters Excel holds in a cell
MAX_FORMULA = 8_192
ERROR_VALUES = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}
FORMULA_LIKE = ("=", "+", "-", "@")


@lru_cache(maxsize=None)
def _sheet_data_query(query: str, ns: str) -> etree.XPath:
    """A compiled XPath over a sheetData's rows (x:) and cells, answered in C."""
    return etree.XPath(query, namespaces={"x": ns})


_WITHOUT_POSITION = "boolean(x:row[not(@r)] | x:row/x:c[not(@r)])"  # a row or cell lacks its r=
_CELL_A1 = "boolean(x:row/x:c[@r = 'A1'])"


@dataclass(frozen=True)
class Content:
    """What a cell holds, independent of how it is stored."""

    kind: str  # "blank", "number", "bool", "text", "error", "formula"
    value: object = None
    formula: str | None = None  # for kind "formula"; value is then the cached result


BLANK = Content("blank")  # what a missing cell holds (one for all: a Content never changes)


def format_number(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _wide_enough(current: str | None, width: float) -> bool:
    try:
        return current is not None and float(current) >= width
    except ValueError:
        return False


def excel_column_width(width: float) -> float:
    """The width Excel stores for a column shown as ``width`` characters
    (Calibri 11: 7-pixel digits, 5 pixels of padding), as XlsxWriter does."""
    if width <= 0:
        return 0.0
    digit, padding = 7, 5
    if width < 1:
        pixels = int(width * (digit + padding) + 0.5)
    else:
        pixels = int(width * digit + 0.5) + padding
    return int(pixels / digit * 256) / 256


def _same_number(a: object, b: object) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


class SheetPatcher:
    """Edits one worksheet tree in place; ``ctx`` holds the workbook-wide parts."""

    def __init__(self, ctx: "WriteContext", name: str, part: str, sheet_id: int, root: etree._Element):
        self.ctx = ctx
        self.name = name
        self.part = part
        self.sheet_id = sheet_id
        self.root = root
        self.ns = etree.QName(root).namespace
        if local(root) != "worksheet":
            raise WriteError(f"sheet {name!r} is a {local(root)}, not a worksheet; kpi-xl writes only into worksheets",
                             self.place())
        self.sheet_data = root.find(self.q("sheetData"))
        if self.sheet_data is None:
            self.sheet_data = insert_in_order(root, etree.Element(self.q("sheetData")), WORKSHEET_ORDER)
        self._rows: dict[int, etree._Element] | None = None
        self._row_numbers: list[int] = []
        self._cells: dict[int, dict[int, etree._Element]] = {}
        self._derived: dict[tuple[int, int, bool], tuple[Style | None, int]] = {}  # see _derived_style
        self._arrays: list[tuple[tuple[int, int, int, int], int, int, str]] | None = None
        self._headers: list[tuple[tuple[int, int, int, int], str]] | None = None
        self.dirty = False
        self.splice = None  # a big_sheet.RowSplice when root holds only the rows the plan touches
        self.rows_as_text = False  # a new owned sheet whose rows went into the part as text, not into root
        self.values_changed = False  # a cell's content (not just its format) changed
        self._explicit = False
        self._extent: tuple[int, int, int, int] | None = None
        self._column_styles: list[tuple[int, int, int]] | bool | None = None  # see _read_column_styles
        self.protected: bool | None = None  # the sheet's protection, once the writer has read it

    # -- basics
    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def place(self, cell: str | None = None) -> Place:
        return Place(file=str(self.ctx.file), sheet=self.name, cell=cell)

    def error(self, message: str, cell: str | None = None) -> WriteError:
        return WriteError(message, self.place(cell))

    def touch(self) -> None:
        if self.dirty and self.splice is None and self.ctx.pkg.new.get(self.part) is self.root:
            return  # recorded already: every change after the first leaves it so
        self.dirty = True
        if self.splice is None:
            self.ctx.pkg.put_xml(self.part, self.root)
        elif self.part not in self.ctx.pkg.new:
            from kpi_xl.xlsx.package import Deferred

            # A huge sheet held as a partial tree: its bytes are spliced at save.
            self.ctx.pkg.put_bytes(self.part, Deferred(self.splice.final_bytes))

    # -- rows and cells
    def _index_rows(self) -> None:
        if self._rows is not None:
            return
        self._rows = {}
        number = 0
        for row in self.sheet_data.iterfind(self.q("row")):
            r = row.get("r")
            number = int(r) if r is not None else number + 1
            self._rows[number] = row
        self._row_numbers = sorted(self._rows)

    def _row_cells(self, number: int) -> dict[int, etree._Element]:
        """Column -> cell of row ``number``, read once for the row."""
        cells = self._cells.get(number)
        if cells is None:
            cells = self._cells[number] = self._read_row_cells(number)
        return cells

    def _read_row_cells(self, number: int) -> dict[int, etree._Element]:
        cells: dict[int, etree._Element] = {}
        row = self._rows.get(number)
        if row is None:
            return cells
        digits = row_digits(number)
        col = 0
        for c in row.iterfind(self.q("c")):
            ref = c.get("r")
            col = column_in_row(ref, digits) if ref else col + 1
            cells[col] = c
        return cells

    def find_cell(self, row: int, col: int) -> tuple[etree._Element | None, etree._Element | None]:
        self._index_rows()
        row_el = self._rows.get(row)
        if row_el is None:
            return None, None
        return row_el, self._row_cells(row).get(col)

    def _explicit_positions(self) -> None:
        """Give every row and cell an explicit r= (optional in the schema but
        needed once we insert among them). Positions do not change."""
        if self._explicit:
            return
        self._explicit = True
        if self.ns and not _sheet_data_query(_WITHOUT_POSITION, self.ns)(self.sheet_data):
            return  # as Excel writes them: every row and cell has one already
        for number, row in self._rows.items():
            if row.get("r") is None:
                row.set("r", str(number))
            for col, c in self._row_cells(number).items():
                if c.get("r") is None:
                    c.set("r", cell_ref(number, col))

    def _add_cell(self, row_el: etree._Element | None, row: int, col: int,
                  attrib: dict[str, str] | None = None) -> etree._Element:
        """A new cell at (row, col), which has none; ``row_el``: its row, as
        :meth:`find_cell` found it (None when there is none yet); ``attrib``:
        the cell's attributes, r= first (default: r= alone)."""
        self._explicit_positions()
        if row_el is None:
            # Made in the sheet's document, then moved among the rows (made on
            # its own it is a document of its own: see :meth:`_child`).
            row_el = etree.SubElement(self.sheet_data, self.q("row"))
            row_el.set("r", str(row))
            i = bisect.bisect_left(self._row_numbers, row)
            if i < len(self._row_numbers):
                self._rows[self._row_numbers[i]].addprevious(row_el)
            else:
                self.sheet_data.append(row_el)
            self._row_numbers.insert(i, row)
            self._rows[row] = row_el
            self._cells[row] = {}
        cells = self._row_cells(row)
        # In the sheet's document (so at the row's end), then moved into place.
        c = etree.SubElement(row_el, self.q("c"), attrib or {"r": cell_ref(row, col)})
        last = max(cells) if cells else 0
        if last > col:
            cells[min(k for k in cells if k > col)].addprevious(c)
        elif not last:
            place_after(row_el, None, c)
        elif cells[last].getnext() is not c:  # else it is in place already: right after the last cell
            cells[last].addnext(c)
        cells[col] = c
        self._widen_spans(row_el, col)
        self._grow_extent(row, col)
        return c

    @staticmethod
    def _widen_spans(row_el: etree._Element, col: int) -> None:
        spans = row_el.get("spans")
        if not spans or ":" not in spans:
            return
        try:
            lo, hi = (int(x) for x in spans.split(":"))
        except ValueError:
            return
        if col < lo or col > hi:
            row_el.set("spans", f"{min(lo, col)}:{max(hi, col)}")

    def _grow_extent(self, row: int, col: int) -> None:
        if self._extent is None:
            self._extent = (row, col, row, col)
        else:
            r1, c1, r2, c2 = self._extent
            self._extent = (min(r1, row), min(c1, col), max(r2, row), max(c2, col))

    def finish(self) -> None:
        """Widen <dimension> to the cells we added."""
        if self._extent is None:
            return
        dim = self.root.find(self.q("dimension"))
        if dim is None:
            return
        try:
            bounds = parse_range(dim.get("ref", "A1"))
        except WriteError:
            return
        r1, c1, r2, c2 = self._extent
        if bounds == (1, 1, 1, 1) and not self._has_other_cells():
            new = (r1, c1, r2, c2)
        else:
            new = (min(bounds[0], r1), min(bounds[1], c1), max(bounds[2], r2), max(bounds[3], c2))
        if new != bounds:
            dim.set("ref", range_ref(*new))
            self.touch()

    def _has_other_cells(self) -> bool:
        """Whether the sheet has a cell A1 (its dimension A1 then is not a placeholder)."""
        if not self.ns:
            return any(c.get("r") == "A1" for row in self.sheet_data.iterfind("row") for c in row.iterfind("c"))
        return bool(_sheet_data_query(_CELL_A1, self.ns)(self.sheet_data))

    # -- styles around a new cell
    def default_style(self, row: int, col: int) -> int:
        """The format Excel gives a new cell: its row's, else its column's."""
        row_el = self._rows.get(row) if self._rows else None
        if row_el is not None and row_el.get("customFormat") in ("1", "true") and row_el.get("s"):
            return int(row_el.get("s"))
        if self._column_styles is None:
            self._column_styles = self._read_column_styles()
        if self._column_styles is not False:
            return next((style for lo, hi, style in self._column_styles if lo <= col <= hi), 0)
        return self._column_style(col)

    def _read_column_styles(self) -> "list[tuple[int, int, int]] | bool":
        """(min, max, style) of the <col> elements with a style, in order,
        read once for the new cells of a plan (widths change only through
        :meth:`set_column_width`, which forgets them); False when one is not
        a number (each new cell then reads them as :meth:`_column_style` does)."""
        cols = self.root.find(self.q("cols"))
        if cols is None:
            return []
        out = []
        try:
            for el in cols.iterfind(self.q("col")):
                lo, hi = int(el.get("min", "0")), int(el.get("max", "0"))
                if el.get("style"):
                    out.append((lo, hi, int(el.get("style"))))
        except ValueError:
            return False
        return out

    def _column_style(self, col: int) -> int:
        """A new cell's column format, read from the <col> elements."""
        cols = self.root.find(self.q("cols"))
        if cols is not None:
            for el in cols.iterfind(self.q("col")):
                if int(el.get("min", "0")) <= col <= int(el.get("max", "0")) and el.get("style"):
                    return int(el.get("style"))
        return 0

    # -- reading a cell
    def content(self, c: etree._Element | None) -> Content:
        if c is None:
            return BLANK
        f = c.find(self.q("f"))
        v = c.find(self.q("v"))
        t = c.get("t", "n")
        if t == "inlineStr":
            inline = c.find(self.q("is"))
            cached = Content("text", string_item_text(inline)[0]) if inline is not None else BLANK
        elif v is None:
            cached = BLANK
        elif t == "s":
            try:
                cached = Content("text", self.ctx.strings.text(int(v.text)))
            except (TypeError, ValueError):
                cached = Content("text", None)
        elif t == "str":
            cached = Content("text", decode_text(v.text or ""))
        elif t == "b":
            cached = Content("bool", (v.text or "").strip() in ("1", "true"))
        elif t == "e":
            cached = Content("error", v.text)
        elif t == "d":
            cached = Content("date", v.text)
        else:
            cached = Content("number", v.text)
        if f is not None:
            if f.get("t") in ("shared", "array", "dataTable") or f.text is None:
                return Content("formula", ("special", f.get("t")), None)
            return Content("formula", cached, f.text.strip())
        return cached

    @staticmethod
    def same(current: Content, wanted: Content) -> bool:
        if wanted.kind == "formula":
            return (current.kind == "formula" and current.formula == wanted.formula
                    and isinstance(current.value, Content) and SheetPatcher.same(current.value, wanted.value))
        if current.kind != wanted.kind:
            return False
        if wanted.kind == "number":
            return _same_number(current.value, wanted.value)
        return current.value == wanted.value

    # -- what a SetCell wants
    def wanted(self, change: SetCell, cell: str) -> Content:
        value = change.value
        if change.formula is not None:
            formula = change.formula.strip()
            if formula.startswith("="):
                formula = formula[1:]
            if not formula:
                raise self.error("the formula is empty", cell)
            if len(formula) > MAX_FORMULA:
                raise self.error(f"the formula is longer than {MAX_FORMULA} characters", cell)
            return Content("formula", self._constant(value, cell, cached=True), formula)
        return self._constant(value, cell, cached=False)

    def _constant(self, value, cell: str, cached: bool) -> Content:
        if value is None:
            return BLANK
        if isinstance(value, bool):
            return Content("bool", value)
        if isinstance(value, (int, float)):
            if isinstance(value, float) and not math.isfinite(value):
                raise self.error(f"the value {value!r} is not a number Excel can hold; pass None for a blank", cell)
            return Content("number", value)
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise self.error(f"the text is longer than {MAX_TEXT} characters, Excel's limit for a cell", cell)
            if cached and value in ERROR_VALUES:
                return Content("error", value)
            return Content("text", value)
        # numpy scalars and the like: accept what converts cleanly.
        if type(value).__name__ == "bool_":
            return Content("bool", bool(value))
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise self.error(f"cannot write a {type(value).__name__} into a cell", cell) from None
        return self._constant(int(number) if number.is_integer() and "int" in type(value).__name__ else number,
                              cell, cached)

    # -- guards
    def _array_ranges(self):
        if self._arrays is None:
            self._arrays = []
            for f in self.sheet_data.iter(self.q("f")):
                if f.get("t") in ("array", "dataTable") and f.get("ref"):
                    try:
                        bounds = parse_range(f.get("ref"))
                        row, col = parse_cell(f.getparent().get("r", ""))
                    except WriteError:
                        continue
                    self._arrays.append((bounds, row, col, f.get("t")))
        return self._arrays

    def _table_headers(self):
        if self._headers is None:
            self._headers = []
            rels = self.ctx.pkg.rels(self.part)
            for rel in rels.by_type(REL_TABLE):
                target = rels.target_part(rel)
                if not target or not self.ctx.pkg.exists(target):
                    continue
                table = self.ctx.pkg.xml(target)
                header_rows = int(table.get("headerRowCount", "1") or "1")
                if header_rows <= 0 or not table.get("ref"):
                    continue
                r1, c1, _, c2 = parse_range(table.get("ref"))
                self._headers.append(((r1, c1, r1 + header_rows - 1, c2), table.get("displayName", "")))
        return self._headers

    def _guard(self, row: int, col: int, cell: str) -> None:
        for bounds, mrow, mcol, kind in self._array_ranges():
            if in_range(row, col, bounds) and not (bounds[0] == bounds[2] and bounds[1] == bounds[3]):
                what = "a data table" if kind == "dataTable" else "an array formula"
                raise self.error(f"the cell is part of {what} in {range_ref(*bounds)} "
                                 f"(entered in {cell_ref(mrow, mcol)}); kpi-xl does not overwrite part of it", cell)
        for bounds, table in self._table_headers():
            if in_range(row, col, bounds):
                raise self.error(f"the cell is a header of table {table!r}; kpi-xl does not rename table "
                                 "columns — write below the header or change the header in Excel", cell)

    # -- SetCell
    def set_cell(self, change: SetCell) -> None:
        row, col = parse_cell(change.cell)
        cell = cell_ref(row, col)
        wanted = self.wanted(change, cell)
        row_el, c = self.find_cell(row, col)
        if c is None and wanted.kind != "blank":
            self._set_new_cell(change, row_el, row, col, cell, wanted)
            return
        current = self.content(c)
        content_same = self.same(current, wanted)

        text = wanted.value if wanted.kind == "text" else None
        quote = isinstance(text, str) and text.startswith(FORMULA_LIKE) and not content_same
        base = int(c.get("s", "0")) if c is not None else self.default_style(row, col)
        target_style = base
        if change.style is not None or quote:
            target_style = self._derived_style(base, change.style, quote)
        current_style = int(c.get("s", "0")) if c is not None else 0

        if content_same and (c is not None and target_style == current_style):
            return
        if c is None and wanted.kind == "blank" and (change.style is None or target_style == 0):
            return
        if not content_same:
            self._guard(row, col, cell)
        if c is None:
            c = self._add_cell(row_el, row, col)
        if not content_same:
            self._write_content(c, wanted, cell)
        if target_style != int(c.get("s", "0")):
            if target_style:
                c.set("s", str(target_style))
            else:
                c.attrib.pop("s", None)
        self.touch()

    def _set_new_cell(self, change: SetCell, row_el: etree._Element | None, row: int, col: int, cell: str,
                      wanted: Content) -> None:
        """:meth:`set_cell` where there is no cell and ``wanted`` is not blank:
        the cell made whole as set_cell's steps leave it (r=, then t=, then
        s=; its content as :meth:`_content_parts` has put_content write it), its attributes
        given at once: thousands are added to a sheet's rows, and each step
        on an element costs."""
        text = wanted.value if wanted.kind == "text" else None
        quote = isinstance(text, str) and text.startswith(FORMULA_LIKE)
        style = self.default_style(row, col)
        if change.style is not None or quote:
            style = self._derived_style(style, change.style, quote)
        self._guard(row, col, cell)
        self.values_changed = True
        t, children, inline = self._content_parts(wanted)
        attrib = {"r": cell, "t": t} if t else {"r": cell}
        if style:
            attrib["s"] = str(style)
        self._put_children(self._add_cell(row_el, row, col, attrib), children, inline)
        self.touch()

    def _derived_style(self, base: int, style: Style | None, quote: bool) -> int:
        """:meth:`Styles.derive_xf`, looked up by the Style object first: a
        plan passes the same few for thousands of cells. The object is kept
        with its index, so its id is not another's while it is looked up."""
        key = (base, id(style), quote)
        found = self._derived.get(key)
        if found is None:
            found = self._derived[key] = (style, self.ctx.styles.derive_xf(base, style or Style(),
                                                                           quote_prefix=quote))
        return found[1]

    def _write_content(self, c: etree._Element, wanted: Content, cell: str) -> None:
        self.values_changed = True
        old_f = c.find(self.q("f")) if len(c) else None  # a new cell has no children
        if old_f is not None:
            self._release_formula(c, old_f)
        for tag in ("f", "v", "is") if len(c) else ():
            for el in c.findall(self.q(tag)):
                c.remove(el)
        for attr in ("t", "cm", "vm"):
            c.attrib.pop(attr, None)
        if old_f is not None and wanted.kind != "formula":
            self.ctx.calc.forget_cell(self.sheet_id, cell)
        self.put_content(c, wanted)

    def put_content(self, c: etree._Element, wanted: Content) -> None:
        """Write ``wanted`` into ``c``, which holds no content (no f, v or
        is, no t=): the part of :meth:`_write_content` a new cell needs."""
        self.values_changed = True
        t, children, inline = self._content_parts(wanted)
        if t:
            c.set("t", t)
        self._put_children(c, children, inline)

    def _content_parts(self, wanted: Content) -> tuple[str | None, list[tuple[str, str]], str | None]:
        """(t= or None, the children as (tag, text) in their order, the text
        of an inline string or None) of a cell holding ``wanted``; a text
        constant goes into the shared strings where they take new texts."""
        if wanted.kind == "formula":
            children, cached = [("f", wanted.formula)], wanted.value
        else:
            children, cached = [], wanted
        kind = cached.kind
        if kind == "blank":
            return None, children, None
        if kind == "text" and wanted.kind != "formula":
            if self.ctx.strings.takes_new:
                return "s", [("v", str(self.ctx.strings.index(cached.value)))], None
            return "inlineStr", [], cached.value
        if kind == "text":
            return "str", children + [("v", cached.value)], None
        if kind == "bool":
            return "b", children + [("v", "1" if cached.value else "0")], None
        if kind == "error":
            return "e", children + [("v", cached.value)], None
        return None, children + [("v", format_number(cached.value))], None

    def _put_children(self, c: etree._Element, children: list[tuple[str, str]], inline: str | None) -> None:
        """:meth:`_content_parts`' children and inline string into ``c``, first among its children."""
        for position, (tag, value) in enumerate(children):
            self._child(c, tag, position).text = value
        if inline is not None:
            make_t(self._child(c, "is", len(children)), inline)

    def _child(self, c: etree._Element, tag: str, position: int) -> etree._Element:
        """A new child of ``c`` at ``position``, made in ``c``'s document (an
        element made on its own is a document of its own, and moving it in
        costs more than the rest of writing a cell)."""
        el = etree.SubElement(c, self.q(tag))
        if len(c) > position + 1:
            c.insert(position, el)
        return el

    def _release_formula(self, c: etree._Element, f: etree._Element) -> None:
        """Before overwriting a shared formula's master cell, give every cell
        that shares it its own formula (the master holds the text they use)."""
        if f.get("t") != "shared" or f.get("ref") is None or not (f.text or "").strip():
            return
        from openpyxl.formula.translate import Translator

        si = f.get("si")
        origin = c.get("r")
        text = "=" + f.text.strip()
        for other in self.sheet_data.iter(self.q("f")):
            if other is f or other.get("t") != "shared" or other.get("si") != si:
                continue
            owner = other.getparent()
            other.text = Translator(text, origin=origin).translate_formula(owner.get("r"))[1:]
            for attr in ("t", "si", "ref"):
                other.attrib.pop(attr, None)
        self._arrays = None

    # -- column widths
    def set_column_width(self, change: SetColumnWidth) -> None:
        try:
            col = col_index(change.column.strip().upper())
        except (AttributeError, TypeError):
            col = 0
        if not (1 <= col <= MAX_COL) or not change.column.strip().isalpha():
            raise self.error(f"{change.column!r} is not a column like H")
        if not (0 <= change.width <= 255):
            raise self.error(f"column width {change.width} is outside 0-255")
        width = excel_column_width(change.width)
        self._column_styles = None  # the <col> elements may change
        cols = self.root.find(self.q("cols"))
        if cols is None:
            cols = insert_in_order(self.root, etree.Element(self.q("cols")), WORKSHEET_ORDER)
        existing = [el for el in cols.iterfind(self.q("col"))]
        for el in existing:
            lo, hi = int(el.get("min", "0")), int(el.get("max", "0"))
            if not lo <= col <= hi:
                continue
            if _same_number(el.get("width"), width) and el.get("customWidth") in ("1", "true"):
                return
            if change.at_least and _wide_enough(el.get("width"), width):
                return
            target = self._split_col(el, lo, hi, col)
            target.set("width", format_number(width))
            target.set("customWidth", "1")
            self.touch()
            return
        el = etree.Element(self.q("col"))
        el.set("min", str(col))
        el.set("max", str(col))
        el.set("width", format_number(width))
        el.set("customWidth", "1")
        later = [e for e in existing if int(e.get("min", "0")) > col]
        if later:
            later[0].addprevious(el)
        else:
            cols.append(el)
        self.touch()

    @staticmethod
    def _split_col(el: etree._Element, lo: int, hi: int, col: int) -> etree._Element:
        """Cut a <col min..max> range so ``col`` has an element of its own."""
        import copy

        if lo == hi:
            return el
        pieces = []
        if lo < col:
            before = copy.deepcopy(el)
            before.set("min", str(lo))
            before.set("max", str(col - 1))
            pieces.append(before)
        mine = copy.deepcopy(el)
        mine.set("min", str(col))
        mine.set("max", str(col))
        pieces.append(mine)
        if col < hi:
            after = copy.deepcopy(el)
            after.set("min", str(col + 1))
            after.set("max", str(hi))
            pieces.append(after)
        for piece in pieces:
            piece.tail = el.tail
            el.addprevious(piece)
        el.getparent().remove(el)
        return mine

