"""The committee pack as plain data, built from a refresh.

A :class:`Pack` is what the DOCX/PDF writers lay out and nothing else: the
council, service and period for the page header; the areas in workbook
order, each with the configured exception categories ("Green to celebrate",
"Amber to watch", ...) and its indicators; per indicator its figures by
period, target, rating, direction of travel, comparators and commentary.
Every figure is already formatted as the committee should read it, so the
writers never decide how a number looks.

Commentary is the council's own words, from three places: what officers
typed in the exception summary sheet (the notes the refresh read and kept,
``RefreshResult.notes``), the commentary column of the indicator table, and the notes under
a table ("What does this show us?", "Analysis": see
:mod:`kpi_xl.pack.sheet_notes`), which belong to the table's one
indicator or else to its area. The exception sheet's note wins over the
indicator sheet's own words.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..names import display_name
from ..owned_sheets.exceptions import Note
from ..planning.indicator_tables import comparator_year_text

if TYPE_CHECKING:
    from ..comparators.fill import ComparatorFill
    from ..refresh_job import RefreshResult

# The last periods shown per indicator (table and chart): two years of quarters.
MAX_PERIODS = 8

COMPARATOR_LABELS = {
    "own_rate": "Our rate per 10k",
    "sn": "Statistical neighbours",
    "region": "Region",
    "england": "England",
    "ofsted_good": "Ofsted good",
    "benchmark": "Quartile band and rank",
}
NO_TARGET = "–"  # printed where an indicator has no target (never Python's None)
POLARITY_TEXT = {"higher": "Higher is better", "lower": "Lower is better"}


@dataclass(frozen=True)
class Figure:
    """One period's figure as published: ``value`` for charts, ``text`` to print."""

    period: str  # canonical label, "Q2 2025-26"
    value: float | None
    text: str  # "20.7%", "x" (suppressed), "" (empty)
    status: str = "number"  # Reading.status
    provisional: bool = False
    kind: str = "quarter"  # Period.kind: a trend line joins figures of one kind


@dataclass(frozen=True)
class Comparator:
    kind: str  # "sn", "region", "england", "ofsted_good"
    label: str  # "Statistical neighbours"
    value: float | None
    text: str  # "21.5%"
    year: str | None = None  # "2022-23" when known

    @property
    def heading(self) -> str:
        """"England (2022-23)": the label with the year the figure is for."""
        return f"{self.label} ({self.year})" if self.year else self.label

    @property
    def display(self) -> str:
        return f"{self.text} ({self.year})" if self.year else self.text


@dataclass
class PackIndicator:
    id: str
    name: str
    area: str
    unit: str | None  # "percent" | "number" | None
    figures: list[Figure]
    target: float | None
    target_text: str
    polarity: str | None
    polarity_text: str
    rating: str | None  # GREEN | AMBER | RED | None
    rating_text: str  # the council's label ("GREEN", "Not targeted")
    direction: str | None  # POSITIVE/STABLE/NEGATIVE or INCREASE/STABLE/DECREASE
    arrow: str | None
    direction_text: str  # "↑ NEGATIVE from 20.5% (Q1 2025-26)" or "No direction"
    category: str  # effective exception category (override applied) or "Not rated"
    rule_category: str | None  # what the rule gave
    comparators: list[Comparator] = field(default_factory=list)
    dfe_measure: str | None = None  # the DfE measure it maps to; None: a local measure
    commentary: str | None = None  # officers' note on the exception summary sheet
    sheet_commentary: str | None = None  # the indicator table's commentary column or note
    notes: list[str] = field(default_factory=list)  # data-quality findings, one line each
    sheet: str = ""
    row: int = 0
    code: str | None = None  # the council's own code; None when kpi-xl made the id
    ref: str = ""  # short readable id: the council's code, else a code per area ("CP2")
    qualifier: str | None = None  # block or sheet, when another indicator has the same name

    @property
    def trend(self) -> list[Figure]:
        """The figures a chart joins: those of the latest figure's kind (an
        outturn between quarters would make a false spike or dip)."""
        if not self.figures:
            return []
        kind = self.figures[-1].kind
        return [f for f in self.figures if f.kind == kind]

    @property
    def display_name(self) -> str:
        """The name, told apart from a namesake: "Missing episodes (Children in Care)"."""
        return display_name(self.name, self.qualifier)

    @property
    def label(self) -> str:
        """How people name it: "CSC07  Re-referrals", "CP2  Re-registrations"."""
        return f"{self.ref}  {self.display_name}" if self.ref else self.display_name

    @property
    def latest(self) -> Figure | None:
        return self.figures[-1] if self.figures else None

    @property
    def overridden(self) -> bool:
        return bool(self.rule_category and self.category != self.rule_category)

    @property
    def commentary_lines(self) -> list[str]:
        """What to print as commentary: the officers' note on the exception
        sheet when there is one (it wins), else the indicator sheet's own words."""
        chosen = self.commentary or self.sheet_commentary
        return [line for line in (chosen or "").split("\n") if line.strip()]

    @property
    def plottable(self) -> bool:
        return any(f.value is not None for f in self.figures)


