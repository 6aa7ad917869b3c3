"""Reference values for research.stats.staggered from an independent implementation.

Produced with the PyPI package ``csdid`` 0.4.3 (Python port of R's did by D2CML; MIT) with
``drdid``, run once in a scratch environment outside the project:

    python3 -m venv /tmp/scratch-sdid/venv
    /tmp/scratch-sdid/venv/bin/pip install csdid==0.4.3 "pandas==2.2.3" "numpy<2.3"
    /tmp/scratch-sdid/venv/bin/python tests/reference/make_staggered_reference.py

Data: ``tests/data/mpdta.csv`` (R did's ``mpdta``: 500 US counties, 2003-2007, log teen
employment ``lemp``, log population ``lpop``, cohorts 2004/2006/2007 and never treated;
copied from the ``moderndid`` wheel, see tests/data/SOURCES.md).

Writes ``tests/reference/staggered_csdid.json``: for each configuration the group-time
table (ATT and analytical SE), the Wald pre-test and the four aggregations (overall ATT/SE
and the per-level ATT/SE), all with ``bstrap=False``; plus one bootstrap run (seeded, 20 000
draws, uniform bands) whose SEs and critical values carry Monte Carlo error only.
"""

from __future__ import annotations

import json
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from csdid.att_gt import ATTgt

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data" / "mpdta.csv"

CONFIGS = [
    {"name": "never_dr_nocov", "control_group": "nevertreated", "xformla": None, "est": "dr"},
    {
        "name": "never_dr_lpop",
        "control_group": "nevertreated",
        "xformla": "lemp ~ lpop",
        "est": "dr",
    },
    {
        "name": "never_ipw_lpop",
        "control_group": "nevertreated",
        "xformla": "lemp ~ lpop",
        "est": "ipw",
    },
    {
        "name": "never_reg_lpop",
        "control_group": "nevertreated",
        "xformla": "lemp ~ lpop",
        "est": "reg",
    },
    {
        "name": "notyet_dr_lpop",
        "control_group": "notyettreated",
        "xformla": "lemp ~ lpop",
        "est": "dr",
    },
    {"name": "notyet_reg_nocov", "control_group": "notyettreated", "xformla": None, "est": "reg"},
    {
        "name": "never_dr_popweights",
        "control_group": "nevertreated",
        "xformla": None,
        "est": "dr",
        "weights": "pop",
    },
]


def tolist(x):
    return [
        None if (v is None or (isinstance(v, float) and np.isnan(v))) else float(v)
        for v in np.asarray(x, dtype=float).ravel()
    ]


def run(
    df: pd.DataFrame, cfg: dict, bstrap: bool = False, biters: int = 1000, cband: bool = False
) -> dict:
    kw = {}
    if cfg.get("weights"):
        kw["weights_name"] = cfg["weights"]
    t0 = time.perf_counter()
    m = ATTgt(
        yname="lemp",
        tname="year",
        idname="countyreal",
        gname="first.treat",
        data=df,
        control_group=cfg["control_group"],
        xformla=cfg["xformla"],
        biters=biters,
        cband=cband,
        **kw,
    )
    m.fit(est_method=cfg["est"], bstrap=bstrap)
    fit_seconds = time.perf_counter() - t0
    r = m.results
    out = {
        "config": cfg,
        "bstrap": bstrap,
        "group": tolist(r["group"]),
        "time": tolist(r["year"]),
        "att": tolist(r["att"]),
        "se": tolist(r["se"]),
        "crit_val": float(r["c"]) if r["c"] is not None else None,
        "W": None if m.MP["W"] is None else float(m.MP["W"]),
        "Wpval": None if m.MP["Wpval"] is None else float(m.MP["Wpval"]),
        "fit_seconds": fit_seconds,
        "aggregate": {},
    }
    for kind in ["simple", "group", "dynamic", "calendar"]:
        m.aggte(typec=kind, bstrap=bstrap, biters=biters, cband=cband)
        a = m.atte
        out["aggregate"][kind] = {
            "overall_att": float(a["overall_att"]),
            "overall_se": float(a["overall_se"]),
            "egt": None if a["egt"] is None else tolist(a["egt"]),
            "att_egt": None if a["att_egt"] is None else tolist(a["att_egt"]),
            "se_egt": None if a["se_egt"] is None else tolist(a["se_egt"]),
            "crit_val_egt": None if a["crit_val_egt"] is None else float(a["crit_val_egt"]),
        }
    return out


def main() -> None:
    df = pd.read_csv(DATA)
    df["pop"] = np.exp(df["lpop"])
    runs = [run(df, cfg) for cfg in CONFIGS]
    np.random.seed(20210601)  # noqa: NPY002 - the port draws from the global state
    boot = run(df, CONFIGS[0], bstrap=True, biters=20000, cband=True)
    meta = {
        "producer": f"csdid {version('csdid')}, drdid {version('drdid')} (PyPI), "
        f"numpy {np.__version__}, pandas {pd.__version__}",
        "script": "tests/reference/make_staggered_reference.py",
        "runs": runs,
        "bootstrap": boot,
    }
    (HERE / "staggered_csdid.json").write_text(json.dumps(meta, indent=1) + "\n")
    for r in runs:
        print(r["config"]["name"], r["aggregate"]["simple"], r["W"])


if __name__ == "__main__":
    main()
