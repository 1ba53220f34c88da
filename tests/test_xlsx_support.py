"""Helpers for the package-writer tests (no tests of their own but one self-check).

They read packages with zipfile and lxml directly, independently of the
writer's own modules, so the tests do not check the writer with itself.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
import zipfile
from collections import Counter
from pathlib import Path

from lxml import etree

from kpi_xl.plan import (AddConditionalFormat, CFRule, DataValidationList, Hyperlink, OwnedSheet, Plan, SetCell,
                         SetColumnWidth, Style)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_R = "http://schemas.openxmlformats.org/package/2006/relationships"
CELL_CONTENT = {"f", "v", "is"}
OWNED_MARK = "kpi-xl owned sheet check"
INJECTION = '=HYPERLINK("http://example.com/steal","click")'


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if not n.endswith("/")}


def state(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def workbook_sheets(path: Path) -> list[tuple[str, str, str]]:
    """(name, part, relationship type) in workbook order, read directly."""
    p = parts(path)
    rels = xml(p["xl/_rels/workbook.xml.rels"])
    targets = {}
    for rel in rels:
        target = rel.get("Target")
        target = target.lstrip("/") if target.startswith("/") else os.path.normpath("xl/" + target)
        targets[rel.get("Id")] = (target.replace(os.sep, "/"), rel.get("Type"))
    out = []
    for sheet in xml(p["xl/workbook.xml"]).iter(f"{{{MAIN}}}sheet"):
        part, kind = targets[sheet.get(f"{{{R}}}id")]
        out.append((sheet.get("name"), part, kind.rsplit("/", 1)[-1]))
    return out


def first_worksheet(path: Path) -> tuple[str, str]:
    p = parts(path)
    for name, part, kind in workbook_sheets(path):
        if kind == "worksheet" and part in p:
            return name, part
    raise AssertionError(f"{path} has no worksheet")


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _bounds(ref: str) -> tuple[int, int, int, int]:
    cells = [re.match(r"\$?([A-Z]+)\$?(\d+)", x).groups() for x in ref.upper().split(":")]
    (c1, r1), (c2, r2) = cells[0], cells[-1]
    return int(r1), _col(c1), int(r2), _col(c2)


def _cell_pos(ref: str) -> tuple[int, int]:
    r1, c1, _, _ = _bounds(ref)
    return r1, c1


def guarded_ranges(path: Path, part: str) -> list[tuple[int, int, int, int]]:
    """Array formulas of the sheet and every table of the workbook: cells
    the writer rightly refuses to overwrite."""
    p = parts(path)
    root = xml(p[part])
    out = [_bounds(f.get("ref")) for f in root.iter(f"{{{MAIN}}}f") if f.get("t") in ("array", "dataTable")
           and f.get("ref")]
    for name, data in p.items():
        if name.startswith("xl/tables/") and name.endswith(".xml"):
            ref = xml(data).get("ref")
            if ref:
                out.append(_bounds(ref))
    return out


def pick_targets(path: Path, part: str) -> dict[str, str | None]:
    """Cells for the standard plan: an existing constant, an existing plain
    formula (if any), and new cells below the used range."""
    root = xml(parts(path)[part])
    guarded = guarded_ranges(path, part)

    def free(ref: str) -> bool:
        r, c = _cell_pos(ref)
        return not any(b[0] <= r <= b[2] and b[1] <= c <= b[3] for b in guarded)

    constant = formula = None
    max_row = 0
    for c in root.iter(f"{{{MAIN}}}c"):
        ref = c.get("r")
        if ref is None:
            continue
        max_row = max(max_row, _cell_pos(ref)[0])
        f = c.find(f"{{{MAIN}}}f")
        if not free(ref):
            continue
        if constant is None and f is None and c.find(f"{{{MAIN}}}v") is not None:
            constant = ref
        if formula is None and f is not None and not f.get("t") and (f.text or "").strip():
            formula = ref
    new_row = max_row + 3
    return {"constant": constant, "formula": formula, "new": f"B{new_row}", "new_text": f"C{new_row}",
            "injection": f"D{new_row}", "cf_range": f"B{new_row}:B{new_row + 5}"}


def standard_plan(sheet: str, targets: dict[str, str | None], existing_sheet_names=()) -> Plan:
    """Values, styles and a conditional format into an existing sheet, plus
    an owned sheet."""
    plan = Plan()
    red = Style(fill="FFC7CE", font_color="9C0006", bold=True)
    if targets["constant"]:
        plan.set(sheet, targets["constant"], 42.5, style=Style(fill="FFEB9C", number_format="0.0"))
    if targets["formula"]:
        plan.set(sheet, targets["formula"], "replaced formula", style=Style(italic=True))
    plan.set(sheet, targets["new"], 17, style=Style(border="thin", horizontal="center"))
    plan.set(sheet, targets["new_text"], "Green", formula='IF(B1>0,"Green","Red")')
    plan.set(sheet, targets["injection"], INJECTION)
    plan.changes.append(AddConditionalFormat(sheet, targets["cf_range"], (
        CFRule("expression", f"{targets['new']}>10", red),
        CFRule("cellIs", "5", Style(fill="C6EFCE"), operator="lessThan"))))
    plan.changes.append(SetColumnWidth(sheet, "C", 18))
    name = "KPI Exceptions"
    while name.casefold() in {n.casefold() for n in existing_sheet_names}:
        name += "+"
    plan.sheets.append(OwnedSheet(
        role="exceptions", name=name,
        cells=[SetCell("", "A1", OWNED_MARK, style=Style(bold=True, font_size=14)),
               SetCell("", "A2", "Reds of concern"), SetCell("", "B2", 0.25, style=Style(number_format="0%")),
               SetCell("", "C2", "RED"), SetCell("", "A3", "Reds on watching"), SetCell("", "B3", 3)],
        column_widths={"A": 40, "B": 10},
        conditional_formats=[AddConditionalFormat("", "C2:C20", (
            CFRule("cellIs", '"RED"', red, operator="equal"),))],
        hyperlinks=[Hyperlink("A2", f"'{sheet}'!A1", tooltip="Go to the indicator")],
        validations=[DataValidationList("D2:D20", ("Green", "Amber", "Red"), prompt="Override")],
        freeze="A2", tab_color="376092"))
    return plan


def element_counts(root: etree._Element, skip_cells: set[str] = frozenset()) -> Counter:
    """Elements by tag, leaving out the contents of the cells in ``skip_cells``."""
    counts: Counter = Counter()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        cell = next((a for a in el.iterancestors(f"{{{MAIN}}}c")), None)
        if cell is not None and cell.get("r") in skip_cells:
            continue
        counts[el.tag] += 1
    return counts


def assert_only_wanted_changes(src: Path, dst: Path, result, target_part: str, targets: dict) -> None:
    """Every part we did not mean to change is byte-identical (decompressed);
    changed parts still hold every element they held."""
    before, after = parts(src), parts(dst)
    allowed = {target_part, "xl/styles.xml", "xl/sharedStrings.xml", "xl/workbook.xml",
               "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "docProps/app.xml", "xl/calcChain.xml"}
    changed = set(result.changed_parts)
    assert changed <= allowed, f"unexpected parts changed: {sorted(changed - allowed)}"
    assert set(result.removed_parts) <= {"xl/calcChain.xml"}
    assert all(p.startswith("xl/worksheets/sheet") for p in result.added_parts), result.added_parts
    for name, data in before.items():
        if name in changed or name in result.removed_parts:
            continue
        assert after.get(name) == data, f"part {name} changed but was not meant to"
    assert set(after) == (set(before) - set(result.removed_parts)) | set(result.added_parts)
    overwritten = {t for t in (targets.get("constant"), targets.get("formula")) if t}
    for name in changed:
        if name == "xl/calcChain.xml":
            continue
        skip = overwritten if name == target_part else set()
        b, a = element_counts(xml(before[name]), skip), element_counts(xml(after[name]), skip)
        lost = {etree.QName(t).localname: n - a[t] for t, n in b.items() if a[t] < n}
        assert not lost, f"{name} lost elements: {lost}"


def cell_xml(path: Path, part: str, ref: str) -> etree._Element | None:
    root = xml(parts(path)[part])
    return next((c for c in root.iter(f"{{{MAIN}}}c") if c.get("r") == ref), None)


def lo_convert(soffice: str, files: list[Path], outdir: Path, fmt: str = "pdf", timeout: int = 600) -> Path:
    """Convert with LibreOffice using a private profile; returns outdir."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path("/tmp") / f"lo_profile_{uuid.uuid4().hex[:8]}"
    try:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
                        "--outdir", str(outdir)] + [str(f) for f in files],
                       check=False, capture_output=True, timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return outdir


