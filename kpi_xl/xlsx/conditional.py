"""Conditional formatting on a worksheet: add, replace kpi-xl's own, never
duplicate.

kpi-xl remembers which rules it wrote on which range in a hidden defined
name (see :mod:`kpi_xl.xlsx.workbook_part`), as a fingerprint of each rule's
type, operator and formulas. On the next refresh:
- the same rules (same type, operator, formulas, look) already on the range:
  nothing changes;
- rules kpi-xl wrote there earlier: replaced by the new ones;
- the officer's own rules, on that range or any other: left alone.
New rules get priorities after every existing rule of the sheet (including
x14 rules in the extLst), so the officer's rules keep precedence.
"""
from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from lxml import etree

from kpi_xl.errors import WriteError
from kpi_xl.plan import AddConditionalFormat, CFRule
from kpi_xl.xlsx.refs import normalise_sqref
from kpi_xl.xlsx.styles import style_look
from kpi_xl.xlsx.xmlutil import insert_in_order

if TYPE_CHECKING:  # pragma: no cover
    from kpi_xl.xlsx.worksheet import SheetPatcher

OPERATORS = {"equal", "notEqual", "greaterThan", "lessThan", "greaterThanOrEqual", "lessThanOrEqual",
             "between", "notBetween"}
TWO_FORMULAS = {"between", "notBetween"}
_STRING = re.compile(r'"(?:[^"]|"")*"')


def normalise_formula(text: str | None) -> str:
    """A formula compared the way Excel would keep it: no leading '=', no
    spaces and upper case outside string literals."""
    text = (text or "").strip()
    if text.startswith("="):
        text = text[1:]
    out, pos = [], 0
    for match in _STRING.finditer(text):
        out.append(re.sub(r"\s+", "", text[pos:match.start()]).upper())
        out.append(match.group(0))
        pos = match.end()
    out.append(re.sub(r"\s+", "", text[pos:]).upper())
    return "".join(out)


def _formulas(rule: CFRule) -> tuple[str, ...]:
    formulas = [rule.formula]
    if rule.kind == "cellIs" and rule.operator in TWO_FORMULAS:
        formulas.append(rule.formula2 or "")
    return tuple(normalise_formula(f) for f in formulas)


def fingerprint(kind: str, operator: str | None, formulas: tuple[str, ...]) -> str:
    key = "|".join([kind, operator or ""] + list(formulas))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]


def check_rule(rule: CFRule) -> str | None:
    """Why a rule cannot be written, or None."""
    if rule.kind not in ("expression", "cellIs"):
        return f"conditional-format kind {rule.kind!r} is not 'expression' or 'cellIs'"
    if not (rule.formula or "").strip():
        return "a conditional-format rule needs a formula"
    if rule.kind == "cellIs":
        if rule.operator not in OPERATORS:
            return f"conditional-format operator {rule.operator!r} is not one of {', '.join(sorted(OPERATORS))}"
        if rule.operator in TWO_FORMULAS and not (rule.formula2 or "").strip():
            return f"operator {rule.operator!r} needs formula2"
    return None


class ConditionalFormats:
    """The conditional formatting of one sheet being patched."""

    def __init__(self, patcher: "SheetPatcher"):
        self.p = patcher
        self.styles = patcher.ctx.styles

    def _rule_desc(self, rule_el: etree._Element) -> tuple:
        formulas = tuple(normalise_formula(f.text) for f in rule_el.findall(self.p.q("formula")))
        dxf = rule_el.get("dxfId")
        look = self.styles.dxf_look(int(dxf)) if dxf is not None and dxf.isdigit() else None
        operator = rule_el.get("operator") if rule_el.get("type") == "cellIs" else None
        stop = rule_el.get("stopIfTrue") in ("1", "true")
        return (rule_el.get("type"), operator, formulas, stop, look)

    @staticmethod
    def _wanted_desc(rule: CFRule) -> tuple:
        operator = rule.operator if rule.kind == "cellIs" else None
        return (rule.kind, operator, _formulas(rule), bool(rule.stop_if_true), style_look(rule.style))

    def _on_range(self, sqref: str) -> list[etree._Element]:
        """The (main-namespace) rules whose range is exactly ``sqref``, by priority."""
        found = []
        for cf in self.p.root.findall(self.p.q("conditionalFormatting")):
            try:
                if normalise_sqref(cf.get("sqref", "")) != sqref:
                    continue
            except WriteError:
                continue
            found.extend(cf.findall(self.p.q("cfRule")))
        return sorted(found, key=lambda el: int(el.get("priority", "0") or 0))

    def max_priority(self) -> int:
        best = 0
        for el in self.p.root.iter("{*}cfRule"):  # main and x14 rules, found in C
            try:
                best = max(best, int(el.get("priority", "0")))
            except ValueError:
                pass
        return best

    def apply(self, change: AddConditionalFormat, marker: dict[str, list[str]] | None) -> None:
        """Add ``change``'s rules; ``marker`` (sqref -> fingerprints) is kpi-xl's
        record for this sheet, updated in place (None: a sheet kpi-xl owns)."""
        try:
            sqref = normalise_sqref(change.range)
        except WriteError as exc:
            raise self.p.error(f"conditional-format range: {exc.message}") from None
        if not sqref:
            raise self.p.error("a conditional format needs a range")
        for rule in change.rules:
            problem = check_rule(rule)
            if problem:
                raise self.p.error(problem, sqref)
        wanted = [self._wanted_desc(r) for r in change.rules]
        prints = [fingerprint(d[0], d[1], d[2]) for d in wanted]
        existing = self._on_range(sqref)
        known = set(marker.get(sqref, [])) if marker is not None else set()
        ours = [el for el in existing if fingerprint(*self._rule_desc(el)[:3]) in known]
        if [self._rule_desc(el) for el in ours] == wanted and (ours or not wanted):
            return
        if not ours and wanted and all(d in [self._rule_desc(el) for el in existing] for d in wanted):
            return  # the officer already has exactly these rules here
        for el in ours:
            parent = el.getparent()
            parent.remove(el)
            if not parent.findall(self.p.q("cfRule")):
                parent.getparent().remove(parent)
        if wanted:
            self._add(sqref, change.rules)
        if marker is not None:
            if wanted:
                marker[sqref] = prints
            else:
                marker.pop(sqref, None)
        self.p.touch()

    def _add(self, sqref: str, rules: tuple[CFRule, ...]) -> None:
        q = self.p.q
        priority = self.max_priority()
        cf = etree.Element(q("conditionalFormatting"))
        cf.set("sqref", sqref)
        for rule in rules:
            priority += 1
            el = etree.SubElement(cf, q("cfRule"))
            el.set("type", rule.kind)
            el.set("dxfId", str(self.styles.dxf_index(rule.style)))
            el.set("priority", str(priority))
            if rule.stop_if_true:
                el.set("stopIfTrue", "1")
            if rule.kind == "cellIs":
                el.set("operator", rule.operator)
            formulas = [rule.formula]
            if rule.kind == "cellIs" and rule.operator in TWO_FORMULAS:
                formulas.append(rule.formula2)
            for text in formulas:
                f = etree.SubElement(el, q("formula"))
                text = text.strip()
                f.text = text[1:] if text.startswith("=") else text
        from kpi_xl.xlsx.worksheet import WORKSHEET_ORDER

        insert_in_order(self.p.root, cf, WORKSHEET_ORDER)
