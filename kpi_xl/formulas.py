"""Excel formulas that restate the rules, so a figure typed later rates live.

Each builder returns formula text without the leading '='. They mirror
``kpi_xl.rules.rate_input`` and ``kpi_xl.rules.movement`` term by term, from
the same :class:`kpi_xl.resolve.RatingInput`: a linked polarity cell is read
by the wordings kpi-xl's own parser maps (never by a substring, so "Lower is
worse" is higher-is-better here too), ``amber_if_improved_on``, directional
targets and the stable band are in the formula, and where a formula could
disagree (a text figure, a rescaled target) :func:`rating_formula` gives
none. The tests recalculate them in LibreOffice and compare with the rules.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Sequence

from .config import RagLabels
from .resolve import RatingInput, polarity_wordings, shared_wordings
from .rules import EPSILON
from .xlsx.refs import absolute_ref


@dataclass(frozen=True)
class Operand:
    """A cell reference ("Targets!$B$2") or a literal number/text."""

    ref: str | None = None
    literal: float | str | None = None

    def text(self) -> str:
        if self.ref is not None:
            return self.ref
        if isinstance(self.literal, str):
            return excel_string(self.literal)
        return _num(self.literal)


MAX_STRING = 255  # Excel's longest text constant in a formula


@lru_cache(maxsize=1024, typed=True)  # the same labels and arrows go into every formula
def excel_string(text: str) -> str:
    """``text`` as an Excel string constant: quoted, its quotes doubled, so
    config text (labels, arrows) can never end the string and add formula
    terms of its own. Refuses what Excel could not hold."""
    text = str(text)
    if not formula_safe(text):
        raise ValueError(f"text cannot go into a formula (over {MAX_STRING} characters or control "
                         f"characters): {text[:40]!r}")
    return '"' + text.replace('"', '""') + '"'


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # below 32, less tab, LF, CR


def formula_safe(text: str) -> bool:
    """Short enough for a formula's text constant, and nothing XML cannot hold."""
    return len(text) <= MAX_STRING and _CONTROL.search(text) is None


def _num(x) -> str:
    """A number as formula text: shortest exact digits, never exponent notation."""
    return _number_text(repr(float(x or 0)))


@lru_cache(maxsize=4096)
def _number_text(shortest: str) -> str:
    """``repr(x)`` written out without an exponent: its digits, the point
    moved by the exponent ("1e-09" -> "0.000000001", "1e+16" ->
    "10000000000000000", "2.0" -> "2"); numpy's ``format_float_positional(x,
    trim="-")``, without loading numpy for it."""
    # Keyed by repr, which tells 0.0 from -0.0 (equal as floats, written apart);
    # the margin, tolerances and bands are the same in every formula.
    if "e" not in shortest:
        return shortest[:-2] if shortest.endswith(".0") else shortest  # also inf, nan
    mantissa, exponent = shortest.split("e")
    sign, mantissa = ("-", mantissa[1:]) if mantissa.startswith("-") else ("", mantissa)
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + int(exponent)  # where the point falls among the digits
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def polarity_sign(polarity: Operand) -> str:
    """+1 for higher is better, -1 for lower, 0 (no rating) otherwise, of a
    literal polarity; a polarity cell is read by :func:`_polarity_tests`."""
    return {"higher": "1", "lower": "-1"}.get(str(polarity.literal), "0")


def _polarity_tests(ref: str, wordings: Mapping[str, Sequence[str]] | None) -> tuple[str, str]:
    """The tests "the cell says higher is better" and "... lower".

    The cell is compared whole (case aside, spaces trimmed) with the
    wordings kpi-xl's parser reads as higher or lower (``wordings``; by
    default :data:`kpi_xl.resolve.POLARITY_WORDINGS`), so the formula and the
    refresh read it alike; a wording it does not know is no rating."""
    words = wordings or polarity_wordings()
    return (f"OR(TRIM({ref})={_array(words['higher'])})",
            f"OR(TRIM({ref})={_array(words['lower'])})")


def _array(texts: Sequence[str]) -> str:
    return _array_of(tuple(texts))


