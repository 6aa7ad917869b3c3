"""A Jupyter kernel that always runs in pilotbench's own Python environment.

Papermill looks a notebook's kernel up by name through ``jupyter_client``'s kernelspec search
path, so a ``python3`` (or ``pilotbench``) kernelspec installed elsewhere on the machine (in
``~/.local/share/jupyter``, ``/usr/local/share/jupyter``, a conda env...) can silently run the
report with a different interpreter that lacks the project's packages. :class:`ProjectKernelManager`
ignores the search path and starts ``ipykernel_launcher`` with ``sys.executable``: the interpreter
running pilotbench. The report runner passes it to papermill as ``kernel_manager_class``.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import zmq
from jupyter_client import AsyncKernelManager, KernelManager
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.utils import run_sync
from traitlets import DottedObjectName, Type, default

__all__ = [
    "KERNEL_NAME",
    "KernelSession",
    "ProjectAsyncClient",
    "ProjectBlockingClient",
    "ProjectKernelManager",
    "ProjectKernelSpecManager",
    "ProjectSyncKernelManager",
    "notebook_imports",
    "prestart_kernel",
    "project_kernelspec",
]

KERNEL_NAME = "pilotbench"

#: What the kernel process runs: ``ipykernel_launcher`` as ``python -m`` would, with
#: ``debugpy`` made unimportable first (ipykernel then runs without its debugger).
_LAUNCH = (
    "import runpy, sys; sys.modules['debugpy'] = None; "
    "runpy.run_module('ipykernel_launcher', run_name='__main__', alter_sys=True)"
)


def project_kernelspec() -> KernelSpec:
    """The kernelspec of this environment's interpreter."""
    return KernelSpec(
        # No IPython history database: reports do not need it, concurrent kernels sharing one
        # SQLite file print "Session/line number was not unique" into cell output, and
        # skipping it makes every start cheaper.
        # No debugger either (the spec says so below, yet ipykernel imports debugpy and
        # sets up its debugger whenever debugpy is installed): a report kernel is never
        # debugged, and debugpy costs every kernel about 8 MiB RSS (issue 17). Otherwise
        # this is ``python -m ipykernel_launcher``.
        argv=[
            sys.executable,
            "-c",
            _LAUNCH,
            "--HistoryManager.enabled=False",
            "-f",
            "{connection_file}",
        ],
        display_name="Python (pilotbench)",
        language="python",
        resource_dir=str(Path(__file__).parent),
        metadata={"debugger": False},
        env={"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
    )


def _ipc_prefix() -> str:
    """A unique socket path prefix in a private folder.

    jupyter_client's default (``kernel-ipc`` in the working directory) litters that folder and
    collides between concurrent kernels.
    """
    folder = Path(tempfile.gettempdir()) / f"pilotbench-kernels-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return str(folder / f"k-{uuid.uuid4().hex[:12]}")


class ProjectKernelSpecManager(KernelSpecManager):
    """Resolves every kernel name to :func:`project_kernelspec`."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        """Return the project's kernelspec whatever the name."""
        return project_kernelspec()

    def find_kernel_specs(self) -> dict[str, str]:
        """Map the project kernel's name to its folder (the only kernel listed)."""
        return {KERNEL_NAME: str(Path(__file__).parent)}


async def _interrupt_unless_shutting_down(self) -> None:
    """jupyter_client interrupts (SIGINT) every kernel before shutting it down.

    A report's kernel is idle by then, and the signal only makes ipykernel print
    ``[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.`` after a successful run. Skip
    the interrupt during a shutdown; a kernel that does not stop is killed anyway.
    """
    if getattr(self, "shutting_down", False):
        return
    await KernelManager._async_interrupt_kernel(self)


async def _wait_for_ready(self: Any, timeout: float | None = None) -> None:
    """Return once the kernel answers ``kernel_info`` and this client receives its IOPub.

    jupyter_client's ``wait_for_ready`` does the same and then drains IOPub until it has been
    silent for 0.2 s: every new client waits at least 0.2 s, twice per report on a warm
    kernel (the namespace reset, then papermill's client), about a fifth of a batch
    report's kernel time (issue 17). Nothing here needs the drained messages gone: nbclient
    and ``execute_interactive`` take from IOPub only the messages whose parent is their own
    request. The check that IOPub is connected stays (a message arrives on it: ipykernel 7
    greets each subscriber with ``iopub_welcome``, and publishes busy/idle for the request).
    """
    from queue import Empty

    from jupyter_client.utils import ensure_async

    deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
    while True:
        self.kernel_info()
        try:
            msg = await ensure_async(self.shell_channel.get_msg(timeout=1))
        except Empty:
            msg = None
        if msg is not None and msg["msg_type"] == "kernel_info_reply":
            try:
                await ensure_async(self.iopub_channel.get_msg(timeout=0.2))
            except Empty:
                pass  # IOPub not connected yet: ask again
            else:
                self._handle_kernel_info_reply(msg)
                return
        if not await ensure_async(self.is_alive()):
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")


class ProjectBlockingClient(BlockingKernelClient):
    """A blocking kernel client ready as soon as the kernel answers (no 0.2 s IOPub drain)."""

    _async_wait_for_ready = _wait_for_ready
    wait_for_ready = run_sync(_wait_for_ready)


class ProjectAsyncClient(AsyncKernelClient):
    """An asynchronous kernel client ready as soon as the kernel answers (no IOPub drain)."""

    _async_wait_for_ready = _wait_for_ready
    wait_for_ready = _wait_for_ready


class _ProjectKernelDefaults:
    """What both kernel managers share: the project's kernelspec, ipc, no interrupt at shutdown.

    The kernel is reached over Unix domain sockets (``ipc``) rather than TCP on loopback:
    nothing is exposed on a port, and the kernel does not warn about unencrypted TCP.
    """

    _async_interrupt_kernel = _interrupt_unless_shutting_down

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"

    @default("ip")
    def _ip_default(self) -> str:
        return _ipc_prefix()

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        return ProjectKernelSpecManager(data_dir="")


class ProjectKernelManager(_ProjectKernelDefaults, AsyncKernelManager):
    """An async kernel manager that always starts the project's interpreter (over ``ipc``)."""

    interrupt_kernel = _interrupt_unless_shutting_down
    client_class = DottedObjectName(f"{__name__}.ProjectAsyncClient", config=True)
    client_factory = Type(klass=f"{__name__}.ProjectAsyncClient", config=True)


class ProjectSyncKernelManager(_ProjectKernelDefaults, KernelManager):
    """Blocking counterpart of :class:`ProjectKernelManager`, for kernels kept across runs."""

    interrupt_kernel = run_sync(_interrupt_unless_shutting_down)
    client_class = DottedObjectName(f"{__name__}.ProjectBlockingClient", config=True)


_RESET = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "import sys as _sys\n"
    "_plt = _sys.modules.get('matplotlib.pyplot')\n"
    "_plt is not None and _plt.close('all')\n"
    "del _sys, _plt\n"
    "get_ipython().execution_count = 1\n"
)


