"""xl/calcChain.xml: Excel's order of calculation.

An entry for a cell that no longer holds a formula makes Excel report the
file as damaged, so entries go when we overwrite a formula with a value or
remove a sheet. Missing entries are harmless (Excel adds them).
"""
from __future__ import annotations

from lxml import etree

from kpi_xl.xlsx.package import REL_CALC_CHAIN, Package


class CalcChain:
    def __init__(self, pkg: Package, workbook_part: str):
        self.pkg = pkg
        self.workbook_part = workbook_part
        rels = pkg.rels(workbook_part)
        found = rels.by_type(REL_CALC_CHAIN)
        self.rel = found[0] if found else None
        self.part = rels.target_part(found[0]) if found else None
        if self.part is not None and not pkg.exists(self.part):
            self.part = None
        self._cells: set[tuple[int, str]] = set()
        self._sheets: set[int] = set()

    def forget_cell(self, sheet_id: int, ref: str) -> None:
        if self.part is not None:
            self._cells.add((sheet_id, ref.upper()))

    def forget_sheet(self, sheet_id: int) -> None:
        if self.part is not None:
            self._sheets.add(sheet_id)

    def finish(self) -> None:
        """Remove the recorded entries; drop the part when nothing is left."""
        if self.part is None or not (self._cells or self._sheets):
            return
        root = self.pkg.xml(self.part)
        ns = etree.QName(root).namespace
        entries = root.findall(f"{{{ns}}}c")
        current = None
        removed_any = False
        carry = None  # sheet id to write on the next kept entry
        for el in entries:
            if el.get("i") is not None:
                current = int(el.get("i"))
            drop = current in self._sheets or (current, (el.get("r") or "").upper()) in self._cells
            if drop:
                if el.get("i") is not None or carry is None:
                    carry = current
                root.remove(el)
                removed_any = True
            elif carry is not None:
                # The entry inherited its sheet from a removed one: say it.
                if el.get("i") is None:
                    el.set("i", str(current))
                carry = None
        if not removed_any:
            return
        if len(root.findall(f"{{{ns}}}c")) == 0:
            self.pkg.rels(self.workbook_part).remove(self.rel.rid)
            self.pkg.remove(self.part)
        else:
            self.pkg.put_xml(self.part, root)
