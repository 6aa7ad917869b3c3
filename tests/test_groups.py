"""Official peer groups (research.data.groups): loading, resolution of group references, errors.

Expected members are read from the raw CSV with the standard csv module, independently of
the module's polars code; the Huddinge IFO group is also spelled out as SOURCES.md states it.
"""

from __future__ import annotations

import csv
import doctest

import pytest

import research.data.groups as groups_mod
from research.core.errors import (
    ArgumentError,
    ChecksumError,
    DataError,
    ParameterError,
    PilotbenchError,
)
from research.core.paths import PROJECT_ROOT
from research.data.groups import (
    SKR_GROUP_IDS,
    UnknownGroupError,
    is_group_reference,
    load_groups,
    official_groups,
    resolve_area_list,
    resolve_group,
    skr_group,
)

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
    assert isinstance(exc.value, PilotbenchError) and isinstance(exc.value, ArgumentError)
    assert "\n" not in str(exc.value)


def test_liknande_needs_a_kommun_and_a_known_year():
    with pytest.raises(ArgumentError, match="needs a kommun"):
        resolve_group("kolada:liknande-ifo")
    with pytest.raises(ArgumentError, match="2024, not 2019"):
        resolve_group("kolada:liknande-ifo", kommun="0126", year=2019)
    with pytest.raises(ArgumentError, match="kommuner only"):
        resolve_group("kolada:liknande-ifo:01")
    with pytest.raises(ArgumentError, match="not a group reference"):
        resolve_group("Huddinge")


def test_checksum_is_verified(tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data, ignore=shutil.ignore_patterns("processed"))
    raw = data / "raw/kolada-groups/municipality_groups.csv"
    raw.write_text(raw.read_text(encoding="utf-8").replace("Huddinge", "Hudinge", 1), "utf-8")
    with pytest.raises(ChecksumError):
        load_groups(data)


def _record_new_snapshot(data, text: str) -> None:
    """Write ``text`` as the groups CSV of the copy ``data`` and record it in its manifest."""
    import hashlib

    raw = data / "raw/kolada-groups/municipality_groups.csv"
    old = hashlib.sha256(raw.read_bytes()).hexdigest()
    old_bytes = raw.stat().st_size
    raw.write_bytes(text.encode("utf-8"))
    new = hashlib.sha256(raw.read_bytes()).hexdigest()
    manifest = data / "manifest.toml"
    m = manifest.read_text(encoding="utf-8")
    assert m.count(old) == 1
    m = m.replace(old, new).replace(f"bytes = {old_bytes}\n", f"bytes = {raw.stat().st_size}\n")
    manifest.write_text(m, encoding="utf-8")


