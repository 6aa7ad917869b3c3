"""Brå readers against the TEST FIXTURES in tests/data (made-up numbers, see README there).

Expected values are read off the fixture files by eye (tests/data/make_fixtures.py), not
produced by the reader.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from research.core.errors import DataError, ParseError
from research.data.sources.bra import BRA_CATEGORIES, match_category, read_bra_csv, read_bra_excel
from research.data.sources.common import CANONICAL_SCHEMA, UnmatchedNamesError

DATA = Path(__file__).parent / "data"


def _row(df: pl.DataFrame, code: str, year: int | None = None) -> dict:
    q = df.filter(pl.col("area_code") == code)
    if year is not None:
        q = q.filter(pl.col("year") == year)
    assert q.height == 1, (code, year, q)
    return q.row(0, named=True)


def test_kommun_csv_with_title_line():
    df = read_bra_csv(DATA / "bra_kommuner_2022.csv")
    assert dict(df.schema) == CANONICAL_SCHEMA
    assert df.height == 11
    assert set(df["year"]) == {2022}
    assert set(df["indicator"]) == {"BRA_GROV_KVINNOFRID"}
    assert set(df["sex"]) == {"T"}
    assert set(df["source"]) == {"bra-import:bra_kommuner_2022.csv"}
    h = _row(df, "0126")
    assert (h["area_name"], h["level"], h["parent_code"]) == ("Huddinge", "kommun", "01")
    assert (h["count"], h["value"], h["unit"]) == (64, 55.9, "per 100\xa0000 inv.")
    # narrow no-break space and no-break space as thousands separators
    assert _row(df, "00")["count"] == 1950
    assert _row(df, "00")["level"] == "riket"
    assert (_row(df, "1480")["count"], _row(df, "1480")["value"]) == (1212, 205.3)
    # genitive and irregular official names
    assert _row(df, "2506")["area_name"] == "Arjeplog"
    assert _row(df, "2080")["area_name"] == "Falun"
    assert _row(df, "0180")["count"] == 310  # "Stockholms stad"
    # ".." is missing (never zero); "-" and "–" are zero
    arj = _row(df, "2506")
    assert arj["count"] is None and arj["value"] is None
    salem = _row(df, "0128")
    assert (salem["count"], salem["value"]) == (0, 0.0)
    # an official count is never an estimate
    assert df["count_est"].null_count() == df.height


def test_kommun_csv_without_title_needs_parameters():
    path = DATA / "bra_kommuner_utan_titel.csv"
    with pytest.raises(ParseError, match="year and indicator"):
        read_bra_csv(path)
    df = read_bra_csv(path, year=2021, indicator="bra_olaga_hot")
    assert set(df["year"]) == {2021} and set(df["indicator"]) == {"BRA_OLAGA_HOT"}
    assert _row(df, "0126")["count"] == 64


def test_title_and_parameters_must_agree():
    path = DATA / "bra_kommuner_2022.csv"
    with pytest.raises(ParseError) as e:
        read_bra_csv(path, year=2021)
    assert e.value.line == 1 and "2022" in str(e.value)
    with pytest.raises(ParseError, match="BRA_GROV_KVINNOFRID"):
        read_bra_csv(path, indicator="BRA_OLAGA_HOT")
    assert read_bra_csv(path, year=2022, indicator="BRA_GROV_KVINNOFRID").height == 11


def test_unknown_indicator_id_is_refused():
    with pytest.raises(DataError, match="BRA_GROV_KVINNOFRID"):
        read_bra_csv(DATA / "bra_kommuner_utan_titel.csv", year=2022, indicator="N07402")


def test_latin1_brå_file_is_refused_with_line():
    with pytest.raises(ParseError) as e:
        read_bra_csv(DATA / "bra_kommuner_latin1.csv", year=2022, indicator="BRA_OLAGA_HOT")
    # line 7 is "Göteborgs stad", the first line with a non-ASCII byte
    assert e.value.line == 7
    assert "bra_kommuner_latin1.csv" in str(e.value) and "UTF-8" in str(e.value)


def test_district_file():
    df = read_bra_csv(DATA / "bra_stadsdelar_2022.csv")
    sod = _row(df, "0180-SOD")
    assert (sod["area_name"], sod["level"], sod["parent_code"]) == ("Södermalm", "district", "0180")
    assert (sod["count"], sod["value"]) == (41, 31.5)
    assert _row(df, "0180-KUN")["count"] == 20  # "Kungsholmens stadsdelsområde"
    assert _row(df, "0180-OST")["count"] == 18  # "Östermalms stadsdelsområde"
    assert _row(df, "1480-CEN")["value"] is None
    assert _row(df, "1280-INN")["parent_code"] == "1280"
    assert _row(df, "0180")["level"] == "kommun"
    assert df.height == 7  # the "Källa:" footnote is not a row


def _write(tmp_path: Path, text: str, name: str = "f.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(("\ufeff" + text).replace("\n", "\r\n").encode("utf-8"))
    return p


def test_unmatched_names_are_all_listed_with_suggestions(tmp_path):
    p = _write(
        tmp_path,
        "Kommun;Antal;Per 100 000 inv.\nAlle kommun;1;2,0\nHuddinge;3;4,0\nHudinge;5;6,0\n",
    )
    with pytest.raises(UnmatchedNamesError) as e:
        read_bra_csv(p, year=2022, indicator="BRA_OLAGA_HOT")
    err = e.value
    assert [(line, name) for line, name, _ in err.unmatched] == [(2, "Alle kommun"), (4, "Hudinge")]
    assert ("1440", "Ale") in err.unmatched[0][2]
    assert ("0126", "Huddinge") in err.unmatched[1][2]
    assert "f.csv" in str(err) and "line 2" in str(err) and "line 4" in str(err)


def test_district_outside_its_years_is_refused(tmp_path):
    p = _write(tmp_path, "Område;Antal;Per 100 000 inv.\nStockholm: Järva;10;12,0\n")
    with pytest.raises(ParseError, match="did not exist in 2021") as e:
        read_bra_csv(p, year=2021, indicator="BRA_OLAGA_HOT")
    assert e.value.line == 2
    assert read_bra_csv(p, year=2024, indicator="BRA_OLAGA_HOT")["area_code"][0] == "0180-JAR"


def test_category_before_it_existed_is_refused(tmp_path):
    p = _write(tmp_path, "Kommun;Antal;Per 100 000 inv.\nHuddinge;10;12,0\n")
    with pytest.raises(ParseError, match="2021-07-01"):
        read_bra_csv(p, year=2020, indicator="BRA_BARNFRID")


def test_footnote_then_data_is_refused(tmp_path):
    p = _write(tmp_path, "Kommun;Antal;Per 100 000 inv.\nAle;1;2,0\nKälla: Brå\nSalem;1;2,0\n")
    with pytest.raises(ParseError) as e:
        read_bra_csv(p, year=2022, indicator="BRA_OLAGA_HOT")
    assert e.value.line == 4


def test_match_category():
    assert match_category("Grov fridskränkning").id == "BRA_GROV_FRID"
    assert match_category("GROV KVINNOFRIDSKRÄNKNING 2022").id == "BRA_GROV_KVINNOFRID"
    assert match_category("Misshandel mot kvinna 18 år eller äldre").id == "BRA_MISSHANDEL_KVINNA"
    assert match_category("Cykelstöld") is None
    assert all(k.startswith("BRA_") for k in BRA_CATEGORIES)


def test_excel_export_with_districts():
    df = read_bra_excel(DATA / "bra_statistikdatabas.xlsx")
    assert dict(df.schema) == CANONICAL_SCHEMA
    assert df.height == 15
    assert set(df["indicator"]) == {"BRA_GROV_KVINNOFRID"}  # from the title row "Brott: ..."
    sod = df.filter(pl.col("area_code") == "0180-SOD").sort("year")
    assert sod["count"].to_list() == [40, 44, 41]
    assert sod["value"].to_list() == [30.5, 33.7, 31.5]  # 33,7 was a text cell
    assert _row(df, "01")["level"] == "lan"
    assert _row(df, "1480-CEN")["value"] is None
    assert _row(df, "0126", 2021)["count"] == 60


def test_excel_year_parameter_must_agree():
    with pytest.raises(ParseError, match="differs from the year 2021 given with --year") as e:
        read_bra_excel(DATA / "bra_statistikdatabas.xlsx", year=2021)
    assert e.value.line == 6  # the first data row (sheet row 6: rows 2-3 title, 5 header)


def test_excel_error_names_sheet_row():
    with pytest.raises(ParseError) as e:
        read_bra_excel(DATA / "bra_statistikdatabas_fel.xlsx")
    assert e.value.line == 8 and "negative" in str(e.value)
    assert "bra_statistikdatabas_fel.xlsx" in str(e.value)


def test_excel_not_a_workbook(tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_bytes(b"not a zip")
    with pytest.raises(ParseError, match=r"x\.xlsx"):
        read_bra_excel(p)


def test_header_without_data_rows_is_refused(tmp_path):
    p = _write(tmp_path, "Kommun;Antal;Per 100 000 inv.\n")
    with pytest.raises(ParseError, match="the file has a header but no data rows") as e:
        read_bra_csv(p, year=2022, indicator="BRA_OLAGA_HOT")
    assert "f.csv" in str(e.value)
