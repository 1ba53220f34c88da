"""Workbooks the reader and check tests build (no tests here).

``raw_xlsx`` writes a package by hand, for what openpyxl cannot write:
cached formula results, inline strings, error cells, Strict OOXML, DTDs.
The other builders use openpyxl, as a council's workbook would be saved.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>
<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf/></cellStyleXfs>
<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/><xf numFmtId="10"/></cellXfs>
</styleSheet>"""


def raw_xlsx(path: Path, sheets: list[tuple[str, str]], shared: list[str] | None = None, *,
             namespace: str = MAIN, sheet_prolog: str = "", states: dict[str, str] | None = None,
             merges: dict[str, list[str]] | None = None) -> Path:
    """A package with the given sheets (name, <sheetData> inner XML)."""
    states = states or {}
    merges = merges or {}
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1))
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f'{overrides}</Types>')
    root_rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
                 f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
                 '</Relationships>')
    sheet_list = "".join(
        f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"'
        f'{" state=" + chr(34) + states[name] + chr(34) if name in states else ""}/>'
        for i, (name, _) in enumerate(sheets, start=1))
    workbook = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<workbook xmlns="{namespace}" xmlns:r="{REL}"><sheets>{sheet_list}</sheets></workbook>')
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(sheets) + 1))
    n = len(sheets)
    rels += f'<Relationship Id="rId{n + 1}" Type="{REL}/styles" Target="styles.xml"/>'
    if shared is not None:
        rels += f'<Relationship Id="rId{n + 2}" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    workbook_rels = f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">{rels}</Relationships>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        zf.writestr("xl/styles.xml", STYLES)
        if shared is not None:
            items = "".join(f"<si><t>{s}</t></si>" for s in shared)
            zf.writestr("xl/sharedStrings.xml",
                        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" '
                        f'count="{len(shared)}" uniqueCount="{len(shared)}">{items}</sst>')
        for i, (name, data) in enumerate(sheets, start=1):
            merge_xml = ""
            if merges.get(name):
                merge_xml = (f'<mergeCells count="{len(merges[name])}">'
                             + "".join(f'<mergeCell ref="{m}"/>' for m in merges[name])
                             + "</mergeCells>")
            zf.writestr(f"xl/worksheets/sheet{i}.xml",
                        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{sheet_prolog}'
                        f'<worksheet xmlns="{namespace}" xmlns:r="{REL}"><sheetData>{data}</sheetData>'
                        f'{merge_xml}</worksheet>')
    return path


# ------------------------------------------------------------ openpyxl builders

MULTIROW_INDICATORS = [
    # area (first row of block only), name, target, polarity, RAG, DoT, Q4 22-23, Q1..Q3 23-24, SN, region, England, Ofsted good
    ("Front Door", "Percentage of re-referrals within 12 months", 0.22, "Lower is better", "Green", "↓",
     0.24, 0.23, 0.21, 0.20, 0.215, 0.205, 0.221, 0.19),
    (None, "Number of contacts", "N/A", "N/A", None, "↑", 1502, 1480, 1530, 1601, None, None, None, None),
    ("Child Protection", "Percentage of CP plans that are a second or subsequent plan", 0.2, "Low",
     "Red", "↑", 0.18, 0.19, 0.22, 0.25, 0.221, 0.235, 0.239, 0.2),
    (None, "Rate of children subject to a CP plan per 10,000", None, None, None, "↔",
     41.2, 40.1, "x", 38.0, 45.1, 44.2, 43.2, "x"),
    ("Children in Care", "Children looked after rate per 10,000 children", 70, "Lower is better",
     "Amber", "↑", 68.1, 69.0, 71.2, 72.0, 68.0, 70.5, 71.0, 66.0),
]


