"""``KPI | Description`` where the KPI column holds codes: the codes are the
indicators' ids and the description column their names.

Rows: Wolverhampton's adoption indicators A1, A10 and A2 (seed report 004,
Quarter 1 2017-18), the code split from the name as the report writes
"A1 – Average time ...", days typed from it.
"""
from __future__ import annotations

from kpi_xl.check import check_workbook
from kpi_xl.config import load_config
from tests.test_reader_support import rows_workbook

ADOPTION = [
    ("A1", "Average time between a child entering care and moving in with adoptive family", 574, 603, 426),
    ("A10", "As per A1 but where the child is adopted by their foster carer, time between entering care "
            "and moving in with the foster carer", 483, 445, 426),
    ("A2", "Average time between receiving a placement order and a match to an adoptive family being "
           "decided", 291, 199, 121),
]


def _book(path, header, rows):
    return rows_workbook(path, "Adoption", header, rows)


def test_codes_in_the_kpi_column_are_ids_and_the_description_names(tmp_path):
    book = _book(tmp_path / "a.xlsx", ["KPI", "Description", "2016/17 Out-turn", "Q1 2017-18", "Target"],
                 ADOPTION)
    table = check_workbook(book, load_config()).table
    assert [(r["id"], r["name"]) for r in table.records] == [(code, name) for code, name, *_ in ADOPTION]
    assert [r["target"] for r in table.records] == [426, 426, 121]
    assert table.layouts[0].roles["id"] == "A" and table.layouts[0].name_column == "B"


def test_names_in_the_kpi_column_stay_names(tmp_path):
    """Where the first column holds names, the description is a description."""
    rows = [(name, f"{code} in the council's scorecard", *rest) for code, name, *rest in ADOPTION]
    book = _book(tmp_path / "b.xlsx", ["KPI", "Description", "2016/17 Out-turn", "Q1 2017-18", "Target"],
                 rows)
    table = check_workbook(book, load_config()).table
    assert [r["name"] for r in table.records] == [name for _, name, *_ in ADOPTION]
    assert "id" not in table.layouts[0].roles
