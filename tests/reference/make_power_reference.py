"""Reference power values for research.stats.power from statsmodels (run once, output committed).

How it was run on 2026-11-26 (scratch virtualenv outside the repository)::

    python3 -m venv /tmp/refenv-power
    /tmp/refenv-power/bin/pip install statsmodels scipy numpy
    /tmp/refenv-power/bin/python tests/reference/make_power_reference.py

Versions are written into the JSON. The cases are the treated area alone (an unlimited
comparison group, so the comparison terms of the variance vanish): the post-period count has
expected value ``baseline * years_post * rr`` and the pre-period count
``baseline * years_pre``; statsmodels' ``power_poisson_ratio_2indep`` (Zhu 2017; Zhu & Lakkis
2014) with ``method_var="alt"`` uses the variance of the log rate ratio at the alternative,
``dispersion * (1/mu_post + 1/mu_pre)``, and a two-sided z test, which is what
``research.stats.power.power_at(..., inference="wald")`` computes.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import scipy
import statsmodels
from statsmodels.stats.rates import power_poisson_ratio_2indep

CASES = [
    # baseline per year, years_pre, years_post, rate ratio, dispersion (phi), alpha
    (15.0, 3, 3, 0.8, 1.0, 0.05),
    (15.0, 3, 3, 0.5, 1.0, 0.05),
    (15.0, 3, 3, 1.3, 1.0, 0.05),
    (127.0, 5, 3, 0.9, 1.0, 0.05),
    (127.0, 5, 3, 0.9, 2.0, 0.05),
    (40.0, 4, 2, 0.7, 1.5, 0.10),
    (3.0, 3, 3, 0.4, 1.0, 0.05),
    (1000.0, 2, 2, 0.95, 1.0, 0.01),
]


def main() -> None:
    rows = []
    for b, yp, yq, rr, phi, alpha in CASES:
        res = power_poisson_ratio_2indep(
            rate1=b * rr,
            rate2=b,
            nobs1=yq,
            nobs_ratio=yp / yq,
            exposure=1.0,
            value=1.0,
            alpha=alpha,
            dispersion=phi,
            alternative="two-sided",
            method_var="alt",
            return_results=True,
        )
        rows.append(
            dict(
                baseline=b,
                years_pre=yp,
                years_post=yq,
                rate_ratio=rr,
                overdispersion=phi,
                alpha=alpha,
                power=float(res.power),
                std_alt=float(res.std_alt),
            )
        )
    out = {
        "source": "statsmodels.stats.rates.power_poisson_ratio_2indep, method_var='alt', "
        "alternative='two-sided'",
        "versions": {
            "statsmodels": statsmodels.__version__,
            "scipy": scipy.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "cases": rows,
    }
    path = Path(__file__).with_name("power_statsmodels.json")
    path.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
