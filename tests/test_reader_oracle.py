"""The reader reads every workbook at hand exactly as its earlier implementation did.

Where a reader function was replaced with a faster one, the earlier one is
kept below verbatim ("the earlier reader"), and :func:`earlier` swaps it in
for a reference reading. Compared on each workbook, type for type (``repr``):
the records, the layouts with their ``reading`` dict, the findings, and the
error when the reader refuses; on the corpora also every sheet's cells as
the cell reader returns them (whole, and the first rows a peek reads).

Workbooks: ../shared/workbooks and the corpora (skip when absent), the layout
test set (tests/layout_set.py), the books the reader tests build, and the
benchmark inputs when they are cached (/tmp/kpixl-bench).
"""
from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpi_xl.reader as reader
from kpi_xl.config import config_from_dict, load_config
from kpi_xl.errors import KpiError
from kpi_xl.reader import read_workbook
from kpi_xl.reader.cells import Workbook
from kpi_xl.reader.build import (FRAME_COLUMNS, UNIT_MISMATCH, NAMELESS_ROW, ROW_NOT_READ,
                                 TARGET_UNREADABLE, Context, RecordColumns, TargetRow, _as_percent, _fmt_reading,
                                 _not_targeted, _PERCENT_NAME, _RATE_NAME, _rag_text, _resolve_polarity, _scaled,
                                 _text, _unit_of, column_letter, parse_target_bound, parse_target_direction,
                                 value_kind, codes_in_names, _row_series)
from kpi_xl.reader.cells import Cell
from kpi_xl.reader.comparator_text import comparators_in_text
from kpi_xl.reader.detect import PEEK_ROWS, Block, View, text_of
from kpi_xl.table import Point
from kpi_xl.values import Reading, parse_value
from kpi_xl.templates import example_workbook
from tests.layout_set import LAYOUTS
from tests.test_reader_cells import SHEET
from tests.test_reader_detect import _sections_workbook
from tests.test_reader_keep import _dashboard_with_data_below
from tests.test_reader_override import ODD_LAYOUT, _odd_workbook
from tests.test_reader_support import dashboard_workbook, multirow_workbook, raw_xlsx

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
BENCH = Path("/tmp/kpixl-bench")
BENCH_BOOKS = ["v1-p1-200ind-0rows.xlsx", "v1-p1-200ind-100000rows.xlsx",
               "v1-p1-10000ind-100000rows.xlsx"]
CORPUS_LIMIT = 256 << 10  # corpus files larger than this are left to the benchmark books


# ------------------------------------------------ the earlier reader, verbatim

# reader/build.py before readings were memoised per read (Context.reading) and a
# record's targets row looked up once; renamed old_*, each calling the others.

def _reading(cell: Cell | None) -> Reading:
    return parse_value(cell.value, cell.number_format) if cell is not None else parse_value(None, None)


def old_block_records(view: View, block: Block, table_index: int, ctx: Context) -> list[dict]:
    """One record per indicator row of a table, with the area of its section."""
    header = block.header
    columns = RecordColumns.of(header)
    area_col = columns.by_role.get("area")
    area = block.area
    records = []
    codes = codes_in_names(view, block, columns)  # the new meaning: "A1 – ..." is A1
    for body in block.rows:
        if body.kind == "section":
            area = body.text or area
            continue
        if area_col is not None and (value := text_of(view.raw(body.row, area_col))):
            area = value
        record = old_indicator_record(view, columns, body.row, table_index, area, ctx,
                                      codes.get(body.row))
        record["published_rag_fill"] = block.fill_ratings.get(body.row)  # the new meaning
        records.append(record)
    for r in block.nameless:
        ctx.warn(NAMELESS_ROW, "row has figures but no indicator name; it is not read",
                 view.sheet, f"{column_letter(header.name_col)}{r}")
    for r in block.skipped:
        name = text_of(view.raw(r, header.name_col))
        ctx.warn(ROW_NOT_READ, f"row {r} ({(name or '')[:50]!r}) looks like an indicator but "
                 "has nothing in its period columns after the table's last indicator, so it was "
                 "not read; set last_row in the layout: config to read it", view.sheet,
                 f"{column_letter(header.name_col)}{r}")
    return records


