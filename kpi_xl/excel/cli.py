"""``kpi-xl addin build`` and ``kpi-xl addin install`` (mounted by kpi_xl.cli)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..cli import friendly

app = typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                  help="Build and install the Excel add-in (KPI ribbon tab and worksheet functions).")


@app.command()
@friendly
def build(
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Where to write the add-in (default ./kpi_xl.xlam)."),
):
    """Make kpi_xl.xlam from the ribbon add-in template inside the installed xlwings.

    Works on any system (no Excel needed): the template's VBA is copied
    unchanged and our ribbon (macros/customUI14.xml) replaces its ribbon.

    Example:

        kpi-xl addin build --output dist/kpi_xl.xlam
    """
    from .addin import build_addin

    typer.echo(f"built {build_addin(output)}")


@app.command()
@friendly
def install(
    addin: Optional[Path] = typer.Option(None, "--addin",
                                         help="An add-in built earlier (default: build one now)."),
):
    """Install kpi_xl.xlam for this user and import the ribbon's VBA module.

    Windows: copies it to %APPDATA%\\Microsoft\\AddIns, imports macros/kpi_xl.bas
    through xlwings (Excel must trust access to the VBA project object model)
    and turns the add-in on. macOS: copies it to Excel's startup folder; the
    VBA module is imported by hand (macros/README.md).
    """
    from .addin import install_addin

    typer.echo(install_addin(addin).as_text())
