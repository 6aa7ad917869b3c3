"""Over-dispersion in the comparison report's text: the funnel plot and the power section.

Funnel (polish item 3): the funnel limits are widened by sqrt(phi) only when phi > 1
(``research.stats.funnel``). The report used to print ``max(phi, 1)`` as if it were the
estimate ("1,00" for phi = 0.999); it must print the estimate itself and, when phi <= 1, say
that no inflation was applied.

Power (polish item 7): the power section assumed plain Poisson variation without saying so,
while the counts are over-dispersed. It states the assumption and gives the answer under the
over-dispersion estimated from the candidate's trend fit, checked here against the closed form
of the Poisson difference-in-differences z test (Wald test of the log rate ratio, a very large
comparison group: Var = phi * (1/(3 b) + 1/(3 b RR)) for a baseline of b a year, 3 years
before and 3 after).
"""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest

from research.views.pilot_vs_candidate.sections import pilot_vs_candidate
from research.views.pilot_vs_candidate.summary import findings, format_phi

from .exact_power import exact_conditional_power, exact_nb1_power


@pytest.fixture(scope="module")
def reports():
    return {lang: pilot_vs_candidate(lang=lang) for lang in ("sv", "en")}


def _text(fragment: object) -> str:
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", str(fragment)))


def test_format_phi_never_rounds_an_estimate_below_one_up_to_one():
    assert format_phi(0.999047, "sv") == "0,999"
    assert format_phi(0.9949, "en") == "0.99"
    assert format_phi(1.0049, "en") == "1.005"  # above 1: widened, so not "1.00" either
    assert format_phi(3.1549, "sv") == "3,15"


def test_funnel_states_the_estimate_and_no_inflation(reports):
    rep = reports["sv"]
    _, res, _ = rep.funnel_result()
    # the estimate, recomputed from its definition: the mean squared winsorized z-score
    phi = float(np.mean(res.dispersion.z_winsorized**2))
    assert phi == pytest.approx(res.dispersion.phi, rel=1e-12)
    assert phi < 1  # N07402 in 2022: no over-dispersion beyond Poisson
    shown = format_phi(phi, "sv")
    assert shown != "1,00"
    sv = _text(rep.funnel())
    assert f"Den skattade överspridningen är {shown}, under 1, så gränserna är inte vidgade" in sv
    assert "justerat för överspridning" not in sv
    en = _text(reports["en"].funnel())
    assert f"The estimated over-dispersion is {format_phi(phi, 'en')}, below 1, so the limits" in en
    summary = " ".join(_text(f) for f in findings(rep))
    assert f"skattad överspridning {shown}, gränserna inte vidgade" in summary


def test_funnel_states_the_factor_applied_when_above_one(reports, monkeypatch):
    rep = reports["en"]
    year, res, where = rep.funnel_result()
    inflated = dataclasses.replace(res, dispersion=dataclasses.replace(res.dispersion, phi=3.1549))
    monkeypatch.setattr(rep, "funnel_result", lambda: (year, inflated, where))
    text = _text(rep.funnel())
    assert "adjusted for over-dispersion (factor 3.15)" in text
    summary = " ".join(_text(f) for f in findings(rep))
    assert "over-dispersion 3.15)" in summary


