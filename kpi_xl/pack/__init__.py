"""The committee pack: the refreshed workbook as a DOCX and a PDF.

``make_report(book, config, pdf=..., docx=...)`` rates the workbook exactly
as a refresh would (``build_refresh``: nothing is written to the workbook),
builds the :class:`~kpi_xl.pack.model.Pack`, draws a chart per indicator,
writes the DOCX and, when asked, converts it to PDF with LibreOffice.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..config import Config
from ..errors import KpiError, Place
from .model import Pack, build_pack

Progress = Callable[[str], None]

# What the pack imports (module -> the pip package that provides it). They
# are in the default install; this guards an install that lost one.
REPORT_LIBRARIES = {"docx": "python-docx", "matplotlib": "matplotlib"}


def require_report_libraries(out: str | Path | None = None) -> None:
    """Raise one KpiError naming what to install when a pack library is missing."""
    import importlib

    missing = []
    for module, package in REPORT_LIBRARIES.items():
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(package)
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise KpiError(f"the committee pack needs {' and '.join(missing)}, which {verb} not "
                       f"installed; install with: pip install {' '.join(missing)}",
                       Place(file=str(out)) if out else Place())


@dataclass
class ReportResult:
    pack: Pack
    docx: Path | None
    pdf: Path | None

    def summary_line(self) -> str:
        c = self.pack.counts
        made = " and ".join(str(p) for p in (self.docx, self.pdf) if p)
        return (f"kpi-xl wrote the committee pack for {self.pack.header}: {c['indicators']} "
                f"indicators ({c['RED']} red, {c['AMBER']} amber, {c['GREEN']} green) -> {made}")

    def as_dict(self) -> dict:
        return {"docx": str(self.docx) if self.docx else None,
                "pdf": str(self.pdf) if self.pdf else None,
                "pack": self.pack.as_dict()}


def make_report(book: str | Path, config: Config, *, pdf: str | Path | None = None,
                docx: str | Path | None = None, progress: Progress | None = None
                ) -> ReportResult:
    """Write the committee pack for ``book`` as ``docx`` and/or ``pdf``."""
    from ..refresh_job import build_refresh

    if pdf is None and docx is None:
        raise KpiError("say where to write the pack: a PDF, a DOCX or both",
                       Place(file=str(book)))
    from ..xlsx.safety import assert_can_create

    for out, what in ((pdf, "PDF"), (docx, "DOCX")):
        if out is not None:
            assert_can_create(out, what)
    require_report_libraries(docx or pdf)
    if pdf is not None:
        from .pdf import require_soffice

        require_soffice(pdf)  # before the work, not after it
    say = progress or (lambda _msg: None)
    result = build_refresh(book, config, progress=progress)
    say("building the committee pack")
    pack = build_pack(result, config)
    return write_pack(pack, config, pdf=pdf, docx=docx, progress=progress)


def write_pack(pack: Pack, config: Config, *, pdf: str | Path | None = None,
               docx: str | Path | None = None, progress: Progress | None = None
               ) -> ReportResult:
    """Write an already built pack (the DOCX, then the PDF from it)."""
    require_report_libraries(docx or pdf)
    from .docx import write_docx
    from .pdf import docx_to_pdf

    say = progress or (lambda _msg: None)
    with tempfile.TemporaryDirectory(prefix="kpixl-report-") as tmp:
        target = Path(docx) if docx else Path(tmp) / f"{Path(pdf).stem}.docx"
        say("drawing charts and writing the DOCX")
        write_docx(pack, target, config=config)
        made_pdf = None
        if pdf:
            say("converting to PDF with LibreOffice")
            made_pdf = docx_to_pdf(target, pdf)
    return ReportResult(pack, Path(docx) if docx else None, made_pdf)


__all__ = ["ReportResult", "make_report", "require_report_libraries", "write_pack", "build_pack", "Pack"]
