"""Reading every part through (the CRC check before writing) at an offset,
with zlib-ng where installed, accepts and refuses what reading each part
through zipfile does (issue 16: a 280 MB extract is inflated for it)."""
from __future__ import annotations

import io
import random
import zipfile
import zlib

import pytest

from kpi_xl.xlsx import safety

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


@pytest.mark.parametrize("case", list(_cases()))
def test_reading_at_an_offset_says_what_zipfile_says(case, tmp_path, monkeypatch):
    data = _cases()[case]
    book = tmp_path / "book.xlsx"
    book.write_bytes(data)
    outcomes = set()
    for inflater in _inflaters():
        for fast in (True, False):
            monkeypatch.setattr(safety, "_inflater", lambda inflater=inflater: inflater)
            if not fast:
                monkeypatch.setattr(safety, "_pread_fd", lambda zf: None)
            try:
                with open(book, "rb") as fh, zipfile.ZipFile(fh) as z:
                    safety._read_every_part(z)
                outcomes.add("read")
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
                outcomes.add(type(exc).__name__)
            monkeypatch.undo()
    assert len(outcomes) == 1, outcomes
    expected = "read" if case in ("good", "stored", "data descriptors", "declared size larger") else None
    if expected:
        assert outcomes == {expected}
    else:
        assert outcomes != {"read"}


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
    import hashlib

    from kpi_xl.xlsx.package import Package

    book = tmp_path / "book.xlsx"
    rng = random.Random(2)
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:  # many parts: many header reads
        for n in range(400):
            z.writestr(f"xl/media/part{n}.bin", rng.randbytes(4000))
        z.writestr("docProps/app.xml", b"<Properties/>")
    want = hashlib.sha256(book.read_bytes()).hexdigest()
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
