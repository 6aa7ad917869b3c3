"""Degenerate or impossible input to the statistics: a clear error or a flagged result,
never a confident number.

Each case was found by calling the public functions the way a hurried analyst might (issue
review, session 17): a p-value of 0 from two clusters, an MDE of 0 % for a power below alpha,
a duplicated row that doubled a kommun's count in the screening, a NaN that ranked first.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from research.analyses.effect import Estimate, Evidence, conclude
from research.analyses.profile import latest_levels, rank_among_kommuner
from research.analyses.screening import screen_candidates
from research.core.errors import ArgumentError, DataError, DesignError
from research.core.warnings import SingleTreatedUnitWarning
from research.data.panel import load_panel
from research.stats.did import diff_in_diff
from research.stats.glm import fit_glm
from research.stats.its import interrupted_time_series
from research.stats.power import concentrate, dilute, minimum_detectable_effect, power_at
from research.stats.sdid import synthetic_did
from research.stats.staggered import group_time_att
from research.stats.synth import synthetic_control


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return load_panel()


def _did_panel(n_units: int, seed: int = 1) -> pl.DataFrame:
    """Unit "0126" treated from 2016, the others not; a rate with noise, 2010-2020."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_units):
        code = "0126" if i == 0 else f"{1000 + i:04d}"
        base = rng.uniform(50, 150)
        for year in range(2010, 2021):
            effect = 0.8 if (i == 0 and year >= 2016) else 1.0
            rate = base * (1 + 0.01 * (year - 2010)) * effect * rng.lognormal(0, 0.05)
            rows.append(
                {"unit": code, "year": year, "rate": rate, "treated": int(i == 0),
                 "post": int(year >= 2016), "cohort": 2016 if i == 0 else 0}
            )  # fmt: skip
    return pl.DataFrame(rows)


# -- difference-in-differences -----------------------------------------------------------------
def test_cluster_inference_with_one_treated_of_two_clusters_has_no_p_value() -> None:
    """The treated cluster's score is zero up to rounding: the sandwich variance is a
    rounding error; it gave se NaN with p = 0.0 (t = infinity)."""
    d = _did_panel(2)
    r = diff_in_diff(
        d, unit="unit", time="year", outcome="rate", treated="treated", post="post",
        inference="cluster",
    )  # fmt: skip
    assert math.isfinite(r.estimate)
    assert math.isnan(r.se) and math.isnan(r.p_value)
    assert any(isinstance(w, SingleTreatedUnitWarning) for w in r.warnings)


def test_cluster_inference_with_three_clusters_still_gives_a_p_value() -> None:
    d = _did_panel(3)
    r = diff_in_diff(
        d, unit="unit", time="year", outcome="rate", treated="treated", post="post",
        inference="cluster",
    )  # fmt: skip
    assert 0 < r.p_value < 1 and r.se > 0


def test_group_time_att_with_one_treated_unit_says_its_se_is_not_valid() -> None:
    r = group_time_att(_did_panel(30), unit="unit", time="year", outcome="rate", cohort="cohort")
    assert any(isinstance(w, SingleTreatedUnitWarning) for w in r.warnings)
    agg = r.aggregate("simple")
    assert any(isinstance(w, SingleTreatedUnitWarning) for w in agg.warnings)
    two = _did_panel(30).with_columns(
        cohort=pl.when(pl.col("unit").is_in(["0126", "1001"])).then(2016).otherwise(0)
    )
    r2 = group_time_att(two, unit="unit", time="year", outcome="rate", cohort="cohort")
    assert not any(isinstance(w, SingleTreatedUnitWarning) for w in r2.warnings)


# -- seeds ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [-1, "x", 1.5, True])
def test_a_seed_numpy_would_reject_is_an_argument_error(seed: object) -> None:
    d = _did_panel(12)
    with pytest.raises(ArgumentError, match="seed must be None, a whole number >= 0"):
        diff_in_diff(
            d, unit="unit", time="year", outcome="rate", treated="treated", post="post",
            inference="permutation", seed=seed,
        )  # fmt: skip
    with pytest.raises(ArgumentError, match="seed"):
        minimum_detectable_effect(15.0, method="simulation", n_control=10, seed=seed)
    wide = d.select("unit", "year", "rate")
    with pytest.raises(ArgumentError, match="seed"):
        synthetic_control(
            wide, unit="unit", time="year", outcome="rate", treated="0126",
            treatment_time=2016, seed=seed,
        )  # fmt: skip