@dataclass
class PackCategory:
    name: str
    indicators: list[PackIndicator] = field(default_factory=list)


@dataclass
class PackArea:
    name: str
    categories: list[PackCategory]  # every configured category, empty ones too
    unrated: list[PackIndicator] = field(default_factory=list)
    commentary: list[str] = field(default_factory=list)  # notes under the area's tables

    @property
    def indicators(self) -> list[PackIndicator]:
        return [i for c in self.categories for i in c.indicators] + self.unrated


@dataclass
class Pack:
    council: str | None
    service: str
    period: str
    workbook: str
    made: _dt.date
    areas: list[PackArea]
    category_names: list[str]
    unrated_name: str
    rag_labels: dict[str, str]
    rating_rule: str  # one sentence: how GREEN/AMBER/RED were decided
    direction_rule: str
    findings: int = 0

    @property
    def title(self) -> str:
        who = f"{self.council} {self.service}" if self.council else self.service
        return f"{who} performance report, {self.period}".strip(", ")

    @property
    def header(self) -> str:
        """The page header: council, service and period."""
        parts = [p for p in (self.council, self.service, self.period) if p]
        return " | ".join(parts)

    @property
    def indicators(self) -> list[PackIndicator]:
        return [i for a in self.areas for i in a.indicators]

    @property
    def counts(self) -> dict[str, int]:
        rags = Counter(i.rating for i in self.indicators)
        return {"indicators": len(self.indicators), "GREEN": rags.get("GREEN", 0),
                "AMBER": rags.get("AMBER", 0), "RED": rags.get("RED", 0),
                "not_rated": rags.get(None, 0)}

    def category_counts(self) -> list[tuple[str, list[int]]]:
        """Per area, the number of indicators in each category then not rated."""
        return [(a.name, [len(c.indicators) for c in a.categories] + [len(a.unrated)])
                for a in self.areas]

    def as_dict(self) -> dict:
        data = asdict(self)
        data["made"] = self.made.isoformat()
        data["title"], data["header"], data["counts"] = self.title, self.header, self.counts
        return data


# ------------------------------------------------------------------ building

