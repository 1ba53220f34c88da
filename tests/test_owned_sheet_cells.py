"""The owned sheets' cells held as numbers (:class:`~kpi_xl.plan.SheetCells`)
are the SetCells the planners made before, and write the same bytes.

The reference planners below (``old_*``) are kpi-xl's earlier planners,
kept verbatim: each cell a SetCell with its A1 text. Each new planner must
plan the same sheet (the same SetCells, in the same order, the same charts,
row heights and the rest) on the same records; the writer's coalescing and
signature on the numbers must agree with ``coalesce_cells`` and the earlier
``_signature_pairs`` on the SetCells; and a sheet whose cells are put by
number must be written byte for byte as the same SetCells appended.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_xl.config import load_config
from kpi_xl.errors import Place, WriteError, quote_sheet
from kpi_xl.findings import Finding, Report
from kpi_xl.owned_sheets import charts, data_quality, exceptions
from kpi_xl.owned_sheets.charts import (BLOCK_ROWS, COMPARATOR_COLOUR, HEADING_STYLE, LABEL_STYLE, MIN_POINTS,
                                        NUMBER_STYLE, PERCENT_STYLE, PERIOD_STYLE, ROLE as CHARTS_ROLE,
                                        TARGET_COLOUR, TITLE_STYLE as CHART_TITLE_STYLE, VALUE_COLOUR,
                                        _label, _numeric_points)
from kpi_xl.owned_sheets.data_quality import (BODY_STYLE as DQ_BODY, HEAD_STYLE as DQ_HEAD, HEADER_ROW as DQ_HEADER_ROW,
                                              HEADERS as DQ_HEADERS, LINK_STYLE, ROLE as DQ_ROLE, WIDTHS as DQ_WIDTHS,
                                              in_previous_order)
from kpi_xl.owned_sheets.exceptions import (AREA_STYLE, CATEGORY_STYLE, COL, HEAD_STYLE, HEADER_ROW, NO_TARGET, PURPOSE, ROLE, ROW_STYLES, TITLE_STYLE, WIDTHS,
                                            ExceptionsResult, Note, LooseCell, _area_of, _areas,
                                            _direction_text, _extra_cells, _kept_loose, _kept_notes, _naming,
                                            _place_by_category, _rag_colours)
from kpi_xl.periods import Period
from kpi_xl.plan import (AddConditionalFormat, CFRule, ChartSeries, DataValidationList, Hyperlink, LineChart,
                         OwnedSheet, Plan, SetCell, SheetCells, Style)
from kpi_xl.table import Point
from kpi_xl.values import Reading
from kpi_xl.xlsx import writer
from kpi_xl.xlsx.new_worksheet import coalesced
from kpi_xl.xlsx.refs import col_letters as get_column_letter, parse_cell
from kpi_xl.xlsx.workbook_part import SIG_ROWS
from kpi_xl.xlsx.writer import apply_plan, coalesce_cells
from tests.test_owned_sheet_text import book, written

CONFIG = load_config()


# ------------------------------------------------ the earlier planners, verbatim

def old_fit_rows(cells: list[SetCell], widths: dict[str, float]) -> dict[int, float]:
    """Row -> height (points) for rows whose wrapped text needs more than one line."""
    from kpi_xl.owned_sheets.layout import LINE_POINTS, PADDING_POINTS, text_lines
    from kpi_xl.xlsx.refs import col_letters
    heights: dict[int, float] = {}
    for cell in cells:
        if not (cell.style and cell.style.wrap and isinstance(cell.value, str) and cell.value):
            continue
        row, col = parse_cell(cell.cell)  # not openpyxl: a refresh does not import it
        column = col_letters(col)
        if column not in widths:
            continue
        scale = (cell.style.font_size or 11.0) / 11.0  # bigger text: fewer characters a line
        lines = text_lines(cell.value, widths[column] / scale)
        if lines > 1:
            heights[row] = max(heights.get(row, 0.0),
                               lines * LINE_POINTS * scale + PADDING_POINTS)
    return dict(sorted(heights.items()))


def old_plain(value):
    """Cell values as plain Python scalars (no numpy types, no NaN)."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def old_build_exceptions_sheet(rated: list[dict], config, notes: dict[str, Note], *,
                               title: str, loose=()) -> ExceptionsResult:
    names = [c.name for c in config.exceptions.categories]
    result = ExceptionsResult(OwnedSheet(role=ROLE, name=config.exceptions.sheet_name,
                                         freeze=f"A{HEADER_ROW + 1}", tab_color="1F4E78",
                                         print_title_rows=f"{HEADER_ROW}:{HEADER_ROW}",
                                         hidden_columns=(COL["Key"],), purpose=PURPOSE))
    sheet = result.sheet
    cells = []
    cells.append(SetCell("", "A1", title, style=TITLE_STYLE))
    cells.append(SetCell("", "A2", "Made by kpi-xl. Type only in the Override and Commentary "
                         "columns: they are kept, by indicator, at the next refresh.",
                         style=Style(italic=True)))
    for name, col in COL.items():
        cells.append(SetCell("", f"{col}{HEADER_ROW}", name, style=HEAD_STYLE))
        sheet.column_widths[col] = WIDTHS[name]
    naming = _naming(rated)
    result.labels = {ident: f"{ref}  {name}" for ident, (ref, name) in naming.items()}
    rated_rows = [r for r in rated if r.get("rag") is not None]
    row = HEADER_ROW + 1
    seen: set[str] = set()
    for area in _areas(rated_rows):
        cells.append(SetCell("", f"A{row}", area, style=AREA_STYLE))
        for col in list(COL.values())[1:-1]:  # the band runs across the printed width
            cells.append(SetCell("", f"{col}{row}", None, style=AREA_STYLE))
        row += 1
        in_area = [r for r in rated_rows if _area_of(r) == area]
        placed = _place_by_category(in_area, notes, names, result, config)
        for cat in names + [c for c in placed if c not in names]:
            members = placed.get(cat, [])
            if not members:
                continue
            cells.append(SetCell("", f"B{row}", cat, style=CATEGORY_STYLE))
            row += 1
            for record in members:
                old_indicator_row(cells, row, area, cat, record, notes.get(record["id"]), config,
                                  naming)
                if record["id"] in result.stale_overrides:
                    kind, message, _ = result.stale_overrides[record["id"]]
                    result.stale_overrides[record["id"]] = (kind, message,
                                                            f"{COL['Override']}{row}")
                seen.add(record["id"])
                row += 1
        empty = [cat for cat in names if not placed.get(cat)]
        if empty:  # one line for the area, not one per category
            cells.append(SetCell("", f"B{row}", f"None this period: {', '.join(empty)}",
                                 style=Style(italic=True)))
            row += 1
    row = _kept_notes(cells, row + 1, notes, seen)
    row = _kept_loose(cells, row + 1, loose) - 1
    last = max(row - 1, HEADER_ROW + 1)
    sheet.validations.append(DataValidationList(
        f"{COL['Override']}{HEADER_ROW + 1}:{COL['Override']}{last}", tuple(names),
        prompt="Choose a category to move this indicator by judgement; clear to follow the rule."))
    sheet.conditional_formats.append(_rag_colours(config, last))
    sheet.row_heights.update(old_fit_rows(cells, sheet.column_widths))
    sheet.cells = SheetCells(cells)
    return result


