"""Reference values for the NB2 dispersion when the profile likelihood has two maxima.

Used by tests/test_glm.py and tests/test_rates.py (``research.stats.glm.nb2_alpha``,
``fit_negbin`` and ``poisson_trend(..., overdispersion="negbin")``). Run once, outside the
project environment (statsmodels is not a pilotbench dependency):

    python3 -m venv /tmp/refenv-nb2
    /tmp/refenv-nb2/bin/pip install statsmodels scipy numpy pandas mpmath
    /tmp/refenv-nb2/bin/python tests/reference/make_nb2_profile_reference.py

Run on 2026-12-03 with Python 3.11, statsmodels 0.15.0, numpy 2.4.6, scipy 1.17.1, mpmath
1.4.1 (recorded in the JSON under "versions"). Output: tests/reference/nb2_profile_statsmodels.json.

Each case is a log-linear trend (intercept and centred year, log exposure offset) on yearly
counts, except ``sharp_peak`` (its design ``X`` is stored). Nothing here uses research.stats:

* ``profile``: the profile log-likelihood on a grid of log(alpha) from -12 (-20 for
  ``tiny_alpha``) to 6 in steps of 0.01, each point a
  ``sm.GLM(family=NegativeBinomial(alpha))`` fit; its local maxima are listed
  (``local_maxima``, ``local_minima``: log alpha and log-likelihood) with the Poisson
  log-likelihood (``poisson_llf``, the limit alpha -> 0).
* ``starts``: statsmodels' discrete ``NegativeBinomial`` (NB2) maximum likelihood (Newton,
  tol 1e-14) started at the Poisson coefficients and each alpha in ``START_ALPHAS``: where
  each start ends (alpha, log-likelihood). Different starts end at different maxima, which
  is the fault the tests guard against.
* ``ml``: the global maximum. When the grid's highest local maximum beats the Poisson
  log-likelihood (``at_boundary`` False), statsmodels' Newton started there polishes it
  (alpha, coefficients, log-likelihood; where Newton does not converge, scipy's bounded
  scalar search on the profile within the grid step: ``polished_by``). ``bse`` are the
  standard errors from the expected information at those estimates (alpha treated as
  known, as MASS::glm.nb); ``glm_at_alpha_bse`` are ``sm.GLM``'s at that alpha, a
  cross-check only, since its IRLS can cycle there (``oscillating``). Otherwise
  ``at_boundary`` is True and the Poisson fit is the answer.

A second block, ``special``, checks research.stats._nb2 (tests/test_nb2.py): 50-digit mpmath
values of ``lgamma(y + theta) - lgamma(theta) - y·log(theta)`` and ``psi(y + theta) -
psi(theta)`` on a grid of counts and sizes, and of the NB2 minus the Poisson log-likelihood
at fixed means for alpha from exp(-30) to exp(-2), where the textbook formula loses all its
digits.

The cases were found by scanning simulated series for profiles that fall away from the
Poisson limit: ``bimodal_interior`` (the counts from the session-21 review, the higher
maximum inside), ``rising_interior`` (the same shape with an upward trend) and
``bimodal_boundary`` (an inside local maximum, lower than the Poisson limit). The review of
the first version added ``outlier_trend`` and ``oscillating`` (heavy over-dispersion and one
outlying count), ``tiny_alpha`` (a million events a year, alpha about 5e-8) and
``sharp_peak`` (a maximum narrower than the search grid's step).
"""

from __future__ import annotations

import json
from pathlib import Path

import mpmath as mp
import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import optimize
from statsmodels.discrete.discrete_model import NegativeBinomial

OUT = Path(__file__).with_name("nb2_profile_statsmodels.json")
START_ALPHAS = [0.001, 0.01, 0.05, 0.2, 0.5, 1.0, 3.0]
YEARS = list(range(2015, 2023))

CASES = {
    "bimodal_interior": {
        "counts": [16, 5, 0, 3, 1, 0, 0, 0],
        "exposures": [1.46, 1.43, 1.71, 0.92, 0.79, 0.88, 0.62, 0.93],
    },
    "rising_interior": {
        "counts": [0, 1, 0, 10, 1, 10, 19, 39],
        "exposures": [1.0] * 8,
    },
    "bimodal_boundary": {
        "counts": [104, 50, 14, 4, 1, 2, 5, 0],
        "exposures": [1.0] * 8,
    },
    # from the review of the first version: one outlying year and heavy over-dispersion,
    # where IRLS from the Poisson coefficients ran off (slope -14.5) and an undamped IRLS
    # cycled between two slopes
    "outlier_trend": {
        "counts": [2118, 5, 10, 0, 11, 0, 0, 0, 0, 1],
        "exposures": [1.0] * 10,
        "years": list(range(2010, 2020)),
    },
    "oscillating": {
        "counts": [4331, 2, 15, 0, 0, 0, 2, 4],
        "exposures": [1.0] * 8,
    },
}


