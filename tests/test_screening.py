"""Tests of research.analyses.screening: components recomputed independently from the raw panel."""

from __future__ import annotations

import doctest
import math

import numpy as np
import polars as pl
import pytest
from scipy import optimize, stats

import research.analyses.screening as scr_mod
from research.analyses.screening import screen_candidates
from research.analyses.similarity import similar_areas
from research.core.errors import ArgumentError
from research.data.panel import load_panel

from .exact_power import assert_first_crossing

YEARS = (2020, 2022)


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return load_panel()


@pytest.fixture(scope="module")
def table(panel) -> pl.DataFrame:
    """All 290 kommuner ranked, the pilot included (the components' definitions)."""
    return screen_candidates(panel, exclude_pilot=False)


def _pooled(panel, code):
    sub = panel.filter(
        (pl.col("area_code") == code) & (pl.col("indicator") == "N07402")
        & (pl.col("sex") == "T") & pl.col("year").is_between(*YEARS)
    )  # fmt: skip
    assert sub.height == 3
    return float(sub["count_est"].sum()), float(sub["population"].sum())


def test_shape_and_ranking(table):
    assert table.height == 290
    assert table["rank"].to_list() == list(range(1, 291))
    assert table["area_code"].n_unique() == 290
    s = table["score"].to_numpy()
    assert np.all(np.diff(s) <= 1e-15)  # ranking monotone in the weighted score
    recomputed = (table["need_score"] + table["similarity_score"] + table["detect_score"]) / 3
    np.testing.assert_allclose(recomputed.to_numpy(), s, rtol=1e-12)
    assert table.filter(pl.col("is_pilot"))["area_code"].to_list() == ["0180"]
    assert table.weights == pytest.approx({"need": 1 / 3, "similarity": 1 / 3,
                                           "detectability": 1 / 3})  # fmt: skip
    assert [n.code for n in table.notes] == [
        "estimated_counts", "need", "similarity", "detectability", "reported_crime",
    ]  # fmt: skip


def test_notes_are_codes_worded_by_the_view(table):
    """The methods notes are codes; the view's catalogue words them (English as it read when
    the analysis wrote the sentences itself, Swedish new)."""
    from research.views.candidate_screening.texts import note_texts

    en = note_texts(table.notes, "en")
    assert en[0] == (
        "Counts are estimates (published rate × population / 100,000), pooled over "
        "2020-2022; columns ending in _est rest on them."
    )
    assert en[1] == (
        "Need: rate ratio against riket with the exact conditional interval; score = "
        "percentile rank of the ratio."
    )
    assert en[2] == (
        "Similarity to Stockholm (0180): distance on standardized N07402, N07403, N07540, "
        "N07549, N01951 (z, euclidean; population on the log scale); score = 1 - percentile "
        "rank of the distance."
    )
    assert en[3] == (
        "Detectability: MDE (rate ratio) of a 3+3-year comparison against the rest of the "
        "country, two-sided 0.05 test, power 0.8, over-dispersion 1; score = the MDE rate "
        "ratio (0 if undetectable)."
    )
    assert en[4].startswith("Reported crime measures police registration")
    sv = note_texts(table.notes, "sv")
    assert sv[1].startswith("Behov: kvot mot riket")
    assert "tvåsidigt test på nivån 0,05, styrka 0,8, överspridning 1;" in sv[3]
    assert len(sv) == 5 and not set(sv) & set(en)


@pytest.mark.parametrize("code", ["0126", "0180", "0127"])
def test_need_component_by_hand(panel, table, code):
    """Rate ratio against riket from the raw estimated counts; exact interval as a
    Clopper-Pearson interval for p = x / (x + X_riket), mapped by p/(1-p) * E_riket / e."""
    x, e = _pooled(panel, code)
    X, E = _pooled(panel, "00")
    row = table.filter(pl.col("area_code") == code).row(0, named=True)
    assert row["count_est_total"] == x
    assert row["rate_est"] == pytest.approx(1e5 * x / e, rel=1e-12)
    assert row["need_rate_ratio_est"] == pytest.approx((x / e) / (X / E), rel=1e-12)
    n = x + X
    pl_ = stats.beta.ppf(0.025, x, n - x + 1)
    pu = stats.beta.ppf(0.975, x + 1, n - x)
    assert row["need_lower_est"] == pytest.approx(pl_ / (1 - pl_) * E / e, rel=1e-7)
    assert row["need_upper_est"] == pytest.approx(pu / (1 - pu) * E / e, rel=1e-7)
    ratios = table["need_rate_ratio_est"].to_numpy()
    ranks = stats.rankdata(ratios)
    i = table["area_code"].to_list().index(code)
    assert row["need_score"] == pytest.approx((ranks[i] - 1) / (len(ratios) - 1), rel=1e-12)


