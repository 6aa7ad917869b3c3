"""Build and load the tidy long panel of official statistics.

One row per area x year x indicator x sex, with columns

``area_code`` (str, leading zeros kept), ``area_name``, ``level`` (riket/lan/kommun/district),
``parent_code``, ``year``, ``indicator`` (the source's own id, e.g. ``N07402``), ``sex``
(``T`` total, ``K`` women, ``M`` men, as in Kolada's API), ``value``, ``unit``, ``source``,
``population`` (total population of the area that year, from N01951), ``count`` (an
**official** count where a source publishes one, e.g. Brå's "Antal" in imported files; null
for the snapshot) and the **estimated** count ``count_est`` with ``count_est_error``.

Counts of reported crimes are not published in the snapshot. ``count_est`` is
``round(value * population / per)``; ``count_est_error`` is the distance of the unrounded
product from that integer, which is tiny when the published rate was computed from an integer
count and the same population. Both are estimates and are labelled so in every output.

The snapshot panel is cached as Parquet in ``data/processed/`` and rebuilt automatically
whenever a raw file, the manifest or the catalogue changes. Files imported with
``pilotbench data import`` (``data/imported/``, see :mod:`research.imports`) are laid over the
snapshot at load time: where both give a value for the same cell and they differ, the import
(the newer official source) wins and the difference is kept in :func:`panel_conflicts`.

The build verifies the raw files against the manifest's checksums first and refuses to build
from files that do not match.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import polars as pl

from .areas import RIKET, load_areas, normalize_code
from .catalog import load_catalog
from .ddf import datapoint_files, read_datapoints
from .errors import DataError
from .paths import data_dir, processed_dir
from .provenance import load_manifest, verify_files

__all__ = [
    "PANEL_SCHEMA",
    "SNAPSHOT_SOURCE",
    "build_panel",
    "cache_is_current",
    "load_panel",
    "panel_conflicts",
    "panel_fingerprint",
    "series",
]

#: Bump when the build logic changes, so old caches are rebuilt.
BUILD_VERSION = 2
SNAPSHOT_SOURCE = "kolada-snapshot"
POPULATION = "N01951"

PANEL_SCHEMA: dict[str, pl.DataType] = {
    "area_code": pl.Utf8,
    "area_name": pl.Utf8,
    "level": pl.Utf8,
    "parent_code": pl.Utf8,
    "year": pl.Int32,
    "indicator": pl.Utf8,
    "sex": pl.Utf8,
    "value": pl.Float64,
    "unit": pl.Utf8,
    "source": pl.Utf8,
    "population": pl.Float64,
    "count": pl.Int64,
    "count_est": pl.Int64,
    "count_est_error": pl.Float64,
}


def build_panel(base: Path | None = None) -> pl.DataFrame:
    """Build the panel from the raw snapshot, verifying checksums first.

    Parameters
    ----------
    base
        The data folder (default: the project's ``data/``).

    Returns
    -------
    polars.DataFrame
        The long panel described in the module docstring, sorted by indicator, area, sex, year.

    Raises
    ------
    ChecksumError
        If a raw file differs from the manifest.
    ParseError
        If a raw file is malformed (the message names the file and line).
    """
    base = base or data_dir()
    verify_files(base, SNAPSHOT_SOURCE)
    catalog = load_catalog(base / "catalog.toml")
    registry = load_areas(base)
    frames = []
    for path, kpi, has_gender in datapoint_files(base / "raw" / "kolada"):
        if kpi not in catalog:
            raise DataError(
                f"{path}: indicator {kpi} is not in data/catalog.toml; add it there "
                "(labels, unit, coverage) before it can be used."
            )
        frames.append(read_datapoints(path, kpi, has_gender).with_columns(indicator=pl.lit(kpi)))
    long = pl.concat(frames)
    long = long.with_columns(
        area_code=pl.when(pl.col("geo") == "0").then(pl.lit(RIKET)).otherwise(pl.col("geo"))
    ).drop("geo")

    areas = pl.DataFrame(
        {
            "area_code": [a.code for a in registry],
            "area_name": [a.name for a in registry],
            "level": [a.level for a in registry],
            "parent_code": [a.parent_code for a in registry],
        },
        schema={
            "area_code": pl.Utf8,
            "area_name": pl.Utf8,
            "level": pl.Utf8,
            "parent_code": pl.Utf8,
        },
    )
    unknown = long.join(areas, on="area_code", how="anti")["area_code"].unique().sort()
    if len(unknown):
        raise DataError(
            f"Raw data holds area codes missing from the entity files: {unknown.to_list()[:10]}"
        )
    units = pl.DataFrame(
        {
            "indicator": list(catalog.indicators),
            "unit": [i.unit for i in catalog.indicators.values()],
            "_per": [float(i.per) if i.per else None for i in catalog.indicators.values()],
            "_den": [i.denominator for i in catalog.indicators.values()],
        },
        schema={"indicator": pl.Utf8, "unit": pl.Utf8, "_per": pl.Float64, "_den": pl.Utf8},
    )
    pop = long.filter((pl.col("indicator") == POPULATION) & (pl.col("sex") == "T")).select(
        "area_code", "year", population=pl.col("value")
    )
    panel = (
        long.join(areas, on="area_code", how="left")
        .join(units, on="indicator", how="left")
        .join(pop, on=["area_code", "year"], how="left")
        .with_columns(source=pl.lit(SNAPSHOT_SOURCE))
    )
    raw_count = pl.col("value") * pl.col("population") / pl.col("_per")
    estimable = (pl.col("_den") == POPULATION) & (pl.col("sex") == "T")
    panel = panel.with_columns(
        count=pl.lit(None, dtype=pl.Int64),
        count_est=pl.when(estimable).then(raw_count.round(0)).cast(pl.Int64),
        count_est_error=pl.when(estimable).then((raw_count - raw_count.round(0)).abs()),
    )
    panel = panel.with_columns(
        population=pl.when(pl.col("_per").is_not_null() | (pl.col("indicator") == POPULATION)).then(
            pl.col("population")
        )
    )
    return (
        panel.select(list(PANEL_SCHEMA))
        .cast(PANEL_SCHEMA)
        .sort(["indicator", "area_code", "sex", "year"])
    )


def panel_fingerprint(base: Path | None = None) -> str:
    """Return a cheap fingerprint of everything the panel is built from.

    It covers each manifest file's path, size and modification time, the manifest and the
    catalogue, and the build version, so any change to them triggers a rebuild.
    """
    base = base or data_dir()
    h = hashlib.sha256(f"build={BUILD_VERSION}".encode())
    for name in ("manifest.toml", "catalog.toml"):
        p = base / name
        h.update(p.read_bytes() if p.exists() else b"missing")
    for rec in load_manifest(base).files_of(SNAPSHOT_SOURCE):
        p = base / rec.path
        try:
            st = p.stat()
            h.update(f"{rec.path}:{st.st_size}:{st.st_mtime_ns}".encode())
        except FileNotFoundError:
            h.update(f"{rec.path}:missing".encode())
    return h.hexdigest()


_MEMO: dict[tuple[str, str], pl.DataFrame] = {}


def cache_is_current(base: Path | None = None) -> bool:
    """True when the Parquet cache exists and matches the raw files' fingerprint."""
    base = (base or data_dir()).resolve()
    meta_path = processed_dir(base) / "panel.json"
    if not (processed_dir(base) / "panel.parquet").exists() or not meta_path.exists():
        return False
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, json.JSONDecodeError):
        return False
    return meta.get("fingerprint") == panel_fingerprint(base)


