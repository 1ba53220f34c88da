"""Reading the shared council workbooks (Wokingham, Rutland) with no config."""
from __future__ import annotations

import pytest

from kpi_xl.config import load_config
from kpi_xl.periods import Period
from kpi_xl.reader import read_workbook

WOKINGHAM = "wokingham_dashboard_q2_2023_24.xlsx"
RUTLAND = "rutland_kpis_q1_2021_22.xlsx"

WOKINGHAM_TABLES = [  # (title area, number of measures)
    ("Funded Education, Health & Care Plans", 3), ("Early Help", 3),
    ("Children's Social Care Front Door", 3), ("Child Protection", 3), ("Children in Care", 4),
    ("Care Leavers", 3), ("Children Missing from Home/Care", 6), ("Children Missing Education", 2),
    ("Children's Services Workforce", 2),
]
STANDARD = ["2022-23", "Q2 2022-23", "Q3 2022-23", "Q4 2022-23", "Q1 2023-24", "Q2 2023-24"]
WOKINGHAM_TARGETS = {  # name -> (target, polarity), from its Targets sheet
    "EHCs issued within 20 weeks of the referral (excl. exceptions)": (0.7, "higher"),
    "Avg. length of time in days between referral and assessment completion": (30, "lower"),
    "% of referrals to which are repeat referrals within 12 months": (0.2, "lower"),
    "% Assessments completed within 45 working days": (0.8, "higher"),
    "% Of children coming onto a CP plan for a second or subsequent time ever": (0.22, "lower"),
    "% Of child protection visits within timescale (10 working days)": (0.8, "higher"),
    "% of care leavers aged 18-24 'in touch' (snapshot at end of period)": (0.9, "higher"),
    "% of care leavers 18-24 'in touch' in suitable accommodation (snapshot at end of period)": (0.9, "higher"),
    "Missing Episodes - % return home interviews carried out on time": (1.0, "higher"),
}
RUTLAND_AREAS = {
    "Contacts and referrals": 3, "Assessments": 5, "Virtual visits": 1, "Children in need (CIN)": 3,
    "Child protection (CP)": 4, "Children looked after (CLA)": 5, "Care leavers": 3,
    "Early Help and SEND": 3, "Education inclusion partnership": 1, "RCC Staff": 1,
}
RUTLAND_TARGETED = {  # name -> (target, polarity the library gives)
    "% of re-referrals within last 12 months": (0.25, "lower"),
    "% single assessments completed within 45 days": (0.9, "higher"),
    "% children seen as part of an assessment": (0.95, "higher"),
    "% CIN seen in timescale": (0.9, "higher"),
    "% CIN reviews completed in timescale": (0.9, "higher"),
    "% children subject to CP plan seen in timescale": (1.0, "higher"),
    "% CP reviews on time": (1.0, "higher"),
    "% core groups held on time": (1.0, "higher"),
    "% CLA seen in timescale": (1.0, "higher"),
    "% CLA reviews on time": (1.0, "higher"),
    "% of children placed in non-LA placements": (0.4, "lower"),
    "% Care leavers in appropriate accommodation": (1.0, "higher"),
    "% Care leavers in EET": (0.8, "higher"),
    "% Care leavers we are in touch with": (1.0, "higher"),
    "% of all cases closed in year stepped up to social care": (0.05, "lower"),
}


@pytest.fixture(scope="module")
def wokingham(shared_workbooks):
    return read_workbook(shared_workbooks / WOKINGHAM, load_config())


@pytest.fixture(scope="module")
def rutland(shared_workbooks):
    return read_workbook(shared_workbooks / RUTLAND, load_config())


def _canonical(series) -> list[str]:
    return [p.period.canonical() for p in series]


def test_wokingham_has_29_measures_in_9_tables(wokingham):
    frame = wokingham.frame
    assert len(frame) == 29
    assert len(wokingham.layouts) == 9
    assert [(l.title.split("– ", 1)[1], len(frame[frame.table == i]))
            for i, l in enumerate(wokingham.layouts)] == WOKINGHAM_TABLES
    assert list(frame.groupby("table", sort=True)["area"].first()) == [a for a, _ in WOKINGHAM_TABLES]
    assert set(frame.sheet) == {"Dashboard"}


def test_wokingham_periods_six_each_in_sheet_order(wokingham):
    for layout in wokingham.layouts:
        assert len(layout.period_columns) == 6
        assert [c for c, _ in layout.period_columns] == list("BCDEFG")
        assert layout.roles == {"name": "A", "dot": "H"}
    labels = [[p.canonical() for _, p in l.period_columns] for l in wokingham.layouts]
    assert labels[0] == STANDARD
    assert labels[7][0] == "Q1 2022-23"  # Children Missing Education starts with Q1
    assert labels[8] == ["Q4 2021-22", "Q4 2022-23", "Q2 2022-23", "Q3 2022-23", "Q1 2022-23", "Q2 2023-24"]
    for series in wokingham.frame.series:
        assert len(series) == 6


