"""Degenerate designs end in a clear error (or a warning saying what to do), never an artefact.

Each scenario of issue 10 section 3 is here with its exact data, plus the other degenerate
designs of the same kinds: no comparison units, no pre or post period, separation, column
types, missing values, duplicated rows, collinear terms, too many donors.
"""

from __future__ import annotations

import datetime
import doctest
import math

import numpy as np
import polars as pl
import pytest
from scipy import optimize, special, stats

import research.stats.did as did_mod
import research.stats.glm as glm_mod
import research.stats.identification as ident
import research.stats.its as its_mod
from research.core.errors import ArgumentError, DataError, DesignError, EstimationError
from research.stats.did import diff_in_diff, event_study
from research.stats.its import interrupted_time_series
from research.stats.synth import synthetic_control

KW = dict(unit="unit", time="year", treated="treated", post="post")


def _panel(n_units=6, years=range(2010, 2018), treated=(0, 1), start=2014, seed=1):
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_units):
        a = rng.normal(0, 1)
        for t in years:
            tr = int(u in treated)
            y = 10 + a + 0.1 * (t - 2010) + (1.5 if tr and t >= start else 0) + rng.normal(0, 0.3)
            rows.append((f"u{u}", t, y, float(rng.poisson(30)), 1e4, tr, int(t >= start)))
    return pl.DataFrame(
        rows, schema=["unit", "year", "y", "count", "pop", "treated", "post"], orient="row"
    )


# ---------------------------------------------------------------- issue 10 section 3


ITS_ZERO = pl.DataFrame(
    {
        "year": list(range(2008, 2023)),
        "n": [21, 35, 21, 30, 34, 28, 29, 26, 33, 27, 0, 0, 0, 0, 0],
        "pop": [10_000] * 15,
    }
)


def _nb_loglik_max(t, y, expo):
    """Maximised NB2 log-likelihood of log mu = log(expo) + a + b t (scipy, not research.stats.glm).

    The Poisson limit (alpha -> 0) is included: the larger of the two maxima is returned.
    """

    def mu_of(p):
        return expo * np.exp(p[0] + p[1] * (t - 2012))

    def nll_pois(p):
        mu = mu_of(p)
        return -np.sum(y * np.log(mu) - mu - special.gammaln(y + 1))

    def nll_nb(p):
        mu, theta = mu_of(p), np.exp(-p[2])
        return -np.sum(
            special.gammaln(y + theta) - special.gammaln(theta) - special.gammaln(y + 1)
            + theta * np.log(theta / (theta + mu)) + special.xlogy(y, mu / (theta + mu))
        )  # fmt: skip

    opts = {"xatol": 1e-12, "fatol": 1e-13, "maxiter": 40000, "maxfev": 40000}
    start = [math.log(max(y.sum(), 1) / expo.sum()), 0.0]
    lp = -optimize.minimize(nll_pois, start, method="Nelder-Mead", options=opts).fun
    best = max(
        -optimize.minimize(nll_nb, [*start, la], method="Nelder-Mead", options=opts).fun
        for la in (-2.0, 0.0, 1.0)
    )
    return max(lp, best)


def test_its_all_zero_after_interruption_is_refused_with_an_lr_test():
    with pytest.raises(DesignError) as exc:
        interrupted_time_series(ITS_ZERO, time="year", outcome="n", interruption=2018,
                                offset="pop")  # fmt: skip
    msg = str(exc.value)
    assert msg.startswith("all 5 counts from the interruption 2018 are zero")
    assert "does not exist (separation)" in msg
    # the likelihood-ratio test of no level and no slope change: the unrestricted maximum
    # puts the post-period mean at 0 (log-likelihood 0 there), so LR = 2 (l_pre - l_all);
    # NB2 likelihoods, as the no-change model is over-dispersed (Pearson X2/df about 9)
    t = ITS_ZERO["year"].to_numpy().astype(float)
    y = ITS_ZERO["n"].to_numpy().astype(float)
    e = ITS_ZERO["pop"].to_numpy().astype(float)
    pre = t < 2018
    lr = 2 * (_nb_loglik_max(t[pre], y[pre], e[pre]) - _nb_loglik_max(t, y, e))
    assert lr == pytest.approx(49.6548, abs=1e-3)
    p = stats.chi2.sf(lr, 2)  # 1.65e-11 (with 1 df it would be 1.8e-12)
    assert f"gives p = {p:.2g}" in msg and p == pytest.approx(1.65e-11, rel=0.01)
    # the same under every over-dispersion option, never a 5e-16 level change
    for od in (None, "negbin"):
        with pytest.raises(DesignError, match="separation"):
            interrupted_time_series(ITS_ZERO, time="year", outcome="n", interruption=2018,
                                    offset="pop", overdispersion=od)  # fmt: skip


