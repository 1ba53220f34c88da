"""Quartile band and rank, as DfE's LAIT computes them.

LAIT (dfe-analytical-services/local-authority-interactive-tool,
``R/fn_analysis.R``) takes the latest year's figures of local authorities
only (no regions, no England) and:

- cuts them at R's default quantiles (``quantile(x)``, type 7: linear
  interpolation between order statistics, h = (n - 1) p);
- bands a figure A-D: for lower-is-better A is at or below Q1, B above Q1
  up to Q2, C above Q2 up to Q3, D above Q3; for higher-is-better the
  letters are reversed (A above Q3). Each band includes its upper bound,
  so a figure exactly on a quartile falls in the band of lower values;
- ranks with ``rank(x, ties.method = "min")``: 1 is best (the lowest for
  lower-is-better, the highest for higher-is-better), tied figures share
  the lowest rank, and a missing figure has no rank.

Symbols (suppressed, not available) are missing figures here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

BANDS_LOW_BEST = ("A", "B", "C", "D")


def quantile7(values: list[float], p: float) -> float:
    """R's ``quantile(values, p, type = 7)``."""
    xs = sorted(values)
    if not xs:
        raise ValueError("no figures")
    h = (len(xs) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def quartiles(values: list[float]) -> tuple[float, float, float, float, float]:
    """(min, Q1, median, Q3, max) by type 7."""
    return tuple(quantile7(values, p) for p in (0.0, 0.25, 0.5, 0.75, 1.0))  # type: ignore[return-value]


def quartile_band(value: float | None, cuts: tuple[float, ...], polarity: str | None) -> str | None:
    """"A".."D" for ``value`` against ``cuts`` (from :func:`quartiles`);
    None when the value is missing or the measure has no polarity."""
    if value is None or polarity not in ("lower", "higher"):
        return None
    _, q1, q2, q3, _ = cuts
    position = 0 if value <= q1 else 1 if value <= q2 else 2 if value <= q3 else 3
    if polarity == "higher":
        position = 3 - position
    return BANDS_LOW_BEST[position]


def rank_of(value: float | None, values: list[float], polarity: str | None) -> int | None:
    """1 + how many figures are strictly better; None when missing or no polarity."""
    if value is None or polarity not in ("lower", "higher"):
        return None
    if polarity == "lower":
        return 1 + sum(1 for v in values if v < value)
    return 1 + sum(1 for v in values if v > value)


@dataclass(frozen=True)
class Benchmark:
    """LAIT's benchmarking of one council's figure on one measure and year."""

    band: str | None  # "A".."D"
    rank: int | None  # among every council with a figure, 1 best
    of: int  # councils with a figure
    sn_rank: int | None  # among the council and its neighbours with a figure
    sn_of: int
    quartiles: tuple[float, float, float, float, float] | None  # min, Q1, Q2, Q3, max
    polarity: str | None
    year_label: str | None = None
    note: str | None = None  # why there is no band or rank

    @property
    def rank_text(self) -> str | None:
        return f"{self.rank} of {self.of}" if self.rank is not None else None

    @property
    def sn_rank_text(self) -> str | None:
        return f"{self.sn_rank} of {self.sn_of}" if self.sn_rank is not None else None

    def as_dict(self) -> dict:
        q = self.quartiles
        return {"band": self.band, "rank": self.rank, "of": self.of,
                "sn_rank": self.sn_rank, "sn_of": self.sn_of, "polarity": self.polarity,
                "quartiles": None if q is None else dict(zip(["min", "q1", "q2", "q3", "max"], q)),
                "year": self.year_label, "note": self.note}


def benchmark(own: float | None, all_la: list[float], group: list[float], polarity: str | None,
              year_label: str | None = None) -> Benchmark:
    """Band and rank of ``own`` among ``all_la`` (every council's figure of
    the year, own included) and among ``group`` (the council's and its
    neighbours' figures)."""
    if not all_la:
        return Benchmark(None, None, 0, None, 0, None, polarity, year_label,
                         note="no council has a figure this year")
    cuts = quartiles(all_la)
    note = None
    if polarity not in ("lower", "higher"):
        note = "no polarity for this measure (set comparators -> measures -> KEY -> polarity)"
    elif own is None:
        note = "the council has no figure this year"
    return Benchmark(band=quartile_band(own, cuts, polarity), rank=rank_of(own, all_la, polarity),
                     of=len(all_la), sn_rank=rank_of(own, group, polarity), sn_of=len(group),
                     quartiles=cuts, polarity=polarity, year_label=year_label, note=note)