def test_power_under_the_estimated_overdispersion(reports):
    rep = reports["sv"]
    baseline, plain = rep.detect_result()
    phi, d = rep.detect_overdispersed()
    # phi is the trend section's quasi-Poisson dispersion of the candidate (Huddinge)
    assert phi == rep.trend_result(rep.indicators[0], rep.candidate.code).dispersion
    assert phi == pytest.approx(1.824, abs=1e-3)
    # about 12 cases a year, 3 + 3 years against an unlimited pool: the exact conditional test
    # (binomial, beta-binomial under phi), its power by brute force over every outcome
    assert plain.mde.inference == d.mde.inference == "exact"
    assert plain.power == pytest.approx(exact_conditional_power(baseline, [0.8], 3, 3)[0],
                                        rel=1e-9)  # fmt: skip
    assert d.power == pytest.approx(exact_nb1_power(baseline, [0.8], 3, 3, phi)[0], rel=1e-8)
    # the smallest drop detected with 80 % power under phi: reached there, not just before
    rr80 = d.mde.mde_rate_ratio
    at, before = exact_nb1_power(baseline, [rr80, rr80 * math.exp(0.003)], 3, 3, phi)
    assert at >= 0.8 - 1e-9 and before < 0.8
    sv = _text(rep.power())
    assert "Den antar ren Poissonvariation (varians = medelvärde, phi = 1)" in sv
    pct = f"{100 * d.power:.0f}\u00a0%"
    mde = f"{100 * (1 - rr80):.0f}\u00a0%"
    assert "Överspridning: trenden 2015–2022 (kvasi-Poisson) skattar phi = 1,82 för Huddinge" in sv
    assert f"upptäckas med sannolikheten {pct}; den minsta minskning som upptäcks med" in sv
    assert f"80\u00a0% sannolikhet är {mde}." in sv
    summary = " ".join(_text(f) for f in findings(rep))
    assert f"Med Huddinges skattade överspridning (phi = 1,82) är sannolikheten {pct}." in summary
    en = _text(reports["en"].power())
    assert "It assumes plain Poisson variation (variance = mean, phi = 1)" in en
    assert "estimates phi = 1.82 for Huddinge" in en


def test_a_kommun_without_offences_gets_no_trend_and_no_power_figure() -> None:
    """Bjurholm (2403): one grov kvinnofridskränkning in 2016 and none after it. The Poisson
    trend has no finite maximum (it ran to -100 % a year with no interval; now NaN with a
    no-finite-trend warning) and a baseline of zero offences has no power (nan): neither may
    be printed as a result."""
    from research.stats.rates import poisson_trend

    rep = pilot_vs_candidate(candidate="Bjurholm", lang="sv")
    ind = rep.indicators[0]
    d = rep.counts(ind, "2403", rep.trend_years)
    assert int(d["count"].sum()) <= 1  # the data are what the test is about
    trend = poisson_trend(d["count"], d["exposure"], d["year"])  # no finite maximum
    assert math.isnan(trend.pct_change) and "no-finite-trend" in {w.code for w in trend.warnings}
    assert rep.trend_result(ind, "2403") is None
    baseline, res = rep.detect_result()
    assert baseline == 0 and math.isnan(res.power)
    summary = " ".join(_text(f) for f in findings(rep))
    power = _text(rep.power())
    for text in (summary, power, _text(rep.trend_table())):
        assert "−100" not in text and "-100" not in text
    for text in (summary, power):
        assert "sannolikheten .." not in text
        assert "utan anmälda brott i Bjurholm" in text
    assert "utan anmälda" not in _text(pilot_vs_candidate(lang="sv").power())  # Huddinge: counts


def test_the_power_intro_points_only_to_a_line_that_is_there(reports) -> None:
    """Bjurholm has no trend to estimate over-dispersion from, so no line on it: the intro
    said 'the line on over-dispersion gives the answer ...' all the same. And the design
    after the answer is a sentence of its own, not a phrase without a verb."""
    assert "Raden om överspridning visar svaret" in _text(reports["sv"].power())
    bjurholm = pilot_vs_candidate(candidate="2403", lang="sv")
    assert bjurholm.detect_overdispersed() is None
    text = _text(bjurholm.power())
    assert "phi = 1). Skulle en effekt synas" in text and "Raden om överspridning" not in text
    kiruna = _text(pilot_vs_candidate(candidate="2584", lang="sv").power())
    assert "Upplägget: med i genomsnitt" in kiruna and ". Med i genomsnitt" not in kiruna
