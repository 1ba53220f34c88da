"""Benchmark: package-patching writer against openpyxl load + save.

Builds a returns workbook with 200 indicators and a 100k-row extract sheet
(openpyxl write_only), then times in the same run
  (a) kpi_xl.xlsx.writer.apply_plan touching the indicator sheet (values,
      styles, a conditional format) and adding an owned summary sheet;
  (b) openpyxl load_workbook + save of the same file (what kpi-xl must
      never do, and the baseline);
and prints the ratio a/b. Target: a/b <= 0.03.

    python benchmarks/bench_writer.py [--rows 100000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import openpyxl

from kpi_xl.plan import AddConditionalFormat, CFRule, OwnedSheet, Plan, SetCell, SetColumnWidth, Style
from kpi_xl.xlsx.writer import apply_plan

INDICATORS = 200
AREAS = ["Early Help", "Front Door", "Child Protection", "Children in Care", "Care Leavers", "Workforce"]
QUARTERS = ["Q1 23-24", "Q2 23-24", "Q3 23-24", "Q4 23-24", "Q1 24-25"]


def build_workbook(path: Path, rows: int) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ind = wb.create_sheet("Indicators")
    ind.append(["ID", "Indicator", "Area", "Polarity", "Target"] + QUARTERS + ["RAG", "DoT"])
    for i in range(INDICATORS):
        values = [round(50 + (i * 7 + q * 3) % 40 + q * 0.5, 1) for q in range(len(QUARTERS))]
        ind.append([f"CSC{i:03d}", f"Indicator number {i} for children's services", AREAS[i % len(AREAS)],
                    "Higher is better" if i % 2 else "Lower is better", 60 + i % 20] + values + [None, None])
    ext = wb.create_sheet("Extract")
    ext.append(["Child ID", "Team", "Referral date", "Outcome", "Days", "Age", "Ethnicity", "Re-referral"])
    teams = ["North", "South", "East", "West", "Central"]
    outcomes = ["NFA", "Early Help", "CIN", "CP", "LAC"]
    for r in range(rows):
        ext.append([f"C{r:07d}", teams[r % 5], f"2024-{1 + r % 12:02d}-{1 + r % 28:02d}", outcomes[r % 5],
                    r % 45, r % 18, ["WBRI", "WOTH", "MWBC", "ABAN", "BAFR"][r % 5], r % 7 == 0])
    wb.save(path)


def make_plan() -> Plan:
    plan = Plan()
    first, last = 2, INDICATORS + 1
    red, amber, green = Style(fill="FFC7CE", font_color="9C0006"), Style(fill="FFEB9C"), Style(fill="C6EFCE")
    for i in range(INDICATORS):
        row = first + i
        rag = ["RED", "AMBER", "GREEN"][i % 3]
        plan.set("Indicators", f"K{row}", rag, style=[red, amber, green][i % 3])
        plan.set("Indicators", f"L{row}", "↑" if i % 2 else "↓", style=Style(horizontal="center", bold=True))
    plan.changes.append(AddConditionalFormat("Indicators", f"J{first}:J{last}", (
        CFRule("expression", f"J{first}<E{first}", red), CFRule("expression", f"J{first}>=E{first}", green))))
    plan.changes.append(SetColumnWidth("Indicators", "K", 10))
    summary = OwnedSheet("summary", "Summary", column_widths={"A": 40, "B": 12}, freeze="A2", tab_color="376092")
    summary.cells.append(SetCell("", "A1", "Exception summary", style=Style(bold=True, font_size=14)))
    for i in range(40):
        summary.cells.append(SetCell("", f"A{i + 2}", f"Indicator number {i * 5} for children's services"))
        summary.cells.append(SetCell("", f"B{i + 2}", ["RED", "AMBER", "GREEN"][i % 3]))
    plan.sheets.append(summary)
    return plan


def time_apply(src: Path, work: Path, repeat: int) -> float:
    best = float("inf")
    for n in range(repeat):
        target = work / f"apply_{n}.xlsx"
        shutil.copyfile(src, target)
        start = time.perf_counter()
        result = apply_plan(target, make_plan(), backup="none")
        best = min(best, time.perf_counter() - start)
        assert result.changed
    return best


def time_openpyxl(src: Path, work: Path, repeat: int) -> float:
    best = float("inf")
    for n in range(repeat):
        start = time.perf_counter()
        wb = openpyxl.load_workbook(src)
        wb.save(work / f"openpyxl_{n}.xlsx")
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the extract sheet")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (best is reported)")
    parser.add_argument("--baseline-repeat", type=int, default=1, help="runs of openpyxl load + save")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        src = work / "returns.xlsx"
        start = time.perf_counter()
        build_workbook(src, args.rows)
        print(f"built {src.name}: {INDICATORS} indicators, {args.rows} extract rows, "
              f"{src.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - start:.1f}s")
        a = time_apply(src, work, args.repeat)
        b = time_openpyxl(src, work, args.baseline_repeat)
        print(f"(a) apply_plan (indicator sheet + summary sheet): {a * 1000:.0f} ms")
        print(f"(b) openpyxl load + save:                         {b * 1000:.0f} ms")
        print(f"ratio a/b = {a / b:.4f} (target <= 0.03)")


if __name__ == "__main__":
    main()
