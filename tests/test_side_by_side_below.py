"""Tables side by side below a wider one: the wide table fills the column
that parts them, so no column of the sheet is empty; on their own rows one
is, and each is read as a table of its own.

Figures are Wokingham's Q1 and Q2 2023-24 (seed report 000, Dashboard Items
2, 3 and 4), with the seed's 80% targets for assessments and CP visits.
"""
from __future__ import annotations

from openpyxl import Workbook

from kpi_xl import refresh
from kpi_xl.config import load_config
from kpi_xl.reader import read_workbook


def _book(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Dashboard"
    ws.append(["Front door"])
    ws.append(["Measure", "Q1 2023-24", "Q2 2023-24", "Target", "Polarity", "RAG", "Notes", "Owner", "Lead"])
    ws.append(["No. of Contacts progressed to Referral", 405, 445, None, "-", None, None, "Team A", "JB"])
    ws.append(["% Assessments completed within 45 working days", .739, .675, .80, "High", None, None,
               "Team A", "JB"])
    ws.append([])
    ws.append([])
    ws.append(["Child protection", None, None, None, None, "Early help"])
    ws.append(["Measure", "Q1 2023-24", "Q2 2023-24", "Target", None, "Measure", "Q1 2023-24", "Q2 2023-24",
               "Target"])
    ws.append(["Children subject to CP Plans (snapshot at end of period)", 157, 144, None, None,
               "No. of referrals to Early Help", 397, 367, None])
    ws.append(["% Of child protection visits within timescale (10 working days)", .78, .75, .80, None,
               "No. Early Help Assessments", 311, 357, None])
    wb.save(path)
    return path


def test_each_table_below_the_wide_one_is_its_own(tmp_path):
    table = read_workbook(_book(tmp_path / "dashboard.xlsx"), load_config())
    assert [(layout.title, layout.name_column) for layout in table.layouts] == [
        ("Front door", "A"), ("Child protection", "A"), ("Early help", "F")]
    latest = {r["name"]: (r["area"], r["series"][-1].reading.value) for r in table.records}
    assert latest == {
        "No. of Contacts progressed to Referral": ("Front door", 445),
        "% Assessments completed within 45 working days": ("Front door", .675),
        "Children subject to CP Plans (snapshot at end of period)": ("Child protection", 144),
        "% Of child protection visits within timescale (10 working days)": ("Child protection", .75),
        "No. of referrals to Early Help": ("Early help", 367),
        "No. Early Help Assessments": ("Early help", 357),
    }
    assert not [f for f in table.findings if f.type == "period_duplicate"]


def test_the_refresh_rates_each_and_writes_beside_the_right_one(tmp_path):
    book = _book(tmp_path / "dashboard.xlsx")
    result = refresh(book, load_config(), backup="none")
    rated = {r["name"]: (r["rag"], r["arrow"], r["latest_cell"]) for r in result.rated.to_dict("records")}
    assert rated["% Of child protection visits within timescale (10 working days)"] == ("RED", "↓", "C10")
    assert rated["No. of referrals to Early Help"] == (None, "↓", "H9")
    assert rated["% Assessments completed within 45 working days"][0] == "RED"  # 67.5% against 80%
