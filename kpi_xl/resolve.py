"""One reading of each indicator: the frozen input every rating decision takes.

The refresh (``rules.rate_indicator``), the formula writer (``planning.indicator_tables``) and
the worksheet functions (``excel.udfs``) all rate from a :class:`RatingInput`
built here, so none of them reads polarity text or applies a council's
per-indicator config on its own. This module is the only place that does:

- polarity text ("Lower is worse", "Good is Low", "↑ good") -> higher/lower
  (:func:`parse_polarity`), and directional targets ("Decreasing");
- per-indicator config (``indicators:`` by id, then exact name) over what the
  sheet says: polarity, target, amber, tolerance and its mode, comparison
  period, stable band; then the council-wide ``rag:``/``direction:`` keys;
- units: a target of 80 beside percentages means 80%; a figure of 57.1
  against a target written "60%" is a unit mismatch, not GREEN;
- the points compared: the latest period, the one the direction compares
  with and the one ``rag.amber_if_improved_on`` compares with, at the
  precision both are published; none when the table's periods are suspect
  (repeated, out of order, a quarter missing) and the right one is not there.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from operator import attrgetter
from types import MappingProxyType
from typing import Literal, Mapping

from .config import NO_SETTINGS, Config, IndicatorSettings
from .values import Reading, parse_value

Polarity = Literal["higher", "lower"]
Wanted = Literal["increase", "decrease"]

# --- polarity text ------------------------------------------------------------------

_HIGHER = re.compile(r"\bhigh(er)?\b|\bbigger\b|\blarger\b|\bgreater\b|\bmore\b|\bincreas|\bmaximi|\bup\b|↑|▲|⬆|\+")
_LOWER = re.compile(r"\blow(er)?\b|\bsmaller\b|\bless\b|\bfewer\b|\bdecreas|\bminimi|\bdown\b|\breduc|↓|▼|⬇")
NO_POLARITY = {"", "-", "–", "—", "n/a", "na", "none", "neutral", "no polarity", "not applicable",
               "neither", "n.a.", "context", "contextual", "tbc", "?",
               # a measure watched, not rated: the council's word that there is no better way
               "monitor", "monitor only", "monitoring", "for monitoring", "tracking", "track",
               "information only", "for information", "maintain"}
_DECREASE = re.compile(r"^\s*(decreas\w*|reduc\w*|lower|down\w*|fewer|less|↓|▼|minimi\w*)(?![a-z])", re.I)
_INCREASE = re.compile(r"^\s*(increas\w*|higher|up\w*|more|improv\w*|↑|▲|maximi\w*)(?![a-z])", re.I)

# Wordings councils and the indicator library use. The cell formulas read a
# polarity cell by matching these (and the cell's own wording), each mapped by
# parse_polarity itself, so a formula reads the cell exactly as kpi-xl does.
POLARITY_WORDINGS = (
    "Higher is better", "Lower is better", "Higher", "Lower", "High", "Low", "H", "L",
    "Higher is good", "Lower is good", "High is good", "Low is good", "Good is high",
    "Good is low", "Good is higher", "Good is lower", "Bigger is better", "Smaller is better",
    "More is better", "Less is better", "Fewer is better", "Lower is worse", "Higher is worse",
    "Low is bad", "High is bad", "Increase", "Decrease", "Increase is good", "Decrease is good",
    "Maximise", "Minimise", "Maximize", "Minimize", "Up", "Down", "↑", "↓", "↑ good", "↓ good",
    "Higher = better", "Lower = better", "Aim high", "Aim low", "Aim higher", "Aim lower",
)


def _text(raw: object) -> str | None:
    if raw is None:
        return None
    text = " ".join(str(raw).replace("\u00a0", " ").split())
    return text or None


def states_polarity(raw: object) -> bool:
    """A polarity cell holds words (even "N/A"): the council's word, which
    a target's comparison or the library does not override."""
    return _text(raw) is not None


