"""``kpi-xl check``: what was found in a workbook, and its findings."""
# No ``from __future__ import annotations`` here: typer reads every command's
# signature on each run and would eval each annotation's text twice (cli/__init__).

from pathlib import Path
from typing import Optional

import typer

from ..errors import KpiError
from .common import ConfigOption, JsonOption, emit_json, friendly


@friendly
def check(
    book: Optional[Path] = typer.Argument(None, help="Returns workbook (.xlsx/.xlsm)."),
    config: Optional[Path] = ConfigOption,
    json_: bool = JsonOption,
    explain: bool = typer.Option(False, "--explain", help="Also print how each table was read "
                                 "(header rows, column roles and periods, where the year of "
                                 "bare 'Q1 | Q2' headers was read, reporting period, rows "
                                 "read and skipped, the winning and runner-up reading) and the "
                                 "layout: YAML that reproduces it."),
    list_findings: bool = typer.Option(False, "--list-findings", help="Print every finding type "
                                       "(severity, title, what to do) instead of checking a "
                                       "workbook; with --config, as that config grades them."),
):
    """Find the indicator tables and report data-quality findings.

    Exit code 0 when there are no errors, 1 when there are (warnings do not
    fail), 2 when the workbook cannot be read. The workbook is never changed.
    The config's findings: section skips or re-grades finding types
    (--list-findings names them); the exit code follows the re-graded ones.

    Examples:

        kpi-xl check returns.xlsx --json

        kpi-xl check returns.xlsx --explain > reading.txt

        kpi-xl check --list-findings --config council.yaml
    """
    from ..check import check_workbook
    from ..config import load_config

    if list_findings:
        return _list_findings(load_config(config), json_)
    if book is None:
        raise KpiError("give the returns workbook to check (or --list-findings for the finding types)")
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



def _list_findings(config, json_: bool) -> None:
    from ..check import finding_types_text, list_finding_types

    types = list_finding_types(config)
    if json_:
        emit_json(types)
    else:
        typer.echo(finding_types_text(types))
