"""The plan of changes: what kpi-xl wants done to a workbook, with no file format in it.

The rules and the refresh build a :class:`Plan`; two writers apply it:
``kpi_xl.xlsx.writer`` patches the package of a file, ``kpi_xl.excel.live_writer``
drives an open workbook through xlwings. Everything here is plain data.

Cells are addressed in A1 notation ("G5"); ranges as "G5:G40" (several ranges
separated by spaces, as Excel's sqref). Colours are 6-digit RGB hex ("FFC7CE").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Collection, Literal, Union, get_args

CellValue = Union[float, int, str, bool, None]

# Why a change is in the plan: the part of the refresh that made it. A ribbon
# button applies the changes of its purposes (:meth:`Plan.only`), so it never
# has to work out again which cells belong to it. None: a hand-made change,
# applied only with the whole plan.
Purpose = Literal["rag", "direction", "trend", "comparators", "exceptions", "quality", "charts"]
PURPOSES: tuple[Purpose, ...] = get_args(Purpose)


@dataclass(frozen=True)
class Style:
    """Cell formatting kpi-xl sets. ``None`` means "leave as it is" on an
    existing cell and "default" on a new one."""

    fill: str | None = None  # solid background RGB
    font_color: str | None = None
    bold: bool | None = None
    italic: bool | None = None
    number_format: str | None = None  # e.g. "0.0%"
    horizontal: Literal["left", "center", "right"] | None = None
    vertical: Literal["top", "center", "bottom"] | None = None
    wrap: bool | None = None
    border: Literal["thin"] | None = None  # thin border on all four sides
    font_size: float | None = None


@dataclass(frozen=True)
class SetCell:
    """Set one cell. ``formula`` (without the leading '=') with ``value`` as
    its cached result; ``value`` alone is a constant; both None blanks the
    cell (keeping its style unless ``style`` says otherwise).

    Text is always stored as text: a value "=1+1" is the string, never a
    formula. The writer neutralises nothing else; the caller passes what the
    officer should see.
    """

    sheet: str
    cell: str
    value: CellValue = None
    formula: str | None = None
    style: Style | None = None
    purpose: Purpose | None = None  # inside an OwnedSheet: the sheet's purpose applies


@dataclass(frozen=True)
class CFRule:
    """One conditional-formatting rule.

    kind "expression": ``formula`` is a boolean Excel formula relative to the
    top-left cell of the range (no leading '='). kind "cellIs": ``operator``
    (equal, notEqual, greaterThan, lessThan, greaterThanOrEqual,
    lessThanOrEqual, between) with ``formula`` (and ``formula2`` for between).
    The style becomes a differential format (only fill, font colour, bold,
    italic are used).
    """

    kind: Literal["expression", "cellIs"]
    formula: str
    style: Style
    operator: str | None = None
    formula2: str | None = None
    stop_if_true: bool = False


@dataclass(frozen=True)
class AddConditionalFormat:
    """Conditional formatting on a range of an existing (or owned) sheet.

    Idempotent: applying the same rules to the same range again must not add
    duplicates. Rules kpi-xl wrote earlier on exactly this range are replaced.
    """

    sheet: str
    range: str
    rules: tuple[CFRule, ...]
    purpose: Purpose | None = None


@dataclass(frozen=True)
class SetColumnWidth:
    sheet: str
    column: str  # "H"
    width: float  # in Excel character units
    # Only widen: a column already at least this wide keeps its width (the
    # council's layout), a narrower one grows so a figure never shows ###.
    at_least: bool = False
    purpose: Purpose | None = None


@dataclass(frozen=True)
class Hyperlink:
    """An internal link from ``cell`` to ``target`` ("'Dashboard'!G5")."""

    cell: str
    target: str
    tooltip: str | None = None


@dataclass(frozen=True)
class DataValidationList:
    """A drop-down list on a range of an owned sheet."""

    range: str
    choices: tuple[str, ...]
    prompt: str | None = None


@dataclass(frozen=True)
class SparklineGroup:
    """Native Excel line sparklines: one per cell of ``location`` (a column
    range), each over the matching row of ``data`` (a block of the same
    number of rows), e.g. location "I5:I10", data "Dashboard!B5:G10"."""

    sheet: str
    location: str
    data: str
    high_low: bool = True
    color: str = "376092"
    purpose: Purpose | None = None


@dataclass(frozen=True)
class LineChart:
    """A native line chart placed on an owned sheet.

    ``categories`` and each series' ``values`` are absolute references
    ("'Charts'!$B$2:$G$2"). ``anchor`` is the top-left cell; size in cells.
    """

    title: str
    anchor: str
    categories: str
    series: tuple["ChartSeries", ...]
    width_cols: int = 8
    height_rows: int = 15
    number_format: str | None = None  # value axis, e.g. "0%"; None: as the cells


@dataclass(frozen=True)
class ChartSeries:
    name: str
    values: str
    color: str = "376092"
    dashed: bool = False


@dataclass
class OwnedSheet:
    """A whole sheet that kpi-xl owns, written fresh each time.

    ``role`` marks it in the workbook (a hidden sheet-scoped defined name
    ``_kpixl_owned`` holding the role), so the next refresh finds and
    replaces it even if an officer renamed it, instead of adding a copy.
    """

    role: str  # "exceptions", "data_quality", "charts"
    name: str  # sheet name to use when adding
    cells: list[SetCell] = field(default_factory=list)  # SetCell.sheet is ignored
    column_widths: dict[str, float] = field(default_factory=dict)
    conditional_formats: list[AddConditionalFormat] = field(default_factory=list)
    hyperlinks: list[Hyperlink] = field(default_factory=list)
    validations: list[DataValidationList] = field(default_factory=list)
    charts: list[LineChart] = field(default_factory=list)
    freeze: str | None = None  # top-left cell of the scrolling pane, e.g. "A3"
    tab_color: str | None = None
    after: str | None = None  # place after this sheet when adding (default: last)
    # Printed as committee papers are: A4 landscape, fitted to one page wide.
    landscape: bool = True
    # Rows printed at the top of every page ("4:4", "1:3"), as Excel's Print_Titles.
    print_title_rows: str | None = None
    # Row heights in points, for rows whose wrapped text needs more than one line.
    row_heights: dict[int, float] = field(default_factory=dict)
    hidden_columns: tuple[str, ...] = ()  # e.g. a key column kpi-xl reads back
    purpose: Purpose | None = None


@dataclass(frozen=True)
class RemoveSheet:
    """Remove the owned sheet with this role, if present."""

    role: str
    purpose: Purpose | None = None


Change = Union[SetCell, AddConditionalFormat, SetColumnWidth, SparklineGroup]


@dataclass
class Plan:
    """Everything to change, in the order given."""

    changes: list[Change] = field(default_factory=list)
    sheets: list[OwnedSheet] = field(default_factory=list)  # add or replace by role
    remove: list[RemoveSheet] = field(default_factory=list)

    def set(self, sheet: str, cell: str, value: CellValue = None, *,
            formula: str | None = None, style: Style | None = None,
            purpose: Purpose | None = None) -> None:
        self.changes.append(SetCell(sheet, cell, value, formula, style, purpose))

    def only(self, purposes: Collection[Purpose]) -> Plan:
        """The changes, sheets and removals made for ``purposes``, in plan
        order: what one ribbon button applies. Changes without a purpose
        belong to no part."""
        wanted = set(purposes)
        return Plan(changes=[c for c in self.changes if c.purpose in wanted],
                    sheets=[s for s in self.sheets if s.purpose in wanted],
                    remove=[r for r in self.remove if r.purpose in wanted])

    def cells(self) -> list[SetCell]:
        return [c for c in self.changes if isinstance(c, SetCell)]

    def is_empty(self) -> bool:
        return not (self.changes or self.sheets or self.remove)

    def summary(self) -> dict:
        """Counts for reports (``changes`` in the refresh JSON)."""
        kinds: dict[str, int] = {}
        for change in self.changes:
            name = type(change).__name__
            kinds[name] = kinds.get(name, 0) + 1
        return {
            "cells": kinds.get("SetCell", 0),
            "conditional_formats": kinds.get("AddConditionalFormat", 0),
            "column_widths": kinds.get("SetColumnWidth", 0),
            "sparkline_groups": kinds.get("SparklineGroup", 0),
            "sheets": [s.name for s in self.sheets],
            "removed_sheets": [r.role for r in self.remove],
        }
