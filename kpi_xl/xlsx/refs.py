"""A1 references: columns, cells, ranges, sqref lists and sheet-qualified
references, for the reader and both writers (the one module for them, as
XlsxWriter has one: nothing else in kpi-xl parses or spells A1), and the
names Excel accepts for a sheet (the config checks its sheet names here)."""
from __future__ import annotations

import re
from functools import lru_cache

from kpi_xl.errors import WriteError, quote_sheet  # noqa: F401  (quote_sheet: spelled here too)

MAX_ROW = 1_048_576
MAX_COL = 16_384

_ASCII_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
# The column letters at the start of a cell's r="G5" (the reader's hot path).
COLUMN_OF_REF = re.compile(r"([A-Za-z]{1,3})[0-9]")


@lru_cache(maxsize=None)
def col_index(letters: str) -> int:
    """'A' -> 1, 'XFD' -> 16384 (any case). Raises ValueError for anything
    but letters. Cached: the reader asks for every cell it keeps."""
    n = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise ValueError(f"not a column letter: {letters!r}")
        n = n * 26 + (ord(ch) - 64)
    return n


@lru_cache(maxsize=None)
def col_letters(index: int) -> str:
    """1 -> 'A', 16384 -> 'XFD'."""
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_position(ref: str) -> tuple[int, int]:
    """'G5' or '$G$5' -> (row 5, column 7); ValueError for anything else
    (no check that the cell is inside a sheet: see :func:`parse_cell`)."""
    if type(ref) is str and ref.isascii() and ref.isalnum():
        # The common spelling (letters then digits, no $ or spaces) split by
        # str methods: the writers ask for hundreds of thousands of cells.
        digits = ref.lstrip(_ASCII_LETTERS)
        letters = len(ref) - len(digits)
        if 0 < letters <= 3 and 0 < len(digits) <= 7 and digits.isdigit():
            return int(digits), col_index(ref[:letters])
    return _cell_position_matched(ref)


def _cell_position_matched(ref: str) -> tuple[int, int]:
    """:func:`cell_position` by its pattern (every spelling it takes)."""
    match = _CELL.match(ref.strip()) if isinstance(ref, str) else None
    if not match:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(match.group(2)), col_index(match.group(1))


def parse_cell(ref: str) -> tuple[int, int]:
    """'G5' -> (row 5, column 7), inside the sheet. Raises WriteError for anything else."""
    try:
        row, col = cell_position(ref)
    except ValueError:
        raise WriteError(f"{ref!r} is not a cell reference like G5") from None
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        raise WriteError(f"cell {ref} is outside the sheet (A1:XFD1048576)")
    return row, col


def row_digits(row: int) -> str | None:
    """How the cells of row ``row`` spell its number ("5" for row 5), for
    :func:`column_in_row`; None for a number outside the sheet."""
    return str(row) if 1 <= row <= MAX_ROW else None


def column_in_row(ref: str, digits: str | None) -> int:
    """``parse_cell(ref)[1]`` for a cell of the row :func:`row_digits`
    spells ``digits``: the letters before the row's own digits are looked
    up (the writer reads every cell of each row it writes into); any other
    spelling, and any error, is :func:`parse_cell`'s."""
    if digits is not None and ref.endswith(digits):
        col = _column_number(ref[:-len(digits)])
        if col:
            return col
    return parse_cell(ref)[1]


@lru_cache(maxsize=1 << 16)
def _column_number(letters: str) -> int:
    """'G' -> 7 for one to three ASCII letters naming a column of the sheet
    (any case, as :func:`cell_position` reads them), 0 for anything else."""
    if 0 < len(letters) <= 3 and letters.isascii() and letters.isalpha():
        col = col_index(letters)
        return col if col <= MAX_COL else 0
    return 0


def cell_ref(row: int, col: int) -> str:
    return f"{col_letters(col)}{row}"


def parse_range(text: str) -> tuple[int, int, int, int]:
    """'G5:H40' (or 'G5') -> (row1, col1, row2, col2), normalised so 1 <= 2."""
    parts = text.strip().split(":")
    if len(parts) == 1:
        r, c = parse_cell(parts[0])
        return r, c, r, c
    if len(parts) != 2:
        raise WriteError(f"{text!r} is not a range like G5:G40")
    r1, c1 = parse_cell(parts[0])
    r2, c2 = parse_cell(parts[1])
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def range_ref(r1: int, c1: int, r2: int, c2: int) -> str:
    a, b = cell_ref(r1, c1), cell_ref(r2, c2)
    return a if a == b else f"{a}:{b}"


def normalise_sqref(sqref: str) -> str:
    """Canonical form of a space-separated range list: no $, upper case,
    single cells as 'A1'. Order is kept (Excel keeps it)."""
    return " ".join(range_ref(*parse_range(part)) for part in sqref.split())


def in_range(row: int, col: int, bounds: tuple[int, int, int, int]) -> bool:
    r1, c1, r2, c2 = bounds
    return r1 <= row <= r2 and c1 <= col <= c2


_UPPER_CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")


def absolute_ref(ref: str) -> str:
    """'Targets!B2' -> 'Targets!$B$2', 'B2' -> '$B$2'; anything else as it is."""
    sheet, _, cell = ref.rpartition("!")
    m = _UPPER_CELL.fullmatch(cell)
    if not m:
        return ref
    absolute = f"${m.group(1)}${m.group(2)}"
    return f"{sheet}!{absolute}" if sheet else absolute


def columns_in(text: str) -> list[str]:
    """The column letters of the cell references in ``text``: 'G5:H9' -> ['G', 'H']."""
    return [m.group(1) for m in _UPPER_CELL.finditer(text)]


def sqref_columns(sqref: str) -> set[str]:
    """Column letters a sqref ("G5:H9 J5") covers."""
    letters: set[str] = set()
    for area in sqref.split():
        ends = [re.match(r"\$?([A-Za-z]+)", end).group(1).upper() for end in area.split(":")]
        first, last = col_index(ends[0]), col_index(ends[-1])
        letters.update(col_letters(i) for i in range(min(first, last), max(first, last) + 1))
    return letters


def split_sheet_ref(ref: str, own_sheet: str | None = None) -> tuple[str | None, str]:
    """"'My sheet'!B5:G10" -> ('My sheet', 'B5:G10'); a bare 'B5' is on
    ``own_sheet`` (None when not given). Inverse of ``f"{quote_sheet(sheet)}!{cells}"``."""
    if "!" not in ref:
        return own_sheet, ref
    sheet, _, cells = ref.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cells


# ------------------------------------------------------------ sheet names

FORBIDDEN_SHEET_CHARS = set('[]:*?/\\')
MAX_SHEET_NAME = 31


def sheet_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a sheet name, or None when it can."""
    if not name or not name.strip():
        return "a sheet name cannot be empty"
    if len(name) > MAX_SHEET_NAME:
        return f"sheet name {name!r} is longer than {MAX_SHEET_NAME} characters"
    bad = sorted(FORBIDDEN_SHEET_CHARS.intersection(name))
    if bad:
        return f"sheet name {name!r} contains {' '.join(bad)}, which Excel does not allow"
    if name.startswith("'") or name.endswith("'"):
        return f"sheet name {name!r} starts or ends with an apostrophe, which Excel does not allow"
    if name.casefold() == "history":
        return "'History' is reserved by Excel and cannot be a sheet name"
    if any(ord(ch) < 32 for ch in name):
        return f"sheet name {name!r} contains a control character"
    return None