def _atomic_write_parquet(df: pl.DataFrame, target: Path, meta: dict) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".panel-", suffix=".parquet")
    os.close(fd)
    try:
        df.write_parquet(tmp, compression="zstd", statistics=False)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    meta_path = target.with_suffix(".json")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".panel-", suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump(meta, fh, indent=1)
    os.replace(tmp, meta_path)


def _imports_fingerprint(base: Path) -> str:
    ledger = base / "imported" / "imports.json"
    try:
        st = ledger.stat()
    except FileNotFoundError:
        return "none"
    return f"{st.st_size}:{st.st_mtime_ns}"


_CONFLICTS: dict[str, pl.DataFrame] = {}


def panel_conflicts(base: Path | None = None) -> pl.DataFrame:
    """Cells where an imported file and the snapshot disagree (the import's value is used).

    Call after :func:`load_panel`; an empty frame when there are none.
    """
    base = (base or data_dir()).resolve()
    load_panel(base)
    return _CONFLICTS.get(str(base), pl.DataFrame())


def load_panel(base: Path | None = None, *, rebuild: bool = False) -> pl.DataFrame:
    """Return the panel: the snapshot (cached) with imported files laid over it.

    Parameters
    ----------
    base
        The data folder (default: the project's ``data/``).
    rebuild
        Force a rebuild of the snapshot panel from the raw files.

    Examples
    --------
    >>> panel = load_panel()
    >>> panel.filter(pl.col("indicator") == "N07402")["area_code"].dtype
    String
    """
    base = (base or data_dir()).resolve()
    key = (str(base), "merged:" + panel_fingerprint(base) + _imports_fingerprint(base))
    if not rebuild and key in _MEMO:
        return _MEMO[key]
    snapshot = _load_snapshot(base, rebuild=rebuild)
    if _imports_fingerprint(base) == "none":
        merged, conflicts = snapshot, pl.DataFrame()
    else:
        from .imports import load_imports, merge_with_snapshot

        imports = load_imports(base)
        if imports.is_empty():
            merged, conflicts = snapshot, pl.DataFrame()
        else:
            merged, conflicts = merge_with_snapshot(snapshot, imports)
            merged = merged.select(list(PANEL_SCHEMA)).cast(PANEL_SCHEMA)
    _CONFLICTS[str(base)] = conflicts
    _MEMO[key] = merged
    return merged


