"""The polarity of DfE's LAIT measures, shipped as a catalogue (``data/lait_measures.csv``).

Source: the Department for Education's Local Authority Interactive Tool
(LAIT) data dictionary, 2024 edition (``LAIT_data_dictionary_2024.xlsx``,
sheet ``Data_prod``: Measure_code, Measure, Chart_title, Topic, Polarity).
``python -m kpi_xl.lait DICTIONARY.xlsx`` rebuilds the CSV from it.

A council's indicator name is matched to a measure only when the match is
strong and not contradictory: every significant word of the measure's name
or chart title appears in the council's name (and most of the council's
words are the measure's), the two do not state opposite quantities ("fewer
than 3 placements" is not "three or more placements"), and no equally good
match has the other polarity. A weak match is no match. The sheet and the
council's config always win over the catalogue.
"""
from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .name_match import normalise_name

CATALOGUE = Path(__file__).resolve().parent / "data" / "lait_measures.csv"
SOURCE = ("DfE Local Authority Interactive Tool (LAIT) data dictionary 2024, "
          "LAIT_data_dictionary_2024.xlsx, sheet Data_prod")
_POLARITY = {"high": "higher", "low": "lower"}
_STOP = set("""a an and the of in to for with by on at who which were was are is its their
their be being as per from or than that this those these into within between during
whom has have having had all any up""".split())


def _numbers(words: set[str]) -> set[str]:
    return {w for w in words if w.isdigit()}
_NOISE = {"discontinued", "num", "number", "percent", "percentage", "rate", "rates", "time",
          "la", "las", "local", "authority", "authorities"}
# Words that state a quantity one way or the other: a name with one side
# never matches a measure with the other.
_FEWER = {"fewer", "less", "under", "below", "without", "not", "no", "neet", "non"}
_MORE = {"more", "over", "above", "least", "plus"}
MIN_SHARED = 3  # significant words in common, at least
MIN_STRENGTH = 0.6  # of the council's words, the share that are the measure's
MAX_EXTRA = 2  # council words beyond the measure's, at most


@dataclass(frozen=True)
class LaitMeasure:
    code: str
    measure: str
    chart_title: str
    topic: str
    polarity: str | None  # "higher" | "lower" | None

    @property
    def id(self) -> str:
        return f"LAIT-{self.code}"


@lru_cache(maxsize=1)
def load_catalogue(path: str | None = None) -> tuple[LaitMeasure, ...]:
    with open(path or CATALOGUE, encoding="utf-8", newline="") as handle:
        rows = [line for line in handle if not line.startswith("#")]
    return tuple(LaitMeasure(r["code"], r["measure"], r["chart_title"], r["topic"],
                             r["polarity"] or None) for r in csv.DictReader(rows))


_EXPAND = {"lac": ("looked", "after", "children"), "cla": ("children", "looked", "after"),
           "eet": ("education", "employment", "training"), "child": ("children",),
           "months": ("month",), "mths": ("month",), "placements": ("placement",),
           "families": ("family",), "referrals": ("referral",), "rereferrals": ("re", "referral")}


def _words(text: str) -> set[str]:
    words: set[str] = set()
    for w in normalise_name(text).split():
        words.update(_EXPAND.get(w, (w,)))
    return {w for w in words if w not in _STOP}


def contradicts(a: str, b: str) -> bool:
    """Whether two names state opposite quantities or one negates the other."""
    wa, wb = set(normalise_name(a).split()), set(normalise_name(b).split())
    if (wa & _FEWER) and (wb & _MORE) and not (wa & _MORE):
        return True
    if (wb & _FEWER) and (wa & _MORE) and not (wb & _MORE):
        return True
    negation = {"not", "neet", "non"}
    return bool(wa & negation) != bool(wb & negation)


def _significant(name: str) -> frozenset[str]:
    """The words of a measure's name a council's name must all have."""
    return frozenset(_words(name) - _NOISE)


def _strength(council: set[str], wanted: frozenset[str]) -> float:
    """How strongly a council's words mean a measure name of ``wanted`` words."""
    mine = council - _NOISE
    if len(wanted) < MIN_SHARED or not wanted <= mine or len(mine - wanted) > MAX_EXTRA:
        return 0.0  # every word of the measure in the council's name, and little else
    if _numbers(mine) != _numbers(wanted):
        return 0.0  # "16 months" is not "14 months"
    return len(wanted) / len(mine)


