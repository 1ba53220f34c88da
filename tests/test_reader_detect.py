"""Layout detection on workbooks built here: the shapes councils use."""
from __future__ import annotations

import pytest
from openpyxl import Workbook

from kpi_xl.config import config_from_dict, load_config
from kpi_xl.errors import LayoutError
from kpi_xl.reader import read_workbook
from kpi_xl.reader.detect import area_from_title, role_of_label
from tests.test_reader_support import (MULTIROW_INDICATORS, dashboard_workbook,
                                       multirow_workbook)


def _by_name(table):
    return {r["name"]: r for r in table.frame.to_dict("records")}


def _periods(record):
    return {p.period.canonical(): p.reading for p in record["series"]}


# -------------------------------------------------------------- multi-row header

@pytest.mark.parametrize("merged_labels", [True, False], ids=["labels-merged-down", "labels-in-bottom-row"])
def test_multirow_header_with_bands(tmp_path, merged_labels):
    table = read_workbook(multirow_workbook(tmp_path / "m.xlsx", merged_labels=merged_labels))
    assert len(table) == len(MULTIROW_INDICATORS) == 5
    layout = table.layouts[0]
    assert layout.header_rows == (3, 4, 5)
    assert (layout.first_row, layout.last_row) == (6, 10)
    assert [(c, p.canonical()) for c, p in layout.period_columns] == [
        ("E", "Q4 2022-23"), ("F", "Q1 2023-24"), ("G", "Q2 2023-24"), ("H", "Q3 2023-24")]
    assert layout.latest_period_column == "H"
    assert layout.roles == {
        "area": "A", "name": "B", "target": "C", "polarity": "D", "rag": "I", "dot": "J",
        "comparator:sn": "K", "comparator:region": "L", "comparator:england": "M",
        "comparator:ofsted_good": "N", "commentary": "O"}
    assert layout.title == "Children's Services scorecard – Quarter 3 2023-24"


def test_multirow_rows_areas_targets_polarity_rag_dot_comparators(tmp_path):
    table = read_workbook(multirow_workbook(tmp_path / "m.xlsx"))
    rows = _by_name(table)
    assert [r["area"] for r in table.frame.to_dict("records")] == [
        "Front Door", "Front Door", "Child Protection", "Child Protection", "Children in Care"]
    rerefs = rows["Percentage of re-referrals within 12 months"]
    assert rerefs["target"] == pytest.approx(0.22) and rerefs["target_source"] == "sheet"
    assert (rerefs["polarity"], rerefs["polarity_raw"], rerefs["polarity_source"]) == \
        ("lower", "Lower is better", "sheet")
    assert (rerefs["published_rag"], rerefs["published_dot"]) == ("Green", "↓")
    assert rerefs["commentary"] == "Audit of repeat referrals under way."
    assert _periods(rerefs)["Q3 2023-24"].value == pytest.approx(0.20)
    assert _periods(rerefs)["Q4 2022-23"].value == pytest.approx(0.24)
    assert {k: v.value for k, v in rerefs["comparators"].items()} == pytest.approx(
        {"sn": 0.215, "region": 0.205, "england": 0.221, "ofsted_good": 0.19})
    assert rerefs["cells"] == {
        "area": "A6", "name": "B6", "target": "C6", "polarity": "D6", "rag": "I6", "dot": "J6",
        "comparator:sn": "K6", "comparator:region": "L6", "comparator:england": "M6",
        "comparator:ofsted_good": "N6", "commentary": "O6"}
    contacts = rows["Number of contacts"]
    assert contacts["target"] is None and contacts["target_raw"] == "N/A"
    assert contacts["polarity"] is None and contacts["polarity_raw"] == "N/A"
    assert contacts["published_rag"] is None
    second = rows["Percentage of CP plans that are a second or subsequent plan"]
    assert (second["polarity"], second["published_rag"]) == ("lower", "Red")  # "Low"
    rate = rows["Rate of children subject to a CP plan per 10,000"]
    assert _periods(rate)["Q2 2023-24"].status == "suppressed"
    assert rate["comparators"]["ofsted_good"].status == "suppressed"
    assert rate["unit"] == "number"
    cla = rows["Children looked after rate per 10,000 children"]
    assert cla["target"] == 70 and cla["polarity"] == "lower"


def test_comparator_headers_do_not_become_periods(tmp_path):
    table = read_workbook(multirow_workbook(tmp_path / "m.xlsx"))
    assert all(len(s) == 4 for s in table.frame.series)