# -- power ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: minimum_detectable_effect(15.0, power=0.01), "not above alpha"),
        (lambda: minimum_detectable_effect(15.0, power=0.05), "not above alpha"),
        (lambda: minimum_detectable_effect(math.inf), "infinite"),
        (lambda: minimum_detectable_effect(baseline_rate=100, population=15000, per=0), "per"),
        (lambda: minimum_detectable_effect(baseline_rate=100, population=1e4, per=-1e5), "per"),
        (lambda: minimum_detectable_effect(baseline_rate=math.inf, population=1e4), "infinite"),
        (lambda: power_at(0.8, 15.0, method="simulation", n_sim=0), "n_sim"),
        (lambda: power_at(math.inf, 15.0), "finite"),
        (lambda: power_at(True, 15.0), "rate_ratio"),
        (
            lambda: minimum_detectable_effect(15, method="simulation", effects=[math.nan]),
            "effects",
        ),
        (lambda: dilute(-0.5, 0.5), "rate_ratio"),
        (lambda: dilute(0.0, 0.5), "rate_ratio"),
        (lambda: concentrate(math.inf, 0.5), "rate_ratio"),
    ],
)
def test_impossible_power_inputs_are_argument_errors(call, match: str) -> None:
    with pytest.raises(ArgumentError, match=match):
        call()


def test_no_mde_says_why() -> None:
    zero = minimum_detectable_effect(0.0)
    assert math.isnan(zero.mde_pct) and not zero.detectable
    assert [n.code for n in zero.notes] == ["no_baseline"]
    no_control = minimum_detectable_effect(15.0, control_count=math.nan)
    assert [n.code for n in no_control.notes] == ["no_control_count"]
    # arrays keep NaN as a missing value, without a note per element
    arr = minimum_detectable_effect(np.array([0.0, 15.0]))
    assert np.isnan(arr.mde_pct[0]) and np.isfinite(arr.mde_pct[1]) and arr.notes == []
    np.testing.assert_allclose(dilute([0.8, math.nan], 0.5), [0.9, math.nan])


# -- GLM -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kw",
    [
        {"max_iter": 0}, {"max_iter": -1}, {"max_iter": 2.5}, {"tol": math.nan}, {"tol": -1.0},
        {"start": np.array([math.nan, 0.0])}, {"start": np.zeros(5)},
    ],
)  # fmt: skip
def test_glm_settings_that_would_return_the_start_are_refused(kw: dict) -> None:
    X = np.column_stack([np.ones(6), [0, 0, 0, 1, 1, 1]])
    y = np.array([3.0, 4, 5, 8, 9, 10])
    with pytest.raises(ArgumentError, match=r"max_iter|start"):
        fit_glm(X, y, family="poisson", **kw)


# -- the panel's analyses ----------------------------------------------------------------------
def test_a_repeated_row_is_refused_not_counted_twice(panel: pl.DataFrame) -> None:
    twice = pl.concat([panel, panel.filter(pl.col("area_code") == "0126")])
    with pytest.raises(DataError, match=r"repeats .* area-year rows .*0126"):
        screen_candidates(twice)
    with pytest.raises(DataError, match="repeats"):
        rank_among_kommuner(twice, "N07402", 2022)
    with pytest.raises(DataError, match="repeats"):
        latest_levels(twice, ["N07402"], ["0180", "0126"])


def test_a_population_of_zero_is_refused_not_ranked(panel: pl.DataFrame) -> None:
    zero = panel.with_columns(
        population=pl.when(pl.col("area_code") == "0126").then(0.0).otherwise("population")
    )
    with pytest.raises(DataError, match=r"population 0\.0 for area 0126"):
        screen_candidates(zero)


def test_a_nan_value_is_refused_not_ranked_first(panel: pl.DataFrame) -> None:
    nan = panel.with_columns(
        value=pl.when((pl.col("area_code") == "0180") & (pl.col("indicator") == "N07402"))
        .then(float("nan"))
        .otherwise("value")
    )
    with pytest.raises(DataError, match="value = nan for area 0180"):
        rank_among_kommuner(nan, "N07402", 2022)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda p: latest_levels(p, "N07402", ["0180"]), ArgumentError, "list"),
        (lambda p: latest_levels(p, ["N07402"], "0180"), ArgumentError, "list"),
        (lambda p: latest_levels(p, ["N07402"], [180, 126]), ArgumentError, "text"),
        (lambda p: latest_levels(p, ["N07402"], ["0180"], required=2), ArgumentError, "required"),
        (lambda p: latest_levels(p, ["N07402"], ["0180"], required=0), ArgumentError, "required"),
        (lambda p: latest_levels(p, ["X99999"], ["0180"]), ArgumentError, "not in the panel"),
        (lambda p: rank_among_kommuner(p, "N07402", "2022"), ArgumentError, "year"),
        (lambda p: rank_among_kommuner(p, "X99999", 2022), ArgumentError, "not in the panel"),
        (lambda p: rank_among_kommuner(p, 7402, 2022), ArgumentError, "a code as text"),
        (lambda p: rank_among_kommuner(p, "N07402", 1900), DataError, "no kommun values"),
        (lambda p: rank_among_kommuner(p.to_dicts()[:3], "N07402", 2022), ArgumentError, "polars"),
        (lambda p: screen_candidates(p.drop("count_est")), ArgumentError, "count_est"),
    ],
)
def test_profile_arguments(panel: pl.DataFrame, call, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call(panel)


# -- the conclusion ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("estimates", "alpha", "match"),
    [
        ((Estimate("did", 0.8, 0.6, 1.0, 0.5),), 2.0, "alpha"),
        ((Estimate("did", -0.8, 0.6, 1.0, 0.01),), 0.05, "rate ratio"),
        ((Estimate("did", math.inf, 0.6, 1.0, 0.01),), 0.05, "rate ratio"),
        ((Estimate("did", 0.8, 1.0, 0.6, 0.01),), 0.05, "interval"),
        ((Estimate("did", 0.8, -0.1, 1.0, 0.01),), 0.05, "interval"),
        ((Estimate("did", 0.8, 0.6, 0.9, 0.01), Estimate("did", 0.8, 0.6, 0.9, 0.01)), 0.05,
         "occurs 2 times"),
    ],
)  # fmt: skip
def test_impossible_evidence_is_refused(estimates: tuple, alpha: float, match: str) -> None:
    with pytest.raises(ArgumentError, match=match):
        conclude(Evidence(estimates=estimates, alpha=alpha))


