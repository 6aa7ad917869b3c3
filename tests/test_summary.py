"""Every default report opens with "Sammanfattning" / "Summary" and a table of contents (issue 14).

The rendered text checked is each default report's approved visible text
(``tests/golden/*.txt``): ``tests/test_golden_reports.py`` renders every report in both
languages and fails unless the rendered text is exactly that, so these checks hold for what a
reader gets without rendering the six reports again. The anchors of the table of contents are
checked on the sections' HTML.

- The summary comes before the first chart and before the first section;
- it has 3 to 5 findings, each with a number;
- every number of a finding is shown again in the report's sections (parsed from both), so a
  finding cannot state a number the sections do not (the numbers are not typed by hand);
- the effect report's verdict is the start of its "Slutsats";
- the table of contents lists the section headings in the order they follow, and links to them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
REPORTS = ("pilot_vs_candidate", "pilot_effect", "candidate_screening", "decision_brief")
#: Reports long enough for a table of contents (the two-page decision brief has none).
LONG_REPORTS = ("pilot_vs_candidate", "pilot_effect", "candidate_screening")
#: The first heading after the summary of a report without contents.
FIRST_SECTION = {"decision_brief": {"sv": "Frågan", "en": "The question"}}
LANGS = ("sv", "en")
HEADINGS = {"sv": ("Sammanfattning", "Innehåll"), "en": ("Summary", "Contents")}

# A number as the reports write it: optional minus (not the hyphen of "2015-2022"), thousands
# separated by a no-break space (sv) or a comma (en), decimals after a comma (sv) or point (en).
_NUMBER = re.compile(r"(?<![\d.,])[-\u2212]?\d+(?:[\u00a0,]\d{3})*(?:[.,]\d+)?")


def _lines(notebook: str, lang: str) -> list[str]:
    return (GOLDEN / f"{notebook}.{lang}.txt").read_text(encoding="utf-8").splitlines()


def _contents(notebook: str, lang: str) -> tuple[list[str], list[str]]:
    """The table of contents' entries and every line after it.

    The entries are the lines after the contents' title that occur again below it (as the
    section headings); the first line that does not (the introduction) ends the list.
    """
    lines = _lines(notebook, lang)
    if notebook not in LONG_REPORTS:  # no contents: the sections start after the summary
        return [], lines[lines.index(FIRST_SECTION[notebook][lang]) :]
    j = lines.index(HEADINGS[lang][1]) + 1
    k = j
    while lines[k] in lines[k + 1 :]:
        k += 1
    return lines[j:k], lines[k:]


def _findings(notebook: str, lang: str) -> list[str]:
    lines = _lines(notebook, lang)
    summary, contents = HEADINGS[lang]
    i = lines.index(summary)
    end = contents if notebook in LONG_REPORTS else FIRST_SECTION[notebook][lang]
    return lines[i + 1 : lines.index(end, i)]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("notebook", REPORTS)
def test_summary_comes_first_with_three_to_five_findings(notebook: str, lang: str) -> None:
    lines = _lines(notebook, lang)
    summary = HEADINGS[lang][0]
    assert lines.count(summary) == 1, f"one {summary!r} heading"
    charts = [i for i, ln in enumerate(lines) if ln.startswith("[bild:")]
    assert charts or notebook not in LONG_REPORTS, "the long reports have charts"
    assert all(lines.index(summary) < i for i in charts), "the summary comes before any chart"
    found = _findings(notebook, lang)
    assert 3 <= len(found) <= 5, found
    for f in found:
        assert _NUMBER.search(f), f"a finding without a number: {f}"
    entries, rest = _contents(notebook, lang)
    if notebook in LONG_REPORTS:
        assert entries and entries[0] in rest, "the sections follow the summary and its contents"
    else:
        assert lines.index(summary) < lines.index(rest[0]), "the sections follow the summary"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("notebook", REPORTS)
def test_every_number_of_the_summary_is_shown_in_the_sections(notebook: str, lang: str) -> None:
    _, rest = _contents(notebook, lang)
    shown = set(_NUMBER.findall("\n".join(rest)))
    missing = [
        (n, f[:90]) for f in _findings(notebook, lang) for n in _NUMBER.findall(f) if n not in shown
    ]
    assert missing == [], missing


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("notebook", LONG_REPORTS)
def test_contents_list_the_sections_in_order(notebook: str, lang: str) -> None:
    entries, rest = _contents(notebook, lang)
    assert len(entries) >= 5
    at = [rest.index(e) for e in entries]  # ValueError: an entry is not a heading below
    assert at == sorted(at), entries


@pytest.mark.parametrize("lang", LANGS)
def test_effect_verdict_is_the_start_of_the_conclusion(lang: str) -> None:
    verdict = _findings("pilot_effect", lang)[0]
    heading = {"sv": "5. Slutsats", "en": "5. Conclusion"}[lang]
    _, rest = _contents("pilot_effect", lang)  # the heading itself, not its contents entry
    conclusion = rest[rest.index(heading) + 1]
    assert conclusion.startswith(verdict)
    assert len(verdict) > 40


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("notebook", REPORTS)
def test_footer_counts_one_area_in_the_singular(notebook: str, lang: str) -> None:
    text = "\n".join(_lines(notebook, lang))
    assert "(1 områden)" not in text and "(1 areas)" not in text
    assert {"sv": "(1 område)", "en": "(1 area)"}[lang] in text


def _section_html(notebook: str, lang: str) -> tuple[object, str]:
    """The report object and the HTML of its sections in the notebook's order."""
    if notebook == "pilot_vs_candidate":
        from research.views.pilot_vs_candidate.sections import pilot_vs_candidate

        rep = pilot_vs_candidate(lang=lang)
        parts = [rep.latest_table(), rep.trends_heading()]
        parts += [rep.trend_table(), rep.funnel(), rep.similar(), rep.power(), rep.breaks_note()]
        parts += [rep.caveats(), rep.glossary()]
    elif notebook == "candidate_screening":
        from research.views.candidate_screening.sections import candidate_screening

        rep = candidate_screening(lang=lang)
        parts = [rep.intro(), rep.main_table(), rep.overview_chart(), rep.sensitivity_table()]
        parts += [rep.notes(), rep.glossary()]
    else:
        from research.views.pilot_effect.sections import pilot_effect

        rep = pilot_effect(lang=lang)
        parts = [
            rep.intro(), rep.pool_section(), rep.synth_section(), rep.sdid_section(),
            rep.did_section(), rep.its_section(), rep.power_section(), rep.expansion_section(),
            rep.conclusion(), rep.warnings_section(), rep.glossary(),
        ]  # fmt: skip
    return rep, "".join(str(p) for p in parts)


@pytest.mark.slow
@pytest.mark.parametrize("notebook", LONG_REPORTS)
def test_contents_link_to_every_section_heading(notebook: str) -> None:
    rep, body = _section_html(notebook, "sv")
    ids = re.findall(r'<h2 id="([^"]+)">', body)
    summary = str(rep.summary())  # type: ignore[attr-defined]
    links = re.findall(r'<a href="#([^"]+)">', summary)
    assert links == ids
    assert len(re.findall(r"<h2[ >]", body)) == len(ids), "a section heading without an anchor"
    assert summary.index('id="summary"') < summary.index('<nav class="toc"')
