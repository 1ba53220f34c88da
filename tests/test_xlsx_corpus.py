"""The writer over real Excel-made workbooks (../shared/corpus) and over
workbooks written by openpyxl and by LibreOffice.

For each: add an owned sheet, write values, styles and a conditional
format into an existing sheet; every part not meant to change stays
byte-identical, changed parts keep every element, the integrity check
passes, LibreOffice still converts the result; a second identical plan
changes nothing.
"""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import openpyxl
import re

import pytest
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from kpi_xl.plan import AddConditionalFormat, Plan, SetCell, Style
from kpi_xl.xlsx.integrity import check_package
from kpi_xl.xlsx.workbook_part import owned_sheets
from kpi_xl.errors import RefusedFile
from kpi_xl.xlsx.writer import apply_plan
from tests.test_xlsx_support import (MAIN, OWNED_MARK, assert_only_wanted_changes, cell_xml,
                                     first_worksheet, lo_convert, parts, pdf_text, pick_targets, standard_plan,
                                     state, workbook_sheets, xml)


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm"))


def run_standard(src: Path, work: Path) -> tuple[Path, object]:
    """Apply the standard plan to a copy of ``src``; check everything but
    LibreOffice. Returns the output path and the first result."""
    dst = work / src.name
    shutil.copyfile(src, dst)
    sheet, part = first_worksheet(dst)
    targets = pick_targets(dst, part)
    names = [n for n, _, _ in workbook_sheets(dst)]
    plan = standard_plan(sheet, targets, names)
    if re.search(rb'<sheetProtection[^>]*\ssheet="(1|true)"', parts(dst)[part]):
        # A protected sheet is refused (issue 13, S2) and the file left alone;
        # the writer's other checks then run on a copy without the protection.
        with pytest.raises(RefusedFile, match="is protected"):
            apply_plan(dst, plan, backup="none")
        assert dst.read_bytes() == src.read_bytes()
        src = _without_sheet_protection(dst, part, work / f"unprotected_{src.name}")
        shutil.copyfile(src, dst)

    result = apply_plan(dst, plan, backup="none")
    assert result.changed
    assert_only_wanted_changes(src, dst, result, part, targets)
    assert check_package(dst, before=src) == []
    assert check_package(dst) == [p for p in check_package(src)]  # no new faults of its own
    assert "exceptions" in owned_sheets(dst)

    # Formula injection: the text stays a text cell.
    c = cell_xml(dst, part, targets["injection"])
    assert c.get("t") in ("s", "inlineStr") and c.find(f"{{{MAIN}}}f") is None

    # A second identical plan changes nothing and leaves the file alone.
    again_before = state(dst)
    again = apply_plan(dst, standard_plan(sheet, targets, names), backup="none")
    assert not again.changed, again.as_dict()
    assert state(dst) == again_before
    return dst, result


