"""``kpi-xl addin build`` and ``kpi-xl addin install``."""
# No ``from __future__ import annotations`` here: typer reads every command's
# signature on each run and would eval each annotation's text twice (cli/__init__).

from pathlib import Path
from typing import Optional

import typer

from .common import friendly

app = typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                  help="Build and install the Excel add-in (KPI ribbon tab and worksheet functions).")


@app.command()
@friendly
def build(
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Where to write the add-in (default ./kpi_xl.xlam)."),
):
    """Make kpi_xl.xlam from the ribbon add-in template inside the installed xlwings.

    Works on any system (no Excel needed): our ribbon (macros/customUI14.xml)
    replaces the template's, and the ribbon callbacks (macros/kpi_xl.bas) are
    written into its VBA project, beside xlwings' own VBA, which is kept.

    Example:

        kpi-xl addin build --output dist/kpi_xl.xlam
    """
    from ..excel.addin import build_addin

    typer.echo(f"built {build_addin(output)}")


@app.command()
@friendly
def install(
    addin: Optional[Path] = typer.Option(None, "--addin",
                                         help="An add-in built earlier (default: build one now)."),
):
    """Install kpi_xl.xlam for this user and import the worksheet functions.

    Windows: copies it to %APPDATA%\\Microsoft\\AddIns, points its settings at
    this Python (again on every install), imports the worksheet functions
    through xlwings (Excel must trust access to the VBA project object model
    for that step only) and turns the add-in on. macOS: copies it to Excel's
    startup folder. Exit code 1 when a step failed; the output says what to do.

    Example:

        kpi-xl addin install
    """
    from ..excel.addin import install_addin

    result = install_addin(addin)
    typer.echo(result.as_text())
    if not result.ok:
        raise typer.Exit(1)
