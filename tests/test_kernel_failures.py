"""Parameters that passed the up-front validation but failed inside the report's kernel.

Each combination below used to start a kernel and end in "report failed while running"
(exit status 1, a traceback in the saved notebook): a count or share outcome of the effect
analysis, an outcome without figures for the pilot around the pilot start, a window with one
year after the start, a district pilot without figures, a screening window without national
figures, a pilot without a reported crime after the start. Each is now refused by the
report's own ``check_parameters`` before a kernel starts: one line naming the parameter and
what to do, worded in the report's catalogue in both languages, exit status 2, nothing
written. The combinations at the edge that are accepted
run end to end (``slow``: a real kernel).
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from research.core.errors import ParameterError
from research.runner.params import read_params, validate

FIXTURES = Path(__file__).parent / "data"

#: (report, parameters, what the English message says, what the Swedish one says)
REFUSED: list[tuple[str, dict[str, Any], str, str]] = [
    # a count (population) and a survey share as the effect analysis's outcome
    ("pilot_effect", {"indicator": "N01951"}, "is measured in persons, not as a rate", "mäts i"),
    ("decision_brief", {"indicator": "N01951"}, "is measured in persons, not as a rate", "mäts i"),
    ("pilot_effect", {"indicator": "N01460"}, "is measured in share (%), not as a rate", "mäts i"),
    # rates whose figures for the pilot do not cover the window
    ("pilot_effect", {"indicator": "N07401"}, "no figures of it for Stockholm", "saknar siffror"),
    ("decision_brief", {"indicator": "U30750"}, "no figures of it for Stockholm", "saknar"),
    ("pilot_effect", {"indicator": "BRA_GROV_KVINNOFRID"}, "come from imported files", "Brås"),
    (
        "pilot_effect",
        {"indicator": "N07403", "start_year": 1995, "pilot_start": "2000-01", "end_year": 2005},
        "begin in 2008, fewer than 3 years before the pilot start 2000-01",
        "börjar 2008",
    ),
    ("pilot_effect", {"pilot": "2403"}, "lack the year(s) 2015 of the analysis", "saknar år"),
    ("decision_brief", {"pilot": "Bjurholm"}, "lack the year(s) 2015", "saknar år 2015"),
    # no reported crime after the start: the Poisson rate ratio does not exist (separation)
    ("pilot_effect", {"pilot": "Vansbro"}, "has no reported crimes in 2021\u20132022", "inga"),
    # one year from the pilot start: the ITS's change of slope is not identified
    ("pilot_effect", {"end_year": 2021}, "end_year = 2021 leaves fewer than 2", "end_year >= 2022"),
    # ... and where no later end_year could help, because the figures end: say that instead
    ("pilot_effect", {"pilot_start": "2022-01"}, "end in 2022, leaving fewer", "slutar 2022"),
    ("decision_brief", {"end_year": 2021}, "end_year = 2021 leaves fewer than 2 years", "lämnar"),
    # a donor pool (a län, an official group) with fewer than two kommuner with figures
    ("pilot_effect", {"donors": "lan:09"}, "1 of the pool's 1 other kommuner", "gruppens"),
    # a district pilot without figures (districts' figures come only from imports)
    ("pilot_vs_candidate", {"pilot": "Södermalm"}, "pilot = Södermalm (0180-SOD): the", "pilot ="),
    ("pilot_vs_candidate", {"pilot": "1480-CEN", "indicators": ["N07402"]}, "N07402 for", "N07402"),
    # the screening's window without national figures
    ("candidate_screening", {"indicator": "BRA_TOTAL"}, "lack national (riket) figures", "riket"),
    ("candidate_screening", {"indicator": "N07403", "years": "1998-2000"}, "1998, 1999", "riket"),
]  # fmt: skip


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pilot's years are cached (research.views.availability): here, not in the user's."""
    monkeypatch.setenv("PILOTBENCH_CACHE", str(tmp_path / "cache"))


IDS = [f"{r}-{'-'.join(f'{k}={v}' for k, v in p.items())}" for r, p, _, _ in REFUSED]


def _check(report: str, params: dict[str, Any], lang: str) -> None:
    """The report's real ``check_parameters`` with the notebook's defaults and ``params``."""
    check = importlib.import_module(f"research.views.{report}.checks").check_parameters
    merged = {p.name: p.default for p in read_params(report)} | params | {"lang": lang}
    accepted = inspect.signature(check).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
        merged = {k: v for k, v in merged.items() if k in accepted}
    check(**merged)


