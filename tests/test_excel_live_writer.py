"""The live writer, tested by applying plans to an in-memory stand-in of xlwings.

The stand-in (first half of this file) records every call the writer makes
and keeps the resulting state; the tests check both against the plan:
values arrive in blocks, never cell by cell; styles, native conditional
formats, owned sheets and the native-API calls are what the plan says.
"""

from __future__ import annotations

# An in-memory stand-in for the xlwings objects the live writer drives.
#
# Excel does not run here, so this is the one place a stand-in is right. It
# offers the xlwings surface the writer uses (Book, Sheets, Sheet, Range, Font,
# Borders, ConditionalFormats, DataValidation, Names, Charts, App) and:
#
# - records every call in ``book.log`` as tuples, in order;
# - keeps the resulting state (cell inputs, styles, rules, names, sheets) so a
#   test can compare the end state with the plan;
# - validates arguments against xlwings' own vocabularies (alignment names,
#   conditional-format operators, border styles) and shapes (a block
#   assignment must match its range), so a wrong call fails here as it
#   would in xlwings;
# - answers ``.api`` with a recorder of native calls (Windows COM style).

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st
from openpyxl.utils.cell import range_boundaries
from xlwings.base_classes import (
    CONDITIONAL_FORMAT_OPERATORS,
    HORIZONTAL_ALIGNMENTS,
    VERTICAL_ALIGNMENTS,
)

from kpi_xl.errors import WriteError
from kpi_xl.excel.live_writer import (
    OWNED_NAME,
    Block,
    LiveWriter,
    blocks,
    cell_input,
    cell_position,
    owned_role,
    unique_sheet_name,
)
from kpi_xl.plan import (
    AddConditionalFormat,
    CFRule,
    ChartSeries,
    DataValidationList,
    Hyperlink,
    LineChart,
    OwnedSheet,
    Plan,
    RemoveSheet,
    SetCell,
    SetColumnWidth,
    SparklineGroup,
    Style,
)


class ApiRecorder:
    """Records attribute sets and calls on the native object model."""

    def __init__(self, log: list, path: str):
        object.__setattr__(self, "_log", log)
        object.__setattr__(self, "_path", path)

    def __getattr__(self, name: str) -> "ApiRecorder":
        return ApiRecorder(self._log, f"{self._path}.{name}")

    def __setattr__(self, name: str, value: Any) -> None:
        self._log.append(("api_set", f"{self._path}.{name}", value))

    def __call__(self, *args, **kwargs) -> "ApiRecorder":
        self._log.append(("api_call", self._path, args, kwargs))
        return ApiRecorder(self._log, f"{self._path}()")

    def __getitem__(self, key) -> "ApiRecorder":
        return ApiRecorder(self._log, f"{self._path}[{key}]")


def _shape(address: str) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of "G5:H9" / "G5" / "H:H" (whole column)."""
    if ":" in address and address.replace(":", "").replace("$", "").isalpha():
        col = range_boundaries(address.split(":")[0] + "1")[0]
        return 1, col, 1_048_576, col
    left, top, right, bottom = range_boundaries(address)
    return top, left, bottom, right


class FakeFont:
    def __init__(self, rng: "FakeRange"):
        object.__setattr__(self, "_rng", rng)

    def __setattr__(self, name: str, value: Any) -> None:
        assert name in ("color", "bold", "italic", "size", "name"), name
        self._rng._record("font." + name, value)


class FakeBorders:
    def __init__(self, rng: "FakeRange"):
        self._rng = rng

    def set(self, which="all", *, line_style=None, weight=None, color=None):
        assert which in ("all", "outside", "inside", "everything")
        assert line_style in ("continuous", "dash", "dot", "double", None)
        assert weight in ("hairline", "thin", "medium", "thick", None)
        self._rng._record("borders", (which, line_style, weight))


class FakeRule:
    """One conditional-format rule as xlwings' ConditionalFormat shows it."""

    def __init__(self, store: list, kind: str, operator=None, formula1=None, formula2=None,
                 formula=None, stop_if_true=False, **style):
        self._store, self.stop_if_true = store, stop_if_true
        self.type, self.operator = kind, operator
        self.formula1, self.formula2, self.formula = formula1, formula2, formula
        self.style = style
        self.deleted = False

    def delete(self) -> None:
        self._store.remove(self)
        self.deleted = True


