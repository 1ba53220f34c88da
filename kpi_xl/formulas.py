"""Excel formulas that restate the rules, so a figure typed later rates live.

Each builder returns formula text without the leading '='. They mirror
``kpi_xl.rules.rate`` and ``kpi_xl.rules.movement`` term by term; the tests
recalculate them in LibreOffice and compare with the Python rules.
"""
from __future__ import annotations

from dataclasses import dataclass

from numpy import format_float_positional

from .config import RagLabels
from .rules import EPSILON


@dataclass(frozen=True)
class Operand:
    """A cell reference ("Targets!$B$2") or a literal number/text."""

    ref: str | None = None
    literal: float | str | None = None

    def text(self) -> str:
        if self.ref is not None:
            return self.ref
        if isinstance(self.literal, str):
            return '"' + self.literal.replace('"', '""') + '"'
        return _num(self.literal)


def _num(x) -> str:
    """A number as formula text: shortest exact digits, never exponent notation."""
    return format_float_positional(float(x or 0), trim="-")


def polarity_sign(polarity: Operand) -> str:
    """+1 for higher is better, -1 for lower, 0 (no rating) otherwise.

    A polarity cell is read by its words ("Higher is better", "Low"), as
    officers write it."""
    if polarity.ref is None:
        return {"higher": "1", "lower": "-1"}.get(str(polarity.literal), "0")
    p = polarity.ref
    return f'IF(ISNUMBER(SEARCH("low",{p})),-1,IF(ISNUMBER(SEARCH("high",{p})),1,0))'


def rag_formula(value: str, target: Operand, polarity: Operand, *, tolerance: float,
                mode: str = "relative", zero_target: str = "strict",
                amber: float | None = None, labels: RagLabels | None = None) -> str:
    """RAG of the figure in ``value`` (a cell ref) against the target.

    Blank when the figure or target is not a number or there is no polarity.
    """
    lab = labels or RagLabels()
    t = target.text()
    s = polarity_sign(polarity)
    shortfall = f"({s})*({t}-{value})"
    band = _band_formula(t, s, tolerance, mode, zero_target, amber)
    eps = _num(EPSILON)
    return (f'IF(OR(NOT(ISNUMBER({value})),NOT(ISNUMBER({t})),({s})=0),"",'
            f'IF({shortfall}<={eps},"{lab.GREEN}",'
            f'IF({shortfall}<={band}+{eps},"{lab.AMBER}","{lab.RED}")))')


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
            f'IF(ABS({change})<={band},"{same}",IF({change}>0,"{up}","{down}")))')


def _rounded(ref: str, decimals: int | None) -> str:
    return ref if decimals is None else f"ROUND({ref},{decimals})"
