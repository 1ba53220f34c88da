"""Refresh many workbooks at once, in parallel processes.

A performance team refreshes every returns workbook of the quarter (one per
service, per team, per year) in one go. Each workbook is refreshed in its
own worker process (``concurrent.futures.ProcessPoolExecutor``, one worker
per CPU), so the work spreads over the machine's cores and a workbook that
crashes its worker, hangs on a bad package or raises takes only itself down:
its error is recorded and the others carry on.

The library never prints: callers pass ``progress`` (called in this
process after each workbook, with the count done, the total and the
outcome) and render :class:`BatchResult` as text or JSON.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .config import Config
from .errors import KpiError, Place

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
COUNT_KEYS = ("indicators", "RED", "AMBER", "GREEN", "findings")


@dataclass
class BookOutcome:
    """What happened to one workbook: its counts, or the one-line error."""

    workbook: str
    ok: bool
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    summary: str | None = None  # RefreshResult.summary_line()
    changed: bool = False
    output: str | None = None
    error: str | None = None
    error_type: str | None = None  # "WorkbookError", "RefusedFile", ... or "crash"

    def as_dict(self) -> dict:
        return asdict(self)


Progress = Callable[[int, int, BookOutcome], None]


@dataclass
class BatchResult:
    outcomes: list[BookOutcome]  # in the order the workbooks were given
    seconds: float
    workers: int

    @property
    def refreshed(self) -> list[BookOutcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[BookOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def ok(self) -> bool:
        return not self.failed

    def totals(self) -> dict[str, int]:
        return {k: sum(o.counts.get(k, 0) for o in self.refreshed) for k in COUNT_KEYS}

    def summary_line(self) -> str:
        n, bad = len(self.outcomes), len(self.failed)
        return (f"kpi-xl refreshed {n - bad} of {n} workbooks"
                f"{f', {bad} failed' if bad else ''} in {self.seconds:.1f} s "
                f"({self.workers} process{'es' if self.workers != 1 else ''})")

    def rows(self) -> list[list[str]]:
        """The summary table: header, one row per workbook, a total row."""
        head = ["Workbook", "Indicators", "RED", "AMBER", "GREEN", "Findings", "Seconds", "Result"]
        rows = [head]
        for o in self.outcomes:
            counts = [str(o.counts.get(k, "")) if o.ok else "" for k in COUNT_KEYS]
            result = ("refreshed" if o.changed else "no change") if o.ok else f"FAILED: {o.error}"
            rows.append([o.workbook, *counts, f"{o.seconds:.2f}", result])
        total = self.totals()
        rows.append([f"Total ({len(self.outcomes)} workbooks)", *[str(total[k]) for k in COUNT_KEYS],
                     f"{self.seconds:.2f}", f"{len(self.refreshed)} refreshed, "
                     f"{len(self.failed)} failed"])
        return rows

    def as_text(self) -> str:
        rows = self.rows()
        # The last column (the result or the error) is left free to run long.
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
        numeric = range(1, 7)

        def line(row: list[str]) -> str:
            cells = [row[i].rjust(w) if i in numeric else row[i].ljust(w)
                     for i, w in enumerate(widths)]
            return "  ".join(cells + [row[-1]]).rstrip()

        rule = "  ".join("-" * w for w in widths) + "  " + "-" * 9
        return "\n".join([line(rows[0]), rule] + [line(r) for r in rows[1:-1]] +
                         [rule, line(rows[-1])])

    def as_dict(self) -> dict:
        return {"workbooks": [o.as_dict() for o in self.outcomes],
                "total": len(self.outcomes), "refreshed": len(self.refreshed),
                "failed": len(self.failed), "counts": self.totals(),
                "seconds": round(self.seconds, 3), "workers": self.workers}


def collect_workbooks(paths: Iterable[str | Path]) -> list[Path]:
    """The workbooks to refresh: files as given, and the .xlsx/.xlsm files in
    each folder given (not its sub-folders; Excel's "~$" lock files and
    backups skipped). Each file once, in the order given. A path that does
    not exist is kept, so that it is reported with the others."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            books = sorted(p for p in path.iterdir() if _is_workbook(p))
            if not books:
                raise KpiError("no workbooks (.xlsx, .xlsm) in this folder", Place(file=str(path)))
            found.extend(books)
        else:
            found.append(path)
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(os.path.normcase(os.path.abspath(path)), path)
    if not unique:
        raise KpiError("no workbooks given")
    return list(unique.values())


