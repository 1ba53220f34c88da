"""Names people can tell apart, shared by the pack and the exception sheet.

- :func:`short_refs`: a short readable id per indicator: the council's own
  code when it has one ("CSC07"), else its area's initials and its place in
  the area ("CP2"), never the long slug kpi-xl keys its notes by.
- :func:`qualifiers`: indicators that share a name get what tells them
  apart: their block (area), else their sheet, else the indicator they sit
  under (Wokingham's "Children missing from home" and "... from care" each
  lead the same measures), else their row.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

AREA_STOP_WORDS = {"and", "of", "the", "for", "in", "from", "to", "with", "on", "at", "a", "an",
                   "item", "dashboard", "no", "area"}


@dataclass(frozen=True)
class Named:
    """What naming needs of one indicator (in workbook order)."""

    id: str
    name: str
    area: str
    sheet: str = ""
    row: int = 0
    code: str | None = None  # the council's own code, None when kpi-xl made the id


# Codes people would rather not read aloud in committee.
UNWANTED_CODES = {"ASS", "SEX", "FAT", "GAY", "POO", "CUM", "TIT", "NOB", "WTF", "FU", "KKK"}
OWN_ABBREVIATION = re.compile(r"\(([A-Z][A-Z&]{1,5})\)")  # "Children in need (CIN)"


def area_prefix(area: str) -> str:
    """The area's own abbreviation ("Children in need (CIN)" -> "CIN"), else the
    initials of its words ("Child Protection" -> "CP", "Workforce" -> "WOR")."""
    own = OWN_ABBREVIATION.search(area)
    if own:
        return own.group(1).replace("&", "")
    words = [w for w in re.findall(r"[A-Za-z]+", area.replace("'s", ""))
             if w.lower() not in AREA_STOP_WORDS]
    if not words:
        return "IND"
    prefix = words[0][:3].upper() if len(words) == 1 else "".join(w[0] for w in words)[:3].upper()
    return prefix[:2] if prefix in UNWANTED_CODES else prefix


def short_refs(items: list[Named]) -> dict[str, str]:
    """id -> short id. Two areas with the same initials are told apart by a
    letter ("CC", "CCB"); a made code never repeats one of the council's."""
    prefixes: dict[str, str] = {}
    taken: set[str] = set()
    codes = {i.code for i in items if i.code}
    counts: Counter = Counter()
    refs: dict[str, str] = {}
    for item in items:
        if item.code:
            refs[item.id] = item.code
            continue
        if item.area not in prefixes:
            base = area_prefix(item.area)
            prefix, letter = base, ord("B")
            while prefix in taken:
                prefix, letter = f"{base}{chr(letter)}", letter + 1
            taken.add(prefix)
            prefixes[item.area] = prefix
        counts[item.area] += 1
        while f"{prefixes[item.area]}{counts[item.area]}" in codes:
            counts[item.area] += 1
        refs[item.id] = f"{prefixes[item.area]}{counts[item.area]}"
    return refs


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def qualifiers(items: list[Named]) -> dict[str, str]:
    """id -> what tells it apart from namesakes (only for shared names)."""
    by_name: dict[str, list[Named]] = {}
    for item in items:
        by_name.setdefault(_key(item.name), []).append(item)
    shared = {k for k, same in by_name.items() if len(same) > 1}
    out: dict[str, str] = {}
    for name in shared:
        same = by_name[name]
        leads = [_lead(item, items, shared) for item in same]
        for values in ([i.area for i in same], [f"sheet {i.sheet}" for i in same], leads,
                       [f"{i.sheet} row {i.row}" for i in same]):
            if all(values) and len(set(values)) == len(values):
                out.update({item.id: value for item, value in zip(same, values)})
                break
    return out


def _lead(item: Named, items: list[Named], shared: set[str]) -> str | None:
    """The nearest indicator above ``item`` in its area on its sheet whose name is its own."""
    above = [i for i in items if i.sheet == item.sheet and i.area == item.area
             and i.row < item.row and _key(i.name) not in shared]
    return max(above, key=lambda i: i.row).name if above else None


def display_name(name: str, qualifier: str | None) -> str:
    return f"{name} ({qualifier})" if qualifier else name


def named_records(records: list[dict]) -> list[Named]:
    """:class:`Named` for rated-table records (the council's code is an id
    read from an id column)."""
    return [Named(id=str(r["id"]), name=str(r.get("name") or r["id"]),
                  area=str(r.get("area") or "(no area)"), sheet=str(r.get("sheet") or ""),
                  row=int(r.get("row") or 0),
                  code=str(r["id"]) if (r.get("cells") or {}).get("id") else None)
            for r in records]
