"""The committee pack as a Word document (python-docx).

Officers paste from this into the council's own committee template, so it
is built from plain built-in styles (Title, Heading 1-3, Normal, Table Grid)
with no custom styles to drag along, real tables (header rows marked to
repeat, no merged cells, a caption on each table) and alternative text on
every chart. Landscape A4; the page header names council, service and
period; the footer numbers the pages.

Layout: title and how-to-read notes; an overview of categories by area; the
exception summary by area (each indicator with its category, figures,
rating, direction and commentary); then one block per indicator: its
figures by period beside target, rating, direction and comparators, its
chart and its commentary.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..config import Config
from ..errors import Place, WriteError
from .charts import alt_text, render_charts
from .model import Pack, PackArea, PackIndicator

FONT = "Arial"  # what most councils' committee templates use
BODY_PT = 10
TABLE_PT = 9
PAGE_CM = (29.7, 21.0)  # A4 landscape
MARGIN_CM = 1.8
USABLE_CM = PAGE_CM[0] - 2 * MARGIN_CM
CHART_CM = 15.0
FIGURE_COL_CM = 2.5  # each column of an indicator's figures table
HEAD_FILL = "DDEBF7"
RAG_FILLS = {"GREEN": "C6EFCE", "AMBER": "FFEB9C", "RED": "FFC7CE", None: "EDEDED"}
SUMMARY_WIDTHS = [3.4, 1.6, 6.7, 2.1, 1.8, 2.0, 2.8, 5.7]
LANGUAGE = "en-GB"  # the document language screen readers pronounce it in


def write_docx(pack: Pack, out: str | Path, *, config: Config | None = None,
               charts: dict[str, Path] | None = None) -> Path:
    """Write the pack to ``out`` (.docx). Charts are drawn unless given
    (id -> PNG). ``config`` supplies the RAG fill colours (defaults otherwise)."""
    out = Path(out)
    fills = _rag_fills(config)
    with tempfile.TemporaryDirectory(prefix="kpixl-charts-") as tmp:
        if charts is None:
            charts = render_charts(pack, tmp)
        doc = build_document(pack, charts, fills)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            doc.save(str(out))
        except OSError as exc:
            raise WriteError(f"cannot write the report: {exc.strerror or exc}",
                             Place(file=str(out))) from None
    return out


def build_document(pack: Pack, charts: dict[str, Path], fills: dict | None = None):
    from docx import Document

    fills = fills or RAG_FILLS
    doc = Document()
    _page_setup(doc, pack)
    _plain_fonts(doc)
    _front(doc, pack, fills)
    _exception_summary(doc, pack, fills)
    _indicator_detail(doc, pack, charts, fills)
    _language(doc, LANGUAGE)
    props = doc.core_properties
    props.title = pack.title
    props.subject = "Performance report for the scrutiny committee"
    props.author = "kpi-xl"
    props.language = LANGUAGE
    return doc


# ------------------------------------------------------------------ page

def _page_setup(doc, pack: Pack) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(PAGE_CM[0]), Cm(PAGE_CM[1])
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))
    section.header_distance = section.footer_distance = Cm(0.9)
    head = section.header.paragraphs[0]
    head.text = pack.header
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for run in head.runs:
        run.font.size = Pt(9)
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _small(foot.add_run(f"Performance report, {pack.period} (from {pack.workbook})    Page "))
    _field(foot, "PAGE")
    _small(foot.add_run(" of "))
    _field(foot, "NUMPAGES")


def _plain_fonts(doc) -> None:
    """Arial throughout, set on the built-in styles themselves (no new styles)."""
    from docx.shared import Pt

    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Header", "Footer"):
        try:
            style = doc.styles[name]
        except KeyError:
            continue
        _set_font(style.element, FONT)
    doc.styles["Normal"].font.size = Pt(BODY_PT)
    doc.styles["Title"].font.size = Pt(22)


# ------------------------------------------------------------------ front page

def _front(doc, pack: Pack, fills: dict) -> None:
    doc.add_paragraph(pack.title, style="Title")
    c = pack.counts
    rated = c["GREEN"] + c["AMBER"] + c["RED"]
    doc.add_paragraph(
        f"{c['indicators']} indicators for {pack.period or 'the period'}. "
        f"{rated} are rated against a target: {c['GREEN']} {pack.rag_labels['GREEN']}, "
        f"{c['AMBER']} {pack.rag_labels['AMBER']} and {c['RED']} {pack.rag_labels['RED']}; "
        f"{c['not_rated']} have no target. Made by kpi-xl from {pack.workbook} on "
        f"{pack.made:%d %B %Y}.")
    doc.add_heading("How to read this report", level=1)
    doc.add_paragraph(pack.rating_rule)
    doc.add_paragraph(pack.direction_rule)
    doc.add_paragraph(
        "Each indicator is placed in one exception category by its rating and direction: "
        + "; ".join(pack.category_names) + ". Officers may move an indicator by judgement; "
        "the report then says so.")
    doc.add_heading("Summary by area", level=1)
    _overview_table(doc, pack)


def _overview_table(doc, pack: Pack) -> None:
    heads = ["Area"] + pack.category_names + [pack.unrated_name, "Total"]
    rows = []
    totals = [0] * (len(heads) - 2)
    for area, counts in pack.category_counts():
        counts = counts[:len(totals)] + [0] * (len(totals) - len(counts))
        rows.append([area] + [str(n) for n in counts] + [str(sum(counts))])
        totals = [t + n for t, n in zip(totals, counts)]
    rows.append(["All areas"] + [str(n) for n in totals] + [str(sum(totals))])
    first = 5.0
    rest = (USABLE_CM - first) / (len(heads) - 1)
    table = _table(doc, heads, rows, [first] + [rest] * (len(heads) - 1),
                   caption="Number of indicators in each exception category, by area")
    for cell in table.rows[-1].cells:
        for run in _runs(cell):
            run.bold = True


# ------------------------------------------------------------------ exception summary

def _exception_summary(doc, pack: Pack, fills: dict) -> None:
    doc.add_heading("Exception summary", level=1)
    for area in pack.areas:
        _area_summary(doc, pack, area, fills)


def _area_summary(doc, pack: Pack, area: PackArea, fills: dict) -> None:
    doc.add_heading(area.name, level=2).paragraph_format.keep_with_next = True
    heads = ["Category", "ID", "Indicator", f"Latest ({pack.period})" if pack.period else "Latest",
             "Target", "Rating", "Direction", "Commentary"]
    rows, ratings = [], []
    for cat in area.categories:
        for ind in cat.indicators:
            rows.append(_summary_row(cat.name, ind, pack.period))
            ratings.append(ind.rating)
    for ind in area.unrated:
        rows.append(_summary_row(pack.unrated_name, ind, pack.period))
        ratings.append(None)
    widths = list(SUMMARY_WIDTHS)
    table = _table(doc, heads, rows, widths,
                   caption=f"{area.name}: indicators by exception category")
    rating_at = heads.index("Rating")
    for body_row, rating in zip(table.rows[1:], ratings):
        _shade(body_row.cells[rating_at], fills.get(rating, RAG_FILLS[None]))
    empty = [c.name for c in area.categories if not c.indicators]
    if empty:
        p = doc.add_paragraph(f"None this period: {', '.join(empty)}.")
        p.runs[0].italic = True
    _area_commentary(doc, area)


def _area_commentary(doc, area: PackArea, *, keep: bool = False) -> None:
    """The notes the council wrote under the area's tables, in its own words."""
    for text in area.commentary:
        p = doc.add_paragraph()
        p.paragraph_format.keep_with_next = keep or None
        p.add_run("Commentary (from the workbook): ").bold = True
        for i, line in enumerate(text.split("\n")):
            if i:
                p.add_run().add_break()
            p.add_run(line)


