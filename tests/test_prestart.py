"""A report kernel started ahead of the report imports what the notebook imports (issue 17).

``pilotbench report`` starts the kernel first (:func:`research.runner.kernel.prestart_kernel`)
so that it imports the report's modules while the command checks the data and validates the
parameters. These tests run real kernels: the modules are imported before the first cell, no
name is added to the user namespace, an empty notebook gets no pre-imports, and the report
made on a pre-started kernel is the same page.
"""

from __future__ import annotations

import ast
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import zmq

from research.runner.kernel import KernelSession, prestart_kernel
from research.runner.kernel_launch import notebook_imports
from research.runner.report import run_report_command

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def _ask(session: KernelSession, expression: str) -> str:
    km = session.ready()
    ctx = zmq.Context()
    kc = km.client(context=ctx)
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        reply = kc.execute_interactive(
            "", user_expressions={"x": expression}, timeout=120, output_hook=lambda _m: None
        )
        return reply["content"]["user_expressions"]["x"]["data"]["text/plain"]
    finally:
        kc.stop_channels()
        ctx.destroy(linger=0)


def test_preloaded_modules_are_imported_before_the_first_cell() -> None:
    session = KernelSession()
    session.start(preload=["research.stats._dist", "research.views.html"])
    try:
        got = _ask(
            session,
            "[m in __import__('sys').modules for m in ('research.stats._dist', "
            "'research.views.html', 'research.stats.synth')] + "
            "[n for n in ('m', '_m', '_dist', 'html') if n in globals()]"
            " + [__import__('os').environ.get('PILOTBENCH_REPORT')]",
        )
    finally:
        session.shutdown()
    assert got == "[True, True, False, '1']"


def test_the_default_notebook_preloads_its_own_imports_and_an_empty_one_nothing() -> None:
    nb = json.loads((ROOT / "notebooks" / "pilot_vs_candidate.ipynb").read_text("utf-8"))
    assert notebook_imports(nb) == [
        "research.lab.notebook",
        "research.views.pilot_vs_candidate.sections",
    ]
    params = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert notebook_imports({"cells": params}) == []
    assert prestart_kernel("no_such_notebook") is None


def test_report_on_a_prestarted_kernel(tmp_path: Path) -> None:
    session = prestart_kernel("pilot_vs_candidate")
    assert session is not None
    res = run_report_command("pilot_vs_candidate", {"lang": "en"}, output=tmp_path, kernel=session)
    assert session.km is None  # shut down after the report
    page = res.html.read_text("utf-8")
    assert "Huddinge" in page and page.count('<img alt="') >= 7


def test_a_warm_kernel_serving_many_reports_releases_each_runs_client(tmp_path: Path) -> None:
    """nbclient leaves a client it did not make running (3 threads, a zmq context, 14 sockets);
    a batch's warm kernel served ~290 reports, so the session closes them before the next run."""
    import os

    from research.runner.report import run_report

    nb = json.loads((ROOT / "notebooks" / "pilot_vs_candidate.ipynb").read_text("utf-8"))
    nb["cells"] = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    path = tmp_path / "empty.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    session = KernelSession()
    session.start(cwd=tmp_path)

    def count() -> tuple[int, int]:
        return len(os.listdir("/proc/self/task")), len(os.listdir("/proc/self/fd"))

    try:
        run_report(str(path), {}, output_root=tmp_path / "out", kernel=session)
        first = count()
        for _ in range(3):
            run_report(str(path), {}, output_root=tmp_path / "out", kernel=session)
        session.ready()  # what the next report does first
        assert count() <= first  # the three runs' clients were released (was +9 threads)
    finally:
        session.shutdown()


