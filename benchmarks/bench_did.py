"""Benchmark 6: SDID and Callaway & Sant'Anna against their reference implementations.

* **sdid 39x31**: ``research.synthetic_did`` on the California Proposition 99 panel (39 states
  x 31 years, ``tests/data/california_prop99_wide.csv``): the fit and the placebo standard
  error with 50 replications, against the PyPI ``synthdid`` 0.10.1 port of R synthdid doing
  the same (its ``placebo_se`` is fixed at 50 replications).
* **group_time_att 2500 rows**: ``research.group_time_att`` on R did's ``mpdta`` (500 counties
  x 5 years, ``tests/data/mpdta.csv``), doubly robust, never-treated comparison, multiplier
  bootstrap with 1000 draws and a uniform band, then the four aggregations with the bootstrap,
  against ``csdid`` 0.4.3 (Python port of R did) doing the same.

The reference packages are installed only in ``benchmarks/.work/did-ref-venv`` (created here
on first use; never a dependency of pilotbench) and run in a subprocess
(``did_ref_job.py``). Times are taken inside each process, after imports; ours has one
untimed warm-up, the reference side none (its first repeat includes first-call costs).
Target: ours at least as fast (ratio >= 1).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl
from benchstats import Measurement, summarize, target_met

__all__ = ["ensure_reference_venv", "run"]

TARGET = 1.0
_PACKAGES = ["pandas==2.2.3", "numpy<2.3", "scipy", "matplotlib", "statsmodels", "csdid==0.4.3"]


def ensure_reference_venv(work: Path, log) -> Path:
    """Create ``work/did-ref-venv`` with csdid and the synthdid port unless it exists."""
    venv = work / "did-ref-venv"
    py = venv / "bin" / "python"
    if py.exists():
        ok = subprocess.run([str(py), "-c", "import synthdid.sdid, csdid"], capture_output=True)
        if ok.returncode == 0:
            return py
    log(f"did: creating {venv} (pip install csdid, synthdid; never a runtime dependency)")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [str(py), "-m", "pip", "install", "--disable-pip-version-check"]
    with open(work / "did-ref-install.log", "w") as fh:
        subprocess.run([*pip, *_PACKAGES], check=True, stdout=fh, stderr=subprocess.STDOUT)
        # The synthdid wheel pins numpy 1.23 / pandas 1.5, which do not build on this Python.
        subprocess.run(
            [*pip, "--no-deps", "synthdid==0.10.1"], check=True, stdout=fh, stderr=subprocess.STDOUT
        )
    return py


def _theirs(py: Path, work: Path, spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    spec_file = work / f"did-ref-{spec['kind']}.spec.json"
    out_file = work / f"did-ref-{spec['kind']}.out.json"
    out_file.unlink(missing_ok=True)
    spec_file.write_text(json.dumps(spec))
    job = Path(__file__).with_name("did_ref_job.py")
    run = subprocess.run(
        [str(py), str(job), str(spec_file), str(out_file)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if run.returncode != 0:
        raise RuntimeError(f"reference job {spec['kind']} failed:\n{run.stderr[-2000:]}")
    return json.loads(out_file.read_text())


def _ours_sdid(csv: Path, repeats: int) -> dict[str, Any]:
    from research import synthetic_did

    wide = pl.read_csv(csv)
    df = wide.unpivot(index="Year", variable_name="State", value_name="PacksPerCapita")
    kw = dict(unit="State", time="Year", outcome="PacksPerCapita", treated="California")
    synthetic_did(df, **kw, treatment_time=1989, se_method="none")  # warm-up
    fit_s, total_s, res = [], [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        synthetic_did(df, **kw, treatment_time=1989, se_method="none")
        t1 = time.perf_counter()
        res = synthetic_did(df, **kw, treatment_time=1989, replications=50)
        t2 = time.perf_counter()
        fit_s.append(t1 - t0)
        total_s.append(t2 - t1)
    assert res is not None
    return {"fit": fit_s, "total": total_s, "estimate": res.estimate, "se": res.se}


def _ours_cs(csv: Path, repeats: int) -> dict[str, Any]:
    from research import group_time_att

    df = pl.read_csv(csv)
    kw = dict(unit="countyreal", time="year", outcome="lemp", cohort="first.treat")
    group_time_att(df, **kw)  # warm-up
    total_s, simple = [], float("nan")
    for i in range(repeats):
        t0 = time.perf_counter()
        res = group_time_att(df, **kw, bootstrap=True, biters=1000, seed=i)
        aggs = {k: res.aggregate(k) for k in ["simple", "group", "dynamic", "calendar"]}
        total_s.append(time.perf_counter() - t0)
        simple = aggs["simple"].estimate
    return {"total": total_s, "simple": simple}


def _row(
    name: str, ours: list[float], theirs: list[float], label: str, note: str, extra
) -> Measurement:
    s_ours, s_theirs = summarize(ours), summarize(theirs)
    ratio = s_theirs.median / s_ours.median
    return Measurement(
        name,
        s_ours,
        s_theirs,
        baseline_label=label,
        ratio=ratio,
        ratio_label="faster",
        target=f">= {TARGET:.0f}x",
        met=target_met(ratio, ">=", TARGET),
        note=note,
        extra=extra,
    )


def run(root: Path, work: Path, repeats: int, timeout: float, log) -> list[Measurement]:
    """Both rows; ``repeats`` timed runs on each side."""
    py = ensure_reference_venv(work, log)
    data = root / "tests" / "data"
    rows = []
    prop99 = data / "california_prop99_wide.csv"
    log(f"did: sdid 39x31, ours x{repeats}")
    ours = _ours_sdid(prop99, repeats)
    log(f"did: sdid 39x31, synthdid port x{repeats}")
    theirs = _theirs(py, work, {"kind": "sdid", "csv": str(prop99), "repeats": repeats}, timeout)
    rows.append(
        _row(
            "6a. sdid 39x31: fit + placebo SE (50 reps)",
            ours["total"],
            theirs["total"],
            "synthdid 0.10.1 (PyPI port of R synthdid)",
            f"estimate ours {ours['estimate']:.6f} vs port {theirs['estimate']:.6f}; placebo SE "
            f"ours {ours['se']:.3f} vs port {theirs['se']:.3f} (50 reps each, Monte Carlo error "
            "about 10 %); timed inside each process",
            {"ours": ours, "theirs": theirs},
        )
    )
    mpdta = data / "mpdta.csv"
    log(f"did: group_time_att mpdta, ours x{repeats}")
    ours_cs = _ours_cs(mpdta, repeats)
    log(f"did: group_time_att mpdta, csdid x{repeats}")
    theirs_cs = _theirs(py, work, {"kind": "csdid", "csv": str(mpdta), "repeats": repeats}, timeout)
    rows.append(
        _row(
            "6b. group_time_att 2500 rows: bootstrap + 4 aggregations",
            ours_cs["total"],
            theirs_cs["total"],
            "csdid 0.4.3 (PyPI port of R did)",
            f"simple ATT ours {ours_cs['simple']:.6f} vs csdid {theirs_cs['simple']:.6f}; "
            "dr, never treated, 1000 Rademacher draws, uniform bands; timed inside each process",
            {"ours": ours_cs, "theirs": theirs_cs},
        )
    )
    return rows
