"""The rating rules: pure functions, no Excel anywhere.

Every indicator is first resolved once into a :class:`kpi_xl.resolve.RatingInput`
(polarity, target, tolerance, comparison figures, precision: see that module);
``rate_input`` and ``direction_of`` decide from it, and the UDFs and the
formula writer take the same input, so a cell, its formula and a refresh
never disagree. ``apply_rules`` runs them over the indicator table and yields
findings for inconsistent inputs.

Decisions a council may question, stated once here:
- Equal to target is on target (GREEN).
- Relative tolerance: AMBER when the value is worse than target by no more
  than ``tolerance * |target|``. On a zero target that band is empty, so by
  default anything worse than 0 is RED (``zero_target: strict``); with
  ``zero_target: points`` the tolerance is used as an absolute difference.
- Points tolerance: AMBER when worse by no more than ``tolerance`` in the
  indicator's own units (percentages are fractions: 0.05 = 5 points).
- An explicit amber threshold replaces the tolerance: AMBER when the value
  is between the amber threshold and the target (inclusive).
- A directional target ("Decreasing"/"Increasing") is rated by movement since
  the comparison period, judged as the direction of travel is (published
  precision, stable band): moved the asked way GREEN, STABLE AMBER, the
  other way RED; no rating without both figures. ``amber_if_improved_on``
  does not apply to it (it is already a rating by movement).
- A figure that cannot be set against its target (57.1 against "60%") is not
  rated; a ``unit_mismatch`` finding says why.
- Direction of travel compares at the published precision: 13% vs 13% is
  STABLE even if the stored fractions differ beyond what is shown.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Literal

from .config import Config, DirectionConfig, ExceptionsConfig
from .errors import Place
from .findings import Finding
from .finding_types import (DOT_DISAGREES, DOT_WITHOUT_PREVIOUS, FORMULA_CELL_NOT_LIVE, RAG_DISAGREES,
                            UNIT_MISMATCH)
# select_points is spelled here too, for callers of the rules
from .resolve import RatingInput, Resolver, published, resolve_points, select_points  # noqa: F401

Rag = Literal["GREEN", "AMBER", "RED"]
Polarity = Literal["higher", "lower"]

# Binary fractions make 0.22 * 0.95 come out a hair under 0.209: a figure
# exactly on a boundary would fall the wrong side of it. Differences smaller
# than this are no difference (far below any published precision); the
# Excel formulas use the same margin.
EPSILON = 1e-9

_DEFAULT_DIRECTION = DirectionConfig()
_DEFAULT_EXCEPTIONS = ExceptionsConfig()


# --- RAG --------------------------------------------------------------------

def rate(value: float | None, target: float | None, polarity: Polarity | None, *,
         tolerance: float = 0.05, mode: str = "relative", amber: float | None = None,
         zero_target: str = "strict") -> Rag | None:
    """RAG of ``value`` against ``target``; None when either is missing or
    there is no polarity."""
    if not is_number(value) or not is_number(target) or polarity not in ("higher", "lower"):
        return None
    shortfall = _shortfall(value, target, polarity)
    if shortfall <= EPSILON:
        return "GREEN"
    if is_number(amber):
        gap = _shortfall(amber, target, polarity)
        return "AMBER" if shortfall <= max(gap, 0.0) + EPSILON else "RED"
    return "AMBER" if shortfall <= _band(target, tolerance, mode, zero_target) + EPSILON else "RED"


def _shortfall(value: float, target: float, polarity: Polarity) -> float:
    """How far ``value`` is worse than ``target`` (negative when better)."""
    return (target - value) if polarity == "higher" else (value - target)


def _band(target: float, tolerance: float, mode: str, zero_target: str) -> float:
    if mode == "points":
        return tolerance
    if target == 0:
        return tolerance if zero_target == "points" else 0.0
    return tolerance * abs(target)


def rate_directional(current: float | None, previous: float | None,
                     wanted: Literal["increase", "decrease"] | None, *,
                     stable_band: float = 0.0, decimals: int | None = None) -> Rag | None:
    """RAG for a directional target: by the movement since the comparison
    period, judged as the direction of travel is (at the published precision,
    within the stable band): moved the asked way GREEN, STABLE AMBER, the other
    way RED."""
    if wanted not in ("increase", "decrease") or not is_number(current) or not is_number(previous):
        return None
    move = movement(current, previous, stable_band=stable_band, decimals=decimals)
    if move == "same":
        return "AMBER"
    return "GREEN" if (move == "up") == (wanted == "increase") else "RED"


# --- Direction of travel ------------------------------------------------------

@dataclass(frozen=True)
class Direction:
    word: str  # POSITIVE/STABLE/NEGATIVE or INCREASE/STABLE/DECREASE (as configured)
    arrow: str
    movement: Literal["up", "down", "same"]

    def text(self, show: str = "arrow") -> str:
        return {"arrow": self.arrow, "word": self.word}.get(show, f"{self.arrow} {self.word}")


def movement(current: float, previous: float, *, stable_band: float = 0.0,
             decimals: int | None = None) -> Literal["up", "down", "same"]:
    """Raw movement at the published precision (``decimals`` as shown; for
    percentages stored as fractions, decimals of the percentage)."""
    change = _published(current, decimals) - _published(previous, decimals)
    if abs(change) <= stable_band + EPSILON:
        return "same"
    return "up" if change > 0 else "down"


_published = published  # half away from zero, as Excel rounds


def direction(current: float | None, previous: float | None, polarity: Polarity | None, *,
              targeted: bool = True, stable_band: float = 0.0, decimals: int | None = None,
              config: DirectionConfig | None = None) -> Direction | None:
    """Direction of travel; None when either figure is missing or suppressed.

    Targeted indicators with a polarity get better/same/worse words; the rest
    increase/same/decrease. The arrow always shows the raw movement.
    """
    if not is_number(current) or not is_number(previous):
        return None
    cfg = config or _DEFAULT_DIRECTION
    move = movement(current, previous, stable_band=stable_band, decimals=decimals)
    arrow = getattr(cfg.arrows, move)  # Arrows has a field for each movement
    if move == "same":
        return _direction_value(cfg.words.same, arrow, move)
    if targeted and polarity in ("higher", "lower"):
        better = (move == "up") == (polarity == "higher")
        return _direction_value(cfg.words.better if better else cfg.words.worse, arrow, move)
    return _direction_value(cfg.words.up if move == "up" else cfg.words.down, arrow, move)


@lru_cache(maxsize=256)
def _direction_value(word: str, arrow: str, move: str) -> Direction:
    # A few values a config, each made once and shared (it is frozen), not
    # made again for each of 10,000 indicators.
    return Direction(word, arrow, move)


# --- Exception category -------------------------------------------------------

def category(rag: str | None, direction_word: str | None,
             config: ExceptionsConfig | None = None) -> str:
    """The first configured category whose RAG and direction match."""
    cfg = config or _DEFAULT_EXCEPTIONS
    for rule in cfg.categories:
        if rag in rule.rag and (not rule.direction or direction_word in rule.direction):
            return rule.name
    return cfg.uncategorised


# --- Published values as written ------------------------------------------------

_RAG_WORDS = {
    "GREEN": "GREEN", "G": "GREEN", "ON TARGET": "GREEN",
    "AMBER": "AMBER", "A": "AMBER", "YELLOW": "AMBER",
    "RED": "RED", "R": "RED", "OFF TARGET": "RED",
}


def normalise_rag(text: object, config: Config | None = None) -> Rag | None:
    """A published RAG ('Red', 'G', the configured labels) as GREEN/AMBER/RED."""
    if not isinstance(text, str):
        return None
    key = text.strip().upper()
    if config is not None:
        for name in ("GREEN", "AMBER", "RED"):
            if key == getattr(config.rag.labels, name).upper():
                return name  # type: ignore[return-value]
    return _RAG_WORDS.get(key)  # type: ignore[return-value]


def published_rating(record: dict, config: Config | None = None) -> Rag | None:
    """The rating the sheet shows for an indicator: its RAG cell's word, else
    the colour of a RAG cell holding no text (``published_rag_fill``)."""
    return normalise_rag(record.get("published_rag"), config) or record.get("published_rag_fill")


_ARROW_MOVES = {"↑": "up", "⬆": "up", "▲": "up", "↓": "down", "⬇": "down", "▼": "down",
                "↔": "same", "→": "same", "⟷": "same", "◄►": "same", "=": "same"}
_WORD_MOVES = {"INCREASE": "up", "UP": "up", "DECREASE": "down", "DOWN": "down",
               "STABLE": "same", "SAME": "same", "NO CHANGE": "same"}


def published_movement(text: object, config: DirectionConfig | None = None) -> str | None:
    """What a published DoT cell says about the raw movement (up/down/same),
    or the better/worse word ('better'/'worse') when that is all it says."""
    if not isinstance(text, str) or not text.strip():
        return None
    cfg = config or _DEFAULT_DIRECTION
    s = text.strip()
    for arrow, move in {cfg.arrows.up: "up", cfg.arrows.down: "down", cfg.arrows.same: "same",
                        **_ARROW_MOVES}.items():
        if arrow and arrow in s:
            return move
    word = s.upper()
    if word in _WORD_MOVES:
        return _WORD_MOVES[word]
    if word in (cfg.words.better.upper(), "IMPROVING", "IMPROVED", "BETTER"):
        return "better"
    if word in (cfg.words.worse.upper(), "WORSENING", "WORSE", "DECLINING"):
        return "worse"
    return None


# --- Over the indicator table -----------------------------------------------------

RULE_COLUMNS = ["latest_period", "latest_value", "latest_reading", "latest_cell",
                "previous_period", "previous_value", "previous_reading", "previous_cell", "rag", "direction", "arrow",
                "movement", "category", "targeted", "rating_input", "suspect_periods"]


def apply_rules(records: list[dict], config: Config, *, file: str | None = None,
                suspect_tables: set[int] | frozenset[int] = frozenset()
                ) -> tuple[list[dict], list[Finding]]:
    """Rate every indicator of the table's records (``IndicatorTable.records``).
    Returns a new record for each, with :data:`RULE_COLUMNS` added, and the
    findings the rules raise about inconsistent inputs. ``suspect_tables``:
    indexes of tables whose periods repeat, run out of order or miss one (see
    ``resolve.suspect_tables``)."""
    rules = _Rules(config)
    rated, findings = [], []
    for record in records:
        rating = {**record, "suspect_periods": True} if record.get("table") in suspect_tables \
            else record
        result, found = rules.rate(rating, file)
        rated.append({**record, **result})  # the table's columns, then the rules'
        findings.extend(found)
    return rated, findings


class _Rules:
    """The rules under one config, for one pass over a table: what the
    config decides for every indicator is read once (``resolve.Resolver``),
    and the exception category of each RAG and direction worked out once."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.resolver = Resolver(config)
        self._categories: dict[tuple, str] = {}

    def category(self, rag: str, direction_word: str | None) -> str:
        key = (rag, direction_word)
        found = self._categories.get(key)
        if found is None:
            found = self._categories[key] = category(rag, direction_word, self.config.exceptions)
        return found

    def rate(self, record: dict, file: str | None) -> tuple[dict, list[Finding]]:
        """:func:`rate_indicator`."""
        config = self.config
        inp, latest, previous = self.resolver.points(record)
        rag = rate_input(inp)
        dot = direction_of(inp, config.direction)
        word = dot.word if dot else None
        result = {
            "latest_period": latest.period.canonical() if latest else None,
            "latest_value": inp.value,
            "latest_reading": latest.reading if latest else None,
            "latest_cell": latest.cell if latest else None,
            "previous_period": previous.period.canonical() if previous else None,
            "previous_value": inp.previous,
            "previous_reading": previous.reading if previous else None,
            "previous_cell": previous.cell if previous else None,
            "rag": rag,
            "direction": word,
            "arrow": dot.arrow if dot else None,
            "movement": dot.movement if dot else None,
            "category": self.category(rag, word) if rag else None,
            "targeted": inp.ratable,
            "rating_input": inp,
            "suspect_periods": inp.suspect_periods,
        }
        findings = consistency_findings(record, result, inp.polarity, inp.target, config, file=file)
        findings.extend(input_findings(record, inp, file=file))
        return result, findings