class KernelSession:
    """One kernel kept alive across several notebook runs (used by batch workers).

    Starting a kernel and importing polars, matplotlib and the research package costs seconds;
    a batch worker pays it once. Before each run the user namespace is wiped (``%reset -f``),
    figures are closed and the execution counter restarts, so each report sees a clean
    namespace; imported modules (and their caches, e.g. the loaded panel) are shared, which is
    the point. If the kernel has died it is restarted.
    """

    def __init__(self) -> None:
        self.km: ProjectSyncKernelManager | None = None
        self.runs = 0
        self._fresh = False
        self._clients: list[Any] = []
        self._start_args: dict[str, Any] = {}

    def _new_manager(self) -> ProjectSyncKernelManager:
        """A kernel manager whose clients this session closes after each run.

        nbclient leaves the channels (three threads, a zmq context, fourteen sockets) of a
        client it did not create the kernel for running when a run ends; a warm kernel serving
        many reports would pile them up (about 7 MiB a report in a batch's process).
        """
        km = ProjectSyncKernelManager(kernel_name=KERNEL_NAME)
        make = km.client

        def client(**kwargs: Any) -> Any:
            kc = make(**kwargs)
            self._clients.append(kc)
            return kc

        km.client = client  # type: ignore[method-assign]
        return km

    def _release_clients(self) -> None:
        """Stop the channels of the clients handed out for earlier runs, and their contexts."""
        while self._clients:
            kc = self._clients.pop()
            try:
                kc.stop_channels()
            except Exception:  # a client already torn down: nothing left to release
                pass

    def start(self, *, preload: Sequence[str] = (), cwd: str | Path | None = None) -> None:
        """Start the kernel now, without waiting for it; it imports ``preload`` while starting.

        The kernel process imports the modules (``--IPKernelApp.exec_lines``, no names bound in
        the user namespace) while the caller does other work; the first :meth:`ready` hands
        the kernel over as it is (a fresh namespace needs no reset). It runs as a report kernel
        (``PILOTBENCH_REPORT=1``) in ``cwd``.
        """
        self.shutdown()
        self._start_args = {"preload": tuple(preload), "cwd": cwd}
        extra: list[str] = []
        if preload:
            mods = ", ".join(repr(m) for m in preload)
            extra.append(f"--IPKernelApp.exec_lines=list(map(__import__, ({mods},))) and None")
        self.km = self._new_manager()
        self.km.start_kernel(
            extra_arguments=extra,
            env={**os.environ, "PILOTBENCH_REPORT": "1"},
            **({"cwd": str(cwd)} if cwd is not None else {}),
        )
        self._fresh = True

    def ready(self) -> KernelManager:
        """Return a live kernel manager with a clean namespace."""
        self._release_clients()
        if self._fresh and self.km is not None and self.km.is_alive():
            self._fresh = False  # started by start() and not used yet: nothing to reset
        elif self.km is None or not self.km.is_alive() or not self._reset():
            # Never started, or died (killed, out of memory, a failed report discarded it, or
            # during the reset): a new kernel as start() made the last one (its preload,
            # folder and environment).
            self.start(**self._start_args)
            self._fresh = False
        self.runs += 1
        return self.km

    def _reset(self, timeout: float = 60) -> bool:
        """Wipe the namespace; ``False`` if the kernel died meanwhile.

        Through a short-lived client on its own zmq context: papermill's client for the
        previous run has been torn down, and sharing its context would break this one. The
        reply is awaited a second at a time, checking that the kernel process lives:
        ``execute_interactive`` would wait its whole timeout for a kernel killed during the
        reset (a batch hands a kernel to the next report right after a notebook has run).
        """
        assert self.km is not None
        ctx = zmq.Context()
        kc = self.km.client(context=ctx)
        kc.start_channels()
        try:
            return self._reset_through(kc, timeout)
        finally:
            kc.stop_channels()
            ctx.destroy(linger=0)

    def _reset_through(self, kc: Any, timeout: float) -> bool:
        from queue import Empty

        assert self.km is not None
        deadline = time.monotonic() + timeout
        try:
            kc.wait_for_ready(timeout=timeout)
        except RuntimeError:
            if not self.km.is_alive():
                return False
            raise
        msg_id = kc.execute(_RESET, silent=True)
        while True:
            try:
                reply = kc.get_shell_msg(timeout=1)
            except Empty:
                if not self.km.is_alive():
                    return False
                if time.monotonic() > deadline:
                    raise RuntimeError(f"kernel reset: no reply in {timeout:g} s") from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if reply["content"].get("status") != "ok":
            raise RuntimeError("kernel reset failed")
        return True

    def restart(self) -> None:
        """Discard the kernel (e.g. after a failed run); the next :meth:`ready` starts anew."""
        self.shutdown()

    def shutdown(self) -> None:
        """Stop the kernel if one is running."""
        self._release_clients()
        self._fresh = False
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:  # a dead kernel cannot be shut down twice; nothing to keep
                pass
            self.km = None


