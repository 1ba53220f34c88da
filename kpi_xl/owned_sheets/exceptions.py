"""The exception summary sheet kpi-xl owns, for the scrutiny committee.

For each area, the configured categories in order ("Green to celebrate",
"Amber to watch", "Reds on watching", "Reds of concern"), each indicator with
its latest value, target, RAG and direction. Two columns belong to officers:
Override (a category chosen by judgement) and Commentary. Both are read back
before each refresh and written again matched by indicator id, so they
survive a refresh and follow an indicator that moved category. Notes for
indicators no longer found are kept at the foot of the sheet, never dropped.

It prints as a committee paper: A4 landscape, one page wide, the header
row on every page, rows as tall as their wrapped text, full area names,
short readable ids (the council's code, else a code per area; the stable
key notes are matched by sits in a hidden Key column), namesakes told apart
by block, and one "None this period" line per area for its empty categories.

An override remembers when it was set: kpi-xl writes beside it, in the
Override note column, "Reds on watching: set in Q1 2023-24 when the rule said
Reds of concern" and reads that back at the next refresh. An override set for
an earlier period, or whose rule category has changed since, is stale; by
``exceptions.override_expiry`` it is kept silently (``keep``), kept with a
finding and a note ("...; the rule now says Green to celebrate", ``warn``,
the default), or, once its period has passed, no longer applied
(``expire_each_period``; the officer's text stays, the note says so).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..xlsx.refs import col_letters as get_column_letter

from ..config import Config
from ..errors import Place
from ..finding_types import OVERRIDE_EXPIRED, OVERRIDE_STALE, UNKNOWN_OVERRIDE
from ..findings import Finding, Report
from ..reader.build import slug
from .layout import fit_rows
from ..planning.indicator_tables import rag_word_rules
from ..plan import (AddConditionalFormat, DataValidationList, OwnedSheet, SetCell,
                    SheetCells, Style)

if TYPE_CHECKING:
    from .registry import OwnedSheetJob

ROLE = "exceptions"
PURPOSE = "exceptions"  # of its changes in the plan
HEADERS = ["Area", "Category", "ID", "Indicator", "Period", "Latest", "Target", "RAG",
           "Direction", "Rule category", "Override", "Override note", "Commentary", "Key"]
COL = {name: get_column_letter(i + 1) for i, name in enumerate(HEADERS)}
COLUMN = {name: i + 1 for i, name in enumerate(HEADERS)}
HEADER_ROW = 4
WIDTHS = {"Area": 18, "Category": 15, "ID": 8, "Indicator": 46, "Period": 11, "Latest": 9,
          "Target": 9, "RAG": 11, "Direction": 13, "Rule category": 15, "Override": 15,
          "Override note": 24, "Commentary": 44, "Key": 24}
NO_TARGET = "–"
TITLE_STYLE = Style(bold=True, font_size=14)
HEAD_STYLE = Style(bold=True, fill="1F4E78", font_color="FFFFFF", wrap=True, vertical="center",
                   border="thin")
AREA_STYLE = Style(bold=True, fill="DDEBF7", font_size=12)
CATEGORY_STYLE = Style(bold=True, italic=True)
BODY_STYLE = Style(vertical="top", border="thin", wrap=True)
NOTE_STYLE = Style(wrap=True, vertical="top", border="thin", fill="FFF2CC")
KEY_STYLE = Style(vertical="top")  # hidden: never wraps, never sizes a row
STALE_STYLE = Style(wrap=True, vertical="top", border="thin", italic=True)


def _row_styles(number: Style) -> dict[str, Style]:
    """Column -> style of an indicator's row (``number`` for Latest and Target)."""
    special = {"Latest": number, "Target": number, "Override": NOTE_STYLE, "Commentary": NOTE_STYLE,
               "Override note": STALE_STYLE, "Key": KEY_STYLE}
    return {name: special.get(name, BODY_STYLE) for name in HEADERS}


# percent or not -> the styles of an indicator's row
ROW_STYLES = {True: _row_styles(Style(number_format="0.0%", border="thin", vertical="top")),
              False: _row_styles(Style(number_format="#,##0.##", border="thin", vertical="top"))}
# the same in the columns' order
ROW_STYLE_LIST = {percent: [styles[name] for name in HEADERS] for percent, styles in ROW_STYLES.items()}