def _tiny_alpha_case():
    # a million events a year with relative over-dispersion alpha·mu of about 0.05 (alpha
    # about 5e-8): a grid in absolute alpha that starts at 1e-6 takes it for Poisson
    rng = np.random.default_rng(20261203)
    t = np.arange(12) - 5.5
    mu = 1.0e6 * np.exp(0.02 * t)
    alpha = 5e-8
    y = rng.poisson(rng.gamma(1 / alpha, mu * alpha))
    return {"counts": [int(v) for v in y], "exposures": [1.0] * 12,
            "years": list(range(2011, 2023)), "grid_low": -20.0}  # fmt: skip


def _sharp_peak_case():
    # 400 over-dispersed small counts and 24 of 12 500 in a second group (two-group design):
    # a peak in log(alpha) so narrow that a 0.5 grid samples it below the Poisson limit
    rng = np.random.default_rng(1)
    small = rng.poisson(rng.gamma(0.5, 2.0, 400))
    y = np.r_[small, np.full(24, 12_500)]
    group = np.r_[np.zeros(400), np.ones(24)]
    return {"counts": [int(v) for v in y], "exposures": [1.0] * y.size,
            "X": np.column_stack([np.ones(y.size), group]).tolist()}  # fmt: skip


CASES["tiny_alpha"] = _tiny_alpha_case()
CASES["sharp_peak"] = _sharp_peak_case()


def design(years):
    t = np.asarray(years, dtype=float)
    return np.column_stack([np.ones(len(t)), t - t.mean()])


def case_block(counts, exposures, years=None, X=None, grid_low=-12.0):
    y = np.asarray(counts, dtype=float)
    off = np.log(np.asarray(exposures, dtype=float))
    years = YEARS if years is None and X is None else years
    X = design(years) if X is None else np.asarray(X, dtype=float)
    pois = sm.GLM(y, X, family=sm.families.Poisson(), offset=off).fit(tol=1e-14)
    # statsmodels' NB2 log-likelihood loses its last digits at tiny alpha (it subtracts
    # lgamma values of size theta·log(theta)), so the grid starts at e^-12 unless a case
    # needs lower (tiny_alpha, whose gain over Poisson is far above that noise)
    grid = np.round(np.arange(grid_low, 6.0 + 1e-9, 0.01), 2)
    llf = []
    start = pois.params
    for la in grid:
        fam = sm.families.NegativeBinomial(alpha=float(np.exp(la)))
        res = sm.GLM(y, X, family=fam, offset=off).fit(start_params=start, tol=1e-14)
        start = res.params
        llf.append(float(res.llf))
    llf = np.asarray(llf)
    peaks = [
        (float(grid[i]), float(llf[i]))
        for i in range(1, grid.size - 1)
        if llf[i] > llf[i - 1] and llf[i] >= llf[i + 1]
    ]
    model = NegativeBinomial(y, X, offset=off, loglike_method="nb2")
    starts = []
    for a0 in START_ALPHAS:
        fit = model.fit(
            start_params=np.append(pois.params, a0), method="newton", maxiter=200,
            tol=1e-14, disp=0,
        )  # fmt: skip
        starts.append({
            "start_alpha": a0,
            "alpha": float(fit.params[-1]),
            "llf": float(fit.llf),
            "converged": bool(fit.mle_retvals["converged"]),
        })  # fmt: skip
    minima = [
        (float(grid[i]), float(llf[i]))
        for i in range(1, grid.size - 1)
        if llf[i] < llf[i - 1] and llf[i] <= llf[i + 1]
    ]
    block = {
        "counts": counts,
        "exposures": exposures,
        **({"years": years} if years is not None else {"X": X.tolist()}),
        "poisson_llf": float(pois.llf),
        "poisson_params": pois.params.tolist(),
        "poisson_bse": pois.bse.tolist(),
        "score_at_zero_sign": int(np.sign(np.sum((y - pois.mu) ** 2 - y))),
        "local_maxima": peaks,
        "local_minima": minima,
        "starts": starts,
    }
    top = max(peaks, key=lambda p: p[1])
    if top[1] <= pois.llf:
        block["ml"] = {"at_boundary": True, "best_interior_llf": top[1]}
        return block
    # polish the grid's best point by Newton on the full likelihood, started there
    i = int(np.flatnonzero(grid == top[0])[0])
    fam = sm.families.NegativeBinomial(alpha=float(np.exp(grid[i])))
    at_top = sm.GLM(y, X, family=fam, offset=off).fit(tol=1e-14)
    start = np.append(at_top.params, np.exp(grid[i]))
    fit = model.fit(start_params=start, method="newton", maxiter=200, tol=1e-14, disp=0)
    if fit.mle_retvals["converged"]:
        # statsmodels' IRLS at a fixed alpha can cycle (oscillating: its grid value at 1.73
        # is 0.18 below the joint maximum at 1.70), so the polish is held to the likelihood
        # (1e-6: statsmodels' discrete and GLM log-likelihoods differ by rounding at tiny alpha)
        assert fit.llf >= top[1] - 1e-6
        alpha, params, llf, how = float(fit.params[-1]), fit.params[:-1], float(fit.llf), "newton"
    else:
        # Newton on (beta, alpha) is badly scaled at alpha ~ 1e-7 (tiny_alpha): maximise the
        # profile (GLM fits at fixed alpha) over log(alpha) within the grid step instead
        def neg_profile(la):
            fam = sm.families.NegativeBinomial(alpha=float(np.exp(la)))
            return -sm.GLM(y, X, family=fam, offset=off).fit(tol=1e-14).llf

        res = optimize.minimize_scalar(
            neg_profile, bounds=(grid[i] - 0.01, grid[i] + 0.01), method="bounded",
            options={"xatol": 1e-10},
        )  # fmt: skip
        alpha, how = float(np.exp(res.x)), "profile"
        g = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha), offset=off)
        g = g.fit(tol=1e-14)
        params, llf = g.params, float(g.llf)
        assert llf >= top[1] - 1e-6
    glm = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha), offset=off).fit(tol=1e-14)
    # standard errors from the expected information at the ML estimates themselves,
    # X' diag(mu / (1 + alpha mu)) X (MASS::glm.nb's): statsmodels' GLM refit at alpha can
    # cycle (oscillating), so its bse are kept only as a cross-check where it converges
    mu = np.exp(X @ np.asarray(params) + off)
    info = X.T @ (X * (mu / (1 + alpha * mu))[:, None])
    block["ml"] = {
        "at_boundary": False,
        "alpha": alpha,
        "params": np.asarray(params).tolist(),
        "llf": llf,
        "polished_by": how,
        "bse": np.sqrt(np.diag(np.linalg.inv(info))).tolist(),
        "glm_at_alpha_bse": glm.bse.tolist(),
        "glm_at_alpha_llf": float(glm.llf),
    }
    return block


