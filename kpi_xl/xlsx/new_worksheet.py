"""Generate a whole worksheet that kpi-xl owns.

The sheet is written fresh each time from its :class:`~kpi_xl.plan.OwnedSheet`
description. Generation is deterministic, so an unchanged description gives
byte-identical XML and the refresh leaves the part alone.
"""
from __future__ import annotations

from collections import namedtuple
from dataclasses import replace
from itertools import chain, compress, islice, repeat
from math import isfinite
from operator import and_, lshift, lt, ne, or_, rshift
from typing import TYPE_CHECKING

from lxml import etree

from kpi_xl.errors import WriteError
from kpi_xl.plan import (DataValidationList, Hyperlink, OwnedSheet, SetCell, SetColumnWidth, SheetCells, Style,
                         merge_styles)
from kpi_xl.xlsx.conditional import ConditionalFormats
from kpi_xl.xlsx.package import MAIN_NS, NOT_XML, R_NS, Made
from kpi_xl.xlsx.refs import (MAX_COL, MAX_ROW, cell_position, cell_ref, col_index, col_letters,
                             normalise_sqref, parse_cell, range_ref)
from kpi_xl.xlsx.shared_strings import escape_text, needs_preserve, string_xml
from kpi_xl.xlsx.worksheet import FORMULA_LIKE, MAX_TEXT, WORKSHEET_ORDER, Content, SheetPatcher, format_number
from kpi_xl.xlsx.styles import argb
from kpi_xl.xlsx.xmlutil import insert_in_order

if TYPE_CHECKING:  # pragma: no cover
    from kpi_xl.xlsx.writer import WriteContext

MAX_LIST_FORMULA = 255


def _q(name: str) -> str:
    return f"{{{MAIN_NS}}}{name}"


def skeleton(owned: OwnedSheet) -> etree._Element:
    """An empty worksheet with the sheet-level settings of ``owned``."""
    root = etree.Element(_q("worksheet"), nsmap={None: MAIN_NS, "r": R_NS})
    if owned.tab_color or owned.landscape:
        pr = etree.SubElement(root, _q("sheetPr"))
        if owned.tab_color:
            etree.SubElement(pr, _q("tabColor")).set("rgb", argb(owned.tab_color))
        if owned.landscape:
            etree.SubElement(pr, _q("pageSetUpPr")).set("fitToPage", "1")
    etree.SubElement(root, _q("dimension")).set("ref", "A1")
    views = etree.SubElement(root, _q("sheetViews"))
    view = etree.SubElement(views, _q("sheetView"))
    view.set("workbookViewId", "0")
    if owned.freeze:
        _freeze(view, owned.freeze)
    etree.SubElement(root, _q("sheetFormatPr")).set("defaultRowHeight", "15")
    etree.SubElement(root, _q("sheetData"))
    margins = etree.SubElement(root, _q("pageMargins"))
    for key, value in (("left", "0.7"), ("right", "0.7"), ("top", "0.75"), ("bottom", "0.75"),
                       ("header", "0.3"), ("footer", "0.3")):
        margins.set(key, value)
    if owned.landscape:
        setup = etree.SubElement(root, _q("pageSetup"))
        for key, value in (("paperSize", "9"), ("fitToHeight", "0"), ("orientation", "landscape")):
            setup.set(key, value)  # A4; fitToWidth defaults to 1
    return root


def _freeze(view: etree._Element, top_left: str) -> None:
    """Freeze the rows above and the columns left of ``top_left``."""
    row, col = parse_cell(top_left)
    ref = cell_ref(row, col)
    x_split, y_split = col - 1, row - 1
    if not x_split and not y_split:
        return
    pane = etree.SubElement(view, _q("pane"))
    if x_split:
        pane.set("xSplit", str(x_split))
    if y_split:
        pane.set("ySplit", str(y_split))
    pane.set("topLeftCell", ref)
    if x_split and y_split:
        active, panes = "bottomRight", ("topRight", "bottomLeft", "bottomRight")
    elif y_split:
        active, panes = "bottomLeft", ("bottomLeft",)
    else:
        active, panes = "topRight", ("topRight",)
    pane.set("activePane", active)
    pane.set("state", "frozen")
    for name in panes:
        sel = etree.SubElement(view, _q("selection"))
        sel.set("pane", name)
        if name == active:
            sel.set("activeCell", ref)
            sel.set("sqref", ref)


