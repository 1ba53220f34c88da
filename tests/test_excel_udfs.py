"""The worksheet functions, called directly (xlwings' decorators are no-ops on Linux).

Over grids of inputs each function must equal the rule function refresh
uses, computed here from kpi_xl.rules / values / periods / comparators with
the inputs parsed by hand; ranges must come back in the shape they went in;
bad inputs must give "#KPI! ..." text, never a traceback.
"""
from __future__ import annotations

import importlib
import itertools
import json
import subprocess
import sys
import textwrap

import pytest

from kpi_xl.config import load_config
from kpi_xl.excel import udfs
from kpi_xl.excel.udfs import (
    KPI_ARROW,
    KPI_CATEGORY,
    KPI_COMPARATOR,
    KPI_QUARTILE,
    KPI_RANK,
    KPI_DOT,
    KPI_PERIOD,
    KPI_RAG,
    KPI_RATE,
    UDFS,
)
from kpi_xl.periods import parse_period
from kpi_xl.planning.indicator_tables import rag_label
from kpi_xl.rules import category, direction, rate

CONFIG = load_config()
POLARITY = {"Higher is better": "higher", "higher": "higher", "High": "higher",
            "HIGH": "higher", "Lower is better": "lower", "lower": "lower", "Low": "lower",
            "N/A": None, "-": None, None: None, "": None}
# raw cell -> the figure refresh would read (percent text as a fraction; suppressed is none)
FIGURES = {0.5: 0.5, 0.51: 0.51, 0.55: 0.55, 0.6: 0.6, 0.5225: 0.5225, 99.5: 99.5, "51%": 0.51, "55 %": 0.55, "x": None,
           "c": None, None: None, "": None, 0: 0, 0.0001: 0.0001, 100: 100, 95.5: 95.5, -3: -3}
TARGETS = {0.55: 0.55, "55%": 0.55, 0: 0, 100: 100, "N/A": None, None: None}


@pytest.fixture(autouse=True)
def default_config(monkeypatch):
    monkeypatch.delenv(udfs.CONFIG_ENV, raising=False)


PERCENT_TEXT = {"51%", "55 %"}


def expected_rag(value, target, polarity, tolerance=None, mode=None):
    tol = CONFIG.rag.tolerance if tolerance is None else tolerance
    how = mode or CONFIG.rag.tolerance_mode
    goal = TARGETS[target]
    if isinstance(target, str) and target.endswith("%") and isinstance(value, (int, float)) \
            and abs(value) > 1:  # 99.5 against "55%": one is a percentage, one is not
        return (f"#KPI! unit mismatch: {value:g} against a target of {target}; give both as "
                f'percentages ({value / 100:g} or "{value:g}%")')
    if value in PERCENT_TEXT and isinstance(goal, (int, float)) and 1 < goal <= 100:
        goal = goal / 100  # a target of 100 beside "51%" means 100%
    rag = rate(FIGURES[value], goal, POLARITY[polarity], tolerance=tol, mode=how,
               zero_target=CONFIG.rag.zero_target)
    targeted = goal is not None and POLARITY[polarity] is not None
    return rag_label(rag, targeted, CONFIG) or ""


# --- KPI_RAG ----------------------------------------------------------------------------------

@pytest.mark.parametrize("tolerance, mode", [(None, None), (0.1, "relative"), (0.05, "points"),
                                             (0.0, None)])
def test_rag_equals_the_rule_over_a_grid(tolerance, mode):
    for value, target, polarity in itertools.product(FIGURES, TARGETS, POLARITY):
        got = KPI_RAG(value, target, polarity, tolerance, mode)
        assert got == expected_rag(value, target, polarity, tolerance, mode), \
            (value, target, polarity, tolerance, mode)


def test_rag_reads_percent_text_for_tolerance():
    assert KPI_RAG(0.52, 0.55, "High", "10%") == KPI_RAG(0.52, 0.55, "High", 0.1) == "AMBER"
    assert KPI_RAG(0.52, 0.55, "High", "5%") == "RED"


