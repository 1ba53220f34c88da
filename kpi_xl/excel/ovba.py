"""Add a standard VBA module to a ``vbaProject.bin`` (MS-OVBA inside MS-CFB).

The add-in's ribbon callbacks must be inside the add-in itself: a module
imported through the VBA editor needs "Trust access to the VBA project
object model", which council IT often locks, and cannot be done on a Mac.
So ``kpi-xl addin build`` writes the module into the template's VBA project
directly, following the published formats:

- MS-OVBA 2.4.1, the run-length compression every VBA stream uses
  (:func:`compress`, :func:`decompress`);
- MS-OVBA 2.3.4.2, the ``dir`` stream: one more MODULE record, and the
  module count in PROJECTMODULES (:func:`add_module_record`);
- MS-OVBA 2.3.1, the ``PROJECT`` stream: a ``Module=`` line (and its window
  line), and 2.3.3 ``PROJECTwm``: its name pair;
- MS-OVBA 2.3.4.1, ``_VBA_PROJECT``: the 7-byte header whose Version 0xFFFF
  tells Office that no compiled cache matches, so it compiles every module
  from the source we wrote (the module's MODULEOFFSET is 0: no cache);
- MS-CFB, the compound file holding the streams: read with olefile, written
  by :func:`write_compound_file` (version 3, 512-byte sectors, small streams
  in the mini stream, directory as a valid red-black tree).

Nothing here knows about kpi-xl; :mod:`kpi_xl.excel.addin` uses it.
"""
from __future__ import annotations

import io
import re
import struct
import uuid
from dataclasses import dataclass, field

CHUNK = 4096

# --- MS-OVBA 2.4.1 compression ------------------------------------------------------------


def _copy_token_bits(offset_in_chunk: int) -> int:
    """Bits of a CopyToken's offset at this position of the chunk (2.4.1.3.19.1)."""
    bits = max((offset_in_chunk - 1).bit_length(), 4)
    return bits


