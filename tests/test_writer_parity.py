"""The live writer applies every field of the plan that the file writer applies.

Field by field, over every dataclass a :class:`kpi_xl.plan.Plan` can hold
(found from the type hints, so a new class or field is seen here): a plan
holding one of everything is applied by both writers, then again with that
one field changed. When the file writer's output changes, the live writer's
recorded calls (on the stand-in of test_excel_live_writer) must change too.
A field missing from VARIANTS fails the test, so a new plan field cannot be
forgotten by either writer.
"""
from __future__ import annotations

import dataclasses
import re
import typing
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from kpi_xl import plan as plan_module
from kpi_xl.excel.live_writer import LiveWriter
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
from kpi_xl.xlsx.writer import apply_plan

from .test_excel_live_writer import ApiRecorder, FakeBook

SHEET = "Indicators"

# One other valid value for every field of every plan dataclass.
VARIANTS: dict[str, object] = {
    "Style.fill": "FFC7CE", "Style.font_color": "9C0006", "Style.bold": True,
    "Style.italic": True, "Style.number_format": "0.0%", "Style.horizontal": "center",
    "Style.vertical": "top", "Style.wrap": True, "Style.border": "thin", "Style.font_size": 14.0,
    "SetCell.sheet": "Other", "SetCell.cell": "D7", "SetCell.value": "changed",
    "SetCell.formula": "=1+1", "SetCell.style": Style(bold=True),
    "CFRule.kind": "expression", "CFRule.formula": '"AMBER"', "CFRule.style": Style(fill="C6EFCE"),
    "CFRule.operator": "notEqual", "CFRule.formula2": "10", "CFRule.stop_if_true": True,
    "AddConditionalFormat.sheet": "Other", "AddConditionalFormat.range": "E2:E9",
    "AddConditionalFormat.rules": (CFRule("expression", "$C2>1", Style(fill="FFEB9C")),),
    "SetColumnWidth.sheet": "Other", "SetColumnWidth.column": "F", "SetColumnWidth.width": 30.0,
    "SparklineGroup.sheet": "Other", "SparklineGroup.location": "H3",
    "SparklineGroup.data": "Indicators!B3:F3", "SparklineGroup.high_low": False,
    "SparklineGroup.color": "FF0000",
    "Hyperlink.cell": "A4", "Hyperlink.target": "'Indicators'!B9", "Hyperlink.tooltip": "Go",
    "DataValidationList.range": "C2:C3", "DataValidationList.choices": ("Yes", "No"),
    "DataValidationList.prompt": "Pick one",
    "ChartSeries.name": "Target", "ChartSeries.values": "'KPI Exceptions'!$B$4:$D$4",
    "ChartSeries.color": "FF0000", "ChartSeries.dashed": True,
    "LineChart.title": "Other title", "LineChart.anchor": "A12",
    "LineChart.categories": "'KPI Exceptions'!$B$4:$D$4",
    "LineChart.series": (ChartSeries("Other", "'KPI Exceptions'!$B$4:$D$4"),),
    "LineChart.width_cols": 10, "LineChart.height_rows": 20, "LineChart.number_format": "0%",
    "OwnedSheet.role": "data_quality", "OwnedSheet.name": "Renamed",
    "OwnedSheet.cells": [SetCell("", "A1", "other")],
    "OwnedSheet.column_widths": {"B": 40.0},
    "OwnedSheet.conditional_formats": [
        AddConditionalFormat("", "B2:B5", (CFRule("expression", "$B2>0", Style(bold=True)),))],
    "OwnedSheet.hyperlinks": [Hyperlink("A3", "'Indicators'!A1")],
    "OwnedSheet.validations": [DataValidationList("D2:D4", ("x", "y"))],
    "OwnedSheet.charts": [],
    "OwnedSheet.freeze": "B4", "OwnedSheet.tab_color": "00B050", "OwnedSheet.after": "Other",
    "OwnedSheet.landscape": False, "OwnedSheet.print_title_rows": "3:3",
    "OwnedSheet.row_heights": {4: 30.0}, "OwnedSheet.hidden_columns": ("F",),
    "SetColumnWidth.at_least": True,
    "RemoveSheet.role": "data_quality",
    # Why a change is planned (which ribbon button applies it): no writer looks at it.
    "SetCell.purpose": "rag", "AddConditionalFormat.purpose": "rag",
    "SetColumnWidth.purpose": "rag", "SparklineGroup.purpose": "trend",
    "OwnedSheet.purpose": "exceptions", "RemoveSheet.purpose": "charts",
    "Plan.changes": [], "Plan.sheets": [], "Plan.remove": [RemoveSheet("exceptions")],
}


def plan_classes() -> set[type]:
    """Every dataclass reachable from Plan through its fields' type hints."""
    found, pending = set(), [Plan]
    while pending:
        cls = pending.pop()
        if cls in found:
            continue
        found.add(cls)
        for hint in typing.get_type_hints(cls, vars(plan_module)).values():
            for arg in _flatten(hint):
                if dataclasses.is_dataclass(arg) and isinstance(arg, type):
                    pending.append(arg)
    return found


def _flatten(hint) -> list:
    args = typing.get_args(hint)
    return [hint] + [a for arg in args for a in _flatten(arg)]


