"""Turn the tables found on the sheets into the indicator table (one row an indicator).

Every field keeps the cell it came from (``cells``; a cell on another sheet
is written ``Targets!B2``). Where a value comes from, in order:

- polarity: the council's config (``indicators:``), the table's polarity
  column, a targets table on another sheet, the indicator library;
- target and amber: the config, the table's own column, a targets table.

``polarity_source`` and ``target_source`` say which ("config", "sheet",
"targets sheet", "library").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable

from ..config import Config
from ..errors import Place, quote_sheet
from ..findings import Finding
from ..finding_types import (CONFIG_INDICATOR_UNKNOWN, NAMELESS_ROW, POLARITY_CONFLICT,
                             POLARITY_UNREADABLE, ROW_NOT_READ, ROW_PERIOD_UNREADABLE, TARGET_UNMATCHED,
                             TARGET_UNREADABLE, UNIT_MISMATCH, FindingType)
from ..lait import match_lait
from ..library import LibraryEntry, indicator_matcher
from ..periods import Period
from ..table import COLUMNS, Point, TableLayout, new_point, table_records
from ..resolve import apply_settings, parse_polarity, parse_target_bound, parse_target_direction  # noqa: F401
from ..resolve import TargetBound, scaled_target as _scaled, states_polarity
from ..values import Reading, parse_value
from ..xlsx.refs import col_letters as column_letter, split_sheet_ref
from .cells import Cell
from .detect import DASHES, Block, Column, Header, View, holds_figure, text_of
from .comparator_text import comparators_in_text
from .rowwise import IN_YEAR, RELATIVE, column_period, is_row_wise, period_of_row

# Added to table.COLUMNS by the reader (the schema allows additions).
EXTRA_COLUMNS: dict[str, str] = {
    "polarity_source": "'config' | 'sheet' | 'targets sheet' | 'library' | 'LAIT catalogue' | None",
    "target_source": "'config' | 'sheet' | 'targets sheet' | None",
    "library_id": "id of the matching indicator library entry, or None",
    "data_type": "library data type (Number, Percentage, ...), or None",
    "measure_kind": "library measure kind (in_quarter, snapshot, ...), or None",
    "value_kind": "'percent' | 'rate' | 'average' | 'count': what the figures measure "
                  "(from the figures' unit, the library's data type, else the name)",
    "unit_word": "a unit written beside the figures ('days'), or None",
    "library_name": "name of the matching library or LAIT catalogue entry, or None",
}
FRAME_COLUMNS = list(COLUMNS) + list(EXTRA_COLUMNS)

SLUG_LENGTH = 60

def slug(name: str) -> str:
    """"% Assessments completed within 45 working days" ->
    "assessments-completed-within-45-working-days" (at most ~60 characters)."""
    words = re.findall(r"[a-z0-9]+", re.sub(r"['’‘`]", "", name.lower()))
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > SLUG_LENGTH and out:
            break
        out = candidate[:SLUG_LENGTH] if not out else candidate
    return out or "indicator"


# -------------------------------------------------------------- targets tables

@dataclass
class TargetRow:
    sheet: str
    row: int
    name: str | None
    code: str | None
    target: Cell | None
    polarity: Cell | None
    amber: Cell | None
    name_ref: str = "A1"
    used: bool = False

    def ref(self, cell: Cell | None) -> str | None:
        return f"{quote_sheet(self.sheet)}!{cell.ref}" if cell is not None else None


@dataclass
class Targets:
    """Rows of targets tables, found by indicator id or normalised name."""

    by_name: dict[str, TargetRow] = field(default_factory=dict)
    by_code: dict[str, TargetRow] = field(default_factory=dict)
    rows: list[TargetRow] = field(default_factory=list)

    def add_block(self, view: View, block: Block) -> None:
        header = block.header
        cols = {role: header.role_col(role) for role in ("name", "id", "target", "polarity", "amber")}
        for r in block.indicator_rows:
            def cell(role: str) -> Cell | None:
                col = cols[role]
                return view.cell(r, col) if col is not None else None
            name_cell, code_cell = cell("name"), cell("id")
            row = TargetRow(view.sheet, r, text_of(name_cell.value) if name_cell else None,
                            text_of(code_cell.value) if code_cell else None,
                            cell("target"), cell("polarity"), cell("amber"),
                            f"{column_letter(header.name_col)}{r}")
            self.rows.append(row)
            if row.name:
                self.by_name.setdefault(normalise_key(row.name), row)
            if row.code:
                self.by_code.setdefault(row.code.lower(), row)

    def find(self, name: str | None, code: str | None) -> TargetRow | None:
        # (no targets table, nothing to normalise: most workbooks, once an indicator)
        found = self.by_code.get(code.lower()) if code and self.by_code else None
        if found is None and name and self.by_name:
            found = self.by_name.get(normalise_key(name))
        if found is not None:
            found.used = True
        return found


def normalise_key(name: str) -> str:
    """Join key for names: case, spacing, quotes and dashes ignored."""
    s = name.lower().replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-")
    return " ".join(s.split()).strip(" .:")


# -------------------------------------------------------------- indicators

@dataclass
class Context:
    config: Config
    targets: Targets
    library: list[LibraryEntry] | None
    file: str
    findings: list[Finding] = field(default_factory=list)
    # Findings about an indicator wait for its id (assigned once all are read).
    pending: list[tuple[dict, FindingType, str, str, str]] = field(default_factory=list)
    # The library's matcher, its index looked up once for all the indicators read.
    match_library: Callable[[object], LibraryEntry | None] = field(init=False, repr=False)
    # Readings by (type, value, number format): a table repeats its figures and
    # formats, so each is parsed once per read (a Reading is frozen, so shared).
    readings: dict[tuple, Reading] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.match_library = indicator_matcher(self.library)

    def warn(self, type_: FindingType, message: str, sheet: str, cell: str | None,
             indicator: str | None = None, severity: str = "warning") -> None:
        self.findings.append(Finding(type_, message, severity,  # type: ignore[arg-type]
                                     Place(file=self.file, sheet=sheet, cell=cell), indicator))

    def note(self, record: dict, type_: FindingType, message: str, ref: str,
             severity: str = "warning") -> None:
        """A finding about one indicator; ``ref`` may name another sheet ("Targets!B2")."""
        self.pending.append((record, type_, message, ref, severity))

    def renote(self, replaced: dict[int, dict]) -> None:
        """Findings about records read as part of another (``id(record)`` ->
        the record now holding them) are about that record."""
        self.pending = [(replaced.get(id(record), record), *rest) for record, *rest in self.pending]

    def reading(self, cell: Cell | None) -> Reading:
        """``parse_value`` of a cell's value and number format (an absent cell is empty)."""
        if cell is None:
            return _EMPTY
        value = cell.value
        kind = value.__class__
        # only values whose equal keys mean the same reading: not -0.0 (equal to
        # 0.0), NaN (equal to nothing), bools (equal to 1 and 0) or datetimes
        if kind not in _MEMO_TYPES or (kind is float and (not value or value != value)):
            return parse_value(value, cell.number_format)
        key = (kind, value, cell.number_format)
        found = self.readings.get(key)
        if found is None:
            found = self.readings[key] = parse_value(value, cell.number_format)
        return found

    def flush(self) -> None:
        for record, type_, message, ref, severity in self.pending:
            sheet, cell = split_sheet_ref(ref, record["sheet"])
            self.warn(type_, message, sheet, cell, record["id"], severity)
        self.pending.clear()