def parse_polarity(raw: object) -> tuple[str | None, bool]:
    """("higher" | "lower" | None, recognised). "Higher is better", "High",
    "↑ good" -> higher; "Lower is worse" -> higher; "Good is Low" -> lower;
    "N/A", "-" -> (None, True); "Banana", "Follow national trend" -> (None, False)."""
    return _polarity_of(_text(raw))


@lru_cache(maxsize=1024)
def _polarity_of(text: str | None) -> tuple[str | None, bool]:
    # Read once per wording a workbook uses, not once per indicator.
    if text is None:
        return None, True
    key = text.lower().strip(" .")
    if key in NO_POLARITY:
        return None, True
    if key in ("h", "l", "hi", "lo"):
        return ("higher" if key.startswith("h") else "lower"), True
    higher, lower = bool(_HIGHER.search(key)), bool(_LOWER.search(key))
    if re.search(r"\b(worse|bad)\b", key) and not re.search(r"\bbetter\b|\bgood\b", key):
        higher, lower = lower, higher  # "Lower is worse", "High is bad"
    if higher and not lower:
        return "higher", True
    if lower and not higher:
        return "lower", True
    return None, False


def parse_target_direction(raw: object) -> str | None:
    """'decrease' for "Decreasing", "Reduce", "↓"; 'increase' for "Increasing"..."""
    text = _text(raw)
    if text is None:
        return None
    if _DECREASE.match(text):
        return "decrease"
    if _INCREASE.match(text):
        return "increase"
    return None


@dataclass(frozen=True)
class TargetBound:
    """A target written as a comparison: the number's text ("22%") and the
    polarity the comparison states ("<22%": lower is better)."""

    number: str
    polarity: Polarity


# A comparison before the number ("<22%", "≥ 90%", "at least 95%", "no more than 18")
# or after it ("90%+", "95% or more"). A figure that meets the number is on target,
# so "<22%" and "≤22%" are read alike: the target is the threshold.
_AT_MOST = (r"<=?|≤|⩽|=<|under|below|less than|fewer than|lower than|"
            r"(?:no|not) (?:more|higher|greater|over) than|not above|not over|at most|up to|"
            r"max(?:imum)?(?: of)?\.?:?")
_AT_LEAST = (r">=?|≥|⩾|=>|over|above|more than|greater than|higher than|"
             r"(?:no|not) (?:less|lower|fewer|under) than|not below|not under|at least|"
             r"min(?:imum)?(?: of)?\.?:?")
_BOUND_BEFORE = re.compile(rf"^(?:(?P<lower>{_AT_MOST})|(?P<higher>{_AT_LEAST}))\s*(?P<number>.+)$", re.I)
_BOUND_AFTER = re.compile(r"^(?P<number>.+?)\s*(?:(?P<higher>\+|or (?:more|above|higher|over|greater|better)|"
                          r"and (?:above|over))|(?P<lower>or (?:less|below|lower|fewer|under)|"
                          r"and (?:below|under)))$", re.I)


def parse_target_bound(raw: object) -> TargetBound | None:
    """The number and polarity of a target written as a comparison ("<22%",
    "≥ 90%", "at least 95%", "90%+"); None for anything else (a plain number
    is a target, "Decreasing" a direction)."""
    if not isinstance(raw, str):
        return None
    return _bound_of(_text(raw))


@lru_cache(maxsize=1024)
def _bound_of(text: str | None) -> TargetBound | None:
    # Read once per wording: a sheet repeats its targets' spellings.
    if text is None or len(text) > 60:
        return None
    match = _BOUND_BEFORE.match(text) or _BOUND_AFTER.match(text)
    if match is None:
        return None
    number = match.group("number").strip()
    if not parse_value(number).is_number:
        return None
    return TargetBound(number, "lower" if match.group("lower") else "higher")


def target_reading(raw: object) -> Reading:
    """The target's number as :func:`kpi_xl.values.parse_value` reads it,
    the comparison of a :class:`TargetBound` left out ("<22%" reads as 22%)."""
    bound = parse_target_bound(raw)
    return parse_value(bound.number if bound is not None else raw)


