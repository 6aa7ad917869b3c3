"""Playwright on Debian's chromium for the browser tests (no browser is downloaded).

Playwright's Python package ships only its driver; the browser is the system's ``chromium``
(``make browser`` installs it), launched through ``executable_path`` with the flags a
container needs (``--no-sandbox`` as root, no GPU, no background network).

:func:`load_page` opens a page and records every request, console message and exception, so
tests can assert that a report loads offline and cleanly. :func:`browser` gives a Playwright
browser for longer sessions (the JupyterLab tests).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-default-apps", "--disable-extensions", "--mute-audio",
]  # fmt: skip

#: Where browser tests leave screenshots for review (gitignored); ``PILOTBENCH_TEST_ARTIFACTS``
#: moves them (e.g. for a user who cannot write to the checkout).
ARTIFACTS = Path(
    os.environ.get("PILOTBENCH_TEST_ARTIFACTS") or Path(__file__).parent / ".artifacts"
)


def chromium_path() -> str | None:
    """Path of the chromium binary, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def browser() -> Iterator[Any]:
    """A headless Playwright ``Browser`` on Debian's chromium."""
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        raise RuntimeError("chromium is not installed (make test installs Debian's chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class PageLoad:
    """What happened while a page loaded."""

    requests: list[str] = field(default_factory=list)
    console: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    evaluations: dict[str, Any] = field(default_factory=dict)
    screenshot: bytes = b""


def load_page(url: str, evaluate: dict[str, str] | None = None) -> PageLoad:
    """Open ``url`` in headless chromium and report requests, console output and errors.

    ``evaluate`` maps names to JavaScript expressions evaluated after the load event.
    """
    out = PageLoad()
    with browser() as b:
        page = b.new_page(viewport={"width": 1000, "height": 1400})
        page.on("request", lambda r: out.requests.append(r.url))
        page.on("requestfailed", lambda r: out.failed.append(f"{r.url}: {r.failure}"))
        page.on("console", lambda m: out.console.append({"type": m.type, "text": m.text}))
        page.on("pageerror", lambda e: out.exceptions.append(str(e)))
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        for name, expr in (evaluate or {}).items():
            out.evaluations[name] = page.evaluate(expr)
        out.screenshot = page.screenshot(full_page=True)
    return out


def page_url(path: Path) -> str:
    """file:// URL of a local file."""
    return path.resolve().as_uri()
