"""workbook.xml and what hangs off it: sheet entries, defined names (and the
markers kpi-xl keeps in hidden ones), sheet positions, docProps/app.xml titles.

Markers. kpi-xl needs to find its own things again after an officer has
renamed, moved or re-saved the workbook in Excel, which keeps hidden defined
names through all of that:
- ``_kpixl_owned`` (scoped to a sheet) holds the role of a sheet kpi-xl owns,
  e.g. ``"exceptions"``;
- ``_kpixl_cf`` (scoped to a sheet) lists the ranges on which kpi-xl wrote
  conditional formatting and a fingerprint of each rule it wrote there, so a
  later refresh replaces its own rules and never the officer's.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from lxml import etree

from kpi_xl.errors import Place, WriteError, quote_sheet
from kpi_xl.xlsx.namespaces import (CF_NAME, CT_WORKSHEET, MAIN_NS, OWNED_NAME, PRINT_TITLES, R_NS,
                                    REL_CHARTSHEET, REL_EXTENDED_PROPERTIES, REL_SHARED_STRINGS,
                                    REL_WORKSHEET, SIG_NAME, VT_NS)
from kpi_xl.xlsx.package import Package, workbook_part
from kpi_xl.xlsx.refs import FORBIDDEN_SHEET_CHARS, MAX_SHEET_NAME, sheet_name_problem  # noqa: F401
from kpi_xl.xlsx.xmlutil import insert_in_order, local

SIG_ROWS = 5  # the cells fingerprinted: kpi-xl's text in the sheet's first rows

WORKBOOK_ORDER = ("fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
                  "functionGroups", "externalReferences", "definedNames", "calcPr", "oleSize",
                  "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
                  "fileRecoveryPr", "webPublishObjects", "extLst")

MAX_STRING_CONSTANT = 255


def string_constant(text: str) -> str:
    """A formula holding ``text``: "..." (joined with & past 255 characters)."""
    chunks = [text[i:i + MAX_STRING_CONSTANT] for i in range(0, len(text), MAX_STRING_CONSTANT)] or [""]
    return "&".join('"' + c.replace('"', '""') + '"' for c in chunks)


_CONSTANT = re.compile(r'\s*"((?:[^"]|"")*)"\s*(&|$)')


def parse_string_constant(formula: str | None) -> str | None:
    """Inverse of :func:`string_constant`; None for any other formula."""
    if formula is None:
        return None
    text = formula.strip()
    if text.startswith("="):
        text = text[1:]
    out, pos = [], 0
    while pos < len(text):
        match = _CONSTANT.match(text, pos)
        if not match:
            return None
        out.append(match.group(1).replace('""', '"'))
        pos = match.end()
        if match.group(2) == "" and pos < len(text):
            return None
    return "".join(out) if out else None


def _sheet_reference(name: str) -> re.Pattern:
    """References into sheet ``name`` in a formula: Name!A1, 'My name'!$A$1:$B$2."""
    quoted = "'" + re.escape(name.replace("'", "''")) + "'"
    options = [quoted] + ([re.escape(name)] if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) else [])
    cell = r"\$?[A-Za-z]{0,3}\$?[0-9]{0,7}"
    return re.compile(r"(?<![A-Za-z0-9_.'])(?:" + "|".join(options) + r")!" + cell + r"(?::" + cell + r")?",
                      re.IGNORECASE)


@dataclass
class SheetEntry:
    index: int  # position in the workbook (what localSheetId counts)
    name: str
    sheet_id: int
    rid: str
    part: str | None
    kind: str  # "worksheet", "chartsheet", "other"
    element: etree._Element


class WorkbookPart:
    """The workbook part, its relationships and its defined names."""

    def __init__(self, pkg: Package):
        self.pkg = pkg
        self.part = workbook_part(pkg)
        self.root = pkg.xml(self.part)
        self.ns = etree.QName(self.root).namespace or MAIN_NS
        self.rels = pkg.rels(self.part)
        self._trusted: set[int] = set()  # sheets whose signature this run wrote
        self._verified: dict[tuple[int, str], bool] = {}

    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def changed(self) -> None:
        self.pkg.put_xml(self.part, self.root)

    # -- sheets
    def _sheets_el(self) -> etree._Element:
        el = self.root.find(self.q("sheets"))
        if el is None:
            raise WriteError("workbook.xml has no <sheets>", Place(file=str(self.pkg.path)))
        return el

    def sheets(self) -> list[SheetEntry]:
        out = []
        for el in self._sheets_el().findall(self.q("sheet")):
            rid = el.get(f"{{{R_NS}}}id", "")
            rel = self.rels.by_id(rid)
            part = self.rels.target_part(rel) if rel is not None else None
            kind = "other"
            if rel is not None and rel.type == REL_WORKSHEET:
                kind = "worksheet"
            elif rel is not None and rel.type == REL_CHARTSHEET:
                kind = "chartsheet"
            try:
                sheet_id = int(el.get("sheetId", "0"))
            except ValueError:
                sheet_id = 0
            out.append(SheetEntry(len(out), el.get("name", ""), sheet_id, rid, part, kind, el))
        return out

    def find_sheet(self, name: str) -> SheetEntry | None:
        """The sheet called ``name`` (exactly, else ignoring case as Excel does)."""
        sheets = self.sheets()
        for entry in sheets:
            if entry.name == name:
                return entry
        folded = name.casefold()
        return next((e for e in sheets if e.name.casefold() == folded), None)

    def check_new_name(self, name: str, ignore_index: int | None = None) -> None:
        problem = sheet_name_problem(name)
        if problem:
            raise WriteError(problem, Place(file=str(self.pkg.path)))
        for entry in self.sheets():
            if entry.index != ignore_index and entry.name.casefold() == name.casefold():
                raise WriteError(f"a sheet named {entry.name!r} already exists and is not kpi-xl's; "
                                 "rename it or choose another name for the new sheet",
                                 Place(file=str(self.pkg.path)))

    def add_sheet(self, name: str, part: str, position: int | None) -> SheetEntry:
        """Add a worksheet entry (relationship, <sheet>, content type) at
        ``position`` (default: last), shifting sheet-scoped names and views."""
        self.check_new_name(name)
        sheets = self.sheets()
        position = len(sheets) if position is None else max(0, min(position, len(sheets)))
        rid = self.rels.add(REL_WORKSHEET, part)
        self.pkg.content_types_set_override(part, CT_WORKSHEET)
        el = etree.Element(self.q("sheet"))
        el.set("name", name)
        el.set("sheetId", str(max([e.sheet_id for e in sheets] + [0]) + 1))
        el.set(f"{{{R_NS}}}id", rid)
        container = self._sheets_el()
        if position < len(sheets):
            sheets[position].element.addprevious(el)
        elif sheets:
            sheets[-1].element.addnext(el)
        else:
            container.append(el)
        self._shift_indices(position, +1)
        self.changed()
        return self.sheets()[position]

    def remove_sheet(self, entry: SheetEntry) -> None:
        """Remove a sheet's entry, relationship and sheet-scoped names (the
        caller removes its parts). Other names that pointed into the sheet
        now say #REF!, as Excel does when a sheet is deleted."""
        reference = _sheet_reference(entry.name)
        for name in self.defined_names():
            if name.get("localSheetId") == str(entry.index):
                name.getparent().remove(name)
            elif name.text and reference.search(name.text):
                name.text = reference.sub("#REF!", name.text)
        entry.element.getparent().remove(entry.element)
        self.rels.remove(entry.rid)
        self._shift_indices(entry.index, -1)
        self._drop_empty_defined_names()
        self.changed()

    def _shift_indices(self, position: int, delta: int) -> None:
        """Keep localSheetId and the workbook views pointing at the same sheets
        after one is inserted (+1) or removed (-1) at ``position``."""
        for name in self.defined_names():
            value = name.get("localSheetId")
            if value is not None and value.isdigit():
                index = int(value)
                if index > position or (delta > 0 and index == position):
                    name.set("localSheetId", str(index + delta))
        count = len(self.sheets())
        for view in self.root.iter(self.q("workbookView")):
            for attr in ("activeTab", "firstSheet"):
                value = view.get(attr)
                if value is None or not value.isdigit():
                    continue
                index = int(value)
                if index > position or (delta > 0 and index == position):
                    index += delta
                index = max(0, min(index, count - 1))
                if attr == "activeTab":
                    index = self._visible_near(index)
                view.set(attr, str(index))

    def _visible_near(self, index: int) -> int:
        sheets = self.sheets()
        order = sorted(range(len(sheets)), key=lambda i: (abs(i - index), i))
        for i in order:
            if sheets[i].element.get("state", "visible") == "visible":
                return i
        return index

    # -- defined names
    def defined_names(self) -> list[etree._Element]:
        container = self.root.find(self.q("definedNames"))
        return [] if container is None else container.findall(self.q("definedName"))

    def _defined_names_el(self) -> etree._Element:
        container = self.root.find(self.q("definedNames"))
        if container is None:
            container = insert_in_order(self.root, etree.Element(self.q("definedNames")), WORKBOOK_ORDER)
        return container

    def _drop_empty_defined_names(self) -> None:
        container = self.root.find(self.q("definedNames"))
        if container is not None and not len(container):
            self.root.remove(container)

    def marker(self, name: str, index: int) -> etree._Element | None:
        for el in self.defined_names():
            if el.get("name") == name and el.get("localSheetId") == str(index):
                return el
        return None

    def set_marker(self, name: str, index: int, value: str | None) -> None:
        """Create, update or (value None) remove a hidden sheet-scoped name
        holding a string constant."""
        self._set_sheet_name(name, index, None if value is None else string_constant(value), hidden=True)

    def set_print_titles(self, index: int, sheet_name: str, rows: str | None) -> None:
        """Excel's Print_Titles for the sheet at ``index``: ``rows`` ("4:4", "1:3")
        repeat at the top of every printed page; None removes them."""
        formula = None
        if rows is not None:
            first, _, last = rows.partition(":")
            formula = f"{quote_sheet(sheet_name)}!${int(first)}:${int(last or first)}"
        self._set_sheet_name(PRINT_TITLES, index, formula, hidden=False)

    def _set_sheet_name(self, name: str, index: int, formula: str | None, hidden: bool) -> None:
        """Create, update or (formula None) remove the defined name ``name``
        scoped to the sheet at ``index``; kpi-xl's markers are ``hidden``."""
        el = self.marker(name, index)
        if formula is None:
            if el is not None:
                el.getparent().remove(el)
                self._drop_empty_defined_names()
                self.changed()
            return
        if el is not None and el.text == formula and (not hidden or el.get("hidden") == "1"):
            return
        if el is None:
            el = etree.SubElement(self._defined_names_el(), self.q("definedName"))
            el.set("name", name)
            if hidden:
                el.set("hidden", "1")
            el.set("localSheetId", str(index))
        if hidden:
            el.set("hidden", "1")
        el.text = formula
        self.changed()

    def marker_value(self, name: str, index: int) -> str | None:
        el = self.marker(name, index)
        return None if el is None else parse_string_constant(el.text)

    def owned_candidates(self) -> dict[str, list[SheetEntry]]:
        """Role -> the sheets marked with it, oldest first (lowest sheetId).

        Copying a sheet in Excel copies its sheet-scoped names, so an
        officer's copy of an owned sheet carries the marker too; the copy
        always has a higher sheetId than the original."""
        sheets = self.sheets()
        out: dict[str, list[SheetEntry]] = {}
        for el in self.defined_names():
            if el.get("name") != OWNED_NAME:
                continue
            role = parse_string_constant(el.text)
            index = el.get("localSheetId")
            if role and index and index.isdigit() and int(index) < len(sheets) \
                    and self._signature_holds(sheets[int(index)]):
                out.setdefault(role, []).append(sheets[int(index)])
        for entries in out.values():
            entries.sort(key=lambda e: e.sheet_id)
        return out

    def set_signature(self, entry: SheetEntry, pairs: list[tuple[str, str]]) -> None:
        """Record what kpi-xl wrote on ``entry`` (ref, text pairs of its first rows)."""
        refs = ",".join(ref for ref, _ in pairs)
        self.set_marker(SIG_NAME, entry.index, f"{entry.sheet_id}|{refs}|{fingerprint(pairs)}")
        self._trusted.add(entry.index)

    def _signature_holds(self, entry: SheetEntry) -> bool:
        """False for a copy (another sheetId); RefusedFile for a sheet whose
        kpi-xl cells were changed. A sheet marked before signatures holds."""
        if entry.index in self._trusted:
            return True
        value = self.marker_value(SIG_NAME, entry.index)
        if not value:
            return True
        key = (entry.index, value)
        if key not in self._verified:
            self._verified[key] = self._check_signature(entry, value)
        return self._verified[key]

    def _check_signature(self, entry: SheetEntry, value: str) -> bool:
        from kpi_xl.errors import RefusedFile

        sheet_id, _, rest = value.partition("|")
        refs_text, _, digest = rest.rpartition("|")
        if not sheet_id.isdigit() or int(sheet_id) != entry.sheet_id:
            return False  # a copy of kpi-xl's sheet: the officer's own
        refs = [r for r in refs_text.split(",") if r]
        texts = sheet_texts(self.pkg, self, entry.part, refs) if entry.part else {}
        pairs = [(ref, texts.get(ref, "")) for ref in refs]
        if fingerprint(pairs) != digest:
            changed = next((ref for ref in refs if not texts.get(ref)), refs[0] if refs else "")
            raise RefusedFile(f"sheet {entry.name!r} carries kpi-xl's marker but is not as kpi-xl left it "
                              f"(e.g. cell {changed}), so kpi-xl will not regenerate it; rename it to keep it "
                              "as your own sheet, or delete it and run again", Place(file=str(self.pkg.path)))
        return True

    def owned_roles(self) -> dict[str, str]:
        """Role -> name of the sheet kpi-xl owns in that role."""
        return {role: entries[0].name for role, entries in self.owned_candidates().items()}

    def owned_entry(self, role: str, prefer_name: str | None = None) -> SheetEntry | None:
        entries = self.owned_candidates().get(role, [])
        if prefer_name is not None:
            for entry in entries:
                if entry.name.casefold() == prefer_name.casefold():
                    return entry
        return entries[0] if entries else None

    def cf_marker(self, index: int) -> dict[str, list[str]]:
        """sqref -> fingerprints of the rules kpi-xl wrote there."""
        value = self.marker_value(CF_NAME, index) or ""
        out: dict[str, list[str]] = {}
        for item in value.split(";"):
            sqref, _, prints = item.partition("=")
            if sqref.strip():
                out[sqref.strip()] = [p for p in prints.split(",") if p]
        return out

    def set_cf_marker(self, index: int, marker: dict[str, list[str]]) -> None:
        value = ";".join(f"{k}={','.join(v)}" for k, v in marker.items() if v)
        self.set_marker(CF_NAME, index, value or None)

    def recalculate_on_open(self) -> None:
        """Ask Excel to recalculate every formula when it opens the workbook:
        formulas elsewhere may depend on the values we wrote, and their
        cached results would otherwise stay stale until the next recalc."""
        calc = self.root.find(self.q("calcPr"))
        if calc is None:
            calc = insert_in_order(self.root, etree.Element(self.q("calcPr")), WORKBOOK_ORDER)
        if calc.get("fullCalcOnLoad") in ("1", "true"):
            return
        calc.set("fullCalcOnLoad", "1")
        self.changed()

    # -- docProps/app.xml
    def app_part(self) -> str | None:
        for rel in self.pkg.rels("").by_type(REL_EXTENDED_PROPERTIES):
            part = self.pkg.rels("").target_part(rel)
            if part and self.pkg.exists(part):
                return part
        return None

    def update_app_titles(self, before: list[str], after: list[str]) -> None:
        """Make docProps/app.xml list the worksheets ``after`` instead of
        ``before`` (names in workbook order). Left alone when its lists do
        not match the workbook: it is informational and Excel rewrites it."""
        part = self.app_part()
        if part is None or before == after:
            return
        root = self.pkg.xml(part)
        ns = etree.QName(root).namespace
        pairs = root.find(f"{{{ns}}}HeadingPairs/{{{VT_NS}}}vector")
        titles = root.find(f"{{{ns}}}TitlesOfParts/{{{VT_NS}}}vector")
        if pairs is None or titles is None:
            return
        variants = pairs.findall(f"{{{VT_NS}}}variant")
        groups = []
        for i in range(0, len(variants) - 1, 2):
            count_el = next((c for c in variants[i + 1] if local(c) in ("i4", "int", "i2", "i8")), None)
            if count_el is None or not (count_el.text or "").strip().lstrip("-").isdigit():
                return
            groups.append(count_el)
        items = titles.findall(f"{{{VT_NS}}}lpstr")
        start = 0
        for count_el in groups:
            count = int(count_el.text)
            if [t.text or "" for t in items[start:start + count]] == before:
                self._rewrite_titles(titles, items[start:start + count], after, start)
                count_el.text = str(len(after))
                titles.set("size", str(len(titles.findall(f"{{{VT_NS}}}lpstr"))))
                self.pkg.put_xml(part, root)
                return
            start += count

    @staticmethod
    def _rewrite_titles(titles, old_items, names, start) -> None:
        position = titles.index(old_items[0]) if old_items else start
        for el in old_items:
            titles.remove(el)
        for offset, name in enumerate(names):
            el = etree.Element(f"{{{VT_NS}}}lpstr")
            el.text = name
            titles.insert(position + offset, el)

    def shared_strings_part(self) -> str | None:
        """The workbook's shared strings part, when it has one."""
        for rel in self.rels.by_type(REL_SHARED_STRINGS):
            target = self.rels.target_part(rel)
            if target and self.pkg.exists(target):
                return target
        return None

    def worksheet_names(self) -> list[str]:
        return [e.name for e in self.sheets() if e.kind == "worksheet"]


