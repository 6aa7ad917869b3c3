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
from .i18n import load_catalogue
from .language import message_lang

__all__ = [
    "DataLockedError",
    "FolderNotWritableError",
    "atomic_write_bytes",
    "clean_staging",
    "data_lock",
    "describe_os_error",
]

#: Error messages in Swedish and English (research/core/locking.toml).
_TEXTS = load_catalogue(Path(__file__).with_name("locking.toml"))

LOCK_NAME = ".pilotbench.lock"
#: Prefixes of temporary files written inside the data folder.
STAGING_PREFIXES = (".import-", ".panel-", ".ledger-")


class DataLockedError(DataError):
    """Another pilotbench process kept the data folder locked for too long."""


class FolderNotWritableError(DataError):
    """A folder cannot be written (read-only, full, a file in the way); nothing was changed."""


#: Message ids (research/core/locking.toml) of the causes :func:`describe_os_error` names.
_CAUSES = {
    errno.EROFS: "cause_erofs",
    errno.EACCES: "cause_no_permission",
    errno.EPERM: "cause_no_permission",
    errno.ENOSPC: "cause_enospc",
    errno.EDQUOT: "cause_edquot",
    errno.ENOTDIR: "cause_enotdir",
    errno.EEXIST: "cause_eexist",
    errno.EISDIR: "cause_eisdir",
}


def describe_os_error(exc: OSError, folder: Path | str | None, lang: str = "en") -> str:
    """One line naming ``folder`` and the cause of ``exc`` in words, in ``lang``.

    English by default (an error's message); ``lang="sv"`` gives the Swedish for its
    ``sv=``. ``folder=None`` says "a file" ("en fil") where the path is unknown. The
    operating system's own wording of the cause (``exc.strerror``) follows in brackets as it is.

    Examples
    --------
    >>> import errno
    >>> full = OSError(errno.ENOSPC, "No space left on device")
    >>> describe_os_error(full, "reports")
    'reports: the disk is full (No space left on device)'
    >>> describe_os_error(full, "reports", lang="sv")
    'reports: disken är full (No space left on device)'
    """
    cause = _TEXTS(_CAUSES.get(exc.errno or 0, "cause_other"), lang)
    where = folder if folder is not None else _TEXTS("unnamed_file", lang)
    return _TEXTS("os_error", lang, folder=where, cause=cause, detail=exc.strerror or exc)


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
        en = _TEXTS("nothing_changed", "en", reason=describe_os_error(exc, base))
        sv = _TEXTS("nothing_changed", "sv", reason=describe_os_error(exc, base, "sv"))
        raise FolderNotWritableError(en, sv=sv) from exc
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not quiet:
                lang = message_lang()
                holder = dict(zip(("en", "sv"), _holder(fh), strict=True))[lang]
                notice = _TEXTS("waiting", lang, holder=holder, base=base, seconds=f"{timeout:.0f}")
                print(notice, file=sys.stderr, flush=True)
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        holder_en, holder_sv = _holder(fh)
                        seconds = f"{timeout:.0f}"
                        en = _TEXTS(
                            "locked", "en", base=base, holder=holder_en, path=path, seconds=seconds
                        )
                        sv = _TEXTS(
                            "locked", "sv", base=base, holder=holder_sv, path=path, seconds=seconds
                        )
                        raise DataLockedError(en, sv=sv) from None
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


def _holder(fh) -> tuple[str, str]:
    """Who holds the lock, as written in the lock file: ``(English, Swedish)``."""
    with contextlib.suppress(OSError):
        fh.seek(0)
        text = fh.read().strip()
        if text:
            return _TEXTS.both("holder_named", what=text.split()[0], pid=text.split()[-1])
    return _TEXTS.both("holder_unknown")


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
        reason_en, reason_sv = describe_os_error(exc, folder), describe_os_error(exc, folder, "sv")
        en = _TEXTS("file_not_changed", "en", reason=reason_en, name=target.name)
        sv = _TEXTS("file_not_changed", "sv", reason=reason_sv, name=target.name)
        raise FolderNotWritableError(en, sv=sv) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
