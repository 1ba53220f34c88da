"""kpi-xl: RAG ratings, direction of travel, comparators and exception
summaries inside councils' children's services returns workbooks.

The library surface (the README's "Use as a library" has an example each)::

    import kpi_xl

    config = kpi_xl.load_config("council.yaml")      # or load_config() for the defaults
    result = kpi_xl.refresh("returns.xlsx", config)  # rate and write in place (+ .bak)

Each name is imported on first use (PEP 562), so ``import kpi_xl`` stays
cheap and a command pays only for what it uses.
"""
from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

# public name -> module that defines it
_API = {
    "refresh": "kpi_xl.refresh_job",
    "build_refresh": "kpi_xl.refresh_job",
    "refresh_books": "kpi_xl.batch",
    "check_workbook": "kpi_xl.check",
    "read_workbook": "kpi_xl.reader",
    "apply_plan": "kpi_xl.xlsx.writer",
    "load_config": "kpi_xl.config",
    "Plan": "kpi_xl.plan",
    "KpiError": "kpi_xl.errors",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'kpi_xl' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
