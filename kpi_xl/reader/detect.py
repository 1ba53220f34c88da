"""Find indicator tables on a sheet without configuration.

A table is a header (one row, or up to three band rows above it with
merged cells) holding an indicator name column and period columns, then the
rows below it down to the first blank pair of rows, prose or the next
header. Around the name and period columns the header may name a target,
polarity, RAG, direction of travel, comparators (statistical neighbours,
region, England, Ofsted good), commentary, an area and an id column.

The shapes this reads (each seen in councils' published returns):

- one header row: ``Measure | 2022-23 | Q2 22-23 | ... | Direction of Travel``;
- bands over the header: ``QUARTERS`` over ``22-23`` / ``2023-2024`` over
  ``Q4 Q1 Q2 Q3``: a quarter takes its year from the band above it, else
  from the table's title, the header's target (``Target 2017/18``) or the
  sheet's name (``KPIs 2017-18``), nearest first; with none, it is not read;
- section rows naming an area between indicator rows, and an area column
  filled only on the first row of its block;
- several tables on one sheet, each with its own title row (``Dashboard
  Item 3 – Children's Social Care Front Door``) and prose between them;
- ``KPI | Description`` with codes in the KPI column ("CSC1"): the codes
  are ids, the descriptions the names;
- a separate table of ``Measure | Target | Polarity`` (a targets table),
  which the reader joins to the indicators by name or id;
- role words on any band: ``TARGET`` over ``23-24``, ``RAG`` over ``Q2
  DETAIL``; a year band over ``Out-turn`` / ``Actual`` is that year's outturn;
- a value/RAG pair under one period band (``Q1 (Apr–Jun)`` over ``Actual |
  RAG``): the value column is the period, the RAG column that period's
  published rating;
- a tracker filled to one quarter: the table's reporting period is its
  latest period column holding a figure in any row (later columns are read
  as ``period_later``, not as periods), and the RAG column paired with it is
  the table's RAG column; so is a target given per period (``Q1 2024-25
  Target | Q1 2024-25 Actual | Q2 ...``, or ``Target | Actual`` under a
  period band), a year's target serving its quarters and a quarter's its
  months.

Where rows could be read more than one way (is the first row of short text
under the header a header band or data?), each reading is scored by how
well the rows below parse under it (:func:`score_reading`) and the best is
kept; the runner-up is kept beside it for ``kpi-xl check --explain``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from ..periods import Period, parse_period, parse_year, period_needing_a_year
from ..values import parse_value
from ..xlsx.refs import cell_ref, col_letters as column_letter
from .cells import Cell, Grid, Merge
from .rowwise import (IN_YEAR, RELATIVE as RELATIVE_ROLES, column_period, date_by_row_year, is_row_wise,
                      period_in_text, period_of_row, settle_relative)

PEEK_ROWS = 60  # rows of every sheet looked at to decide whether it holds a table
MAX_BANDS = 3  # band rows looked at above a header row
MAX_BLANK_RUN = 2  # this many blank rows end a table

COMPARATOR_KINDS = ("sn", "region", "england", "ofsted_good")
ROLES = ("name", "id", "area", "target", "amber", "polarity", "rag", "dot", "trend", "commentary",
         "unit", "description") + tuple(f"comparator:{k}" for k in COMPARATOR_KINDS) + (
    "comparators", "row_period", "latest", "previous", "last_year")
# "row_period" and RELATIVE_ROLES: a scorecard's column of each row's period
# and its figure columns named relative to a period (kpi_xl.reader.rowwise).

# -------------------------------------------------------------- header words

_REGION_NAMES = (r"south[ -]east|south[ -]west|north[ -]east|north[ -]west|east midlands|"
                 r"west midlands|yorkshire(?: and| &) the humber|yorkshire|inner london|"
                 r"outer london|london|east of england|eastern")
# Order matters: the first pattern that matches a label decides its role.
_ROLE_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("comparator:ofsted_good", re.compile(
        r"\bofsted\b.*\b(good|outstanding)\b|\bgood\b.*\b(las?|authorities|councils|outstanding)\b")),
    ("comparator:sn", re.compile(
        r"\bstat(istical|\.)?\s*neighbou?r|\bsns?\b|\bsn\s*(av|avg|average|mean|median)\b|\bneighbou?rs\b")),
    ("comparator:region", re.compile(rf"\bregion(al)?\b|^(?:{_REGION_NAMES})(\s+(av|avg|average))?\b")),
    ("comparator:england", re.compile(r"\bengland\b|\bnational(ly)?\b|^eng\b|\bnat\.?\s*av")),
    # one column naming its figures in each cell ("WM – 17.6% Eng – 16.1%"): reader.comparator_text
    ("comparators", re.compile(r"^(?:comparators?|comparator data|comparisons?|benchmarks?|benchmarking)$")),
    ("amber", re.compile(r"\bamber\b|\btolerance\b|\bthreshold\b")),
    ("target", re.compile(r"\btargets?\b|\bgoal\b|\bambition\b")),
    ("polarity", re.compile(
        r"\bpolarity\b|\bgood is\b|\bbetter is\b|\bis (good|better)\b|\bdirection of improvement\b|"
        r"\bdesired direction\b|\bhigh(er)?\s*(/|or)\s*low(er)?\b|\bgood performance\b|"
        r"^aim$")),  # "Aim: Minimise" in NI-style returns
    ("dot", re.compile(r"\bdirection of travel\b|\bd\.?o\.?t\.?\b|\bdirection\b|\btravel\b")),
    # A "Trend" column holds a sparkline (Rutland's "Trend – last four
    # quarters") or, when its cells hold arrows, the direction of travel:
    # decided from its cells once the rows are known (_settle_trend).
    ("trend", re.compile(r"\btrends?\b|\bsparklines?\b")),
    ("rag", re.compile(r"\brag\b|\brating\b|\bstatus\b|\br\s*/\s*a\s*/\s*g\b")),
    ("commentary", re.compile(
        r"\bcomments?\b|\bcommentary\b|\bnarrative\b|\bnotes?\b|\banalysis\b|\bexplanation\b|"
        r"\bwhat does this show\b|\bexception report\b")),
    ("id", re.compile(
        r"^(?:(?:kpi|pi|indicator|measure|ref)\s*)?(?:ref(?:erence)?|id|code|no\.?)\.?$|"
        r"^(?:kpi|pi)\s*(?:ref|id|code|no)\.?$")),
    ("unit", re.compile(r"^(?:unit|units|data type|type|format|measure type|unit of measure)$")),
    ("area", re.compile(
        r"^(?:service\s+)?(?:area|block|theme|section|category|domain|service|outcome|priority)"
        r"(?:\s+area)?$")),
    ("name", re.compile(
        r"\b(?:measures?|indicators?|kpis?|pis?|metrics?|description|performance measures?)\b|"
        r"^name$|\bkpi name\b|^title$")),
]
# Roles a band row above a column's own label may give it: a "Comparators
# 2021-22" or "England" band over year columns, a "Target" band over years.
# A top band may name any role but the name, id and area: "TARGET" over
# "23-24", "RAG" over "Q2 DETAIL", "POLARITY" over "Good is".
_BAND_ROLES = {"target", "amber", "polarity", "rag", "dot", "trend", "commentary"} | {
    f"comparator:{k}" for k in COMPARATOR_KINDS}
# A column's own label that says "the figure" of the period named in the band
# above it ("Q1" over "Actual | RAG", "Quarter 1 2023-24" over "Value | Rating").
_VALUE_WORDS = re.compile(r"^(?:actuals?|values?|figures?|results?|performance|data|count|"
                          r"number|%|percent(?:age)?|rate|score|no\.?|out-?turn)$", re.I)

# The column saying each row's period, and the figure columns named relative
# to it; a value word ("Actual") is the latest figure beside a period column.
_ROW_PERIOD = re.compile(
    r"^(?:(?:reporting|latest|current|data|time|report|collection)\s+)?period"
    r"(?:\s+(?:covered|ending|end|of data|reported))?$|"
    r"^(?:as at|as of|date|data as at|timeframe|time frame)$|"
    r"^(?:(?:reporting|financial|fin\.?|academic)\s+)?(?:quarter|qtr|month|year)$")
_SPAN_WORDS = r"(?:period|quarter|qtr|month|year|reporting period|reported period|reported)"
_FIGURE_WORDS = r"(?:value|figure|result|performance|position|data|outturn|actual)"
_RELATIVE_PATTERNS = (
    ("last_year", re.compile(
        r"^(?:same\s+(?:period|quarter|qtr|month|time)\s+(?:last|previous|prior)\s+year|"
        rf"(?:last|previous|prior)\s+year(?:\s+{_FIGURE_WORDS})?|sply)$")),
    ("previous", re.compile(
        rf"^(?:previous|prev\.?|last|prior)(?:\s+{_SPAN_WORDS})?(?:\s*(?:'s)?\s*{_FIGURE_WORDS})?$")),
    ("latest", re.compile(
        rf"^(?:(?:latest|current|most recent)(?:\s+{_SPAN_WORDS})?|this\s+{_SPAN_WORDS})"
        rf"(?:\s*(?:'s)?\s*{_FIGURE_WORDS})?$")),
)


def relative_role(label: str) -> str | None:
    """"row_period", or which figure relative to the period a label names
    ("latest", "previous", "last_year"), or None."""
    key = " ".join(label.lower().replace("’", "'").strip(" :*").split())
    if _ROW_PERIOD.match(key):
        return "row_period"
    for role, pattern in _RELATIVE_PATTERNS:
        if pattern.match(key):
            return role
    return "latest" if _VALUE_WORDS.match(key) else None


RAG_WORDS = {"red", "amber", "green", "r", "a", "g", "r/a", "a/g", "blue", "on target",
             "off target", "not targeted", "grey", "gray", "b"}
DASHES = {"-", "–", "—", "n/a", "na", ""}
_TITLE_PREFIX = re.compile(
    r"^\s*(?:dashboard\s+)?(?:item|table|section|part)\s*[0-9ivx]+(?:\s*\(?[a-z]\)?)?\s*[–—:\-.]\s*(?P<rest>.+)$",
    re.I)
_HAS_YEAR = re.compile(r"\b(19|20)\d{2}\b|\b\d{2}\s*[-/]\s*\d{2}\b|\bquarter\b|\bq[1-4]\b", re.I)
_CODE = re.compile(r"^[A-Za-z]{1,6}[-_ .]?[0-9]{1,4}[A-Za-z]?$")


def text_of(value: object) -> str | None:
    """A cell's value as one line of text, None when empty."""
    if value is None:
        return None
    if value.__class__ is str:  # most cells: no float to check
        text = " ".join(value.split())
        return text or None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    return text or None


