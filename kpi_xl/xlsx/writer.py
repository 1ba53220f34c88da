"""Apply a :class:`~kpi_xl.plan.Plan` to an .xlsx/.xlsm file by patching its package.

Never load-and-save: parts the plan does not concern are copied as their
raw compressed bytes, and the parts it does concern are edited element by
element. The file is replaced only after the new package has been written
beside it, re-opened and checked; until then the original is untouched.
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from kpi_xl.errors import KpiError, Place, WriteError
from kpi_xl.plan import (AddConditionalFormat, OwnedSheet, Plan, RemoveSheet, SetCell, SetColumnWidth,
                         SparklineGroup, Style)
from kpi_xl.xlsx import safety
from kpi_xl.xlsx.calc_chain import CalcChain
from kpi_xl.xlsx.conditional import ConditionalFormats
from kpi_xl.xlsx.package import REL_SHARED_STRINGS, Package, source_of_rels
from kpi_xl.xlsx.shared_strings import SharedStrings
from kpi_xl.xlsx.worksheet import SheetPatcher
from kpi_xl.xlsx.styles import Styles
from kpi_xl.xlsx.workbook_part import CF_NAME, OWNED_NAME, WorkbookPart

Backup = Literal["bak", "timestamp", "none"]


@dataclass
class WriteResult:
    output: Path
    backup: Path | None = None
    changed_parts: list[str] = field(default_factory=list)
    added_parts: list[str] = field(default_factory=list)
    removed_parts: list[str] = field(default_factory=list)
    changed: bool = False
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {
            "output": str(self.output),
            "backup": str(self.backup) if self.backup else None,
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
        rels = self.workbook.rels
        found = [r for r in rels.by_type(REL_SHARED_STRINGS) if pkg.exists(rels.target_part(r) or "")]
        self.strings = SharedStrings(pkg, rels.target_part(found[0]) if found else None)
        self.calc = CalcChain(pkg, self.workbook.part)
        self.patchers: dict[str, SheetPatcher] = {}
        self._by_name: dict[str, SheetPatcher] = {}
        self.cf_markers: dict[str, dict[str, list[str]]] = {}
        self.worksheets_before = self.workbook.worksheet_names()

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
        if entry.part not in self.patchers:
            root = self.pkg.xml(entry.part)
            self.patchers[entry.part] = SheetPatcher(self, entry.name, entry.part, entry.sheet_id, root)
        self._by_name[sheet] = self.patchers[entry.part]
        return self.patchers[entry.part]

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

    def drop_dependents(self, part: str, _seen: set[str] | None = None) -> None:
        """Remove the parts only ``part`` refers to (drawings, charts,
        comments...), recursively, and ``part``'s relationships."""
        seen = _seen if _seen is not None else set()
        seen.add(part.lower())
        refs = self.referrers()
        rels = self.pkg.rels(part)
        for rel in list(rels):
            target = rels.target_part(rel)
            if not target or target.lower() in seen or not self.pkg.exists(target):
                continue
            if refs.get(target.lower(), set()) - {part}:
                continue  # something else uses it too
            self.drop_dependents(target, seen)
            self.pkg.remove(target)
        self.pkg.drop_rels(part)

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


def _apply_change(ctx: WriteContext, change) -> None:
    if isinstance(change, SetCell):
        ctx.patcher(change.sheet).set_cell(change)
    elif isinstance(change, SetColumnWidth):
        ctx.patcher(change.sheet).set_column_width(change)
    elif isinstance(change, AddConditionalFormat):
        patcher = ctx.patcher(change.sheet)
        ConditionalFormats(patcher).apply(change, None if _is_owned(ctx, patcher) else ctx.cf_marker(patcher))
    elif isinstance(change, SparklineGroup):
        from kpi_xl.xlsx.sparklines import add_sparklines

        add_sparklines(ctx.patcher(change.sheet), change)
    else:
        raise WriteError(f"unknown change {type(change).__name__}", Place(file=str(ctx.file)))


def _is_owned(ctx: WriteContext, patcher: SheetPatcher) -> bool:
    """Sheets kpi-xl generated in this plan or owns (their formats are
    regenerated with them, so they need no record of kpi-xl's rules)."""
    owned = {e.part for entries in ctx.workbook.owned_candidates().values() for e in entries}
    return patcher.part in owned


def _with_place(exc: KpiError, path: Path) -> WriteError:
    place = exc.place if exc.place.file else replace(exc.place, file=str(path))
    return WriteError(exc.message, place)


def _merge_styles(first: Style | None, second: Style | None) -> Style | None:
    if first is None or second is None:
        return second if first is None else first
    return replace(first, **{k: v for k, v in vars(second).items() if v is not None})


