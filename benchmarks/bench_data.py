"""Benchmark 4: panel build from the raw files, panel load from the cache, one screening.

All in this process, after one untimed warm-up of each (imports, first file reads):

* ``build_panel()``: verify checksums and build the long panel from ``data/raw`` (no cache);
* ``load_panel()`` with the in-process memo cleared (``research.data.panel._MEMO.clear()``):
  read the parquet cache (and lay any imported files over it);
* ``screen_candidates(load_panel())``: rank all 290 kommuner (the panel already in memory).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from benchstats import Measurement, summarize, target_met

__all__ = ["run"]


def _time(fn: Callable[[], object], repeats: int, before: Callable[[], None] | None = None):
    out = []
    for _ in range(repeats):
        if before is not None:
            before()
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def run(root: Path, work: Path, repeats: int, log) -> list[Measurement]:
    """Time build, load and screening ``repeats`` times each (load: 4x as many)."""
    from research.analyses.screening import screen_candidates
    from research.data import panel as datasets

    log(f"data: build x{repeats}, load x{4 * repeats}, screening x{repeats}")
    datasets.build_panel()
    datasets._MEMO.clear()
    panel = datasets.load_panel()
    n_kommuner = screen_candidates(panel).height

    build = summarize(_time(datasets.build_panel, repeats))
    load = summarize(_time(datasets.load_panel, 4 * repeats, before=datasets._MEMO.clear))
    panel = datasets.load_panel()
    from research.stats import power

    def cold() -> None:  # the exact-test MDEs are remembered per baseline: time them afresh
        power._mde_exact_one.cache_clear()
        power._exact_test.cache_clear()

    screen = summarize(_time(lambda: screen_candidates(panel), repeats, before=cold))
    warm = summarize(_time(lambda: screen_candidates(panel), repeats))
    return [
        Measurement(
            "4a. panel build from raw files",
            build,
            target="< 2 s",
            met=target_met(build.median, "<", 2.0),
            note="build_panel(): checksums + raw files -> long panel",
            extra={"rows": panel.height},
        ),
        Measurement(
            "4b. panel load from cache",
            load,
            target="< 50 ms",
            met=target_met(load.median, "<", 0.050),
            note="load_panel() with research.data.panel._MEMO cleared before each call",
        ),
        Measurement(
            f"4c. screening of {n_kommuner} kommuner",
            screen,
            note="screen_candidates(load_panel()), panel in memory, the exact-test MDE "
            "cache cleared before each call (a first screening in a process)",
            extra={"kommuner": n_kommuner, "again_in_the_same_process_s": warm.median},
        ),
    ]
