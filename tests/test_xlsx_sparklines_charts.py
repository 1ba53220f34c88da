"""Sparklines (x14 extension of an existing sheet) and line charts (on owned sheets)."""
from __future__ import annotations

import zipfile

import pytest

from kpi_xl.errors import WriteError
from kpi_xl.plan import (AddConditionalFormat, ChartSeries, CFRule, LineChart, OwnedSheet, Plan, RemoveSheet,
                         SetCell, SparklineGroup, Style)
from kpi_xl.xlsx.integrity import check_package
from kpi_xl.xlsx.writer import apply_plan
from tests.test_xlsx_support import MAIN, build_package, lo_convert, parts, sheet_root, sheet_xml, state, xml

X14 = "{http://schemas.microsoft.com/office/spreadsheetml/2009/9/main}"
XM = "{http://schemas.microsoft.com/office/excel/2006/main}"

EXISTING = ('<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
            'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:conditionalFormattings/>'
            '</ext><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
            'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:sparklineGroups '
            'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:sparklineGroup><x14:colorSeries '
            'rgb="FF000000"/><x14:sparklines><x14:sparkline><xm:f>Data!B9:D9</xm:f><xm:sqref>F9</xm:sqref>'
            '</x14:sparkline></x14:sparklines></x14:sparklineGroup></x14:sparklineGroups></ext></extLst>')


def book_with_data(tmp_path, ext: str = ""):
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r * 10 + i}</v></c>' for i, c in enumerate("BCD"))
                   + "</row>" for r in range(2, 10))
    return build_package(tmp_path / "book.xlsx", {"Data": sheet_xml(rows, after_data=ext)})


def sparklines(path):
    root = sheet_root(path)
    return [(s.findtext(f"{XM}f"), s.findtext(f"{XM}sqref")) for s in root.iter(f"{X14}sparkline")]


def run(path, *changes, sheets=()):
    removals = [c for c in changes if isinstance(c, RemoveSheet)]
    others = [c for c in changes if not isinstance(c, RemoveSheet)]
    return apply_plan(path, Plan(changes=others, sheets=list(sheets), remove=removals), backup="none")


def test_sparklines_added_and_idempotent(tmp_path):
    book = book_with_data(tmp_path)
    group = SparklineGroup("Data", "F2:F4", "Data!B2:D4")
    run(book, group)
    assert sparklines(book) == [("Data!B2:D2", "F2"), ("Data!B3:D3", "F3"), ("Data!B4:D4", "F4")]
    root = sheet_root(book)
    assert root[-1].tag == f"{{{MAIN}}}extLst"  # extLst stays the last child
    ext = root[-1][0]
    assert ext.get("uri") == "{05C60535-1F16-4fd2-B633-F4F36F0B64E0}"
    assert check_package(book) == []
    before = state(book)
    assert not run(book, group).changed
    assert state(book) == before


def test_existing_sparklines_kept_and_ours_replaced(tmp_path):
    book = book_with_data(tmp_path, EXISTING)
    run(book, SparklineGroup("Data", "F2:F3", "Data!B2:D3"))
    assert sparklines(book) == [("Data!B9:D9", "F9"), ("Data!B2:D2", "F2"), ("Data!B3:D3", "F3")]
    uris = [e.get("uri") for e in sheet_root(book)[-1]]
    assert uris == ["{78C0D931-6437-407d-A8EE-F0AAD7539E65}", "{05C60535-1F16-4fd2-B633-F4F36F0B64E0}"]
    run(book, SparklineGroup("Data", "F2:F3", "Data!C2:D3", color="C00000"))
    assert sparklines(book) == [("Data!B9:D9", "F9"), ("Data!C2:D2", "F2"), ("Data!C3:D3", "F3")]
    assert len(list(sheet_root(book).iter(f"{X14}sparklineGroup"))) == 2


def test_sparkline_shapes_checked(tmp_path):
    book = book_with_data(tmp_path)
    with pytest.raises(WriteError, match="do not match"):
        run(book, SparklineGroup("Data", "F2:F5", "Data!B2:D3"))


