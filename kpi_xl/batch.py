"""Refresh one workbook, several, or every workbook in a folder: one code path.

:func:`refresh_books` is what ``kpi-xl refresh`` and ``kpi-xl batch`` both
call, whatever they are given; they differ only in how they show the result
(one workbook's changes and findings, or the summary table).

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
import signal
import threading
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from .config import Config
from .errors import KpiError, Place

if TYPE_CHECKING:
    from .refresh_job import RefreshResult

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
    # Kept only when asked (``keep_results``), in this process: the refresh
    # itself, or what it raised. Not part of the JSON.
    result: RefreshResult | None = field(default=None, repr=False, compare=False)
    exception: Exception | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ("result", "exception")}


Progress = Callable[[int, int, BookOutcome], None]
Steps = Callable[[str], None]  # one workbook's steps: "reading indicator sheets", ...


@dataclass
class BatchResult:
    outcomes: list[BookOutcome]  # in the order the workbooks were given
    seconds: float
    workers: int
    interrupted: bool = False  # stopped by Ctrl-C after the workbooks in flight

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
        skipped = sum(1 for o in self.outcomes if o.error_type == "interrupted")
        stopped = f"; stopped by Ctrl-C, {skipped} not started" if self.interrupted else ""
        return (f"kpi-xl refreshed {n - bad} of {n} workbooks"
                f"{f', {bad - skipped} failed' if bad - skipped else ''} in {self.seconds:.1f} s "
                f"({self.workers} process{'es' if self.workers != 1 else ''}){stopped}")

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
                "seconds": round(self.seconds, 3), "workers": self.workers,
                "interrupted": self.interrupted}


def collect_workbooks(paths: Iterable[str | Path]) -> list[Path]:
    """The workbooks to refresh: files as given, and every entry named
    .xlsx/.xlsm in each folder given (not its sub-folders), also names with
    ".bak" in them; a dangling link or a folder named like a workbook is
    kept, so it is reported with the others. Skipped: Excel's "~$" lock
    files, hidden files, and kpi-xl's own BOOK.orig.xlsx beside BOOK.xlsx.
    Each file once, in the order given. A path that does not exist is kept."""
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


class _StopFlag:
    """Ctrl-C during a batch: the first one asks to stop after the
    workbooks in flight (so none is left half done); a second one stops now.
    Not ``active`` (one workbook): Ctrl-C stops it at once, as its write is
    atomic and nothing is half written."""

    def __init__(self, active: bool = True):
        self.set = False
        self._previous = None
        self._active = active

    def __enter__(self):
        if self._active and threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.set:
            raise KeyboardInterrupt
        self.set = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def refresh_books(paths: Iterable[str | Path], config: Config, *, output: str | Path | None = None,
                  dry_run: bool = False, backup: str | None = None, workers: int | None = None,
                  progress: Progress | None = None, steps: Steps | None = None,
                  keep_results: bool = False) -> BatchResult:
    """Refresh every workbook in ``paths`` (files, or folders of them), in
    parallel; each workbook's error is its outcome and the others carry on.

    ``output`` writes the one workbook there instead (``paths`` must name
    exactly one). ``workers`` defaults to the number of CPUs (never more
    than the number of workbooks); 1 refreshes them one after another in
    this process. ``progress`` is told after each workbook; ``steps`` of each
    step of a workbook refreshed in this process. ``keep_results`` keeps each
    workbook's :class:`~kpi_xl.refresh_job.RefreshResult` (or the exception
    it raised) on its outcome, and so runs in this process. With several
    workbooks, Ctrl-C stops after those in flight; the others are reported
    as not started and ``interrupted`` is set.

    Example: ``refresh_books(["returns/"], load_config()).summary_line()``
    """
    books = collect_workbooks(paths)
    if output is not None and len(books) != 1:
        raise KpiError("an output path takes one workbook, not several", Place(key="output"))
    workers = 1 if keep_results else max(1, min(workers or os.cpu_count() or 1, len(books)))
    started = time.perf_counter()
    with _StopFlag(active=len(books) > 1) as stop:
        if workers == 1:
            outcomes = _run_here(books, config, dry_run, backup, progress, stop,
                                 output=output, steps=steps, keep=keep_results)
        else:
            outcomes = _run_in_pool(books, config, dry_run, backup, workers, progress, stop)
    return BatchResult(outcomes, time.perf_counter() - started, workers, stop.set)


run_batch = refresh_books  # its name before it also drove one workbook


def _not_started(book: Path) -> BookOutcome:
    return BookOutcome(str(book), False, error=f"{book}: not refreshed: the batch was stopped (Ctrl-C)",
                       error_type="interrupted")


def _ignore_sigint() -> None:
    """Workers finish their workbook; the parent decides what stops."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def refresh_book(path: str | Path, config: Config, dry_run: bool = False,
                 backup: str | None = None, *, output: str | Path | None = None,
                 steps: Steps | None = None, keep: bool = False) -> BookOutcome:
    """Refresh one workbook; any error becomes the outcome, never an exception.
    Runs in a worker process, so it takes and returns only picklable data
    (unless ``keep``: then the outcome also holds the result or the exception)."""
    from .refresh_job import refresh

    started = time.perf_counter()
    try:
        result = refresh(path, config, output=output, dry_run=dry_run, backup=backup,
                         progress=steps)
    except KpiError as exc:
        return BookOutcome(str(path), False, time.perf_counter() - started,
                           error=str(exc), error_type=type(exc).__name__,
                           exception=exc if keep else None)
    except Exception as exc:  # noqa: BLE001  one workbook must not stop the batch
        return BookOutcome(str(path), False, time.perf_counter() - started,
                           error=f"{path}: unexpected error: {type(exc).__name__}: {exc}",
                           error_type=type(exc).__name__, exception=exc if keep else None)
    write = result.write
    return BookOutcome(str(path), True, time.perf_counter() - started,
                       counts=dict(result.counts), summary=result.summary_line(),
                       changed=result.changed,
                       output=str(write.output) if write is not None else None,
                       result=result if keep else None)


