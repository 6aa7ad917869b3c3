"""Ties in permutation, placebo and bootstrap p-values are scale-invariant.

The panels are made so that the permutation distribution is known by hand: six units, two
years before and two after, ``y_it = a_i + b_t + dev_i * post_t`` with the deviations summing
to 0. The TWFE estimate with unit ``k`` playing the treated is ``6 / 5 * dev_k``, so the
two-sided permutation p-value is the share of units with ``|dev_k| >= |dev_0|``.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import research.core.warnings as W
from research.stats._resampling import at_least_as_extreme
from research.stats.did import diff_in_diff, event_study

A = [3.0, 5.0, 4.0, 6.0, 2.0, 7.0]
B = {2016: 0.0, 2017: 1.0, 2018: 1.5, 2019: 2.5}
#: unit 1 is 1e-4 (relative) short of the treated unit: not a tie on any scale
NEAR = [1.0, -0.9999, 0.3, -0.2, 0.1, -0.2001]
#: unit 1 ties the treated unit exactly, units 2 and 3 tie each other
TIED = [1.0, -1.0, 0.5, -0.5, 0.0, 0.0]


def _panel(dev: list[float], scale: float) -> pl.DataFrame:
    rows = [
        {
            "unit": f"u{i}",
            "year": t,
            "y": scale * (A[i] + b + (dev[i] if t >= 2018 else 0.0)),
            "treated": int(i == 0),
            "post": int(t >= 2018),
        }
        for i in range(6)
        for t, b in B.items()
    ]
    return pl.DataFrame(rows)


def _did_p(dev: list[float], scale: float) -> float:
    res = diff_in_diff(
        _panel(dev, scale), unit="unit", time="year", treated="treated", post="post",
        outcome="y", inference="permutation",
    )  # fmt: skip
    assert res.details["exact"] and res.details["n_assignments"] == 6
    return res.p_value


@pytest.mark.parametrize("scale", [1e-6, 1e6])
def test_did_permutation_p_value_does_not_change_with_the_outcome_scale(scale):
    """Rates per inhabitant or per 100 000: the same p. The absolute 1e-9 counted unit 1 as a
    tie once the estimates were of the order 1e-6 (p 2/6 instead of 1/6)."""
    assert _did_p(NEAR, 1.0) == pytest.approx(1 / 6)
    assert _did_p(NEAR, scale) == _did_p(NEAR, 1.0)


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_did_permutation_p_value_counts_exact_ties(scale):
    """|dev| = 1, 1, 0.5, 0.5, 0, 0: two of six assignments at least as extreme, p = 2/6."""
    assert _did_p(TIED, scale) == pytest.approx(2 / 6)


@pytest.mark.parametrize("scale", [1e-6, 1e6])
def test_event_study_permutation_p_values_do_not_change_with_the_outcome_scale(scale):
    def p(s: float) -> np.ndarray:
        res = event_study(
            _panel(NEAR, s), unit="unit", time="year", outcome="y", treated="treated",
            treatment_time=2018, inference="permutation",
        )  # fmt: skip
        return res.coefficients["p_permutation"].to_numpy()

    base = p(1.0)
    np.testing.assert_array_equal(p(scale), base)
    assert np.nanmin(base) == pytest.approx(1 / 6)  # the post event times: unit 0 alone


def test_event_study_permutation_p_value_counts_exact_ties():
    res = event_study(
        _panel(TIED, 1e-6), unit="unit", time="year", outcome="y", treated="treated",
        treatment_time=2018, inference="permutation",
    )  # fmt: skip
    tab = res.coefficients.filter(pl.col("event_time") >= 0)
    np.testing.assert_allclose(tab["p_permutation"].to_numpy(), 2 / 6)


@pytest.mark.parametrize("scale", [1e-6, 1e6])
def test_wild_bootstrap_p_value_does_not_change_with_the_outcome_scale(scale):
    def p(s: float) -> float:
        rng = np.random.default_rng(1)
        df = _panel(NEAR, s).with_columns(pl.col("y") + s * rng.normal(0, 0.3, 24))
        return diff_in_diff(
            df, unit="unit", time="year", treated="treated", post="post", outcome="y",
            inference="wild", n_bootstrap=199, seed=3,
        ).p_value  # fmt: skip

    assert p(scale) == p(1.0)


def test_the_tie_rule_is_relative_to_the_statistics_scale():
    s = np.array([2.0, 2.0 * (1 - 1e-12), 2.0 * (1 - 1e-6), 3.0, np.nan])
    for c in (1e-9, 1e-6, 1.0, 1e6, 1e9):
        assert at_least_as_extreme(c * s, c * s[0]).tolist() == [True, True, False, True, False]
    # a floor on the statistics' own scale (the rounding floor of an exact fit) widens ties
    assert at_least_as_extreme(s, s[0], floor=0.5).tolist() == [True, True, True, True, False]
    # per row along an axis
    m = np.array([[1.0, 1.0, 0.5], [1e-7, 1e-7 * (1 - 1e-3), 2e-7]])
    assert at_least_as_extreme(m, m[:, :1], axis=1).tolist() == [
        [True, True, False],
        [True, False, True],
    ]


# ---------------------------------------------------------------- what the test did, in words


def _many_units(n_units: int) -> pl.DataFrame:
    rng = np.random.default_rng(8)
    rows = [
        {
            "unit": f"u{i}",
            "year": t,
            "y": i + 0.5 * t + rng.normal(0, 1),
            "treated": int(i == 0),
            "post": int(t >= 2),
        }
        for i in range(n_units)
        for t in range(4)
    ]
    return pl.DataFrame(rows)


def _few(res) -> W.FewAssignmentsWarning:
    return next(w for w in res.warnings if isinstance(w, W.FewAssignmentsWarning))


def test_few_assignments_says_they_were_enumerated():
    res = diff_in_diff(
        _many_units(6), unit="unit", time="year", treated="treated", post="post", outcome="y",
        inference="permutation",
    )  # fmt: skip
    w = _few(res)
    assert w.values["enumeration"] == "enumerated" and w.values["n_possible"] == 6
    en, sv = W.warning_text(w, "en"), W.warning_text(w, "sv")
    assert "All 6 possible assignments were enumerated." in en
    assert "Alla 6 möjliga tilldelningar räknades upp." in sv
    assert str(w) == en  # the English message comes from the catalogue too


def test_few_assignments_says_they_were_sampled():
    """60 possible assignments, 50 drawn plus the observed one: 1/51 > 0.01."""
    res = diff_in_diff(
        _many_units(60), unit="unit", time="year", treated="treated", post="post", outcome="y",
        inference="permutation", n_permutations=50, level=0.99,
    )  # fmt: skip
    w = _few(res)
    assert w.values["enumeration"] == "sampled"
    assert (w.values["n_assignments"], w.values["n_possible"]) == (51, 60)
    en, sv = W.warning_text(w, "en"), W.warning_text(w, "sv")
    assert "possible assignments of the treatment" not in en  # the old, false wording
    assert "51 assignments" in en and "drawn at random among the 60 possible" in en
    assert "drogs slumpvis bland de 60 möjliga" in sv
    assert str(w) == en


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_did_permutation_after_an_exact_fit_with_no_effect_is_all_ties(scale):
    """No deviations at all: every assignment's estimate is 0 up to rounding (1e-16 of the
    outcome), so every assignment ties the observed one and p = 6/6 = 1. Without the
    rounding floor on the outcome's scale the p-value was decided by which rounding errors
    happened to be larger (the event study already applied it)."""
    assert _did_p([0.0] * 6, scale) == pytest.approx(1.0)