_EMPTY = parse_value(None, None)
_MEMO_TYPES = frozenset({str, int, float})


def table_layout(block: Block) -> TableLayout:
    header = block.header
    lo, hi = header.span
    roles = {c.role: c.letter for _, c in sorted(header.columns.items())
             if c.role not in ("period", "unknown", "period_later", "period_rag", "period_target", IN_YEAR)}
    return TableLayout(
        sheet=header.sheet, title=header.title, header_rows=header.rows,
        first_row=block.first_row, last_row=block.last_row,
        name_column=column_letter(header.name_col),
        period_columns=[(c.letter, c.period) for c in header.period_columns],
        roles=roles, last_column=column_letter(hi),
        room_until=column_letter(block.room_until) if block.room_until else None,
        span=f"{column_letter(block.beside[0])}:{column_letter(block.beside[1])}" if block.beside else None,
        latest_column=_latest_in_year_column(block))


def _latest_in_year_column(block: Block) -> str | None:
    """Of a table of a row per indicator and year, the column of the
    reporting period's quarter (or month); None for any other table."""
    in_year = [c for _, c in sorted(block.header.columns.items()) if c.role == IN_YEAR]
    if not in_year:
        return None
    reporting = block.reporting_period
    return next((c.letter for c in in_year if reporting is not None and c.period.kind == reporting.kind
                 and c.period.number == reporting.number), in_year[-1].letter)


