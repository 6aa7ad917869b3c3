"""Reference values for tests/test_rates.py, computed independently of research.stats.rates.

How it was run (2026-11-26; re-run 2026-11-30 with the same versions after adding the
null/one-sided and negative binomial deviance blocks, outside the repository's environment):

    python3 -m venv /tmp/refenv-rates
    /tmp/refenv-rates/bin/pip install statsmodels mpmath scipy numpy
    /tmp/refenv-rates/bin/python tests/reference/make_rates_reference.py

Versions used: Python 3.11.7, mpmath 1.4.1, numpy 2.4.6, scipy 1.17.1, statsmodels 0.15.0,
pandas 3.1.1. Output: tests/reference/rates_reference.json.

What each block does, and why it is independent of the code under test:

* ``poisson_exact`` / ``poisson_midp``: confidence limits for a Poisson mean found by
  brute-force root finding (mpmath.findroot, 50 digits) on the Poisson cdf written as an
  explicit sum of probability terms - no gamma/chi-square quantile functions.
* ``rate_ratio_exact``: the conditional binomial test written from its definition with exact
  rational arithmetic (fractions.Fraction): every outcome k = 0..n is enumerated and the
  two-sided p-value sums the probabilities <= d·(1 + 1e-7) (R's "minlike" rule, no
  unimodality shortcut). Clopper-Pearson limits by root finding on the binomial tail sum in
  mpmath. scipy.stats.binomtest is recorded alongside as a cross-check.
* ``rate_ratio_wald``: closed form in mpmath.
* ``trend``: statsmodels GLM Poisson with log(exposure) offset; quasi-Poisson via
  ``fit(scale="X2", use_t=True)``; negative binomial NB2 by the discrete
  ``statsmodels.discrete.discrete_model.NegativeBinomial`` maximum likelihood (alpha and
  coefficients; BFGS on log(alpha), polished by Newton) and
  ``GLM(family=NegativeBinomial(alpha=alpha_hat))`` for the standard errors with alpha
  treated as known (as R's MASS::glm.nb).
"""

from __future__ import annotations

import json
from fractions import Fraction
from math import comb
from pathlib import Path

import mpmath as mp
import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial

mp.mp.dps = 50
OUT = Path(__file__).with_name("rates_reference.json")


# ---------------------------------------------------------------- one Poisson mean
def pois_cdf(x: int, mu) -> mp.mpf:
    """P(X <= x), explicit sum."""
    if x < 0:
        return mp.mpf(0)
    term = mp.e ** (-mu)
    total = term
    for k in range(1, x + 1):
        term = term * mu / k
        total += term
    return total


def pois_pmf(x: int, mu) -> mp.mpf:
    return mp.e ** (-mu) * mu**x / mp.factorial(x)


