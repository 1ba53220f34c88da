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

from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from ..config import Config
from ..errors import ComparatorError, Place
from ..table import IndicatorTable, TableLayout
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
    count: str | None = None  # "9 of 10, 2021 grouping": SN with a figure, of how many

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class AddedHeader:
    """A header kpi-xl writes above a comparator column it adds."""

    sheet: str
    cell: str
    text: str


@dataclass
class TableComparators:
    """Everything the store says about a table's indicators: the cells to
    fill, each mapped indicator's answer (for the committee pack), and the
    headers of columns added with ``comparators -> add_columns``."""

    fills: list[ComparatorFill] = field(default_factory=list)
    answers: dict[str, ComparatorAnswer] = field(default_factory=dict)
    headers: list[AddedHeader] = field(default_factory=list)
    # indicator id -> the DfE measure it maps to, answered or not (a measure
    # whose file is not imported is still no "local measure")
    measures: dict[str, str] = field(default_factory=dict)
    # (table layout, headers of the added columns with no room right of it)
    no_room: list[tuple[TableLayout, list[str]]] = field(default_factory=list)


def comparators_for_table(table: IndicatorTable, config: Config,
                          reporting_fy: int | None) -> list[ComparatorFill]:
    """The comparator cells to fill for ``table``; [] when no store is
    configured or found, or no indicator has comparator cells and a measure.

    Indicators whose measure's file was never imported are skipped. Raises
    ComparatorError when cells are to be filled but the council is not set
    (``workbook -> council``) or not in the store."""
    return table_comparators(table, config, reporting_fy).fills


def table_comparators(table: IndicatorTable, config: Config, reporting_fy: int | None,
                      taken: dict[str, set[str]] | None = None, workbook=None) -> TableComparators:
    """:func:`comparators_for_table` with the answers and added columns.
    ``taken``: sheet -> columns the refresh already writes (RAG, direction,
    sparklines), never chosen for an added column. ``workbook``: the open
    package a refresh reads from (else ``table.path`` is opened)."""
    settings = load_settings(config)
    folder = Path(table.path).resolve().parent if table.path else None
    store_path = resolve_store_path(settings, config, folder)
    result = TableComparators()
    mapped = list(_mapped_rows(table.frame, config, settings))
    # which indicators DfE publishes, with or without a store to answer them
    result.measures = {str(row["id"]): measure for row, measure, _ in mapped}
    if not store_path.is_file() or not mapped:
        return result
    if not config.workbook.council:
        if not any(cells for _, _, cells in mapped):
            return result  # nothing on the sheet asks for comparators
        raise ComparatorError("set the council (name or LA code) to fill comparator cells",
                              Place(file=config.source, key="workbook -> council"))
    with ComparatorStore.open(store_path) as store:
        council = store.resolve_council(config.workbook.council)
        answers: dict[str, ComparatorAnswer | None] = {}
        for row, measure, cells in mapped:
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
            result.answers[str(row["id"])] = answer
            for kind, cell in cells:
                fill = _fill(row, answer, kind, cell)
                if fill is not None:
                    result.fills.append(fill)
    if settings.add_columns:
        _add_columns(table, settings, result, taken or {}, workbook)
    return result


def _fill(row: pd.Series, answer: ComparatorAnswer, kind: str, cell: str) -> ComparatorFill | None:
    per = PER_10K if answer.compared_as else None
    common = dict(indicator=str(row["id"]), sheet=str(row["sheet"]), cell=cell, kind=kind,
                  measure=answer.measure)
    bench = answer.benchmark
    if kind in BENCHMARK_KINDS:
        text = None if bench is None else {"band": bench.band, "rank": bench.rank_text,
                                            "sn_rank": bench.sn_rank_text}[kind]
        return None if text is None else ComparatorFill(**common, value=text,
                                                        year_label=None)
    figure = answer.figure(kind)
    value = sheet_value(figure, answer.unit, None if per else _indicator_unit(row))
    if value is None:
        return None
    if kind == "sn" and isinstance(value, float):
        # the cell says how many neighbours had a figure, and which grouping
        of = answer.sn_of or len(answer.neighbours)
        return ComparatorFill(**common, value=value, year_label=figure.year_label, per=per,
                              count=f"{answer.sn_count} of {of}, {answer.sn_grouping} grouping")
    return ComparatorFill(**common, value=value, year_label=figure.year_label, per=per)


BENCHMARK_KINDS = ("band", "rank", "sn_rank")