def _hyperlinks(patcher: SheetPatcher, links: list[Hyperlink], cells: "_Cells") -> None:
    if not links:
        return
    container = insert_in_order(patcher.root, etree.Element(_q("hyperlinks")), WORKSHEET_ORDER)
    for link in links:
        row, col = parse_cell(link.cell)
        el = etree.SubElement(container, _q("hyperlink"))
        el.set("ref", cell_ref(row, col))
        location = link.target.strip().lstrip("#")
        if not location:
            raise patcher.error("a hyperlink needs a target like 'Dashboard'!G5", link.cell)
        el.set("location", location)
        if link.tooltip:
            el.set("tooltip", link.tooltip)
        content = cells.content(row, col)
        if content.kind == "text" and content.value:
            el.set("display", content.value)


def _validations(patcher: SheetPatcher, items: list[DataValidationList]) -> None:
    if not items:
        return
    container = insert_in_order(patcher.root, etree.Element(_q("dataValidations")), WORKSHEET_ORDER)
    container.set("count", str(len(items)))
    for item in items:
        for choice in item.choices:
            if "," in choice or '"' in choice:
                raise patcher.error(f"drop-down choice {choice!r} contains a comma or a quote, "
                                    "which an Excel list cannot hold", item.range)
        formula = '"' + ",".join(item.choices) + '"'
        if len(formula) > MAX_LIST_FORMULA or not item.choices:
            raise patcher.error("drop-down choices must be 1 to 253 characters in all (Excel's limit)",
                                item.range)
        el = etree.SubElement(container, _q("dataValidation"))
        el.set("type", "list")
        el.set("allowBlank", "1")
        el.set("showInputMessage", "1")
        el.set("showErrorMessage", "1")
        if item.prompt:
            el.set("prompt", item.prompt[:255])
        el.set("sqref", normalise_sqref(item.range))
        etree.SubElement(el, _q("formula1")).text = formula


def coalesced(cells: SheetCells) -> SheetCells:
    """What :func:`kpi_xl.xlsx.writer.coalesce_cells` makes of the SetCells
    ``cells`` stand for: one cell a place, holding the last one's content
    and the styles of all of them merged (later attributes win), at the
    place of the last one. ``cells`` itself when each place is set once
    (the common case). A place is the SetCell's sheet and reference as
    written (without $, upper case), so "B02" is not "B2"."""
    if cells.appended.count(None) == len(cells.appended):  # all put by number: keyed in C
        keys = list(map(or_, map(lshift, cells.rows, repeat(_COL_BITS)), cells.columns))
    else:
        keys = [_text_key(cell) if cell is not None else row << _COL_BITS | col
                for row, col, cell in zip(cells.rows, cells.columns, cells.appended)]
    if len(set(keys)) == len(keys):
        return cells
    last: dict = {}
    merged: dict = {}
    for i, (key, style) in enumerate(zip(keys, cells.styles)):
        merged[key] = merge_styles(merged.get(key), style)
        last[key] = i
    kept = []
    for i, (key, entry) in enumerate(zip(keys, cells.entries())):
        if last[key] != i:
            continue
        style = merged[key]
        if style is not entry[4]:
            row, col, value, formula, _, cell = entry
            cell = replace(cell, style=style) if cell is not None else None
            entry = (row, col, value, formula, style, cell)
        kept.append(entry)
    return SheetCells.of_entries(kept)


# A place of an owned sheet as one number, row then column: sorting places
# sorts rows, then the cells of a row (a column is at most 16,384 < 2**15).
_COL_BITS = 15
_COL_MASK = (1 << _COL_BITS) - 1


def _text_key(cell: SetCell):
    """The place of an appended SetCell as :func:`coalesced` compares it: as
    a cell put by number when its reference is written as one would be."""
    text = cell.cell.replace("$", "").upper()
    sheet = cell.sheet.casefold()
    if not sheet:
        try:
            row, col = cell_position(text)
        except ValueError:
            return sheet, text
        if cell_ref(row, col) == text:
            return row << _COL_BITS | col
    return sheet, text


