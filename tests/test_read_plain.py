"""Package.read_plain (the integrity check's read-back of the parts kpi-xl
made) gives zipfile's answer whenever it gives one: on good, stored,
data-descriptor, flipped, cut and mis-declared packages, and on entries
whose local header says other than the directory; and it gives one for the
entries kpi-xl writes."""
from __future__ import annotations

import zipfile

import pytest

from kpi_xl.errors import KpiError
from kpi_xl.xlsx.package import Package
from tests.test_verify_parts import PARTS, _cases, _start, _zip


def _with_header(data: bytes, name: str, change) -> bytes:
    info, _ = _start(data, name)
    out = bytearray(data)
    change(out, info.header_offset)
    return bytes(out)


def _more_cases() -> dict[str, bytes]:
    good = _zip()
    sheet = "xl/worksheets/sheet1.xml"
    cases = dict(_cases())
    cases["local name differs"] = _with_header(good, sheet, lambda b, at: b.__setitem__(slice(at + 30, at + 32), b"XL"))
    cases["no local signature"] = _with_header(good, sheet, lambda b, at: b.__setitem__(slice(at, at + 4), b"PK\x09\x09"))
    cases["local name longer"] = _with_header(good, sheet, lambda b, at: b.__setitem__(slice(at + 26, at + 28), b"\x30\x00"))
    return cases


@pytest.mark.parametrize("case", list(_more_cases()))
def test_read_plain_says_what_zipfile_says(case, tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(_more_cases()[case])
    try:
        pkg = Package(path)
    except KpiError:
        return  # not a package zipfile opens
    try:
        for name in PARTS:
            try:
                expected = zipfile.ZipFile(path).read(name)
            except Exception:  # noqa: BLE001 — zipfile refuses it
                expected = None
            plain = pkg.read_plain(name)
            assert plain is None or plain == expected, (case, name)
            if case == "good" and name != "empty.bin":
                assert plain == PARTS[name]  # the plain read answers for an entry as kpi-xl writes it
    finally:
        pkg.close()


def test_the_parts_kpi_xl_writes_are_read_plain(tmp_path):
    from tests.test_xlsx_package import book

    path = book(tmp_path)
    contents = {name: data for name, data in PARTS.items()}
    contents["xl/charts/chärt1.xml"] = b"<c:chartSpace/>"  # a name in UTF-8
    with Package(path) as pkg:
        pkg.save(tmp_path / "out.xlsx", contents)
    with Package(tmp_path / "out.xlsx") as out:
        for name, data in contents.items():
            assert out.read_plain(name) == data == out.read(name)


def test_a_part_inflating_past_its_declared_size_is_left_to_zipfile(tmp_path):
    """Inflated only as far as it declares: a part whose data would expand
    far beyond that (a hostile one) gets None, not the memory it asks for."""
    import tracemalloc

    from kpi_xl.xlsx.package import Package

    book = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/zeros.bin", bytes(100 << 20))
    data = bytearray(book.read_bytes())
    with zipfile.ZipFile(book) as z:
        info = z.getinfo("xl/media/zeros.bin")
    central = data.rfind(b"xl/media/zeros.bin") - 46
    data[central + 24:central + 28] = (1000).to_bytes(4, "little")  # the directory says 1,000 bytes
    book.write_bytes(bytes(data))
    with Package(book) as pkg:
        assert pkg.infos["xl/media/zeros.bin"].file_size == 1000 and info.file_size == 100 << 20
        tracemalloc.start()
        try:
            assert pkg.read_plain("xl/media/zeros.bin") is None
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 10 << 20, peak
