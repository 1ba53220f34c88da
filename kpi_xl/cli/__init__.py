"""The kpi-xl command line: thin over the library, one module per command group.

The app is built here, when the package is imported: each command is a plain
function in its group's module (``check``, ``refresh``, ``templates``,
``pack``) or a sub-app (``comparators``, ``addin``), and none of them imports
this module back. ``kpi-xl`` (pyproject's console script) runs :func:`main`.
"""
from __future__ import annotations

import gc
import sys

import typer

from . import addin, check, comparators, pack, refresh, templates

app = typer.Typer(
    help="kpi-xl: rate, explain and compare children's services indicators "
         "inside the council's own returns workbook.",
    no_args_is_help=True,
    add_completion=False,
    epilog="\b\nExamples:\n"
           "  kpi-xl demo                                  refresh the bundled example\n"
           "  kpi-xl check returns.xlsx                    what was found, and findings\n"
           "  kpi-xl refresh returns.xlsx --dry-run --json what a refresh would change\n"
           "  kpi-xl refresh returns.xlsx -c council.yaml  rate and write in place (+ .bak)\n"
           "  kpi-xl report returns.xlsx --pdf pack.pdf    the committee pack",
    rich_markup_mode=None,
)

# The order here is the order of `kpi-xl --help`.
app.command()(check.check)
app.command()(refresh.refresh)
app.command()(templates.new)
app.command()(templates.demo)
app.command()(pack.report)
app.command()(refresh.batch)
app.add_typer(comparators.app, name="comparators",
              help="Import and show published DfE comparator figures.")
app.add_typer(addin.app, name="addin", help="Build and install the Excel add-in.")


def main() -> None:  # console script entry point
    collect_less_often()
    # Text from workbooks may hold what a terminal cannot show (a lone
    # surrogate from Excel's _xD800_): print it escaped, never a traceback.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    app(prog_name="kpi-xl")



# Allocations between young collections, and young (then middle) collections
# before an older one; Python's defaults are (700, 10, 10).
GC_THRESHOLDS = (100_000, 50, 100)


def collect_less_often() -> None:
    """A refresh keeps what it builds (the indicator table, the plan's cells)
    alive to the end, so with Python's default thresholds the cycle collector
    walks hundreds of thousands of live objects again and again while finding
    almost nothing to free: a quarter of a 10,000-indicator refresh. Collecting
    after many more allocations frees the same cycles, later. Only the command
    line does this; the library leaves the collector as its caller set it."""
    gc.set_threshold(*GC_THRESHOLDS)
