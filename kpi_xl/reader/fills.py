"""Ratings shown only by a cell's fill colour.

Many councils colour the RAG cell red, amber or green and type nothing in
it. That is still a published rating, and where it disagrees with the rule
the check must say so. Only a RAG column holding no text at all is read
this way (a rating typed in the cell always wins), and only solid fills
whose colour is plainly red, amber (or yellow) or green: a grey, a pale
tint or a colour between two hues says nothing.

The colour of a fill is its pattern's foreground: an RGB value, a theme
colour with its tint, or one of the 64 indexed colours.
"""
from __future__ import annotations

import colorsys
import re

from lxml import etree

from ..xlsx.namespaces import MAIN_NS
from ..xlsx.xmlutil import xf_numbers

_M = "{%s}" % MAIN_NS
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
# The theme's colours in the order a fill's theme="n" counts them.
_THEME_ORDER = ("lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4", "accent5",
                "accent6", "hlink", "folHlink")
_CELL = re.compile(rb"<c\b([^>]*)>|<c\b([^>]*)/>")
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_STYLE = re.compile(rb'\bs="(\d+)"')


def rag_of_rgb(rgb: str) -> str | None:
    """"RED", "AMBER" or "GREEN" for a fill colour ("FFC00000", "00B050"), or None."""
    rgb = rgb[-6:]
    try:
        red, green, blue = (int(rgb[i:i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return None
    hue, lightness, saturation = colorsys.rgb_to_hls(red, green, blue)
    if saturation < 0.35 or not 0.15 <= lightness <= 0.95:
        return None  # grey, white, black, or a tint too pale to say
    degrees = hue * 360
    if degrees < 12 or degrees >= 340:
        return "RED"
    if 20 <= degrees <= 62:
        return "AMBER"  # orange, amber and yellow all mean amber on a scorecard
    if 70 <= degrees <= 170:
        return "GREEN"
    return None


def with_tint(rgb: str, tint: float) -> str:
    """A theme colour lightened (tint > 0) or darkened (tint < 0), as Excel does."""
    red, green, blue = (int(rgb[i:i + 2], 16) / 255 for i in (0, 2, 4))
    hue, lightness, saturation = colorsys.rgb_to_hls(red, green, blue)
    lightness = lightness * (1 + tint) if tint < 0 else lightness * (1 - tint) + tint
    return "".join(f"{round(c * 255):02X}" for c in colorsys.hls_to_rgb(hue, lightness, saturation))


def theme_colours(theme: etree._Element | None) -> list[str]:
    """RGB of each theme colour, in the order fills count them."""
    if theme is None:
        return []
    scheme = theme.find(f"{_A}themeElements/{_A}clrScheme")
    if scheme is None:
        return []
    by_name = {}
    for child in scheme:
        name = etree.QName(child).localname
        colour = child[0] if len(child) else None
        if colour is None:
            continue
        value = colour.get("val") if etree.QName(colour).localname == "srgbClr" else colour.get("lastClr")
        if value:
            by_name[name] = value
    return [by_name.get(name, "") for name in _THEME_ORDER]


def fill_ratings(styles: etree._Element, theme: etree._Element | None) -> list[str | None]:
    """The rating each cell format's fill shows (cellXfs order), or None."""
    themes = theme_colours(theme)
    fills = []
    for fill in styles.iterfind(f"{_M}fills/{_M}fill"):
        pattern = fill.find(f"{_M}patternFill")
        colour = pattern.find(f"{_M}fgColor") if pattern is not None else None
        solid = pattern is not None and pattern.get("patternType") == "solid"
        fills.append(_rating_of_colour(colour, themes) if solid and colour is not None else None)
    return [fills[index] if 0 <= index < len(fills) else None for index in xf_numbers(styles, "fillId")]


def _rating_of_colour(colour: etree._Element, themes: list[str]) -> str | None:
    rgb = colour.get("rgb")
    if rgb is None and colour.get("theme", "").isdigit():
        index = int(colour.get("theme"))
        base = themes[index] if index < len(themes) else ""
        if not base:
            return None
        try:
            rgb = with_tint(base, float(colour.get("tint", "0")))
        except ValueError:
            return None
    if rgb is None and colour.get("indexed", "").isdigit():
        from openpyxl.styles.colors import COLOR_INDEX  # the 64 indexed colours; rarely needed

        index = int(colour.get("indexed"))
        rgb = COLOR_INDEX[index] if index < len(COLOR_INDEX) else None
    return rag_of_rgb(rgb) if rgb else None


def styles_in_column(sheet: bytes, letters: str, rows: set[int]) -> dict[int, int]:
    """Row -> the s= of the cell of column ``letters`` in each of ``rows``
    (cells with no s= are left out)."""
    wanted = letters.encode("ascii")
    found = {}
    for match in _CELL.finditer(sheet):
        attributes = match.group(1) or match.group(2)
        ref = _REF.search(attributes)
        if ref is None or ref.group(1) != wanted:
            continue
        row = int(ref.group(2))
        style = _STYLE.search(attributes)
        if row in rows and style is not None:
            found[row] = int(style.group(1))
    return found