def build_pack(result: RefreshResult, config: Config, *, notes: dict[str, Note] | None = None,
               council: str | None = None, today: _dt.date | None = None) -> Pack:
    """The pack for a :class:`kpi_xl.refresh_job.RefreshResult` (from ``refresh``
    or ``build_refresh``). ``notes`` defaults to the officers' notes the
    refresh kept on the exception summary sheet."""
    notes = notes if notes is not None else result.notes
    store = result.comparators  # what the comparator store said
    fills = {(f.sheet, f.cell): f for f in store.fills} if store else {}
    records = [_clean(r) for r in result.records]
    names = [c.name for c in config.exceptions.categories]
    indicators = [pack_indicator(r, config, result.categories, notes, fills,
                                 [f.message for f in result.report.for_indicator(r["id"])],
                                 store)
                  for r in records]
    name_indicators(indicators)
    areas = group_by_area(indicators, names)
    attach_table_notes(result, records, indicators, areas)
    return Pack(
        council=council or config.workbook.council or infer_council(result, config),
        service=config.workbook.service,
        period=reporting_period(records),
        workbook=Path(result.workbook).name,
        made=today or _dt.date.today(),
        areas=areas,
        category_names=names,
        unrated_name=config.exceptions.uncategorised,
        rag_labels={k: getattr(config.rag.labels, k) for k in ("GREEN", "AMBER", "RED", "none")},
        rating_rule=rating_rule(config),
        direction_rule=direction_rule(config),
        findings=len(result.report),
    )


def pack_indicator(record: dict, config: Config, categories: dict[str, str],
                   notes: dict[str, Note], fills: dict[tuple[str, str], ComparatorFill],
                   findings: list[str], store=None) -> PackIndicator:
    unit = record.get("unit")
    series = sorted(record.get("series") or [], key=lambda p: p.period.sort_key)
    figures = [figure(p, unit) for p in series[-MAX_PERIODS:]]
    target = _number(record.get("target"))
    rating = record.get("rag")
    rule_category = record.get("category")
    note = notes.get(record["id"])
    return PackIndicator(
        id=str(record["id"]), name=str(record.get("name") or record["id"]),
        code=str(record["id"]) if (record.get("cells") or {}).get("id") else None,
        area=str(record.get("area") or "(no area)"), unit=unit, figures=figures,
        target=target,
        target_text=format_value(target, unit) if target is not None
        else _text(record.get("target_raw")) or NO_TARGET,
        polarity=record.get("polarity"),
        polarity_text=POLARITY_TEXT.get(record.get("polarity"), "No polarity"),
        rating=rating,
        rating_text=getattr(config.rag.labels, rating) if rating else config.rag.labels.none,
        direction=record.get("direction"), arrow=record.get("arrow"),
        direction_text=direction_text(record, unit),
        category=(categories.get(record["id"]) or rule_category) if rating
        else config.exceptions.uncategorised,
        rule_category=rule_category,
        comparators=comparators(record, unit, fills,
                                store.answers.get(str(record["id"])) if store else None),
        dfe_measure=store.measures.get(str(record["id"])) if store else None,
        commentary=note.commentary if note else None,
        sheet_commentary=_text(record.get("commentary")),
        notes=findings, sheet=str(record.get("sheet") or ""), row=int(record.get("row") or 0),
    )


def figure(point, unit: str | None) -> Figure:
    reading = point.reading
    label = point.period.canonical()
    if reading.is_number:
        return Figure(label, float(reading.value),
                      format_value(reading.value, reading.unit or unit, reading.decimals),
                      provisional=bool(reading.provisional), kind=point.period.kind)
    return Figure(label, None, reading_text(reading), status=reading.status,
                  kind=point.period.kind)


def reading_text(reading) -> str:
    """How a cell without a figure is printed: its symbol ("x"), or its words."""
    if reading.status == "suppressed":
        return reading.symbol or str(reading.raw)
    if reading.status == "empty":
        return ""
    return _text(reading.raw) or ""


def format_value(value: float | None, unit: str | None, decimals: int | None = None) -> str:
    """20.7% for a percent fraction 0.207; 1,234 or 18.4 for a number. ``decimals``
    is the published precision (in percent points for percentages)."""
    if value is None:
        return ""
    if unit == "percent":
        d = 1 if decimals is None else max(0, min(decimals, 3))
        return f"{value * 100:,.{d}f}%"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    return f"{value:,.{max(0, min(decimals, 4))}f}"


