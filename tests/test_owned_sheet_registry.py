"""Owned sheets are listed once (kpi_xl.owned_sheets.registry), and the refresh,
the ribbon, the live writer and the add-in's customUI and VBA module follow
the list.

A small extra owned sheet is registered here by appending it to the real
list, exactly as a new module would be: it must reach a refresh's plan and
the written workbook, the ribbon's callbacks and status line, the built
add-in's ribbon XML and (read back with oletools) its VBA module. Then, a
static check that none of the modules that iterate the list names an owned
sheet by hand.
"""
from __future__ import annotations

import ast
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from oletools.olevba import VBA_Parser

import kpi_xl
from kpi_xl.config import load_config
from kpi_xl.excel import addin, buttons, ribbon
from kpi_xl.excel.parts import narrow_plan
from kpi_xl.owned_sheets import registry
from kpi_xl.owned_sheets.registry import OWNED_SHEETS, OwnedSheetKind, RibbonButton
from kpi_xl.paths import MACROS_DIR
from kpi_xl.plan import OwnedSheet, SetCell, Style
from kpi_xl.reader import read_sheet_rows
from kpi_xl.refresh_job import build_refresh, refresh
from kpi_xl.templates import example_workbook
from kpi_xl.xlsx.workbook_part import owned_sheets

from .test_excel_live_writer import FakeBook

ROLE = "test_tally"
SHEET_NAME = "Tally"
BUTTON = RibbonButton("kpiXlTestTally", "Tally", "Calculator", "KpiTestTally", "test_tally",
                      "Count the indicators by rating on their own sheet.", "tools",
                      "kpi-xl: {RED} red indicators tallied on {sheets}")
UI_NS = {"ui": buttons.CUSTOM_UI_NS}
WANTED = {"tally": True}  # a council's setting would turn it off; here the test does


def plan_tally(job) -> OwnedSheet | None:
    """The extra sheet's module would hold this: one row per rating."""
    if not WANTED["tally"]:
        return None
    sheet = OwnedSheet(role=ROLE, name=SHEET_NAME, purpose="tally")
    sheet.cells.append(SetCell("", "A1", "Rating", style=Style(bold=True)))
    for row, rating in enumerate(("RED", "AMBER", "GREEN"), start=2):
        sheet.cells.append(SetCell("", f"A{row}", rating))
        sheet.cells.append(SetCell("", f"B{row}", sum(r["rag"] == rating for r in job.records)))
    return sheet


@pytest.fixture
def tally():
    """The one line a new owned sheet adds to the registry, for this test only."""
    kind = OwnedSheetKind(ROLE, "tally", plan_tally, BUTTON)
    OWNED_SHEETS.append(kind)
    try:
        yield kind
    finally:
        OWNED_SHEETS.remove(kind)


@pytest.fixture
def book(tmp_path) -> Path:
    return example_workbook(tmp_path)


def test_a_registered_sheet_is_planned_and_written_by_the_refresh(tally, book, tmp_path):
    config = load_config()
    result = build_refresh(book, config)
    [sheet] = [s for s in result.plan.sheets if s.role == ROLE]
    assert sheet.purpose == "tally" and sheet.name == SHEET_NAME
    assert [s.role for s in result.plan.sheets][-1] == ROLE  # after the shipped ones
    out = tmp_path / "out.xlsx"
    refresh(book, config, output=out, backup="none")
    assert owned_sheets(out)[ROLE] == SHEET_NAME
    rows = read_sheet_rows(out, SHEET_NAME)
    counts = result.counts
    assert rows[1:4] == [["RED", counts["RED"]], ["AMBER", counts["AMBER"]],
                         ["GREEN", counts["GREEN"]]]


def test_a_registered_sheet_turned_off_is_removed(tally, book, tmp_path, monkeypatch):
    out = tmp_path / "out.xlsx"
    refresh(book, load_config(), output=out, backup="none")
    monkeypatch.setitem(WANTED, "tally", False)
    again = build_refresh(out, load_config())
    assert ROLE not in [s.role for s in again.plan.sheets]
    assert [(r.role, r.purpose) for r in again.plan.remove] == [(ROLE, "tally")]


