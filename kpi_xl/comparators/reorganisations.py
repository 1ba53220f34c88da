"""Councils that were abolished or created since DfE's series began.

DfE publishes each council under the code it had in the year: Cumbria (909)
up to the year ending March 2023, then Cumberland (942) and Westmorland and
Furness (943); Northamptonshire (928) up to the year ending March 2021, then
North (940) and West Northamptonshire (941). Asking for a council in a year
it did not exist gets one line naming the council that covered it.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reorganisation:
    old: tuple[str, str]  # (code, name) of the council abolished
    new: tuple[tuple[str, str], ...]  # its successors
    first_fy: int  # the first financial year (by start) of the successors


REORGANISATIONS = (
    Reorganisation(("909", "Cumbria"), (("942", "Cumberland"), ("943", "Westmorland and Furness")),
                   2023),
    Reorganisation(("928", "Northamptonshire"),
                   (("940", "North Northamptonshire"), ("941", "West Northamptonshire")), 2021),
)


def _fy_text(fy: int) -> str:
    return f"{fy}-{(fy + 1) % 100:02d}"


def _names(pairs) -> str:
    names = [name for _, name in pairs]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def not_existing(old_code: str, name: str, fy: int | None) -> str | None:
    """One line when council ``old_code`` did not exist in financial year
    ``fy`` (by start), naming the council(s) that covered it; else None."""
    if fy is None:
        return None
    for reorg in REORGANISATIONS:
        if old_code == reorg.old[0] and fy >= reorg.first_fy:
            return (f"{name} did not exist in {_fy_text(fy)}: {_names(reorg.new)} covered it "
                    f"from 1 April {reorg.first_fy}")
        successors = dict(reorg.new)
        if old_code in successors and fy < reorg.first_fy:
            return (f"{name} did not exist in {_fy_text(fy)}: {reorg.old[1]} covered it until "
                    f"31 March {reorg.first_fy}")
    return None


def replaced_note(old_code: str, name: str) -> str | None:
    """For an abolished council asked for its latest figures: who replaced it."""
    for reorg in REORGANISATIONS:
        if old_code == reorg.old[0]:
            return f"{name} was replaced on 1 April {reorg.first_fy} by {_names(reorg.new)}"
    return None


def last_fy(old_code: str) -> int | None:
    """The last financial year (by start) of an abolished council."""
    for reorg in REORGANISATIONS:
        if old_code == reorg.old[0]:
            return reorg.first_fy - 1
    return None
