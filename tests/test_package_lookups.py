"""The package's fast lookups give what the plain ones gave: relationship
targets as ``posixpath.relpath`` makes them and resolved as
``posixpath.normpath`` resolves them, content types as the first matching
Override, else the first matching Default."""
from __future__ import annotations

import posixpath
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_xl.xlsx.package import Package, relative_target, resolve_target

SEGMENT = st.sampled_from(["xl", "worksheets", "charts", "drawings", "_rels", "media", "a b", "x.y"])
PART = st.builds(lambda folders, name: "/".join(folders + [name]),
                 st.lists(SEGMENT, max_size=3), st.sampled_from(["chart1.xml", "sheet2.xml", "image.png", "x"]))


@settings(max_examples=300, deadline=None)
@given(PART, PART)
def test_relative_target_is_relpath(source, part):
    assert relative_target(source, part) == posixpath.relpath(part, posixpath.dirname(source) or ".")


TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="rels-type"/>'
         '<Override PartName="/xl/workbook.xml" ContentType="book-type"/>'
         '<Default Extension="XML" ContentType="xml-type"/>'
         '<Default Extension="xml" ContentType="second-xml-type"/>'
         '<Default Extension="png" ContentType="png-type"/></Types>')


PIECE = st.sampled_from(["", ".", "..", "/", "//", "xl", "charts", "chart1.xml", "a b"])
PATH = st.lists(PIECE, max_size=6).map("/".join)


@settings(max_examples=500, deadline=None)
@given(PATH, PATH)
def test_resolve_target_is_normpath(source, target):
    """The folder resolved once (cached) and the name put after it is the
    whole target normalised, for any spelling of either."""
    if target.startswith("/"):
        expected = posixpath.normpath(target.lstrip("/"))
    else:
        expected = posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
    assert resolve_target(source, target) == expected


def test_content_type_override_then_first_default(tmp_path):
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", TYPES)
        z.writestr("xl/workbook.xml", "<workbook/>")
    pkg = Package(path)
    try:
        assert pkg.content_type("xl/workbook.xml") == "book-type"
        assert pkg.content_type("xl/charts/chart1.xml") == "xml-type"
        assert pkg.content_type("xl/media/A.PNG") == "png-type"
        assert pkg.content_type("xl/vbaProject.bin") is None
        pkg.put_bytes("xl/charts/chart1.xml", b"<c/>", "chart-type")
        assert pkg.content_type("xl/charts/chart1.xml") == "chart-type"
        assert pkg.content_type("xl/charts/chart2.xml") == "xml-type"
    finally:
        pkg.close()


def test_parts_put_all_at_once_are_the_parts_put_one_by_one(tmp_path):
    """put_all_bytes is put_bytes for each part in turn: the same parts, the
    same content types in the same order (an override already there kept in
    its place, one of another type changed), the types part changed once."""
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", TYPES.replace(
            "</Types>", '<Override PartName="/xl/charts/chart3.xml" ContentType="chart-type"/>'
                        '<Override PartName="/xl/charts/chart5.xml" ContentType="old-type"/></Types>'))
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/charts/chart4.xml", "<c/>")
    parts = [(f"xl/charts/chart{n}.xml", f"<c n='{n}'/>".encode()) for n in range(1, 7)]
    made = []
    for way in ("one by one", "all at once"):
        pkg = Package(path)
        try:
            if way == "one by one":
                for name, data in parts:
                    pkg.put_bytes(name, data, "chart-type")
            else:
                pkg.put_all_bytes(iter(parts), "chart-type")
            made.append((pkg.changes(), list(pkg.new)))
        finally:
            pkg.close()
    assert made[0] == made[1]
    changed, added, _, contents = made[1][0]
    assert changed == ["[Content_Types].xml", "xl/charts/chart4.xml"] and added == [n for n, _ in parts if n != "xl/charts/chart4.xml"]
    types = contents["[Content_Types].xml"].decode()
    assert types.index("chart3.xml") < types.index("chart5.xml") < types.index("chart1.xml")
    assert "old-type" not in types and "chart4.xml" not in types  # a part already in the package keeps its type