def old_indicator_record(view: View, columns: RecordColumns, row: int, table_index: int, area: str | None,
                     ctx: Context, code: str | None = None) -> dict:
    sheet = view.sheet
    row_cells = view.grid.rows.get(row, {})

    def cell_of(role: str) -> Cell | None:
        col = columns.by_role.get(role)
        return row_cells.get(col) if col is not None else None

    # the cells of a period column are in the series
    cells: dict[str, str] = {role: f"{letter}{row}" for role, letter in columns.named}
    name_cell = cell_of("name")
    name = text_of(name_cell.value) if name_cell else ""
    code_cell = cell_of("id")
    code = text_of(code_cell.value) if code_cell else code

    series = [Point(column.period, _reading(row_cells.get(column.col)), f"{column.letter}{row}")
              for column in columns.periods]
    if columns.row_period is not None:  # the new meaning: a scorecard row dated by its period cell
        series = _row_series(row_cells, columns, row, sheet, ctx)
    target_cell = cell_of("target")
    if target_cell is None or target_cell.value is None:
        found_row = ctx.targets.find(name, code) if (name or code) else None
        target_cell = found_row.target if found_row else None
    series, mismatch = old_reconcile_units(series, name, target_cell)
    unit = _unit_of(series)

    comparators: dict[str, Reading] = {key: _reading(row_cells.get(col)) for key, col in columns.comparators}
    if columns.comparator_text is not None and (written := row_cells.get(columns.comparator_text)):
        for kind, figure in comparators_in_text(written.value).items():  # the new meaning
            comparators.setdefault(kind, figure)

    record = {key: None for key in FRAME_COLUMNS}
    record.update(
        unit_word=next((p.reading.unit_word for p in series if p.reading.unit_word), None),
        id=code, name=name, area=area, sheet=sheet, row=row, table=table_index, unit=unit,
        series=series, cells=cells, comparators=comparators,
        published_rag=_rag_text(cell_of("rag")), published_dot=_text(cell_of("dot")),
        commentary=_text(cell_of("commentary")))
    target_row = ctx.targets.find(name, code)
    bound = old_resolve_target(record, cell_of("target"), cell_of("amber"), target_row, ctx)
    _resolve_polarity(record, cell_of("polarity"), target_row, ctx, bound)
    record["value_kind"] = value_kind(name, unit, record.get("data_type"), record["unit_word"])
    if mismatch:
        ctx.note(record, UNIT_MISMATCH, mismatch, record["cells"].get("name") or f"A{row}")
    return record


def old_reconcile_units(series: list[Point], name: str | None, target: Cell | None
                    ) -> tuple[list[Point], str | None]:
    """Percentages typed as whole numbers read as percentages, never silently mixed.

    "38" against a target of "25" on a "% of ..." indicator is 38%; 57.1
    against a target of "60%" is 57.1%. Figures that mix fractions and whole
    numbers, or a whole-number figure against a fractional percentage target
    on an indicator whose name does not say percent, are left as written
    with the ``unit_mismatch`` message returned beside them.
    """
    numbers = [p for p in series if p.reading.is_number]
    if not numbers:
        return series, None
    bound = parse_target_bound(target.value) if target is not None else None  # "<22%" reads as 22%
    target_reading = (parse_value(bound.number) if bound is not None
                      else parse_value(target.value, target.number_format) if target is not None else None)
    target_percent = bool(target_reading and target_reading.is_number and target_reading.unit == "percent")
    units = {p.reading.unit for p in numbers}
    bare = [p for p in numbers if p.reading.unit == "number"]
    if not bare:
        return series, None
    named_percent = bool(_PERCENT_NAME.search(name or "")) and not _RATE_NAME.search(name or "")
    values = [p.reading.value for p in bare]
    whole = all(0 <= v <= 100 for v in values) and any(v > 1 for v in values)
    fractions = all(0 <= v <= 1 for v in values)
    if "percent" in units:
        if whole:
            return series, (f"some figures are percentages and some whole numbers "
                            f"({', '.join(_fmt_reading(p.reading) for p in numbers)}); they are "
                            "read as written")
        return series, None
    if whole and named_percent:
        return [_as_percent(p) if p.reading.is_number else p for p in series], None
    if whole and target_percent:
        # the name does not say percent: 57.1 may be a count or a rate, so the
        # worksheet function and the refresh both call it a mismatch
        return series, (f"figures such as {values[-1]:g} are whole numbers but the target is a "
                        "percentage; give the figures as percentages or say which unit in the "
                        "config (indicators: target)")
    if fractions and target_percent:
        return series, None  # 0.38 against "60%": fractions of one, as the target says
    if whole and target_reading is not None and target_reading.is_number \
            and target_reading.unit == "number" and 0 < target_reading.value < 1:
        return series, (f"figures such as {values[-1]:g} are whole numbers but the target "
                        f"{target_reading.value:g} is a fraction; say which unit in the config "
                        "(indicators: target) or the sheet")
    return series, None


