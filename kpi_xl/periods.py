"""Reporting periods: parse labels, order them, find the one to compare with.

Financial years run April-March and are named by their start year:
"2023-24" -> fy 2023; Q1 = Apr-Jun. An outturn (whole year) sorts after Q4
of its year. Academic years ("2022/23 academic") are kind "academic_year".
Months are numbered within the financial year: Apr = 1 ... Mar = 12.
"""
from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Literal

Kind = Literal["quarter", "year", "month", "academic_year"]

MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# When periods end on the same month, the shorter one sorts first:
# March (month 12) < Q4 < the year it closes.
_KIND_RANK = {"month": 0, "quarter": 1, "academic_year": 2, "year": 3}


@dataclass(frozen=True)
class Period:
    kind: Kind
    fy: int  # start year of the financial (or academic) year
    number: int | None = None  # quarter 1-4, or month 1-12 (Apr=1), None for a year
    # As written. Not part of equality: "Q2 23-24" and "Q2 2023/24" are one period.
    label: str = field(default="", compare=False)

    @cached_property  # every sort and max over a series asks again: worked out once a period
    def sort_key(self) -> tuple:
        """Chronological key (year, financial month the period ends, rank).

        A quarter ends in month q*3, a month in itself, a year in month 12
        after its Q4; an academic year (Sep-Aug) ends in August of the next
        financial year (month 5).
        """
        year, end_month = self.fy, 12
        if self.kind == "quarter":
            end_month = (self.number or 4) * 3
        elif self.kind == "month":
            end_month = self.number or 12
        elif self.kind == "academic_year":
            year, end_month = self.fy + 1, 5
        return (year, end_month, _KIND_RANK.get(self.kind, 9))

    def same_period_last_year(self) -> "Period":
        return _relabel(replace(self, fy=self.fy - 1))

    def previous(self) -> "Period":
        """The period just before, of the same kind (Q1 -> Q4 of fy-1)."""
        if self.kind in ("quarter", "month") and self.number is not None:
            last = 4 if self.kind == "quarter" else 12
            if self.number > 1:
                return _relabel(replace(self, number=self.number - 1))
            return _relabel(replace(self, fy=self.fy - 1, number=last))
        return self.same_period_last_year()

    def previous_quarter(self) -> "Period":
        if self.kind != "quarter":
            raise ValueError(f"{self.canonical()} is not a quarter")
        return self.previous()

    def canonical(self) -> str:
        """"Q2 2023-24", "2022-23", "Jun 2023", "2022/23 (academic)"."""
        return _canonical(self.kind, self.fy, self.number)

    def __str__(self) -> str:
        return self.label or self.canonical()


@lru_cache(maxsize=4096)  # a workbook names a few dozen periods, asked for once a figure
def _canonical(kind: str, fy: int, number: int | None) -> str:
    pair = f"{fy}-{(fy + 1) % 100:02d}"
    if kind == "quarter":
        return f"Q{number} {pair}"
    if kind == "month" and number is not None:
        calendar_month = (number + 2) % 12 + 1
        year = fy if number <= 9 else fy + 1
        return f"{MONTH_NAMES[calendar_month - 1]} {year}"
    if kind == "academic_year":
        return f"{fy}/{(fy + 1) % 100:02d} (academic)"
    return pair


def _relabel(period: Period) -> Period:
    return replace(period, label=period.canonical())


# ---------------------------------------------------------------- parsing

# "2023-24", "2023/24", "2023-2024", "23-24"
_PAIR = r"(?P<y1>\d{4}|\d{2})\s*[-/]\s*(?P<y2>\d{4}|\d{2})"
_LONG_PAIR = r"(?P<y1>\d{4})\s*[-/]\s*(?P<y2>\d{4}|\d{2})"
_QUARTER = r"(?:q\.?|qtr\.?|quarter)\s*(?P<q>[1-4]|one|two|three|four)"
_QUARTER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4}
_SEP = r"[\s,:()]*"
_FY = r"(?:fy|financial year)?\s*"
_OUTTURN = r"(?:out-?\s?turn|year[- ]end|full year|annual)"

