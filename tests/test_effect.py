"""research.analyses.effect: the pilot-effect analysis on the real panel, and the conclusion
function.

Reference values are computed here independently of the estimators: from the panel with plain
polars (completeness of the pool, baseline counts, the dilution share, the synthetic control's
gap from its weights) and, for the two-period Poisson difference-in-differences, by solving the
fixed-effects Poisson likelihood equations with closed-form alternating updates (a different
algorithm from the IRLS fit in research.stats.glm).
"""

from __future__ import annotations

import math
import re

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from research.analyses.effect import (
    Estimate,
    Evidence,
    conclude,
    default_fit_start,
    pilot_effect_analysis,
)
from research.core.errors import ArgumentError, ParameterError
from research.core.fmt import format_number
from research.data.catalog import load_catalog
from research.data.panel import load_panel
from research.stats.power import power_at
from research.views.pilot_effect.conclusion import conclusion_paragraphs


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return load_panel()


@pytest.fixture(scope="module")
def res(panel: pl.DataFrame):
    return pilot_effect_analysis(panel)  # defaults: Stockholm, N07402, 2021-04, kommuner


def _rates(panel: pl.DataFrame, codes: list[str], first: int, last: int) -> pl.DataFrame:
    return panel.filter(
        (pl.col("indicator") == "N07402")
        & (pl.col("sex") == "T")
        & pl.col("area_code").is_in(codes)
        & pl.col("year").is_between(first, last)
    )


# ------------------------------------------------------------------------------ structure


def test_design_choices(res) -> None:
    assert res.pilot.code == "0180"
    assert res.treatment_year == 2021  # April start: 2021 counted as post, never pre
    assert res.first_full_year == 2022
    assert res.fit_start == 2015  # after the 2015 kommun-attribution break
    assert res.post_years == [2021, 2022]
    assert [b.first_year for b in res.breaks] == [2015, 2019, 2020]
    assert [b.first_year for b in res.breaks_fit] == [2019, 2020]


def test_pool_is_complete_and_capped(res, panel: pl.DataFrame) -> None:
    pool = res.pool
    assert "0180" not in pool.codes
    assert len(pool.codes) == 30  # max_donors
    assert len(pool.candidates) == 289
    assert set(pool.dropped["reason"].unique().to_list()) == {"missing", "size"}
    assert len(pool.codes) + pool.dropped.height == len(pool.candidates)
    # every donor has a rate, estimated count and population in each year 2015-2022
    d = _rates(panel, pool.codes, 2015, 2022).filter(
        pl.col("value").is_not_null()
        & pl.col("count_est").is_not_null()
        & pl.col("population").is_not_null()
    )
    counts = d.group_by("area_code").len()
    assert counts.height == 30 and (counts["len"] == 8).all()
    # every kommun dropped as "missing" lacks the rate in some year 2015-2022
    missing = pool.dropped.filter(pl.col("reason") == "missing")["area_code"].to_list()
    m = _rates(panel, missing, 2015, 2022).filter(pl.col("value").is_not_null())
    n_obs = dict(m.group_by("area_code").len().iter_rows())
    assert all(n_obs.get(c, 0) < 8 for c in missing)
    # the size rule keeps the kommuner closest in log population: Göteborg and Malmö are in
    assert {"1480", "1280"} <= set(pool.codes)


def test_pool_lan(panel: pl.DataFrame) -> None:
    r = pilot_effect_analysis(panel, donors="lan:01")
    lan = (
        panel.filter((pl.col("level") == "kommun") & (pl.col("parent_code") == "01"))["area_code"]
        .unique()
        .to_list()
    )
    assert sorted(r.pool.candidates) == sorted(c for c in lan if c != "0180")
    assert set(r.pool.codes) <= set(lan)
    assert r.pool.n_size == 0
    # placebo-in-space p-value: the pilot's rank among the included post/pre RMSPE ratios
    ratios = r.synth.placebo.ratios.filter(pl.col("included"))
    treated = ratios.filter(pl.col("is_treated"))["ratio"][0]
    rank = int((ratios["ratio"] >= treated * (1 - 1e-12)).sum())
    assert r.synth.p_value == pytest.approx(rank / ratios.height, rel=1e-12)
    # SDID's interval for the ATT reaches below minus the counterfactual level here: the rate
    # ratio's interval ends at 0 (a rate cannot be negative), not at a negative ratio
    sd = r.sdid
    assert sd.fit.ci[0] < -sd.counterfactual
    assert sd.rr_lower == 0.0
    assert sd.rr_upper == pytest.approx(1 + sd.fit.ci[1] / sd.counterfactual, rel=1e-12)
    assert sd.rate_ratio == pytest.approx(sd.treated_post / sd.counterfactual, rel=1e-12)


def test_bad_parameters(panel: pl.DataFrame) -> None:
    with pytest.raises(ArgumentError, match="donors"):
        pilot_effect_analysis(panel, donors="neighbours")
    with pytest.raises(ArgumentError, match="pilot start year"):
        pilot_effect_analysis(panel, end_year=2020)
    for bad in ("x", 2015.5):  # a bare int() ValueError, and a silent 2015, before
        with pytest.raises(ArgumentError, match=r"^start_year must be a year such as 2015, got"):
            pilot_effect_analysis(panel, start_year=bad)
    # pilot_start is read by research.core.fmt's month parser, shared with the report's
    # parameter checks: a report parameter error
    with pytest.raises(ParameterError, match="YYYY-MM"):
        pilot_effect_analysis(panel, pilot_start="april 2021")