@dataclass(frozen=True)
class _Catalogue:
    """The measures with a polarity, each with the significant words of its
    name and of its chart title, and which of them a council word can lead to."""

    measures: tuple[tuple[LaitMeasure, frozenset[str], frozenset[str]], ...]
    # word -> positions in ``measures``: a measure is strong only for a name
    # having every word of its name or its chart title, so one word of each
    # (the rarest) is enough to find it
    by_word: dict[str, tuple[int, ...]]

    def candidates(self, council: set[str]) -> list[int]:
        found: set[int] = set()
        for word in council:
            found.update(self.by_word.get(word, ()))
        return sorted(found)


@lru_cache(maxsize=4)
def _indexed(catalogue: tuple[LaitMeasure, ...]) -> _Catalogue:
    measures = tuple((m, _significant(m.measure), _significant(m.chart_title))
                     for m in catalogue if m.polarity is not None)
    count: dict[str, int] = {}
    for _m, *names in measures:
        for word in set().union(*names):
            count[word] = count.get(word, 0) + 1
    by_word: dict[str, list[int]] = {}
    for position, (_m, *names) in enumerate(measures):
        for wanted in names:
            if len(wanted) >= MIN_SHARED:  # a shorter name is never strong
                rarest = min(sorted(wanted), key=lambda w: count[w])
                if position not in by_word.setdefault(rarest, []):
                    by_word[rarest].append(position)
    return _Catalogue(measures, {w: tuple(p) for w, p in by_word.items()})


def match_lait(name: object, catalogue: tuple[LaitMeasure, ...] | None = None) -> LaitMeasure | None:
    """The one LAIT measure with a polarity that ``name`` strongly means, or None."""
    text = str(name or "")
    council = _words(text)
    if len(council) < MIN_SHARED:
        return None
    index = _indexed(catalogue) if catalogue is not None else _shipped_index()
    scored: list[tuple[float, LaitMeasure]] = []
    for position in index.candidates(council):
        measure, in_name, in_title = index.measures[position]
        strength = max(_strength(council, in_name), _strength(council, in_title))
        if strength < MIN_STRENGTH:
            continue
        if contradicts(text, measure.measure) or contradicts(text, measure.chart_title):
            continue
        scored.append((strength, measure))
    if not scored:
        return None
    best = max(s for s, _m in scored)
    top = [m for s, m in scored if s == best]
    if len({m.polarity for m in top}) != 1:
        return None  # equally good matches that disagree: do not guess
    return top[0]


@lru_cache(maxsize=1)
def _shipped_index() -> _Catalogue:
    """The shipped catalogue's index (built once; hashing the catalogue per name would cost more)."""
    return _indexed(load_catalogue())


# -------------------------------------------------------------- building the CSV

def build_catalogue(dictionary: str | Path, out: str | Path = CATALOGUE) -> int:
    """Write the catalogue from the LAIT data dictionary; returns the rows written."""
    from openpyxl import load_workbook

    book = load_workbook(dictionary, read_only=True, data_only=True)
    rows = list(book["Data_prod"].iter_rows(values_only=True))
    head = [str(h).strip() if h is not None else "" for h in rows[0]]
    at = {name: head.index(name) for name in ("Topic", "Measure_code", "Measure", "Chart_title", "Polarity")}
    written = 0
    with open(out, "w", encoding="utf-8", newline="") as handle:
        handle.write(f"# source: {SOURCE}\n")
        handle.write("# polarity: higher = LAIT 'High' (higher is better), lower = 'Low', empty = '-' or none\n")
        writer = csv.writer(handle)
        writer.writerow(["code", "measure", "chart_title", "topic", "polarity"])
        for row in rows[1:]:
            measure = _clean(row[at["Measure"]])
            if not measure:
                continue
            polarity = _POLARITY.get(_clean(row[at["Polarity"]]).lower(), "")
            writer.writerow([_clean(row[at["Measure_code"]]), measure, _clean(row[at["Chart_title"]]),
                             _clean(row[at["Topic"]]), polarity])
            written += 1
    return written


def _clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


if __name__ == "__main__":  # python -m kpi_xl.lait LAIT_data_dictionary_2024.xlsx
    print(f"{build_catalogue(sys.argv[1])} measures written to {CATALOGUE}")
