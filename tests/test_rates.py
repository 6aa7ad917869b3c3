"""Tests of research.stats.rates against independent values.

Sources of the reference values:

* published tables of exact (Garwood) 95 % Poisson limits for small counts, and the printed
  output of R's ``?poisson.test`` examples;
* tests/reference/rates_reference.json, written by tests/reference/make_rates_reference.py
  (mpmath brute-force root finding on Poisson/binomial tail sums, exact rational arithmetic
  for the "minlike" p-value, statsmodels GLM / NegativeBinomial for the trends);
* tests/reference/trend_separation_statsmodels.json, written by
  tests/reference/make_trend_separation.py (statsmodels on the years left once a trend's
  separated zero counts, found by hand, are dropped);
* closed forms computed in the tests with the ``math`` module.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from research.core.errors import ArgumentError, DesignError, EstimationError
from research.data.catalog import SeriesBreak
from research.stats.rates import (
    DEFAULT_MIN_COUNT,
    display_value,
    poisson_rate_ci,
    poisson_trend,
    pooled_rate,
    pooled_rates,
    rate_difference,
    rate_ratio,
    suppress_small,
    suppression_mask,
    with_rate_ci,
)

REF = json.loads((Path(__file__).parent / "reference" / "rates_reference.json").read_text())
#: statsmodels on the years left once separated zero counts are dropped
#: (tests/reference/make_trend_separation.py)
SEPARATION = json.loads(
    (Path(__file__).parent / "reference" / "trend_separation_statsmodels.json").read_text()
)


# --------------------------------------------------------------------------------------------
# one rate
# --------------------------------------------------------------------------------------------

# Exact 95 % confidence limits for a Poisson count, as printed in standard tables (e.g. the
# table of Poisson confidence limits in Breslow & Day 1987, appendix; Ulm 1990), to the
# printed precision.
PUBLISHED_GARWOOD_95 = [
    (0, 0.0, 3.689),
    (1, 0.0253, 5.572),
    (2, 0.242, 7.225),
    (5, 1.623, 11.668),
    (10, 4.795, 18.390),
]


@pytest.mark.parametrize(("count", "lower", "upper"), PUBLISHED_GARWOOD_95)
def test_exact_interval_matches_published_table(count, lower, upper):
    ci = poisson_rate_ci(count, 1, per=1)
    assert ci.lower == pytest.approx(lower, abs=5e-4 if lower < 0.1 else 5e-3)
    assert ci.upper == pytest.approx(upper, abs=5e-4)
    if count == 0:
        assert ci.lower == 0.0  # exactly


def test_exact_interval_matches_r_poisson_test_one_sample():
    # ?poisson.test: poisson.test(137, 24.19893) prints the rate 5.661407 and the 95 percent
    # confidence interval 4.753125 6.692709.
    ci = poisson_rate_ci(137, 24.19893, per=1)
    assert ci.rate == pytest.approx(5.661407, abs=5e-7)
    assert ci.lower == pytest.approx(4.753125, abs=5e-7)
    assert ci.upper == pytest.approx(6.692709, abs=5e-7)


@pytest.mark.parametrize("method", ["exact", "midp"])
def test_intervals_match_bruteforce_root_finding(method):
    rows = REF["poisson_exact" if method == "exact" else "poisson_midp"]
    counts = np.array([r["count"] for r in rows], dtype=float)
    levels = sorted({r["level"] for r in rows})
    for level in levels:
        sel = [r for r in rows if r["level"] == level]
        x = np.array([r["count"] for r in sel], dtype=float)
        ci = poisson_rate_ci(x, 1.0, per=1, level=level, method=method)
        np.testing.assert_allclose(ci.upper, [r["upper"] for r in sel], rtol=1e-10)
        np.testing.assert_allclose(ci.lower, [r["lower"] for r in sel], rtol=1e-10, atol=0)
    assert counts.size > 20


def test_midp_zero_count_closed_form():
    # mid-p upper limit for x = 0 solves exp(-U)/2 = alpha/2, i.e. U = -log(alpha)
    for level in (0.9, 0.95, 0.99):
        ci = poisson_rate_ci(0, 1, per=1, level=level, method="midp")
        assert ci.lower == 0.0
        assert ci.upper == pytest.approx(-math.log(1 - level), rel=1e-12)


def test_byar_and_wald_closed_forms():
    z = 1.959963984540054
    x = 10
    byar_lo = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3
    byar_hi = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3
    ci = poisson_rate_ci(x, 2_000, per=1_000, method="byar")
    assert ci.lower == pytest.approx(byar_lo / 2, rel=1e-12)
    assert ci.upper == pytest.approx(byar_hi / 2, rel=1e-12)
    # Byar's approximation is close to the exact interval (Breslow & Day 1987)
    exact = poisson_rate_ci(x, 2_000, per=1_000)
    assert ci.lower == pytest.approx(exact.lower, rel=0.01)
    assert ci.upper == pytest.approx(exact.upper, rel=0.01)
    w = poisson_rate_ci(x, 2_000, per=1_000, method="wald")
    assert w.lower == pytest.approx((x - z * math.sqrt(x)) / 2, rel=1e-12)
    assert w.upper == pytest.approx((x + z * math.sqrt(x)) / 2, rel=1e-12)
    assert poisson_rate_ci(0, 10, method="byar").lower == 0.0
    assert poisson_rate_ci(1, 10, method="wald").lower == 0.0  # clipped


def test_rate_scaling_and_vector_types():
    ci = poisson_rate_ci(20, 131_000)
    assert ci.rate == pytest.approx(20 / 131_000 * 1e5)
    assert isinstance(ci.rate, float)
    arr = poisson_rate_ci(np.array([0, 5, 10]), 50_000.0)
    assert isinstance(arr.upper, np.ndarray) and arr.upper.shape == (3,)
    ref = {r["count"]: r for r in REF["poisson_exact"] if r["level"] == 0.95}
    np.testing.assert_allclose(arr.upper, [ref[c]["upper"] * 2 for c in (0, 5, 10)], rtol=1e-10)
    s = poisson_rate_ci(pl.Series([3, None, 7]), pl.Series([1e4, 1e4, 2e4]))
    assert isinstance(s.lower, pl.Series) and s.lower.len() == 3
    assert s.lower.null_count() == 1 and s.upper[1] is None
    assert s.rate.to_list()[2] == pytest.approx(35.0)


def test_with_rate_ci_and_pooling():
    df = pl.DataFrame(
        {
            "area_code": ["0126", "0126", "0126", "0180", "0180"],
            "count_est": [6, 7, 7, 30, None],
            "population": [20_000.0, 20_000.0, 20_000.0, 985_000.0, 990_000.0],
        }
    )
    out = with_rate_ci(df)
    assert out.columns[-3:] == ["rate", "lower", "upper"]
    assert out["rate"][4] is None
    ref20 = next(r for r in REF["poisson_exact"] if r["count"] == 20 and r["level"] == 0.95)
    pooled = pooled_rate([6, 7, 7], [20_000, 20_000, 20_000])
    assert pooled.rate == pytest.approx(20 / 60_000 * 1e5)
    assert pooled.lower == pytest.approx(ref20["lower"] / 60_000 * 1e5, rel=1e-10)
    assert pooled.upper == pytest.approx(ref20["upper"] / 60_000 * 1e5, rel=1e-10)
    by_area = pooled_rates(df, "area_code")
    assert by_area["area_code"].to_list() == ["0126", "0180"]
    assert by_area["upper"][0] == pytest.approx(pooled.upper, rel=1e-12)
    assert by_area["n_missing"].to_list() == [0, 1]
    assert by_area["rate"][1] is None  # a missing year is not silently dropped
    with pytest.raises(ArgumentError, match="missing"):
        pooled_rate([1, None], [10.0, 10.0])
    with pytest.raises(ArgumentError, match="not found"):
        with_rate_ci(df, count="antal")


@pytest.mark.parametrize(
    ("count", "exposure", "match"),
    [
        (-1, 100, "non-negative whole"),
        (2.5, 100, "non-negative whole"),
        (3, 0, "positive"),
        (3, -5, "positive"),
        (3, np.inf, "positive"),
        ([1, 2], [1.0, 2.0, 3.0], "same length"),
        ("many", 10, "number"),
    ],
)
def test_invalid_input_raises(count, exposure, match):
    with pytest.raises(ArgumentError, match=match):
        poisson_rate_ci(count, exposure)


def test_invalid_settings_raise():
    with pytest.raises(ArgumentError, match="level"):
        poisson_rate_ci(1, 1, level=95)
    with pytest.raises(ArgumentError, match="method"):
        poisson_rate_ci(1, 1, method="score")
    with pytest.raises(ArgumentError, match="per"):
        poisson_rate_ci(1, 1, per=0)
    assert issubclass(ArgumentError, ValueError)


def _exact_coverage(mu: float, method: str, level: float = 0.95) -> float:
    """P(interval covers mu) summed exactly over the Poisson(mu) outcomes."""
    x = np.arange(0, int(mu + 15 * math.sqrt(mu) + 30))
    ci = poisson_rate_ci(x, 1.0, per=1, level=level, method=method)
    inside = (ci.lower <= mu) & (mu <= ci.upper)
    return float(stats.poisson.pmf(x, mu)[inside].sum())


@settings(max_examples=60, deadline=None)
@given(mu=st.floats(min_value=0.5, max_value=50.0), level=st.sampled_from([0.9, 0.95, 0.99]))
def test_exact_interval_coverage_is_at_least_nominal(mu, level):
    assert _exact_coverage(mu, "exact", level) >= level - 1e-12


def test_coverage_in_simulation():
    """Fixed-seed simulation: exact >= nominal, mid-p close to nominal on average."""
    rng = np.random.default_rng(11)
    draws = 20_000
    mus = [0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 50.0]
    midp_cov = []
    for mu in mus:
        exposure = 37_000.0
        rate = mu / exposure * 1e5
        x = rng.poisson(mu, draws)
        ex = poisson_rate_ci(x, exposure)
        cov = np.mean((ex.lower <= rate) & (rate <= ex.upper))
        se = math.sqrt(0.95 * 0.05 / draws)
        assert cov >= 0.95 - 3.5 * se, (mu, cov)
        mp = poisson_rate_ci(x, exposure, method="midp")
        midp_cov.append(np.mean((mp.lower <= rate) & (rate <= mp.upper)))
    # mid-p: not guaranteed, but close to nominal on average over means (exact average over a
    # fine grid of means from 0.5 to 50 is 0.952)
    assert 0.94 <= float(np.mean(midp_cov)) <= 0.97
    grid = np.linspace(0.5, 50, 60)
    assert np.mean([_exact_coverage(m, "midp") for m in grid]) == pytest.approx(0.95, abs=0.006)


@settings(max_examples=40, deadline=None)
@given(count=st.integers(0, 500), exposure=st.floats(1e2, 1e7))
def test_monotone_in_count_and_narrower_with_exposure(count, exposure):
    for method in ("exact", "midp"):
        a = poisson_rate_ci(count, exposure, method=method)
        b = poisson_rate_ci(count + 1, exposure, method=method)
        assert b.upper > a.upper and b.lower > a.lower
        assert a.lower <= a.rate <= a.upper
        if count > 0:
            # same rate, twice the exposure: relatively narrower interval
            c = poisson_rate_ci(2 * count, 2 * exposure, method=method)
            assert c.rate == pytest.approx(a.rate)
            assert (c.upper - c.lower) / c.rate < (a.upper - a.lower) / a.rate


# --------------------------------------------------------------------------------------------
# rate ratio and difference
# --------------------------------------------------------------------------------------------


def test_rate_ratio_reproduces_r_documentation_example():
    # R: poisson.test(c(11, 6+8+7), c(800, 1083+1050+878)) prints p-value = 0.07967,
    # 95 percent confidence interval 0.8584264 4.2772659, rate ratio 1.971488
    pub = REF["published_poisson_test"]
    rr = rate_ratio(11, 800, 6 + 8 + 7, 1083 + 1050 + 878)
    assert rr.ratio == pytest.approx(pub["ratio"], abs=5e-7)
    assert rr.p_value == pytest.approx(pub["p_value"], abs=5e-6)
    assert rr.lower == pytest.approx(pub["lower"], abs=5e-8)
    assert rr.upper == pytest.approx(pub["upper"], abs=5e-8)


def test_rate_ratio_exact_matches_reference():
    rows = REF["rate_ratio_exact"]
    for r in rows:
        args = (r["count1"], r["exposure1"], r["count2"], r["exposure2"])
        rr = rate_ratio(*args, level=r["level"])
        assert rr.lower == pytest.approx(r["lower"], rel=1e-9, abs=1e-300)
        if math.isinf(r["upper"]):
            assert math.isinf(rr.upper)
        else:
            assert rr.upper == pytest.approx(r["upper"], rel=1e-9)
        assert rr.p_value == pytest.approx(r["p_value"], rel=1e-9)
        assert rr.p_value == pytest.approx(r["scipy_binomtest_p"], rel=1e-9)
        less = rate_ratio(*args, alternative="less")
        greater = rate_ratio(*args, alternative="greater")
        assert less.p_value == pytest.approx(r["p_less"], rel=1e-9)
        assert greater.p_value == pytest.approx(r["p_greater"], rel=1e-9)
        assert less.lower == 0 and math.isinf(greater.upper)
    # vectorized form equals the same reference values
    sel = [r for r in rows if r["level"] == 0.95]
    vec = rate_ratio(
        np.array([r["count1"] for r in sel]),
        np.array([r["exposure1"] for r in sel], dtype=float),
        np.array([r["count2"] for r in sel]),
        np.array([r["exposure2"] for r in sel], dtype=float),
    )
    np.testing.assert_allclose(vec.p_value, [r["p_value"] for r in sel], rtol=1e-9)
    np.testing.assert_allclose(vec.lower, [r["lower"] for r in sel], rtol=1e-9)


def test_rate_ratio_one_sided_limits_match_reference():
    """One-sided Clopper-Pearson limits at the full alpha (not alpha/2), both levels."""
    for r in REF["rate_ratio_exact"]:
        args = (r["count1"], r["exposure1"], r["count2"], r["exposure2"])
        less = rate_ratio(*args, level=r["level"], alternative="less")
        greater = rate_ratio(*args, level=r["level"], alternative="greater")
        assert less.lower == 0 and math.isinf(greater.upper)
        if math.isinf(r["less_upper"]):
            assert math.isinf(less.upper)
        else:
            assert less.upper == pytest.approx(r["less_upper"], rel=1e-9)
        assert greater.lower == pytest.approx(r["greater_lower"], rel=1e-9, abs=1e-300)


def test_rate_ratio_upper_limit_with_a_single_count2():
    """count2 = 1: n = x1 + 1 and the Clopper-Pearson upper limit for p solves
    P(X <= x1; p) = 1 - p**n = alpha/2, so p = (1 - alpha/2)**(1/n) in closed form."""
    for x1, level in ((5, 0.95), (0, 0.90)):
        n = x1 + 1
        p = (1 - (1 - level) / 2) ** (1 / n)
        rr = rate_ratio(x1, 1_000, 1, 2_000, level=level)
        assert rr.upper == pytest.approx(p / (1 - p) * 2_000 / 1_000, rel=1e-12)


def test_rate_ratio_null_other_than_one_matches_reference():
    """p-values against null = 0.5, 0.75, 2 (p0 = null E1 / (null E1 + E2)); limits unchanged."""
    for r in REF["rate_ratio_exact_null"]:
        args = (r["count1"], r["exposure1"], r["count2"], r["exposure2"])
        two = rate_ratio(*args, null=r["null"])
        assert two.null == r["null"]
        assert two.p_value == pytest.approx(r["p_value"], rel=1e-9)
        assert two.p_value == pytest.approx(r["scipy_binomtest_p"], rel=1e-9)
        assert rate_ratio(*args, null=r["null"], alternative="less").p_value == pytest.approx(
            r["p_less"], rel=1e-9
        )
        assert rate_ratio(*args, null=r["null"], alternative="greater").p_value == (
            pytest.approx(r["p_greater"], rel=1e-9)
        )
        base = rate_ratio(*args)
        assert (two.lower, two.upper) == (base.lower, base.upper)


def test_rate_ratio_wald_null_and_one_sided_match_reference():
    for r in REF["rate_ratio_wald_more"]:
        args = (r["count1"], r["exposure1"], r["count2"], r["exposure2"])
        kw = dict(method="wald", null=r["null"], level=r["level"])
        two = rate_ratio(*args, **kw)
        assert two.p_value == pytest.approx(r["p_two_sided"], rel=1e-9, abs=1e-15)
        g = rate_ratio(*args, alternative="greater", **kw)
        assert g.p_value == pytest.approx(r["p_greater"], rel=1e-9, abs=1e-15)
        assert g.lower == pytest.approx(r["greater_lower"], rel=1e-10) and math.isinf(g.upper)
        lo = rate_ratio(*args, alternative="less", **kw)
        assert lo.p_value == pytest.approx(r["p_less"], rel=1e-9, abs=1e-15)
        assert lo.upper == pytest.approx(r["less_upper"], rel=1e-10) and lo.lower == 0


def test_minlike_differs_from_doubling():
    # DOMAIN.md pitfall: the two-sided p is not twice the one-sided p in asymmetric cases
    rr = rate_ratio(3, 12_000, 9, 15_000)
    one_sided = rate_ratio(3, 12_000, 9, 15_000, alternative="less").p_value
    ref = next(r for r in REF["rate_ratio_exact"] if r["count1"] == 3)
    assert rr.p_value == pytest.approx(ref["p_value"], rel=1e-9)
    assert abs(rr.p_value - min(1.0, 2 * one_sided)) > 1e-3


def test_rate_ratio_zero_counts():
    both = rate_ratio(0, 1_000, 0, 2_000)
    assert math.isnan(both.ratio) and both.lower == 0 and math.isinf(both.upper)
    assert both.p_value == 1.0
    first = rate_ratio(0, 1_000, 5, 1_000)
    assert first.ratio == 0 and first.lower == 0
    second = rate_ratio(5, 1_000, 0, 1_000)
    assert math.isinf(second.ratio) and math.isinf(second.upper)


def test_rate_ratio_wald_matches_reference():
    for r in REF["rate_ratio_wald"]:
        rr = rate_ratio(r["count1"], r["exposure1"], r["count2"], r["exposure2"], method="wald")
        assert rr.lower == pytest.approx(r["lower"], rel=1e-10)
        assert rr.upper == pytest.approx(r["upper"], rel=1e-10)
        assert rr.p_value == pytest.approx(r["p_value"], rel=1e-9, abs=1e-15)


@settings(max_examples=60, deadline=None)
@given(
    x1=st.integers(0, 80),
    x2=st.integers(0, 80),
    e1=st.floats(1e2, 1e6),
    e2=st.floats(1e2, 1e6),
    method=st.sampled_from(["exact", "wald"]),
)
def test_rate_ratio_is_symmetric(x1, x2, e1, e2, method):
    ab = rate_ratio(x1, e1, x2, e2, method=method)
    ba = rate_ratio(x2, e2, x1, e1, method=method)
    assert ab.p_value == pytest.approx(ba.p_value, rel=1e-6)
    with np.errstate(divide="ignore"):
        assert np.allclose(1 / np.float64(ab.upper), ba.lower, rtol=1e-8, atol=0)
        assert np.allclose(1 / np.float64(ab.lower), ba.upper, rtol=1e-8, atol=0)
    if x1 > 0 and x2 > 0:
        assert ab.ratio * ba.ratio == pytest.approx(1.0)
        assert ab.lower <= ab.ratio <= ab.upper
    # the p-value itself, from an independent implementation
    if method == "exact":
        n = x1 + x2
        ref = stats.binomtest(x1, n, e1 / (e1 + e2)).pvalue if n else 1.0
    else:
        c1, c2 = (x1 + 0.5, x2 + 0.5) if 0 in (x1, x2) else (x1, x2)
        z = abs(math.log(c1 / e1) - math.log(c2 / e2)) / math.sqrt(1 / c1 + 1 / c2)
        ref = math.erfc(z / math.sqrt(2))
    assert ab.p_value == pytest.approx(ref, rel=1e-6, abs=1e-300)


def test_rate_ratio_input_errors():
    with pytest.raises(ArgumentError, match="alternative"):
        rate_ratio(1, 1, 1, 1, alternative="two.sided")
    with pytest.raises(ArgumentError, match="null"):
        rate_ratio(1, 1, 1, 1, null=0)
    with pytest.raises(ArgumentError, match="count2"):
        rate_ratio(1, 1, -1, 1)


def test_rate_difference_closed_form():
    # d = 1e5*(30/1e5 - 20/1e5) = 10; se = 1e5*sqrt(30/1e10 + 20/1e10) = sqrt(50)
    d = rate_difference(30, 100_000, 20, 100_000)
    se = math.sqrt(50)
    z = 1.959963984540054
    assert d.difference == pytest.approx(10.0)
    assert d.std_error == pytest.approx(se)
    assert (d.lower, d.upper) == pytest.approx((10 - z * se, 10 + z * se))
    assert d.p_value == pytest.approx(math.erfc(10 / se / math.sqrt(2)))
    # unequal exposures, per 1 000
    assert all(isinstance(v, float) for v in (d.difference, d.std_error, d.p_value, d.lower))
    d2 = rate_difference(12, 4_000, 5, 6_000, per=1_000)
    se2 = 1_000 * math.sqrt(12 / 4_000**2 + 5 / 6_000**2)
    assert d2.difference == pytest.approx(1_000 * (12 / 4_000 - 5 / 6_000))
    assert d2.std_error == pytest.approx(se2)
    zero = rate_difference(0, 10, 0, 10)  # no longer (0, 0): +-ln 40 events per 10
    assert (zero.lower, zero.upper) == pytest.approx((-1e4 * math.log(40), 1e4 * math.log(40)))
    assert zero.p_value == 1.0
    vec = rate_difference(pl.Series([30, 12]), 100_000.0, pl.Series([20, 12]), 100_000.0)
    assert isinstance(vec.difference, pl.Series) and vec.p_value[1] == pytest.approx(1.0)


# --------------------------------------------------------------------------------------------
# trend
# --------------------------------------------------------------------------------------------


def _case(name):
    return next(t for t in REF["trend"] if t["name"] == name)


@pytest.mark.parametrize(
    "name", ["poisson_like", "overdispersed", "break_2015", "small_counts", "underdispersed"]
)
def test_trend_poisson_and_quasi_match_statsmodels(name):
    c = _case(name)
    for od, key in ((None, "poisson"), ("quasi", "quasi")):
        t = poisson_trend(
            c["counts"], c["exposures"], c["years"], breaks=c["breaks"], overdispersion=od
        )
        ref = c[key]
        if od == "quasi" and ref["scale"] < 1:
            # a dispersion below 1 is floored at 1 (glm.quasi_scale): the Poisson standard
            # errors (statsmodels), with the quasi model's t reference on n - p df (scipy)
            df = c["poisson"]["df_resid"]
            bse = np.asarray(c["poisson"]["bse"])
            z = np.asarray(ref["params"]) / bse
            q = stats.t.ppf(0.975, df)
            ref = dict(
                ref, bse=bse, pvalues=2 * stats.t.sf(np.abs(z), df),
                ci_year=[ref["params"][1] - q * bse[1], ref["params"][1] + q * bse[1]],
            )  # fmt: skip
        np.testing.assert_allclose(t.coefficients["estimate"], ref["params"], rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(t.coefficients["std_error"], ref["bse"], rtol=1e-8)
        np.testing.assert_allclose(
            t.coefficients["p_value"], ref["pvalues"], rtol=1e-6, atol=1e-300
        )
        lo, hi = (100 * math.expm1(v) for v in ref["ci_year"])
        assert (t.lower, t.upper) == pytest.approx((lo, hi), rel=1e-8)
        assert t.pct_change == pytest.approx(100 * math.expm1(ref["params"][1]), rel=1e-8)
    base = c["poisson"]
    t = poisson_trend(c["counts"], c["exposures"], c["years"], breaks=c["breaks"])
    assert t.dispersion == pytest.approx(base["pearson_chi2"] / base["df_resid"], rel=1e-8)
    assert t.deviance == pytest.approx(base["deviance"], rel=1e-8)
    q = poisson_trend(
        c["counts"], c["exposures"], c["years"], breaks=c["breaks"], overdispersion="quasi"
    )
    assert q.dispersion == pytest.approx(c["quasi"]["scale"], rel=1e-8)


@pytest.mark.parametrize("name", ["poisson_like", "overdispersed", "break_2015", "small_counts"])
def test_trend_negbin_matches_statsmodels(name):
    c = _case(name)
    ref = c["negbin"]
    assert not ref["at_boundary"]
    t = poisson_trend(
        c["counts"], c["exposures"], c["years"], breaks=c["breaks"], overdispersion="negbin"
    )
    assert t.alpha == pytest.approx(ref["alpha"], rel=1e-4)
    np.testing.assert_allclose(t.coefficients["estimate"], ref["params"], rtol=1e-6)
    np.testing.assert_allclose(t.coefficients["std_error"], ref["glm_at_alpha_bse"], rtol=1e-5)
    lo, hi = (100 * math.expm1(v) for v in ref["glm_at_alpha_ci_year"])
    assert (t.lower, t.upper) == pytest.approx((lo, hi), rel=1e-5)
    assert t.p_value == pytest.approx(ref["glm_at_alpha_pvalues"][1], rel=1e-4)
    # deviance and Pearson dispersion of the NB2 fit (statsmodels GLM at the same alpha)
    assert t.deviance == pytest.approx(ref["glm_at_alpha_deviance"], rel=1e-5)
    assert t.df_resid == ref["glm_at_alpha_df_resid"]
    assert t.dispersion == pytest.approx(
        ref["glm_at_alpha_pearson_chi2"] / ref["glm_at_alpha_df_resid"], rel=1e-5
    )


def test_trend_negbin_at_poisson_boundary():
    c = _case("underdispersed")
    assert c["negbin"]["at_boundary"]
    t = poisson_trend(c["counts"], c["exposures"], c["years"], overdispersion="negbin")
    assert t.alpha == 0.0
    assert [w.code for w in t.warnings if "alpha = 0" in str(w)] == ["negbin-no-overdispersion"]
    np.testing.assert_allclose(t.coefficients["std_error"], c["poisson"]["bse"], rtol=1e-8)


NB2_PROFILE = json.loads(
    (Path(__file__).parent / "reference" / "nb2_profile_statsmodels.json").read_text()
)["cases"]


@pytest.mark.parametrize("name", sorted(n for n, c in NB2_PROFILE.items() if "years" in c))
def test_trend_negbin_takes_the_higher_of_two_likelihood_maxima(name):
    # bimodal_*, rising_interior: the score at alpha = 0 is negative, so a test of its sign
    # alone reports the Poisson fit, and there is an inside maximum, higher or lower than
    # Poisson's; outlier_trend, oscillating: heavy over-dispersion and one outlying year,
    # where IRLS from the Poisson coefficients ran off; tiny_alpha: alpha about 5e-8
    c = NB2_PROFILE[name]
    t = poisson_trend(c["counts"], c["exposures"], c["years"], overdispersion="negbin")
    codes = [w.code for w in t.warnings]
    if c["ml"]["at_boundary"]:
        assert t.alpha == 0.0 and "negbin-no-overdispersion" in codes
        np.testing.assert_allclose(t.coefficients["estimate"], c["poisson_params"], rtol=1e-8)
        np.testing.assert_allclose(t.coefficients["std_error"], c["poisson_bse"], rtol=1e-7)
        return
    ref = c["ml"]
    assert t.alpha == pytest.approx(ref["alpha"], rel=1e-6)
    assert "negbin-no-overdispersion" not in codes and t.converged
    assert not {"not-converged", "no-finite-trend"} & set(codes)
    np.testing.assert_allclose(t.coefficients["estimate"], ref["params"], rtol=1e-5)
    np.testing.assert_allclose(t.coefficients["std_error"], ref["bse"], rtol=1e-5)


def test_trend_breaks_from_catalogue_objects_and_window():
    c = _case("break_2015")
    brk = SeriesBreak(
        id="kommun-2015",
        first_year=2015,
        date="2015-01-01",
        indicators=("N07402",),
        label_sv="Ny redovisning",
        label_en="New reporting",
        description_sv="",
        description_en="",
        source="Brå",
    )
    outside = 2030
    t = poisson_trend(c["counts"], c["exposures"], c["years"], breaks=[brk, outside, 2010])
    assert t.breaks == (2015,)
    assert t.coefficients["term"].to_list() == ["intercept", "year", "break_2015"]
    np.testing.assert_allclose(t.coefficients["estimate"], c["poisson"]["params"], rtol=1e-8)
    ignored = [w for w in t.warnings if "ignored" in str(w)]
    assert len(ignored) == 2 and any("2030" in str(w) for w in ignored)
    # the first data year itself is no break (nothing before it)
    assert any("2010" in str(w) for w in ignored)
    years = c["years"]
    assert [(w.code, w.year, w.first, w.last) for w in ignored] == [
        ("break-outside-data", y, min(years), max(years)) for y in (2030, 2010)
    ]
    assert [w.years for w in t.warnings if w.code == "level-shifts-estimated"] == [[2015]]


def test_trend_warnings_and_errors():
    c = _case("overdispersed")
    t = poisson_trend(c["counts"], c["exposures"], c["years"])
    over = [w for w in t.warnings if "dispersion" in str(w)]
    assert [w.code for w in over] == ["overdispersion"]
    assert over[0].dispersion == round(t.dispersion, 2)
    counts = list(c["counts"])
    counts[3] = None
    t2 = poisson_trend(pl.Series(counts), c["exposures"], c["years"])
    assert t2.n_years == len(counts) - 1 and any("Dropped 1" in str(w) for w in t2.warnings)
    dropped = next(w for w in t2.warnings if w.code == "missing-years-dropped")
    assert (dropped.n_years, dropped.years) == (1, [int(c["years"][3])])
    zero = poisson_trend([0, 0, 0, 0], [1e4] * 4, [2019, 2020, 2021, 2022])
    assert math.isnan(zero.pct_change) and any("zero" in str(w) for w in zero.warnings)
    assert "all-zero-counts" in [w.code for w in zero.warnings]
    with pytest.raises(ArgumentError, match="unique"):
        poisson_trend([1, 2, 3], [10.0] * 3, [2020, 2020, 2021])
    with pytest.raises(DesignError, match="at least"):
        poisson_trend([1, 2], [10.0] * 2, [2020, 2021])
    with pytest.raises(ArgumentError, match="overdispersion"):
        poisson_trend([1, 2, 3], [10.0] * 3, [2020, 2021, 2022], overdispersion="nb")


def test_trend_recovers_known_growth():
    """Deterministic data exactly on a 5 % yearly growth curve: estimate 5 %, p tiny."""
    years = np.arange(2010, 2024)
    exposure = np.full(years.size, 1e6)
    expected = 200 * 1.05 ** (years - 2010)
    # rounding to counts perturbs slightly; the estimate must be within 0.2 points of 5 %
    t = poisson_trend(np.round(expected), exposure, years)
    assert t.pct_change == pytest.approx(5.0, abs=0.2)
    assert t.lower < 5.0 < t.upper and t.p_value < 1e-10


# --------------------------------------------------------------------------------------------
# suppression
# --------------------------------------------------------------------------------------------


def test_suppression_rules():
    assert DEFAULT_MIN_COUNT == 5
    mask = suppression_mask(pl.Series([0, 1, 4, 5, None, 12]))
    assert mask.tolist() == [False, True, True, False, True, False]
    assert suppression_mask([0, 2], suppress_zero=True).tolist() == [True, True]
    assert suppression_mask([2, 3], min_count=3).tolist() == [True, False]
    assert display_value(12.5, 4) == ".."
    assert display_value(12.5, 5, formatter=lambda v: f"{v:.1f}".replace(".", ",")) == "12,5"
    assert display_value(0.0, 0) == "0.0"
    with pytest.raises(ArgumentError, match="min_count"):
        suppression_mask([1], min_count=0)
    with pytest.raises(ArgumentError, match="min_count"):
        suppression_mask([1], min_count=2.5)


def test_suppress_small_frame():
    df = pl.DataFrame(
        {
            "area_code": ["0126", "0127", "0128", "0180"],
            "count_est": [3, 0, None, 40],
            "rate": [2.6, 0.0, None, 4.06],
        }
    )
    out = suppress_small(df, ["count_est", "rate"])
    assert out["count_est"].to_list() == ["..", "0", "..", "40"]
    assert out["rate"].to_list() == ["..", "0.0", "..", "4.06"]
    assert out["suppressed"].to_list() == [True, False, True, False]
    assert out["area_code"].to_list() == df["area_code"].to_list()
    with pytest.raises(ArgumentError, match="not found"):
        suppress_small(df, "upper")


def test_quasi_poisson_trend_gives_no_interval_for_an_exact_fit():
    # The same count every year at a constant exposure: the fitted counts equal the data, the
    # Pearson dispersion is 0 and a quasi-Poisson interval would have zero width (it was
    # -1.4e-14 to 3.4e-14 % a year with p = 0.37, from rounding errors).
    years = list(range(2015, 2023))
    q = poisson_trend([7] * 8, [20_000] * 8, years, overdispersion="quasi")
    assert q.pct_change == pytest.approx(0.0, abs=1e-9)
    assert math.isnan(q.lower) and math.isnan(q.upper) and math.isnan(q.p_value)
    assert [w.code for w in q.warnings] == ["exact-fit"]
    # The Poisson fit is defined: slope 0 with SE 1/sqrt(sum(mu·(t - mean t)²)), mu = 7 each
    # year (the Fisher information of the slope).
    t = poisson_trend([7] * 8, [20_000] * 8, years)
    se = 1 / math.sqrt(7 * sum((y - 2018.5) ** 2 for y in years))
    assert t.beta == pytest.approx(0.0, abs=1e-12)
    assert t.std_error == pytest.approx(se, rel=1e-9)
    assert t.lower == pytest.approx(100 * math.expm1(-stats.norm.ppf(0.975) * se), rel=1e-9)


def test_rate_difference_of_zero_counts_is_not_a_point():
    # Two zero counts were reported as CI (0, 0), SE 0, p = 1. Now the MOVER interval from
    # Garwood's exact limits: with x = 0 the upper limit is -ln(0.025) = ln 40 = 3.689 events
    # and the lower 0, so the difference per 100 000 is +-ln 40 (exposures of 100 000 each).
    d = rate_difference(0, 100_000, 0, 100_000)
    assert d.difference == 0.0 and d.p_value == 1.0 and math.isnan(d.std_error)
    assert d.lower == pytest.approx(-math.log(40), rel=1e-12)
    assert d.upper == pytest.approx(math.log(40), rel=1e-12)
    # unequal exposures: each side is scaled by its own group's exposure
    u = rate_difference(0, 50_000, 0, 200_000, per=1)
    assert (u.lower, u.upper) == pytest.approx((-math.log(40) / 200_000, math.log(40) / 50_000))


def test_rate_difference_with_one_zero_count():
    # 0 against 5 events in equal exposures: the Wald interval (-9.38, -0.62) ignored the
    # zero group's uncertainty and called the difference significant; the exact conditional
    # test gives p = 2 * 0.5**5 = 1/16. MOVER limits from the chi-square form of Garwood's
    # interval: l = chi2(0.025; 2x)/2, u = chi2(0.975; 2x + 2)/2.
    d = rate_difference(0, 100_000, 5, 100_000)
    l5, u5 = stats.chi2.ppf(0.025, 10) / 2, stats.chi2.ppf(0.975, 12) / 2  # 1.6235, 11.668
    u0 = stats.chi2.ppf(0.975, 2) / 2  # ln 40
    assert d.difference == -5.0 and d.p_value == pytest.approx(1 / 16, rel=1e-12)
    assert d.lower == pytest.approx(-5 - (u5 - 5), rel=1e-9)
    assert d.upper == pytest.approx(-5 + math.hypot(u0, 5 - l5), rel=1e-9)
    assert d.lower < 0 < d.upper
    # vectors: positive counts keep the Wald numbers, the zero row gets MOVER's
    v = rate_difference([30, 0], [100_000, 100_000], [20, 0], 100_000)
    assert v.lower[0] == pytest.approx(10 - stats.norm.ppf(0.975) * math.sqrt(50), rel=1e-12)
    assert v.std_error[0] == pytest.approx(math.sqrt(50)) and math.isnan(v.std_error[1])
    assert v.upper[1] == pytest.approx(math.log(40), rel=1e-12)


def test_rate_difference_mover_everywhere():
    # method="mover" for positive counts too: 30 and 20 events in 100 000 each
    d = rate_difference(30, 100_000, 20, 100_000, method="mover")
    lim = {x: (stats.chi2.ppf(0.025, 2 * x) / 2, stats.chi2.ppf(0.975, 2 * x + 2) / 2)
           for x in (20, 30)}  # fmt: skip
    assert d.lower == pytest.approx(10 - math.hypot(30 - lim[30][0], lim[20][1] - 20), rel=1e-9)
    assert d.upper == pytest.approx(10 + math.hypot(lim[30][1] - 30, 20 - lim[20][0]), rel=1e-9)
    # the exact conditional p: x1 ~ Binomial(50, 1/2), minlike two-sided = 2 P(X >= 30)
    assert d.p_value == pytest.approx(2 * stats.binom.sf(29, 50, 0.5), rel=1e-9)
    assert d.method == "mover" and math.isnan(d.std_error)
    with pytest.raises(ArgumentError, match="method"):
        rate_difference(1, 10, 2, 10, method="exact")


def test_one_element_lists_are_not_stretched():
    # [100] for two counts was silently used twice; a scalar exposure still is
    with pytest.raises(ArgumentError, match=r"same length.*not as a one-element list"):
        poisson_rate_ci([1, 2], [100])
    assert poisson_rate_ci([1, 2], 100, per=1).rate.tolist() == [0.01, 0.02]
    assert poisson_rate_ci([1, 2], np.float64(100), per=1).rate.tolist() == [0.01, 0.02]
    assert poisson_rate_ci([3], [100], per=1).rate.tolist() == [0.03]  # equal lengths
    with pytest.raises(ArgumentError, match=r"count1, exposure1, count2 and exposure2"):
        rate_ratio([1, 2], [100, 100], [3, 4], [50])
    with pytest.raises(ArgumentError, match="same length"):
        rate_difference([1, 2], [100, 100], [3], [50, 50])
    with pytest.raises(ArgumentError, match="same length"):  # (2, 1) against (3,)
        poisson_rate_ci([[1], [2]], [1, 2, 3])


# --------------------------------------------------------------------------------------------
# degenerate inputs: a clear error naming the parameter, never numpy's error or silent nonsense
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("overdispersion", [None, "quasi", "negbin"])
@pytest.mark.parametrize(
    ("counts", "zeros"),
    [
        ([0, 0, 0, 0, 5], [2015, 2016, 2017, 2018]),
        ([5, 0, 0, 0, 0], [2016, 2017, 2018, 2019]),
        ([0, 0, 0, 0, 0, 0, 1], [2015, 2016, 2017, 2018, 2019, 2020]),
    ],
)
def test_a_trend_that_runs_to_infinity_is_not_given(counts, zeros, overdispersion):
    # zeros at one end that only the year term can fit: the likelihood rises for ever as the
    # annual change grows (Santos Silva & Tenreyro 2010). Before: +4.2e16 % a year, interval
    # (-100 %, inf), with the Poisson fit's "did not converge"; with "negbin" numpy's
    # LinAlgError before that. Now no number, and a warning naming the years
    years = list(range(2015, 2015 + len(counts)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy overflow or division warnings either
        t = poisson_trend(counts, [1e4] * len(counts), years, overdispersion=overdispersion)
    assert all(math.isnan(v) for v in (t.pct_change, t.lower, t.upper, t.p_value, t.beta))
    (w,) = [w for w in t.warnings if w.code == "no-finite-trend"]
    assert w.values == {"years": zeros}
    assert "not-converged" not in {x.code for x in t.warnings}
    assert t.coefficients.filter(pl.col("term") == "year")["estimate"].is_nan().all()


@pytest.mark.parametrize("case", SEPARATION["cases"], ids=lambda c: c["name"])
def test_a_trend_with_separated_years_is_the_fit_without_them_statsmodels(case):
    # a segment without cases between series breaks: the level shifts fit it only at minus
    # infinity, and the trend is the limit of the fit, i.e. the model without those years
    # and terms (statsmodels on the years left; which years go worked out by hand in
    # tests/reference/make_trend_separation.py). Before: numpy's singular matrix as an
    # EstimationError suggesting 'quasi', which failed the same way, or an estimate flagged
    # "unreliable"
    years, exposures = SEPARATION["years"], SEPARATION["exposures"]
    df = case["df_resid"]
    pois = poisson_trend(case["counts"], exposures, years, breaks=case["breaks"])
    quasi = poisson_trend(
        case["counts"], exposures, years, breaks=case["breaks"], overdispersion="quasi"
    )
    for t in (pois, quasi):
        (w,) = [w for w in t.warnings if w.code == "separated-years-dropped"]
        assert w.values["years"] == case["separated"]
        assert "not-converged" not in {x.code for x in t.warnings}
        assert t.beta == pytest.approx(case["year_estimate"], rel=1e-9)
        assert t.df_resid == df and t.n_years == len(years)
        kept = [years.index(y) for y in case["kept_years"]]
        np.testing.assert_allclose(t.fitted[kept], case["fitted_kept"], rtol=1e-8)
        gone = [years.index(y) for y in case["separated"]]
        assert (t.fitted[gone] == 0).all()
        # the terms the separated years alone identified have no estimate
        estimates = dict(zip(t.coefficients["term"], t.coefficients["estimate"], strict=True))
        assert all(math.isnan(estimates[term]) for term in w.values["terms"])
        assert not math.isnan(estimates["year"])
    assert pois.std_error == pytest.approx(case["year_se_poisson"], rel=1e-8)
    assert pois.p_value == pytest.approx(case["year_p_poisson"], rel=1e-7)
    lo, hi = (100 * math.expm1(v) for v in case["year_ci_poisson"])
    assert (pois.lower, pois.upper) == pytest.approx((lo, hi), rel=1e-8)
    assert pois.dispersion == pytest.approx(case["pearson_chi2"] / df, rel=1e-8)
    assert pois.deviance == pytest.approx(case["deviance"], rel=1e-8)
    # quasi-Poisson: statsmodels' Pearson scale, floored at 1 (glm.quasi_scale), t on df
    assert quasi.dispersion == pytest.approx(case["quasi_scale"], rel=1e-8)
    se = case["year_se_quasi_unfloored"] * math.sqrt(max(1.0, 1 / case["quasi_scale"]))
    assert quasi.std_error == pytest.approx(se, rel=1e-8)
    q = stats.t.ppf(0.975, df)
    lo, hi = (100 * math.expm1(case["year_estimate"] + s * q * se) for s in (-1, 1))
    assert (quasi.lower, quasi.upper) == pytest.approx((lo, hi), rel=1e-8)


def test_residual_degrees_of_freedom_are_counted_after_separated_years_are_dropped():
    # 6 years, 3 terms: 3 residual df. The two zeros before the 2017 break are fitted only
    # by the break term running to infinity, so 2 years and 1 term go: 2 df, a warning.
    t = poisson_trend([0, 0, 5, 7, 6, 8], [1e5] * 6, range(2015, 2021), breaks=[2017])
    codes = [w.code for w in t.warnings]
    assert "separated-years-dropped" in codes and "few-residual-df" in codes
    few = next(w for w in t.warnings if w.code == "few-residual-df")
    assert t.df_resid == few.values["df_resid"] == 2
    # the same design without the zeros keeps its 3 df and no warning
    u = poisson_trend([4, 3, 5, 7, 6, 8], [1e5] * 6, range(2015, 2021), breaks=[2017])
    assert u.df_resid == 3 and "few-residual-df" not in [w.code for w in u.warnings]


@pytest.mark.parametrize("unit", [1e-10, 1.0, 1e12])
def test_the_unit_of_exposure_moves_only_the_intercept(unit):
    # exposure 1e-10 puts the intercept (log rate per unit) at +26: the rule for a fit on its
    # way to infinity looks at the year and level-shift terms only, not at the intercept
    counts, years = [20, 24, 25, 31, 33, 30], range(2015, 2021)
    base = poisson_trend(counts, [1e5] * 6, years)
    t = poisson_trend(counts, [1e5 * unit] * 6, years)
    assert t.warnings == [] and t.converged
    assert t.pct_change == pytest.approx(base.pct_change, rel=1e-9)
    assert t.coefficients["estimate"][0] == pytest.approx(
        base.coefficients["estimate"][0] - math.log(unit), rel=1e-9
    )


def test_negbin_trend_with_separated_years_is_the_poisson_limit():
    # the same limit under NB2: alpha at its boundary 0 for these counts, so the Poisson fit
    case = next(c for c in SEPARATION["cases"] if c["name"] == "zeros_before_break")
    nb = poisson_trend(
        case["counts"], SEPARATION["exposures"], SEPARATION["years"], breaks=case["breaks"],
        overdispersion="negbin",
    )  # fmt: skip
    assert nb.alpha == 0.0
    assert nb.beta == pytest.approx(case["year_estimate"], rel=1e-9)
    assert nb.std_error == pytest.approx(case["year_se_poisson"], rel=1e-8)
    assert {"separated-years-dropped", "negbin-no-overdispersion"} <= {w.code for w in nb.warnings}


def test_a_trend_with_a_singular_information_matrix_is_an_estimation_error(monkeypatch):
    import research.stats.rates as rates

    def singular(*args, **kwargs):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(rates, "_irls", singular)
    with pytest.raises(EstimationError, match=r"cannot be estimated with a Poisson model") as e:
        poisson_trend([1, 2, 3, 4], [1e4] * 4, [2015, 2016, 2017, 2018])
    assert "overdispersion='quasi'" in str(e.value)
    assert "negativ" not in e.value.message("sv") and "singulär" in e.value.message("sv")


def test_missing_scalars_propagate_as_nan_as_documented():
    # the module's convention: None is a missing value, alone, in a list or a polars null
    assert math.isnan(poisson_rate_ci(None, 1000).rate)
    assert math.isnan(poisson_rate_ci(5, None).upper)
    assert math.isnan(rate_ratio(None, 1000, 3, 1000).p_value)
    assert math.isnan(rate_difference(3, None, 3, 1000).difference)
    assert poisson_rate_ci(pl.Series([5, None]), 1000).rate.to_list() == [500.0, None]


@pytest.mark.parametrize("bad", ["5", b"5", True, ["5", "6"], np.array(["5"]), [1, "2"]])
def test_text_and_booleans_are_not_counts(bad):
    # poisson_rate_ci("5", 1000) gave the rate of 5 events
    with pytest.raises(ArgumentError, match=r"^count must hold numbers"):
        poisson_rate_ci(bad, 1000)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: poisson_rate_ci(5, "1000"), "exposure"),
        (lambda: rate_ratio(1, 100, "2", 100), "count2"),
        (lambda: rate_difference(1, 100, 2, True), "exposure2"),
        (lambda: pooled_rate(["1", "2"], [1e3, 1e3]), "counts"),
        (lambda: poisson_trend([1, 2, 3], [1e3] * 3, ["2015", "2016", "2017"]), "years"),
        (lambda: suppression_mask(["1", "7"]), "counts"),
        (lambda: with_rate_ci(pl.DataFrame({"count_est": ["3"], "population": [1e3]})), "count"),
    ],
)
def test_text_is_refused_everywhere(call, name):
    with pytest.raises(ArgumentError, match=rf"^{name} must hold numbers"):
        call()


def test_not_numbers_has_swedish():
    with pytest.raises(ArgumentError) as info:
        poisson_rate_ci("5", 1000)
    assert info.value.message("sv").startswith("count ska innehålla tal; fick str ('5').")


def test_infinite_years_and_breaks_are_argument_errors():
    # an infinite year passed the whole-number check; an infinite break an OverflowError
    with pytest.raises(ArgumentError, match=r"years must be whole numbers"):
        poisson_trend([1, 2, 3], [1e3] * 3, [2015, float("inf"), 2017])
    with pytest.raises(ArgumentError, match=r"breaks must be years"):
        poisson_trend([1, 2, 3, 4], [1e3] * 4, [2015, 2016, 2017, 2018], breaks=[float("inf")])


def test_an_empty_trend_is_a_design_error_without_numpy_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # "Mean of empty slice" before
        with pytest.raises(DesignError, match=r"0 year\(s\) cannot estimate a trend"):
            poisson_trend([], [], [])


def test_a_boolean_null_is_refused():
    with pytest.raises(ArgumentError, match=r"null must be a positive rate ratio"):
        rate_ratio(1, 100, 2, 100, null=True)


def test_too_few_years_in_swedish_holds_the_number_to_its_unit():
    with pytest.raises(DesignError) as info:
        poisson_trend([1], [1e3], [2015])
    assert info.value.message("sv") == (
        "1\u00a0år räcker inte för att skatta en trend med 2 parametrar (intercept, year); "
        "minst 3\u00a0år behövs."
    )


def test_quasi_trend_of_under_dispersed_counts_is_not_narrower_than_poisson():
    # Pearson dispersion 0.0063: scaled by it the quasi-Poisson trend had p = 0.0075 and the
    # interval (0.18 %, 0.78 %) a year, where Poisson gives p = 0.75. Floored at 1
    # (glm.quasi_scale): the Poisson standard error with R's t reference on 6 df.
    # Reference: statsmodels 0.15 GLM(Poisson, offset log 1e5) on [1, year - 2018.5]:
    # beta 0.004803025202358924, se 0.015307044881726812; t quantiles from scipy.
    years = list(range(2015, 2023))
    t = poisson_trend([100, 101, 100, 102, 101, 103, 102, 104], [1e5] * 8, years,
                      overdispersion="quasi")  # fmt: skip
    beta, se = 0.004803025202358924, 0.015307044881726812
    assert t.dispersion == pytest.approx(0.006303444226698683, rel=1e-6)
    assert t.std_error == pytest.approx(se, rel=1e-6)
    assert t.p_value == pytest.approx(2 * stats.t.sf(beta / se, 6), rel=1e-6)
    q = stats.t.ppf(0.975, 6)
    assert (t.lower, t.upper) == pytest.approx(
        (100 * np.expm1(beta - q * se), 100 * np.expm1(beta + q * se)), rel=1e-6
    )
