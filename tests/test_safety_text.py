"""Issue 13, the text kpi-xl writes and reads: config text in formulas (S3),
finite numbers, YAML it refuses (T1, T2, U6), one-line messages (T4, U2)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from kpi_xl.cli import app
from kpi_xl.config import load_config
from kpi_xl.errors import ConfigError
from kpi_xl.refresh_job import refresh
from tests.test_safety_files import make_book

runner = CliRunner()
STRING = re.compile(r'"(?:[^"]|"")*"')


def formulas(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and c.value.startswith("=")]


def one_line_exit_2(args: list[str]) -> str:
    out = runner.invoke(app, args)
    assert out.exit_code == 2, (out.exit_code, out.output, out.exception)
    lines = out.output.strip().splitlines()
    assert len(lines) == 1, out.output
    return lines[0]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ S3

def test_S3_config_labels_cannot_add_formula_terms(tmp_path):
    book = make_book(tmp_path / "returns.xlsx")
    hostile = 'G",HYPERLINK("http://evil.example/","'
    cfg = write(tmp_path / "council.yaml",
                "rag:\n  labels:\n    GREEN: '" + hostile.replace("'", "''") + "'\n"
                "    RED: 'Re\"d'\ndirection:\n  arrows:\n    up: 'up\"'\n")
    refresh(book, load_config(cfg), backup="none")
    found = formulas(book)
    rag = [f for f in found if "IF(" in f and "ISNUMBER" in f]
    assert rag, found
    for formula in found:
        outside = STRING.sub("", formula)
        assert "HYPERLINK" not in outside.upper(), formula
        assert formula.count('"') % 2 == 0, formula
    assert any('"Re""d"' in f for f in found) and any('"up"""' in f for f in found)


def test_S3_excel_string_escapes_and_limits():
    from kpi_xl.formulas import excel_string

    assert excel_string('a"b') == '"a""b"'
    with pytest.raises(ValueError):
        excel_string("x" * 256)
    with pytest.raises(ValueError):
        excel_string("bell\x07")


@pytest.mark.parametrize("text, words", [
    ("rag:\n  tolerance_mode: points\n  tolerance: .inf\n", "rag -> tolerance"),
    ("rag:\n  tolerance_mode: points\n  tolerance: .nan\n", "rag -> tolerance"),
    ("direction:\n  stable_band: .inf\n", "direction -> stable_band"),
    ("indicators:\n  S01:\n    target: .inf\n", "indicators -> S01 -> target"),
    ("rag:\n  labels:\n    RED: ''\n", "rag -> labels -> RED"),
    ("rag:\n  labels:\n    RED: \"two\\nlines\"\n", "rag -> labels -> RED"),
    ("rag:\n  labels:\n    RED: " + "R" * 300 + "\n", "rag -> labels -> RED"),
])
def test_S3_numbers_finite_and_formula_text_checked(tmp_path, text, words):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path / "council.yaml", text))
    assert words in str(err.value) and "\n" not in str(err.value)


# ------------------------------------------------------------- T1, T2, U6

def test_T1_config_that_is_a_folder(tmp_path):
    book = make_book(tmp_path / "returns.xlsx")
    folder = tmp_path / "configs"
    folder.mkdir()
    line = one_line_exit_2(["refresh", str(book), "-c", str(folder) + "/"])
    assert "configs" in line and "folder" in line


def test_T2_five_thousand_digit_integer(tmp_path):
    book = make_book(tmp_path / "returns.xlsx")
    cfg = write(tmp_path / "council.yaml", "workbook:\n  council: X\nrag:\n  tolerance: " + "9" * 5000 + "\n")
    line = one_line_exit_2(["refresh", str(book), "-c", str(cfg)])
    assert "council.yaml" in line and "line 4" in line


def test_U6_duplicate_yaml_keys_are_an_error_with_the_line(tmp_path):
    cfg = write(tmp_path / "council.yaml", "rag:\n  tolerance: 0.1\n  labels:\n    RED: R\n"
                "  tolerance: 0.2\n")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    message = str(err.value)
    assert "line 5" in message and "tolerance" in message and "twice" in message


# ------------------------------------------------------------------ T4, U2

def test_T4_report_pdf_to_an_unwritable_path(tmp_path):
    book = make_book(tmp_path / "returns.xlsx")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file")
    line = one_line_exit_2(["report", str(book), "--pdf", str(blocker / "pack.pdf")])
    assert "pack.pdf" in line and "cannot be written" in line
    line = one_line_exit_2(["report", str(book), "--docx", "/proc/no-such/pack.docx"])
    assert "pack.docx" in line


def test_U2_newline_in_a_file_name_gives_one_line(tmp_path):
    book = make_book(tmp_path / "returns.xlsx")
    odd = tmp_path / "Q2\nreturns\x07.xlsx"
    shutil.copyfile(book, odd)
    (tmp_path / ("~$" + odd.name)).write_bytes(b"owner")  # open in Excel: refused
    line = one_line_exit_2(["refresh", str(odd)])
    assert "Q2\\nreturns\\x07.xlsx" in line and "open in Excel" in line
