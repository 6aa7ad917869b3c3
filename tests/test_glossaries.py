"""Every long report ends in a glossary of the statistical terms it uses, each worded once.

The effect report, the comparison report and the screening list their terms in ``GLOSSARY``
(their ``sections.py``); a term is worded ``term_<key>`` and explained ``def_<key>``. A term
more than one report explains is in the shared catalogue (``research/views/texts.toml``), a
term only one report explains in that report's, so no explanation is written twice. Each
term of the comparison report and the screening is one their sections use: a word of it
stands in the text above the glossary.
"""

from __future__ import annotations

import html
import re
import tomllib
from pathlib import Path

import pytest

from research.views.candidate_screening import sections as cs
from research.views.pilot_effect import sections as pe
from research.views.pilot_vs_candidate import sections as pvc

VIEWS = Path(__file__).resolve().parents[1] / "research" / "views"
GLOSSARIES = {
    "pilot_effect": pe.GLOSSARY,
    "pilot_vs_candidate": pvc.GLOSSARY,
    "candidate_screening": cs.GLOSSARY,
}

#: A word of each term as the sections write it (lower case), Swedish and English: the term
#: is in a report's glossary only if the report uses it.
USED = {
    "rate": ("per 100\u00a0000", "per 100,000"),
    "estimated_count": ("skattat antal|skattade antal|uppskattade antal", "estimated count"),
    "interval": ("ki", "ci"),
    "exact": ("exakt", "exact"),
    "rate_ratio": ("kvot", "ratio"),
    "poisson": ("poissonregression", "poisson regression"),
    "overdispersion": ("överspridning", "over-dispersion"),
    "funnel": ("trattdiagram", "funnel plot"),
    "distance": ("avstånd", "distance"),
    "log_scale": ("logaritm", "log"),
    "did": ("skillnad-i-skillnader", "difference-in-differences"),
    "test_level": ("5\u00a0%.nivå", "5% level"),
    "power": ("styrka", "power"),
    "mdd": ("minsta påvisbara minskning", "minimum detectable decrease"),
    "percentile_rank": ("percentilrang", "percentile rank"),
    "dilution": ("späds ut|utspätt", "dilut"),
    "series_break": ("tidsseriebrott", "breaks in the series|break in the series"),
}


def _ids(path: Path) -> set[str]:
    return set(tomllib.loads(path.read_text(encoding="utf-8")))


def test_each_term_is_explained_in_one_catalogue() -> None:
    shared = _ids(VIEWS / "texts.toml")
    users: dict[str, list[str]] = {}
    for report, keys in GLOSSARIES.items():
        assert len(set(keys)) == len(keys), report
        for key in keys:
            users.setdefault(key, []).append(report)
    for key, reports in users.items():
        ids = {f"term_{key}", f"def_{key}"}
        if len(reports) > 1:  # one explanation for every report that uses the term
            assert ids <= shared, f"{key}: used by {reports}, not in the shared catalogue"
        else:  # the report's own term, in its own catalogue
            assert ids <= _ids(VIEWS / reports[0] / "texts.toml") and not ids & shared, key
    # no shared explanation that fewer than two reports use
    shared_terms = {i.split("_", 1)[1] for i in shared if i.startswith(("term_", "def_"))}
    assert shared_terms == {k for k, r in users.items() if len(r) > 1}


def _text(fragment: object) -> str:
    return re.sub(r"[ \t\n\r]+", " ", re.sub(r"<[^>]+>", " ", html.unescape(str(fragment)))).lower()


def _report(notebook: str, lang: str, **params: str) -> tuple[object, str]:
    """A report object and the text of its summary and sections above the glossary."""
    if notebook == "pilot_vs_candidate":
        rep = pvc.pilot_vs_candidate(lang=lang, **params)
        parts = [rep.summary(), rep.intro(), rep.latest_table(), rep.trend_table()]
        parts += [rep.funnel(), rep.similar(), rep.power(), rep.breaks_note(), rep.caveats()]
    else:
        rep = cs.candidate_screening(lang=lang, **params)
        parts = [rep.summary(), rep.intro(), rep.main_table(), rep.overview_chart()]
        parts += [rep.sensitivity_table(), rep.notes()]
    return rep, " ".join(_text(p) for p in parts)


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("notebook", ["pilot_vs_candidate", "candidate_screening"])
def test_the_glossary_explains_the_terms_the_report_uses(notebook: str, lang: str) -> None:
    rep, body = _report(notebook, lang)
    keys = rep.glossary_terms() if notebook == "pilot_vs_candidate" else cs.GLOSSARY
    glossary = str(rep.glossary())
    terms = re.findall(r"<dt>(.*?)</dt>", glossary)
    assert len(terms) == len(keys) == len(re.findall(r"<dd>", glossary))
    heading = {"sv": "Ordlista", "en": "Glossary"}[lang]
    assert f'<h2 id="glossary">{heading}</h2>' in glossary
    assert ("glossary", heading) in rep.section_entries()  # listed in the contents
    for key in keys:
        words = USED[key][lang == "en"]
        assert re.search(rf"(?<!\w)(?:{words})", body), f"{key}: {words!r} not in the report"


def test_a_term_whose_section_is_not_shown_is_left_out() -> None:
    """The comparison report with a pilot elsewhere has no district to dilute."""
    rep, body = _report("pilot_vs_candidate", "sv", pilot="Malmö")
    assert "dilution" not in rep.glossary_terms() and not re.search("späds ut|utspätt", body)
    assert "Utspädning" not in str(rep.glossary())
