"""The Python side of each button on the KPI ribbon tab.

Each button's VBA callback (macros/kpi_xl.bas, inside kpi_xl.xlam) runs one
function here through xlwings' RunPython, e.g.
``import kpi_xl.excel.ribbon as r; r.refresh_all('0.37.8')``: the argument
is the version of the xlwings VBA the add-in was built from. Each function:
find the calling workbook, build the refresh plan with the library, apply
its part with the live writer, say what happened in the status bar. The
buttons are listed in :mod:`kpi_xl.excel.buttons`; each owned sheet's
button function (``exceptions``, ``check_data``) comes from the owned-sheet
registry (:func:`__getattr__`), so a new owned sheet needs nothing here.

No traceback reaches an officer: any exception becomes one message box
line saying what went wrong and what to do, and naming the log file that
holds the details (:func:`guarded`).

The plan is built from the saved file (``book.fullname``), so a workbook with
unsaved changes is refused with "save first" rather than refreshed from a
stale copy.

Configuration: ``kpi-xl.yaml`` beside the workbook, else the file named by
the KPI_XL_CONFIG environment variable, else the defaults.

Imports are late: a click pays only for what its button uses, and this
module imports without xlwings, pandas or the config model.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..errors import KpiError, Place

if TYPE_CHECKING:
    from ..refresh_job import RefreshResult

CONFIG_FILE_NAME = "kpi-xl.yaml"
CONFIG_ENV = "KPI_XL_CONFIG"
LOG_ENV = "KPI_XL_LOG"
LOG_LIMIT = 1_000_000  # bytes; the log starts again beyond this


def refresh_all(vba_xlwings: str | None = None) -> None:
    run_part("all", vba_xlwings=vba_xlwings)


def rag(vba_xlwings: str | None = None) -> None:
    run_part("rag", vba_xlwings=vba_xlwings)


def direction(vba_xlwings: str | None = None) -> None:
    run_part("direction", vba_xlwings=vba_xlwings)


def comparators(vba_xlwings: str | None = None) -> None:
    run_part("comparators", vba_xlwings=vba_xlwings)


def __getattr__(name: str) -> Callable[..., None]:
    """The button function of a registered owned sheet (``r.exceptions(...)``
    rewrites the exception summary), looked up when the button is pressed."""
    if not name.startswith("_"):
        from ..owned_sheets.registry import with_buttons

        for kind in with_buttons():
            if kind.button.function == name:
                return _sheet_button(kind.role, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _sheet_button(role: str, name: str) -> Callable[..., None]:
    def press(vba_xlwings: str | None = None) -> None:
        run_part(role, vba_xlwings=vba_xlwings)

    press.__name__ = press.__qualname__ = name
    press.__doc__ = f"The ribbon button that rewrites the {role} sheet."
    return press


def settings(vba_xlwings: str | None = None, book: Any = None, *,
             platform: str | None = None) -> Path | None:
    """Open the council's YAML settings (made from the defaults beside the
    workbook when there is none yet)."""
    def open_settings(book: Any) -> Path:
        workbook = saved_workbook_path(book, allow_unsaved=True, platform=platform)
        path = find_config(workbook) or create_config(workbook.parent / CONFIG_FILE_NAME)
        open_in_editor(path, platform)
        book.app.status_bar = f"kpi-xl settings: {path} (used from the next refresh)"
        return path

    return guarded(open_settings, book, vba_xlwings)


def run_part(part: str, book: Any = None, *, platform: str | None = None,
             vba_xlwings: str | None = None) -> dict | None:
    """Build the refresh plan of the calling workbook and apply ``part`` of it."""
    def apply(book: Any) -> dict:
        from ..config import load_config
        from ..refresh_job import build_refresh
        from .live_writer import LiveWriter
        from .parts import narrow_plan

        path = saved_workbook_path(book, platform=platform)
        result = build_refresh(path, load_config(find_config(path)))
        summary = LiveWriter(book, platform=platform).apply(narrow_plan(result, part))
        book.app.status_bar = status_line(part, result, summary)
        return summary

    return guarded(apply, book, vba_xlwings)


# --- no traceback reaches an officer ---------------------------------------------------------

def guarded(action: Callable[[Any], Any], book: Any = None, vba_xlwings: str | None = None) -> Any:
    """``action(book)`` for the calling workbook; any exception becomes one
    message box line naming the log file, and the result None."""
    try:
        check_xlwings_version(vba_xlwings)
        book = book if book is not None else caller_book()
        return action(book)
    except KpiError as exc:
        log = log_failure(exc)
        tell(book, f"kpi-xl: {one_line(str(exc))} (log: {log})")
    except Exception as exc:  # noqa: BLE001 - any failure: a message, not a traceback
        log = log_failure(exc)
        tell(book, f"kpi-xl stopped: {type(exc).__name__}: {one_line(str(exc), 160)}. Save your "
                   f"work, try once more, and if it happens again send {log} to your kpi-xl "
                   "support.")
    return None


def caller_book() -> Any:
    import xlwings as xw

    try:
        return xw.Book.caller()
    except Exception:  # noqa: BLE001 - xlwings raises plain exceptions here
        raise KpiError("kpi-xl could not find the workbook that called it: click in the "
                       "workbook and press the button again") from None


def check_xlwings_version(vba_xlwings: str | None) -> None:
    """The add-in's VBA is xlwings' own and must match the Python package."""
    if not vba_xlwings:
        return
    import xlwings

    if vba_xlwings != xlwings.__version__:
        raise KpiError(f"kpi_xl.xlam was built with xlwings {vba_xlwings} but this Python has "
                       f"xlwings {xlwings.__version__}: run 'kpi-xl addin install' (or "
                       "'kpi-xl addin build') again, then restart Excel")


def one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split()) or "no detail"
    return line if len(line) <= limit else line[: limit - 1] + "…"


def log_file() -> Path:
    """Where failures are written: $KPI_XL_LOG, else the user's local app data."""
    named = os.environ.get(LOG_ENV)
    if named:
        return Path(named)
    if sys.platform.startswith("win") and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "kpi-xl" / "kpi-xl.log"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Logs" / "kpi-xl.log"
    return Path.home() / ".cache" / "kpi-xl" / "kpi-xl.log"