def old_indicator_row(cells: list, row: int, area: str, cat: str, record: dict, note: Note | None,
                      config, naming: dict[str, tuple[str, str]]) -> None:
    styles = ROW_STYLES[record.get("unit") == "percent"]
    values = {
        "Area": area, "Category": cat,
        "ID": naming.get(record["id"], (record["id"],))[0],
        "Indicator": naming.get(record["id"], (None, record["name"]))[1],
        "Period": record.get("latest_period"), "Latest": record.get("latest_value"),
        "Target": record.get("target") if old_plain(record.get("target")) is not None
        else old_plain(record.get("target_raw")) or NO_TARGET,
        "RAG": getattr(config.rag.labels, record["rag"]) if record.get("rag") else None,
        "Direction": _direction_text(record) or NO_TARGET,
        "Rule category": record.get("category"),
        "Override": note.override if note else None,
        "Override note": note.override_note if note and note.override else None,
        "Commentary": note.commentary if note else None,
        "Key": record["id"],
    }
    formulas = note.formulas if note else {}
    for name, value in values.items():
        cells.append(SetCell("", f"{COL[name]}{row}", old_plain(value), formula=formulas.get(name),
                             style=styles[name]))
    _extra_cells(cells, row, note)


def old_build_data_quality_sheet(report: Report, *, name: str, title: str,
                                 labels: dict[str, str] | None = None,
                                 previous: list[Finding] | None = None) -> OwnedSheet:
    labels = labels or {}
    if previous:
        report = Report(in_previous_order(report, previous))
    sheet = OwnedSheet(role=DQ_ROLE, name=name, freeze=f"A{DQ_HEADER_ROW + 1}", tab_color="7F7F7F",
                       print_title_rows=f"{DQ_HEADER_ROW}:{DQ_HEADER_ROW}", purpose=data_quality.PURPOSE)
    cells = []
    cells.append(SetCell("", "A1", title, style=Style(bold=True, font_size=14)))
    for i, (header, width) in enumerate(zip(DQ_HEADERS, DQ_WIDTHS), start=1):
        col = get_column_letter(i)
        cells.append(SetCell("", f"{col}{DQ_HEADER_ROW}", header, style=DQ_HEAD))
        sheet.column_widths[col] = width
    row = DQ_HEADER_ROW
    for row, finding in enumerate(report, start=DQ_HEADER_ROW + 1):
        values = [finding.severity, finding.type, finding.place.sheet, finding.place.cell,
                  labels.get(finding.indicator, finding.indicator) if finding.indicator else None,
                  finding.message]
        for i, value in enumerate(values, start=1):
            style = LINK_STYLE if i == 4 and finding.place.cell else DQ_BODY
            cells.append(SetCell("", f"{get_column_letter(i)}{row}", value, style=style))
        if finding.place.sheet and finding.place.cell:
            sheet.hyperlinks.append(Hyperlink(
                f"D{row}", f"{quote_sheet(finding.place.sheet)}!{finding.place.cell}",
                tooltip="Go to the cell"))
    if not len(report):
        cells.append(SetCell("", f"A{DQ_HEADER_ROW + 1}", "No findings.", style=DQ_BODY))
    last = max(row, DQ_HEADER_ROW + 1)
    sheet.conditional_formats.append(AddConditionalFormat("", f"A{DQ_HEADER_ROW + 1}:A{last}", (
        CFRule("cellIs", '"error"', operator="equal", style=Style(fill="FFC7CE", font_color="9C0006")),
        CFRule("cellIs", '"warning"', operator="equal", style=Style(fill="FFEB9C", font_color="9C5700")),
    )))
    sheet.row_heights.update(old_fit_rows(cells, sheet.column_widths))
    sheet.cells = SheetCells(cells)
    return sheet