def pdf_text(pdf: Path) -> str | None:
    exe = shutil.which("pdftotext")
    if not exe:
        return None
    out = subprocess.run([exe, "-layout", str(pdf), "-"], capture_output=True, timeout=120)
    return out.stdout.decode("utf-8", "replace")


def test_bounds_helper():
    assert _bounds("$B$2:D10") == (2, 2, 10, 4)
    assert _cell_pos("AA7") == (7, 27)


# ------------------------------------------------------ hand-made packages

CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES_XML = (f'<styleSheet xmlns="{MAIN}">'
              '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
              '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
              '<fills count="3"><fill><patternFill patternType="none"/></fill>'
              '<fill><patternFill patternType="gray125"/></fill>'
              '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>'
              '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
              '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
              '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
              '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
              '<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
              '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
              '<dxfs count="1"><dxf><fill><patternFill><bgColor rgb="FFFFFF00"/></patternFill></fill></dxf></dxfs>'
              '</styleSheet>')


def sheet_xml(body: str, after_data: str = "", before_data: str = "") -> str:
    return (f'<worksheet xmlns="{MAIN}" xmlns:r="{R}" '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" mc:Ignorable="x14ac">'
            f'<dimension ref="A1"/>{before_data}<sheetData>{body}</sheetData>{after_data}</worksheet>')


