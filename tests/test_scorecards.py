"""Scorecards whose figure columns are named relative to a period.

Two shapes councils use instead of a column per period:

- each row says its own period ("Ref | Measure | Good is | Period | Previous
  | Latest | Target"), so annual, monthly and quarterly indicators share a
  table;
- the title dates the figures ("Scorecard - Quarter 2 2023-24" over "Same
  quarter last year | Last quarter | This quarter").

Figures are Wokingham's (seed report 000, Dashboard Items 1-4, Q2 2023-24
against Q1 2023-24; Q2 2022-23 for the same quarter last year). Targets are
the seed's own words: "ahead of WBC's target of 70%" (EHCPs), "our local
practice standards target 30 days" (early help assessments), "achieve the
target of 80% of visits in timescale" (CP visits). Ratings are worked by
hand with the default rule (AMBER within 5% of the target).
"""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from kpi_xl import refresh
from kpi_xl.check import check_workbook
from kpi_xl.config import config_from_dict, load_config
from kpi_xl.errors import LayoutError
from kpi_xl.reader import read_workbook

# ref, measure, good is, period, previous, latest, target, rating, movement, arrow
ROWS = [
    ("SEND1", "EHCs issued within 20 weeks of the referral (excl. exceptions)", "High",
     "Q2 2023-24", .858, .806, .70, "GREEN", "NEGATIVE", "↓"),  # 80.6 over 70; down from 85.8
    ("EH1", "No. of referrals to Early Help", "-", "Q2 2023-24", 397, 367, None,
     None, "DECREASE", "↓"),  # no target, no polarity: not rated, a plain decrease
    ("EH3", "Avg. length of time in days between referral and assessment completion", "Low",
     "Q2 2023-24", 31, 34, 30, "RED", "NEGATIVE", "↑"),  # 34 days against 30 (band to 31.5)
    ("CP3", "% Of child protection visits within timescale (10 working days)", "High",
     "Q2 2023-24", .78, .75, .80, "RED", "NEGATIVE", "↓"),  # 5 short of 80 (band 4)
]
HEADER = ["Ref", "Measure", "Good is", "Period", "Previous", "Latest", "Target"]


def _row_wise(path, rows=ROWS, header=HEADER, title="Children's Services Scorecard"):
    wb = Workbook()
    ws = wb.active
    ws.title = "Scorecard"
    ws["A1"] = title
    ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(list(row[:7]))
        for cell in ws[ws.max_row][4:7]:  # a fraction is a percentage, as the council formats it
            if isinstance(cell.value, float) and cell.value < 1:
                cell.number_format = "0.0%"
    wb.save(path)
    return path


def _by_id(result):
    return {r["id"]: r for r in result.rated.to_dict("records")}


def test_each_row_is_rated_by_its_own_period(tmp_path):
    book = _row_wise(tmp_path / "scorecard.xlsx")
    result = refresh(book, load_config(), backup="none")
    rated = _by_id(result)
    for ref, _, _, _, _, latest, _, rag, movement, arrow in ROWS:
        got = rated[ref]
        assert got["latest_period"] == "Q2 2023-24", ref
        assert got["latest_value"] == pytest.approx(latest), ref
        assert got["rag"] == rag, ref
        assert got["direction"] == movement, ref
        assert got["arrow"] == arrow, ref
    records = {r["id"]: r for r in result.table.records}
    previous, latest = records["EH3"]["series"]
    assert (previous.period.canonical(), previous.cell, latest.cell) == ("Q1 2023-24", "E6", "F6")
    layout = result.table.layouts[0]
    assert (layout.roles["row_period"], layout.roles["previous"], layout.roles["latest"]) == ("D", "E", "F")
    assert layout.reading["reporting_period"] == "Q2 2023-24"
    # the RAG and direction columns go right of the table, and the refresh holds
    assert (result.counts["RED"], result.counts["GREEN"]) == (2, 1)
    assert not refresh(book, load_config(), backup="none", dry_run=True).changed


def test_rows_of_different_periods_share_a_table(tmp_path):
    rows = [
        ("C1", "No. of Contacts progressed to Referral", "-", "2022-23", None, 1607, None),
        ("CP1", "Children subject to CP Plans (snapshot at end of period)", "-",
         dt.datetime(2023, 9, 30), None, 144, None),
        ROWS[2][:7],
    ]
    table = read_workbook(_row_wise(tmp_path / "mixed.xlsx", rows,
                                    header=["Ref", "Measure", "Good is", "Reporting period",
                                            "Previous", "Latest", "Target"]), load_config())
    records = {r["id"]: r for r in table.records}
    assert [p.period.canonical() for p in records["C1"]["series"]] == ["2021-22", "2022-23"]
    assert [p.period.canonical() for p in records["CP1"]["series"]] == ["Aug 2023", "Sep 2023"]
    assert [p.period.canonical() for p in records["EH3"]["series"]] == ["Q1 2023-24", "Q2 2023-24"]
    assert records["C1"]["series"][-1].reading.value == 1607
    assert records["C1"]["series"][0].reading.value is None  # no previous year given


