"""The package writer, feature by feature, on small hand-made packages
(Excel-style XML) and openpyxl-built workbooks."""
from __future__ import annotations

import math
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_xl.errors import WriteError
from kpi_xl.plan import (AddConditionalFormat, CFRule, OwnedSheet, Plan, RemoveSheet, SetCell, SetColumnWidth,
                         Style)
from kpi_xl.xlsx.integrity import check_package
from kpi_xl.xlsx.package import sheet_part_names
from kpi_xl.xlsx.workbook_part import owned_sheets
from kpi_xl.xlsx.writer import apply_plan
from tests.test_xlsx_support import (MAIN, build_package, cells_of, parts, sheet_root, sheet_xml, state, xml)

X = f"{{{MAIN}}}"


def styles(path: Path):
    return xml(parts(path)["xl/styles.xml"])


def xfs(path: Path) -> list:
    return styles(path).find(f"{X}cellXfs").findall(f"{X}xf")


def workbook(path: Path):
    return xml(parts(path)["xl/workbook.xml"])


def simple_book(tmp_path: Path, *, shared=True, **kw) -> Path:
    body = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"><v>5</v></c></row>'
            '<row r="3"><c r="A3" t="s"><v>1</v></c><c r="C3"><f>B1*2</f><v>10</v></c></row>')
    if not shared:
        body = ('<row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c><c r="B1" s="1"><v>5</v></c></row>'
                '<row r="3"><c r="A3" t="inlineStr"><is><t>Name</t></is></c><c r="C3"><f>B1*2</f><v>10</v></c>'
                '</row>')
    return build_package(tmp_path / "book.xlsx", {"Data": sheet_xml(body), "Notes": sheet_xml("")},
                         shared_strings=["ID", "Name"] if shared else None, **kw)


def apply(path: Path, *changes, **kw):
    plan = Plan()
    for change in changes:
        if isinstance(change, OwnedSheet):
            plan.sheets.append(change)
        elif isinstance(change, RemoveSheet):
            plan.remove.append(change)
        else:
            plan.changes.append(change)
    return apply_plan(path, plan, **kw)


# ------------------------------------------------------------ strings

def test_shared_strings_appended_and_reused(tmp_path):
    book = simple_book(tmp_path)
    apply(book, SetCell("Data", "D1", "Name"), SetCell("Data", "E1", "New text"), backup="none")
    cells = cells_of(book)
    assert (cells["D1"].get("t"), cells["D1"].findtext(f"{X}v")) == ("s", "1")  # reused
    assert (cells["E1"].get("t"), cells["E1"].findtext(f"{X}v")) == ("s", "2")  # appended
    sst = xml(parts(book)["xl/sharedStrings.xml"])
    assert [si.findtext(f"{X}t") for si in sst] == ["ID", "Name", "New text"]
    assert sst.get("uniqueCount") == "3"
    assert openpyxl.load_workbook(book)["Data"]["E1"].value == "New text"


def test_inline_strings_without_a_table(tmp_path):
    book = simple_book(tmp_path, shared=False)
    result = apply(book, SetCell("Data", "D1", "  padded  "), backup="none")
    assert "xl/sharedStrings.xml" not in parts(book)
    assert not [p for p in result.added_parts if "sharedStrings" in p]
    c = cells_of(book)["D1"]
    assert c.get("t") == "inlineStr"
    t = c.find(f"{X}is/{X}t")
    assert t.text == "  padded  " and t.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
    assert openpyxl.load_workbook(book)["Data"]["D1"].value == "  padded  "


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2", "@SUM(A1)", "=1+1"])
def test_formula_like_text_stays_text(tmp_path, text):
    book = simple_book(tmp_path)
    apply(book, SetCell("Data", "D1", text), backup="none")
    c = cells_of(book)["D1"]
    assert c.get("t") == "s" and c.find(f"{X}f") is None
    assert xfs(book)[int(c.get("s"))].get("quotePrefix") == "1"  # Excel will not turn it into a formula on edit
    loaded = openpyxl.load_workbook(book)["Data"]["D1"]
    assert loaded.value == text and loaded.data_type == "s"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40))