def polarity_wordings(extra: object = None) -> dict[str, list[str]]:
    """The wordings a formula recognises, by the polarity kpi-xl reads them as
    (``extra``, the cell's own wording, included)."""
    return {polarity: list(words) for polarity, words in shared_wordings(extra).items()}


def shared_wordings(extra: object = None) -> Mapping[str, tuple[str, ...]]:
    """:func:`polarity_wordings` as tuples, made once per wording and shared
    by every formula that asks (read only: a change would reach them all)."""
    return _wordings_with(_text(extra))


@lru_cache(maxsize=1024)
def _wordings_with(extra: str | None) -> Mapping[str, tuple[str, ...]]:
    # Parsed once per wording a sheet uses, not once per indicator.
    found: dict[str, list[str]] = {"higher": [], "lower": []}
    for wording in (*POLARITY_WORDINGS, *((extra,) if extra else ())):
        polarity, _ = parse_polarity(wording)
        if polarity and wording.lower() not in {w.lower() for w in found[polarity]}:
            found[polarity].append(wording)
    return MappingProxyType({polarity: tuple(words) for polarity, words in found.items()})


# --- per-indicator config ---------------------------------------------------------------

def indicator_settings(config: Config, ident: str | None, name: str | None = None
                       ) -> IndicatorSettings:
    """The ``indicators:`` entry for an indicator, by id then exact name."""
    return config.for_indicator(str(ident or ""), name)


def apply_settings(record: dict, config: Config) -> None:
    """The table's own fields with per-indicator config over the sheet
    (polarity, target, amber), so the table shows what is rated."""
    settings = indicator_settings(config, record.get("id"), record.get("name"))
    if settings.polarity is not None:
        record["polarity"], record["polarity_source"] = settings.polarity, "config"
    if settings.target is not None:
        record["target"], record["target_source"] = settings.target, "config"
        record["target_direction"] = None
    if settings.amber is not None:
        record["amber"] = settings.amber


# --- units -------------------------------------------------------------------------------

def scaled_target(reading: Reading, unit: str | None) -> float:
    """A target of 80 beside percentages shown as 0.8 means 80%."""
    value = float(reading.value)  # type: ignore[arg-type]
    if unit == "percent" and reading.unit == "number" and 1 < value <= 100:
        return value / 100
    return value


def unit_mismatch(figure: Reading | None, target_raw: object) -> str | None:
    """Why a figure cannot be set against a target written as a percentage:
    57.1 against "60%" (one is a percentage, the other is not)."""
    if figure is None or not figure.is_number or not isinstance(target_raw, str):
        return None
    target = target_reading(target_raw)
    if target.is_number and target.unit == "percent" and figure.unit == "number" \
            and abs(figure.value) > 1:
        return (f"unit mismatch: {figure.value:g} against a target of {target_raw.strip()}; "
                f"give both as percentages ({figure.value / 100:g} or \"{figure.value:g}%\")")
    return None


# --- published precision --------------------------------------------------------------------

def shared_decimals(*readings: Reading | None) -> int | None:
    """The coarser published precision of the readings, in stored units
    (a percentage shown with 1 decimal is a fraction with 3); None when any
    is missing, or when every figure is shown whole (a "General" cell shows
    0.51 as 0.51: it is compared as stored, so 0.5 to 0.51 is a movement)."""
    decs = []
    for reading in readings:
        if reading is None or reading.decimals is None:
            return None
        if _shown_whole(reading):
            continue
        decs.append(reading.decimals + 2 if reading.unit == "percent" else reading.decimals)
    return min(decs) if decs else None


def _shown_whole(reading: Reading) -> bool:
    """A stored number whose format shows every digit General would."""
    if isinstance(reading.raw, str) or reading.unit == "percent":
        return False
    return _general_decimals(type(reading.raw), reading.raw) == reading.decimals


@lru_cache(maxsize=4096)
def _general_decimals(_kind: type, raw: object) -> int | None:
    # By type too: 1, 1.0 and True are one key to a dict but read apart.
    return parse_value(raw).decimals