def test_its_all_zero_before_interruption_is_refused():
    df = ITS_ZERO.with_columns(n=pl.Series([0] * 10 + [21, 35, 21, 30, 34]))
    with pytest.raises(DesignError, match="all 10 counts before the interruption 2018 are zero"):
        interrupted_time_series(df, time="year", outcome="n", interruption=2018, offset="pop")


def test_did_every_unit_treated_says_no_comparison_units():
    df = _panel(treated=range(6))  # 6 units x 8 years, all treated
    with pytest.raises(DesignError) as exc:
        diff_in_diff(df, outcome="y", **KW)
    assert str(exc.value) == (
        "no untreated comparison units: all 6 units have treated == 1, so the effect cannot "
        "be told apart from what happened to every unit at the same time; add units that "
        "were never treated"
    )
    with pytest.raises(DesignError, match=r"^no untreated comparison units"):
        event_study(df, unit="unit", time="year", outcome="y", treated="treated",
                    treatment_time=2014)  # fmt: skip


def test_did_without_pre_treatment_period():
    df = _panel().with_columns(post=pl.lit(1))
    with pytest.raises(DesignError) as exc:
        diff_in_diff(df, outcome="y", **KW)
    assert str(exc.value) == (
        "no pre-treatment period for the treated units: no observation of the treated units "
        "has post == 0; a difference-in-differences needs both groups before and after the "
        "start"
    )
    with pytest.raises(DesignError, match=r"^no post-treatment period for the treated units"):
        diff_in_diff(_panel().with_columns(post=pl.lit(0)), outcome="y", **KW)
    # comparison units observed only before the start
    late = _panel().filter(~((pl.col("treated") == 0) & (pl.col("post") == 1)))
    with pytest.raises(DesignError, match=r"^no post-treatment period for the comparison units"):
        diff_in_diff(late, outcome="y", **KW)


def _synth_rows(n_units, years, treated_effect=0.0, seed=3, time_as_text=False):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_units):
        level = rng.normal(50, 5)
        walk = np.cumsum(rng.normal(0, 1, len(years)))
        for k, t in enumerate(years):
            y = level + walk[k] + (treated_effect if i == 0 and t >= 2008 else 0.0)
            rows.append({"unit": f"k{i:03d}", "year": str(t) if time_as_text else t, "y": y})
    return pl.DataFrame(rows)


def test_synth_text_time_column_is_read_as_numbers():
    years = list(range(2000, 2012))
    num = synthetic_control(_synth_rows(6, years), unit="unit", time="year", outcome="y",
                            treated="k000", treatment_time=2008)  # fmt: skip
    txt = synthetic_control(_synth_rows(6, years, time_as_text=True), unit="unit", time="year",
                            outcome="y", treated="k000", treatment_time=2008)  # fmt: skip
    assert txt.att == pytest.approx(num.att, rel=1e-12)
    assert txt.gap["time"].to_list() == years
    txt2 = synthetic_control(_synth_rows(6, years, time_as_text=True), unit="unit", time="year",
                             outcome="y", treated="k000", treatment_time="2008",
                             fit_window=("2003", "2007"))  # fmt: skip
    assert txt2.gap.height == 12 and txt2.treatment_time == 2008