def test_a_new_client_is_ready_without_draining_iopub_and_loses_no_output() -> None:
    """The project's clients skip jupyter_client's 0.2 s IOPub drain (issue 17); IOPub must
    still be connected when ``wait_for_ready`` returns: the first request's output arrives."""
    from research.runner.kernel import ProjectAsyncClient, ProjectBlockingClient

    session = KernelSession()
    session.start()
    try:
        km = session.ready()
        assert km.client_factory is ProjectBlockingClient
        for _ in range(3):  # each on a kernel that is already up, as a batch's clients are
            kc = km.client(context=zmq.Context())
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=120)
                # Whatever the kernel published for wait_for_ready's own requests may be left
                # in the queue (jupyter_client drains it for 0.2 s), for consumers that filter
                # by parent, as nbclient and execute_interactive do. It may also be gone: a
                # status published before this subscriber joined is never delivered, and
                # wait_for_ready may have taken the one welcome (waiting for a leftover
                # failed about two runs in three under load).
                left: list[str] = []
                while True:
                    try:
                        left.append(kc.iopub_channel.get_msg(timeout=0.05)["msg_type"])
                    except queue.Empty:
                        break
                assert set(left) <= {"status", "iopub_welcome"}
                seen: list[str] = []
                kc.execute_interactive(
                    "print('first output')",
                    timeout=120,
                    output_hook=lambda m, seen=seen: seen.extend(
                        [m["content"]["text"]] if m["msg_type"] == "stream" else []
                    ),
                )
                assert seen == ["first output\n"]
            finally:
                kc.stop_channels()
                kc.context.destroy(linger=0)
        session.km.shutdown_kernel(now=True)  # a dead kernel: a clear error, not a hang
        kc = km.client(context=zmq.Context())
        kc.start_channels()
        try:
            with pytest.raises(RuntimeError, match="died"):
                kc.wait_for_ready(timeout=30)
        finally:
            kc.stop_channels()
            kc.context.destroy(linger=0)
        km.client_class = "research.runner.kernel.ProjectAsyncClient"  # what batch threads use
        assert km.client_factory is ProjectAsyncClient
    finally:
        session.shutdown()


def test_a_kernel_killed_during_the_namespace_reset_is_replaced_at_once(monkeypatch) -> None:
    """A batch hands a kernel to the next report right after a notebook has run; a kernel
    killed during the next report's namespace reset was waited on for execute_interactive's
    60 s timeout and failed a report that had not started. Now a new kernel, within seconds."""
    import time

    from research.runner import kernel as kernel_mod

    session = KernelSession()
    session.start()
    try:
        session.ready()  # the fresh kernel, handed over as it is
        pid = session.km.provisioner.pid
        monkeypatch.setattr(kernel_mod, "_RESET", "import os; os.kill(os.getpid(), 9)")
        t0 = time.monotonic()
        km = session.ready()
        assert time.monotonic() - t0 < 30
        assert km.is_alive() and km.provisioner.pid != pid
        monkeypatch.undo()
        assert _ask(session, "1 + 1") == "2"
    finally:
        session.shutdown()


