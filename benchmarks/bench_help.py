"""``kpi-xl --help`` as a whole process against ``python -c pass``.

Start-up pays only for what a command uses: the help must not import
pandas, pydantic, the comparators or the committee pack. Best of ``--runs``
each, interleaved. Target: <= 5.

    python benchmarks/bench_help.py [--runs 7]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Row, kpi_xl, print_rows, ratio_row, run  # noqa: E402


def measure(runs: int = 7) -> list[Row]:
    bare, helped = [], []
    for _ in range(runs):
        bare.append(run([sys.executable, "-c", "pass"])[0])
        helped.append(kpi_xl("--help")[0])
    a, b = min(helped), min(bare)
    return [Row("help", "kpi-xl --help, whole process", a, "s"),
            Row("help", "python -c pass", b, "s"),
            ratio_row("help", "--help / python -c pass", a / b, 5)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    print_rows(measure(parser.parse_args().runs))


if __name__ == "__main__":
    main()
