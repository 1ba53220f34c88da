"""One kpi-xl run at a time per workbook, and the file as it was read.

A refresh takes :func:`refresh_lock` around the whole job (read, plan,
write): a lock file ``.BOOK.xlsx.kpixl-lock`` beside the real workbook (the
symlink's target), held with an OS advisory lock so a killed run releases it.
A second run waits up to ``wait`` seconds, then refuses with one line naming
the run that holds it. Inside one process the lock is re-entrant, so the
writer can take it again without deadlocking on its caller.

:class:`FileIdentity` is what the writer checks just before the rename: the
file must still be the one that was read (size, mtime, inode, content hash).
"""
from __future__ import annotations

import hashlib
import os
import socket
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from kpi_xl.errors import Place, RefusedFile

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_held: dict[str, int] = {}  # real path -> depth, in this process
_guard = threading.Lock()


def real_path(path: str | os.PathLike) -> Path:
    """The file a path names, symlinks followed (the file kpi-xl replaces)."""
    return Path(os.path.realpath(path))


def lock_path(path: str | os.PathLike) -> Path:
    real = real_path(path)
    return real.with_name(f".{real.name}.kpixl-lock")


def _holder(lock: Path) -> str:
    try:
        text = lock.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        text = ""
    return text or "another kpi-xl run"


def _try_lock(fd: int) -> bool:
    if fcntl is None:  # pragma: no cover
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _same_file(fd: int, lock: Path) -> bool:
    """The lock file we hold is still the one at its path (a run that
    finished may have removed it while we waited on the old one)."""
    try:
        st = os.stat(lock)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_ino, st.st_dev) == (mine.st_ino, mine.st_dev)


def _acquire(lock: Path, wait: float, book: Path) -> int:
    deadline = time.monotonic() + max(wait, 0.0)
    delay = 0.02
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise RefusedFile(f"cannot take kpi-xl's lock file {lock.name} ({exc.strerror}); "
                              "check the folder is writable", Place(file=str(book))) from None
        if _try_lock(fd) and _same_file(fd, lock):
            return fd
        os.close(fd)
        if time.monotonic() >= deadline:
            raise RefusedFile(f"is being refreshed by {_holder(lock)}; wait for it to finish "
                              "and run again (workbook.lock_wait sets how long to wait)",
                              Place(file=str(book)))
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def _describe_self() -> str:
    command = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())
    return f"kpi-xl (pid {os.getpid()} on {socket.gethostname()}, {command}, since {started})"


@contextmanager
def refresh_lock(path: str | os.PathLike, wait: float = 30.0) -> Iterator[None]:
    """Hold the workbook's kpi-xl lock for the block (re-entrant in a process)."""
    book = Path(path)
    key = str(real_path(book))
    with _guard:
        if key in _held:
            _held[key] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield
        finally:
            with _guard:
                _held[key] -= 1
        return
    lock = lock_path(book)
    fd = _acquire(lock, wait, book)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, _describe_self().encode("utf-8"))
        with _guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _guard:
                _held.pop(key, None)
    finally:
        try:
            os.unlink(lock)  # while still holding it: a waiter re-checks the inode
        except OSError:
            pass
        os.close(fd)


# ------------------------------------------------------------- identity

@dataclass(frozen=True)
class FileIdentity:
    """The file as it was read: compared again just before the rename.
    ``digest`` (its SHA-256) is hashed in a thread where the platform reads
    at file offsets: 50 MB take 30 ms, which the refresh need not wait for
    until it compares (:meth:`still`)."""

    size: int
    mtime_ns: int
    inode: int
    device: int
    _hashed: "_Hashing" = field(repr=False, compare=False)

    @property
    def digest(self) -> str:
        return self._hashed.result()

    @classmethod
    def of_open(cls, fh) -> "FileIdentity":
        st = os.fstat(fh.fileno())
        return cls(st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev, _Hashing(fh))

    def still(self, path: str | os.PathLike) -> bool:
        """``path`` is still this file (cheap checks first, the hash last)."""
        try:
            st = os.stat(path)
        except OSError:
            return False
        if (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev) != \
                (self.size, self.mtime_ns, self.inode, self.device):
            return False
        with open(path, "rb") as fh:
            return _digest(fh) == self.digest


class _Hashing:
    """The SHA-256 of an open file: in a thread, over a descriptor of its
    own (the caller may close the file meanwhile), where the platform reads
    at offsets; elsewhere at once, through the file's position."""

    def __init__(self, fh):
        self._digest: str | None = None
        self._error: OSError | None = None
        self._thread: threading.Thread | None = None
        if not hasattr(os, "pread"):
            self._digest = _digest(fh)
            return
        fd = os.dup(fh.fileno())
        self._thread = threading.Thread(target=self._run, args=(fd,), name="kpi-xl file hash", daemon=True)
        self._thread.start()

    def _run(self, fd: int) -> None:
        try:
            self._digest = _digest_at_offsets(fd)
        except OSError as exc:  # handed to result()
            self._error = exc
        finally:
            os.close(fd)

    def result(self) -> str:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._digest


def _digest(fh) -> str:
    if hasattr(os, "pread"):
        # At file offsets: the package's parts are being read through the
        # same open file in another thread (safety.EarlyVerify) meanwhile.
        return _digest_at_offsets(fh.fileno())
    h = hashlib.sha256()
    fh.seek(0)
    for chunk in iter(lambda: fh.read(1 << 20), b""):
        h.update(chunk)
    fh.seek(0)
    return h.hexdigest()


def _digest_at_offsets(fd: int) -> str:
    h, offset = hashlib.sha256(), 0
    while chunk := os.pread(fd, 1 << 20, offset):
        h.update(chunk)
        offset += len(chunk)
    return h.hexdigest()
