"""Year labels as councils write them.

DfE labels a collection year "2025" (the year ending 31 March 2025 for the
CIN census and SSDA903, the 30 September 2025 snapshot for the workforce
census) or "202425". Councils and their committee reports write the same
year by what it measures:

- financial: activity in the year, "2024-25";
- academic: "2023/24";
- snapshot: a count on one day, "31 Mar 2025";
- calendar: "2024" (mid-year population estimates);
- dfe: DfE's own label, unchanged.

The file's ``time_identifier`` decides where it says ("Financial year",
"Academic year"); DfE's CSC files say "Reporting year", so the catalogue
gives each measure its style, and a council may choose another per measure.
"""
from __future__ import annotations

import re

from .dfe_csv import period_fy, time_label

STYLES = ("financial", "academic", "snapshot", "calendar", "dfe")

# time_identifier as DfE publishes it -> style; others leave it to the catalogue.
_IDENTIFIER_STYLES = {
    "financial year": "financial",
    "academic year": "academic",
    "calendar year": "calendar",
}


def style_for(time_identifier: str | None, default: str) -> str:
    """The style a time identifier asks for, else ``default``."""
    if time_identifier:
        found = _IDENTIFIER_STYLES.get(" ".join(str(time_identifier).split()).casefold())
        if found:
            return found
    return default


def year_label(time_period: str, style: str, fy_offset: int = -1,
               snapshot: str = "31 Mar") -> str:
    """``time_period`` ("2025", "202425") written in ``style``.

    ``fy_offset`` places a 4-digit period in its financial year (-1: the
    year ending 31 March, as the CIN census; 0: a September snapshot);
    ``snapshot`` is the day of a snapshot ("31 Mar", "30 Sep")."""
    text = str(time_period).strip()
    if style == "dfe" or not re.fullmatch(r"\d{4}|\d{6}", text):
        return time_label(text)
    start = period_fy(text, fy_offset)
    if style == "financial":
        return f"{start}-{(start + 1) % 100:02d}"
    if style == "academic":
        return f"{start}/{(start + 1) % 100:02d}"
    if style == "calendar":
        return text[:4] if len(text) == 4 else str(start)
    if style == "snapshot":
        return f"{snapshot} {_snapshot_year(text, start, snapshot)}"
    return time_label(text)


def _snapshot_year(text: str, fy_start: int, snapshot: str) -> int:
    """The calendar year of the snapshot day inside the period's year."""
    if len(text) == 4 and not _in_spring(snapshot):
        return int(text)  # "2024" September snapshot: 30 Sep 2024
    return fy_start + 1 if _in_spring(snapshot) else fy_start


def _in_spring(snapshot: str) -> bool:
    """A day from January to March falls in the second calendar year of a
    financial year."""
    month = snapshot.split()[-1][:3].casefold() if snapshot.split() else "mar"
    return month in ("jan", "feb", "mar")


_MONTH_NUMBERS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


def period_end(time_period: str, fy_offset: int = -1, snapshot: str = "31 Mar"):
    """The day a period ends, for "as at" questions (Ofsted judgements at
    the year's end): the snapshot day in the period's year ("31 Mar 2025"
    for the CIN year "2025", "30 Sep 2024" for the workforce "2024")."""
    import datetime as _dt

    text = str(time_period).strip()
    if not re.fullmatch(r"\d{4}|\d{6}", text):
        return None
    start = period_fy(text, fy_offset)
    parts = snapshot.split()
    try:
        day, month = int(parts[0]), _MONTH_NUMBERS[parts[1][:3].casefold()]
    except (IndexError, ValueError, KeyError):
        day, month = 31, 3
    return _dt.date(_snapshot_year(text, start, snapshot), month, day)
