"""The import store: official files converted to Parquet, with provenance, beside the snapshot.

``import_file`` reads a downloaded file (Brå CSV/Excel, SCB json-stat2/CSV, Stockholms stad
district population, Kolada JSON) with its reader from :mod:`research.data.sources`, and stores

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
import hashlib
import io
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from research.core.errors import DataError
from research.core.i18n import load_catalogue
from research.core.language import message_lang
from research.core.locking import (
    FolderNotWritableError,
    atomic_write_bytes,
    data_lock,
    describe_os_error,
)
from research.core.paths import data_dir
from research.data.sources.common import (
    record_lines,
    source_label,
)
from research.geo.registry import AreaRegistry

from .import_store import (
    LEDGER_FILE,
    LOG_FILE,
    ROW_KEY,
    append_log,
    check_import_arguments,
    import_id,
    imports_dir,
    list_imports,
    merge_with_snapshot,
    parquet_intact,
    read_ledger,
    read_official_file,
    replay_log,
    source_name,
    write_ledger,
)
from .provenance import Manifest, sha256_file

__all__ = [
    "DataInfo",
    "ImportResult",
    "data_info",
    "import_file",
    "remove_import",
    "repair",
]

#: The wording of the import store's errors (shared with :mod:`research.data.import_store`).
_TEXTS = load_catalogue(Path(__file__).with_name("imports.toml"))


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_file` did: ``created`` is False when the file was already there."""

    entry: dict
    parquet: Path
    created: bool
    frame: pl.DataFrame = field(repr=False)
    #: Cells whose value this import changed (from the snapshot or an earlier import):
    #: the columns of :func:`merge_with_snapshot`'s conflicts; empty when none.
    changes: pl.DataFrame = field(default_factory=pl.DataFrame, repr=False)

    @property
    def rows(self) -> int:
        """Number of rows imported."""
        return int(self.entry["rows"])

    @property
    def sha256(self) -> str:
        """sha256 of the imported file's bytes."""
        return str(self.entry["sha256"])


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
        The data folder (default :func:`research.core.paths.data_dir`).
    registry
        The area registry for name matching (default: the project's).
    origin
        Where the file came from (a URL), recorded in the provenance entry.
    file_name
        The name to record (default: ``path``'s name; :mod:`research.data.fetch` passes one).

    Returns
    -------
    ImportResult
        The provenance entry, the Parquet path, whether anything was written, the rows.

    Raises
    ------
    ArgumentError
        For a wrong ``source``/extension/parameter combination.
    ParseError, UnmatchedNamesError
        When the file is malformed; nothing is written.
    DataError
        When the same bytes were imported before with different parameters.

    Examples
    --------
    >>> import tempfile
    >>> from research.core.paths import PROJECT_ROOT
    >>> tmp = Path(tempfile.mkdtemp())
    >>> r = import_file(PROJECT_ROOT / "tests/data/bra_kommuner_2022.csv", source="bra",
    ...                 base=tmp)
    >>> r.created, r.rows, import_file(PROJECT_ROOT / "tests/data/bra_kommuner_2022.csv",
    ...                                source="bra", base=tmp).created
    (True, 11, False)
    """
    path = Path(path)
    check_import_arguments(source, indicator, year)
    _check_input_file(path)
    base = base or data_dir()
    folder = imports_dir(base)
    sha = sha256_file(path)
    params = {"indicator": indicator, "year": year}
    with data_lock(base, "import"):
        ledger = read_ledger(folder)
        for e in ledger["imports"]:
            if e["sha256"] == sha:
                if e.get("params", {}) != params or e["source"] != source:
                    en, sv = (
                        _TEXTS(
                            "contradicts_earlier",
                            lang,
                            name=path.name,
                            sha=sha[:12],
                            id=import_id(e),
                            at=e["imported_at"],
                            old=e["source"],
                            old_label=source_name(e["source"], lang),
                            old_params=_params_text(e.get("params") or {}, lang),
                            new=source,
                            new_label=source_name(source, lang),
                            new_params=_params_text(params, lang),
                        )
                        for lang in ("en", "sv")
                    )
                    raise DataError(en, sv=sv)
                if parquet_intact(folder, e):
                    pq = folder / e["parquet"]
                    return ImportResult(e, pq, False, pl.read_parquet(pq))
                # the Parquet is missing or damaged: convert the file again below
        frame, reader = read_official_file(
            path, source=source, indicator=indicator, year=year, registry=registry
        )
        name = file_name or path.name
        current = _current_panel(base)
        # the rules' messages name the file as the caller gave it (a parse error does too);
        # the ledger records its name
        _plausible(frame, file_name or str(path), current, record_lines(frame))
        changes = pl.DataFrame()
        if current is not None:
            changes = merge_with_snapshot(current, frame)[1]
        parquet = _parquet_bytes(frame)
        entry = {
            "id": sha[:12],
            "file_name": name,
            "sha256": sha,
            "bytes": path.stat().st_size,
            "source": source,
            "reader": reader,
            "params": params,
            "imported_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "parquet": f"{source}-{sha[:16]}.parquet",
            "parquet_sha256": hashlib.sha256(parquet).hexdigest(),
            "original": f"originals/{sha[:16]}-{_safe_name(name)}",
            "origin": origin,
            **_summary(frame),
        }
        ledger = {
            **ledger,
            "imports": [e for e in ledger["imports"] if e["sha256"] != sha] + [entry],
        }
        _commit(folder, parquet, path, entry, ledger)
        append_log(folder, "import", entry)
    return ImportResult(entry, folder / entry["parquet"], True, frame, changes)


def _params_text(params: dict, lang: str) -> str:
    """An import's ``indicator`` and ``year`` in words ("without indicator and year")."""
    indicator, year = params.get("indicator"), params.get("year")
    key = {
        (False, False): "params_none",
        (True, True): "params_both",
        (True, False): "params_indicator",
        (False, True): "params_year",
    }[(indicator is not None, year is not None)]
    return _TEXTS(key, lang, indicator=indicator, year=year)


def _check_input_file(path: Path) -> None:
    """Refuse a missing path, a folder or something that is not a regular readable file."""
    if path.is_dir():
        en, sv = _TEXTS.both("input_is_folder", path=path)
        raise DataError(en, sv=sv)
    if not path.exists():
        en, sv = _TEXTS.both("input_missing", path=path)
        raise DataError(en, sv=sv)
    if not path.is_file():
        en, sv = _TEXTS.both("input_not_regular", path=path)
        raise DataError(en, sv=sv)
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        en, sv = _TEXTS.both("cannot_read", path=path, reason=exc.strerror)
        raise DataError(en, sv=sv) from exc


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:120] or "file"


def _parquet_bytes(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_parquet(buf, compression="zstd")
    return buf.getvalue()


def _current_panel(base: Path) -> pl.DataFrame | None:
    """The panel as it is now (snapshot + imports), or None for a data folder without one."""
    if not (base / "manifest.toml").exists():
        return None
    from .panel import load_panel

    return load_panel(base)


def _plausible(
    frame: pl.DataFrame,
    name: str,
    current: pl.DataFrame | None,
    lines: dict[tuple[str, int, str, str], int] | None = None,
) -> None:
    """Check ``frame`` against the plausibility rules and the panel's populations.

    The panel's populations of every sex (the snapshot's ``N01951``, imported ``N01951`` and
    ``BE0101N1``) with their areas' level, parent and origin; where both indicators give a
    total, ``N01951`` (what the panel's estimated counts divide by) is the one compared.
    """
    from .catalog import load_catalog
    from .plausibility import POPULATION_INDICATORS, check_plausible

    kinds: dict[str, tuple[str, float | None]] = {}
    try:
        cat = load_catalog()
        kinds = {k: (i.kind, float(i.per) if i.per else None) for k, i in cat.indicators.items()}
    except DataError:
        pass
    kinds.setdefault("BE0101N1", ("count", None))
    pops = None
    if current is not None:
        pops = (
            current.filter(pl.col("indicator").is_in(POPULATION_INDICATORS))
            .sort("indicator")  # BE0101N1 before N01951: the later row is the total used
            .select(
                "area_code",
                "area_name",
                "level",
                "parent_code",
                "year",
                "sex",
                "source",
                population="value",
            )
        )
    check_plausible(frame, name, populations=pops, kinds=kinds, lines=lines)


def _commit(folder: Path, parquet: bytes, original: Path, entry: dict, ledger: dict):
    """Write the Parquet, the original's copy and the ledger atomically (all or nothing).

    Call while holding :func:`research.core.locking.data_lock`.
    """
    created_dirs = [d for d in (folder, folder / "originals") if not d.exists()]
    placed: list[Path] = []
    try:
        try:
            (folder / "originals").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            en, sv = (
                _TEXTS("nothing_imported", lang, reason=describe_os_error(exc, folder, lang))
                for lang in ("en", "sv")
            )
            raise FolderNotWritableError(en, sv=sv) from exc
        pq = folder / entry["parquet"]
        if not parquet_intact(folder, entry) or not pq.exists():
            atomic_write_bytes(pq, parquet)
            placed.append(pq)
        orig = folder / entry["original"]
        if not orig.exists():
            atomic_write_bytes(orig, original.read_bytes())
            placed.append(orig)
        write_ledger(folder, ledger)  # the ledger last: it is the commit point
    except BaseException:
        for p in placed:
            with contextlib.suppress(OSError):
                p.unlink()
        for d in reversed(created_dirs):
            shutil.rmtree(d, ignore_errors=True)
        raise


def remove_import(import_id_or_name: str, base: Path | None = None) -> dict:
    """Take an import back: drop it from the ledger and delete its Parquet and copy.

    Parameters
    ----------
    import_id_or_name
        The id shown by ``pilotbench data imports`` (sha256 prefix, at least 6 characters)
        or the file name, when only one import has it.
    base
        The data folder.

    Returns
    -------
    dict
        The removed ledger entry. The removal is written to ``imports.log``.

    Raises
    ------
    DataError
        When nothing or more than one import matches.
    """
    base = base or data_dir()
    folder = imports_dir(base)
    key = str(import_id_or_name).strip()
    with data_lock(base, "removal"):
        ledger = read_ledger(folder)
        entries = ledger["imports"]
        hits = [
            e
            for e in entries
            if (len(key) >= 6 and e["sha256"].startswith(key.lower())) or e["file_name"] == key
        ]
        if not hits:
            ids = ", ".join(f"{import_id(e)} ({e['file_name']})" for e in entries)
            en, sv = (
                _TEXTS("no_such_import", lang, key=key, ids=ids or _TEXTS("no_imports", lang))
                for lang in ("en", "sv")
            )
            raise DataError(en, sv=sv)
        if len(hits) > 1:
            ids = ", ".join(f"{import_id(e)} ({e['file_name']})" for e in hits)
            en, sv = _TEXTS.both("ambiguous_import", key=key, n=len(hits), ids=ids)
            raise DataError(en, sv=sv)
        gone = hits[0]
        rest = [e for e in entries if e is not gone]
        write_ledger(folder, {**ledger, "imports": rest})
        for rel in (gone["parquet"], gone.get("original")):
            if rel and not any(rel in (e["parquet"], e.get("original")) for e in rest):
                with contextlib.suppress(OSError):
                    (folder / rel).unlink()
        append_log(folder, "remove", gone)
    return gone


def repair(base: Path | None = None, *, lang: str | None = None) -> list[str]:
    """Repair the data folder; return what was done, one line per action in ``lang``.

    ``lang`` (``"sv"``/``"en"``) defaults to the messages' language
    (:func:`research.core.language.message_lang`).

    * temporary files of killed runs are removed (by taking the lock);
    * an unreadable import ledger is rebuilt from ``imports.log``;
    * a missing or damaged imported Parquet is converted again from the kept original;
    * the panel cache is rebuilt if it is stale or damaged.

    Raises
    ------
    DataError
        When something cannot be repaired (the message says why).
    """
    from research.core.fmt import check_lang

    base = base or data_dir()
    lang = check_lang(lang or message_lang())
    folder = imports_dir(base)
    done: list[str] = []
    with data_lock(base, "repair"):
        ledger_path = folder / LEDGER_FILE
        try:
            ledger = read_ledger(folder)
        except DataError:
            ledger = {"schema_version": 1, "imports": replay_log(folder)}
            write_ledger(folder, ledger)
            done.append(
                _TEXTS(
                    "repaired_ledger",
                    lang,
                    ledger=ledger_path,
                    log=folder / LOG_FILE,
                    n=len(ledger["imports"]),
                )
            )
        for e in ledger["imports"]:
            if parquet_intact(folder, e):
                continue
            orig = folder / e.get("original", "")
            if not orig.is_file() or sha256_file(orig) != e["sha256"]:
                en, sv = _TEXTS.both(
                    "original_gone", parquet=folder / e["parquet"], original=orig, id=import_id(e)
                )
                raise DataError(en, sv=sv)
            p = e.get("params") or {}
            frame, _ = read_official_file(
                orig, source=e["source"], indicator=p.get("indicator"), year=p.get("year")
            )
            frame = frame.with_columns(source=pl.lit(source_label(e["source"], e["file_name"])))
            data = _parquet_bytes(frame)
            atomic_write_bytes(folder / e["parquet"], data)
            if e.get("parquet_sha256") != hashlib.sha256(data).hexdigest():
                e["parquet_sha256"] = hashlib.sha256(data).hexdigest()
                write_ledger(folder, ledger)
            done.append(_TEXTS("repaired_parquet", lang, file=e["file_name"], original=orig.name))
        from .panel import cache_is_current, load_panel

        if (base / "manifest.toml").exists() and not cache_is_current(base):
            load_panel(base, rebuild=True)
            done.append(_TEXTS("repaired_cache", lang))
    return done


@dataclass(frozen=True)
class DataInfo:
    """What data is loaded: the snapshot's coverage and each import's provenance."""

    snapshot: dict | None
    imports: list[dict]
    overlapping_rows: int
    notes: list[DataError]

    def text(self, lang: str | None = None) -> str:
        """Render as plain text for the command line or a notebook.

        ``lang`` (``"sv"`` or ``"en"``) defaults to the messages' language
        (:func:`research.core.language.message_lang`).
        """
        from research.core.fmt import check_lang, format_int  # Babel, only when shown

        lang = check_lang(lang or message_lang())

        def say(key: str, **values: object) -> str:
            return _TEXTS(key, lang, **values)

        out = []
        if self.snapshot:
            s = self.snapshot
            title = s.get("title", {}).get(lang) if isinstance(s.get("title"), dict) else None
            out.append(say("info_snapshot", title=title or s.get("id")))
            at = s.get("retrieved", "?")
            at = at.get(lang) if isinstance(at, dict) else at
            out.append(say("info_from", publisher=s.get("publisher", "?"), at=at))
            if "rows" in s:
                out.append(
                    say(
                        "info_size",
                        rows=format_int(s["rows"], lang),
                        first=s["years"][0],
                        last=s["years"][1],
                        areas=format_int(s["areas"], lang),
                        indicators=len(s["indicators"]),
                    )
                )
        else:
            out.append(say("info_no_snapshot"))
        if not self.imports:
            out.append(say("info_no_imports"))
        else:
            n = len(self.imports)
            out.append(say("info_imports_one" if n == 1 else "info_imports", n=n))
            for e in self.imports:
                years = e.get("years") or ["?", "?"]
                out.append(
                    say(
                        "info_import",
                        file=e["file_name"],
                        source=e["source"],
                        at=e["imported_at"],
                        rows=format_int(e["rows"], lang),
                        first=years[0],
                        last=years[1],
                        areas=e["areas"],
                        levels=", ".join(e["levels"]),
                        indicators=", ".join(e["indicators"]),
                        sha=e["sha256"][:12],
                    )
                    + (say("info_origin", origin=e["origin"]) if e.get("origin") else "")
                )
            if self.overlapping_rows:
                key = "info_overlap_one" if self.overlapping_rows == 1 else "info_overlap"
                out.append(say(key, n=format_int(self.overlapping_rows, lang)))
        out.extend(say("info_snapshot_failed", message=n.message(lang)) for n in self.notes)
        return "\n".join(out)


def _retrieved(manifest: Manifest, source: str, lang: str) -> str:
    """When the manifest's ``source`` was retrieved, in ``lang``.

    The manifest's ``retrieved`` is English ("2024-08 (Kolada API scrape by the dump
    repository)"). A ``retrieved_<lang>`` in the manifest is used where there is one (as
    ``title_sv`` is); otherwise the manifest's wording, when it is the one the catalogue
    knows (``retrieved_dump``), is worded in ``lang`` with the manifest's month. The
    manifest is not changed.
    """
    import re

    text = manifest.text(source, "retrieved", lang)
    month = re.match(r"\d{4}-\d{2}\b", text)
    if month and text == _TEXTS("retrieved_dump", "en", month=month[0]):
        return _TEXTS("retrieved_dump", lang, month=month[0])
    return text


def data_info(base: Path | None = None, *, include_snapshot: bool = True) -> DataInfo:
    """Describe what is loaded: the snapshot (from the manifest and panel) and the imports.

    The snapshot's title and when it was retrieved are held in each language
    (``{"sv": ..., "en": ...}``); :meth:`DataInfo.text` shows the one of its language.

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
    notes: list[DataError] = []
    snapshot = None
    if include_snapshot:
        try:
            from .panel import SNAPSHOT_SOURCE, load_snapshot
            from .provenance import load_manifest

            manifest = load_manifest(base)
            meta = manifest.sources.get(SNAPSHOT_SOURCE, {})
            panel = load_snapshot(base)  # the snapshot's own rows: the imports are listed below
            snapshot = {
                "id": SNAPSHOT_SOURCE,
                "title": {g: manifest.text(SNAPSHOT_SOURCE, "title", g) for g in ("sv", "en")}
                if meta
                else None,
                "publisher": meta.get("publisher"),
                "retrieved": {g: _retrieved(manifest, SNAPSHOT_SOURCE, g) for g in ("sv", "en")}
                if isinstance(meta.get("retrieved"), str)
                else meta.get("retrieved"),
                **_summary(panel),
            }
        except DataError as exc:  # worded when shown: "the snapshot could not be loaded: ..."
            notes.append(exc)
    entries = list_imports(base)
    overlap = 0
    if entries:
        folder = imports_dir(base)
        keys = [
            pl.read_parquet(folder / e["parquet"], columns=ROW_KEY)
            for e in entries
            if (folder / e["parquet"]).exists()
        ]
        if keys:
            allkeys = pl.concat(keys)
            overlap = allkeys.height - allkeys.unique().height
    return DataInfo(snapshot, entries, overlap, notes)
