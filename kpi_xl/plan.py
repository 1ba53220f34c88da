"""The plan of changes: what kpi-xl wants done to a workbook, with no file format in it.

The rules and the refresh build a :class:`Plan`; two writers apply it:
``kpi_xl.xlsx.writer`` patches the package of a file, ``kpi_xl.excel.live_writer``
drives an open workbook through xlwings. Everything here is plain data.

Cells are addressed in A1 notation ("G5"); ranges as "G5:G40" (several ranges
separated by spaces, as Excel's sqref). Colours are 6-digit RGB hex ("FFC7CE").
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import repeat
from typing import Collection, Iterable, Iterator, Literal, Union, get_args

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


def merge_styles(first: Style | None, second: Style | None) -> Style | None:
    """Two Styles set on one cell as one: ``second``'s attributes win where
    it sets them (None leaves ``first``'s)."""
    if first is None or second is None:
        return second if first is None else first
    return replace(first, **{k: v for k, v in vars(second).items() if v is not None})


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


class SheetCells:
    """The cells of an owned sheet, in the order planned, held as numbers.

    An owned sheet holds a cell for each indicator and column (330,000 at
    10,000 indicators): a :class:`SetCell` each, whose A1 text the writer
    parsed again, cost more than the rest of the refresh, and so many
    objects made Python's garbage collector walk the whole heap again and
    again. So a planner puts a cell by its row and column numbers
    (:meth:`put`, :meth:`put_row`), and the cells are kept in six lists side
    by side, in the order put: ``rows``, ``columns``, ``values``,
    ``formulas``, ``styles`` and ``appended`` (None for a cell put). An
    appended SetCell is kept as it is in ``appended``, its row and column
    None: its reference is parsed only by the writer, which refuses a bad
    one as it did. :meth:`entries` gives them a cell at a time.

    Read as a sequence (iterated, indexed, compared), the cells are the
    SetCells they stand for, in the same order: a cell put at row 5, column
    7 is ``SetCell("", "G5", value, formula, style)``, what the planners
    made before, and an appended SetCell is itself. The live writer and the
    tests read them so; the file writer reads :meth:`entries`. Like the rest
    of a plan, a SheetCells is not changed once the plan is made.
    """

    def __init__(self, cells: Iterable[SetCell] = ()):
        self.rows: list[int | None] = []
        self.columns: list[int | None] = []
        self.values: list[CellValue] = []
        self.formulas: list[str | None] = []
        self.styles: list[Style | None] = []
        self.appended: list[SetCell | None] = []
        self.extend(cells)

    def put(self, row: int, column: int, value: CellValue = None, style: Style | None = None,
            formula: str | None = None) -> None:
        self.rows.append(row)
        self.columns.append(column)
        self.values.append(value)
        self.formulas.append(formula)
        self.styles.append(style)
        self.appended.append(None)

    def put_row(self, row: int, column: int, values: Iterable[CellValue], styles: Iterable[Style | None],
                formulas: Iterable[str | None] | None = None) -> None:
        """Cells from ``column`` rightwards, with one style (and formula) for each value."""
        values, styles = list(values), list(styles)
        count = len(values)
        formulas = [None] * count if formulas is None else list(formulas)
        if len(styles) != count or len(formulas) != count:
            raise ValueError("put_row needs one style (and formula) for each value")
        self.rows.extend(repeat(row, count))
        self.columns.extend(range(column, column + count))
        self.values.extend(values)
        self.formulas.extend(formulas)
        self.styles.extend(styles)
        self.appended.extend(repeat(None, count))

    def put_cells(self, rows: Iterable[int], columns: Iterable[int], values: Iterable[CellValue],
                  styles: Iterable[Style | None]) -> None:
        """Cells at ``rows[i]``, ``columns[i]``, one row, column and style for each value."""
        rows, columns, values, styles = list(rows), list(columns), list(values), list(styles)
        count = len(values)
        if not len(rows) == len(columns) == len(styles) == count:
            raise ValueError("put_cells needs one row, column and style for each value")
        self.rows.extend(rows)
        self.columns.extend(columns)
        self.values.extend(values)
        self.formulas.extend(repeat(None, count))
        self.styles.extend(styles)
        self.appended.extend(repeat(None, count))

    def append(self, cell: SetCell) -> None:
        self.rows.append(None)
        self.columns.append(None)
        self.values.append(cell.value)
        self.formulas.append(cell.formula)
        self.styles.append(cell.style)
        self.appended.append(cell)

    def extend(self, cells: Iterable[SetCell]) -> None:
        for cell in cells:
            self.append(cell)

    @classmethod
    def of_entries(cls, entries: Iterable[tuple]) -> SheetCells:
        """The cells of :meth:`entries` tuples."""
        cells = cls()
        for row, column, value, formula, style, appended in entries:
            cells.rows.append(row)
            cells.columns.append(column)
            cells.values.append(value)
            cells.formulas.append(formula)
            cells.styles.append(style)
            cells.appended.append(appended)
        return cells

    def entries(self) -> Iterator[tuple]:
        """``(row, column, value, formula, style, appended SetCell or None)`` a cell, in order."""
        return zip(self.rows, self.columns, self.values, self.formulas, self.styles, self.appended)

    def texts(self) -> list[str]:
        """The texts the cells hold as constants (what the shared strings are asked for)."""
        return [value for value, formula in zip(self.values, self.formulas)
                if isinstance(value, str) and formula is None]

    def _cell(self, i: int) -> SetCell:
        cell = self.appended[i]
        if cell is None:
            from kpi_xl.xlsx.refs import cell_ref

            cell = SetCell("", cell_ref(self.rows[i], self.columns[i]), self.values[i], self.formulas[i],
                           self.styles[i])
        return cell

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[SetCell]:
        return map(self._cell, range(len(self.rows)))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._cell(i) for i in range(len(self.rows))[index]]
        return self._cell(range(len(self.rows))[index])

    def __eq__(self, other) -> bool:
        if isinstance(other, (SheetCells, list)):
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"SheetCells({list(self)!r})"


@dataclass
class OwnedSheet:
    """A whole sheet that kpi-xl owns, written fresh each time.

    ``role`` marks it in the workbook (a hidden sheet-scoped defined name
    ``_kpixl_owned`` holding the role), so the next refresh finds and
    replaces it even if an officer renamed it, instead of adding a copy.
    """

    role: str  # "exceptions", "data_quality", "charts"
    name: str  # sheet name to use when adding
    cells: SheetCells = field(default_factory=SheetCells)  # SetCell.sheet is ignored; a list is made one
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

    def __post_init__(self) -> None:
        if not isinstance(self.cells, SheetCells):
            self.cells = SheetCells(self.cells)


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
