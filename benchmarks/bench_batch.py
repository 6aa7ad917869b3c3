"""Benchmarks 2 and 5: a batch of the kommuner of Stockholms län, time and peak memory.

Ours: ``.venv/bin/pilotbench batch SCHEDULE --output DIR --no-progress`` with a schedule like
``reports/schedule.toml`` (two workers, pilot 0180, Swedish). Baseline: what a user would
otherwise write, a shell loop that runs, per kommun, the ``papermill`` CLI on the same notebook
and kernelspec (``-k pilotbench``) and then ``jupyter nbconvert --to html --no-input``.

The candidate is passed with ``-r candidate CODE`` (raw string): papermill's ``-p`` turns
``0126`` into the integer 126, which is not a kommun code.

Both commands run as subprocesses; wall time and the memory of the whole process tree are
sampled (:mod:`memory`). Afterwards every report pair is compared on what a reader sees
(:mod:`htmltext`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from benchstats import Measurement, summarize, target_met
from htmltext import compare_contents, report_content
from memory import TreeRun, cpu_by_role, run_sampled

__all__ = ["describe_peak", "ensure_kernelspec", "loop_script", "run", "schedule_toml"]

TARGET = 10.0  # issue 17: >= 10x faster than the loop ...
MEMORY_TARGET = 1.5  # ... at <= 1.5x its peak memory (sum of RSS over the process tree)
NOTEBOOK = "pilot_vs_candidate"
PILOT = "0180"
LANG = "sv"


def ensure_kernelspec(root: Path, log) -> str:
    """Make sure the ``pilotbench`` kernelspec exists, as ``make venv`` installs it."""
    jupyter = root / ".venv" / "bin" / "jupyter"
    listing = subprocess.run(
        [str(jupyter), "kernelspec", "list", "--json"], capture_output=True, text=True, check=True
    )
    specs = json.loads(listing.stdout)["kernelspecs"]
    if "pilotbench" in specs:
        return specs["pilotbench"]["resource_dir"]
    log("batch: kernelspec 'pilotbench' missing; installing it as `make venv` does")
    subprocess.run(
        [
            str(root / ".venv" / "bin" / "python"),
            "-m",
            "ipykernel",
            "install",
            "--sys-prefix",
            "--name",
            "pilotbench",
            "--display-name",
            "Python (pilotbench)",
        ],
        check=True,
        capture_output=True,
    )
    return "installed"


def schedule_toml(codes: list[str] | None, workers: int = 2) -> str:
    """A schedule like ``reports/schedule.toml``; ``codes=None`` means all of Stockholms län.

    Examples
    --------
    >>> print(schedule_toml(["0114", "0115"]).splitlines()[-1])
    each = { parameter = "candidate", areas = ["0114", "0115"] }
    """
    areas = '"lan:01"' if codes is None else "[" + ", ".join(f'"{c}"' for c in codes) + "]"
    return (
        f'[batch]\nworkers = {workers}\n\n[[job]]\nnotebook = "{NOTEBOOK}"\n'
        f'parameters = {{ pilot = "{PILOT}", lang = "{LANG}" }}\n'
        f'each = {{ parameter = "candidate", areas = {areas} }}\n'
    )


def loop_script(root: Path, out: Path, codes: list[str]) -> str:
    """The shell loop a user would write with the papermill and nbconvert CLIs.

    Examples
    --------
    >>> s = loop_script(Path("/p"), Path("/o"), ["0114"])
    >>> "-r candidate \\"$code\\" -k pilotbench" in s
    True
    """
    return f"""#!/usr/bin/env bash
# One report per kommun with the papermill CLI, then HTML without code with nbconvert.
set -euo pipefail
cd {root}
for code in {" ".join(codes)}; do
  .venv/bin/papermill notebooks/{NOTEBOOK}.ipynb "{out}/{NOTEBOOK}_$code.ipynb" \\
      -r candidate "$code" -k pilotbench --no-progress-bar
  .venv/bin/jupyter nbconvert --to html --no-input "{out}/{NOTEBOOK}_$code.ipynb"
