"""Benchmark: the Python side of Excel: a ribbon click and the worksheet functions.

Prints, each against a baseline measured in the same run (machines are noisy):

1. A ribbon click (the RAG button) in a new Python process, as xlwings'
   RunPython starts one: xlwings is imported first (its VBA does that before
   any kpi-xl code; with the UDF server, once per Excel session), then
   kpi-xl's callback runs against the recording stand-in of
   tests/test_excel_live_writer.py on the bundled example workbook.
     - callback Python time before its first COM call (target <= 0.8 s);
     - the whole click's Python time (plan + live writer calls);
     - whether kpi-xl's callback imported pandas or matplotlib itself
       before its first COM call;
     - baseline: `import xlwings` in a new process, with and without
       matplotlib importable (what xlwings itself costs).
2. =KPI_RAG over 10,000 rows (target <= 50 ms), and over a whole column
   (1,048,576 rows of which 10,000 used; target: what the used rows cost),
   each a first calculation; then the recalculation Excel makes after one
   figure is typed; baseline: the bare rule loop (kpi_xl.rules.rate over
   the same floats).
3. =KPI_COMPARATOR per cell after the first (target <= 20 us), when the DfE
   files of ../shared are present; baseline: the first cell.

    python benchmarks/bench_excel.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_DFE = REPO.parent / "shared" / "data" / "dfe"

CLICK = r"""
import sys, time, json
t0 = time.perf_counter()
import xlwings
t1 = time.perf_counter()
before = set(sys.modules)
seen = {}

def caller():
    seen["first_com"] = time.perf_counter()
    seen["heavy"] = sorted({m.split(".")[0] for m in set(sys.modules) - before}
                           & {"pandas", "matplotlib", "numpy", "openpyxl", "pydantic"})
    sys.path.insert(0, REPO)
    from tests.test_excel_live_writer import FakeBook
    book = FakeBook(["Indicators"], fullname=BOOK)
    seen["stand_in"] = time.perf_counter() - seen["first_com"]
    return book

xlwings.Book.caller = staticmethod(caller)
import kpi_xl.excel.ribbon as r
r.rag(xlwings.__version__)
end = time.perf_counter()
print(json.dumps({"xlwings": t1 - t0, "first_com": seen["first_com"] - t1,
                  "click": end - t1 - seen["stand_in"], "heavy": seen["heavy"]}))
"""

BLOCK_MPL = r"""
import sys, time
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("matplotlib", "plotly"):
            raise ImportError(name)
