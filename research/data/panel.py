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
Imported rates get them by the same rule (:func:`estimate_counts`) when they are laid over
the snapshot: a rate of an indicator whose catalogue denominator is ``N01951``, sex ``T``,
times the row's population, else the panel's total population for that area and year
(``N01951``, else an imported SCB ``BE0101N1``).

The snapshot panel is cached as Parquet in ``data/processed/`` and rebuilt automatically
whenever a raw file, the manifest or the catalogue changes. Files imported with
``pilotbench data import`` (``data/imported/``, see :mod:`research.data.imports`) are laid over the
snapshot at load time: where both give a value for the same cell and they differ, the import
(the newer official source) wins and the difference is kept in :func:`panel_conflicts`.

The build verifies the raw files against the manifest's checksums first and refuses to build
from files that do not match.
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from pathlib import Path

import polars as pl

from research.core.ddf import datapoint_files, read_datapoints
from research.core.errors import ArgumentError, DataError
from research.core.i18n import load_catalogue
from research.core.locking import (
    FolderNotWritableError,
    atomic_write_bytes,
    data_lock,
)
from research.core.paths import data_dir, processed_dir
from research.core.warnings import CacheNotWrittenWarning
from research.geo.area import RIKET, normalize_code
from research.geo.registry import load_areas

from .catalog import load_catalog
from .fingerprint import (
    BUILD_VERSION,
    SNAPSHOT_SOURCE,
    _raw_files,
    imports_fingerprint,
    panel_fingerprint,
    raw_digests,
)
from .provenance import load_manifest, verify_files
from .schema import PANEL_SCHEMA

__all__ = [
    "PANEL_SCHEMA",
    "SNAPSHOT_SOURCE",
    "CacheNotWrittenWarning",
    "build_panel",
    "cache_is_current",
    "estimate_counts",
    "imports_fingerprint",
    "load_panel",
    "load_snapshot",
    "panel_conflicts",
    "panel_fingerprint",
    "population_by",
    "raw_digests",
    "series",
]

#: Error messages in Swedish and English (research/data/panel.toml).
_TEXTS = load_catalogue(Path(__file__).with_name("panel.toml"))

POPULATION = "N01951"


