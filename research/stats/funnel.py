"""Funnel plots: exact Poisson control limits around a target rate, and over-dispersion.

A funnel plot shows each area's rate against its exposure (person-years), with control limits
around a target rate that narrow as exposure grows. Areas outside the limits differ from the
target by more than Poisson chance would explain at the chosen level. Everything follows
Spiegelhalter (2005), "Funnel plots for comparing institutional performance", Statistics in
Medicine 24:1185-1202, for an indicator that is a Poisson count over an exposure:

* the target ``theta0`` is a rate per ``per`` units of exposure (default: the pooled rate of
  the areas, total count over total exposure);
* for exposure ``n`` the expected count is ``mu = theta0·n/per`` and the rate's standard error
  under the target is ``s = sqrt(theta0·per/n)``;
* ``method="exact"`` gives Poisson limits with the paper's interpolation for discrete
  distributions, ``method="normal"`` gives ``theta0 ± z_p·s``;
* over-dispersion is estimated from the areas' z-scores after 10 % winsorizing at each end
  (multiplicative factor ``phi``) or as an additive between-area variance ``tau²``.

The functions take and return plain arrays and polars DataFrames and do no plotting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypedDict, Unpack

import numpy as np
import polars as pl

from research.core.display import ResultDisplay
from research.core.errors import ArgumentError, DesignError
from research.core.i18n import load_catalogue

from ._dist import norm_ppf, poisson_cdf, poisson_ppf
from .identification import (
    check_choice,
    check_counts,
    check_exposures,
    check_keywords,
    check_per,
)
from .rates import numeric_array

__all__ = [
    "FunnelDispersion",
    "FunnelOptions",
    "FunnelResult",
    "exposure_grid",
    "funnel",
    "funnel_dispersion",
    "funnel_limits",
    "funnel_outliers",
    "level_tag",
]

_FUNNEL_METHODS = ("exact", "normal")
_OVERDISPERSION = (None, "multiplicative", "additive")
_TEXTS = load_catalogue(Path(__file__).with_name("funnel_errors.toml"))


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------


def _as_1d(x: Any, name: str) -> np.ndarray:
    return np.atleast_1d(numeric_array(x, name)).ravel()


def _is_probability(value: Any) -> bool:
    """A number strictly between 0 and 1 (not a bool, not NaN)."""
    return (
        isinstance(value, int | float | np.floating)
        and not isinstance(value, bool)
        and 0 < value < 1
    )


def _check_levels(levels: Any) -> tuple[float, ...]:
    try:
        values = (levels,) if isinstance(levels, int | float) else tuple(levels)
    except TypeError:  # not a number and not a sequence (None, a string is a sequence)
        values = ()
    if not values or not all(_is_probability(v) for v in values):
        en, sv = _TEXTS.both("levels_not_probabilities", levels=levels)
        raise ArgumentError(en, sv=sv)
    # each level names its columns (lower_95, flag_99_8): two with one name would overwrite
    tags: dict[str, float] = {}
    for v in values:
        tag = level_tag(v)
        if tag in tags:
            en, sv = _TEXTS.both("levels_same_tag", first=tags[tag], second=v, tag=tag)
            raise ArgumentError(en, sv=sv)
        tags[tag] = v
    return tuple(float(v) for v in values)


def _check_target(target: Any) -> float:
    if isinstance(target, bool) or not (
        isinstance(target, int | float | np.floating) and np.isfinite(target) and target > 0
    ):
        en, sv = _TEXTS.both("target_not_positive", target=target)
        raise ArgumentError(en, sv=sv)
    return float(target)


def _target_or_pooled(target: Any, x: np.ndarray, n: np.ndarray, per: float) -> float:
    """``target`` checked, or the pooled rate of the areas per ``per`` when it is ``None``."""
    if target is None:
        if x.size == 0 or x.sum() == 0:
            en, sv = _TEXTS.both("all_counts_zero")
            raise DesignError(en, sv=sv)
        target = per * x.sum() / n.sum()
    return _check_target(target)


def level_tag(level: float) -> str:
    """Column suffix for a level: 0.95 -> ``"95"``, 0.998 -> ``"99_8"``.

    Raises
    ------
    ArgumentError
        When ``level`` is not a number strictly between 0 and 1 (1.5 would give ``"150"``).

    Examples
    --------
    >>> level_tag(0.95), level_tag(0.998), level_tag(0.999)
    ('95', '99_8', '99_9')
    """
    if not _is_probability(level):
        en, sv = _TEXTS.both("level_not_probability", level=level)
        raise ArgumentError(en, sv=sv)
    text = f"{100 * level:.6f}".rstrip("0").rstrip(".")
    return text.replace(".", "_")


# --------------------------------------------------------------------------------------------
# over-dispersion
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelDispersion:
    """Over-dispersion estimated from the areas' z-scores (Spiegelhalter 2005, section 6).

    Attributes
    ----------
    phi
        Multiplicative over-dispersion factor: the mean of the squared winsorized z-scores.
        Limits are widened by ``sqrt(phi)`` only when ``phi > 1``.
    tau2
        Additive between-area variance of the true rates, in (rate per ``per``)², estimated
        DerSimonian-Laird style from ``phi``; 0 when ``I·phi <= I - 1``.
    tau
        ``sqrt(tau2)``: standard deviation of the true rates, per ``per``.
    target, per, winsor, n_areas
        The settings and number of areas.
    z, z_winsorized
        The areas' z-scores ``(rate - target)/s`` before and after winsorizing.
    """

    phi: float
    tau2: float
    tau: float
    target: float
    per: float
    winsor: float
    n_areas: int
    z: np.ndarray
    z_winsorized: np.ndarray


def _z_scores(counts: np.ndarray, exposures: np.ndarray, theta: float) -> np.ndarray:
    """(O - E)/sqrt(E): the rate's z-score against the target on the Poisson scale."""
    expected = theta * exposures
    return (counts - expected) / np.sqrt(expected)


