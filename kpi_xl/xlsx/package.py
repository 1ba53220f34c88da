"""The zip package: reading parts, content types, relationships, and writing
a new package in which every part we did not change is copied as its raw
compressed bytes.

Why our own zip writer: ``zipfile`` can only write a member by compressing
it again, which is slow for a 100k-row extract sheet and is not a byte copy.
Writing local headers, the central directory and its end record ourselves
is small and lets unchanged parts go through untouched (same compressed
bytes, same CRC, same sizes).
"""
from __future__ import annotations

import os
import posixpath
import re
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from lxml import etree

from kpi_xl.errors import Place, WorkbookError, WriteError
from kpi_xl.xlsx import safety

# The names spelled out in packages live in namespaces.py; the ones the
# part modules use are importable from here too.
from kpi_xl.xlsx.namespaces import (CT_CHART, CT_DRAWING, CT_NS, CT_RELS,  # noqa: F401
                                    CT_SHARED_STRINGS, CT_WORKSHEET, MAIN_NS, PKG_REL_NS, R_NS,
                                    REL_CALC_CHAIN, REL_CHART, REL_CHARTSHEET, REL_DRAWING,
                                    REL_EXTENDED_PROPERTIES, REL_SHARED_STRINGS, REL_STYLES,
                                    REL_WORKSHEET)

# Excel writes every member with this timestamp; so do we for parts we write,
# which keeps our output deterministic.
EXCEL_ZIP_DATE = (1980, 1, 1, 0, 0, 0)

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_CENTRAL_HEADER = struct.Struct("<4s6H3L5H2L")
_END_RECORD = struct.Struct("<4s4H2LH")
_LOCAL_SIG = b"PK\x03\x04"
_CENTRAL_SIG = b"PK\x01\x02"
_END_SIG = b"PK\x05\x06"
_FLAG_UTF8 = 0x800
_FLAG_DATA_DESCRIPTOR = 0x08
_KEEP_FLAGS = 0x06  # deflate option bits; everything else is recomputed
_ZIP32_LIMIT = 0xFFFFFFFF


# ------------------------------------------------------------------ names

def part_extension(name: str) -> str:
    """What [Content_Types].xml Default elements match: the text after the
    last dot of the file name ('rels' for '_rels/.rels')."""
    base = name.rpartition("/")[2]  # posixpath.basename, without its call (a check asks for every part)
    return base.rsplit(".", 1)[1].lower() if "." in base else ""


def rels_part_for(part: str) -> str:
    """The relationships part of ``part``: xl/workbook.xml -> xl/_rels/workbook.xml.rels."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def source_of_rels(rels_part: str) -> str:
    """Inverse of :func:`rels_part_for` ('' for the package relationships)."""
    folder, name = posixpath.split(rels_part)
    parent = posixpath.dirname(folder)
    return posixpath.join(parent, name[: -len(".rels")]) if name != ".rels" else ""


def resolve_target(source_part: str, target: str) -> str:
    """A relationship target made absolute within the package (no leading '/')."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    base = posixpath.dirname(source_part)
    folder, _, name = target.rpartition("/")
    if name in ("", ".", ".."):
        return posixpath.normpath(posixpath.join(base, target))
    # The folder normalised once for the thousands of charts a drawing points to:
    # normpath leaves a last component that is a plain name as it is.
    there = _resolved_folder(base, folder)
    return name if there == "." else there + name if there.endswith("/") else f"{there}/{name}"


@lru_cache(maxsize=256)
def _resolved_folder(base: str, folder: str) -> str:
    return posixpath.normpath(posixpath.join(base, folder))


def relative_target(source_part: str, part: str) -> str:
    """The relative path Excel writes in a relationship from ``source_part``."""
    folder, name = posixpath.split(part)
    there = _relative_folder(folder or ".", posixpath.dirname(source_part) or ".")
    return name if there == "." else f"{there}/{name}"


@lru_cache(maxsize=256)
def _relative_folder(folder: str, start: str) -> str:
    # posixpath.relpath is slow (it makes both paths absolute), and the
    # thousands of chart parts a drawing points to share one folder.
    return posixpath.relpath(folder, start)


# ------------------------------------------------------------- serialising

def serialize(root: etree._Element, standalone: bool | None = True) -> bytes:
    """An XML part as Excel writes it: a double-quoted UTF-8 declaration
    (standalone="yes" unless the original part had none), then the tree."""
    return xml_declaration(standalone) + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def xml_declaration(standalone: bool | None = True) -> bytes:
    """The declaration :func:`serialize` writes (a part made as text starts with it too)."""
    decl = '<?xml version="1.0" encoding="UTF-8"'
    if standalone is not None:
        decl += ' standalone="yes"' if standalone else ' standalone="no"'
    return (decl + "?>\r\n").encode("ascii")


