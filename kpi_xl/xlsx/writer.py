"""Apply a :class:`~kpi_xl.plan.Plan` to an .xlsx/.xlsm file by patching its package.

Never load-and-save: parts the plan does not concern are copied as their
raw compressed bytes, and the parts it does concern are edited element by
element. The file is replaced only after the new package has been written
beside it, re-opened and checked; until then the original is untouched.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass, field, replace
from itertools import compress, repeat
from operator import ge
from pathlib import Path
from typing import BinaryIO, Iterable, Literal

from kpi_xl.errors import KpiError, Place, RefusedFile, WorkbookError, WriteError
from kpi_xl.finding_types import HARD_LINKS_BROKEN, PROTECTED_CELLS_SKIPPED, FindingType
from kpi_xl.plan import (AddConditionalFormat, OwnedSheet, Plan, RemoveSheet, SetCell, SetColumnWidth,
                         SparklineGroup, Style, merge_styles)
from kpi_xl.xlsx import big_sheet, lock, safety
from kpi_xl.xlsx.calc_chain import CalcChain
from kpi_xl.xlsx.conditional import ConditionalFormats
from kpi_xl.xlsx.package import Package, source_of_rels
from kpi_xl.xlsx.shared_strings import SharedStrings
from kpi_xl.xlsx.refs import cell_ref, parse_cell
from kpi_xl.xlsx.worksheet import SheetPatcher
from kpi_xl.xlsx.styles import Styles
from kpi_xl.xlsx.workbook_part import CF_NAME, OWNED_NAME, SIG_ROWS, WorkbookPart

Backup = Literal["bak", "timestamp", "none"]


@dataclass(frozen=True)
class WriteNote:
    """What a user should know about a write, with the finding type the
    refresh reports it as (the writer knows which it is; its words may change)."""

    kind: FindingType  # HARD_LINKS_BROKEN or PROTECTED_CELLS_SKIPPED
    text: str


@dataclass
class WriteResult:
    output: Path
    backup: Path | None = None
    changed_parts: list[str] = field(default_factory=list)
    added_parts: list[str] = field(default_factory=list)
    removed_parts: list[str] = field(default_factory=list)
    changed: bool = False
    dry_run: bool = False
    original: Path | None = None  # BOOK.orig.xlsx, when this write made it
    notes: list[WriteNote] = field(default_factory=list)  # what the user should know

    def as_dict(self) -> dict:
        return {
            "output": str(self.output),
            "backup": str(self.backup) if self.backup else None,
            "original": str(self.original) if self.original else None,
            "notes": [note.text for note in self.notes],
            "changed": self.changed,
            "dry_run": self.dry_run,
            "changed_parts": list(self.changed_parts),
            "added_parts": list(self.added_parts),
            "removed_parts": list(self.removed_parts),
        }


class WriteContext:
    """The workbook-wide parts a plan touches, created on first use."""

    def __init__(self, pkg: Package):
        self.pkg = pkg
        self.file = pkg.path
        self.workbook = WorkbookPart(pkg)
        self._styles: Styles | None = None
        self.strings = SharedStrings(pkg, self.workbook.shared_strings_part())
        self.calc = CalcChain(pkg, self.workbook.part)
        self.patchers: dict[str, SheetPatcher] = {}
        self._by_name: dict[str, SheetPatcher] = {}
        self.cf_markers: dict[str, dict[str, list[str]]] = {}
        self.worksheets_before = self.workbook.worksheet_names()
        self.protected: str = "refuse"
        self.skipped_protected: list[str] = []
        self.cells_by_part: dict[str, set[tuple[int, int]]] = {}

    @property
    def styles(self) -> Styles:
        if self._styles is None:
            self._styles = Styles(self.pkg, self.workbook.part)
        return self._styles

    # -- sheets
    def patcher(self, sheet: str) -> SheetPatcher:
        known = self._by_name.get(sheet)
        if known is not None and self.patchers.get(known.part) is known:
            return known
        entry = self.workbook.find_sheet(sheet)
        if entry is None:
            names = ", ".join(repr(e.name) for e in self.workbook.sheets())
            raise WriteError(f"no sheet named {sheet!r} (sheets: {names})", Place(file=str(self.file)))
        if entry.kind != "worksheet" or not entry.part or not self.pkg.exists(entry.part):
            raise WriteError(f"sheet {entry.name!r} is not a worksheet kpi-xl can write into",
                             Place(file=str(self.file), sheet=entry.name))
        earlier = self.patchers.get(entry.part)
        if earlier is None or earlier.rows_as_text:  # an owned sheet's rows are in its part, not its tree
            root, splice = self._sheet_tree(entry.part)
            self.patchers[entry.part] = SheetPatcher(self, entry.name, entry.part, entry.sheet_id, root)
            self.patchers[entry.part].splice = splice
            self.patchers[entry.part].values_changed = earlier is not None and earlier.values_changed
        self._by_name[sheet] = self.patchers[entry.part]
        return self.patchers[entry.part]

    def _sheet_tree(self, part: str):
        """(tree, splice) of a sheet to patch: a huge sheet as a partial tree
        holding the rows the plan writes (:mod:`kpi_xl.xlsx.big_sheet`),
        any other sheet whole (splice None)."""
        if self._big(part) and part not in self.pkg.new:
            splice = big_sheet.load(self.pkg.original_bytes(part), part, self.file,
                                    self.cells_by_part.get(part, set()))
            if splice is not None:
                return splice.root, splice
        root = self.pkg.xml(part)
        if part not in self.pkg.new and part not in self.pkg.original_counts:
            # As parsed, before any change: what the check compares the sheet written with
            # (it would parse the original part again for them).
            from kpi_xl.xlsx.integrity import SheetCounts

            self.pkg.original_counts[part] = SheetCounts(root)
        return root, None

    def note_cells(self, changes: list) -> None:
        """Record which cells the plan writes on each huge sheet (what its
        partial tree must hold); the cells of other sheets are not parsed here."""
        parts: dict[str, str | None] = {}
        for change in changes:
            if not isinstance(change, SetCell):
                continue
            if change.sheet not in parts:
                entry = self.workbook.find_sheet(change.sheet)
                parts[change.sheet] = entry.part if entry is not None and self._big(entry.part) else None
            part = parts[change.sheet]
            if part is not None:
                try:
                    self.cells_by_part.setdefault(part, set()).add(parse_cell(change.cell))
                except KpiError:
                    continue  # the change itself reports it

    def _big(self, part: str | None) -> bool:
        """A part :meth:`_sheet_tree` may hold as a partial tree."""
        info = self.pkg.infos.get(part) if part else None
        return info is not None and info.file_size > big_sheet.BIG_PART

    def cf_marker(self, patcher: SheetPatcher) -> dict[str, list[str]]:
        if patcher.part not in self.cf_markers:
            entry = self.workbook.find_sheet(patcher.name)
            self.cf_markers[patcher.part] = self.workbook.cf_marker(entry.index)
        return self.cf_markers[patcher.part]

    def referrers(self) -> dict[str, set[str]]:
        """Part -> the parts whose relationships point at it."""
        out: dict[str, set[str]] = {}
        for name in self.pkg.names():
            if not name.endswith(".rels"):
                continue
            source = source_of_rels(name)
            rels = self.pkg.rels(source)
            for rel in rels:
                target = rels.target_part(rel)
                if target:
                    out.setdefault(target.lower(), set()).add(source)
        return out

    def drop_dependents(self, part: str) -> None:
        """Remove the parts only ``part`` refers to (drawings, charts,
        comments...), recursively, and ``part``'s relationships."""
        # The referrers are found once, not again for each part visited (a
        # drawing's thousands of charts made that cost more than the refresh);
        # each visit sees them as they were when it began: without the parts
        # whose relationships were dropped before it.
        self._drop_dependents(part, set(), self.referrers(), {})

    def _drop_dependents(self, part: str, seen: set[str], refs: dict[str, set[str]],
                         dropped: dict[str, int]) -> None:
        """``dropped``: lower-cased part -> in what order its relationships went."""
        seen.add(part.lower())
        began = len(dropped)
        rels = self.pkg.rels(part)
        for rel in list(rels):
            target = rels.target_part(rel)
            if not target or target.lower() in seen or not self.pkg.exists(target):
                continue
            users = {source for source in refs.get(target.lower(), ())
                     if dropped.get(source.lower(), began) >= began}
            if users - {part}:
                continue  # something else uses it too
            self._drop_dependents(target, seen, refs, dropped)
            self.pkg.remove(target)
        self.pkg.drop_rels(part)
        dropped.setdefault(part.lower(), len(dropped))

    # -- finishing
    def _values_changed(self, patcher: SheetPatcher) -> bool:
        """A cell's content changed and the sheet did not end up as it was
        (a regenerated owned sheet often does)."""
        if not patcher.values_changed:
            return False
        pkg = self.pkg
        if patcher.part not in pkg.infos or patcher.part not in pkg.new:
            return True
        return pkg.final_bytes(patcher.part) != pkg.original_bytes(patcher.part)

    def release(self) -> None:
        """Drop the sheet patchers (each refers back to this context): the
        trees and cell indexes they hold are freed when the write ends,
        not by a pass of the cyclic collector over them (0.7 s after
        10,000 indicators)."""
        self.patchers.clear()
        self._by_name.clear()

    def finish(self) -> None:
        for patcher in self.patchers.values():
            patcher.finish()
        for part, marker in self.cf_markers.items():
            entry = next((e for e in self.workbook.sheets() if e.part == part), None)
            if entry is not None:
                self.workbook.set_cf_marker(entry.index, marker)
        self.calc.finish()
        if any(self._values_changed(p) for p in self.patchers.values()):
            self.workbook.recalculate_on_open()
        self.workbook.update_app_titles(self.worksheets_before, self.workbook.worksheet_names())