def test_any_text_round_trips(tmp_path_factory, text):
    book = simple_book(tmp_path_factory.mktemp("t"), shared=bool(len(text) % 2))
    apply(book, SetCell("Data", "F2", text), backup="none")
    assert check_package(book) == []
    from kpi_xl.xlsx.package import Package  # read back with the writer's own decoding
    from kpi_xl.xlsx.writer import WriteContext

    with Package(book) as pkg:
        ctx = WriteContext(pkg)
        patcher = ctx.patcher("Data")
        content = patcher.content(patcher.find_cell(2, 6)[1])
    assert content.kind == "text" and content.value == text
    if "_x" not in text and not any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text):
        # openpyxl does not decode Excel's _xHHHH_ escapes; compare the rest with it.
        assert openpyxl.load_workbook(book)["Data"]["F2"].value == text


def test_control_characters_escaped(tmp_path):
    book = simple_book(tmp_path)
    apply(book, SetCell("Data", "D1", "a\x01b_x0041_c"), backup="none")
    sst = parts(book)["xl/sharedStrings.xml"].decode()
    assert "a_x0001_b_x005F_x0041_c" in sst
    assert check_package(book) == []


# ------------------------------------------------------------ values

def test_values_and_cached_formula_results(tmp_path):
    book = simple_book(tmp_path)
    apply(book,
          SetCell("Data", "D1", 5.0), SetCell("Data", "D2", 0.1), SetCell("Data", "D3", True),
          SetCell("Data", "D4", 7, formula="=B1+2"), SetCell("Data", "D5", "ok", formula='IF(B1>1,"ok","no")'),
          SetCell("Data", "D6", "#DIV/0!", formula="1/0"), SetCell("Data", "D7", None, formula="NOW()"),
          backup="none")
    cells = cells_of(book)
    assert cells["D1"].findtext(f"{X}v") == "5"
    assert cells["D2"].findtext(f"{X}v") == "0.1"
    assert (cells["D3"].get("t"), cells["D3"].findtext(f"{X}v")) == ("b", "1")
    assert (cells["D4"].findtext(f"{X}f"), cells["D4"].findtext(f"{X}v")) == ("B1+2", "7")
    assert (cells["D5"].get("t"), cells["D5"].findtext(f"{X}v")) == ("str", "ok")
    assert (cells["D6"].get("t"), cells["D6"].findtext(f"{X}v")) == ("e", "#DIV/0!")
    assert cells["D7"].find(f"{X}v") is None and cells["D7"].findtext(f"{X}f") == "NOW()"


def test_not_a_number_refused(tmp_path):
    book = simple_book(tmp_path)
    before = state(book)
    with pytest.raises(WriteError, match=r"Data!D1.*not a number"):
        apply(book, SetCell("Data", "D1", math.nan))
    assert state(book) == before


def test_blank_keeps_style(tmp_path):
    book = simple_book(tmp_path)
    apply(book, SetCell("Data", "B1", None), backup="none")
    c = cells_of(book)["B1"]
    assert c.get("s") == "1" and c.find(f"{X}v") is None


def test_rows_and_cells_inserted_in_order(tmp_path):
    book = simple_book(tmp_path)
    apply(book, SetCell("Data", "B2", 1), SetCell("Data", "B3", 2), SetCell("Data", "AA3", 3),
          SetCell("Data", "A10", 4), backup="none")
    root = sheet_root(book)
    rows = [r.get("r") for r in root.iter(f"{X}row")]
    assert rows == ["1", "2", "3", "10"]
    row3 = [c.get("r") for c in root.find(f"{X}sheetData")[2]]
    assert row3 == ["A3", "B3", "C3", "AA3"]
    assert root.find(f"{X}dimension").get("ref") == "A1:AA10"


def test_cells_without_r_attributes(tmp_path):
    body = '<row><c t="s"><v>0</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>'
    book = build_package(tmp_path / "book.xlsx", {"Data": sheet_xml(body)}, shared_strings=["ID"])
    apply(book, SetCell("Data", "C1", 9), backup="none")
    wb = openpyxl.load_workbook(book)["Data"]
    assert [[c.value for c in row] for row in wb.iter_rows(min_row=1, max_row=2, max_col=3)] == \
        [["ID", 2, 9], [3, None, None]]


# ------------------------------------------------------------ styles

def test_style_merged_over_existing(tmp_path):
    book = simple_book(tmp_path)
    count = len(xfs(book))
    apply(book, SetCell("Data", "B1", 5, style=Style(number_format="0.0%")), backup="none")
    new = xfs(book)
    assert len(new) == count + 1
    xf = new[int(cells_of(book)["B1"].get("s"))]
    assert (xf.get("fontId"), xf.get("fillId")) == ("1", "2")  # bold and fill kept
    fmt = styles(book).find(f"{X}numFmts/{X}numFmt")
    assert xf.get("numFmtId") == fmt.get("numFmtId") == "164" and fmt.get("formatCode") == "0.0%"