def compress(data: bytes) -> bytes:
    """A CompressedContainer (2.4.1.1.1) holding ``data``."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        out += _compress_chunk(data[start:start + CHUNK])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    body = bytearray()
    pos, n = 0, len(chunk)
    heads: dict[bytes, list[int]] = {}
    while pos < n:
        flag_at = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            length, offset = _longest_match(chunk, pos, heads)
            if length >= 3:
                bits = _copy_token_bits(pos)
                token = ((offset - 1) << (16 - bits)) | (length - 3)
                body += struct.pack("<H", token)
                flags |= 1 << bit
                step = length
            else:
                body.append(chunk[pos])
                step = 1
            for p in range(pos, pos + step):
                if p + 3 <= n:
                    heads.setdefault(chunk[p:p + 3], []).append(p)
            pos += step
        body[flag_at] = flags
    if len(body) + 2 > CHUNK + 2:
        if n != CHUNK:
            raise ValueError("incompressible final chunk")  # text never is
        return struct.pack("<H", 0x3000 | (CHUNK - 1)) + chunk  # raw chunk (flag 0)
    return struct.pack("<H", 0x8000 | 0x3000 | (len(body) + 2 - 3)) + bytes(body)


def _longest_match(chunk: bytes, pos: int, heads: dict[bytes, list[int]]) -> tuple[int, int]:
    """The longest earlier copy of the bytes at ``pos`` (overlapping allowed)."""
    if pos + 3 > len(chunk) or pos == 0:
        return 0, 0
    bits = _copy_token_bits(pos)
    max_length = (0xFFFF >> bits) + 3
    max_offset = 1 << bits
    best_len, best_off = 0, 0
    for cand in reversed(heads.get(chunk[pos:pos + 3], ())[-64:]):
        offset = pos - cand
        if offset > max_offset:
            break
        length = 0
        limit = min(max_length, len(chunk) - pos)
        while length < limit and chunk[cand + length] == chunk[pos + length]:
            length += 1
        if length > best_len:
            best_len, best_off = length, offset
            if length == limit:
                break
    return best_len, best_off


def decompress(data: bytes) -> bytes:
    """The bytes of a CompressedContainer (2.4.1.3.1)."""
    if not data or data[0] != 1:
        raise ValueError("not an MS-OVBA compressed container")
    out = bytearray()
    pos = 1
    while pos < len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        size = (header & 0x0FFF) + 3
        end = min(pos + size, len(data))
        pos += 2
        chunk_start = len(out)
        if not header & 0x8000:
            out += data[pos:pos + CHUNK]
            pos += CHUNK
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags & (1 << bit):
                    out.append(data[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                bits = _copy_token_bits(len(out) - chunk_start)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                for _ in range(length):
                    out.append(out[-offset])
        pos = end
    return bytes(out)


# --- MS-OVBA 2.3.4.2 dir stream -----------------------------------------------------------

PROJECTCODEPAGE = 0x0003
PROJECTVERSION = 0x0009
PROJECTMODULES = 0x000F
MODULENAME = 0x0019
MODULEOFFSET = 0x0031
DIR_TERMINATOR = 0x0010


@dataclass
class Record:
    id: int
    data: bytes
    offset: int  # where the record starts in the decompressed stream


def dir_records(stream: bytes) -> list[Record]:
    """The decompressed dir stream as (id, data) records. PROJECTVERSION is
    the one record whose Size field (4) does not count its data (6 bytes)."""
    records, pos = [], 0
    while pos + 6 <= len(stream):
        rid, size = struct.unpack_from("<HI", stream, pos)
        start = pos
        pos += 6
        if rid == PROJECTVERSION:
            size = 6
        records.append(Record(rid, stream[pos:pos + size], start))
        pos += size
        if rid == DIR_TERMINATOR:
            break
    return records


def _rec(rid: int, data: bytes) -> bytes:
    return struct.pack("<HI", rid, len(data)) + data


def module_record(name: str, codepage: str) -> bytes:
    """A MODULE record (2.3.4.2.3.2) of a procedural module whose stream has
    the module's name and holds only source (MODULEOFFSET 0)."""
    mbcs, uni = name.encode(codepage), name.encode("utf-16-le")
    return b"".join([
        _rec(MODULENAME, mbcs), _rec(0x0047, uni),                # MODULENAME(UNICODE)
        _rec(0x001A, mbcs), _rec(0x0032, uni),                    # MODULESTREAMNAME
        _rec(0x001C, b""), _rec(0x0048, b""),                     # MODULEDOCSTRING
        _rec(MODULEOFFSET, struct.pack("<I", 0)),                 # no performance cache
        _rec(0x001E, struct.pack("<I", 0)),                       # MODULEHELPCONTEXT
        _rec(0x002C, struct.pack("<H", 0xFFFF)),                  # MODULECOOKIE
        struct.pack("<HI", 0x0021, 0),                            # MODULETYPE: procedural
        struct.pack("<HI", 0x002B, 0),                            # module terminator
    ])


def project_codepage(records: list[Record]) -> str:
    for record in records:
        if record.id == PROJECTCODEPAGE:
            return f"cp{struct.unpack('<H', record.data)[0]}"
    return "cp1252"


def module_names(records: list[Record], codepage: str) -> list[str]:
    return [r.data.decode(codepage) for r in records if r.id == MODULENAME]


def add_module_record(stream: bytes, name: str) -> bytes:
    """The decompressed dir stream with one more module, before its terminator."""
    records = dir_records(stream)
    codepage = project_codepage(records)
    modules = next((r for r in records if r.id == PROJECTMODULES), None)
    end = next((r for r in records if r.id == DIR_TERMINATOR), None)
    if modules is None or end is None:
        raise ValueError("the dir stream has no PROJECTMODULES or terminator")
    count = struct.unpack("<H", modules.data)[0] + 1
    out = bytearray(stream[:end.offset]) + module_record(name, codepage) + stream[end.offset:]
    struct.pack_into("<H", out, modules.offset + 6, count)
    return bytes(out)


