"""Dropping the parts only a regenerated sheet refers to: the referrers are
found once, and the parts dropped are the ones the earlier writer dropped,
which found them again on every part it visited (kept verbatim below)."""
from __future__ import annotations

import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_xl.xlsx.package import Package
from kpi_xl.xlsx.writer import WriteContext

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/x"


def reference_drop(ctx, part: str, _seen: set[str] | None = None) -> None:
    seen = _seen if _seen is not None else set()
    seen.add(part.lower())
    refs = ctx.referrers()
    rels = ctx.pkg.rels(part)
    for rel in list(rels):
        target = rels.target_part(rel)
        if not target or target.lower() in seen or not ctx.pkg.exists(target):
            continue
        if refs.get(target.lower(), set()) - {part}:
            continue  # something else uses it too
        reference_drop(ctx, target, seen)
        ctx.pkg.remove(target)
    ctx.pkg.drop_rels(part)


def _book(path, nodes: int, edges: list[tuple[int, int, bool]]) -> None:
    """Parts xl/p/n0.xml ... with relationships ``edges`` (source, target,
    target spelled in capitals); n0 is the part whose dependents are dropped."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml",
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="xml" ContentType="application/xml"/></Types>')
        for n in range(nodes):
            z.writestr(f"xl/p/n{n}.xml", "<x/>")
            mine = [(t, caps) for s, t, caps in edges if s == n]
            if mine:
                rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}" Target="{"N" if caps else "n"}{t}.xml"/>'
                               for i, (t, caps) in enumerate(mine, start=1))
                z.writestr(f"xl/p/_rels/n{n}.xml.rels",
                           '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                           f"{rels}</Relationships>")


def _dropped(path, drop) -> tuple[set[str], list[str]]:
    pkg = Package(path)
    try:
        ctx = object.__new__(WriteContext)  # only the package is needed to drop parts
        ctx.pkg = pkg
        drop(ctx, "xl/p/n0.xml")
        return set(pkg.removed), sorted(pkg.new)
    finally:
        pkg.close()


NODES = 7
EDGES = st.lists(st.tuples(st.integers(0, NODES - 1), st.integers(0, NODES - 1), st.booleans()),
                 max_size=14, unique_by=lambda e: e[:2])


@settings(max_examples=200, deadline=None)
@given(EDGES)
def test_drops_what_the_earlier_writer_dropped(tmp_path_factory, edges):
    path = tmp_path_factory.mktemp("drop") / "book.xlsx"
    _book(path, NODES, edges)
    assert _dropped(path, WriteContext.drop_dependents) == _dropped(path, reference_drop)


def test_a_part_still_used_elsewhere_is_kept(tmp_path):
    # n0 -> n1 -> n3, n4 -> n3 (another part uses n3); n0 -> n2 and n1 -> n2:
    # n0's visit began while n1 still referred to n2, so n2 stays, as it did
    path = tmp_path / "book.xlsx"
    _book(path, 5, [(0, 1, False), (1, 3, False), (0, 2, False), (4, 3, False), (1, 2, False)])
    removed, _ = _dropped(path, WriteContext.drop_dependents)
    assert removed == {"xl/p/n1.xml", "xl/p/_rels/n1.xml.rels", "xl/p/_rels/n0.xml.rels"}
