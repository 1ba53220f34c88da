"""Ask the store for one council's comparators on one measure.

The answer holds the council's own published figure, its statistical
neighbours' mean or median (and how many neighbours had a figure), its
region, England and "Ofsted good", each with the year label of the figure
used. The year is the latest at or before the reporting period (or a fixed
year from config); suppressed and other symbols are kept as symbols and
never enter an average.
"""
from __future__ import annotations

import difflib
import math
import statistics
from dataclasses import dataclass
import pandas as pd

from ..errors import ComparatorError, Place
from .dfe_csv import filters_match, period_fy, time_label
from .rates import derive_rates, population_year, rate_per_10k
from .settings import ComparatorSettings, MeasureSpec, year_request
from .store import ComparatorStore, Council


@dataclass(frozen=True)
class Figure:
    """One comparator figure: a number, a symbol as published ("c"), or
    nothing; with the time period it comes from."""

    value: float | None = None
    symbol: str | None = None
    year_label: str | None = None  # "2023" or "2022-23", as DfE labels it
    time_period: str | None = None  # "2023", "202223"
    note: str | None = None  # why there is no figure, when there is none

    @property
    def shown(self) -> float | str | None:
        """What a cell shows: the number, else the symbol, else None."""
        return self.value if self.value is not None else self.symbol

    @property
    def has_figure(self) -> bool:
        return self.value is not None

    def as_dict(self) -> dict:
        return {"value": self.value, "symbol": self.symbol, "year": self.year_label,
                "time_period": self.time_period, "note": self.note}


@dataclass(frozen=True)
class NeighbourFigure:
    council: str  # name
    code: str  # old LA code
    closeness: str
    figure: Figure

    def as_dict(self) -> dict:
        return {"council": self.council, "code": self.code, "closeness": self.closeness,
                **self.figure.as_dict()}


@dataclass(frozen=True)
class ComparatorAnswer:
    council: Council
    measure: str  # catalogue key
    label: str
    unit: str
    own: Figure
    sn: Figure
    sn_statistic: str  # "mean" | "median"
    sn_grouping: str  # "2021" | "2025"
    sn_count: int  # neighbours with a figure
    neighbours: tuple[NeighbourFigure, ...]
    region: Figure
    england: Figure
    ofsted_good: Figure
    ofsted_good_count: int | None = None  # councils averaged; None for a fixed value
    year_asked: str | None = None  # the limit used, as "2023-24", None for latest

    def figure(self, kind: str) -> Figure:
        """"own", "sn", "region", "england" or "ofsted_good"."""
        return {"own": self.own, "sn": self.sn, "region": self.region, "england": self.england,
                "ofsted_good": self.ofsted_good}[kind]

    def as_dict(self) -> dict:
        return {
            "council": self.council.as_dict(),
            "measure": self.measure, "label": self.label, "unit": self.unit,
            "year_asked": self.year_asked,
            "own": self.own.as_dict(),
            "sn": {**self.sn.as_dict(), "statistic": self.sn_statistic,
                   "grouping": self.sn_grouping, "count": self.sn_count,
                   "neighbours": [n.as_dict() for n in self.neighbours]},
            "region": {**self.region.as_dict(), "name": self.council.region_name},
            "england": self.england.as_dict(),
            "ofsted_good": {**self.ofsted_good.as_dict(), "count": self.ofsted_good_count},
        }


class MissingData(ComparatorError):
    """The store holds no figures for a measure (its file was not imported)."""


# --- measures ----------------------------------------------------------------

def resolve_measure(settings: ComparatorSettings, text: str) -> tuple[str, MeasureSpec]:
    """A measure by catalogue key, by an indicator id/name the config maps
    or the standard indicator library knows ("CSC-REREF"), or as
    "dataset:column" for a column the catalogue does not list."""
    text = str(text).strip()
    if text in settings.measures:
        return text, settings.measures[text]
    mapped = settings.measure_for_indicator(text, text) or settings.measure_from_library(text, text)
    if mapped:
        return mapped, settings.measures[mapped]
    if ":" in text:
        dataset, _, column = text.partition(":")
        return text, MeasureSpec(label=column, dataset=dataset.strip(), column=column.strip())
    close = difflib.get_close_matches(text, list(settings.measures), n=5, cutoff=0.4)
    hint = f"; closest: {', '.join(close)}" if close else \
        "; 'kpi-xl comparators measures' lists them"
    raise ComparatorError(f"unknown measure {text!r}{hint}", Place(key="measure"))