def test_existing_style_indices_never_move_and_identical_reused(tmp_path):
    book = simple_book(tmp_path)
    before = [etree_str(x) for x in xfs(book)]
    red = Style(fill="FFC7CE", font_color="9C0006", bold=True, border="thin", horizontal="center", wrap=True)
    apply(book, SetCell("Data", "E1", 1, style=red), SetCell("Data", "E2", 2, style=red),
          SetCell("Data", "E3", 3, style=Style(number_format="0.00%")), backup="none")
    after = xfs(book)
    assert [etree_str(x) for x in after[:len(before)]] == before
    cells = cells_of(book)
    assert cells["E1"].get("s") == cells["E2"].get("s")
    assert cells["E3"].get("s") == "2"  # the existing identical format (built-in 10 is 0.00%) is reused
    counts = {k: len(styles(book).find(f"{X}{k}")) for k in ("fonts", "fills", "borders", "cellXfs")}
    apply(book, SetCell("Data", "E4", 4, style=red), backup="none")
    assert {k: len(styles(book).find(f"{X}{k}")) for k in counts} == counts


def etree_str(el) -> bytes:
    from lxml import etree

    return etree.tostring(el)


def test_new_cell_takes_column_style(tmp_path):
    body = '<row r="1"><c r="A1"><v>1</v></c></row>'
    sheet = sheet_xml(body, before_data='<cols><col min="2" max="2" width="9" style="2" customWidth="1"/></cols>')
    book = build_package(tmp_path / "book.xlsx", {"Data": sheet})
    apply(book, SetCell("Data", "B5", 0.5), backup="none")
    assert cells_of(book)["B5"].get("s") == "2"


# ------------------------------------------------------------ formulas

def test_overwritten_formula_leaves_calc_chain(tmp_path):
    book = simple_book(tmp_path, calc_chain='<c r="C3" i="1"/><c r="D9"/><c r="A1" i="2"/>')
    body_extra = cells_of(book)
    assert "C3" in body_extra
    apply(book, SetCell("Data", "C3", 10), backup="none")
    chain = xml(parts(book)["xl/calcChain.xml"])
    assert [(c.get("r"), c.get("i")) for c in chain] == [("D9", "1"), ("A1", "2")]
    assert check_package(book) == []


def test_calc_chain_dropped_when_empty(tmp_path):
    book = simple_book(tmp_path, calc_chain='<c r="C3" i="1"/>')
    result = apply(book, SetCell("Data", "C3", "text now"), backup="none")
    assert result.removed_parts == ["xl/calcChain.xml"]
    p = parts(book)
    assert "calcChain" not in p["xl/_rels/workbook.xml.rels"].decode()
    assert "calcChain" not in p["[Content_Types].xml"].decode()
    assert check_package(book) == []


def test_formula_kept_in_calc_chain_when_replaced_by_formula(tmp_path):
    book = simple_book(tmp_path, calc_chain='<c r="C3" i="1"/>')
    result = apply(book, SetCell("Data", "C3", 12, formula="B1*2+2"), backup="none")
    assert "xl/calcChain.xml" not in result.changed_parts + result.removed_parts


def test_shared_formula_master_overwritten(tmp_path):
    body = ('<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2</f><v>2</v></c></row>'
            '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/><v>4</v></c></row>'
            '<row r="3"><c r="A3"><v>3</v></c><c r="B3"><f t="shared" si="0"/><v>6</v></c></row>')
    book = build_package(tmp_path / "book.xlsx", {"Data": sheet_xml(body)})
    apply(book, SetCell("Data", "B1", 99), backup="none")
    cells = cells_of(book)
    assert cells["B1"].find(f"{X}f") is None
    assert [cells[r].find(f"{X}f").text for r in ("B2", "B3")] == ["A2*2", "A3*2"]
    assert all(cells[r].find(f"{X}f").get("t") is None for r in ("B2", "B3"))


