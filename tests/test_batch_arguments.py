"""Wrong batch arguments are one line and exit status 2, in the user's language.

``pilotbench batch s.toml --workers -3`` ended in a traceback ("batch worker threads stopped
early"), ``--workers 0`` silently meant the schedule's number, and ``--dask`` to an address
where nothing answers said "a file: it cannot be written". Real processes, no kernel starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from research.core.errors import ArgumentError, PilotbenchError
from research.runner.batch import Task, run_batch

SCHEDULE = """\
[batch]
workers = 2

[[job]]
notebook = "pilot_vs_candidate"
parameters = { pilot = "0180", lang = "sv" }
each = { parameter = "candidate", areas = "lan:01" }
"""


def _batch(tmp_path: Path, *args: str, lang: str = "sv") -> subprocess.CompletedProcess[str]:
    schedule = tmp_path / "s.toml"
    schedule.write_text(SCHEDULE, encoding="utf-8")
    env = {**os.environ, "PILOTBENCH_LANG": lang, "PILOTBENCH_CACHE": str(tmp_path / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "research", "batch", str(schedule), "--no-progress",
         "--output", str(tmp_path / "out"), *args],
        capture_output=True, text=True, env=env, check=False, timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize("workers", ["-3", "0"])
def test_workers_below_one_are_refused_in_one_line(tmp_path: Path, workers: str) -> None:
    sv = _batch(tmp_path, f"--workers={workers}")
    assert sv.returncode == 2, sv.stderr
    assert sv.stderr.strip() == (
        f"fel: --workers {workers}: antalet parallella kärnor ska vara ett heltal >= 1"
    )
    en = _batch(tmp_path, f"--workers={workers}", lang="en")
    assert en.stderr.strip() == (
        f"error: --workers {workers}: the number of parallel kernels must be a whole number >= 1"
    )
    assert not (tmp_path / "out").exists()  # nothing started, nothing written


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_run_batch_refuses_workers_below_one(tmp_path: Path, workers: object) -> None:
    with pytest.raises(ArgumentError, match="whole number >= 1") as err:
        run_batch([Task("pilot_vs_candidate", {})], workers=workers, output_root=tmp_path)  # type: ignore[arg-type]
    assert "heltal >= 1" in err.value.message("sv")


def test_a_dask_address_where_nothing_answers_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real connection attempt to a port where nothing listens (shortened wait)."""
    pytest.importorskip("distributed")
    import research.runner.batch as batch

    monkeypatch.setattr(batch, "DASK_CONNECT_TIMEOUT", "2s")
    with pytest.raises(PilotbenchError) as err:
        batch._run_dask([Task("pilot_vs_candidate", {})], "tcp://127.0.0.1:1", tmp_path, False)
    sv = err.value.message("sv")
    assert sv.startswith("ingen Dask-schemaläggare svarar på tcp://127.0.0.1:1 ("), sv
    assert str(err.value).startswith("no Dask scheduler answers at tcp://127.0.0.1:1 (")
    assert "\n" not in sv and "en fil" not in sv


def test_a_list_of_areas_may_hold_a_lan() -> None:
    """areas = ["2403", "lan:09"] said "'lan:09' is not a known area"."""
    from research.runner.batch import expand_schedule

    tasks = expand_schedule(
        {"job": [{"notebook": "pilot_vs_candidate",
                  "each": {"parameter": "candidate", "areas": ["2403", "lan:09"]}}]}
    )  # fmt: skip
    assert [t.parameters["candidate"] for t in tasks] == ["2403", "0980"]  # Gotland: one kommun
