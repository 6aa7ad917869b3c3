"""Which years and indicators the panel holds for an area, for the reports' parameter checks.

The parameter checks (``research/views/<report>/checks.py``) run in the command's and a
batch's own process before a kernel starts, where polars must not be loaded for the common
case (``tests/test_batch_process_imports.py``). The catalogue's ``coverage`` answers for the
indicators of the Kolada snapshot without the panel; the panel is read (and polars imported)
only where the catalogue cannot answer: Brå categories, which exist only as imported files
(their catalogue coverage is nominal), districts, whose figures all come from imports, and to
confirm before a refusal that an import has not extended a snapshot indicator's years.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

from research.data.bra_categories import BRA_CATEGORIES
from research.data.catalog import Catalog, Indicator

__all__ = [
    "area_indicators",
    "imported_only",
    "indicators_with_data",
    "panel_counts",
    "panel_years",
]


def imported_only(ind: Indicator) -> bool:
    """Whether ``ind``'s values come only from imported files (a Brå category)."""
    return ind.id in BRA_CATEGORIES


def _cache_file(indicator: str) -> Path:
    """The cache of :func:`panel_counts` for ``indicator``, named by the data's fingerprint."""
    from research.core.paths import cache_dir, data_dir
    from research.data.fingerprint import imports_fingerprint, panel_fingerprint

    base = data_dir()
    key = hashlib.sha256((panel_fingerprint(base) + imports_fingerprint(base)).encode())
    return cache_dir() / "panel-counts" / f"{key.hexdigest()[:20]}-{indicator}.json"


def _counts_by_area(indicator: str) -> dict[str, list[list[int]]]:
    """Every area's ``[year, count]`` with a value, a count and a population (polars)."""
    import polars as pl

    from research.data.panel import load_panel

    rows = load_panel().filter(
        (pl.col("indicator") == indicator)
        & (pl.col("sex") == "T")
        & pl.col("value").is_not_null()
        & pl.col("count_est").is_not_null()
        & pl.col("population").is_not_null()
    )
    out: dict[str, list[list[int]]] = {}
    cols = rows.select("area_code", "year", "count_est").sort("area_code", "year")
    for code, year, count in cols.iter_rows():
        out.setdefault(str(code), []).append([int(year), int(count)])
    return out


def panel_years(indicator: str, code: str) -> list[int]:
    """The years with a value, a count and a population of ``indicator`` for area ``code``."""
    return sorted(panel_counts(indicator, code))


def panel_counts(indicator: str, code: str) -> dict[int, int]:
    """The (estimated) count of ``indicator`` for area ``code`` by year.

    The years where the panel has its value, count and population.
    Read from a small JSON cache in :func:`research.core.paths.cache_dir` keyed by the data's
    fingerprint (the raw files and the import ledger), so that checking the same data again
    does not import polars; on a miss the panel is read (polars) and the indicator's counts
    for every area are stored (one file per indicator).
    """
    path = _cache_file(indicator)
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = None
    if not isinstance(cached, dict):
        cached = _counts_by_area(indicator)
        with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(cached), encoding="utf-8")
            tmp.replace(path)  # atomic: a concurrent reader sees the old file or this one
    return {int(y): int(n) for y, n in cached.get(code, [])}


def indicators_with_data(cat: Catalog, codes: Sequence[str], panel: object = None) -> list[str]:
    """Default indicators of a comparison of the areas ``codes``.

    The catalogue's default violence indicators when every area has data for them, else every
    violence indicator (e.g. imported Brå categories) that every area has data for. Reads the
    panel (polars) unless one is given.
    """
    import polars as pl

    from research.data.panel import load_panel

    frame: pl.DataFrame = load_panel() if panel is None else panel  # type: ignore[assignment]
    have = set(
        frame.filter(pl.col("area_code").is_in(list(codes)) & pl.col("value").is_not_null())
        .group_by("indicator")
        .agg(pl.col("area_code").n_unique().alias("n"))
        .filter(pl.col("n") == len(set(codes)))["indicator"]
        .to_list()
    )
    defaults = [i for i in cat.violence_indicators(default_only=True) if i in have]
    if defaults:
        return defaults
    return [i for i in cat.violence_indicators() if i in have]


def area_indicators(code: str) -> set[str]:
    """The indicators the panel has any value of for area ``code``; reads the panel (polars)."""
    import polars as pl

    from research.data.panel import load_panel

    rows = load_panel().filter((pl.col("area_code") == code) & pl.col("value").is_not_null())
    return set(rows["indicator"].unique().to_list())
