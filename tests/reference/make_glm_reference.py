"""Reference values for tests/test_glm.py (research.stats.glm), computed with statsmodels.

Run once, outside the project environment (statsmodels is not a pilotbench dependency):

    python3 -m venv /tmp/scratch-mutate
    /tmp/scratch-mutate/bin/pip install statsmodels scipy numpy pandas
    /tmp/scratch-mutate/bin/python tests/reference/make_glm_reference.py

Run on 2026-11-30 with Python 3.11, statsmodels 0.15.0, numpy 2.4.6, scipy 1.17.1 (recorded in
the JSON under "versions"). Output: tests/reference/glm_statsmodels.json. The data are drawn
here with a fixed seed and stored in the JSON; the tests read them from there.

What is recorded, per data set:

* ``gaussian``: ``sm.OLS`` coefficients, standard errors (residual variance RSS/(n-k)),
  log-likelihood at the ML variance, residual sum of squares; CR1 cluster-robust standard
  errors (``cov_type="cluster"``, statsmodels' default small-sample correction
  G/(G-1)·(N-1)/(N-K)).
* ``poisson``: ``sm.GLM(family=Poisson)`` with a log-exposure offset: coefficients, model
  standard errors, deviance, Pearson chi2, log-likelihood, quasi-likelihood standard errors
  (``scale="X2"``), CR1 cluster-robust standard errors.
* ``negbin_fixed``: ``sm.GLM(family=NegativeBinomial(alpha=0.3))`` (NB2, alpha known): the
  same quantities.
* ``negbin_ml``: alpha and coefficients by maximum likelihood with the discrete
  ``NegativeBinomial`` model (Newton, polished), then ``GLM`` at that alpha for standard
  errors (alpha treated as known, as MASS::glm.nb), deviance, Pearson chi2 and llf; CR1
  cluster-robust standard errors of that GLM (scores divided by 1 + alpha·mu).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm
from statsmodels.discrete.discrete_model import NegativeBinomial

OUT = Path(__file__).with_name("glm_statsmodels.json")
rng = np.random.default_rng(20261130)

# 6 units x 8 years, a treated unit from year 5, exposure in person-years
units = np.repeat(np.arange(6), 8)
years = np.tile(np.arange(8), 6)
treat = ((units == 0) & (years >= 5)).astype(float)
expo = np.repeat(rng.uniform(20_000, 120_000, 6), 8)
X = np.column_stack([np.ones(48), years - 3.5, treat, (units % 2).astype(float)])
mu = expo * 4e-4 * np.exp(0.05 * (years - 3.5) - 0.3 * treat + 0.2 * (units % 2))
y_pois = rng.poisson(mu).astype(float)
y_nb = rng.poisson(rng.gamma(shape=4.0, scale=mu / 4.0)).astype(float)
y_gauss = X @ np.array([3.0, 0.4, -1.2, 0.8]) + rng.normal(0.0, 1.5, 48)
offset = np.log(expo)
groups = units


def cluster_bse(model):
    # research.stats.glm's bread is the inverse *expected* information (as its docstring says);
    # for NB2 with a log link (not canonical) statsmodels' IRLS default uses the observed
    # Hessian in the sandwich, so the expected one is requested explicitly ("eim").
    res = model.fit(method="newton", optim_hessian="eim", maxiter=200, tol=1e-14,
                    cov_type="cluster", cov_kwds={"groups": groups})  # fmt: skip
    return res.bse.tolist()


out: dict = {
    "versions": {
        "statsmodels": statsmodels.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    },
    "X": X.tolist(),
    "offset": offset.tolist(),
    "groups": groups.tolist(),
    "y_gauss": y_gauss.tolist(),
    "y_pois": y_pois.tolist(),
    "y_nb": y_nb.tolist(),
}

ols = sm.OLS(y_gauss, X).fit()
ols_cl = sm.OLS(y_gauss, X).fit(cov_type="cluster", cov_kwds={"groups": groups})
out["gaussian"] = {
    "params": ols.params.tolist(),
    "bse": ols.bse.tolist(),
    "scale": float(ols.scale),
    "llf": float(ols.llf),
    "ssr": float(ols.ssr),
    "cluster_bse": ols_cl.bse.tolist(),
}


def glm_block(y, family, **kw):
    model = sm.GLM(y, X, family=family, offset=offset)
    res = model.fit(tol=1e-14)
    x2 = model.fit(scale="X2", tol=1e-14)
    return {
        "params": res.params.tolist(),
        "bse": res.bse.tolist(),
        "deviance": float(res.deviance),
        "pearson_chi2": float(res.pearson_chi2),
        "llf": float(res.llf),
        "bse_x2": x2.bse.tolist(),
        "scale_x2": float(x2.scale),
        "cluster_bse": cluster_bse(sm.GLM(y, X, family=family, offset=offset)),
        **kw,
    }


out["poisson"] = glm_block(y_pois, sm.families.Poisson())
out["negbin_fixed"] = glm_block(y_nb, sm.families.NegativeBinomial(alpha=0.3), alpha=0.3)

nbm = NegativeBinomial(y_nb, X, offset=offset, loglike_method="nb2")
start = np.append(sm.GLM(y_nb, X, family=sm.families.Poisson(), offset=offset).fit().params, 0.2)
nb0 = nbm.fit(start_params=start, method="bfgs", maxiter=2000, gtol=1e-10, disp=0)
nb = nbm.fit(start_params=nb0.params, method="newton", maxiter=100, tol=1e-14, disp=0)
alpha = float(nb.params[-1])
block = glm_block(y_nb, sm.families.NegativeBinomial(alpha=alpha), alpha=alpha)
block["ml_params"] = nb.params[:-1].tolist()
block["ml_llf"] = float(nb.llf)
block["converged"] = bool(nb.mle_retvals["converged"])
out["negbin_ml"] = block

# intercept-only NB2: the ML mean is the sample mean (closed form, checked by statsmodels)
y6 = np.array([2.0, 9.0, 4.0, 15.0, 1.0, 7.0])
nb6 = NegativeBinomial(y6, np.ones((6, 1)), loglike_method="nb2").fit(
    start_params=[np.log(y6.mean()), 0.5], method="newton", maxiter=200, tol=1e-14, disp=0
)
out["negbin_intercept_only"] = {
    "y": y6.tolist(),
    "params": nb6.params[:-1].tolist(),
    "alpha": float(nb6.params[-1]),
    "llf": float(nb6.llf),
}

OUT.write_text(json.dumps(out, indent=1) + "\n")
print("wrote", OUT, "alpha", alpha)
