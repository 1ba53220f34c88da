"""Comparators written together in one cell, as Wolverhampton's scorecard
gives them (seed report 004, Workforce: "Percentage of agency staff | WM –
17.6% Eng – 16.1% | 13.3% | 18.9%"): West Midlands and England figures are
read from the text, and a "Local Indicator" cell gives none."""
from __future__ import annotations

import pytest
from openpyxl import Workbook

from kpi_xl.config import load_config
from kpi_xl.reader import read_workbook
from kpi_xl.reader.comparator_text import comparators_in_text
from tests.test_reader_support import rows_workbook

ROWS = [  # indicator, comparators as written, 2016/17 out-turn, Q1 2017-18
    ("Percentage of agency staff", "WM – 17.6% Eng – 16.1%", .133, .189),
    ("Vacancy Rate", "WM – 17.6% Eng – 16.7%", .163, .224),
    ("Average caseloads", "WM – 13.6 Eng – 16.1", 15.2, 21.0),
    ("Number and % of the workforce trained in Restorative Practice", "Local Indicator", None, None),
]
TRUTH = {"Percentage of agency staff": {"region": .176, "england": .161},
         "Vacancy Rate": {"region": .176, "england": .167},
         "Average caseloads": {"region": 13.6, "england": 16.1}}
# (the Restorative Practice row has no figures in the seed: it is not an indicator row)


def _book(path, header=("Indicators", "Comparators", "2016/17 Out-turn", "Q1 2017-18")):
    return rows_workbook(path, "Performance Report", header, ROWS)


def test_the_comparators_cell_is_read_by_its_labels(tmp_path):
    table = read_workbook(_book(tmp_path / "wolverhampton.xlsx"), load_config())
    got = {r["name"]: {k: pytest.approx(v.value) for k, v in r["comparators"].items()}
           for r in table.records}
    assert got == TRUTH
    assert table.layouts[0].roles["comparators"] == "B"


def test_a_comparator_column_of_its_own_wins(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Indicators", "England", "Comparators", "2016/17 Out-turn", "Q1 2017-18"])
    ws.append(["Percentage of agency staff", .15, "WM – 17.6% Eng – 16.1%", .133, .189])
    wb.save(tmp_path / "both.xlsx")
    record = read_workbook(tmp_path / "both.xlsx", load_config()).records[0]
    assert {k: v.value for k, v in record["comparators"].items()} == {"england": .15, "region": .176}


@pytest.mark.parametrize("text, expected", [
    ("England 21%, SN 19.5%", {"england": .21, "sn": .195}),
    ("Stat neighbours: 55%; National: 49%", {"sn": .55, "england": .49}),
    ("NW - 30.2 Eng - 31.9", {"region": 30.2, "england": 31.9}),
    ("Local Indicator", {}),
    ("Awaiting 2023 data", {}),
])
def test_labelled_figures(text, expected):
    assert {k: pytest.approx(v.value) for k, v in comparators_in_text(text).items()} == expected
