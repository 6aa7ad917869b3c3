"""The panel built from the raw Kolada snapshot: shape, codes, values, provenance checks.

Expected values are read from the raw CSV text with plain string handling (not through the
project's reader), or written out by hand from the files.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import polars as pl
import pytest

from research.core.errors import ChecksumError, ParseError
from research.core.paths import PROJECT_ROOT
from research.data.catalog import load_catalog
from research.data.panel import build_panel, load_panel, panel_fingerprint

from .manifest_edit import rewrite_manifest_sha

RAW = PROJECT_ROOT / "data" / "raw" / "kolada"


def raw_value(kpi: str, geo: str, year: int) -> float:
    """Read one value straight from the raw file's text."""
    path = RAW / f"ddf--datapoints--{kpi.lower()}--by--geo--year.csv"
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        g, y, v = line.split(",")
        if g == geo and int(y) == year:
            return float(v)
    raise KeyError((kpi, geo, year))


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return load_panel()


def test_290_kommuner_in_2022(panel: pl.DataFrame) -> None:
    d = panel.filter(
        (pl.col("indicator") == "N07402") & (pl.col("year") == 2022) & (pl.col("level") == "kommun")
    )
    assert d.height == 290
    assert d["area_code"].n_unique() == 290


def test_codes_are_strings_with_leading_zeros(panel: pl.DataFrame) -> None:
    assert panel.schema["area_code"] == pl.String
    kommun = panel.filter(pl.col("level") == "kommun")["area_code"].unique()
    assert kommun.str.len_chars().unique().to_list() == [4]
    assert {"0114", "0126", "0180"} <= set(kommun.to_list())
    assert set(panel.filter(pl.col("level") == "riket")["area_code"].unique()) == {"00"}
    lan = panel.filter(pl.col("level") == "lan")["area_code"].unique()
    assert lan.str.len_chars().unique().to_list() == [2]


def test_values_match_raw_files(panel: pl.DataFrame) -> None:
    def got(code: str, ind: str, year: int) -> float:
        row = panel.filter(
            (pl.col("area_code") == code)
            & (pl.col("indicator") == ind)
            & (pl.col("year") == year)
            & (pl.col("sex") == "T")
        )
        assert row.height == 1
        return row["value"][0]

    # Huddinge's 2022 grov kvinnofridskränkning rate: "0126,2022,9.60665" in the raw file.
    assert got("0126", "N07402", 2022) == 9.60665
    assert got("0126", "N07402", 2022) == raw_value("n07402", "0126", 2022)
    assert got("0180", "N01951", 2022) == 984748.0
    assert got("00", "N07402", 2022) == raw_value("n07402", "0", 2022)
    assert got("2506", "N07549", 2015) == raw_value("n07549", "2506", 2015)


def test_sex_rows_from_gender_files(panel: pl.DataFrame) -> None:
    pop = panel.filter(
        (pl.col("indicator") == "N01951")
        & (pl.col("area_code") == "0126")
        & (pl.col("year") == 2022)
    )
    by_sex = dict(pop.select("sex", "value").iter_rows())
    assert set(by_sex) == {"T", "K", "M"}
    assert by_sex["K"] + by_sex["M"] == by_sex["T"]


def test_estimated_counts(panel: pl.DataFrame) -> None:
    row = panel.filter(
        (pl.col("area_code") == "0126")
        & (pl.col("indicator") == "N07402")
        & (pl.col("year") == 2022)
    )
    # 9.60665 per 100 000 x 114 504 inhabitants = 10.9999... -> 11 (estimate, not official)
    assert row["population"][0] == 114504.0
    assert row["count_est"][0] == 11
    assert row["count_est_error"][0] == pytest.approx(abs(9.60665 * 114504 / 1e5 - 11))
    # No count is derived for survey shares or three-year means.
    assert (
        panel.filter(pl.col("indicator").is_in(["N01460", "N07401"]))["count_est"].null_count()
        == panel.filter(pl.col("indicator").is_in(["N01460", "N07401"])).height
    )


def test_one_row_per_key(panel: pl.DataFrame) -> None:
    keys = ["area_code", "year", "indicator", "sex"]
    assert panel.select(keys).is_duplicated().sum() == 0


def test_catalogue_coverage_matches_panel(panel: pl.DataFrame) -> None:
    cat = load_catalog()
    snapshot_ids = {k for k, v in cat.indicators.items() if v.source.startswith("Kolada")}
    assert set(panel["indicator"].unique()) == snapshot_ids
    spans = panel.group_by("indicator").agg(
        pl.col("year").min().alias("a"), pl.col("year").max().alias("b")
    )
    for ind, a, b in spans.iter_rows():
        assert cat[ind].coverage == (a, b), ind


def test_row_count_matches_raw_files(panel: pl.DataFrame) -> None:
    n = 0
    for p in RAW.glob("ddf--datapoints--*.csv"):
        with open(p, encoding="utf-8") as fh:
            n += sum(1 for _ in csv.reader(fh)) - 1
    assert panel.height == n


def test_checksum_mismatch_is_refused(data_copy: Path) -> None:
    target = data_copy / "raw/kolada/ddf--datapoints--n07402--by--geo--year.csv"
    target.write_text(target.read_text().replace("9.60665", "9.70665"))
    with pytest.raises(ChecksumError, match=r"n07402--by--geo--year\.csv"):
        build_panel(data_copy)
    with pytest.raises(ChecksumError, match="refusing to build"):
        load_panel(data_copy)


def test_malformed_file_names_file_and_line(data_copy: Path) -> None:
    rel = "raw/kolada/ddf--datapoints--n07402--by--geo--year.csv"
    path = data_copy / rel
    lines = path.read_text().splitlines(keepends=True)
    lines[4] = "0117,2008,forty\n"
    path.write_text("".join(lines))
    rewrite_manifest_sha(data_copy, rel)
    with pytest.raises(ParseError) as info:
        build_panel(data_copy)
    assert info.value.line == 5
    assert "n07402--by--geo--year.csv, line 5" in str(info.value)
    assert "'forty' is not a number" in str(info.value)


def test_cache_rebuilds_when_raw_changes(data_copy: Path) -> None:
    first = load_panel(data_copy)
    cache = data_copy / "processed" / "panel.parquet"
    assert cache.exists()
    fp1 = panel_fingerprint(data_copy)
    rel = "raw/kolada/ddf--datapoints--n07402--by--geo--year.csv"
    path = data_copy / rel
    path.write_text(path.read_text().replace("0126,2022,9.60665", "0126,2022,9.7"))
    rewrite_manifest_sha(data_copy, rel)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
    assert panel_fingerprint(data_copy) != fp1
    second = load_panel(data_copy)
    pick = (
        (pl.col("area_code") == "0126")
        & (pl.col("indicator") == "N07402")
        & (pl.col("year") == 2022)
    )
    assert first.filter(pick)["value"][0] == 9.60665
    assert second.filter(pick)["value"][0] == 9.7
    assert pl.read_parquet(cache).filter(pick)["value"][0] == 9.7