class FakeConditionalFormats:
    def __init__(self, rng: "FakeRange"):
        self._rng = rng
        self._store = rng.sheet.rules.setdefault(rng.address, [])

    def __iter__(self):
        return iter(list(self._store))

    def _add(self, rule: FakeRule) -> FakeRule:
        self._store.insert(0, rule)  # xlwings adds at the top of the rule order
        book = self._rng.sheet.book
        self._rng._record("cf_add", (rule.type, rule.operator, rule.formula1 or rule.formula,
                                      book.active_sheet.name, book.selected))
        return rule

    def add_custom(self, formula, *, stop_if_true=False, **style):
        assert isinstance(formula, str) and formula.startswith("=") and len(formula) > 1
        assert isinstance(stop_if_true, bool)
        return self._add(FakeRule(self._store, "custom", formula=formula,
                                  stop_if_true=stop_if_true, **style))

    def add_cell_value(self, operator, formula1, formula2=None, *, stop_if_true=False, **style):
        assert operator in CONDITIONAL_FORMAT_OPERATORS, operator
        assert (formula2 is not None) == (operator in ("between", "not_between"))
        assert isinstance(stop_if_true, bool)
        return self._add(FakeRule(self._store, "cell_value", operator=operator,
                                  formula1=formula1, formula2=formula2,
                                  stop_if_true=stop_if_true, **style))


class FakeValidation:
    def __init__(self, rng: "FakeRange"):
        self._rng = rng

    def set_list(self, source, *, in_cell_dropdown=True):
        assert source and all(isinstance(s, (str, int, float, bool)) for s in source)
        self._rng._record("validation_list", tuple(source))

    def delete(self):
        self._rng._record("validation_delete", None)


class FakeRange:
    def __init__(self, sheet: "FakeSheet", address: str):
        object.__setattr__(self, "sheet", sheet)
        object.__setattr__(self, "address", address.replace("$", ""))
        object.__setattr__(self, "api", ApiRecorder(sheet.book.log,
                                                   f"{sheet.name}!{address}"))

    _SETTABLE = {"value", "color", "number_format", "horizontal_alignment",
                 "vertical_alignment", "wrap_text", "column_width", "row_height"}

    def __setattr__(self, name: str, value: Any) -> None:
        assert name in self._SETTABLE, f"the stand-in does not know Range.{name}"
        if name == "value":
            self._write(value)
        elif name == "horizontal_alignment":
            assert value in HORIZONTAL_ALIGNMENTS, value
        elif name == "vertical_alignment":
            assert value in VERTICAL_ALIGNMENTS, value
        elif name == "color":
            assert isinstance(value, str) and value.startswith("#") and len(value) == 7
        if name != "value":
            self._record(name, value)

    def _record(self, what: str, value: Any) -> None:
        self.sheet.book.log.append((what, self.sheet.name, self.address, value))
        if what in self._SETTABLE or what in ("borders",) or what.startswith("font."):
            self.sheet.formats.setdefault(self.address, []).append((what, value))

    def _write(self, rows: Any) -> None:
        top, left, bottom, right = _shape(self.address)
        assert isinstance(rows, list) and len(rows) == bottom - top + 1, (self.address, rows)
        for r, row in enumerate(rows):
            assert isinstance(row, list) and len(row) == right - left + 1, (self.address, row)
            for c, value in enumerate(row):
                self.sheet.values[(top + r, left + c)] = value
        self.sheet.book.log.append(("value", self.sheet.name, self.address, rows))

    @property
    def font(self) -> FakeFont:
        return FakeFont(self)

    @property
    def borders(self) -> FakeBorders:
        return FakeBorders(self)

    @property
    def conditional_formats(self) -> FakeConditionalFormats:
        return FakeConditionalFormats(self)

    @property
    def data_validation(self) -> FakeValidation:
        return FakeValidation(self)

    def add_hyperlink(self, address, text_to_display=None, screen_tip=None):
        self._record("hyperlink", (address, text_to_display, screen_tip))

    def select(self):
        self.sheet.book.active_sheet = self.sheet
        self.sheet.book.selected = self.address
        self.sheet.book.log.append(("select", self.sheet.name, self.address, None))

    def resize(self, rows: int, cols: int) -> "FakeRange":
        from openpyxl.utils.cell import get_column_letter
        top, left, _, _ = _shape(self.address)
        return FakeRange(self.sheet, f"{get_column_letter(left)}{top}:"
                                     f"{get_column_letter(left + cols - 1)}{top + rows - 1}")

    # positions in points, as Excel gives them (15 points a row, 48 a column)
    @property
    def left(self):
        return (_shape(self.address)[1] - 1) * 48.0

    @property
    def top(self):
        return (_shape(self.address)[0] - 1) * 15.0

    @property
    def width(self):
        top, left, bottom, right = _shape(self.address)
        return (right - left + 1) * 48.0

    @property
    def height(self):
        top, left, bottom, right = _shape(self.address)
        return (bottom - top + 1) * 15.0


