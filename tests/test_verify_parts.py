"""Reading every part through (the CRC check before writing) at an offset,
with zlib-ng where installed, accepts and refuses what reading each part
through zipfile does (issue 16: a 280 MB extract is inflated for it)."""
from __future__ import annotations

import io
import random
import zipfile
import zlib

import pytest

from kpi_xl.errors import WorkbookError
from kpi_xl.xlsx import part_check, safety

PARTS = {"xl/worksheets/sheet1.xml": (b"<row>" + b"x" * 5000 + b"</row>") * 400,  # 2 MB, several reads
         "xl/theme/theme1.xml": random.Random(1).randbytes(40_000),
         "docProps/app.xml": b"<Properties/>", "empty.bin": b""}


def _zip(stored: bool = False, descriptor: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as z:
        for name, data in PARTS.items():
            if descriptor:  # written to a stream that cannot seek: sizes after the data
                info = zipfile.ZipInfo(name)
                info.compress_type = z.compression
                with z.open(info, "w", force_zip64=False) as fh:
                    fh.write(data)
            else:
                z.writestr(name, data)
    return buf.getvalue()


def _start(data: bytes, name: str) -> tuple[zipfile.ZipInfo, int]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(name)
    return info, info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)


def _flip(data: bytes, name: str, at: int, count: int = 8) -> bytes:
    info, start = _start(data, name)
    out = bytearray(data)
    for i in range(start + at, start + min(at + count, info.compress_size)):
        out[i] ^= 0x5A
    return bytes(out)