@dataclass
class Note:
    """What officers wrote for one indicator."""

    override: str | None = None
    commentary: str | None = None
    name: str | None = None
    # The officer's own formulas in Override/Commentary (header -> text
    # without '='), kept as formulas, and cells they added to the row in
    # columns kpi-xl does not write (column letter -> (value, formula)).
    formulas: dict[str, str] = field(default_factory=dict)
    extra: dict[str, tuple] = field(default_factory=dict)
    override_note: str | None = None  # kpi-xl's record of when the override was set

    def is_empty(self) -> bool:
        return not (self.override or self.commentary or self.extra)


@dataclass(frozen=True)
class LooseCell:
    """A cell an officer typed on the sheet outside the indicator rows."""

    ref: str
    value: object
    formula: str | None = None


@dataclass
class ExceptionsResult:
    sheet: OwnedSheet
    categories: dict[str, str] = field(default_factory=dict)  # id -> effective category
    ignored_overrides: dict[str, str] = field(default_factory=dict)  # id -> unknown text
    labels: dict[str, str] = field(default_factory=dict)  # id -> "CP2  name", as shown
    # id -> (finding type, message, cell) for overrides that outlived their reason
    stale_overrides: dict[str, tuple[str, str, str]] = field(default_factory=dict)


def plan(job: OwnedSheetJob) -> OwnedSheet:
    """The exception summary of a refresh. Officers' notes and the cells they
    typed are read from the sheet as it stands and kept; the categories,
    labels and notes are left on ``job`` (data quality and the pack use
    them); overrides that are unknown or stale become findings."""
    rows, formulas = job.rows(ROLE), job.formulas(ROLE)
    notes = read_notes(rows, formulas)
    areas = {_area_of(r) for r in job.records}
    loose = read_loose_cells(rows, formulas, job.config, areas)
    made = build_exceptions_sheet(job.records, job.config, notes,
                                  title=summary_title(job.config, job.records), loose=loose)
    report_overrides(made, job.config, job.report)
    job.categories, job.labels, job.notes = made.categories, made.labels, notes
    return made.sheet


def report_overrides(made: ExceptionsResult, config: Config, report: Report) -> None:
    """A finding for each override that names no category or outlived its reason."""
    for ident, text in made.ignored_overrides.items():
        report.add(Finding(UNKNOWN_OVERRIDE, f"override {text!r} is not a category; "
                           "the rule's category is used", "warning",
                           indicator=ident))
    for ident, (kind, message, cell) in made.stale_overrides.items():
        report.add(Finding(kind, message, "warning",
                           Place(sheet=config.exceptions.sheet_name, cell=cell or None),
                           indicator=ident))


def summary_title(config: Config, rated: list[dict]) -> str:
    """"Exampleshire Children's Services: exception summary Q2 2025-26": the
    period most indicators report."""
    periods = [r["latest_period"] for r in rated if r["latest_period"] is not None]
    latest = max(set(periods), key=periods.count) if periods else ""
    council = f"{config.workbook.council} " if config.workbook.council else ""
    return f"{council}{config.workbook.service}: exception summary {latest}".strip()


def read_notes(rows: list[list], formulas: dict[str, str] | None = None) -> dict[str, Note]:
    """Officers' overrides and commentary from the sheet's rows as read
    (row lists from column A), keyed by indicator id; with ``formulas``
    (cell ref -> formula), their own formulas stay formulas, and cells they
    added in other columns of an indicator's row follow the indicator."""
    notes: dict[str, Note] = {}
    formulas = formulas or {}
    header_at = _find_header(rows)
    if header_at is None:
        return notes
    index = {str(v).strip(): i for i, v in enumerate(rows[header_at]) if v is not None}
    key_at = index.get("Key")  # the stable id; sheets before the Key column keep it in ID
    ours = {i for name, i in index.items() if name in HEADERS}
    for r, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if _get(row, 0) == LOOSE_HEADING:
            break  # below it, cells kept by read_loose_cells
        ident = _get(row, key_at) or _get(row, index.get("ID"))
        if not ident:
            continue
        note = Note(override=_get(row, index.get("Override")),
                    commentary=_get(row, index.get("Commentary")),
                    name=_get(row, index.get("Indicator")),
                    override_note=_get(row, index.get("Override note")))
        for header in ("Override", "Commentary"):
            i = index.get(header)
            ref = f"{get_column_letter(i + 1)}{r}" if i is not None else None
            if ref in formulas:
                note.formulas[header] = formulas[ref]
        for i, value in enumerate(row):
            ref = f"{get_column_letter(i + 1)}{r}"
            if i not in ours and (value not in (None, "") or ref in formulas):
                note.extra[get_column_letter(i + 1)] = (value, formulas.get(ref))
        if not note.is_empty():
            notes[str(ident)] = note
    return notes