def test_rag_over_a_column_gives_a_column():
    values = list(FIGURES)
    got = KPI_RAG(values, 0.55, "Higher is better")
    assert got == [expected_rag(v, 0.55, "Higher is better") for v in values]


def test_rag_over_excel_ranges_keeps_their_shape():
    # xlwings passes ranges as lists of rows (ndim=2); a single cell as [[v]]
    column = [[0.5], [0.6], ["x"]]
    assert KPI_RAG(column, [[0.55]], [["High"]]) == [["RED"], ["GREEN"], [""]]
    block = [[0.5, 0.6], [0.54, 0.4]]
    assert KPI_RAG(block, 0.55, [["High", "High"], ["High", "Low"]]) == \
        [["RED", "GREEN"], ["AMBER", "GREEN"]]
    assert KPI_RAG([[0.6]], [[0.55]], [["High"]]) == [["GREEN"]]


def test_ranges_of_different_sizes_are_one_error():
    assert KPI_RAG([1, 2], [1, 2, 3], "High") == "#KPI! ranges differ in size (2x1 and 3x1)"
    assert KPI_RAG([[1, 2]], [[1], [2]], "High").startswith("#KPI! ranges differ in size")


@pytest.mark.parametrize("args, message", [
    ((0.5, "soon", "High"), "#KPI! target is not a number, a comparison ('<22%'), a direction "
                            "(Increasing/Decreasing) or N/A"),
    (("lots", 0.5, "High"), "#KPI! value is not a number"),
    ((True, 0.5, "High"), "#KPI! value is not a number"),
    ((57.1, "60%", "High"), '#KPI! unit mismatch: 57.1 against a target of 60%; give both as '
                            'percentages (0.571 or "57.1%")'),
    ((0.5, 0.5, "High", -0.1), "#KPI! tolerance must not be negative"),
    ((0.5, 0.5, "High", 2), "#KPI! tolerance must be between 0 and 1 when mode is relative"),
    ((0.5, 0.5, "High", 0.1, "percent"), '#KPI! mode must be "relative" or "points"'),
    ((float("nan"), 0.5, "High"), "#KPI! value is not a number"),
])
def test_rag_bad_arguments_are_error_text(args, message):
    assert KPI_RAG(*args) == message


def test_errors_stay_in_their_own_cells():
    assert KPI_RAG([0.6, "soon", 0.5], 0.55, "High") == \
        ["GREEN", "#KPI! value is not a number", "RED"]


# --- KPI_DOT and KPI_ARROW -----------------------------------------------------------------

CURRENT = [0.5, 0.51, 100, 99.5, 0, "x", None, "51%"]


@pytest.mark.parametrize("targeted", [None, True, False])
def test_dot_equals_the_rule_over_a_grid(targeted):
    for current, previous, polarity in itertools.product(CURRENT, CURRENT, POLARITY):
        pol = POLARITY[polarity]
        is_targeted = pol is not None if targeted is None else targeted
        found = direction(FIGURES[current], FIGURES[previous], pol, targeted=is_targeted,
                          stable_band=CONFIG.direction.stable_band, config=CONFIG.direction)
        expected = found.word if found else ""
        assert KPI_DOT(current, previous, polarity, targeted) == expected, \
            (current, previous, polarity, targeted)


def test_arrow_equals_the_rule_over_a_grid():
    for current, previous in itertools.product(CURRENT, CURRENT):
        found = direction(FIGURES[current], FIGURES[previous], None, targeted=False,
                          config=CONFIG.direction)
        assert KPI_ARROW(current, previous) == (found.arrow if found else "")


def test_dot_compares_text_figures_at_their_published_precision():
    # "13%" and "13.4%" are both 13% as published; stored numbers compare as stored
    assert KPI_DOT("13%", "13.4%", "High") == "STABLE"
    assert KPI_DOT(0.13, 0.134, "High") == "NEGATIVE"
    assert KPI_ARROW("75%", "74%") == "↑"


