"""Swedish messages of the Brå and SCB readers and of the RegSO sums (research.data.regso).

Real errors, from bad files in ``tmp_path`` and bad arguments: each has a Swedish message
(``err.message("sv")``) that differs from the English one and holds no English sentence,
while the English message stays what it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from research.core.errors import DataError, ParseError
from research.data.regso import district_regso, read_scb_subareas, sum_to_districts
from research.data.sources.bra import read_bra_csv
from research.data.sources.scb import parse_jsonstat, read_scb_csv

from .swedish import swedish_message


def test_bra_file_that_names_neither_year_nor_category(tmp_path: Path) -> None:
    f = tmp_path / "brott.csv"
    f.write_text("Kommun;Antal;Per 100 000 inv.\nAle kommun;7;21,4\n", encoding="utf-8")
    with pytest.raises(ParseError) as e:
        read_bra_csv(f)
    assert str(e.value).startswith(
        f"{f}: the file does not say its year and indicator; give them with --year and "
        "--indicator (year= and indicator= in Python); the indicator is one of BRA_BARNFRID, "
    )
    sv = swedish_message(e.value, drop=[f])
    assert sv.startswith(
        f"{f}: filen anger inte vilket år och vilken brottskategori den gäller; ange dem med "
        "--year och --indicator (year= och indicator= i Python); indikatorn är en av BRA_"
    )
    with pytest.raises(ParseError) as e:
        read_bra_csv(f, indicator="BRA_TOTAL")
    assert swedish_message(e.value, drop=[f]) == (
        f"{f}: filen anger inte vilket år den gäller; ange året med --year (year= i Python)"
    )


def test_bra_rows_separated_by_commas_and_an_unknown_category(tmp_path: Path) -> None:
    f = tmp_path / "brott.csv"
    f.write_text("Kommun;Antal;Per 100 000 inv.\nAle kommun,7,21\n", encoding="utf-8")
    with pytest.raises(ParseError) as e:
        read_bra_csv(f, year=2022, indicator="BRA_TOTAL")
    assert str(e.value) == (
        f"{f}, line 2: expected 3 fields separated by ';', found 1 "
        "(is the separator ',' instead of ';'?)"
    )
    assert swedish_message(e.value, drop=[f]) == (
        f"{f}, rad 2: väntade 3 fält åtskilda med ';', hittade 1 "
        "(är avgränsaren ',' i stället för ';'?)"
    )
    with pytest.raises(DataError) as e:
        read_bra_csv(f, year=2022, indicator="BRA_INGET")
    assert "'BRA_INGET' is not a Brå category id" in str(e.value)
    assert "'BRA_INGET' är inte id för någon av Brås brottskategorier" in swedish_message(
        e.value, drop=[f]
    )


def test_scb_csv_with_a_bad_sex_and_a_bad_number(tmp_path: Path) -> None:
    f = tmp_path / "folkmangd.csv"
    f.write_text("Region;Kön;2022\n0126 Huddinge;båda;114 100\n", encoding="utf-8")
    with pytest.raises(ParseError) as e:
        read_scb_csv(f)
    assert str(e.value).endswith("unknown sex 'båda'; expected män/kvinnor/totalt or 1/2/1+2")
    assert swedish_message(e.value, drop=[f]).endswith(
        "rad 2: okänt kön 'båda'; väntade män/kvinnor/totalt eller 1/2/1+2"
    )
    # the column's name inside research.data.sources.common's message is Swedish too
    f.write_text("Region;2022\n0126 Huddinge;114 100,5\n", encoding="utf-8")
    with pytest.raises(ParseError) as e:
        read_scb_csv(f)
    assert "value for 2022 '114 100,5' is not a whole number" in str(e.value)
    assert "värdet för 2022 '114 100,5' är inte ett heltal" in swedish_message(e.value, drop=[f])


def test_scb_jsonstat_with_a_dimension_left_in() -> None:
    doc = {
        "id": ["Region", "Alder", "Tid"], "size": [1, 2, 1],
        "dimension": {
            "Region": {"category": {"index": {"0126": 0}}},
            "Alder": {"category": {"index": {"tot": 0, "0-19": 1}}},
            "Tid": {"category": {"index": {"2022": 0}}},
        },
        "value": [113000, 30000],
    }  # fmt: skip
    with pytest.raises(ParseError) as e:
        parse_jsonstat(json.dumps(doc), "svar.json")
    assert "dimension 'Alder' has 2 values ['tot', '0-19']...; summing them" in str(e.value)
    sv = swedish_message(e.value, drop=["svar.json"])
    assert "dimensionen 'Alder' har 2 värden ['tot', '0-19']...; att summera dem" in sv


def test_regso_partial_district_and_unknown_district(tmp_path: Path) -> None:
    sod = list(district_regso("0180-SOD").regso)
    f = tmp_path / "regso.csv"
    f.write_text("region;2022\n" + "".join(f"{c};100\n" for c in sod[:-1]), encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_scb_subareas(f)
    assert str(e.value).startswith("regso.csv: Södermalm (0180-SOD) is only partly in the table")
    sv = swedish_message(e.value)
    # the error of sum_to_districts is embedded in its Swedish wording
    assert sv.startswith("regso.csv: Södermalm (0180-SOD) finns bara delvis i tabellen: 1 av ")
    assert sv.endswith("Ladda ned tabellen för hela kommunen.")
    with pytest.raises(LookupError) as e:
        district_regso("0180-XYZ")
    assert swedish_message(e.value).startswith(
        "Stadsdelsområdet '0180-XYZ' har ingen RegSO-definition"
    )
    frame = pl.DataFrame({"code": ["0180R999"], "sex": "T", "year": 2022, "value": 1.0})
    with pytest.raises(DataError) as e:
        sum_to_districts(frame)
    assert "1 RegSO-kod(er) finns inte i SCB:s indelning från 2018" in swedish_message(e.value)
