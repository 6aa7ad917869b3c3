"""Tests of research.stats.glm against statsmodels (recorded by
tests/reference/make_glm_reference.py)
and closed forms."""

from __future__ import annotations

import doctest
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import special

import research.stats.glm as glm_mod
from research.core.errors import ArgumentError, DesignError, EstimationError
from research.stats.glm import (
    cluster_covariance,
    fit_glm,
    fit_negbin,
    nb2_alpha,
    separated_observations,
    unidentified_terms,
    zero_fitted,
)

REF = json.loads((Path(__file__).parent / "reference" / "glm_statsmodels.json").read_text())
NB2 = json.loads(
    (Path(__file__).parent / "reference" / "nb2_profile_statsmodels.json").read_text()
)["cases"]
X = np.array(REF["X"])
OFF = np.array(REF["offset"])
GROUPS = np.array(REF["groups"])
N, K = X.shape


def test_gaussian_matches_statsmodels_ols():
    y = np.array(REF["y_gauss"])
    ref = REF["gaussian"]
    fit = fit_glm(X, y)
    np.testing.assert_allclose(fit.params, ref["params"], rtol=1e-10)
    np.testing.assert_allclose(fit.se, ref["bse"], rtol=1e-10)
    assert fit.scale == pytest.approx(ref["scale"], rel=1e-10)
    assert fit.loglike == pytest.approx(ref["llf"], rel=1e-10)
    assert fit.deviance == pytest.approx(ref["ssr"], rel=1e-10)
    assert fit.pearson_chi2 == pytest.approx(ref["ssr"], rel=1e-10)
    assert (fit.df_resid, fit.nobs, fit.family, fit.alpha) == (N - K, N, "gaussian", None)
    np.testing.assert_allclose(fit.mu, X @ fit.params, rtol=1e-12)
    np.testing.assert_allclose(fit.cov, ref["scale"] * np.linalg.inv(X.T @ X), rtol=1e-9)
    V, G = cluster_covariance(fit, X, y, GROUPS)
    assert G == 6
    np.testing.assert_allclose(np.sqrt(np.diag(V)), ref["cluster_bse"], rtol=1e-9)


def test_gaussian_with_offset_and_perfect_fit():
    """The offset is subtracted before least squares."""
    x = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 3.0]])
    off = np.array([1.0, -1.0, 0.5, 2.0])
    fit = fit_glm(x, off + 2.0 + 3.0 * x[:, 1], offset=off)
    np.testing.assert_allclose(fit.params, [2.0, 3.0], atol=1e-12)
    np.testing.assert_allclose(fit.eta, off + 2.0 + 3.0 * x[:, 1], atol=1e-12)
    assert fit.deviance == pytest.approx(0.0, abs=1e-20)
    just = fit_glm(np.ones((1, 1)), np.array([3.0]))
    assert math.isnan(just.scale)


@pytest.mark.parametrize("key", ["poisson", "negbin_fixed"])
def test_poisson_and_fixed_alpha_negbin_match_statsmodels(key):
    ref = REF[key]
    y = np.array(REF["y_pois" if key == "poisson" else "y_nb"])
    fam = "poisson" if key == "poisson" else "negbin"
    alpha = ref.get("alpha")
    fit = fit_glm(X, y, family=fam, offset=OFF, alpha=alpha)
    assert fit.converged and fit.n_iter < 50
    # NB2's log link is not canonical: Fisher scoring converges linearly and the deviance
    # rule stops it with coefficients about 4e-7 (relative) from statsmodels' optimum
    rtol = 1e-9 if fam == "poisson" else 2e-6
    np.testing.assert_allclose(fit.params, ref["params"], rtol=rtol)
    np.testing.assert_allclose(fit.se, ref["bse"], rtol=max(rtol, 1e-8))
    assert fit.scale == 1.0
    assert fit.deviance == pytest.approx(ref["deviance"], rel=rtol)
    assert fit.pearson_chi2 == pytest.approx(ref["pearson_chi2"], rel=rtol)
    assert fit.loglike == pytest.approx(ref["llf"], rel=1e-10)
    assert fit.alpha == alpha and fit.family == fam and fit.df_resid == N - K
    np.testing.assert_allclose(fit.eta, X @ fit.params + OFF, rtol=1e-12)
    np.testing.assert_allclose(fit.mu, np.exp(fit.eta), rtol=1e-12)
    x2 = fit_glm(X, y, family=fam, offset=OFF, alpha=alpha, scale="x2")
    np.testing.assert_allclose(x2.se, ref["bse_x2"], rtol=max(rtol, 1e-8))
    assert x2.scale == pytest.approx(ref["scale_x2"], rel=rtol)
    V, G = cluster_covariance(fit, X, y, GROUPS)
    assert G == 6
    np.testing.assert_allclose(np.sqrt(np.diag(V)), ref["cluster_bse"], rtol=max(rtol, 1e-8))


