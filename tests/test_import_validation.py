"""`pilotbench data import` and `data info`: what a reviewer found wrong, run for real.

Each test imports real files written to ``tmp_path`` into a copy of ``data/`` through the
command line (``research.cli.main``). Expected values are computed here from the raw
snapshot's CSV files (``data/raw/kolada``) and from the files imported, not from the panel
code under test. The Brå and Kolada files in ``tests/data`` are fixtures with made-up numbers.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest

from research.cli import main
from research.core.paths import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "data"
RAW = PROJECT_ROOT / "data" / "raw" / "kolada"
NBSP = "\u00a0"
BOM = "\ufeff"
GROV = "Grov kvinnofridskränkning"


def _raw(kpi: str) -> dict[tuple[str, int], float]:
    """The snapshot's raw values of a KPI (both sexes): (area code, year) -> value."""
    out = {}
    with open(RAW / f"ddf--datapoints--{kpi.lower()}--by--geo--year.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code = "00" if row["geo"] == "0" else row["geo"]
            out[(code, int(row["year"]))] = float(row[kpi.lower()])
    return out


def _run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _import(capsys, path: Path, source: str, *more: object) -> tuple[int, str, str]:
    return _run(capsys, "data", "import", path, "--source", source, *more)


def _refused(capsys, path: Path, source: str, *more: object) -> str:
    """Import ``path``; it must be refused with one error line (the head) naming the file
    by the path as given, as parse errors do (not by its name alone)."""
    code, out, err = _import(capsys, path, source, *more)
    assert code == 2, (out, err)
    head = err.splitlines()[0]
    assert head.split(": ", 1)[1].startswith(f"{path}:" if ", " not in head else str(path)), head
    return err


def _nothing_imported(data: Path) -> bool:
    ledger = data / "imported" / "imports.json"
    return not ledger.exists() or json.loads(ledger.read_text())["imports"] == []


def _bra(path: Path, year: object, *rows: str) -> Path:
    lines = [f"Anmälda brott i kommunerna {year}: {GROV}", "Kommun;Antal;Per 100 000 inv.", *rows]
    path.write_text(BOM + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def _kolada(path: Path, items: list[tuple[str, str, int, str, float]]) -> Path:
    """A Kolada v3 response: items (kpi, municipality, period, gender, value)."""
    values = [
        {"kpi": k, "municipality": m, "period": y,
         "values": [{"gender": g, "count": 1, "status": "", "value": v, "isdeleted": False}]}
        for k, m, y, g, v in items
    ]  # fmt: skip
    path.write_text(json.dumps({"count": len(values), "values": values}, indent=1))
    return path


def _panel(data: Path) -> pl.DataFrame:
    from research.data.panel import load_panel

    return load_panel(data)


# -- 1. imported rates get estimated counts, as the snapshot's do ---------------------------


def test_imported_kolada_rates_get_estimated_counts(data_copy: Path, capsys) -> None:
    assert _import(capsys, FIXTURES / "kolada_n07402.json", "kolada")[0] == 0
    pops = _raw("N01951")
    doc = json.loads((FIXTURES / "kolada_n07402.json").read_text())
    panel = _panel(data_copy)
    checked = 0
    for item in doc["values"]:
        for v in item["values"]:
            if v["isdeleted"] or v["value"] is None:
                continue
            code = {"0000": "00", "0001": "01"}.get(item["municipality"], item["municipality"])
            row = panel.filter(
                (pl.col("indicator") == "N07402")
                & (pl.col("area_code") == code)
                & (pl.col("year") == item["period"])
                & (pl.col("sex") == v["gender"])
            ).row(0, named=True)
            if v["gender"] != "T":  # no estimate for one sex, as in the snapshot
                assert row["count_est"] is None
                continue
            pop = pops[(code, item["period"])]
            raw = v["value"] * pop / 100_000
            assert row["population"] == pop
            assert row["count_est"] == round(raw), (code, item["period"])
            assert row["count_est_error"] == pytest.approx(abs(raw - round(raw)))
            checked += 1
    assert checked == 6
    # Huddinge 2022, the reviewer's cell: 55.9 per 100 000 of 114 504 inhabitants
    assert round(55.9 * 114_504 / 100_000) == 64


def test_screening_accepts_imported_national_rates(data_copy: Path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PILOTBENCH_CACHE", str(tmp_path / "cache"))
    from research.views.candidate_screening.checks import check_parameters

    assert _import(capsys, FIXTURES / "kolada_n07402.json", "kolada")[0] == 0
    # refused before: "the data lack national (riket) figures ... for 2021, 2022"
    check_parameters(pilot="Stockholm", years="2020-2022")


def test_a_new_year_is_estimated_with_the_imported_population(
    data_copy: Path, tmp_path, capsys
) -> None:
    scb = tmp_path / "folk2023.csv"
    scb.write_text("Region;År;Folkmängd\n0126 Huddinge;2023;115 000\n", encoding="utf-8")
    rates = _kolada(tmp_path / "k2023.json", [("N07402", "0126", 2023, "T", 52.0)])
    assert _import(capsys, scb, "scb")[0] == 0
    assert _import(capsys, rates, "kolada")[0] == 0
    row = _panel(data_copy).filter(
        (pl.col("indicator") == "N07402") & (pl.col("area_code") == "0126")
        & (pl.col("year") == 2023)
    ).row(0, named=True)  # fmt: skip
    assert (row["population"], row["count_est"]) == (115_000.0, 60)  # 52 x 115 000 / 10^5 = 59.8


def _kolada_as(f: Path, kpi: str) -> tuple[Path, int]:
    """The Kolada fixture with its KPI replaced by ``kpi``, written to ``f``; and the line
    of its first item (the one before the first ``"kpi"`` line)."""
    text = (FIXTURES / "kolada_n07402.json").read_text().replace("N07402", kpi)
    f.write_text(text)
    return f, next(i for i, x in enumerate(text.splitlines(), 1) if '"kpi"' in x) - 1


# -- 2. impossible populations ---------------------------------------------------------------


def test_kolada_populations_in_the_wrong_unit_are_refused(data_copy, tmp_path, capsys) -> None:
    f, first_item = _kolada_as(tmp_path / "befolkning.json", "N01951")
    err = _refused(capsys, f, "kolada")
    riket_2021 = f"{_raw('N01951')[('00', 2021)]:,.0f}"  # 10,452,326
    assert err.startswith(
        f"error: {f}: record 00 Riket 2021 N01951 T (line {first_item}): "
        f"population 17.9 differs by more than a factor of 2 from {riket_2021}, the "
        "population in 2021 according to the snapshot"
    )
    assert "[rule population-consistent]" in err and "nothing was imported" in err
    assert "0180 Stockholm 2022 N01951 T" in err and "31.4" in err
    assert _nothing_imported(data_copy)


@pytest.mark.parametrize(
    ("line", "shown", "known"),
    [("0126 Huddinge;2022;114", "114", ("0126", 2022)),
     ("01 Stockholms län;2022;500", "500", ("01", 2022)),
     ("0126 Huddinge;2024;1 145 040", "1,145,040", ("0126", 2022))],  # nearest year: 2022
)  # fmt: skip
def test_scb_populations_far_from_the_snapshot_are_refused(
    data_copy, tmp_path, capsys, line, shown, known
) -> None:
    f = tmp_path / "folk.csv"
    f.write_text(f"Region;År;Folkmängd\n{line}\n", encoding="utf-8")
    err = _refused(capsys, f, "scb")
    want = f"{_raw('N01951')[known]:,.0f}"
    assert f"(line 2): population {shown} differs by more than a factor of 2 from {want}" in err
    assert f"the population in {known[1]} according to the snapshot" in err
    assert _nothing_imported(data_copy)


def test_a_district_larger_than_its_kommun_is_refused_and_blames_no_later_file(
    data_copy, tmp_path, capsys
) -> None:
    f = tmp_path / "stadsdelar.csv"
    f.write_text("Stadsdelsområde;2021;2022\nSödermalm;130 500;3 000 000\n", encoding="utf-8")
    err = _refused(capsys, f, "stockholm")
    stockholm = f"{_raw('N01951')[('0180', 2022)]:,.0f}"
    assert err.splitlines()[0] == (
        f"error: {f}: record 0180-SOD Södermalm 2022 BE0101N1 T (line 2): population "
        f"3,000,000 exceeds that of Stockholm, which contains the area ({stockholm} according "
        "to the snapshot) [rule population-hierarchy]; nothing was imported. Check the file "
        "against the publisher's table and import a corrected export."
    )
    assert _nothing_imported(data_copy)
    # a valid Brå district file is then imported (it was refused, blaming its own rates)
    assert _import(capsys, FIXTURES / "bra_stadsdelar_2022.csv", "bra")[0] == 0


def test_districts_summing_above_their_kommun_are_refused_once(data_copy, tmp_path, capsys):
    f = tmp_path / "stadsdelar.csv"
    f.write_text("Stadsdelsområde;2022\nSödermalm;600 000\nNorrmalm;500 000\n", encoding="utf-8")
    err = _refused(capsys, f, "stockholm")
    stockholm = _raw("N01951")[("0180", 2022)]
    assert 600_000 < stockholm < 1_100_000 / 1.02  # each alone fits, the two do not
    assert err.count("[rule population-hierarchy]") == 1
    assert (
        f"the 2 districts of Stockholm would then have 1,100,000 inhabitants together, more "
        f"than Stockholm ({stockholm:,.0f} according to the snapshot)"
    ) in err


def test_a_wrong_earlier_import_is_named_with_how_to_take_it_back(data_copy, tmp_path, capsys):
    first = tmp_path / "fel.csv"
    first.write_text("Stadsdelsområde;2022\nSödermalm;900 000\n", encoding="utf-8")
    assert _import(capsys, first, "stockholm")[0] == 0  # within Stockholm's 984 748
    err = _refused(capsys, FIXTURES / "stockholm_stadsdelar.csv", "stockholm")
    assert "according to the import fel.csv" in err
    assert "take it back with `pilotbench data remove fel.csv` first" in err
    err = _refused(capsys, FIXTURES / "bra_stadsdelar_2022.csv", "bra")
    assert "but the population is 900,000 (according to the import fel.csv)" in err


def test_populations_swedish_message(data_copy, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PILOTBENCH_LANG", "sv")
    f = tmp_path / "folk.csv"
    f.write_text("Region;År;Folkmängd\n0126 Huddinge;2022;114\n", encoding="utf-8")
    err = _refused(capsys, f, "scb")
    assert err.startswith(
        f"fel: {f}: posten 0126 Huddinge 2022 BE0101N1 T (rad 2): folkmängden 114 skiljer "
        f"sig mer än en faktor 2 från 114{NBSP}504, folkmängden 2022 enligt ögonblicksbilden"
    )


def test_plausible_populations_are_still_imported(data_copy, capsys) -> None:
    for name, source in [("scb_folkmangd_utf8.csv", "scb"), ("scb_tab638.json", "scb"),
                         ("scb_folkmangd_latin1.csv", "scb"), ("stockholm_stadsdelar.xlsx",
                         "stockholm")]:  # fmt: skip
        code, _, err = _import(capsys, FIXTURES / name, source)
        assert code == 0, err


# -- 3. a Kolada KPI the catalogue lacks -------------------------------------------------------


def test_a_kpi_not_in_the_catalogue_is_refused(data_copy, tmp_path, capsys) -> None:
    f, first_item = _kolada_as(tmp_path / "n99999.json", "N99999")
    err = _refused(capsys, f, "kolada")
    assert err.startswith(
        f"error: {f}, line {first_item}: KPI N99999 is not in data/catalog.toml, and "
        "only KPIs listed there can be imported"
    )
    assert "add an [indicators.N99999] table" in err and len(err.splitlines()) == 1
    assert _nothing_imported(data_copy)


# -- 4. a Brå title year no file can be for ---------------------------------------------------


@pytest.mark.parametrize("more", [(), ("--year", "2022")])
def test_an_impossible_title_year_is_refused_by_name(data_copy, tmp_path, capsys, more) -> None:
    f = _bra(tmp_path / "brott.csv", 1850, "Falu kommun;9;15,0")
    err = _refused(capsys, f, "bra", *more)
    assert err == (
        f"error: {f}, line 1: the title says year 1850, but Brå's statistics database of "
        "reported crimes begins in 1975; correct the year in the title line (or delete the "
        "line and give the year with --year) and import again\n"
    )
    assert _nothing_imported(data_copy)


def test_a_year_before_the_series_is_refused(data_copy, tmp_path, capsys) -> None:
    err = _refused(capsys, _bra(tmp_path / "brott.csv", 1974, "Falu kommun;9;15,0"), "bra")
    assert "the title says year 1974" in err
    f = tmp_path / "utan.csv"
    f.write_text("Kommun;Antal;Per 100 000 inv.\nFalu kommun;9;15,0\n", encoding="utf-8")
    err = _refused(capsys, f, "bra", "--year", "1960", "--indicator", "BRA_GROV_KVINNOFRID")
    assert "the year given, 1960, lies before 1975" in err
    assert _nothing_imported(data_copy)


# -- 5. the changed cells, as the language writes numbers, counts included --------------------


def test_changed_cells_are_listed_in_swedish_numbers(data_copy, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PILOTBENCH_LANG", "sv")
    code, out, _ = _import(capsys, FIXTURES / "kolada_n07402.json", "kolada")
    assert code == 0
    rates = _raw("N07402")
    riket = f"{rates[('00', 2021)]:g}".replace(".", ",")  # 13,308
    assert f"  00 Riket 2021 N07402 T: {riket} -> 17,9 (kom från kolada-snapshot)" in out
    # the listed cells only: the first line names the file and the store, whose paths
    # (a temporary folder such as /tmp/ci.98K0) may hold ".9" or "e-" themselves
    cells = "\n".join(line for line in out.splitlines() if line.startswith("  "))
    assert cells.count(" -> ") == 5
    assert "e+" not in cells and "e-" not in cells and ".9" not in cells


def test_changed_counts_are_listed(data_copy, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PILOTBENCH_LANG", "sv")
    assert _import(capsys, FIXTURES / "bra_kommuner_2022.csv", "bra")[0] == 0
    f = _bra(tmp_path / "rattad.csv", 2022, "Falu kommun;10;16,7", "Göteborgs stad;1 213;205,3")
    code, out, err = _import(capsys, f, "bra")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[1] == "2 celler har nu ett annat värde (den nya importen används):"
    # bra_kommuner_2022.csv: "Falu kommun;9;15,0" and "Göteborgs stad;1 212;205,3"
    assert lines[2] == (
        f"  1480 Göteborg 2022 BRA_GROV_KVINNOFRID T: antal 1{NBSP}212 -> 1{NBSP}213 "
        "(kom från bra_kommuner_2022.csv)"
    )
    assert lines[3] == (
        "  2080 Falun 2022 BRA_GROV_KVINNOFRID T: 15 -> 16,7, antal 9 -> 10 "
        "(kom från bra_kommuner_2022.csv)"
    )


def test_merge_lists_a_count_that_changed_without_its_rate() -> None:
    from research.data.import_store import merge_with_snapshot
    from research.data.sources.common import build_frame

    row = dict(area_code="2080", area_name="Falun", level="kommun", parent_code="20",
               year=2022, indicator="BRA_X", sex="T", value=15.0, unit="", source="a")  # fmt: skip
    _, changes = merge_with_snapshot(
        build_frame([{**row, "count": 9}]), build_frame([{**row, "count": 10, "source": "b"}])
    )
    cols = ("value_snapshot", "value_import", "count_snapshot", "count_import")
    assert changes.select(cols).rows() == [(15.0, 15.0, 9, 10)]


# -- 6. a bad name in a wide file, once -------------------------------------------------------


def test_a_bad_name_in_a_wide_file_is_reported_once(data_copy, tmp_path, capsys) -> None:
    f = tmp_path / "stadsdelar.csv"
    f.write_text(
        "Stadsdelsområde;2020;2021;2022\nSödermalmm;131 000;130 500;130 200\n"
        "Norrmalm;70 000;69 500;70 100\nKungsholmm;66 000;66 100;66 200\n",
        encoding="utf-8",
    )
    err = _refused(capsys, f, "stockholm")
    assert err.count("'Södermalmm'") == 1 and err.count("'Kungsholmm'") == 1
    assert "2 area name(s) match no kommun" in err
    assert "  line 2: 'Södermalmm'" in err and "  line 4: 'Kungsholmm'" in err


# -- 7. empty files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "source"),
    [("e.json", b"", "kolada"), ("e.json", b"", "scb"), ("e.csv", b"", "bra"),
     ("e.csv", b"", "scb"), ("e.csv", b"", "stockholm"), ("e.xlsx", b"", "stockholm"),
     ("e.xlsx", b"", "bra"), ("blank.csv", b"\xef\xbb\xbf\r\n  \r\n", "bra"),
     ("blank.json", b"\n\n", "kolada"), ("u16.csv", b"\xff\xfe", "scb")],
)  # fmt: skip
def test_an_empty_file_is_called_empty(
    data_copy, tmp_path, capsys, monkeypatch, name, content, source
) -> None:
    f = tmp_path / name
    f.write_bytes(content)
    err = _refused(capsys, f, source)
    assert err == (
        f"error: {f}: the file is empty (0 bytes or only blank space); download or export it "
        "again and import the new file\n"
    )
    monkeypatch.setenv("PILOTBENCH_LANG", "sv")
    assert _refused(capsys, f, source).startswith(f"fel: {f}: filen är tom (0{NBSP}byte eller")


# -- 8. data info -----------------------------------------------------------------------------


def test_data_info_counts_the_snapshot_and_lists_conflicts_readably(data_copy, capsys) -> None:
    code, clean, _ = _run(capsys, "data", "info")
    assert code == 0
    size = next(x for x in clean.splitlines() if x.startswith("  ") and "rows, years" in x)
    kpis = {p.name.split("--")[2] for p in RAW.glob("ddf--datapoints--*.csv")}
    assert size.endswith(f"indicators: {len(kpis)}")
    assert _import(capsys, FIXTURES / "kolada_n07402.json", "kolada")[0] == 0
    assert _import(capsys, FIXTURES / "bra_kommuner_2022.csv", "bra")[0] == 0
    code, out, _ = _run(capsys, "data", "info")
    assert code == 0
    assert size in out.splitlines()  # the snapshot's own rows and indicators, as before
    rates = _raw("N07402")
    assert "5 cells where imports differ from the snapshot (import used):" in out
    assert (
        f"  00 Riket 2021 N07402 T: {rates[('00', 2021)]:g} in the snapshot -> 17.9 from "
        "kolada_n07402.json"
    ) in out.splitlines()
    assert not any(c in out for c in "┌│╞…") and "shape:" not in out