def test_array_formula_and_table_header_guarded(tmp_path):
    body = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
            '<c r="D1"><f t="array" ref="D1:D3">ROW(A1:A3)</f><v>1</v></c></row>'
            '<row r="2"><c r="A2"><v>1</v></c><c r="D2"><v>2</v></c></row>')
    table = ('<table xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" id="1" name="T" '
             'displayName="Tbl" ref="A1:B2"><autoFilter ref="A1:B2"/><tableColumns count="2">'
             '<tableColumn id="1" name="ID"/><tableColumn id="2" name="Name"/></tableColumns></table>')
    sheet = sheet_xml(body, after_data='<tableParts count="1"><tablePart r:id="rId1"/></tableParts>')
    book = build_package(
        tmp_path / "book.xlsx", {"Data": sheet}, shared_strings=["ID", "Name"],
        extra={"xl/tables/table1.xml": table},
        sheet_rels={1: '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       'relationships/table" Target="../tables/table1.xml"/>'})
    ct = parts(book)["[Content_Types].xml"]
    assert b"table1" not in ct  # add the override the hand-made package lacks
    fixed = ct.replace(b"</Types>", b'<Override PartName="/xl/tables/table1.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.table+xml"/></Types>')
    _replace_part(book, "[Content_Types].xml", fixed)
    before = state(book)
    with pytest.raises(WriteError, match=r"D2: the cell is part of an array formula in D1:D3"):
        apply(book, SetCell("Data", "D2", 5))
    with pytest.raises(WriteError, match=r"B1: the cell is a header of table 'Tbl'"):
        apply(book, SetCell("Data", "B1", "Renamed"))
    assert state(book) == before
    apply(book, SetCell("Data", "B1", "Name"), SetCell("Data", "B2", "below the header"), backup="none")


def _replace_part(path: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(path) as z:
        items = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in items:
            z.writestr(n, data if n == name else d)


# ------------------------------------------------------------ columns

def test_column_width_splits_ranges_and_is_idempotent(tmp_path):
    sheet = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>',
                      before_data='<cols><col min="1" max="5" width="12" style="2" customWidth="1"/></cols>')
    book = build_package(tmp_path / "book.xlsx", {"Data": sheet})
    apply(book, SetColumnWidth("Data", "C", 20), SetColumnWidth("Data", "H", 8), backup="none")
    cols = [(c.get("min"), c.get("max"), c.get("width"), c.get("style"))
            for c in sheet_root(book).find(f"{X}cols")]
    assert cols == [("1", "2", "12", "2"), ("3", "3", "20.7109375", "2"), ("4", "5", "12", "2"),
                    ("8", "8", "8.7109375", None)]
    second = apply(book, SetColumnWidth("Data", "C", 20), SetColumnWidth("Data", "H", 8), backup="none")
    assert not second.changed


def test_cols_created_in_schema_order(tmp_path):
    book = simple_book(tmp_path)
    apply(book, SetColumnWidth("Data", "B", 30), backup="none")
    names = [c.tag.split("}")[1] for c in sheet_root(book)]
    assert names.index("dimension") < names.index("cols") < names.index("sheetData")


# ------------------------------------------------------------ conditional formatting

RED = Style(fill="FFC7CE", font_color="9C0006")
GREEN = Style(fill="C6EFCE", font_color="006100")


def cf_rules(path: Path, index: int = 1) -> list[tuple]:
    out = []
    for cf in sheet_root(path, index).iter(f"{X}conditionalFormatting"):
        for rule in cf.iter(f"{X}cfRule"):
            out.append((cf.get("sqref"), rule.get("type"), rule.get("priority"),
                        tuple(f.text for f in rule.iter(f"{X}formula"))))
    return out


def officer_rule_book(tmp_path: Path) -> Path:
    officer = ('<conditionalFormatting sqref="B1:B10"><cfRule type="expression" dxfId="0" priority="3">'
               '<formula>B1&gt;100</formula></cfRule></conditionalFormatting>')
    x14 = ('<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
           'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:conditionalFormattings>'
           '<x14:conditionalFormatting xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
           '<x14:cfRule type="dataBar" priority="7" id="{00000000-0000-0000-0000-000000000001}"><x14:dataBar>'
           '<x14:cfvo type="autoMin"/><x14:cfvo type="autoMax"/></x14:dataBar></x14:cfRule><xm:sqref>E1:E5'
           '</xm:sqref></x14:conditionalFormatting></x14:conditionalFormattings></ext></extLst>')
    body = '<row r="1"><c r="B1"><v>5</v></c></row>'
    return build_package(tmp_path / "book.xlsx", {"Data": sheet_xml(body, after_data=officer + x14)})


def test_cf_added_after_existing_priorities_and_idempotent(tmp_path):
    book = officer_rule_book(tmp_path)
    change = AddConditionalFormat("Data", "B1:B10", (CFRule("expression", "B1<$C$1", RED),
                                                     CFRule("cellIs", "50", GREEN, operator="greaterThanOrEqual")))
    apply(book, change, backup="none")
    rules = cf_rules(book)
    assert rules == [("B1:B10", "expression", "3", ("B1>100",)),
                     ("B1:B10", "expression", "8", ("B1<$C$1",)),
                     ("B1:B10", "cellIs", "9", ("50",))]
    assert b"x14:dataBar" in parts(book)["xl/worksheets/sheet1.xml"]
    before = state(book)
    assert not apply(book, change, backup="none").changed
    assert state(book) == before


def test_cf_replaces_only_kpixl_rules(tmp_path):
    book = officer_rule_book(tmp_path)
    apply(book, AddConditionalFormat("Data", "B1:B10", (CFRule("expression", "B1<$C$1", RED),)), backup="none")
    apply(book, AddConditionalFormat("Data", "$B$1:$B$10", (CFRule("expression", "B1<$C$2", RED),)),
          backup="none")
    rules = cf_rules(book)
    assert [r[3] for r in rules] == [("B1>100",), ("B1<$C$2",)]
    dxfs = styles(book).find(f"{X}dxfs")
    assert len(dxfs) == 2  # the red look reused, not duplicated
    assert check_package(book) == []


def test_cf_not_duplicated_when_officer_has_same_rules(tmp_path):
    book = officer_rule_book(tmp_path)
    yellow = Style(fill="FFFF00")
    result = apply(book, AddConditionalFormat("Data", "B1:B10", (CFRule("expression", "B1 > 100", yellow),)),
                   backup="none")
    assert not result.changed


def test_cf_bad_operator_refused(tmp_path):
    book = simple_book(tmp_path)
    with pytest.raises(WriteError, match="operator"):
        apply(book, AddConditionalFormat("Data", "B1:B3", (CFRule("cellIs", "1", RED, operator="bigger"),)))


# ------------------------------------------------------------ owned sheets

def owned(name="Exceptions", role="exceptions", text="Reds of concern", **kw) -> OwnedSheet:
    return OwnedSheet(role=role, name=name, cells=[SetCell("", "A1", text, style=Style(bold=True)),
                                                   SetCell("", "B2", 0.5, style=Style(number_format="0%"))],
                      column_widths={"A": 30}, freeze="B2", tab_color="FF0000", **kw)


def app_titles(path: Path) -> list[str]:
    root = xml(parts(path)["docProps/app.xml"])
    vt = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"
    return [t.text for t in root.iter(f"{vt}lpstr")]


def test_owned_sheet_added_with_everything_it_needs(tmp_path):
    book = simple_book(tmp_path, defined_names='<definedName name="_xlnm.Print_Area" localSheetId="1">'
                                               'Notes!$A$1:$B$2</definedName>', active_tab=1)
    result = apply(book, owned(after="Data"), backup="none")
    assert result.added_parts == ["xl/worksheets/sheet3.xml"]
    wb = workbook(book)
    assert [s.get("name") for s in wb.iter(f"{X}sheet")] == ["Data", "Exceptions", "Notes"]
    assert [s.get("sheetId") for s in wb.iter(f"{X}sheet")] == ["1", "3", "2"]
    names = {(n.get("name"), n.get("localSheetId")): n.text for n in wb.iter(f"{X}definedName")}
    assert names[("_xlnm.Print_Area", "2")] == "Notes!$A$1:$B$2"  # followed its sheet
    assert names[("_kpixl_owned", "1")] == '"exceptions"'
    assert wb.find(f"{X}bookViews/{X}workbookView").get("activeTab") == "2"
    assert app_titles(book) == ["Worksheets", "Named Ranges", "Data", "Exceptions", "Notes", "Targets"]
    assert b"/xl/worksheets/sheet3.xml" in parts(book)["[Content_Types].xml"]
    assert owned_sheets(book) == {"exceptions": "Exceptions"}
    assert sheet_part_names(book)["Exceptions"] == "xl/worksheets/sheet3.xml"
    ws = openpyxl.load_workbook(book)["Exceptions"]
    assert ws["A1"].value == "Reds of concern" and ws["A1"].font.b
    assert ws.freeze_panes == "B2" and ws.sheet_properties.tabColor.rgb == "FFFF0000"
    assert check_package(book) == []


def test_owned_sheet_replaced_in_place_after_officer_rename(tmp_path):
    book = simple_book(tmp_path)
    apply(book, owned(), backup="none")
    # The officer renames the sheet (in Excel); kpi-xl finds it by role.
    wb = parts(book)["xl/workbook.xml"].replace(b'name="Exceptions"', b'name="My exceptions"')
    _replace_part(book, "xl/workbook.xml", wb)
    result = apply(book, owned(text="Updated"), backup="none")
    assert result.added_parts == [] and "xl/worksheets/sheet3.xml" in result.changed_parts
    assert [s.get("name") for s in workbook(book).iter(f"{X}sheet")] == ["Data", "Notes", "My exceptions"]
    assert owned_sheets(book) == {"exceptions": "My exceptions"}
    assert openpyxl.load_workbook(book)["My exceptions"]["A1"].value == "Updated"
    again = apply(book, owned(text="Updated"), backup="none")
    assert not again.changed


def test_owned_sheet_removed(tmp_path):
    book = simple_book(tmp_path, calc_chain='<c r="C3" i="1"/>')
    apply(book, owned(), backup="none")
    result = apply(book, RemoveSheet("exceptions"), backup="none")
    assert result.removed_parts == ["xl/worksheets/sheet3.xml"]
    assert [s.get("name") for s in workbook(book).iter(f"{X}sheet")] == ["Data", "Notes"]
    assert b"_kpixl_owned" not in parts(book)["xl/workbook.xml"]
    assert app_titles(book) == ["Worksheets", "Named Ranges", "Data", "Notes", "Targets"]
    assert owned_sheets(book) == {}
    assert check_package(book) == []
    assert not apply(book, RemoveSheet("exceptions"), backup="none").changed


@pytest.mark.parametrize("name, words", [("A" * 32, "longer than 31"), ("Q1/Q2", "contains /"),
                                         ("data", "already exists"), ("History", "reserved"), ("'x", "apostrophe")])
def test_owned_sheet_names_checked(tmp_path, name, words):
    book = simple_book(tmp_path)
    before = state(book)
    with pytest.raises(WriteError, match=words):
        apply(book, owned(name=name))
    assert state(book) == before


def test_changes_to_an_owned_sheet_in_the_same_plan(tmp_path):
    book = simple_book(tmp_path)
    plan = Plan(sheets=[owned()])
    plan.changes.append(SetCell("Exceptions", "C3", "extra"))
    plan.changes.append(AddConditionalFormat("Exceptions", "B2:B9", (CFRule("expression", "B2>0.4", RED),)))
    apply_plan(book, plan, backup="none")
    assert openpyxl.load_workbook(book)["Exceptions"]["C3"].value == "extra"
    assert b"_kpixl_cf" not in parts(book)["xl/workbook.xml"]  # owned sheets need no marker
    again = Plan(sheets=[owned()], changes=list(plan.changes))
    assert not apply_plan(book, again, backup="none").changed


# ------------------------------------------------------------ the file

def test_backup_modes_output_and_dry_run(tmp_path):
    book = simple_book(tmp_path)
    original = book.read_bytes()
    dry = apply(book, SetCell("Data", "D1", 1), dry_run=True)
    assert dry.changed and dry.changed_parts and book.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]

    result = apply(book, SetCell("Data", "D1", 1))
    assert result.backup == tmp_path / "book.xlsx.bak" and result.backup.read_bytes() == original

    stamped = apply(book, SetCell("Data", "D1", 2), backup="timestamp")
    assert stamped.backup.name.startswith("book.") and stamped.backup.name.endswith(".xlsx.bak")
    assert stamped.backup != result.backup

    none = apply(book, SetCell("Data", "D1", 3), backup="none")
    assert none.backup is None

    out = tmp_path / "copy.xlsx"
    before = state(book)
    to_other = apply(book, SetCell("Data", "D1", 4), output=out)
    assert to_other.output == out and state(book) == before and to_other.backup is None
    assert openpyxl.load_workbook(out)["Data"]["D1"].value == 4
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".kpixl-tmp") == []
    assert to_other.as_dict()["output"] == str(out)


