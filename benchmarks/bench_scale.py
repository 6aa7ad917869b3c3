"""Benchmark 4: scale. The batch over all 290 kommuner, locally and on a Dask LocalCluster,
and a synthetic control placebo-in-space over 290 donors.

* **4a** ``pilotbench batch`` with a schedule over ``areas = "kommuner"`` (289 reports: the
  pilot, Stockholm, is not its own candidate), two local workers, as benchmark 2 runs it.
* **4b** the same schedule sent to a ``distributed.LocalCluster`` with two worker processes
  (one thread each) started by ``scale_dask_job.py``; the wall time includes the cluster's
  start. ``distributed`` is a dev extra of the project already (``pip install
  'pilotbench[dask]'`` for users); nothing is added for the benchmark.
* **4c** ``research.stats.synth.synthetic_control`` + ``placebo_test()`` on the 291-unit panel of
  :func:`bench_synth.make_panel` (290 donors, so 290 placebo fits), in a subprocess stopped at
  ``timeout`` seconds: when it does not finish, the row says so and gives the fit's time.

Wall time and the summed RSS (and PSS) of each command's process tree are sampled as in
benchmark 5. There is no baseline: the papermill + nbconvert loop would take about an hour
for 289 reports; its per-report time from benchmark 2 is what to compare with.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from benchstats import Measurement, summarize
from memory import TreeRun, run_sampled

__all__ = ["reports_per_second", "run"]

NOTEBOOK, PILOT, LANG = "pilot_vs_candidate", "0180", "sv"


def reports_per_second(reports: int, seconds: float) -> float:
    """Throughput; 0 when nothing ran.

    Examples
    --------
    >>> reports_per_second(289, 578.0), reports_per_second(0, 0.0)
    (0.5, 0.0)
    """
    return reports / seconds if seconds > 0 else 0.0


def _schedule(codes: list[str] | None, workers: int = 2) -> str:
    areas = '"kommuner"' if codes is None else "[" + ", ".join(f'"{c}"' for c in codes) + "]"
    return (
        f'[batch]\nworkers = {workers}\n\n[[job]]\nnotebook = "{NOTEBOOK}"\n'
        f'parameters = {{ pilot = "{PILOT}", lang = "{LANG}" }}\n'
        f'each = {{ parameter = "candidate", areas = {areas} }}\n'
    )


def _mem(r: TreeRun) -> dict[str, Any]:
    return {
        "peak_rss_sum_bytes": r.peak_rss_sum,
        "peak_pss_sum_bytes": r.peak_pss_sum,
        "max_processes_at_once": r.max_processes,
        "processes_seen": len(r.pids),
    }


def _batch_rows(
    label: str, r: TreeRun, made: int, expected: int, extra: dict[str, Any]
) -> list[Measurement]:
    rate = reports_per_second(made, r.seconds)
    ok = r.returncode == 0 and made == expected and not r.timed_out
    note = (
        f"{made} of {expected} reports, {rate:.2f} reports/s, peak RSS sum "
        f"{r.peak_rss_sum / 2**20:.0f} MiB (PSS {r.peak_pss_sum / 2**20:.0f} MiB), "
        f"exit {r.returncode}" + (" TIMED OUT" if r.timed_out else "")
    )
    return [
        Measurement(
            label,
            summarize([r.seconds]),
            note=note,
            met=None,
            extra={"reports": made, "expected": expected, "reports_per_s": rate, "ok": ok}
            | _mem(r)
            | extra,
        ),
        Measurement(
            label + ", peak memory (sum of RSS)",
            summarize([r.peak_rss_sum]),
            unit="bytes",
            note="peak over 0.2 s samples of the summed RSS of the whole process tree",
        ),
    ]


def run(
    root: Path, work: Path, log, *, quick: int | None = None, timeout: float = 300.0
) -> tuple[list[Measurement], bool]:
    """Run 4a, 4b and 4c; return the rows and whether every batch report was produced."""
    from research.runner.batch import expand_schedule

    codes = None
    if quick:
        sched = {"job": [{"notebook": NOTEBOOK, "parameters": {"pilot": PILOT},
                          "each": {"parameter": "candidate", "areas": "kommuner"}}]}  # fmt: skip
        codes = [t.parameters["candidate"] for t in expand_schedule(sched)][:quick]
    expected = len(codes) if codes else 289
    sched_file = work / "scale-schedule.toml"
    sched_file.write_text(_schedule(codes), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PILOTBENCH_REPORTS"}
    venv = root / ".venv" / "bin"
    rows: list[Measurement] = []
    ok = True
    what = f"{expected} kommuner" + (" (--quick)" if quick else " (all but the pilot)")

    out = work / "scale-local"
    shutil.rmtree(out, ignore_errors=True)
    log(f"scale: local batch of {what}, 2 workers")
    cmd = [str(venv / "pilotbench"), "batch", str(sched_file), "--output", str(out)]
    r = run_sampled([*cmd, "--no-progress"], cwd=root, env=env, stdout=work / "scale-local.out")
    made = len(list(out.glob("*/report.html")))
    log(f"  local: {r.seconds:.1f} s, {made} reports, exit {r.returncode}")
    ok &= r.returncode == 0 and made == expected
    rows += _batch_rows(f"7a. batch of {what}, local, 2 workers", r, made, expected, {})

    out = work / "scale-dask"
    shutil.rmtree(out, ignore_errors=True)
    res_file = work / "scale-dask.json"
    res_file.unlink(missing_ok=True)
    log(f"scale: batch of {what} on a Dask LocalCluster with 2 worker processes")
    job = Path(__file__).with_name("scale_dask_job.py")
    argv = [str(venv / "python"), str(job), str(sched_file), str(out), str(res_file)]
    r = run_sampled(argv, cwd=root, env=env, stdout=work / "scale-dask.out")
    made = len(list(out.glob("*/report.html")))
    inner = json.loads(res_file.read_text()) if res_file.exists() else {}
    log(f"  dask: {r.seconds:.1f} s, {made} reports, exit {r.returncode}, {inner}")
    ok &= r.returncode == 0 and made == expected
    rows += _batch_rows(
        f"7b. batch of {what}, Dask LocalCluster, 2 workers", r, made, expected, {"job": inner}
    )

    res_file = work / "scale-placebo.json"
    res_file.unlink(missing_ok=True)
    log(f"scale: synthetic control + placebo-in-space, 291 units, time limit {timeout:.0f} s")
    job = Path(__file__).with_name("scale_placebo_job.py")
    r = run_sampled(
        [str(venv / "python"), str(job), "291", str(res_file)],
        cwd=root,
        env=env,
        stdout=work / "scale-placebo.out",
        timeout=timeout,
        pss=False,
    )
    got = json.loads(res_file.read_text()) if res_file.exists() else {}
    log(f"  placebo: {r.seconds:.1f} s, exit {r.returncode}, {got}")
    if "placebo_s" in got:
        ours, bound = summarize([got["fit_s"] + got["placebo_s"]]), ""
        note = f"fit {got['fit_s']:.2f} s + 290 placebo fits {got['placebo_s']:.1f} s"
    else:
        ours, bound = summarize([r.seconds]), ">="
        fit = f"the fit alone took {got['fit_s']:.2f} s; " if "fit_s" in got else ""
        note = (
            f"SKIPPED at the {timeout:.0f} s limit (did not finish): {fit}290 placebo fits of "
            f"that size would take about {290 * got.get('fit_s', 0):.0f} s"
        )
    rows.append(
        Measurement(
            "7c. synthetic control fit + placebo-in-space, 290 donors (291 x 31)",
            ours,
            ratio_bound=bound,
            note=note,
            extra=got | {"timed_out": r.timed_out, "wall_s": r.seconds, "timeout_s": timeout},
        )
    )
    sys.stdout.flush()
    return rows, ok
