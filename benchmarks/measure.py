"""Timing and memory of whole processes, and the result rows every benchmark prints.

A command is run as its own process (``kpi-xl`` through ``kpi_xl.cli.main``
with this checkout first on the path), its wall time taken around it and its
peak resident memory from the kernel's accounting of that one child
(``os.wait4`` in a small launcher process), as ``/usr/bin/time -v`` reports it.

Commands run with their bytecode cached, as an installed kpi-xl runs (pip
compiles a wheel's modules when it installs it): an environment that sets
``PYTHONDONTWRITEBYTECODE`` (this machine's does) would otherwise have every
run compile each kpi_xl module it imports from source, some 0.3 s of a
refresh that no user pays. The checkout's modules are compiled once, before
the first timed run (:func:`compile_checkout`), into their ``__pycache__``
folders as any run of Python would.
"""
from __future__ import annotations

import compileall
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# What the console script runs (pyproject: kpi-xl = "kpi_xl.launch:main"), without the
# launcher script of a venv or pyenv shim in front of it.
KPI_XL = [sys.executable, "-c", "import sys; from kpi_xl.launch import main; sys.argv[0] = 'kpi-xl'; main()"]


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
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    compile_checkout()
    return out


_compiled = False


def compile_checkout() -> None:
    """Bytecode of this checkout's kpi_xl, once a run (compileall skips a
    module whose bytecode is up to date)."""
    global _compiled
    if not _compiled:
        compileall.compile_dir(str(REPO / "kpi_xl"), quiet=1)
        _compiled = True


# A child's peak RSS as the kernel counts it includes what its parent held
# when it forked (run_all.py grows to gigabytes running benchmarks in
# process), so the command is started by a small launcher process, which
# times it and reports its rusage.
_LAUNCH = ("import os, subprocess, sys, time; start = time.perf_counter(); "
           "proc = subprocess.Popen(sys.argv[2:]); _, status, usage = os.wait4(proc.pid, 0); "
           "open(sys.argv[1], 'w').write(f'{time.perf_counter() - start} {usage.ru_maxrss} '"
           "f'{os.waitstatus_to_exitcode(status)}')")


def run(args: list[str], *, check: bool = True, quiet: bool = True) -> tuple[float, float, int]:
    """(seconds, peak MB, exit code) of one process."""

    out = subprocess.DEVNULL if quiet else None
    with tempfile.TemporaryDirectory(prefix="kpixl-run-") as tmp:
        report = Path(tmp) / "usage"
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCH, str(report), *args], env=env(), stdout=out,
                                stderr=subprocess.PIPE if quiet else None)
        err = proc.stderr.read() if proc.stderr else b""
        proc.wait()
        seconds, peak_kb, code = report.read_text().split()
    returncode = int(code)
    if check and returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(args)} failed ({returncode}): {err.decode()[-2000:]}")
    return float(seconds), int(peak_kb) / 1024, returncode


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