def _summary_row(category: str, ind: PackIndicator, period: str) -> list[str]:
    latest = ind.latest
    cat = category + (f" (moved by officers; rule: {ind.rule_category})" if ind.overridden else "")
    shown = latest.text if latest else ""
    if shown and latest.period != period:  # a scorecard's annual or monthly row beside quarters
        shown = f"{shown} ({latest.period})"
    return [cat, ind.ref, ind.display_name, shown, ind.target_text,
            ind.rating_text, _short_direction(ind), "\n".join(ind.commentary_lines)]


# ------------------------------------------------------------------ indicator detail

def _indicator_detail(doc, pack: Pack, charts: dict[str, Path], fills: dict) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_heading("Indicators", level=1)
    for area in pack.areas:
        doc.add_heading(area.name, level=2).paragraph_format.keep_with_next = True
        _area_commentary(doc, area, keep=True)
        for ind in sorted(area.indicators, key=lambda i: (i.sheet, i.row)):
            _indicator_block(doc, ind, charts.get(ind.id), fills)


def _indicator_block(doc, ind: PackIndicator, chart: Path | None, fills: dict) -> None:
    from docx.shared import Cm, Pt

    heading = doc.add_heading(ind.label, level=3)
    heading.paragraph_format.keep_with_next = True
    meta = [ind.area, ind.category, ind.polarity_text, f"Target {ind.target_text}"]
    if ind.overridden:
        meta.append(f"moved by officers from {ind.rule_category}")
    _keep(doc.add_paragraph(" · ".join(meta)))
    heads, values = _figures_row(ind)
    n_periods = len(ind.figures)
    width = min(FIGURE_COL_CM, USABLE_CM / len(heads))
    table = _table(doc, heads, [values], [width] * len(heads),
                   caption=f"{ind.ref}: figures by period, target, rating, direction "
                           "and comparators")
    _shade(table.rows[1].cells[n_periods + 1], fills.get(ind.rating, RAG_FILLS[None]))
    for cell in table.rows[1].cells:
        for p in cell.paragraphs:
            p.paragraph_format.keep_with_next = True
    if not ind.comparators and ind.dfe_measure:
        _keep(_note(doc, f"Comparators: DfE publishes this measure ({ind.dfe_measure}); "
                         "import its file with 'kpi-xl comparators import' to show them."))
    elif not ind.comparators:
        _keep(_note(doc, "Comparators: none published for this indicator (local measure)."))
    if chart is not None:
        p = doc.add_paragraph()
        p.paragraph_format.space_before = Pt(6)
        shape = p.add_run().add_picture(str(chart), width=Cm(CHART_CM))
        _alt_text(shape, alt_text(ind), f"Chart: {ind.label}")
        p.paragraph_format.keep_with_next = True
    else:
        _keep(_note(doc, "No chart: no figures to plot."))
    comment = doc.add_paragraph()
    comment.add_run("Commentary: ").bold = True
    comment.add_run(" ".join(ind.commentary_lines) or "none given for this indicator.")
    for line in ind.notes:
        _note(doc, f"Data quality: {line}")