_IMPORT_RE = re.compile(
    r"^\s*(?:from\s+(research(?:\.\w+)*)\s+import\b|import\s+(research(?:\.\w+)*))"
)


def notebook_imports(nb: dict) -> list[str]:
    """The ``research`` modules a notebook's code cells import, in order of first import.

    Examples
    --------
    >>> code = {"cell_type": "code", "source": "from research.lab.notebook import controls"}
    >>> text = {"cell_type": "markdown", "source": "import research"}
    >>> notebook_imports({"cells": [code, text]})
    ['research.lab.notebook']
    """
    found: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        for line in (src if isinstance(src, str) else "".join(src)).splitlines():
            m = _IMPORT_RE.match(line)
            if m and (mod := m.group(1) or m.group(2)) not in found:
                found.append(mod)
    return found


def prestart_kernel(notebook: str | Path) -> KernelSession | None:
    """Start the kernel for one report now, importing what the notebook imports (issue 17).

    :func:`research.runner.report.run_report_command` (behind ``pilotbench report`` and
    ``research.report()``) calls it first, so the kernel starts and imports the report's
    modules while the command checks the data, validates the parameters and imports papermill.
    The
    kernel pre-imports only what the notebook's own cells import (an empty notebook: nothing),
    so no report gets work it would not have done anyway. Returns ``None`` (no kernel started)
    when ``notebook`` does not name an existing notebook; the report then says what is wrong.

    Parameters
    ----------
    notebook
        A report name (``pilot_vs_candidate``) or a path to an ``.ipynb``.

    Returns
    -------
    KernelSession or None
        To pass as ``kernel=`` to :func:`research.runner.report.run_report`; the caller shuts
        it down.
    """
    from research.core.paths import notebooks_dir

    name = str(notebook)
    path = Path(name) if "/" in name or isinstance(notebook, Path) else None
    if path is None:
        path = notebooks_dir() / (name if name.endswith(".ipynb") else f"{name}.ipynb")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    session = KernelSession()
    session.start(preload=notebook_imports(nb), cwd=path.resolve().parent)
    return session
