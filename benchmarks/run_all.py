"""Run every benchmark and print one table of their figures.

New-style benchmarks (``measure()`` returning rows) are called in turn; the
older scripts are run as they are and their ratio lines collected. Every
ratio is against a baseline measured in the same run. The inputs are built
once into the cache folder (``$KPIXL_BENCH_CACHE``, default /tmp/kpixl-bench).

    python benchmarks/run_all.py [--quick] [--skip big_sheet,batch]

``--quick`` takes one run of everything (not the best of several) and
leaves out the older scripts (writer, reader, batch, excel), whose figures
the measured benchmarks already cover; on this machine a quick run takes
about 20 minutes under load, most of it the openpyxl baseline and the
200 MB sheet.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import Row, env, print_rows  # noqa: E402

MEASURED = ["refresh", "help", "extract", "many", "charts", "big_sheet"]  # bench_<name>.measure()
QUICK = {"refresh": {"runs": 1}, "help": {"runs": 3}, "extract": {"runs": 1}, "many": {"runs": 1},
         "charts": {"runs": 1}, "big_sheet": {}}  # measure() arguments of a --quick run
SCRIPTS = {"writer": [], "reader": [], "batch": ["--n", "20"],  # bench_<name>.py, ratio lines read
           "excel": []}
_RATIO = re.compile(r"^(?P<what>.*ratio[^=:]*?)[=:]\s*(?P<value>[0-9.]+)x?\s*(?P<rest>.*)$", re.I)
_INLINE_RATIO = re.compile(r"^(?P<what>.*?)\s+[0-9.]+\s*\w*\s+ratio\s+(?P<value>[0-9.]+)\s*(?P<rest>.*)$", re.I)


def run_script(name: str, args: list[str]) -> list[Row]:
    out = subprocess.run([sys.executable, str(HERE / f"bench_{name}.py"), *args], env=env(),
                         capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        match = _INLINE_RATIO.match(line.strip()) or _RATIO.match(line.strip())
        if match:
            target = re.search(r"(<=|<|>=)\s*([0-9.]+)", match.group("rest"))
            value = float(match.group("value"))
            ok = None
            if target:
                limit = float(target.group(2))
                ok = value <= limit if target.group(1) == "<=" else value < limit \
                    if target.group(1) == "<" else value >= limit
            rows.append(Row(name, match.group("what").strip(" (").strip(), value, "",
                            f"{target.group(1)} {target.group(2)}" if target else "", ok))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default="", help="comma-separated benchmark names to leave out")
    parser.add_argument("--quick", action="store_true", help="one run each; the older scripts left out")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if args.quick:
        skip |= set(SCRIPTS)
    rows: list[Row] = []
    started = time.perf_counter()
    for name in MEASURED:
        if name not in skip:
            module = __import__(f"bench_{name}")
            rows += module.measure(**(QUICK.get(name, {}) if args.quick else {}))
            print(f"... {name} done", file=sys.stderr)
    for name, script_args in SCRIPTS.items():
        if name not in skip:
            rows += run_script(name, script_args)
            print(f"... {name} done", file=sys.stderr)
    print(f"{'benchmark':<14} {'measure':<52} {'value':>10} {'unit':<4} {'target':<9}")
    print_rows(rows)
    print(f"(one run, {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
