"""Batch refresh against the same workbooks one after another.

50 copies of the bundled example, one of them damaged (truncated). Times
``run_batch`` (parallel processes, one per CPU) and, on fresh copies, a
plain loop of ``refresh`` in this process; prints both and the ratio.

    python benchmarks/bench_batch.py [--n 50] [--workers N]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kpi_xl.batch import run_batch  # noqa: E402
from kpi_xl.config import load_config  # noqa: E402
from kpi_xl.errors import KpiError  # noqa: E402
from kpi_xl.refresh_job import refresh  # noqa: E402
from kpi_xl.templates import example_workbook  # noqa: E402


def make_copies(example: Path, folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True)
    books = []
    for i in range(n):
        book = folder / f"returns-{i:02d}.xlsx"
        shutil.copyfile(example, book)
        books.append(book)
    damaged = books[n // 2]
    damaged.write_bytes(damaged.read_bytes()[:5000])
    return books


def one_after_another(books: list[Path], config) -> tuple[float, int, int]:
    started = time.perf_counter()
    ok = failed = 0
    for book in books:
        try:
            refresh(book, config, backup="none")
            ok += 1
        except KpiError:
            failed += 1
    return time.perf_counter() - started, ok, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    config = load_config()
    with tempfile.TemporaryDirectory(prefix="kpixl-bench-") as tmp:
        tmp = Path(tmp)
        example = example_workbook(tmp / "source")
        refresh(example_workbook(tmp / "warm"), config, backup="none")  # imports, caches

        batch_books = make_copies(example, tmp / "batch", args.n)
        result = run_batch(batch_books, config, backup="none", workers=args.workers)
        serial_books = make_copies(example, tmp / "serial", args.n)
        serial, ok, failed = one_after_another(serial_books, config)

    print(f"{args.n} copies of the example, 1 damaged; {os.cpu_count()} CPUs, "
          f"{result.workers} worker processes")
    print(f"batch:             {result.seconds:7.2f} s  "
          f"({len(result.refreshed)} refreshed, {len(result.failed)} failed)")
    print(f"one after another: {serial:7.2f} s  ({ok} refreshed, {failed} failed)")
    print(f"ratio (one after another / batch): {serial / result.seconds:.2f}x")
    for outcome in result.failed:
        print(f"  reported: {outcome.error}")


if __name__ == "__main__":
    main()