# ------------------------------------------------------------- plan steps

def _remove_owned(ctx: WriteContext, role: str) -> None:
    entry = ctx.workbook.owned_entry(role)
    if entry is None:
        return
    visible = [e for e in ctx.workbook.sheets()
               if e.index != entry.index and e.element.get("state", "visible") == "visible"]
    if not visible:
        raise WriteError(f"cannot remove sheet {entry.name!r}: a workbook needs at least one visible sheet",
                         Place(file=str(ctx.file), sheet=entry.name))
    ctx.calc.forget_sheet(entry.sheet_id)
    if entry.part:
        ctx.patchers.pop(entry.part, None)
        ctx.cf_markers.pop(entry.part, None)
        ctx.drop_dependents(entry.part)
        ctx.pkg.remove(entry.part)
    ctx.workbook.remove_sheet(entry)


def _put_owned(ctx: WriteContext, owned: OwnedSheet) -> None:
    from kpi_xl.xlsx import new_worksheet

    new_worksheet.check_owned(owned)
    owned = replace(owned, cells=new_worksheet.coalesced(owned.cells))  # as coalesce_cells makes of them
    entry = ctx.workbook.owned_entry(owned.role, prefer_name=owned.name)
    if entry is not None and (entry.kind != "worksheet" or not entry.part):
        raise WriteError(f"the sheet kpi-xl marked as {owned.role!r} is not a worksheet",
                         Place(file=str(ctx.file), sheet=entry.name))
    if entry is None:
        part = ctx.pkg.unused_name("xl/worksheets/sheet%d.xml")
        position = None
        if owned.after:
            anchor = ctx.workbook.find_sheet(owned.after)
            position = anchor.index + 1 if anchor is not None else None
        entry = ctx.workbook.add_sheet(owned.name, part, position)
        ctx.workbook.set_marker(OWNED_NAME, entry.index, owned.role)
    else:
        # Regenerated in place: same part, position, name (the officer may
        # have renamed it) and sheetId.
        ctx.calc.forget_sheet(entry.sheet_id)
        ctx.patchers.pop(entry.part, None)
        ctx.drop_dependents(entry.part)
        ctx.workbook.set_marker(CF_NAME, entry.index, None)
    ctx.patchers[entry.part] = new_worksheet.build(ctx, owned, entry.name, entry.part, entry.sheet_id)
    ctx.workbook.set_print_titles(entry.index, entry.name, owned.print_title_rows)
    ctx.workbook.set_signature(entry, _signature_pairs(owned))


