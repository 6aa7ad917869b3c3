"""The import store's files: the ledger of imported official files and their rows.

``data/imported/`` holds one Parquet file per imported file (rows in the canonical schema),
a byte-for-byte copy of each original, and ``imports.json``, the ledger with one provenance
entry per import. This module reads and writes those files: :func:`read_official_file`
converts a downloaded file with its reader from :mod:`research.data.sources`,
:func:`load_imports` returns every imported row and :func:`merge_with_snapshot` lays them
over the snapshot panel. The commands that change the store (import, remove, repair) are in
:mod:`research.data.imports`, above the panel they check against.
"""

from __future__ import annotations

import json
import os
import warnings
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from research.core.errors import ArgumentError, DataError, ParseError
from research.core.fmt import format_list
from research.core.i18n import load_catalogue
from research.core.locking import (
    atomic_write_bytes,
    describe_os_error,
)
from research.core.paths import data_dir
from research.core.warnings import ImportLogNotWrittenWarning
from research.data.sources.bra import read_bra_csv, read_bra_excel
from research.data.sources.common import (
    CANONICAL_SCHEMA,
    empty_canonical,
    empty_file_error,
    json_error_reason,
    validate_canonical,
)
from research.data.sources.kolada import read_kolada_json
from research.data.sources.scb import read_population_excel, read_scb_csv, read_scb_jsonstat
from research.geo.registry import AreaRegistry

from .import_log import LEDGER_FILE, LOG_FILE, check_ledger_present, replay_log
from .provenance import sha256_file

__all__ = [
    "IMPORT_SOURCES",
    "LEDGER_FILE",
    "LOG_FILE",
    "ROW_KEY",
    "append_log",
    "check_import_arguments",
    "import_id",
    "imports_dir",
    "list_imports",
    "load_imports",
    "merge_with_snapshot",
    "parquet_intact",
    "read_ledger",
    "read_official_file",
    "replay_log",
    "source_name",
    "write_ledger",
]

#: Accepted values of ``source``: Brå, SCB, Kolada, and Stockholms stad (district population).
IMPORT_SOURCES = ("bra", "scb", "kolada", "stockholm")
ROW_KEY = ["area_code", "year", "indicator", "sex"]
#: The wording of the import store's errors (shared with :mod:`research.data.imports`).
_TEXTS = load_catalogue(Path(__file__).with_name("imports.toml"))


def source_name(source: str, lang: str = "en") -> str:
    """How messages name an import source: ``"bra"`` is Brå, ``"stockholm"`` Stockholms stad.

    Examples
    --------
    >>> source_name("bra"), source_name("stockholm", "sv")
    ('Brå', 'Stockholms stad')
    """
    return _TEXTS(f"source_{source}", lang) if source in IMPORT_SOURCES else source


def imports_dir(base: Path | None = None) -> Path:
    """Return ``<data>/imported``."""
    return (base or data_dir()) / "imported"


