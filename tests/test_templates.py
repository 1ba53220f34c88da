"""kpi-xl new: a returns workbook from the standard indicator library, which
the reader then finds in full, with every seed measure's polarity."""
from __future__ import annotations

from typer.testing import CliRunner

from kpi_xl.cli import app
from kpi_xl.config import load_config
from kpi_xl.library import load_library
from kpi_xl.reader import read_workbook


def test_new_workbook_lists_the_library_and_reads_back(tmp_path):
    out = tmp_path / "returns.xlsx"
    result = CliRunner().invoke(app, ["new", str(out)])
    assert result.exit_code == 0, result.output
    library = load_library()
    table = read_workbook(out, load_config())
    assert list(table.frame["id"]) == [e.id for e in library]
    assert list(table.frame["name"]) == [e.name for e in library]
    by_id = {e.id: e for e in library}
    for record in table.frame.to_dict("records"):
        assert record["polarity"] == by_id[record["id"]].polarity, record["id"]
        assert [p.period.canonical() for p in record["series"]] == [
            "Q1 2025-26", "Q2 2025-26", "Q3 2025-26", "Q4 2025-26"]


def test_new_refuses_to_overwrite(tmp_path):
    out = tmp_path / "returns.xlsx"
    out.write_bytes(b"officer's work")
    result = CliRunner().invoke(app, ["new", str(out)])
    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert out.read_bytes() == b"officer's work"