def test_the_command_starts_the_kernel_before_importing_the_report_machinery() -> None:
    """The kernel's start and imports overlap the command's own (jupyter_client, papermill,
    nbconvert, the data layer): its process is started before any of them is imported."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import research.runner.kernel_launch as k\n"
        "def first(notebook):\n"
        "    loaded = [m for m in ('jupyter_client', 'zmq', 'papermill', 'nbconvert', 'polars',"
        " 'research.runner.report', 'research.runner.kernel') if m in sys.modules]\n"
        "    print(notebook, loaded)\n"
        "    raise SystemExit(0)\n"
        "k.launch_report_kernel = first\n"
        "from research.cli import main\n"
        "main(['report', 'pilot_vs_candidate', '--candidate', '0127'])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "pilot_vs_candidate []"


def test_an_adopted_kernel_leaves_no_files_and_restarts_as_a_new_process() -> None:
    """The manager stops the adopted process and removes the connection file and sockets it did
    not write; a restart starts a new process (not the adopted one again)."""
    from research.runner.kernel_launch import launch_kernel_process

    launched = launch_kernel_process(preload=["research.views.html"])
    files = [launched.connection_file] + [
        Path(f"{launched.connection['ip']}-{launched.connection[p]}")
        for p in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
    ]
    session = KernelSession.adopting(launched)
    try:
        assert session.km.provisioner.pid == launched.process.pid
        assert _ask(session, "'research.views.html' in __import__('sys').modules") == "True"
        assert any(f.exists() for f in files[1:])  # the kernel's sockets
        session.km.restart_kernel(now=True)
        assert session.km.provisioner.pid != launched.process.pid
        assert launched.process.poll() is not None
        assert _ask(session, "1 + 1") == "2"
    finally:
        session.shutdown()
    assert [f for f in files if f.exists()] == []


def test_a_launched_kernel_that_is_never_adopted_is_discarded_without_leftovers() -> None:
    from research.runner.kernel_launch import launch_kernel_process

    launched = launch_kernel_process()
    assert launched.process.poll() is None
    assert launched.connection_file.stat().st_mode & 0o777 == 0o600
    launched.discard()
    assert launched.process.poll() is not None
    assert not launched.connection_file.exists()


def test_a_kernel_that_died_before_it_was_adopted_is_replaced_on_first_use() -> None:
    import os
    import signal

    from research.runner.kernel_launch import launch_kernel_process

    launched = launch_kernel_process()
    os.kill(launched.process.pid, signal.SIGKILL)
    launched.process.wait()
    session = KernelSession.adopting(launched)
    try:
        assert _ask(session, "6 * 7") == "42"
        assert session.km.provisioner.pid != launched.process.pid
    finally:
        session.shutdown()
    assert not launched.connection_file.exists()


def test_the_kernel_is_stopped_while_the_html_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import research.runner.report as runner_report

    stopping = threading.Event()
    overlapped: list[bool] = []
    session = prestart_kernel("pilot_vs_candidate")
    assert session is not None
    stop = session.shutdown

    def shutdown() -> None:
        stopping.set()
        stop()

    monkeypatch.setattr(session, "shutdown", shutdown)
    export = runner_report.export_html

    def export_html(*args, **kwargs):
        overlapped.append(stopping.wait(timeout=30))  # never set if stopped only afterwards
        return export(*args, **kwargs)

    monkeypatch.setattr(runner_report, "export_html", export_html)
    res = run_report_command("pilot_vs_candidate", {}, output=tmp_path, kernel=session)
    assert overlapped == [True]
    assert session.km is None and res.html.exists()


@pytest.mark.parametrize("where", ["data layer import", "export warm-up"])
def test_a_kernel_is_stopped_when_the_command_is_interrupted_before_the_data_check(
    where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (or an error) between the kernel's start and the data check stops the kernel.

    ``timeout -s INT 0.5 pilotbench report`` used to land in ``import research.data.panel``
    (polars), outside the ``try``: the kernel outlived the command until ipykernel's parent
    poller noticed, printing ``Parent appears to have exited`` after the shell prompt.
    """
    import sys

    import research.runner.kernel as runner_kernel
    import research.runner.report as runner_report

    stopped: list[bool] = []

    class Session:
        def shutdown(self) -> None:
            stopped.append(True)

    monkeypatch.setattr(runner_kernel, "prestart_kernel", lambda notebook: Session())
    if where == "data layer import":
        monkeypatch.delitem(sys.modules, "research.data.panel", raising=False)
        monkeypatch.setitem(sys.modules, "research.data.panel", None)  # the import raises
        expected: type[BaseException] = ImportError
    else:

        def interrupted() -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(runner_report, "warm_up_export", interrupted)
        expected = KeyboardInterrupt
    with pytest.raises(expected):
        run_report_command("pilot_vs_candidate", {})
    assert stopped == [True]


def test_kernel_launch_doctests_run() -> None:
    import doctest

    import research.runner.kernel_launch as kernel_launch

    res = doctest.testmod(kernel_launch, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted >= 6 and res.failed == 0


def _open_to_all(folder: Path, elsewhere: Path) -> None:
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)


def _a_link_elsewhere(folder: Path, elsewhere: Path) -> None:
    elsewhere.mkdir(mode=0o700)
    folder.symlink_to(elsewhere)


def _someone_elses(folder: Path, elsewhere: Path) -> None:
    import os

    if os.getuid() != 0:
        pytest.skip("needs root to make a folder another user owns")
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)


