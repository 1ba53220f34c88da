"""The kpi-xl command line: thin over the library, one module per command group.

The app is built here, when the package is imported: each command is a plain
function in its group's module (``check``, ``refresh``, ``templates``,
``pack``) or a sub-app (``comparators``, ``addin``), and none of them imports
this module back. ``kpi-xl`` (pyproject's console script) runs :func:`main`.

The command modules keep their annotations as objects (they do not import
``annotations`` from ``__future__``): typer builds every command from its
signature each time the program runs, and text annotations it evaluates
twice a parameter (``inspect.signature(eval_str=True)`` and
``get_type_hints``), some 3 ms of each command.
"""
from __future__ import annotations

import atexit
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
    # Text from workbooks may hold what a terminal cannot show (a lone
    # surrogate from Excel's _xD800_): print it escaped, never a traceback.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    skip_heap_teardown_at_exit()
    app(prog_name="kpi-xl")


def skip_heap_teardown_at_exit() -> None:
    """When the process ends, the collector is not to walk what it holds.

    Python's shutdown runs the cyclic collector over every object still
    alive as it clears the modules: for a refresh, the heap the imports made
    (typer, click, lxml, kpi-xl's own classes and functions),
    some 10-15% of the whole command's time, to free memory the exit gives
    back anyway. :func:`gc.freeze` (run by ``atexit``, after the command and
    its output, before that shutdown) moves them out of the collector's
    sight; files are flushed and closed and ``atexit`` handlers run as
    before. Registered once, however often :func:`main` is called.
    """
    global _freeze_registered
    if not _freeze_registered:
        atexit.register(gc.freeze)
        _freeze_registered = True


_freeze_registered = False