def _signature_pairs(owned: OwnedSheet) -> list[tuple[str, str]]:
    """kpi-xl's text in the first rows of an owned sheet, what the next run
    checks to know the sheet is still the one it wrote."""
    placed = []
    cells = owned.cells
    for i in _maybe_near_top(cells):
        row, col, value, formula, cell = (cells.rows[i], cells.columns[i], cells.values[i], cells.formulas[i],
                                          cells.appended[i])
        if formula is None and isinstance(value, str) and value:
            if cell is not None:
                row, col = parse_cell(cell.cell)
            if row <= SIG_ROWS:
                ref = cell.cell.replace("$", "").upper() if cell is not None else cell_ref(row, col)
                placed.append(((row, col), ref, value))
    return [(ref, value) for _, ref, value in sorted(placed, key=lambda p: p[0])]


def _maybe_near_top(cells) -> Iterable[int]:
    """The indices of the cells that may be in the first SIG_ROWS rows, in
    order: those put there by number, found in C (an owned sheet holds
    hundreds of thousands), or all of them when some are SetCells, whose
    reference is parsed to know."""
    if cells.appended.count(None) != len(cells.appended):
        return range(len(cells.rows))
    return compress(range(len(cells.rows)), map(ge, repeat(SIG_ROWS), cells.rows))