def published(x: float, decimals: int | None) -> float:
    """``x`` as shown with ``decimals`` places, rounded half away from zero
    as Excel's ROUND and number formats do (Python's round would make
    0.125 to 2 places 0.12 where Excel shows 0.13)."""
    if decimals is None:
        return x
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(x))).quantize(quantum, rounding=ROUND_HALF_UP))


def decimals_of_format(number_format: object) -> int | None:
    """Places a number format shows, in stored units ("0.0%" -> 3, "0" -> 0);
    None for "General" and text that is not a number format."""
    if not isinstance(number_format, str) or number_format.strip().lower() == "general":
        return None
    reading = parse_value(0.5, number_format)
    if not reading.is_number or not re.search(r"[0#?]", number_format):
        return None
    return reading.decimals + 2 if reading.unit == "percent" else reading.decimals


# --- the points compared -------------------------------------------------------------------

SUSPECT_PERIODS = ("period_duplicate", "period_out_of_order", "period_gap")


def select_points(series: list, compare_with: str = "previous_period", *,
                  suspect: bool = False, to_outturn: bool = False):
    """The latest point with a figure-bearing period, and the one to compare with.

    "Latest" is the chronologically latest period column (not the right-most),
    even if its cell is empty: a missing latest figure means no rating, not a
    rating of an older quarter. The comparison point is the previous period of
    the same kind (previous quarter; previous year for an outturn);
    or the same period last year. Periods of another kind are never compared:
    a quarter's count set against last year's outturn would mislead.

    ``suspect``: the table's periods repeat, run out of order or miss one.
    Then only the exact period wanted is compared with, and a period that
    appears twice is compared with nothing.

    ``to_outturn`` (a percentage, rate or average: config
    ``direction.compare_with_outturn``, see :func:`compares_with_outturn`): a
    quarter or month with no earlier period of its own kind compares with the
    previous year's outturn, as councils publish a first quarter beside last
    year's out-turn.
    """
    return _select(chronological(series), compare_with, suspect, to_outturn)


def chronological(series: list) -> list:
    """The series' points in date order (a stable sort: repeats keep sheet order)."""
    return sorted(series, key=PERIOD_ORDER)


PERIOD_ORDER = attrgetter("period.sort_key")  # a point's place in date order, looked up in C


def _select(ordered: list, compare_with: str, suspect: bool, to_outturn: bool):
    """:func:`select_points` of a series already in date order (sorted once
    when the direction and ``amber_if_improved_on`` both compare)."""
    if not ordered:
        return None, None
    latest = ordered[-1]
    if suspect and sum(p.period == latest.period for p in ordered) > 1:
        return _one_of_repeated(ordered, latest.period), None
    if compare_with == "same_period_last_year":
        wanted = latest.period.same_period_last_year()
        match = [p for p in ordered if p.period == wanted or
                 (p.period.kind == wanted.kind and p.period.fy == wanted.fy
                  and p.period.number == wanted.number)]
    elif suspect:
        wanted = latest.period.previous()
        match = [p for p in ordered[:-1] if p.period == wanted]
    else:
        # the last earlier point of the latest's kind (scanned from the end:
        # nearly always the one before it) is all this branch needs
        kind = latest.period.kind
        for i in range(len(ordered) - 2, -1, -1):
            if ordered[i].period.kind == kind:
                return latest, ordered[i]
        match = []
    if not match and to_outturn and compare_with != "same_period_last_year" \
            and latest.period.kind in ("quarter", "month"):
        match = [p for p in ordered[:-1] if p.period.kind == "year" and p.period.fy == latest.period.fy - 1]
    if suspect and len(match) > 1:
        return latest, None
    return latest, (match[-1] if match else None)