def role_of_label(label: str | None) -> str | None:
    """The column role a header label names, or None (a period or unknown)."""
    if not label:
        return None
    if len(label) <= _CACHED_LABEL:
        return _role_of_short_label(label)
    return _role_of_text(label)


_CACHED_LABEL = 120


def _role_of_text(label: str) -> str | None:
    key = label.lower().replace("–", "-").replace("’", "'").strip(" :*")
    for role, pattern in _ROLE_PATTERNS:
        if pattern.search(key):
            return role
    return None


# asked of every label of every row that could be a header
_role_of_short_label = lru_cache(maxsize=8192)(_role_of_text)


# -------------------------------------------------------------- data model

@dataclass
class Column:
    col: int
    role: str  # one of ROLES, or "period"
    label: str  # the header labels top to bottom, joined with " / "
    ref: str  # the cell of the column's own label
    period: Period | None = None
    year: int | None = None  # a comparator's year when its header gives one

    @property
    def letter(self) -> str:
        return column_letter(self.col)


@dataclass
class Header:
    sheet: str
    rows: tuple[int, ...]  # band rows then the bottom header row
    columns: dict[int, Column]
    title: str | None = None
    title_row: int | None = None
    kind: str = "indicators"  # "indicators" | "targets"
    context_fy: int | None = None  # the year the title or header names: dates a row's bare "Q2"
    year_from: str | None = None  # where context_fy was read ("the title", "'Financial year:' A1")
    # The best other reading considered: (header, its score, this one's score).
    runner_up: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def bottom(self) -> int:
        return self.rows[-1] if self.rows else 0

    @cached_property  # a row-wise table's rows and its reporting period both ask
    def title_period(self) -> Period | None:
        """The period the title names ("Scorecard Q2 2023-24"), or None."""
        return period_in_text(self.title) if self.title else None

    @property
    def top(self) -> int:
        rows = self.rows + ((self.title_row,) if self.title_row else ())
        return min(rows) if rows else 1

    def role_col(self, role: str) -> int | None:
        for col, column in self.columns.items():
            if column.role == role:
                return col
        return None

    @property
    def name_col(self) -> int:
        col = self.role_col("name")
        return col if col is not None else (self.role_col("id") or min(self.columns))

    @property
    def period_columns(self) -> list[Column]:
        return [c for _, c in sorted(self.columns.items()) if c.role == "period"]

    @property
    def span(self) -> tuple[int, int]:
        return min(self.columns), max(self.columns)


