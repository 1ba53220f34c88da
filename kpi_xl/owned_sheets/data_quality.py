"""The data quality sheet kpi-xl owns: every finding, with a link to its cell.

It prints: A4 landscape, one page wide, the header row on every page, and
each row as tall as its wrapped message (no text running over the next).

A second refresh with no new figures must rewrite nothing. Some findings are
about cells the refresh then corrects (a published arrow that disagreed with
the figures, a rating with no target): the next refresh no longer sees them.
They are carried from the sheet as it stands while kpi-xl's correction
stands unchanged in that cell (:func:`carried_findings`), and findings keep
the rows they had (:func:`in_previous_order`), so the sheet stays byte for
byte the same.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..xlsx.refs import col_letters as get_column_letter

from ..errors import quote_sheet
from ..errors import Place
from ..finding_types import (CATALOGUE, DOT_DISAGREES, DOT_WITHOUT_LATEST, DOT_WITHOUT_PREVIOUS,
                             RAG_DISAGREES, RAG_WITHOUT_TARGET)
from ..findings import Finding, Report
from ..plan import AddConditionalFormat, CFRule, Hyperlink, OwnedSheet, Plan, Style
from .layout import fit_rows

if TYPE_CHECKING:
    from .registry import OwnedSheetJob

ROLE = "data_quality"
PURPOSE = "quality"  # of its changes in the plan
HEADERS = ["Severity", "Type", "Sheet", "Cell", "Indicator", "Message"]
WIDTHS = [10, 22, 20, 8, 30, 80]
HEADER_ROW = 3
HEAD_STYLE = Style(bold=True, fill="1F4E78", font_color="FFFFFF", border="thin")
BODY_STYLE = Style(wrap=True, vertical="top", border="thin")
LINK_STYLE = Style(font_color="0563C1", vertical="top", border="thin")
# A finding's row, by column; the Cell column looks like a link where it is one.
ROW_STYLES = [BODY_STYLE] * len(HEADERS)
LINKED_ROW_STYLES = [LINK_STYLE if header == "Cell" else BODY_STYLE for header in HEADERS]


# Findings about a cell's content before kpi-xl rewrote it.
CORRECTED_TYPES = {t.name for t in (RAG_DISAGREES, DOT_DISAGREES, DOT_WITHOUT_LATEST,
                                     DOT_WITHOUT_PREVIOUS, RAG_WITHOUT_TARGET)}


def plan(job: OwnedSheetJob) -> OwnedSheet:
    """The data-quality sheet of a refresh: this refresh's findings, with those
    still standing from the sheet as it was (in its order), indicators named
    as on the exception summary."""
    previous = previous_findings(job.rows(ROLE), str(job.path), job.labels)
    job.report.extend(carried_findings(previous, job.report, corrected_cells(job.plan, job.records)))
    return build_data_quality_sheet(job.report, name=job.config.workbook.data_quality_sheet,
                                    previous=previous, title=f"Data quality findings: {job.path.name}",
                                    labels=job.labels)


def corrected_cells(plan: Plan, rated: list[dict]) -> dict[tuple[str, str], bool]:
    """For each RAG and DoT cell of the tables: whether it already holds what
    this plan writes there (kpi-xl's earlier correction stands)."""
    planned = {(c.sheet, c.cell): c.value for c in plan.cells()}
    out = {}
    for r in rated:
        cells = r.get("cells") or {}
        for role, shown in (("rag", r.get("published_rag")), ("dot", r.get("published_dot"))):
            key = (r["sheet"], cells.get(role) or "")
            if key in planned:
                out[key] = _same_text(planned[key], shown)
    return out


def _same_text(a, b) -> bool:
    return _shown_text(a) == _shown_text(b)


def _shown_text(x) -> str | None:
    """A cell's value as compared: its text trimmed, None when blank."""
    return None if x is None or (isinstance(x, str) and not x.strip()) else str(x).strip()


def previous_findings(rows: list[list], file: str | None = None,
                      labels: dict[str, str] | None = None) -> list[Finding]:
    """The findings listed on the sheet as it stands (row lists from column A);
    ``labels`` as the sheet was written with (an indicator shown by its label).
    A row whose type is not a declared one (typed by someone, or from an older
    kpi-xl) is not a finding: it is left out."""
    ids = {label: ident for ident, label in (labels or {}).items()}
    found = []
    for row in rows[HEADER_ROW:]:
        cells = (list(row) + [None] * len(HEADERS))[:len(HEADERS)]
        severity, kind, sheet, cell, indicator, message = cells
        if severity in ("error", "warning", "info") and str(kind) in CATALOGUE and message:
            found.append(Finding(str(kind), str(message), severity,
                                 Place(file=file, sheet=sheet or None, cell=cell or None),
                                 ids.get(str(indicator), str(indicator))
                                 if indicator is not None else None))
    return found


def _key(finding: Finding) -> tuple:
    return (finding.type, finding.place.sheet, finding.place.cell, finding.indicator,
            finding.message)


def carried_findings(previous: list[Finding], report: Report,
                     corrected: dict[tuple[str, str], bool]) -> list[Finding]:
    """Earlier findings about cells kpi-xl corrected, kept while the correction
    stands: ``corrected[(sheet, cell)]`` is True when the cell holds exactly
    what this refresh writes there again."""
    now = {_key(f) for f in report}
    return [f for f in previous if f.type in CORRECTED_TYPES and _key(f) not in now
            and corrected.get((f.place.sheet or "", f.place.cell or ""), False)]


def in_previous_order(report: Report, previous: list[Finding]) -> list[Finding]:
    """The findings, those already on the sheet first and in their rows."""
    rank = {}
    for i, finding in enumerate(previous):
        rank.setdefault(_key(finding), i)
    listed = list(report)
    return sorted(listed, key=lambda f: (0, rank[_key(f)]) if _key(f) in rank else (1, 0))


def build_data_quality_sheet(report: Report, *, name: str, title: str,
                             labels: dict[str, str] | None = None,
                             previous: list[Finding] | None = None) -> OwnedSheet:
    """``labels``: indicator id -> how people name it ("CP2  Re-registrations"),
    as the exception sheet shows it; the id itself otherwise. ``previous``: the
    findings on the sheet as it stands, whose rows they keep."""
    labels = labels or {}
    if previous:
        report = Report(in_previous_order(report, previous))
    sheet = OwnedSheet(role=ROLE, name=name, freeze=f"A{HEADER_ROW + 1}", tab_color="7F7F7F",
                       print_title_rows=f"{HEADER_ROW}:{HEADER_ROW}", purpose=PURPOSE)
    cells = sheet.cells
    cells.put(1, 1, title, Style(bold=True, font_size=14))
    for i, (header, width) in enumerate(zip(HEADERS, WIDTHS), start=1):
        cells.put(HEADER_ROW, i, header, HEAD_STYLE)
        sheet.column_widths[get_column_letter(i)] = width
    row = HEADER_ROW
    for row, finding in enumerate(report, start=HEADER_ROW + 1):
        values = [finding.severity, finding.type, finding.place.sheet, finding.place.cell,
                  labels.get(finding.indicator, finding.indicator) if finding.indicator else None,
                  finding.message]
        cells.put_row(row, 1, values, LINKED_ROW_STYLES if finding.place.cell else ROW_STYLES)
        if finding.place.sheet and finding.place.cell:
            sheet.hyperlinks.append(Hyperlink(
                f"D{row}", f"{quote_sheet(finding.place.sheet)}!{finding.place.cell}",
                tooltip="Go to the cell"))
    if not len(report):
        cells.put(HEADER_ROW + 1, 1, "No findings.", BODY_STYLE)
    last = max(row, HEADER_ROW + 1)
    sheet.conditional_formats.append(AddConditionalFormat("", f"A{HEADER_ROW + 1}:A{last}", (
        CFRule("cellIs", '"error"', operator="equal", style=Style(fill="FFC7CE", font_color="9C0006")),
        CFRule("cellIs", '"warning"', operator="equal", style=Style(fill="FFEB9C", font_color="9C5700")),
    )))
    sheet.row_heights.update(fit_rows(sheet.cells, sheet.column_widths))
    return sheet
