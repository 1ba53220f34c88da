"""The sheets kpi-xl owns, in one list.

Each entry says, for one owned sheet: its role (the hidden sheet-scoped name
that finds it again, even renamed), the purpose of its part of the plan,
the function that plans it in a refresh, and the ribbon button that
rewrites it alone (None: it has no button of its own). The refresh plans
the sheets in this order, so a sheet may use what an earlier one decided
(data quality names indicators as the exception summary does); the ribbon
callbacks, the customUI XML and the VBA module of the add-in are made from
the same list (:mod:`kpi_xl.excel.buttons`).

A new owned sheet is a module in this folder with a function
``plan(job: OwnedSheetJob) -> OwnedSheet | None`` (None when the council
turned the sheet off: a sheet kpi-xl made earlier is then removed) whose
sheet carries the module's purpose (a word of :data:`kpi_xl.plan.Purpose`),
and one line in :data:`OWNED_SHEETS`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from . import charts, data_quality, exceptions

if TYPE_CHECKING:
    from ..config import Config
    from ..findings import Report
    from ..plan import OwnedSheet, Plan, Purpose
    from .exceptions import Note


@dataclass(frozen=True)
class RibbonButton:
    """A button of the KPI ribbon tab, as customUI and the VBA module need it."""

    id: str  # the customUI id, unique in the tab: "kpiXlExceptions"
    label: str
    image: str  # a built-in Office icon (imageMso): "ReviewNewComment"
    callback: str  # the VBA Sub its onAction names: "KpiExceptions"
    function: str  # the function of kpi_xl.excel.ribbon the Sub runs: "exceptions"
    supertip: str  # the tooltip's longer text
    group: str  # the ribbon group: a key of kpi_xl.excel.buttons.GROUPS
    # The status bar line after a click: str.format with ``sheets`` (the sheets
    # written), ``label`` and the keys of RefreshResult.counts ("findings",
    # "RED", ...); empty: "kpi-xl: {label} on {sheets}".
    status: str = ""


@dataclass
class OwnedSheetJob:
    """What a refresh knows when it plans its owned sheets; the exception
    summary leaves what it decided for the sheets after it and for the pack."""

    path: Path
    config: Config
    records: list[dict]  # the rated table, a record an indicator (``check.rate_and_check``)
    report: Report  # the findings so far; a sheet's planner may add its own
    plan: Plan  # the changes planned for the council's indicator tables
    owned: dict[str, str]  # role -> the sheet that holds it in the workbook now
    # sheet name (None: no such sheet) -> its rows from column A / its own formulas
    read_rows: Callable[[str | None], list[list]]
    read_formulas: Callable[[str | None], dict[str, str]]
    categories: dict[str, str] = field(default_factory=dict)  # id -> category, overrides applied
    labels: dict[str, str] = field(default_factory=dict)  # id -> "CP2  name", as shown
    notes: dict[str, Note] = field(default_factory=dict)  # officers' notes, by id

    def rows(self, role: str) -> list[list]:
        """The rows of the sheet that holds ``role`` now (empty when there is none)."""
        return self.read_rows(self.owned.get(role))

    def formulas(self, role: str) -> dict[str, str]:
        return self.read_formulas(self.owned.get(role))


@dataclass(frozen=True)
class OwnedSheetKind:
    role: str
    purpose: Purpose
    plan: Callable[[OwnedSheetJob], OwnedSheet | None]
    button: RibbonButton | None = None


OWNED_SHEETS: list[OwnedSheetKind] = [
    OwnedSheetKind(exceptions.ROLE, exceptions.PURPOSE, exceptions.plan, RibbonButton(
        "kpiXlExceptions", "Exceptions", "ReviewNewComment", "KpiExceptions", "exceptions",
        "Rewrite the exception summary sheet; officers' overrides and commentary are kept.",
        "parts", "kpi-xl: exception summary on {sheets}")),
    OwnedSheetKind(data_quality.ROLE, data_quality.PURPOSE, data_quality.plan, RibbonButton(
        "kpiXlCheckData", "Check data", "DataValidation", "KpiCheckData", "check_data",
        "List data-quality findings (periods out of order, ratings without targets, ...) on "
        "their own sheet.", "tools", "kpi-xl: {findings} data-quality findings on {sheets}")),
    OwnedSheetKind(charts.ROLE, charts.PURPOSE, charts.plan),
]


def with_buttons() -> list[OwnedSheetKind]:
    """The owned sheets that have a ribbon button, in tab order."""
    return [kind for kind in OWNED_SHEETS if kind.button is not None]
