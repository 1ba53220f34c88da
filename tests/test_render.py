"""Pictures in the workbook: sparklines and charts are written, survive a
second refresh without duplicates, and LibreOffice renders them."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from kpi_xl.config import load_config
from kpi_xl.plan import Plan
from kpi_xl.refresh_job import refresh
from kpi_xl.templates import example_workbook
from kpi_xl.xlsx.integrity import check_package
from kpi_xl.xlsx.package import sheet_part_names
from kpi_xl.xlsx.workbook_part import owned_sheets
from kpi_xl.xlsx.writer import apply_plan

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from render import render  # noqa: E402  (the rendering script people run by hand)


def pictures(book: Path) -> tuple[int, int, int]:
    """(sparkline groups on the indicator sheet, sparklines, chart parts)."""
    part = sheet_part_names(book)["Indicators"]
    with zipfile.ZipFile(book) as z:
        xml = z.read(part).decode("utf-8")
        charts = [n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
    return xml.count("<x14:sparklineGroup "), xml.count("<x14:sparkline>"), len(charts)


def test_sparklines_and_charts_survive_a_second_refresh(tmp_path):
    book = example_workbook(tmp_path, force=True)
    _, _, charts_before = pictures(book)  # the example's own chart on its Extract sheet
    refresh(book, load_config(), backup="none")
    groups, lines, charts = pictures(book)
    assert groups == 1 and lines == 15
    assert charts - charts_before == 14  # one per indicator with three figures or more
    officer = Plan()
    officer.set("Indicators", "J9", 0.80)  # a new figure for CSC03
    apply_plan(book, officer, backup="none")
    refresh(book, load_config(), backup="none")
    assert pictures(book) == (groups, lines, charts)
    assert check_package(book) == []
    assert "charts" in owned_sheets(book)


def test_libreoffice_renders_the_refreshed_example(tmp_path, soffice):
    if not shutil.which("pdftoppm") or not shutil.which("pdftotext"):
        import pytest
        pytest.skip("poppler-utils is not installed")
    book = example_workbook(tmp_path / "book", force=True)
    refresh(book, load_config(), backup="none")
    pngs = render(book, tmp_path / "out")
    assert len(pngs) == 5  # Indicators, Extract, exceptions, data quality, charts
    text = subprocess.run(["pdftotext", str(tmp_path / "out" / "example_returns.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    for words in ("Reds of concern", "Amber to watch", "Trends by indicator",
                  "CSC06: Percentage of child protection plans", "Q2 2025-26"):
        assert words in text
    assert all(p.stat().st_size > 5000 for p in pngs)  # drawn, not blank pages
