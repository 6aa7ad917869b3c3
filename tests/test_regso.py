"""Districts as RegSO sets (research.data.regso) and SCB tables by RegSO/DeSO summed to districts.

The test tables hold made-up values on SCB's real codes. The expected district sums are
computed here from the raw DeSO/RegSO lists with the csv module, independently of the module's
polars code; Södermalm's RegSO are spelled out as DOMAIN.md lists them.
"""

from __future__ import annotations

import csv
import doctest
import json
from pathlib import Path

import polars as pl
import pytest

import research.data.regso as regso_mod
from research.core.errors import DataError, ParseError
from research.core.paths import PROJECT_ROOT
from research.data.import_store import list_imports
from research.data.imports import import_file
from research.data.regso import (
    district_regso,
    partition_check,
    read_scb_subareas,
    regso_districts,
    sum_to_districts,
)

RAW = PROJECT_ROOT / "data/raw/kolada-subareas"

#: DOMAIN.md's reading of Södermalm's RegSO (by name).
SODERMALM_NAMES = {
    "Storkyrkan", "Reimersholme-Långholmen", "Mariatorget", "Norra Högalid",
    "Mellersta Högalid", "Södra Högalid", "Västra Katarina", "Östra Katarina", "Norra Sofia",
    "Södra Sofia", "Södra Station", "Södra Hammarbyhamnen",
}  # fmt: skip


