"""Windows and indicators the reports cannot show are refused before a kernel starts.

Found by exploratory testing: ``pilot_effect``/``decision_brief`` with ``start_year=2017`` or
``2018`` crashed in the kernel (``ZeroDivisionError`` in the quasi-Poisson scale of the
interrupted time series, which had as many parameters as years), while ``start_year=2019``
was refused with advice ("use start_year <= 2018") leading into that crash;
``pilot_vs_candidate`` made an empty report for ``1994-1995`` ("2015–1995") and broken charts
for ``2022-2022``, and showed a share indicator as "no data" under a heading of crimes per
100 000. Each is now one line naming the parameter (exit status 2), or, in the fitter, a
documented :class:`EstimationError`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from research.cli import main
from research.core.errors import EstimationError, ParameterError
from research.data.catalog import load_catalog
from research.stats.glm import fit_glm
from research.stats.identification import add_if_separable
from research.stats.its import its_design
from research.views.decision_brief.checks import check_parameters as check_brief
from research.views.pilot_effect.checks import check_parameters as check_effect
from research.views.pilot_effect.checks import its_parameters
from research.views.pilot_vs_candidate.checks import check_parameters as check_comparison

EFFECT = {"pilot": "0180", "pilot_start": "2021-04", "end_year": 2022, "indicator": "N07402"}
COMPARISON = {"pilot": "0180", "candidate": "0126", "pilot_start": "2021-04"}


@pytest.fixture(scope="module")
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _own_cache(_cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pilot's years are cached (research.views.availability): here, not in the user's."""
    monkeypatch.setenv("PILOTBENCH_CACHE", str(_cache_dir))


def _one_line(err: ParameterError) -> tuple[str, str]:
    en, sv = str(err), err.message("sv")
    assert "\n" not in en and "\n" not in sv
    return en, sv


# --- 1a. the GLM's Pearson scale without residual degrees of freedom -----------------------


def test_pearson_scale_without_residual_df_is_an_estimation_error() -> None:
    X = np.column_stack([np.ones(3), [0.0, 1.0, 2.0], [0.0, 0.0, 1.0]])  # n = k = 3
    with pytest.raises(EstimationError, match="no residual degrees of freedom") as err:
        fit_glm(X, np.array([5.0, 7.0, 4.0]), family="poisson", scale="x2")
    assert "residualfrihetsgrader" in err.value.message("sv")
    # the model scale needs no residual df and still fits
    assert fit_glm(X, np.array([5.0, 7.0, 4.0]), family="poisson").scale == 1.0


def test_pearson_scale_is_chi2_over_residual_df() -> None:
    # intercept only: mu = mean = 4, Pearson chi2 = (4 + 0 + 4) / 4 = 2, df = 2, scale 1;
    # y = [1, 4, 7]: chi2 = (9 + 0 + 9) / 4 = 4.5, scale 2.25 (by hand)
    fit = fit_glm(np.ones((3, 1)), np.array([1.0, 4.0, 7.0]), family="poisson", scale="x2")
    assert fit.df_resid == 2
    assert fit.scale == pytest.approx(2.25, rel=1e-12)


# --- 1b. the latest start_year the effect analysis's ITS can fit ---------------------------


def _its_rank(years: list[int], treated: int, breaks: list[int]) -> int:
    """The rank of the ITS design built the way research.stats.its builds it (numpy)."""
    t = np.array(years, dtype=float)
    X, _ = its_design(t, float(treated))
    kept: list[np.ndarray] = []
    for b in sorted(breaks):
        if t.min() < b <= t.max():
            add_if_separable(X, kept, (t >= b).astype(float))
    return int(np.linalg.matrix_rank(np.column_stack([X, *kept])))


@pytest.mark.parametrize("indicator", ["N07402", "N07536", "N07541", "N07403"])
@pytest.mark.parametrize("start", [2012, 2015, 2016, 2017, 2018, 2019])
def test_its_parameters_match_the_design_the_estimator_builds(indicator: str, start: int) -> None:
    breaks = [b.first_year for b in load_catalog().breaks_for(indicator, (start, 2022))]
    years = list(range(start, 2023))
    k, _ = its_parameters(years, 2021, breaks)
    assert k == _its_rank(years, 2021, breaks)