def measure_frame(store: ComparatorStore, settings: ComparatorSettings, key: str,
                  spec: MeasureSpec) -> pd.DataFrame:
    """Every published figure of a measure, one row per time period and
    place. Rates derived with ``rate_of`` are computed here."""
    if spec.rate_of is not None:
        counts = measure_frame(store, settings, spec.rate_of, settings.measures[spec.rate_of])
        pop_key = settings.population_measure
        if pop_key not in settings.measures:
            raise ComparatorError(f"population measure {pop_key!r} is not in the catalogue",
                                  Place(key="comparators -> population_measure"))
        population = measure_frame(store, settings, pop_key, settings.measures[pop_key])
        return derive_rates(counts, population)
    frame = store.figures(spec.dataset, spec.column)
    if frame.empty:
        raise MissingData(f"no figures for measure {key!r} in the store; import the DfE "
                              f"file of dataset {spec.dataset!r}",
                              Place(file=str(store.path), key=key))
    if spec.filters:
        wanted = {f for f in frame["filters"].unique() if filters_match(f, spec.filters)}
        frame = frame[frame["filters"].isin(wanted)]
        if frame.empty:
            raise ComparatorError(f"no rows of {spec.dataset!r} match the filters "
                                  f"{spec.filters} of measure {key!r}",
                                  Place(file=str(store.path), key=key))
    _check_one_row_per_place(frame, key, key in settings.measures)
    return frame


def _check_one_row_per_place(frame: pd.DataFrame, key: str, catalogued: bool) -> None:
    place = ["time_period", "level", "old_la_code", "region_code"]
    duplicated = frame.duplicated(place)
    if duplicated.any():
        example = frame.loc[duplicated, "filters"].iloc[0]
        raise ComparatorError(f"measure {key!r} matches several rows per council and year; "
                              f"narrow it with filters (a row reads {example})",
                              Place(key=f"comparators -> measures -> {key} -> filters"
                                    if catalogued else "measure"))


def _fy_offset(settings: ComparatorSettings, spec: MeasureSpec) -> int:
    while spec.rate_of is not None:
        spec = settings.measures[spec.rate_of]
    return settings.fy_offset(spec.dataset)


# --- the question --------------------------------------------------------------

def compare(store: ComparatorStore, council: str | Council, measure: str,
            settings: ComparatorSettings, *, year: str | int | None = None,
            reporting_fy: int | None = None) -> ComparatorAnswer:
    """The comparators of ``council`` (name, old or new code) on ``measure``.

    ``year`` (as DfE labels it: 2023, "2022-23") picks the latest figure at
    or before it; else ``settings.year``; else the latest at or before the
    financial year starting ``reporting_fy``; else the latest published."""
    if not isinstance(council, Council):
        council = store.resolve_council(council)
    key, spec = resolve_measure(settings, measure)
    frame = measure_frame(store, settings, key, spec)
    offset = _fy_offset(settings, spec)
    limit = _limit_fy(year if year is not None else settings.year, reporting_fy, offset)
    frame = _with_fy(frame, offset)
    if limit is not None:
        frame = frame[frame["_fy"] <= limit]

    own = _latest(frame[(frame["level"] == "la") & (frame["old_la_code"] == council.old_code)])
    region = _latest(_region_rows(frame, council))
    england = _latest(frame[frame["level"] == "national"])

    neighbours = store.neighbours(council.old_code, settings.sn_grouping)
    sn, sn_count, sn_rows = _group_figure(store, frame, [code for code, _ in neighbours],
                                          settings.sn_statistic)
    if not neighbours:
        grouping = settings.sn_grouping
        sn = Figure(note=f"{council.name} is not in the {grouping} neighbour grouping"
                    if grouping in store.groupings() else
                    f"statistical neighbour grouping {grouping} is not imported; import the DfE "
                    f"neighbour list")
    closeness = dict(neighbours)
    neighbour_figures = tuple(
        NeighbourFigure(council=name, code=code, closeness=closeness.get(code, ""), figure=figure)
        for code, name, figure in sn_rows)

    good, good_count = _ofsted_good(store, frame, key, settings)
    return ComparatorAnswer(
        council=council, measure=key, label=spec.label, unit=spec.unit,
        own=own, sn=sn, sn_statistic=settings.sn_statistic, sn_grouping=settings.sn_grouping,
        sn_count=sn_count, neighbours=neighbour_figures, region=region, england=england,
        ofsted_good=good, ofsted_good_count=good_count,
        year_asked=None if limit is None else f"{limit}-{(limit + 1) % 100:02d}")


def _limit_fy(year: str | int | None, reporting_fy: int | None, offset: int) -> int | None:
    """The latest financial year (by start) a figure may come from."""
    if year is not None:
        request = year_request(year)
        if request is None:
            raise ComparatorError(f"{year!r} is not a year such as 2023 or 2022-23",
                                  Place(key="year"))
        kind, number = request
        return number if kind == "fy" else number + offset
    return reporting_fy


def _with_fy(frame: pd.DataFrame, offset: int) -> pd.DataFrame:
    periods = {p: period_fy(p, offset) for p in frame["time_period"].unique()}
    fy = frame["time_period"].map(periods)
    return frame.assign(_fy=fy).dropna(subset=["_fy"])