def block_records(view: View, block: Block, table_index: int, ctx: Context) -> list[dict]:
    """One record per indicator row of a table, with the area of its section."""
    header = block.header
    columns = RecordColumns.of(header)
    area_col = columns.by_role.get("area")
    area = block.area
    records = []
    codes = codes_in_names(view, block, columns)
    for body in block.rows:
        if body.kind == "section":
            area = body.text or area
            continue
        if area_col is not None and (value := text_of(view.raw(body.row, area_col))):
            area = value
        record = indicator_record(view, columns, body.row, table_index, area, ctx,
                                  code=codes.get(body.row))
        record["published_rag_fill"] = block.fill_ratings.get(body.row)
        records.append(record)
    for r in block.nameless:
        ctx.warn(NAMELESS_ROW, "row has figures but no indicator name; it is not read",
                 view.sheet, f"{column_letter(header.name_col)}{r}")
    for r in block.skipped:
        name = text_of(view.raw(r, header.name_col))
        ctx.warn(ROW_NOT_READ, f"row {r} ({(name or '')[:50]!r}) looks like an indicator but "
                 "has nothing in its period columns after the table's last indicator, so it was "
                 "not read; set last_row in the layout: config to read it", view.sheet,
                 f"{column_letter(header.name_col)}{r}")
    return records


@dataclass(frozen=True)
class RecordColumns:
    """What each row of a table is read from, worked out once for the table
    (a header's columns do not change while its rows are read)."""

    by_role: dict[str, int]  # the first column of each role (Header.role_col)
    named: tuple[tuple[str, str], ...]  # (role, letter) of the cells a record names
    periods: tuple[Column, ...]  # the period columns, in chronological order
    comparators: tuple[tuple[str, int], ...]  # (comparator key, column)
    period_cells: tuple[tuple[Period, int, str], ...] = ()  # (period, column, letter) of ``periods``
    # the column of each role indicator_record reads (None: the table has none)
    name: int | None = None
    id: int | None = None
    target: int | None = None
    amber: int | None = None
    polarity: int | None = None
    rag: int | None = None
    dot: int | None = None
    commentary: int | None = None
    # a row-wise table (kpi_xl.reader.rowwise): the column of each row's
    # period, (role, column, letter) of its figure columns, and the year the
    # title names (dating a bare "Q2" there)
    row_period: int | None = None
    relative: tuple[tuple[str, int, str], ...] = ()
    in_year: dict[int, Period] = field(default_factory=dict)  # column -> its quarter, in a template year
    context_fy: int | None = None
    comparator_text: int | None = None  # one column naming its figures ("WM – 17.6% Eng – 16.1%")
    title_period: Period | None = None  # a row-wise table's title period: dates a row left blank

    @classmethod
    def of(cls, header: Header) -> "RecordColumns":
        by_role: dict[str, int] = {}
        for col, column in header.columns.items():
            by_role.setdefault(column.role, col)
        named = tuple((c.role, c.letter) for c in header.columns.values()
                      if c.role not in ("period", "unknown", "description", "unit", IN_YEAR, *RELATIVE))
        # stable: repeated periods keep sheet order
        periods = tuple(sorted(header.period_columns, key=lambda c: c.period.sort_key))
        comparators = tuple((c.role.split(":", 1)[1], c.col) for c in header.columns.values()
                            if c.role.startswith("comparator:"))
        row_wise = is_row_wise(header.columns)
        relative = tuple((c.role, c.col, c.letter) for _, c in sorted(header.columns.items())
                         if c.role in RELATIVE or c.role == IN_YEAR) if row_wise else ()
        return cls(by_role, named, periods, comparators,
                   tuple((c.period, c.col, c.letter) for c in periods),
                   **{role: by_role.get(role) for role in _RECORD_ROLES},
                   row_period=by_role.get("row_period") if row_wise else None,
                   relative=relative, context_fy=header.context_fy,
                   in_year={c.col: c.period for c in header.columns.values() if c.role == IN_YEAR},
                   comparator_text=by_role.get("comparators"),
                   title_period=header.title_period if row_wise else None)


_RECORD_ROLES = ("name", "id", "target", "amber", "polarity", "rag", "dot", "commentary")


