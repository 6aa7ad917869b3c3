"""Every default report, in both languages, reads exactly as the approved text in tests/golden/.

A refactoring must not change a single number or word a reader sees. The approved texts are
the visible text of each report page (``tests/pagetext.py``: one block per line, run times,
commit hashes and the data's age masked). When a change to a report is intended, regenerate
them and review the diff like code::

    PILOTBENCH_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden_reports.py
    git diff tests/golden/
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from research.runner.report import run_report

from .pagetext import page_text

pytestmark = pytest.mark.slow

GOLDEN = Path(__file__).parent / "golden"
REPORTS = ("pilot_vs_candidate", "pilot_effect", "candidate_screening", "decision_brief")
LANGS = ("sv", "en")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("notebook", REPORTS)
def test_default_report_text_unchanged(notebook: str, lang: str, tmp_path: Path) -> None:
    html = run_report(notebook, {"lang": lang}, output_root=tmp_path).html
    text = page_text(html.read_text(encoding="utf-8"))
    approved = GOLDEN / f"{notebook}.{lang}.txt"
    if os.environ.get("PILOTBENCH_UPDATE_GOLDEN") == "1":
        approved.write_text(text, encoding="utf-8")
        return
    expected = approved.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"tests/golden/{approved.name} (approved)",
                tofile="rendered now",
                n=1,
            )
        )
        pytest.fail(f"{notebook} ({lang}) reads differently from the approved text:\n{diff[:6000]}")