def test_default_fit_start() -> None:
    breaks = load_catalog().breaks_for("N07402")
    assert default_fit_start(breaks, 2021, 2008) == 2015  # 2019/2020 leave < 5 pre years
    assert default_fit_start(breaks, 2025, 2008) == 2020
    assert default_fit_start(breaks, 2021, 2016) == 2016  # never before start_year
    assert default_fit_start([], 2021, 2008) == 2008


# ------------------------------------------------------------------------------ warnings


def test_warnings_for_the_2020_break(res) -> None:
    by_est: dict[str, list[str]] = {}
    for key, w in res.estimator_warnings():
        by_est.setdefault(key, []).append(w)
    for key in ("synth", "did", "event", "its", "cits"):
        assert any("2020" in str(w) for w in by_est[key]), key
    assert any("2020-assault-registration" in str(w) for w in by_est["synth"])
    assert any("next to the interruption" in str(w) for w in by_est["its"])
    assert any("2020" in line for line in conclusion_paragraphs(res.conclusion, "en"))
    assert any("2020" in line for line in conclusion_paragraphs(res.conclusion, "sv"))


# ------------------------------------------------------------------------------ inference


def test_p_values_recomputed_from_their_parts(res) -> None:
    """Each reported p-value recomputed from the numbers it rests on (ranks of the placebo
    estimates, the interval, the Wald statistic), not merely checked to lie in (0, 1]."""
    # synthetic control, all placebos (no MSPE exclusion): rank of the pilot's RMSPE ratio
    allr = res.synth.placebo_all.ratios
    t_all = allr.filter(pl.col("is_treated"))["ratio"][0]
    n_ge = int((allr["ratio"] >= t_all * (1 - 1e-12)).sum())
    assert res.synth.placebo_all.p_value == pytest.approx(n_ge / allr.height, rel=1e-12)
    # DiD randomization inference: share of |placebo estimates| at least the pilot's
    pe = np.abs(np.asarray(res.did.placebo_estimates))
    ge = np.sum(pe >= abs(res.did.estimate) - 1e-9 * max(1.0, abs(res.did.estimate)))
    assert res.did.p_value == pytest.approx(ge / pe.size, rel=1e-12)
    # ITS (quasi-Poisson): two-sided t test of the log level change with the residual df,
    # its SE read off the interval
    for its in (res.its, res.its_controlled):
        assert its.overdispersion == "quasi"
        dist = stats.t(its.df_resid)
        z = dist.ppf(0.5 + its.level / 2)
        se = (math.log(its.level_upper) - math.log(its.level_lower)) / (2 * z)
        expected = 2 * dist.sf(abs(math.log(its.level_change)) / se)
        assert its.level_p == pytest.approx(expected, rel=1e-9)
    # event-study pre-trend: the Wald statistic against chi-square(q) or F(q, df)
    pt = res.event.pretrend
    if pt.df_denom is None:
        assert pt.p_value == pytest.approx(stats.chi2.sf(pt.statistic, pt.df), rel=1e-9)
    else:
        expected = stats.f.sf(pt.statistic / pt.df, pt.df, pt.df_denom)
        assert pt.p_value == pytest.approx(expected, rel=1e-9)
    # permutation p-values are ranks: whole multiples of 1 / (number of assignments)
    n = pt.n_assignments
    ranks = [pt.p_permutation * n, *(p * n for p in res.event.coefficients["p_permutation"]
                                      .drop_nulls().to_list())]  # fmt: skip
    assert all(abs(k - round(k)) < 1e-9 and 1 <= round(k) <= n for k in ranks)
    # randomization inference: p = rank / (J + 1) with every donor an assignment
    assert res.did.method == "permutation"
    assert res.did.details["n_assignments"] == len(res.pool.codes) + 1
    assert res.did.p_value * (len(res.pool.codes) + 1) == pytest.approx(
        round(res.did.p_value * (len(res.pool.codes) + 1))
    )


def test_placebo_p_value_from_ratios(res) -> None:
    r = res.synth.placebo.ratios.filter(pl.col("included"))
    treated = r.filter(pl.col("is_treated"))["ratio"][0]
    rank = int((r["ratio"] >= treated * (1 - 1e-12)).sum())
    assert res.synth.p_value == pytest.approx(rank / r.height)
    assert res.synth.p_value >= 1 / r.height
    # exclusion rule: every included placebo fits within 5 x the pilot's pre-period MSPE
    assert (r["pre_mspe_ratio"] <= 5 + 1e-12).all()


def test_weights_and_gap_from_panel(res, panel: pl.DataFrame) -> None:
    w = res.synth.fit.weights
    assert float(w["weight"].sum()) == pytest.approx(1.0, abs=1e-9)
    assert (w["weight"] >= -1e-12).all()
    weights = dict(w.iter_rows())
    d = _rates(panel, ["0180", *weights], 2021, 2022)
    synthetic = (
        d.filter(pl.col("area_code") != "0180")
        .with_columns(pl.col("area_code").replace_strict(weights).alias("w"))
        .group_by("year")
        .agg((pl.col("w") * pl.col("value")).sum().alias("syn"))
    )
    pilot = d.filter(pl.col("area_code") == "0180").select("year", "value")
    j = pilot.join(synthetic, on="year")
    att = float((j["value"] - j["syn"]).mean())
    assert res.synth.att == pytest.approx(att, abs=1e-9)
    assert res.synth.att_pct == pytest.approx(100 * att / float(j["syn"].mean()), rel=1e-9)