def rate_input(inp: RatingInput) -> Rag | None:
    """The RAG of one resolved indicator: against its number target (with
    ``amber_if_improved_on`` turning an improved RED into AMBER), or by
    movement for a directional target; None when there is nothing to rate."""
    if not inp.ratable:
        return None
    if inp.directional:
        return rate_directional(inp.value, inp.previous, inp.target_direction,
                                stable_band=inp.stable_band, decimals=inp.decimals)
    rag = rate(inp.value, inp.target, inp.polarity, tolerance=inp.tolerance,
               mode=inp.tolerance_mode, amber=inp.amber, zero_target=inp.zero_target)
    if rag == "RED" and inp.amber_if_improved_on and improved(inp.value, inp.improved_on,
                                                                inp.polarity):
        return "AMBER"
    return rag


def improved(current: float | None, earlier: float | None, polarity: Polarity | None) -> bool:
    """Better than the comparison figure, as stored (Havering's rule)."""
    if not is_number(current) or not is_number(earlier) or polarity not in ("higher", "lower"):
        return False
    change = current - earlier
    return change > EPSILON if polarity == "higher" else change < -EPSILON


def direction_of(inp: RatingInput, config: DirectionConfig | None = None) -> Direction | None:
    """The direction of travel of one resolved indicator."""
    return direction(inp.value, inp.previous, inp.polarity, targeted=inp.targeted,
                     stable_band=inp.stable_band, decimals=inp.decimals, config=config)


