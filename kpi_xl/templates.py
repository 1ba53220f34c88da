"""New returns workbooks, built with openpyxl (never used to re-save an existing one).

Layout (the three-header-row shape the reader detects): a "QUARTERS" band,
a band of financial years over their quarters (and the outturn of a year
before the reporting one), then column headers; an area column filled on
the first row of each block; target, polarity, RAG, DoT, a comparator group
and commentary.

``kpi-xl new --year 2026-27`` builds the reporting year with the previous
year's quarters and outturn before it, so the first quarter already has a
quarter to be compared with (a direction of travel from Q1).
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from .config import Config
from .errors import KpiError, Place
from .paths import TEMPLATES_DIR
from .xlsx.refs import col_letters as get_column_letter
from .yamlio import parse_yaml

SHEET = "Indicators"
FIRST_DATA_ROW = 7
FIXED = ["Area", "ID", "Indicator", "Data type", "Polarity", "Target"]
AFTER = ["RAG", "Direction of travel", "Statistical neighbours", "Region", "England",
         "Ofsted good", "Commentary"]
HEAD_FILL = PatternFill("solid", fgColor="1F4E78")
BAND_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="A6A6A6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
POLARITY_TEXT = {"higher": "Higher is better", "lower": "Lower is better", None: "N/A"}


@dataclass
class TemplateIndicator:
    id: str
    area: str
    name: str
    type: str = "Number"
    polarity: str | None = None
    target: float | None = None
    values: list = field(default_factory=list)
    comment: str | None = None


def new_workbook(out: str | Path, config: Config, *, force: bool = False,
                 years: dict[int, list[int]] | None = None, year: str | int | None = None,
                 council: str | None = None) -> Path:
    """A blank returns workbook listing the standard indicator library, for the
    financial ``year`` ("2026-27"; default: the current one) with the previous
    year's quarters and outturn. The title names the council when known."""
    from .library import load_library

    indicators = [TemplateIndicator(id=e.id, area=e.area, name=e.name, type=e.data_type,
                                    polarity=e.polarity)
                  for e in load_library()]
    fy = parse_year(year) if year is not None else current_year()
    council = council or config.workbook.council
    who = f"{council} {config.workbook.service}" if council else config.workbook.service
    title = f"{who} performance returns, {year_label(fy)}"
    if years is None:
        years, outturns = {fy - 1: [1, 2, 3, 4], fy: [1, 2, 3, 4]}, {fy - 1}
    else:
        outturns = set()
    return build_returns_workbook(out, title, indicators, years, force=force, outturns=outturns)


YEAR = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*$")


def parse_year(text: str | int) -> int:
    """2026 from "2026-27", "2026/27", "2026-2027" or 2026; a KpiError otherwise."""
    if isinstance(text, int) or str(text).strip().isdigit():
        start = int(str(text).strip())
        if 2000 <= start <= 2099:
            return start
    else:
        match = YEAR.match(str(text))
        if match:
            start, end = int(match.group(1)), match.group(2)
            if int(end) % 100 == (start + 1) % 100 and 2000 <= start <= 2099:
                return start
    raise KpiError(f"--year {text!r} is not a financial year like 2026-27", Place(key="--year"))


def year_label(fy: int) -> str:
    return f"{fy}-{str(fy + 1)[-2:]}"


def current_year(today: _dt.date | None = None) -> int:
    """The financial year (April to March) that ``today`` is in."""
    today = today or _dt.date.today()
    return today.year if today.month >= 4 else today.year - 1


def example_workbook(folder: str | Path, *, force: bool = False) -> Path:
    """The bundled example (workbook_templates/example_returns.yaml), built in ``folder``."""
    spec = parse_yaml((TEMPLATES_DIR / "example_returns.yaml").read_text(encoding="utf-8"))
    indicators = [TemplateIndicator(**i) for i in spec["indicators"]]
    years = {int(k): v for k, v in spec["years"].items()}
    path = Path(folder) / "example_returns.xlsx"
    title = f"{spec['council']} Children's Services performance, {spec['period']}"
    return build_returns_workbook(path, title, indicators, years, force=force, with_extract=True)


def build_returns_workbook(path: str | Path, title: str, indicators: list[TemplateIndicator],
                           years: dict[int, list[int]], *, force: bool = False,
                           with_extract: bool = False, outturns: set[int] | None = None) -> Path:
    path = Path(path)
    if path.exists() and not force:
        raise KpiError("already exists; choose another name or pass --force", Place(file=str(path)))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    outturns = outturns or set()
    quarters = [(fy, q) for fy, qs in sorted(years.items()) for q in qs]
    n_periods = len(quarters) + len(outturns & set(years))
    _headers(ws, title, years, n_periods, outturns)
    _rows(ws, indicators, n_periods)
    _widths(ws, n_periods)
    ws.freeze_panes = f"D{FIRST_DATA_ROW}"
    _print_setup(ws)
    if with_extract:
        _extract_sheet(wb, indicators, quarters)
    wb.save(path)
    return path


