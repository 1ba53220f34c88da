"""Read a council's returns workbook into the indicator table.

    from kpi_xl.reader import read_workbook
    table = read_workbook("returns.xlsx", load_config())

Every sheet is looked at cheaply (its first rows only); a sheet is read in
full only when an indicator or targets header is found there, so a raw
extract of 100,000 rows beside the indicator sheet costs almost nothing.
The council's ``layout:`` config overrides detection sheet by sheet.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config, SheetLayout, load_config
from ..errors import LayoutError, Place
from ..finding_types import UNDATED_PERIODS
from ..findings import Finding, Report
from ..gc_pause import paused_gc
from ..table import IndicatorTable
from .build import (FRAME_COLUMNS, Context, Targets, apply_config, assign_ids, block_records,
                    build_records, table_layout, unknown_config_indicators, unused_target_findings)
from .cells import Grid, Workbook
from . import keep as keep_module
from .detect import (PEEK_ROWS, Block, View, detect_tables, has_table, leave_room_between, text_of,
                     undated_periods)
from .explain import describe_reading
from .keep import table_rows
from .override import blocks_from_layout, entries_by_sheet
from .period_rows import join_period_rows
from .rowwise import is_row_wise
from .sequence import period_findings, period_target_findings, room_findings

if TYPE_CHECKING:  # pragma: no cover
    from ..xlsx.package import Package

__all__ = ["read_workbook", "read_sheet_rows"]


@paused_gc()
def read_workbook(path: "str | Path | Package", config: Config | None = None) -> IndicatorTable:
    """Every indicator table in the workbook as one IndicatorTable.

    ``path``: the workbook's path, or the package a refresh has open.
    Raises WorkbookError/RefusedFile when the file cannot be read and
    LayoutError when no indicator table is found (or the layout config does
    not fit the workbook).
    """
    config = config if config is not None else load_config()
    with Workbook(path) as book:
        path = book.path
        entries = entries_by_sheet(config, book.sheet_names)
        targets_sheets = {_sheet_name(book, layout.targets_sheet)
                          for found in entries.values() for _i, layout in found
                          if layout.targets_sheet and not layout.skip}
        tables: list[tuple[View, Block]] = []
        targets = Targets()
        looked_at: list[str] = []
        undated: dict[str, list[tuple[str, str]]] = {}  # sheet -> the cells and labels
        for info in book.sheets:
            if info.part is None or info.owned:
                continue
            if _skipped(entries.get(info.name)):
                continue
            looked_at.append(info.name)
            placing = [(i, entry) for i, entry in entries.get(info.name, []) if _overrides_detection(entry)]
            if placing:
                view = View(book.read_sheet(info.name))
                blocks = [block for i, entry in placing
                          for block in blocks_from_layout(view, entry, i, config)]
                leave_room_between(blocks)
            else:
                grid = _read_if_table(book, info.name, force=info.name in targets_sheets,
                                      undated=undated)
                if grid is None:
                    continue
                view = View(grid)
                blocks = detect_tables(view)
                if all(block.header.kind == "targets" for block in blocks) \
                        and (found := undated_periods(view, PEEK_ROWS)):
                    undated[info.name] = found  # "Indicator | Q1 | Q2 | Target": a table but for a year
            for block in blocks:
                _read_fill_ratings(book, view, block)
                if block.header.kind == "targets":
                    targets.add_block(view, block)
                else:
                    tables.append((view, block))
        _check_targets_sheets(book, entries, targets, config)
    if not tables:
        _raise_if_undated(path, undated)
        raise LayoutError("no indicator table found on sheet(s) " + ", ".join(map(repr, looked_at))
                          + ": expected a header row with an indicator "
                          "name column (Measure, Indicator, KPI) and at least two period columns "
                          "(e.g. 'Q1 2023-24', '2022-23'); for other layouts add a 'layout:' "
                          "section to your config (kpi-xl check BOOK --explain shows how each "
                          "table was read)", Place(file=str(path)))
    ctx = Context(config=config, targets=targets, library=None, file=str(path))
    ctx.findings.extend(Finding(UNDATED_PERIODS, _undated_message(found) + "; the sheet is not read",
                                "warning", Place(file=str(path), sheet=sheet, cell=_span(found)))
                        for sheet, found in undated.items())
    records, layouts_out = [], []
    for index, (view, block) in enumerate(tables):
        layout = table_layout(block)
        layout.reading = describe_reading(view, block)
        layouts_out.append(layout)
        ctx.findings.extend(period_findings(layout, str(path)))
        ctx.findings.extend(room_findings(layout, str(path)))
        ctx.findings.extend(period_target_findings(layout, str(path)))
        read = block_records(view, block, index, ctx)
        if is_row_wise(block.header.columns):  # a long table, or a row per indicator and year
            read = join_period_rows(read, block.header, ctx)
        records.extend(read)
    assign_ids(records)
    ctx.flush()
    apply_config(records, ctx)
    unused_target_findings(targets, ctx)
    unknown_config_indicators(records, ctx)
    return IndicatorTable(path=str(path), records=build_records(records), columns=FRAME_COLUMNS,
                          layouts=layouts_out, findings=Report(list(ctx.findings)),
                          sheet_names=book.sheet_names)


def _raise_if_undated(path: Path, undated: dict[str, list[tuple[str, str]]]) -> None:
    """When no table is found because its period labels name no year
    ("Q1 | Q2 | Q3" under no dated title), say so and how to date them."""
    if not undated:
        return
    sheet, found = next(iter(undated.items()))  # the first sheet looked at
    raise LayoutError(
        _undated_message(found) + ": put the year in a title above the table ('KPIs "
        "2023-24'), beside a 'Financial year' label above it, in a target's header "
        "('Target 2023-24') or in the sheet's name, or give each column its period in your "
        "config (layout: -> period_columns)", Place(file=str(path), sheet=sheet, cell=_span(found)))


def _undated_message(found: list[tuple[str, str]]) -> str:
    labels = ", ".join(repr(label) for _cell, label in found)
    return f"the period columns {labels} name no year, so kpi-xl cannot date them"


def _span(found: list[tuple[str, str]]) -> str:
    return f"{found[0][0]}:{found[-1][0]}"


def _read_fill_ratings(book: Workbook, view: View, block: Block) -> None:
    """A RAG column whose cells hold no text may show its ratings by their
    fill colour alone: those are published ratings too."""
    col = block.header.role_col("rag")
    rows = block.indicator_rows
    if col is None or not rows or any(text_of(view.raw(r, col)) for r in rows):
        return
    block.fill_ratings = book.fill_ratings_in_column(view.sheet, col, rows)


def _sheet_name(book: Workbook, name: str) -> str:
    """A sheet name as the workbook spells it (Excel ignores case)."""
    try:
        return book.sheet(name).name
    except KeyError:
        return name


def _overrides_detection(layout: SheetLayout) -> bool:
    """An entry that says where the table is (not only where its targets are)."""
    return bool(layout.header_rows or layout.columns or layout.period_columns
                or layout.first_row or layout.last_row or layout.area or layout.span)


def _read_if_table(book: Workbook, sheet: str, force: bool = False,
                   undated: dict[str, list[tuple[str, str]]] | None = None) -> Grid | None:
    """The sheet's cells when it holds a table; a first look reads only its
    first rows, and a sheet without a header there is not read further
    (``undated`` is told of a header there that only lacks a year)."""
    # A huge sheet is read holding only the rows a table can use (reader/keep.py).
    keep = table_rows if book.part_size(sheet) > keep_module.BIG_SHEET else None
    if force:
        return book.read_sheet(sheet, keep=keep)
    # a sheet read whole goes on from the peek's rows (one parse); a huge one starts again
    peek = book.read_sheet(sheet, max_row=PEEK_ROWS, resumable=keep is None)
    if not has_table(peek):
        if undated is not None and (found := undated_periods(View(peek), PEEK_ROWS)):
            undated[sheet] = found
        if not peek.complete:
            book.drop_peek(peek)
        return None
    if peek.complete:
        return peek
    return book.read_rest(peek) if keep is None else book.read_sheet(sheet, keep=keep)


def _skipped(entries: list | None) -> bool:
    """The sheet's config says ``skip`` (a skip entry stands alone)."""
    return bool(entries) and entries[0][1].skip


