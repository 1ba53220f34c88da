"""The KPI ribbon tab: its buttons in one list, and what the add-in is made of.

The buttons are "Refresh all", the parts of the indicator tables (RAG,
direction of travel, comparators), one per owned sheet that has a button
(:data:`kpi_xl.owned_sheets.registry.OWNED_SHEETS`) and "Settings". From
that list come the ribbon XML (:func:`custom_ui_xml`), the VBA module with
one callback per button (:func:`vba_module`), written into ``kpi_xl.xlam``
by ``kpi-xl addin build``, and the parts of the plan the Python callbacks
apply (:func:`part_purposes`). ``macros/customUI14.xml`` and
``macros/kpi_xl.bas`` are these texts for reading (``python -m
kpi_xl.excel.buttons`` writes them again; a test says when they are stale).
"""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from ..owned_sheets.registry import RibbonButton, with_buttons
from ..plan import Purpose
from ..xlsx.namespaces import CUSTOM_UI_NS

# key -> (customUI id, label), in tab order
GROUPS = {"refresh": ("kpiXlRefreshGroup", "Refresh"),
          "parts": ("kpiXlPartsGroup", "Update one part"),
          "tools": ("kpiXlToolsGroup", "Tools")}

REFRESH_ALL = RibbonButton(
    "kpiXlRefreshAll", "Refresh all", "RefreshAll", "KpiRefreshAll", "refresh_all",
    "Rate every indicator, set direction of travel and comparators, and rewrite the exception "
    "summary and data-quality sheets. Save the workbook first.", "refresh")
RAG = RibbonButton(
    "kpiXlRag", "RAG", "ConditionalFormattingMenu", "KpiRag", "rag",
    "Rate each indicator against its target (GREEN, AMBER, RED) and colour the RAG and "
    "latest-figure columns.", "parts")
DIRECTION = RibbonButton(
    "kpiXlDirection", "Direction of travel", "ChartTrendline", "KpiDirection", "direction",
    "Compare the latest figure with the previous one and fill the direction-of-travel column.",
    "parts")
COMPARATORS = RibbonButton(
    "kpiXlComparators", "Comparators", "ChartInsert", "KpiComparators", "comparators",
    "Fill statistical neighbour, region, England and Ofsted good columns from the comparator "
    "store.", "parts")
SETTINGS = RibbonButton(
    "kpiXlSettings", "Settings", "ControlProperties", "KpiSettings", "settings",
    "Open kpi-xl.yaml beside the workbook (made from the defaults when there is none).", "tools")

# The parts of the indicator tables: part name -> (button, purposes; None: the whole plan).
TABLE_PARTS: dict[str, tuple[RibbonButton, tuple[Purpose, ...] | None]] = {
    "all": (REFRESH_ALL, None), "rag": (RAG, ("rag",)), "direction": (DIRECTION, ("direction",)),
    "comparators": (COMPARATORS, ("comparators",)),
}


def ribbon_buttons() -> list[RibbonButton]:
    """Every button, in tab order within each group."""
    return [button for button, _ in TABLE_PARTS.values()] + \
        [kind.button for kind in with_buttons()] + [SETTINGS]


def part_purposes() -> dict[str, tuple[Purpose, ...] | None]:
    """Each part a button applies -> its purposes (None: the whole plan);
    an owned sheet's part is named by its role."""
    return {**{part: purposes for part, (_, purposes) in TABLE_PARTS.items()},
            **{kind.role: (kind.purpose,) for kind in with_buttons()}}


# --- the ribbon XML ---------------------------------------------------------------------------

_BUTTON_INDENT = " " * 18  # attributes line up under the first one


def custom_ui_xml(buttons: list[RibbonButton] | None = None) -> bytes:
    """The customUI14.xml of the KPI tab: one group after another, each button
    calling its VBA Sub."""
    buttons = ribbon_buttons() if buttons is None else buttons
    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
             "<!-- The KPI ribbon tab of kpi_xl.xlam. Each onAction names a Sub in kpi_xl.bas,",
             "     which runs one function of kpi_xl.excel.ribbon through xlwings' RunPython. -->",
             f'<customUI xmlns="{CUSTOM_UI_NS}">', "  <ribbon>", "    <tabs>",
             '      <tab id="kpiXlTab" label="KPI">']
    for key, (group_id, label) in GROUPS.items():
        members = [b for b in buttons if b.group == key]
        if not members:
            continue
        lines.append(f'        <group id="{group_id}" label={_attr(label)}>')
        lines.extend(line for b in members for line in _button_xml(b))
        lines.append("        </group>")
    lines += ["      </tab>", "    </tabs>", "  </ribbon>", "</customUI>", ""]
    return "\n".join(lines).encode("utf-8")


def _button_xml(button: RibbonButton) -> list[str]:
    return [f'          <button id={_attr(button.id)} label={_attr(button.label)} size="large" '
            f'imageMso={_attr(button.image)}',
            f"{_BUTTON_INDENT}onAction={_attr(button.callback)}",
            f"{_BUTTON_INDENT}screentip={_attr(button.label)}",
            f"{_BUTTON_INDENT}supertip={_attr(button.supertip)}/>"]


def _attr(text: str) -> str:
    return '"' + escape(text, {'"': "&quot;"}) + '"'


# --- the VBA module ---------------------------------------------------------------------------

VBA_MODULE_NAME = "kpi_xl"
RIBBON_MODULE = "kpi_xl.excel.ribbon"
_VBA_HEADER = [
    f'Attribute VB_Name = "{VBA_MODULE_NAME}"',
    "' kpi-xl ribbon callbacks: one Sub per button of the KPI tab (customUI14.xml).",
    "' Each runs one function of the kpi_xl Python package through xlwings' RunPython;",
    "' the work (reading the workbook, rules, writing) is all in Python.",
    "' kpi-xl addin build writes this module into kpi_xl.xlam's VBA project (macros/README.md).",
    "' Each passes XLWINGS_VERSION, the version of the xlwings VBA the add-in was built from",
    "' (a constant of the add-in's xlwings module), so Python can say when it no longer matches.",
    "Option Explicit",
]


def vba_module(buttons: list[RibbonButton] | None = None) -> str:
    """kpi_xl.bas as the VBA editor would import it (CRLF line endings): a Sub
    per button running its function of kpi_xl.excel.ribbon, passing the
    add-in's xlwings version."""
    buttons = ribbon_buttons() if buttons is None else buttons
    lines = list(_VBA_HEADER)
    for button in buttons:
        lines += ["", f"' {button.label}", f"Sub {button.callback}(control As IRibbonControl)",
                  f'    RunPython "import {RIBBON_MODULE} as r; r.{button.function}(\'" & '
                  f"XLWINGS_VERSION & \"')\"",
                  "End Sub"]
    return "\r\n".join(lines) + "\r\n"


def write_macros(folder: str | Path) -> None:
    """Write macros/customUI14.xml and macros/kpi_xl.bas from the buttons."""
    folder = Path(folder)
    (folder / "customUI14.xml").write_bytes(custom_ui_xml())
    (folder / "kpi_xl.bas").write_bytes(vba_module().encode("cp1252"))


if __name__ == "__main__":  # python -m kpi_xl.excel.buttons [folder]: refresh macros/
    import sys

    from ..paths import MACROS_DIR

    write_macros(sys.argv[1] if len(sys.argv) > 1 else MACROS_DIR)