def _poisson_fe_did(counts: np.ndarray, expo: np.ndarray) -> float:
    """Two-period Poisson DiD with unit and period effects, by alternating closed-form updates.

    ``counts`` and ``expo`` are (units, 2) with the treated unit in row 0. The treated post cell
    is saturated by the treatment dummy, so the period effect comes from the comparison units:
    alternate ``a_i = log(sum_t y_it / sum_t E_it exp(g_t))`` and
    ``g_1 = log(sum_i y_i1 / sum_i E_i1 exp(a_i))`` until they stop moving; the log rate ratio
    is ``log(y_01 / y_00 * E_00 / E_01) - g_1``.
    """
    y, e = counts[1:], expo[1:]
    g = 0.0
    for _ in range(10_000):
        a = np.log(y.sum(axis=1) / (e[:, 0] + e[:, 1] * math.exp(g)))
        g_new = math.log(y[:, 1].sum() / (e[:, 1] * np.exp(a)).sum())
        if abs(g_new - g) < 1e-14:
            break
        g = g_new
    treated = math.log(counts[0, 1] / counts[0, 0] * expo[0, 0] / expo[0, 1])
    return math.exp(treated - g_new)


def test_did_rate_ratio_against_fixed_point(res, panel: pl.DataFrame) -> None:
    codes = ["0180", *res.pool.codes]
    d = _rates(panel, codes, 2015, 2022).with_columns(
        (pl.col("year") >= 2021).cast(pl.Int8).alias("post")
    )
    tot = d.group_by("area_code", "post").agg(
        pl.col("count_est").sum().cast(pl.Float64), pl.col("population").sum()
    )
    order = {c: i for i, c in enumerate(codes)}
    y = np.zeros((len(codes), 2))
    e = np.zeros((len(codes), 2))
    for code, post, cnt, pop in tot.iter_rows():
        y[order[code], post] = cnt
        e[order[code], post] = pop
    assert res.did.rate_ratio == pytest.approx(_poisson_fe_did(y, e), rel=1e-7)


def test_power_inputs_from_panel(res, panel: pl.DataFrame) -> None:
    pre = _rates(panel, ["0180", *res.pool.codes], 2015, 2020)
    base = float(pre.filter(pl.col("area_code") == "0180")["count_est"].mean())
    assert res.baseline_count == pytest.approx(base)
    ctrl = float(
        pre.filter(pl.col("area_code") != "0180")
        .group_by("area_code")
        .agg(pl.col("count_est").mean())["count_est"]
        .sum()
    )
    assert res.control_count == pytest.approx(ctrl)
    pop2019 = panel.filter(
        (pl.col("indicator") == "N01951")
        & (pl.col("area_code") == "0180")
        & (pl.col("sex") == "T")
        & (pl.col("year") == 2019)  # the district figure's year
    )["value"][0]
    assert res.dilution == pytest.approx(131_000 / pop2019)
    assert round(100 * 0.2 * res.dilution, 1) == 2.7  # 20 % in Södermalm ~ 2.7 % in Stockholm
    assert res.power.inputs["years_pre"] == 6 and res.power.inputs["years_post"] == 2
    assert res.power.inputs["n_control"] == 30
    assert res.power.inputs["dilution"] == pytest.approx(res.dilution)
    assert res.overdispersion == pytest.approx(max(1.0, res.its.dispersion))
    # a 20 % district drop is 2.7 % at kommun level: far below the kommun-level MDE
    assert res.detect.effect_rate_ratio_measured == pytest.approx(1 - 0.2 * res.dilution)
    assert res.power.mde_pct_measured > 100 * 0.2 * res.dilution


def test_conclusion_on_real_data(res) -> None:
    """The verdict derived from its ingredients by conclude()'s documented rules (not the
    code's own earlier output): which estimators are significant at 5 %, and the power for a
    20 % district drop recomputed with research.stats.power from the inputs
    test_power_inputs_from_panel
    checks against the panel."""
    c = res.conclusion
    ps = {
        "synth": res.synth.p_value,
        "did": res.did.p_value,
        "its": res.its.level_p,
        "cits": res.its_controlled.level_p,
    }
    significant = tuple(k for k, p in ps.items() if p <= 0.05)
    assert tuple(c.significant) == significant
    power = power_at(
        0.8, res.baseline_count, years_pre=6, years_post=2, n_control=len(res.pool.codes),
        control_count=res.control_count, overdispersion=res.overdispersion,
        dilution=res.dilution,
    )  # fmt: skip
    assert res.detect.power == pytest.approx(power, rel=1e-12)
    assert c.underpowered == (power < 0.8)
    if not significant:
        assert c.verdict == ("cannot_tell" if power < 0.8 else "no_effect_detected")
    assert significant == () and power < 0.8  # what the 2015-2022 data show
    assert conclusion_paragraphs(c, "en")[0].startswith("The data cannot tell")
    assert conclusion_paragraphs(c, "sv")[0].startswith("Datan kan inte avgöra")