def run_batch(paths: Iterable[str | Path], config: Config, *, dry_run: bool = False,
              backup: str | None = None, workers: int | None = None,
              progress: Progress | None = None) -> BatchResult:
    """Refresh every workbook in ``paths`` (files or folders), in parallel.

    ``workers`` defaults to the number of CPUs (never more than the number
    of workbooks); 1 refreshes them one after another in this process.
    """
    books = collect_workbooks(paths)
    workers = max(1, min(workers or os.cpu_count() or 1, len(books)))
    started = time.perf_counter()
    if workers == 1:
        outcomes = _run_here(books, config, dry_run, backup, progress)
    else:
        outcomes = _run_in_pool(books, config, dry_run, backup, workers, progress)
    return BatchResult(outcomes, time.perf_counter() - started, workers)


def refresh_book(path: str | Path, config: Config, dry_run: bool = False,
                 backup: str | None = None) -> BookOutcome:
    """Refresh one workbook; any error becomes the outcome, never an exception.
    Runs in a worker process, so it takes and returns only picklable data."""
    from .refresh_job import refresh

    started = time.perf_counter()
    try:
        result = refresh(path, config, dry_run=dry_run, backup=backup)
    except KpiError as exc:
        return BookOutcome(str(path), False, time.perf_counter() - started,
                           error=str(exc), error_type=type(exc).__name__)
    except Exception as exc:  # noqa: BLE001  one workbook must not stop the batch
        return BookOutcome(str(path), False, time.perf_counter() - started,
                           error=f"{path}: unexpected error: {type(exc).__name__}: {exc}",
                           error_type=type(exc).__name__)
    write = result.write
    return BookOutcome(str(path), True, time.perf_counter() - started,
                       counts=dict(result.counts), summary=result.summary_line(),
                       changed=result.changed,
                       output=str(getattr(write, "output", "") or "") or None)


def _run_here(books: list[Path], config: Config, dry_run: bool, backup: str | None,
              progress: Progress | None) -> list[BookOutcome]:
    outcomes = []
    for done, book in enumerate(books, start=1):
        outcomes.append(refresh_book(book, config, dry_run, backup))
        if progress:
            progress(done, len(books), outcomes[-1])
    return outcomes


def _run_in_pool(books: list[Path], config: Config, dry_run: bool, backup: str | None,
                 workers: int, progress: Progress | None) -> list[BookOutcome]:
    outcomes: dict[int, BookOutcome] = {}
    broken: list[int] = []

    def record(i: int, outcome: BookOutcome) -> None:
        outcomes[i] = outcome
        if progress:
            progress(len(outcomes), len(books), outcome)

    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(refresh_book, book, config, dry_run, backup): i
                   for i, book in enumerate(books)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                record(i, future.result())
            except BrokenProcessPool:
                broken.append(i)
            except Exception as exc:  # noqa: BLE001  e.g. a result that could not be pickled
                record(i, _failed(books[i], f"{type(exc).__name__}: {exc}", type(exc).__name__))
    # A worker died (killed, out of memory, a crash inside a C library): the
    # pool takes every unfinished workbook down with it. Run those again, each
    # in a process of its own, so only the one that kills its worker fails.
    for i in sorted(broken):
        record(i, _isolated(books[i], config, dry_run, backup))
    return [outcomes[i] for i in range(len(books))]


def _isolated(book: Path, config: Config, dry_run: bool, backup: str | None) -> BookOutcome:
    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(refresh_book, book, config, dry_run, backup).result()
        except BrokenProcessPool:
            return _failed(book, "the process refreshing it stopped unexpectedly", "crash")
        except Exception as exc:  # noqa: BLE001
            return _failed(book, f"{type(exc).__name__}: {exc}", type(exc).__name__)


def _failed(book: Path, message: str, error_type: str) -> BookOutcome:
    return BookOutcome(str(book), False, error=f"{book}: {message}", error_type=error_type)


def _is_workbook(path: Path) -> bool:
    name = path.name
    return (path.is_file() and path.suffix.lower() in WORKBOOK_SUFFIXES
            and not name.startswith(("~$", ".")) and ".bak" not in name.lower())
