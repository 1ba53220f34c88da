"""The owned sheets as plans: exceptions (with officers' notes) and data quality."""
from __future__ import annotations

from kpi_xl.config import load_config
from kpi_xl.errors import Place
from kpi_xl.findings import Finding, Report
from kpi_xl.owned_sheets.data_quality import build_data_quality_sheet
from kpi_xl.owned_sheets.exceptions import COL, HEADERS, Note, build_exceptions_sheet, read_notes

CONFIG = load_config()


def rated(*rows) -> list[dict]:
    """Rated records (``check.rate_and_check``), with the fields the sheets read."""
    cols = ["id", "name", "area", "rag", "direction", "arrow", "category", "latest_value",
            "latest_period", "target", "target_raw", "unit"]
    return [dict(zip(cols, r)) for r in rows]


FRAME = rated(
    ("A1", "Re-referrals", "Front Door", "RED", "NEGATIVE", "↑", "Reds of concern", 0.25, "Q2 2025-26", 0.2, 0.2, "percent"),
    ("A2", "Assessments", "Front Door", "GREEN", "POSITIVE", "↑", "Green to celebrate", 0.9, "Q2 2025-26", 0.85, 0.85, "percent"),
    ("B1", "CP visits", "Child Protection", "AMBER", "STABLE", "↔", "Amber to watch", 0.88, "Q2 2025-26", 0.9, 0.9, "percent"),
    ("B2", "Referrals", "Child Protection", None, "INCREASE", "↑", None, 700, "Q2 2025-26", None, "N/A", "number"),
)


def grid(sheet) -> dict[str, object]:
    return {c.cell: c.value for c in sheet.cells}


def as_rows(sheet) -> list[list]:
    """The owned sheet's cells as row lists, as the reader would give them back."""
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string
    cells = {}
    for c in sheet.cells:
        col, row = coordinate_from_string(c.cell)
        cells[(row, column_index_from_string(col))] = c.value
    height = max(r for r, _ in cells)
    width = max(c for _, c in cells)
    return [[cells.get((r, c)) for c in range(1, width + 1)] for r in range(1, height + 1)]


def test_categories_in_order_within_each_area():
    sheet = build_exceptions_sheet(FRAME, CONFIG, {}, title="t").sheet
    rows = as_rows(sheet)
    headings = [r for r in rows[4:] if not r[2] and (r[0] or r[1])]  # no ID: a heading row
    # each area lists the categories it has, in order, then one line for the empty ones
    assert [r[0] or r[1] for r in headings] == [
        "Front Door", "Green to celebrate", "Reds of concern",
        "None this period: Amber to watch, Reds on watching",
        "Child Protection", "Amber to watch",
        "None this period: Green to celebrate, Reds on watching, Reds of concern"]


def test_untargeted_indicators_are_not_exceptions():
    values = grid(build_exceptions_sheet(FRAME, CONFIG, {}, title="t").sheet)
    assert "B2" not in values.values()


def test_notes_round_trip_and_override():
    first = build_exceptions_sheet(FRAME, CONFIG, {}, title="t").sheet
    rows = as_rows(first)
    # an officer writes commentary on A1 and moves A2 by judgement; the sheet shows
    # short ids (FD1, FD2) and keeps the stable id in its hidden Key column
    key = rows[3].index("Key")
    shown = {row[key]: row[2] for row in rows[4:] if len(row) > key and row[key]}
    assert shown == {"A1": "FD1", "A2": "FD2", "B1": "CP1"}
    for row in rows:
        if len(row) > key and row[key] == "A1":
            row[HEADERS.index("Commentary")] = "Audit under way"
        if len(row) > key and row[key] == "A2":
            row[HEADERS.index("Override")] = "Amber to watch"
    notes = read_notes(rows)
    assert notes["A1"].commentary == "Audit under way"
    result = build_exceptions_sheet(FRAME, CONFIG, notes, title="t")
    assert result.categories["A2"] == "Amber to watch"
    again = read_notes(as_rows(result.sheet))
    assert again["A1"].commentary == "Audit under way"
    assert again["A2"].override == "Amber to watch"


def test_notes_on_a_sheet_made_before_the_key_column_are_read_by_id():
    rows = [["t"], [], [], ["Area", "Category", "ID", "Indicator", "Commentary"],
            ["Front Door", "Reds of concern", "A1", "Re-referrals", "Audit under way"]]
    assert read_notes(rows)["A1"].commentary == "Audit under way"


