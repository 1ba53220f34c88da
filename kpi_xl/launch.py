"""The ``kpi-xl`` console script: :func:`kpi_xl.cli.main`, after one thing.

Before a refresh writes, every part of the workbook is read through once
for its CRC (:mod:`kpi_xl.xlsx.part_check`). Beside a big extract that is
most of the work, and it needs nothing the command line imports: so for
``kpi-xl refresh BOOK.xlsx`` it starts here, in a child process, while
typer and kpi-xl's own modules are imported and the workbook is
read and planned. The package opened later on the same file adopts it; a
workbook the command never opens (an output name, a refusal) only costs
the child's reading, which ends with the command.
"""
from __future__ import annotations

import sys

_EARLY_MAX = 4  # books named at once: a folder or a long list is the batch's to share out
_VALUE_OPTIONS = ("-o", "--output", "-c", "--config")  # their values are not books to read


def main() -> None:
    start_part_checks(sys.argv[1:])
    from kpi_xl.cli import main as cli_main

    cli_main()


def start_part_checks(args: list[str]) -> None:
    """Start the part check of each workbook ``kpi-xl refresh`` names."""
    if not args or args[0] != "refresh":
        return
    books = [a for before, a in zip(args, args[1:]) if before not in _VALUE_OPTIONS
             and not a.startswith("-") and a.lower().endswith((".xlsx", ".xlsm"))]
    if not books or len(books) > _EARLY_MAX:
        return
    from kpi_xl.xlsx import part_check

    for book in books:
        try:
            part_check.start_early(book)
        except OSError:  # not there, or not readable: the command says so
            continue