# --- MS-OVBA 2.3.1 PROJECT and 2.3.3 PROJECTwm ---------------------------------------------

_MODULE_LINE = re.compile(rb"^(Document|Module|Class|BaseClass|Package)=", re.M)


def add_to_project_stream(text: bytes, name: str, codepage: str) -> bytes:
    """``Module=<name>`` after the other module lines, and its window line."""
    lines = text.split(b"\r\n")
    last = max(i for i, line in enumerate(lines) if _MODULE_LINE.match(line))
    lines.insert(last + 1, b"Module=" + name.encode(codepage))
    if b"[Workspace]" in lines:
        at = lines.index(b"[Workspace]") + 1
        while at < len(lines) and lines[at]:
            at += 1
        lines.insert(at, name.encode(codepage) + b"=0, 0, 0, 0, C")
    return b"\r\n".join(lines)


def add_to_name_map(data: bytes, name: str, codepage: str) -> bytes:
    """PROJECTwm: one more (MBCS, UTF-16) name pair before the final 0x0000."""
    if not data.endswith(b"\x00\x00"):
        data += b"\x00\x00"
    pair = name.encode(codepage) + b"\x00" + name.encode("utf-16-le") + b"\x00\x00"
    return data[:-2] + pair + b"\x00\x00"


# The version-independent _VBA_PROJECT (2.3.4.1): Reserved1 0x61CC, Version 0xFFFF,
# Reserved2 0x00, Reserved3 0x0001: Office ignores any compiled cache and recompiles.
VBA_PROJECT_HEADER = bytes.fromhex("cc61ffff000100")


# --- the project as streams ----------------------------------------------------------------

@dataclass
class VbaProject:
    """Every stream of a vbaProject.bin by path ('VBA/dir'), and the CLSIDs."""
    streams: dict[str, bytes]
    clsids: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def read(cls, data: bytes) -> "VbaProject":
        import olefile

        ole = olefile.OleFileIO(io.BytesIO(data))
        try:
            streams = {"/".join(p): ole.openstream(p).read() for p in ole.listdir(streams=True)}
            clsids = {"": ole.root.clsid}
            for path in ole.listdir(streams=False, storages=True):
                clsids["/".join(path)] = ole.getclsid(path)
            clsids = {k: uuid.UUID(v).bytes_le for k, v in clsids.items() if v}
        finally:
            ole.close()
        return cls(streams, clsids)

    @property
    def storage(self) -> str:
        """The VBA storage's name ('VBA')."""
        return next(p.rsplit("/", 1)[0] for p in self.streams if p.endswith("/dir"))

    def dir(self) -> bytes:
        return decompress(self.streams[f"{self.storage}/dir"])

    def codepage(self) -> str:
        return project_codepage(dir_records(self.dir()))

    def modules(self) -> list[str]:
        return module_names(dir_records(self.dir()), self.codepage())

    def add_module(self, name: str, source: str) -> None:
        """A standard module ``name`` with ``source`` (its text as a .bas file)."""
        if name in self.modules():
            raise ValueError(f"the VBA project already has a module {name!r}")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,30}", name):
            raise ValueError(f"not a VBA module name: {name!r}")
        codepage, vba = self.codepage(), self.storage
        text = "\r\n".join(source.replace("\r\n", "\n").split("\n"))
        self.streams[f"{vba}/{name}"] = compress(text.encode(codepage))
        self.streams[f"{vba}/dir"] = compress(add_module_record(self.dir(), name))
        self.streams["PROJECT"] = add_to_project_stream(self.streams["PROJECT"], name, codepage)
        if "PROJECTwm" in self.streams:
            self.streams["PROJECTwm"] = add_to_name_map(self.streams["PROJECTwm"], name, codepage)
        self.streams[f"{vba}/_VBA_PROJECT"] = VBA_PROJECT_HEADER
        for path in [p for p in self.streams if p.split("/")[-1].startswith("__SRP_")]:
            del self.streams[path]  # compiled caches that no longer match

    def to_bytes(self) -> bytes:
        return write_compound_file(self.streams, self.clsids)


