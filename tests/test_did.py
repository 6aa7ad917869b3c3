"""Tests of research.stats.did against statsmodels, closed forms, hand enumeration and "
"simulation."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from research.core.errors import ArgumentError, DesignError
from research.core.warnings import LevelShiftsCollinearWarning, SeriesBreakWarning, warning_text
from research.stats.did import diff_in_diff, event_study

from .swedish import english_words

REF = json.loads((Path(__file__).parent / "reference" / "did_its_statsmodels.json").read_text())
# fixest conventions (nested fixed effects out of K, singletons dropped), from pyfixest
FIX = json.loads((Path(__file__).parent / "reference" / "did_pyfixest.json").read_text())
PANEL = pl.DataFrame(REF["panel"])
RTOL = 1e-6
KW = dict(unit="unit", time="year", treated="treated", post="post")


def _close(a, b, rtol=RTOL):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-10)


# ---------------------------------------------------------------- statsmodels reference


def test_ols_twfe_cluster_matches_statsmodels_and_pyfixest():
    ref = REF["did"]["ols_twfe_cluster"]
    fx = FIX["panel"]["twfe_ols"]
    r = diff_in_diff(PANEL, outcome="rate", inference="cluster", **KW)
    assert r.method == "cluster"
    _close(r.estimate, ref["params"][0])
    _close(r.estimate, fx["params"][0])
    # CR1 with the unit effects (nested in the unit clusters) out of K, as fixest/reghdfe:
    # K = D + 9 year dummies + 1 = 11 instead of statsmodels' 1 + 12 + 9 = 22
    _close([r.se, r.p_value, r.lower, r.upper],
           [fx["bse"][0], fx["pvalues"][0], fx["ci_lower"][0], fx["ci_upper"][0]])  # fmt: skip
    assert r.details["cluster_k"] == 11
    _close(r.se, ref["bse"][0] * np.sqrt((120 - 22) / (120 - 11)))
    assert ref["df_resid_inference"] == r.details["cluster_df"] == 11
    _close(r.details["model_se"], REF["did"]["ols_twfe_nonrobust"]["bse"][0])
    assert any("unreliable" in str(w) for w in r.warnings)  # 12 clusters < 30


def test_ols_2x2_cluster_matches_statsmodels():
    ref = REF["did"]["ols_2x2_cluster"]
    r = diff_in_diff(PANEL, outcome="rate", inference="cluster", design="2x2", **KW)
    _close([r.estimate, r.se, r.p_value, r.lower, r.upper],
           [ref["params"][0], ref["bse"][0], ref["pvalues"][0], ref["ci_lower"][0],
            ref["ci_upper"][0]])  # fmt: skip


def test_poisson_twfe_matches_statsmodels_and_pyfixest():
    ref = REF["did"]["poisson_twfe_cluster"]
    fx = FIX["panel"]["twfe_poisson"]
    r = diff_in_diff(
        PANEL, outcome="count", family="poisson", offset="population", inference="cluster", **KW
    )
    _close([r.estimate, r.se], [ref["params"][0], fx["bse"][0]])
    _close(r.estimate, fx["params"][0])
    # t(G-1) from the pyfixest standard error (fepois itself reports normal p-values)
    q = stats.t.ppf(0.975, 11)
    _close([r.p_value, r.lower, r.upper],
           [2 * stats.t.sf(abs(fx["params"][0] / fx["bse"][0]), 11),
            fx["params"][0] - q * fx["bse"][0], fx["params"][0] + q * fx["bse"][0]])  # fmt: skip
    _close(r.details["model_se"], REF["did"]["poisson_twfe_model"]["bse"][0])
    _close([r.rate_ratio, r.rr_lower, r.rr_upper],
           np.exp([fx["params"][0], r.lower, r.upper]))  # fmt: skip
    assert r.rr_lower == pytest.approx(np.exp(fx["params"][0] - q * fx["bse"][0]), rel=1e-6)


# ---------------------------------------------------------------- fixest conventions


def test_two_period_panel_with_singletons_matches_pyfixest():
    ref = FIX["stores"]
    df = pl.DataFrame(ref["data"])
    r = diff_in_diff(df, unit="store", time="wave", outcome="fte", treated="treated",
                     post="post", inference="cluster")  # fmt: skip
    fx = ref["twfe"]
    assert r.estimate == pytest.approx(ref["diff_mean_changes"], rel=1e-12)
    _close([r.estimate, r.se, r.p_value, r.lower, r.upper],
           [fx["params"][0], fx["bse"][0], fx["pvalues"][0], fx["ci_lower"][0],
            fx["ci_upper"][0]])  # fmt: skip
    assert ref["n_singletons"] == 26
    assert (r.n_obs, r.n_clusters) == (fx["nobs"], fx["n_clusters"]) == (768, 384)
    assert "26 observations of units or periods seen only once (singletons)" in str(r.warnings[0])
    assert r.warnings[0].code == "singletons-dropped" and r.warnings[0].n_obs == 26
    # K = D + 1 wave dummy + 1 (the unit effects stand for one intercept)
    assert r.details["cluster_k"] == 3
    assert "nested in the clusters do not count in K and singletons are dropped" in r.reason


def test_staggered_event_study_matches_pyfixest():
    ref = FIX["staggered"]
    df = pl.DataFrame(ref["data"])
    r = event_study(df, unit="unit", time="year", outcome="y", treated="treated",
                    treatment_time="first_year", inference="cluster")  # fmt: skip
    c = r.coefficients.filter(~pl.col("is_reference")).sort("event_time")
    assert c["event_time"].to_list() == ref["event_times"]
    fx = ref["ols"]
    for col, key in [("estimate", "params"), ("se", "bse"), ("p_value", "pvalues"),
                     ("lower", "ci_lower"), ("upper", "ci_upper")]:  # fmt: skip
        _close(c[col].to_numpy(), fx[key])
    assert r.n_units == 39 and any(
        "1 observations of units or periods" in str(w) for w in r.warnings
    )
    leads = [i for i, e in enumerate(ref["event_times"]) if e < 0]
    b = np.array(fx["params"])[leads]
    F = float(b @ np.linalg.solve(np.array(fx["vcov"])[np.ix_(leads, leads)], b)) / len(leads)
    _close(r.pretrend.statistic / r.pretrend.df, F)


def test_poisson_did_with_offset_matches_pyfixest():
    ref = FIX["poisson"]
    df = pl.DataFrame(ref["data"])
    r = diff_in_diff(df, unit="unit", time="year", outcome="count", treated="treated",
                     post="post", family="poisson", offset="population",
                     inference="cluster")  # fmt: skip
    fx = ref["fepois"]
    _close([r.estimate, r.se], [fx["params"][0], fx["bse"][0]])
    assert (r.n_obs, r.n_clusters) == (fx["nobs"], fx["n_clusters"]) == (300, 30)
    assert r.details["cluster_df"] == 29
    # 30 clusters, 10 treated: exactly at the rule's limits, so reliable and chosen by 'auto'
    assert not any("unreliable" in str(w) for w in r.warnings)
    auto = diff_in_diff(df, unit="unit", time="year", outcome="count", treated="treated",
                        post="post", family="poisson", offset="population")  # fmt: skip
    assert auto.method == "cluster" and auto.se == r.se
    q = stats.t.ppf(0.975, 29)
    _close([r.lower, r.upper], [fx["params"][0] - q * fx["bse"][0],
                                fx["params"][0] + q * fx["bse"][0]])  # fmt: skip


def test_2x2_design_keeps_singletons_and_counts_every_column():
    # without unit effects a store seen once does inform the group means: it is kept, and
    # K = 4 (intercept, treated, post, D) as statsmodels
    df = pl.DataFrame(FIX["stores"]["data"])
    r = diff_in_diff(df, unit="store", time="wave", outcome="fte", treated="treated",
                     post="post", inference="cluster", design="2x2")  # fmt: skip
    assert r.n_obs == 794 and r.n_clusters == 410 and r.details["cluster_k"] == 4
    assert not any("singletons" in str(w) for w in r.warnings)


def test_wild_bootstrap_p_value_does_not_depend_on_the_small_sample_factor():
    # The factor multiplies the observed and every bootstrap variance alike, so it cancels.
    # Brute force with K = all 1 + 12 + 9 columns (statsmodels) and with K = 11 (fixest).
    df = PANEL.filter(pl.col("year") >= 2014)
    seed, B = 5, 99
    r = diff_in_diff(df, outcome="rate", inference="wild", n_bootstrap=B,
                     bootstrap_weights="rademacher", seed=seed, **KW)  # fmt: skip
    ps = [_brute_wild_p(df, seed, B, k_adj) for k_adj in (None, 9)]
    assert ps[0] == ps[1] == pytest.approx(r.p_value, abs=1e-12)
    assert r.details["cluster_k"] == 1 + 7 + 1  # D + year dummies 2015-2021 + 1


# ---------------------------------------------------------------- closed form


@settings(max_examples=25, deadline=None)
@given(
    n_units=st.integers(3, 7),
    n_years=st.integers(2, 6),
    seed=st.integers(0, 10_000),
    design=st.sampled_from(["twfe", "2x2"]),
)
def test_twfe_equals_difference_of_cell_means(n_units, n_years, seed, design):
    rng = np.random.default_rng(seed)
    n_tr = int(rng.integers(1, n_units))
    first_post = int(rng.integers(1, n_years))
    rows = [
        (f"k{u}", y, float(rng.normal(10, 3)), int(u < n_tr), int(y >= first_post))
        for u in range(n_units)
        for y in range(n_years)
    ]
    df = pl.DataFrame(rows, schema=["unit", "year", "y", "treated", "post"], orient="row")
    m = df.group_by("treated", "post").agg(pl.col("y").mean())
    cell = {(a, b): v for a, b, v in m.iter_rows()}
    expected = (cell[1, 1] - cell[1, 0]) - (cell[0, 1] - cell[0, 0])
    r = diff_in_diff(df, outcome="y", inference="cluster", design=design, **KW)
    assert r.estimate == pytest.approx(expected, rel=1e-9, abs=1e-9)


# ---------------------------------------------------------------- randomization inference

# Two periods, so each unit's contribution is its change d = post - pre. Changes by unit:
# a: 4, b: 0, c: 1, d: 2, e: 8 (mean 3).
_CHANGES = {"a": 4.0, "b": 0.0, "c": 1.0, "d": 2.0, "e": 8.0}


def _two_period(treated_units):
    rows = []
    for u, dlt in _CHANGES.items():
        rows += [(u, 0, 10.0, 0), (u, 1, 10.0 + dlt, 1)]
    df = pl.DataFrame(rows, schema=["unit", "year", "y", "post"], orient="row")
    return df.with_columns(treated=pl.col("unit").is_in(list(treated_units)).cast(pl.Int8))


def test_permutation_one_treated_unit_by_hand():
    # Estimate when unit i is "treated" = d_i - mean(d_others) = (5 d_i - 15) / 4:
    # a: 1.25, b: -3.75, c: -2.5, d: -1.25, e: 6.25. Observed (c) |-2.5| is reached or
    # exceeded by b, c and e: p = 3/5.
    r = diff_in_diff(_two_period("c"), outcome="y", inference="permutation", **KW)
    assert r.estimate == pytest.approx(-2.5)
    assert r.p_value == pytest.approx(3 / 5)
    assert r.details["n_assignments"] == 5 and r.details["exact"]
    assert r.lower == -np.inf and r.upper == np.inf  # 1/5 > 0.05: no finite interval
    np.testing.assert_allclose(sorted(r.placebo_estimates), [-3.75, -2.5, -1.25, 1.25, 6.25])


def test_permutation_two_treated_units_by_hand_with_ties():
    # All 10 pairs, estimate = mean(d_T) - mean(d_C):
    # ab -1.667, ac -0.833, ad 0, ae 5, bc -4.167, bd -3.333, be 1.667, cd -2.5, ce 2.5,
    # de 3.333. Observed ce = 2.5; |est| >= 2.5 for ae, bc, bd, cd (tie), ce, de: p = 6/10.
    r = diff_in_diff(_two_period("ce"), outcome="y", inference="permutation", **KW)
    assert r.estimate == pytest.approx(2.5)
    assert r.p_value == pytest.approx(6 / 10)
    assert r.n_treated_units == 2 and r.n_units == 5


def test_permutation_interval_inverts_the_test():
    # 8 units, 2 treated: 28 assignments. Under H0 "effect = tau" the changes of the treated
    # units are shifted by tau; p(tau) from enumerating all pairs by hand (cell means).
    d = np.array([3.0, -1.0, 0.5, 2.0, 1.5, -0.5, 0.0, 9.0])
    rows = []
    for i, dlt in enumerate(d):
        rows += [(f"u{i}", 0, 5.0, 0, int(i >= 6)), (f"u{i}", 1, 5.0 + dlt, 1, int(i >= 6))]
    df = pl.DataFrame(rows, schema=["unit", "year", "y", "post", "treated"], orient="row")
    r = diff_in_diff(df, outcome="y", inference="permutation", **KW)
    tr = np.array([0, 0, 0, 0, 0, 0, 1, 1.0])

    def p_of(tau):
        dd = d - tau * tr
        stats_ = []
        for pair in itertools.combinations(range(8), 2):
            m = np.zeros(8, bool)
            m[list(pair)] = True
            stats_.append(abs(dd[m].mean() - dd[~m].mean()))
        obs = abs(dd[tr == 1].mean() - dd[tr == 0].mean())
        return np.mean(np.array(stats_) >= obs - 1e-12)

    assert r.p_value == pytest.approx(p_of(0.0))
    assert np.isfinite(r.lower) and np.isfinite(r.upper)
    eps = 1e-6
    assert p_of(r.lower - eps) <= 0.05 < p_of(r.lower + eps)
    assert p_of(r.upper + eps) <= 0.05 < p_of(r.upper - eps)


def test_auto_rule_and_reason():
    r = diff_in_diff(PANEL, outcome="rate", **KW)
    assert r.method == "permutation"
    assert "12 clusters" in r.reason and "30" in r.reason
    one = PANEL.with_columns(treated=(pl.col("unit") == "u00").cast(pl.Int8))
    r1 = diff_in_diff(one, outcome="rate", **KW)
    assert r1.n_treated_units == 1 and "MacKinnon" in r1.reason
    # balanced panel, one treated unit: assignment i estimates dbar_i - mean(dbar_others),
    # dbar = mean(post) - mean(pre) per unit; p counts the observed assignment
    dbar = _unit_changes(PANEL, "rate")
    est = np.array([dbar[i] - np.delete(dbar, i).mean() for i in range(12)])
    assert r1.estimate == pytest.approx(est[0], rel=1e-9)
    assert r1.p_value == pytest.approx(np.mean(np.abs(est) >= abs(est[0]) * (1 - 1e-9)))
    assert r1.lower == -np.inf and r1.upper == np.inf  # 12 assignments: 1/12 > 0.05


def _unit_changes(df, col):
    """Per unit (sorted): mean of ``col`` in post periods minus mean in pre periods."""
    g = df.group_by("unit", "post").agg(pl.col(col).mean()).sort("unit", "post")
    wide = g.pivot(on="post", index="unit").sort("unit")
    return (wide["1"] - wide["0"]).to_numpy()


# ---------------------------------------------------------------- wild cluster bootstrap


def _brute_wild_p(df, seed, B, k_adj=None, weights="rademacher", beta0=0.0):
    """WCR bootstrap p-value of H0: D = beta0 by explicit refits (dense dummies, no QR).

    ``k_adj``: columns left out of K in the CR1 factor (None: all columns count).
    Weights are drawn as research.stats.did draws them (blocks of at most 1000 columns).
    """
    units = sorted(set(df["unit"]))
    uc = np.array([units.index(u) for u in df["unit"]])
    years = sorted(set(df["year"]))
    yc = np.array([years.index(t) for t in df["year"]])
    D = (df["treated"] * df["post"]).to_numpy().astype(float)
    F = np.column_stack([np.eye(len(units))[uc], np.eye(len(years))[yc][:, 1:]])
    X = np.column_stack([D, F])
    y = df["rate"].to_numpy()
    n, k = X.shape
    G = len(units)
    kk = k - (k_adj or 0)

    def t_stat(yv):
        b = np.linalg.lstsq(X, yv, rcond=None)[0]
        e = yv - X @ b
        XtXi = np.linalg.inv(X.T @ X)
        meat = sum(np.outer(X[uc == g].T @ e[uc == g], X[uc == g].T @ e[uc == g])
                   for g in range(G))  # fmt: skip
        V = G / (G - 1) * (n - 1) / (n - kk) * XtXi @ meat @ XtXi
        return (b[0] - beta0) / np.sqrt(V[0, 0])

    t0 = t_stat(y)
    yr = y - beta0 * D
    yr_fit = F @ np.linalg.lstsq(F, yr, rcond=None)[0] + beta0 * D
    ur = y - yr_fit
    rng = np.random.default_rng(seed)
    blocks = [min(1000, B - s) for s in range(0, B, 1000)]  # research.stats.did draws by 1000
    if weights == "rademacher":
        V = np.hstack([rng.choice(np.array([-1.0, 1.0]), size=(G, m)) for m in blocks])
    else:  # Webb (2023): +-sqrt(3/2), +-1, +-sqrt(1/2), each with probability 1/6
        six = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
        V = np.hstack([six[rng.integers(0, 6, size=(G, m))] for m in blocks])
    ts = np.array([t_stat(yr_fit + V[uc, j] * ur) for j in range(B)])
    return (1 + np.sum(np.abs(ts) >= abs(t0) * (1 - 1e-12))) / (B + 1)


def test_wild_bootstrap_matches_brute_force():
    """Vectorised WCR p-value equals explicit refits with the same Rademacher draws."""
    df = PANEL.filter(pl.col("year") >= 2014)
    seed, B = 7, 199
    r = diff_in_diff(df, outcome="rate", inference="wild", n_bootstrap=B,
                     bootstrap_weights="rademacher", seed=seed, **KW)  # fmt: skip
    assert r.p_value == pytest.approx(_brute_wild_p(df, seed, B), abs=1e-12)


def test_wild_bootstrap_draws_in_blocks_of_1000():
    df = PANEL.filter(pl.col("year") >= 2016)
    r = diff_in_diff(df, outcome="rate", inference="wild", n_bootstrap=1001,
                     bootstrap_weights="rademacher", seed=2, **KW)  # fmt: skip
    assert r.details["n_bootstrap"] == 1001
    assert r.p_value == pytest.approx(_brute_wild_p(df, 2, 1001), abs=1e-12)


def test_wild_bootstrap_webb_weights_and_interval_by_brute_force():
    """Webb weights and the interval: p(beta0) by explicit refits crosses alpha at the ends."""
    df = PANEL.filter(pl.col("year") >= 2014)
    seed, B = 3, 99
    r = diff_in_diff(df, outcome="rate", inference="wild", n_bootstrap=B, seed=seed,
                     level=0.8, **KW)  # fmt: skip
    assert r.details["bootstrap_weights"] == "webb"  # 12 clusters <= 12: Webb by default
    assert r.details["n_bootstrap"] == B
    assert r.p_value == pytest.approx(_brute_wild_p(df, seed, B, weights="webb"), abs=1e-12)
    eps = 1e-4 * r.se
    for end, inward in ((r.lower, 1.0), (r.upper, -1.0)):
        p_out = _brute_wild_p(df, seed, B, weights="webb", beta0=end - inward * eps)
        p_in = _brute_wild_p(df, seed, B, weights="webb", beta0=end + inward * eps)
        assert p_out <= 0.2 < p_in


def test_wild_one_treated_cluster_says_it_fails():
    one = PANEL.with_columns(treated=(pl.col("unit") == "u00").cast(pl.Int8))
    r = diff_in_diff(one, outcome="rate", inference="wild", n_bootstrap=99, **KW)
    assert "known to fail" in r.reason and r.details["bootstrap_weights"] == "webb"


def test_wild_rejects_poisson():
    with pytest.raises(ArgumentError, match="gaussian"):
        diff_in_diff(PANEL, outcome="count", family="poisson", inference="wild", **KW)


# ---------------------------------------------------------------- simulation


def _sim_panel(rng, n_units, n_years, treated, effect_rr, poisson):
    rows = []
    for u in range(n_units):
        pop = 50_000.0 + 5_000 * u
        a = rng.normal(0, 0.2)
        for t in range(n_years):
            post = int(t >= n_years // 2)
            rate = 80 * np.exp(a + 0.02 * t + rng.normal(0, 0.05))
            if u < treated and post:
                rate *= effect_rr
            y = float(rng.poisson(rate * pop / 1e5)) if poisson else rate
            rows.append((f"u{u:02d}", t, y, pop, int(u < treated), post))
    return pl.DataFrame(rows, schema=["unit", "year", "y", "population", "treated", "post"],
                        orient="row")  # fmt: skip


def test_null_permutation_pvalues_uniform_and_size():
    rng = np.random.default_rng(2024)
    ps = []
    for _ in range(200):
        df = _sim_panel(rng, 20, 6, 1, 1.0, poisson=False)
        ps.append(diff_in_diff(df, outcome="y", inference="permutation", **KW).p_value)
    ps = np.array(ps)
    # exact enumeration over 20 units: p in {1/20, ..., 1}; P(p <= 0.05) = 1/20 under H0
    assert 3 <= np.sum(ps <= 0.05) <= 19  # binomial(200, 0.05): mean 10, sd 3.1
    assert 0.45 < ps.mean() < 0.60  # E[p] = (1 + 1/20) / 2 = 0.525
    # roughly uniform: each fifth of (0, 1] holds 40 +- about 5.7 of 200
    counts = np.histogram(ps, bins=[0, 0.2, 0.4, 0.6, 0.8, 1.0])[0]
    assert counts.min() >= 22 and counts.max() <= 60


def test_planted_effect_is_recovered():
    rng = np.random.default_rng(11)
    df = _sim_panel(rng, 16, 8, 4, 0.7, poisson=True)
    r = diff_in_diff(df, outcome="y", family="poisson", offset="population",
                     inference="cluster", **KW)  # fmt: skip
    assert r.rate_ratio == pytest.approx(0.7, abs=0.04)
    assert r.rr_lower < 0.7 < r.rr_upper
    g = diff_in_diff(df.with_columns((pl.col("y") / pl.col("population") * 1e5).alias("rate")),
                     outcome="rate", inference="permutation", **KW)  # fmt: skip
    # balanced panel: estimate = mean change of the treated minus that of the others,
    # p over all C(16, 4) = 1820 assignments by direct enumeration
    dbar = _unit_changes(df.with_columns((pl.col("y") / pl.col("population") * 1e5)
                                         .alias("rate")), "rate")  # fmt: skip
    tot = dbar.sum()
    est = np.array([dbar[list(c)].mean() - (tot - dbar[list(c)].sum()) / 12
                    for c in itertools.combinations(range(16), 4)])  # fmt: skip
    obs = dbar[:4].mean() - dbar[4:].mean()
    assert g.estimate == pytest.approx(obs, rel=1e-9)
    assert g.p_value == pytest.approx(np.mean(np.abs(est) >= abs(obs) * (1 - 1e-9)))
    assert g.details["n_assignments"] == 1820 and g.upper < 0


# ---------------------------------------------------------------- event study


def test_event_study_gaussian_matches_statsmodels_and_pyfixest():
    ref = REF["event"]["ols_cluster"]
    fx = FIX["panel"]["event_ols"]
    r = event_study(PANEL, unit="unit", time="year", outcome="rate", treated="treated",
                    treatment_time=2018, inference="cluster")  # fmt: skip
    c = r.coefficients.filter(~pl.col("is_reference")).sort("event_time")
    assert c["event_time"].to_list() == REF["event"]["event_times"]
    _close(c["estimate"].to_numpy(), ref["params"])
    _close(c["se"].to_numpy(), fx["bse"])
    _close(c["p_value"].to_numpy(), fx["pvalues"])
    _close(c["lower"].to_numpy(), fx["ci_lower"])
    _close(c["upper"].to_numpy(), fx["ci_upper"])
    pt = r.pretrend
    assert pt.df == len(REF["event"]["leads"]) and pt.df_denom == ref["pretrend_df_denom"]
    # Wald F of the leads from pyfixest's covariance
    q = len(REF["event"]["leads"])
    b = np.array(fx["params"][:q])
    Vl = np.array(fx["vcov"])[:q, :q]
    F = float(b @ np.linalg.solve(Vl, b)) / q
    _close(pt.statistic / pt.df, F)
    _close(pt.p_value, stats.f.sf(F, q, 11))
    refrow = r.coefficients.filter(pl.col("is_reference"))
    assert refrow["event_time"][0] == -1 and refrow["estimate"][0] == 0.0


def test_event_study_poisson_and_permutation_pretrend():
    ref = REF["event"]["poisson_model"]
    r = event_study(PANEL, unit="unit", time="year", outcome="count", treated="treated",
                    treatment_time=2018, family="poisson", offset="population",
                    inference="permutation")  # fmt: skip
    c = r.coefficients.filter(~pl.col("is_reference")).sort("event_time")
    _close(c["estimate"].to_numpy(), ref["params"])
    _close(c["se"].to_numpy(), ref["bse"])
    _close(c["lower"].to_numpy(), ref["ci_lower"])
    _close(r.pretrend.statistic, ref["pretrend_chi2"])
    _close(r.pretrend.p_value, ref["pretrend_p"])
    assert r.pretrend.n_assignments == 220  # C(12, 3)
    # by enumeration with explicit dummies and research.stats.glm (not research.stats.did's loop)
    p_coef, p_wald = _event_permutation_by_hand(PANEL, "count", 2018, poisson=True)
    _close(c["p_value"].to_numpy(), p_coef, 1e-12)
    assert r.pretrend.p_permutation == pytest.approx(p_wald, abs=1e-12)


def test_event_study_two_periods_equals_did_permutation():
    df = _two_period("c")
    es = event_study(df, unit="unit", time="year", outcome="y", treated="treated",
                     treatment_time=1, inference="permutation")  # fmt: skip
    row = es.coefficients.filter(pl.col("event_time") == 0)
    assert row["estimate"][0] == pytest.approx(-2.5)
    assert row["p_value"][0] == pytest.approx(3 / 5)
    assert es.pretrend is None


# ---------------------------------------------------------------- breaks and errors


def test_series_break_warnings():
    r = diff_in_diff(PANEL, outcome="rate", inference="cluster", series_breaks=[2015, 2030],
                     model_breaks=True, **KW)  # fmt: skip
    msgs = [str(w) for w in r.warnings if "Series break" in str(w)]
    assert len(msgs) == 1 and "2015" in msgs[0] and "absorbed" in msgs[0]
    r2 = diff_in_diff(PANEL, outcome="rate", inference="cluster", design="2x2",
                      series_breaks=[2015], model_breaks=True, **KW)  # fmt: skip
    assert any("level-shift dummy" in str(w) for w in r2.warnings)
    # balanced panel: a common shift does not move the DiD estimate, only its precision
    assert r2.estimate == pytest.approx(r.estimate)
    # CR1 SE of D with the level-shift dummy, by the sandwich formula (K = 5 columns)
    y = PANEL["rate"].to_numpy()
    tr = PANEL["treated"].to_numpy().astype(float)
    po = PANEL["post"].to_numpy().astype(float)
    X = np.column_stack([tr * po, np.ones_like(y), tr, po, (PANEL["year"] >= 2015).to_numpy()])
    assert r2.se == pytest.approx(_cr1_se(X, y, PANEL["unit"].to_numpy(), 5)[0], rel=1e-9)
    r3 = diff_in_diff(PANEL, outcome="rate", inference="cluster", design="2x2",
                      series_breaks=[2018], model_breaks=True, **KW)  # fmt: skip
    assert any("collinear" in str(w) for w in r3.warnings)
    # the 2018 break's own warning no longer says a term was added (it was left out)
    (brk,) = [w for w in r3.warnings if isinstance(w, SeriesBreakWarning)]
    assert brk.adjustment == "collinear" and brk.year == 2018
    assert "dummy (1 from 2018) was added" not in str(brk) and "none was added" in str(brk)
    # a collinear break (2018, the first post period) leaves the others' level shifts in:
    # the fit equals the one with the 2015 shift alone, by the same sandwich formula
    r4 = diff_in_diff(PANEL, outcome="rate", inference="cluster", design="2x2",
                      series_breaks=[2015, 2018], model_breaks=True, **KW)  # fmt: skip
    assert r4.se == pytest.approx(_cr1_se(X, y, PANEL["unit"].to_numpy(), 5)[0], rel=1e-9)
    assert r4.estimate == pytest.approx(r2.estimate)
    adjustments = {w.year: w.adjustment for w in r4.warnings if isinstance(w, SeriesBreakWarning)}
    assert adjustments == {2015: "level-shift", 2018: "collinear"}
    (dropped,) = [w for w in r4.warnings if isinstance(w, LevelShiftsCollinearWarning)]
    assert dropped.years == [2018]


def test_collinear_level_shifts_left_out_of_the_permutations_too():
    """Permutation inference refits the design of each placebo assignment: the level shifts
    left out of the fit as collinear are left out there too (they made every placebo fit
    rank-deficient, and the p-value an IndexError), so the answer is the no-break fit's."""
    opts = dict(outcome="rate", inference="permutation", design="2x2", n_permutations=199, **KW)
    plain = diff_in_diff(PANEL, **opts)
    r = diff_in_diff(PANEL, series_breaks=[2018], model_breaks=True, **opts)
    assert any(isinstance(w, LevelShiftsCollinearWarning) for w in r.warnings)
    assert (r.estimate, r.p_value, r.lower, r.upper) == (
        plain.estimate,
        plain.p_value,
        plain.lower,
        plain.upper,
    )