done
"""


def _memory_extra(run: TreeRun) -> dict[str, Any]:
    return {
        "peak_rss_sum_bytes": run.peak_rss_sum,
        "peak_pss_sum_bytes": run.peak_pss_sum,
        "sum_of_per_process_peak_rss_bytes": run.sum_of_peak_rss,
        "max_single_process_rss_bytes": run.max_single_rss,
        "max_processes_at_once": run.max_processes,
        "cpu_s_by_role": cpu_by_role(run),
        "processes_seen": len(run.pids),
        "samples": run.samples,
        "at_peak": run.at_peak,
        "processes": sorted(run.processes.values(), key=lambda d: -d["peak_rss"]),
    }


def _mib(n: float) -> str:
    return f"{n / 2**20:.0f} MiB"


def describe_peak(run: TreeRun) -> str:
    """One line: the processes at the peak of the RSS sum, each with its RSS / PSS in MiB.

    Examples
    --------
    >>> r = TreeRun(0, 1.0, False, peak_rss_sum=300 * 2**20, peak_pss_sum=200 * 2**20)
    >>> r.at_peak = [{"role": "kernel", "rss": 200 * 2**20, "pss": 150 * 2**20},
    ...              {"role": "pilotbench batch", "rss": 100 * 2**20, "pss": 50 * 2**20}]
    >>> describe_peak(r)
    'peak 300 / 200 MiB (RSS / PSS): kernel 200/150, pilotbench batch 100/50'
    """
    mib = 2**20
    parts = ", ".join(
        f"{p['role']} {p['rss'] / mib:.0f}/{p['pss'] / mib:.0f}"
        for p in sorted(run.at_peak, key=lambda d: -d["rss"])
    )
    return (
        f"peak {run.peak_rss_sum / mib:.0f} / {run.peak_pss_sum / mib:.0f} MiB (RSS / PSS): "
        + parts
    )


def _compare_all(codes: list[str], ours_dir: Path, loop_dir: Path) -> dict[str, Any]:
    per: dict[str, Any] = {}
    for code in codes:
        a = ours_dir / f"{NOTEBOOK}_{PILOT}_{code}_{LANG}" / "report.html"
        b = loop_dir / f"{NOTEBOOK}_{code}.html"
        if not a.exists() or not b.exists():
            per[code] = {"missing": [str(p) for p in (a, b) if not p.exists()]}
            continue
        per[code] = compare_contents(
            report_content(a.read_text(encoding="utf-8")),
            report_content(b.read_text(encoding="utf-8")),
        )
    keys = ("text_identical", "tables_identical", "images_identical")
    summary = {k: sum(1 for r in per.values() if r.get(k)) for k in keys}
    summary["reports"] = len(codes)
    summary["all_identical"] = all(all(r.get(k) for k in keys) for r in per.values())
    summary["differences"] = {c: r for c, r in per.items() if not all(r.get(k) for k in keys)}
    return summary


def _fail_tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:]


def run(
    root: Path, work: Path, repeats: int, quick: int | None, log
) -> tuple[list[Measurement], bool]:
    """Time the batch and the loop ``repeats`` times; compare contents of the last pair.

    Returns the rows and whether every report of both sides was produced.
    """
    from research.runner.batch import expand_schedule

    ensure_kernelspec(root, log)
    codes = [
        t.parameters["candidate"]
        for t in expand_schedule(
            {
                "job": [
                    {
                        "notebook": NOTEBOOK,
                        "parameters": {"pilot": PILOT, "lang": LANG},
                        "each": {"parameter": "candidate", "areas": "lan:01"},
                    }
                ]
            }
        )
    ]
    if quick:
        codes = codes[:quick]
    sched = work / "batch-schedule.toml"
    sched.write_text(schedule_toml(codes if quick else None), encoding="utf-8")
    ours_dir, loop_dir = work / "batch-ours", work / "batch-loop"
    script = work / "batch-loop.sh"
    script.write_text(loop_script(root, loop_dir, codes), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PILOTBENCH_REPORTS"}
    ours_cmd = [
        str(root / ".venv" / "bin" / "pilotbench"),
        "batch",
        str(sched),
        "--output",
        str(ours_dir),
        "--no-progress",
    ]
    t_ours: list[float] = []
    t_loop: list[float] = []
    m_ours: list[TreeRun] = []
    m_loop: list[TreeRun] = []
    ok = True
    for i in range(repeats):
        order = ("ours", "loop") if i % 2 == 0 else ("loop", "ours")
        for side in order:
            target = ours_dir if side == "ours" else loop_dir
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            out = work / f"batch-{side}.out"
            log(f"batch: run {i + 1}/{repeats}, {side}, {len(codes)} kommuner")
            argv = ours_cmd if side == "ours" else ["bash", str(script)]
            r = run_sampled(argv, cwd=root, env=env, stdout=out)
            made = (
                len(list(target.glob("*/report.html")))
                if side == "ours"
                else len(list(target.glob("*.html")))
            )
            log(f"  {side}: {r.seconds:.1f} s, exit {r.returncode}, {made} reports")
            log(f"  {side}: {describe_peak(r)}")
            cpu = ", ".join(f"{k} {v:.1f}" for k, v in cpu_by_role(r).items())
            log(f"  {side}: CPU s by role: {cpu}")
            if r.returncode != 0 or made != len(codes):
                ok = False
                log(f"  {side} FAILED; end of its output:\n{_fail_tail(out)}")
            (t_ours if side == "ours" else t_loop).append(r.seconds)
            (m_ours if side == "ours" else m_loop).append(r)
    content = _compare_all(codes, ours_dir, loop_dir)
    s_ours, s_loop = summarize(t_ours), summarize(t_loop)
    speedup = s_loop.median / s_ours.median
    n = len(codes)
    what = f"{n} kommuner" + (" (--quick)" if quick else " (Stockholms län)")
    if content["all_identical"]:
        ident = "identical content in all reports"
    else:
        code, diff = next(iter(content["differences"].items()))
        first = diff.get("first_text_difference") or diff.get("missing") or diff
        ident = (
            f"content DIFFERS in {len(content['differences'])} of {n} reports "
            f"(first: {code}: {json.dumps(first, ensure_ascii=False)[:160]})"
        )
    mem_ratio = (
        summarize([r.peak_rss_sum for r in m_ours]).median
        / summarize([r.peak_rss_sum for r in m_loop]).median
    )
    pss_ours = summarize([r.peak_pss_sum for r in m_ours]).median
    pss_loop = summarize([r.peak_pss_sum for r in m_loop]).median
    rows = [
        Measurement(
            f"2. batch of {what}",
            s_ours,
            s_loop,
            baseline_label="papermill+nbconvert loop",
            ratio=speedup,
            ratio_label="faster",
            target=f">= {TARGET:.0f}x, same content",
            met=target_met(speedup, ">=", TARGET) and content["all_identical"] and ok,
            note=f"{ident} (visible text, table cells, images); {repeats} run(s) each; "
            "wall time of the whole command; CPU s by role, ours: "
            + ", ".join(f"{k} {v:.1f}" for k, v in cpu_by_role(m_ours[-1]).items())
            + "; loop: "
            + ", ".join(f"{k} {v:.1f}" for k, v in cpu_by_role(m_loop[-1]).items()),
            extra={
                "codes": codes,
                "content": content,
                "all_reports_made": ok,
                "ours_command": " ".join(ours_cmd),
                "loop_script": script.read_text(),
            },
        ),
        Measurement(
            f"5. batch peak memory (sum of RSS over the process tree, {n} kommuner)",
            summarize([r.peak_rss_sum for r in m_ours]),
            summarize([r.peak_rss_sum for r in m_loop]),
            baseline_label="loop",
            unit="bytes",
            ratio=mem_ratio,
            ratio_label="ours/loop",
            target=f"<= {MEMORY_TARGET}x loop",
            met=target_met(mem_ratio, "<=", MEMORY_TARGET),
            note=(
                "peak over 0.2 s samples of the summed RSS of every process in the tree "
                "(shared pages counted per process); PSS "
                f"{_mib(pss_ours)} vs {_mib(pss_loop)} ({pss_ours / pss_loop:.2f}x); "
                f"at the peak: ours {describe_peak(m_ours[-1])}; loop {describe_peak(m_loop[-1])}"
            ),
            extra={
                "ours": [_memory_extra(r) for r in m_ours],
                "loop": [_memory_extra(r) for r in m_loop],
            },
        ),
    ]
    return rows, ok
