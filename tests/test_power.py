"""Tests of research.stats.power against hand computations, statsmodels, research.stats.did and "
"simulation."""

from __future__ import annotations

import doctest
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import optimize, stats

import research.stats.power as power_mod
import research.views.power_text as power_text_mod
from research.core.errors import ArgumentError
from research.stats.did import diff_in_diff
from research.stats.glm import fit_glm
from research.stats.power import (
    PowerNote,
    _collapsed_estimates,
    can_detect,
    concentrate,
    dilute,
    minimum_detectable_effect,
    power_at,
)
from research.views.power_text import detect_summary, mde_summary, note_texts

from .exact_power import assert_first_crossing, exact_conditional_power, exact_nb1_power
from .swedish import english_words

REF = json.loads((Path(__file__).parent / "reference" / "power_statsmodels.json").read_text())
#: The score test's power from statsmodels (tests/reference/make_power_score_reference.py).
REF_SCORE = json.loads(
    (Path(__file__).parent / "reference" / "power_score_statsmodels.json").read_text()
)

# Normal quantiles written out (Abramowitz & Stegun table 26.5 gives 1.959964 and 0.841621).
Z975 = 1.959963984540054
Z80 = 0.8416212335729143


def test_quantiles_written_out_match_scipy():
    assert stats.norm.ppf(0.975) == pytest.approx(Z975, abs=1e-12)
    assert stats.norm.ppf(0.8) == pytest.approx(Z80, abs=1e-12)


def _score_power_by_hand(b, rr, t0, t1, pool=None, phi=1.0, z=Z975):
    """Power of the score test written out (Fleiss, Levin & Paik 2003, ch. 4): the treated
    post share T1 RR / (T0 + T1 RR) of b (T0 + T1 RR) / phi effective events against the
    comparison's T1 / (T0 + T1) of pool (T0 + T1) / phi (known without a pool), the
    variance pooled under no effect for the critical value and separate under the effect.
    Tied to statsmodels by test_score_power_matches_statsmodels."""
    rr = np.asarray(rr, dtype=float)
    n1 = b * (t0 + t1 * rr) / phi
    p1, p2 = t1 * rr / (t0 + t1 * rr), t1 / (t0 + t1)
    if pool is None:
        se0 = np.sqrt(p2 * (1 - p2) / n1)
        se1 = np.sqrt(p1 * (1 - p1) / n1)
    else:
        n2 = pool * (t0 + t1) / phi
        pbar = (n1 * p1 + n2 * p2) / (n1 + n2)
        se0 = np.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n2))
        se1 = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    d = np.abs(p1 - p2)
    return stats.norm.cdf((d - z * se0) / se1) + stats.norm.cdf((-d - z * se0) / se1)


# ------------------------------------------------------------------ analytic Wald, by hand


def test_mde_null_variance_hand_computation():
    """C_pre = C_post = 100 in each arm, phi = 1.

    SE = sqrt(1/100 + 1/100 + 1/100 + 1/100) = 0.2, and Bloom's MDE on the log scale is
    (1.959964 + 0.841621) * 0.2 = 0.5603170, so the MDE rate ratio is exp(-0.5603170) =
    0.571028 (a 42.9 % drop) and for a rise exp(0.5603170) = 1.751228.
    """
    kw = dict(years_pre=1, years_post=1, control_count=100.0, inference="wald", variance="null")
    r = minimum_detectable_effect(100.0, **kw)
    L = (Z975 + Z80) * 0.2
    assert r.se_null == pytest.approx(0.2, rel=1e-12)
    assert r.mde_rate_ratio == pytest.approx(math.exp(-L), rel=1e-9)
    assert r.mde_rate_ratio == pytest.approx(0.571028, abs=1e-6)
    assert r.mde_pct == pytest.approx(100 * (1 - math.exp(-L)), rel=1e-9)
    up = minimum_detectable_effect(100.0, direction="increase", **kw)
    assert up.mde_rate_ratio == pytest.approx(1.751228, abs=1e-6)


def test_mde_alternative_variance_solved_independently():
    """Under the effect the treated post count is 100 RR, so L = -log RR solves
    L = (z_.975 + z_.8) sqrt(3/100 + 1/(100 exp(-L))); solved here with brentq."""
    r = minimum_detectable_effect(
        100.0, years_pre=1, years_post=1, control_count=100.0, inference="wald"
    )
    M = Z975 + Z80
    L = optimize.brentq(lambda L: L - M * math.sqrt(0.03 + math.exp(L) / 100), 0.01, 3)
    assert r.mde_rate_ratio == pytest.approx(math.exp(-L), rel=1e-8)
    # with the variance at the effect the MDE is larger than with the null variance
    assert r.mde_rate_ratio < 0.571028
    # power at the MDE is the target (the far tail adds < 1e-6 here)
    pw = power_at(r.mde_rate_ratio, 100.0, years_pre=1, years_post=1, control_count=100.0,
                  inference="wald")  # fmt: skip
    assert pw == pytest.approx(0.8, abs=1e-6)


def test_power_hand_computation_with_controls_and_overdispersion():
    """b = 20/year, 3 + 2 years, pool of 200/year, phi = 1.5, RR = 0.75:
    Var = 1.5 (1/60 + 1/30 + 1/600 + 1/400) = 0.08125, power = Phi(|log .75| / SE - z) +
    Phi(-|log .75| / SE - z)."""
    var = 1.5 * (1 / 60 + 1 / (40 * 0.75) + 1 / 600 + 1 / 400)
    se = math.sqrt(var)
    d = abs(math.log(0.75))
    expected = stats.norm.cdf(d / se - Z975) + stats.norm.cdf(-d / se - Z975)
    got = power_at(0.75, 20.0, years_pre=3, years_post=2, control_count=200.0,
                   overdispersion=1.5, inference="wald")  # fmt: skip
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "case", REF["cases"], ids=lambda c: f"b{c['baseline']}-rr{c['rate_ratio']}"
)
def test_power_matches_statsmodels(case):
    """statsmodels' power_poisson_ratio_2indep (method_var='alt', two-sided), recorded once."""
    got = power_at(
        case["rate_ratio"], case["baseline"], years_pre=case["years_pre"],
        years_post=case["years_post"], overdispersion=case["overdispersion"],
        alpha=case["alpha"], inference="wald",
    )  # fmt: skip
    assert got == pytest.approx(case["power"], rel=1e-9)


def test_did_variance_is_inverse_fisher_information_of_yearly_twfe():
    """The closed-form variance equals [(X'WX)^-1] of the treatment coefficient of the yearly
    Poisson TWFE model (unit and year dummies), computed by matrix inversion here, for
    controls of different sizes and unequal year effects."""
    J, T, T0 = 7, 6, 3
    b, rr = 12.0, 0.7
    c = np.array([5, 8, 20, 3, 11, 9, 30.0])
    gam = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    units = np.repeat(np.arange(J + 1), T)
    years = np.tile(np.arange(T), J + 1)
    D = ((units == 0) & (years >= T0)).astype(float)
    mu = np.concatenate([[b], c])[units] * gam[years] * np.where(D == 1, rr, 1.0)
    X = np.column_stack([D, np.eye(J + 1)[units], np.eye(T)[years][:, 1:]])
    var_info = np.linalg.inv(X.T @ (mu[:, None] * X))[0, 0]
    r = minimum_detectable_effect(b, years_pre=T0, years_post=T - T0, control_count=c.sum(),
                                  inference="wald")  # fmt: skip
    model = power_mod._model(np.array([b]), None, c.sum(), T0, T - T0, 1.0, "did_poisson")
    assert model.var(np.array([[math.log(rr)]]))[0, 0] == pytest.approx(var_info, rel=1e-10)
    assert r.se_null**2 == pytest.approx(
        1 / (3 * b) + 1 / (3 * b) + 1 / (3 * c.sum()) + 1 / (3 * c.sum()), rel=1e-12
    )


def test_its_variance_matches_glm_fit_covariance():
    """ITS: the variance of the level change equals the model covariance that research.stats.glm's
    IRLS reports when fitted to the expected counts themselves."""
    b, rr, yp, yq = 40.0, 0.8, 4, 3
    t = np.arange(-yp, yq, dtype=float)
    post = (t >= 0).astype(float)
    mu = b * np.where(post == 1, rr, 1.0)
    X = np.column_stack([np.ones_like(t), t, post])
    fit = fit_glm(X, mu, family="poisson")
    model = power_mod._model(np.array([b]), None, None, yp, yq, 1.0, "its")
    assert model.var(np.array([[math.log(rr)]]))[0, 0] == pytest.approx(fit.cov[2, 2], rel=1e-7)
    r = minimum_detectable_effect(b, years_pre=yp, years_post=yq, estimator="its")
    assert r.inference == "wald" and 0 < r.mde_rate_ratio < 1


# ------------------------------------------------------------------ permutation