def _load_snapshot(base: Path, *, rebuild: bool = False) -> pl.DataFrame:
    """Return the snapshot panel, from the Parquet cache when it is current, else rebuilt."""
    fp = panel_fingerprint(base)
    key = (str(base), fp)
    if not rebuild and key in _MEMO:
        return _MEMO[key]
    cache = processed_dir(base) / "panel.parquet"
    meta_path = cache.with_suffix(".json")
    if not rebuild and cache.exists() and meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, json.JSONDecodeError):
            meta = {}
        if meta.get("fingerprint") == fp:
            df = pl.read_parquet(cache)
            _MEMO[key] = df
            return df
    df = build_panel(base)
    _atomic_write_parquet(
        df, cache, {"fingerprint": fp, "rows": df.height, "build_version": BUILD_VERSION}
    )
    _MEMO[key] = df
    return df


def series(
    panel: pl.DataFrame,
    indicator: str,
    areas: list[str] | None = None,
    *,
    sex: str = "T",
    years: tuple[int, int] | None = None,
) -> pl.DataFrame:
    """Return the rows of one indicator (for some areas and years), sorted by area and year.

    Parameters
    ----------
    panel
        The long panel (:func:`load_panel`).
    indicator
        Indicator id, e.g. ``"N07402"`` (case-insensitive).
    areas
        Area codes or names (``"0126"``, ``"Huddinge"``, ``"Sodertalje"``); ``None`` for all.
    sex
        ``"T"`` (total), ``"K"`` or ``"M"``.
    years
        First and last year, inclusive.

    Returns
    -------
    polars.DataFrame
        The panel's rows, sorted by ``area_code`` and ``year``.

    Raises
    ------
    UnknownAreaError
        If an area is neither a code in the panel nor a known name or code; the message
        suggests close names.
    AreaCodeTypeError
        If an area is given as a number.

    Examples
    --------
    >>> s = series(load_panel(), "N07402", ["Huddinge"], years=(2020, 2022))
    >>> s["area_code"].unique().to_list(), s["year"].to_list()
    (['0126'], [2020, 2021, 2022])
    """
    q = panel.filter((pl.col("indicator") == indicator.upper()) & (pl.col("sex") == sex))
    if areas is not None:
        q = q.filter(pl.col("area_code").is_in(_area_codes(panel, areas)))
    if years is not None:
        q = q.filter(pl.col("year").is_between(years[0], years[1]))
    return q.sort(["area_code", "year"])


def _area_codes(panel: pl.DataFrame, areas: list[str]) -> list[str]:
    """Codes for ``areas``: a code present in the panel as it is, anything else resolved by
    name or code through the area registry (an unknown area raises, never matches nothing)."""
    if isinstance(areas, str):  # a single name would otherwise be split into letters
        areas = [areas]
    present = set(panel["area_code"].unique().to_list())
    codes = []
    for a in areas:
        code = normalize_code(a)
        codes.append(code if code in present else load_areas().resolve(code).code)
    return codes
