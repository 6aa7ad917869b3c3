"""Start a report kernel's process with the standard library alone (no jupyter_client).

``pilotbench report`` spends most of its time waiting for its kernel: the kernel starts,
imports polars, matplotlib and the report's modules, runs the cells. Launching it through
jupyter_client means importing jupyter_client first (about 0.15 s on this machine, issue 17),
so :func:`launch_report_kernel` starts the same process with :mod:`subprocess` right after
the arguments are parsed: it writes a connection file as jupyter_client would (Unix domain
sockets in a private folder, a fresh HMAC key) and runs the command of the project's
kernelspec. :meth:`research.runner.kernel.KernelSession.adopt` then hands the running process
to a jupyter_client kernel manager, which talks to it, restarts and stops it as usual. Every
kernel of the project starts this way (:meth:`~research.runner.kernel.KernelSession.start`).

The connection file format is Jupyter's (https://jupyter-client.readthedocs.io/en/stable/
kernels.html#connection-files); the process is started as
``jupyter_client.launcher.launch_kernel`` starts one on POSIX (its own session, stdin closed,
``JPY_PARENT_PID`` so that the kernel exits with its parent).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import stat
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from research.core.offload import ENV as OFFLOAD_ENV

__all__ = [
    "ALLOCATOR_ENV",
    "KERNEL_ENV",
    "REPORT_KERNEL_CLASS",
    "LaunchedKernel",
    "ipc_prefix",
    "kernel_argv",
    "kernel_environment",
    "launch_kernel_process",
    "launch_report_kernel",
    "notebook_imports",
    "offload_modules",
    "preload_arguments",
    "read_notebook",
]

#: What the kernel process runs: ``ipykernel_launcher`` as ``python -m`` would, with
#: ``debugpy`` made unimportable first (ipykernel then runs without its debugger: a report
#: kernel is never debugged, and debugpy costs every kernel about 8 MiB RSS, issue 17). A
#: lone report kernel (``PILOTBENCH_OFFLOAD`` set, :func:`offload_modules`) first forks its
#: offload worker, while it has no other thread (:mod:`research.core.offload`).
_LAUNCH = (
    "import os, runpy, sys; sys.modules['debugpy'] = None; "
    "os.environ.get('PILOTBENCH_OFFLOAD') and "
    "__import__('research.core.offload', fromlist=['_']).start_from_environment(); "
    "runpy.run_module('ipykernel_launcher', run_name='__main__', alter_sys=True)"
)

#: The kernel class of report kernels: ipykernel's, with cells compiled unoptimised under
#: the interpreter's ``-OO`` (:mod:`research.runner.report_kernel`).
REPORT_KERNEL_CLASS = "research.runner.report_kernel.ReportKernel"

#: Report views that hand their figures to an offload worker (:mod:`research.core.offload`)
#: when their kernel has one, and the modules that worker imports for them.
OFFLOADING_VIEWS = {"research.views.pilot_vs_candidate": ("research.views.charts",)}

#: Environment the kernelspec adds to the caller's.
KERNEL_ENV = {"PYDEVD_DISABLE_FILE_VALIDATION": "1"}

#: Allocator settings a report kernel gets unless the caller's environment has its own.
#: polars allocates through its bundled jemalloc and, on import, sets ``_RJEM_MALLOC_CONF``
#: to its defaults (:data:`_POLARS_JEMALLOC_DEFAULTS`: freed pages kept 0.5 s, then 1 s more
#: as lazily freed pages that still count as the process's memory) followed by the user's
#: value, so settings given there win (https://github.com/pola-rs/polars/issues/23128,
#: jemalloc(3) ``opt.dirty_decay_ms``, ``opt.muzzy_decay_ms``). A report kernel builds and
#: drops a report's frames every second or so and a batch keeps two such kernels; returning
#: freed pages at once lowered a batch's peak by ~12 MiB at no measurable CPU cost (issue 17).
#: Kernels for interactive work (JupyterLab's kernelspec) keep polars' defaults.
ALLOCATOR_ENV = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0"}

#: What polars 1.x-2.x writes first into ``_RJEM_MALLOC_CONF`` (``polars/__init__.py``); a
#: process that imported polars has it in its environment without the user having set it.
_POLARS_JEMALLOC_DEFAULTS = "dirty_decay_ms:500,muzzy_decay_ms:1000"

#: The five sockets of a kernel, in the order their numbers are given out.
_PORTS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")

_IMPORT_RE = re.compile(
    r"^\s*(?:from\s+(research(?:\.\w+)*)\s+import\b|import\s+(research(?:\.\w+)*))"
)


def kernel_argv(connection_file: str = "{connection_file}") -> list[str]:
    """The kernel's command line (the project's kernelspec ``argv``).

    No IPython history database: reports do not need it, concurrent kernels sharing one
    SQLite file print "Session/line number was not unique" into cell output, and skipping it
    makes every start cheaper.

    The interpreter runs with ``-OO``: the modules a report imports are loaded without their
    docstrings (nobody reads ``help()`` in a report kernel), 12 MiB less RSS per kernel and
    ~0.2 s less import time (issue 17, with the ``.opt-2.pyc`` files that ``make venv``
    compiles). The cells themselves are compiled unoptimised
    (:class:`~research.runner.report_kernel.ReportKernel`), so a notebook's ``assert``
    statements still run; the libraries' own ``assert`` statements, internal invariants,
    are left out as ``-O`` intends. Kernels for interactive work (JupyterLab's kernelspec)
    run without flags.

    Examples
    --------
    >>> kernel_argv("/tmp/k.json")[1]
    '-OO'
    >>> kernel_argv("/tmp/k.json")[-2:]
    ['-f', '/tmp/k.json']
    """
    return [
        sys.executable,
        "-OO",
        "-c",
        _LAUNCH,
        f"--IPKernelApp.kernel_class={REPORT_KERNEL_CLASS}",
        "--HistoryManager.enabled=False",
        "-f",
        connection_file,
    ]


def preload_arguments(preload: Sequence[str]) -> list[str]:
    """Kernel arguments that import ``preload`` while the kernel starts (no names bound).

    Examples
    --------
    >>> preload_arguments(["research.views.html"])
    ["--IPKernelApp.exec_lines=list(map(__import__, ('research.views.html',))) and None"]
    >>> preload_arguments([])
    []
    """
    if not preload:
        return []
    mods = ", ".join(repr(m) for m in preload)
    return [f"--IPKernelApp.exec_lines=list(map(__import__, ({mods},))) and None"]


def _kernel_folder() -> Path:
    """The user's folder for kernel sockets and connection files, in the temporary folder.

    Raises
    ------
    PilotbenchError
        If the folder exists but is not a folder of this user's closed to others: in the
        shared temporary folder another user could have made it first, and could then read
        the sockets' names and swap a connection file (its key) before the kernel reads it.
    """
    from research.core.errors import PilotbenchError
    from research.core.i18n import load_catalogue

    folder = Path(tempfile.gettempdir()) / f"pilotbench-kernels-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    st = folder.lstat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        texts = load_catalogue(Path(__file__).with_name("texts.toml"))
        en, sv = texts.both("kernel_folder_not_private", folder=folder)
        raise PilotbenchError(en, sv=sv)
    return folder


def ipc_prefix() -> str:
    """A unique socket path prefix in the user's private kernel folder.

    jupyter_client's default (``kernel-ipc`` in the working directory) litters that folder and
    collides between concurrent kernels.

    Returns
    -------
    str
        ``<tmp>/pilotbench-kernels-<uid>/k-<12 hex digits>``; a kernel's sockets are this
        prefix followed by ``-1`` ... ``-5``.

    Raises
    ------
    PilotbenchError
        If the folder is not the user's own, private one.

    Examples
    --------
    >>> ipc_prefix() != ipc_prefix()
    True
    """
    return str(_kernel_folder() / f"k-{uuid.uuid4().hex[:12]}")


@dataclass
class LaunchedKernel:
    """A kernel process started by :func:`launch_kernel_process`, not yet adopted.

    Attributes
    ----------
    process
        The kernel's process.
    connection_file
        Its connection file (JSON, mode 0600).
    connection
        The file's content: ``transport`` (``"ipc"``), ``ip`` (socket path prefix), the five
        ``*_port`` numbers, ``key``, ``signature_scheme``, ``kernel_name``.
    kernel_id
        The kernel's id (also in the connection file's name).
    preload, cwd, extra_arguments, env
        How it was started (a restart starts the next one the same way).
    """

    process: subprocess.Popen[bytes]
    connection_file: Path
    connection: dict[str, object]
    kernel_id: str = ""
    preload: tuple[str, ...] = ()
    cwd: str | None = None
    extra_arguments: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        """Kill the process and remove its files (when it is never adopted).

        Once the process has been waited for, its id may be another process's: a second call
        (a failed :meth:`~research.runner.kernel.KernelSession.adopt` discards, and so does
        its caller) signals nothing.
        """
        if self.process.returncode is None:  # not reaped: the id is still the kernel's
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:  # already gone
                pass
            self.process.wait()
        _remove_kernel_files(self.connection)
        self.connection_file.unlink(missing_ok=True)


def _remove_kernel_files(connection: dict[str, object]) -> None:
    """Remove the socket files of an ``ipc`` kernel (gone already: nothing to do)."""
    if connection.get("transport") != "ipc":
        return
    for name in _PORTS:
        Path(f"{connection['ip']}-{connection[name]}").unlink(missing_ok=True)


def kernel_environment(base: Mapping[str, str]) -> dict[str, str]:
    """What a report kernel's environment adds to ``base``, the caller's.

    :data:`KERNEL_ENV`, and each setting of :data:`ALLOCATOR_ENV` that ``base`` does not
    set: a user's own ``_RJEM_MALLOC_CONF`` wins, the defaults polars wrote there when this
    process imported it do not.

    Parameters
    ----------
    base
        The environment the kernel starts from (usually ``os.environ``).

    Returns
    -------
    dict[str, str]
        The variables to set on top of ``base``.

    Examples
    --------
    >>> kernel_environment({})["_RJEM_MALLOC_CONF"]
    'dirty_decay_ms:0,muzzy_decay_ms:0'
    >>> "_RJEM_MALLOC_CONF" in kernel_environment({"_RJEM_MALLOC_CONF": "narenas:1"})
    False
    >>> polars_only = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:500,muzzy_decay_ms:1000"}
    >>> kernel_environment(polars_only)["_RJEM_MALLOC_CONF"]
    'dirty_decay_ms:0,muzzy_decay_ms:0'
    """
    unset = {
        k
        for k in ALLOCATOR_ENV
        if not base.get(k, "").removeprefix(_POLARS_JEMALLOC_DEFAULTS).strip(",")
    }
    return {**{k: ALLOCATOR_ENV[k] for k in unset}, **KERNEL_ENV}


def launch_kernel_process(
    *,
    preload: Sequence[str] = (),
    cwd: str | Path | None = None,
    kernel_name: str = "pilotbench",
    offload: Sequence[str] = (),
) -> LaunchedKernel:
    """Start a report kernel of this interpreter; return at once (it starts meanwhile).

    The kernel runs in this process's environment with ``PILOTBENCH_REPORT=1`` and the
    kernelspec's additions (:func:`kernel_environment`).

    Parameters
    ----------
    preload
        Modules the kernel imports while it starts (:func:`preload_arguments`).
    cwd
        The kernel's working folder (default: this process's).
    kernel_name
        Written to the connection file.
    offload
        Modules for the kernel's offload worker to import (:func:`offload_modules`; only a
        lone report kernel has one); empty: no worker, whatever this process's environment
        says.

    Returns
    -------
    LaunchedKernel

    Raises
    ------
    PilotbenchError
        If the kernel folder is not the user's own, private one.
    OSError
        If the process cannot be started.

    Examples
    --------
    >>> k = launch_kernel_process()
    >>> sorted(k.connection)[:3], k.connection["transport"]
    (['control_port', 'hb_port', 'iopub_port'], 'ipc')
    >>> k.discard(); k.connection_file.exists()
    False
    """
    folder = _kernel_folder()
    kernel_id = str(uuid.uuid4())
    connection: dict[str, object] = {
        "transport": "ipc",
        "ip": str(folder / f"k-{kernel_id[:12]}"),
        **{name: i for i, name in enumerate(_PORTS, start=1)},
        "key": secrets.token_hex(16),
        "signature_scheme": "hmac-sha256",
        "kernel_name": kernel_name,
    }
    connection_file = folder / f"kernel-{kernel_id}.json"
    fd = os.open(connection_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(connection, f, indent=1)
    extra = preload_arguments(preload)
    # A report kernel (PILOTBENCH_REPORT=1) in this process's environment; a restart
    # passes the same to jupyter_client, which adds the kernelspec's part again.
    env = {**os.environ, "PILOTBENCH_REPORT": "1"}
    env.pop(OFFLOAD_ENV, None)
    if offload:
        env[OFFLOAD_ENV] = ",".join(offload)
    kernel_env = {**env, **kernel_environment(env)}
    kernel_env.pop("PYTHONEXECUTABLE", None)  # as jupyter_client does for Python kernels
    kernel_env["JPY_PARENT_PID"] = str(os.getpid())  # the kernel exits when this process does
    # Ctrl-C, SIGTERM or SIGHUP while Popen forks would raise after the child exists but
    # before its id is known: an orphaned kernel that, its connection file removed, starts on
    # TCP and prints into the terminal after the command has gone. The signals wait until
    # the process is in a LaunchedKernel, which is discarded if one of them then arrives.
    blocked = _block_termination_signals()
    try:
        process = subprocess.Popen(
            [*kernel_argv(str(connection_file)), *extra],
            stdin=subprocess.PIPE,
            cwd=None if cwd is None else str(cwd),
            env=kernel_env,
            start_new_session=True,
        )
    except BaseException:
        _restore_signal_mask(blocked)
        connection_file.unlink(missing_ok=True)
        raise
    assert process.stdin is not None
    process.stdin.close()  # as jupyter_client does: a kernel reads no terminal input
    launched = LaunchedKernel(
        process=process,
        connection_file=connection_file,
        connection=connection,
        kernel_id=kernel_id,
        preload=tuple(preload),
        cwd=None if cwd is None else str(cwd),
        extra_arguments=extra,
        env=env,
    )
    try:
        _restore_signal_mask(blocked)  # a signal that arrived meanwhile is raised here
    except BaseException:
        launched.discard()
        raise
    return launched


#: Signals that end or interrupt a command (their handlers raise in the main thread).
_TERMINATION_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


def _block_termination_signals() -> set[signal.Signals] | None:
    """Hold back :data:`_TERMINATION_SIGNALS` in this thread; the mask to restore afterwards."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - POSIX only
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, _TERMINATION_SIGNALS)


