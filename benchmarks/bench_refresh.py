"""End-to-end refresh: does the cost follow the indicators, not the workbook?

Builds the bundled example twice, once as it is and once with a 100k-row raw
extract sheet beside the indicators, refreshes copies of each (best of three)
and prints the ratio. The extract is never parsed, only copied as raw bytes,
so the ratio should stay near 1.

    python benchmarks/bench_refresh.py [ROWS]
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import load_workbook

from kpi_xl.config import load_config
from kpi_xl.refresh import refresh
from kpi_xl.templates import example_workbook


def with_extract(src: Path, dst: Path, rows: int) -> Path:
    """The example plus a big raw extract (openpyxl only builds the test input)."""
    wb = load_workbook(src)
    ws = wb.create_sheet("Raw extract")
    ws.append(["Child ID", "Referral date", "Team", "Outcome", "Days"])
    for n in range(rows):
        ws.append([f"C{n:07d}", f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d}", f"Team {n % 9}",
                   "NFA" if n % 3 else "Assessment", n % 45])
    wb.save(dst)
    return dst


def best_refresh(book: Path, work: Path, runs: int = 3) -> float:
    config, best = load_config(), float("inf")
    for n in range(runs):
        copy = work / f"run{n}-{book.name}"
        shutil.copyfile(book, copy)
        start = time.perf_counter()
        refresh(copy, config, backup="none")
        best = min(best, time.perf_counter() - start)
    return best


def main(rows: int = 100_000) -> None:
    with tempfile.TemporaryDirectory(prefix="kpixl-bench-") as tmp:
        work = Path(tmp)
        plain = example_workbook(work / "plain", force=True)
        big = with_extract(plain, work / "big.xlsx", rows)
        print(f"example: {plain.stat().st_size / 1e3:.0f} kB; with {rows} extract rows: "
              f"{big.stat().st_size / 1e6:.1f} MB")
        a = best_refresh(plain, work)
        b = best_refresh(big, work)
        print(f"refresh, example alone:        {a * 1000:7.0f} ms")
        print(f"refresh, example + extract:    {b * 1000:7.0f} ms")
        print(f"ratio (with extract / alone):  {b / a:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