@lru_cache(maxsize=256)
def _array_of(texts: tuple[str, ...]) -> str:
    # The same wordings go into every indicator's formula: made once.
    return "{" + ",".join(Operand(literal=t).text() for t in texts if formula_safe(t)) + "}"


def rag_formula(value: str, target: Operand, polarity: Operand, *, tolerance: float,
                mode: str = "relative", zero_target: str = "strict",
                amber: float | None = None, labels: RagLabels | None = None,
                improved_on: str | None = None,
                wordings: Mapping[str, Sequence[str]] | None = None) -> str:
    """RAG of the figure in ``value`` (a cell ref) against the target.

    "Not targeted" (the label) when the target is not a number or there is no
    polarity, as the refresh writes; blank when the figure is not a number.
    ``improved_on``: the cell ``rag.amber_if_improved_on`` compares with (a
    RED that improved on it is AMBER).
    """
    lab, t = labels or RagLabels(), target.text()
    if polarity.ref is None:
        return _rated(value, t, polarity_sign(polarity), tolerance, mode, zero_target, amber,
                      lab, improved_on)
    # A polarity cell is tested once for each reading, and the rest of the
    # formula written for its sign, rather than the tests repeated wherever
    # the sign is used: half the characters in every cell, the same answer
    # (an error in the cell is the answer either way).
    higher, lower = _polarity_tests(polarity.ref, wordings)
    rated = [_rated(value, t, sign, tolerance, mode, zero_target, amber, lab, improved_on)
             for sign in ("1", "-1")]
    return f"IF({higher},{rated[0]},IF({lower},{rated[1]},{_text(lab.none)}))"


def _rated(value: str, t: str, s: str, tolerance: float, mode: str, zero_target: str,
           amber: float | None, lab: RagLabels, improved_on: str | None) -> str:
    """The rating for sign ``s`` (formula text: "1", "-1", "0")."""
    shortfall = f"({s})*({t}-{value})"
    band = _band_formula(t, s, tolerance, mode, zero_target, amber)
    eps = _num(EPSILON)
    red = _text(lab.RED)
    if improved_on:
        red = (f"IF(ISNUMBER({improved_on}),IF(({s})*({value}-{improved_on})>{eps},"
               f"{_text(lab.AMBER)},{_text(lab.RED)}),{_text(lab.RED)})")
    return (f'IF(OR(NOT(ISNUMBER({t})),({s})=0),{_text(lab.none)},'
            f'IF(NOT(ISNUMBER({value})),"",'
            f'IF({shortfall}<={eps},{_text(lab.GREEN)},'
            f'IF({shortfall}<={band}+{eps},{_text(lab.AMBER)},{red}))))')


def directional_formula(value: str, previous: str, wanted: str, *, decimals: int | None,
                        stable_band: float = 0.0, labels: RagLabels | None = None) -> str:
    """RAG of a directional target ("Decreasing"): the movement since
    ``previous`` at the published precision; STABLE is AMBER."""
    lab = labels or RagLabels()
    c, p = _rounded(value, decimals), _rounded(previous, decimals)
    change = f"({c}-{p})"
    up, down = (lab.GREEN, lab.RED) if wanted == "increase" else (lab.RED, lab.GREEN)
    return (f'IF(OR(NOT(ISNUMBER({value})),NOT(ISNUMBER({previous}))),"",'
            f'IF(ABS({change})<={_num(stable_band + EPSILON)},{_text(lab.AMBER)},'
            f'IF({change}>0,{_text(up)},{_text(down)})))')


