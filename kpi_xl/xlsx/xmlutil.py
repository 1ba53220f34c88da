"""Small lxml helpers shared by the part modules."""
from __future__ import annotations

from lxml import etree

from kpi_xl.xlsx.namespaces import MAIN_NS, MC_NS


def local(el: etree._Element) -> str:
    """Local name of an element ('' for comments and processing instructions)."""
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def canon(el: etree._Element) -> tuple:
    """A comparable form of an element: tag, attributes (any order), text
    (whitespace-only text ignored) and children, recursively."""
    text = (el.text or "")
    if not text.strip():
        text = ""
    return (el.tag, tuple(sorted(el.attrib.items())), text,
            tuple(canon(c) for c in el if isinstance(c.tag, str)))


def order_name(el: etree._Element) -> str:
    """The schema name an element stands for; mc:AlternateContent stands for
    what its first choice holds (Excel wraps controls and oleObjects in it)."""
    if not isinstance(el.tag, str):
        return ""
    if el.tag == f"{{{MC_NS}}}AlternateContent":
        for branch in el:
            for inner in branch if isinstance(branch.tag, str) else []:
                if isinstance(inner.tag, str):
                    return local(inner)
        return ""
    return local(el)


def insert_in_order(parent: etree._Element, new: etree._Element, order: tuple[str, ...]) -> etree._Element:
    """Insert ``new`` among ``parent``'s children where the schema's sequence
    ``order`` puts it: after every child that comes before it or is of the
    same kind, before the first that comes after it. Unknown children stay
    where they are."""
    rank = {name: i for i, name in enumerate(order)}
    mine = rank[local(new)]
    children = list(parent)
    position = 0
    for i, child in enumerate(children):
        name = order_name(child)
        if name in rank and rank[name] <= mine:
            position = i + 1
    if position == 0:
        # Nothing earlier in the sequence: go before the first later sibling.
        for i, child in enumerate(children):
            name = order_name(child)
            if name in rank and rank[name] > mine:
                position = i
                break
        else:
            position = len(children)
    parent.insert(position, new)
    return new


def find_child(parent: etree._Element, name: str) -> etree._Element | None:
    """First child with local name ``name`` (in parent's namespace)."""
    ns = etree.QName(parent).namespace
    return parent.find(f"{{{ns}}}{name}" if ns else name)


def place_after(parent: etree._Element, anchor: etree._Element | None,
                new: etree._Element) -> None:
    """Put ``new`` right after ``anchor``; without one, last but before any
    extLst (which the schema keeps at the end)."""
    if anchor is not None:
        anchor.addnext(new)
        return
    ext = next((c for c in parent if isinstance(c.tag, str) and local(c) == "extLst"), None)
    if ext is not None:
        ext.addprevious(new)
    else:
        parent.append(new)


def xf_numbers(styles: etree._Element, attribute: str) -> list[int]:
    """``attribute`` ("numFmtId", "fillId") of each cell format (cellXfs
    order); 0 where it is missing or not a number, as Excel reads it."""
    numbers = []
    for xf in styles.iterfind(f"{{{MAIN_NS}}}cellXfs/{{{MAIN_NS}}}xf"):
        try:
            numbers.append(int(xf.get(attribute, "0")))
        except ValueError:
            numbers.append(0)
    return numbers
