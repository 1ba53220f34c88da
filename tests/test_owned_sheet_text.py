"""The owned sheets written as text are the sheets the element-by-element
build made: every part of the written workbook is byte for byte the same.

The reference builder below (``tree_build`` and the helpers after it) is
kpi-xl's earlier writer, kept verbatim: each cell made as an element by
:class:`~kpi_xl.xlsx.worksheet.SheetPatcher` (``put_content``, and
``set_cell`` when two cells name one place), then serialised.
"""
from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from kpi_xl.errors import WriteError
from kpi_xl.plan import (AddConditionalFormat, CFRule, DataValidationList, Hyperlink, LineChart, ChartSeries,
                         OwnedSheet, Plan, SetCell, SetColumnWidth, Style)
from kpi_xl.xlsx import new_worksheet
from kpi_xl.xlsx.conditional import ConditionalFormats
from kpi_xl.xlsx.new_worksheet import _col_key, _hide_columns, _q, _validations, skeleton
from kpi_xl.xlsx.refs import cell_ref, parse_cell, range_ref
from kpi_xl.xlsx.worksheet import FORMULA_LIKE, WORKSHEET_ORDER, SheetPatcher, format_number
from kpi_xl.xlsx.writer import WriteContext, apply_plan
from kpi_xl.xlsx.xmlutil import insert_in_order
from tests.test_xlsx_support import build_package, sheet_xml


# ------------------------------------------------ the earlier writer, verbatim

def tree_build(ctx: WriteContext, owned: OwnedSheet, name: str, part: str, sheet_id: int) -> SheetPatcher:
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
    _tree_hyperlinks(patcher, owned.hyperlinks)
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


def _tree_hyperlinks(patcher: SheetPatcher, links: list[Hyperlink]) -> None:
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



def _row_heights(patcher: SheetPatcher, heights: dict[int, float]) -> None:
    """Rows as tall as their wrapped text (rows without cells are left alone)."""
    for row, points in sorted(heights.items()):
        row_el = patcher.find_cell(row, 1)[0]
        if row_el is None or points <= 0:
            continue
        row_el.set("ht", format_number(round(min(points, 409.0), 2)))
        row_el.set("customHeight", "1")


# ------------------------------------------------------------------ the tests

def book(folder: Path, shared: bool) -> Path:
    body = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>' if shared else \
        '<row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c></row>'
    return build_package(folder / "book.xlsx", {"Data": sheet_xml(body)},
                         shared_strings=["ID", "Kept"] if shared else None)