def test_input_errors():
    bad = PANEL.with_columns(treated=pl.col("post"))
    with pytest.raises(DesignError, match="constant within each unit"):
        diff_in_diff(bad, outcome="rate", **KW)
    with pytest.raises(ArgumentError, match="not a column"):
        diff_in_diff(PANEL, outcome="nope", **KW)
    with pytest.raises(ArgumentError, match="offset"):
        diff_in_diff(PANEL, outcome="rate", offset="population", **KW)
    with pytest.raises(ArgumentError, match="inference"):
        diff_in_diff(PANEL, outcome="rate", inference="magic", **KW)


# ---------------------------------------------------------------- Poisson permutation


def _poisson_two_period():
    # 7 units, 2 treated: 21 assignments. Two periods, population changing over time.
    pre = [40, 55, 31, 62, 48, 37, 51]
    post = [30, 41, 33, 60, 50, 35, 57]
    pop0 = [1.0e4, 1.4e4, 0.8e4, 1.6e4, 1.2e4, 0.9e4, 1.3e4]
    growth = [1.02, 1.0, 0.97, 1.01, 1.03, 0.99, 1.0]
    rows = []
    for i in range(7):
        rows.append((f"k{i}", 0, float(pre[i]), pop0[i], int(i < 2), 0))
        rows.append((f"k{i}", 1, float(post[i]), pop0[i] * growth[i], int(i < 2), 1))
    df = pl.DataFrame(rows, schema=["unit", "year", "n", "pop", "treated", "post"],
                      orient="row")  # fmt: skip
    return df, np.array(pre, float), np.array(post, float), np.log(growth)