def old_resolve_target(record: dict, own: Cell | None, own_amber: Cell | None,
                    target_row: TargetRow | None, ctx: Context):
    bound = None
    cell, ref, source = own, record["cells"].get("target"), "sheet"
    if (cell is None or cell.value is None) and target_row and target_row.target is not None:
        cell, ref, source = target_row.target, target_row.ref(target_row.target), "targets sheet"
        record["cells"]["target"] = ref
    amber_cell = own_amber
    if (amber_cell is None or amber_cell.value is None) and target_row and target_row.amber is not None:
        amber_cell = target_row.amber
        record["cells"]["amber"] = target_row.ref(target_row.amber)
    if cell is not None and cell.value is not None:
        record["target_raw"] = cell.value
        reading = parse_value(cell.value, cell.number_format)
        if reading.is_number:
            record["target"] = _scaled(reading, record["unit"])
            record["target_source"] = source
        elif (bound := parse_target_bound(cell.value)) is not None:  # "<22%": added with it
            record["target"] = _scaled(parse_value(bound.number), record["unit"])
            record["target_source"] = source
        elif (direction := parse_target_direction(cell.value)) is not None:
            record["target_direction"] = direction
            record["target_source"] = source
        elif reading.status == "text" and not _not_targeted(cell.value, ctx.config):
            ctx.note(record, TARGET_UNREADABLE, f"target {text_of(cell.value)!r} is not a number, "
                     "a comparison ('<22%', 'at least 90%'), a direction (Increasing/Decreasing) "
                     "or a no-target word", ref or cell.ref)
    if amber_cell is not None and amber_cell.value is not None:
        reading = parse_value(amber_cell.value, amber_cell.number_format)
        if reading.is_number:
            record["amber"] = _scaled(reading, record["unit"])
    return bound


# (module or class, attribute, earlier implementation): swapped in by ``earlier``.
# reader/__init__.py and reader/cells.py before a sheet read whole went on from
# its peek's parse (Workbook.read_rest): the peek's parse ended, and the whole
# sheet was parsed again from the top. _fill_grid verbatim but for the
# ``resumable`` it is now given (and ignores: nothing is paused); _read_if_table
# verbatim but for telling ``undated`` of a header that lacks only a year, as the
# reader now does (a later addition, not the reading this oracle checks).

def old_read_if_table(book: Workbook, sheet: str, force: bool = False, undated=None):
    keep = reader.table_rows if book.part_size(sheet) > reader.keep_module.BIG_SHEET else None
    if force:
        return book.read_sheet(sheet, keep=keep)
    peek = book.read_sheet(sheet, max_row=PEEK_ROWS)
    if not reader.has_table(peek) and undated is not None \
            and (found := reader.undated_periods(reader.View(peek), PEEK_ROWS)):
        undated[sheet] = found
    if peek.complete:
        return peek if reader.has_table(peek) else None
    if not reader.has_table(peek):
        return None
    return book.read_sheet(sheet, keep=keep)


