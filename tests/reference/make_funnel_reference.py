"""Reference values for tests/test_funnel.py, computed independently of research.stats.funnel.

How it was run (once, 2026-11-26, outside the repository's environment):

    python3 -m venv /tmp/refenv-rates
    /tmp/refenv-rates/bin/pip install statsmodels mpmath scipy numpy
    /tmp/refenv-rates/bin/python tests/reference/make_funnel_reference.py

Versions used: Python 3.11.7, mpmath 1.4.1, numpy 2.4.6 (only for the seeded simulation of
the example data). Output: tests/reference/funnel_reference.json.

This is a second implementation of Spiegelhalter (2005), "Funnel plots for comparing
institutional performance", Stat Med 24:1185-1202, written from the paper's formulas with
50-digit mpmath arithmetic and plain Python loops - no scipy distribution functions:

* exact limits: the Poisson cdf accumulated term by term while stepping r = 0, 1, 2, ...
  until F(r) >= p (r_p); limit count r_p - (F(r_p) - p)/(F(r_p) - F(r_p - 1)); rate = limit/n;
* normal limits: target ± z_p·sqrt(target/n) with z_p from mpmath.erfinv;
* over-dispersion: z_i = (O_i - E_i)/sqrt(E_i); winsorized at the 10 % and 90 % quantiles
  computed by hand with the linear-interpolation rule h = (I - 1)q (R's type 7);
  phi = mean(z_w²); tau² = (I·phi - (I - 1))/(Σw - Σw²/Σw), w_i = n_i/target, 0 if
  I·phi <= I - 1;
* over-dispersed limits: paper's normal formulas target ± z_p·sqrt(phi)·s (phi > 1) and
  target ± z_p·sqrt(s² + tau²); for the exact method the distance of the exact limit from the
  target multiplied by sqrt(phi) or sqrt(1 + tau²/s²) (the documented pilotbench choice);
* every limit is finally cut at 0 (rates cannot be negative).
"""

from __future__ import annotations

import json
from pathlib import Path

import mpmath as mp
import numpy as np

mp.mp.dps = 50
OUT = Path(__file__).with_name("funnel_reference.json")
PER = 100_000


def exact_limit_count(mu, p) -> mp.mpf:
    """Interpolated quantile: walk r = 0, 1, 2, ... accumulating pmf terms until F(r) >= p."""
    p = mp.mpf(p)
    pmf = mp.e ** (-mu)  # P(X = 0)
    f_prev, f_r, r = mp.mpf(0), pmf, 0
    while f_r < p:
        r += 1
        pmf = pmf * mu / r
        f_prev, f_r = f_r, f_r + pmf
    return r - (f_r - p) / (f_r - f_prev)


def z_of(level) -> mp.mpf:
    return mp.sqrt(2) * mp.erfinv(mp.mpf(level))


def quantile7(values, q):
    v = sorted(values)
    h = (len(v) - 1) * mp.mpf(q)
    lo = int(mp.floor(h))
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (h - lo) * (v[hi] - v[lo])


def limits(target, n, level, method, od=None, phi=1, tau2_unit=0):
    theta = mp.mpf(target) / PER
    n = mp.mpf(n)
    s = mp.sqrt(theta / n)
    if method == "exact":
        mu = theta * n
        lo = exact_limit_count(mu, (1 - mp.mpf(level)) / 2) / n
        hi = exact_limit_count(mu, (1 + mp.mpf(level)) / 2) / n
    else:
        z = z_of(level)
        lo, hi = theta - z * s, theta + z * s
    if od == "multiplicative":
        k = mp.sqrt(max(phi, 1))
    elif od == "additive":
        k = mp.sqrt(1 + tau2_unit / s**2)
    else:
        k = 1
    lo = theta + (lo - theta) * k
    hi = theta + (hi - theta) * k
    return float(max(lo, 0) * PER), float(max(hi, 0) * PER)


# ------------------------------------------------------------------ limits on a grid
grid_cases = []
for target in (8.0, 60.0, 350.0):
    for n in (20, 500, 3_000, 12_345, 50_000, 131_000, 985_000, 10_000_000):
        for level in (0.95, 0.998):
            for method in ("exact", "normal"):
                lo, hi = limits(target, n, level, method)
                grid_cases.append(
                    {
                        "target": target,
                        "exposure": n,
                        "level": level,
                        "method": method,
                        "lower": lo,
                        "upper": hi,
                    }
                )

# ------------------------------------------------------------------ example areas
# 26 areas shaped like the kommuner of Stockholms län (populations from about 10 000 to
# 985 000), counts gamma-Poisson with rate 45 per 100 000 and a coefficient of variation of
# about 25 % between areas, plus two planted outliers.
rng = np.random.default_rng(2005)
pops = np.sort(np.round(np.exp(rng.uniform(np.log(10_000), np.log(985_000), 26)))).astype(int)
true_rates = 45e-5 * rng.gamma(16.0, 1 / 16.0, pops.size)
true_rates[5] *= 2.2
true_rates[20] *= 0.5
counts = rng.poisson(true_rates * pops).astype(int)
areas = [f"{i:04d}" for i in range(101, 101 + pops.size)]

n_areas = len(counts)
target = mp.mpf(int(counts.sum())) * PER / int(pops.sum())
theta = target / PER
z = [(int(o) - theta * int(n)) / mp.sqrt(theta * int(n)) for o, n in zip(counts, pops, strict=True)]
zl, zh = quantile7(z, 0.1), quantile7(z, 0.9)
zw = [min(max(v, zl), zh) for v in z]
phi = mp.fsum(v**2 for v in zw) / n_areas
w = [int(n) / theta for n in pops]
excess = n_areas * phi - (n_areas - 1)
tau2_unit = excess / (mp.fsum(w) - mp.fsum(x**2 for x in w) / mp.fsum(w)) if excess > 0 else 0

area_rows = []
for a, o, n, zi in zip(areas, counts, pops, z, strict=True):
    row = {"area": a, "count": int(o), "exposure": int(n), "z": float(zi)}
    s2 = theta / int(n)
    row["z_mult"] = float(zi / mp.sqrt(max(phi, 1)))
    row["z_add"] = float((mp.mpf(int(o)) / int(n) - theta) / mp.sqrt(s2 + tau2_unit))
    for method in ("exact", "normal"):
        for od in (None, "multiplicative", "additive"):
            for level in (0.95, 0.998):
                lo, hi = limits(target, int(n), level, method, od, phi, tau2_unit)
                rate = int(o) / int(n) * PER
                flag = "high" if rate > hi else ("low" if rate < lo else "within")
                key = f"{method}_{od or 'none'}_{level}"
                row[key] = {"lower": lo, "upper": hi, "flag": flag}
    area_rows.append(row)

OUT.write_text(
    json.dumps(
        {
            "generated_by": "tests/reference/make_funnel_reference.py",
            "versions": {"mpmath": mp.__version__, "numpy": np.__version__},
            "per": PER,
            "grid": grid_cases,
            "areas": {
                "target": float(target),
                "phi": float(phi),
                "tau2": float(tau2_unit * PER**2),
                "winsor_bounds": [float(zl), float(zh)],
                "rows": area_rows,
            },
        },
        indent=1,
    )
    + "\n"
)
print("wrote", OUT, "phi", float(phi), "tau2", float(tau2_unit * PER**2))
