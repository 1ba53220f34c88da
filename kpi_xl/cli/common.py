"""What every kpi-xl command shares: one-line errors, JSON output, the common options.

Every command turns a :class:`kpi_xl.errors.KpiError` into one line on stderr
and exit code 2; ``--json`` prints the library's result as JSON on stdout.
"""
from __future__ import annotations

import json
from functools import wraps
from typing import Callable

import typer

from ..errors import KpiError


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
