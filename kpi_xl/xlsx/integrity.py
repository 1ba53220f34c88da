"""Check a workbook package after writing it (and in tests).

:func:`check_package` lists problems; an empty list means the package is
sound. With ``before`` (the original file) it reports only what the write
made worse: real workbooks come with small faults of their own (a dangling
relationship, a part without a content type) that kpi-xl must not refuse
to write past, but must not add to.
"""
from __future__ import annotations

import io
import os
import zipfile
from collections import Counter
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Iterable
from urllib.parse import unquote

from lxml import etree

from kpi_xl.errors import KpiError, WorkbookError
from kpi_xl.xlsx import safety
from kpi_xl.xlsx import big_sheet
from kpi_xl.xlsx.package import (CT_CHART, CT_DRAWING, CT_NS, CT_SHARED_STRINGS, CT_WORKSHEET, Made, Package,
                                 Serialised, Spliced, part_extension, resolve_target, source_of_rels)
from kpi_xl.xlsx.refs import normalise_sqref
from kpi_xl.xlsx.shared_strings import forget
from kpi_xl.xlsx.workbook_part import WorkbookPart, sheet_name_problem
from kpi_xl.xlsx.xmlutil import local

XML_SUFFIXES = (".xml", ".rels", ".vml")
_ONLY_CHECKED = {CT_SHARED_STRINGS, CT_CHART, CT_DRAWING}


def _is_xml(name: str) -> bool:
    return name.lower().endswith(XML_SUFFIXES)


class _Snapshot:
    """What we know of one package for the checks."""

    def __init__(self, source: "Path | Package", deep: set[str] | None,
                 spliced: "dict[str, Spliced | Made] | None" = None, own: bool = False):
        # own: ``source`` is a package opened for this snapshot alone (closed with it).
        # An open package (the writer's) is looked at as it was read, through
        # the same open file: the original is not opened again.
        if isinstance(source, Package):
            self.pkg = source if own else source.as_read()
        else:
            self.pkg = Package(source)
        self.path = self.pkg.path
        self.names = [n for n in self.pkg.infos]
        self.lower = {n.lower(): n for n in self.names}
        self.deep = deep  # parts to parse fully (None: all)
        # parts the writer made by splicing their original bytes, or made well formed (Made)
        self.spliced = spliced or {}
        self._scans: dict[str, _SheetScan] = {}
        # a Made sheet's part without its rows, parsed from what was read back
        self.without_rows: dict[str, etree._Element] = {}
        # parts read back as the bytes serialised of the writer's tree, which is theirs
        self.trees: set[str] = set()

    def is_big(self, name: str) -> bool:
        """A part too big to parse into a tree: its checks stream it (a
        part whose tree is known is never streamed: it needs no parse)."""
        info = self.pkg.infos.get(name)
        return info is not None and info.file_size > big_sheet.BIG_PART and name not in self.trees

    def scan(self, name: str) -> "_SheetScan":
        if name not in self._scans:
            self._scans[name] = _SheetScan.of(self, name)
        return self._scans[name]

    def close(self) -> None:
        self.pkg.close()

    def only_checked(self, name: str) -> bool:
        """A part no check reads, only parses: charts, drawings and the
        shared strings are checked as well formed without building a tree."""
        return self.pkg.content_type(name) in _ONLY_CHECKED

    def is_sheet(self, name: str) -> bool:
        """A worksheet part (its checks need a :class:`_SheetScan`)."""
        return self.pkg.content_type(name) == CT_WORKSHEET

    def is_deep(self, name: str) -> bool:
        return self.deep is None or name in self.deep

    def exists(self, name: str) -> bool:
        return name.lower() in self.lower


def _content_type_problems(snap: _Snapshot) -> list[str]:
    root = snap.pkg.xml("[Content_Types].xml")
    overrides = {el.get("PartName", "").lower() for el in root.iter(f"{{{CT_NS}}}Override")}
    defaults = {el.get("Extension", "").lower() for el in root.iter(f"{{{CT_NS}}}Default")}
    out = []
    for name in snap.names:
        if name == "[Content_Types].xml" or name.endswith("/"):
            continue
        ext = part_extension(name)
        if "/" + name.lower() not in overrides and ext not in defaults:
            out.append(f"part {name} has no content type")
    for part in sorted(overrides):
        if not snap.exists(part.lstrip("/")):
            out.append(f"content type given for missing part {part}")
    return out