QUARTER_PATTERNS = [
    re.compile(rf"{_QUARTER}{_SEP}[-/]?{_SEP}{_FY}{_PAIR}\)?"),  # Q2 23-24, Q2 (2023/24), Q2/23-24
    re.compile(rf"{_FY}{_PAIR}{_SEP}-?{_SEP}{_QUARTER}"),     # 2023-24 Q2
]
BARE_QUARTER = re.compile(_QUARTER)
YEAR_PATTERNS = [
    re.compile(rf"{_LONG_PAIR}(?:\s*\(?{_OUTTURN}\)?)?"),  # 2022-23, 2016/17 Out-turn
    re.compile(rf"(?:fy|financial year)\s*{_PAIR}(?:\s*{_OUTTURN})?"),  # FY 22-23
    re.compile(rf"{_OUTTURN}:?\s*{_PAIR}"),                             # Outturn 2022-23, Outturn 22/23
    re.compile(rf"{_PAIR}\s*\(?{_OUTTURN}\)?"),                         # 22/23 outturn
]
ACADEMIC_PATTERNS = [
    re.compile(rf"{_LONG_PAIR}\s*\(?academic(?: year)?\)?"),  # 2022/23 academic year
    re.compile(rf"(?:ay|academic year)\s*{_PAIR}"),           # AY 2022/23
]
_MONTH_WORDS = {name.lower(): i for i, name in enumerate(MONTH_NAMES, start=1)}
_MONTH_WORDS.update({"sept": 9, "june": 6, "july": 7, "april": 4, "march": 3,
                     "january": 1, "february": 2, "august": 8, "september": 9,
                     "october": 10, "november": 11, "december": 12})
MONTH_PATTERN = re.compile(r"(?P<m>[a-z]+)\.?\s*[-/' ]?\s*(?P<y>\d{4}|\d{2})")
# "Apr-Jun 2023", "Jan - Mar 24": a quarter named by its months.
MONTH_RANGE = re.compile(r"(?P<m1>[a-z]+)\.?\s*(?:-|to)\s*(?P<m2>[a-z]+)\.?\s*'?(?P<y>\d{4}|\d{2})")
# "Apr-Jun" with the year given by a band or title.
BARE_MONTH_RANGE = re.compile(r"(?P<m1>[a-z]+)\.?\s*(?:-|to)\s*(?P<m2>[a-z]+)\.?")
# "06/2023": a month and its year in figures.
MONTH_NUMBER_YEAR = re.compile(r"(?P<m>\d{1,2})\s*/\s*(?P<y>\d{4})")
# "Apr 23 - Jun 23", "Jul 2023 to Sep 2023": each month with its year.
MONTH_RANGE_YEARS = re.compile(r"(?P<m1>[a-z]+)\.?\s*'?(?P<y1>\d{4}|\d{2})\s*(?:-|to)\s*"
                               r"(?P<m2>[a-z]+)\.?\s*'?(?P<y>\d{4}|\d{2})")
# A snapshot's date as text, day first as England writes it: "30/06/2023",
# "30-Jun-23", "30 June 2023", "As at 30/09/2023", and ISO "2023-06-30".
_AS_AT = r"(?:(?:as\s+(?:at|of)|at|snapshot(?:\s+at)?|position\s+at)\s+)?"
DAY_MONTH_YEAR = re.compile(rf"{_AS_AT}(?P<d>\d{{1,2}})\s*[/.-]\s*(?P<m>\d{{1,2}})\s*[/.-]\s*(?P<y>\d{{4}}|\d{{2}})")
DAY_NAME_YEAR = re.compile(rf"{_AS_AT}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[\s-]+(?P<m>[a-z]+)\.?[\s-]+'?(?P<y>\d{{4}}|\d{{2}})")
ISO_DATE = re.compile(rf"{_AS_AT}(?P<y>\d{{4}})-(?P<m>\d{{2}})-(?P<d>\d{{2}})")
# "Q1 (Apr-Jun 23)": a quarter dated by the months written after it.
QUARTER_THEN_MONTHS = re.compile(rf"{_QUARTER}[\s:-]*\(?(?P<months>[a-z]+\.?\s*(?:-|to)\s*[a-z]+\.?\s*'?(?:\d{{4}}|\d{{2}}))\)?")
# "Position at end of Q2 23/24", "End of March 2024": the period that ends there.
_END_OF = re.compile(r"(?:(?:position|figure|snapshot)\s+)?(?:(?:as\s+)?at\s+)?(?:the\s+)?end\s+of\s+(?P<rest>.+)")
# A cumulative figure to the end of a quarter or month is that period's.
_TO_DATE = re.compile(r"\(?\b(?:ytd|year[- ]to[- ]date|cumulative)\b\)?")
# "(Apr-Jun)" after a quarter ("Q1 (Apr-Jun)") says nothing the quarter does not.
_MONTHS_IN_BRACKETS = re.compile(r"\(\s*[a-z]{3,9}\.?\s*-\s*[a-z]{3,9}\.?\s*\)")
# An outturn or actual column under a year band ("2016/17" over "Out-turn").
BARE_OUTTURN = re.compile(rf"{_OUTTURN}|outturn|actuals?|year total|total")


