"""The offload worker of a lone report kernel (research.core.offload, issue 17).

A real forked worker process throughout. Prefetch must give the result of the same call
whichever process made it, fall back to computing here on every kind of failure (an error,
a warning, a killed worker, a result that does not come), and the report's figures must be
the same bytes with and without a worker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
import warnings
from pathlib import Path

import pytest

from research.core import offload
from research.runner.kernel_launch import (
    OFFLOADING_VIEWS,
    launch_kernel_process,
    launch_report_kernel,
    offload_modules,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def pool():
    """A fresh one-process worker (stdlib only: the tasks below need nothing else)."""
    p = offload.start_worker(["json"])
    try:
        yield p
    finally:
        p.shutdown(wait=True, cancel_futures=True)
        offload._forget()


def _pid(_: object = None) -> int:
    return os.getpid()


def _slow_pid(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _fails_elsewhere(parent: int) -> int:
    if os.getpid() != parent:
        raise ValueError("only in the worker")
    return parent


def _warns_elsewhere(parent: int) -> int:
    if os.getpid() != parent:
        warnings.warn("only in the worker", UserWarning, stacklevel=1)
    return parent


def _settled(pf: offload.Prefetch, timeout: float = 30) -> None:
    """Wait until every task has been sent and answered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with pf._lock:
            done = not pf._pending and all(f.done() for f in pf._sent.values())
        if done:
            return
        time.sleep(0.01)
    raise AssertionError("the worker did not answer")


def test_results_come_from_the_worker_once_it_has_them(pool) -> None:
    tasks = {k: (_pid, (k,), {}) for k in "abc"}
    pf = offload.Prefetch(pool, tasks)
    _settled(pf)
    pids = [pf.take(k, lambda: os.getpid()) for k in "abc"]
    assert all(p != os.getpid() for p in pids)
    assert sorted(pf.from_worker) == ["a", "b", "c"]
    # taken once: a second take computes here
    assert pf.take("a", lambda: "here") == "here"


def test_the_worker_starts_from_the_last_and_the_caller_takes_the_first(pool) -> None:
    # the worker is busy with "b" (the last) for a while: "a" is still pending, so it is
    # computed here at once instead of waiting
    # computed here in 0.7 s; the worker, 1 s into "b", is then waited for (up to 1.05 s)
    pf = offload.Prefetch(pool, {"a": (_pid, (), {}), "b": (_slow_pid, (1.0,), {})})
    t0 = time.monotonic()
    assert pf.take("a", lambda: time.sleep(0.7) or os.getpid()) == os.getpid()
    assert time.monotonic() - t0 < 0.9
    assert pf.take("b", lambda: os.getpid()) != os.getpid()
    assert pf.from_worker == ["b"]


@pytest.mark.parametrize("fn", [_fails_elsewhere, _warns_elsewhere])
def test_a_failure_or_warning_in_the_worker_is_computed_here(pool, fn) -> None:
    parent = os.getpid()
    pf = offload.Prefetch(pool, {"x": (fn, (parent,), {})})
    _settled(pf)
    assert pf.take("x", lambda: fn(parent)) == parent
    assert pf.from_worker == []


def test_a_genuine_error_is_raised_here(pool) -> None:
    pf = offload.Prefetch(pool, {"x": (int, ("not a number",), {})})
    _settled(pf)
    with pytest.raises(ValueError, match="invalid literal"):
        pf.take("x", lambda: int("not a number"))


def test_a_killed_worker_costs_nothing_but_the_time(pool) -> None:
    pf = offload.Prefetch(pool, {k: (_slow_pid, (0.3,), {}) for k in "abcd"})
    time.sleep(0.1)  # the worker is on "d"
    (proc,) = pool._processes.values()
    os.kill(proc.pid, signal.SIGKILL)
    t0 = time.monotonic()
    assert [pf.take(k, lambda: "here") for k in "abcd"] == ["here"] * 4
    assert time.monotonic() - t0 < 10