Protected = Literal["refuse", "unlocked_cells"]


def _sheet_protected(patcher: SheetPatcher) -> bool:
    # Read once per patcher: nothing kpi-xl writes protects or unprotects a sheet.
    if patcher.protected is None:
        el = patcher.root.find(patcher.q("sheetProtection"))
        patcher.protected = el is not None and el.get("sheet") in ("1", "true")
    return patcher.protected


def _allowed_on_protected(ctx: WriteContext, patcher: SheetPatcher, change) -> bool:
    """Whether ``change`` may go into a protected sheet of the officer's:
    refused outright, or (``unlocked_cells``) only values in cells the
    protection leaves unlocked; formats and widths are never changed there."""
    if ctx.protected != "unlocked_cells":
        raise RefusedFile(f"sheet {patcher.name!r} is protected, so kpi-xl will not write into it; "
                          "unprotect it (Review > Unprotect Sheet) or set workbook.protected_sheets: "
                          "unlocked_cells to write only to its unlocked cells", Place(file=str(ctx.file)))
    if not isinstance(change, SetCell):
        return False
    row, col = parse_cell(change.cell)
    _, c = patcher.find_cell(row, col)
    style = int(c.get("s", "0")) if c is not None else patcher.default_style(row, col)
    return ctx.styles.unlocked(style)


def _apply_change(ctx: WriteContext, change) -> None:
    if not isinstance(change, (SetCell, SetColumnWidth, AddConditionalFormat, SparklineGroup)):
        raise WriteError(f"unknown change {type(change).__name__}", Place(file=str(ctx.file)))
    patcher = ctx.patcher(change.sheet)  # each kind of change is to one sheet
    if _sheet_protected(patcher) and not _is_owned(ctx, patcher):
        if not _allowed_on_protected(ctx, patcher, change):
            where = getattr(change, "cell", None) or getattr(change, "range", None) or ""
            ctx.skipped_protected.append(f"{patcher.name}!{where}".rstrip("!"))
            return
    if isinstance(change, SetCell):
        patcher.set_cell(change)
    elif isinstance(change, SetColumnWidth):
        patcher.set_column_width(change)
    elif isinstance(change, AddConditionalFormat):
        ConditionalFormats(patcher).apply(change, None if _is_owned(ctx, patcher) else ctx.cf_marker(patcher))
    else:
        from kpi_xl.xlsx.sparklines import add_sparklines

        add_sparklines(patcher, change)


