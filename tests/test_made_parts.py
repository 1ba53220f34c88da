"""Parts the writer makes well formed by construction (package.Made: the
chart and drawing parts, an owned sheet's rows) are read back and compared
by the integrity check, not parsed again. These tests show the by
construction: whatever is made so, a whole parse accepts, with the formats
the check was told of; what is not (a character XML cannot hold) is left
to the whole parse, which refuses it; and the check's verdict on a written
package is the one it gives parsing every part.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from kpi_xl.plan import ChartSeries, LineChart, OwnedSheet, Plan, SetCell, Style
from kpi_xl.xlsx import integrity, safety, writer
from kpi_xl.xlsx.charts import _anchor, chart_bytes, drawing_bytes, made_chart, made_drawing
from kpi_xl.xlsx.package import MAIN_NS, Made, Package
from kpi_xl.xlsx.refs import parse_cell
from tests.test_owned_sheet_text import ODD_TEXTS, book, every_kind

# Anything at all in the texts put as they are (references, colours, number
# formats), characters XML cannot hold among them.
ANY_TEXT = st.text(alphabet=st.one_of(st.sampled_from("\t\n\r&<>\"'=#$!\x00\x01\x0b\x1f\ufffe\uffff]]>"),
                                      st.characters(codec="utf-8", exclude_categories=("Cs",))),
                   max_size=20)
SERIES = st.builds(ChartSeries, name=ANY_TEXT, values=ANY_TEXT,
                   color=st.one_of(st.sampled_from(["1F4E78", "#c00000"]), ANY_TEXT), dashed=st.booleans())
CHARTS = st.builds(LineChart, title=ANY_TEXT, anchor=st.sampled_from(["K3", "L19", "AB100"]),
                   categories=st.one_of(st.sampled_from(["'KPI Charts'!$B$4:$I$4"]), ANY_TEXT),
                   series=st.lists(SERIES, min_size=1, max_size=3).map(tuple),
                   width_cols=st.integers(1, 20), height_rows=st.integers(1, 30),
                   number_format=st.one_of(st.none(), ANY_TEXT))


def _whole_parse_refuses(data: bytes) -> bool:
    try:
        safety.check_xml(data, "part", "book.xlsx")
    except Exception:  # noqa: BLE001 — the whole parse's verdict
        return True
    return False


@settings(max_examples=300, deadline=None)
@given(CHARTS, st.integers(1, 20_000))
def test_a_chart_made_well_formed_is_one_a_whole_parse_accepts(chart, number):
    made = made_chart(chart, number)
    data = made() if isinstance(made, Made) else made
    assert data == chart_bytes(chart, number)
    if isinstance(made, Made):
        assert not _whole_parse_refuses(data)
        assert b"<!" not in data  # no DTD the parse would have refused
    else:
        assert _whole_parse_refuses(data)


@settings(max_examples=60, deadline=None)
@given(st.lists(CHARTS, min_size=0, max_size=4))
def test_a_drawing_made_well_formed_is_one_a_whole_parse_accepts(charts):
    anchors = [_anchor(chart, n, f"rId{n}", parse_cell(chart.anchor)) for n, chart in enumerate(charts, start=1)]
    made = made_drawing(anchors)
    data = made() if isinstance(made, Made) else made
    assert data == drawing_bytes(anchors)
    assert isinstance(made, Made) == bool(anchors)  # numbers and ids: made well formed whenever it has anchors
    assert not _whole_parse_refuses(data)


def _charts_sheet(reference: str = "'Charts'!$B$2:$D$2") -> OwnedSheet:
    sheet = OwnedSheet(role="charts", name="Charts")
    sheet.cells.append(SetCell("", "A1", "Charts", style=Style(bold=True)))
    for n, title in enumerate(["One", "a & <b>", "ctrl\x01 title"]):  # the title's \x01 Excel-escaped
        sheet.charts.append(LineChart(title, f"B{n * 20 + 3}", reference if n == 1 else "'Charts'!$B$2:$D$2",
                                      (ChartSeries("s & t", "'Charts'!$B$3:$D$3", "#c00000"),), 6, 12, "0%"))
    return sheet


def _built(folder, sheets, shared: bool = True):
    path = book(folder, shared)
    pkg = Package.open(path)
    writer.build_changes(pkg, Plan(sheets=sheets))
    return pkg


def _sheet_part(pkg: Package, name: str) -> str:
    return next(e.part for e in writer.WorkbookPart(pkg).sheets() if e.name == name)


def _s_values(root: etree._Element) -> set[int]:
    return {int(c.get("s")) for c in root.iter(f"{{{MAIN_NS}}}c") if c.get("s") is not None}


@st.composite
def owned_cells(draw) -> OwnedSheet:
    sheet = OwnedSheet(role="any", name="Any")
    texts = st.one_of(st.sampled_from(ODD_TEXTS[:-5] + ["#N/A", "=1", "]]>", "a\x00b"]), ANY_TEXT)
    values = st.one_of(st.none(), st.booleans(), texts, st.integers(-10**9, 10**9),
                       st.floats(allow_nan=False, allow_infinity=False))
    styles = st.sampled_from([None, Style(bold=True), Style(number_format="0.0%"), Style(fill="FFC7CE")])
    for row, col, value, formula, style in draw(st.lists(st.tuples(
            st.integers(1, 9), st.integers(1, 6), values, st.sampled_from([None, None, "A1+1", 'A1&"<x>"']),
            styles), max_size=25)):
        sheet.cells.put(row, col, value, style, formula)
    sheet.row_heights.update(draw(st.dictionaries(st.integers(1, 9), st.floats(-5, 600), max_size=3)))
    return sheet


def _check_made_sheet(pkg: Package, name: str) -> None:
    """The sheet's part as made: a whole parse accepts it, finds only the
    formats the check is told of, and is the part without its rows with
    those rows in its sheetData."""
    made = pkg.new[_sheet_part(pkg, name)]
    assert isinstance(made, Made) and made.rows is not None
    data = made()
    lo, hi = made.rows
    whole = safety.parse_xml(data, "sheet", "book.xlsx")
    assert _s_values(whole) <= made.styles
    rest = safety.parse_xml(data[:lo] + data[hi:], "sheet", "book.xlsx")
    data_el = whole.find(f"{{{MAIN_NS}}}sheetData")
    assert len(data_el) and len(data_el) == len(etree.fromstring(b"<sheetData>" + data[lo:hi] + b"</sheetData>"))
    del data_el[:]
    assert etree.tostring(rest) == etree.tostring(whole)


def test_an_owned_sheet_made_well_formed_is_one_a_whole_parse_accepts(tmp_path):
    for n, sheet in enumerate([every_kind(), _charts_sheet()]):
        for shared in (True, False):
            folder = tmp_path / f"{n}{shared}"
            folder.mkdir()
            pkg = _built(folder, [sheet], shared)
            try:
                _check_made_sheet(pkg, sheet.name)
            finally:
                pkg.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=owned_cells(), shared=st.booleans())
def test_any_owned_sheet_made_is_one_a_whole_parse_accepts(tmp_path_factory, sheet, shared):
    folder = tmp_path_factory.mktemp("made")
    try:
        pkg = _built(folder, [sheet], shared)
    except (ValueError, writer.WriteError):
        return  # refused as it was made (a character XML cannot hold in a formula): nothing written
    try:
        if sheet.cells.rows and any(isinstance(pkg.new.get(p), Made) for p in pkg.new):
            _check_made_sheet(pkg, sheet.name)
    finally:
        pkg.close()


def _saved(pkg: Package, out):
    changed, added, removed, contents = pkg.changes()
    pkg.save(out, contents, removed)
    return changed + added


def _problems(out, pkg: Package, deep, made: bool) -> list[str]:
    """problems_of the written package, the made parts read back (``made``)
    or every part parsed."""
    told = {n: v for n, v in pkg.new.items() if isinstance(v, Made)} if made else {}
    snap = integrity._Snapshot(out, set(deep), told)
    try:
        return integrity.problems_of(snap)
    finally:
        snap.close()


def test_the_check_of_made_parts_finds_what_parsing_them_finds(tmp_path):
    pkg = _built(tmp_path, [every_kind(), _charts_sheet()])
    try:
        out = tmp_path / "out.xlsx"
        deep = _saved(pkg, out)
        assert sum(isinstance(v, Made) for v in pkg.new.values()) == 6  # two sheets, a drawing, three charts
        assert _problems(out, pkg, deep, True) == _problems(out, pkg, deep, False) == []
        assert integrity.check_package(out, before=pkg, parts=deep) == []
    finally:
        pkg.close()


def test_a_chart_not_made_well_formed_is_refused_as_a_whole_parse_refuses_it(tmp_path):
    pkg = _built(tmp_path, [_charts_sheet("'Char\x01ts'!$B$2:$D$2")])
    try:
        out = tmp_path / "out.xlsx"
        deep = _saved(pkg, out)
        assert sum(isinstance(v, Made) for v in pkg.new.values()) == 4  # the chart with \x01 is not
        found = _problems(out, pkg, deep, True)
        assert len(found) == 1 and "xl/charts/chart2.xml is not well-formed XML" in found[0]
        assert found == _problems(out, pkg, deep, False)
        assert integrity.check_package(out, before=pkg, parts=deep) == found
    finally:
        pkg.close()


def test_a_made_part_read_back_other_than_made_is_a_fault(tmp_path):
    pkg = _built(tmp_path, [_charts_sheet()])
    try:
        out = tmp_path / "out.xlsx"
        deep = _saved(pkg, out)
        chart = next(n for n, v in pkg.new.items() if isinstance(v, Made) and n.startswith("xl/charts/"))
        pkg.new[chart]._data += b" "  # as if the part written were other bytes than these
        assert _problems(out, pkg, deep, True) == [f"part {chart} is not the bytes kpi-xl made for it"]
    finally:
        pkg.close()


def test_a_made_sheet_with_a_format_out_of_range_is_reported_as_a_whole_parse_reports_it(tmp_path):
    pkg = _built(tmp_path, [every_kind()])
    try:
        styles = pkg.xml("xl/styles.xml")
        xfs = styles.find(f"{{{MAIN_NS}}}cellXfs")
        for xf in list(xfs)[-2:]:
            xfs.remove(xf)  # the formats the sheet's cells were given, gone
        pkg.put_xml("xl/styles.xml", styles)
        out = tmp_path / "out.xlsx"
        deep = _saved(pkg, out)
        found = _problems(out, pkg, deep, True)
        assert found and any("is out of range" in p for p in found)
        assert found == _problems(out, pkg, deep, False)
    finally:
        pkg.close()


def test_a_made_sheet_whose_tree_is_not_well_formed_is_reported_as_a_whole_parse_reports_it(tmp_path):
    pkg = _built(tmp_path, [every_kind()])
    try:
        part = _sheet_part(pkg, "Every kind")
        made = pkg.new[part]
        lo, hi = made.rows
        broken = made()[:lo] + made()[lo:hi] + made()[hi:].replace(b"</worksheet>", b"</worksheet", 1)
        pkg.put_bytes(part, Made(broken, made.rows, made.styles))
        out = tmp_path / "out.xlsx"
        deep = _saved(pkg, out)
        found = _problems(out, pkg, deep, True)
        assert found and found == _problems(out, pkg, deep, False)
    finally:
        pkg.close()
