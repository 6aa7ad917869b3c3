"""Swedish messages of the DDF reader, the data folder's lock, the catalogue, the manifest,
the case file, the groups and the offline report check.

Real errors, from bad files in ``tmp_path`` and bad arguments: each has a Swedish message
(``err.message("sv")``) that differs from the English one and holds no English sentence,
while the English message stays what it was.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from research.core.ddf import read_datapoints
from research.core.errors import (
    ArgumentError,
    DataError,
    ParseError,
    ReportError,
    UnknownIndicatorError,
)
from research.core.locking import FolderNotWritableError, atomic_write_bytes, describe_os_error
from research.data.catalog import load_catalog
from research.data.groups import UnknownGroupError, resolve_group
from research.data.pilots import case_parameter
from research.data.provenance import load_manifest
from research.runner.offline import make_self_contained

from .swedish import english_words, swedish_message


def test_ddf_reader_bad_value(tmp_path: Path) -> None:
    f = tmp_path / "ddf--datapoints--n07402--by--geo--year.csv"
    f.write_text("geo,year,n07402\n0126,2020,abc\n", encoding="utf-8")
    with pytest.raises(ParseError) as info:
        read_datapoints(f, "N07402", has_gender=False)
    assert str(info.value) == f"{f}, line 2: value 'abc' is not a number"
    assert swedish_message(info.value, drop=[f]) == f"{f}, rad 2: värdet 'abc' är inget tal"


def test_ddf_reader_duplicate_row(tmp_path: Path) -> None:
    f = tmp_path / "ddf--datapoints--n07402--by--geo--year.csv"
    f.write_text("geo,year,n07402\n0126,2020,1.5\n0126,2020,2.5\n", encoding="utf-8")
    with pytest.raises(ParseError) as info:
        read_datapoints(f, "N07402", has_gender=False)
    assert str(info.value).endswith("duplicate row for geo 0126, year 2020 (first at line 2)")
    assert "dubblettrad för geo 0126, år 2020 (första gången på rad 2)" in swedish_message(
        info.value, drop=[f]
    )


def test_folder_not_writable(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    with pytest.raises(FolderNotWritableError) as info:
        atomic_write_bytes(blocker / "sub" / "x.parquet", b"data")
    assert "a path component is a file, not a folder" in str(info.value)
    assert "x.parquet was not changed" in str(info.value)
    sv = info.value.message("sv")
    assert "en del av sökvägen är en fil, inte en mapp" in sv
    assert "x.parquet ändrades inte" in sv
    full = OSError(errno.ENOSPC, "No space left on device")
    assert describe_os_error(full, None) == "a file: the disk is full (No space left on device)"
    assert describe_os_error(full, None, "sv") == "en fil: disken är full (No space left on device)"


def test_unknown_indicator_suggests_in_both_languages() -> None:
    with pytest.raises(UnknownIndicatorError) as info:
        load_catalog().get("N0740")
    assert "; did you mean N07540 (All crimes), " in str(info.value)
    sv = swedish_message(info.value)
    assert sv.startswith("Indikatorn 'N0740' finns inte i katalogen; menade du N07540 (")
    assert sv.endswith(". Listan finns i data/catalog.toml.")


def test_manifest_missing(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        load_manifest(tmp_path)
    assert str(info.value).endswith(": the provenance manifest is missing")
    assert "manifestet (datas ursprung och kontrollsummor) saknas" in swedish_message(
        info.value, drop=[tmp_path / "manifest.toml"]
    )


def test_group_reference_errors() -> None:
    with pytest.raises(UnknownGroupError) as info:
        resolve_group("kolada:liknande-ifoo", kommun="0126")
    assert "names no Kolada group; did you mean 'kolada:liknande-ifo', " in str(info.value)
    sv = swedish_message(info.value)
    assert "anger ingen grupp i Kolada; menade du 'kolada:liknande-ifo', " in sv
    assert "? Teman: ifo, socioekonomi, " in sv
    with pytest.raises(ArgumentError) as info2:
        resolve_group("kolada:liknande-ifo:01")
    assert str(info2.value).endswith("is a län")
    assert swedish_message(info2.value).endswith("är ett län")


def test_case_parameter_and_offline_report() -> None:
    with pytest.raises(ArgumentError) as info:
        case_parameter("nope")
    assert swedish_message(info.value).startswith("'nope' är ingen parameter för fallet")
    with pytest.raises(ReportError) as info2:
        make_self_contained('<img src="https://example.org/a.png"><img src="missing.png">')
    assert str(info2.value).startswith("the report loads 1 resource from the network")
    sv = info2.value.message("sv")
    assert sv.startswith("rapporten hämtar 1 resurs från nätet")
    assert "1 lokal fil hittades inte: missing.png" in sv
    assert "den tidigare rapporten är oförändrad" in sv


def test_the_shared_check_sees_english_and_passes_code_tokens() -> None:
    assert english_words("data/x.csv: the file is missing", drop=["data/x.csv"]) == [
        "the",
        "file",
        "is",
        "missing",
    ]
    assert english_words("ange --year och year= i Python; 'the value' [a, b] start_year") == []
    assert english_words("filen saknas; läs in den igen (rad 3)") == []
