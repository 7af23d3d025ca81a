"""PDF from the Word file through LibreOffice, or from the HTML through headless chromium.

LibreOffice prints the .docx exactly as Word would lay it out (the office's route: 用印 then
scan, or publish the PDF). Where only chromium is installed the HTML report's print styles give
A4 with page numbers. Each conversion uses a private LibreOffice profile, so that several runs
(or a clerk's open LibreOffice) do not block one another.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from gkctl.core.errors import InputError
from gkctl.core.i18n import t

TIMEOUT = 180  # seconds; a first LibreOffice start builds its profile


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _run(args: list[str], tool: str) -> None:
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise InputError(t("pdf.timeout", tool=tool, seconds=TIMEOUT)) from None
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise InputError(t("pdf.failed", tool=tool, detail=detail[-1] if detail else proc.returncode))


def _convert(source_name: str, source: bytes, command: Callable[[Path, Path], list[str]], tool: str) -> bytes:
    """Run ``command(source_path, work_dir)`` in a private directory; the PDF is named like the source."""
    with tempfile.TemporaryDirectory(prefix="gkctl-pdf-") as tmp:
        base = Path(tmp)
        path = base / source_name
        path.write_bytes(source)
        _run(command(path, base), tool)
        target = path.with_suffix(".pdf")
        if not target.is_file():
            raise InputError(t("pdf.failed", tool=tool, detail="no output"))
        return target.read_bytes()


def docx_to_pdf(docx: bytes) -> bytes:
    """Convert with ``soffice --headless --convert-to pdf``."""
    exe = soffice()
    if exe is None:
        raise InputError(t("pdf.no_soffice"))
    return _convert("document.docx", docx, lambda src, base: [
        exe, f"-env:UserInstallation={(base / 'profile').as_uri()}", "--headless", "--norestore",
        "--convert-to", "pdf", "--outdir", str(base), str(src)], "LibreOffice")  # fmt: skip


def html_to_pdf(html: str) -> bytes:
    """Print the HTML to A4 PDF with headless chromium (its @page rules give the page numbers)."""
    exe = chromium()
    if exe is None:
        raise InputError(t("pdf.no_converter"))
    return _convert("report.html", html.encode("utf-8"), lambda src, base: [
        exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        f"--user-data-dir={base / 'profile'}", "--no-pdf-header-footer", f"--print-to-pdf={src.with_suffix('.pdf')}",
        src.as_uri()], "chromium")  # fmt: skip


def to_pdf(docx: bytes, html: str | None) -> bytes:
    """LibreOffice where installed, else chromium from ``html`` (when given), else a clear refusal."""
    if soffice() is not None:
        return docx_to_pdf(docx)
    if html is not None and chromium() is not None:
        return html_to_pdf(html)
    raise InputError(t("pdf.no_converter") if html is not None else t("pdf.no_soffice"))
