"""Benchmark: reading the indicator sheet must not pay for a big extract beside it.

Builds workbooks in a temporary folder with openpyxl (which, as Excel, keeps
text in the shared string table):

- ``indicators.xlsx``: an indicator sheet (3 tables, 36 indicators, six
  periods each) and a targets sheet;
- ``with_extract.xlsx``: the same sheets plus "Extract", a 100,000-row raw
  extract (ids, dates, categories, numbers; 100k unique strings), text kept
  in the shared string table as Excel saves it.

and times :func:`kpi_xl.reader.read_workbook` on each in the same run
(best of several rounds). The ratio should stay below 2: the reader looks
at the first rows of the extract, finds no header, and stops.

A third workbook puts the extract *before* the indicator sheet, so the
shared strings of the indicator sheet sit after the extract's 100,000
strings; its ratio is printed for information (the string table has to be
scanned that far).

    python benchmarks/bench_reader.py [--rows 100000] [--rounds 7]
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import zipfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from openpyxl import Workbook  # noqa: E402

from kpi_xl.config import load_config  # noqa: E402
from kpi_xl.reader import read_workbook  # noqa: E402

AREAS = ["Front Door", "Child Protection", "Children in Care"]
PERIODS = ["2022-23", "Q2 22-23", "Q3 22-23", "Q4 22-23", "Q1 23-24", "Q2 23-24"]


def _indicator_sheet(wb: Workbook) -> None:
    ws = wb.create_sheet("Dashboard")
    ws.append(["Children's Services Dashboard – Quarter 2 2023-24"])
    n = 0
    for t, area in enumerate(AREAS, start=1):
        ws.append([])
        ws.append([f"Dashboard Item {t} – {area}"])
        ws.append(["Measure", *PERIODS, "Direction of Travel"])
        for i in range(12):
            n += 1
            ws.append([f"{area} measure {i + 1} (indicator {n})",
                       *[round(0.5 + 0.01 * ((n + j) % 40), 3) for j in range(len(PERIODS))], "↑"])
        ws.append(["What does this show us?"])
        ws.append([f"Commentary on {area.lower()} for the quarter."])
        ws.append([])


def _targets_sheet(wb: Workbook) -> None:
    ws = wb.create_sheet("Targets")
    ws.append(["Measure", "Target", "Polarity"])
    n = 0
    for area in AREAS:
        for i in range(12):
            n += 1
            ws.append([f"{area} measure {i + 1} (indicator {n})", 0.7, "Higher is better"])


def _extract_sheet(wb: Workbook, rows: int) -> None:
    ws = wb.create_sheet("Extract")
    ws.append(["Child ID", "Referral date", "Team", "Source", "Outcome", "Age", "Days open", "Flag"])
    start = dt.datetime(2022, 4, 1)
    teams = ["North", "South", "East", "West", "Disabled children", "Leaving care"]
    sources = ["Police", "School", "Health", "Self", "Other LA"]
    for i in range(rows):
        ws.append([f"CH{i:07d}", start + dt.timedelta(days=i % 540), teams[i % len(teams)],
                   sources[i % len(sources)], "NFA" if i % 3 else "Assessment", i % 18,
                   (i * 7) % 365, i % 2 == 0])


_INLINE = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*?) t="inlineStr"><is><t>([^<]*)</t></is></c>')
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def to_shared_strings(path: Path) -> None:
    """Move every string into a shared string table, sheet by sheet in
    workbook order, as Excel saves a workbook (openpyxl writes inline strings)."""
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    strings: dict[bytes, int] = {}

    def shared(match: re.Match) -> bytes:
        index = strings.setdefault(match.group(3), len(strings))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match.group(1), match.group(2), index)

    sheets = sorted((n for n in parts if n.startswith("xl/worksheets/sheet")),
                    key=lambda n: int(re.search(r"(\d+)", n).group(1)))
    for name in sheets:
        parts[name] = _INLINE.sub(shared, parts[name])
    items = b"".join(b"<si><t>%s</t></si>" % text for text in strings)
    parts["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" '
        b'uniqueCount="%d">%s</sst>' % (len(strings), len(strings), items))
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="%s"/></Types>'
        % SST_TYPE.encode())
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdSST" Type="%s" Target="sharedStrings.xml"/>'
        b"</Relationships>" % SST_REL.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def build(folder: Path, rows: int) -> dict[str, Path]:
    books = {}
    for name, parts in (("indicators", ("ind", "tgt")),
                        ("with_extract", ("ind", "tgt", "ext")),
                        ("extract_first", ("ext", "ind", "tgt"))):
        wb = Workbook()
        wb.remove(wb.active)
        for part in parts:
            {"ind": _indicator_sheet, "tgt": _targets_sheet,
             "ext": lambda w: _extract_sheet(w, rows)}[part](wb)
        path = folder / f"{name}.xlsx"
        wb.save(path)
        to_shared_strings(path)
        books[name] = path
    return books


def best_time(path: Path, rounds: int) -> tuple[float, int]:
    config = load_config()
    times, count = [], 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        table = read_workbook(path, config)
        times.append(time.perf_counter() - t0)
        count = len(table)
    return min(times), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        books = build(Path(tmp), args.rows)
        print(f"built workbooks in {time.perf_counter() - t0:.1f}s "
              f"(extract: {args.rows} rows; with_extract.xlsx is "
              f"{books['with_extract'].stat().st_size / 1e6:.1f} MB)")
        read_workbook(books["indicators"], load_config())  # warm imports and caches
        base, n_base = best_time(books["indicators"], args.rounds)
        with_extract, n_ext = best_time(books["with_extract"], args.rounds)
        first, n_first = best_time(books["extract_first"], args.rounds)
        assert n_base == n_ext == n_first, (n_base, n_ext, n_first)
        print(f"indicators only:            {base * 1000:8.1f} ms  ({n_base} indicators)")
        print(f"plus 100k-row extract:      {with_extract * 1000:8.1f} ms")
        print(f"extract before indicators:  {first * 1000:8.1f} ms")
        print(f"ratio (with extract / without): {with_extract / base:.2f}  (must be < 2)")
        print(f"ratio (extract first / without): {first / base:.2f}  (information)")


if __name__ == "__main__":
    main()
