"""One code path for one workbook, many or a folder (issue 18): the library's
``refresh_books`` drives all three, and ``kpi-xl refresh`` and ``kpi-xl batch``
are thin over it; their results are checked through the library."""
from __future__ import annotations

import ast
import json
import shutil
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kpi_xl
from kpi_xl.batch import BatchResult, refresh_books, run_batch
from kpi_xl.cli import app
from kpi_xl.errors import KpiError
from kpi_xl.templates import example_workbook
from kpi_xl.xlsx.workbook_part import owned_sheets

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    return example_workbook(tmp_path_factory.mktemp("source"))


@pytest.fixture(scope="module")
def config():
    return kpi_xl.load_config()


def copies(folder: Path, example: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    books = [folder / f"returns-{i}.xlsx" for i in range(n)]
    for book in books:
        shutil.copyfile(example, book)
    return books


def test_one_workbook_many_and_a_folder_are_one_call(tmp_path, example, config):
    (one,) = copies(tmp_path / "one", example, 1)
    many = copies(tmp_path / "many", example, 2)
    folder = copies(tmp_path / "folder", example, 2)
    runs = [refresh_books([one], config, dry_run=True), refresh_books(many, config, dry_run=True),
            refresh_books([tmp_path / "folder"], config, dry_run=True, workers=1)]
    assert [len(r.outcomes) for r in runs] == [1, 2, 2]
    assert all(isinstance(r, BatchResult) and r.ok for r in runs)
    assert [o.workbook for o in runs[2].outcomes] == [str(b) for b in folder]
    counts = {json.dumps(o.counts, sort_keys=True) for r in runs for o in r.outcomes}
    assert len(counts) == 1  # every copy of the example rated alike
    assert run_batch is refresh_books and kpi_xl.refresh_books is refresh_books


def test_one_workbook_keeps_its_full_result_as_refresh_gives_it(tmp_path, example, config):
    a, b = copies(tmp_path, example, 2)
    run = refresh_books([a], config, output=tmp_path / "out.xlsx", keep_results=True)
    outcome = run.outcomes[0]
    alone = kpi_xl.refresh(b, config, output=tmp_path / "alone.xlsx")
    assert outcome.ok and outcome.exception is None
    kept = outcome.result
    assert kept.counts == alone.counts and outcome.counts == dict(alone.counts)
    def rows(result):  # the same but for the file the findings name
        return [{**r, "findings": [{**f, "file": None} for f in r["findings"]]}
                for r in result.as_dict()["indicators"]]

    assert rows(kept) == rows(alone)
    assert [(f.type, f.message) for f in kept.report] == [(f.type, f.message) for f in alone.report]
    assert outcome.output == str(tmp_path / "out.xlsx")
    assert "exceptions" in owned_sheets(tmp_path / "out.xlsx")
    assert "result" not in outcome.as_dict() and "exception" not in outcome.as_dict()


def test_an_error_is_the_outcome_and_kept_for_one_workbook(tmp_path, config):
    run = refresh_books([tmp_path / "missing.xlsx"], config, keep_results=True)
    (outcome,) = run.outcomes
    assert not outcome.ok and isinstance(outcome.exception, KpiError)
    assert outcome.error == str(outcome.exception) and "missing.xlsx" in outcome.error
    assert refresh_books([tmp_path / "missing.xlsx"], config).outcomes[0].exception is None


def test_an_output_path_takes_one_workbook(tmp_path, example, config):
    books = copies(tmp_path, example, 2)
    with pytest.raises(KpiError, match="output: an output path takes one workbook"):
        refresh_books(books, config, output=tmp_path / "out.xlsx")


def test_one_workbook_stops_at_once_on_ctrl_c_several_after_those_in_flight(tmp_path, example,
                                                                           config, request):
    """Ctrl-C: one workbook is not waited for (its write is atomic); in a batch
    the first Ctrl-C only asks to stop after the workbooks in flight."""
    handlers = []

    def steps(_message: str) -> None:
        handlers.append(signal.getsignal(signal.SIGINT))

    # A process started in the background by a non-interactive shell begins
    # with SIGINT ignored; this test is about what refresh_books installs.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    request.addfinalizer(lambda: signal.signal(signal.SIGINT, previous))

    (one,) = copies(tmp_path / "one", example, 1)
    refresh_books([one], config, dry_run=True, steps=steps)
    assert set(handlers) == {signal.default_int_handler}
    handlers.clear()
    refresh_books(copies(tmp_path / "two", example, 2), config, dry_run=True, workers=1,
                  steps=steps)
    assert handlers and signal.default_int_handler not in handlers


def test_cli_refresh_of_one_workbook_is_seen_through_the_library(tmp_path, example, config):
    a, b = copies(tmp_path, example, 2)
    done = runner.invoke(app, ["refresh", str(a), "-o", str(tmp_path / "out.xlsx"), "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    written = tmp_path / "out.xlsx"  # what the CLI wrote, read back through the library
    assert kpi_xl.check_workbook(written, config).counts["indicators"] == data["counts"]["indicators"]
    assert {"exceptions", "data_quality"} <= set(owned_sheets(written))
    rated = kpi_xl.build_refresh(written, config).counts
    assert {k: rated[k] for k in ("RED", "AMBER", "GREEN")} \
        == {k: data["counts"][k] for k in ("RED", "AMBER", "GREEN")}
    lib = refresh_books([b], config, dry_run=True, keep_results=True).outcomes[0].result
    assert data["counts"] == dict(lib.counts)
    text = runner.invoke(app, ["refresh", str(b), "--dry-run"])
    assert text.exit_code == 0 and text.stdout.splitlines()[0] == lib.summary_line()
    assert "reading indicator sheets..." in text.stderr  # the steps, on stderr


def test_cli_refresh_of_several_and_batch_give_the_same_result(tmp_path, example, config):
    books = copies(tmp_path / "books", example, 2)
    outs = []
    for args in (["refresh", *map(str, books)], ["refresh", str(tmp_path / "books")],
                 ["batch", str(tmp_path / "books")], ["refresh", *map(str, books), "--workers", "1"]):
        done = runner.invoke(app, [*args, "--dry-run", "--json"])
        assert done.exit_code == 0, (args, done.output)
        data = json.loads(done.stdout)
        outs.append({k: v for k, v in data.items() if k not in ("seconds", "workers")}
                    | {"workbooks": [{k: v for k, v in w.items() if k != "seconds"}
                                     for w in data["workbooks"]]})
    assert all(out == outs[0] for out in outs)
    lib = refresh_books(books, config, dry_run=True).as_dict()
    assert [w["counts"] for w in lib["workbooks"]] == [w["counts"] for w in outs[0]["workbooks"]]


def test_cli_errors_one_workbook_exit_2_several_exit_1(tmp_path, example):
    missing = str(tmp_path / "missing.xlsx")
    one = runner.invoke(app, ["refresh", missing])
    assert one.exit_code == 2 and one.stderr.startswith("kpi-xl: ") and len(one.stderr.splitlines()) == 1
    (good,) = copies(tmp_path / "b", example, 1)
    several = runner.invoke(app, ["refresh", str(good), missing, "--dry-run"])
    assert several.exit_code == 1 and "1 failed" in several.stdout
    both = runner.invoke(app, ["refresh", str(good), missing, "-o", str(tmp_path / "x.xlsx")])
    assert both.exit_code == 2 and "--output takes one workbook" in both.stderr


def test_both_commands_are_thin_over_refresh_books():
    """The CLI module calls the one library function, never the per-book
    refresh or the batch loop of its own."""
    tree = ast.parse((REPO / "kpi_xl" / "cli" / "refresh.py").read_text(encoding="utf-8"))
    imported = {(n.module, a.name) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                for a in n.names}
    assert ("batch", "refresh_books") in imported
    assert not {name for _, name in imported} & {"refresh", "run_batch", "refresh_book"}
    assert not [m for m, _ in imported if m and m.endswith("refresh_job")]
