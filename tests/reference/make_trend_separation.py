"""Reference values for trends whose zero counts are separated (research.stats.rates).

A Poisson trend with a level shift has no finite maximum when the years on one side of the
break have no cases: the shift (or the intercept with it) fits those zeros only at minus
infinity. The estimates of the other terms are then the limits of the fit along that
direction, which are the maximum likelihood estimates of the model without those years and
without the terms they alone identify (Santos Silva & Tenreyro 2010; Correia, Guimarães &
Zylkin 2021). This script fits that reduced model with statsmodels, independently of
pilotbench: which years are separated and which terms go is worked out by hand for each case
(in ``CASES``), not by pilotbench's linear programme.

Run once in a scratch environment (not part of the test suite):

    python3 -m venv /tmp/refenv-sep
    /tmp/refenv-sep/bin/pip install statsmodels numpy scipy
    /tmp/refenv-sep/bin/python tests/reference/make_trend_separation.py

Writes ``tests/reference/trend_separation_statsmodels.json``.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm

YEARS = list(range(2015, 2022))
EXPOSURES = [9800.0, 10050.0, 10200.0, 10400.0, 10550.0, 10700.0, 10900.0]

# name, counts, breaks, the separated years (by hand) and the columns of the reduced design:
# the intercept, the year centred on the mean of all seven years (2018), and the level shifts
# that still vary within the years left
CASES = [
    # no case before the 2018 break: intercept -> -inf and shift -> +inf; the shift equals the
    # intercept on the years left, so the reduced design is intercept + year
    ("zeros_before_break", [0, 0, 0, 4, 5, 6, 7], [2018], [2015, 2016, 2017], []),
    # no case from the 2019 break on: the shift -> -inf
    ("zeros_after_break", [3, 4, 5, 6, 0, 0, 0], [2019], [2019, 2020, 2021], []),
    # zeros before the break separated; the zeros after it are not (the trend fits them)
    ("zeros_before_break_and_late", [0, 0, 0, 4, 5, 1, 0], [2018], [2015, 2016, 2017], []),
    # the middle segment of two breaks has no case: shift 2017 -> -inf, shift 2019 -> +inf;
    # on the years left both shifts are the same column, kept once (as "break_2019")
    ("empty_middle_segment", [2, 3, 0, 0, 5, 6, 7], [2017, 2019], [2017, 2018], [2019]),
]


def fit(counts, breaks_left, separated):
    keep = [i for i, y in enumerate(YEARS) if y not in separated]
    years = np.array(YEARS, dtype=float)[keep]
    y = np.array(counts, dtype=float)[keep]
    e = np.array(EXPOSURES)[keep]
    cols = [np.ones_like(years), years - np.mean(YEARS)]
    cols += [(years >= b).astype(float) for b in breaks_left]
    X = np.column_stack(cols)
    model = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(e))
    pois = model.fit(tol=1e-14)
    quasi = model.fit(scale="X2", tol=1e-14)
    df = int(pois.df_resid)
    return {
        "kept_years": [int(v) for v in years],
        "year_estimate": float(pois.params[1]),
        "year_se_poisson": float(pois.bse[1]),
        "year_p_poisson": float(pois.pvalues[1]),
        "year_ci_poisson": [float(v) for v in pois.conf_int(0.05)[1]],
        "quasi_scale": float(quasi.scale),
        "year_se_quasi_unfloored": float(quasi.bse[1]),
        "df_resid": df,
        "pearson_chi2": float(pois.pearson_chi2),
        "deviance": float(pois.deviance),
        "fitted_kept": [float(v) for v in pois.fittedvalues],
    }


def main() -> None:
    out = {
        "about": (
            "statsmodels GLM Poisson on the years and terms left once the separated zero "
            "counts are dropped (tests/reference/make_trend_separation.py)"
        ),
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "statsmodels": statsmodels.__version__,
        },
        "years": YEARS,
        "exposures": EXPOSURES,
        "cases": [
            {"name": n, "counts": c, "breaks": b, "separated": s, **fit(c, left, s)}
            for n, c, b, s, left in CASES
        ],
    }
    path = Path(__file__).with_name("trend_separation_statsmodels.json")
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
