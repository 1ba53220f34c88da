"""The rating rules, from the seed reports' own cases and from their definitions."""
from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kpi_xl.config import ExceptionsConfig, config_from_dict
from kpi_xl.rules import (category, direction, movement, normalise_rag, published_movement,
                          rate, rate_directional)

# --- cases from the seed reports (tolerance 5% relative) -----------------------

SEED_RAG_CASES = [
    # value, target, polarity, expected
    (0.17, 0.22, "lower", "GREEN"),   # CP second plan 17% vs 22%, lower is better
    (0.69, 0.70, "higher", "AMBER"),  # 69% vs 70%
    (0.54, 0.70, "higher", "RED"),    # 54% vs 70%
    (3, 3, "lower", "GREEN"),         # equal counts as on target
]


@pytest.mark.parametrize("value,target,polarity,expected", SEED_RAG_CASES)
def test_seed_rag_cases(value, target, polarity, expected):
    assert rate(value, target, polarity, tolerance=0.05, mode="relative") == expected


def test_no_target_means_no_rag():
    assert rate(0.5, None, "higher") is None


def test_no_polarity_means_no_rag():
    assert rate(0.5, 0.4, None) is None


def test_seed_direction_cases():
    assert direction(0.13, 0.13, "higher").word == "STABLE"
    assert direction(0.75, 0.74, "higher").word == "POSITIVE"
    d = direction(0.74, 0.75, "higher")
    assert (d.word, d.arrow) == ("NEGATIVE", "↓")
    d = direction(1720, 1876, None, targeted=False)
    assert (d.word, d.arrow) == ("DECREASE", "↓")
    assert direction(8, None, None) is None  # "x" then 8: suppressed is no figure


def test_stable_at_published_precision():
    # 13.1% and 12.8% both published as 13% (format "0%"): stable
    assert direction(0.131, 0.128, "higher", decimals=2).word == "STABLE"
    # 75% to 74% is already a move
    assert direction(0.74, 0.75, "higher", decimals=2).word == "NEGATIVE"


def test_stable_band():
    assert movement(31, 30, stable_band=1) == "same"
    assert movement(32, 30, stable_band=1) == "up"


def test_lower_is_better_direction_words():
    assert direction(0.174, 0.138, "lower").word == "NEGATIVE"
    assert direction(0.182, 0.20, "lower").word == "POSITIVE"
    assert direction(0.182, 0.20, "lower").arrow == "↓"  # the arrow shows the raw movement


def test_relative_tolerance_zero_target_strict_and_points():
    assert rate(0, 0, "lower") == "GREEN"
    assert rate(0.01, 0, "lower") == "RED"
    assert rate(0.01, 0, "lower", zero_target="points", tolerance=0.05) == "AMBER"


def test_points_tolerance():
    # 5 percentage points on a fraction scale
    assert rate(0.66, 0.70, "higher", tolerance=0.05, mode="points") == "AMBER"
    assert rate(0.64, 0.70, "higher", tolerance=0.05, mode="points") == "RED"


def test_explicit_amber_threshold():
    assert rate(0.65, 0.70, "higher", amber=0.60) == "AMBER"
    assert rate(0.59, 0.70, "higher", amber=0.60) == "RED"
    assert rate(25, 20, "lower", amber=30) == "AMBER"


def test_directional_target():
    assert rate_directional(10, 12, "decrease") == "GREEN"
    assert rate_directional(12, 12, "decrease") == "AMBER"
    assert rate_directional(14, 12, "decrease") == "RED"
    assert rate_directional(14, None, "decrease") is None


def test_default_categories():
    assert category("GREEN", "NEGATIVE") == "Green to celebrate"
    assert category("AMBER", None) == "Amber to watch"
    assert category("RED", "POSITIVE") == "Reds on watching"
    assert category("RED", "STABLE") == "Reds on watching"
    assert category("RED", "NEGATIVE") == "Reds of concern"
    assert category("RED", None) == "Reds of concern"
    assert category(None, None) == "Not rated"


def test_configured_categories():
    cfg = ExceptionsConfig(categories=[{"name": "All reds", "rag": ["RED"]}])
    assert category("RED", "POSITIVE", cfg) == "All reds"
    assert category("GREEN", "POSITIVE", cfg) == cfg.uncategorised


