"""The shared strings table (xl/sharedStrings.xml) and text escaping, for
the reader and the writer.

Strings are appended, never moved: existing cells point at their index.
An identical plain string already in the table is reused.
"""
from __future__ import annotations

import bisect
import re
import sys
from functools import cached_property
from typing import Iterable, Iterator

from lxml import etree

from kpi_xl.errors import Place, WorkbookError
from kpi_xl.xlsx.namespaces import MAIN_NS, XML_SPACE
from kpi_xl.xlsx.package import NOT_XML, Package, Spliced
from kpi_xl.xlsx.safety import parse_plain

_M = "{%s}" % MAIN_NS
TEXT, RUN, SI = _M + "t", _M + "r", _M + "si"

_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Characters XML 1.0 cannot hold (package.NOT_XML); Excel writes them as _xHHHH_.
_INVALID_XML = NOT_XML


def encode_text(text: str) -> str:
    """Text as Excel stores it: a literal '_x0041_' keeps its underscore
    escaped, control characters become _xHHHH_. Most texts hold neither,
    which two cheap tests show before any pattern runs (an owned sheet
    writes tens of thousands of texts)."""
    if "_x" in text:
        text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    if text.isascii() and text.isprintable():  # no control character: nothing XML cannot hold
        return text
    return _INVALID_XML.sub(lambda m: "_x%04X_" % ord(m.group(0)), text)