def test_unbounded_and_missing_intervals_are_evidence() -> None:
    ev = Evidence(
        estimates=(
            Estimate("synth", 0.9, math.nan, math.nan, 0.3),
            Estimate("sdid", 0.95, 0.0, math.inf, 0.5),
        )
    )
    assert conclude(ev).verdict in ("cannot_tell", "no_effect_detected")


# -- interrupted time series -------------------------------------------------------------------
def _yearly(n_years: int = 11) -> pl.DataFrame:
    years = list(range(2010, 2010 + n_years))
    return pl.DataFrame({"year": years, "n": [50 + 3 * (i % 4) for i in range(n_years)]})


@pytest.mark.parametrize(
    ("kw", "error", "match"),
    [
        ({"interruption": 2015.5}, ArgumentError, "must be a year"),
        ({"interruption": 2020}, DesignError, "need at least 2 before and 2 after"),
        ({"interruption": 2015, "seasonality": 0}, ArgumentError, "seasonality"),
        ({"interruption": 2015, "seasonality": -1}, ArgumentError, "seasonality"),
        ({"interruption": 2015, "seasonality": 12.5}, ArgumentError, "seasonality"),
        ({"interruption": 2015, "seasonality": 4, "n_harmonics": 0}, ArgumentError, "n_harmonics"),
        ({"interruption": 2015, "seasonality": 4, "n_harmonics": 2.5}, ArgumentError, "n_harm"),
    ],
)
def test_its_arguments_that_fitted_something_else(kw: dict, error: type, match: str) -> None:
    """2015.5 on yearly data moved the level change; seasonality 0 or -1 fitted no season;
    one post period gave 'terms [slope] are collinear'."""
    with pytest.raises(error, match=match):
        interrupted_time_series(_yearly(), time="year", outcome="n", **kw)


# -- SDID and group-time ATT ---------------------------------------------------------------------
def test_sdid_and_group_time_att_refuse_what_they_cannot_fit() -> None:
    d = _did_panel(12)
    sd = {"unit": "unit", "time": "year", "outcome": "rate", "treatment_time": 2016}
    with pytest.raises(ArgumentError, match="at least one treated unit"):
        synthetic_did(d, treated=[], **sd)
    with pytest.raises(ArgumentError, match="covariates"):
        synthetic_did(d, treated="0126", covariates=["rate"], **sd)
    with pytest.raises(ArgumentError, match="covariates"):
        synthetic_did(d.with_columns(x=pl.lit("a")), treated="0126", covariates=["x"], **sd)
    with pytest.raises(ArgumentError, match="missing values"):
        synthetic_did(
            d.with_columns(x=pl.lit(float("nan"))), treated="0126", covariates=["x"], **sd
        )
    inf = d.with_columns(
        rate=pl.when((pl.col("unit") == "1001") & (pl.col("year") == 2012))
        .then(float("inf"))
        .otherwise("rate")
    )
    with pytest.raises(DesignError, match="infinite"):
        synthetic_did(inf, treated="0126", **sd)
    gt = {"unit": "unit", "time": "year", "outcome": "rate", "cohort": "cohort"}
    with pytest.raises(DesignError, match="infinite"):
        group_time_att(inf, **gt)
    with pytest.raises(DesignError, match="no rows"):
        group_time_att(d.clear(), **gt)
    with pytest.raises(ArgumentError, match="sums to zero"):
        group_time_att(d.with_columns(w=pl.lit(0.0)), weights="w", **gt)


