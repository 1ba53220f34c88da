"""Refusals: each with its one-line message, and the original file unchanged
(same bytes, same modification time)."""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.errors import RefusedFile, WorkbookError, WriteError
from kpi_xl.plan import Plan
from kpi_xl.xlsx import safety
from kpi_xl.xlsx.writer import apply_plan
from tests.test_xlsx_support import state

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def small_book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active["A1"] = "Indicator"
    wb.active["B1"] = 12
    wb.save(path)
    return path


def a_plan() -> Plan:
    plan = Plan()
    plan.set("Data", "C1", "RED")
    return plan


def rewrite_zip(src: Path, dst: Path, replace: dict[str, bytes] | None = None,
                add: dict[str, bytes] | None = None, drop: set[str] = frozenset()) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = (replace or {}).get(info.filename, zin.read(info.filename))
            zout.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def assert_refused(path: Path, *words: str, error=WorkbookError) -> str:
    """apply_plan refuses ``path`` with a one-line message naming the file
    and containing ``words``; the file keeps its bytes and mtime."""
    before = state(path)
    os.utime(path, ns=(before[1] - 10_000_000_000, before[1] - 10_000_000_000))  # a distinct, older mtime
    before = state(path)
    with pytest.raises(error) as info:
        apply_plan(path, a_plan())
    message = str(info.value)
    assert "\n" not in message
    assert path.name in message
    for word in words:
        assert word.lower() in message.lower(), message
    assert state(path) == before
    assert not list(path.parent.glob("*.kpixl-tmp"))
    assert not path.with_name(path.name + ".bak").exists()
    return message


def test_missing_file(tmp_path):
    with pytest.raises(WorkbookError, match="not found"):
        apply_plan(tmp_path / "nowhere.xlsx", a_plan())


def test_lock_file_refused(tmp_path):
    book = small_book(tmp_path / "book.xlsx")
    (tmp_path / "~$book.xlsx").write_bytes(b"owner")
    assert_refused(book, "open in Excel", "~$book.xlsx", "close it", error=RefusedFile)
    safety.assert_readable(book)  # reading is still fine


def test_encrypted_ole_refused(tmp_path):
    book = tmp_path / "secret.xlsx"
    book.write_bytes(OLE + b"\0" * 4096)
    assert_refused(book, "encrypted", "password", error=RefusedFile)


def test_xls_refused(tmp_path):
    book = tmp_path / "old.xls"
    book.write_bytes(OLE + b"\0" * 4096)
    assert_refused(book, ".xls", "save it as", ".xlsx", error=RefusedFile)


def test_xlsb_refused_by_extension(tmp_path):
    book = tmp_path / "binary.xlsb"
    small_book(tmp_path / "x.xlsx").rename(book)
    assert_refused(book, ".xlsb", "save it as", error=RefusedFile)


def test_xlsb_content_refused(tmp_path):
    src = small_book(tmp_path / "src.xlsx")
    rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'officeDocument" Target="xl/workbook.bin"/></Relationships>')
    book = rewrite_zip(src, tmp_path / "renamed.xlsx", replace={"_rels/.rels": rels},
                       add={"xl/workbook.bin": b"\x83\x01\x00"}, drop={"xl/workbook.xml"})
    assert_refused(book, "binary", error=RefusedFile)


def test_strict_ooxml_refused(tmp_path):
    src = small_book(tmp_path / "src.xlsx")
    with zipfile.ZipFile(src) as z:
        wb = z.read("xl/workbook.xml")
    strict = wb.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                        b"http://purl.oclc.org/ooxml/spreadsheetml/main")
    book = rewrite_zip(src, tmp_path / "strict.xlsx", replace={"xl/workbook.xml": strict})
    assert_refused(book, "Strict", "save it", error=RefusedFile)


def test_zip_bomb_ratio_refused(tmp_path):
    src = small_book(tmp_path / "src.xlsx")
    book = rewrite_zip(src, tmp_path / "bomb.xlsx", add={"xl/media/padding.bin": b"\0" * (8 << 20)})
    assert_refused(book, "zip bomb", "expands", error=RefusedFile)


def test_zip_bomb_total_size_refused(tmp_path, monkeypatch):
    book = small_book(tmp_path / "big.xlsx")
    monkeypatch.setattr(safety, "MAX_TOTAL_UNCOMPRESSED", 10_000)
    assert_refused(book, "zip bomb", "would expand", error=RefusedFile)


