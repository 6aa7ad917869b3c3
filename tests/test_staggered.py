"""Tests of research.stats.staggered (Callaway & Sant'Anna group-time ATTs).

Reference values: csdid 0.4.3 (Python port of R's did), recorded by
tests/reference/make_staggered_reference.py on R did's mpdta panel.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from matplotlib.figure import Figure

from research.core.errors import ArgumentError, DesignError, EstimationError
from research.core.warnings import warning_text
from research.stats.staggered import StaggeredWarning, group_time_att

HERE = Path(__file__).parent
REF = json.loads((HERE / "reference" / "staggered_csdid.json").read_text())
COLS = {"unit": "countyreal", "time": "year", "outcome": "lemp", "cohort": "first.treat"}


@pytest.fixture(scope="module")
def mpdta() -> pl.DataFrame:
    return pl.read_csv(HERE / "data" / "mpdta.csv").with_columns(pop=pl.col("lpop").exp())


def _fit(df: pl.DataFrame, cfg: dict, **kw):
    return group_time_att(
        df,
        **COLS,
        control_group="never_treated"
        if cfg["control_group"] == "nevertreated"
        else "not_yet_treated",
        covariates=["lpop"] if cfg["xformla"] else None,
        est_method=cfg["est"],
        weights=cfg.get("weights"),
        **kw,
    )


@pytest.mark.parametrize("run", REF["runs"], ids=[r["config"]["name"] for r in REF["runs"]])
def test_group_time_att_matches_csdid(mpdta, run):
    res = _fit(mpdta, run["config"])
    tab = res.table
    assert tab["group"].to_list() == [int(g) for g in run["group"]]
    assert tab["time"].to_list() == [int(t) for t in run["time"]]
    np.testing.assert_allclose(tab["estimate"].to_numpy(), run["att"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(tab["se"].to_numpy(), run["se"], rtol=0, atol=1e-9)
    assert res.pre_trend is not None
    assert res.pre_trend.statistic == pytest.approx(run["W"], abs=1e-8)
    assert res.pre_trend.p_value == pytest.approx(run["Wpval"], abs=1e-5)  # csdid rounds to 5
    for kind in ["simple", "group", "dynamic", "calendar"]:
        agg = res.aggregate(kind)
        ref = run["aggregate"][kind]
        assert agg.estimate == pytest.approx(ref["overall_att"], abs=1e-9), kind
        assert agg.se == pytest.approx(ref["overall_se"], abs=1e-9), kind
        if ref["att_egt"] is not None:
            key = {"group": "group", "dynamic": "event_time", "calendar": "time"}[kind]
            assert [float(v) for v in agg.table[key].to_list()] == ref["egt"]
            np.testing.assert_allclose(agg.table["estimate"].to_numpy(), ref["att_egt"], atol=1e-9)
            np.testing.assert_allclose(agg.table["se"].to_numpy(), ref["se_egt"], atol=1e-9)


def test_bootstrap_se_and_band_agree_with_csdid_to_monte_carlo_error(mpdta):
    boot = REF["bootstrap"]
    res = _fit(mpdta, boot["config"], bootstrap=True, biters=4000, seed=7)
    # Bootstrap SEs estimate the analytical ones; both runs carry Monte Carlo error only
    # (IQR-based SE from 4000 / 20000 draws: a few per cent).
    np.testing.assert_allclose(res.table["se"].to_numpy(), boot["se"], rtol=0.08)
    assert res.critical_value == pytest.approx(boot["crit_val"], rel=0.06)
    analytic = REF["runs"][0]["se"]
    np.testing.assert_allclose(res.table["se"].to_numpy(), analytic, rtol=0.08)
    # A uniform band is wider than pointwise intervals.
    assert res.critical_value > 1.96
    dyn = res.aggregate("dynamic")
    ref = boot["aggregate"]["dynamic"]
    np.testing.assert_allclose(dyn.table["se"].to_numpy(), ref["se_egt"], rtol=0.08)
    assert dyn.critical_value == pytest.approx(ref["crit_val_egt"], rel=0.06)


def test_no_covariates_is_the_difference_in_mean_changes():
    rng = np.random.default_rng(3)
    rows = []
    for i in range(12):
        g = [0, 0, 0, 0, 3, 3, 3, 4, 4, 4, 0, 0][i]
        for t in range(1, 6):
            rows.append({"id": i, "t": t, "g": g, "y": float(rng.normal())})
    df = pl.DataFrame(rows)
    y = df.sort(["id", "t"])["y"].to_numpy().reshape(12, 5)
    g = np.array([0, 0, 0, 0, 3, 3, 3, 4, 4, 4, 0, 0])
    for method in ["dr", "ipw", "reg"]:
        res = group_time_att(df, unit="id", time="t", outcome="y", cohort="g", est_method=method)
        row = res.table.filter((pl.col("group") == 4) & (pl.col("time") == 5)).row(0, named=True)
        # Post cell (4, 5): long difference from period 3 (index 2) to 5 (index 4).
        dy = y[:, 4] - y[:, 2]
        expected = dy[g == 4].mean() - dy[g == 0].mean()
        assert row["estimate"] == pytest.approx(expected, abs=1e-12)
        # Its SE: the two-sample formula with n-denominators, from the influence function.
        n1, n0, n = (g == 4).sum(), (g == 0).sum(), 12
        v1 = dy[g == 4].var() / n1
        v0 = dy[g == 0].var() / n0
        assert row["se"] == pytest.approx(math.sqrt(v1 + v0), rel=1e-10)
        del n
        pre = res.table.filter((pl.col("group") == 4) & (pl.col("time") == 3)).row(0, named=True)
        dy = y[:, 2] - y[:, 1]  # varying base period: 2 -> 3
        assert pre["estimate"] == pytest.approx(dy[g == 4].mean() - dy[g == 0].mean(), abs=1e-12)


def test_aggregate_simple_weights_cells_by_cohort_size():
    rows = [
        {"id": i, "t": t, "g": g, "y": float(i + t + (g and t >= g) * (1.0 if g == 3 else 3.0))}
        for i, g in enumerate([0, 0, 3, 4, 4, 4])
        for t in range(1, 6)
    ]
    res = group_time_att(pl.DataFrame(rows), unit="id", time="t", outcome="y", cohort="g")
    # Cells: g=3 at t=3,4,5 (effect 1, one unit), g=4 at t=4,5 (effect 3, three units).
    expected = (3 * 1 * 1.0 + 2 * 3 * 3.0) / (3 * 1 + 2 * 3)
    assert res.aggregate("simple").estimate == pytest.approx(expected, abs=1e-12)
    grp = res.aggregate("group")
    assert grp.table["estimate"].to_list() == pytest.approx([1.0, 3.0])
    assert grp.estimate == pytest.approx((1 * 1.0 + 3 * 3.0) / 4)
    dyn = res.aggregate("dynamic")
    assert dyn.table.filter(pl.col("event_time") == 0)["estimate"].item() == pytest.approx(
        (1 + 9) / 4
    )


def test_errors_and_warnings(mpdta):
    treated_only = mpdta.filter(pl.col("first.treat") > 0)
    with pytest.raises(DesignError, match="no never-treated"):
        group_time_att(treated_only, **COLS)
    one_cohort = mpdta.filter(pl.col("first.treat") == 2006)
    with pytest.raises(DesignError, match="not-yet-treated"):
        group_time_att(one_cohort, **COLS, control_group="not_yet_treated")
    never_only = mpdta.filter(pl.col("first.treat") == 0)
    with pytest.raises(DesignError, match="no treated units"):
        group_time_att(never_only, **COLS)
    with pytest.raises(DesignError, match="unbalanced"):
        group_time_att(mpdta.slice(1), **COLS)
    with pytest.raises(ArgumentError, match="not in data"):
        group_time_att(mpdta, **{**COLS, "outcome": "nope"})
    with pytest.raises(DesignError, match="varies within a unit"):
        bad = mpdta.with_columns(
            pl.when((pl.col("countyreal") == 8001) & (pl.col("year") == 2003))
            .then(2004)
            .otherwise(pl.col("first.treat"))
            .alias("first.treat")
        )
        group_time_att(bad, **COLS)
    with pytest.raises(ArgumentError, match="est_method"):
        group_time_att(mpdta, **COLS, est_method="ols")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="kind"):
        group_time_att(mpdta, **COLS).aggregate("weekly")  # type: ignore[arg-type]
    with pytest.raises(EstimationError, match="rank deficient"):
        group_time_att(
            mpdta.with_columns(c=pl.lit(1.0)), **COLS, covariates=["c"], est_method="reg"
        )
    # Not-yet-treated without never-treated units: the last cohort becomes the comparison.
    res = group_time_att(treated_only, **COLS, control_group="not_yet_treated")
    assert set(res.table["group"].to_list()) == {2004, 2006}
    assert res.table["time"].max() < 2007
    early = mpdta.with_columns(
        pl.when(pl.col("countyreal") == 8001)
        .then(2003)
        .otherwise(pl.col("first.treat"))
        .alias("first.treat")
    )
    res = group_time_att(early, **COLS)
    assert isinstance(res.warnings[0], StaggeredWarning)
    assert "treated in the first period" in str(res.warnings[0])
    assert res.warnings[0].code == "treated-first-period"
    assert res.n_units == 499


def test_small_groups_are_warned_about_as_r_did_does(mpdta):
    # R did (pre_process_did): groups with fewer than (covariates + 5) units are named;
    # mpdta's smallest group, the 2004 cohort, has 20 counties and R says nothing
    assert "small-groups" not in {w.code for w in group_time_att(mpdta, **COLS).warnings}
    never = mpdta.filter(pl.col("first.treat") == 0)["countyreal"].unique().sort()
    cohort_2004 = mpdta.filter(pl.col("first.treat") == 2004)["countyreal"].unique().sort()
    few = mpdta.filter(
        (pl.col("first.treat") > 0) | pl.col("countyreal").is_in(never.head(5).to_list())
    )
    # five never-treated counties: enough without covariates, one short with one covariate
    assert "small-groups" not in {w.code for w in group_time_att(few, **COLS).warnings}
    res = group_time_att(few, **COLS, covariates=["lpop"], est_method="reg")
    (w,) = [w for w in res.warnings if w.code == "small-groups"]
    assert w.values == {"groups": [0], "min_units": 6}
    # one comparison county and a 2004 cohort of four: both named, in order
    one = mpdta.filter(
        pl.col("first.treat").is_in([2006, 2007])
        | pl.col("countyreal").is_in(never.head(1).to_list() + cohort_2004.head(4).to_list())
    )
    (w,) = [w for w in group_time_att(one, **COLS).warnings if w.code == "small-groups"]
    assert w.values == {"groups": [0, 2004], "min_units": 5}
    assert "(0 = aldrig behandlade): 0, 2004." in warning_text(w, "sv")


def test_results_display_themselves(mpdta):
    res = group_time_att(mpdta, **COLS)
    html = res._repr_html_()
    assert (
        "<table>" in html
        and "Group-time ATT" in html
        and "<td style='text-align:right'>-0.01050</td>" in html
    )
    assert "pre-trend p-value" in res.summary()
    sv = res.summary("sv")  # the labels in Swedish, from research/stats/texts.toml
    assert sv.startswith("ATT per grupp och tid") and "p-värde, trend före start" in sv
    assert "aldrig behandlade" in sv and "analytiskt (influensfunktion)" in sv
    assert isinstance(res.to_frame(), pl.DataFrame)
    assert isinstance(res.plot(), Figure)
    for kind in ["simple", "group", "dynamic", "calendar"]:
        agg = res.aggregate(kind)
        html = agg._repr_html_()
        assert "<table>" in html
        assert f"Band critical value {agg.critical_value:.3f}." in html
        assert agg.to_frame()["level"][0] == "overall"
        assert isinstance(agg.plot(), Figure)
        assert "Aggregated ATT" in agg.summary()
        assert agg.summary("sv").startswith(f"Aggregerad ATT ({kind})")
        assert f"{agg.critical_value:.3f}".replace(".", ",") in agg._repr_html_("sv")


def _staggered_panel(
    rng: np.random.Generator, effect: float, n: int = 150, periods: int = 6
) -> pl.DataFrame:
    cohorts = rng.choice([0, 3, 4, 5], size=n, p=[0.4, 0.2, 0.2, 0.2])
    alpha = rng.normal(0, 1, n) + 0.5 * (cohorts > 0)
    trend = rng.normal(0, 0.3, periods).cumsum()
    t = np.arange(1, periods + 1)
    y = alpha[:, None] + trend[None, :] + rng.normal(0, 1, (n, periods))
    y += effect * ((cohorts[:, None] > 0) & (t[None, :] >= cohorts[:, None]))
    return pl.DataFrame(
        {
            "id": np.repeat(np.arange(n), periods),
            "t": np.tile(t, n),
            "g": np.repeat(cohorts, periods),
            "y": y.ravel(),
        }
    )


@pytest.mark.slow
def test_size_and_recovery_simulation():
    """Under no effect the 5 % test on the simple ATT rejects about 5 % of the time; with a
    planted effect of 0.5 the estimate is unbiased and the 95 % interval covers it."""
    rng = np.random.default_rng(20210101)
    reps = 300
    rej = 0
    for _ in range(reps):
        agg = group_time_att(
            _staggered_panel(rng, 0.0), unit="id", time="t", outcome="y", cohort="g"
        ).aggregate("simple")
        rej += abs(agg.estimate / agg.se) > 1.959964
    # Binomial sd at 5 % with 300 draws is 1.26 points.
    assert 0.02 <= rej / reps <= 0.085, rej / reps
    est, cover = [], 0
    for _ in range(150):
        agg = group_time_att(
            _staggered_panel(rng, 0.5),
            unit="id",
            time="t",
            outcome="y",
            cohort="g",
            control_group="not_yet_treated",
        ).aggregate("dynamic")
        est.append(agg.estimate)
        cover += agg.ci[0] <= 0.5 <= agg.ci[1]
    est = np.array(est)
    assert abs(est.mean() - 0.5) < 3 * est.std(ddof=1) / math.sqrt(len(est))
    assert 0.89 <= cover / 150 <= 0.99


def test_bootstrap_needs_at_least_fifty_draws(mpdta):
    with pytest.raises(ArgumentError, match="biters: need a whole number of at least 50 repl"):
        group_time_att(mpdta, **COLS, bootstrap=True, biters=49)
    res = group_time_att(mpdta, **COLS, bootstrap=True, biters=50, seed=1)
    assert math.isfinite(res.aggregate("simple").estimate)


def test_exact_two_way_panel_gives_no_standard_errors():
    # y = 10 i + g_t + 2 after adoption, exactly: every 2x2 comparison fits exactly, the
    # influence functions are rounding noise and the SEs were 0 (cells) and 8e-17 (simple
    # aggregate) with intervals (2, 2). Now NaN with a warning; the ATTs by hand are 0 before
    # adoption and 2 after.
    g = {1: 0.0, 2: 1.0, 3: 3.0, 4: 2.5, 5: 4.0, 6: 5.5}
    cohort = {0: 0, 1: 0, 2: 4, 3: 4, 4: 5, 5: 5, 6: 0, 7: 0}
    rows = [{"id": i, "t": t, "g": c, "y": 10.0 * i + g[t] + (2.0 if c and t >= c else 0.0)}
            for i, c in cohort.items() for t in g]  # fmt: skip
    df = pl.DataFrame(rows)
    kw = dict(unit="id", time="t", outcome="y", cohort="g")
    for boot in (False, True):
        res = group_time_att(df, bootstrap=boot, **kw)
        agg = res.aggregate("simple")
        assert "exact-fit-inference" in [w.code for w in res.warnings]
        assert "exact-fit-inference" in [w.code for w in agg.warnings]
        tab = res.table
        expect = [2.0 if t >= gr else 0.0 for gr, t in zip(tab["group"], tab["time"], strict=True)]
        np.testing.assert_allclose(tab["estimate"].to_numpy(), expect, atol=1e-12)
        assert tab["se"].is_nan().all() and tab["ci_lower"].is_nan().all()
        assert agg.estimate == pytest.approx(2.0) and math.isnan(agg.se)
        assert math.isnan(agg.ci[0]) and math.isnan(agg.ci[1])
        assert res.pre_trend is None  # no pre cell with a usable variance
    # a little noise (0.01 on values of 10 to 75) is data, not rounding: SEs are positive
    rng = np.random.default_rng(3)
    noisy = df.with_columns(pl.col("y") + rng.normal(0, 0.01, df.height))
    res = group_time_att(noisy, **kw)
    assert (res.table["se"] > 0).all() and res.pre_trend is not None
