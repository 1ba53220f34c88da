"""Issue 13, the sheets: protection respected (S2), Excel's _xHHHH_ escapes
round-trip (U1), ``check`` reads past kpi-xl's own sheets (U3)."""
from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.protection import WorkbookProtection

from kpi_xl.check import check_workbook
from kpi_xl.config import load_config
from kpi_xl.errors import RefusedFile
from kpi_xl.refresh_job import refresh
from kpi_xl.templates import TemplateIndicator, build_returns_workbook
from kpi_xl.xlsx.package import sheet_part_names
from tests.test_safety_files import make_book


def with_config(config, **workbook):
    return config.model_copy(update={"workbook": config.workbook.model_copy(update=workbook)})


def protect(path: Path, *, sheet: bool = False, structure: bool = False) -> Path:
    wb = openpyxl.load_workbook(path)
    if sheet:
        wb.worksheets[0].protection.sheet = True
    if structure:
        wb.security = WorkbookProtection(lockStructure=True)
    wb.save(path)
    return path


def part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


# ------------------------------------------------------------------ S2

def test_S2_protected_indicator_sheet_refused_in_one_line(tmp_path):
    book = protect(make_book(tmp_path / "returns.xlsx"), sheet=True)
    before = book.read_bytes()
    with pytest.raises(RefusedFile) as err:
        refresh(book, load_config())
    message = str(err.value)
    assert "is protected" in message and "Unprotect Sheet" in message and "\n" not in message
    assert book.read_bytes() == before


def test_S2_unlocked_cells_switch_writes_around_locked_cells(tmp_path):
    book = protect(make_book(tmp_path / "returns.xlsx"), sheet=True)
    first = next(iter(sheet_part_names(book).items()))
    sheet_before = part(book, first[1])
    result = refresh(book, with_config(load_config(), protected_sheets="unlocked_cells"))
    assert part(book, first[1]) == sheet_before  # every cell there is locked: untouched
    skipped = [f for f in result.report if f.type == "protected_cells_skipped"]
    assert skipped and first[0] in skipped[0].message
    assert "KPI Exceptions" in sheet_part_names(book)  # kpi-xl's own sheets still written


def test_S2_locked_structure_refused_before_adding_sheets(tmp_path):
    book = protect(make_book(tmp_path / "returns.xlsx"), structure=True)
    before = book.read_bytes()
    with pytest.raises(RefusedFile) as err:
        refresh(book, load_config())
    assert "structure is protected" in str(err.value) and "Protect Workbook" in str(err.value)
    assert book.read_bytes() == before


# ------------------------------------------------------------------ U1

def test_U1_excel_escapes_in_names_round_trip(tmp_path):
    name = "Care leavers _x0001_ in touch _xD800_ (snapshot)"
    book = build_returns_workbook(tmp_path / "returns.xlsx", "Returns", [
        TemplateIndicator(id="C01", area="Care", name=name, type="Percentage", polarity="higher",
                          target=0.5, values=[0.4, 0.5, 0.6, 0.7])], {2024: [3, 4], 2025: [1, 2]})
    refresh(book, load_config())
    with zipfile.ZipFile(book) as z:
        texts = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))
    # Excel's escapes written back as Excel wrote them, in cells and chart titles
    assert texts.count(name.encode()) >= 3
    assert b"_x005F_x0001_" not in texts


# ------------------------------------------------------------------ U3

def test_U3_check_after_refresh_finds_nothing_on_kpixl_sheets(tmp_path):
    book = make_book(tmp_path / "returns.xlsx")
    refresh(book, load_config())
    findings = list(check_workbook(book, load_config()).report)
    assert not [f for f in findings if f.place.sheet and f.place.sheet.startswith("KPI ")], \
        [f.as_text() for f in findings]


# ------------------------------------------------------------- D1, U7

def exceptions_cells(path: Path) -> dict[str, object]:
    from kpi_xl.reader.cells import Workbook
    from kpi_xl.xlsx.workbook_part import owned_sheets

    with Workbook(path) as wb:
        grid = wb.read_sheet(owned_sheets(path)["exceptions"])
    return {cell.ref: cell.value for cols in grid.rows.values() for cell in cols.values()}