def rate_indicator(record: dict, config: Config, *, file: str | None = None
                   ) -> tuple[dict, list[Finding]]:
    """Rate one indicator (a row of the table as a dict)."""
    return _Rules(config).rate(record, file)


def input_findings(record: dict, inp: RatingInput, *, file: str | None = None
                   ) -> list[Finding]:
    """A unit mismatch (no rating), and sheet cells a formula cannot read live."""
    found = []
    if inp.unit_error:
        found.append(Finding(UNIT_MISMATCH, f"{inp.unit_error}; not rated", "warning",
                             _input_place(record, "target", file), record.get("id")))
    if inp.ratable and not inp.directional and inp.value_plain:
        why = {"target": (inp.target_cell, inp.target_live), "polarity": (inp.polarity_cell,
                                                                          inp.polarity_live)}
        for role, (cell, live) in why.items():
            if cell and not live:
                found.append(Finding(
                    FORMULA_CELL_NOT_LIVE, f"the RAG formula uses the {role} kpi-xl resolved "
                    f"({_resolved_text(inp, role)}), not the {role} cell: a change there shows at "
                    "the next refresh", "info", _input_place(record, role, file), record.get("id")))
    return found


def _input_place(record: dict, role: str, file: str | None) -> Place:
    """The cell of ``role`` (else the name's), which may be on a targets sheet."""
    cells = record.get("cells") or {}
    ref = cells.get(role) or cells.get("name") or ""
    on_sheet, bang, cell = ref.rpartition("!")
    if not bang:
        return Place(file=file, sheet=record.get("sheet"), cell=ref or None)
    return Place(file=file, sheet=on_sheet.strip("'").replace("''", "'"), cell=cell)


