"""``kpi-xl check``: find the indicator tables and report what is wrong with them.

The findings come from the reader (the tables' periods, rows and targets it
could not use), from :func:`check_table` (each indicator's figures, target,
polarity, RAG and DoT) and from the rules (published ratings and directions
that disagree). Every type, its severity and what to do about it is declared
once in :mod:`kpi_xl.finding_types` (``kpi-xl check --list-findings``); a
council's ``findings:`` config skips or re-grades them, and the exit code
follows the severities as re-graded.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from .config import Config, SheetLayout, load_config
from .errors import Place, quote_sheet
from .findings import Finding, Report
from .gc_pause import paused_gc
from .finding_types import (CATALOGUE, DOT_WITHOUT_LATEST, LATEST_MISSING, NO_FIGURES,
                            NOTE_IN_FIGURES, PERCENT_OVER_100, RAG_WITHOUT_TARGET, SEVERAL_FIGURES,
                            SUPPRESSED_VALUE, TARGET_WITHOUT_POLARITY, UNPARSEABLE_VALUE)
from .reader import read_workbook
from .reader.cells import ACCEPTED_SUFFIXES
from .xlsx.refs import split_sheet_ref
from .resolve import PERIOD_ORDER, suspect_tables
from .rules import apply_rules, normalise_rag
from .table import IndicatorTable, Point, TableLayout

PERCENT_SLACK = 1e-9  # 100.0% stored as 1.0000000000000002 is not over 100%


@dataclass
class CheckResult:
    path: Path
    table: IndicatorTable
    report: Report

    @property
    def has_errors(self) -> bool:
        return self.report.has_errors

    @property
    def counts(self) -> dict:
        records = self.table.records
        by_sheet = Counter(r["sheet"] for r in records)
        by_area = Counter(r["area"] if r["area"] else "(no area)" for r in records)
        severities = Counter(f.severity for f in self.report)
        return {
            "indicators": len(records), "tables": len(self.table.layouts),
            "by_sheet": dict(by_sheet), "by_area": dict(by_area),
            "errors": severities.get("error", 0), "warnings": severities.get("warning", 0),
            "info": severities.get("info", 0),
        }

    def as_dict(self) -> dict:
        return {
            "workbook": str(self.path),
            "sheets": list(self.table.sheet_names),
            "counts": self.counts,
            "tables": [_layout_dict(i, layout) for i, layout in enumerate(self.table.layouts)],
            "indicators": [_indicator_dict(r) for r in self.table.records],
            "findings": self.report.as_dicts(),
        }

    def explain_text(self) -> str:
        """How each table was read, and the layout: YAML that reproduces it."""
        from .reader.explain import explain_text

        return explain_text(self.table)

    def as_text(self) -> str:
        c = self.counts
        lines = [f"kpi-xl check: {self.path.name}",
                 f"{c['indicators']} indicators in {c['tables']} tables"]
        lines += [f"  sheet {quote_sheet(sheet)}: {n}" for sheet, n in c["by_sheet"].items()]
        lines.append("By area:")
        lines += [f"  {area}: {n}" for area, n in c["by_area"].items()]
        matched = [r for r in self.table.records if r.get("library_id")]
        if matched:
            lines.append("Library matches:")
            lines += [f"  {r['id']}: {r['library_id']} {r.get('library_name') or ''}".rstrip()
                      + (f" (polarity {r['polarity']} from it)"
                         if r.get("polarity_source") in ("library", "LAIT catalogue") else "")
                      for r in matched]
        lines.append(f"Findings: {c['errors']} errors, {c['warnings']} warnings, {c['info']} info")
        order = {"error": 0, "warning": 1, "info": 2}
        # The file is the same for every finding: name it once, above.
        lines += [f"  {replace(f, place=replace(f.place, file=None)).as_text()}"
                  for f in sorted(self.report, key=lambda f: order[f.severity])]
        return "\n".join(lines)


def list_finding_types(config: Config | None = None) -> list[dict]:
    """The findings catalogue as the council sees it: each declared type with
    its default severity, the severity ``config``'s findings: settings give it
    and whether they skip it (``kpi-xl check --list-findings``)."""
    chosen = (config or load_config()).findings
    return [{**t.as_dict(), "default_severity": t.severity,
             "severity": chosen.severity.get(t.name, t.severity), "skipped": t.name in chosen.skip}
            for t in CATALOGUE.values()]


def finding_types_text(types: list[dict]) -> str:
    """The catalogue for people: a line per type, then what to do, indented."""
    from textwrap import wrap

    width = max(len(t["type"]) for t in types)
    lines = [f"kpi-xl finding types ({len(types)}): type, severity, title; then what to do"]
    for t in types:
        level = t["severity"] + (" (skipped)" if t["skipped"] else "")
        lines.append(f"{t['type']:{width}}  {level:7}  {t['title']}")
        lines += [f"    {line}" for line in wrap(t["help"], 84)]
    return "\n".join(lines)


def skip_owned_sheets(config: Config, owned: dict[str, str]) -> Config:
    """The config with kpi-xl's own sheets excluded from layout detection."""
    if not owned:
        return config
    skips = [SheetLayout(sheet=name, skip=True) for name in owned.values()]
    return config.model_copy(update={"layout": list(config.layout) + skips})


