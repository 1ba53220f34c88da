"""The ``layout:`` section of a council's config: tables detection cannot read.

Each entry names a sheet and may give its header rows, first and last
indicator rows, column roles (``{name: B, target: F, rag: H, sn: K}``),
period columns (``{G: "Q1 2023-24"}``), the sheet where targets and
polarity live, or ``skip: true``. What an entry gives wins over detection;
what it leaves out is still detected.
"""
from __future__ import annotations

from ..config import Config, SheetLayout
from ..errors import ConfigError, LayoutError, Place
from ..periods import parse_period
from ..xlsx.refs import cell_ref, col_index as column_index
from .rowwise import IN_YEAR, date_by_row_year, in_year_template, is_row_wise, settle_relative
from .detect import (COMPARATOR_KINDS, ROLES, Block, Column, Header, View, classify_column,
                     one_column_per_role, clip_columns, find_headers, read_body, text_of)

# Short spellings a council may write in config for the comparator roles.
ROLE_SPELLINGS = {
    **{role: role for role in ROLES},
    **{kind: f"comparator:{kind}" for kind in COMPARATOR_KINDS},
    "statistical_neighbours": "comparator:sn", "national": "comparator:england",
    "direction": "dot", "sparkline": "trend", "comment": "commentary", "code": "id",
    # a scorecard giving each row its period (kpi_xl.reader.rowwise)
    "period": "row_period", "current": "latest", "same_period_last_year": "last_year",
}


def entries_by_sheet(config: Config, sheet_names: list[str]) -> dict[str, list[tuple[int, SheetLayout]]]:
    """Every config layout entry by the sheet it names, in config order (a
    sheet with stacked tables has one entry per table). A ``skip`` entry
    stands alone."""
    found: dict[str, list[tuple[int, SheetLayout]]] = {}
    lower = {name.lower(): name for name in sheet_names}
    for index, layout in enumerate(config.layout):
        name = layout.sheet if layout.sheet in sheet_names else lower.get(layout.sheet.lower())
        if name is None:
            if layout.skip:
                continue
            raise LayoutError(f"layout -> {index} -> sheet: no sheet named {layout.sheet!r} in the "
                              f"workbook (sheets: {', '.join(sheet_names)})",
                              Place(file=config.source))
        entries = found.setdefault(name, [])
        if layout.skip:
            found[name] = [(index, layout)]
        elif not (entries and entries[0][1].skip):
            entries.append((index, layout))
    return found


def blocks_from_layout(view: View, layout: SheetLayout, index: int, config: Config) -> list[Block]:
    """The tables of a sheet read with its layout entry applied."""
    where = f"layout -> {index}"
    # One of tables side by side: only its columns are looked at.
    beside = tuple(column_index(letters) for letters in layout.span.split(":")) if layout.span else None
    if beside:
        view = View(clip_columns(view.grid, *beside))
    _check_rows(view, layout, where, config)
    if layout.header_rows:
        headers = [header_from_rows(view, sorted(layout.header_rows))]
    else:
        limit = layout.first_row - 1 if layout.first_row else None
        headers = [h for h in find_headers(view, last_row=limit) if h.kind == "indicators"]
        if layout.first_row and headers:
            headers = headers[-1:]  # the header just above the configured first row
        if not headers:
            bottom = (layout.first_row - 1) if layout.first_row else 0
            headers = [Header(view.sheet, (bottom,) if bottom else (), {})]
    blocks = []
    for i, header in enumerate(headers):
        _apply_columns(header, layout, where, config)
        _require(header, layout, where, config)
        stop = headers[i + 1].top if i + 1 < len(headers) else None
        first = layout.first_row
        if first is None and not header.rows:
            first = 1
        block = read_body(view, header, stop, first=first, last=layout.last_row)
        _check_columns(view, block, layout, where, config)
        if layout.area:
            block.area = layout.area
        block.source = where
        block.beside = beside
        blocks.append(block)
    return blocks


def _check_rows(view: View, layout: SheetLayout, where: str, config: Config) -> None:
    """Configured rows must exist: a header row with labels, a first row
    at or before the last and within the sheet."""
    last = view.grid.last_row
    for i, row in enumerate(layout.header_rows or []):
        if row < 1 or view.is_blank(row):
            raise LayoutError(f"{where} -> header_rows -> {i}: row {row} of sheet {layout.sheet!r} "
                              "is empty; expected the row holding the column labels",
                              Place(file=config.source, key=f"{where} -> header_rows -> {i}"))
    for key in ("first_row", "last_row"):
        row = getattr(layout, key)
        if row is not None and not 1 <= row <= max(last, 1):
            raise LayoutError(f"{where} -> {key}: row {row} is outside sheet {layout.sheet!r} "
                              f"(rows 1 to {last})", Place(file=config.source, key=f"{where} -> {key}"))
    if layout.first_row and layout.last_row and layout.first_row > layout.last_row:
        raise LayoutError(f"{where} -> last_row: row {layout.last_row} is above first_row "
                          f"{layout.first_row}", Place(file=config.source, key=f"{where} -> last_row"))


