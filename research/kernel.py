"""A Jupyter kernel that always runs in pilotbench's own Python environment.

Papermill looks a notebook's kernel up by name through ``jupyter_client``'s kernelspec search
path, so a ``python3`` (or ``pilotbench``) kernelspec installed elsewhere on the machine (in
``~/.local/share/jupyter``, ``/usr/local/share/jupyter``, a conda env...) can silently run the
report with a different interpreter that lacks the project's packages. :class:`ProjectKernelManager`
ignores the search path and starts ``sys.executable -m ipykernel_launcher``: the interpreter
running pilotbench. The report runner passes it to papermill as ``kernel_manager_class``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from traitlets import default

__all__ = ["KERNEL_NAME", "ProjectKernelManager", "ProjectKernelSpecManager", "project_kernelspec"]

KERNEL_NAME = "pilotbench"


def project_kernelspec() -> KernelSpec:
    """The kernelspec of this environment's interpreter."""
    return KernelSpec(
        argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        display_name="Python (pilotbench)",
        language="python",
        resource_dir=str(Path(__file__).parent),
        metadata={"debugger": False},
        env={"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
    )


class ProjectKernelSpecManager(KernelSpecManager):
    """Resolves every kernel name to :func:`project_kernelspec`."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return project_kernelspec()

    def find_kernel_specs(self) -> dict[str, str]:
        return {KERNEL_NAME: str(Path(__file__).parent)}


class ProjectKernelManager(AsyncKernelManager):
    """An async kernel manager that always starts the project's interpreter.

    It talks to the kernel over Unix domain sockets (``ipc``) rather than TCP on loopback:
    nothing is exposed on a port, and the kernel does not warn about unencrypted TCP.
    """

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        return ProjectKernelSpecManager(data_dir="")
