"""refresh fills comparator columns from the store, with the year, and leaves
"Local measure" cells alone."""
from __future__ import annotations

from pathlib import Path

import pytest

from kpi_xl.comparators.settings import load_settings
from kpi_xl.comparators.store import ComparatorStore
from kpi_xl.comparators.query import compare
from kpi_xl.config import config_from_dict
from kpi_xl.plan import Plan
from kpi_xl.reader.cells import Workbook
from kpi_xl.refresh_job import refresh
from kpi_xl.templates import example_workbook
from kpi_xl.xlsx.writer import apply_plan

# example workbook: row 8 is CSC02 re-referrals, row 12 CSC06 second CP plans,
# row 7 CSC01 number of referrals (a count); comparator columns M (SN), N
# (region), O (England), P (Ofsted good)


@pytest.fixture(scope="module")
def store_folder(dfe_dir, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cmp")
    settings = load_settings()
    with ComparatorStore.create(folder / "kpi-comparators.sqlite") as store:
        for csv in sorted(dfe_dir.glob("*.csv")):
            store.import_file(csv, settings)
    return folder


def cells(path: Path) -> dict:
    with Workbook(path) as wb:
        grid = wb.read_sheet("Indicators")
    return {c.ref: c for cols in grid.rows.values() for c in cols.values()}


def test_refresh_fills_comparators_with_year(store_folder):
    book = example_workbook(store_folder, force=True)
    officer = Plan()
    officer.set("Indicators", "O12", "Local measure")  # the officer keeps this one local
    apply_plan(book, officer, backup="none")
    config = config_from_dict({"workbook": {"council": "872"}})
    refresh(book, config, backup="none")

    got = cells(book)
    with ComparatorStore.open(store_folder / "kpi-comparators.sqlite") as store:
        council = store.resolve_council("Wokingham")
        answer = compare(store, council, "rereferral_percent", load_settings(config),
                         reporting_fy=2025)
    assert got["M8"].value == pytest.approx(answer.sn.value / 100)
    assert got["O8"].value == pytest.approx(answer.england.value / 100)
    assert got["N8"].value == pytest.approx(answer.region.value / 100)
    assert f'" ({answer.england.year_label})"' in got["O8"].number_format
    assert f'" ({answer.sn.year_label}; {answer.sn_count} of 10, 2025 grouping)"' in \
        got["M8"].number_format
    assert got["O12"].value == "Local measure"
    assert isinstance(got["M12"].value, float)
    # a count is compared as a rate per 10,000 children, at every level, and says so
    referrals = compare(store_answer_store := ComparatorStore.open(
        store_folder / "kpi-comparators.sqlite"), "872", "referral_count",
        load_settings(config), reporting_fy=2025)
    store_answer_store.close()
    assert referrals.compared_as and referrals.own_count.value > referrals.own.value
    assert got["M7"].value == pytest.approx(referrals.sn.value)
    assert got["O7"].value == pytest.approx(referrals.england.value)
    assert f'" per 10k ({referrals.england.year_label})"' in got["O7"].number_format


def test_council_unknown_is_one_line_error(store_folder, tmp_path):
    from kpi_xl.errors import ComparatorError

    book = example_workbook(tmp_path, force=True)
    (tmp_path / "kpi-comparators.sqlite").write_bytes(
        (store_folder / "kpi-comparators.sqlite").read_bytes())
    before = book.read_bytes()
    with pytest.raises(ComparatorError, match="closest"):
        refresh(book, config_from_dict({"workbook": {"council": "Wokinghm"}}), backup="none")
    assert book.read_bytes() == before


def test_add_columns_puts_comparators_right_of_a_table_without_them(store_folder, tmp_path):
    # A table with no comparator columns: the store's figures go into the
    # first free columns to its right, with headers; nothing is inserted.
    from openpyxl import Workbook as Book, load_workbook

    book = Book()
    sheet = book.active
    sheet.title = "KPIs"
    sheet.append(["Indicator", "Polarity", "Q1 2024-25", "Q2 2024-25"])
    sheet.append(["% of re-referrals within 12 months", "Lower is better", 0.2, 0.21])
    sheet.append(["Number of referrals", "Lower is better", 410, 398])
    for cell in ("C2", "D2"):
        sheet[cell].number_format = "0.0%"
    sheet["H2"] = "officer's note"  # an occupied column is stepped over
    path = tmp_path / "returns.xlsx"
    book.save(path)
    (tmp_path / "kpi-comparators.sqlite").write_bytes(
        (store_folder / "kpi-comparators.sqlite").read_bytes())
    config = config_from_dict({"workbook": {"council": "Wokingham"},
                               "comparators": {"add_columns": True, "benchmark_columns": True}})
    result = refresh(path, config, backup="none")
    headers = {h.text: h.cell for h in result.comparators.headers}
    assert "England" in headers and "Quartile band (LAIT)" in headers
    assert all(cell[0] > "D" and not cell.startswith("H") for cell in headers.values())
    after = load_workbook(path)["KPIs"]
    assert after["H2"].value == "officer's note"
    with ComparatorStore.open(tmp_path / "kpi-comparators.sqlite") as store:
        answer = compare(store, "Wokingham", "rereferral_percent", load_settings(config),
                         reporting_fy=2024)
        referrals = compare(store, "Wokingham", "referral_count", load_settings(config),
                            reporting_fy=2024)
    england = headers["England"][:-1]
    assert after[f"{england}2"].value == pytest.approx(answer.england.value / 100)
    # the count row: a rate per 10,000, said in the cell, with our own rate beside it
    assert after[f"{england}3"].value == pytest.approx(referrals.england.value)
    assert "per 10k" in after[f"{england}3"].number_format
    own = headers["Our rate per 10k"][:-1]
    assert after[f"{own}3"].value == pytest.approx(referrals.own.value)
    band = headers["Quartile band (LAIT)"][:-1]
    assert after[f"{band}2"].value == answer.benchmark.band


def test_the_refreshed_demo_and_wokingham_show_no_hashes_in_libreoffice(store_folder, tmp_path,
                                                                       shared_workbooks, soffice):
    import shutil
    import subprocess
    import sys as _sys

    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed")
    _sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from render import render

    demo = example_workbook(tmp_path / "demo", force=True)
    wokingham = tmp_path / "wok" / "wokingham.xlsx"
    wokingham.parent.mkdir()
    shutil.copyfile(shared_workbooks / "wokingham_dashboard_q2_2023_24.xlsx", wokingham)
    for book, extra in ((demo, {}), (wokingham, {"add_columns": True, "benchmark_columns": True})):
        (book.parent / "kpi-comparators.sqlite").write_bytes(
            (store_folder / "kpi-comparators.sqlite").read_bytes())
        refresh(book, config_from_dict({"workbook": {"council": "Wokingham"},
                                        "comparators": extra}), backup="none")
        render(book, book.parent / "out")
        text = subprocess.run(["pdftotext", str(book.parent / "out" / f"{book.stem}.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert "per 10k" in text  # counts shown as rates, never beside a quarter's count
        assert "###" not in text


def test_comparator_columns_are_found_in_the_package_the_refresh_opened(store_folder, tmp_path,
                                                                        monkeypatch):
    """With comparators (columns added beside the table), a refresh still
    opens and safety-checks the workbook once (issue 18)."""
    from tests.test_open_once import Spies

    book = example_workbook(tmp_path, force=True)
    (tmp_path / "kpi-comparators.sqlite").write_bytes(
        (store_folder / "kpi-comparators.sqlite").read_bytes())
    config = config_from_dict({"workbook": {"council": "Wokingham"},
                               "comparators": {"add_columns": True}})
    spies = Spies(monkeypatch, book)
    result = refresh(book, config, backup="none")
    assert result.comparators is not None and result.comparators.answers  # the store answered
    assert (len(spies.zip_opens), len(spies.checks)) == (1, 1), (spies.zip_opens, spies.checks)
