"""``kpi-xl check``: what was found in a workbook, and its findings."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import ConfigOption, JsonOption, emit_json, friendly


@friendly
def check(
    book: Path = typer.Argument(..., help="Returns workbook (.xlsx/.xlsm)."),
    config: Optional[Path] = ConfigOption,
    json_: bool = JsonOption,
    explain: bool = typer.Option(False, "--explain", help="Also print how each table was read "
                                 "(header rows, column roles and periods, reporting period, rows "
                                 "read and skipped, the winning and runner-up reading) and the "
                                 "layout: YAML that reproduces it."),
):
    """Find the indicator tables and report data-quality findings.

    Exit code 0 when there are no errors, 1 when there are (warnings do not
    fail), 2 when the workbook cannot be read. The workbook is never changed.

    Examples:

        kpi-xl check returns.xlsx --json

        kpi-xl check returns.xlsx --explain > reading.txt
    """
    from ..check import check_workbook
    from ..config import load_config

    result = check_workbook(book, load_config(config))
    if json_:
        data = result.as_dict()
        if explain:
            from ..reader.explain import layout_entries
            data["layout"] = layout_entries(result.table)
        emit_json(data)
    else:
        typer.echo(result.as_text())
        if explain:
            typer.echo("")
            typer.echo(result.explain_text())
    raise typer.Exit(1 if result.has_errors else 0)
