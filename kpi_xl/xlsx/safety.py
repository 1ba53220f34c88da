"""Refuse files kpi-xl must not open or write, each with a one-line message.

Everything that reads a workbook package goes through the package checks
first (:func:`check_package_file`, :func:`check_zip`: what
:func:`assert_readable` runs, and what ``package.Package.open`` runs on the
one open file a refresh reads and writes from) and parses XML parts only with
:func:`parse_xml`. Everything that writes one goes through
:func:`assert_writable` (which adds Excel's lock file check).

The checks are cheap on purpose: they read the zip directory and the first
bytes of parts, never a whole large sheet.
"""
from __future__ import annotations

import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Collection

from lxml import etree

from kpi_xl.errors import Place, RefusedFile, WorkbookError
from kpi_xl.xlsx import part_check
from kpi_xl.xlsx.namespaces import MAIN_NS, OFFICE_DOCUMENT_TYPES, STRICT_NS

if TYPE_CHECKING:
    import threading

# Ceilings against zip bombs. A real returns workbook with a 100k-row extract
# is tens of MB uncompressed; a gigabyte is far beyond any of them.
MAX_TOTAL_UNCOMPRESSED = 1 << 30  # 1 GiB declared over all parts
MAX_PART_UNCOMPRESSED = 512 << 20  # 512 MiB for any single part
MAX_RATIO = 100  # uncompressed : compressed ...
RATIO_MIN_SIZE = 4 << 20  # ... checked only for parts over 4 MiB (tiny XML compresses well)
MAX_MEMBERS = 20_000  # parts in one package
MAX_PROLOGUE = 64 << 10  # bytes read to find the root element of an XML part

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
)


def _refuse(path: Path | str, message: str) -> RefusedFile:
    return RefusedFile(message, Place(file=str(path)))


def _damaged(path: Path | str, message: str) -> WorkbookError:
    return WorkbookError(message, Place(file=str(path)))


# ---------------------------------------------------------------- XML parsing

def _prologue_has_dtd(data: bytes) -> bool:
    """True when the part declares a DTD or entities before its root element.

    A DOCTYPE can only appear before the root element, so the prologue is
    all we need to look at. UTF-16 parts are decoded first.
    """
    head = data[:MAX_PROLOGUE]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    upper = head.upper()
    return b"<!DOCTYPE" in upper or b"<!ENTITY" in upper


def _dtd_refused(file: str | Path, part_name: str) -> RefusedFile:
    return _refuse(file, f"part {part_name} declares a DTD or XML entities, which kpi-xl refuses "
                         "for safety; open and re-save the workbook in Excel")


def _not_well_formed(file: str | Path, part_name: str, exc: etree.XMLSyntaxError) -> WorkbookError:
    return _damaged(file, f"part {part_name} is not well-formed XML ({exc}); "
                          "open and repair the workbook in Excel, then save it again")


def parse_xml(data: bytes, part_name: str, file: str | Path) -> etree._Element:
    """Parse one XML part safely: no DTD, no entities, no network, no huge tree.

    Raises RefusedFile for a DTD or entity declaration and WorkbookError when
    the part is not well-formed XML.
    """
    if _prologue_has_dtd(data):
        raise _dtd_refused(file, part_name)
    root = parse_plain(data, part_name, file)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise _dtd_refused(file, part_name)
    return root


def parse_plain(data: bytes, part_name: str, file: str | Path) -> etree._Element:
    """Parse XML already known to hold no DTD (its prologue was checked)
    with the safe parser; WorkbookError when it is not well-formed."""
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise _not_well_formed(file, part_name, exc) from None


class Soundness:
    """A parser target that builds nothing: parsing with it only finds
    whether the XML is well formed and whether it names a DTD, in C."""

    def __init__(self):
        self.declares_dtd = False

    def doctype(self, *_args) -> None:
        self.declares_dtd = True

    def close(self) -> None:
        return None

    def parser(self, huge_tree: bool = False) -> etree.XMLParser:
        return etree.XMLParser(target=self, resolve_entities=False, no_network=True, load_dtd=False,
                               huge_tree=huge_tree)

    def checker(self) -> "tuple[Soundness, etree.XMLParser]":
        """This target with a parser to it (not to be shared between threads)."""
        return self, self.parser()


