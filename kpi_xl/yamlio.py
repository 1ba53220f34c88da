"""Reading the YAML files kpi-xl is given: config, indicator library, comparator settings.

One place for three things every YAML read needs:

- the C loader (``yaml.CSafeLoader``, libyaml) when PyYAML was built with
  it, about ten times faster than the pure-Python one; same results;
- a size limit checked before anything is parsed, so a 50 MB file is
  refused in one line instead of a ten-minute run;
- a cache keyed by the file's path, size and modification time, so a
  process that loads the same file again (batch refresh, UDFs, tests) parses
  it once. Callers get their own copy, never the cached object.

Errors are :class:`~kpi_xl.errors.ConfigError` naming the file (and line).
"""
from __future__ import annotations

import copy
import os
from pathlib import Path

import yaml

from .errors import ConfigError, Place

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 4 << 20  # 4 MB: a council config is a few kB, the indicator library ~30 kB
_cache: dict[tuple[str, bool], tuple[tuple[int, int], object]] = {}
_CACHE_FILES = 16


class UniqueKeyLoader(Loader):  # type: ignore[misc, valid-type]
    """The fast safe loader whose mappings refuse a key given twice (YAML
    would keep the last silently, and the officer's first setting would be
    lost)."""


def _unique_mapping(loader, node, deep=False):
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            continue
        if key in seen:
            raise ConfigError(f"line {key_node.start_mark.line + 1}: key {key!r} is given twice "
                              f"(first on line {seen[key]}); keep one")
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def parse_yaml(text: str | bytes) -> object:
    """YAML text as Python data, with the fast loader."""
    return yaml.load(text, Loader=Loader)  # noqa: S506 - a safe loader


def read_yaml(path: str | Path, *, max_bytes: int = MAX_BYTES, what: str = "config file",
              unique_keys: bool = False) -> object:
    """The data in a YAML file (None when empty).

    Raises ConfigError when the file is missing, larger than ``max_bytes``,
    not UTF-8 or not valid YAML, or (``unique_keys``) gives a key twice.
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(f"{what} not found", Place(file=str(path))) from None
    except OSError as exc:
        raise ConfigError(f"{what} cannot be read ({exc.strerror})", Place(file=str(path))) from None
    if st.st_size > max_bytes:
        raise ConfigError(f"{what} is {_size(st.st_size)}; kpi-xl reads at most {_size(max_bytes)} "
                          "(is this the right file?)", Place(file=str(path)))
    key = (os.path.abspath(path), unique_keys)
    stamp = (st.st_size, st.st_mtime_ns)
    cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return copy.deepcopy(cached[1])
    data = _parse_file(path, UniqueKeyLoader if unique_keys else Loader)
    if len(_cache) >= _CACHE_FILES:
        _cache.clear()
    _cache[key] = (stamp, data)
    return copy.deepcopy(data)


def _parse_file(path: Path, loader: type = Loader) -> object:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("not a UTF-8 text file", Place(file=str(path))) from None
    except OSError as exc:
        raise ConfigError(f"cannot be read ({exc.strerror})", Place(file=str(path))) from None
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        pass
    except ConfigError as exc:  # a key given twice
        raise ConfigError(exc.message, Place(file=str(path))) from None
    try:  # the pure-Python loader words its problems better; only paid on a bad file
        return yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError(f"{where}{problem}", Place(file=str(path))) from None


def check_entries(items: object, limit: int, place: Place, what: str) -> None:
    """Refuse a list or mapping with more than ``limit`` entries in one line."""
    if isinstance(items, (list, dict)) and len(items) > limit:
        raise ConfigError(f"{len(items)} {what}; kpi-xl reads at most {limit} "
                          "(is this the right file?)", place)


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB" if n >= 1 << 20 else f"{n / 1024:.0f} kB"
