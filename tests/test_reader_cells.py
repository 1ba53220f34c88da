"""The fast cell reader: values as Excel shows them, number formats, merges, early stop."""
from __future__ import annotations

import datetime as dt
import warnings

import openpyxl
import pytest

from kpi_xl.reader.cells import Workbook, is_date_format
from kpi_xl.xlsx.refs import cell_position as split_ref, col_index as column_index, \
    col_letters as column_letter
from tests.test_reader_support import raw_xlsx

SHEET = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>inline</t></is></c>'
    '<c r="C1" t="inlineStr"><is><r><t>rich </t></r><r><t>text</t></r><rPh><t>x</t></rPh></is></c></row>'
    '<row r="2"><c r="A2"><f>1+1</f><v>2</v></c><c r="B2" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>'
    '<c r="C2" t="b"><v>1</v></c><c r="D2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
    '<row r="3"><c r="A3" s="1"><v>0.806</v></c><c r="B3" s="2"><v>45200</v></c>'
    '<c r="C3" s="3"><v>0.5</v></c><c r="D3"><v>1.5</v></c><c r="E3"><v>1876</v></c></row>'
    '<row r="5"><c r="B5" t="s"><v>1</v></c><c r="C5"/><c r="D5" t="s"><v>2</v></c></row>'
)


@pytest.fixture
def book(tmp_path):
    path = raw_xlsx(tmp_path / "cells.xlsx", [("Data", SHEET), ("Hidden", '<row r="1"><c r="A1"><v>1</v></c></row>')],
                    shared=["shared", "A_x000D_B", "x"], states={"Hidden": "hidden"},
                    merges={"Data": ["B5:C6"]})
    with Workbook(path) as wb:
        yield wb


def test_sheet_list_keeps_names_states_and_parts(book):
    assert book.sheet_names == ["Data", "Hidden"]
    assert [s.state for s in book.sheets] == ["visible", "hidden"]
    assert all(s.kind == "worksheet" and s.part for s in book.sheets)


def test_values_are_what_excel_shows(book):
    grid = book.read_sheet("Data")
    assert grid.value(1, 1) == "shared"
    assert grid.value(1, 2) == "inline"
    assert grid.value(1, 3) == "rich text"  # runs joined, phonetic run left out
    assert grid.value(2, 1) == 2 and grid.cell(2, 1).formula  # cached formula result
    assert grid.value(2, 2) == "ab"
    assert grid.value(2, 3) is True
    assert grid.value(2, 4) == "#DIV/0!"
    assert grid.value(5, 2) == "A\rB"  # _x000D_ unescaped
    assert grid.cell(5, 3) is None  # a styled empty cell is not a value


def test_numbers_keep_their_format_and_dates_become_datetimes(book):
    grid = book.read_sheet("Data")
    cell = grid.cell(3, 1)
    assert (cell.value, cell.number_format, cell.ref) == (0.806, "0.0%", "A3")
    assert grid.value(3, 2) == dt.datetime(2023, 10, 1)
    assert grid.cell(3, 3).number_format == "0.00%"  # built-in format id 10
    assert isinstance(grid.value(3, 5), int) and grid.value(3, 5) == 1876
    assert grid.value(3, 4) == 1.5


def test_merged_ranges_are_read_with_the_whole_sheet(book):
    grid = book.read_sheet("Data")
    assert grid.complete
    assert [(m.min_row, m.min_col, m.max_row, m.max_col) for m in grid.merges] == [(5, 2, 6, 3)]


def test_reading_stops_at_max_row(book):
    grid = book.read_sheet("Data", max_row=2)
    assert not grid.complete
    assert grid.row_numbers() == [1, 2]
    assert grid.merges == []


def test_sheet_names_are_found_case_insensitively(book):
    assert book.read_sheet("data").sheet == "Data"
    with pytest.raises(KeyError):
        book.sheet("Nope")


def test_a_big_sheet_is_not_parsed_past_the_rows_asked_for(tmp_path):
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 20001))
    path = raw_xlsx(tmp_path / "big.xlsx", [("Big", rows + "<row r=\"20001\"><c r=\"A20001\"><v>bad")])
    with Workbook(path) as wb:  # the sheet's end is broken: a full read would fail ...
        grid = wb.read_sheet("Big", max_row=60)  # ... a peek does not get that far
        assert grid.last_row == 60 and not grid.complete