def _run_here(books: list[Path], config: Config, dry_run: bool, backup: str | None,
              progress: Progress | None, stop: _StopFlag, *, output: str | Path | None = None,
              steps: Steps | None = None, keep: bool = False) -> list[BookOutcome]:
    outcomes = []
    for done, book in enumerate(books, start=1):
        outcomes.append(_not_started(book) if stop.set else refresh_book(
            book, config, dry_run, backup, output=output, steps=steps, keep=keep))
        if progress:
            progress(done, len(books), outcomes[-1])
    return outcomes


def _run_in_pool(books: list[Path], config: Config, dry_run: bool, backup: str | None,
                 workers: int, progress: Progress | None, stop: _StopFlag) -> list[BookOutcome]:
    # imported here: one workbook, refreshed in this process, needs no pool
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    outcomes: dict[int, BookOutcome] = {}
    broken: list[int] = []

    def record(i: int, outcome: BookOutcome) -> None:
        outcomes[i] = outcome
        if progress:
            progress(len(outcomes), len(books), outcome)

    with ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint) as pool:
        futures = {pool.submit(refresh_book, book, config, dry_run, backup): i
                   for i, book in enumerate(books)}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                i = futures[future]
                if future.cancelled():
                    record(i, _not_started(books[i]))
                    continue
                try:
                    record(i, future.result())
                except BrokenProcessPool:
                    broken.append(i)
                except Exception as exc:  # noqa: BLE001  e.g. a result that could not be pickled
                    record(i, _failed(books[i], f"{type(exc).__name__}: {exc}", type(exc).__name__))
            if stop.set:
                for future in pending:
                    future.cancel()  # not started yet; those in flight run to the end
    # A worker died (killed, out of memory, a crash inside a C library): the
    # pool takes every unfinished workbook down with it. Run those again, each
    # in a process of its own, so only the one that kills its worker fails.
    for i in sorted(broken):
        record(i, _not_started(books[i]) if stop.set else _isolated(books[i], config, dry_run, backup))
    return [outcomes[i] for i in range(len(books))]


def _isolated(book: Path, config: Config, dry_run: bool, backup: str | None) -> BookOutcome:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

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
    """Named like a workbook (a folder or dangling link so named is kept, to
    be reported); not a lock file, a hidden file or kpi-xl's original copy."""
    name = path.name
    if path.suffix.lower() not in WORKBOOK_SUFFIXES or name.startswith(("~$", ".")):
        return False
    stem = path.stem
    if stem.lower().endswith(".orig") and path.with_name(stem[:-5] + path.suffix).exists():
        return False  # BOOK.orig.xlsx: the workbook before kpi-xl first changed it
    return True