def _conditional_logit_estimate(y1, n, o, in_s, shift):
    """Poisson TWFE DiD with two periods, by the conditional (binomial) likelihood.

    Given unit totals n_i, y_i1 ~ Bin(n_i, expit(a + b s_i + o_i + shift_i)); each group's
    score equation has one unknown, solved by brentq (independent of research.stats.glm).
    """
    from scipy.optimize import brentq
    from scipy.special import expit

    def level(mask):
        f = lambda c: np.sum(y1[mask] - n[mask] * expit(c + o[mask] + shift[mask]))  # noqa: E731
        return brentq(f, -30, 30, xtol=1e-14)

    return level(in_s) - level(~in_s)


def test_poisson_permutation_p_and_interval_by_conditional_likelihood():
    df, pre, post, o = _poisson_two_period()
    r = diff_in_diff(df, unit="unit", time="year", outcome="n", treated="treated", post="post",
                     family="poisson", offset="pop", inference="permutation")  # fmt: skip
    n = pre + post
    treated = np.arange(7) < 2
    # the observed estimate: with equal populations it would be the ratio of ratios of totals
    b0 = _conditional_logit_estimate(post, n, o, treated, np.zeros(7))
    assert r.estimate == pytest.approx(b0, abs=1e-9)
    combos = list(itertools.combinations(range(7), 2))

    def p_of(tau):
        shift = tau * treated
        est = []
        for c in combos:
            s = np.zeros(7, bool)
            s[list(c)] = True
            est.append(_conditional_logit_estimate(post, n, o, s, shift))
        est = np.abs(np.array(est))
        obs = abs(_conditional_logit_estimate(post, n, o, treated, shift))
        return np.mean(est >= obs - 1e-9 * max(1.0, obs))

    assert r.details["n_assignments"] == 21 and r.details["exact"]
    assert r.p_value == pytest.approx(p_of(0.0), abs=1e-12)
    assert sorted(np.round(r.placebo_estimates, 8)) == sorted(
        np.round([_conditional_logit_estimate(post, n, o, np.isin(np.arange(7), c),
                                              np.zeros(7)) for c in combos], 8)
    )  # fmt: skip
    assert np.isfinite(r.lower) and np.isfinite(r.upper)
    eps = 1e-3
    assert p_of(r.lower - eps) <= 0.05 < p_of(r.lower + eps)
    assert p_of(r.upper + eps) <= 0.05 < p_of(r.upper - eps)
    assert [r.rate_ratio, r.rr_lower, r.rr_upper] == pytest.approx(
        np.exp([r.estimate, r.lower, r.upper]), rel=1e-12
    )
    assert r.se == pytest.approx(np.std(r.placebo_estimates[1:], ddof=1), rel=1e-12)


