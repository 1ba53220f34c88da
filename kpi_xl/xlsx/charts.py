"""Native line charts on sheets kpi-xl owns: one drawing part per sheet
holding one anchored chart part per :class:`~kpi_xl.plan.LineChart`.

Only owned sheets get charts, and they are regenerated with the sheet, so
the parts are written fresh each time (deterministically: same plan, same
bytes).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from kpi_xl.plan import ChartSeries, LineChart
from kpi_xl.xlsx.namespaces import A_NS, C_NS, CT_CHART, CT_DRAWING, R_NS, REL_CHART, REL_DRAWING, XDR_NS
from kpi_xl.xlsx.refs import parse_cell
from kpi_xl.xlsx.worksheet import WORKSHEET_ORDER, SheetPatcher
from kpi_xl.xlsx.xmlutil import insert_in_order

from kpi_xl.xlsx.shared_strings import encode_text

if TYPE_CHECKING:  # pragma: no cover
    from kpi_xl.xlsx.writer import WriteContext



def _e(parent, ns: str, name: str, val: str | None = None, **attrs) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ns}}}{name}")
    if val is not None:
        el.set("val", val)
    for key, value in attrs.items():
        el.set(key, value)
    return el


def _c(parent, name, val=None, **attrs):
    return _e(parent, C_NS, name, val, **attrs)


def _a(parent, name, val=None, **attrs):
    return _e(parent, A_NS, name, val, **attrs)


def _rich_title(parent, text: str) -> None:
    title = _c(parent, "title")
    tx = _c(title, "tx")
    rich = _c(tx, "rich")
    _a(rich, "bodyPr")
    _a(rich, "lstStyle")
    p = _a(rich, "p")
    ppr = _a(p, "pPr")
    _a(ppr, "defRPr", sz="1200", b="1")
    r = _a(p, "r")
    _a(r, "rPr", lang="en-GB", sz="1200", b="1")
    _a(r, "t").text = encode_text(text)  # Excel's _xHHHH_ escapes, as in cells
    _c(title, "overlay", "0")


def _series(parent, index: int, series: ChartSeries, categories: str) -> None:
    ser = _c(parent, "ser")
    _c(ser, "idx", str(index))
    _c(ser, "order", str(index))
    tx = _c(ser, "tx")
    _c(tx, "v").text = encode_text(series.name)
    sp = _c(ser, "spPr")
    line = _a(sp, "ln", w="28575", cap="rnd")
    fill = _a(line, "solidFill")
    _a(fill, "srgbClr", series.color.lstrip("#").upper())
    if series.dashed:
        _a(line, "prstDash", "dash")
    _a(line, "round")
    marker = _c(ser, "marker")
    _c(marker, "symbol", "none")
    cat = _c(ser, "cat")
    _c(_c(cat, "strRef"), "f").text = categories.lstrip("=")
    val = _c(ser, "val")
    _c(_c(val, "numRef"), "f").text = series.values.lstrip("=")
    _c(ser, "smooth", "0")


def chart_xml(chart: LineChart, number: int) -> etree._Element:
    space = etree.Element(f"{{{C_NS}}}chartSpace", nsmap={"c": C_NS, "a": A_NS, "r": R_NS})
    _c(space, "roundedCorners", "0")
    body = _c(space, "chart")
    _rich_title(body, chart.title)
    _c(body, "autoTitleDeleted", "0")
    plot = _c(body, "plotArea")
    _c(plot, "layout")
    line_chart = _c(plot, "lineChart")
    _c(line_chart, "grouping", "standard")
    _c(line_chart, "varyColors", "0")
    for i, series in enumerate(chart.series):
        _series(line_chart, i, series, chart.categories)
    _c(line_chart, "marker", "1")
    cat_id, val_id = str(50_000_000 + number * 2), str(50_000_001 + number * 2)
    _c(line_chart, "axId", cat_id)
    _c(line_chart, "axId", val_id)
    cat = _c(plot, "catAx")
    _c(cat, "axId", cat_id)
    _c(_c(cat, "scaling"), "orientation", "minMax")
    _c(cat, "delete", "0")
    _c(cat, "axPos", "b")
    _c(cat, "numFmt", formatCode="General", sourceLinked="1")
    _c(cat, "tickLblPos", "low")
    _c(cat, "crossAx", val_id)
    _c(cat, "crosses", "autoZero")
    _c(cat, "auto", "1")
    _c(cat, "lblAlgn", "ctr")
    _c(cat, "lblOffset", "100")
    _c(cat, "noMultiLvlLbl", "0")
    val = _c(plot, "valAx")
    _c(val, "axId", val_id)
    _c(_c(val, "scaling"), "orientation", "minMax")
    _c(val, "delete", "0")
    _c(val, "axPos", "l")
    _c(val, "majorGridlines")
    if chart.number_format:
        _c(val, "numFmt", formatCode=chart.number_format, sourceLinked="0")
    else:
        _c(val, "numFmt", formatCode="General", sourceLinked="1")
    _c(val, "tickLblPos", "nextTo")
    _c(val, "crossAx", cat_id)
    _c(val, "crosses", "autoZero")
    _c(val, "crossBetween", "between")
    legend = _c(body, "legend")
    _c(legend, "legendPos", "b")
    _c(legend, "overlay", "0")
    _c(body, "plotVisOnly", "1")
    _c(body, "dispBlanksAs", "gap")
    return space


def _anchor(drawing: etree._Element, chart: LineChart, number: int, rid: str) -> None:
    row, col = parse_cell(chart.anchor)
    anchor = etree.SubElement(drawing, f"{{{XDR_NS}}}twoCellAnchor")
    anchor.set("editAs", "oneCell")
    for name, (c, r) in (("from", (col - 1, row - 1)),
                         ("to", (col - 1 + chart.width_cols, row - 1 + chart.height_rows))):
        pos = etree.SubElement(anchor, f"{{{XDR_NS}}}{name}")
        for tag, value in (("col", c), ("colOff", 0), ("row", r), ("rowOff", 0)):
            etree.SubElement(pos, f"{{{XDR_NS}}}{tag}").text = str(value)
    frame = etree.SubElement(anchor, f"{{{XDR_NS}}}graphicFrame")
    frame.set("macro", "")
    nv = etree.SubElement(frame, f"{{{XDR_NS}}}nvGraphicFramePr")
    pr = etree.SubElement(nv, f"{{{XDR_NS}}}cNvPr")
    pr.set("id", str(number + 1))
    pr.set("name", f"Chart {number}")
    etree.SubElement(nv, f"{{{XDR_NS}}}cNvGraphicFramePr")
    xfrm = etree.SubElement(frame, f"{{{XDR_NS}}}xfrm")
    _a(xfrm, "off", x="0", y="0")
    _a(xfrm, "ext", cx="0", cy="0")
    graphic = _a(frame, "graphic")
    data = _a(graphic, "graphicData", uri=C_NS)
    ref = etree.SubElement(data, f"{{{C_NS}}}chart", nsmap={"c": C_NS, "r": R_NS})
    ref.set(f"{{{R_NS}}}id", rid)
    etree.SubElement(anchor, f"{{{XDR_NS}}}clientData")


def add_charts(ctx: "WriteContext", patcher: SheetPatcher, charts: list[LineChart]) -> None:
    """Add a drawing with ``charts`` to an owned sheet being generated."""
    pkg = ctx.pkg
    for chart in charts:
        if not chart.series:
            raise patcher.error(f"chart {chart.title!r} has no series")
        parse_cell(chart.anchor)
    drawing_part = pkg.unused_name("xl/drawings/drawing%d.xml")
    drawing = etree.Element(f"{{{XDR_NS}}}wsDr", nsmap={"xdr": XDR_NS, "a": A_NS})
    pkg.put_xml(drawing_part, drawing, CT_DRAWING)
    drawing_rels = pkg.rels(drawing_part)
    for number, chart in enumerate(charts, start=1):
        chart_part = pkg.unused_name("xl/charts/chart%d.xml")
        pkg.put_xml(chart_part, chart_xml(chart, number), CT_CHART)
        rid = drawing_rels.add(REL_CHART, chart_part)
        _anchor(drawing, chart, number, rid)
    pkg.put_xml(drawing_part, drawing, CT_DRAWING)
    rid = pkg.rels(patcher.part).add(REL_DRAWING, drawing_part)
    el = etree.Element(patcher.q("drawing"))
    el.set(f"{{{R_NS}}}id", rid)
    insert_in_order(patcher.root, el, WORKSHEET_ORDER)
