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
import json
import math
import statistics
from dataclasses import dataclass
import pandas as pd

from ..errors import ComparatorError, Place
from .benchmark import Benchmark, benchmark
from .dfe_csv import filters_match, period_fy, time_label
from .ofsted import good_at
from .rates import derive_rates, population_year, rate_per_10k
from .reorganisations import last_fy, not_existing, replaced_note
from .settings import ComparatorSettings, MeasureSpec, year_request
from .store import ComparatorStore, Council
from .years import period_end, style_for, year_label


@dataclass(frozen=True)
class Figure:
    """One comparator figure: a number, a symbol as published ("c"), or
    nothing; with the time period it comes from."""

    value: float | None = None
    symbol: str | None = None
    year_label: str | None = None  # as councils write it: "2024-25", "31 Mar 2025"
    time_period: str | None = None  # DfE's: "2025", "202425"
    note: str | None = None  # why there is no figure, when there is none
    dfe_year: str | None = None  # DfE's own label: "2025", "2024-25"

    @property
    def shown(self) -> float | str | None:
        """What a cell shows: the number, else the symbol, else None."""
        return self.value if self.value is not None else self.symbol

    @property
    def has_figure(self) -> bool:
        return self.value is not None

    def as_dict(self) -> dict:
        return {"value": self.value, "symbol": self.symbol, "year": self.year_label,
                "dfe_year": self.dfe_year, "time_period": self.time_period, "note": self.note}


@dataclass(frozen=True)
class NeighbourFigure:
    council: str  # name
    code: str  # old LA code
    closeness: str
    figure: Figure

    def as_dict(self) -> dict:
        return {"council": self.council, "code": self.code, "closeness": self.closeness,
                **self.figure.as_dict()}


RATE_WORDS = "rate per 10,000 children aged 0-17"


