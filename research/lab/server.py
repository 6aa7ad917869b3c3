"""Jupyter server side of ``make lab``: notebooks open unmodified on the project's kernel.

When a kernel starts, JupyterLab writes the kernel's ``language_info`` (which includes the
exact Python version, e.g. ``3.11.7``) into the notebook's metadata; if it differs from what
the file holds, the notebook is marked modified before the user has touched it. The committed
notebooks record the version of the machine that last saved them, so on any other Python
they would open "modified". :class:`ProjectContentsManager` (configured in
``jupyter/jupyter_server_config.json``; jupytext's pairing is layered on top of it) serves a
notebook that uses the project kernel with the ``language_info`` that kernel will report: the
server runs on the same interpreter as the kernel (both are ``.venv``'s), so it knows it.
Nothing is written to disk by this.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

from research.runner.kernel import KERNEL_NAME

__all__ = ["ProjectContentsManager", "project_language_info"]


def project_language_info() -> dict[str, Any]:
    """The ``language_info`` the project's kernel reports (this interpreter's ipykernel)."""
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


class ProjectContentsManager(AsyncLargeFileManager):
    """Jupyter_server's default contents manager, with the project kernel's language info.

    Notebooks that use the project kernel are served with its ``language_info``.
    """

    async def get(
        self,
        path: str,
        content: bool = True,
        type: str | None = None,
        format: str | None = None,
        require_hash: bool = False,
    ) -> dict[str, Any]:
        """The model of ``path`` (see ``jupyter_server``'s contents API)."""
        model = await super().get(
            path, content=content, type=type, format=format, require_hash=require_hash
        )
        nb = model.get("content") if model.get("type") == "notebook" else None
        if nb is not None:
            md = nb.get("metadata", {})
            if md.get("kernelspec", {}).get("name") == KERNEL_NAME:
                md["language_info"] = project_language_info()
        return model