@pytest.mark.parametrize(("report", "params", "en", "sv"), REFUSED, ids=IDS)
def test_the_reports_own_check_refuses_it_in_both_languages(
    report: str, params: dict[str, Any], en: str, sv: str
) -> None:
    with pytest.raises(ParameterError) as err:
        _check(report, params, "en")
    assert en in str(err.value), str(err.value)
    assert sv in err.value.message("sv"), err.value.message("sv")
    assert "\n" not in str(err.value) and "\n" not in err.value.message("sv")
    with pytest.raises(ParameterError, match=r".") as err_v:  # and validate runs the same check
        validate(report, params)
    assert str(err_v.value) == str(err.value)


def _cli(tmp_path: Path, *args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PILOTBENCH_REPORTS": str(tmp_path / "reports"),
        "PILOTBENCH_CACHE": str(tmp_path / "cache"),
        "PILOTBENCH_LANG": lang,
    }
    return subprocess.run(
        [sys.executable, "-m", "research", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def _argv(report: str, params: dict[str, Any]) -> list[str]:
    out = ["report", report]
    for k, v in params.items():
        out += ["-p", f"{k}={','.join(v) if isinstance(v, list) else v}"]
    return out


@pytest.mark.parametrize(("report", "params", "en", "sv"), REFUSED, ids=IDS)
def test_the_command_refuses_it_in_one_line_with_status_2(
    tmp_path: Path, report: str, params: dict[str, Any], en: str, sv: str
) -> None:
    (tmp_path / "reports").mkdir()
    proc = _cli(tmp_path, *_argv(report, params))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert en in lines[0] and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout == ""
    assert list((tmp_path / "reports").iterdir()) == []  # no kernel, nothing written


def test_the_refusal_is_swedish_by_default(tmp_path: Path) -> None:
    proc = _cli(tmp_path, "report", "pilot_effect", "-p", "indicator=N01951", lang="sv")
    assert proc.returncode == 2
    assert proc.stderr.startswith("fel: indicator N01951 (Folkmängd) mäts i antal"), proc.stderr


@pytest.mark.parametrize(
    ("report", "params"),
    [
        ("pilot_effect", {"pilot_start": "2021-12", "end_year": 2022}),  # two years: enough
        ("pilot_effect", {"indicator": "N07403", "start_year": 1998}),  # fit starts at a break
        ("pilot_effect", {"pilot": "0180", "indicator": "N07541"}),
        ("decision_brief", {"pilot_start": "2011-01"}),  # exactly 3 years before the start
        ("candidate_screening", {"indicator": "N07403", "years": "2008"}),
        ("pilot_vs_candidate", {"pilot": "01", "indicators": ["N07403", "N07541"]}),
    ],
)
def test_the_edges_that_work_are_accepted(report: str, params: dict[str, Any]) -> None:
    validate(report, params)  # ran end to end in the kernel when the combinations were found


_PROBE = """\
import json, sys
from research.runner.params import validate
validate("pilot_effect", {"indicator": "N07402", "pilot": "Huddinge"})
validate("decision_brief", {"candidate": "Botkyrka"})
heavy = [m for m in ("polars", "numpy", "matplotlib") if m in sys.modules]
print(json.dumps(heavy))
"""


def test_the_outcome_check_reads_the_panel_once_per_data(tmp_path: Path) -> None:
    """The pilot's years are cached by the data's fingerprint: a batch's process validating
    briefs imports polars at most once per data version, not for every report."""
    env = {**os.environ, "PILOTBENCH_CACHE": str(tmp_path / "cache")}

    def probe() -> list[str]:
        proc = subprocess.run(
            [sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, check=False
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])

    assert "polars" in probe()  # a cold cache reads the panel ...
    assert probe() == []  # ... a warm one does not


@pytest.mark.slow
def test_a_district_with_imported_figures_runs_with_the_indicators_it_has(
    data_copy: Path, tmp_path: Path
) -> None:
    """The edge the district check lets through: of two indicators the district has figures
    of one (the imported Brå category); the report runs in a real kernel and shows it."""
    from research.cli import main
    from research.runner.report import run_report

    for name in ("bra_stadsdelar_2022.csv", "bra_kommuner_2022.csv"):
        assert main(["data", "import", str(FIXTURES / name), "--source", "bra"]) == 0
    params = {
        "pilot": "Södermalm",
        "indicators": ["BRA_GROV_KVINNOFRID", "N07402"],
        "lang": "en",
    }
    res = run_report("pilot_vs_candidate", params, output_root=tmp_path / "reports")
    html = res.html.read_text(encoding="utf-8")
    assert "Gross violation of a woman" in html and "31.5" in html  # Södermalm's imported rate
    with pytest.raises(ParameterError, match="no figures of N07402 for the district"):
        validate("pilot_vs_candidate", {**params, "indicators": ["N07402"]})
