"""``kpi-xl refresh`` and ``kpi-xl batch``: one workbook, several, or a folder."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import KpiError, Place
from .common import ConfigOption, JsonOption, emit_json, friendly


@friendly
def refresh(
    books: List[Path] = typer.Argument(..., help="Returns workbook(s) (.xlsx/.xlsm) or folders "
                                       "to refresh in place; several run in parallel."),
    config: Optional[Path] = ConfigOption,
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Write here instead of in place."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Write nothing; report what would change."),
    json_: bool = JsonOption,
    no_backup: bool = typer.Option(False, "--no-backup", help="Do not keep BOOK.bak."),
):
    """Rate every indicator, fill direction of travel and comparators, and
    write the exception summary and data quality sheets, in place.

    Everything else in the workbook is copied byte for byte; the file is
    replaced atomically and a backup (BOOK.bak) is kept unless --no-backup.
    Several workbooks, or a folder, are refreshed in parallel with a
    progress bar and a summary table (exit code 1 when any failed).

    Examples:

        kpi-xl refresh returns.xlsx

        kpi-xl refresh returns.xlsx --config council.yaml --dry-run --json

        kpi-xl refresh returns/2025-26/ --no-backup
    """
    from ..config import load_config
    from ..refresh_job import refresh as run_refresh

    if len(books) != 1 or books[0].is_dir():
        if output is not None:
            raise KpiError("--output takes one workbook; drop it to refresh several in place",
                           Place(key="--output"))
        return run_batch_command(books, config, json_=json_, no_backup=no_backup,
                                 dry_run=dry_run)
    book = books[0]
    progress = None if json_ else (lambda msg: typer.echo(f"  {msg}...", err=True))
    result = run_refresh(book, load_config(config), output=output, dry_run=dry_run,
                         backup="none" if no_backup else None, progress=progress)
    if json_:
        emit_json(result.as_dict())
    else:
        typer.echo(result.summary_line())
        _echo_some("Changed since the sheet was last rated:",
                   [_change_text(c) for c in result.change_log], "in --json")
        _echo_some("Findings:", result.report.as_text().splitlines(), "on the data quality sheet")


def _change_text(change: dict) -> str:
    def shown(rag, arrow):
        return f"{rag or 'no rating'} {arrow or ''}".strip()

    name = change["name"] if len(change["name"]) <= 60 else change["name"][:59] + "…"
    return (f"{change['sheet']} row {change['row']}, {name}: "
            f"{shown(change['previous_rag'], change['previous_direction'])} -> "
            f"{shown(change['rag'], change['direction'])}")


def _echo_some(title: str, lines: list[str], rest_where: str, most: int = 30) -> None:
    if not lines:
        return
    typer.echo(title)
    for line in lines[:most]:
        typer.echo(f"  {line}")
    if len(lines) > most:
        typer.echo(f"  ... {len(lines) - most} more {rest_where}")


@friendly
def batch(
    books: List[Path] = typer.Argument(..., help="Workbooks and/or folders of workbooks "
                                       "(.xlsx/.xlsm; a folder's sub-folders are not searched)."),
    config: Optional[Path] = ConfigOption,
    json_: bool = JsonOption,
    no_backup: bool = typer.Option(False, "--no-backup", help="Do not keep BOOK.bak."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Write nothing; report what would change."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1,
                                          help="Processes to use (default: one per CPU)."),
):
    """Refresh several workbooks, or every workbook in a folder, in parallel.

    Ends with a table: workbook, indicators, RED/AMBER/GREEN counts,
    findings and seconds. A workbook that cannot be refreshed is reported
    and the others carry on. Exit code 0 when all were refreshed, 1 when
    any failed, 2 when the batch cannot start (bad config, empty folder).

    Examples:

        kpi-xl batch returns/2025-26/

        kpi-xl batch early-help.xlsx front-door.xlsx --json --no-backup
    """
    run_batch_command(books, config, json_=json_, no_backup=no_backup, dry_run=dry_run,
                      workers=workers)


def run_batch_command(books: List[Path], config: Optional[Path], *, json_: bool, no_backup: bool,
                      dry_run: bool, workers: Optional[int] = None) -> None:
    """The batch behind `batch` and a many-workbook `refresh`: progress bar,
    summary table, exit code 1 when any workbook failed."""
    from ..batch import collect_workbooks, run_batch
    from ..config import load_config

    cfg = load_config(config)
    found = collect_workbooks(books)
    with typer.progressbar(length=len(found), label="Refreshing", file=sys.stderr,
                           item_show_func=_shown) as bar:
        def progress(_done: int, _total: int, outcome) -> None:
            bar.current_item = outcome  # shown by item_show_func
            bar.update(1)

        result = run_batch(found, cfg, dry_run=dry_run, backup="none" if no_backup else None,
                           workers=workers, progress=progress)
    if json_:
        emit_json(result.as_dict())
    else:
        typer.echo(result.as_text())
        typer.echo(result.summary_line())
    raise typer.Exit(130 if result.interrupted else 0 if result.ok else 1)


def _shown(outcome) -> str | None:
    if outcome is None:
        return None
    return f"{Path(outcome.workbook).name}{'' if outcome.ok else ' FAILED'}"