class FakeName:
    def __init__(self, sheet: "FakeSheet", name: str, refers_to: str):
        # Excel shows a sheet-scoped name with its sheet: "'KPI Exceptions'!_kpixl_owned"
        self.name = f"'{sheet.name}'!{name}"
        self.refers_to = refers_to
        self.api = ApiRecorder(sheet.book.log, f"Name({name})")


class FakeNames:
    def __init__(self, sheet: "FakeSheet"):
        self._sheet = sheet
        self._names: list[FakeName] = []

    def __iter__(self):
        return iter(list(self._names))

    def add(self, name: str, refers_to: str) -> FakeName:
        assert refers_to.startswith("=")
        made = FakeName(self._sheet, name, refers_to)
        self._names.append(made)
        self._sheet.book.log.append(("name_add", self._sheet.name, name, refers_to))
        return made


class FakeChart:
    def __init__(self, sheet: "FakeSheet", **where):
        self.sheet, self.where = sheet, where
        log = sheet.book.log
        self.api = (ApiRecorder(log, "ChartObject"), ApiRecorder(log, "Chart"))
        object.__setattr__(self, "chart_type", None)
        self.title = None

    def delete(self):
        self.sheet.charts_list.remove(self)
        self.sheet.book.log.append(("chart_delete", self.sheet.name, None, None))


class FakeCharts:
    def __init__(self, sheet: "FakeSheet"):
        self._sheet = sheet

    def __iter__(self):
        return iter(list(self._sheet.charts_list))

    def add(self, left=0, top=0, width=355, height=211):
        chart = FakeChart(self._sheet, left=left, top=top, width=width, height=height)
        self._sheet.charts_list.append(chart)
        self._sheet.book.log.append(("chart_add", self._sheet.name, None,
                                     (left, top, width, height)))
        return chart


class FakeSheet:
    def __init__(self, book: "FakeBook", name: str):
        self.book, self.name = book, name
        self.values: dict[tuple[int, int], Any] = {}
        self.formats: dict[str, list] = {}
        self.rules: dict[str, list[FakeRule]] = {}
        self.names = FakeNames(self)
        self.charts_list: list[FakeChart] = []
        self.api = ApiRecorder(book.log, f"Sheet({name})")

    def range(self, address: str) -> FakeRange:
        return FakeRange(self, address)

    @property
    def cells(self) -> FakeRange:
        return FakeRange(self, "A1:XFD1048576")

    @property
    def charts(self) -> FakeCharts:
        return FakeCharts(self)

    def activate(self):
        self.book.active_sheet = self
        self.book.log.append(("activate", self.name, None, None))

    def clear(self):
        self.values.clear()
        self.formats.clear()
        self.rules.clear()
        self.book.log.append(("sheet_clear", self.name, None, None))

    def delete(self):
        self.book.sheet_list.remove(self)
        self.book.log.append(("sheet_delete", self.name, None, None))


class FakeSheets:
    def __init__(self, book: "FakeBook"):
        self._book = book

    def __iter__(self):
        return iter(list(self._book.sheet_list))

    def __len__(self):
        return len(self._book.sheet_list)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._book.sheet_list[key]
        for sheet in self._book.sheet_list:
            if sheet.name.lower() == key.lower():
                return sheet
        raise KeyError(key)

    @property
    def active(self) -> FakeSheet:
        return self._book.active_sheet

    def add(self, name=None, before=None, after=None) -> FakeSheet:
        assert name and name.lower() not in (s.name.lower() for s in self._book.sheet_list), \
            f"Sheet named {name!r} already present in workbook"
        assert len(name) <= 31
        sheet = FakeSheet(self._book, name)
        at = self._book.sheet_list.index(after) + 1 if after else len(self._book.sheet_list)
        self._book.sheet_list.insert(at, sheet)
        self._book.active_sheet = sheet
        self._book.log.append(("sheet_add", name, None, after.name if after else None))
        return sheet