def old_build_charts_sheet(rated: list[dict], *, name: str, comparators: dict | None = None
                           ) -> OwnedSheet | None:
    sheet = OwnedSheet(role=CHARTS_ROLE, name=name, tab_color="376092", purpose=charts.PURPOSE)
    cells = []
    cells.append(SetCell("", "A1", "Trends by indicator (figures copied at the last refresh)",
                         style=HEADING_STYLE))
    sheet.column_widths["A"] = 12
    for col in range(2, 10):  # up to eight periods, labelled "Q3 2024-25"
        sheet.column_widths[get_column_letter(col)] = 11
    top = 3
    for record in rated:
        if record.get("suspect_periods"):
            continue  # periods repeated, out of order or missing: a line would mislead
        points = _numeric_points(record)
        if len(points) < MIN_POINTS:
            continue
        comparator = (comparators or {}).get(record["id"])
        old_block(sheet, cells, top, record, points, comparator)
        top += BLOCK_ROWS
    sheet.cells = SheetCells(cells)
    return sheet if sheet.charts else None


def old_block(sheet: OwnedSheet, cells: list, top: int, record: dict, points: list, comparator) -> None:
    fmt = PERCENT_STYLE if record.get("unit") == "percent" else NUMBER_STYLE
    first_col, last_col = 2, 1 + len(points)
    cols = [get_column_letter(c) for c in range(first_col, last_col + 1)]
    label = _label(record)
    cells.append(SetCell("", f"A{top}", label, style=CHART_TITLE_STYLE))
    rows = {"Period": top + 1, "Value": top + 2, "Target": top + 3, "Comparator": top + 4}
    for name, row in rows.items():
        if name == "Comparator" and comparator is None:
            continue
        cells.append(SetCell("", f"A{row}", name if name != "Comparator" else comparator[0],
                             style=LABEL_STYLE))
    target = record.get("target")
    period_row, value_row, target_row, comparator_row = rows.values()
    for col, point in zip(cols, points):
        cells.append(SetCell("", f"{col}{period_row}", point.period.canonical(), style=PERIOD_STYLE))
        value = point.reading.value if point.reading.is_number else None
        cells.append(SetCell("", f"{col}{value_row}", value, style=fmt))
        if target is not None:
            cells.append(SetCell("", f"{col}{target_row}", target, style=fmt))
        if comparator is not None:
            cells.append(SetCell("", f"{col}{comparator_row}", comparator[1], style=fmt))
    sheet.charts.append(old_chart(sheet.name, record, label, top, rows, cols, target is not None, comparator))