class Deferred:
    """A part's new bytes, made once when first asked for: a big part
    patched at the byte level is assembled only when the package is saved."""

    def __init__(self, make):
        self._make = make
        self._data: bytes | None = None

    def __call__(self) -> bytes:
        if self._data is None:
            self._data = self._make()
        return self._data


class Spliced(Deferred):
    """A part's new bytes that are its original bytes with a few pieces
    replaced: ``edits()`` gives the pieces as (start, end, new bytes) of the
    original, in order, and ``context()`` a small document that holds every
    new piece where it stands (a table's new root tag and appended items,
    closed). The integrity check parses that document instead of the whole
    part, and checks that the part read back is the bytes assembled here:
    every other byte is the original's, which the write did not touch."""

    def __init__(self, original: bytes, edits, context):
        super().__init__(self._assemble)
        self.original = original
        self.edits = edits
        self.context = context

    def _assemble(self) -> bytes:
        pieces, at = [], 0
        for start, end, new in self.edits():
            pieces += [self.original[at:start], new]
            at = end
        pieces.append(self.original[at:])
        return b"".join(pieces)


# Characters XML 1.0 cannot hold (in any text or attribute value).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class Made(Deferred):
    """A part's new bytes the writer made as text that is well formed by
    construction: fixed markup around pieces each escaped so that it holds
    no markup character (no ``<``, every ``&`` an entity, no quote in an
    attribute) and checked to hold no character XML cannot hold (its maker
    says why for its part, and a test parses what it makes). The integrity
    check reads such a part back and compares it with these bytes instead
    of parsing it again: thousands of chart parts took longer to parse than
    to make.

    ``rows``: for a sheet made as a tree with its rows spliced in as text
    (:func:`kpi_xl.xlsx.new_worksheet.build`), the (start, end) of the rows
    text in the bytes, and ``styles`` the s= values its cells may carry:
    the check parses the part without the rows (the tree's serialisation)
    and checks ``styles`` against the formats the workbook has."""

    def __init__(self, data: bytes, rows: tuple[int, int] | None = None, styles: frozenset[int] = frozenset()):
        super().__init__(lambda: data)
        self._data = data
        self.rows = rows
        self.styles = styles

    @classmethod
    def unless(cls, data: bytes, *unclean: str) -> "Made | bytes":
        """``data`` as made by construction unless one of the ``unclean``
        pieces (what its maker escaped but did not clean) holds a character
        XML cannot hold: then plain bytes, which the check parses, and
        refuses, as before."""
        return data if any(NOT_XML.search(piece) for piece in unclean) else cls(data)


class Serialised(Deferred):
    """A part's new bytes that :func:`serialize` made of a tree at
    :meth:`Package.changes`, with the tree. The integrity check reads such a
    part back and compares it with these bytes; when they are the same it
    checks the tree instead of parsing the part again: what a parse of the
    bytes lxml wrote of a tree gives is that tree (lxml refuses, as it is
    set, any text or name it could not write well formed). A refreshed
    10,000-indicator sheet is 27 MB, and its parse was a fifth of the check."""

    def __init__(self, root: etree._Element, data: bytes):
        super().__init__(lambda: data)
        self._data = data
        self.root = root


# -------------------------------------------------------------- relationships

@dataclass
class Relationship:
    rid: str
    type: str
    target: str  # as written
    external: bool
    element: etree._Element


