"""YAML reading: fast loader, limits in one line, cache by mtime."""
from __future__ import annotations

import os

import pytest
import yaml

from kpi_xl import yamlio
from kpi_xl.config import load_config
from kpi_xl.errors import ConfigError
from kpi_xl.library import load_library
from kpi_xl.paths import CONFIG_DIR


@pytest.mark.parametrize("name", ["defaults.yaml", "indicator_library.yaml", "comparators.yaml"])
def test_fast_loader_reads_the_shipped_files_as_the_pure_loader_does(name):
    text = (CONFIG_DIR / name).read_text(encoding="utf-8")
    assert yamlio.parse_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader)


def test_c_loader_is_used_when_pyyaml_has_it():
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML built without libyaml")
    assert yamlio.Loader is yaml.CSafeLoader


def test_oversized_config_is_refused_in_one_line(tmp_path, monkeypatch):
    path = tmp_path / "council.yaml"
    path.write_text("indicators:\n" + "".join(f"  X{i}: {{polarity: lower}}\n" for i in range(4000)))
    monkeypatch.setattr(yamlio, "MAX_BYTES", 1000)
    with pytest.raises(ConfigError) as err:
        yamlio.read_yaml(path, max_bytes=yamlio.MAX_BYTES)
    message = str(err.value)
    assert "\n" not in message and "council.yaml" in message and "at most" in message


def test_a_50_mb_config_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "w") as fh:
        fh.write("indicators:\n")
        line = "  CSC{0}: {{polarity: lower, tolerance: 0.05}}\n"
        for i in range(0, 1_300_000):
            fh.write(line.format(i))
    assert path.stat().st_size > 50e6
    with pytest.raises(ConfigError, match=r"huge.yaml: config file is \d+\.\d MB; kpi-xl reads at most 4.0 MB"):
        load_config(path)


def test_too_many_indicator_entries_is_one_line_with_the_key(tmp_path, monkeypatch):
    from kpi_xl import config as config_module

    monkeypatch.setattr(config_module, "MAX_INDICATOR_ENTRIES", 50)
    path = tmp_path / "council.yaml"
    path.write_text("indicators:\n" + "".join(f"  X{i}: {{polarity: lower}}\n" for i in range(51)))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).endswith("council.yaml: indicators: 51 indicator entries; kpi-xl reads at most 50 "
                                   "(is this the right file?)")


def test_cache_gives_copies_and_rereads_an_edited_file(tmp_path):
    path = tmp_path / "council.yaml"
    path.write_text("rag: {tolerance: 0.1}\n")
    first = yamlio.read_yaml(path)
    first["rag"]["tolerance"] = 99
    assert yamlio.read_yaml(path) == {"rag": {"tolerance": 0.1}}
    path.write_text("rag: {tolerance: 0.25}\n")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
    assert yamlio.read_yaml(path) == {"rag": {"tolerance": 0.25}}


def test_library_is_read_again_when_the_file_changes(tmp_path):
    path = tmp_path / "library.yaml"
    entry = ("indicators:\n- {id: A1, name: First, area: Front door, data_type: Number, "
             "polarity: lower, measure_kind: snapshot}\n")
    path.write_text(entry)
    assert [e.id for e in load_library(path)] == ["A1"]
    path.write_text(entry.replace("A1", "B2"))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
    assert [e.id for e in load_library(path)] == ["B2"]
