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
):
    """Find the indicator tables and report data-quality findings.

    Exit code 0 when there are no errors, 1 when there are (warnings do not
    fail), 2 when the workbook cannot be read.

    Example:

        kpi-xl check returns.xlsx --json
    """
    from ..check import check_workbook
    from ..config import load_config

    result = check_workbook(book, load_config(config))
    emit_json(result.as_dict()) if json_ else typer.echo(result.as_text())
    raise typer.Exit(1 if result.has_errors else 0)