# "NI 62 - Stability of placements", "CSC07: Re-referrals": a code written
# before the name, in tables with no code column of their own.
_CODE_PREFIX = re.compile(r"^\s*([A-Za-z]{1,6}[ _-]?[0-9]{1,4}(?:\.[0-9]{1,3})?[A-Za-z]?)\s*[-–—:|]\s+\S")


def codes_in_names(view: View, block: Block, columns: RecordColumns) -> dict[int, str]:
    """Row -> the code written before its name, when the table has no code
    column, at least half its names start with one and no two share one
    ("KS2 - reading" and "KS2 - maths" are two indicators of one key stage,
    not two codes): the codes are then the ids config and targets use."""
    if columns.id is not None or columns.name is None:
        return {}
    rows = block.indicator_rows
    codes = {}
    for r in rows:
        match = _CODE_PREFIX.match(text_of(view.raw(r, columns.name)) or "")
        if match:
            codes[r] = " ".join(match.group(1).replace("_", " ").split())
    folded = [c.casefold() for c in codes.values()]
    if len(codes) * 2 < len(rows) or len(set(folded)) < len(folded):
        return {}
    return codes


def indicator_record(view: View, columns: RecordColumns, row: int, table_index: int, area: str | None,
                     ctx: Context, code: str | None = None) -> dict:
    sheet = view.sheet
    row_cells = view.grid.rows.get(row, _NO_CELLS)
    reading = ctx.reading

    def cell_of(col: int | None) -> Cell | None:
        return row_cells.get(col) if col is not None else None

    # the cells of a period column are in the series
    cells: dict[str, str] = {role: f"{letter}{row}" for role, letter in columns.named}
    name_cell = cell_of(columns.name)
    name = text_of(name_cell.value) if name_cell else ""
    code_cell = cell_of(columns.id)
    if code_cell is not None:
        code = text_of(code_cell.value)

    if columns.row_period is None:
        series = [new_point(period, reading(row_cells.get(col)), f"{letter}{row}")
                  for period, col, letter in columns.period_cells]
    else:
        series = _row_series(row_cells, columns, row, sheet, ctx)
    # one look-up serves the target, the amber and the polarity (it marks the row used)
    target_row = ctx.targets.find(name, code)
    own_target = cell_of(columns.target)
    target_cell = own_target
    if target_cell is None or target_cell.value is None:
        target_cell = target_row.target if target_row else None
    series, mismatch = reconcile_units(series, name, _target_number(target_cell, reading))
    unit = _unit_of(series)

    comparators: dict[str, Reading] = {key: reading(row_cells.get(col)) for key, col in columns.comparators}
    if columns.comparator_text is not None and (written := cell_of(columns.comparator_text)) is not None:
        for kind, figure in comparators_in_text(written.value).items():
            comparators.setdefault(kind, figure)  # a column of the kind's own wins

    record = dict.fromkeys(FRAME_COLUMNS)
    record.update(
        unit_word=next((p.reading.unit_word for p in series if p.reading.unit_word), None),
        id=code, name=name, area=area, sheet=sheet, row=row, table=table_index, unit=unit,
        series=series, cells=cells, comparators=comparators,
        published_rag=_rag_text(cell_of(columns.rag)), published_dot=_text(cell_of(columns.dot)),
        commentary=_text(cell_of(columns.commentary)))
    bound = _resolve_target(record, own_target, cell_of(columns.amber), target_row, ctx)
    _resolve_polarity(record, cell_of(columns.polarity), target_row, ctx, bound)
    record["value_kind"] = value_kind(name, unit, record.get("data_type"), record["unit_word"])
    if mismatch:
        ctx.note(record, UNIT_MISMATCH, mismatch, record["cells"].get("name") or f"A{row}")
    return record


_NO_CELLS: dict[int, Cell] = {}


