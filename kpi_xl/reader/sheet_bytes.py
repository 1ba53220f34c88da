"""A worksheet's rows read straight from its bytes, when they are in the shape Excel writes.

Parsing a sheet with lxml makes an element for every row, cell and value,
which at 100,000 cells is most of a read. Excel (and the writers that copy
it) saves every cell one way: ``<c r="B2" s="3" t="s"><f>...</f><v>12</v></c>``.
:func:`scan_rows` reads ``<sheetData>`` with regular expressions when every
byte of it has that shape, and hands the rest of the part (everything but
the rows) to lxml, which checks it is well-formed and finds the merged
ranges there. The shape admits only well-formed XML whose meaning is plain:
no comments, CDATA, processing instructions or namespace declarations among
the rows, no entity but the five XML predefines, no character XML forbids,
attributes in the order Excel writes them. Anything else, and the scan says
so (:class:`NotPlain`) and the caller parses the part element by element as
before, so what is read never depends on which way it was read.
"""
from __future__ import annotations

import re
from typing import Callable, Iterator

from lxml import etree

from ..xlsx.namespaces import MAIN_NS

_M = "{%s}" % MAIN_NS
ROW, MERGE, SHEET_DATA = _M + "row", _M + "mergeCell", _M + "sheetData"

_WS = rb"[ \t\r\n]"
_ATTR = rb"[ \t\r\n]+[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?=\"[^\"<&]*\""
_TEXT = rb"(?:[^<&]|&(?:amp|lt|gt|quot|apos);)*"
# A row: its number first, as Excel writes it; its other attributes are checked once per spelling.
ROW_RE = re.compile(rb"%s*<row r=\"([0-9]{1,9})\"((?:%s)*)%s*(?:/>|>(.*?)</row>)" % (_WS, _ATTR, _WS), re.S)
# A cell: r, s, t in Excel's order; then a formula, a value and an inline string,
# each optional. Groups (for findall): the whole cell with the space round it, the
# column letters, s, t, "<f" when there is a formula, its attributes, the value's
# text, the inline string's content.
CELL_RE = re.compile(
    rb"(%s*<c r=\"([A-Z]{1,3})[0-9]{1,9}\"(?: s=\"([0-9]{1,9})\")?(?: t=\"([A-Za-z]{1,9})\")?%s*"
    rb"(?:/>|>%s*(?:(<f)((?:%s)*)%s*(?:/>|>%s</f>)%s*)?(?:<v>(%s)</v>|<v/>)?%s*(?:<is>(.*?)</is>)?%s*</c>)%s*)"
    % (_WS, _WS, _WS, _ATTR, _WS, _TEXT, _WS, _TEXT, _WS, _WS, _WS), re.S)
_SPACE_ONLY = re.compile(rb"%s*" % _WS)
_ATTR_NAME = re.compile(rb"([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)=")
# What a plain run of rows never holds: characters XML forbids (control characters,
# U+FFFE, U+FFFF), "]]>", declarations, comments, processing instructions.
_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 13))
_NOT_PLAIN = (b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"]]>", b"<!", b"<?", b"xmlns")
_SHEET_DATA_OPEN = re.compile(rb"<sheetData>")
_SHEET_DATA_CLOSE = re.compile(rb"%s*</sheetData>" % _WS)
_VERSION_1_0 = re.compile(rb"<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*[\"']1\.0[\"']")
_PROLOG = re.compile(rb"<\?xml[^>]*?encoding=[\"']([A-Za-z0-9_\-]+)[\"']")
_MAX_PENDING = 8 << 20  # bytes of one unfinished row a scan waits for before giving up
_MAX_TAIL = 64 << 20  # bytes after </sheetData> a scan keeps for the check
_MAX_TEXT = 10_000_000  # lxml's limit on one text node without huge_tree
_MAX_NAME = 1000  # longer attribute names are left to the parser (it has a limit of its own)
_ENTITIES = ((b"&lt;", b"<"), (b"&gt;", b">"), (b"&quot;", b'"'), (b"&apos;", b"'"), (b"&amp;", b"&"))


class NotPlain(Exception):
    """The part is not in the shape this scan reads: parse it element by element."""