def test_negbin_ml_matches_statsmodels():
    ref = REF["negbin_ml"]
    y = np.array(REF["y_nb"])
    fit = fit_negbin(X, y, offset=OFF)
    assert fit.alpha == pytest.approx(ref["alpha"], rel=1e-7)
    np.testing.assert_allclose(fit.params, ref["ml_params"], rtol=1e-8)
    np.testing.assert_allclose(fit.se, ref["bse"], rtol=1e-6)
    assert fit.loglike == pytest.approx(ref["ml_llf"], rel=1e-10)
    assert fit.deviance == pytest.approx(ref["deviance"], rel=1e-6)
    assert fit.pearson_chi2 == pytest.approx(ref["pearson_chi2"], rel=1e-6)
    V, _ = cluster_covariance(fit, X, y, GROUPS)
    np.testing.assert_allclose(np.sqrt(np.diag(V)), ref["cluster_bse"], rtol=1e-6)


def test_negbin_intercept_only_closed_form():
    """Intercept only: the ML mean is the sample mean; alpha solves the profile score."""
    ref = REF["negbin_intercept_only"]
    y = np.array(ref["y"])
    fit = fit_negbin(np.ones((6, 1)), y)
    assert math.exp(fit.params[0]) == pytest.approx(y.mean(), rel=1e-10)
    assert fit.alpha == pytest.approx(ref["alpha"], rel=1e-7)
    assert fit.loglike == pytest.approx(ref["llf"], rel=1e-10)
    theta = 1 / fit.alpha
    score = np.sum(special.digamma(y + theta) - special.digamma(theta) - np.log1p(y.mean() / theta))
    assert score == pytest.approx(0.0, abs=1e-8)


def test_negbin_without_overdispersion_is_poisson():
    """Equal counts: no over-dispersion, alpha is 0 and the fit is the Poisson one."""
    x = np.column_stack([np.ones(6), np.arange(6.0)])
    y = np.array([10.0, 10.0, 10.0, 10.0, 10.0, 10.0])
    fit = fit_negbin(x, y)
    pois = fit_glm(x, y, family="poisson")
    assert fit.alpha == 0.0 and fit.family == "negbin"
    np.testing.assert_allclose(fit.params, pois.params, atol=1e-9)
    np.testing.assert_allclose(fit.se, pois.se, rtol=1e-6)


def _nb2_case(case):
    y = np.asarray(case["counts"], dtype=float)
    if "X" in case:
        return np.asarray(case["X"], dtype=float), y, np.log(case["exposures"])
    t = np.asarray(case["years"], dtype=float)
    X = np.column_stack([np.ones(t.size), t - t.mean()])
    return X, y, np.log(case["exposures"])


def test_the_nb2_reference_cases_have_the_shapes_they_are_for():
    # the score at alpha = 0 is negative (the likelihood falls away from the Poisson limit)
    # and an inside maximum follows, higher or lower than the limit; the sharp peak is
    # narrower than the search grid's step (0.5 in log alpha)
    for name in ("bimodal_interior", "rising_interior", "bimodal_boundary", "sharp_peak"):
        assert NB2[name]["score_at_zero_sign"] == -1 and len(NB2[name]["local_maxima"]) == 1
    peak, dip = NB2["sharp_peak"]["local_maxima"][0], NB2["sharp_peak"]["local_minima"][0]
    assert peak[1] - NB2["sharp_peak"]["poisson_llf"] < 1.0 < peak[1] - dip[1]
    assert NB2["tiny_alpha"]["ml"]["alpha"] * max(NB2["tiny_alpha"]["counts"]) < 0.5


