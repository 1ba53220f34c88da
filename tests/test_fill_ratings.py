"""A RAG column whose ratings are shown only by the cells' fill colours.

The figures and targets are Wokingham's Q2 2023-24 (seed report 000): EHCPs
issued within 20 weeks 80.6% against a 70% target; early help assessments in
34 days against the local standard of 30; CP visits in timescale 75% against
80%. The fills are what an officer colouring the cells by hand might have
left: green, amber and red. By the rule (AMBER within 5% of the target) the
first is GREEN and the other two RED, so the amber cell disagrees.
"""
from __future__ import annotations

import pytest
from openpyxl import Workbook
from openpyxl.styles import Color, PatternFill

from kpi_xl import refresh
from kpi_xl.check import check_workbook
from kpi_xl.config import load_config
from kpi_xl.reader import read_workbook
from kpi_xl.reader.fills import rag_of_rgb

ROWS = [  # measure, polarity, Q1, Q2, target, the fill, the rating the fill shows
    ("EHCs issued within 20 weeks of the referral (excl. exceptions)", "Higher is better",
     .858, .806, .70, PatternFill("solid", fgColor="FF00B050"), "GREEN"),
    ("Avg. length of time in days between referral and assessment completion", "Lower is better",
     31, 34, 30, PatternFill("solid", fgColor="FFFFC000"), "AMBER"),
    # a theme colour: accent2 of the theme openpyxl writes (C0504D, a red)
    ("% Of child protection visits within timescale (10 working days)", "Higher is better",
     .78, .75, .80, PatternFill("solid", fgColor=Color(theme=5)), "RED"),
]


def _book(path, typed: dict[int, str] | None = None):
    wb = Workbook()
    ws = wb.active
    ws.title = "Dashboard"
    ws.append(["Measure", "Polarity", "Q1 2023-24", "Q2 2023-24", "Target", "RAG"])
    for i, (name, polarity, q1, q2, target, fill, _) in enumerate(ROWS, start=2):
        ws.append([name, polarity, q1, q2, target])
        ws.cell(i, 6).fill = fill
        if typed and i in typed:
            ws.cell(i, 6).value = typed[i]
    wb.save(path)
    return path


def test_the_fill_is_read_as_the_published_rating(tmp_path):
    table = read_workbook(_book(tmp_path / "filled.xlsx"), load_config())
    shown = {r["name"]: r["published_rag_fill"] for r in table.records}
    assert shown == {name: rating for name, *_, rating in ROWS}
    assert all(r["published_rag"] is None for r in table.records)


def test_a_fill_that_disagrees_with_the_rule_is_reported(tmp_path):
    report = check_workbook(_book(tmp_path / "filled.xlsx"), load_config()).report
    found = [f for f in report if f.type == "rag_disagrees"]
    assert len(found) == 1
    assert found[0].place.cell == "F3"
    assert "AMBER (the cell's fill colour)" in found[0].message and "RED" in found[0].message


def test_a_refresh_writes_its_ratings_over_the_fills(tmp_path):
    book = _book(tmp_path / "filled.xlsx")
    result = refresh(book, load_config(), backup="none")
    assert [r["rag"] for r in result.rated.to_dict("records")] == ["GREEN", "RED", "RED"]
    table = read_workbook(book, load_config())  # the cells now hold text: that is the rating
    assert [r["published_rag_fill"] for r in table.records] == [None, None, None]


def test_a_rating_typed_in_the_column_means_fills_are_only_formatting(tmp_path):
    table = read_workbook(_book(tmp_path / "typed.xlsx", typed={2: "Green"}), load_config())
    assert [r["published_rag_fill"] for r in table.records] == [None, None, None]


@pytest.mark.parametrize("rgb, rating", [
    ("FFFF0000", "RED"), ("FFC00000", "RED"), ("FFFFC7CE", "RED"),  # Excel's red, dark red, "Bad"
    ("FFFFC000", "AMBER"), ("FFFFFF00", "AMBER"), ("FFFFEB9C", "AMBER"),  # amber, yellow, "Neutral"
    ("FF00B050", "GREEN"), ("FF92D050", "GREEN"), ("FFC6EFCE", "GREEN"),  # green, light, "Good"
    ("FFFFFFFF", None), ("FFD9D9D9", None), ("FF4472C4", None), ("FF000000", None),
])
def test_which_colours_say_a_rating(rgb, rating):
    assert rag_of_rgb(rgb) == rating


def test_the_change_log_starts_from_the_fill(tmp_path):
    result = refresh(_book(tmp_path / "filled.xlsx"), load_config(), backup="none")
    logged = {entry["name"]: (entry["previous_rag"], entry["rag"]) for entry in result.change_log}
    # every row is logged for its new direction; only the amber fill was a wrong rating
    assert logged == {ROWS[0][0]: ("GREEN", "GREEN"), ROWS[1][0]: ("AMBER", "RED"),
                      ROWS[2][0]: ("RED", "RED")}
