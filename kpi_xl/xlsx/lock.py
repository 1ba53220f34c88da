"""One kpi-xl run at a time per workbook, and the file as it was read.

A refresh takes :func:`refresh_lock` around the whole job (read, plan,
write): a lock file ``.BOOK.xlsx.kpixl-lock`` beside the real workbook (the
symlink's target), held with an OS advisory lock so a killed run releases it.
A second run waits up to ``wait`` seconds, then refuses with one line naming
the run that holds it. Inside one process the lock is re-entrant, so the
writer can take it again without deadlocking on its caller.

:class:`FileIdentity` is what the writer checks just before the rename: the
file must still be the one that was read (size, mtime, inode, content CRC).
"""
from __future__ import annotations

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
from kpi_xl.xlsx.part_check import inflater

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
    ``digest`` is the CRC-32 of its bytes (8 hex digits), taken in a thread
    where the platform reads at file offsets, which the refresh need not
    wait for until it compares (:meth:`still`).

    Why a CRC and not a cryptographic hash: this tells a file another
    program saved meanwhile (Excel, a second refresh) from the one read,
    beside its size, mtime, inode and device; nobody forges it, since a
    program that may write the file may as well write anything. A CRC-32
    catches every change of up to 32 bits and all but one in 2**32 of any
    other, and with zlib-ng it takes 4 ms for a 50 MB workbook where
    SHA-256 took 32 ms, paid twice a refresh (on reading, and again before
    the rename): a cost that grew with the size of the workbook, not with
    the cells kpi-xl writes (issue 16)."""

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
    """The CRC-32 of an open file: in a thread, over a descriptor of its
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
    crc32, crc = _crc32(), 0
    fh.seek(0)
    for chunk in iter(lambda: fh.read(_CHUNK), b""):
        crc = crc32(chunk, crc)
    fh.seek(0)
    return f"{crc:08x}"


def _digest_at_offsets(fd: int) -> str:
    crc32, crc, offset = _crc32(), 0, 0
    while chunk := os.pread(fd, _CHUNK, offset):
        crc = crc32(chunk, crc)
        offset += len(chunk)
    return f"{crc:08x}"


_CHUNK = 1 << 20


def _crc32():
    """zlib-ng's crc32 where installed (three times zlib's speed), else
    zlib's: the same CRC-32 either way."""
    return inflater().crc32