def scan_rows(chunks: Iterator[bytes], on_row: Callable[[int | None, list[tuple]], None],
              want_merges: bool) -> list[str]:
    """Call ``on_row(r, cells)`` for every row of a sheet part, in order
    (``r`` the row's r= number, None when it is 0; ``cells`` CELL_RE's groups
    of each cell, see :func:`_cells`), and return the ref= of every merged
    range when ``want_merges``. Raises NotPlain (before or after some rows
    were given) when the part is not in the plain shape."""
    head = bytearray()
    for chunk in chunks:
        head += chunk
        opened = _SHEET_DATA_OPEN.search(head)
        if opened is not None:
            break
        if len(head) > _MAX_PENDING:
            raise NotPlain("no <sheetData> near the start")
    else:
        raise NotPlain("no <sheetData>")
    prefix = bytes(head[:opened.start()])
    _check_prefix(prefix)
    buffer = bytes(head[opened.end():])
    checked: dict[tuple[bytes, tuple], bool] = {}
    pos = 0
    suffix = None
    while True:
        pos = _rows_in(buffer, pos, on_row, checked)
        closed = _SHEET_DATA_CLOSE.match(buffer, pos)
        if closed is not None:
            suffix = bytearray(buffer[closed.end():])
            break
        if len(buffer) - pos > _MAX_PENDING:
            raise NotPlain("a row too long or not plain")
        more = next(chunks, None)
        if more is None:
            raise NotPlain("the part ends inside <sheetData>")
        buffer = buffer[pos:] + more
        pos = 0
    for chunk in chunks:
        suffix += chunk
        if len(suffix) > _MAX_TAIL:
            raise NotPlain("a long tail after </sheetData>")
    return _check_rest(prefix, bytes(suffix), want_merges, checked)


def _rows_in(buffer: bytes, pos: int, on_row, checked: dict[tuple[bytes, tuple], bool]) -> int:
    """Read the whole rows of ``buffer`` from ``pos``; the position after the last."""
    matches = []
    end = pos
    while (match := ROW_RE.match(buffer, end)) is not None:
        matches.append(match)
        end = match.end()
    # what follows is a row still arriving or the end of sheetData; a row that
    # is whole (a </row> follows) and did not match is not plain
    if buffer.find(b"</row>", end) >= 0 or not _could_continue(buffer, end):
        raise NotPlain("a row not in the plain shape")
    if not matches:
        return pos
    run = buffer[pos:end]
    if any(bad in run for bad in _NOT_PLAIN) or len(run.translate(None, _CONTROL)) != len(run):
        raise NotPlain("rows hold what a plain scan does not read")
    run.decode("utf-8")  # UnicodeDecodeError: the parser would refuse the part
    for match in matches:
        number, attrs, body = match.groups()
        if attrs and not _attrs_ok(attrs, checked, (b"r",)):
            raise NotPlain("row attributes")
        on_row(int(number) or None, _cells(body, checked) if body else [])
    return end


def _could_continue(buffer: bytes, pos: int) -> bool:
    """What follows ``pos`` may be the start of a row or the end of sheetData."""
    rest = buffer[pos:pos + 64].lstrip(b" \t\r\n")
    return any(rest.startswith(tag) or tag.startswith(rest) for tag in (b"<row ", b"</sheetData>"))


def _cells(body: bytes, checked: dict[tuple[bytes, tuple], bool]) -> list[tuple]:
    """The cells of a row's content as CELL_RE's groups (the inline string's
    content parsed into its <is> element); NotPlain unless the cells are all
    the row holds."""
    cells = CELL_RE.findall(body)
    # matches never overlap, so they fill the row exactly when their lengths add up to it
    if sum([len(cell[0]) for cell in cells]) != len(body) and not (not cells and _SPACE_ONLY.fullmatch(body)):
        raise NotPlain("something in a row that is not a plain cell")
    if b"<f " in body or b"<f\t" in body or b"<f\n" in body or b"<f\r" in body:
        for cell in cells:
            if cell[5] and not _attrs_ok(cell[5], checked, ()):
                raise NotPlain("formula attributes")
    if b"\r" in body or len(body) > _MAX_TEXT:
        for cell in cells:
            if b"\r" in cell[6] or len(cell[6]) > _MAX_TEXT:
                raise NotPlain("a value the parser reads otherwise")
    if b"<is>" in body:
        cells = [cell[:7] + (_inline(cell[7]),) if cell[7] else cell for cell in cells]
    return cells


