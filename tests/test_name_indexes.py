"""The name indexes only narrow which entries are tried: the library's keyword
index (library._Index.candidates) and the LAIT catalogue's word index
(lait._Catalogue.candidates). Matching a name through them picks the same
entry as trying every entry in turn, as match_indicator and match_lait once did."""
from __future__ import annotations

import functools
import itertools

import pytest

from kpi_xl import lait
from kpi_xl.lait import contradicts, load_catalogue, match_lait
from kpi_xl.library import LibraryEntry, _term_pattern, load_library, match_indicator, normalise_name
from tests.layout_set import LAYOUTS


def scan_every_entry(name: object, entries: list[LibraryEntry]) -> LibraryEntry | None:
    """The match by the library's rule, every entry tried: an exact alias,
    else the one entry with a keyword list wholly in the name, none of its
    exclusions there and no contradiction."""
    key = normalise_name(name)
    if not key:
        return None
    exact = [e for e, keys in _alias_keys(tuple(entries)) if key in keys]
    if exact:
        return exact[0] if len(exact) == 1 else None

    def found(term: str) -> bool:
        pattern = _term_pattern(term)
        return bool(pattern and pattern.search(key))

    scored = [e for e in entries
              if any(all(found(t) for t in group) for group in e.keywords)
              and not any(found(x) for x in e.exclude) and not contradicts(str(name), e.name)]
    return scored[0] if len(scored) == 1 else None


@functools.lru_cache(maxsize=None)
def _alias_keys(entries: tuple[LibraryEntry, ...]) -> list[tuple[LibraryEntry, set[str]]]:
    return [(e, {normalise_name(t) for t in (e.name, *e.aliases)}) for e in entries]


def _keyword_names(entry: LibraryEntry) -> list[str]:
    """Names built from an entry's keywords: each group's words in order, with
    prefixes completed ("referral*" -> "referrals"), words round them, an
    exclusion added, and two groups together."""
    names = []
    for group in entry.keywords:
        words = " ".join(t.replace("*", "s") for t in group)
        bare = " ".join(t.replace("*", "") for t in group)
        names += [words, bare, f"Percentage of {words} in year", f"{bare} (rate per 10,000)",
                  f"Number not {words}", f"{words} fewer than 3"]
        names += [f"{words} {x.replace('*', '')}" for x in entry.exclude]
    for a, b in itertools.combinations(entry.keywords, 2):
        names.append(" ".join(t.replace("*", "ing") for t in a + b))
    return names


def _names() -> list[str]:
    names: list[str] = []
    library = load_library()
    for entry in library:
        names += [entry.name, entry.name.upper(), f"% {entry.name}", f"{entry.name} (provisional)",
                  *entry.aliases, *_keyword_names(entry)]
    for a, b in zip(library, library[1:]):  # two entries' words in one name: ambiguous
        names.append(f"{a.name} and {b.name}")
    for measure in load_catalogue():
        names += [measure.measure, measure.chart_title]
    for layout in LAYOUTS:
        names += [truth.name for truth in layout.truth]
    return names + ["", "   ", "%", "re", "referral", "referrals received", "Referral rate per 10 000",
                    "Re-referrals within 12 months of a previous referral", None, 45, "45 days"]


NAMES = _names()


def test_the_names_reach_many_entries_and_ambiguity():
    library = load_library()
    picked = {scan_every_entry(name, library) for name in NAMES}
    assert len(picked - {None}) >= 0.8 * len(library)
    assert sum(scan_every_entry(n, library) is None for n in NAMES) > 100


@pytest.mark.parametrize("chunk", range(4))
def test_the_index_picks_what_a_scan_of_every_entry_picks(chunk):
    library = load_library()
    for name in NAMES[chunk::4]:
        assert match_indicator(name) == scan_every_entry(name, library), name