@dataclass
class BodyRow:
    row: int
    kind: str  # "indicator" | "section"
    text: str | None = None  # the section's name


@dataclass
class Block:
    """An indicator (or targets) table found on a sheet."""

    header: Header
    rows: list[BodyRow] = field(default_factory=list)
    area: str | None = None  # from the title, for rows before any section
    nameless: list[int] = field(default_factory=list)  # rows with figures but no name
    skipped: list[int] = field(default_factory=list)  # named rows after the last indicator, not read
    reporting_period: Period | None = None  # the latest period holding a figure in any row
    later: list[Column] = field(default_factory=list)  # period columns after it (not yet filled)
    source: str = "detection"  # or the config entry that placed it ("layout -> 0")
    # The last column a refresh may add columns into (its RAG, direction, comparators):
    # a table beside this one on the same rows starts after it. None: no limit.
    room_until: int | None = None
    beside: tuple[int, int] | None = None  # its columns, when tables sit side by side
    # row -> the rating its RAG cell shows only by its fill colour (kpi_xl.reader.fills)
    fill_ratings: dict[int, str] = field(default_factory=dict)

    @property
    def indicator_rows(self) -> list[int]:
        return [r.row for r in self.rows if r.kind == "indicator"]

    @property
    def first_row(self) -> int:
        rows = self.indicator_rows
        return rows[0] if rows else self.header.bottom + 1

    @property
    def last_row(self) -> int:
        rows = self.indicator_rows
        return rows[-1] if rows else self.header.bottom


# -------------------------------------------------------------- the sheet view

class View:
    """A grid with its merged ranges: a merged cell's value fills its range."""

    def __init__(self, grid: Grid):
        self.grid = grid
        self._merged: dict[tuple[int, int], tuple[int, int]] = {}
        self._merged_cols: dict[int, set[int]] = {}  # row -> columns a merged value covers
        for m in grid.merges:
            if (m.max_row - m.min_row + 1) * (m.max_col - m.min_col + 1) > 2000:
                continue  # a whole-row merge carries no header information worth the memory
            has_value = grid.value(m.min_row, m.min_col) is not None
            for r in range(m.min_row, m.max_row + 1):
                for c in range(m.min_col, m.max_col + 1):
                    self._merged[(r, c)] = (m.min_row, m.min_col)
                    if has_value:
                        self._merged_cols.setdefault(r, set()).add(c)

    @property
    def sheet(self) -> str:
        return self.grid.sheet

    def raw(self, row: int, col: int) -> object:
        return self.grid.value(row, col)

    def cell(self, row: int, col: int) -> Cell | None:
        return self.grid.cell(row, col)

    def filled(self, row: int, col: int) -> object:
        value = self.grid.value(row, col)
        if value is None and (row, col) in self._merged:
            r0, c0 = self._merged[(row, col)]
            value = self.grid.value(r0, c0)
        return value

    def merge_origin(self, row: int, col: int) -> tuple[int, int] | None:
        return self._merged.get((row, col))

    def row_cols(self, row: int) -> list[int]:
        """Columns with a value in a row, merged ranges included."""
        return sorted(set(self.grid.rows.get(row, {})) | self._merged_cols.get(row, set()))

    def merged_rows(self) -> set[int]:
        return set(self._merged_cols)

    def is_blank(self, row: int) -> bool:
        return not self.row_cols(row)


# -------------------------------------------------------------- headers

def find_headers(view: View, *, last_row: int | None = None, choose: bool = True) -> list[Header]:
    """Every indicator header and targets header on the sheet, top to bottom.

    ``choose=False``: take each header as first found, without scoring which
    of its bottom rows reads best (enough to know whether there is one).
    """
    rows = {r for r in view.grid.row_numbers() if last_row is None or r <= last_row}
    rows |= {r for r in view.merged_rows() if last_row is None or r <= last_row}
    found: list[Header] = []
    for row in sorted(rows):
        if found and row <= found[-1].bottom:
            continue
        header = header_at(view, row)
        if header is None or (found and header.rows[0] <= found[-1].bottom):
            continue
        # A band row can pass for a header on its own ("22-23 | 2023-2024"
        # are periods); the row below it, whose bands include it, is the header.
        # Each reading (this bottom row, or the next row down as the bottom)
        # is scored by how well the rows below parse under it: a first data
        # row of short text ("Local Indicator", "Not yet available") passes
        # for a header row but leaves the real period columns unread.
        mine = None  # the current reading's score, carried down from the last comparison
        while choose and (lower := header_at(view, header.bottom + 1)) is not None \
                and header.bottom in lower.rows and lower.kind in (header.kind, "indicators"):
            mine = score_reading(view, header) if mine is None else mine
            theirs = score_reading(view, lower)
            if theirs < mine:
                header.runner_up = (lower, theirs, mine)
                break
            lower.runner_up = (header, mine, theirs)
            header, mine = lower, theirs
        found.append(header)
    return found


def score_reading(view: View, header: Header) -> float:
    """How well the rows below a header parse under it.

    Each distinct period holding a figure counts 3 and a period read twice
    costs 3; each indicator row counts 1; each of its period cells holding a
    figure (or a not-available marker) 1; each target or polarity cell 1. A
    column label that is a figure or a not-available word (data read as a
    header) costs 3.
    """
    import copy

    trial = copy.deepcopy(header)
    block = read_body(view, trial)
    every = [c.period for c in header.period_columns]
    periods = {c.period for c in header.period_columns
               if any(_is_figure(view, r, c.col) for r in block.indicator_rows)}
    score = 3.0 * len(periods) - 3.0 * (len(every) - len(set(every)))
    target, polarity = trial.role_col("target"), trial.role_col("polarity")
    figure_columns = header.period_columns + [c for c in header.columns.values() if c.role in _ROW_FIGURE_ROLES]
    for r in block.indicator_rows:
        score += 1
        for column in figure_columns:
            if _is_figure(view, r, column.col):
                score += 1
        for col in (target, polarity):
            if col is not None and view.raw(r, col) is not None:
                score += 1
    bottom = header.bottom
    for col in view.row_cols(bottom):
        if view.merge_origin(bottom, col) not in (None, (bottom, col)):
            continue  # a label merged down from a band above
        column = header.columns.get(col)
        if column is not None and column.role == "period":
            continue
        if _looks_like_data(text_of(view.raw(bottom, col))):
            score -= 3
    return score


