"""Native line charts on sheets kpi-xl owns: one drawing part per sheet
holding one anchored chart part per :class:`~kpi_xl.plan.LineChart`.

Only owned sheets get charts, and they are regenerated with the sheet, so
the parts are written fresh each time (deterministically: same plan, same
bytes).
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from lxml import etree

from kpi_xl.plan import ChartSeries, LineChart
from kpi_xl.xlsx.namespaces import A_NS, C_NS, CT_CHART, CT_DRAWING, R_NS, REL_CHART, REL_DRAWING, XDR_NS
from kpi_xl.xlsx.package import Made, xml_declaration
from kpi_xl.xlsx.refs import parse_cell
from kpi_xl.xlsx.shared_strings import escape_text, string_xml
from kpi_xl.xlsx.worksheet import WORKSHEET_ORDER, SheetPatcher
from kpi_xl.xlsx.xmlutil import insert_in_order

if TYPE_CHECKING:  # pragma: no cover
    from kpi_xl.xlsx.writer import WriteContext


def _attr(value: str) -> str:
    """``value`` escaped for a double-quoted attribute (tabs and line ends as
    references, which the parser would otherwise read as spaces)."""
    return (escape_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;"))


# The parts are made as text and written as bytes, never as a tree: building
# and serialising a tree per chart cost more than the rest of the charts
# sheet. The text is what lxml writes for the tree the element-by-element
# build made (tests/test_chart_xml.py), so the bytes are the same.
_CHART_HEAD = (f'<c:chartSpace xmlns:c="{C_NS}" xmlns:a="{A_NS}" xmlns:r="{R_NS}">'
               '<c:roundedCorners val="0"/><c:chart><c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/>'
               '<a:p><a:pPr><a:defRPr sz="1200" b="1"/></a:pPr><a:r><a:rPr lang="en-GB" sz="1200" b="1"/>'
               '<a:t>')
_AFTER_TITLE = ('</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>'
                '<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>'
                '<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>')
_CHART_TAIL = ('</c:plotArea><c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>'
               '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>')
_PART_START = xml_declaration()


def _series(index: int, series: ChartSeries, categories: str) -> str:
    """One <c:ser>; ``categories`` is the chart's category reference, escaped."""
    dash = '<a:prstDash val="dash"/>' if series.dashed else ""
    return (f'<c:ser><c:idx val="{index}"/><c:order val="{index}"/>'
            f'<c:tx><c:v>{string_xml(series.name)}</c:v></c:tx>'
            '<c:spPr><a:ln w="28575" cap="rnd"><a:solidFill>'
            f'<a:srgbClr val="{_colour(series.color)}"/></a:solidFill>'
            f'{dash}<a:round/></a:ln></c:spPr><c:marker><c:symbol val="none"/></c:marker>'
            f'<c:cat><c:strRef><c:f>{categories}</c:f></c:strRef></c:cat>'
            f'<c:val><c:numRef><c:f>{escape_text(series.values.lstrip("="))}</c:f></c:numRef></c:val>'
            '<c:smooth val="0"/></c:ser>')


@lru_cache(maxsize=64)  # a few colours serve every series
def _colour(color: str) -> str:
    return _attr(color.lstrip("#").upper())


def _value_format(number_format: str | None) -> str:
    if number_format:
        return f'<c:numFmt formatCode="{_attr(number_format)}" sourceLinked="0"/>'
    return '<c:numFmt formatCode="General" sourceLinked="1"/>'


def _axes(chart: LineChart, cat_id: str, val_id: str) -> str:
    return (f'<c:catAx><c:axId val="{cat_id}"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            '<c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="1"/>'
            f'<c:tickLblPos val="low"/><c:crossAx val="{val_id}"/><c:crosses val="autoZero"/>'
            '<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/>'
            f'</c:catAx><c:valAx><c:axId val="{val_id}"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            '<c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/>'
            f'{_value_format(chart.number_format)}<c:tickLblPos val="nextTo"/><c:crossAx val="{cat_id}"/>'
            '<c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>')


def chart_text(chart: LineChart, number: int) -> str:
    """The chart part's XML (``number`` makes its axis ids unique)."""
    cat_id, val_id = str(50_000_000 + number * 2), str(50_000_001 + number * 2)
    categories = escape_text(chart.categories.lstrip("="))
    series = "".join([_series(i, one, categories) for i, one in enumerate(chart.series)])
    return (f'{_CHART_HEAD}{string_xml(chart.title)}{_AFTER_TITLE}{series}'
            f'<c:marker val="1"/><c:axId val="{cat_id}"/><c:axId val="{val_id}"/></c:lineChart>'
            f'{_axes(chart, cat_id, val_id)}{_CHART_TAIL}')


def chart_bytes(chart: LineChart, number: int) -> bytes:
    """The chart part as written."""
    return _PART_START + chart_text(chart, number).encode("utf-8")


