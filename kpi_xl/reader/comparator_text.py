"""Comparator figures written together in one cell.

Some councils give their benchmarks in a single "Comparators" column, each
cell naming its figures: "WM – 17.6% Eng – 16.1%" (Wolverhampton's
scorecard: West Midlands and England), "England 21%, SN 19.5%". Each label
is read as the comparator column headers are (``detect.role_of_label``),
with the regions' short forms ("WM", "NW", "Y&H") besides; a cell that
names none ("Local Indicator") gives none.
"""
from __future__ import annotations

import re

from ..values import Reading, parse_value
from .detect import role_of_label  # the header words name the kinds in a cell too

# label, then a dash, colon or space, then a figure ("17.6%", "1,234", "13.6")
_PAIR = re.compile(r"(?P<label>[A-Za-z][A-Za-z&'./ ]{0,40}?)\s*(?:[-–—:=]\s*|\s)"
                   r"(?P<value>-?\d[\d,]*(?:\.\d+)?\s*%?)")
_REGION_SHORT = {"wm", "em", "nw", "ne", "se", "sw", "yh", "y&h", "eoe", "ee", "ldn", "yorks", "ne&c"}
_MAX_CHARS = 300  # a comparators cell is a line or two, not prose


def comparators_in_text(value: object) -> dict[str, Reading]:
    """Comparator kind ("region", "england", "sn", "ofsted_good") -> its
    figure, for each labelled figure in the cell's text (the first of a kind)."""
    if not isinstance(value, str):
        return {}
    found: dict[str, Reading] = {}
    for match in _PAIR.finditer(value[:_MAX_CHARS]):
        label = " ".join(match.group("label").split()).strip(" .")
        role = role_of_label(label) or ("comparator:region" if label.lower() in _REGION_SHORT else None)
        if role is None or not role.startswith("comparator:"):
            continue
        reading = parse_value(match.group("value").replace(" ", ""))
        if reading.is_number:
            found.setdefault(role.split(":", 1)[1], reading)
    return found
