"""styles.xml: derive cell formats and differential formats, append only.

Existing indices never move: cells all over the workbook point at them.
An entry identical to one already present is reused, so applying the same
plan twice adds nothing the second time.
"""
from __future__ import annotations

import copy

from lxml import etree

from kpi_xl.errors import WriteError
from kpi_xl.plan import Style
from kpi_xl.xlsx.namespaces import CT_STYLES, MAIN_NS, REL_STYLES
from kpi_xl.xlsx.package import Package
from kpi_xl.xlsx.xmlutil import canon, insert_in_order, local, place_after

STYLESHEET_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles",
                    "dxfs", "tableStyles", "colors", "extLst")
FONT_ORDER = ("b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz",
              "color", "name", "family", "charset", "scheme")
XF_ORDER = ("alignment", "protection", "extLst")
DXF_ORDER = ("font", "numFmt", "fill", "alignment", "protection", "border", "extLst")

# Built-in number formats whose meaning does not depend on the locale.
BUILTIN_NUMFMTS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10,
                   "0.00E+00": 11, "# ?/?": 12, "# ??/??": 13, "##0.0E+0": 48, "@": 49}
FIRST_CUSTOM_NUMFMT = 164

MINIMAL_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/></styleSheet>""".encode()


def argb(rgb: str) -> str:
    """'FFC7CE' -> 'FFFFC7CE' (Excel stores alpha first)."""
    value = rgb.strip().lstrip("#").upper()
    if len(value) == 6:
        return "FF" + value
    if len(value) == 8:
        return value
    raise WriteError(f"colour {rgb!r} is not a 6-digit RGB hex like FFC7CE")


def rgb_of(color: etree._Element | None):
    """A comparable description of a <color>/<fgColor>/<bgColor> element."""
    if color is None:
        return None
    if color.get("rgb"):
        value = color.get("rgb").upper()
        return value[-6:]
    for key in ("theme", "indexed", "auto"):
        if color.get(key) is not None:
            return (key, color.get(key), color.get("tint"))
    return None


def style_look(style: Style) -> tuple:
    """What a differential format built from ``style`` looks like."""
    return (style.fill.upper().lstrip("#")[-6:] if style.fill else None,
            style.font_color.upper().lstrip("#")[-6:] if style.font_color else None,
            bool(style.bold), bool(style.italic))


def _on(el: etree._Element | None) -> bool:
    return el is not None and el.get("val", "1").lower() not in ("0", "false")


class Styles:
    """The workbook's stylesheet, with append-only derivation of formats."""

    def __init__(self, pkg: Package, workbook_part: str):
        self.pkg = pkg
        rels = pkg.rels(workbook_part)
        found = rels.by_type(REL_STYLES)
        if found:
            self.part = rels.target_part(found[0])
        else:
            self.part = "xl/styles.xml" if not pkg.exists("xl/styles.xml") else pkg.unused_name("xl/styles%d.xml")
            pkg.put_bytes(self.part, MINIMAL_STYLES, CT_STYLES)
            rels.add(REL_STYLES, self.part)
        self.root = pkg.xml(self.part)
        self.ns = etree.QName(self.root).namespace or MAIN_NS
        self._cache: dict[str, tuple] = {}
        self._derived: dict[tuple, int] = {}

    # -- basics
    def _q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def section(self, name: str, create: bool = True) -> etree._Element | None:
        el = self.root.find(self._q(name))
        if el is None and create:
            el = etree.Element(self._q(name))
            el.set("count", "0")
            insert_in_order(self.root, el, STYLESHEET_ORDER)
        return el

    def items(self, section: str, tag: str) -> list[etree._Element]:
        el = self.section(section, create=False)
        return [] if el is None else el.findall(self._q(tag))

    def _changed(self) -> None:
        self.pkg.put_xml(self.part, self.root)

    def _index(self, section: str, tag: str) -> tuple[list[etree._Element], list[tuple], dict[tuple, int]]:
        """The entries of a section with their comparable forms (cached: only
        this class appends to them)."""
        if section not in self._cache:
            existing = self.items(section, tag)
            keys = [canon(el) for el in existing]
            first: dict[tuple, int] = {}
            for i, key in enumerate(keys):
                first.setdefault(key, i)
            self._cache[section] = (existing, keys, first)
        return self._cache[section]

    def _append(self, section: str, tag: str, item: etree._Element, *, keep: int | None = None) -> int:
        """Index of ``item`` in a section: ``keep`` when that entry is already
        identical, else the first identical entry, else appended."""
        existing, keys, first = self._index(section, tag)
        key = canon(item)
        if keep is not None and 0 <= keep < len(existing) and keys[keep] == key:
            return keep
        if key in first:
            return first[key]
        existing, keys = list(existing), list(keys)
        parent = self.section(section)
        place_after(parent, existing[-1] if existing else None, item)
        parent.set("count", str(len(existing) + 1))
        existing.append(item)
        keys.append(key)
        first[key] = len(existing) - 1
        self._cache[section] = (existing, keys, first)
        self._changed()
        return len(existing) - 1

    def cell_xf_count(self) -> int:
        return len(self.items("cellXfs", "xf"))

    def dxf_count(self) -> int:
        return len(self.items("dxfs", "dxf"))

    # -- number formats
    def num_fmt_id(self, code: str) -> int:
        for el in self.items("numFmts", "numFmt"):
            if el.get("formatCode") == code:
                return int(el.get("numFmtId"))
        if code in BUILTIN_NUMFMTS:
            return BUILTIN_NUMFMTS[code]
        used = [int(el.get("numFmtId", "0")) for el in self.items("numFmts", "numFmt")]
        new_id = max([FIRST_CUSTOM_NUMFMT - 1] + used) + 1
        el = etree.Element(self._q("numFmt"))
        el.set("numFmtId", str(new_id))
        el.set("formatCode", code)
        self._append("numFmts", "numFmt", el)
        return new_id

    # -- fonts, fills, borders
    def _font(self, base_id: int, style: Style) -> int:
        fonts = self.items("fonts", "font")
        base = fonts[base_id] if 0 <= base_id < len(fonts) else (fonts[0] if fonts else None)
        font = copy.deepcopy(base) if base is not None else etree.Element(self._q("font"))
        font.tail = None
        if style.bold is not None:
            self._set_flag(font, "b", style.bold)
        if style.italic is not None:
            self._set_flag(font, "i", style.italic)
        if style.font_size is not None:
            self._set_val(font, "sz", _number(style.font_size))
        if style.font_color is not None:
            for old in font.findall(self._q("color")):
                font.remove(old)
            color = etree.Element(self._q("color"))
            color.set("rgb", argb(style.font_color))
            insert_in_order(font, color, FONT_ORDER)
        return self._append("fonts", "font", font, keep=base_id)

    def _set_flag(self, font: etree._Element, tag: str, on: bool) -> None:
        for old in font.findall(self._q(tag)):
            font.remove(old)
        if on:
            insert_in_order(font, etree.Element(self._q(tag)), FONT_ORDER)

    def _set_val(self, font: etree._Element, tag: str, val: str) -> None:
        el = font.find(self._q(tag))
        if el is None:
            el = etree.Element(self._q(tag))
            insert_in_order(font, el, FONT_ORDER)
        el.set("val", val)

    def _fill(self, rgb: str) -> int:
        fill = etree.Element(self._q("fill"))
        pattern = etree.SubElement(fill, self._q("patternFill"))
        pattern.set("patternType", "solid")
        etree.SubElement(pattern, self._q("fgColor")).set("rgb", argb(rgb))
        etree.SubElement(pattern, self._q("bgColor")).set("indexed", "64")
        return self._append("fills", "fill", fill)

    def _border(self, base_id: int) -> int:
        borders = self.items("borders", "border")
        base = borders[base_id] if 0 <= base_id < len(borders) else None
        border = etree.Element(self._q("border"))
        if base is not None:
            for key, value in base.attrib.items():
                border.set(key, value)
        for side in ("left", "right", "top", "bottom"):
            el = etree.SubElement(border, self._q(side))
            el.set("style", "thin")
            etree.SubElement(el, self._q("color")).set("indexed", "64")
        kept = [c for c in (base if base is not None else []) if isinstance(c.tag, str)
                and local(c) not in ("left", "right", "top", "bottom", "start", "end")]
        for child in kept:
            border.append(copy.deepcopy(child))
        if not any(local(c) == "diagonal" for c in kept):
            diag = etree.Element(self._q("diagonal"))
            border.find(self._q("bottom")).addnext(diag)
        return self._append("borders", "border", border, keep=base_id)

    # -- cell formats
    def derive_xf(self, base_index: int, style: Style, *, quote_prefix: bool = False) -> int:
        """The cellXfs index of the base format with ``style`` applied over it
        (only the attributes ``style`` sets change)."""
        memo = (base_index, style, quote_prefix)
        if memo in self._derived:
            return self._derived[memo]
        self._derived[memo] = index = self._derive_xf(base_index, style, quote_prefix)
        return index

    def _derive_xf(self, base_index: int, style: Style, quote_prefix: bool) -> int:
        xfs = self.items("cellXfs", "xf")
        if not xfs:
            raise WriteError("styles.xml has no cell formats (cellXfs)")
        base = xfs[base_index] if 0 <= base_index < len(xfs) else xfs[0]
        keep = base_index if 0 <= base_index < len(xfs) else 0
        xf = copy.deepcopy(base)
        xf.tail = None
        if style.number_format is not None:
            xf.set("numFmtId", str(self.num_fmt_id(style.number_format)))
            xf.set("applyNumberFormat", "1")
        if any(v is not None for v in (style.bold, style.italic, style.font_color, style.font_size)):
            xf.set("fontId", str(self._font(int(base.get("fontId", "0")), style)))
            xf.set("applyFont", "1")
        if style.fill is not None:
            xf.set("fillId", str(self._fill(style.fill)))
            xf.set("applyFill", "1")
        if style.border is not None:
            xf.set("borderId", str(self._border(int(base.get("borderId", "0")))))
            xf.set("applyBorder", "1")
        if any(v is not None for v in (style.horizontal, style.vertical, style.wrap)):
            align = xf.find(self._q("alignment"))
            if align is None:
                align = etree.Element(self._q("alignment"))
                insert_in_order(xf, align, XF_ORDER)
            if style.horizontal is not None:
                align.set("horizontal", style.horizontal)
            if style.vertical is not None:
                align.set("vertical", style.vertical)
            if style.wrap is not None:
                if style.wrap:
                    align.set("wrapText", "1")
                else:
                    align.attrib.pop("wrapText", None)
            xf.set("applyAlignment", "1")
        if quote_prefix:
            xf.set("quotePrefix", "1")
        return self._append("cellXfs", "xf", xf, keep=keep)

    def unlocked(self, index: int) -> bool:
        """The format leaves the cell editable when the sheet is protected."""
        xfs = self.items("cellXfs", "xf")
        if not 0 <= index < len(xfs):
            return False
        protection = xfs[index].find(self._q("protection"))
        return protection is not None and protection.get("locked") in ("0", "false")

    def quote_prefixed(self, index: int) -> bool:
        xfs = self.items("cellXfs", "xf")
        return 0 <= index < len(xfs) and xfs[index].get("quotePrefix") in ("1", "true")

    # -- differential formats (conditional formatting)
    def dxf_index(self, style: Style) -> int:
        dxf = etree.Element(self._q("dxf"))
        if style.bold or style.italic or style.font_color:
            font = etree.SubElement(dxf, self._q("font"))
            if style.bold:
                etree.SubElement(font, self._q("b"))
            if style.italic:
                etree.SubElement(font, self._q("i"))
            if style.font_color:
                etree.SubElement(font, self._q("color")).set("rgb", argb(style.font_color))
        if style.fill:
            fill = etree.SubElement(dxf, self._q("fill"))
            pattern = etree.SubElement(fill, self._q("patternFill"))
            etree.SubElement(pattern, self._q("bgColor")).set("rgb", argb(style.fill))
        return self._append("dxfs", "dxf", dxf)

    def dxf_look(self, index: int) -> tuple | None:
        """(fill, font colour, bold, italic) of a differential format, for
        telling whether an existing rule looks like one we would write."""
        dxfs = self.items("dxfs", "dxf")
        if not 0 <= index < len(dxfs):
            return None
        dxf = dxfs[index]
        font = dxf.find(self._q("font"))
        pattern = dxf.find(f"{self._q('fill')}/{self._q('patternFill')}")
        fill = None
        if pattern is not None:
            fill = rgb_of(pattern.find(self._q("bgColor")))
            if fill is None and pattern.get("patternType") == "solid":
                fill = rgb_of(pattern.find(self._q("fgColor")))
        color = rgb_of(font.find(self._q("color"))) if font is not None else None
        bold = _on(font.find(self._q("b"))) if font is not None else False
        italic = _on(font.find(self._q("i"))) if font is not None else False
        return (fill, color, bold, italic)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
