"""``kpi-xl new`` and ``kpi-xl demo``: workbooks made from the bundled templates."""
# No ``from __future__ import annotations`` here: typer reads every command's
# signature on each run and would eval each annotation's text twice (cli/__init__).

from pathlib import Path
from typing import Optional

import typer

from .common import ConfigOption, JsonOption, emit_json, friendly


@friendly
def new(
    out: Path = typer.Argument(..., help="Returns workbook to create (.xlsx)."),
    config: Optional[Path] = ConfigOption,
    force: bool = typer.Option(False, "--force", help="Overwrite OUT if it exists."),
    year: Optional[str] = typer.Option(None, "--year", help="Financial year to report, "
                                       "e.g. 2026-27 (default: the current one). The previous "
                                       "year's quarters and outturn come first, so Q1 has a "
                                       "direction of travel."),
    council: Optional[str] = typer.Option(None, "--council", help="Council name for the "
                                          "title (default: workbook.council in the config)."),
):
    """Create a new returns workbook from the standard indicator library.

    Examples:

        kpi-xl new returns-2026-27.xlsx --year 2026-27 --council "Exampleshire County Council"

        kpi-xl new returns.xlsx -c council.yaml
    """
    from ..config import load_config
    from ..templates import new_workbook

    path = new_workbook(out, load_config(config), force=force, year=year, council=council)
    typer.echo(f"Created {path}. Type figures into the quarter columns, then run: "
               f"kpi-xl refresh {path}")


@friendly
def demo(
    folder: Path = typer.Option(Path("kpi-xl-demo"), "--folder", help="Where to put the example."),
    json_: bool = JsonOption,
):
    """Refresh the bundled example workbook and say where the result is.

    Example:

        kpi-xl demo --folder /tmp/demo
    """
    from ..config import load_config
    from ..refresh_job import refresh as run_refresh
    from ..templates import example_workbook

    book = example_workbook(folder, force=True)
    result = run_refresh(book, load_config(), backup="none")
    if json_:
        emit_json(result.as_dict())
        return
    typer.echo(result.summary_line())
    typer.echo(f"Open {book.resolve()} and look at the sheets "
               f"'{load_config().exceptions.sheet_name}' and "
               f"'{load_config().workbook.data_quality_sheet}'.")
