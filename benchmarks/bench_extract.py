"""Does the cost follow the indicators, not the workbook? P1 with a 1M-row
extract against P1 (100k rows), whole-process refresh of each.

The extract is never parsed, only copied as raw bytes, so the ratio should
stay near 1. Target: <= 1.3. The 1M-row workbook (~50 MB) is generated once
into the cache folder.

    python benchmarks/bench_extract.py [--runs 3] [--rows 1000000]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inputs  # noqa: E402
from measure import Row, print_rows, ratio_row, refresh_copy  # noqa: E402


def measure(runs: int = 3, rows: int = 1_000_000) -> list[Row]:
    small, big = inputs.p1(), inputs.p1(rows=rows)
    with tempfile.TemporaryDirectory(prefix="kpixl-bench-") as tmp:
        a, b = [], []
        for n in range(runs):  # interleaved, so load on the machine hits both alike
            a.append(refresh_copy(small, Path(tmp), f"s{n}")[0])
            b.append(refresh_copy(big, Path(tmp), f"b{n}")[0])
    return [Row("extract", "refresh P1 (100k-row extract)", min(a), "s"),
            Row("extract", f"refresh P1 with a {rows // 1000}k-row extract "
                f"({big.stat().st_size / 1e6:.0f} MB)", min(b), "s"),
            ratio_row("extract", "1M-row extract / P1", min(b) / min(a), 1.3)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    print_rows(measure(args.runs, args.rows))


if __name__ == "__main__":
    main()