sys.meta_path.insert(0, Block())
t0 = time.perf_counter()
import xlwings
print(time.perf_counter() - t0)
"""


def fresh_python(code: str, env: dict) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=tempfile.gettempdir(), check=True)
    return done.stdout.strip().splitlines()[-1]


def bench_click(repeat: int) -> None:
    from kpi_xl.templates import example_workbook

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    env.pop("KPI_XL_CONFIG", None)
    with tempfile.TemporaryDirectory() as tmp:
        book = example_workbook(Path(tmp), force=True)
        code = CLICK.replace("REPO", repr(str(REPO))).replace("BOOK", repr(str(book)))
        clicks = [json.loads(fresh_python(code, env)) for _ in range(repeat)]
    blocked = [float(fresh_python(BLOCK_MPL, env)) for _ in range(repeat)]
    best = min(clicks, key=lambda c: c["first_com"])
    xlwings_import = min(c["xlwings"] for c in clicks)
    no_mpl = min(blocked)
    first_com = best["first_com"]
    click = min(c["click"] for c in clicks)
    print("1. Ribbon click (RAG button), new process, example workbook")
    print(f"   baseline: import xlwings            {xlwings_import:8.3f} s "
          f"(without matplotlib importable: {no_mpl:.3f} s)")
    print(f"   callback before its first COM call  {first_com:8.3f} s  "
          f"ratio {first_com / xlwings_import:5.2f} x xlwings import   (target <= 0.8 s)")
    print(f"   whole click, Python side            {click:8.3f} s  "
          f"ratio {click / xlwings_import:5.2f} x xlwings import")
    print(f"   heavy modules kpi-xl imported before the first COM call: "
          f"{', '.join(best['heavy']) or 'none'}")


def best_of(repeat: int, function, *args, before=None) -> float:
    times = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def bench_rag(repeat: int) -> None:
    from kpi_xl.config import load_config
    from kpi_xl.excel import udfs
    from kpi_xl.rules import rate

    n, height = 10_000, 1_048_576
    values = [[round(0.3 + i / 40_000, 6)] for i in range(n)]  # every row its own figure
    targets = [[0.5] for _ in range(n)]
    polarity = [["Higher is better" if i % 2 else "Lower is better"] for i in range(n)]
    whole = [values + [[None]] * (height - n), targets + [[None]] * (height - n),
             polarity + [[None]] * (height - n)]
    config = load_config()
    floats = [(v[0], t[0], "higher" if i % 2 else "lower")
              for i, (v, t) in enumerate(zip(values, targets))]

    def bare_loop():
        for value, target, pol in floats:
            rate(value, target, pol, tolerance=config.rag.tolerance,
                 mode=config.rag.tolerance_mode, zero_target=config.rag.zero_target)

    udfs.KPI_RAG(values[:10], targets[:10], polarity[:10])  # config loaded once, as in Excel
    assert udfs.KPI_RAG(*whole) == udfs.KPI_RAG(values, targets, polarity)
    forget = udfs._RESULTS.clear  # a first calculation: nothing remembered
    baseline = best_of(repeat, bare_loop)
    rows = best_of(repeat, udfs.KPI_RAG, values, targets, polarity, before=forget)
    column = best_of(repeat, udfs.KPI_RAG, *whole, before=forget)
    edited = [list(v) for v in values]

    def one_figure_typed():  # Excel recalculates the whole formula when one figure changes
        forget()
        udfs.KPI_RAG(values, targets, polarity)
        edited[n // 2] = [edited[n // 2][0] + 0.001]

    recalc = best_of(repeat, udfs.KPI_RAG, edited, targets, polarity, before=one_figure_typed)
    print(f"2. =KPI_RAG, {n:,} rows")
    print(f"   baseline: bare rule loop            {baseline * 1000:8.1f} ms")
    print(f"   KPI_RAG over {n:,} rows           {rows * 1000:8.1f} ms  "
          f"ratio {rows / baseline:5.2f} x bare loop   (target <= 50 ms)")
    print(f"   KPI_RAG over G:G ({n:,} used)     {column * 1000:8.1f} ms  "
          f"ratio {column / rows:5.2f} x the used rows")
    print(f"   recalculation, one figure changed   {recalc * 1000:8.1f} ms  "
          f"ratio {recalc / baseline:5.2f} x bare loop")


def bench_comparator(repeat: int) -> None:
    print("3. =KPI_COMPARATOR")
    if not SHARED_DFE.is_dir():
        print("   skipped: ../shared/data/dfe is absent")
        return
    from kpi_xl.comparators import ComparatorStore, load_settings
    from kpi_xl.excel import udfs

    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store.sqlite"
        with ComparatorStore.create(store) as opened:
            for name in ("sn_model_2025_wide.csv", "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"):
                if (SHARED_DFE / name).is_file():
                    opened.import_file(SHARED_DFE / name, load_settings())
        config = Path(tmp) / "council.yaml"
        config.write_text(f"workbook: {{council: '802'}}\ncomparators: {{store: '{store}'}}\n",
                          encoding="utf-8")
        os.environ[udfs.CONFIG_ENV] = str(config)
        try:
            cells = 2000
            measures = [["rereferral_percent"]] * cells
            start = time.perf_counter()
            first = udfs.KPI_COMPARATOR("rereferral_percent", "England")
            first_time = time.perf_counter() - start
            per_cell = best_of(repeat, udfs.KPI_COMPARATOR, measures, [["England"]]) / cells
        finally:
            os.environ.pop(udfs.CONFIG_ENV, None)
    from kpi_xl.rules import rate

    rule = best_of(repeat, lambda: [rate(0.2, 0.25, "lower") for _ in range(cells)]) / cells
    print(f"   baseline: the first cell            {first_time * 1e6:8.0f} us  (gives {first!r})")
    print(f"   baseline: one bare rule call        {rule * 1e6:8.1f} us")
    print(f"   each cell after the first           {per_cell * 1e6:8.1f} us  "
          f"ratio {per_cell / first_time:6.4f} x first cell, {per_cell / rule:5.1f} x one rule call"
          "   (target <= 20 us)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    bench_click(repeat)
    bench_rag(repeat)
    bench_comparator(repeat)


if __name__ == "__main__":
    main()