@pytest.mark.parametrize("name", sorted(NB2))
def test_negbin_finds_the_global_maximum_of_the_profile_likelihood(name):
    """The ML estimate is the higher of the profile's maxima and the Poisson limit, as found
    on statsmodels' profile grid and polished by its Newton (which itself ends at the dip
    from most starts), also with an outlying count, a peak narrower than the search grid and
    a million events a year with alpha about 5e-8."""
    case = NB2[name]
    X, y, off = _nb2_case(case)
    alpha, beta = nb2_alpha(X, y, offset=off)
    fit = fit_negbin(X, y, offset=off)
    ml = case["ml"]
    if ml["at_boundary"]:
        assert case["local_maxima"][0][1] < case["poisson_llf"]
        assert alpha == 0.0 and fit.alpha == 0.0
        np.testing.assert_allclose(beta, case["poisson_params"], rtol=1e-9)
        assert fit.loglike == pytest.approx(case["poisson_llf"], abs=1e-9)
        np.testing.assert_allclose(fit.se, case["poisson_bse"], rtol=1e-8)
        return
    assert ml["llf"] > case["poisson_llf"]
    assert alpha == pytest.approx(ml["alpha"], rel=1e-6)
    assert fit.alpha == alpha and fit.converged
    # statsmodels' Newton stops within about 2e-6 of the coefficients; the likelihood
    # shows which is closer to the maximum: ours is never below
    np.testing.assert_allclose(beta, ml["params"], rtol=1e-5)
    np.testing.assert_allclose(fit.params, ml["params"], rtol=1e-5)
    assert fit.loglike == pytest.approx(ml["llf"], abs=1e-6 * (1 + abs(ml["llf"])))
    assert fit.loglike >= ml["llf"] - 1e-9 * (1 + abs(ml["llf"]))
    np.testing.assert_allclose(fit.se, ml["bse"], rtol=1e-5)


def test_negbin_at_the_poisson_limit_is_the_poisson_fit_even_when_separated():
    # zero counts before a level shift that only its term running to infinity fits: the
    # Poisson limit wins, and its fit (the limit IRLS reaches) is returned as it is; an
    # alpha of 1e-8 put in its place ran off to loglike -9.65e10
    t = np.arange(6.0) - 2.5
    X = np.column_stack([np.ones(6), t, (np.arange(6) >= 2).astype(float)])
    y = np.array([0.0, 0.0, 5.0, 7.0, 6.0, 8.0])
    pois = fit_glm(X, y, family="poisson")
    nb = fit_negbin(X, y)
    assert nb.alpha == 0.0 and nb.family == "negbin"
    np.testing.assert_array_equal(nb.params, pois.params)
    assert nb.loglike == pois.loglike > -8.0


def test_nb2_alpha_takes_the_poisson_start_and_checks_it():
    case = NB2["bimodal_interior"]
    X, y, off = _nb2_case(case)
    alpha, _ = nb2_alpha(X, y, offset=off, start=np.array(case["poisson_params"]))
    assert alpha == pytest.approx(case["ml"]["alpha"], rel=1e-6)
    with pytest.raises(ArgumentError, match="start"):
        nb2_alpha(X, y, offset=off, start=np.zeros(3))
    with pytest.raises(ArgumentError, match="non-negative"):
        nb2_alpha(X, -y, offset=off)
    assert nb2_alpha(X, np.zeros(8), offset=off)[0] == 0.0


def test_negbin_whose_likelihood_keeps_rising_is_an_estimation_error(monkeypatch):
    # With a positive count the NB2 likelihood falls to -inf as alpha -> inf, so real data
    # reach the grid's end only when it is set below the maximum, as here (alpha = 0.34).
    monkeypatch.setattr(glm_mod, "_NB2_HIGH", -2.0)
    X, y, off = _nb2_case(NB2["bimodal_interior"])
    with pytest.raises(EstimationError, match=r"still increases at alpha = 0\.117 ") as e:
        fit_negbin(X, y, offset=off)
    assert "overdispersion='quasi'" in str(e.value)
    assert "ökar fortfarande vid alpha = 0,117" in e.value.message("sv")


