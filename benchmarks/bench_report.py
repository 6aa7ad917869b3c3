"""Benchmark 1: one default report end to end, against an empty notebook run the same way.

Both sides call :func:`research.runner.report.run_report` in this process (a fresh kernel per call,
execute with papermill, export HTML, write the report folder). The floor is a notebook holding
only the default notebook's ``parameters`` cell with the same kernelspec metadata, so the ratio
is what the report's own cells cost on top of the machinery every report pays for.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from benchstats import Measurement, summarize, target_met

__all__ = ["make_empty_notebook", "run"]

TARGET = 1.5


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
    s_ours, s_floor = summarize(ours), summarize(floor)
    slowdown = s_ours.median / s_floor.median
    return [
        Measurement(
            "1. default report (execute + HTML)",
            s_ours,
            s_floor,
            baseline_label="empty notebook",
            ratio=slowdown,
            ratio_label="of empty",
            target=f"<= {TARGET}x empty",
            met=target_met(slowdown, "<=", TARGET),
            note=(
                "in-process run_report, fresh kernel per call; one untimed warm-up of each "
                "(imports); runs interleaved; ratio = median(default) / median(empty)"
            ),
            extra={"timings_s_from_manifest": inner},
        )
    ]
