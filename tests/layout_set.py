"""The layout test set: returns workbooks councils keep, rebuilt from the seed reports.

Every figure here is typed by hand from the committee reports in
``../shared/seeds/`` (Wokingham's Quarter 2 2023-24 dashboard, Rutland's
quarter one 2021-22 KPI table, Wolverhampton's Quarter 1 2017-18
improvement-plan report); the truth tables beside each builder are typed
from the same text, never from kpi-xl's output. The layouts are the ones
councils use:

- (a) ``wolverhampton``: area tables stacked on one sheet with titles and
  prose between them, a two-band header ("2016/17" over "Out-turn",
  "2017-18" over Q1..Q4), text comparators, compound and provisional figures,
  "Not yet available" rows and notes merged across the value columns;
- (b) ``rutland_tracker``: a Q1-Q4 year tracker filled to Q1, an
  "Actual | RAG" pair under each "Q1 (Apr–Jun)" band, a "Good is" column,
  percentages typed as whole numbers;
- (c) ``wokingham_bands``: a three-band header whose role words (TARGET,
  POLARITY, RAG, DOT, COMMENTARY) sit on the top band over sub-labels
  ("23-24", "Q2 DETAIL");
- (d) ``wokingham_items``: one sheet per dashboard item, targets and
  polarity on a separate sheet, the latest figures as formulas with cached
  values;
- (e) ``wokingham_value_rating`` (our own): "Value | Rating" under
  "Quarter 1 2023-24" .. "Quarter 4 2023-24", filled to Q2, codes in an
  unheaded id column, polarity words "Bigger is better" / "Lower is worse";
- (f) ``wokingham_month_labels`` (our own): "Apr–Jun 2023"-style labels, an
  area column filled on the first row of its block, a "Good performance"
  column of "High"/"Low";
- (g) ``side_by_side``: two of Wolverhampton's tables (Workforce, Looked
  After Children) side by side on one sheet, a blank column between them,
  each with its own title and two-band header;
- (h) ``long_table`` (our own): Wokingham's front door and child protection
  measures kept long, a row per measure and quarter sorted by quarter
  ("Area | Measure | Quarter | Figure | Target | Good is");
- (i) ``snapshot_dates`` (our own): snapshot measures under dates typed as
  text, day first ("As at 30/09/2023");
- (j) ``year_label`` (our own): a Q1-Q4 tracker whose quarters name no
  year, the year a label and value above the table ("Financial year: |
  2023/24");
- (k) ``year_rows`` (our own): the measures of (h) a row per measure and
  year, the quarters across ("Measure | Year | Q1 | Q2 | Q3 | Q4").

Run ``python -m tests.layout_set`` to print each layout's score.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from openpyxl import Workbook

PCT = "0.0%"
PCT0 = "0%"
ANY = object()  # a field the seed does not state: not scored


@dataclass(frozen=True)
class Truth:
    """One indicator as the seed report states it.

    ``latest_period`` is the table's reporting period (canonical, "Q1 2017-18");
    ``latest``/``previous`` the figure of that period and of the period it is
    compared with (None when there is none); percentages are fractions.
    """

    name: str
    latest_period: str
    latest: float | None
    previous: float | None
    target: float | None | object = None
    polarity: str | None | object = None


def _put(ws, row: int, values: list, formats: dict[int, str] | None = None) -> None:
    for i, value in enumerate(values, start=1):
        if value is None or value == "":
            continue
        cell = ws.cell(row=row, column=i, value=value)
        if formats and i in formats and isinstance(value, (int, float)):
            cell.number_format = formats[i]


# ---------------------------------------------------------------- (a) Wolverhampton

def _wolves_header(ws, row: int, title: str) -> int:
    """Title, then "Indicators | Comparators | 2016/17 | 2017-18 ... | Target |
    Direction of Travel" over "Out-turn | Q1 | Q2 | Q3 | Q4"; returns the first data row."""
    ws.cell(row=row, column=1, value=title)
    top, sub = row + 1, row + 2
    _put(ws, top, ["Indicators", "Comparators", "2016/17", "2017-18", None, None, None, "Target",
                   "Direction of Travel"])
    _put(ws, sub, [None, None, "Out-turn", "Q1", "Q2", "Q3", "Q4"])
    ws.merge_cells(start_row=top, start_column=4, end_row=top, end_column=7)
    for col in (1, 2, 8, 9):
        ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
    return sub + 1


def _wolves_rows(ws, row: int, rows: list[list]) -> int:
    for values in rows:
        note = None
        if values and isinstance(values[-1], dict):
            note = values[-1]["note"]
            values = values[:-1]
        _put(ws, row, values)
        for col in (3, 4):  # percentages are typed as fractions with a % format
            value = values[col - 1] if len(values) >= col else None
            if isinstance(value, float) and value <= 1:
                ws.cell(row=row, column=col).number_format = PCT
        if note:
            ws.cell(row=row, column=3, value=note)
            ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=9)
        row += 1
    return row


