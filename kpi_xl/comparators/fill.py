"""What the refresh writes into comparator cells.

For each indicator whose table has comparator cells (roles
``comparator:sn``, ``comparator:region``, ``comparator:england``,
``comparator:ofsted_good``) and that maps to a measure, one
:class:`ComparatorFill` per cell, with the figure as the sheet expects it
(a percentage as a fraction when the indicator is in percent) and the year
label of the figure. Cells reading "Local measure" are the council's own
measures and are left alone.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from ..config import Config
from ..errors import ComparatorError, Place
from ..table import IndicatorTable
from .query import ComparatorAnswer, Figure, MissingData, compare
from .settings import KINDS, ComparatorSettings, load_settings, resolve_store_path
from .store import ComparatorStore


@dataclass(frozen=True)
class ComparatorFill:
    indicator: str  # indicator id
    sheet: str
    cell: str  # "K7"
    kind: str  # "sn" | "region" | "england" | "ofsted_good"
    value: float | str  # the figure as the sheet shows it, or a symbol ("c")
    year_label: str | None  # as councils write it: "2024-25", "31 Mar 2025"
    measure: str  # catalogue key
    per: str | None = None  # "per 10k" when a count is compared as a rate

    def as_dict(self) -> dict:
        return asdict(self)


def comparators_for_table(table: IndicatorTable, config: Config,
                          reporting_fy: int | None) -> list[ComparatorFill]:
    """The comparator cells to fill for ``table``; [] when no store is
    configured or found, or no indicator has comparator cells and a measure.

    Indicators whose measure's file was never imported are skipped. Raises
    ComparatorError when cells are to be filled but the council is not set
    (``workbook -> council``) or not in the store."""
    settings = load_settings(config)
    folder = Path(table.path).resolve().parent if table.path else None
    store_path = resolve_store_path(settings, config, folder)
    if not store_path.is_file():
        return []
    wanted = list(_wanted_cells(table.frame, config, settings))
    if not wanted:
        return []
    if not config.workbook.council:
        raise ComparatorError("set the council (name or LA code) to fill comparator cells",
                              Place(file=config.source, key="workbook -> council"))
    fills: list[ComparatorFill] = []
    with ComparatorStore.open(store_path) as store:
        council = store.resolve_council(config.workbook.council)
        answers: dict[str, ComparatorAnswer | None] = {}
        for row, measure, kind, cell in wanted:
            if measure not in answers:
                try:
                    answers[measure] = compare(store, council, measure, settings,
                                               reporting_fy=reporting_fy)
                except MissingData:
                    # The council has not imported that file: nothing to fill.
                    answers[measure] = None
            answer = answers[measure]
            if answer is None:
                continue
            figure = answer.figure(kind)
            value = sheet_value(figure, answer.unit, _indicator_unit(row))
            if value is None:
                continue
            fills.append(ComparatorFill(indicator=str(row["id"]), sheet=str(row["sheet"]),
                                        cell=cell, kind=kind, value=value,
                                        year_label=figure.year_label, measure=answer.measure,
                                        per=PER_10K if answer.compared_as else None))
    return fills


# A count is compared as a rate (a quarter's count is never set beside an
# annual count, nor one council's count beside England's): the cell says so.
PER_10K = "per 10k"


def _wanted_cells(frame: pd.DataFrame, config: Config, settings: ComparatorSettings):
    """(row, measure, kind, cell) for every comparator cell to consider."""
    for _, row in frame.iterrows():
        cells = _mapping(row.get("cells"))
        present = [(kind, cells[f"comparator:{kind}"]) for kind in KINDS
                   if cells.get(f"comparator:{kind}")]
        if not present:
            continue
        measure = _measure_of(row, config, settings)
        if measure is None:
            continue
        readings = _mapping(row.get("comparators"))
        for kind, cell in present:
            reading = readings.get(kind) or readings.get(f"comparator:{kind}")
            if reading is not None and settings.is_local_measure(getattr(reading, "raw", None)):
                continue
            yield row, measure, kind, cell


def _mapping(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _measure_of(row: pd.Series, config: Config, settings: ComparatorSettings) -> str | None:
    """The indicator's measure: its own ``indicators -> ID -> measure``
    setting first, then the comparator mapping by id or name, then the
    standard indicator library's ``dfe_measure``."""
    own = config.for_indicator(str(row.get("id")), row.get("name")).measure
    if own:
        if own not in settings.measures:
            raise ComparatorError(f"unknown measure {own!r}",
                                  Place(file=config.source, key=f"indicators -> {row.get('id')} -> measure"))
        return own
    id_, name = row.get("id"), row.get("name")
    id_ = id_ if isinstance(id_, str) else None
    name = name if isinstance(name, str) else None
    return settings.measure_for_indicator(id_, name) or settings.measure_from_library(id_, name)


def _indicator_unit(row: pd.Series) -> str | None:
    """The indicator's unit; when the row has none, the unit of a
    comparator figure already in the sheet."""
    unit = row.get("unit")
    if isinstance(unit, str):
        return unit
    for reading in _mapping(row.get("comparators")).values():
        if getattr(reading, "unit", None):
            return reading.unit
    return None


def sheet_value(figure: Figure, measure_unit: str, indicator_unit: str | None) -> float | str | None:
    """The figure as the sheet shows it: DfE's 22.6 (per cent) becomes 0.226
    when the indicator is in percent; a symbol stays a symbol; None when
    there is nothing to write."""
    if figure.value is not None:
        if measure_unit == "percent" and indicator_unit == "percent":
            return figure.value / 100
        return figure.value
    return figure.symbol
