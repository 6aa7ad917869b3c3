"""Where pilotbench keeps its data and reports.

The defaults are the project's own ``data/`` and ``reports/`` folders. The environment
variables ``PILOTBENCH_DATA`` and ``PILOTBENCH_REPORTS`` point them elsewhere (tests use this
to work on copies).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["PROJECT_ROOT", "cache_dir", "data_dir", "notebooks_dir", "processed_dir", "reports_dir"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """Return the data folder (``$PILOTBENCH_DATA`` or ``<project>/data``)."""
    return Path(os.environ.get("PILOTBENCH_DATA") or PROJECT_ROOT / "data")


def processed_dir(base: Path | None = None) -> Path:
    """Return the folder for rebuilt, git-ignored derived data."""
    return (base or data_dir()) / "processed"


def cache_dir() -> Path:
    """Return the user's cache folder: what can be rebuilt from files elsewhere, never data.

    ``$PILOTBENCH_CACHE``, else ``$XDG_CACHE_HOME/pilotbench`` or ``~/.cache/pilotbench``.
    """
    given = os.environ.get("PILOTBENCH_CACHE")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pilotbench"


def reports_dir() -> Path:
    """Return the reports folder (``$PILOTBENCH_REPORTS`` or ``<project>/reports``)."""
    return Path(os.environ.get("PILOTBENCH_REPORTS") or PROJECT_ROOT / "reports")


def notebooks_dir() -> Path:
    """Return the folder holding the report notebooks."""
    return PROJECT_ROOT / "notebooks"
