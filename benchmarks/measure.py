"""Timing and memory of whole processes, and the result rows every benchmark prints.

A command is run as its own process (``kpi-xl`` through ``kpi_xl.cli.main``
with this checkout first on the path), its wall time taken around it and its
peak resident memory from the kernel's accounting of that one child
(``os.wait4``), as ``/usr/bin/time -v`` reports it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KPI_XL = [sys.executable, "-c", "import sys; from kpi_xl.cli import main; sys.argv[0] = 'kpi-xl'; main()"]


@dataclass
class Row:
    benchmark: str
    measure: str
    value: float
    unit: str = ""
    target: str = ""  # e.g. "<= 0.03"
    ok: bool | None = None

    def line(self) -> str:
        verdict = "" if self.ok is None else ("  ok" if self.ok else "  NOT MET")
        value = f"{self.value:.4g}" if isinstance(self.value, float) else str(self.value)
        return f"{self.benchmark:<14} {self.measure:<52} {value:>10} {self.unit:<4} {self.target:<9}{verdict}"


def ratio_row(benchmark: str, measure: str, value: float, limit: float) -> Row:
    return Row(benchmark, measure, value, "", f"<= {limit:g}", value <= limit)


def print_rows(rows: list[Row]) -> None:
    for row in rows:
        print(row.line())


def env() -> dict[str, str]:
    out = dict(os.environ)
    out["PYTHONPATH"] = str(REPO) + (os.pathsep + out["PYTHONPATH"] if out.get("PYTHONPATH") else "")
    return out


def run(args: list[str], *, check: bool = True, quiet: bool = True) -> tuple[float, float, int]:
    """(seconds, peak MB, exit code) of one process."""
    out = subprocess.DEVNULL if quiet else None
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env(), stdout=out, stderr=subprocess.PIPE if quiet else None)
    err = proc.stderr.read() if proc.stderr else b""
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if check and proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def kpi_xl(*args: str, check: bool = True) -> tuple[float, float, int]:
    return run(KPI_XL + list(args), check=check)


def refresh_copy(book: Path, work: Path, tag: str) -> tuple[float, float]:
    """A whole-process ``kpi-xl refresh`` of a fresh copy of ``book``."""
    copy = work / f"{tag}-{book.name}"
    shutil.copyfile(book, copy)
    seconds, peak, _ = kpi_xl("refresh", str(copy), "--no-backup")
    copy.unlink()
    return seconds, peak


def best(times: list[float]) -> float:
    return min(times)