def test_groups_index_is_cached_and_a_new_snapshot_rebuilds_it(data_copy, tmp_path, monkeypatch):
    """The derived index is read back for an unchanged file and rebuilt for a changed one."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("PILOTBENCH_CACHE", str(cache))
    builds: list[object] = []
    build = groups_mod._build_index
    monkeypatch.setattr(groups_mod, "_build_index", lambda base: builds.append(base) or build(base))
    base = data_copy.resolve()

    def fresh_ifo():
        groups_mod._index.cache_clear()  # as a new process: memory caches empty, disk kept
        groups_mod._load.cache_clear()
        return resolve_group("kolada:liknande-ifo", kommun="0126", base=data_copy)

    assert fresh_ifo().names[0] == "Järfälla" and len(builds) == 1
    first = sorted(p.name for p in (cache / "derived").glob("kolada-groups-*.pickle"))
    assert len(first) == 1
    assert fresh_ifo().names[0] == "Järfälla" and len(builds) == 1  # read back, not built
    # A new snapshot (file and manifest changed together): parsed again, new key, old dropped.
    raw = data_copy / "raw/kolada-groups/municipality_groups.csv"
    text = raw.read_text(encoding="utf-8")
    assert text.count(",0123,Järfälla\n") > 1
    _record_new_snapshot(data_copy, text.replace(",0123,Järfälla\n", ",0123,Jarfalla\n"))
    assert fresh_ifo().names[0] == "Jarfalla" and builds == [base, base]
    second = sorted(p.name for p in (cache / "derived").glob("kolada-groups-*.pickle"))
    assert len(second) == 1 and second != first
    # The raw file changed behind the manifest's back: refused although an index is cached.
    raw.write_text(text, encoding="utf-8")
    with pytest.raises(ChecksumError, match=r"municipality_groups\.csv"):
        fresh_ifo()
    assert len(builds) == 2


def test_a_malformed_snapshot_is_a_one_line_data_error(data_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("PILOTBENCH_CACHE", str(tmp_path / "cache"))
    groups_mod._index.cache_clear()
    text = (data_copy / "raw/kolada-groups/municipality_groups.csv").read_text(encoding="utf-8")
    _record_new_snapshot(data_copy, text.replace("member_title", "member_name", 1))
    with pytest.raises(DataError, match=r"municipality_groups.csv: expected columns") as err:
        official_groups("0126", base=data_copy)
    assert "\n" not in str(err.value)
    assert not list((tmp_path / "cache").rglob("kolada-groups-*"))  # nothing cached


def test_every_group_resolves_to_its_members_as_published():
    """The cached index against the raw CSV read with the csv module, all 3 630 groups."""
    ids: dict[str, str] = {}
    with open(RAW, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            ids[row["group_id"]] = row["group_title"]
    assert len(ids) == 3630
    for gid, title in ids.items():
        g = resolve_group(gid)
        assert (g.group_id, g.title, list(g.codes)) == (gid, title, MEMBERS[title])


def test_doctests_run():
    res = doctest.testmod(groups_mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0 and res.attempted > 5


# -- group references where lists of areas are accepted ------------------------------------


@pytest.fixture(scope="module")
def panel():
    from research.data.panel import load_panel

    return load_panel()


def test_similar_areas_reports_official_groups_and_overlap(panel):
    from research.analyses.similarity import similar_areas

    res = similar_areas(
        panel, "Huddinge", indicators=["N07402", "N07403"], covariates=["N01951"],
        year=(2020, 2022), k=10,
    )  # fmt: skip
    titles = [g.title for g in res.official_groups]
    assert titles == [
        "Liknande kommuner IFO, Huddinge, 2024",
        "Liknande kommuner socioekonomi, Huddinge, 2024",
        "Liknande kommuner, övergripande, Huddinge, 2025",
        "Pendlingskommun nära storstad (ovägt medel)",
    ]
    neighbours = res["area_code"].to_list()
    for g in res.official_groups:
        expected = [c for c in neighbours if c in set(MEMBERS[g.title])]
        assert res.overlap[g.group_id] == expected
    tab = res.official_table()
    assert tab["n_members"].to_list() == [7, 7, 7, 43]
    assert tab["n_overlap"].to_list() == [len(res.overlap[g]) for g in tab["group_id"]]


def test_effect_donor_pool_named_by_group(panel):
    from research.analyses.effect import pilot_effect_analysis

    res = pilot_effect_analysis(panel, donors="kolada:liknande-ifo")
    title = "Liknande kommuner IFO, Stockholm, 2024"
    assert res.pool.kind == "group"
    assert [g.title for g in res.pool.groups] == [title]
    assert res.pool.candidates == MEMBERS[title]
    assert set(res.pool.codes) <= set(MEMBERS[title])
    with pytest.raises(UnknownGroupError, match="did you mean 'kolada:liknande-ifo'"):
        pilot_effect_analysis(panel, donors="kolada:liknande-ifx")


def test_report_params_accept_groups():
    from research.runner.params import validate

    out = validate("pilot_effect", {"donors": "skr:Storstäder"})
    assert out["donors"] == "skr:Storstäder"
    assert validate("pilot_effect", {"donors": "kolada:liknande-ifo"})["donors"]
    with pytest.raises(UnknownGroupError, match="skr:Storstäder"):
        validate("pilot_effect", {"donors": "skr:Storstäderna"})


def test_pilot_vs_candidate_names_official_groups():
    from research.views.pilot_vs_candidate.sections import pilot_vs_candidate

    for lang, heading in (("sv", "Officiella jämförelsegrupper"), ("en", "Official comparison")):
        text = str(pilot_vs_candidate(lang=lang).similar())
        assert heading in text
        assert "Liknande kommuner IFO, Huddinge, 2024" in text
        assert "Järfälla, Växjö, Lund, Halmstad, Borås, Karlstad, Sundsvall" in text
        assert "Pendlingskommun nära storstad" in text
        assert "Kolada" in text


def test_synth_donors_accept_a_group(panel):
    import polars as pl

    from research.stats.synth import synthetic_control

    data = panel.filter(
        (pl.col("indicator") == "N07402") & (pl.col("sex") == "T") & (pl.col("level") == "kommun")
        & pl.col("year").is_between(2015, 2022)
    ).select("area_code", "year", "value")  # fmt: skip
    res = synthetic_control(
        data, unit="area_code", time="year", outcome="value", treated="0180",
        treatment_time=2021, donors=["kolada:liknande-ifo", "0126"],
    )  # fmt: skip
    title = "Liknande kommuner IFO, Stockholm, 2024"
    assert sorted(res.weights["unit"].to_list()) == sorted([*MEMBERS[title], "0126"])
    note = next(w for w in res.warnings if w.code == "donor-group")
    assert title in str(note) and note.title == title and note.reference == "kolada:liknande-ifo"


def test_screening_table_restricted_to_a_group():
    import polars as pl

    from research.views.candidate_screening.sections import candidate_screening

    rep = candidate_screening(areas="skr:Pendlingskommun nära storstad", top=50)
    members = set(MEMBERS["Pendlingskommun nära storstad (ovägt medel)"])
    shown = rep.shown()
    assert set(shown["area_code"].to_list()) <= members
    ranked = pl.DataFrame(rep.table).filter(pl.col("area_code").is_in(list(members)))
    assert shown.height == min(50, ranked.height)
    assert "SKR kommungrupp (enligt Kolada): Pendlingskommun nära storstad" in str(rep.title())
    with pytest.raises(ParameterError, match="not both"):
        candidate_screening(areas="skr:Storstäder", lan="01")


def test_screening_params_check_the_group():
    from research.runner.params import validate

    assert validate("candidate_screening", {"areas": "kolada:liknande-ifo"}) == {
        "areas": "kolada:liknande-ifo"
    }
    with pytest.raises(UnknownGroupError, match="skr:Storstäder"):
        validate("candidate_screening", {"areas": "skr:Storstäderna"})
    with pytest.raises(ParameterError, match="official group"):
        validate("candidate_screening", {"areas": "Huddinge"})


@pytest.mark.parametrize(
    ("lang", "phrase"),
    [("sv", "den officiella gruppen"), ("en", "the official group")],
)
def test_effect_report_names_the_group(lang, phrase):
    from research.views.pilot_effect.sections import pilot_effect

    text = str(pilot_effect(donors="kolada:liknande-ifo", lang=lang).pool_section())
    assert phrase in text
    assert "Liknande kommuner IFO, Stockholm, 2024" in text
    assert "Kolada G" in text


def test_series_accepts_a_group(panel):
    from research.data.panel import series

    rows = series(panel, "N07402", ["skr:Storstäder"], years=(2022, 2022))
    assert rows["area_code"].to_list() == ["0180", "1280", "1480"]
    assert series(panel, "N07402", "skr:Storstäder", years=(2022, 2022)).height == 3


def test_expand_keeps_other_items():
    from research.data.groups import expand_group_references

    items, gs = expand_group_references(["Basque", "skr:Storstäder", "1480"])
    assert items == ["Basque", "0180", "1280", "1480"] and gs[0].group_id == "G92787"


def test_subarea_sniffing_leaves_other_scb_files_alone():
    from research.data.regso import is_subarea_file

    for name in ("scb_folkmangd_latin1.csv", "scb_folkmangd_utf8.csv", "scb_tab638.json"):
        assert not is_subarea_file(PROJECT_ROOT / "tests/data" / name)
