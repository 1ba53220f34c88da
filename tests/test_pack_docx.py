"""The committee pack as DOCX and PDF, from the bundled example."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile

import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from kpi_xl.config import load_config
from kpi_xl.errors import KpiError
from kpi_xl.refresh_job import build_refresh
from kpi_xl.pack import make_report
from kpi_xl.pack.charts import alt_text, indicator_chart
from kpi_xl.pack.docx import write_docx
from kpi_xl.pack.model import build_pack
from kpi_xl.pack.pdf import docx_to_pdf
from kpi_xl.templates import example_workbook

BUILT_IN = {"Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Table Grid", "Header",
            "Footer"}
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"


@pytest.fixture(scope="module")
def config():
    return load_config()


@pytest.fixture(scope="module")
def pack(tmp_path_factory, config):
    book = example_workbook(tmp_path_factory.mktemp("example"))
    return build_pack(build_refresh(book, config), config)


@pytest.fixture(scope="module")
def docx_path(tmp_path_factory, pack, config):
    return write_docx(pack, tmp_path_factory.mktemp("pack") / "pack.docx", config=config)


def document_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return squash("\n".join(parts))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def expected_texts(pack) -> list[str]:
    """Every exception category used, and every commentary, of the pack."""
    used = {i.category for i in pack.indicators}
    comments = [line for i in pack.indicators for line in i.commentary_lines]
    assert "Green to celebrate" in used and "Reds of concern" in used
    assert comments, "the example has commentary"
    return sorted(used) + comments


def test_docx_holds_every_category_commentary_and_indicator(docx_path, pack):
    text = document_text(Document(docx_path))
    for expected in expected_texts(pack) + pack.category_names:
        assert squash(expected) in text
    for ind in pack.indicators:
        assert ind.id in text and squash(ind.name) in text


def test_docx_is_landscape_with_council_service_and_period_in_the_header(docx_path):
    section = Document(docx_path).sections[0]
    assert section.page_width > section.page_height
    header = section.header.paragraphs[0].text
    assert header == "Exampleshire | Children's Services | Q2 2025-26"


def test_docx_uses_real_tables_and_only_built_in_styles(docx_path, pack):
    doc = Document(docx_path)
    used = {p.style.name for p in doc.paragraphs} | {t.style.name for t in doc.tables}
    assert used <= BUILT_IN
    # one overview, one summary per area, one figures table per indicator
    assert len(doc.tables) == 1 + len(pack.areas) + len(pack.indicators)
    for table in doc.tables:
        assert table.style.name == "Table Grid"
        first_row = table.rows[0]._tr
        assert first_row.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        caption = table._tbl.tblPr.find(qn("w:tblCaption"))
        assert caption is not None and caption.get(qn("w:val"))
    with zipfile.ZipFile(docx_path) as z:
        assert "w:vMerge" not in z.read("word/document.xml").decode()
        assert "w:gridSpan" not in z.read("word/document.xml").decode()


def test_every_chart_has_alternative_text(docx_path, pack):
    with zipfile.ZipFile(docx_path) as z:
        body = etree.fromstring(z.read("word/document.xml"))
    doc_prs = body.findall(f".//{{{WP_NS}}}docPr")
    plottable = [i for i in pack.indicators if i.plottable]
    assert len(doc_prs) == len(plottable) > 0
    assert all(d.get("descr", "").startswith("Line chart of ") for d in doc_prs)
    assert all(d.get("title", "").startswith("Chart: ") for d in doc_prs)
    described = " ".join(d.get("descr") for d in doc_prs)
    for ind in plottable:
        assert f"{ind.name} ({ind.id})" in described


def test_alt_text_says_every_figure_and_the_target(pack):
    ind = next(i for i in pack.indicators if i.id == "CSC02")
    text = alt_text(ind)
    for f in ind.figures:
        assert f"{f.period} {f.text}" in text
    assert "Target 20.0%" in text and ind.rating_text in text


def test_chart_is_a_png_and_plots_suppressed_figures_as_gaps(tmp_path, pack):
    ind = next(i for i in pack.indicators if i.id == "CSC15")
    assert [f.value for f in ind.figures] == [6, None, 5, None]
    out = indicator_chart(ind, tmp_path / "c.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Q4 2024-25 x" in alt_text(ind)


@pytest.fixture(scope="module")
def reports(tmp_path_factory, soffice, config):
    folder = tmp_path_factory.mktemp("report")
    book = example_workbook(folder)
    return make_report(book, config, pdf=folder / "pack.pdf", docx=folder / "pack.docx")


def test_pdf_and_docx_exist_and_hold_every_category_and_commentary(reports):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed")
    assert reports.docx.is_file() and reports.pdf.is_file()
    assert reports.pdf.read_bytes()[:5] == b"%PDF-"
    text = squash(subprocess.run(["pdftotext", "-layout", str(reports.pdf), "-"],
                                 capture_output=True, text=True, check=True).stdout)
    plain = squash(subprocess.run(["pdftotext", str(reports.pdf), "-"],
                                  capture_output=True, text=True, check=True).stdout)
    for expected in expected_texts(reports.pack):
        assert squash(expected) in text or squash(expected) in plain
    assert "Exampleshire | Children's Services | Q2 2025-26" in text


def test_docx_made_alone_converts_with_libreoffice(tmp_path, soffice, docx_path):
    pdf = docx_to_pdf(docx_path, tmp_path / "out" / "pack.pdf", soffice=soffice)
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_missing_libreoffice_is_a_clear_error(tmp_path, docx_path, monkeypatch):
    monkeypatch.setenv("KPIXL_SOFFICE", str(tmp_path / "no-such-soffice"))
    with pytest.raises(KpiError, match="LibreOffice"):
        docx_to_pdf(docx_path, tmp_path / "pack.pdf")
    assert not (tmp_path / "pack.pdf").exists()
    book = example_workbook(tmp_path)
    with pytest.raises(KpiError, match="LibreOffice"):  # said before any work is done
        make_report(book, load_config(), pdf=tmp_path / "pack.pdf", docx=tmp_path / "p.docx")
    assert not (tmp_path / "p.docx").exists()


def test_report_needs_somewhere_to_write(tmp_path, config):
    with pytest.raises(KpiError, match="PDF, a DOCX or both"):
        make_report(example_workbook(tmp_path), config)


def test_report_command_writes_the_docx(tmp_path):
    from typer.testing import CliRunner

    from kpi_xl.cli import app

    book = example_workbook(tmp_path)
    runner = CliRunner()
    done = runner.invoke(app, ["report", str(book), "--docx", str(tmp_path / "pack.docx")])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "pack.docx").is_file()
    assert "pack.docx" in done.stdout
    as_json = runner.invoke(app, ["report", str(book), "--docx", str(tmp_path / "p2.docx"),
                                  "--json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert data["docx"] == str(tmp_path / "p2.docx") and data["pdf"] is None
    assert data["pack"]["header"] == "Exampleshire | Children's Services | Q2 2025-26"
    assert len(data["pack"]["areas"]) == 7
    nothing = runner.invoke(app, ["report", str(book)])
    assert nothing.exit_code == 2 and not (tmp_path / "pack.pdf").exists()
