"""Tests of the funnel-plot functions in research.stats.funnel against independent values.

Sources of the reference values:

* a hand computation of Spiegelhalter's interpolated exact limits (in the docstring of
  ``test_exact_interpolation_by_hand``);
* tests/reference/funnel_reference.json, written by tests/reference/make_funnel_reference.py:
  a second implementation of Spiegelhalter (2005) in 50-digit mpmath arithmetic with plain
  loops (Poisson cdf accumulated term by term, winsorizing quantiles computed by hand,
  DerSimonian-Laird tau²), no scipy;
* closed forms (normal limits, the limit of the exact limits for large expected counts).
"""

from __future__ import annotations

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
from research.stats.funnel import (
    FunnelDispersion,
    exposure_grid,
    funnel,
    funnel_dispersion,
    funnel_limits,
    funnel_outliers,
    level_tag,
)

REF = json.loads((Path(__file__).parent / "reference" / "funnel_reference.json").read_text())
AREAS = REF["areas"]
COUNTS = [r["count"] for r in AREAS["rows"]]
EXPOSURES = [r["exposure"] for r in AREAS["rows"]]
CODES = [r["area"] for r in AREAS["rows"]]


def test_exact_interpolation_by_hand():
    """Target 100 per 100 000, exposure 5 000 person-years: expected count mu = 5.

    Poisson(5) cdf: F(0) = 0.006737947, F(1) = 0.040427682, F(9) = 0.968171943,
    F(10) = 0.986304731.

    Lower 95 % limit, p = 0.025: r_p = 1 (F(0) < 0.025 <= F(1));
    a = (0.040427682 - 0.025) / (0.040427682 - 0.006737947) = 0.457934;
    count limit 1 - 0.457934 = 0.542066; rate 0.542066 / 5 000 * 100 000 = 10.8413.

    Upper 95 % limit, p = 0.975: r_p = 10 (F(9) < 0.975 <= F(10));
    a = (0.986304731 - 0.975) / (0.986304731 - 0.968171943) = 0.623441;
    count limit 10 - 0.623441 = 9.376559; rate 187.5312.
    """
    lim = funnel_limits(100, [5_000], levels=0.95)
    assert lim["expected"][0] == pytest.approx(5.0)
    assert lim["lower"][0] == pytest.approx(10.8413, abs=1e-4)
    assert lim["upper"][0] == pytest.approx(187.5312, abs=1e-4)


def test_lower_limit_cut_at_zero_for_tiny_expected_counts():
    """mu = 8e-5 * 500 = 0.04: F(0) = exp(-0.04) = 0.9608 >= 0.025, so r_p = 0 and the
    interpolated count limit is 0 - (0.9608 - 0.025)/0.9608 < 0: cut at 0. The upper 95 %
    limit has r_p = 1 (F(0) < 0.975 <= F(1) = 1.04·exp(-0.04) = 0.99922)."""
    lim = funnel_limits(8.0, [500], levels=0.95)
    assert lim["lower"][0] == 0.0
    f0 = math.exp(-0.04)
    f1 = 1.04 * f0
    upper_count = 1 - (f1 - 0.975) / (f1 - f0)
    assert lim["upper"][0] == pytest.approx(upper_count / 500 * 1e5, rel=1e-10)


def test_upper_limit_cut_at_zero_when_quantile_is_zero():
    """mu = 1e-5 * 1 000 = 0.01: F(0) = exp(-0.01) = 0.990 >= 0.975, so the 97.5 % quantile is
    r_p = 0 and the interpolated count 0 - (0.990 - 0.975)/0.990 is negative: cut at 0, and a
    single event (probability 0.00995 < 0.025) is flagged high."""
    lim = funnel_limits(1.0, [1_000], levels=0.95)
    assert lim["upper"][0] == 0.0 and lim["lower"][0] == 0.0
    out = funnel_outliers([0, 1], [1_000, 1_000], target=1.0, levels=0.95)
    assert out["flag_95"].to_list() == ["within", "high"]


def test_limits_match_reference_grid():
    for c in REF["grid"]:
        lim = funnel_limits(c["target"], [c["exposure"]], levels=c["level"], method=c["method"])
        assert lim["lower"][0] == pytest.approx(c["lower"], rel=1e-10, abs=1e-12)
        assert lim["upper"][0] == pytest.approx(c["upper"], rel=1e-10)


