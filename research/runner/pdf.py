"""A4 PDF export of an HTML report through headless Chromium (Debian's ``chromium``).

The report's own ``@page`` and ``@media print`` rules set the A4 size and margins. Chromium is
started with the flags that keep it from reaching any network (background networking,
component updates, sync and QUIC off) and a throw-away profile.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from research.core.errors import ReportError
from research.core.i18n import load_catalogue

__all__ = ["CHROMIUM_FLAGS", "chromium_path", "html_to_pdf"]

#: Error messages in Swedish and English (research/runner/texts.toml, ids ``pdf_*``).
_TEXTS = load_catalogue(Path(__file__).with_name("texts.toml"))

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
)


def chromium_path() -> str | None:
    """Path of the chromium binary (``$PILOTBENCH_CHROMIUM`` or on PATH), or None."""
    env = os.environ.get("PILOTBENCH_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def html_to_pdf(html: Path, pdf: Path, *, timeout: float = 120) -> Path:
    """Print ``html`` to an A4 ``pdf`` with headless Chromium; written atomically.

    Raises
    ------
    ReportError
        If Chromium is missing (``make browser`` installs it) or printing fails.
    """
    exe = chromium_path()
    if exe is None:
        en, sv = _TEXTS.both("pdf_no_chromium")
        raise ReportError(en, sv=sv)
    profile = tempfile.mkdtemp(prefix="pilotbench-pdf-")
    tmp = pdf.with_name(f".{pdf.name}.tmp")
    try:
        proc = subprocess.run(
            [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
             f"--print-to-pdf={tmp}", html.resolve().as_uri()],
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        if proc.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
            tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
            en, sv = _TEXTS.both("pdf_failed", html=html, tail=tail)
            raise ReportError(en, sv=sv)
        os.replace(tmp, pdf)
        return pdf
    except subprocess.TimeoutExpired as exc:
        en, sv = _TEXTS.both("pdf_timeout", timeout=timeout, html=html)
        raise ReportError(en, sv=sv) from exc
    finally:
        shutil.rmtree(profile, ignore_errors=True)
        if tmp.exists():
            tmp.unlink()
