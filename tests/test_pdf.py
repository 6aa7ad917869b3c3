"""--pdf: an A4 PDF printed by headless chromium, next to the HTML, in the manifest."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from research.cli import main
from research.core.errors import ReportError
from research.runner.pdf import html_to_pdf

pytestmark = [pytest.mark.slow, pytest.mark.browser]

A4 = (595.0, 842.0)  # points; Chromium writes 594.96 x 841.92


def test_report_pdf_is_a4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--pdf", "--output", str(tmp_path)]) == 0
    html = Path(capsys.readouterr().out.strip())
    pdf = html.with_name("report.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert boxes, "no page boxes found"
    for w, h in boxes:
        assert abs(float(w) - A4[0]) < 1 and abs(float(h) - A4[1]) < 1
    assert len(boxes) >= 3  # several pages of tables and charts
    manifest = json.loads(html.with_name("manifest.json").read_text())
    assert "report.pdf" in manifest["outputs"] and "pdf" in manifest["timings_s"]


def test_missing_chromium_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOTBENCH_CHROMIUM", str(tmp_path / "no-such-chromium"))
    page = tmp_path / "p.html"
    page.write_text("<html><body>x</body></html>")
    with pytest.raises(ReportError, match="make browser"):
        html_to_pdf(page, tmp_path / "p.pdf")
    assert not (tmp_path / "p.pdf").exists()
