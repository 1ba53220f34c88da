"""Texts beside a big shared strings table are written inline (issue 16).

Adding to a table rewrites, compresses and checks the whole part; beside an
extract's table that cost grew with the workbook, not with the cells
written. From ``SharedStrings.INLINE_FROM`` bytes the table is left as it
is and the writer's texts go inline in their cells. What a reader sees is
the same either way: the oracle below is the same refresh with the table
added to.
"""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from kpi_xl.config import load_config
from kpi_xl.refresh_job import refresh
from kpi_xl.xlsx.shared_strings import SharedStrings
from tests.test_idempotence import assert_second_refresh_rewrites_nothing
from tests.test_reader_support import raw_xlsx

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SST = "xl/sharedStrings.xml"
EXTRACT_ROWS = 40_000  # unique texts: a table of just over 1 MB, as an extract of cases makes


INDICATORS = [  # id, name, polarity, target, Q1, Q2 (as a council's return sheet holds them)
    ("CSC01", "Re-referrals within 12 months", "Lower is better", 0.22, 0.25, 0.21),
    ("CSC02", "Assessments completed within 45 working days", "Higher is better", 0.85, 0.80, 0.78),
    ("CSC03", "Children in care with three or more placements", "Lower is better", 0.10, 0.09, 0.12),
]


def _book_with_extract(folder: Path, rows: int, extract_first: bool = False) -> Path:
    """An indicator sheet and an extract sheet of ``rows`` case references,
    every text a shared string, as Excel saves them (``extract_first``: the
    extract's strings first in the table, as when it was pasted in first,
    so the indicator sheet's are some 40,000 items in)."""
    shared: list[str] = [f"CASE-{n:06d}" for n in range(rows)] if extract_first else []
    at = {text: i for i, text in enumerate(shared)}

    def s(text: str) -> str:
        if text not in at:
            at[text] = len(shared)
            shared.append(text)
        return f"<v>{at[text]}</v>"

    head = ["ID", "Indicator", "Polarity", "Target", "Q1 2024-25", "Q2 2024-25", "RAG"]
    sheet = '<row r="1">' + "".join(f'<c r="{chr(65 + i)}1" t="s">{s(h)}</c>' for i, h in enumerate(head)) + "</row>"
    for r, (ident, name, polarity, target, q1, q2) in enumerate(INDICATORS, start=2):
        sheet += (f'<row r="{r}"><c r="A{r}" t="s">{s(ident)}</c><c r="B{r}" t="s">{s(name)}</c>'
                  f'<c r="C{r}" t="s">{s(polarity)}</c><c r="D{r}" s="1"><v>{target}</v></c>'
                  f'<c r="E{r}" s="1"><v>{q1}</v></c><c r="F{r}" s="1"><v>{q2}</v></c></row>')
    extract = f'<row r="1"><c r="A1" t="s">{s("Case reference")}</c><c r="B1" t="s">{s("Team")}</c></row>'
    team = s("Team")
    extract += "".join(f'<row r="{n + 2}"><c r="A{n + 2}" t="s">{s(f"CASE-{n:06d}")}</c>'
                       f'<c r="B{n + 2}" t="s">{team}</c></row>' for n in range(rows))
    folder.mkdir(parents=True, exist_ok=True)
    name = f"extract_{rows}{'_first' if extract_first else ''}.xlsx"
    return raw_xlsx(folder / name, [("Indicators", sheet), ("Case extract", extract)], shared)


@pytest.fixture(scope="module")
def big_table_book(tmp_path_factory) -> Path:
    out = _book_with_extract(tmp_path_factory.mktemp("inline"), EXTRACT_ROWS)
    with zipfile.ZipFile(out) as z:
        assert z.getinfo(SST).file_size >= SharedStrings.INLINE_FROM  # the case this file is about
    return out


