"""Package.save deflates the big parts in threads (package._Deflated), a
big part put whole as bytes from when it is put (Package._deflate_early):
the file written is byte for byte the one deflating every part in turn
writes, and a failure in a thread fails the save and leaves no thread behind."""
from __future__ import annotations

import random
import threading
import zipfile

import pytest
from lxml import etree

from kpi_xl.xlsx import package
from kpi_xl.xlsx.package import Package, deflate
from tests.test_xlsx_package import book


def _contents(seed: int) -> dict[str, bytes]:
    rng = random.Random(seed)
    out = {}
    for n in range(12):
        size = rng.choice([0, 10, 5_000, package._Deflated.BIG - 1, package._Deflated.BIG, 900_000])
        words = [rng.choice([b"<c r='A1'>", b"<v>", b"12.5", b"</v></c>", bytes([rng.randrange(256)])])
                 for _ in range(size // 6 + 1)]
        out[f"xl/extra/part{n}.xml"] = b"".join(words)[:size]
    return out


def _save(path, out, contents, cores: int, monkeypatch) -> bytes:
    with monkeypatch.context() as m:
        m.setattr(package.os, "cpu_count", lambda: cores)
        with Package(path) as pkg:
            pkg.save(out, contents)
    return out.read_bytes()


@pytest.mark.parametrize("seed", range(4))
def test_the_package_saved_with_threads_is_the_one_saved_without(tmp_path, monkeypatch, seed):
    path = book(tmp_path)
    contents = _contents(seed)
    with zipfile.ZipFile(path) as z:
        contents["xl/worksheets/sheet1.xml"] = z.read("xl/worksheets/sheet1.xml") * 30_000  # a changed big part
    alone = _save(path, tmp_path / "alone.xlsx", contents, 1, monkeypatch)
    threaded = _save(path, tmp_path / "threaded.xlsx", contents, 4, monkeypatch)
    assert threaded == alone
    with zipfile.ZipFile(tmp_path / "threaded.xlsx") as z:
        for name, data in contents.items():
            assert z.read(name) == data
            assert z.getinfo(name).compress_size == len(deflate(data))


def test_a_part_that_fails_to_deflate_in_a_thread_fails_the_save_and_ends_the_threads(tmp_path, monkeypatch):
    path = book(tmp_path)
    contents = {"xl/big.xml": b"x" * package._Deflated.BIG, "xl/small.xml": b"y"}

    def failing(data: bytes) -> bytes:
        if len(data) >= package._Deflated.BIG:
            raise MemoryError("no room")
        return deflate(data)

    monkeypatch.setattr(package, "deflate", failing)
    monkeypatch.setattr(package.os, "cpu_count", lambda: 2)
    with Package(path) as pkg, pytest.raises(MemoryError):
        pkg.save(tmp_path / "out.xlsx", contents)
    assert not [t for t in threading.enumerate() if t.name.startswith("kpi-xl deflate")]


@pytest.mark.parametrize("seed", range(6))
def test_deflate_gives_the_bytes_a_compressor_object_gives(seed):
    """The one-call deflate is the compressor object's level-6 raw deflate
    byte for byte, so a save writes what it always wrote."""
    import zlib

    rng = random.Random(seed)
    data = b"".join(rng.choice([b"<c r='B7' s='3'><v>", b"0.25", b"</v></c>", bytes([rng.randrange(256)])])
                    for _ in range(rng.choice([0, 1, 300, 40_000])))
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    assert deflate(data) == compressor.compress(data) + compressor.flush()


def test_a_part_deflated_from_when_it_was_put_is_saved_as_its_bytes_deflated(tmp_path, monkeypatch):
    """Only a part still holding the bytes deflated early is saved with that
    deflate; one put again (as other bytes, or as a tree) is deflated at the
    save; the file is the one a save deflating every part writes, and the
    early deflates' thread ends with the save."""
    path = book(tmp_path)
    big = b"<c r='A1'><v>12.5</v></c>" * (package._Deflated.BIG // 20)
    monkeypatch.setattr(package.os, "cpu_count", lambda: 2)
    with Package(path) as pkg:
        pkg.put_bytes("xl/extra/kept.xml", big)
        pkg.put_bytes("xl/extra/again.xml", big + b"1")
        pkg.put_bytes("xl/extra/again.xml", big + b"2")
        pkg.put_bytes("xl/extra/tree.xml", big + b"3")
        pkg.put_xml("xl/extra/tree.xml", etree.fromstring(b"<x/>"))
        changed, added, removed, contents = pkg.changes()
        assert set(pkg._early_packed(contents)) == {"xl/extra/kept.xml", "xl/extra/again.xml"}
        pkg.save(tmp_path / "early.xlsx", contents, removed)
        assert not [t for t in threading.enumerate() if t.name.startswith("kpi-xl deflate")]
    alone = _save(path, tmp_path / "alone.xlsx", contents, 1, monkeypatch)
    assert (tmp_path / "early.xlsx").read_bytes() == alone
    with zipfile.ZipFile(tmp_path / "early.xlsx") as z:
        assert z.read("xl/extra/again.xml") == big + b"2"
        assert z.read("xl/extra/tree.xml").endswith(b"<x/>")
