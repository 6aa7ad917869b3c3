"""Batches: schedule expansion, parallel workers, isolated failures, lock, index, Dask."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from research.cli import main
from research.core.errors import ParameterError, UnknownAreaError
from research.runner.batch import (
    BatchLockedError,
    Task,
    batch_lock,
    expand_schedule,
    run_batch,
)

pytestmark = pytest.mark.slow

TINY = """\
# %% tags=["parameters"]
mode: str = "ok"  # ok, raise or kill

# %%
import os
import signal

from research.views.html import heading

if mode == "raise":
    raise ValueError("deliberate failure inside a cell")
if mode == "kill":
    os.kill(os.getpid(), signal.SIGKILL)  # the kernel dies (as under the OOM killer)
heading(f"Report {mode}", 1)
"""


@pytest.fixture
def tiny(tmp_path: Path) -> str:
    nb = jupytext.reads(TINY, fmt="py:percent")
    nb.metadata["kernelspec"] = {"name": "pilotbench", "language": "python", "display_name": "P"}
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    return str(path)


def test_expand_schedule() -> None:
    sched = {
        "job": [
            {"notebook": "pilot_vs_candidate", "parameters": {"pilot": "0180"},
             "each": {"parameter": "candidate", "areas": "lan:01"}},
            {"notebook": "pilot_vs_candidate",
             "parameters": {"pilot": "0180", "candidate": "0126"}},
        ]
    }  # fmt: skip
    tasks = expand_schedule(sched)
    # 26 kommuner in Stockholms län, the pilot (0180) is not its own candidate, 0126 once
    assert len(tasks) == 25
    assert {t.parameters["candidate"] for t in tasks} >= {"0126", "0127", "0192"}
    with pytest.raises(UnknownAreaError, match="Huddinge"):
        expand_schedule(
            {"job": [{"notebook": "x", "each": {"parameter": "candidate", "areas": ["Hudinge"]}}]}
        )
    with pytest.raises(ParameterError, match="no \\[\\[job\\]\\]"):
        expand_schedule({})


def test_stockholms_lan_batch_with_index(tmp_path: Path) -> None:
    sched = tmp_path / "schedule.toml"
    sched.write_text(
        '[[job]]\nnotebook = "pilot_vs_candidate"\nparameters = { pilot = "0180" }\n'
        'each = { parameter = "candidate", areas = "lan:01" }\n',
        encoding="utf-8",
    )
    out = tmp_path / "reports"
    assert main(["batch", str(sched), "--workers", "2", "--output", str(out), "--no-progress"]) == 0
    folders = sorted(p.name for p in out.iterdir() if (p / "report.html").exists())
    assert len(folders) == 25
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('href="pilot_vs_candidate_0180_') == 25
    assert "0 misslyckade" in index
    assert list((out / "logs").glob("batch-*.log"))
    # every report is a real, complete report for its own candidate
    m = json.loads((out / "pilot_vs_candidate_0180_0126_sv" / "manifest.json").read_text())
    assert m["parameters"]["candidate"] == "0126" and m["status"] == "ok"
    # reused kernels leave no noise in the reports (e.g. IPython history-database errors)
    for folder in folders:
        nb = nbformat.read(out / folder / "notebook.ipynb", as_version=4)
        streams = [
            o
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.get("outputs", [])
            if o.get("output_type") in ("stream", "error")
        ]
        assert streams == [], (folder, streams[:1])


def _without_timestamps(html: bytes) -> bytes:
    """The report without what legitimately changes between two runs: the time stamp and
    the random cell id papermill gives its injected-parameters cell."""
    html = re.sub(rb'id="cell-id=[0-9a-f]+"', b'id="cell-id"', html)
    return re.sub(rb"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?( ?[A-Z]{2,5}|[+-]\d{2}:\d{2})?",
                  b"<time>", html)  # fmt: skip


def test_failures_are_isolated_and_reported(tiny: str, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    first = run_batch([Task(tiny, {"mode": "ok"})], workers=1, output_root=out, progress=False)
    assert first.ok
    good = out / "tiny_sv" / "report.html"
    before = good.read_bytes()
    tasks = [
        Task(tiny, {"mode": "raise"}),
        Task(tiny, {"mode": "kill"}),
        Task("pilot_vs_candidate", {"candidate": "Hudinge"}),
        Task(tiny, {"mode": "ok"}),
    ]
    res = run_batch(tasks, workers=2, output_root=out, progress=False)
    status = {json.dumps(r.task.parameters, sort_keys=True): r for r in res.results}
    assert not res.ok and len(res.failed) == 3
    raised = status['{"mode": "raise"}']
    assert raised.status == "failed" and "deliberate failure inside a cell" in raised.error
    killed = status['{"mode": "kill"}']
    assert killed.status == "failed" and "SIGKILL" in killed.error
    invalid = status['{"candidate": "Hudinge"}']
    assert "Huddinge (0126)" in invalid.error
    assert status['{"mode": "ok"}'].status == "ok"  # the batch went on after the killed kernel
    # the last good report is intact: the later ok run replaced it with equal content (the
    # whole file, apart from the time stamp and papermill's random cell id)
    assert good.exists()
    after, was = _without_timestamps(good.read_bytes()), _without_timestamps(before)
    i = next((k for k, (a, b) in enumerate(zip(after, was, strict=False)) if a != b), None)
    assert after == was, (i, was[max(0, (i or 0) - 200) : (i or 0) + 80])
    assert b"<html" in before and len(before) > 1000
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('<tr class="failed"') == 3 and "SIGKILL" in index
    assert "misslyckades" in index and "FAILED" not in index


def test_cli_exit_status_on_failure(
    tiny: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sched = tmp_path / "s.toml"
    sched.write_text(f'[[job]]\nnotebook = "{tiny}"\nparameters = {{ mode = "raise" }}\n')
    capsys.readouterr()
    monkeypatch.setenv("PILOTBENCH_LANG", "sv")  # the closing lines in the messages' language
    assert main(["batch", str(sched), "--output", str(tmp_path / "r"), "--no-progress"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("0 rapporter klara, 1 misslyckades, på ") and lines[0].endswith(" s")
    assert lines[1].startswith("  MISSLYCKADES ") and lines[2].startswith("index: ")
    assert lines[3].startswith("logg:  ")


def test_two_batches_never_overlap(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    with batch_lock(out):
        with pytest.raises(BatchLockedError, match="Another batch is running"):
            run_batch([Task("pilot_vs_candidate", {})], output_root=out, progress=False)


def test_dask_cluster(tiny: str, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        res = run_batch(
            [Task(tiny, {"mode": "ok"}), Task(tiny, {"mode": "raise"})],
            output_root=tmp_path / "reports",
            dask=cluster.scheduler_address,
            progress=False,
        )
    assert [r.status for r in res.results] == ["ok", "failed"]
    assert (tmp_path / "reports" / "tiny_sv" / "report.html").exists()


def test_a_kernel_is_handed_on_once_its_notebook_has_run(tiny: str, tmp_path: Path) -> None:
    """A local batch lends each kernel to the next report as soon as a notebook has run, and
    writes the first report's HTML meanwhile (issue 17); after a failed run the kernel is
    handed on only once it has been replaced. Exactly one hand-off per report either way."""
    from research.runner.batch import _run_task, _Slot, _thread_session

    out = tmp_path / "reports"
    page = out / "tiny_sv" / "report.html"
    session = _thread_session()
    session.start(cwd=tmp_path)
    slot = _Slot(0, session)
    handed: list[tuple[bool, bool]] = []

    def release() -> None:  # what the batch does: put the kernel back for the next report
        handed.append((page.exists(), session.km is not None and session.km.is_alive()))

    try:
        ok = _run_task(slot, Task(tiny, {"mode": "ok"}), Path(tiny), out, release)
        assert ok.status == "ok" and page.exists()
        assert handed == [(False, True)]  # before the page was written, the kernel still up
        handed.clear()
        bad = _run_task(slot, Task(tiny, {"mode": "raise"}), Path(tiny), out, release)
        assert bad.status == "failed" and "deliberate failure" in bad.error
        assert handed == [(True, False)]  # the failed kernel was discarded first
        handed.clear()
        again = _run_task(slot, Task(tiny, {"mode": "ok"}), Path(tiny), out, release)
        assert again.status == "ok"  # on a new kernel (the previous page is still in place)
        assert handed == [(True, True)]
    finally:
        session.shutdown()


def test_heap_limits_are_taken_where_glibc_runs() -> None:
    import platform

    from research.runner.batch import _limit_heap_growth

    # Twice: the batch sets them once per run, and a second run in one process is fine.
    assert _limit_heap_growth() == _limit_heap_growth()
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert _limit_heap_growth()


def test_the_commit_is_read_once_for_the_whole_batch(
    tiny: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import research.data.provenance as provenance
    import research.runner.report as report_mod

    calls: list[int] = []

    def once() -> str:
        calls.append(1)
        return "0123456789ab"

    def per_report() -> str:
        raise AssertionError("a batch's report read the commit itself")

    monkeypatch.setattr(provenance, "git_commit", once)
    monkeypatch.setattr(report_mod, "git_commit", per_report)
    out = tmp_path / "reports"
    tasks = [Task(tiny, {"mode": "ok"}), Task(tiny, {"mode": "ok2"})]
    res = run_batch(tasks, workers=2, output_root=out, progress=False)
    assert res.ok, [r.error for r in res.results]
    assert calls == [1]
    manifests = sorted(out.glob("tiny_*/manifest.json"))
    assert len(manifests) == 2
    assert {json.loads(m.read_text())["git_commit"] for m in manifests} == {"0123456789ab"}


@pytest.mark.parametrize(
    "areas, error, words",
    [
        (["126"], UnknownAreaError, "'0126' (Huddinge)"),
        ("lan:99", UnknownAreaError, "'99'"),
        ("lan:0126", ParameterError, "is not a län"),
        ([], ParameterError, "each.areas is empty"),
    ],
)
def test_schedule_area_mistakes_name_the_file_and_job(areas, error, words) -> None:
    # "error: No area has the code '126'. ..." did not say which file or job it came from;
    # an empty list ran nothing and reported success
    sched = {
        "job": [
            {"notebook": "pilot_vs_candidate", "parameters": {"candidate": "0126"}},
            {"notebook": "pilot_vs_candidate", "each": {"parameter": "candidate", "areas": areas}},
        ]
    }
    with pytest.raises(error) as info:
        expand_schedule(sched, "reports/s.toml")
    assert str(info.value).startswith("reports/s.toml: job 2: each.areas")
    assert info.value.message("sv").startswith("reports/s.toml: jobb 2: each.areas")
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('candidat = "0127"', "Unknown parameter(s) for pilot_vs_candidate: 'candidat'"),
        ('start_year = "abc"', "start_year must be an integer year, got 'abc'"),
        ('candidate = "Hudinge"', "candidate = 'Hudinge': 'Hudinge' is not a known area"),
    ],
)
def test_bad_task_parameters_stop_the_batch_naming_file_job_and_parameter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, words: str
) -> None:
    # each task failed at run time (exit 1, "invalid parameters: ...") without naming the
    # schedule or the job, while a misspelt notebook stopped the batch before anything ran
    sched = tmp_path / "s.toml"
    sched.write_text(
        '[[job]]\nnotebook = "pilot_vs_candidate"\nparameters = { candidate = "0127" }\n\n'
        f'[[job]]\nnotebook = "pilot_vs_candidate"\nparameters = {{ {line} }}\n'
    )
    out = tmp_path / "r"
    assert main(["batch", str(sched), "--output", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    # the job by its number and the line of its [[job]] header, as every schedule message
    assert err.startswith(f"error: {sched}: job 2 (line 5): ") and err.count("\n") == 1, err
    assert words in err
    assert not out.exists()  # nothing ran, no index