def _is_figure(view: View, row: int, col: int) -> bool:
    """A figure, a suppression or not-available marker, or text stating figures."""
    cell = view.cell(row, col)
    if cell is None or not holds_figure(cell.value):
        return False
    reading = parse_value(cell.value, cell.number_format)
    return reading.status in _STRONG_STATUSES or reading.figures > 0


def _looks_like_data(label: str | None) -> bool:
    """A header-row label that reads as a cell of data: a figure, a
    not-available word, a label with figures in it, or a long name."""
    if not label:
        return False
    if parse_value(label).status in ("number", "not_available", "suppressed"):
        return True
    if role_of_label(label) is None and re.search(r"[0-9]", label):
        return True
    return len(label) > 40


MAX_LABEL = 80  # longer text is a name or prose, not a column header


MAX_HEADER_CELLS = 400  # more labels in a row than any indicator table has columns


def _could_be_header(view: View, row: int) -> bool:
    """Header rows hold short labels: no figures (a year such as 2023 aside),
    and fewer than a row of raw data across thousands of columns (each row
    that could be a header is read under every band reading: such a sheet
    would cost minutes)."""
    cells = view.grid.rows.get(row, {})
    if len(cells) > MAX_HEADER_CELLS:
        return False
    for cell in cells.values():
        value = cell.value
        if isinstance(value, bool):
            return False
        if isinstance(value, (int, float)) and not (isinstance(value, int) and 1990 <= value <= 2100):
            return False
        # (spacing collapsed only shortens a text: a short one needs no collapsing)
        if isinstance(value, str) and len(value) > MAX_LABEL and len(" ".join(value.split())) > MAX_LABEL:
            return False
    return True


def header_at(view: View, row: int) -> Header | None:
    """The header whose bottom row is ``row``, or None."""
    cols = view.row_cols(row)
    if len(cols) < 2 or not _could_be_header(view, row):
        return None
    bands, title_row = _bands_above(view, row, cols[0])
    header = _header_from(view, row, bands, title_row)
    if header is None and bands:
        # A targets table is one header row: never read with bands (which
        # could be the rows of a table above it).
        header = _header_from(view, row, [], None)
        if header is not None and header.kind != "targets":
            header = None
    return header


def _header_from(view: View, row: int, bands: list[int], title_row: int | None) -> Header | None:
    stack_rows = bands + [row]
    columns: dict[int, Column] = {}
    all_cols = sorted({c for r in stack_rows for c in view.row_cols(r)})
    band_fill = {r: _fill_right(view, r, row, all_cols) for r in bands}
    title_text = text_of(view.raw(title_row, view.row_cols(title_row)[0])) if title_row else None
    default_fy = _year_in([title_text]) if title_text else None
    year_from = f"the title ({cell_ref(title_row, view.row_cols(title_row)[0])})" if default_fy else None
    if default_fy is None:
        default_fy, year_from = _year_beside(view, row)
    for col in all_cols:
        labels = [(r, band_fill[r].get(col) if r in band_fill else text_of(view.filled(r, col)))
                  for r in stack_rows]
        column = classify_column(view, col, [(r, t) for r, t in labels if t], default_fy)
        if column is not None:
            columns[col] = column
    if not columns:
        return None
    date_by_row_year(columns)
    one_column_per_role(columns)
    settle_relative(columns, title_text)
    roles = [c.role for c in columns.values()]
    periods = roles.count("period")
    has_name = "name" in roles
    if has_name and (periods >= 2 or (periods == 1 and {"target", "rag", "dot", "trend"} & set(roles))
                     or is_row_wise(columns)):
        kind = "indicators"
    elif (has_name or "id" in roles) and periods == 0 and {"target", "polarity"} & set(roles) \
            and not bands:
        kind = "targets"
    else:
        return None
    title = text_of(view.raw(title_row, view.row_cols(title_row)[0])) if title_row else None
    return Header(view.sheet, tuple(bands + [row]), columns, title, title_row, kind, context_fy=default_fy,
                  year_from=year_from if default_fy is not None else None)


def _year_beside(view: View, row: int) -> tuple[int | None, str | None]:
    """The year bare quarters ("Q1 | Q2 | Q3") belong to when no title or
    band names one: the year of a target in the header row ("Target 24/25":
    the quarters are that year's), else the year the sheet's name gives
    ("KPIs 2024-25"); with where it was read."""
    for col in view.row_cols(row):
        label = text_of(view.filled(row, col))
        if label and role_of_label(label) == "target" and (year := _year_in([label])) is not None:
            return year, f"the target's header ({cell_ref(row, col)})"
    year, where = _year_labelled_above(view, row)
    if year is not None:
        return year, where
    return _year_in([view.sheet]), "the sheet's name"


# A cell that labels the year (or period) the cell beside it gives:
# "Financial year: | 2023/24", "Reporting period | Q2 2023-24".
_YEAR_LABEL = re.compile(r"^(?:(?:financial|reporting|academic|performance|current)\s+)?"
                         r"(?:year|period|quarter)\s*:?$", re.I)
YEAR_LABEL_ROWS = 6  # rows above a header searched for such a pair
YEAR_LABEL_CELLS = 8  # the first cells of each: a label and its value sit at the left


def _year_labelled_above(view: View, row: int) -> tuple[int | None, str | None]:
    """The year a label/value pair above the header names, nearest first
    ("Financial year: | 2023/24" in the rows over the table)."""
    for r in range(row - 1, max(row - 1 - YEAR_LABEL_ROWS, 0), -1):
        cols = view.row_cols(r)[:YEAR_LABEL_CELLS]
        for label_col, value_col in zip(cols, cols[1:]):
            label = text_of(view.raw(r, label_col))
            value = text_of(view.raw(r, value_col))
            if label and value and _YEAR_LABEL.match(label.strip()) \
                    and (year := _year_in([value])) is not None:
                return year, f"{label.strip()!r} ({cell_ref(r, label_col)})"
    return None, None