def _cr1_se(X, y, clusters, k):
    """CR1 standard errors by the textbook sandwich, K given explicitly."""
    X = X.astype(float)
    b = np.linalg.lstsq(X, y, rcond=None)[0]
    e = y - X @ b
    Bi = np.linalg.inv(X.T @ X)
    labels = sorted(set(clusters.tolist()))
    S = np.array([X[clusters == g].T @ e[clusters == g] for g in labels])
    G, n = len(labels), len(y)
    V = G / (G - 1) * (n - 1) / (n - k) * Bi @ S.T @ S @ Bi
    return np.sqrt(np.diag(V))


def _event_permutation_by_hand(df, col, T, poisson, window=None, reference=-1):
    """Permutation p-values (each coefficient, and the lead Wald statistic) by enumeration."""
    from research.stats.glm import fit_glm

    units = sorted(set(df["unit"]))
    years = sorted(set(df["year"]))
    uc = np.array([units.index(u) for u in df["unit"]])
    yc = np.array([years.index(t) for t in df["year"]])
    F = np.column_stack([np.eye(len(units))[uc], np.eye(len(years))[yc][:, 1:]])
    e = df["year"].to_numpy() - T
    if window is not None:
        e = np.clip(e, *window)
    levels = [v for v in sorted(set(e.tolist())) if v != reference]
    leads = [j for j, v in enumerate(levels) if v < 0]
    y = df[col].to_numpy().astype(float)
    off = np.log(df["population"].to_numpy()) if poisson else None
    n1 = len(set(df.filter(pl.col("treated") == 1)["unit"]))
    obs = sorted(units.index(u) for u in set(df.filter(pl.col("treated") == 1)["unit"]))
    combos = [list(c) for c in itertools.combinations(range(len(units)), n1)]
    combos.sort(key=lambda c: c != obs)
    coefs, walds = [], []
    for c in combos:
        tu = np.isin(uc, c)
        D = np.column_stack([(tu & (e == v)).astype(float) for v in levels])
        f = fit_glm(np.column_stack([D, F]), y, family="poisson" if poisson else "gaussian",
                    offset=off)  # fmt: skip
        b = f.params[: len(levels)]
        V = f.cov[: len(levels), : len(levels)]
        coefs.append(b)
        bl = b[leads]
        walds.append(float(bl @ np.linalg.solve(V[np.ix_(leads, leads)], bl)) if leads else 0)
    a = np.abs(np.array(coefs))
    w = np.array(walds)
    return (np.mean(a >= a[0] * (1 - 1e-9), axis=0), np.mean(w >= w[0] * (1 - 1e-9)))


