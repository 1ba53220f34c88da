"""The Python side of each button on the KPI ribbon tab.

Each button's VBA callback (macros/kpi_xl.bas) runs one function here through
xlwings' RunPython, e.g. ``import kpi_xl.excel.ribbon as r; r.refresh_all()``.
Each function: find the calling workbook, build the refresh plan with the
library, apply its part with the live writer, say what happened in the
status bar. A :class:`kpi_xl.errors.KpiError` becomes one message box.

The plan is built from the saved file (``book.fullname``), so a workbook with
unsaved changes is refused with "save first" rather than refreshed from a
stale copy.

Configuration: ``kpi-xl.yaml`` beside the workbook, else the file named by
the KPI_XL_CONFIG environment variable, else the defaults.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import xlwings as xw

from ..config import DEFAULTS_FILE, load_config
from ..errors import KpiError, Place
from .live_writer import LiveWriter, unsaved_changes
from .parts import narrow_plan

CONFIG_FILE_NAME = "kpi-xl.yaml"
CONFIG_ENV = "KPI_XL_CONFIG"


def refresh_all() -> None:
    run_part("all")


def rag() -> None:
    run_part("rag")


def direction() -> None:
    run_part("direction")


def comparators() -> None:
    run_part("comparators")


def exceptions() -> None:
    run_part("exceptions")


def check_data() -> None:
    run_part("data_quality")


def settings() -> None:
    """Open the council's YAML settings (made from the defaults beside the
    workbook when there is none yet)."""
    book = xw.Book.caller()
    with reported(book):
        workbook = saved_workbook_path(book, allow_unsaved=True)
        path = find_config(workbook) or create_config(workbook.parent / CONFIG_FILE_NAME)
        open_in_editor(path)
        book.app.status_bar = f"kpi-xl settings: {path} (used from the next refresh)"


def run_part(part: str, book: Any = None, *, platform: str | None = None) -> dict | None:
    """Build the refresh plan of the calling workbook and apply ``part`` of it."""
    from ..refresh import build_refresh  # late: the ribbon module must import cheaply

    book = book or xw.Book.caller()
    with reported(book):
        path = saved_workbook_path(book, platform=platform)
        result = build_refresh(path, load_config(find_config(path)))
        summary = LiveWriter(book, platform=platform).apply(narrow_plan(result, part))
        book.app.status_bar = status_line(part, result, summary)
        return summary
    return None


@contextmanager
def reported(book: Any) -> Iterator[None]:
    """A KpiError becomes a message box; anything else is a bug and xlwings
    shows its traceback."""
    try:
        yield
    except KpiError as exc:
        book.app.status_bar = "kpi-xl: stopped (see the message)"
        book.app.alert(f"kpi-xl: {exc}", title="kpi-xl")


def saved_workbook_path(book: Any, *, allow_unsaved: bool = False,
                        platform: str | None = None) -> Path:
    """The workbook's file, which must hold what the officer sees."""
    fullname = str(book.fullname)
    path = Path(fullname)
    if "://" in fullname or not path.is_file():
        raise KpiError("save the workbook to a local or synced folder first: kpi-xl reads "
                       "the saved file", Place(file=fullname))
    if not allow_unsaved and unsaved_changes(book, platform):
        raise KpiError("save the workbook first: kpi-xl reads the saved file, so unsaved "
                       "changes would be ignored", Place(file=fullname))
    return path


def find_config(workbook: Path) -> Path | None:
    """kpi-xl.yaml beside the workbook, else $KPI_XL_CONFIG, else None (defaults)."""
    beside = Path(workbook).parent / CONFIG_FILE_NAME
    if beside.is_file():
        return beside
    named = os.environ.get(CONFIG_ENV)
    return Path(named) if named else None


def create_config(path: Path) -> Path:
    """A council settings file to edit: the shipped defaults, commented."""
    if DEFAULTS_FILE.is_file():
        shutil.copyfile(DEFAULTS_FILE, path)
    else:
        path.write_text("# kpi-xl settings: see the project's README\n", encoding="utf-8")
    return path


def open_in_editor(path: Path) -> None:
    if sys.platform.startswith("win"):
        os.startfile(str(path))  # type: ignore[attr-defined]  # Windows only
    elif sys.platform == "darwin":
        subprocess.run(["open", "-t", str(path)], check=False)
    else:
        raise KpiError("opening the settings needs Windows or macOS", Place(file=str(path)))


def status_line(part: str, result: Any, summary: dict) -> str:
    """One line for Excel's status bar."""
    counts = result.counts
    sheets = ", ".join(summary["sheets_added"] + summary["sheets_replaced"]) or "-"
    lines = {
        "all": result.summary_line(),
        "rag": f"kpi-xl: RAG of {counts['indicators']} indicators: {counts['RED']} red, "
               f"{counts['AMBER']} amber, {counts['GREEN']} green",
        "direction": f"kpi-xl: direction of travel of {counts['indicators']} indicators",
        "comparators": f"kpi-xl: {summary['cells']} comparator cells filled",
        "exceptions": f"kpi-xl: exception summary on {sheets}",
        "data_quality": f"kpi-xl: {counts['findings']} data-quality findings on {sheets}",
    }
    line = lines[part]
    if summary["skipped"]:
        line += f" ({len(summary['skipped'])} items not available in this Excel)"
    return line