def test_unchanged_parts_copied_as_raw_compressed_bytes(tmp_path):
    book = simple_book(tmp_path)
    src = tmp_path / "src.xlsx"
    src.write_bytes(book.read_bytes())
    result = apply(book, SetCell("Data", "D1", 1), backup="none")

    def raw(path):
        out = {}
        with zipfile.ZipFile(path) as z, open(path, "rb") as fh:
            for info in z.infolist():
                fh.seek(info.header_offset + 26)
                n, m = int.from_bytes(fh.read(2), "little"), int.from_bytes(fh.read(2), "little")
                fh.seek(info.header_offset + 30 + n + m)
                out[info.filename] = (fh.read(info.compress_size), info.CRC, info.compress_type)
        return out

    before, after = raw(src), raw(book)
    for name in before:
        if name not in result.changed_parts:
            assert after[name] == before[name], name
    with zipfile.ZipFile(book) as z:
        assert z.testzip() is None
        assert z.namelist()[0] == "[Content_Types].xml"


def test_second_identical_plan_touches_nothing(tmp_path):
    book = simple_book(tmp_path)
    plan = lambda: [SetCell("Data", "D1", "x", style=Style(bold=True)), SetColumnWidth("Data", "D", 12),  # noqa: E731
                    AddConditionalFormat("Data", "D1:D5", (CFRule("expression", "D1=\"x\"", RED),)), owned()]
    apply(book, *plan())
    bak = tmp_path / "book.xlsx.bak"
    bak_state = state(bak)
    before = state(book)
    result = apply(book, *plan())
    assert not result.changed and result.backup is None
    assert state(book) == before and state(bak) == bak_state


