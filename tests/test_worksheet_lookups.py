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
