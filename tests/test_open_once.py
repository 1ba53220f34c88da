"""Issue 18: a refresh opens the workbook and runs the package safety checks
once, and hands the open package to the owned-sheet lookup, the reader and
the writer (``check`` too).

The spies wrap the real functions (every call still does the real work):
they only count the calls that concern the workbook being refreshed.
"""
from __future__ import annotations

import builtins
import os
import zipfile
from pathlib import Path

import pytest

from kpi_xl.check import check_workbook
from kpi_xl.config import load_config
from kpi_xl.errors import KpiError
from kpi_xl.refresh_job import refresh
from kpi_xl.templates import example_workbook
from kpi_xl.xlsx import safety


class Spies:
    """Counts, for one workbook: the zip packages opened on it, the package
    safety checks run on it, and every time the file itself is opened."""

    def __init__(self, monkeypatch, book: Path):
        self.book = book.resolve()
        self.zip_opens: list[str] = []
        self.checks: list[str] = []
        self.file_opens: list[str] = []
        real_zip_init = zipfile.ZipFile.__init__
        real_check = safety.check_zip
        real_open = builtins.open

        def zip_init(zf, file, *args, **kwargs):
            self._note(self.zip_opens, file if isinstance(file, (str, os.PathLike))
                       else getattr(file, "name", None))
            real_zip_init(zf, file, *args, **kwargs)

        def check_zip(zf, path, *rest):
            self._note(self.checks, path)
            return real_check(zf, path, *rest)

        def open_file(file, *args, **kwargs):
            self._note(self.file_opens, file)
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(zipfile.ZipFile, "__init__", zip_init)
        monkeypatch.setattr(safety, "check_zip", check_zip)
        monkeypatch.setattr(builtins, "open", open_file)

    def _note(self, found: list[str], name) -> None:
        if isinstance(name, (str, os.PathLike)) and Path(name).resolve() == self.book:
            found.append(str(name))


@pytest.fixture
def book(tmp_path) -> Path:
    path = example_workbook(tmp_path)
    refresh(path, load_config())  # kpi-xl's sheets are there: the refresh reads them back
    return path


def test_one_refresh_opens_and_checks_the_workbook_once(book, monkeypatch):
    before = book.read_bytes()
    config = load_config().model_copy(update={"workbook": load_config().workbook.model_copy(
        update={"council": "Another council"})})  # so the second refresh changes the book
    spies = Spies(monkeypatch, book)
    result = refresh(book, config)
    assert result.changed and book.read_bytes() != before  # the real refresh ran and wrote
    assert len(spies.zip_opens) == 1, spies.zip_opens
    assert len(spies.checks) == 1, spies.checks
    # The file is opened for the package, and once more just before the
    # rename to check it is still the file that was read (its hash).
    assert len(spies.file_opens) == 2, spies.file_opens


def test_dry_run_and_output_open_and_check_once(book, monkeypatch, tmp_path):
    spies = Spies(monkeypatch, book)
    refresh(book, load_config(), dry_run=True)
    refresh(book, load_config(), output=tmp_path / "copy.xlsx")
    assert len(spies.zip_opens) == 2 and len(spies.checks) == 2, (spies.zip_opens, spies.checks)


def test_check_opens_and_checks_once(book, monkeypatch):
    spies = Spies(monkeypatch, book)
    result = check_workbook(book, load_config())
    assert len(result.table) > 0
    assert (len(spies.zip_opens), len(spies.checks), len(spies.file_opens)) == (1, 1, 1)


@pytest.mark.parametrize("when", ["reading indicator sheets", "writing"])
def test_book_rewritten_in_place_while_refreshing_is_still_refused(book, when):
    """Same file (same inode), new content, after it was opened (while it is
    read, or between the read and the write): refused as changed on disk,
    never called damaged, and the newcomer is kept."""
    config = load_config().model_copy(update={"workbook": load_config().workbook.model_copy(
        update={"council": "Another council"})})
    newcomer = example_workbook(book.parent / "other", force=True).read_bytes()

    def meanwhile(step: str) -> None:
        if step == when:  # another program saves over the workbook now
            with open(book, "r+b") as fh:
                fh.write(newcomer)
                fh.truncate()

    with pytest.raises(KpiError) as err:
        refresh(book, config, progress=meanwhile)
    assert "changed on disk" in str(err.value) and "damaged" not in str(err.value)
    assert book.read_bytes() == newcomer
