"""Reference values for research.stats.sdid from an independent implementation.

Produced with the PyPI package ``synthdid`` 0.10.1 (the Python port of R's synthdid by
D2CML; MIT), run once in a scratch environment outside the project:

    python3 -m venv /tmp/scratch-sdid/venv
    /tmp/scratch-sdid/venv/bin/pip install numpy pandas scipy matplotlib statsmodels
    /tmp/scratch-sdid/venv/bin/pip install --no-deps synthdid==0.10.1
    /tmp/scratch-sdid/venv/bin/python tests/reference/make_sdid_reference.py

(Optional arguments: the number of 50-replication placebo calls, default 1, as recorded: the
port needs about a second per replication, and the shared machine allowed no more; and one
panel name to compute only that panel into /tmp/sdid_ref_<panel>.json, or ``merge`` to
combine the two partial files: the recorded JSON was made that way, the panels in parallel.)

(``--no-deps`` because the wheel pins numpy 1.23 / pandas 1.5, which do not build on
Python 3.11+; it runs with numpy 2.2.6 / pandas 2.2.3: pandas 3 breaks its groupby-apply, so install
``pandas==2.2.3 "numpy<2.3"`` as well.)  Writes
``tests/data/sdid_synthetic_panel.csv`` (a made-up panel, seeded) and
``tests/reference/sdid_synthdid_port.json``.

What is taken from the port:

- SDID estimate, unit weights (omega) and time weights (lambda): ``synthdid.sdid.sdid``; the
  estimate is read from ``att_info.att_time`` because ``att`` is rounded to 5 decimals.
- SC estimate: the port's ``synthdid`` flag does not implement R's ``sc_estimate`` (it keeps
  the SDID penalty and intercept), so R's definition is rebuilt from the port's solver
  functions (``collapse_form``, ``sc_weight_fw``, ``sparsify_function``): eta.omega = 1e-6,
  no intercept, lambda = 0.
- DiD estimate: the 2x2 difference of means, computed here with pandas.
- Placebo SE: ``synthdid.vcov.placebo_se`` (50 replications per call, hardcoded), called
  repeatedly; the pooled SE is sqrt(mean of the squared SEs). Its Monte Carlo error is
  about SE / sqrt(2 B).
- With a covariate: ``Synthdid(...).fit(cov_method="projected")`` (controls-only two-way FE
  regression, then SDID on the adjusted outcome).
"""

from __future__ import annotations

import functools
import json
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from synthdid.sdid import sdid
from synthdid.solver import sc_weight_fw
from synthdid.synthdid import Synthdid
from synthdid.utils import collapse_form, sparsify_function
from synthdid.vcov import placebo_se

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"
PLACEBO_CALLS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
ONLY = sys.argv[2] if len(sys.argv) > 2 else None  # one panel -> a partial JSON in /tmp

# The port's covariate projection builds its fixed-effect dummies with pd.get_dummies, which
# returns booleans in pandas 2, so its OLS matrix becomes dtype object and numpy's inv fails.
# Numeric dummies give the regression the port intends.
pd.get_dummies = functools.partial(pd.get_dummies, dtype=float)


def prop99() -> tuple[pd.DataFrame, list[str], int]:
    wide = pd.read_csv(DATA / "california_prop99_wide.csv")
    long = wide.melt(id_vars="Year", var_name="State", value_name="PacksPerCapita")
    return long, ["California"], 1989


def synthetic_panel() -> tuple[pd.DataFrame, list[str], int]:
    rng = np.random.default_rng(20211201)
    n, years, start = 40, list(range(2001, 2021)), 2015
    units = [f"u{i:02d}" for i in range(1, n + 1)]
    treated = units[:3]
    f = np.cumsum(rng.normal(0, 1, len(years)))
    rows = []
    for u in units:
        alpha = rng.normal(10 if u in treated else 8, 2)
        gamma = rng.normal(1.0 if u in treated else 0.8, 0.4)
        for j, t in enumerate(years):
            x = rng.normal(0, 1) + 0.1 * alpha
            y = alpha + 0.3 * j + gamma * f[j] + 1.5 * x + rng.normal(0, 0.5)
            if u in treated and t >= start:
                y += 2.0
            rows.append({"unit": u, "year": t, "y": round(y, 6), "x": round(x, 6)})
    df = pd.DataFrame(rows)
    df.to_csv(DATA / "sdid_synthetic_panel.csv", index=False)
    return df, treated, start


def with_treatment(df, unit, time, treated, start):
    df = df.copy()
    df["treatment"] = ((df[unit].isin(treated)) & (df[time] >= start)).astype(int)
    return df