def test_permutation_floor_one_over_j_plus_one():
    r = minimum_detectable_effect(500.0, n_control=18)
    assert r.inference == "permutation"
    assert not r.detectable and math.isnan(r.mde_rate_ratio)
    floor = PowerNote("permutation_floor", {"n_control": 18, "alpha": 0.05, "needed": 19})
    assert r.notes[0] == floor
    assert all("1/19" in n for lang in ("sv", "en") for n in note_texts(r.notes[:1], lang))
    assert power_at(0.1, 500.0, n_control=18) == 0.0
    assert mde_summary(r, "en").startswith(
        "With on average 500.0 reported crimes a year (estimated count), 3 years before and 3 "
        "after the start, and a difference-in-differences Poisson comparison against 18 "
        "comparison areas using randomization inference over areas at the 5% level, no drop of "
        "any size is detected with 80% power. With 18 comparison units randomization inference "
        "has 19 possible assignments, so the smallest attainable p-value is 1/19 = 0.053 > "
        "alpha = 0.05: no effect of any size can be detected. At least 19 comparison units are "
        "needed."
    )
    assert "kan ingen minskning upptäckas med 80\u00a0% sannolikhet." in mde_summary(r, "sv")
    ok = minimum_detectable_effect(500.0, n_control=19)
    assert ok.detectable


@pytest.mark.parametrize(("J", "alpha"), [(19, 0.05), (39, 0.05), (50, 0.05), (99, 0.1)])
def test_permutation_size_is_k_over_j_plus_one(J, alpha):
    """With exchangeable units and no effect the treated unit's rank is uniform, so the
    rejection rate is floor(alpha (J+1)) / (J+1) exactly."""
    k = math.floor(alpha * (J + 1) + 1e-9)
    got = power_at(1.0, 30.0, n_control=J, alpha=alpha)
    assert got == pytest.approx(k / (J + 1), abs=1e-9)


def test_collapsed_estimator_equals_research_did():
    """On two-period totals the Poisson TWFE estimate and its permutation p-value from
    research.stats.did equal the closed-form cross ratio used in the simulation."""
    rng = np.random.default_rng(7)
    pre = rng.poisson(40, size=6).astype(float)
    post = rng.poisson(35, size=6).astype(float)
    units = [f"u{i}" for i in range(6)]
    df = pl.DataFrame({
        "unit": units * 2, "year": [0] * 6 + [1] * 6, "y": np.concatenate([pre, post]),
        "pop": [1000.0] * 12, "treated": [1] + [0] * 5 + [1] + [0] * 5,
        "post": [0] * 6 + [1] * 6,
    })  # fmt: skip
    res = diff_in_diff(df, unit="unit", time="year", outcome="y", treated="treated",
                       post="post", family="poisson", offset="pop",
                       inference="permutation")  # fmt: skip
    d = _collapsed_estimates(pre[None, :], post[None, :])[0]
    assert d[0] == pytest.approx(res.estimate, abs=1e-8)
    np.testing.assert_allclose(np.sort(res.placebo_estimates), np.sort(d), atol=1e-6)
    p = np.mean(np.abs(d) >= np.abs(d[0]) - 1e-12)
    assert p == pytest.approx(res.p_value)


# ------------------------------------------------------------------ simulation vs analytic


def test_simulation_agrees_with_analytic_wald_and_permutation():
    """Many equal controls and large counts: simulated power within 4 Monte Carlo SE."""
    kw = dict(years_pre=2, years_post=2, n_control=199)
    n_sim = 3000
    for inference in ("wald", "permutation"):
        for rr in (0.9, 0.85):
            a = power_at(rr, 200.0, inference=inference, **kw)
            s = power_at(rr, 200.0, inference=inference, method="simulation", n_sim=n_sim,
                         seed=11, **kw)  # fmt: skip
            se = math.sqrt(a * (1 - a) / n_sim)
            assert abs(s - a) < 4 * se + 0.005, (inference, rr, a, s)


def test_simulated_mde_close_to_analytic():
    a = minimum_detectable_effect(150.0, n_control=99, inference="wald")
    s = minimum_detectable_effect(150.0, n_control=99, inference="wald", method="simulation",
                                  n_sim=3000, seed=3)  # fmt: skip
    assert s.mde_rate_ratio == pytest.approx(a.mde_rate_ratio, abs=0.015)
    assert s.curve is not None and {"power", "mc_se"} <= set(s.curve.columns)
    assert s.curve["power"][0] == pytest.approx(0.05, abs=0.02)  # size at no effect


def test_overdispersed_simulation_variance():
    """NB1 draws: variance phi x mean (checked on the treated-only Wald test size)."""
    s = power_at(1.0, 80.0, overdispersion=2.0, method="simulation", n_sim=6000, seed=5,
                 years_pre=3, years_post=3, inference="wald")  # fmt: skip
    assert s == pytest.approx(0.05, abs=0.012)
    draws = power_mod._draw(np.random.default_rng(1), np.full(200_000, 30.0), 2.5)
    assert draws.var() / draws.mean() == pytest.approx(2.5, rel=0.03)


# ------------------------------------------------------------------ dilution


def test_dilution_closed_form_sodermalm():
    share = 131_000 / 985_000
    assert 1 - dilute(0.8, share) == pytest.approx(0.2 * share, rel=1e-12)
    assert 1 - dilute(0.8, share) == pytest.approx(0.0266, abs=5e-4)
    assert concentrate(dilute(0.8, share), share) == pytest.approx(0.8, rel=1e-12)
    # a district rate twice the kommun's doubles the diluted effect
    assert 1 - dilute(0.8, 0.13, 2.0) == pytest.approx(0.052, rel=1e-12)
    assert math.isnan(concentrate(0.5, 0.13))
    with pytest.raises(ArgumentError):
        dilute(0.8, 0.6, 2.0)


def test_mde_with_dilution_translates_back():
    r = minimum_detectable_effect(2000.0, dilution=0.2, inference="wald")
    k = minimum_detectable_effect(2000.0, inference="wald")
    assert r.mde_rate_ratio_measured == pytest.approx(k.mde_rate_ratio, rel=1e-9)
    assert r.mde_rate_ratio == pytest.approx(1 - (1 - k.mde_rate_ratio) / 0.2, rel=1e-9)
    small = minimum_detectable_effect(127.0, dilution=131 / 985)
    assert not small.detectable
    assert "späds ut" in mde_summary(small, "sv")


# ------------------------------------------------------------------ API


def test_vectorized_over_series_matches_scalars():
    s = pl.Series("b", [5.0, 15.0, 150.0, 0.0])
    r = minimum_detectable_effect(s, years_pre=3, years_post=3)
    assert isinstance(r.mde_rate_ratio, pl.Series) and r.mde_rate_ratio.len() == 4
    for i, b in enumerate([15.0, 150.0]):
        assert r.mde_rate_ratio[i + 1] == pytest.approx(
            minimum_detectable_effect(b).mde_rate_ratio, rel=1e-12
        )
    assert r.mde_rate_ratio[3] is None or math.isnan(r.mde_rate_ratio[3])
    rr = minimum_detectable_effect(baseline_rate=10.0, population=150_000)
    assert rr.mde_rate_ratio == pytest.approx(minimum_detectable_effect(15.0).mde_rate_ratio)


def test_can_detect_summary_and_answer():
    d = can_detect(0.2, 15.0, years_pre=3, years_post=3)
    assert d.detectable is False and 0.05 < d.power < 0.8
    assert detect_summary(d, "sv", area="Huddinge").startswith("Nej: en minskning med 20\u00a0%")
    assert detect_summary(d, "en", area="Huddinge").startswith("No: a 20% drop in Huddinge")
    big = can_detect(0.2, 2000.0)
    assert big.detectable is True and detect_summary(big, "en").startswith("Yes")
    rise = can_detect(-0.3, 40.0)
    assert rise.mde.direction == "increase" and rise.effect_rate_ratio == pytest.approx(1.3)


@pytest.mark.parametrize(
    "kw",
    [
        dict(alpha=1.5), dict(power=0), dict(years_pre=0), dict(estimator="x"),
        dict(overdispersion=0.5), dict(n_control=0), dict(dilution=1.5),
        dict(inference="permutation"), dict(method="simulation", estimator="its"),
        dict(inference="score", estimator="its"), dict(inference="score", variance="null"),
    ],
)  # fmt: skip
def test_invalid_settings_raise(kw):
    with pytest.raises(ArgumentError):
        minimum_detectable_effect(15.0, **kw)


def test_baseline_arguments_checked():
    with pytest.raises(ArgumentError):
        minimum_detectable_effect()
    with pytest.raises(ArgumentError):
        minimum_detectable_effect(10.0, baseline_rate=5.0, population=1000)
    with pytest.raises(ArgumentError):
        minimum_detectable_effect(-1.0)
    with pytest.raises(ArgumentError):
        can_detect(0.0, 10.0)