def test_normal_limits_closed_form_and_exact_convergence():
    target, n = 45.0, np.array([2e4, 2e5, 2e6, 2e7])
    lim = funnel_limits(target, n, levels=(0.95, 0.998), method="normal")
    for level in (0.95, 0.998):
        sub = lim.filter(pl.col("level") == level)
        z = stats.norm.ppf((1 + level) / 2)
        s = np.sqrt(target * 1e5 / n)
        np.testing.assert_allclose(sub["upper"], target + z * s, rtol=1e-12)
        np.testing.assert_allclose(sub["lower"], np.maximum(target - z * s, 0), rtol=1e-12)
    exact = funnel_limits(target, [2e8], levels=0.998)
    normal = funnel_limits(target, [2e8], levels=0.998, method="normal")
    # expected count 90 000: exact and normal limits agree to within a fraction of a percent
    # of the half-width
    half = normal["upper"][0] - target
    assert abs(exact["upper"][0] - normal["upper"][0]) < 0.01 * half
    assert abs(exact["lower"][0] - normal["lower"][0]) < 0.01 * half


def test_dispersion_matches_reference():
    d = funnel_dispersion(COUNTS, EXPOSURES)
    assert d.target == pytest.approx(AREAS["target"], rel=1e-12)
    assert d.phi == pytest.approx(AREAS["phi"], rel=1e-10)
    assert d.tau2 == pytest.approx(AREAS["tau2"], rel=1e-10)
    assert d.tau == pytest.approx(math.sqrt(AREAS["tau2"]))
    np.testing.assert_allclose(d.z, [r["z"] for r in AREAS["rows"]], rtol=1e-10)
    lo, hi = AREAS["winsor_bounds"]
    assert d.z_winsorized.min() == pytest.approx(lo) and d.z_winsorized.max() == pytest.approx(hi)
    # 10 % winsorizing of 26 areas touches the 3 most extreme at each end (plus the quantile
    # interpolation): the raw z-scores go beyond the bounds
    assert (d.z < lo).sum() == 3 and (d.z > hi).sum() == 3


@pytest.mark.parametrize("method", ["exact", "normal"])
@pytest.mark.parametrize("od", [None, "multiplicative", "additive"])
def test_outliers_match_reference(method, od):
    out = funnel_outliers(COUNTS, EXPOSURES, areas=CODES, method=method, overdispersion=od)
    assert out["area"].to_list() == CODES
    rows = AREAS["rows"]
    for level in (0.95, 0.998):
        key = f"{method}_{od or 'none'}_{level}"
        tag = level_tag(level)
        np.testing.assert_allclose(
            out[f"lower_{tag}"], [r[key]["lower"] for r in rows], rtol=1e-10, atol=1e-10
        )
        np.testing.assert_allclose(out[f"upper_{tag}"], [r[key]["upper"] for r in rows], rtol=1e-10)
        assert out[f"flag_{tag}"].to_list() == [r[key]["flag"] for r in rows]
    zkey = {None: "z", "multiplicative": "z_mult", "additive": "z_add"}[od]
    np.testing.assert_allclose(out["z_adjusted"], [r[zkey] for r in rows], rtol=1e-10)
    np.testing.assert_allclose(out["rate"], np.array(COUNTS) / np.array(EXPOSURES) * 1e5)
    # the expected count under the pooled target rate, and the plain z-score, by hand
    x, n = np.array(COUNTS, dtype=float), np.array(EXPOSURES, dtype=float)
    expected = x.sum() / n.sum() * n
    np.testing.assert_allclose(out["expected"], expected, rtol=1e-12)
    np.testing.assert_allclose(out["target"], 1e5 * x.sum() / n.sum(), rtol=1e-12)
    np.testing.assert_allclose(out["z"], (x - expected) / np.sqrt(expected), rtol=1e-12)
    assert out["count"].to_list() == COUNTS and out["exposure"].to_list() == EXPOSURES


def test_overdispersion_reduces_flags():
    plain = funnel_outliers(COUNTS, EXPOSURES)
    mult = funnel_outliers(COUNTS, EXPOSURES, overdispersion="multiplicative")
    n_plain = (plain["flag_95"] != "within").sum()
    n_mult = (mult["flag_95"] != "within").sum()
    assert AREAS["phi"] > 1 and n_mult < n_plain


def test_no_inflation_when_phi_at_most_one():
    # counts equal to their expectations (rounded): phi < 1, multiplicative limits unchanged
    n = np.array([10_000, 20_000, 40_000, 80_000, 160_000])
    x = np.round(50e-5 * n)
    d = funnel_dispersion(x, n, target=50.0)
    assert d.phi < 1 and d.tau2 == 0
    base = funnel_limits(50.0, n)
    mult = funnel_limits(50.0, n, overdispersion="multiplicative", dispersion=d)
    add = funnel_limits(50.0, n, overdispersion="additive", dispersion=d)
    assert base.equals(mult) and base.equals(add)


