"""The import store: provenance, idempotence, atomicity, loading, merging, data_info."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from research.core.errors import ArgumentError, DataError, ParseError
from research.core.locking import FolderNotWritableError
from research.core.paths import PROJECT_ROOT
from research.data.import_store import imports_dir, list_imports, load_imports, merge_with_snapshot
from research.data.imports import data_info, import_file
from research.data.sources.common import CANONICAL_SCHEMA, build_frame

DATA = Path(__file__).parent / "data"


def _listing(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    } | {str(p.relative_to(folder)) + "/": "dir" for p in folder.rglob("*") if p.is_dir()}


def test_import_writes_parquet_copy_and_provenance(tmp_path):
    src = DATA / "bra_kommuner_2022.csv"
    r = import_file(src, source="bra", base=tmp_path)
    assert r.created and r.rows == 11
    folder = imports_dir(tmp_path)
    entry = list_imports(tmp_path)[0]
    assert entry["file_name"] == "bra_kommuner_2022.csv"
    assert entry["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert entry["bytes"] == src.stat().st_size
    assert entry["source"] == "bra" and entry["reader"] == "read_bra_csv"
    assert entry["rows"] == 11 and entry["years"] == [2022, 2022]
    assert entry["indicators"] == ["BRA_GROV_KVINNOFRID"]
    assert entry["imported_at"].endswith("+00:00")
    assert (folder / entry["original"]).read_bytes() == src.read_bytes()
    stored = pl.read_parquet(folder / entry["parquet"])
    assert dict(stored.schema) == CANONICAL_SCHEMA
    assert stored.equals(r.frame)


def test_reimport_changes_nothing(tmp_path):
    src = DATA / "bra_statistikdatabas.xlsx"
    import_file(src, source="bra", base=tmp_path)
    before = _listing(imports_dir(tmp_path))
    mtimes = {p: p.stat().st_mtime_ns for p in imports_dir(tmp_path).rglob("*")}
    again = import_file(src, source="bra", base=tmp_path)
    assert not again.created and again.rows == 15
    assert _listing(imports_dir(tmp_path)) == before
    assert {p: p.stat().st_mtime_ns for p in imports_dir(tmp_path).rglob("*")} == mtimes


def test_same_bytes_other_parameters_is_refused(tmp_path):
    src = DATA / "bra_kommuner_utan_titel.csv"
    import_file(src, source="bra", base=tmp_path, year=2022, indicator="BRA_OLAGA_HOT")
    with pytest.raises(DataError, match="contradict"):
        import_file(src, source="bra", base=tmp_path, year=2021, indicator="BRA_OLAGA_HOT")


def test_failed_import_leaves_store_unchanged(tmp_path):
    import_file(DATA / "kolada_n07402.json", source="kolada", base=tmp_path)
    before = _listing(imports_dir(tmp_path))
    for path, kw in [
        (DATA / "bra_kommuner_latin1.csv", {"year": 2022, "indicator": "BRA_OLAGA_HOT"}),
        (DATA / "bra_statistikdatabas_fel.xlsx", {}),
        (DATA / "bra_kommuner_utan_titel.csv", {}),
    ]:
        with pytest.raises(ParseError):
            import_file(path, source="bra", base=tmp_path, **kw)
        assert _listing(imports_dir(tmp_path)) == before


def test_failure_during_commit_rolls_back(tmp_path, monkeypatch):
    import_file(DATA / "kolada_n07402.json", source="kolada", base=tmp_path)
    before = _listing(imports_dir(tmp_path))
    real = os.replace

    def failing(src, dst):
        if str(dst).endswith("imports.json"):
            raise OSError("disk full (simulated)")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(FolderNotWritableError, match="simulated"):
        import_file(DATA / "bra_kommuner_2022.csv", source="bra", base=tmp_path)
    monkeypatch.setattr(os, "replace", real)
    assert _listing(imports_dir(tmp_path)) == before
    # and into an empty data folder: nothing at all is left behind
    empty = tmp_path / "empty"
    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(FolderNotWritableError):
        import_file(DATA / "bra_kommuner_2022.csv", source="bra", base=empty)
    assert not imports_dir(empty).exists()


def test_parameter_errors(tmp_path):
    with pytest.raises(ArgumentError, match="source"):
        import_file(DATA / "kolada_n07402.json", source="rka", base=tmp_path)
    with pytest.raises(ArgumentError, match="Brå files only"):
        import_file(DATA / "kolada_n07402.json", source="kolada", year=2022, base=tmp_path)
    with pytest.raises(ArgumentError, match=r"no reader for \.csv files from Kolada"):
        import_file(DATA / "scb_folkmangd_utf8.csv", source="kolada", base=tmp_path)
    assert not imports_dir(tmp_path).exists()


def test_snapshot_is_never_touched(tmp_path):
    raw = PROJECT_ROOT / "data" / "raw"
    before = _listing(raw)
    import_file(DATA / "scb_tab638.json", source="scb", base=tmp_path)
    assert _listing(raw) == before


def test_load_imports(tmp_path):
    empty = load_imports(tmp_path)
    assert empty.is_empty() and dict(empty.schema) == CANONICAL_SCHEMA
    import_file(DATA / "bra_kommuner_2022.csv", source="bra", base=tmp_path)
    import_file(DATA / "stockholm_stadsdelar.xlsx", source="stockholm", base=tmp_path)
    import_file(DATA / "scb_tab638.json", source="scb", base=tmp_path)
    df = load_imports(tmp_path)
    assert dict(df.schema) == CANONICAL_SCHEMA
    assert df.height == 11 + 12 + 16
    assert set(df["source"]) == {
        "bra-import:bra_kommuner_2022.csv",
        "stockholm-import:stockholm_stadsdelar.xlsx",
        "scb-import:scb_tab638.json",
    }


def test_overlapping_imports_latest_wins(tmp_path):
    import_file(DATA / "stockholm_stadsdelar.csv", source="stockholm", base=tmp_path)
    import_file(DATA / "stockholm_stadsdelar.xlsx", source="stockholm", base=tmp_path)
    df = load_imports(tmp_path)
    assert df.height == 12
    assert set(df["source"]) == {"stockholm-import:stockholm_stadsdelar.xlsx"}
    info = data_info(tmp_path, include_snapshot=False)
    assert info.overlapping_rows == 12
    assert "more than one import" in info.text()


def test_ledger_names_missing_parquet(tmp_path):
    r = import_file(DATA / "kolada_n07402.json", source="kolada", base=tmp_path)
    r.parquet.unlink()
    with pytest.raises(DataError, match="missing"):
        load_imports(tmp_path)


def _row(year, value, source, **kw):
    return dict(area_code="0126", area_name="Huddinge", level="kommun", parent_code="01",
                year=year, indicator="N07402", sex="T", value=value,
                unit="per 100 000 inv.", source=source, **kw)  # fmt: skip


def test_merge_with_snapshot():
    snapshot = build_frame(
        [
            _row(2019, 40.0, "snap", population=100_000.0),
            _row(2020, 48.3, "snap", population=101_000.0),
            _row(2021, 50.2, "snap"),
            _row(2022, 52.0, "snap"),
        ]
    ).drop("count")  # the panel has no official count column
    imports = build_frame(
        [
            _row(2020, 48.27, "imp"),  # same value up to rounding: no conflict
            _row(2021, 50.4, "imp", count=58),  # a real difference
            _row(2022, None, "imp"),  # suppressed in the import: keep the snapshot value
            _row(2023, 55.0, "imp"),  # new year
        ]
    )
    merged, conflicts = merge_with_snapshot(snapshot, imports)
    got = {r["year"]: (r["value"], r["source"]) for r in merged.iter_rows(named=True)}
    assert got == {
        2019: (40.0, "snap"),
        2020: (48.27, "imp"),
        2021: (50.4, "imp"),
        2022: (52.0, "snap"),
        2023: (55.0, "imp"),
    }
    assert merged.filter(pl.col("year") == 2020)["population"][0] == 101_000.0
    assert merged.filter(pl.col("year") == 2021)["count"][0] == 58
    assert conflicts.select("year", "value_snapshot", "value_import").rows() == [(2021, 50.2, 50.4)]
    assert conflicts["difference"][0] == pytest.approx(0.2)
    assert set(conflicts.columns) >= {"source_snapshot", "source_import", "area_name"}


@pytest.mark.parametrize(
    ("a", "b", "conflict"),
    [(48.3, 48.27, False), (48.3, 48.25, False), (48.3, 48.2, True), (48.3, 48.36, True),
     (113000.0, 113000.0, False), (113000.0, 113001.0, True), (0.0, 0.04, False)],
)  # fmt: skip
def test_rounding_tolerance(a, b, conflict):
    _, conflicts = merge_with_snapshot(build_frame([_row(2020, a, "s")]),
                                       build_frame([_row(2020, b, "i")]))  # fmt: skip
    assert conflicts.height == int(conflict)


def test_merge_real_panel_shape(tmp_path):
    from research.data.panel import load_panel

    panel = load_panel()
    import_file(DATA / "kolada_n07402.json", source="kolada", base=tmp_path)
    merged, conflicts = merge_with_snapshot(panel, load_imports(tmp_path))
    assert dict(merged.schema) == CANONICAL_SCHEMA
    key = ["area_code", "year", "indicator", "sex"]
    assert merged.select(key).is_duplicated().sum() == 0
    # every fixture row either matches the snapshot (within rounding) or is a conflict
    assert (
        merged.height
        == panel.height + load_imports(tmp_path).join(panel.select(key), on=key, how="anti").height
    )
    assert conflicts.columns[:5] == ["area_code", "area_name", "year", "indicator", "sex"]


def test_data_info(tmp_path):
    shutil.copy(DATA / "bra_kommuner_2022.csv", tmp_path / "f.csv")
    import_file(tmp_path / "f.csv", source="bra", base=tmp_path / "d", origin="https://x/y")
    info = data_info(tmp_path / "d", include_snapshot=False)
    assert len(info.imports) == 1 and info.overlapping_rows == 0
    text = info.text()
    assert "f.csv [bra]" in text and "rows 11" in text and "from https://x/y" in text
    full = data_info()
    assert full.snapshot is not None and full.snapshot["years"][0] <= 2008
    assert "Snapshot:" in full.text()
    json.dumps(info.imports)  # the structure is JSON-serialisable
