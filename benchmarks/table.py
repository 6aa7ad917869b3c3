"""The README's benchmark table, written from one results file of ``make bench``.

Usage::

    .venv/bin/python benchmarks/table.py                       # benchmarks/results/latest.json
    .venv/bin/python benchmarks/table.py benchmarks/results/20261130-161530.json

Prints Markdown: a line naming the run (date, machine, load average, file), the table
(benchmark, ours median [min-max], baseline, ratio, target, met), the pre-period MSPE of the
synthetic-control rows, and each phase breakdown the run recorded. Every number comes from
the one file given, so the README table is one run's, never a mix. Pure functions on the JSON
dictionaries; ``tests/test_bench_table.py`` checks them on a hand-written result.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchstats import format_seconds

__all__ = ["format_markdown", "format_row", "main", "run_line"]


def _value(x: float, unit: str) -> str:
    return format_seconds(x) if unit == "s" else f"{x / 2**20:.0f} MiB"


def _summary(s: dict[str, Any] | None, unit: str) -> str:
    if not s:
        return "failed"
    text = _value(s["median"], unit)
    if s["n"] > 1:
        text += f" [{_value(s['min'], unit)}-{_value(s['max'], unit)}]"
    return text


def format_row(r: dict[str, Any]) -> str:
    """One Markdown table row of a result dictionary (as ``Measurement.as_dict()`` writes it).

    Examples
    --------
    >>> row = {"name": "x", "unit": "s", "ours": {"median": 2.0, "min": 1.5, "max": 3.0,
    ...        "n": 3}, "baseline": {"median": 8.0, "min": 8.0, "max": 8.0, "n": 1},
    ...        "baseline_label": "loop", "ratio": 4.0, "ratio_label": "faster",
    ...        "ratio_is_lower_bound": False, "target": ">= 3x", "met": True}
    >>> format_row(row)
    '| x | 2.00 s [1.50 s-3.00 s] | loop: 8.00 s | 4x faster | >= 3x | yes |'
    """
    unit = r.get("unit", "s")
    base = r.get("baseline_label") or "-"
    if r.get("baseline"):
        base = (
            f"{base}: {_summary(r['baseline'], unit)}"
            if r.get("baseline_label")
            else (_summary(r["baseline"], unit))
        )
    rat = "-"
    if r.get("ratio") is not None:
        rat = (">= " if r.get("ratio_is_lower_bound") else "") + f"{r['ratio']:.3g}x"
        if r.get("ratio_label"):
            rat += f" {r['ratio_label']}"
    met = {True: "yes", False: "**no**", None: "n/a"}[r.get("met")]
    cells = [r["name"], _summary(r.get("ours"), unit), base, rat, r.get("target") or "-", met]
    return "| " + " | ".join(c.replace("|", "/") for c in cells) + " |"


def run_line(result: dict[str, Any], path: str) -> str:
    """The sentence naming the run: date, machine, load average at start and end, file."""
    m = result.get("machine", {})
    loads = result.get("load_average", {})
    firsts = [v[0] for v in loads.values() if v]
    load = f"{min(firsts):.1f}-{max(firsts):.1f}" if firsts else "?"
    when = str(m.get("date", "?"))[:16].replace("T", " ")
    commit = str(m.get("git_commit", "?"))[:7]
    return (
        f"Run {when} UTC at commit {commit} on "
        f"{m.get('cores', '?')}-core {m.get('cpu_model', '?')}, Python "
        f"{m.get('python', '?')}; 1-minute load average {load} at the starts and ends of the "
        f"benchmarks; {result.get('total_seconds', 0) / 60:.0f} min in all; `{path}`."
    )


def _mspe_lines(results: Sequence[dict[str, Any]]) -> list[str]:
    out = []
    for r in results:
        x = r.get("extra") or {}
        if "ours_loss_v" in x and "fit only" not in r["name"]:
            theirs = x.get("pysyncon_loss_v")
            theirs_text = f"{theirs:.4g}" if isinstance(theirs, float) else "not finished"
            out.append(
                f"- {r['name'].split(':')[0]}: pre-period MSPE ours {x['ours_loss_v']:.4g}, "
                f"pysyncon {theirs_text}"
            )
    return out


def format_markdown(result: dict[str, Any], path: str = "latest.json") -> str:
    """The whole README block: run line, table, MSPE lines, phase breakdowns.

    Examples
    --------
    >>> res = {"machine": {"date": "2026-11-30"}, "load_average": {"a": [0.5, 0.4, 0.3]},
    ...        "total_seconds": 60.0, "results": [{"name": "x", "unit": "s",
    ...        "ours": {"median": 1.0, "min": 1.0, "max": 1.0, "n": 1}}]}
    >>> print(format_markdown(res).splitlines()[-1])
    | x | 1.00 s | - | - | - | n/a |
    """
    results = result.get("results", [])
    lines = [run_line(result, path), ""]
    if result.get("complete") is False:
        done = set(result.get("seconds_per_benchmark", {}))
        missing = [b for b in result.get("config", {}).get("only", []) if b not in done]
        lines += [f"**Incomplete run**: stopped before {', '.join(missing) or '?'}.", ""]
    lines += ["| benchmark | ours, median [min-max] | baseline | ratio | target | met |"]
    lines += ["|---|---|---|---|---|---|"]
    lines += [format_row(r) for r in results]
    mspe = _mspe_lines(results)
    if mspe:
        lines += ["", *mspe]
    for r in results:
        phases = (r.get("extra") or {}).get("phases_s")
        if phases:
            total = sum(phases.values())
            lines += ["", f"Where the time goes in {r['name']}:", ""]
            lines += ["| phase | time | share |", "|---|---|---|"]
            lines += [
                f"| {k} | {format_seconds(v)} | {100 * v / total:.0f} % |"
                for k, v in phases.items()
            ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the Markdown for the results file given (default ``results/latest.json``)."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else Path(__file__).with_name("results") / "latest.json"
    result = json.loads(path.read_text(encoding="utf-8"))
    print(format_markdown(result, str(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