KEPT_HEADING = "Notes kept from earlier refreshes (indicator not rated this time)"
LOOSE_HEADING = "Kept from earlier refreshes: cells typed on this sheet outside the indicator rows"
NONE_TEXT = "None this period"


def read_loose_cells(rows: list[list], formulas: dict[str, str] | None = None,
                     config: Config | None = None, areas: set[str] = frozenset()) -> list[LooseCell]:
    """Cells on the sheet that kpi-xl did not write and that belong to no
    indicator row: kept at the foot of the sheet, never dropped."""
    formulas = formulas or {}
    header_at = _find_header(rows)
    if header_at is None:
        return []
    index = {str(v).strip(): i for i, v in enumerate(rows[header_at]) if v is not None}
    categories = {c.name for c in (config or Config()).exceptions.categories}
    loose = []
    below_heading = False
    for r, row in enumerate(rows, start=1):
        if _get(row, 0) == LOOSE_HEADING:
            below_heading = True
            continue
        if r - 1 > header_at and not below_heading and (_get(row, index.get("Key"))
                                                         or _get(row, index.get("ID"))):
            continue  # an indicator row: read_notes keeps what officers added there
        for i, value in enumerate(row):
            ref = f"{get_column_letter(i + 1)}{r}"
            if value in (None, "") and ref not in formulas:
                continue
            if not below_heading and _written_by_kpixl(r, i, value, header_at, index, categories, areas):
                continue
            loose.append(LooseCell(ref, value, formulas.get(ref)))
    return loose


def _written_by_kpixl(r: int, i: int, value, header_at: int, index: dict[str, int],
                      categories: set[str], areas: set[str]) -> bool:
    if r in (1, 2) and i == 0:  # title and the note under it
        return True
    if r - 1 == header_at:
        return str(value).strip() in HEADERS
    if r - 1 < header_at:
        return False
    text = str(value).strip()
    if i == 0:  # an area heading (of an area still rated) or a heading kpi-xl writes
        return text in (KEPT_HEADING, LOOSE_HEADING) or text in areas
    if i == index.get("Category", 1):
        return text in categories or text.startswith(NONE_TEXT)
    if i == index.get("Indicator", 3):
        return text == NONE_TEXT
    return False


def _find_header(rows: list[list]) -> int | None:
    for i, row in enumerate(rows[:20]):
        cells = [str(v).strip() for v in row if v is not None]
        if "ID" in cells and "Commentary" in cells:
            return i
    return None


def _get(row: list, i: int | None) -> str | None:
    if i is None or i >= len(row) or row[i] is None:
        return None
    text = str(row[i]).strip()
    return text or None


def build_exceptions_sheet(rated: list[dict], config: Config, notes: dict[str, Note], *,
                           title: str, loose: list[LooseCell] | tuple = ()) -> ExceptionsResult:
    notes = notes_by_new_id(notes, rated)
    names = [c.name for c in config.exceptions.categories]
    result = ExceptionsResult(OwnedSheet(role=ROLE, name=config.exceptions.sheet_name,
                                         freeze=f"A{HEADER_ROW + 1}", tab_color="1F4E78",
                                         print_title_rows=f"{HEADER_ROW}:{HEADER_ROW}",
                                         hidden_columns=(COL["Key"],), purpose=PURPOSE))
    sheet = result.sheet
    cells = sheet.cells
    cells.put(1, 1, title, TITLE_STYLE)
    cells.put(2, 1, "Made by kpi-xl. Type only in the Override and Commentary "
              "columns: they are kept, by indicator, at the next refresh.", Style(italic=True))
    for name, col in COL.items():
        cells.put(HEADER_ROW, COLUMN[name], name, HEAD_STYLE)
        sheet.column_widths[col] = WIDTHS[name]
    naming = _naming(rated)
    result.labels = {ident: f"{ref}  {name}" for ident, (ref, name) in naming.items()}
    rated_rows = [r for r in rated if r.get("rag") is not None]
    row = HEADER_ROW + 1
    seen: set[str] = set()
    band = [AREA_STYLE] * (len(HEADERS) - 1)  # the band runs across the printed width
    by_area: dict[str, list[dict]] = {}  # in the order areas first appear in the workbook
    for record in rated_rows:
        by_area.setdefault(_area_of(record), []).append(record)
    for area, in_area in by_area.items():
        cells.put_row(row, 1, [area] + [None] * (len(HEADERS) - 2), band)
        row += 1
        placed = _place_by_category(in_area, notes, names, result, config)
        for cat in names + [c for c in placed if c not in names]:
            members = placed.get(cat, [])
            if not members:
                continue
            cells.put(row, COLUMN["Category"], cat, CATEGORY_STYLE)
            row += 1
            for record in members:
                _indicator_row(cells, row, area, cat, record, notes.get(record["id"]), config,
                               naming)
                if record["id"] in result.stale_overrides:
                    kind, message, _ = result.stale_overrides[record["id"]]
                    result.stale_overrides[record["id"]] = (kind, message,
                                                            f"{COL['Override']}{row}")
                seen.add(record["id"])
                row += 1
        empty = [cat for cat in names if not placed.get(cat)]
        if empty:  # one line for the area, not one per category
            cells.put(row, COLUMN["Category"], f"None this period: {', '.join(empty)}", Style(italic=True))
            row += 1
    row = _kept_notes(cells, row + 1, notes, seen)
    row = _kept_loose(cells, row + 1, loose) - 1
    last = max(row - 1, HEADER_ROW + 1)
    sheet.validations.append(DataValidationList(
        f"{COL['Override']}{HEADER_ROW + 1}:{COL['Override']}{last}", tuple(names),
        prompt="Choose a category to move this indicator by judgement; clear to follow the rule."))
    sheet.conditional_formats.append(_rag_colours(config, last))
    sheet.row_heights.update(fit_rows(cells, sheet.column_widths))
    return result


