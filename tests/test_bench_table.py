"""``benchmarks/table.py``: the README's benchmark table from one results file.

The expected cells are written by hand from the hand-made result below (medians, units,
the lower-bound mark of a baseline that did not finish, the phase shares).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import table  # noqa: E402

RESULT = {
    "machine": {
        "date": "2026-11-30T16:20:05+00:00",
        "git_commit": "abcdef123456",
        "cores": 2,
        "cpu_model": "AMD EPYC",
        "python": "3.11.7",
    },
    "load_average": {"report_start": [0.4, 0.5, 0.6], "report_end": [1.2, 0.9, 0.7]},
    "total_seconds": 1800.0,
    "results": [
        {
            "name": "1. default report",
            "unit": "s",
            "ours": {"median": 2.5, "min": 2.25, "max": 3.0, "n": 3},
            "baseline": {"median": 1.25, "min": 1.0, "max": 1.5, "n": 3},
            "baseline_label": "empty notebook",
            "ratio": 2.0,
            "ratio_label": "of empty",
            "ratio_is_lower_bound": False,
            "target": "<= 2x empty",
            "met": True,
            "extra": {"phases_s": {"kernel start": 0.75, "charts": 0.25}},
        },
        {
            "name": "3c. synth 39x31: fit + placebo",
            "unit": "s",
            "ours": {"median": 0.8, "min": 0.7, "max": 0.9, "n": 5},
            "baseline": None,
            "baseline_label": "pysyncon: did not finish in 300 s",
            "ratio": 375.0,
            "ratio_label": "faster",
            "ratio_is_lower_bound": True,
            "target": ">= 100x",
            "met": True,
            "extra": {"ours_loss_v": 0.91694, "pysyncon_loss_v": None},
        },
        {
            "name": "5. batch peak memory",
            "unit": "bytes",
            "ours": {"median": 600 * 2**20, "min": 600 * 2**20, "max": 600 * 2**20, "n": 1},
            "baseline": {"median": 400 * 2**20, "min": 400 * 2**20, "max": 400 * 2**20, "n": 1},
            "baseline_label": "loop",
            "ratio": 1.5,
            "ratio_label": "ours/loop",
            "ratio_is_lower_bound": False,
            "target": "<= 1.5x",
            "met": False,
        },
    ],
}


def test_rows_carry_median_range_baseline_ratio_and_verdict() -> None:
    text = table.format_markdown(RESULT, "results/x.json")
    lines = text.splitlines()
    assert lines[0] == (
        "Run 2026-11-30 16:20 UTC at commit abcdef1 on 2-core AMD EPYC, Python 3.11.7; "
        "1-minute load average 0.4-1.2 at the starts and ends of the benchmarks; 30 min in all; "
        "`results/x.json`."
    )
    assert (
        "| 1. default report | 2.50 s [2.25 s-3.00 s] | empty notebook: 1.25 s [1.00 s-1.50 s] "
        "| 2x of empty | <= 2x empty | yes |" in lines
    )
    assert (
        "| 3c. synth 39x31: fit + placebo | 800 ms [700 ms-900 ms] | pysyncon: did not finish "
        "in 300 s | >= 375x faster | >= 100x | yes |" in lines
    )
    assert (
        "| 5. batch peak memory | 600 MiB | loop: 400 MiB | 1.5x ours/loop | <= 1.5x | **no** |"
        in (lines)
    )


def test_mspe_and_phases_are_listed() -> None:
    lines = table.format_markdown(RESULT).splitlines()
    assert "- 3c. synth 39x31: pre-period MSPE ours 0.9169, pysyncon not finished" in lines
    assert "| kernel start | 750 ms | 75 % |" in lines
    assert "| charts | 250 ms | 25 % |" in lines


def test_main_reads_the_file_given(tmp_path: Path, capsys) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(RESULT), encoding="utf-8")
    assert table.main([str(path)]) == 0
    assert "| 1. default report |" in capsys.readouterr().out


def test_examples_in_the_docstrings_run() -> None:
    import doctest

    assert doctest.testmod(table, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


def test_an_incomplete_run_says_what_it_did_not_reach() -> None:
    partial = RESULT | {
        "complete": False,
        "config": {"only": ["report", "batch", "synth", "scale"]},
        "seconds_per_benchmark": {"report": 80.0, "batch": 600.0},
    }
    lines = table.format_markdown(partial).splitlines()
    assert lines[2] == "**Incomplete run**: stopped before synth, scale."
    assert "Incomplete" not in table.format_markdown(RESULT | {"complete": True})
