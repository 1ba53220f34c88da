"""Refused and damaged inputs: one line naming the file and what to do, exit code 2."""
from __future__ import annotations

import re
import shutil
import zipfile

import pytest
from typer.testing import CliRunner

from kpi_xl.cli import app
from kpi_xl.errors import RefusedFile, WorkbookError
from kpi_xl.reader import read_workbook
from tests.test_reader_support import STRICT, dashboard_workbook, raw_xlsx

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
GOOD_SHEET = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Measure</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>Q1 2023-24</t></is></c>'
              '<c r="C1" t="inlineStr"><is><t>Q2 2023-24</t></is></c></row>'
              '<row r="2"><c r="A2" t="inlineStr"><is><t>Number of referrals</t></is></c>'
              '<c r="B2"><v>10</v></c><c r="C2"><v>12</v></c></row>')

runner = CliRunner()


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def _ole(path, extra=b""):
    path.write_bytes(OLE_MAGIC + b"\x00" * 504 + extra)
    return path


def _xlsb_inside(path):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                    'openxmlformats.org/package/2006/content-types"/>')
        zf.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                    'officeDocument" Target="xl/workbook.bin"/></Relationships>')
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00")
    return path


def _truncated(path, tmp_path):
    good = dashboard_workbook(tmp_path / "good_for_truncating.xlsx")
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _bad_crc(path, tmp_path):
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 3000))
    raw_xlsx(path, [("S", GOOD_SHEET.replace("</row><row r=\"2\">", "</row><row r=\"2\">") + rows.replace('r="1"', 'r="9001"'))])
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 40
    for i in range(start, start + 20):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def _missing_sheet_part(path):
    raw_xlsx(path, [("S", GOOD_SHEET)])
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist() if n != "xl/worksheets/sheet1.xml"}
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


CASES = {
    "xls": (lambda p, t: _ole(p), "old.xls", r"\.xls"),
    "password-protected": (lambda p, t: _ole(p, "EncryptedPackage".encode("utf-16-le")), "locked.xlsx",
                           r"password"),
    "xlsb extension": (lambda p, t: _write(p, b"PK\x03\x04junk"), "binary.xlsb", r"\.xlsb"),
    "xlsb inside": (lambda p, t: _xlsb_inside(p), "binary.xlsx", r"\.xlsb"),
    "strict": (lambda p, t: raw_xlsx(p, [("S", GOOD_SHEET)], namespace=STRICT), "strict.xlsx", r"Strict"),
    "not a zip": (lambda p, t: _write(p, b"Measure,Q1\nReferrals,10\n"), "text.xlsx", r"not .*zip"),
    "empty": (lambda p, t: _write(p, b""), "empty.xlsx", r"zip|damaged|not an Excel"),
    "truncated": (lambda p, t: _truncated(p, t), "cut.xlsx", r"damaged|zip"),
    "bad crc": (lambda p, t: _bad_crc(p, t), "crc.xlsx", r"damaged|cannot be read"),
    "sheet not xml": (lambda p, t: raw_xlsx(p, [("S", GOOD_SHEET + "<row><c>")]), "broken.xlsx",
                      r"not well-formed XML"),
    "doctype": (lambda p, t: raw_xlsx(p, [("S", GOOD_SHEET)],
                                      sheet_prolog='<!DOCTYPE x [<!ENTITY a "aaaa">]>'),
                "dtd.xlsx", r"DTD"),
    "missing sheet part": (lambda p, t: _missing_sheet_part(p), "nopart.xlsx", r"sheet1\.xml|no worksheet part"),
    "csv": (lambda p, t: _write(p, b"a,b\n"), "data.csv", r"\.xlsx, \.xlsm"),
    "missing file": (lambda p, t: p, "nowhere.xlsx", r"not found"),
    "directory": (lambda p, t: p.mkdir() or p, "folder.xlsx", r"not a file"),
    "no indicator table": (lambda p, t: raw_xlsx(p, [("S", '<row r="1"><c r="A1"><v>1</v></c></row>')]),
                           "plain.xlsx", r"no indicator table found"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused_or_damaged_input_gives_one_line_and_exit_2(tmp_path, case):
    make, name, pattern = CASES[case]
    path = make(tmp_path / name, tmp_path)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2, (result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kpi-xl: ") and name in lines[0]
    assert "Traceback" not in result.output
    assert re.search(pattern, lines[0]), lines[0]
    assert result.stdout == ""


def test_refusals_are_workbook_errors_in_the_library(tmp_path):
    with pytest.raises(RefusedFile):
        read_workbook(_ole(tmp_path / "x.xls"))
    with pytest.raises(WorkbookError):
        read_workbook(raw_xlsx(tmp_path / "b.xlsx", [("S", GOOD_SHEET + "<row><c>")]))


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm", ".xltx", ".xltm"])
def test_accepted_suffixes(tmp_path, suffix):
    path = raw_xlsx(tmp_path / f"book{suffix}", [("S", GOOD_SHEET)])
    table = read_workbook(path)
    assert list(table.frame.name) == ["Number of referrals"]


def test_a_bad_config_is_one_line_and_exit_2(tmp_path):
    path = raw_xlsx(tmp_path / "book.xlsx", [("S", GOOD_SHEET)])
    config = tmp_path / "council.yaml"
    config.write_text("layout:\n  - sheet: S\n    columns: {colour: A}\n")
    result = runner.invoke(app, ["check", str(path), "--config", str(config)])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "council.yaml" in result.stderr and "columns -> colour" in result.stderr


def test_a_read_only_shared_copy_is_fine(tmp_path, shared_workbooks):
    # read-only files (as in ../shared) are read without trying to write anything
    copy = tmp_path / "copy.xlsx"
    shutil.copy(shared_workbooks / "rutland_kpis_q1_2021_22.xlsx", copy)
    copy.chmod(0o444)
    assert runner.invoke(app, ["check", str(copy)]).exit_code == 0