# -------------------------------------------------------------- several tables, prose, targets sheet

def test_several_titled_tables_with_prose_between(tmp_path):
    table = read_workbook(dashboard_workbook(tmp_path / "d.xlsx"))
    assert len(table.layouts) == 2
    assert [l.header_rows for l in table.layouts] == [(4,), (12,)]
    assert [(l.first_row, l.last_row) for l in table.layouts] == [(5, 6), (13, 15)]
    assert [l.title for l in table.layouts] == ["Dashboard Item 1 – Front Door", "Dashboard Item 2 – Workforce"]
    assert list(table.frame.area) == ["Front Door"] * 2 + ["Workforce"] * 3
    names = list(table.frame.name)
    assert "What does this show us?" not in names
    assert not any(n.startswith("The figures") for n in names)


def test_targets_sheet_is_joined_by_normalised_name(tmp_path):
    table = read_workbook(dashboard_workbook(tmp_path / "d.xlsx"))
    rows = _by_name(table)
    rerefs = rows["% of referrals that are repeat referrals within 12 months"]
    assert (rerefs["target"], rerefs["polarity"], rerefs["target_source"]) == (0.2, "lower", "targets sheet")
    assert rerefs["cells"]["target"] == "Targets!B2"
    turnover = rows["12 months rolling turnover of permanent qualified social workers"]
    assert turnover["target"] == pytest.approx(0.15) and turnover["polarity"] == "lower"  # "Low"
    unmatched = table.findings.of_type("target_unmatched")
    assert len(unmatched) == 1 and unmatched[0].place.cell == "A4"
    assert "A measure nobody reports" in unmatched[0].message


def test_repeated_names_get_numbered_ids(tmp_path):
    table = read_workbook(dashboard_workbook(tmp_path / "d.xlsx"))
    assert list(table.frame.id)[-2:] == ["no-of-permanent-exclusions", "no-of-permanent-exclusions-2"]


def test_an_extract_sheet_is_not_read(tmp_path):
    table = read_workbook(dashboard_workbook(tmp_path / "d.xlsx", extract_rows=500))
    assert set(table.frame.sheet) == {"Dashboard"}
    assert table.sheet_names == ["Dashboard", "Targets", "Extract"]


# -------------------------------------------------------------- section rows, id and RAG columns

