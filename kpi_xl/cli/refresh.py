"""``kpi-xl refresh`` and ``kpi-xl batch``: one workbook, several, or a folder.

Both are thin over one library call, :func:`kpi_xl.batch.refresh_books`;
``batch`` is ``refresh`` that always ends with the summary table.
"""
# No ``from __future__ import annotations`` here: typer reads every command's
# signature on each run and would eval each annotation's text twice (cli/__init__).

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
    workers: Optional[int] = typer.Option(None, "--workers", min=1,
                                          help="Processes for several workbooks (default: one "
                                               "per CPU)."),
):
    """Rate every indicator, fill direction of travel and comparators, and
    write the exception summary and data quality sheets, in place.

    Everything else in the workbook is copied byte for byte; the file is
    replaced atomically and a backup (BOOK.bak) is kept unless --no-backup.
    Several workbooks, or a folder, are refreshed in parallel with a
    progress bar and a summary table (exit code 1 when any failed), as
    `kpi-xl batch` does.

    Examples:

        kpi-xl refresh returns.xlsx

        kpi-xl refresh returns.xlsx --config council.yaml --dry-run --json

        kpi-xl refresh returns/2025-26/ --no-backup
    """
    one = len(books) == 1 and not books[0].is_dir()
    if output is not None and not one:
        raise KpiError("--output takes one workbook; drop it to refresh several in place",
                       Place(key="--output"))
    refresh_and_show(books, config, table=not one, output=output, dry_run=dry_run, json_=json_,
                     no_backup=no_backup, workers=workers)


def refresh_and_show(books: List[Path], config: Optional[Path], *, table: bool,
                     output: Optional[Path] = None, dry_run: bool, json_: bool, no_backup: bool,
                     workers: Optional[int] = None) -> None:
    """Both commands: one :func:`kpi_xl.batch.refresh_books` call, shown as
    one workbook's changes and findings, or as the summary table."""
    from ..config import load_config

    cfg = load_config(config)
    backup = "none" if no_backup else None
    if table:
        _refresh_with_table(books, cfg, json_=json_, backup=backup, dry_run=dry_run,
                            workers=workers)
    else:
        _refresh_one(books, cfg, output=output, json_=json_, backup=backup, dry_run=dry_run)


def _refresh_one(books: List[Path], cfg, *, output, json_: bool, backup, dry_run: bool) -> None:
    from ..batch import refresh_books

    steps = None if json_ else (lambda msg: typer.echo(f"  {msg}...", err=True))
    outcome = refresh_books(books, cfg, output=output, dry_run=dry_run, backup=backup,
                            steps=steps, keep_results=True).outcomes[0]
    if outcome.exception is not None:
        raise outcome.exception  # one workbook: its error is the command's (exit 2)
    result = outcome.result
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
    # `kpi-xl refresh` with the summary table even for one workbook
    refresh_and_show(books, config, table=True, json_=json_, no_backup=no_backup,
                     dry_run=dry_run, workers=workers)


def _refresh_with_table(books: List[Path], cfg, *, json_: bool, backup, dry_run: bool,
                        workers: Optional[int]) -> None:
    """Progress bar, summary table, exit code 1 when any workbook failed."""
    from ..batch import collect_workbooks, refresh_books

    found = collect_workbooks(books)
    with typer.progressbar(length=len(found), label="Refreshing", file=sys.stderr,
                           item_show_func=_shown) as bar:
        def progress(_done: int, _total: int, outcome) -> None:
            bar.current_item = outcome  # shown by item_show_func
            bar.update(1)

        result = refresh_books(found, cfg, dry_run=dry_run, backup=backup, workers=workers,
                               progress=progress)
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
