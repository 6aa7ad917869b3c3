"""A Jupyter kernel that always runs in pilotbench's own Python environment.

Papermill looks a notebook's kernel up by name through ``jupyter_client``'s kernelspec search
path, so a ``python3`` (or ``pilotbench``) kernelspec installed elsewhere on the machine (in
``~/.local/share/jupyter``, ``/usr/local/share/jupyter``, a conda env...) can silently run the
report with a different interpreter that lacks the project's packages. :class:`ProjectKernelManager`
ignores the search path and starts ``sys.executable -m ipykernel_launcher``: the interpreter
running pilotbench. The report runner passes it to papermill as ``kernel_manager_class``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

import zmq
from jupyter_client import AsyncKernelManager, KernelManager
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.utils import run_sync
from traitlets import default

__all__ = [
    "KERNEL_NAME",
    "KernelSession",
    "ProjectKernelManager",
    "ProjectKernelSpecManager",
    "ProjectSyncKernelManager",
    "project_kernelspec",
]

KERNEL_NAME = "pilotbench"


def project_kernelspec() -> KernelSpec:
    """The kernelspec of this environment's interpreter."""
    return KernelSpec(
        # No IPython history database: reports do not need it, concurrent kernels sharing one
        # SQLite file print "Session/line number was not unique" into cell output, and
        # skipping it makes every start cheaper.
        argv=[
            sys.executable,
            "-m",
            "ipykernel_launcher",
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


class ProjectSyncKernelManager(_ProjectKernelDefaults, KernelManager):
    """Blocking counterpart of :class:`ProjectKernelManager`, for kernels kept across runs."""

    interrupt_kernel = run_sync(_interrupt_unless_shutting_down)


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

    def ready(self) -> KernelManager:
        """Return a live kernel manager with a clean namespace."""
        if self.km is None or not self.km.is_alive():
            self.shutdown()
            self.km = ProjectSyncKernelManager(kernel_name=KERNEL_NAME)
            self.km.start_kernel()
        else:
            # A short-lived client on its own zmq context: papermill's client for the previous
            # run has been torn down, and sharing its context would break this one.
            ctx = zmq.Context()
            kc = self.km.client(context=ctx)
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=60)
                reply = kc.execute_interactive(_RESET, silent=True, timeout=60)
                if reply["content"].get("status") != "ok":
                    raise RuntimeError("kernel reset failed")
            finally:
                kc.stop_channels()
                ctx.destroy(linger=0)
        self.runs += 1
        return self.km

    def restart(self) -> None:
        """Discard the kernel (e.g. after a failed run); the next :meth:`ready` starts anew."""
        self.shutdown()

    def shutdown(self) -> None:
        """Stop the kernel if one is running."""
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:  # a dead kernel cannot be shut down twice; nothing to keep
                pass
            self.km = None