def test_messages_name_the_real_cause() -> None:
    d = _did_panel(12)
    zeros = d.with_columns(count=pl.lit(0.0))
    with pytest.raises(DesignError, match="every count is zero"):
        diff_in_diff(
            zeros, unit="unit", time="year", outcome="count", treated="treated", post="post",
            family="poisson",
        )  # fmt: skip
    gt = {"unit": "unit", "time": "year", "outcome": "rate", "cohort": "cohort"}
    with pytest.raises(DesignError, match="within the anticipation window"):
        group_time_att(d, anticipation=10, **gt)
    minus = d.with_columns(cohort=pl.when(pl.col("cohort") == 0).then(-1).otherwise("cohort"))
    with pytest.raises(ArgumentError, match="negative values"):
        group_time_att(minus, **gt)


def test_an_effect_window_before_the_data_is_refused(panel: pl.DataFrame) -> None:
    """start_year=1900 ran, and the controlled ITS vanished without a word (no comparison
    kommun complete in years without data)."""
    from research.analyses.effect import pilot_effect_analysis

    with pytest.raises(ArgumentError, match="before the first year with N07402 data"):
        pilot_effect_analysis(panel, start_year=1900)


def test_the_shared_design_checks_name_what_is_wrong() -> None:
    from research.stats import identification as ident

    df = pl.DataFrame({"u": ["a", "b"], "t": [1, 2], "y": [1.0, 2.0]})
    with pytest.raises(ArgumentError, match="at least one column"):
        ident.check_unique_rows(df, [])
    with pytest.raises(ArgumentError, match=r"\['z'\] are not in the data"):
        ident.check_unique_rows(df, ["u", "z"])
    with pytest.raises(ArgumentError, match="not in the data"):
        ident.complete_rows(df, ["y", "z"])
    with pytest.raises(ArgumentError, match="not in the data"):
        ident.drop_missing(df, ["z"])
    with pytest.raises(ArgumentError, match="2 names but the design matrix has 3"):
        ident.check_rank(np.eye(3), ["a", "b"])
    with pytest.raises(ArgumentError, match="missing or infinite"):
        ident.check_rank(np.array([[1.0, np.nan], [0.0, 1.0]]), ["a", "b"])
    with pytest.raises(ArgumentError, match="per"):
        ident.check_per(True)


def _level_calls():
    from research.stats.did import diff_in_diff, event_study
    from research.stats.its import interrupted_time_series
    from research.stats.sdid import synthetic_did
    from research.stats.staggered import group_time_att

    its = pl.DataFrame({"year": list(range(2012, 2023)), "n": [20, 22, 24, 26, 25, 27, 14, 15,
                                                                16, 17, 18]})  # fmt: skip
    panel = pl.DataFrame(
        [{"u": u, "t": t, "y": float(u + t + (2 if u == 0 and t >= 4 else 0)),
          "tr": int(u == 0), "post": int(t >= 4), "g": 4 if u == 0 else 0}
         for u in range(4) for t in range(6)]
    )  # fmt: skip
    cols = dict(unit="u", time="t", outcome="y")
    return {
        "its": lambda lv: interrupted_time_series(
            its, time="year", outcome="n", interruption=2018, level=lv
        ),
        "did": lambda lv: diff_in_diff(panel, treated="tr", post="post", level=lv, **cols),
        "event_study": lambda lv: event_study(
            panel, treated="tr", treatment_time=4, level=lv, **cols
        ),
        "sdid": lambda lv: synthetic_did(panel, treated=0, treatment_time=4, level=lv, **cols),
        "group_time_att": lambda lv: group_time_att(panel, cohort="g", level=lv, **cols),
    }


@pytest.mark.parametrize("name", ["its", "did", "event_study", "sdid", "group_time_att"])
@pytest.mark.parametrize("level", ["0.95", None, True])
def test_a_level_that_is_not_a_number_is_an_argument_error(name, level) -> None:
    # `not 0 < level < 1` raised TypeError ('<' not supported between int and str) for text
    # and None, and took True for 1 (then refused it by accident of value)
    with pytest.raises(ArgumentError, match="level"):
        _level_calls()[name](level)


def test_a_numpy_float32_level_is_a_level() -> None:
    # rates refused np.float32(0.95) (not a Python float); the interval at that level is the
    # Garwood interval at 0.95 (chi-square quantiles by scipy) up to float32 rounding
    from scipy import stats

    from research.stats.rates import poisson_rate_ci

    r = poisson_rate_ci(5, 1000, per=1000, level=np.float32(0.95))
    lv = float(np.float32(0.95))
    want = (stats.chi2.ppf((1 - lv) / 2, 10) / 2, stats.chi2.ppf(1 - (1 - lv) / 2, 12) / 2)
    assert (r.lower, r.upper) == pytest.approx(want, rel=1e-9)