def _is_owned(ctx: WriteContext, patcher: SheetPatcher) -> bool:
    """Sheets kpi-xl generated in this plan or owns (their formats are
    regenerated with them, so they need no record of kpi-xl's rules)."""
    owned = {e.part for entries in ctx.workbook.owned_candidates().values() for e in entries}
    return patcher.part in owned


def _with_place(exc: KpiError, path: Path) -> KpiError:
    """The error with the file named; a refusal stays a refusal and a
    workbook found damaged stays that (WorkbookError: the input cannot be
    used, not the write failing)."""
    place = exc.place if exc.place.file else replace(exc.place, file=str(path))
    kind = type(exc) if isinstance(exc, WorkbookError) else WriteError
    return kind(exc.message, place)


def coalesce_cells(changes: list) -> list:
    """One SetCell per cell: the last one's content, and the styles of all
    of them merged (later attributes win), at the place of the last.

    Styles merge over the cell's existing format, so writing one cell twice
    with different styles would otherwise derive a format from a format we
    derived, and a second identical refresh would add one more."""
    last: dict[tuple[str, str], int] = {}
    merged: dict[tuple[str, str], Style | None] = {}
    keys: list[tuple[str, str] | None] = []
    for i, change in enumerate(changes):
        if isinstance(change, SetCell):
            key = (change.sheet.casefold(), change.cell.replace("$", "").upper())
            merged[key] = merge_styles(merged.get(key), change.style)
            last[key] = i
            keys.append(key)
        else:
            keys.append(None)
    if len(last) == len(changes) - keys.count(None):
        return list(changes)  # every cell set once: nothing to merge (the common case)
    out = []
    for i, change in enumerate(changes):
        key = keys[i]
        if key is not None:
            if last[key] != i:
                continue
            if merged[key] is not change.style:
                change = replace(change, style=merged[key])
        out.append(change)
    return out


def _structure_locked(ctx: WriteContext) -> bool:
    el = ctx.workbook.root.find(ctx.workbook.q("workbookProtection"))
    return el is not None and el.get("lockStructure") in ("1", "true")


def _check_structure(ctx: WriteContext, plan: Plan) -> None:
    """A workbook whose structure is locked gets no sheet added or removed."""
    if not _structure_locked(ctx):
        return
    adds = [o.name for o in plan.sheets if ctx.workbook.owned_entry(o.role, prefer_name=o.name) is None]
    removes = [r.role if isinstance(r, RemoveSheet) else str(r) for r in plan.remove
               if ctx.workbook.owned_entry(r.role if isinstance(r, RemoveSheet) else str(r)) is not None]
    if adds or removes:
        what = f"add the sheet {adds[0]!r}" if adds else f"remove kpi-xl's {removes[0]} sheet"
        raise RefusedFile(f"the workbook's structure is protected, so kpi-xl cannot {what}; unprotect it "
                          "(Review > Protect Workbook) and run again", Place(file=str(ctx.file)))


def _texts_written(sheets: list[OwnedSheet], changes: list) -> list[str]:
    """The texts the plan's cells hold (what the shared strings will be asked for)."""
    texts = [text for owned in sheets for text in owned.cells.texts()]
    cells = [change for change in changes if isinstance(change, SetCell)]
    return texts + [cell.value for cell in cells if isinstance(cell.value, str) and cell.formula is None]


def build_changes(pkg: Package, plan: Plan, protected: str = "refuse") -> WriteContext:
    """Apply ``plan`` to the package in memory (nothing is written)."""
    ctx = WriteContext(pkg)
    ctx.protected = protected
    _check_structure(ctx, plan)
    for removal in plan.remove:
        _remove_owned(ctx, removal.role if isinstance(removal, RemoveSheet) else str(removal))
    changes = coalesce_cells(list(plan.changes))
    texts = _texts_written(plan.sheets, changes)
    if texts and ctx.strings.takes_new:
        ctx.strings.expect(texts)
    for owned in plan.sheets:
        _put_owned(ctx, owned)
    ctx.note_cells(changes)
    for change in changes:
        _apply_change(ctx, change)
    ctx.finish()
    return ctx


# ----------------------------------------------------------- the file

