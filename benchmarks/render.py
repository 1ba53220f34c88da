"""Render a workbook with LibreOffice to PDF and PNG pages, one page a sheet,
to look at what kpi-xl produced.

    python benchmarks/render.py                      # refresh the bundled example, render it
    python benchmarks/render.py BOOK.xlsx OUTDIR     # render any workbook as it is

Prints the PNG files written. Needs soffice and pdftoppm (Debian packages
libreoffice-calc-nogui and poppler-utils).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# One page per sheet, so wide council sheets are not cut into strips.
PDF_FILTER = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'


def render(book: Path, out: Path, dpi: int = 60) -> list[Path]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not shutil.which("pdftoppm"):
        raise SystemExit("render.py needs soffice and pdftoppm on PATH")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", PDF_FILTER, "--outdir", str(out), str(book)],
                       check=True, capture_output=True, timeout=300)
    pdf = out / (book.stem + ".pdf")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(out / book.stem)],
                   check=True, timeout=300)
    return sorted(out.glob(f"{book.stem}*.png"))


def main(argv: list[str]) -> None:
    if argv:
        book, out = Path(argv[0]), Path(argv[1] if len(argv) > 1 else "render")
    else:
        from kpi_xl.config import load_config
        from kpi_xl.refresh_job import refresh
        from kpi_xl.templates import example_workbook

        out = Path("render")
        book = example_workbook(out / "book", force=True)
        refresh(book, load_config(), backup="none")
    for png in render(book, out):
        print(png)


if __name__ == "__main__":
    main(sys.argv[1:])
