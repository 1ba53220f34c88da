"""Idempotent for real (issue 12): a second refresh with no new figures
rewrites nothing: the same bytes, the same mtime, the same backup. On every
shared workbook, the bundled demo and a sample of the corpus (each with a
small indicator table written into it by the package writer, read through a
``layout:`` entry so the rest of the corpus file is untouched)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kpi_xl.config import config_from_dict, load_config
from kpi_xl.plan import Plan
from kpi_xl.refresh_job import refresh
from kpi_xl.templates import example_workbook
from kpi_xl.xlsx.writer import apply_plan
from tests.test_xlsx_support import first_worksheet

CORPUS_SAMPLE = 4  # corpus files, evenly spread over the sorted list


def _state(book: Path) -> dict:
    """Bytes and mtimes of the workbook and every backup beside it."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(book.parent.iterdir())
            if p.name.startswith(book.name)}


def assert_second_refresh_rewrites_nothing(book: Path, config) -> None:
    first = refresh(book, config)  # the default backup (book.xlsx.bak) is kept
    assert first.write is not None
    before = _state(book)
    second = refresh(book, config)
    assert not second.changed, second.write.as_dict() if second.write else None
    assert _state(book) == before  # same bytes and mtime, and the backup not rotated
    assert [f.as_text() for f in second.report] == [f.as_text() for f in first.report] or \
        sorted(f.as_text() for f in second.report) == sorted(f.as_text() for f in first.report)


def test_every_shared_workbook(shared_workbooks, tmp_path):
    books = sorted(shared_workbooks.glob("*.xlsx"))
    assert books
    for src in books:
        folder = tmp_path / src.stem
        folder.mkdir()
        book = folder / src.name
        shutil.copyfile(src, book)
        assert_second_refresh_rewrites_nothing(book, load_config())


def test_the_demo(tmp_path):
    book = example_workbook(tmp_path / "demo", force=True)
    assert_second_refresh_rewrites_nothing(book, load_config())


def _with_indicator_table(src: Path, dst: Path) -> tuple[Path, object]:
    """``src`` with an indicator table written far below its content on its
    first sheet, and the config that points kpi-xl at it."""
    shutil.copyfile(src, dst)
    sheet, _part = first_worksheet(dst)
    plan = Plan()
    rows = [["Indicator", "Polarity", "Target", "Q1 2023-24", "Q2 2023-24", "Q3 2023-24"],
            ["Re-referrals within 12 months", "Lower is better", 0.22, 0.24, 0.21, 0.23],
            ["Assessments within 45 days", "Higher is better", 0.85, 0.8, 0.86, 0.84],
            ["Children in care per 10,000", "N/A", None, 61.2, 62.0, 62.0]]
    top = 5000
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is not None:
                plan.set(sheet, f"{'ABCDEF'[c]}{top + r}", value)
    apply_plan(dst, plan, backup="none")
    config = config_from_dict({"layout": [{"sheet": sheet, "header_rows": [top],
                                           "first_row": top + 1, "last_row": top + 3}]})
    return dst, config


def test_a_corpus_sample(corpus_dir, tmp_path):
    files = sorted(p for p in corpus_dir.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm"))
    step = max(len(files) // CORPUS_SAMPLE, 1)
    sample = files[::step][:CORPUS_SAMPLE]
    from kpi_xl.errors import RefusedFile

    failures, tested = [], 0
    for src in sample + [f for f in files if f not in sample]:
        if tested >= CORPUS_SAMPLE:
            break
        folder = tmp_path / src.stem
        folder.mkdir()
        try:
            book, config = _with_indicator_table(src, folder / src.name)
        except RefusedFile:
            continue  # a protected first sheet: kpi-xl rightly will not write the table there
        tested += 1
        try:
            assert_second_refresh_rewrites_nothing(book, config)
        except Exception as exc:  # noqa: BLE001 - name every file that fails
            failures.append(f"{src.name}: {type(exc).__name__}: {exc}")
    assert tested == CORPUS_SAMPLE
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("policy", ["warn", "expire_each_period"])
def test_a_stale_override_stays_stable_across_refreshes(tmp_path, policy):
    """The stale-override case end to end: an override kpi-xl noted in an earlier
    quarter gives a finding on the data quality sheet and a note beside it, and
    a further refresh rewrites nothing."""
    from kpi_xl.reader import read_sheet_rows
    from kpi_xl.owned_sheets.exceptions import COL, read_notes
    from kpi_xl.xlsx.workbook_part import owned_sheets

    book = example_workbook(tmp_path / "demo", force=True)
    config = config_from_dict({"exceptions": {"override_expiry": policy}})
    first = refresh(book, config, backup="none")
    sheet = owned_sheets(book)["exceptions"]
    rows = read_sheet_rows(book, sheet)
    header = next(i for i, r in enumerate(rows) if "ID" in r and "Override" in r)
    green = next(r for r in first.rated.to_dict("records") if r["rag"] == "GREEN")
    at = next(i for i, r in enumerate(rows) if i > header and green["id"] in r) + 1
    officer = Plan()
    officer.set(sheet, f"{COL['Override']}{at}", "Reds on watching")
    officer.set(sheet, f"{COL['Override note']}{at}", "Reds on watching: set in Q1 2019-20 "
                "when the rule said Reds on watching")  # as kpi-xl noted it a year ago
    apply_plan(book, officer, backup="none")
    second = refresh(book, config, backup="none")
    stale = [f for f in second.report if f.indicator == green["id"]
             and f.type in ("override_stale", "override_expired")]
    assert len(stale) == 1 and "Q1 2019-20" in stale[0].message
    expected = "Reds on watching" if policy == "warn" else "Green to celebrate"
    assert second.categories[green["id"]] == expected
    note = read_notes(read_sheet_rows(book, sheet))[green["id"]]
    assert note.override == "Reds on watching"  # the officer's text is never dropped
    assert "the rule now says Green to celebrate" in note.override_note or "expired" in \
        note.override_note
    dq = read_sheet_rows(book, owned_sheets(book)["data_quality"])
    assert any(stale[0].type in row for row in dq)
    before = _state(book)
    assert not refresh(book, config, backup="none").changed
    assert _state(book) == before
