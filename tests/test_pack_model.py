"""The committee pack model: built from a real refresh of the bundled example."""
from __future__ import annotations

import pytest

from kpi_xl.comparators.fill import ComparatorFill, TableComparators
from kpi_xl.config import load_config
from kpi_xl.plan import Plan
from kpi_xl.planning.indicator_tables import plan_comparators
from kpi_xl.refresh_job import build_refresh, refresh
from kpi_xl.pack.model import build_pack, format_value
from kpi_xl.owned_sheets.exceptions import COL, HEADER_ROW, ROLE as EXC_ROLE, read_notes
from kpi_xl.templates import example_workbook
from kpi_xl.xlsx.writer import apply_plan


@pytest.fixture(scope="module")
def config():
    return load_config()


@pytest.fixture(scope="module")
def example(tmp_path_factory, config):
    book = example_workbook(tmp_path_factory.mktemp("example"))
    return build_refresh(book, config)


def test_every_indicator_is_in_the_pack_once_under_its_area(example, config):
    pack = build_pack(example, config)
    ids = [i.id for i in pack.indicators]
    assert sorted(ids) == sorted(example.rated["id"])
    areas = list(dict.fromkeys(example.rated["area"]))
    assert [a.name for a in pack.areas] == areas
    for area in pack.areas:
        assert all(i.area == area.name for i in area.indicators)


def test_rated_indicators_sit_in_their_exception_category(example, config):
    pack = build_pack(example, config)
    names = [c.name for c in config.exceptions.categories]
    for area in pack.areas:
        assert [c.name for c in area.categories] == names  # every category, empty ones too
        for cat in area.categories:
            for ind in cat.indicators:
                assert example.categories[ind.id] == cat.name
                assert ind.rating in ("GREEN", "AMBER", "RED")
        assert all(i.rating is None and i.category == config.exceptions.uncategorised
                   for i in area.unrated)
    counts = example.counts
    assert (pack.counts["RED"], pack.counts["AMBER"], pack.counts["GREEN"]) == \
        (counts["RED"], counts["AMBER"], counts["GREEN"])


def test_header_names_council_service_and_period(example, config):
    pack = build_pack(example, config)
    assert pack.council == "Exampleshire"  # from the sheet title: no council configured
    assert pack.period == "Q2 2025-26"
    assert pack.header == "Exampleshire | Children's Services | Q2 2025-26"


def test_figures_are_formatted_as_published(example, config):
    pack = build_pack(example, config)
    by_id = {i.id: i for i in pack.indicators}
    re_referrals = by_id["CSC02"]
    assert [f.text for f in re_referrals.figures] == ["22.8%", "21.4%", "20.5%", "20.7%"]
    assert [f.period for f in re_referrals.figures] == \
        ["Q3 2024-25", "Q4 2024-25", "Q1 2025-26", "Q2 2025-26"]
    assert re_referrals.target_text == "20.0%"
    assert re_referrals.direction_text.startswith(f"{re_referrals.arrow} {re_referrals.direction}")
    assert "20.5%" in re_referrals.direction_text and "Q1 2025-26" in re_referrals.direction_text
    exclusions = by_id["CSC15"]  # suppressed figures: printed as written, never zero
    assert [f.text for f in exclusions.figures] == ["6", "x", "5", "x"]
    assert [f.value for f in exclusions.figures] == [6, None, 5, None]
    assert exclusions.direction_text == "No direction"


def test_sheet_commentary_is_carried_into_the_pack(example, config):
    pack = build_pack(example, config)
    by_id = {i.id: i for i in pack.indicators}
    assert by_id["CSC02"].commentary_lines == [
        "Re-referrals audit under way; two families accounted for 9 re-referrals."]
    assert by_id["CSC03"].commentary_lines == []


def refreshed_with_exception_rows(book, config):
    """A first refresh, its exception sheet and the row of each indicator's ID on it."""
    first = refresh(book, config, backup="none")
    sheet = next(s for s in first.plan.sheets if s.role == "exceptions")
    rows = owned_sheet_rows(sheet)
    row_of = {r[2]: n for n, r in enumerate(rows, start=1)
              if n > HEADER_ROW and len(r) > 2 and r[2]}
    return first, sheet, row_of