def test_additive_formula_normal_method():
    d = funnel_dispersion(COUNTS, EXPOSURES)
    n = np.array([1e4, 1e5, 1e6])
    lim = funnel_limits(
        d.target, n, levels=0.95, method="normal", overdispersion="additive", dispersion=d
    )
    z = stats.norm.ppf(0.975)
    half = z * np.sqrt(d.target * 1e5 / n + d.tau2)
    np.testing.assert_allclose(lim["upper"], d.target + half, rtol=1e-12)
    np.testing.assert_allclose(lim["lower"], np.maximum(d.target - half, 0), rtol=1e-12)
    mult = funnel_limits(
        d.target,
        n,
        levels=0.95,
        method="normal",
        overdispersion="multiplicative",
        data=(COUNTS, EXPOSURES),
    )
    half_m = z * np.sqrt(d.phi * d.target * 1e5 / n)
    np.testing.assert_allclose(mult["upper"], d.target + half_m, rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(target=st.floats(1.0, 500.0), exposure=st.floats(1e3, 1e8))
def test_exact_limit_brackets_nominal_tail(target, exposure):
    """The interpolated upper limit lies between r_p - 1 and r_p, where r_p is the smallest
    count with F(r_p) >= p: P(O > limit) is within one probability mass of 1 - p."""
    lim = funnel_limits(target, [exposure], levels=0.95)
    mu = target * exposure / 1e5
    count_limit = lim["upper"][0] * exposure / 1e5
    r = stats.poisson.ppf(0.975, mu)
    if r > 0:
        assert r - 1 - 1e-9 <= count_limit <= r + 1e-9
        assert lim["lower"][0] <= target <= lim["upper"][0]
    else:
        # mu < -log(0.975): the 97.5 % quantile is 0 events; the limit is cut at 0
        assert count_limit == 0.0 and mu < -math.log(0.975)
    assert 0 <= lim["lower"][0] <= lim["upper"][0]


def test_funnel_bundle_and_grid():
    res = funnel(COUNTS, EXPOSURES, areas=pl.Series(CODES), overdispersion="additive", grid_size=40)
    assert isinstance(res.dispersion, FunnelDispersion)
    assert res.target == pytest.approx(AREAS["target"])
    assert res.limits.height == 80 and set(res.limits["level"].to_list()) == {0.95, 0.998}
    assert res.limits["exposure"].min() < min(EXPOSURES)
    assert res.limits["exposure"].max() > max(EXPOSURES)
    assert res.areas.columns[:3] == ["area", "count", "exposure"]
    g = exposure_grid([1e3, 1e5], n=3, expand=0.0)
    np.testing.assert_allclose(g, [1e3, 1e4, 1e5])
    assert level_tag(0.95) == "95" and level_tag(0.998) == "99_8"
    # a given target rate reaches the areas' table (expected counts at 40 per 100 000)
    fixed = funnel(COUNTS, EXPOSURES, target=40.0)
    np.testing.assert_allclose(fixed.areas["target"], 40.0)
    np.testing.assert_allclose(fixed.areas["expected"], 40e-5 * np.array(EXPOSURES), rtol=1e-12)


def test_funnel_and_outliers_take_the_shared_options_as_keywords():
    """funnel and funnel_outliers share one option set (FunnelOptions): every documented
    keyword is accepted with its default, anything else is Python's own TypeError."""
    opts = dict(areas=CODES, per=1_000.0, levels=0.9, method="normal", winsor=0.2,
                overdispersion="multiplicative")  # fmt: skip
    res = funnel(COUNTS, EXPOSURES, grid_size=10, **opts)
    assert res.per == 1_000.0 and res.method == "normal"
    assert res.overdispersion == "multiplicative"
    assert res.areas.columns[-3:] == ["lower_90", "upper_90", "flag_90"]
    assert res.areas.equals(funnel_outliers(COUNTS, EXPOSURES, **opts))
    # the defaults: pooled target per 100 000, exact limits at 95 % and 99.8 %
    plain = funnel(COUNTS, EXPOSURES)
    assert plain.per == 100_000 and plain.method == "exact" and plain.overdispersion is None
    assert plain.target == pytest.approx(1e5 * sum(COUNTS) / sum(EXPOSURES), rel=1e-12)
    assert plain.areas.equals(funnel_outliers(COUNTS, EXPOSURES))
    with pytest.raises(
        TypeError, match=r"^funnel\(\) got an unexpected keyword argument 'dispersion'$"
    ):
        funnel(COUNTS, EXPOSURES, dispersion=plain.dispersion)
    with pytest.raises(
        TypeError, match=r"^funnel_outliers\(\) got an unexpected keyword argument 'grid_size'$"
    ):
        funnel_outliers(COUNTS, EXPOSURES, grid_size=10)


def test_funnel_input_errors():
    d = funnel_dispersion(COUNTS, EXPOSURES)
    with pytest.raises(ArgumentError, match="dispersion"):
        funnel_limits(40.0, [1e4], overdispersion="multiplicative")
    with pytest.raises(ArgumentError, match="target"):
        funnel_limits(40.0, [1e4], overdispersion="multiplicative", dispersion=d)
    with pytest.raises(ArgumentError, match="method"):
        funnel_limits(40.0, [1e4], method="poisson")
    with pytest.raises(ArgumentError, match="levels"):
        funnel_limits(40.0, [1e4], levels=95)
    with pytest.raises(ArgumentError, match="target"):
        funnel_limits(0.0, [1e4])
    with pytest.raises(ArgumentError, match="exposures"):
        funnel_limits(40.0, [0.0])
    with pytest.raises(ArgumentError, match="strings"):
        funnel_outliers([1, 2], [10.0, 20.0], areas=[126, 180])
    with pytest.raises(ArgumentError, match="counts"):
        funnel_outliers([1.5, 2], [10.0, 20.0])
    with pytest.raises(ArgumentError, match="winsor"):
        funnel_dispersion([1, 2], [10.0, 20.0], winsor=0.5)
    with pytest.raises(DesignError, match="two areas"):
        funnel_dispersion([1], [10.0])


# --------------------------------------------------------------------------------------------
# degenerate inputs: a clear ArgumentError naming the parameter, never numpy's error or NaN
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [1.5, 0.0, 1.0, -0.5, float("nan"), None, "0.95", True])
def test_level_tag_refuses_what_is_not_a_probability(level):
    # 1.5 gave "150", NaN "nan", None a TypeError
    with pytest.raises(ArgumentError, match=r"level must be a probability strictly between"):
        level_tag(level)


