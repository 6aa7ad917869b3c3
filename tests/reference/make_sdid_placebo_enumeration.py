"""Every placebo estimate of California Proposition 99, from an independent implementation.

Why: the placebo SE of SDID on Proposition 99 is reported as 8.4 by Arkhangelsky et al. (2021)
(R synthdid, 200 placebo draws), while ours came out near 10 with 200 draws and the port gave
11.2 with 50. With one treated unit a placebo draw only decides *which* control plays the
treated state, so the placebo SE has an exact limit as the number of draws grows: the
root-mean-square deviation of the 38 per-state placebo estimates. This script records those
38 estimates from the port, so that tests/test_sdid.py can compare ours with them and compute
the limit and the spread of a 200-draw SE without any Monte Carlo of our own machinery.

Produced with the PyPI package ``synthdid`` 0.10.1 (Python port of R synthdid; MIT) in a scratch
environment outside the project, set up as in ``make_sdid_reference.py``:

    python3 -m venv /tmp/scratch-sdid/venv
    /tmp/scratch-sdid/venv/bin/pip install pandas==2.2.3 "numpy<2.3" scipy matplotlib \
        statsmodels
    /tmp/scratch-sdid/venv/bin/pip install --no-deps synthdid==0.10.1
    /tmp/scratch-sdid/venv/bin/python tests/reference/make_sdid_placebo_enumeration.py

(about 20 s per state with the port: 10-15 minutes). Each estimate is the port's ``sdid`` on
the 38 control states with state j as the only treated unit, i.e. R's ``synthdid_estimate``
from a cold start with the noise level (and so ``zeta``) of that placebo panel: what the port's
``placebo_se`` computes per draw. Writes ``tests/reference/sdid_prop99_placebo_port.json``.
"""

from __future__ import annotations

import json
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from synthdid.sdid import sdid

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"


def main() -> None:
    wide = pd.read_csv(DATA / "california_prop99_wide.csv")
    long = wide.melt(id_vars="Year", var_name="State", value_name="PacksPerCapita")
    controls = long[long.State != "California"]
    states = sorted(controls.State.unique())
    out = {}
    t0 = time.perf_counter()
    for j in states:
        d = controls.copy()
        d["treatment"] = ((d.State == j) & (d.Year >= 1989)).astype(int)
        res = sdid(d, "State", "Year", "treatment", "PacksPerCapita")
        out[j] = float(res["att_info"].att_time[0])
        print(j, out[j], flush=True)
    taus = np.array(list(out.values()))
    meta = {
        "producer": f"synthdid {version('synthdid')} (PyPI), numpy {np.__version__}, "
        f"pandas {pd.__version__}",
        "script": "tests/reference/make_sdid_placebo_enumeration.py",
        "panel": "california_prop99 (38 control states, 1970-2000, treatment 1989)",
        "placebo_estimates": out,
        "exact_placebo_se": float(np.sqrt(np.mean((taus - taus.mean()) ** 2))),
        "seconds": time.perf_counter() - t0,
    }
    (HERE / "sdid_prop99_placebo_port.json").write_text(json.dumps(meta, indent=1) + "\n")


if __name__ == "__main__":
    main()
