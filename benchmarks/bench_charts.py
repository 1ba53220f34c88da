"""The KPI Charts sheet for P1's 200 indicators: what it adds to a refresh.

In this process (imports warmed): the plan of the charts sheet
(``build_charts_sheet``) plus writing it (``apply_plan`` of that sheet
alone, less ``apply_plan`` of an empty owned sheet on the same workbook),
best of ``--runs``. Target: <= 100 ms. Printed beside the whole library
refresh of P1, which includes it.

    python benchmarks/bench_charts.py [--runs 3]
"""
from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import inputs  # noqa: E402
from measure import Row, print_rows  # noqa: E402


def measure(runs: int = 3) -> list[Row]:
    from kpi_xl.config import load_config
    from kpi_xl.plan import Plan
    from kpi_xl.refresh_job import build_refresh, refresh
    from kpi_xl.owned_sheets.charts import build_charts_sheet
    from kpi_xl.xlsx.writer import apply_plan

    book, config = inputs.p1(), load_config()
    rated = build_refresh(book, config).rated
    with tempfile.TemporaryDirectory(prefix="kpixl-bench-") as tmp:
        copy = Path(tmp) / "p1.xlsx"

        def apply(sheet) -> float:
            shutil.copyfile(book, copy)
            plan = Plan()
            plan.sheets.append(sheet)
            start = time.perf_counter()
            apply_plan(copy, plan, backup="none")
            return time.perf_counter() - start

        plans, writes, empties, whole = [], [], [], []
        for _ in range(runs):
            start = time.perf_counter()
            sheet = build_charts_sheet(rated, name="KPI Charts")
            plans.append(time.perf_counter() - start)
            empty = dataclasses.replace(sheet, charts=[], cells=sheet.cells[:1], column_widths={})
            empties.append(apply(empty))
            writes.append(apply(sheet))
            shutil.copyfile(book, copy)
            start = time.perf_counter()
            refresh(copy, config, backup="none")
            whole.append(time.perf_counter() - start)
    cost = min(plans) + max(min(writes) - min(empties), 0.0)
    return [Row("charts", f"charts sheet, {len(sheet.charts)} charts: plan", min(plans) * 1000, "ms"),
            Row("charts", "charts sheet: writing it", (min(writes) - min(empties)) * 1000, "ms"),
            Row("charts", "charts sheet in all", cost * 1000, "ms", "<= 100", cost <= 0.1),
            Row("charts", "library refresh of P1 (includes it)", min(whole) * 1000, "ms")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    print_rows(measure(parser.parse_args().runs))


if __name__ == "__main__":
    main()
