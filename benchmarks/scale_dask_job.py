"""Benchmark 4b job: a Dask LocalCluster with two worker processes, and a batch sent to it.

Run by ``bench_scale.py`` as one process tree (this process, the cluster's nannies and
workers, their kernels), so its memory can be sampled like the local batch's::

    .venv/bin/python benchmarks/scale_dask_job.py SCHEDULE OUTPUT RESULT_JSON

The cluster's start-up is part of the wall time (the caller times the whole command); the
batch's own seconds are written to ``RESULT_JSON``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

__all__ = ["main"]


def main(argv: list[str]) -> int:
    """Start the cluster, run the schedule on it, write a summary; 0 when every report ran."""
    import distributed

    from research.runner.batch import expand_schedule, load_schedule, run_batch

    schedule, output, result = Path(argv[0]), Path(argv[1]), Path(argv[2])
    t0 = time.perf_counter()
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        started = time.perf_counter() - t0
        tasks = expand_schedule(load_schedule(schedule), str(schedule))
        res = run_batch(tasks, output_root=output, dask=cluster.scheduler_address, progress=False)
    summary = {
        "cluster_start_s": round(started, 3),
        "batch_s": round(res.seconds, 3),
        "reports": len(res.results),
        "failed": len(res.failed),
        "distributed": distributed.__version__,
    }
    result.write_text(json.dumps(summary, indent=1))
    return 0 if not res.failed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
