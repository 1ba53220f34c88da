"""Plan the changes to the council's indicator tables from the rated table.

For each table: fill the RAG column (added in the first free column right of
the table when there is none) with a formula that restates the rule, fill
the direction-of-travel column, colour both with native conditional
formatting, and fill comparator cells. Nothing here knows a file format.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ..xlsx.refs import col_index as column_index_from_string, col_letters as get_column_letter

from ..config import Config
from ..contrast import legible
from ..formulas import arrow_formula, excel_string, rating_formula
from ..errors import quote_sheet
from ..rules import normalise_rag
from ..plan import AddConditionalFormat, CFRule, Plan, SetColumnWidth, SparklineGroup, Style
from ..table import IndicatorTable, TableLayout

if TYPE_CHECKING:
    from ..comparators.fill import ComparatorFill

RAG_HEADER = "RAG"
DOT_HEADER = "Direction of travel"
TREND_HEADER = "Trend"
MIN_TREND, MAX_TREND = 3, 8  # periods a sparkline draws
HEADER_STYLE = Style(bold=True, horizontal="center", wrap=True)
RAG_STYLE = Style(bold=True, horizontal="center")
DOT_STYLE = Style(horizontal="center")


@dataclass(frozen=True)
class TableColumns:
    """Where the RAG and DoT of one table go, and whether we added them."""

    rag: str | None  # None: the table has none and no room for one
    dot: str | None
    rag_added: bool
    dot_added: bool
    trend: str | None = None
    trend_added: bool = False


def plan_indicator_tables(table: IndicatorTable, rated: list[dict], config: Config,
                          plan: Plan | None = None) -> Plan:
    """``rated``: the rated records (``check.rate_and_check``)."""
    plan = plan or Plan()
    by_table: dict[object, list[dict]] = {}
    for record in rated:
        by_table.setdefault(record["table"], []).append(record)
    for index, layout in enumerate(table.layouts):
        rows = by_table.get(index)
        if not rows:
            continue
        # A table whose periods repeat, run out of order or miss one draws
        # no sparkline: its line would join the wrong quarters.
        suspect = any(r.get("suspect_periods") for r in rows)
        trend_run = trend_columns(layout) if config.workbook.sparklines and not suspect else None
        columns = choose_columns(layout, wants_dot=any(r.get("movement") is not None for r in rows),
                                 wants_trend=bool(trend_run))
        _plan_headers(plan, layout, columns)
        for record in rows:
            if columns.rag and not _keeps_own_no_rating(record, columns, config) \
                    and not _keeps_published(record, "rag", columns.rag_added):
                _plan_rag_cell(plan, record, columns.rag, config)
            if columns.dot and not _keeps_published(record, "dot", columns.dot_added):
                _plan_dot_cell(plan, record, columns.dot, config)
        if columns.rag:
            _plan_colours(plan, layout, columns, rows, config)
        if columns.trend and trend_run:
            _plan_sparklines(plan, layout, columns.trend, trend_run, rows)
    return plan


def choose_columns(layout: TableLayout, wants_dot: bool, wants_trend: bool = False
                   ) -> TableColumns:
    """The table's own RAG/DoT/trend columns, or new ones in the first free
    columns to its right (inserting columns would move the council's cells),
    as far as ``layout.room_until`` allows: a column with no room is None
    (the reader reports ``no_room_for_columns``)."""
    free = column_index_from_string(layout.last_column) + 1
    last = column_index_from_string(layout.room_until) if layout.room_until else 16384

    def added(wanted: bool) -> str | None:
        nonlocal free
        if not wanted or free > last:
            return None
        free += 1
        return get_column_letter(free - 1)

    rag = layout.roles.get("rag")
    rag_added = rag is None
    rag = rag or added(True)
    dot = layout.roles.get("dot")
    dot_added = dot is None and wants_dot
    dot = dot or added(dot_added)
    trend = layout.roles.get("trend")
    trend_added = trend is None and wants_trend
    trend = trend or added(trend_added)
    return TableColumns(rag, dot, rag_added and rag is not None, dot_added and dot is not None,
                        trend if wants_trend else None, trend_added and trend is not None)


def _plan_headers(plan: Plan, layout: TableLayout, columns: TableColumns) -> None:
    header_row = layout.header_rows[-1]
    if columns.rag_added:
        plan.set(layout.sheet, f"{columns.rag}{header_row}", RAG_HEADER, style=HEADER_STYLE,
                 purpose="rag")
        plan.changes.append(SetColumnWidth(layout.sheet, columns.rag, 14, purpose="rag"))
    if columns.dot_added and columns.dot:
        plan.set(layout.sheet, f"{columns.dot}{header_row}", DOT_HEADER, style=HEADER_STYLE,
                 purpose="direction")
        plan.changes.append(SetColumnWidth(layout.sheet, columns.dot, 14, purpose="direction"))
    if columns.trend_added and columns.trend:
        plan.set(layout.sheet, f"{columns.trend}{header_row}", TREND_HEADER, style=HEADER_STYLE,
                 purpose="trend")
        plan.changes.append(SetColumnWidth(layout.sheet, columns.trend, 18, purpose="trend"))


# --- trend sparklines --------------------------------------------------------------

def trend_columns(layout: TableLayout) -> tuple[str, str] | None:
    """First and last column of the latest run of adjacent period columns that
    ascend in time (quarters of one kind), at most 8; None when shorter than 3.

    A sparkline draws its cells left to right, so columns out of order (as in
    Wokingham's workforce table) would draw a false line: no trend then."""
    cols = sorted(((column_index_from_string(c), p) for c, p in layout.period_columns),
                  key=lambda cp: cp[0])
    best: list = []
    run: list = []
    for col, period in cols:
        if run and (col != run[-1][0] + 1 or period.kind != run[-1][1].kind
                    or period.sort_key <= run[-1][1].sort_key):
            run = []
        run.append((col, period))
        if len(run) >= MIN_TREND:
            best = list(run)
    if len(best) < MIN_TREND:
        return None
    best = best[-MAX_TREND:]
    return get_column_letter(best[0][0]), get_column_letter(best[-1][0])


def _plan_sparklines(plan: Plan, layout: TableLayout, column: str, run: tuple[str, str],
                     rows: list[dict]) -> None:
    first, last = _row_span(rows)
    data = f"{quote_sheet(layout.sheet)}!{run[0]}{first}:{run[1]}{last}"
    plan.changes.append(SparklineGroup(layout.sheet, f"{column}{first}:{column}{last}", data,
                                       purpose="trend"))


def _row_span(rows: list[dict]) -> tuple[int, int]:
    """First and last sheet row of a table's indicators."""
    numbers = [int(r["row"]) for r in rows]
    return min(numbers), max(numbers)


# --- RAG ------------------------------------------------------------------------

def _plan_rag_cell(plan: Plan, record: dict, column: str, config: Config) -> None:
    cell = f"{column}{record['row']}"
    label = rag_label(record.get("rag"), record.get("targeted"), config)
    formula = rag_cell_formula(record, config)
    plan.set(record["sheet"], cell, label, formula=formula, style=RAG_STYLE, purpose="rag")


def _keeps_own_no_rating(record: dict, columns: TableColumns, config: Config) -> bool:
    """An untargeted indicator in the council's own RAG column keeps what the
    council shows for "no rating" ("-", blank); only a stale rating there is
    replaced."""
    return (not record.get("targeted") and record.get("rag") is None and not columns.rag_added
            and normalise_rag(record.get("published_rag"), config) is None)


def _keeps_published(record: dict, role: str, added: bool) -> bool:
    """With no latest figure there is nothing to rate, and with no figure to
    compare with no direction to give: the council's published RAG or
    direction stays as it is (check reports ``latest_missing`` and
    ``dot_without_previous``)."""
    missing = record.get("latest_value") is None or (role == "dot" and record.get("previous_value") is None)
    return not added and missing and bool(record.get(f"published_{role}"))


def rag_label(rag: str | None, targeted: bool | None, config: Config) -> str | None:
    labels = config.rag.labels
    if rag:
        return getattr(labels, rag)
    return None if targeted else labels.none


def rag_cell_formula(record: dict, config: Config) -> str | None:
    """A live formula restating the resolved rule (``formulas.rating_formula``),
    or None when only the constant is honest."""
    inp = record.get("rating_input")
    if inp is None:
        return None
    return rating_formula(inp, record["sheet"], config.rag.labels)


# --- Direction of travel ----------------------------------------------------------

def _plan_dot_cell(plan: Plan, record: dict, column: str, config: Config) -> None:
    cell = f"{column}{record['row']}"
    word, arrow = record.get("direction"), record.get("arrow")
    text = None
    if arrow:
        text = {"arrow": arrow, "word": word}.get(config.direction.show, f"{arrow} {word}")
    formula = dot_cell_formula(record, config)
    plan.set(record["sheet"], cell, text, formula=formula,
             style=_dot_style(dot_colour(word, config)), purpose="direction")


@lru_cache(maxsize=64)
def _dot_style(font_color: str) -> Style:
    # Three colours serve every DoT cell: one (frozen) Style each, not one a cell.
    return Style(horizontal="center", font_color=font_color)


def dot_cell_formula(record: dict, config: Config) -> str | None:
    """A live arrow when both figures are plain numbers and arrows are shown."""
    inp = record.get("rating_input")
    if config.direction.show != "arrow" or inp is None:
        return None
    if not (inp.value_cell and inp.previous_cell and inp.value is not None
            and inp.previous is not None and inp.value_plain and inp.previous_plain):
        return None
    arrows = config.direction.arrows
    return arrow_formula(inp.value_cell, inp.previous_cell, decimals=inp.decimals,
                         up=arrows.up, down=arrows.down, same=arrows.same,
                         stable_band=inp.stable_band)


def dot_colour(word: str | None, config: Config) -> str:
    colours = config.rag.colours
    if word == config.direction.words.better:
        return colours.GREEN_font
    if word == config.direction.words.worse:
        return colours.RED_font
    return colours.none_font


# --- conditional formatting ----------------------------------------------------------

RAG_NAMES = ("GREEN", "AMBER", "RED")


def rag_style(config: Config, name: str) -> Style:
    """The fill of one rating (``config.rag.colours``) with a font legible on it."""
    colours = config.rag.colours
    fill = getattr(colours, name)
    return Style(fill=fill, font_color=legible(fill, getattr(colours, f"{name}_font")))


def rag_word_rules(config: Config) -> tuple[CFRule, ...]:
    """Colour a cell by the rating word it holds (the council's labels), so a
    rating typed later recolours live; used on indicator tables and owned sheets."""
    labels = config.rag.labels
    return tuple(CFRule("cellIs", excel_string(getattr(labels, name)), operator="equal",
                        style=rag_style(config, name))
                 for name in RAG_NAMES)


def _plan_colours(plan: Plan, layout: TableLayout, columns: TableColumns, rows: list[dict],
                  config: Config) -> None:
    sheet = layout.sheet
    first, last = _row_span(rows)
    labels = config.rag.labels
    plan.changes.append(AddConditionalFormat(sheet, f"{columns.rag}{first}:{columns.rag}{last}",
                                             rag_word_rules(config), purpose="rag"))
    latest = layout.latest_period_column
    value_rules = tuple(
        CFRule("expression", f'${columns.rag}{first}={excel_string(getattr(labels, name))}',
               style=rag_style(config, name))
        for name in RAG_NAMES)
    # The latest figures are the council's: the RAG part only colours them.
    plan.changes.append(AddConditionalFormat(sheet, f"{latest}{first}:{latest}{last}", value_rules,
                                             purpose="rag"))


# --- comparators -----------------------------------------------------------------------

def plan_comparators(plan: Plan, fills: list, units: dict[str, str | None],
                     headers: list | tuple = ()) -> None:
    """Comparator figures with their year as part of the number format, so
    the cell stays a number and still says which year it is ("21.5% (2022-23)").
    Headers of columns kpi-xl added go above them; every column filled is
    widened (never narrowed) to fit what it shows, so no cell reads ###."""
    widths: dict[tuple[str, str], float] = {}
    for fill in fills:
        value = fill.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            percent = units.get(fill.indicator) == "percent" and not fill.per
            base = "0.0%" if percent else "#,##0.0"
            inside = comparator_year_text(fill)
            words = " ".join(w for w in (fill.per, f"({inside})" if inside else None) if w)
            fmt = f'{base}" {words}"' if words else base
            plan.set(fill.sheet, fill.cell, value, style=Style(number_format=fmt),
                     purpose="comparators")
            shown = len(f"{value * 100:,.1f}%" if percent else f"{value:,.1f}") + 1 + len(words)
        else:  # a symbol as published ("c"), a quartile band ("A"), a rank ("35 of 153")
            plan.set(fill.sheet, fill.cell, str(value), style=Style(horizontal="center"),
                     purpose="comparators")
            shown = len(str(value))
        _widen(widths, fill.sheet, fill.cell, shown)
    for header in headers:
        plan.set(header.sheet, header.cell, header.text, style=Style(bold=True, wrap=True),
                 purpose="comparators")
        _widen(widths, header.sheet, header.cell, min(len(header.text), 16))
    for (sheet, column), width in sorted(widths.items()):
        plan.changes.append(SetColumnWidth(sheet, column, width, at_least=True,
                                           purpose="comparators"))


def comparator_year_text(fill: "ComparatorFill") -> str:
    """What a comparator cell says in brackets after its figure: the year,
    and for SN how many neighbours had one ("2024-25; 9 of 10, 2021 grouping")."""
    return "; ".join(w for w in (fill.year_label, fill.count) if w)


def _widen(widths: dict, sheet: str, cell: str, characters: int) -> None:
    """Characters shown -> a column width in Excel units, with a margin for
    proportional fonts (LibreOffice and Excel both show ### when short)."""
    column = "".join(ch for ch in cell.replace("$", "") if ch.isalpha()).upper()
    width = round(characters * 1.15 + 2, 1)
    widths[(sheet, column)] = max(widths.get((sheet, column), 0), width)