def undated_periods(view: View, last_row: int) -> list[tuple[str, str]] | None:
    """A header row that would be a table's but for a year: an indicator
    name column and period labels that name none ("Q1 | Q2 | Q3"), as
    (cell, label) pairs; None when there is no such row. Looked for only
    on a sheet that gives no table, to say what to do."""
    for row in view.grid.row_numbers():
        if row > last_row:
            break
        if not _could_be_header(view, row):
            continue  # figures, or a label too long: not a header, year or no year
        labels = [(col, text_of(view.filled(row, col))) for col in view.row_cols(row)]
        if not any(t and role_of_label(t) == "name" for _c, t in labels):
            continue
        undated = [(cell_ref(row, col), t) for col, t in labels
                   if t and period_needing_a_year(t) is not None]
        if len(undated) >= 2:
            return undated
    return None


def _bands_above(view: View, row: int, leftmost: int) -> tuple[list[int], int | None]:
    """Band rows directly above a header row, and the title row above them.

    A row above is a title (and the search stops) when it holds one cell at
    or left of the header's first column that is not merged down into the
    header and is not itself a header word; any other non-blank row is a band.
    """
    bands: list[int] = []
    r = row - 1
    while r >= 1 and len(bands) < MAX_BANDS:
        raw_cols = sorted(view.grid.rows.get(r, {}))
        if view.is_blank(r):
            break
        if _is_title_row(view, r, row, leftmost, raw_cols):
            return bands[::-1], r
        if not _could_be_header(view, r):
            break  # figures or prose: the row above is data (another table), not a band
        bands.append(r)
        r -= 1
    top = bands[-1] if bands else row
    return bands[::-1], _title_near(view, top - 1)


def _is_title_row(view: View, r: int, header_row: int, leftmost: int, raw_cols: list[int]) -> bool:
    if len(raw_cols) != 1:
        return False
    col = raw_cols[0]
    if col > leftmost:
        return False
    merged = view.grid.merges
    for m in merged:
        if m.min_row == r and m.min_col == col and m.max_row >= header_row:
            return False  # a header label merged down through the bands
    label = text_of(view.raw(r, col))
    if not label or parse_year(label) is not None:
        return False
    # A short header word ("Indicator") over the name column is a band; a
    # longer line ("Performance against targets") is a title even so.
    return role_of_label(label) is None or len(label) > 30


def _title_near(view: View, start: int) -> int | None:
    """The nearest title row at or above ``start``: one text cell, not prose.

    Blank rows and a line of instructions ("Type each quarter's figure ...")
    between a banner and its table are passed over.
    """
    for r in range(start, max(start - 3, 0), -1):
        cols = sorted(view.grid.rows.get(r, {}))
        if not cols:
            continue
        if len(cols) != 1 or not isinstance(view.raw(r, cols[0]), str):
            return None
        if not _is_prose(view.raw(r, cols[0])):
            return r
    return None


def _is_prose(text: str) -> bool:
    """A sentence or paragraph rather than a title."""
    text = " ".join(text.split())
    return len(text) > 100 or (text.endswith(".") and " " in text and len(text) > 40)


def _fill_right(view: View, band: int, header_row: int, cols: list[int]) -> dict[int, str]:
    """A band row's labels per column: merged ranges filled, and an unmerged
    label carried right over the columns below it until the next label
    ("2023-24" written once over Q1, Q2, Q3)."""
    out: dict[int, str] = {}
    carry: str | None = None
    for col in cols:
        own = text_of(view.filled(band, col))
        if own:
            carry = own
            out[col] = own
        elif carry and view.filled(header_row, col) is not None and view.merge_origin(band, col) is None:
            out[col] = carry
        else:
            carry = None
    return out


def classify_column(view: View, col: int, labels: list[tuple[int, str]],
                    default_fy: int | None = None) -> Column | None:
    """A column's role (or period) from its labels, top band first.

    The column's own (bottom) label decides, except that a role word on a
    band above gives the column that role ("TARGET" over "23-24"), a value
    word under a period band makes the column that period ("Q1" over
    "Actual"), and a RAG column under a period band holds that period's
    rating. ``default_fy`` (the table title's year) dates a bare "Q1".
    """
    if not labels:
        return None
    deduped: list[tuple[int, str]] = []
    for r, t in labels:
        if not deduped or deduped[-1][1] != t:
            deduped.append((r, t))
    own_row, own = deduped[-1]
    bands = [t for _, t in deduped[:-1]]
    label = " / ".join(t for _, t in deduped)
    ref = cell_ref(own_row, col)
    if (origin := view.merge_origin(own_row, col)) is not None:
        ref = cell_ref(*origin)
    year = _year_in([own] + bands[::-1])
    context = _year_in(bands[::-1])
    if context is None:
        context = default_fy
    band_role = next((r for r in map(role_of_label, reversed(bands)) if r in _BAND_ROLES), None)
    band_period = _band_period(bands, default_fy)
    role = role_of_label(own)
    if band_period is not None and _VALUE_WORDS.match(own.strip(" :*")):
        return Column(col, "period", label, ref, period=band_period)
    if role in _PAIRED_ROLES and band_period is not None:
        return Column(col, role, label, ref, period=band_period)  # "Q1" over "Target | Actual | RAG"
    period = parse_period(own, context)
    raw = view.filled(own_row, col)
    if period is None and role is None and raw is not None and not isinstance(raw, str):
        period = parse_period(raw, context)  # a date written as the column header
    if role is None and band_role in _PAIRED_ROLES and period is not None:
        return Column(col, band_role, label, ref, period=period)  # "RAG" over "Q1 | Q2"
    if period is None and (role is None or role in _PAIRED_ROLES):
        paired = _period_with_word(own, context, role)  # "Q1 2024-25 Actual", "Target Q2 24-25"
        if paired is not None:
            return Column(col, paired[1], label, ref, period=paired[0])
    if role is None:
        role = band_role
    if role is not None:
        return Column(col, role, label, ref, year=year if role.startswith("comparator") else None)
    if period is None:
        relative = relative_role(own) if band_period is None else None
        return Column(col, relative or "unknown", label, ref)
    return Column(col, "period", label, ref, period=period)