def made_chart(chart: LineChart, number: int) -> "Made | bytes":
    """:func:`chart_bytes` as :class:`~kpi_xl.xlsx.package.Made`: the
    template's markup is fixed, the axis ids are numbers, the title and
    series names are cleaned of characters XML cannot hold and escaped
    (string_xml), the references, colours and number format escaped
    (escape_text, _attr) but not cleaned: the part is well formed unless one
    of those holds such a character (then it is parsed by the check, which
    refuses it, as before)."""
    unclean = [chart.categories, chart.number_format or ""]
    for series in chart.series:
        unclean += (series.values, series.color)
    return Made.unless(chart_bytes(chart, number), *unclean)


def _anchor(chart: LineChart, number: int, rid: str, place: tuple[int, int]) -> str:
    """One chart's twoCellAnchor in the drawing part; ``place``: (row, column) of its anchor."""
    row, col = place
    ends = []
    for name, (c, r) in (("from", (col - 1, row - 1)),
                         ("to", (col - 1 + chart.width_cols, row - 1 + chart.height_rows))):
        ends.append(f"<xdr:{name}><xdr:col>{c}</xdr:col><xdr:colOff>0</xdr:colOff>"
                    f"<xdr:row>{r}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:{name}>")
    return ('<xdr:twoCellAnchor editAs="oneCell">' + "".join(ends)
            + '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr>'
            f'<xdr:cNvPr id="{number + 1}" name="Chart {number}"/><xdr:cNvGraphicFramePr/>'
            '</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
            f'<a:graphic><a:graphicData uri="{C_NS}"><c:chart xmlns:c="{C_NS}" xmlns:r="{R_NS}" '
            f'r:id="{_attr(rid)}"/></a:graphicData></a:graphic></xdr:graphicFrame>'
            '<xdr:clientData/></xdr:twoCellAnchor>')


def drawing_bytes(anchors: list[str]) -> bytes:
    """The drawing part holding ``anchors``, as written."""
    if not anchors:  # an empty element is written <xdr:wsDr .../>, as lxml writes it
        return _PART_START + f'<xdr:wsDr xmlns:xdr="{XDR_NS}" xmlns:a="{A_NS}"/>'.encode("ascii")
    return _PART_START + (f'<xdr:wsDr xmlns:xdr="{XDR_NS}" xmlns:a="{A_NS}">' + "".join(anchors)
                          + "</xdr:wsDr>").encode("utf-8")


def made_drawing(anchors: list[str]) -> "Made | bytes":
    """:func:`drawing_bytes` as :class:`~kpi_xl.xlsx.package.Made`: fixed
    markup around numbers (an anchor's cells and size are arithmetic's
    results) and relationship ids kpi-xl made (rIdN, escaped)."""
    data = drawing_bytes(anchors)
    return Made(data) if anchors else data


def add_charts(ctx: "WriteContext", patcher: SheetPatcher, charts: list[LineChart]) -> None:
    """Add a drawing with ``charts`` to an owned sheet being generated."""
    pkg = ctx.pkg
    places = []
    for chart in charts:
        if not chart.series:
            raise patcher.error(f"chart {chart.title!r} has no series")
        places.append(parse_cell(chart.anchor))
    # Added parts are zipped in the order they were first put: the drawing
    # (its anchors need the charts' relationship ids, so it is put again
    # last), the first chart, the drawing's relationships, the other charts.
    drawing_part = pkg.unused_name("xl/drawings/drawing%d.xml")
    pkg.put_bytes(drawing_part, drawing_bytes([]), CT_DRAWING)
    drawing_rels = pkg.rels(drawing_part)
    chart_parts = _unused_chart_parts(pkg, len(charts))
    rids: list[str] = []
    if charts:
        made = [made_chart(chart, number) for number, chart in enumerate(charts, start=1)]
        pkg.put_bytes(chart_parts[0], made[0], CT_CHART)
        rids = drawing_rels.add_all(REL_CHART, chart_parts)
        pkg.put_all_bytes(zip(chart_parts[1:], made[1:]), CT_CHART)
    anchors = [_anchor(chart, number, rid, place)
               for number, (chart, rid, place) in enumerate(zip(charts, rids, places), start=1)]
    pkg.put_bytes(drawing_part, made_drawing(anchors), CT_DRAWING)
    rid = pkg.rels(patcher.part).add(REL_DRAWING, drawing_part)
    el = etree.Element(patcher.q("drawing"))
    el.set(f"{{{R_NS}}}id", rid)
    insert_in_order(patcher.root, el, WORKSHEET_ORDER)


def _unused_chart_parts(pkg, count: int) -> list[str]:
    """The names ``pkg.unused_name`` would give ``count`` charts added one
    after another, found in one pass."""
    names, n = [], 1
    while len(names) < count:
        name = f"xl/charts/chart{n}.xml"
        if not pkg.exists(name):
            names.append(name)
        n += 1
    return names
