"""Pausing Python's cyclic garbage collector for one library job.

A refresh makes millions of small objects (cells, points, records, plan
changes, pieces of XML text) that hold no reference cycles, over a heap the
imports alone make large. The cyclic collector starts a pass every 700 new
objects, and each full pass walks every live object: at 10,000 indicators
that was about a third of a refresh's time, and it freed nothing.

So each library entry point runs its job inside :func:`paused_gc`.
Reference counting still frees every object that is not in a cycle as soon
as it is dropped, so memory does not grow with the pause; the few cycles a
job makes (an error and its traceback) are collected after it. The
collector is restored as it was when the outermost job ends, in whatever
thread, so nested jobs and jobs in several threads at once leave it as they
found it; what the job left alive is aged into the oldest generation first
(:func:`_age_survivors`), so no pass walks it the moment the collector is back.

The collector is one per process, so the pause is too: while any job runs
(in the xlwings server, a UDF beside a refresh) no thread's cycles are
collected, and a caller that turns the collector off during a job finds it
on again when the last job ends, as it was when the first began.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_jobs = 0  # jobs running now, in every thread
_was_enabled = False  # the collector's state when the first of them started


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic collector off while the ``with`` block runs (see the module)."""
    global _jobs, _was_enabled
    with _lock:
        if _jobs == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _jobs += 1
    try:
        yield
    finally:
        with _lock:
            _jobs -= 1
            if _jobs == 0 and _was_enabled:
                _age_survivors()
                gc.enable()


def _age_survivors() -> None:
    """Move every object the job left alive into the oldest generation,
    without a pass over them. With the collector off they all stayed in the
    youngest, and the first allocation after ``gc.enable()`` walked every
    one (0.6 s after a 10,000-indicator refresh) to free nothing; in the
    oldest generation the cycles among them are still found, by the next
    full pass. ``freeze`` then ``unfreeze`` is that move (both only relink
    lists). Skipped when the process froze objects itself (a server that
    forked after ``gc.freeze()``): unfreezing would undo its choice."""
    if gc.get_freeze_count():
        return
    gc.freeze()
    gc.unfreeze()