def test_declared_size_lie_refused(tmp_path):
    """A zip directory claiming a part expands to 3 GiB is refused from the
    directory alone, before anything is decompressed."""
    src = small_book(tmp_path / "src.xlsx")
    data = bytearray(src.read_bytes())
    name = b"xl/styles.xml"
    pos = data.find(b"PK\x01\x02")
    while bytes(data[pos + 46:pos + 46 + int.from_bytes(data[pos + 28:pos + 30], "little")]) != name:
        pos = data.find(b"PK\x01\x02", pos + 4)
        assert pos != -1
    data[pos + 24:pos + 28] = (3 << 30).to_bytes(4, "little")  # uncompressed size
    book = tmp_path / "liar.xlsx"
    book.write_bytes(bytes(data))
    assert_refused(book, "zip bomb", error=RefusedFile)


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/styles.xml"])
def test_dtd_and_entities_refused(tmp_path, part):
    src = small_book(tmp_path / "src.xlsx")
    with zipfile.ZipFile(src) as z:
        body = z.read(part)
    body = body.split(b"?>", 1)[1] if body.startswith(b"<?xml") else body
    hostile = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE x [<!ENTITY lol "lol">'
               b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n' + body)
    book = rewrite_zip(src, tmp_path / "dtd.xlsx", replace={part: hostile})
    assert_refused(book, "DTD", part, error=RefusedFile)


def test_damaged_zip_refused(tmp_path):
    src = small_book(tmp_path / "src.xlsx")
    book = tmp_path / "cut.xlsx"
    book.write_bytes(src.read_bytes()[:-200])
    assert_refused(book, "damaged", "repair")


def test_damaged_part_refused(tmp_path):
    """A part whose compressed bytes are corrupt (bad CRC) is found before
    writing, even though the writer would only copy it."""
    book = corrupt_part(small_book(tmp_path / "src.xlsx"), "xl/theme/theme1.xml",
                        tmp_path / "corrupt.xlsx")
    assert_refused(book, "damaged")


def corrupt_part(src, part: str, book):
    """A copy of ``src`` with 40 bytes inside ``part``'s compressed data
    flipped (its CRC no longer matches)."""
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as z:
        info = z.getinfo(part)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 100, start + 140):
        data[i] ^= 0x55
    book.write_bytes(bytes(data))
    return book


def test_not_a_zip_refused(tmp_path):
    book = tmp_path / "notes.xlsx"
    book.write_text("just some text")
    assert_refused(book, "not an Excel", ".xlsx")


def test_parse_xml_refuses_dtd_and_allows_plain():
    root = safety.parse_xml(b'<?xml version="1.0"?><a xmlns="urn:x"><b/></a>', "x.xml", "book.xlsx")
    assert root.tag == "{urn:x}a"
    with pytest.raises(RefusedFile, match="DTD"):
        safety.parse_xml(b'<!DOCTYPE a SYSTEM "http://example.com/a.dtd"><a/>', "x.xml", "book.xlsx")
    with pytest.raises(RefusedFile, match="DTD"):
        safety.parse_xml('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'
                         .encode("utf-16"), "x.xml", "book.xlsx")
    with pytest.raises(WorkbookError, match="not well-formed"):
        safety.parse_xml(b"<a><b></a>", "xl/x.xml", "book.xlsx")