class Relationships:
    """The relationships of one source part, parsed from its .rels part."""

    def __init__(self, package: "Package", source: str):
        self.package = package
        self.source = source
        self.part = rels_part_for(source) if source else "_rels/.rels"
        if package.exists(self.part):
            self.root = package.xml(self.part)
        else:
            self.root = etree.Element(f"{{{PKG_REL_NS}}}Relationships", nsmap={None: PKG_REL_NS})

    def __iter__(self):
        for el in self.root:
            if not isinstance(el.tag, str):
                continue
            yield Relationship(el.get("Id", ""), el.get("Type", ""), el.get("Target", ""),
                               el.get("TargetMode") == "External", el)

    def by_id(self, rid: str) -> Relationship | None:
        return next((r for r in self if r.rid == rid), None)

    def by_type(self, rel_type: str) -> list[Relationship]:
        return [r for r in self if r.type == rel_type]

    def target_part(self, rel: Relationship) -> str | None:
        return None if rel.external else resolve_target(self.source, rel.target)

    def new_id(self) -> str:
        used = {el.get("Id", "") for el in self.root if isinstance(el.tag, str)}
        n = len(used) + 1
        for r in used:
            if r.startswith("rId") and r[3:].isdigit():
                n = max(n, int(r[3:]) + 1)
        while f"rId{n}" in used:
            n += 1
        return f"rId{n}"

    def add(self, rel_type: str, part: str) -> str:
        rid = self.new_id()
        el = etree.SubElement(self.root, f"{{{PKG_REL_NS}}}Relationship")
        el.set("Id", rid)
        el.set("Type", rel_type)
        el.set("Target", relative_target(self.source, part))
        self.save()
        return rid

    def add_all(self, rel_type: str, parts: list[str]) -> list[str]:
        """:meth:`add` for each of ``parts`` in turn (the same ids), with the
        ids in use collected once rather than once per part."""
        used = {el.get("Id", "") for el in self.root if isinstance(el.tag, str)}
        top = max((int(r[3:]) for r in used if r.startswith("rId") and r[3:].isdigit()), default=0)
        rids = []
        for part in parts:
            n = max(len(used) + 1, top + 1)
            while f"rId{n}" in used:
                n += 1
            rid = f"rId{n}"
            used.add(rid)
            top = max(top, n)
            # the attributes given at once, in the order add sets them
            etree.SubElement(self.root, f"{{{PKG_REL_NS}}}Relationship",
                             {"Id": rid, "Type": rel_type, "Target": relative_target(self.source, part)})
            rids.append(rid)
        if parts:
            self.save()
        return rids

    def remove(self, rid: str) -> None:
        rel = self.by_id(rid)
        if rel is not None:
            self.root.remove(rel.element)
            self.save()

    def save(self) -> None:
        if self.package.exists(self.part) or len(self.root):
            self.package.put_xml(self.part, self.root, CT_RELS)


# ---------------------------------------------------------------- the package