class FakeApp:
    def __init__(self, book: "FakeBook"):
        object.__setattr__(self, "_book", book)
        object.__setattr__(self, "state", {"screen_updating": True, "calculation": "automatic",
                                           "status_bar": False})
        object.__setattr__(self, "api", ApiRecorder(book.log, "App"))
        object.__setattr__(self, "alerts", [])

    def __getattr__(self, name):
        return self.state[name]

    def __setattr__(self, name, value):
        assert name in self.state, name
        self.state[name] = value
        self._book.log.append(("app", name, None, value))

    def alert(self, prompt, title=None, **_):
        self.alerts.append((title, prompt))


class FakeBook:
    def __init__(self, sheets: list[str], fullname: str = "returns.xlsx", saved: bool = True):
        self.log: list[tuple] = []
        self.fullname, self.name = fullname, fullname.rsplit("/", 1)[-1]
        self.sheet_list = [FakeSheet(self, name) for name in sheets]
        self.active_sheet = self.sheet_list[0]
        self.selected = "A1"
        self.sheets = FakeSheets(self)
        self.app = FakeApp(self)
        self.api = SimpleNamespace(Saved=saved)  # Excel's Saved flag (Windows COM)

    @property
    def selection(self) -> FakeRange:
        return FakeRange(self.active_sheet, self.selected)

    def entries(self, what: str) -> list[tuple]:
        return [entry for entry in self.log if entry[0] == what]

    def api_calls(self, contains: str = "") -> list[tuple]:
        return [e for e in self.log if e[0] in ("api_call", "api_set") and contains in e[1]]


# =====================================================================================
# The tests
# =====================================================================================

RAG_STYLE = Style(bold=True, horizontal="center")
GREEN = Style(fill="C6EFCE", font_color="006100")
AMBER = Style(fill="FFEB9C", font_color="9C5700")
RED = Style(fill="FFC7CE", font_color="9C0006")


def rag_rules(column: str, first: int) -> tuple[CFRule, ...]:
    return (CFRule("cellIs", '"GREEN"', GREEN, operator="equal"),
            CFRule("cellIs", '"AMBER"', AMBER, operator="equal"),
            CFRule("expression", f'${column}{first}="RED"', RED))


def table_plan(first: int = 5, last: int = 40) -> Plan:
    """A refresh-shaped plan: a header row, a RAG and a DoT column, colours."""
    plan = Plan()
    for col, header in zip("ABCDEF", ["Area", "ID", "Indicator", "Polarity", "Target", "Q2"]):
        plan.set("KPIs", f"{col}3", header, style=Style(bold=True))
    ragwords = ["GREEN", "AMBER", "RED", None]
    for row in range(first, last + 1):
        plan.set("KPIs", f"G{row}", ragwords[row % 4], formula=f'IF(F{row}>E{row},"GREEN","RED")'
                 if row % 5 == 0 else None, style=RAG_STYLE)
        plan.set("KPIs", f"H{row}", "↑" if row % 2 else "↓",
                 style=Style(horizontal="center", font_color="006100" if row % 2 else "9C0006"))
    plan.changes.append(SetColumnWidth("KPIs", "G", 14))
    plan.changes.append(AddConditionalFormat("KPIs", f"G{first}:G{last}", rag_rules("G", first)))
    return plan


def final_inputs(plan_cells: list[SetCell]) -> dict[tuple[str, tuple[int, int]], object]:
    latest = {}
    for change in plan_cells:
        latest[(change.sheet, cell_position(change.cell))] = cell_input(change)
    return latest


