"""The standard children's services indicator library (config/indicator_library.yaml).

It gives an indicator found in a council's workbook what the sheet does not
say: its polarity, data type, measure kind and the DfE comparator measure.
Matching a council's wording to an entry is conservative: an exact alias
(case, spacing and punctuation ignored), or every word of one of the
entry's keyword lists; when two entries match, none is used.

``kpi-xl new`` builds a template workbook from :func:`load_library`.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from .errors import ConfigError, Place
from .name_match import THOUSANDS as _THOUSANDS
from .name_match import normalise_name  # noqa: F401  (kept here for callers)
from .paths import CONFIG_DIR
from .yamlio import check_entries, read_yaml

LIBRARY_FILE = CONFIG_DIR / "indicator_library.yaml"
MAX_ENTRIES = 10_000  # LAIT has about 410 measures

DATA_TYPES = ("Number", "Percentage", "Rate per 10,000 children", "Days", "Average", "Ratio")
_DATA_TYPE_SPELLINGS = {t.lower(): t for t in DATA_TYPES} | {"rate per 10,000": "Rate per 10,000 children"}
MEASURE_KINDS = ("in_quarter", "snapshot", "cumulative_ytd", "rolling_12m")
POLARITIES = ("higher", "lower")
UNITS = ("percent", "number", "rate", "days", "ratio")


@dataclass(frozen=True)
class LibraryEntry:
    id: str
    name: str
    area: str
    data_type: str
    polarity: str | None  # "higher" | "lower" | None
    measure_kind: str
    unit: str | None = None
    dfe_measure: str | None = None
    aliases: tuple[str, ...] = ()
    keywords: tuple[tuple[str, ...], ...] = ()
    exclude: tuple[str, ...] = ()


def load_library(path: str | Path | None = None) -> list[LibraryEntry]:
    """Every entry of the library, in file order. Raises ConfigError naming
    the entry and key when the file is wrong."""
    path = str(path or LIBRARY_FILE)
    return list(_load(path, _stamp(path)))


def _stamp(path: str) -> tuple[int, int] | None:
    """Size and mtime: an edited library is read again, an unchanged one once."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _shipped() -> tuple[LibraryEntry, ...]:
    path = str(LIBRARY_FILE)
    return _load(path, _stamp(path))


@lru_cache(maxsize=4)
def _load(path: str, _stamp: tuple[int, int] | None = None) -> tuple[LibraryEntry, ...]:
    data = read_yaml(path, what="indicator library")
    items = (data or {}).get("indicators") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ConfigError("expected a list under 'indicators'", Place(file=path, key="indicators"))
    check_entries(items, MAX_ENTRIES, Place(file=path, key="indicators"), "library entries")
    entries, seen = [], set()
    for index, item in enumerate(items):
        entry = _entry(item, path, index)
        if entry.id in seen:
            raise ConfigError("duplicate id", Place(file=path, key=f"indicators -> {index} -> id"))
        seen.add(entry.id)
        entries.append(entry)
    return tuple(entries)