def population_by(panel: pl.DataFrame, code: str, year: int) -> tuple[float, int] | None:
    """An area's total population in ``year``, or its latest before then: ``(value, year)``.

    ``None`` when the panel has no population of ``code`` up to ``year``. The one rule of
    the reports for a share of like with like: the district's figure over its kommun's
    population of the same year.

    Examples
    --------
    >>> df = pl.DataFrame({"indicator": ["N01951"] * 2, "area_code": ["0180"] * 2,
    ...                    "sex": ["T"] * 2, "year": [2018, 2020], "value": [9.6e5, 9.8e5]})
    >>> population_by(df, "0180", 2019), population_by(df, "0180", 2017)
    ((960000.0, 2018), None)
    """
    pop = panel.filter(
        (pl.col("indicator") == POPULATION)
        & (pl.col("area_code") == code)
        & (pl.col("sex") == "T")
        & pl.col("value").is_not_null()
        & (pl.col("year") <= year)
    ).sort("year")
    if pop.is_empty():
        return None
    return float(pop["value"][-1]), int(pop["year"][-1])


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
    DataError
        If ``raw/kolada`` holds a file the manifest does not list.
    """
    base = base or data_dir()
    verify_files(base, SNAPSHOT_SOURCE)
    listed = {rec.path for rec in load_manifest(base).files_of(SNAPSHOT_SOURCE)}
    unlisted = [rel for rel in _raw_files(base) if rel not in listed]
    if unlisted:
        en, sv = _TEXTS.both("raw_file_not_in_manifest", path=base / unlisted[0])
        raise DataError(en, sv=sv)
    catalog = load_catalog(base / "catalog.toml")
    registry = load_areas(base)
    frames = []
    for path, kpi, has_gender in datapoint_files(base / "raw" / "kolada"):
        if kpi not in catalog:
            en, sv = _TEXTS.both("indicator_not_in_catalogue", path=path, kpi=kpi)
            raise DataError(en, sv=sv)
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
        en, sv = _TEXTS.both("unknown_area_codes", codes=unknown.to_list()[:10])
        raise DataError(en, sv=sv)
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
    panel = panel.with_columns(count=pl.lit(None, dtype=pl.Int64), **_count_est())
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


def _count_est() -> dict[str, pl.Expr]:
    """``count_est`` and ``count_est_error`` from ``value``, ``population``, ``_per``, ``_den``.

    The one rule for the snapshot and for imported rates: an estimate where the indicator's
    denominator is the population (``N01951``) and the row is for both sexes.
    """
    raw_count = pl.col("value") * pl.col("population") / pl.col("_per")
    estimable = (pl.col("_den") == POPULATION) & (pl.col("sex") == "T")
    return {
        "count_est": pl.when(estimable).then(raw_count.round(0)).cast(pl.Int64),
        "count_est_error": pl.when(estimable).then((raw_count - raw_count.round(0)).abs()),
    }


def estimate_counts(merged: pl.DataFrame, base: Path | None = None) -> pl.DataFrame:
    """Give imported rows the population and estimated counts the snapshot's rows have.

    Rows whose ``source`` is not the snapshot's: a population row (``N01951``/``BE0101N1``,
    sex ``T``) gets its value as ``population``; a row of an indicator with a rate base gets
    the area's total population of that year as the panel now has it (``N01951``, else
    ``BE0101N1``, from ``merged``; the row's own where there is none); and
    ``count_est``/``count_est_error`` are derived as in :func:`build_panel` where the row has
    none. The snapshot's rows are left as built.

    Examples
    --------
    >>> from research.data.sources.common import build_frame
    >>> row = dict(area_code="0126", area_name="Huddinge", level="kommun", parent_code="01",
    ...            year=2023, sex="T", unit="", source="kolada-import:k.json")
    >>> df = build_frame([{**row, "indicator": "N07402", "value": 55.9},
    ...                   {**row, "indicator": "N01951", "value": 114504.0}])
    >>> est = estimate_counts(df).filter(pl.col("indicator") == "N07402")
    >>> est.select("population", "count_est").row(0)  # 55.9 x 114 504 / 100 000 = 64.0
    (114504.0, 64)
    """
    imported = pl.col("source") != SNAPSHOT_SOURCE
    needs = imported & pl.col("count_est").is_null() if "count_est" in merged.columns else imported
    if merged.is_empty() or not merged.select(needs.any()).item():
        return merged
    if "count_est" not in merged.columns:
        merged = merged.with_columns(
            count_est=pl.lit(None, dtype=pl.Int64), count_est_error=pl.lit(None, dtype=pl.Float64)
        )
    catalog = load_catalog((base or data_dir()) / "catalog.toml")
    units = pl.DataFrame(
        {
            "indicator": list(catalog.indicators),
            "_per": [float(i.per) if i.per else None for i in catalog.indicators.values()],
            "_den": [i.denominator for i in catalog.indicators.values()],
        },
        schema={"indicator": pl.Utf8, "_per": pl.Float64, "_den": pl.Utf8},
    )
    totals = (
        merged.filter(
            pl.col("indicator").is_in([POPULATION, "BE0101N1"])
            & (pl.col("sex") == "T")
            & pl.col("value").is_not_null()
        )
        .sort(pl.col("indicator") == POPULATION, descending=True)  # N01951 first
        .unique(subset=["area_code", "year"], keep="first")
        .select("area_code", "year", _total="value")
    )
    is_pop_row = pl.col("indicator").is_in([POPULATION, "BE0101N1"]) & (pl.col("sex") == "T")
    out = (
        merged.with_row_index("_i")
        .join(units, on="indicator", how="left")
        .join(totals, on=["area_code", "year"], how="left")
        .with_columns(
            population=pl.when(imported & is_pop_row)
            .then(pl.col("value"))
            .when(imported & pl.col("_per").is_not_null())
            .then(pl.coalesce("_total", "population"))
            .otherwise(pl.col("population"))
        )
    )
    est = _count_est()
    fill = imported & pl.col("count_est").is_null()
    out = out.with_columns(
        count_est=pl.when(fill).then(est["count_est"]).otherwise(pl.col("count_est")),
        count_est_error=pl.when(fill)
        .then(est["count_est_error"])
        .otherwise(pl.col("count_est_error")),
    )
    return out.sort("_i").select(merged.columns)


_MEMO: dict[tuple[str, str], pl.DataFrame] = {}


def _read_cache(base: Path, fp: str) -> pl.DataFrame | None:
    """Return the cached panel when it was built from ``fp`` and its bytes are intact."""
    cache = processed_dir(base) / "panel.parquet"
    meta_path = cache.with_suffix(".json")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or meta.get("fingerprint") != fp:
            return None
        data = cache.read_bytes()
    except (OSError, ValueError):
        return None
    if hashlib.sha256(data).hexdigest() != meta.get("parquet_sha256"):
        return None  # damaged, or replaced by a concurrent build between the two files
    try:
        df = pl.read_parquet(io.BytesIO(data))
    except Exception:  # a damaged cache is rebuilt, whatever the reader says
        return None
    if dict(df.schema) != PANEL_SCHEMA:
        return None
    return df


def cache_is_current(base: Path | None = None) -> bool:
    """True when the Parquet cache exists, is intact and matches the raw files' checksums."""
    base = (base or data_dir()).resolve()
    return _read_cache(base, panel_fingerprint(base)) is not None


