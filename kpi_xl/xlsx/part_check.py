"""Every part's CRC, checked by inflating its data where it lies in the file.

Before writing, the writer reads every part through once so a damaged one
(bad CRC, truncated data) is refused before anything is written
(:func:`kpi_xl.xlsx.safety.verify_parts`). The parts it copies raw are never
decompressed otherwise, and beside a big extract that reading is most of a
refresh's work: a 1M-row extract inflates to 280 MB (issue 16).

:func:`check_entry` inflates one entry at its file offset. Where a package's
parts inflate to more than :data:`CHILD_FROM`, they are checked in a child
process (:class:`ChildCheck`): a thread shares the GIL with the refresh, and
every call into zlib has to take it back, so beside a busy main thread the
same reading took fifteen times as long. The child is a bare interpreter
(``-I -S``) running this file's own source, so this module imports nothing
of kpi-xl's and nothing heavy: the command line starts it before its own
imports (:mod:`kpi_xl.launch`), and the package adopts it (:func:`adopt`).
"""
from __future__ import annotations

import os
import sys
import zlib

READ = 1 << 20  # compressed bytes read at a time
OUT = 1 << 20  # bytes inflated at a time, at most: bigger buffers measured slower (page faults)
CHILD_FROM = 64 << 20  # parts inflating to this much in all are checked in a child process
# zipfile's ZIP_STORED and ZIP_DEFLATED, spelled here: the child does not import zipfile (20 ms)
STORED, DEFLATED = 0, 8


class BadCRC(ValueError):
    """The entry's data inflates whole, to other than its CRC."""


def inflater():
    """zlib-ng where installed: it inflates about three times as fast as
    zlib; the bytes and the CRC are zlib's."""
    try:
        from zlib_ng import zlib_ng
    except ImportError:
        return zlib
    return zlib_ng


def check_entry(fd: int, start: int, compress_size: int, file_size: int, crc_wanted: int,
                deflated: bool, stop=None, out: int = OUT) -> bool:
    """Inflate one entry's data (``compress_size`` bytes from ``start``) and
    compare its CRC, as reading it through zipfile would: the output cut at
    the declared ``file_size``, a short file an EOFError, a bad CRC
    :class:`BadCRC`, bad deflate data a ``zlib.error``. False when ``stop``
    (a ``threading.Event``) was set.

    What one call inflates is bounded (``out``, never past the declared
    size), as zipfile bounds it: deflate expands up to a thousand times, so
    a hostile part inflated a read at a time would cost a gigabyte per
    megabyte read."""
    inflate = inflater()
    unpack = inflate.decompressobj(-15) if deflated else None
    crc, left, position, wanted = 0, compress_size, start, file_size
    try:
        while wanted > 0:
            if unpack is not None and unpack.unconsumed_tail:
                chunk = unpack.unconsumed_tail
            elif left > 0:
                chunk = os.pread(fd, min(left, READ), position)
                if not chunk:
                    raise EOFError
                position, left = position + len(chunk), left - len(chunk)
            else:
                break  # all its data read: the CRC says whether it was whole
            data = unpack.decompress(chunk, min(wanted, out)) if unpack is not None else chunk[:wanted]
            wanted -= len(data)
            crc = inflate.crc32(data, crc)
            if (unpack is not None and unpack.eof) or (stop is not None and stop.is_set()):
                break
    except inflate.error as exc:
        raise zlib.error(str(exc)) from None
    if stop is not None and stop.is_set():
        return False
    if crc != crc_wanted:
        raise BadCRC
    return True


# ------------------------------------------------------------ the child

def _child_main() -> None:
    """The child: ``fd`` in argv; on stdin a line naming where zlib-ng may be
    imported from (or empty), then one entry per line (start, compressed
    size, size, CRC, 1 when deflated). Prints ``ok``, or what went wrong
    with the index of the entry: ``crc 3``, ``zlib 3 message``, ``eof 3``,
    ``os 3 message``. Stops when the parent has gone."""
    fd, parent = int(sys.argv[1]), os.getppid()
    lines = sys.stdin.read().split("\n")
    if lines[0]:
        sys.path.insert(0, lines[0])
    for index, line in enumerate(filter(None, lines[1:])):
        if os.getppid() != parent:
            return
        start, compress_size, file_size, crc, deflated = (int(x) for x in line.split())
        try:
            check_entry(fd, start, compress_size, file_size, crc, bool(deflated))
        except BadCRC:
            print("crc", index)
            return
        except zlib.error as exc:
            print("zlib", index, exc)
            return
        except EOFError:
            print("eof", index)
            return
        except OSError as exc:
            print("os", index, exc.strerror or exc)
            return
    print("ok")


