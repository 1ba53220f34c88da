"""Rates per 10,000 children aged 0-17.

DfE rates a count by the ONS mid-year estimate of children aged 0 to 17 of
the year before: the rate for the year ending 31 March 2025 (time period
"2025" or "202425") uses the mid-2024 estimate. The same rule serves
measures the catalogue derives (``rate_of:``) and a council's own count of
something DfE only publishes as a rate.
"""
from __future__ import annotations

import math

import pandas as pd

from ..errors import ComparatorError, Place
from .dfe_csv import period_end_year

PER = 10_000


def rate_per_10k(count: float, population: float) -> float:
    """``count`` per 10,000 of ``population``. Raises on a population that
    is not a positive number (a rate of nothing means nothing)."""
    if population is None or not math.isfinite(population) or population <= 0:
        raise ComparatorError(f"population must be a positive number, got {population!r}",
                              Place(key="population"))
    return count / population * PER


def population_year(time_period: str) -> str | None:
    """The mid-year estimate a rate for ``time_period`` uses: the year
    before the one it ends in ("2025" -> "2024", "202425" -> "2024")."""
    end = period_end_year(time_period)
    return None if end is None else str(end - 1)


def geography_key(frame: pd.DataFrame) -> pd.Series:
    """One key per place: the LA's old code, the region's code, or
    "england" for the national row."""
    key = pd.Series("england", index=frame.index, dtype=object)
    la = frame["level"] == "la"
    regional = frame["level"] == "regional"
    key[la] = "la:" + frame.loc[la, "old_la_code"].astype(str)
    key[regional] = "region:" + frame.loc[regional, "region_code"].astype(str)
    return key


def derive_rates(counts: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Rates per 10,000 from a frame of counts and one of population
    (both in the query's measure-frame shape). A count's symbol carries over
    to the rate; a count without a population has no rate."""
    pop = population.assign(_geo=geography_key(population),
                            _year=population["time_period"].map(lambda p: str(period_end_year(p))))
    pop = pop[["_geo", "_year", "value"]].rename(columns={"value": "_population"})
    pop = pop.drop_duplicates(["_geo", "_year"])
    rates = counts.assign(_geo=geography_key(counts),
                          _year=counts["time_period"].map(population_year))
    rates = rates.merge(pop, on=["_geo", "_year"], how="left")
    usable = rates["value"].notna() & (rates["_population"] > 0)
    rates["value"] = (rates["value"] / rates["_population"] * PER).where(usable)
    return rates.drop(columns=["_geo", "_year", "_population"])