# ------------------------------------------------------------------------------ conclude()

BREAKS = (
    (2019, "2019: relationskodning", "2019: relation coding"),
    (2020, "2020: registrering", "2020: registration change"),
)


def _ev(*ests: Estimate, power: float = 0.9, mde: float = 15.0, **kw) -> Evidence:
    return Evidence(
        estimates=ests,
        power_plausible=power,
        mde_pct_district=mde,
        dilution=0.134,
        breaks=BREAKS,
        treatment_year=2021,
        **kw,
    )


def test_significant_drop_with_power() -> None:
    c = conclude(
        _ev(
            Estimate("synth", 0.80, math.nan, math.nan, 0.02),
            Estimate("did", 0.82, 0.7, 0.95, 0.01),
            Estimate("its", 0.85, 0.7, 1.02, 0.09, False),
        )
    )
    assert c.verdict == "decrease" and not c.underpowered
    assert c.significant == ("synth", "did")
    assert "20.0%" in conclusion_paragraphs(c, "en")[0]  # the first significant estimate, 1 - 0.80
    assert "does not show that violence fell" in conclusion_paragraphs(c, "en")[0]
    assert not any("Gelman" in x for x in conclusion_paragraphs(c, "en"))


def test_non_significant_with_power() -> None:
    c = conclude(
        _ev(Estimate("synth", 0.97, math.nan, math.nan, 0.6), Estimate("did", 0.95, 0.8, 1.1, 0.4))
    )
    assert c.verdict == "no_effect_detected"
    assert (
        "None of the 2 methods" in conclusion_paragraphs(c, "en")[0]
        and "15.0%" in conclusion_paragraphs(c, "en")[0]
    )
    assert "effect of the pilot" not in conclusion_paragraphs(c, "en")[0]


def test_underpowered() -> None:
    c = conclude(
        _ev(
            Estimate("synth", 0.97, math.nan, math.nan, 0.6),
            Estimate("did", 0.95, 0.8, 1.1, 0.4),
            power=0.05,
            mde=math.nan,
        )
    )
    assert c.verdict == "cannot_tell" and c.underpowered
    assert conclusion_paragraphs(c, "en")[0].startswith("The data cannot tell")
    assert "Not even the disappearance" in conclusion_paragraphs(c, "en")[0]
    assert conclusion_paragraphs(c, "sv")[0].startswith("Datan kan inte avgöra")


def test_rising_reports() -> None:
    c = conclude(
        _ev(
            Estimate("synth", 1.30, math.nan, math.nan, 0.03), Estimate("did", 1.25, 1.1, 1.4, 0.01)
        )
    )
    assert c.verdict == "increase"
    assert "more cases are reported when the outreach works" in conclusion_paragraphs(c, "en")[0]
    assert any("direction is ambiguous" in x for x in conclusion_paragraphs(c, "en"))
    assert any("riktningen är tvetydig" in x for x in conclusion_paragraphs(c, "sv"))


def test_one_estimator_or_model_based_is_only_suggestive() -> None:
    one = conclude(
        _ev(Estimate("synth", 0.8, math.nan, math.nan, 0.5), Estimate("did", 0.8, 0.7, 0.9, 0.01))
    )
    assert one.verdict == "suggestive_decrease"
    assert "not enough to claim" in conclusion_paragraphs(one, "en")[0]
    model = conclude(
        _ev(
            Estimate("its", 0.8, 0.7, 0.9, 0.01, False),
            Estimate("cits", 0.8, 0.7, 0.9, 0.01, False),
        )
    )
    assert model.verdict == "suggestive_decrease"


def test_conflicting_and_exaggeration() -> None:
    c = conclude(
        _ev(
            Estimate("synth", 0.8, math.nan, math.nan, 0.01),
            Estimate("did", 1.3, 1.1, 1.5, 0.01),
            power=0.1,
            mde=math.nan,
        )
    )
    assert c.verdict == "conflicting"
    assert any("Gelman & Carlin" in x for x in conclusion_paragraphs(c, "en"))


def test_dilution_breaks_pretrend_short_post_are_stated() -> None:
    c = conclude(_ev(Estimate("did", 0.95, 0.8, 1.1, 0.4), pretrend_p=0.01, n_post_years=2))
    text = " ".join(conclusion_paragraphs(c, "en"))
    assert "13%" in text and "2.7%" in text  # 0.134 share; 20 % x 0.134
    assert "2020 break lies right before the pilot start" in text
    assert "rejects parallel trends" in text
    assert "only 2 years" in text
    sv = " ".join(conclusion_paragraphs(c, "sv"))
    assert "13\u00a0%" in sv and "2,7\u00a0%" in sv and "Tidsseriebrottet 2020" in sv
    # no dilution, no breaks, long post period: none of those sentences
    plain = conclude(
        Evidence(
            estimates=(Estimate("did", 0.95, 0.8, 1.1, 0.4),),
            power_plausible=0.9,
            mde_pct_district=10.0,
            n_post_years=5,
        )
    )
    assert not any(
        ("dilute" in x or "break" in x or "short" in x) for x in conclusion_paragraphs(plain, "en")
    )


def test_conclude_rejects_bad_input() -> None:
    with pytest.raises(ArgumentError):
        conclude(Evidence(estimates=()))
    with pytest.raises(ArgumentError, match="p-value"):
        conclude(Evidence(estimates=(Estimate("did", 0.9, 0.8, 1.0, 0.0),)))