def log_failure(exc: BaseException) -> Path:
    """Append the failure with its traceback; returns the log's path."""
    entry = (f"--- {dt.datetime.now().isoformat(timespec='seconds')} "
             f"{type(exc).__name__}: {one_line(str(exc), 2000)}\n"
             + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    for path in (log_file(), Path(os.environ.get("TEMP") or "/tmp") / "kpi-xl.log"):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            mode = "w" if path.is_file() and path.stat().st_size > LOG_LIMIT else "a"
            with path.open(mode, encoding="utf-8") as log:
                log.write(entry)
            return path
        except OSError:
            continue
    return log_file()


def tell(book: Any, message: str) -> None:
    """One message box; when Excel cannot show it, Windows' own."""
    try:
        book.app.status_bar = "kpi-xl: stopped (see the message)"
        book.app.alert(message, title="kpi-xl")
        return
    except Exception:  # noqa: BLE001 - no workbook, or Excel busy
        pass
    if sys.platform.startswith("win"):
        try:
            import ctypes

            ctypes.windll.user32.MessageBoxW(None, message, "kpi-xl", 0x10)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - the log still has it
            pass


def saved_workbook_path(book: Any, *, allow_unsaved: bool = False,
                        platform: str | None = None) -> Path:
    """The workbook's file, which must hold what the officer sees."""
    try:
        fullname = str(book.fullname)
    except KpiError:
        raise
    except Exception:  # noqa: BLE001 - xlwings cannot map a OneDrive/SharePoint URL
        raise KpiError("kpi-xl cannot find this workbook's file on this computer (it is open "
                       "from OneDrive or SharePoint): open it from the synced folder in File "
                       "Explorer or Finder, or set ONEDRIVE_COMMERCIAL_WIN in the add-in's "
                       "myaddin.conf (macros/README.md)") from None
    path = Path(fullname)
    if "://" in fullname or not path.is_file():
        raise KpiError("save the workbook to a local or synced folder first: kpi-xl reads "
                       "the saved file", Place(file=fullname))
    from .live_writer import unsaved_changes

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
    from ..config import DEFAULTS_FILE

    if DEFAULTS_FILE.is_file():
        shutil.copyfile(DEFAULTS_FILE, path)
    else:
        path.write_text("# kpi-xl settings: see the project's README\n", encoding="utf-8")
    return path


def open_in_editor(path: Path, platform: str | None = None) -> None:
    """The settings in the user's editor for .yaml files, else Notepad (Windows)
    or TextEdit (macOS); where neither opens, say where the file is."""
    platform = platform or ("win" if sys.platform.startswith("win") else
                            "mac" if sys.platform == "darwin" else "linux")
    where = Place(file=str(path))
    if platform == "win":
        try:
            os.startfile(str(path))  # type: ignore[attr-defined]  # Windows only
            return
        except (OSError, AttributeError):  # no application is associated with .yaml
            pass
        try:
            subprocess.Popen(["notepad.exe", str(path)])
            return
        except OSError:
            raise KpiError("no program here opens .yaml files: open this file in Notepad",
                           where) from None
    if platform == "mac":
        try:
            done = subprocess.run(["open", "-t", str(path)], check=False, capture_output=True)
        except OSError:
            done = None
        if done is None or done.returncode != 0:
            raise KpiError("macOS could not open the settings: open this file in TextEdit", where)
        return
    raise KpiError("opening the settings needs Windows or macOS", where)


def status_line(part: str, result: RefreshResult, summary: dict) -> str:
    """One line for Excel's status bar."""
    from ..owned_sheets.registry import with_buttons

    counts = result.counts
    sheets = ", ".join(summary["sheets_added"] + summary["sheets_replaced"]) or "-"
    lines = {
        "all": result.summary_line(),
        "rag": f"kpi-xl: RAG of {counts['indicators']} indicators: {counts['RED']} red, "
               f"{counts['AMBER']} amber, {counts['GREEN']} green",
        "direction": f"kpi-xl: direction of travel of {counts['indicators']} indicators",
        "comparators": f"kpi-xl: {summary['cells']} comparator cells filled",
        **{kind.role: (kind.button.status or "kpi-xl: {label} on {sheets}").format(
            label=kind.button.label, sheets=sheets, **counts) for kind in with_buttons()},
    }
    line = lines[part]
    if summary["skipped"]:
        line += f" ({len(summary['skipped'])} items not available in this Excel)"
    return line