def _winsorize(z: np.ndarray, winsor: float) -> np.ndarray:
    """Clip z to its ``winsor`` and ``1 - winsor`` quantiles (linear interpolation, R type 7)."""
    if winsor == 0:
        return z.copy()
    lo, hi = np.quantile(z, [winsor, 1 - winsor])
    return np.clip(z, lo, hi)


def funnel_dispersion(
    counts: Any,
    exposures: Any,
    *,
    target: float | None = None,
    per: float = 100_000,
    winsor: float = 0.1,
) -> FunnelDispersion:
    """Estimate over-dispersion of area rates around a target.

    For each area i with count O_i, exposure n_i and expected count E_i = theta0·n_i/per, the
    z-score is ``z_i = (O_i - E_i)/sqrt(E_i)`` (equivalently (y_i - theta0)/s_i on the rate
    scale). The z-scores are winsorized - values below their ``winsor`` quantile are set to
    that quantile and values above the ``1 - winsor`` quantile to that quantile (quantiles by
    linear interpolation, as R's default) - and

    * ``phi = (1/I)·Σ z_w²``;
    * ``tau² = (I·phi - (I - 1)) / (Σ w_i - Σ w_i² / Σ w_i)`` with ``w_i = 1/s_i²``, or 0 when
      ``I·phi <= I - 1``.

    Parameters
    ----------
    counts, exposures
        Observed counts and person-years of the areas (no missing values).
    target
        Target rate per ``per``; default the pooled rate ``per·ΣO/Σn``.
    per
        Rate base.
    winsor
        Fraction winsorized at each end, in [0, 0.5). Spiegelhalter uses 0.1.

    Returns
    -------
    FunnelDispersion

    Raises
    ------
    ArgumentError
        For invalid inputs: counts or exposures that are invalid, missing or not numbers,
        of different lengths, a ``winsor`` outside [0, 0.5), a target that is not a
        positive finite number.
    DesignError
        Fewer than two areas, or a zero total count without a target.

    Examples
    --------
    >>> d = funnel_dispersion([4, 9, 16, 30, 2], [10_000, 20_000, 30_000, 40_000, 10_000])
    >>> round(d.phi, 3), round(d.tau2, 3)
    (0.616, 0.0)

    References
    ----------
    Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Stat Med
    24:1185-1202, section 6 (over-dispersion, winsorized z-scores, additive random effects).
    DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. Control Clin Trials
    7:177-188.
    """
    x = _as_1d(counts, "counts")
    n = _as_1d(exposures, "exposures")
    if x.size != n.size:
        en, sv = _TEXTS.both("lengths_differ", n_counts=x.size, n_exposures=n.size)
        raise ArgumentError(en, sv=sv)
    if x.size < 2:
        en, sv = _TEXTS.both("too_few_areas")
        raise DesignError(en, sv=sv)
    check_counts(x, "counts", missing_ok=False)
    check_exposures(n, "exposures", missing_ok=False)
    if isinstance(winsor, bool) or not (isinstance(winsor, int | float) and 0 <= winsor < 0.5):
        en, sv = _TEXTS.both("winsor_out_of_range", winsor=winsor)
        raise ArgumentError(en, sv=sv)
    per = check_per(per)
    target = _target_or_pooled(target, x, n, per)
    theta = target / per
    z = _z_scores(x, n, theta)
    zw = _winsorize(z, float(winsor))
    areas = z.size
    phi = float(np.mean(zw**2))
    weights = n / theta  # 1/s_i² with s_i² = theta/n_i (per-unit rate scale)
    denom = weights.sum() - (weights**2).sum() / weights.sum()
    excess = areas * phi - (areas - 1)
    tau2_unit = excess / denom if excess > 0 and denom > 0 else 0.0
    tau2 = float(tau2_unit * per**2)
    return FunnelDispersion(
        phi=phi,
        tau2=tau2,
        tau=float(np.sqrt(tau2)),
        target=target,
        per=per,
        winsor=float(winsor),
        n_areas=areas,
        z=z,
        z_winsorized=zw,
    )