def test_officers_notes_on_the_exception_sheet_reach_the_pack(tmp_path, config):
    """An officer types commentary and an override on the exception sheet of a
    refreshed workbook; the pack built at the next refresh shows both."""
    book = example_workbook(tmp_path)
    first, sheet, row_of = refreshed_with_exception_rows(book, config)
    red = next(i for i, c in first.categories.items() if c == "Reds of concern")
    typed = Plan()
    typed.set(sheet.name, f"{COL['Commentary']}{row_of['CSC03']}", "Audit of late assessments "
              "reported to the Improvement Board.")
    typed.set(sheet.name, f"{COL['Override']}{row_of[red]}", "Reds on watching")
    typed.set(sheet.name, f"{COL['Commentary']}{row_of[red]}", "Recovery plan agreed in July.")
    apply_plan(book, typed, backup="none")
    assert workbook_notes(book)[red].override == "Reds on watching"  # as the sheet holds them

    second = build_refresh(book, config)
    assert second.notes[red].override == "Reds on watching"  # the refresh carries them
    pack = build_pack(second, config)
    by_id = {i.id: i for i in pack.indicators}
    assert by_id["CSC03"].commentary == ("Audit of late assessments reported to the "
                                         "Improvement Board.")
    moved = by_id[red]
    assert moved.category == "Reds on watching" and moved.rule_category == "Reds of concern"
    assert moved.overridden and moved.commentary == "Recovery plan agreed in July."
    area = next(a for a in pack.areas if a.name == moved.area)
    assert moved in next(c for c in area.categories if c.name == "Reds on watching").indicators


def test_notes_read_from_the_plan_match_the_sheet_reader(example):
    sheet = next(s for s in example.plan.sheets if s.role == "exceptions")
    rows = owned_sheet_rows(sheet)
    assert rows[HEADER_ROW - 1][:3] == ["Area", "Category", "ID"]
    assert read_notes(rows) == {} == example.notes  # a fresh example has no notes yet


def test_the_notes_a_refresh_carries_are_those_it_writes(tmp_path, config):
    """What the pack reads from ``RefreshResult.notes`` is what the exception
    sheet of that refresh holds, read back by the sheet reader."""
    book = example_workbook(tmp_path)
    _, sheet, row_of = refreshed_with_exception_rows(book, config)
    typed = Plan()
    typed.set(sheet.name, f"{COL['Commentary']}{row_of['CSC03']}", "  Spaces around  ")
    typed.set(sheet.name, f"{COL['Override']}{row_of['CSC02']}", "Green to celebrate")
    typed.set(sheet.name, f"{COL['Commentary']}{row_of['CSC02']}", 42)
    apply_plan(book, typed, backup="none")
    second = refresh(book, config, backup="none")
    written = read_notes(owned_sheet_rows(next(s for s in second.plan.sheets
                                                if s.role == "exceptions")))
    assert second.notes and {k: n.commentary for k, n in second.notes.items()} == \
        {k: n.commentary for k, n in written.items()} == workbook_commentary(book)


def workbook_commentary(path) -> dict:
    return {k: n.commentary for k, n in workbook_notes(path).items()}


def workbook_notes(path) -> dict:
    """The notes on the workbook's exception summary sheet, as the sheet reader reads them."""
    from kpi_xl.reader import read_sheet_rows
    from kpi_xl.xlsx.workbook_part import owned_sheets

    return read_notes(read_sheet_rows(path, owned_sheets(path)[EXC_ROLE]))


def owned_sheet_rows(sheet) -> list[list]:
    """An owned sheet's planned cells as row lists from column A (as read)."""
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

    grid: dict[int, dict[int, object]] = {}
    for cell in sheet.cells:
        letters, row = coordinate_from_string(cell.cell)
        grid.setdefault(row, {})[column_index_from_string(letters)] = cell.value
    rows = []
    for r in range(1, max(grid, default=0) + 1):
        cols = grid.get(r, {})
        rows.append([cols.get(c) for c in range(1, max(cols, default=0) + 1)])
    return rows