@dataclass(frozen=True)
class ComparatorAnswer:
    council: Council
    measure: str  # catalogue key
    label: str
    unit: str
    own: Figure
    sn: Figure
    sn_statistic: str  # "mean" | "median"
    sn_grouping: str | None  # "2021" | "2025"; None when none is imported
    sn_count: int  # neighbours with a figure
    neighbours: tuple[NeighbourFigure, ...]
    region: Figure
    england: Figure
    ofsted_good: Figure
    ofsted_good_count: int | None = None  # councils averaged; None for a fixed value
    year_asked: str | None = None  # the limit used, as "2023-24", None for latest
    # A count compared as a rate: what it is compared as, and the count itself.
    compared_as: str | None = None
    own_count: Figure | None = None
    compared_measure: str | None = None  # the rate measure's key
    benchmark: Benchmark | None = None
    grouping_note: str | None = None  # "grouping 2025 is not imported; 2021 used"
    council_note: str | None = None  # "Cumbria was replaced on 1 April 2023 by ..."
    ofsted_good_basis: str | None = None  # "ILACS judgements at 31 Mar 2025"
    sn_of: int = 0  # neighbours in the grouping

    def figure(self, kind: str) -> Figure:
        """"own", "sn", "region", "england" or "ofsted_good"."""
        return {"own": self.own, "sn": self.sn, "region": self.region, "england": self.england,
                "ofsted_good": self.ofsted_good}[kind]

    @property
    def sn_label(self) -> str:
        """"SN mean (9 of 10, 2021 grouping)"."""
        if self.sn_grouping is None:
            return f"SN {self.sn_statistic} (no grouping imported)"
        return (f"SN {self.sn_statistic} ({self.sn_count} of {self.sn_of or len(self.neighbours)}, "
                f"{self.sn_grouping} grouping)")

    @property
    def ofsted_good_label(self) -> str:
        """"Ofsted good mean (31 of 38 councils, ILACS at 31 Mar 2025)"."""
        if self.ofsted_good_count is None:
            return "Ofsted good"
        basis = f", {self.ofsted_good_basis}" if self.ofsted_good_basis else ""
        return f"Ofsted good {self.sn_statistic} ({self.ofsted_good_count} councils{basis})"

    def as_dict(self) -> dict:
        return {
            "council": self.council.as_dict(),
            "measure": self.measure, "label": self.label, "unit": self.unit,
            "year_asked": self.year_asked, "council_note": self.council_note,
            "compared_as": self.compared_as, "compared_measure": self.compared_measure,
            "own": self.own.as_dict(),
            "own_count": self.own_count.as_dict() if self.own_count else None,
            "sn": {**self.sn.as_dict(), "statistic": self.sn_statistic, "label": self.sn_label,
                   "grouping": self.sn_grouping, "grouping_note": self.grouping_note,
                   "count": self.sn_count, "of": self.sn_of or len(self.neighbours),
                   "neighbours": [n.as_dict() for n in self.neighbours]},
            "region": {**self.region.as_dict(), "name": self.council.region_name},
            "england": self.england.as_dict(),
            "ofsted_good": {**self.ofsted_good.as_dict(), "count": self.ofsted_good_count,
                            "statistic": self.sn_statistic if self.ofsted_good_count is not None
                            else None,
                            "basis": self.ofsted_good_basis, "label": self.ofsted_good_label},
            "benchmark": self.benchmark.as_dict() if self.benchmark else None,
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
    financial year starting ``reporting_fy``; else the latest published.

    A count is compared as a rate per 10,000 children aged 0-17 (the
    measure's ``as_rate``, else derived from the ONS estimate of the year
    before); without the population it is not compared at all. Raises
    ComparatorError, in one line, for a council that did not exist in the
    year asked."""
    if not isinstance(council, Council):
        council = store.resolve_council(council)
    key, spec = resolve_measure(settings, measure)
    offset = _fy_offset(settings, spec)
    limit = _limit_fy(year if year is not None else settings.year, reporting_fy, offset)
    gone = not_existing(council.old_code, council.name, limit)
    if gone:
        raise ComparatorError(gone, Place(key="council"))
    council_note = replaced_note(council.old_code, council.name) if limit is None else None
    if council_note:  # its last year, for every comparator alike
        limit = last_fy(council.old_code)

    compared_key, compared_spec = key, spec
    if _is_count(settings, key, spec):
        compared_key, compared_spec = _rate_measure(settings, key, spec)
    try:
        frame = measure_frame(store, settings, compared_key, compared_spec)
    except MissingData as exc:
        if compared_key == key:
            raise
        # The count's file is there but the population is not.
        measure_frame(store, settings, key, spec)  # raises when the count itself is missing
        return _not_compared(council, key, spec, settings, str(exc.message), council_note)
    label = _labeller(settings, compared_spec, offset)
    frame = _with_fy(frame, offset)
    if limit is not None:
        frame = frame[frame["_fy"] <= limit]

    own = _latest(_la_rows(frame, council.old_code), label)
    region = _latest(_region_rows(frame, council), label)
    england = _latest(frame[frame["level"] == "national"], label)

    grouping, grouping_note = choose_grouping(store, settings)
    neighbours = store.neighbours(council.old_code, grouping) if grouping else []
    codes = [code for code, _ in neighbours]
    sn, sn_count, sn_rows = _group_figure(store, frame, codes, settings.sn_statistic, label)
    if not neighbours:
        sn = Figure(note=grouping_note if grouping is None else
                    f"{council.name} is not in the {grouping} neighbour grouping")
    closeness = dict(neighbours)
    neighbour_figures = tuple(
        NeighbourFigure(council=name, code=code, closeness=closeness.get(code, ""), figure=figure)
        for code, name, figure in sn_rows)

    period = own.time_period if own.value is not None else _latest_period(frame)
    bench = _benchmark(frame, council.old_code, codes, period, compared_spec.polarity, label)
    good, good_count, basis = _ofsted_good(store, frame, compared_key, settings, period, label,
                                           offset, compared_spec)
    own_count = None
    if compared_key != key and own.time_period:
        counts = _with_fy(measure_frame(store, settings, key, spec), offset)
        counts = counts[counts["time_period"] == own.time_period]
        own_count = _latest(_la_rows(counts, council.old_code), label)
    return ComparatorAnswer(
        council=council, measure=key, label=spec.label, unit=compared_spec.unit,
        own=own, sn=sn, sn_statistic=settings.sn_statistic, sn_grouping=grouping,
        sn_count=sn_count, neighbours=neighbour_figures, region=region, england=england,
        ofsted_good=good, ofsted_good_count=good_count,
        year_asked=None if limit is None else f"{limit}-{(limit + 1) % 100:02d}",
        compared_as=RATE_WORDS if compared_key != key else None, own_count=own_count,
        compared_measure=compared_key if compared_key != key else None,
        benchmark=bench, grouping_note=grouping_note if grouping else None,
        council_note=council_note, ofsted_good_basis=basis, sn_of=len(neighbours))


def benchmark_all(store: ComparatorStore, measure: str, settings: ComparatorSettings, *,
                  year: str | int | None = None) -> dict[str, Benchmark]:
    """LAIT's band and rank of every council (LA number -> Benchmark) on
    ``measure`` in the latest year at or before ``year``: the all-council
    view, computed by the same rule as :func:`compare`."""
    key, spec = resolve_measure(settings, measure)
    if _is_count(settings, key, spec):
        key, spec = _rate_measure(settings, key, spec)
    offset = _fy_offset(settings, spec)
    frame = _with_fy(measure_frame(store, settings, key, spec), offset)
    limit = _limit_fy(year if year is not None else settings.year, None, offset)
    if limit is not None:
        frame = frame[frame["_fy"] <= limit]
    period = _latest_period(frame)
    if period is None:
        return {}
    label = _labeller(settings, spec, offset)
    grouping, _ = choose_grouping(store, settings)
    la = frame[(frame["level"] == "la") & (frame["time_period"] == period)]
    return {code: _benchmark(frame, code, [c for c, _ in store.neighbours(code, grouping)]
                             if grouping else [], period, spec.polarity, label)
            for code in dict.fromkeys(la["old_la_code"])}


def choose_grouping(store: ComparatorStore, settings: ComparatorSettings) -> tuple[str | None, str | None]:
    """The neighbour grouping to use and, when it is not the one asked for,
    why: the configured one when imported; else the newest imported."""
    have = sorted(store.groupings(), key=lambda g: (len(g), g))
    wanted = settings.sn_grouping
    if not have:
        return None, ("no statistical neighbour grouping is imported; import DfE's neighbour "
                      "list (sn_model_2025_wide.csv)")
    if wanted is None or wanted in have:
        return wanted or have[-1], None
    return have[-1], f"grouping {wanted} is not imported; the {have[-1]} grouping is used"


def _is_count(settings: ComparatorSettings, key: str, spec: MeasureSpec) -> bool:
    return spec.unit == "number" and spec.rate_of is None and key != settings.population_measure


def _rate_measure(settings: ComparatorSettings, key: str, spec: MeasureSpec) -> tuple[str, MeasureSpec]:
    """The rate per 10,000 a count is compared as."""
    if spec.as_rate:
        return spec.as_rate, settings.measures[spec.as_rate]
    for other_key, other in settings.measures.items():
        if other.rate_of == key:
            return other_key, other
    return f"{key}:per_10k", MeasureSpec(label=f"{spec.label} per 10,000 children aged 0-17",
                                          rate_of=key, unit="rate", polarity=spec.polarity,
                                          year_style=spec.year_style)


def _not_compared(council: Council, key: str, spec: MeasureSpec, settings: ComparatorSettings,
                  why: str, council_note: str | None) -> ComparatorAnswer:
    note = f"a count is compared only as a {RATE_WORDS}; {why}"
    empty = Figure(note=note)
    return ComparatorAnswer(council=council, measure=key, label=spec.label, unit=spec.unit,
                            own=empty, sn=empty, sn_statistic=settings.sn_statistic,
                            sn_grouping=None, sn_count=0, neighbours=(), region=empty,
                            england=empty, ofsted_good=empty, compared_as=RATE_WORDS,
                            council_note=council_note)


def _labeller(settings: ComparatorSettings, spec: MeasureSpec, offset: int):
    """A function (time_period, filters JSON) -> the year as councils write it."""
    default = settings.year_style_of(spec)
    snapshot = settings.snapshot_of(spec)
    explicit = settings.year_style != "auto" or spec.year_style is not None
    cache: dict[tuple[str, str], str] = {}

    def label(time_period: str, filters: str = "{}") -> str:
        cached = cache.get((time_period, filters))
        if cached is None:
            style = default
            if not explicit and "time_identifier" in filters:
                style = style_for(json.loads(filters).get("time_identifier"), default)
            cached = cache[(time_period, filters)] = year_label(time_period, style, offset, snapshot)
        return cached

    return label


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


def _la_rows(frame: pd.DataFrame, old_code: str) -> pd.DataFrame:
    return frame[(frame["level"] == "la") & (frame["old_la_code"] == old_code)]


def _has_figure(frame: pd.DataFrame) -> pd.Series:
    symbol = frame["symbol"].map(lambda s: isinstance(s, str) and s != "").astype(bool)
    return frame["value"].notna() | symbol


def _latest(rows: pd.DataFrame, label) -> Figure:
    """The latest row that states a figure or a symbol (blank rows skipped)."""
    rows = rows[_has_figure(rows)]
    if rows.empty:
        return Figure(note="no published figure")
    row = rows.loc[rows["_fy"].idxmax()]
    return _figure(row, label)


def _latest_period(frame: pd.DataFrame) -> str | None:
    la = frame[(frame["level"] == "la") & frame["value"].notna()]
    if la.empty:
        return None
    return la.loc[la["_fy"].idxmax(), "time_period"]


def _figure(row: pd.Series, label) -> Figure:
    value = row["value"]
    value = None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    symbol = row["symbol"] if isinstance(row["symbol"], str) and row["symbol"] else None
    return Figure(value=value, symbol=None if value is not None else symbol,
                  year_label=label(row["time_period"], row["filters"]), time_period=row["time_period"],
                  dfe_year=time_label(row["time_period"]))


def _region_rows(frame: pd.DataFrame, council: Council) -> pd.DataFrame:
    regional = frame[frame["level"] == "regional"]
    if council.region_code:
        return regional[regional["region_code"] == council.region_code]
    return regional[regional["region_name"] == council.region_name]


def _group_figure(store: ComparatorStore, frame: pd.DataFrame, codes: list[str],
                  statistic: str, label, period: str | None = None
                  ) -> tuple[Figure, int, list[tuple[str, str, Figure]]]:
    """Mean or median over a group of councils in the latest year at or
    before the limit in which any of them has a figure (or in ``period``);
    symbols and blanks are left out. Also each council's own figure for that year."""
    if not codes:
        return Figure(note="no councils in the group"), 0, []
    rows = frame[(frame["level"] == "la") & frame["old_la_code"].isin(codes)]
    rows = rows[_has_figure(rows)]
    if period is not None:
        rows = rows[rows["time_period"] == period]
    if rows.empty:
        return Figure(note="no published figure for any council of the group"), 0, \
            [(c, _name(store, c), Figure(note="no published figure")) for c in codes]
    fy = rows["_fy"].max()
    year_rows = rows[rows["_fy"] == fy].drop_duplicates("old_la_code").set_index("old_la_code")
    first = year_rows.iloc[0]
    period = first["time_period"]
    year = label(period, first["filters"])
    each = []
    for code in codes:
        if code in year_rows.index:
            figure = _figure(year_rows.loc[code], label)
        else:
            figure = Figure(note="no published figure", year_label=year, time_period=period,
                            dfe_year=time_label(period))
        each.append((code, _name(store, code), figure))
    numbers = [f.value for _, _, f in each if f.value is not None]
    if not numbers:
        return Figure(year_label=year, time_period=period, dfe_year=time_label(period),
                      note="every council of the group is suppressed or missing"), 0, each
    value = statistics.fmean(numbers) if statistic == "mean" else statistics.median(numbers)
    return Figure(value=value, year_label=year, time_period=period,
                  dfe_year=time_label(period)), len(numbers), each


def _name(store: ComparatorStore, code: str) -> str:
    return store.name_of(code)


def _benchmark(frame: pd.DataFrame, own_code: str, codes: list[str], period: str | None,
               polarity: str | None, label) -> Benchmark | None:
    """LAIT's quartile band and rank of the council in ``period``, among
    local authorities only (one figure per council)."""
    if period is None:
        return None
    la = frame[(frame["level"] == "la") & (frame["time_period"] == period) & frame["value"].notna()]
    la = la.drop_duplicates("old_la_code")
    values = dict(zip(la["old_la_code"], la["value"].astype(float)))
    own = values.get(own_code)
    group = [values[c] for c in dict.fromkeys([own_code, *codes]) if c in values]
    filters = la["filters"].iloc[0] if not la.empty else "{}"
    return benchmark(own, list(values.values()), group, polarity, label(period, filters))


def _ofsted_good(store: ComparatorStore, frame: pd.DataFrame, key: str,
                 settings: ComparatorSettings, period: str | None, label, offset: int,
                 spec: MeasureSpec) -> tuple[Figure, int | None, str | None]:
    """The configured value, else the mean (or median) over the configured
    councils, else over the councils Ofsted judged Good or Outstanding at
    the year's end (from the imported Ofsted outcomes)."""
    fixed = settings.ofsted_good.fixed(key)
    if fixed is not None:
        return Figure(value=fixed.value, year_label=fixed.year, time_period=None), None, None
    statistic = settings.sn_statistic
    if settings.ofsted_good.councils:
        codes = [store.resolve_council(c).old_code for c in settings.ofsted_good.councils]
        figure, count, _ = _group_figure(store, frame, list(dict.fromkeys(codes)), statistic, label)
        return figure, count, "councils named in the config"
    if not store.has_ofsted():
        return Figure(note="Ofsted outcomes not imported (comparators import "
                           "LA_Inspection_Outcomes_as_at_31_March_YYYY.ods)"), None, None
    when = period_end(period, offset, settings.snapshot_of(spec)) if period else None
    if when is None:
        return Figure(note="no year to judge Ofsted outcomes at"), None, None
    published = store.ofsted_as_at()
    if published is not None and when > published:
        when = published  # nothing later is published: the latest judgements
    good = good_at(store.ofsted_inspections(), when)
    codes = sorted({c for c in (store.old_code_for(code) for code in good) if c})
    basis = f"ILACS judgements at {when.day} {when:%b %Y}"
    if not codes:
        return Figure(note=f"no council judged good or better ({basis})"), 0, basis
    figure, count, _ = _group_figure(store, frame, codes, statistic, label, period=period)
    return figure, count, basis


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