def assert_cells_match(book: FakeBook, plan_cells: list[SetCell]) -> None:
    """Every cell holds what the plan asked, written in as few blocks as the
    cells allow (never one call per cell)."""
    expected = final_inputs(plan_cells)
    for (sheet, position), value in expected.items():
        assert book.sheets[sheet].values[position] == value, (sheet, position)
    for sheet in {s for s, _ in expected}:
        positions = [p for s, p in expected if s == sheet]
        writes = [e for e in book.entries("value") if e[1] == sheet]
        assert len(writes) == len(blocks(positions))
        assert sum(len(e[3]) * len(e[3][0]) for e in writes) == len(positions)


# --- blocks ------------------------------------------------------------------------------

def test_a_column_and_its_neighbour_are_one_block():
    positions = [(r, c) for r in range(5, 41) for c in (7, 8)]
    assert blocks(positions) == [Block(5, 7, 40, 8)]
    assert Block(5, 7, 40, 8).address == "G5:H40"
    assert Block(3, 1, 3, 1).address == "A3"


def test_gaps_split_blocks():
    positions = [(5, 7), (6, 7), (8, 7), (5, 8), (6, 8)]
    assert [b.address for b in blocks(positions)] == ["G5:H6", "G8"]


@settings(max_examples=200, deadline=None)
@given(st.sets(st.tuples(st.integers(1, 12), st.integers(1, 6)), min_size=1, max_size=50))
def test_blocks_cover_exactly_the_cells(positions):
    covered = [(r, c) for b in blocks(positions) for r in b.rows for c in b.columns]
    assert sorted(covered) == sorted(positions)  # every cell once, nothing else


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 20), st.integers(1, 20), st.integers(1, 30), st.integers(1, 8))
def test_a_full_rectangle_is_one_block(top, left, height, width):
    positions = [(r, c) for r in range(top, top + height) for c in range(left, left + width)]
    assert len(blocks(positions)) == 1


# --- values ------------------------------------------------------------------------------

def test_values_are_written_in_blocks_not_cell_by_cell():
    plan = table_plan()
    book = FakeBook(["KPIs"])
    summary = LiveWriter(book, platform="win").apply(plan)
    assert_cells_match(book, plan.cells())
    # the header row is one block, the RAG and DoT columns side by side another
    assert [e[2] for e in book.entries("value")] == ["A3:F3", "G5:H40"]
    assert summary["cells"] == 6 + 2 * 36 and summary["value_blocks"] == 2


@pytest.mark.parametrize("value, written", [
    ("GREEN", "GREEN"),
    ("Reds of concern", "Reds of concern"),
    ("=1+1", "'=1+1"),            # text stays text, never a formula
    ("13%", "'13%"),              # would become 0.13
    ("1/2", "'1/2"),              # would become a date
    ("2022-23", "'2022-23"),
    ("Jan-24", "'Jan-24"),
    ("9:30 am", "'9:30 am"),
    ("1,234", "'1,234"),
    ("1e5", "'1e5"),
    ("24*", "'24*"),
    ("TRUE", "'TRUE"),
    ("Q2 2023-24", "Q2 2023-24"),  # words around the figures: Excel keeps it as text
    ("CSC01", "CSC01"),
    ("Re-referrals within 12 months", "Re-referrals within 12 months"),
    ("-", "'-"),
    ("#N/A", "'#N/A"),            # would become an error value
    ("↑", "↑"),
    (0.51, 0.51),
    (12, 12),
    (None, None),
])
def test_text_is_stored_as_text(value, written):
    assert cell_input(SetCell("KPIs", "A1", value)) == written


def test_formula_cells_get_their_formula():
    assert cell_input(SetCell("KPIs", "A1", "GREEN", formula='IF(B1>1,"GREEN","RED")')) == \
        '=IF(B1>1,"GREEN","RED")'


def test_a_later_change_to_the_same_cell_wins():
    plan = Plan()
    plan.set("KPIs", "B2", "first")
    plan.set("KPIs", "B3", "x")
    plan.set("KPIs", "B2", "second")
    book = FakeBook(["KPIs"])
    LiveWriter(book, platform="win").apply(plan)
    assert book.sheets["KPIs"].values[(2, 2)] == "second"
    assert [e[2] for e in book.entries("value")] == ["B2:B3"]


# --- styles ------------------------------------------------------------------------------