def _write_cache(df: pl.DataFrame, base: Path, fp: str) -> None:
    """Write the cache (call while holding :func:`research.core.locking.data_lock`)."""
    target = processed_dir(base) / "panel.parquet"
    buf = io.BytesIO()
    df.write_parquet(buf, compression="zstd", statistics=False)
    data = buf.getvalue()
    meta = {
        "fingerprint": fp,
        "rows": df.height,
        "build_version": BUILD_VERSION,
        "parquet_sha256": hashlib.sha256(data).hexdigest(),
    }
    atomic_write_bytes(target, data, prefix=".panel-")
    atomic_write_bytes(
        target.with_suffix(".json"), json.dumps(meta, indent=1).encode(), prefix=".panel-"
    )


_CONFLICTS: dict[str, pl.DataFrame] = {}


def panel_conflicts(base: Path | None = None) -> pl.DataFrame:
    """Cells where an imported file and the snapshot disagree (the import's value is used).

    Call after :func:`load_panel`; an empty frame when there are none.
    """
    base = (base or data_dir()).resolve()
    load_panel(base)
    return _CONFLICTS.get(str(base), pl.DataFrame())


def load_panel(base: Path | str | None = None, *, rebuild: bool = False) -> pl.DataFrame:
    """Return the panel: the snapshot (cached) with imported files laid over it.

    The raw files' checksums are verified against ``data/manifest.toml`` before the cache is
    trusted; a cache built from other files is rebuilt.

    Parameters
    ----------
    base
        The data folder (default: the project's ``data/`` or ``$PILOTBENCH_DATA``).
    rebuild
        Force a rebuild of the snapshot panel from the raw files.

    Returns
    -------
    polars.DataFrame
        The long panel, one row per area, year, indicator and sex, with the columns of
        :data:`research.data.schema.PANEL_SCHEMA`: ``value`` in the indicator's unit (rates
        per 100 000 inhabitants for crime), ``population`` (inhabitants), ``count`` (reported
        offences where published) and ``count_est`` (estimated from rate and population, with
        ``count_est_error`` its rounding error bound).

    Raises
    ------
    DataError
        A raw file is missing, altered (checksum) or malformed (file and line named), or the
        import ledger is damaged.

    References
    ----------
    Kolada (RKA), the open-numbers snapshot ``open-numbers/ddf--kolada--dump`` at commit
    ``8501d5c7``, with its sources Brå (reported crimes) and SCB (population); origin,
    licence and checksums in ``data/manifest.toml``.

    Examples
    --------
    >>> panel = load_panel()
    >>> panel.filter(pl.col("indicator") == "N07402")["area_code"].dtype
    String
    """
    base = Path(base or data_dir()).resolve()  # a path given as text too
    if not base.is_dir():
        en, sv = _TEXTS.both("no_data_folder", base=base)
        raise DataError(en, sv=sv)
    key = (str(base), "merged:" + panel_fingerprint(base) + imports_fingerprint(base))
    if not rebuild and key in _MEMO:
        return _MEMO[key]
    snapshot = _load_snapshot(base, rebuild=rebuild)
    ledger_fp = imports_fingerprint(base)
    if ledger_fp == "none":
        merged, conflicts = snapshot, pl.DataFrame()
    else:
        from .import_store import load_imports, merge_with_snapshot

        try:
            imports = load_imports(base)
        except DataError:
            if imports_fingerprint(base) == ledger_fp:
                raise
            imports = load_imports(base)  # a concurrent import/removal committed meanwhile
        if imports.is_empty():
            merged, conflicts = snapshot, pl.DataFrame()
        else:
            merged, conflicts = merge_with_snapshot(snapshot, imports)
            merged = estimate_counts(merged.select(list(PANEL_SCHEMA)).cast(PANEL_SCHEMA), base)
    _CONFLICTS[str(base)] = conflicts
    _MEMO[key] = merged
    return merged


def load_snapshot(base: Path | None = None) -> pl.DataFrame:
    """Return the snapshot panel alone, without the imported files (cached like :func:`load_panel`).

    What ``pilotbench data info`` describes as the snapshot: its own rows, indicators and areas.
    """
    base = (base or data_dir()).resolve()
    if not base.is_dir():
        en, sv = _TEXTS.both("no_data_folder", base=base)
        raise DataError(en, sv=sv)
    return _load_snapshot(base)