def backup_path(target: Path, backup: Backup) -> Path | None:
    if backup == "none":
        return None
    if backup == "bak":
        return target.with_name(target.name + ".bak")
    if backup == "timestamp":
        stamp = time.strftime("%Y%m%d-%H%M%S")
        candidate = target.with_name(f"{target.stem}.{stamp}{target.suffix}.bak")
        n = 1
        while candidate.exists():
            candidate = target.with_name(f"{target.stem}.{stamp}-{n}{target.suffix}.bak")
            n += 1
        return candidate
    raise WriteError(f"backup must be 'bak', 'timestamp' or 'none', not {backup!r}")


def orig_path(target: Path) -> Path:
    """Where the workbook as it was before kpi-xl first changed it is kept."""
    return target.with_name(f"{target.stem}.orig{target.suffix}")


def check_output(path: Path, target: Path) -> None:
    """``output`` names an .xlsx/.xlsm file of the input's kind."""
    want = path.suffix.lower()
    if target.name in ("", ".", "..") or target.is_dir():
        raise WriteError(f"--output must name a {want} file, not a folder", Place(file=str(target)))
    if target.suffix.lower() not in (".xlsx", ".xlsm") or target.suffix.lower() != want:
        raise WriteError(f"--output must end in {want} like the workbook it refreshes "
                         "(kpi-xl writes the same kind of file)", Place(file=str(target)))


def assert_may_replace(target: Path) -> None:
    """Refuse to replace a file its owner marked read-only or this user
    could not write (root can write anything; the mode says what was meant)."""
    real = lock.real_path(target)
    if not real.exists():
        return
    st = real.stat()
    if not stat.S_ISREG(st.st_mode):
        raise WriteError("is not a regular file; kpi-xl replaces only workbook files", Place(file=str(target)))
    if not os.access(real, os.W_OK) or not st.st_mode & 0o222:
        raise RefusedFile(f"is read-only (mode {stat.S_IMODE(st.st_mode):04o}); kpi-xl will not replace "
                          "a file you could not save — make it writable or write a copy with --output",
                          Place(file=str(target)))
    if not os.access(real.parent, os.W_OK):
        raise RefusedFile(f"cannot be replaced: folder {real.parent} is read-only; "
                          "write a copy with --output", Place(file=str(target)))


def hard_link_note(target: Path) -> str | None:
    """What a user should know when the file has other hard links."""
    try:
        links = os.stat(target).st_nlink
    except OSError:
        return None
    if links > 1:
        return (f"{target.name} has {links - 1} other hard link(s); they keep the old contents "
                "(the workbook is replaced by a new file, not rewritten in place)")
    return None


def apply_plan(path: str | os.PathLike, plan: Plan, *, output: str | os.PathLike | None = None,
               backup: Backup = "bak", dry_run: bool = False, expect: lock.FileIdentity | None = None,
               lock_wait: float = 30.0, protected: Protected = "refuse",
               package: Package | None = None) -> WriteResult:
    """Apply ``plan`` to the workbook at ``path`` (or write the result to
    ``output``). Returns what changed; ``changed`` is False, and no file is
    written, when the workbook already is as the plan wants it.

    The write holds the workbook's kpi-xl lock (waiting up to ``lock_wait``
    seconds), and just before the rename checks that ``path`` is still the
    file that was read (``expect``: the identity when the caller read it).
    A symlinked workbook is written through to its target, whose mode,
    owner and group are kept.

    ``package``: the workbook as the caller opened it (``Package.open``, so
    already checked): the plan is applied to it and nothing is opened or
    checked again; the caller closes it.

    Raises RefusedFile/WorkbookError for files kpi-xl will not touch and
    WriteError when the plan cannot be applied; in both cases the original
    file is unchanged.
    """
    path = Path(path)
    try:
        return _apply_plan(path, plan, output, backup, dry_run, expect, lock_wait, protected, package)
    except KpiError:
        # A file rewritten in place after it was read looks damaged through
        # the package opened before: say what happened instead.
        if expect is not None and not expect.still(path):
            raise changed_on_disk(path) from None
        raise