def test_a_registered_sheet_has_its_ribbon_button(tally, book):
    press = ribbon.test_tally  # what the VBA's RunPython calls
    assert press.__name__ == "test_tally"
    assert tally.role in buttons.part_purposes()
    result = build_refresh(book, load_config())
    part = narrow_plan(result, ROLE)
    assert [s.role for s in part.sheets] == [ROLE] and not part.changes

    opened = FakeBook(["Indicators"], fullname=str(book))
    summary = ribbon.run_part(ROLE, opened, platform="win")
    assert summary["sheets_added"] == [SHEET_NAME]
    assert opened.sheets["Indicators"].values == {}  # the council's sheets untouched
    assert opened.app.state["status_bar"] == \
        f"kpi-xl: {result.counts['RED']} red indicators tallied on {SHEET_NAME}"


def test_ribbon_callbacks_are_only_the_registered_ones():
    with pytest.raises(AttributeError):
        ribbon.test_tally  # not registered outside the fixture
    assert ribbon.exceptions.__name__ == "exceptions"


def test_a_registered_sheet_reaches_the_built_addin(tally, tmp_path):
    built = addin.build_addin(tmp_path / "kpi_xl.xlam")
    with zipfile.ZipFile(built) as z:
        ui = etree.fromstring(z.read(addin.CUSTOM_UI_PART))
    [button] = ui.findall(f".//ui:button[@id='{BUTTON.id}']", UI_NS)
    assert button.get("onAction") == BUTTON.callback and button.get("label") == "Tally"
    assert button.getparent().get("id") == buttons.GROUPS["tools"][0]
    labels = [b.get("label") for b in ui.iterfind(".//ui:button", UI_NS)]
    assert labels[-2:] == ["Tally", "Settings"]  # Settings stays last

    parser = VBA_Parser(str(built))
    try:
        modules = {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    ours = modules["kpi_xl.bas"].replace("\r\n", "\n")
    sub = re.search(r"^Sub KpiTestTally\(control As IRibbonControl\)\n(.*?)^End Sub$", ours,
                    re.M | re.S)
    assert sub, "no Sub for the registered sheet's button in the add-in's VBA"
    assert "import kpi_xl.excel.ribbon as r; r.test_tally('\" & XLWINGS_VERSION" in sub.group(1)


def test_macros_folder_holds_the_generated_ribbon_and_vba():
    """macros/ is for reading; a button changed without
    `python -m kpi_xl.excel.buttons` leaves it stale, and this says so."""
    assert (MACROS_DIR / "customUI14.xml").read_bytes() == buttons.custom_ui_xml(), \
        "macros/customUI14.xml is stale: run python -m kpi_xl.excel.buttons"
    assert (MACROS_DIR / "kpi_xl.bas").read_bytes() == buttons.vba_module().encode("cp1252"), \
        "macros/kpi_xl.bas is stale: run python -m kpi_xl.excel.buttons"


# --- nothing names an owned sheet by hand ---------------------------------------------------

PACKAGE = Path(kpi_xl.__file__).parent
ITERATING = ["refresh_job.py", "excel/ribbon.py", "excel/parts.py", "excel/buttons.py",
             "excel/live_writer.py", "excel/addin.py", "pack/model.py"]
SHEET_MODULES = {f"kpi_xl.owned_sheets.{m}" for m in ("exceptions", "data_quality", "charts")}


def _imports(tree: ast.AST, module: str) -> list[tuple[str, str]]:
    """(module, name) imported at run time (not under TYPE_CHECKING), absolute."""
    package = module.rsplit(".", 1)[0]
    found = []
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
            and ast.unparse(node.test) == "TYPE_CHECKING" for n in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.ImportFrom):
            continue
        base = package.split(".")
        if node.level:
            base = base[: len(base) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else [])) if node.level \
            else node.module
        found += [(target, alias.name) for alias in node.names]
    return found


@pytest.mark.parametrize("relative", ITERATING)
def test_no_module_that_follows_the_registry_names_an_owned_sheet(relative):
    path = PACKAGE / relative
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = "kpi_xl." + relative[:-3].replace("/", ".")
    roles = {kind.role for kind in registry.OWNED_SHEETS}
    named = [node.value for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and node.value in roles]
    assert not named, f"{relative} names owned sheets by hand: {named}"
    wired = [f"{m}.{n}" for m, n in _imports(tree, module)
             if m in SHEET_MODULES and n not in ("Note",)]
    assert not wired, f"{relative} imports an owned sheet's module: {wired}"


def test_the_shipped_registry():
    assert [(k.role, k.purpose, k.button.label if k.button else None) for k in OWNED_SHEETS] == [
        ("exceptions", "exceptions", "Exceptions"), ("data_quality", "quality", "Check data"),
        ("charts", "charts", None)]
    ids = [b.id for b in buttons.ribbon_buttons()]
    assert len(ids) == len(set(ids))
