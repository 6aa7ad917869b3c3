"""Cluster-robust reference values for research.stats.did, computed with pyfixest (fixest
conventions).

Run once, outside the project environment (pyfixest is not a pilotbench dependency):

    python3 -m venv /tmp/scratch-did
    /tmp/scratch-did/bin/python -m pip install pyfixest==0.60.0
    /tmp/scratch-did/bin/python tests/reference/make_did_pyfixest.py

Run on 2026-11-30 with Python 3.11, pyfixest 0.60.0, numpy 2.4.6, pandas 3.1.1 (recorded in
the JSON under "meta").

pyfixest's defaults are the fixest/reghdfe conventions the estimators follow: CRV1 with
``ssc(k_adj=True, k_fixef="nonnested", G_adj=True)``, i.e. ``G/(G-1) * (N-1)/(N-K)`` where K
leaves out fixed effects nested in the cluster variable, and ``fixef_rm="singleton"``
(observations whose fixed effect is seen once are dropped before fitting, so they count
neither in N nor in G). p-values and intervals use t(G-1).

The script simulates the data itself (fixed seeds) and writes the data and the fitted values
to ``tests/reference/did_pyfixest.json``. The designs are made up:

* ``stores``: a two-period panel of 410 stores in the style of Card & Krueger (1994)
  (331 in the treated state, 79 in the comparison state; 26 stores seen in one wave only).
  The public data file is not available offline, so a comparable panel is simulated.
* ``staggered``: an event study with three treatment cohorts (2015, 2017, 2019) and
  never-treated units, one of which is seen in a single year.
* ``poisson``: counts with a population offset, treated units from 2016, one unit seen once.
* ``panel``: the 12-unit panel of ``did_its_statsmodels.json`` (TWFE OLS and Poisson, and
  the event study), so the main DiD tests compare against the fixest convention too.

Event-time and treatment dummies are written out here with pandas, independently of
research/stats/did.py.
"""

from __future__ import annotations

import datetime
import json
import platform
from pathlib import Path

import numpy as np
import pandas as pd
import pyfixest as pf

HERE = Path(__file__).parent
OUT = HERE / "did_pyfixest.json"


def summary(fit, names: list[str]) -> dict:
    ci = fit.confint()
    return {
        "names": names,
        "params": [float(fit.coef()[n]) for n in names],
        "bse": [float(fit.se()[n]) for n in names],
        "pvalues": [float(fit.pvalue()[n]) for n in names],
        "ci_lower": [float(ci.loc[n].iloc[0]) for n in names],
        "ci_upper": [float(ci.loc[n].iloc[1]) for n in names],
        "vcov": np.asarray(fit._vcov).tolist(),
        "nobs": int(fit._N),
        "n_clusters": int(np.asarray(fit._G).ravel()[0]),
    }


def stores() -> pd.DataFrame:
    rng = np.random.default_rng(1994)
    rows = []
    n_tr, n_all = 331, 410
    once = set(rng.choice(n_all, size=26, replace=False).tolist())
    for s in range(n_all):
        tr = int(s < n_tr)
        a = rng.normal(0.0, 8.0)
        only = int(rng.integers(0, 2))
        for wave in (0, 1):
            if s in once and wave != only:
                continue
            fte = 20.0 + a - 1.5 * wave + 2.75 * tr * wave + rng.normal(0.0, 5.0)
            rows.append(dict(store=f"s{s:03d}", wave=wave, treated=tr, post=wave,
                             fte=round(fte * 2) / 2))  # fmt: skip
    return pd.DataFrame(rows)


def staggered() -> pd.DataFrame:
    rng = np.random.default_rng(2015)
    rows = []
    cohorts = [2015] * 8 + [2017] * 8 + [2019] * 8 + [None] * 16
    for i, c in enumerate(cohorts):
        a = rng.normal(0.0, 2.0)
        for t in range(2010, 2022):
            if i == len(cohorts) - 1 and t != 2013:
                continue  # a never-treated unit seen once
            eff = 0.0 if c is None or t < c else 1.0 + 0.3 * (t - c)
            y = 10.0 + a + 0.2 * (t - 2010) + eff + rng.normal(0.0, 1.0)
            rows.append(dict(unit=f"u{i:02d}", year=t, treated=int(c is not None),
                             first_year=c, y=y))  # fmt: skip
    return pd.DataFrame(rows)


