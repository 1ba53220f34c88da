"""`kpi-xl comparators import` and `show` on the real DfE files."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from kpi_xl.cli.comparators import app

C1 = "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
SN_2025 = "sn_model_2025_wide.csv"

runner = CliRunner()


@pytest.fixture(scope="module")
def imported(dfe_dir, tmp_path_factory):
    store = tmp_path_factory.mktemp("cli") / "kpi-comparators.sqlite"
    result = runner.invoke(app, ["import", str(dfe_dir / C1), str(dfe_dir / SN_2025),
                                 "--store", str(store), "--json"])
    assert result.exit_code == 0, result.output
    return store, json.loads(result.stdout)


def test_import_reports_each_file(imported):
    store, report = imported
    assert report["store"] == str(store)
    first, second = report["imported"]
    assert first["dataset"] == "referrals_c1" and "rereferral_percent" in first["measures"]
    assert first["periods"][0] == "2013" and first["periods"][-1] == "2025"
    assert second["kind"] == "neighbours" and second["dataset"] == "2025"


def test_import_text_output(dfe_dir, tmp_path):
    store = tmp_path / "s.sqlite"
    result = runner.invoke(app, ["import", str(dfe_dir / C1), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "referrals_c1" in result.stdout and "2013 to 2025" in result.stdout


def test_show_json_by_name_and_by_code(dfe_dir, imported):
    store, _ = imported
    outputs = []
    for la in ("North Somerset", "802", "E06000024"):
        result = runner.invoke(app, ["show", "--la", la, "--measure", "rereferral_percent",
                                     "--year", "2024", "--json", "--store", str(store)])
        assert result.exit_code == 0, result.output
        outputs.append(json.loads(result.stdout))
    assert outputs[0] == outputs[1] == outputs[2]
    answer = outputs[0]
    data = pd.read_csv(dfe_dir / C1, dtype=str, keep_default_na=False)
    year = data[data["time_period"] == "2024"]
    england = float(year[year["geographic_level"] == "National"]["rereferral_percent"].iloc[0])
    own = float(year[year["old_la_code"] == "802"]["rereferral_percent"].iloc[0])
    assert answer["own"]["value"] == own and answer["own"]["year"] == "2023-24"
    assert answer["own"]["dfe_year"] == "2024" and answer["own"]["time_period"] == "2024"
    assert answer["england"]["value"] == england
    assert answer["sn"]["statistic"] == "mean" and answer["sn"]["grouping"] == "2025"
    assert answer["sn"]["count"] == len([n for n in answer["sn"]["neighbours"] if n["value"] is not None])
    assert answer["region"]["name"] == "South West"


def test_show_text(imported):
    store, _ = imported
    result = runner.invoke(app, ["show", "--la", "Wokingham", "-m", "rereferral_percent",
                                 "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Wokingham (872, E06000041)")
    assert "England" in result.stdout and "2025" in result.stdout


def test_show_an_unknown_council_is_one_line_and_exit_2(imported):
    store, _ = imported
    result = runner.invoke(app, ["show", "--la", "Wokinghm", "-m", "rereferral_percent",
                                 "--store", str(store)])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unknown council 'Wokinghm'; closest: Wokingham" in result.stderr


def test_show_without_a_store_is_exit_2(tmp_path):
    result = runner.invoke(app, ["show", "--la", "802", "-m", "rereferral_percent",
                                 "--store", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 2
    assert "comparator store not found" in result.stderr


def test_import_of_a_missing_file_is_exit_2(tmp_path):
    result = runner.invoke(app, ["import", str(tmp_path / "nope.csv"),
                                 "--store", str(tmp_path / "s.sqlite")])
    assert result.exit_code == 2
    assert "nope.csv: file not found" in result.stderr
    assert not (tmp_path / "s.sqlite").exists()  # no empty store left for a refresh to find


def test_show_uses_the_store_named_in_the_config(imported, tmp_path):
    store, _ = imported
    config = tmp_path / "council.yaml"
    config.write_text(f"comparators:\n  store: {store}\n  sn_statistic: median\n")
    result = runner.invoke(app, ["show", "--la", "802", "-m", "rereferral_percent",
                                 "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sn"]["statistic"] == "median"


def test_measures_lists_the_catalogue():
    result = runner.invoke(app, ["measures", "--json"])
    assert result.exit_code == 0, result.output
    keys = {row["measure"] for row in json.loads(result.stdout)}
    assert {"rereferral_percent", "cla_rate", "cp_subsequent_percent", "sw_turnover_percent"} <= keys


def test_every_command_help_has_an_example():
    for command in ("import", "show", "measures"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "Example:" in result.stdout and "kpi-xl comparators " + command in result.stdout