@pytest.mark.parametrize("expand", [-1, -0.1, float("nan"), float("inf"), None, "0.1", True])
def test_exposure_grid_refuses_a_bad_expand(expand):
    # -1 gave a descending grid, NaN a grid of NaN
    with pytest.raises(ArgumentError, match=r"expand must be a finite number >= 0"):
        exposure_grid([1e3, 1e4], expand=expand)


def test_exposure_grid_refuses_an_expand_beyond_floating_point():
    with pytest.raises(ArgumentError, match=r"expand=1000000.0 stretches the grid"):
        exposure_grid([1e3, 1e4], expand=1e6)


def test_exposure_grid_refuses_no_exposures():
    # numpy's "zero-size array to reduction operation minimum" before
    with pytest.raises(ArgumentError, match=r"exposures is empty"):
        exposure_grid([])


def test_exposure_grid_takes_a_numpy_integer_size():
    assert exposure_grid([1e3, 1e5], n=np.int64(3), expand=0).round().tolist() == [
        1000.0,
        10000.0,
        100000.0,
    ]


def test_levels_with_the_same_column_name_are_refused():
    # the second level's columns silently overwrote the first's
    with pytest.raises(ArgumentError, match=r"same column name \(_95\)"):
        funnel_outliers(COUNTS, EXPOSURES, levels=(0.95, 0.95))
    with pytest.raises(ArgumentError, match=r"same column name"):
        funnel_limits(40.0, [1e4], levels=(0.95, 0.9500000001))


@pytest.mark.parametrize("levels", [None, "0.95", (0.95, True), (float("nan"),)])
def test_levels_that_are_not_probabilities(levels):
    with pytest.raises(ArgumentError, match=r"levels must be one or more probabilities"):
        funnel_limits(40.0, [1e4], levels=levels)


def test_booleans_are_not_a_target_or_winsor():
    with pytest.raises(ArgumentError, match=r"target must be a positive rate"):
        funnel_limits(True, [1e4])
    with pytest.raises(ArgumentError, match=r"winsor must be in"):
        funnel_dispersion([1, 2], [10.0, 20.0], winsor=False)


@pytest.mark.parametrize(
    ("counts", "exposures", "name"),
    [
        (["4", "9"], [1e4, 2e4], "counts"),
        ([4, 9], ["1e4", "2e4"], "exposures"),
        (pl.Series(["4", "9"]), [1e4, 2e4], "counts"),
        ([True, False], [1e4, 2e4], "counts"),
    ],
)
def test_text_is_not_a_count_or_an_exposure(counts, exposures, name):
    # text was converted to numbers ("4" -> 4.0)
    with pytest.raises(ArgumentError, match=rf"^{name} must hold numbers"):
        funnel(counts, exposures)


def test_funnel_messages_have_swedish():
    with pytest.raises(ArgumentError) as info:
        exposure_grid([1e3, 1e4], expand=-1)
    assert info.value.message("sv").startswith("expand ska vara ett ändligt tal >= 0")
    with pytest.raises(ArgumentError) as info:
        funnel_dispersion([1, 2], [10.0, 20.0], winsor=0.5)
    assert info.value.message("sv") == "winsor ska ligga i [0, 0.5); fick 0.5."