def _figures_row(ind: PackIndicator) -> tuple[list[str], list[str]]:
    heads = [f.period for f in ind.figures] + ["Target", "Rating", "Direction"]
    values = [(f.text + (" (p)" if f.provisional else "")) or "–" for f in ind.figures]
    values += [ind.target_text, ind.rating_text, _short_direction(ind)]
    for comp in ind.comparators:
        heads.append(comp.heading)
        values.append(comp.text)
    return heads, values


def _short_direction(ind: PackIndicator) -> str:
    if not ind.direction:
        return "–"
    return f"{ind.arrow or ''} {ind.direction}".strip()


# ------------------------------------------------------------------ tables

def _table(doc, heads: list[str], rows: list[list[str]], widths_cm: list[float], *,
           caption: str):
    """A real table: Table Grid style, a repeating bold header row, fixed widths,
    rows that do not split over pages, and a caption for screen readers."""
    from docx.shared import Cm

    table = doc.add_table(rows=1 + len(rows), cols=len(heads))
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    for i, width in enumerate(widths_cm):
        table.columns[i].width = Cm(width)
    for r, values in enumerate([heads] + rows):
        row = table.rows[r]
        _no_split(row)
        for c, value in enumerate(values):
            cell = row.cells[c]
            cell.width = Cm(widths_cm[c])
            _cell_text(cell, value, bold=r == 0)
            if r == 0:
                _shade(cell, HEAD_FILL)
    _repeat_header(table.rows[0])
    _caption(table, caption)
    return table