def old_fill_grid(self, part, grid, max_row, want_merges, on_row=None, resumable=False):
    from lxml import etree

    from kpi_xl.reader.cells import MERGE, ROW, _forget, _int, _parse_merge

    tags = (ROW, MERGE) if want_merges else (ROW,)
    parser = etree.XMLPullParser(events=("end",), tag=tags, resolve_entities=False,
                                 no_network=True, load_dtd=False, huge_tree=False)
    next_row = 1
    chunks = self._stream(part)
    try:
        for chunk in chunks:
            parser.feed(chunk)
            for _event, el in parser.read_events():
                if el.tag == MERGE:
                    merge = _parse_merge(el.get("ref", ""))
                    if merge:
                        grid.merges.append(merge)
                    continue
                row_number = _int(el.get("r")) or next_row
                next_row = row_number + 1
                if max_row is not None and row_number > max_row:
                    return  # stop early: the rest of the sheet is not needed
                cells = self._row_cells(el, row_number)
                if cells:
                    grid.rows[row_number] = cells
                grid.last_row = row_number
                _forget(el)
                if on_row is not None and cells:
                    on_row(grid, row_number)
        parser.close()
        grid.complete = True
    finally:
        chunks.close()


def old_read_rest(self, peek):
    return self.read_sheet(peek.sheet)


# reader/cells.py before a ref spelt Excel's way named its column by a dict
# look-up and a number or shared string was read in the row's loop
# (Workbook._row_cells and Workbook._cell_value, which it called).

def old_row_cells(self, row_el, row_number):
    from kpi_xl.reader.cells import (CELL, COLUMN_OF_REF, _MAX_STYLES, _serial_to_datetime, col_index,
                                     col_letters)

    cells = {}
    next_col = 1
    styles = self._styles
    for c in row_el.iterchildren(CELL):
        ref = c.get("r")
        col = next_col
        if ref:
            match = COLUMN_OF_REF.match(ref)
            if match:
                col = col_index(match.group(1).upper())
        next_col = col + 1
        value, has_formula = old_cell_value(self, c)  # a method then
        if value is None or value == "":
            continue
        style = c.get("s")
        found = styles.get(style)
        if found is None:
            found = self._format(style)
            if len(styles) < _MAX_STYLES:  # a hostile sheet's many spellings stay uncached
                styles[style] = found
        fmt, is_date = found
        if is_date and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = _serial_to_datetime(value, self.date1904)
        cells[col] = Cell(f"{col_letters(col)}{row_number}", row_number, col, value, fmt,
                          has_formula)
    return cells


def old_cell_value(self, c):
    import datetime as _dt

    from kpi_xl.reader.cells import FORMULA, INLINE, VALUE, _int, _number, _rich_text

    kind = c.get("t", "n")
    has_formula, text, inline = False, None, None
    for child in c:
        tag = child.tag
        if tag == VALUE:
            text = child.text
        elif tag == FORMULA:
            has_formula = True
        elif tag == INLINE:
            inline = child
    if kind == "inlineStr":
        return (_rich_text(inline) if inline is not None else None), has_formula
    if text is None:
        return None, has_formula
    if kind == "s":
        index = _int(text)
        return (self._strings.text(index) if index is not None else None), has_formula
    if kind in ("str", "e"):
        return text, has_formula
    if kind == "b":
        return text.strip() in ("1", "true"), has_formula
    if kind == "d":
        try:
            return _dt.datetime.fromisoformat(text.strip().rstrip("Z")), has_formula
        except ValueError:
            return text, has_formula
    return _number(text), has_formula


EARLIER: list[tuple[object, str, object]] = [
    (reader, "block_records", old_block_records),
    (reader, "_read_if_table", old_read_if_table),
    (Workbook, "_fill_grid", old_fill_grid),
    (Workbook, "read_rest", old_read_rest),
    (Workbook, "_row_cells", old_row_cells),
]


@contextlib.contextmanager
def earlier():
    """The reader with every replaced function put back as it was."""
    with pytest.MonkeyPatch.context() as patch:
        for owner, name, old in EARLIER:
            patch.setattr(owner, name, old)
        yield