# Roles a column may hold for one period ("Q1 Target", "RAG" under "Q2"): the
# reporting period's is the table's (settle_reporting_period).
_PAIRED_ROLES = ("rag", "target")


def _period_with_word(label: str, context: int | None, role: str | None) -> tuple[Period, str] | None:
    """(period, role) of a label that is a period and a word, either way
    round: "Q1 2024-25 Actual" is the period (a value word), "Q1 2024-25
    Target" and "RAG Q2" that period's ``role`` (the label's own role)."""
    words = label.split()
    for n in (1, 2):
        if len(words) <= n:
            break
        for period_text, word in ((words[:-n], words[-n:]), (words[n:], words[:n])):
            period = parse_period(" ".join(period_text).strip(" :-/()"), context)
            if period is None:
                continue
            word_text = " ".join(word).strip(" :-/()*")
            if role is None and _VALUE_WORDS.match(word_text):
                return period, "period"
            if role is not None and role_of_label(word_text) == role:
                return period, role
    return None


def _band_period(bands: list[str], default_fy: int | None) -> Period | None:
    """The period the nearest band names, dated by the bands above it."""
    for i in range(len(bands) - 1, -1, -1):
        context = _year_in(bands[:i][::-1])
        period = parse_period(bands[i], context if context is not None else default_fy)
        if period is not None:
            return period
    return None


_YEAR_PAIR = re.compile(r"(?<![0-9])(?:\d{4}|\d{2})\s*[-/–]\s*(?:\d{4}|\d{2})(?![0-9])")


def _year_in(labels: list[str]) -> int | None:
    """The first financial year named by one of the labels (nearest first):
    a band ("2023-2024"), an outturn ("2022-23 outturn"), or a year within a
    label ("England 2021-22")."""
    for text in labels:
        year = parse_year(text)
        if year is None:
            period = parse_period(text)
            if period is not None and period.kind in ("year", "academic_year"):
                year = period.fy
        if year is None:
            for pair in _YEAR_PAIR.findall(text):
                if (year := parse_year(pair.replace("–", "-"))) is not None:
                    break
        if year is not None:
            return year
    return None


def one_column_per_role(columns: dict[int, Column]) -> None:
    """One column per role: the first name column is the name (later ones
    are descriptions); of several comparator columns of one kind the one
    for the latest year (else the first); of any other role the first."""
    by_role: dict[str, list[Column]] = {}
    for col in sorted(columns):
        column = columns[col]
        if column.role not in ("period", "unknown", "description", IN_YEAR):
            by_role.setdefault(column.role, []).append(column)
    for role, found in by_role.items():
        if role in _PAIRED_ROLES and sum(c.period is not None for c in found) >= 2:
            continue  # a RAG or target per period: the reporting period's is chosen with the rows
        if len(found) < 2:
            continue
        keep = found[0]
        if role.startswith("comparator:"):
            keep = max(found, key=lambda c: (c.year or 0, -c.col))
        for column in found:
            if column is not keep:
                column.role = "description" if role == "name" else "unknown"


# -------------------------------------------------------------- body

@dataclass
class _RowFacts:
    kind: str  # "blank" | "strong" | "weak" | "single" | "nameless"
    name: str | None = None
    area: str | None = None


def read_body(view: View, header: Header, stop: int | None = None, *,
              first: int | None = None, last: int | None = None) -> Block:
    """The rows of a table below its header.

    Without bounds, the table runs until two blank rows, the next header
    (``stop``) or prose: single-cell rows after the last indicator row. A
    single-cell row between indicator rows names an area (a section row).
    With ``first``/``last`` (from configuration) every named row between
    them is read.
    """
    block = Block(header)
    lo, hi = header.span
    start = first if first is not None else header.bottom + 1
    end = last if last is not None else (stop - 1 if stop else view.grid.last_row)
    pending: list[tuple[int, _RowFacts]] = []
    blank_run = 0
    name_col, area_col = header.role_col("name"), header.role_col("area")  # fixed while rows are read
    for r in range(start, end + 1):
        facts = _row_facts(view, header, r, lo, hi, name_col, area_col)
        if facts.kind == "blank":
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN and last is None and (block.rows or r > start + 2):
                break
            continue
        blank_run = 0
        if facts.kind == "strong" or (last is not None and facts.kind == "weak"):
            for pr, pf in pending:
                _add_pending(block, pr, pf)
            pending = []
            block.rows.append(BodyRow(r, "indicator"))
        else:
            pending.append((r, facts))
    if last is not None:  # configured bounds: section rows at the end are still sections
        for pr, pf in pending:
            if pf.kind == "nameless":
                block.nameless.append(pr)
    else:
        block.skipped = [pr for pr, pf in pending if pf.kind == "weak"]
    _detect_unheaded_columns(view, block)
    _settle_codes(view, block)
    _settle_trend(view, block)
    settle_reporting_period(view, block)
    return block


def holds_figure(value: object) -> bool:
    """Whether a period cell says something about its period: a figure, a
    suppression, "Not yet available", a note; not blank or a bare dash."""
    text = text_of(value)
    return text is not None and text.lower() not in DASHES


def settle_reporting_period(view: View, block: Block) -> None:
    """The table's reporting period is its latest period column holding a
    figure in any row; later columns (a tracker's empty Q2-Q4) are not read
    as periods, and the RAG column paired with the reporting period is the
    table's RAG column."""
    header = block.header
    rows = block.indicator_rows
    if is_row_wise(header.columns):
        _row_wise_reporting_period(view, block)
        return
    filled = [c for c in header.period_columns
              if any(holds_figure(view.raw(r, c.col)) for r in rows)]
    if not filled:
        return
    block.reporting_period = max(filled, key=lambda c: c.period.sort_key).period
    latest_key = block.reporting_period.sort_key
    for column in header.period_columns:
        if column.period.sort_key > latest_key:
            column.role = "period_later"
            block.later.append(column)
    _keep_paired(header, "rag", block.reporting_period)
    _keep_paired(header, "target", block.reporting_period)