def test_docstring_numbers_derived_independently():
    """The numbers printed in power.py's examples, derived here by hand (not the code's own
    earlier output); the doctest run below then ties the examples to these values. The
    default test with few events is the exact conditional test against an unlimited comparison
    group (inference='auto'); the score test's numbers are the explicit examples."""
    # dilute: 20 % of 131 000 / 985 000 of the events
    assert round(0.2 * 131_000 / 985_000, 4) == 0.0266
    # concentrate: 1 - (1 - 0.974) / 0.13
    assert round(1 - 0.026 / 0.13, 4) == 0.8
    # power_at(0.8, 100, 1 + 1 years): 180 events expected, post share 0.8 / 1.8 against 1/2
    n1, p1 = 180.0, 0.8 / 1.8
    se0, se1 = math.sqrt(0.25 / n1), math.sqrt(p1 * (1 - p1) / n1)
    pw100 = stats.norm.cdf((0.5 - p1 - Z975 * se0) / se1) + stats.norm.cdf(
        (p1 - 0.5 - Z975 * se0) / se1
    )
    assert round(pw100, 3) == 0.319
    # minimum_detectable_effect(15, 3 + 3 years): the rate ratio where the power is 0.8
    rr = optimize.brentq(lambda r: _score_power_by_hand(15.0, r, 3, 3) - 0.8, 0.2, 0.9)
    assert (round(rr, 3), round(100 * (1 - rr), 1)) == (0.498, 50.2)
    # n_control=10: the smallest permutation p-value 1/11 exceeds 0.05
    assert 1 / 11 > 0.05
    # can_detect(0.2, 15)
    pw = _score_power_by_hand(15.0, 0.8, 3, 3)
    assert round(float(pw), 2) == 0.17 and round(100 * (1 - rr)) == 50
    # and the functions agree with the derivations to full precision
    score = dict(inference="score")
    assert power_at(0.8, 100.0, years_pre=1, years_post=1, **score) == pytest.approx(
        pw100, rel=1e-12
    )
    assert minimum_detectable_effect(15.0, **score).mde_rate_ratio == pytest.approx(rr, rel=1e-9)
    assert can_detect(0.2, 15.0, **score).power == pytest.approx(pw, rel=1e-12)
    # the default (exact) numbers, by brute force over the Poisson totals and scipy's binomtest
    ex100 = exact_conditional_power(100.0, [0.8], 1, 1)[0]
    assert round(ex100, 3) == 0.294
    assert power_at(0.8, 100.0, years_pre=1, years_post=1) == pytest.approx(ex100, rel=1e-9)
    ex15 = exact_conditional_power(15.0, [0.8], 3, 3)[0]
    assert round(ex15, 2) == 0.14 and can_detect(0.2, 15.0).power == pytest.approx(ex15, rel=1e-9)
    m = minimum_detectable_effect(15.0)
    assert (round(m.mde_rate_ratio, 3), round(m.mde_pct, 1)) == (0.478, 52.2)
    assert_first_crossing(15.0, m.mde_rate_ratio, 3, 3)