def test_poisson_closed_form_two_groups():
    """Two groups: exp(slope) is the ratio of the group totals, SE^2 = 1/sum1 + 1/sum2."""
    x = np.column_stack([np.ones(4), [0.0, 0.0, 1.0, 1.0]])
    y = np.array([10.0, 12.0, 20.0, 24.0])
    fit = fit_glm(x, y, family="poisson")
    assert math.exp(fit.params[1]) == pytest.approx(2.0, rel=1e-12)
    assert fit.se[1] == pytest.approx(math.sqrt(1 / 22 + 1 / 44), rel=1e-10)
    # deviance by hand: 2 sum y log(y/mu), mu = group means 11, 11, 22, 22
    mu = np.array([11.0, 11.0, 22.0, 22.0])
    assert fit.deviance == pytest.approx(2 * np.sum(y * np.log(y / mu)), rel=1e-10)
    assert fit.pearson_chi2 == pytest.approx(np.sum((y - mu) ** 2 / mu), rel=1e-10)
    # a start value reaches the same optimum
    again = fit_glm(x, y, family="poisson", start=np.array([2.0, 0.1]))
    np.testing.assert_allclose(again.params, fit.params, rtol=1e-10)


def test_zero_counts_keep_the_deviance_finite():
    x = np.column_stack([np.ones(4), [0.0, 0.0, 1.0, 1.0]])
    y = np.array([0.0, 2.0, 5.0, 3.0])
    fit = fit_glm(x, y, family="poisson")
    mu = np.array([1.0, 1.0, 4.0, 4.0])
    expected = 2 * np.sum(special.xlogy(y, y / mu) - (y - mu))
    assert fit.deviance == pytest.approx(expected, rel=1e-10)
    nb = fit_glm(x, y, family="negbin", alpha=0.5)
    theta = 2.0
    dev = 2 * np.sum(special.xlogy(y, y / mu) - (y + theta) * np.log((y + theta) / (mu + theta)))
    assert nb.deviance == pytest.approx(dev, rel=1e-9)


def test_cluster_covariance_by_hand():
    """OLS with 3 clusters of 2: V = c B (sum_g s_g s_g') B, c = G/(G-1) (N-1)/(N-K)."""
    x = np.column_stack([np.ones(6), [0, 1, 0, 1, 0, 1.0]])
    y = np.array([1.0, 2.0, 2.0, 5.0, 3.0, 5.0])
    fit = fit_glm(x, y)
    V, G = cluster_covariance(fit, x, y, np.array(["a", "a", "b", "b", "c", "c"]))
    B = np.linalg.inv(x.T @ x)
    r = y - x @ fit.params
    S = np.array([x[i : i + 2].T @ r[i : i + 2] for i in (0, 2, 4)])
    c = 3 / 2 * 5 / 4
    np.testing.assert_allclose(V, c * B @ S.T @ S @ B, rtol=1e-12)
    assert G == 3
    with pytest.raises(DesignError, match="two clusters"):
        cluster_covariance(fit, x, y, np.zeros(6))


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (dict(family="binomial"), "family"),
        (dict(scale="hc1"), "scale"),
        (dict(family="negbin"), "alpha"),
        (dict(family="negbin", alpha=0.0), "alpha"),
        (dict(offset=np.zeros(3)), "offset"),
    ],
)
def test_invalid_arguments(kw, match):
    x = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 3.0]])
    with pytest.raises(ArgumentError, match=match):
        fit_glm(x, np.array([1.0, 2.0, 3.0, 4.0]), **kw)


def test_invalid_data():
    x = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 3.0]])
    with pytest.raises(ArgumentError, match="do not match"):
        fit_glm(x, np.ones(3))
    with pytest.raises(ArgumentError, match="finite"):
        fit_glm(x, np.array([1.0, np.nan, 1.0, 1.0]))
    with pytest.raises(DesignError, match="rank"):
        fit_glm(np.column_stack([x, x[:, 1]]), np.ones(4))
    with pytest.raises(ArgumentError, match="non-negative"):
        fit_glm(x, np.array([1.0, -1.0, 1.0, 1.0]), family="poisson")
    with pytest.raises(ArgumentError, match="non-negative"):
        fit_negbin(x, np.array([1.0, -1.0, 1.0, 1.0]))


