"""Where the shipped files live.

In a checkout (and an editable install) they are the folders at the top of
the repository. A wheel carries copies of them inside the package, under
``kpi_xl/_shipped/`` (setup.py copies them at build time); those win when
present, so an installed kpi-xl never looks outside its own package.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
SHIPPED_DIR = PACKAGE_DIR / "_shipped"


def shipped_folder(name: str) -> Path:
    """``kpi_xl/_shipped/<name>`` in an installed wheel, else ``<checkout>/<name>``."""
    inside = SHIPPED_DIR / name
    return inside if inside.is_dir() else PROJECT_DIR / name


CONFIG_DIR = shipped_folder("config")
TEMPLATES_DIR = shipped_folder("workbook_templates")
MACROS_DIR = shipped_folder("macros")