def test_shared_strings_are_parsed_only_as_far_as_needed(tmp_path):
    shared = ["first"] + [f"s{i}" for i in range(5000)]
    path = raw_xlsx(tmp_path / "sst.xlsx", [("S", '<row r="1"><c r="A1" t="s"><v>0</v></c></row>')],
                    shared=shared)
    with Workbook(path) as wb:
        assert wb.read_sheet("S").value(1, 1) == "first"
        assert wb._strings.streamed < len(shared)


@pytest.mark.parametrize("extra", ["", "<si/>", "<!-- a comment -->"], ids=["split", "empty item", "streamed"])
def test_a_string_far_down_the_table_is_found(tmp_path, extra):
    """Far ahead of the stream the items are located in the part's bytes;
    written in a way the byte reader does not take on (a comment), the
    table is streamed instead."""
    items = [f"<si><t>s{i}</t></si>" for i in range(6000)] + [
        '<si><t xml:space="preserve"> a &amp; b &lt;c&gt; </t></si>',
        "<si><r><rPr><b/></rPr><t>rich </t></r><r><t>text</t></r><rPh sb=\"0\"><t>ruby</t></rPh></si>",
        "<si><t>A_x000D_B</t></si>"]
    sheet = ('<row r="1"><c r="A1" t="s"><v>6000</v></c><c r="B1" t="s"><v>6001</v></c>'
             '<c r="C1" t="s"><v>6002</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>9999</v></c></row>')
    path = raw_xlsx(tmp_path / "far.xlsx", [("S", sheet)], shared=[])
    import zipfile
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/sharedStrings.xml"] = parts["xl/sharedStrings.xml"].replace(
        b"</sst>", ("".join(items) + extra + "</sst>").encode())
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    with Workbook(path) as wb:
        grid = wb.read_sheet("S")
        assert [grid.value(1, c) for c in range(1, 5)] == [" a & b <c> ", "rich text", "A\rB", "s3"]
        assert grid.value(1, 5) is None  # no such string: an empty cell, not a crash
        assert wb._strings.located is (not extra.startswith("<!--"))


def test_addresses():
    assert column_letter(1) == "A" and column_letter(28) == "AB" and column_letter(16384) == "XFD"
    assert column_index("XFD") == 16384
    assert split_ref("$G$5") == (5, 7)
    with pytest.raises(ValueError):
        split_ref("5G")


@pytest.mark.parametrize("code,expected", [
    ("General", False), ("0.0%", False), ("#,##0", False), ("0.00E+00", False),
    ("dd/mm/yyyy", True), ("mmm-yy", True), ("[$-809]dd mmmm yyyy", True), ('"Q"0', False),
    ("[Red]0.0", False), ("h:mm", True),
])
def test_date_formats(code, expected):
    assert is_date_format(code) is expected