def test_synth_non_numeric_time_text_names_the_type():
    df = _synth_rows(4, list(range(2000, 2006))).with_columns(
        (pl.col("year").cast(pl.String) + "-Q1").alias("year")
    )
    with pytest.raises(DesignError) as exc:
        synthetic_control(df, unit="unit", time="year", outcome="y", treated="k000",
                          treatment_time=2004)  # fmt: skip
    assert str(exc.value) == (
        "time column 'year' has type String with values such as '2000-Q1' that are not "
        "numbers; convert it to numbers (e.g. integer years)"
    )
    with pytest.raises(DesignError, match="treatment_time='soon' is text"):
        synthetic_control(_synth_rows(4, list(range(2000, 2006))), unit="unit", time="year",
                          outcome="y", treated="k000", treatment_time="soon")  # fmt: skip


def test_synth_many_donors_outcome_only_warns_and_placebo_ratios_are_meaningful():
    # 30 donors, 6 pre-treatment periods, outcome only: an exact pre-period fit for every
    # unit. The treated unit gets a large effect, so among exact fits it has the largest
    # post-period RMSPE and must rank first.
    years = list(range(2002, 2012))
    df = _synth_rows(31, years, treated_effect=25.0, seed=8)
    fit = synthetic_control(df, unit="unit", time="year", outcome="y", treated="k000",
                            treatment_time=2008)  # fmt: skip
    note = [w for w in fit.warnings if "donors for 6 pre-treatment periods" in str(w)]
    assert [(w.code, w.n_donors, w.n_periods) for w in note] == [("overfit", 30, 6)]
    assert [str(w) for w in note] == [
        "30 donors for 6 pre-treatment periods and no predictors: the weights can reproduce "
        "the pre-period almost exactly whatever the treated unit's path, so a close "
        "pre-treatment fit is no evidence (Abadie 2021); restrict the donors to similar "
        "units (e.g. kommuner of the same size class or län) so that there are fewer donors "
        "than pre-treatment periods, and add predictors"
    ]
    test = fit.placebo_test()
    r = test.ratios
    # floor: a tenth of the median (over units) RMS year-to-year change before 2008
    wide = df.filter(pl.col("year") < 2008).sort("year").pivot(on="unit", index="year")
    steps = np.diff(wide.drop("year").to_numpy(), axis=0)
    floor = 0.1 * float(np.median(np.sqrt(np.mean(steps**2, axis=0))))
    pre = r["pre_rmspe"].to_numpy()
    post = r["post_rmspe"].to_numpy()
    expected = post / np.maximum(pre, floor)
    np.testing.assert_allclose(r["ratio"].to_numpy(), expected, rtol=1e-12)
    assert np.all(np.isfinite(r["ratio"].to_numpy()))
    n_exact = int(np.sum(pre < floor))
    assert n_exact >= 2 and str(test.warnings[0]).startswith(f"{n_exact} of 31 units fit")
    assert (test.warnings[0].n_units, test.warnings[0].n_total) == (n_exact, 31)
    assert test.warnings[0].floor == pytest.approx(floor, rel=1e-3)
    assert r["pre_rmspe"].min() < 1e-12  # one placebo fits exactly: unfloored ratio ~1e13
    # the treated unit (effect 25) now ranks first
    top = r.row(0, named=True)
    assert top["is_treated"] and test.p_value == pytest.approx(1 / 31)


def test_synth_few_donors_has_no_overfit_warning():
    df = _synth_rows(5, list(range(2000, 2012)))
    fit = synthetic_control(df, unit="unit", time="year", outcome="y", treated="k000",
                            treatment_time=2008)  # fmt: skip
    assert not any("pre-treatment periods and no predictors" in str(w) for w in fit.warnings)


# ---------------------------------------------------------------- other degenerate designs


def test_event_study_treatment_time_outside_the_data():
    df = _panel()
    es = dict(unit="unit", time="year", outcome="y", treated="treated")
    with pytest.raises(DesignError) as exc:
        event_study(df, treatment_time=2030, **es)
    assert str(exc.value) == (
        "no post-treatment period: treatment_time=2030 leaves 0 period(s) from it in the data "
        "(2010-2017), 1 needed"
    )
    with pytest.raises(DesignError, match=r"^no pre-treatment period: treatment_time=2005"):
        event_study(df, treatment_time=2005, **es)
    with pytest.raises(DesignError, match="neither a number nor a column"):
        event_study(df, treatment_time=[2014], **es)