def sc_estimate(y: np.ndarray, n0: int, t0: int) -> float:
    """R synthdid's sc_estimate, from the port's solver pieces."""
    n, t = y.shape
    prediff = np.diff(y[:n0, :t0], axis=1)
    noise = float(np.std(prediff, ddof=1))
    zeta, min_dec = 1e-6 * noise, 1e-5 * noise
    yc = np.asarray(collapse_form(pd.DataFrame(y), n0, t0), dtype=float)
    a = yc[:n0, :t0].T  # pre-periods x controls
    b = yc[n0, :t0]  # the treated units' pre-period mean
    w = sc_weight_fw(a, b, None, intercept=False, zeta=zeta, min_decrease=min_dec, max_iter=100)
    w = sc_weight_fw(
        a,
        b,
        sparsify_function(w["params"]),
        intercept=False,
        zeta=zeta,
        min_decrease=min_dec,
        max_iter=10000,
    )["params"]
    n1, t1 = n - n0, t - t0
    return float(
        np.concatenate([-w, np.full(n1, 1 / n1)])
        @ y
        @ np.concatenate([np.zeros(t0), np.full(t1, 1 / t1)])
    )


def run(name, df, unit, time_, outcome, treated, start, covariate=None):
    d = with_treatment(df, unit, time_, treated, start)
    t_start = time.perf_counter()
    res = sdid(d, unit, time_, "treatment", outcome)
    seconds = time.perf_counter() - t_start
    info = res["att_info"]
    assert len(info) == 1
    units = list(res["Y_units"][0])
    y = res["Y_beta"][0]
    times = [int(c) for c in y.columns]
    n1, t1 = int(info.N1[0]), int(info.T1[0])
    n0, t0 = len(units) - n1, len(times) - t1
    omega = dict(zip(units[:n0], map(float, res["weights"]["omega"][0]), strict=True))
    lam = dict(zip(map(str, times[:t0]), map(float, res["weights"]["lambda"][0]), strict=True))
    ymat = np.asarray(y, dtype=float)
    did = float(
        ymat[n0:, t0:].mean()
        - ymat[n0:, :t0].mean()
        - ymat[:n0, t0:].mean()
        + ymat[:n0, :t0].mean()
    )
    out = {
        "panel": name,
        "treated": treated,
        "treatment_time": start,
        "estimate": float(info.att_time[0]),
        "att_rounded": float(res["att"]),
        "unit_weights": omega,
        "time_weights": lam,
        "sc_estimate": sc_estimate(ymat, n0, t0),
        "did_estimate": did,
        "seconds_one_fit": seconds,
    }
    # Placebo SE, pooled over repeated calls (the port hardcodes 50 replications per call).
    np.random.seed(12345)  # noqa: NPY002 - the port draws from the global state
    ses = []
    t_start = time.perf_counter()
    for _ in range(PLACEBO_CALLS):
        ses.append(placebo_se(res["data_ref"].copy(), n_reps=50))
    out["placebo_se"] = float(np.sqrt(np.mean(np.square(ses))))
    out["placebo_replications"] = 50 * PLACEBO_CALLS
    out["placebo_seconds_per_50"] = (time.perf_counter() - t_start) / max(PLACEBO_CALLS, 1)
    if covariate:
        fit = Synthdid(
            d, unit=unit, time=time_, treatment="treatment", outcome=outcome, covariates=[covariate]
        ).fit(cov_method="projected")
        out["covariate"] = covariate
        out["estimate_projected"] = float(fit.att_info.att_time[0])
    return out


def main() -> None:
    jobs = {
        "california_prop99": lambda: run("california_prop99", *prop99_args()),
        "sdid_synthetic_panel": lambda: run(
            "sdid_synthetic_panel", *synthetic_args(), covariate="x"
        ),
    }
    if ONLY:
        if ONLY == "merge":
            results = [json.loads(Path(f"/tmp/sdid_ref_{k}.json").read_text()) for k in jobs]
        else:
            res = jobs[ONLY]()
            Path(f"/tmp/sdid_ref_{ONLY}.json").write_text(json.dumps(res, indent=1))
            return
    else:
        results = [job() for job in jobs.values()]
    meta = {
        "producer": f"synthdid {version('synthdid')} (PyPI), numpy {np.__version__}, "
        f"pandas {pd.__version__}",
        "script": "tests/reference/make_sdid_reference.py",
        "results": results,
    }
    (HERE / "sdid_synthdid_port.json").write_text(json.dumps(meta, indent=1) + "\n")
    for r in results:
        print(r["panel"], r["estimate"], r["sc_estimate"], r["did_estimate"], r["placebo_se"])


def prop99_args():
    p99, tr, start = prop99()
    return p99, "State", "Year", "PacksPerCapita", tr, start


def synthetic_args():
    syn, tr, start = synthetic_panel()
    return syn, "unit", "year", "y", tr, start


if __name__ == "__main__":
    main()