def add_module(vba_project: bytes, name: str, source: str) -> bytes:
    """``vba_project`` (a vbaProject.bin) with one more standard module."""
    project = VbaProject.read(vba_project)
    project.add_module(name, source)
    return project.to_bytes()


def module_source(vba_project: bytes, name: str) -> str:
    """A module's source as stored (MODULEOFFSET skips any compiled cache)."""
    project = VbaProject.read(vba_project)
    records = dir_records(project.dir())
    codepage = project_codepage(records)
    current, offsets = None, {}
    for record in records:
        if record.id == 0x001A:
            current = record.data.decode(codepage)
        elif record.id == MODULEOFFSET and current:
            offsets[current] = struct.unpack("<I", record.data)[0]
    stream = project.streams[f"{project.storage}/{name}"]
    return decompress(stream[offsets[name]:]).decode(codepage)


# --- MS-CFB writer --------------------------------------------------------------------------

SECTOR = 512
MINI = 64
MINI_CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list["_Entry"] = field(default_factory=list)
    clsid: bytes = bytes(16)
    sid: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    red: bool = False
    start: int = ENDOFCHAIN


def _cfb_key(name: str) -> tuple[int, str]:
    """Sibling order (MS-CFB 2.6.4): shorter names first, then by upper case."""
    return len(name.encode("utf-16-le")), name.upper()


def _tree(streams: dict[str, bytes], clsids: dict[str, bytes]) -> _Entry:
    root = _Entry("Root Entry", 5, clsid=clsids.get("", bytes(16)))
    for path, data in streams.items():
        node = root
        parts = path.split("/")
        for depth, part in enumerate(parts[:-1]):
            found = next((c for c in node.children if c.name == part and c.kind == 1), None)
            if found is None:
                found = _Entry(part, 1, clsid=clsids.get("/".join(parts[:depth + 1]), bytes(16)))
                node.children.append(found)
            node = found
        node.children.append(_Entry(parts[-1], 2, data))
    return root


def _flatten(root: _Entry) -> list[_Entry]:
    entries = [root]
    pending = [root]
    while pending:
        node = pending.pop(0)
        for child in sorted(node.children, key=lambda c: _cfb_key(c.name)):
            child.sid = len(entries)
            entries.append(child)
            pending.append(child)
    for node in entries:
        if node.children:
            ordered = sorted(node.children, key=lambda c: _cfb_key(c.name))
            node.child = _balance(ordered, 0, _depth(len(ordered)))
    return entries


def _depth(count: int) -> int:
    """Depth of the deepest node of a middle-split tree of ``count`` nodes."""
    return max(count.bit_length() - 1, 0)


def _balance(nodes: list[_Entry], depth: int, deepest: int) -> int:
    """A middle-split tree: leaves at two depths at most, so colouring the
    deepest level red and the rest black is a valid red-black tree."""
    if not nodes:
        return NOSTREAM
    mid = len(nodes) // 2
    node = nodes[mid]
    node.red = depth == deepest and depth > 0
    node.left = _balance(nodes[:mid], depth + 1, deepest)
    node.right = _balance(nodes[mid + 1:], depth + 1, deepest)
    return node.sid


def _sectors(size: int, unit: int) -> int:
    return (size + unit - 1) // unit


