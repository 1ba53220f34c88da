"""Reporting periods: parse labels, order them, find the one to compare with.

STUB: interface fixed here; the implementation is being written.

Financial years run April-March and are named by their start year:
"2023-24" -> fy 2023; Q1 = Apr-Jun. An outturn (whole year) sorts after Q4
of its year. Academic years ("2022/23 academic") are kind "academic_year".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["quarter", "year", "month", "academic_year"]


@dataclass(frozen=True)
class Period:
    kind: Kind
    fy: int  # start year of the financial (or academic) year
    number: int | None = None  # quarter 1-4, or month 1-12 (Apr=1), None for a year
    label: str = ""  # as written

    @property
    def sort_key(self) -> tuple:
        """Chronological key: quarters by (fy, q); a year after its Q4."""
        raise NotImplementedError

    def same_period_last_year(self) -> "Period":
        raise NotImplementedError

    def canonical(self) -> str:
        """"Q2 2023-24", "2022-23", ... one spelling for reports."""
        raise NotImplementedError


def parse_period(label: object, context_fy: int | None = None) -> Period | None:
    """Parse "Q2 23-24", "Q2 2023/24", "2023-24 Q2", "Quarter 2 2023-24",
    "2022-23", "2016/17 Out-turn", "2021-22 Q1", "2020-21 outturn", and a bare
    "Q3" when ``context_fy`` (from a band above) is given. None when the
    label is not a period. Never raises."""
    raise NotImplementedError


def parse_year(label: object) -> int | None:
    """The financial-year start from a band label such as "22-23",
    "2023-2024", "2023/24"; None otherwise."""
    raise NotImplementedError
