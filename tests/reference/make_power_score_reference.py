"""Reference power of the score test of research.stats.power from statsmodels (run once).

How it was run on 2026-12-02 (scratch virtualenv outside the repository)::

    python3 -m venv /tmp/sm2
    /tmp/sm2/bin/pip install statsmodels numpy scipy
    /tmp/sm2/bin/python tests/reference/make_power_score_reference.py

Versions are written into ``power_score_statsmodels.json``.

The design (what ``research.stats.power`` with ``estimator="did_poisson"``,
``inference="score"`` assumes): the treated area has ``b`` expected events a year, the
comparison pool ``C`` (``None`` = unlimited), ``T0`` years before and ``T1`` after the start,
a rate ratio ``RR`` in the treated area after the start and over-dispersion ``phi``. The score
test of no interaction in the 2x2 table of totals is, conditional on each group's total, the
two-proportion z test of the share of events after the start, with effective counts
``N / phi``:

* treated: ``nobs1 = b (T0 + T1 RR) / phi`` with share ``p1 = T1 RR / (T0 + T1 RR)``;
* comparison: ``nobs2 = C (T0 + T1) / phi`` with share ``p2 = T1 / (T0 + T1)``, so
  ``ratio = nobs2 / nobs1``.

The only thing this script writes itself is that mapping of the design to proportions and
sample sizes; the power is statsmodels':

* a finite pool: ``statsmodels.stats.proportion.power_proportions_2indep(diff=p1 - p2,
  prop2=p2, nobs1, ratio, alpha, alternative="two-sided")``, the z test with the variance
  pooled under the null and separate under the alternative (Fleiss, Levin & Paik 2003,
  ch. 4), stored as ``power``;
* an unlimited pool (``p2`` known, the one-sample test of ``p1 = p2``): statsmodels has no
  one-sample proportion power function of this form (``NormalIndPower`` takes one variance
  for null and alternative, ``power_binom_tost`` is an exact equivalence test), so two
  references are stored: ``power`` from ``statsmodels.stats.power.normal_power_het(diff,
  nobs1, alpha, std_null=sqrt(p2 (1 - p2)), std_alternative=sqrt(p1 (1 - p1)))``, the generic
  normal power with different null and alternative variances that
  ``power_proportions_2indep`` itself calls, and ``power_limit`` from
  ``power_proportions_2indep`` with ``ratio = 1e12`` (a comparison group a trillion times the
  treated one: its share is then known to ~1e-12), a check of the limit by the two-sample
  function.
"""

from __future__ import annotations

import itertools
import json
import math
import platform
from pathlib import Path

import numpy as np
import scipy
import statsmodels
from statsmodels.stats.power import normal_power_het
from statsmodels.stats.proportion import power_proportions_2indep

BASELINES = (3.0, 12.3, 150.0)
#: comparison pool as a multiple of the baseline ("1" = one comparison unit the treated
#: one's size, "20" = a region, 1e6 / b = a pool of a million events a year), None = unlimited
POOLS = (1.0, 20.0, "million", None)
YEARS = ((3, 1), (3, 3), (5, 2))
RATE_RATIOS = (0.05, 0.5, 0.8, 1.5)
PHIS = (1.0, 1.7)
EXTRA = [
    # b, pool (events a year, None = unlimited), T0, T1, RR, phi, alpha
    (40.0, 400.0, 4, 2, 0.7, 1.0, 0.10),
    (40.0, None, 4, 2, 0.7, 1.0, 0.10),
    (2000.0, 60000.0, 2, 2, 0.95, 1.0, 0.01),
    (2000.0, None, 2, 2, 0.95, 2.5, 0.01),
    (0.8, 8.0, 3, 10, 0.3, 1.0, 0.05),
    (0.8, None, 3, 10, 3.0, 1.0, 0.05),
    (12.3, None, 3, 10, 0.01, 1.0, 0.05),
]


def case(b: float, pool: float | None, t0: int, t1: int, rr: float, phi: float, alpha: float):
    n1 = b * (t0 + t1 * rr) / phi
    p1 = t1 * rr / (t0 + t1 * rr)
    p2 = t1 / (t0 + t1)
    row = dict(
        baseline=b, control_count=pool, years_pre=t0, years_post=t1, rate_ratio=rr,
        overdispersion=phi, alpha=alpha, nobs1=n1, prop1=p1, prop2=p2,
    )  # fmt: skip
    if pool is not None:
        n2 = pool * (t0 + t1) / phi
        res = power_proportions_2indep(
            p1 - p2, p2, n1, ratio=n2 / n1, alpha=alpha, alternative="two-sided"
        )
        row.update(nobs2=n2, power=float(res.power), std_null=float(res.std_null),
                   std_alt=float(res.std_alt))  # fmt: skip
    else:
        pw = normal_power_het(
            p1 - p2, n1, alpha, std_null=math.sqrt(p2 * (1 - p2)),
            std_alternative=math.sqrt(p1 * (1 - p1)), alternative="two-sided",
        )  # fmt: skip
        lim = power_proportions_2indep(
            p1 - p2, p2, n1, ratio=1e12, alpha=alpha, alternative="two-sided"
        )
        row.update(nobs2=None, power=float(pw), power_limit=float(lim.power))
    return row


def main() -> None:
    rows = []
    for b, pool, (t0, t1), rr, phi in itertools.product(BASELINES, POOLS, YEARS, RATE_RATIOS, PHIS):
        c = None if pool is None else (1e6 if pool == "million" else pool * b)
        rows.append(case(b, c, t0, t1, rr, phi, 0.05))
    rows += [case(*e) for e in EXTRA]
    out = {
        "source": "statsmodels.stats.proportion.power_proportions_2indep (finite pool); "
        "statsmodels.stats.power.normal_power_het with the one-sample variances (unlimited "
        "pool, 'power') and power_proportions_2indep with ratio=1e12 ('power_limit'); "
        "alternative='two-sided'. See make_power_score_reference.py for the mapping.",
        "versions": {
            "statsmodels": statsmodels.__version__,
            "scipy": scipy.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "cases": rows,
    }
    path = Path(__file__).with_name("power_score_statsmodels.json")
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} cases to {path}")


if __name__ == "__main__":
    main()
