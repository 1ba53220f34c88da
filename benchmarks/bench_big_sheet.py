"""A 200 MB indicator sheet: peak memory of a whole-process refresh and
check, printed beside the same figures for P1.

The sheet holds P1's 200 indicators and, below them, a block of raw figures
pasted on the same sheet (benchmarks/inputs.py, generated once into the
cache folder: it takes a while). Peak memory is the kernel's peak resident
set of the process (as ``/usr/bin/time -v``). Targets: refresh <= 1 GB,
check <= 500 MB. Heavy: run it alone.

    python benchmarks/bench_big_sheet.py [--mb 200]
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


def measure(mb: int = 200) -> list[Row]:
    book = inputs.big_sheet(mb)
    with zipfile.ZipFile(book) as zf:
        size = zf.getinfo("xl/worksheets/sheet1.xml").file_size / 1e6
    p1 = p1_figures(1)
    check_s, check_mb, _ = kpi_xl("check", str(book))
    with tempfile.TemporaryDirectory(prefix="kpixl-bench-") as tmp:
        refresh_s, refresh_mb = refresh_copy(book, Path(tmp), "big")
    name = f"{size:.0f} MB sheet"
    return [
        Row("big sheet", f"refresh, {name}: peak memory", refresh_mb, "MB", "<= 1000", refresh_mb <= 1000),
        Row("big sheet", "refresh, P1: peak memory", p1["refresh_mb"], "MB"),
        Row("big sheet", f"check, {name}: peak memory", check_mb, "MB", "<= 500", check_mb <= 500),
        Row("big sheet", "check, P1: peak memory", p1["check_mb"], "MB"),
        Row("big sheet", f"refresh, {name}: time", refresh_s, "s"),
        Row("big sheet", "refresh, P1: time", p1["refresh_s"], "s"),
        Row("big sheet", f"check, {name}: time", check_s, "s"),
        Row("big sheet", "check, P1: time", p1["check_s"], "s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    print_rows(measure(parser.parse_args().mb))


if __name__ == "__main__":
    main()