def rating_formula(inp: RatingInput, own_sheet: str, labels: RagLabels | None = None
                   ) -> str | None:
    """The live RAG formula for a resolved indicator, or None where only the
    constant is honest: a text figure ("24*"), a comparison cell that holds
    text, nothing to rate against, a unit mismatch."""
    if not inp.value_cell or not inp.value_plain or not inp.ratable:
        return None
    if inp.directional:
        if not inp.previous_cell or not inp.previous_plain:
            return None
        return directional_formula(inp.value_cell, inp.previous_cell, str(inp.target_direction),
                                   decimals=inp.decimals, stable_band=inp.stable_band,
                                   labels=labels)
    improved_on = None
    if inp.amber_if_improved_on and inp.improved_cell:
        if not inp.improved_plain:
            return None
        improved_on = inp.improved_cell
    target = (absolute_ref(inp.target_cell) if inp.target_live and inp.target_cell
              else Operand(literal=inp.target).text())
    polarity = absolute_ref(inp.polarity_cell) if inp.polarity_live and inp.polarity_cell else None
    template = _rag_template(inp, polarity is not None, labels or RagLabels(), improved_on is not None)
    cells = {"value": inp.value_cell, "target": target, "polarity": polarity, "improved": improved_on}
    parts = list(template)
    parts[1::2] = [cells[name] for name in template[1::2]]
    return "".join(parts)


# Where the cells a rating formula names go in its template: they change from
# row to row of a table, the rest of the formula does not. No formula text
# holds a NUL (formula_safe refuses control characters), so each is found alone.
_MARK = "\x00"
_CELLS = {name: f"{_MARK}{name}{_MARK}" for name in ("value", "target", "polarity", "improved")}
_TEMPLATES: dict[tuple, tuple[str, ...]] = {}  # what a template is made of -> the template
_MAX_TEMPLATES = 1024


def _rag_template(inp: RatingInput, polarity_cell: bool, labels: RagLabels,
                  improved: bool) -> tuple[str, ...]:
    """:func:`rag_formula` of a resolved indicator as a template: its own
    text, split where the names of its cells ("value", "target", "polarity",
    "improved") go, at the odd places. Made once for the indicators of a
    table that share everything else, not once each. Figures are keyed by
    type and repr too, which tell 0.0 from -0.0 (equal, but written apart)."""
    tolerance, amber = inp.tolerance, inp.amber
    key = (None if polarity_cell else inp.polarity, polarity_cell,
           inp.polarity_text if polarity_cell else None,  # only a polarity cell is read by its wordings
           type(tolerance), repr(tolerance), inp.tolerance_mode, inp.zero_target,
           type(amber), repr(amber), labels.GREEN, labels.AMBER, labels.RED, labels.none, improved)
    found = _TEMPLATES.get(key)
    if found is None:
        if len(_TEMPLATES) >= _MAX_TEMPLATES:
            _TEMPLATES.clear()
        formula = rag_formula(
            _CELLS["value"], Operand(ref=_CELLS["target"]),
            Operand(ref=_CELLS["polarity"]) if polarity_cell else Operand(literal=inp.polarity),
            tolerance=tolerance, mode=inp.tolerance_mode, zero_target=inp.zero_target, amber=amber,
            labels=labels, improved_on=_CELLS["improved"] if improved else None,
            wordings=shared_wordings(inp.polarity_text) if polarity_cell else None)
        found = _TEMPLATES[key] = tuple(formula.split(_MARK))
    return found


def _text(label: str) -> str:
    return excel_string(label)  # cached there: the council's labels are in every formula


def _band_formula(t: str, s: str, tolerance: float, mode: str, zero_target: str,
                  amber: float | None) -> str:
    if amber is not None:
        return f"MAX(({s})*({t}-{_num(amber)}),0)"
    tol = _num(tolerance)
    if mode == "points":
        return tol
    if zero_target == "points":
        return f"IF({t}=0,{tol},{tol}*ABS({t}))"
    return f"{tol}*ABS({t})"


def arrow_formula(current: str, previous: str, *, decimals: int | None,
                  up: str = "↑", down: str = "↓", same: str = "↔",
                  stable_band: float = 0.0) -> str:
    """The raw-movement arrow at the published precision; blank without both figures."""
    c, p = _rounded(current, decimals), _rounded(previous, decimals)
    change = f"({c}-{p})"
    band = _num(stable_band + EPSILON)
    return (f'IF(OR(NOT(ISNUMBER({current})),NOT(ISNUMBER({previous}))),"",'
            f'IF(ABS({change})<={band},{excel_string(same)},'
            f'IF({change}>0,{excel_string(up)},{excel_string(down)})))')


def _rounded(ref: str, decimals: int | None) -> str:
    return ref if decimals is None else f"ROUND({ref},{decimals})"