def special_block():
    mp.mp.dps = 50
    thetas = [0.3, 3.0, 19.9, 20.0, 20.1, 1e3, 1e6, 1e9, 1e13, 1e17]
    counts = [0.0, 1.0, 2.0, 7.0, 30.0, 500.0, 1e4, 2.5e5]
    rows = []
    for th in thetas:
        for y in counts:
            t = mp.mpf(th)
            rows.append({
                "y": y,
                "theta": th,
                "log_rising_ratio": float(mp.loggamma(y + t) - mp.loggamma(t) - y * mp.log(t)),
                "digamma_difference": float(mp.digamma(y + t) - mp.digamma(t)),
            })  # fmt: skip
    rng = np.random.default_rng(20261203)
    mu = rng.uniform(5_000.0, 20_000.0, 20)
    y = rng.poisson(mu).astype(float)
    diffs = []
    for la in range(-30, -1, 2):
        t = 1 / mp.exp(la)
        d = mp.mpf(0)
        for yy, mm in zip(y, mu, strict=True):
            yy, mm = mp.mpf(yy), mp.mpf(mm)
            nb = (mp.loggamma(yy + t) - mp.loggamma(t) - mp.loggamma(yy + 1)
                  + t * mp.log(t / (t + mm)) + yy * mp.log(mm / (t + mm)))  # fmt: skip
            d += nb - (yy * mp.log(mm) - mm - mp.loggamma(yy + 1))
        diffs.append({"log_alpha": la, "nb_minus_poisson": float(d)})
    return {"grid": rows, "y": y.tolist(), "mu": mu.tolist(), "loglike": diffs}


out = {
    "versions": {
        "mpmath": mp.__version__,
        "statsmodels": statsmodels.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    },
    "cases": {name: case_block(**c) for name, c in CASES.items()},
    "special": special_block(),
}
OUT.write_text(json.dumps(out, indent=1) + "\n")
for name, c in out["cases"].items():
    print(name, c["score_at_zero_sign"], c["poisson_llf"], c["local_maxima"], c["local_minima"])
    print("   ml:", c["ml"])
    print("   starts:", [(s["start_alpha"], s["alpha"], s["llf"]) for s in c["starts"]])