@pytest.mark.parametrize("start_year", [2017, 2018, 2019, 2020])
def test_effect_check_refuses_a_start_year_without_residual_df(start_year: int) -> None:
    with pytest.raises(ParameterError) as err:
        check_effect(**EFFECT, start_year=start_year)
    en, sv = _one_line(err.value)
    assert en.startswith(f"start_year = {start_year}") and "use start_year <= 2016" in en
    assert sv.startswith(f"start_year = {start_year}") and "använd start_year <= 2016" in sv


def test_the_named_limit_depends_on_the_indicators_breaks() -> None:
    # N07541 has one break (2020) inside 2018-2022: five parameters for five years
    with pytest.raises(ParameterError, match="use start_year <= 2017"):
        check_effect(**EFFECT | {"indicator": "N07541"}, start_year=2018)
    check_effect(**EFFECT | {"indicator": "N07541"}, start_year=2017)
    check_effect(**EFFECT | {"indicator": "N07536"}, start_year=2018)  # its break is collinear


def test_the_named_limit_is_accepted() -> None:
    check_effect(**EFFECT, start_year=2016)
    check_brief(**EFFECT, candidate="0126", start_year=2016)


@pytest.mark.parametrize("report", ["pilot_effect", "decision_brief"])
@pytest.mark.parametrize("start_year", [2017, 2018])
def test_cli_refuses_the_start_year_in_one_line(
    report: str, start_year: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["report", report, "-p", f"start_year={start_year}", "--output", str(tmp_path)]
    assert main([*argv, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"start_year = {start_year}" in err and "start_year <= 2016" in err
    assert not any(tmp_path.iterdir())


# --- 2. pilot_vs_candidate's window ----------------------------------------------------------


@pytest.mark.parametrize(
    ("start_year", "end_year", "advice"),
    [
        (1994, 1995, "end_year >= 2018"),
        (2008, 2017, "end_year >= 2018"),
        (2022, 2022, "start_year <= 2019"),
        (2020, 2022, "start_year <= 2019"),
    ],
)
def test_comparison_refuses_a_window_it_cannot_show(
    start_year: int, end_year: int, advice: str
) -> None:
    with pytest.raises(ParameterError) as err:
        check_comparison(**COMPARISON, start_year=start_year, end_year=end_year)
    en, sv = _one_line(err.value)
    assert en.startswith(f"start_year = {start_year}, end_year = {end_year}") and advice in en
    assert advice.replace("use ", "") in sv and "använd" in sv


@pytest.mark.parametrize(("start_year", "end_year"), [(2008, 2022), (2019, 2022), (1994, 2018)])
def test_comparison_accepts_windows_with_a_trend(start_year: int, end_year: int) -> None:
    check_comparison(**COMPARISON, start_year=start_year, end_year=end_year)


def test_brief_refuses_the_comparisons_window_too() -> None:
    with pytest.raises(ParameterError, match="end_year >= 2018"):
        check_brief(**EFFECT | {"end_year": 2017, "pilot_start": "2014-01"}, candidate="0126")


@pytest.mark.parametrize("window", [("1994", "1995"), ("2022", "2022")])
def test_cli_refuses_the_comparisons_window_in_one_line(
    window: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, last = window
    argv = ["report", "-p", f"start_year={first}", "-p", f"end_year={last}"]
    assert main([*argv, "--output", str(tmp_path), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"start_year = {first}, end_year = {last}" in err
    assert not any(tmp_path.iterdir())


# --- 3. pilot_vs_candidate's indicators ------------------------------------------------------


@pytest.mark.parametrize(("indicator", "unit"), [("N00614", "share (%)"), ("N01951", "persons")])
def test_comparison_refuses_an_indicator_that_is_not_a_rate(indicator: str, unit: str) -> None:
    with pytest.raises(ParameterError) as err:
        check_comparison(**COMPARISON, indicators=["N07402", indicator])
    en, sv = _one_line(err.value)
    assert en.startswith(f"indicators: {indicator}") and unit in en and "N07402" in en
    assert sv.startswith(f"indicators: {indicator}") and "N07402" in sv


def test_cli_refuses_a_share_indicator_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["report", "-p", "indicators=N00614", "--output", str(tmp_path), "--lang", "sv"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "N00614 (Låg oro för våld) mäts i andel (%)" in err
    assert not any(tmp_path.iterdir())
