"""The cyclic collector is paused for a library job and left as it was found."""
from __future__ import annotations

import gc
import threading

import pytest

from kpi_xl.gc_pause import paused_gc


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_paused_inside_and_restored_after(collector_on):
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():  # a job inside a job (refresh -> build_refresh -> read_workbook)
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer job is still running
    assert gc.isenabled()


def test_restored_after_an_error(collector_on):
    with pytest.raises(ValueError):
        with paused_gc():
            raise ValueError("bad input")
    assert gc.isenabled()


def test_left_off_when_it_was_off():
    was = gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_jobs_in_two_threads_that_overlap_leave_it_on(collector_on):
    # Thread A starts, B starts, A ends while B runs (the collector stays
    # off), B ends (it comes back on): the order a batch of threads gives.
    a_in, b_in, a_out, b_checked = (threading.Event() for _ in range(4))
    seen = {}

    def job_a():
        with paused_gc():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def job_b():
        a_in.wait(5)
        with paused_gc():
            b_in.set()
            a_out.wait(5)
            seen["during_b_after_a"] = gc.isenabled()
        b_checked.set()

    threads = [threading.Thread(target=job_a), threading.Thread(target=job_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"during_b_after_a": False}
    assert gc.isenabled()


def test_a_refresh_and_a_check_leave_it_on(tmp_path, collector_on):
    import kpi_xl
    from kpi_xl.errors import KpiError
    from kpi_xl.templates import example_workbook

    book = example_workbook(tmp_path)
    kpi_xl.check_workbook(book)
    kpi_xl.refresh(book, kpi_xl.load_config(), backup="none")
    assert gc.isenabled()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    with pytest.raises(KpiError):
        kpi_xl.refresh(broken, kpi_xl.load_config(), backup="none")
    assert gc.isenabled()
