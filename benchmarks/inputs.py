"""Benchmark inputs, generated once into a cache folder and reused.

P1 is the reference returns workbook: an indicator sheet of 200 indicators
(id, name, area, polarity, target, five quarters, RAG, DoT) beside a raw
extract of 100,000 rows. Variants change one thing:

- ``p1(rows=1_000_000)``: the same with a 1M-row extract;
- ``p1(indicators=10_000)``: 10,000 indicators, the same extract;
- ``big_sheet()``: the indicator sheet itself is ~200 MB: the 200 indicators
  at the top, then a block of raw figures pasted below them on the same
  sheet (as officers keep the data a dashboard is built from).

Workbooks are written as XML directly (openpyxl would take minutes for the
big ones) in the shapes Excel writes: shared strings, ``r=`` on every row
and cell, a ``<dimension>``. The cache folder is ``$KPIXL_BENCH_CACHE`` or
``/tmp/kpixl-bench``; a file is rebuilt only when its generator version
changes. Callers copy a cached workbook before refreshing it.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from kpi_xl.xlsx.refs import col_letters

VERSION = 1
CACHE = Path(os.environ.get("KPIXL_BENCH_CACHE", "/tmp/kpixl-bench"))
AREAS = ["Early Help", "Front Door", "Child Protection", "Children in Care", "Care Leavers", "Workforce"]
QUARTERS = ["Q1 23-24", "Q2 23-24", "Q3 23-24", "Q4 23-24", "Q1 24-25"]
TEAMS = ["North", "South", "East", "West", "Central"]
OUTCOMES = ["NFA", "Early Help", "CIN", "CP", "LAC"]

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def cached(name: str) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    return CACHE / f"v{VERSION}-{name}"


def p1(rows: int = 100_000, indicators: int = 200) -> Path:
    """The P1 workbook (or a variant), built once."""
    path = cached(f"p1-{indicators}ind-{rows}rows.xlsx")
    if not path.exists():
        _build(path, indicators, extract_rows=rows, below_rows=0)
    return path


def big_sheet(mb: int = 200) -> Path:
    """P1's 200 indicators on a sheet of about ``mb`` MB (raw figures below
    the table), no separate extract."""
    path = cached(f"bigsheet-{mb}mb.xlsx")
    if not path.exists():
        _build(path, 200, extract_rows=0, below_rows=int(mb * 1e6 / _BELOW_ROW_BYTES))
    return path


# ------------------------------------------------------------------ writing

class _Strings:
    def __init__(self):
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        return self.index.setdefault(text, len(self.index))

    def xml(self) -> bytes:
        items = "".join(f"<si><t>{escape(t)}</t></si>" for t in self.index)
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN}" '
                f'count="{len(self.index)}" uniqueCount="{len(self.index)}">{items}</sst>').encode()


def _s(ref: str, index: int) -> str:
    return f'<c r="{ref}" t="s"><v>{index}</v></c>'


def _n(ref: str, value) -> str:
    return f'<c r="{ref}"><v>{value}</v></c>'


_BELOW_COLS = 12
_BELOW_ROW_BYTES = 330  # about what one row of the pasted block takes


def _indicator_rows(sst: _Strings, indicators: int):
    header = ["ID", "Indicator", "Area", "Polarity", "Target"] + QUARTERS + ["RAG", "DoT"]
    yield 1, "".join(_s(f"{col_letters(c)}1", sst(h)) for c, h in enumerate(header, 1))
    for i in range(indicators):
        r = i + 2
        cells = [_s(f"A{r}", sst(f"CSC{i:05d}")),
                 _s(f"B{r}", sst(f"Indicator number {i} for children's services")),
                 _s(f"C{r}", sst(AREAS[i % len(AREAS)])),
                 _s(f"D{r}", sst("Higher is better" if i % 2 else "Lower is better")),
                 _n(f"E{r}", 60 + i % 20)]
        for q in range(len(QUARTERS)):
            cells.append(_n(f"{col_letters(6 + q)}{r}", round(50 + (i * 7 + q * 3) % 40 + q * 0.5, 1)))
        yield r, "".join(cells)


def _below_rows(sst: _Strings, first: int, count: int):
    """A block of raw figures: a header row, then ids and numbers (no
    indicator header, so no table is found there)."""
    head = ["Child ID", "Team", "Outcome"] + [f"Field {k}" for k in range(4, _BELOW_COLS + 1)]
    yield first, "".join(_s(f"{col_letters(c)}{first}", sst(h)) for c, h in enumerate(head, 1))
    team_ids = [sst(t) for t in TEAMS]
    outcome_ids = [sst(o) for o in OUTCOMES]
    for k in range(count):
        r = first + 1 + k
        cells = [_n(f"A{r}", 100000 + k), _s(f"B{r}", team_ids[k % 5]), _s(f"C{r}", outcome_ids[k % 5])]
        cells += [_n(f"{col_letters(c)}{r}", (k * c) % 997 + 0.25) for c in range(4, _BELOW_COLS + 1)]
        yield r, "".join(cells)


def _extract_rows(sst: _Strings, count: int):
    head = ["Child ID", "Team", "Referral date", "Outcome", "Days", "Age", "Ethnicity", "Re-referral"]
    yield 1, "".join(_s(f"{col_letters(c)}1", sst(h)) for c, h in enumerate(head, 1))
    eth = [sst(e) for e in ["WBRI", "WOTH", "MWBC", "ABAN", "BAFR"]]
    for k in range(count):
        r = k + 2
        yield r, (_s(f"A{r}", sst(f"C{k:07d}")) + _s(f"B{r}", sst(TEAMS[k % 5]))
                  + _n(f"C{r}", 45000 + k % 700) + _s(f"D{r}", sst(OUTCOMES[k % 5]))
                  + _n(f"E{r}", k % 45) + _n(f"F{r}", k % 18) + _s(f"G{r}", eth[k % 5])
                  + f'<c r="H{r}" t="b"><v>{int(k % 7 == 0)}</v></c>')


def _write_sheet(zf: zipfile.ZipFile, name: str, rows, last_ref: str) -> None:
    with zf.open(name, "w", force_zip64=True) as fh:
        fh.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" '
                 f'xmlns:r="{REL}"><dimension ref="A1:{last_ref}"/><sheetViews><sheetView '
                 f'workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
                 f'<sheetData>'.encode())
        buf = []
        for r, cells in rows:
            buf.append(f'<row r="{r}">{cells}</row>')
            if len(buf) >= 5000:
                fh.write("".join(buf).encode())
                buf.clear()
        fh.write("".join(buf).encode())
        fh.write(b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
                 b'header="0.3" footer="0.3"/></worksheet>')


def _build(path: Path, indicators: int, extract_rows: int, below_rows: int) -> None:
    sst = _Strings()
    tmp = path.with_suffix(".part")
    sheets = ["Indicators"] + (["Extract"] if extract_rows else [])
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        rows = _indicator_rows(sst, indicators)
        last = f"L{indicators + 1}"
        if below_rows:
            first = indicators + 4
            rows = _chain(rows, _below_rows(sst, first, below_rows))
            last = f"{col_letters(_BELOW_COLS)}{first + below_rows}"
        _write_sheet(zf, "xl/worksheets/sheet1.xml", rows, last)
        if extract_rows:
            _write_sheet(zf, "xl/worksheets/sheet2.xml", _extract_rows(sst, extract_rows),
                         f"H{extract_rows + 1}")
        zf.writestr("xl/sharedStrings.xml", sst.xml())
        _write_package_parts(zf, sheets)
    os.replace(tmp, path)


def _chain(*iters):
    for it in iters:
        yield from it


def _write_package_parts(zf: zipfile.ZipFile, sheets: list[str]) -> None:
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CT}.worksheet+xml"/>'
                        for i in range(1, len(sheets) + 1))
    zf.writestr("[Content_Types].xml", (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
        'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType='
        '"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        f'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="{CT}'
        f'.sheet.main+xml"/>{overrides}<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/></Types>'))
    zf.writestr("_rels/.rels", (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL}">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
    entries = "".join(f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(sheets, 1))
    zf.writestr("xl/workbook.xml", (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}" '
        f'xmlns:r="{REL}"><bookViews><workbookView/></bookViews><sheets>{entries}</sheets>'
        '<calcPr calcId="191029"/></workbook>'))
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(sheets) + 1))
    n = len(sheets)
    rels += (f'<Relationship Id="rId{n + 1}" Type="{REL}/styles" Target="styles.xml"/>'
             f'<Relationship Id="rId{n + 2}" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
    zf.writestr("xl/_rels/workbook.xml.rels", (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL}">'
        f'{rels}</Relationships>'))
    zf.writestr("xl/styles.xml", (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
        'patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/>'
        '<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" '
        'fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" '
        'fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" '
        'xfId="0" builtinId="0"/></cellStyles></styleSheet>'))
