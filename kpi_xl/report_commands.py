"""Commands that register on the main app: report (the committee pack) and batch."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .cli import ConfigOption, JsonOption, app, emit_json, friendly


@app.command()
@friendly
def report(
    book: Path = typer.Argument(..., help="Returns workbook (.xlsx/.xlsm) to report on."),
    pdf: Optional[Path] = typer.Option(None, "--pdf", help="Write the pack as PDF here "
                                       "(needs LibreOffice)."),
    docx: Optional[Path] = typer.Option(None, "--docx", help="Write the pack as DOCX here, "
                                        "to paste into the committee template."),
    config: Optional[Path] = ConfigOption,
    json_: bool = JsonOption,
):
    """Make the committee pack: the exception summary by area, then each
    indicator's figures, rating, direction, comparators, commentary and chart.

    The workbook is rated exactly as `kpi-xl refresh` would rate it, but it
    is not changed. Commentary comes from the exception summary sheet (and
    the indicator sheet's commentary column). Landscape A4, page headers
    with council, service and period; the PDF is made from the DOCX with
    LibreOffice.

    Examples:

        kpi-xl report returns.xlsx --pdf committee-Q2.pdf

        kpi-xl report returns.xlsx --pdf committee-Q2.pdf --docx committee-Q2.docx -c council.yaml
    """
    from .config import load_config
    from .report import make_report

    if pdf is None and docx is None:
        raise typer.BadParameter("give --pdf OUT.pdf, --docx OUT.docx or both")
    progress = None if json_ else (lambda msg: typer.echo(f"  {msg}...", err=True))
    result = make_report(book, load_config(config), pdf=pdf, docx=docx, progress=progress)
    if json_:
        emit_json(result.as_dict())
    else:
        typer.echo(result.summary_line())


@app.command()
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
    from .batch import collect_workbooks, run_batch
    from .config import load_config

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
    raise typer.Exit(0 if result.ok else 1)


def _shown(outcome) -> str | None:
    if outcome is None:
        return None
    return f"{Path(outcome.workbook).name}{'' if outcome.ok else ' FAILED'}"
