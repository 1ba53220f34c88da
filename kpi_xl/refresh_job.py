"""The main job: read the workbook, rate every indicator, plan, write in place.

``build_refresh`` computes everything and writes nothing (the ribbon applies
its plan through xlwings); ``refresh`` applies the plan with the package
writer. One call each, so the CLI, the ribbon and a server job stay thin.

A refresh opens the workbook once (``xlsx.package.Package.open``, which runs
the safety checks on that open file) and hands the open package to the
owned-sheet lookup, the reader and the writer: what is written is built from
exactly what was read, and the writer still checks, just before its rename,
that the file on disk is the one that was opened.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .config import Config
from .errors import Place
from .findings import Finding, Report
from .gc_pause import paused_gc
from .finding_types import COMPARATOR_STORE_MISSING
from .plan import Plan
from .planning.indicator_tables import plan_comparators, plan_indicator_tables
from .check import rate_and_check, skip_owned_sheets
from .rules import RULE_COLUMNS, published_movement, published_rating
from .plan import RemoveSheet
from .owned_sheets.registry import OWNED_SHEETS, OwnedSheetJob
from .table import IndicatorTable, records_frame

if TYPE_CHECKING:  # the writer and the comparators load only when a refresh uses them
    import pandas as pd

    from .comparators.fill import TableComparators
    from .owned_sheets.exceptions import Note
    from .xlsx.package import Package
    from .xlsx.writer import WriteResult

Progress = Callable[[str], None]


@dataclass
class RefreshResult:
    workbook: Path
    table: IndicatorTable
    records: list[dict]  # the rated table, a record an indicator (``check.rate_and_check``)
    report: Report
    plan: Plan
    change_log: list[dict] = field(default_factory=list)
    categories: dict[str, str] = field(default_factory=dict)
    write: WriteResult | None = None  # set by ``refresh``; None after ``build_refresh``
    dry_run: bool = False
    # What the comparator store said (the cells filled, each indicator's
    # answer), for the pack; None when no store was used.
    comparators: TableComparators | None = None
    # Officers' overrides and commentary on the exception summary sheet, by
    # indicator id, as this refresh read and kept them (for the pack).
    notes: dict[str, Note] = field(default_factory=dict)

    @cached_property
    def rated(self) -> pd.DataFrame:
        """The rated table as a DataFrame (the indicator table's columns, then
        the rules'), made when asked for: the refresh itself reads ``records``."""
        return records_frame(self.records, self.table.columns + RULE_COLUMNS)

    @property
    def counts(self) -> dict[str, int]:
        rags = Counter(r["rag"] for r in self.records)
        return {"indicators": len(self.records), "RED": rags["RED"],
                "AMBER": rags["AMBER"], "GREEN": rags["GREEN"],
                "findings": len(self.report)}

    @property
    def changed(self) -> bool:
        return self.write is not None and self.write.changed

    def summary_line(self) -> str:
        c = self.counts
        verb = "would refresh" if self.dry_run else "refreshed"
        where = ""
        if self.write is not None and not self.dry_run:
            where = f" -> {self.write.output}" if self.changed else " (nothing changed)"
        return (f"kpi-xl {verb} {c['indicators']} indicators: {c['RED']} red, {c['AMBER']} amber, "
                f"{c['GREEN']} green; {c['findings']} findings{where}")

    def as_dict(self) -> dict:
        return {
            "workbook": str(self.workbook),
            "indicators": [indicator_dict(r, self.report, self.categories)
                           for r in self.records],
            "findings": self.report.as_dicts(),
            "changes": {**self.plan.summary(),
                        **(self.write.as_dict() if self.write is not None else {}),
                        "dry_run": self.dry_run},
            "change_log": self.change_log,
            "counts": self.counts,
        }


def indicator_dict(record: dict, report: Report, categories: dict[str, str]) -> dict:
    return {
        "sheet": record["sheet"], "row": int(record["row"]), "id": record["id"],
        "name": record["name"], "area": record.get("area"),
        "latest_period": record.get("latest_period"), "latest_value": record.get("latest_value"),
        "previous_period": record.get("previous_period"),
        "previous_value": record.get("previous_value"),
        "target": record.get("target"), "polarity": record.get("polarity"),
        "rag": record.get("rag"), "direction": record.get("direction"),
        "arrow": record.get("arrow"),
        "category": categories.get(record["id"], record.get("category")),
        "findings": [f.as_dict() for f in report.for_indicator(record["id"])],
    }


@paused_gc()
def build_refresh(path: str | Path, config: Config, *, progress: Progress | None = None,
                  package: "Package | None" = None) -> RefreshResult:
    """Everything a refresh would do, as a plan; nothing is written.
    ``package``: the workbook already open (:func:`refresh` passes its own);
    without it the workbook is opened here, once."""
    from .reader import read_sheet_rows, read_workbook
    from .xlsx.package import Package
    from .xlsx.workbook_part import owned_sheets

    if package is None:
        with Package.open(path) as opened:
            return build_refresh(path, config, progress=progress, package=opened)
    say = progress or (lambda _msg: None)
    path = Path(path)
    owned = owned_sheets(package)
    say("reading indicator sheets")
    table = read_workbook(package, skip_owned_sheets(config, owned))
    say(f"rating {len(table)} indicators")
    rated, report = rate_and_check(table, config)
    plan = plan_indicator_tables(table, rated, config)
    answers = _plan_comparator_cells(plan, table, rated, config, report, package)
    job = OwnedSheetJob(path, config, rated, report, plan, owned,
                        read_rows=lambda sheet: read_sheet_rows(package, sheet),
                        read_formulas=lambda sheet: _sheet_formulas(package, sheet))
    plan_owned_sheets(job)
    return RefreshResult(path, table, rated, report, plan, change_log(rated, config),
                         job.categories, comparators=answers, notes=job.notes)


def plan_owned_sheets(job: OwnedSheetJob) -> None:
    """Each registered owned sheet, in the registry's order, into ``job.plan``;
    one its planner turns down is removed when the workbook has it."""
    for kind in OWNED_SHEETS:
        sheet = kind.plan(job)
        if sheet is not None:
            job.plan.sheets.append(sheet)
        elif kind.role in job.owned:
            job.plan.remove.append(RemoveSheet(kind.role, purpose=kind.purpose))


@paused_gc()
def refresh(path: str | Path, config: Config, *, output: str | Path | None = None,
            dry_run: bool = False, backup: str | None = None,
            progress: Progress | None = None) -> RefreshResult:
    """Refresh a workbook in place (or into ``output``), atomically, with a backup."""
    from .xlsx.lock import refresh_lock
    from .xlsx.safety import assert_not_open_in_excel
    from .xlsx.writer import check_output

    path = Path(path)
    target = Path(output) if output else path
    if dry_run:
        return _refresh_unlocked(path, config, output, True, backup, progress)
    if output:
        check_output(path, target)
    assert_not_open_in_excel(target)  # refuse a workbook open in Excel before doing the work
    # One run at a time for the whole job: what is read is what is planned
    # over, and the writer checks the file is still that one before renaming.
    with refresh_lock(target, config.workbook.lock_wait):
        return _refresh_unlocked(path, config, output, False, backup, progress)


def _refresh_unlocked(path: Path, config: Config, output, dry_run: bool,
                      backup: str | None, progress: Progress | None) -> RefreshResult:
    from .errors import KpiError
    from .xlsx.package import Package
    from .xlsx.writer import apply_plan, changed_on_disk

    with Package.open(path) as package:
        package.verify_early()  # the writer's read-through of every part, meanwhile
        # The file as opened: the writer refuses to rename over it if it
        # changed on disk meanwhile (hashed at file offsets, beside that reading).
        identity = None if dry_run else package.identity()
        try:
            result = build_refresh(path, config, progress=progress, package=package)
            if progress:
                progress("writing" if not dry_run else "checking what would change")
            result.write = apply_plan(path, result.plan, output=Path(output) if output else None,
                                      backup=backup or config.workbook.backup, dry_run=dry_run,
                                      expect=identity, lock_wait=config.workbook.lock_wait,
                                      protected=config.workbook.protected_sheets, package=package)
        except KpiError:
            # Rewritten in place after it was opened, the file reads as
            # damaged through the package: say what happened instead.
            if identity is not None and not identity.still(path):
                raise changed_on_disk(path) from None
            raise
    result.dry_run = dry_run
    for note in result.write.notes:
        kind = note.kind  # chosen by the writer, which knows what happened
        result.report.add(Finding(kind, note.text, "warning"))
    return result


def change_log(rated: list[dict], config: Config) -> list[dict]:
    """Ratings and directions that differ from what the sheet showed before."""
    log = []
    for r in rated:
        before_rag = published_rating(r, config)
        before_dot = r.get("published_dot")
        before_move = published_movement(before_dot, config.direction)
        rag_changed = before_rag != r.get("rag")
        dot_changed = before_move != r.get("movement") and not (
            before_move in ("better", "worse") and r.get("movement"))
        if rag_changed or dot_changed:
            log.append({"id": r["id"], "name": r["name"], "sheet": r["sheet"], "row": int(r["row"]),
                        "previous_rag": before_rag, "rag": r.get("rag"),
                        "previous_direction": before_dot.strip() if isinstance(before_dot, str)
                        else before_dot,
                        "direction": r.get("arrow")})
    return log


def _plan_comparator_cells(plan: Plan, table: IndicatorTable, rated: list[dict],
                           config: Config, report: Report, package: "Package"):
    """Fill comparator cells from the comparator store, when there is one;
    what the store said (a TableComparators), None without comparators.
    ``package``: the open workbook, where added columns look for free space."""
    if not _may_have_store(config, table):
        return None  # and the comparators are never imported
    try:
        from .comparators.fill import table_comparators
    except ImportError:
        return None
    from .reader.sequence import room_findings

    _warn_missing_store(table, config, report)
    found = table_comparators(table, config, _reporting_fy(rated), _taken_columns(plan), package)
    for layout, headers in found.no_room:
        report.extend(room_findings(layout, str(table.path), headers))
    units = {r["id"]: r["unit"] for r in rated}
    plan_comparators(plan, found.fills, units, found.headers)
    return found


def _taken_columns(plan: Plan) -> dict[str, set[str]]:
    """Sheet -> columns this refresh already writes (cells and sparklines)."""
    from .xlsx.refs import columns_in

    taken: dict[str, set[str]] = {}
    for change in plan.changes:
        where = getattr(change, "cell", None) or getattr(change, "location", None)
        sheet = getattr(change, "sheet", None)
        if isinstance(where, str) and sheet:
            taken.setdefault(sheet, set()).update(columns_in(where))
    return taken


def _may_have_store(config: Config, table: IndicatorTable) -> bool:
    """False when no comparator store can be found: no comparator settings
    of the council's own (the shipped catalogue names no store) and no
    store under its default name beside the workbook."""
    if config.comparators:
        return True  # the council's settings: the comparators decide
    folder = Path(table.path).resolve().parent if table.path else Path.cwd()
    return (folder / "kpi-comparators.sqlite").is_file()


def _warn_missing_store(table: IndicatorTable, config: Config, report: Report) -> None:
    """A comparator store the config names but that is not there: say so
    (without it no comparator cell is filled)."""
    from .comparators import load_settings, resolve_store_path

    settings = load_settings(config)
    if not settings.store:
        return
    folder = Path(table.path).resolve().parent if table.path else None
    store = resolve_store_path(settings, config, folder)
    if not store.is_file():
        report.add(Finding(COMPARATOR_STORE_MISSING,
                           f"the comparator store {store} named by comparators -> store does not exist; "
                           "comparator cells were not filled (import the DfE files with "
                           "'kpi-xl comparators import', or fix the path)", "warning",
                           Place(file=config.source, key="comparators -> store")))


def _reporting_fy(rated: list[dict]) -> int | None:
    years = []
    for record in rated:
        years.extend(p.period.fy for p in record["series"] or [])
    return max(years) if years else None


def _sheet_formulas(pkg: "Package", sheet: str | None) -> dict[str, str]:
    """Cell ref -> formula text (no '=') of a sheet's own formulas: an
    officer's =HYPERLINK() in Commentary comes back as a formula. Cells
    filled from a shared formula keep their value only."""
    if not sheet:
        return {}
    from .xlsx.workbook_part import WorkbookPart

    entry = WorkbookPart(pkg).find_sheet(sheet)
    if entry is None or not entry.part or not pkg.exists(entry.part):
        return {}
    root = pkg.xml(entry.part)
    ns = root.nsmap.get(None, "")
    out = {}
    for c in root.iter(f"{{{ns}}}c"):
        f = c.find(f"{{{ns}}}f")
        if f is not None and f.text and c.get("r") and f.get("t") in (None, "normal"):
            out[c.get("r")] = f.text
    return out