def _relationship_problems(snap: _Snapshot) -> list[str]:
    out = []
    for name in snap.names:
        if not name.endswith(".rels"):
            continue
        source = source_of_rels(name)
        if source and not snap.exists(source):
            out.append(f"relationships part {name} belongs to missing part {source}")
        rels = snap.pkg.xml(name)
        for rel in rels:
            if not isinstance(rel.tag, str) or rel.get("TargetMode") == "External":
                continue
            raw = (rel.get("Target") or "").split("#")[0]
            if not raw:
                continue
            target = resolve_target(source, raw)
            if not (snap.exists(target) or snap.exists(unquote(target))):
                out.append(f"{name}: relationship {rel.get('Id')} points to missing part {target}")
    return out


def _serialised_problems(snap: _Snapshot) -> dict[str, str | None]:
    """:func:`_serialised_problem` of each XML part serialised from the
    writer's tree, found before the other checks read any part: a part read
    back as those bytes is not parsed by them (the content types and a
    drawing's relationships, a part each per chart), they read its tree."""
    return {name: _serialised_problem(snap, name, made) for name, made in snap.spliced.items()
            if isinstance(made, Serialised) and name in snap.pkg.infos and _is_xml(name) and snap.is_deep(name)}


def _xml_problems(snap: _Snapshot, serialised: dict[str, str | None] | None = None) -> list[str]:
    """``serialised``: what :func:`_serialised_problems` found (found here without it)."""
    if serialised is None:
        serialised = _serialised_problems(snap)
    out = []
    checker = safety.Soundness().checker()  # one parser for the parts only checked
    for name in snap.names:
        if _is_xml(name) and snap.is_deep(name):
            if name in snap.spliced:
                made = snap.spliced[name]
                problem = (_made_problem(snap, name, made) if isinstance(made, Made)
                           else serialised[name] if isinstance(made, Serialised)
                           else _spliced_problem(snap, name, made))
                if problem:
                    out.append(problem)
                continue
            if snap.is_big(name):
                problem = snap.scan(name).problem if snap.is_sheet(name) else _stream_problem(snap, name)
                if problem:
                    out.append(problem)
                continue
            try:
                if snap.only_checked(name):
                    safety.check_xml(snap.pkg.read(name), name, snap.path, checker)
                else:
                    snap.pkg.xml(name)  # parsed once: the later checks read the tree
            except KpiError as exc:
                out.append(exc.message)
    return out


def _spliced_problem(snap: _Snapshot, name: str, spliced: Spliced) -> str | None:
    """What a parse of a part the writer spliced would find that the write
    could have caused: the part read back (its CRC checked) must be the bytes
    it assembled, whose every byte outside the new pieces is the original's,
    and the new pieces must be well formed where they stand (their context
    document parsed). The original's own bytes (a big extract's shared
    strings) need not be parsed with the new pieces: the write did not
    change them. But the new pieces are well formed where they stand only if
    the original was, so the original is checked on its own (an unclosed
    item before the end would swallow the appended ones); when it is not well
    formed, the part is checked whole, as any other part, and the caller
    excuses what was the original's own fault exactly as before."""
    try:
        data = snap.pkg.read(name)
        if data != spliced():
            return f"part {name} is not the bytes kpi-xl made for it"
        try:
            safety.check_xml(spliced.original, name, snap.path)
        except KpiError:
            safety.check_xml(data, name, snap.path)  # the whole part, as the other parts
            return None
        safety.check_xml(spliced.context(), name, snap.path)
    except KpiError as exc:
        return exc.message
    return None


def _made_problem(snap: _Snapshot, name: str, made: Made) -> str | None:
    """What a parse of a part the writer made well formed by construction
    (:class:`~kpi_xl.xlsx.package.Made`) would find: the part read back (its
    CRC checked) must be the bytes made. A sheet's part without its rows
    text is parsed, and kept for the style check; should that parse fail,
    the whole part is parsed for the message a whole parse gives."""
    try:
        data = snap.pkg.read_plain(name)  # zipfile's answer, when the entry is as kpi-xl wrote it
        if data is None:
            data = snap.pkg.read(name)
        if data != made():
            return f"part {name} is not the bytes kpi-xl made for it"
        if made.rows is not None:
            lo, hi = made.rows
            try:
                snap.without_rows[name] = safety.parse_xml(data[:lo] + data[hi:], name, snap.path)
            except KpiError:
                snap.pkg.xml(name)
    except KpiError as exc:
        return exc.message
    return None


