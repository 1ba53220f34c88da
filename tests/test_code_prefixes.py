"""Codes written before the name ("NI 62 - ...", "CSC07: ...") in a table with
no code column: they are the indicators' ids, so a council keys its config
and its targets sheet by them.

Figures are Wokingham's Q1 and Q2 2023-24 (seed report 000, Dashboard Items
3 and 4); the codes are of the kind councils write (the seed gives none).
The CP visits target is the seed's 80%; the config below sets 70% instead,
which turns the rating (75% is RED against 80%, GREEN against 70%).
"""
from __future__ import annotations

from openpyxl import Workbook

from kpi_xl import refresh
from kpi_xl.config import config_from_dict, load_config
from kpi_xl.reader import read_workbook

NAMES = [
    ("CSC01 - % of referrals to which are repeat referrals within 12 months", .200, .182, .20),
    ("CSC02: % Assessments completed within 45 working days", .739, .675, .80),
    ("CP 3 – % Of child protection visits within timescale (10 working days)", .78, .75, .80),
]


def _book(path, names):
    wb = Workbook()
    ws = wb.active
    ws.title = "Dashboard"
    ws.append(["Measure", "Q1 2023-24", "Q2 2023-24", "Target"])
    for name, q1, q2, target in names:
        ws.append([name, q1, q2, target])
    wb.save(path)
    return path


def test_codes_before_the_names_are_the_ids(tmp_path):
    table = read_workbook(_book(tmp_path / "codes.xlsx", NAMES), load_config())
    assert [r["id"] for r in table.records] == ["CSC01", "CSC02", "CP 3"]
    assert [r["name"] for r in table.records] == [n for n, *_ in NAMES]  # the name as written


def test_a_config_entry_keyed_by_the_code_applies(tmp_path):
    book = _book(tmp_path / "codes.xlsx", NAMES)
    assert {r["id"]: r["rag"] for r in refresh(book, load_config(), backup="none",
                                               dry_run=True).rated.to_dict("records")}["CP 3"] == "RED"
    config = config_from_dict({"indicators": {"CP 3": {"target": 0.70}}})
    result = refresh(book, config, backup="none")
    assert {r["id"]: r["rag"] for r in result.rated.to_dict("records")}["CP 3"] == "GREEN"
    assert not [f for f in result.report if f.type == "config_indicator_unknown"]


def test_a_shared_prefix_is_not_a_code(tmp_path):
    """Two names under one key stage: "KS2 - ..." names the stage, not the indicator."""
    names = [("KS2 - % reaching the expected standard in reading", .70, .72, .75),
             ("KS2 - % reaching the expected standard in maths", .68, .71, .75)]
    table = read_workbook(_book(tmp_path / "stages.xlsx", names), load_config())
    assert all(r["id"].startswith("ks2-") for r in table.records)


def test_a_few_coded_names_do_not_make_a_code_column(tmp_path):
    names = [NAMES[0], ("% Assessments completed within 45 working days", .739, .675, .80),
             ("% Of child protection visits within timescale (10 working days)", .78, .75, .80)]
    table = read_workbook(_book(tmp_path / "few.xlsx", names), load_config())
    assert table.records[0]["id"] != "CSC01"


def test_notes_kept_under_the_name_s_id_follow_the_indicator_to_its_code():
    """A sheet refreshed before codes were read from names keyed its notes by
    the slug of the name; they stay beside the indicator."""
    from kpi_xl.owned_sheets.exceptions import Note, build_exceptions_sheet, read_notes
    from tests.test_owned_sheets import as_rows

    rated = [{"id": "CSC01", "name": NAMES[0][0], "area": "Front Door", "category": "Reds of concern",
              "rag": "RED", "direction": "NEGATIVE", "arrow": "↑", "latest_value": 0.182,
              "latest_period": "Q2 2023-24", "target": 0.2, "target_raw": 0.2, "unit": "percent"}]
    from kpi_xl.reader.build import slug

    before = slug(NAMES[0][0])  # the id the indicator had: its name's slug
    result = build_exceptions_sheet(rated, load_config(), {before: Note(commentary="Audit under way")},
                                    title="t")
    notes = read_notes(as_rows(result.sheet))
    assert notes["CSC01"].commentary == "Audit under way" and before not in notes