def test_dot_over_a_column():
    assert KPI_DOT([0.5, 0.6, None], [0.6, 0.5, 0.5], "Lower is better") == \
        ["POSITIVE", "NEGATIVE", ""]
    assert KPI_ARROW([[3], [2], [2]], [[2], [3], [2]]) == [["↑"], ["↓"], ["↔"]]


@pytest.mark.parametrize("args, message", [
    (("up", 1), "#KPI! current is not a number"),
    ((1, "down"), "#KPI! previous is not a number"),
    ((1, 2, "High", "maybe"), "#KPI! targeted must be TRUE or FALSE"),
])
def test_dot_bad_arguments_are_error_text(args, message):
    assert KPI_DOT(*args) == message


# --- KPI_CATEGORY ----------------------------------------------------------------------------

RAGS = {"GREEN": "GREEN", "AMBER": "AMBER", "RED": "RED", "Red": "RED", "g": "GREEN",
        "Not targeted": None, "N/A": None, None: None, "": None}
WORDS = {"POSITIVE": "POSITIVE", "STABLE": "STABLE", "NEGATIVE": "NEGATIVE",
         "negative": "NEGATIVE", "↔": "STABLE", "Improving": "POSITIVE", "worse": "NEGATIVE",
         "INCREASE": "INCREASE", None: None, "": None}


def test_category_equals_the_rule_over_a_grid():
    for rag, word in itertools.product(RAGS, WORDS):
        expected = category(RAGS[rag], WORDS[word], CONFIG.exceptions)
        assert KPI_CATEGORY(rag, word) == expected, (rag, word)


def test_category_of_the_committee_groups():
    assert KPI_CATEGORY(["GREEN", "AMBER", "RED", "RED", "RED"],
                        ["NEGATIVE", "POSITIVE", "POSITIVE", "STABLE", "NEGATIVE"]) == \
        ["Green to celebrate", "Amber to watch", "Reds on watching", "Reds on watching",
         "Reds of concern"]


@pytest.mark.parametrize("args, message", [
    (("Purple", "POSITIVE"), "#KPI! rag must be GREEN, AMBER or RED"),
    (("RED", "↑"), "#KPI! dot is an arrow, not POSITIVE or NEGATIVE: pass "
                   "KPI_DOT(current, previous, polarity)"),
    (("RED", "sideways"), "#KPI! dot must be POSITIVE, STABLE or NEGATIVE"),
    ((3, "POSITIVE"), "#KPI! rag must be GREEN, AMBER or RED"),
])
def test_category_bad_arguments_are_error_text(args, message):
    assert KPI_CATEGORY(*args) == message


# --- KPI_RATE and KPI_PERIOD ----------------------------------------------------------------------

def test_rate_equals_the_comparators_rate():
    from kpi_xl.comparators import rate_per_10k

    for count, population in itertools.product([0, 1, 12, 437, 1250.5], [1, 4000, 40000, 38123]):
        assert KPI_RATE(count, population) == rate_per_10k(count, population)
        assert KPI_RATE(count, population, 1000) == pytest.approx(
            rate_per_10k(count, population) / 10)


def test_rate_over_columns_and_its_errors():
    assert KPI_RATE([10, "x", None], [10000, 10000, 10000]) == [10.0, "", ""]
    assert KPI_RATE(1, 0) == "#KPI! population is zero"
    assert KPI_RATE(-1, 10) == "#KPI! count and population must not be negative"
    assert KPI_RATE(1, "many") == "#KPI! population is not a number"
    assert KPI_RATE(1, 10, 0) == "#KPI! per must be a positive number"


LABELS = ["Q2 23-24", "Q2 2023/24", "2023-24 Q2", "Quarter 2 2023-24", "2022-23",
          "2016/17 Out-turn", "2020-21 outturn", " Q1 2021-22 "]


def test_period_equals_parse_period():
    for label in LABELS:
        assert KPI_PERIOD(label) == parse_period(label.strip()).canonical()
    assert KPI_PERIOD(LABELS) == [parse_period(x.strip()).canonical() for x in LABELS]
    assert KPI_PERIOD([["Q2 23-24"], [None]]) == [["Q2 2023-24"], [""]]


