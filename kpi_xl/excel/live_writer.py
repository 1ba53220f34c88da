"""Apply a :class:`kpi_xl.plan.Plan` to a workbook open in Excel, through xlwings.

The package writer (``kpi_xl.xlsx.writer``) patches a file; this one drives
Excel, so Excel keeps everything kpi-xl does not touch (pivots, VBA, links,
external connections). Excel clears its undo list when a macro changes a
workbook, so the way back is to close without saving. It runs on Windows
and macOS; on Linux it imports but has nothing to drive.

How it writes:

- values in blocks: the plan's cells are grouped into rectangles of
  neighbouring cells and each rectangle is one ``range.value = rows``
  assignment (one round trip to Excel instead of one per cell);
- text is stored as text: a string Excel would read as something else
  ("=1+1", "13%", "1/2", "Jan-24", "TRUE") gets Excel's text prefix "'";
- styles through xlwings' own properties (colour, font, number format,
  alignment, wrap, borders), again per rectangle of equal style;
- native conditional formatting through ``range.conditional_formats``
  (xlwings >= 0.37.5 drives FormatConditions on Windows and appscript on
  macOS). A rule kpi-xl adds replaces an earlier rule on the same range
  with the same type and formula, so re-applying a plan adds no duplicates;
- owned sheets (found by their hidden sheet-scoped name ``_kpixl_owned``
  holding the role, so a renamed sheet is still found) are cleared and
  rewritten in place, never deleted and re-added, so formulas and links
  that point at them keep working;
- what xlwings has no cross-platform call for (sparklines, freeze panes,
  tab colour, validation prompts, chart series, hiding the owned name) goes
  through the native API in :class:`_WindowsApi`; on macOS those are
  skipped and listed under ``skipped`` in the summary.

Nothing here was run against Excel when it was written (see macros/README.md):
the tests apply plans to a recording stand-in of the xlwings objects.
"""
from __future__ import annotations

import re
import sys
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from ..errors import Place, WriteError, quote_sheet
from ..xlsx.namespaces import OWNED_NAME
from ..xlsx.refs import col_letters as get_column_letter, parse_cell as cell_position
from ..plan import (
    AddConditionalFormat,
    CFRule,
    LineChart,
    OwnedSheet,
    Plan,
    SetCell,
    SetColumnWidth,
    SparklineGroup,
    Style,
)


# OOXML operator names (as in the plan) -> xlwings' conditional-format operators.
CF_OPERATORS = {
    "equal": "equal_to",
    "notEqual": "not_equal_to",
    "greaterThan": "greater_than",
    "lessThan": "less_than",
    "greaterThanOrEqual": "greater_than_or_equal",
    "lessThanOrEqual": "less_than_or_equal",
    "between": "between",
    "notBetween": "not_between",
}

XL_SPARK_LINE = 1  # XlSparkType.xlSparkLine
MSO_LINE_DASH = 4  # MsoLineDashStyle.msoLineDash
XL_LANDSCAPE = 2  # XlPageOrientation.xlLandscape
XL_PAPER_A4 = 9  # XlPaperSize.xlPaperA4
XL_VALUE = 2  # XlAxisType.xlValue