def test_a_library_of_the_councils_own_is_indexed_too():
    library = [
        LibraryEntry("A", "Alpha", "x", "Number", "higher", "snapshot",
                     keywords=(("foster*", "carer"), ("respite",))),
        LibraryEntry("B", "Beta", "x", "Number", "lower", "snapshot",
                     keywords=(("fostering households",),), exclude=("respite",)),
        LibraryEntry("C", "Gamma", "x", "Number", "lower", "snapshot", keywords=(("*",), ("10,000 x*",))),
        LibraryEntry("D", "Delta", "x", "Number", "lower", "snapshot", keywords=(("adopt*", "match*"),)),
    ]
    names = ["foster carers", "fostering carer", "foster carers respite", "fostering households",
             "fostering households carer", "respite fostering households", "carer foster", "*",
             "per 10000 xyz", "per 10 000 x", "per 10000x", "adopters matched", "matching adoption",
             "adopt match", "adoptions", "re adopt matching"]
    for name in names:
        assert match_indicator(name, library) == scan_every_entry(name, library), name
    assert match_indicator("foster carer", library).id == "A"
    assert match_indicator("fostering households", library).id == "B"
    assert match_indicator("per 10,000 xyz", library).id == "C"
    assert match_indicator("Children adopted: matches in year", library).id == "D"


def test_a_term_is_compiled_when_a_name_first_needs_it_and_once():
    from kpi_xl.library import _index

    library = load_library()
    index = _index.__wrapped__(tuple(library))  # a fresh index, not the cached one
    assert index.compiled == {}
    entry = next(e for e in library if e.keywords)
    name = "Percentage of " + " ".join(t.replace("*", "s") for t in entry.keywords[0]) + " in year"
    assert index.match(name) == scan_every_entry(name, library) == entry
    tried = dict(index.compiled)
    assert 0 < len(tried) < 20  # the terms of the few entries tried, not the library's hundreds
    assert all(pattern is _term_pattern(term) for term, pattern in tried.items())
    index.match(name)
    assert index.compiled == tried


@functools.lru_cache(maxsize=None)
def _with_polarity() -> list[tuple[lait.LaitMeasure, frozenset[str], frozenset[str]]]:
    """Every measure with a polarity, with its name's and chart title's significant words."""
    def significant(text: str) -> frozenset[str]:
        return frozenset(lait._words(text) - lait._NOISE)
    return [(m, significant(m.measure), significant(m.chart_title))
            for m in load_catalogue() if m.polarity is not None]


def scan_every_measure(name: object) -> lait.LaitMeasure | None:
    """The LAIT match by its rule, every measure with a polarity tried."""
    text = str(name or "")
    council = lait._words(text)
    if len(council) < lait.MIN_SHARED:
        return None
    scored = []
    for measure, in_name, in_title in _with_polarity():
        strength = max(lait._strength(council, in_name), lait._strength(council, in_title))
        if strength >= lait.MIN_STRENGTH and not contradicts(text, measure.measure) \
                and not contradicts(text, measure.chart_title):
            scored.append((strength, measure))
    if not scored:
        return None
    best = max(s for s, _m in scored)
    top = [m for s, m in scored if s == best]
    return top[0] if len({m.polarity for m in top}) == 1 else None


def _lait_names() -> list[str]:
    names = []
    for measure in load_catalogue():
        for text in (measure.measure, measure.chart_title):
            names += [text, f"Number not {text} in the year", " ".join(text.split()[:-1])]
    return names + NAMES[::3]


LAIT_NAMES = _lait_names()


def test_the_lait_names_reach_many_measures():
    picked = {scan_every_measure(name) for name in LAIT_NAMES[::5]}
    assert len(picked - {None}) >= 100


@pytest.mark.parametrize("chunk", range(4))
def test_the_lait_index_picks_what_a_scan_of_every_measure_picks(chunk):
    for name in LAIT_NAMES[chunk::4]:
        assert match_lait(name) == scan_every_measure(name), name
