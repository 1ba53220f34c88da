"""Commands that register on the main app: refresh, new, demo."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .cli import ConfigOption, JsonOption, app, emit_json, friendly
from .errors import KpiError, Place


@app.command()
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
    from .config import load_config
    from .refresh import refresh as run_refresh

    if len(books) != 1 or books[0].is_dir():
        if output is not None:
            raise KpiError("--output takes one workbook; drop it to refresh several in place",
                           Place(key="--output"))
        from .report_commands import run_batch_command
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


@app.command()
@friendly
def new(
    out: Path = typer.Argument(..., help="Returns workbook to create (.xlsx)."),
    config: Optional[Path] = ConfigOption,
    force: bool = typer.Option(False, "--force", help="Overwrite OUT if it exists."),
):
    """Create a new returns workbook from the standard indicator library.

    Example:

        kpi-xl new returns-2025-26.xlsx
    """
    from .config import load_config
    from .templates import new_workbook

    path = new_workbook(out, load_config(config), force=force)
    typer.echo(f"Created {path}. Type figures into the quarter columns, then run: "
               f"kpi-xl refresh {path}")


@app.command()
@friendly
def demo(
    folder: Path = typer.Option(Path("kpi-xl-demo"), "--folder", help="Where to put the example."),
    json_: bool = JsonOption,
):
    """Refresh the bundled example workbook and say where the result is.

    Example:

        kpi-xl demo --folder /tmp/demo
    """
    from .config import load_config
    from .refresh import refresh as run_refresh
    from .templates import example_workbook

    book = example_workbook(folder, force=True)
    result = run_refresh(book, load_config(), backup="none")
    if json_:
        emit_json(result.as_dict())
        return
    typer.echo(result.summary_line())
    typer.echo(f"Open {book.resolve()} and look at the sheets "
               f"'{load_config().exceptions.sheet_name}' and "
               f"'{load_config().workbook.data_quality_sheet}'.")