def _sections_workbook(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "KPIs"
    ws.append(["Performance as at end of quarter one 2021-22"])
    ws.append([])
    ws.append(["Ref", "Service/ KPI name", "2020-21 outturn", "2021-22 Q1", "2021-22 target", None, "Comments"])
    ws.append([None, "Contacts and referrals"])
    ws.append(["CSC01", "Number of contacts received", 1524, 356, "-", "-"])
    ws.append(["CSC02", "% of re-referrals within last 12 months", 0.38, 0.1, 0.25, "Green", "Better than target"])
    ws.append([None, "Children in care"])
    ws.append(["CSC03", "% CLA reviews on time", 0.93, 0.96, 1, "Amber"])
    ws.append(["CSC04", "New measure for 2021-22", None, "To be confirmed", "TBC"])
    ws.append([])
    ws.append([None, "Notes: figures are provisional."])
    for r in (6, 8):
        for c in (3, 4, 5):
            ws.cell(r, c).number_format = "0%"
    wb.save(path)
    return path


def test_section_rows_name_the_area_and_codes_are_ids(tmp_path):
    table = read_workbook(_sections_workbook(tmp_path / "s.xlsx"))
    frame = table.frame
    assert list(frame.id) == ["CSC01", "CSC02", "CSC03", "CSC04"]
    assert list(frame.area) == ["Contacts and referrals", "Contacts and referrals",
                                "Children in care", "Children in care"]
    layout = table.layouts[0]
    assert layout.roles == {"id": "A", "name": "B", "target": "E", "rag": "F", "commentary": "G"}
    rows = frame.set_index("id")
    assert rows.loc["CSC02", "published_rag"] == "Green"
    assert rows.loc["CSC02", "commentary"] == "Better than target"
    assert rows.loc["CSC03", "target"] == 1 and rows.loc["CSC03", "polarity"] == "higher"
    assert rows.loc["CSC04", "target"] is None
    assert _periods(rows.loc["CSC04"])["Q1 2021-22"].status == "not_available"
    assert layout.last_row == 9


def test_an_unheaded_code_column_left_of_the_name_is_the_id(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append([None, "Indicator", "Q1 2023-24", "Q2 2023-24"])
    ws.append(["NI 62", "Placement stability: 3 or more placements", 0.1, 0.12])
    ws.append(["NI 63", "Long term placement stability", 0.7, 0.68])
    wb.save(tmp_path / "ids.xlsx")
    table = read_workbook(tmp_path / "ids.xlsx")
    assert list(table.frame.id) == ["NI 62", "NI 63"]
    assert table.layouts[0].roles["id"] == "A"


@pytest.mark.parametrize("with_dot,trend_cells,roles", [
    (False, ["↑", "↓"], {"dot": "D"}),  # a Trend column of arrows is the DoT
    (False, [None, None], {"trend": "D"}),  # an empty one draws sparklines
    (True, [None, None], {"dot": "E", "trend": "D"}),
    (True, ["↑", "↓"], {"dot": "E", "trend": "D"}),
])
def test_a_trend_column_is_the_dot_only_when_it_holds_arrows(tmp_path, with_dot, trend_cells, roles):
    wb = Workbook()
    ws = wb.active
    ws.append(["Indicator", "Q1 2023-24", "Q2 2023-24", "Trend"] + (["Direction of travel"] if with_dot else []))
    ws.append(["Number of contacts", 10, 12, trend_cells[0]] + (["↑"] if with_dot else []))
    ws.append(["Number of referrals", 8, 7, trend_cells[1]] + (["↓"] if with_dot else []))
    wb.save(tmp_path / "trend.xlsx")
    table = read_workbook(tmp_path / "trend.xlsx")
    got = {k: v for k, v in table.layouts[0].roles.items() if k in ("dot", "trend")}
    assert got == roles
    assert list(table.frame.published_dot) == (["↑", "↓"] if "dot" in roles and (with_dot or trend_cells[0])
                                                else [None, None])


def test_of_two_columns_for_one_role_the_first_is_kept(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Indicator", "Q1 2023-24", "Q2 2023-24", "Target", "Target (stretch)", "England 2021-22",
               "England 2022-23"])
    ws.append(["Number of contacts", 10, 12, 11, 14, 9, 10])
    wb.save(tmp_path / "two.xlsx")
    table = read_workbook(tmp_path / "two.xlsx")
    assert table.layouts[0].roles == {"name": "A", "target": "D", "comparator:england": "G"}
    assert table.frame.iloc[0]["target"] == 11


def test_no_indicator_table_is_a_layout_error(tmp_path):
    wb = Workbook()
    wb.active.append(["Child ID", "Referral date", "Team"])
    wb.active.append(["CH1", "2023-04-01", "North"])
    wb.save(tmp_path / "none.xlsx")
    with pytest.raises(LayoutError, match="no indicator table found"):
        read_workbook(tmp_path / "none.xlsx")


def test_kpi_xl_new_template_is_read(tmp_path):
    from kpi_xl.templates import new_workbook
    from kpi_xl.library import load_library

    path = new_workbook(tmp_path / "new.xlsx", load_config())
    table = read_workbook(path)
    assert len(table) == len(load_library())
    assert list(table.frame.id) == [e.id for e in load_library()]
    assert table.layouts[0].header_rows == (4, 5, 6)


def test_config_polarity_and_target_win(tmp_path):
    config = config_from_dict({"indicators": {
        "Number of contacts": {"polarity": "higher", "target": 1500},
        "no-such-indicator": {"polarity": "lower"}}})
    table = read_workbook(multirow_workbook(tmp_path / "m.xlsx"), config)
    contacts = _by_name(table)["Number of contacts"]
    assert (contacts["polarity"], contacts["polarity_source"]) == ("higher", "config")
    assert (contacts["target"], contacts["target_source"]) == (1500, "config")
    unknown = table.findings.of_type("config_indicator_unknown")
    assert len(unknown) == 1 and "no-such-indicator" in unknown[0].message


# -------------------------------------------------------------- words

@pytest.mark.parametrize("label,role", [
    ("Measure", "name"), ("Service/ KPI name", "name"), ("Indicator", "name"), ("KPI", "name"),
    ("2021-22 target", "target"), ("Target", "target"), ("Polarity", "polarity"),
    ("Good is", "polarity"), ("RAG", "rag"), ("RAG rating", "rag"),
    ("Direction of Travel", "dot"), ("DoT", "dot"), ("Trend – last four quarters", "trend"),
    ("Statistical neighbours", "comparator:sn"), ("SN average", "comparator:sn"),
    ("Region", "comparator:region"), ("South East", "comparator:region"),
    ("Regional average", "comparator:region"), ("England", "comparator:england"),
    ("National", "comparator:england"), ("Ofsted good", "comparator:ofsted_good"),
    ("Commentary", "commentary"), ("Area", "area"), ("Ref", "id"), ("KPI ref", "id"),
    ("Data type", "unit"), ("Amber threshold", "amber"), ("Aim", "polarity"),
    ("Aim of the service", None), ("Q2 23-24", None), ("2022-23", None), ("QUARTERS", None), ("Number", None),
])
def test_header_words(label, role):
    assert role_of_label(label) == role


def test_an_aim_column_gives_the_polarity(tmp_path):
    # NI-style return: "Aim" says Minimise / Maximise (truth typed from the rows)
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "NI"
    ws.append(["Indicator", "Aim", "Target 24/25", "Jun-24", "Sep-24", "RAG"])
    ws.append(["NI 62 - Stability of placements of looked after children: number of moves",
               "Minimise", 10, 9.5, 11.2, "Amber"])
    ws.append(["NI 63 - Stability of placements of looked after children: length of placement",
               "Maximise", 70, 68, 72, "Green"])
    wb.save(tmp_path / "ni.xlsx")
    records = read_workbook(tmp_path / "ni.xlsx").records
    assert [(r["polarity"], r["polarity_source"], r["target"]) for r in records] == [
        ("lower", "sheet", 10), ("higher", "sheet", 70)]


@pytest.mark.parametrize("title,several,area", [
    ("Dashboard Item 3 – Children's Social Care Front Door", False, "Children's Social Care Front Door"),
    ("Dashboard Item 7(a) – Children Missing from Home/Care", False, "Children Missing from Home/Care"),
    ("Children in Care", True, "Children in Care"),
    ("Children in Care", False, None),
    ("Children's services performance as at end of quarter one (April – June) 2021-22", True, None),
    (None, True, None),
])
def test_area_from_title(title, several, area):
    assert area_from_title(title, several) == area


@pytest.mark.parametrize("raw,expected", [
    ("Higher is better", ("higher", True)), ("High", ("higher", True)), ("↑ good", ("higher", True)),
    ("Bigger is better", ("higher", True)), ("Lower is better", ("lower", True)), ("Low", ("lower", True)),
    ("Smaller is better", ("lower", True)), ("↓", ("lower", True)), ("Lower is worse", ("higher", True)),
    ("N/A", (None, True)), ("-", (None, True)), (None, (None, True)), ("Neutral", (None, True)),
    ("Banana", (None, False)), ("High or low", (None, False)),
    ("Larger is better", ("higher", True)), ("Greater is better", ("higher", True)),
    ("Hi", ("higher", True)), ("Lo", ("lower", True)),
    # watched, not rated: the council says there is no better way
    ("Monitor only", (None, True)), ("Tracking", (None, True)), ("Maintain", (None, True)),
    ("For information", (None, True)),
])
def test_polarity_words(raw, expected):
    from kpi_xl.reader.build import parse_polarity
    assert parse_polarity(raw) == expected


@pytest.mark.parametrize("raw,expected", [
    ("Decreasing", "decrease"), ("Reduce", "decrease"), ("↓", "decrease"), ("Increase", "increase"),
    ("Improve", "increase"), ("N/A", None), (0.2, None), ("TBC", None),
])
def test_directional_targets(raw, expected):
    from kpi_xl.reader.build import parse_target_direction
    assert parse_target_direction(raw) == expected


def test_directional_and_unreadable_targets(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "KPIs"
    ws.append(["Indicator", "Q1 2023-24", "Q2 2023-24", "Target", "Polarity"])
    ws.append(["Number of children in care", 120, 118, "Decreasing", None])
    ws.append(["Number of contacts", 10, 12, "ask Sam", "sideways"])
    ws.append(["Percentage of assessments in 45 days", 0.8, 0.85, 80, "High"])
    ws.cell(4, 2).number_format = ws.cell(4, 3).number_format = "0%"
    wb.save(tmp_path / "t.xlsx")
    table = read_workbook(tmp_path / "t.xlsx")
    rows = _by_name(table)
    cla = rows["Number of children in care"]
    assert (cla["target"], cla["target_direction"], cla["target_raw"]) == (None, "decrease", "Decreasing")
    assert rows["Percentage of assessments in 45 days"]["target"] == pytest.approx(0.8)  # 80 beside %
    assert [(f.type, f.place.sheet, f.place.cell, f.indicator) for f in table.findings] == [
        ("target_unreadable", "KPIs", "D3", "number-of-contacts"),
        ("polarity_unreadable", "KPIs", "E3", "number-of-contacts")]


def test_split_sheet_ref():
    from kpi_xl.xlsx.refs import split_sheet_ref
    assert split_sheet_ref("B2", "Own") == ("Own", "B2")
    assert split_sheet_ref("Targets!B2", "Own") == ("Targets", "B2")
    assert split_sheet_ref("'Council''s targets'!C9", "Own") == ("Council's targets", "C9")


def test_a_long_title_with_a_header_word_is_still_a_title(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Performance against targets for the quarter"])
    ws.append(["Indicator", "Q1 2023-24", "Q2 2023-24"])
    ws.append(["Number of contacts", 10, 12])
    wb.save(tmp_path / "title.xlsx")
    table = read_workbook(tmp_path / "title.xlsx")
    layout = table.layouts[0]
    assert layout.header_rows == (2,) and layout.title == "Performance against targets for the quarter"
    assert len(layout.period_columns) == 2


def test_a_peek_without_merges_still_finds_a_banded_header(tmp_path):
    from kpi_xl.reader.cells import Workbook as Book
    from kpi_xl.reader.detect import has_table

    path = multirow_workbook(tmp_path / "m.xlsx")
    with Book(path) as book:
        peek = book.read_sheet("Scorecard", max_row=7)
    assert not peek.complete and not peek.merges
    assert has_table(peek)


def test_a_hidden_targets_sheet_is_still_joined(tmp_path):
    from openpyxl import load_workbook

    path = dashboard_workbook(tmp_path / "d.xlsx")
    wb = load_workbook(path)
    wb["Targets"].sheet_state = "hidden"
    wb.save(path)
    assert read_workbook(path).frame.target.notna().sum() == 2


def test_the_corpus_never_crashes_the_reader(corpus_dir):
    """70 Excel-made workbooks with charts, pivots, VBA...: none holds an
    indicator table, and each says so in one LayoutError, never a crash."""
    from kpi_xl.errors import KpiError

    for path in sorted(corpus_dir.glob("*.xls[xm]")):
        try:
            read_workbook(path)
        except KpiError as exc:
            assert "\n" not in str(exc)


def test_a_sheet_of_thousands_of_short_labels_is_not_searched_for_headers(tmp_path):
    """Raw data across more columns than any indicator table has (each row
    of short labels could be a header, read under every band reading) is
    passed over; the indicator sheet beside it is read."""
    from openpyxl import Workbook

    from kpi_xl.reader import read_workbook
    from kpi_xl.reader.detect import MAX_HEADER_CELLS

    wb = Workbook()
    wide = wb.active
    wide.title = "Raw"
    for r in range(1, 41):
        wide.append([f"Q{c % 4 + 1}" if r % 2 else f"code {c}" for c in range(MAX_HEADER_CELLS + 1)])
    kpis = wb.create_sheet("KPIs")
    kpis.append(["Indicator", "Q1 2023-24", "Q2 2023-24"])
    kpis.append(["% Assessments completed within 45 working days", 0.739, 0.675])  # seed 000
    wb.save(tmp_path / "wide.xlsx")
    table = read_workbook(tmp_path / "wide.xlsx")
    assert [(r["sheet"], r["name"]) for r in table.records] == [
        ("KPIs", "% Assessments completed within 45 working days")]
    assert [layout.sheet for layout in table.layouts] == ["KPIs"]


def test_a_header_row_may_hold_up_to_the_limit_of_labels(tmp_path):
    from openpyxl import Workbook

    from kpi_xl.reader import read_workbook
    from kpi_xl.reader.detect import MAX_HEADER_CELLS

    months = [f"{m} {y}" for y in range(1950, 2060) for m in ("Mar", "Jun", "Sep", "Dec")]
    labels = ["Indicator", *months[:MAX_HEADER_CELLS - 1]]
    wb = Workbook()
    ws = wb.active
    ws.append(labels)
    ws.append(["Children missing from care", *range(len(labels) - 1)])
    wb.save(tmp_path / "long_run.xlsx")
    layout = read_workbook(tmp_path / "long_run.xlsx").layouts[0]
    assert len(layout.period_columns) == MAX_HEADER_CELLS - 1