def _row_wise_reporting_period(view: View, block: Block) -> None:
    """A row-wise table's reporting period: the latest of its rows' periods
    whose latest figure is there (rows may be of different kinds); with the
    quarters of each row's year, the latest quarter filled."""
    header = block.header
    period_col = header.role_col("row_period")
    figures = [c for c in header.columns.values() if c.role in ("latest", IN_YEAR)]
    periods = []
    for r in block.indicator_rows:
        row_period = period_of_row(view.raw(r, period_col), header.context_fy, header.title_period)
        if row_period is None:
            continue
        for column in figures:
            when = column_period(row_period, column.role, column.period)
            if when is not None and holds_figure(view.raw(r, column.col)):
                periods.append(when)
    if periods:
        block.reporting_period = max(periods, key=lambda p: p.sort_key)


def _keep_paired(header: Header, role: str, reporting: Period) -> None:
    """Of the ``role`` columns given for one period each, the reporting
    period's is the table's (else the target of the longer period it falls
    in: :func:`_serves`); the others are ``period_<role>``, not read. A lone one is the table's
    whatever period it names."""
    of_role = [c for c in header.columns.values() if c.role == role]
    paired = [c for c in of_role if c.period is not None]
    if not paired:
        return
    if len(of_role) == 1:
        paired[0].period = None
        return
    keep = next((c for c in paired if c.period == reporting), None)
    if keep is None and role == "target":
        keep = next((c for c in paired if _serves(c.period, reporting)), None)
    for column in of_role:
        if column is not keep and column.period is not None:
            column.role = f"period_{role}"
        elif column is not keep and keep is not None:
            column.role = "unknown"  # a plain "Target" beside the reporting period's own


def _serves(target: Period, reporting: Period) -> bool:
    """A target set for a longer period serves the periods inside it: a
    year's target its quarters and months, a quarter's target its months."""
    if target.fy != reporting.fy:
        return False
    if target.kind == "year":
        return reporting.kind in ("quarter", "month")
    return (target.kind == "quarter" and reporting.kind == "month" and reporting.number is not None
            and target.number == (reporting.number - 1) // 3 + 1)


def _settle_codes(view: View, block: Block) -> None:
    """``KPI | Description`` whose KPI cells are all codes ("CSC1", "NI 62"):
    the codes are the ids and the description column names the indicators."""
    header = block.header
    name_col, other = header.role_col("name"), header.role_col("description")
    if name_col is None or other is None or header.role_col("id") is not None:
        return
    names = [text_of(view.raw(r, name_col)) for r in block.indicator_rows]
    described = [text_of(view.raw(r, other)) for r in block.indicator_rows]
    if names and all(n and _CODE.match(n) for n in names) \
            and all(d and not _CODE.match(d) for d in described):
        header.columns[name_col].role, header.columns[other].role = "id", "name"


def _settle_trend(view: View, block: Block) -> None:
    """A "Trend" column whose cells hold arrows or words is the direction of
    travel when the table has no other; an empty one is a sparkline column."""
    header = block.header
    col = header.role_col("trend")
    if col is None or header.role_col("dot") is not None:
        return
    if any(isinstance(view.raw(r, col), str) and view.raw(r, col).strip() for r in block.indicator_rows):
        header.columns[col].role = "dot"


def _add_pending(block: Block, row: int, facts: _RowFacts) -> None:
    if facts.kind == "weak":
        block.rows.append(BodyRow(row, "indicator"))
    elif facts.kind == "single":
        block.rows.append(BodyRow(row, "section", facts.name or facts.area))
    elif facts.kind == "nameless":
        block.nameless.append(row)


_STRONG_STATUSES = {"number", "suppressed", "not_available"}
_ROW_FIGURE_ROLES = {*RELATIVE_ROLES, IN_YEAR}  # a row-wise table's figure columns
_STRONG_ROLES = {"target", "polarity", "amber", "id"}


def _row_facts(view: View, header: Header, r: int, lo: int, hi: int,
               name_col: int | None, area_col: int | None) -> _RowFacts:
    """What row ``r`` is under ``header`` (``name_col``, ``area_col``: its name
    and area columns), its cells visited once."""
    name = area = None
    seen = others = strong = False
    columns = header.columns
    for c, cell in view.grid.rows.get(r, _NO_CELLS).items():
        if not lo <= c <= hi:
            continue
        seen = True
        if c == name_col:
            name = text_of(cell.value)
            continue
        if c == area_col:
            area = text_of(cell.value)
            continue
        others = True
        if strong:
            continue
        column = columns.get(c)
        if column is None:
            continue
        if column.role == "period" or column.role in _ROW_FIGURE_ROLES:
            # A figure, "Not yet available", a compound ("42 Children 20
            # Families") or a note merged across the value columns: a row
            # with a name and anything in its period cells is an indicator.
            if parse_value(cell.value, cell.number_format).status in _STRONG_STATUSES \
                    or holds_figure(cell.value):
                strong = True
        elif column.role in _STRONG_ROLES:
            strong = True
    if not seen:
        return _RowFacts("blank")
    if name is None:
        if not others:
            return _RowFacts("single", area=area) if area else _RowFacts("blank")
        return _RowFacts("nameless" if strong else "other")
    if strong:
        return _RowFacts("strong", name, area)
    if others:
        return _RowFacts("weak", name, area)
    return _RowFacts("single", name, area)


_NO_CELLS: dict = {}


def _detect_unheaded_columns(view: View, block: Block) -> None:
    """Give a role to columns with no header from what their cells hold.

    An unheaded column of RAG words (or only dashes directly after the
    target column, as Rutland's) is the RAG column; an unheaded column of
    codes ("CSC07") left of the name column is the id column.
    """
    header = block.header
    lo, hi = header.span
    rows = block.indicator_rows
    if not rows:
        return
    target_col = header.role_col("target")
    for col in range(max(lo - 1, 1), hi + 2):  # one column either side may be unheaded too
        if col in header.columns:
            continue  # headed (a labelled column we do not know is left alone)
        texts = [text_of(view.raw(r, col)) for r in rows]
        filled = [t for t in texts if t]
        if not filled:
            continue
        lowered = [t.lower() for t in filled]
        ref = cell_ref(header.bottom, col)
        if all(t in RAG_WORDS or t in DASHES for t in lowered):
            has_rag = any(t in RAG_WORDS for t in lowered)
            if (has_rag or col == (target_col or -2) + 1) and header.role_col("rag") is None:
                header.columns[col] = Column(col, "rag", "", ref)
        elif col < header.name_col and header.role_col("id") is None \
                and all(_CODE.match(t) for t in filled):
            header.columns[col] = Column(col, "id", "", ref)


# -------------------------------------------------------------- the sheet

def detect_tables(sheet: Grid | View) -> list[Block]:
    """Every indicator and targets table on a sheet, top to bottom (tables
    side by side on the same rows: left to right)."""
    view = sheet if isinstance(sheet, View) else View(sheet)
    spans = side_by_side_spans(view.grid)
    if len(spans) == 1:
        blocks = [found for block in _tables_in(view) for found in _side_by_side_within(view, block)]
    else:
        blocks = _tables_beside(view.grid, spans)
    indicator_blocks = [b for b in blocks if b.header.kind == "indicators"]
    for block in indicator_blocks:
        block.area = area_from_title(block.header.title, several=len(indicator_blocks) > 1)
    return blocks


def _tables_in(view: View) -> list[Block]:
    headers = find_headers(view)
    blocks = []
    for i, header in enumerate(headers):
        stop = headers[i + 1].top if i + 1 < len(headers) else None
        block = read_body(view, header, stop)
        if header.kind == "indicators" and not block.indicator_rows:
            continue
        blocks.append(block)
    return blocks


# -------------------------------------------------------------- tables side by side

def side_by_side_spans(grid: Grid) -> list[tuple[int, int]]:
    """The column spans of tables laid side by side on a sheet, left to right;
    one span (the whole sheet) when there are none.

    Tables side by side are separated by columns with no cell in any row
    (merged ranges, such as a title over both, do not count). A blank column
    also separates parts of one table (a spacer before the period columns,
    a notes column set apart), so a sheet is split at one only when the
    columns left of it hold a table of their own and an indicator header has
    its name column in the run of columns just right of it.
    """
    runs = _column_runs(grid)
    if len(runs) < 2:
        return [(1, runs[-1][1] if runs else 1)]
    spans: list[tuple[int, int]] = []
    lo, hi = runs[0]
    for run_lo, run_hi in runs[1:]:
        if has_table(clip_columns(grid, lo, hi)) \
                and _indicators_named_in(clip_columns(grid, run_lo, runs[-1][1]), run_lo, run_hi):
            spans.append((lo, hi))
            lo = run_lo
        hi = run_hi
    spans.append((lo, hi))
    return spans


def _column_runs(grid: Grid) -> list[tuple[int, int]]:
    """Runs of adjacent columns holding a cell in some row."""
    used: set[int] = set()
    for cells in grid.rows.values():
        used.update(cells)
    runs: list[tuple[int, int]] = []
    for col in sorted(used):
        if runs and col == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], col)
        else:
            runs.append((col, col))
    return runs