def _headers(ws, title: str, years: dict[int, list[int]], n_quarters: int,
             outturns: set[int]) -> None:
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = ("Type each quarter's figure in its column; kpi-xl rates, explains and compares "
                "them. Percentages as 21.5%, suppressed figures as x.")
    ws["A2"].font = Font(italic=True, color="595959")
    first_q = len(FIXED) + 1
    last_q = first_q + n_quarters - 1
    band, year_row, head = 4, 5, 6
    ws.cell(band, first_q, "QUARTERS")
    ws.merge_cells(start_row=band, start_column=first_q, end_row=band, end_column=last_q)
    col = first_q
    for fy, qs in sorted(years.items()):
        ws.cell(year_row, col, year_label(fy))
        span = len(qs) + (fy in outturns)
        if span > 1:
            ws.merge_cells(start_row=year_row, start_column=col, end_row=year_row,
                           end_column=col + span - 1)
        for q in qs:
            ws.cell(head, col, f"Q{q}")
            col += 1
        if fy in outturns:
            ws.cell(head, col, f"{year_label(fy)} outturn")
            col += 1
    comp_first = last_q + 3
    ws.cell(band, comp_first, "COMPARATORS")
    ws.merge_cells(start_row=band, start_column=comp_first, end_row=year_row, end_column=comp_first + 3)
    for i, name in enumerate(FIXED, start=1):
        ws.cell(head, i, name)
    for i, name in enumerate(AFTER, start=last_q + 1):
        ws.cell(head, i, name)
    ws.row_dimensions[head].height = 30  # two lines: "2025-26 outturn", "Direction of travel"
    for row in (band, year_row, head):
        for c in range(1, last_q + len(AFTER) + 1):
            cell = ws.cell(row, c)
            cell.font = Font(bold=True, color="FFFFFF" if row == head else "1F4E78")
            cell.fill = HEAD_FILL if row == head else BAND_FILL
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = BOX


def _rows(ws, indicators: list[TemplateIndicator], n_quarters: int) -> None:
    row, last_area = FIRST_DATA_ROW, None
    first_q = len(FIXED) + 1
    for ind in indicators:
        percent = ind.type.lower().startswith("percent")
        fmt = "0.0%" if percent else "#,##0.0" if ind.type in ("Average", "Rate per 10,000 children") else "#,##0"
        ws.cell(row, 1, ind.area if ind.area != last_area else None)
        last_area = ind.area
        ws.cell(row, 2, ind.id)
        ws.cell(row, 3, ind.name)
        ws.cell(row, 4, ind.type)
        ws.cell(row, 5, POLARITY_TEXT.get(ind.polarity, "N/A"))
        target = ws.cell(row, 6, ind.target if ind.target is not None else "N/A")
        target.number_format = fmt
        for i in range(n_quarters):
            value = ind.values[i] if i < len(ind.values) else None
            cell = ws.cell(row, first_q + i, value)
            cell.number_format = fmt
        comment_col = first_q + n_quarters + len(AFTER) - 1
        if ind.comment:
            ws.cell(row, comment_col, ind.comment)
        for c in range(1, comment_col + 1):
            ws.cell(row, c).border = BOX
            ws.cell(row, c).alignment = Alignment(vertical="top", wrap_text=c in (3, comment_col))
        row += 1


def _widths(ws, n_quarters: int) -> None:
    widths = [18, 18, 52, 14, 16, 9] + [9] * n_quarters + [10, 12, 14, 10, 10, 10, 50]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def _print_setup(ws) -> None:
    """Landscape, one page wide: how committee papers are printed."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


def _extract_sheet(wb: Workbook, indicators: list[TemplateIndicator], quarters: list) -> None:
    """A raw-extract sheet with a native chart: content the refresh must keep."""
    ws = wb.create_sheet("Extract")
    ws.append(["Quarter"] + [i.id for i in indicators[:3]])
    for n, (fy, q) in enumerate(quarters):
        ws.append([f"Q{q} {fy}-{str(fy + 1)[-2:]}"] +
                  [i.values[n] if n < len(i.values) else None for i in indicators[:3]])
    chart = LineChart()
    chart.title = "Referrals by quarter"
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=len(quarters) + 1), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(quarters) + 1))
    ws.add_chart(chart, "F2")