def solve(f, lo, hi, iterations: int = 200):
    """Plain bisection in 50-digit arithmetic; f must change sign on [lo, hi]."""
    lo, hi = mp.mpf(lo), mp.mpf(hi)
    f_lo = f(lo)
    assert f_lo * f(hi) < 0, (lo, hi)
    for _ in range(iterations):
        mid = (lo + hi) / 2
        f_mid = f(mid)
        if (f_mid < 0) == (f_lo < 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return (lo + hi) / 2


def exact_limits(x: int, level: float):
    a = (1 - mp.mpf(level)) / 2
    # lower: P(X >= x; L) = a ; upper: P(X <= x; U) = a
    lower = mp.mpf(0) if x == 0 else solve(lambda m: 1 - pois_cdf(x - 1, m) - a, 1e-12, x)
    upper = solve(lambda m: pois_cdf(x, m) - a, x + 1e-9 if x else 1e-9, 4 * x + 20)
    return float(lower), float(upper)


def midp_limits(x: int, level: float):
    a = (1 - mp.mpf(level)) / 2
    # lower: P(X > x; L) + P(X = x; L)/2 = a ; upper: P(X < x; U) + P(X = x; U)/2 = a
    if x == 0:
        lower = mp.mpf(0)
    else:
        lower = solve(lambda m: 1 - pois_cdf(x, m) + pois_pmf(x, m) / 2 - a, 1e-12, x)
    upper = solve(lambda m: pois_cdf(x - 1, m) + pois_pmf(x, m) / 2 - a, 1e-9, 4 * x + 20)
    return float(lower), float(upper)


COUNTS = [0, 1, 2, 3, 5, 10, 20, 50, 137, 400]
LEVELS = [0.90, 0.95, 0.99]

poisson_exact = [
    {"count": x, "level": lv, "lower": lo, "upper": hi}
    for x in COUNTS
    for lv in LEVELS
    for lo, hi in [exact_limits(x, lv)]
]
poisson_midp = [
    {"count": x, "level": lv, "lower": lo, "upper": hi}
    for x in COUNTS
    for lv in LEVELS
    for lo, hi in [midp_limits(x, lv)]
]


# ---------------------------------------------------------------- rate ratio, exact
REL_ERR = Fraction(10_000_001, 10_000_000)  # R's relErr = 1 + 1e-7


def binom_pmf_exact(k: int, n: int, p: Fraction) -> Fraction:
    return comb(n, k) * p**k * (1 - p) ** (n - k)


def minlike_p(x: int, n: int, p: Fraction) -> float:
    d = binom_pmf_exact(x, n, p)
    total = sum(
        (q for k in range(n + 1) if (q := binom_pmf_exact(k, n, p)) <= d * REL_ERR), Fraction(0)
    )
    return float(min(total, Fraction(1)))


def binom_upper_tail(x: int, n: int, p) -> mp.mpf:
    """P(X >= x) for X ~ Bin(n, p), explicit sum."""
    return mp.fsum(mp.binomial(n, k) * p**k * (1 - p) ** (n - k) for k in range(x, n + 1))


def clopper_pearson(x: int, n: int, level: float):
    a = (1 - mp.mpf(level)) / 2
    lower = (
        mp.mpf(0)
        if x == 0
        else solve(lambda p: binom_upper_tail(x, n, p) - a, "1e-30", 1 - mp.mpf("1e-30"))
    )
    upper = (
        mp.mpf(1)
        if x == n
        else solve(lambda p: 1 - binom_upper_tail(x + 1, n, p) - a, "1e-30", 1 - mp.mpf("1e-30"))
    )
    return lower, upper


def one_sided_upper(x: int, n: int, level: float, e1, e2) -> float:
    if x == n:
        return float("inf")
    a = 1 - mp.mpf(level)
    p = solve(lambda p: 1 - binom_upper_tail(x + 1, n, p) - a, "1e-30", 1 - mp.mpf("1e-30"))
    return float(p / (1 - p) * mp.mpf(e2) / e1)


def one_sided_lower(x: int, n: int, level: float, e1, e2) -> float:
    if x == 0:
        return 0.0
    a = 1 - mp.mpf(level)
    p = solve(lambda p: binom_upper_tail(x, n, p) - a, "1e-30", 1 - mp.mpf("1e-30"))
    return float(p / (1 - p) * mp.mpf(e2) / e1)


RATIO_CASES = [
    # (x1, E1, x2, E2): R's ?poisson.test example first
    (11, 800, 21, 3011),
    (0, 1000, 5, 1000),
    (5, 1000, 0, 1000),
    (3, 12_000, 9, 15_000),
    (17, 131_000, 160, 985_000),
    (40, 100_000, 25, 100_000),
    (7, 7, 7, 7),
    (1, 50_000, 30, 60_000),
    (12, 114_500, 12, 114_500),
    (120, 900_000, 95, 1_000_000),
]
rate_ratio_exact = []
for x1, e1, x2, e2 in RATIO_CASES:
    n = x1 + x2
    p0 = Fraction(e1, e1 + e2)
    for level in (0.95, 0.90):
        lo_p, hi_p = clopper_pearson(x1, n, level)
        lower = float(lo_p / (1 - lo_p) * mp.mpf(e2) / e1)
        upper = float("inf") if hi_p == 1 else float(hi_p / (1 - hi_p) * mp.mpf(e2) / e1)
        bt = stats.binomtest(x1, n, float(p0))
        rate_ratio_exact.append(
            {
                "count1": x1,
                "exposure1": e1,
                "count2": x2,
                "exposure2": e2,
                "level": level,
                "ratio": (x1 / e1) / (x2 / e2) if x2 else (float("inf") if x1 else None),
                "lower": lower,
                "upper": upper,
                "p_value": minlike_p(x1, n, p0),
                "p_less": float(sum(binom_pmf_exact(k, n, p0) for k in range(x1 + 1))),
                "p_greater": float(sum(binom_pmf_exact(k, n, p0) for k in range(x1, n + 1))),
                "scipy_binomtest_p": float(bt.pvalue),
                # one-sided limits at `level`: "less" has lower 0 and upper solving
                # P(X <= x; p) = 1 - level, "greater" upper inf and lower solving
                # P(X >= x; p) = 1 - level (Clopper-Pearson, one tail)
                "less_upper": one_sided_upper(x1, n, level, e1, e2),
                "greater_lower": one_sided_lower(x1, n, level, e1, e2),
            }
        )

# rate ratio under a null other than 1: p0 = null·E1 / (null·E1 + E2); the interval does not
# depend on the null. Exact rational arithmetic as above; scipy's binomtest as a cross-check.
rate_ratio_exact_null = []
for x1, e1, x2, e2 in RATIO_CASES[:6]:
    n = x1 + x2
    for null in (Fraction(1, 2), Fraction(3, 4), Fraction(2)):
        p0 = null * e1 / (null * e1 + e2)
        rate_ratio_exact_null.append(
            {
                "count1": x1,
                "exposure1": e1,
                "count2": x2,
                "exposure2": e2,
                "null": float(null),
                "p_value": minlike_p(x1, n, p0) if n else 1.0,
                "p_less": float(sum(binom_pmf_exact(k, n, p0) for k in range(x1 + 1))),
                "p_greater": float(sum(binom_pmf_exact(k, n, p0) for k in range(x1, n + 1))),
                "scipy_binomtest_p": float(stats.binomtest(x1, n, float(p0)).pvalue) if n else 1.0,
            }
        )

# published: R documentation example of poisson.test (output printed in ?poisson.test runs)
published_poisson_test = {
    "call": "poisson.test(c(11, 6+8+7), c(800, 1083+1050+878))",
    "ratio": 1.971488,
    "p_value": 0.07967,
    "lower": 0.8584264,
    "upper": 4.2772659,
}

# ---------------------------------------------------------------- rate ratio, Wald
rate_ratio_wald = []
for x1, e1, x2, e2 in RATIO_CASES:
    c1, c2 = (x1 + 0.5, x2 + 0.5) if 0 in (x1, x2) else (x1, x2)
    lr = mp.log((mp.mpf(c1) / e1) / (mp.mpf(c2) / e2))
    se = mp.sqrt(1 / mp.mpf(c1) + 1 / mp.mpf(c2))
    z = mp.sqrt(2) * mp.erfinv(mp.mpf("0.95"))
    rate_ratio_wald.append(
        {
            "count1": x1,
            "exposure1": e1,
            "count2": x2,
            "exposure2": e2,
            "lower": float(mp.e ** (lr - z * se)),
            "upper": float(mp.e ** (lr + z * se)),
            "p_value": float(mp.erfc(abs(lr / se) / mp.sqrt(2))),
        }
    )

# Wald with a null other than 1 and one-sided alternatives (90 %): z = (log RR - log null)/se;
# "greater": lower exp(lr - z_.90 se), upper inf, p = P(Z > z); "less" the mirror image.
rate_ratio_wald_more = []
for x1, e1, x2, e2 in RATIO_CASES:
    c1, c2 = (x1 + 0.5, x2 + 0.5) if 0 in (x1, x2) else (x1, x2)
    lr = mp.log((mp.mpf(c1) / e1) / (mp.mpf(c2) / e2))
    se = mp.sqrt(1 / mp.mpf(c1) + 1 / mp.mpf(c2))
    z90 = mp.sqrt(2) * mp.erfinv(2 * mp.mpf("0.90") - 1)
    for null in (0.5, 2.0):
        stat = (lr - mp.log(null)) / se
        rate_ratio_wald_more.append(
            {
                "count1": x1,
                "exposure1": e1,
                "count2": x2,
                "exposure2": e2,
                "null": null,
                "level": 0.90,
                "p_two_sided": float(mp.erfc(abs(stat) / mp.sqrt(2))),
                "p_greater": float(mp.erfc(stat / mp.sqrt(2)) / 2),
                "p_less": float(mp.erfc(-stat / mp.sqrt(2)) / 2),
                "greater_lower": float(mp.e ** (lr - z90 * se)),
                "less_upper": float(mp.e ** (lr + z90 * se)),
            }
        )


# ---------------------------------------------------------------- trend
def trend_case(name, counts, exposures, years, breaks=()):
    y = np.asarray(counts, float)
    e = np.asarray(exposures, float)
    t = np.asarray(years, float)
    cols = [np.ones_like(t), t - t.mean()]
    for b in breaks:
        cols.append((t >= b).astype(float))
    X = np.column_stack(cols)
    off = np.log(e)
    out = {
        "name": name,
        "counts": counts,
        "exposures": exposures,
        "years": years,
        "breaks": list(breaks),
    }
    pois = sm.GLM(y, X, family=sm.families.Poisson(), offset=off).fit(tol=1e-14)
    ci = pois.conf_int(0.05)
    out["poisson"] = {
        "params": pois.params.tolist(),
        "bse": pois.bse.tolist(),
        "pvalues": pois.pvalues.tolist(),
        "ci_year": ci[1].tolist(),
        "pearson_chi2": float(pois.pearson_chi2),
        "deviance": float(pois.deviance),
        "df_resid": float(pois.df_resid),
    }
    quasi = sm.GLM(y, X, family=sm.families.Poisson(), offset=off).fit(
        scale="X2", use_t=True, tol=1e-14
    )
    out["quasi"] = {
        "params": quasi.params.tolist(),
        "bse": quasi.bse.tolist(),
        "pvalues": quasi.pvalues.tolist(),
        "ci_year": quasi.conf_int(0.05)[1].tolist(),
        "scale": float(quasi.scale),
    }
    nb_model = NegativeBinomial(y, X, offset=off, loglike_method="nb2")
    # BFGS works on log(alpha) internally (stays positive); Newton then polishes the optimum.
    nb0 = nb_model.fit(
        start_params=np.append(pois.params, 0.1),
        method="bfgs",
        maxiter=2000,
        gtol=1e-10,
        disp=0,
    )
    nb = nb_model.fit(start_params=nb0.params, method="newton", maxiter=100, tol=1e-14, disp=0)
    if not np.all(np.isfinite(nb.params)):
        nb = nb0
    alpha = float(nb.params[-1])
    if not np.isfinite(alpha) or alpha < 1e-6:
        # The NB likelihood increases towards alpha <= 0: no over-dispersion, the MLE is on
        # the Poisson boundary (statsmodels' unconstrained optimizer wanders below zero).
        out["negbin"] = {"at_boundary": True, "alpha_unconstrained": alpha}
        return out
    glm_nb = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha), offset=off).fit(
        tol=1e-14
    )
    out["negbin"] = {
        "at_boundary": False,
        "alpha": alpha,
        "params": nb.params[:-1].tolist(),
        "converged": bool(nb.mle_retvals["converged"]),
        "llf": float(nb.llf),
        "glm_at_alpha_params": glm_nb.params.tolist(),
        "glm_at_alpha_bse": glm_nb.bse.tolist(),
        "glm_at_alpha_pvalues": glm_nb.pvalues.tolist(),
        "glm_at_alpha_ci_year": glm_nb.conf_int(0.05)[1].tolist(),
        "glm_at_alpha_pearson_chi2": float(glm_nb.pearson_chi2),
        # NB2 deviance at alpha, 2 sum[y log(y/mu) - (y + a) log((y + a)/(mu + a))], a = 1/alpha
        "glm_at_alpha_deviance": float(glm_nb.deviance),
        "glm_at_alpha_df_resid": float(glm_nb.df_resid),
    }
    return out


