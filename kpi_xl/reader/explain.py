"""How each table was read, and the ``layout:`` config that reproduces it.

``kpi-xl check BOOK --explain`` prints, per table: its header rows, every
column's role and period, where the year of period columns that name none
was read, the reporting period (the latest period holding a figure), the
rows read and skipped, and the reading that won over the runner-up. It then
prints ``layout:`` entries that read the same
indicators when given back with ``--config``, so an officer corrects one
line (a column letter, a row) instead of writing an override from scratch.
"""
from __future__ import annotations

from ..periods import Period, parse_period
from ..table import IndicatorTable, TableLayout
from .detect import Block, Header, View
from .rowwise import IN_YEAR


def describe_reading(view: View, block: Block) -> dict:
    """A plain-data account of how one table was read (kept on its TableLayout)."""
    header = block.header
    columns = []
    for col, column in sorted(header.columns.items()):
        dated = column.period is not None and column.role != IN_YEAR  # an in-year column's is a template
        columns.append({"column": column.letter, "role": column.role,
                        "period": column.period.canonical() if dated else None,
                        "label": column.label})
    runner = None
    if header.runner_up is not None:
        other, other_score, own_score = header.runner_up
        runner = {"header_rows": list(other.rows), "score": other_score, "winner_score": own_score}
    sections = [{"row": r.row, "area": r.text} for r in block.rows if r.kind == "section"]
    return {
        "source": block.source,
        "title": header.title,
        "area": block.area,
        "header_rows": list(header.rows),
        "columns": columns,
        "year_of_bare_periods": _bare_periods_year(header),
        "reporting_period": block.reporting_period.canonical() if block.reporting_period else None,
        "later_periods": [c.period.canonical() for c in block.later],
        "rows_read": block.indicator_rows,
        "sections": sections,
        "rows_skipped": sorted(block.skipped + block.nameless),
        "runner_up": runner,
    }


def _bare_periods_year(header: Header) -> str | None:
    """Where the year of period columns that name none ("Q1 | Q2") was read,
    with the year: "2023-24, from 'Financial year:' (A1)"; None when no
    column needed it."""
    if header.context_fy is None or header.year_from is None:
        return None
    bare = [c for c in header.columns.values() if c.period is not None and " / " not in c.label
            and c.role != IN_YEAR and parse_period(c.label) is None]
    if not bare:
        return None
    return f"{Period('year', header.context_fy).canonical()}, from {header.year_from}"


def layout_entries(table: IndicatorTable) -> list[dict]:
    """``layout:`` entries (one per table) that reproduce the reading."""
    return [_entry(layout) for layout in table.layouts]


def _entry(layout: TableLayout) -> dict:
    reading = layout.reading or {}
    entry: dict = {"sheet": layout.sheet}
    if layout.span:
        entry["span"] = layout.span
    if layout.header_rows:
        entry["header_rows"] = list(layout.header_rows)
    section_rows = [s["row"] for s in reading.get("sections", [])]
    entry["first_row"] = min([layout.first_row] + section_rows)  # a section row may come first
    entry["last_row"] = layout.last_row
    if reading.get("area"):
        entry["area"] = reading["area"]
    entry["columns"] = dict(layout.roles)
    periods = {c["column"]: c["period"] for c in reading.get("columns", [])
               if c["role"] in ("period", "period_later") and c["period"]}
    if not periods:
        periods = {letter: period.canonical() for letter, period in layout.period_columns}
    # the quarters of each row's year, as the header names them ("Q1")
    periods.update({c["column"]: c["label"] for c in reading.get("columns", []) if c["role"] == IN_YEAR})
    entry["period_columns"] = periods
    return entry


def layout_yaml(table: IndicatorTable) -> str:
    """The ``layout:`` section as YAML text."""
    import yaml  # here, not at the top: a refresh or check without --explain does not import it

    return yaml.safe_dump({"layout": layout_entries(table)}, sort_keys=False, allow_unicode=True,
                          default_flow_style=None, width=100)


# A scorecard whose rows say their own period (kpi_xl.reader.rowwise).
_ROW_WISE = {"row_period": "each row's period", "latest": "latest figure (the row's period)",
             "previous": "previous figure (the period before the row's)",
             "last_year": "figure a year before the row's period",
             "in_year": "figure of this quarter (or month) of the row's year"}


def explain_text(table: IndicatorTable) -> str:
    """The readable account of every table, then the YAML."""
    lines: list[str] = []
    for index, layout in enumerate(table.layouts):
        r = layout.reading or {}
        title = f" – {r['title']}" if r.get("title") else ""
        lines.append(f"Table {index + 1}: sheet {layout.sheet!r}{title} (placed by {r.get('source', 'detection')})")
        lines.append(f"  header rows: {', '.join(map(str, layout.header_rows)) or '(none)'}")
        if r.get("area"):
            lines.append(f"  area (from the title): {r['area']}")
        if r.get("year_of_bare_periods"):
            lines.append(f"  year of the periods that name none: {r['year_of_bare_periods']}")
        for c in r.get("columns", []):
            role = c["role"]
            what = {"period": f"period {c['period']}", "period_later": f"period {c['period']} (empty: after the reporting period)",
                    "period_rag": f"RAG of {c['period']} (not the reporting period)",
                    "period_target": f"target of {c['period']} (not the reporting period)",
                    "unknown": "not used", **_ROW_WISE}.get(role, role + (f" of {c['period']}" if c.get("period") else ""))
            label = f"  {c['label']!r}" if c["label"] else "  (no label)"
            lines.append(f"    {c['column']:>3}: {what}{label}")
        lines.append(f"  reporting period: {r.get('reporting_period') or '(no figures)'}")
        rows = r.get("rows_read") or []
        span = f"rows {rows[0]}-{rows[-1]}" if rows else "no rows"
        lines.append(f"  rows read: {len(rows)} indicator rows ({span}), {len(r.get('sections', []))} section rows")
        if r.get("rows_skipped"):
            lines.append(f"  rows skipped: {', '.join(map(str, r['rows_skipped']))}")
        runner = r.get("runner_up")
        if runner:
            lines.append(f"  winning reading: header rows {', '.join(map(str, layout.header_rows))} "
                         f"(score {runner['winner_score']:g}); runner-up: header rows "
                         f"{', '.join(map(str, runner['header_rows']))} (score {runner['score']:g})")
        else:
            lines.append("  winning reading: the only one considered")
    lines.append("")
    lines.append("# The layout: config that reproduces this reading (correct a line, then use it with --config):")
    lines.append(layout_yaml(table).rstrip())
    return "\n".join(lines)


__all__ = ["describe_reading", "explain_text", "layout_entries", "layout_yaml"]
