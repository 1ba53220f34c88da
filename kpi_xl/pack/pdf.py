"""PDF from the DOCX, by LibreOffice headless.

The DOCX is the one source of layout: the PDF is LibreOffice's rendering of
it, so what officers paste and what members read are the same document.
Each conversion uses a private, throw-away LibreOffice profile, so it
neither disturbs nor waits for an office suite the officer has open, and
two conversions can run at once.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import KpiError, Place, WriteError

TIMEOUT_SECONDS = 180
# Tagged PDF (structure tags for screen readers, as the accessibility
# regulations expect); LibreOffice 7.4+ takes export options as JSON.
PDF_FILTER = 'pdf:writer_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"}}'
# Where installers put soffice when it is not on PATH.
KNOWN_PLACES = [
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
]


def find_soffice() -> str | None:
    """The LibreOffice executable: $KPIXL_SOFFICE, PATH, then the usual install places."""
    wanted = os.environ.get("KPIXL_SOFFICE")
    if wanted:
        return wanted if Path(wanted).exists() else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in KNOWN_PLACES if Path(p).exists()), None)


def require_soffice(out: str | Path) -> str:
    """The LibreOffice executable, or a KpiError saying how to get one."""
    exe = find_soffice()
    if not exe:
        raise KpiError("LibreOffice (soffice) is needed to make a PDF and was not found; "
                       "install LibreOffice, set KPIXL_SOFFICE to its soffice, or ask for "
                       "--docx only", Place(file=str(out)))
    return exe


def docx_to_pdf(docx: str | Path, out: str | Path, *, timeout: float = TIMEOUT_SECONDS,
                soffice: str | None = None) -> Path:
    """Convert ``docx`` to the PDF ``out``. Raises KpiError when LibreOffice is
    missing, WriteError when it fails or takes longer than ``timeout`` seconds."""
    docx, out = Path(docx), Path(out)
    exe = soffice or require_soffice(out)
    if not docx.is_file():
        raise KpiError("no such document to convert", Place(file=str(docx)))
    with tempfile.TemporaryDirectory(prefix="kpixl-pdf-") as tmp:
        tmp = Path(tmp)
        profile = tmp / "profile"
        command = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                   "--norestore", "--nologo", "--convert-to", PDF_FILTER, "--outdir", str(tmp),
                   str(docx.resolve())]
        code, output = _run(command, timeout, out)
        made = tmp / f"{docx.stem}.pdf"
        if code != 0 or not made.is_file() or made.stat().st_size == 0:
            detail = (output.strip().splitlines() or ["no output"])[-1]
            raise WriteError(f"LibreOffice could not convert {docx.name} to PDF "
                             f"(exit code {code}: {detail})", Place(file=str(out)))
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(made), str(out))
    return out


def _run(command: list[str], timeout: float, out: Path) -> tuple[int, str]:
    """Run soffice in its own process group, so a timeout ends all of it."""
    new_group = {"start_new_session": True} if os.name == "posix" else \
        {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
    try:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, **new_group)
    except OSError as exc:
        raise KpiError(f"cannot start LibreOffice ({command[0]}): {exc.strerror or exc}",
                       Place(file=str(out))) from None
    try:
        stdout, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        raise WriteError(f"LibreOffice took longer than {timeout:g} seconds to make the PDF "
                         "and was stopped", Place(file=str(out))) from None
    return proc.returncode, stdout.decode(sys.getdefaultencoding(), "replace")


def _stop(proc: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    proc.communicate()
