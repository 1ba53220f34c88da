"""Figure columns named relative to a period: scorecards.

Many councils' scorecards do not give a column per period. Either each row
says its own period, because annual, termly and quarterly indicators sit in
one table::

    Ref | Measure | Good is | Period     | Previous | Latest | Target
    EH1 | ...     | Low     | Q2 2023-24 | 31       | 34     | 30
    ED4 | ...     | High    | 2022-23    | 61%      | 64%    | 65%

or the title dates the figures and the columns count back from it
("Scorecard Q2 2023-24" over "Last quarter | This quarter"), or each row is
one year of an indicator and its quarters are across::

    Measure | Year    | Q1  | Q2  | Q3  | Q4  | Target
    ...     | 2022-23 |     | 18% | 21% | 18% | 20%
    ...     | 2023-24 | 20% | 18% |     |     | 20%

The reader marks such columns with the roles ``latest``, ``previous`` and
``last_year``, or ``in_year`` (and ``row_period`` for the column of periods) and this
module dates them: a title's period makes them ordinary period columns
(:func:`settle_relative`), a row's period dates that row's figures
(:func:`period_of_row`, read by ``kpi_xl.reader.build``). "Previous" is the period before (Q1 before Q2,
2021-22 before 2022-23); "last year" the same period a year before.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from ..periods import Period, parse_period, parse_year, period_needing_a_year

if TYPE_CHECKING:  # pragma: no cover
    from .detect import Column

RELATIVE = ("latest", "previous", "last_year")
# A quarter or month of the row's own year: "Indicator | Year | Q1 | Q2 | Q3 | Q4",
# a row per indicator and year (:func:`date_by_row_year`).
IN_YEAR = "in_year"
# A label naming the span of its period: "Last quarter" counts back a quarter.
_SPAN_KINDS = {"quarter": ("quarter",), "qtr": ("quarter",), "month": ("month",),
               "year": ("year", "academic_year")}


def shifted(period: Period, role: str) -> Period:
    """The period a ``role`` column holds, for a row (or table) of ``period``."""
    if role == "previous":
        return period.previous()
    if role == "last_year":
        return period.same_period_last_year()
    return period


def is_row_wise(columns: dict[int, "Column"]) -> bool:
    """A table whose rows each say their period, with a latest figure column
    (or the quarters of the row's year)."""
    roles = {c.role for c in columns.values()}
    return "row_period" in roles and ("latest" in roles or IN_YEAR in roles)


def date_by_row_year(columns: dict[int, "Column"]) -> None:
    """``Indicator | Year | Q1 | Q2 | Q3 | Q4``, a row per indicator and year:
    quarter (or month) columns that name no year, beside a column of each
    row's year and no figure named relative to it, are that row's year's
    (role :data:`IN_YEAR`, the period kept in a template year). A column a
    band dates ("2023-24" over "Q1") keeps its band's year, and a table
    with such columns is not read this way."""
    values = list(columns.values())
    if not any(c.role == "row_period" for c in values) or any(c.role in RELATIVE for c in values):
        return
    undated = [(column, template) for column in values
               if column.role in ("period", "unknown") and " / " not in column.label
               and (template := in_year_template(column.label)) is not None]
    banded = [c for c in values if c.role == "period" and " / " in c.label]
    if len(undated) < 2 or banded:
        return
    for column, template in undated:
        column.role, column.period = IN_YEAR, template


def in_year_template(label: str) -> Period | None:
    """The quarter (or month) a label such as "Q1" or "Apr" names with no
    year, in a template year (:func:`kpi_xl.periods.period_needing_a_year`)."""
    template = period_needing_a_year(label)
    return template if template is not None and template.kind in ("quarter", "month") else None


def in_row_year(period: Period, template: Period) -> Period | None:
    """An in-year column's period for a row of ``period`` (its financial
    year); None for an academic year, whose quarters are not the council's."""
    if period.kind == "academic_year":
        return None
    dated = replace(template, fy=period.fy)
    return replace(dated, label=dated.canonical())


def column_period(period: Period, role: str, template: Period | None = None) -> Period | None:
    """The period a row-wise figure column holds for a row of ``period``:
    the row's own (Latest), the one before it (Previous), a year before, or
    the quarter ``template`` of the row's year (:data:`IN_YEAR`)."""
    return in_row_year(period, template) if role == IN_YEAR else shifted(period, role)


def settle_relative(columns: dict[int, "Column"], title: str | None) -> None:
    """Date a header's relative columns, or give them up.

    Beside one period column ("Last quarter | Q2 2023-24") they count back
    from it; beside several, or with no latest figure column, they are not
    read as figures. With a column of periods the table is read row by row.
    Else the title's period dates them: they become the period columns of
    that period and the ones before it; a title naming no period (or a year
    under "This quarter") leaves them unread."""
    relative = [c for c in columns.values() if c.role in RELATIVE or c.role == "row_period"]
    if not relative:
        return
    roles = {c.role for c in columns.values()}
    dated = [c for c in columns.values() if c.role == "period"]
    if len(dated) == 1 and "latest" not in roles:
        _count_back_from(dated[0].period, relative)
        return
    if dated or not {"latest", IN_YEAR} & roles:
        _give_up(relative)
        return
    if "row_period" in roles:
        return
    reference = period_in_text(title) if title else None
    if reference is None or not all(_span_fits(c, reference) for c in relative if c.role in RELATIVE):
        _give_up(relative)
        return
    _count_back_from(reference, relative)


def _count_back_from(reference: Period, relative: list["Column"]) -> None:
    """Date the relative columns from ``reference``: the one period column
    they lead up to ("Last quarter | Q2 2023-24"), or the title's period. A
    column whose span does not fit it, and a column of periods, are given up."""
    for column in relative:
        if column.role in RELATIVE and _span_fits(column, reference):
            column.period = shifted(reference, column.role)
            column.role = "period"
        else:
            column.role = "unknown"


def _give_up(columns: list["Column"]) -> None:
    for column in columns:
        column.role = "unknown"


def _span_fits(column: "Column", period: Period) -> bool:
    """"This quarter" is dated by a quarter, "This year" by a year; "Latest"
    and "Same quarter last year" by any period."""
    if column.role == "last_year":
        return True
    words = column.label.lower().split()
    kinds = next((kinds for word, kinds in _SPAN_KINDS.items() if word in words), None)
    return kinds is None or period.kind in kinds


_TITLE_CHARS = 200
_MONTH_TO_MONTH = re.compile(r"\b([A-Za-z]{3,9})\s+to\s+([A-Za-z]{3,9})\b")


def period_in_text(text: str) -> Period | None:
    """The first period a title names, the longest reading first: "Children's
    Services Scorecard - Quarter 2 2023-24" -> Q2 2023-24; "(July to
    September 2023)" -> Q2 2023-24."""
    # A title is a line: a cell of prose (or a hostile 32,000 characters)
    # is looked at as far as a title goes.
    text = _MONTH_TO_MONTH.sub(r"\1-\2", text[:_TITLE_CHARS])
    words = [w.strip(" :;,.()[]") for w in text.split()]
    words = [w for w in words if w and w not in ("-", "–", "—")]
    for size in (4, 3, 2, 1):
        for start in range(len(words) - size + 1):
            period = parse_period(" ".join(words[start:start + size]))
            if period is not None:
                return period
    return None


_DAY_MONTH_YEAR = re.compile(r"(?<!\d)(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})(?!\d)")


def _period_named(value: object, context_fy: int | None) -> Period | None:
    """The period a row's period cell names: "Q2 2023-24", "2022-23", a
    date (its month), "As at 30/09/2023" (day first, as England writes it)."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return parse_period(value)
    if not isinstance(value, str):
        return None
    text = value.strip()[:_TITLE_CHARS]  # a period is a few words: prose is not read through
    found = parse_period(text, context_fy) or period_in_text(text)
    if found is None and (fy := parse_year(text)) is not None:
        # "22/23" in a column of periods is a year (a header of it alone could be ages, "16-17")
        found = Period("year", fy, None, text)
    if found is None and (match := _DAY_MONTH_YEAR.search(text)):
        day, month, year = (int(g) for g in match.groups())
        try:
            found = parse_period(_dt.date(year if year > 99 else 2000 + year, month, day))
        except ValueError:  # 31/02/2024: not a date
            return None
    return found


def period_of_row(value: object, context_fy: int | None, title_period: Period | None) -> Period | None:
    """A row's period: what its period cell names, or the title's period when
    the cell is blank (a quarterly row under "Scorecard Q2 2023-24" beside an
    annual one dated "2022-23")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return title_period
    return _period_named(value, context_fy)
