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


def test_what_a_job_leaves_alive_is_aged_and_its_cycles_still_found(collector_on):
    import weakref

    class Node:
        pass

    with paused_gc():
        kept = [[] for _ in range(1000)]
        node = Node()
        node.me = node  # a cycle made in the job
        gone = weakref.ref(node)
        del node
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert id(kept[0]) in oldest and id(kept[-1]) in oldest  # no pass walks them as young objects
    assert gone() is not None  # not collected yet: aged, not swept
    gc.collect()
    assert gone() is None  # the next full pass finds the cycle


def test_objects_the_process_froze_stay_frozen(collector_on):
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen
        with paused_gc():
            [[] for _ in range(100)]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_a_refresh_leaves_little_for_the_cyclic_collector(tmp_path, collector_on):
    """The writer's trees are freed as the write ends (its sheet patchers and
    the package's relationships refer back to their owners): a pass of the
    collector after a refresh finds only a few hundred objects, however many
    cells were read and written."""
    import kpi_xl
    from kpi_xl.templates import example_workbook

    book = example_workbook(tmp_path / "example", force=True)
    config = kpi_xl.load_config()
    gc.collect()
    gc.disable()
    try:
        kpi_xl.refresh(book, config, backup="none")
        found = gc.collect()
    finally:
        gc.enable()
    assert found < 1500, found
