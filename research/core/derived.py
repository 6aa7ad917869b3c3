"""Objects built from a validated configuration file, kept on disk between processes.

Validating ``data/catalog.toml`` and ``data/pilots.toml`` needs pydantic and the models of
:mod:`research.core.config`, whose import costs 0.3-0.4 s, paid again by every fresh kernel of
every report (issue 17). What the validation yields is a small tree of frozen dataclasses; this
module pickles it in the user's cache folder (:func:`~research.core.paths.cache_dir`, not the
data folder: a cache is not data) keyed on the file's content **and** the source of the code
that builds it (not its path: a copied data folder shares it), so a changed file or a changed
loader is validated again and an unchanged one is read back in about a millisecond. A cache
that cannot be read or written (read-only folder, a torn file) is ignored: the object is built
as before.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from research.core.paths import cache_dir

__all__ = ["CONFIG_SOURCE", "derived_key", "load_derived", "load_validated"]

T = TypeVar("T")

#: The source of the pydantic models (:mod:`research.core.config`), part of every key: a changed
#: model validates every file again. A path, so that computing a key does not import it.
CONFIG_SOURCE = Path(__file__).with_name("config.py")


def derived_key(digest: str, sources: Sequence[Path]) -> str:
    """The cache key of an object: the file's sha256 and the sha256 of each source file.

    Parameters
    ----------
    digest
        sha256 (hex) of the configuration file's bytes.
    sources
        The modules whose code turns the file into the object (the loader, the models).

    Returns
    -------
    str
        24 hex digits.

    Examples
    --------
    >>> key = derived_key("ab" * 32, [Path(__file__)])
    >>> len(key), key == derived_key("ab" * 32, [Path(__file__)]), key == derived_key("cd", [])
    (24, True, False)
    """
    h = hashlib.sha256(digest.encode("utf-8"))
    for src in sources:
        h.update(hashlib.sha256(Path(src).read_bytes()).digest())
    return h.hexdigest()[:24]


def load_derived(
    kind: str, key: str, build: Callable[[], T], folder: Path | None = None, keep: int = 1
) -> T:
    """Return the object cached under ``kind``/``key``, or build, cache and return it.

    Parameters
    ----------
    kind
        What the object is (``"catalog"``, ``"pilots"``, ``"schedule"``).
    key
        :func:`derived_key` of the file and the code.
    build
        Reads and validates the file and returns the object; its errors propagate and nothing
        is cached.
    folder
        Where the pickles go (default ``derived/`` in :func:`~research.core.paths.cache_dir`).
    keep
        Cached files kept per kind, the most recently used (1 for a kind with one file, such
        as the catalogue; more where users have several files of the kind, e.g. schedules run
        in turn, which would otherwise evict each other and be validated on every run).

    Returns
    -------
    object
        What ``build`` returns (or returned in an earlier process for the same key).

    Examples
    --------
    >>> import tempfile
    >>> tmp = Path(tempfile.mkdtemp())
    >>> load_derived("demo", "k1", lambda: {"a": 1}, tmp)
    {'a': 1}
    >>> load_derived("demo", "k1", lambda: {"a": 2}, tmp)  # read back, not built
    {'a': 1}
    >>> sorted(p.name for p in tmp.iterdir())
    ['demo-k1.pickle']
    >>> load_derived("demo", "k2", lambda: {"b": 1}, tmp, keep=2)
    {'b': 1}
    >>> sorted(p.name for p in tmp.iterdir())  # k1 kept: two per kind
    ['demo-k1.pickle', 'demo-k2.pickle']
    """
    folder = folder or cache_dir() / "derived"
    path = folder / f"{kind}-{key}.pickle"
    try:
        got = pickle.loads(path.read_bytes())
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError):
        pass
    else:
        if keep > 1:
            try:
                os.utime(path)  # most recently used: the last to be dropped
            except OSError:
                pass
        return got
    obj = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{path.name}.{os.getpid()}.tmp"
        tmp.write_bytes(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)  # readers see the old file or the whole new one
        _drop_least_recent(folder, kind, path, keep)
    except OSError:
        pass  # a read-only data folder: built each time, as before
    return obj


def _drop_least_recent(folder: Path, kind: str, current: Path, keep: int) -> None:
    """Delete the cached files of ``kind`` beyond the ``keep`` most recently used."""
    others = []
    for old in folder.glob(f"{kind}-*.pickle"):
        if old == current:
            continue
        try:
            others.append((old.stat().st_mtime_ns, old))
        except OSError:  # deleted by another process meanwhile
            continue
    others.sort(reverse=True)
    for _, old in others[max(keep - 1, 0) :]:
        old.unlink(missing_ok=True)


def load_validated(
    kind: str,
    path: Path,
    digest: str,
    loader: Path,
    build: Callable[[], T],
    folder: Path | None = None,
    keep: int = 1,
) -> T:
    """The object a loader builds from the configuration file ``path``, cached by content.

    The key is :func:`derived_key` of ``digest`` and the sources of ``loader`` and of the
    models (:data:`CONFIG_SOURCE`). A dataclass with a ``path`` field read back from a copy of
    the same file elsewhere gets ``path``, so error messages name the file actually read.

    Parameters
    ----------
    kind, build, folder, keep
        As for :func:`load_derived`.
    path
        The file.
    digest
        sha256 (hex) of its bytes.
    loader
        The module that turns the file into the object (its ``__file__``).

    Returns
    -------
    object
        What ``build`` returns, with ``path`` set where it has one.

    Examples
    --------
    >>> import tempfile
    >>> tmp = Path(tempfile.mkdtemp())
    >>> load_validated("demo", Path("a.toml"), "ab", Path(__file__), lambda: [1], tmp)
    [1]
    >>> load_validated("demo", Path("b.toml"), "ab", Path(__file__), lambda: [2], tmp)
    [1]
    """
    key = derived_key(digest, [loader, CONFIG_SOURCE])
    got = load_derived(kind, key, build, folder, keep)
    if dataclasses.is_dataclass(got) and getattr(got, "path", path) != path:
        return dataclasses.replace(got, path=path)  # type: ignore[type-var]  # a copied file
    return got