def check_import_arguments(source: str, indicator: str | None, year: int | None) -> None:
    """Refuse an unknown ``source``, or ``indicator``/``year`` for a source other than Brå.

    Raises
    ------
    ArgumentError
        Naming what is wrong and what to do.
    """
    if source not in IMPORT_SOURCES:
        en, sv = _TEXTS.both("unknown_source", source=source, sources=IMPORT_SOURCES)
        raise ArgumentError(en, sv=sv)
    if source != "bra" and (indicator is not None or year is not None):
        en, sv = (
            _TEXTS("params_bra_only", lang, label=source_name(source, lang))
            for lang in ("en", "sv")
        )
        raise ArgumentError(en, sv=sv)


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
    ArgumentError
        For an unknown source, an extension the source has no reader for, or ``indicator``/
        ``year`` given for a source whose files say them themselves.
    ParseError, UnmatchedNamesError
        From the reader.
    """
    path = Path(path)
    check_import_arguments(source, indicator, year)
    ext = path.suffix.lower()
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
    try:
        empty = path.is_file() and path.stat().st_size == 0
    except OSError:
        empty = False  # the reader says why the file cannot be read
    if empty and (source, ext) in readers:
        raise empty_file_error(path)  # before a reader calls it JSON cut off or headerless
    if source == "scb" and ext in (".json", ".csv"):
        from .regso import is_subarea_file, read_scb_subareas

        if is_subarea_file(path):  # a table by RegSO or DeSO: summed to the districts
            frame, edition = read_scb_subareas(path)
            return validate_canonical(frame, str(path)), f"read_scb_subareas ({edition})"
    if (source, ext) not in readers:
        known = sorted(e for s, e in readers if s == source)
        what = ("files_ending", {"ext": ext}) if ext else ("files_no_ending", {})
        en, sv = (
            _TEXTS(
                "no_reader",
                lang,
                path=path,
                what=_TEXTS(what[0], lang, **what[1]),
                label=source_name(source, lang),
                known=format_list(known, lang, "or"),
                hint=_TEXTS("hint_xls", lang) if ext == ".xls" and ".xlsx" in known else "",
            )
            for lang in ("en", "sv")
        )
        raise ArgumentError(en, sv=sv)
    name, fn = readers[(source, ext)]
    try:
        frame = fn()
    except (TypeError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        # A document whose structure the reader does not expect (a member of the wrong
        # type, say): name the file and the format rather than show a traceback.
        en, sv = (
            _TEXTS(
                "wrong_structure",
                lang,
                label=source_name(source, lang),
                reader=name,
                kind=type(exc).__name__,
                detail=str(exc)[:80],
            )
            for lang in ("en", "sv")
        )
        raise ParseError(path, None, en, sv=sv) from exc
    except OSError as exc:
        en, sv = _TEXTS.both("cannot_read", path=path, reason=exc.strerror or exc)
        raise DataError(en, sv=sv) from exc
    return validate_canonical(frame, str(path)), name


def read_ledger(folder: Path) -> dict:
    """Read the import ledger ``imports.json`` of ``folder`` (an empty ledger when absent)."""
    p = folder / LEDGER_FILE
    if not p.exists():
        check_ledger_present(folder)  # gone while the log lists imports: refused
        return {"schema_version": 1, "imports": []}
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            reasons = tuple(
                _TEXTS("ledger_json", lang, line=exc.lineno, column=exc.colno, reason=reason)
                for lang, reason in zip(("en", "sv"), json_error_reason(exc), strict=True)
            )
        else:
            reasons = (str(exc).splitlines()[0],) * 2
        en, sv = (
            _TEXTS("ledger_unreadable", lang, path=p, reason=reason)
            for lang, reason in zip(("en", "sv"), reasons, strict=True)
        )
        raise DataError(en, sv=sv) from exc
    ok = isinstance(doc, dict) and isinstance(doc.get("imports"), list)
    if ok:
        need = ("sha256", "file_name", "source", "parquet", "imported_at", "rows")
        ok = all(isinstance(e, dict) and all(k in e for k in need) for e in doc["imports"])
    if not ok:
        en, sv = _TEXTS.both("ledger_entries", path=p)
        raise DataError(en, sv=sv)
    return doc


def append_log(folder: Path, action: str, entry: dict) -> None:
    """Append one line to ``imports.log`` (call under the lock, after the ledger commit)."""
    rec = {"at": datetime.now(UTC).replace(microsecond=0).isoformat(), "action": action}
    line = json.dumps({**rec, "entry": entry}, ensure_ascii=False) + "\n"
    try:
        with open(folder / LOG_FILE, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:  # the ledger is committed; the log is the history of it
        warnings.warn(
            ImportLogNotWrittenWarning(
                f"{describe_os_error(exc, folder)}; {action} of {entry.get('file_name')} "
                "done but not written to imports.log",
                reason=describe_os_error(exc, folder),
                action=action,
                file_name=str(entry.get("file_name")),
            ),
            stacklevel=3,
        )


def write_ledger(folder: Path, ledger: dict) -> None:
    """Write the import ledger of ``folder`` atomically."""
    data = (json.dumps(ledger, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    atomic_write_bytes(folder / LEDGER_FILE, data, prefix=".ledger-")


def import_id(entry: dict) -> str:
    """The id by which ``pilotbench data remove`` names an import: sha256[:12]."""
    return str(entry["sha256"])[:12]


def parquet_intact(folder: Path, entry: dict) -> bool:
    """True when the import's Parquet file exists and matches its recorded sha256."""
    pq = folder / entry["parquet"]
    if not pq.is_file():
        return False
    want = entry.get("parquet_sha256")
    return want is None or sha256_file(pq) == want


