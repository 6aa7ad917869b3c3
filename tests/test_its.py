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
        "Quasi-Poisson (log link), covariance scaled by Pearson chi2/(n-p), Wald z intervals"
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
