"""The owned sheets print as committee papers: A4 landscape, one page wide,
the header row on every page, rows as tall as their wrapped text, full area
names, short ids, and one "None this period" line per area."""
from __future__ import annotations

import math
import textwrap
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_xl.config import load_config
from kpi_xl.refresh_job import refresh
from kpi_xl.owned_sheets.exceptions import COL, HEADER_ROW, read_notes
from kpi_xl.owned_sheets.layout import text_lines
from kpi_xl.templates import example_workbook

REPO = Path(__file__).resolve().parent.parent
CONFIG = load_config()


def refreshed_books(folder: Path) -> list[Path]:
    books = [example_workbook(folder)]
    wok = REPO.parent / "shared" / "workbooks" / "wokingham_dashboard_q2_2023_24.xlsx"
    if wok.is_file():
        out = folder / "wokingham.xlsx"
        refresh(wok, CONFIG, output=out, backup="none")
        books.append(out)
    refresh(books[0], CONFIG, backup="none")
    return books


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    return [openpyxl.load_workbook(p) for p in refreshed_books(tmp_path_factory.mktemp("print"))]


def owned(book):
    return (book[CONFIG.exceptions.sheet_name], book[CONFIG.workbook.data_quality_sheet])


def test_owned_sheets_print_a4_landscape_one_page_wide_with_header_rows(books):
    for book in books:
        exceptions, quality = owned(book)
        for ws, header in ((exceptions, HEADER_ROW), (quality, 3)):
            assert ws.page_setup.orientation == "landscape"
            assert str(ws.page_setup.paperSize) == "9"  # A4
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
            assert ws.print_title_rows.replace("$", "") == f"{header}:{header}"


def _lower_bound_lines(text: str, width: float) -> int:
    """Lines the text needs at a generous 1.4 characters per width unit (so a
    row shorter than this overlaps whatever font prints it)."""
    return sum(max(1, math.ceil(len(part) / (width * 1.4))) for part in text.split("\n"))


def test_rows_are_as_tall_as_their_wrapped_text(books):
    checked = 0
    for book in books:
        for ws in owned(book):
            for row in ws.iter_rows(min_row=3):
                need = 1
                for cell in row:
                    dims = ws.column_dimensions[cell.column_letter]
                    if isinstance(cell.value, str) and cell.alignment.wrap_text \
                            and not dims.hidden:
                        width = dims.width
                        need = max(need, _lower_bound_lines(cell.value, width))
                if need > 1:
                    checked += 1
                    height = ws.row_dimensions[row[0].row].height
                    assert height and height >= 15 * need, (ws.title, row[0].row, height, need)
    # the example alone has two rows that wrap; Wokingham (when ../shared is there) adds more
    assert checked >= len(books) + 1


def test_full_area_names_short_ids_and_hidden_keys(books):
    for book in books:
        ws = owned(book)[0]
        assert ws.column_dimensions[COL["Key"]].hidden
        rows = [[c.value for c in r] for r in ws.iter_rows()]
        header = rows[HEADER_ROW - 1]
        at = {name: header.index(name) for name in ("Area", "ID", "Key", "Indicator")}
        body = [r for r in rows[HEADER_ROW:] if r[at["Key"]]]
        assert body
        for r in body:
            assert len(str(r[at["ID"]])) <= 8, r[at["ID"]]
            area = r[at["Area"]]
            width = ws.column_dimensions["A"].width
            assert ws.cell(rows.index(r) + 1, 1).alignment.wrap_text or len(area) <= width
        notes_back = read_notes(rows)  # officers' notes are matched by the key, not the short id
        assert isinstance(notes_back, dict)


def test_one_none_this_period_line_per_area(books):
    for book in books:
        ws = owned(book)[0]
        values = [c.value for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
        nones = [v for v in values if v.startswith("None this period")]
        areas = [ws.cell(r, 1).value for r in range(HEADER_ROW + 1, ws.max_row + 1)
                 if ws.cell(r, 1).font.bold and ws.cell(r, 2).value is None]
        assert nones and len(nones) <= len(areas)
        assert "None this period" not in values  # each line names the empty categories
        names = [c.name for c in CONFIG.exceptions.categories]
        for line in nones:
            listed = line.removeprefix("None this period: ").split(", ")
            assert set(listed) <= set(names)


def test_data_quality_names_indicators_as_people_do(books):
    for book in books:
        quality = owned(book)[1]
        names = [quality.cell(r, 5).value for r in range(4, quality.max_row + 1)
                 if quality.cell(r, 5).value]
        assert names
        for name in names:
            ref, _, rest = name.partition("  ")
            assert len(ref) <= 8 and rest, name


def test_text_lines_wraps_at_word_boundaries():
    assert text_lines("short", 10) == 1
    assert text_lines("one two three four five six", 10) == 3  # 12 characters a line
    assert text_lines("a\nb", 50) == 2


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from("ab \t\n\r\x0b-é😀"), max_size=60) | st.text(max_size=80),
       st.floats(0, 40))
def test_text_lines_counts_as_textwrap_does(text, width):
    """The shortcut for a line that fits and the cache give textwrap's count."""
    chars = max(1, math.floor(width * 1.2))
    expected = sum(max(1, len(textwrap.wrap(part, chars, break_long_words=True)))
                   for part in text.split("\n"))
    assert text_lines(text, width) == expected