def _one_of_repeated(ordered: list, period) -> object:
    """The point of a period whose column appears twice: the one cell of them
    holding something when the others are empty (a later quarter's column
    labelled with the wrong period, not yet filled); else none, since one
    label is wrong and which figure is the period's cannot be known (the
    reader reports ``period_duplicate``). None rates nothing."""
    filled = [p for p in ordered if p.period == period and p.reading.status != "empty"]
    if len(filled) == 1:
        return filled[0]
    return None


# --- the input -------------------------------------------------------------------------------

@dataclass(frozen=True)
class RatingInput:
    """Everything one indicator's rating and direction are decided from.

    Figures are as stored (percentages as fractions). ``*_cell`` fields are
    the cells they came from, or None (config, a UDF argument, a text figure);
    ``target_live``/``polarity_live`` say whether a formula may read the
    target/polarity cell itself (it is a plain number / a wording kpi-xl
    reads; not overridden by config; not rescaled).
    """

    value: float | None = None
    previous: float | None = None  # the direction's comparison figure
    improved_on: float | None = None  # rag.amber_if_improved_on's comparison figure
    target: float | None = None
    target_direction: Wanted | None = None
    amber: float | None = None
    polarity: Polarity | None = None
    polarity_text: str | None = None  # the wording the sheet uses, when it has one
    tolerance: float = 0.05
    tolerance_mode: str = "relative"
    zero_target: str = "strict"
    directional_targets: str = "movement"
    amber_if_improved_on: str | None = None
    compare_with: str = "previous_period"
    stable_band: float = 0.0
    decimals: int | None = None  # published precision of value and previous, stored units
    unit: str | None = None
    unit_error: str | None = None
    # where the figures sit, for formulas and findings
    value_cell: str | None = None
    value_plain: bool = False  # the value cell holds a plain number or nothing
    previous_cell: str | None = None
    previous_plain: bool = False
    improved_cell: str | None = None
    improved_plain: bool = False
    target_cell: str | None = None
    target_live: bool = False
    polarity_cell: str | None = None
    polarity_live: bool = False
    amber_cell: str | None = None
    suspect_periods: bool = False

    @property
    def has_polarity(self) -> bool:
        return self.polarity in ("higher", "lower")

    @property
    def directional(self) -> bool:
        """Rated by movement: a directional target (and no number target)."""
        return (self.target is None and self.target_direction is not None
                and self.directional_targets == "movement")

    @property
    def ratable(self) -> bool:
        """There is something to rate against: a number target with a
        polarity, or a directional target rated by movement."""
        if self.unit_error:
            return False
        return (self.target is not None and self.has_polarity) or self.directional

    @property
    def targeted(self) -> bool:
        """Direction words say better/worse (POSITIVE/NEGATIVE)."""
        return self.has_polarity and (self.target is not None or self.target_direction is not None)


def settled(config: Config, settings: IndicatorSettings, **given) -> RatingInput:
    """A RatingInput from what the sheet (or a UDF's arguments) gives, with the
    indicator's config over it and the council-wide config for the rest."""
    return _settled(council_fields(config, settings), settings, given)


def council_fields(config: Config, settings: IndicatorSettings) -> dict:
    """The fields of a RatingInput that config decides whatever the sheet
    says: the indicator's ``indicators:`` entry, else the council-wide keys."""
    rag, direction = config.rag, config.direction
    return {
        "tolerance": settings.tolerance if settings.tolerance is not None else rag.tolerance,
        "tolerance_mode": settings.tolerance_mode or rag.tolerance_mode,
        "zero_target": rag.zero_target,
        "directional_targets": rag.directional_targets,
        "amber_if_improved_on": rag.amber_if_improved_on,
        "compare_with": settings.compare_with or direction.compare_with,
        "stable_band": (settings.stable_band if settings.stable_band is not None
                        else direction.stable_band),
    }