def _serialised_problem(snap: _Snapshot, name: str, serialised: Serialised) -> str | None:
    """What a parse of a part serialised from the writer's tree would find:
    the part read back (its CRC checked) must be the bytes serialised; then
    the tree is what a parse gives, and the later checks read it."""
    try:
        data = snap.pkg.read_plain(name)  # zipfile's answer, when the entry is as kpi-xl wrote it
        if data is None:
            data = snap.pkg.read(name)
    except KpiError as exc:
        return exc.message
    if data != serialised():
        return f"part {name} is not the bytes kpi-xl made for it"
    snap.pkg.take_tree(name, serialised.root)
    snap.trees.add(name)
    return None


def _sheet_name_problems(wb: WorkbookPart) -> list[str]:
    out, seen = [], {}
    for entry in wb.sheets():
        problem = sheet_name_problem(entry.name)
        if problem:
            out.append(problem)
        key = entry.name.casefold()
        if key in seen:
            out.append(f"sheet names {seen[key]!r} and {entry.name!r} are the same ignoring case")
        seen[key] = entry.name
    return out


def _style_counts(snap: _Snapshot, wb: WorkbookPart) -> tuple[int, int, str | None]:
    from kpi_xl.xlsx.package import REL_STYLES

    found = wb.rels.by_type(REL_STYLES)
    part = wb.rels.target_part(found[0]) if found else None
    if not part or not snap.exists(part):
        return 1, 0, None
    root = snap.pkg.xml(part)
    ns = etree.QName(root).namespace

    def count(section: str, tag: str) -> int:
        el = root.find(f"{{{ns}}}{section}")
        return 0 if el is None else len(el.findall(f"{{{ns}}}{tag}"))

    return count("cellXfs", "xf"), count("dxfs", "dxf"), part


def _style_index_problems(snap: _Snapshot, wb: WorkbookPart) -> list[str]:
    xfs, dxfs, _ = _style_counts(snap, wb)
    out = []
    for entry in wb.sheets():
        if entry.kind != "worksheet" or not entry.part or not snap.exists(entry.part):
            continue
        if not snap.is_deep(entry.part):
            continue
        made = _made_rows_in_range(snap, entry.part, xfs)
        if made is not None:
            root, bad, cells = made, [], None  # the sheet without its rows, whose formats are in range
        elif snap.is_big(entry.part):
            scan = snap.scan(entry.part)
            if scan.problem:
                continue  # reported as XML problem
            root, bad = scan.root, scan.styles_out_of_range(xfs)
            cells = ()
        else:
            try:
                root = snap.pkg.xml(entry.part)
            except KpiError:
                continue  # reported as XML problem
            bad = []
            cells = None
        ns = etree.QName(root).namespace
        if cells is None and _formats_in_range(root, ns, xfs):
            cells = ()  # none to name
        for el in (root.iter(f"{{{ns}}}c", f"{{{ns}}}row") if cells is None else cells):
            s = el.get("s")
            if s is not None and (not s.isdigit() or int(s) >= xfs):
                bad.append(f"{local(el)} {el.get('r', '?')} s={s}")
        for el in root.iter(f"{{{ns}}}col"):
            s = el.get("style")
            if s is not None and (not s.isdigit() or int(s) >= xfs):
                bad.append(f"col {el.get('min')}:{el.get('max')} style={s}")
        for el in root.iter(f"{{{ns}}}cfRule"):
            d = el.get("dxfId")
            if d is not None and (not d.isdigit() or int(d) >= dxfs):
                bad.append(f"conditional format dxfId={d}")
        for item in bad[:3]:
            out.append(f"sheet {entry.name!r}: {item} is out of range (cellXfs {xfs}, dxfs {dxfs})")
    return out


def _formats_in_range(root: etree._Element, ns: str | None, xfs: int) -> bool:
    """Whether every cell's and row's s= is a format index below ``xfs``:
    the distinct values, gathered in C (a sheet has a few hundred formats
    over a hundred thousand cells); the cells are looked at one by one only
    to name those out of range."""
    if ns:
        found = root.xpath(".//m:c/@s | .//m:row/@s", namespaces={"m": ns}, smart_strings=False)
    else:
        found = root.xpath(".//c/@s | .//row/@s", smart_strings=False)
    return all(s.isdigit() and int(s) < xfs for s in set(found))


