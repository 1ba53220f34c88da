"""The standard indicator library and the conservative matching of council wording."""
from __future__ import annotations

import pytest
import yaml

from kpi_xl.errors import ConfigError
from kpi_xl.library import (DATA_TYPES, MEASURE_KINDS, LibraryEntry, load_library,
                            match_indicator, normalise_name)
from kpi_xl.paths import CONFIG_DIR


def test_library_loads_with_unique_ids_and_valid_fields():
    entries = load_library()
    assert len(entries) >= 50
    assert len({e.id for e in entries}) == len(entries)
    for e in entries:
        assert e.data_type in DATA_TYPES
        assert e.measure_kind in MEASURE_KINDS
        assert e.polarity in ("higher", "lower", None)
        assert e.area and e.name


def test_usual_dfe_measures_are_there_with_polarity():
    by_id = {e.id: e for e in load_library()}
    expected = {
        "CSC-REFERRALS": None, "CSC-REREF": "lower", "CSC-ASSESS-45": "higher",
        "CSC-CPP-RATE": None, "CSC-CPP-SECOND": "lower", "CSC-CLA-RATE": None,
        "CSC-CLA-3PLACEMENTS": "lower", "CSC-CLA-LONG-TERM": "higher", "CL-EET": "higher",
        "CL-ACCOM": "higher", "CL-IN-TOUCH": "higher", "WF-SW-TURNOVER": "lower",
        "WF-SW-AGENCY": "lower", "WF-SW-VACANCY": "lower", "WF-SW-CASELOAD": "lower",
    }
    for ident, polarity in expected.items():
        assert by_id[ident].polarity == polarity, ident


def test_dfe_measure_keys_exist_in_the_comparator_catalogue():
    catalogue = yaml.safe_load((CONFIG_DIR / "comparators.yaml").read_text(encoding="utf-8"))
    measures = set(catalogue["measures"])
    used = {e.dfe_measure for e in load_library() if e.dfe_measure}
    assert used and used <= measures


@pytest.mark.parametrize("name,ident", [
    # aliases (council wording as published)
    ("% of re-referrals within last 12 months", "CSC-REREF"),
    ("% OF REFERRALS TO WHICH ARE REPEAT REFERRALS WITHIN 12 MONTHS", "CSC-REREF"),
    ("No. of Contacts progressed to Referral", "CSC-REFERRALS"),
    ("Children's Services staff turnover rate", "WF-STAFF-TURNOVER"),
    # keywords (wording not in the library)
    ("Percentage of re-referrals to children's social care within 12 months", "CSC-REREF"),
    ("Rate of children looked after per 10,000 children aged 0-17", "CSC-CLA-RATE"),
    ("Social worker vacancy rate at 30 September", "WF-SW-VACANCY"),
    ("% care leavers aged 19-21 in education, employment or training", "CL-EET"),
    ("% of care leavers aged 19-21 who are NEET", "CL-NEET"),
    ("Number of children subject to child protection plans", "CSC-CPP-NUMBER"),
    ("Average caseload of children's social workers", "WF-SW-CASELOAD"),
])
def test_matches(name, ident):
    entry = match_indicator(name)
    assert entry is not None and entry.id == ident


@pytest.mark.parametrize("name", [
    "Number of chickens", "Average", "Re-referrals of CIN cases to early help stepped up to social care",
    "", None, "Number of referrals to the youth offending team",
])
def test_does_not_guess(name):
    assert match_indicator(name) is None


def test_keywords_of_two_entries_matching_mean_none():
    a = LibraryEntry("A", "a", "X", "Number", None, "snapshot", keywords=(("widget",),))
    b = LibraryEntry("B", "b", "X", "Number", None, "snapshot", keywords=(("widget", "blue"),))
    assert match_indicator("number of widgets", [a, b]) is None  # "widget" is not "widgets"
    assert match_indicator("widget count", [a, b]).id == "A"
    assert match_indicator("blue widget count", [a, b]) is None  # either could be meant


def test_exclusions_stop_a_keyword_match_but_not_an_alias():
    entry = LibraryEntry("A", "Widgets", "X", "Number", None, "snapshot", aliases=("Red widgets",),
                         keywords=(("widget*",),), exclude=("red",))
    assert match_indicator("blue widgets", [entry]).id == "A"
    assert match_indicator("red widget total", [entry]) is None
    assert match_indicator("RED  widgets", [entry]).id == "A"


def test_normalise_name():
    assert normalise_name("% Of CP plans (2nd) – children’s") == "percent of cp plans 2nd childrens"
    assert normalise_name("Percentage of X") == "percent of x"


@pytest.mark.parametrize("text,key", [
    ("indicators: {}", "indicators"),
    ("indicators:\n  - {id: A, name: a, area: X, data_type: Dollars, measure_kind: snapshot}",
     "indicators -> 0 -> data_type"),
    ("indicators:\n  - {id: A, name: a, area: X, data_type: Number, measure_kind: snapshot, polarity: up}",
     "indicators -> 0 -> polarity"),
    ("indicators:\n  - {id: A, name: a, area: X, data_type: Number, measure_kind: weekly}",
     "indicators -> 0 -> measure_kind"),
    ("indicators:\n  - {id: A, name: a, area: X, data_type: Number, measure_kind: snapshot, keywords: [a]}",
     "indicators -> 0 -> keywords"),
    ("indicators:\n  - {id: A, name: a, area: X, data_type: Number, measure_kind: snapshot, colour: red}",
     "indicators -> 0 -> colour"),
    ("indicators:\n  - {id: A, name: a, area: X, data_type: Number, measure_kind: snapshot}\n"
     "  - {id: A, name: b, area: X, data_type: Number, measure_kind: snapshot}", "indicators -> 1 -> id"),
])
def test_a_wrong_library_file_names_the_key(tmp_path, text, key):
    path = tmp_path / "lib.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_library(path)
    assert info.value.place.key == key and info.value.place.file == str(path)