def test_period_of_a_non_period_is_error_text():
    assert KPI_PERIOD("Sometime") == "#KPI! not a period label: 'Sometime'"
    assert KPI_PERIOD(3.5).startswith("#KPI! not a period label")


# --- KPI_COMPARATOR --------------------------------------------------------------------------------

def test_comparator_without_a_store_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert KPI_COMPARATOR("rereferral_percent", "SN", None, "802") == \
        "#KPI! no comparator store: import the DfE files (kpi-xl comparators import) and set " \
        "comparators -> store in the config"
    assert KPI_COMPARATOR("rereferral_percent", "SN") == \
        "#KPI! give the council (la) or set workbook -> council in the config"
    assert KPI_COMPARATOR("rereferral_percent", "Moon", None, "802") == \
        "#KPI! comparator must be SN, Region, England or Ofsted good"


C1 = "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
SN_2025 = "sn_model_2025_wide.csv"


@pytest.fixture(scope="module")
def comparator_store(dfe_dir, tmp_path_factory):
    from kpi_xl.comparators import ComparatorStore, load_settings

    path = tmp_path_factory.mktemp("store") / "kpi-comparators.sqlite"
    with ComparatorStore.create(path) as store:
        for name in (SN_2025, C1):
            store.import_file(dfe_dir / name, load_settings())
    return path


@pytest.fixture
def county_settings(comparator_store, tmp_path, monkeypatch):
    """The UDFs' config (council 802, the test store) set as Excel would, and its settings."""
    from kpi_xl.comparators import load_settings

    config = tmp_path / "county.yaml"
    config.write_text(f"workbook: {{council: '802'}}\ncomparators: {{store: '{comparator_store}'}}\n",
                      encoding="utf-8")
    monkeypatch.setenv(udfs.CONFIG_ENV, str(config))
    return load_settings(load_config(config))


def test_comparator_equals_the_comparator_query(comparator_store, county_settings):
    from kpi_xl.comparators import ComparatorStore, compare
    from kpi_xl.comparators.fill import sheet_value

    kinds = {"SN": "sn", "Region": "region", "England": "england", "own": "own"}
    with ComparatorStore.open(comparator_store) as store:
        for la, year in itertools.product(["802", "North Somerset", "872"], [None, "2022"]):
            answer = compare(store, la, "rereferral_percent", county_settings, year=year)
            for written, kind in kinds.items():
                figure = answer.figure(kind)
                expected = sheet_value(figure, answer.unit, "percent")
                assert KPI_COMPARATOR("rereferral_percent", written, year, la) == expected
                assert isinstance(expected, float) and 0 < expected < 1  # a fraction for a % cell
    # the council from the config; a column of measures
    assert KPI_COMPARATOR(["rereferral_percent", "no such measure"], "England")[0] == \
        KPI_COMPARATOR("rereferral_percent", "England", None, "802")
    assert KPI_COMPARATOR(["rereferral_percent", "no such measure"], "England")[1] \
        .startswith("#KPI! ")


def test_quartile_and_rank_equal_the_comparator_query(comparator_store, county_settings):
    from kpi_xl.comparators import ComparatorStore, compare

    with ComparatorStore.open(comparator_store) as store:
        for la, year in itertools.product(["802", "872"], [None, "2022-23"]):
            bench = compare(store, la, "rereferral_percent", county_settings, year=year).benchmark
            assert KPI_QUARTILE("rereferral_percent", year, la) == bench.band
            assert KPI_RANK("rereferral_percent", None, year, la) == bench.rank
            assert KPI_RANK("rereferral_percent", "SN", year, la) == bench.sn_rank
    assert KPI_QUARTILE("rereferral_percent") == KPI_QUARTILE("rereferral_percent", None, "802")
    assert KPI_RANK("rereferral_percent", "Moon") == "#KPI! among must be blank (all councils) or SN"
    assert KPI_QUARTILE("referral_count").startswith("#KPI! ")  # a count: no band in LAIT


# --- the module xlwings imports --------------------------------------------------------------------

