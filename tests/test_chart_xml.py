"""The chart and drawing parts, made as text and written as bytes, are the
bytes of the trees the element-by-element build made.

The reference builder below is kpi-xl's earlier writer, kept verbatim.
"""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from kpi_xl.plan import ChartSeries, LineChart
from kpi_xl.xlsx.charts import A_NS, C_NS, XDR_NS, _anchor, chart_bytes, drawing_bytes
from kpi_xl.xlsx.package import R_NS, serialize
from kpi_xl.xlsx.refs import parse_cell
from kpi_xl.xlsx.shared_strings import encode_text

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


def reference_chart(chart: LineChart, number: int) -> etree._Element:
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


def reference_anchor(drawing: etree._Element, chart: LineChart, number: int, rid: str) -> None:
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



TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
# Text written as it is (references, colours, number formats): anything XML
# can hold, with the characters escaping must get right.
XML_TEXT = st.text(alphabet=st.one_of(st.sampled_from("\t\n\r&<>\"'=#$!"),
                                      st.characters(codec="utf-8", min_codepoint=0x20,
                                                    exclude_categories=("Cs",),
                                                    exclude_characters="\ufffe\uffff")),
                   max_size=30)
REF = st.one_of(st.sampled_from(["'KPI Charts'!$B$5:$I$5", "=Sheet1!$B$2:$C$2", "'A & <B>'!$B$1:$D$1"]),
                XML_TEXT)
SERIES = st.builds(ChartSeries, name=TEXT, values=REF,
                   color=st.one_of(st.sampled_from(["1F4E78", "#c00000", "7F7F7F"]), XML_TEXT),
                   dashed=st.booleans())
CHARTS = st.builds(LineChart, title=TEXT, anchor=st.sampled_from(["K3", "L19", "AB100"]),
                   categories=st.one_of(st.sampled_from(["'KPI Charts'!$B$4:$I$4", "'It''s'!$B$4:$C$4"]),
                                        XML_TEXT),
                   series=st.lists(SERIES, min_size=1, max_size=3).map(tuple),
                   width_cols=st.integers(1, 20), height_rows=st.integers(1, 30),
                   number_format=st.one_of(st.sampled_from([None, "0%", '#,##0.0"x"', "0.0 & <1>"]),
                                           XML_TEXT))


@settings(max_examples=150, deadline=None)
@given(CHARTS, st.integers(1, 500))
def test_chart_part_is_the_element_built_tree(chart, number):
    assert chart_bytes(chart, number) == serialize(reference_chart(chart, number))


@settings(max_examples=60, deadline=None)
@given(st.lists(CHARTS, min_size=0, max_size=4))
def test_drawing_part_is_the_element_built_tree(charts):
    expected = etree.Element(f"{{{XDR_NS}}}wsDr", nsmap={"xdr": XDR_NS, "a": A_NS})
    for number, chart in enumerate(charts, start=1):
        reference_anchor(expected, chart, number, f"rId{number}")
    made = drawing_bytes([_anchor(chart, n, f"rId{n}", parse_cell(chart.anchor))
                          for n, chart in enumerate(charts, start=1)])
    assert made == serialize(expected)