def build(ctx: "WriteContext", owned: OwnedSheet, name: str, part: str, sheet_id: int) -> SheetPatcher:
    """Generate the sheet into ``part`` and return its patcher.

    The sheet's rows are written as XML text (:class:`_Cells`), everything
    else as a tree of the sheet without its rows, into which the rows are
    spliced: an owned sheet holds a cell for each indicator and column, and
    making each as an element cost more than the rest of the refresh. The
    returned patcher's tree holds no rows (``rows_as_text``): a later change
    in the same plan works on the part parsed again
    (:meth:`kpi_xl.xlsx.writer.WriteContext.patcher`)."""
    root = skeleton(owned)
    ctx.pkg.put_xml(part, root)
    patcher = SheetPatcher(ctx, name, part, sheet_id, root)
    cells = _Cells(patcher, owned.cells)
    cells.put_all()
    for column, width in sorted(owned.column_widths.items(), key=lambda kv: _col_key(kv[0])):
        patcher.set_column_width(SetColumnWidth(name, column, width))
    _hide_columns(patcher, owned.hidden_columns)
    formats = ConditionalFormats(patcher)
    for change in owned.conditional_formats:
        formats.apply(replace(change, sheet=name), None)
    _hyperlinks(patcher, owned.hyperlinks, cells)
    _validations(patcher, owned.validations)
    if owned.charts:
        from kpi_xl.xlsx.charts import add_charts

        add_charts(ctx, patcher, owned.charts)
    places, texts = cells.placed()
    extent = _extent(places)
    root.find(_q("dimension")).set("ref", range_ref(*extent) if extent else "A1")
    ctx.pkg.put_xml(part, root)
    rows = _rows_xml(places, texts, owned.row_heights)
    ctx.pkg.put_bytes(part, _with_rows(ctx.pkg.final_bytes(part), rows.encode("utf-8"), cells.styles_used()))
    patcher.values_changed = cells.values_changed
    patcher.rows_as_text = True
    return patcher


def _with_rows(tree: bytes, rows: bytes, styles: frozenset[int]) -> "Made | bytes":
    """The sheet's part: the serialised tree with the rows text in its empty
    <sheetData/>, as :class:`~kpi_xl.xlsx.package.Made` with where the rows
    are. The rows are well formed by construction: every <row> and <c> is
    closed where it is opened, and what they hold is numbers, indices or
    text escaped by string_xml or _element_text (which leaves lxml to refuse
    a character XML cannot hold); ``styles``: every s= the cells may carry."""
    at = tree.find(b"<sheetData/>")
    if not rows or at < 0:
        return tree
    start = at + len(b"<sheetData>")
    data = b"".join((tree[:at], b"<sheetData>", rows, b"</sheetData>", tree[at + len(b"<sheetData/>"):]))
    return Made(data, (start, start + len(rows)), styles)


def _extent(places: list[int]) -> tuple[int, int, int, int] | None:
    """(first row, first column, last row, last column) of the sorted places."""
    if not places:
        return None
    return (places[0] >> _COL_BITS, min(map(and_, places, repeat(_COL_MASK))),
            places[-1] >> _COL_BITS, max(map(and_, places, repeat(_COL_MASK))))


# What SheetPatcher.wanted reads of a change (a SetCell is made only for
# the rare cell that is neither text, blank nor a plain number).
_Change = namedtuple("_Change", "value formula style")
_MISSING = object()


