"""Work handed to a second process on a core the report kernel leaves idle (issue 17).

A report kernel computes on one core; on a machine with two or more, the others wait while
it draws its figures, which are pure functions of small frames. A lone report kernel
therefore starts one *offload worker* as it starts (:func:`start_from_environment`, called
by the kernel's launch line when :data:`ENV` names the modules the worker imports): the
worker imports them while the kernel imports its own, and later draws the report's figures
while the kernel computes the rest. :class:`Prefetch` hands it the figures in the reverse of
the order the report shows them; the kernel takes each figure from the worker, or draws it
itself if the worker has not started on it, so the two meet in the middle and nothing waits
for more than the one figure being drawn.

The worker runs the same code on the same data with the same library versions, so a figure
is the same bytes whichever process drew it (``tests/test_offload.py``). Whatever goes wrong
in the worker (an error, a warning, the process killed, no answer in time) makes the kernel
draw that figure itself: the worker can make a report faster, never different or failed.

Only a lone report kernel starts a worker: a batch's kernels already keep every core busy,
and an interactive kernel is the user's. Standard library only
(:class:`concurrent.futures.ProcessPoolExecutor`), imported when first used.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

__all__ = ["ENV", "Prefetch", "start_from_environment", "start_worker", "usable_cpus", "worker"]

#: Environment variable naming (comma-separated) the modules a lone report kernel's offload
#: worker imports; unset or empty: no worker.
ENV = "PILOTBENCH_OFFLOAD"

_pool: ProcessPoolExecutor | None = None


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, else the machine's count).

    Examples
    --------
    >>> usable_cpus() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _init_worker(modules: Sequence[str], parent: int) -> None:
    """In the worker: die with the kernel, yield to it, ignore Ctrl-C and import ``modules``.

    The worker imports while the kernel and the command that started it import their own
    modules, three processes on (at least) two cores; at nice 10 it takes what they leave.
    Once the kernel computes and the command waits, each has a core of its own.
    """
    import importlib
    import signal

    _die_with(parent)
    os.nice(10)
    # An interrupt of the kernel reaches its whole process group; the worker's figures are
    # short, and the kernel stops it with itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in modules:
        importlib.import_module(name)


def _die_with(parent: int) -> None:
    """In the worker: be killed as soon as ``parent`` (the kernel) exits, however it exits.

    A worker waits for its next task on a pipe whose writing end it holds itself, so it
    never sees the kernel go: a kernel killed alone (out of memory) or ending with
    ``os._exit`` (ipykernel's, when the command that started it is killed) would leave it
    running, with the report's modules in memory, for good. Linux sends the signal asked
    for with ``prctl(PR_SET_PDEATHSIG)`` when the thread that forked the worker exits (the
    kernel's main thread, :func:`start_worker`); elsewhere nothing is done.
    """
    import ctypes
    import signal

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the kernel exited before the call above
        os._exit(1)


def _ready() -> bool:
    """A task that returns once the worker has imported its modules."""
    return True


def start_worker(modules: Sequence[str]) -> ProcessPoolExecutor:
    """Start this process's offload worker (one process) importing ``modules``; return it.

    The worker is forked at once, so call this while the process has no other threads (the
    kernel's launch line does, before ipykernel starts): a fork copies only the calling
    thread, and a lock another thread held would stay locked in the child. Calling it again
    returns the running worker.

    Parameters
    ----------
    modules
        Modules the worker imports before its first task (those the figures need).

    Returns
    -------
    concurrent.futures.ProcessPoolExecutor
        With one worker process, also returned by :func:`worker` from now on.

    Raises
    ------
    OSError
        If the process cannot be started.

    Examples
    --------
    >>> pool = start_worker(["json"])
    >>> pool.submit(sum, [1, 2, 3]).result()
    6
    >>> worker() is pool
    True
    >>> pool.shutdown(); _forget()
    """
    global _pool
    if _pool is not None:
        return _pool
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_init_worker,
        initargs=(tuple(modules), os.getpid()),
    )
    pool.submit(_ready)  # forks the worker now: its imports run while the caller's do
    _pool = pool
    return pool


def _forget() -> None:
    """Drop the reference to the worker (tests, after shutting it down)."""
    global _pool
    _pool = None


def start_from_environment() -> ProcessPoolExecutor | None:
    """Start the offload worker if :data:`ENV` names modules and a second CPU is usable.

    The kernel's launch line calls it before ipykernel starts: it never raises, so that a
    worker that cannot be had costs the kernel nothing but the worker.

    Returns
    -------
    concurrent.futures.ProcessPoolExecutor or None
        The worker, or ``None`` when none was asked for, only one CPU is usable or no
        process could be started (a limit on processes or memory).

    Examples
    --------
    >>> os.environ.pop(ENV, None)
    >>> start_from_environment() is None
    True
    """
    modules = [m.strip() for m in os.environ.get(ENV, "").split(",") if m.strip()]
    if not modules or usable_cpus() < 2:
        return None
    try:
        return start_worker(modules)
    except OSError:  # fork failed (EAGAIN, ENOMEM): the kernel draws everything itself
        return None


def worker() -> ProcessPoolExecutor | None:
    """The offload worker of this process, or ``None`` if it has none.

    Examples
    --------
    >>> worker() is None
    True
    """
    return _pool


class Prefetch:
    """Results computed ahead by the offload worker, each taken once by the process that needs it.

    ``tasks`` maps a key to ``(function, args, kwargs)`` in the order the caller will
    :meth:`take` them; a thread of this process hands them to ``pool`` one at a time from
    the last, so the worker works toward the caller, which takes the first ones itself.

    Parameters
    ----------
    pool
        The worker (:func:`worker`); ``None`` makes every :meth:`take` compute here.
    tasks
        ``key -> (function, args, kwargs)``; the function and its arguments must pickle
        (module-level functions, frames, dataclasses).
    timeout
        Seconds :meth:`take` waits at most for a result the worker has started before
        computing it here (a figure takes 0.1-0.3 s on an idle core); see :meth:`take`.

    Examples
    --------
    >>> import operator
    >>> pf = Prefetch(None, {"a": (operator.add, (1, 2), {})})
    >>> pf.take("a", lambda: 3)
    3
    """

    def __init__(
        self,
        pool: ProcessPoolExecutor | None,
        tasks: Mapping[Hashable, tuple[Callable[..., Any], tuple, dict]],
        *,
        timeout: float = 5.0,
    ) -> None:
        self._pending: dict[Hashable, tuple[Callable[..., Any], tuple, dict]] = dict(tasks)
        self._sent: dict[Hashable, Future] = {}
        self._lock = threading.Lock()
        self._timeout = timeout
        self._late = False
        self._slowest_here: float | None = None
        self.from_worker: list[Hashable] = []
        if pool is None or not self._pending:
            self._pending.clear()
            return
        threading.Thread(
            target=self._feed, args=(pool,), name="pilotbench-prefetch", daemon=True
        ).start()

    def _feed(self, pool: ProcessPoolExecutor) -> None:
        """Send the pending tasks to ``pool`` one at a time, last first, until none is left."""
        while True:
            with self._lock:
                if not self._pending:
                    return
                key = next(reversed(self._pending))
                fn, args, kwargs = self._pending.pop(key)
                try:
                    future = pool.submit(_quiet_call, fn, args, kwargs)
                except Exception:  # the worker gone or shut down: take() computes the rest
                    self._pending.clear()
                    return
                self._sent[key] = future
            try:
                future.result()
            except BaseException:  # whatever failed, take() computes it here
                with self._lock:
                    self._pending.clear()
                return

    def take(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The worker's result for ``key``, or ``compute()`` if the worker did not start it.

        A result the worker is working on is waited for as long as computing it here would
        take (1.5 times the longest :meth:`take` that computed here, at least 0.2 s; at
        most ``timeout`` seconds); a worker that slow (the machine is busy and the worker
        runs at a lower priority) is sent nothing more and no result of it is waited for
        again. If the worker failed for any reason, computes here, so that a genuine error
        is raised here with its usual traceback.
        """
        with self._lock:
            self._pending.pop(key, None)
            future = self._sent.pop(key, None)
            late = self._late
        if future is not None:
            wait = 0.0 if late else self._timeout
            if self._slowest_here is not None:
                wait = min(wait, max(0.2, 1.5 * self._slowest_here))
            try:
                result = future.result(timeout=wait)
            except TimeoutError:
                with self._lock:
                    self._late = True
                    self._pending.clear()
            except Exception:  # computed here instead, see the docstring
                pass
            else:
                self.from_worker.append(key)
                return result
        t0 = time.perf_counter()
        result = compute()
        spent = time.perf_counter() - t0
        self._slowest_here = max(spent, self._slowest_here or 0.0)
        return result


def _quiet_call(fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """``fn(*args, **kwargs)`` in the worker; raises :class:`RuntimeError` if it warned.

    A warning in the worker would reach no notebook; raised, it makes the kernel compute the
    result itself, where the warning shows as it would without a worker.
    """
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        result = fn(*args, **kwargs)
    if caught:
        raise RuntimeError(f"warned in the offload worker: {caught[0].message}")
    return result
