"""Fingerprints of the data a panel is built from, without polars.

:func:`panel_fingerprint` (the raw files' sha256, the manifest, the catalogue and the build
version) and :func:`imports_fingerprint` (the import ledger) key the Parquet cache and the
in-process memo of :func:`research.data.panel.load_panel`, and the report footer's coverage
(:mod:`research.runner.report`). They live here, re-exported by :mod:`research.data.panel`,
so that a process that only checks whether the data changed (``pilotbench batch``'s, which
never holds the panel) does not import polars for them (issue 17).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from research.core.errors import DataError
from research.core.locking import describe_os_error
from research.core.paths import data_dir

from .import_log import check_ledger_present
from .provenance import load_manifest, sha256_file

__all__ = [
    "BUILD_VERSION",
    "SNAPSHOT_SOURCE",
    "imports_fingerprint",
    "panel_fingerprint",
    "raw_digests",
]

#: Bump when the build logic changes, so old caches are rebuilt.
BUILD_VERSION = 3
SNAPSHOT_SOURCE = "kolada-snapshot"


def _raw_files(base: Path) -> list[str]:
    """Paths (relative to ``base``) of every file the snapshot build may read.

    The manifest's files of the snapshot plus any other file in ``raw/kolada``: a file that
    is there but not in the manifest is refused by :func:`build_panel`, and it is part of
    the fingerprint, so adding one never goes unnoticed.
    """
    listed = [rec.path for rec in load_manifest(base).files_of(SNAPSHOT_SOURCE)]
    folder = base / "raw" / "kolada"
    extra = []
    if folder.is_dir():
        extra = sorted(f"raw/kolada/{p.name}" for p in folder.iterdir() if p.is_file())
    return sorted(set(listed) | set(extra))


def raw_digests(base: Path | None = None) -> dict[str, str]:
    """Return ``{relative path: sha256}`` of the raw files, hashed now (``"missing"`` if absent).

    Hashing the snapshot (about 2 MB) takes a few milliseconds, so it is done on every
    check instead of trusting sizes or timestamps, which an edit can keep.
    """
    base = base or data_dir()
    out = {}
    for rel in _raw_files(base):
        try:
            out[rel] = sha256_file(base / rel)
        except FileNotFoundError:
            out[rel] = "missing"
        except IsADirectoryError:
            out[rel] = "directory"
    return out


def panel_fingerprint(base: Path | None = None) -> str:
    """Return the fingerprint of everything the panel is built from.

    It covers the sha256 of every raw file (their bytes, not their sizes or timestamps),
    the manifest and the catalogue, and the build version, so any change to them, even one
    byte that keeps the size and the modification time, triggers a rebuild (and the build
    verifies the checksums against the manifest).
    """
    base = base or data_dir()
    h = hashlib.sha256(f"build={BUILD_VERSION}".encode())
    for name in ("manifest.toml", "catalog.toml"):
        p = base / name
        h.update(p.read_bytes() if p.is_file() else b"missing")
    for rel, digest in raw_digests(base).items():
        h.update(f"{rel}:{digest}\n".encode())
    return h.hexdigest()


def imports_fingerprint(base: Path) -> str:
    """The sha256 of the import ledger (``"none"`` without imports): changes with every import.

    Raises
    ------
    DataError
        If the ledger exists but cannot be read, or is missing while the import log lists
        imports in effect (:func:`research.data.import_log.check_ledger_present`).
    """
    ledger = base / "imported" / "imports.json"
    try:
        return hashlib.sha256(ledger.read_bytes()).hexdigest()
    except FileNotFoundError:
        check_ledger_present(ledger.parent)
        return "none"
    except OSError as exc:
        raise DataError(
            describe_os_error(exc, ledger.parent), sv=describe_os_error(exc, ledger.parent, "sv")
        ) from exc