def coalesce_cells(changes: list) -> list:
    """One SetCell per cell: the last one's content, and the styles of all
    of them merged (later attributes win), at the place of the last.

    Styles merge over the cell's existing format, so writing one cell twice
    with different styles would otherwise derive a format from a format we
    derived, and a second identical refresh would add one more."""
    last: dict[tuple[str, str], int] = {}
    merged: dict[tuple[str, str], Style | None] = {}
    for i, change in enumerate(changes):
        if isinstance(change, SetCell):
            key = (change.sheet.casefold(), change.cell.replace("$", "").upper())
            merged[key] = _merge_styles(merged.get(key), change.style)
            last[key] = i
    out = []
    for i, change in enumerate(changes):
        if isinstance(change, SetCell):
            key = (change.sheet.casefold(), change.cell.replace("$", "").upper())
            if last[key] != i:
                continue
            change = replace(change, style=merged[key])
        out.append(change)
    return out


def build_changes(pkg: Package, plan: Plan) -> WriteContext:
    """Apply ``plan`` to the package in memory (nothing is written)."""
    ctx = WriteContext(pkg)
    for removal in plan.remove:
        _remove_owned(ctx, removal.role if isinstance(removal, RemoveSheet) else str(removal))
    for owned in plan.sheets:
        _put_owned(ctx, replace(owned, cells=coalesce_cells(list(owned.cells))))
    for change in coalesce_cells(list(plan.changes)):
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


def _signature(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def apply_plan(path: str | os.PathLike, plan: Plan, *, output: str | os.PathLike | None = None,
               backup: Backup = "bak", dry_run: bool = False) -> WriteResult:
    """Apply ``plan`` to the workbook at ``path`` (or write the result to
    ``output``). Returns what changed; ``changed`` is False, and no file is
    written, when the workbook already is as the plan wants it.

    Raises RefusedFile/WorkbookError for files kpi-xl will not touch and
    WriteError when the plan cannot be applied; in both cases the original
    file is unchanged.
    """
    path = Path(path)
    target = Path(output) if output is not None else path
    if dry_run:  # writes nothing, so a workbook open in Excel may be looked at
        safety.assert_readable(path)
        safety.verify_parts(path)
    else:
        safety.assert_writable(path)
        if target != path:
            safety.assert_not_open_in_excel(target)
    backup_to = None if dry_run else backup_path(target, backup)
    signature = _signature(path)
    try:
        with Package(path) as pkg:
            build_changes(pkg, plan)
            changed, added, removed, contents = pkg.changes()
            result = WriteResult(target, None, changed, added, removed, bool(changed or added or removed),
                                 dry_run)
            if dry_run:
                return result
            if not result.changed:
                if target != path:
                    _copy_unchanged(path, target, backup_to, result)
                return result
            _write(pkg, path, target, contents, removed, changed + added, backup_to, signature, result)
            return result
    except KpiError as exc:
        raise _with_place(exc, path) from exc
    except OSError as exc:
        raise WriteError(f"could not write ({exc}); the original is unchanged", Place(file=str(path))) from exc
    except Exception as exc:  # a fault in kpi-xl or a workbook it does not understand
        raise WriteError(f"could not apply the changes ({type(exc).__name__}: {exc}); the original is unchanged",
                         Place(file=str(path))) from exc


def _copy_unchanged(path: Path, target: Path, backup_to: Path | None, result: WriteResult) -> None:
    """Nothing to change but another output asked for: copy the input."""
    if target.exists() and target.read_bytes() == path.read_bytes():
        return
    if target.exists() and backup_to is not None:
        shutil.copy2(target, backup_to)
        result.backup = backup_to
    tmp = _temp_beside(target)
    try:
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    except BaseException:
        _unlink(tmp)
        raise


def _temp_beside(target: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".kpixl-tmp", dir=target.parent)
    os.close(fd)
    return Path(name)


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


def _write(pkg: Package, path: Path, target: Path, contents: dict[str, bytes], removed: list[str],
           deep: list[str], backup_to: Path | None, signature, result: WriteResult) -> None:
    from kpi_xl.xlsx.integrity import check_package

    tmp = _temp_beside(target)
    try:
        pkg.save(tmp, contents, removed)
        problems = check_package(tmp, before=path, parts=deep)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise WriteError(f"the new workbook failed the integrity check: {problems[0]}{more}; "
                             "the original is unchanged", Place(file=str(path)))
        if _signature(path) != signature:
            raise WriteError("the workbook changed on disk while kpi-xl was writing; "
                             "nothing was written — run again", Place(file=str(path)))
        os.chmod(tmp, stat.S_IMODE(target.stat().st_mode) if target.exists() else _default_mode())
        if target.exists():
            if backup_to is not None:
                shutil.copy2(target, backup_to)
                result.backup = backup_to
        os.replace(tmp, target)
    except BaseException:
        _unlink(tmp)
        raise
