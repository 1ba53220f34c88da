"""The xlwings UDF module: set "UDF Modules" to ``kpi_xl.udfs``.

The functions live in :mod:`kpi_xl.excel.udfs`; this short name is what the
add-in's configuration points at.
"""
from __future__ import annotations

from .excel.udfs import (  # noqa: F401  (re-exported for xlwings' import_udfs)
    KPI_ARROW,
    KPI_CATEGORY,
    KPI_COMPARATOR,
    KPI_DOT,
    KPI_PERIOD,
    KPI_RAG,
    KPI_RATE,
    UDFS,
)

__all__ = ["KPI_RAG", "KPI_DOT", "KPI_ARROW", "KPI_CATEGORY", "KPI_COMPARATOR", "KPI_RATE",
           "KPI_PERIOD", "UDFS"]