def _has_figure(frame: pd.DataFrame) -> pd.Series:
    symbol = frame["symbol"].map(lambda s: isinstance(s, str) and s != "").astype(bool)
    return frame["value"].notna() | symbol


def _latest(rows: pd.DataFrame) -> Figure:
    """The latest row that states a figure or a symbol (blank rows skipped)."""
    rows = rows[_has_figure(rows)]
    if rows.empty:
        return Figure(note="no published figure")
    row = rows.loc[rows["_fy"].idxmax()]
    return _figure(row)


def _figure(row: pd.Series) -> Figure:
    value = row["value"]
    value = None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    symbol = row["symbol"] if isinstance(row["symbol"], str) and row["symbol"] else None
    return Figure(value=value, symbol=None if value is not None else symbol,
                  year_label=time_label(row["time_period"]), time_period=row["time_period"])


def _region_rows(frame: pd.DataFrame, council: Council) -> pd.DataFrame:
    regional = frame[frame["level"] == "regional"]
    if council.region_code:
        return regional[regional["region_code"] == council.region_code]
    return regional[regional["region_name"] == council.region_name]


def _group_figure(store: ComparatorStore, frame: pd.DataFrame, codes: list[str],
                  statistic: str) -> tuple[Figure, int, list[tuple[str, str, Figure]]]:
    """Mean or median over a group of councils in the latest year at or
    before the limit in which any of them has a figure; symbols and blanks
    are left out. Also each council's own figure for that year."""
    if not codes:
        return Figure(note="no councils in the group"), 0, []
    rows = frame[(frame["level"] == "la") & frame["old_la_code"].isin(codes)]
    rows = rows[_has_figure(rows)]
    if rows.empty:
        return Figure(note="no published figure for any council of the group"), 0, \
            [(c, _name(store, c), Figure(note="no published figure")) for c in codes]
    fy = rows["_fy"].max()
    year_rows = rows[rows["_fy"] == fy].set_index("old_la_code")
    period = year_rows["time_period"].iloc[0]
    each = []
    for code in codes:
        if code in year_rows.index:
            figure = _figure(year_rows.loc[code])
        else:
            figure = Figure(note="no published figure", year_label=time_label(period),
                            time_period=period)
        each.append((code, _name(store, code), figure))
    numbers = [f.value for _, _, f in each if f.value is not None]
    label = time_label(period)
    if not numbers:
        return Figure(year_label=label, time_period=period,
                      note="every council of the group is suppressed or missing"), 0, each
    value = statistics.fmean(numbers) if statistic == "mean" else statistics.median(numbers)
    return Figure(value=value, year_label=label, time_period=period), len(numbers), each


def _name(store: ComparatorStore, code: str) -> str:
    council = store.council_by_code(code)
    return council.name if council else code


def _ofsted_good(store: ComparatorStore, frame: pd.DataFrame, key: str,
                 settings: ComparatorSettings) -> tuple[Figure, int | None]:
    fixed = settings.ofsted_good.fixed(key)
    if fixed is not None:
        return Figure(value=fixed.value, year_label=fixed.year, time_period=None), None
    if not settings.ofsted_good.councils:
        return Figure(note="no Ofsted good councils or value configured"), None
    codes = [store.resolve_council(c).old_code for c in settings.ofsted_good.councils]
    figure, count, _ = _group_figure(store, frame, list(dict.fromkeys(codes)), "mean")
    return figure, count


# --- a council's own count as a rate -------------------------------------------

def rate_for_council(store: ComparatorStore, settings: ComparatorSettings,
                     council: str | Council, count: float, time_period: str | int) -> Figure:
    """``count`` per 10,000 children aged 0-17 of ``council`` for the year
    ``time_period`` (DfE labelling: 2024 = year ending March 2024, or
    "2023-24"), by the ONS mid-year estimate of the year before."""
    if not isinstance(council, Council):
        council = store.resolve_council(council)
    request = year_request(time_period)
    if request is None:
        raise ComparatorError(f"{time_period!r} is not a year such as 2024 or 2023-24",
                              Place(key="year"))
    kind, number = request
    period = f"{number}{(number + 1) % 100:02d}" if kind == "fy" else str(number)
    pop_year = population_year(period)
    key = settings.population_measure
    population = measure_frame(store, settings, key, settings.measures[key])
    rows = population[(population["level"] == "la") & (population["old_la_code"] == council.old_code)
                      & (population["time_period"] == pop_year)]
    values = rows["value"].dropna()
    if values.empty:
        return Figure(note=f"no ONS mid-{pop_year} population for {council.name}",
                      year_label=time_label(period), time_period=period)
    return Figure(value=rate_per_10k(count, float(values.iloc[0])),
                  year_label=time_label(period), time_period=period)