class Package:
    """A workbook package opened for reading and patching.

    Parts are read on demand; XML parts are parsed once and cached. Changes
    are recorded (``put_*``, ``remove``) and written by :meth:`save`; nothing
    touches the source file.

    :meth:`open` is how a workbook is opened: once, with the safety checks
    run on that open file. A refresh hands the one package to the owned-sheet
    lookup, the reader (``reader.cells.Workbook``) and the writer.
    """

    @classmethod
    def open(cls, path: str | os.PathLike) -> "Package":
        """The workbook at ``path``, opened and checked (everything
        :func:`~kpi_xl.xlsx.safety.assert_readable` refuses is refused here,
        with the same messages, from the one open file)."""
        path = Path(path)
        safety.check_path(path)
        return cls(path, checked=True)

    def __init__(self, path: str | os.PathLike, *, checked: bool = False, parsed: Iterable[str] = ()):
        self.path = Path(path)
        self.checked = checked  # the safety checks ran on this open file
        self._shared = False  # a view (:meth:`as_read`) closes nothing
        # One open file for reading and for the raw copies at save: the
        # package written is built from the very file that was read, even if
        # another program replaces the path meanwhile.
        try:
            self._fh = open(self.path, "rb")
        except OSError as exc:
            raise WorkbookError(f"cannot be opened ({exc.strerror})", Place(file=str(self.path))) from None
        try:
            self.zip = self._open_zip(checked)
            if checked:  # parsed: parts the caller parses whole next (their DTD refused then)
                safety.check_zip(self.zip, self.path, set(parsed))
            else:
                safety.check_names(self.zip, self.path)
        except BaseException:
            self._fh.close()
            raise
        self.infos: dict[str, zipfile.ZipInfo] = {i.filename: i for i in self.zip.infolist()
                                                 if not i.filename.endswith("/")}
        self._lower = {n.lower(): n for n in self.infos}
        self.early_verify: safety.EarlyVerify | None = None
        self._forget_changes()

    def verify_early(self) -> None:
        """Start reading every part through (the writer's CRC check,
        :func:`~kpi_xl.xlsx.safety.verify_parts`) while the caller reads
        and plans; the writer waits for it before it writes."""
        if self.early_verify is None:
            self.early_verify = safety.EarlyVerify(self.zip)

    def _open_zip(self, checked: bool) -> zipfile.ZipFile:
        if checked:  # an encrypted or .xls file is named as such, not as a bad zip
            safety.check_file_start(self._fh.read(8), self.path)
            self._fh.seek(0)
        try:
            return zipfile.ZipFile(self._fh)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            if checked:
                raise safety.damaged_zip(self.path, exc) from None
            raise WorkbookError(f"is a damaged zip package ({exc})", Place(file=str(self.path))) from None

    def as_read(self) -> "Package":
        """The same open package without this run's changes, parsed afresh
        (the writer's integrity check compares with it). Shares the open
        file, which closes with this package."""
        view = object.__new__(Package)
        view.path, view.checked, view._shared = self.path, self.checked, True
        view._fh, view.zip, view.infos, view._lower = self._fh, self.zip, self.infos, self._lower
        view.early_verify = None
        view._forget_changes()
        view.original_counts = self.original_counts  # counted as read, before any change
        return view

    def _forget_changes(self) -> None:
        self._bytes: dict[str, bytes] = {}
        self._xml: dict[str, etree._Element] = {}
        self._standalone: dict[str, bool | None] = {}
        self.new: dict[str, bytes | Deferred | etree._Element] = {}  # changed or added parts
        self._new_lower: dict[str, str] = {}  # lower-cased name -> name in self.new
        self.removed: set[str] = set()
        self._content_types: etree._Element | None = None
        self._overrides: dict[str, list[etree._Element]] | None = None
        self._defaults: dict[str, str | None] | None = None  # nothing adds or removes a Default
        self._gone: set[str] = set()
        self._rels: dict[str, Relationships] = {}
        self._derived: dict[tuple[str, str], object] = {}
        # part -> its tree and the bytes :meth:`changes` serialised of it
        self.serialised: dict[str, Serialised] = {}
        # part -> integrity.SheetCounts of its tree as parsed from the original
        # bytes, counted by the writer before it changed the tree (the check's comparison reads them)
        self.original_counts: dict[str, object] = {}
        # part -> (its bytes, the future of their deflate), see _deflate_early
        self._early: dict[str, tuple[bytes, object]] = {}
        self._early_pool = None

    def derived(self, name: str, kind: str, make):
        """What ``make()`` computes from part ``name``'s original bytes (a
        ``kind`` of reading of them), made once for all who read the part:
        the reader and the writer locate a big shared strings table once."""
        key = (self._lower.get(name.lower(), name), kind)
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]

    def close(self) -> None:
        if self._shared:
            return
        if self.early_verify is not None:
            self.early_verify.cancel()
        self._end_early()
        self.zip.close()
        self._fh.close()
        # The parsed parts and recorded changes go now: the package's
        # relationships refer back to it, so that cycle would otherwise keep
        # every tree alive until the cyclic collector's next pass.
        self._forget_changes()

    def identity(self):
        """Size, mtime, inode and hash of the file this package was read from.
        Hashed at file offsets where the platform can; elsewhere under
        zipfile's lock, so the read-through thread's reads of the same open
        file (:meth:`verify_early`) never interleave with it."""
        import contextlib

        from kpi_xl.xlsx.lock import FileIdentity

        held = None if hasattr(os, "pread") else getattr(self.zip, "_lock", None)
        with held or contextlib.nullcontext():
            return FileIdentity.of_open(self._fh)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- reading
    def canonical(self, name: str) -> str | None:
        """The stored spelling of a part name (part names are case-insensitive)."""
        if name in self.new:
            return name
        stored = self._lower.get(name.lower())
        if stored is not None and stored not in self.removed:
            return stored
        return self._new_lower.get(name.lower())

    def exists(self, name: str) -> bool:
        return self.canonical(name) is not None

    def names(self) -> list[str]:
        """Part names after the recorded changes, in output order."""
        out = [n for n in self.infos if n not in self.removed]
        out += [n for n in self.new if n not in self.infos]
        return out

    def original_bytes(self, name: str) -> bytes:
        name = self._lower.get(name.lower(), name)
        if name not in self._bytes:
            self._bytes[name] = safety.read_part(self.zip, name, self.path)
        return self._bytes[name]

    def stream(self, name: str, chunk: int = 16 << 10) -> Iterator[bytes]:
        """A part's original bytes in chunks, so a big part is never held
        whole (the reader parses sheets and strings as they come); zip
        damage as WorkbookError."""
        stored = self._lower.get(name.lstrip("/").lower())
        if stored is None:
            raise WorkbookError(f"has no part {name}; open and repair it in Excel, then save it again",
                                Place(file=str(self.path)))
        try:
            with self.zip.open(stored) as fh:
                while data := fh.read(chunk):
                    yield data
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            raise WorkbookError(f"is damaged: part {name} cannot be read ({exc}); "
                                "open and repair it in Excel, then save it again",
                                Place(file=str(self.path))) from None

    def read_plain(self, name: str) -> bytes | None:
        """An original part's bytes read at its offset (os.pread) and
        inflated, when its entry is as kpi-xl writes them: deflated, not
        encrypted, its local header naming it as the directory does, its
        data inflating to exactly the declared size and CRC. None for any
        other entry (or without os.pread): the caller reads it through
        zipfile, whose answer this is whenever it gives one (zipfile reads
        the same bytes from the same place and checks them so), at half its
        cost per part: the integrity check reads back 10,000 chart parts."""
        info = self.infos.get(name)
        if info is None or not hasattr(os, "pread") or info.flag_bits & 0x61 \
                or info.compress_type != zipfile.ZIP_DEFLATED:
            return None
        try:
            encoding = "utf-8" if info.flag_bits & _FLAG_UTF8 else "cp437"
            name_len = len(info.orig_filename.encode(encoding))
            # the header, the name and the data in one read, the extra field
            # taken to be empty as kpi-xl writes it (read again when it is not)
            fd = self._fh.fileno()
            block = os.pread(fd, _LOCAL_HEADER.size + name_len + info.compress_size, info.header_offset)
            if len(block) < _LOCAL_HEADER.size:
                return None
            fields = _LOCAL_HEADER.unpack_from(block)
            start = _LOCAL_HEADER.size + name_len
            if fields[0] != _LOCAL_SIG or fields[9] != name_len \
                    or block[_LOCAL_HEADER.size:start].decode(encoding) != info.orig_filename:
                return None
            packed = block[start:] if not fields[10] else \
                os.pread(fd, info.compress_size, info.header_offset + start + fields[10])
            if len(packed) != info.compress_size:
                return None
            inflater = zlib.decompressobj(-15)
            # never past the declared size: a part inflating beyond it is not as kpi-xl writes one
            data = inflater.decompress(packed, info.file_size + 1)
            if not inflater.eof or inflater.unused_data or len(data) != info.file_size \
                    or zlib.crc32(data) != info.CRC:
                return None
        except (OSError, ValueError, UnicodeError, zlib.error):
            return None
        return data

    def read(self, name: str) -> bytes:
        stored = self.canonical(name)
        if stored is None:
            raise WorkbookError(f"has no part {name}", Place(file=str(self.path)))
        if stored in self.new:
            return self.final_bytes(stored)
        return self.original_bytes(stored)

    def xml(self, name: str) -> etree._Element:
        """The parsed part (cached: edits to the tree are seen by later calls)."""
        stored = self.canonical(name)
        if stored is None:
            raise WorkbookError(f"has no part {name}", Place(file=str(self.path)))
        if stored not in self._xml:
            value = self.new.get(stored)
            if isinstance(value, etree._Element):
                return value
            root = safety.parse_xml(self.read(stored), stored, self.path)
            self._xml[stored] = root
            self._standalone[stored] = root.getroottree().docinfo.standalone
        return self._xml[stored]

    def take_tree(self, name: str, root: etree._Element) -> None:
        """Take ``root`` as what parsing part ``name`` gives (its bytes are
        known to be the ones :func:`serialize` wrote of it: see
        :class:`Serialised`); :meth:`xml` returns it from now on."""
        stored = self.canonical(name) or name
        self._xml[stored] = root
        self._standalone.setdefault(stored, True)

    # -- changing
    def put_xml(self, name: str, root: etree._Element, content_type: str | None = None) -> None:
        """Record ``root`` as the new content of ``name`` (serialised at save)."""
        stored = self.canonical(name) or name
        self.new[stored] = root
        self._new_lower.setdefault(stored.lower(), stored)
        self._xml[stored] = root
        self._standalone.setdefault(stored, True)
        self.removed.discard(stored)
        if content_type and stored not in self.infos:
            self.content_types_set_override(stored, content_type)

    def put_bytes(self, name: str, data: "bytes | Deferred", content_type: str | None = None) -> None:
        stored = self.canonical(name) or name
        self.new[stored] = data
        self._new_lower.setdefault(stored.lower(), stored)
        self._xml.pop(stored, None)
        self.removed.discard(stored)
        if content_type and stored not in self.infos:
            self.content_types_set_override(stored, content_type)
        self._deflate_early(stored, data)

    def _deflate_early(self, name: str, data: "bytes | Deferred") -> None:
        """Start deflating a big part put whole as bytes (an owned sheet, a
        charts drawing) in a thread now: the writer goes on in Python, on one
        core, until the save, which then finds it packed
        (:meth:`_early_packed`) instead of deflating it among the rest. Only
        for those very bytes: a part put again is deflated at the save."""
        self._early.pop(name, None)
        if isinstance(data, Made):
            data = data()  # made already
        if not isinstance(data, bytes) or len(data) < _Deflated.BIG or (os.cpu_count() or 1) < 2:
            return
        if self._early_pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._early_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kpi-xl deflate early")
        self._early[name] = (data, self._early_pool.submit(deflate, data))

    def _early_packed(self, contents: dict[str, bytes]) -> dict:
        """Part -> the future of its deflate started early, for the parts
        whose bytes in ``contents`` are the ones it deflates."""
        return {name: future for name, (data, future) in self._early.items() if contents.get(name) is data}

    def _end_early(self) -> None:
        """Drop the early deflates, ending their thread (none is left behind)."""
        for _, future in self._early.values():
            future.cancel()
        self._early = {}
        if self._early_pool is not None:
            self._early_pool.shutdown(wait=True)
            self._early_pool = None

    def put_all_bytes(self, parts: "Iterable[tuple[str, bytes | Deferred]]", content_type: str) -> None:
        """:meth:`put_bytes` for each (name, data) in turn, the content types
        recorded as changed once, where the first part to change them is
        (a charts sheet puts thousands of parts)."""
        changed = False
        for name, data in parts:
            stored = self.canonical(name) or name
            self.new[stored] = data
            self._new_lower.setdefault(stored.lower(), stored)
            self._xml.pop(stored, None)
            self.removed.discard(stored)
            if stored not in self.infos and self._set_override(stored, content_type) and not changed:
                self.put_xml("[Content_Types].xml", self.content_types())
                changed = True

    def remove(self, name: str) -> None:
        stored = self.canonical(name)
        if stored is None:
            return
        self.new.pop(stored, None)
        if self._new_lower.get(stored.lower()) == stored:
            del self._new_lower[stored.lower()]
        self._xml.pop(stored, None)
        if stored in self.infos:
            self.removed.add(stored)
        # The content type goes at the end, unless the part comes back (a
        # regenerated owned sheet's chart): then it keeps its place.
        self._gone.add(stored)
        rels = rels_part_for(stored)
        if self.exists(rels):
            self.remove(rels)
        self._rels.pop(stored, None)

    def drop_rels(self, name: str) -> None:
        """Forget ``name``'s relationships part (its targets are the caller's business)."""
        rels = rels_part_for(name)
        if self.exists(rels):
            self.remove(rels)
        self._rels.pop(name, None)

    # -- content types
    def content_types(self) -> etree._Element:
        if self._content_types is None:
            self._content_types = self.xml("[Content_Types].xml")
        return self._content_types

    def _override_index(self) -> dict[str, list[etree._Element]]:
        """Override elements by lower-cased part name (file order kept): a
        charts sheet adds hundreds of parts, each looked up here."""
        if self._overrides is None:
            self._overrides = {}
            for el in self.content_types().iter(f"{{{CT_NS}}}Override"):
                self._overrides.setdefault(el.get("PartName", "").lower(), []).append(el)
        return self._overrides

    def _default_index(self) -> dict[str, str | None]:
        """Default content types by lower-cased extension (the first one of
        each), so a part is not looked up among thousands of Overrides."""
        if self._defaults is None:
            self._defaults = {}
            for el in self.content_types().iter(f"{{{CT_NS}}}Default"):
                self._defaults.setdefault(el.get("Extension", "").lower(), el.get("ContentType"))
        return self._defaults

    def content_type(self, name: str) -> str | None:
        found = self._override_index().get("/" + name.lower())
        if found:
            return found[0].get("ContentType")
        return self._default_index().get(part_extension(name))

    def content_types_set_override(self, name: str, content_type: str) -> None:
        if self._set_override(name, content_type):
            self.put_xml("[Content_Types].xml", self.content_types())

    def _set_override(self, name: str, content_type: str) -> bool:
        """Give ``name`` ``content_type`` in the content types' tree (not
        recorded as a change here); whether the tree changed."""
        if self.content_type(name) == content_type:
            return False
        root = self.content_types()
        target = "/" + name
        found = self._override_index().get(target.lower())
        if found:
            found[0].set("ContentType", content_type)
        else:
            el = etree.SubElement(root, f"{{{CT_NS}}}Override", {"PartName": target, "ContentType": content_type})
            self._override_index().setdefault(target.lower(), []).append(el)
        return True

    def content_types_remove_override(self, name: str) -> None:
        root = self.content_types()
        target = "/" + name.lower()
        for el in self._override_index().pop(target, []):
            root.remove(el)
            self.put_xml("[Content_Types].xml", root)

    # -- relationships
    def rels(self, source: str) -> Relationships:
        """Relationships from ``source`` ('' for the package itself)."""
        if source not in self._rels:
            self._rels[source] = Relationships(self, source)
        return self._rels[source]

    def unused_name(self, pattern: str) -> str:
        """The first ``pattern % n`` (n = 1, 2, ...) that is not a part name."""
        n = 1
        while self.exists(pattern % n):
            n += 1
        return pattern % n

    # -- what changed
    def final_bytes(self, name: str) -> bytes:
        value = self.new[name]
        if isinstance(value, bytes):
            return value
        if isinstance(value, Deferred):
            return value()
        return serialize(value, self._standalone.get(name, True))

    def changes(self) -> tuple[list[str], list[str], list[str], dict[str, bytes]]:
        """(changed, added, removed, contents) with no-op rewrites dropped:
        a part whose new bytes equal its original bytes is not changed."""
        for name in sorted(self._gone):
            if not self.exists(name):
                self.content_types_remove_override(name)
        self._gone.clear()
        contents: dict[str, bytes] = {}
        changed, added = [], []
        self.serialised = {}
        for name in self.new:
            data = self.final_bytes(name)
            value = self.new[name]
            if isinstance(value, etree._Element):
                self.serialised[name] = Serialised(value, data)
            if name in self.infos:
                if data != self.original_bytes(name):
                    changed.append(name)
                    contents[name] = data
            else:
                added.append(name)
                contents[name] = data
        removed = [n for n in self.infos if n in self.removed]
        return changed, added, removed, contents

    # -- writing
    def save(self, out: str | os.PathLike, contents: dict[str, bytes], removed: Iterable[str] = ()) -> None:
        """Write the package to ``out``: the original parts in their order
        (raw copies unless in ``contents``), then the added parts."""
        try:
            self._save(out, contents, set(removed))
        finally:
            self._end_early()

    def _save(self, out: str | os.PathLike, contents: dict[str, bytes], removed: set[str]) -> None:
        src = self._fh
        with _Deflated(contents, self._early_packed(contents)) as packed, open(out, "wb") as dst:
            writer = _ZipWriter(dst)
            for info in self.zip.infolist():
                name = info.filename
                if name in removed:
                    continue
                if name in contents:
                    writer.add_packed(name, contents[name], packed.of(name), info.date_time)
                elif name.endswith("/"):
                    continue
                else:
                    writer.add_raw(info, src)
            for name, data in contents.items():
                if name not in self.infos:
                    writer.add_packed(name, data, packed.of(name), EXCEL_ZIP_DATE)
            writer.finish()
            dst.flush()
            os.fsync(dst.fileno())