# ------------------------------------------------ workbooks

def _repeated_values_workbook(path: Path) -> Path:
    """One figure under several number formats, zeros of both signs, 1 beside
    1.0 and True, dates, percent text and targets: values a reading memo could
    confuse if it keyed them loosely."""
    from openpyxl import Workbook as OpenpyxlWorkbook
    import datetime as dt

    wb = OpenpyxlWorkbook()
    ws = wb.active
    ws.title = "Scorecard"
    ws.append(["Measure", "Q1 2023-24", "Q2 2023-24", "Q3 2023-24", "Target", "Polarity"])
    rows = [
        ("% re-referrals", [0.5, 0.5, 0.5], 0.5, ["0%", "General", "0.0%", "0.00"]),
        ("Number of contacts", [0.0, -0.0, 0], -0.0, ["General", "General", "0", "0.0"]),
        ("Rate per 10,000", [1, 1.0, True], 1, ["General", "0.0", "General", "0%"]),
        ("Average days", [dt.datetime(2023, 4, 1), 45000, 45000.0], "45%", ["d-mmm-yy", "General", "d-mmm-yy", "General"]),
        ("% placements stable", ["45%", "45", 45], 60, ["General", "General", "0%", "General"]),
        ("% seen within 5 days", [38, 57.1, 0.38], "60%", ["General", "General", "General", "General"]),
        ("Children in care", ["x", "-", "N/A"], "Decreasing", ["General"] * 4),
        ("% plans reviewed", [0.5, 0.5, 0.5], 0.5, ["0%", "0%", "0%", "0%"]),
    ]
    for r, (name, figures, target, formats) in enumerate(rows, start=2):
        ws.append([name, *figures, target, "Higher is better"])
        for c, code in enumerate(formats, start=2):
            ws.cell(r, c).number_format = code
    wb.save(path)
    return path


def _built_books(folder: Path) -> list[tuple[Path, object]]:
    """(workbook, config) pairs the tests build; config None means the default."""
    books: list[tuple[Path, object]] = []
    for layout in LAYOUTS:
        books.append((layout.build(folder / f"{layout.key}.xlsx"), None))
    books += [
        (_repeated_values_workbook(folder / "repeated.xlsx"), None),
        (_dashboard_with_data_below(folder / "below.xlsx", data_rows=400), None),
        (example_workbook(folder / "example"), None),
        (multirow_workbook(folder / "multirow.xlsx"), None),
        (multirow_workbook(folder / "multirow-plain.xlsx", merged_labels=False, title=False), None),
        (dashboard_workbook(folder / "dashboard.xlsx", extract_rows=300), None),
        (dashboard_workbook(folder / "dashboard-no-targets.xlsx", targets=False), None),
        (_sections_workbook(folder / "sections.xlsx"), None),
        (_odd_workbook(folder / "odd.xlsx"), None),
        (_odd_workbook(folder / "odd-layout.xlsx"), config_from_dict(ODD_LAYOUT)),
        (raw_xlsx(folder / "cells.xlsx", [("Data", SHEET), ("Hidden", '<row r="1"><c r="A1"><v>1</v></c></row>')],
                  shared=["shared", "A_x000D_B", "x"], states={"Hidden": "hidden"},
                  merges={"Data": ["B5:C6"]}), None),
    ]
    return books


def _shared_books() -> list[Path]:
    return sorted((SHARED / "workbooks").glob("*.xlsx")) if (SHARED / "workbooks").is_dir() else []


def _corpus_books() -> list[Path]:
    found = []
    for name in ("corpus", "corpus_gov", "corpus_more"):
        folder = SHARED / name
        if folder.is_dir():
            found += [p for p in sorted(folder.glob("*.xls[xm]")) if p.stat().st_size <= CORPUS_LIMIT]
    return found


# ------------------------------------------------ readings

