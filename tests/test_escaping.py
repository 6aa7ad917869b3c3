"""Text from data files is escaped in reports: an area name with markup renders as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from research.runner.report import run_report

from .browser import chromium_path, load_page, page_url
from .manifest_edit import rewrite_manifest_sha

pytestmark = [pytest.mark.slow, pytest.mark.browser]

EVIL = '<script>alert("x")</script><b>Huddinge</b> & Co'


def test_markup_in_an_area_name_renders_as_text(data_copy: Path, tmp_path: Path) -> None:
    rel = "raw/kolada/ddf--entities--geo--kommun.csv"
    path = data_copy / rel
    text = path.read_text(encoding="utf-8")
    quoted = '"' + EVIL.replace('"', '""') + '"'
    assert "\n0126,Huddinge,01," in text
    path.write_text(text.replace("\n0126,Huddinge,01,", f"\n0126,{quoted},01,"), encoding="utf-8")
    rewrite_manifest_sha(data_copy, rel)

    res = run_report("pilot_vs_candidate", {"candidate": "0126"}, output_root=tmp_path / "r")
    html = res.html.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "<b>Huddinge</b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;Huddinge&lt;/b&gt;" in html

    if chromium_path() is None:
        pytest.fail("chromium is missing: run `make test`, which installs Debian's chromium")
    load = load_page(page_url(res.html), {
        "text": "document.body.innerText",
        "scripts": "document.scripts.length",
        "bold": "Array.from(document.querySelectorAll('b')).map(b => b.textContent)",
        "title": "document.title",
    })  # fmt: skip
    assert load.exceptions == [] and load.evaluations["scripts"] == 0
    assert EVIL in load.evaluations["text"]  # shown literally, as text
    assert "Huddinge" not in load.evaluations["bold"]
    assert EVIL in load.evaluations["title"]