def _rows(name: str) -> list[dict]:
    with open(RAW / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


STHLM_REGSO = {r["regso"]: r["name"] for r in _rows("ddf--entities--geo--regso.csv")
               if r["kommun"] == "0180"}  # fmt: skip
STHLM_DESO = [(r["deso"], r["regso"]) for r in _rows("ddf--entities--geo--deso.csv")
              if r["kommun"] == "0180"]  # fmt: skip


def _deso_value(i: int, sex: str, year: int) -> int:
    """Made-up population of the i-th DeSO."""
    return 700 + 13 * i + (5 if sex == "2" else 0) + (year - 2021) * 3


def test_stockholm_has_127_regso_and_544_deso():
    assert len(STHLM_REGSO) == 127
    assert len(STHLM_DESO) == 544


@pytest.mark.parametrize("year", [2020, 2021, 2022, 2024])
def test_districts_partition_stockholm(year):
    # 2023 is left out: the old and the new districts both existed in part of that year
    assert partition_check("0180", year) == ([], {})


def test_partition_check_finds_gaps_before_2020():
    gaps, overlaps = partition_check("0180", 2019)  # Hägersten-Liljeholmen/Älvsjö: no sets
    assert set(gaps) == set(district_regso("0180-HAV").regso) and overlaps == {}


def test_partition_by_hand_for_both_divisions():
    defs = regso_districts()
    for codes in (
        ["0180-RIK", "0180-SPT", "0180-NOR", "0180-OST", "0180-BRO", "0180-HVA", "0180-KUN",
         "0180-SOD", "0180-EAV", "0180-SKA", "0180-FAR", "0180-HAV", "0180-SKH"],
        ["0180-JAR", "0180-NIN", "0180-BRO", "0180-HVA", "0180-KUN", "0180-SOD", "0180-EAV",
         "0180-SKA", "0180-FAR", "0180-HAV", "0180-SKH"],
    ):  # fmt: skip
        listed = [c for d in codes for c in defs[d].regso]
        assert len(listed) == 127
        assert set(listed) == set(STHLM_REGSO)


def test_sodermalm_is_domain_reading_and_labelled():
    d = district_regso("0180-SOD")
    assert {STHLM_REGSO[c] for c in d.regso} == SODERMALM_NAMES
    assert d.regso_names == tuple(STHLM_REGSO[c] for c in d.regso)
    assert d.status == "our reading of names, not an official key"
    nin = district_regso("0180-NIN")
    assert set(nin.regso) == set(district_regso("0180-NOR").regso) | set(
        district_regso("0180-OST").regso
    )
    assert "0180-2023-NIN" in nin.source


def _write_deso_csv(path: Path) -> None:
    lines = ["Folkmängd efter region, kön och år", "region;kön;2021;2022"]
    for i, (deso, _) in enumerate(STHLM_DESO):
        for sex, label in (("1", "män"), ("2", "kvinnor")):
            lines.append(f"{deso} Namn;{label};{_deso_value(i, sex, 2021)};"
                         f"{_deso_value(i, sex, 2022)}")  # fmt: skip
    lines.append("Källa: SCB (påhittade värden för test)")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _regso_sums() -> dict[tuple[str, str, int], int]:
    out: dict[tuple[str, str, int], int] = {}
    for i, (_, regso) in enumerate(STHLM_DESO):
        for sex in ("1", "2"):
            for year in (2021, 2022):
                key = (regso, sex, year)
                out[key] = out.get(key, 0) + _deso_value(i, sex, year)
    return out


def _write_regso_jsonstat(path: Path) -> None:
    sums = _regso_sums()
    regions = sorted(STHLM_REGSO)
    values = [sums[(r, s, y)] for r in regions for s in ("1", "2") for y in (2021, 2022)]
    doc = {
        "version": "2.0", "class": "dataset", "label": "Folkmängd (påhittade värden)",
        "id": ["Region", "Kon", "ContentsCode", "Tid"], "size": [len(regions), 2, 1, 2],
        "dimension": {
            "Region": {"category": {"index": {r: i for i, r in enumerate(regions)}}},
            "Kon": {"category": {"index": {"1": 0, "2": 1}}},
            "ContentsCode": {"category": {"index": {"BE0101N1": 0},
                                          "label": {"BE0101N1": "Folkmängd"}}},
            "Tid": {"category": {"index": {"2021": 0, "2022": 1}}},
        },
        "value": values,
    }  # fmt: skip
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _expected(district_names: set[str], sex: str, year: int) -> int:
    return sum(
        _deso_value(i, sex, year)
        for i, (_, regso) in enumerate(STHLM_DESO)
        if STHLM_REGSO[regso] in district_names
    )


def test_deso_and_regso_files_sum_to_the_same_districts(tmp_path):
    deso_file, regso_file = tmp_path / "deso.csv", tmp_path / "regso.json"
    _write_deso_csv(deso_file)
    _write_regso_jsonstat(regso_file)
    a, ed_a = read_scb_subareas(deso_file)
    b, ed_b = read_scb_subareas(regso_file)
    assert (ed_a, ed_b) == ("DeSO 2018", "RegSO 2018")
    key = ["area_code", "sex", "year"]
    assert a.select(*key, "value").sort(key).equals(b.select(*key, "value").sort(key))
    assert a["area_code"].n_unique() == 15  # 13 districts + Järva + Norra innerstaden
    sod = b.filter((pl.col("area_code") == "0180-SOD") & (pl.col("year") == 2022))
    got = dict(zip(sod["sex"].to_list(), sod["value"].to_list(), strict=True))
    assert got["M"] == _expected(SODERMALM_NAMES, "1", 2022)
    assert got["K"] == _expected(SODERMALM_NAMES, "2", 2022)
    assert "RegSO 2018" in sod["source"][0] and "our reading" in sod["source"][0]
    # the districts of one division add up to the kommun
    total = sum(_deso_value(i, "2", 2021) for i in range(len(STHLM_DESO)))
    eleven = ["0180-JAR", "0180-NIN", "0180-BRO", "0180-HVA", "0180-KUN", "0180-SOD",
              "0180-EAV", "0180-SKA", "0180-FAR", "0180-HAV", "0180-SKH"]  # fmt: skip
    k21 = a.filter((pl.col("sex") == "K") & (pl.col("year") == 2021))
    assert k21.filter(pl.col("area_code").is_in(eleven))["value"].sum() == total


def test_data_import_records_the_edition(tmp_path):
    regso_file = tmp_path / "regso.json"
    _write_regso_jsonstat(regso_file)
    res = import_file(regso_file, source="scb", base=tmp_path / "data")
    assert res.created and res.entry["reader"] == "read_scb_subareas (RegSO 2018)"
    assert list_imports(tmp_path / "data")[0]["reader"] == "read_scb_subareas (RegSO 2018)"
    assert set(res.frame["level"].to_list()) == {"district"}


def test_suppressed_value_gives_a_missing_district_value():
    sod = district_regso("0180-SOD").regso
    f = pl.DataFrame(
        {"code": list(sod), "sex": "T", "year": 2022, "value": [None] + [10.0] * 11},
        schema_overrides={"value": pl.Float64},
    )
    out, _ = sum_to_districts(f)
    assert out["value"].to_list() == [None]


def test_partial_district_mixed_codes_and_other_editions_are_refused():
    sod = list(district_regso("0180-SOD").regso)
    f = pl.DataFrame({"code": sod[:-1], "sex": "T", "year": 2022, "value": 1.0})
    with pytest.raises(DataError, match="only partly in the table"):
        sum_to_districts(f)
    f = pl.DataFrame({"code": [sod[0], STHLM_DESO[0][0]], "sex": "T", "year": 2022, "value": 1.0})
    with pytest.raises(DataError, match="not both"):
        sum_to_districts(f)
    f = pl.DataFrame({"code": ["0180R999"], "sex": "T", "year": 2022, "value": 1.0})
    with pytest.raises(DataError, match="2018 edition"):
        sum_to_districts(f)


def test_file_without_a_district_is_refused(tmp_path):
    p = tmp_path / "huddinge.csv"
    p.write_text("region;2022\n0126R001;100\n", encoding="utf-8")
    with pytest.raises(DataError, match="no district is fully covered"):
        read_scb_subareas(p)
    p.write_text("region;2022\n0180R001;x\n", encoding="utf-8")
    with pytest.raises(ParseError):
        read_scb_subareas(p)


def test_doctests_run():
    res = doctest.testmod(regso_mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0 and res.attempted > 5


def test_imported_regso_population_reaches_areas_and_the_panel(data_copy, capsys):
    from research.cli import main
    from research.data.panel import load_panel

    regso_file = data_copy.parent / "regso.json"
    _write_regso_jsonstat(regso_file)
    assert main(["data", "import", str(regso_file), "--source", "scb"]) == 0
    panel = load_panel(data_copy)
    sod = panel.filter(
        (pl.col("area_code") == "0180-SOD") & (pl.col("indicator") == "BE0101N1")
        & (pl.col("year") == 2022)
    )  # fmt: skip
    total = _expected(SODERMALM_NAMES, "1", 2022) + _expected(SODERMALM_NAMES, "2", 2022)
    assert sod.height == 2 and sod["value"].sum() == total  # M and K; no total row in the file
    capsys.readouterr()
    assert main(["areas", "Södermalm"]) == 0
    out = capsys.readouterr().out
    grouped = f"{total:,}".replace(",", " ")
    assert f"population:  {grouped} (2022, BE0101N1, women + men)" in out
    assert "panel data (1 indicators)" in out
