"""Accessible by construction, and checked (PSBAR 2018, WCAG 2.2 AA): RAG is
never colour alone, text on every fill reads at 4.5:1, every chart says its
figures in words, headings and tables are marked up, the PDF is tagged."""
from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from kpi_xl.config import load_config
from kpi_xl.contrast import contrast_ratio, legible
from kpi_xl.plan import AddConditionalFormat
from kpi_xl.refresh_job import build_refresh
from kpi_xl.pack import make_report
from kpi_xl.pack.docx import write_docx
from kpi_xl.pack.model import build_pack
from kpi_xl.templates import example_workbook

REPO = Path(__file__).resolve().parent.parent
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
AA = 4.5
BLACK = "000000"


def books(folder: Path) -> list[Path]:
    shared = REPO.parent / "shared" / "workbooks"
    return [example_workbook(folder)] + (sorted(shared.glob("*.xlsx")) if shared.is_dir() else [])


@pytest.fixture(scope="module")
def config():
    return load_config()


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("books")
    return [(b, build_refresh(b, config)) for b in books(folder)]


@pytest.fixture(scope="module")
def packs(refreshed, config, tmp_path_factory):
    folder = tmp_path_factory.mktemp("packs")
    out = []
    for book, result in refreshed:
        pack = build_pack(result, config)
        out.append((pack, write_docx(pack, folder / f"{book.stem}.docx", config=config)))
    return out


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("000000", "FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("FFFFFF", "FFFFFF") == pytest.approx(1.0)
    assert contrast_ratio("767676", "FFFFFF") == pytest.approx(4.54, abs=0.01)  # WCAG's AA grey
    assert legible("C6EFCE", "C6EFCE") == BLACK  # a config that would hide the text
    assert legible("1F4E78", "1F4E78") == "FFFFFF"


def _styles_with_fill(result):
    """(where, fill, text colour) of every filled style the refresh writes:
    cells of the sheets it owns, cell styles, and conditional formats."""
    changes = list(result.plan.changes)
    for sheet in result.plan.sheets:
        changes += sheet.conditional_formats
        for cell in sheet.cells:
            if cell.style and cell.style.fill:
                yield f"{sheet.name}!{cell.cell}", cell.style.fill, cell.style.font_color or BLACK
    for change in changes:
        if isinstance(change, AddConditionalFormat):
            for rule in change.rules:
                if rule.style and rule.style.fill:
                    yield (f"{change.sheet}!{change.range} {rule.formula}", rule.style.fill,
                           rule.style.font_color or BLACK)
        elif getattr(change, "style", None) is not None and change.style.fill:
            yield f"{change.sheet}!{change.cell}", change.style.fill, change.style.font_color or BLACK


def test_every_fill_in_the_sheets_and_formats_reads_at_4_5(refreshed):
    seen = 0
    for book, result in refreshed:
        for where, fill, text in _styles_with_fill(result):
            seen += 1
            assert contrast_ratio(fill, text) >= AA, f"{book.name} {where}: {text} on {fill}"
    assert seen > 20


def test_council_colours_that_hide_the_rag_text_are_made_legible(tmp_path):
    cfg_file = tmp_path / "council.yaml"
    cfg_file.write_text("rag:\n  colours:\n    GREEN: '00B050'\n    GREEN_font: '00B050'\n"
                        "    RED: 'C00000'\n    RED_font: '9C0006'\n", encoding="utf-8")
    config = load_config(cfg_file)
    result = build_refresh(example_workbook(tmp_path), config)
    fills = list(_styles_with_fill(result))
    assert any(fill == "00B050" for _w, fill, _t in fills)
    for where, fill, text in fills:
        assert contrast_ratio(fill, text) >= AA, f"{where}: {text} on {fill}"


def test_rag_is_never_colour_alone(refreshed, config):
    labels = {getattr(config.rag.labels, k) for k in ("GREEN", "AMBER", "RED")}
    for book, result in refreshed:
        for change in [c for s in result.plan.sheets for c in s.conditional_formats] + \
                [c for c in result.plan.changes if isinstance(c, AddConditionalFormat)]:
            for rule in change.rules:
                # each RAG colour is keyed on the RAG word, which is in the cell or its row
                assert any(label in (rule.formula or "") for label in labels) or \
                    rule.formula in ('"error"', '"warning"'), (book.name, change.range, rule)


def _run_colour(run) -> str:
    colour = run.find(f"{qn('w:rPr')}/{qn('w:color')}")
    value = colour.get(qn("w:val")) if colour is not None else "auto"
    return BLACK if value in (None, "auto") else value


def test_every_shaded_cell_in_the_pack_reads_at_4_5_and_ratings_are_words(packs, config):
    labels = {getattr(config.rag.labels, k) for k in ("GREEN", "AMBER", "RED", "none")}
    for pack, path in packs:
        body = Document(str(path)).element.body
        shaded = 0
        for tc in body.iter(qn("w:tc")):
            shd = tc.find(f"{qn('w:tcPr')}/{qn('w:shd')}")
            if shd is None:
                continue
            shaded += 1
            fill = shd.get(qn("w:fill"))
            runs = list(tc.iter(qn("w:r")))
            for run in runs:
                assert contrast_ratio(fill, _run_colour(run)) >= AA
            text = "".join(t.text or "" for t in tc.iter(qn("w:t")))
            if fill.upper() in {config.rag.colours.GREEN, config.rag.colours.AMBER,
                                config.rag.colours.RED}:
                assert text in labels, f"a RAG fill without its word: {text!r}"
        assert shaded > len(pack.indicators)


def test_every_picture_has_alt_text_stating_its_figures(packs):
    for pack, path in packs:
        with zipfile.ZipFile(path) as z:
            body = etree.fromstring(z.read("word/document.xml"))
        doc_prs = body.findall(f".//{{{WP_NS}}}docPr")
        pictures = body.findall(".//{http://schemas.openxmlformats.org/drawingml/2006/picture}pic")
        assert len(doc_prs) == len(pictures) == len([i for i in pack.indicators if i.plottable])
        by_ref = {i.ref: i for i in pack.indicators}
        for doc_pr in doc_prs:
            descr = doc_pr.get("descr", "")
            ind = next(i for ref, i in by_ref.items() if f"({ref})" in descr)
            for f in ind.trend:
                assert f"{f.period} {f.text or 'no figure'}" in descr, descr
            if ind.target is not None:
                assert f"Target {ind.target_text}" in descr


def test_headings_in_order_tables_with_header_rows_language_and_title(packs):
    for pack, path in packs:
        doc = Document(str(path))
        levels = []
        for p in doc.paragraphs:
            name = p.style.name
            if name == "Title":
                levels.append(0)
            elif name.startswith("Heading "):
                levels.append(int(name.split()[1]))
            elif p.runs and all(r.bold for r in p.runs) and p.text.strip() and \
                    p.text == p.text.strip() and len(p.text) < 60 and not p.text.endswith("."):
                pytest.fail(f"a bold line that should be a heading: {p.text!r}")
        assert levels[0] == 0 and levels.count(0) == 1
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, f"heading level jumps from {before} to {after}"
        for table in doc.tables:
            assert table.rows[0]._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        lang = doc.styles.element.find(
            f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
        assert lang.get(qn("w:val")) == "en-GB"
        assert doc.core_properties.language == "en-GB"
        assert doc.core_properties.title == pack.title


@pytest.mark.libreoffice
def test_the_pdf_is_tagged(soffice, tmp_path, config):
    if not shutil.which("pdfinfo"):
        pytest.skip("pdfinfo (poppler) is not installed")
    made = make_report(example_workbook(tmp_path), config, pdf=tmp_path / "pack.pdf")
    info = subprocess.run(["pdfinfo", str(made.pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert "Tagged:          yes" in info or "Tagged: yes" in " ".join(info.split())
    assert made.pack.title in " ".join(info.split())
