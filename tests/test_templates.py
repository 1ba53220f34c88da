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
    result = CliRunner().invoke(app, ["new", str(out), "--year", "2025-26"])
    assert result.exit_code == 0, result.output
    library = load_library()
    table = read_workbook(out, load_config())
    assert list(table.frame["id"]) == [e.id for e in library]
    assert list(table.frame["name"]) == [e.name for e in library]
    by_id = {e.id: e for e in library}
    for record in table.frame.to_dict("records"):
        assert record["polarity"] == by_id[record["id"]].polarity, record["id"]
        assert [p.period.canonical() for p in record["series"]] == [
            "Q1 2024-25", "Q2 2024-25", "Q3 2024-25", "Q4 2024-25", "2024-25",
            "Q1 2025-26", "Q2 2025-26", "Q3 2025-26", "Q4 2025-26"]


def test_new_refuses_to_overwrite(tmp_path):
    out = tmp_path / "returns.xlsx"
    out.write_bytes(b"officer's work")
    result = CliRunner().invoke(app, ["new", str(out)])
    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert out.read_bytes() == b"officer's work"


def test_new_year_has_last_years_quarters_and_outturn_so_q1_has_a_direction(tmp_path):
    import openpyxl

    from kpi_xl.rules import direction, select_points

    out = tmp_path / "returns-2026-27.xlsx"
    done = CliRunner().invoke(app, ["new", str(out), "--year", "2026-27",
                                    "--council", "Exampleshire County Council"])
    assert done.exit_code == 0, done.output
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    assert ws["A1"].value == ("Exampleshire County Council Children's Services performance "
                              "returns, 2026-27")
    table = read_workbook(out, load_config())
    first = table.frame.iloc[0]
    cells = {p.period.canonical(): p.cell for p in first["series"]}
    assert {"Q4 2025-26", "2025-26", "Q1 2026-27"} <= set(cells)
    # an officer types last year's Q4 and outturn and this year's Q1, as in a first quarter
    row = int(first["row"])
    ws[cells["Q4 2025-26"]] = 120
    ws[cells["2025-26"]] = 470
    ws[cells["Q1 2026-27"]] = 135
    wb.save(out)
    # Q1 is the quarter being reported: its comparison point is last year's Q4,
    # a quarter (never the outturn), so it gets a direction of travel
    first = read_workbook(out, load_config()).frame.set_index("row").loc[row]
    reported = [p for p in first["series"] if p.period.sort_key <= next(
        q.period.sort_key for q in first["series"] if q.period.canonical() == "Q1 2026-27")]
    latest, previous = select_points(reported)
    assert latest.period.canonical() == "Q1 2026-27"
    assert previous.period.canonical() == "Q4 2025-26"
    dot = direction(latest.reading.value, previous.reading.value, first["polarity"],
                    targeted=False)
    assert dot is not None and dot.arrow == "↑" and dot.word == "INCREASE"


def test_new_year_refuses_what_is_not_a_financial_year(tmp_path):
    done = CliRunner().invoke(app, ["new", str(tmp_path / "r.xlsx"), "--year", "2026-28"])
    assert done.exit_code == 2 and "2026-27" in done.stderr
    assert not (tmp_path / "r.xlsx").exists()


def test_new_takes_the_council_from_the_config(tmp_path):
    import openpyxl

    cfg = tmp_path / "council.yaml"
    cfg.write_text("workbook:\n  council: Northshire Council\n", encoding="utf-8")
    out = tmp_path / "r.xlsx"
    done = CliRunner().invoke(app, ["new", str(out), "--year", "2026/27", "-c", str(cfg)])
    assert done.exit_code == 0, done.output
    assert openpyxl.load_workbook(out).active["A1"].value.startswith(
        "Northshire Council Children's Services")