def test_the_udf_module_the_addin_names_has_every_function():
    from kpi_xl.excel.addin import UDF_MODULE

    udf_module = importlib.import_module(UDF_MODULE)
    assert udf_module.UDFS == UDFS and len(UDFS) == 9
    for function in UDFS:
        assert getattr(udf_module, function.__name__) is function


def test_excel_help_texts_fit_excels_limits():
    for function in UDFS:
        doc = function.__doc__
        assert doc and "\n" not in doc and len(doc) <= 255, function.__name__
        assert function.__name__.startswith("KPI_")


WINDOWS_REGISTRATION = textwrap.dedent('''
    # xlwings' real Windows decorators (xlwings/udfs.py), with the COM modules
    # they import but do not use while decorating stubbed out.
    import json, sys, types
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        sys.modules[name] = types.ModuleType(name)
    sys.modules["pythoncom"].CoInitialize = lambda: None
    sys.modules["win32com.client"].Dispatch = None
    import xlwings, xlwings.udfs as real
    xlwings.func, xlwings.arg, xlwings.ret = real.xlfunc, real.xlarg, real.xlret
    from kpi_xl.excel.udfs import UDFS
    print(json.dumps({f.__name__: f.__xlfunc__ for f in UDFS}, default=str))
''')


def test_xlwings_registers_every_function_with_help_and_category():
    """What Excel's function wizard will show, as xlwings' Windows decorators
    record it: category, help, one documented argument each, optional ones
    optional, and no annotation mistaken for a converter."""
    done = subprocess.run([sys.executable, "-c", WINDOWS_REGISTRATION], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    registered = json.loads(done.stdout)
    assert sorted(registered) == sorted(f.__name__ for f in UDFS)
    for name, info in registered.items():
        assert info["category"] == "kpi-xl"
        assert info["ret"]["doc"] and len(info["ret"]["doc"]) <= 255
        for arg in info["args"]:
            assert not arg["doc"].startswith("Positional argument"), (name, arg["name"])
            assert len(arg["doc"]) <= 255
            # error values arrive as "#N/A" text (err_to_str), so that they propagate
            assert arg["options"]["ndim"] == 2, (name, arg)
            if name in ("KPI_RAG", "KPI_DOT", "KPI_ARROW", "KPI_CATEGORY"):
                assert arg["options"].get("err_to_str") is True, (name, arg)
    optional = {name: [a["name"] for a in info["args"] if "optional" in a]
                for name, info in registered.items()}
    assert optional["KPI_RAG"] == ["tolerance", "mode", "previous", "indicator", "config",
                                   "decimals", "amber"]
    assert optional["KPI_DOT"] == ["polarity", "targeted", "decimals", "indicator", "config"]
    assert optional["KPI_ARROW"] == ["decimals", "indicator", "config"]
    assert optional["KPI_COMPARATOR"] == ["year", "la"]
    assert optional["KPI_QUARTILE"] == ["year", "la"]
    assert optional["KPI_RANK"] == ["among", "year", "la"]
    assert optional["KPI_RATE"] == ["per"]


# --- one reading with the refresh (issue 12) ----------------------------------------------

@pytest.mark.parametrize("wording", ["Sideways", "Follow national trend", 1])
def test_a_wording_kpi_xl_does_not_read_is_not_targeted_as_in_a_refresh(wording):
    assert KPI_RAG(0.5, 0.6, wording) == "Not targeted"


@pytest.mark.parametrize("wording, want", [("Lower is worse", "RED"), ("Higher is worse", "GREEN"),
                                           ("Good is Low", "GREEN"), ("Low is bad", "RED")])
def test_polarity_wordings_read_as_the_reader_reads_them(wording, want):
    # 0.6 against a target of 0.7
    assert KPI_RAG(0.6, 0.7, wording) == want


@pytest.mark.parametrize("fn, args", [
    (KPI_RAG, ("#N/A", 0.5, "High")), (KPI_RAG, (0.5, "#N/A", "High")),
    (KPI_RAG, (0.5, 0.5, "#N/A")), (KPI_DOT, ("#N/A", 0.5, "High")),
    (KPI_DOT, (0.5, "#DIV/0!", "High")), (KPI_ARROW, ("#N/A", 0.5)),
    (KPI_CATEGORY, ("#N/A", "POSITIVE")),
])
def test_an_excel_error_in_gives_that_error_out(fn, args):
    errors = [a for a in args if isinstance(a, str) and a.startswith("#")]
    assert fn(*args) == errors[0]
    assert fn([args[0], 0.5], *args[1:])[0] == errors[0] or args[0] != errors[0]


def test_directional_target_is_rated_by_movement_with_the_comparison_figure():
    assert KPI_RAG(10, "Decreasing", "Lower is better", previous=12) == "GREEN"
    assert KPI_RAG(14, "Decreasing", "Lower is better", previous=12) == "RED"
    assert KPI_RAG(12, "Decreasing", "Lower is better", previous=12) == "AMBER"
    assert KPI_RAG(0.1301, "Increasing", "High", previous=0.13, decimals="0%") == "AMBER"
    assert KPI_RAG(10, "Decreasing", "Lower is better") == ""  # no comparison figure yet


def test_explicit_amber_and_a_percent_format_read_as_the_refresh_reads_the_cells():
    # 25 against 20, lower is better, amber up to 30: AMBER (5% tolerance alone: RED)
    assert KPI_RAG(25, 20, "Lower is better", amber=30) == "AMBER"
    assert KPI_RAG(25, 20, "Lower is better") == "RED"
    # 1.045 in a "0.0%" cell is 104.5%, not a count of 1.045 against "95%"
    assert KPI_RAG(1.045, "95%", "High", decimals="0.0%") == "GREEN"
    assert KPI_RAG(57.1, "60%", "High", decimals="0.0").startswith("#KPI! unit mismatch")


def test_dot_compares_at_the_precision_shown():
    # 0.1798 and 0.1801 both show as 18.0%: STABLE, as the refresh says
    assert KPI_DOT(0.1798, 0.1801, "High", decimals="0.0%") == "STABLE"
    assert KPI_DOT(0.1798, 0.1801, "High", decimals=3) == "STABLE"
    assert KPI_DOT(0.1301, 0.13, "High", decimals="0%") == "STABLE"
    assert KPI_DOT(0.1798, 0.1801, "High") == "NEGATIVE"  # as stored
    assert KPI_ARROW(0.1798, 0.1801, "0.0%") == "↔"
    assert KPI_DOT(0.5, 0.4, "High", decimals="lots").startswith("#KPI! decimals")


def test_indicator_config_reaches_the_udf(tmp_path):
    council = tmp_path / "council.yaml"
    council.write_text("rag: {amber_if_improved_on: previous_period}\n"
                       "indicators:\n  CSC07: {tolerance: 0.2}\n  CSC09: {polarity: lower}\n"
                       "  CSC11: {stable_band: 0.05}\n", encoding="utf-8")
    path = str(council)
    # 0.6 against 0.7: 14% short; RED at 5%, AMBER within CSC07's 20%
    assert KPI_RAG(0.6, 0.7, "High") == "RED"
    assert KPI_RAG(0.6, 0.7, "High", indicator="CSC07", config=path) == "AMBER"
    # CSC09's config says lower is better, whatever the cell says
    assert KPI_RAG(0.6, 0.7, "High", indicator="CSC09", config=path) == "GREEN"
    # amber_if_improved_on: RED but better than the comparison figure
    assert KPI_RAG(0.5, 0.7, "High", previous=0.4, config=path) == "AMBER"
    assert KPI_RAG(0.5, 0.7, "High", previous=0.6, config=path) == "RED"
    assert KPI_DOT(0.53, 0.5, "High", indicator="CSC11", config=path) == "STABLE"
    assert KPI_DOT(0.53, 0.5, "High", config=path) == "POSITIVE"
    assert KPI_RAG(0.6, 0.7, "High", config=str(tmp_path / "none.yaml")).startswith("#KPI! ")


# --- KPI_RAG's fast path (a plan per text-like arguments, per row only the rating) ----------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_FIGURE = st.one_of(
    st.none(), st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.floats(min_value=-2, max_value=2), st.integers(-200, 200), st.sampled_from([0, 0.0, 1e308]),
    st.integers(10 ** 310, 10 ** 311), st.booleans(),
    st.sampled_from(["51%", "0.5", " 57.1 ", "x", "", "[c]", "#N/A", "#DIV/0!", "n/a", "  "]))