def _row_series(row_cells: dict[int, Cell], columns: RecordColumns, row: int, sheet: str,
                ctx: Context) -> list[Point]:
    """A row-wise table's figures, dated by the row's own period cell; none
    (with a warning) when that cell names no period kpi-xl reads."""
    cell = row_cells.get(columns.row_period)
    value = cell.value if cell is not None else None
    period = period_of_row(value, columns.context_fy, columns.title_period)
    if period is None:
        where = f"{column_letter(columns.row_period)}{row}"
        figures = [row_cells.get(col) for _, col, _ in columns.relative]
        if any(c is not None and holds_figure(c.value) for c in figures):
            shown = "is empty" if text_of(value) is None else f"holds {str(text_of(value))[:40]!r}"
            ctx.warn(ROW_PERIOD_UNREADABLE, f"the period cell {shown}, so the row's figures cannot be "
                     "dated and are not rated (write e.g. 'Q2 2023-24', '2022-23' or 'Sep 2023')",
                     sheet, where)
        return []
    points = [new_point(when, ctx.reading(row_cells.get(col)), f"{letter}{row}")
              for role, col, letter in columns.relative
              if (when := column_period(period, role, columns.in_year.get(col))) is not None]
    points.sort(key=lambda p: p.period.sort_key)
    if not columns.in_year:
        return points
    # A row's quarters of its year run from the first filled to the last: those
    # before were not measured yet, those after are not reported yet (a row of
    # next year's, made ready, has none).
    filled = [i for i, p in enumerate(points) if p.reading.status != "empty"]
    return points[filled[0]:filled[-1] + 1] if filled else []


# -------------------------------------------------------------- units

class _NamePattern:
    """A pattern over indicator names (case aside), with the words one of
    which any match holds: an ASCII name holding none of them, in any case,
    is not searched (most names say no unit, and a search costs more than
    the look at the words; beyond ASCII, case folding is the pattern's own)."""

    def __init__(self, pattern: str, words: tuple[str, ...]) -> None:
        self.pattern = re.compile(pattern, re.I)
        self.words = words

    def search(self, text: str) -> re.Match | None:
        if text.isascii():
            lower = text.lower()
            for word in self.words:
                if word in lower:
                    break
            else:
                return None
        return self.pattern.search(text)


_PERCENT_NAME = _NamePattern(r"%|\bper ?cent(age)?s?\b|\bproportion\b", ("%", "per", "proportion"))
_RATE_NAME = _NamePattern(r"\brates?\b|\bper 10,?000\b|\bper 1,?000\b|\bratio\b", ("rat", "per"))
_AVERAGE_NAME = _NamePattern(r"\baverage\b|\bavg\b|\bmean\b|\bmedian\b|\btime\b.*\bdays\b",
                             ("average", "avg", "mean", "median", "time"))
_KIND_OF_TYPE = {"Percentage": "percent", "Rate per 10,000 children": "rate", "Ratio": "rate",
                 "Average": "average", "Days": "average", "Number": "count"}


def value_kind(name: str | None, unit: str | None, data_type: str | None,
               unit_word: str | None = None) -> str:
    """What the figures measure: 'percent', 'rate', 'average' or 'count'."""
    if unit == "percent":
        return "percent"
    text = name or ""  # the council's own words first, then the library's data type
    if _PERCENT_NAME.search(text):
        return "percent"
    if _RATE_NAME.search(text):
        return "rate"
    if _AVERAGE_NAME.search(text):
        return "average"
    return _KIND_OF_TYPE.get(data_type or "", "count")


def reconcile_units(series: list[Point], name: str | None, target_reading: Reading | None
                    ) -> tuple[list[Point], str | None]:
    """Percentages typed as whole numbers read as percentages, never silently mixed.

    "38" against a target of "25" on a "% of ..." indicator is 38%; 57.1
    against a target of "60%" is 57.1%. Figures that mix fractions and whole
    numbers, or a whole-number figure against a fractional percentage target
    on an indicator whose name does not say percent, are left as written
    with the ``unit_mismatch`` message returned beside them. ``target_reading``:
    the reading of the indicator's target cell, None when it has none.
    """
    values = []  # the figures given as bare numbers
    percent = False  # some figure is a percentage
    for point in series:  # one pass: a table of 10,000 indicators is reconciled row by row
        reading = point.reading
        if reading.status == "number" and reading.value is not None:
            if reading.unit == "number":
                values.append(reading.value)
            elif reading.unit == "percent":
                percent = True
    if not values:
        return series, None
    low, high = min(values), max(values)  # finite floats: parse_value reads no NaN
    whole = low >= 0 and high <= 100 and high > 1
    if percent:
        if whole:
            return series, (f"some figures are percentages and some whole numbers "
                            f"({', '.join(_fmt_reading(p.reading) for p in series if p.reading.is_number)}); "
                            "they are read as written")
        return series, None
    target_percent = bool(target_reading and target_reading.is_number and target_reading.unit == "percent")
    fractions = low >= 0 and high <= 1
    named_percent = bool(_PERCENT_NAME.search(name or "")) and not _RATE_NAME.search(name or "")
    if whole and named_percent:
        return [_as_percent(p) if p.reading.is_number else p for p in series], None
    if whole and target_percent:
        # the name does not say percent: 57.1 may be a count or a rate, so the
        # worksheet function and the refresh both call it a mismatch
        return series, (f"figures such as {values[-1]:g} are whole numbers but the target is a "
                        "percentage; give the figures as percentages or say which unit in the "
                        "config (indicators: target)")
    if fractions and target_percent:
        return series, None  # 0.38 against "60%": fractions of one, as the target says
    if whole and target_reading is not None and target_reading.is_number \
            and target_reading.unit == "number" and 0 < target_reading.value < 1:
        return series, (f"figures such as {values[-1]:g} are whole numbers but the target "
                        f"{target_reading.value:g} is a fraction; say which unit in the config "
                        "(indicators: target) or the sheet")
    return series, None


