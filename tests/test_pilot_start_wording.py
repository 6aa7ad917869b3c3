"""The pilot_effect report's design sentences follow the pilot start and the series breaks.

Found by exploratory testing with ``pilot_start=2019-01``: the report said 2019 was "partly
treated" with "nine pilot months" (true of April only), that the period before started "after
the 2015 break" while it started in 2008 and crossed it, and that the 2020 break lay "right
before the pilot start" although it came a year after it.
"""

from __future__ import annotations

import html
import re

import pytest

from research.views.pilot_effect.sections import pilot_effect

pytestmark = pytest.mark.slow


def _text(pilot_start: str, lang: str) -> str:
    rep = pilot_effect(pilot_start=pilot_start, lang=lang)
    html = str(rep.intro()._repr_html_())
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("\u00a0", " ").split())


def test_a_january_start_is_a_full_first_year_and_the_window_crosses_2015() -> None:
    text = _text("2019-01", "sv")
    assert "så 2019 är det första hela pilotåret" in text and "delvis" not in text
    assert "Jämförelsen före starten avser 2008–2018." in text
    assert "Den perioden korsar tidsseriebrottet 2015: efter det finns färre än 5 år" in text
    assert "efter tidsseriebrottet (2015" not in text  # it does not start after the break
    assert "Tidsseriebrottet 2020 ligger precis efter pilotstarten" in text
    assert "precis före" not in text


def test_a_july_start_counts_its_months_and_the_break_of_its_own_year() -> None:
    text = _text("2020-07", "en")
    assert "so 2020 is partly treated" in text
    assert "a year with 6 of its 12 months after the start" in text
    assert "The comparison before the start thus covers 2015–2019." in text
    assert "That period crosses the series break of 2019:" in text
    assert "The 2020 break happened in the year the pilot started" in text


def test_the_case_start_reads_as_before() -> None:
    text = _text("2021-04", "sv")
    assert "ett år med 9 av 12 månader efter starten" in text
    assert "Perioden före börjar 2015, efter tidsseriebrottet (2015: endast brott" in text
    assert "Tidsseriebrottet 2020 ligger precis före pilotstarten" in text


def test_an_expansion_whose_pre_trend_test_rejects_says_so() -> None:
    """The pooled expansion effect was stated next to "p = 0,000" with no word that the
    pre-trend test rejects."""
    rep = pilot_effect(expansion="2403:2024,0126:2025", lang="sv")
    p = rep.a.expansion.fit.pre_trend.p_value
    assert p < 1e-6  # as the data give it; p_text writes it in powers of ten
    markup = re.sub(r"<[^>]+>", " ", str(rep.expansion_section()._repr_html_()))
    text = " ".join(html.unescape(markup).replace("\u00a0", " ").split())
    assert "Testet förkastar parallella förlopp, så den sammanvägda effekten" in text
    assert "p = 0,000" not in text and " × 10⁻" in text