def _warn_not_cached(exc: Exception) -> None:
    warnings.warn(
        CacheNotWrittenWarning(
            f"{exc}; the panel was built in memory and not cached", reason=str(exc)
        ),
        stacklevel=3,
    )


def _load_snapshot(base: Path, *, rebuild: bool = False) -> pl.DataFrame:
    """Return the snapshot panel, from the Parquet cache when it is current, else rebuilt.

    The rebuild runs under the data folder's lock (a concurrent build waits and then uses
    the cache the first one wrote). When the folder cannot be written, the panel is built in
    memory and a :class:`CacheNotWrittenWarning` says why.
    """
    fp = panel_fingerprint(base)
    key = (str(base), fp)
    if not rebuild and key in _MEMO:
        return _MEMO[key]
    if not rebuild:
        df = _read_cache(base, fp)
        if df is not None:
            _MEMO[key] = df
            return df
    try:
        with data_lock(base, "build"):
            fp = panel_fingerprint(base)
            df = None if rebuild else _read_cache(base, fp)  # a concurrent build may have won
            if df is None:
                df = build_panel(base)
                try:
                    _write_cache(df, base, fp)
                except FolderNotWritableError as exc:
                    _warn_not_cached(exc)
    except FolderNotWritableError as exc:  # the lock itself cannot be taken: read-only data/
        df = build_panel(base)
        _warn_not_cached(exc)
    _MEMO[(str(base), fp)] = df
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
        Area codes or names (``"0126"``, ``"Huddinge"``, ``"Sodertalje"``), or official group
        references (``"skr:Storstäder"``, ``"kolada:G92793"``; see :mod:`research.data.groups`) that
        stand for their member kommuner; ``None`` for all.
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
    UnknownIndicatorError
        If ``indicator`` is neither in the panel nor in the catalogue (close ids suggested).
    ArgumentError
        If ``sex`` is not ``"T"``, ``"K"`` or ``"M"``, or ``years`` is not two years in order.

    References
    ----------
    The panel of :func:`load_panel` (Kolada snapshot, Brå, SCB; see ``data/manifest.toml``);
    area names as in SCB's register of kommuner and län.

    Examples
    --------
    >>> s = series(load_panel(), "N07402", ["Huddinge"], years=(2020, 2022))
    >>> s["area_code"].unique().to_list(), s["year"].to_list()
    (['0126'], [2020, 2021, 2022])
    """
    _check_series_args(panel, indicator, sex, years)
    q = panel.filter((pl.col("indicator") == indicator.upper()) & (pl.col("sex") == sex))
    if areas is not None:
        from .groups import expand_group_references

        areas = expand_group_references([areas] if isinstance(areas, str) else areas)[0]
        q = q.filter(pl.col("area_code").is_in(_area_codes(panel, areas)))
    if years is not None:
        q = q.filter(pl.col("year").is_between(years[0], years[1]))
    return q.sort(["area_code", "year"])


def _check_series_args(panel: pl.DataFrame, indicator: object, sex: object, years: object) -> None:
    """Refuse what :func:`series` would otherwise answer with an empty frame.

    A misspelt indicator (``"N0740"``), a sex other than T/K/M and a window that is not two
    years in order returned no rows and no word of why.
    """
    if not isinstance(indicator, str):
        en, sv = _TEXTS.both("series_indicator_type", value=repr(indicator))
        raise ArgumentError(en, sv=sv)
    if indicator.upper() not in set(panel["indicator"].unique().to_list()):
        load_catalog().get(indicator)  # an unknown id: its error, with close ids suggested
    if sex not in ("T", "K", "M"):
        en, sv = _TEXTS.both("series_sex", value=repr(sex))
        raise ArgumentError(en, sv=sv)
    if years is not None:
        ok = (
            isinstance(years, tuple | list)
            and len(years) == 2
            and all(isinstance(y, int) and not isinstance(y, bool) for y in years)
            and years[0] <= years[1]
        )
        if not ok:
            en, sv = _TEXTS.both("series_years", value=repr(years))
            raise ArgumentError(en, sv=sv)


def _area_codes(panel: pl.DataFrame, areas: list[str]) -> list[str]:
    """Codes for ``areas``.

    A code present in the panel is kept as it is, anything else is resolved by name or code
    through the area registry (an unknown area raises, never matches nothing).
    """
    if isinstance(areas, str):  # a single name would otherwise be split into letters
        areas = [areas]
    present = set(panel["area_code"].unique().to_list())
    codes = []
    for a in areas:
        code = normalize_code(a)
        codes.append(code if code in present else load_areas().resolve(code).code)
    return codes