def test_docstring_examples_run():
    res = doctest.testmod(glm_mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0 and res.failed == 0


def test_exact_fit_is_relative_to_the_outcome():
    from research.stats.glm import is_exact_fit, rounding_floor

    eps = np.finfo(float).eps
    assert rounding_floor(2.0, 50) == pytest.approx(100 * 50 * eps * 2.0)
    # the same relative rounding error is exact on any scale; a real residual is not,
    # however small the outcome's units
    for scale in (1e-9, 1.0, 1e9):
        y = scale * np.array([3.0, 5.0, 7.0, 9.0])
        assert is_exact_fit(y, y * (1 + 4 * eps))
        assert not is_exact_fit(y, y + scale * np.array([0, 0, 0, 1e-6]))
    assert is_exact_fit(np.zeros(3), np.zeros(3))


def test_unidentified_terms_are_those_only_separated_zeros_determine():
    # the zero is the only observation of the third term: that term alone runs to -inf;
    # the rest is the Poisson fit of the other counts (log of group means, closed form)
    X = np.column_stack([np.ones(6), [0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 0, 1.0]])
    y = np.array([4.0, 6.0, 9.0, 11.0, 2.0, 0.0])
    fit = fit_glm(X, y, family="poisson")
    assert unidentified_terms(X, y, fit.mu).tolist() == [False, False, True]
    assert zero_fitted(y, fit.mu).tolist() == [False] * 5 + [True]
    assert np.exp(fit.params[0]) == pytest.approx(4.0, rel=1e-9)  # mean of 4, 6, 2
    assert np.exp(fit.params[1]) == pytest.approx(10.0 / 4.0, rel=1e-9)
    # a zero shared with positive counts of the same cell is fitted at a finite mean
    X2 = np.column_stack([np.ones(6), [0, 0, 1, 1, 1, 0.0]])
    y2 = np.array([4.0, 6.0, 0.0, 3.0, 6.0, 2.0])
    fit2 = fit_glm(X2, y2, family="poisson")
    assert fit2.mu[2] == pytest.approx(3.0, rel=1e-9)  # the cell's mean (0 + 3 + 6) / 3
    assert not unidentified_terms(X2, y2, fit2.mu).any()
    # every count zero in a cell of two terms: both free, the intercept not
    X3 = np.column_stack([np.ones(5), [0, 0, 1, 1, 0], [0, 0, 0, 1, 0.0]])
    y3 = np.array([3.0, 5.0, 0.0, 0.0, 4.0])
    fit3 = fit_glm(X3, y3, family="poisson")
    assert unidentified_terms(X3, y3, fit3.mu).tolist() == [False, True, True]


# ------------------------------------------------------------------ separation before a fit


def _trend_design(years, breaks=()):
    years = np.asarray(years, dtype=float)
    cols = [np.ones_like(years), years]  # years not centred: columns of very different size
    cols += [(years >= b).astype(float) for b in breaks]
    return np.column_stack(cols)


@pytest.mark.parametrize(
    ("counts", "breaks", "separated"),
    [
        # worked out by hand: zeros that a direction of the coefficients can lower while the
        # linear predictor of every positive count stays put (Santos Silva & Tenreyro 2010)
        ([0, 0, 0, 0, 5], (), [0, 1, 2, 3]),  # the slope alone, upwards
        ([5, 0, 0, 0, 0], (), [1, 2, 3, 4]),  # downwards
        ([0, 0, 0, 1, 5], (), []),  # two positive counts fix the slope
        ([0, 1, 0, 0, 0], (), []),  # a zero either side of the one positive count
        ([0, 0, 0, 0, 0], (), [0, 1, 2, 3, 4]),
        ([0, 0, 0, 4, 5, 6, 7], (3,), [0, 1, 2]),  # a segment before a level shift
        ([3, 4, 5, 6, 0, 0, 0], (4,), [4, 5, 6]),
        ([0, 0, 0, 4, 5, 1, 0], (3,), [0, 1, 2]),  # the late zeros are fitted by the trend
        ([2, 3, 0, 0, 5, 6, 7], (2, 4), [2, 3]),  # the middle of two shifts
        ([0, 3, 0, 0, 5, 6, 7], (2, 4), [2, 3]),  # ... and not the first year
        ([1, 3, 0, 0, 0, 6, 7], (2, 4), [2, 3]),  # the 2nd segment, one year of the 3rd
        ([0, 0, 4, 0, 0, 6, 0], (2, 4), [0, 1]),  # the first segment has no case
        ([0, 2, 4, 0, 0, 6, 0], (2, 4), []),  # one in each: the zeros are fitted finitely
    ],
)
def test_separated_observations_by_hand(counts, breaks, separated):
    X = _trend_design(2015 + np.arange(len(counts)), [2015 + b for b in breaks])
    got = separated_observations(X, np.array(counts, dtype=float))
    assert np.flatnonzero(got).tolist() == separated


def test_separated_observations_in_a_two_way_poisson_did():
    # a unit with no events at all, and a period in which no unit had one: both separated
    # (the unit's and the period's fixed effects run to minus infinity); the rest is not
    units, periods = np.repeat(np.arange(4), 5), np.tile(np.arange(5), 4)
    y = np.array([3, 4, 0, 5, 6, 0, 0, 0, 0, 0, 2, 1, 0, 3, 2, 4, 2, 0, 1, 5], dtype=float)
    X = np.column_stack(
        [np.ones(20)]
        + [(units == u).astype(float) for u in range(1, 4)]
        + [(periods == t).astype(float) for t in range(1, 5)]
    )
    got = np.flatnonzero(separated_observations(X, y)).tolist()
    assert got == sorted({5, 6, 7, 8, 9} | {2, 12, 17})
    # the fit agrees once it has run: those counts' fitted means went to zero
    fit = fit_glm(X, y, family="poisson")
    assert set(got) <= set(np.flatnonzero(zero_fitted(y, fit.mu)).tolist())


def _controlled_its_with_an_empty_comparison_start():
    """A controlled ITS design (research.stats.its.its_design) whose comparison series has
    no case before the interruption: its intercept runs to minus infinity."""
    from research.stats.its import its_design

    years = np.arange(2010.0, 2020.0)
    x, _ = its_design(np.concatenate([years, years]), 2015.0, group=np.repeat([1.0, 0.0], 10))
    y = np.array([5, 6, 7, 8, 9, 6, 7, 8, 9, 10, 0, 0, 0, 0, 0, 3, 4, 5, 4, 3], dtype=float)
    return x, y


def test_irls_never_takes_a_step_that_raises_the_deviance():
    """Step-halving keeps the deviance from rising from one iterate to the next (Marschner
    2011). On this separated design a step at iteration 31 sent a fitted mean to 1.5e16 and
    was accepted, the deviance went from 0.746 to 3e16, the next tiny change of it read as
    convergence, and the ITS reported a level change of 1.8e23 with p = 0. The deviance of
    the fit after m iterations must not rise with m, and the zeros' fitted means must head
    to 0 (statsmodels' GLM stops at deviance 0.74615603511 with them below 1e-10)."""
    x, y = _controlled_its_with_an_empty_comparison_start()
    deviances = [fit_glm(x, y, family="poisson", max_iter=m).deviance for m in range(1, 41)]
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(deviances))
    fit = fit_glm(x, y, family="poisson")
    assert fit.deviance <= 0.7461560351051234 + 1e-9
    assert np.all(fit.mu[10:15] < 1e-10)
    assert unidentified_terms(x, y, fit.mu).any()