@paused_gc()
def check_workbook(path: str | Path, config: Config | None = None) -> CheckResult:
    """Read the workbook's indicator tables and check them. Raises
    WorkbookError/LayoutError (one line each) when it cannot be read."""
    from .xlsx.package import Package
    from .xlsx.workbook_part import owned_sheets

    config = config if config is not None else load_config()
    path = Path(path)
    if path.suffix.lower() in ACCEPTED_SUFFIXES and path.is_file():
        # Opened and checked once; kpi-xl's own sheets are not read as the council's.
        with Package.open(path) as package:
            table = read_workbook(package, skip_owned_sheets(config, owned_sheets(package)))
    else:  # a file of another kind is left to the reader, which names what it expected
        table = read_workbook(path, config)
    _rated, report = rate_and_check(table, config)
    return CheckResult(path, table, report)


def rate_and_check(table: IndicatorTable, config: Config) -> tuple[list[dict], Report]:
    """The rated table (a record an indicator: ``rules.apply_rules``) and
    every finding about it: the tables' periods (from
    the reader), each indicator's figures (``check_table``) and what the rules
    find inconsistent (published ratings and directions that disagree).
    ``check`` and ``refresh`` both report exactly these."""
    rated, rule_findings = apply_rules(table.records, config, file=table.path,
                                       suspect_tables=suspect_tables(table.layouts, table.path))
    # The council's findings: settings apply here, so what check, refresh, the
    # data quality sheet and the pack show is the same.
    report = Report(list(table.findings), choice=config.findings)
    report.extend(check_table(table))
    report.extend(rule_findings)
    return rated, report


def check_table(table: IndicatorTable) -> list[Finding]:
    """Findings about each indicator's figures, target, polarity, RAG and DoT.
    (Findings about the tables' period columns come with the table: see
    :mod:`kpi_xl.reader.sequence`.)"""
    findings: list[Finding] = []
    for record in table.records:
        findings.extend(indicator_findings(record, table.path))
    return findings


# -------------------------------------------------------------- indicators

def indicator_findings(record: dict, file: str) -> list[Finding]:
    ident, sheet = record["id"], record["sheet"]
    cells = record.get("cells") or {}
    series: list[Point] = record.get("series") or []

    def at(ref: str | None) -> Place:
        on_sheet, cell = split_sheet_ref(ref or cells.get("name") or "", sheet)
        return Place(file=file, sheet=on_sheet, cell=cell or None)

    found: list[Finding] = []
    for point in series:
        reading = point.reading
        status = reading.status
        if status != "text" and status != "suppressed" \
                and (reading.unit != "percent" or not _over_100(reading)):
            continue  # a figure, an empty cell, a not-available marker: nothing to say
        label = point.period.canonical()
        if reading.status == "text" and reading.figures >= 2:
            found.append(Finding(SEVERAL_FIGURES, f"{label}: {reading.raw!r} states several "
                                 "figures, so it has no single figure to rate", "info",
                                 at(point.cell), ident))
        elif reading.status == "text" and _is_note(reading.raw):
            found.append(Finding(NOTE_IN_FIGURES, f"{label}: a note, not a figure "
                                 f"({str(reading.raw)[:60]!r})", "info", at(point.cell), ident))
        elif reading.status == "text":
            found.append(Finding(UNPARSEABLE_VALUE, f"{label}: {reading.raw!r} is not a figure, "
                                 "a suppression (x, c) or a not-available marker", "error",
                                 at(point.cell), ident))
        elif reading.status == "suppressed":
            found.append(Finding(SUPPRESSED_VALUE, f"{label}: suppressed ({reading.symbol or reading.raw})",
                                 "info", at(point.cell), ident))
        else:  # over 100%: the only other reading the guard above lets through
            found.append(Finding(PERCENT_OVER_100, f"{label}: {reading.value:.1%} is over 100%",
                                 "error", at(point.cell), ident))
    if series and not any(p.reading.is_number or p.reading.status == "suppressed" for p in series):
        found.append(Finding(NO_FIGURES, "no period holds a figure", "warning",
                             at(cells.get("name")), ident))
    latest = max(series, key=PERIOD_ORDER) if series else None
    dot = record.get("published_dot")
    if latest is not None and not latest.reading.is_number and latest.reading.status != "suppressed" \
            and any(p.reading.is_number for p in series) and not dot:  # with a DoT: dot_without_latest
        kept = [r for r in ("rag", "dot") if record.get(f"published_{r}")]
        keep = f"; its published {' and '.join(kept).upper()} is kept" if kept else ""
        found.append(Finding(LATEST_MISSING, f"no figure for the reporting period "
                             f"{latest.period.canonical()} ({latest.cell}); not rated{keep}",
                             "warning" if latest.reading.status == "empty" else "info",
                             at(latest.cell), ident))
    if dot and latest is not None and not latest.reading.is_number:
        shown = latest.reading.symbol or latest.reading.raw
        why = {"suppressed": f"suppressed ({shown})", "empty": "empty",
               "not_available": f"not available ({shown})"}.get(latest.reading.status, "not a figure")
        found.append(Finding(DOT_WITHOUT_LATEST, f"a direction of travel ({dot}) is given but the "
                             f"latest figure ({latest.period.canonical()}, {latest.cell}) is {why}; "
                             "the published direction is kept",
                             "warning", at(cells.get("dot")), ident))
    has_target = record.get("target") is not None or bool(record.get("target_direction"))
    rag = record.get("published_rag") or record.get("published_rag_fill")
    if normalise_rag(rag) and not has_target:
        found.append(Finding(RAG_WITHOUT_TARGET, f"a rating ({rag}) is given but the indicator "
                             "has no target", "warning", at(cells.get("rag")), ident))
    if has_target and record.get("polarity") is None and not record.get("target_direction"):
        found.append(Finding(TARGET_WITHOUT_POLARITY, "a target is given but no polarity (higher "
                             "or lower is better), so it cannot be rated; add a polarity column or "
                             "set it in the config's indicators: section", "warning",
                             at(cells.get("target")), ident))
    return found