def _made_rows_in_range(snap: _Snapshot, part: str, xfs: int) -> etree._Element | None:
    """A Made sheet's part without its rows, when the formats its rows' cells
    may carry are all below ``xfs`` (the rest of the part is checked as any
    sheet's); None to check the whole part (a format out of range is then
    reported as a parse of the whole part finds it)."""
    made = snap.spliced.get(part)
    root = snap.without_rows.get(part)
    if root is None or not isinstance(made, Made) or not all(0 <= s < xfs for s in made.styles):
        return None
    return root


class _SheetScan:
    """One streamed pass over a huge sheet part: whether it is well formed,
    its element counts and its cells' and rows' style indices, holding one
    row at a time (the rest of the sheet, outside sheetData, is kept).
    """

    def __init__(self, problem: str | None, root: etree._Element | None, rows: Counter,
                 cell_styles: dict[str, list[tuple[tuple[int, int], str, str]]]):
        self.problem = problem
        self.root = root  # the sheet without its rows
        self.rows = rows  # counts of the rows and of the elements in them
        # style index -> its first uses (order, "row"/"c", ref): a sheet uses a few
        # hundred formats over millions of cells, and the check reports three
        self.cell_styles = cell_styles

    def styles_out_of_range(self, xfs: int) -> list[str]:
        """The first rows and cells whose s= is not a format index below ``xfs``."""
        bad = sorted(use + (s,) for s, uses in self.cell_styles.items()
                     if not s.isdigit() or int(s) >= xfs for use in uses)
        return [f"{kind} {ref} s={s}" for _, kind, ref, s in bad[:3]]

    @classmethod
    def of(cls, snap: _Snapshot, name: str) -> "_SheetScan":
        rows: Counter = Counter()
        styles: dict[str, list[tuple[tuple[int, int], str, str]]] = {}
        try:
            with snap.pkg.zip.open(name) as stream:
                head = stream.read(safety.MAX_PROLOGUE)
            if safety._prologue_has_dtd(head):
                return cls(f"part {name} declares a DTD or XML entities", None, rows, styles)
            root_tag = _root_tag(head)
            with snap.pkg.zip.open(name) as stream:
                ns = etree.QName(root_tag).namespace if root_tag else None
                # Only rows come back to Python (the parser filters the rest
                # in C); the tree keeps everything else for element_counts.
                parser = etree.iterparse(stream, events=("end",), tag=f"{{{ns}}}row" if ns else "row",
                                         resolve_entities=False, no_network=True, load_dtd=False,
                                         huge_tree=True)
                root = cls._stream(parser, rows, styles)
        except etree.XMLSyntaxError as exc:
            return cls(f"part {name} is not well-formed XML ({exc})", None, rows, styles)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            return cls(f"part {name} cannot be read ({exc})", None, rows, styles)
        return cls(None, root, rows, styles)

    @staticmethod
    def _stream(parser, rows: Counter, styles: dict) -> etree._Element:
        data_tag = None
        for _, row in parser:
            if data_tag is None:
                data_tag = f"{{{etree.QName(row).namespace}}}sheetData"
            parent = row.getparent()
            if parent is None or parent.tag != data_tag:
                continue
            rows[row.tag] += 1
            number = rows[row.tag]
            if row.get("s") is not None:
                _note_style(styles, row.get("s"), (number, -1), row, "row")
            for i, c in enumerate(row):
                if isinstance(c.tag, str):
                    rows[c.tag] += 1
                    s = c.get("s")
                    if s is not None and len(styles.get(s, ())) < 3:
                        _note_style(styles, s, (number, i), c, local(c))
            forget(row)  # rows already counted
        root = parser.root  # set once the parser has read the whole part
        for data in root.iter(f"{{{etree.QName(root).namespace}}}sheetData"):
            del data[:]
        return root

    def counts(self, managed) -> Counter:
        """:func:`element_counts` of the whole sheet."""
        counts = element_counts(self.root, managed)
        counts.update(self.rows)
        return counts