def _as_percent(point: Point) -> Point:
    r = point.reading
    scaled = replace(r, value=r.value / 100, unit="percent", decimals=(r.decimals or 0))
    return new_point(point.period, scaled, point.cell)


def _fmt_reading(reading: Reading) -> str:
    return f"{reading.value:.1%}" if reading.unit == "percent" else f"{reading.value:g}"


def _text(cell: Cell | None) -> str | None:
    return text_of(cell.value) if cell is not None else None


def _rag_text(cell: Cell | None) -> str | None:
    text = _text(cell)
    if text is None or text.lower() in DASHES:
        return None
    return text


def _unit_of(series: list[Point]) -> str | None:
    """"percent" when a figure is a percentage, else "number" when there is
    a figure, else None."""
    unit = None
    for point in series:
        reading = point.reading
        if reading.is_number:
            if reading.unit == "percent":
                return "percent"
            unit = "number"
    return unit


def _target_number(cell: Cell | None, reading: Callable[[Cell | None], Reading]) -> Reading | None:
    """The reading of a target cell's number: "<22%" reads as 22%."""
    if cell is None:
        return None
    bound = parse_target_bound(cell.value)
    return parse_value(bound.number) if bound is not None else reading(cell)


def _resolve_target(record: dict, own: Cell | None, own_amber: Cell | None,
                    target_row: TargetRow | None, ctx: Context) -> "TargetBound | None":
    """The target, amber and their cells into ``record``; returns the
    comparison a target written as one states ("<22%"), else None."""
    bound = None
    cell, ref, source = own, record["cells"].get("target"), "sheet"
    if (cell is None or cell.value is None) and target_row and target_row.target is not None:
        cell, ref, source = target_row.target, target_row.ref(target_row.target), "targets sheet"
        record["cells"]["target"] = ref
    amber_cell = own_amber
    if (amber_cell is None or amber_cell.value is None) and target_row and target_row.amber is not None:
        amber_cell = target_row.amber
        record["cells"]["amber"] = target_row.ref(target_row.amber)
    if cell is not None and cell.value is not None:
        record["target_raw"] = cell.value
        reading = ctx.reading(cell)
        if reading.is_number:
            record["target"] = _scaled(reading, record["unit"])
            record["target_source"] = source
        elif (bound := parse_target_bound(cell.value)) is not None:
            record["target"] = _scaled(parse_value(bound.number), record["unit"])
            record["target_source"] = source
        elif (direction := parse_target_direction(cell.value)) is not None:
            record["target_direction"] = direction
            record["target_source"] = source
        elif reading.status == "text" and not _not_targeted(cell.value, ctx.config):
            ctx.note(record, TARGET_UNREADABLE, f"target {text_of(cell.value)!r} is not a number, "
                     "a comparison ('<22%', 'at least 90%'), a direction (Increasing/Decreasing) "
                     "or a no-target word", ref or cell.ref)
    if amber_cell is not None and amber_cell.value is not None:
        reading = ctx.reading(amber_cell)
        if reading.is_number:
            record["amber"] = _scaled(reading, record["unit"])
    return bound


def _not_targeted(value: object, config: Config) -> bool:
    text = (text_of(value) or "").lower()
    return text in {w.lower() for w in config.rag.not_targeted_words} or text in DASHES


