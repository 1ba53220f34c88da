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
from kpi_xl.refresh import refresh
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
