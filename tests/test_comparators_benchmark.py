"""LAIT's quartile band and rank, Ofsted good from Ofsted's own ODS, year
labels, counts as rates, groupings and councils that changed.

Expected figures come from pandas/numpy and the standard library run here
on the shared DfE and Ofsted files, never through kpi_xl.comparators."""
from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from kpi_xl.comparators import ComparatorStore, compare, load_settings
from kpi_xl.comparators.query import benchmark_all
from kpi_xl.comparators.benchmark import quantile7, quartile_band, quartiles, rank_of
from kpi_xl.cli.comparators import app
from kpi_xl.comparators.years import year_label
from kpi_xl.errors import ComparatorError

C1 = "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
D3 = "d3_cpps_subsequent_plan_2013_to_2025.csv"
CSWW = "csww_indicators_2017_to_2025.csv"
B1 = "b1_children_in_need_2013_to_2025.csv"
ONS = "ons_mid-year_population_estimates_2012_to_2024.csv"
SN_2021 = "New_Statistical_Neighbour_Groupings_April_2021.csv"
SN_2025 = "sn_model_2025_wide.csv"
OFSTED = "LA_Inspection_Outcomes_as_at_31_March_2025.ods"

# measure -> (file, column, LAIT polarity typed from LAIT_data_dictionary_2024.xlsx)
RANKED = {
    "rereferral_percent": (C1, "rereferral_percent", "lower"),
    "cp_subsequent_percent": (D3, "CPP_subsequent_percent", "lower"),
    "sw_turnover_percent": (CSWW, "turnover_rate_fte", "lower"),
}