def test_docstring_examples_run():
    res = doctest.testmod(power_mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0
    res = doctest.testmod(power_text_mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0 and res.failed == 0


@pytest.mark.parametrize(
    ("alpha", "power", "multiplier"), [(0.05, 0.8, 2.80), (0.05, 0.9, 3.24), (0.10, 0.8, 2.49),
                                       (0.10, 0.9, 2.93)],
)  # fmt: skip
def test_bloom_1995_multipliers(alpha, power, multiplier):
    """Bloom (1995), Table 1: the MDE is a multiple of the standard error, 2.80 for a
    two-tailed 5 % test with 80 % power (3.24 for 90 %; 2.49 and 2.93 at 10 %)."""
    r = minimum_detectable_effect(50.0, alpha=alpha, power=power, inference="wald", variance="null")
    assert -math.log(r.mde_rate_ratio) / r.se_null == pytest.approx(multiplier, abs=0.005)


@pytest.mark.parametrize("control_count", [None, 5000.0])
def test_simulation_size_with_unequal_periods(control_count):
    """No effect, 4 years before and 2 after: the Wald test's rejection rate is near alpha
    (the expected post/pre ratio 2/4 must cancel)."""
    s = power_at(1.0, 200.0, years_pre=4, years_post=2, control_count=control_count,
                 inference="wald", method="simulation", n_sim=6000, seed=9)  # fmt: skip
    assert s == pytest.approx(0.05, abs=0.012)


def _enumerated_wald_power(b, rr, yp, yq, alpha=0.05, kmax=200):
    """Exact rejection probability of the treated-only Wald test (unlimited comparison group)
    with the Haldane-Anscombe correction (0.5 added to both periods when either is zero),
    by summing the Poisson probabilities of every (pre, post) outcome up to kmax."""
    i = np.arange(kmax)[:, None].astype(float)
    j = np.arange(kmax)[None, :].astype(float)
    zero = (i == 0) | (j == 0)
    a, c = np.where(zero, i + 0.5, i), np.where(zero, j + 0.5, j)
    z = np.abs(np.log(c / a) - math.log(yq / yp)) / np.sqrt(1 / a + 1 / c)
    prob = stats.poisson.pmf(i, b * yp) * stats.poisson.pmf(j, b * yq * rr)
    return float(np.sum(prob * (z > stats.norm.ppf(1 - alpha / 2))))


@pytest.mark.parametrize(("b", "rr"), [(0.5, 8.0), (0.3, 20.0), (0.8, 0.2)])
def test_simulation_below_one_event_a_year(b, rr):
    """Fewer than one event a year: many simulated data sets have a period without events.
    They used to give z = nan and never reject, so the simulated power could not pass
    1 - P(no events before) and the MDE became nan. The simulated power now equals the
    exact enumeration of the corrected Wald test within Monte Carlo error."""
    n_sim = 4000
    s = power_at(rr, b, method="simulation", n_sim=n_sim, seed=21, inference="wald")
    exact = _enumerated_wald_power(b, rr, 3, 3)
    assert abs(s - exact) < 4 * math.sqrt(exact * (1 - exact) / n_sim) + 1e-3, (s, exact)
    r = minimum_detectable_effect(0.5, direction="increase", method="simulation", n_sim=1000,
                                  seed=4, inference="wald")  # fmt: skip
    assert r.detectable and math.isfinite(r.mde_rate_ratio)
    assert _enumerated_wald_power(0.5, r.mde_rate_ratio, 3, 3) == pytest.approx(0.8, abs=0.04)


@pytest.mark.parametrize("inference", ["score", "wald"])
@pytest.mark.parametrize("direction", ["decrease", "increase"])
def test_analytic_power_curve_closed_form(direction, inference):
    """The curve of an analytic MDE: pilot-area rate ratios in steps of 0.05 (decrease, 1 down
    to 0.05) or 0.1 (increase, 1 to 3), the measured-area ratio 1 - w (1 - RR) with w = 0.4,
    and the power at each by the closed form (b = 30 a year, 4 + 2 years, no controls)."""
    b, w = 30.0, 0.4
    r = minimum_detectable_effect(b, years_pre=4, years_post=2, dilution=w, direction=direction,
                                  inference=inference)  # fmt: skip
    cur = r.curve
    assert cur is not None and cur.columns == ["rate_ratio", "rate_ratio_measured", "power"]
    if direction == "decrease":
        grid = np.round(1.0 - 0.05 * np.arange(20), 2)
    else:
        grid = np.round(1.0 + 0.1 * np.arange(21), 2)
    np.testing.assert_allclose(cur["rate_ratio"], grid, atol=1e-12)
    rr_k = 1 - w * (1 - grid)
    np.testing.assert_allclose(cur["rate_ratio_measured"], rr_k, rtol=1e-12)
    if inference == "wald":
        se = np.sqrt(1 / (4 * b) + 1 / (2 * b * rr_k))
        d = np.abs(np.log(rr_k))
        expected = stats.norm.cdf(d / se - Z975) + stats.norm.cdf(-d / se - Z975)
    else:
        expected = _score_power_by_hand(b, rr_k, 4, 2)
    np.testing.assert_allclose(cur["power"], expected, rtol=1e-12)


def test_power_at_defaults():
    """Defaults: 3 + 3 years, alpha 0.05, Poisson, no dilution, the score test without
    n_control and permutation with it (inference='auto')."""
    expected = float(exact_conditional_power(15.0, [0.7], 3, 3)[0])
    assert power_at(0.7, 15.0) == pytest.approx(expected, rel=1e-9)
    explicit = power_at(0.7, 15.0, years_pre=3, years_post=3, alpha=0.05, overdispersion=1.0,
                        dilution=1.0, inference="exact", estimator="did_poisson")  # fmt: skip
    assert power_at(0.7, 15.0) == explicit
    assert power_at(0.7, 15.0, n_control=40) == power_at(
        0.7, 15.0, n_control=40, inference="permutation"
    )
    assert power_at(0.7, 15.0, n_control=40) != power_at(0.7, 15.0, n_control=40, inference="wald")
    # vectorized over a Series, one value per baseline; a zero baseline gives nan
    s = power_at(0.7, pl.Series("b", [15.0, 0.0]))
    assert isinstance(s, pl.Series) and s[0] == pytest.approx(expected, rel=1e-12)
    assert math.isnan(s[1])


def test_measured_area_fields_control_pool_and_simulated_can_detect():
    """mde_pct_measured = 100 |1 - RR_k|; a comparison pool below one event a year is valid;
    can_detect passes method='simulation' on to power_at."""
    r = minimum_detectable_effect(2000.0, dilution=0.2, inference="wald")
    assert r.mde_pct_measured == pytest.approx(100 * (1 - r.mde_rate_ratio_measured), rel=1e-12)
    small_pool = power_at(0.8, 20.0, control_count=0.5, inference="wald")
    se = math.sqrt(1 / 60 + 1 / 48 + 2 / 1.5)
    d = -math.log(0.8)
    expected = stats.norm.cdf(d / se - Z975) + stats.norm.cdf(-d / se - Z975)
    assert small_pool == pytest.approx(expected, rel=1e-12)
    sim = can_detect(0.2, 40.0, method="simulation", n_sim=300, seed=8, inference="wald")
    assert sim.power == power_at(0.8, 40.0, method="simulation", n_sim=300, seed=8,
                                 inference="wald")  # fmt: skip
    assert sim.power != power_at(0.8, 40.0, inference="wald")


def test_power_at_and_can_detect_take_the_mde_keywords_with_its_defaults():
    """power_at and can_detect read the MDE's settings from its signature: an explicit default
    gives the same power as leaving it out, and a keyword the MDE does not take is refused."""
    from research.stats.power import can_detect, power_at

    assert power_at(0.8, 100.0) == power_at(
        0.8, 100.0, years_pre=3, years_post=3, alpha=0.05, overdispersion=1.0, per=100_000
    )
    assert can_detect(0.2, 100.0).alpha == 0.05
    assert can_detect(0.2, 100.0, power=0.9).target_power == 0.9
    with pytest.raises(
        TypeError, match=r"^power_at\(\) got an unexpected keyword argument 'yeras_pre'$"
    ):
        power_at(0.8, 100.0, yeras_pre=2)


def test_can_detect_names_itself_for_a_misspelt_keyword():
    """A keyword can_detect does not take is refused in can_detect's own name (it named
    power_at, which can_detect calls first)."""
    with pytest.raises(
        TypeError, match=r"^can_detect\(\) got an unexpected keyword argument 'powr'$"
    ):
        can_detect(0.2, 100.0, powr=0.9)


def test_can_detect_refuses_a_direction_that_contradicts_the_drop():
    """The sign of ``drop`` sets the test's direction; a ``direction`` saying otherwise was
    silently replaced, so power was computed for the opposite hypothesis from the one asked."""
    from research.core.errors import ArgumentError

    with pytest.raises(ArgumentError, match=r"direction='increase' contradicts drop=0\.2"):
        can_detect(0.2, 100.0, direction="increase")
    with pytest.raises(ArgumentError, match=r"direction='decrease' contradicts drop=-0\.2"):
        can_detect(-0.2, 100.0, direction="decrease")
    for typo in ("up", "Increase", "two-sided"):  # was silently replaced by the drop's sign
        with pytest.raises(ArgumentError, match=rf"^direction='{typo}' is not supported"):
            can_detect(0.2, 100.0, direction=typo)
    agreeing = can_detect(-0.2, 100.0, direction="increase")
    assert agreeing.power == can_detect(-0.2, 100.0).power
    assert agreeing.mde.direction == "increase"


def test_power_at_refuses_the_simulated_mde_grid():
    """``effects`` is the simulated MDE's grid of effects; power_at asks for one ``effect``,
    so the keyword is refused instead of silently ignored."""
    from research.stats.power import power_at

    with pytest.raises(TypeError, match=r"^power_at\(\) got an unexpected keyword argument"):
        power_at(0.8, 100.0, effects=[0.5])


# ---------------------------------------------------------------- Swedish error messages


@pytest.mark.parametrize(
    "call",
    [
        lambda: minimum_detectable_effect(15.0, alpha=1.5),
        lambda: can_detect(0.2, 100.0, direction="increase"),
        lambda: dilute(0.8, 0.5, 3.0),
        lambda: minimum_detectable_effect(15.0, estimator="its", years_pre=1),
        lambda: minimum_detectable_effect(15.0, baseline_rate=10.0, population=1000),
        lambda: minimum_detectable_effect(15.0, method="simulation", n_sim=5),
        lambda: minimum_detectable_effect(15.0, estimator="its", inference="score"),
    ],
)
def test_errors_are_worded_in_swedish(call):
    """Each error carries a Swedish message (``err.message("sv")``) from power_errors.toml,
    different from the English one and with no English sentence in it."""
    with pytest.raises(ArgumentError) as info:
        call()
    en, sv = str(info.value), info.value.message("sv")
    assert sv != en
    assert not english_words(sv), sv
    assert english_words(en)  # the check would see English


def test_swedish_error_keeps_the_english_message():
    with pytest.raises(ArgumentError) as info:
        dilute(0.8, 0.5, 3.0)
    assert str(info.value) == (
        "dilution × district_rate_ratio = 1.500 > 1: the pilot area would hold more events "
        "than the whole measured area; check both numbers."
    )
    assert info.value.message("sv") == (
        "dilution × district_rate_ratio = 1.500 > 1: pilotområdet skulle ha fler händelser "
        "än hela det mätta området; kontrollera båda talen."
    )


# ------------------------------------------------- randomization inference, a small treated unit


def _ri_rates(b, C, J, pre, post, rr, alpha=0.05, n=200_000, seed=5):
    """Rejection rates of the plain and the calibrated randomization test, by Monte Carlo on
    normal estimates with the delta-method variances written out here (module notes)."""
    c = C / J
    v1 = 1 / (b * pre) + 1 / (b * post * rr) + 1 / (C * pre) + 1 / (C * post)
    v1_null = 1 / (b * pre) + 1 / (b * post) + 1 / (C * pre) + 1 / (C * post)
    v0 = (1 / pre + 1 / post) * (1 / c + 1 / (C - c + b))
    rng = np.random.default_rng(seed)
    x = np.abs(rng.normal(math.log(rr), math.sqrt(v1), size=n))
    placebo = np.abs(rng.normal(0.0, math.sqrt(v0), size=(n, J)))
    k = math.floor(alpha * (J + 1) + 1e-9)
    plain = np.mean(np.sum(placebo >= x[:, None], axis=1) <= k - 1)
    calibrated = np.mean(
        np.sum(placebo / math.sqrt(v0) >= (x / math.sqrt(v1_null))[:, None], axis=1) <= k - 1
    )
    return float(plain), float(calibrated)


@pytest.mark.parametrize(
    ("b", "C"),
    [(1.0, 150.0), (4.0, 150.0), (240.0, 160.0), (5.0, 150.0)],  # small, mid, large, equal
)
def test_randomization_power_counts_no_false_alarms(b, C):
    """Flen (about 1 case a year against 30 comparison kommuner of about 5) was credited
    with 17 % power to detect a 20 % drop, Härnösand (about 4) with 3 %: the plain test's
    false alarms, when the pilot is noisier than the placebos, were counted as power."""
    kw = dict(n_control=30, control_count=C, years_pre=6, years_post=2, inference="permutation")
    for rr in (1.0, 0.8, 0.5):
        plain, calibrated = _ri_rates(b, C, 30, 6, 2, rr)
        want = min(plain, calibrated)
        se = math.sqrt(want * (1 - want) / 200_000)
        assert power_at(rr, b, **kw) == pytest.approx(want, abs=4 * se + 1e-3), (b, rr)
    # with no effect the power is the nominal size 1/31, whatever the pilot's size
    assert power_at(1.0, b, **kw) <= 1 / 31 + 1e-9


def test_randomization_power_grows_with_the_pilots_counts():
    kw = dict(n_control=30, control_count=150.0, years_pre=6, years_post=2,
              inference="permutation")  # fmt: skip
    # pilots with fewer cases than a comparison kommun (5 a year): more cases, more power
    # (a larger pilot faces the placebos' own noise, and the plain test's power falls again)
    powers = [power_at(0.8, b, **kw) for b in (0.25, 0.5, 1.0, 2.0, 4.0)]
    assert powers == sorted(powers), powers
    r = minimum_detectable_effect(1.0, **kw)
    (size,) = [n for n in r.notes if n.code == "permutation_size"]
    plain0, _ = _ri_rates(1.0, 150.0, 30, 6, 2, 1.0)
    assert size.values["size"] == pytest.approx(plain0, abs=0.01)
    assert "inte 5\u00a0%" in note_texts([size], "sv")[0]
    big = minimum_detectable_effect(240.0, **{**kw, "control_count": 160.0})
    assert "permutation_size" not in [n.code for n in big.notes]  # conservative, no note


# ------------------------------------------------------------------ the score test


def test_score_power_matches_statsmodels():
    """statsmodels' two-proportion z test power (pooled null variance) for 295 designs: pools
    of one unit's size, 20 units, a million events a year and unlimited, 1 to 10 years after,
    rate ratios 0.01 to 3, phi 1, 1.7 and 2.5, alpha 0.01 to 0.10, recorded once. The
    unlimited pool also against statsmodels' two-sample function with a pool 1e12 times the
    treated area's (the limit)."""
    cases = REF_SCORE["cases"]
    assert len(cases) == 295 and sum(c["control_count"] is None for c in cases) > 70
    for c in cases:
        got = power_at(
            c["rate_ratio"], c["baseline"], years_pre=c["years_pre"],
            years_post=c["years_post"], control_count=c["control_count"],
            overdispersion=c["overdispersion"], alpha=c["alpha"], inference="score",
        )  # fmt: skip
        assert got == pytest.approx(c["power"], rel=1e-10, abs=1e-12), c
        if c["control_count"] is None:
            assert got == pytest.approx(c["power_limit"], abs=1e-10), c
        # the hand-written form used by the other tests is the same test
        by_hand = _score_power_by_hand(
            c["baseline"], c["rate_ratio"], c["years_pre"], c["years_post"],
            c["control_count"], c["overdispersion"], z=stats.norm.ppf(1 - c["alpha"] / 2),
        )  # fmt: skip
        assert by_hand == pytest.approx(c["power"], rel=1e-10, abs=1e-12), c


def test_score_power_at_no_effect_is_alpha_and_equal_controls_use_n_control():
    for kw in (dict(), dict(control_count=40.0), dict(overdispersion=2.0, years_post=1)):
        assert power_at(1.0, 12.3, inference="score", **kw) == pytest.approx(0.05, rel=1e-12)
    # n_control equal units of the treated one's size: a pool of J b events a year
    assert power_at(0.7, 20.0, n_control=9, inference="score") == pytest.approx(
        float(_score_power_by_hand(20.0, 0.7, 3, 3, pool=180.0)), rel=1e-12
    )


def test_auto_resolves_to_exact_or_score_for_did_and_wald_for_its():
    """did_poisson against an unlimited pool: exact with at most 600 expected events over both
    periods (15 a year over 3 + 3: 90), score above (150 a year: 900) or with a finite pool."""
    assert minimum_detectable_effect(15.0).inference == "exact"
    assert minimum_detectable_effect(100.0).inference == "exact"  # 600 events: still exact
    assert minimum_detectable_effect(100.5).inference == "score"
    assert minimum_detectable_effect(150.0).inference == "score"
    assert minimum_detectable_effect(15.0, control_count=400.0).inference == "score"
    assert minimum_detectable_effect(np.array([15.0, 150.0])).inference == "exact/score"
    assert minimum_detectable_effect(15.0, n_control=40).inference == "permutation"
    assert minimum_detectable_effect(15.0, estimator="its").inference == "wald"
    assert can_detect(0.2, 15.0).mde.inference == "exact"
    assert power_at(0.7, 15.0) == power_at(0.7, 15.0, inference="exact")
    # the Wald test stays available, unchanged (its statsmodels references above)
    assert power_at(0.7, 15.0) != power_at(0.7, 15.0, inference="wald")
    with pytest.raises(ArgumentError, match="inference='score' needs estimator='did_poisson'"):
        minimum_detectable_effect(15.0, estimator="its", inference="score")
    # variance='null' is a Wald option: refused with the score test (as with permutation),
    # also when 'auto' chooses it
    for inference in ("score", "auto"):
        with pytest.raises(ArgumentError, match="variance='null' applies to inference='wald'"):
            minimum_detectable_effect(15.0, inference=inference, variance="null")
    assert minimum_detectable_effect(15.0, inference="wald", variance="null").detectable


def _score_powers(b, t0, t1, pool_factor, phi, sign, L):
    """Score power over baselines ``b`` (array) and |log RR| ``L`` (array), shape (b, L)."""
    pool = None if pool_factor is None else b * pool_factor
    model = power_mod._model(b, None, pool, t0, t1, phi, "did_poisson")
    delta = np.broadcast_to(sign * L, (b.size, L.size))
    return power_mod._power(model, np.ascontiguousarray(delta), 0.05, "score")


def test_score_power_rises_with_the_effect():
    """Baselines 0.3 to 5000 events a year, 3 years before and 1 to 10 after, unlimited, 20
    times and equal-sized comparison pools, phi 1 and 2, drops and rises, |log RR| on a grid
    of 4000 up to 8 (RR 0.0003 to 2981). (a) Once the power has reached 50 % it never falls:
    the MDE and 'not even a complete elimination' cannot contradict the curve. (b) With at
    least 7 effective events expected after the start (b T1 / phi), and for every rise, the
    power never falls after its minimum, a dip below alpha next to no effect, less than 0.001
    with 30 or more effective events expected in each period. (c) Below that, for drops,
    the normal approximation can hump and fall again, but stays below 50 %: no drop is
    detectable there (module notes)."""
    b = np.geomspace(0.3, 5000.0, 61)
    L = np.linspace(0.0, 8.0, 4001)[1:]
    humps = 0
    for t1 in (1, 2, 3, 5, 10):
        for pool_factor in (None, 20.0, 1.0):
            for phi in (1.0, 2.0):
                for sign in (-1.0, 1.0):
                    pw = _score_powers(b, 3, t1, pool_factor, phi, sign, L)
                    running_max = np.maximum.accumulate(pw, axis=1)
                    # (a)
                    reached = np.maximum.accumulate(pw >= 0.5, axis=1)
                    assert np.all(pw[reached] >= running_max[reached] - 1e-12)
                    # (b)
                    for i in range(b.size):
                        q = pw[i, np.argmin(pw[i]) :]
                        falls = np.max(np.maximum.accumulate(q) - q)
                        if sign > 0 or b[i] * t1 / phi >= 7:
                            assert falls < 1e-12, (b[i], t1, pool_factor, phi, sign)
                        if min(3, t1) * b[i] / phi >= 30:
                            assert pw[i].min() > 0.05 - 0.001, (b[i], t1, pool_factor, phi)
                        elif falls > 1e-12:  # (c)
                            humps += 1
                            assert pw[i].max() < 0.5
    assert humps > 0  # the tiny baselines do show it; the docstring says so


def test_wald_power_falls_for_large_drops_score_does_not():
    """The reviewer's Huddinge numbers: 12.3 a year, 3 + 1 years. The Wald test with the
    variance at the effect loses power as the drop grows (Hauck & Donner 1977); kept, and
    documented, but not the default."""
    kw = dict(years_pre=3, years_post=1)
    assert power_at(0.1, 12.3, inference="wald", **kw) == pytest.approx(0.7096, abs=1e-4)
    assert power_at(0.01, 12.3, inference="wald", **kw) == pytest.approx(0.3643, abs=1e-4)
    assert not minimum_detectable_effect(12.3, inference="wald", **kw).detectable
    score = [power_at(rr, 12.3, **kw) for rr in (0.5, 0.3, 0.1, 0.01, 1e-4)]
    assert score == sorted(score) and score[-1] > 0.999


def test_huddinge_complete_elimination_is_detectable():
    """12.3 estimated cases a year, 3 years before and 1 after, unlimited comparison group:
    no case in the year after the start against 12.3 expected is z = sqrt(12.3) = 3.5 by the
    score test, and the exact conditional binomial test's power (brute force over the Poisson
    total) is above 0.999 for a 99.99 % drop. The MDE exists and larger drops are detected
    with more power, close to the exact test's (which is a little conservative)."""
    kw = dict(years_pre=3, years_post=1, inference="score")
    r = minimum_detectable_effect(12.3, **kw)
    assert r.detectable and r.inference == "score"
    assert 0.2 < r.mde_rate_ratio < 0.35  # a drop of 65-80 %
    rrs = [r.mde_rate_ratio, 0.2, 0.1, 0.01, 1e-4]
    exact = exact_conditional_power(12.3, rrs, 3, 1)
    ours = np.array([power_at(rr, 12.3, **kw) for rr in rrs])
    assert exact[-1] > 0.999 and ours[-1] > 0.999
    assert np.all(np.diff(exact) >= 0) and np.all(np.diff(ours) >= 0)
    assert exact[0] == pytest.approx(0.8, abs=0.06)  # the exact test at our MDE
    np.testing.assert_allclose(ours, exact, atol=0.06)
    # z of a complete elimination against an unlimited pool is sqrt(b T1): significant iff
    # b T1 > z^2 = 3.84
    assert power_at(1e-6, 3.95, **kw) > 0.99 and power_at(1e-6, 3.7, **kw) < 0.01
    # the decision brief's years after the start: every MDE finite, shrinking with the years
    for test in ("score", "exact"):
        mdes = [minimum_detectable_effect(12.3, years_pre=3, years_post=k, inference=test)
                .mde_rate_ratio for k in (1, 2, 3, 5, 10)]  # fmt: skip
        assert all(math.isfinite(m) for m in mdes) and mdes == sorted(mdes)
    text = mde_summary(r, "en", area="Huddinge")
    assert "score test" in text and "no drop" not in text
    # the exact test's power is the brute-force one to full precision
    np.testing.assert_allclose(
        [power_at(rr, 12.3, years_pre=3, years_post=1, inference="exact") for rr in rrs],
        exact, rtol=1e-9, atol=1e-13,
    )  # fmt: skip


@pytest.mark.parametrize("years_post", [1, 3, 10])
def test_tiny_baseline_still_not_detectable(years_post):
    """0.3 cases a year: not even a complete elimination is detected with 80 % power, by our
    score test nor by the exact conditional test (brute force), and the summary says so."""
    r = minimum_detectable_effect(0.3, years_pre=3, years_post=years_post)
    assert not r.detectable and math.isnan(r.mde_rate_ratio)
    assert mde_summary(r, "en").endswith("no drop of any size is detected with 80% power.")
    rrs = [0.5, 0.2, 1e-4]
    assert np.all(exact_conditional_power(0.3, rrs, 3, years_post) < 0.1)
    assert all(power_at(rr, 0.3, years_pre=3, years_post=years_post) < 0.5 for rr in rrs)


@pytest.mark.parametrize(
    "kw",
    [
        dict(control_count=4000.0), dict(), dict(n_control=19),
        dict(control_count=4000.0, overdispersion=1.5),
    ],
    ids=["pool", "unlimited", "equal-units", "overdispersed"],
)  # fmt: skip
def test_score_simulation_agrees_with_analytic(kw):
    """Large counts (400 a year, 3 + 2 years): the score test applied to simulated totals
    rejects as often as the analytic power says, within 4 Monte Carlo SE (NB1 draws for
    phi = 1.5: the post share is then beta-binomial with variance close to phi times the
    binomial's)."""
    n_sim = 4000
    design = dict(years_pre=3, years_post=2, inference="score", **kw)
    for rr in (1.0, 0.93, 0.88):
        a = power_at(rr, 400.0, **design)
        s = power_at(rr, 400.0, method="simulation", n_sim=n_sim, seed=17, **design)
        se = math.sqrt(a * (1 - a) / n_sim)
        assert abs(s - a) < 4 * se + 0.005, (rr, a, s)


def test_simulated_score_mde_close_to_analytic():
    a = minimum_detectable_effect(150.0, control_count=3000.0)
    s = minimum_detectable_effect(150.0, control_count=3000.0, method="simulation",
                                  n_sim=3000, seed=3)  # fmt: skip
    assert s.inference == "score"
    assert s.mde_rate_ratio == pytest.approx(a.mde_rate_ratio, abs=0.015)
    assert s.curve is not None and s.curve["power"][0] == pytest.approx(0.05, abs=0.02)


def _enumerated_score_power(b, rr, yp, yq, alpha=0.05, kmax=60):
    """Exact rejection probability of the score test against an unlimited pool (post share
    against yq / (yp + yq)), summing the Poisson probabilities of every (pre, post) outcome;
    no events at all is no test."""
    i = np.arange(kmax)[:, None].astype(float)
    j = np.arange(kmax)[None, :].astype(float)
    n = i + j
    p0 = yq / (yp + yq)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(j / n - p0) / np.sqrt(p0 * (1 - p0) / n)
    z = np.where(n > 0, z, 0.0)
    prob = stats.poisson.pmf(i, b * yp) * stats.poisson.pmf(j, b * yq * rr)
    return float(np.sum(prob * (z > stats.norm.ppf(1 - alpha / 2))))


@pytest.mark.parametrize(("b", "rr"), [(0.5, 8.0), (0.8, 0.2), (3.0, 0.3)])
def test_score_simulation_with_few_events_is_the_exact_enumeration(b, rr):
    """Few events: data sets with no treated events never reject; otherwise the simulated
    score test is the enumerated one within Monte Carlo error."""
    n_sim = 4000
    s = power_at(rr, b, method="simulation", n_sim=n_sim, seed=21, years_post=1,
                 inference="score")  # fmt: skip
    exact = _enumerated_score_power(b, rr, 3, 1)
    assert abs(s - exact) < 4 * math.sqrt(exact * (1 - exact) / n_sim) + 1e-3, (s, exact)


def test_score_test_is_named_in_the_summaries():
    d = can_detect(0.2, 15.0, inference="score")
    assert "z test of the share of cases after the start (score test)" in detect_summary(d, "en")
    assert "z-test av andelen fall efter starten (score-test)" in detect_summary(d, "sv")
    w = can_detect(0.2, 15.0, inference="wald")
    assert "(Wald test)" in detect_summary(w, "en") and "(Wald-test)" in detect_summary(w, "sv")
    e = can_detect(0.2, 15.0)
    assert "a two-sided exact test of the share of cases after the start" in detect_summary(e, "en")
    assert "ett tvåsidigt exakt test av andelen fall efter starten" in detect_summary(e, "sv")


def test_score_with_dilution_says_complete_elimination_is_not_enough():
    """Stockholm (150 a year) with Södermalm's 13.3 %: the measured-area MDE (about 18 %)
    exceeds removing every Södermalm case, noted as such; with the pilot covering the whole
    kommun the same MDE is the answer."""
    r = minimum_detectable_effect(150.0, dilution=0.133)
    assert not r.detectable and [n.code for n in r.notes] == ["dilution", "dilution_exceeds"]
    whole = minimum_detectable_effect(150.0)
    assert whole.mde_pct == pytest.approx(r.mde_pct_measured, rel=1e-12)
    assert 100 * 0.133 < whole.mde_pct < 20


@pytest.mark.parametrize(
    ("b", "years_post", "lo", "hi"),
    [(12.3, 1, 0.76, 0.82), (5.0, 3, 0.76, 0.82), (8.0, 1, 0.76, 0.82), (1.4, 3, 0.5, 0.7),
     (4.0, 1, 0.45, 0.62)],
)  # fmt: skip
def test_score_power_at_the_mde_against_simulated_counts(b, years_post, lo, hi):
    """The analytic power plugs in the expected totals. With an MDE below a 90 % drop the
    score test applied to simulated counts reaches about the target at the analytic MDE; when
    the MDE is a near-complete elimination it rests on the pre-period total alone and the
    analytic power is overstated (module notes: 1.4 a year, 3 + 3 years: about 60 %)."""
    r = minimum_detectable_effect(b, years_pre=3, years_post=years_post, inference="score")
    assert r.detectable
    assert (r.mde_pct < 90) == (lo > 0.7)
    s = power_at(r.mde_rate_ratio, b, years_pre=3, years_post=years_post,
                 method="simulation", n_sim=20_000, seed=5, inference="score")  # fmt: skip
    assert lo < s < hi, s


def test_its_mde_is_that_of_the_model_the_analysis_fits() -> None:
    """The effect report's ITS has a slope change and level shifts at the 2015, 2019 and 2020
    breaks besides the level change; its MDE (variance at no effect) is the closed form with
    that design, built here column by column: phi [(X'X)^-1]_level / b."""
    b, pre, post, phi = 240.0, 13, 2, 3.15
    t = np.arange(-pre, post, dtype=float)
    after = (t >= 0).astype(float)
    X = np.column_stack([np.ones_like(t), t, after, t * after, t >= -6, t >= -2, t >= -1])
    var = phi * np.linalg.inv(X.T @ X.astype(float))[2, 2] / b
    L = (stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) * math.sqrt(var)
    kw = dict(years_pre=pre, years_post=post, estimator="its", overdispersion=phi)
    full = minimum_detectable_effect(
        b, **kw, variance="null", its_slope_change=True, its_level_shifts=[-6, -2, -1]
    )
    assert full.mde_rate_ratio_measured == pytest.approx(math.exp(-L), rel=1e-9)
    plain = minimum_detectable_effect(b, **kw, variance="null")
    assert plain.mde_pct < full.mde_pct  # every term the fit has costs precision
    assert full.inputs["its_level_shifts"] == [-6, -2, -1] and full.inputs["its_slope_change"]
    # a shift at the start is the level change itself; with one year after the start a
    # slope change cannot be told from the level change; other estimators have no such terms
    with pytest.raises(ArgumentError, match="cannot be estimated"):
        minimum_detectable_effect(b, **kw, its_level_shifts=[0])
    with pytest.raises(ArgumentError, match="cannot be estimated"):
        minimum_detectable_effect(b, **{**kw, "years_post": 1}, its_slope_change=True)
    with pytest.raises(ArgumentError, match="estimator='its' only"):
        minimum_detectable_effect(b, its_slope_change=True)
    with pytest.raises(ArgumentError, match="whole numbers"):
        minimum_detectable_effect(b, **kw, its_level_shifts=[-1.5])


def test_a_conservative_randomization_test_is_said_to_be() -> None:
    """A pilot with far more cases than each comparison unit has a quieter estimate than the
    placebos: with no effect the plain test almost never rejects (the Göteborg report showed
    a power of 0.4 % for a 10 % drop without saying why). Equal units: no such note."""
    big = minimum_detectable_effect(2000.0, years_pre=6, years_post=2, n_control=30,
                                    control_count=30 * 50.0)  # fmt: skip
    (note,) = [n for n in big.notes if n.code == "permutation_conservative"]
    assert note.values["size"] < 0.05 / 1.25 and note.values["alpha"] == 0.05
    # the plain test's size under no effect, by the same normal approximation done here:
    # P(|X| is the largest of 31) with X ~ N(0, se1^2), placebos N(0, se0^2)
    se1 = math.sqrt(1 / (2000 * 6) + 1 / (2000 * 2) + 1 / (1500 * 6) + 1 / (1500 * 2))
    c, pool = 50.0, 1500.0 - 50.0 + 2000.0
    se0 = math.sqrt((1 / 6 + 1 / 2) * (1 / c + 1 / pool))
    x = np.linspace(-12, 12, 20001) * se1
    dens = stats.norm.pdf(x, scale=se1)
    q = 2 * stats.norm.sf(np.abs(x) / se0)  # a placebo beyond |x|; none of 30: (1 - q)^30
    size = np.trapezoid(dens * (1 - q) ** 30, x)
    assert note.values["size"] == pytest.approx(size, rel=1e-3, abs=1e-12)
    text = " ".join(note_texts(big.notes, "sv"))
    assert "fast nivån är 5\u00a0%" in text and "försiktigt" in text
    equal = minimum_detectable_effect(50.0, years_pre=6, years_post=2, n_control=30)
    assert not [n for n in equal.notes if n.code.startswith("permutation_") and "size" in n.values]


# --------------------------------------------------------------------------------------------
# the exact conditional test (inference="exact"; "auto" with few events)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("b", "t0", "t1"), [(0.3, 3, 3), (1.4, 3, 3), (4.0, 3, 1), (12.3, 3, 1), (40.0, 2, 4)]
)
def test_exact_power_is_the_brute_force_sum(b, t0, t1):
    """Poisson counts: the power equals the brute-force sum over every total with scipy's
    binomtest rule, to 1e-9, for drops, rises and no effect."""
    rrs = [1.0, 0.8, 0.5, 0.1, 1e-4, 1.5]
    ours = [power_at(rr, b, years_pre=t0, years_post=t1, inference="exact") for rr in rrs]
    np.testing.assert_allclose(ours, exact_conditional_power(b, rrs, t0, t1), rtol=1e-9,
                               atol=1e-13)  # fmt: skip


@pytest.mark.parametrize(("b", "phi"), [(1.5, 1.7), (4.0, 2.5), (6.0, 1.2)])
def test_exact_power_with_overdispersion_is_the_brute_force_sum(b, phi):
    """NB1 counts (over-dispersion phi): the beta-binomial conditional of the module agrees
    with a brute-force double sum over separately drawn pre and post counts."""
    rrs = [1.0, 0.6, 0.2]
    ours = [power_at(rr, b, years_pre=3, years_post=1, overdispersion=phi, inference="exact")
            for rr in rrs]  # fmt: skip
    np.testing.assert_allclose(ours, exact_nb1_power(b, rrs, 3, 1, phi), rtol=1e-8, atol=1e-12)


def test_exact_size_never_exceeds_alpha():
    """The exact test's size is at most alpha for every baseline."""
    for b in (0.1, 0.5, 1.0, 2.3, 5.0, 9.7, 20.0, 60.0):
        for t1 in (1, 2, 5):
            for phi in (1.0, 1.6):
                kw = dict(years_pre=3, years_post=t1, overdispersion=phi, inference="exact")
                assert power_at(1.0, b, **kw) <= 0.05 + 1e-12, (b, t1, phi)


@pytest.mark.parametrize(("b", "t0", "t1"), [(5.0, 3, 3), (12.3, 3, 1), (30.0, 3, 2)])
def test_exact_mde_is_the_first_effect_reaching_the_target(b, t0, t1):
    r = minimum_detectable_effect(b, years_pre=t0, years_post=t1)
    assert r.inference == "exact" and r.detectable
    assert_first_crossing(b, r.mde_rate_ratio, t0, t1)


def test_exact_overdispersed_mde_is_the_first_effect_reaching_the_target():
    r = minimum_detectable_effect(6.0, years_pre=3, years_post=1, overdispersion=1.2)
    assert r.inference == "exact" and r.detectable
    assert_first_crossing(
        6.0, r.mde_rate_ratio, 3, 1, brute=lambda rrs: exact_nb1_power(6.0, rrs, 3, 1, 1.2)
    )


def test_exact_answers_the_few_events_case_the_score_formula_overstates():
    """1.4 events a year over 3 + 3 years: the score formula's MDE is a 99.8 % drop, where the
    score test applied to counts rejects about 60 % of the time; the exact test detects no
    drop of any size with 80 % power (a complete elimination: 25 %), and 'auto' uses it."""
    score = minimum_detectable_effect(1.4, inference="score")
    assert score.detectable and score.mde_pct > 99
    r = minimum_detectable_effect(1.4)
    assert r.inference == "exact" and not r.detectable
    assert exact_conditional_power(1.4, [1e-6], 3, 3)[0] == pytest.approx(0.247, abs=0.001)
    assert power_at(1e-6, 1.4) == pytest.approx(0.247, abs=0.001)
    assert mde_summary(r, "en").endswith("no drop of any size is detected with 80% power.")


def test_exact_simulation_agrees_with_the_exact_sum():
    """The exact test applied to simulated NB1 counts rejects as often as the exact sum."""
    n_sim = 40_000
    for b, phi in ((4.0, 1.0), (12.3, 1.7)):
        kw = dict(years_pre=3, years_post=1, overdispersion=phi, inference="exact")
        a = power_at(0.4, b, **kw)
        s = power_at(0.4, b, method="simulation", n_sim=n_sim, seed=9, **kw)
        assert abs(s - a) < 4 * math.sqrt(a * (1 - a) / n_sim) + 1e-3, (b, phi, a, s)


def test_auto_vector_answers_each_baseline_as_alone():
    """A vector across the 600-event switch: each element is the scalar call's answer."""
    bs = np.array([1.4, 15.0, 150.0, 0.0, np.nan])
    r = minimum_detectable_effect(bs)
    assert r.inference == "exact/score"
    for i, b in enumerate(bs[:3]):
        one = minimum_detectable_effect(float(b))
        np.testing.assert_allclose(r.mde_rate_ratio[i], one.mde_rate_ratio, rtol=1e-12)
    assert np.isnan(r.mde_rate_ratio[3:]).all()
    pw = power_at(0.5, bs)
    for i, b in enumerate(bs[:3]):
        assert pw[i] == pytest.approx(power_at(0.5, float(b)), rel=1e-12)


def test_exact_refuses_what_it_cannot_answer():
    for kw, words in (
        (dict(n_control=20), "very large comparison group"),
        (dict(control_count=400.0), "very large comparison group"),
        (dict(estimator="its"), "did_poisson"),
        (dict(variance="null"), "wald"),
    ):
        with pytest.raises(ArgumentError, match=words):
            minimum_detectable_effect(10.0, inference="exact", **kw)
    with pytest.raises(ArgumentError, match="20000"):
        power_at(0.9, 5000.0, inference="exact")


def test_exact_mde_of_an_increase_with_overdispersion_is_bounded_and_phi_near_one_is_poisson():
    """Review findings: blocks of 100 grid steps built acceptance regions for totals of 170x
    the baseline (142 s, 4.8 GB for this increase); phi = 1 + 1e-12 gave shapes of 1e12 whose
    log-gamma differences were rounding (increase MDE 2.142 against the Poisson 2.363, checked
    by brute force: tests/exact_power.py)."""
    import tracemalloc

    tracemalloc.start()
    r = minimum_detectable_effect(2.5, overdispersion=2.0, direction="increase")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 500 * 2**20 and r.mde_rate_ratio == pytest.approx(5.518, abs=2e-3)
    near = minimum_detectable_effect(5.0, overdispersion=1 + 1e-12, direction="increase")
    assert (
        near.mde_rate_ratio == minimum_detectable_effect(5.0, direction="increase").mde_rate_ratio
    )
    assert_first_crossing(
        5.0, 1 / near.mde_rate_ratio, 3, 3,
        brute=lambda rrs: exact_conditional_power(5.0, [1 / r for r in rrs], 3, 3),
    )  # fmt: skip


def test_exact_test_with_a_u_shaped_null_rejects_tails_not_its_trough():
    """Review finding: with shapes below 1 (0.6 events a year, phi = 3: shapes 0.9 and 0.9)
    the beta-binomial null is U-shaped, and minimum likelihood rejected the even splits, the
    outcomes that show no change (ExactShareTest(1.0, 3, 3, 5.0) rejected 10 of 20). The
    central p-value (Fay 2010) rejects only the tails; checked against scipy's betabinom."""
    from research.stats._exact_test import ExactShareTest

    t = ExactShareTest(1.0, 3, 3, 5.0, 0.05)
    assert t.acceptance(20).tolist() == list(range(21))  # tails of 0.075 each: none rejected
    t = ExactShareTest(0.6, 3, 3, 3.0, 0.05)
    n = 200
    x = np.arange(n + 1)
    pmf = stats.betabinom.pmf(x, n, 0.9, 0.9)
    assert pmf[n // 2] < pmf[0]  # U-shaped
    central = 2 * np.minimum(
        stats.betabinom.cdf(x, n, 0.9, 0.9), stats.betabinom.sf(x - 1, n, 0.9, 0.9)
    )
    rejected = x[np.minimum(central, 1) <= 0.05]
    assert rejected.tolist() == [0, 1, 2, 198, 199, 200]
    np.testing.assert_array_equal(t.rejects(x, np.full(n + 1, n)), np.isin(x, rejected))
    # the power (brute force with the same rule, tests/exact_power.py) and its size
    rrs = [1.0, 0.5, 0.05]
    ours = [power_at(rr, 0.6, overdispersion=3.0, inference="exact") for rr in rrs]
    np.testing.assert_allclose(ours, exact_nb1_power(0.6, rrs, 3, 3, 3.0), rtol=1e-7, atol=1e-12)
    assert ours[0] <= 0.05


def test_exact_power_never_falls_as_the_drop_grows_under_heavy_overdispersion():
    """Review finding: at phi = 100 (10 events a year) the power curve fell from 2.8 % at no
    effect to 0.2 % at a 95 % drop, as the trough was rejected. Now no drop is detectable and
    no point of the curve exceeds the level."""
    r = minimum_detectable_effect(10.0, overdispersion=100.0, inference="exact")
    assert not r.detectable
    assert r.curve["power"].max() <= 0.05


def test_exact_refuses_an_overdispersion_that_spreads_the_total_beyond_its_range():
    """Review finding: phi = 1e6 ran for minutes. The total (60 expected events, variance
    6e7) passes 20 000 with probability far above 1e-9: "exact" asked for is refused with the
    option named, "auto" answers with the score test."""
    from research.stats._exact_test import within_reach

    # Chernoff's bound against the tail summed from scipy (the bound is safe: never True
    # where the tail exceeds 1e-9)
    for mu, phi in ((60.0, 1e6), (60.0, 100.0), (19_000.0, 1.0), (18_000.0, 3.0), (500.0, 30.0)):
        r = mu / (phi - 1) if phi > 1 else None
        tail = stats.poisson.sf(19_999, mu) if r is None else stats.nbinom.sf(19_999, r, 1 / phi)
        assert not (within_reach(mu, 1.0, phi) and tail > 1e-9), (mu, phi, tail)
    assert within_reach(60.0, 1.0, 100.0) and not within_reach(60.0, 1.0, 1e6)
    with pytest.raises(ArgumentError, match="overdispersion"):
        minimum_detectable_effect(10.0, overdispersion=1e6, inference="exact")
    with pytest.raises(ArgumentError, match="overdispersion"):
        power_at(0.5, 10.0, overdispersion=1e6, inference="exact")
    assert minimum_detectable_effect(10.0, overdispersion=1e6).inference == "score"
    # an increase beyond reach is refused for "exact", while the decrease is answered
    with pytest.raises(ArgumentError, match=r"rate ratio 2\.5 "):
        power_at(2.5, 2000.0, inference="exact")  # 21 000 expected events
    assert power_at(0.98, 2000.0, inference="exact") > 0.05


def test_extreme_and_mistyped_design_inputs_get_a_clear_answer():
    """Review findings: overdispersion=inf raised a TypeError-like warning mess, baselines of
    1e308 and 5e-324 overflowed with RuntimeWarnings, np.int64 years were refused while True
    was taken as 1 year, and a 1e-300 rate ratio was called non-positive (1 - (1 - RR)
    rounds to 0). Each is now an ArgumentError naming the input, or the limit's answer."""
    import warnings

    for kw, words in (
        (dict(overdispersion=float("inf")), "finite number >= 1; got inf"),
        (dict(overdispersion=True), "overdispersion"),
        (dict(years_pre=True), "years_pre must be a whole number"),
        (dict(n_control=True), "n_control must be a whole number"),
    ):
        with pytest.raises(ArgumentError, match=words):
            minimum_detectable_effect(10.0, **kw)
    with pytest.raises(ArgumentError, match=r"1e\+308 events a year .* check the unit"):
        minimum_detectable_effect(1e308)
    with pytest.raises(ArgumentError, match="baseline_count holds an infinite value"):
        minimum_detectable_effect(baseline_rate=1e308, population=1e308)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way
        tiny = minimum_detectable_effect(5e-324)
        assert not tiny.detectable
        assert minimum_detectable_effect(5e-324, inference="score").detectable is False
        # NumPy integers are whole numbers: the same answer as Python's
        same = minimum_detectable_effect(10.0, years_pre=np.int64(3), n_control=np.int64(20))
        assert same.mde_rate_ratio == minimum_detectable_effect(10.0, n_control=20).mde_rate_ratio
        # the limits of the rate ratio: a complete drop, and a rise beyond any count
        assert power_at(1e-300, 5.0) == pytest.approx(power_at(1e-12, 5.0), abs=1e-12)
        score = power_at(1e-300, 5.0, inference="score")
        assert score == pytest.approx(power_at(1e-12, 5.0, inference="score"), abs=1e-9)
        assert power_at(1e300, 5.0) == 1.0


# ------------------------------------------------------------------------------------------
# ITS with an estimated scale (its_scale="estimated"): the t test's power, noncentral t
# ------------------------------------------------------------------------------------------

POWER_T = json.loads((Path(__file__).parent / "reference" / "power_t_mpmath.json").read_text())


def _its_level_var(pre: int, post: int, rr: float) -> float:
    """[(X' W X)^-1] of the level change for 1 event a year, written out here: columns 1,
    t, 1[t >= 0] over t = -pre .. post - 1, Poisson weights 1 before and rr from the start."""
    t = np.arange(-pre, post, dtype=float)
    step = (t >= 0).astype(float)
    X = np.column_stack([np.ones_like(t), t, step])
    w = np.where(step == 1, rr, 1.0)
    return float(np.linalg.inv(X.T @ (w[:, None] * X))[2, 2])


@pytest.mark.parametrize(
    "row",
    [r for r in POWER_T["power"] if r["r"] > 0],
    ids=lambda r: f"df{r['df']}-a{r['alpha']}-r{r['r']}",
)
def test_its_power_with_an_estimated_scale_is_the_noncentral_t(row):
    # n - p = df with the 3-term model: pre + post = df + 3; a baseline chosen so that the
    # level change's |log RR| / SE is the reference's noncentrality r
    pre, post = {3: (3, 3), 7: (7, 3), 12: (9, 6), 40: (30, 13)}[row["df"]]
    rr, phi = 0.7, 1.4
    b = row["r"] ** 2 * phi * _its_level_var(pre, post, rr) / math.log(rr) ** 2
    kw = dict(years_pre=pre, years_post=post, estimator="its", alpha=row["alpha"],
              overdispersion=phi)  # fmt: skip
    got = power_at(rr, b, its_scale="estimated", **kw)
    assert got == pytest.approx(row["power"], abs=1e-9)
    # the z test (scale known) is more powerful at the same design
    assert power_at(rr, b, **kw) > got


@pytest.mark.parametrize("ref", POWER_T["noncentrality"], ids=lambda r: f"df{r['df']}-{r['power']}")
def test_its_mde_with_an_estimated_scale_reaches_the_target_on_the_noncentral_t(ref):
    # variance="null": the MDE is r* standard errors at no effect, r* where the noncentral
    # t's power is the target (mpmath); Bloom's z multiplier would give 2.80 at 80 %
    pre, post = {3: (3, 3), 7: (7, 3), 12: (9, 6)}[ref["df"]]
    b, phi = 40.0, 1.0
    se0 = math.sqrt(phi * _its_level_var(pre, post, 1.0) / b)
    r = minimum_detectable_effect(
        b, years_pre=pre, years_post=post, estimator="its", its_scale="estimated",
        variance="null", power=ref["power"],
    )  # fmt: skip
    assert r.inference == "wald"
    assert -math.log(r.mde_rate_ratio) == pytest.approx(ref["r"] * se0, rel=1e-8)
    assert r.inputs["its_scale"] == "estimated"


def test_its_mde_at_the_alternative_with_an_estimated_scale_has_the_target_power():
    kw = dict(years_pre=8, years_post=3, estimator="its", overdispersion=1.5,
              its_scale="estimated")  # fmt: skip
    r = minimum_detectable_effect(15.0, **kw)
    assert power_at(r.mde_rate_ratio, 15.0, **kw) == pytest.approx(0.8, abs=1e-9)
    known = minimum_detectable_effect(15.0, **{**kw, "its_scale": "known"})
    assert r.mde_rate_ratio < known.mde_rate_ratio  # a larger drop is needed
    # 3 + 3 years leave 3 df: no drop reaches 80 % (the variance grows as RR -> 0)
    assert not minimum_detectable_effect(15.0, **{**kw, "years_pre": 3}).detectable


def test_its_scale_is_checked():
    with pytest.raises(ArgumentError, match=r"its_scale='sometimes' is not supported"):
        minimum_detectable_effect(15.0, estimator="its", its_scale="sometimes")
    with pytest.raises(ArgumentError, match=r"apply to estimator='its' only"):
        minimum_detectable_effect(15.0, its_scale="estimated")
    with pytest.raises(ArgumentError, match=r"3 terms but only 3 years") as e:
        power_at(0.5, 15.0, years_pre=2, years_post=1, estimator="its", its_scale="estimated")
    assert "inga residualfrihetsgrader" in e.value.message("sv")
    # a known scale needs no residual degrees of freedom
    assert power_at(0.5, 15.0, years_pre=2, years_post=1, estimator="its") > 0
