"""Ofsted's local authority inspection outcomes, read as published (ODS).

Ofsted publishes "LA_Inspection_Outcomes_as_at_31_March_YYYY.ods" as
official statistics: three tables, each with a header row naming
"Local authority area code" (the ONS code, E06...):

- ``Inspections_as_at_31_March``: each council's latest judgements;
- ``In-year_inspections``: the year's inspections and visits;
- ``ILACS_inspection_history``: every ILACS short and standard inspection
  since 2018, with councils that no longer exist.

"Ofsted good" for a year is the group of councils whose latest ILACS
overall effectiveness at that year's end (inspection date on or before it)
was Good or Outstanding; the history gives earlier years.

An ODS file is a zip holding ``content.xml``: it is read with lxml, a
table row at a time, with no spreadsheet library.
"""
from __future__ import annotations

import datetime as _dt
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..errors import ComparatorError, Place

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_CELL_TAGS = {f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell"}
MAX_COLUMNS = 64  # Ofsted's tables are 13 wide; repeated empty cells stop here
MAX_CONTENT = 64 * 1024 * 1024  # content.xml larger than this is not Ofsted's file

GOOD = {"good", "outstanding"}

# Ofsted's table names -> kpi-xl's
TABLES = {
    "inspections_as_at_31_march": "as_at",
    "in-year_inspections": "in_year",
    "ilacs_inspection_history": "history",
}
# Header (case-insensitive) -> field
_HEADERS = {
    "local authority area code": "la_code",
    "local authority name": "la_name",
    "local authority status": "status",
    "inspection date": "inspection_date",
    "inspection/visit date": "inspection_date",
    "publication date": "publication_date",
    "inspection type": "inspection_type",
    "inspection/visit type": "inspection_type",
    "overall effectiveness": "overall",
}
FIELDS = ("table", "la_code", "la_name", "status", "inspection_date", "publication_date",
          "inspection_type", "overall")


@dataclass
class OfstedFile:
    path: Path
    as_at: _dt.date | None  # "as at 31 March 2025"
    rows: list[tuple]  # FIELDS, dates as ISO text
    tables: list[str]  # kpi-xl names of the tables read


def is_ods(path: Path) -> bool:
    if path.suffix.casefold() == ".ods":
        return True
    try:
        with zipfile.ZipFile(path) as z:
            return z.read("mimetype").startswith(b"application/vnd.oasis.opendocument.spreadsheet")
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def read_ods_tables(path: Path) -> dict[str, list[list[str]]]:
    """Every table of an ODS file as rows of cell text (dates as ISO
    ``office:date-value`` where the cell has one)."""
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("content.xml")
            if info.file_size > MAX_CONTENT:
                raise ComparatorError("content.xml is too large for an Ofsted outcomes file",
                                      Place(file=str(path)))
            with z.open(info) as content:
                return _tables(content)
    except (zipfile.BadZipFile, KeyError):
        raise ComparatorError("not an ODS spreadsheet (no content.xml)", Place(file=str(path))) from None
    except etree.XMLSyntaxError as exc:
        raise ComparatorError(f"unreadable ODS content ({exc})", Place(file=str(path))) from None


def _tables(stream) -> dict[str, list[list[str]]]:
    tables: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    parser = etree.iterparse(stream, events=("start", "end"), resolve_entities=False,
                             no_network=True, huge_tree=False)
    for event, element in parser:
        tag = element.tag
        if tag == f"{{{_TABLE}}}table" and event == "start":
            current = tables.setdefault(element.get(f"{{{_TABLE}}}name", ""), [])
        elif tag == f"{{{_TABLE}}}table-row" and event == "end":
            if current is not None:
                row = _row(element)
                repeat = int(element.get(f"{{{_TABLE}}}number-rows-repeated", "1") or 1)
                if any(row):
                    current.extend([row] * min(repeat, 1000))
            element.clear()
    return tables


def _row(row) -> list[str]:
    cells: list[str] = []
    for cell in row:
        if cell.tag not in _CELL_TAGS:
            continue
        date = cell.get(f"{{{_OFFICE}}}date-value")
        text = date[:10] if date else "\n".join(
            "".join(p.itertext()) for p in cell.iterfind(f"{{{_TEXT}}}p"))
        repeat = int(cell.get(f"{{{_TABLE}}}number-columns-repeated", "1") or 1)
        cells.extend([text.strip()] * min(repeat, MAX_COLUMNS - len(cells)))
        if len(cells) >= MAX_COLUMNS:
            break
    while cells and not cells[-1]:
        cells.pop()
    return cells


def read_ofsted_file(path: str | Path) -> OfstedFile:
    """The inspections of an Ofsted LA outcomes file. Raises ComparatorError
    naming the file when none of its tables is one Ofsted publishes."""
    path = Path(path)
    if not path.is_file():
        raise ComparatorError("file not found", Place(file=str(path)))
    tables = read_ods_tables(path)
    rows: list[tuple] = []
    read: list[str] = []
    as_at = None
    for name, table in tables.items():
        kind = TABLES.get(name.strip().casefold())
        if kind is None:
            continue
        header_at = next((i for i, r in enumerate(table)
                          if any(c.casefold() == "local authority area code" for c in r)), None)
        if header_at is None:
            raise ComparatorError("no 'Local authority area code' header row",
                                  Place(file=str(path), sheet=name))
        if kind == "as_at":
            as_at = _as_at(" ".join(" ".join(r) for r in table[:header_at]))
        columns = {i: _HEADERS[c.casefold()] for i, c in enumerate(table[header_at])
                   if c.casefold() in _HEADERS}
        for record in table[header_at + 1:]:
            values = {field: record[i] if i < len(record) else "" for i, field in columns.items()}
            if not values.get("la_code"):
                continue
            rows.append((kind, values.get("la_code", ""), values.get("la_name", ""),
                         values.get("status", ""), _iso(values.get("inspection_date", "")),
                         _iso(values.get("publication_date", "")),
                         values.get("inspection_type", "" if kind != "as_at" else "Latest"),
                         values.get("overall", "")))
        read.append(kind)
    if not read:
        raise ComparatorError("not an Ofsted LA inspection outcomes file (no Inspections_as_at_"
                              "31_March or ILACS_inspection_history table)", Place(file=str(path)))
    return OfstedFile(path=path, as_at=as_at, rows=rows, tables=read)


_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}


def _as_at(text: str) -> _dt.date | None:
    match = re.search(r"as at (\d{1,2}) ([A-Za-z]+) (\d{4})", text, re.I)
    if not match or match.group(2).casefold() not in _MONTHS:
        return None
    return _dt.date(int(match.group(3)), _MONTHS[match.group(2).casefold()], int(match.group(1)))


def _iso(text: str) -> str:
    """"2023-07-10" as it is; "10/07/2023" (UK order) as ISO; else ""."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return _dt.date(year, month, day).isoformat()
        except ValueError:
            return ""
    return ""


def good_at(inspections: list[tuple[str, str, str]], when: _dt.date) -> dict[str, str]:
    """Councils (ONS code -> judgement) whose latest ILACS overall
    effectiveness on or before ``when`` was Good or Outstanding, from
    (code, inspection date ISO, overall) of graded inspections."""
    latest: dict[str, tuple[str, str]] = {}
    cutoff = when.isoformat()
    for code, date, overall in inspections:
        if not date or not overall or date > cutoff:
            continue
        if code not in latest or date > latest[code][0]:
            latest[code] = (date, overall)
    return {code: overall for code, (_, overall) in latest.items()
            if overall.strip().casefold() in GOOD}