def exceptions_formulas(path: Path) -> dict[str, str]:
    from kpi_xl.refresh_job import _sheet_formulas
    from kpi_xl.xlsx.package import Package
    from kpi_xl.xlsx.workbook_part import owned_sheets

    with Package.open(path) as pkg:
        return _sheet_formulas(pkg, owned_sheets(pkg)["exceptions"])


def officer_columns() -> tuple[str, str]:
    """(the Commentary column, the first column right of kpi-xl's own), by header name."""
    from openpyxl.utils import column_index_from_string, get_column_letter

    from kpi_xl.owned_sheets.exceptions import COL

    last = max(column_index_from_string(c) for c in COL.values())
    return COL["Commentary"], get_column_letter(last + 1)


def row_of(cells: dict[str, object], ident: str) -> int:
    return next(int(ref[1:]) for ref, value in cells.items() if ref.startswith("C") and value == ident)


def test_D1_U7_officer_cells_on_the_exceptions_sheet_are_kept(tmp_path):
    from kpi_xl.plan import Plan, SetCell
    from kpi_xl.xlsx.writer import apply_plan

    book = make_book(tmp_path / "returns.xlsx")
    refresh(book, load_config())
    cells = exceptions_cells(book)
    sheet = "KPI Exceptions"
    r = row_of(cells, "S02")
    comment, free = officer_columns()
    link = 'HYPERLINK("https://audit.example/S02","audit trail")'
    apply_plan(book, Plan(changes=[
        SetCell(sheet, f"{free}4", "Action owner"),
        SetCell(sheet, f"{free}{r}", "J. Bloggs, by March"),
        SetCell(sheet, f"{comment}{r}", "audit trail", formula=link),
        SetCell(sheet, "C2", "Reviewed at DMT 3 June"),
        SetCell(sheet, "B60", "Sign-off: Head of Service"),
    ]), backup="none")
    for run in range(2):  # kept, and kept again
        council = f"Council {run}"  # a different title: the sheet is written again
        refresh(book, load_config().model_copy(update={"workbook": load_config().workbook.model_copy(
            update={"council": council})}))
        cells = exceptions_cells(book)
        formulas = exceptions_formulas(book)
        r = row_of(cells, "S02")
        assert cells[f"{free}4"] == "Action owner"
        assert cells[f"{free}{r}"] == "J. Bloggs, by March", run
        assert formulas.get(f"{comment}{r}") == link, (run, formulas)  # the officer's formula stays a formula
        values = set(cells.values())
        assert "Reviewed at DMT 3 June" in values and "Sign-off: Head of Service" in values, run
        assert council in str(cells["A1"])


def test_U7_officer_text_that_looks_like_a_formula_stays_text(tmp_path):
    from kpi_xl.plan import Plan, SetCell
    from kpi_xl.xlsx.writer import apply_plan

    book = make_book(tmp_path / "returns.xlsx")
    refresh(book, load_config())
    r = row_of(exceptions_cells(book), "S01")
    comment, _ = officer_columns()
    apply_plan(book, Plan(changes=[SetCell("KPI Exceptions", f"{comment}{r}", '=HYPERLINK("http://x","y")')]),
               backup="none")
    refresh(book, load_config().model_copy(update={"workbook": load_config().workbook.model_copy(
        update={"council": "Other"})}))
    assert exceptions_cells(book)[f"{comment}{r}"] == '=HYPERLINK("http://x","y")'
    assert f"{comment}{r}" not in exceptions_formulas(book)


# ------------------------------------------------------------------ D4