def test_a_row_whose_period_cannot_be_read_is_not_rated_and_says_so(tmp_path):
    rows = [ROWS[0][:7], ("EH3", ROWS[2][1], "Low", "TBC", 31, 34, 30)]
    book = _row_wise(tmp_path / "tbc.xlsx", rows)
    report = check_workbook(book, load_config())
    found = [f for f in report.report if f.type == "row_period_unreadable"]
    assert len(found) == 1
    assert found[0].place.cell == "D5" and "'TBC'" in found[0].message
    rated = _by_id(refresh(book, load_config(), backup="none"))
    assert rated["EH3"]["rag"] is None and rated["EH3"]["latest_value"] is None
    assert rated["SEND1"]["rag"] == "GREEN"


TITLED = [  # measure, same quarter last year, last quarter, this quarter, target, rating, arrow
    ("No. of referrals to Early Help", 312, 397, 367, None, None, "↓"),
    ("No. Early Help Assessments", 330, 311, 357, None, None, "↑"),
    ("Avg. length of time in days between referral and assessment completion", 30, 31, 34, 30,
     "RED", "↑"),
]


def _titled(path, title="Children's Services Scorecard - Quarter 2 2023-24",
            labels=("Same quarter last year", "Last quarter", "This quarter")):
    wb = Workbook()
    ws = wb.active
    ws.title = "Early Help"
    ws["A1"] = title
    ws.append(["Measure", *labels, "Target"])
    for row in TITLED:
        ws.append(list(row[:5]))
    wb.save(path)
    return path


def test_a_title_dates_columns_named_relative_to_it(tmp_path):
    result = refresh(_titled(tmp_path / "titled.xlsx"), load_config(), backup="none")
    layout = result.table.layouts[0]
    assert [(c, p.canonical()) for c, p in layout.period_columns] == [
        ("B", "Q2 2022-23"), ("C", "Q1 2023-24"), ("D", "Q2 2023-24")]
    rated = {r["name"]: r for r in result.rated.to_dict("records")}
    for name, _, _, latest, _, rag, arrow in TITLED:
        assert rated[name]["latest_value"] == latest, name
        assert rated[name]["rag"] == rag, name
        assert rated[name]["arrow"] == arrow, name  # against last quarter, not last year


@pytest.mark.parametrize("title", ["Children's Services Scorecard", "Scorecard 2023-24"])
def test_relative_columns_with_nothing_to_date_them_are_not_guessed(tmp_path, title):
    """No period in the title, or a year above "This quarter": not read."""
    with pytest.raises(LayoutError, match="no indicator table found"):
        read_workbook(_titled(tmp_path / "undated.xlsx", title=title), load_config())