def test_staggered_event_study_without_post_or_pre_period():
    df = _panel().with_columns(
        first=pl.when(pl.col("unit") == "u0").then(2030).when(pl.col("unit") == "u1")
        .then(2031).otherwise(None)
    )  # fmt: skip
    es = dict(unit="unit", time="year", outcome="y", treated="treated", treatment_time="first")
    with pytest.raises(DesignError) as exc:
        event_study(df, **es)
    assert str(exc.value) == (
        "no post-treatment period: no treated unit is observed from its treatment time in 'first'"
    )
    early = df.with_columns(first=pl.when(pl.col("treated") == 1).then(2005 + pl.col("year") * 0))
    with pytest.raises(DesignError, match=r"^no pre-treatment period: no treated unit is observed "
                       r"before its treatment time in 'first'$"):  # fmt: skip
        event_study(early, **es)


def test_event_study_single_pre_period_warns_no_leads():
    df = _panel().filter(pl.col("year") >= 2013)
    r = event_study(df, unit="unit", time="year", outcome="y", treated="treated",
                    treatment_time=2014, inference="cluster")  # fmt: skip
    assert r.pretrend is None
    assert (
        "No leads: the treated units have no pre-treatment event time besides the reference "
        "(-1), so pre-trends cannot be tested." in [str(w) for w in r.warnings]
    )
    assert [w.reference for w in r.warnings if w.code == "no-leads"] == [-1]


def test_event_study_time_column_types():
    df = _panel()
    es = dict(unit="unit", outcome="y", treated="treated", treatment_time=2014,
              inference="cluster")  # fmt: skip
    a = event_study(df, time="year", **es)
    b = event_study(df.with_columns(pl.col("year").cast(pl.String)), time="year", **es)
    np.testing.assert_allclose(b.coefficients["se"].to_numpy(), a.coefficients["se"].to_numpy(),
                               rtol=1e-12)  # fmt: skip
    bad = df.with_columns(pl.format("{}-01", pl.col("year")).alias("year"))
    with pytest.raises(DesignError, match="time column 'year' has type String"):
        event_study(bad, time="year", **es)


def test_did_constant_outcome():
    with pytest.raises(DesignError, match=r"^outcome 'y' is constant \(7 in every row\)"):
        diff_in_diff(_panel().with_columns(y=pl.lit(7.0)), outcome="y", **KW)


def test_did_nan_outcome_rows_are_dropped_like_nulls():
    df = _panel()
    holed = df.with_columns(
        y=pl.when((pl.col("unit") == "u3") & (pl.col("year") == 2011))
        .then(float("nan"))
        .otherwise(pl.col("y"))
    )
    r = diff_in_diff(holed, outcome="y", inference="cluster", **KW)
    ref = diff_in_diff(
        df.filter(~((pl.col("unit") == "u3") & (pl.col("year") == 2011))),
        outcome="y", inference="cluster", **KW,
    )  # fmt: skip
    assert r.estimate == pytest.approx(ref.estimate, rel=1e-12) and r.n_obs == 47
    assert str(r.warnings[0]).startswith("1 rows with missing values (null or NaN)")
    assert (r.warnings[0].code, r.warnings[0].n_rows) == ("missing-rows-dropped", 1)


def test_did_duplicate_unit_time_rows():
    df = _panel()
    with pytest.raises(DesignError) as exc:
        diff_in_diff(pl.concat([df, df.head(2)]), outcome="y", **KW)
    assert str(exc.value) == (
        "data must have one row per unit and year; 2 combinations repeat, e.g. unit='u0', "
        "year=2010; aggregate or filter the data first (one indicator, one sex)"
    )


