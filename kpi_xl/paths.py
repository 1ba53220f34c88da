"""Where the shipped files live (the project is installed editable)."""
from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
CONFIG_DIR = PROJECT_DIR / "config"
TEMPLATES_DIR = PROJECT_DIR / "workbook_templates"
MACROS_DIR = PROJECT_DIR / "macros"