# ----------------------------------------------------------------- zip writer

def _dos_time(date_time) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    year = max(year, 1980)
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day


@dataclass
class _Entry:
    name: bytes
    flags: int
    method: int
    dostime: int
    dosdate: int
    crc: int
    compress_size: int
    file_size: int
    offset: int
    external_attr: int
    version_needed: int


def deflate(data: bytes) -> bytes:
    """A member's compressed bytes: raw deflate at level 6, as ever (the
    same bytes in, the same bytes out, whatever thread makes them).

    One ``zlib.compress`` call gives the bytes a compressor object gives,
    at half the cost for the small parts a save writes thousands of (a
    chart and its drawing per indicator); it takes ``wbits`` from 3.11."""
    if sys.version_info >= (3, 11):
        return zlib.compress(data, 6, -15)
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


class _Deflated:
    """The compressed bytes of the parts a save writes, the big ones made
    in threads while the small ones are made here (zlib lets go of the GIL
    while it deflates): a 10,000-indicator refresh writes some 70 MB of
    new parts, and deflating them one after another was a tenth of it.
    Small parts are not worth a thread's hand-over; without a second core
    nothing is made in threads. ``early``: the parts whose deflate began
    before the save (:meth:`Package._deflate_early`), not made again."""

    BIG = 256 << 10  # parts at least this big are deflated in a thread

    def __init__(self, contents: dict[str, bytes], early: dict | None = None):
        """``early``: part -> the future of its deflate, started before the save."""
        self._made: dict[str, bytes] = {}
        self._pending: dict = dict(early or {})
        self._pool = None
        big = sorted((name for name, data in contents.items() if len(data) >= self.BIG and name not in self._pending),
                     key=lambda name: -len(contents[name]))  # biggest first: the last to end ends the save
        cores = os.cpu_count() or 1
        if big and cores > 1 and len(contents) > 1:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=min(len(big), cores, 4),
                                            thread_name_prefix="kpi-xl deflate")
            self._pending.update((name, self._pool.submit(deflate, contents[name])) for name in big)
        try:
            for name, data in contents.items():
                if name not in self._pending:
                    self._made[name] = deflate(data)
        except BaseException:
            self.__exit__()
            raise

    def of(self, name: str) -> bytes:
        if name in self._pending:
            return self._pending.pop(name).result()
        return self._made.pop(name)

    def __enter__(self) -> "_Deflated":
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            for future in self._pending.values():
                future.cancel()
            self._pool.shutdown(wait=True)


