"""Issue 13, the file around the workbook: locks, backups, identity, names.

Each test names the case of the issue it covers (D2, D3, D5, S1, S4, S5, U5,
U6, T3). Workbooks are built by the test from typed indicators.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kpi_xl.cli import app
from kpi_xl.config import load_config
from kpi_xl.errors import KpiError, RefusedFile
from kpi_xl.refresh_job import refresh
from kpi_xl.templates import TemplateIndicator, build_returns_workbook
from kpi_xl.xlsx import safety

REPO = Path(__file__).resolve().parent.parent


def make_book(path: Path, latest: float = 0.7) -> Path:
    indicators = [
        TemplateIndicator(id="S01", area="Social care", name="Re-referrals within 12 months",
                          type="Percentage", polarity="lower", target=0.2, values=[0.25, 0.22, 0.21, 0.19]),
        TemplateIndicator(id="S02", area="Social care", name="Assessments within 45 days",
                          type="Percentage", polarity="higher", target=0.85, values=[0.8, 0.82, 0.9, latest]),
        TemplateIndicator(id="S03", area="Early help", name="Referrals to Early Help",
                          values=[120, 130, 125, 140]),
    ]
    return build_returns_workbook(path, "Safety test returns", indicators, {2024: [3, 4], 2025: [1, 2]})


@pytest.fixture
def book(tmp_path) -> Path:
    return make_book(tmp_path / "returns.xlsx")


@pytest.fixture
def config():
    return load_config()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".kpixl-tmp"))


# ------------------------------------------------------------------ D2 lock

def test_D2_second_run_waits_then_refuses_naming_the_other(book, config):
    """Another run holds the workbook's lock: the refresh waits
    ``workbook.lock_wait`` and refuses with one line naming it; nothing is
    written and nothing says "damaged"."""
    lock = book.with_name(f".{book.name}.kpixl-lock")
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import fcntl, os, sys, time
        fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, b"kpi-xl (pid %d on testhost, kpi-xl, since now)" % os.getpid())
        print("held", flush=True)
        time.sleep(30)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        before = book.read_bytes()
        quick = config.model_copy(update={"workbook": config.workbook.model_copy(update={"lock_wait": 0.3})})
        with pytest.raises(RefusedFile) as err:
            refresh(book, quick)
        message = str(err.value)
        assert f"pid {holder.pid}" in message and "being refreshed" in message
        assert "damaged" not in message and "\n" not in message
        assert book.read_bytes() == before
        assert not book.with_name(book.name + ".bak").exists()
    finally:
        holder.kill()
        holder.wait()
    refresh(book, config)  # the killed holder left no lock behind
    assert not lock.exists()


def test_D2_workbook_replaced_while_refreshing_is_refused_not_damaged(book, tmp_path, config):
    """The file read is not the file about to be replaced: refuse, keep the
    newcomer, never call it damaged."""
    other = make_book(tmp_path / "other.xlsx", latest=0.95)
    newcomer = other.read_bytes()

    def meanwhile(step: str) -> None:
        if step == "writing":  # another program saves the workbook now
            os.replace(other, book)

    with pytest.raises(KpiError) as err:
        refresh(book, config, progress=meanwhile)
    assert "changed on disk" in str(err.value) and "damaged" not in str(err.value)
    assert book.read_bytes() == newcomer
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------- backups

def test_D3_backup_replaced_atomically_not_copied_over(book, config):
    """The old .bak is replaced by a rename: a reader holding it (or a kill
    during the copy) never sees a half-written backup."""
    bak = book.with_name(book.name + ".bak")
    bak.write_bytes(b"the previous backup")
    held = book.with_name("held-link")
    os.link(bak, held)  # the old backup's inode, as a reader would hold it
    original = book.read_bytes()
    result = refresh(book, config)
    assert result.write.backup == bak and bak.read_bytes() == original
    assert held.read_bytes() == b"the previous backup"  # not rewritten in place
    assert os.stat(bak).st_ino != os.stat(held).st_ino
    assert leftovers(book.parent) == []


def test_D5_original_kept_beside_the_last_backup(book, config):
    """BOOK.orig.xlsx is the workbook before kpi-xl first changed it;
    BOOK.xlsx.bak is the state before the last change."""
    original = book.read_bytes()
    refresh(book, config)
    first = book.read_bytes()
    orig = book.with_name("returns.orig.xlsx")
    assert orig.read_bytes() == original
    # the officer types a new figure; the next refresh changes the book again
    from kpi_xl.plan import Plan, SetCell
    from kpi_xl.xlsx.writer import apply_plan
    sheet = next(iter(result_sheets(book)))
    apply_plan(book, Plan(changes=[SetCell(sheet, "Z1", "typed by an officer")]), backup="none")
    typed = book.read_bytes()
    assert typed != first
    refresh(book, config.model_copy(update={"workbook": config.workbook.model_copy(
        update={"council": "Another name"})}))
    assert orig.read_bytes() == original
    assert book.with_name(book.name + ".bak").read_bytes() == typed
    os.unlink(orig)  # the user deletes it: kpi-xl does not make it again from a refreshed book
    refresh(book, config)
    assert not orig.exists()


def result_sheets(book: Path) -> list[str]:
    from kpi_xl.xlsx.package import sheet_part_names
    return list(sheet_part_names(book))


def test_S1_backup_symlink_is_not_followed(book, tmp_path, config):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    bak = book.with_name(book.name + ".bak")
    bak.symlink_to(victim)
    refresh(book, config)
    assert victim.read_text() == "precious"
    assert not bak.is_symlink() and bak.read_bytes()[:2] == b"PK"


# --------------------------------------------------------------- identity

def test_S4_read_only_file_is_refused(book, config):
    os.chmod(book, 0o444)
    before = book.read_bytes()
    with pytest.raises(RefusedFile) as err:
        refresh(book, config)
    assert "read-only" in str(err.value) and "0444" in str(err.value)
    assert book.read_bytes() == before


def test_S4_mode_owner_and_group_kept(book, config):
    os.chmod(book, 0o640)
    if os.geteuid() == 0:
        os.chown(book, 1234, 2345)
    refresh(book, config)
    st = os.stat(book)
    assert st.st_mode & 0o777 == 0o640
    if os.geteuid() == 0:
        assert (st.st_uid, st.st_gid) == (1234, 2345)


def test_S4_hard_links_broken_are_said(book, tmp_path, config):
    other = tmp_path / "team-copy.xlsx"
    os.link(book, other)
    before = other.read_bytes()
    result = refresh(book, config)
    notes = [f for f in result.report if f.type == "hard_links_broken"]
    assert notes and "1 other hard link" in notes[0].message
    assert other.read_bytes() == before


def test_S4_symlinked_workbook_written_through_to_its_target(tmp_path, config):
    real_dir = tmp_path / "store"
    real_dir.mkdir()
    target = make_book(real_dir / "real.xlsx")
    link = tmp_path / "returns.xlsx"
    link.symlink_to(target)
    before = target.read_bytes()
    refresh(link, config)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() != before  # the target itself was refreshed
    assert leftovers(real_dir) == [] and leftovers(tmp_path) == []


def test_S4_excel_lock_beside_the_symlink_target_is_seen(tmp_path, config):
    real_dir = tmp_path / "store"
    real_dir.mkdir()
    target = make_book(real_dir / "real.xlsx")
    (real_dir / "~$real.xlsx").write_bytes(b"owner")
    link = tmp_path / "returns.xlsx"
    link.symlink_to(target)
    before = target.read_bytes()
    with pytest.raises(RefusedFile) as err:
        refresh(link, config)
    assert "open in Excel" in str(err.value)
    assert target.read_bytes() == before


# ------------------------------------------------------------- part names

@pytest.mark.parametrize("name, words", [
    ("../evil.xml", "'..'"),
    ("/etc/evil.xml", "absolute path"),
    ("xl\\evil.xml", "backslash"),
    ("XL/workbook.xml", "twice"),
])
def test_S5_bad_entry_names_refused_on_read(book, tmp_path, name, words):
    bad = tmp_path / "bad.xlsx"
    shutil.copyfile(book, bad)
    with zipfile.ZipFile(bad, "a") as z:
        z.writestr(zipfile.ZipInfo(name), b"<x/>")
    with pytest.raises(RefusedFile) as err:
        safety.assert_readable(bad)
    assert words in str(err.value) and "\n" not in str(err.value)
    from kpi_xl.xlsx.package import Package
    with pytest.raises(RefusedFile):
        Package(bad)


# ------------------------------------------------------------ temp files

def test_U5_temp_files_of_a_killed_run_cleaned_up(book, config):
    stale = [book.with_name(f".{book.name}.k1ll3d_x.kpixl-tmp"),
             book.with_name(f".{book.stem}.abcdefgh.kpixl-tmp")]
    for p in stale:
        p.write_bytes(b"half a workbook")
    unrelated = book.with_name(".returns.xlsx.notes.txt")
    unrelated.write_text("mine")
    refresh(book, config)
    assert leftovers(book.parent) == []
    assert unrelated.exists()


# ---------------------------------------------------------------- --output

runner = CliRunner()


@pytest.mark.parametrize("output, words", [
    (".", "folder"),
    ("out.csv", "must end in .xlsx"),
    ("out.xlsm", "must end in .xlsx"),
])
def test_U6_T3_output_must_be_a_workbook_of_the_same_kind(book, tmp_path, output, words):
    out = runner.invoke(app, ["refresh", str(book), "--output", str(tmp_path / output)])
    assert out.exit_code == 2, out.output
    lines = out.output.strip().splitlines()
    assert len(lines) == 1 and words in lines[0]
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "out.xlsm").exists()


def _handles_on(path: Path) -> list[str]:
    """This process's open file descriptors that point at ``path`` (Linux)."""
    fds = Path("/proc/self/fd")
    real = os.path.realpath(path)
    held = []
    for fd in fds.iterdir():
        try:
            if os.path.realpath(os.readlink(fd)) == real:
                held.append(fd.name)
        except OSError:
            continue
    return held


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to list open files")
def test_workbook_is_not_held_open_when_it_is_replaced(book, config, monkeypatch):
    # Windows refuses to rename over a file the process holds open; a refresh
    # in place on an officer's PC must let go of the workbook before the rename.
    from kpi_xl.xlsx import writer

    seen = []
    real_replace = os.replace

    def replace(src, dst):
        if os.path.realpath(dst) == os.path.realpath(book):
            seen.append(_handles_on(book))
        return real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", replace)
    result = refresh(book, config)
    assert result.write.changed
    assert seen == [[]]