def test_event_study_window_bins_the_end_points():
    # window=(-3, 1): treated years 2012-2015 pool into event time -3, 2019-2021 into +1
    r = event_study(PANEL, unit="unit", time="year", outcome="rate", treated="treated",
                    treatment_time=2018, window=(-3, 1), inference="cluster")  # fmt: skip
    c = r.coefficients.filter(~pl.col("is_reference")).sort("event_time")
    assert c["event_time"].to_list() == [-3, -2, 0, 1]
    units = sorted(set(PANEL["unit"]))
    uc = np.array([units.index(u) for u in PANEL["unit"]])
    yc = PANEL["year"].to_numpy() - 2012
    tr = PANEL["treated"].to_numpy() == 1
    e = np.clip(PANEL["year"].to_numpy() - 2018, -3, 1)
    D = np.column_stack([(tr & (e == v)).astype(float) for v in (-3, -2, 0, 1)])
    X = np.column_stack([D, np.eye(12)[uc], np.eye(10)[yc][:, 1:]])
    y = PANEL["rate"].to_numpy()
    b = np.linalg.lstsq(X, y, rcond=None)[0][:4]
    _close(c["estimate"].to_numpy(), b, 1e-9)
    # fixest K: 4 event dummies + 9 year dummies + 1
    se = _cr1_se(X, y, PANEL["unit"].to_numpy(), 14)[:4]
    _close(c["se"].to_numpy(), se, 1e-9)
    q = stats.t.ppf(0.975, 11)
    _close(c["lower"].to_numpy(), b - q * se, 1e-9)
    _close(c["p_value"].to_numpy(), 2 * stats.t.sf(np.abs(b / se), 11), 1e-9)
    with pytest.raises(ArgumentError, match="outside window"):
        event_study(PANEL, unit="unit", time="year", outcome="rate", treated="treated",
                    treatment_time=2018, window=(0, 2))  # fmt: skip