def _settled(council: dict, settings: IndicatorSettings, given: dict) -> RatingInput:
    """:func:`settled` with the config's own fields (:func:`council_fields`)
    worked out already; ``given`` is taken over."""
    # (a field not given is None, RatingInput's default, as is each of these)
    if settings.target is not None:
        given["target"], given["target_direction"] = settings.target, None
    if settings.polarity:
        given["polarity"] = settings.polarity
    if settings.amber is not None:
        given["amber"] = settings.amber
    if not council.keys().isdisjoint(given):
        raise TypeError(f"settled() got a field config decides: {sorted(given.keys() & council.keys())}")
    given.update(council)
    return _rating_input(given)


_FIELD_DEFAULTS = {f.name: f.default for f in fields(RatingInput)}


def _rating_input(values: dict) -> RatingInput:
    """``RatingInput(**values)`` at a fifth of the cost, for 10,000
    indicators at a time: a frozen dataclass's ``__init__`` sets each of its
    30 fields through ``object.__setattr__``; here its ``__dict__`` is
    filled at once (fields in declaration order, as ``__init__`` leaves it)."""
    state = dict(_FIELD_DEFAULTS)
    state.update(values)
    if len(state) != len(_FIELD_DEFAULTS):
        raise TypeError(f"RatingInput has no field {sorted(state.keys() - _FIELD_DEFAULTS)[0]!r}")
    inp = object.__new__(RatingInput)
    object.__setattr__(inp, "__dict__", state)
    return inp


def compares_with_outturn(record: dict, config: Config) -> bool:
    """Whether the indicator's kind of measure (the reader's ``value_kind``)
    compares a first quarter with the previous year's outturn."""
    return record.get("value_kind") in config.direction.compare_with_outturn


def resolve_points(record: dict, config: Config):
    """The rating input of one indicator of the table (a row as a dict), and
    the latest point and the one the direction compares it with
    (``select_points``)."""
    return Resolver(config).points(record)


