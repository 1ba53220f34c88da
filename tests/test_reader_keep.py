"""A huge sheet is read holding only the rows a table can use, and the same tables are found."""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from kpi_xl.config import load_config
from kpi_xl.reader import keep, read_workbook
from kpi_xl.reader.cells import Workbook as Book
from kpi_xl.templates import example_workbook

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "workbooks"
PERIODS = ["Q1 2023-24", "Q2 2023-24", "Q3 2023-24", "Q4 2023-24"]


def _dashboard_with_data_below(path: Path, data_rows: int = 3000) -> Path:
    """Two titled tables (one with merged bands), prose, then raw figures below
    on the same sheet, then a third table after the figures."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Dashboard"
    ws.append(["Children's Services Dashboard"])
    ws.append([])
    ws.append(["Dashboard Item 1 – Front Door"])
    ws.append(["Measure", *PERIODS, "Target", "Direction of Travel"])
    for i in range(6):
        ws.append([f"Front door measure {i}", *[0.5 + 0.01 * (i + q) for q in range(4)], 0.6, "↑"])
    ws.append(["What does this show us?"])
    ws.append(["Referrals held steady over the quarter."])
    ws.append([])
    ws.append(["Dashboard Item 2 – Child Protection"])
    top = ws.max_row + 1
    ws.append(["", "2023-24", None, None, None, ""])
    ws.merge_cells(start_row=top, start_column=2, end_row=top, end_column=5)
    ws.append(["Indicator", "Q1", "Q2", "Q3", "Q4", "Target"])
    for i in range(5):
        ws.append([f"CP measure {i}", *[10 + i + q for q in range(4)], 12])
    ws.append([])
    ws.append([])
    ws.append(["Child ID", "Team", "Outcome", "Days", "Age"])
    for k in range(data_rows):
        ws.append([100000 + k, "North", "NFA", k % 45, k % 18])
    ws.append([])
    ws.append([])
    ws.append(["Dashboard Item 3 – Care Leavers"])
    ws.append(["Measure", *PERIODS])
    for i in range(3):
        ws.append([f"Care leaver measure {i}", *[0.8 + 0.01 * q for q in range(4)]])
    wb.save(path)
    return path


def _books(tmp_path: Path) -> list[Path]:
    books = [_dashboard_with_data_below(tmp_path / "dashboard.xlsx"),
             example_workbook(tmp_path / "example")]
    books += sorted(SHARED.glob("*.xlsx")) if SHARED.exists() else []
    return books


def _reading(path: Path):
    table = read_workbook(path, load_config())
    return (table.frame.to_dict("records"), [repr(layout) for layout in table.layouts],
            [f.as_dict() for f in table.findings])


def test_tables_found_are_the_same_when_every_sheet_is_read_as_huge(tmp_path, monkeypatch):
    for book in _books(tmp_path):
        whole = _reading(book)
        monkeypatch.setattr(keep, "BIG_SHEET", -1)
        streamed = _reading(book)
        monkeypatch.undo()
        assert streamed == whole, book.name


def test_rows_no_table_uses_are_not_held(tmp_path):
    book = _dashboard_with_data_below(tmp_path / "dashboard.xlsx", data_rows=5000)
    with Book(book) as wb:
        whole = wb.read_sheet("Dashboard")
        kept = wb.read_sheet("Dashboard", keep=keep.table_rows)
    assert len(whole.rows) > 5000
    assert len(kept.rows) < 60
    assert kept.last_row == whole.last_row
    assert kept.merges == whole.merges
    data_first = next(r for r, cells in whole.rows.items() if cells.get(1) and cells[1].value == "Child ID")
    assert data_first not in kept.rows and data_first + 100 not in kept.rows
    for r in kept.rows:  # what is kept is kept whole
        assert kept.rows[r] == whole.rows[r]


def test_merge_scan_reads_what_the_parser_reads(tmp_path):
    book = _dashboard_with_data_below(tmp_path / "dashboard.xlsx", data_rows=10)
    with Book(book) as wb:
        part = wb.sheet("Dashboard").part
        assert wb._scan_merges(part) == wb.read_sheet("Dashboard").merges != []