def test_a_latest_column_beside_period_columns_is_not_a_period(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Measure", "Q1 2023-24", "Q2 2023-24", "Latest", "Target"])
    ws.append([TITLED[2][0], 31, 34, 34, 30])
    wb.save(tmp_path / "wide.xlsx")
    layout = read_workbook(tmp_path / "wide.xlsx", load_config()).layouts[0]
    assert [c for c, _ in layout.period_columns] == ["B", "C"]
    assert "latest" not in layout.roles and "row_period" not in layout.roles


def test_the_exceptions_sheet_kpi_xl_writes_is_not_read_back(tmp_path):
    """The exceptions summary has Period and Latest columns of its own."""
    book = _row_wise(tmp_path / "scorecard.xlsx")
    refresh(book, load_config(), backup="none")
    refresh(book, load_config(), backup="none")
    table = read_workbook(book, load_config())
    assert [layout.sheet for layout in table.layouts] == ["Scorecard"]
    assert sorted(r["id"] for r in table.records) == sorted(r[0] for r in ROWS)


def test_a_layout_entry_names_the_period_and_figure_columns(tmp_path):
    """Labels the reader does not know, placed by config."""
    header = ["Ref", "Measure", "Good is", "When", "Before", "Now", "Target"]
    book = _row_wise(tmp_path / "own_words.xlsx", header=header)
    with pytest.raises(LayoutError):
        read_workbook(book, load_config())
    config = config_from_dict({"layout": [{"sheet": "Scorecard", "header_rows": [3],
                                           "columns": {"name": "B", "period": "D", "previous": "E",
                                                       "latest": "F", "target": "G",
                                                       "polarity": "C"}}]})
    rated = _by_id(refresh(book, config, backup="none"))
    assert {ref: rated[ref]["rag"] for ref, *_ in ROWS} == {r[0]: r[7] for r in ROWS}


@pytest.mark.parametrize("period, previous, latest", [
    ("Reporting period", "Previous quarter", "Current"),
    ("Latest period", "Last period", "Latest value"),
    ("Date", "Prev. Qtr", "Actual"),
    ("As at", "Last reported", "This period"),
])
def test_the_spellings_councils_use_for_the_columns(tmp_path, period, previous, latest):
    header = ["Ref", "Measure", "Good is", period, previous, latest, "Target"]
    rated = _by_id(refresh(_row_wise(tmp_path / "spelt.xlsx", header=header), load_config(),
                           backup="none"))
    assert {ref: (rated[ref]["rag"], rated[ref]["arrow"]) for ref, *_ in ROWS} == \
        {r[0]: (r[7], r[9]) for r in ROWS}


def test_a_period_written_as_a_day(tmp_path):
    rows = [("CP1", "Children subject to CP Plans (snapshot at end of period)", "-",
             "As at 30/09/2023", 157, 144, None)]
    table = read_workbook(_row_wise(tmp_path / "as_at.xlsx", rows), load_config())
    assert [p.period.canonical() for p in table.records[0]["series"]] == ["Aug 2023", "Sep 2023"]


def test_a_title_naming_its_months_dates_the_quarter(tmp_path):
    book = _titled(tmp_path / "months.xlsx", title="Early Help (July to September 2023)",
                   labels=("Same quarter last year", "Previous quarter", "Latest"))
    layout = read_workbook(book, load_config()).layouts[0]
    assert [p.canonical() for _, p in layout.period_columns] == ["Q2 2022-23", "Q1 2023-24", "Q2 2023-24"]


def test_the_explained_layout_reads_the_scorecard_the_same(tmp_path):
    import yaml

    from kpi_xl.reader.explain import layout_yaml

    book = _row_wise(tmp_path / "scorecard.xlsx")
    detected = read_workbook(book, load_config())
    configured = read_workbook(book, config_from_dict(yaml.safe_load(layout_yaml(detected))))
    assert configured.layouts[0].reading["source"] == "layout -> 0"

    def seen(table):
        return [(r["id"], [(p.period, p.cell, p.reading.value) for p in r["series"]]) for r in table.records]

    assert seen(configured) == seen(detected)


def test_the_pack_dates_a_row_reported_for_another_period(tmp_path):
    from docx import Document

    from kpi_xl.pack.docx import write_docx
    from kpi_xl.pack.model import build_pack
    from kpi_xl.refresh_job import build_refresh

    rows = [ROWS[0][:7], ("C1", "No. of Contacts progressed to Referral", "-", "2022-23", None, 1607, None),
            ROWS[3][:7]]
    book = _row_wise(tmp_path / "mixed.xlsx", rows)
    pack = build_pack(build_refresh(book, load_config()), load_config())
    assert pack.period == "Q2 2023-24"  # what most rows report
    doc = Document(write_docx(pack, tmp_path / "pack.docx", config=load_config()))
    latest = {row.cells[1].text: row.cells[3].text for table in doc.tables for row in table.rows[1:]
              if len(row.cells) > 3}
    assert latest["SEND1"] == "80.6%" and latest["CP3"] == "75.0%"
    assert latest["C1"] == "1,607 (2022-23)"


def test_a_blank_period_is_the_title_s(tmp_path):
    """Quarterly rows left blank under "Scorecard Q2 2023-24", an annual row dated."""
    rows = [("SEND1", ROWS[0][1], "High", None, .858, .806, .70),
            ("C1", "No. of Contacts progressed to Referral", "-", "2022-23", None, 1607, None)]
    book = _row_wise(tmp_path / "blank.xlsx", rows, title="Children's Services Scorecard Q2 2023-24")
    table = read_workbook(book, load_config())
    records = {r["id"]: r for r in table.records}
    assert [p.period.canonical() for p in records["SEND1"]["series"]] == ["Q1 2023-24", "Q2 2023-24"]
    assert records["C1"]["series"][-1].period.canonical() == "2022-23"
    assert not [f for f in table.findings if f.type == "row_period_unreadable"]
    assert table.layouts[0].reading["reporting_period"] == "Q2 2023-24"
    untitled = read_workbook(_row_wise(tmp_path / "untitled.xlsx", rows), load_config())
    assert [f.place.cell for f in untitled.findings if f.type == "row_period_unreadable"] == ["D4"]


def test_columns_counting_back_from_the_one_dated_column(tmp_path):
    """ "Same quarter last year | Last quarter | Q2 2023-24": dated from the Q2 column."""
    book = _titled(tmp_path / "one_dated.xlsx", title="Early Help",
                   labels=("Same quarter last year", "Last quarter", "Q2 2023-24"))
    result = refresh(book, load_config(), backup="none")
    layout = result.table.layouts[0]
    assert [p.canonical() for _, p in layout.period_columns] == ["Q2 2022-23", "Q1 2023-24", "Q2 2023-24"]
    rated = {r["name"]: r for r in result.rated.to_dict("records")}
    for name, _, _, latest, _, rag, arrow in TITLED:
        assert (rated[name]["latest_value"], rated[name]["rag"], rated[name]["arrow"]) == (latest, rag, arrow)