def poisson() -> pd.DataFrame:
    rng = np.random.default_rng(2016)
    rows = []
    for i in range(31):
        pop = float(rng.integers(10_000, 200_000))
        a = rng.normal(0.0, 0.3)
        tr = int(i < 10)
        for t in range(2010, 2020):
            if i == 30 and t != 2012:
                continue  # seen once
            post = int(t >= 2016)
            rate = 50e-5 * np.exp(a + 0.02 * (t - 2010) + rng.normal(0.0, 0.1))
            rate *= 0.8 if tr and post else 1.0
            rows.append(dict(unit=f"k{i:02d}", year=t, treated=tr, post=post, population=pop,
                             count=int(rng.poisson(rate * pop))))  # fmt: skip
    return pd.DataFrame(rows)


def event_dummies(df: pd.DataFrame, first: pd.Series, reference: int = -1) -> list[str]:
    e = df["year"] - first
    names = []
    for lv in sorted({int(v) for v in e.dropna()}):
        if lv == reference:
            continue
        name = f"ev_m{-lv}" if lv < 0 else f"ev_p{lv}"
        df[name] = ((df["treated"] == 1) & (e == lv)).astype(float)
        names.append(name)
    return names


def main() -> None:
    out: dict = {
        "meta": {
            "script": "tests/reference/make_did_pyfixest.py",
            "date": datetime.date.today().isoformat(),
            "python": platform.python_version(),
            "pyfixest": pf.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "convention": "CRV1, ssc(k_adj=True, k_fixef='nonnested', G_adj=True), "
            "fixef_rm='singleton', t(G-1)",
        }
    }
    # 1. two-period store panel with singletons
    s = stores()
    s["d"] = (s["treated"] * s["post"]).astype(float)
    f = pf.feols("fte ~ d | store + wave", data=s, vcov={"CRV1": "store"})
    out["stores"] = {"data": s.drop(columns="d").to_dict(orient="list"),
                     "twfe": summary(f, ["d"])}  # fmt: skip
    seen = s.groupby("store")["wave"].count()
    bal = s[s["store"].isin(seen[seen == 2].index)].pivot(index="store", columns="wave",
                                                          values="fte")  # fmt: skip
    ch = bal[1] - bal[0]
    trs = s.groupby("store")["treated"].first().loc[ch.index]
    out["stores"]["n_singletons"] = int((seen == 1).sum())
    out["stores"]["diff_mean_changes"] = float(ch[trs == 1].mean() - ch[trs == 0].mean())

    # 2. staggered event study
    g = staggered()
    names = event_dummies(g, g["first_year"].astype(float))
    f = pf.feols(f"y ~ {' + '.join(names)} | unit + year", data=g, vcov={"CRV1": "unit"})
    out["staggered"] = {
        "data": g.drop(columns=names).to_dict(orient="list"),
        "event_times": [(-int(n[4:]) if n.startswith("ev_m") else int(n[4:])) for n in names],
        "ols": summary(f, names),
    }

    # 3. Poisson DiD with offset
    p = poisson()
    p["d"] = (p["treated"] * p["post"]).astype(float)
    p["log_pop"] = np.log(p["population"])
    f = pf.fepois("count ~ d | unit + year", data=p, offset="log_pop", vcov={"CRV1": "unit"},
                  iwls_tol=1e-12)  # fmt: skip
    out["poisson"] = {"data": p.drop(columns=["d", "log_pop"]).to_dict(orient="list"),
                      "fepois": summary(f, ["d"])}  # fmt: skip

    # 4. the 12-unit panel of the statsmodels reference
    panel = pd.DataFrame(json.loads((HERE / "did_its_statsmodels.json").read_text())["panel"])
    panel["d"] = (panel["treated"] * panel["post"]).astype(float)
    panel["log_pop"] = np.log(panel["population"])
    f = pf.feols("rate ~ d | unit + year", data=panel, vcov={"CRV1": "unit"})
    fp = pf.fepois("count ~ d | unit + year", data=panel, offset="log_pop",
                   vcov={"CRV1": "unit"}, iwls_tol=1e-12)  # fmt: skip
    panel["first_year"] = 2018.0
    names = event_dummies(panel, panel["first_year"])
    fe = pf.feols(f"rate ~ {' + '.join(names)} | unit + year", data=panel,
                  vcov={"CRV1": "unit"})  # fmt: skip
    out["panel"] = {"twfe_ols": summary(f, ["d"]), "twfe_poisson": summary(fp, ["d"]),
                    "event_ols": summary(fe, names)}  # fmt: skip
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    for k in ("stores", "staggered", "poisson"):
        sub = {kk: vv for kk, vv in out[k].items() if kk != "data"}
        print(k, json.dumps(sub)[:600])
    print("panel", json.dumps(out["panel"])[:900])


if __name__ == "__main__":
    main()