def test_event_study_window_permutation_by_enumeration():
    # 6 units (2 treated): 15 assignments; window=(-2, 1) bins 2012-2015 and 2019-2021
    df = PANEL.filter(pl.col("unit").is_in(["u00", "u01", "u05", "u06", "u07", "u08"]))
    r = event_study(df, unit="unit", time="year", outcome="rate", treated="treated",
                    treatment_time=2018, window=(-2, 1), inference="permutation")  # fmt: skip
    c = r.coefficients.filter(~pl.col("is_reference")).sort("event_time")
    assert c["event_time"].to_list() == [-2, 0, 1]
    p_coef, p_wald = _event_permutation_by_hand(df, "rate", 2018, poisson=False,
                                                window=(-2, 1))  # fmt: skip
    _close(c["p_permutation"].to_numpy(), p_coef, 1e-12)
    assert r.pretrend.p_permutation == pytest.approx(p_wald, abs=1e-12)
    assert r.pretrend.n_assignments == 15
    assert c["lower"].is_infinite().all()  # 1/15 > 0.05: unbounded


def test_invert_unbounded_side_and_bisection():
    from research.stats.did import _invert

    # p(tau) = 0.5 inside (-3, 2], 0.01 below -3; never <= alpha above: upper is +inf
    def pfun(tau):
        return 0.01 if tau <= -3 else 0.5

    lo, hi = _invert(pfun, 0.0, 0.5, 0.05, 1e-12)
    assert lo == pytest.approx(-3.0, abs=1e-9) and hi == np.inf
    # with max_dist the search stops: a rejection beyond it counts as unbounded
    lo2, hi2 = _invert(lambda t: 0.01 if abs(t) >= 50 else 0.5, 1.0, 1.0, 0.05, 1e-12, 10.0)
    assert (lo2, hi2) == (-np.inf, np.inf)
    lo3, hi3 = _invert(lambda t: 0.01 if abs(t) >= 5 else 0.5, 1.0, 1.0, 0.05, 1e-12)
    assert lo3 == pytest.approx(-5.0, abs=1e-9) and hi3 == pytest.approx(5.0, abs=1e-9)


def test_cluster_coarser_than_units_keeps_unit_effects_out_of_k():
    # units nested in 6 clusters of two units each: the unit effects still leave K
    pairs = {f"u{i:02d}": f"c{i // 2}" for i in range(12)}
    df = PANEL.with_columns(pl.col("unit").replace_strict(pairs).alias("area"))
    r = diff_in_diff(df, outcome="rate", inference="cluster", cluster="area", **KW)
    units = sorted(set(df["unit"]))
    uc = np.array([units.index(u) for u in df["unit"]])
    yc = df["year"].to_numpy() - 2012
    D = (df["treated"] * df["post"]).to_numpy().astype(float)
    X = np.column_stack([D, np.eye(12)[uc], np.eye(10)[yc][:, 1:]])
    se = _cr1_se(X, df["rate"].to_numpy(), df["area"].to_numpy(), 1 + 9 + 1)[0]
    assert r.se == pytest.approx(se, rel=1e-9) and r.n_clusters == 6
    assert r.details["cluster_df"] == 5


def test_permutation_on_an_exact_additive_panel():
    # y = unit + period + 2 D exactly: every residual is 0, so there is no cluster SE (it
    # was 0, rounding noise) and the interval search steps from the placebo spread; unit
    # k's placebo estimate is -2/19
    rows = [(f"u{i:02d}", t, 1.0 * i + 3.0 * t + 2.0 * (i == 0 and t == 1), int(i == 0), t)
            for i in range(20) for t in (0, 1)]  # fmt: skip
    df = pl.DataFrame(rows, schema=["unit", "year", "y", "treated", "post"], orient="row")
    r = diff_in_diff(df, outcome="y", inference="permutation", **KW)
    assert r.estimate == pytest.approx(2.0, abs=1e-9)
    assert np.isnan(r.details["cluster_se"]) and np.isnan(r.details["cluster_p"])
    assert r.p_value == pytest.approx(1 / 20)
    assert "exact-fit-inference" not in [w.code for w in r.warnings]  # permutation: honest
    np.testing.assert_allclose(np.sort(r.placebo_estimates)[:19], -2 / 19, atol=1e-9)


# ---------------------------------------------------------------- degenerate inputs


def _pair_panel() -> pl.DataFrame:
    """One treated and one comparison unit over six years (2 leads, the reference, 3 after)."""
    t = [0.0, 3.0, 1.0, 7.0, 4.0, 9.0]
    c = [2.0, 1.0, 5.0, 2.0, 6.0, 3.0]
    years = list(range(2016, 2022))
    return pl.DataFrame(
        {
            "unit": ["t"] * 6 + ["c"] * 6,
            "year": years * 2,
            "y": t + c,
            "treated": [1] * 6 + [0] * 6,
        }
    )


def test_event_study_with_one_comparison_unit_has_no_pretrend_statistic():
    # One treated and one comparison unit: the event-time dummies, unit and year effects
    # fit every observation (no residual degrees of freedom). Each coefficient is then the
    # difference of the two units' gaps to the reference year 2018, by hand; there is no
    # variance, so the standard errors and the pre-trend test are undefined (NaN), where the
    # Wald statistic raised numpy's LinAlgError ("SVD did not converge").
    df = _pair_panel()
    es = event_study(df, unit="unit", time="year", outcome="y", treated="treated",
                     treatment_time=2019)  # fmt: skip
    gap = [0.0 - 2.0, 3.0 - 1.0, 1.0 - 5.0, 7.0 - 2.0, 4.0 - 6.0, 9.0 - 3.0]
    expected = {e: gap[e + 3] - gap[2] for e in (-3, -2, 0, 1, 2)}
    rows = es.coefficients.filter(~pl.col("is_reference"))
    got = dict(zip(rows["event_time"].to_list(), rows["estimate"].to_list(), strict=True))
    assert got == pytest.approx(expected)
    assert rows["se"].is_nan().all()
    assert es.pretrend is not None
    assert np.isnan(es.pretrend.statistic) and np.isnan(es.pretrend.p_value)
    assert es.pretrend.p_permutation is None or np.isnan(es.pretrend.p_permutation)


