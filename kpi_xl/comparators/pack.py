"""The store's answer as the committee pack prints it.

The pack (``kpi_xl.pack``) lays out what it is given; this turns one
:class:`~kpi_xl.comparators.query.ComparatorAnswer` into the rows it shows:
kind, label, value on the indicator's own scale (for the chart line; None
when the scales differ, as for a count compared as a rate), text, year.
"""
from __future__ import annotations

from dataclasses import dataclass

from .fill import PER_10K
from .query import ComparatorAnswer, Figure


@dataclass(frozen=True)
class PackFigure:
    kind: str  # "own_rate", "sn", "region", "england", "ofsted_good", "benchmark"
    label: str  # "SN mean (9 of 10, 2021 grouping)"
    value: float | None  # on the indicator's scale, None when not comparable on a chart
    text: str  # "21.5%", "400.3 per 10k", "c"
    year: str | None  # "2024-25", "31 Mar 2025"


def pack_figures(answer: ComparatorAnswer, indicator_unit: str | None) -> list[PackFigure]:
    """What the pack shows for an answer: the council's own rate (for a
    count), SN, region, England and Ofsted good with their labels and years,
    then LAIT's quartile band and ranks in one entry."""
    rated = answer.compared_as is not None
    rows = []
    if rated:
        rows.append(("own_rate", f"Our rate {PER_10K}", answer.own))
    rows += [("sn", answer.sn_label, answer.sn),
             ("region", answer.council.region_name or "Region", answer.region),
             ("england", "England", answer.england),
             ("ofsted_good", answer.ofsted_good_label, answer.ofsted_good)]
    out = []
    for kind, label, figure in rows:
        text = _text(figure, answer.unit, rated)
        if text is None:
            continue
        out.append(PackFigure(kind, label, _value(figure, answer.unit, indicator_unit, rated),
                              text, figure.year_label))
    bench = answer.benchmark
    if bench is not None and (bench.band or bench.rank):
        parts = [f"band {bench.band}" if bench.band else None,
                 f"rank {bench.rank_text}" if bench.rank_text else None,
                 f"{bench.sn_rank_text} with SN" if bench.sn_rank_text else None]
        out.append(PackFigure("benchmark", "Quartile band and rank (LAIT, 1 best)", None,
                              ", ".join(p for p in parts if p), bench.year_label))
    return out


def _text(figure: Figure, unit: str, rated: bool) -> str | None:
    if figure.value is None:
        return figure.symbol  # as published ("c"), never 0
    if rated:
        return f"{figure.value:,.1f} {PER_10K}"
    if unit == "percent":
        return f"{figure.value:,.1f}%"
    return f"{figure.value:,.1f}"


def _value(figure: Figure, unit: str, indicator_unit: str | None, rated: bool) -> float | None:
    if figure.value is None or rated:
        return None
    if unit == "percent":
        return figure.value / 100 if indicator_unit == "percent" else None
    return figure.value
