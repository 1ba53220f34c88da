"""The layout test set (tests/layout_set.py): every indicator and every field, on every layout.

The workbooks are built here from figures typed from the seed reports; the
truth tables are typed from the same text (see tests/layout_set.py).
"""
from __future__ import annotations

import openpyxl
import pytest

from kpi_xl.check import check_workbook
from kpi_xl.config import load_config
from kpi_xl.reader import read_workbook
from tests.layout_set import LAYOUTS, build_rutland_tracker, build_wokingham_bands, score

BY_KEY = {layout.key: layout for layout in LAYOUTS}


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layouts")
    return {layout.key: layout.build(folder / f"{layout.key}.xlsx") for layout in LAYOUTS}


@pytest.mark.parametrize("key", list(BY_KEY))
def test_every_indicator_and_field_is_read(books, key):
    result = score(books[key], BY_KEY[key].truth)
    assert result.misses == []
    assert (result.found, result.right) == (result.indicators, result.fields)


# The columns each layout's first table gives each role (from the builders' headers).
ROLES = {
    "a_wolverhampton": {"name": "A", "target": "H", "dot": "I"},
    "b_rutland_tracker": {"name": "A", "polarity": "B", "rag": "E", "target": "L", "dot": "M"},
    "c_wokingham_bands": {"name": "A", "target": "H", "polarity": "I", "rag": "J", "dot": "K",
                          "commentary": "L"},
    "d_wokingham_items": {"name": "A", "dot": "H"},
    "e_value_rating": {"id": "A", "name": "B", "polarity": "C", "rag": "G", "target": "L"},
    "f_month_labels": {"area": "A", "name": "B", "polarity": "C", "target": "J"},
    "g_side_by_side": {"name": "A", "dot": "E"},
    "h_long_table": {"area": "A", "name": "B", "row_period": "C", "latest": "D", "target": "E",
                     "polarity": "F"},
    "i_snapshot_dates": {"name": "A", "polarity": "B", "target": "C"},
    "j_year_label": {"name": "A", "polarity": "B", "target": "H"},
    "k_year_rows": {"name": "A", "row_period": "B", "target": "G", "polarity": "H"},
}


@pytest.mark.parametrize("key", list(BY_KEY))
def test_column_roles(books, key):
    roles = read_workbook(books[key]).layouts[0].roles
    assert {r: roles.get(r) for r in ROLES[key]} == ROLES[key]


def test_stacked_tables_take_their_area_from_the_title(books):
    table = read_workbook(books["a_wolverhampton"])
    areas = {r["name"]: r["area"] for r in table.frame.to_dict("records")}
    assert areas["Vacancy Rate"] == "Workforce"
    assert areas["Number of first time entrants"] == "Youth Offending"
    assert len(table.layouts) == 8


def test_a_tracker_reports_its_latest_filled_quarter(books):
    table = read_workbook(books["b_rutland_tracker"])
    layout = table.layouts[0]
    assert [(c, p.canonical()) for c, p in layout.period_columns] == [("C", "2020-21"), ("D", "Q1 2021-22")]
    rags = {r["name"]: r["published_rag"] for r in table.frame.to_dict("records")}
    assert rags["% CP reviews on time"] == "R" and rags["% CLA reviews on time"] == "A"


@pytest.mark.parametrize("key", list(BY_KEY))
def test_normal_published_content_is_never_an_error(books, key):
    result = check_workbook(books[key], load_config())
    assert [f for f in result.report if f.severity == "error"] == []


def test_compound_and_provisional_figures(books):
    result = check_workbook(books["a_wolverhampton"], load_config())
    several = {f.place.cell for f in result.report.of_type("several_figures")}
    assert {"D29", "C30", "D30"} <= several  # "42 Children 20 Families", "a) 405 b) 337-83%"
    frame = {r["name"]: r for r in result.table.frame.to_dict("records")}
    s47 = frame["Number of Section 47 and conversion to Initial Child Protection Conference"]
    outturn = [p for p in s47["series"] if p.period.kind == "year"][0]
    assert outturn.reading.provisional and outturn.reading.value == pytest.approx(0.243)
    a1 = frame["A1 – Average time between a child entering care and moving in with adoptive family"]
    assert (a1["unit_word"], a1["polarity_source"], a1["library_id"]) == ("days", "LAIT catalogue", "LAIT-276")