@pytest.mark.parametrize("code", ["0126", "0180", "0127"])
def test_detectability_component_by_hand(panel, table, code):
    """Baseline b = pooled count / 3 a year, 3 + 3 years, the rest of the country as an
    unlimited comparison group (its post share 1/2 known). Up to 600 expected events over
    both periods (Huddinge, Botkyrka: 6b = 74, 82) the exact conditional test of the post
    share, by brute force over the treated total (tests/exact_power.py: scipy's binomial
    pmfs and binomtest's two-sided rule); the MDE is the first effect reaching 80 %. Above
    (Stockholm, 6b = 900) the two-sided score test of the share (Fleiss, Levin & Paik 2003,
    ch. 4) with the pool known: N_T = 3b(1 + RR) events with post share p_T = RR / (1 + RR)
    against 1/2, SE0 = sqrt(1/4 / N_T), SE1 = sqrt(p_T (1 - p_T) / N_T); brentq here."""
    x, _ = _pooled(panel, code)
    b = x / 3
    row = table.filter(pl.col("area_code") == code).row(0, named=True)
    assert row["detect_baseline_per_year_est"] == pytest.approx(b)
    rr = row["detect_mde_rate_ratio"]
    if 6 * b <= 600:
        assert code in ("0126", "0127")
        assert_first_crossing(b, rr, 3, 3)
    else:
        assert code == "0180"
        z = stats.norm.ppf(0.975)

        def power(r):
            n_t, p_t = 3 * b * (1 + r), r / (1 + r)
            se0, se1 = math.sqrt(0.25 / n_t), math.sqrt(p_t * (1 - p_t) / n_t)
            d = abs(p_t - 0.5)
            return stats.norm.cdf((d - z * se0) / se1) + stats.norm.cdf((-d - z * se0) / se1)

        assert rr == pytest.approx(optimize.brentq(lambda r: power(r) - 0.8, 1e-6, 0.999), rel=1e-7)
    assert row["detect_score"] == pytest.approx(rr, rel=1e-12)
    assert row["detect_mde_pct"] == pytest.approx(100 * (1 - rr), rel=1e-9)


def test_similarity_component(panel, table):
    sim = similar_areas(panel, "0180", indicators=["N07402", "N07403", "N07540", "N07549"],
                        covariates=["N01951"], year=YEARS, k=None)  # fmt: skip
    d = dict(zip(sim["area_code"], sim["distance"], strict=True))
    got = dict(zip(table["area_code"], table["similarity_distance"], strict=True))
    for c in ("0126", "0127", "1480"):
        assert got[c] == pytest.approx(d[c], rel=1e-12)
    assert got["0180"] == 0.0
    dist = table["similarity_distance"].to_numpy()
    ranks = stats.rankdata(dist)
    np.testing.assert_allclose(table["similarity_score"].to_numpy(), 1 - (ranks - 1) / 289)


def test_pilot_is_not_a_candidate_by_default(panel, table):
    """Default: the pilot keeps its raw values but gets no rank and no scores, and the
    percentile ranks are recomputed by hand over the 289 other kommuner."""
    tab = screen_candidates(panel)
    assert tab.height == 290
    assert tab["rank"].to_list()[:289] == list(range(1, 290))
    last = tab.row(289, named=True)
    assert last["area_code"] == "0180" and last["is_pilot"]
    assert last["rank"] is None and last["score"] is None
    assert last["need_score"] is None and last["similarity_score"] is None
    assert last["detect_score"] is None
    full = table.filter(pl.col("area_code") == "0180").row(0, named=True)
    for col in ("need_rate_ratio_est", "need_lower_est", "detect_mde_pct", "count_est_total"):
        assert last[col] == full[col]  # raw values kept for reference
    cand = tab.filter(~pl.col("is_pilot"))
    ratio_rank = stats.rankdata(cand["need_rate_ratio_est"].to_numpy())
    np.testing.assert_allclose(cand["need_score"].to_numpy(), (ratio_rank - 1) / 288, rtol=1e-12)
    dist_rank = stats.rankdata(cand["similarity_distance"].to_numpy())
    np.testing.assert_allclose(cand["similarity_score"].to_numpy(), 1 - (dist_rank - 1) / 288)
    assert cand["similarity_score"].max() == 1.0  # the nearest candidate, not the pilot
    total = (cand["need_score"] + cand["similarity_score"] + cand["detect_score"]) / 3
    np.testing.assert_allclose(cand["score"].to_numpy(), total.to_numpy(), rtol=1e-12)
    assert np.all(np.diff(cand["score"].to_numpy()) <= 1e-15)
    assert "0180" not in tab.head(10)["area_code"].to_list()
    assert tab.settings["exclude_pilot"] is True
    with pytest.raises(ArgumentError, match="exclude_pilot"):
        screen_candidates(panel, exclude_pilot="yes")