def test_did_poisson_all_zero_treated_post_counts_is_separation():
    df = _panel().with_columns(
        count=pl.when((pl.col("treated") == 1) & (pl.col("post") == 1))
        .then(0.0)
        .otherwise(pl.col("count"))
    )
    with pytest.raises(DesignError) as exc:
        diff_in_diff(df, outcome="count", family="poisson", offset="pop", **KW)
    assert str(exc.value).startswith(
        "all 8 counts of the treated units in the post-treatment periods are zero: the rate "
        "ratio is 0"
    )
    assert "(separation)" in str(exc.value)


def test_did_rank_deficiency_names_the_terms():
    # post identical to treated would make D = treated = post collinear: the design layer
    # names the cause first; the rank check names collinear terms where no cause is known.
    df = _panel().with_columns(post=pl.col("treated"))
    with pytest.raises(DesignError, match="no pre-treatment period for the treated units"):
        diff_in_diff(df, outcome="y", design="2x2", **KW)
    X = np.column_stack([np.ones(4), [0, 1, 0, 1.0], [0, 1, 0, 1.0]])
    with pytest.raises(EstimationError) as exc:
        ident.check_rank(X, ["intercept", "a", "b"], "drop one")
    assert str(exc.value) == (
        "the design matrix has 3 columns but rank 2: the terms ['a', 'b'] are collinear, so "
        "their coefficients are not identified; drop one"
    )


def test_its_other_degenerate_designs():
    years = list(range(2010, 2022))
    df = pl.DataFrame({"year": years, "n": [30, 28, 33, 31, 29, 35, 20, 22, 19, 21, 23, 18]})
    base = interrupted_time_series(df, time="year", outcome="n", interruption=2016)
    # years stored as text are read as years
    txt = interrupted_time_series(df.with_columns(pl.col("year").cast(pl.String)),
                                  time="year", outcome="n", interruption=2016)  # fmt: skip
    assert txt.period == "year" and txt.level_change == pytest.approx(base.level_change)
    with pytest.raises(DesignError, match="leaves 12 pre and 0 post periods"):
        interrupted_time_series(df, time="year", outcome="n", interruption=2030)
    with pytest.raises(DesignError, match="duplicated values"):
        interrupted_time_series(pl.concat([df, df.head(1)]), time="year", outcome="n",
                                interruption=2016)  # fmt: skip
    with pytest.raises(DesignError, match=r"^outcome 'n' is constant"):
        interrupted_time_series(df.with_columns(n=pl.lit(4.0)), time="year", outcome="n",
                                interruption=2016, family="gaussian")  # fmt: skip
    holed = df.with_columns(n=pl.when(pl.col("year") == 2012).then(None).otherwise(pl.col("n")))
    r = interrupted_time_series(holed.with_columns(pl.col("n").cast(pl.Float64)), time="year",
                                outcome="n", interruption=2016)  # fmt: skip
    assert r.n_obs == 11 and "1 rows with missing values (null or NaN)" in str(r.warnings[0])
    assert r.warnings[0].columns == ["year", "n"]
    with pytest.raises(DesignError, match="time column 'year' has type Boolean"):
        interrupted_time_series(df.with_columns(year=pl.col("year") > 2015), time="year",
                                outcome="n", interruption=2016)  # fmt: skip


def test_identification_helpers():
    assert ident.check_periods(np.array([1.0, 2, 3, 3]), 3) == (2, 1)
    with pytest.raises(DesignError, match="2 needed"):
        ident.check_periods(np.array([1.0, 2, 3]), 2, min_pre=2)
    with pytest.raises(DesignError, match=r"^no treated units: tr is 0"):
        ident.check_comparison_units(np.zeros(3), "tr")
    ident.check_nonzero_counts(np.array([0.0, 0.0]), np.array([False, False]), "nowhere")
    assert ident.overfit_note(6, 6, True).startswith("6 donors for 6 pre-treatment periods:")
    assert ident.overfit_note(5, 6, True) is None
    with pytest.raises(DesignError, match="has type Date"):
        ident.numeric_time(pl.Series("d", [datetime.date(2020, 1, 1)]), "d")