def test_no_answer_in_time_is_computed_here_and_then_nothing_is_waited_for(pool) -> None:
    tasks = {k: (_slow_pid, (1.5,), {}) for k in "abc"}
    pf = offload.Prefetch(pool, tasks, timeout=0.2)
    time.sleep(0.1)  # the worker is on "c"
    t0 = time.monotonic()
    assert pf.take("c", lambda: "here") == "here"  # waited 0.2 s
    assert pf.take("b", lambda: "here") == "here"  # sent or not: not waited for
    assert pf.take("a", lambda: "here") == "here"
    assert 0.2 <= time.monotonic() - t0 < 1.0
    assert pf.from_worker == []


def test_without_a_worker_everything_is_computed_here() -> None:
    pf = offload.Prefetch(None, {"x": (_pid, (), {})})
    assert pf.take("x", lambda: "here") == "here"
    assert pf.take("unknown", lambda: 1) == 1


def _run(code: str, env: dict[str, str] | None = None, cpus: set[int] | None = None) -> str:
    pre = f"import os; os.sched_setaffinity(0, {cpus!r})\n" if cpus else ""
    out = subprocess.run(
        [sys.executable, "-c", pre + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_environment_starts_a_worker_only_with_modules_and_a_spare_cpu() -> None:
    code = """
        from research.core import offload
        print(offload.start_from_environment() is not None)
    """
    if offload.usable_cpus() >= 2:
        assert _run(code, {offload.ENV: "json"}).strip() == "True"
    assert _run(code, {offload.ENV: ""}).strip() == "False"
    assert _run(code, {offload.ENV: "json"}, cpus={0}).strip() == "False"


@pytest.mark.skipif(offload.usable_cpus() < 2, reason="a worker needs a second CPU")
def test_a_worker_that_cannot_be_forked_is_no_worker_and_no_error() -> None:
    # the kernel's launch line calls this before ipykernel starts: an error would kill the
    # kernel, and the report with it
    code = """
        import os
        def no_fork():
            raise BlockingIOError(11, "Resource temporarily unavailable")
        os.fork = no_fork
        from research.core import offload
        print(offload.start_from_environment() is None, offload.worker() is None)
    """
    assert _run(code, {offload.ENV: "json"}).split() == ["True", "True"]


def test_only_the_views_that_prefetch_get_a_worker() -> None:
    assert offload_modules(["research.views.pilot_vs_candidate.sections"]) == (
        "research.views.charts",
    )
    assert offload_modules(["research.lab.notebook", "research.views.decision_brief"]) == ()
    assert offload_modules([]) == ()
    for modules in OFFLOADING_VIEWS.values():
        assert all(m.startswith("research.") for m in modules)


def _kernel_env(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(x.decode().split("=", 1) for x in raw if b"=" in x)


def test_a_lone_report_kernel_is_asked_for_a_worker_and_a_batch_kernel_is_not(
    monkeypatch,
) -> None:
    monkeypatch.setenv(offload.ENV, "json")  # whatever this process has: not passed on
    lone = launch_report_kernel("pilot_vs_candidate")
    empty = launch_kernel_process(preload=["research.views.pilot_vs_candidate.sections"])
    try:
        assert _kernel_env(lone.process.pid)[offload.ENV] == "research.views.charts"
        assert lone.env[offload.ENV] == "research.views.charts"  # a restart gets one too
        assert offload.ENV not in _kernel_env(empty.process.pid)
    finally:
        lone.discard()
        empty.discard()


_FIGURES = """
    import hashlib, json, sys, time
    from research.core import offload
    if {worker!r}:
        offload.start_worker(["research.views.charts"])  # before polars runs anything
    from research.views.pilot_vs_candidate.sections import pilot_vs_candidate
    for lang in ("sv", "en"):
        r = pilot_vs_candidate(candidate="0127", lang=lang)
        r.summary()
        pf, deadline = r._prefetch, time.monotonic() + 120
        # the worker draws them all first: at nice 10 on a busy machine it may otherwise
        # answer too late for every one, and the kernel's own figures would be compared
        while pf is not None and time.monotonic() < deadline:
            with pf._lock:
                if not pf._pending and all(f.done() for f in pf._sent.values()):
                    break
            time.sleep(0.02)
        figures = [str(r.trend_chart(i)) for i in r.indicators] + [str(r.funnel())]
        taken = [] if r._prefetch is None else r._prefetch.from_worker
        print(json.dumps({{"lang": lang, "taken": [list(k) for k in taken],
                          "figures": [hashlib.sha256(f.encode()).hexdigest() for f in figures]}}))
"""


@pytest.mark.skipif(offload.usable_cpus() < 2, reason="a worker needs a second CPU")
def test_the_figures_are_the_same_bytes_from_the_worker() -> None:
    here = [json.loads(x) for x in _run(_FIGURES.format(worker=False)).splitlines()]
    there = [json.loads(x) for x in _run(_FIGURES.format(worker=True)).splitlines()]
    assert [h["figures"] for h in here] == [t["figures"] for t in there]
    assert all(h["taken"] == [] for h in here)
    # the worker drew every one of them
    assert all(len(t["taken"]) == len(t["figures"]) for t in there)


def _processes_with(marker: str) -> list[int]:
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if marker.encode() in (d / "environ").read_bytes():
                    found.append(int(d.name))
            except OSError:
                pass
    return found


@pytest.mark.skipif(offload.usable_cpus() < 2, reason="a worker needs a second CPU")
def test_the_report_command_leaves_no_worker_behind(tmp_path) -> None:
    marker = f"PILOTBENCH_TEST_MARK={uuid.uuid4().hex}"
    key, value = marker.split("=")
    env = {**os.environ, key: value, "PILOTBENCH_REPORTS": str(tmp_path)}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "pilotbench"), "report", "--candidate", "0127"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # the kernel and its worker appear while the report runs
    deadline, seen = time.monotonic() + 60, set()
    while proc.poll() is None and time.monotonic() < deadline:
        for pid in _processes_with(marker):
            try:
                if offload.ENV.encode() in Path(f"/proc/{pid}/environ").read_bytes():
                    seen.add(pid)
            except OSError:
                pass
        time.sleep(0.05)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert len(seen) >= 2  # the kernel and its worker
    time.sleep(0.5)
    assert _processes_with(marker) == []


def test_a_worker_slower_than_this_process_is_waited_for_no_longer_than_computing_here(
    pool,
) -> None:
    # "a" and "b" are computed here in about 0.05 s; the worker needs 2 s for "c"
    tasks = {"a": (_pid, (), {}), "b": (_pid, (), {}), "c": (_slow_pid, (2.0,), {})}
    pf = offload.Prefetch(pool, tasks)
    for k in "ab":
        assert pf.take(k, lambda: time.sleep(0.05) or "here") == "here"
    t0 = time.monotonic()
    assert pf.take("c", lambda: "here") == "here"
    assert 0.2 <= time.monotonic() - t0 < 0.6  # 1.5 x 0.05 s, at least 0.2 s
    assert pf.from_worker == []


@pytest.mark.parametrize("how", ["os._exit", "SIGKILL"])
def test_the_worker_dies_with_a_kernel_that_ends_without_shutting_it_down(how, tmp_path) -> None:
    # ipykernel ends with os._exit when the command that started it is killed; the kernel
    # may be killed alone (out of memory): the worker, waiting for work, must not stay
    code = f"""
        import os, signal
        from research.core import offload
        pool = offload.start_worker(["json"])
        assert pool.submit(os.getpid).result() != os.getpid()
        (proc,) = pool._processes.values()
        print(proc.pid, flush=True)
        if {how!r} == "os._exit":
            os._exit(1)
        os.kill(os.getpid(), signal.SIGKILL)
    """
    out = tmp_path / "pid"
    with out.open("w") as f:  # not a pipe: a worker left behind would hold it open
        subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)], stdout=f, cwd=ROOT, timeout=60
        )
    pid = int(out.read_text())
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = Path(f"/proc/{pid}").exists()
    if alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, "the worker outlived its kernel"