class ChildCheck:
    """:func:`check_entry` over many entries of one open file, in a child
    process; :meth:`result` waits for what it found."""

    def __init__(self, fd: int, entries: list[tuple[int, int, int, int, bool]]):
        import subprocess

        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _SOURCE, str(fd)], pass_fds=(fd,),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        lines = [_zlib_ng_home()] + [f"{s} {c} {n} {crc} {int(d)}" for s, c, n, crc, d in entries]
        self._proc.stdin.write(("\n".join(lines) + "\n").encode())
        self._proc.stdin.close()
        self._answer: str | None = None

    def result(self) -> tuple[str, int, str] | None:
        """None when every entry checked; else (kind, entry index, message),
        kind one of ``crc``, ``zlib``, ``eof``, ``os``. RuntimeError when the
        child gave no answer (it died), for the caller to check in-process."""
        if self._answer is None:
            self._answer = self._proc.stdout.read().decode(errors="replace").strip()
            self._proc.wait()
            self._proc.stdout.close()
        if self._answer == "ok":
            return None
        kind, _, rest = self._answer.partition(" ")
        index, _, message = rest.partition(" ")
        if kind not in ("crc", "zlib", "eof", "os") or not index.isdigit():
            raise RuntimeError(f"part check gave no answer ({self._proc.returncode})")
        return kind, int(index), message

    def cancel(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        if not self._proc.stdout.closed:
            self._proc.stdout.close()


def _zlib_ng_home() -> str:
    """The folder zlib-ng is imported from here (the child runs without
    site-packages, ``-S``, so it starts in a third of the time)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("zlib_ng")
    except (ImportError, ValueError):
        return ""
    if spec is None or not spec.submodule_search_locations:
        return ""
    return os.path.dirname(list(spec.submodule_search_locations)[0])


def can_use_child() -> bool:
    """A child reads the file at offsets it is handed (POSIX ``pread`` and
    inherited descriptors) with this interpreter."""
    return hasattr(os, "pread") and os.name == "posix" and bool(sys.executable) and _SOURCE != ""


def _own_source() -> str:
    try:
        with open(__file__, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, NameError):  # frozen or zipped: the checks run in-process
        return ""


_SOURCE = _own_source()

# ------------------------------------------------ started before the package

_early: dict = {}  # key -> ChildCheck, started by kpi_xl.launch


def start_early(path: str) -> None:
    """Start the child check of the workbook at ``path`` now, for a package
    opened later on the same file to :func:`adopt`. Does nothing for a small
    workbook, an unusual one (the package's own checks will say what is
    wrong with it) or where there is no child to start."""
    import zipfile

    if not can_use_child():
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        with zipfile.ZipFile(os.fdopen(os.dup(fd), "rb")) as zf:
            if not worth_a_child(zf):
                return
            entries = entries_of(zf, fd)
            key = identity_key(fd, zf)
        if entries is None:
            return
        _early[key] = ChildCheck(fd, entries)
        if len(_early) == 1:
            import atexit

            atexit.register(_cancel_unadopted)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return
    finally:
        os.close(fd)  # the child holds its own copy


def worth_a_child(zf) -> bool:
    """Whether the package's parts inflate to :data:`CHILD_FROM` or more in all."""
    return sum(i.file_size for i in zf.infolist()) >= CHILD_FROM


def checked_at_offsets(info) -> bool:
    """Whether :func:`check_entry` reads this entry itself: stored or
    deflated, not encrypted (zipfile reads the others)."""
    return info.compress_type in (STORED, DEFLATED) and not info.flag_bits & 1


def data_start(entry_file) -> int | None:
    """Where the data of the entry zipfile opened as ``entry_file`` starts
    in the file (its local header read and checked); None where zipfile
    does not say."""
    return getattr(getattr(entry_file, "_fileobj", None), "_pos", None)


def entries_of(zf, fd: int) -> list[tuple[int, int, int, int, bool]] | None:
    """(start, compressed size, size, CRC, deflated) of every entry, each
    local header read and checked by zipfile; None when one is not
    :func:`checked_at_offsets`."""
    entries = []
    for info in zf.infolist():
        if not checked_at_offsets(info):
            return None
        with zf.open(info) as fh:
            start = data_start(fh)
        if start is None:
            return None
        entries.append((start, info.compress_size, info.file_size, info.CRC, info.compress_type == DEFLATED))
    return entries


def identity_key(fd: int, zf) -> tuple:
    """What says two open files are one workbook as it was: the file's
    identity and every entry's place, sizes and CRC."""
    st = os.fstat(fd)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
            tuple((i.filename, i.header_offset, i.compress_size, i.file_size, i.CRC) for i in zf.infolist()))


def adopt(fd: int, zf) -> ChildCheck | None:
    """The check :func:`start_early` started on this very file, if any."""
    if not _early:
        return None
    return _early.pop(identity_key(fd, zf), None)


def _cancel_unadopted() -> None:
    while _early:
        _early.popitem()[1].cancel()


if __name__ == "__main__":
    _child_main()