def notes_by_new_id(notes: dict[str, Note], rated: list[dict]) -> dict[str, Note]:
    """Notes kept under the id an indicator had before its code was read
    from its name ("NI 62 - ..." was "ni-62-..."), moved to its code: an
    officer's commentary stays beside its indicator, not among the kept notes."""
    if not notes:
        return notes
    ids = {record["id"] for record in rated}
    moved = dict(notes)
    for record in rated:
        ident, before = record["id"], slug(record.get("name") or "")
        if ident not in moved and before != ident and before in moved and before not in ids:
            moved[ident] = moved.pop(before)
    return moved


def _naming(rated: list[dict]) -> dict[str, tuple[str, str]]:
    """id -> (short id, name told apart from namesakes), as the pack shows them."""
    from ..names import display_name, named_records, qualifiers, short_refs

    items = named_records(rated)
    refs, told = short_refs(items), qualifiers(items)
    return {i.id: (refs[i.id], display_name(i.name, told.get(i.id))) for i in items}


def _areas(rated: list[dict]) -> list[str]:
    """Areas in the order they first appear in the workbook."""
    return list(dict.fromkeys(_area_of(r) for r in rated))


def _area_of(record: dict) -> str:
    area = record.get("area")
    return "(no area)" if area is None else area


def _place_by_category(rows: list[dict], notes: dict[str, Note], names: list[str],
                       result: ExceptionsResult, config: Config | None = None
                       ) -> dict[str, list[dict]]:
    policy = config.exceptions.override_expiry if config is not None else "warn"
    placed: dict[str, list[dict]] = {}
    for record in rows:
        cat = record.get("category")
        note = notes.get(record["id"])
        if note and note.override:
            if note.override in names:
                if _override_applies(record, note, policy, result):
                    cat = note.override
            else:
                result.ignored_overrides[record["id"]] = note.override
        result.categories[record["id"]] = cat
        placed.setdefault(cat, []).append(record)
    return placed


_SET = re.compile(r"^(?P<override>.+?): set in (?P<period>.+?) when the rule said (?P<rule>.+?)"
                  r"(?:;.*)?$")


def override_origin(record: dict, note: Note) -> tuple[str, str]:
    """(period, rule category) when the override was set: from kpi-xl's note
    beside it, or now for an override typed since the last refresh (or
    changed to another category)."""
    match = _SET.match(note.override_note or "")
    if match and match.group("override") == note.override:
        return match.group("period"), match.group("rule")
    return str(record.get("latest_period") or "this period"), str(record.get("category"))


def _override_applies(record: dict, note: Note, policy: str, result: ExceptionsResult) -> bool:
    """Whether the override moves the indicator; records the note written beside
    it and, when stale, why (``result.stale_overrides``)."""
    period, rule_then = override_origin(record, note)
    rule_now = str(record.get("category"))
    note.override_note = f"{note.override}: set in {period} when the rule said {rule_then}"
    earlier = period != str(record.get("latest_period") or "this period")
    changed = rule_then != rule_now
    if policy == "keep" or not (earlier or changed):
        return True
    if earlier and policy == "expire_each_period":
        note.override_note += f"; expired: the rule's category ({rule_now}) is used"
        result.stale_overrides[record["id"]] = (
            OVERRIDE_EXPIRED.name, f"override {note.override!r} was set in {period}; it has expired "
            f"and the rule's category ({rule_now}) is used", "")
        return False
    why = f"the rule now says {rule_now}" if changed else f"the latest period is now " \
        f"{record.get('latest_period')}"
    note.override_note += f"; {why}"
    result.stale_overrides[record["id"]] = (
        OVERRIDE_STALE.name, f"override {note.override!r} was set in {period} when the rule said "
        f"{rule_then}; {why}: check it still holds", "")
    return True