def list_imports(base: Path | None = None) -> list[dict]:
    """Return the provenance entries of ``imports.json`` (oldest first)."""
    return list(read_ledger(imports_dir(base))["imports"])


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
    for order, e in enumerate(read_ledger(folder)["imports"]):
        pq = folder / e["parquet"]
        if not parquet_intact(folder, e):
            en, sv = _TEXTS.both("parquet_damaged", path=pq, ledger=folder / LEDGER_FILE)
            raise DataError(en, sv=sv)
        try:
            df = pl.read_parquet(pq)
        except Exception as exc:
            en, sv = _TEXTS.both("parquet_unreadable", path=pq, reason=str(exc).splitlines()[0])
            raise DataError(en, sv=sv) from exc
        df = validate_canonical(df, str(pq))
        frames.append(df.with_columns(_order=pl.lit(order)))
    if not frames:
        return empty_canonical()
    allrows = pl.concat(frames)
    latest = allrows.sort("_order").unique(subset=ROW_KEY, keep="last", maintain_order=True)
    what, what_sv = _TEXTS.both("what_imports")
    return validate_canonical(
        latest.drop("_order").sort(["indicator", "area_code", "sex", "year"]),
        what,
        what_sv=what_sv,
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
    48.2 and 48.3 do not); two official counts (Brå's "Antal") conflict when they differ at
    all, whether or not the rates do. Conflicts are returned, never dropped silently.

    Parameters
    ----------
    snapshot
        The panel (:func:`research.data.panel.load_panel`); a missing ``count`` column is added.
    imports
        Canonical rows (:func:`load_imports`).

    Returns
    -------
    merged : polars.DataFrame
        Canonical schema, one row per key. Imported rows take the snapshot's population
        when they have none.
    conflicts : polars.DataFrame
        area_code, area_name, year, indicator, sex, value_snapshot, value_import,
        difference (import - snapshot), source_snapshot, source_import, count_snapshot,
        count_import (the official counts; null where a side has none).

    Examples
    --------
    >>> from research.data.sources.common import build_frame
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
    both = snap.join(imp, on=ROW_KEY, how="inner", suffix="_imp")
    both = both.with_columns(_d=pl.min_horizontal(_decimals("value"), _decimals("value_imp")))
    tol = pl.lit(0.5) * pl.lit(10.0).pow(-pl.col("_d")) + 1e-9
    differs = (
        pl.col("value").is_not_null()
        & pl.col("value_imp").is_not_null()
        & ((pl.col("value_imp") - pl.col("value")).abs() > tol)
    )
    count_differs = (
        pl.col("count").is_not_null()
        & pl.col("count_imp").is_not_null()
        & (pl.col("count_imp") != pl.col("count"))
    )
    conflicts = both.filter(differs | count_differs).select(
        "area_code", "area_name", "year", "indicator", "sex",
        value_snapshot="value", value_import="value_imp",
        difference=pl.col("value_imp") - pl.col("value"),
        source_snapshot="source", source_import="source_imp",
        count_snapshot="count", count_import="count_imp",
    ).sort(ROW_KEY)  # fmt: skip
    # Imports without a value do not erase a snapshot value.
    keep_snap = both.filter(pl.col("value_imp").is_null() & pl.col("value").is_not_null())
    imp_used = imp.join(keep_snap.select(ROW_KEY), on=ROW_KEY, how="anti")
    pops = snap.select(*ROW_KEY, _pop="population")
    imp_used = (
        imp_used.join(pops, on=ROW_KEY, how="left")
        .with_columns(population=pl.coalesce("population", "_pop"))
        .drop("_pop")
    )
    merged = pl.concat([snap.join(imp_used.select(ROW_KEY), on=ROW_KEY, how="anti"), imp_used])
    merged = merged.sort(["indicator", "area_code", "sex", "year"])
    what, what_sv = _TEXTS.both("what_merged_panel")
    return validate_canonical(merged, what, what_sv=what_sv), conflicts