@settings(max_examples=60, deadline=None)
@given(
    rrs=st.lists(st.floats(0.3, 3.0), min_size=1, max_size=4),
    ps=st.lists(st.floats(0.051, 1.0), min_size=4, max_size=4),
    power=st.floats(0.0, 1.0),
)
def test_no_effect_claimed_without_significance(rrs, ps, power) -> None:
    keys = ("synth", "did", "its", "cits")
    ests = tuple(
        Estimate(k, rr, math.nan, math.nan, p) for k, rr, p in zip(keys, rrs, ps, strict=False)
    )
    c = conclude(Evidence(estimates=ests, power_plausible=power, mde_pct_district=30.0))
    assert c.verdict in ("cannot_tell", "no_effect_detected")
    assert c.verdict == ("cannot_tell" if power < 0.8 else "no_effect_detected")
    assert len(conclusion_paragraphs(c, "sv")) == len(conclusion_paragraphs(c, "en"))


# ------------------------------------------------------------------ synthetic DiD in the report


def test_sdid_wired_on_the_synthetic_control_pool_and_window(res, panel: pl.DataFrame) -> None:
    """SDID runs on the pool and years of the synthetic control; its DiD twin, its estimate
    from the reported weights and its rate ratio are recomputed here from the panel."""
    sd = res.sdid
    fit = sd.fit
    assert fit.se_method == "placebo" and fit.replicates.size == 200 and fit.se > 0
    assert fit.n_control == len(res.pool.codes) and fit.n_pre == 6 and fit.n_post == 2
    rates = _rates(panel, ["0180", *res.pool.codes], 2015, 2022).select(
        "area_code", "year", "value"
    )
    tr = rates.filter(pl.col("area_code") == "0180")
    co = rates.filter(pl.col("area_code") != "0180")

    def mean(frame: pl.DataFrame, post: bool) -> float:
        sel = pl.col("year") >= 2021 if post else pl.col("year") < 2021
        return float(frame.filter(sel)["value"].mean())

    did = mean(tr, True) - mean(tr, False) - (mean(co, True) - mean(co, False))
    assert fit.did_estimate == pytest.approx(did, abs=1e-9)
    # tau = (treated post - lambda-weighted treated pre) - sum_i omega_i (same for unit i)
    lam = dict(fit.time_weights.rows())
    omega = dict(fit.unit_weights.rows())

    def contrast(frame: pl.DataFrame) -> float:
        pre = sum(
            lam[y] * v
            for y, v in frame.filter(pl.col("year") < 2021).select("year", "value").rows()
        )
        return mean(frame, True) - pre

    tau = contrast(tr) - sum(
        w * contrast(co.filter(pl.col("area_code") == u)) for u, w in omega.items()
    )
    assert sd.att == pytest.approx(tau, abs=1e-9)
    assert sd.treated_post == pytest.approx(mean(tr, True), abs=1e-12)
    cf = mean(tr, True) - tau
    assert sd.rate_ratio == pytest.approx(mean(tr, True) / cf, rel=1e-12)
    assert (sd.rr_lower, sd.rr_upper) == pytest.approx((1 + fit.ci[0] / cf, 1 + fit.ci[1] / cf))
    keys = [e.key for e in res.evidence.estimates]
    assert keys == ["synth", "sdid", "did", "its", "cits"]
    assert res.evidence.estimates[1].design_based


def test_agreement_sentence_counts_directions() -> None:
    from research.views.pilot_effect.sdid import agreement_sentence

    def ev(*rrs: float) -> Evidence:
        keys = ["synth", "sdid", "did", "its", "cits"]
        return Evidence(
            estimates=tuple(
                Estimate(k, r, 0.5, 2, 0.5) for k, r in zip(keys[: len(rrs)], rrs, strict=True)
            )
        )

    assert agreement_sentence(ev(0.9, 0.8, 0.95), "en") == (
        "All 3 methods estimate a lower reported level than the comparison (synthetic "
        "control, synthetic difference-in-differences, difference-in-differences)."
    )
    assert agreement_sentence(ev(1.1, 1.2), "sv").startswith("Båda metoderna skattar en högre")
    mixed = agreement_sentence(ev(0.9, 1.2, 1.0, 0.7), "en")
    # the estimate of exactly no change counts in neither direction
    assert "2 of 4 estimate a lower" in mixed and ", 1 a higher one (synthetic diff" in mixed
    assert agreement_sentence(ev(1.0, 1.0), "en") == ""


def test_conclusion_states_the_agreement(res) -> None:
    ests = res.evidence.estimates
    n_down = sum(e.rate_ratio < 1 for e in ests)
    n_up = sum(e.rate_ratio > 1 for e in ests)
    head = conclusion_paragraphs(res.conclusion, "en")[0]
    assert f"{n_down} of {len(ests)} estimate a lower" in head
    assert f", {n_up} a higher one" in head
    # the synthetic control's placebo test keeps 12 kommuner (the MSPE rule): its p cannot
    # fall below 1/12 > 0.05, so it is not counted, and the headline says so
    assert res.synth.placebo.n_included == 12
    assert res.evidence.cannot_reach == (("synth", pytest.approx(1 / 12)),)
    assert [e.key for e in res.evidence.testable] == [e.key for e in ests if e.key != "synth"]
    assert f"None of the {len(ests) - 1} methods counted" in head
    assert conclusion_paragraphs(res.conclusion, "en")[1].startswith(
        "Synthetic control cannot give a p-value of 0.05 or lower here: with so few placebo or "
        "permutation comparisons the smallest possible is 0.083. It is not counted"
    )


