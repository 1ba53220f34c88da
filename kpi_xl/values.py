"""Cell values as councils write them, parsed into a :class:`Reading`.

A figure is only ever read from what the cell states: a number, or text that
is wholly a number (with its "%", thousands commas, a footnote marker, a
provisional marker, or the second figure of a compound such as "112 (643)").
Anything else is kept as text: "about 20 children" is not 20.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

Status = Literal["number", "suppressed", "not_available", "empty", "text"]


@dataclass(frozen=True)
class Reading:
    """What one cell says, as data.

    - ``status``: "number" when a figure is stated; "suppressed" ("x", "c",
      "low", "k"); "not_available" ("Not yet available", "To be confirmed",
      "-", "N/A", "New Indicator"); "empty"; "text" for anything else (never
      guessed into a number).
    - ``value``: the figure; percentages are fractions (51% -> 0.51) whether
      written 0.51 with a % format, "51%" or "51 %". A bare 51 stays 51 with
      unit "number" (the indicator's data type may rescale it later).
    - ``unit``: "percent" or "number" (None unless status is "number").
    - ``decimals``: decimal places as published (0.806 shown "0.0%" -> 1;
      "13%" -> 0; 1876 -> 0); used to compare at the published precision.
    - ``provisional``: "(Provis)", "p", "(p)" marker present.
    - ``footnote``: a marker such as "*" in "24*".
    - ``secondary``: the second figure of a compound ("112 (643)" -> 643).
    - ``symbol``: the suppression/not-available text as written ("x").
    - ``unit_word``: a duration written after the figure ("426 days" -> "days").
    - ``note``: a remark written beside the figure ("574 (3115)" -> "3115",
      "48% (90% where recorded)" -> "90% where recorded").
    - ``figures``: for text, how many figures it states ("42 Children 20
      Families" -> 2): a cell stating several figures has no single figure.
    """

    raw: object
    status: Status
    value: float | None = None
    unit: Literal["percent", "number"] | None = None
    decimals: int | None = None
    provisional: bool = False
    footnote: str | None = None
    secondary: float | None = None
    symbol: str | None = None
    unit_word: str | None = None
    note: str | None = None
    figures: int = 0

    @property
    def is_number(self) -> bool:
        return self.status == "number" and self.value is not None


# Excel's "General" shows about 10 significant digits; more than that in a
# float's repr is binary noise (0.30000000000000004), not published precision.
MAX_DECIMALS = 10

SUPPRESSED_SYMBOLS = {"x", "c", "low", "k", "[x]", "[c]", "[low]", "[k]",
                      ":", "~"}  # older DfE releases: ":" for x, "~" for low
NOT_AVAILABLE_WORDS = {
    "not yet available", "to be confirmed", "tbc", "-", "–", "—", "n/a", "na",
    "new indicator", "not available", "z", "[z]",
    # what a returns sheet writes where a period has no figure yet (or never will)
    "data not available", "no data", "not reported", "awaiting data", "data awaited",
    "not yet due", "new measure", "annual measure", "reported annually", "..", "n.a",
}
# "<5": a small number withheld, as "x" is. It states no figure.
LESS_THAN_SUPPRESSION = re.compile(r"<\s*[0-9]+")

_NUM = r"[-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|[-+]?\.[0-9]+"
_FIGURE = rf"(?:{_NUM})(?:\s*%)?"
FIGURE = re.compile(_FIGURE)
# "112 (643)": a rate and its count, or a number and its percentage.
BRACKET_COMPOUND = re.compile(rf"(?P<a>{_FIGURE})\s*\(\s*(?P<b>{_FIGURE})\s*\)")
# "17% - 164". A dash between two bare numbers needs spaces round it, so that
# "2022-23" (a year) and "337-83" are never read as a compound.
DASH_COMPOUND = re.compile(
    rf"(?P<a>(?:{_NUM})\s*%)\s*[-–]\s*(?P<b>{_FIGURE})"
    rf"|(?P<a2>{_FIGURE})\s+[-–]\s+(?P<b2>{_FIGURE})")

PROVISIONAL_BRACKETS = re.compile(r"\(\s*(?:provis(?:ional)?\.?|prov\.?|p)\s*\)", re.I)
# "(provis – in year)": a provisional marker with a remark after it.
PROVISIONAL_REMARK = re.compile(r"\(\s*(?:provis(?:ional)?|prov)\.?\b(?P<rest>[^()]*)\)", re.I)
# A duration written after its figure: "426 days", "8 weeks".
UNIT_WORDS = re.compile(r"^(?P<figure>.+?)\s+(?P<unit>days?|weeks?|wks|hours?|hrs|months?|years?|yrs)$",
                        re.I)
# A remark in brackets after a figure: "603 days (in year)", "48% (90% where recorded)".
BRACKET_REMARK = re.compile(r"^(?P<figure>[^()]+?)\s*\((?P<note>[^()]*[A-Za-z][^()]*)\)$")
ANY_FIGURE = re.compile(r"(?<![A-Za-z0-9.])[0-9]+(?:[.,][0-9]+)*%?")
PROVISIONAL_SUFFIX = re.compile(r"(?<=[0-9%])\s*p$", re.I)  # "45p"
# "24*", and GSS's "[u]" (low reliability) after a figure: the figure stands, marked
FOOTNOTE_SUFFIX = re.compile(r"[*†‡^#]+$|(?<=[0-9%])\s*\[u\]$", re.I)


def parse_value(raw: object, number_format: str | None = None) -> Reading:
    """Parse a cell's value (as read: float, int, str, bool, None, datetime)
    with its number format ("0.0%", "General", ...). Never raises."""
    try:
        return _parse(raw, number_format)
    except Exception:  # a cell must never stop a read; keep it as text
        return Reading(raw, "text")


def _parse(raw: object, number_format: str | None) -> Reading:
    if raw is None:
        return Reading(raw, "empty")
    if isinstance(raw, bool) or isinstance(raw, (_dt.date, _dt.time, _dt.timedelta)):
        return Reading(raw, "text")
    if isinstance(raw, str):
        return _parse_known_text(raw) if type(raw) is str and len(raw) <= _SHORT_TEXT else _parse_text(raw)
    if isinstance(raw, (int, float, Decimal)) or _is_numpy_number(raw):
        return _parse_number(raw, number_format)
    return Reading(raw, "text")


def _is_numpy_number(raw: object) -> bool:
    # numpy ints are not int subclasses; avoid importing numpy to check.
    kind = type(raw).__module__
    return kind == "numpy" and hasattr(raw, "dtype") and raw.dtype.kind in "iuf"


# ---------------------------------------------------------------- numbers


def _parse_number(raw: object, number_format: str | None) -> Reading:
    value = float(raw)
    if not math.isfinite(value):
        return Reading(raw, "text")
    shows_date, unit, decimals = _format_facts(str(number_format)) if number_format else _GENERAL
    if shows_date:
        return Reading(raw, "text")  # a date shown as a date is not a figure
    if decimals is None:
        decimals = _shown_decimals(value)
    return Reading(raw, "number", value=value, unit=unit, decimals=decimals)


_GENERAL = (False, "number", None)


@lru_cache(maxsize=1024)
def _format_facts(number_format: str) -> tuple[bool, Literal["percent", "number"], int | None]:
    """What a number format says of the figure it shows: whether it shows a
    date, the unit, and the decimal places (None: as "General" shows the
    value). Cached: a workbook has a few formats and many figures."""
    section = _format_section(number_format)
    if _is_date_format(section):
        return True, "number", None
    return False, "percent" if "%" in section else "number", _format_decimals(section)


def _format_section(number_format: str | None) -> str:
    """The positive section of a number format, without literal text.

    Quoted strings, backslash escapes, [colour]/[condition] blocks and the
    padding/fill characters after "_" and "*" do not format the number.
    """
    if not number_format:
        return ""
    cleaned = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.', "", str(number_format))
    return cleaned.split(";", 1)[0]


def _is_date_format(section: str) -> bool:
    if section.strip().lower() == "general":
        return False
    return bool(re.search(r"[dmyhsDMYHS]", section.replace("E+", "").replace("E-", "")))


def _format_decimals(section: str) -> int | None:
    """Decimal places a format shows ("0.0%" -> 1, "#,##0" -> 0); None for
    "General" and formats with no digit placeholders."""
    if not re.search(r"[0#?]", section):
        return None
    match = re.search(r"[0#?,]*\.([0#?]*)", section)
    return len(match.group(1)) if match else 0


def _shown_decimals(value: float) -> int:
    """Decimal places of the value as "General" shows it (0.1943 -> 4)."""
    text = format(value, f".{MAX_DECIMALS}g")
    if "e" not in text and "n" not in text:
        # Plain notation has no trailing zeros under "g": count the fraction's
        # digits (the Decimal below gives the same, ten times slower).
        point = text.find(".")
        return 0 if point < 0 else min(len(text) - point - 1, MAX_DECIMALS)
    shown = Decimal(text).normalize()
    exponent = shown.as_tuple().exponent
    return min(-exponent, MAX_DECIMALS) if isinstance(exponent, int) and exponent < 0 else 0


# ---------------------------------------------------------------- text


_SHORT_TEXT = 200  # longer texts are not cached: a few thousand of them stay small


@lru_cache(maxsize=4096)
def _parse_known_text(raw: str) -> Reading:
    """:func:`_parse_text`, once per distinct short text (a Reading is
    frozen, so the same text's reading is shared): "x", "N/A" and names recur."""
    return _parse_text(raw)


def _parse_text(raw: str) -> Reading:
    # a no-break space and a typeset minus ("−3", pasted from a report) are plain
    text = " ".join(raw.replace("\u00a0", " ").replace("\u2212", "-").split())
    if not text:
        return Reading(raw, "empty")
    core, provisional, footnote = _strip_markers(text)
    if not core:
        return Reading(raw, "text")  # a marker alone ("*", "(p)") says nothing
    marks = {"provisional": provisional, "footnote": footnote}
    word = core.lower()
    if word in SUPPRESSED_SYMBOLS or LESS_THAN_SUPPRESSION.fullmatch(core):
        return Reading(raw, "suppressed", symbol=core, **marks)
    if word in NOT_AVAILABLE_WORDS or word.rstrip(".") in NOT_AVAILABLE_WORDS:
        return Reading(raw, "not_available", symbol=core, **marks)
    note = None
    if figures := _figures(core):
        pass
    elif match := BRACKET_REMARK.match(core):  # "603 days (in year)": the figure, with its remark
        note = match.group("note").strip()
        core = match.group("figure").strip()
        figures = _figures(core)
    unit_word = None
    if figures is None and (match := UNIT_WORDS.match(core)) and FIGURE.fullmatch(match.group("figure")):
        unit_word = match.group("unit").lower()
        figures = _figures(match.group("figure"))
    if figures is None:
        return Reading(raw, "text", figures=len(ANY_FIGURE.findall(text)), **marks)
    (value, unit, decimals), secondary = figures
    if secondary is not None and note is None:
        note = match_secondary(core)
    return Reading(raw, "number", value=value, unit=unit, decimals=decimals,
                   secondary=secondary, unit_word=unit_word, note=note, **marks)


def match_secondary(core: str) -> str | None:
    """The second figure of a compound as written ("574 (3115)" -> "3115")."""
    for pattern in (BRACKET_COMPOUND, DASH_COMPOUND):
        if match := pattern.fullmatch(core):
            return match.group("b") if match.group("b") is not None else match.group("b2")
    return None


def _strip_markers(text: str) -> tuple[str, bool, str | None]:
    """Remove provisional and footnote markers: ("45", True, "*") from "45* (p)"."""
    provisional = False
    footnote = None
    for _ in range(3):  # markers come in either order: "24* (p)", "24 (p)*"
        before = text
        if match := FOOTNOTE_SUFFIX.search(text):
            footnote = footnote or match.group(0).strip()
            text = text[:match.start()].strip()
        stripped = PROVISIONAL_BRACKETS.sub(" ", text).strip()
        stripped = PROVISIONAL_REMARK.sub(
            lambda m: f"({m.group('rest').strip(' -–—,')})" if m.group("rest").strip(" -–—,") else " ",
            stripped).strip()
        stripped = PROVISIONAL_SUFFIX.sub("", stripped).strip()
        if stripped != text:
            provisional, text = True, stripped
        if text == before:
            break
    return " ".join(text.split()), provisional, footnote


def _figures(core: str) -> tuple[tuple[float, str, int], float | None] | None:
    """The figure (and second figure of a compound) when ``core`` is wholly
    a number or a recognised compound; None otherwise."""
    if FIGURE.fullmatch(core):
        return _figure(core), None
    for pattern in (BRACKET_COMPOUND, DASH_COMPOUND):
        match = pattern.fullmatch(core)
        if match:
            first = match.group("a") if match.group("a") is not None else match.group("a2")
            second = match.group("b") if match.group("b") is not None else match.group("b2")
            return _figure(first), _figure(second)[0]
    return None


def _figure(text: str) -> tuple[float, str, int]:
    """(value, unit, decimals) of one figure: "51.5%" -> (0.515, "percent", 1)."""
    percent = text.endswith("%")
    digits = text.rstrip("%").strip().replace(",", "")
    number = Decimal(digits)
    decimals = len(digits.partition(".")[2])
    value = float(number / 100) if percent else float(number)
    if not math.isfinite(value):
        raise InvalidOperation(text)  # too large to be a figure; caught as text
    return value, "percent" if percent else "number", decimals