def _over_100(reading) -> bool:
    return reading.is_number and reading.unit == "percent" and reading.value > 1 + PERCENT_SLACK


def _is_note(raw: object) -> bool:
    """Words where a figure goes: a remark ("This is a qualitative indicator
    ...") or a figure with its description ("246 Children"), as reports
    publish them; not a qualified figure ("about 12")."""
    text = " ".join(str(raw).split())
    if len(text) > 30 and " " in text:
        return True
    return bool(re.fullmatch(r"[0-9][0-9,.]*%?\s+[A-Za-z][A-Za-z ]*", text))


# -------------------------------------------------------------- JSON

def _reading_value(reading) -> object:
    return reading.value if reading.is_number else None


def _point_dict(point: Point) -> dict:
    r = point.reading
    return {"period": point.period.canonical(), "label": point.period.label, "cell": point.cell,
            "value": _reading_value(r), "status": r.status, "unit": r.unit,
            "raw": r.raw if not isinstance(r.raw, float) or r.raw == r.raw else None}


def _indicator_dict(record: dict) -> dict:
    series = record.get("series") or []
    latest = max(series, key=lambda p: p.period.sort_key) if series else None
    return {
        "id": record["id"], "name": record["name"], "sheet": record["sheet"],
        "row": int(record["row"]), "table": int(record["table"]), "area": record.get("area"),
        "unit": record.get("unit"),
        "periods": [_point_dict(p) for p in series],
        "latest": _point_dict(latest) if latest else None,
        "target": record.get("target"), "target_raw": record.get("target_raw"),
        "target_direction": record.get("target_direction"), "amber": record.get("amber"),
        "target_source": record.get("target_source"),
        "polarity": record.get("polarity"), "polarity_raw": record.get("polarity_raw"),
        "polarity_source": record.get("polarity_source"),
        "library_id": record.get("library_id"), "library_name": record.get("library_name"),
        "value_kind": record.get("value_kind"),
        "published_rag": record.get("published_rag"), "published_dot": record.get("published_dot"),
        "commentary": record.get("commentary"),
        "comparators": {k: {"value": _reading_value(v), "status": v.status}
                        for k, v in (record.get("comparators") or {}).items()},
        "cells": record.get("cells") or {},
    }


def _layout_dict(index: int, layout: TableLayout) -> dict:
    return {"table": index, "sheet": layout.sheet, "title": layout.title,
            "header_rows": list(layout.header_rows), "first_row": layout.first_row,
            "last_row": layout.last_row, "name_column": layout.name_column,
            "periods": [{"column": c, "period": p.canonical(), "label": p.label}
                        for c, p in layout.period_columns],
            "roles": dict(layout.roles), "last_column": layout.last_column,
            "reading": layout.reading}