def decode_text(text: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def needs_preserve(text: str) -> bool:
    return text != text.strip() or "\n" in text


def make_t(parent: etree._Element, text: str) -> etree._Element:
    """A <t> element holding ``text`` (namespace of ``parent``)."""
    ns = etree.QName(parent).namespace or MAIN_NS
    t = etree.SubElement(parent, f"{{{ns}}}t")
    t.text = encode_text(text)
    if needs_preserve(text):
        t.set(XML_SPACE, "preserve")
    return t


def string_item_text(si: etree._Element) -> tuple[str, bool]:
    """(text, plain) of an <si> or <is>: plain when it is a single <t>."""
    ns = etree.QName(si).namespace
    t = si.find(f"{{{ns}}}t")
    children = [c for c in si if isinstance(c.tag, str)]
    if t is not None and len(children) == 1:
        return decode_text(t.text or ""), True
    parts = [decode_text(x.text or "") for x in si.iterfind(f"{{{ns}}}r/{{{ns}}}t")]
    if t is not None:
        parts.insert(0, decode_text(t.text or ""))
    return "".join(parts), False


class SharedStrings:
    """The workbook's shared strings table, read only as far as needed: one
    class for the reader (:meth:`text`) and the writer (:meth:`index`).

    The table is as big as the workbook's text (a 100k-row extract puts
    100,000 strings in it) while a refresh reads and adds a few hundred, so
    it is never parsed whole. Strings near the start of the table (where the
    indicator sheet's usually are) are streamed (:class:`_StreamedStrings`).
    Asked for one far ahead (the sheet's strings come after an extract's
    100,000), or asked to add one, the items are located in the part's bytes
    at C speed (:class:`_ByteStrings`), an item's text is parsed when asked
    for, and new items are spliced in before ``</sst>`` when the package is
    saved. Every other byte of the part stays as it was. Tables the byte
    reader does not take on are streamed for reading and parsed as a tree
    for adding (:class:`_TreeStrings`), with the same results. A table of
    :attr:`INLINE_FROM` bytes or more is never added to: the writer puts
    its texts inline (:attr:`takes_new`).
    """

    JUMP = 2000  # items ahead of the stream that switch to locating them in the bytes
    INLINE_FROM = 1 << 20  # bytes of table from which new texts are written inline (:attr:`takes_new`)

    def __init__(self, pkg: Package, part: str | None):
        self.pkg = pkg
        self.part = part
        self._impl: _ByteStrings | _TreeStrings | None = None
        self._stream = _StreamedStrings(pkg, part)
        self._jump = part is not None  # False once the byte reader declined

    @property
    def exists(self) -> bool:
        return self.part is not None

    @cached_property  # the original table's size: the same for the whole write
    def takes_new(self) -> bool:
        """Whether a text the writer puts goes into the table; else it is
        written inline in its cell (``t="inlineStr"``), which Excel reads
        the same and turns into a shared string when it next saves. Adding
        to a table rewrites, compresses and checks the whole part: for an
        extract's table of a million items that cost more than the rest of
        the refresh, and grew with the workbook rather than with the cells
        written (issue 16). A small table is added to, as Excel would."""
        if self.part is None:
            return False
        info = self.pkg.infos.get(self.pkg.canonical(self.part) or "")
        return info is None or info.file_size < self.INLINE_FROM

    @property
    def located(self) -> bool:
        """Whether the items were located in the part's bytes."""
        return isinstance(self._impl, _ByteStrings)

    @property
    def streamed(self) -> int:
        """How many items the stream has parsed so far."""
        return len(self._stream.strings)

    def _table(self) -> "_ByteStrings | _TreeStrings":
        if self._impl is None:
            assert self.part is not None
            data = self.pkg.read(self.part)
            self._impl = _ByteStrings.of(self.pkg, self.part, data) or _TreeStrings(self.pkg, self.part)
        return self._impl

    def text(self, index: int) -> str | None:
        """The text of item ``index`` (None when there is none)."""
        if index < 0 or self.part is None:
            return None
        if index < len(self._stream.strings):
            return self._stream.strings[index]
        if self._impl is None and self._jump and index - len(self._stream.strings) > self.JUMP:
            self._locate()
        if self._impl is not None:
            return self._impl.text(index)
        return self._stream.get(index)

    def _locate(self) -> None:
        """Far ahead of the stream: the byte reader, unless it declines."""
        data = self.pkg.read(self.part)  # type: ignore[arg-type]
        located = _ByteStrings.of(self.pkg, self.part, data)  # type: ignore[arg-type]
        if located is None:
            self._jump = False  # keep streaming
            return
        self._stream.close()
        self._impl = located

    def index(self, text: str) -> int:
        """Index of ``text`` in the table, appending it when absent."""
        return self._table().index(text)

    def expect(self, texts: Iterable[str]) -> None:
        """Tell the table the texts :meth:`index` will be asked for (a
        plan's), so a big one is searched for them all in one pass."""
        table = self._table()
        if isinstance(table, _ByteStrings):
            table.expect(texts)

    def close(self) -> None:
        self._stream.close()


class _StreamedStrings:
    """The table parsed as a stream from its start, only as far as asked."""

    def __init__(self, pkg: Package, part: str | None):
        self.pkg = pkg
        self.part = part
        self.strings: list[str] = []
        self._chunks: Iterator[bytes] | None = None
        self._parser: etree.XMLPullParser | None = None
        self._done = part is None

    def get(self, index: int) -> str | None:
        while index >= len(self.strings) and not self._done:
            self._advance()
        return self.strings[index] if index < len(self.strings) else None

    def close(self) -> None:
        if self._chunks is not None:
            self._chunks.close()  # type: ignore[attr-defined]
        self._done = True

    def _advance(self) -> None:
        if self._parser is None:
            self._parser = etree.XMLPullParser(events=("end",), tag=SI, resolve_entities=False,
                                               no_network=True, load_dtd=False, huge_tree=False)
            self._chunks = self.pkg.stream(self.part)  # type: ignore[arg-type]
        chunk = next(self._chunks, None)  # type: ignore[arg-type]
        try:
            if chunk is None:
                self._parser.close()
                self._done = True
            else:
                self._parser.feed(chunk)
            for _event, si in self._parser.read_events():
                self.strings.append(rich_text(si))
                forget(si)
        except etree.XMLSyntaxError as exc:
            raise WorkbookError(f"part {self.part} is not well-formed XML ({exc}); "
                                "open and repair it in Excel, then save it again",
                                Place(file=str(self.pkg.path))) from None


def rich_text(el: etree._Element) -> str:
    """Text of a string item (<si>, <is>) as the reader sees it: a plain <t>,
    or the runs of rich text (phonetic runs left out). Fast: tags compared
    as strings, one unescape."""
    parts = []
    for child in el:
        if child.tag == TEXT:
            parts.append(child.text or "")
        elif child.tag == RUN:
            t = child.find(TEXT)
            if t is not None:
                parts.append(t.text or "")
    text = "".join(parts)
    return decode_text(text) if "_x" in text else text


def forget(el: etree._Element) -> None:
    """Free a parsed element and the siblings before it (constant memory)."""
    el.clear(keep_tail=True)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def escape_text(value: str) -> str:
    """``value`` escaped for element text as lxml and Excel write it; a
    carriage return as a character reference, which the parser would
    otherwise read as a line feed."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def string_xml(text: str) -> str:
    """``text`` as Excel writes it inside an element (a cell's <t>, a chart's
    title): Excel's _xHHHH_ escapes, then XML's."""
    return escape_text(encode_text(text))


def _plain_bytes(text: str) -> bytes:
    """The bytes of a plain item's <t> text, escaped as lxml and Excel write it."""
    return string_xml(text).encode("utf-8")


class _ByteStrings:
    """The table located in its bytes; see :class:`SharedStrings`."""

    def __init__(self, pkg: Package, part: str, data: bytes, prefix: bytes, root: re.Match,
                 starts: "_ItemStarts", insert_at: int):
        self.pkg, self.part, self.data = pkg, part, data
        self.prefix = prefix  # b"" or b"x:" when the table uses a namespace prefix
        self.root = root  # the <sst ...> start tag
        self.starts = starts  # where each <si> is
        self.insert_at = insert_at  # where new items go: before </sst> (or <extLst>)
        self._plain: dict[bytes, int] | None = None
        self._by_text: dict[str, int] = {}
        self._absent: set[bytes] = set()  # expected texts not in the table (:meth:`expect`)
        self._texts: dict[int, str | None] = {}
        self.added: list[str] = []

    @classmethod
    def of(cls, pkg: Package, part: str, data: bytes) -> "_ByteStrings | None":
        if pkg.canonical(part) in pkg.new:
            layout = cls._layout(data)
        else:  # the reader's and the writer's tables: the original bytes located once
            layout = pkg.derived(part, "shared strings layout", lambda: cls._layout(data))
        return None if layout is None else cls(pkg, part, data, *layout)

    @staticmethod
    def _layout(data: bytes) -> "tuple[bytes, re.Match, _ItemStarts, int] | None":
        """(prefix, root, starts, insert_at) of a table the byte reader takes on."""
        head = data[:200].lower()
        declined = b"<![CDATA[", b"<!--", b"<!DOCTYPE", b"<!ENTITY"  # all begin "<!": one scan for most tables
        if (data[:2] in (b"\xff\xfe", b"\xfe\xff") or (b"<!" in data and any(d in data for d in declined))
                or (b"encoding=" in head and b"utf-8" not in head)):
            return None
        root = _SST_START.search(data)
        if root is None or root.group(0).endswith(b"/>"):
            return None
        prefix = root.group(1) or b""
        if data.find(b"<?", root.end()) >= 0:
            return None  # a processing instruction may hold "</sst>": where items go is the tree's to say
        end = data.rfind(b"</" + prefix + b"sst")
        if end < root.end():
            return None
        ext = data.find(b"<" + prefix + b"extLst", root.end(), end)
        body_end = ext if ext >= 0 else end
        return prefix, root, _ItemStarts(data, prefix, root.end(), body_end), body_end

    # -- reading
    def _plain_pattern(self) -> re.Pattern:
        """A plain item (one <t>), its text as written in group 1."""
        p = re.escape(self.prefix)
        return re.compile(rb"<" + p + rb"si>\s*<" + p + rb"t(?:\s+xml:space=\"preserve\")?>([^<]*)</"
                          + p + rb"t>\s*</" + p + rb"si>")

    def _plain_index(self) -> dict[bytes, int]:
        """Plain items by their bytes as written; a text is looked up by the
        bytes it is written as (:func:`_plain_bytes`), so none is decoded."""
        if self._plain is None:
            plain = self._plain_pattern()
            texts = plain.findall(self.data, self.root.end(), self.insert_at)
            if len(texts) == self.starts.count:
                # Every item is plain, so the n-th match is item n; built
                # from the end, a text's first item wins (C speed, no loop).
                count = len(texts)
                self._plain = dict(zip(reversed(texts), range(count - 1, -1, -1)))
                return self._plain
            position = {pos: i for i, pos in enumerate(self.starts.every())}
            found: dict[bytes, int] = {}
            for m in plain.finditer(self.data, self.root.end(), self.insert_at):
                index = position.get(m.start())
                if index is not None:
                    found.setdefault(m.group(1), index)
            self._plain = found
            self._note_added()
        return self._plain

    def _note_added(self) -> None:
        """The items this run appended (before the index was built) in it."""
        for i, text in enumerate(self.added):
            self._plain.setdefault(_plain_bytes(text), self.starts.count + i)

    def expect(self, texts: Iterable[str]) -> None:
        """Find at once where ``texts`` (what a plan writes) already are, so
        :meth:`index` answers them without indexing every item: a table
        under :attr:`SharedStrings.INLINE_FROM` still holds some 30,000, the
        plan a few hundred texts. Each block's
        plain texts are matched against them as a set (in C); only hits
        cost Python work. Texts asked for later are looked up as before."""
        if self._plain is not None:
            return
        keys: dict[bytes, str] = {}
        for text in dict.fromkeys(texts):  # a plan writes the same words many times
            if text not in self._by_text:
                keys.setdefault(_plain_bytes(text), text)
        if not keys:
            return
        plain, found = self._plain_pattern(), {}
        for block, begin, end, first in self.starts.blocks():
            texts_here = plain.findall(self.data, begin, end)
            hits = keys.keys() & texts_here
            if hits:
                self._first_hits(block, begin, end, first, texts_here, hits - found.keys(), found)
        for key, text in keys.items():
            if key in found:
                self._by_text[text] = found[key]
            else:
                self._absent.add(key)

    def _first_hits(self, block: int, begin: int, end: int, first: int, texts_here: list[bytes],
                    hits: set[bytes], found: dict[bytes, int]) -> None:
        """The index of each hit's first plain item in the block."""
        if len(texts_here) == self.starts.in_block(block):  # every item plain: the n-th text is item n
            here = dict(zip(reversed(texts_here), range(len(texts_here) - 1, -1, -1)))  # first one wins
            for key in hits:
                found[key] = first + here[key]
            return
        position = {pos: first + i for i, pos in enumerate(self.starts._block(block))}
        for m in self._plain_pattern().finditer(self.data, begin, end):
            if m.group(1) in hits and m.start() in position:
                found.setdefault(m.group(1), position[m.start()])

    def text(self, index: int) -> str | None:
        count = self.starts.count
        if 0 <= index < count:
            if index not in self._texts:
                end = self.starts.at(index + 1) if index + 1 < count else self.insert_at
                chunk = self.data[self.starts.at(index):end]
                self._texts[index] = self._parse_item(chunk)
            return self._texts[index]
        if 0 <= index - count < len(self.added):
            return self.added[index - count]
        return None

    def _parse_item(self, chunk: bytes) -> str | None:
        """One item's text, parsed inside the table's own start tag. The
        part holds no DTD or entity (:meth:`of` declines those), so a plain
        safe parser will do: the reader asks for thousands of items."""
        wrapped = self.root.group(0) + chunk + b"</" + self.prefix + b"sst>"
        root = parse_plain(wrapped, self.part, self.pkg.path)
        if not len(root):
            return None
        if root.tag == _M + "sst":
            return rich_text(root[0])  # the reader's fast path
        return string_item_text(root[0])[0]

    # -- adding
    def index(self, text: str) -> int:
        found = self._by_text.get(text)
        if found is not None:
            return found
        key = _plain_bytes(text)
        if key in self._absent:  # expected, and known not to be in the table
            self._absent.discard(key)
            found = self._append(text)
        else:
            plain = self._plain_index()
            found = plain[key] if key in plain else self._append(text)
        self._by_text[text] = found  # indices never move: asked again, no escaping
        return found

    def _append(self, text: str) -> int:
        self.added.append(text)
        index = self.starts.count + len(self.added) - 1
        if self._plain is not None:
            self._plain[_plain_bytes(text)] = index
        if len(self.added) == 1:
            self.pkg.put_bytes(self.part, Spliced(self.data, self._edits, self._context))
        return index

    def final_bytes(self) -> bytes:
        return Spliced(self.data, self._edits, self._context)()

    def _new_root(self) -> bytes:
        return self._counted(self.root.group(0), self.starts.count + len(self.added), len(self.added))

    def _new_items(self) -> bytes:
        p = self.prefix.decode()
        items = []
        for text in self.added:
            encoded = _plain_bytes(text).decode("utf-8")
            space = ' xml:space="preserve"' if needs_preserve(text) else ""
            items.append(f"<{p}si><{p}t{space}>{encoded}</{p}t></{p}si>")
        return "".join(items).encode("utf-8")

    def _edits(self) -> list[tuple[int, int, bytes]]:
        """The new root tag (its counts) and the items appended before the body's end."""
        return [(self.root.start(), self.root.end(), self._new_root()),
                (self.insert_at, self.insert_at, self._new_items())]

    def _context(self) -> bytes:
        """The new root tag, the appended items and the root's end tag: the
        new bytes where they stand (the items go where a tag of the root's
        content begins, so the table stays as well formed as it was)."""
        return self._new_root() + self._new_items() + b"</" + self.prefix + b"sst>"

    @staticmethod
    def _counted(tag: bytes, unique: int, added: int) -> bytes:
        """uniqueCount is the number of items; count (references, a hint to
        Excel) grows by the items added and is never below uniqueCount."""
        def attr(name: bytes, value: int, tag: bytes) -> bytes:
            pattern = re.compile(rb"(\s" + name + rb"\s*=\s*)([\"'])[^\"']*\2")
            if pattern.search(tag):
                return pattern.sub(lambda m: m.group(1) + m.group(2) + str(value).encode() + m.group(2),
                                   tag, count=1)
            return tag[:-1] + b" " + name + b'="' + str(value).encode() + b'">'
        count = re.search(rb"\scount\s*=\s*[\"']([^\"']*)", tag)
        if count is not None:
            try:
                total = int(count.group(1)) + added
            except ValueError:
                total = unique
            tag = attr(b"count", max(total, unique), tag)
        return attr(b"uniqueCount", unique, tag)


class _ItemStarts:
    """Where each <si> of the table starts, found only where asked.

    A big extract's table holds a million items while a refresh reads a few
    hundred of them: the items are counted a block at a time (at C speed),
    and their offsets listed only in the blocks that are read.
    """

    BLOCK = 1 << 20  # bytes, about 30,000 items of an extract
    VECTOR_FROM = 8 << 20  # bytes of items from which they are located as arrays (numpy imported)
    VECTOR_LOADED_FROM = 1 << 20  # the same when numpy is loaded already

    def __init__(self, data: bytes, prefix: bytes, begin: int, end: int):
        self.data = data
        self.pattern = re.compile(rb"<" + re.escape(prefix) + rb"si[\s/>]")
        self.bounds: list[int] = []  # each block's first byte: after the first, an item's start
        self.before: list[int] = []  # items in the blocks before each
        self._listed: dict[int, list[int]] = {}
        # A big table's items are located at once by array arithmetic: a
        # million matches cost the pattern a second. Below VECTOR_FROM the
        # pattern is the cheaper unless numpy is loaded already (its import
        # costs what the pattern takes over some 4 MB).
        size = end - begin
        vector = size > self.VECTOR_FROM or (size > self.VECTOR_LOADED_FROM and "numpy" in sys.modules)
        self.vector = _Vector(data) if vector else None
        self._all = self.vector.item_starts(prefix, begin, end) if self.vector is not None else None
        count, at = 0, begin
        while at < end:
            if self._all is None:
                following = self.pattern.search(data, min(at + self.BLOCK, end), end)
                cut = end if following is None else following.start()
                items = len(self.pattern.findall(data, at, cut))
            else:
                later = int(self._all.searchsorted(min(at + self.BLOCK, end)))
                cut = end if later == len(self._all) else int(self._all[later])
                items = later - count
            self.bounds.append(at)
            self.before.append(count)
            count += items
            at = cut
        self.bounds.append(end)
        self.count = count

    def array(self, block: int):
        """The starts of a block's items as an array (a big table's)."""
        return self._all[self.before[block]:self.before[block] + self.in_block(block)]

    def _block(self, block: int) -> list[int]:
        if block not in self._listed and self._all is not None:
            self._listed[block] = self.array(block).tolist()
        if block not in self._listed:
            self._listed[block] = [m.start() for m in self.pattern.finditer(
                self.data, self.bounds[block], self.bounds[block + 1])]
        return self._listed[block]

    def at(self, index: int) -> int:
        """The byte offset of item ``index`` (0 <= index < count)."""
        if self._all is not None:
            return int(self._all[index])
        block = bisect.bisect_right(self.before, index) - 1  # the last block starting at or before it
        return self._block(block)[index - self.before[block]]

    def blocks(self) -> Iterator[tuple[int, int, int, int]]:
        """(block, first byte, end, index of its first item) of each block in turn."""
        for block, first in enumerate(self.before):
            yield block, self.bounds[block], self.bounds[block + 1], first

    def in_block(self, block: int) -> int:
        following = self.before[block + 1] if block + 1 < len(self.before) else self.count
        return following - self.before[block]

    def every(self) -> list[int]:
        return [start for block in range(len(self.before)) for start in self._block(block)]


class _Vector:
    """A big table's bytes as a numpy array, for :class:`_ItemStarts`: what
    its pattern finds, found by array arithmetic (the same answers; tests
    keep the pattern as the oracle). The reader locates a far item of an
    extract's table with it; the writer no longer adds to such a table
    (:attr:`SharedStrings.takes_new`), so nothing searches one for texts."""

    FOLLOWING = b" \t\n\r\x0b\x0c/>"  # what [\s/>] matches in bytes
    WINDOW = 8 << 20  # bytes looked at in one go (bounds the arrays' memory)

    def __init__(self, data: bytes):
        import numpy as np

        self.np = np
        self.data = data
        self.bytes = np.frombuffer(data, dtype=np.uint8)

    def item_starts(self, prefix: bytes, begin: int, end: int):
        """Where ``<si`` followed by [\\s/>] starts in ``[begin, end)``: the
        matches of :attr:`_ItemStarts.pattern` (which cannot overlap)."""
        np, arr = self.np, self.bytes
        tail = 3 + len(prefix)  # the bytes a match has after its "<"
        found = []
        for window in range(begin, end - tail, self.WINDOW):
            q = np.flatnonzero(arr[window:min(window + self.WINDOW, end - tail)] == ord("<")) + window
            for k, byte in enumerate(prefix + b"si"):
                q = q[arr[q + 1 + k] == byte]
            found.append(q[np.isin(arr[q + tail], np.frombuffer(self.FOLLOWING, dtype=np.uint8))])
        return np.concatenate(found) if found else np.zeros(0, dtype=np.intp)


_SST_START = re.compile(rb"<([A-Za-z_][\w.\-]*:)?sst\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")


class _TreeStrings:
    """The table as a parsed tree: for tables written in a way the byte-level
    reader does not take on (CDATA, comments, a DTD, UTF-16, an empty <sst/>)."""

    def __init__(self, pkg: Package, part: str | None):
        self.pkg = pkg
        self.part = part
        self._root: etree._Element | None = None
        self._items: list[etree._Element] = []
        self._plain: dict[str, int] = {}

    @property
    def exists(self) -> bool:
        return self.part is not None

    def _load(self) -> etree._Element:
        if self._root is None:
            assert self.part is not None
            self._root = self.pkg.xml(self.part)
            ns = etree.QName(self._root).namespace
            self._items = self._root.findall(f"{{{ns}}}si")
            for i, si in enumerate(self._items):
                text, plain = string_item_text(si)
                if plain:
                    self._plain.setdefault(text, i)
        return self._root

    def text(self, index: int) -> str | None:
        self._load()
        if 0 <= index < len(self._items):
            return string_item_text(self._items[index])[0]
        return None

    def index(self, text: str) -> int:
        """Index of ``text`` in the table, appending it when absent."""
        root = self._load()
        if text in self._plain:
            return self._plain[text]
        ns = etree.QName(root).namespace
        si = etree.Element(f"{{{ns}}}si")
        make_t(si, text)
        # After the last <si>, so before any extLst.
        if self._items:
            self._items[-1].addnext(si)
        else:
            ext = root.find(f"{{{ns}}}extLst")
            if ext is not None:
                ext.addprevious(si)
            else:
                root.append(si)
        self._items.append(si)
        self._plain[text] = len(self._items) - 1
        self._recount()
        return len(self._items) - 1

    def _recount(self) -> None:
        """uniqueCount is the number of items. count (references across the
        workbook) is only a hint to Excel; it must not be below uniqueCount."""
        root = self._root
        unique = len(self._items)
        root.set("uniqueCount", str(unique))
        if root.get("count") is not None:
            try:
                count = int(root.get("count")) + 1
            except ValueError:
                count = unique
            root.set("count", str(max(count, unique)))
        self.pkg.put_xml(self.part, root)
