"""Reference values for the power of the two-sided t test (noncentral t), with mpmath.

Used by tests/test_power.py for ``minimum_detectable_effect(..., estimator="its",
its_scale="estimated")`` and ``power_at``: the quasi-Poisson ITS estimates its scale, so its
Wald statistic is compared with t quantiles (n - p degrees of freedom), and its power is
that of a noncentral t statistic. Run once, outside the project environment:

    python3 -m venv /tmp/refenv-t
    /tmp/refenv-t/bin/pip install mpmath
    /tmp/refenv-t/bin/python tests/reference/make_power_t_reference.py

Run on 2026-12-03 with Python 3.11 and mpmath 1.4.1 (recorded in the JSON). Output:
tests/reference/power_t_mpmath.json.

Nothing here uses scipy. With ``T = (Z + r) / sqrt(V / df)``, ``Z`` standard normal and
``V`` chi-square with ``df`` degrees of freedom, the power at noncentrality ``r`` is

    P(T > c) + P(T < -c) = integral over v of [Phi(r - c sqrt(v/df)) + Phi(-r - c sqrt(v/df))]
                           times the chi-square density of v,

integrated by mpmath.quad at 40 digits; ``c`` is the t quantile ``1 - alpha/2``, found by
mpmath.findroot on the t distribution's cdf written with the regularised incomplete beta
function. ``noncentrality`` records the ``r`` at which the power is exactly ``power``
(findroot on the integral), what a minimum detectable effect is in units of the standard
error.
"""

from __future__ import annotations

import json
from pathlib import Path

import mpmath as mp

OUT = Path(__file__).with_name("power_t_mpmath.json")
mp.mp.dps = 40


def t_cdf(t, df):
    x = df / (df + t * t)
    tail = mp.betainc(df / 2, mp.mpf(1) / 2, 0, x, regularized=True) / 2
    return 1 - tail if t > 0 else tail


def t_quantile(p, df):
    return mp.findroot(lambda t: t_cdf(t, df) - p, mp.mpf(2))


def chi2_pdf(v, df):
    k = mp.mpf(df) / 2
    return mp.exp((k - 1) * mp.log(v) - v / 2 - k * mp.log(2) - mp.loggamma(k))


def power(r, df, alpha):
    c = t_quantile(1 - mp.mpf(alpha) / 2, df)

    def f(v):
        s = c * mp.sqrt(v / df)
        return (mp.ncdf(r - s) + mp.ncdf(-r - s)) * chi2_pdf(v, df)

    return mp.quad(f, [0, df, 4 * df, 20 * df + 200, mp.inf])


rows = []
for df in (3, 7, 12, 40):
    for alpha in (0.05, 0.1):
        for r in (0.0, 0.5, 1.5, 2.8, 4.0, 6.5):
            rows.append({"df": df, "alpha": alpha, "r": r, "power": float(power(r, df, alpha))})
ncp = []
for df in (3, 7, 12):
    for target in (0.8, 0.9):
        r = mp.findroot(lambda x, df=df, target=target: power(x, df, 0.05) - target, mp.mpf(3))
        ncp.append({"df": df, "alpha": 0.05, "power": target, "r": float(r)})
OUT.write_text(
    json.dumps({"mpmath": mp.__version__, "power": rows, "noncentrality": ncp}, indent=1) + "\n"
)
print("wrote", OUT, len(rows), "power values;", ncp)