def test_comparator_fills_of_the_refresh_become_comparators(tmp_path, config):
    result = build_refresh(example_workbook(tmp_path), config)
    record = result.rated.set_index("id").loc["CSC02"]
    cells = record["cells"]
    assert "comparator:england" in cells and "comparator:sn" in cells
    fills = [ComparatorFill("CSC02", record["sheet"], cells["comparator:england"], "england",
                            0.224, "2022-23", "re_referrals"),
             ComparatorFill("CSC02", record["sheet"], cells["comparator:sn"], "sn", 0.215,
                            "2022-23", "re_referrals")]
    plan_comparators(result.plan, fills, {"CSC02": "percent"})
    result.comparators = TableComparators(fills=fills)  # as the refresh carries them
    ind = next(i for i in build_pack(result, config).indicators if i.id == "CSC02")
    assert [(c.kind, c.text, c.year, c.heading) for c in ind.comparators] == [
        ("sn", "21.5%", "2022-23", "Statistical neighbours (2022-23)"),
        ("england", "22.4%", "2022-23", "England (2022-23)")]


@pytest.mark.parametrize("value, unit, decimals, text", [
    (0.207, "percent", 1, "20.7%"),
    (0.2, "percent", None, "20.0%"),
    (0.13, "percent", 0, "13%"),
    (1876, "number", 0, "1,876"),
    (18.4, "number", None, "18.4"),
    (702.0, "number", None, "702"),
    (61.0, "number", 1, "61.0"),
    (None, "number", None, ""),
])
def test_format_value(value, unit, decimals, text):
    assert format_value(value, unit, decimals) == text


def test_council_is_taken_from_the_sheet_title_not_a_table_title(shared_workbooks, tmp_path):
    """Wokingham's table titles ("Dashboard Item 8 – Children's Services
    Workforce") also have words before the service name."""
    import shutil

    from kpi_xl.pack.model import infer_council

    book = tmp_path / "wokingham.xlsx"
    shutil.copyfile(shared_workbooks / "wokingham_dashboard_q2_2023_24.xlsx", book)
    config = load_config()
    assert infer_council(build_refresh(book, config), config) == "WOKINGHAM BOROUGH COUNCIL"


def test_chart_trend_joins_one_kind_of_period(shared_workbooks, tmp_path):
    """Wokingham shows the 2022-23 outturn beside its quarters: the table keeps
    it, the trend line does not."""
    import shutil

    book = tmp_path / "wokingham.xlsx"
    shutil.copyfile(shared_workbooks / "wokingham_dashboard_q2_2023_24.xlsx", book)
    config = load_config()
    pack = build_pack(build_refresh(book, config), config)
    ind = next(i for a in pack.areas for i in a.indicators if i.name.startswith("No. Children in Care"))
    assert "2022-23" in [f.period for f in ind.figures]
    assert [f.period for f in ind.trend] == ["Q2 2022-23", "Q3 2022-23", "Q4 2022-23",
                                             "Q1 2023-24", "Q2 2023-24"]


@pytest.mark.parametrize("fill, text, year", [
    (ComparatorFill("X", "S", "K7", "sn", 0.194, "2024-25", "m", count="9 of 10, 2021 grouping"),
     "19.4%", "2024-25; 9 of 10, 2021 grouping"),
    (ComparatorFill("X", "S", "K7", "england", 0.2, None, "m"), "20.0%", None),
    (ComparatorFill("X", "S", "K7", "sn", "c", "2024-25", "m"), "c", None),  # a symbol states no year
])
def test_a_comparator_fill_says_in_the_pack_what_its_cell_says(fill, text, year):
    """The pack takes the fill the refresh carries, not the cell's number format;
    the year it prints is the words the cell shows in brackets."""
    from kpi_xl.pack.model import comparator_from_fill

    comparator = comparator_from_fill(fill.kind, fill, "percent")
    assert (comparator.text, comparator.year) == (text, year)
    plan = Plan()
    plan_comparators(plan, [fill], {"X": "percent"})
    shown = plan.cells()[0].style
    if year:
        assert f"({year})" in shown.number_format
