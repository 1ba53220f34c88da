"""Cell values as councils write them, parsed into a :class:`Reading`.

STUB: interface fixed here; the implementation is being written.
"""
from __future__ import annotations

from dataclasses import dataclass
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

    @property
    def is_number(self) -> bool:
        return self.status == "number" and self.value is not None


def parse_value(raw: object, number_format: str | None = None) -> Reading:
    """Parse a cell's value (as read: float, int, str, bool, None, datetime)
    with its number format ("0.0%", "General", ...). Never raises."""
    raise NotImplementedError