def _entry(item: object, path: str, index: int) -> LibraryEntry:
    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(message, Place(file=path, key=f"indicators -> {index} -> {key}"))

    if not isinstance(item, dict):
        raise ConfigError("expected a mapping", Place(file=path, key=f"indicators -> {index}"))
    known = {"id", "name", "area", "data_type", "polarity", "measure_kind", "unit",
             "dfe_measure", "aliases", "keywords", "exclude"}
    for key in item:
        if key not in known:
            raise fail(str(key), "unknown key")
    for key in ("id", "name", "area", "data_type", "measure_kind"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise fail(key, "required text")
    data_type = _DATA_TYPE_SPELLINGS.get(item["data_type"].lower())
    if data_type is None:
        raise fail("data_type", f"must be one of {', '.join(DATA_TYPES)}")
    polarity = item.get("polarity")
    polarity = None if polarity in (None, "none", "None") else polarity
    if polarity is not None and polarity not in POLARITIES:
        raise fail("polarity", "must be higher, lower or none")
    if item["measure_kind"] not in MEASURE_KINDS:
        raise fail("measure_kind", f"must be one of {', '.join(MEASURE_KINDS)}")
    unit = item.get("unit")
    if unit is not None and unit not in UNITS:
        raise fail("unit", f"must be one of {', '.join(UNITS)}")
    aliases = _texts(item.get("aliases") or [])
    keywords = [_texts(k) if isinstance(k, list) else k for k in item.get("keywords") or []]
    exclude = _texts(item.get("exclude") or [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise fail("aliases", "must be a list of names")
    if not isinstance(keywords, list) or not all(
            isinstance(k, list) and k and all(isinstance(w, str) for w in k) for k in keywords):
        raise fail("keywords", "must be a list of word lists, e.g. [[re referral*, 12 month*]]")
    if not isinstance(exclude, list) or not all(isinstance(w, str) for w in exclude):
        raise fail("exclude", "must be a list of words")
    return LibraryEntry(
        id=item["id"].strip(), name=item["name"].strip(), area=item["area"].strip(),
        data_type=data_type, polarity=polarity, measure_kind=item["measure_kind"], unit=unit,
        dfe_measure=item.get("dfe_measure"),
        aliases=tuple(aliases), keywords=tuple(tuple(k) for k in keywords), exclude=tuple(exclude))


def _texts(items: object) -> object:
    """A YAML list with bare numbers (45, 2.5) read as the words they are."""
    if not isinstance(items, list):
        return items
    return [str(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else x for x in items]


# -------------------------------------------------------------- matching

@lru_cache(maxsize=4096)
def _term_words(term: str) -> tuple[tuple[str, bool], ...]:
    """A keyword phrase as the normalised words a name must have in a row:
    (word, whether it is a prefix: "referral*" is any word starting so)."""
    words: list[tuple[str, bool]] = []
    for token in _THOUSANDS.sub("", term).split():
        parts = normalise_name(token.rstrip("*")).split()
        prefix = token.endswith("*")
        words.extend((w, prefix and i == len(parts) - 1) for i, w in enumerate(parts))
    return tuple(words)


@lru_cache(maxsize=4096)
def _term_pattern(term: str) -> re.Pattern | None:
    """A keyword phrase as a regex over a normalised name: whole words,
    "referral*" a word prefix."""
    words = [re.escape(w) + ("[a-z0-9]*" if prefix else "") for w, prefix in _term_words(term)]
    if not words:
        return None
    return re.compile(r"(?:^| )" + " ".join(words) + r"(?= |$)")


def _group_words(group: tuple[str, ...]) -> list[tuple[str, bool]] | None:
    """Every word a name matching the keyword group has (a whole word of the
    name, or for a prefix the start of one); None for a group that matches nothing."""
    if not group or any(not _term_words(term) for term in group):
        return None
    return [w for term in group for w in _term_words(term)]


@dataclass(frozen=True)
class _Index:
    aliases: dict[str, tuple[LibraryEntry, ...]]
    # per entry: its keyword groups and exclusions as the terms they are; a
    # term's pattern is compiled when a name first needs it (:meth:`pattern`),
    # as a refresh tries few of the library's hundreds
    patterns: tuple[tuple[LibraryEntry, tuple[tuple[str, ...], ...], tuple[str, ...]], ...]
    # which entries (positions in ``patterns``) a name can match by keywords: by a
    # whole word of the name, and by a start of one (prefix -> positions)
    by_word: dict[str, tuple[int, ...]]
    by_prefix: dict[str, tuple[int, ...]]
    # per entry, per keyword group: the whole words its terms need in a name (a
    # group whose words are not all in the name cannot match; its patterns go unsearched)
    needs: tuple[tuple[frozenset[str], ...], ...] = ()
    compiled: dict[str, re.Pattern | None] = field(default_factory=dict)  # term -> pattern
    by_any: dict[str, tuple[int, ...]] = field(default_factory=dict)  # word -> :meth:`anchored`

    def pattern(self, term: str) -> re.Pattern | None:
        """The term's :func:`_term_pattern` (None: matches nothing), compiled once per index."""
        try:
            return self.compiled[term]
        except KeyError:
            found = self.compiled[term] = _term_pattern(term)
            return found

    def candidates(self, key: str) -> list[int]:
        """Positions of the entries whose keywords can match the name ``key``
        (in library order): each keyword group has an anchor, one of its words
        (:func:`_index`), so only entries with an anchor in the name are tried."""
        found: set[int] = set()
        known = self.by_any
        for word in key.split(" "):
            positions = known.get(word)
            found.update(self.anchored(word) if positions is None else positions)
        return sorted(found)

    def anchored(self, word: str) -> tuple[int, ...]:
        """Positions of the entries anchored by ``word`` (the word itself, or
        a start of it), found once per word: names share most of their words."""
        try:
            return self.by_any[word]
        except KeyError:
            found = set(self.by_word.get(word, ()))
            if self.by_prefix:
                for end in range(1, len(word) + 1):
                    found.update(self.by_prefix.get(word[:end], ()))
            if len(self.by_any) >= _MAX_WORDS:
                self.by_any.clear()
            positions = self.by_any[word] = tuple(found)
            return positions

    def match(self, name: object) -> LibraryEntry | None:
        """:func:`match_indicator` over this index."""
        key = normalise_name(name)
        if not key:
            return None
        exact = self.aliases.get(key)
        if exact:
            return exact[0] if len(exact) == 1 else None
        scored: list[LibraryEntry] = []
        words = None
        for position in self.candidates(key):
            entry, groups, exclude = self.patterns[position]
            words = words or frozenset(key.split(" "))
            hit = _keywords_match(groups, key, self.needs[position], words, self.pattern)
            if hit and not any((x := self.pattern(term)) is not None and x.search(key)
                               for term in exclude):
                from .lait import contradicts  # here: few names get this far

                if not contradicts(str(name), entry.name):
                    scored.append(entry)  # "fewer than 3 placements" never means "3 or more placements"
        if len(scored) != 1:
            return None  # nothing, or two entries could be meant: do not guess
        return scored[0]


_MAX_WORDS = 1 << 16  # words an index remembers the anchored entries of


@lru_cache(maxsize=4)
def _index(entries: tuple[LibraryEntry, ...]) -> _Index:
    aliases: dict[str, list[LibraryEntry]] = {}
    for entry in entries:
        for text in (entry.name, *entry.aliases):
            bucket = aliases.setdefault(normalise_name(text), [])
            if entry not in bucket:
                bucket.append(entry)
    patterns = tuple((entry, entry.keywords, entry.exclude) for entry in entries)
    groups = [(position, words) for position, entry in enumerate(entries) for group in entry.keywords
              if (words := _group_words(group)) is not None]
    used: dict[tuple[str, bool], int] = {}
    for _position, words in groups:
        for word in set(words):
            used[word] = used.get(word, 0) + 1
    anchors: dict[tuple[str, bool], list[int]] = {}
    for position, words in groups:
        # one word of the group is enough to find it: a whole word before a
        # prefix, the rarest in the library, then the longest
        anchor = min(words, key=lambda w: (w[1], used[w], -len(w[0]), w[0]))
        if position not in anchors.setdefault(anchor, []):
            anchors[anchor].append(position)
    needs = tuple(tuple(frozenset(w for term in group for w, prefix in _term_words(term) if not prefix)
                        for group in entry.keywords) for entry in entries)
    return _Index({k: tuple(v) for k, v in aliases.items()}, patterns,
                  by_word={w: tuple(p) for (w, prefix), p in anchors.items() if not prefix},
                  by_prefix={w: tuple(p) for (w, prefix), p in anchors.items() if prefix},
                  needs=needs)


def _keywords_match(groups: tuple[tuple[str, ...], ...], key: str,
                    needs: tuple[frozenset[str], ...], words: frozenset[str],
                    pattern_of: Callable[[str], re.Pattern | None] = _term_pattern) -> bool:
    """Some group whose every term's pattern is in ``key`` (``words``, its
    words; ``needs``, each group's whole words: a pattern matches only where
    its whole words are words of the name; ``pattern_of``, a term's pattern)."""
    for group, needed in zip(groups, needs):
        if not needed <= words:
            continue
        for term in group:
            pattern = pattern_of(term)
            if pattern is None or not pattern.search(key):
                break
        else:
            return True
    return False


def indicator_matcher(library: list[LibraryEntry] | None = None
                      ) -> Callable[[object], LibraryEntry | None]:
    """:func:`match_indicator` for one library, its index looked up once
    (the reader matches every indicator of a workbook with one)."""
    entries = tuple(library) if library is not None else _shipped()
    return _index(entries).match


def match_indicator(name: object, library: list[LibraryEntry] | None = None) -> LibraryEntry | None:
    """The library entry a council's indicator name means, or None.

    An exact alias wins; else the one entry one of whose keyword lists is
    wholly in the name (and none of whose exclusions is). When keywords of
    two entries match, the name could mean either: no match.
    """
    return indicator_matcher(library)(name)


def entry_by_id(ident: str, library: list[LibraryEntry] | None = None) -> LibraryEntry | None:
    for entry in library if library is not None else _shipped():
        if entry.id == ident:
            return entry
    return None
