"""Native Excel line sparklines: x14:sparklineGroups in the worksheet's extLst.

One sparkline per cell of the location range, each over the matching row
(or column) of the data block. Sparklines already in the sheet are kept;
one already sitting in a cell we place a sparkline in is replaced (a cell
holds one sparkline). A group identical to the one we would write means
nothing to do, so a refresh adds no duplicates.
"""
from __future__ import annotations

from lxml import etree

from kpi_xl.errors import WriteError, quote_sheet
from kpi_xl.plan import SparklineGroup
from kpi_xl.xlsx.namespaces import X14_NS, XM_NS
from kpi_xl.xlsx.refs import cell_ref, parse_range, range_ref, split_sheet_ref
from kpi_xl.xlsx.worksheet import WORKSHEET_ORDER, SheetPatcher
from kpi_xl.xlsx.styles import argb
from kpi_xl.xlsx.xmlutil import canon, insert_in_order, local

SPARKLINE_URI = "{05C60535-1F16-4fd2-B633-F4F36F0B64E0}"
# Excel writes these worksheet extensions before the sparklines one.
EARLIER_URIS = ("{78C0D931-6437-407d-A8EE-F0AAD7539E65}",  # x14 conditional formats
                "{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}")  # x14 data validations
ACCENT = "D00000"


def _x14(name: str) -> str:
    return f"{{{X14_NS}}}{name}"


def _xm(name: str) -> str:
    return f"{{{XM_NS}}}{name}"


def sparkline_pairs(patcher: SheetPatcher, change: SparklineGroup) -> list[tuple[str, str]]:
    """(data reference, location cell) for each sparkline."""
    try:
        l1 = parse_range(change.location)
        data_sheet, data_cells = split_sheet_ref(change.data)
        d1 = parse_range(data_cells)
    except WriteError as exc:
        raise patcher.error(f"sparklines: {exc.message}", change.location) from None
    sheet = quote_sheet(data_sheet or patcher.name)
    lr1, lc1, lr2, lc2 = l1
    dr1, dc1, dr2, dc2 = d1
    pairs = []
    if lc1 == lc2 and (lr2 - lr1) == (dr2 - dr1):  # a column of sparklines, one per data row
        for i in range(lr2 - lr1 + 1):
            pairs.append((f"{sheet}!{range_ref(dr1 + i, dc1, dr1 + i, dc2)}", cell_ref(lr1 + i, lc1)))
    elif lr1 == lr2 and (lc2 - lc1) == (dc2 - dc1):  # a row of sparklines, one per data column
        for i in range(lc2 - lc1 + 1):
            pairs.append((f"{sheet}!{range_ref(dr1, dc1 + i, dr2, dc1 + i)}", cell_ref(lr1, lc1 + i)))
    else:
        raise patcher.error(f"sparklines: location {change.location} and data {change.data} do not match "
                            "(one sparkline per row of data, in a single column)", change.location)
    return pairs


def build_group(change: SparklineGroup, pairs: list[tuple[str, str]]) -> etree._Element:
    group = etree.Element(_x14("sparklineGroup"), nsmap={"x14": X14_NS, "xm": XM_NS})
    group.set("displayEmptyCellsAs", "gap")
    group.set("lineWeight", "1.25")
    # A marker on each quarter: four to eight points read better as dots on
    # a line, and LibreOffice draws only the markers when it prints
    group.set("markers", "1")
    if change.high_low:
        group.set("high", "1")
        group.set("low", "1")
    colors = [("colorSeries", change.color), ("colorNegative", ACCENT), ("colorAxis", "000000"),
              ("colorMarkers", ACCENT), ("colorFirst", ACCENT), ("colorLast", ACCENT),
              ("colorHigh", ACCENT), ("colorLow", ACCENT)]
    for name, rgb in colors:
        etree.SubElement(group, _x14(name)).set("rgb", argb(rgb))
    lines = etree.SubElement(group, _x14("sparklines"))
    for data, location in pairs:
        line = etree.SubElement(lines, _x14("sparkline"))
        etree.SubElement(line, _xm("f")).text = data
        etree.SubElement(line, _xm("sqref")).text = location
    return group


def _sparkline_ext(patcher: SheetPatcher, create: bool) -> etree._Element | None:
    """The x14:sparklineGroups element of the sheet (created in place if asked)."""
    ext_list = patcher.root.find(patcher.q("extLst"))
    if ext_list is not None:
        for ext in ext_list:
            if isinstance(ext.tag, str) and local(ext) == "ext" and ext.get("uri") == SPARKLINE_URI:
                groups = ext.find(_x14("sparklineGroups"))
                if groups is None and create:
                    groups = etree.SubElement(ext, _x14("sparklineGroups"), nsmap={"xm": XM_NS})
                return groups
    if not create:
        return None
    if ext_list is None:
        ext_list = insert_in_order(patcher.root, etree.Element(patcher.q("extLst")), WORKSHEET_ORDER)
    ext = etree.Element(patcher.q("ext"), nsmap={"x14": X14_NS})
    ext.set("uri", SPARKLINE_URI)
    earlier = [e for e in ext_list if isinstance(e.tag, str) and e.get("uri") in EARLIER_URIS]
    if earlier:
        earlier[-1].addnext(ext)
    else:
        ext_list.insert(0, ext)
    return etree.SubElement(ext, _x14("sparklineGroups"), nsmap={"xm": XM_NS})


def add_sparklines(patcher: SheetPatcher, change: SparklineGroup) -> None:
    pairs = sparkline_pairs(patcher, change)
    wanted = build_group(change, pairs)
    groups = _sparkline_ext(patcher, create=False)
    if groups is not None:
        key = canon(wanted)
        if any(canon(g) == key for g in groups.findall(_x14("sparklineGroup"))):
            return
    groups = _sparkline_ext(patcher, create=True)
    cells = {location.upper() for _, location in pairs}
    for group in groups.findall(_x14("sparklineGroup")):
        lines = group.find(_x14("sparklines"))
        for line in (lines.findall(_x14("sparkline")) if lines is not None else []):
            if (line.findtext(_xm("sqref")) or "").strip().upper() in cells:
                lines.remove(line)
        if lines is not None and not lines.findall(_x14("sparkline")):
            groups.remove(group)
    groups.append(wanted)
    patcher.touch()