def changed_on_disk(path: Path) -> WriteError:
    """The refusal when the workbook is no longer the file that was read."""
    return WriteError("changed on disk while kpi-xl was working (saved by another program?); "
                      "nothing was written — run again", Place(file=str(path)))


def _apply_plan(path: Path, plan: Plan, output, backup: Backup, dry_run: bool,
                expect: lock.FileIdentity | None, lock_wait: float, protected: Protected,
                package: Package | None) -> WriteResult:
    target = Path(output) if output is not None else path
    opened = _checked_zip(package)
    early = package.early_verify if package is not None else None
    if dry_run:  # writes nothing, so a workbook open in Excel may be looked at
        if opened is None:
            safety.assert_readable(path)
    else:
        if target != path:
            check_output(path, target)
        safety.assert_writable(path, opened)  # every part's CRC: below, once the changes are built
        safety.assert_not_open_in_excel(target)
        safety.assert_not_open_in_excel(lock.real_path(target))
        assert_may_replace(target)
    backup_to = None if dry_run else backup_path(target, backup)
    held = contextlib.nullcontext() if dry_run else lock.refresh_lock(target, lock_wait)
    try:
        with held:
            if not dry_run:
                clean_stale_temps(target)
            with (contextlib.nullcontext(package) if package is not None else Package(path)) as pkg:
                identity = expect or pkg.identity()
                first_change = target == path and not WorkbookPart(pkg).owned_roles()
                ctx = build_changes(pkg, plan, protected)
                changed, added, removed, contents = pkg.changes()
                ctx.release()  # its trees are in ``contents`` now
                # Every part read through (its CRC checked) before anything is
                # written or said; the read-through went on while the changes were built.
                safety.verify_parts(path, opened, early)
                result = WriteResult(target, None, changed, added, removed,
                                     bool(changed or added or removed), dry_run)
                if ctx.skipped_protected:
                    result.notes.append(WriteNote(
                        PROTECTED_CELLS_SKIPPED, f"{len(ctx.skipped_protected)} change(s) left out of "
                        f"protected sheets (locked cells, formats), e.g. {ctx.skipped_protected[0]}"))
                if dry_run:
                    return result
                if not result.changed:
                    if target != path:
                        _copy_unchanged(pkg, target, backup_to, result)
                    return result
                keep_orig = orig_path(target) if first_change and backup != "none" else None
                _write(pkg, path, target, contents, removed, changed + added, backup_to, keep_orig,
                       identity, result)
                return result
    except KpiError as exc:
        raise _with_place(exc, path) from exc
    except OSError as exc:
        raise WriteError(f"could not write ({exc.strerror or exc}); the original is unchanged",
                         Place(file=str(path))) from exc
    except Exception as exc:  # a fault in kpi-xl or a workbook it does not understand
        raise WriteError(f"could not apply the changes ({type(exc).__name__}: {exc}); the original is unchanged",
                         Place(file=str(path))) from exc


def _checked_zip(package: Package | None):
    """The zip of a package opened by ``Package.open`` (its safety checks
    ran), None without one. Another package is checked here first."""
    if package is None:
        return None
    if not package.checked:
        safety.check_path(package.path)
        safety.check_zip(package.zip, package.path)
    return package.zip


def _copy_unchanged(pkg: Package, target: Path, backup_to: Path | None, result: WriteResult) -> None:
    """Nothing to change but another output asked for: copy the input."""
    real = lock.real_path(target)
    if real.exists() and _same_bytes(real, pkg.path):
        return
    if real.exists() and backup_to is not None:
        _atomic_copy(real, backup_to, target)
        result.backup = backup_to
    _atomic_copy(pkg.path, real, target, keep_identity=True)


def _same_bytes(a: Path, b: Path, chunk: int = 1 << 20) -> bool:
    """The two files hold the same bytes (read a chunk at a time: workbooks can be large)."""
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while block := fa.read(chunk):
            if block != fb.read(chunk):
                return False
    return True


# ------------------------------------------------------------- temp files

_RANDOM = r"[a-z0-9_]{8}"


