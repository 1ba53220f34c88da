"""Configuration: defaults, merging, and one-line errors with the key path."""
from __future__ import annotations

import pytest

from kpi_xl.config import config_from_dict, load_config
from kpi_xl.errors import ConfigError


def test_defaults_match_common_practice():
    config = load_config()
    assert (config.rag.tolerance, config.rag.tolerance_mode) == (0.05, "relative")
    assert config.direction.compare_with == "previous_period"
    assert config.direction.stable_band == 0
    assert [c.name for c in config.exceptions.categories] == [
        "Green to celebrate", "Amber to watch", "Reds on watching", "Reds of concern"]


def test_council_file_merges_over_defaults(tmp_path):
    path = tmp_path / "council.yaml"
    path.write_text("rag:\n  tolerance: 0.1\nindicators:\n  CSC07: {polarity: lower}\n")
    config = load_config(path)
    assert config.rag.tolerance == 0.1
    assert config.rag.tolerance_mode == "relative"  # kept from the defaults
    assert config.for_indicator("CSC07").polarity == "lower"
    assert config.for_indicator("other").polarity is None


@pytest.mark.parametrize("text,expected", [
    ("rag:\n  tolerance: 2\n", "council.yaml: rag -> tolerance: must be between 0 and 1"),
    ("rag:\n  tolerence: 0.1\n", "council.yaml: rag -> tolerence: unknown key"),
    ("direction:\n  compare_with: last_week\n", "council.yaml: direction -> compare_with:"),
    ("indicators:\n  CSC07: {polarity: sideways}\n", "council.yaml: indicators -> CSC07 -> polarity:"),
    ("rag: [1, 2\n", "council.yaml: line 2: expected"),
    ("- just\n- a list\n", "council.yaml: expected a mapping"),
    # a RED cell reading "GREEN" would be coloured and read back as GREEN
    ("rag:\n  labels:\n    RED: GREEN\n",
     "council.yaml: rag -> labels: GREEN ('GREEN') and RED ('GREEN') read alike"),
    ("rag:\n  labels:\n    none: ' red '\n",
     "council.yaml: rag -> labels: RED ('RED') and none (' red ') read alike"),
    ("direction:\n  arrows:\n    down: '↑'\n", "council.yaml: direction -> arrows: up ('↑') and down"),
    ("direction:\n  words:\n    up: Positive\n",
     "council.yaml: direction -> words: better ('POSITIVE') and up ('Positive') read alike"),
])
def test_bad_config_is_one_line_naming_file_and_key(tmp_path, text, expected):
    path = tmp_path / "council.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert expected in message.replace(str(tmp_path) + "/", "")
    assert "\n" not in message


def test_a_council_may_rename_every_rating_and_arrow():
    config = config_from_dict({"rag": {"labels": {"RED": "Off track", "AMBER": "At risk",
                                                  "GREEN": "On track", "none": "-"}},
                               "direction": {"arrows": {"up": "▲", "down": "▼", "same": "►"}}})
    assert config.rag.labels.RED == "Off track" and config.direction.arrows.same == "►"


def test_points_tolerance_may_exceed_one():
    assert config_from_dict({"rag": {"tolerance": 2, "tolerance_mode": "points"}}).rag.tolerance == 2


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


@pytest.mark.parametrize("data, message", [
    ({"workbook": {"data_quality_sheet": ""}}, "workbook -> data_quality_sheet: a sheet name cannot be empty"),
    ({"workbook": {"charts_sheet": "Trends [Q2]"}},
     "workbook -> charts_sheet: sheet name 'Trends [Q2]' contains [ ], which Excel does not allow"),
    ({"exceptions": {"sheet_name": "Exceptions for the scrutiny committee"}},
     "exceptions -> sheet_name: sheet name 'Exceptions for the scrutiny committee' is longer than 31"),
    ({"workbook": {"charts_sheet": "History"}}, "workbook -> charts_sheet: 'History' is reserved"),
    ({"workbook": {"charts_sheet": "kpi exceptions"}},
     "workbook -> charts_sheet: 'kpi exceptions' is also exceptions -> sheet_name; each sheet"),
    ({"workbook": {"data_quality_sheet": "Summary"}, "exceptions": {"sheet_name": "SUMMARY"}},
     "workbook -> data_quality_sheet: 'Summary' is also exceptions -> sheet_name"),
])
def test_the_names_of_the_sheets_kpi_xl_writes_are_checked_with_the_config(data, message):
    """Refused when the config is read, naming the key, not at the write."""
    with pytest.raises(ConfigError) as err:
        config_from_dict(data, "council.yaml")
    assert str(err.value).startswith(f"council.yaml: {message}")


@pytest.mark.parametrize("off", [None, ""])
def test_an_empty_charts_sheet_turns_the_charts_off(off):
    assert not config_from_dict({"workbook": {"charts_sheet": off}}).workbook.charts_sheet
