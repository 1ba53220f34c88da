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


# ------------------------------------------------- the shipped files' JSON twins

@pytest.mark.parametrize("name", yamlio.TWINNED)
def test_each_shipped_file_a_refresh_reads_has_an_up_to_date_twin(name):
    """config/parsed/<name>.json: remade by ``python -m kpi_xl.yamlio`` after
    the YAML is edited (an out-of-date twin is only unused, never wrong)."""
    path = CONFIG_DIR / name
    twin = yamlio._twin_data(path, path.read_bytes())
    assert twin is not None, f"{name}'s twin is missing or out of date: run python -m kpi_xl.yamlio"
    parsed = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    assert yamlio._same(parsed, twin[0], set())
    assert yamlio._same(yamlio.read_yaml(path), parsed, set())


def _shipped_here(tmp_path, monkeypatch, text: str, name: str = "defaults.yaml"):
    from kpi_xl import paths

    monkeypatch.setattr(paths, "CONFIG_DIR", tmp_path)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _touch_later(path):
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))


def test_a_twin_is_read_instead_of_its_yaml_until_the_yaml_is_edited(tmp_path, monkeypatch):
    path = _shipped_here(tmp_path, monkeypatch, "rag: {tolerance: 0.1}\n")
    assert yamlio.write_twin(path) == tmp_path / "parsed" / "defaults.yaml.json"
    calls = []
    monkeypatch.setattr(yamlio, "_parse_text", lambda *a: calls.append(a) or {"parsed": True})
    assert yamlio.read_yaml(path) == {"rag": {"tolerance": 0.1}} and calls == []
    path.write_text("rag: {tolerance: 0.2}\n", encoding="utf-8")  # edited: the twin is out of date
    _touch_later(path)
    assert yamlio.read_yaml(path) == {"parsed": True} and len(calls) == 1


def test_a_twin_counts_only_for_the_shipped_files(tmp_path, monkeypatch):
    """A council's own file is always parsed, even with a twin beside it that
    matches its bytes (and says something else)."""
    import hashlib
    import json

    for name, shipped in (("council.yaml", True), ("defaults.yaml", False)):
        folder = tmp_path / name
        folder.mkdir()
        path = folder / name
        path.write_text("rag: {tolerance: 0.1}\n", encoding="utf-8")
        if shipped:
            monkeypatch.setattr("kpi_xl.paths.CONFIG_DIR", folder)  # the folder, not the name
        (folder / "parsed").mkdir()
        (folder / "parsed" / f"{name}.json").write_text(json.dumps(
            {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "data": {"planted": 1}}))
        assert yamlio.read_yaml(path) == {"rag": {"tolerance": 0.1}}, name


@pytest.mark.parametrize("text", [
    "when: 2024-04-01\n",                 # a date: JSON has none
    "tolerance: .nan\n",                  # NaN is not equal to itself
    "tolerance: .inf\n",                  # JSON has no infinity
    "1: one\n",                           # a number as a key: JSON keys are text
    "a: &x [1, 2]\nb: *x\n",              # one list in two places
    "a: 1\na: 2\n",                       # a key given twice
    "a: !!set {x, y}\n",                  # a set
    "a: !!binary aGVsbG8=\n",             # bytes
])
def test_no_twin_is_made_of_data_json_would_not_give_back_exactly(tmp_path, monkeypatch, text):
    path = _shipped_here(tmp_path, monkeypatch, "rag: {tolerance: 0.1}\n")
    assert yamlio.write_twin(path) is not None
    path.write_text(text, encoding="utf-8")
    assert yamlio.write_twin(path) is None
    assert not yamlio.twin_path(path).exists()  # the old twin is gone too


def test_a_twin_keeps_types_and_key_order(tmp_path, monkeypatch):
    text = "z: 1\na: 1.0\nm: [true, null, '1', -0.0, 1e300, 12345678901234567890]\nk: {b: x, a: y}\n"
    path = _shipped_here(tmp_path, monkeypatch, text)
    assert yamlio.write_twin(path) is not None
    data = yamlio._twin_data(path, path.read_bytes())[0]
    assert yamlio._same(data, yaml.load(text, Loader=yaml.SafeLoader), set())
    assert list(data) == ["z", "a", "m", "k"] and list(data["k"]) == ["b", "a"]
    assert type(data["z"]) is int and type(data["a"]) is float and str(data["m"][3]) == "-0.0"
    assert not yamlio._same({"a": 1}, {"a": True}, set()) and not yamlio._same([1.0], [1], set())
    assert not yamlio._same({"a": 1, "b": 2}, {"b": 2, "a": 1}, set())


def test_an_unreadable_or_wrong_twin_is_passed_over(tmp_path, monkeypatch):
    path = _shipped_here(tmp_path, monkeypatch, "rag: {tolerance: 0.1}\n")
    twin = yamlio.twin_path(path)
    twin.parent.mkdir()
    for junk in ("{not json", "[1, 2]", '{"sha256": "0"}', "\xff"):
        twin.write_text(junk, encoding="latin-1")
        assert yamlio._twin_data(path, path.read_bytes()) is None
        assert yamlio.read_yaml(path) == {"rag": {"tolerance": 0.1}}
        _touch_later(path)
