"""A Jupyter kernel that always runs in pilotbench's own Python environment.

Papermill looks a notebook's kernel up by name through ``jupyter_client``'s kernelspec search
path, so a ``python3`` (or ``pilotbench``) kernelspec installed elsewhere on the machine (in
``~/.local/share/jupyter``, ``/usr/local/share/jupyter``, a conda env...) can silently run the
report with a different interpreter that lacks the project's packages. :class:`ProjectKernelManager`
ignores the search path and starts ``ipykernel_launcher`` with ``sys.executable``: the interpreter
running pilotbench. The report runner passes it to papermill as ``kernel_manager_class``.
"""

from __future__ import annotations

import os
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
from jupyter_client.provisioning import LocalProvisioner
from jupyter_client.utils import run_sync
from traitlets import DottedObjectName, Type, default

from .kernel_launch import (
    LaunchedKernel,
    ipc_prefix,
    kernel_argv,
    kernel_environment,
    launch_kernel_process,
    launch_report_kernel,
)

__all__ = [
    "KERNEL_NAME",
    "AdoptingProvisioner",
    "KernelSession",
    "ProjectAsyncClient",
    "ProjectBlockingClient",
    "ProjectKernelManager",
    "ProjectKernelSpecManager",
    "ProjectSyncKernelManager",
    "prestart_kernel",
    "project_kernelspec",
]

KERNEL_NAME = "pilotbench"


def project_kernelspec() -> KernelSpec:
    """The kernelspec of this environment's interpreter (:func:`.kernel_launch.kernel_argv`).

    No debugger: the spec says so, and the command makes ``debugpy`` unimportable (ipykernel
    imports it and sets up its debugger whenever it is installed).
    """
    return KernelSpec(
        argv=kernel_argv(),
        display_name="Python (pilotbench)",
        language="python",
        resource_dir=str(Path(__file__).parent),
        metadata={"debugger": False},
        env=kernel_environment(os.environ),
    )


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
        return ipc_prefix()

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


class AdoptingProvisioner(LocalProvisioner):
    """A local provisioner whose first launch takes over a process already running.

    jupyter_client's provisioners are its documented way to start kernels differently
    (https://jupyter-client.readthedocs.io/en/stable/provisioning.html); this one's first
    ``pre_launch`` / ``launch_kernel`` load the connection file written by
    :func:`.kernel_launch.launch_kernel_process` and hand back its process instead of starting
    one (nothing is written: the kernel may be reading the file at that moment). Later
    launches (a restart) are :class:`~jupyter_client.provisioning.LocalProvisioner`'s own.
    ``cleanup`` removes the adopted connection file, which the manager did not write.
    """

    def __init__(self, launched: LaunchedKernel, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._launched: LaunchedKernel | None = launched
        self._adopted_file: Path | None = None

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        """Load the running kernel's connection into the manager (first launch only)."""
        launched = self._launched
        if launched is None:
            return await super().pre_launch(**kwargs)
        km = self.parent
        km.connection_file = str(launched.connection_file)
        km.load_connection_info(launched.connection)
        self.connection_info = km.get_connection_info()
        kwargs.pop("extra_arguments", None)
        kwargs["cmd"] = list(launched.process.args)
        return kwargs

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> dict[str, Any]:
        """Take the running process over (first launch), else start one."""
        launched, self._launched = self._launched, None
        if launched is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.process = launched.process
        self.pid = launched.process.pid
        try:
            self.pgid = os.getpgid(self.pid)
        except OSError:  # exited already: the manager finds it dead and says so
            self.pgid = None
        self.cwd = launched.cwd or os.getcwd()
        self._adopted_file = launched.connection_file
        return self.connection_info

    async def cleanup(self, restart: bool = False) -> None:
        """Release what the kernel used; the adopted connection file too, unless restarting."""
        await super().cleanup(restart)
        if not restart and self._adopted_file is not None:
            self._adopted_file.unlink(missing_ok=True)
            self._adopted_file = None


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
        self.adopt(launch_kernel_process(preload=preload, cwd=cwd))

    def adopt(self, launched: LaunchedKernel) -> None:
        """Manage a kernel process started by :mod:`.kernel_launch` (replacing any kernel).

        A jupyter_client kernel manager takes the running process over
        (:class:`AdoptingProvisioner`); it restarts and stops it as one it started itself.
        """
        self.shutdown()
        self._start_args = {"preload": launched.preload, "cwd": launched.cwd}
        self.km = self._new_manager()
        self.km.kernel_id = launched.kernel_id or str(uuid.uuid4())
        self.km.provisioner = AdoptingProvisioner(
            launched,
            kernel_id=self.km.kernel_id,
            kernel_spec=self.km.kernel_spec,
            parent=self.km,
        )
        try:
            self.km.start_kernel(
                extra_arguments=launched.extra_arguments,
                env=launched.env,
                **({"cwd": launched.cwd} if launched.cwd is not None else {}),
            )
        except BaseException:
            self.km = None
            launched.discard()
            raise
        self._fresh = True

    @classmethod
    def adopting(cls, launched: LaunchedKernel) -> KernelSession:
        """A session managing ``launched`` (see :meth:`adopt`)."""
        session = cls()
        session.adopt(launched)
        return session

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


def prestart_kernel(notebook: str | Path) -> KernelSession | None:
    """Start the kernel for one report now, importing what the notebook imports (issue 17).

    :func:`research.runner.report.run_report_command` (behind ``research.report()``) calls
    it first, so the kernel starts and imports the report's modules while the command checks
    the data, validates the parameters and imports papermill; ``pilotbench report`` does the
    same in two steps (:func:`.kernel_launch.launch_report_kernel` before it imports
    jupyter_client, then :meth:`KernelSession.adopt`).

    Parameters
    ----------
    notebook
        A report name (``pilot_vs_candidate``) or a path to an ``.ipynb``.

    Returns
    -------
    KernelSession or None
        To pass as ``kernel=`` to :func:`research.runner.report.run_report`; the caller shuts
        it down. ``None`` (no kernel started) when ``notebook`` does not name an existing
        notebook; the report then says what is wrong.
    """
    launched = launch_report_kernel(notebook)
    return None if launched is None else KernelSession.adopting(launched)