def _without_sheet_protection(path: Path, part: str, out: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(path) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
        for info in z.infolist():
            data = z.read(info)
            if info.filename == part:
                data = re.sub(rb"<sheetProtection[^>]*/>", b"", data)
            w.writestr(info, data)
    return out


def test_corpus_every_workbook(corpus_dir, tmp_path):
    files = corpus_files(corpus_dir)
    assert len(files) >= 1
    failures = []
    for src in files:
        try:
            run_standard(src, tmp_path)
        except AssertionError as exc:
            failures.append(f"{src.name}: {exc}")
    assert not failures, "\n".join(failures)


def _later(formula: str) -> str:
    """'B5>10' -> 'B5>12'; '5' -> '6'."""
    head, sep, number = formula.rpartition(">")
    return f"{head}{sep}{int(number) + (2 if sep else 1)}"


def next_quarter(plan):
    """The same plan a quarter later: other values, other rule formulas."""
    changes = []
    for change in plan.changes:
        if isinstance(change, SetCell) and isinstance(change.value, (int, float)) and not change.formula:
            change = replace(change, value=change.value + 1, style=Style(fill="C6EFCE"))
        if isinstance(change, AddConditionalFormat):
            change = replace(change, rules=tuple(replace(r, formula=_later(r.formula)) for r in change.rules))
        changes.append(change)
    return Plan(changes=changes, sheets=plan.sheets, remove=plan.remove)


def test_corpus_next_refresh_replaces_kpixl_rules(corpus_dir, tmp_path):
    failures = []
    for src in corpus_files(corpus_dir):
        try:
            first, _ = run_standard(src, tmp_path)
            sheet, part = first_worksheet(src)
            targets = pick_targets(src, part)
            names = [n for n, _, _ in workbook_sheets(src)]
            later = next_quarter(standard_plan(sheet, targets, names))
            snapshot = tmp_path / ("q1_" + src.name)
            shutil.copyfile(first, snapshot)
            result = apply_plan(first, later, backup="none")
            assert result.changed and not result.added_parts and not result.removed_parts
            assert check_package(first, before=snapshot) == []
            root = xml(parts(first)[part])
            ours = [cf for cf in root.iter(f"{{{MAIN}}}conditionalFormatting")
                    if cf.get("sqref") == targets["cf_range"]]
            formulas = [f.text for cf in ours for f in cf.iter(f"{{{MAIN}}}formula")]
            assert formulas == [f"{targets['new']}>12", "6"], formulas
            stable = state(first)
            assert not apply_plan(first, next_quarter(standard_plan(sheet, targets, names)), backup="none").changed
            assert state(first) == stable
        except AssertionError as exc:
            failures.append(f"{src.name}: {exc}")
    assert not failures, "\n".join(failures)


def test_shared_council_workbooks(shared_workbooks, tmp_path):
    for src in sorted(shared_workbooks.glob("*.xlsx")):
        run_standard(src, tmp_path)


def test_corpus_macros_untouched(corpus_dir, tmp_path):
    for src in [p for p in corpus_files(corpus_dir) if p.suffix.lower() == ".xlsm"]:
        dst, _ = run_standard(src, tmp_path)
        before, after = parts(src), parts(dst)
        for name in before:
            if name.lower().endswith("vbaproject.bin"):
                assert after[name] == before[name]
        ct = after["[Content_Types].xml"].decode()
        assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in ct


@pytest.mark.libreoffice
def test_corpus_outputs_open_in_libreoffice(corpus_dir, soffice, tmp_path):
    work = tmp_path / "out"
    work.mkdir()
    sources = corpus_files(corpus_dir)
    outputs = [run_standard(src, work)[0] for src in sources]
    before_pdf = lo_convert(soffice, sources, tmp_path / "pdf_before")
    after_pdf = lo_convert(soffice, outputs, tmp_path / "pdf_after")
    missing, unmarked = [], []
    for src in sources:
        if not (before_pdf / (src.stem + ".pdf")).exists():
            continue  # LibreOffice cannot convert the original either
        pdf = after_pdf / (src.stem + ".pdf")
        if not pdf.exists() or pdf.stat().st_size == 0:
            missing.append(src.name)
            continue
        text = pdf_text(pdf)
        if text is not None and OWNED_MARK not in text:
            unmarked.append(src.name)
    assert not missing, f"LibreOffice could not convert: {missing}"
    assert not unmarked, f"the owned sheet is not in the PDF of: {unmarked}"


# ------------------------------------------------------- other writers

def build_openpyxl_book(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Indicators"
    ws.append(["ID", "Indicator", "Target", "Q1", "Q2", "Total"])
    for i in range(1, 21):
        ws.append([f"CSC{i:02d}", f"Indicator {i}", 50 + i, 40 + i, 45 + i, f"=D{i + 1}+E{i + 1}"])
    ws["A1"].font = Font(bold=True)
    ws["C2"].fill = PatternFill("solid", fgColor="FFEB9C")
    ws.merge_cells("H1:I1")
    ws["H1"] = "Merged note"
    ws.conditional_formatting.add("D2:D21", CellIsRule(operator="lessThan", formula=["C2"],
                                                       fill=PatternFill("solid", bgColor="FFC7CE")))
    dv = DataValidation(type="list", formula1='"Yes,No"')
    ws.add_data_validation(dv)
    dv.add("G2:G21")
    ws.freeze_panes = "A2"
    other = wb.create_sheet("Notes")
    other["A1"] = "Commentary"
    wb.defined_names["Targets"] = openpyxl.workbook.defined_name.DefinedName("Targets", attr_text="Indicators!$C$2:$C$21")
    wb.save(path)


def test_openpyxl_written_input(tmp_path):
    src = tmp_path / "src" / "openpyxl_book.xlsx"
    src.parent.mkdir()
    build_openpyxl_book(src)
    assert "xl/sharedStrings.xml" not in parts(src)  # openpyxl writes inline strings
    dst, _ = run_standard(src, tmp_path)
    assert check_package(dst) == []


@pytest.mark.libreoffice
def test_libreoffice_written_input(soffice, tmp_path):
    built = tmp_path / "built" / "lo_book.xlsx"
    built.parent.mkdir()
    build_openpyxl_book(built)
    lo_convert(soffice, [built], tmp_path / "src", fmt="xlsx")
    src = tmp_path / "src" / "lo_book.xlsx"
    assert src.exists(), "LibreOffice did not convert the test workbook"
    assert "xl/sharedStrings.xml" in parts(src)  # LibreOffice writes shared strings
    work = tmp_path / "work"
    work.mkdir()
    dst, _ = run_standard(src, work)
    pdf = lo_convert(soffice, [dst], tmp_path / "pdf") / "lo_book.pdf"
    assert pdf.exists() and pdf.stat().st_size > 0
    text = pdf_text(pdf)
    if text is not None:
        assert OWNED_MARK in text
        assert "HYPERLINK" in text  # the injected text is shown as text, not evaluated


@pytest.mark.libreoffice
def test_openpyxl_written_output_opens_in_libreoffice(soffice, tmp_path):
    src = tmp_path / "src" / "openpyxl_book.xlsx"
    src.parent.mkdir()
    build_openpyxl_book(src)
    dst, _ = run_standard(src, tmp_path)
    pdf = lo_convert(soffice, [dst], tmp_path / "pdf") / "openpyxl_book.pdf"
    assert pdf.exists() and pdf.stat().st_size > 0
    text = pdf_text(pdf)
    if text is not None:
        assert OWNED_MARK in text