def _indicators_named_in(grid: Grid, lo: int, hi: int) -> bool:
    """Whether an indicator header on ``grid`` has its name column in ``lo..hi``."""
    return any(h.kind == "indicators" and h.role_col("name") is not None
               and lo <= h.role_col("name") <= hi
               for h in find_headers(View(grid), choose=False))


def _side_by_side_within(view: View, block: Block) -> list[Block]:
    """The tables side by side on a block's own rows, when a wider table
    elsewhere on the sheet fills the column between them (so the sheet as a
    whole has none empty); else the block itself."""
    rows = clip_rows(view.grid, block.header.top, block.last_row)
    spans = side_by_side_spans(rows)
    if len(spans) < 2:
        return [block]
    found = _tables_beside(rows, spans)
    return found if len(found) >= 2 else [block]


def _tables_beside(grid: Grid, spans: list[tuple[int, int]]) -> list[Block]:
    """The tables in each of the column ``spans``, top to bottom and left to
    right, each kept clear of the one beside it."""
    blocks = []
    for lo, hi in spans:
        for block in _tables_in(View(clip_columns(grid, lo, hi))):
            block.beside = (lo, hi)
            blocks.append(block)
    blocks.sort(key=lambda b: (b.header.top, b.header.span[0]))
    leave_room_between(blocks)
    return blocks


def clip_rows(grid: Grid, lo: int, hi: int) -> Grid:
    """The grid's rows ``lo..hi`` (numbered as on the sheet), and its merged
    ranges cut to those rows."""
    merges = [Merge(max(m.min_row, lo), m.min_col, min(m.max_row, hi), m.max_col)
              for m in grid.merges if m.min_row <= hi and m.max_row >= lo]
    return Grid(grid.sheet, {r: cells for r, cells in grid.rows.items() if lo <= r <= hi}, merges,
                grid.complete, min(grid.last_row, hi))


def clip_columns(grid: Grid, lo: int, hi: int) -> Grid:
    """The grid's cells in columns ``lo..hi`` (numbered as on the sheet), and
    its merged ranges cut to those columns."""
    rows = {r: {c: cell for c, cell in cells.items() if lo <= c <= hi} for r, cells in grid.rows.items()}
    merges = [Merge(m.min_row, max(m.min_col, lo), m.max_row, min(m.max_col, hi))
              for m in grid.merges if m.min_col <= hi and m.max_col >= lo]
    return Grid(grid.sheet, {r: cells for r, cells in rows.items() if cells}, merges,
                grid.complete, grid.last_row)


def leave_room_between(blocks: list[Block]) -> None:
    """A table with another to its right on the same rows may add columns
    only up to the blank column before that one (kept blank, so the tables
    still read apart after a refresh)."""
    for block in blocks:
        hi = block.header.span[1]
        top, bottom = block.header.top, block.last_row
        starts = [other.header.span[0] for other in blocks
                  if other is not block and other.header.span[0] > hi
                  and other.header.top <= bottom and other.last_row >= top]
        if starts:
            block.room_until = min(starts) - 2


def has_table(grid: Grid) -> bool:
    """Whether the rows read hold an indicator or targets header (cheap)."""
    return bool(find_headers(View(grid), choose=False))


def area_from_title(title: str | None, several: bool) -> str | None:
    """The service area a table title names.

    "Dashboard Item 3 – Children's Social Care Front Door" -> "Children's
    Social Care Front Door". A plain title names an area only when the sheet
    holds several tables and the title is not a sheet banner (no period).
    """
    if not title:
        return None
    match = _TITLE_PREFIX.match(title)
    if match:
        return match.group("rest").strip() or None
    if several and len(title) <= 80 and not _HAS_YEAR.search(title):
        return title.strip()
    return None