def test_styles_are_set_per_block_of_equal_style():
    plan = table_plan()
    book = FakeBook(["KPIs"])
    LiveWriter(book, platform="win").apply(plan)
    formats = book.sheets["KPIs"].formats
    assert formats["A3:F3"] == [("font.bold", True)]
    assert formats["G5:G40"] == [("font.bold", True), ("horizontal_alignment", "center")]
    # DoT cells alternate two colours: one block per run of equal style
    green_rows = [e for e in book.entries("font.color") if e[3] == "#006100"]
    assert {e[2] for e in green_rows} == {f"H{r}" for r in range(5, 41) if r % 2}


def test_every_style_field_is_applied():
    style = Style(fill="FFC7CE", font_color="9C0006", bold=True, italic=False,
                  number_format="0.0%", horizontal="right", vertical="top", wrap=True,
                  border="thin", font_size=11)
    plan = Plan()
    plan.set("KPIs", "C4", 0.5, style=style)
    book = FakeBook(["KPIs"])
    LiveWriter(book, platform="win").apply(plan)
    assert book.sheets["KPIs"].formats["C4"] == [
        ("color", "#FFC7CE"), ("font.color", "#9C0006"), ("font.bold", True),
        ("font.italic", False), ("font.size", 11), ("number_format", "0.0%"),
        ("horizontal_alignment", "right"), ("vertical_alignment", "top"), ("wrap_text", True),
        ("borders", ("all", "continuous", "thin"))]


# --- conditional formatting ------------------------------------------------------------------

def test_conditional_formats_are_native_rules_in_plan_order():
    plan = table_plan()
    book = FakeBook(["KPIs"])
    LiveWriter(book, platform="win").apply(plan)
    rules = book.sheets["KPIs"].rules["G5:G40"]
    assert [(r.type, r.operator, r.formula1 or r.formula) for r in rules] == [
        ("cell_value", "equal_to", '="GREEN"'),
        ("cell_value", "equal_to", '="AMBER"'),
        ("custom", None, '=$G5="RED"')]
    assert rules[0].style == {"fill_color": "#C6EFCE", "font_color": "#006100"}


def test_rules_are_added_with_the_top_left_cell_selected():
    # Excel reads a rule's relative references from the active cell
    plan = table_plan()
    book = FakeBook(["Front", "KPIs"])
    LiveWriter(book, platform="win").apply(plan)
    assert {(e[3][3], e[3][4]) for e in book.entries("cf_add")} == {("KPIs", "G5")}
    # ... and the officer's sheet and selection come back afterwards
    assert book.active_sheet.name == "Front" and book.selected == "A1"


def test_reapplying_replaces_our_rules_and_keeps_the_officers():
    plan = table_plan()
    book = FakeBook(["KPIs"])
    officer = book.sheets["KPIs"].range("G5:G40").conditional_formats.add_custom(
        '=$G5="CHECK"', fill_color="#FFFF00")
    LiveWriter(book, platform="win").apply(plan)
    second = LiveWriter(book, platform="win")
    second.apply(plan)
    rules = book.sheets["KPIs"].rules["G5:G40"]
    assert len(rules) == 4 and officer in rules and rules[-1] is officer
    assert second.summary["conditional_format_rules_replaced"] == 3


def test_between_rules_pass_both_formulas():
    plan = Plan(changes=[AddConditionalFormat("KPIs", "B2:B9", (
        CFRule("cellIs", "0.5", GREEN, operator="between", formula2="0.9"),))])
    book = FakeBook(["KPIs"])
    LiveWriter(book, platform="win").apply(plan)
    rule = book.sheets["KPIs"].rules["B2:B9"][0]
    assert (rule.operator, rule.formula1, rule.formula2) == ("between", "=0.5", "=0.9")


# --- widths, sparklines, the native API ---------------------------------------------------------

def test_column_widths_and_sparklines_on_windows():
    plan = Plan(changes=[SetColumnWidth("KPIs", "H", 14),
                         SparklineGroup("KPIs", "I5:I10", "KPIs!B5:G10", color="376092")])
    book = FakeBook(["KPIs"])
    summary = LiveWriter(book, platform="win").apply(plan)
    assert book.sheets["KPIs"].formats["H:H"] == [("column_width", 14)]
    calls = book.api_calls("KPIs!I5:I10")
    assert ("api_call", "KPIs!I5:I10.SparklineGroups.Clear", (), {}) in calls
    assert ("api_call", "KPIs!I5:I10.SparklineGroups.Add", (),
            {"Type": 1, "SourceData": "KPIs!B5:G10"}) in calls
    # 376092 as Excel's blue-green-red integer
    assert ("api_set", "KPIs!I5:I10.SparklineGroups.Add().SeriesColor.Color",
            0x926037) in calls
    assert summary["sparkline_groups"] == 1 and summary["skipped"] == []