def written(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def both_ways(folder: Path, plan: Plan, monkeypatch, *, shared: bool = True, again: bool = True
              ) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The workbook written from ``plan`` by the text path and by the tree
    path (and, with ``again``, refreshed a second time over itself)."""
    out = {}
    for way in ("text", "tree"):
        where = folder / way
        where.mkdir()
        path = book(where, shared)
        with monkeypatch.context() as m:
            if way == "tree":
                m.setattr(new_worksheet, "build", tree_build)
            apply_plan(path, plan, backup="none")
            if again:
                apply_plan(path, plan, backup="none")
        out[way] = written(path)
    return out["text"], out["tree"]


BODY = Style(wrap=True, vertical="top", border="thin")
NUMBER = Style(number_format="0.0%", border="thin")
ODD_TEXTS = ["=1+1", "+44 1632", "-minus", "@at", " leading", "trailing ", "two\nlines", "cr\rhere",
             "tab\there", "_x0041_ literal", "ctrl\x01\x1f", "&<>\"'", "é ü 😀 \u2028", "\x7f\x85",
             "x" * 32_767, "", "  "]


def every_kind() -> OwnedSheet:
    sheet = OwnedSheet(role="every", name="Every kind", freeze="B4", tab_color="1F4E78", landscape=True,
                       print_title_rows="3:3", hidden_columns=("H",))
    cells = sheet.cells
    cells.append(SetCell("", "A1", "Title", style=Style(bold=True, font_size=14)))
    cells.append(SetCell("", "C3", 12))  # a row before the first one written, columns out of order
    cells.append(SetCell("", "B3", 1.5, style=NUMBER))
    cells.append(SetCell("", "A3", True))
    cells.append(SetCell("", "D3", False, style=BODY))
    for row, text in enumerate(ODD_TEXTS, start=5):
        cells.append(SetCell("", f"A{row}", text, style=BODY if row % 2 else None))
        cells.append(SetCell("", f"B{row}", None, style=BODY))  # blank with a format
        cells.append(SetCell("", f"C{row}", None))  # blank: no cell
        cells.append(SetCell("", f"D{row}", row * 1000.25, style=NUMBER))
    cells.append(SetCell("", "E5", 7, formula="=SUM(D5:D6)"))
    cells.append(SetCell("", "E6", "cached text", formula="A5&\"x<y\""))
    cells.append(SetCell("", "E7", "#N/A", formula="NA()"))
    cells.append(SetCell("", "E8", True, formula="1=1", style=BODY))
    cells.append(SetCell("", "E9", None, formula="  =TODAY() "))
    cells.append(SetCell("", "E10", "=not a formula", style=BODY))
    cells.append(SetCell("", "$F$11", "absolute ref"))
    cells.append(SetCell("", "f12", "lower-case ref"))
    cells.append(SetCell("", "G40", 3, style=Style(fill="FFC7CE")))
    cells.append(SetCell("", "H5", "hidden key", style=Style(vertical="top")))
    cells.append(SetCell("", "A2", None, style=Style(italic=True)))  # a row holding only a formatted blank
    cells.append(SetCell("", "A4", None))  # a row with no cell at all
    sheet.column_widths.update({"A": 30, "B": 10, "AA": 5, "C": 8.5, "H": 12})
    sheet.row_heights.update({1: 20.0, 4: 30.0, 5: 500.0, 6: 0.0, 7: 18.333333, 39: 45.0})
    sheet.hyperlinks.extend([Hyperlink("A5", "'Data'!A1", tooltip="Go"), Hyperlink("D5", "#Data!B2"),
                             Hyperlink("B6", "Data!C3"), Hyperlink("$A$7", "Data!A1")])
    sheet.validations.append(DataValidationList("F5:F20", ("One", "Two"), prompt="Choose"))
    sheet.conditional_formats.append(AddConditionalFormat("", "D5:D20", (
        CFRule("cellIs", "1000", operator="greaterThan", style=Style(fill="FFEB9C")),)))
    return sheet


@pytest.mark.parametrize("shared", [True, False], ids=["shared strings", "inline strings"])
def test_every_kind_of_cell_as_the_tree_wrote_it(tmp_path, monkeypatch, shared):
    text, tree = both_ways(tmp_path, Plan(sheets=[every_kind()]), monkeypatch, shared=shared)
    assert text.keys() == tree.keys()
    for name in tree:
        assert text[name] == tree[name], name


def test_a_cell_written_twice_as_set_cell_decides(tmp_path, monkeypatch):
    sheet = OwnedSheet(role="twice", name="Twice")
    sheet.cells.extend([
        SetCell("", "A1", "first", style=BODY), SetCell("", " A1", "second", style=NUMBER),
        SetCell("", "B2", 5), SetCell("", "B02", 5.0, style=BODY),  # same number: style only
        SetCell("", "C3", "text", style=BODY), SetCell("", "c3", None),  # blank over text
        SetCell("", "D4", "=x"), SetCell("", "$D4", "=x"),  # same quote-prefixed text
        SetCell("", "E5", None, style=BODY), SetCell("", "E05", None),
        SetCell("", "F6", 1, formula="1"), SetCell("", "F06", 1, formula="=1", style=NUMBER),
        SetCell("", "G7", None), SetCell("", "G07", "over no cell"), SetCell("", "$G7", 7),  # the second makes it
        SetCell("", "H8", 2.5, style=BODY), SetCell("", "H08", "text over a number"),
    ])
    # (not refreshed again: the signature does not know ' A1', so the sheet is refused)
    text, tree = both_ways(tmp_path, Plan(sheets=[sheet]), monkeypatch, again=False)
    assert text == tree


def test_a_later_change_to_an_owned_sheet_sees_its_rows(tmp_path, monkeypatch):
    sheet = OwnedSheet(role="later", name="Later")
    sheet.cells.extend([SetCell("", "A1", "kept"), SetCell("", "B2", 2, style=BODY)])
    plan = Plan(sheets=[sheet], changes=[SetCell("Later", "B2", 3), SetCell("Later", "C3", "new"),
                                         SetColumnWidth("Later", "C", 20)])
    text, tree = both_ways(tmp_path, plan, monkeypatch, again=False)
    assert text == tree


def test_an_empty_sheet_and_one_with_a_chart(tmp_path, monkeypatch):
    empty = OwnedSheet(role="empty", name="Empty")
    charted = OwnedSheet(role="charted", name="Charted")
    charted.cells.extend([SetCell("", "A1", "Year"), SetCell("", "B1", "Value"), SetCell("", "A2", "2024"),
                          SetCell("", "B2", 4), SetCell("", "A3", "2025"), SetCell("", "B3", 6)])
    charted.charts.append(LineChart("A chart", "D2", "Charted!$A$2:$A$3",
                                    (ChartSeries("Value", "Charted!$B$2:$B$3"),)))
    text, tree = both_ways(tmp_path, Plan(sheets=[empty, charted]), monkeypatch)
    assert text == tree


def test_the_same_refusals(tmp_path):
    path = book(tmp_path, True)
    for value, formula in (("x" * 32_768, None), (float("nan"), None), (None, "   ")):
        errors = []
        for build in (new_worksheet.build, tree_build):
            sheet = OwnedSheet(role="bad", name="Bad", cells=[SetCell("", "A1", "fine"),
                                                              SetCell("", "B2", value, formula=formula)])
            with pytest.raises(WriteError) as caught:
                _apply_with(build, path, sheet)
            errors.append(caught.value.message)
        assert errors[0] == errors[1]


def _apply_with(build, path: Path, sheet: OwnedSheet) -> None:
    saved = new_worksheet.build
    new_worksheet.build = build
    try:
        apply_plan(path, Plan(sheets=[sheet]), backup="none")
    finally:
        new_worksheet.build = saved


REFS = st.builds(lambda r, c: f"{'ABCDE'[c]}{r}", st.integers(1, 6), st.integers(0, 4))
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                   st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(ODD_TEXTS[:14]),
                   st.text(st.characters(blacklist_categories=("Cs",)), max_size=12))
STYLES = st.sampled_from([None, BODY, NUMBER, Style(bold=True)])
CELLS = st.lists(st.builds(lambda ref, value, style, formula: SetCell("", ref, value, formula=formula,
                                                                      style=style),
                           REFS, VALUES, STYLES, st.sampled_from([None, None, None, "A1+1"])),
                 max_size=20)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=CELLS, heights=st.dictionaries(st.integers(1, 7), st.floats(-5, 600), max_size=4))
def test_any_cells_as_the_tree_wrote_them(tmp_path_factory, cells, heights):
    folder = tmp_path_factory.mktemp("any")
    sheet = OwnedSheet(role="any", name="Any", cells=cells, row_heights=heights,
                       hyperlinks=[Hyperlink("A1", "Data!A1"), Hyperlink("C3", "Data!A1", tooltip="t")])
    out = {}
    for way, build in (("text", new_worksheet.build), ("tree", tree_build)):
        (folder / way).mkdir()
        path = book(folder / way, shared=len(cells) % 2 == 0)
        try:
            _apply_with(build, path, sheet)
            out[way] = written(path)
        except (WriteError, ValueError) as exc:
            out[way] = (type(exc), str(exc).replace(str(path), "BOOK"))
    assert out["text"] == out["tree"]