def _stream_problem(snap: _Snapshot, name: str) -> str | None:
    """What :class:`_SheetScan` reports of a huge part that is not a sheet
    (the shared strings of a big extract: only its soundness is checked),
    without building its elements."""
    try:
        with snap.pkg.zip.open(name) as stream:
            head = stream.read(safety.MAX_PROLOGUE)
            if safety._prologue_has_dtd(head):
                return f"part {name} declares a DTD or XML entities"
            seen = safety.Soundness()
            parser = seen.parser(huge_tree=True)
            chunk = head
            while chunk:
                parser.feed(chunk)
                chunk = stream.read(1 << 20)
            parser.close()
            if seen.declares_dtd:
                return f"part {name} declares a DTD or XML entities"
    except etree.XMLSyntaxError as exc:
        return f"part {name} is not well-formed XML ({exc})"
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return f"part {name} cannot be read ({exc})"
    return None


def _note_style(styles: dict, s: str, order: tuple[int, int], el: etree._Element, kind: str) -> None:
    uses = styles.setdefault(s, [])
    if len(uses) < 3:
        uses.append((order, kind, el.get("r", "?")))


def _root_tag(head: bytes) -> str | None:
    """The root element's {namespace}name from the start of a part."""
    try:
        for _, el in etree.iterparse(io.BytesIO(head), events=("start",), resolve_entities=False,
                                     no_network=True, load_dtd=False, recover=True):
            return el.tag
    except etree.XMLSyntaxError:
        return None
    return None


def problems_of(snap: _Snapshot) -> list[str]:
    serialised = _serialised_problems(snap)
    out = _content_type_problems(snap) + _relationship_problems(snap) + _xml_problems(snap, serialised)
    try:
        wb = WorkbookPart(snap.pkg)
    except KpiError as exc:
        return out + [exc.message]
    out += _sheet_name_problems(wb)
    out += _style_index_problems(snap, wb)
    return out


# ------------------------------------------------------------ before/after

def element_counts(root: etree._Element, managed_sqrefs: Iterable[str] = ()) -> Counter:
    """Count the elements of a sheet by kind, leaving out what cells hold
    (writing a cell means changing it) and the conditional formats on the
    ranges kpi-xl manages (replacing its own rules is allowed)."""
    return SheetCounts(root).of(managed_sqrefs)


class SheetCounts:
    """:func:`element_counts` of one sheet's tree for any managed ranges,
    counted once: the counts of each child of the sheet in turn, a
    conditionalFormatting's with its sqref. The writer counts a sheet it
    patches so when it parses it (:meth:`Package.count_original`), before it
    changes the tree, and the check compares the sheet written with those
    counts instead of parsing the original part again."""

    def __init__(self, root: etree._Element):
        ns = etree.QName(root).namespace
        data, formats = f"{{{ns}}}sheetData", f"{{{ns}}}conditionalFormatting"
        # (sqref of a conditionalFormatting or None, its counts), in the children's order
        self.pieces: list[tuple[str | None, Counter]] = [(None, Counter([root.tag]))]
        for child in root:
            if not isinstance(child.tag, str):
                continue
            if child.tag == data:
                # rows and their cells counted in C (a sheet holds a hundred thousand),
                # the comments among them (whose tag is not a name) dropped after
                inside = Counter(map(_TAG, child))
                inside.update(map(_TAG, chain.from_iterable(child)))
                piece = Counter({child.tag: 1})
                piece.update({tag: n for tag, n in inside.items() if isinstance(tag, str)})
                self.pieces.append((None, piece))
                continue
            piece = Counter(el.tag for el in child.iter() if isinstance(el.tag, str))
            self.pieces.append((child.get("sqref", "") if child.tag == formats else None, piece))

    def of(self, managed_sqrefs: Iterable[str] = ()) -> Counter:
        managed = set(managed_sqrefs)
        counts: Counter = Counter()
        for sqref, piece in self.pieces:
            if managed and sqref is not None and _managed(sqref, managed):
                continue
            counts.update(piece)
        return counts


_TAG = attrgetter("tag")


def _managed(sqref: str, managed: set[str]) -> bool:
    """Whether a conditionalFormatting's ``sqref`` is one kpi-xl manages."""
    try:
        return normalise_sqref(sqref) in managed
    except KpiError:
        return False


def _owned_parts(pkg: Package, wb: WorkbookPart) -> set[str]:
    """Parts of the sheets kpi-xl owns, and everything hanging off them."""
    names = set(wb.owned_roles().values())
    out: set[str] = set()
    stack = [e.part for e in wb.sheets() if e.name in names and e.part]
    while stack:
        part = stack.pop()
        if part in out or not pkg.exists(part):
            continue
        out.add(part)
        rels = pkg.rels(part)
        for rel in rels:
            target = rels.target_part(rel)
            if target:
                stack.append(target)
    return out