def test_wokingham_values_and_cells(wokingham):
    frame = wokingham.frame.set_index("row")
    ehcp = frame.loc[7]
    assert ehcp["name"] == "EHCs issued within 20 weeks of the referral (excl. exceptions)"
    by_period = {p.period.canonical(): p for p in ehcp["series"]}
    assert by_period["Q2 2023-24"].reading.value == pytest.approx(0.806)
    assert by_period["Q2 2023-24"].cell == "G7"
    assert by_period["2022-23"].cell == "B7"
    assert ehcp["unit"] == "percent"
    assert ehcp["published_dot"] == "↓"
    assert ehcp["cells"] == {"name": "A7", "dot": "H7", "target": "Targets!B2", "polarity": "Targets!C2"}
    # chronological: the 2022-23 outturn after Q4 2022-23
    assert _canonical(ehcp["series"]) == ["Q2 2022-23", "Q3 2022-23", "Q4 2022-23", "2022-23",
                                          "Q1 2023-24", "Q2 2023-24"]
    exclusions = frame.loc[73]
    assert [p.reading.status for p in exclusions["series"]] == \
        ["suppressed", "suppressed", "number", "number", "suppressed", "suppressed"]
    cme = {p.period.canonical(): p.reading for p in frame.loc[72]["series"]}
    assert cme["Q2 2023-24"].value == 24 and cme["Q2 2023-24"].footnote == "*"
    turnover = {p.period.canonical(): p.reading for p in frame.loc[80]["series"]}
    assert turnover["Q2 2023-24"].status == "not_available"
    assert turnover["Q1 2022-23"].value == pytest.approx(0.2112)


def test_wokingham_targets_and_polarity_from_its_targets_sheet(wokingham):
    frame = wokingham.frame
    targeted = frame[frame.target.notna()]
    assert len(targeted) == 10  # 9 targets; the on-time RHI measure appears twice
    for record in targeted.to_dict("records"):
        target, polarity = WOKINGHAM_TARGETS[record["name"]]
        assert record["target"] == pytest.approx(target)
        assert record["polarity"] == polarity
        assert record["target_source"] == "targets sheet"
        assert record["polarity_source"] == "targets sheet"
        assert record["polarity_raw"] in ("Higher is better", "Lower is better")
    assert not wokingham.findings.of_type("target_unmatched")


def test_wokingham_repeated_names_get_numbered_ids(wokingham):
    ids = list(wokingham.frame.id)
    assert len(set(ids)) == 29
    assert "missing-episodes-return-home-interviews-carried-out-on-time" in ids
    assert "missing-episodes-return-home-interviews-carried-out-on-time-2" in ids
    assert all(len(i) <= 62 for i in ids)


def test_rutland_has_29_kpis_in_10_areas(rutland):
    frame = rutland.frame
    assert len(frame) == 29
    assert frame.area.value_counts().to_dict() == RUTLAND_AREAS
    assert list(dict.fromkeys(frame.area)) == list(RUTLAND_AREAS)  # in sheet order
    layout = rutland.layouts[0]
    assert [p.canonical() for _, p in layout.period_columns] == ["2020-21", "Q1 2021-22"]
    # "Trend – last four quarters" is empty: a sparkline column, not a DoT
    assert layout.roles == {"name": "A", "target": "D", "rag": "E", "trend": "F"}
    assert layout.header_rows == (3,) and (layout.first_row, layout.last_row) == (5, 42)


def test_rutland_targets_from_the_sheet_polarity_from_the_library(rutland):
    frame = rutland.frame
    targeted = frame[frame.target.notna()]
    assert set(targeted.name) == set(RUTLAND_TARGETED)
    for record in targeted.to_dict("records"):
        target, polarity = RUTLAND_TARGETED[record["name"]]
        assert record["target"] == pytest.approx(target)
        assert (record["polarity"], record["polarity_source"]) == (polarity, "library")
        assert record["target_source"] == "sheet"
        assert record["library_id"]
    untargeted = frame[frame.target.isna()]
    assert set(untargeted.target_raw) == {"-"}
    assert set(untargeted.published_rag.dropna()) == set()  # "-" in the unheaded RAG column


def test_rutland_values(rutland):
    frame = rutland.frame.set_index("name")
    contacts = {p.period.canonical(): p.reading.value for p in frame.loc["Number of contacts received", "series"]}
    assert contacts == {"2020-21": 1524, "Q1 2021-22": 356}
    rereferrals = frame.loc["% of re-referrals within last 12 months"]
    assert [p.reading.value for p in rereferrals["series"]] == [pytest.approx(0.38), 0]
    assert rereferrals["cells"]["target"] == "D7" and rereferrals["cells"]["rag"] == "E7"
    assert rereferrals["row"] == 7
    assert frame.loc["Number of CIN", "id"] == "number-of-cin"
    assert frame.loc["Children's Services staff turnover rate", "id"] == "childrens-services-staff-turnover-rate"


def test_the_periods_are_period_objects(rutland):
    point = rutland.frame.series.iloc[0][-1]
    assert point.period == Period("quarter", 2021, 1)
