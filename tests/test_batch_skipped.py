"""What a batch leaves out is said, and its closing lines are printed once.

A schedule with ``each = { parameter = "candidate", areas = "lan:25" }`` and pilot Kiruna
(2584, in län 25) ran 13 of the län's 14 kommuner: the pilot, which is not its own
candidate, was dropped without a word in the closing lines, the log or the index. And the
closing lines belong on stdout once: a cron job that appends stdout and stderr to one log
(README) gets them once, without a progress bar's counts beside them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

from research.runner.batch import expand_schedule

LEFT_OUT_EN = "candidate = Kiruna (2584), the job's pilot, which is not compared with itself"
LEFT_OUT_SV = "candidate = Kiruna (2584), jobbets pilot, som inte jämförs med sig själv"


@pytest.mark.parametrize("pilot", ["2584", "Kiruna", "kiruna kommun"])
def test_the_pilot_left_out_of_its_lan_is_named(pilot: str) -> None:
    tasks = expand_schedule(
        {"job": [{"notebook": "pilot_vs_candidate", "parameters": {"pilot": pilot},
                  "each": {"parameter": "candidate", "areas": "lan:25"}}]},
        "no-such-schedule.toml",
    )  # fmt: skip
    assert len(tasks) == 13 and "2584" not in {t.parameters["candidate"] for t in tasks}
    assert [s.en for s in tasks.skipped] == [f"job 1: {LEFT_OUT_EN}"]
    assert [s.sv for s in tasks.skipped] == [f"jobb 1: {LEFT_OUT_SV}"]


def test_the_notebooks_default_pilot_is_left_out_too() -> None:
    # no pilot parameter: the report's own (Stockholm, data/pilots.toml), which as a
    # candidate of itself used to stop the whole batch
    tasks = expand_schedule(
        {"job": [{"notebook": "pilot_vs_candidate",
                  "each": {"parameter": "candidate", "areas": "lan:01"}}]}
    )  # fmt: skip
    assert len(tasks) == 25
    assert [s.en for s in tasks.skipped] == [
        "job 1: candidate = Stockholm (0180), the job's pilot, which is not compared with itself"
    ]


def test_nothing_is_left_out_when_the_pilot_is_elsewhere() -> None:
    tasks = expand_schedule(
        {"job": [{"notebook": "pilot_vs_candidate", "parameters": {"pilot": "0180"},
                  "each": {"parameter": "candidate", "areas": "lan:25"}}]}
    )  # fmt: skip
    assert len(tasks) == 14 and tasks.skipped == []


SMALL = """\
# %% tags=["parameters"]
pilot: str = "2584"  # pilot
candidate: str = "2580"  # candidate

# %%
from research.views.html import heading

if candidate == "2582":
    raise ValueError("deliberate failure")
heading(f"Report {candidate}", 1)
"""


@pytest.mark.slow
def test_closing_lines_once_with_what_was_left_out(data_copy: Path, tmp_path: Path) -> None:
    nb = jupytext.reads(SMALL, fmt="py:percent")
    nb.metadata["kernelspec"] = {"name": "pilotbench", "language": "python", "display_name": "P"}
    nbformat.write(nb, tmp_path / "small.ipynb")
    sched = tmp_path / "weekly.toml"
    sched.write_text(
        "# the pilot and two kommuner of Norrbottens län\n"
        f'[[job]]\nnotebook = "{tmp_path / "small.ipynb"}"\nparameters = {{ pilot = "Kiruna" }}\n'
        'each = { parameter = "candidate", areas = ["2584", "Luleå", "Boden"] }\n',
        encoding="utf-8",
    )
    out = tmp_path / "reports"
    log = tmp_path / "cron.log"
    with log.open("w") as both:  # as the README's cron line: >> cron.log 2>&1, no tty
        proc = subprocess.run(
            [sys.executable, "-m", "research", "batch", str(sched), "--output", str(out)],
            stdout=both,
            stderr=subprocess.STDOUT,
            env=os.environ | {"PILOTBENCH_LANG": "en"},
            timeout=600,
            check=False,
        )
    assert proc.returncode == 1  # Boden failed
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("1 report ok, 1 failed, in "), lines
    assert lines[1].startswith("  FAILED ") and "deliberate failure" in lines[1]
    assert lines[2] == f"  LEFT OUT job 1 (line 2): {LEFT_OUT_EN}"
    assert lines[3] == f"index: {out / 'index.html'}"
    assert lines[4].startswith("log:   ") and len(lines) == 5, lines  # once, and no bar
    assert "\r" not in log.read_text(encoding="utf-8")
    # the index says it above its table, in its language (Swedish by default)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Utelämnade i den senaste körningen av weekly.toml:" in index
    assert f"jobb 1 (rad 2): {LEFT_OUT_SV}" in index
    assert index.index("Utelämnade") < index.index("<table")
    state = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert state["schedules"]["weekly"]["skipped"] == [f"jobb 1 (rad 2): {LEFT_OUT_SV}"]
    (batch_log,) = (out / "logs").glob("batch-*.log")
    assert f"left out: job 1 (line 2): {LEFT_OUT_EN}" in batch_log.read_text(encoding="utf-8")


def test_an_each_area_the_report_refuses_is_left_out_and_named() -> None:
    """``each = { parameter = "pilot", areas = "lan:20" }`` for pilot_effect stopped the whole
    batch at Vansbro (no reported crime after the start): no report ran for the län's other
    kommuner. The areas the report refuses are left out with its reason; a job whose every
    area is refused is the job's mistake and still stops the batch."""
    from research.core.errors import ParameterError

    schedule = {"job": [{"notebook": "pilot_effect", "each": {"parameter": "pilot",
                                                              "areas": "lan:20"}}]}  # fmt: skip
    tasks = expand_schedule(schedule, "dalarna.toml")
    left_out = {b.en.split(" left out: ")[0]: b for b in tasks.skipped}
    assert "pilot = Vansbro (2021)" in left_out and "pilot = Falun (2080)" not in left_out
    assert "Vansbro (2021) has no reported crime" in left_out["pilot = Vansbro (2021)"].en
    assert "pilot = Vansbro (2021) utelämnad: " in left_out["pilot = Vansbro (2021)"].sv
    assert len(tasks) + len(left_out) == 15 and "2080" in {t.parameters["pilot"] for t in tasks}
    none = {"job": [{"notebook": "pilot_effect",
                     "each": {"parameter": "pilot", "areas": ["2021", "2031"]}}]}  # fmt: skip
    with pytest.raises(ParameterError, match=r"Vansbro \(2021\) has no reported crime"):
        expand_schedule(none, "thin.toml")
