"""The default report opened in real headless chromium: offline, clean, Swedish, images loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from research.runner.report import run_report

from .browser import ARTIFACTS, chromium_path, load_page, page_url

pytestmark = [pytest.mark.slow, pytest.mark.browser]

JS = {
    "lang": "document.documentElement.lang",
    "title": "document.title",
    "images": "Array.from(document.images).length",
    "images_ok": "Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)",
    "alts": "Array.from(document.images).every(i => (i.alt || '').length > 20)",
    "text": "document.body.innerText",
}


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if chromium_path() is None:
        pytest.fail("chromium is missing: run `make test`, which installs Debian's chromium")
    return run_report("pilot_vs_candidate", {}, output_root=tmp_path_factory.mktemp("r")).html


def test_report_in_headless_chromium(report_html: Path) -> None:
    load = load_page(page_url(report_html), JS)
    # nothing but the file itself and its embedded data: URIs is requested
    outside = [u for u in load.requests if not u.startswith(("file://", "data:"))]
    assert outside == [], outside
    assert load.failed == []
    assert load.exceptions == []
    errors = [c for c in load.console if c.get("type") in ("error", "assert")]
    assert errors == [], errors
    ev = load.evaluations
    assert ev["lang"] == "sv"
    assert ev["title"] == "Huddinge jämfört med pilotområdet"
    assert ev["images"] == 7 and ev["images_ok"] and ev["alts"]
    assert "Rang för Huddinge" in ev["text"] and "Källa: Kolada" in ev["text"]
    assert load.screenshot.startswith(b"\x89PNG")
    assert len(load.screenshot) > 50_000  # a rendered page, not a blank one
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report.png").write_bytes(load.screenshot)  # for review


def test_a_phone_width_page_does_not_scroll_sideways(report_html: Path) -> None:
    """At 400 CSS px the report's tables were wider than the screen (the page was 739 px
    wide and scrolled sideways); a wide table now scrolls inside itself."""
    from .browser import browser

    with browser() as b:
        page = b.new_page(viewport={"width": 400, "height": 800})
        page.goto(page_url(report_html))
        page_width = page.evaluate("document.documentElement.scrollWidth")
        tables = page.evaluate(
            "Array.from(document.querySelectorAll('table.data')).map(t => "
            "[t.getBoundingClientRect().right, t.scrollWidth > t.clientWidth])"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-400px.png"))
    assert page_width <= 400, f"the page is {page_width} px wide at a 400 px viewport"
    assert tables and all(right <= 400 for right, _ in tables)
    assert any(scrolls for _, scrolls in tables)  # the widest tables scroll on their own