def test_configured_words_and_arrows():
    cfg = config_from_dict({"direction": {"words": {"better": "Improving", "worse": "Declining"},
                                          "arrows": {"up": "▲", "down": "▼", "same": "►"}}})
    d = direction(0.8, 0.7, "higher", config=cfg.direction)
    assert (d.word, d.arrow) == ("Improving", "▲")


def test_normalise_published_rag_and_dot():
    assert normalise_rag("Red") == "RED"
    assert normalise_rag(" g ") == "GREEN"
    assert normalise_rag("maybe") is None
    assert published_movement("↑") == "up"
    assert published_movement("↔") == "same"
    assert published_movement("Improving") == "better"
    assert published_movement("") is None


# --- properties -------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
tolerances = st.floats(min_value=0, max_value=1, allow_nan=False)
ORDER = {"GREEN": 0, "AMBER": 1, "RED": 2}


@given(finite, finite, tolerances, st.sampled_from(["relative", "points"]))
def test_flipping_polarity_and_sign_mirrors(value, target, tol, mode):
    """Lower-is-better on (v, t) rates as higher-is-better on (-v, -t)."""
    assert rate(value, target, "lower", tolerance=tol, mode=mode) == \
        rate(-value, -target, "higher", tolerance=tol, mode=mode)


@given(finite, finite, st.floats(min_value=0, max_value=1e5, allow_nan=False),
       tolerances, st.sampled_from(["higher", "lower"]), st.sampled_from(["relative", "points"]))
def test_rag_never_improves_moving_away_from_target(target, start, step, tol, polarity, mode):
    """Moving a value further on the bad side of the target never improves its RAG."""
    worse = (lambda v: v - step) if polarity == "higher" else (lambda v: v + step)
    value = start
    assume(math.isfinite(worse(value)))
    first = rate(value, target, polarity, tolerance=tol, mode=mode)
    second = rate(worse(value), target, polarity, tolerance=tol, mode=mode)
    assert ORDER[second] >= ORDER[first]


@given(finite, finite, st.sampled_from(["higher", "lower"]))
def test_direction_flips_with_polarity_and_sign(current, previous, polarity):
    a = direction(current, previous, polarity)
    other = "lower" if polarity == "higher" else "higher"
    b = direction(-current, -previous, other)
    assert a.word == b.word


# --- over a table: Havering's rule ------------------------------------------------

