"""Whole-process refresh of P1 against openpyxl load + save of the same file.

P1 is 200 indicators beside a 100k-row extract (benchmarks/inputs.py, built
once into the cache folder). Times ``kpi-xl refresh P1 --no-backup`` as a
whole process on a fresh copy (best of ``--runs``), and a process that loads
and saves P1 with openpyxl (what kpi-xl never does; the baseline), and
prints the ratio. Target: <= 0.03. Also prints ``kpi-xl check`` of P1 and
the peak memory of both, the figures the big-sheet benchmark compares with.

    python benchmarks/bench_refresh.py [--runs 3]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inputs  # noqa: E402
from measure import Row, kpi_xl, print_rows, ratio_row, refresh_copy, run  # noqa: E402

OPENPYXL = "import sys, openpyxl; openpyxl.load_workbook(sys.argv[1]).save(sys.argv[2])"


def p1_figures(runs: int = 3) -> dict[str, float]:
    """Seconds and peak MB of a whole-process refresh and check of P1."""
    book = inputs.p1()
    with tempfile.TemporaryDirectory(prefix="kpixl-bench-") as tmp:
        refreshes = [refresh_copy(book, Path(tmp), f"r{n}") for n in range(runs)]
    checks = [kpi_xl("check", str(book)) for _ in range(runs)]
    return {"refresh_s": min(s for s, _ in refreshes), "refresh_mb": max(m for _, m in refreshes),
            "check_s": min(s for s, _, _ in checks), "check_mb": max(m for _, m, _ in checks)}


def measure(runs: int = 3, baseline_runs: int = 1) -> list[Row]:
    book = inputs.p1()
    p1 = p1_figures(runs)
    with tempfile.TemporaryDirectory(prefix="kpixl-bench-") as tmp:
        saved = Path(tmp) / "saved.xlsx"
        base = min(run([sys.executable, "-c", OPENPYXL, str(book), str(saved)])[0]
                   for _ in range(baseline_runs))
    return [
        Row("refresh", "kpi-xl refresh P1, whole process", p1["refresh_s"], "s"),
        Row("refresh", "openpyxl load + save of P1, whole process", base, "s"),
        ratio_row("refresh", "refresh / openpyxl load+save", p1["refresh_s"] / base, 0.03),
        Row("refresh", "kpi-xl refresh P1, peak memory", p1["refresh_mb"], "MB"),
        Row("refresh", "kpi-xl check P1, whole process", p1["check_s"], "s"),
        Row("refresh", "kpi-xl check P1, peak memory", p1["check_mb"], "MB"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-runs", type=int, default=1)
    args = parser.parse_args()
    print_rows(measure(args.runs, args.baseline_runs))


if __name__ == "__main__":
    main()