def write_compound_file(streams: dict[str, bytes], clsids: dict[str, bytes] | None = None) -> bytes:
    """A version 3 compound file holding ``streams`` ('VBA/dir' -> bytes)."""
    entries = _flatten(_tree(streams, clsids or {}))
    small = [e for e in entries if e.kind == 2 and 0 < len(e.data) < MINI_CUTOFF]
    large = [e for e in entries if e.kind == 2 and len(e.data) >= MINI_CUTOFF]

    mini_fat: list[int] = []
    mini_stream = bytearray()
    for entry in small:
        count = _sectors(len(entry.data), MINI)
        entry.start = len(mini_fat)
        mini_fat += [len(mini_fat) + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
        mini_stream += entry.data.ljust(count * MINI, b"\x00")

    dir_sectors = _sectors(len(entries) * 128, SECTOR)
    minifat_sectors = _sectors(len(mini_fat) * 4, SECTOR)
    ministream_sectors = _sectors(len(mini_stream), SECTOR)
    large_sectors = sum(_sectors(len(e.data), SECTOR) for e in large)
    body = dir_sectors + minifat_sectors + ministream_sectors + large_sectors
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < fat_sectors + body:
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("VBA project too large for a compound file without DIFAT")

    fat: list[int] = [FATSECT] * fat_sectors
    sectors: list[bytes] = []

    def chain(data: bytes) -> int:
        count = _sectors(len(data), SECTOR)
        if count == 0:
            return ENDOFCHAIN
        first = len(fat)
        fat.extend([first + i + 1 for i in range(count - 1)] + [ENDOFCHAIN])
        padded = data.ljust(count * SECTOR, b"\x00")
        sectors.extend(padded[i * SECTOR:(i + 1) * SECTOR] for i in range(count))
        return first

    # Directory first, so its sector is known before the entries are encoded.
    dir_start = len(fat)
    fat.extend([dir_start + i + 1 for i in range(dir_sectors - 1)] + [ENDOFCHAIN])
    sectors.extend([b""] * dir_sectors)
    minifat_bytes = b"".join(struct.pack("<I", v) for v in mini_fat)
    minifat_bytes = minifat_bytes.ljust(minifat_sectors * SECTOR, b"\xff")
    minifat_start = chain(minifat_bytes) if mini_fat else ENDOFCHAIN
    root = entries[0]
    root.start = chain(bytes(mini_stream)) if mini_stream else ENDOFCHAIN
    root.data = bytes(mini_stream)
    for entry in large:
        entry.start = chain(entry.data)

    directory = b"".join(_dir_entry(e) for e in entries)
    directory = directory.ljust(dir_sectors * SECTOR, b"\x00")
    empty = _empty_dir_entry()
    for i in range(len(entries), dir_sectors * (SECTOR // 128)):
        directory = directory[:i * 128] + empty + directory[(i + 1) * 128:]
    for i in range(dir_sectors):
        sectors[i] = directory[i * SECTOR:(i + 1) * SECTOR]

    fat += [FREESECT] * (fat_sectors * (SECTOR // 4) - len(fat))
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat)
    header = _header(fat_sectors, dir_start, minifat_start, minifat_sectors if mini_fat else 0)
    return header + fat_bytes + b"".join(sectors)


def _header(fat_sectors: int, dir_start: int, minifat_start: int, minifat_sectors: int) -> bytes:
    difat = list(range(fat_sectors)) + [FREESECT] * (109 - fat_sectors)
    return (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16)
            + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + bytes(6)
            + struct.pack("<IIIIIIIII", 0, fat_sectors, dir_start, 0, MINI_CUTOFF,
                          minifat_start, minifat_sectors, ENDOFCHAIN, 0)
            + b"".join(struct.pack("<I", v) for v in difat))


def _dir_entry(entry: _Entry) -> bytes:
    name = entry.name.encode("utf-16-le")
    if len(name) > 62:
        raise ValueError(f"compound file name too long: {entry.name!r}")
    size = len(entry.data) if entry.kind in (2, 5) else 0
    start = entry.start if entry.kind in (2, 5) else 0
    return (name.ljust(64, b"\x00") + struct.pack("<HBB", len(name) + 2, entry.kind,
                                                  0 if entry.red else 1)
            + struct.pack("<III", entry.left, entry.right, entry.child) + entry.clsid
            + struct.pack("<I", 0) + bytes(16) + struct.pack("<IQ", start, size))


def _empty_dir_entry() -> bytes:
    return bytes(64) + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", NOSTREAM, NOSTREAM,
                                                                  NOSTREAM) + bytes(16 + 4 + 16) + \
        struct.pack("<IQ", 0, 0)