def _cases() -> dict[str, bytes]:
    good = _zip()
    info, start = _start(good, "xl/worksheets/sheet1.xml")
    cases = {"good": good, "stored": _zip(stored=True), "data descriptors": _zip(descriptor=True),
             "theme flipped": _flip(good, "xl/theme/theme1.xml", 200),
             "sheet flipped at its end": _flip(good, "xl/worksheets/sheet1.xml", info.compress_size - 4, 4),
             "sheet flipped in its middle": _flip(good, "xl/worksheets/sheet1.xml", info.compress_size // 2, 64),
             "stored flipped": _flip(_zip(stored=True), "xl/theme/theme1.xml", 10),
             "cut in a part": good[:start + info.compress_size // 2]}
    # A central directory that says other than the data does.
    for what, old, new in [("smaller", len(PARTS["docProps/app.xml"]), 5), ("larger", 13, 200)]:
        buf = bytearray(good)
        with zipfile.ZipFile(io.BytesIO(good)) as z:
            app = z.getinfo("docProps/app.xml")
        entry = buf.find(b"docProps/app.xml", app.header_offset + 40)
        size_at = entry - 46 + 24  # the uncompressed size field of its directory entry
        assert int.from_bytes(buf[size_at:size_at + 4], "little") == old
        buf[size_at:size_at + 4] = new.to_bytes(4, "little")
        cases[f"declared size {what}"] = bytes(buf)
    return cases


def _inflaters():
    found = [zlib]
    try:
        from zlib_ng import zlib_ng
        found.append(zlib_ng)
    except ImportError:
        pass
    return found


WAYS = ["at offsets", "through zipfile", "in a child"]


def _read_through(book, way: str, inflater, monkeypatch) -> str:
    """What reading every part of ``book`` through one way says."""
    monkeypatch.setattr(part_check, "inflater", lambda: inflater)
    if way == "through zipfile":
        monkeypatch.setattr(safety, "_pread_fd", lambda zf: None)
    if way == "in a child":
        if not part_check.can_use_child():
            pytest.skip("no child process check on this platform")
        monkeypatch.setattr(part_check, "CHILD_FROM", 0)
        if inflater is zlib:  # the child imports zlib-ng only from where it is handed
            monkeypatch.setattr(part_check, "_zlib_ng_home", lambda: "")
    try:
        with open(book, "rb") as fh, zipfile.ZipFile(fh) as z:
            if way == "in a child":
                assert safety._child_check(z) is not None
            safety.verify_parts(book, z)
        return "read"
    except WorkbookError as exc:
        return str(exc).split("(")[1].split(")")[0]  # the fault named in the message
    except zipfile.BadZipFile:
        return "not a zip"
    finally:
        monkeypatch.undo()


@pytest.mark.parametrize("case", list(_cases()))
def test_reading_at_an_offset_says_what_zipfile_says(case, tmp_path, monkeypatch):
    """In-process at file offsets, through zipfile, or in a child process,
    with zlib or zlib-ng: one outcome, and the same fault named."""
    book = tmp_path / "book.xlsx"
    book.write_bytes(_cases()[case])
    outcomes = {way: set() for way in WAYS}
    for inflater in _inflaters():
        for way in WAYS:
            outcomes[way].add(_read_through(book, way, inflater, monkeypatch))
    through_zipfile = outcomes["through zipfile"]
    assert len(through_zipfile) == 1, outcomes
    expected = "read" if case in ("good", "stored", "data descriptors", "declared size larger") else None
    if expected:
        assert through_zipfile == {expected}
    else:
        assert through_zipfile != {"read"}
    for way in WAYS:
        if "CRC" in next(iter(through_zipfile)) or expected:  # a CRC fault names the part: the same words
            assert outcomes[way] == through_zipfile, (way, outcomes)
        else:  # a cut or bad stream: the same verdict (zlib's words differ between its builds)
            assert ("read" in outcomes[way]) == ("read" in through_zipfile), (way, outcomes)


def test_a_file_offset_reader_is_used_where_the_platform_has_one(tmp_path):
    book = tmp_path / "book.xlsx"
    book.write_bytes(_zip())
    with open(book, "rb") as fh, zipfile.ZipFile(fh) as z:
        assert (safety._pread_fd(z) is not None) == hasattr(__import__("os"), "pread")
        safety._read_every_part(z)
        assert z.read("docProps/app.xml") == b"<Properties/>"  # zipfile's own position is untouched


def test_the_file_is_hashed_while_its_parts_are_read_through_in_a_thread(tmp_path):
    """A refresh starts the read-through, then hashes the open file (its
    identity): the hash is the file's and the reading is not disturbed."""
    from kpi_xl.xlsx.package import Package

    book = tmp_path / "book.xlsx"
    rng = random.Random(2)
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:  # many parts: many header reads
        for n in range(400):
            z.writestr(f"xl/media/part{n}.bin", rng.randbytes(4000))
        z.writestr("docProps/app.xml", b"<Properties/>")
    want = f"{zlib.crc32(book.read_bytes()):08x}"
    with Package(book) as pkg:
        pkg.verify_early()
        digests = {pkg.identity().digest for _ in range(50)}
        pkg.early_verify.wait()
        assert pkg.read("docProps/app.xml") == b"<Properties/>"
    assert digests == {want}


def test_without_file_offsets_the_hash_waits_for_zipfile_s_reads(tmp_path, monkeypatch):
    """Where the platform has no pread (Windows) both ways read through the
    one file position: the hash is taken under zipfile's lock."""
    import os

    monkeypatch.delattr(os, "pread")
    test_the_file_is_hashed_while_its_parts_are_read_through_in_a_thread(tmp_path)


def test_a_part_that_inflates_hugely_is_read_through_in_bounded_pieces(tmp_path):
    """200 MB of zeros deflate to some 200 KB, one read: inflated whole it
    would be 200 MB at once (a hostile part may expand a thousand times)."""
    import tracemalloc

    book = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("xl/media/zeros.bin", "w") as fh:
            for _ in range(200):
                fh.write(bytes(1 << 20))
    with open(book, "rb") as fh, zipfile.ZipFile(fh) as z:
        assert z.getinfo("xl/media/zeros.bin").compress_size < 1 << 20
        tracemalloc.start()
        try:
            safety._read_every_part(z)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 40 << 20, peak


# ------------------------------------------------- the check in a child process

@pytest.fixture
def child_checks(monkeypatch):
    """Every package checked in a child, however small; none left over."""
    if not part_check.can_use_child():
        pytest.skip("no child process check on this platform")
    monkeypatch.setattr(part_check, "CHILD_FROM", 0)
    yield
    part_check._cancel_unadopted()


def _book(tmp_path, data: bytes, name: str = "book.xlsx"):
    book = tmp_path / name
    book.write_bytes(data)
    return book


def test_a_check_started_before_the_package_opens_is_adopted_by_it(tmp_path, child_checks):
    """What ``kpi-xl refresh`` starts before its imports (kpi_xl.launch)
    is the check the package's writer waits for: not a second one."""
    from kpi_xl.xlsx.package import Package

    book = _book(tmp_path, _cases()["good"])
    part_check.start_early(str(book))
    started = next(iter(part_check._early.values()))
    with Package(book) as pkg:
        pkg.verify_early()
        assert pkg.early_verify._child is started and not part_check._early
        safety.verify_parts(book, pkg.zip, pkg.early_verify)


def test_a_damaged_part_found_by_an_early_check_is_refused(tmp_path, child_checks):
    from kpi_xl.xlsx.package import Package

    book = _book(tmp_path, _cases()["theme flipped"])
    part_check.start_early(str(book))
    with Package(book) as pkg:
        pkg.verify_early()
        with pytest.raises(WorkbookError, match=r"Bad CRC-32 for file 'xl/theme/theme1.xml'"):
            safety.verify_parts(book, pkg.zip, pkg.early_verify)


def test_an_early_check_of_a_file_since_replaced_is_not_adopted(tmp_path, child_checks):
    """Saved again between the early start and the opening: the check of
    the old file says nothing of the new one, which is checked afresh."""
    import os

    from kpi_xl.xlsx.package import Package

    book = _book(tmp_path, _cases()["good"])
    part_check.start_early(str(book))
    replacement = _book(tmp_path, _cases()["theme flipped"], "new.xlsx")
    os.replace(replacement, book)
    with Package(book) as pkg:
        pkg.verify_early()
        assert len(part_check._early) == 1  # the old file's, unadopted
        with pytest.raises(WorkbookError, match="Bad CRC-32"):
            safety.verify_parts(book, pkg.zip, pkg.early_verify)


def test_a_child_that_dies_without_an_answer_is_done_over_in_process(tmp_path, child_checks):
    book = _book(tmp_path, _cases()["theme flipped"])
    with open(book, "rb") as fh, zipfile.ZipFile(fh) as z:
        check = safety._child_check(z)
        check._proc.kill()
        check._proc.wait()
        with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32"):
            safety._child_outcome(check, z)
        check.cancel()


def test_only_the_books_a_refresh_names_are_checked_early(tmp_path, child_checks):
    from kpi_xl import launch

    book = _book(tmp_path, _cases()["good"])
    other = _book(tmp_path, _cases()["good"], "other.xlsm")
    launch.start_part_checks(["check", str(book)])
    assert not part_check._early
    launch.start_part_checks(["refresh", str(book), "-o", str(tmp_path / "absent.xlsx"), "--dry-run",
                              "--config", str(tmp_path / "council.yaml")])
    assert len(part_check._early) == 1
    part_check._cancel_unadopted()
    launch.start_part_checks(["refresh", str(book), str(other)])
    assert len(part_check._early) == 2
    part_check._cancel_unadopted()
    launch.start_part_checks(["refresh", str(book), "--output", str(other)])  # written, not read
    assert len(part_check._early) == 1


def test_a_refresh_checked_in_a_child_writes_what_one_checked_in_process_does(tmp_path, monkeypatch):
    """The example workbook refreshed with its parts checked in-process and
    in a child: the same parts, byte for byte (one example made, then
    copied: making it stamps the time in it)."""
    import shutil

    import kpi_xl
    from kpi_xl.templates import example_workbook

    if not part_check.can_use_child():
        pytest.skip("no child process check on this platform")
    started = []

    class Counted(part_check.ChildCheck):
        def __init__(self, *args, **kwargs):
            started.append(args[1])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(part_check, "ChildCheck", Counted)
    config = kpi_xl.load_config()
    example = example_workbook(tmp_path / "example", force=True)
    written = {}
    for way, child_from in (("in-process", 1 << 62), ("child", 0)):
        monkeypatch.setattr(part_check, "CHILD_FROM", child_from)
        book = tmp_path / way / "returns.xlsx"  # one name: the owned sheets name the file
        book.parent.mkdir()
        shutil.copyfile(example, book)
        kpi_xl.refresh(book, config, backup="none")
        with zipfile.ZipFile(book) as z:
            written[way] = [(i.filename, z.read(i)) for i in z.infolist()]
    assert len(started) == 1 and len(started[0]) > 10  # the child's run, every part
    assert written["in-process"] == written["child"]
    with zipfile.ZipFile(example) as z:
        assert written["child"] != [(i.filename, z.read(i)) for i in z.infolist()]


def test_the_identity_hashed_in_a_thread_is_the_file_s_even_once_the_package_closes(tmp_path):
    """The hash runs over a descriptor of its own: closing the package (and
    opening other files, which may take its number) changes nothing."""
    from kpi_xl.xlsx.package import Package

    book = _book(tmp_path, _cases()["good"])
    other = _book(tmp_path, _cases()["stored"], "other.xlsx")
    with Package(book) as pkg:
        identity = pkg.identity()
    with open(other, "rb"):  # likely the descriptor number the package had
        digest = identity.digest
    assert digest == f"{zlib.crc32(book.read_bytes()):08x}"
    assert identity.still(book)
    book.write_bytes(_cases()["theme flipped"])
    assert not identity.still(book)


def test_a_change_that_keeps_size_mtime_and_inode_is_still_told_by_the_crc(tmp_path):
    """A program that rewrites the workbook in place (same inode), to the
    same size, and sets its mtime back is told from the file read by the
    CRC of its bytes alone; rewritten to the very same bytes it is the same."""
    import os

    from kpi_xl.xlsx.package import Package

    book = _book(tmp_path, _cases()["good"])
    with Package(book) as pkg:
        identity = pkg.identity()
        assert identity.digest == f"{zlib.crc32(book.read_bytes()):08x}"  # hashed before the change
    data, st = book.read_bytes(), os.stat(book)
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x01  # one bit, somewhere in a part's data
    for content, same in ((bytes(flipped), False), (data, True)):
        with open(book, "r+b") as fh:  # in place: the inode is kept
            fh.write(content)
        os.utime(book, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert os.stat(book).st_ino == st.st_ino and os.stat(book).st_size == st.st_size
        assert identity.still(book) is same