def read(dfe_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(dfe_dir / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def ofsted_file(shared_dir) -> Path:
    path = shared_dir / "data" / "ofsted" / OFSTED
    if not path.is_file():
        pytest.skip("Ofsted outcomes file absent")
    return path


@pytest.fixture(scope="module")
def store(dfe_dir, ofsted_file, tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "kpi-comparators.sqlite"
    settings = load_settings()
    with ComparatorStore.create(path) as made:
        for name in (C1, D3, CSWW, B1, ONS, SN_2021, SN_2025):
            made.import_file(dfe_dir / name, settings)
        made.import_file(ofsted_file, settings)
    with ComparatorStore.open(path) as opened:
        yield opened


# --- the independent rule ------------------------------------------------------------

def lait_band(value: float, values: list[float], polarity: str) -> str:
    """The band by numpy's linear percentiles (R type 7) and pandas' right-closed bins."""
    q1, q2, q3 = np.percentile(values, [25, 50, 75], method="linear")
    bins = [-np.inf, q1, q2, q3, np.inf]
    labels = ["A", "B", "C", "D"] if polarity == "lower" else ["D", "C", "B", "A"]
    return str(pd.cut([value], bins=bins, labels=labels, right=True)[0])


def lait_ranks(values: pd.Series, polarity: str) -> pd.Series:
    return values.rank(method="min", ascending=polarity == "lower", na_option="keep")


def la_figures(dfe_dir: Path, name: str, column: str, year: str) -> pd.Series:
    data = read(dfe_dir, name)
    data = data[(data["time_period"] == year) & (data["geographic_level"] == "Local authority")]
    data = data.assign(old_la_code=data["old_la_code"].str.split(" / ")).explode("old_la_code")
    return pd.to_numeric(data.set_index("old_la_code")[column], errors="coerce")


def test_quantiles_are_rs_type_7():
    # R: quantile(c(1, 2, 3, 4)) -> 1.00 1.75 2.50 3.25 4.00
    assert quartiles([4, 1, 3, 2]) == (1, 1.75, 2.5, 3.25, 4)
    assert quantile7([10.0], 0.25) == 10.0
    values = [3.1, 7.4, 2.2, 9.9, 5.0, 5.0, 6.3]
    for p in (0.25, 0.5, 0.75):
        assert quantile7(values, p) == pytest.approx(np.percentile(values, p * 100, method="linear"))


def test_a_figure_on_a_quartile_falls_in_the_band_of_lower_values():
    values = [1, 2, 3, 4, 5]  # Q1 2, median 3, Q3 4
    cuts = quartiles(values)
    assert cuts[1:4] == (2, 3, 4)
    assert [quartile_band(v, cuts, "lower") for v in values] == ["A", "A", "B", "C", "D"]
    assert [quartile_band(v, cuts, "higher") for v in values] == ["D", "D", "C", "B", "A"]
    for v in values + [2.0000001, 3.9999999]:
        assert quartile_band(v, cuts, "lower") == lait_band(v, values, "lower")
        assert quartile_band(v, cuts, "higher") == lait_band(v, values, "higher")
    assert quartile_band(None, cuts, "lower") is None
    assert quartile_band(3, cuts, None) is None


def test_ties_take_the_lowest_rank_and_missing_is_unranked():
    values = [10.0, 12.0, 12.0, 15.0]
    assert [rank_of(v, values, "lower") for v in values] == [1, 2, 2, 4]
    assert [rank_of(v, values, "higher") for v in values] == [4, 2, 2, 1]
    assert rank_of(None, values, "lower") is None
    expected = lait_ranks(pd.Series(values), "higher").tolist()
    assert [rank_of(v, values, "higher") for v in values] == expected


@pytest.mark.parametrize("measure", list(RANKED))
def test_band_and_rank_of_every_council_match_the_independent_rule(dfe_dir, store, measure):
    name, column, polarity = RANKED[measure]
    settings = load_settings()
    assert settings.measures[measure].polarity == polarity
    figures = la_figures(dfe_dir, name, column, "2024")
    figures = figures[~figures.index.duplicated()]
    known = figures.dropna()
    ranks = lait_ranks(known, polarity)
    every = benchmark_all(store, measure, settings, year=2024)
    assert set(every) == set(figures.index)
    checked = 0
    for code, value in figures.items():
        bench = every[code]
        assert bench.year_label is not None and bench.of == len(known)
        if pd.isna(value):
            assert bench.band is None and bench.rank is None
            continue
        assert bench.band == lait_band(value, known.tolist(), polarity), code
        assert bench.rank == int(ranks[code]), code
        checked += 1
    assert checked > 140
    for code in ("802", "872", "201"):  # a council's own answer: the same rule
        assert compare(store, code, measure, settings, year=2024).benchmark == every[code]


def test_rank_among_the_council_and_its_neighbours(dfe_dir, store):
    figures = la_figures(dfe_dir, C1, "rereferral_percent", "2024")
    sn = read(dfe_dir, SN_2025)
    for code in ("802", "872", "867", "202", "940", "207"):
        row = sn[sn["old_la_code"] == code].iloc[0]
        group = [code] + [row[f"SN_{i}"].strip() for i in range(1, 11)]
        values = figures.reindex(group).dropna()
        answer = compare(store, code, "rereferral_percent", load_settings(), year=2024)
        assert answer.benchmark.sn_of == len(values) <= 11
        assert answer.benchmark.sn_rank == int(lait_ranks(values, "lower")[code])


def test_a_measure_without_polarity_has_quartiles_but_no_band(store):
    answer = compare(store, "802", "cin_rate", load_settings(), year=2024)
    assert answer.benchmark.quartiles is not None
    assert answer.benchmark.band is None and "polarity" in answer.benchmark.note


# --- Ofsted good ------------------------------------------------------------------------

def ofsted_rows(path: Path, table: str) -> tuple[list[str], list[list[str]]]:
    """An ODS table read with the standard library (not kpi-xl's reader)."""
    t = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read("content.xml"))
    for tab in root.iter(t + "table"):
        if tab.get(t + "name") != table:
            continue
        rows = []
        for r in tab.iter(t + "table-row"):
            cells = []
            for c in r:
                cells += ["".join(c.itertext())] * min(int(c.get(t + "number-columns-repeated", "1")), 20)
            rows.append(cells)
        at = next(i for i, r in enumerate(rows) if "Local authority area code" in r)
        return rows[at], [r for r in rows[at + 1:] if len(r) > 2 and r[1]]
    raise AssertionError(table)


def test_ofsted_good_at_31_march_2025_is_the_hand_count(dfe_dir, store, ofsted_file):
    # Hand count of the "Inspections_as_at_31_March" table: 67 Good + 36 Outstanding.
    header, rows = ofsted_rows(ofsted_file, "Inspections_as_at_31_March")
    overall = header.index("Overall effectiveness")
    good = {r[1] for r in rows if r[overall] in ("Good", "Outstanding")}
    assert len(good) == 67 + 36 == 103
    data = read(dfe_dir, C1)
    year = data[(data["time_period"] == "2025") & (data["geographic_level"] == "Local authority")]
    values = pd.to_numeric(year[year["new_la_code"].isin(good)]["rereferral_percent"],
                           errors="coerce").dropna()
    answer = compare(store, "802", "rereferral_percent", load_settings(), year=2025)
    assert answer.ofsted_good_count == len(values)
    assert answer.ofsted_good.value == pytest.approx(values.mean())
    assert "31 Mar 2025" in answer.ofsted_good_label and "councils" in answer.ofsted_good_label
    median = load_settings({"sn_statistic": "median"})
    assert compare(store, "802", "rereferral_percent", median, year=2025).ofsted_good.value == \
        pytest.approx(values.median())


def test_ofsted_good_for_an_earlier_year_uses_the_history(dfe_dir, store, ofsted_file):
    header, rows = ofsted_rows(ofsted_file, "ILACS_inspection_history")
    code, date, overall = (header.index(h) for h in
                           ("Local authority area code", "Inspection date", "Overall effectiveness"))
    end = dt.date(2022, 3, 31)
    latest: dict[str, tuple[dt.date, str]] = {}
    for r in rows:
        day = dt.datetime.strptime(r[date], "%d/%m/%Y").date()
        if day <= end and (r[code] not in latest or day > latest[r[code]][0]):
            latest[r[code]] = (day, r[overall])
    good = {c for c, (_, o) in latest.items() if o in ("Good", "Outstanding")}
    assert len(good) == 53 + 20  # hand count at 31 March 2022: 53 Good, 20 Outstanding
    data = read(dfe_dir, C1)
    # North Yorkshire has been E06000065 since 2023 (E10000023 in 2022): same council, LA 815
    numbers = set(data[data["new_la_code"].isin(good)]["old_la_code"])
    year = data[(data["time_period"] == "2022") & (data["geographic_level"] == "Local authority")]
    values = pd.to_numeric(year[year["old_la_code"].isin(numbers)]["rereferral_percent"],
                           errors="coerce").dropna()
    answer = compare(store, "Wokingham", "rereferral_percent", load_settings(), year=2022)
    assert answer.ofsted_good_count == len(values)
    assert answer.ofsted_good.value == pytest.approx(values.mean())


# --- years, rates, groupings, councils ---------------------------------------------------

def test_year_labels_as_councils_write_them():
    assert year_label("2025", "financial") == "2024-25"
    assert year_label("202324", "academic") == "2023/24"
    assert year_label("2025", "snapshot") == "31 Mar 2025"
    assert year_label("2024", "snapshot", fy_offset=0, snapshot="30 Sep") == "30 Sep 2024"
    assert year_label("202425", "snapshot") == "31 Mar 2025"
    assert year_label("2025", "dfe") == "2025" and year_label("202425", "dfe") == "2024-25"


def test_year_labels_are_configurable_per_measure_and_dfe_label_kept(store):
    answer = compare(store, "802", "cin_rate", load_settings(), year=2025)
    assert answer.own.year_label == "31 Mar 2025" and answer.own.dfe_year == "2025"
    mine = load_settings({"measures": {"cin_rate": {"year_style": "financial"}}})
    assert compare(store, "802", "cin_rate", mine, year=2025).own.year_label == "2024-25"
    assert compare(store, "802", "cin_rate", load_settings({"year_style": "dfe"}),
                   year=2025).own.year_label == "2025"


def test_a_count_is_compared_as_a_rate_with_the_previous_years_population(dfe_dir, store):
    cin, ons = read(dfe_dir, B1), read(dfe_dir, ONS)
    answer = compare(store, "872", "cin_count", load_settings(), year=2025)
    assert answer.compared_as == "rate per 10,000 children aged 0-17"
    count = float(cin[(cin["time_period"] == "2025") & (cin["old_la_code"] == "872")]
                  ["At31_episodes"].iloc[0])
    pop = float(ons[(ons["time_period"] == "2024") & (ons["old_la_code"] == "872")]
                ["population_estimate"].iloc[0])
    assert answer.own_count.value == count
    assert answer.own.value == pytest.approx(count / pop * 10000)
    national = cin[(cin["time_period"] == "2025") & (cin["geographic_level"] == "National")]
    pop_e = ons[(ons["time_period"] == "2024") & (ons["geographic_level"] == "National")]
    assert answer.england.value == pytest.approx(
        float(national["At31_episodes"].iloc[0]) / float(pop_e["population_estimate"].iloc[0]) * 1e4)


def test_without_the_population_a_count_is_not_compared(dfe_dir, tmp_path):
    settings = load_settings()
    with ComparatorStore.create(tmp_path / "s.sqlite") as fresh:
        fresh.import_file(dfe_dir / B1, settings)
        fresh.import_file(dfe_dir / SN_2025, settings)
        answer = compare(fresh, "872", "cin_count", settings, year=2025)
    for figure in (answer.own, answer.sn, answer.region, answer.england):
        assert figure.value is None and "population" in figure.note


def test_only_the_2021_grouping_gives_the_sn_mean_from_the_cli(dfe_dir, tmp_path):
    runner = CliRunner()
    path = tmp_path / "s.sqlite"
    result = runner.invoke(app, ["import", str(dfe_dir / C1), str(dfe_dir / SN_2021),
                                 "--store", str(path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["show", "--la", "North Somerset", "--measure",
                                 "rereferral_percent", "--store", str(path), "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    sn = read(dfe_dir, SN_2021)
    row = sn[sn["LA num"] == "802"].iloc[0]
    neighbours = [row[f"SN{i}"].strip() for i in range(1, 11)]
    figures = la_figures(dfe_dir, C1, "rereferral_percent", "2025")
    wanted = figures.reindex(neighbours).dropna()
    assert answer["sn"]["grouping"] == "2021"
    assert answer["sn"]["value"] == pytest.approx(wanted.mean())
    assert answer["sn"]["label"] == f"SN mean ({len(wanted)} of 10, 2021 grouping)"
    assert answer["own"]["year"] == "2024-25" and answer["own"]["dfe_year"] == "2025"
    assert answer["benchmark"]["band"] in {"A", "B", "C", "D"}
    assert 1 <= answer["benchmark"]["sn_rank"] <= answer["benchmark"]["sn_of"] <= 11
    text = runner.invoke(app, ["show", "--la", "North Somerset", "--measure",
                               "rereferral_percent", "--store", str(path)])
    assert f"SN mean ({len(wanted)} of 10, 2021 grouping)" in text.stdout


def test_councils_by_alias(store):
    assert store.resolve_council("Bristol").old_code == store.resolve_council("Bristol, City of").old_code
    assert store.resolve_council("St Helens").old_code == store.resolve_council("St. Helens").old_code == "342"
    assert store.resolve_council("County of Herefordshire").old_code == "884"
    assert store.resolve_council("Herefordshire").old_code == "884"


def test_a_council_that_did_not_exist_gets_one_line(store):
    settings = load_settings()
    with pytest.raises(ComparatorError) as err:
        compare(store, "Cumbria", "rereferral_percent", settings, year=2025)
    assert str(err.value).count("\n") == 0
    assert "Cumbria did not exist in 2024-25" in str(err.value)
    assert "Cumberland and Westmorland and Furness" in str(err.value)
    with pytest.raises(ComparatorError, match="West Northamptonshire did not exist in 2019-20: "
                                              "Northamptonshire covered it"):
        compare(store, "West Northamptonshire", "rereferral_percent", settings, year="2019-20")
    latest = compare(store, "Cumbria", "rereferral_percent", settings)
    assert "replaced on 1 April 2023" in latest.council_note
    assert latest.own.year_label == latest.england.year_label == "2022-23"


def test_an_ods_that_is_not_ofsteds_is_refused_in_one_line(tmp_path):
    settings = load_settings()
    other = tmp_path / "budget.ods"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", '<?xml version="1.0"?><office:document-content '
                   'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                   'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0">'
                   '<office:body><office:spreadsheet><table:table table:name="Budget"/>'
                   '</office:spreadsheet></office:body></office:document-content>')
    broken = tmp_path / "outcomes.ods"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with ComparatorStore.create(tmp_path / "s.sqlite") as fresh:
        for path, words in ((other, "not an Ofsted LA inspection outcomes file"),
                            (broken, "not an ODS spreadsheet")):
            with pytest.raises(ComparatorError) as err:
                fresh.import_file(path, settings)
            assert words in str(err.value) and str(path) in str(err.value)
            assert "\n" not in str(err.value)
        assert not fresh.has_ofsted()


def test_the_pack_says_local_measure_only_when_no_dfe_measure_matches(tmp_path):
    from kpi_xl.comparators.fill import table_comparators
    from kpi_xl.config import config_from_dict
    from kpi_xl.table import COLUMNS, IndicatorTable

    rows = [{"id": "A1", "name": "% of re-referrals within 12 months", "sheet": "KPIs", "row": 2},
            {"id": "A2", "name": "Number of early help assessments", "sheet": "KPIs", "row": 3}]
    frame = pd.DataFrame([{c: r.get(c) for c in COLUMNS} for r in rows])
    table = IndicatorTable(path=str(tmp_path / "returns.xlsx"), frame=frame, layouts=[])
    found = table_comparators(table, config_from_dict({}), None)  # no store at all
    assert found.measures == {"A1": "rereferral_percent"} and found.fills == []


def test_new_settings_are_checked_with_their_key():
    from kpi_xl.errors import ConfigError

    with pytest.raises(ConfigError, match="comparators -> sn_grouping"):
        load_settings({"sn_grouping": "latest"})
    with pytest.raises(ConfigError, match="comparators -> year_style"):
        load_settings({"year_style": "roman"})
    with pytest.raises(ConfigError, match="comparators -> measures -> cin_count -> as_rate"):
        load_settings({"measures": {"cin_count": {"as_rate": "nothing"}}})
    assert load_settings({"sn_grouping": 2021}).sn_grouping == "2021"
