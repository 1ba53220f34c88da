"""Parts the writer serialised from its trees (package.Serialised: a
sheet whose cells it set) are read back and compared by the integrity
check, which then checks the tree instead of parsing the part again. These
tests show the check's verdict so is the one it gives parsing (or, for a
big part, streaming) every part: for a sound write, a format out of range
and elements lost; and that a part read back other than serialised, or a
tree put anew after it was serialised, is not taken for the part.
"""
from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from kpi_xl.plan import Plan
from kpi_xl.xlsx import big_sheet, integrity, writer
from kpi_xl.xlsx.package import MAIN_NS, Package, Serialised, serialize
from tests.test_xlsx_support import build_package, sheet_xml

ROWS = 60
PART = "xl/worksheets/sheet1.xml"


def _book(tmp_path):
    body = "".join(f'<row r="{r}"><c r="A{r}" s="1"><v>{r}</v></c><c r="B{r}"><v>{r * 2}</v></c></row>'
                   for r in range(1, ROWS + 1))
    merged = '<mergeCells count="1"><mergeCell ref="D1:E1"/></mergeCells>'
    return build_package(tmp_path / "book.xlsx", {"Data": sheet_xml(body, merged), "Notes": sheet_xml("")})


def _written(tmp_path, edit=None):
    """The book with column C set by formulas, its sheet a tree; ``edit``
    changes that tree before it is serialised (as a faulty writer would)."""
    path = _book(tmp_path)
    pkg = Package.open(path)
    plan = Plan()
    for r in range(1, ROWS + 1):
        plan.set("Data", f"C{r}", r * 3, formula=f"A{r}+B{r}")
    writer.build_changes(pkg, plan)
    if edit is not None:
        edit(pkg.new[PART])
    changed, added, removed, contents = pkg.changes()
    out = tmp_path / "out.xlsx"
    pkg.save(out, contents, removed)
    return path, pkg, out, changed + added


def _cells(root):
    return list(root.iter(f"{{{MAIN_NS}}}c"))


def _style_out_of_range(root):
    _cells(root)[7].set("s", "999")


def _row_lost(root):
    data = root.find(f"{{{MAIN_NS}}}sheetData")
    data.remove(data[5])


@pytest.mark.parametrize("edit, expected", [
    (None, []),
    (_style_out_of_range, ["sheet 'Data': c B3 s=999 is out of range"]),
    (_row_lost, ["sheet 'Data' lost 1 <row>"]),
])
@pytest.mark.parametrize("streamed", [False, True])
def test_the_check_reading_trees_finds_what_parsing_every_part_finds(tmp_path, monkeypatch, edit, expected,
                                                                    streamed):
    path, pkg, out, deep = _written(tmp_path, edit)
    try:
        if streamed:  # the written sheet is one the check streams when it has no tree
            monkeypatch.setattr(big_sheet, "BIG_PART", 1000)
        assert isinstance(pkg.serialised[PART], Serialised)
        snap = integrity._Snapshot(out, set(deep), integrity._made_parts(pkg))
        try:
            integrity.problems_of(snap)
            assert PART in snap.trees and not snap.is_big(PART)
        finally:
            snap.close()
        with_trees = integrity.check_package(out, before=pkg, parts=deep)
        parsing_all = integrity.check_package(out, before=path)
        assert with_trees == parsing_all
        assert len(with_trees) == len(expected)
        for found, start in zip(with_trees, expected):
            assert found.startswith(start), found
    finally:
        pkg.close()


def test_the_trees_known_are_the_changed_parts_with_their_bytes(tmp_path):
    _, pkg, _, deep = _written(tmp_path)
    try:
        assert PART in deep and set(pkg.serialised) <= set(pkg.new)
        for name, ser in pkg.serialised.items():
            assert ser.root is pkg.new[name]
            assert ser() == serialize(ser.root, pkg._standalone.get(name, True))
    finally:
        pkg.close()


def test_a_part_read_back_other_than_serialised_is_a_fault(tmp_path):
    _, pkg, out, deep = _written(tmp_path)
    try:
        pkg.serialised[PART]._data += b" "  # as if the part written were other bytes than these
        found = integrity.check_package(out, before=pkg, parts=deep)
        assert found == [f"part {PART} is not the bytes kpi-xl made for it"]
    finally:
        pkg.close()


def test_a_tree_put_anew_after_it_was_serialised_is_not_taken_for_the_part(tmp_path):
    pkg = _written(tmp_path)[1]
    try:
        assert PART in integrity._made_parts(pkg)
        pkg.put_xml(PART, etree.fromstring(etree.tostring(pkg.new[PART])))
        assert PART not in integrity._made_parts(pkg)
    finally:
        pkg.close()


def _counts_one_by_one(root, managed=()):
    """element_counts as it was written first: one row and one cell at a time."""
    ns = etree.QName(root).namespace
    counts = Counter([root.tag])
    for child in root:
        if not isinstance(child.tag, str):
            continue
        if child.tag == f"{{{ns}}}sheetData":
            counts[child.tag] += 1
            for row in child:
                if isinstance(row.tag, str):
                    counts[row.tag] += 1
                    counts.update(c.tag for c in row if isinstance(c.tag, str))
            continue
        counts.update(el.tag for el in child.iter() if isinstance(el.tag, str))
    return counts


PIECES = st.sampled_from(['<c r="A1"><v>1</v></c>', '<c r="B1" t="s"><v>0</v></c>', "<!-- note -->",
                          '<c r="C1"><f>A1</f></c>', "<?pi x?>", "<extLst/>"])
ROW = st.lists(PIECES, max_size=5).map(lambda items: '<row r="1">' + "".join(items) + "</row>")
IN_DATA = st.one_of(ROW, st.sampled_from(["<!-- between rows -->", "<odd><c/></odd>"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(IN_DATA, max_size=8), st.sampled_from(["", '<mergeCells><mergeCell ref="A1:B1"/></mergeCells>']))
def test_element_counts_counts_as_counting_one_by_one(inside, after):
    root = etree.fromstring(sheet_xml("".join(inside), after).encode())
    assert integrity.element_counts(root) == _counts_one_by_one(root)


def test_the_writer_counts_the_sheet_as_parsed_before_it_changes_it(tmp_path):
    """The counts the check compares the written sheet with (the writer's,
    made when it parsed the sheet) are the original part's, though the tree
    they were counted from now holds the cells written."""
    path, pkg, out, deep = _written(tmp_path)
    try:
        counted = pkg.original_counts[PART]
        with Package.open(path) as fresh:
            original = fresh.xml(PART)
            assert counted.of(()) == integrity.element_counts(original)
            assert counted.of({"D1:E1"}) == integrity.element_counts(original, {"D1:E1"})
        assert counted.of(()) != integrity.element_counts(pkg.new[PART])  # the cells in column C
    finally:
        pkg.close()