def copy_sheet_as_excel_does(path: Path, source: str, new_name: str) -> None:
    """What Excel's Move or Copy > Create a copy writes: a new part, a new
    sheetId, and the source's sheet-scoped names copied to the new sheet."""
    from lxml import etree

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg_ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    ct_ns = "http://schemas.openxmlformats.org/package/2006/content-types"
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    wb = etree.fromstring(files["xl/workbook.xml"])
    rels = etree.fromstring(files["xl/_rels/workbook.xml.rels"])
    sheets = wb.find(f"{{{main}}}sheets")
    entries = list(sheets)
    index = next(i for i, el in enumerate(entries) if el.get("name") == source)
    src = entries[index]
    rid = src.get(f"{{{rel_ns}}}id")
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    src_part = "xl/" + target.lstrip("/").removeprefix("xl/")
    new_part = "xl/worksheets/sheet99.xml"
    files[new_part] = files[src_part]
    rel = etree.SubElement(rels, f"{{{pkg_ns}}}Relationship", Id="rId999", Target="worksheets/sheet99.xml",
                           Type=rel_ns + "/worksheet")
    assert rel is not None
    copy = etree.SubElement(sheets, f"{{{main}}}sheet", name=new_name,
                            sheetId=str(max(int(e.get("sheetId")) for e in entries) + 1))
    copy.set(f"{{{rel_ns}}}id", "rId999")
    names = wb.find(f"{{{main}}}definedNames")
    for dn in list(names):
        if dn.get("localSheetId") == str(index):
            twin = etree.SubElement(names, f"{{{main}}}definedName", dict(dn.attrib))
            twin.set("localSheetId", str(len(entries)))
            twin.text = dn.text
    ct = etree.fromstring(files["[Content_Types].xml"])
    etree.SubElement(ct, f"{{{ct_ns}}}Override", PartName="/" + new_part,
                     ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml")
    files["[Content_Types].xml"] = etree.tostring(ct, xml_declaration=True, encoding="UTF-8", standalone=True)
    files["xl/workbook.xml"] = etree.tostring(wb, xml_declaration=True, encoding="UTF-8", standalone=True)
    files["xl/_rels/workbook.xml.rels"] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8",
                                                         standalone=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)


def rename_sheet(path: Path, old: str, new: str) -> None:
    from kpi_xl.plan import Plan
    from lxml import etree

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    wb = etree.fromstring(files["xl/workbook.xml"])
    for el in wb.iter(f"{{{main}}}sheet"):
        if el.get("name") == old:
            el.set("name", new)
    files["xl/workbook.xml"] = etree.tostring(wb, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    assert Plan is not None


def test_D4_a_copy_of_kpixl_sheet_is_the_users_not_regenerated(tmp_path):
    from kpi_xl.plan import Plan, SetCell
    from kpi_xl.xlsx.writer import apply_plan

    book = make_book(tmp_path / "returns.xlsx")
    refresh(book, load_config())
    rename_sheet(book, "KPI Exceptions", "Exceptions (kpi-xl)")
    copy_sheet_as_excel_does(book, "Exceptions (kpi-xl)", "KPI Exceptions")
    apply_plan(book, Plan(changes=[SetCell("KPI Exceptions", "A3", "MY OWN ANALYSIS")]), backup="none")
    mine = part(book, "xl/worksheets/sheet99.xml")
    refresh(book, load_config().model_copy(update={"workbook": load_config().workbook.model_copy(
        update={"council": "Other"})}))
    assert part(book, "xl/worksheets/sheet99.xml") == mine  # the user's copy untouched
    from kpi_xl.xlsx.workbook_part import owned_sheets
    assert owned_sheets(book)["exceptions"] == "Exceptions (kpi-xl)"  # kpi-xl's own, regenerated


def test_D4_owned_sheet_whose_kpixl_cells_were_changed_is_refused(tmp_path):
    from kpi_xl.plan import Plan, SetCell
    from kpi_xl.xlsx.writer import apply_plan

    book = make_book(tmp_path / "returns.xlsx")
    refresh(book, load_config())
    apply_plan(book, Plan(changes=[SetCell("KPI Exceptions", "A4", "My own table")]), backup="none")
    before = book.read_bytes()
    with pytest.raises(RefusedFile) as err:
        refresh(book, load_config())
    assert "not as kpi-xl left it" in str(err.value) and "KPI Exceptions" in str(err.value)
    assert book.read_bytes() == before
