"""Reference values for research.stats.did and research.stats.its, computed with statsmodels.

Run once, outside the project environment (statsmodels is not a pilotbench dependency):

    python3 -m venv /tmp/refenv-did
    /tmp/refenv-did/bin/pip install statsmodels pandas
    /tmp/refenv-did/bin/python tests/reference/make_did_its.py

Run on 2026-11-26 (recorded in the JSON under "meta") with Python 3.11.7, statsmodels 0.15.0,
pandas 3.1.1, numpy 2.4.6, scipy 1.17.1; re-run on 2026-12-03 with the same versions after
the quasi-Poisson ITS blocks switched to t inference (``use_t=True``: t quantiles and
p-values with the residual degrees of freedom, as R's ``summary.glm``).

The script simulates the data itself (fixed seeds) and writes both the data and the fitted
values to ``tests/reference/did_its_statsmodels.json``; the tests read the data from the JSON,
so they never depend on numpy's random streams. Designs are written out here with explicit
dummy columns (pandas.get_dummies), independently of research/stats/did.py and
research/stats/its.py.
"""

from __future__ import annotations

import datetime
import json
import platform
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import statsmodels
import statsmodels.api as sm

OUT = Path(__file__).with_name("did_its_statsmodels.json")


def panel_data() -> pd.DataFrame:
    rng = np.random.default_rng(101)
    units = [f"u{i:02d}" for i in range(12)]
    years = list(range(2012, 2022))
    rows = []
    for i, u in enumerate(units):
        pop = float(rng.integers(20_000, 150_000))
        a = rng.normal(0, 0.3)
        tr = int(i < 3)
        for t in years:
            post = int(t >= 2018)
            rate = (
                60
                * np.exp(a + 0.03 * (t - 2012) + rng.normal(0, 0.08))
                * (0.8 if tr and post else 1.0)
            )
            count = int(rng.poisson(rate * pop / 100_000))
            rows.append(
                dict(unit=u, year=t, treated=tr, post=post, population=pop, count=count,
                     rate=count / pop * 100_000)
            )  # fmt: skip
    return pd.DataFrame(rows)


def twfe_design(df: pd.DataFrame, d: pd.Series) -> pd.DataFrame:
    X = pd.concat(
        [
            d.rename("D"),
            pd.get_dummies(df["unit"], prefix="u", dtype=float),
            pd.get_dummies(df["year"], prefix="y", drop_first=True, dtype=float),
        ],
        axis=1,
    )
    return X.astype(float)


def summarize(res, names) -> dict:
    ci = np.asarray(res.conf_int())
    idx = [list(res.model.exog_names).index(n) for n in names]
    return {
        "params": [float(res.params.iloc[i]) for i in idx],
        "bse": [float(res.bse.iloc[i]) for i in idx],
        "pvalues": [float(res.pvalues.iloc[i]) for i in idx],
        "ci_lower": [float(ci[i, 0]) for i in idx],
        "ci_upper": [float(ci[i, 1]) for i in idx],
    }


def did_refs(df: pd.DataFrame) -> dict:
    out = {}
    y = df["rate"]
    D = (df["treated"] * df["post"]).astype(float)
    X = twfe_design(df, D)
    ols = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": df["unit"]}, use_t=True)
    out["ols_twfe_cluster"] = summarize(ols, ["D"])
    out["ols_twfe_cluster"]["df_resid_inference"] = float(ols.df_resid_inference)
    out["ols_twfe_nonrobust"] = summarize(sm.OLS(y, X).fit(), ["D"])
    X2 = pd.DataFrame(
        {"D": D, "const": 1.0, "treated": df["treated"].astype(float),
         "post": df["post"].astype(float)}
    )  # fmt: skip
    ols2 = sm.OLS(y, X2).fit(cov_type="cluster", cov_kwds={"groups": df["unit"]}, use_t=True)
    out["ols_2x2_cluster"] = summarize(ols2, ["D"])
    pois = sm.GLM(df["count"], X, family=sm.families.Poisson(), offset=np.log(df["population"]))
    pr = pois.fit(tol=1e-12)
    out["poisson_twfe_model"] = summarize(pr, ["D"])
    prc = pois.fit(cov_type="cluster", cov_kwds={"groups": df["unit"]}, use_t=True, tol=1e-12)
    out["poisson_twfe_cluster"] = summarize(prc, ["D"])
    return out


