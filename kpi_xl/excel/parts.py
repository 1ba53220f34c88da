"""The part of a refresh plan one ribbon button applies.

"Refresh all" applies the whole plan. The other buttons apply one part of
the same plan, so a button can never disagree with a full refresh:

- ``rag``: the RAG column of each table (cells, width) and the colours on
  the RAG and latest-figure columns;
- ``direction``: the direction-of-travel column;
- ``comparators``: the comparator columns (SN, region, England, Ofsted good);
- one per owned sheet with a button, named by its role (``exceptions``,
  ``data_quality``: :mod:`kpi_xl.owned_sheets.registry`): that sheet only.

Each change of the plan carries the purpose its planner gave it
(:data:`kpi_xl.plan.Purpose`), so a part is a filter on purpose
(:meth:`kpi_xl.plan.Plan.only`): nothing here works out again where the
planner put things.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import KpiError
from ..plan import Plan
from .buttons import part_purposes

if TYPE_CHECKING:
    from ..refresh_job import RefreshResult


def narrow_plan(result: RefreshResult, part: str) -> Plan:
    """The changes of ``result.plan`` that belong to ``part`` (a key of
    :func:`kpi_xl.excel.buttons.part_purposes`)."""
    parts = part_purposes()
    if part not in parts:
        raise KpiError(f"unknown part {part!r}; expected one of {', '.join(parts)}")
    purposes = parts[part]
    return result.plan if purposes is None else result.plan.only(purposes)
