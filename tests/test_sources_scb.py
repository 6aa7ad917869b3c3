"""SCB and district-population readers against TEST FIXTURES (made-up numbers).

Expected values are copied from tests/data/make_fixtures.py by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from research.core.errors import ParseError
from research.data.sources.common import CANONICAL_SCHEMA
from research.data.sources.scb import (
    parse_jsonstat,
    read_population_excel,
    read_scb_csv,
    read_scb_jsonstat,
)

DATA = Path(__file__).parent / "data"


def _val(df, code, sex, year):
    q = df.filter((pl.col("area_code") == code) & (pl.col("sex") == sex) & (pl.col("year") == year))
    assert q.height == 1
    return q["value"][0]


def test_jsonstat_fixture():
    df = read_scb_jsonstat(DATA / "scb_tab638.json")
    assert dict(df.schema) == CANONICAL_SCHEMA
    assert df.height == 16
    assert set(df["indicator"]) == {"BE0101N1"} and set(df["unit"]) == {"invånare"}
    # value order: Region x Kon x ContentsCode x Tid, last fastest
    assert _val(df, "00", "M", 2021) == 5_250_000
    assert _val(df, "00", "K", 2022) == 5_220_000
    assert _val(df, "0126", "K", 2021) == 56_300
    assert _val(df, "0180", "K", 2022) == 497_000
    assert _val(df, "0126", "K", 2022) is None  # null value with status ".."
    assert set(df.filter(pl.col("area_code") == "01")["level"]) == {"lan"}
    # population is only the total population; these are sex-specific rows
    assert df["population"].null_count() == df.height


def _doc(**changes):
    doc = {
        "version": "2.0",
        "class": "dataset",
        "id": ["Region", "ContentsCode", "Tid"],
        "size": [2, 1, 1],
        "dimension": {
            "Region": {"category": {"index": ["0126", "0180"]}},
            "ContentsCode": {"category": {"index": {"BE0101N1": 0}}},
            "Tid": {"category": {"index": {"2022": 0}}},
        },
        "value": [113_000, 985_000],
    }
    doc.update(changes)
    return json.dumps(doc, indent=1)


def test_jsonstat_total_population():
    df = parse_jsonstat(_doc())
    assert df.select("area_code", "sex", "value", "population").rows() == [
        ("0126", "T", 113_000.0, 113_000.0),
        ("0180", "T", 985_000.0, 985_000.0),
    ]


def test_jsonstat_refuses_uneliminated_age():
    doc = json.loads(_doc())
    doc["id"].insert(1, "Alder")
    doc["size"].insert(1, 2)
    doc["dimension"]["Alder"] = {"category": {"index": ["tot", "0-4"]}}
    doc["value"] = [1, 2, 3, 4]
    with pytest.raises(ParseError, match="count people twice"):
        parse_jsonstat(json.dumps(doc, indent=1), "resp.json")


def test_jsonstat_errors():
    with pytest.raises(ParseError, match="should hold 2 numbers"):
        parse_jsonstat(_doc(value=[1]))
    with pytest.raises(ParseError, match="not BE0101N1"):
        doc = json.loads(_doc())
        doc["dimension"]["ContentsCode"]["category"]["index"] = {"BE0101N2": 0}
        parse_jsonstat(json.dumps(doc))
    with pytest.raises(ParseError) as e:
        parse_jsonstat('{\n"id": [\n', "broken.json")
    assert e.value.line is not None and "broken.json" in str(e.value)
    with pytest.raises(ParseError, match="not a known"):
        doc = json.loads(_doc())
        doc["dimension"]["Region"]["category"]["index"] = ["0126", "0999"]
        parse_jsonstat(json.dumps(doc))
    with pytest.raises(ParseError, match="negative"):
        parse_jsonstat(_doc(value=[1, -2]))


def test_csv_latin1_wide_by_year():
    df = read_scb_csv(DATA / "scb_folkmangd_latin1.csv")
    assert df.height == 10
    assert _val(df, "0126", "M", 2022) == 57_400
    assert _val(df, "00", "K", 2021) == 5_200_000
    assert df.filter(pl.col("area_code") == "2580")["area_name"][0] == "Luleå"


def test_csv_utf8_long_with_year_column():
    df = read_scb_csv(DATA / "scb_folkmangd_utf8.csv")
    assert df.select("area_code", "value", "population").rows() == [
        ("01", 2_450_000.0, 2_450_000.0),
        ("0126", 114_100.0, 114_100.0),
        ("0180", 985_000.0, 985_000.0),
    ]


def test_csv_code_and_name_must_agree(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("region,2022\n0126 Huddinge,1\n0126 Botkyrka,2\n", encoding="utf-8")
    with pytest.raises(ParseError, match="0126 is Huddinge") as e:
        read_scb_csv(p)
    assert e.value.line == 3


def test_csv_population_must_be_whole(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("region;2022\n0126 Huddinge;113 000,5\n", encoding="utf-8")
    with pytest.raises(ParseError, match="not a whole number") as e:
        read_scb_csv(p)
    assert e.value.line == 2


def test_stockholm_district_population_csv_and_excel():
    csv_df = read_scb_csv(DATA / "stockholm_stadsdelar.csv", source_kind="stockholm")
    xl_df = read_population_excel(DATA / "stockholm_stadsdelar.xlsx")
    for df in (csv_df, xl_df):
        assert set(df["level"]) == {"district"}
        assert set(df["parent_code"]) == {"0180"}
        sod = df.filter(pl.col("area_code") == "0180-SOD").sort("year")
        assert sod["value"].to_list() == [131_000, 130_500, 130_200]
        assert _val(df, "0180-OST", "T", 2022) == 50_300
    assert set(csv_df["source"]) == {"stockholm-import:stockholm_stadsdelar.csv"}
    assert set(xl_df["source"]) == {"stockholm-import:stockholm_stadsdelar.xlsx"}