def _output(path: Path, config) -> str:
    """What the reader makes of a workbook, spelt out type for type."""
    try:
        table = read_workbook(path, config if config is not None else load_config())
    except KpiError as exc:
        return f"{type(exc).__name__}: {exc}"
    return repr((table.records, [(layout, layout.reading) for layout in table.layouts],
                 [f.as_dict() for f in table.findings], table.sheet_names, table.path))


def _grids(path: Path) -> str:
    """Every sheet's cells as the cell reader returns them: whole, peeked, and
    peeked then the rest (the peek and the whole again)."""
    try:
        with Workbook(path) as book:
            out = []
            for info in book.sheets:
                for kwargs in ({}, {"max_row": PEEK_ROWS}):
                    grid = book.read_sheet(info.name, **kwargs)
                    out.append((info.name, kwargs, grid.rows, grid.merges, grid.complete, grid.last_row))
                peek = book.read_sheet(info.name, max_row=PEEK_ROWS, resumable=True)
                seen = (peek.rows.copy(), list(peek.merges), peek.complete, peek.last_row)
                grid = book.read_rest(peek)
                assert (peek.rows, peek.merges, peek.complete, peek.last_row) == seen  # left as it was
                out.append((info.name, "peek", *seen))
                out.append((info.name, "rest", grid.rows, grid.merges, grid.complete, grid.last_row))
            return repr(out)
    except KpiError as exc:
        return f"{type(exc).__name__}: {exc}"


def _same_reading(path: Path, config=None) -> None:
    new = _output(path, config)
    with earlier():
        old = _output(path, config)
    assert new == old, path.name


# ------------------------------------------------ tests

def test_the_books_the_tests_build_read_as_before(tmp_path):
    for path, config in _built_books(tmp_path):
        _same_reading(path, config)


def test_the_shared_workbooks_read_as_before():
    books = _shared_books()
    if not books:
        pytest.skip("../shared/workbooks is absent")
    for path in books:
        _same_reading(path)


@pytest.mark.parametrize("name", BENCH_BOOKS)
def test_the_benchmark_books_read_as_before(name):
    path = BENCH / name
    if not path.exists():
        pytest.skip(f"{path} is not cached (python benchmarks/bench_refresh.py builds it)")
    _same_reading(path)


def test_the_corpora_read_as_before():
    books = _corpus_books()
    if not books:
        pytest.skip("../shared corpora are absent")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in books:
            _same_reading(path)
            new = _grids(path)
            with earlier():
                old = _grids(path)
            assert new == old, path.name


def test_the_earlier_reader_is_swapped_in_and_out():
    """``earlier`` puts each earlier function in place and takes it out again."""
    current = [getattr(owner, name) for owner, name, _old in EARLIER]
    with earlier():
        assert all(getattr(owner, name) is old for owner, name, old in EARLIER)
    assert [getattr(owner, name) for owner, name, _old in EARLIER] == current
    assert reader.read_workbook is read_workbook


_NAMES = ["% re-referrals", "Percentage of plans", "Rate per 10,000 children", "Number of contacts",
          "Proportion seen", "Average days", "", None]
_FORMATS = ["General", "0%", "0.0%", "0.00", "d-mmm-yy"]
_FIGURES = st.one_of(st.none(), st.sampled_from(["x", "-", "45%", "57.1", "N/A", "12 (40)"]),
                     st.integers(-5, 150), st.floats(-2, 150, allow_nan=False),
                     st.sampled_from([0.0, -0.0, 1, 1.0, 0.5, 100, 100.5]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(figures=st.lists(st.tuples(_FIGURES, st.sampled_from(_FORMATS)), max_size=6),
       name=st.sampled_from(_NAMES),
       target=st.one_of(st.none(), st.tuples(st.one_of(_FIGURES, st.just("60%")), st.sampled_from(_FORMATS))))
def test_units_are_reconciled_as_before(figures, name, target):
    """reconcile_units (one pass) against the earlier one on any series and target."""
    from kpi_xl.periods import parse_period
    from kpi_xl.reader.build import reconcile_units

    period = parse_period("Q1 2023-24")
    series = [Point(period, parse_value(v, f), f"B{i}") for i, (v, f) in enumerate(figures, start=2)]
    cell = Cell("H2", 2, 8, target[0], target[1]) if target is not None else None
    reading = parse_value(cell.value, cell.number_format) if cell is not None else None
    assert repr(reconcile_units(series, name, reading)) == repr(old_reconcile_units(series, name, cell))


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=" \t\n\r0123456789.-+eE_naifINF\u0660\u00b2x", max_size=12))
def test_a_plain_number_is_read_as_before(text):
    """cells._plain_number (digits and decimals without the pattern) against _number."""
    from kpi_xl.reader.cells import _number, _plain_number

    assert repr(_plain_number(text)) == repr(_number(text))


