"""Tests of research.stats.its against statsmodels GLM fits (same design) and closed forms."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from research.core.errors import ArgumentError, DataError, DesignError
from research.stats.glm import fit_glm, fit_negbin
from research.stats.its import interrupted_time_series, its_design

REF = json.loads((Path(__file__).parent / "reference" / "did_its_statsmodels.json").read_text())
ITS = REF["its"]
DATA = pl.DataFrame(REF["its_data"])
ONE = DATA.filter(pl.col("control") == 0)
RTOL = 1e-6
KW = dict(time="month", outcome="count", interruption="2021-04", offset="population",
          seasonality=12)  # fmt: skip


def _close(a, b, rtol=RTOL):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-10)


def _check(res, ref, rtol=RTOL):
    c = res.coefficients
    _close(c["estimate"].to_numpy(), ref["params"], rtol)
    _close(c["se"].to_numpy(), ref["bse"], rtol)
    _close(c["p_value"].to_numpy(), ref["pvalues"], rtol)
    _close(c["lower"].to_numpy(), ref["ci_lower"], rtol)
    _close(c["upper"].to_numpy(), ref["ci_upper"], rtol)


def test_poisson_harmonic_matches_statsmodels():
    r = interrupted_time_series(ONE, overdispersion=None, **KW)
    assert r.coefficients["term"].to_list()[:4] == ["intercept", "time", "level", "slope"]
    assert len(r.coefficients) == len(ITS["names"])
    _check(r, ITS["poisson"])
    lv = ITS["poisson"]["params"][2]
    assert r.level_change == pytest.approx(np.exp(lv), rel=RTOL)
    assert r.level_lower == pytest.approx(np.exp(ITS["poisson"]["ci_lower"][2]), rel=RTOL)
    assert r.slope_change == pytest.approx(np.exp(ITS["poisson"]["params"][3]), rel=RTOL)
    assert r.period == "month" and r.details["n_pre"] == 51 and r.details["n_post"] == 33
    ci_lo, ci_hi, pv = (
        ITS["poisson"]["ci_lower"],
        ITS["poisson"]["ci_upper"],
        ITS["poisson"]["pvalues"],
    )
    assert [r.level_upper, r.level_p] == pytest.approx([np.exp(ci_hi[2]), pv[2]], rel=RTOL)
    assert [r.slope_lower, r.slope_upper, r.slope_p] == pytest.approx(
        [np.exp(ci_lo[3]), np.exp(ci_hi[3]), pv[3]], rel=RTOL
    )
    # Pearson dispersion X2 / (n - p) from the statsmodels quasi-Poisson scale
    disp = ITS["quasi"]["scale"]
    assert r.dispersion == pytest.approx(disp, rel=RTOL) and r.df_resid == 84 - 8
    assert (
        f"Pearson dispersion is {disp:.2f} (> 1.5) but overdispersion=None: intervals are too "
        "narrow; use overdispersion='quasi' or 'negbin'." in [str(w) for w in r.warnings]
    )
    over = next(w for w in r.warnings if w.code == "overdispersion")
    assert over.dispersion == round(disp, 2)
    # lag-1 autocorrelation of the Pearson residuals, from the statsmodels coefficients
    k = np.arange(84.0)
    tc = k - 51
    post = (tc >= 0).astype(float)
    pos = k % 12
    X = np.column_stack(
        [np.ones(84), tc, post, tc * post]
        + [f(2 * np.pi * h * pos / 12) for h in (1, 2) for f in (np.sin, np.cos)]
    )
    mu = np.exp(X @ np.array(ITS["poisson"]["params"]) + np.log(ONE["population"].to_numpy()))
    res = (ONE["count"].to_numpy() - mu) / np.sqrt(mu)
    assert r.details["residual_acf1"] == pytest.approx(np.corrcoef(res[:-1], res[1:])[0, 1],
                                                       rel=1e-6)  # fmt: skip
    _close(r.series["fitted"].to_numpy(), mu, 1e-6)


def test_quasi_poisson_matches_statsmodels_x2():
    r = interrupted_time_series(ONE, overdispersion="quasi", **KW)
    assert r.method == (
        "Quasi-Poisson (log link), covariance scaled by Pearson chi2/(n-p) (at least 1), Wald t "
        "intervals with n-p degrees of freedom"
    )
    assert interrupted_time_series(ONE, overdispersion=None, **KW).method == (
        "Poisson (log link), Wald z intervals"
    )
    _check(r, ITS["quasi"])
    assert r.dispersion == pytest.approx(ITS["quasi"]["scale"], rel=RTOL)


def test_negbin_matches_statsmodels_ml_and_glm():
    r = interrupted_time_series(ONE, overdispersion="negbin", **KW)
    _close(r.coefficients["estimate"].to_numpy(), ITS["negbin_ml"]["params"], 1e-7)
    assert r.alpha == pytest.approx(ITS["negbin_ml"]["alpha"], rel=1e-7)
    _close(r.coefficients["se"].to_numpy(), ITS["negbin_glm_at_alpha"]["bse"])


def test_controlled_its_matches_statsmodels():
    r = interrupted_time_series(DATA, control="control", overdispersion="quasi", **KW)
    _check(r, ITS["controlled_quasi"])
    # periods are counted on the treated series only
    assert (r.details["n_pre"], r.details["n_post"], r.n_obs) == (51, 33, 168)
    names = r.coefficients["term"].to_list()
    il = names.index("group:level")
    assert ITS["controlled_names"][il] == "g_level"
    assert r.level_change == pytest.approx(np.exp(ITS["controlled_quasi"]["params"][il]))
    s = r.series
    assert set(s["group"]) == {"treated", "control"}
    ctrl = s.filter(pl.col("group") == "control")
    _close(ctrl["counterfactual"].to_numpy(), ctrl["fitted"].to_numpy(), 1e-12)


def test_date_column_gives_same_fit_and_counterfactual():
    months = [dt.date(int(m[:4]), int(m[5:]), 1) for m in ONE["month"]]
    dated = ONE.with_columns(pl.Series("month", months))
    r1 = interrupted_time_series(ONE, overdispersion=None, **KW)
    r2 = interrupted_time_series(dated, overdispersion=None,
                                 **{**KW, "interruption": dt.date(2021, 4, 1)})  # fmt: skip
    _close(r2.coefficients["estimate"].to_numpy(), r1.coefficients["estimate"].to_numpy(), 1e-12)
    assert r2.period == "month" and r2.details["n_pre"] == 51
    # counterfactual from the statsmodels coefficients: fitted / exp(level + slope * (t - t0))
    b = ITS["poisson"]["params"]
    s = r1.series
    k = np.arange(84)
    post = k >= 51
    ratio = np.exp(post * (b[2] + b[3] * (k - 51)))
    _close(s["counterfactual"].to_numpy(), s["fitted"].to_numpy() / ratio, 1e-6)
    _close(s["observed"].to_numpy(), ONE["count"].to_numpy(), 0)


def test_exact_segmented_series_closed_form():
    # counts exactly on an exponential trend, dropping by 20 % at 2019 and then changing
    # trend by 5 % per year: every model recovers the planted ratios.
    years = np.arange(2010, 2024)
    mu = 100 * 1.1 ** (years - 2010)
    mu = np.where(years >= 2019, mu * 0.8 * 1.05 ** (years - 2019), mu)
    df = pl.DataFrame({"year": years, "n": mu})
    for od in (None, "quasi"):
        r = interrupted_time_series(df, time="year", outcome="n", interruption=2019,
                                    overdispersion=od)  # fmt: skip
        assert r.level_change == pytest.approx(0.8, rel=1e-8)
        assert r.slope_change == pytest.approx(1.05, rel=1e-8)
        _close(r.series["counterfactual"].to_numpy(), 100 * 1.1 ** (years - 2010), 1e-8)
    g = interrupted_time_series(df.with_columns(np.log(pl.col("n")).alias("ln")), time="year",
                                outcome="ln", interruption=2019, family="gaussian")  # fmt: skip
    assert g.level_change == pytest.approx(np.log(0.8), abs=1e-9)
    assert g.slope_change == pytest.approx(np.log(1.05), abs=1e-9)


def test_gaussian_its_by_ols_formulas():
    # OLS with t(n - p) intervals, computed by the textbook formulas
    years = np.arange(2008, 2022.0)
    yv = np.array([5.1, 5.4, 5.2, 5.9, 6.1, 6.0, 6.6, 4.9, 5.3, 5.0, 5.6, 5.2, 5.8, 5.5])
    df = pl.DataFrame({"year": years.astype(int), "y": yv})
    r = interrupted_time_series(df, time="year", outcome="y", interruption=2015,
                                family="gaussian", level=0.9)  # fmt: skip
    tc = years - 2015
    post = (tc >= 0).astype(float)
    X = np.column_stack([np.ones(14), tc, post, tc * post])
    b = np.linalg.lstsq(X, yv, rcond=None)[0]
    e = yv - X @ b
    se = np.sqrt(np.diag(e @ e / 10 * np.linalg.inv(X.T @ X)))
    q = stats.t.ppf(0.95, 10)
    assert [r.level_change, r.level_lower, r.level_upper, r.level_p] == pytest.approx(
        [b[2], b[2] - q * se[2], b[2] + q * se[2], 2 * stats.t.sf(abs(b[2] / se[2]), 10)],
        rel=1e-9,
    )
    assert [r.slope_change, r.slope_lower, r.slope_upper, r.slope_p] == pytest.approx(
        [b[3], b[3] - q * se[3], b[3] + q * se[3], 2 * stats.t.sf(abs(b[3] / se[3]), 10)],
        rel=1e-9,
    )
    _close(r.series["counterfactual"].to_numpy(), X[:, :2] @ b[:2], 1e-9)
    assert r.df_resid == 10 and r.overdispersion is None and r.family == "gaussian"
    # a bare year as a monthly interruption means January of that year
    months = [f"{2019 + k // 12}-{k % 12 + 1:02d}" for k in range(36)]
    m = pl.DataFrame({"month": months, "n": [20 + (k % 5) - 4 * (k >= 12) for k in range(36)]})
    a = interrupted_time_series(m, time="month", outcome="n", interruption=2020)
    b2 = interrupted_time_series(m, time="month", outcome="n", interruption="2020-01")
    assert a.level_change == pytest.approx(b2.level_change, rel=1e-12)
    assert a.details["n_pre"] == 12 and a.details["n_post"] == 24


def test_series_breaks_modelled_or_reported():
    years = np.arange(2010, 2024)
    rng = np.random.default_rng(3)
    df = pl.DataFrame({"year": years, "n": rng.poisson(200, years.size)})
    r = interrupted_time_series(df, time="year", outcome="n", interruption=2021,
                                series_breaks=[2015, 2030])  # fmt: skip
    assert "break1" in r.coefficients["term"].to_list()
    assert sum("Series break" in str(w) for w in r.warnings) == 1
    r2 = interrupted_time_series(df, time="year", outcome="n", interruption=2021,
                                 series_breaks=[2021])  # fmt: skip
    assert "break1" not in r2.coefficients["term"].to_list()
    assert any("collinear" in str(w) and "next to the interruption" in str(w) for w in r2.warnings)
    r3 = interrupted_time_series(df, time="year", outcome="n", interruption=2021,
                                 series_breaks=[2015], model_breaks=False)  # fmt: skip
    assert "break1" not in r3.coefficients["term"].to_list()
    assert any("Short series" in str(w) for w in r3.warnings)


def test_month_dummies_design():
    t = np.arange(24.0)
    X, names = its_design(t, 12.0, seasonality=12, season_terms="dummies", season_pos=t % 12)
    assert names[4:] == [f"season{m}" for m in range(2, 13)]
    assert X[:, 4:].sum() == 22  # every month but January, twice
    r = interrupted_time_series(ONE, overdispersion=None, season_terms="dummies", **KW)
    assert r.coefficients.height == 4 + 11


def test_glm_helpers_closed_forms():
    # intercept-only Poisson with offset: exp(b0) = sum(y) / sum(exposure)
    y = np.array([3.0, 7.0, 2.0, 9.0])
    e = np.array([100.0, 300.0, 50.0, 250.0])
    f = fit_glm(np.ones((4, 1)), y, family="poisson", offset=np.log(e))
    assert np.exp(f.params[0]) == pytest.approx(21 / 700)
    assert f.se[0] == pytest.approx(np.sqrt(1 / 21))  # var(log rate) = 1 / total count
    nb = fit_negbin(np.ones((4, 1)), np.array([5.0, 5.0, 5.0, 5.0]))
    assert nb.alpha <= 1e-7  # no over-dispersion: Poisson limit


def test_its_input_errors():
    with pytest.raises(ArgumentError, match="YYYY-MM"):
        interrupted_time_series(ONE.with_columns(pl.lit("2021/04").alias("month")),
                                overdispersion=None, **KW)  # fmt: skip
    with pytest.raises(DesignError, match="pre"):
        interrupted_time_series(ONE, **{**KW, "interruption": "2017-02"})
    with pytest.raises(ArgumentError, match="overdispersion"):
        interrupted_time_series(ONE, overdispersion="zip", **KW)


def test_seasonal_series_with_modelled_break_matches_explicit_design():
    # monthly data with harmonics and a series break from 2019 (a level shift from January)
    r = interrupted_time_series(ONE, overdispersion=None, series_breaks=[2019], **KW)
    assert r.coefficients["term"].to_list()[-1] == "break1"
    k = np.arange(84.0)
    tc = k - 51
    post = (tc >= 0).astype(float)
    pos = k % 12
    X = np.column_stack(
        [np.ones(84), tc, post, tc * post]
        + [f(2 * np.pi * h * pos / 12) for h in (1, 2) for f in (np.sin, np.cos)]
        + [(2017 + k // 12 >= 2019).astype(float)]
    )
    f = fit_glm(X, ONE["count"].to_numpy().astype(float), family="poisson",
                offset=np.log(ONE["population"].to_numpy()))  # fmt: skip
    _close(r.coefficients["estimate"].to_numpy(), f.params, 1e-8)
    _close(r.coefficients["se"].to_numpy(), f.se, 1e-8)
    assert any(
        "Series break: from 2019" in str(w) and "level-shift term" in str(w) for w in r.warnings
    )


def test_quarterly_seasonality_caps_harmonics_at_half_the_period():
    # seasonality=4: at most 4 // 2 = 2 harmonics, the second without its sine (sin(pi k) = 0)
    rng = np.random.default_rng(4)
    years = np.arange(1990, 2022)
    pos = years % 4
    mu = 50 * np.exp(0.1 * np.cos(2 * np.pi * pos / 4) - 0.2 * (years >= 2010))
    df = pl.DataFrame({"year": years, "n": rng.poisson(mu)})
    r = interrupted_time_series(df, time="year", outcome="n", interruption=2010,
                                seasonality=4, overdispersion=None)  # fmt: skip
    assert r.coefficients["term"].to_list() == [
        "intercept",
        "time",
        "level",
        "slope",
        "sin1",
        "cos1",
        "cos2",
    ]
    tc = years - 2010.0
    post = (tc >= 0).astype(float)
    X = np.column_stack([np.ones(years.size), tc, post, tc * post, np.sin(np.pi * pos / 2),
                         np.cos(np.pi * pos / 2), np.cos(np.pi * pos)])  # fmt: skip
    f = fit_glm(X, df["n"].to_numpy().astype(float), family="poisson")
    _close(r.coefficients["estimate"].to_numpy(), f.params, 1e-8)


def test_month_dummies_with_a_modelled_break_and_empty_data():
    r = interrupted_time_series(ONE, overdispersion=None, season_terms="dummies",
                                series_breaks=[2019], **KW)  # fmt: skip
    terms = r.coefficients["term"].to_list()
    assert terms[4:] == [f"season{m}" for m in range(2, 13)] + ["break1"]
    empty = ONE.with_columns(pl.lit(None, dtype=pl.Int64).alias("count"))
    with pytest.raises(DataError, match="no complete rows to fit"):
        interrupted_time_series(empty, overdispersion=None, **KW)
    one_row = ONE.head(1)
    with pytest.raises(DesignError, match="leaves 1 pre and 0 post periods"):
        interrupted_time_series(one_row, overdispersion=None, **KW)


def test_exact_fit_gives_estimates_without_intervals():
    # Constant counts (quasi-Poisson) and an exactly linear series (OLS) leave no residual
    # variation: the intervals came out of zero width (ratio 1.000, CI 1.0000 to 1.000,
    # p = 0.51 from rounding errors). The estimates stay; intervals and p-values are NaN.
    years = list(range(2010, 2023))
    flat = pl.DataFrame({"year": years, "y": [50.0] * 13})
    q = interrupted_time_series(flat, time="year", outcome="y", interruption=2019)
    assert q.level_change == pytest.approx(1.0) and q.slope_change == pytest.approx(1.0)
    assert np.isnan([q.level_lower, q.level_upper, q.level_p, q.slope_p]).all()
    assert "exact-fit" in [w.code for w in q.warnings]
    # level 3, slope 2 before 2019; +5 and +1 a year from 2019
    yv = [3.0 + 2.0 * (y - 2010) + (5.0 + 1.0 * (y - 2019)) * (y >= 2019) for y in years]
    g = interrupted_time_series(pl.DataFrame({"year": years, "y": yv}), time="year",
                                outcome="y", interruption=2019, family="gaussian")  # fmt: skip
    assert g.level_change == pytest.approx(5.0) and g.slope_change == pytest.approx(1.0)
    assert np.isnan([g.level_lower, g.level_upper, g.level_p]).all()
    assert "exact-fit" in [w.code for w in g.warnings]
    # with the Poisson variance the flat series is an ordinary fit: no change, p = 1
    r = interrupted_time_series(flat, time="year", outcome="y", interruption=2019,
                                overdispersion=None)  # fmt: skip
    assert r.level_change == pytest.approx(1.0) and r.level_p == pytest.approx(1.0)
    assert r.level_lower < 0.9 and r.level_upper > 1.1
    assert "exact-fit" not in [w.code for w in r.warnings]


@pytest.mark.parametrize("overdispersion", ["quasi", None, "negbin"])
def test_all_zero_counts_say_so(overdispersion):
    # all counts zero: the message was "the NB2 dispersion could not be estimated (alpha ->
    # infinity)", from the likelihood-ratio test of the post-period check, whatever model
    # was asked for
    df = pl.DataFrame({"year": list(range(2010, 2023)), "y": [0] * 13})
    with pytest.raises(DesignError, match="all 13 counts are zero, before and from") as info:
        interrupted_time_series(df, time="year", outcome="y", interruption=2019,
                                overdispersion=overdispersion)  # fmt: skip
    assert "Report the counts" in str(info.value) and "NB2" not in str(info.value)
    assert "alla 13 antal är noll" in info.value.message("sv")


def _poisson_trend_mle(t, y):
    """Intercept and slope of a log-linear Poisson fit, by scipy's optimiser on the
    log-likelihood (independent of the package's IRLS)."""
    from scipy import optimize

    def nll(b):
        eta = b[0] + b[1] * t
        return float(np.sum(np.exp(eta) - y * eta))

    res = optimize.minimize(nll, x0=[np.log(y.mean()), 0.0], method="BFGS", tol=1e-12)
    return res.x


@pytest.mark.parametrize("overdispersion", ["quasi", None])
def test_a_zero_only_the_intervention_terms_fit_gives_no_estimate(overdispersion):
    # Flen (0482), N07402: 0 cases in 2021 and 3 in 2022 after the 2021 start. Level and
    # slope change fit the two post years exactly, so the 2021 zero sends them to minus
    # infinity: the report read "level shift 0.00 (95% CI 0.00-inf, p = 1.000)".
    years = np.arange(2012, 2023)
    y = np.array([6.0, 10.0, 2.0, 5.0, 4.0, 4.0, 3.0, 6.0, 5.0, 0.0, 3.0])
    df = pl.DataFrame({"year": years, "y": y})
    r = interrupted_time_series(df, time="year", outcome="y", interruption=2021,
                                overdispersion=overdispersion)  # fmt: skip
    assert np.isnan([r.level_change, r.level_lower, r.level_upper, r.level_p]).all()
    assert np.isnan([r.slope_change, r.slope_lower, r.slope_upper, r.slope_p]).all()
    (w,) = [w for w in r.warnings if w.code == "no-finite-estimate"]
    assert w.values["periods"] == ["2021"]
    # the pre-period terms are the Poisson fit of the years before alone (the post terms
    # absorb the post years), computed here by direct maximisation of the likelihood
    pre = years < 2021
    a, b = _poisson_trend_mle((years[pre] - 2021).astype(float), y[pre])
    coef = dict(zip(r.coefficients["term"], r.coefficients["estimate"], strict=True))
    assert coef["time"] == pytest.approx(b, rel=1e-6)
    assert coef["intercept"] == pytest.approx(a, rel=1e-6)
    # the counterfactual is still the pre-period trend carried on
    cf = r.series.filter(pl.col("time") == 2022)["counterfactual"][0]
    assert cf == pytest.approx(np.exp(a + b * 1.0), rel=1e-6)


def test_a_zero_the_other_years_also_determine_is_estimated():
    # three post years: the 2021 zero is fitted by level and slope together with 2022 and
    # 2023, so the maximum is finite and the change is estimated as usual
    years = np.arange(2012, 2024)
    y = np.array([6.0, 10.0, 2.0, 5.0, 4.0, 4.0, 3.0, 6.0, 5.0, 0.0, 3.0, 4.0])
    r = interrupted_time_series(pl.DataFrame({"year": years, "y": y}), time="year",
                                outcome="y", interruption=2021)  # fmt: skip
    assert np.isfinite([r.level_change, r.level_lower, r.level_upper, r.level_p]).all()
    assert 0.01 < r.level_change < 1
    assert "no-finite-estimate" not in [w.code for w in r.warnings]


# ------------------------------------------------------------------ the impact model
# Bernal, Cummins & Gasparrini (2017): the impact model (level change, slope change or both)
# is chosen a priori. The checks below build the expected numbers by hand: closed forms
# (ratios and differences of means, simple-regression sums) or data planted on a known
# coefficient vector with noise that has zero sum and zero time moment within every segment,
# so it is orthogonal to every column of the design and the planted vector solves the score
# equations X'(y - mu) = 0 exactly (the maximum, the log-likelihood being concave).

PAL_PRE = [30.0, 36.0, 27.0, 27.0, 36.0, 30.0]  # palindromes: no trend within a segment
PAL_POST = [22.0, 18.0, 25.0, 25.0, 18.0, 22.0]
PAL = pl.DataFrame({"year": list(range(2010, 2022)), "n": PAL_PRE + PAL_POST,
                    "pop": [5000] * 12})  # fmt: skip


def _block_noise(n: int, c: float) -> np.ndarray:
    """``c * (1, -1, -1, 1)`` repeated: zero sum and zero time moment over each block of 4."""
    assert n % 4 == 0
    return np.tile(c * np.array([1.0, -1.0, -1.0, 1.0]), n // 4)


def test_level_only_gaussian_is_the_difference_of_means_with_hand_computed_se():
    # no trend within either segment: the common slope is 0 and the level change is the
    # difference of the segment means (ANCOVA with a zero pooled within-segment slope)
    g = interrupted_time_series(PAL, time="year", outcome="n", interruption=2016,
                                family="gaussian", impact="level", level=0.9)  # fmt: skip
    pre, post = np.array(PAL_PRE), np.array(PAL_POST)
    assert g.level_change == pytest.approx(post.mean() - pre.mean(), rel=1e-12)
    coef = dict(zip(g.coefficients["term"], g.coefficients["estimate"], strict=True))
    assert list(coef) == ["intercept", "time", "level"]
    assert coef["time"] == pytest.approx(0.0, abs=1e-12)
    # SE by Frisch-Waugh-Lovell: sigma^2 / sum of squares of the level dummy's residual on
    # (1, t), that residual from the simple-regression sums
    t = np.arange(12.0) - 6
    d = (t >= 0).astype(float)
    beta = np.sum((t - t.mean()) * (d - d.mean())) / np.sum((t - t.mean()) ** 2)
    r = d - d.mean() - beta * (t - t.mean())
    rss = np.sum((pre - pre.mean()) ** 2) + np.sum((post - post.mean()) ** 2)
    se = np.sqrt(rss / (12 - 3) / np.sum(r**2))
    q = stats.t.ppf(0.95, 9)
    diff = post.mean() - pre.mean()
    assert [g.level_lower, g.level_upper, g.level_p] == pytest.approx(
        [diff - q * se, diff + q * se, 2 * stats.t.sf(abs(diff) / se, 9)], rel=1e-10
    )
    assert g.df_resid == 9 and np.isnan([g.slope_change, g.slope_lower, g.slope_upper,
                                         g.slope_p]).all()  # fmt: skip


@pytest.mark.parametrize("overdispersion", [None, "quasi"])
def test_level_only_poisson_rate_ratio_is_the_ratio_of_means(overdispersion):
    # Poisson with intercept, time and level: with no trend within the segments the fitted
    # means are the segment means (they solve every score equation), so the rate ratio is
    # mean(post) / mean(pre) and the time coefficient 0
    r = interrupted_time_series(PAL, time="year", outcome="n", interruption=2016,
                                offset="pop", overdispersion=overdispersion,
                                impact="level")  # fmt: skip
    pre, post = np.array(PAL_PRE), np.array(PAL_POST)
    assert r.level_change == pytest.approx(post.mean() / pre.mean(), rel=1e-10)
    coef = dict(zip(r.coefficients["term"], r.coefficients["estimate"], strict=True))
    assert coef["time"] == pytest.approx(0.0, abs=1e-10)
    # Wald SE from the information X' diag(mu) X at those means (times the Pearson scale)
    t = np.arange(12.0) - 6
    X = np.column_stack([np.ones(12), t, (t >= 0).astype(float)])
    mu = np.r_[np.full(6, pre.mean()), np.full(6, post.mean())]
    var = np.linalg.inv(X.T @ (mu[:, None] * X))[2, 2]
    if overdispersion == "quasi":
        # the Pearson scale, floored at 1 (glm.quasi_scale: never narrower than Poisson)
        var *= max(np.sum((np.r_[pre, post] - mu) ** 2 / mu) / (12 - 3), 1.0)
    # quasi-Poisson: t with 12 - 3 df (an estimated scale); Poisson: normal
    dist = stats.t(9) if overdispersion == "quasi" else stats.norm
    z = dist.ppf(0.975)
    lo, hi = np.exp(np.log(post.mean() / pre.mean()) + np.array([-z, z]) * np.sqrt(var))
    assert [r.level_lower, r.level_upper] == pytest.approx([lo, hi], rel=1e-8)
    assert r.level_p == pytest.approx(
        2 * dist.sf(abs(np.log(post.mean() / pre.mean())) / np.sqrt(var)), rel=1e-8
    )
    assert np.isnan([r.slope_change, r.slope_lower, r.slope_upper, r.slope_p]).all()
    assert r.impact == "level" and r.to_frame()["effect"].to_list() == ["level"]


@pytest.mark.parametrize("family", ["poisson", "gaussian"])
@pytest.mark.parametrize(("impact", "planted"), [("level", -0.25), ("slope", -0.06)])
def test_single_impact_term_recovers_planted_coefficients(family, impact, planted):
    # 8 years before 2016 and 8 from it; the model's own columns, built here by hand
    years = np.arange(2008, 2024)
    tc = years - 2016.0
    post = (tc >= 0).astype(float)
    term = post if impact == "level" else tc * post
    a, b = (4.0, 0.04) if family == "poisson" else (10.0, 0.3)
    eta = a + b * tc + planted * term
    mean = np.exp(eta) if family == "poisson" else eta
    noise = np.r_[_block_noise(8, 3.0), _block_noise(8, -2.0)]
    X = np.column_stack([np.ones(16), tc, term])
    assert np.allclose(X.T @ noise, 0.0)  # the noise is orthogonal to the design
    df = pl.DataFrame({"year": years, "y": mean + noise})
    r = interrupted_time_series(df, time="year", outcome="y", interruption=2016,
                                family=family, impact=impact)  # fmt: skip
    assert r.coefficients["term"].to_list() == ["intercept", "time", impact]
    _close(r.coefficients["estimate"].to_numpy(), [a, b, planted], 1e-8)
    shown = np.exp(planted) if family == "poisson" else planted
    fitted = (r.level_change, r.level_p) if impact == "level" else (r.slope_change, r.slope_p)
    absent = r.slope_change if impact == "level" else r.level_change
    assert fitted[0] == pytest.approx(shown, rel=1e-8) and np.isnan(absent)
    # covariance: Pearson-scaled X' W X (quasi-Poisson, the default) or OLS
    w = mean if family == "poisson" else np.ones(16)
    scale = np.sum(noise**2 / w) / (16 - 3)
    if family == "poisson":
        scale = max(scale, 1.0)  # quasi-Poisson's floor at 1 (glm.quasi_scale)
    se = np.sqrt(scale * np.linalg.inv(X.T @ (w[:, None] * X))[2, 2])
    assert r.coefficients["se"][2] == pytest.approx(se, rel=1e-7)
    dist = stats.t(13)  # an estimated scale (quasi-Poisson or OLS): t with 16 - 3 df
    assert fitted[1] == pytest.approx(2 * dist.sf(abs(planted) / se), rel=1e-6)
    # the counterfactual carries the pre-period trend on (the impact term set to 0)
    cf = np.exp(a + b * tc) if family == "poisson" else a + b * tc
    _close(r.series["counterfactual"].to_numpy(), cf, 1e-8)


@pytest.mark.parametrize("impact", ["level", "slope"])
def test_controlled_its_single_impact_term_recovers_planted_coefficients(impact):
    # treated and comparison series, 8 years each side of 2016; the comparison series keeps
    # its own level and slope change, the impact model picks the treated series' term
    years = np.arange(2008, 2024)
    tc = np.r_[years, years] - 2016.0
    g = np.r_[np.ones(16), np.zeros(16)]
    post = (tc >= 0).astype(float)
    slope = tc * post
    own = post if impact == "level" else slope
    X = np.column_stack([np.ones(32), tc, post, slope, g, g * tc, g * own])
    beta = np.array([3.5, 0.02, 0.1, -0.01, 0.3, 0.01, -0.2 if impact == "level" else -0.05])
    noise = np.r_[_block_noise(8, 2.0), _block_noise(8, -1.0), _block_noise(8, 1.5),
                  _block_noise(8, 2.5)]  # fmt: skip
    assert np.allclose(X.T @ noise, 0.0)
    df = pl.DataFrame({"year": np.r_[years, years], "y": np.exp(X @ beta) + noise,
                       "c": np.r_[np.zeros(16), np.ones(16)].astype(int)})  # fmt: skip
    r = interrupted_time_series(df, time="year", outcome="y", interruption=2016, control="c",
                                impact=impact)  # fmt: skip
    assert r.coefficients["term"].to_list() == [
        "intercept", "time", "level", "slope", "group", "group:time", f"group:{impact}"
    ]  # fmt: skip
    _close(r.coefficients["estimate"].to_numpy(), beta, 1e-8)
    changes = {"level": r.level_change, "slope": r.slope_change}
    assert changes[impact] == pytest.approx(np.exp(beta[-1]), rel=1e-8)
    assert np.isnan(changes["slope" if impact == "level" else "level"])
    # the counterfactual of the treated series sets only the treated series' own term to 0
    s = r.series.filter(pl.col("group") == "treated")
    _close(s["counterfactual"].to_numpy(), np.exp(X[:16, :6] @ beta[:6]), 1e-8)


def _nb2_loglik_max(tc, y):
    """Maximised NB2 log-likelihood of log mu = a + b tc, by scipy (the Poisson limit too)."""
    from scipy import optimize, special

    def nll(p, nb):
        mu = np.exp(p[0] + p[1] * tc)
        if not nb:
            return -np.sum(y * np.log(mu) - mu - special.gammaln(y + 1))
        th = np.exp(-p[2])
        terms = special.gammaln(y + th) - special.gammaln(th) - special.gammaln(y + 1)
        return -np.sum(terms + th * np.log(th / (th + mu)) + special.xlogy(y, mu / (th + mu)))

    opts = {"xatol": 1e-12, "fatol": 1e-13, "maxiter": 40000, "maxfev": 40000}
    start = [np.log(max(y.mean(), 0.5)), 0.0]
    pois = -optimize.minimize(nll, start, args=(False,), method="Nelder-Mead",
                              options=opts).fun  # fmt: skip
    nb = max(-optimize.minimize(nll, [*start, la], args=(True,), method="Nelder-Mead",
                                options=opts).fun for la in (-2.0, 0.0, 1.0))  # fmt: skip
    return max(pois, nb)


def test_likelihood_ratio_test_has_one_df_per_impact_term():
    # all counts zero from 2018: refused (no maximum likelihood estimate), with the NB2
    # likelihood-ratio test of no change. Its unrestricted maximum puts the mean at 0
    # wherever an intervention term reaches; a slope change alone is 0 in 2018, so that
    # year stays on the pre-period trend. Degrees of freedom: the number of impact terms.
    years = np.arange(2008, 2023)
    y = np.array([21, 35, 21, 30, 34, 28, 29, 26, 33, 27, 0, 0, 0, 0, 0], float)
    df = pl.DataFrame({"year": years, "n": y})
    tc = years - 2018.0
    full = _nb2_loglik_max(tc, y)
    for impact, kept, dof, words in [
        ("level_and_slope", tc < 0, 2, "(level and slope, 2 df)"),
        ("level", tc < 0, 1, "(level, 1 df)"),
        ("slope", tc <= 0, 1, "(slope, 1 df)"),
    ]:
        with pytest.raises(DesignError) as info:
            interrupted_time_series(df, time="year", outcome="n", interruption=2018,
                                    impact=impact, overdispersion="negbin")  # fmt: skip
        p = stats.chi2.sf(2 * (_nb2_loglik_max(tc[kept], y[kept]) - full), dof)
        msg = str(info.value)
        assert msg.endswith(f"test of no change {words} gives p = {p:.2g}"), (impact, msg)
        assert "separation" in msg
        assert ("slope change runs to a ratio of 0" in msg) is (impact == "slope")
        sv = info.value.message("sv")
        assert f"{dof} frihetsgrad" in sv and f"ger p = {p:.2g}".replace(".", ",") in sv


def test_level_only_needs_one_post_period_and_a_slope_change_two():
    # one year from the interruption identifies a level change: it fits that year exactly,
    # so the trend is the Poisson fit of the years before (scipy's optimiser, not the
    # package's IRLS) and the level change is the count over that trend's value in 2021
    years = np.arange(2012, 2022)
    y = np.array([6.0, 10.0, 2.0, 5.0, 4.0, 4.0, 3.0, 6.0, 5.0, 9.0])
    df = pl.DataFrame({"year": years, "y": y})
    r = interrupted_time_series(df, time="year", outcome="y", interruption=2021,
                                impact="level", overdispersion=None)  # fmt: skip
    a, _ = _poisson_trend_mle((years[:-1] - 2021).astype(float), y[:-1])
    assert r.level_change == pytest.approx(9.0 / np.exp(a), rel=1e-6)
    assert (r.details["n_pre"], r.details["n_post"]) == (9, 1)
    short = next(w for w in r.warnings if w.code == "short-series")
    assert (short.n_pre, short.n_post, short.minimum) == (9, 1, 8)
    # a slope change (alone or with the level change) still needs two
    for impact in ("slope", "level_and_slope"):
        with pytest.raises(DesignError, match="leaves 9 pre and 1 post periods; need at least "
                                              "2 before and 2 after"):  # fmt: skip
            interrupted_time_series(df, time="year", outcome="y", interruption=2021,
                                    impact=impact)  # fmt: skip
    # no post period, or one before: refused, in words for the level change
    with pytest.raises(DesignError) as info:
        interrupted_time_series(df, time="year", outcome="y", interruption=2022, impact="level")
    assert str(info.value) == (
        "the interruption 2022 leaves 10 pre and 0 post periods; a level change "
        "(impact='level') needs at least 2 before, for the trend, and 1 from the interruption "
        "(and preferably 8 each)"
    )
    assert info.value.message("sv").startswith("avbrottet 2022 lämnar 10 perioder före och 0")
    with pytest.raises(DesignError, match="leaves 1 pre and 9 post"):
        interrupted_time_series(df, time="year", outcome="y", interruption=2013, impact="level")


@pytest.mark.parametrize("bad", ["step", "Level", None, True, ("level",)])
def test_unknown_impact_is_refused_in_one_line(bad):
    with pytest.raises(ArgumentError) as info:
        interrupted_time_series(PAL, time="year", outcome="n", interruption=2016, impact=bad)
    en = f"impact={bad!r} is not supported; use 'level_and_slope', 'level' or 'slope'"
    assert str(info.value) == en and "\n" not in en
    assert info.value.message("sv") == (
        f"impact={bad!r} stöds inte; använd 'level_and_slope', 'level' eller 'slope'"
    )
    with pytest.raises(ArgumentError, match="impact="):
        its_design(np.arange(6.0), 3.0, impact=bad)


def test_default_impact_is_the_level_and_slope_model_unchanged():
    a = interrupted_time_series(ONE, overdispersion=None, **KW)
    b = interrupted_time_series(ONE, overdispersion=None, impact="level_and_slope", **KW)
    assert a.impact == b.impact == "level_and_slope"
    assert a.coefficients.equals(b.coefficients) and a.to_frame().equals(b.to_frame())
    _check(b, ITS["poisson"])  # the statsmodels reference of the first test still holds
    _, names = its_design(np.arange(5.0), 3.0, group=np.r_[1.0, 1, 1, 0, 0])
    assert names == ["intercept", "time", "level", "slope", "group", "group:time",
                     "group:level", "group:slope"]  # fmt: skip


def test_series_breaks_with_each_impact_model():
    years = np.arange(2010, 2024)
    df = pl.DataFrame({"year": years, "n": np.random.default_rng(3).poisson(200, years.size)})
    kw = dict(time="year", outcome="n", interruption=2021, series_breaks=[2021])

    def adjustment(r):
        return [w.values["adjustment"] for w in r.warnings if w.code == "series-break"]

    both = interrupted_time_series(df, **kw)
    level = interrupted_time_series(df, impact="level", **kw)
    slope = interrupted_time_series(df, impact="slope", **kw)
    # a shift from the first post year is the level change itself: collinear with it
    assert adjustment(both) == adjustment(level) == ["collinear"]
    assert "break1" not in level.coefficients["term"].to_list()
    # without a level-change term the shift is separable and added: slope + shift spans the
    # level-and-slope model, so the slope change is the same
    assert adjustment(slope) == ["level-shift"]
    assert slope.coefficients["term"].to_list() == ["intercept", "time", "slope", "break1"]
    assert slope.slope_change == pytest.approx(both.slope_change, rel=1e-9)
    assert slope.slope_upper == pytest.approx(both.slope_upper, rel=1e-9)
    # a break inside the pre-period is a level shift under every impact model
    for impact in ("level", "slope"):
        r = interrupted_time_series(df, time="year", outcome="n", interruption=2021,
                                    series_breaks=[2014], impact=impact)  # fmt: skip
        assert r.coefficients["term"].to_list()[-1] == "break1"
        assert adjustment(r) == ["level-shift"]


def test_single_impact_term_with_seasonality_and_negbin():
    for impact, season_terms, n_terms in (("level", "harmonic", 3 + 4), ("slope", "dummies",
                                                                          3 + 11)):  # fmt: skip
        r = interrupted_time_series(ONE, overdispersion="negbin", impact=impact,
                                    season_terms=season_terms, **KW)  # fmt: skip
        assert r.coefficients.height == n_terms and r.alpha is not None and r.alpha > 0
        assert r.coefficients["term"][2] == impact
        fields = {"level": r.level_change, "slope": r.slope_change}
        assert np.isfinite(fields[impact])
        assert np.isnan(fields["slope" if impact == "level" else "level"])


def test_single_impact_term_exact_fit_and_unidentified_terms():
    # an exactly linear series with a step: the level-only OLS fit is exact, so no interval
    years = list(range(2010, 2020))
    yv = [3.0 + 2.0 * (y - 2010) + 5.0 * (y >= 2016) for y in years]
    g = interrupted_time_series(pl.DataFrame({"year": years, "y": yv}), time="year",
                                outcome="y", interruption=2016, family="gaussian",
                                impact="level")  # fmt: skip
    assert g.level_change == pytest.approx(5.0)
    assert np.isnan([g.level_lower, g.level_upper, g.level_p]).all()
    assert "exact-fit" in [w.code for w in g.warnings]
    # Flen's zero (see above): with level and slope it has no finite estimate; a level change
    # alone is fitted by 2021 and 2022 together (0 + 3 cases), so it has one
    years = np.arange(2012, 2023)
    y = np.array([6.0, 10.0, 2.0, 5.0, 4.0, 4.0, 3.0, 6.0, 5.0, 0.0, 3.0])
    df = pl.DataFrame({"year": years, "y": y})
    r = interrupted_time_series(df, time="year", outcome="y", interruption=2021,
                                impact="level")  # fmt: skip
    assert np.isfinite([r.level_change, r.level_lower, r.level_upper, r.level_p]).all()
    assert "no-finite-estimate" not in [w.code for w in r.warnings]
    # a slope change alone is 0 in 2021 and reaches only 2022: a zero there has no finite
    # estimate, and none is given
    z = pl.DataFrame({"year": years, "y": np.r_[y[:-2], 4.0, 0.0]})
    s = interrupted_time_series(z, time="year", outcome="y", interruption=2021, impact="slope")
    assert np.isnan([s.slope_change, s.slope_lower, s.slope_upper, s.slope_p]).all()
    (w,) = [w for w in s.warnings if w.code == "no-finite-estimate"]
    assert w.values["periods"] == ["2022"]


def test_absent_change_is_shown_as_not_in_the_model():
    r = interrupted_time_series(PAL, time="year", outcome="n", interruption=2016,
                                impact="slope")  # fmt: skip
    frame = r.to_frame()
    assert frame["effect"].to_list() == ["slope"] and frame.height == 1
    assert frame["estimate"][0] == pytest.approx(r.slope_change)
    for lang, label, absent, title in (
        ("en", "level change", "not part of the model (impact='slope')",
         "Interrupted time series (poisson)"),
        ("sv", "nivåförändring", "ingår inte i modellen (impact='slope')",
         "Avbruten tidsserie (poisson)"),
    ):  # fmt: skip
        text = r.summary(lang)
        rows = text.split("\n\n")[0].splitlines()
        assert rows[0] == title
        (line,) = [ln for ln in rows if ln.startswith(label)]
        assert line.split(maxsplit=len(label.split()))[-1] == absent
        assert "slope change" in text if lang == "en" else "lutningsförändring per år" in text
        html = r._repr_html_(lang)
        assert f"<th style='text-align:left'>{label}</th><td style='text-align:right'>" in html
        assert absent.replace("'", "&#x27;") in html
    # the default shows both changes as numbers, labelled as before
    d = interrupted_time_series(PAL, time="year", outcome="n", interruption=2016)
    assert [k for k, _ in d._display_rows()] == [
        "level change (ratio)", "level change 95% CI lower", "level change 95% CI upper",
        "level change p-value", "slope change per year (ratio)", "slope change 95% CI lower",
        "slope change 95% CI upper", "slope change p-value", "dispersion (Pearson)",
        "observations",
    ]  # fmt: skip
    assert d.summary() == d.summary("en") and "not part of the model" not in d.summary()
    assert "Kvasi-Poisson (loglänk)" in d._repr_html_("sv")


def test_an_under_dispersed_series_keeps_the_poisson_interval():
    # Pearson dispersion 0.0038 (counts 100/101 alternating, then 90/91): scaled by it the
    # quasi-Poisson level change had p = 7e-46 (statsmodels' scale="X2" gives the same, as R's
    # summary.glm); floored at 1 (glm.quasi_scale) it is the Poisson model's standard error.
    # Reference: statsmodels 0.15 GLM(Poisson) on [1, t - 2018, I, (t - 2018) I], no scale:
    # estimate -0.1088974752720326, se 0.12349424349104304; inference with t, 11 - 4 df.
    df = pl.DataFrame(
        {"year": list(range(2012, 2023)), "n": [100, 101, 100, 101, 100, 101, 90, 91, 90, 91, 90]}
    )
    r = interrupted_time_series(df, time="year", outcome="n", interruption=2018)
    assert r.dispersion == pytest.approx(0.0038457741689597374, rel=1e-6)  # the estimate
    assert r.details["scale"] == 1.0  # the scale used
    assert r.level_change == pytest.approx(np.exp(-0.1088974752720326), rel=1e-7)
    b, se = -0.1088974752720326, 0.12349424349104304
    assert r.level_p == pytest.approx(2 * stats.t.sf(abs(b) / se, 7), rel=1e-6)
    q = stats.t.ppf(0.975, 7)
    assert (r.level_lower, r.level_upper) == pytest.approx(
        (np.exp(b - q * se), np.exp(b + q * se)), rel=1e-6
    )
    assert r.level_p > 0.3778838707691974  # wider than the normal reading (p = 0.378)
    row = r.coefficients.filter(pl.col("term") == "level")
    assert row["se"].item() == pytest.approx(0.12349424349104304, rel=1e-6)


def test_an_over_dispersed_series_is_still_scaled_by_its_estimate():
    # the floor leaves a dispersion above 1 alone: the Sicilian reference fits (dispersion
    # above 1) are checked in test_quasi_poisson_matches_statsmodels_x2; here the scale used
    # is the estimate itself
    r = interrupted_time_series(ONE, overdispersion="quasi", **KW)
    assert r.dispersion > 1 and r.details["scale"] == pytest.approx(r.dispersion)


def test_controlled_its_with_an_empty_comparison_start_has_no_finite_change():
    """The comparison series has no case before the interruption: its level before the
    start runs to minus infinity, the treated-minus-comparison level change to minus
    infinity with it, and the maximum likelihood estimate does not exist (statsmodels' GLM
    stops with the coefficient at -24 and SE 4e4). IRLS took a step that raised the deviance
    from 0.75 to 3e16 and reported a level change of 1.8e23 with p = 0."""
    years = list(range(2010, 2020))
    df = pl.DataFrame(
        {
            "t": years * 2,
            "y": [5, 6, 7, 8, 9, 6, 7, 8, 9, 10, 0, 0, 0, 0, 0, 3, 4, 5, 4, 3],
            "c": [0] * 10 + [1] * 10,
        }
    )
    for overdispersion in (None, "quasi"):
        res = interrupted_time_series(
            df, time="t", outcome="y", interruption=2015, control="c",
            overdispersion=overdispersion,
        )  # fmt: skip
        assert np.isnan(res.level_change) and np.isnan(res.level_p)
        assert any(w.code == "no-finite-estimate" for w in res.warnings)