def _restore_signal_mask(previous: set[signal.Signals] | None) -> None:
    """Restore the mask; Python runs the handler of a signal held back meanwhile (it may raise)."""
    if previous is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def notebook_imports(nb: dict) -> list[str]:
    """The ``research`` modules a notebook's code cells import, in order of first import.

    Examples
    --------
    >>> code = {"cell_type": "code", "source": "from research.lab.notebook import controls"}
    >>> text = {"cell_type": "markdown", "source": "import research"}
    >>> notebook_imports({"cells": [code, text]})
    ['research.lab.notebook']
    """
    found: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        for line in (src if isinstance(src, str) else "".join(src)).splitlines():
            m = _IMPORT_RE.match(line)
            if m and (mod := m.group(1) or m.group(2)) not in found:
                found.append(mod)
    return found


def launch_report_kernel(notebook: str | Path) -> LaunchedKernel | None:
    """Start the kernel for one report, importing what the notebook's cells import.

    The kernel pre-imports only what the notebook's own cells import (an empty notebook:
    nothing), so no report gets work it would not have done anyway. It runs as a report
    kernel (``PILOTBENCH_REPORT=1``) in the notebook's folder.

    Parameters
    ----------
    notebook
        A report name (``pilot_vs_candidate``) or a path to an ``.ipynb``.

    Returns
    -------
    LaunchedKernel or None
        ``None`` (nothing started) when ``notebook`` does not name a readable notebook; the
        report then says what is wrong.

    Raises
    ------
    PilotbenchError
        If the kernel folder is not the user's own, private one.
    OSError
        If the process cannot be started.

    Examples
    --------
    >>> launch_report_kernel("no_such_notebook") is None
    True
    >>> k = launch_report_kernel("pilot_vs_candidate")
    >>> k.preload
    ('research.lab.notebook', 'research.views.pilot_vs_candidate.sections')
    >>> k.discard()
    """
    from research.core.paths import notebooks_dir

    name = str(notebook)
    path = Path(name) if "/" in name or isinstance(notebook, Path) else None
    if path is None:
        path = notebooks_dir() / (name if name.endswith(".ipynb") else f"{name}.ipynb")
    nb = read_notebook(path)
    if nb is None:
        return None
    imports = notebook_imports(nb)
    return launch_kernel_process(
        preload=imports, cwd=path.resolve().parent, offload=offload_modules(imports)
    )


def read_notebook(path: Path) -> dict | None:
    """The notebook at ``path`` as parsed JSON, or ``None`` if it cannot be read as JSON.

    Examples
    --------
    >>> read_notebook(Path("no_such_notebook.ipynb")) is None
    True
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def offload_modules(imports: Sequence[str]) -> tuple[str, ...]:
    """What a lone report kernel's offload worker imports, for a notebook importing ``imports``.

    Empty (no worker) unless the notebook uses a view of :data:`OFFLOADING_VIEWS`.

    Examples
    --------
    >>> offload_modules(["research.lab.notebook", "research.views.pilot_vs_candidate.sections"])
    ('research.views.charts',)
    >>> offload_modules(["research.views.decision_brief.sections"])
    ()
    """
    found: list[str] = []
    for view, modules in OFFLOADING_VIEWS.items():
        if any(m == view or m.startswith(view + ".") for m in imports):
            found += [m for m in modules if m not in found]
    return tuple(found)