def build_package(path: Path, sheets: dict[str, str], *, shared_strings: list[str] | None = None,
                  calc_chain: str | None = None, defined_names: str = "", extra: dict[str, str] | None = None,
                  sheet_rels: dict[int, str] | None = None, app: bool = True, active_tab: int = 0) -> Path:
    """Write a small package by hand (sheet XML given), Excel-style."""
    files: dict[str, str] = {}
    overrides = ['<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                 'officedocument.spreadsheetml.sheet.main+xml"/>',
                 '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
                 'officedocument.spreadsheetml.styles+xml"/>']
    wb_rels = ['<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
               'relationships/styles" Target="styles.xml"/>']
    entries = []
    for i, (name, xml_text) in enumerate(sheets.items(), start=1):
        files[f"xl/worksheets/sheet{i}.xml"] = xml_text
        overrides.append(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CT_SHEET}"/>')
        wb_rels.append(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
                       f'2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>')
        entries.append(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>')
        if sheet_rels and i in sheet_rels:
            files[f"xl/worksheets/_rels/sheet{i}.xml.rels"] = (
                f'<Relationships xmlns="{PKG_R}">{sheet_rels[i]}</Relationships>')
    if shared_strings is not None:
        items = "".join(f"<si><t>{s}</t></si>" for s in shared_strings)
        files["xl/sharedStrings.xml"] = (f'<sst xmlns="{MAIN}" count="{len(shared_strings)}" '
                                         f'uniqueCount="{len(shared_strings)}">{items}</sst>')
        overrides.append('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                         'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
        wb_rels.append('<Relationship Id="rIdSS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       'relationships/sharedStrings" Target="sharedStrings.xml"/>')
    if calc_chain is not None:
        files["xl/calcChain.xml"] = f'<calcChain xmlns="{MAIN}">{calc_chain}</calcChain>'
        overrides.append('<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
                         'officedocument.spreadsheetml.calcChain+xml"/>')
        wb_rels.append('<Relationship Id="rIdCC" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       'relationships/calcChain" Target="calcChain.xml"/>')
    for name, text in (extra or {}).items():
        files[name] = text
    names = f"<definedNames>{defined_names}</definedNames>" if defined_names else ""
    files["xl/workbook.xml"] = (f'<workbook xmlns="{MAIN}" xmlns:r="{R}"><bookViews><workbookView '
                                f'activeTab="{active_tab}"/></bookViews><sheets>{"".join(entries)}</sheets>'
                                f'{names}<calcPr calcId="191029"/></workbook>')
    files["xl/_rels/workbook.xml.rels"] = f'<Relationships xmlns="{PKG_R}">{"".join(wb_rels)}</Relationships>'
    files["xl/styles.xml"] = STYLES_XML
    pkg_rels = ['<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/officeDocument" Target="xl/workbook.xml"/>']
    if app:
        titles = "".join(f"<vt:lpstr>{n}</vt:lpstr>" for n in sheets)
        files["docProps/app.xml"] = (
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            '<Application>Microsoft Excel</Application><HeadingPairs><vt:vector size="4" baseType="variant">'
            f'<vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>{len(sheets)}</vt:i4>'
            '</vt:variant><vt:variant><vt:lpstr>Named Ranges</vt:lpstr></vt:variant><vt:variant><vt:i4>1</vt:i4>'
            f'</vt:variant></vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="{len(sheets) + 1}" '
            f'baseType="lpstr">{titles}<vt:lpstr>Targets</vt:lpstr></vt:vector></TitlesOfParts></Properties>')
        overrides.append('<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-'
                         'officedocument.extended-properties+xml"/>')
        pkg_rels.append('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                        'relationships/extended-properties" Target="docProps/app.xml"/>')
    files["_rels/.rels"] = f'<Relationships xmlns="{PKG_R}">{"".join(pkg_rels)}</Relationships>'
    files["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>' + "".join(overrides) + "</Types>")
    decl = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", decl + files.pop("[Content_Types].xml"))
        for name, text in files.items():
            z.writestr(name, decl + text)
    return path


def sheet_root(path: Path, index: int = 1) -> etree._Element:
    return xml(parts(path)[f"xl/worksheets/sheet{index}.xml"])


def cells_of(path: Path, index: int = 1) -> dict[str, etree._Element]:
    return {c.get("r"): c for c in sheet_root(path, index).iter(f"{{{MAIN}}}c")}
