"""Brute-force power of the exact conditional test of a rate change (the tests' reference).

Written independently of :mod:`research.stats._exact_test`: double sums over every outcome,
scipy's distributions and the p-value rule of :func:`scipy.stats.binomtest`, checked against
it on a few cases. Used by ``test_power.py`` and the reports' power tests.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = ["assert_first_crossing", "exact_conditional_power", "exact_nb1_power"]


def exact_conditional_power(b, rate_ratios, t0, t1, alpha=0.05):
    """Power of the exact conditional binomial test of the post share (phi = 1, unlimited
    comparison group), by brute force: the treated total N is Poisson(b (T0 + T1 RR)); given N
    the post count is Binomial(N, T1 RR / (T0 + T1 RR)); the test rejects when the two-sided
    binomial p-value against T1 / (T0 + T1) (scipy's, the sum of the probabilities not above
    the observed one) is at most alpha. N = 0 never rejects."""
    p0 = t1 / (t0 + t1)
    n_max = max(50, int(stats.poisson.isf(1e-13, b * (t0 + t1 * max(rate_ratios)))) + 1)
    reject = [np.zeros(1, dtype=bool)]
    for n in range(1, n_max + 1):
        pmf = stats.binom.pmf(np.arange(n + 1), n, p0)
        pval = np.array([pmf[pmf <= f * (1 + 1e-7)].sum() for f in pmf])
        reject.append(np.minimum(pval, 1.0) <= alpha)
    # the p-values are scipy's binomtest's (checked on a few)
    for n, x in ((20, 1), (37, 4), (50, 7)):
        assert reject[n][x] == (stats.binomtest(x, n, p0).pvalue <= alpha)
    out = []
    for rr in rate_ratios:
        pt = t1 * rr / (t0 + t1 * rr)
        pn = stats.poisson.pmf(np.arange(n_max + 1), b * (t0 + t1 * rr))
        out.append(sum(pn[n] * stats.binom.pmf(np.arange(n + 1), n, pt)[reject[n]].sum()
                       for n in range(n_max + 1)))  # fmt: skip
    return np.array(out)


def exact_nb1_power(b, rate_ratios, t0, t1, phi, alpha=0.05):
    """Power of the exact conditional test under NB1 counts, by brute force over the pre and
    post counts drawn separately: scipy's negative binomial pmfs (gamma-Poisson with shape
    mean / (phi - 1), the model of method='simulation'), and the two-sided p-value of the post
    count given the total from scipy's beta-binomial pmf under no effect (outcomes no more
    likely than the observed, tolerance 1e-7 as binomtest; the central p-value when the pmf
    is U-shaped)."""
    p = 1.0 / phi
    k = b / (phi - 1.0)
    kmax = int(stats.nbinom.isf(1e-13, k * (t0 + t1) * max(1.0, max(rate_ratios)), p)) + 1
    x = np.arange(kmax)
    reject = {}
    out = []
    for rr in rate_ratios:
        pre = stats.nbinom.pmf(x, k * t0, p)
        post = stats.nbinom.pmf(x, k * t1 * rr, p)
        tot = 0.0
        for i in range(kmax):
            for j in range(kmax - i):
                n = i + j
                if n == 0:
                    continue
                if n not in reject:
                    f = stats.betabinom.pmf(np.arange(n + 1), n, k * t1, k * t0)
                    reject[n] = _two_sided_p(f, n, k * t1, k * t0) <= alpha
                if reject[n][j]:
                    tot += pre[i] * post[j]
        out.append(tot)
    return np.array(out)


def _two_sided_p(f, n, a, b):
    """p-values of a beta-binomial (n, a, b) null with pmf ``f``: minimum likelihood (scipy's
    binomtest rule) when the pmf has no interior trough, else the central one (twice the
    smaller tail from scipy's cdf and sf, Fay 2010)."""
    d = np.diff(f)
    falls = np.flatnonzero(d < -1e-12 * f[:-1])
    rises = np.flatnonzero(d > 1e-12 * f[:-1])
    if falls.size and rises.size and rises.max() > falls.min():  # a trough: not unimodal
        x = np.arange(n + 1)
        lower = stats.betabinom.cdf(x, n, a, b)
        upper = stats.betabinom.sf(x - 1, n, a, b)
        return np.minimum(2 * np.minimum(lower, upper), 1.0)
    return np.minimum(np.array([f[f <= v * (1 + 1e-7)].sum() for v in f]), 1.0)


def assert_first_crossing(b, mde_rr, t0, t1, power=0.8, brute=None):
    """The reported MDE is the first effect reaching ``power``: the brute-force power is at
    least the target there and below it at every weaker effect on a grid of 0.005 in |log RR|
    (the solver scans steps of 0.04 and refines within the bracket; the power is smooth in
    the effect, so a crossing is not narrower than that here)."""
    brute = brute or (lambda rrs: exact_conditional_power(b, rrs, t0, t1))
    L = -math.log(mde_rr)
    weaker = np.exp(-np.arange(0.005, L - 1e-9, 0.005))
    assert brute([mde_rr])[0] >= power - 1e-9
    assert np.all(brute(list(weaker)) < power)