def test_sparklines_are_reported_as_skipped_on_macos():
    plan = Plan(changes=[SparklineGroup("KPIs", "I5:I10", "KPIs!B5:G10")])
    book = FakeBook(["KPIs"])
    summary = LiveWriter(book, platform="mac").apply(plan)
    assert book.api_calls() == []
    assert summary["skipped"] == ["sparklines KPIs!I5:I10 (not available on macOS)"]


# --- owned sheets ----------------------------------------------------------------------------------

def exceptions_sheet(rows: int = 3) -> OwnedSheet:
    cells = [SetCell("", "A1", "Exception summary", style=Style(bold=True, font_size=14)),
             SetCell("", "A3", "Category"), SetCell("", "B3", "Indicator")]
    for r in range(rows):
        cells += [SetCell("", f"A{4 + r}", "Reds of concern"), SetCell("", f"B{4 + r}", f"CSC0{r}")]
    return OwnedSheet(
        role="exceptions", name="KPI Exceptions", cells=cells, column_widths={"A": 22, "B": 40},
        conditional_formats=[AddConditionalFormat("", f"A4:A{3 + rows}",
                                                  (CFRule("cellIs", '"Reds of concern"', RED,
                                                          operator="equal"),))],
        hyperlinks=[Hyperlink("B4", "'KPIs'!C5", tooltip="Go to the indicator")],
        validations=[DataValidationList(f"C4:C{3 + rows}", ("Green to celebrate", "Amber to watch"),
                                        prompt="Choose a category")],
        charts=[LineChart("Trend", "E3", "'KPI Exceptions'!$B$2:$G$2",
                          (ChartSeries("CSC01", "'KPI Exceptions'!$B$3:$G$3", dashed=True),))],
        freeze="A4", tab_color="1F4E78", after="KPIs")


def test_an_owned_sheet_is_added_marked_and_written():
    book = FakeBook(["Front", "KPIs", "Data"])
    owned = exceptions_sheet()
    summary = LiveWriter(book, platform="win").apply(Plan(sheets=[owned]))
    assert [s.name for s in book.sheets] == ["Front", "KPIs", "KPI Exceptions", "Data"]
    assert summary["sheets_added"] == ["KPI Exceptions"]
    sheet = book.sheets["KPI Exceptions"]
    assert book.entries("name_add") == [("name_add", "KPI Exceptions", OWNED_NAME,
                                         '="exceptions"')]
    assert ("api_set", f"Name({OWNED_NAME}).Visible", False) in book.api_calls()
    assert_cells_match(book, [SetCell("KPI Exceptions", c.cell, c.value, c.formula, c.style)
                              for c in owned.cells])
    assert sheet.formats["A:A"] == [("column_width", 22)]
    assert [r.formula1 for r in sheet.rules["A4:A6"]] == ['="Reds of concern"']
    link = [e for e in book.api_calls("Hyperlinks.Add")][0]
    assert link[3]["SubAddress"] == "'KPIs'!C5" and link[3]["TextToDisplay"] == "CSC00"
    assert ("validation_list", "KPI Exceptions", "C4:C6",
            ("Green to celebrate", "Amber to watch")) in book.log
    assert ("api_set", "KPI Exceptions!C4:C6.Validation.InputMessage", "Choose a category") \
        in book.log
    assert ("api_set", "App.ActiveWindow.SplitRow", 3) in book.log
    assert ("api_set", "Sheet(KPI Exceptions).Tab.Color", 0x784E1F) in book.log
    assert len(sheet.charts_list) == 1 and sheet.charts_list[0].chart_type == "line"
    assert ("api_set", "Chart.SeriesCollection().NewSeries().Values",
            "='KPI Exceptions'!$B$3:$G$3") in book.log