def _resolve_polarity(record: dict, own: Cell | None, target_row: TargetRow | None,
                      ctx: Context, bound: TargetBound | None = None) -> None:
    """The polarity the sheet states, else the one a target written as a
    comparison states ("<22%": lower), else the library's or DfE's."""
    candidates = []
    if own is not None and own.value is not None:
        candidates.append((own, "sheet", record["cells"].get("polarity")))
    if target_row is not None and target_row.polarity is not None and target_row.polarity.value is not None:
        candidates.append((target_row.polarity, "targets sheet", target_row.ref(target_row.polarity)))
    for cell, source, ref in candidates:
        polarity, recognised = parse_polarity(cell.value)
        record["polarity_raw"] = cell.value
        if source == "targets sheet":
            record["cells"]["polarity"] = ref
        if not recognised:
            ctx.note(record, POLARITY_UNREADABLE, f"polarity {text_of(cell.value)!r} says neither "
                     "higher nor lower is better", ref or cell.ref)
        if polarity is not None:
            record["polarity"], record["polarity_source"] = polarity, source
        break  # the first stated polarity is the council's word, even "N/A"
    if bound is not None:
        _polarity_from_target(record, bound, ctx)
    entry = ctx.match_library(record["name"])
    if entry is not None:
        record["library_id"] = entry.id
        record["library_name"] = entry.name
        record["data_type"] = entry.data_type
        record["measure_kind"] = entry.measure_kind
        if record["polarity"] is None and record["polarity_raw"] is None and entry.polarity:
            record["polarity"], record["polarity_source"] = entry.polarity, "library"
    if record["polarity"] is None and record["polarity_raw"] is None \
            and (entry is None or entry.polarity is None):
        measure = match_lait(record["name"])  # DfE's LAIT catalogue: the sheet said nothing
        if measure is not None:
            if entry is None:
                record["library_id"], record["library_name"] = measure.id, measure.measure
            record["polarity"], record["polarity_source"] = measure.polarity, "LAIT catalogue"


def _polarity_from_target(record: dict, bound: TargetBound, ctx: Context) -> None:
    """A target such as "<22%" says lower is better: the polarity where the
    sheet states none, a finding where it states the other."""
    if not states_polarity(record["polarity_raw"]):
        record["polarity"], record["polarity_source"] = bound.polarity, "target"
    elif record["polarity"] is not None and record["polarity"] != bound.polarity:
        ctx.note(record, POLARITY_CONFLICT,
                 f"target {text_of(record['target_raw'])!r} says {bound.polarity} is better but the "
                 f"polarity {text_of(record['polarity_raw'])!r} says {record['polarity']}; "
                 "rated by the polarity", record["cells"].get("target") or record["cells"].get("polarity"))


def apply_config(records: list[dict], ctx: Context) -> None:
    """Per-indicator settings (by id, then exact name) win over the workbook."""
    for record in records:
        apply_settings(record, ctx.config)


def assign_ids(records: list[dict]) -> None:
    """The council's code where it has one, else a slug of the name;
    "-2", "-3" for repeats, in sheet order."""
    seen: dict[str, int] = {}
    for record in records:
        base = record["id"] or slug(record["name"] or "")
        count = seen.get(base, 0) + 1
        seen[base] = count
        record["id"] = base if count == 1 else f"{base}-{count}"


def build_records(records: list[dict]) -> list[dict]:
    """The indicator table's records, a dict of :data:`FRAME_COLUMNS` each,
    with the values and types the table's DataFrame holds (NaN is None,
    whole numbers in a column with a gap are floats: ``table.table_records``)."""
    return table_records(records, FRAME_COLUMNS)


def unused_target_findings(targets: Targets, ctx: Context) -> None:
    for row in targets.rows:
        if not row.used:
            label = row.name or row.code or f"row {row.row}"
            ctx.warn(TARGET_UNMATCHED, f"targets row {label!r} matches no indicator by name or id",
                     row.sheet, row.name_ref)


def unknown_config_indicators(records: list[dict], ctx: Context) -> None:
    known = {r["id"] for r in records} | {r["name"] for r in records}
    for key in ctx.config.indicators:
        if key not in known:
            ctx.findings.append(Finding(
                CONFIG_INDICATOR_UNKNOWN, f"indicators -> {key}: no indicator has this id or name",
                "warning", Place(file=ctx.config.source, key=f"indicators -> {key}")))