def _copy(src: Path, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    dst = folder / name
    shutil.copyfile(src, dst)
    return dst


def _values(book: Path) -> dict:
    """(sheet part, cell) -> its text or value, read here from the XML (shared
    strings looked up, inline strings joined), independently of kpi-xl."""
    out = {}
    with zipfile.ZipFile(book) as z:
        table = []
        if SST in z.namelist():
            table = ["".join(si.itertext()) for si in etree.fromstring(z.read(SST))]
        for name in z.namelist():
            if not name.startswith("xl/worksheets/sheet"):
                continue
            for c in etree.fromstring(z.read(name)).iter(f"{{{MAIN}}}c"):
                v = c.find(f"{{{MAIN}}}v")
                if c.get("t") == "s":
                    out[name, c.get("r")] = table[int(v.text)]
                elif c.get("t") == "inlineStr":
                    out[name, c.get("r")] = "".join(c.find(f"{{{MAIN}}}is").itertext())
                elif v is not None:
                    out[name, c.get("r")] = v.text
    return out


def _text_cell_kinds(book: Path, sheet_part: str) -> set[str]:
    with zipfile.ZipFile(book) as z:
        root = etree.fromstring(z.read(sheet_part))
    return {c.get("t") for c in root.iter(f"{{{MAIN}}}c") if c.get("t") in ("s", "inlineStr")}


def test_big_table_is_left_as_it_was_and_texts_go_inline(big_table_book, tmp_path):
    config = load_config()
    book = _copy(big_table_book, tmp_path, "book.xlsx")
    result = refresh(book, config, backup="none")
    assert result.changed
    with zipfile.ZipFile(big_table_book) as before, zipfile.ZipFile(book) as after:
        assert after.read(SST) == before.read(SST)
        assert SST not in result.write.changed_parts
        new_sheets = [n for n in after.namelist() if n.startswith("xl/worksheets/sheet")
                      and n not in before.namelist()]
    assert new_sheets  # the owned sheets
    for part in new_sheets:
        assert _text_cell_kinds(book, part) <= {"inlineStr"}


def test_inline_texts_read_as_the_table_added_to_reads(big_table_book, tmp_path, monkeypatch):
    """Every cell openpyxl reads is the same whichever way the texts went."""
    config = load_config()
    inline = _copy(big_table_book, tmp_path / "inline", "book.xlsx")
    refresh(inline, config, backup="none")
    monkeypatch.setattr(SharedStrings, "INLINE_FROM", 1 << 40)
    added = _copy(big_table_book, tmp_path / "added", "book.xlsx")
    refresh(added, config, backup="none")
    with zipfile.ZipFile(added) as z, zipfile.ZipFile(big_table_book) as before:
        assert z.read(SST) != before.read(SST)  # the oracle did add to the table
    assert _values(inline) == _values(added)


def test_a_second_refresh_beside_a_big_table_rewrites_nothing(big_table_book, tmp_path):
    assert_second_refresh_rewrites_nothing(_copy(big_table_book, tmp_path, "book.xlsx"), load_config())


def test_a_small_table_is_still_added_to(tmp_path):
    """A table under the size: new texts are shared strings, as before."""
    book = _book_with_extract(tmp_path, 100)
    with zipfile.ZipFile(book) as z:
        assert z.getinfo(SST).file_size < SharedStrings.INLINE_FROM
    result = refresh(book, load_config(), backup="none")
    assert SST in result.write.changed_parts
    with zipfile.ZipFile(book) as z:
        new_sheets = [n for n in result.write.added_parts if n.startswith("xl/worksheets/sheet")]
    assert new_sheets and all(_text_cell_kinds(book, p) == {"s"} for p in new_sheets)


def test_texts_far_into_a_big_table_are_read_and_the_table_left_alone(tmp_path):
    """The indicator sheet's strings 40,000 items into the table (the extract
    pasted first): read where they are, the ratings written inline, and the
    cells read as with the table added to."""
    import kpi_xl

    src = _book_with_extract(tmp_path / "src", EXTRACT_ROWS, extract_first=True)
    with zipfile.ZipFile(src) as z:
        table = ["".join(si.itertext()) for si in etree.fromstring(z.read(SST))]
    assert table.index("Re-referrals within 12 months") >= EXTRACT_ROWS
    config = load_config()
    found = kpi_xl.check_workbook(src, config)
    names = sorted(r["name"] for r in found.table.records)
    assert names == sorted(name for _, name, *_ in INDICATORS)
    book = _copy(src, tmp_path / "inline", "book.xlsx")
    refresh(book, config, backup="none")
    with zipfile.ZipFile(src) as before, zipfile.ZipFile(book) as after:
        assert after.read(SST) == before.read(SST)
    rag = {cell: v for (part, cell), v in _values(book).items() if part == "xl/worksheets/sheet1.xml"
           and cell.startswith("G") and cell != "G1"}
    assert rag == {"G2": "GREEN", "G3": "RED", "G4": "RED"}  # typed from the figures: 21% <= 22%; 78% < 85% - 5%; 12% > 10.5%