def parse_period(label: object, context_fy: int | None = None) -> Period | None:
    """Parse "Q2 23-24", "Q2 2023/24", "2023-24 Q2", "Quarter 2 2023-24",
    "2022-23", "2016/17 Out-turn", "2021-22 Q1", "2020-21 outturn", and a bare
    "Q3" or "Apr" when ``context_fy`` (from a band above) is given. None when the
    label is not a period. Never raises."""
    if isinstance(label, str) and len(label) <= _CACHED_LABEL:
        return _parse_label(label, context_fy)
    return _parse_safely(label, context_fy)


def _parse_safely(label: object, context_fy: int | None) -> Period | None:
    try:
        return _parse_period(label, context_fy)
    except Exception:  # a header cell must never stop a read
        return None


_CACHED_LABEL = 120  # a header label's length at most, for the cache
# Header detection asks of every label of every row that could be a header,
# under each band reading: a wide sheet of short text repeats its labels
# thousands of times. A Period is frozen, so one serves every ask.
_parse_label = lru_cache(maxsize=8192)(_parse_safely)

TEMPLATE_FY = 2000  # the year a period that names none is kept in until something dates it


def period_needing_a_year(label: object) -> Period | None:
    """The period a label names once a year is given ("Q1", "Apr",
    "Apr-Jun"), in :data:`TEMPLATE_FY`; None when it names a year of its own
    or is no period."""
    if parse_period(label) is not None:
        return None
    return parse_period(label, TEMPLATE_FY)


def _parse_period(label: object, context_fy: int | None) -> Period | None:
    if isinstance(label, (_dt.date, _dt.datetime)):
        return _relabel(_month_period(label.month, label.year, ""))
    if not isinstance(label, str):
        return None
    written = " ".join(label.split())
    text = written.lower().replace("–", "-").replace("—", "-")
    text = " ".join(_MONTHS_IN_BRACKETS.sub(" ", text).split()) or text
    if match := _END_OF.fullmatch(text):
        text = match.group("rest")
    found = _parse_text(text, written, context_fy)
    if found is None and _TO_DATE.search(text):
        # "Q2 YTD 2023/24": the figure to the end of Q2; a year "to date" is not the year's
        found = _parse_text(" ".join(_TO_DATE.sub(" ", text).split()), written, context_fy)
        if found is not None and found.kind not in ("quarter", "month"):
            found = None
    return found


