"""Swedish messages of the shared file checks, the Kolada reader and the plausibility rules.

Real errors, from bad files in ``tmp_path`` and bad rows: each has a Swedish message
(``err.message("sv")``) that differs from the English one and holds no English sentence,
while the English message stays what it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from research.core.errors import DataError, ParseError
from research.data.plausibility import ImplausibleDataError, check_plausible
from research.data.sources.common import (
    NameMatcher,
    UnmatchedNamesError,
    build_frame,
    decode_text,
    parse_number,
    validate_canonical,
)
from research.data.sources.kolada import read_kolada_json

from .swedish import swedish_message


def _row(**values: object) -> dict:
    row = dict(area_code="0126", area_name="Huddinge", level="kommun", parent_code="01",
               year=2022, indicator="BRA_X", sex="T", unit="", source="t")  # fmt: skip
    return {**row, **values}


def test_a_number_in_english_notation(tmp_path: Path) -> None:
    f = tmp_path / "brott.csv"
    with pytest.raises(ParseError) as e:
        parse_number("1,234.5", f, 4, "Antal")
    assert str(e.value).endswith("is not a number in Swedish notation (expected e.g. "
                                 "'1 234' or '12,5', '..' for missing, '-' for zero)")  # fmt: skip
    sv = swedish_message(e.value, drop=[f])
    assert sv.startswith(f"{f}, rad 4: Antal '1,234.5' är inte ett tal skrivet på svenskt sätt")


def test_binary_and_double_encoded_files(tmp_path: Path) -> None:
    f = tmp_path / "export.csv"
    f.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(ParseError) as e:
        decode_text(f, f.read_bytes())
    assert "(a zip archive: an .xlsx workbook saved under another extension?)" in str(e.value)
    assert "(ett zip-arkiv: en .xlsx-arbetsbok sparad med en annan filändelse?)" in swedish_message(
        e.value, drop=[f]
    )
    f.write_bytes("Kommun;Antal\nSödermalm;3\n".encode().decode("latin-1").encode())
    with pytest.raises(ParseError) as e:
        decode_text(f, f.read_bytes())
    assert ", rad 2: texten " in swedish_message(e.value, drop=[f])


def test_unmatched_area_names(tmp_path: Path) -> None:
    f = tmp_path / "namn.csv"
    with pytest.raises(UnmatchedNamesError) as e:
        NameMatcher().match_all(f, [(3, "Hudinge"), (4, "Huddinge"), (7, "Xyzzyvik")])
    assert str(e.value).startswith(f"{f}, line 3: 2 area name(s) match no kommun, län or")
    sv = swedish_message(e.value, drop=[f])
    assert "  rad 3: 'Hudinge' - menade du Huddinge (0126), " in sv
    assert "  rad 7: 'Xyzzyvik'" in sv
    with pytest.raises(UnmatchedNamesError) as e:
        NameMatcher().match_all(f, [(5, "Xyzzyvik")])
    assert swedish_message(e.value, drop=[f]).endswith(
        "stadsdelsområde. Inget importerades; rätta namnet (eller registrera området) och "
        "importera igen."
    )


def test_kolada_errors(tmp_path: Path) -> None:
    item = {"kpi": "N07402", "municipality": "9999", "period": 2022,
            "values": [{"gender": "T", "value": 1.0, "isdeleted": False}]}  # fmt: skip
    f = tmp_path / "kolada.json"
    f.write_text(json.dumps({"values": [item]}, indent=1), encoding="utf-8")
    with pytest.raises(ParseError) as e:
        read_kolada_json(f)
    assert str(e.value) == f"{f}, line 3: municipality '9999' is not a known kommun/region"
    assert swedish_message(e.value, drop=[f]) == (
        f"{f}, rad 3: municipality '9999' är ingen känd kommun eller region"
    )
    item["municipality"] = "0126"
    f.write_text(json.dumps({"values": [item, item]}, indent=1), encoding="utf-8")
    with pytest.raises(ParseError) as e:
        read_kolada_json(f)
    assert "förekommer två gånger (första gången på rad 3)" in swedish_message(e.value, drop=[f])
    f.write_text('{"values": [', encoding="utf-8")
    with pytest.raises(ParseError) as e:
        read_kolada_json(f)
    assert e.value.message("sv").endswith(
        ", rad 1: ogiltig JSON: filen tar slut mitt i JSON-strukturen (är den avklippt?)"
    )


def test_implausible_rows() -> None:
    pops = pl.DataFrame({"area_code": ["0126"], "year": [2022], "population": [114500.0]})
    frame = build_frame(
        [_row(value=5000.5, count=64), _row(indicator="BRA_Y", value=250000.0, count=64)]
    )
    kinds = {"BRA_X": ("rate", 100000), "BRA_Y": ("rate", 100000)}
    with pytest.raises(ImplausibleDataError) as e:
        check_plausible(frame, "f.csv", populations=pops, kinds=kinds)
    err = e.value
    assert [p[1] for p in err.problems] == ["rate-consistent", "rate-bound"]
    assert str(err).startswith(
        "f.csv: record 0126 Huddinge 2022 BRA_X T: count 64 and rate 5,000.5 per 100,000 imply "
        "1,279.87 inhabitants, but the population is 114,500 [rule rate-consistent] "
        "(and 1 more problem)"
    )
    sv = swedish_message(err)
    assert sv.startswith(
        "f.csv: posten 0126 Huddinge 2022 BRA_X T: antalet 64 och 5\u00a0000,5 per 100\u00a0000 "
        "invånare ger en folkmängd på 1\u00a0279,87, men folkmängden är 114\u00a0500 "
        "[regel rate-consistent] (och ett problem till); inget importerades."
    )
    # the one line below the head is the one more problem (the head's is not repeated)
    assert sv.count("\n") == 1
    assert "\n  posten 0126 Huddinge 2022 BRA_Y T: 250\u00a0000 per 100\u00a0000 invånare" in sv


def test_a_frame_with_duplicate_rows() -> None:
    frame = build_frame([_row(value=1.0)], sort=False)
    with pytest.raises(DataError) as e:
        validate_canonical(pl.concat([frame, frame]))
    assert str(e.value).startswith("reader output: more than one row for area 0126")
    assert swedish_message(e.value).startswith("läsarens resultat: mer än en rad för område 0126")