def _check_targets_sheets(book: Workbook, entries: dict[str, list], targets: Targets,
                          config: Config) -> None:
    """Every layout entry's ``targets_sheet`` names a sheet with a targets table."""
    for index, layout in (entry for found in entries.values() for entry in found):
        name = layout.targets_sheet
        if not name or layout.skip:
            continue
        try:
            actual = book.sheet(name).name
        except KeyError:
            raise LayoutError(f"layout -> {index} -> targets_sheet: no sheet named {name!r} in the "
                              "workbook", Place(file=config.source)) from None
        if not any(row.sheet == actual for row in targets.rows):
            raise LayoutError(f"layout -> {index} -> targets_sheet: sheet {actual!r} has no targets "
                              "table (a header with an indicator name column and a Target or "
                              "Polarity column)", Place(file=config.source))


def read_sheet_rows(path: "str | Path | Package", sheet: str | None) -> list[list]:
    """A sheet's values as row lists from column A (for sheets kpi-xl owns;
    empty when no sheet is named). ``path``: a path or an open package."""
    if not sheet:
        return []
    with Workbook(path) as book:
        grid = book.read_sheet(sheet)
    width = grid.max_col()
    return [[grid.value(r, c) for c in range(1, width + 1)] for r in range(1, grid.last_row + 1)]