def _indicator_row(cells: SheetCells, row: int, area: str, cat: str, record: dict, note: Note | None,
                   config: Config, naming: dict[str, tuple[str, str]]) -> None:
    ident = record["id"]
    named = naming.get(ident)
    target = record.get("target")
    values = [  # in the order of HEADERS
        area, cat,
        named[0] if named is not None else ident,
        named[1] if named is not None else record["name"],
        record.get("latest_period"), record.get("latest_value"),
        target if _plain(target) is not None else _plain(record.get("target_raw")) or NO_TARGET,
        getattr(config.rag.labels, record["rag"]) if record.get("rag") else None,
        _direction_text(record) or NO_TARGET,
        record.get("category"),
        note.override if note else None,
        note.override_note if note and note.override else None,
        note.commentary if note else None,
        ident,
    ]
    formulas = [note.formulas.get(name) for name in HEADERS] if note and note.formulas else None
    cells.put_row(row, 1, map(_plain, values), ROW_STYLE_LIST[record.get("unit") == "percent"], formulas)
    _extra_cells(cells, row, note)


def _extra_cells(cells: list, row: int, note: Note | None) -> None:
    """What the officer added to an indicator's row, in the same columns."""
    for col, (value, formula) in sorted((note.extra if note else {}).items()):
        cells.append(SetCell("", f"{col}{row}", _plain(value), formula=formula))


def _direction_text(record: dict) -> str | None:
    if not record.get("arrow"):
        return None
    return f"{record['arrow']} {record['direction']}"


def _kept_notes(cells: list, row: int, notes: dict[str, Note], seen: set[str]) -> int:
    orphans = {k: v for k, v in notes.items() if k not in seen}
    if not orphans:
        return row
    cells.append(SetCell("", f"A{row}", KEPT_HEADING, style=AREA_STYLE))
    row += 1
    for ident, note in sorted(orphans.items()):
        cells.append(SetCell("", f"{COL['ID']}{row}", ident, style=BODY_STYLE))
        cells.append(SetCell("", f"{COL['Key']}{row}", ident, style=KEY_STYLE))
        cells.append(SetCell("", f"{COL['Indicator']}{row}", note.name, style=BODY_STYLE))
        for name in ("Override", "Commentary"):
            cells.append(SetCell("", f"{COL[name]}{row}", getattr(note, name.lower()),
                                 formula=note.formulas.get(name), style=NOTE_STYLE))
        cells.append(SetCell("", f"{COL['Override note']}{row}", note.override_note,
                             style=STALE_STYLE))
        _extra_cells(cells, row, note)
        row += 1
    return row


def _kept_loose(cells: list, row: int, loose: list[LooseCell] | tuple) -> int:
    """Officers' cells from outside the indicator rows, at the foot, in
    their own columns and in the order of the rows they were typed in."""
    from kpi_xl.xlsx.refs import parse_cell

    by_row: dict[int, list[LooseCell]] = {}
    for cell in loose:
        at, col = parse_cell(cell.ref)
        if at == HEADER_ROW and col > len(HEADERS):  # the officer's own column heading stays put
            cells.append(SetCell("", cell.ref, _plain(cell.value), formula=cell.formula, style=HEAD_STYLE))
        else:
            by_row.setdefault(at, []).append(cell)
    if not by_row:
        return row
    cells.append(SetCell("", f"A{row}", LOOSE_HEADING, style=AREA_STYLE))
    for _, group in sorted(by_row.items()):
        row += 1
        for cell in group:
            col = "".join(ch for ch in cell.ref if ch.isalpha())
            cells.append(SetCell("", f"{col}{row}", _plain(cell.value), formula=cell.formula))
    return row + 1


def _rag_colours(config: Config, last: int) -> AddConditionalFormat:
    rag = COL["RAG"]
    return AddConditionalFormat("", f"{rag}{HEADER_ROW + 1}:{rag}{last}", rag_word_rules(config))


def _plain(value):
    """Cell values as plain Python scalars (no numpy types, no NaN)."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:
        return value
    if kind is float:  # (no .item to look for: a miss costs an AttributeError)
        return None if value != value else value
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
