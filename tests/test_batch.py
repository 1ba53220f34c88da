"""Batch refresh: many copies of the example, one of them damaged."""
from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from kpi_xl.batch import BatchResult, collect_workbooks, run_batch
from kpi_xl.cli import app
from kpi_xl.config import load_config
from kpi_xl.errors import KpiError
from kpi_xl.refresh_job import build_refresh
from kpi_xl.templates import example_workbook
from kpi_xl.xlsx.workbook_part import owned_sheets

N = 6


@pytest.fixture(scope="module")
def config():
    return load_config()


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    return example_workbook(tmp_path_factory.mktemp("source"))


def make_folder(folder, example, n: int = N, damaged: bool = True):
    """n workbooks: copies of the example, the third one truncated (a damaged file)."""
    folder.mkdir(parents=True, exist_ok=True)
    books = []
    for i in range(n):
        book = folder / f"returns-{i:02d}.xlsx"
        shutil.copyfile(example, book)
        books.append(book)
    if damaged:
        data = books[2].read_bytes()
        books[2].write_bytes(data[: len(data) // 2])
    return books


def test_one_damaged_workbook_does_not_stop_the_others(tmp_path, example, config):
    books = make_folder(tmp_path / "books", example)
    seen = []
    result = run_batch([tmp_path / "books"], config, backup="none", workers=2,
                       progress=lambda done, total, outcome: seen.append((done, total,
                                                                        outcome.workbook)))
    assert [o.workbook for o in result.outcomes] == [str(b) for b in books]
    assert len(result.refreshed) == N - 1 and len(result.failed) == 1
    bad = result.failed[0]
    assert bad.workbook == str(books[2]) and str(books[2]) in bad.error
    assert bad.error_type and not bad.counts
    assert not result.ok
    # progress: once per workbook, counting up to the total, in this process
    assert [d for d, _, _ in seen] == list(range(1, N + 1)) and {t for _, t, _ in seen} == {N}
    assert sorted(w for _, _, w in seen) == sorted(str(b) for b in books)
    # the others were really refreshed, each with the example's counts
    expected = build_refresh(example, config).counts
    for outcome, book in zip(result.outcomes, books):
        if outcome.ok:
            assert outcome.counts == expected and outcome.changed
            assert "exceptions" in owned_sheets(book)


def test_one_process_gives_the_same_outcomes(tmp_path, example, config):
    make_folder(tmp_path / "books", example, n=3)
    here = run_batch([tmp_path / "books"], config, backup="none", workers=1)
    assert here.workers == 1
    assert [(o.ok, o.counts, o.error is None) for o in here.outcomes] == [
        (True, here.outcomes[0].counts, True), (True, here.outcomes[0].counts, True),
        (False, {}, False)]


def test_summary_table_and_json(tmp_path, example, config):
    books = make_folder(tmp_path / "books", example, n=3)
    result = run_batch(books, config, backup="none", dry_run=True)
    lines = result.as_text().splitlines()
    assert lines[0].split() == ["Workbook", "Indicators", "RED", "AMBER", "GREEN", "Findings",
                                "Seconds", "Result"]
    assert len(lines) == 1 + 1 + 3 + 1 + 1  # header, rule, rows, rule, total
    assert "FAILED:" in lines[4] and books[2].name in lines[4]
    c = result.outcomes[0].counts
    assert lines[2].split()[1:6] == [str(c[k]) for k in
                                     ("indicators", "RED", "AMBER", "GREEN", "findings")]
    assert lines[-1].startswith("Total (3 workbooks)") and "2 refreshed, 1 failed" in lines[-1]
    data = json.loads(json.dumps(result.as_dict()))
    assert (data["total"], data["refreshed"], data["failed"]) == (3, 2, 1)
    assert data["counts"]["indicators"] == 2 * c["indicators"]
    assert data["workbooks"][2]["ok"] is False and data["workbooks"][2]["error"]


def test_dry_run_changes_no_file(tmp_path, example, config):
    books = make_folder(tmp_path / "books", example, n=2, damaged=False)
    before = [b.read_bytes() for b in books]
    result = run_batch(books, config, dry_run=True)
    assert result.ok and [b.read_bytes() for b in books] == before


def test_cli_batch_exit_code_and_json(tmp_path, example):
    make_folder(tmp_path / "books", example)
    runner = CliRunner()
    done = runner.invoke(app, ["batch", str(tmp_path / "books"), "--json", "--no-backup"])
    assert done.exit_code == 1, done.output
    data = json.loads(done.stdout)
    assert (data["refreshed"], data["failed"]) == (N - 1, 1)
    assert not list((tmp_path / "books").glob("*.bak"))


def test_cli_batch_text_table_and_success(tmp_path, example):
    books = make_folder(tmp_path / "books", example, n=2, damaged=False)
    done = CliRunner().invoke(app, ["batch", *map(str, books), "--no-backup"])
    assert done.exit_code == 0, done.output
    assert "Workbook" in done.stdout and "refreshed 2 of 2 workbooks" in done.stdout
    assert "Refreshing" in done.stderr  # the progress bar goes to stderr


def test_cli_batch_of_an_empty_folder_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    done = CliRunner().invoke(app, ["batch", str(tmp_path / "empty")])
    assert done.exit_code == 2 and "no workbooks" in done.stderr


def test_collect_workbooks(tmp_path, example):
    folder = tmp_path / "books"
    books = make_folder(folder, example, n=2, damaged=False)
    for name in ("~$returns-00.xlsx", "returns-00.xlsx.bak", "notes.txt", ".hidden.xlsx"):
        (folder / name).write_bytes(b"x")
    (folder / "sub").mkdir()
    shutil.copyfile(example, folder / "sub" / "deeper.xlsm")
    extra = tmp_path / "other.xlsm"
    shutil.copyfile(example, extra)
    found = collect_workbooks([folder, books[0], extra, tmp_path / "missing.xlsx"])
    assert found == [*books, extra, tmp_path / "missing.xlsx"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(KpiError, match="no workbooks"):
        collect_workbooks([tmp_path / "empty"])


def test_a_missing_file_is_reported_with_the_others(tmp_path, example, config):
    books = make_folder(tmp_path / "books", example, n=1, damaged=False)
    result = run_batch([books[0], tmp_path / "missing.xlsx"], config, backup="none")
    assert [o.ok for o in result.outcomes] == [True, False]
    assert "missing.xlsx" in result.outcomes[1].error
    assert isinstance(result, BatchResult) and "1 failed" in result.summary_line()


def test_refresh_command_takes_a_folder_as_a_batch(tmp_path):
    """`kpi-xl refresh FOLDER` runs the batch: one damaged file, exit code 1."""
    import json as _json

    from typer.testing import CliRunner

    from kpi_xl.cli import app
    from kpi_xl.templates import example_workbook

    folder = tmp_path / "books"
    first = example_workbook(tmp_path / "src", force=True)
    folder.mkdir()
    for n in range(3):
        (folder / f"book{n}.xlsx").write_bytes(first.read_bytes())
    (folder / "damaged.xlsx").write_bytes(first.read_bytes()[:2000])
    out = CliRunner().invoke(app, ["refresh", str(folder), "--json", "--no-backup"])
    assert out.exit_code == 1, out.output
    data = _json.loads(out.stdout)
    assert (data["refreshed"], data["failed"]) == (3, 1)
