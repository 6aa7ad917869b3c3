"""Imported official files in the panel, the CLI data commands, and a district report.

The Brå files under tests/data are TEST FIXTURES with made-up numbers (see tests/data/README.md);
expected values below are read off those fixture files by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from research.cli import main
from research.data.panel import load_panel, panel_conflicts
from research.runner.report import run_report

FIXTURES = Path(__file__).parent / "data"


def _cell(panel: pl.DataFrame, code: str, ind: str, year: int) -> dict:
    rows = panel.filter(
        (pl.col("area_code") == code) & (pl.col("indicator") == ind) & (pl.col("year") == year)
    )
    assert rows.height == 1, (code, ind, year, rows)
    return rows.row(0, named=True)


def test_imports_join_the_panel_with_official_counts(data_copy: Path) -> None:
    assert (
        main(["data", "import", str(FIXTURES / "bra_stadsdelar_2022.csv"), "--source", "bra"]) == 0
    )
    assert main(["data", "import", str(FIXTURES / "bra_kommuner_2022.csv"), "--source", "bra"]) == 0
    panel = load_panel(data_copy)
    sod = _cell(panel, "0180-SOD", "BRA_GROV_KVINNOFRID", 2022)
    # fixture line "Stockholm: Södermalm;41;31,5"
    assert (sod["count"], sod["value"], sod["level"], sod["parent_code"]) == (
        41,
        31.5,
        "district",
        "0180",
    )
    hud = _cell(panel, "0126", "BRA_GROV_KVINNOFRID", 2022)
    assert (hud["count"], hud["value"]) == (64, 55.9)  # "Huddinge kommun;64;55,9"
    # the snapshot is still there, untouched
    assert _cell(panel, "0126", "N07402", 2022)["value"] == 9.60665
    assert panel_conflicts(data_copy).height == 0


def test_reimport_changes_nothing(data_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = str(FIXTURES / "bra_stadsdelar_2022.csv")
    assert main(["data", "import", src, "--source", "bra"]) == 0
    ledger = data_copy / "imported" / "imports.json"
    before = ledger.read_bytes()
    files = sorted(p.name for p in (data_copy / "imported").rglob("*"))
    capsys.readouterr()
    assert main(["data", "import", src, "--source", "bra"]) == 0
    assert "already imported" in capsys.readouterr().out
    assert ledger.read_bytes() == before
    assert sorted(p.name for p in (data_copy / "imported").rglob("*")) == files
    assert main(["data", "info"]) == 0
    out = capsys.readouterr().out
    assert "bra_stadsdelar_2022.csv" in out


def test_conflicting_import_wins_and_is_reported(data_copy: Path, tmp_path: Path) -> None:
    # A Kolada v3 response that disagrees with the snapshot for Huddinge 2022 (made up).
    body = {
        "values": [{"kpi": "N07402", "municipality": "0126", "period": 2022,
                    "values": [{"gender": "T", "count": 1, "status": "", "value": 12.5,
                                "isdeleted": False}]}],
        "count": 1, "next_url": None,
    }  # fmt: skip
    f = tmp_path / "kolada.json"
    f.write_text(json.dumps(body), encoding="utf-8")
    assert main(["data", "import", str(f), "--source", "kolada"]) == 0
    panel = load_panel(data_copy)
    assert _cell(panel, "0126", "N07402", 2022)["value"] == 12.5
    conflicts = panel_conflicts(data_copy)
    assert conflicts.height == 1
    assert conflicts.row(0, named=True)["area_code"] == "0126"


@pytest.mark.slow
def test_sodermalm_report_from_imported_data(data_copy: Path, tmp_path: Path) -> None:
    for name in ("bra_stadsdelar_2022.csv", "bra_kommuner_2022.csv"):
        assert main(["data", "import", str(FIXTURES / name), "--source", "bra"]) == 0
    res = run_report(
        "pilot_vs_candidate",
        {"pilot": "Södermalm", "candidate": "Huddinge"},
        output_root=tmp_path / "reports",
    )
    html = res.html.read_text(encoding="utf-8")
    assert res.folder.name == "pilot_vs_candidate_0180-SOD_0126_sv"
    assert "stadsdelsområdet Södermalm" in html
    assert "Grov kvinnofridskränkning" in html
    assert "31,5" in html and "55,9" in html  # the two imported rates, decimal comma
    assert "Brå, Anmälda brott (importerade filer)" in html
