"""A 200 MB indicator sheet: peak memory of a whole-process refresh and
check, printed beside the same figures for P1.

The sheet holds P1's 200 indicators and, below them, a block of raw figures
pasted on the same sheet (benchmarks/inputs.py, generated once into the
cache folder: it takes a while). Peak memory is the kernel's peak resident
set of the process (as ``/usr/bin/time -v``). Targets: refresh <= 1 GB,
check <= 500 MB. Heavy: run it alone.

    python benchmarks/bench_big_sheet.py [--mb 200] [--refresh-mb N]

The writer patches a sheet this big as a partial tree of the rows it
changes spliced into the sheet's bytes (``kpi_xl/xlsx/big_sheet.py``), so
the 200 MB sheet itself is refreshed; ``--refresh-mb`` refreshes a sheet of
another size instead.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inputs  # noqa: E402
from bench_refresh import p1_figures  # noqa: E402
from measure import Row, kpi_xl, print_rows, refresh_copy  # noqa: E402


def _sheet_mb(book: Path) -> float:
    with zipfile.ZipFile(book) as zf:
        return zf.getinfo("xl/worksheets/sheet1.xml").file_size / 1e6


def measure(mb: int = 200, refresh_mb: int | None = None) -> list[Row]:
    book = inputs.big_sheet(mb)
    refreshed = inputs.big_sheet(refresh_mb) if refresh_mb else book
    p1 = p1_figures(1)
    check_s, check_mb, _ = kpi_xl("check", str(book))
    with tempfile.TemporaryDirectory(prefix="kpixl-bench-") as tmp:
        refresh_s, refresh_mb_peak = refresh_copy(refreshed, Path(tmp), "big")
    name, rname = f"{_sheet_mb(book):.0f} MB sheet", f"{_sheet_mb(refreshed):.0f} MB sheet"
    whole = refreshed == book
    return [
        Row("big sheet", f"refresh, {rname}: peak memory", refresh_mb_peak, "MB",
            "<= 1000" if whole else "", (refresh_mb_peak <= 1000) if whole else None),
        Row("big sheet", "refresh, P1: peak memory", p1["refresh_mb"], "MB"),
        Row("big sheet", f"check, {name}: peak memory", check_mb, "MB", "<= 500", check_mb <= 500),
        Row("big sheet", "check, P1: peak memory", p1["check_mb"], "MB"),
        Row("big sheet", f"refresh, {rname}: time", refresh_s, "s"),
        Row("big sheet", "refresh, P1: time", p1["refresh_s"], "s"),
        Row("big sheet", f"check, {name}: time", check_s, "s"),
        Row("big sheet", "check, P1: time", p1["check_s"], "s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--refresh-mb", type=int, default=0,
                        help="size of the sheet refreshed (0: the --mb sheet itself)")
    args = parser.parse_args()
    print_rows(measure(args.mb, args.refresh_mb or None))


if __name__ == "__main__":
    main()