class Resolver:
    """:func:`resolve_points` for the indicators of a table under one config:
    what the config decides for every indicator (its ``indicators:`` entries
    merged over the council-wide keys) is read once, not once an indicator.
    Made for one pass over a table: a config changed after is not seen."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._fields: dict[int, tuple[IndicatorSettings, dict]] = {}  # by id of the entry
        self._has_entries = bool(config.indicators)
        self._improved_on = config.rag.amber_if_improved_on
        self._to_outturn = config.direction.compare_with_outturn

    def settings(self, record: dict) -> IndicatorSettings:
        if not self._has_entries:  # most councils configure none
            return NO_SETTINGS
        return indicator_settings(self.config, record.get("id"), record.get("name"))

    def council_fields(self, settings: IndicatorSettings) -> dict:
        """:func:`council_fields`, worked out once an ``indicators:`` entry."""
        known = self._fields.get(id(settings))
        if known is None:  # the entry is kept beside its fields, so its id stays its own
            known = self._fields[id(settings)] = (settings, council_fields(self.config, settings))
        return known[1]

    def points(self, record: dict):
        """The rating input, latest point and comparison point of one indicator."""
        get = record.get  # each field is read once here, for 10,000 indicators at a time
        settings = self.settings(record)
        council = self.council_fields(settings)
        ordered = chronological(get("series") or [])
        suspect = bool(get("suspect_periods"))
        latest, previous = _select(ordered, council["compare_with"], suspect,
                                   get("value_kind") in self._to_outturn)
        improved = None
        if self._improved_on:
            _, improved = _select(ordered, self._improved_on, suspect, False)
        cells = get("cells") or {}
        target, target_raw, polarity_raw = _number_or_none(get("target")), get("target_raw"), get("polarity_raw")
        polarity, polarity_text = get("polarity"), _text(polarity_raw)
        figure = latest.reading if latest else None
        earlier = previous.reading if previous else None
        target_cell, polarity_cell = cells.get("target"), cells.get("polarity")
        inp = _settled(council, settings, {
            "value": _figure(latest), "previous": _figure(previous), "improved_on": _figure(improved),
            "target": target, "target_direction": get("target_direction"),
            "amber": _number_or_none(get("amber")),
            "polarity": polarity if polarity in ("higher", "lower") else None,
            "polarity_text": polarity_text,
            "decimals": shared_decimals(figure, earlier),
            "unit": get("unit"), "unit_error": unit_mismatch(figure, target_raw),
            "value_cell": latest.cell if latest else None, "value_plain": _plain_or_empty(figure),
            "previous_cell": previous.cell if previous else None,
            "previous_plain": _plain_or_empty(earlier),
            "improved_cell": improved.cell if improved else None,
            "improved_plain": _plain_or_empty(improved.reading if improved else None),
            "target_cell": target_cell,
            "target_live": (settings.target is None and bool(target_cell) and target is not None
                            and _plain(target_raw) and target_raw == target),
            "polarity_cell": polarity_cell,
            "polarity_live": (settings.polarity is None and bool(polarity_cell)
                              and get("polarity_source") in ("sheet", "targets sheet")
                              and _polarity_of(polarity_text)[0] is not None),
            "amber_cell": cells.get("amber"),
            "suspect_periods": suspect})
        return inp, latest, previous


def _figure(point) -> float | None:
    return point.reading.value if point is not None and point.reading.is_number else None


def _number_or_none(x) -> float | None:
    return float(x) if _plain(x) else None


def _plain(x) -> bool:
    kind = type(x)
    if kind is float or kind is int:  # nearly every value asked about: no isinstance walk
        return math.isfinite(x)
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _plain_or_empty(reading: Reading | None) -> bool:
    """A cell a formula can read as kpi-xl does: a plain number (holding the
    figure kpi-xl read, not a whole-number percentage it rescaled), or empty."""
    if reading is None:
        return False
    return reading.status == "empty" or (reading.status == "number" and _plain(reading.raw)
                                         and float(reading.raw) == reading.value)


def suspect_tables(layouts: list, file: str = "") -> set[int]:
    """Indexes of the tables whose period columns repeat a period, miss a
    quarter, or run out of date order (columns that run consistently from
    latest to earliest are a layout, not a mistake)."""
    from .reader.sequence import period_findings

    suspect = set()
    for index, layout in enumerate(layouts):
        kinds = {f.type for f in period_findings(layout, file)} & set(SUSPECT_PERIODS)
        if kinds == {"period_out_of_order"} and _runs_backwards(layout.period_columns):
            continue
        if kinds:
            suspect.add(index)
    return suspect


def _runs_backwards(columns: list) -> bool:
    by_kind: dict[str, list] = {}
    for _letter, period in columns:
        by_kind.setdefault(period.kind, []).append(period.sort_key)
    return all(all(a > b for a, b in zip(keys, keys[1:])) for keys in by_kind.values())


def resolve_figures(config: Config, settings: IndicatorSettings, *, value: Reading | None,
                    previous: Reading | None = None, target_raw: object = None,
                    polarity_raw: object = None, decimals: int | None = None,
                    amber: Reading | None = None) -> RatingInput:
    """The rating input from figures and words as typed in cells (what the
    worksheet functions are given), read as the reader reads a sheet."""
    target, wanted = None, None
    bound = parse_target_bound(target_raw)
    if target_raw is not None:
        reading = target_reading(target_raw)
        if reading.is_number:
            target = scaled_target(reading, value.unit if value is not None else None)
        else:
            wanted = parse_target_direction(target_raw)
    polarity, _known = parse_polarity(polarity_raw)
    if bound is not None and not states_polarity(polarity_raw):
        polarity = bound.polarity  # as the reader reads a sheet that states no polarity
    figure = value.value if value is not None and value.is_number else None
    earlier = previous.value if previous is not None and previous.is_number else None
    return settled(
        config, settings, value=figure, previous=earlier, improved_on=earlier,
        target=target, target_direction=wanted, polarity=polarity,
        amber=(scaled_target(amber, value.unit if value is not None else None)
               if amber is not None and amber.is_number else None),
        polarity_text=_text(polarity_raw),
        decimals=decimals if decimals is not None else shared_decimals(value, previous),
        unit=value.unit if value is not None else None,
        unit_error=unit_mismatch(value, target_raw))