# Words Excel reads inside dates and times ("2-Jan", "March 2024", "9:30 am").
_DATE_WORDS = re.compile(r"\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|"
                         r"aug(ust)?|sept?(ember)?|oct(ober)?|nov(ember)?|dec(ember)?|am|pm)\b",
                         re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")
_SCIENTIFIC = re.compile(r"[\d.,]+e[+-]?\d+", re.IGNORECASE)


def needs_text_prefix(text: str) -> bool:
    """Whether Excel would turn ``text``, assigned as a value, into something
    else: a formula ("=1+1", "-5"), a number or percentage ("13%", "1,234",
    "24*" stays text but costs nothing), a date or time ("1/2", "2022-23",
    "Jan-24", "9:30"), a boolean or an error value ("#N/A"). Text with other
    words in it ("CSC01", "Q2 2023-24", "12 months") is left alone, so the
    formula bar shows it as typed."""
    t = text.strip()
    if not t:
        return False
    if t[0] in "=+-@'#" or t.upper() in ("TRUE", "FALSE") or _SCIENTIFIC.fullmatch(t):
        return True
    return any(ch.isdigit() for ch in t) and not _LETTER.search(_DATE_WORDS.sub("", t))


def host_platform() -> str:
    if sys.platform == "darwin":
        return "mac"
    if sys.platform.startswith("win"):
        return "win"
    return "linux"


# --- cells and rectangles ------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    """A rectangle of cells, 1-based and inclusive."""

    top: int
    left: int
    bottom: int
    right: int

    @property
    def address(self) -> str:
        first = f"{get_column_letter(self.left)}{self.top}"
        if (self.top, self.left) == (self.bottom, self.right):
            return first
        return f"{first}:{get_column_letter(self.right)}{self.bottom}"

    @property
    def rows(self) -> range:
        return range(self.top, self.bottom + 1)

    @property
    def columns(self) -> range:
        return range(self.left, self.right + 1)


def blocks(positions: Iterable[tuple[int, int]]) -> list[Block]:
    """Cover exactly ``positions`` (row, column) with few rectangles: runs of
    consecutive rows in each column, then neighbouring columns whose runs span
    the same rows merged. A filled RAG column is one block; a header row is one
    block; a table's RAG and DoT columns side by side are one block."""
    by_column: dict[int, list[int]] = defaultdict(list)
    for row, col in set(positions):
        by_column[col].append(row)
    runs = []  # (top, bottom, column)
    for col, rows in by_column.items():
        rows.sort()
        start = prev = rows[0]
        for row in rows[1:]:
            if row != prev + 1:
                runs.append((start, prev, col))
                start = row
            prev = row
        runs.append((start, prev, col))
    merged: list[Block] = []
    for top, bottom, col in sorted(runs):
        last = merged[-1] if merged else None
        if last and (last.top, last.bottom) == (top, bottom) and last.right == col - 1:
            merged[-1] = Block(top, last.left, bottom, col)
        else:
            merged.append(Block(top, col, bottom, col))
    return sorted(merged, key=lambda b: (b.left, b.top))


def cell_input(change: SetCell) -> Any:
    """What to assign for one cell: a formula with '=', text that stays text."""
    if change.formula:
        return "=" + change.formula.lstrip("=")
    value = change.value
    if isinstance(value, str) and needs_text_prefix(value):
        return "'" + value
    return value


def _hex(colour: str | None) -> str | None:
    return "#" + colour.lstrip("#") if colour else None


def bgr(colour: str) -> int:
    """Excel's native colour integer (blue-green-red) from "RRGGBB"."""
    value = colour.lstrip("#")
    r, g, b = int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    return r | (g << 8) | (b << 16)


def _excel_union(sqref: str) -> str:
    """A plan's sqref ("G5:G9 I5:I9") as an Excel reference ("G5:G9,I5:I9")."""
    return ",".join(sqref.split())


def _strip_equals(formula: str | None) -> str:
    return (formula or "").strip().lstrip("=")


# --- the writer ----------------------------------------------------------------------------

class LiveWriter:
    """``LiveWriter(xw.Book.caller()).apply(plan)``; returns a summary dict."""

    def __init__(self, book: Any, *, platform: str | None = None):
        self.book = book
        self.platform = platform or host_platform()
        self.native = _WindowsApi(self) if self.platform == "win" else _MacApi(self)
        self.summary: dict[str, Any] = {
            "cells": 0, "value_blocks": 0, "style_blocks": 0, "conditional_formats": 0,
            "conditional_format_rules_replaced": 0, "column_widths": 0, "sparkline_groups": 0,
            "sheets_added": [], "sheets_replaced": [], "sheets_removed": [], "skipped": [],
        }

    def apply(self, plan: Plan) -> dict:
        if self.platform not in ("win", "mac"):
            raise WriteError("the live writer needs Excel on Windows or macOS",
                             Place(file=self._book_name()))
        with self._quiet():
            for removal in plan.remove:
                self._remove_owned(removal.role)
            for owned in plan.sheets:
                self._write_owned(owned)
            self._apply_changes(plan.changes)
        return self.summary

    # ---- changes to the council's sheets, in plan order

    def _apply_changes(self, changes: list) -> None:
        pending: list[SetCell] = []
        for change in changes:
            if isinstance(change, SetCell):
                pending.append(change)
                continue
            self._flush(pending)
            pending = []
            if isinstance(change, AddConditionalFormat):
                self._conditional_format(self._sheet(change.sheet), change.range, change.rules)
            elif isinstance(change, SetColumnWidth):
                self._column_width(self._sheet(change.sheet), change.column, change.width,
                                   change.at_least)
            elif isinstance(change, SparklineGroup):
                with self._guard(change.sheet, change.location):
                    self.native.sparklines(self._sheet(change.sheet), change)
            else:
                raise WriteError(f"unknown change {type(change).__name__}",
                                 Place(file=self._book_name()))
        self._flush(pending)

    def _flush(self, cells: list[SetCell]) -> None:
        by_sheet: dict[str, list[SetCell]] = defaultdict(list)
        for change in cells:
            by_sheet[change.sheet].append(change)
        for name, changes in by_sheet.items():
            self._write_cells(self._sheet(name), changes)

    def _write_cells(self, sheet: Any, changes: list[SetCell]) -> None:
        latest: dict[tuple[int, int], SetCell] = {}
        for change in changes:  # a later change to the same cell wins
            latest[cell_position(change.cell)] = change
        for block in blocks(latest):
            with self._guard(sheet.name, block.address):
                sheet.range(block.address).value = [
                    [cell_input(latest[(r, c)]) for c in block.columns] for r in block.rows]
            self.summary["value_blocks"] += 1
        self.summary["cells"] += len(latest)
        by_style: dict[Style, set] = defaultdict(set)
        for position, change in latest.items():
            if change.style is not None:
                by_style[change.style].add(position)
        for style, positions in by_style.items():
            for block in blocks(positions):
                with self._guard(sheet.name, block.address):
                    apply_style(sheet.range(block.address), style)
                self.summary["style_blocks"] += 1

    def _column_width(self, sheet: Any, column: str, width: float, at_least: bool = False) -> None:
        with self._guard(sheet.name, f"{column}:{column}"):
            columns = sheet.range(f"{column}:{column}")
            if at_least and (columns.column_width or 0) >= width:
                return
            columns.column_width = width
        self.summary["column_widths"] += 1

    def _conditional_format(self, sheet: Any, sqref: str, rules: tuple[CFRule, ...]) -> None:
        top_left = sqref.split()[0].split(":")[0]
        with self._guard(sheet.name, sqref), self._anchored(sheet, top_left):
            formats = sheet.range(_excel_union(sqref)).conditional_formats
            for existing in list(formats):
                if any(same_rule(existing, rule) for rule in rules):
                    existing.delete()
                    self.summary["conditional_format_rules_replaced"] += 1
            # xlwings adds each rule at the top of Excel's order: add the last
            # first so the plan's first rule ends with the highest priority.
            for rule in reversed(rules):
                add_rule(formats, rule)
        self.summary["conditional_formats"] += 1

    # ---- sheets kpi-xl owns

    def find_owned(self, role: str) -> Any | None:
        for sheet in self.book.sheets:
            for name in sheet.names:
                if name.name.rsplit("!", 1)[-1] == OWNED_NAME and \
                        owned_role(name.refers_to) == role:
                    return sheet
        return None

    def _remove_owned(self, role: str) -> None:
        sheet = self.find_owned(role)
        if sheet is None:
            return
        name = sheet.name
        with self._guard(name, None):
            sheet.delete()
        self.summary["sheets_removed"].append(name)

    def _write_owned(self, owned: OwnedSheet) -> None:
        sheet = self.find_owned(owned.role)
        if sheet is None:
            sheet = self._add_owned(owned)
            self.summary["sheets_added"].append(sheet.name)
        else:
            with self._guard(sheet.name, None):
                self._clear_owned(sheet)
            self.summary["sheets_replaced"].append(sheet.name)
        name = sheet.name
        self._write_cells(sheet, [SetCell(name, c.cell, c.value, c.formula, c.style)
                                  for c in owned.cells])
        for column, width in owned.column_widths.items():
            self._column_width(sheet, column, width)
        for row, height in owned.row_heights.items():
            with self._guard(name, f"{row}:{row}"):
                sheet.range(f"{row}:{row}").row_height = height
        for cf in owned.conditional_formats:
            self._conditional_format(sheet, cf.range, cf.rules)
        texts = {cell_position(c.cell): c.value for c in owned.cells if isinstance(c.value, str)}
        with self._guard(name, None):
            for link in owned.hyperlinks:
                self.native.internal_link(sheet, link, texts.get(cell_position(link.cell)))
            for validation in owned.validations:
                rng = sheet.range(_excel_union(validation.range))
                rng.data_validation.set_list(list(validation.choices))
                if validation.prompt:
                    self.native.validation_prompt(rng, validation.prompt)
            for chart in owned.charts:
                self._chart(sheet, chart)
            if owned.freeze:
                self.native.freeze(sheet, owned.freeze)
            if owned.tab_color:
                self.native.tab_color(sheet, owned.tab_color)
            if owned.landscape:
                self.native.landscape(sheet)
            if owned.print_title_rows:
                self.native.print_title_rows(sheet, owned.print_title_rows)
            for column in owned.hidden_columns:
                self.native.hide_column(sheet, column)

    def _add_owned(self, owned: OwnedSheet) -> Any:
        sheets = list(self.book.sheets)
        name = unique_sheet_name(owned.name, [s.name for s in sheets])
        after = self._find_sheet(owned.after) if owned.after else None
        with self._guard(name, None):
            sheet = self.book.sheets.add(name, after=after or sheets[-1])
            marker = sheet.names.add(OWNED_NAME, f'="{owned.role}"')
            self.native.hide_name(marker)
        return sheet

    def _clear_owned(self, sheet: Any) -> None:
        """Empty an owned sheet in place (contents, formats, conditional
        formats, validations, links, charts) so references to it survive."""
        sheet.clear()
        sheet.cells.data_validation.delete()
        for chart in list(sheet.charts):
            chart.delete()
        self.native.clear_links(sheet)

    def _chart(self, sheet: Any, chart: LineChart) -> None:
        area = sheet.range(chart.anchor).resize(chart.height_rows, chart.width_cols)
        made = sheet.charts.add(left=area.left, top=area.top, width=area.width,
                                height=area.height)
        made.chart_type = "line"
        made.title = chart.title
        self.native.chart_series(made, chart)
        if chart.number_format:
            self.native.value_axis_format(made, chart)

    # ---- lookups and safety

    def _find_sheet(self, name: str) -> Any | None:
        sheets = list(self.book.sheets)
        for sheet in sheets:
            if sheet.name == name:
                return sheet
        for sheet in sheets:  # Excel's sheet names are case-insensitive
            if sheet.name.casefold() == name.casefold():
                return sheet
        return None

    def _sheet(self, name: str) -> Any:
        sheet = self._find_sheet(name)
        if sheet is None:
            raise WriteError("no such sheet in the open workbook",
                             Place(file=self._book_name(), sheet=name))
        return sheet

    def _book_name(self) -> str | None:
        return getattr(self.book, "fullname", None) or getattr(self.book, "name", None)

    def skip(self, what: str) -> None:
        self.summary["skipped"].append(what)

    @contextmanager
    def _guard(self, sheet: str | None, where: str | None) -> Iterator[None]:
        """Any failure from Excel becomes one WriteError naming the place.

        Excel has no transaction: what was written before stays written."""
        try:
            yield
        except WriteError:
            raise
        except Exception as exc:  # noqa: BLE001 - COM/appscript errors have no common base
            detail = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise WriteError(f"Excel refused the change ({detail}); the workbook may be "
                             "partly updated: close it without saving to undo",
                             Place(file=self._book_name(), sheet=sheet, cell=where)) from exc

    @contextmanager
    def _anchored(self, sheet: Any, cell: str) -> Iterator[None]:
        """Select ``cell`` while adding conditional formats: Excel reads the
        relative references of a rule's formula from the active cell, and the
        plan writes them relative to the range's top-left cell."""
        sheet.activate()
        sheet.range(cell).select()
        yield

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        """No screen redraws or recalculation while writing; the officer's
        sheet and selection are restored afterwards."""
        app = self.book.app
        active = _attempt(lambda: self.book.sheets.active)
        selection = _attempt(lambda: self.book.selection)
        screen, calculation = app.screen_updating, app.calculation
        app.screen_updating = False
        app.calculation = "manual"
        try:
            yield
        finally:
            app.calculation = calculation
            app.screen_updating = screen
            if active is not None:
                _attempt(active.activate)
            if selection is not None:
                _attempt(selection.select)


def _attempt(action):
    try:
        return action()
    except Exception:  # noqa: BLE001 - restoring the view is best effort
        return None


def apply_style(rng: Any, style: Style) -> None:
    """Set what ``style`` says on a range; None fields are left as they are."""
    if style.fill:
        rng.color = _hex(style.fill)
    font = rng.font
    if style.font_color:
        font.color = _hex(style.font_color)
    if style.bold is not None:
        font.bold = style.bold
    if style.italic is not None:
        font.italic = style.italic
    if style.font_size is not None:
        font.size = style.font_size
    if style.number_format:
        rng.number_format = style.number_format
    if style.horizontal:
        rng.horizontal_alignment = style.horizontal
    if style.vertical:
        rng.vertical_alignment = style.vertical
    if style.wrap is not None:
        rng.wrap_text = style.wrap
    if style.border == "thin":
        rng.borders.set("all", line_style="continuous", weight="thin")


def _rule_style(rule: CFRule) -> dict:
    style = rule.style
    found = {"fill_color": _hex(style.fill), "font_color": _hex(style.font_color),
             "font_bold": style.bold, "font_italic": style.italic}
    return {key: value for key, value in found.items() if value is not None}


def add_rule(formats: Any, rule: CFRule) -> Any:
    """One plan rule through xlwings' ConditionalFormats."""
    if rule.kind == "expression":
        return formats.add_custom("=" + _strip_equals(rule.formula),
                                  stop_if_true=rule.stop_if_true, **_rule_style(rule))
    operator = CF_OPERATORS.get(rule.operator or "")
    if operator is None:
        raise WriteError(f"unknown conditional-format operator {rule.operator!r}")
    second = "=" + _strip_equals(rule.formula2) if rule.formula2 else None
    return formats.add_cell_value(operator, "=" + _strip_equals(rule.formula), second,
                                  stop_if_true=rule.stop_if_true, **_rule_style(rule))


def same_rule(existing: Any, rule: CFRule) -> bool:
    """Whether an existing rule is the one ``rule`` restates (same type,
    operator and formulas), so it is replaced rather than duplicated."""
    if rule.kind == "expression":
        return existing.type == "custom" and \
            _strip_equals(existing.formula) == _strip_equals(rule.formula)
    return (existing.type == "cell_value" and existing.operator == CF_OPERATORS.get(rule.operator)
            and _strip_equals(existing.formula1) == _strip_equals(rule.formula)
            and _strip_equals(existing.formula2) == _strip_equals(rule.formula2))


def owned_role(refers_to: str | None) -> str | None:
    """The role held by an ``_kpixl_owned`` name: '="exceptions"' -> exceptions."""
    if not refers_to:
        return None
    return refers_to.strip().lstrip("=").strip().strip('"')


def unique_sheet_name(wanted: str, existing: list[str]) -> str:
    """``wanted``, or "wanted (2)" ... when an officer's sheet already has the name
    (kpi-xl never takes over a sheet it does not own)."""
    taken = {name.casefold() for name in existing}
    if wanted.casefold() not in taken:
        return wanted
    n = 2
    while True:
        suffix = f" ({n})"
        candidate = wanted[: 31 - len(suffix)] + suffix  # Excel's 31-character limit
        if candidate.casefold() not in taken:
            return candidate
        n += 1


# --- what only the native object model can do ------------------------------------------------

class _WindowsApi:
    """Calls into Excel's COM object model (``.api``), one small method each."""

    def __init__(self, writer: LiveWriter):
        self.writer = writer

    def hide_name(self, name: Any) -> None:
        name.api.Visible = False

    def sparklines(self, sheet: Any, group: SparklineGroup) -> None:
        location = sheet.range(group.location).api
        location.SparklineGroups.Clear()  # re-applying replaces, never stacks
        made = location.SparklineGroups.Add(Type=XL_SPARK_LINE, SourceData=group.data)
        made.SeriesColor.Color = bgr(group.color)
        made.Points.Highpoint.Visible = group.high_low
        made.Points.Lowpoint.Visible = group.high_low
        self.writer.summary["sparkline_groups"] += 1

    def internal_link(self, sheet: Any, link: Any, text: str | None) -> None:
        rng = sheet.range(link.cell)
        options = {"Anchor": rng.api, "Address": "", "SubAddress": link.target}
        if link.tooltip:
            options["ScreenTip"] = link.tooltip
        if text:
            options["TextToDisplay"] = text
        sheet.api.Hyperlinks.Add(**options)

    def clear_links(self, sheet: Any) -> None:
        sheet.api.Hyperlinks.Delete()

    def validation_prompt(self, rng: Any, prompt: str) -> None:
        rng.api.Validation.InputMessage = prompt[:255]
        rng.api.Validation.ShowInput = True

    def freeze(self, sheet: Any, cell: str) -> None:
        row, col = cell_position(cell)
        sheet.activate()
        window = self.writer.book.app.api.ActiveWindow
        window.FreezePanes = False
        window.ScrollRow, window.ScrollColumn = 1, 1
        window.SplitRow, window.SplitColumn = row - 1, col - 1
        window.FreezePanes = True

    def tab_color(self, sheet: Any, colour: str) -> None:
        sheet.api.Tab.Color = bgr(colour)

    def landscape(self, sheet: Any) -> None:
        """A4 landscape, one page wide, as the file writer's pageSetup."""
        setup = sheet.api.PageSetup
        setup.Orientation = XL_LANDSCAPE
        setup.PaperSize = XL_PAPER_A4
        setup.Zoom = False  # FitToPages* apply only without a zoom
        setup.FitToPagesWide = 1
        setup.FitToPagesTall = False

    def value_axis_format(self, made: Any, chart: LineChart) -> None:
        made.api[1].Axes(XL_VALUE).TickLabels.NumberFormat = chart.number_format

    def print_title_rows(self, sheet: Any, rows: str) -> None:
        """Rows repeated on every printed page, as the file writer's Print_Titles name."""
        first, _, last = rows.partition(":")
        sheet.api.PageSetup.PrintTitleRows = f"${first}:${last or first}"

    def hide_column(self, sheet: Any, column: str) -> None:
        sheet.range(f"{column}:{column}").api.EntireColumn.Hidden = True

    def chart_series(self, made: Any, chart: LineChart) -> None:
        native = made.api[1]  # xlwings gives (ChartObject, Chart) on Windows
        for series in chart.series:
            new = native.SeriesCollection().NewSeries()
            new.Name = series.name
            new.Values = "=" + series.values.lstrip("=")
            new.XValues = "=" + chart.categories.lstrip("=")
            new.Format.Line.ForeColor.RGB = bgr(series.color)
            if series.dashed:
                new.Format.Line.DashStyle = MSO_LINE_DASH


class _MacApi:
    """macOS: what appscript offers is not verified, so these are skipped and
    reported rather than guessed; the cross-platform parts still run."""

    def __init__(self, writer: LiveWriter):
        self.writer = writer

    def hide_name(self, name: Any) -> None:
        pass  # a visible _kpixl_owned name is harmless; the xlsx writer hides it

    def sparklines(self, sheet: Any, group: SparklineGroup) -> None:
        self.writer.skip(f"sparklines {quote_sheet(sheet.name)}!{group.location} "
                         "(not available on macOS)")

    def internal_link(self, sheet: Any, link: Any, text: str | None) -> None:
        sheet.range(link.cell).add_hyperlink("#" + link.target, text, link.tooltip)

    def clear_links(self, sheet: Any) -> None:
        pass  # sheet.clear() removes them on macOS

    def validation_prompt(self, rng: Any, prompt: str) -> None:
        self.writer.skip("validation prompt (not available on macOS)")

    def freeze(self, sheet: Any, cell: str) -> None:
        self.writer.skip(f"freeze panes on {quote_sheet(sheet.name)} (not available on macOS)")

    def tab_color(self, sheet: Any, colour: str) -> None:
        self.writer.skip(f"tab colour of {quote_sheet(sheet.name)} (not available on macOS)")

    def chart_series(self, made: Any, chart: LineChart) -> None:
        self.writer.skip(f"chart series of {chart.title!r} (not available on macOS)")

    def landscape(self, sheet: Any) -> None:
        self.writer.skip(f"landscape page setup of {quote_sheet(sheet.name)} "
                         "(not available on macOS)")

    def value_axis_format(self, made: Any, chart: LineChart) -> None:
        self.writer.skip(f"axis number format of {chart.title!r} (not available on macOS)")

    def print_title_rows(self, sheet: Any, rows: str) -> None:
        self.writer.skip(f"print title rows of {quote_sheet(sheet.name)} (not available on macOS)")

    def hide_column(self, sheet: Any, column: str) -> None:
        self.writer.skip(f"hidden column {column} of {quote_sheet(sheet.name)} "
                         "(not available on macOS)")


def unsaved_changes(book: Any, platform: str | None = None) -> bool:
    """Whether the open workbook differs from its file (Excel's Saved flag)."""
    if (platform or host_platform()) == "mac":
        return not book.api.saved.get()
    return not book.api.Saved
