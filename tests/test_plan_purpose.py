"""Each change of a refresh plan carries the purpose its planner gave it, and a
ribbon button's part of the plan is a filter on purpose.

The oracle for the table buttons is the rule the ribbon used before purposes
existed: a part's changes are those in the columns the planner chose for it
(``choose_columns``), plus the colours on the latest-figure column for RAG.
"""
from __future__ import annotations

import re

import pytest

from kpi_xl.config import load_config
from kpi_xl.excel.buttons import part_purposes
from kpi_xl.excel.parts import narrow_plan
from kpi_xl.xlsx.refs import sqref_columns
from kpi_xl.plan import (PURPOSES, AddConditionalFormat, Plan, RemoveSheet, SetCell,
                         SetColumnWidth, SparklineGroup)
from kpi_xl.planning.indicator_tables import choose_columns
from kpi_xl.refresh_job import build_refresh
from kpi_xl.templates import example_workbook


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    config = load_config()
    book = example_workbook(tmp_path_factory.mktemp("purpose"))
    return build_refresh(book, config)


def test_every_planned_change_and_sheet_has_a_purpose(result):
    assert result.plan.changes and result.plan.sheets
    assert {c.purpose for c in result.plan.changes} <= set(PURPOSES)
    assert None not in {c.purpose for c in result.plan.changes}
    assert {s.role: s.purpose for s in result.plan.sheets} == {
        "exceptions": "exceptions", "data_quality": "quality", "charts": "charts"}


def test_sparklines_and_trend_columns_are_the_trend_purpose(result):
    sparklines = [c for c in result.plan.changes if isinstance(c, SparklineGroup)]
    assert sparklines, "the example draws trends: the test would prove nothing"
    assert {c.purpose for c in sparklines} == {"trend"}


def _column(cell: str) -> str:
    return re.match(r"\$?([A-Z]+)", cell).group(1)


def columns_before_purposes(result, part: str) -> tuple[dict, dict]:
    """The ribbon's old rule: the columns a part owns and those it only colours."""
    own: dict[str, set] = {}
    colour: dict[str, set] = {}
    for index, layout in enumerate(result.table.layouts):
        rows = result.rated[result.rated["table"] == index]
        if rows.empty:
            continue
        columns = choose_columns(layout, wants_dot=bool(rows["movement"].notna().any()))
        if part == "rag":
            own.setdefault(layout.sheet, set()).add(columns.rag)
            colour.setdefault(layout.sheet, set()).add(layout.latest_period_column)
        elif part == "direction" and columns.dot:
            own.setdefault(layout.sheet, set()).add(columns.dot)
    return own, colour


def old_rule(change, own: dict, colour: dict) -> bool:
    if isinstance(change, SetCell):
        return _column(change.cell) in own.get(change.sheet, ())
    if isinstance(change, SetColumnWidth):
        return change.column in own.get(change.sheet, ())
    if isinstance(change, AddConditionalFormat):
        allowed = own.get(change.sheet, set()) | colour.get(change.sheet, set())
        return bool(allowed) and sqref_columns(change.range) <= allowed
    if isinstance(change, SparklineGroup):
        return sqref_columns(change.location) <= own.get(change.sheet, set())
    return False


@pytest.mark.parametrize("part", ["rag", "direction"])
def test_a_table_button_applies_what_it_did_before_purposes(result, part):
    own, colour = columns_before_purposes(result, part)
    expected = [c for c in result.plan.changes if old_rule(c, own, colour)]
    assert expected, f"the {part} part is empty: the test would prove nothing"
    assert narrow_plan(result, part).changes == expected


def test_sheet_buttons_apply_their_sheet_and_nothing_else(result):
    for part, role in (("exceptions", "exceptions"), ("data_quality", "data_quality")):
        narrowed = narrow_plan(result, part)
        assert [s.role for s in narrowed.sheets] == [role]
        assert not narrowed.changes and not narrowed.remove


def test_parts_never_share_a_change(result):
    seen: dict[int, str] = {}
    for part in part_purposes():
        if part == "all":
            continue
        for change in narrow_plan(result, part).changes:
            assert id(change) not in seen, (part, seen.get(id(change)), change)
            seen[id(change)] = part


def test_only_keeps_plan_order_and_leaves_changes_without_purpose_out():
    plan = Plan()
    plan.set("S", "A1", 1, purpose="rag")
    plan.set("S", "B1", 2)  # hand-made: no purpose
    plan.changes.append(SetColumnWidth("S", "A", 9, purpose="rag"))
    plan.set("S", "C1", 3, purpose="direction")
    plan.remove.append(RemoveSheet("charts", purpose="charts"))
    assert [c.cell if isinstance(c, SetCell) else c.column for c in plan.only(["rag"]).changes] == \
        ["A1", "A"]
    assert plan.only(["charts"]).remove == plan.remove and not plan.only(["charts"]).changes
    assert plan.only([]).is_empty()