def test_a_test_that_cannot_reach_the_level_is_not_counted() -> None:
    """p_min > alpha: not significant whatever its p (a permutation over 6 units: 1/6)."""
    from research.analyses.effect import Estimate, Evidence, conclude

    few = Estimate("did", 0.5, 0.3, 0.8, 1 / 6, True, p_min=1 / 6)
    model = Estimate("its", 0.6, 0.4, 0.9, 0.01, False)
    alone = conclude(Evidence(estimates=(few,), alpha=0.2))  # 1/6 <= 0.2: counted
    assert alone.significant == ("did",) and alone.evidence.cannot_reach == ()
    c = conclude(Evidence(estimates=(few, model), power_plausible=0.9, mde_pct_district=10.0))
    assert c.significant == ("its",) and c.verdict == "suggestive_decrease"
    assert c.evidence.cannot_reach == (("did", 1 / 6),)
    none = conclude(Evidence(estimates=(few,), power_plausible=0.9, mde_pct_district=10.0))
    assert none.verdict == "cannot_tell" and none.significant == ()  # nothing could be tested
    with pytest.raises(ArgumentError, match="p_min"):
        conclude(Evidence(estimates=(Estimate("did", 0.5, 0.3, 0.8, 0.1, True, p_min=0.2),)))


# ------------------------------------------------------------------ staggered expansion scenario


def test_parse_expansion() -> None:
    from research.analyses.effect import parse_expansion

    assert parse_expansion(" 0126:2024 ,Botkyrka:2025,") == [("0126", 2024), ("Botkyrka", 2025)]
    # a kommun named twice (also as code and name) is check_expansion's, on resolved codes
    for bad in ("0126", "0126:24", ":2024"):
        with pytest.raises(ArgumentError, match="expansion"):
            parse_expansion(bad)
    with pytest.raises(ArgumentError, match="expansion: entry '0126-2024'"):
        pilot_effect_analysis(load_panel(), expansion="0126-2024")


def _staggered_wide(effects: dict[str, tuple[int, float]], comparison: list[str]) -> pl.DataFrame:
    """Rates = unit level + year effect + planted effect from the joining year on."""
    rng = np.random.default_rng(5)
    years = list(range(2015, 2023))
    year_fx = dict(zip(years, rng.normal(0, 3, len(years)), strict=True))
    rows = []
    for code in [*effects, *comparison]:
        level = rng.uniform(20, 60)
        g, delta = effects.get(code, (0, 0.0))
        for y in years:
            rate = level + year_fx[y] + (delta * (1 + 0.5 * (y - g)) if g and y >= g else 0.0)
            rows.append({"area_code": code, "area_name": code, "year": y, "rate": rate})
    return pl.DataFrame(rows)


def test_expansion_recovers_planted_effects_exactly() -> None:
    """Without noise, each post cell's ATT(g, t) is the planted effect of cohort g in year t
    (closed form), the group aggregate their mean and the simple one their cohort-size
    weighted mean; the kommun joining after the data is left out entirely."""
    from research.analyses.effect import Pool, _run_expansion
    from research.geo.registry import load_areas

    comparison = ["0114", "0115", "0117", "0120", "0123", "0125"]
    effects = {"0180": (2019, -4.0), "0126": (2021, 2.0), "0128": (2021, 1.0)}
    wide = _staggered_wide(effects, [*comparison, "0127"])
    pool = Pool(
        spec="kommuner", kind="kommuner", arg=None, candidates=[], dropped=pl.DataFrame(),
        codes=["0126", "0127", "0128", *comparison], names={},
    )  # fmt: skip
    ex = _run_expansion(
        "0126:2021,0128:2021,0127:2024", wide, load_areas().resolve("0180"), pool, 2019,
        list(range(2015, 2023)), 0.95,
    )  # fmt: skip
    assert ex is not None
    assert [(c.code, c.year, c.status) for c in ex.cohorts] == [
        ("0180", 2019, "pilot"), ("0126", 2021, "estimated"), ("0128", 2021, "estimated"),
        ("0127", 2024, "awaiting_data"),
    ]  # fmt: skip
    assert ex.n_comparison == 6 and ex.fit.n_units == 9  # 0127 neither treated nor control
    cells = {
        2019: [-4.0 * (1 + 0.5 * (y - 2019)) for y in range(2019, 2023)],
        2021: [1.5 * (1 + 0.5 * (y - 2021)) for y in range(2021, 2023)],  # mean of 2.0 and 1.0
    }
    post = ex.fit.table.filter(pl.col("post")).sort("group", "time")
    np.testing.assert_allclose(post["estimate"].to_numpy(), cells[2019] + cells[2021], atol=1e-9)
    pre = ex.fit.table.filter(~pl.col("post"))
    np.testing.assert_allclose(pre["estimate"].to_numpy(), 0.0, atol=1e-9)
    groups = dict(ex.by_group.table.select("group", "estimate").rows())
    assert groups[2019] == pytest.approx(np.mean(cells[2019]), abs=1e-9)
    assert groups[2021] == pytest.approx(np.mean(cells[2021]), abs=1e-9)
    # simple: post cells weighted by cohort size (the pilot alone in 2019, 2 kommuner in 2021)
    w = [1] * 4 + [2] * 2
    simple = np.dot(w, cells[2019] + cells[2021]) / sum(w)
    assert ex.simple.estimate == pytest.approx(simple, abs=1e-9)
    # noise-free cells: the fit says its standard errors are rounding (returned, not issued),
    # and the report's warnings section gets it under the scenario's name
    assert "exact-fit-inference" in {w.code for w in ex.warnings}


