"""10,000 indicators: the library's time to read, rate, plan and write,
with the P1 time (200 indicators) beside it.

Calls ``kpi_xl.refresh_job.refresh`` in this process (imports warmed first) on
fresh copies; best of ``--runs``. Target: the 10,000-indicator refresh in
<= 2 s. The best run's time is also split at the refresh's progress
messages (opening, reading, rating and planning, writing and checking), so
the next piece of work can see where the time goes.

    python benchmarks/bench_many.py [--runs 3] [--indicators 10000]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import inputs  # noqa: E402
from measure import Row, print_rows  # noqa: E402


# The refresh's progress messages, by how they start, and the phase each begins.
PHASES = (("reading", "reading"), ("rating", "rating and planning"), ("writing", "writing and checking"))


def library_time(book: Path, work: Path, runs: int) -> tuple[float, dict[str, float]]:
    """The best run's seconds, and those seconds by phase."""
    from kpi_xl.config import load_config
    from kpi_xl.refresh_job import refresh

    config, best = load_config(), (float("inf"), {})
    for n in range(runs):
        copy = work / f"{n}-{book.name}"
        shutil.copyfile(book, copy)
        marks = [("opening", time.perf_counter())]
        refresh(copy, config, backup="none", progress=lambda msg: marks.append(
            (_phase(msg), time.perf_counter())))
        marks.append(("", time.perf_counter()))
        total = marks[-1][1] - marks[0][1]
        if total < best[0]:
            best = total, {name: end - start for (name, start), (_, end) in zip(marks, marks[1:])}
        copy.unlink()
    return best


def _phase(message: str) -> str:
    return next((name for start, name in PHASES if message.startswith(start)), message)


def measure(runs: int = 3, indicators: int = 10_000) -> list[Row]:
    p1, many = inputs.p1(), inputs.p1(indicators=indicators)
    with tempfile.TemporaryDirectory(prefix="kpixl-bench-") as tmp:
        library_time(p1, Path(tmp), 1)  # imports, caches
        a, _ = library_time(p1, Path(tmp), runs)
        b, phases = library_time(many, Path(tmp), runs)
    return [Row("many", "library refresh, P1 (200 indicators)", a, "s"),
            Row("many", f"library refresh, {indicators} indicators", b, "s", "<= 2 s", b <= 2.0),
            Row("many", f"{indicators} indicators / P1", b / a, ""),
            *(Row("many", f"  of which {name}", seconds, "s") for name, seconds in phases.items())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--indicators", type=int, default=10_000)
    args = parser.parse_args()
    print_rows(measure(args.runs, args.indicators))


if __name__ == "__main__":
    main()
