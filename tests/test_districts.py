"""District registry and mapping across reforms; expected sums and rates computed by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from research.core.errors import UnknownAreaError
from research.data.sources.common import build_frame
from research.geo.area import Area
from research.geo.districts import (
    DISTRICTS,
    REFORMS,
    DistrictReformError,
    Reform,
    district_areas,
    districts_of,
    get_district,
    harmonize_districts,
    map_across_reform,
    resolve_district,
)


def test_registry_shape_and_codes():
    codes = [d.code for d in DISTRICTS]
    assert len(codes) == len(set(codes)) == 17 + 10 + 5
    for d in DISTRICTS:
        parent, short = d.code.split("-")
        assert parent == d.parent_code and short.isupper() and short.isalpha()
    # codes sort directly after their kommun and before the next kommun code
    assert sorted(["0181", "0180-SOD", "0180", "0180-BRO"]) == ["0180", "0180-BRO", "0180-SOD",
                                                                "0181"]  # fmt: skip
    areas = district_areas()
    assert all(isinstance(a, Area) and a.level == "district" for a in areas)
    assert Area("0180-SOD", "Södermalm", "district", "0180") in areas


def test_stockholm_divisions_by_year():
    # 14 districts until 2019, 13 from 2020, 11 from 1 July 2023 (both sets in 2023)
    assert len(districts_of("0180", 2019)) == 14
    assert len(districts_of("0180", 2021)) == 13
    assert len(districts_of("0180", 2024)) == 11
    names_2024 = {d.name for d in districts_of("0180", 2024)}
    assert {"Järva", "Norra innerstaden", "Hägersten-Älvsjö", "Södermalm"} <= names_2024
    assert "Norrmalm" not in names_2024
    assert get_district("0180-SOD").valid_from is None and get_district("0180-SOD").valid_to is None


@pytest.mark.parametrize(
    "text",
    ["Södermalm", "Södermalms stadsdelsområde", "Stockholm: Södermalm", "stockholms stad:södermalm",
     "Södermalm (Stockholm)", "Södermalms stadsdelsförvaltning", "SÖDERMALM"],
)  # fmt: skip
def test_resolve_forms(text):
    assert resolve_district(text).code == "0180-SOD"


def test_resolve_other_and_unknown():
    assert resolve_district("Hägersten–Älvsjö").code == "0180-HAV"  # en dash
    assert resolve_district("Malmö: Söder").code == "1280-SOD"
    assert resolve_district("Huddinge") is None  # not a district label: callers go on
    with pytest.raises(UnknownAreaError, match="Södermalm") as e:
        resolve_district("Stockholm: Sodermalm")
    assert ("0180-SOD", "Södermalm") in e.value.suggestions
    with pytest.raises(UnknownAreaError):
        resolve_district("Atlantis stadsdelsområde")


def _rows(spec, unit="per 100 000 inv.", indicator="BRA_OLAGA_HOT"):
    return build_frame(
        [
            dict(
                area_code=c,
                area_name=get_district(c).name,
                level="district",
                parent_code="0180",
                year=y,
                indicator=indicator,
                sex="T",
                value=v,
                unit=unit,
                source="bra-import:test",
                count=n,
                population=p,
            )
            for c, y, n, p, v in spec
        ]
    )


def test_merge_sums_counts_and_recomputes_rate():
    frame = _rows(
        [
            ("0180-NOR", 2022, 25, 70_100, 35.7),
            ("0180-OST", 2022, 18, 50_300, 35.8),
            ("0180-SOD", 2022, 41, 130_200, 31.5),
        ]
    )
    out = map_across_reform(frame, "0180-2023-NIN")
    nin = out.filter(pl.col("area_code") == "0180-NIN").row(0, named=True)
    # by hand: 25 + 18 = 43; 70 100 + 50 300 = 120 400; 43 / 120 400 * 100 000 = 35.714 285 7
    assert nin["count"] == 43
    assert nin["population"] == 120_400
    assert nin["value"] == pytest.approx(35.7142857, abs=1e-6)
    assert (nin["area_name"], nin["parent_code"]) == ("Norra innerstaden", "0180")
    assert "0180-2023-NIN" in nin["source"]
    assert set(out["area_code"]) == {"0180-NIN", "0180-SOD"}  # Södermalm untouched
    assert out.filter(pl.col("area_code") == "0180-SOD")["value"][0] == 31.5


def test_population_values_are_summed():
    frame = _rows(
        [("0180-RIK", 2022, None, None, 49_000.0), ("0180-SPT", 2022, None, None, 39_000.0)],
        unit="invånare",
    )
    out = map_across_reform(frame, "0180-2023-JAR")
    assert out.select("area_code", "value").rows() == [("0180-JAR", 88_000.0)]


def test_refuses_rates_without_counts():
    frame = _rows([("0180-NOR", 2022, None, 70_100, 35.7), ("0180-OST", 2022, None, 50_300,
                                                            35.8)])  # fmt: skip
    with pytest.raises(DistrictReformError, match="without the official counts"):
        map_across_reform(frame, "0180-2023-NIN")


def test_refuses_missing_population_for_rates():
    frame = _rows([("0180-NOR", 2022, 25, None, 35.7), ("0180-OST", 2022, 18, 50_300, 35.8)])
    with pytest.raises(DistrictReformError, match="population"):
        map_across_reform(frame, "0180-2023-NIN")


def test_refuses_incomplete_union():
    frame = _rows([("0180-NOR", 2022, 25, 70_100, 35.7)])
    with pytest.raises(DistrictReformError, match="0180-OST"):
        map_across_reform(frame, "0180-2023-NIN")


def test_refuses_split():
    split = Reform("X", date(2030, 1, 1), "0180", ("0180-NIN",), ("0180-NOR", "0180-OST"), "t")
    frame = _rows([("0180-NIN", 2024, 43, 120_400, 35.7)])
    with pytest.raises(DistrictReformError, match="split"):
        map_across_reform(frame, split)


def test_existing_new_district_rows():
    frame = _rows(
        [
            ("0180-NOR", 2023, 25, 70_100, 35.7),
            ("0180-OST", 2023, 18, 50_300, 35.8),
            ("0180-NIN", 2023, 44, 120_500, 36.5),
        ]
    )
    with pytest.raises(DistrictReformError, match="on_existing"):
        map_across_reform(frame, "0180-2023-NIN")
    kept = map_across_reform(frame, "0180-2023-NIN", on_existing="keep")
    assert kept.select("area_code", "count").rows() == [("0180-NIN", 44)]


def test_harmonize_applies_all_reforms():
    frame = _rows(
        [
            ("0180-HLI", 2019, 30, 80_000, 37.5),
            ("0180-ALV", 2019, 10, 28_000, 35.7),
            ("0180-HAV", 2021, 42, 110_000, 38.2),
            ("0180-RIK", 2021, 50, 49_000, 102.0),
            ("0180-SPT", 2021, 30, 39_000, 76.9),
        ]
    )
    out = harmonize_districts(frame)
    got = {(r["area_code"], r["year"]): r["count"] for r in out.iter_rows(named=True)}
    assert got == {("0180-HAV", 2019): 40, ("0180-HAV", 2021): 42, ("0180-JAR", 2021): 80}
    rate = out.filter(pl.col("area_code") == "0180-JAR")["value"][0]
    assert rate == pytest.approx(80 / 88_000 * 100_000)  # 90.909...
    assert [r.id for r in REFORMS] == ["0180-2020-HAV", "0180-2023-JAR", "0180-2023-NIN"]


def test_district_table_rows_as_registered():
    """The table read from research/geo/districts.csv holds the rows that were written as code
    before (commit 06eb26f): Stockholm's with their reform dates, Göteborg's ten
    stadsdelsnämndsområden and Malmö's five stadsområden with their kinds."""
    from research.geo.districts import District

    by_code = {d.code: d for d in DISTRICTS}
    assert by_code["0180-SOD"] == District("0180-SOD", "Södermalm", "0180")
    assert by_code["0180-RIK"] == District(
        "0180-RIK", "Rinkeby-Kista", "0180", None, date(2023, 6, 30)
    )
    assert by_code["0180-HAV"] == District("0180-HAV", "Hägersten-Älvsjö", "0180", date(2020, 1, 1))
    assert by_code["1480-AFH"] == District(
        "1480-AFH", "Askim-Frölunda-Högsbo", "1480", kind="stadsdelsnämndsområde"
    )
    assert by_code["1480-OHA"] == District(
        "1480-OHA", "Örgryte-Härlanda", "1480", kind="stadsdelsnämndsområde"
    )
    assert by_code["1280-INN"] == District("1280-INN", "Innerstaden", "1280", kind="stadsområde")
    assert by_code["1280-OST"] == District("1280-OST", "Öster", "1280", kind="stadsområde")
    # by code, so Öster (1280-OST) before Söder (1280-SOD)
    assert [d.name for d in districts_of("1280")] == ["Innerstaden", "Norr", "Öster", "Söder",
                                                      "Väster"]  # fmt: skip
    assert len(districts_of("1480")) == 10
    assert [d.code for d in DISTRICTS] == sorted(d.code for d in DISTRICTS)
