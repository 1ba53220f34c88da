"""Comparators from the DfE files: import, neighbours, region, England,
Ofsted good, rates, year selection, and the cells the refresh fills.

The expected figures are computed here with pandas straight from the DfE
CSVs in ../shared/data/dfe, never through kpi_xl.comparators."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from kpi_xl.comparators import (ComparatorStore, compare, comparators_for_table, load_settings,
                                rate_for_council)
from kpi_xl.comparators.fill import sheet_value
from kpi_xl.comparators.query import Figure
from kpi_xl.comparators.rates import population_year, rate_per_10k
from kpi_xl.comparators.settings import year_request
from kpi_xl.config import config_from_dict
from kpi_xl.errors import ComparatorError, ConfigError
from kpi_xl.table import COLUMNS, IndicatorTable
from kpi_xl.values import Reading

SN_2021 = "New_Statistical_Neighbour_Groupings_April_2021.csv"
SN_2025 = "sn_model_2025_wide.csv"
C1 = "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
D3 = "d3_cpps_subsequent_plan_2013_to_2025.csv"
CLA = "cla_number_and_rate_per_10k_children.csv"
CSWW = "csww_indicators_2017_to_2025.csv"
B1 = "b1_children_in_need_2013_to_2025.csv"
ONS = "ons_mid-year_population_estimates_2012_to_2024.csv"
STABILITY = "la_cla_placement_stability.csv"

# measure key -> (file, column, filter rows) as the test reads them itself
MEASURES = {
    "rereferral_percent": (C1, "rereferral_percent", {}),
    "cp_subsequent_percent": (D3, "CPP_subsequent_percent", {}),
    "cla_rate": (CLA, "rate_per_10000",
                 {"population_type": "Children looked after on 31 March each year"}),
    "sw_turnover_percent": (CSWW, "turnover_rate_fte", {}),
}
# How councils write DfE's "2024" for each (typed from the DfE release notes:
# referrals and CP plans in the year to 31 March, CLA on 31 March, the
# workforce on 30 September).
YEAR_2024 = {"rereferral_percent": "2023-24", "cp_subsequent_percent": "2023-24",
             "cla_rate": "31 Mar 2024", "sw_turnover_percent": "30 Sep 2024"}
# North Somerset, Wokingham, Bracknell Forest (a neighbour's re-referrals
# and repeat CP plans suppressed in 2024), Camden (a neighbour's workforce
# figures "x" in 2025), West Northamptonshire (2021 neighbours include
# Northamptonshire, abolished in 2021, and suppressed CLA rates),
# Kensington and Chelsea (2021 neighbours include the City of London, "c").
COUNCILS = ["802", "872", "867", "202", "940", "207"]


def read_dfe(dfe_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(dfe_dir / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def settings():
    return load_settings()


@pytest.fixture(scope="module")
def store_path(dfe_dir, tmp_path_factory, settings) -> Path:
    path = tmp_path_factory.mktemp("store") / "kpi-comparators.sqlite"
    with ComparatorStore.create(path) as store:
        for name in [SN_2021, SN_2025, C1, D3, CLA, CSWW, B1, ONS, STABILITY]:
            store.import_file(dfe_dir / name, settings)
    return path


@pytest.fixture(scope="module")
def store(store_path):
    with ComparatorStore.open(store_path) as opened:
        yield opened


# --- the independent computation ------------------------------------------------

def expected_neighbours(dfe_dir: Path, council: str, grouping: str) -> list[str]:
    if grouping == "2021":
        sn = read_dfe(dfe_dir, SN_2021)
        row = sn[sn["LA num"] == council]
        cols = [f"SN{i}" for i in range(1, 11)]
    else:
        sn = read_dfe(dfe_dir, SN_2025)
        row = sn[sn["old_la_code"] == council]
        cols = [f"SN_{i}" for i in range(1, 11)]
    return [str(v).strip() for v in row[cols].iloc[0]]


def expected(dfe_dir: Path, measure: str, council: str, grouping: str, year: str) -> dict:
    name, column, filters = MEASURES[measure]
    data = read_dfe(dfe_dir, name)
    for key, value in filters.items():
        data = data[data[key] == value]
    data = data[data["time_period"] == year]
    # Councils sharing a service are published on one row ("314 / 318"):
    # that figure is each one's.
    data = data.assign(old_la_code=data["old_la_code"].str.split(" / ")).explode("old_la_code")
    data = data.reset_index(drop=True)
    number = pd.to_numeric(data[column], errors="coerce")  # symbols -> NaN, never 0
    la = data["geographic_level"] == "Local authority"
    neighbours = expected_neighbours(dfe_dir, council, grouping)
    values = number[la & data["old_la_code"].isin(neighbours)].dropna()
    own = data[la & (data["old_la_code"] == council)]
    region_code = own["region_code"].iloc[0]
    region = number[(data["geographic_level"] == "Regional") & (data["region_code"] == region_code)]
    england = number[data["geographic_level"] == "National"]
    symbols = data.loc[la & data["old_la_code"].isin(neighbours), column]
    return {"mean": values.mean(), "median": values.median(), "count": len(values),
            "region": region.iloc[0], "england": england.iloc[0],
            "own": pd.to_numeric(own[column], errors="coerce").iloc[0],
            "suppressed": sorted(s for s in symbols if not s.replace(".", "").isdigit())}


@pytest.mark.parametrize("grouping", ["2025", "2021"])
@pytest.mark.parametrize("measure", list(MEASURES))
@pytest.mark.parametrize("council", COUNCILS)
def test_sn_region_england_equal_pandas(dfe_dir, store, settings, council, measure, grouping):
    for statistic in ("mean", "median"):
        chosen = settings.model_copy(update={"sn_grouping": grouping, "sn_statistic": statistic})
        answer = compare(store, council, measure, chosen, year="2024")
        want = expected(dfe_dir, measure, council, grouping, "2024")
        assert answer.sn.value == pytest.approx(want[statistic])
        assert answer.sn_count == want["count"]
        assert answer.region.value == pytest.approx(want["region"])
        assert answer.england.value == pytest.approx(want["england"])
        assert answer.own.value == pytest.approx(want["own"], nan_ok=True)
        for figure in (answer.sn, answer.region, answer.england):
            assert figure.year_label == YEAR_2024[measure]
            assert figure.dfe_year == "2024" and figure.time_period == "2024"


def test_a_council_with_suppressed_neighbours_averages_only_the_figures(dfe_dir, store, settings):
    # Bracknell Forest (2025 grouping): Hampshire's 2024 re-referrals are "u".
    want = expected(dfe_dir, "rereferral_percent", "867", "2025", "2024")
    answer = compare(store, "Bracknell Forest", "rereferral_percent", settings, year=2024)
    assert answer.sn_count == want["count"] == 9
    shown = [n.figure.symbol for n in answer.neighbours if n.figure.value is None]
    assert shown == want["suppressed"] == ["u"]
    assert answer.sn.value == pytest.approx(want["mean"])
    # Kensington and Chelsea (2021 grouping): the City of London is "c".
    want = expected(dfe_dir, "rereferral_percent", "207", "2021", "2024")
    old_grouping = settings.model_copy(update={"sn_grouping": "2021", "sn_statistic": "median"})
    answer = compare(store, "Kensington and Chelsea", "rereferral_percent", old_grouping, year=2024)
    city = [n for n in answer.neighbours if n.code == "201"][0]
    assert city.figure.symbol == "c" and city.figure.value is None
    assert answer.sn_count == want["count"] == 9
    assert answer.sn.value == pytest.approx(want["median"])


def test_symbols_are_kept_and_never_zero(dfe_dir, store, settings):
    # Camden's 2025 workforce neighbours: one "x" (not available)
    answer = compare(store, "Camden", "sw_turnover_percent", settings, year=2025)
    symbols = {n.code: n.figure for n in answer.neighbours if n.figure.value is None}
    assert symbols and all(f.symbol == "x" for f in symbols.values())
    want = expected(dfe_dir, "sw_turnover_percent", "202", "2025", "2025")
    assert answer.sn_count == want["count"] < len(answer.neighbours)


def test_a_jointly_published_figure_is_each_councils_figure(dfe_dir, store, settings):
    # The workforce census publishes Kingston and Richmond on one row.
    data = read_dfe(dfe_dir, CSWW)
    joint = data[(data["time_period"] == "2025") & (data["old_la_code"] == "314 / 318")]
    wanted = float(joint["turnover_rate_fte"].iloc[0])
    for council in ("Kingston upon Thames", "318", "E09000027"):
        assert compare(store, council, "sw_turnover_percent", settings, year=2025).own.value == wanted
    wokingham = compare(store, "Wokingham", "sw_turnover_percent", settings, year=2025)
    richmond = [n for n in wokingham.neighbours if n.code == "318"]
    assert richmond[0].council == "Richmond upon Thames" and richmond[0].figure.value == wanted
    assert "North Northamptonshire / West Northamptonshire" not in set(store.council_table()["la_name"])


# --- councils -----------------------------------------------------------------------

def test_name_old_code_and_new_code_give_the_same_answer(store, settings):
    answers = [compare(store, la, "cp_subsequent_percent", settings)
               for la in ("North Somerset", "802", 802, "E06000024", "north somerset council")]
    first = answers[0]
    assert first.council.old_code == "802" and first.council.new_code == "E06000024"
    assert first.council.region_name == "South West"
    for other in answers[1:]:
        assert other == first


def test_a_new_code_from_before_a_reorganisation_still_finds_the_council(store):
    # Buckinghamshire was E10000002 until it became a unitary (E06000060).
    assert store.resolve_council("E10000002").old_code == "825"
    assert store.resolve_council("E06000060").name == "Buckinghamshire"
    assert store.resolve_council("Bristol").name == "Bristol, City of"


def test_an_unknown_council_lists_the_closest_names(store, settings):
    with pytest.raises(ComparatorError) as err:
        compare(store, "North Somerseat", "cla_rate", settings)
    message = str(err.value)
    assert "unknown council 'North Somerseat'" in message
    assert "closest: North Somerset" in message
    assert err.value.place.key == "council"


def test_an_unknown_code_is_an_error(store):
    with pytest.raises(ComparatorError, match="unknown council '999'"):
        store.resolve_council("999")


# --- year selection -----------------------------------------------------------------

def test_latest_year_at_or_before_the_reporting_period(store, settings):
    # Reporting 2023-24: CIN census "2024" is the year ending March 2024; the
    # workforce "2023" is the September 2023 snapshot (2024's is in 2024-25).
    referrals = compare(store, "802", "rereferral_percent", settings, reporting_fy=2023)
    workforce = compare(store, "802", "sw_turnover_percent", settings, reporting_fy=2023)
    assert referrals.own.year_label == "2023-24" and referrals.england.year_label == "2023-24"
    assert workforce.own.year_label == "30 Sep 2023" and workforce.sn.year_label == "30 Sep 2023"
    latest = compare(store, "802", "rereferral_percent", settings)
    assert latest.own.year_label == "2024-25" and latest.own.dfe_year == "2025"


def test_a_fixed_year_from_config_wins_over_the_reporting_period(store):
    fixed = load_settings({"year": 2022})
    answer = compare(store, "802", "rereferral_percent", fixed, reporting_fy=2024)
    assert answer.own.year_label == answer.sn.year_label == answer.england.year_label == "2021-22"
    split = load_settings({"year": "2021-22"})
    assert compare(store, "802", "rereferral_percent", split).own.dfe_year == "2022"


def test_year_requests():
    assert year_request("2022-23") == ("fy", 2022)
    assert year_request("202223") == ("fy", 2022)
    assert year_request("2022/2023") == ("fy", 2022)
    assert year_request(2023) == ("published", 2023)
    assert year_request("2022-24") is None
    assert year_request("soon") is None


def test_a_bad_year_in_config_names_the_key():
    with pytest.raises(ConfigError, match="comparators -> year"):
        load_settings({"year": "last year"})


# --- Ofsted good --------------------------------------------------------------------

def test_ofsted_good_is_the_mean_over_the_configured_councils(dfe_dir, store):
    chosen = load_settings({"ofsted_good": {"councils": ["Wokingham", 802, "E06000036"]}})
    answer = compare(store, "Camden", "cla_rate", chosen, year=2025)
    data = read_dfe(dfe_dir, CLA)
    data = data[(data["time_period"] == "2025") & (data["geographic_level"] == "Local authority")
                & (data["population_type"] == "Children looked after on 31 March each year")]
    wanted = pd.to_numeric(data[data["la_name"].isin(["Wokingham", "North Somerset",
                                                       "Bracknell Forest"])]["rate_per_10000"])
    assert answer.ofsted_good.value == pytest.approx(wanted.mean())
    assert answer.ofsted_good_count == 3 and answer.ofsted_good.year_label == "31 Mar 2025"


def test_ofsted_good_can_be_a_fixed_value(store):
    chosen = load_settings({"ofsted_good": {"values": {
        "cla_rate": {"value": 61.5, "year": "2022-23"}, "rereferral_percent": 20}}})
    answer = compare(store, "802", "cla_rate", chosen)
    assert answer.ofsted_good == Figure(value=61.5, year_label="2022-23")
    assert compare(store, "802", "rereferral_percent", chosen).ofsted_good.value == 20


def test_ofsted_good_without_configuration_has_no_figure(store, settings):
    assert compare(store, "802", "cla_rate", settings).ofsted_good.value is None


# --- rates --------------------------------------------------------------------------

def test_population_year_is_the_year_before():
    assert population_year("2025") == "2024"
    assert population_year("202425") == "2024"
    assert rate_per_10k(81770, 12183016) == pytest.approx(67.1180, abs=1e-4)
    with pytest.raises(ComparatorError):
        rate_per_10k(5, 0)


def test_derived_cin_rate_uses_the_previous_mid_year_estimate(dfe_dir, store, settings):
    cin, ons = read_dfe(dfe_dir, B1), read_dfe(dfe_dir, ONS)
    count = cin[(cin["time_period"] == "2025") & (cin["old_la_code"] == "802")]["At31_episodes"]
    pop = ons[(ons["time_period"] == "2024") & (ons["old_la_code"] == "802")]["population_estimate"]
    wanted = float(count.iloc[0]) / float(pop.iloc[0]) * 10000
    answer = compare(store, "802", "cin_rate", settings, year=2025)
    assert answer.own.value == pytest.approx(wanted)
    national = cin[(cin["time_period"] == "2025") & (cin["geographic_level"] == "National")]
    pop_national = ons[(ons["time_period"] == "2024") & (ons["geographic_level"] == "National")]
    assert answer.england.value == pytest.approx(
        float(national["At31_episodes"].iloc[0]) / float(pop_national["population_estimate"].iloc[0])
        * 10000)


def test_derived_rates_match_dfes_published_cla_rates(dfe_dir, store, settings):
    # DfE's own CLA rate per 10,000 (rounded) from count and ONS Y-1.
    cla = read_dfe(dfe_dir, CLA)
    cla = cla[(cla["population_type"] == "Children looked after on 31 March each year")
              & (cla["geographic_level"] == "Local authority") & (cla["time_period"] == "2024")]
    for code in ("802", "872", "867"):
        row = cla[cla["old_la_code"] == code].iloc[0]
        figure = rate_for_council(store, settings, code, float(row["children_count"]), 2024)
        assert round(figure.value) == int(row["rate_per_10000"])
        assert figure.year_label == "2024"


def test_a_suppressed_count_gives_a_suppressed_rate(tmp_path, settings):
    path = tmp_path / "s.sqlite"
    cin = tmp_path / "b1_children_in_need_2024_to_2025.csv"
    ons = tmp_path / "ons_mid-year_population_estimates_2023_to_2024.csv"
    header = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
              "region_name,old_la_code,new_la_code,la_name")
    cin.write_text(header + ",category,At31_episodes\n"
                   "2025,Reporting year,Local authority,E92000001,England,E12000009,South West,"
                   "802,E06000024,North Somerset,Children in Need,c\n"
                   "2025,Reporting year,Local authority,E92000001,England,E12000009,South West,"
                   "803,E06000025,South Gloucestershire,Children in Need,800\n")
    ons.write_text(header + ",age_group,population_estimate\n"
                   "2024,Reporting year,Local authority,E92000001,England,E12000009,South West,"
                   "802,E06000024,North Somerset,Children aged 0 to 17 years,40000\n"
                   "2024,Reporting year,Local authority,E92000001,England,E12000009,South West,"
                   "803,E06000025,South Gloucestershire,Children aged 0 to 17 years,64000\n")
    with ComparatorStore.create(path) as store:
        store.import_file(cin, settings)
        store.import_file(ons, settings)
        from kpi_xl.comparators.query import measure_frame
        frame = measure_frame(store, settings, "cin_rate", settings.measures["cin_rate"])
        by_code = frame.set_index("old_la_code")
        assert by_code.loc["802", "symbol"] == "c" and math.isnan(by_code.loc["802", "value"])
        assert by_code.loc["803", "value"] == pytest.approx(125.0)


# --- import -------------------------------------------------------------------------

def test_a_file_with_older_column_names_imports_through_the_mapping(dfe_dir, tmp_path, store,
                                                                    settings):
    older = read_dfe(dfe_dir, CLA).rename(columns={"population_estimate": "population_count",
                                                   "children_count": "number"})
    path = tmp_path / "cla_number_and_rate_per_10k_children.csv"
    older.to_csv(path, index=False)
    with ComparatorStore.create(tmp_path / "old.sqlite") as old_store:
        result = old_store.import_file(path, settings)
        assert dict(result.renamed) == {"population_count": "population_estimate",
                                        "number": "children_count"}
        assert result.dataset == "cla_rate"
        for measure in ("cla_count", "cla_rate"):
            assert compare(old_store, "872", measure, settings, year=2023).own == \
                compare(store, "872", measure, settings, year=2023).own


def test_a_renamed_file_is_recognised_by_its_columns(dfe_dir, tmp_path, settings):
    older = read_dfe(dfe_dir, CLA).rename(columns={"children_count": "number"})
    path = tmp_path / "downloaded (3).csv"
    older.to_csv(path, index=False)
    with ComparatorStore.create(tmp_path / "s.sqlite") as fresh:
        assert fresh.import_file(path, settings).dataset == "cla_rate"


def test_an_unmapped_required_column_names_the_file_and_column(dfe_dir, tmp_path, settings):
    older = read_dfe(dfe_dir, CLA).rename(columns={"children_count": "kids"})
    path = tmp_path / "cla_number_and_rate_per_10k_children.csv"
    older.to_csv(path, index=False)
    with ComparatorStore.create(tmp_path / "s.sqlite") as fresh:
        with pytest.raises(ComparatorError) as err:
            fresh.import_file(path, settings)
    assert err.value.place.file == str(path) and err.value.place.key == "children_count"
    assert "required column 'children_count' not found" in str(err.value)
    # ... and a council maps it in its own config
    mapped = load_settings({"columns": {"children_count": ["kids"]}})
    with ComparatorStore.create(tmp_path / "t.sqlite") as fresh:
        assert fresh.import_file(path, mapped).renamed == (("kids", "children_count"),)


def test_symbols_in_a_built_file_are_kept_as_written(tmp_path, settings):
    # A file the catalogue does not know is imported under its own name.
    path = tmp_path / "my_extract_2024_to_2024.csv"
    header = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
              "region_name,old_la_code,new_la_code,la_name,category,referral_count,"
              "rereferral_percent\n")
    rows = ["2024,Reporting year,National,E92000001,England,,,,,,Referrals and Re-referrals,600000,22.4"]
    published = ["c", "x", "z", "k", "low", "u", ":", "~"]
    codes = ["801", "802", "803", "806", "807", "810", "811", "812"]
    for code, symbol in zip(codes, published):
        rows.append(f"2024,Reporting year,Local authority,E92000001,England,E12000009,South West,"
                    f"{code},E0600{code},Council {code},Referrals and Re-referrals,{symbol},{symbol}")
    rows.append("2024,Reporting year,Local authority,E92000001,England,E12000009,South West,"
                "808,E06000808,Council 808,Referrals and Re-referrals,,")
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    with ComparatorStore.create(tmp_path / "s.sqlite") as fresh:
        assert fresh.import_file(path, settings).dataset == "my_extract"
        frame = fresh.figures("my_extract", "rereferral_percent").set_index("old_la_code")
    for code, symbol in zip(codes, published):
        assert frame.loc[code, "symbol"] == symbol
        assert frame.loc[code, "value"] is None or math.isnan(frame.loc[code, "value"])
    assert pd.isna(frame.loc["808", "symbol"]) and pd.isna(frame.loc["808", "value"])  # blank: neither


def test_reimporting_replaces_the_years_a_file_carries(dfe_dir, tmp_path, settings):
    data = read_dfe(dfe_dir, D3)
    path = tmp_path / "d3_cpps_subsequent_plan_2013_to_2025.csv"
    data.to_csv(path, index=False)
    with ComparatorStore.create(tmp_path / "s.sqlite") as fresh:
        fresh.import_file(path, settings)
        revised = data[data["time_period"] == "2025"].copy()
        revised.loc[revised["old_la_code"] == "802", "CPP_subsequent_percent"] = "99.9"
        revised.to_csv(path, index=False)
        fresh.import_file(path, settings)
        assert compare(fresh, "802", "cp_subsequent_percent", settings).own.value == 99.9
        # the other years are still there, once
        earlier = compare(fresh, "802", "cp_subsequent_percent", settings, year=2020)
        assert earlier.own.year_label == "2019-20"
        frame = fresh.figures("cp_subsequent_d3", "CPP_subsequent_percent")
        assert not frame.duplicated(["time_period", "level", "old_la_code", "region_code"]).any()


def test_a_neighbour_grouping_not_imported_is_said_and_the_rest_answered(dfe_dir, tmp_path,
                                                                         settings):
    with ComparatorStore.create(tmp_path / "s.sqlite") as fresh:
        fresh.import_file(dfe_dir / C1, settings)
        fresh.import_file(dfe_dir / SN_2025, settings)
        answer = compare(fresh, "802", "rereferral_percent", load_settings({"sn_grouping": 2021}))
    # the grouping that is there is used, and the answer says so
    assert answer.sn_grouping == "2025" and answer.sn.value is not None
    assert "grouping 2021 is not imported" in answer.grouping_note
    assert answer.sn_label == f"SN mean ({answer.sn_count} of 10, 2025 grouping)"
    assert answer.england.value is not None and answer.own.value is not None


def test_the_neighbour_lists_are_read_in_rank_order(dfe_dir, store):
    assert [c for c, _ in store.neighbours("872", "2025")] == expected_neighbours(dfe_dir, "872", "2025")
    assert [c for c, _ in store.neighbours("872", "2021")] == expected_neighbours(dfe_dir, "872", "2021")
    assert store.neighbours("872", "2021")[0] == ("936", "Very close")


def test_unknown_measure_lists_the_closest(store, settings):
    with pytest.raises(ComparatorError, match="closest: cla_rate"):
        compare(store, "802", "cla_rat", settings)


def test_an_indicator_name_in_the_mapping_is_a_measure(store, settings):
    by_name = compare(store, "802", "% of Re-referrals within 12 Months", settings)
    assert by_name.measure == "rereferral_percent"


def test_the_settings_catch_a_measure_of_an_unknown_dataset():
    with pytest.raises(ConfigError, match="comparators -> measures -> mine -> dataset"):
        load_settings({"measures": {"mine": {"label": "Mine", "dataset": "nowhere", "column": "x"}}})
    with pytest.raises(ConfigError, match="comparators -> indicators -> CSC07"):
        load_settings({"indicators": {"CSC07": "not_a_measure"}})


# --- the cells the refresh fills ---------------------------------------------------------

def table_with(rows: list[dict], path: Path) -> IndicatorTable:
    frame = pd.DataFrame([{name: row.get(name) for name in COLUMNS} for row in rows])
    return IndicatorTable(path=str(path), frame=frame, layouts=[])


def indicator(id_: str, name: str, unit: str | None, row: int, **extra) -> dict:
    cells = {"name": f"A{row}", "comparator:sn": f"F{row}", "comparator:region": f"G{row}",
             "comparator:england": f"H{row}", "comparator:ofsted_good": f"I{row}"}
    return {"id": id_, "name": name, "sheet": "KPIs", "row": row, "unit": unit, "cells": cells,
            "series": [], **extra}


def test_comparators_for_table_fills_cells_with_year_and_leaves_local_measures(
        dfe_dir, store_path, tmp_path, settings):
    book = store_path.parent / "returns.xlsx"  # the store sits beside the workbook
    table = table_with([
        indicator("CSC07", "% of re-referrals within 12 months", "percent", 5,
                  comparators={"england": Reading(raw="Local measure", status="text")}),
        indicator("CSC30", "Children in care per 10,000", "number", 6),
        indicator("EH01", "Number of early help assessments", "number", 7),
    ], book)
    config = config_from_dict({"workbook": {"council": "North Somerset"},
                               "comparators": {"ofsted_good": {"values": {"cla_rate": 60}}}})
    fills = comparators_for_table(table, config, reporting_fy=2023)
    by_cell = {f.cell: f for f in fills}
    want = expected(dfe_dir, "rereferral_percent", "802", "2025", "2024")
    assert by_cell["F5"].value == pytest.approx(want["mean"] / 100)  # a fraction, as the sheet has
    assert by_cell["G5"].value == pytest.approx(want["region"] / 100)
    assert by_cell["F5"].year_label == "2023-24" and by_cell["F5"].kind == "sn"
    assert "H5" not in by_cell  # "Local measure" left alone
    assert "I5" not in by_cell  # no Ofsted good figure configured for re-referrals
    cla = expected(dfe_dir, "cla_rate", "802", "2025", "2024")
    assert by_cell["H6"].value == pytest.approx(cla["england"])
    assert by_cell["I6"].value == 60 and by_cell["I6"].kind == "ofsted_good"
    assert {f.indicator for f in fills} == {"CSC07", "CSC30"}
    assert all(f.sheet == "KPIs" and f.measure in ("rereferral_percent", "cla_rate") for f in fills)


def test_comparators_for_table_uses_the_indicator_measure_setting(store_path):
    table = table_with([indicator("X1", "Our own words for repeat plans", "percent", 5)],
                       store_path.parent / "returns.xlsx")
    config = config_from_dict({"workbook": {"council": "802"},
                               "indicators": {"X1": {"measure": "cp_subsequent_percent"}}})
    fills = comparators_for_table(table, config, reporting_fy=None)
    assert {f.measure for f in fills} == {"cp_subsequent_percent"}
    assert {f.year_label for f in fills} == {"2024-25"}


def test_comparators_for_table_skips_measures_whose_file_was_not_imported(dfe_dir, tmp_path,
                                                                          settings):
    with ComparatorStore.create(tmp_path / "kpi-comparators.sqlite") as partial:
        partial.import_file(dfe_dir / C1, settings)
        partial.import_file(dfe_dir / SN_2025, settings)
    table = table_with([
        indicator("CSC07", "% of re-referrals within 12 months", "percent", 5),
        indicator("CSC30", "Children in care per 10,000", "number", 6),
    ], tmp_path / "returns.xlsx")
    fills = comparators_for_table(table, config_from_dict({"workbook": {"council": "802"}}), 2024)
    assert {f.indicator for f in fills} == {"CSC07"}
    assert {f.kind for f in fills} == {"sn", "region", "england"}


def test_comparators_for_table_takes_the_measure_from_the_indicator_library(store_path):
    table = table_with([indicator("CSC-CPP-SECOND", "Repeat plans (our wording)", "percent", 5),
                        indicator("X9", "No. of Contacts progressed to Referral", "number", 6)],
                       store_path.parent / "returns.xlsx")
    fills = comparators_for_table(table, config_from_dict({"workbook": {"council": "802"}}), 2024)
    assert {(f.indicator, f.measure) for f in fills} == {("CSC-CPP-SECOND", "cp_subsequent_percent"),
                                                          ("X9", "referral_count")}


def test_comparators_for_table_without_a_store_is_empty(tmp_path):
    table = table_with([indicator("CSC07", "% of re-referrals within 12 months", "percent", 5)],
                       tmp_path / "returns.xlsx")
    config = config_from_dict({"workbook": {"council": "802"}})
    assert comparators_for_table(table, config, reporting_fy=2023) == []


def test_comparators_for_table_needs_the_council(store_path):
    table = table_with([indicator("CSC07", "% of re-referrals within 12 months", "percent", 5)],
                       store_path.parent / "returns.xlsx")
    with pytest.raises(ComparatorError, match="workbook -> council"):
        comparators_for_table(table, config_from_dict({}), reporting_fy=2023)


def test_the_store_path_in_config_is_relative_to_the_config_file(store_path, tmp_path):
    folder = tmp_path / "council"
    folder.mkdir()
    config_file = folder / "council.yaml"
    config_file.write_text(f"workbook: {{council: Wokingham}}\ncomparators: {{store: {store_path}}}\n")
    from kpi_xl.config import load_config
    config = load_config(config_file)
    table = table_with([indicator("CSC07", "% of re-referrals within 12 months", "percent", 5)],
                       tmp_path / "elsewhere" / "returns.xlsx")
    assert comparators_for_table(table, config, reporting_fy=2024)
    relative = load_config(config_file)
    relative.comparators = {"store": "missing.sqlite"}
    assert comparators_for_table(table, relative, reporting_fy=2024) == []


def test_sheet_values():
    assert sheet_value(Figure(value=22.6), "percent", "percent") == pytest.approx(0.226)
    assert sheet_value(Figure(value=22.6), "percent", "number") == 22.6
    assert sheet_value(Figure(value=67.0), "rate", "percent") == 67.0
    assert sheet_value(Figure(symbol="c"), "percent", "percent") == "c"
    assert sheet_value(Figure(), "percent", "percent") is None