def build_wolverhampton(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Performance Report"
    ws["A1"] = "Children's Services Improvement Plan Performance Report Quarter 1 2017-18"
    ws["A2"] = ("Where indicators are highlighted in yellow, figures are provisional as the "
                "methodologies needs to be confirmed.")
    r = _wolves_header(ws, 4, "Workforce")
    r = _wolves_rows(ws, r, [
        ["Percentage of agency staff", "WM – 17.6% Eng – 16.1%", 0.133, 0.189, None, None, None, None, "↑"],
        ["Vacancy Rate", "WM – 17.6% Eng – 16.7%", 0.163, 0.224, None, None, None, None, "↑"],
        ["Staff turnover", "WM – 15.4% Eng – 15.1%", 0.158, 0.175, None, None, None, None, "↑"],
        ["Absence Rate", "WM – 4.0% Eng – 3.5%", 0.027, 0.06, None, None, None, None, "↑"],
        ["Average caseloads", "WM – 13.6 Eng – 16.1", 15.2, 21.0, None, None, None, None, "↑"],
        ["Number and % of the workforce trained in Restorative Practice", "Local Indicator",
         {"note": "Data relating to the number of people attending training is in the process of "
                  "being acquired from Workforce Development and should be available in this "
                  "report from next quarter"}],
    ])
    ws.cell(row=r + 1, column=1, value=(
        "The format and way that workforce data is presented has been updated and the new format "
        "was approved by the performance group on 25th July."))
    r = _wolves_header(ws, r + 3, "Early Help")
    r = _wolves_rows(ws, r, [
        ["Rate per 10,000 0-17 population (and number) of Early Help Assessments open in the year",
         "Local Indicator", "574 (3115)", "Not yet available"],
        ["The percentage of families with an improved outcome following early help intervention "
         "(Outcome Star)", "Local Indicator", "68%", "Not yet available"],
        ["Number of families who have been identified and with whom work has commenced as part of "
         "the second phase of the Troubled Families Programme", "To be confirmed", 952,
         "Not yet available", None, None, None, 952],
        ["The percentage of families 'turned around' as a result of a Families in Focus "
         "intervention", "To be confirmed", "17% - 164", "Not yet available", None, None, None,
         "20% - 190 (Sep 17) 40% - 380 (March 18) 385"],
    ])
    ws.cell(row=r + 1, column=1, value=(
        "Early Help data is now kept on Eclipse. Training on producing reports from Eclipse is "
        "taking place on 2nd August, so more up to date information should be available."))
    r = _wolves_header(ws, r + 3, "Specialist Support Service")
    r = _wolves_rows(ws, r, [
        ["Number of families and children worked with by Intensive Family Support Team",
         "Local Indicator", "246 Children", "42 Children 20 Families"],
        ["Number of missing return interviews and timeliness of interviews - a) Missing Incidents "
         "b) Interviews conducted, c) Interviews conducted within 72 hours", "Local Indicator",
         "a) 405 b) 337-83% c) 229-68%", "a) 104 b) 94-90% c) 57-61%", None, None, None, None,
         "Interviews in 72 hours"],
    ])
    r = _wolves_header(ws, r + 2, "Children in Need/Child Protection")
    r = _wolves_rows(ws, r, [
        ["Number of unallocated cases in area teams and LAC teams (at a point in time) — excludes "
         "the MASH assessment team.", "Local Indicator", 35, 6, None, None, None, None, "↓"],
        ["Number of repeat enquiries", "Local Indicator", "Not Yet Available", "Not Yet Available"],
        ["Percentage of MASH cases RAG within required timescales.", "Local Indicator", 0.479, 0.448],
        ["Children in Need seen within 5 working days of the referral", "Local Indicator",
         "New Indicator", "48% (90% where recorded)"],
        ["Number of Section 47 and conversion to Initial Child Protection Conference",
         "Local Indicator", "24.3% (Provis)", "33.1%", None, None, None, None, "↑"],
    ])
    ws.cell(row=r + 1, column=1, value=(
        "The number of unallocated cases in the area teams and looked after children teams has "
        "fallen considerably since the end of the year."))
    r = _wolves_header(ws, r + 3, "Looked After Children")
    r = _wolves_rows(ws, r, [
        ["Rate (and number) of looked after children per 10,000 population",
         "Wolves – 112 (653) WM – 73.0 SN – 82.8 Eng – 60.0 (2015-16)", "112 (643)", "111 (638)"],
        ["% of LAC with up to date visits", "Local Indicator", 0.9, 0.9, None, None, None, None, "→"],
        ["Placement stability (fewer than 3 placements in the last two years)", "Local Indicator",
         0.78, 0.79, None, None, None, None, "→"],
        ["Number of privately fostered children known to the Council", "Local Indicator", 4, 4,
         None, None, None, None, "→"],
        ["Percentage of LAC with up to date health checks", "Local Indicator", 0.82, 0.89,
         None, None, None, None, "↑"],
    ])
    r = _wolves_header(ws, r + 2, "Adoption")
    r = _wolves_rows(ws, r, [
        ["A1 – Average time between a child entering care and moving in with adoptive family",
         "Wolves - 672 Eng – 558 (2013-16)", "574 days (provis – in year)", "603 days (in year)",
         None, None, None, "426 days"],
        ["A2 – Average time between receiving a placement order and a match to an adoptive family "
         "being decided", "Wolves - 242 Eng – 226 (2013-16)", "291 days (provis – in year)",
         "199 days (in year)", None, None, None, "121 days"],
        ["A3 - % of children who wait less than 16 months between entering care and moving in "
         "with their adoptive family", "Wolves - 242 Eng – 558 (2013-16)",
         "66% (provis – in year)", "70% (in year)"],
        ["Number of children waiting to be adopted (includes children with an adoption decision "
         "and those with a placement order not yet placed)",
         "Wolves – 55 WM - 44 Eng (ave) – 33 (June 2016)", 56, "To be confirmed", None, None, None,
         None, "→"],
    ])
    ws.cell(row=r + 1, column=1, value=(
        "Adoption performance continues to improve in general. Several children have been adopted "
        "by foster carers which has an impact on the A1 indicator."))
    r = _wolves_header(ws, r + 3, "Care Leavers")
    r = _wolves_rows(ws, r, [
        ["Proportion of care leavers with a pathway plan", "Local Indicator", "Not yet available",
         "Not yet available"],
        ["Quality of pathway plans", "Local Indicator",
         {"note": "This is a qualitative indicator – narrative will be provided via the audit process"}],
        ["Proportion of care leavers that are in Education, Employment or Training",
         "Wolves – 41.0% WM – 47.0% SN – 44.4% Eng – 49.0% (2015-16)", "60.0% (Provis)",
         "61.0% (Provis)", None, None, None, None, "→"],
        ["Proportion of care leavers in suitable accommodation",
         "Wolves – 77.0% WM – 80.0% SN – 78.3% Eng – 83.0% (2015-16)", "Not yet available", 0.904],
    ])
    r = _wolves_header(ws, r + 2, "Youth Offending")
    _wolves_rows(ws, r, [
        ["Number of first time entrants", "To be confirmed", "2015-16 140 2016-17 126",
         "Not yet available"],
    ])
    wb.save(path)
    return path


Q1W = "Q1 2017-18"
WOLVERHAMPTON_TRUTH = [
    Truth("Percentage of agency staff", Q1W, 0.189, 0.133, None, ANY),
    Truth("Vacancy Rate", Q1W, 0.224, 0.163, None, ANY),
    Truth("Staff turnover", Q1W, 0.175, 0.158, None, ANY),
    Truth("Absence Rate", Q1W, 0.06, 0.027, None, ANY),
    Truth("Average caseloads", Q1W, 21.0, 15.2, None, ANY),
    Truth("Number and % of the workforce trained in Restorative Practice", Q1W, None, None, None, ANY),
    Truth("Rate per 10,000 0-17 population (and number) of Early Help Assessments open in the year",
          Q1W, None, 574, None, ANY),
    Truth("The percentage of families with an improved outcome following early help intervention "
          "(Outcome Star)", Q1W, None, 0.68, None, ANY),
    Truth("Number of families who have been identified and with whom work has commenced as part of "
          "the second phase of the Troubled Families Programme", Q1W, None, None, 952, ANY),
    Truth("The percentage of families 'turned around' as a result of a Families in Focus "
          "intervention", Q1W, None, 0.17, None, ANY),
    Truth("Number of families and children worked with by Intensive Family Support Team", Q1W,
          None, None, None, ANY),
    Truth("Number of missing return interviews and timeliness of interviews - a) Missing Incidents "
          "b) Interviews conducted, c) Interviews conducted within 72 hours", Q1W, None, None, None, ANY),
    Truth("Number of unallocated cases in area teams and LAC teams (at a point in time) — excludes "
          "the MASH assessment team.", Q1W, 6, None, None, ANY),
    Truth("Number of repeat enquiries", Q1W, None, None, None, ANY),
    Truth("Percentage of MASH cases RAG within required timescales.", Q1W, 0.448, 0.479, None, ANY),
    Truth("Children in Need seen within 5 working days of the referral", Q1W, 0.48, None, None, ANY),
    Truth("Number of Section 47 and conversion to Initial Child Protection Conference", Q1W,
          0.331, 0.243, None, ANY),
    Truth("Rate (and number) of looked after children per 10,000 population", Q1W, 111, 112, None, ANY),
    Truth("% of LAC with up to date visits", Q1W, 0.9, 0.9, None, ANY),
    # "fewer than 3 placements" is the opposite of LAIT's "3 or more placements": no library polarity.
    Truth("Placement stability (fewer than 3 placements in the last two years)", Q1W, 0.79, 0.78,
          None, None),
    Truth("Number of privately fostered children known to the Council", Q1W, 4, None, None, ANY),
    Truth("Percentage of LAC with up to date health checks", Q1W, 0.89, 0.82, None, ANY),
    Truth("A1 – Average time between a child entering care and moving in with adoptive family",
          Q1W, 603, 574, 426, "lower"),
    Truth("A2 – Average time between receiving a placement order and a match to an adoptive family "
          "being decided", Q1W, 199, 291, 121, ANY),
    Truth("A3 - % of children who wait less than 16 months between entering care and moving in "
          "with their adoptive family", Q1W, 0.70, 0.66, None, ANY),
    Truth("Number of children waiting to be adopted (includes children with an adoption decision "
          "and those with a placement order not yet placed)", Q1W, None, None, None, ANY),
    Truth("Proportion of care leavers with a pathway plan", Q1W, None, None, None, ANY),
    Truth("Quality of pathway plans", Q1W, None, None, None, ANY),
    Truth("Proportion of care leavers that are in Education, Employment or Training", Q1W,
          0.61, 0.60, None, ANY),
    Truth("Proportion of care leavers in suitable accommodation", Q1W, 0.904, None, None, ANY),
    Truth("Number of first time entrants", Q1W, None, None, None, ANY),
]


# ---------------------------------------------------------------- (b) Rutland tracker

RUTLAND_ROWS = [  # name, good is, 2020-21 outturn, Q1 actual, Q1 RAG, target, DoT (whole-number %)
    ("Contacts and referrals",),
    ("Number of contacts received", "-", 1524, 356, None, "-", None),
    ("Number of referrals received", "-", 248, 33, None, "-", None),
    ("% of re-referrals within last 12 months", "Low", 38, 0, "G", 25, "↓"),
    ("Assessments",),
    ("% single assessments completed within 45 days", "High", 91, 98, "G", 90, "↑"),
    ("% children seen as part of an assessment", "High", 92, 100, "G", 95, "↑"),
    ("Children in need (CIN)",),
    ("Number of CIN", "-", 85, 59, None, "-", None),
    ("% CIN seen in timescale", "High", 99, 98, "G", 90, "↓"),
    ("% CIN reviews completed in timescale", "High", 80, 90, "G", 90, "↑"),
    ("Child protection (CP)",),
    ("% children subject to CP plan seen in timescale", "High", 100, 100, "G", 100, "↔"),
    ("% CP reviews on time", "High", 100, 75, "R", 100, "↓"),
    ("% core groups held on time", "High", 97, 100, "G", 100, "↑"),
    ("Children looked after (CLA)",),
    ("Number of CLA Cases", "-", 35, 27, None, "-", None),
    ("% CLA reviews on time", "High", 93, 96, "A", 100, "↑"),
    ("% of children placed in non-LA placements", "Low", 31, 41, "A", 40, "↑"),
    ("Care leavers",),
    ("% Care leavers in EET", "High", 79, 82, "G", 80, "↑"),
    ("Early Help and SEND",),
    ("% of all cases closed in year stepped up to social care", "Low", 14, 0, "G", 5, "↓"),
    ("RCC Staff",),
    ("Children's Services staff turnover rate", "-", 0.037, 0.047, None, "-", None),
]


def build_rutland_tracker(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "KPIs 2021-22"
    ws["A1"] = "Rutland County Council – Children's Services KPI tracker 2021-22"
    _put(ws, 3, ["Service/ KPI name", "Good is", "2020-21 outturn", "Q1 (Apr–Jun)", None,
                 "Q2 (Jul–Sep)", None, "Q3 (Oct–Dec)", None, "Q4 (Jan–Mar)", None,
                 "2021-22 target", "DoT"])
    _put(ws, 4, [None, None, None, "Actual", "RAG", "Actual", "RAG", "Actual", "RAG", "Actual", "RAG"])
    for col in (4, 6, 8, 10):
        ws.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + 1)
    for col in (1, 2, 3, 12, 13):
        ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    r = 5
    for row in RUTLAND_ROWS:
        if len(row) == 1:
            ws.cell(row=r, column=1, value=row[0])
        else:
            name, good, outturn, q1, rag, target, dot = row
            fmt = {3: PCT, 4: PCT} if isinstance(outturn, float) else None
            _put(ws, r, [name, good, outturn, q1, rag, None, None, None, None, None, None, target, dot], fmt)
        r += 1
    wb.save(path)
    return path


def _rutland_truth() -> list[Truth]:
    out = []
    for row in RUTLAND_ROWS:
        if len(row) == 1:
            continue
        name, good, outturn, q1, _rag, target, _dot = row
        percent = name.startswith("%")
        scale = 100 if percent else 1
        polarity = {"High": "higher", "Low": "lower"}.get(good)
        is_rate = percent or "rate" in name
        out.append(Truth(name, "Q1 2021-22", q1 / scale,
                         (outturn / scale) if is_rate else None,  # counts never compare with an outturn
                         (target / scale) if isinstance(target, int) else None, polarity))
    return out


RUTLAND_TRUTH = _rutland_truth()


# ---------------------------------------------------------------- (c) Wokingham three bands

WOKINGHAM_BAND_ROWS = [  # name, 2022-23, Q2..Q4 22-23, Q1, Q2 23-24, target, polarity text, RAG, DoT
    ("Early Help",),
    ("No. of referrals to Early Help", 1591, 312, 415, 376, 397, 367, None, "N/A", None, "↓"),
    ("Avg. length of time in days between referral and assessment completion",
     28, 30, 28, 33, 31, 34, 30, "Low", "R", "↑"),
    ("Children's Social Care Front Door",),
    ("No. of Contacts progressed to Referral", 1607, 391, 355, 507, 405, 445, None, "N/A", None, "↑"),
    ("% of referrals to which are repeat referrals within 12 months",
     .202, .18, .21, .179, .20, .182, .20, "Lower is better", "G", "↓"),
    ("% Assessments completed within 45 working days",
     .667, .786, .692, .509, .739, .675, .80, "Higher is better", "R", "↓"),
    ("Child Protection",),
    ("Children subject to CP Plans (snapshot at end of period)", 157, 123, 134, 157, 157, 144,
     None, "-", None, "↓"),
    ("% Of children coming onto a CP plan for a second or subsequent time ever",
     .21, 0.0, .186, .245, .138, .174, .22, "Good is Low", "G", "↑"),
    ("% Of child protection visits within timescale (10 working days)",
     .72, .64, .73, .72, .78, .75, .80, "↑ good", "A", "↓"),
    ("Children in Care",),
    ("No. Children in Care (snapshot at end of period)", 137, 142, 140, 137, 123, 135, None, "N/A",
     None, "↑"),
    ("% visits to children in care within timescale", .80, .79, .81, .85, .85, .86, None, "High",
     None, "↑"),
    ("Care Leavers",),
    ("% of care leavers aged 18-24 'in touch' (snapshot at end of period)",
     .92, .99, .99, .92, .92, .90, .90, "High", "G", "↓"),
    ("% of care leavers aged 18-24 'in touch' and who are NEET", .32, .29, .39, .32, .31, .44,
     None, "Lower is better", None, "↑"),
    ("% of care leavers 18-24 'in touch' in suitable accommodation (snapshot at end of period)",
     .95, .97, .97, .95, .95, .97, .90, "Higher is better", "G", "↑"),
]
_POLARITY_WORDS = {"Low": "lower", "Lower is better": "lower", "Good is Low": "lower",
                   "High": "higher", "Higher is better": "higher", "↑ good": "higher",
                   "Bigger is better": "higher", "Lower is worse": "higher", "N/A": None, "-": None}


def build_wokingham_bands(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Dashboard"
    ws["A1"] = "Children's Services Dashboard – Quarter 2 2023-24"
    _put(ws, 3, ["Measure", "PERFORMANCE", None, None, None, None, None, "TARGET", "POLARITY",
                 "RAG", "DOT", "COMMENTARY"])
    _put(ws, 4, [None, "2022-23", "2022-23", None, None, "2023-24", None, "23-24", "23-24"])
    _put(ws, 5, [None, "Outturn", "Q2", "Q3", "Q4", "Q1", "Q2", None, None,
                 "Q2 DETAIL", "Q2 DETAIL", "Q2 DETAIL"])
    ws.merge_cells("B3:G3")
    ws.merge_cells("C4:E4")
    ws.merge_cells("F4:G4")
    ws.merge_cells("A3:A5")
    r = 6
    for row in WOKINGHAM_BAND_ROWS:
        if len(row) == 1:
            ws.cell(row=r, column=1, value=row[0])
        else:
            name, *figures, target, polarity, rag, dot = row
            percent = name.startswith("%")
            fmt = {c: PCT for c in range(2, 9)} if percent else None
            _put(ws, r, [name, *figures, target, polarity, rag, dot,
                         "See the dashboard commentary" if rag else None], fmt)
        r += 1
    wb.save(path)
    return path


WOKINGHAM_BANDS_TRUTH = [
    Truth(row[0], "Q2 2023-24", row[6], row[5], row[7], _POLARITY_WORDS[row[8]])
    for row in WOKINGHAM_BAND_ROWS if len(row) > 1]


# ---------------------------------------------------------------- (d) Wokingham, one sheet per item

ITEMS = {  # sheet -> (title, rows: name, 2022-23, Q2 22-23, Q3, Q4, Q1 23-24, Q2 23-24, DoT)
    "Item 1 EHCP": ("Dashboard Item 1 – Funded Education, Health & Care Plans", [
        ("Current EHCPs placed in borough (snapshot at end of period)", 1075, 971, 1017, 1075, 1135, 1176, "↑"),
        ("Current EHCPs placed out of borough (snapshot at end of period)", 513, 499, 471, 513, 534, 548, "↑"),
        ("EHCs issued within 20 weeks of the referral (excl. exceptions)",
         .571, .511, .333, .736, .858, .806, "↓"),
    ]),
    "Item 4 CP": ("Dashboard Item 4 – Child Protection", [
        ("Children subject to CP Plans (snapshot at end of period)", 157, 123, 134, 157, 157, 144, "↓"),
        ("% Of children coming onto a CP plan for a second or subsequent time ever",
         .21, 0.0, .186, .245, .138, .174, "↑"),
        ("% Of child protection visits within timescale (10 working days)",
         .72, .64, .73, .72, .78, .75, "↓"),
    ]),
    "Item 6 Care Leavers": ("Dashboard Item 6 – Care Leavers", [
        ("% of care leavers aged 18-24 'in touch' (snapshot at end of period)", .92, .99, .99, .92, .92, .90, "↓"),
        ("% of care leavers aged 18-24 'in touch' and who are NEET", .32, .29, .39, .32, .31, .44, "↑"),
        ("% of care leavers 18-24 'in touch' in suitable accommodation (snapshot at end of period)",
         .95, .97, .97, .95, .95, .97, "↑"),
    ]),
    "Item 7a Missing": ("Dashboard Item 7(a) – Children Missing from Home/Care", [
        ("Children missing from home", 114, 31, 43, 35, 22, 18, "↓"),
        ("Missing Episodes - % of return home interviews accepted (out of number of return home "
         "interviews required)", .49, .33, .57, .49, .60, .78, "↑"),
        ("Missing Episodes - % return home interviews carried out on time", .45, .60, .78, .45, .67, .64, "↓"),
        ("Children missing from care", 22, 9, 15, 7, 8, 9, "↑"),
    ]),
}
ITEM_TARGETS = [  # name, target, polarity as the Targets sheet words it
    ("EHCs issued within 20 weeks of the referral (excl. exceptions)", .70, "Higher is better"),
    ("% Of children coming onto a CP plan for a second or subsequent time ever", .22, "Lower is better"),
    ("% Of child protection visits within timescale (10 working days)", .80, "Higher is better"),
    ("% of care leavers aged 18-24 'in touch' (snapshot at end of period)", .90, "Higher is better"),
    ("% of care leavers aged 18-24 'in touch' and who are NEET", "-", "Lower is better"),
    ("% of care leavers 18-24 'in touch' in suitable accommodation (snapshot at end of period)",
     .90, "Higher is better"),
    ("Missing Episodes - % return home interviews carried out on time", 1.0, "Higher is better"),
    ("Children missing from home", "-", "N/A"),
]


def build_wokingham_items(path: Path) -> Path:
    """The Q2 23-24 figure of every row is a formula on the Data sheet, with its cached value."""
    wb = Workbook()
    contents = wb.active
    contents.title = "Contents"
    contents["A1"] = "Children's Services Dashboard Quarter 2 2023-24"
    for i, (sheet, (title, _rows)) in enumerate(ITEMS.items(), start=3):
        contents.cell(row=i, column=1, value=title)
    data = wb.create_sheet("Data")
    _put(data, 1, ["Extract", "Numerator", "Denominator", "Figure"])
    cached: dict[tuple[str, str], float] = {}
    data_row = 2
    for sheet, (title, rows) in ITEMS.items():
        ws = wb.create_sheet(sheet)
        ws["A1"] = title
        _put(ws, 3, ["Measure", "2022-23", "Q2 22-23", "Q3 22-23", "Q4 22-23", "Q1 23-24",
                     "Q2 23-24", "Direction of Travel"])
        for i, (name, *figures, dot) in enumerate(rows, start=4):
            percent = isinstance(figures[-1], float)
            fmt = {c: PCT for c in range(2, 8)} if percent else None
            _put(ws, i, [name, *figures[:-1], None, dot], fmt)
            _put(data, data_row, [name, None, None, figures[-1]])
            formula = f"=Data!D{data_row}"
            if percent:
                formula = f"=ROUND(Data!D{data_row},3)"
            cell = ws.cell(row=i, column=7, value=formula)
            if percent:
                cell.number_format = PCT
            cached[(sheet, f"G{i}")] = figures[-1]
            data_row += 1
    targets = wb.create_sheet("Targets")
    _put(targets, 1, ["Measure", "Target", "Polarity"])
    for i, (name, target, polarity) in enumerate(ITEM_TARGETS, start=2):
        _put(targets, i, [name, target, polarity], {2: PCT0})
    wb.save(path)
    write_cached_values(path, cached, [ws.title for ws in wb.worksheets])
    return path


def write_cached_values(path: Path, cached: dict[tuple[str, str], float], sheet_order: list[str]) -> None:
    """Give formula cells the cached value Excel would have saved (openpyxl writes none)."""
    parts = {f"xl/worksheets/sheet{i}.xml": name for i, name in enumerate(sheet_order, start=1)}
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            sheet = parts.get(info.filename)
            if sheet is not None:
                text = data.decode("utf-8")
                for (s, ref), value in cached.items():
                    if s != sheet:
                        continue
                    pattern = re.compile(rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)(<v\s*/>|<v>[^<]*</v>)?')
                    text, n = pattern.subn(lambda m: f"{m.group(1)}{m.group(2)}<v>{value!r}</v>", text)
                    assert n == 1, (sheet, ref)
                data = text.encode("utf-8")
            zout.writestr(info, data)


def _items_truth() -> list[Truth]:
    targets = {name: (t if isinstance(t, float) else None, _POLARITY_WORDS[p]) for name, t, p in ITEM_TARGETS}
    out = []
    for _sheet, (_title, rows) in ITEMS.items():
        for name, *figures, _dot in rows:
            target, polarity = targets.get(name, (None, ANY))
            out.append(Truth(name, "Q2 2023-24", figures[-1], figures[-2], target, polarity))
    return out


WOKINGHAM_ITEMS_TRUTH = _items_truth()


# ---------------------------------------------------------------- (e) Value | Rating, filled to Q2

VALUE_RATING_ROWS = [  # code, name, polarity words, Q1 23-24, Q2 23-24, target, Q1 rating, Q2 rating
    ("EH01", "No. Early Help Assessments", "N/A", 311, 357, None, None, None),
    ("FD02", "% Assessments completed within 45 working days", "Bigger is better", .739, .675, .80, "R", "R"),
    ("CP03", "% Of child protection visits within timescale (10 working days)", "Bigger is better",
     .78, .75, .80, "A", "A"),
    ("CP04", "% Of children coming onto a CP plan for a second or subsequent time ever",
     "Lower is better", .138, .174, .22, "G", "G"),
    ("CIC05", "% visits to children in care within timescale", "Lower is worse", .85, .86, None, None, None),
    ("CL06", "% of care leavers aged 18-24 'in touch' and who are NEET", "Lower is better",
     .31, .44, None, None, None),
]


def build_wokingham_value_rating(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Tracker"
    ws["A1"] = "Children's Services performance tracker"
    _put(ws, 2, [None, "Indicator", "Polarity", "Quarter 1 2023-24", None, "Quarter 2 2023-24", None,
                 "Quarter 3 2023-24", None, "Quarter 4 2023-24", None, "Target 23/24"])
    _put(ws, 3, [None, None, None, "Value", "Rating", "Value", "Rating", "Value", "Rating",
                 "Value", "Rating"])
    for col in (4, 6, 8, 10):
        ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + 1)
    for i, (code, name, polarity, q1, q2, target, rag1, rag2) in enumerate(VALUE_RATING_ROWS, start=4):
        fmt = {4: PCT, 6: PCT, 12: PCT} if isinstance(q1, float) else None
        _put(ws, i, [code, name, polarity, q1, rag1, q2, rag2, None, None, None, None, target], fmt)
    wb.save(path)
    return path


VALUE_RATING_TRUTH = [Truth(name, "Q2 2023-24", q2, q1, target, _POLARITY_WORDS[pol])
                      for _c, name, pol, q1, q2, target, _r1, _r2 in VALUE_RATING_ROWS]


# ---------------------------------------------------------------- (f) month-range labels

MONTH_LABEL_ROWS = [  # area, name, good performance, Apr–Jun 2022 .. Jul–Sep 2023 (6 quarters), target
    ("Children in Care", "No. Unaccompanied Asylum-Seeking Children (UASC)", "-",
     "Not yet available", 32, 41, 40, 37, 40, None),
    (None, "% visits to children in care within timescale", "High", None, .79, .81, .85, .85, .86, None),
    (None, "% children in care who have more than 1 allocated social worker in 12m (snapshot at "
           "end of period)", "Low", None, .39, .36, .37, .41, .49, None),
    ("Early Help", "No. Early Help Assessments", "-", None, 330, 324, 337, 311, 357, None),
    (None, "Avg. length of time in days between referral and assessment completion", "Low",
     None, 30, 28, 33, 31, 34, 30),
]


def build_wokingham_month_labels(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Quarterly"
    _put(ws, 1, ["Service area", "Performance measure", "Good performance", "Apr–Jun 2022",
                 "Jul–Sep 2022", "Oct–Dec 2022", "Jan–Mar 2023", "Apr–Jun 2023", "Jul–Sep 2023",
                 "Target"])
    r = 2
    for area, name, good, *figures, target in MONTH_LABEL_ROWS:
        fmt = {c: PCT for c in range(4, 10)} if isinstance(figures[-1], float) else None
        _put(ws, r, [area, name, good, *figures, target], fmt)
        r += 1
    wb.save(path)
    return path


MONTH_LABEL_TRUTH = [Truth(name, "Q2 2023-24", figures[-1], figures[-2], target, _POLARITY_WORDS.get(good, ANY))
     for _a, name, good, *figures, target in MONTH_LABEL_ROWS]


# ---------------------------------------------------------------- (g) tables side by side

SIDE_LEFT = [  # Wolverhampton's Workforce table (seed 004): name, 2016/17 out-turn, Q1 2017-18
    ("Percentage of agency staff", 0.133, 0.189),
    ("Vacancy Rate", 0.163, 0.224),
    ("Staff turnover", 0.158, 0.175),
    ("Absence Rate", 0.027, 0.06),
    ("Average caseloads", 15.2, 21.0),
]
SIDE_RIGHT = [  # its Looked After Children table (seed 004)
    ("% of LAC with up to date visits", 0.9, 0.9),
    ("Proportion of LAC reviews on time", 0.82, 0.81),
    ("Placement stability (fewer than 3 placements in the last two years)", 0.78, 0.79),
    ("Number of privately fostered children known to the Council", 4, 4),
]


def _side_table(ws, col: int, title: str, rows: list[tuple]) -> None:
    """Title in row 1, "Indicators | 2016/17 | 2017-18 | Direction of Travel" over
    "Out-turn | Q1 | Q2" in rows 2-3 (the year merged over its quarters), rows from 4."""
    ws.cell(row=1, column=col, value=title)
    for offset, label in enumerate(["Indicators", "2016/17", "2017-18", None, "Direction of Travel"]):
        if label:
            ws.cell(row=2, column=col + offset, value=label)
    for offset, label in enumerate([None, "Out-turn", "Q1", "Q2"]):
        if label:
            ws.cell(row=3, column=col + offset, value=label)
    ws.merge_cells(start_row=2, start_column=col + 2, end_row=2, end_column=col + 3)
    for offset in (0, 4):
        ws.merge_cells(start_row=2, start_column=col + offset, end_row=3, end_column=col + offset)
    for r, (name, outturn, q1) in enumerate(rows, start=4):
        ws.cell(row=r, column=col, value=name)
        for offset, value in ((1, outturn), (2, q1)):
            cell = ws.cell(row=r, column=col + offset, value=value)
            if isinstance(value, float) and value <= 1:
                cell.number_format = PCT


def build_side_by_side(path: Path) -> Path:
    """Two of the report's tables side by side on one sheet (A:E and G:K,
    column F blank between them), as councils lay out a one-page dashboard."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Dashboard"
    _side_table(ws, 1, "Workforce", SIDE_LEFT)
    _side_table(ws, 7, "Looked After Children", SIDE_RIGHT)
    wb.save(path)
    return path


# A count's first quarter is compared with nothing (a quarter's count beside last
# year's out-turn would mislead); a percentage or average with the out-turn.
SIDE_TRUTH = [Truth(name, Q1W, q1, None if name.startswith("Number") else outturn, None, ANY)
              for name, outturn, q1 in SIDE_LEFT + SIDE_RIGHT]


# ---------------------------------------------------------------- (h) a long table

LONG_QUARTERS = ["Q2 2022-23", "Q3 2022-23", "Q4 2022-23", "Q1 2023-24", "Q2 2023-24"]
LONG_ROWS = [  # area, measure, good is, target, the five quarters (seed 000, Dashboard Items 3-4)
    ("Front Door", "% of referrals to which are repeat referrals within 12 months", "Low", .20,
     (.180, .210, .179, .200, .182)),  # "CSC aims for less than 20% ..."
    ("Front Door", "% Assessments completed within 45 working days", "High", .80,
     (.786, .692, .509, .739, .675)),  # "strives for 80% of Assessments ..."
    ("Child Protection", "% Of child protection visits within timescale (10 working days)", "High",
     .80, (.64, .73, .72, .78, .75)),  # "achieve the target of 80% of visits in timescale"
]


def build_long_table(path: Path) -> Path:
    """A row per measure and quarter, sorted by quarter, as a database export
    or a pivot's source keeps them: "Area | Measure | Quarter | Figure |
    Target | Good is"."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Extract"
    _put(ws, 1, ["Area", "Measure", "Quarter", "Figure", "Target", "Good is"])
    r = 2
    for q, quarter in enumerate(LONG_QUARTERS):
        for area, name, good, target, figures in LONG_ROWS:
            _put(ws, r, [area, name, quarter, figures[q], target, good], {4: PCT, 5: PCT0})
            r += 1
    wb.save(path)
    return path


LONG_TRUTH = [Truth(name, "Q2 2023-24", figures[-1], figures[-2], target, _POLARITY_WORDS[good])
              for _a, name, good, target, figures in LONG_ROWS]


SNAPSHOT_DATES = ["As at 30/09/2022", "As at 31/12/2022", "As at 31/03/2023", "As at 30/06/2023",
                  "As at 30/09/2023"]
SNAPSHOT_ROWS = [  # name, good is, target, the five quarter-end snapshots (seed 000, Items 4 and 6)
    ("Children subject to CP Plans (snapshot at end of period)", None, None, (123, 134, 157, 157, 144)),
    ("% of care leavers aged 18-24 'in touch' (snapshot at end of period)", "Higher is better", .90,
     (.99, .99, .92, .92, .90)),
    ("% of care leavers 18-24 'in touch' in suitable accommodation (snapshot at end of period)",
     "Higher is better", .90, (.97, .97, .95, .95, .97)),
]


def build_snapshot_dates(path: Path) -> Path:
    """Snapshot measures under their dates typed as text, day first: "As at
    30/09/2023" (a figure at a quarter's end is that month's)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Snapshots"
    _put(ws, 1, ["Measure", "Good is", "Target", *SNAPSHOT_DATES])
    for r, (name, good, target, figures) in enumerate(SNAPSHOT_ROWS, start=2):
        fmt = {} if figures[0] > 1 else {c: PCT0 for c in range(3, 9)}
        _put(ws, r, [name, good, target, *figures], fmt)
    wb.save(path)
    return path


SNAPSHOT_TRUTH = [Truth(name, "Sep 2023", figures[-1], figures[-2], target,
                        _POLARITY_WORDS[good] if good else ANY)
                  for name, good, target, figures in SNAPSHOT_ROWS]


YEAR_LABEL_ROWS = [  # name, good is, 2022-23, Q1 23-24, Q2 23-24, target (seed 000, Item 7a; targets Item 7)
    ("Missing Episodes - % return home interviews carried out on time", "Higher is better",
     .45, .67, .64, 1.0),
    ("Missing Episodes - % of return home interviews accepted (out of number of return home "
     "interviews required)", None, .49, .60, .78, None),
    ("Children missing from care", None, 22, 8, 9, None),
]


def build_year_label_tracker(path: Path) -> Path:
    """A Q1-Q4 tracker whose quarters name no year: the year is a label and
    its value over the table ("Financial year: | 2023/24"), as a front sheet
    of a returns workbook gives it."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Missing"
    _put(ws, 1, ["Financial year:", "2023/24"])
    _put(ws, 2, ["Prepared by:", "Performance Team"])
    _put(ws, 4, ["Indicator", "Good is", "2022/23 Outturn", "Q1", "Q2", "Q3", "Q4", "Target"])
    for r, (name, good, year, q1, q2, target) in enumerate(YEAR_LABEL_ROWS, start=5):
        fmt = {} if year > 1 else {3: PCT0, 4: PCT0, 5: PCT0, 8: PCT0}
        _put(ws, r, [name, good, year, q1, q2, None, None, target], fmt)
    wb.save(path)
    return path


YEAR_LABEL_TRUTH = [Truth(name, "Q2 2023-24", q2, q1, target, _POLARITY_WORDS[good] if good else ANY)
                    for name, good, _year, q1, q2, target in YEAR_LABEL_ROWS]


def build_year_rows(path: Path) -> Path:
    """A row per measure and year, its quarters across: "Measure | Year | Q1 |
    Q2 | Q3 | Q4 | Target | Good is" (seed 000, Items 3-4: Q2 2022-23 to Q2
    2023-24; the seed gives no Q1 2022-23), the 2023-24 rows filled to Q2."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Quarterly"
    _put(ws, 1, ["Measure", "Year", "Q1", "Q2", "Q3", "Q4", "Target", "Good is"])
    r = 2
    for _area, name, good, target, figures in LONG_ROWS:
        _put(ws, r, [name, "2022-23", None, *figures[:3], target, good], {c: PCT for c in range(3, 7)} | {7: PCT0})
        _put(ws, r + 1, [name, "2023-24", *figures[3:], None, None, target, good],
             {c: PCT for c in range(3, 7)} | {7: PCT0})
        r += 2
    wb.save(path)
    return path


YEAR_ROWS_TRUTH = LONG_TRUTH  # the same measures and quarters, laid out by year


# ---------------------------------------------------------------- the set

@dataclass(frozen=True)
class Layout:
    key: str
    build: Callable[[Path], Path]
    truth: list[Truth]


LAYOUTS = [
    Layout("a_wolverhampton", build_wolverhampton, WOLVERHAMPTON_TRUTH),
    Layout("b_rutland_tracker", build_rutland_tracker, RUTLAND_TRUTH),
    Layout("c_wokingham_bands", build_wokingham_bands, WOKINGHAM_BANDS_TRUTH),
    Layout("d_wokingham_items", build_wokingham_items, WOKINGHAM_ITEMS_TRUTH),
    Layout("e_value_rating", build_wokingham_value_rating, VALUE_RATING_TRUTH),
    Layout("f_month_labels", build_wokingham_month_labels, MONTH_LABEL_TRUTH),
    Layout("g_side_by_side", build_side_by_side, SIDE_TRUTH),
    Layout("h_long_table", build_long_table, LONG_TRUTH),
    Layout("i_snapshot_dates", build_snapshot_dates, SNAPSHOT_TRUTH),
    Layout("j_year_label", build_year_label_tracker, YEAR_LABEL_TRUTH),
    Layout("k_year_rows", build_year_rows, YEAR_ROWS_TRUTH),
]
FIELDS = ("latest_period", "latest", "previous", "target", "polarity")


@dataclass
class Score:
    found: int
    indicators: int
    right: int
    fields: int
    misses: list[str]

    def __str__(self) -> str:
        return (f"indicators {self.found}/{self.indicators}, fields right {self.right}/{self.fields}")


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(b, str) or isinstance(a, str):
        return a == b
    return abs(float(a) - float(b)) < 1e-6


def score(path: Path, truth: list[Truth], config=None) -> Score:
    """Indicators found (by name, in sheet order for repeats) and fields right;
    an indicator read that the truth does not list is a miss."""
    from kpi_xl.config import load_config
    from kpi_xl.reader import read_workbook
    from kpi_xl.rules import apply_rules

    config = config if config is not None else load_config()
    try:
        table = read_workbook(path, config)
    except Exception as exc:  # a refused layout scores nothing
        fields = sum(1 for t in truth for f in FIELDS if getattr(t, f) is not ANY)
        return Score(0, len(truth), 0, fields, [f"refused: {exc}"])
    rated, _ = apply_rules(table.records, config, file=str(path))
    by_name: dict[str, list[dict]] = {}
    for record in rated:
        by_name.setdefault(" ".join(str(record["name"]).split()), []).append(record)
    found = right = fields = 0
    misses = []
    for t in truth:
        expected = {f: getattr(t, f) for f in FIELDS}
        wanted = {f: v for f, v in expected.items() if v is not ANY}
        fields += len(wanted)
        candidates = by_name.get(" ".join(t.name.split())) or []
        if not candidates:
            misses.append(f"not found: {t.name}")
            continue
        record = candidates.pop(0)
        found += 1
        got = {"latest_period": record["latest_period"], "latest": record["latest_value"],
               "previous": record["previous_value"], "target": record["target"],
               "polarity": record["polarity"]}
        for f, v in wanted.items():
            if _same(got[f], v):
                right += 1
            else:
                misses.append(f"{t.name[:50]}: {f} expected {v!r}, read {got[f]!r}")
    extra = [name for name, left in by_name.items() for _ in left]
    if extra:  # a row read as an indicator the seed does not have (a long table's earlier quarter)
        misses.append(f"{len(extra)} more indicators read than the seed has: {extra[:3]}")
    return Score(found, len(truth), right, fields, misses)


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for layout in LAYOUTS:
            path = layout.build(Path(tmp) / f"{layout.key}.xlsx")
            result = score(path, layout.truth)
            print(f"{layout.key:22} {result}")
            for miss in result.misses[:60]:
                print(f"    {miss}")


if __name__ == "__main__":
    main()