def _record(values, polarity="higher", target=0.8):
    """One indicator with quarters Q1 2023-24 .. in order, as the reader gives it."""
    from kpi_xl.periods import Period
    from kpi_xl.table import Point
    from kpi_xl.values import parse_value

    quarters = [Period("quarter", 2023 + (i // 4), i % 4 + 1) for i in range(len(values))]
    series = [Point(p, parse_value(v, "0%"), f"{chr(66 + i)}5") for i, (p, v) in
              enumerate(zip(quarters, values))]
    return {"id": "X", "name": "X", "sheet": "S", "row": 5, "series": series,
            "polarity": polarity, "target": target, "cells": {}}


def test_amber_if_improved_on_same_period_last_year():
    from kpi_xl.rules import rate_indicator

    havering = config_from_dict({"rag": {"amber_if_improved_on": "same_period_last_year"}})
    # Q1 2023-24 .. Q1 2024-25: 60% a year ago, 70% now; target 80%, so RED by target
    improved = _record([0.6, 0.9, 0.9, 0.9, 0.7])
    assert rate_indicator(improved, config_from_dict({}))[0]["rag"] == "RED"
    assert rate_indicator(improved, havering)[0]["rag"] == "AMBER"
    worse = _record([0.75, 0.6, 0.6, 0.6, 0.7])
    assert rate_indicator(worse, havering)[0]["rag"] == "RED"
    lower = _record([0.3, 0.1, 0.1, 0.1, 0.25], polarity="lower", target=0.2)
    assert rate_indicator(lower, havering)[0]["rag"] == "AMBER"
    green = _record([0.9, 0.9, 0.9, 0.9, 0.85])
    assert rate_indicator(green, havering)[0]["rag"] == "GREEN"


# --- the fast paths over a table ---------------------------------------------------

_INPUT_VALUES = {"value": [None, 0.0, 64.0, -1.5], "previous": [None, 60.5], "target": [None, 0.0, 60.0],
                 "target_direction": [None, "increase", "decrease"], "polarity": [None, "higher", "lower"],
                 "tolerance": [0.0, 0.05, 2.0], "tolerance_mode": ["relative", "points"],
                 "decimals": [None, 0, 3], "unit": [None, "percent", "number"],
                 "unit_error": [None, "unit mismatch: 57.1"], "value_cell": [None, "J2"],
                 "value_plain": [False, True], "target_live": [False, True], "suspect_periods": [False, True]}


@given(st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in _INPUT_VALUES.items()}))
def test_rating_input_made_at_once_is_the_dataclass(values):
    """``resolve._rating_input`` fills the frozen dataclass's ``__dict__`` at
    once: the same value, hash, repr, fields in order and frozen as ``__init__`` makes it."""
    import dataclasses

    from kpi_xl.resolve import RatingInput, _rating_input

    made, init = _rating_input(dict(values)), RatingInput(**values)
    assert made == init and hash(made) == hash(init) and repr(made) == repr(init)
    assert list(vars(made).items()) == list(vars(init).items())
    assert (made.ratable, made.directional, made.targeted) == (init.ratable, init.directional, init.targeted)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.value = 1.0


def test_rating_input_refuses_what_init_refuses():
    from kpi_xl.config import load_config
    from kpi_xl.resolve import NO_SETTINGS, _rating_input, settled

    with pytest.raises(TypeError):
        _rating_input({"valu": 1.0})
    with pytest.raises(TypeError):  # a field config decides is not the sheet's to give
        settled(load_config(), NO_SETTINGS, value=1.0, tolerance=0.2)
    assert settled(load_config(), NO_SETTINGS, value=1.0, target=2.0).target == 2.0


def test_a_table_rated_at_once_is_each_indicator_rated_alone():
    """``apply_rules`` reads the config once for the table (``resolve.Resolver``,
    categories worked out once); each indicator rated on its own, with a config
    of its own, gives the same records and findings. Varied indicators: per-indicator
    entries by id and by name, published ratings and directions, Havering's rule."""
    import random

    from kpi_xl.periods import Period
    from kpi_xl.rules import apply_rules, rate_indicator
    from kpi_xl.table import Point
    from kpi_xl.values import parse_value

    data = {"rag": {"amber_if_improved_on": "previous_period"},
            "indicators": {"K1": {"polarity": "lower", "tolerance": 0.2},
                           "Ind 2": {"target": 5, "compare_with": "same_period_last_year"},
                           "K3": {"stable_band": 1, "tolerance_mode": "points", "tolerance": 1}}}
    quarters = [Period("quarter", fy, q, f"Q{q} {fy}") for fy in (2022, 2023) for q in (1, 2, 3, 4)]
    rng = random.Random(16)
    records = []
    for i in range(300):
        series = [Point(p, parse_value(rng.choice([None, 3, 4.5, 6, "x", "12%", 0.5]),
                                       rng.choice([None, "0.0", "0%"])), f"{'FGHIJKLM'[j]}{i}")
                  for j, p in enumerate(rng.sample(quarters, rng.randrange(6)))]
        records.append({"id": f"K{i % 5}", "name": f"Ind {i % 4}", "sheet": "S", "table": i % 3,
                        "unit": rng.choice(["number", "percent"]), "series": series,
                        "polarity": rng.choice(["higher", "lower", None]), "polarity_raw": "Higher",
                        "target": rng.choice([None, 4.0, 0.0]), "target_raw": rng.choice([4, "4%", None]),
                        "target_direction": rng.choice([None, "decrease"]),
                        "published_rag": rng.choice([None, "Red", "G", "amber"]),
                        "published_dot": rng.choice([None, "↑", "↔", "worse"]),
                        "cells": {"target": f"E{i}", "polarity": f"D{i}", "rag": f"K{i}"},
                        "polarity_source": "sheet", "value_kind": rng.choice(["percent", "count"])})
    rated, found = apply_rules(records, config_from_dict(data), file="b.xlsx", suspect_tables={2})
    alone, alone_found = [], []
    for record in records:
        rating = {**record, "suspect_periods": True} if record["table"] == 2 else record
        result, each = rate_indicator(rating, config_from_dict(data), file="b.xlsx")
        alone.append({**record, **result})
        alone_found.extend(each)
    assert rated == alone and found == alone_found
    assert {r["category"] for r in rated} > {None} and {f.type for f in found} >= {"rag_disagrees"}