def test_a_fit_stopped_by_its_iteration_limit_says_so():
    x = np.column_stack([np.ones(6), np.arange(6.0)])
    y = np.array([3.0, 5.0, 4.0, 9.0, 12.0, 20.0])
    for m in (1, 2, 3):
        fit = fit_glm(x, y, family="poisson", max_iter=m)
        assert (fit.converged, fit.n_iter) == (False, m)
    full = fit_glm(x, y, family="poisson")
    assert full.converged and 3 < full.n_iter < 200


def test_pearson_scale_needs_residual_degrees_of_freedom():
    x = np.column_stack([np.ones(2), [0.0, 1.0]])
    y = np.array([4.0, 9.0])
    assert fit_glm(x, y, family="poisson").df_resid == 0  # the model scale needs none
    with pytest.raises(EstimationError, match=r"2 observations and 2 parameters") as err:
        fit_glm(x, y, family="poisson", scale="x2")
    assert "2 observationer och 2 parametrar" in err.value.message("sv")


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (dict(scale="hc1"), "hc1"),
        (dict(family="negbin", alpha=math.inf), "finite alpha"),
        (dict(family="negbin", alpha=math.nan), "finite alpha"),
        (dict(family="poisson", max_iter=0), "max_iter=0"),
        (dict(family="poisson", tol=math.nan), "tol=nan"),
        (dict(family="poisson", start=np.zeros(3)), r"column of X \(2\)"),
    ],
)
def test_invalid_settings_are_named_in_both_languages(kw, match):
    x = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 3.0]])
    with pytest.raises(ArgumentError, match=match) as err:
        fit_glm(x, np.array([1.0, 2.0, 3.0, 4.0]), **kw)
    assert err.value.message("sv") != str(err.value)  # a Swedish message of its own