def test_check_weights_takes_numpy_numbers_and_refuses_bools():
    """A weight computed with numpy (np.int64) is a number; True is not a weight (it passed
    as 1 because bool is an int)."""
    got = ident.check_weights(
        {"need": np.int64(2), "similarity": np.float32(0.5)},
        ["need", "similarity", "detectability"],
        missing=0.0,
        what="component",
    )
    assert got == {"need": 2.0, "similarity": 0.5, "detectability": 0.0}
    assert all(type(v) is float for v in got.values())
    from fractions import Fraction

    assert ident.check_weights({"need": Fraction(1, 2)}, ["need"], missing=0.0, what="c") == {
        "need": 0.5
    }
    for bad in (True, np.True_, "2", None, -1, float("nan")):
        with pytest.raises(ArgumentError, match=r"^weight of 'need' must be a number >= 0"):
            ident.check_weights({"need": bad}, ["need"], missing=0.0, what="component")


def test_synth_input_errors_that_stay_argument_errors():
    df = _synth_rows(4, list(range(2000, 2006)))
    with pytest.raises(ArgumentError, match="cannot also be a donor"):
        synthetic_control(df, unit="unit", time="year", outcome="y", treated="k000",
                          treatment_time=2004, donors=["k000", "k001"])  # fmt: skip
    with pytest.raises(ArgumentError, match="no period of the data is at or after"):
        synthetic_control(df, unit="unit", time="year", outcome="y", treated="k000",
                          treatment_time=2030)  # fmt: skip


@pytest.mark.parametrize("module", [did_mod, its_mod, glm_mod, ident])
def test_doctests_run(module):
    res = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0 and res.attempted > 0


def test_check_rank_edge_cases_against_hand_computed_null_spaces():
    # Fewer rows than columns: the null space of [[1, 1, 0], [0, 0, 1]] is spanned by
    # (1, -1, 0), so a and b are the collinear terms (c is identified).
    with pytest.raises(EstimationError, match=r"rank 2: the terms \['a', 'b'\] are collinear"):
        ident.check_rank(np.array([[1.0, 1, 0], [0, 0, 1]]), ["a", "b", "c"])
    # An all-zero matrix has rank 0 (every singular value is 0 = the tolerance).
    with pytest.raises(EstimationError, match="has 2 columns but rank 0"):
        ident.check_rank(np.zeros((4, 2)), ["a", "b"])
    # Full rank, a singular value just above the tolerance: no error.
    ident.check_rank(np.diag([1.0, 1e-10]), ["a", "b"])


def test_as_float_array_and_check_periods_convert_to_floats():
    x = ident.as_float_array([3, None], "counts")
    assert x.dtype == np.float64 and x[0] == 3.0 and math.isnan(x[1])
    assert ident.as_float_array((1, 2), "counts").dtype == np.float64
    with pytest.raises(ArgumentError, match=r"^counts must be a number or a sequence of numbers"):
        ident.as_float_array(["a", "b"], "counts")
    # Text holding numbers is read as numbers: 2010 is before 2011, 2011 and 2012 are not.
    assert ident.check_periods(np.array(["2010", "2011", "2012"]), 2011) == (1, 2)
    assert ident.check_periods([2010, None, 2012], 2011) == (1, 1)


def test_complete_rows_counts_what_it_drops():
    df = pl.DataFrame({"y": [1.0, None, float("nan"), 4.0], "t": [1, 2, 3, None]})
    rows, notes = ident.complete_rows(df, ["y", "t"])
    assert rows.to_dict(as_series=False) == {"y": [1.0], "t": [1]}
    assert [str(w) for w in notes] == [
        "3 rows with missing values (null or NaN) in ['y', 't'] were dropped."
    ]
    assert [(w.code, w.n_rows, w.columns) for w in notes] == [
        ("missing-rows-dropped", 3, ["y", "t"])
    ]
    assert [str(w) for w in ident.complete_rows(df, ["t"])[1]] == [
        "1 rows with missing values (null or NaN) in ['t'] were dropped."
    ]
    with pytest.raises(DataError, match=r"^no complete rows to fit: every row has a missing"):
        ident.complete_rows(df.slice(1, 2), ["y"])