def value_text(value: bytes) -> str | None:
    """A <v>'s text as the parser gives it (None when empty)."""
    if not value:
        return None
    if b"&" in value:
        for entity, char in _ENTITIES:
            value = value.replace(entity, char)
    return value.decode("utf-8")


_INLINE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _inline(inner: bytes) -> etree._Element:
    """An inline string's <is> as the element parse makes it."""
    try:
        return etree.fromstring(b'<is xmlns="%s">%s</is>' % (MAIN_NS.encode(), inner), _INLINE_PARSER)
    except etree.XMLSyntaxError:
        raise NotPlain("an inline string") from None


def _attrs_ok(attrs: bytes, checked: dict[tuple[bytes, tuple], bool], taken: tuple[bytes, ...]) -> bool:
    """No attribute twice (nor one of ``taken``), no name longer than the
    parser allows; prefixes are checked against the part's declarations once
    the rows are read (:func:`_check_names`)."""
    key = (attrs, taken)
    found = checked.get(key)
    if found is None:
        names = _ATTR_NAME.findall(attrs)
        found = (len(set(names)) == len(names) and not set(names) & set(taken)
                 and all(len(name) <= _MAX_NAME for name in names))
        checked[key] = found
    return found


def _check_prefix(prefix: bytes) -> None:
    if not prefix.startswith(b"<"):
        raise NotPlain("a byte order mark or text before the root")
    if prefix.startswith(b"<?xml") and not _VERSION_1_0.match(prefix):
        raise NotPlain("an XML version other than 1.0")
    declared = _PROLOG.match(prefix)
    if declared is not None and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        raise NotPlain("an encoding other than UTF-8")
    if b"<!" in prefix:
        raise NotPlain("a declaration or comment before the rows")


def _check_rest(prefix: bytes, suffix: bytes, want_merges: bool, checked: dict[tuple[bytes, tuple], bool]) -> list[str]:
    """Parse the part without its rows: it must be well-formed, its sheetData
    in the main namespace with no rows elsewhere, and every prefix the row
    attributes use declared there. The merged ranges' refs."""
    parser = etree.XMLPullParser(events=("end",), tag=(ROW, MERGE, SHEET_DATA), resolve_entities=False,
                                 no_network=True, load_dtd=False, huge_tree=False)
    merges: list[str] = []
    sheet_data = None
    try:
        parser.feed(prefix + b"<sheetData/>" + suffix)
        for _event, el in parser.read_events():
            if el.tag == ROW:
                raise NotPlain("a row outside sheetData")
            if el.tag == SHEET_DATA:
                if sheet_data is not None:
                    raise NotPlain("two sheetData")
                sheet_data = dict(el.nsmap)
            elif want_merges:
                merges.append(el.get("ref", ""))
        parser.close()
    except etree.XMLSyntaxError:
        raise NotPlain("not well-formed outside the rows") from None
    if sheet_data is None or sheet_data.get(None) != MAIN_NS:
        raise NotPlain("sheetData not in the main namespace")
    for attrs, _taken in checked:  # each spelling of a row's or formula's attributes
        _check_names(attrs, sheet_data)
    return merges


def _check_names(attrs: bytes, namespaces: dict) -> None:
    """Every prefix declared, and no two attributes the same once their
    prefixes are resolved (the parser refuses either)."""
    resolved = set()
    names = _ATTR_NAME.findall(attrs)
    for name in names:
        prefix, _, local = name.decode("ascii").rpartition(":")
        if prefix and prefix != "xml" and prefix not in namespaces:
            raise NotPlain("an undeclared prefix")
        resolved.add((namespaces.get(prefix) if prefix != "xml" else "xml", local) if prefix else (None, local))
    if len(resolved) != len(names):
        raise NotPlain("an attribute twice")
