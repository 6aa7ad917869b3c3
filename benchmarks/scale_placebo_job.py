"""Benchmark 4c job: synthetic control fit + placebo-in-space with 290 donors.

Runs ``research.stats.synth`` on the synthetic panel of :func:`bench_synth.make_panel` with 291
units
(unit ``u01`` treated, 290 donors), in its own process so the caller can stop it at a time
limit::

    .venv/bin/python benchmarks/scale_placebo_job.py N_UNITS RESULT_JSON

The fit's time is written to ``RESULT_JSON`` as soon as it is known, the placebo test's when
it finishes (a stopped run leaves only the fit).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

__all__ = ["main"]


def main(argv: list[str]) -> int:
    """Fit, then the placebo test; write the seconds of each to the result file."""
    from bench_synth import make_panel, panel_spec

    from research.stats.synth import synthetic_control

    n_units, result = int(argv[0]), Path(argv[1])
    data, spec = make_panel(n_units), panel_spec(n_units)
    out: dict = {"units": n_units, "donors": len(spec["donors"])}
    t0 = time.perf_counter()
    fit = synthetic_control(data, **spec)
    out["fit_s"] = round(time.perf_counter() - t0, 3)
    result.write_text(json.dumps(out, indent=1))
    t1 = time.perf_counter()
    placebo = fit.placebo_test()
    out["placebo_s"] = round(time.perf_counter() - t1, 3)
    out["p_value"] = float(placebo.p_value)
    result.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