def event_refs(df: pd.DataFrame) -> dict:
    e = np.where(df["treated"] == 1, df["year"] - 2018, np.nan)
    levels = sorted({int(v) for v in e[~np.isnan(e)]})
    cols = {}
    for lv in levels:
        if lv == -1:
            continue
        cols[f"e{lv}"] = ((df["treated"] == 1) & (e == lv)).astype(float)
    Ev = pd.DataFrame(cols)
    X = pd.concat(
        [
            Ev,
            pd.get_dummies(df["unit"], prefix="u", dtype=float),
            pd.get_dummies(df["year"], prefix="y", drop_first=True, dtype=float),
        ],
        axis=1,
    ).astype(float)
    names = list(Ev.columns)
    leads = [n for n in names if int(n[1:]) < 0]
    out = {"event_times": [int(n[1:]) for n in names], "leads": [int(n[1:]) for n in leads]}
    ols = sm.OLS(df["rate"], X).fit(cov_type="cluster", cov_kwds={"groups": df["unit"]},
                                    use_t=True)  # fmt: skip
    out["ols_cluster"] = summarize(ols, names)
    R = np.zeros((len(leads), X.shape[1]))
    for j, n in enumerate(leads):
        R[j, list(X.columns).index(n)] = 1.0
    w = ols.wald_test(R, use_f=True, scalar=True)
    out["ols_cluster"]["pretrend_F"] = float(w.statistic)
    out["ols_cluster"]["pretrend_p"] = float(w.pvalue)
    out["ols_cluster"]["pretrend_df_denom"] = float(w.df_denom)
    oln = sm.OLS(df["rate"], X).fit()
    out["ols_nonrobust"] = summarize(oln, names)
    w = oln.wald_test(R, use_f=True, scalar=True)
    out["ols_nonrobust"]["pretrend_F"] = float(w.statistic)
    out["ols_nonrobust"]["pretrend_p"] = float(w.pvalue)
    pr = sm.GLM(df["count"], X, family=sm.families.Poisson(),
                offset=np.log(df["population"])).fit(tol=1e-12)  # fmt: skip
    out["poisson_model"] = summarize(pr, names)
    w = pr.wald_test(R, use_f=False, scalar=True)
    out["poisson_model"]["pretrend_chi2"] = float(w.statistic)
    out["poisson_model"]["pretrend_p"] = float(w.pvalue)
    return out


def its_data() -> pd.DataFrame:
    rng = np.random.default_rng(202)
    rows = []
    for g, (base, pop0) in enumerate([(120.0, 130_000.0), (150.0, 180_000.0)]):
        for k in range(84):  # 2017-01 .. 2023-12
            yr, mo = 2017 + k // 12, k % 12 + 1
            pop = pop0 * (1 + 0.004 * k / 12)
            post = k >= 51  # 2021-04
            mu = (base * pop / 100_000 / 12 * np.exp(0.002 * k + 0.15 * np.sin(2 * np.pi * mo / 12))
                  * np.exp(rng.normal(0, 0.3)))  # fmt: skip
            if g == 0 and post:
                mu *= 0.75
            rows.append(dict(month=f"{yr}-{mo:02d}", k=k, mo=mo, control=g, population=pop,
                             count=int(rng.poisson(mu))))  # fmt: skip
    return pd.DataFrame(rows)


def its_design(df: pd.DataFrame, controlled: bool, harmonics: int = 2) -> pd.DataFrame:
    tc = df["k"] - 51.0
    post = (tc >= 0).astype(float)
    X = pd.DataFrame({"const": 1.0, "time": tc, "level": post, "slope": tc * post})
    if controlled:
        g = 1.0 - df["control"]
        X["group"] = g
        X["g_time"] = g * tc
        X["g_level"] = g * post
        X["g_slope"] = g * tc * post
    pos = df["k"] % 12
    for h in range(1, harmonics + 1):
        X[f"sin{h}"] = np.sin(2 * np.pi * h * pos / 12)
        X[f"cos{h}"] = np.cos(2 * np.pi * h * pos / 12)
    return X


def its_refs(df: pd.DataFrame) -> dict:
    out = {}
    one = df[df["control"] == 0].reset_index(drop=True)
    X = its_design(one, False)
    off = np.log(one["population"])
    names = list(X.columns)
    m = sm.GLM(one["count"], X, family=sm.families.Poisson(), offset=off)
    out["poisson"] = summarize(m.fit(tol=1e-12), names)
    # quasi-Poisson: Pearson scale, t inference with df_resid (R's summary.glm)
    q = m.fit(scale="X2", tol=1e-12, use_t=True)
    out["quasi"] = summarize(q, names)
    out["quasi"]["scale"] = float(q.scale)
    start = np.append(np.asarray(m.fit(tol=1e-12).params), 0.05)
    nb = sm.NegativeBinomial(one["count"], X, offset=off, loglike_method="nb2").fit(
        start_params=start, method="newton", maxiter=200, tol=1e-14, disp=False
    )
    assert nb.mle_retvals["converged"], nb.mle_retvals
    alpha = float(nb.params["alpha"])
    out["negbin_ml"] = {"params": [float(nb.params[n]) for n in names], "alpha": alpha,
                        "llf": float(nb.llf)}  # fmt: skip
    g = sm.GLM(one["count"], X, family=sm.families.NegativeBinomial(alpha=alpha),
               offset=off).fit(tol=1e-12)  # fmt: skip
    out["negbin_glm_at_alpha"] = summarize(g, names)
    out["names"] = names
    # controlled ITS, quasi-Poisson, harmonic seasonality
    Xc = its_design(df, True)
    mc = sm.GLM(df["count"], Xc, family=sm.families.Poisson(), offset=np.log(df["population"]))
    qc = mc.fit(scale="X2", tol=1e-12, use_t=True)
    out["controlled_quasi"] = summarize(qc, list(Xc.columns))
    out["controlled_quasi"]["scale"] = float(qc.scale)
    out["controlled_names"] = list(Xc.columns)
    return out


def main() -> None:
    panel = panel_data()
    its = its_data()
    result = {
        "meta": {
            "date": datetime.date.today().isoformat(),
            "python": platform.python_version(),
            "statsmodels": statsmodels.__version__,
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "command": " ".join([sys.executable, *sys.argv]),
        },
        "panel": panel.to_dict(orient="list"),
        "did": did_refs(panel),
        "event": event_refs(panel),
        "its_data": its.to_dict(orient="list"),
        "its": its_refs(its),
    }
    OUT.write_text(json.dumps(result, indent=1))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