def test_sparklines_with_other_extensions_and_cf(tmp_path):
    book = book_with_data(tmp_path)
    run(book, SparklineGroup("Data", "F2:F3", "'Data'!B2:D3"),
        AddConditionalFormat("Data", "B2:B9", (CFRule("expression", "B2>50", Style(fill="FFC7CE")),)))
    names = [el.tag.split("}")[1] for el in sheet_root(book)]
    assert names.index("conditionalFormatting") < names.index("extLst") == len(names) - 1


def chart_sheet(title="Re-referrals") -> OwnedSheet:
    cells = [SetCell("", "B1", "Q1"), SetCell("", "C1", "Q2"), SetCell("", "D1", "Q3"),
             SetCell("", "A2", "Re-referrals"), SetCell("", "B2", 20), SetCell("", "C2", 22), SetCell("", "D2", 19),
             SetCell("", "A3", "Target"), SetCell("", "B3", 21), SetCell("", "C3", 21), SetCell("", "D3", 21)]
    chart = LineChart(title, "F2", "'Charts'!$B$1:$D$1",
                      (ChartSeries("Re-referrals", "'Charts'!$B$2:$D$2"),
                       ChartSeries("Target", "'Charts'!$B$3:$D$3", color="C00000", dashed=True)))
    return OwnedSheet("charts", "Charts", cells=cells, charts=[chart])


def test_chart_on_owned_sheet(tmp_path):
    book = book_with_data(tmp_path)
    result = run(book, sheets=[chart_sheet()])
    assert set(result.added_parts) == {"xl/worksheets/sheet2.xml", "xl/worksheets/_rels/sheet2.xml.rels",
                                       "xl/drawings/drawing1.xml", "xl/drawings/_rels/drawing1.xml.rels",
                                       "xl/charts/chart1.xml"}
    p = parts(book)
    ct = p["[Content_Types].xml"].decode()
    assert "/xl/drawings/drawing1.xml" in ct and "/xl/charts/chart1.xml" in ct
    assert b"<drawing r:id=" in p["xl/worksheets/sheet2.xml"]
    chart = xml(p["xl/charts/chart1.xml"])
    c = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
    assert [f.text for f in chart.iter(f"{c}f")] == ["'Charts'!$B$1:$D$1", "'Charts'!$B$2:$D$2",
                                                      "'Charts'!$B$1:$D$1", "'Charts'!$B$3:$D$3"]
    assert check_package(book) == []
    assert not run(book, sheets=[chart_sheet()]).changed


def test_chart_regenerated_and_removed(tmp_path):
    book = book_with_data(tmp_path)
    run(book, sheets=[chart_sheet()])
    again = run(book, sheets=[chart_sheet(title="Re-referrals within 12 months")])
    assert again.changed_parts == ["xl/charts/chart1.xml"]
    assert again.added_parts == [] and again.removed_parts == []
    gone = run(book, RemoveSheet("charts"))
    assert set(gone.removed_parts) == {"xl/worksheets/sheet2.xml", "xl/worksheets/_rels/sheet2.xml.rels",
                                       "xl/drawings/drawing1.xml", "xl/drawings/_rels/drawing1.xml.rels",
                                       "xl/charts/chart1.xml"}
    ct = parts(book)["[Content_Types].xml"].decode()
    assert "drawing1" not in ct and "chart1" not in ct
    assert check_package(book) == []


@pytest.mark.libreoffice
def test_libreoffice_reads_sparklines_and_charts(soffice, tmp_path):
    book = book_with_data(tmp_path)
    run(book, SparklineGroup("Data", "F2:F4", "Data!B2:D4"), sheets=[chart_sheet()])
    out = lo_convert(soffice, [book], tmp_path / "rt", fmt="xlsx") / "book.xlsx"
    assert out.exists()
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        sheet = z.read("xl/worksheets/sheet1.xml")
    assert b"sparklineGroup" in sheet and b"Data!B3:D3" in sheet  # LibreOffice understood and kept them
    assert any(n.startswith("xl/charts/chart") for n in names)
    pdf = lo_convert(soffice, [book], tmp_path / "pdf") / "book.pdf"
    assert pdf.exists() and pdf.stat().st_size > 0
