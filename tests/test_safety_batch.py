"""Issue 13, batch as an officer expects (U4) and the missing comparator
store (U6): every workbook-named entry refreshed or reported, Ctrl-C stops
after the workbooks in flight with the summary."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from kpi_xl.batch import collect_workbooks, run_batch
from kpi_xl.config import load_config
from kpi_xl.refresh_job import refresh
from kpi_xl.xlsx.workbook_part import owned_sheets
from tests.test_safety_files import make_book

REPO = Path(__file__).resolve().parent.parent


def test_U4_every_workbook_named_entry_is_refreshed_or_reported(tmp_path):
    folder = tmp_path / "books"
    folder.mkdir()
    bakewell = make_book(folder / "Derbyshire.Bakewell.xlsx")
    backup_like = make_book(folder / "returns.bak.xlsm".replace(".xlsm", ".xlsx"))
    (folder / "gone.xlsx").symlink_to(folder / "nowhere.xlsx")
    (folder / "Q2.xlsx").mkdir()
    (folder / "~$Derbyshire.Bakewell.xlsx.tmp").write_bytes(b"x")
    found = {p.name for p in collect_workbooks([folder])}
    assert found == {"Derbyshire.Bakewell.xlsx", "returns.bak.xlsx", "gone.xlsx", "Q2.xlsx"}
    result = run_batch([folder], load_config(), workers=1)
    by_name = {Path(o.workbook).name: o for o in result.outcomes}
    assert by_name["Derbyshire.Bakewell.xlsx"].ok and by_name["returns.bak.xlsx"].ok
    assert "does not exist" in by_name["gone.xlsx"].error and "link" in by_name["gone.xlsx"].error
    assert "is a folder" in by_name["Q2.xlsx"].error or "not a file" in by_name["Q2.xlsx"].error
    assert "exceptions" in owned_sheets(bakewell) and "exceptions" in owned_sheets(backup_like)
    # kpi-xl's own copy of the original is not refreshed as a workbook of its own
    assert (folder / "Derbyshire.Bakewell.orig.xlsx").exists()
    assert "Derbyshire.Bakewell.orig.xlsx" not in {p.name for p in collect_workbooks([folder])}


def test_U4_ctrl_c_stops_after_the_workbook_in_flight_with_a_summary(tmp_path):
    folder = tmp_path / "books"
    folder.mkdir()
    books = [make_book(folder / f"returns-{i}.xlsx") for i in range(6)]
    originals = [b.read_bytes() for b in books]
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "kpi_xl", "batch", str(folder), "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 300
    while books[0].read_bytes() == originals[0] and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, (out, err)
    assert "stopped by Ctrl-C" in out and "Traceback" not in err
    untouched = 0
    for book, original in zip(books, originals):
        if book.read_bytes() == original:
            untouched += 1
        else:
            assert "exceptions" in owned_sheets(book)  # whole, never half written
    assert untouched >= 1
    assert not [p for p in folder.iterdir() if p.name.endswith((".kpixl-tmp", ".kpixl-lock"))]


def test_U6_missing_comparator_store_is_a_warning_finding(tmp_path):
    book = make_book(tmp_path / "returns.xlsx")
    cfg = tmp_path / "council.yaml"
    cfg.write_text("comparators:\n  store: no-such-store.sqlite\n", encoding="utf-8")
    result = refresh(book, load_config(cfg))
    [finding] = [f for f in result.report if f.type == "comparator_store_missing"]
    assert finding.severity == "warning" and "no-such-store.sqlite" in finding.message
    assert finding.place.key == "comparators -> store"
