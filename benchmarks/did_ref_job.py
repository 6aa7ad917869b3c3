"""Time the reference implementations of SDID and Callaway & Sant'Anna; run in its own venv.

Usage (the harness does this)::

    benchmarks/.work/did-ref-venv/bin/python benchmarks/did_ref_job.py SPEC.json OUT.json

``SPEC.json``: ``{"kind": "sdid" | "csdid", "csv": ..., "repeats": n, ...}``. ``sdid`` fits the
California Proposition 99 panel (39 x 31) with the PyPI ``synthdid`` port of R synthdid and
computes its placebo SE (``synthdid.vcov.placebo_se``: 50 replications, fixed in the port);
``csdid`` runs ``ATTgt(...).fit(bstrap=True)`` with 1000 multiplier-bootstrap draws on mpdta
(2 500 rows) and the four ``aggte`` aggregations with the bootstrap. Times are taken inside
this process, after the imports. This file must not import ``research``.
"""

from __future__ import annotations

import json
import sys
import time
import warnings


def _sdid(spec: dict) -> dict:
    import numpy as np
    import pandas as pd
    from synthdid.sdid import sdid
    from synthdid.vcov import placebo_se

    wide = pd.read_csv(spec["csv"])
    df = wide.melt(id_vars="Year", var_name="State", value_name="PacksPerCapita")
    df["treatment"] = ((df.State == "California") & (df.Year >= 1989)).astype(int)
    fit_s, total_s, out = [], [], {}
    for _ in range(spec["repeats"]):
        np.random.seed(1)  # noqa: NPY002 - the port draws from the global state
        t0 = time.perf_counter()
        res = sdid(df, "State", "Year", "treatment", "PacksPerCapita")
        t1 = time.perf_counter()
        se = placebo_se(res["data_ref"].copy(), n_reps=50)
        t2 = time.perf_counter()
        fit_s.append(t1 - t0)
        total_s.append(t2 - t0)
        out = {"estimate": float(res["att_info"].att_time[0]), "se": float(se)}
    return {"fit": fit_s, "total": total_s, **out}


def _csdid(spec: dict) -> dict:
    import numpy as np
    import pandas as pd
    from csdid.att_gt import ATTgt

    df = pd.read_csv(spec["csv"])
    total_s, out = [], {}
    for _ in range(spec["repeats"]):
        np.random.seed(1)  # noqa: NPY002 - the port draws from the global state
        t0 = time.perf_counter()
        m = ATTgt(
            yname="lemp",
            tname="year",
            idname="countyreal",
            gname="first.treat",
            data=df,
            control_group="nevertreated",
            biters=1000,
            cband=True,
        )
        m.fit(est_method="dr", bstrap=True)
        aggs = {}
        for kind in ["simple", "group", "dynamic", "calendar"]:
            m.aggte(typec=kind, bstrap=True, biters=1000, cband=True)
            aggs[kind] = float(m.atte["overall_att"])
        total_s.append(time.perf_counter() - t0)
        out = {"simple": aggs["simple"]}
    return {"total": total_s, **out}


def main(spec_path: str, out_path: str) -> None:
    warnings.filterwarnings("ignore")
    spec = json.load(open(spec_path))
    res = _sdid(spec) if spec["kind"] == "sdid" else _csdid(spec)
    with open(out_path, "w") as fh:
        json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