def old_chart(name: str, record: dict, label: str, top: int, rows: dict, cols: list[str], has_target: bool,
              comparator) -> LineChart:
    q = quote_sheet(name)

    def ref(row: int) -> str:
        return f"{q}!${cols[0]}${row}:${cols[-1]}${row}"

    series = [ChartSeries(record["name"][:60], ref(rows["Value"]), VALUE_COLOUR)]
    if has_target:
        series.append(ChartSeries("Target", ref(rows["Target"]), TARGET_COLOUR))
    if comparator is not None:
        series.append(ChartSeries(comparator[0], ref(rows["Comparator"]), COMPARATOR_COLOUR,
                                  dashed=True))
    anchor_col = get_column_letter(max(len(cols) + 3, 11))
    return LineChart(title=label[:90], anchor=f"{anchor_col}{top}",
                     categories=ref(rows["Period"]), series=tuple(series),
                     width_cols=9, height_rows=BLOCK_ROWS - 1,
                     number_format="0%" if record.get("unit") == "percent" else None)


def old_signature_pairs(owned: OwnedSheet) -> list[tuple[str, str]]:
    pairs = []
    for cell in owned.cells:
        if cell.formula is None and isinstance(cell.value, str) and cell.value \
                and parse_cell(cell.cell)[0] <= SIG_ROWS:
            pairs.append((cell.cell.replace("$", "").upper(), cell.value))
    return sorted(pairs, key=lambda p: parse_cell(p[0]))


# ------------------------------------------------------------ records to plan from

TEXTS = st.sampled_from(["Re-referrals", "CP visits", "=1+1", "two\nlines", "x" * 120, "é 😀", "", "  ", "tab\there",
                         "a long indicator name that wraps over a line or two when printed on paper"])