def test_negbin_input_errors_have_a_swedish_message():
    x = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 3.0]])
    with pytest.raises(ArgumentError) as err:
        fit_negbin(x, np.array([1.0, -1.0, 1.0, 1.0]))
    assert err.value.message("sv") != str(err.value)


def test_cluster_covariance_refuses_labels_it_cannot_group():
    x = np.column_stack([np.ones(6), [0, 1, 0, 1, 0, 1.0]])
    y = np.array([1.0, 2.0, 2.0, 5.0, 3.0, 5.0])
    fit = fit_glm(x, y)
    for labels in (
        np.array([0, 0, 1, 1, None, 2], dtype=object),  # a missing label
        np.array([0, 0, 1, 1, np.nan, np.nan]),  # NaN labels would form one cluster
        np.array([0, 0, 1, 1, 2]),  # one label short
    ):
        with pytest.raises(ArgumentError, match="one label per observation"):
            cluster_covariance(fit, x, y, labels)
    with pytest.raises(ArgumentError, match=r"n_nested=2 must lie in \[0, 2\)") as err:
        cluster_covariance(fit, x, y, np.array([0, 0, 1, 1, 2, 2]), n_nested=2)
    assert "n_nested=2" in err.value.message("sv")
    # string labels group as their numbers would
    V, G = cluster_covariance(fit, x, y, np.array(["a", "a", "b", "b", "c", "c"]))
    V0, _ = cluster_covariance(fit, x, y, np.array([0, 0, 1, 1, 2, 2]))
    assert G == 3
    np.testing.assert_array_equal(V, V0)


def test_unidentified_terms_is_a_boolean_mask():
    x = np.column_stack([np.ones(6), [0, 0, 0, 1, 1, 1.0]])
    y = np.array([0.0, 0.0, 0.0, 4.0, 5.0, 6.0])
    fit = fit_glm(x, y, family="poisson")
    free = unidentified_terms(x, y, fit.mu)
    assert free.dtype == bool and free.tolist() == [True, True]
    ok = unidentified_terms(x, np.array([1.0, 0, 2, 4, 5, 6]), np.ones(6))
    assert ok.dtype == bool and not ok.any()


def test_nb2_alpha_on_a_flat_profile_is_the_poisson_limit():
    """Counts 0,...,0,1 with a trend: the fit runs to the data (a mean of 1 for the 1, of 0
    for the zeros), where the NB2 probability of the 1 is largest at alpha = 0 (Poisson's
    e^-1 against 1/(1 + alpha)^(1 + 1/alpha) < e^-1). The profile is flat to rounding
    there, so the score's sign is no guide and the values themselves are maximised."""
    for n in (6, 8):
        x = np.column_stack([np.ones(n), np.arange(n) - n / 2])
        y = np.zeros(n)
        y[-1] = 1.0
        alpha, beta = nb2_alpha(x, y)
        assert alpha == 0.0 and beta.shape == (2,)


def test_edges_of_the_glm_helpers_by_hand():
    """Closed forms at the edges the mutation run found untested."""
    from research.stats.glm import cr1_factor

    # two clusters are enough for CR1: G/(G-1) * (N-1)/(N-K) = 2 * 9/8
    assert cr1_factor(10, 2, 2) == pytest.approx(2 * 9 / 8)
    with pytest.raises(ArgumentError, match="G >= 2"):
        cr1_factor(10, 2, 1)
    # all counts zero: every term is free (nothing pins the level)
    x = np.column_stack([np.ones(4), np.arange(4.0)])
    assert unidentified_terms(x, np.zeros(4), np.full(4, 1e-300)).tolist() == [True, True]
    # a mean count below 0.1 (19 zeros, one 1): the intercept-only fit is log(1/20)
    fit = fit_glm(np.ones((20, 1)), np.r_[np.zeros(19), 1.0], family="poisson")
    assert fit.converged and fit.params[0] == pytest.approx(math.log(1 / 20), abs=1e-10)
    # the rank in the message of a collinear design, in both languages
    with pytest.raises(DesignError, match="has 3 columns but rank 2") as err:
        fit_glm(np.column_stack([x, 2 * x[:, 1]]), np.ones(4))
    assert "3 kolumner men rang 2" in err.value.message("sv")
    for kw in (dict(family="binomial"), dict(family="poisson")):
        y = np.array([1.0, -1.0, 1.0, 1.0])
        with pytest.raises(ArgumentError) as err:
            fit_glm(x, y, **kw)
        assert err.value.message("sv") != str(err.value)