def test_xlsm_from_openpyxl_keep_vba(tmp_path):
    """A macro-enabled book keeps its content type and VBA project."""
    book = simple_book(tmp_path)
    xlsm = tmp_path / "book.xlsm"
    with zipfile.ZipFile(book) as z:
        items = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    vba = bytes(range(256)) * 8
    with zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in items:
            if n == "[Content_Types].xml":
                d = d.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
                d = d.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.'
                                           b'vbaProject"/></Types>')
            if n == "xl/_rels/workbook.xml.rels":
                d = d.replace(b"</Relationships>", b'<Relationship Id="rIdV" Type="http://schemas.microsoft.com/'
                                                   b'office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                                                   b'</Relationships>')
            z.writestr(n, d)
        z.writestr("xl/vbaProject.bin", vba)
    apply(xlsm, owned(), SetCell("Data", "D1", 1), backup="none")
    p = parts(xlsm)
    assert p["xl/vbaProject.bin"] == vba
    assert b"macroEnabled.main+xml" in p["[Content_Types].xml"]
    assert check_package(xlsm) == []


def test_removed_sheet_leaves_ref_errors_in_other_names(tmp_path):
    book = simple_book(tmp_path)
    apply(book, owned(), backup="none")
    wb = parts(book)["xl/workbook.xml"].replace(
        b"</definedNames>", b"<definedName name=\"Reds\">Exceptions!$A$1:$A$9</definedName></definedNames>")
    _replace_part(book, "xl/workbook.xml", wb)
    apply(book, RemoveSheet("exceptions"), backup="none")
    names = {n.get("name"): n.text for n in workbook(book).iter(f"{X}definedName")}
    assert names == {"Reds": "#REF!"}


def test_prefixed_main_namespace_kept(tmp_path):
    """Files from the Open XML SDK use a prefix (x:) for the main namespace;
    new elements must use it too, and the other prefixes must survive."""
    body = '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>'
    sheet = (f'<x:worksheet xmlns:x="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
             'relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
             'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" mc:Ignorable="x14ac">'
             f'<x:sheetData>{body}</x:sheetData></x:worksheet>')
    book = build_package(tmp_path / "book.xlsx", {"Data": sheet})
    apply(book, SetCell("Data", "B1", "text", style=Style(bold=True)), SetColumnWidth("Data", "B", 14),
          AddConditionalFormat("Data", "B1:B2", (CFRule("expression", "B1=1", RED),)), backup="none")
    data = parts(book)["xl/worksheets/sheet1.xml"].decode()
    assert 'mc:Ignorable="x14ac"' in data and "xmlns:x14ac=" in data
    assert "<x:cols>" in data and '<x:c r="B1"' in data and "<x:conditionalFormatting" in data
    assert "xmlns=" not in data.split(">", 2)[1]  # no default namespace slipped in
    assert openpyxl.load_workbook(book)["Data"]["B1"].value == "text"


def test_officer_copy_of_owned_sheet_is_left_alone(tmp_path):
    """Excel copies sheet-scoped names with a copied sheet, so the officer's
    copy carries kpi-xl's marker; the original (older sheetId) is the one
    refreshed, even when the copy comes first."""
    book = simple_book(tmp_path)
    apply(book, owned(text="Q1 figures"), backup="none")
    copy_xml = parts(book)["xl/worksheets/sheet3.xml"]
    # Simulate Excel's "Move or Copy > Create a copy", placed before the original.
    p = parts(book)
    wb = p["xl/workbook.xml"].replace(
        b'<sheet name="Data"', b'<sheet name="Exceptions (2)" sheetId="9" r:id="rIdCopy"/><sheet name="Data"')
    wb = wb.replace(b'localSheetId="2">"exceptions"', b'localSheetId="3">"exceptions"')
    wb = wb.replace(b"</definedNames>", b'<definedName name="_kpixl_owned" hidden="1" localSheetId="0">'
                                        b'"exceptions"</definedName></definedNames>')
    rels = p["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdCopy" Type="http://schemas.openxmlformats.org/officeDocument/'
                             b'2006/relationships/worksheet" Target="worksheets/sheet9.xml"/></Relationships>')
    ct = p["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/worksheets/sheet9.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.worksheet+xml"/></Types>')
    for name, data in (("xl/workbook.xml", wb), ("xl/_rels/workbook.xml.rels", rels), ("[Content_Types].xml", ct)):
        _replace_part(book, name, data)
    with zipfile.ZipFile(book, "a") as z:
        z.writestr("xl/worksheets/sheet9.xml", copy_xml)
    assert check_package(book) == []
    assert owned_sheets(book) == {"exceptions": "Exceptions"}
    apply(book, owned(text="Q2 figures"), backup="none")
    wb = openpyxl.load_workbook(book)
    assert wb["Exceptions (2)"]["A1"].value == "Q1 figures"
    assert wb["Exceptions"]["A1"].value == "Q2 figures"


def calc_pr(path: Path):
    return workbook(path).find(f"{X}calcPr")


def test_new_values_make_excel_recalculate_on_open(tmp_path):
    book = simple_book(tmp_path)
    apply(book, SetCell("Data", "B1", 50), backup="none")  # C3 = B1*2 holds a stale cached 10
    assert calc_pr(book).get("fullCalcOnLoad") == "1"
    assert calc_pr(book).get("calcId") == "191029"


def test_style_only_change_does_not_force_recalculation(tmp_path):
    book = simple_book(tmp_path)
    apply(book, SetCell("Data", "B1", 5, style=Style(bold=True)), backup="none")
    assert calc_pr(book).get("fullCalcOnLoad") is None


def test_unchanged_refresh_after_excel_saved_touches_nothing(tmp_path):
    """Excel clears fullCalcOnLoad when it saves; refreshing with the same
    plan afterwards must still change nothing."""
    book = simple_book(tmp_path)
    changes = [SetCell("Data", "B1", 50), owned()]
    apply(book, *changes, backup="none")
    wb = parts(book)["xl/workbook.xml"].replace(b' fullCalcOnLoad="1"', b"")
    _replace_part(book, "xl/workbook.xml", wb)
    before = state(book)
    assert not apply(book, *changes, backup="none").changed
    assert state(book) == before


# ------------------------------------------------------------ properties

_cells = st.tuples(st.integers(1, 30), st.integers(1, 12)).map(lambda rc: f"{openpyxl.utils.get_column_letter(rc[1])}{rc[0]}")
_values = st.one_of(st.none(), st.integers(-10**9, 10**9), st.booleans(),
                    st.floats(allow_nan=False, allow_infinity=False, width=64),
                    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20))
_styles = st.one_of(st.none(), st.builds(
    Style, fill=st.sampled_from([None, "FFC7CE", "C6EFCE"]), bold=st.sampled_from([None, True, False]),
    number_format=st.sampled_from([None, "0.0%", "0", "#,##0.00"]), border=st.sampled_from([None, "thin"]),
    horizontal=st.sampled_from([None, "left", "center"])))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=st.lists(st.tuples(_cells, _values, _styles), min_size=1, max_size=25), shared=st.booleans())
def test_random_writes_read_back_and_are_idempotent(tmp_path_factory, writes, shared):
    book = simple_book(tmp_path_factory.mktemp("w"), shared=shared)
    changes = [SetCell("Data", ref, value, style=style) for ref, value, style in writes]
    apply(book, *changes, backup="none")
    assert check_package(book) == []
    final = {}
    for ref, value, _ in writes:
        final[ref] = value
    sheet = openpyxl.load_workbook(book)["Data"]
    for ref, value in final.items():
        got = sheet[ref].value
        if value is None:
            assert got is None, ref
        elif isinstance(value, float):
            assert got == pytest.approx(value, rel=1e-15, abs=0) or got == value, ref
        elif isinstance(value, str) and value == "":
            assert got in ("", None)
        else:
            assert got == value, ref
    before = state(book)
    assert not apply(book, *changes, backup="none").changed
    assert state(book) == before
