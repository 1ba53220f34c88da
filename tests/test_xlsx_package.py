"""The zip layer (raw copies) and the integrity check, including that the
check does find what it looks for."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from kpi_xl.plan import Plan, SetCell
from kpi_xl.xlsx.integrity import check_package
from kpi_xl.xlsx.package import relative_target, resolve_target, sheet_part_names, source_of_rels
from kpi_xl.xlsx.writer import apply_plan
from tests.test_xlsx_support import build_package, parts, sheet_xml


def book(tmp_path: Path, **kw) -> Path:
    body = '<row r="1"><c r="A1" s="1"><v>1</v></c></row>'
    return build_package(tmp_path / "book.xlsx", {"Data": sheet_xml(body), "Notes": sheet_xml("")}, **kw)


def rewrite(path: Path, replace: dict[str, bytes] = {}, add: dict[str, bytes] = {}, drop=()) -> None:
    with zipfile.ZipFile(path) as z:
        items = [(i.filename, z.read(i.filename)) for i in z.infolist() if i.filename not in drop]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items:
            z.writestr(name, replace.get(name, data))
        for name, data in add.items():
            z.writestr(name, data)


def test_paths():
    assert resolve_target("xl/workbook.xml", "worksheets/sheet1.xml") == "xl/worksheets/sheet1.xml"
    assert resolve_target("xl/worksheets/sheet1.xml", "../drawings/drawing1.xml") == "xl/drawings/drawing1.xml"
    assert resolve_target("xl/workbook.xml", "/xl/styles.xml") == "xl/styles.xml"
    assert relative_target("xl/worksheets/sheet2.xml", "xl/drawings/drawing1.xml") == "../drawings/drawing1.xml"
    assert source_of_rels("xl/worksheets/_rels/sheet1.xml.rels") == "xl/worksheets/sheet1.xml"
    assert source_of_rels("_rels/.rels") == ""


def test_stored_unicode_and_streamed_members_copied_raw(tmp_path):
    path = book(tmp_path)

    class Unseekable(io.RawIOBase):
        def __init__(self, inner):
            self.inner = inner

        def writable(self):
            return True

        def write(self, b):
            return self.inner.write(b)

    # Members written through a non-seekable stream carry data descriptors.
    streamed = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(Unseekable(streamed), "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            with zout.open(info.filename, "w") as fh:
                fh.write(zin.read(info.filename))
    path.write_bytes(streamed.getvalue())
    picture = bytes(range(256)) * 40
    with zipfile.ZipFile(path, "a") as z:
        z.writestr(zipfile.ZipInfo("xl/media/imäge.bin", (2020, 5, 17, 10, 30, 0)), picture,
                   compress_type=zipfile.ZIP_STORED)
    with zipfile.ZipFile(path) as z:
        assert any(i.flag_bits & 0x08 for i in z.infolist())
        assert z.getinfo("xl/media/imäge.bin").compress_type == zipfile.ZIP_STORED

    result = apply_plan(path, Plan(changes=[SetCell("Data", "B1", 2)]), backup="none")
    assert result.changed
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        info = z.getinfo("xl/media/imäge.bin")
        assert (info.compress_type, info.date_time) == (zipfile.ZIP_STORED, (2020, 5, 17, 10, 30, 0))
        assert z.read("xl/media/imäge.bin") == picture
        assert not any(i.flag_bits & 0x08 for i in z.infolist())
    assert check_package(path) == ["part xl/media/imäge.bin has no content type"]  # the input's own fault


def test_sheet_part_names(tmp_path):
    path = book(tmp_path)
    assert sheet_part_names(path) == {"Data": "xl/worksheets/sheet1.xml", "Notes": "xl/worksheets/sheet2.xml"}


def test_check_finds_missing_relationship_target(tmp_path):
    path = book(tmp_path)
    assert check_package(path) == []
    rewrite(path, drop={"xl/worksheets/sheet2.xml"})
    problems = check_package(path)
    assert any("points to missing part xl/worksheets/sheet2.xml" in p for p in problems)


def test_check_finds_part_without_content_type(tmp_path):
    path = book(tmp_path)
    rewrite(path, add={"xl/media/image1.png": b"\x89PNG"})
    assert check_package(path) == ["part xl/media/image1.png has no content type"]


def test_check_finds_style_index_out_of_range(tmp_path):
    path = book(tmp_path)
    data = parts(path)["xl/worksheets/sheet1.xml"].replace(b's="1"', b's="7"')
    rewrite(path, replace={"xl/worksheets/sheet1.xml": data})
    problems = check_package(path)
    assert len(problems) == 1 and "c A1 s=7 is out of range" in problems[0]


def test_check_finds_duplicate_and_bad_sheet_names(tmp_path):
    path = book(tmp_path)
    data = parts(path)["xl/workbook.xml"].replace(b'name="Notes"', b'name="DATA"')
    rewrite(path, replace={"xl/workbook.xml": data})
    assert any("same ignoring case" in p for p in check_package(path))
    data = data.replace(b'name="DATA"', b'name="Q1/Q2"')
    rewrite(path, replace={"xl/workbook.xml": data})
    assert any("contains /" in p for p in check_package(path))


def test_check_finds_malformed_xml(tmp_path):
    path = book(tmp_path)
    rewrite(path, replace={"xl/worksheets/sheet2.xml": b"<worksheet><sheetData></worksheet>"})
    assert any("not well-formed" in p for p in check_package(path))


def test_check_against_before_finds_lost_elements(tmp_path):
    before = book(tmp_path)
    after = tmp_path / "after.xlsx"
    after.write_bytes(before.read_bytes())
    merged = parts(before)["xl/worksheets/sheet1.xml"].replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>')
    rewrite(before, replace={"xl/worksheets/sheet1.xml": merged})
    problems = check_package(after, before=before)
    assert any("sheet 'Data' lost 1 <mergeCells>, 1 <mergeCell>" in p for p in problems)
    rewrite(after, drop={"docProps/app.xml"})
    assert any("part docProps/app.xml was lost" in p for p in check_package(after, before=before))


def test_check_against_before_ignores_faults_already_there(tmp_path):
    path = book(tmp_path)
    rewrite(path, add={"xl/media/image1.png": b"\x89PNG"})
    out = tmp_path / "out.xlsx"
    result = apply_plan(path, Plan(changes=[SetCell("Data", "B1", 2)]), output=out)
    assert result.changed
    assert check_package(out, before=path) == []
    assert check_package(out) == ["part xl/media/image1.png has no content type"]


@pytest.mark.parametrize("corrupt", ["rels", "content_types"])
def test_writer_refuses_to_replace_with_a_broken_package(tmp_path, monkeypatch, corrupt):
    """If the package the writer produced were broken, the integrity check
    stops it before the original is replaced."""
    from kpi_xl.xlsx import package as package_module

    path = book(tmp_path)
    before = path.read_bytes()
    original_save = package_module.Package.save

    def broken_save(self, out, contents, removed=()):
        contents = dict(contents)
        if corrupt == "rels":
            contents["xl/_rels/workbook.xml.rels"] = self.read("xl/_rels/workbook.xml.rels").replace(
                b"worksheets/sheet2.xml", b"worksheets/nowhere.xml")
        else:
            contents["[Content_Types].xml"] = self.read("[Content_Types].xml").replace(
                b'<Default Extension="xml" ContentType="application/xml"/>', b"").replace(
                b'<Override PartName="/xl/styles.xml"', b'<Override PartName="/xl/nostyles.xml"')
        return original_save(self, out, contents, removed)

    monkeypatch.setattr(package_module.Package, "save", broken_save)
    from kpi_xl.errors import WriteError

    with pytest.raises(WriteError, match="integrity check"):
        apply_plan(path, Plan(changes=[SetCell("Data", "B1", 2)]))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


@pytest.mark.parametrize("big", [False, True])
@pytest.mark.parametrize("bad, found", [
    (b"<sst xmlns='x'><si><t>a</t></sst>", "part xl/sharedStrings.xml is not well-formed XML"),
    (b"<?xml version='1.0'?><!DOCTYPE sst []><sst/>", "part xl/sharedStrings.xml declares a DTD"),
    (b"<sst/><sst/>", "part xl/sharedStrings.xml is not well-formed XML"),
])
def test_check_finds_faults_in_parts_it_only_parses(tmp_path, monkeypatch, bad, found, big):
    """Shared strings (and charts, drawings) are checked without a tree, as a
    stream when huge: the faults the tree parse finds are still found."""
    from kpi_xl.xlsx import big_sheet

    path = build_package(tmp_path / "book.xlsx", {"Data": sheet_xml("")}, shared_strings=["a", "b"])
    assert check_package(path) == []
    rewrite(path, replace={"xl/sharedStrings.xml": bad})
    if big:
        monkeypatch.setattr(big_sheet, "BIG_PART", 0)
    problems = check_package(path)
    assert len(problems) == 1 and found in problems[0], problems


def test_check_xml_refuses_what_parse_xml_refuses():
    from kpi_xl.errors import KpiError
    from kpi_xl.xlsx import safety

    for data in (b"<a><b></a>", b"<!DOCTYPE a><a/>", b"<a/>junk", b"", b"<a>&ent;</a>",
                 b"<?xml version='1.0'?>\n<!-- c -->\n<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>", b"<a/>"):
        outcomes = []
        for check in (safety.parse_xml, safety.check_xml):
            try:
                check(data, "p.xml", "book.xlsx")
                outcomes.append(None)
            except KpiError as exc:
                outcomes.append((type(exc), exc.message))
        assert outcomes[0] == outcomes[1], data