_TARGET = st.one_of(
    st.none(), st.floats(min_value=-2, max_value=200), st.sampled_from([0, 0.0, 0.5, 80, 100]),
    st.booleans(), st.sampled_from(["60%", "55 %", "0.5", "Decreasing", "Increasing", "Reduce",
                                    "↑", "N/A", "TBC", "No target", "", "banana", "#N/A",
                                    "#VALUE!", "0"]))
_POLARITY = st.one_of(st.none(), st.integers(0, 2), st.sampled_from(
    ["Higher is better", "Lower is better", "Lower is worse", "High is bad", "Good is low",
     "H", "L", "↑ good", "N/A", "-", "", "Banana", "Follow national trend", "#REF!"]))
_TOLERANCE = st.one_of(st.none(), st.sampled_from([0, 0.05, 0.1, 1, 2, -0.1, "5%", "x", "#NUM!"]))
_MODE = st.one_of(st.none(), st.sampled_from(["relative", "points", "Points ", "bad", "#N/A"]))
_DECIMALS = st.one_of(st.none(), st.sampled_from([0, 1, 3, 2.5, -1, "0.0%", "0", "x", "#N/A"]))


@pytest.fixture(scope="module")
def council_yaml(tmp_path_factory):
    path = tmp_path_factory.mktemp("rag-fast") / "council.yaml"
    path.write_text("rag:\n  amber_if_improved_on: previous_period\n  zero_target: points\n"
                    "indicators:\n  CSC07: {polarity: lower, amber: 0.6}\n"
                    "  CSC08: {target: 0.5, tolerance: 0.2, tolerance_mode: points}\n",
                    encoding="utf-8")
    return str(path)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_FIGURE, _FIGURE), min_size=1, max_size=6), target=_TARGET,
       polarity=_POLARITY, tolerance=_TOLERANCE, mode=_MODE, decimals=_DECIMALS,
       indicator=st.sampled_from([None, "CSC07", "CSC08", "OTHER", 7]),
       which_config=st.sampled_from([None, "council", "missing"]))
