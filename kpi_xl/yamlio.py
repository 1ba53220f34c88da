"""Reading the YAML files kpi-xl is given: config, indicator library, comparator settings.

One place for three things every YAML read needs:

- the C loader (``yaml.CSafeLoader``, libyaml) when PyYAML was built with
  it, about ten times faster than the pure-Python one; same results;
- a size limit checked before anything is parsed, so a 50 MB file is
  refused in one line instead of a ten-minute run;
- a cache keyed by the file's path, size and modification time, so a
  process that loads the same file again (batch refresh, UDFs, tests) parses
  it once. Callers get their own copy, never the cached object.

The shipped files a refresh reads (``config/defaults.yaml`` and
``config/indicator_library.yaml``) also have their data as JSON beside them
(``config/parsed/<name>.json``, made by ``python -m kpi_xl.yamlio``): it is
used only when the YAML's bytes are exactly those it was made from (their
SHA-256 is in it), so a refresh neither parses them nor imports PyYAML (some
20 ms of a command); an edited file is parsed as any other. Twins are made
only of data JSON gives back exactly (see :func:`write_twin`).

Errors are :class:`~kpi_xl.errors.ConfigError` naming the file (and line).
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from .errors import ConfigError, Place

MAX_BYTES = 4 << 20  # 4 MB: a council config is a few kB, the indicator library ~30 kB
_cache: dict[tuple[str, bool], tuple[tuple[int, int], object]] = {}
_CACHE_FILES = 16
TWIN_FOLDER = "parsed"  # beside the YAML: <folder>/parsed/<name>.json
TWINNED = ("defaults.yaml", "indicator_library.yaml")  # the shipped files a refresh reads


def __getattr__(name: str):
    # ``Loader`` and ``UniqueKeyLoader`` are made when first asked for, so
    # importing this module does not import PyYAML (see the module's docstring)
    if name in ("Loader", "UniqueKeyLoader"):
        return dict(zip(("Loader", "UniqueKeyLoader"), _loaders()))[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@lru_cache(maxsize=None)
def _loaders() -> tuple[type, type]:
    """The fast safe loader, and the same refusing a key given twice."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class UniqueKeyLoader(loader):  # type: ignore[misc, valid-type]
        """The fast safe loader whose mappings refuse a key given twice (YAML
        would keep the last silently, and the officer's first setting would be
        lost)."""

    UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)
    return loader, UniqueKeyLoader


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


def parse_yaml(text: str | bytes) -> object:
    """YAML text as Python data, with the fast loader."""
    import yaml

    return yaml.load(text, Loader=_loaders()[0])  # noqa: S506 - a safe loader


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
    data = _parse_file(path, unique_keys)
    if len(_cache) >= _CACHE_FILES:
        _cache.clear()
    _cache[key] = (stamp, data)
    return copy.deepcopy(data)


def _parse_file(path: Path, unique_keys: bool = False) -> object:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot be read ({exc.strerror})", Place(file=str(path))) from None
    twin = _twin_data(path, raw)
    if twin is not None:
        return twin[0]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("not a UTF-8 text file", Place(file=str(path))) from None
    return _parse_text(text, path, unique_keys)


def _parse_text(text: str, path: Path, unique_keys: bool) -> object:
    import yaml

    try:
        return yaml.load(text, Loader=_loaders()[1 if unique_keys else 0])  # noqa: S506 - a safe loader
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


def twin_path(path: str | Path) -> Path:
    """Where the JSON twin of a YAML file is (whether or not there is one)."""
    path = Path(path)
    return path.parent / TWIN_FOLDER / (path.name + ".json")


def _twin_data(path: Path, raw: bytes) -> tuple[object] | None:
    """(data,) from a shipped file's twin when it was made from exactly
    ``raw``, else None (any other file has none)."""
    if path.name not in TWINNED or not _shipped(path):
        return None
    try:
        twin = json.loads(twin_path(path).read_bytes())
    except (OSError, ValueError):
        return None  # no twin (a council's own file), or one that cannot be read: parse
    if not isinstance(twin, dict) or twin.get("sha256") != hashlib.sha256(raw).hexdigest():
        return None  # the YAML was edited since: parse it
    return (twin["data"],) if "data" in twin else None


def _shipped(path: Path) -> bool:
    from .paths import CONFIG_DIR

    return os.path.abspath(path.parent) == os.path.abspath(CONFIG_DIR)


def write_twin(path: str | Path) -> Path | None:
    """Write the JSON twin of a YAML file; None (and any old twin removed)
    when its data would not come back exactly.

    Exactly: the pure-Python loader and the fast one, with and without the
    refusal of a key given twice, all read the file; JSON gives their data
    back with every type, value and key order (no dates, sets, non-text
    keys, NaN, or one list or mapping in two places, as a YAML alias makes).
    """
    import yaml

    path = Path(path)
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    data = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506
    target = twin_path(path)
    try:
        readings = [_parse_text(text, path, unique) for unique in (False, True)]
        encoded = json.dumps({"source": path.name, "sha256": hashlib.sha256(raw).hexdigest(),
                              "data": data}, ensure_ascii=False, allow_nan=False)
    except (ConfigError, ValueError, TypeError):  # a key given twice; NaN, a date, a set
        readings, encoded = [], ""
    if not readings or not all(_same(data, x, set()) for x in (*readings, json.loads(encoded)["data"])):
        target.unlink(missing_ok=True)
        return None
    target.parent.mkdir(exist_ok=True)
    target.write_text(encoded + "\n", encoding="utf-8")
    return target


def _same(a: object, b: object, seen: set[int]) -> bool:
    """``a`` and ``b`` the same data, type for type and key order too, with no
    list or mapping of ``a`` reached twice."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (dict, list)):
        if id(a) in seen:
            return False  # shared (a YAML alias): JSON would make two
        seen.add(id(a))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(k, k2, seen) for k, k2 in zip(a, b)) \
            and all(_same(a[k], b[k], seen) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y, seen) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == b and str(a) == str(b)  # not NaN; -0.0 stays -0.0
    return isinstance(a, (str, int, bool, type(None))) and a == b


def check_entries(items: object, limit: int, place: Place, what: str) -> None:
    """Refuse a list or mapping with more than ``limit`` entries in one line."""
    if isinstance(items, (list, dict)) and len(items) > limit:
        raise ConfigError(f"{len(items)} {what}; kpi-xl reads at most {limit} "
                          "(is this the right file?)", place)


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB" if n >= 1 << 20 else f"{n / 1024:.0f} kB"


def _main() -> None:
    """``python -m kpi_xl.yamlio``: write the twins of the shipped files."""
    from .paths import CONFIG_DIR

    for name in TWINNED:
        made = write_twin(CONFIG_DIR / name)
        print(f"{name}: {made or 'no twin (its data would not come back exactly)'}")


if __name__ == "__main__":
    _main()