def _mapped_rows(frame: pd.DataFrame, config: Config, settings: ComparatorSettings):
    """(row, measure, [(kind, cell)]) for every indicator that maps to a
    DfE measure, with the comparator cells to fill (none when the table
    has no comparator columns; none of those marked "Local measure")."""
    for _, row in frame.iterrows():
        measure = _measure_of(row, config, settings)
        if measure is None:
            continue
        cells = _mapping(row.get("cells"))
        readings = _mapping(row.get("comparators"))
        present = []
        local = False
        for kind in KINDS:
            cell = cells.get(f"comparator:{kind}")
            if not cell:
                continue
            reading = readings.get(kind) or readings.get(f"comparator:{kind}")
            if reading is not None and settings.is_local_measure(getattr(reading, "raw", None)):
                local = True
                continue
            present.append((kind, cell))
        if local and not present:
            continue  # the officers call it a local measure: leave it so
        yield row, measure, present


# --- columns kpi-xl adds -------------------------------------------------------------

def _add_columns(table: IndicatorTable, settings: ComparatorSettings,
                 result: TableComparators, taken: dict[str, set[str]], workbook=None) -> None:
    """SN, region and England (and LAIT's band and ranks) in the first free
    columns right of each table that has no comparator column: nothing is
    inserted or moved, and an occupied column is stepped over."""
    from ..reader.cells import Workbook

    if not result.answers or not table.path:
        return
    frame = table.frame
    with Workbook(workbook if workbook is not None else table.path) as book:
        for index, layout in enumerate(table.layouts):
            if any(role.startswith("comparator:") for role in layout.roles):
                continue
            rows = frame[frame["table"] == index] if "table" in frame else frame.iloc[0:0]
            rows = rows[rows["id"].astype(str).isin(result.answers)]
            if rows.empty:
                continue
            answers = [result.answers[str(i)] for i in rows["id"]]
            kinds = _added_kinds(settings, answers)
            grid = book.read_sheet(layout.sheet)
            columns = _free_columns(grid, layout, len(kinds), taken.get(layout.sheet, set()))
            header_row = layout.header_rows[-1] if layout.header_rows else layout.first_row - 1
            if len(columns) < len(kinds):
                result.no_room.append((layout, [header for _, header in kinds[len(columns):]]))
            for (kind, header), column in zip(kinds, columns):
                if header_row >= 1:
                    result.headers.append(AddedHeader(layout.sheet, f"{column}{header_row}", header))
                for _, row in rows.iterrows():
                    answer = result.answers[str(row["id"])]
                    if kind == "own_rate":
                        if answer.compared_as is None:
                            continue
                        kind_cell = "own"
                    else:
                        kind_cell = kind
                    fill = _fill(row, answer, kind_cell, f"{column}{int(row['row'])}")
                    if fill is not None:
                        result.fills.append(fill)


def _added_kinds(settings: ComparatorSettings, answers: list[ComparatorAnswer]) -> list[tuple[str, str]]:
    first = answers[0]
    grouping = next((a.sn_grouping for a in answers if a.sn_grouping), None)
    sn = f"SN {settings.sn_statistic}" + (f" ({grouping} grouping)" if grouping else "")
    kinds = []
    if any(a.compared_as for a in answers):
        kinds.append(("own_rate", "Our rate per 10k"))
    kinds += [("sn", sn), ("region", first.council.region_name or "Region"), ("england", "England")]
    if settings.benchmark_columns:
        kinds += [("band", "Quartile band (LAIT)"), ("rank", "Rank of all councils (1 best)"),
                  ("sn_rank", "Rank among SN (1 best)")]
    return kinds


def _free_columns(grid, layout, count: int, taken: set[str]) -> list[str]:
    """The first ``count`` columns right of the table with nothing in its
    header or indicator rows, and none the refresh writes itself; none past
    ``layout.room_until`` (a table beside it starts there)."""
    from ..xlsx.refs import col_index, col_letters as col_letter

    rows = list(layout.header_rows) + list(range(layout.first_row, layout.last_row + 1))
    right = max([col_index(layout.last_column), *(col_index(c) for c in layout.roles.values()
                                                   if c and c.isalpha())])
    last = col_index(layout.room_until) if layout.room_until else 16384
    found, col = [], right + 1
    while len(found) < count and col <= last:
        letter = col_letter(col)
        if letter not in taken and all(grid.value(r, col) in (None, "") for r in rows):
            found.append(letter)
        col += 1
    return found


# A count is compared as a rate (a quarter's count is never set beside an
# annual count, nor one council's count beside England's): the cell says so.
PER_10K = "per 10k"


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