# --------------------------------------------------------------------------------------------
# limits
# --------------------------------------------------------------------------------------------


def _exact_count_limit(mu: np.ndarray, p: float) -> np.ndarray:
    """Spiegelhalter's interpolated p-quantile of Poisson(mu), on the count scale.

    With r_p the smallest r such that F(r) >= p, the limit is ``r_p - a`` where
    ``a = (F(r_p) - p) / (F(r_p) - F(r_p - 1))``: the point where the cdf, linearly
    interpolated between r_p - 1 and r_p, reaches p.
    """
    r = poisson_ppf(p, mu)
    f_r = poisson_cdf(r, mu)
    # guard against floating-point: ensure F(r) >= p > F(r - 1)
    short = f_r < p
    r = np.where(short, r + 1, r)
    f_r = np.where(short, poisson_cdf(r, mu), f_r)
    f_prev = poisson_cdf(r - 1, mu)
    over = f_prev >= p
    r = np.where(over, r - 1, r)
    f_r = np.where(over, f_prev, f_r)
    f_prev = np.where(over, poisson_cdf(r - 1, mu), f_prev)
    a = (f_r - p) / (f_r - f_prev)
    return r - a


def _base_limits(
    theta: float, n: np.ndarray, level: float, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Limits on the per-unit rate scale without over-dispersion."""
    p_lo, p_hi = (1 - level) / 2, (1 + level) / 2
    if method == "exact":
        mu = theta * n
        return _exact_count_limit(mu, p_lo) / n, _exact_count_limit(mu, p_hi) / n
    z = norm_ppf(p_hi)
    s = np.sqrt(theta / n)
    return theta - z * s, theta + z * s


def _inflation(
    theta: float, n: np.ndarray, overdispersion: str | None, dispersion: FunnelDispersion | None
) -> np.ndarray:
    if overdispersion is None:
        return np.ones_like(n)
    assert dispersion is not None
    if overdispersion == "multiplicative":
        return np.full_like(n, np.sqrt(max(dispersion.phi, 1.0)))
    tau2_unit = dispersion.tau2 / dispersion.per**2
    return np.sqrt(1 + tau2_unit * n / theta)


def _limits_unit(
    theta: float,
    n: np.ndarray,
    level: float,
    method: str,
    overdispersion: str | None,
    dispersion: FunnelDispersion | None,
) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = _base_limits(theta, n, level, method)
    k = _inflation(theta, n, overdispersion, dispersion)
    lo = theta + (lo - theta) * k
    hi = theta + (hi - theta) * k
    # r_p = 0 makes the interpolated count negative (for the upper limit when the expected
    # count is below about -log(p)): a rate cannot be negative, so cut both limits at 0.
    return np.maximum(lo, 0.0), np.maximum(hi, 0.0)


def _resolve_dispersion(
    overdispersion: str | None, dispersion: FunnelDispersion | None, target: float, per: float
) -> None:
    check_choice(overdispersion, "overdispersion", _OVERDISPERSION)
    if overdispersion is not None:
        if dispersion is None:
            en, sv = _TEXTS.both("dispersion_needed", overdispersion=overdispersion)
            raise ArgumentError(en, sv=sv)
        if not np.isclose(dispersion.per, per) or not np.isclose(dispersion.target, target):
            en, sv = _TEXTS.both(
                "dispersion_mismatch",
                d_target=dispersion.target,
                d_per=dispersion.per,
                target=target,
                per=per,
            )
            raise ArgumentError(en, sv=sv)


def funnel_limits(  # noqa: PLR0913 - documented limit options, keyword-only
    target: float,
    exposures: Any,
    *,
    per: float = 100_000,
    levels: float | Sequence[float] = (0.95, 0.998),
    method: str = "exact",
    overdispersion: str | None = None,
    dispersion: FunnelDispersion | None = None,
    data: tuple[Any, Any] | None = None,
    winsor: float = 0.1,
) -> pl.DataFrame:
    """Funnel-plot control limits around a target rate, for a grid of exposures.

    Parameters
    ----------
    target
        Target rate per ``per`` (e.g. the national rate, or the pooled rate of the areas).
    exposures
        Person-years at which to evaluate the limits (e.g. :func:`exposure_grid`).
    per
        Rate base.
    levels
        Two-sided coverage of each pair of limits; Spiegelhalter uses 0.95 and 0.998
        (about 2 and 3 standard errors).
    method
        ``"exact"``: Poisson quantiles with interpolation. With ``mu = target·n/per`` and
        ``r_p`` the smallest count with ``F(r_p) >= p`` (F the Poisson(mu) cdf), the limit is
        ``(r_p - a)·per/n`` where ``a = (F(r_p) - p)/(F(r_p) - F(r_p - 1))``, for
        ``p = (1 - level)/2`` and ``(1 + level)/2``: the interpolation makes the limits smooth
        in n instead of stepped.
        ``"normal"``: ``target ± z_p·sqrt(target·per/n)``.
        Limits are cut at 0. For tiny expected counts (mu below -log(p), about 0.025 for the
        97.5 % quantile) r_p is 0 and the upper limit is 0 - below the target: a single
        event is then already beyond the limit, which is what the discrete distribution
        implies.
    overdispersion
        ``None``; ``"multiplicative"``: the distance of each limit from the target is
        multiplied by ``sqrt(phi)`` when ``phi > 1`` (for ``method="normal"`` this is the
        paper's ``target ± z_p·sqrt(phi)·s``); ``"additive"``: the distance is multiplied by
        ``sqrt(1 + tau²/s²)`` (for ``"normal"``, the paper's ``target ± z_p·sqrt(s² + tau²)``).
        With ``"exact"`` the inflation applies to the exact limits, which keeps their
        skewness; the two methods agree as exposure grows.
    dispersion
        The estimate from :func:`funnel_dispersion` (made with the same target and per).
        When ``overdispersion`` is set, either ``dispersion`` or ``data`` is required.
    data
        ``(counts, exposures)`` of the observed areas, from which the dispersion is
        estimated (with ``winsor``) when ``dispersion`` is not given.
    winsor
        Winsorizing fraction used with ``data``.

    Returns
    -------
    pl.DataFrame
        Long format, one row per exposure and level: ``exposure``, ``expected`` (count),
        ``level``, ``target``, ``lower``, ``upper`` (rates per ``per``). Sorted by level, then
        by exposure as given.

    Raises
    ------
    ArgumentError
        For invalid settings (a target that is not a positive finite number, levels not
        strictly between 0 and 1 or two levels with the same :func:`level_tag`, an unknown
        method), exposures that are invalid, missing or not numbers, or a
        missing/inconsistent dispersion estimate.
    DesignError
        When the dispersion is estimated here from fewer than two areas or from counts
        that are all zero without a target (:func:`funnel_dispersion`).

    Examples
    --------
    Exact 95 % limits around 100 per 100 000 for 5 000 person-years (expected count 5):

    >>> lim = funnel_limits(100, [5_000], levels=0.95)
    >>> [round(v, 2) for v in lim.row(0)[-2:]]
    [10.84, 187.53]

    References
    ----------
    Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Stat Med
    24:1185-1202 (exact limits for discrete distributions: appendix A.1).
    """
    target = _check_target(target)
    per = check_per(per)
    lv = _check_levels(levels)
    check_choice(method, "method", _FUNNEL_METHODS)
    if overdispersion is not None and dispersion is None and data is not None:
        if not (isinstance(data, tuple | list) and len(data) == 2):
            en, sv = _TEXTS.both("data_not_pair")
            raise ArgumentError(en, sv=sv)
        dispersion = funnel_dispersion(data[0], data[1], target=target, per=per, winsor=winsor)
    _resolve_dispersion(overdispersion, dispersion, target, per)
    n = _as_1d(exposures, "exposures")
    check_exposures(n, "exposures", missing_ok=False)
    theta = target / per
    frames = []
    for level in lv:
        lo, hi = _limits_unit(theta, n, level, method, overdispersion, dispersion)
        frames.append(
            pl.DataFrame(
                {
                    "exposure": n,
                    "expected": theta * n,
                    "level": np.full(n.size, level),
                    "target": np.full(n.size, target),
                    "lower": lo * per,
                    "upper": hi * per,
                }
            )
        )
    return pl.concat(frames)


def exposure_grid(exposures: Any, *, n: int = 200, expand: float = 0.1) -> np.ndarray:
    """Log-spaced exposures spanning the observed ones, for drawing smooth funnel limits.

    Parameters
    ----------
    exposures
        Observed person-years.
    n
        Number of grid points.
    expand
        Fraction of the log-range added on each side.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    ArgumentError
        Invalid or no exposures, ``n`` not an integer of at least 2, or ``expand`` not a
        finite number >= 0 (a negative one would reverse the grid) or so large that the grid
        leaves the range of floating-point numbers.

    Examples
    --------
    >>> g = exposure_grid([1_000, 100_000], n=3, expand=0)
    >>> g.round().tolist()
    [1000.0, 10000.0, 100000.0]
    """
    e = _as_1d(exposures, "exposures")
    check_exposures(e, "exposures", missing_ok=False)
    if e.size == 0:
        en, sv = _TEXTS.both("no_exposures")
        raise ArgumentError(en, sv=sv)
    if isinstance(n, bool) or not (isinstance(n, int | np.integer) and n >= 2):
        en, sv = _TEXTS.both("grid_size", n=n)
        raise ArgumentError(en, sv=sv)
    if isinstance(expand, bool) or not (
        isinstance(expand, int | float) and np.isfinite(expand) and expand >= 0
    ):
        en, sv = _TEXTS.both("expand_invalid", expand=expand)
        raise ArgumentError(en, sv=sv)
    lo, hi = np.log(e.min()), np.log(e.max())
    pad = expand * (hi - lo) if hi > lo else 0.5
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        grid = np.exp(np.linspace(lo - pad, hi + pad, int(n)))
    if not (np.isfinite(grid).all() and (grid > 0).all()):
        en, sv = _TEXTS.both("expand_too_large", expand=expand)
        raise ArgumentError(en, sv=sv)
    return grid


# --------------------------------------------------------------------------------------------
# areas
# --------------------------------------------------------------------------------------------


class FunnelOptions(TypedDict, total=False):
    """The keyword options :func:`funnel_outliers` and :func:`funnel` share.

    Defaults and meaning: the Parameters of :func:`funnel_outliers`.
    """

    areas: Sequence[str] | pl.Series | None
    target: float | None
    per: float
    levels: float | Sequence[float]
    method: str
    overdispersion: str | None
    winsor: float


class _Placed(NamedTuple):
    """The areas placed on the funnel and the settings they were placed with."""

    areas: pl.DataFrame
    target: float
    per: float
    levels: float | Sequence[float]
    method: str
    overdispersion: str | None
    dispersion: FunnelDispersion | None


def funnel_outliers(
    counts: Any,
    exposures: Any,
    *,
    dispersion: FunnelDispersion | None = None,
    **options: Unpack[FunnelOptions],
) -> pl.DataFrame:
    """Place each area on the funnel: rate, z-score and a flag against each pair of limits.

    Parameters
    ----------
    counts, exposures
        Observed counts and person-years of the areas (no missing values).
    dispersion
        A precomputed :func:`funnel_dispersion` result; estimated from these areas when
        ``None`` and ``overdispersion`` is set.
    **options
        The keywords of :class:`FunnelOptions`:

        ``areas``
            Area codes or names (strings), kept as the first column ``area``; default none.
        ``target``
            Target rate per ``per``; default the pooled rate of the areas.
        ``per``, ``levels``, ``method``, ``overdispersion``
            As in :func:`funnel_limits` (defaults ``100_000``, ``(0.95, 0.998)``,
            ``"exact"``, ``None``).
        ``winsor``
            Winsorizing fraction for the over-dispersion estimate (when ``dispersion`` is
            not given); default ``0.1``.

    Returns
    -------
    pl.DataFrame
        One row per area: ``area`` (if given), ``count``, ``exposure``, ``expected``,
        ``rate``, ``target``, ``z`` ((O - E)/sqrt(E)), ``z_adjusted`` (z divided by
        ``sqrt(phi)`` when multiplicative with phi > 1; ``(rate - target)/sqrt(s² + tau²)``
        when additive; equal to ``z`` otherwise), and for each level ``lower_<tag>``,
        ``upper_<tag>`` and ``flag_<tag>`` (``"high"``, ``"low"`` or ``"within"``; a rate
        equal to a limit is within), with tags from :func:`level_tag` (``95``, ``99_8``).

    Raises
    ------
    ArgumentError
        For invalid inputs: counts or exposures that are invalid, missing or not numbers,
        empty or of different lengths, area labels that are not strings or not one per
        area, or settings as in :func:`funnel_limits`.
    DesignError
        All counts zero without a ``target``, or too few areas to estimate the
        over-dispersion from.

    Examples
    --------
    >>> out = funnel_outliers([4, 9, 40], [10_000, 20_000, 40_000], areas=["a", "b", "c"])
    >>> out.select("area", "flag_95", "flag_99_8").rows()
    [('a', 'within', 'within'), ('b', 'within', 'within'), ('c', 'within', 'within')]
    """
    check_keywords(options, FunnelOptions.__optional_keys__, "funnel_outliers")
    return _place(counts, exposures, dispersion=dispersion, **options).areas


def _place(  # noqa: PLR0913 - the funnel's documented options, keyword-only
    counts: Any,
    exposures: Any,
    *,
    areas: Sequence[str] | pl.Series | None = None,
    target: float | None = None,
    per: float = 100_000,
    levels: float | Sequence[float] = (0.95, 0.998),
    method: str = "exact",
    overdispersion: str | None = None,
    winsor: float = 0.1,
    dispersion: FunnelDispersion | None = None,
    estimate_dispersion: bool = False,
) -> _Placed:
    """:func:`funnel_outliers` with the settings it used; the one place of their defaults.

    ``estimate_dispersion``: estimate the over-dispersion even when ``overdispersion`` is
    ``None`` (:func:`funnel` reports it).
    """
    x = _as_1d(counts, "counts")
    n = _as_1d(exposures, "exposures")
    if x.size != n.size or x.size == 0:
        en, sv = _TEXTS.both("areas_lengths", n_counts=x.size, n_exposures=n.size)
        raise ArgumentError(en, sv=sv)
    check_counts(x, "counts", missing_ok=False)
    check_exposures(n, "exposures", missing_ok=False)
    per = check_per(per)
    lv = _check_levels(levels)
    check_choice(method, "method", _FUNNEL_METHODS)
    check_choice(overdispersion, "overdispersion", _OVERDISPERSION)
    target = _target_or_pooled(target, x, n, per)
    if (overdispersion is not None or estimate_dispersion) and dispersion is None:
        dispersion = funnel_dispersion(x, n, target=target, per=per, winsor=winsor)
    _resolve_dispersion(overdispersion, dispersion, target, per)
    theta = target / per
    rate_unit = x / n
    z = _z_scores(x, n, theta)
    if overdispersion == "multiplicative":
        assert dispersion is not None
        z_adj = z / np.sqrt(max(dispersion.phi, 1.0))
    elif overdispersion == "additive":
        assert dispersion is not None
        s2 = theta / n
        z_adj = (rate_unit - theta) / np.sqrt(s2 + dispersion.tau2 / per**2)
    else:
        z_adj = z
    data: dict[str, Any] = {}
    if areas is not None:
        labels = areas.to_list() if isinstance(areas, pl.Series) else list(areas)
        if len(labels) != x.size:
            en, sv = _TEXTS.both("areas_count", n_labels=len(labels), n_areas=x.size)
            raise ArgumentError(en, sv=sv)
        if any(not isinstance(a, str) for a in labels):
            en, sv = _TEXTS.both("areas_not_strings")
            raise ArgumentError(en, sv=sv)
        data["area"] = pl.Series("area", labels, dtype=pl.String)
    data.update(
        count=x,
        exposure=n,
        expected=theta * n,
        rate=rate_unit * per,
        target=np.full(x.size, target),
        z=z,
        z_adjusted=z_adj,
    )
    for level in lv:
        tag = level_tag(level)
        lo, hi = _limits_unit(theta, n, level, method, overdispersion, dispersion)
        flag = np.where(rate_unit > hi, "high", np.where(rate_unit < lo, "low", "within"))
        data[f"lower_{tag}"] = lo * per
        data[f"upper_{tag}"] = hi * per
        data[f"flag_{tag}"] = flag.astype(str)
    return _Placed(pl.DataFrame(data), target, per, levels, method, overdispersion, dispersion)


@dataclass(frozen=True)
class FunnelResult(ResultDisplay):
    """Everything needed to draw a funnel plot.

    Attributes
    ----------
    areas
        :func:`funnel_outliers` frame (one row per area).
    limits
        :func:`funnel_limits` frame on a smooth exposure grid (long format).
    target, per, method, overdispersion
        Settings used.
    dispersion
        Over-dispersion estimate (always computed, so it can be reported even when not
        applied).
    """

    areas: pl.DataFrame
    limits: pl.DataFrame
    target: float
    per: float
    method: str
    overdispersion: str | None
    dispersion: FunnelDispersion

    def _display_title(self) -> str:
        return f"Funnel plot: target {self.target:.4g} per {self.per:g} ({self.method} limits)"

    def _display_rows(self) -> list[tuple[str, object]]:
        rows: list[tuple[str, object]] = [
            ("areas", self.areas.height),
            ("target rate", self.target),
            ("over-dispersion", self.overdispersion or "none"),
            ("phi (multiplicative)", self.dispersion.phi),
            ("tau (additive)", self.dispersion.tau),
        ]
        for col in self.areas.columns:
            if col.startswith("flag_"):
                flags = self.areas[col]
                tag = col.removeprefix("flag_").replace("_", ".")
                rows.append((f"outside {tag} % limits", int((flags != "within").sum())))
        return rows

    def _display_frame(self) -> pl.DataFrame:
        keep = [c for c in ("area", "count", "exposure", "rate", "z") if c in self.areas.columns]
        flags = [c for c in self.areas.columns if c.startswith("flag_")]
        return self.areas.select(*keep, *flags)

    def to_frame(self) -> pl.DataFrame:
        """The per-area table (a copy of :attr:`areas`)."""
        return self.areas.clone()

    def plot(self) -> Any:
        """Areas' rates against exposure with the control limits (a matplotlib Figure)."""
        from matplotlib.figure import Figure

        fig = Figure(figsize=(7, 4))
        ax = fig.subplots()
        ax.scatter(self.areas["exposure"].to_numpy(), self.areas["rate"].to_numpy(), s=12)
        for (level,), part in self.limits.group_by(["level"], maintain_order=True):
            x = part["exposure"].to_numpy()
            order = np.argsort(x)
            for side in ("lower", "upper"):
                y = part[side].to_numpy()[order]
                ax.plot(
                    x[order],
                    y,
                    color="grey",
                    lw=0.8,
                    label=f"{100 * level:g} %" if side == "lower" else None,
                )
        ax.axhline(self.target, color="black", lw=0.8)
        ax.set_xlabel("exposure")
        ax.set_ylabel(f"rate per {self.per:g}")
        ax.set_title("Funnel plot")
        return fig


def funnel(
    counts: Any,
    exposures: Any,
    *,
    grid_size: int = 200,
    **options: Unpack[FunnelOptions],
) -> FunnelResult:
    """Compute a full funnel plot: limits on a grid plus the areas' positions and flags.

    Parameters
    ----------
    counts, exposures
        As in :func:`funnel_outliers`.
    grid_size
        Number of exposures in the limits grid (see :func:`exposure_grid`).
    **options
        ``areas``, ``target``, ``per``, ``levels``, ``method``, ``overdispersion``,
        ``winsor``: as in :func:`funnel_outliers` (:class:`FunnelOptions`, same defaults).

    Returns
    -------
    FunnelResult
        ``areas`` (one row per area: see :func:`funnel_outliers`), ``limits`` (long format:
        see :func:`funnel_limits`), the target and the over-dispersion estimate. It shows
        itself as a table in a notebook; ``plot()`` draws the funnel.

    Raises
    ------
    ArgumentError
        Invalid counts, exposures or settings (as in :func:`funnel_outliers`), or a
        ``grid_size`` that is not an integer >= 2.
    DesignError
        All counts zero without a ``target``, or fewer than two areas to estimate the
        over-dispersion from.

    References
    ----------
    Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Stat Med
    24:1185-1202 (limits: appendix A.1; over-dispersion: section 6).

    Examples
    --------
    >>> res = funnel([4, 9, 16, 30, 2], [10_000, 20_000, 30_000, 40_000, 10_000], grid_size=50)
    >>> res.limits.height, res.areas.height, round(res.target, 2)
    (100, 5, 55.45)
    """
    check_keywords(options, FunnelOptions.__optional_keys__, "funnel")
    placed = _place(counts, exposures, estimate_dispersion=True, **options)
    assert placed.dispersion is not None  # estimate_dispersion=True
    limits = funnel_limits(
        placed.target,
        exposure_grid(placed.areas["exposure"].to_numpy(), n=grid_size),
        per=placed.per,
        levels=placed.levels,
        method=placed.method,
        overdispersion=placed.overdispersion,
        dispersion=placed.dispersion if placed.overdispersion else None,
    )
    return FunnelResult(
        areas=placed.areas,
        limits=limits,
        target=placed.target,
        per=placed.per,
        method=placed.method,
        overdispersion=placed.overdispersion,
        dispersion=placed.dispersion,
    )