class _Cells:
    """The cells of a new sheet, each kept as the XML text of its <c>: what
    :meth:`SheetPatcher.set_cell` would make on the empty sheet, in its
    document, for the same changes in the same order (so shared-string and
    format indices come out as they did). A cell written twice is decided
    as ``set_cell`` decides it: the later content unless the same, the
    later style derived over the earlier one.

    What a cell holds is kept by the index of the change that made it, in
    lists beside the :class:`SheetCells`' own: ``places`` (each change's
    place, see _COL_BITS) and ``tails`` (the <c> text after its r= of the
    cell the change made; None when it made none, or changed the cell of an
    earlier change), not as objects: a sheet holds hundreds of thousands of
    cells, and objects that many made the garbage collector walk the heap
    again and again; the rare cell asked for again (a second change, a
    hyperlink) is worked out again from its change. The changes go through
    in runs between those to a place an earlier one had (usually one run),
    so the common change is not looked up among the others."""

    def __init__(self, patcher: SheetPatcher, cells: SheetCells):
        self.patcher = patcher
        self.cells = cells
        self.places: list[int] = []
        self.tails: list[str | None] = []
        self.decided: dict[int, tuple[Content, int, bool]] = {}  # place -> (content, format, s= first)
        self.values_changed = False
        self._made_by: dict[int, int] = {}  # place -> the change that made its cell, of the first _made_upto
        self._made_upto = 0
        self._styles: dict[tuple[int, int, bool], int] = {}
        # (text or None, id of the Style) -> what _first makes of it: a sheet
        # repeats its texts (categories, headings, ratings) and blanks
        self._made: dict[tuple, tuple[Content, int, str] | None] = {}
        # id of the Style -> (format, s= attribute) of a number in a new cell
        self._number_format: dict[int, tuple[int, str]] = {}

    def put_all(self) -> None:
        """The cells of the sheet's :class:`SheetCells`, in their order."""
        places = self.places = _places(self.cells)
        start = 0
        for again in _repeats(places):
            self._put_run(start, again)
            self._put_again(again)
            start = again + 1
        self._put_run(start, len(places))
        if len(places) < len(self.cells):
            self._refuse(len(places))

    def _put_run(self, start: int, stop: int) -> None:
        """Changes ``start`` to ``stop``, none of them to a place an earlier change had."""
        cells = self.cells
        add, made_for, number_format = self.tails.append, self._made, self._number_format
        changed = False
        for i, value, formula, style in zip(range(start, stop), cells.values[start:stop],
                                            cells.formulas[start:stop], cells.styles[start:stop]):
            kind = type(value)
            if formula is None and (kind is int or kind is float and isfinite(value)):
                found = number_format.get(id(style))
                if found is None:
                    found = number_format[id(style)] = self._number_style(style)
                add(f"{found[1]}><v>{format_number(value)}</v></c>")
                changed = True
                continue
            if formula is None and (value is None or kind is str):
                key = (value, id(style))  # the Style objects live as long as the cells
                made = made_for.get(key, _MISSING)
                if made is _MISSING:
                    made = made_for[key] = (self._first_text(value, style) if kind is str and len(value) <= MAX_TEXT
                                            else self._first(self._change(i), self._ref(i)))
            else:
                made = self._first(self._change(i), self._ref(i))
            if made is None:
                add(None)
            else:
                add(made[2])
                changed = changed or made[0].kind != "blank"
        self.values_changed = self.values_changed or changed

    def _put_again(self, i: int) -> None:
        """Change ``i``, to a place an earlier change had: to the cell one of
        them made, or as a first one when none made a cell."""
        place = self.places[i]
        maker = self._maker(place)
        if maker is None:
            self._put_run(i, i + 1)
            return
        self.tails.append(None)
        self._again(place, maker, self._ref(i), self._change(i))

    def _change(self, i: int):
        cells = self.cells
        return cells.appended[i] or _Change(cells.values[i], cells.formulas[i], cells.styles[i])

    def _ref(self, i: int) -> str:
        place = self.places[i]
        return cell_ref(place >> _COL_BITS, place & _COL_MASK)

    def _refuse(self, i: int) -> None:
        """Refuse change ``i``'s reference, as parse_cell refuses it."""
        cells = self.cells
        row, col, cell = cells.rows[i], cells.columns[i], cells.appended[i]
        parse_cell(cell.cell if row is None else cell_ref(row, col))

    def _maker(self, place: int) -> int | None:
        """The index of the change that made the cell at ``place`` (None: no cell there)."""
        tails, upto = self.tails, self._made_upto
        self._made_by.update(compress(zip(self.places[upto:], range(upto, len(tails))), tails[upto:]))
        self._made_upto = len(tails)
        return self._made_by.get(place)

    def styles_used(self) -> frozenset[int]:
        """Every format index a cell's s= may say (each one a cell was given
        went through :meth:`_style`; 0 is written as no s=)."""
        return frozenset(self._styles.values())

    def _number_style(self, style: Style | None) -> tuple[int, str]:
        index = self._style(0, style, False) if style is not None else 0
        return index, f' s="{index}"' if index else ""

    def _first(self, change, ref: str) -> tuple[Content, int, str] | None:
        """(content, format, the <c> text after its r=) of a change to an empty
        place; None when it makes no cell (a blank without a format)."""
        return self._empty_place(self.patcher.wanted(change, ref), change.style)

    def _first_text(self, text: str, style: Style | None) -> tuple[Content, int, str]:
        """:meth:`_first` of a text constant (no formula, within Excel's
        length): what SheetPatcher.wanted makes of it is the text itself,
        so it is not asked (tens of thousands of texts a sheet)."""
        return self._empty_place(Content("text", text), style)

    def _empty_place(self, wanted: Content, style: Style | None) -> tuple[Content, int, str] | None:
        """(content, format, the <c> text after its r=) of ``wanted`` with
        ``style`` in an empty place; None for a blank without a format."""
        quote = wanted.kind == "text" and wanted.value.startswith(FORMULA_LIKE)
        index = self._style(0, style, quote) if style is not None or quote else 0
        return None if wanted.kind == "blank" and not index else (wanted, index, self._tail(wanted, index))

    def _state(self, place: int, maker: int, ref: str) -> tuple[Content, int, bool]:
        """(content, format, whether s= comes before t=) of the cell at
        ``place``, which change ``maker`` made."""
        found = self.decided.get(place)
        if found is not None:
            return found
        change = self._change(maker)
        kind = type(change.value)
        if change.formula is None and (kind is int or kind is float and isfinite(change.value)):
            return Content("number", change.value), self._number_format[id(change.style)][0], False
        content, index, _ = self._first(change, ref)  # as it was made
        return content, index, False

    def _again(self, place: int, maker: int, ref: str, change) -> None:
        """A second change to the cell change ``maker`` made, as
        :meth:`SheetPatcher.set_cell` makes it."""
        wanted = self.patcher.wanted(change, ref)
        content, base, s_first = self._state(place, maker, ref)
        same = SheetPatcher.same(content, wanted)
        quote = wanted.kind == "text" and wanted.value.startswith(FORMULA_LIKE) and not same
        style = self._style(base, change.style, quote) if change.style is not None or quote else base
        if same and style == base:
            return  # nothing new for the cell
        if not same:
            content = wanted
            self.values_changed = True
        # Rewriting a formatted cell's content sets t= again, after s=.
        s_first = bool(base) and (s_first if same else True)
        self.decided[place] = (content, style, s_first)
        self.tails[maker] = self._tail(content, style, s_first)

    def _style(self, base: int, style: Style | None, quote: bool) -> int:
        # Keyed by the Style object: a planner passes the same few many times.
        key = (base, id(style), quote)
        index = self._styles.get(key)
        if index is None:
            index = self._styles[key] = self.patcher.ctx.styles.derive_xf(base, style or Style(),
                                                                           quote_prefix=quote)
        return index

    def _tail(self, content: Content, style: int, s_first: bool = False) -> str:
        """The <c> element ``content`` makes after its r=, as
        :meth:`SheetPatcher.put_content` writes it: t=, then s= (``s_first``:
        s= before t=), then the children."""
        t, inner = self._typed(content)
        s = f' s="{style}"' if style else ""
        attributes = s + t if s_first else t + s
        return f"{attributes}>{inner}</c>" if inner else f"{attributes}/>"

    def _typed(self, content: Content) -> tuple[str, str]:
        """(t= attribute, children) of a cell holding ``content``."""
        kind = content.kind
        if kind == "blank":
            return "", ""
        if kind == "formula":
            cached = content.value
            formula = f"<f>{_element_text(content.formula)}</f>"
            if cached.kind == "blank":
                return "", formula
            return _TYPE["str" if cached.kind == "text" else cached.kind], f"{formula}<v>{_value(cached)}</v>"
        if kind == "text":
            return self._text(content.value)
        return _TYPE[kind], f"<v>{_value(content)}</v>"

    def _text(self, text: str) -> tuple[str, str]:
        """(t=, children) of a text cell: a shared string where the workbook
        has a table, else the text inline."""
        strings = self.patcher.ctx.strings
        if strings.takes_new:
            return ' t="s"', f"<v>{strings.index(text)}</v>"
        space = ' xml:space="preserve"' if needs_preserve(text) else ""
        return ' t="inlineStr"', f"<is><t{space}>{string_xml(text)}</t></is>"

    def content(self, row: int, col: int) -> Content:
        place = row << _COL_BITS | col
        maker = self._maker(place)
        return Content("blank") if maker is None else self._state(place, maker, cell_ref(row, col))[0]

    def placed(self) -> tuple[list[int], list[str]]:
        """The places of the cells, sorted, and the <c> text of each."""
        places, tails = list(compress(self.places, self.tails)), list(compress(self.tails, self.tails))
        if not all(map(lt, places, islice(places, 1, None))):
            order = sorted(range(len(places)), key=places.__getitem__)  # a place has one cell
            places, tails = list(map(places.__getitem__, order)), list(map(tails.__getitem__, order))
        # Each column's letters looked up once, not once a cell.
        letters = list(map(col_letters, range(max(map(and_, places, repeat(_COL_MASK)), default=0) + 1)))
        return places, [f'<c r="{letters[place & _COL_MASK]}{place >> _COL_BITS}"{tail}'
                        for place, tail in zip(places, tails)]


