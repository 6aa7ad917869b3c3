"""Power and minimum detectable effect (MDE) for a pilot measured with yearly Poisson counts.

The question this module answers is of the form *"could the data have detected a 20 % drop
in Huddinge within three years?"*. The outcome is a yearly count of reported crimes (in the
snapshot an **estimated** count, rate x population / 100 000), the pilot area is one unit, and
the effect is a rate ratio.

Estimators
----------
``estimator="did_poisson"`` (default) is the difference-in-differences comparison the project
uses for one treated unit (:func:`research.stats.did.diff_in_diff` with ``family="poisson"``): the
log rate ratio of the post period over the pre period in the treated area, minus the same in
the pooled comparison units,

``d = log(Y1_post / Y1_pre) - log(Y0_post / Y0_pre)``.

With expected counts ``mu`` (summed over the years of each period) the delta method gives
``Var(d) = phi * (1/mu1_pre + 1/mu1_post + 1/mu0_pre + 1/mu0_post)``, the familiar variance
of a log odds ratio of a 2x2 table of Poisson counts (e.g. Breslow & Day 1987, ch. 2; Rothman,
Greenland & Lash 2008, ch. 14), multiplied by the over-dispersion factor ``phi`` (variance =
``phi * mean``). It is also the inverse expected Fisher information of the coefficient in the
yearly Poisson two-way fixed-effects model when all units share the year effects (checked
numerically in the tests). With many comparison units the two control terms shrink towards 0.
Under an effect ``RR`` the treated post-period expected count is ``mu1_post * RR``, so the
variance depends on the effect itself.

``estimator="its"`` is the treated series alone: a segmented Poisson regression with a linear
pre-trend and a level change at the start (``log mu_t = a + b t + c I[t >= 0]``); the variance
of ``c`` is ``phi`` times the corresponding element of the inverse expected information
``(X' W X)^-1`` with ``W = diag(mu_t)``.

Tests and MDE
-------------
``inference="score"`` (``did_poisson`` only; what ``"auto"`` chooses without ``n_control``
where events are many, see ``"exact"``):
the score test of no interaction in the 2x2 table of Poisson totals (treated / comparison x
pre / post), i.e. Pearson's chi-square test of that table (Breslow & Day 1987, ch. 7; Gu et
al. 2008). Conditional on each group's total it is the two-proportion z test of the share of
the events that fall after the start. The treated area has ``N_T = b (T0 + T1 RR)`` expected
events (``b`` a year, ``T0 = years_pre``, ``T1 = years_post``) with post share
``pi_T = T1 RR / (T0 + T1 RR)``; the comparison pool ``N_C = C (T0 + T1)`` events with
``pi_C = T1 / (T0 + T1)``. With an unlimited comparison group ``pi_C`` is known and the test is
the one-sample test of ``pi_T = pi_C``. Over-dispersion enters as quasi-likelihood effective
counts ``N / phi`` (the Pearson statistic divided by ``phi``). Power is the usual normal
approximation with the variance pooled under no effect for the critical value and separate
under the effect (Fleiss, Levin & Paik 2003, ch. 4; statsmodels'
``power_proportions_2indep``): with ``D = |pi_T - pi_C|``, ``n_T = N_T / phi``,
``n_C = N_C / phi`` and the pooled share ``p = (n_T pi_T + n_C pi_C) / (n_T + n_C)``,
``SE0^2 = p (1 - p) (1/n_T + 1/n_C)``, ``SE1^2 = pi_T (1 - pi_T) / n_T + pi_C (1 - pi_C) / n_C``
and power ``Phi((D - z SE0) / SE1) + Phi((-D - z SE0) / SE1)``, ``z = z_{1-alpha/2}``. The MDE
is the smallest effect whose power reaches the target (a grid search and bisection on power
minus target). ``variance`` does not apply (both variances are part of the formula): only its
default ``"alternative"`` is accepted, as for randomization inference.

The statistic is scaled by its standard error under no effect, so a larger effect does not
inflate its own yardstick as in the Wald test: for a decrease ``N_T`` shrinks, but so does the
spread of the post share, and a complete elimination (``RR -> 0``: no events after the start)
gives ``z = sqrt(b T1 / phi)`` against an unlimited comparison group, significant once more
than ``z^2`` (3.84 at 5 %) events would have been expected after the start. The power rises
with the size of the effect once past a dip below ``alpha`` next to no effect (of the normal
approximation; less than 0.001 with 30 or more effective events expected in each period). With
very few expected events after the start (``b T1 / phi`` below about 7) the normal
approximation can rise to a hump below 50 % for moderate drops and fall again for the largest:
there no drop is detected with a usual power, which the MDE says (checked in the tests over
baselines from 0.3 to 5000 events a year). The formula plugs in the expected totals; the
observed ones vary. That matters only when the MDE is close to a complete elimination (the
power then rests on the pre-period total alone): the power is overstated there, e.g. 1.4
events a year over 3 + 3 years gives an MDE of a 99.8 % drop where the score test on
simulated counts rejects about 60 % of the time (4 a year over 3 + 1 years: 53 %), while with
an MDE below a 90 % drop the simulated power at the MDE is within a few points of the target
(12.3 a year over 3 + 1 years: 79 %). ``method="simulation"`` draws the totals; the exact
test below needs neither.

``inference="exact"`` (``did_poisson`` against an unlimited comparison group; what
``"auto"`` chooses there for every baseline with at most 600 expected events over both
periods): the exact conditional test of the same share (Przyborowski & Wilenski 1940; Gu et
al. 2008). Given the treated area's total ``n``, its count after the start is binomial
``(n, pi_T)``, or with over-dispersion beta-binomial (NB1 counts with a common gamma scale, the
model ``method="simulation"`` draws); the test rejects when the two-sided p-value of that
count under no effect (the probability of outcomes no more likely, as R's ``binom.test`` and
:func:`scipy.stats.binomtest`) is at most ``alpha``, so its size never exceeds ``alpha``. Its
power is summed exactly over the total's Poisson (negative binomial) distribution and the
rejection region, with no normal approximation (:mod:`research.stats._exact_test`), and the
MDE is the first effect on a grid of steps of 0.04 in ``|log RR|`` whose power reaches the
target, refined on finer grids within the bracket (the power is smooth in the effect, the
rejection regions not depending on it, but need not be monotone).
With few events it is the honest answer where the score formula is not: 1.4 events a year
over 3 + 3 years detect no drop of any size with 80 % power (a complete elimination: 25 %).
With many it is slightly conservative and agrees with the score test (15 a year over 3 + 3
years: a 52.2 % drop against 50.2 %; 100 a year: 21.9 % against 21.6 %); above 600 events
``"auto"`` keeps the faster score test, and ``"exact"`` sums over at most 20 000. A vector
of baselines on both sides of 600 is answered baseline by baseline, each as alone, and the
result's ``inference`` is ``"exact/score"``.

``inference="wald"``: two-sided z test of ``d`` with its standard error. Power for a true log
rate ratio ``delta`` is ``Phi(|delta|/SE - z) + Phi(-|delta|/SE - z)`` with
``z = z_{1-alpha/2}``, and the MDE is Bloom's (1995) ``|delta| = (z_{1-alpha/2} + z_{power}) * SE``
solved with ``SE`` evaluated at the effect itself (``variance="alternative"``, default, the
fixed point being found by a grid search and bisection) or at no effect (``variance="null"``,
the plain textbook formula). **Not for decreases with few events**: at the effect the
variance includes ``phi / (b T1 RR)``, which grows without bound as ``RR -> 0``, so the power
*falls* as the drop grows beyond some size (the Hauck & Donner 1977 behaviour of Wald tests),
and the MDE can be "none" although a complete elimination would be detected by any sensible
test (12.3 events a year, 3 + 1 years: power 0.71 for a 90 % drop, 0.36 for a 99 % drop, no
MDE; the score test detects a 74 % drop, and any larger one, see the tests). It is kept for
comparison with Bloom's multipliers and with published Wald calculations.
``estimator="its"`` has only this test (``"auto"`` resolves to it there), with the same
caveat: its level-change variance also grows without bound as ``RR -> 0``. With
``its_scale="estimated"`` (the quasi-Poisson ITS, whose scale comes from its own residuals)
the statistic is compared with the t quantile with ``n - p`` degrees of freedom, its power is
``P(|T| > t_{1-alpha/2})`` for a noncentral t ``T`` with noncentrality ``|delta|/SE``
(Cohen 1988, ch. 2), and the MDE is the smallest effect whose power reaches the target
(Bloom's 1995 t multipliers ``t_{1-alpha/2} + t_power`` approximate it).

``inference="permutation"``: randomization inference over units as in
:func:`research.stats.did.diff_in_diff` (every unit plays the treated one in turn; p counts the
treated unit itself, ``p = rank / (J + 1)``). The test rejects at level ``alpha`` only when the
treated unit's ``|d|`` is among the ``k = floor(alpha * (J + 1))`` largest of the ``J + 1``
estimates. **With ``1 / (J + 1) > alpha`` (fewer than 19 comparison units at 5 %) no effect of
any size can be detected**, and the result says so. The analytic approximation treats the
``J`` placebo estimates as independent normal draws with the placebo standard error, so
power is ``E[ P(Binomial(J, 2 Phi(-|X| / SE0)) <= k - 1) ]`` with ``X ~ N(delta, SE1^2)``,
integrated numerically (trapezoid rule). Under no effect and exchangeable units it gives
exactly ``k / (J + 1)``.

A treated unit with fewer events than the comparison units (a small pilot kommun) has a
noisier estimate than the placebos (``SE1 > SE0``), and the plain test then rejects more
often than ``k / (J + 1)`` with no effect at all (MacKinnon & Webb 2020: randomization
inference over-rejects when the treated cluster is small). Those rejections are false alarms,
not power: the power reported is the smaller of the test's own rejection rate and that of the
same test calibrated to its nominal size (each estimate divided by its standard error under
no effect, the placebo ``SE0`` replaced by the treated unit's ``SE1`` at ``delta = 0``), so a
design is credited neither with false alarms nor with a better test than the one used. The
plain test's size is reported (note ``permutation_size``) when it exceeds the nominal by more
than a quarter. Power then no longer rises as the pilot's counts shrink.

``method="simulation"`` draws Poisson (``phi = 1``) or negative binomial (NB1, variance
``phi * mean``: a gamma-Poisson mixture with gamma shape ``mu / (phi - 1)``) pre- and
post-period totals for the treated unit and ``J`` equal comparison units, plants the effect,
computes the Poisson two-way fixed-effects estimate of every unit against the pooled others
(on two-period totals the Poisson TWFE estimate is exactly the cross-ratio above, which is what
:func:`research.stats.did.diff_in_diff` returns on such data; the tests check this) and applies the
chosen test: the score test to the simulated 2x2 totals (Pearson's statistic divided by
``phi``; none when the treated area has no events), the exact test (its rejection region at
the simulated treated total), the Wald test to the cross-ratio (with
the Haldane-Anscombe correction when a total is zero) or randomization inference. Power is
the share of rejections over a grid of effects; the MDE is found by linear interpolation.

Dilution
--------
A district pilot measured with kommun data is diluted. If the pilot area holds a share ``s``
of the measured area's population (``dilution=s``) and its base rate is ``g`` times the
measured area's (``district_rate_ratio=g``), it holds ``w = s * g`` of the events, and a rate
ratio ``RR_d`` in the pilot area is a rate ratio ``RR_k = 1 - w * (1 - RR_d)`` in the measured
area. Södermalm holds about 13 % of Stockholm's population: a 20 % drop in Södermalm is a
drop of about 2.7 % in Stockholm (``1 - 0.133 * 0.2 = 0.973``). The MDE of the pilot area is
the measured-area MDE translated back, ``RR_d = 1 - (1 - RR_k) / w``; when that is not
positive, not even eliminating every case in the pilot area would be detected.

References
----------
Bloom, H. S. (1995). Minimum detectable effects: a simple way to report the statistical power
of experimental designs. *Evaluation Review* 19(5), 547-556.
Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed. Lawrence
Erlbaum, ch. 2 (the t test's power from the noncentral t distribution).
Breslow, N. E. and Day, N. E. (1987). *Statistical Methods in Cancer Research, vol. II: The
Design and Analysis of Cohort Studies*. IARC Scientific Publications 82, ch. 2 and 7.
Fleiss, J. L., Levin, B. and Paik, M. C. (2003). *Statistical Methods for Rates and
Proportions*, 3rd ed. Wiley, ch. 4 (power of the comparison of two proportions).
Gu, K., Ng, H. K. T., Tang, M. L. and Schucany, W. R. (2008). Testing the ratio of two Poisson
rates. *Biometrical Journal* 50(2), 283-298.
Hauck, W. W. and Donner, A. (1977). Wald's test as applied to hypotheses in logit analysis.
*Journal of the American Statistical Association* 72(360), 851-853.
MacKinnon, J. G. and Webb, M. D. (2020). Randomization inference for difference-in-differences
with few treated clusters. *Journal of Econometrics* 218(2), 435-450.
Przyborowski, J. and Wilenski, H. (1940). Homogeneity of results in testing samples from
Poisson series. *Biometrika* 31(3/4), 313-323.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import special

from research.core.display import ResultDisplay, line_figure
from research.core.errors import ArgumentError
from research.core.i18n import load_catalogue

from ._dist import norm_cdf, norm_pdf, norm_ppf, norm_sf, t_ppf
from ._exact_test import MAX_EVENTS, ExactShareTest, within_reach
from ._resampling import at_least_as_extreme, random_generator
from .identification import check_keywords

__all__ = [
    "DetectResult",
    "PowerNote",
    "PowerResult",
    "can_detect",
    "concentrate",
    "dilute",
    "its_design",
    "minimum_detectable_effect",
    "power_at",
]

#: The error messages in Swedish and English (``power_errors.toml``).
_TEXTS = load_catalogue(Path(__file__).with_name("power_errors.toml"))

_ESTIMATORS = ("did_poisson", "its")
#: ``its_scale``: the ITS scale (over-dispersion) known in advance (z test) or estimated from
#: the fit's residuals, as the quasi-Poisson analysis does (t test with n - p df)
_ITS_SCALES = ("known", "estimated")
_METHODS = ("analytic", "simulation")
_INFERENCE = ("auto", "score", "exact", "wald", "permutation")
_DIRECTIONS = ("decrease", "increase")
_VARIANCE = ("alternative", "null")
_L_MAX = 8.0  # largest |log rate ratio| searched (rate ratio e^-8 ~ 0.0003 or e^8)
_GRID = 1600
# Trapezoid rule on +-10 standard deviations: spectrally accurate for the smooth normal
# density (error < 1e-12 against the exact k / (J + 1) under no effect).
_QUAD_NODES = np.linspace(-10.0, 10.0, 241)
_QUAD_WEIGHTS = norm_pdf(_QUAD_NODES) * (_QUAD_NODES[1] - _QUAD_NODES[0])
#: The plain randomization test's size under no effect is reported (``permutation_size``)
#: when it exceeds its nominal ``k / (J + 1)`` by more than this factor (a 5 % test that
#: rejects more than 6.25 % of the time with no effect).
_SIZE_TOLERANCE = 1.25
#: ``inference="auto"`` (``did_poisson`` against an unlimited comparison group) uses the exact
#: conditional test up to this many expected events over both periods (every baseline of a
#: vector), the score test above it: there the two MDEs differ by less than half a
#: percentage point (e.g. 100 events a year over 3 + 3 years: 21.9 % and 21.6 %) and the
#: exact sums take longer than a report should wait.
_EXACT_AUTO_EVENTS = 600.0

#: Largest baseline (expected events a year) taken: Sweden records some 1.5 million offences
#: a year in all; a billion in one area is a unit mistake (and 1e308 overflowed to inf).
_MAX_BASELINE = 1e9


# --------------------------------------------------------------------------------------------
# dilution
# --------------------------------------------------------------------------------------------


def _check_share(dilution: float, district_rate_ratio: float) -> float:
    for name, v in (("dilution", dilution), ("district_rate_ratio", district_rate_ratio)):
        if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
            en, sv = _TEXTS.both("not_positive", name=name, value=v)
            raise ArgumentError(en, sv=sv)
    if dilution > 1:
        en, sv = _TEXTS.both("dilution_above_one", value=dilution)
        raise ArgumentError(en, sv=sv)
    w = float(dilution * district_rate_ratio)
    if w > 1:
        en, sv = _TEXTS.both("events_share_above_one", w=w)
        raise ArgumentError(en, sv=sv)
    return w


def _rate_ratios(rate_ratio: Any) -> np.ndarray:
    """``rate_ratio`` as floats: positive and finite where not NaN (a missing value)."""
    try:
        rr = np.asarray(rate_ratio, dtype=float)
    except (TypeError, ValueError):
        rr = np.array(-1.0)
    if isinstance(rate_ratio, bool) or np.any(~np.isnan(rr) & ~((rr > 0) & np.isfinite(rr))):
        en, sv = _TEXTS.both("rate_ratios_positive", value=rate_ratio)
        raise ArgumentError(en, sv=sv)
    return rr


def dilute(rate_ratio: Any, share: float, district_rate_ratio: float = 1.0) -> Any:
    """Rate ratio in the measured area implied by a rate ratio in a pilot sub-area.

    ``RR_k = 1 - w * (1 - RR_d)`` with ``w = share * district_rate_ratio``, the pilot area's
    share of the measured area's events.

    Parameters
    ----------
    rate_ratio
        Rate ratio in the pilot area (``0.8`` = a 20 % drop); number or array.
    share
        The pilot area's share of the measured area's population (0 < share <= 1).
    district_rate_ratio
        Base rate of the pilot area divided by that of the measured area (default 1).

    Returns
    -------
    float or numpy.ndarray
        The rate ratio in the measured area.

    Raises
    ------
    ArgumentError
        If ``share`` or ``district_rate_ratio`` is not positive, or their product exceeds 1;
        if a rate ratio is zero, negative or infinite (NaN passes through as missing).

    Examples
    --------
    A 20 % drop in Södermalm (131 000 of Stockholm's 985 000 inhabitants):

    >>> round(1 - dilute(0.8, 131_000 / 985_000), 4)
    0.0266
    """
    w = _check_share(share, district_rate_ratio)
    out = 1.0 - w * (1.0 - _rate_ratios(rate_ratio))
    return float(out) if out.ndim == 0 else out


def concentrate(rate_ratio: Any, share: float, district_rate_ratio: float = 1.0) -> Any:
    """Inverse of :func:`dilute`: the pilot-area rate ratio behind a measured-area one.

    ``RR_d = 1 - (1 - RR_k) / w``; values that are not positive mean the measured change is
    larger than removing every event of the pilot area, and are returned as ``nan``.

    Parameters
    ----------
    rate_ratio
        Rate ratio in the measured area.
    share, district_rate_ratio
        As :func:`dilute`.

    Returns
    -------
    float or numpy.ndarray

    Raises
    ------
    ArgumentError
        As :func:`dilute`.

    Examples
    --------
    >>> round(concentrate(0.974, 0.13), 4)
    0.8
    """
    w = _check_share(share, district_rate_ratio)
    out = 1.0 - (1.0 - _rate_ratios(rate_ratio)) / w
    out = np.where(out > 0, out, np.nan)
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------------------------
# input handling and the variance model
# --------------------------------------------------------------------------------------------


def _as_array(x: Any, name: str) -> tuple[np.ndarray, str]:
    if isinstance(x, pl.Series):
        return x.cast(pl.Float64).fill_null(float("nan")).to_numpy().astype(float), "series"
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        en, sv = _TEXTS.both("not_numbers", name=name, value=x)
        raise ArgumentError(en, sv=sv) from exc
    return arr, ("scalar" if arr.ndim == 0 else "array")


def _wrap(x: np.ndarray, kind: str, name: str) -> Any:
    if kind == "scalar":
        return float(np.asarray(x).reshape(-1)[0])
    if kind == "series":
        return pl.Series(name, np.asarray(x, dtype=float))
    return np.asarray(x, dtype=float)


@dataclass(frozen=True)
class _Model:
    b: np.ndarray  # treated expected count per year (measured area), shape (n,)
    C: np.ndarray  # comparison pool expected count per year, shape (n,), inf = unlimited
    J: int | None  # number of comparison units (None = unlimited)
    years_pre: int
    years_post: int
    phi: float
    estimator: str
    its_slope: bool = False  # ITS: a slope change from the start beside the level change
    its_shifts: tuple[int, ...] = ()  # ITS: level shifts 1[t >= s] (series breaks)
    # ITS with an estimated scale (its_scale="estimated"): the t test's residual df; None = z
    its_df: int | None = None
    # inference="exact": which baselines the exact test serves (the others the score test)
    exact: np.ndarray | None = None

    def var(self, delta: np.ndarray) -> np.ndarray:
        """Var of the estimate at a true measured log rate ratio ``delta`` (shape (n, m))."""
        b = self.b[:, None]
        rr = np.exp(delta)
        # a baseline near the smallest float (5e-324) has an infinite variance: no power
        with np.errstate(divide="ignore", over="ignore"):
            if self.estimator == "did_poisson":
                C = self.C[:, None]
                ctrl = 1.0 / (C * self.years_pre) + 1.0 / (C * self.years_post)
                treated = 1.0 / (b * self.years_pre) + 1.0 / (b * self.years_post * rr)
                return self.phi * (treated + ctrl)
            unit = _its_unit_var(
                self.years_pre, self.years_post, rr, self.its_slope, self.its_shifts
            )
            return self.phi * unit / b

    def score_moments(self, delta: np.ndarray) -> tuple[np.ndarray, ...]:
        """``|pi_T - pi_C|``, ``SE0`` and ``SE1`` of the score test (module notes), shape (n, m).

        Effective counts ``N / phi``; an unlimited comparison pool (``C = inf``) has
        ``1 / n_C = 0``, a known ``pi_C`` and the pooled share ``pi_C``.
        """
        b, C = self.b[:, None], self.C[:, None]
        t0, t1 = float(self.years_pre), float(self.years_post)
        rr = np.exp(delta)
        # extreme inputs give infinite standard errors (no power) or zero ones (full power)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            n_t = b * (t0 + t1 * rr) / self.phi
            inv_n_c = self.phi / (C * (t0 + t1))  # 0 for an unlimited pool
            pi_t = t1 * rr / (t0 + t1 * rr)
            pi_t = np.where(np.isinf(rr), 1.0, pi_t)
            pi_c = t1 / (t0 + t1)
            w_t = np.where(inv_n_c == 0, 0.0, n_t * inv_n_c / (1.0 + n_t * inv_n_c))
            pooled = pi_c + w_t * (pi_t - pi_c)
            se0 = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n_t + inv_n_c))
            se1 = np.sqrt(pi_t * (1.0 - pi_t) / n_t + pi_c * (1.0 - pi_c) * inv_n_c)
        return np.abs(pi_t - pi_c), se0, se1

    def var_placebo(self) -> np.ndarray:
        """Var of a comparison unit's placebo estimate under no effect, shape (n, 1).

        The placebo is estimated against the other units and the treated one.
        """
        assert self.J is not None
        c = self.C / self.J
        pool = self.C - c + self.b
        tot = 1.0 / self.years_pre + 1.0 / self.years_post
        return (self.phi * tot * (1.0 / c + 1.0 / pool))[:, None]


def its_design(
    years_pre: int, years_post: int, slope_change: bool = False, level_shifts: Sequence[int] = ()
) -> np.ndarray:
    """The segmented regression's design over years ``t = -years_pre .. years_post - 1``.

    Columns: intercept, ``t``, the level change ``1[t >= 0]`` (column 2), then the slope
    change ``t * 1[t >= 0]`` when ``slope_change``, then one level shift ``1[t >= s]`` per
    ``s`` of ``level_shifts`` (a series break ``s`` years from the start), as
    :func:`research.stats.its.interrupted_time_series` fits them on yearly data.

    Examples
    --------
    >>> its_design(3, 2, slope_change=True, level_shifts=[-1]).tolist()[-2:]
    [[1.0, 0.0, 1.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0]]
    """
    t = np.arange(-years_pre, years_post, dtype=float)
    post = (t >= 0).astype(float)
    cols = [np.ones_like(t), t, post]
    if slope_change:
        cols.append(t * post)
    cols += [(t >= s).astype(float) for s in level_shifts]
    return np.column_stack(cols)


def _its_unit_var(
    years_pre: int,
    years_post: int,
    rr: np.ndarray,
    slope: bool = False,
    shifts: tuple[int, ...] = (),
) -> np.ndarray:
    """[(X' W X)^-1]_cc for a baseline of 1 event per year, level change ``rr``.

    ``X`` is :func:`its_design`; a post-period year ``t`` has weight ``rr`` (the level change;
    a slope change is 0 under the alternative, as the MDE concerns the level).
    """
    X = its_design(years_pre, years_post, slope, shifts)
    post = X[:, 2]
    w = np.where(post[None, None, :] == 1, rr[..., None], 1.0)  # (..., T)
    info = np.einsum("...t,ti,tj->...ij", w, X, X)
    return np.linalg.inv(info)[..., 2, 2]


def _z(p: float) -> float:
    return float(norm_ppf(p))


def _n_rejecting(J: int, alpha: float) -> int:
    """How many of the ``J + 1`` ranks a randomization test at ``alpha`` rejects.

    >>> _n_rejecting(19, 0.05), _n_rejecting(18, 0.05), _n_rejecting(99, 0.1)
    (1, 0, 10)
    """
    return math.floor(alpha * (J + 1) + 1e-9)


def _ri_rejection(delta: np.ndarray, se1: np.ndarray, se0: np.ndarray, J: int, k: int) -> Any:
    """P(the treated |estimate| is among the ``k`` largest of ``J + 1``), normal placebos.

    The treated estimate is ``N(delta, se1^2)``, the ``J`` placebo estimates independent
    ``N(0, se0^2)``; integrated over the treated estimate by the trapezoid rule.
    """
    x = delta[..., None] + se1[..., None] * _QUAD_NODES  # (n, m, q)
    q = 2.0 * norm_sf(np.abs(x) / se0)
    ok = special.bdtr(k - 1, J, q)
    return np.sum(ok * _QUAD_WEIGHTS, axis=-1)


def _exact(model: _Model, i: int, alpha: float) -> ExactShareTest:
    """The exact conditional test of baseline ``i`` (module notes, ``inference="exact"``)."""
    return _exact_test(float(model.b[i]), model.years_pre, model.years_post, model.phi, alpha)


@functools.lru_cache(maxsize=16)
def _exact_test(b: float, years_pre: int, years_post: int, phi: float, alpha: float) -> Any:
    """One :class:`ExactShareTest` per design (its rejection regions computed once).

    The MDE, its power curve and the power of a given change (:func:`can_detect`) share it.
    """
    # phi within 1e-6 of 1 is Poisson to that precision; the beta-binomial's shapes
    # b T / (phi - 1) of 1e12 lose the log-gamma differences to rounding (power 0.92 for 0.80)
    if phi - 1.0 < 1e-6:
        phi = 1.0
    return ExactShareTest(b, years_pre, years_post, phi, alpha)


def _exact_rows(model: _Model) -> np.ndarray:
    """Indices of the baselines the exact test serves (all without a mask)."""
    if model.exact is None:
        return np.arange(model.b.size)
    return np.flatnonzero(model.exact)


def _solve_mde_exact(
    model: _Model, rows: np.ndarray, sign: float, alpha: float, power: float
) -> np.ndarray:
    """Smallest |log RR| whose exact power reaches ``power`` per baseline of ``rows`` (or nan).

    The first crossing on a grid of steps of 0.04 in |log RR|, scanned in blocks of 8
    (increases only while the expected total stays within
    :data:`research.stats._exact_test.MAX_EVENTS`; a block of 100 reached totals of some 170
    times the baseline and built their acceptance regions: 142 s and 4.8 GB at b = 2.5,
    phi = 2, an increase), then on four finer grids of 25 steps
    within the bracket (the power is smooth in the effect but need not be monotone).
    """
    return np.array(
        [
            _mde_exact_one(
                float(model.b[i]), model.years_pre, model.years_post, model.phi, alpha,
                sign, power,
            )
            for i in rows
        ]
    )  # fmt: skip


@functools.lru_cache(maxsize=4096)
def _mde_exact_one(
    b: float, years_pre: int, years_post: int, phi: float, alpha: float, sign: float, power: float
) -> float:
    """:func:`_solve_mde_exact` for one baseline ``b``; nan when no effect reaches ``power``.

    A pure function of its arguments, remembered: screening asks it for some 90 kommuner
    with few events, about 65 exact power evaluations each (2 s), and a notebook or a
    batch's warm kernel that screens again with other weights asks for the same ones.
    """
    test = _exact_test(b, years_pre, years_post, phi, alpha)
    grid = np.linspace(0.0, _L_MAX, 201)[1:]
    years = years_pre + years_post * np.exp(sign * grid)
    Ls = grid[within_reach(b, years, phi)]
    hit, prev = None, 0.0
    for block in np.array_split(Ls, max(1, Ls.size // 8)):
        pw = test.power(np.exp(sign * block))
        reached = np.flatnonzero(pw >= power)
        if reached.size:
            j = int(reached[0])
            hit = float(block[j])
            prev = float(block[j - 1]) if j > 0 else prev
            break
        prev = float(block[-1])
    if hit is None:
        return math.nan
    # the first crossing within the bracket, on ever finer grids (0.04 -> 1e-7)
    lo, hi = prev, hit
    for _ in range(4):
        fine = np.linspace(lo, hi, 26)[1:]
        j = int(np.flatnonzero(test.power(np.exp(sign * fine)) >= power)[0])
        lo, hi = (float(fine[j - 1]) if j > 0 else lo), float(fine[j])
    return hi


def _t_power(r: np.ndarray, df: int, alpha: float) -> np.ndarray:
    """Power of the two-sided t test with ``df`` degrees of freedom at noncentrality ``r``.

    The Wald statistic with an estimated scale is noncentral t (noncentrality ``r = |delta|
    / SE``); the power is ``P(T < -c) + P(T > c)``, ``c`` the t quantile (Cohen 1988, ch. 2;
    the power of R's ``power.t.test`` with ``strict = TRUE``). ``r = inf`` (a standard error
    of 0) is certain rejection, ``r = nan`` (an infinite one) none.
    """
    c = float(t_ppf(1 - alpha / 2, float(df)))
    with np.errstate(invalid="ignore"):
        out = special.nctdtr(float(df), r, -c) + (1.0 - special.nctdtr(float(df), r, c))
    return np.where(np.isnan(out), np.where(np.isinf(r), 1.0, 0.0), np.clip(out, 0.0, 1.0))


def _power(model: _Model, delta: np.ndarray, alpha: float, inference: str) -> np.ndarray:
    """Power of the test at true measured log rate ratios ``delta`` (shape (n, m)).

    The score test's by the two-proportion formula of the module notes. For randomization
    inference the smaller of the test's own rejection rate and that of the test calibrated to
    its nominal size (module notes): false alarms are not power.
    """
    if inference in ("exact", "exact/score"):
        out = _power(model, delta, alpha, "score")
        for i in _exact_rows(model):
            rr = np.exp(delta[i])
            # beyond MAX_EVENTS (a curve's large increases) the score test's normal
            # approximation is accurate: its power stands
            ok = within_reach(model.b[i], model.years_pre + model.years_post * rr, model.phi)
            out[i, ok] = _exact(model, int(i), alpha).power(rr[ok])
        return out
    if inference == "score":
        diff, se0, se1 = model.score_moments(delta)
        z = _z(1 - alpha / 2)
        # se1 = 0 (a rise beyond any count): +-inf, a certain rejection or none; infinite
        # standard errors (a baseline of 5e-324 events) give inf / inf: no power
        with np.errstate(divide="ignore", invalid="ignore"):
            up, down = (diff - z * se0) / se1, (-diff - z * se0) / se1
        up, down = np.where(np.isnan(up), -np.inf, up), np.where(np.isnan(down), -np.inf, down)
        return norm_cdf(up) + norm_cdf(down)
    se1 = np.sqrt(model.var(delta))
    if inference == "wald":
        r = np.abs(delta) / se1
        if model.its_df is not None:
            return _t_power(r, model.its_df, alpha)
        z = _z(1 - alpha / 2)
        return norm_cdf(r - z) + norm_cdf(-r - z)
    J = model.J
    assert J is not None
    k = _n_rejecting(J, alpha)
    if k == 0:
        return np.zeros(np.broadcast_shapes(delta.shape, se1.shape))
    se0 = np.sqrt(model.var_placebo())[..., None]
    plain = _ri_rejection(delta, se1, se0, J, k)
    se1_null = np.sqrt(model.var(np.zeros((model.b.size, 1))))[..., None]
    calibrated = _ri_rejection(delta, se1, se1_null, J, k)
    return np.minimum(plain, calibrated)


def _ri_size(model: _Model, alpha: float, worst: Any = np.nanmax) -> float:
    """The plain randomization test's rejection rate under no effect.

    ``worst`` over the baselines: the largest (default), or with ``np.nanmin`` the smallest.
    """
    J = model.J
    assert J is not None
    k = _n_rejecting(J, alpha)
    if k == 0:
        return 0.0
    zero = np.zeros((model.b.size, 1))
    se1 = np.sqrt(model.var(zero))
    se0 = np.sqrt(model.var_placebo())[..., None]
    size = _ri_rejection(zero, se1, se0, J, k)
    return float(worst(size))


def _solve_mde(
    model: _Model, sign: float, alpha: float, power: float, inference: str, variance: str
) -> np.ndarray:
    """Smallest |log RR| (measured area) reaching the target; nan where none up to _L_MAX.

    Wald: Bloom's fixed point; score and randomization inference: power minus target.
    """
    if inference in ("exact", "exact/score"):
        out = _solve_mde(model, sign, alpha, power, "score", variance)
        rows = _exact_rows(model)
        out[rows] = _solve_mde_exact(model, rows, sign, alpha, power)
        return out
    n = model.b.size
    M = _z(1 - alpha / 2) + _z(power)

    if inference == "wald" and model.its_df is None:

        def h(L: np.ndarray) -> np.ndarray:
            d = sign * L if variance == "alternative" else np.zeros_like(L)
            return L - M * np.sqrt(model.var(d))

    elif inference == "wald":  # t test: the effect whose noncentral-t power is the target
        df = model.its_df

        def h(L: np.ndarray) -> np.ndarray:
            d = sign * L if variance == "alternative" else np.zeros_like(L)
            return _t_power(L / np.sqrt(model.var(d)), df, alpha) - power

    else:

        def h(L: np.ndarray) -> np.ndarray:
            return _power(model, sign * L, alpha, inference) - power

    grid = np.linspace(0.0, _L_MAX, _GRID + 1)[1:]
    Lg = np.broadcast_to(grid, (n, grid.size))
    if inference == "permutation" and n * grid.size > 200_000:
        grid = np.linspace(0.0, _L_MAX, 81)[1:]
        Lg = np.broadcast_to(grid, (n, grid.size))
    hv = h(np.ascontiguousarray(Lg))
    hv = np.where(np.isnan(hv), -np.inf, hv)
    reached = hv >= 0
    found = reached.any(axis=1)
    idx = np.argmax(reached, axis=1)
    hi = grid[idx]
    lo = np.where(idx > 0, grid[np.maximum(idx - 1, 0)], 0.0)
    for _ in range(45):
        mid = 0.5 * (lo + hi)
        ok = h(mid[:, None])[:, 0] >= 0
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    return np.where(found, hi, np.nan)


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PowerNote:
    """A caveat of a power calculation, as a stable code and its numbers (no wording).

    :func:`research.views.power_text.note_texts` turns notes into sentences.

    Attributes
    ----------
    code
        ``"permutation_floor"`` (too few comparison units: the smallest attainable p-value
        ``1/(n_control + 1)`` exceeds ``alpha``; values ``n_control``, ``alpha``, ``needed``),
        ``"dilution"`` (the pilot area is a ``share`` of the measured area),
        ``"overdispersion"`` (``phi`` > 1 assumed), ``"permutation_approx"`` (power of
        randomization inference approximated), ``"simulation"`` (``n_sim``, ``power``,
        ``mc_se``: Monte Carlo standard error), ``"dilution_exceeds"`` (removing every
        pilot-area event changes the measured area less than the MDE) or
        ``"permutation_size"`` (the plain randomization test rejects ``size`` of the time
        with no effect, more than its nominal level near ``alpha``: a treated unit noisier
        than the placebos), ``"permutation_conservative"`` (it rejects only ``size``, less
        than its level: a treated unit quieter than the placebos), ``"no_baseline"`` (one
        baseline count, zero or missing: no
        MDE; value ``baseline_count``), ``"no_control_count"`` (one ``control_count``,
        missing: no MDE) or ``"its_terms_left_out"`` (added by the effect analysis,
        :mod:`research.analyses.effect`: the ITS MDE's model lacks ``n_terms`` of the
        fitted model's terms).
    values
        The numbers the note refers to.
    """

    code: str
    values: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PowerResult(ResultDisplay):
    """Result of :func:`minimum_detectable_effect`.

    Attributes
    ----------
    mde_rate_ratio
        Smallest detectable rate ratio **in the pilot area** (after undoing the dilution):
        ``0.80`` means a 20 % drop is detected with the requested power. ``nan`` when no
        effect is detectable. Float for scalar input, array or polars Series otherwise.
    mde_pct
        The same as a percentage change size, ``100 * |1 - mde_rate_ratio|``.
    mde_rate_ratio_measured, mde_pct_measured
        The same in the measured area (equal to the above without dilution).
    se_null
        Standard error of the estimated log rate ratio under no effect (the design's
        precision on the log scale, whichever test is used).
    detectable
        Whether some effect is detectable (``mde_rate_ratio`` is finite).
    baseline_count
        Expected count per year in the measured area (an estimate when it comes from
        ``count_est``).
    method, estimator, inference, direction, variance
        Settings used (``inference`` resolved from ``"auto"``; ``"exact/score"`` when a
        vector of baselines was answered by the exact test for some and the score test for
        the others, module notes).
    inputs
        All other inputs (years, comparison pool, alpha, power, over-dispersion, dilution).
    notes
        Caveats as :class:`PowerNote` codes with their numbers (the ``1/(J+1)`` floor,
        dilution, over-dispersion, approximations); worded by
        :func:`research.views.power_text.note_texts`.
    curve
        Power against the pilot-area rate ratio (scalar input only): columns
        ``rate_ratio``, ``rate_ratio_measured``, ``power`` and, for simulations, ``mc_se``.
    """

    mde_rate_ratio: Any
    mde_pct: Any
    mde_rate_ratio_measured: Any
    mde_pct_measured: Any
    se_null: Any
    detectable: Any
    baseline_count: Any
    method: str
    estimator: str
    inference: str
    direction: str
    variance: str
    inputs: dict
    notes: list[PowerNote] = field(default_factory=list)
    curve: pl.DataFrame | None = None

    _frame_fields = (
        "mde_rate_ratio mde_pct mde_rate_ratio_measured mde_pct_measured se_null "
        "detectable baseline_count method estimator inference"
    )
    _vector_field = "mde_rate_ratio"

    def _display_title(self) -> str:
        return f"Minimum detectable effect ({self.estimator}, {self.inference} inference)"

    def _display_rows(self) -> list[tuple[str, object]]:
        return [
            ("MDE rate ratio (pilot area)", self.mde_rate_ratio),
            ("MDE change (%)", self.mde_pct),
            ("MDE rate ratio (measured area)", self.mde_rate_ratio_measured),
            ("SE of log rate ratio under no effect", self.se_null),
            ("baseline count per year", self.baseline_count),
            ("direction", self.direction),
            ("method", self.method),
        ]

    def _display_note(self) -> str | None:
        return ", ".join(n.code for n in self.notes) or None

    def plot(self) -> Any:
        """Power against the pilot-area rate ratio (a matplotlib Figure).

        Returns
        -------
        matplotlib.figure.Figure
            The power curve, with the requested power as a horizontal line.

        Raises
        ------
        ArgumentError
            When the result has no curve (a vectorised call).
        """
        if self.curve is None:
            en, sv = _TEXTS.both("plot_no_curve")
            raise ArgumentError(en, sv=sv)
        return line_figure(
            self.curve["rate_ratio"].to_numpy(),
            [("power", self.curve["power"].to_numpy())],
            labels=("Power curve", "rate ratio in the pilot area", "power"),
            hline=float(self.inputs.get("power", 0.8)),
        )


@dataclass(frozen=True)
class DetectResult(ResultDisplay):
    """Result of :func:`can_detect`.

    Attributes
    ----------
    power
        Probability of a significant result for the given change.
    detectable
        ``power >= target_power``.
    effect_rate_ratio, effect_rate_ratio_measured
        The change as a rate ratio in the pilot area and in the measured area.
    target_power, alpha
        The requested power and significance level.
    mde
        The full :class:`PowerResult` (smallest detectable change with ``target_power``).
    """

    power: Any
    detectable: Any
    effect_rate_ratio: float
    effect_rate_ratio_measured: float
    target_power: float
    alpha: float
    mde: PowerResult

    _frame_fields = (
        "power detectable effect_rate_ratio effect_rate_ratio_measured target_power alpha"
    )
    _vector_field = "power"

    def _display_title(self) -> str:
        return "Power to detect a change"

    def _display_rows(self) -> list[tuple[str, object]]:
        return [
            ("change as rate ratio (pilot area)", self.effect_rate_ratio),
            ("change as rate ratio (measured area)", self.effect_rate_ratio_measured),
            ("power", self.power),
            ("target power", self.target_power),
            ("detectable", self.detectable),
            ("significance level", self.alpha),
        ]

    def plot(self) -> Any:
        """The power curve of :attr:`mde` (see :meth:`PowerResult.plot`)."""
        return self.mde.plot()


def _notes(model: _Model, alpha: float, inference: str, w: float) -> list[PowerNote]:
    notes = []
    J = model.J
    if inference == "permutation" and J is not None and 1.0 / (J + 1) > alpha:
        needed = math.ceil(1 / alpha) - 1
        notes.append(
            PowerNote("permutation_floor", {"n_control": J, "alpha": alpha, "needed": needed})
        )
    if w < 1:
        notes.append(PowerNote("dilution", {"share": w}))
    if model.phi > 1:
        notes.append(PowerNote("overdispersion", {"phi": model.phi}))
    if inference == "permutation":
        notes.append(PowerNote("permutation_approx"))
        if J is not None and 1.0 / (J + 1) <= alpha:
            size = _ri_size(model, alpha)
            nominal = _n_rejecting(J, alpha) / (J + 1)
            low = _ri_size(model, alpha, np.nanmin)
            if size > _SIZE_TOLERANCE * nominal:
                notes.append(PowerNote("permutation_size", {"size": size, "alpha": alpha}))
            elif low < nominal / _SIZE_TOLERANCE:
                # a pilot with more cases than the comparison units: a quieter estimate than
                # the placebos, so the plain test rejects less often than its level
                notes.append(PowerNote("permutation_conservative", {"size": low, "alpha": alpha}))
    return notes


# --------------------------------------------------------------------------------------------
# main functions
# --------------------------------------------------------------------------------------------


def _check_finite(x: np.ndarray, name: str) -> None:
    """Refuse an infinite input (NaN stays: a missing value)."""
    if np.isinf(x).any():
        en, sv = _TEXTS.both("baseline_not_finite", name=name, value=float(x[np.isinf(x)].flat[0]))
        raise ArgumentError(en, sv=sv)


def _baseline(baseline_count, baseline_rate, population, per) -> tuple[np.ndarray, str]:
    if baseline_count is not None:
        if baseline_rate is not None or population is not None:
            en, sv = _TEXTS.both("baseline_both")
            raise ArgumentError(en, sv=sv)
        b, kind = _as_array(baseline_count, "baseline_count")
    else:
        if baseline_rate is None or population is None:
            en, sv = _TEXTS.both("baseline_missing")
            raise ArgumentError(en, sv=sv)
        if isinstance(per, bool) or not (
            isinstance(per, int | float) and math.isfinite(per) and per > 0
        ):
            en, sv = _TEXTS.both("per_positive", value=per)
            raise ArgumentError(en, sv=sv)
        r, k1 = _as_array(baseline_rate, "baseline_rate")
        p, k2 = _as_array(population, "population")
        _check_finite(r, "baseline_rate")
        _check_finite(p, "population")
        with np.errstate(over="ignore"):  # an overflow is refused below, by name
            b = r * p / float(per)
        kind = "series" if "series" in (k1, k2) else ("array" if b.ndim else "scalar")
    b = np.atleast_1d(b).astype(float)
    _check_finite(b, "baseline_count")  # given, or a rate times a population that overflowed
    if np.any(b[~np.isnan(b)] < 0):
        en, sv = _TEXTS.both("baseline_negative")
        raise ArgumentError(en, sv=sv)
    if np.any(b[~np.isnan(b)] > _MAX_BASELINE):
        big = float(np.nanmax(b))
        en, sv = _TEXTS.both("baseline_too_large", value=big, limit=_MAX_BASELINE)
        raise ArgumentError(en, sv=sv)
    return b, kind


def _check_levels(alpha: Any, power: Any) -> None:
    for v, name in ((alpha, "alpha"), (power, "power")):
        if isinstance(v, bool) or not (isinstance(v, int | float) and 0 < v < 1):
            en, sv = _TEXTS.both("not_a_probability", name=name, value=v)
            raise ArgumentError(en, sv=sv)
    if power <= alpha:
        en, sv = _TEXTS.both("power_not_above_alpha", power=power, alpha=alpha)
        raise ArgumentError(en, sv=sv)


def _whole(v: Any) -> bool:
    """Whether ``v`` is a whole number (a Python or NumPy integer, not a bool)."""
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


def _settings(  # noqa: PLR0913 - the MDE's resolved settings passed explicitly
    estimator, method, inference, direction, variance, alpha, power, years_pre, years_post,
    overdispersion, n_control,
) -> str:  # fmt: skip
    for v, name, ch in (
        (estimator, "estimator", _ESTIMATORS),
        (method, "method", _METHODS),
        (inference, "inference", _INFERENCE),
        (direction, "direction", _DIRECTIONS),
        (variance, "variance", _VARIANCE),
    ):
        if v not in ch:
            en, sv = _TEXTS.both("not_supported", name=name, value=v, choices=", ".join(ch))
            raise ArgumentError(en, sv=sv)
    _check_levels(alpha, power)
    for v, name in ((years_pre, "years_pre"), (years_post, "years_post")):
        if not (_whole(v) and v >= 1):
            en, sv = _TEXTS.both("years_not_whole", name=name, value=v)
            raise ArgumentError(en, sv=sv)
    if estimator == "its" and years_pre < 2:
        en, sv = _TEXTS.both("its_years_pre")
        raise ArgumentError(en, sv=sv)
    if isinstance(overdispersion, bool) or not (
        isinstance(overdispersion, int | float) and math.isfinite(overdispersion)
        and overdispersion >= 1
    ):  # fmt: skip
        en, sv = _TEXTS.both("overdispersion", value=overdispersion)
        raise ArgumentError(en, sv=sv)
    if n_control is not None and not (_whole(n_control) and n_control >= 1):
        en, sv = _TEXTS.both("n_control", value=n_control)
        raise ArgumentError(en, sv=sv)
    return _resolve_inference(inference, estimator, variance, n_control)


def _resolve_inference(inference: str, estimator: str, variance: str, n_control: Any) -> str:
    """``"auto"`` resolved (module notes), and the tests' conditions checked.

    ``did_poisson``: permutation with ``n_control``, else the score test; ``its``: Wald (the
    only test of the segmented regression). ``variance="null"`` is a Wald option.
    """
    if inference == "auto":
        if estimator != "did_poisson":
            inference = "wald"
        else:
            inference = "permutation" if n_control else "score"
    if inference in ("score", "exact", "permutation") and estimator != "did_poisson":
        en, sv = _TEXTS.both(f"{inference}_estimator")
        raise ArgumentError(en, sv=sv)
    if inference == "permutation" and n_control is None:
        en, sv = _TEXTS.both("permutation_n_control")
        raise ArgumentError(en, sv=sv)
    if inference != "wald" and variance != "alternative":
        en, sv = _TEXTS.both("variance_null_wald_only")
        raise ArgumentError(en, sv=sv)
    return inference


def _its_terms(
    estimator: str,
    years_pre: int,
    years_post: int,
    slope_change: Any,
    level_shifts: Any,
    scale: Any = "known",
) -> tuple[bool, tuple[int, ...], int | None]:
    """The ITS design options checked: a full-rank :func:`its_design` (``its`` only).

    Returns the slope change, the level shifts and, for ``scale="estimated"``, the residual
    degrees of freedom ``years_pre + years_post - p`` of the t test (else ``None``).
    """
    if not isinstance(slope_change, bool):
        en, sv = _TEXTS.both("its_slope_change_bool", value=slope_change)
        raise ArgumentError(en, sv=sv)
    if scale not in _ITS_SCALES:
        en, sv = _TEXTS.both(
            "not_supported", name="its_scale", value=scale, choices=", ".join(_ITS_SCALES)
        )
        raise ArgumentError(en, sv=sv)
    shifts = tuple(level_shifts) if not isinstance(level_shifts, str | int) else (level_shifts,)
    if (slope_change or shifts or scale != "known") and estimator != "its":
        en, sv = _TEXTS.both("its_terms_estimator")
        raise ArgumentError(en, sv=sv)
    if any(isinstance(s, bool) or not isinstance(s, int) for s in shifts):
        en, sv = _TEXTS.both("its_level_shifts_whole", value=list(shifts))
        raise ArgumentError(en, sv=sv)
    if not (slope_change or shifts or scale != "known"):
        return False, (), None
    X = its_design(years_pre, years_post, slope_change, shifts)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        en, sv = _TEXTS.both(
            "its_design_singular",
            pre=years_pre,
            post=years_post,
            slope=slope_change,
            shifts=list(shifts),
        )
        raise ArgumentError(en, sv=sv)
    if scale == "known":
        return slope_change, shifts, None
    df = X.shape[0] - X.shape[1]
    if df < 1:
        en, sv = _TEXTS.both("its_no_residual_df", n=X.shape[0], p=X.shape[1])
        raise ArgumentError(en, sv=sv)
    return slope_change, shifts, df


def _model(
    b, n_control, control_count, years_pre, years_post, phi, estimator, its=(False, (), None)
) -> _Model:
    if control_count is not None:
        C, _ = _as_array(control_count, "control_count")
        C = np.broadcast_to(np.atleast_1d(C).astype(float), b.shape).copy()
        if np.any(C[~np.isnan(C)] <= 0):
            en, sv = _TEXTS.both("control_count_positive")
            raise ArgumentError(en, sv=sv)
    elif n_control is not None:
        C = b * n_control
    else:
        C = np.full(b.shape, np.inf)
    return _Model(b=b, C=C, J=n_control, years_pre=years_pre, years_post=years_post,
                  phi=float(phi), estimator=estimator, its_slope=its[0],
                  its_shifts=its[1], its_df=its[2])  # fmt: skip


def _check_exact(
    model: _Model, inference: str, auto: bool, rate_ratio: float = 1.0
) -> tuple[str, _Model]:
    """The test used, and the model marking the baselines the exact test serves.

    ``"auto"``'s score test is exact for a baseline whose expected total over both periods
    is at most ``_EXACT_AUTO_EVENTS`` against an unlimited comparison group (module notes),
    and whose total stays within :data:`research.stats._exact_test.MAX_EVENTS` at
    ``rate_ratio`` (:func:`research.stats._exact_test.within_reach`: a large over-dispersion
    spreads a few expected events over many thousands): ``"exact"`` when every baseline is,
    ``"exact/score"`` when some are. An ``"exact"`` asked for has its conditions checked: a
    known comparison share (an unlimited pool) and totals it can sum over.
    """
    unlimited = bool(np.all(np.isinf(model.C)))
    totals = model.b * (model.years_pre + model.years_post)
    years = model.years_pre + model.years_post * max(1.0, rate_ratio)
    reach = within_reach(np.where(model.b > 0, model.b, 0.0), years, model.phi)
    if auto and inference == "score":
        # a missing baseline goes with them (no MDE)
        few = ~(totals > _EXACT_AUTO_EVENTS) & (reach | ~(model.b > 0))
        if not unlimited or not few.any():
            return "score", model
        return ("exact" if few.all() else "exact/score"), replace(model, exact=few)
    if inference != "exact":
        return inference, model
    if not unlimited:
        en, sv = _TEXTS.both("exact_pool")
        raise ArgumentError(en, sv=sv)
    total = float(np.nanmax(totals, initial=0.0))
    if total > MAX_EVENTS:
        en, sv = _TEXTS.both("exact_too_many", total=total, limit=MAX_EVENTS)
        raise ArgumentError(en, sv=sv)
    if not np.all(reach | ~(model.b > 0)):
        en, sv = _TEXTS.both(
            "exact_out_of_reach", phi=model.phi, rate_ratio=max(1.0, rate_ratio),
            limit=MAX_EVENTS,
        )  # fmt: skip
        raise ArgumentError(en, sv=sv)
    return inference, model


def minimum_detectable_effect(  # noqa: PLR0913 - a documented calculator: each design input is an option
    baseline_count: Any = None,
    *,
    baseline_rate: Any = None,
    population: Any = None,
    per: float = 100_000,
    years_pre: int = 3,
    years_post: int = 3,
    n_control: int | None = None,
    control_count: Any = None,
    alpha: float = 0.05,
    power: float = 0.8,
    overdispersion: float = 1.0,
    dilution: float = 1.0,
    district_rate_ratio: float = 1.0,
    direction: str = "decrease",
    method: str = "analytic",
    estimator: str = "did_poisson",
    inference: str = "auto",
    variance: str = "alternative",
    its_slope_change: bool = False,
    its_level_shifts: Sequence[int] = (),
    its_scale: str = "known",
    n_sim: int = 2000,
    effects: Any = None,
    seed: int | None = 20210401,
) -> PowerResult:
    """Smallest pilot effect (a rate ratio) detectable with the requested power.

    Parameters
    ----------
    baseline_count
        Expected events per year in the measured area before the pilot (e.g. the mean
        estimated count of recent years): a number, numpy array or polars Series (vectorized
        for the analytic method).
    baseline_rate, population, per
        Alternative to ``baseline_count``: ``rate * population / per``.
    years_pre, years_post
        Whole years before and after the start that the comparison uses.
    n_control
        Number of comparison units ``J`` for ``estimator="did_poisson"``; ``None`` (default)
        for an unlimited comparison group.
    control_count
        Expected events per year in the whole comparison pool (default: ``n_control`` times
        ``baseline_count``, i.e. comparison units the size of the treated one; with neither
        given the control terms of the variance are 0).
    alpha
        Two-sided significance level.
    power
        Requested power.
    overdispersion
        ``phi >= 1`` with variance = ``phi`` x mean (1 = Poisson).
    dilution
        Share of the measured area's population in the pilot area (1 = the pilot covers
        the measured area). Södermalm in Stockholm is about 0.13.
    district_rate_ratio
        Base rate of the pilot area over that of the measured area (default 1).
    direction
        ``"decrease"`` (default) or ``"increase"``; note that an outreach pilot can raise
        *reported* violence.
    method
        ``"analytic"`` (default) or ``"simulation"`` (``did_poisson`` only, scalar baseline).
    estimator
        ``"did_poisson"`` (default) or ``"its"`` (treated series alone with a pre-trend).
    inference
        ``"auto"`` (default: with ``did_poisson`` permutation when ``n_control`` is given,
        else the exact test against an unlimited comparison group with at most 600 expected
        events over both periods, else score; with ``its`` Wald), ``"score"`` (the z test of
        the share of events after the start, ``did_poisson`` only), ``"exact"`` (the exact
        conditional test of that share, ``did_poisson`` against an unlimited comparison
        group), ``"wald"`` (the z test of the log rate ratio: its power falls for large drops
        with few events, see the module notes) or ``"permutation"``.
    variance
        ``"alternative"`` (SE at the effect, default) or ``"null"`` (SE at no effect, the
        textbook ``MDE = (z_{1-alpha/2} + z_power) * SE``); Wald only (the score test uses
        both by construction, and ``"null"`` is refused with it as with permutation).
    its_slope_change, its_level_shifts
        ``estimator="its"``: the fitted model's other terms, so that the MDE is that of the
        level change in the model the analysis fits (:func:`its_design`): a slope change
        from the start, and level shifts ``1[t >= s]`` at series breaks ``s`` years from
        the start (e.g. ``-1`` for a break the year before it). Each term the fit has makes
        the level change less precise; leaving them out overstates the power.
    its_scale
        ``estimator="its"``: ``"known"`` (default: ``overdispersion`` is the true scale, a
        z test) or ``"estimated"`` (the analysis estimates the scale from its residuals, as
        the quasi-Poisson ITS of :func:`research.stats.its.interrupted_time_series` does: a
        t test with ``n - p`` degrees of freedom, ``n = years_pre + years_post`` and ``p``
        the columns of :func:`its_design`; its power is the noncentral t's, and the MDE the
        smallest effect reaching the target, as the t multipliers of Bloom 1995 approximate).
        With 8 + 3 years and no other terms that is 8 degrees of freedom, and at 15 events
        a year the MDE's log rate ratio is 1.2 times the z test's; with 3 + 3 years (3
        degrees of freedom) no drop reaches 80 % power.
    n_sim
        Simulated data sets per effect (simulation only).
    effects
        Pilot-area rate ratios at which to simulate (default: a grid around the analytic MDE).
    seed
        Seed of the simulation.

    Returns
    -------
    PowerResult

    Raises
    ------
    ArgumentError
        For invalid settings or inputs.

    Examples
    --------
    Huddinge had about 15 estimated cases of grov kvinnofridskränkning a year in 2020-2022:

    >>> r = minimum_detectable_effect(15.0, years_pre=3, years_post=3)
    >>> r.inference, round(r.mde_rate_ratio, 3), round(r.mde_pct, 1)
    ('exact', 0.478, 52.2)
    >>> round(minimum_detectable_effect(15.0, inference="score").mde_pct, 1)
    50.2
    >>> minimum_detectable_effect(15.0, n_control=10).detectable
    False

    References
    ----------
    Bloom (1995); Breslow & Day (1987); Fleiss, Levin & Paik (2003); see the module docstring.
    """
    requested = inference
    inference = _settings(
        estimator, method, inference, direction, variance, alpha, power, years_pre,
        years_post, overdispersion, n_control,
    )  # fmt: skip
    w = _check_share(dilution, district_rate_ratio)
    b, kind = _baseline(baseline_count, baseline_rate, population, per)
    its = _its_terms(
        estimator, years_pre, years_post, its_slope_change, its_level_shifts, its_scale
    )
    model = _model(
        b, n_control, control_count, years_pre, years_post, overdispersion, estimator, its
    )
    inference, model = _check_exact(model, inference, auto=requested == "auto")
    sign = -1.0 if direction == "decrease" else 1.0
    inputs = dict(
        years_pre=years_pre, years_post=years_post, n_control=n_control,
        control_count=None if control_count is None else _wrap(model.C, kind, "control_count"),
        alpha=alpha, power=power, overdispersion=overdispersion, dilution=dilution,
        district_rate_ratio=district_rate_ratio, per=per,
        its_slope_change=its[0], its_level_shifts=list(its[1]), its_scale=its_scale,
    )  # fmt: skip
    notes = _notes(model, alpha, inference, w)
    bad = ~(b > 0)
    if kind == "scalar" and bad[0]:
        notes.append(PowerNote("no_baseline", {"baseline_count": float(b[0])}))
    elif kind == "scalar" and np.isnan(model.C[0]):
        notes.append(PowerNote("no_control_count"))
    b_safe = np.where(bad, 1.0, b)
    safe = replace(model, b=b_safe, C=np.where(bad, 1.0, model.C))
    se_null = np.sqrt(safe.var(np.zeros((b.size, 1))))[:, 0]
    se_null = np.where(bad, np.nan, se_null)
    curve = None
    if method == "analytic":
        L = _solve_mde(safe, sign, alpha, power, inference, variance)
        L = np.where(bad, np.nan, L)
        rr_k = np.exp(sign * L)
        if kind == "scalar" and not bad[0]:
            curve = _analytic_curve(safe, sign, alpha, inference, w, direction)
    else:
        if kind != "scalar" or bad[0]:
            en, sv = _TEXTS.both("simulation_one_positive_baseline")
            raise ArgumentError(en, sv=sv)
        if estimator != "did_poisson":
            en, sv = _TEXTS.both("simulation_estimator")
            raise ArgumentError(en, sv=sv)
        rr_k, curve = _simulate_mde(
            safe, sign, alpha, power, inference, w, direction, n_sim, effects, seed
        )
        rr_k = np.atleast_1d(rr_k)
        mc = math.sqrt(power * (1 - power) / n_sim)
        notes.append(PowerNote("simulation", {"n_sim": n_sim, "power": power, "mc_se": mc}))
    rr_k = np.where(sign * np.log(rr_k) > 0, rr_k, np.nan)
    rr_d = np.where(np.isnan(rr_k), np.nan, 1.0 - (1.0 - rr_k) / w)
    rr_d = np.where(rr_d > 0, rr_d, np.nan)
    if w < 1 and direction == "decrease" and kind == "scalar" and np.isfinite(rr_k[0]):
        if np.isnan(rr_d[0]):
            notes.append(PowerNote("dilution_exceeds"))
    return PowerResult(
        mde_rate_ratio=_wrap(rr_d, kind, "mde_rate_ratio"),
        mde_pct=_wrap(100 * np.abs(1 - rr_d), kind, "mde_pct"),
        mde_rate_ratio_measured=_wrap(rr_k, kind, "mde_rate_ratio_measured"),
        mde_pct_measured=_wrap(100 * np.abs(1 - rr_k), kind, "mde_pct_measured"),
        se_null=_wrap(se_null, kind, "se_null"),
        detectable=(
            bool(np.isfinite(rr_d[0]))
            if kind == "scalar"
            else _wrap_bool(np.isfinite(rr_d), kind, "detectable")
        ),
        baseline_count=_wrap(b, kind, "baseline_count"),
        method=method,
        estimator=estimator,
        inference=inference,
        direction=direction,
        variance=variance,
        inputs=inputs,
        notes=notes,
        curve=curve,
    )


def _wrap_bool(x: np.ndarray, kind: str, name: str) -> Any:
    return pl.Series(name, x) if kind == "series" else np.asarray(x, dtype=bool)


def _analytic_curve(
    model: _Model, sign: float, alpha: float, inference: str, w: float, direction: str
) -> pl.DataFrame:
    rr_d = np.round(np.arange(1.0, 0.0, -0.05), 2) if direction == "decrease" else (
        np.round(np.arange(1.0, 3.01, 0.1), 2)
    )  # fmt: skip
    rr_k = 1.0 - w * (1.0 - rr_d)
    pw = _power(model, np.log(rr_k)[None, :], alpha, inference)[0]
    return pl.DataFrame({"rate_ratio": rr_d, "rate_ratio_measured": rr_k, "power": pw})


# --------------------------------------------------------------------------------------------
# simulation
# --------------------------------------------------------------------------------------------


def _draw(rng: np.random.Generator, mu: np.ndarray, phi: float) -> np.ndarray:
    if phi == 1.0:
        return rng.poisson(mu).astype(float)
    lam = rng.gamma(shape=mu / (phi - 1.0), scale=phi - 1.0)
    return rng.poisson(lam).astype(float)


def _haldane(*cells: np.ndarray) -> tuple[np.ndarray, ...]:
    """Add 0.5 to every cell of a simulated data set (row) that has a zero cell.

    Without it a data set with no events in one period has an infinite log ratio and an
    infinite variance, its z statistic is ``nan`` and it never rejects: with fewer than about
    one event a year most data sets are of that kind, the simulated power could not reach the
    target and the MDE came out ``nan``. The Haldane-Anscombe correction is the one
    :func:`research.stats.rates.rate_ratio` uses for its Wald interval.
    """
    zero = np.any(np.stack(cells) == 0, axis=0)
    return tuple(np.where(zero, c + 0.5, c) for c in cells)


def _collapsed_estimates(pre: np.ndarray, post: np.ndarray) -> np.ndarray:
    """Poisson TWFE estimate of every unit (column) against the pooled others, per row.

    On two-period totals the Poisson two-way fixed-effects model with one treated unit is
    saturated, so its estimate is the log cross-ratio
    ``log(post_i / pre_i) - log(sum_{j != i} post_j / sum_{j != i} pre_j)``.
    Units with no events in either period get ``nan`` (:func:`research.stats.did.diff_in_diff`
    drops them); a zero in one period gives an infinite estimate.
    """
    sp = pre.sum(axis=1, keepdims=True) - pre
    sq = post.sum(axis=1, keepdims=True) - post
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.log(post) - np.log(pre) - (np.log(sq) - np.log(sp))
    d[(pre == 0) & (post == 0)] = np.nan
    return d


def _score_z(
    t_pre: np.ndarray, t_post: np.ndarray, c_pre: np.ndarray | None, c_post: np.ndarray | None,
    years_pre: int, years_post: int, phi: float,
) -> np.ndarray:  # fmt: skip
    """``|z|`` of the score test on simulated totals (Pearson's 2x2 statistic over ``phi``).

    The treated post share against the comparison's (pooled variance) or, without comparison
    totals (an unlimited pool), against the known ``years_post / (years_pre + years_post)``.
    A data set without treated events (or without any spread of the pooled share) has no test
    and ``z = 0``: it never rejects.
    """
    n_t = t_pre + t_post
    with np.errstate(divide="ignore", invalid="ignore"):
        p_t = t_post / n_t
        if c_pre is None or c_post is None:
            p_c = years_post / (years_pre + years_post)
            var = p_c * (1.0 - p_c) / n_t
        else:
            n_c = c_pre + c_post
            p_c = c_post / n_c
            pooled = (t_post + c_post) / (n_t + n_c)
            var = pooled * (1.0 - pooled) * (1.0 / n_t + 1.0 / n_c)
        z = np.abs(p_t - p_c) / np.sqrt(phi * var)
    return np.where(np.isfinite(z), z, 0.0)


def _sim_power(
    model: _Model, delta: float, alpha: float, inference: str, n_sim: int,
    rng: np.random.Generator,
) -> float:  # fmt: skip
    b = float(model.b[0])
    yp, yq, phi = model.years_pre, model.years_post, model.phi
    J = model.J
    if J is None:
        C = float(model.C[0])
        t_pre = _draw(rng, np.full(n_sim, b * yp), phi)
        t_post = _draw(rng, np.full(n_sim, b * yq * math.exp(delta)), phi)
        if np.isfinite(C):
            c_pre = _draw(rng, np.full(n_sim, C * yp), phi)
            c_post = _draw(rng, np.full(n_sim, C * yq), phi)
            if inference == "score":
                z = _score_z(t_pre, t_post, c_pre, c_post, yp, yq, phi)
                return float(np.mean(z > _z(1 - alpha / 2)))
            t_pre, t_post, c_pre, c_post = _haldane(t_pre, t_post, c_pre, c_post)
            d = np.log(t_post / t_pre) - np.log(c_post / c_pre)
            var = 1.0 / t_pre + 1.0 / t_post + 1.0 / c_pre + 1.0 / c_post
        else:  # unlimited comparison group: its post/pre ratio is known exactly
            if inference == "exact":
                return float(np.mean(_exact(model, 0, alpha).rejects(t_post, t_pre + t_post)))
            if inference == "score":
                z = _score_z(t_pre, t_post, None, None, yp, yq, phi)
                return float(np.mean(z > _z(1 - alpha / 2)))
            t_pre, t_post = _haldane(t_pre, t_post)
            d = np.log(t_post / t_pre) - math.log(yq / yp)
            var = 1.0 / t_pre + 1.0 / t_post
        z = np.abs(d) / np.sqrt(phi * var)
        rej = z > _z(1 - alpha / 2)
        return float(np.mean(rej))
    c = float(model.C[0]) / J
    mu_pre = np.concatenate([[b * yp], np.full(J, c * yp)])
    mu_post = np.concatenate([[b * yq * math.exp(delta)], np.full(J, c * yq)])
    pre = _draw(rng, np.broadcast_to(mu_pre, (n_sim, J + 1)), phi)
    post = _draw(rng, np.broadcast_to(mu_post, (n_sim, J + 1)), phi)
    d = _collapsed_estimates(pre, post)
    if inference == "permutation":
        # the test as run, and the same test on estimates divided by their null standard
        # errors (calibrated to its nominal size); the smaller rejection rate (module notes)
        v1 = float(model.var(np.zeros((1, 1)))[0, 0])
        v0 = float(model.var_placebo()[0, 0])
        se_null = np.sqrt(np.concatenate([[v1], np.full(J, v0)]))
        rates = []
        for a in (np.abs(d), np.abs(d) / se_null):
            a0 = a[:, :1]
            valid = ~np.isnan(a)
            # ties as in the permutation tests themselves (stats/_resampling)
            ge = np.sum(valid & at_least_as_extreme(a, a0, axis=1), axis=1)
            p = ge / valid.sum(axis=1)
            rates.append(float(np.mean((p <= alpha + 1e-12) & ~np.isnan(a[:, 0]))))
        return min(rates)
    if inference == "score":
        c_pre, c_post = pre.sum(axis=1) - pre[:, 0], post.sum(axis=1) - post[:, 0]
        z = _score_z(pre[:, 0], post[:, 0], c_pre, c_post, yp, yq, phi)
        return float(np.mean(z > _z(1 - alpha / 2)))
    t_pre, t_post, c_pre, c_post = _haldane(
        pre[:, 0], post[:, 0], pre.sum(axis=1) - pre[:, 0], post.sum(axis=1) - post[:, 0]
    )
    d = np.log(t_post / t_pre) - np.log(c_post / c_pre)
    var = phi * (1 / t_pre + 1 / t_post + 1 / c_pre + 1 / c_post)
    z = np.abs(d) / np.sqrt(var)
    return float(np.mean(z > _z(1 - alpha / 2)))


def _check_n_sim(n_sim: Any) -> None:
    """Refuse a number of simulated data sets below 10 (or not a whole number)."""
    if isinstance(n_sim, bool) or not (isinstance(n_sim, int) and n_sim >= 10):
        en, sv = _TEXTS.both("n_sim", value=n_sim)
        raise ArgumentError(en, sv=sv)


def _simulate_mde(model, sign, alpha, power, inference, w, direction, n_sim, effects, seed):  # noqa: PLR0913 - the simulation's settings passed explicitly, no hidden state
    _check_n_sim(n_sim)
    rng = random_generator(seed)
    if effects is None:
        L0 = _solve_mde(model, sign, alpha, power, inference, "alternative")[0]
        if np.isfinite(L0):
            Ls = L0 * np.array([0.0, 0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0])
            rr_k = np.exp(sign * Ls)
        else:
            rr_k = 1.0 + sign * np.array([0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
        if direction == "decrease":
            rr_k = rr_k[rr_k > 1.0 - w]
        rr_d = 1.0 - (1.0 - rr_k) / w
    else:
        rr_d = np.atleast_1d(np.asarray(effects, dtype=float))
        if not np.all(np.isfinite(rr_d) & (rr_d > 0)):
            en, sv = _TEXTS.both("effects_positive")
            raise ArgumentError(en, sv=sv)
        rr_k = 1.0 - w * (1.0 - rr_d)
    order = np.argsort(np.abs(np.log(rr_k)))
    rr_k, rr_d = rr_k[order], rr_d[order]
    pw = np.array([_sim_power(model, math.log(r), alpha, inference, n_sim, rng) for r in rr_k])
    curve = pl.DataFrame({
        "rate_ratio": rr_d, "rate_ratio_measured": rr_k, "power": pw,
        "mc_se": np.sqrt(pw * (1 - pw) / n_sim),
    })  # fmt: skip
    L = np.abs(np.log(rr_k))
    hit = np.flatnonzero(pw >= power)
    if hit.size == 0:
        return np.nan, curve
    i = int(hit[0])
    if i == 0:
        return float(rr_k[0]), curve
    frac = (power - pw[i - 1]) / (pw[i] - pw[i - 1])
    Lm = L[i - 1] + frac * (L[i] - L[i - 1])
    return float(math.exp(sign * Lm)), curve


# --------------------------------------------------------------------------------------------
# power for a given effect
# --------------------------------------------------------------------------------------------


#: The keyword-only settings of :func:`minimum_detectable_effect` and their defaults, which
#: :func:`power_at` and :func:`can_detect` take as ``**kwargs``: not the three they own, nor
#: ``effects`` (the simulated MDE's grid; power is asked for one ``effect``).
_MDE_DEFAULTS = {
    name: p.default
    for name, p in inspect.signature(minimum_detectable_effect).parameters.items()
    if p.kind is p.KEYWORD_ONLY and name not in ("method", "n_sim", "seed", "effects")
}


def _mde_settings(kwargs: dict[str, Any], func: str) -> dict[str, Any]:
    """``kwargs`` completed with the MDE's defaults; a keyword it does not take is refused."""
    check_keywords(kwargs, _MDE_DEFAULTS, func)
    return {**_MDE_DEFAULTS, **kwargs}


def power_at(
    rate_ratio: float,
    baseline_count: Any = None,
    *,
    method: str = "analytic",
    n_sim: int = 2000,
    seed: int | None = 20210401,
    **kwargs: Any,
) -> Any:
    """Power to detect a given pilot-area rate ratio.

    Parameters
    ----------
    rate_ratio
        The true effect in the pilot area (``0.8`` = a 20 % drop).
    baseline_count
        As :func:`minimum_detectable_effect` (vectorized for the analytic method).
    method, n_sim, seed
        ``"analytic"`` or ``"simulation"`` (``did_poisson``, scalar baseline) for the power
        of the given change; ``n_sim`` simulated panels drawn from ``seed``.
    **kwargs
        Any other argument of :func:`minimum_detectable_effect` (``years_pre``,
        ``n_control``, ``alpha``, ``overdispersion``, ``dilution``, ...).

    Returns
    -------
    float, numpy.ndarray or polars.Series
        The probability of a significant result.

    Raises
    ------
    ArgumentError
        For invalid inputs.

    References
    ----------
    Bloom (1995); Breslow & Day (1987); Fleiss, Levin & Paik (2003); see the module docstring.

    Examples
    --------
    >>> round(power_at(0.8, 100.0, years_pre=1, years_post=1), 3)  # the exact test
    0.294
    >>> round(power_at(0.8, 100.0, years_pre=1, years_post=1, inference="score"), 3)
    0.319
    """
    if isinstance(rate_ratio, bool) or not (
        isinstance(rate_ratio, int | float) and math.isfinite(rate_ratio) and rate_ratio > 0
    ):
        en, sv = _TEXTS.both("rate_ratio_positive", value=rate_ratio)
        raise ArgumentError(en, sv=sv)
    k = _mde_settings(kwargs, "power_at")
    estimator = k["estimator"]
    n_control = k["n_control"]
    inference = _settings(
        estimator, method, k["inference"], k["direction"], k["variance"], k["alpha"],
        k["power"], k["years_pre"], k["years_post"], k["overdispersion"], n_control,
    )  # fmt: skip
    w = _check_share(k["dilution"], k["district_rate_ratio"])
    b, kind = _baseline(baseline_count, k["baseline_rate"], k["population"], k["per"])
    its = _its_terms(
        estimator, k["years_pre"], k["years_post"], k["its_slope_change"],
        k["its_level_shifts"], k["its_scale"],
    )  # fmt: skip
    model = _model(b, n_control, k["control_count"], k["years_pre"], k["years_post"],
                   k["overdispersion"], estimator, its)  # fmt: skip
    rr_k = (1.0 - w) + w * rate_ratio  # not 1 - w (1 - RR): exact for RR = 1e-300, w = 1
    if rr_k <= 0:
        en, sv = _TEXTS.both("measured_rate_ratio_not_positive")
        raise ArgumentError(en, sv=sv)
    inference, model = _check_exact(
        model, inference, auto=k["inference"] == "auto", rate_ratio=rr_k
    )
    delta = math.log(rr_k)
    alpha = k["alpha"]
    if method == "analytic":
        bad = ~(b > 0)
        safe = replace(model, b=np.where(bad, 1.0, b), C=np.where(bad, 1.0, model.C))
        pw = _power(safe, np.full((b.size, 1), delta), alpha, inference)[:, 0]
        pw = np.where(bad, np.nan, pw)
        return _wrap(pw, kind, "power")
    if kind != "scalar":
        en, sv = _TEXTS.both("simulation_one_baseline")
        raise ArgumentError(en, sv=sv)
    if estimator != "did_poisson":
        en, sv = _TEXTS.both("simulation_estimator")
        raise ArgumentError(en, sv=sv)
    _check_n_sim(n_sim)
    rng = random_generator(seed)
    return _sim_power(model, delta, alpha, inference, n_sim, rng)


def can_detect(
    drop: float = 0.2,
    baseline_count: Any = None,
    *,
    method: str = "analytic",
    n_sim: int = 2000,
    seed: int | None = 20210401,
    **kwargs: Any,
) -> DetectResult:
    """Could the data detect a given drop (or rise) in the pilot area? Power and a yes/no.

    Parameters
    ----------
    drop
        Relative drop in the pilot area's rate, ``0.2`` = 20 %. A negative value is a rise
        (``-0.2`` = 20 % more reported cases).
    baseline_count
        Expected events per year in the measured area (see
        :func:`minimum_detectable_effect`).
    method, n_sim, seed
        ``"analytic"`` or ``"simulation"`` for the power of the given change; the MDE
        reported alongside (``mde``) is always analytic.
    **kwargs
        Other arguments of :func:`minimum_detectable_effect` (``power`` is the target).

    Returns
    -------
    DetectResult
        ``power``, ``detectable`` (power >= target) and the full MDE result;
        :func:`research.views.power_text.detect_summary` answers in words.

    Raises
    ------
    ArgumentError
        For ``drop`` outside (-inf, 1) or 0, a ``direction`` that contradicts the sign of
        ``drop``, or invalid inputs.

    Examples
    --------
    >>> d = can_detect(0.2, 15.0, years_pre=3, years_post=3)
    >>> d.detectable, round(d.power, 2)
    (False, 0.14)
    >>> round(d.mde.mde_pct)  # the smallest drop detected with 80 % power, in %
    52
    """
    if not (isinstance(drop, int | float) and drop < 1 and drop != 0):
        en, sv = _TEXTS.both("drop_out_of_range", value=drop)
        raise ArgumentError(en, sv=sv)
    direction = "decrease" if drop > 0 else "increase"
    # A direction given is kept (an unsupported one is refused by the MDE's own check in
    # power_at, not replaced); a supported one must agree with the sign of drop.
    given = kwargs.get("direction", direction)
    if given in _DIRECTIONS and given != direction:
        en, sv = _TEXTS.both("direction_contradicts_drop", given=given, drop=drop)
        raise ArgumentError(en, sv=sv)
    kwargs = {**kwargs, "direction": given}
    k = _mde_settings(kwargs, "can_detect")  # before power_at, so a typo names can_detect
    rr = 1.0 - drop
    pw = power_at(rr, baseline_count, method=method, n_sim=n_sim, seed=seed, **kwargs)
    mde = minimum_detectable_effect(
        baseline_count, method="analytic", **{k: v for k, v in kwargs.items()}
    )
    target = k["power"]
    w = _check_share(k["dilution"], k["district_rate_ratio"])
    if isinstance(pw, float):
        det: Any = bool(pw >= target)
    elif isinstance(pw, pl.Series):
        det = pw >= target
    else:
        det = np.asarray(pw) >= target
    return DetectResult(
        power=pw, detectable=det, effect_rate_ratio=rr,
        effect_rate_ratio_measured=1.0 - w * drop, target_power=target,
        alpha=k["alpha"], mde=mde,
    )  # fmt: skip