def test_a_missing_latest_figure_is_a_finding_not_a_rating(books):
    result = check_workbook(books["a_wolverhampton"], load_config())
    missing = {f.place.cell: f.severity for f in result.report.of_type("latest_missing")}
    assert missing["D21"] == "info"  # "Not yet available" in Q1 2017-18


def test_whole_number_percentages_against_a_fractional_target_are_a_unit_mismatch(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Indicator", "Q1 2023-24", "Q2 2023-24", "Target", "Polarity"])
    ws.append(["Children seen in timescale", 38, 41, 0.25, "High"])
    ws.append(["% seen in timescale", 57.1, 58.2, "60%", "High"])
    path = tmp_path / "units.xlsx"
    wb.save(path)
    result = check_workbook(path, load_config())
    assert [f.indicator for f in result.report.of_type("unit_mismatch")] == ["children-seen-in-timescale"]
    frame = {r["name"]: r for r in result.table.frame.to_dict("records")}
    latest = frame["% seen in timescale"]["series"][-1].reading
    assert (latest.value, latest.unit) == (pytest.approx(0.582), "percent")
    assert frame["% seen in timescale"]["target"] == pytest.approx(0.6)


@pytest.mark.parametrize("key", list(BY_KEY))
def test_refresh_keeps_every_cell_it_does_not_own_and_empties_no_published_rating(books, key, tmp_path):
    from kpi_xl.refresh_job import refresh

    source = books[key]
    out = tmp_path / f"{key}-refreshed.xlsx"
    table = read_workbook(source)
    owned = set()
    for record in table.frame.to_dict("records"):
        for role in ("rag", "dot"):
            if role in record["cells"]:
                owned.add((record["sheet"], record["cells"][role]))
    refresh(source, load_config(), output=out, backup="none")
    before, after = openpyxl.load_workbook(source), openpyxl.load_workbook(out)
    for ws in before.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                new = after[ws.title][cell.coordinate].value
                if (ws.title, cell.coordinate) in owned:
                    assert cell.value is None or new not in (None, ""), (key, cell.coordinate)
                else:
                    assert new == cell.value, (key, ws.title, cell.coordinate)


def test_rutland_tracker_and_bands_build_without_shared(tmp_path):
    # the builders need nothing from ../shared
    assert build_rutland_tracker(tmp_path / "b.xlsx").exists()
    assert build_wokingham_bands(tmp_path / "c.xlsx").exists()


# ---------------------------------------------------------------- --explain and layout: YAML

def _cli(*args):
    from typer.testing import CliRunner

    from kpi_xl.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def _reading(path, config_path=None):
    from kpi_xl.rules import apply_rules

    config = load_config(config_path)
    table = read_workbook(path, config)
    rated, _ = apply_rules(table.records, config)
    return [(r["name"], r["row"], r["area"], r["latest_period"], r["latest_value"], r["previous_value"],
             r["target"], r["polarity"], r["cells"].get("rag"), r["cells"].get("dot"))
            for r in rated]


@pytest.mark.parametrize("key", list(BY_KEY))
def test_explain_shows_how_each_table_was_read(books, key):
    before = books[key].read_bytes()
    result = _cli("check", books[key], "--explain")
    assert result.exit_code == 0, result.output
    text = result.output
    periods = {t.latest_period for t in BY_KEY[key].truth}
    assert all(f"reporting period: {p}" in text for p in periods)
    assert "header rows:" in text and "rows read:" in text and "winning reading:" in text
    assert "\nlayout:\n- sheet: " in text
    assert books[key].read_bytes() == before  # check changes nothing


def test_explain_names_the_runner_up_reading(books):
    text = _cli("check", books["b_rutland_tracker"], "--explain").output
    assert "winning reading: header rows 3, 4" in text and "runner-up: header rows 3 " in text
    assert "E: rag of Q1 2021-22" in text and "F: period Q2 2021-22 (empty" in text


@pytest.mark.parametrize("key", list(BY_KEY))
def test_the_printed_layout_yaml_reads_the_same_indicators(books, key, tmp_path):
    text = _cli("check", books[key], "--explain").output
    yaml_text = text[text.index("\nlayout:\n") + 1:]
    config = tmp_path / "layout.yaml"
    config.write_text(yaml_text, encoding="utf-8")
    assert _reading(books[key], config) == _reading(books[key])
    assert _cli("check", books[key], "--config", config).exit_code == 0


@pytest.mark.parametrize("entry, key", [
    ({"sheet": "Nowhere", "header_rows": [3]}, "layout -> 0 -> sheet"),
    ({"sheet": "KPIs 2021-22", "header_rows": [2]}, "layout -> 0 -> header_rows -> 0"),
    ({"sheet": "KPIs 2021-22", "header_rows": [3, 4], "last_row": 900}, "layout -> 0 -> last_row"),
    ({"sheet": "KPIs 2021-22", "header_rows": [3, 4], "columns": {"name": "Z"}},
     "layout -> 0 -> columns -> name"),
])
def test_a_layout_entry_that_does_not_fit_is_one_line_with_its_key(books, tmp_path, entry, key):
    import yaml

    config = tmp_path / "bad.yaml"
    config.write_text(yaml.safe_dump({"layout": [entry]}), encoding="utf-8")
    result = _cli("check", books["b_rutland_tracker"], "--config", config)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and key in lines[0]


def test_an_unreadable_layout_points_to_explain(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active["A1"] = "Nothing like a table here"
    path = tmp_path / "none.xlsx"
    wb.save(path)
    result = _cli("check", path)
    assert result.exit_code == 2
    line = result.output.strip()
    assert "\n" not in line and "'Notes'" in line and "--explain" in line


def test_an_indicator_like_row_that_is_not_read_gets_a_finding(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "KPIs"
    ws.append(["Indicator", "Comparator", "Q1 2023-24", "Q2 2023-24"])
    ws.append(["Number of contacts", "Local Indicator", 10, 12])
    ws.append(["Number of repeat enquiries", "Local Indicator"])
    path = tmp_path / "skipped.xlsx"
    wb.save(path)
    result = check_workbook(path, load_config())
    assert [(f.place.cell, f.severity) for f in result.report.of_type("row_not_read")] == [("A3", "warning")]


def test_check_shows_which_library_entry_each_indicator_matched(books):
    result = _cli("check", books["a_wolverhampton"])
    text = result.output
    assert "Library matches:" in text
    line = next(x for x in text.splitlines() if "LAIT-276" in x)
    assert "polarity lower from it" in line
    # "fewer than 3 placements" is not LAIT's or the library's "3 or more placements"
    assert not any("placement-stability" in x for x in text.splitlines() if "PLACEMENTS" in x.upper())


def test_whole_number_percentages_get_no_live_formula_that_would_read_them_as_fractions(books, tmp_path):
    from kpi_xl.refresh_job import refresh

    out = tmp_path / "tracker.xlsx"
    refresh(books["b_rutland_tracker"], load_config(), output=out, backup="none")
    ws = openpyxl.load_workbook(out)["KPIs 2021-22"]
    row = next(r for r in range(5, 40) if ws.cell(r, 1).value == "% CP reviews on time")
    assert ws.cell(row, 5).value == "RED"  # 75% against 100%: a constant, not a formula reading 75 as 7500%


def test_snapshot_dates_typed_as_text_are_their_months(books):
    layout = read_workbook(books["i_snapshot_dates"]).layouts[0]
    assert [(c, p.canonical()) for c, p in layout.period_columns] == [
        ("D", "Sep 2022"), ("E", "Dec 2022"), ("F", "Mar 2023"), ("G", "Jun 2023"), ("H", "Sep 2023")]


def test_a_year_label_over_a_tracker_dates_its_quarters(books):
    layout = read_workbook(books["j_year_label"]).layouts[0]
    assert [(c, p.canonical()) for c, p in layout.period_columns] == [
        ("C", "2022-23"), ("D", "Q1 2023-24"), ("E", "Q2 2023-24")]
    assert layout.reading["later_periods"] == ["Q3 2023-24", "Q4 2023-24"]