def _check_columns(view: View, block: Block, layout: SheetLayout, where: str, config: Config) -> None:
    """A configured name column must hold the names of the rows read."""
    letter = next((v for k, v in layout.columns.items() if ROLE_SPELLINGS.get(str(k).lower()) == "name"), None)
    if letter is None:
        return
    start = layout.first_row or (block.header.bottom + 1)
    end = layout.last_row or min(view.grid.last_row, start + 200)
    rows = block.indicator_rows or [r for r in range(start, end + 1) if not view.is_blank(r)]
    if not rows:
        return
    col = column_index(str(letter).strip())
    if not any(text_of(view.raw(r, col)) for r in rows):
        raise LayoutError(f"{where} -> columns -> name: column {letter} of sheet {layout.sheet!r} is "
                          f"empty in rows {rows[0]}-{rows[-1]}; expected the indicator names",
                          Place(file=config.source, key=f"{where} -> columns -> name"))


def header_from_rows(view: View, rows: list[int]) -> Header:
    """A header made of exactly the configured rows (bands first)."""
    columns: dict[int, Column] = {}
    all_cols = sorted({c for r in rows for c in view.row_cols(r)})
    for col in all_cols:
        labels = [(r, text_of(view.filled(r, col))) for r in rows]
        column = classify_column(view, col, [(r, t) for r, t in labels if t])
        if column is not None:
            columns[col] = column
    date_by_row_year(columns)
    one_column_per_role(columns)
    settle_relative(columns, None)  # a configured header dates nothing by a title
    return Header(view.sheet, tuple(rows), columns)


def _apply_columns(header: Header, layout: SheetLayout, where: str, config: Config) -> None:
    bottom = header.rows[-1] if header.rows else 1
    for role_written, letter in layout.columns.items():
        key = f"{where} -> columns -> {role_written}"
        role = ROLE_SPELLINGS.get(str(role_written).strip().lower())
        if role is None:
            raise ConfigError(f"unknown column role (known: {', '.join(sorted(ROLE_SPELLINGS))})",
                              Place(file=config.source, key=key))
        col = _column(letter, key, config)
        for column in header.columns.values():
            if column.role == role:
                column.role = "unknown"  # the configured column takes the role
        label = header.columns[col].label if col in header.columns else ""
        header.columns[col] = Column(col, role, label, cell_ref(bottom, col))
    for letter, label in layout.period_columns.items():
        key = f"{where} -> period_columns -> {letter}"
        col = _column(letter, key, config)
        period = parse_period(label)
        if period is None and header.role_col("row_period") is not None \
                and (template := in_year_template(label)) is not None:
            # "Q1" beside a column of each row's year: that year's first quarter
            header.columns[col] = Column(col, IN_YEAR, str(label), cell_ref(bottom, col), period=template)
            continue
        if period is None:
            raise ConfigError(f"{label!r} is not a period label (write e.g. 'Q2 2023-24' or '2022-23'; "
                              "'Q1' alone beside columns: {period: <letter>} of each row's year)",
                              Place(file=config.source, key=key))
        header.columns[col] = Column(col, "period", str(label), cell_ref(bottom, col), period=period)
    date_by_row_year(header.columns)  # columns: {period: B} over "Q1 | Q2" detected


def _require(header: Header, layout: SheetLayout, where: str, config: Config) -> None:
    if header.role_col("name") is None:
        raise LayoutError(f"{where}: no indicator name column found on sheet {layout.sheet!r}; "
                          "add columns: {name: <letter>} to the layout entry",
                          Place(file=config.source))
    if not header.period_columns and not is_row_wise(header.columns):
        raise LayoutError(f"{where}: no period columns found on sheet {layout.sheet!r}; "
                          "add period_columns: {<letter>: 'Q1 2023-24', ...} or header_rows "
                          "(or, when each row says its period, columns: {period: <letter>, "
                          "latest: <letter>})", Place(file=config.source))


def _column(letter: object, key: str, config: Config) -> int:
    try:
        col = column_index(str(letter).strip())
    except ValueError:
        col = 0
    if not 1 <= col <= 16384:
        raise ConfigError(f"{letter!r} is not a column letter (A to XFD)", Place(file=config.source, key=key))
    return col
