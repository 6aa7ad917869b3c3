"""Swedish reports read in Swedish, English reports in English (issue 14).

The text checked is each default report's approved visible text (``tests/golden/*.txt``);
``tests/test_golden_reports.py`` renders every report and fails unless the rendered text is
exactly that, so checking the approved text checks what a reader gets, without rendering the
six reports a second time.

The word lists started from the leftovers found in the reports on 2026-11-30 (raw parameter
names in the header, the English data and licence text in the footer, English method names,
"Brott i tidsserierna", negative intervals written ``-11,4–-0,9``). Add a word here when
another one is found.

Left out on purpose, owned by other work: the batch index. The pilot_effect warning bullets
(typed warnings, worded by their codes) and inference box (worded from the estimators' reason
codes) are checked like every other line since the summary work (issue 14).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
REPORTS = ("pilot_vs_candidate", "pilot_effect", "candidate_screening", "decision_brief")

#: English words and phrases found in Swedish reports. Whole words, case-sensitive.
ENGLISH_IN_SV = (
    # parameter names shown raw in the header
    "start_year", "end_year", "pilot_start", "w_need", "w_similarity", "w_detectability",
    "indicators", "indicator", "candidate", "years", "top", "areas", "donors", "lang", "lan",
    # footer: data and licence text
    "snapshot", "Snapshot", "crime", "population", "survey", "KPIs", "reuse", "including",
    "commercial", "attribution", "municipality", "groups", "official", "theme", "regional",
    "classifications", "edition", "listed", "dump", "repository", "Only", "none",
    "licence", "file", "own",
    # method names and other English words in the running text
    "Difference-in-differences", "difference-in-differences", "Poisson-difference",
    "Synthetic control", "synthetic control", "the", "and", "with", "of", "is",
    # the inference box as the estimators worded it
    "clusters", "treated", "untreated", "Requested", "inference", "auto", "cluster-robust",
    "bootstrap", "wild", "are", "too", "few",
    # the summary and the table of contents
    "Summary", "Contents", "times", "rank", "ranks",
)  # fmt: skip

#: Swedish words and phrases that must not occur (unreadable or misleading Swedish).
BAD_SWEDISH = (
    "Brott i tidsserierna", "med sannolikheten 0 %", "med sannolikheten 0\u00a0%", "(1 områden)",
)  # fmt: skip

#: Swedish words found (or likely) in English reports.
SWEDISH_IN_EN = (
    "och", "för", "med", "inte", "eller", "Licens", "Skapad", "Parametrar", "Datatäckning",
    "områden", "stadsdelar", "Uppgift saknas", "ögonblicksbild", "återanvändning", "till",
    "Sammanfattning", "Innehåll", "gånger", "rang", "plats", "kluster", "Valt", "automatiskt",
    "randomiseringsinferens", "KI", "avstånd", "poäng", "område",
)  # fmt: skip

# A negative bound written with a hyphen next to an en dash: "-11,4–-0,9", "−3,0–−0,5".
_NEGATIVE_INTERVAL = re.compile(r"[-\u2212]\d[\d,.\u00a0]*–|–[-\u2212]\d")


def _lines(notebook: str, lang: str) -> list[str]:
    lines = (GOLDEN / f"{notebook}.{lang}.txt").read_text(encoding="utf-8").splitlines()
    # file list with checksums: paths, not prose
    return [ln for ln in lines if " sha256 " not in ln]


def _hits(lines: list[str], words: tuple[str, ...]) -> list[str]:
    out = []
    for w in words:
        pat = re.compile(rf"(?<![\w-]){re.escape(w)}(?![\w-])")
        out += [f"{w!r} in: {ln[:120]}" for ln in lines if pat.search(ln)]
    return out


@pytest.mark.parametrize("notebook", REPORTS)
def test_no_english_in_swedish_report(notebook: str) -> None:
    lines = _lines(notebook, "sv")
    hits = _hits(lines, ENGLISH_IN_SV)
    hits += [f"{p!r} in: {ln[:120]}" for p in BAD_SWEDISH for ln in lines if p in ln]
    assert hits == [], "\n".join(hits)


@pytest.mark.parametrize("notebook", REPORTS)
def test_no_swedish_in_english_report(notebook: str) -> None:
    hits = _hits(_lines(notebook, "en"), SWEDISH_IN_EN)
    assert hits == [], "\n".join(hits)


@pytest.mark.parametrize("lang", ("sv", "en"))
@pytest.mark.parametrize("notebook", REPORTS)
def test_negative_intervals_are_readable(notebook: str, lang: str) -> None:
    bad = [ln for ln in _lines(notebook, lang) if _NEGATIVE_INTERVAL.search(ln)]
    assert bad == [], "\n".join(bad[:10])


@pytest.mark.parametrize(
    ("lang", "labels"),
    [("sv", ["Pilotområde", "Från år", "Språk"]), ("en", ["Pilot area", "From year", "Language"])],
)
def test_header_shows_labels_and_leaves_out_empty_values(lang: str, labels: list[str]) -> None:
    import nbformat

    from research.runner.report import export_html

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Test")])
    params = {"pilot": "0180", "lan": "", "w_need": None, "start_year": 2008, "lang": lang}
    page = export_html(nb, lang=lang, params=params, commit="test")
    header = page[page.index('<dl class="params"') : page.index("</dl>")]
    assert re.findall(r"<dt>(.*?)</dt>", header) == labels
    assert "Stockholm (0180)" in header and "2008" in header
    assert ("svenska" if lang == "sv" else "English") in header
    footer = page[page.index('<footer class="provenance">') :]
    assert ("Ögonblicksbild:" if lang == "sv" else "Snapshot:") in footer


@pytest.mark.parametrize(
    ("lang", "shown"),
    [
        ("sv", "Grov kvinnofridskränkning (N07402), Våldsbrott (N07403), X99"),
        ("en", "Gross violation of a woman&#39;s integrity (N07402), Violent crimes (N07403), X99"),
    ],
)
def test_header_names_indicators_by_their_short_label(lang: str, shown: str) -> None:
    import nbformat

    from research.runner.report import export_html

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Test")])
    params = {"indicators": ["N07402", "n07403", "X99"], "lang": lang}
    page = export_html(nb, lang=lang, params=params, commit="test")
    header = page[page.index('<dl class="params"') : page.index("</dl>")]
    assert f"<dd>{shown}</dd>" in header, header