def base_plan() -> Plan:
    table = Style(number_format="0.0")
    rule = CFRule("cellIs", '"RED"', Style(fill="FFC7CE"), operator="equal")
    chart = LineChart("Re-referrals", "A8", "'KPI Exceptions'!$B$3:$D$3",
                      (ChartSeries("Value", "'KPI Exceptions'!$B$5:$D$5"),))
    owned = OwnedSheet(
        role="exceptions", name="KPI Exceptions",
        cells=[SetCell("", "A1", "Exceptions", style=Style(bold=True)),
               SetCell("", "B3", "Q1"), SetCell("", "C3", "Q2"), SetCell("", "D3", "Q3"),
               SetCell("", "B4", 1), SetCell("", "C4", 2), SetCell("", "D4", 3),
               SetCell("", "B5", 0.2), SetCell("", "C5", 0.3), SetCell("", "D5", 0.25)],
        column_widths={"A": 20.0},
        conditional_formats=[AddConditionalFormat("", "A2:A6", (rule,))],
        hyperlinks=[Hyperlink("A2", "'Indicators'!A2", None)],
        validations=[DataValidationList("E2:E6", ("Red", "Green"), None)],
        charts=[chart], freeze="A3", tab_color="1F4E78", after=None, landscape=True)
    return Plan(
        changes=[SetCell(SHEET, "C2", "GREEN", style=table),
                 AddConditionalFormat(SHEET, "C2:C4", (rule,)),
                 SetColumnWidth(SHEET, "C", 12.0),
                 SparklineGroup(SHEET, "G2", "Indicators!B2:F2")],
        sheets=[owned], remove=[RemoveSheet("charts")])


def paths(obj, prefix=()) -> list[tuple]:
    """(path, class name, field name) of every field in the plan's object tree."""
    found = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        found.append((prefix + (f.name,), type(obj).__name__, f.name))
        items = value if isinstance(value, (list, tuple)) else [value]
        for i, item in enumerate(items):
            if dataclasses.is_dataclass(item):
                step = (f.name, i) if isinstance(value, (list, tuple)) else (f.name,)
                found += paths(item, prefix + step)
    return found


def with_field(obj, path: tuple, value):
    """A copy of ``obj`` with the field at ``path`` set to ``value``."""
    name, rest = path[0], path[1:]
    current = getattr(obj, name)
    if not rest:
        return dataclasses.replace(obj, **{name: value})
    if isinstance(rest[0], int):
        items = list(current)
        items[rest[0]] = with_field(items[rest[0]], rest[1:], value)
        new = type(current)(items)
    else:
        new = with_field(current, rest, value)
    return dataclasses.replace(obj, **{name: new})


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("parity") / "returns.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(["Indicator", "Q1", "RAG", "Q2", "Q3", "Q4"])
    for i in range(2, 6):
        ws.append([f"Indicator {i}", 0.1 * i, None, 0.2, 0.3, 0.4])
    wb.create_sheet("Other")
    wb.save(path)
    return path


def file_output(workbook: Path, plan: Plan, out: Path) -> dict[str, bytes]:
    apply_plan(workbook, plan, output=out, backup="none")
    with zipfile.ZipFile(out) as z:
        return {name: z.read(name) for name in z.namelist() if not name.startswith("docProps/")}


def live_output(plan: Plan) -> str:
    book = FakeBook([SHEET, "Other"], fullname="returns.xlsx")
    summary = LiveWriter(book, platform="win").apply(plan)
    state = [(sheet.name, sorted(sheet.values.items(), key=repr), sorted(sheet.formats.items()),
              {address: [(r.type, r.operator, r.formula1, r.formula2, r.formula, r.stop_if_true,
                          sorted(r.style.items())) for r in rules]
               for address, rules in sorted(sheet.rules.items())},
              [(c.chart_type, c.title, c.where) for c in sheet.charts_list])
             for sheet in book.sheet_list]
    # the calls made and the state they left
    return repr(_plain(book.log)) + repr(summary) + repr(_plain(state))


def _plain(obj):
    """Log entries with native-call recorders named by their path, not their address."""
    if isinstance(obj, ApiRecorder):
        return f"<api {object.__getattribute__(obj, '_path')}>"
    if isinstance(obj, (list, tuple)):
        return type(obj)(_plain(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return re.sub(r" at 0x[0-9a-f]+", "", repr(obj))


def test_every_plan_field_has_a_variant():
    fields = {f"{cls.__name__}.{f.name}" for cls in plan_classes() for f in dataclasses.fields(cls)}
    missing = sorted(fields - set(VARIANTS))
    assert not missing, f"add a value for each new plan field to VARIANTS: {missing}"


def test_the_live_writer_applies_every_field_the_file_writer_applies(workbook, tmp_path):
    base = base_plan()
    base_file = file_output(workbook, base, tmp_path / "base.xlsx")
    base_live = live_output(base)
    covered, dropped, ignored = set(), [], []
    for n, (path, cls, name) in enumerate(paths(base)):
        key = f"{cls}.{name}"
        variant = with_field(base, path, VARIANTS[key])
        if variant == base:
            continue
        covered.add(key)
        if file_output(workbook, variant, tmp_path / f"v{n}.xlsx") == base_file:
            ignored.append(".".join(map(str, path)))  # the file writer does not apply it either
            continue
        if live_output(variant) == base_live:
            dropped.append(".".join(map(str, path)))
    assert not dropped, f"the file writer applies these plan fields, the live writer does not: {dropped}"
    all_fields = {f"{c.__name__}.{f.name}" for c in plan_classes() for f in dataclasses.fields(c)}
    # every field was changed at least once (Plan's own lists are the tree itself)
    assert all_fields - covered <= {"Plan.changes", "Plan.sheets"}, sorted(all_fields - covered)
