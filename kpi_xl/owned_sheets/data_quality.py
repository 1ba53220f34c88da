"""The data quality sheet kpi-xl owns: every finding, with a link to its cell.

It prints: A4 landscape, one page wide, the header row on every page, and
each row as tall as its wrapped message (no text running over the next).
"""
from __future__ import annotations

from ..xlsx.refs import col_letters as get_column_letter

from ..errors import quote_sheet
from ..findings import Report
from ..plan import AddConditionalFormat, CFRule, Hyperlink, OwnedSheet, SetCell, Style
from .layout import fit_rows

ROLE = "data_quality"
HEADERS = ["Severity", "Type", "Sheet", "Cell", "Indicator", "Message"]
WIDTHS = [10, 22, 20, 8, 30, 80]
HEADER_ROW = 3
HEAD_STYLE = Style(bold=True, fill="1F4E78", font_color="FFFFFF", border="thin")
BODY_STYLE = Style(wrap=True, vertical="top", border="thin")
LINK_STYLE = Style(font_color="0563C1", vertical="top", border="thin")


def build_data_quality_sheet(report: Report, *, name: str, title: str,
                             labels: dict[str, str] | None = None) -> OwnedSheet:
    """``labels``: indicator id -> how people name it ("CP2  Re-registrations"),
    as the exception sheet shows it; the id itself otherwise."""
    labels = labels or {}
    sheet = OwnedSheet(role=ROLE, name=name, freeze=f"A{HEADER_ROW + 1}", tab_color="7F7F7F",
                       print_title_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    sheet.cells.append(SetCell("", "A1", title, style=Style(bold=True, font_size=14)))
    for i, (header, width) in enumerate(zip(HEADERS, WIDTHS), start=1):
        col = get_column_letter(i)
        sheet.cells.append(SetCell("", f"{col}{HEADER_ROW}", header, style=HEAD_STYLE))
        sheet.column_widths[col] = width
    row = HEADER_ROW
    for row, finding in enumerate(report, start=HEADER_ROW + 1):
        values = [finding.severity, finding.type, finding.place.sheet, finding.place.cell,
                  labels.get(finding.indicator, finding.indicator) if finding.indicator else None,
                  finding.message]
        for i, value in enumerate(values, start=1):
            style = LINK_STYLE if i == 4 and finding.place.cell else BODY_STYLE
            sheet.cells.append(SetCell("", f"{get_column_letter(i)}{row}", value, style=style))
        if finding.place.sheet and finding.place.cell:
            sheet.hyperlinks.append(Hyperlink(
                f"D{row}", f"{quote_sheet(finding.place.sheet)}!{finding.place.cell}",
                tooltip="Go to the cell"))
    if not len(report):
        sheet.cells.append(SetCell("", f"A{HEADER_ROW + 1}", "No findings.", style=BODY_STYLE))
    last = max(row, HEADER_ROW + 1)
    sheet.conditional_formats.append(AddConditionalFormat("", f"A{HEADER_ROW + 1}:A{last}", (
        CFRule("cellIs", '"error"', operator="equal", style=Style(fill="FFC7CE", font_color="9C0006")),
        CFRule("cellIs", '"warning"', operator="equal", style=Style(fill="FFEB9C", font_color="9C5700")),
    )))
    sheet.row_heights.update(fit_rows(sheet.cells, sheet.column_widths))
    return sheet
