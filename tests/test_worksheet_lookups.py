"""SheetPatcher's once-read lookups against the readings they replace."""
from __future__ import annotations

import random

from lxml import etree

from kpi_xl.xlsx.worksheet import SheetPatcher

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


class _Ctx:
    file = "book.xlsx"


def _column_style_as_it_was(patcher: SheetPatcher, col: int) -> int:
    """default_style's column part as it was (the oracle): the <col> elements read for each new cell."""
    cols = patcher.root.find(patcher.q("cols"))
    if cols is not None:
        for el in cols.iterfind(patcher.q("col")):
            if int(el.get("min", "0")) <= col <= int(el.get("max", "0")) and el.get("style"):
                return int(el.get("style"))
    return 0


def _outcome(f, *args):
    try:
        return f(*args)
    except ValueError:
        return "ValueError"


def _sheet(rng: random.Random) -> etree._Element:
    def bounds() -> tuple[str, str]:
        lo = rng.randint(1, 20)
        hi = lo + rng.randint(-1, 4)
        return ("y" if rng.random() < 0.03 else str(lo)), str(hi)

    cols = "".join(
        '<col min="%s" max="%s"' % bounds()
        + (f' style="{rng.choice(["0", "3", "7", "", "x"])}"' if rng.random() < 0.7 else "")
        + (' width="9"' if rng.random() < 0.5 else "") + "/>"
        for _ in range(rng.randint(0, 6)))
    row = '<row r="2" customFormat="1" s="4"/>' if rng.random() < 0.3 else ""
    body = f"<cols>{cols}</cols>" if cols or rng.random() < 0.5 else ""
    return etree.fromstring(f'<worksheet xmlns="{MAIN}">{body}<sheetData>{row}</sheetData></worksheet>')


def test_new_cells_take_the_style_the_col_elements_give():
    rng = random.Random(3)
    for _ in range(500):
        root = _sheet(rng)
        patcher = SheetPatcher(_Ctx(), "Data", "xl/worksheets/sheet1.xml", 1, root)
        patcher._index_rows()
        for col in rng.sample(range(0, 25), 8):
            row = rng.choice([1, 2])
            row_el = patcher._rows.get(row)
            if row_el is not None and row_el.get("customFormat") == "1":
                expected = 4
            else:
                expected = _outcome(_column_style_as_it_was, patcher, col)
            assert _outcome(patcher.default_style, row, col) == expected, etree.tostring(root)


# ---- a cell made where there is none: as set_cell makes it into an empty one

def _cell_written(tmp_path, name: str, body: str, value, formula, style, shared: bool) -> bytes:
    from kpi_xl.plan import Plan
    from kpi_xl.xlsx import writer
    from kpi_xl.xlsx.package import Package
    from tests.test_xlsx_support import build_package, sheet_xml

    path = build_package(tmp_path / f"{name}.xlsx", {"Data": sheet_xml(body)},
                         shared_strings=["x"] if shared else None)
    with Package.open(path) as pkg:
        plan = Plan()
        plan.set("Data", "C1", value, formula=formula, style=style)
        writer.build_changes(pkg, plan)
        root = pkg.new["xl/worksheets/sheet1.xml"]
        (c,) = [el for el in root.iter(f"{{{MAIN}}}c") if el.get("r") == "C1"]
        return etree.tostring(c)


def test_a_new_cell_is_the_cell_set_cell_writes_into_an_empty_one(tmp_path):
    """SheetPatcher._set_new_cell (every attribute at once) gives the very
    element the step-by-step path gives a cell present but empty: attributes
    in the same order, the same children, the same shared string and format."""
    from kpi_xl.plan import Style

    bold = Style(bold=True)
    cases = [("text", None, bold), ("=looks like a formula", None, None), (12.5, None, bold), (7, None, None),
             (True, None, bold), ("RED", 'IF(A1>0,"RED","GREEN")', bold), (3, "A1+2", None),
             (None, "A1+2", bold), ("#N/A", "NA()", None), (False, "A1>5", None), ("multi\nline ", None, None)]
    for n, (value, formula, style) in enumerate(cases):
        for shared in (True, False):
            new = _cell_written(tmp_path, f"new{n}{shared}", '<row r="1"><c r="A1"><v>1</v></c></row>',
                                value, formula, style, shared)
            empty = _cell_written(tmp_path, f"empty{n}{shared}",
                                  '<row r="1"><c r="A1"><v>1</v></c><c r="C1"/></row>', value, formula, style, shared)
            assert new == empty, (value, formula, shared)
