"""Kolada v3 reader against a TEST FIXTURE in the API's response format (made-up numbers)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from research.core.errors import ParseError
from research.data.sources.kolada import kolada_area_code, parse_kolada, read_kolada_json

DATA = Path(__file__).parent / "data"


def test_fixture():
    df = read_kolada_json(DATA / "kolada_n07402.json")
    # 7 items with 9 value entries, one of them isdeleted
    assert df.height == 8
    assert "M" not in set(df["sex"])  # the deleted entry is skipped
    riket = df.filter(pl.col("area_code") == "00").sort("year")
    assert riket["value"].to_list() == [17.9, 18.6]
    assert set(riket["level"]) == {"riket"}
    lan = df.filter(pl.col("area_code") == "01")
    assert (lan["level"][0], lan["value"][0]) == ("lan", 21.0)
    sthlm21 = df.filter((pl.col("area_code") == "0180") & (pl.col("year") == 2021))
    assert sthlm21["value"][0] is None  # null kept as missing
    assert df.filter((pl.col("area_code") == "0126") & (pl.col("sex") == "K"))["value"][0] == 103.1
    assert set(df["unit"]) == {"per 100\xa0000 inv."}  # from data/catalog.toml
    assert df["count"].null_count() == df.height  # Kolada's count is not a crime count


def test_codes():
    assert [kolada_area_code(c) for c in ("0000", "0001", "0025", "0126", "2580")] == [
        "00", "01", "25", "0126", "2580",
    ]  # fmt: skip


def _item(muni="0126", year=2022, gender="T", value=1.0):
    return {"kpi": "N07402", "municipality": muni, "period": year,
            "values": [{"gender": gender, "count": 1, "status": "", "value": value,
                        "isdeleted": False}]}  # fmt: skip


def test_error_names_line_of_item():
    doc = {"values": [_item(), _item(muni="0180"), _item(muni="0127", gender="X")]}
    text = json.dumps(doc, indent=1)
    lines = text.splitlines()
    at = next(i for i, ln in enumerate(lines) if '"0127"' in ln)
    third = max(i for i in range(at) if lines[i] == "  {") + 1  # 1-based line of the item
    with pytest.raises(ParseError, match="gender 'X'") as e:
        parse_kolada(text, "resp.json")
    assert e.value.line == third


def test_duplicates_and_bad_values():
    with pytest.raises(ParseError, match="appears twice"):
        parse_kolada(json.dumps({"values": [_item(), _item()]}))
    with pytest.raises(ParseError, match="not a number"):
        parse_kolada(json.dumps({"values": [_item(value="12")]}))
    with pytest.raises(ParseError, match="not a known"):
        parse_kolada(json.dumps({"values": [_item(muni="0999")]}))
    with pytest.raises(ParseError, match="4-digit"):
        parse_kolada(json.dumps({"values": [_item(muni=126)]}))
    with pytest.raises(ParseError, match="no 'values'"):
        parse_kolada(json.dumps({"count": 0}))
    with pytest.raises(ParseError) as e:
        parse_kolada('{"values": [\n{"kpi": ', "broken.json")
    assert e.value.line == 2


def test_list_of_pages():
    pages = [{"values": [_item(year=2021)], "next_url": "x"}, {"values": [_item(year=2022)]}]
    df = parse_kolada(json.dumps(pages))
    assert df["year"].to_list() == [2021, 2022]


def test_response_without_values_is_refused():
    with pytest.raises(ParseError, match=r"empty\.json: the response holds no \(non-deleted\)"):
        parse_kolada('{"values": []}', "empty.json")
