"""Reference values for research.stats.its on the Sicilian smoking-ban series, with statsmodels.

Data: ``tests/data/sicily.csv``, the data set of Lopez Bernal, Cummins & Gasparrini (2017),
"Interrupted time series regression for the evaluation of public health interventions: a
tutorial", International Journal of Epidemiology 46(1), 348-355 (see tests/data/SOURCES.md).
Acute coronary events (ACEs), ages 0-69, Sicily, monthly 2002-01 .. 2006-11 (59 months); the
smoking ban from January 2005 (``smokban`` = 1 from ``time`` = 37).

Run once, outside the project environment (statsmodels is not a pilotbench dependency):

    python3 -m venv /tmp/sm-venv
    /tmp/sm-venv/bin/pip install statsmodels pandas numpy
    /tmp/sm-venv/bin/python tests/reference/make_its_sicily.py

It writes ``tests/reference/its_sicily.json`` (versions, date and command under "meta").

Two sets of fits, each with ``sm.GLM(..., family=Poisson(), offset=log(stdpop))`` and
``scale="X2"`` (Pearson chi2 / df_resid) and ``use_t=True`` (t intervals and p-values with
the residual degrees of freedom, as R's ``summary.glm``; re-run 2026-12-03 for this) for the
quasi-Poisson models:

``tutorial``
    The tutorial's R models (gasparrini/2017_lopezbernal_IJE_codedata, Rcode.R) written out
    column by column, with the tutorial's own coding: ``time`` = 1..59, ``smokban``, the
    slope term ``I(time-36):smokban`` and tsModel's ``harmonic(month, 2, 12)`` =
    ``[sin(2 pi k month / 12) for k in 1, 2] + [cos(...) for k in 1, 2]`` (tsModel's R source:
    ``k <- 2^N * 2 * pi / period`` with ``N = 0..nfreq-1``, i.e. frequencies 1 and 2 here).

    * model1: ``aces ~ offset(log(stdpop)) + smokban + time``, Poisson
    * model2: the same, quasi-Poisson
    * model3: model2 + ``harmonic(month, 2, 12)``
    * model4: model3 + ``I(time-36):smokban`` (level and slope change)

    Models 1-3 are the tutorial's level-only impact model: tests/test_its_sicily.py fits them
    with ``interrupted_time_series(..., impact="level")`` and compares ``smokban`` and
    ``time`` (the tutorial's centring of time and phase of the harmonics are
    reparametrisations of research.stats.its's coding, which change neither).

    For model4 (and its Poisson twin) the script also reports the linear combination
    ``smokban + I(time-36):smokban``: the tutorial's slope term is already 1 in January 2005,
    so its ``smokban`` coefficient is the level change one month *before* the first post
    month; the level change *at* January 2005 (what research.stats.its reports) is the sum.

``its_coding``
    The same models written with research.stats.its's coding (its_design): time centred at the
    first post period (``t - t0`` = ``time - 37``), ``level`` = 1[t >= t0], ``slope`` =
    ``(t - t0) * level``, harmonics of the 0-based month position ``month - 1`` ordered
    sin1, cos1, sin2, cos2. These are the exact specifications interrupted_time_series fits,
    so every coefficient can be compared. Both codings span the same column space (the phase
    shift of the harmonics and the centring are reparametrisations), so fitted values,
    deviance, Pearson chi2, the time and slope coefficients agree between the two sets.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import platform
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import statsmodels
import statsmodels.api as sm

HERE = Path(__file__).parent
DATA = HERE.parent / "data" / "sicily.csv"
OUT = HERE / "its_sicily.json"


def summarize(res, exog: pd.DataFrame) -> dict:
    names = list(exog.columns)
    ci = np.asarray(res.conf_int())
    out = {
        "names": names,
        "params": [float(v) for v in res.params],
        "bse": [float(v) for v in res.bse],
        "pvalues": [float(v) for v in res.pvalues],
        "ci_lower": [float(v) for v in ci[:, 0]],
        "ci_upper": [float(v) for v in ci[:, 1]],
        "rate_ratio": [float(np.exp(v)) for v in res.params],
        "rr_lower": [float(np.exp(v)) for v in ci[:, 0]],
        "rr_upper": [float(np.exp(v)) for v in ci[:, 1]],
        "scale": float(res.scale),
        "pearson_chi2": float(res.pearson_chi2),
        "deviance": float(res.deviance),
        "df_resid": float(res.df_resid),
        "nobs": int(res.nobs),
        "converged": bool(res.converged),
    }
    return out


def combination(res, exog: pd.DataFrame, terms: list[str]) -> dict:
    """Sum of coefficients with Wald SE, normal CI and p-value (statsmodels t_test)."""
    r = np.zeros(exog.shape[1])
    for t in terms:
        r[list(exog.columns).index(t)] = 1.0
    tt = res.t_test(r)
    ci = np.asarray(tt.conf_int()).ravel()
    est = float(np.asarray(tt.effect).ravel()[0])
    return {
        "terms": terms,
        "estimate": est,
        "se": float(np.asarray(tt.sd).ravel()[0]),
        "pvalue": float(np.asarray(tt.pvalue).ravel()[0]),
        "ci_lower": float(ci[0]),
        "ci_upper": float(ci[1]),
        "rate_ratio": float(np.exp(est)),
        "rr_lower": float(np.exp(ci[0])),
        "rr_upper": float(np.exp(ci[1])),
    }


def tutorial_design(df: pd.DataFrame, *, harmonic: bool, slope: bool) -> pd.DataFrame:
    X = pd.DataFrame({"(Intercept)": 1.0, "smokban": df["smokban"].astype(float),
                      "time": df["time"].astype(float)})  # fmt: skip
    if harmonic:  # tsModel::harmonic(month, 2, 12): sin columns, then cos columns
        m = df["month"].astype(float)
        for k in (1, 2):
            X[f"harmonic_sin{k}"] = np.sin(2 * np.pi * k * m / 12)
        for k in (1, 2):
            X[f"harmonic_cos{k}"] = np.cos(2 * np.pi * k * m / 12)
    if slope:
        X["smokban:I(time - 36)"] = (df["time"] - 36.0) * df["smokban"]
    return X


def its_coding_design(df: pd.DataFrame, *, harmonic: bool) -> pd.DataFrame:
    tc = df["time"].astype(float) - 37.0  # months since January 2005 (time = 37)
    level = (tc >= 0).astype(float)
    X = pd.DataFrame({"intercept": 1.0, "time": tc, "level": level, "slope": tc * level})
    if harmonic:
        pos = df["month"].astype(float) - 1.0
        for k in (1, 2):
            X[f"sin{k}"] = np.sin(2 * np.pi * k * pos / 12)
            X[f"cos{k}"] = np.cos(2 * np.pi * k * pos / 12)
    return X


def fit(df: pd.DataFrame, X: pd.DataFrame, quasi: bool):
    model = sm.GLM(df["aces"].astype(float), X, family=sm.families.Poisson(),
                   offset=np.log(df["stdpop"].astype(float)))  # fmt: skip
    # quasi-Poisson: t inference with df_resid (use_t), as R's summary.glm for quasipoisson
    return model.fit(scale="X2" if quasi else None, use_t=quasi, tol=1e-13, maxiter=200)


def main() -> None:
    raw = DATA.read_bytes()
    df = pd.read_csv(DATA)
    assert len(df) == 59 and df["smokban"].sum() == 23
    assert (df.loc[df["smokban"] == 1, "time"].min(), df["time"].max()) == (37, 59)

    tutorial = {}
    specs = {
        "model1": dict(harmonic=False, slope=False, quasi=False),
        "model2": dict(harmonic=False, slope=False, quasi=True),
        "model3": dict(harmonic=True, slope=False, quasi=True),
        "model4": dict(harmonic=True, slope=True, quasi=True),
        "model4_poisson": dict(harmonic=True, slope=True, quasi=False),
    }
    for name, s in specs.items():
        X = tutorial_design(df, harmonic=s["harmonic"], slope=s["slope"])
        res = fit(df, X, s["quasi"])
        tutorial[name] = summarize(res, X)
        tutorial[name]["family"] = "quasipoisson" if s["quasi"] else "poisson"
        if s["slope"]:
            tutorial[name]["level_at_first_post_month"] = combination(
                res, X, ["smokban", "smokban:I(time - 36)"]
            )
        if name == "model3":  # the tutorial prints the yearly trend exp(12 * time)
            j = list(X.columns).index("time")
            tutorial[name]["trend_per_year_rr"] = float(np.exp(12 * res.params.iloc[j]))

    its_coding = {}
    for name, harmonic, quasi in [
        ("poisson", False, False),
        ("quasi", False, True),
        ("poisson_harmonic", True, False),
        ("quasi_harmonic", True, True),
    ]:
        X = its_coding_design(df, harmonic=harmonic)
        its_coding[name] = summarize(fit(df, X, quasi), X)

    out = {
        "meta": {
            "date": datetime.date.today().isoformat(),
            "python": platform.python_version(),
            "statsmodels": statsmodels.__version__,
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "command": f"{sys.executable} tests/reference/make_its_sicily.py",
            "data": "tests/data/sicily.csv",
            "data_sha256": hashlib.sha256(raw).hexdigest(),
            "data_bytes": len(raw),
            "glm": "sm.GLM(aces, X, family=Poisson(), offset=log(stdpop)).fit(tol=1e-13); "
            "quasi-Poisson: scale='X2' (Pearson chi2 / df_resid), use_t=True (t intervals and "
            "p-values with df_resid, as R's summary.glm); Poisson: Wald normal intervals",
        },
        "tutorial": tutorial,
        "its_coding": its_coding,
    }
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")
    for name, r in tutorial.items():
        j = r["names"].index("smokban")
        print(f"{name:15s} smokban RR {r['rate_ratio'][j]:.4f} "
              f"({r['rr_lower'][j]:.4f}-{r['rr_upper'][j]:.4f}) p={r['pvalues'][j]:.3g} "
              f"scale={r['scale']:.4f}")  # fmt: skip
        if "level_at_first_post_month" in r:
            c = r["level_at_first_post_month"]
            k = r["names"].index("smokban:I(time - 36)")
            print(f"{'':15s} slope RR/month {r['rate_ratio'][k]:.5f} "
                  f"({r['rr_lower'][k]:.5f}-{r['rr_upper'][k]:.5f}); level at 2005-01 "
                  f"{c['rate_ratio']:.4f} ({c['rr_lower']:.4f}-{c['rr_upper']:.4f})")  # fmt: skip


if __name__ == "__main__":
    main()
