"""A lock around every change to ``data/``, atomic file replacement, and stale-staging cleanup.

Every command that changes the data folder (``data import``, ``data remove``, ``data build``
writing the panel cache, ``data fetch`` storing its responses) runs its read-modify-write
inside :func:`data_lock`: an exclusive ``fcntl.flock`` on ``<data>/.pilotbench.lock``. A second
process that finds the lock taken says so once on stderr ("another import is running,
waiting ...") and waits; after ``timeout`` seconds it gives up with a :class:`DataLockedError`
and has changed nothing. The kernel releases the lock when a holder dies, so a killed run
never leaves the folder locked.

Inside the lock no other pilotbench process writes, so temporary files (``.import-*``,
``.panel-*``) found there belong to runs that were killed half-way; :func:`clean_staging`
removes them.

:func:`atomic_write_bytes` writes a file next to its target and moves it in place with
``os.replace``: a reader sees the old or the new file, never a mixture, and an error (read-only
folder, full disk) leaves the old one untouched and is reported as one :class:`DataError`
naming the folder and the cause.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import DataError

__all__ = [
    "DataLockedError",
    "FolderNotWritableError",
    "atomic_write_bytes",
    "clean_staging",
    "data_lock",
    "describe_os_error",
]

LOCK_NAME = ".pilotbench.lock"
#: Prefixes of temporary files written inside the data folder.
STAGING_PREFIXES = (".import-", ".panel-", ".ledger-")


class DataLockedError(DataError):
    """Another pilotbench process kept the data folder locked for too long."""


class FolderNotWritableError(DataError):
    """A folder cannot be written (read-only, full, a file in the way); nothing was changed."""


def describe_os_error(exc: OSError, folder: Path | str) -> str:
    """One line naming ``folder`` and the cause of ``exc`` in words.

    Examples
    --------
    >>> import errno
    >>> describe_os_error(OSError(errno.ENOSPC, "No space left on device"), "reports")
    'reports: the disk is full (No space left on device)'
    """
    causes = {
        errno.EROFS: "the folder is on a read-only file system",
        errno.EACCES: "no permission to write there",
        errno.EPERM: "no permission to write there",
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exhausted",
        errno.ENOTDIR: "a path component is a file, not a folder",
        errno.EEXIST: "a file is in the way",
        errno.EISDIR: "a folder is in the way",
    }
    cause = causes.get(exc.errno or 0, "it cannot be written")
    return f"{folder}: {cause} ({exc.strerror or exc})"


_HELD: dict[str, int] = {}


def _lock_file(base: Path) -> Path:
    return base / LOCK_NAME


@contextlib.contextmanager
def data_lock(
    base: Path, what: str = "import", *, timeout: float | None = None, quiet: bool = False
) -> Iterator[None]:
    """Hold the exclusive lock of the data folder ``base`` for the duration.

    Parameters
    ----------
    base
        The data folder.
    what
        What the caller does, for the waiting message ("import", "build", ...).
    timeout
        Seconds to wait for another process before giving up (default
        ``$PILOTBENCH_LOCK_TIMEOUT`` or 600).
    quiet
        Do not print the waiting message.

    Raises
    ------
    DataLockedError
        When another process holds the lock longer than ``timeout``; nothing was changed.
    DataError
        When the folder cannot be written (read-only, missing).

    Examples
    --------
    >>> import tempfile
    >>> with data_lock(Path(tempfile.mkdtemp())):
    ...     pass
    """
    if timeout is None:
        timeout = float(os.environ.get("PILOTBENCH_LOCK_TIMEOUT") or 600)
    path = _lock_file(base)
    key = str(Path(base).resolve())
    if _HELD.get(key):  # re-entered in the same process (an import that loads the panel)
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    try:
        base.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+")
    except OSError as exc:
        raise FolderNotWritableError(
            describe_os_error(exc, base) + "; nothing was changed"
        ) from exc
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not quiet:
                print(
                    f"another {_holder(fh)} is running in {base}, waiting (up to "
                    f"{timeout:.0f} s) ...",
                    file=sys.stderr,
                    flush=True,
                )
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise DataLockedError(
                            f"{base}: another {_holder(fh)} still holds {path} after "
                            f"{timeout:.0f} s; nothing was changed. Try again when it has "
                            "finished."
                        ) from None
                    time.sleep(0.05)
        with contextlib.suppress(OSError):
            fh.seek(0)
            fh.truncate()
            fh.write(f"{what} pid {os.getpid()}\n")
            fh.flush()
        clean_staging(base)
        _HELD[key] = 1
        try:
            yield
        finally:
            _HELD[key] = 0
    finally:
        fh.close()


def _holder(fh) -> str:
    with contextlib.suppress(OSError):
        fh.seek(0)
        text = fh.read().strip()
        if text:
            return f"pilotbench {text.split()[0]} (pid {text.split()[-1]})"
    return "pilotbench process"


def clean_staging(base: Path) -> list[Path]:
    """Remove temporary files left by killed runs (call only while holding the lock).

    Returns the paths removed.
    """
    removed = []
    for folder in (base, base / "processed", base / "imported", base / "imported" / "originals"):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if name.startswith(STAGING_PREFIXES):
                p = folder / name
                with contextlib.suppress(OSError):
                    p.unlink()
                    removed.append(p)
    return removed


def atomic_write_bytes(target: Path, data: bytes, *, prefix: str = ".import-") -> None:
    """Write ``data`` to ``target`` atomically (temporary file + ``os.replace``).

    Raises
    ------
    DataError
        Naming the folder and the cause when it cannot be written; ``target`` is unchanged.
    """
    folder = target.parent
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=prefix)
        mask = os.umask(0o022)
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)  # as an ordinary new file, not mkstemp's 0600
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise FolderNotWritableError(
            describe_os_error(exc, folder) + f"; {target.name} was not changed"
        ) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
