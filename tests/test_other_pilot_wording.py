"""A pilot area other than the case's is not described as the case's programme.

Found by a reviewer: ``--pilot Malmö -p pilot_start=2018-09`` said "after the IGOR pilot ...
started in September 2018" and "the pilot ran until about October 2023"; the comparison report
and the decision brief named IGOR, its evaluation and its start for Malmö too. The programme
(``data/pilots.toml``) is named only where it ran (:meth:`research.data.pilots.Pilot.runs_in`);
elsewhere the reports speak of "the pilot in Malmö", and a start month left to its default
(the programme's) is said to be borrowed.
"""

from __future__ import annotations

import html
import re

import pytest

from research.data.pilots import case
from research.views.decision_brief.sections import decision_brief
from research.views.pilot_effect.sections import pilot_effect
from research.views.pilot_vs_candidate.sections import pilot_vs_candidate

pytestmark = pytest.mark.slow


def _text(*parts: object) -> str:
    markup = "".join(str(p._repr_html_()) for p in parts)  # type: ignore[attr-defined]
    text = html.unescape(re.sub(r"<[^>]+>", " ", markup)).replace("\u00a0", " ")
    return " ".join(text.split())


@pytest.fixture(scope="module")
def igor():
    return case().pilot


def test_effect_report_for_another_pilot_names_no_programme(igor) -> None:
    rep = pilot_effect(pilot="1280", pilot_start="2018-09", lang="sv")
    text = _text(rep.intro(), rep.conclusion())
    assert igor.name not in text and igor.full_name not in text
    assert "i Malmö utvecklades efter pilotstarten i september 2018" in text
    assert "oktober 2023" not in text and "okänt slutdatum" not in text
    assert "Startmånaden är standardvärdet" not in text  # the start was given
    assert not rep.a.programme_here and rep.a.evidence.programme_end == ""


def test_a_borrowed_start_is_said_to_be_borrowed(igor) -> None:
    rep = pilot_effect(pilot="Malmö", lang="en")
    text = _text(rep.intro())
    assert "developed after the pilot started in April 2021" in text
    assert "The start month is the default, the same as for the IGOR pilot (April 2021)" in text


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_comparison_and_brief_for_another_pilot(igor, lang: str) -> None:
    pvc = pilot_vs_candidate(pilot="1280", lang=lang)
    intro = _text(pvc.intro())
    # IGOR only in the sentence saying the start month is its (pilot_start left empty)
    borrowed = "same as for the IGOR pilot" if lang == "en" else "samma som för piloten IGOR"
    assert intro.count(igor.name) == 1 and borrowed in intro
    assert igor.full_name not in intro
    brief = decision_brief(pilot="1280", lang=lang)
    text = _text(brief.title(), brief.question(), brief.effect_section(), brief.sources())
    assert igor.evaluation not in text and igor.full_name not in text
    assert text.count(igor.name) == 1  # the borrowed start month
    assert ("piloten i Malmö" if lang == "sv" else "the pilot in Malmö") in text


def test_the_case_pilot_keeps_its_programme(igor) -> None:
    pvc = pilot_vs_candidate(lang="sv")
    assert f"Piloten {igor.name} ({igor.full_name}) startade i april 2021." in _text(pvc.intro())
    brief = decision_brief(lang="en")
    assert igor.evaluation in _text(brief.effect_section(), brief.sources())
    rep = pilot_effect(lang="sv")
    assert "omkring oktober 2023" in _text(rep.conclusion())


def test_a_moved_start_is_not_the_programme_s_start(igor) -> None:
    """``-p pilot_start=2019-01`` for the programme's own area said "Piloten IGOR (I Gemensam
    Organisation mot Relationsvåld) startade i januari 2019": the parameter dated the
    programme. A moved start asks what a pilot starting then would show; the reports name
    the programme only with its own start, and say what the real one was."""
    moved = pilot_vs_candidate(pilot_start="2019-01", lang="sv")
    text = _text(moved.intro())
    assert igor.full_name not in text
    assert (
        "Startmånaden januari 2019 är rapportens antagande; piloten IGOR startade i april 2021."
    ) in text
    assert igor.full_name in _text(pilot_vs_candidate(lang="sv").intro())  # its own start
    effect = pilot_effect(pilot_start="2019-01", lang="en")
    assert not effect.a.programme_here
    text = _text(effect.intro(), effect.conclusion())
    assert igor.full_name not in text and igor.evaluation not in text
    assert "the IGOR pilot started in April 2021" in text