NUMBERS = st.one_of(st.none(), st.integers(-10**6, 10**6), st.floats(allow_infinity=False),
                    st.sampled_from([0.0, -0.0, 0.25, 1e-9, 1e20]))
CATEGORIES = [c.name for c in CONFIG.exceptions.categories]


@st.composite
def records(draw, count: int = 12) -> list[dict]:
    out = []
    for i in range(draw(st.integers(0, count))):
        kind = draw(st.sampled_from(["quarter", "month", "year"]))
        periods = [Period(kind, 2020 + n // 4, (n % 4) + 1 if kind != "year" else None)
                   for n in range(draw(st.integers(0, 10)))]
        series = [Point(p, draw(st.sampled_from([Reading(1, "number", draw(NUMBERS) or 1.5),
                                                  Reading("x", "suppressed")])), "B2")
                  for p in periods]
        out.append({
            "id": draw(st.sampled_from([f"ID{i}", f"id-{i}", f"CSC{i:02d}"])),
            "name": draw(TEXTS) or f"Indicator {i}",
            "area": draw(st.sampled_from([None, "Front Door", "Child Protection", "Early Help"])),
            "sheet": draw(st.sampled_from(["Dashboard", "Data's"])), "row": i + 5,
            "rag": draw(st.sampled_from([None, "RED", "AMBER", "GREEN"])),
            "direction": draw(st.sampled_from([None, "IMPROVING", "STABLE"])),
            "arrow": draw(st.sampled_from([None, "↑", "↔"])),
            "category": draw(st.sampled_from(CATEGORIES + [None, "Other"])),
            "latest_value": draw(NUMBERS), "latest_period": draw(st.sampled_from([None, "Q2 2025-26"])),
            "target": draw(NUMBERS), "target_raw": draw(st.one_of(NUMBERS, TEXTS)),
            "unit": draw(st.sampled_from([None, "percent", "number"])),
            "cells": draw(st.sampled_from([{}, {"id": "A5"}])),
            "suspect_periods": draw(st.booleans()) and draw(st.booleans()),
            "series": series,
        })
    return out


@st.composite
def notes(draw, rated: list[dict]) -> dict[str, Note]:
    ids = [r["id"] for r in rated] + ["gone-1", "gone-2"]
    out = {}
    for ident in draw(st.lists(st.sampled_from(ids), max_size=5, unique=True)):
        out[ident] = Note(override=draw(st.sampled_from([None, *CATEGORIES, "Not a category"])),
                          commentary=draw(st.one_of(st.none(), TEXTS)), name="Named",
                          formulas=draw(st.sampled_from([{}, {"Commentary": "A1&\"x\""}])),
                          extra=draw(st.sampled_from([{}, {"P": ("kept", None), "Q": (3, "1+2")}])),
                          override_note=draw(st.sampled_from(
                              [None, "Reds on watching: set in Q1 2023-24 when the rule said Reds of concern"])))
    return out


def same_sheet(new: OwnedSheet, old: OwnedSheet) -> None:
    assert isinstance(new.cells, SheetCells)
    assert list(new.cells) == list(old.cells)
    assert new == old  # every other field too


def real_records() -> list[list[dict]]:
    """Rated records of the workbooks in ../shared (none when it is absent)."""
    from kpi_xl.refresh_job import build_refresh

    folder = Path(__file__).resolve().parents[2] / "shared" / "workbooks"
    return [build_refresh(path, CONFIG).records for path in sorted(folder.glob("*.xlsx"))[:4]]


# ------------------------------------------------------------------ the tests

@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_the_exception_summary_as_planned_before(data):
    rated = data.draw(records())
    kept = data.draw(notes(rated))
    loose = data.draw(st.sampled_from([(), (LooseCell("Q4", "own heading"), LooseCell("B30", 5, "2+3"))]))
    new = exceptions.build_exceptions_sheet(rated, CONFIG, _copy(kept), title="Title", loose=loose)
    old = old_build_exceptions_sheet(rated, CONFIG, _copy(kept), title="Title", loose=loose)
    same_sheet(new.sheet, old.sheet)
    assert (new.categories, new.labels, new.ignored_overrides, new.stale_overrides) == \
        (old.categories, old.labels, old.ignored_overrides, old.stale_overrides)


def _copy(kept: dict[str, Note]) -> dict[str, Note]:
    """Fresh notes (planning writes the override note into them)."""
    return {k: Note(v.override, v.commentary, v.name, dict(v.formulas), dict(v.extra), v.override_note)
            for k, v in kept.items()}


SEVERITIES = st.sampled_from(["error", "warning", "info"])
FINDINGS = st.lists(st.builds(
    lambda kind, severity, sheet, cell, indicator, message: Finding(kind, message, severity,
                                                                    Place(sheet=sheet, cell=cell), indicator),
    st.sampled_from(["rag_disagrees", "dot_disagrees", "period_gap"]), SEVERITIES,
    st.sampled_from([None, "Dashboard", "Data's"]), st.sampled_from([None, "G5", "B12"]),
    st.sampled_from([None, "ID1", "CSC02"]), TEXTS), max_size=12)


@settings(max_examples=60, deadline=None)
@given(found=FINDINGS, previous=FINDINGS)
def test_the_data_quality_sheet_as_planned_before(found, previous):
    labels = {"ID1": "FD1  Re-referrals"}
    kwargs = dict(name="Data quality", title="Data quality findings: book.xlsx", labels=labels,
                  previous=previous)
    same_sheet(data_quality.build_data_quality_sheet(Report(list(found)), **kwargs),
               old_build_data_quality_sheet(Report(list(found)), **kwargs))


@settings(max_examples=60, deadline=None)
@given(rated=records(), with_comparators=st.booleans())
def test_the_charts_sheet_as_planned_before(rated, with_comparators):
    comparators = {r["id"]: ("England", 0.5) for r in rated[::2]} if with_comparators else None
    for name in ("KPI Charts", "Charts's"):
        new = charts.build_charts_sheet(rated, name=name, comparators=comparators)
        old = old_build_charts_sheet(rated, name=name, comparators=comparators)
        assert (new is None) == (old is None)
        if new is not None:
            same_sheet(new, old)


def test_the_real_workbooks_as_planned_before():
    books = real_records()
    if not books:
        pytest.skip("../shared/workbooks is absent")
    for rated in books:
        new = exceptions.build_exceptions_sheet(rated, CONFIG, {}, title="t")
        same_sheet(new.sheet, old_build_exceptions_sheet(rated, CONFIG, {}, title="t").sheet)
        new_charts, old_charts = (build(rated, name="KPI Charts") for build in
                                  (charts.build_charts_sheet, old_build_charts_sheet))
        assert (new_charts is None) == (old_charts is None)
        if new_charts is not None:
            same_sheet(new_charts, old_charts)


REFS = st.sampled_from(["A1", "B2", "$B$2", "b2", "B02", " A1", "C3", "A0", "AA10", "XFD1", "G5", "bad"])
STYLES = st.sampled_from([None, Style(bold=True), Style(italic=True), Style(bold=False, fill="FFC7CE")])


@st.composite
def sheet_cells(draw) -> SheetCells:
    """Cells put by number and SetCells appended, mixed, often on one place."""
    cells = SheetCells()
    for _ in range(draw(st.integers(0, 14))):
        value, style = draw(st.one_of(st.none(), TEXTS, st.integers(0, 9))), draw(STYLES)
        if draw(st.booleans()):
            cells.put(draw(st.integers(1, 3)), draw(st.integers(1, 3)), value, style)
        else:
            cells.append(SetCell(draw(st.sampled_from(["", "", "Other"])), draw(REFS), value, style=style))
    return cells


@settings(max_examples=200, deadline=None)
@given(cells=sheet_cells())
def test_coalescing_on_numbers_as_coalesce_cells(cells):
    assert list(coalesced(cells)) == coalesce_cells(list(cells))


@settings(max_examples=200, deadline=None)
@given(cells=sheet_cells())
def test_the_signature_as_before(cells):
    owned = OwnedSheet(role="r", name="R", cells=cells)
    try:
        expected = old_signature_pairs(owned)
    except WriteError as exc:
        with pytest.raises(WriteError) as caught:
            writer._signature_pairs(owned)
        assert caught.value.message == exc.message
        return
    assert writer._signature_pairs(owned) == expected


def test_a_sheet_cells_reads_as_its_set_cells():
    cells = SheetCells([SetCell("x", "$b$2", 1)])
    cells.put(5, 7, "text", Style(bold=True))
    cells.put_row(6, 2, ["a", None, 3.5], [None, Style(italic=True), None], [None, None, "1+2.5"])
    expected = [SetCell("x", "$b$2", 1), SetCell("", "G5", "text", style=Style(bold=True)),
                SetCell("", "B6", "a"), SetCell("", "C6", None, style=Style(italic=True)),
                SetCell("", "D6", 3.5, formula="1+2.5")]
    assert list(cells) == expected and cells == expected and len(cells) == 5
    assert cells[1] == expected[1] and cells[-2:] == expected[-2:]
    assert cells.texts() == ["text", "a"]
    assert OwnedSheet(role="r", name="R", cells=expected).cells == cells


@st.composite
def placed_cells(draw) -> list[tuple]:
    return draw(st.lists(st.tuples(st.integers(1, 8), st.integers(1, 6),
                                   st.one_of(st.none(), st.booleans(), TEXTS, NUMBERS, st.just(float("nan"))),
                                   st.sampled_from([None, None, "A1+1"]), STYLES), max_size=30))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(placed=placed_cells(), heights=st.dictionaries(st.integers(1, 9), st.floats(-5, 600), max_size=3))
def test_cells_put_by_number_write_the_bytes_of_their_set_cells(tmp_path_factory, placed, heights):
    folder = tmp_path_factory.mktemp("put")
    put = SheetCells()
    for row, col, value, formula, style in placed:
        put.put(row, col, value, style, formula)
    appended = [SetCell("", f"{get_column_letter(col)}{row}", value, formula, style)
                for row, col, value, formula, style in placed]
    out = {}
    for way, cells in (("put", put), ("appended", appended)):
        (folder / way).mkdir()
        path = book(folder / way, shared=len(placed) % 2 == 0)
        sheet = OwnedSheet(role="any", name="Any", cells=cells, row_heights=heights,
                           hyperlinks=[Hyperlink("A1", "Data!A1")])
        try:
            apply_plan(path, Plan(sheets=[sheet]), backup="none")
            out[way] = written(path)
        except (WriteError, ValueError) as exc:
            out[way] = (type(exc), str(exc).replace(str(path), "BOOK"))
    assert out["put"] == out["appended"]


def test_a_cell_put_outside_the_sheet_is_refused_as_its_reference_is(tmp_path):
    for n, (row, col) in enumerate(((0, 1), (1_048_577, 2), (3, 16_385))):
        messages = []
        for way in ("put", "appended"):
            (tmp_path / f"{way}{n}").mkdir()
            path = book(tmp_path / f"{way}{n}", shared=True)
            cells = SheetCells()
            if way == "put":
                cells.put(row, col, "x")
            else:
                cells.append(SetCell("", f"{get_column_letter(col)}{row}", "x"))
            with pytest.raises(WriteError) as caught:
                apply_plan(path, Plan(sheets=[OwnedSheet(role="r", name="R", cells=cells)]), backup="none")
            messages.append(caught.value.message)
        assert messages[0] == messages[1] and "outside the sheet" in messages[0]