def owned_sheets(source: "str | os.PathLike | Package") -> dict[str, str]:
    """Role -> current sheet name of the sheets kpi-xl owns (marked by a hidden
    sheet-scoped defined name ``_kpixl_owned`` holding the role). ``source``:
    the workbook's path, or the package a refresh has open."""
    if isinstance(source, Package):
        return WorkbookPart(source).owned_roles()
    with Package.open(source) as pkg:
        return WorkbookPart(pkg).owned_roles()


def fingerprint(pairs: list[tuple[str, str]]) -> str:
    import hashlib

    text = "\n".join(f"{ref}\t{value}" for ref, value in pairs)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def sheet_texts(pkg: Package, workbook: "WorkbookPart", part: str, refs: list[str]) -> dict[str, str]:
    """The text of some cells of a sheet part (shared or inline strings)."""
    from kpi_xl.xlsx.shared_strings import SharedStrings, string_item_text

    if not pkg.exists(part):
        return {}
    wanted = set(refs)
    root = pkg.xml(part)
    ns = etree.QName(root).namespace or MAIN_NS
    strings = SharedStrings(pkg, workbook.shared_strings_part())
    out: dict[str, str] = {}
    try:
        for c in root.iter(f"{{{ns}}}c"):
            ref = c.get("r")
            if ref not in wanted:
                continue
            kind = c.get("t")
            if kind == "inlineStr":
                si = c.find(f"{{{ns}}}is")
                out[ref] = string_item_text(si)[0] if si is not None else ""
            elif kind == "s":
                v = c.findtext(f"{{{ns}}}v")
                text = strings.text(int(v)) if v is not None and v.strip().isdigit() else None
                if text is not None:
                    out[ref] = text
            elif kind == "str":
                out[ref] = c.findtext(f"{{{ns}}}v") or ""
    finally:
        strings.close()
    return out
