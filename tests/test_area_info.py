"""`pilotbench areas QUERY` (research.views.area_info and the CLI subcommand)."""

from __future__ import annotations

import csv
import doctest

import pytest

import research.views.area_info as area_info_mod
from research.cli import main
from research.core.paths import PROJECT_ROOT
from research.views.area_info import describe_area


def _raw_population(code: str) -> tuple[int, float]:
    path = PROJECT_ROOT / "data/raw/kolada/ddf--datapoints--n01951--by--geo--year.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["geo"] == code]
    last = max(rows, key=lambda r: int(r["year"]))
    return int(last["year"]), float(last["n01951"])


def test_huddinge(capsys):
    assert main(["areas", "Huddinge"]) == 0
    out = capsys.readouterr().out
    year, pop = _raw_population("0126")
    assert out.startswith(
        "Huddinge (0126)\n  level:       kommun\n  parent:      Stockholms län (01)"
    )
    grouped = f"{pop:,.0f}".replace(",", " ")
    assert f"population:  {grouped} ({year}, N01951)" in out
    skr = "SKR municipality group (per Kolada): Pendlingskommun nära storstad  (Kolada G92793)"
    assert skr in out
    assert (
        "Liknande kommuner IFO, Huddinge, 2024 (G36522): Järfälla, Växjö, Lund, Halmstad, "
        "Borås, Karlstad, Sundsvall"
    ) in out
    assert "Liknande kommuner socioekonomi, Huddinge, 2024" in out
    assert "Liknande kommuner, övergripande, Huddinge, 2025" in out
    assert "N07402    2008–2022  Gross violation of a woman's integrity" in out


def test_sodermalm_lists_its_regso(capsys):
    assert main(["areas", "Södermalm"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Södermalm (0180-SOD)\n  level:       district\n  parent:      Stockholm")
    assert "12 areas - our reading of names, not an official key" in out
    for line in ("0180R058  Mariatorget", "0180R087  Storkyrkan", "0180R094  Södra Hammarbyhamnen"):
        assert line in out
    assert "panel data:  none for this area" in out


def test_stockholm_lists_current_districts():
    info = describe_area("0180")
    assert "Södermalm (0180-SOD)" in info.districts and "Järva (0180-JAR)" in info.districts
    assert len(info.districts) == 11


def test_regso_and_group_queries():
    assert "district:    Södermalm (0180-SOD)" in describe_area("0180R058").text()
    deso = describe_area("0180C1010").text()
    assert "DeSO (SCB, 2018 edition)" in deso and "RegSO:       0180R123" in deso
    assert "district:    Farsta (0180-FAR)" in deso
    text = describe_area("skr:Storstäder").text()
    assert "members (3): Stockholm (0180), Malmö (1280), Göteborg (1480)" in text


@pytest.mark.parametrize(
    ("query", "hint"),
    [
        ("Hudinge", "did you mean Huddinge (0126)"),
        ("skr:Storstäd", "did you mean 'skr:Storstäder'"),
    ],
)
def test_typo_suggests(capsys, query, hint):
    assert main(["areas", query]) == 2
    err = capsys.readouterr().err
    assert hint in err and "Traceback" not in err


def test_doctests_run():
    res = doctest.testmod(area_info_mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0 and res.attempted >= 3


def test_output_piped_into_head_is_not_an_error():
    """`pilotbench areas Södermalm | head`: a reader that has gone ends the command quietly."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "research", "areas", "Södermalm"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=PROJECT_ROOT,
    )
    proc.stdout.close()  # the reader is gone before the command writes anything
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert stderr == ""