def rows_workbook(path: Path, sheet: str, header, rows) -> Path:
    """One sheet: a header row, then ``rows`` as given."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def multirow_workbook(path: Path, *, merged_labels: bool = True, title: bool = True) -> Path:
    """Three header rows: a QUARTERS band, then "22-23" over Q4 and
    "2023-2024" over Q1-Q3, then the column labels; an area column filled on
    the first row of each block; target, polarity, RAG and DoT columns and
    a comparator group (statistical neighbour, region, England, Ofsted good)
    under a "Comparators 2022-23" band."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Scorecard"
    if title:
        ws["A1"] = "Children's Services scorecard – Quarter 3 2023-24"
        ws["A1"].font = Font(bold=True)
    top, mid, low = 3, 4, 5
    fixed = ["Area", "Indicator", "Target", "Polarity"]
    for col, label in enumerate(fixed, start=1):
        if merged_labels:
            ws.cell(top, col, label)
            ws.merge_cells(start_row=top, start_column=col, end_row=low, end_column=col)
        else:
            ws.cell(low, col, label)
    ws.cell(top, 5, "QUARTERS")
    ws.merge_cells(start_row=top, start_column=5, end_row=top, end_column=8)
    ws.cell(mid, 5, "22-23")
    ws.cell(mid, 6, "2023-2024")
    ws.merge_cells(start_row=mid, start_column=6, end_row=mid, end_column=8)
    for col, q in zip(range(5, 9), ["Q4", "Q1", "Q2", "Q3"]):
        ws.cell(low, col, q)
    for col, label in ((9, "RAG"), (10, "DoT")):
        if merged_labels:
            ws.cell(top, col, label)
            ws.merge_cells(start_row=top, start_column=col, end_row=low, end_column=col)
        else:
            ws.cell(low, col, label)
    ws.cell(top, 11, "Comparators")
    ws.merge_cells(start_row=top, start_column=11, end_row=top, end_column=14)
    ws.cell(mid, 11, "2022-23")
    ws.merge_cells(start_row=mid, start_column=11, end_row=mid, end_column=14)
    for col, label in zip(range(11, 15), ["Statistical neighbours", "Region", "England", "Ofsted good"]):
        ws.cell(low, col, label)
    ws.cell(low, 15, "Commentary")
    for i, row in enumerate(MULTIROW_INDICATORS, start=low + 1):
        area, name, target, polarity, rag, dot, *figures = row
        values = [area, name, target, polarity, *figures[:4], rag, dot, *figures[4:]]
        for col, value in enumerate(values, start=1):
            if value is not None:
                cell = ws.cell(i, col, value)
                if isinstance(value, float) and value < 1:
                    cell.number_format = "0.0%"
    ws.cell(low + 1, 15, "Audit of repeat referrals under way.")
    ws.cell(low + len(MULTIROW_INDICATORS) + 2, 1, "Source: case management system extract, January 2024.")
    wb.save(path)
    return path


DASHBOARD_TABLES = [
    ("Dashboard Item 1 – Front Door", [
        ("% of referrals that are repeat referrals within 12 months", [0.2, 0.18, 0.21, 0.179, 0.2, 0.182], "↑"),
        ("No. of Contacts progressed to Referral", [1607, 391, 355, 507, 405, 445], "↑"),
    ]),
    ("Dashboard Item 2 – Workforce", [
        ("12 months rolling turnover of permanent qualified social workers",
         [0.19, 0.105, 0.188, 0.133, 0.211, "-"], "↑"),
        ("No. of permanent exclusions", ["x", "x", 9, 8, "x", "x"], "↓"),
        ("No. of permanent exclusions", [3, 4, 9, 8, 5, 6], "↓"),
    ]),
]
DASHBOARD_PERIODS = [
    ["2022-23", "Q2 22-23", "Q3 22-23", "Q4 22-23", "Q1 23-24", "Q2 23-24"],
    ["Q4 21-22", "Q4 22-23", "Q2 22-23", "Q3 22-23", "Q1 22-23", "Q2 23-24"],  # out of order
]


def dashboard_workbook(path: Path, *, targets: bool = True, extract_rows: int = 0) -> Path:
    """Two titled tables on one sheet with prose between them (Wokingham's
    shape), a Targets sheet with Measure/Target/Polarity, and optionally a
    raw extract sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Dashboard"
    ws.append(["COUNCIL – Children's Services Dashboard – Quarter 2 2023-24"])
    for (title, rows), periods in zip(DASHBOARD_TABLES, DASHBOARD_PERIODS):
        ws.append([])
        ws.append([title])
        ws.append(["Measure", *periods, "Direction of Travel"])
        for name, values, dot in rows:
            ws.append([name, *values, dot])
            r = ws.max_row
            for col, value in enumerate(values, start=2):
                if isinstance(value, float):
                    ws.cell(r, col).number_format = "0.0%"
        ws.append(["What does this show us?"])
        ws.append(["The figures moved as expected; the target is 20%. x Less than 4, suppressed."])
        ws.append([])
    if targets:
        t = wb.create_sheet("Targets")
        t.append(["Measure", "Target", "Polarity"])
        t.append(["% of referrals that are repeat referrals within 12 months", 0.2, "Lower is better"])
        t.append(["12 MONTHS rolling turnover of permanent  qualified social workers", 0.15, "Low"])
        t.append(["A measure nobody reports", 5, "High"])
        for r in (2, 3):
            t.cell(r, 2).number_format = "0.0%"
    if extract_rows:
        x = wb.create_sheet("Extract")
        x.append(["Child ID", "Referral date", "Team", "Outcome"])
        for i in range(extract_rows):
            x.append([f"CH{i:06d}", f"2023-{1 + i % 12:02d}-01", "North", "NFA"])
    wb.save(path)
    return path
