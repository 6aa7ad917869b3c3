"""A report table downloaded as CSV in headless chromium; the screening table fits A4."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest

from research.analyses.screening import screen_candidates
from research.data.panel import load_panel
from research.runner.report import run_report

from .browser import ARTIFACTS, browser, chromium_path, page_url

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# The text column of an A4 page with the report's @page margins (210 mm - 2 x 16 mm), in CSS px.
A4_TEXT_WIDTH_PX = round((210 - 2 * 16) / 25.4 * 96)


@pytest.fixture(scope="module")
def screening_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if chromium_path() is None:
        pytest.fail("chromium is missing: run `make test`, which installs Debian's chromium")
    return run_report("candidate_screening", {}, output_root=tmp_path_factory.mktemp("r")).html


def test_main_table_downloads_as_csv_offline(screening_html: Path, tmp_path: Path) -> None:
    requests: list[str] = []
    with browser() as b:
        page = b.new_page(accept_downloads=True)
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_url(screening_html), wait_until="load")
        links = page.locator("a.csv-download")
        n_tables = page.locator("table.data").count()
        assert links.count() == n_tables >= 3
        main = page.locator("table.data", has_text="Huddinge (0126)").first
        assert main.count() == 1
        with page.expect_download() as info:
            links.nth(1).click()  # the second table: the main ranking (after the components)
        download = info.value
        target = tmp_path / download.suggested_filename
        download.save_as(target)
    assert download.suggested_filename == "tabell-2.csv"
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][0].startswith("Rangordning efter totalpoäng")
    assert rows[2][:3] == ["Rang", "Kommun", "Antal"]
    # the ranks in the file agree with the screening computed directly
    tab = screen_candidates(load_panel())
    top = tab.head(30)
    body = [r for r in rows[3:] if r and r[0].isdigit()]
    assert [int(r[0]) for r in body[:30]] == top["rank"].to_list()
    assert [r[1] for r in body[:30]] == [
        f"{n} ({c})" for n, c in zip(top["area_name"], top["area_code"], strict=True)
    ]
    hud = tab.filter(pl.col("area_code") == "0126").row(0, named=True)
    assert next(r for r in body if r[1] == "Huddinge (0126)")[0] == str(hud["rank"])
    assert "Stockholm (0180)" not in [r[1] for r in body]  # the pilot is not a candidate


def test_screening_main_table_fits_the_a4_text_column(screening_html: Path) -> None:
    with browser() as b:
        page = b.new_page(viewport={"width": A4_TEXT_WIDTH_PX, "height": 1200})
        page.emulate_media(media="print")
        page.goto(page_url(screening_html), wait_until="load")
        widths = page.locator("table.data").evaluate_all(
            "ts => ts.map(t => [t.scrollWidth, t.parentElement.clientWidth])"
        )
        lines = (
            page.locator("table.data")
            .nth(1)
            .evaluate(
                """t => Array.from(t.querySelectorAll('tbody th')).map(h => {
                const w = document.createTreeWalker(h, NodeFilter.SHOW_TEXT);
                let n = 0, node;
                while ((node = w.nextNode())) {
                    const r = document.createRange();
                    r.selectNodeContents(node);
                    n = Math.max(n, r.getClientRects().length);
                }
                return [h.innerText, n];
            })"""
            )
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "screening-a4.png"), full_page=True)
    main_width, column = widths[1]
    assert main_width <= column, (main_width, column)
    wrapped = [name for name, n in lines if n > 1]
    assert wrapped == []  # no kommun name wraps onto a second line