def test_expansion_errors() -> None:
    from research.analyses.effect import Pool, _run_expansion
    from research.core.errors import DataError
    from research.geo.registry import load_areas

    comparison = ["0114", "0115"]
    wide = _staggered_wide({"0180": (2021, -4.0), "0126": (2019, 2.0)}, comparison)
    pool = Pool("kommuner", "kommuner", None, [], ["0126", *comparison], pl.DataFrame(), {})
    run = lambda spec: _run_expansion(  # noqa: E731
        spec, wide, load_areas().resolve("0180"), pool, 2021, list(range(2015, 2023)), 0.95
    )
    assert run("") is None
    with pytest.raises(ArgumentError, match="is the pilot kommun"):
        run("Stockholm:2023")
    with pytest.raises(ArgumentError, match="not after the first year of the window 2015"):
        run("0126:2015")
    with pytest.raises(ArgumentError, match="kommun data only"):
        run("0180-SOD:2023")
    with pytest.raises(DataError, match="lacks the outcome"):
        run("0127:2022")  # Botkyrka is not in this panel
    with pytest.raises(DataError, match="1 comparison kommun"):
        run("0126:2021,0114:2022")


@pytest.mark.parametrize(
    ("spec", "match", "sv"),
    [
        ("xyz", "entry 'xyz' is not KOMMUN:YEAR", "'xyz' är inte KOMMUN:ÅR"),
        ("0126:2024,Huddinge:2025", "Huddinge (0126) is listed twice", "står två gånger"),
        ("Stockholm:2024", "Stockholm (0180) is the pilot kommun", "är pilotkommunen"),
        ("01:2024", "Stockholms län (01) is a län", "är inte en kommun"),
        # N07402's window starts after its 2015 series break, not at start_year 2008
        ("0126:2010", "joins in 2010, not after the first year of the window 2015", "2015"),
        # an expansion joins after the pilot (IGOR: 2021), not before it
        ("0126:2019", "joins in 2019, before the pilot's start in 2021", "före pilotens start"),
    ],
)
def test_expansion_is_refused_before_a_kernel_starts(spec: str, match: str, sv: str) -> None:
    """`pilotbench report pilot_effect -p expansion=...` checks the schedule in the runner."""
    from research.runner.params import validate

    with pytest.raises(ArgumentError, match=re.escape(match)) as err:
        validate("pilot_effect", {"expansion": spec})
    assert sv in err.value.message("sv")
    assert validate("pilot_effect", {"expansion": "0126:2022"}) == {"expansion": "0126:2022"}


def test_expansion_section_in_both_languages(res) -> None:
    import dataclasses

    from research.analyses.effect import _run_expansion
    from research.views.pilot_effect.sections import PilotEffect

    ex = _run_expansion(
        "0126:2022,0127:2024", res.data, res.pilot, res.pool, 2021, list(range(2015, 2023)), 0.95
    )
    assert ex is not None
    rep = PilotEffect(dataclasses.replace(res, expansion=ex), "en", load_catalog())
    text = str(rep.expansion_section())
    assert "Scenario: staggered expansion (0126:2022,0127:2024)" in text
    assert "awaiting data after 2022" in text and "Botkyrka (2024)" in text
    assert "Intervals are not shown for cohorts of a single kommun" in text
    groups = dict(ex.by_group.table.select("group", "estimate").rows())
    assert format_number(groups[2022], 2, "en") in text
    sv = str(
        PilotEffect(
            dataclasses.replace(res, expansion=ex), "sv", load_catalog()
        ).expansion_section()
    )
    assert "väntar på data efter 2022" in sv
    assert str(PilotEffect(res, "sv", load_catalog()).expansion_section()) == ""


def test_expansion_warnings_reach_the_warnings_section(res) -> None:
    """The scenario's own warnings (returned by the fit, not issued) are worded in the report."""
    import dataclasses

    from research.analyses.effect import _run_expansion
    from research.stats.staggered import TreatedFirstPeriodWarning
    from research.views.pilot_effect.sections import PilotEffect

    ex = _run_expansion(
        "0126:2022,0127:2024", res.data, res.pilot, res.pool, 2021, list(range(2015, 2023)), 0.95
    )
    # each cohort is one kommun: R did's small-groups warning (fewer than 5 units)
    assert ex is not None and [w.code for w in ex.warnings] == ["small-groups"]
    assert ex.warnings[0].values == {"groups": [2021, 2022], "min_units": 5}
    warned = TreatedFirstPeriodWarning("cohort: dropped 1 unit(s)", n_units=1)
    ex = dataclasses.replace(ex, fit=dataclasses.replace(ex.fit, warnings=[warned]))
    with_ex = dataclasses.replace(res, expansion=ex)
    assert ("staggered", warned) in with_ex.estimator_warnings()
    for lang, label in (
        ("en", "expansion scenario (group-time ATTs"),
        ("sv", "utvidgningsscenariot (gruppvisa ATT"),
    ):
        text = str(PilotEffect(with_ex, lang, load_catalog()).warnings_section())
        assert label in text, lang