def test_an_owned_sheet_is_found_by_its_mark_and_rewritten_in_place():
    book = FakeBook(["KPIs"])
    LiveWriter(book, platform="win").apply(Plan(sheets=[exceptions_sheet(rows=5)]))
    book.sheets["KPI Exceptions"].name = "Q2 exceptions"  # an officer renames it
    writer = LiveWriter(book, platform="win")
    writer.apply(Plan(sheets=[exceptions_sheet(rows=2)]))
    assert [s.name for s in book.sheets] == ["KPIs", "Q2 exceptions"]
    assert writer.summary["sheets_replaced"] == ["Q2 exceptions"]
    sheet = book.sheets["Q2 exceptions"]
    assert ("sheet_clear", "Q2 exceptions", None, None) in book.log
    assert (8, 1) not in sheet.values and sheet.values[(5, 2)] == "CSC01"  # old rows gone
    assert len(sheet.charts_list) == 1  # the old chart was deleted, not kept beside the new
    assert len(book.entries("name_add")) == 1


def test_an_officers_sheet_with_the_same_name_is_never_taken_over():
    book = FakeBook(["KPIs", "KPI Exceptions"])
    book.sheets["KPI Exceptions"].values[(1, 1)] = "my own notes"
    LiveWriter(book, platform="win").apply(Plan(sheets=[exceptions_sheet()]))
    assert [s.name for s in book.sheets] == ["KPIs", "KPI Exceptions (2)", "KPI Exceptions"]
    assert book.sheets["KPI Exceptions"].values == {(1, 1): "my own notes"}


def test_an_owned_sheet_is_removed_by_role():
    book = FakeBook(["KPIs"])
    LiveWriter(book, platform="win").apply(Plan(sheets=[exceptions_sheet()]))
    summary = LiveWriter(book, platform="win").apply(Plan(remove=[RemoveSheet("exceptions"),
                                                                  RemoveSheet("charts")]))
    assert [s.name for s in book.sheets] == ["KPIs"]
    assert summary["sheets_removed"] == ["KPI Exceptions"]


@pytest.mark.parametrize("refers_to, role", [('="exceptions"', "exceptions"),
                                             ('= "data_quality"', "data_quality"),
                                             (None, None)])
def test_owned_role(refers_to, role):
    assert owned_role(refers_to) == role


def test_unique_sheet_name_keeps_excels_limit():
    assert unique_sheet_name("KPI Exceptions", ["kpi exceptions"]) == "KPI Exceptions (2)"
    long = "A" * 31
    assert len(unique_sheet_name(long, [long, long[:27] + " (2)"])) == 31


# --- failures ----------------------------------------------------------------------------------------

def test_an_unknown_sheet_is_a_write_error_naming_it():
    plan = Plan()
    plan.set("Missing", "A1", 1)
    with pytest.raises(WriteError, match="Missing.*no such sheet"):
        LiveWriter(FakeBook(["KPIs"]), platform="win").apply(plan)


def test_an_excel_refusal_is_one_write_error_with_the_place(monkeypatch):
    def refuse(self, rows):
        raise RuntimeError("(-2147352567, 'Exception occurred.', (0, 'Microsoft Excel', "
                           "'The cell is protected', None, 0, -2146827284), None)")

    monkeypatch.setattr(FakeRange, "_write", refuse)
    book = FakeBook(["KPIs"])
    with pytest.raises(WriteError) as caught:
        LiveWriter(book, platform="win").apply(table_plan())
    message = str(caught.value)
    assert "KPIs!A3:F3" in message and "protected" in message and "\n" not in message
    # Excel is left as it was found: screen updating and calculation restored
    assert book.app.state["screen_updating"] is True
    assert book.app.state["calculation"] == "automatic"


def test_the_live_writer_needs_excel():
    with pytest.raises(WriteError, match="Windows or macOS"):
        LiveWriter(FakeBook(["KPIs"]), platform="linux").apply(table_plan())


def test_excel_is_quiet_while_writing_and_restored_after():
    book = FakeBook(["KPIs"])
    LiveWriter(book, platform="win").apply(table_plan())
    app_log = [(e[1], e[3]) for e in book.entries("app")]
    assert app_log[:2] == [("screen_updating", False), ("calculation", "manual")]
    assert app_log[-2:] == [("calculation", "automatic"), ("screen_updating", True)]