def _places(cells: SheetCells) -> list[int]:
    """The place of each cell, up to the first whose reference is refused
    (:meth:`_Cells.put_all` refuses it in its turn). Cells put by number
    are checked all at once: they are inside the sheet but for a planner's
    mistake."""
    rows, cols = cells.rows, cells.columns
    if rows and not rows.count(None) and 0 < min(rows) and max(rows) <= MAX_ROW \
            and 0 < min(cols) and max(cols) <= MAX_COL:
        return list(map(or_, map(lshift, rows, repeat(_COL_BITS)), cols))
    places = []
    for row, col, cell in zip(rows, cols, cells.appended):
        if row is None:
            try:
                row, col = parse_cell(cell.cell)
            except WriteError:
                break
        elif not (0 < row <= MAX_ROW and 0 < col <= MAX_COL):
            break
        places.append(row << _COL_BITS | col)
    return places


def _repeats(places: list[int]) -> list[int]:
    """The indices of the places an earlier index has, in order (nearly
    always none, which one set says)."""
    if len(set(places)) == len(places):
        return []
    seen: set[int] = set()
    repeats = []
    for i, place in enumerate(places):
        if place in seen:
            repeats.append(i)
        seen.add(place)
    return repeats


def _rows_xml(places: list[int], cells: list[str], heights: dict[int, float]) -> str:
    """The rows in row order, each with its cells in column order (as the
    schema wants); a row with cells as tall as ``heights`` says.
    ``places``: the places of the cells, sorted; ``cells``: their <c> texts."""
    if not places:
        return ""
    rows = list(map(rshift, places, repeat(_COL_BITS)))
    out = cells[:]
    for n, start in enumerate(chain((0,), compress(range(1, len(rows)), map(ne, islice(rows, 1, None), rows)))):
        row = rows[start]
        points = heights.get(row, 0)
        tall = f' ht="{format_number(round(min(points, 409.0), 2))}" customHeight="1"' if points > 0 else ""
        out[start] = f'{"</row>" if n else ""}<row r="{row}"{tall}>{out[start]}'
    out.append("</row>")
    return "".join(out)