def _cell_text(cell, text: str, *, bold: bool = False) -> None:
    from docx.shared import Pt

    lines = str(text if text is not None else "").split("\n")
    para = cell.paragraphs[0]
    for i, line in enumerate(lines):
        if i:
            para = cell.add_paragraph()
        run = para.add_run(line)
        run.font.size = Pt(TABLE_PT)
        run.bold = bold or None
        para.paragraph_format.space_after = Pt(0)


def _runs(cell):
    return [run for p in cell.paragraphs for run in p.runs]


# ------------------------------------------------------------------ raw XML helpers
# python-docx has no API for these; each is a single standard WordprocessingML element.

def _el(tag: str, **attrs):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    return el


def _shade(cell, fill: str) -> None:
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    for old in tc_pr.findall(qn("w:shd")):
        tc_pr.remove(old)
    tc_pr.append(_el("w:shd", val="clear", color="auto", fill=fill))


def _no_split(row) -> None:
    row._tr.get_or_add_trPr().append(_el("w:cantSplit"))


def _repeat_header(row) -> None:
    row._tr.get_or_add_trPr().append(_el("w:tblHeader"))


def _caption(table, text: str) -> None:
    """Table title (tblCaption): Word's 'Alt Text' for tables. Last in tblPr, as the schema wants."""
    table._tbl.tblPr.append(_el("w:tblCaption", val=text[:250]))


def _alt_text(shape, description: str, title: str) -> None:
    doc_pr = shape._inline.docPr
    doc_pr.set("descr", description)
    doc_pr.set("title", title[:250])


def _field(paragraph, instruction: str) -> None:
    from docx.shared import Pt

    field = _el("w:fldSimple", instr=f" {instruction} ")
    run = _el("w:r")
    rpr = _el("w:rPr")
    rpr.append(_el("w:sz", val=str(int(Pt(9).pt * 2))))
    run.append(rpr)
    text = _el("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _language(doc, tag: str) -> None:
    """The document's language, on the default run properties (w:lang)."""
    from docx.oxml.ns import qn

    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = _el("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = _el("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = _el("w:rPr")
        rpr_default.append(rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is None:  # lang is late in rPr's schema order: after what the template has
        lang = _el("w:lang")
        rpr.append(lang)
    for attr in ("val", "eastAsia", "bidi"):
        lang.set(qn(f"w:{attr}"), tag)


def _set_font(style_el, name: str) -> None:
    """Set a style's font by name, dropping theme fonts that would override it."""
    from docx.oxml.ns import qn

    rpr = style_el.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = _el("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{attr}"), name)


# ------------------------------------------------------------------ small helpers

def _keep(paragraph):
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def _note(doc, text: str):
    from docx.shared import Pt

    p = doc.add_paragraph()
    run = p.add_run(text)
    run.italic = True
    run.font.size = Pt(TABLE_PT)
    return p


def _small(run) -> None:
    from docx.shared import Pt

    run.font.size = Pt(9)


def _rag_fills(config: Config | None) -> dict:
    if config is None:
        return dict(RAG_FILLS)
    colours = config.rag.colours
    return {"GREEN": colours.GREEN, "AMBER": colours.AMBER, "RED": colours.RED,
            None: colours.none}