def test_rag_fast_path_matches_plain_pipeline(council_yaml, rows, target, polarity, tolerance,
                                              mode, decimals, indicator, which_config):
    """KPI_RAG over a column (the fast path: the plan of its text-like arguments
    made once, per row only the numeric rating) equals rag_of per cell, which
    builds the RatingInput with kpi_xl.resolve and rates it with kpi_xl.rules."""
    config = {None: None, "council": council_yaml, "missing": "/nonexistent/council.yaml"}[
        which_config]
    values = [[v] for v, _ in rows]
    previous = [[p] for _, p in rows]
    texts = (target, polarity, tolerance, mode)
    udfs._RESULTS.clear()  # a first calculation: nothing remembered
    fast = KPI_RAG(values, *[[[t]] * len(rows) for t in texts], previous, [[indicator]],
                   [[config]], [[decimals]])
    plain = [[udfs._one(udfs.rag_of, (v, target, polarity, tolerance, mode, p, indicator,
                                      config, decimals))] for v, p in rows]
    assert fast == plain


def test_rag_fast_path_plans_are_dropped_when_a_config_is_reloaded(tmp_path):
    path = tmp_path / "council.yaml"
    path.write_text("rag: {tolerance: 0.5}\n", encoding="utf-8")
    udfs._RESULTS.clear()
    assert KPI_RAG([0.3], 0.5, "Higher is better", config=str(path)) == ["AMBER"]
    path.write_text("rag: {tolerance: 0.1}\n", encoding="utf-8")
    udfs._load.cache_clear()
    udfs._RESULTS.clear()
    assert KPI_RAG([0.3], 0.5, "Higher is better", config=str(path)) == ["RED"]
