"""Run a command and sample the memory of its whole process tree while it runs.

Resident set size (RSS) counts pages shared between processes (the Python interpreter,
numpy's libraries, copy-on-write pages) once per process, so the sum over a tree overstates
what the tree really holds; the proportional set size (PSS) divides each shared page among the
processes sharing it and adds up to the tree's real footprint. Both are sampled (RSS is what
the issue asks for; PSS is the honest number). ``resource.getrusage(RUSAGE_CHILDREN)``'s
``ru_maxrss`` is recorded too: the peak RSS of the *largest single* descendant, not a sum.

Standalone, to measure one command without the whole harness (e.g. ours only, without the
nine-minute loop baseline of benchmark 2)::

    .venv/bin/python benchmarks/memory.py [--interval 0.2] [--json OUT.json] -- \
        .venv/bin/pilotbench batch SCHEDULE --output DIR --no-progress

prints the wall time, the exit status, the peak of the summed RSS and PSS, the processes at
that peak and every process's own peak (RSS / PSS in MiB); the command's output goes to
``--log`` (default ``memory-run.log`` in the working folder).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

__all__ = ["TreeRun", "cpu_by_role", "main", "process_role", "run_sampled", "summary_lines"]


@dataclass
class TreeRun:
    """Outcome of :func:`run_sampled`."""

    returncode: int | None
    seconds: float
    timed_out: bool
    peak_rss_sum: int = 0  # bytes: the largest sum of RSS over the tree at one sample
    peak_pss_sum: int = 0  # bytes: the same with PSS (0 where /proc/PID/smaps is unreadable)
    sum_of_peak_rss: int = 0  # bytes: every process's own peak RSS, added up (upper bound)
    max_single_rss: int = 0  # bytes: ru_maxrss of RUSAGE_CHILDREN (largest descendant)
    max_processes: int = 0
    samples: int = 0
    pids: set[int] = field(default_factory=set)
    #: per process (pid): its role (:func:`process_role`), peak RSS and peak PSS in bytes, and
    #: ``cpu_s``, its user + system CPU seconds at the last sample that saw it (a lower bound
    #: for a process that ended between samples)
    processes: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: the processes at the sample with the largest RSS sum: role, RSS, PSS in bytes
    at_peak: list[dict[str, Any]] = field(default_factory=list)


def process_role(cmdline: Sequence[str]) -> str:
    """A short name for a process of a batch or loop tree, from its command line.

    Examples
    --------
    >>> process_role(["/v/bin/python", "-m", "ipykernel_launcher", "-f", "k.json"])
    'kernel'
    >>> process_role(["/v/bin/python", "-c", "from multiprocessing.spawn import spawn_main"])
    'worker (multiprocessing)'
    >>> process_role(["/v/bin/python", "/v/bin/pilotbench", "batch", "s.toml"])
    'pilotbench batch'
    >>> process_role(["/v/bin/python", ".venv/bin/papermill", "a.ipynb", "-k", "pilotbench"])
    'papermill'
    """
    text = " ".join(cmdline)
    if "ipykernel_launcher" in text:
        return "kernel"
    if "resource_tracker" in text:
        return "resource tracker"
    if "multiprocessing" in text or "spawn_main" in text:
        return "worker (multiprocessing)"
    for i, arg in enumerate(cmdline[:2]):  # the program, or the script python runs
        exe = Path(arg).name
        if exe == "pilotbench":
            return f"pilotbench {cmdline[i + 1]}" if i + 1 < len(cmdline) else exe
        if exe in ("papermill", "bash"):
            return exe
        if exe.startswith("jupyter") and "nbconvert" in text:
            return "nbconvert"
    return Path(cmdline[0]).name if cmdline else "?"


def _tree(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return []


def run_sampled(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    stdout: Path,
    timeout: float | None = None,
    interval: float = 0.2,
    pss: bool = True,
) -> TreeRun:
    """Run ``argv``, sampling the RSS (and PSS) of it and all its descendants.

    The command runs under ``_rusage_wrap.py`` (its own memory is left out of the sums), which
    reports ``RUSAGE_CHILDREN`` of the command alone. The child's stdout and stderr go to
    ``stdout``. On timeout the whole tree is killed.
    """
    usage_file = Path(stdout).with_suffix(".rusage.json")
    usage_file.unlink(missing_ok=True)
    wrapper = [sys.executable, str(Path(__file__).with_name("_rusage_wrap.py")), str(usage_file)]
    with open(stdout, "wb") as out:
        t0 = time.perf_counter()
        popen = subprocess.Popen(
            [*wrapper, *argv],
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        root = psutil.Process(popen.pid)
        result = TreeRun(None, 0.0, False)
        peaks: dict[int, int] = {}
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                rss_sum = pss_sum = 0
                procs = _tree(root)[1:]  # not the wrapper itself
                now: list[dict[str, Any]] = []
                for p in procs:
                    try:
                        if pss:
                            info = p.memory_full_info()
                            pss_sum += info.pss
                        else:
                            info = p.memory_info()
                        rss_sum += info.rss
                        peaks[p.pid] = max(peaks.get(p.pid, 0), info.rss)
                        result.pids.add(p.pid)
                        one = result.processes.get(p.pid)
                        if one is None:
                            one = result.processes[p.pid] = {
                                "role": process_role(p.cmdline()),
                                "peak_rss": 0,
                                "peak_pss": 0,
                            }
                        p_pss = getattr(info, "pss", 0)
                        cpu = p.cpu_times()  # the last sample's value is kept
                        one["cpu_s"] = round(cpu.user + cpu.system, 2)
                        one["peak_rss"] = max(one["peak_rss"], info.rss)
                        one["peak_pss"] = max(one["peak_pss"], p_pss)
                        now.append({"role": one["role"], "rss": info.rss, "pss": p_pss})
                    except (psutil.Error, AttributeError):
                        continue
                if rss_sum > result.peak_rss_sum:
                    result.at_peak = now
                result.peak_rss_sum = max(result.peak_rss_sum, rss_sum)
                result.peak_pss_sum = max(result.peak_pss_sum, pss_sum)
                result.max_processes = max(result.max_processes, len(procs))
                result.samples += 1
                stop.wait(interval)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        try:
            result.returncode = popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            result.timed_out = True
            for p in reversed(_tree(root)):
                try:
                    p.kill()
                except psutil.Error:
                    pass
            result.returncode = popen.wait()
        result.seconds = time.perf_counter() - t0
        stop.set()
        thread.join()
    result.sum_of_peak_rss = sum(peaks.values())
    try:
        usage = json.loads(usage_file.read_text())
        result.max_single_rss = int(usage["ru_maxrss_kib"]) * 1024  # KiB on Linux
    except (OSError, ValueError, KeyError):
        result.max_single_rss = 0  # killed on timeout: the wrapper wrote nothing
    return result


def cpu_by_role(run: TreeRun) -> dict[str, float]:
    """CPU seconds (user + system) of the tree's processes, added up per role.

    Examples
    --------
    >>> r = TreeRun(0, 1.0, False)
    >>> r.processes = {1: {"role": "kernel", "cpu_s": 2.0}, 2: {"role": "kernel", "cpu_s": 3.5},
    ...                3: {"role": "pilotbench batch", "cpu_s": 1.25}}
    >>> cpu_by_role(r)
    {'kernel': 5.5, 'pilotbench batch': 1.25}
    """
    out: dict[str, float] = {}
    for p in run.processes.values():
        out[p["role"]] = round(out.get(p["role"], 0.0) + p.get("cpu_s", 0.0), 2)
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def summary_lines(run: TreeRun) -> list[str]:
    """What :func:`main` prints: time, peak sums, the processes at the peak, per-process peaks.

    Examples
    --------
    >>> r = TreeRun(0, 12.5, False, peak_rss_sum=300 * 2**20, peak_pss_sum=200 * 2**20)
    >>> r.at_peak = [{"role": "kernel", "rss": 200 * 2**20, "pss": 150 * 2**20}]
    >>> r.processes = {7: {"role": "kernel", "peak_rss": 210 * 2**20, "peak_pss": 151 * 2**20}}
    >>> print("\\n".join(summary_lines(r)))
    12.5 s, exit 0, 0 samples
    peak of the sums: RSS 300 MiB, PSS 200 MiB
    at the peak (RSS/PSS MiB): kernel 200/150
    per-process peaks (RSS/PSS MiB): kernel 210/151
    CPU s by role: kernel 0.0
    """
    mib = 2**20

    def fmt(procs: list[dict[str, Any]], rss: str, pss: str) -> str:
        return ", ".join(
            f"{p['role']} {p[rss] / mib:.0f}/{p[pss] / mib:.0f}"
            for p in sorted(procs, key=lambda d: -d[rss])
        )

    return [
        f"{run.seconds:.1f} s, exit {run.returncode}, {run.samples} samples"
        + (" (TIMED OUT)" if run.timed_out else ""),
        f"peak of the sums: RSS {run.peak_rss_sum / mib:.0f} MiB, "
        f"PSS {run.peak_pss_sum / mib:.0f} MiB",
        f"at the peak (RSS/PSS MiB): {fmt(run.at_peak, 'rss', 'pss')}",
        f"per-process peaks (RSS/PSS MiB): "
        f"{fmt(list(run.processes.values()), 'peak_rss', 'peak_pss')}",
        "CPU s by role: " + ", ".join(f"{k} {v:.1f}" for k, v in cpu_by_role(run).items()),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run one command under :func:`run_sampled` and print :func:`summary_lines`."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--interval", type=float, default=0.2, help="seconds between samples")
    ap.add_argument("--log", type=Path, default=Path("memory-run.log"), help="command output")
    ap.add_argument("--json", type=Path, help="also write the measurement as JSON")
    ap.add_argument("--timeout", type=float, help="kill the tree after this many seconds")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    args = ap.parse_args(argv)
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        ap.error("give the command to measure after --")
    load = os.getloadavg()
    run = run_sampled(
        cmd, cwd=Path.cwd(), stdout=args.log, interval=args.interval, timeout=args.timeout
    )
    print("\n".join(summary_lines(run)))
    print(f"load average before: {load[0]:.1f}, after: {os.getloadavg()[0]:.1f}")
    if args.json:
        record = {k: v for k, v in vars(run).items() if k != "pids"}
        record |= {"command": cmd, "load_before": load, "load_after": os.getloadavg()}
        args.json.write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")
    return 0 if run.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