def direction_text(record: dict, unit: str | None) -> str:
    if not record.get("direction"):
        return "No direction"
    text = f"{record.get('arrow') or ''} {record['direction']}".strip()
    prev = _number(record.get("previous_value"))
    if prev is not None and record.get("previous_period"):
        reading = record.get("previous_reading")
        decimals = getattr(reading, "decimals", None)
        text += f" from {format_value(prev, unit, decimals)} ({record['previous_period']})"
    return text


def comparators(record: dict, unit: str | None,
                fills: dict[tuple[str, str], ComparatorFill], answer=None) -> list[Comparator]:
    """Comparator figures: the comparator store's for a DfE measure, else
    what this refresh fills in, else what the sheet holds."""
    found: dict[str, Comparator] = {}
    for key, reading in (record.get("comparators") or {}).items():
        kind = str(key).removeprefix("comparator:")
        if reading is not None and reading.status not in ("empty",):
            text = format_value(reading.value, reading.unit or unit, reading.decimals) \
                if reading.is_number else reading_text(reading)
            if text:
                found[kind] = Comparator(kind, comparator_label(kind),
                                         float(reading.value) if reading.is_number else None, text)
    sheet = record.get("sheet") or ""
    for role, cell in (record.get("cells") or {}).items():
        if not role.startswith("comparator:"):
            continue
        fill = fills.get((sheet, cell))
        if fill is None or fill.value in (None, ""):
            continue
        kind = role.split(":", 1)[1]
        found[kind] = comparator_from_fill(kind, fill, unit)
    if answer is not None:
        from ..comparators.pack import pack_figures

        for f in pack_figures(answer, unit):
            found[f.kind] = Comparator(f.kind, f.label, f.value, f.text, f.year)
    order = list(COMPARATOR_LABELS)
    return sorted(found.values(), key=lambda c: (order.index(c.kind) if c.kind in order
                                                 else len(order), c.kind))


def comparator_from_fill(kind: str, fill: ComparatorFill, unit: str | None) -> Comparator:
    """A comparator as the refresh filled its cell: a figure with the year
    its cell states, or a symbol as published ("c")."""
    value = _number(fill.value)
    if value is None:
        return Comparator(kind, comparator_label(kind), None, str(fill.value))
    year = comparator_year_text(fill) or None
    return Comparator(kind, comparator_label(kind), value, format_value(value, unit), year)


def comparator_label(kind: str) -> str:
    return COMPARATOR_LABELS.get(kind, kind.replace("_", " ").title())


def name_indicators(indicators: list[PackIndicator]) -> None:
    """Short ids and namesakes told apart (:mod:`kpi_xl.names`), as on the
    exception sheet."""
    from ..names import Named, qualifiers, short_refs

    items = [Named(i.id, i.name, i.area, i.sheet, i.row, i.code) for i in indicators]
    refs, told = short_refs(items), qualifiers(items)
    for ind in indicators:
        ind.ref, ind.qualifier = refs[ind.id], told.get(ind.id)


def group_by_area(indicators: list[PackIndicator], names: list[str]) -> list[PackArea]:
    """Areas in workbook order; in each, every configured category in order."""
    areas: dict[str, PackArea] = {}
    for ind in indicators:
        area = areas.setdefault(ind.area, PackArea(ind.area, [PackCategory(n) for n in names]))
        if ind.rating is None:
            area.unrated.append(ind)
            continue
        for cat in area.categories:
            if cat.name == ind.category:
                cat.indicators.append(ind)
                break
        else:  # a category the config no longer lists: keep it visible, never drop it
            area.categories.append(PackCategory(ind.category, [ind]))
    return list(areas.values())