def test_read_only_folder_refused(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can write into read-only folders")
    folder = tmp_path / "ro"
    folder.mkdir()
    book = small_book(folder / "book.xlsx")
    folder.chmod(0o555)
    try:
        assert_refused(book, "read-only", error=RefusedFile)
    finally:
        folder.chmod(0o755)


def test_failed_write_leaves_original(tmp_path):
    """A plan that fails half-way (unknown sheet) leaves the file as it was."""
    book = small_book(tmp_path / "book.xlsx")
    before = state(book)
    plan = a_plan()
    plan.set("No such sheet", "A1", 1)
    with pytest.raises(WriteError, match="No such sheet"):
        apply_plan(book, plan)
    assert state(book) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_integrity_failure_leaves_original(tmp_path, monkeypatch):
    """When the re-opened package fails the integrity check nothing is replaced."""
    book = small_book(tmp_path / "book.xlsx")
    before = state(book)
    import kpi_xl.xlsx.integrity as integrity

    monkeypatch.setattr(integrity, "check_package", lambda *a, **k: ["forced problem for the test"])
    with pytest.raises(WriteError, match="integrity check: forced problem"):
        apply_plan(book, a_plan())
    assert state(book) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_assert_readable_accepts_real_workbooks(shared_workbooks, corpus_dir):
    for path in list(shared_workbooks.glob("*.xlsx")) + list(corpus_dir.glob("*.xls[xm]")):
        safety.assert_readable(path)
        safety.verify_parts(path)


def test_dry_run_allowed_while_open_in_excel(tmp_path):
    book = small_book(tmp_path / "book.xlsx")
    (tmp_path / "~$book.xlsx").write_bytes(b"owner")
    before = state(book)
    result = apply_plan(book, a_plan(), dry_run=True)
    assert result.changed and result.dry_run and "xl/worksheets/sheet1.xml" in result.changed_parts
    assert state(book) == before


def test_output_open_in_excel_refused(tmp_path):
    book = small_book(tmp_path / "book.xlsx")
    (tmp_path / "~$out.xlsx").write_bytes(b"owner")
    (tmp_path / "out.xlsx").write_bytes(book.read_bytes())
    with pytest.raises(RefusedFile, match="out.xlsx.*open in Excel"):
        apply_plan(book, a_plan(), output=tmp_path / "out.xlsx")


@pytest.fixture(params=["in-process", "in a child"])
def read_through(request, monkeypatch):
    """Where the parts are read through: a thread or the writer itself, or a
    child process (a big package's way, here for any size)."""
    from kpi_xl.xlsx import part_check

    if request.param == "in a child":
        if not part_check.can_use_child():
            pytest.skip("no child process check on this platform")
        monkeypatch.setattr(part_check, "CHILD_FROM", 0)
    return request.param


def test_damaged_part_refused_when_read_through_early(tmp_path, read_through):
    """The read-through started as the package opens (``verify_early``, what
    a refresh does) refuses a bad CRC as the writer's own does; a package
    closed before the writer waits stops it."""
    from kpi_xl.xlsx.package import Package

    src = small_book(tmp_path / "src.xlsx")
    with zipfile.ZipFile(src, "a", zipfile.ZIP_DEFLATED) as z:  # a part only ever copied
        z.writestr("customXml/item9.bin", bytes(range(256)) * 400)
    book = corrupt_part(src, "customXml/item9.bin", tmp_path / "corrupt.xlsx")
    before = state(book)
    with Package.open(book) as pkg:
        pkg.verify_early()
        with pytest.raises(WorkbookError, match="is damaged"):
            apply_plan(book, a_plan(), package=pkg)
    assert state(book) == before
    with Package.open(book) as pkg:
        pkg.verify_early()
    if read_through == "in a child":
        assert pkg.early_verify._thread is None and pkg.early_verify._child._proc.poll() is not None
    else:
        assert not pkg.early_verify._thread.is_alive()
    with Package.open(src) as pkg:
        pkg.verify_early()
        assert apply_plan(src, a_plan(), package=pkg, backup="none").changed


def test_one_checker_for_many_parts_says_what_a_fresh_parse_says():
    """check_xml with one reused parser (the integrity check's, over
    thousands of charts) against a fresh parser per part, in any order of
    sound, broken and DTD-declaring parts."""
    import random

    from kpi_xl.errors import KpiError
    from kpi_xl.xlsx import safety

    parts = [b'<?xml version="1.0"?><a><b x="1">t</b></a>', b"<a><b></a>", b"<a>&amp;</a>", b"<a>&nope;</a>",
             b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', b"<a/><b/>", b"", b"<a>\xff</a>",
             '<a>é</a>'.encode(), b"<a><![CDATA[<x>]]></a>"]

    def verdict(data, checker=None):
        try:
            safety.check_xml(data, "xl/charts/chart1.xml", "book.xlsx", checker)
        except KpiError as exc:
            return type(exc).__name__, exc.message
        return None

    rng = random.Random(1)
    checker = safety.Soundness().checker()
    for data in rng.choices(parts, k=300):
        assert verdict(data, checker) == verdict(data)


def test_name_problem_as_the_character_loops_said():
    """name_problem's searches against the loops they replace (the oracle), on odd names."""
    import random

    from kpi_xl.xlsx import safety

    def as_it_was(name):
        if not name:
            return "an empty name"
        if "\\" in name:
            return "a backslash"
        if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
            return "an absolute path"
        if any(seg == ".." for seg in name.split("/")):
            return "'..'"
        if any(ord(ch) < 32 for ch in name):
            return "a control character"
        return None

    rng = random.Random(2)
    alphabet = ["a", "/", ".", "..", "\x00", "\x1f", " ", "\x7f", "é", ":", "x/", "\t", "\n"]
    names = ["", "a", "../a", "a/../b", "a/..", "a/...", ".a", "a\x1fb", "a b", "xl/\x7f"]
    names += ["".join(rng.choices(alphabet, k=rng.randint(1, 8))) for _ in range(5000)]
    for name in names:
        assert safety.name_problem(name) == as_it_was(name), repr(name)


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_part_found_damaged_once_the_changes_are_built_is_refused_as_damaged(tmp_path, dry_run,
                                                                              read_through):
    """The writer waits for the read-through after building its changes (so
    it runs meanwhile), and before writing or answering a dry run: a bad
    CRC in a part only ever copied is still refused, as a damaged workbook
    (WorkbookError, not a failed write), and nothing is written."""
    from kpi_xl.xlsx.package import Package

    src = small_book(tmp_path / "src.xlsx")
    with zipfile.ZipFile(src, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("customXml/item9.bin", bytes(range(256)) * 400)
    book = corrupt_part(src, "customXml/item9.bin", tmp_path / "corrupt.xlsx")
    before = state(book)
    for early in (True, False):
        with Package.open(book) as pkg:
            if early:
                pkg.verify_early()
            with pytest.raises(WorkbookError, match="is damaged") as err:
                apply_plan(book, a_plan(), package=pkg, dry_run=dry_run)
            assert not isinstance(err.value, WriteError)
    with pytest.raises(WorkbookError, match="is damaged"):
        apply_plan(book, a_plan(), dry_run=dry_run)  # no package handed over: opened and read here
    assert state(book) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrupt.xlsx", "src.xlsx"]
