"""A huge sheet is patched as a partial tree and spliced into its bytes
(kpi_xl/xlsx/big_sheet.py), and checked by streaming it (integrity).

The splice must write exactly what patching the whole tree writes. Here
every sheet counts as huge (``BIG_PART = 0``) and each workbook is written
both ways; the bytes must be the same.
"""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from kpi_xl.plan import AddConditionalFormat, CFRule, Plan, SetCell, SetColumnWidth, Style
from kpi_xl.xlsx import big_sheet, integrity
from kpi_xl.xlsx.writer import apply_plan
from tests.test_xlsx_support import build_package, sheet_xml

BODY = ('<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"><v>5</v></c></row>'
        '<row r="3"><c r="A3" t="s"><v>1</v></c><c r="C3"><f>B1*2</f><v>10</v></c></row>'
        '<row r="7"><c r="A7"><v>1</v></c></row>'
        '<row r="9" ht="20" customHeight="1"/>')

CHANGES = [
    SetCell("Data", "B1", 6),  # a cell in a row taken
    SetCell("Data", "D3", "=not a formula", style=Style(bold=True)),  # a new cell in a row taken
    SetCell("Data", "B2", "new row between"),  # rows that are not there yet
    SetCell("Data", "A5", 12, formula="SUM(B1:B3)"),
    SetCell("Data", "C12", 3.5, style=Style(fill="FFC7CE")),  # after the last row
    SetCell("Data", "A9", "into an empty row"),
    SetColumnWidth("Data", "D", 30),
    AddConditionalFormat("Data", "C1:C20", (CFRule("cellIs", operator="greaterThan", formula="5",
                                                   style=Style(fill="C6EFCE")),)),
]


def _book(tmp_path: Path, body: str = BODY) -> Path:
    return build_package(tmp_path / "book.xlsx", {"Data": sheet_xml(body), "Notes": sheet_xml("")},
                         shared_strings=["ID", "Name"])


def _written_both_ways(tmp_path: Path, book: Path, changes, monkeypatch, write=None) -> tuple[dict, dict, list]:
    """The parts of ``book`` after ``changes`` through the whole tree and
    through the splice, and whether each sheet the writer opened was spliced."""
    write = write or (lambda path: apply_plan(path, Plan(changes=list(changes)), backup="none"))
    outs = []
    used: list[bool] = []
    for mode in ("whole", "splice"):
        folder = tmp_path / mode
        folder.mkdir()
        copy = folder / book.name
        shutil.copyfile(book, copy)
        if mode == "splice":
            monkeypatch.setattr(big_sheet, "BIG_PART", 0)
            real_load = big_sheet.load

            def spy(*args):
                splice = real_load(*args)
                used.append(splice is not None)
                return splice
            monkeypatch.setattr(big_sheet, "load", spy)
        write(copy)
        with zipfile.ZipFile(copy) as zf:
            outs.append({name: zf.read(name) for name in zf.namelist()})
    monkeypatch.undo()
    return outs[0], outs[1], used


def test_splice_writes_what_the_whole_tree_writes(tmp_path, monkeypatch):
    whole, spliced, used = _written_both_ways(tmp_path, _book(tmp_path), CHANGES, monkeypatch)
    assert used == [True]
    assert list(whole) == list(spliced)
    for name in whole:
        assert whole[name] == spliced[name], name
    assert b"new row between" in whole["xl/sharedStrings.xml"]


@pytest.mark.parametrize("body, why", [
    ('<row r="1"><c r="A1"><f t="array" ref="A1:A3">B1:B3</f><v>1</v></c></row>', "array formula"),
    ('<row><c r="A1"><v>1</v></c></row><row><c r="A2"><v>2</v></c></row>', "rows without r"),
    ('<row r="2"><c r="A2"><v>1</v></c></row><row r="1"><c r="A1"><v>2</v></c></row>', "rows out of order"),
    ('<row r="1"><c r="A1"><v>1</v></c></row><!-- <row r="5"> --><row r="2"><c r="A2"><v>2</v></c></row>',
     "a comment among the rows"),
    ('<row r="1"><c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2</f><v>2</v></c></row>'
     '<row r="2"><c r="B2"><f t="shared" si="0"/><v>4</v></c></row>', "a shared formula's master written"),
])
def test_sheets_the_splice_does_not_take_on_are_patched_whole(tmp_path, monkeypatch, body, why):
    changes = [SetCell("Data", "B1", 7), SetCell("Data", "C2", 1)]
    whole, spliced, used = _written_both_ways(tmp_path, _book(tmp_path, body), changes, monkeypatch)
    assert used == [False], why
    assert whole == spliced


def test_refresh_of_shared_workbooks_is_the_same_spliced(tmp_path, monkeypatch, shared_workbooks):
    from kpi_xl.config import load_config
    from kpi_xl.refresh_job import refresh

    for book in sorted(shared_workbooks.glob("*.xlsx")):
        case = tmp_path / book.stem
        case.mkdir()
        whole, spliced, used = _written_both_ways(
            case, book, (), monkeypatch, write=lambda path: refresh(path, load_config(), backup="none"))
        assert used and all(used), book.name
        assert whole == spliced, book.name


def test_streamed_check_finds_what_the_tree_check_finds(tmp_path, monkeypatch):
    book = _book(tmp_path)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = (data.replace(b'<c r="A7">', b'<c r="A7" s="99">').replace(b'<row r="9"', b'<row r="8"/><row r="9"')
                        .replace(b'<c r="B1" s="1">', b'<c r="B1" s="97">').replace(b'<row r="3">', b'<row r="3" s="x">')
                        .replace(b'<c r="C3">', b'<c r="C3" s="99">'))
            dst.writestr(item, data)
    by_tree = integrity.check_package(bad, before=book)
    monkeypatch.setattr(big_sheet, "BIG_PART", 0)
    assert integrity.check_package(bad, before=book) == by_tree
    assert any("s=99" in problem for problem in by_tree)
    # a row lost is seen by the counts
    lost = tmp_path / "lost.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(lost, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<row r="7"><c r="A7"><v>1</v></c></row>', b"")
            dst.writestr(item, data)
    streamed = integrity.check_package(lost, before=book)
    monkeypatch.undo()
    assert streamed == integrity.check_package(lost, before=book)
    assert any("lost" in problem and "<row>" in problem for problem in streamed)
    # not well formed
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</row>", b"</rowx>", 1)
            dst.writestr(item, data)
    monkeypatch.setattr(big_sheet, "BIG_PART", 0)
    assert any("not well-formed" in p for p in integrity.check_package(broken))