@pytest.mark.parametrize(
    "option",
    [dict(n_bootstrap=0), dict(n_permutations=0), dict(n_bootstrap=2.5), dict(n_permutations=49)],
)
def test_did_refuses_fewer_than_fifty_draws(option):
    df = _pair_panel().with_columns(post=(pl.col("year") >= 2019).cast(pl.Int64))
    inference = "wild" if "n_bootstrap" in option else "permutation"
    with pytest.raises(ArgumentError, match=next(iter(option))):
        diff_in_diff(df, outcome="y", inference=inference, **KW, **option)


# ---------------------------------------------------------------- exact fits


def _exact_twfe_panel() -> pl.DataFrame:
    """y = unit effect + period effect + 2 for unit A from 2018: the model fits it exactly."""
    a = {"A": 10.0, "B": 20.0, "C": 5.0, "D": 7.0, "E": 13.0}
    g = {2015: 0.0, 2016: 1.0, 2017: 3.0, 2018: 2.5, 2019: 4.0}
    rows = [(u, t, a[u] + g[t] + 2.0 * (u == "A" and t >= 2018), int(u == "A"), int(t >= 2018))
            for u in a for t in g]  # fmt: skip
    return pl.DataFrame(rows, schema=["unit", "year", "y", "treated", "post"], orient="row")


@pytest.mark.parametrize("inference", ["cluster", "wild"])
def test_exact_fit_gives_no_cluster_or_wild_interval(inference):
    # The unit and period effects reproduce the outcome: every residual is zero, and the
    # cluster SE was 2.4e-14 with the interval 2 +- 1e-13 and p = 1e-55 (cluster) or a
    # bootstrap p = 0.0045 (wild), all rounding errors. The planted effect 2 stays.
    r = diff_in_diff(_exact_twfe_panel(), outcome="y", inference=inference, **KW)
    assert r.estimate == pytest.approx(2.0, abs=1e-9)
    assert np.isnan([r.se, r.lower, r.upper, r.p_value]).all()
    assert np.isnan([r.details["cluster_se"], r.details["cluster_p"], r.details["model_se"]]).all()
    w = [w for w in r.warnings if w.code == "exact-fit-inference"]
    assert len(w) == 1 and w[0].values == {"model": "OLS", "inference": inference}


def test_exact_fit_keeps_permutation_inference():
    # permutation compares estimates: 5 units, the treated one's estimate (2) is the largest
    # in absolute value (a placebo unit's is -2/4 = -0.5 by the same algebra as above), so
    # p = 1/5 by hand, the smallest attainable
    r = diff_in_diff(_exact_twfe_panel(), outcome="y", inference="permutation", **KW)
    assert r.p_value == pytest.approx(1 / 5)
    np.testing.assert_allclose(np.sort(r.placebo_estimates)[:4], -0.5, atol=1e-9)
    assert "exact-fit-inference" not in [w.code for w in r.warnings]


def test_event_study_exact_fit():
    # cluster: every SE, interval, p-value and the pre-trend Wald statistic (it was 1.67,
    # p = 0.50, from rounding errors) are undefined; the planted effects (0 before, 2 from
    # 2018) stay
    df = _exact_twfe_panel()
    kw = dict(unit="unit", time="year", outcome="y", treated="treated", treatment_time=2018)
    c = event_study(df, inference="cluster", **kw)
    coef = c.coefficients.filter(~pl.col("is_reference")).sort("event_time")
    np.testing.assert_allclose(coef["estimate"].to_numpy(), [0, 0, 2, 2], atol=1e-9)
    assert np.isnan(coef.select(["se", "lower", "upper", "p_value"]).to_numpy()).all()
    assert np.isnan(c.pretrend.statistic) and np.isnan(c.pretrend.p_value)
    assert "exact-fit-inference" in [w.code for w in c.warnings]
    # permutation: every assignment's lead estimates are 0 up to rounding, so the observed
    # ones tie with all 5 (p = 1, it was 0.6 and 0.8 from comparing rounding errors); the
    # post estimates (2) are the largest of the five: p = 1/5
    p = event_study(df, inference="permutation", **kw)
    pc = p.coefficients.filter(~pl.col("is_reference")).sort("event_time")
    np.testing.assert_allclose(pc["p_permutation"].to_numpy(), [1, 1, 0.2, 0.2])
    assert np.isnan(p.pretrend.statistic) and np.isnan(p.pretrend.p_permutation)


# ---------------------------------------------------------------- Swedish error messages


@pytest.mark.parametrize(
    ("error", "call"),
    [
        (ArgumentError, lambda: diff_in_diff(PANEL, outcome="nope", **KW)),
        (DesignError, lambda: diff_in_diff(PANEL.with_columns(treated=pl.col("post")),
                                           outcome="rate", **KW)),
        (ArgumentError, lambda: diff_in_diff(PANEL.with_columns(post=pl.col("post") * 2),
                                             outcome="rate", **KW)),
        (ArgumentError, lambda: diff_in_diff(PANEL, outcome="count", family="poisson",
                                             inference="wild", **KW)),
        (ArgumentError, lambda: event_study(PANEL, unit="unit", time="year", outcome="rate",
                                            treated="treated", treatment_time=2018,
                                            reference=-40)),
    ],
)  # fmt: skip
def test_errors_are_worded_in_swedish(error, call):
    """Each error carries a Swedish message (``err.message("sv")``) from did_errors.toml,
    different from the English one and with no English sentence in it."""
    with pytest.raises(error) as info:
        call()
    en, sv = str(info.value), info.value.message("sv")
    assert sv != en
    assert not english_words(sv), sv
    assert english_words(en)  # the check would see English


def test_swedish_error_keeps_the_english_message():
    with pytest.raises(ArgumentError) as info:
        diff_in_diff(PANEL, outcome="rate", design="3x3", **KW)
    assert str(info.value) == "design='3x3' is not supported; use 'twfe' or '2x2'"
    assert info.value.message("sv") == "design='3x3' stöds inte; använd 'twfe' eller '2x2'"


def test_placebo_refits_do_not_inherit_a_separated_start():
    """A treated unit with one zero count only its own event dummy fits (a pilot kommun
    with about one case a year): every placebo refit started from the observed fit's
    coefficients overflowed to NaN, and the pre-trend permutation p came out as 1/(J+1)
    (0.032 for a model-based p of 0.93). Each assignment's statistic is checked against a
    separate event study with that unit as the treated one (fitted from the default start)."""
    rng = np.random.default_rng(3)
    years = list(range(2012, 2023))
    units = [f"u{i}" for i in range(8)]
    rows = []
    for i, u in enumerate(units):
        for y in years:
            mu = 2.0 if i == 0 else 6.0 + i
            count = float(rng.poisson(mu))
            if i == 0 and y == 2017:
                count = 0.0  # event time -4: only the treated unit's lead dummy fits it
            if i == 0 and y != 2017 and count == 0:
                count = 1.0
            rows.append({"unit": u, "year": y, "y": count, "pop": 10_000.0,
                         "treated": int(i == 0)})  # fmt: skip
    df = pl.DataFrame(rows)
    kw = dict(unit="unit", time="year", outcome="y", treatment_time=2021, family="poisson",
              offset="pop")  # fmt: skip
    res = event_study(df, treated="treated", inference="permutation", **kw)
    assert res.pretrend is not None and res.pretrend.n_assignments == len(units)
    walds = []
    for u in units:
        one = df.with_columns((pl.col("unit") == u).cast(pl.Int64).alias("t1"))
        fit = event_study(one, treated="t1", inference="permutation", **kw)
        walds.append(fit.pretrend.statistic)  # its own model-based Wald statistic
    walds = np.array(walds)
    assert np.all(np.isfinite(walds))
    expected = np.sum(walds >= walds[0] * (1 - 1e-9)) / len(units)
    assert res.pretrend.p_permutation == pytest.approx(expected)


