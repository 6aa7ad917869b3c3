"""Official peer groups (research.groups): loading, resolution of group references, errors.

Expected members are read from the raw CSV with the standard csv module, independently of
the module's polars code; the Huddinge IFO group is also spelled out as SOURCES.md states it.
"""

from __future__ import annotations

import csv
import doctest

import pytest

import research.groups as groups_mod
from research.errors import ChecksumError, ParameterError, PilotbenchError
from research.groups import (
    SKR_GROUP_IDS,
    UnknownGroupError,
    is_group_reference,
    load_groups,
    official_groups,
    resolve_area_list,
    resolve_group,
    skr_group,
)
from research.paths import PROJECT_ROOT

RAW = PROJECT_ROOT / "data/raw/kolada-groups/municipality_groups.csv"


def _members_by_title() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with open(RAW, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["group_title"], []).append(row["member_id"])
    return {k: sorted(v) for k, v in out.items()}


MEMBERS = _members_by_title()


def test_load_counts_match_sources_note():
    g = load_groups()
    assert g["group_id"].n_unique() == 3630
    assert g.height == 26573
    assert g["member_id"].str.len_chars().unique().to_list() == [4]


def test_huddinge_ifo_as_published():
    g = resolve_group("kolada:liknande-ifo", kommun="0126")
    assert g.title == "Liknande kommuner IFO, Huddinge, 2024"
    assert g.year == 2024 and g.kind == "liknande" and g.theme == "ifo" and g.owner == "0126"
    # SOURCES.md: Järfälla, Växjö, Lund, Halmstad, Borås, Karlstad, Sundsvall
    assert set(g.names) == {
        "Järfälla", "Växjö", "Lund", "Halmstad", "Borås", "Karlstad", "Sundsvall",
    }  # fmt: skip
    assert list(g.codes) == MEMBERS[g.title]
    assert "0126" not in g.codes


@pytest.mark.parametrize(
    ("ref", "title"),
    [
        ("kolada:liknande-socioekonomi", "Liknande kommuner socioekonomi, Huddinge, 2024"),
        ("kolada:liknande-overgripande", "Liknande kommuner, övergripande, Huddinge, 2025"),
        ("kolada:liknande-övergripande", "Liknande kommuner, övergripande, Huddinge, 2025"),
        ("KOLADA:Liknande-IFO", "Liknande kommuner IFO, Huddinge, 2024"),
        ("kolada:liknande-ifo@2024", "Liknande kommuner IFO, Huddinge, 2024"),
        ("kolada:liknande-ifo:Stockholm", "Liknande kommuner IFO, Stockholm, 2024"),
        (
            "kolada:liknande-ekonomiskt-bistand",
            "Liknande kommuner ekonomiskt bistånd, Huddinge, 2023",
        ),
    ],
)
def test_liknande_references(ref, title):
    g = resolve_group(ref, kommun="Huddinge")
    assert g.title == title
    assert list(g.codes) == MEMBERS[title]


def test_skr_groups_partition_the_kommuner():
    seen: list[str] = []
    for gid in SKR_GROUP_IDS:
        seen.extend(resolve_group(gid).codes)
    assert len(seen) == 290 and len(set(seen)) == 290
    assert skr_group("0126").name == "Pendlingskommun nära storstad"
    assert skr_group("Stockholm").name == "Storstäder"
    assert skr_group("0126").group_id == "G92793"


@pytest.mark.parametrize(
    "ref",
    [
        "skr:Pendlingskommun nära storstad",
        "skr:pendlingskommun nära storstad (ovägt medel)",
        "skr:Pendlingskommun nara storstad",
        "skr:G92793",
        "kolada:G92793",
        "G92793",
        "kolada:Pendlingskommun nära storstad (ovägt medel)",
    ],
)
def test_skr_and_title_references(ref):
    g = resolve_group(ref)
    assert g.group_id == "G92793"
    assert list(g.codes) == MEMBERS["Pendlingskommun nära storstad (ovägt medel)"]
    assert len(g.codes) == 43


def test_bare_skr_uses_the_kommun():
    assert resolve_group("skr:", kommun="0180").name == "Storstäder"


def test_exact_title_of_a_regional_group():
    g = resolve_group("kolada:Södertörnskommunerna")
    assert g.title == "Södertörnskommunerna (ovägt medel)"
    assert list(g.codes) == MEMBERS[g.title]


def test_official_groups_of_huddinge():
    gs = official_groups("Huddinge")
    assert [g.theme for g in gs] == ["ifo", "socioekonomi", "overgripande", None]
    assert gs[-1].kind == "skr"
    assert gs[-1].label("sv") == "SKR kommungrupp (enligt Kolada): Pendlingskommun nära storstad"


def test_resolve_area_list_mixes_codes_names_and_groups():
    codes, gs = resolve_area_list(["kolada:liknande-ifo", "0127", "Järfälla"], kommun="0126")
    assert codes[:7] == MEMBERS["Liknande kommuner IFO, Huddinge, 2024"]
    assert codes[7:] == ["0127"]  # Järfälla (0123) is already a member: no duplicate
    assert [g.group_id for g in gs] == [resolve_group("kolada:liknande-ifo:0126").group_id]
    assert resolve_area_list("skr:Storstäder")[0] == ["0180", "1280", "1480"]


def test_is_group_reference():
    assert is_group_reference("kolada:liknande-ifo")
    assert is_group_reference("skr:Storstäder")
    assert is_group_reference("G92793")
    assert not is_group_reference("0126")
    assert not is_group_reference("Huddinge")
    assert not is_group_reference(126)


@pytest.mark.parametrize(
    ("ref", "fragment"),
    [
        ("kolada:liknande-ifp", "kolada:liknande-ifo"),
        ("skr:Pendlingskommun nära storstd", "skr:Pendlingskommun nära storstad"),
        ("kolada:Södertörnskomunerna", "kolada:Södertörnskommunerna (ovägt medel)"),
        ("kolada:G1", "no group with the id G1"),
    ],
)
def test_unknown_group_suggests(ref, fragment):
    with pytest.raises(UnknownGroupError) as exc:
        resolve_group(ref, kommun="0126")
    assert fragment in str(exc.value)
    assert isinstance(exc.value, PilotbenchError) and isinstance(exc.value, ParameterError)
    assert "\n" not in str(exc.value)


def test_liknande_needs_a_kommun_and_a_known_year():
    with pytest.raises(ParameterError, match="needs a kommun"):
        resolve_group("kolada:liknande-ifo")
    with pytest.raises(ParameterError, match="2024, not 2019"):
        resolve_group("kolada:liknande-ifo", kommun="0126", year=2019)
    with pytest.raises(ParameterError, match="kommuner only"):
        resolve_group("kolada:liknande-ifo:01")
    with pytest.raises(ParameterError, match="not a group reference"):
        resolve_group("Huddinge")


def test_checksum_is_verified(tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data, ignore=shutil.ignore_patterns("processed"))
    raw = data / "raw/kolada-groups/municipality_groups.csv"
    raw.write_text(raw.read_text(encoding="utf-8").replace("Huddinge", "Hudinge", 1), "utf-8")
    with pytest.raises(ChecksumError):
        load_groups(data)


def test_doctests_run():
    res = doctest.testmod(groups_mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0 and res.attempted > 5
