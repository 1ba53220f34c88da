"""Indicator names normalised for matching, shared by the indicator library
and the LAIT catalogue (one module below both, so neither imports the other)."""
from __future__ import annotations

import re

_APOSTROPHES = "'’‘`"  # vanish from a name
_NON_WORD = re.compile(r"[^a-z0-9]+")
_NOT_WORD_OR_SPACE = re.compile(r"[^a-z0-9 ]")
_ASCII_DIGIT = re.compile(r"[0-9]")
_SYNONYMS = {"percentage": "percent", "pct": "percent"}
# "10,000" and "10 000" are the number 10000 ("Rate per 10000" means the same).
THOUSANDS = re.compile(r"(?<=\d)[,\s\u00a0\u202f](?=\d{3}(?!\d))")


def normalise_name(text: object) -> str:
    """Lower case words separated by single spaces: "% Of CP plans (2nd)" ->
    "percent of cp plans 2nd". Apostrophes vanish (children's -> childrens)."""
    s = str(text or "").lower().replace("&", " and ").replace("%", " percent ")
    # Each pattern is searched only where it can match: the reader
    # normalises every indicator's name, and most have none of them.
    if not s.isascii() or _ASCII_DIGIT.search(s):  # a separator follows a digit
        s = THOUSANDS.sub("", s)
    for mark in _APOSTROPHES:
        if mark in s:
            s = s.replace(mark, "")
    if _NOT_WORD_OR_SPACE.search(s):  # else its words are split by spaces already
        s = _NON_WORD.sub(" ", s)
    for word in _SYNONYMS:
        if word in s:
            return " ".join([_SYNONYMS.get(w, w) for w in s.split()])
    return " ".join(s.split())  # no word to swap for its synonym