def attach_table_notes(result: RefreshResult, records: list[dict], indicators: list[PackIndicator],
                       areas: list[PackArea]) -> None:
    """Notes under a table go to its one indicator (when it has no commentary
    of its own in the table), else to the area(s) of its indicators."""
    from .sheet_notes import table_notes

    layouts = result.table.layouts
    if not layouts:
        return
    by_table: dict[int, list[PackIndicator]] = {}
    for record, ind in zip(records, indicators):
        if record.get("table") is not None:
            by_table.setdefault(int(record["table"]), []).append(ind)
    by_name = {a.name: a for a in areas}
    for note in table_notes(result.workbook, layouts):
        members = by_table.get(note.table, [])
        if len(members) == 1:
            ind = members[0]
            ind.sheet_commentary = ind.sheet_commentary or note.text
            continue
        for name in dict.fromkeys(i.area for i in members):
            area = by_name.get(name)
            if area is not None and note.text not in area.commentary:
                area.commentary.append(note.text)


def reporting_period(records: list[dict]) -> str:
    """The latest period most indicators report (a late one does not move the pack)."""
    periods = [r["latest_period"] for r in records if r.get("latest_period")]
    if not periods:
        return ""
    counts = Counter(periods)
    return max(counts, key=lambda p: (counts[p], periods.index(p) * -1))


COUNCIL_WORDS = re.compile(r"\b(council|borough|county|city|shire|district|metropolitan)\b|shire\b",
                           re.I)


def infer_council(result: RefreshResult, config: Config) -> str | None:
    """The council from a sheet title such as "Exampleshire Children's Services
    performance, Q2 2025-26": the words before the service name, in the table
    title or the rows above an indicator table."""
    layouts = result.table.layouts
    titles = [layout.title for layout in layouts]
    found = [c for c in (_council_in(text, config.workbook.service)
                         for text in list(_title_rows(result.workbook, layouts)) + titles) if c]
    # A table title ("Dashboard Item 8 – Children's Services Workforce") also
    # has words before the service name: prefer what names a council.
    named = [c for c in found if COUNCIL_WORDS.search(c)]
    return (named or found or [None])[0]


def _council_in(text: object, service: str) -> str | None:
    if not isinstance(text, str):
        return None
    at = text.lower().find(service.lower())
    council = text[:at].strip(" -–—,:|") if at > 0 else ""
    return council if council and len(council) <= 60 else None


def _title_rows(path, layouts) -> list[object]:
    """Text in the rows above each indicator table's header (where titles sit)."""
    from ..errors import KpiError
    from ..reader.cells import Workbook

    texts: list[object] = []
    try:
        with Workbook(path) as book:
            for layout in layouts:
                top = min(layout.header_rows or (1,)) - 1
                if top < 1:
                    continue
                grid = book.read_sheet(layout.sheet, max_row=top, merges=False)
                texts.extend(grid.value(r, c) for r in grid.row_numbers()
                             for c in sorted(grid.rows[r]))
    except (KpiError, OSError, KeyError, ValueError):
        return []  # a title is a nicety: never fail the pack over it
    return texts


def rating_rule(config: Config) -> str:
    rag = config.rag
    labels = rag.labels
    if rag.tolerance_mode == "relative":
        band = f"within {rag.tolerance * 100:g}% of the target"
    else:
        band = f"within {rag.tolerance:g} of the target (in the indicator's units)"
    return (f"{labels.GREEN}: on target or better. {labels.AMBER}: not on target but {band}. "
            f"{labels.RED}: further from the target. {labels.none}: no target or no polarity.")


def direction_rule(config: Config) -> str:
    d = config.direction
    against = "the previous period" if d.compare_with == "previous_period" \
        else "the same period last year"
    w, a = d.words, d.arrows
    return (f"Direction of travel compares the latest figure with {against}. "
            f"Arrows show the movement ({a.up} up, {a.down} down, {a.same} no change); "
            f"{w.better}, {w.same} and {w.worse} say whether it is better, the same or worse "
            f"for indicators with both a target and a polarity; {w.up}, {w.same} and {w.down} "
            f"say only which way it moved for the others (no target or no polarity).")


# ------------------------------------------------------------------ small helpers

def _clean(record: dict) -> dict:
    """pandas gives NaN for missing; the pack wants None."""
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in record.items()}


def _number(value) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None