class _ZipWriter:
    """A minimal zip writer: stored or deflated members, no zip64 (the
    safety ceilings keep packages far below 4 GiB)."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        self.entries: list[_Entry] = []

    def _check(self, *sizes: int) -> None:
        if any(s > _ZIP32_LIMIT for s in sizes) or len(self.entries) >= 0xFFFF:
            raise WriteError("the package would need zip64, which kpi-xl does not write")

    def _write_local(self, entry: _Entry) -> None:
        self.fh.write(_LOCAL_HEADER.pack(
            _LOCAL_SIG, entry.version_needed, entry.flags, entry.method, entry.dostime, entry.dosdate,
            entry.crc, entry.compress_size, entry.file_size, len(entry.name), 0))
        self.fh.write(entry.name)

    @staticmethod
    def _encode(name: str) -> tuple[bytes, int]:
        try:
            return name.encode("ascii"), 0
        except UnicodeEncodeError:
            return name.encode("utf-8"), _FLAG_UTF8

    def add_bytes(self, name: str, data: bytes, date_time=EXCEL_ZIP_DATE) -> None:
        self.add_packed(name, data, deflate(data), date_time)

    def add_packed(self, name: str, data: bytes, packed: bytes, date_time=EXCEL_ZIP_DATE) -> None:
        """A member holding ``data``, whose :func:`deflate` is ``packed``."""
        raw_name, flags = self._encode(name)
        dostime, dosdate = _dos_time(date_time)
        offset = self.fh.tell()
        self._check(offset, len(data), len(packed))
        entry = _Entry(raw_name, flags, zipfile.ZIP_DEFLATED, dostime, dosdate, zlib.crc32(data),
                       len(packed), len(data), offset, 0, 20)
        self._write_local(entry)
        self.fh.write(packed)
        self.entries.append(entry)

    def add_raw(self, info: zipfile.ZipInfo, src: BinaryIO) -> None:
        """Copy a member's compressed bytes as they are (no decompression)."""
        src.seek(info.header_offset)
        header = src.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != _LOCAL_SIG:
            raise WriteError(f"part {info.filename} has a damaged zip header")
        fields = _LOCAL_HEADER.unpack(header)
        name_len, extra_len = fields[9], fields[10]
        src.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
        raw_name, utf8 = self._encode(info.filename)
        dostime, dosdate = _dos_time(info.date_time)
        offset = self.fh.tell()
        self._check(offset, info.file_size, info.compress_size)
        entry = _Entry(raw_name, (info.flag_bits & _KEEP_FLAGS) | utf8, info.compress_type, dostime, dosdate,
                       info.CRC, info.compress_size, info.file_size, offset, info.external_attr,
                       max(20, min(info.extract_version, 45)))
        self._write_local(entry)
        remaining = info.compress_size
        while remaining:
            chunk = src.read(min(remaining, 1 << 20))
            if not chunk:
                raise WriteError(f"part {info.filename} is truncated in the zip")
            self.fh.write(chunk)
            remaining -= len(chunk)
        self.entries.append(entry)

    def finish(self) -> None:
        start = self.fh.tell()
        for e in self.entries:
            self.fh.write(_CENTRAL_HEADER.pack(
                _CENTRAL_SIG, 20, e.version_needed, e.flags, e.method, e.dostime, e.dosdate,
                e.crc, e.compress_size, e.file_size, len(e.name), 0, 0, 0, 0, e.external_attr, e.offset))
            self.fh.write(e.name)
        size = self.fh.tell() - start
        self._check(start, size)
        self.fh.write(_END_RECORD.pack(_END_SIG, 0, 0, len(self.entries), len(self.entries), size, start, 0))


# ------------------------------------------------------------ public helpers

def workbook_part(pkg: Package) -> str:
    return safety.main_part_name(pkg.zip, pkg.path)


def sheet_entries(pkg: Package) -> list[tuple[str, str | None, etree._Element]]:
    """(name, part or None, <sheet> element) in workbook order."""
    wb = workbook_part(pkg)
    root = pkg.xml(wb)
    rels = pkg.rels(wb)
    out = []
    sheets = root.find(f"{{{MAIN_NS}}}sheets")
    for el in (sheets if sheets is not None else []):
        if not isinstance(el.tag, str):
            continue
        rel = rels.by_id(el.get(f"{{{R_NS}}}id", ""))
        part = rels.target_part(rel) if rel is not None else None
        out.append((el.get("name", ""), part, el))
    return out


def sheet_part_names(path: str | os.PathLike) -> dict[str, str]:
    """Sheet name -> part path (e.g. 'xl/worksheets/sheet1.xml'), in workbook order."""
    with Package.open(path) as pkg:
        return {name: part for name, part, _ in sheet_entries(pkg) if part}
