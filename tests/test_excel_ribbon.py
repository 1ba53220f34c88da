"""The Python side of the ribbon buttons, end to end on a real workbook file.

A returns workbook is built with openpyxl; the refresh library plans it for
real; the plan is applied to the xlwings stand-in from test_excel_live_writer
(Excel does not run here). Each button must apply exactly its part of the
refresh plan, so a button and a full refresh can never disagree.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from kpi_xl.config import load_config
from kpi_xl.errors import KpiError
from kpi_xl.excel import ribbon
from kpi_xl.excel.live_writer import cell_position
from kpi_xl.excel.buttons import part_purposes
from kpi_xl.excel.parts import narrow_plan
from kpi_xl.xlsx.refs import sqref_columns
from kpi_xl.plan import AddConditionalFormat, SetCell
from kpi_xl.refresh_job import build_refresh
from kpi_xl.templates import SHEET, TemplateIndicator, build_returns_workbook

from .test_excel_live_writer import FakeBook, assert_cells_match

INDICATORS = [
    TemplateIndicator("T01", "Area A", "Re-referrals within 12 months", "Percentage", "lower", 0.20,
                      [0.25, 0.22, 0.21, 0.19]),
    TemplateIndicator("T02", "Area A", "Assessments in 45 days", "Percentage", "higher", 0.80,
                      [0.70, 0.75, 0.81, 0.77]),
    TemplateIndicator("T03", "Area A", "Repeat CP plans", "Number", "lower", 30,
                      [28, 31, 30, 32]),
    TemplateIndicator("T04", "Area B", "Children in need", "Number", None, None,
                      [300, 320, 310, "x"]),
]


@pytest.fixture
def workbook(tmp_path) -> Path:
    return build_returns_workbook(tmp_path / "returns.xlsx", "Test returns", INDICATORS,
                                  {2024: [3, 4], 2025: [1, 2]})


@pytest.fixture
def result(workbook):
    return build_refresh(workbook, load_config())


def open_book(path: Path, saved: bool = True) -> FakeBook:
    return FakeBook([SHEET], fullname=str(path), saved=saved)


def written_cells(book: FakeBook, sheet: str) -> set[tuple[int, int]]:
    return set(book.sheets[sheet].values)


def test_refresh_all_applies_the_whole_refresh_plan(workbook, result):
    book = open_book(workbook)
    summary = ribbon.run_part("all", book, platform="win")
    assert result.plan.cells(), "the refresh planned nothing: the test would prove nothing"
    assert_cells_match(book, result.plan.cells())
    owned = [s.name for s in result.plan.sheets]
    assert summary["sheets_added"] == owned
    for sheet in result.plan.sheets:
        assert_cells_match(book, [SetCell(sheet.name, c.cell, c.value, c.formula, c.style)
                                  for c in sheet.cells])
    planned_cf = [c for c in result.plan.changes if isinstance(c, AddConditionalFormat)]
    assert summary["conditional_formats"] == len(planned_cf) + sum(
        len(s.conditional_formats) for s in result.plan.sheets)
    assert book.app.state["status_bar"] == result.summary_line()
    assert book.app.alerts == []


def test_the_rag_button_writes_only_the_rag_part(workbook, result):
    book = open_book(workbook)
    ribbon.run_part("rag", book, platform="win")
    part = narrow_plan(result, "rag")
    assert part.cells() and not part.sheets
    assert_cells_match(book, part.cells())
    rag_column = {cell_position(c.cell)[1] for c in part.cells()}
    assert len(rag_column) == 1 and {c for _, c in written_cells(book, SHEET)} == rag_column
    assert [s.name for s in book.sheets] == [SHEET]  # no owned sheets from this button
    assert book.app.state["status_bar"].startswith("kpi-xl: RAG of 4 indicators")


def test_the_direction_button_writes_only_the_direction_column(workbook, result):
    book = open_book(workbook)
    ribbon.run_part("direction", book, platform="win")
    part = narrow_plan(result, "direction")
    columns = {cell_position(c.cell)[1] for c in part.cells()}
    assert len(columns) == 1 and {c for _, c in written_cells(book, SHEET)} == columns
    assert not book.entries("cf_add")


@pytest.mark.parametrize("part, role", [("exceptions", "exceptions"),
                                        ("data_quality", "data_quality")])
def test_sheet_buttons_write_only_their_sheet(workbook, result, part, role):
    book = open_book(workbook)
    summary = ribbon.run_part(part, book, platform="win")
    wanted = [s.name for s in result.plan.sheets if s.role == role]
    assert summary["sheets_added"] == wanted and len(wanted) == 1
    assert written_cells(book, SHEET) == set()


def test_every_part_is_a_subset_of_refresh_all(result):
    everything = result.plan.changes
    for part in part_purposes():
        narrowed = narrow_plan(result, part)
        assert all(change in everything for change in narrowed.changes)
        assert all(sheet in result.plan.sheets for sheet in narrowed.sheets)
    rag = narrow_plan(result, "rag")
    coloured = set().union(*(sqref_columns(c.range) for c in rag.changes
                             if isinstance(c, AddConditionalFormat)))
    latest = result.table.layouts[0].latest_period_column
    assert latest in coloured  # the latest figures are coloured by their RAG


def test_an_unknown_part_is_refused(result):
    with pytest.raises(KpiError, match="unknown part"):
        narrow_plan(result, "everything")


def test_a_workbook_with_unsaved_changes_is_refused_with_a_message(workbook):
    book = open_book(workbook, saved=False)
    assert ribbon.run_part("all", book, platform="win") is None
    assert book.entries("value") == []
    [(title, message)] = book.app.alerts
    assert title == "kpi-xl" and "save the workbook first" in message
    assert "\n" not in message


def test_a_workbook_never_saved_or_online_is_refused(tmp_path):
    for fullname in ("Book1", "https://council.sharepoint.com/sites/pi/returns.xlsx"):
        book = FakeBook([SHEET], fullname=fullname)
        ribbon.run_part("all", book, platform="win")
        assert "local or synced folder" in book.app.alerts[-1][1]


def test_settings_are_found_beside_the_workbook_then_from_the_environment(tmp_path, monkeypatch):
    book = tmp_path / "returns.xlsx"
    monkeypatch.delenv(ribbon.CONFIG_ENV, raising=False)
    assert ribbon.find_config(book) is None
    monkeypatch.setenv(ribbon.CONFIG_ENV, str(tmp_path / "county.yaml"))
    assert ribbon.find_config(book) == tmp_path / "county.yaml"
    (tmp_path / "kpi-xl.yaml").write_text("rag: {tolerance: 0.1}\n", encoding="utf-8")
    assert ribbon.find_config(book) == tmp_path / "kpi-xl.yaml"


def test_a_new_settings_file_is_the_defaults(tmp_path):
    made = ribbon.create_config(tmp_path / "kpi-xl.yaml")
    assert load_config(made).model_dump() == load_config().model_dump()


# --- no traceback reaches an officer ---------------------------------------------------------

@pytest.fixture(autouse=True)
def log(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "logs" / "kpi-xl.log"
    monkeypatch.setenv(ribbon.LOG_ENV, str(path))
    return path


class UnmappedOneDriveBook(FakeBook):
    """xlwings raises when it cannot map a OneDrive URL to a local path."""

    @property
    def fullname(self):
        import xlwings

        raise xlwings.XlwingsError("Couldn't find your local OneDrive file, see: "
                                   "https://docs.xlwings.org/en/latest/onedrive_sharepoint.html")

    @fullname.setter
    def fullname(self, value):
        pass


def only_alert(book: FakeBook) -> str:
    [(title, message)] = book.app.alerts
    assert title == "kpi-xl" and "\n" not in message
    return message


def test_any_exception_is_one_line_naming_the_log(workbook, log, monkeypatch):
    def broken(*_a, **_k):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr("kpi_xl.refresh_job.build_refresh", broken)
    book = open_book(workbook)
    assert ribbon.run_part("rag", book, platform="win") is None
    message = only_alert(book)
    assert message.startswith("kpi-xl stopped: ZeroDivisionError: float division by zero")
    assert str(log) in message and "Traceback" not in message
    assert "Traceback (most recent call last)" in log.read_text(encoding="utf-8")
    assert book.entries("value") == []


def test_a_kpi_error_names_the_log_too(workbook, log):
    book = open_book(workbook, saved=False)
    ribbon.run_part("all", book, platform="win")
    message = only_alert(book)
    assert "save the workbook first" in message and f"(log: {log})" in message
    assert "save the workbook first" in log.read_text(encoding="utf-8")


def test_a_onedrive_path_xlwings_cannot_map_is_a_message(log):
    book = UnmappedOneDriveBook([SHEET])
    ribbon.run_part("all", book, platform="win")
    message = only_alert(book)
    assert "OneDrive or SharePoint" in message and "synced folder" in message


def test_a_mismatched_xlwings_is_one_message_saying_to_build_again(workbook, log):
    import xlwings

    book = open_book(workbook)
    ribbon.run_part("rag", book, platform="win", vba_xlwings="0.0.1")
    message = only_alert(book)
    assert f"built with xlwings 0.0.1 but this Python has xlwings {xlwings.__version__}" in message
    assert "kpi-xl addin build" in message and book.entries("value") == []
    book = open_book(workbook)
    ribbon.run_part("rag", book, platform="win", vba_xlwings=xlwings.__version__)
    assert book.app.alerts == [] and book.entries("value")


def test_no_calling_workbook_is_logged_not_raised(log):
    assert ribbon.guarded(lambda book: 1 / 0) is None  # xw.Book.caller() fails outside Excel
    assert "could not find the workbook" in log.read_text(encoding="utf-8")


def test_settings_without_a_yaml_program_fall_back_to_notepad(workbook, log, monkeypatch):
    opened = []

    def no_association(path):
        raise OSError(1155, "No application is associated with the specified file")

    monkeypatch.setattr(ribbon.os, "startfile", no_association, raising=False)
    monkeypatch.setattr(ribbon.subprocess, "Popen", lambda args: opened.append(args))
    book = open_book(workbook)
    path = ribbon.settings(book=book, platform="win")
    assert path == workbook.parent / "kpi-xl.yaml" and path.is_file()
    assert opened == [["notepad.exe", str(path)]] and book.app.alerts == []


def test_settings_that_nothing_can_open_say_where_the_file_is(workbook, log, monkeypatch):
    def fails(*_a, **_k):
        raise OSError(2, "not found")

    monkeypatch.setattr(ribbon.os, "startfile", fails, raising=False)
    monkeypatch.setattr(ribbon.subprocess, "Popen", fails)
    book = open_book(workbook)
    assert ribbon.settings(book=book, platform="win") is None
    message = only_alert(book)
    assert "open this file in Notepad" in message and str(workbook.parent / "kpi-xl.yaml") in message