def _parse_text(text: str, written: str, context_fy: int | None) -> Period | None:
    for pattern in QUARTER_PATTERNS:
        if (match := pattern.fullmatch(text)) and (fy := _pair_start(match)) is not None:
            return Period("quarter", fy, _quarter_number(match), written)
    if (match := BARE_QUARTER.fullmatch(text)) and isinstance(context_fy, int):
        return Period("quarter", context_fy, _quarter_number(match), written)
    if match := QUARTER_THEN_MONTHS.fullmatch(text):
        months = _parse_text(match.group("months"), written, None)
        agrees = months is not None and months.kind == "quarter" and months.number == _quarter_number(match)
        return months if agrees else None
    for kind, patterns in (("academic_year", ACADEMIC_PATTERNS), ("year", YEAR_PATTERNS)):
        for pattern in patterns:
            if (match := pattern.fullmatch(text)) and (fy := _pair_start(match)) is not None:
                return Period(kind, fy, None, written)
    if (match := BARE_OUTTURN.fullmatch(text)) and isinstance(context_fy, int):
        return Period("year", context_fy, None, written)
    if match := MONTH_RANGE.fullmatch(text):
        first = _first_month_of_quarter(match)
        if first is None:
            return None
        month = _month_period(first, _full_year(match.group("y")), written)
        return Period("quarter", month.fy, (month.number - 1) // 3 + 1, written)
    if isinstance(context_fy, int) and (match := BARE_MONTH_RANGE.fullmatch(text)):
        # "Apr-Jun" under a 2023-24 band: a quarter of that year ("Jan-Mar" its fourth)
        first = _first_month_of_quarter(match)
        return Period("quarter", context_fy, (first - 4) % 12 // 3 + 1, written) if first else None
    if (match := MONTH_RANGE_YEARS.fullmatch(text)) and match.group("y1") == match.group("y"):
        # a quarter's three months fall in one calendar year
        return _parse_text(f"{match.group('m1')}-{match.group('m2')} {match.group('y')}", written, None)
    if match := MONTH_PATTERN.fullmatch(text):
        month = _MONTH_WORDS.get(match.group("m"))
        if month is not None:
            return _month_period(month, _full_year(match.group("y")), written)
    if (date := _written_date(text)) is not None:
        return _month_period(date.month, date.year, written)
    if (match := MONTH_NUMBER_YEAR.fullmatch(text)) and 1 <= int(match.group("m")) <= 12:
        return _month_period(int(match.group("m")), int(match.group("y")), written)
    if isinstance(context_fy, int) and (month := _MONTH_WORDS.get(text.rstrip("."))) is not None:
        # a bare "Apr" in a 2024-25 table: April 2024; "Jan" is January 2025
        return _month_period(month, context_fy + (month <= 3), written)
    return None


def _first_month_of_quarter(match: re.Match) -> int | None:
    """The calendar month a quarter named by its months starts ("Jul-Sep": 7);
    None when the months (groups m1, m2) are not a quarter's."""
    first, last = _MONTH_WORDS.get(match.group("m1")), _MONTH_WORDS.get(match.group("m2"))
    if first is not None and last is not None and first % 3 == 1 and (last - first) % 12 == 2:
        return first
    return None


def _written_date(text: str) -> _dt.date | None:
    """The date a label writes out ("30/06/2023", "30 June 2023", "As at
    2023-06-30"), or None; a day that is not in its month is no date."""
    for pattern in (DAY_MONTH_YEAR, DAY_NAME_YEAR, ISO_DATE):
        if match := pattern.fullmatch(text):
            month = match.group("m")
            month = int(month) if month.isdigit() else _MONTH_WORDS.get(month)
            if month is None:
                return None
            try:
                return _dt.date(_full_year(match.group("y")), month, int(match.group("d")))
            except ValueError:  # 31/02/2024, month 13
                return None
    return None


def _quarter_number(match: re.Match) -> int:
    q = match.group("q")
    return _QUARTER_WORDS.get(q) or int(q)


def _month_period(calendar_month: int, year: int, label: str) -> Period:
    number = (calendar_month - 4) % 12 + 1  # April = 1
    fy = year if calendar_month >= 4 else year - 1
    return Period("month", fy, number, label)


def _full_year(digits: str) -> int:
    year = int(digits)
    return year if len(digits) == 4 else 2000 + year


def _pair_start(match: re.Match) -> int | None:
    """Start year of a consecutive pair; None for "2022-25" or "2023-22"."""
    start = _full_year(match.group("y1"))
    end = match.group("y2")
    follows = int(end) == start + 1 if len(end) == 4 else int(end) == (start + 1) % 100
    return start if follows else None


_BAND_YEAR = re.compile(rf"{_PAIR}")


def parse_year(label: object) -> int | None:
    """The financial-year start from a band label such as "22-23",
    "2023-2024", "2023/24"; None otherwise."""
    if not isinstance(label, str):
        return None
    match = _BAND_YEAR.fullmatch(label.strip().replace("–", "-"))
    return _pair_start(match) if match else None


# ---------------------------------------------------------------- ordering


def check_sequence(periods: list[Period]) -> list[str]:
    """Messages for periods that repeat or run backwards, in sheet order.

    Each kind is checked on its own: an outturn column before the quarters
    is a common layout, but quarters must ascend among themselves, and so
    must years and months.
    """
    found = [p for p in periods if isinstance(p, Period)]
    messages = [_repeat_message(period, count)
                for period, count in Counter(found).items() if count > 1]
    for kind in dict.fromkeys(p.kind for p in found):
        messages += _order_messages([p for p in found if p.kind == kind])
    return messages


def _repeat_message(period: Period, count: int) -> str:
    times = "twice" if count == 2 else f"{count} times"
    return f"{period.canonical()} appears {times}"


def _order_messages(same_kind: list[Period]) -> list[str]:
    pairs = list(zip(same_kind, same_kind[1:]))
    backwards = [(a, b) for a, b in pairs if b.sort_key < a.sort_key]
    if len(same_kind) >= 3 and len(backwards) == len(pairs):
        return [f"{same_kind[0]} to {same_kind[-1]} run from latest to earliest"]
    return [f"{later} comes after {earlier}" for earlier, later in backwards]