# t= of a cell by what its <v> holds (numbers need none).
_TYPE = {"number": "", "bool": ' t="b"', "error": ' t="e"', "str": ' t="str"'}


def _element_text(text: str) -> str:
    """``text`` as element text, escaped as lxml writes it (and refused as
    lxml refuses it): text holding a character XML cannot hold goes
    through lxml, which says so."""
    if NOT_XML.search(text):
        el = etree.Element("t")
        el.text = text
        return etree.tostring(el, encoding="unicode")[3:-4]
    return escape_text(text)


def _value(content: Content) -> str:
    """What the <v> of a cell holding ``content`` (not text: see _Cells._text) says."""
    if content.kind == "number":
        return format_number(content.value)
    if content.kind == "bool":
        return "1" if content.value else "0"
    return _element_text(content.value)
def _hide_columns(patcher: SheetPatcher, columns: tuple[str, ...]) -> None:
    for column in columns:
        patcher.set_column_width(SetColumnWidth(patcher.name, column, 0))
        col = str(col_index(column.strip().upper()))
        for el in patcher.root.find(_q("cols")).iterfind(_q("col")):
            if el.get("min") == col and el.get("max") == col:
                el.set("hidden", "1")


def _col_key(column: str) -> tuple[int, str]:
    return (len(column.strip()), column.strip().upper())


def check_owned(owned: OwnedSheet) -> None:
    if not owned.role or not owned.role.strip():
        raise WriteError(f"owned sheet {owned.name!r} needs a role")
