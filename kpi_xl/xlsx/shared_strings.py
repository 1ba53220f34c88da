"""The shared strings table (xl/sharedStrings.xml) and text escaping.

Strings are appended, never moved: existing cells point at their index.
An identical plain string already in the table is reused.
"""
from __future__ import annotations

import re

from lxml import etree

from kpi_xl.xlsx.package import MAIN_NS, Package

XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Characters XML 1.0 cannot hold; Excel writes them as _xHHHH_.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def encode_text(text: str) -> str:
    """Text as Excel stores it: a literal '_x0041_' keeps its underscore
    escaped, control characters become _xHHHH_."""
    text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    return _INVALID_XML.sub(lambda m: "_x%04X_" % ord(m.group(0)), text)


def decode_text(text: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def needs_preserve(text: str) -> bool:
    return text != text.strip() or "\n" in text


def make_t(parent: etree._Element, text: str) -> etree._Element:
    """A <t> element holding ``text`` (namespace of ``parent``)."""
    ns = etree.QName(parent).namespace or MAIN_NS
    t = etree.SubElement(parent, f"{{{ns}}}t")
    t.text = encode_text(text)
    if needs_preserve(text):
        t.set(XML_SPACE, "preserve")
    return t


def string_item_text(si: etree._Element) -> tuple[str, bool]:
    """(text, plain) of an <si> or <is>: plain when it is a single <t>."""
    ns = etree.QName(si).namespace
    t = si.find(f"{{{ns}}}t")
    children = [c for c in si if isinstance(c.tag, str)]
    if t is not None and len(children) == 1:
        return decode_text(t.text or ""), True
    parts = [decode_text(x.text or "") for x in si.iterfind(f"{{{ns}}}r/{{{ns}}}t")]
    if t is not None:
        parts.insert(0, decode_text(t.text or ""))
    return "".join(parts), False


class SharedStrings:
    """The workbook's shared strings table, parsed only when first needed."""

    def __init__(self, pkg: Package, part: str | None):
        self.pkg = pkg
        self.part = part
        self._root: etree._Element | None = None
        self._items: list[etree._Element] = []
        self._plain: dict[str, int] = {}

    @property
    def exists(self) -> bool:
        return self.part is not None

    def _load(self) -> etree._Element:
        if self._root is None:
            assert self.part is not None
            self._root = self.pkg.xml(self.part)
            ns = etree.QName(self._root).namespace
            self._items = self._root.findall(f"{{{ns}}}si")
            for i, si in enumerate(self._items):
                text, plain = string_item_text(si)
                if plain:
                    self._plain.setdefault(text, i)
        return self._root

    def text(self, index: int) -> str | None:
        self._load()
        if 0 <= index < len(self._items):
            return string_item_text(self._items[index])[0]
        return None

    def index(self, text: str) -> int:
        """Index of ``text`` in the table, appending it when absent."""
        root = self._load()
        if text in self._plain:
            return self._plain[text]
        ns = etree.QName(root).namespace
        si = etree.Element(f"{{{ns}}}si")
        make_t(si, text)
        # After the last <si>, so before any extLst.
        if self._items:
            self._items[-1].addnext(si)
        else:
            ext = root.find(f"{{{ns}}}extLst")
            if ext is not None:
                ext.addprevious(si)
            else:
                root.append(si)
        self._items.append(si)
        self._plain[text] = len(self._items) - 1
        self._recount()
        return len(self._items) - 1

    def _recount(self) -> None:
        """uniqueCount is the number of items. count (references across the
        workbook) is only a hint to Excel; it must not be below uniqueCount."""
        root = self._root
        unique = len(self._items)
        root.set("uniqueCount", str(unique))
        if root.get("count") is not None:
            try:
                count = int(root.get("count")) + 1
            except ValueError:
                count = unique
            root.set("count", str(max(count, unique)))
        self.pkg.put_xml(self.part, root)
