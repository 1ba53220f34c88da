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