def _resolved_text(inp: RatingInput, role: str) -> str:
    if role == "target":
        return _fmt(inp.target, inp.unit)
    return f"{inp.polarity} is better"


def consistency_findings(record: dict, result: dict, polarity, target, config: Config, *,
                         file: str | None = None) -> list[Finding]:
    """Findings where what the sheet shows contradicts the rule.

    (Inputs that are wrong on their own: a rating with no target, a target
    with no polarity, a direction with no latest figure, are reported by
    ``kpi_xl.check.check_table`` from the same table.)"""
    shown_rag, shown_dot = record.get("published_rag"), record.get("published_dot")
    shown_by_fill = shown_rag is None and record.get("published_rag_fill") is not None
    if shown_rag is None and shown_dot is None and not shown_by_fill:  # nothing published
        return []
    ind, cells, sheet = record.get("id"), record.get("cells") or {}, record.get("sheet")

    def at(role: str) -> Place:
        return Place(file=file, sheet=sheet, cell=cells.get(role) or cells.get("name"))

    found = []
    published = published_rating(record, config)
    unit = record.get("unit")
    if published and result["rag"] and published != result["rag"]:
        shown = f"{published} (the cell's fill colour)" if shown_by_fill else published
        found.append(Finding(RAG_DISAGREES, f"published rating {shown} disagrees with the "
                             f"rule ({result['rag']}: {_fmt(result['latest_value'], unit)} against "
                             f"target {_fmt(target, unit)}, {polarity or 'no polarity'} is better)",
                             "warning", at("rag"), ind))
    found.extend(_dot_findings(record, result, config, lambda: at("dot"), ind))
    return found


def _dot_findings(record, result, config: Config, place: Callable[[], Place], ind
                  ) -> Iterable[Finding]:
    """``place``: made only for a finding (most indicators have none)."""
    published = record.get("published_dot")
    if not isinstance(published, str) or not published.strip():
        return
    said = published_movement(published, config.direction)
    if result["movement"] is None:
        if result["latest_value"] is not None:  # no latest figure: check_table says so
            against = (f"the {result['previous_period']} figure is missing or suppressed"
                       if result["previous_period"] else "there is no earlier period of the same kind")
            yield Finding(DOT_WITHOUT_PREVIOUS, f"a direction of travel ({published.strip()}) "
                          f"is given but {against}", "warning", place(), ind)
        return
    if said in ("up", "down", "same") and said != result["movement"]:
        unit = record.get("unit")
        yield Finding(DOT_DISAGREES, f"published direction {published.strip()} disagrees with "
                      f"the figures ({_fmt(result['previous_value'], unit)} to "
                      f"{_fmt(result['latest_value'], unit)}: {result['arrow']})", "warning",
                      place(), ind)
    elif said in ("better", "worse"):
        rule_says = {config.direction.words.better: "better",
                     config.direction.words.worse: "worse"}.get(result["direction"])
        if rule_says and rule_says != said:
            yield Finding(DOT_DISAGREES, f"published direction {published.strip()} disagrees "
                          f"with the rule ({result['direction']})", "warning", place(), ind)


def _fmt(x, unit: str | None = None) -> str:
    """A figure as people read it in a message: 18.2% for a percentage."""
    if not is_number(x):
        return "none"
    return f"{x * 100:.4g}%" if unit == "percent" else f"{x:g}"


def is_number(x) -> bool:
    """A finite int or float (not a bool, not NaN)."""
    kind = type(x)
    if kind is float or kind is int:  # nearly every figure asked about: no isinstance walk
        return math.isfinite(x)
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
