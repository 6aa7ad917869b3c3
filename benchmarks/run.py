"""pilotbench benchmarks, each with its baseline run in the same invocation (``make bench``).

Usage::

    .venv/bin/python benchmarks/run.py                # full run (about 10-15 minutes)
    .venv/bin/python benchmarks/run.py --quick        # 5 kommuner, fewer repeats, 2 min cap
    .venv/bin/python benchmarks/run.py --only data,synth

Prints a table (benchmark, ours median [min-max], baseline, ratio, target, met?) and writes
``benchmarks/results/YYYYmmdd-HHMMSS.json`` and ``benchmarks/results/latest.json``. The exit
status is non-zero only when a benchmark could not run (an error, a failed report); a missed
target is reported in the table and the JSON, never hidden and never an error.
See ``benchmarks/README.md`` for what each number means.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

from benchstats import Measurement, format_table  # noqa: E402
from machine import load_average, machine_info  # noqa: E402

BENCHMARKS = ("report", "batch", "synth", "data", "did", "scale")
_BLAS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _pin_blas(threads: str) -> dict[str, str]:
    """Pin BLAS thread pools in this process and every process it starts.

    Must run before numpy is imported. On a small machine shared with other work, OpenBLAS
    threads spinning on tiny matrices turn timings into noise (one pysyncon fit of the 39x31
    panel: 10 s with one thread, 28 s with the default two, next to two busy processes).
    """
    if threads != "default":
        if "numpy" in sys.modules:
            raise RuntimeError("BLAS threads must be pinned before numpy is imported")
        for var in _BLAS_VARS:
            os.environ[var] = threads
    return {var: os.environ.get(var, "") for var in _BLAS_VARS}


def _log(msg: str) -> None:
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {msg}", flush=True)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="5 kommuner, fewer repeats (dev)")
    p.add_argument(
        "--only", help=f"comma-separated subset of {','.join(BENCHMARKS)} (default: all)"
    )
    p.add_argument("--repeats", type=int, help="repeats of the fast benchmarks (default 5)")
    p.add_argument("--batch-repeats", type=int, help="repeats of the batch pair (default 1)")
    p.add_argument(
        "--synth-timeout",
        type=float,
        help="time limit of each pysyncon run in seconds (default 300; --quick 120)",
    )
    p.add_argument(
        "--synth-panel",
        choices=("none", "fit", "placebo"),
        default="placebo",
        help="39x31 panel: nothing, the single fit, or fit + placebo test (default)",
    )
    p.add_argument(
        "--blas-threads",
        default="1",
        help="BLAS threads in every process (default 1; 'default' leaves the environment)",
    )
    p.add_argument(
        "--scale-timeout",
        type=float,
        default=300.0,
        help="time limit of the 290-donor placebo-in-space run in seconds (default 300)",
    )
    p.add_argument("--no-save", action="store_true", help="do not write benchmarks/results/")
    return p.parse_args(argv)


def _result(
    info: dict,
    config: dict,
    loads: dict,
    timings: dict,
    t_start: float,
    rows: list[Measurement],
    errors: dict[str, str],
    complete: bool,
) -> dict:
    """The JSON document of a run; ``complete`` is false while benchmarks are still to run."""
    return {
        "machine": info,
        "config": config,
        "complete": complete,
        "load_average": loads,
        "seconds_per_benchmark": timings,
        "total_seconds": round(time.perf_counter() - t_start, 1),
        "results": [r.as_dict() for r in rows],
        "errors": errors,
    }


def _write_json(path: Path, result: dict) -> None:
    """Write ``result`` to ``path`` through a temporary file: a stopped run leaves no torn file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; return the exit status."""
    args = _parse(argv)
    blas = _pin_blas(args.blas_threads)
    only = BENCHMARKS if not args.only else tuple(x.strip() for x in args.only.split(","))
    unknown = [x for x in only if x not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {', '.join(BENCHMARKS)}")
        return 2
    repeats = args.repeats or (3 if args.quick else 5)
    batch_repeats = args.batch_repeats or 1
    timeout = args.synth_timeout or (120.0 if args.quick else 300.0)
    work = HERE / ".work"
    work.mkdir(parents=True, exist_ok=True)
    info = machine_info(ROOT)
    config = {
        "quick": args.quick,
        "only": list(only),
        "repeats": repeats,
        "report_repeats": 2 if args.quick else 3,
        "batch_repeats": batch_repeats,
        "synth_timeout_s": timeout,
        "synth_panel": args.synth_panel,
        "scale_timeout_s": args.scale_timeout,
        "blas_threads_env": blas,
    }
    _log(f"pilotbench benchmarks on {info['cpu_model']} x{info['cores']}, load {load_average()}")
    rows: list[Measurement] = []
    errors: dict[str, str] = {}
    timings: dict[str, float] = {}
    loads: dict[str, list[float]] = {}
    t_start = time.perf_counter()
    saved = None
    if not args.no_save:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        saved = HERE / "results" / f"{stamp}.json"
        _log(f"results go to {saved} (rewritten after each benchmark)")
    for name in only:
        t0 = time.perf_counter()
        loads[f"{name}_start"] = load_average()
        try:
            if name == "report":
                import bench_report

                rows += bench_report.run(ROOT, work, config["report_repeats"], _log)
            elif name == "batch":
                import bench_batch

                got, ok = bench_batch.run(
                    ROOT, work, batch_repeats, 5 if args.quick else None, _log
                )
                rows += got
                if not ok:
                    errors["batch"] = "some reports were not produced; see the log above"
            elif name == "synth":
                import bench_synth

                rows += bench_synth.run(ROOT, work, repeats, timeout, _log, panel=args.synth_panel)
            elif name == "data":
                import bench_data

                rows += bench_data.run(ROOT, work, max(5, repeats), _log)
            elif name == "scale":
                import bench_scale

                got, ok = bench_scale.run(
                    ROOT, work, _log, quick=6 if args.quick else None, timeout=args.scale_timeout
                )
                rows += got
                if not ok:
                    errors["scale"] = "some reports were not produced; see the log above"
            elif name == "did":
                import bench_did

                rows += bench_did.run(ROOT, work, 1 if args.quick else 3, 1800.0, _log)
        except Exception:
            errors[name] = traceback.format_exc()
            _log(f"{name} FAILED:\n{errors[name]}")
        timings[name] = round(time.perf_counter() - t0, 1)
        loads[f"{name}_end"] = load_average()
        if saved is not None:
            # What has been measured so far, so a run stopped later keeps it (issue 17: the
            # full run takes 40+ minutes). ``complete`` stays false until the last benchmark.
            partial = _result(info, config, loads, timings, t_start, rows, errors, False)
            _write_json(saved, partial)
    total = time.perf_counter() - t_start
    info["load_average_end"] = load_average()
    print()
    print(format_table(rows))
    print()
    for r in rows:
        if r.note:
            print(f"- {r.name}: {r.note}")
    for r in rows:
        if r.extra and r.extra.get("phases_s"):
            from bench_report import format_phases

            print(f"\nwhere the time goes in {r.name} ({r.extra.get('phases_note', '')}):")
            print(format_phases(r.extra["phases_s"]))
    print(f"\ntotal {total / 60:.1f} min; load average {loads}")
    result = _result(info, config, loads, timings, t_start, rows, errors, True)
    if saved is not None:
        _write_json(saved, result)
        _write_json(saved.with_name("latest.json"), result)
        print(f"results: {saved}")
    if errors:
        print(f"ERRORS in: {', '.join(errors)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
