"""Generate a whole worksheet that kpi-xl owns.

The sheet is written fresh each time from its :class:`~kpi_xl.plan.OwnedSheet`
description. Generation is deterministic, so an unchanged description gives
byte-identical XML and the refresh leaves the part alone.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from lxml import etree

from kpi_xl.errors import WriteError
from kpi_xl.plan import DataValidationList, Hyperlink, OwnedSheet, SetCell, SetColumnWidth, Style
from kpi_xl.xlsx.conditional import ConditionalFormats
from kpi_xl.xlsx.package import MAIN_NS, R_NS
from kpi_xl.xlsx.refs import cell_ref, col_index, normalise_sqref, parse_cell, range_ref
from kpi_xl.xlsx.worksheet import FORMULA_LIKE, WORKSHEET_ORDER, SheetPatcher, format_number
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


def _hyperlinks(patcher: SheetPatcher, links: list[Hyperlink]) -> None:
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
        content = patcher.content(patcher.find_cell(row, col)[1])
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


def build(ctx: "WriteContext", owned: OwnedSheet, name: str, part: str, sheet_id: int) -> SheetPatcher:
    """Generate the sheet into ``part`` and return its patcher (for later
    changes in the same plan)."""
    root = skeleton(owned)
    ctx.pkg.put_xml(part, root)
    patcher = SheetPatcher(ctx, name, part, sheet_id, root)
    if not _fill_empty_sheet(patcher, owned.cells):
        for cell in owned.cells:
            patcher.set_cell(replace(cell, sheet=name))
    for column, width in sorted(owned.column_widths.items(), key=lambda kv: _col_key(kv[0])):
        patcher.set_column_width(SetColumnWidth(name, column, width))
    _hide_columns(patcher, owned.hidden_columns)
    _row_heights(patcher, owned.row_heights)
    formats = ConditionalFormats(patcher)
    for change in owned.conditional_formats:
        formats.apply(replace(change, sheet=name), None)
    _hyperlinks(patcher, owned.hyperlinks)
    _validations(patcher, owned.validations)
    if owned.charts:
        from kpi_xl.xlsx.charts import add_charts

        add_charts(ctx, patcher, owned.charts)
    extent = patcher._extent
    root.find(_q("dimension")).set("ref", range_ref(*extent) if extent else "A1")
    patcher._extent = None
    ctx.pkg.put_xml(part, root)
    return patcher


def _fill_empty_sheet(patcher: SheetPatcher, cells: list[SetCell]) -> bool:
    """Write ``cells`` into the patcher's empty sheet at once: the XML
    :meth:`SheetPatcher.set_cell` would make cell by cell, without looking
    each cell up among those already written (that made an owned sheet cost
    more than the rest of the refresh). False, and nothing written, when two
    cells name the same place: then the cell-by-cell path decides.

    Contents, shared strings and formats are taken in the cells' order (so
    string and format indices come out as they did); rows and cells are then
    put in row and column order.
    """
    places = []
    for cell in cells:
        row, col = parse_cell(cell.cell)
        places.append((row, col))
    if len(set(places)) != len(places):
        return False
    rows: dict[int, etree._Element] = {}
    for cell, (row, col) in zip(cells, places):
        row_el = rows.get(row)
        if row_el is None and not _makes_cell(patcher, cell, cell_ref(row, col)):
            continue
        if row_el is None:
            row_el = rows[row] = etree.SubElement(patcher.sheet_data, patcher.q("row"))
            row_el.set("r", str(row))
        if _new_cell(patcher, row_el, cell, cell_ref(row, col)) is not None:
            patcher._grow_extent(row, col)
    _sort_rows_and_cells(patcher, rows)
    return True


def _cell_style(patcher: SheetPatcher, change: SetCell, wanted) -> int:
    """The format of a new cell on an empty sheet (whose base format is 0)."""
    quote = wanted.kind == "text" and wanted.value.startswith(FORMULA_LIKE)
    if change.style is None and not quote:
        return 0
    return patcher.ctx.styles.derive_xf(0, change.style or Style(), quote_prefix=quote)


def _makes_cell(patcher: SheetPatcher, change: SetCell, ref: str) -> bool:
    """Whether ``change`` makes a cell at all (a blank one only with a format)."""
    wanted = patcher.wanted(change, ref)
    return wanted.kind != "blank" or bool(_cell_style(patcher, change, wanted))


def _new_cell(patcher: SheetPatcher, row_el: etree._Element, change: SetCell, ref: str
              ) -> etree._Element | None:
    """The <c> element ``change`` makes in ``row_el``, or None when it makes none."""
    wanted = patcher.wanted(change, ref)
    style = _cell_style(patcher, change, wanted)
    if wanted.kind == "blank" and not style:
        return None
    c = etree.SubElement(row_el, patcher.q("c"))
    c.set("r", ref)
    if wanted.kind != "blank":
        patcher.put_content(c, wanted)
    if style:
        c.set("s", str(style))
    return c


def _sort_rows_and_cells(patcher: SheetPatcher, rows: dict[int, etree._Element]) -> None:
    """Rows in row order and each row's cells in column order, as the schema
    wants (the cells were made in the plan's order)."""
    if not rows:
        return
    for row_el in rows.values():
        cols = [parse_cell(c.get("r"))[1] for c in row_el]
        if cols != sorted(cols):
            row_el[:] = [c for _, c in sorted(zip(cols, row_el), key=lambda pair: pair[0])]
    if list(rows) != sorted(rows):
        patcher.sheet_data[:] = [rows[number] for number in sorted(rows)]
    patcher.touch()


def _hide_columns(patcher: SheetPatcher, columns: tuple[str, ...]) -> None:
    for column in columns:
        patcher.set_column_width(SetColumnWidth(patcher.name, column, 0))
        col = str(col_index(column.strip().upper()))
        for el in patcher.root.find(_q("cols")).iterfind(_q("col")):
            if el.get("min") == col and el.get("max") == col:
                el.set("hidden", "1")


def _row_heights(patcher: SheetPatcher, heights: dict[int, float]) -> None:
    """Rows as tall as their wrapped text (rows without cells are left alone)."""
    for row, points in sorted(heights.items()):
        row_el = patcher.find_cell(row, 1)[0]
        if row_el is None or points <= 0:
            continue
        row_el.set("ht", format_number(round(min(points, 409.0), 2)))
        row_el.set("customHeight", "1")


def _col_key(column: str) -> tuple[int, str]:
    return (len(column.strip()), column.strip().upper())


def check_owned(owned: OwnedSheet) -> None:
    if not owned.role or not owned.role.strip():
        raise WriteError(f"owned sheet {owned.name!r} needs a role")