def _compare(before: _Snapshot, after: _Snapshot) -> list[str]:
    out = []
    wb_before = WorkbookPart(before.pkg)
    owned = _owned_parts(before.pkg, wb_before)
    calc = {n for n in before.names if n.lower().endswith("calcchain.xml")}
    for name in before.names:
        if not after.exists(name) and name not in owned and name not in calc \
                and source_of_rels(name) not in owned:
            out.append(f"part {name} was lost")
    for entry in wb_before.sheets():
        if entry.kind != "worksheet" or not entry.part or entry.part in owned:
            continue
        if not after.exists(entry.part) or not after.is_deep(entry.part):
            continue
        managed = wb_before.cf_marker(entry.index).keys()
        lost = _lost_counts(_sheet_counts(before, entry.part, managed),
                            _sheet_counts(after, after.lower[entry.part.lower()], managed))
        if lost:
            out.append(f"sheet {entry.name!r} lost {lost}")
    _, _, styles = _style_counts(before, wb_before)
    if styles and after.exists(styles) and after.is_deep(styles):
        lost = _lost(before.pkg.xml(styles), after.pkg.xml(styles), ())
        if lost:
            out.append(f"styles lost {lost}")
    return out


def _sheet_counts(snap: _Snapshot, part: str, managed) -> Counter:
    if snap.is_big(part):
        scan = snap.scan(part)
        if scan.problem:
            raise WorkbookError(scan.problem)
        return scan.counts(managed)
    counted = snap.pkg.original_counts.get(part)  # the writer's count of the part it parsed
    return counted.of(managed) if counted is not None else element_counts(snap.pkg.xml(part), managed)


def _lost(before_root, after_root, managed) -> str:
    return _lost_counts(element_counts(before_root, managed), element_counts(after_root, managed))


def _lost_counts(b: Counter, a: Counter) -> str:
    missing = [(tag, n - a.get(tag, 0)) for tag, n in b.items() if a.get(tag, 0) < n]
    return ", ".join(f"{n} <{etree.QName(tag).localname}>" for tag, n in missing[:5])


def _made_parts(pkg: Package) -> "dict[str, Spliced | Made | Serialised]":
    """The parts the writer spliced, made as text or serialised from a
    tree it still holds (a part put anew since it was serialised is parsed)."""
    out: dict = {name: value for name, value in pkg.new.items() if isinstance(value, (Spliced, Made))}
    out.update((name, ser) for name, ser in pkg.serialised.items() if pkg.new.get(name) is ser.root)
    return out


def check_package(path: str | os.PathLike, before: "str | os.PathLike | Package | None" = None, *,
                  parts: Iterable[str] | None = None) -> list[str]:
    """Problems of the package at ``path`` (empty: sound).

    Relationship targets exist, every part has a content type, XML parts are
    well formed, style and dxf indices are in range, sheet names are valid
    and unique. With ``before`` (the original): only problems the original
    did not have (``before`` may be the package the writer read, open),
    plus every sheet keeping each kind of element it had
    (except what cells hold and kpi-xl's own conditional formats) and no
    part lost except kpi-xl's own sheets and calcChain. ``parts`` limits the
    parsing checks to the parts that were rewritten (the others are
    byte-for-byte copies of ``before``).
    """
    path = Path(path)
    deep = set(parts) if parts is not None else None
    try:
        # Opened once, with what assert_readable checks (the parts parsed
        # below are not also opened for their DTD first).
        safety.check_path(path)
        opened = Package(path, checked=True, parsed=deep or ())
    except KpiError as exc:
        return [str(exc)]
    # The writer's package knows which parts it spliced (checked by their new
    # pieces) and which it made well formed (read back and compared).
    spliced = _made_parts(before) if isinstance(before, Package) and deep is not None else {}
    after = _Snapshot(opened, deep, spliced, own=True)
    try:
        found = problems_of(after)
        if before is None:
            return found
        prior = _Snapshot(before if isinstance(before, Package) else Path(before), deep)
        try:
            # The original's own faults only excuse faults found here: with
            # none found (every sound write) it is not checked whole.
            known = set(problems_of(prior)) if found else set()
            return [p for p in found if p not in known] + _compare(prior, after)
        finally:
            prior.close()
    except (KpiError, zipfile.BadZipFile, etree.XMLSyntaxError, ValueError) as exc:
        return [f"cannot check the package: {exc}"]
    finally:
        after.close()
