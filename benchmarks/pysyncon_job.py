"""Fit a synthetic control and its placebo-in-space test with pysyncon; run in its own venv.

Usage (the harness does this)::

    benchmarks/.work/pysyncon-venv/bin/python benchmarks/pysyncon_job.py SPEC.json OUT.json

``SPEC.json`` holds the CSV path and the specification in plain JSON (see
``bench_synth._spec_for_pysyncon``). ``OUT.json`` is rewritten after each stage (fit, then
placebo) so that a run killed at the time limit still reports what it finished. Only pysyncon's
defaults are used (Nelder-Mead from equal V, SLSQP inner solver, as in its Basque example);
its placebo test runs on all CPUs (``ProcessPoolExecutor`` default), as a user would get it.
This file must not import ``research``: pysyncon is never installed next to pilotbench.
"""

from __future__ import annotations

import json
import os
import sys
import time


def _write(path: str, payload: dict) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(payload, fh, indent=1)
    os.replace(tmp, path)


def _periods(spec):
    if isinstance(spec, dict):
        return range(spec["first"], spec["last"] + 1, spec.get("step", 1))
    return list(spec)


def main(spec_path: str, out_path: str) -> None:
    import numpy as np
    import pandas as pd
    import pysyncon
    from pysyncon import Dataprep, Synth
    from pysyncon.utils import PlaceboTest

    spec = json.load(open(spec_path))
    df = pd.read_csv(spec["csv"], dtype={spec["unit"]: spec.get("unit_dtype", "object")})
    if spec.get("unit_dtype") == "int64":
        df[spec["unit"]] = df[spec["unit"]].astype("int64")
    dataprep = Dataprep(
        foo=df,
        predictors=spec["predictors"],
        predictors_op="mean",
        time_predictors_prior=_periods(spec["predictor_window"]),
        special_predictors=[(c, _periods(p), op) for c, p, op in spec["special_predictors"]],
        dependent=spec["outcome"],
        unit_variable=spec["unit"],
        time_variable=spec["time"],
        treatment_identifier=spec["treated"],
        controls_identifier=spec["donors"],
        time_optimize_ssr=_periods(spec["fit_window"]),
    )
    options = {"optim_method": "Nelder-Mead", "optim_initial": "equal"}
    out: dict = {
        "pysyncon": pysyncon.__version__ if hasattr(pysyncon, "__version__") else None,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "options": options,
        "cpus": os.cpu_count(),
        "stage": "started",
    }
    _write(out_path, out)

    out["fit_started_epoch"] = time.time()
    _write(out_path, out)
    t0 = time.perf_counter()
    synth = Synth()
    synth.fit(dataprep=dataprep, **options)
    out["fit_seconds"] = time.perf_counter() - t0
    z0, z1 = dataprep.make_outcome_mats()
    w = np.asarray(synth.W, dtype=float)
    gap = z1.to_numpy() - z0.to_numpy() @ w
    out["loss_v"] = synth.loss_V
    out["mspe_recomputed"] = float(np.mean(gap**2))
    out["weights"] = {str(u): float(x) for u, x in zip(z0.columns, w, strict=True)}
    out["stage"] = "fit"
    _write(out_path, out)
    if not spec.get("placebo", True):
        return

    t0 = time.perf_counter()
    placebo = PlaceboTest()
    placebo.fit(dataprep=dataprep, scm=Synth(), scm_options=options, verbose=True)
    out["placebo_seconds"] = time.perf_counter() - t0
    out["placebo_units"] = len(spec["donors"])
    out["p_value_pysyncon"] = float(placebo.pvalue(treatment_time=spec["treatment_time"]))
    out["stage"] = "placebo"
    _write(out_path, out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
    sys.stdout.flush()