@pytest.mark.parametrize("plant", [_open_to_all, _a_link_elsewhere, _someone_elses])
def test_a_kernel_folder_planted_in_the_shared_temp_folder_is_refused(
    plant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel's connection file (its HMAC key) and sockets go only into a folder that is
    this user's and closed to others: in the shared temporary folder another user can create
    ``pilotbench-kernels-UID`` first, then swap the connection file before the kernel reads
    it (and run code in the kernel)."""
    import os
    import tempfile

    from research.core.errors import PilotbenchError
    from research.runner.kernel_launch import ipc_prefix, launch_kernel_process

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = tmp_path / f"pilotbench-kernels-{os.getuid()}"
    plant(folder, tmp_path / "elsewhere")
    with pytest.raises(PilotbenchError, match="pilotbench-kernels"):
        launch_kernel_process()
    with pytest.raises(PilotbenchError, match="pilotbench-kernels"):
        ipc_prefix()
    assert list(folder.iterdir()) == []


def test_discarding_twice_signals_no_process_the_second_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``pilotbench report`` interrupted while adopting discards twice (the adoption, then the
    command): the second time the kernel's id may be another process group's."""
    import os

    from research.runner.kernel_launch import launch_kernel_process

    launched = launch_kernel_process()
    launched.discard()
    signalled: list[int] = []
    monkeypatch.setattr(os, "killpg", lambda pgid, sig: signalled.append(pgid))
    launched.discard()
    assert signalled == []


_FREE_PROBE = """
import polars as _pl
def _rss():
    with open('/proc/self/status') as f:
        return next(int(l.split()[1]) // 1024 for l in f if l.startswith('VmRSS'))
_before = _rss()
_s = _pl.Series(range(10_000_000)).cast(_pl.Float64) * 2.0
_peak = _rss()
del _s
_probe = (_before, _peak, _rss(), __import__('os').environ.get('_RJEM_MALLOC_CONF'))
"""


def _freed_pages(session: KernelSession) -> tuple[int, int, int, str | None]:
    return ast.literal_eval(_ask(session, f"exec({_FREE_PROBE!r}) or _probe"))


def test_a_report_kernel_returns_the_pages_polars_frees_and_keeps_after_a_restart() -> None:
    """jemalloc's defaults (10 s of dirty pages, then lazily freed ones) would keep a freed
    80 MB column resident: here the kernel's RSS falls back to near where it was."""
    session = KernelSession()
    session.start()
    try:
        before, peak, after, conf = _freed_pages(session)
        assert conf.endswith(",dirty_decay_ms:0,muzzy_decay_ms:0")  # after polars' defaults
        assert peak - before > 60  # MiB: the column and its copy were resident
        assert after - before < (peak - before) / 3, (before, peak, after)
        session.km.restart_kernel(now=True)
        before, peak, after, conf = _freed_pages(session)
        assert conf.endswith(",dirty_decay_ms:0,muzzy_decay_ms:0")  # after polars' defaults
        assert after - before < (peak - before) / 3, (before, peak, after)
    finally:
        session.shutdown()


def test_a_users_own_allocator_settings_reach_the_report_kernel(monkeypatch) -> None:
    """A value the user set wins; polars' own defaults in the caller's environment (this
    process imported polars) do not count as the user's."""
    import polars  # noqa: F401  (writes its defaults into os.environ)

    from research.runner.kernel_launch import kernel_environment

    assert kernel_environment(dict(os.environ))["_RJEM_MALLOC_CONF"] == (
        "dirty_decay_ms:0,muzzy_decay_ms:0"
    )
    monkeypatch.setenv("_RJEM_MALLOC_CONF", "dirty_decay_ms:-1,muzzy_decay_ms:-1")
    session = KernelSession()
    session.start()
    try:
        before, peak, after, conf = _freed_pages(session)
    finally:
        session.shutdown()
    assert conf.endswith(",dirty_decay_ms:-1,muzzy_decay_ms:-1")
    assert after - before > (peak - before) / 2, (before, peak, after)  # kept, as asked


def _processes_mentioning(text: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text in (entry / "cmdline").read_text(errors="replace"):
                pids.append(int(entry.name))
        except OSError:  # ended meanwhile
            pass
    return pids


@pytest.mark.parametrize(
    ("signum", "moment"),
    [
        (signal.SIGTERM, "kernel started"),
        (signal.SIGTERM, "cells running"),
        (signal.SIGHUP, "cells running"),
    ],
)
def test_a_terminated_report_command_cleans_up_as_ctrl_c_does(
    tmp_path: Path, signum: int, moment: str
) -> None:
    """``kill``/``timeout`` (SIGTERM) or a closed terminal (SIGHUP) used to end the command at
    once: the kernel's connection file and five sockets stayed behind, and a staging folder."""
    import tempfile

    # A private temporary folder, short enough for the kernel's socket paths (108 bytes).
    tmp = Path(tempfile.mkdtemp(prefix="pbT", dir="/tmp"))
    kernels = tmp / f"pilotbench-kernels-{os.getuid()}"
    out = tmp_path / "reports"
    previous = out / "pilot_vs_candidate_0180_0114_sv"
    previous.mkdir(parents=True)
    (previous / "report.html").write_text("the last good report")
    env = {**os.environ, "TMPDIR": str(tmp)}
    command = [sys.executable, "-m", "research", "report", "--candidate", "0114", "--output"]
    try:
        proc = subprocess.Popen(
            [*command, str(out)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not list(kernels.glob("kernel-*.json")) and proc.poll() is None:
            assert time.monotonic() < deadline, "no kernel started"
            time.sleep(0.02)
        if moment == "cells running":
            while not list((out / ".staging").glob("*/")) and proc.poll() is None:
                assert time.monotonic() < deadline, "the report never started"
                time.sleep(0.02)
            time.sleep(0.5)
        assert proc.poll() is None, "the report finished before the signal"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 128 + signum, err
        name = signal.Signals(signum).name
        assert err.strip() == f"terminated ({name}); nothing half-written was kept"
        assert sorted(p.name for p in kernels.iterdir()) == []
        assert _processes_mentioning(str(kernels)) == []  # the kernel is gone, not orphaned
        assert list(out.glob(".staging/*")) == []
        assert (previous / "report.html").read_text() == "the last good report"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


#: A process that starts a kernel while a termination signal arrives at the worst moment:
#: just as ``subprocess.Popen`` has created the kernel's process, before its caller knows it.
_SIGNAL_DURING_POPEN = """
import os, signal, subprocess, sys
from research.runner.kernel_launch import launch_kernel_process

def terminated(signum, frame):
    raise KeyboardInterrupt

signal.signal(signal.SIGTERM, terminated)
real_popen = subprocess.Popen

class PopenThenSignal(real_popen):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        print(self.pid, flush=True)
        os.kill(os.getpid(), signal.SIGTERM)  # a real signal, delivered to this process now

subprocess.Popen = PopenThenSignal
try:
    launch_kernel_process()
except KeyboardInterrupt:
    sys.exit(3)
sys.exit(0)
"""


def test_a_signal_while_the_kernel_process_is_created_leaves_no_orphan() -> None:
    """A signal raised in ``Popen`` after the fork used to orphan the kernel: its connection
    file removed, it started on TCP and printed "Parent appears to have exited" into the
    terminal after the command had gone (seen in CI, stop 29). Now the signal waits until the
    process is known, and the interrupted launch kills it and removes its files."""
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="pbS", dir="/tmp"))
    kernels = tmp / f"pilotbench-kernels-{os.getuid()}"
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _SIGNAL_DURING_POPEN],
            cwd=ROOT,
            env={**os.environ, "TMPDIR": str(tmp)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 3, proc.stderr  # the signal still ends the launch
        pid = int(proc.stdout.split()[0])
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # an orphan would live on (exiting with its parent takes seconds)
        assert not Path(f"/proc/{pid}").exists(), "the kernel's process outlived the launch"
        assert sorted(p.name for p in kernels.iterdir()) == []
        assert "Parent appears to have exited" not in proc.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
