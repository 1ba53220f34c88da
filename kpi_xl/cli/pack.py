"""``kpi-xl report``: the committee pack."""
# No ``from __future__ import annotations`` here: typer reads every command's
# signature on each run and would eval each annotation's text twice (cli/__init__).

from pathlib import Path
from typing import Optional

import typer

from .common import ConfigOption, JsonOption, emit_json, friendly


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
    from ..config import load_config
    from ..pack import make_report

    if pdf is None and docx is None:
        raise typer.BadParameter("give --pdf OUT.pdf, --docx OUT.docx or both")
    progress = None if json_ else (lambda msg: typer.echo(f"  {msg}...", err=True))
    result = make_report(book, load_config(config), pdf=pdf, docx=docx, progress=progress)
    if json_:
        emit_json(result.as_dict())
    else:
        typer.echo(result.summary_line())
