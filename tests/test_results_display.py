"""Results display themselves: ``_repr_html_``, ``summary()``, ``to_frame()`` and ``plot()``.

The numbers shown are checked against values worked out by hand for small designs (the same
designs as the estimators' docstring examples), not against the functions' earlier output.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from matplotlib.figure import Figure
from scipy import stats

import research
from research.core.display import ResultDisplay, fmt_num, record_frame
from research.core.errors import ArgumentError, EstimationError


def _synth_panel() -> pl.DataFrame:
    # a = (b + c) / 2 before t = 4, then 2 higher: weights b = c = 0.5, ATT = 2 exactly.
    rows = [
        {"u": u, "t": t, "y": base + slope * t + (2.0 if u == "a" and t >= 4 else 0.0)}
        for u, base, slope in [("a", 1.5, 1), ("b", 1.0, 1), ("c", 2.0, 1), ("d", 5.0, 2)]
        for t in range(6)
    ]
    return pl.DataFrame(rows)


@pytest.fixture(scope="module")
def synth():
    return research.synthetic_control(
        _synth_panel(), unit="u", time="t", outcome="y", treated="a", treatment_time=4
    )


def _check_html(html: str, *cells: str) -> None:
    assert html.startswith("<div><strong>") and html.endswith("</div>")
    for cell in cells:
        assert cell in html, cell


# -------------------------------------------------------------------- core.display helpers


def test_fmt_num_significant_digits_and_specials() -> None:
    assert fmt_num(1.23456) == "1.235"
    assert fmt_num(1234.5678) == "1235"
    assert fmt_num(0.000123456) == "0.0001235"
    assert fmt_num(np.float64(2.0)) == "2.000"
    assert fmt_num(np.int64(7)) == "7"
    assert fmt_num(np.bool_(True)) == "True"
    assert fmt_num(float("nan")) == "-"
    assert fmt_num(float("inf")) == "inf"
    assert fmt_num(None) == "-"


def test_record_frame_scalars_and_arrays() -> None:
    class R:
        a = 1.5
        b = np.array([1.0, 2.0, 3.0])
        c = "x"

    one = record_frame(type("S", (), {"a": 1.5, "c": "x"})(), ["a", "c"])
    assert one.to_dicts() == [{"a": 1.5, "c": "x"}]
    many = record_frame(R(), ["a", "b", "c"])
    assert many.to_dicts() == [
        {"a": 1.5, "b": 1.0, "c": "x"},
        {"a": 1.5, "b": 2.0, "c": "x"},
        {"a": 1.5, "b": 3.0, "c": "x"},
    ]


def test_every_public_result_class_displays_itself() -> None:
    from research.analyses.effect import EffectAnalysis
    from research.stats.did import DiDResult, EventStudyResult
    from research.stats.funnel import FunnelResult
    from research.stats.its import ITSResult
    from research.stats.power import DetectResult, PowerResult
    from research.stats.rates import RateCI, RateDifference, RateRatio, TrendResult
    from research.stats.sdid import SyntheticDiDResult
    from research.stats.staggered import AggregatedATT, GroupTimeATT
    from research.stats.synth import PlaceboResult, SyntheticControlResult

    classes = [
        EffectAnalysis,
        DiDResult,
        EventStudyResult,
        FunnelResult,
        ITSResult,
        DetectResult,
        PowerResult,
        RateCI,
        RateDifference,
        RateRatio,
        TrendResult,
        SyntheticDiDResult,
        AggregatedATT,
        GroupTimeATT,
        PlaceboResult,
        SyntheticControlResult,
    ]
    for cls in classes:
        for method in ("_repr_html_", "summary", "to_frame"):
            assert callable(getattr(cls, method, None)), f"{cls.__name__} lacks {method}"
    charted = [
        EffectAnalysis,
        DiDResult,
        EventStudyResult,
        FunnelResult,
        ITSResult,
        PowerResult,
        SyntheticDiDResult,
        GroupTimeATT,
        PlaceboResult,
        SyntheticControlResult,
    ]
    for cls in charted:
        assert callable(getattr(cls, "plot", None)), f"{cls.__name__} lacks plot"
    assert issubclass(SyntheticControlResult, ResultDisplay)


# -------------------------------------------------------------------- synthetic control


def test_synthetic_control_displays_att_weights_and_paths(synth) -> None:
    html = synth._repr_html_()
    _check_html(html, "Synthetic control: a", "ATT (mean post-period gap)", "2.000", "0.5000")
    text = synth.summary()
    assert "ATT (mean post-period gap)" in text and "2.000" in text
    # only donors with weight are listed: b and c (0.5 each), not d
    table = text.split("unit  weight\n", 1)[1].splitlines()
    assert sorted(line.split() for line in table) == [["b", "0.5000"], ["c", "0.5000"]]
    frame = synth.to_frame()
    assert frame.columns == ["time", "treated", "synthetic", "gap"]
    assert frame.filter(pl.col("time") >= 4)["gap"].to_list() == pytest.approx([2.0, 2.0])
    assert frame.filter(pl.col("time") < 4)["gap"].to_list() == pytest.approx([0.0] * 4, abs=1e-9)
    fig = synth.plot()
    assert isinstance(fig, Figure)
    lines = fig.axes[0].get_lines()
    labels = [ln.get_label() for ln in lines]
    assert labels[:2] == ["treated", "synthetic"]
    assert list(lines[0].get_ydata()) == [1.5, 2.5, 3.5, 4.5, 7.5, 8.5]
    assert list(lines[1].get_ydata()) == pytest.approx([1.5, 2.5, 3.5, 4.5, 5.5, 6.5])
    # the treatment is marked between t = 3 and t = 4
    assert [ln.get_xdata()[0] for ln in lines[2:]] == [3.5]


def test_placebo_displays_rank_table(synth) -> None:
    test = synth.placebo_test()
    # four units, the treated one's post/pre ratio is the largest: p = 1/4 (ADH 2010)
    assert test.p_value == pytest.approx(test.ratios.filter(pl.col("included")).height ** -1)
    html = test._repr_html_()
    _check_html(html, "Placebo-in-space test", "p-value", fmt_num(test.p_value), "<th>rank</th>")
    assert test.to_frame().columns == test.ratios.columns
    fig = test.plot()
    ax = fig.axes[0]
    units = {ln.get_label() for ln in ax.get_lines()}
    assert set(test.ratios.filter(pl.col("included"))["unit"].to_list()) <= units


# -------------------------------------------------------------------- DiD and event study


def test_did_displays_estimate_inference_and_permutation_plot() -> None:
    df = pl.DataFrame(
        {
            "unit": ["a", "a", "b", "b", "c", "c"],
            "year": [1, 2] * 3,
            "y": [1.0, 4.0, 2.0, 3.0, 0.0, 1.5],
            "tr": [1, 1, 0, 0, 0, 0],
            "post": [0, 1] * 3,
        }
    )
    res = research.diff_in_diff(
        df, unit="unit", time="year", outcome="y", treated="tr", post="post"
    )
    # by hand: treated change 3, control changes 1 and 1.5 -> 3 - 1.25 = 1.75; three
    # assignments of the one treated unit, the observed one is the largest -> p = 1/3.
    _check_html(res._repr_html_(), "Difference-in-differences (gaussian", "1.750", "0.3333")
    assert "permutation" in res.summary()
    frame = res.to_frame()
    assert frame.height == 1
    assert frame["estimate"][0] == pytest.approx(1.75)
    assert frame["p_value"][0] == pytest.approx(1 / 3)
    assert {"se", "lower", "upper", "method", "n_units"} <= set(frame.columns)
    fig = res.plot()
    heights = sum(p.get_height() for p in fig.axes[0].patches)
    assert heights == 3  # one bar count per assignment
    assert fig.axes[0].get_lines()[0].get_xdata()[0] == pytest.approx(1.75)


def test_did_plot_without_permutation_is_a_clear_error() -> None:
    rng = np.random.default_rng(1)
    rows = [
        (u, t, float(rng.normal() + (u < 3) * (t >= 3)), int(u < 3), int(t >= 3))
        for u in range(12)
        for t in range(1, 5)
    ]
    df = pl.DataFrame(rows, schema=["unit", "year", "y", "tr", "post"], orient="row")
    res = research.diff_in_diff(
        df, unit="unit", time="year", outcome="y", treated="tr", post="post", inference="cluster"
    )
    with pytest.raises(EstimationError, match="no permutation distribution"):
        res.plot()


def test_event_study_displays_coefficients() -> None:
    rows = [
        (u, t, float(t + (u == "a") * (t >= 3) * 2 + k), int(u == "a"))
        for k, u in enumerate("abcd")
        for t in range(1, 5)
    ]
    df = pl.DataFrame(rows, schema=["unit", "year", "y", "tr"], orient="row")
    res = research.event_study(
        df, unit="unit", time="year", outcome="y", treated="tr", treatment_time=3
    )
    html = res._repr_html_()
    _check_html(html, "Event study (gaussian)", "<th>event_time</th>", "2.000")
    assert res.to_frame().equals(res.coefficients)
    fig = res.plot()
    ax = fig.axes[0]
    # the error bar's data line holds the four estimates: 0, 0 (leads), 2, 2 (lags)
    data = next(ln for ln in ax.get_lines() if len(ln.get_ydata()) == 4)
    assert list(data.get_ydata()) == pytest.approx([0.0, 0.0, 2.0, 2.0], abs=1e-9)


# -------------------------------------------------------------------- ITS


def test_its_displays_level_and_slope_changes() -> None:
    df = pl.DataFrame({"year": list(range(2015, 2023)), "n": [20, 22, 24, 26, 14, 15, 16, 17]})
    res = research.interrupted_time_series(
        df, time="year", outcome="n", interruption=2019, overdispersion=None
    )
    _check_html(res._repr_html_(), "Interrupted time series (poisson)", "level change (ratio)")
    frame = res.to_frame()
    assert frame.columns == ["effect", "estimate", "lower", "upper", "p_value"]
    assert frame["effect"].to_list() == ["level", "slope"]
    assert frame["estimate"][0] == pytest.approx(res.level_change)
    assert round(frame["estimate"][0], 3) == 0.493
    fig = res.plot()
    labels = [ln.get_label() for ln in fig.axes[0].get_lines()]
    assert labels[:3] == ["observed", "fitted", "counterfactual"]
    assert list(fig.axes[0].get_lines()[0].get_ydata()) == [20, 22, 24, 26, 14, 15, 16, 17]


# -------------------------------------------------------------------- rates and funnel


def test_rate_ci_display_scalar_and_vector() -> None:
    res = research.poisson_rate_ci(12, 10_000, per=1000)
    lower = stats.chi2.ppf(0.025, 24) / 2 / 10  # Garwood: chi2(2x)/2, per 1 000 of 10 000
    upper = stats.chi2.ppf(0.975, 26) / 2 / 10
    _check_html(res._repr_html_(), "Rate per 1000", "1.200", fmt_num(lower), fmt_num(upper))
    frame = res.to_frame()
    assert frame["rate"][0] == pytest.approx(1.2)
    assert frame["lower"][0] == pytest.approx(lower, rel=1e-10)
    assert frame["upper"][0] == pytest.approx(upper, rel=1e-10)
    vec = research.poisson_rate_ci(np.array([12, 30]), np.array([10_000, 20_000]), per=1000)
    vframe = vec.to_frame()
    assert vframe.height == 2
    assert vframe["rate"].to_list() == pytest.approx([1.2, 1.5])
    text = vec.summary()
    assert "results (vectorised call)  2" in text
    assert "1.200" in text and "1.500" in text  # both rates (per 1 000) in the table


def test_rate_ratio_and_difference_display() -> None:
    rr = research.rate_ratio(20, 1000, 10, 1000)
    _check_html(rr._repr_html_(), "Rate ratio", "rate ratio", "2.000")
    assert rr.to_frame()["ratio"][0] == pytest.approx(2.0)
    rd = research.rate_difference(20, 1000, 10, 1000, per=1000)
    se = math.sqrt(20 / 1000**2 + 10 / 1000**2) * 1000  # Wald SE of x1/n1 - x2/n2
    frame = rd.to_frame()
    assert frame["difference"][0] == pytest.approx(10.0)
    assert frame["std_error"][0] == pytest.approx(se)
    assert fmt_num(se) in rd.summary()


def test_trend_display() -> None:
    years = np.arange(2010, 2020)
    counts = np.round(100 * 1.05 ** (years - 2010)).astype(int)
    res = research.poisson_trend(counts, np.full(10, 10_000.0), years)
    _check_html(res._repr_html_(), "Trend (", "annual change (%)", "<th>term</th>")
    assert res.to_frame()["pct_change"][0] == pytest.approx(res.pct_change)
    assert abs(res.pct_change - 5.0) < 0.2  # counts grow 5 % a year (rounded)


def test_funnel_display_and_plot() -> None:
    counts, exposures = [4, 9, 16, 30, 2], [10_000, 20_000, 30_000, 40_000, 10_000]
    res = research.funnel(counts, exposures, areas=list("abcde"), grid_size=50)
    target = 100_000 * sum(counts) / sum(exposures)
    _check_html(res._repr_html_(), "Funnel plot", fmt_num(target), "<th>area</th>")
    assert res.to_frame().equals(res.areas)
    text = res.summary()
    assert "outside 95 % limits" in text
    fig = res.plot()
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == 5
    levels = res.limits["level"].n_unique()
    assert len(ax.get_lines()) == 2 * levels + 1  # lower and upper per level, the target


# -------------------------------------------------------------------- power


def test_power_display_and_curve() -> None:
    res = research.minimum_detectable_effect(100, years_pre=3, years_post=3, n_control=20)
    html = res._repr_html_()
    _check_html(html, "Minimum detectable effect", fmt_num(res.mde_rate_ratio))
    frame = res.to_frame()
    assert frame["mde_rate_ratio"][0] == res.mde_rate_ratio
    assert frame["mde_pct"][0] == pytest.approx(100 * abs(1 - res.mde_rate_ratio))
    fig = res.plot()
    line = fig.axes[0].get_lines()[0]
    assert list(line.get_ydata()) == res.curve["power"].to_list()
    # the curve crosses the requested power at the MDE
    assert np.interp(
        res.mde_rate_ratio, res.curve["rate_ratio"].to_numpy()[::-1], line.get_ydata()[::-1]
    ) == pytest.approx(0.8, abs=0.02)
    vec = research.minimum_detectable_effect(np.array([50.0, 100.0]), n_control=20)
    assert vec.to_frame().height == 2
    with pytest.raises(ArgumentError, match="single baseline count"):
        vec.plot()


# -------------------------------------------------------------------- the effect analysis


@pytest.mark.slow
def test_effect_analysis_display() -> None:
    res = research.pilot_effect_analysis(research.load_panel())
    frame = res.to_frame()
    assert frame.columns == ["estimator", "rate_ratio", "lower", "upper", "p_value", "design_based"]
    assert frame["estimator"].to_list() == [e.key for e in res.evidence.estimates]
    assert frame["rate_ratio"][0] == pytest.approx(res.evidence.estimates[0].rate_ratio)
    _check_html(res._repr_html_(), "Pilot effect: ", res.conclusion.verdict, "<th>estimator</th>")
    fig = res.plot()
    assert len(fig.axes[0].get_lines()) >= 1