def _temp_beside(where: Path, book: Path) -> Path:
    """A temp file in ``where``'s folder named after ``book``, so the next
    run on that book can find it if this one is killed."""
    fd, name = tempfile.mkstemp(prefix=f".{book.name}.", suffix=".kpixl-tmp", dir=where.parent)
    os.close(fd)
    return Path(name)


def clean_stale_temps(book: Path) -> list[Path]:
    """Remove temp files a killed run left for ``book`` (call with the lock
    held: no other run is writing them). Returns what was removed."""
    names = {book.name, book.stem}  # the stem: temp names of kpi-xl before 0.2
    pattern = re.compile(r"^\.(?:%s)\.%s\.kpixl-tmp$" % ("|".join(re.escape(n) for n in names), _RANDOM))
    removed = []
    for folder in {book.absolute().parent, lock.real_path(book).parent}:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if pattern.match(entry.name) and entry.is_file(follow_symlinks=False):
                _unlink(Path(entry.path))
                removed.append(Path(entry.path))
    return removed


def _default_mode() -> int:
    """What a newly created file would get (0666 less the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _keep_identity(tmp: Path, real: Path) -> None:
    """Give ``tmp`` the mode, owner and group of the file it replaces,
    where this process may set them."""
    if not real.exists():
        os.chmod(tmp, _default_mode())
        return
    st = real.stat()
    os.chmod(tmp, stat.S_IMODE(st.st_mode))
    if hasattr(os, "chown"):
        for uid, gid in ((st.st_uid, st.st_gid), (-1, st.st_gid)):
            try:
                os.chown(tmp, uid, gid)
                break
            except OSError:
                continue


def _atomic_copy(src: Path | BinaryIO, dest: Path, book: Path, *, keep_identity: bool = False) -> None:
    """Copy to ``dest`` through a temp file (fsync, rename): ``dest`` is
    either its old whole self or the new whole copy, and a symlink at
    ``dest`` is replaced, never written through. ``keep_identity``: the
    copy takes the mode and owner of the file it replaces."""
    if dest.is_dir() and not dest.is_symlink():
        raise WriteError(f"cannot keep the backup: {dest.name} is a folder", Place(file=str(dest)))
    tmp = _temp_beside(dest, book)
    try:
        with open(tmp, "wb") as out:
            if isinstance(src, Path):
                with open(src, "rb") as fh:
                    shutil.copyfileobj(fh, out, 1 << 20)
            else:
                src.seek(0)
                shutil.copyfileobj(src, out, 1 << 20)
                src.seek(0)
            out.flush()
            os.fsync(out.fileno())
        if keep_identity:
            _keep_identity(tmp, dest)
        os.replace(tmp, dest)
    except BaseException:
        _unlink(tmp)
        raise


def _write(pkg: Package, path: Path, target: Path, contents: dict[str, bytes], removed: list[str],
           deep: list[str], backup_to: Path | None, keep_orig: Path | None,
           identity: lock.FileIdentity, result: WriteResult) -> None:
    from kpi_xl.xlsx.integrity import check_package

    real = lock.real_path(target)
    tmp = _temp_beside(real, target)
    try:
        pkg.save(tmp, contents, removed)
        problems = check_package(tmp, before=pkg, parts=deep)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise WriteError(f"the new workbook failed the integrity check: {problems[0]}{more}; "
                             "the original is unchanged", Place(file=str(path)))
        _keep_identity(tmp, real)
        if real.exists():
            source = pkg._fh if target == path else real
            if keep_orig is not None and not os.path.lexists(keep_orig):
                _atomic_copy(source, keep_orig, target)
                result.original = keep_orig
            if backup_to is not None:
                _atomic_copy(source, backup_to, target)
                result.backup = backup_to
            note = hard_link_note(real)
            if note:
                result.notes.append(WriteNote(HARD_LINKS_BROKEN, note))
        if not identity.still(path):
            raise changed_on_disk(path)
        # Windows cannot rename over a file this process holds open, and
        # nothing reads the old package after this point.
        pkg.close()
        os.replace(tmp, real)
        _fsync_dir(real.parent)
    except BaseException:
        _unlink(tmp)
        raise