rng = np.random.default_rng(20250101)
years = list(range(2010, 2024))
pop = [int(v) for v in np.linspace(100_000, 114_500, len(years)).round()]
mu_pois = [p * 30e-5 * 1.04 ** (y - 2010) for p, y in zip(pop, years, strict=True)]
counts_pois = [int(v) for v in rng.poisson(mu_pois)]
mu_od = [p * 20e-5 * 1.03 ** (y - 2010) for p, y in zip(pop, years, strict=True)]
counts_od = [int(v) for v in rng.poisson(rng.gamma(shape=8.0, scale=np.asarray(mu_od) / 8.0))]
mu_brk = [m * (1.6 if y >= 2015 else 1.0) for m, y in zip(mu_od, years, strict=True)]
counts_brk = [int(v) for v in rng.poisson(rng.gamma(shape=10.0, scale=np.asarray(mu_brk) / 10.0))]
small_years = list(range(2015, 2024))
small_pop = [131_000] * len(small_years)
counts_small = [int(v) for v in rng.poisson(np.full(len(small_years), 6.0))]

trend = [
    trend_case("poisson_like", counts_pois, pop, years),
    trend_case("overdispersed", counts_od, pop, years),
    trend_case("break_2015", counts_brk, pop, years, breaks=(2015,)),
    trend_case("small_counts", counts_small, small_pop, small_years, breaks=(2019,)),
    # under-dispersed by construction (Pearson chi2 well below df): NB MLE on the boundary
    trend_case(
        "underdispersed", [50, 52, 53, 55, 57, 58, 60, 62], [200_000] * 8, list(range(2016, 2024))
    ),
]

OUT.write_text(
    json.dumps(
        {
            "generated_by": "tests/reference/make_rates_reference.py",
            "versions": {
                "mpmath": mp.__version__,
                "numpy": np.__version__,
                "scipy": scipy.__version__,
                "statsmodels": statsmodels.__version__,
            },
            "poisson_exact": poisson_exact,
            "poisson_midp": poisson_midp,
            "rate_ratio_exact": rate_ratio_exact,
            "published_poisson_test": published_poisson_test,
            "rate_ratio_wald": rate_ratio_wald,
            "rate_ratio_exact_null": rate_ratio_exact_null,
            "rate_ratio_wald_more": rate_ratio_wald_more,
            "trend": trend,
        },
        indent=1,
    )
    + "\n"
)
print("wrote", OUT)
