"""The kpi-xl command line: thin over the library.

Every command turns a :class:`kpi_xl.errors.KpiError` into one line on stderr
and exit code 2; ``--json`` prints the library's result as JSON on stdout.
"""
from __future__ import annotations

import json
import sys
from functools import wraps
from pathlib import Path
from typing import Callable, Optional

import typer

from .errors import KpiError

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


def friendly(func: Callable) -> Callable:
    """Run a command; a KpiError becomes one line and exit code 2."""

    @wraps(func)
    def run(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KpiError as exc:
            typer.echo(f"kpi-xl: {exc}", err=True)
            raise typer.Exit(2)

    return run


def emit_json(data) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


ConfigOption = typer.Option(None, "--config", "-c", help="Council YAML config merged over the defaults.")
JsonOption = typer.Option(False, "--json", help="Print the result as JSON on stdout.")


@app.command()
@friendly
def check(
    book: Path = typer.Argument(..., help="Returns workbook (.xlsx/.xlsm)."),
    config: Optional[Path] = ConfigOption,
    json_: bool = JsonOption,
):
    """Find the indicator tables and report data-quality findings.

    Exit code 0 when there are no errors, 1 when there are (warnings do not
    fail), 2 when the workbook cannot be read.

    Example:

        kpi-xl check returns.xlsx --json
    """
    from .check import check_workbook
    from .config import load_config

    result = check_workbook(book, load_config(config))
    emit_json(result.as_dict()) if json_ else typer.echo(result.as_text())
    raise typer.Exit(1 if result.has_errors else 0)


def _mount_optional(module: str, name: str, help_: str) -> None:
    """Mount a sub-application owned by another module, if it is present."""
    try:
        sub = __import__(module, fromlist=["app"]).app
    except ImportError:
        return
    app.add_typer(sub, name=name, help=help_)


def main() -> None:  # console script entry point
    _register_commands()
    app()


def _register_commands() -> None:
    if getattr(app, "_kpi_registered", False):
        return
    app._kpi_registered = True  # type: ignore[attr-defined]
    from . import commands, report_commands  # noqa: F401  (they register themselves)
    _mount_optional("kpi_xl.comparators.cli", "comparators",
                    "Import and show published DfE comparator figures.")
    _mount_optional("kpi_xl.excel.cli", "addin", "Build and install the Excel add-in.")


if __name__ == "__main__":
    sys.exit(main())
