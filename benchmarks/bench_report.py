"""Benchmark 1: one default report end to end, against an empty notebook run the same way.

Both sides call :func:`research.runner.report.run_report` in this process (a fresh kernel per call,
execute with papermill, export HTML, write the report folder). The floor is a notebook holding
only the default notebook's ``parameters`` cell with the same kernelspec metadata, so the ratio
is what the report's own cells cost on top of the machinery every report pays for.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

from benchstats import Measurement, format_seconds, summarize, target_met

__all__ = [
    "format_phases",
    "make_empty_notebook",
    "measure_phases",
    "phase_plan",
    "run",
    "time_cli",
]

TARGET = 2.0  # issue 17: the default report <= 2x the empty-notebook floor ...
GOAL = 1.5  # ... with 1.5x as the goal beyond it


def make_empty_notebook(source: Path, target: Path) -> Path:
    """Write a copy of ``source`` with only its ``parameters`` cell (same metadata)."""
    nb = json.loads(source.read_text(encoding="utf-8"))
    params = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(params) != 1:
        raise RuntimeError(f"{source}: expected one cell tagged 'parameters', found {len(params)}")
    cell = dict(params[0])
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    nb["cells"] = [cell]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    return target


#: What a report's cells import, and the panel they load, run ahead of the cells so that
#: imports and data load are timed on their own (the cells then find them done).
_IMPORTS = (
    "from research.lab.notebook import controls\n"
    "from research.views.pilot_vs_candidate.sections import pilot_vs_candidate\n"
)
_DATA = "from research.data.panel import load_panel\nload_panel()\n"


def _cell_label(source: str) -> str:
    """Phase name of a notebook cell from the report method it calls."""
    m = re.search(r"report\.(\w+)\(", source)
    if "pilot_vs_candidate(" in source:
        return "statistics: build the report (pilot_vs_candidate)"
    if "controls(" in source:
        return "parameter controls (research.lab)"
    if m is None:
        return "cell: " + (source.strip().splitlines() or [""])[-1][:40]
    name = m.group(1)
    if name == "funnel":
        return "chart: funnel"
    if name in ("title", "intro", "trends_heading", "breaks_note", "caveats"):
        return f"text: {name}"
    return f"statistics: {name}"


def phase_plan(nb: dict, parameters: str) -> list[tuple[str, str]]:
    """The phases of one report run cell by cell: ``(label, code)`` in execution order.

    Imports and the data load come first as their own phases; the parameters cell is followed
    by ``parameters`` (what papermill injects); the loop over trend charts is left as one
    entry labelled ``chart: trend *`` (it is split per indicator when run).

    Examples
    --------
    >>> nb = {"cells": [
    ...     {"cell_type": "code", "source": "x = 1", "metadata": {"tags": ["parameters"]}},
    ...     {"cell_type": "markdown", "source": "# T", "metadata": {}},
    ...     {"cell_type": "code", "source": "report.funnel()", "metadata": {}}]}
    >>> [label for label, _ in phase_plan(nb, "x = 2")]
    ['imports', 'data load', 'parameters', 'chart: funnel']
    """
    plan = [("imports", _IMPORTS), ("data load", _DATA)]
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            plan.append(("parameters", src + "\n" + parameters))
        elif "trend_chart(" in src and "for " in src:
            plan.append(("chart: trend *", src))
        else:
            plan.append((_cell_label(src), src))
    return plan


def measure_phases(root: Path, html_s: float, log) -> dict[str, float]:
    """Run the default report once, phase by phase, on a fresh kernel; seconds per phase.

    The kernel is the report's (:class:`research.runner.kernel.ProjectSyncKernelManager`); each
    phase is one ``execute`` request, timed from request to reply; the kernel is then stopped
    as :func:`research.runner.report.run_report` stops it (``kernel shutdown``). ``html_s`` is
    the HTML export time of a real run (from its manifest), added as the phase ``HTML export``.
    Like every single report's kernel it has an offload worker when a second CPU is usable
    (:mod:`research.core.offload`): a chart phase is the time until the kernel has the chart,
    whichever process drew it.
    """
    from research.core.offload import ENV as OFFLOAD_ENV
    from research.runner.kernel import KERNEL_NAME, ProjectSyncKernelManager
    from research.runner.kernel_launch import notebook_imports, offload_modules

    nb = json.loads((root / "notebooks" / "pilot_vs_candidate.ipynb").read_text("utf-8"))
    params = 'candidate = "0126"\npilot = "0180"\n'
    phases: dict[str, float] = {}
    t0 = time.perf_counter()
    km = ProjectSyncKernelManager(kernel_name=KERNEL_NAME)
    env = {**os.environ, "PILOTBENCH_REPORT": "1"}
    env[OFFLOAD_ENV] = ",".join(offload_modules(notebook_imports(nb)))
    km.start_kernel(env=env)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        phases["kernel start"] = time.perf_counter() - t0

        def execute(code: str, **kw) -> dict:
            reply = kc.execute_interactive(code, timeout=300, output_hook=lambda _m: None, **kw)
            if reply["content"].get("status") != "ok":
                c = reply["content"]
                raise RuntimeError(f"phase run failed: {c.get('ename')}: {c.get('evalue')}")
            return reply

        for label, code in phase_plan(nb, params):
            if label == "chart: trend *":
                reply = execute("", user_expressions={"ids": "list(report.indicators)"})
                ids = eval(reply["content"]["user_expressions"]["ids"]["data"]["text/plain"])
                for ind in ids:
                    t = time.perf_counter()
                    execute(f"display(report.trend_chart({ind!r}))")
                    phases[f"chart: trend {ind}"] = time.perf_counter() - t
                continue
            t = time.perf_counter()
            execute(code)
            phases[label] = phases.get(label, 0.0) + time.perf_counter() - t
    finally:
        kc.stop_channels()
        t = time.perf_counter()
        km.shutdown_kernel(now=True)  # as run_report stops a fresh kernel (issue 17)
        phases["kernel shutdown"] = time.perf_counter() - t
    phases["HTML export"] = html_s
    log("report: phases of one default run (fresh kernel, cell by cell)")
    for line in format_phases(phases).splitlines():
        log("  " + line)
    return phases


def format_phases(phases: dict[str, float], total: float | None = None) -> str:
    """A two-column table of phases with their share of the sum (or of ``total``).

    Examples
    --------
    >>> print(format_phases({"kernel start": 1.0, "imports": 3.0}))
    kernel start  1.00 s   25 %
    imports       3.00 s   75 %
    sum           4.00 s  100 %
    """
    whole = total if total is not None else sum(phases.values())
    rows = [(k, format_seconds(v), f"{100 * v / whole:.0f} %") for k, v in phases.items()]
    rows.append(
        ("sum", format_seconds(sum(phases.values())), f"{100 * sum(phases.values()) / whole:.0f} %")
    )
    w = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(f"{a.ljust(w[0])}  {b.rjust(w[1])}  {c.rjust(w[2])}" for a, b, c in rows)


def time_cli(root: Path, notebook: str | Path, output: Path) -> float:
    """Wall-clock seconds of one ``pilotbench report NOTEBOOK --output OUTPUT``, start to exit.

    The command as a user types it: a new Python process, its imports, the data check, the
    kernel (started first and importing what the notebook imports), papermill, HTML export.
    """
    cmd = [str(root / ".venv" / "bin" / "pilotbench"), "report", str(notebook)]
    t0 = time.perf_counter()
    subprocess.run(
        [*cmd, "--output", str(output)], cwd=root, check=True, capture_output=True, timeout=900
    )
    return time.perf_counter() - t0


def run(root: Path, work: Path, repeats: int, log) -> list[Measurement]:
    """Time ``repeats`` default reports and empty-notebook reports, interleaved."""
    from research.runner.report import run_report

    empty = make_empty_notebook(
        root / "notebooks" / "pilot_vs_candidate.ipynb", work / "empty" / "empty_report.ipynb"
    )
    out = work / "reports-single"
    log(f"report: warm-up (imports, first kernel start), then {repeats} x (default, empty)")
    run_report("pilot_vs_candidate", {}, output_root=out)
    run_report(empty, {}, output_root=out)
    ours, floor, inner = [], [], []
    for i in range(repeats):
        t0 = time.perf_counter()
        res = run_report("pilot_vs_candidate", {}, output_root=out)
        ours.append(time.perf_counter() - t0)
        inner.append(json.loads(res.manifest.read_text())["timings_s"])
        t0 = time.perf_counter()
        run_report(empty, {}, output_root=out)
        floor.append(time.perf_counter() - t0)
        log(f"  run {i + 1}: default {ours[-1]:.2f} s, empty {floor[-1]:.2f} s")
    log(f"report: {repeats} x (default, empty) through the command `pilotbench report`")
    cli_ours, cli_floor = [], []
    for i in range(repeats):
        cli_ours.append(time_cli(root, "pilot_vs_candidate", out))
        cli_floor.append(time_cli(root, empty, out))
        log(f"  run {i + 1}: default {cli_ours[-1]:.2f} s, empty {cli_floor[-1]:.2f} s")
    phases = measure_phases(root, sorted(t["html"] for t in inner)[len(inner) // 2], log)
    s_ours, s_floor = summarize(ours), summarize(floor)
    slowdown = s_ours.median / s_floor.median
    c_ours, c_floor = summarize(cli_ours), summarize(cli_floor)
    cli_slowdown = c_ours.median / c_floor.median
    return [
        Measurement(
            "1. default report (execute + HTML)",
            s_ours,
            s_floor,
            baseline_label="empty notebook",
            ratio=slowdown,
            ratio_label="of empty",
            target=f"<= {TARGET:g}x empty (goal {GOAL:g}x)",
            met=target_met(slowdown, "<=", TARGET),
            note=(
                "in-process run_report, fresh kernel per call; one untimed warm-up of each "
                "(imports); runs interleaved; ratio = median(default) / median(empty)"
            ),
            extra={
                "timings_s_from_manifest": inner,
                "phases_s": {k: round(v, 4) for k, v in phases.items()},
                "phases_note": (
                    "one extra default run on a fresh kernel, each phase one execute request "
                    "timed from request to reply; HTML export = median of the timed runs' "
                    "manifests; not part of the ratio"
                ),
            },
        ),
        Measurement(
            "1b. pilotbench report (command, wall clock)",
            c_ours,
            c_floor,
            baseline_label="empty notebook",
            ratio=cli_slowdown,
            ratio_label="of empty",
            target=f"<= {TARGET:g}x empty (goal {GOAL:g}x)",
            met=target_met(cli_slowdown, "<=", TARGET),
            note=(
                "`pilotbench report` as a subprocess, start to exit, both notebooks through the "
                "same command (kernel started first, pre-importing what each notebook's cells "
                "import: the empty notebook nothing); runs interleaved"
            ),
        ),
    ]