# Refs every way a cell can name (or fail to name) its column: Excel's, lower
# case, another row's, $-signed, four letters, none, a gap, a row whose own
# number is odd (signed, negative, spaced, absent, zero), and values of every type.
ODD_REFS = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1"><v>7</v></c><c><v>8</v></c>'
    '<c r="e1"><v>9</v></c><c r="Aa1"><v>10</v></c><c r="AAA1"><v>11</v></c></row>'
    '<row r="2"><c r="B7"><v>1.5</v></c><c r="$D$2"><v>2</v></c><c r="ABCD2"><v>3</v></c>'
    '<c r="X"><v>4</v></c><c r="2"><v>5</v></c><c r=""><v>6</v></c><c r="Z2" t="n"><v> 12 </v></c></row>'
    '<row r="+3"><c r="A3" t="b"><v>1</v></c><c r="B3" t="str"><v>s</v></c><c r="C3" t="e"><v>#N/A</v></c>'
    '<c r="D3" t="d"><v>2023-04-01T00:00:00Z</v></c><c r="E3" t="inlineStr"><is><t>in</t></is></c>'
    '<c r="F3" t="s"><v>x</v></c><c r="G3" t="s"><v>1</v></c><c r="H3"><v>1e3</v></c><c r="I3"><v>nan</v></c></row>'
    '<row r="-5"><c r="B5"><v>2</v></c><c r="A-5"><v>1</v></c><c><v>3</v></c></row>'
    '<row r=" 6"><c r="A6"><v>\u0661</v></c><c r="B6"><v>٣.5</v></c><c r="C6"><v>-4</v></c></row>'
    '<row><c r="A7"><v>1</v></c><c r="C7"><v>2</v></c></row>'
    '<row r="0"><c r="A8"><v>3</v></c><c r="A80"><v>4</v></c></row>'
    '<row r="10"><c r="A1"><v>5</v></c><c r="B100"><v>6</v></c><c r="C10"><v>7</v></c></row>'
)


def test_odd_refs_are_read_as_before(tmp_path):
    path = raw_xlsx(tmp_path / "refs.xlsx", [("Refs", ODD_REFS)], shared=["shared", "two"])
    new = _grids(path)
    with earlier():
        old = _grids(path)
    assert new == old
    with Workbook(path) as book:
        grid = book.read_sheet("Refs")
    seen = {(r, c): (cell.ref, cell.value) for r, cols in grid.rows.items() for c, cell in cols.items()}
    assert {key: seen[key] for key in [(1, 3), (1, 4), (1, 5), (1, 27), (1, 703)]} == {
        (1, 3): ("C1", 7), (1, 4): ("D1", 8), (1, 5): ("E1", 9), (1, 27): ("AA1", 10), (1, 703): ("AAA1", 11)}
    assert [seen[(2, c)] for c in (2, 3, 4, 5, 6, 7, 26)] == [
        ("B2", 1.5), ("C2", 2), ("D2", 3), ("E2", 4), ("F2", 5), ("G2", 6), ("Z2", 12)]
    assert [seen[(-5, c)] for c in (2, 3, 4)] == [("B-5", 2), ("C-5", 1), ("D-5", 3)]
    assert [seen[(10, c)] for c in (1, 2, 3)] == [("A10", 5), ("B10", 6), ("C10", 7)]
    assert seen[(3, 7)] == ("G3", "two") and (3, 6) not in seen  # "x" indexes no string
