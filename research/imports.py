"""The import store: official files converted to Parquet, with provenance, beside the snapshot.

``import_file`` reads a downloaded file (Brå CSV/Excel, SCB json-stat2/CSV, Stockholms stad
district population, Kolada JSON) with its reader from :mod:`research.sources`, and stores

* ``data/imported/<source>-<sha256[:16]>.parquet``: the rows in the canonical schema;
* ``data/imported/originals/<sha256[:16]>-<file name>``: a byte-for-byte copy of the file;
* ``data/imported/imports.json``: one provenance entry per import (file name, sha256, size,
  source, reader, parameters, import time in UTC, rows, years, areas, origin URL).

The raw snapshot in ``data/raw`` is never touched. Importing the same bytes again changes
nothing (entries are keyed by sha256). Every write goes to a temporary file that is moved in
place with ``os.replace`` only after all of them succeeded, so a failed import leaves
``data/imported`` exactly as it was.

:func:`load_imports` returns all imported rows; :func:`merge_with_snapshot` lays them over
the snapshot panel and returns the disagreements; :func:`data_info` says what is loaded.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from .areas import AreaRegistry
from .errors import DataError, ParameterError
from .paths import data_dir
from .provenance import sha256_file
from .sources.bra import read_bra_csv, read_bra_excel
from .sources.common import CANONICAL_SCHEMA, empty_canonical, validate_canonical
from .sources.kolada import read_kolada_json
from .sources.scb import read_population_excel, read_scb_csv, read_scb_jsonstat

__all__ = [
    "IMPORT_SOURCES",
    "DataInfo",
    "ImportResult",
    "data_info",
    "import_file",
    "imports_dir",
    "list_imports",
    "load_imports",
    "merge_with_snapshot",
    "read_official_file",
]

#: Accepted values of ``source``: Brå, SCB, Kolada, and Stockholms stad (district population).
IMPORT_SOURCES = ("bra", "scb", "kolada", "stockholm")
_LEDGER = "imports.json"
_KEY = ["area_code", "year", "indicator", "sex"]


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_file` did: ``created`` is False when the file was already there."""

    entry: dict
    parquet: Path
    created: bool
    frame: pl.DataFrame = field(repr=False)

    @property
    def rows(self) -> int:
        """Number of rows imported."""
        return int(self.entry["rows"])

    @property
    def sha256(self) -> str:
        """sha256 of the imported file's bytes."""
        return str(self.entry["sha256"])


def imports_dir(base: Path | None = None) -> Path:
    """Return ``<data>/imported``."""
    return (base or data_dir()) / "imported"


def read_official_file(
    path: str | Path,
    *,
    source: str,
    indicator: str | None = None,
    year: int | None = None,
    registry: AreaRegistry | None = None,
) -> tuple[pl.DataFrame, str]:
    """Read a file with the reader for ``source`` and its extension; return (frame, reader).

    Raises
    ------
    ParameterError
        For an unknown source, an extension the source has no reader for, or ``indicator``/
        ``year`` given for a source whose files say them themselves.
    ParseError, UnmatchedNamesError
        From the reader.
    """
    path = Path(path)
    if source not in IMPORT_SOURCES:
        raise ParameterError(f"source={source!r}; expected one of {IMPORT_SOURCES}")
    ext = path.suffix.lower()
    if source != "bra" and (indicator is not None or year is not None):
        raise ParameterError(
            f"indicator/year are parameters of Brå files only; {source} files name their "
            "indicator and years themselves. Leave them out."
        )
    readers = {
        ("bra", ".csv"): ("read_bra_csv", lambda: read_bra_csv(
            path, year=year, indicator=indicator, registry=registry)),
        ("bra", ".xlsx"): ("read_bra_excel", lambda: read_bra_excel(
            path, year=year, indicator=indicator, registry=registry)),
        ("scb", ".json"): ("read_scb_jsonstat", lambda: read_scb_jsonstat(
            path, registry=registry)),
        ("scb", ".csv"): ("read_scb_csv", lambda: read_scb_csv(path, registry=registry)),
        ("scb", ".xlsx"): ("read_population_excel", lambda: read_population_excel(
            path, registry=registry, source_kind="scb")),
        ("stockholm", ".csv"): ("read_scb_csv", lambda: read_scb_csv(
            path, registry=registry, source_kind="stockholm")),
        ("stockholm", ".xlsx"): ("read_population_excel", lambda: read_population_excel(
            path, registry=registry, source_kind="stockholm")),
        ("kolada", ".json"): ("read_kolada_json", lambda: read_kolada_json(
            path, registry=registry)),
    }  # fmt: skip
    if source == "scb" and ext in (".json", ".csv"):
        from .regso import is_subarea_file, read_scb_subareas

        if is_subarea_file(path):  # a table by RegSO or DeSO: summed to the districts
            frame, edition = read_scb_subareas(path)
            return validate_canonical(frame, path.name), f"read_scb_subareas ({edition})"
    if (source, ext) not in readers:
        known = sorted(e for s, e in readers if s == source)
        raise ParameterError(
            f"{path.name}: no {source} reader for {ext or 'files without extension'}; "
            f"{source} files must be {known}"
        )
    name, fn = readers[(source, ext)]
    return validate_canonical(fn(), f"{path.name}"), name