def test_an_event_time_only_a_zero_count_fits_is_not_estimated():
    """Flen's 2018 and 2021 (no cases) came out as rate ratios of 1e-13 with unbounded
    intervals, squeezing the chart's axis to unreadable labels."""
    years = list(range(2012, 2023))
    rows = []
    for i in range(6):
        for y in years:
            count = 0.0 if (i == 0 and y == 2017) else float(3 + i + (y % 3))
            rows.append({"unit": f"u{i}", "year": y, "y": count, "pop": 10_000.0,
                         "treated": int(i == 0)})  # fmt: skip
    df = pl.DataFrame(rows)
    res = event_study(df, unit="unit", time="year", outcome="y", treated="treated",
                      treatment_time=2021, family="poisson", offset="pop",
                      inference="permutation")  # fmt: skip
    coef = {r["event_time"]: r for r in res.coefficients.iter_rows(named=True)}
    assert math.isnan(coef[-4]["rate_ratio"]) and math.isnan(coef[-4]["rr_lower"])
    assert all(math.isfinite(coef[e]["rate_ratio"]) for e in (-9, -8, -7, -6, -5, -3, -2, 0, 1))
    (w,) = [w for w in res.warnings if w.code == "no-finite-event-estimate"]
    assert w.values["event_times"] == [-4]
    # worded with the minus sign every number in the reports has, not a hyphen (a dash)
    assert warning_text(w, "sv").startswith("Händelsetid \u22124:")
    assert res.pretrend is not None and res.pretrend.df == 7  # the 8 leads but -4


# ---------------------------------------------------------------- Poisson separation


def _two_period_counts(counts: dict[str, tuple[int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"unit": u, "year": 2020 + k, "n": v[k], "pop": 1000.0, "treated": int(u == "a"),
             "post": k}
            for u, v in counts.items()
            for k in (0, 1)
        ]
    )  # fmt: skip


POISSON = dict(KW, outcome="n", family="poisson", offset="pop")


@pytest.mark.parametrize(
    ("zeros", "design", "cell", "cell_sv"),
    [
        # the treated unit has no case before the start: the rate ratio is infinite
        ({"a": (0, 40)}, "twfe", "of the treated units before the start",
         "för de behandlade enheterna före starten"),
        ({"a": (0, 40)}, "2x2", "of the treated units before the start",
         "för de behandlade enheterna före starten"),
        # no comparison unit has a case after the start: the period effect runs to -infinity
        ({u: (v, 0) for u, v in zip("bcdef", (10, 20, 15, 8, 9), strict=True)}, "twfe",
         "of the comparison units in the post-treatment periods",
         "för jämförelseenheterna i efterperioden"),
        ({u: (0, v) for u, v in zip("bcdef", (10, 20, 15, 8, 9), strict=True)}, "2x2",
         "of the comparison units before the start", "för jämförelseenheterna före starten"),
    ],
)  # fmt: skip
def test_a_treatment_term_without_finite_estimate_is_refused(zeros, design, cell, cell_sv):
    # Before: the treated unit with 0 cases before and 40 after gave estimate 33.5 (a rate
    # ratio of 3.5e14) and a permutation p of 0.17, IRLS having stopped at an arbitrary point
    # of a likelihood that rises for ever (no maximum: Santos Silva & Tenreyro 2010).
    counts = {"a": (10, 40), "b": (5, 6), "c": (10, 12), "d": (20, 18), "e": (15, 15),
              "f": (8, 10)}  # fmt: skip
    counts.update(zeros)
    with pytest.raises(DesignError, match="separation") as err:
        diff_in_diff(_two_period_counts(counts), design=design, **POISSON)
    assert cell in str(err.value) and cell_sv in err.value.message("sv")


def test_a_finite_poisson_did_is_the_closed_form_ratio_of_ratios():
    # Two periods: the treated unit is fitted exactly by its unit effect and the treatment,
    # the comparison units by independence, so exp(estimate) = (40/10) / (sum post / sum pre)
    # of the comparison units, (5+12+18+15+10)/(1+10+20+15+8) = 60/54; a comparison unit with
    # one case before the start is no separation.
    counts = {"a": (10, 40), "b": (1, 5), "c": (10, 12), "d": (20, 18), "e": (15, 15),
              "f": (8, 10)}  # fmt: skip
    res = diff_in_diff(_two_period_counts(counts), **POISSON)
    assert res.rate_ratio == pytest.approx(4 / (60 / 54), rel=1e-9)


def test_poisson_2x2_keeps_comparison_units_without_events():
    """The 2x2 model (constant, treated, post, D) has no unit or period effect that an
    all-zero unit could send to minus infinity, so its counts and exposure belong to the
    pooled comparison. Dropping the unit (as the two-way design must) moved the log rate
    ratio from +0.0025 to -0.083. The saturated 2x2 Poisson fit's D is the closed form
    log(r11/r10) - log(r01/r00) of the four pooled rates (sum of counts / sum of exposure)."""
    counts = {"u0": [3, 4, 2, 6], "u1": [5, 7, 6, 9], "u2": [8, 9, 11, 10], "u3": [0, 0, 0, 0]}
    pop0 = {"u0": 1e4, "u1": 2e4, "u2": 3e4, "u3": 5e3}
    growth = {"u3": 0.5}
    rows = [
        dict(u=u, t=t, tr=int(u == "u0"), post=int(t >= 2), c=float(c),
             pop=pop0[u] * (1 + growth.get(u, 0.0) * t))
        for u, cs in counts.items()
        for t, c in enumerate(cs)
    ]  # fmt: skip
    df = pl.DataFrame(rows)
    res = diff_in_diff(df, unit="u", time="t", outcome="c", treated="tr", post="post",
                       family="poisson", offset="pop", design="2x2")  # fmt: skip

    def rate(tr: int, post: int) -> float:
        cell = df.filter((pl.col("tr") == tr) & (pl.col("post") == post))
        return cell["c"].sum() / cell["pop"].sum()

    expected = math.log(rate(1, 1) / rate(1, 0)) - math.log(rate(0, 1) / rate(0, 0))
    assert res.estimate == pytest.approx(expected, abs=1e-10)
    assert expected == pytest.approx(0.0024660925, abs=1e-9)  # statsmodels' GLM, all units
    assert not any(w.code == "zero-event-units" for w in res.warnings)
    # the two-way design still drops it: its unit effect has no finite estimate
    twfe = diff_in_diff(
        df, unit="u", time="t", outcome="c", treated="tr", post="post", family="poisson",
        offset="pop", design="twfe", inference="cluster",
    )  # fmt: skip
    assert any(w.code == "zero-event-units" for w in twfe.warnings)


def test_wild_bootstrap_without_an_observed_standard_error_gives_no_p_value():
    """Two units (one treated): the cluster-robust SE is not computable, so there is no
    observed t ratio to compare the bootstrap's with. A NaN t counted as never exceeded
    gave p = 1/(B+1) = 0.001, the most significant value possible, on pure noise."""
    rng = np.random.default_rng(11)
    rows = [
        dict(u=f"u{i}", t=2010 + t, tr=int(i == 0), post=int(t >= 4), y=50 + rng.normal(0, 5))
        for i in range(2)
        for t in range(8)
    ]
    res = diff_in_diff(pl.DataFrame(rows), unit="u", time="t", outcome="y", treated="tr",
                       post="post", inference="wild", n_bootstrap=999)  # fmt: skip
    assert math.isnan(res.se) and math.isnan(res.p_value)
    assert math.isnan(res.lower) and math.isnan(res.upper)