def test_weights_respected(panel):
    only_need = screen_candidates(panel, weights={"need": 1.0})
    np.testing.assert_allclose(only_need["score"].to_numpy(), only_need["need_score"].to_numpy())
    assert only_need.weights == {"need": 1.0, "similarity": 0.0, "detectability": 0.0}
    mixed = screen_candidates(panel, weights={"need": 2, "detectability": 1, "similarity": 1})
    s = 0.5 * mixed["need_score"] + 0.25 * mixed["detect_score"] + 0.25 * mixed["similarity_score"]
    np.testing.assert_allclose(mixed["score"].to_numpy(), s.to_numpy(), rtol=1e-12)
    with pytest.raises(ArgumentError):
        screen_candidates(panel, weights={"cost": 1.0})
    with pytest.raises(ArgumentError):
        screen_candidates(panel, weights={"need": -1.0})
    with pytest.raises(ArgumentError):
        screen_candidates(panel, years=(2022, 2020))


def test_reference_rest_of_country(panel):
    tab = screen_candidates(panel, reference="rest")
    x, e = _pooled(panel, "0180")
    X, E = _pooled(panel, "00")
    row = tab.filter(pl.col("area_code") == "0180").row(0, named=True)
    assert row["need_rate_ratio_est"] == pytest.approx((x / e) / ((X - x) / (E - e)), rel=1e-12)


def test_docstring_examples_run():
    res = doctest.testmod(scr_mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0 and res.failed == 0


def test_gaps_are_typed_warnings_with_their_values(panel):
    """A kommun lacking a year of the indicator and a similarity variable: an
    IncompleteYearsWarning naming it, the similarity caveat kept as its own class (not a
    'Similarity: ...' string), and the distance it lacks."""
    from research.core.errors import PilotbenchWarning
    from research.core.warnings import (
        AreasDroppedWarning,
        IncompleteYearsWarning,
        NoSimilarityDistanceWarning,
        warning_text,
    )

    gap = panel.filter(
        ~((pl.col("area_code") == "0114") & (pl.col("indicator") == "N07402")
          & (pl.col("year") == 2021))
        & ~((pl.col("area_code") == "0114") & (pl.col("indicator") == "N07403"))
    )  # fmt: skip
    tab = screen_candidates(gap)
    assert all(isinstance(w, PilotbenchWarning) for w in tab.warnings)
    assert [type(w) for w in tab.warnings] == [
        IncompleteYearsWarning, AreasDroppedWarning, NoSimilarityDistanceWarning,
    ]  # fmt: skip
    incomplete, dropped, no_distance = tab.warnings
    assert incomplete.values == {
        "n_areas": 1, "indicator": "N07402", "first": 2020, "last": 2022, "areas": ["0114"],
    }  # fmt: skip
    assert dropped.values["areas"] == ["Upplands Väsby (0114)"]
    assert no_distance.values == {"n_areas": 1, "areas": ["Upplands Väsby (0114)"]}
    row = tab.filter(pl.col("area_code") == "0114").row(0, named=True)
    assert row["need_rate_ratio_est"] is None and row["similarity_distance"] is None
    assert warning_text(no_distance, "sv") == (
        "Kommuner utan likhetsavstånd får poängen 0 för likhet (1 st.), bland dem "
        "Upplands Väsby (0114)."
    )
    assert warning_text(incomplete, "en").startswith("Kommuner lacking N07402 in some of 2020–2022")
    assert screen_candidates(panel).warnings == []


def test_warnings_list_twenty_areas_and_count_all(panel):
    """2014-2016: many kommuner lack a year; the warnings count them all and list 20 codes."""
    from research.core.warnings import IncompleteYearsWarning, NoSimilarityDistanceWarning

    tab = screen_candidates(panel, years=(2014, 2016))
    by_type = {type(w): w for w in tab.warnings}
    lacking = (
        panel.filter(
            (pl.col("level") == "kommun") & (pl.col("indicator") == "N07402")
            & (pl.col("sex") == "T") & pl.col("year").is_between(2014, 2016)
        )
        .drop_nulls(["count_est", "population"])
        .group_by("area_code").len().filter(pl.col("len") == 3)["area_code"]
    )  # fmt: skip
    n_kommuner = tab.height
    incomplete = by_type[IncompleteYearsWarning]
    assert incomplete.values["n_areas"] == n_kommuner - lacking.len() > 20
    assert len(incomplete.values["areas"]) == 20
    assert not set(incomplete.values["areas"]) & set(lacking.to_list())
    no_distance = by_type[NoSimilarityDistanceWarning]
    assert no_distance.values["n_areas"] == tab["similarity_distance"].null_count() > 20
    assert len(no_distance.values["areas"]) == 20