def test_matches_openpyxl_on_the_shared_corpus(corpus_dir):
    """Every value of every sheet of 70 Excel-made workbooks, as openpyxl reads it
    (openpyxl blanks cells covered by a merge and keeps _xHHHH_ escapes; those differ)."""
    checked = 0
    for path in sorted(corpus_dir.glob("*.xls[xm]")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                theirs_book = openpyxl.load_workbook(path, data_only=True)
            except Exception:
                continue
        with Workbook(path) as wb:
            for info in wb.sheets:
                if info.part is None or info.name not in theirs_book.sheetnames:
                    continue
                ws = theirs_book[info.name]
                grid = wb.read_sheet(info.name)
                merged = {(r, c) for m in ws.merged_cells.ranges
                          for r in range(m.min_row, m.max_row + 1)
                          for c in range(m.min_col, m.max_col + 1)
                          if (r, c) != (m.min_row, m.min_col)}
                for row in ws.iter_rows():
                    for cell in row:
                        theirs = cell.value
                        if theirs in (None, "") or (cell.row, cell.column) in merged:
                            continue
                        mine = grid.value(cell.row, cell.column)
                        if isinstance(theirs, (dt.datetime, dt.date, dt.time, dt.timedelta)):
                            assert mine is not None, (path.name, info.name, cell.coordinate)
                        elif isinstance(theirs, str) and "_x" in theirs:
                            continue
                        elif isinstance(theirs, float):
                            assert mine == pytest.approx(theirs), (path.name, cell.coordinate)
                        else:
                            assert mine == theirs, (path.name, info.name, cell.coordinate)
                        checked += 1
    assert checked > 1000


# ------------------------------------------------ a peek, then the rest of the sheet

def _rows_xml(count: int, *, numbered=lambda r: True, bad_after: int | None = None) -> str:
    rows = []
    for r in range(1, count + 1):
        attr = f' r="{r}"' if numbered(r) else ""
        rows.append(f'<row{attr}><c r="A{r}" t="inlineStr"><is><t>name {r}</t></is></c>'
                    f'<c r="C{r}"><v>{r}.5</v></c></row>')
        if r == bad_after:
            rows.append("<row><c><v>1</c></row>")  # not well formed
    return "".join(rows)


def _whole(book, name):
    grid = book.read_sheet(name)
    return grid.rows, grid.merges, grid.complete, grid.last_row


@pytest.mark.parametrize("count, stop", [(200, 60), (61, 60), (60, 60), (5, 60), (200, 1), (130, 64)])
@pytest.mark.parametrize("numbered", [lambda r: True, lambda r: r % 3 != 0, lambda r: r < 58])
def test_the_rest_of_a_peeked_sheet_is_what_a_whole_read_gives(tmp_path, count, stop, numbered):
    """Rows with and without their number (which follows the row before) on
    both sides of where the peek stops, and merged ranges after the rows."""
    path = raw_xlsx(tmp_path / "b.xlsx", [("Data", _rows_xml(count, numbered=numbered)),
                                         ("Other", _rows_xml(3))], merges={"Data": ["A1:B1", "C7:D9"]})
    with Workbook(path) as book:
        whole = _whole(book, "Data")
        peek = book.read_sheet("Data", max_row=stop, resumable=True)
        plain = book.read_sheet("Data", max_row=stop)  # reading the sheet again ends the paused parse
        assert (peek.rows, peek.complete, peek.last_row) == (plain.rows, plain.complete, plain.last_row)
        assert book.read_rest(peek) is not peek
        peek = book.read_sheet("Data", max_row=stop, resumable=True)
        assert _whole(book, "Other")[0]  # another sheet read meanwhile
        rest = book.read_rest(peek)
        assert (rest.rows, rest.merges, rest.complete, rest.last_row) == whole
        assert rest.complete and whole[1] == rest.merges != []
        assert peek.merges == [] or peek.complete  # the peek is left as it was read
        assert (peek.rows == rest.rows) == peek.complete


def test_a_peek_is_paused_then_read_on_or_dropped_and_its_stream_closed(tmp_path, monkeypatch):
    path = raw_xlsx(tmp_path / "b.xlsx", [("Data", _rows_xml(300))])
    with Workbook(path) as book:
        streams = []
        real = book._stream

        def stream(part):
            streams.append(real(part))
            return streams[-1]

        monkeypatch.setattr(book, "_stream", stream)
        peek = book.read_sheet("Data", max_row=60, resumable=True)
        assert len(streams) == 1 and streams[0].gi_frame is not None  # paused, stream open
        assert book.read_rest(peek).last_row == 300 and len(streams) == 1  # one parse
        assert streams[0].gi_frame is None  # the stream is closed
        peek = book.read_sheet("Data", max_row=60, resumable=True)
        book.drop_peek(peek)
        assert streams[1].gi_frame is None and book._paused == {}
        assert book.read_rest(peek).last_row == 300 and len(streams) == 3  # read afresh
        book.read_sheet("Data", max_row=60)  # not resumable: nothing is paused
        assert streams[3].gi_frame is None and book._paused == {}
        book.read_sheet("Data", max_row=60, resumable=True)
    assert streams[4].gi_frame is None  # closing the workbook ends a paused parse


def test_damage_past_the_peek_is_the_same_error_read_on_or_read_afresh(tmp_path):
    path = raw_xlsx(tmp_path / "b.xlsx", [("Data", _rows_xml(1500, bad_after=1200))])
    with Workbook(path) as book:
        with pytest.raises(Exception) as afresh:
            book.read_sheet("Data")
        peek = book.read_sheet("Data", max_row=60, resumable=True)
        assert peek.last_row == 60
        with pytest.raises(type(afresh.value)) as read_on:
            book.read_rest(peek)
    assert str(read_on.value) == str(afresh.value) and "not well-formed" in str(afresh.value)