def test_unknown_override_is_reported_and_rule_used():
    notes = {"A1": Note(override="Sort of fine")}
    result = build_exceptions_sheet(FRAME, CONFIG, notes, title="t")
    assert result.categories["A1"] == "Reds of concern"
    assert result.ignored_overrides == {"A1": "Sort of fine"}


def test_notes_for_vanished_indicators_are_kept():
    notes = {"GONE": Note(commentary="keep me", name="Old measure")}
    sheet = build_exceptions_sheet(FRAME, CONFIG, notes, title="t").sheet
    assert "keep me" in grid(sheet).values()
    assert read_notes(as_rows(sheet))["GONE"].commentary == "keep me"


def test_override_column_has_a_category_list():
    sheet = build_exceptions_sheet(FRAME, CONFIG, {}, title="t").sheet
    [dv] = sheet.validations
    assert dv.range.startswith(COL["Override"])
    assert list(dv.choices) == [c.name for c in CONFIG.exceptions.categories]


def test_data_quality_links_each_finding():
    report = Report([Finding("dot_disagrees", "published ↑ but fell", "warning",
                             Place(sheet="My Dash", cell="H24"), "rr"),
                     Finding("no_figures", "no figures", "warning", Place(), "x")])
    sheet = build_data_quality_sheet(report, name="KPI Data Quality", title="t")
    assert [h.target for h in sheet.hyperlinks] == ["'My Dash'!H24"]
    assert grid(sheet)["B4"] == "dot_disagrees"


# --- overrides that outlive their reason (issue 12) ---------------------------------------

def _stale_frame():
    """A1 is now GREEN ("Green to celebrate"), in Q2 2025-26."""
    return rated(("A1", "Re-referrals", "Front Door", "GREEN", "POSITIVE", "↓", "Green to celebrate",
                  0.15, "Q2 2025-26", 0.2, 0.2, "percent"))


def _set_last_quarter():
    # typed in Q1, when the rule said Reds of concern; kpi-xl noted it then
    return {"A1": Note(override="Reds on watching", override_note=(
        "Reds on watching: set in Q1 2025-26 when the rule said Reds of concern"))}


def _config(policy: str):
    from kpi_xl.config import config_from_dict
    return config_from_dict({"exceptions": {"override_expiry": policy}})


def test_a_stale_override_warns_and_says_so_beside_it():
    result = build_exceptions_sheet(_stale_frame(), _config("warn"), _set_last_quarter(), title="t")
    assert result.categories["A1"] == "Reds on watching"  # still applied
    kind, message, cell = result.stale_overrides["A1"]
    assert kind == "override_stale" and "set in Q1 2025-26" in message
    assert cell.startswith(COL["Override"])
    notes = read_notes(as_rows(result.sheet))
    assert notes["A1"].override == "Reds on watching"
    assert notes["A1"].override_note == ("Reds on watching: set in Q1 2025-26 when the rule said "
                                         "Reds of concern; the rule now says Green to celebrate")


def test_expire_each_period_stops_applying_but_keeps_the_officers_text():
    result = build_exceptions_sheet(_stale_frame(), _config("expire_each_period"),
                                    _set_last_quarter(), title="t")
    assert result.categories["A1"] == "Green to celebrate"
    assert result.stale_overrides["A1"][0] == "override_expired"
    notes = read_notes(as_rows(result.sheet))
    assert notes["A1"].override == "Reds on watching"
    assert "expired" in notes["A1"].override_note


def test_keep_applies_a_stale_override_silently():
    result = build_exceptions_sheet(_stale_frame(), _config("keep"), _set_last_quarter(), title="t")
    assert result.categories["A1"] == "Reds on watching" and not result.stale_overrides


def test_a_new_override_is_noted_with_its_period_and_is_not_stale():
    notes = {"A1": Note(override="Amber to watch")}
    result = build_exceptions_sheet(_stale_frame(), _config("warn"), notes, title="t")
    assert not result.stale_overrides
    again = read_notes(as_rows(result.sheet))
    assert again["A1"].override_note == ("Amber to watch: set in Q2 2025-26 when the rule said "
                                         "Green to celebrate")
    # the next refresh, same period and rule: nothing stale, the same note
    second = build_exceptions_sheet(_stale_frame(), _config("warn"), again, title="t")
    assert not second.stale_overrides
    assert read_notes(as_rows(second.sheet))["A1"].override_note == again["A1"].override_note