def _ledger(folder: Path) -> dict:
    p = folder / _LEDGER
    if not p.exists():
        return {"schema_version": 1, "imports": []}
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(
            f"{p}: the import ledger is unreadable ({exc}); restore it from git or "
            "remove data/imported to start afresh"
        ) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("imports"), list):
        raise DataError(f"{p}: the import ledger has no 'imports' list")
    return doc


def list_imports(base: Path | None = None) -> list[dict]:
    """Return the provenance entries of ``imports.json`` (oldest first)."""
    return list(_ledger(imports_dir(base))["imports"])


def _summary(df: pl.DataFrame) -> dict:
    return {
        "rows": df.height,
        "years": [int(df["year"].min()), int(df["year"].max())] if df.height else None,
        "areas": int(df["area_code"].n_unique()),
        "levels": sorted(df["level"].unique().to_list()),
        "indicators": sorted(df["indicator"].unique().to_list()),
    }


def import_file(
    path: str | Path,
    *,
    source: str,
    indicator: str | None = None,
    year: int | None = None,
    base: Path | None = None,
    registry: AreaRegistry | None = None,
    origin: str | None = None,
    file_name: str | None = None,
) -> ImportResult:
    """Validate and convert an official file and add it to the import store.

    Parameters
    ----------
    path
        The downloaded file.
    source
        ``"bra"``, ``"scb"``, ``"kolada"`` or ``"stockholm"`` (see :data:`IMPORT_SOURCES`).
    indicator, year
        For Brå files: the category id and year when the file does not say them.
    base
        The data folder (default :func:`research.paths.data_dir`).
    registry
        The area registry for name matching (default: the project's).
    origin
        Where the file came from (a URL), recorded in the provenance entry.
    file_name
        The name to record (default: ``path``'s name; :mod:`research.fetch` passes one).

    Returns
    -------
    ImportResult
        The provenance entry, the Parquet path, whether anything was written, the rows.

    Raises
    ------
    ParameterError
        For a wrong ``source``/extension/parameter combination.
    ParseError, UnmatchedNamesError
        When the file is malformed; nothing is written.
    DataError
        When the same bytes were imported before with different parameters.

    Examples
    --------
    >>> import tempfile
    >>> from research.paths import PROJECT_ROOT
    >>> tmp = Path(tempfile.mkdtemp())
    >>> r = import_file(PROJECT_ROOT / "tests/data/bra_kommuner_2022.csv", source="bra",
    ...                 base=tmp)
    >>> r.created, r.rows, import_file(PROJECT_ROOT / "tests/data/bra_kommuner_2022.csv",
    ...                                source="bra", base=tmp).created
    (True, 11, False)
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    folder = imports_dir(base)
    sha = sha256_file(path)
    ledger = _ledger(folder)
    params = {"indicator": indicator, "year": year}
    for e in ledger["imports"]:
        if e["sha256"] == sha:
            if e.get("params", {}) != params or e["source"] != source:
                raise DataError(
                    f"{path.name} (sha256 {sha[:12]}...) was imported on {e['imported_at']} as "
                    f"source={e['source']!r} with {e.get('params')}; importing the same bytes "
                    f"as source={source!r} with {params} would contradict it."
                )
            pq = folder / e["parquet"]
            if pq.exists():
                return ImportResult(e, pq, False, pl.read_parquet(pq))
    frame, reader = read_official_file(
        path, source=source, indicator=indicator, year=year, registry=registry
    )
    name = file_name or path.name
    entry = {
        "file_name": name,
        "sha256": sha,
        "bytes": path.stat().st_size,
        "source": source,
        "reader": reader,
        "params": params,
        "imported_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "parquet": f"{source}-{sha[:16]}.parquet",
        "original": f"originals/{sha[:16]}-{name}",
        "origin": origin,
        **_summary(frame),
    }
    ledger = {**ledger, "imports": [e for e in ledger["imports"] if e["sha256"] != sha] + [entry]}
    _commit(folder, frame, path, entry, ledger)
    return ImportResult(entry, folder / entry["parquet"], True, frame)


def _commit(folder: Path, frame: pl.DataFrame, original: Path, entry: dict, ledger: dict):
    """Write the Parquet, the original's copy and the ledger atomically (all or nothing)."""
    created_dirs = [d for d in (folder, folder / "originals") if not d.exists()]
    temps: list[str] = []
    placed: list[Path] = []
    try:
        (folder / "originals").mkdir(parents=True, exist_ok=True)
        targets = []
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".import-", suffix=".parquet")
        os.close(fd)
        temps.append(tmp)
        frame.write_parquet(tmp, compression="zstd")
        targets.append((tmp, folder / entry["parquet"]))
        fd, tmp = tempfile.mkstemp(dir=folder / "originals", prefix=".import-")
        os.close(fd)
        temps.append(tmp)
        shutil.copyfile(original, tmp)
        targets.append((tmp, folder / entry["original"]))
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".import-", suffix=".json")
        temps.append(tmp)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(ledger, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
        targets.append((tmp, folder / _LEDGER))
        for tmp, target in targets[:-1]:
            if target.exists():
                continue  # same content already there (same sha256 -> same bytes)
            os.replace(tmp, target)
            placed.append(target)
        os.replace(*targets[-1])  # the ledger last: it is the commit point
    except BaseException:
        for p in placed:
            with contextlib.suppress(OSError):
                p.unlink()
        for d in reversed(created_dirs):
            shutil.rmtree(d, ignore_errors=True)
        raise
    finally:
        for t in temps:
            with contextlib.suppress(OSError):
                os.unlink(t)


def load_imports(base: Path | None = None) -> pl.DataFrame:
    """Return every imported row in the canonical schema (empty frame if nothing imported).

    When two imports cover the same (area_code, year, indicator, sex), the more recently
    imported one is kept; :func:`data_info` counts such overlaps.

    Raises
    ------
    DataError
        If the ledger names a Parquet file that is missing or does not fit the schema.
    """
    folder = imports_dir(base)
    frames = []
    for order, e in enumerate(_ledger(folder)["imports"]):
        pq = folder / e["parquet"]
        if not pq.exists():
            raise DataError(
                f"{pq}: listed in {folder / _LEDGER} but missing; import {e['file_name']} again"
            )
        df = validate_canonical(pl.read_parquet(pq), str(pq))
        frames.append(df.with_columns(_order=pl.lit(order)))
    if not frames:
        return empty_canonical()
    allrows = pl.concat(frames)
    latest = allrows.sort("_order").unique(subset=_KEY, keep="last", maintain_order=True)
    return validate_canonical(
        latest.drop("_order").sort(["indicator", "area_code", "sex", "year"]), "imports"
    )


def _to_canonical(df: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in CANONICAL_SCHEMA if c not in df.columns]
    df = df.with_columns([pl.lit(None, dtype=CANONICAL_SCHEMA[c]).alias(c) for c in missing])
    return df.select(list(CANONICAL_SCHEMA)).cast(CANONICAL_SCHEMA)


def _decimals(col: str) -> pl.Expr:
    """Smallest number of decimals (0-6) that represents the value (to 1e-9)."""
    expr = pl.lit(6)
    for d in range(5, -1, -1):
        scaled = pl.col(col) * 10**d
        expr = pl.when((scaled - scaled.round(0)).abs() < 1e-6).then(pl.lit(d)).otherwise(expr)
    return expr


def merge_with_snapshot(
    snapshot: pl.DataFrame, imports: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Lay imported rows over the snapshot panel; return (merged, conflicts).

    For each (area_code, year, indicator, sex) present in both, the import (newer official
    source) wins when it has a value; an import without a value (``..``) does not erase a
    snapshot value. Two values *conflict* when they differ by more than rounding: more than
    half a unit in the last decimal of the less precise of the two (48.27 and 48.3 agree;
    48.2 and 48.3 do not). Conflicts are returned, never dropped silently.

    Parameters
    ----------
    snapshot
        The panel (:func:`research.datasets.load_panel`); a missing ``count`` column is added.
    imports
        Canonical rows (:func:`load_imports`).

    Returns
    -------
    merged : polars.DataFrame
        Canonical schema, one row per key. Imported rows take the snapshot's population
        when they have none.
    conflicts : polars.DataFrame
        area_code, area_name, year, indicator, sex, value_snapshot, value_import,
        difference (import - snapshot), source_snapshot, source_import.

    Examples
    --------
    >>> from research.sources.common import build_frame
    >>> base = dict(area_code="0126", area_name="Huddinge", level="kommun", parent_code="01",
    ...             indicator="N07402", sex="T", unit="per 100 000 inv.")
    >>> snap = build_frame([{**base, "year": 2022, "value": 48.3, "source": "snap"}])
    >>> imp = build_frame([{**base, "year": 2022, "value": 50.1, "source": "imp"}])
    >>> merged, conflicts = merge_with_snapshot(snap, imp)
    >>> merged["value"].to_list(), conflicts["difference"].round(1).to_list()
    ([50.1], [1.8])
    """
    snap = _to_canonical(snapshot)
    imp = _to_canonical(imports)
    both = snap.join(imp, on=_KEY, how="inner", suffix="_imp")
    both = both.with_columns(_d=pl.min_horizontal(_decimals("value"), _decimals("value_imp")))
    tol = pl.lit(0.5) * pl.lit(10.0).pow(-pl.col("_d")) + 1e-9
    differs = (
        pl.col("value").is_not_null()
        & pl.col("value_imp").is_not_null()
        & ((pl.col("value_imp") - pl.col("value")).abs() > tol)
    )
    conflicts = both.filter(differs).select(
        "area_code", "area_name", "year", "indicator", "sex",
        value_snapshot="value", value_import="value_imp",
        difference=pl.col("value_imp") - pl.col("value"),
        source_snapshot="source", source_import="source_imp",
    ).sort(_KEY)  # fmt: skip
    # Imports without a value do not erase a snapshot value.
    keep_snap = both.filter(pl.col("value_imp").is_null() & pl.col("value").is_not_null())
    imp_used = imp.join(keep_snap.select(_KEY), on=_KEY, how="anti")
    pops = snap.select(*_KEY, _pop="population")
    imp_used = (
        imp_used.join(pops, on=_KEY, how="left")
        .with_columns(population=pl.coalesce("population", "_pop"))
        .drop("_pop")
    )
    merged = pl.concat([snap.join(imp_used.select(_KEY), on=_KEY, how="anti"), imp_used])
    merged = merged.sort(["indicator", "area_code", "sex", "year"])
    return validate_canonical(merged, "merged panel"), conflicts


@dataclass(frozen=True)
class DataInfo:
    """What data is loaded: the snapshot's coverage and each import's provenance."""

    snapshot: dict | None
    imports: list[dict]
    overlapping_rows: int
    notes: list[str]

    def text(self) -> str:
        """Render as plain text for the command line or a notebook."""
        out = []
        if self.snapshot:
            s = self.snapshot
            out.append(f"Snapshot: {s.get('title', s.get('id'))}")
            out.append(f"  from {s.get('publisher', '?')}; retrieved {s.get('retrieved', '?')}")
            if "rows" in s:
                out.append(
                    f"  {s['rows']} rows, years {s['years'][0]}-{s['years'][1]}, "
                    f"{s['areas']} areas, {len(s['indicators'])} indicators"
                )
        else:
            out.append("Snapshot: not available")
        if not self.imports:
            out.append("Imports: none (data/imported is empty)")
        else:
            out.append(f"Imports: {len(self.imports)} file(s)")
            for e in self.imports:
                years = e.get("years") or ["?", "?"]
                out.append(
                    f"  {e['file_name']} [{e['source']}] imported {e['imported_at']}: "
                    f"{e['rows']} rows, years {years[0]}-{years[1]}, {e['areas']} areas "
                    f"({', '.join(e['levels'])}), indicators {', '.join(e['indicators'])}; "
                    f"sha256 {e['sha256'][:12]}"
                    + (f"; from {e['origin']}" if e.get("origin") else "")
                )
            if self.overlapping_rows:
                out.append(
                    f"  {self.overlapping_rows} row(s) are covered by more than one "
                    "import; the most recent import is used"
                )
        out.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(out)


def data_info(base: Path | None = None, *, include_snapshot: bool = True) -> DataInfo:
    """Describe what is loaded: the snapshot (from the manifest and panel) and the imports.

    Returns
    -------
    DataInfo
        With ``.text()`` for a readable rendering.

    Examples
    --------
    >>> import tempfile
    >>> info = data_info(Path(tempfile.mkdtemp()), include_snapshot=False)
    >>> info.imports, "Imports: none" in info.text()
    ([], True)
    """
    base = base or data_dir()
    notes: list[str] = []
    snapshot = None
    if include_snapshot:
        try:
            from .datasets import SNAPSHOT_SOURCE, load_panel
            from .provenance import load_manifest

            meta = load_manifest(base).sources.get(SNAPSHOT_SOURCE, {})
            panel = load_panel(base)
            snapshot = {
                "id": SNAPSHOT_SOURCE,
                "title": meta.get("title"),
                "publisher": meta.get("publisher"),
                "retrieved": meta.get("retrieved"),
                **_summary(panel),
            }
        except DataError as exc:
            notes.append(f"the snapshot could not be loaded: {exc}")
    entries = list_imports(base)
    overlap = 0
    if entries:
        folder = imports_dir(base)
        keys = [
            pl.read_parquet(folder / e["parquet"], columns=_KEY)
            for e in entries
            if (folder / e["parquet"]).exists()
        ]
        if keys:
            allkeys = pl.concat(keys)
            overlap = allkeys.height - allkeys.unique().height
    return DataInfo(snapshot, entries, overlap, notes)
