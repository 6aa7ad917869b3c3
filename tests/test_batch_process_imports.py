"""What ``pilotbench batch``'s own process imports (issue 17: the batch's peak memory).

The batch process only drives the kernels (papermill, nbconvert) and resolves areas; polars
(about 30-45 MiB RSS), numpy (about 11-17) and pydantic (about 13) are the kernels' business.
Each of these tests runs the process's own steps in a fresh interpreter and checks
``sys.modules`` afterwards, so an import added on that path shows up here, not only as a
larger number in the benchmark.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCHEDULE = """\
[batch]
workers = 2

[[job]]
notebook = "pilot_vs_candidate"
parameters = { pilot = "0180", lang = "sv" }
each = { parameter = "candidate", areas = "lan:01" }
"""

#: The batch process's steps before and around the reports: schedule, areas, parameters,
#: the report footer's data key and coverage text, the modules of the HTML export.
STEPS = """\
import json, sys
from pathlib import Path
from research.runner.batch import expand_schedule, load_schedule
from research.runner.params import validate
from research.runner import report
import research.views.table_data, research.runner.offline
import research.views.batch_index.page
from research.core.paths import data_dir

tasks = expand_schedule(load_schedule(Path(sys.argv[1])))
for t in tasks[:3]:
    validate(t.notebook, t.parameters)
key = report._data_key(data_dir().resolve())
heavy = [m for m in ("polars", "numpy", "pydantic", "scipy", "matplotlib") if m in sys.modules]
print(json.dumps({"tasks": len(tasks), "key": len(key), "heavy": heavy}))
"""


def _run(schedule: Path, cache: Path) -> dict:
    env = {**os.environ, "PILOTBENCH_CACHE": str(cache)}
    proc = subprocess.run(
        [sys.executable, "-c", STEPS, str(schedule)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_batch_process_imports_no_polars_numpy_or_pydantic(tmp_path: Path) -> None:
    schedule = tmp_path / "s.toml"
    schedule.write_text(SCHEDULE, encoding="utf-8")
    cache = tmp_path / "cache"
    first = _run(schedule, cache)
    # A schedule never seen before is validated with pydantic (and then cached by content) ...
    assert first["tasks"] == 25  # the kommuner of Stockholms län other than the pilot
    assert "polars" not in first["heavy"] and "numpy" not in first["heavy"], first
    # ... the same bytes again are read back: nothing heavy at all.
    second = _run(schedule, cache)
    assert second == {"tasks": 25, "key": first["key"], "heavy": []}


def test_schedules_run_in_turn_stay_cached(tmp_path: Path) -> None:
    """A site's schedules run in turn (weekly, monthly) do not evict each other.

    With one cached schedule, the second schedule's run evicted the first, which the next run
    validated again with pydantic in the batch's process (13 MiB of its peak, issue 17).
    """
    cache = tmp_path / "cache"
    weekly, monthly = tmp_path / "weekly.toml", tmp_path / "monthly.toml"
    weekly.write_text(SCHEDULE, encoding="utf-8")
    monthly.write_text(SCHEDULE.replace('lang = "sv"', 'lang = "en"'), encoding="utf-8")
    assert "pydantic" in _run(weekly, cache)["heavy"]
    assert "pydantic" in _run(monthly, cache)["heavy"]
    assert _run(weekly, cache)["heavy"] == []
    assert _run(monthly, cache)["heavy"] == []


def test_the_schedule_cache_keeps_the_most_recently_used(tmp_path: Path) -> None:
    from research.core.derived import load_derived

    folder = tmp_path / "derived"
    built: list[str] = []

    def get(key: str) -> str:
        return load_derived("schedule", key, lambda: built.append(key) or key, folder, keep=3)

    for key in ("a", "b", "c"):
        get(key)
    os.utime(folder / "schedule-a.pickle", ns=(1, 1))  # a: used long ago
    os.utime(folder / "schedule-b.pickle", ns=(2, 2))
    get("c")  # read back: c is now the most recent
    get("d")  # built: a, the least recently used, goes
    assert sorted(p.name for p in folder.iterdir()) == [
        "schedule-b.pickle",
        "schedule-c.pickle",
        "schedule-d.pickle",
    ]
    assert built == ["a", "b", "c", "d"]
    get("b")
    assert built == ["a", "b", "c", "d"]  # read back, not built


def test_cached_schedule_still_refuses_a_changed_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from research.core.errors import ParameterError
    from research.runner.batch import load_schedule

    monkeypatch.setenv("PILOTBENCH_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "s.toml"
    path.write_text(SCHEDULE, encoding="utf-8")
    assert load_schedule(path) == load_schedule(path)  # validated, then read back
    path.write_text(SCHEDULE.replace("workers = 2", 'workers = "two"'), encoding="utf-8")
    with pytest.raises(ParameterError, match="workers"):
        load_schedule(path)