def check_xml(data: bytes, part_name: str, file: str | Path,
              checker: "tuple[Soundness, etree.XMLParser] | None" = None) -> None:
    """What :func:`parse_xml` refuses, with the same errors, without building
    the tree: for parts only checked, never read (a written chart, the
    shared strings of a big extract). ``checker``: a :meth:`Soundness.checker`
    to parse with, for many parts in turn (a parser's first parse costs as
    much again as the next: thousands of charts are checked at once)."""
    if _prologue_has_dtd(data):
        raise _dtd_refused(file, part_name)
    seen, parser = checker or Soundness().checker()
    seen.declares_dtd = False
    try:
        etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _not_well_formed(file, part_name, exc) from None
    if seen.declares_dtd:
        raise _dtd_refused(file, part_name)


# ------------------------------------------------------------------ the file

def _check_extension(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".xlsb":
        raise _refuse(path, "is an Excel binary workbook (.xlsb), which kpi-xl cannot edit; "
                            "save it as Excel Workbook (.xlsx) or Macro-Enabled (.xlsm) and try again")
    if suffix == ".xls":
        raise _refuse(path, "is an Excel 97-2003 workbook (.xls); "
                            "save it as Excel Workbook (.xlsx) and try again")
    if suffix == ".ods":
        raise _refuse(path, "is an OpenDocument spreadsheet (.ods); "
                            "save it as Excel Workbook (.xlsx) and try again")


def check_file_start(magic: bytes, path: Path) -> None:
    """The file's first 8 bytes: an OLE file (encrypted or .xls), or no zip."""
    if magic == OLE_MAGIC:
        # Excel stores a password-protected .xlsx inside an OLE compound file;
        # an OLE file is also what an old .xls is.
        raise _refuse(path, "is encrypted (password-protected) or an old .xls file; remove the password "
                            "(File > Info > Protect Workbook) and save it as Excel Workbook (.xlsx)")
    if not magic.startswith(ZIP_MAGIC) and not magic.startswith(b"PK\x05\x06"):
        raise _damaged(path, "is not an Excel .xlsx/.xlsm workbook (not a zip package); "
                             "check the file or save it from Excel as .xlsx")


# ------------------------------------------------------------ part names

def name_problem(name: str) -> str | None:
    """Why a zip entry name cannot be a package part name, or None."""
    if not name:
        return "an empty name"
    if "\\" in name:
        return "a backslash"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in name.split("/"):
        return "'..'"
    if _CONTROL.search(name):
        return "a control character"
    return None


_CONTROL = re.compile("[\x00-\x1f]")  # what ord(ch) < 32 takes, found in C (a package has thousands of names)


def check_names(zf: zipfile.ZipFile, path: Path | str) -> None:
    """Refuse entry names a package may not hold (``..``, absolute paths,
    backslashes, duplicates also when they differ only by case): copied on,
    they could be extracted outside the folder by another tool."""
    seen: dict[str, str] = {}
    for info in zf.infolist():
        name = info.filename
        problem = name_problem(name)
        if problem:
            raise _refuse(path, f"holds a zip entry {name!r} with {problem} in its name, which a workbook "
                              "may not have; refused for safety — check where the file came from")
        key = name.lower()
        if key in seen:
            raise _refuse(path, f"holds the zip entry {name!r} twice (also as {seen[key]!r}); "
                              "refused — open and repair it in Excel, then save it again")
        seen[key] = name


def _check_zip_directory(path: Path, zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _refuse(path, f"holds {len(infos)} parts (ceiling {MAX_MEMBERS}); "
                            "refused as a possible zip bomb — check where the file came from")
    check_names(zf, path)
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise _refuse(path, f"part {info.filename} is encrypted in the zip; "
                                "remove the password in Excel and save it again")
        total += info.file_size
        if info.file_size > MAX_PART_UNCOMPRESSED:
            raise _refuse(path, f"part {info.filename} would expand to {info.file_size} bytes "
                                f"(ceiling {MAX_PART_UNCOMPRESSED}); refused as a possible zip bomb")
        if info.file_size > RATIO_MIN_SIZE:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > MAX_RATIO:
                raise _refuse(path, f"part {info.filename} expands {ratio:.0f} times (ceiling {MAX_RATIO}); "
                                    "refused as a possible zip bomb — check where the file came from")
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise _refuse(path, f"would expand to {total} bytes (ceiling {MAX_TOTAL_UNCOMPRESSED}); "
                            "refused as a possible zip bomb — check where the file came from")


def read_part(zf: zipfile.ZipFile, name: str, path: Path | str) -> bytes:
    """Read a part, turning zip damage (bad CRC, truncated data) into WorkbookError.

    zipfile never returns more than the part's declared size, which the
    directory check has already bounded.
    """
    try:
        return zf.read(name)
    except KeyError:
        raise _damaged(path, f"has no part {name}; open and repair it in Excel, then save it again") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise _damaged(path, f"is damaged: part {name} cannot be read ({exc}); "
                             "open and repair it in Excel, then save it again") from None


def _read_prologue(zf: zipfile.ZipFile, name: str, path: Path) -> bytes:
    try:
        with zf.open(name) as fh:
            return fh.read(MAX_PROLOGUE)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise _damaged(path, f"is damaged: part {name} cannot be read ({exc}); "
                             "open and repair it in Excel, then save it again") from None


def main_part_name(zf: zipfile.ZipFile, path: Path | str) -> str:
    """The workbook part (normally xl/workbook.xml), from the package relationships."""
    names = set(zf.namelist())
    if "_rels/.rels" in names:
        rels = parse_xml(read_part(zf, "_rels/.rels", path), "_rels/.rels", path)
        for rel in rels:
            if rel.get("Type") in OFFICE_DOCUMENT_TYPES and rel.get("TargetMode") != "External":
                target = rel.get("Target", "").lstrip("/")
                if target in names:
                    return target
    if "xl/workbook.xml" in names:
        return "xl/workbook.xml"
    if "xl/workbook.bin" in names:
        raise _refuse(path, "is an Excel binary workbook (.xlsb inside), which kpi-xl cannot edit; "
                            "save it as Excel Workbook (.xlsx) and try again")
    if "mimetype" in names or "content.xml" in names:
        raise _refuse(path, "is an OpenDocument spreadsheet; save it as Excel Workbook (.xlsx) and try again")
    raise _damaged(path, "is not an Excel workbook (no workbook part in the package); "
                         "check the file or save it from Excel as .xlsx")


def _check_xml_prologues(zf: zipfile.ZipFile, path: Path, parsed: Collection[str] = ()) -> None:
    for info in zf.infolist():
        lower = info.filename.lower()
        if info.filename in parsed:
            continue
        if lower.endswith((".xml", ".rels", ".vml")) or lower == "[content_types].xml":
            if _prologue_has_dtd(_read_prologue(zf, info.filename, path)):
                raise _dtd_refused(path, info.filename)


def assert_readable(path: str | os.PathLike, parsed: Collection[str] = ()) -> None:
    """Refuse a file kpi-xl must not read, with a one-line message.

    Missing file, .xls/.xlsb/.ods, encrypted (OLE), not a zip or a damaged zip,
    zip bombs, Strict OOXML, DTD or entity declarations in XML parts.
    ``parsed``: parts the caller parses whole next (which refuses a DTD
    too), whose starts are not read here first.
    """
    path = Path(path)
    check_path(path)
    with open(path, "rb") as fh:
        check_file_start(fh.read(8), path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise damaged_zip(path, exc) from None
    with zf:
        check_zip(zf, path, parsed)


def damaged_zip(path: Path | str, exc: BaseException) -> WorkbookError:
    return _damaged(path, f"is a damaged zip package ({exc}); "
                          "open and repair it in Excel, then save it again")


def check_path(path: Path) -> None:
    """What the path itself says, before the file is opened: missing, a
    dangling link, a folder, an .xls/.xlsb/.ods name."""
    if path.is_symlink() and not path.exists():
        raise WorkbookError(f"is a link to {os.readlink(path)}, which does not exist; "
                            "fix or remove the link", Place(file=str(path)))
    if not path.exists():
        raise WorkbookError("file not found; check the path", Place(file=str(path)))
    if path.is_dir():
        raise WorkbookError("is a folder, not a file (its name ends like a workbook's); "
                            "give the path of an .xlsx or .xlsm workbook", Place(file=str(path)))
    if not path.is_file():
        raise WorkbookError("is not a file; give the path of an .xlsx or .xlsm workbook", Place(file=str(path)))
    _check_extension(path)


def check_zip(zf: zipfile.ZipFile, path: Path | str, parsed: Collection[str] = ()) -> None:
    """The package checks on an open zip: zip bombs, entry names, content
    types, DTDs (``parsed``: see :func:`assert_readable`), the workbook part
    and its namespace (Strict refused)."""
    path = Path(path)
    _check_zip_directory(path, zf)
    if "[Content_Types].xml" not in zf.namelist():
        if "mimetype" in zf.namelist():
            raise _refuse(path, "is an OpenDocument spreadsheet; save it as Excel Workbook (.xlsx) and try again")
        raise _damaged(path, "is not an Excel workbook (no [Content_Types].xml); "
                             "check the file or save it from Excel as .xlsx")
    _check_xml_prologues(zf, path, parsed)
    part = main_part_name(zf, path)
    if part.lower().endswith(".bin"):
        raise _refuse(path, "is an Excel binary workbook (.xlsb inside), which kpi-xl cannot edit; "
                            "save it as Excel Workbook (.xlsx) and try again")
    root = parse_xml(read_part(zf, part, path), part, path)
    namespace = etree.QName(root).namespace
    if namespace == STRICT_NS:
        raise _refuse(path, "is saved as Strict Open XML, which kpi-xl cannot edit; "
                            "save it in Excel as 'Excel Workbook (.xlsx)' (not Strict) and try again")
    if namespace != MAIN_NS:
        raise _damaged(path, f"workbook part {part} is not SpreadsheetML ({namespace}); "
                             "save it from Excel as .xlsx")


def verify_parts(path: str | os.PathLike, zf: zipfile.ZipFile | None = None,
                 early: "EarlyVerify | None" = None) -> None:
    """Read every part through once so a damaged one (bad CRC, truncated
    data) is refused before anything is written. Parts the writer copies
    are never decompressed otherwise. ``zf``: the package already open;
    ``early``: the reading already started on it (:class:`EarlyVerify`)."""
    path = Path(path)
    try:
        if early is not None and early.zf is zf:
            early.wait()
        elif zf is not None:
            _read_all_parts(zf)
        else:
            with zipfile.ZipFile(path) as opened:
                _read_all_parts(opened)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise _damaged(path, f"is damaged ({exc}); open and repair it in Excel, then save it again") from None


def _read_all_parts(zf: zipfile.ZipFile) -> None:
    check = _child_check(zf)
    if check is None:
        _read_every_part(zf)
    else:
        _child_outcome(check, zf)


def _read_every_part(zf: zipfile.ZipFile, stop: "threading.Event | None" = None) -> None:
    """Every part read through in this process: at file offsets where the
    platform can (:func:`part_check.check_entry`), else through zipfile."""
    fd = _pread_fd(zf)
    for info in zf.infolist():
        with zf.open(info) as fh:  # zipfile's own checks of the entry's local header
            start = part_check.data_start(fh)
            if fd is None or start is None or not part_check.checked_at_offsets(info):
                while fh.read(1 << 20):
                    if stop is not None and stop.is_set():
                        return
                continue
        if not _check_entry(fd, info, start, stop):
            return


def _pread_fd(zf: zipfile.ZipFile) -> int | None:
    """The package's file descriptor, for reading entries at an offset
    without moving the file position zipfile's reads share (POSIX only;
    elsewhere every entry is read through zipfile)."""
    if not hasattr(os, "pread"):
        return None
    try:
        return zf.fp.fileno()  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError):
        return None


def _check_entry(fd: int, info: zipfile.ZipInfo, start: int, stop: "threading.Event | None") -> bool:
    """One entry's CRC checked at its offset, its faults zipfile's (False when stopped)."""
    try:
        return part_check.check_entry(fd, start, info.compress_size, info.file_size, info.CRC,
                                      info.compress_type == zipfile.ZIP_DEFLATED, stop)
    except part_check.BadCRC:
        raise _bad_crc(info) from None


def _bad_crc(info: zipfile.ZipInfo) -> zipfile.BadZipFile:
    return zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")


def _child_check(zf: zipfile.ZipFile) -> "part_check.ChildCheck | None":
    """The package's parts checked in a child process: the one the command
    line started on this file, or one started now when they inflate to
    :data:`part_check.CHILD_FROM` or more. None where no child can run."""
    fd = _pread_fd(zf)
    if fd is None or not part_check.can_use_child():
        return None
    adopted = part_check.adopt(fd, zf)
    if adopted is not None or not part_check.worth_a_child(zf):
        return adopted
    entries = part_check.entries_of(zf, fd)
    return part_check.ChildCheck(fd, entries) if entries is not None else None


def _child_outcome(check: "part_check.ChildCheck", zf: zipfile.ZipFile) -> None:
    """Raise what the child found, as zipfile would have; a child that died
    without an answer is done over in-process."""
    try:
        found = check.result()
    except RuntimeError:
        _read_every_part(zf)
        return
    if found is None:
        return
    kind, index, message = found
    if kind == "crc":
        raise _bad_crc(zf.infolist()[index])
    if kind == "zlib":
        raise zlib.error(message)
    if kind == "eof":
        raise EOFError
    raise OSError(message)


class EarlyVerify:
    """:func:`verify_parts`' reading of an open package, started as soon as
    it is opened, so it overlaps the reading and planning: a 50 MB extract
    takes a quarter of a second to inflate, and the refresh needs the answer
    only before it writes. A big package is checked in a child process
    (:mod:`part_check` says why), a small one in a thread: zipfile
    serialises the reads of the one file, the inflating runs outside the GIL."""

    def __init__(self, zf: zipfile.ZipFile):
        import threading

        self.zf = zf
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        try:
            self._child = _child_check(zf)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:  # a local header
            self._child, self._error = None, exc
            return
        if self._child is None:
            self._thread = threading.Thread(target=self._run, name="kpi-xl verify parts", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            _read_every_part(self.zf, self._stop)
        except BaseException as exc:  # handed to wait()
            self._error = exc

    def wait(self) -> None:
        """Until every part was read; raises what reading one raised."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        if self._child is not None:
            _child_outcome(self._child, self.zf)

    def cancel(self) -> None:
        """Stop early (the package is closing): nothing will be written."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._child is not None:
            self._child.cancel()


def lock_file(path: str | os.PathLike) -> Path:
    """Excel's owner file beside a workbook open in Excel: ``~$book.xlsx``."""
    path = Path(path)
    return path.with_name("~$" + path.name)


def assert_not_open_in_excel(path: str | os.PathLike) -> None:
    """Refuse while Excel's lock file (``~$book.xlsx``) is beside ``path``."""
    path = Path(path)
    lock = lock_file(path)
    if lock.exists():
        raise _refuse(path, f"is open in Excel (lock file {lock.name} beside it); "
                            "close it in Excel and try again")


def assert_writable(path: str | os.PathLike, zf: zipfile.ZipFile | None = None) -> None:
    """Everything :func:`assert_readable` checks, plus: not open in Excel
    (no ``~$`` lock file beside it) and its folder writable. ``zf``: the
    package already opened and checked (``package.Package.open``). Every
    part's CRC is :func:`verify_parts`' to check: the writer calls it once
    its changes are built, so the read-through goes on meanwhile."""
    path = Path(path)
    if zf is None:
        assert_readable(path)
    assert_not_open_in_excel(path)
    if not os.access(path.parent, os.W_OK):
        raise _refuse(path, f"cannot be written: folder {path.parent} is read-only; "
                            "copy the workbook somewhere writable")


def assert_can_create(path: str | os.PathLike, what: str = "file") -> None:
    """Refuse, before any work, an output path that cannot be written: a
    folder, a folder that cannot be made, or one this process cannot write."""
    import tempfile

    path = Path(path)
    if path.name in ("", ".", "..") or path.is_dir():
        raise RefusedFile(f"is a folder; give the name of the {what} to write", Place(file=str(path)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".kpixl-probe.", dir=path.parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise RefusedFile(f"cannot be written ({exc.strerror or exc}); choose a folder you can write to",
                          Place(file=str(path))) from None
