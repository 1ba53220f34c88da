"""A1 references (kpi_xl.xlsx.refs): the fast spelling split against the pattern it stands for."""
from __future__ import annotations

import random
import re

import pytest

from kpi_xl.errors import WriteError
from kpi_xl.xlsx.refs import cell_position, col_index, parse_cell

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def _by_pattern(ref):
    """cell_position as it was (the oracle): the pattern alone."""
    match = _CELL.match(ref.strip()) if isinstance(ref, str) else None
    if not match:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(match.group(2)), col_index(match.group(1))


def _outcome(f, ref):
    try:
        return f(ref)
    except ValueError as exc:
        return ("ValueError", str(exc))


def _refs(rng: random.Random, n: int):
    alphabet = "AZaz09$ .:\t\n_é١²"  # digits of other scripts, superscripts: not [0-9]
    yield from ["A1", "XFD1048576", "$G$5", " G5 ", "g5", "AAAA1", "A12345678", "A0", "1A", "A", "5",
                "", "A1B", "AB12\n", "A٣", "A²", 12, None, "A 1", "$$A1", "A$$1"]
    for _ in range(n):
        letters = "".join(rng.choice("ABCXYZabcxyz") for _ in range(rng.randint(0, 4)))
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 8)))
        ref = letters + digits
        if rng.random() < 0.3:
            i = rng.randint(0, len(ref))
            ref = ref[:i] + rng.choice(alphabet) + ref[i:]
        yield ref


def test_cell_position_as_the_pattern_reads_it():
    for ref in _refs(random.Random(5), 20_000):
        assert _outcome(cell_position, ref) == _outcome(_by_pattern, ref), ref


@pytest.mark.parametrize("ref, expected", [("A1", (1, 1)), ("XFD1048576", (1_048_576, 16_384)),
                                           ("$b$7", (7, 2))])
def test_parse_cell(ref, expected):
    assert parse_cell(ref) == expected


@pytest.mark.parametrize("ref", ["XFE1", "A1048577", "A0", "G"])
def test_parse_cell_refuses_outside_or_not_a_cell(ref):
    with pytest.raises(WriteError):
        parse_cell(ref)


def test_column_in_row_as_parse_cell_reads_it():
    """The looked-up column of a row's cell against parse_cell on varied spellings."""
    import random

    from kpi_xl.errors import WriteError
    from kpi_xl.xlsx.refs import MAX_ROW, column_in_row, parse_cell, row_digits

    def outcome(f, *args):
        try:
            return f(*args)
        except WriteError:
            return "WriteError"

    rng = random.Random(16)
    pieces = ["A", "a", "XFD", "XFE", "zz", "AAAA", "$A", "A$", "", "1", "0", " ", "Ä"]
    for _ in range(20000):
        row = rng.choice([1, 5, 15, 0, MAX_ROW, MAX_ROW + 1, rng.randint(1, 10**7)])
        digits = row_digits(row)
        tail = rng.choice([str(row), "0" + str(row), str(row + 1), str(row)[1:], ""])
        ref = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 2))) + tail
        if not ref:
            continue
        expected = outcome(lambda r: parse_cell(r)[1], ref)
        assert outcome(column_in_row, ref, digits) == expected, (ref, row)