def test_its_power_is_computed_for_the_fitted_model(res) -> None:
    """The ITS section's MDE uses the terms its fit has: a slope change and the level shifts
    at the 2015, 2019 and 2020 breaks (years from the 2021 start); it said 24.8 % with a
    model of trend and level change only."""
    inputs = res.power_its.inputs
    assert inputs["its_slope_change"] is True and inputs["its_level_shifts"] == [-6, -2, -1]
    assert 100 * (1 - res.power_its.mde_rate_ratio_measured) > 35


def test_its_power_without_fitted_terms_says_so(res) -> None:
    """When the ITS MDE's model lacks some of the fitted terms (shifts outside the power
    model's year grid), the power section's notes say how many, in both languages."""
    import dataclasses

    from research.stats.power import PowerNote
    from research.views.pilot_effect.sections import PilotEffect

    assert not [n for n in res.power_its.notes if n.code == "its_terms_left_out"]
    note = PowerNote("its_terms_left_out", {"n_terms": 2.0})
    its = dataclasses.replace(res.power_its, notes=[*res.power_its.notes, note])
    lacking = dataclasses.replace(res, power_its=its)
    for lang, words in (
        ("sv", "räknas utan 2 av de termer som modellen skattar"),
        ("en", "is computed without 2 of the terms its model fits"),
    ):
        text = " ".join(str(PilotEffect(lacking, lang, load_catalog()).power_section()).split())
        assert words in text.replace("\u00a0", " "), lang
        plain = " ".join(str(PilotEffect(res, lang, load_catalog()).power_section()).split())
        assert words not in plain.replace("\u00a0", " ")


def test_nothing_countable_is_not_called_thin_data() -> None:
    """Every test unable to reach the level while the power is fine: the verdict blames the
    few comparisons, not the data's size; one countable significant method is 'the only
    method counted', not '1 of 1 ... the others do not'."""
    from research.analyses.effect import Estimate, Evidence, conclude
    from research.views.pilot_effect.conclusion import verdict_sentence

    synth = Estimate("synth", 0.7, math.nan, math.nan, 1 / 12, True, p_min=1 / 12)
    did = Estimate("did", 0.6, 0.3, 0.9, 1 / 6, True, p_min=1 / 6)
    good = dict(power_plausible=0.95, mde_pct_district=10.0)
    c = conclude(Evidence(estimates=(synth, did), **good))
    text = verdict_sentence(c, "en")
    assert c.verdict == "cannot_tell" and "too thin" not in text
    assert text.startswith("The data cannot tell whether the pilot worked: none of the methods")
    its = Estimate("its", 0.6, 0.4, 0.9, 0.01, False)
    one = conclude(Evidence(estimates=(synth, its), **good))
    assert one.verdict == "suggestive_decrease"
    text = verdict_sentence(one, "sv")
    assert text.startswith("Den enda metod som räknas (avbruten tidsserie) visar")
    assert "1 av 1" not in text


def test_did_p_min_counts_only_finite_assignments() -> None:
    """diff_in_diff's permutation p is over the assignments with a finite estimate: 21 with 2
    infinite ones cannot give less than 1/19 > 0.05, so the DiD is not counted."""
    from types import SimpleNamespace

    from research.analyses.effect import _estimates

    placebos = np.r_[np.linspace(-1, 1, 19), np.inf, -np.inf]
    did = SimpleNamespace(rate_ratio=0.8, rr_lower=0.5, rr_upper=1.2, p_value=0.5,
                          method="permutation", placebo_estimates=placebos)  # fmt: skip
    synth = SimpleNamespace(rate_ratio=0.9, p_value=0.5, placebo=None)
    sdid = SimpleNamespace(p_value=math.nan, rate_ratio=math.nan, rr_lower=math.nan,
                           rr_upper=math.nan)  # fmt: skip
    its = SimpleNamespace(level_change=0.9, level_lower=0.7, level_upper=1.1, level_p=0.4)
    kept, _ = _estimates(synth, sdid, did, its, None)
    (d,) = [e for e in kept if e.key == "did"]
    assert d.p_min == pytest.approx(1 / 19)


def test_an_end_year_after_the_pilot_s_figures_is_refused() -> None:
    """An import of 2023 for other kommuner let ``end_year=2023`` pass for Stockholm, whose
    figures end in 2022: the report was headed "to 2023" and identical to the 2022 one."""
    from research.views.pilot_effect.checks import _problem

    d = load_panel().filter(
        (pl.col("indicator") == "N07402") & (pl.col("area_code") == "0180")
        & (pl.col("sex") == "T") & pl.col("count_est").is_not_null()
    )  # fmt: skip
    counts = {int(y): int(c) for y, c in d.select("year", "count_est").rows()}
    ind = load_catalog().get("N07402")
    window = {"treated": 2021, "start_year": 2008, "end_year": 2023}
    assert _problem(ind, counts, window) == (
        "check_effect_end_after_data",
        {"last": 2022, "end_year": 2023},
    )
    assert _problem(ind, counts, {**window, "end_year": 2022}) is None
