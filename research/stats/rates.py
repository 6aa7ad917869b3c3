"""Rates from counts and exposures: exact intervals, ratios, differences, trends, suppression.

Every function here is a pure function of counts (events, e.g. reported crimes) and exposures
(person-years, e.g. the mid-year population of each year summed over the years pooled). Rates
are expressed per ``per`` units of exposure (100 000 inhabitants by default, as in Brå's and
Kolada's tables).

Functions accept Python scalars, numpy arrays or polars Series. Vector inputs must all have
the same shape; a single number (a Python or numpy scalar, not a one-element list) is used
for every element. A one-element list or array given with longer ones is refused rather than
silently repeated: ``poisson_rate_ci([1, 2], [100])`` is more likely a missing exposure than
one exposure meant for both counts. A scalar input gives floats back, an array gives arrays,
a Series gives Series (of the same length). Missing values (``NaN``, polars nulls, or
``None`` - alone or in a list, as a null read from a frame's row is) propagate as
``NaN``/null: ``poisson_rate_ci(None, 1000).rate`` is NaN, as for ``float("nan")``.
Invalid values (negative or non-integer counts, exposures that are zero, negative or
infinite, text such as ``"5"`` or booleans instead of numbers) raise
:class:`~research.core.errors.ArgumentError`, as do a ``level`` outside (0, 1) and vectors
of different lengths. A trend the data cannot estimate raises
:class:`~research.core.errors.DesignError` (too few years) or
:class:`~research.core.errors.EstimationError` (a model that cannot be fitted).

Methods, in short:

* :func:`poisson_rate_ci` - Garwood's exact interval (default), the mid-p exact interval,
  Byar's approximation and the Wald interval.
* :func:`pooled_rate`, :func:`with_rate_ci`, :func:`pooled_rates` - multi-year pooling
  (sum of counts over sum of person-years) and polars helpers.
* :func:`rate_ratio` - exact conditional test and interval (as R's ``poisson.test``) or a
  log-scale Wald interval.
* :func:`rate_difference` - Wald interval for a difference of two rates, or the MOVER
  (Newcombe-type) interval from exact limits, which is also used where a count is zero.
* :func:`poisson_trend` - annual per cent change from a Poisson GLM (with quasi-Poisson or
  negative binomial over-dispersion and level shifts at registered series breaks).
* :func:`suppress_small`, :func:`display_value`, :func:`suppression_mask` - small-count
  disclosure control with the Swedish official symbol ``..``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import special
from scipy.linalg import null_space

from research.core.display import ResultDisplay
from research.core.errors import ArgumentError, DesignError, EstimationError
from research.core.i18n import load_catalogue
from research.core.warnings import (
    AllZeroCountsWarning,
    BreakDuplicateWarning,
    BreakOutsideDataWarning,
    ExactFitWarning,
    FewResidualDfWarning,
    LevelShiftsEstimatedWarning,
    MissingYearsDroppedWarning,
    NegbinNoOverdispersionWarning,
    NoFiniteTrendWarning,
    NotConvergedWarning,
    OverdispersionWarning,
    PilotbenchWarning,
    SeparatedYearsDroppedWarning,
)

from ._dist import (
    binom_cdf,
    binom_pmf,
    binom_sf,
    norm_cdf,
    norm_ppf,
    norm_sf,
    poisson_pmf,
    t_ppf,
    t_sf,
)
from .glm import _deviance as glm_deviance
from .glm import _irls as glm_irls
from .glm import _nb2_profile_max as nb2_profile_max
from .glm import (
    is_exact_fit,
    quasi_scale,
    rounding_floor,
    separated_observations,
    unidentified_terms,
    zero_fitted,
)
from .identification import (
    as_float_array,
    check_choice,
    check_counts,
    check_exposures,
    check_per,
    is_probability,
)

__all__ = [
    "DEFAULT_MIN_COUNT",
    "SUPPRESSED",
    "RateCI",
    "RateDifference",
    "RateRatio",
    "TrendResult",
    "display_value",
    "poisson_rate_ci",
    "poisson_trend",
    "pooled_rate",
    "pooled_rates",
    "rate_difference",
    "rate_ratio",
    "suppress_small",
    "suppression_mask",
    "with_rate_ci",
]

#: Cells whose count is at least 1 and below this value are shown as ``..``. Five is chosen
#: because (1) counts of one to four people in one municipality, for an offence as rare and
#: sensitive as gross violation of a woman's integrity, can point to identifiable households
#: once combined with local knowledge, and "fewer than five" is a widespread cell threshold in
#: official health and social statistics; (2) below five the Poisson relative standard error
#: exceeds 45 % (1/sqrt(5)), so the rate would be too unreliable to read anyway.
DEFAULT_MIN_COUNT = 5

#: The symbol Swedish official statistics use for "not available or suppressed" (never zero).
SUPPRESSED = ".."

_RATE_METHODS = ("exact", "midp", "byar", "wald")
_TEXTS = load_catalogue(Path(__file__).with_name("rates_errors.toml"))

#: A year or level-shift coefficient beyond this (a factor exp(25) = 7e10 a year or at a
#: break) is not an estimate but where IRLS stopped on its way to infinity. The intercept
#: is left out: it is the log rate per unit of exposure, so its size depends on the unit
#: (person-years or persons in thousands) and says nothing about the fit.
_DIVERGED = 25.0
_RELATIVE_TOLERANCE_R = 1 + 1e-7  # the relErr of R's binom.test for the "minlike" rule


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------


def _kind(*values: Any) -> str:
    """'series' if any input is a polars Series, 'array' if any is array-like, else 'scalar'."""
    if any(isinstance(v, pl.Series) for v in values):
        return "series"
    if any(np.ndim(v) > 0 for v in values if not isinstance(v, str)):
        return "array"
    return "scalar"


def _wrap(values: np.ndarray, kind: str, name: str) -> Any:
    if kind == "scalar":
        return float(values)
    if kind == "series":
        return pl.Series(name, np.asarray(values, dtype=float), nan_to_null=True)
    return np.asarray(values, dtype=float)


def _same_shapes(arrays: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The arrays, scalars (0-d) repeated to the common shape of the others.

    numpy would also stretch a length-1 array (or a ``(n, 1)`` against an ``(m,)``) to any
    length; here every array that is not a scalar must have the same shape, so a missing
    value in a list is an error instead of the first value being reused.
    """
    shapes = {name: a.shape for name, a in arrays.items() if a.ndim > 0}
    names = list(arrays)
    if len(set(shapes.values())) > 1:
        listed = _TEXTS.phrase("names_listed", first=", ".join(names[:-1]), last=names[-1])
        given = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        en, sv = _TEXTS.both("not_same_shape", listed=listed, given=given)
        raise ArgumentError(en, sv=sv)
    return [np.array(a, dtype=float) for a in np.broadcast_arrays(*arrays.values())]


def _check_level(level: float) -> float:
    if not is_probability(level):
        en, sv = _TEXTS.both("level_not_probability", level=level)
        raise ArgumentError(en, sv=sv)
    return float(level)


def _is_number(value: object) -> bool:
    """A real number (numpy's included) or ``None`` (a missing value), not text or a bool."""
    return value is None or (
        isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
    )


def numeric_array(x: Any, name: str) -> np.ndarray:
    """``x`` as a float array, refusing what is not numbers (``None`` and nulls are missing).

    :func:`research.stats.identification.as_float_array` converts whatever numpy converts,
    text included (``"5"`` would be the count 5) and ``True`` (the count 1); here a count or
    an exposure must be given as a number. ``None`` (alone, in a list, or a polars null) is a
    missing value and becomes NaN, as NaN does.

    Raises
    ------
    ArgumentError
        When ``x`` is or holds text, booleans or other values that are not numbers.

    Examples
    --------
    >>> numeric_array([1, None, 2.5], "counts").tolist()
    [1.0, nan, 2.5]
    >>> numeric_array("5", "count")
    Traceback (most recent call last):
    ...
    research.core.errors.ArgumentError: count must hold numbers; got str ('5'). Give numbers, not text or True/False (convert text with float() or .cast(pl.Float64)).
    """  # noqa: E501 - a doctest's output is one line
    if isinstance(x, pl.Series):
        if not (x.dtype.is_numeric() or x.dtype == pl.Null):
            en, sv = _TEXTS.both(
                "not_numbers", name=name, what=f"a Series of {x.dtype}", value=x.head(3).to_list()
            )
            raise ArgumentError(en, sv=sv)
        return as_float_array(x, name)
    try:
        raw = np.asarray(x)
    except (TypeError, ValueError):  # ragged: as_float_array says what is wrong
        return as_float_array(x, name)
    if raw.dtype.kind == "O":
        ok = all(_is_number(v) for v in raw.ravel())
    else:
        ok = raw.dtype.kind in "iuf"
    if not ok:
        what = type(x).__name__ if raw.ndim == 0 else f"{type(x).__name__} of {raw.dtype}"
        en, sv = _TEXTS.both("not_numbers", name=name, what=what, value=x)
        raise ArgumentError(en, sv=sv)
    return as_float_array(x, name)


# --------------------------------------------------------------------------------------------
# one rate
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateCI(ResultDisplay):
    """A rate with its confidence interval.

    Attributes
    ----------
    rate, lower, upper
        Point estimate and interval limits, per ``per`` units of exposure. Floats for scalar
        input, numpy arrays or polars Series for vector input.
    count, exposure
        The inputs (after broadcasting), as float arrays or floats.
    per, level, method
        The settings used.
    """

    rate: Any
    lower: Any
    upper: Any
    count: Any
    exposure: Any
    per: float
    level: float
    method: str

    _frame_fields = "rate lower upper count exposure per level method"
    _vector_field = "rate"

    def _display_title(self) -> str:
        return f"Rate per {self.per:g} ({self.method}, {100 * self.level:g} % CI)"

    def _display_rows(self) -> list[tuple[str, object]]:
        return [
            ("rate", self.rate),
            ("CI lower", self.lower),
            ("CI upper", self.upper),
            ("count", self.count),
            ("exposure", self.exposure),
        ]


def _garwood(x: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Garwood (1936) limits for a Poisson mean: gamma quantiles (= chi-square / 2)."""
    with np.errstate(invalid="ignore"):
        lower = np.where(x > 0, special.gammaincinv(np.maximum(x, 1), alpha / 2), 0.0)
        upper = special.gammaincinv(x + 1, 1 - alpha / 2)
    lower = np.where(np.isnan(x), np.nan, lower)
    return lower, upper


def _midp_tail(mu: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(X > x) + P(X = x)/2 for X ~ Poisson(mu); increasing in mu."""
    # P(X >= x) = P(x, mu) (regularized lower incomplete gamma) for x >= 1; 1 for x = 0.
    at_least = np.where(x > 0, special.gammainc(np.maximum(x, 1), mu), 1.0)
    more = special.gammainc(x + 1, mu)
    return 0.5 * (at_least + more)


def _midp_slope(mu: np.ndarray, x: np.ndarray) -> np.ndarray:
    """d/dmu of :func:`_midp_tail`: (P(X = x - 1) + P(X = x)) / 2."""
    return 0.5 * (poisson_pmf(x - 1, mu) + poisson_pmf(x, mu))


def _solve_increasing(
    func: Callable[[np.ndarray, np.ndarray], np.ndarray],
    slope: Callable[[np.ndarray, np.ndarray], np.ndarray],
    target: float,
    x: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    start: np.ndarray,
    *,
    max_iter: int = 200,
) -> np.ndarray:
    """Vectorized safeguarded Newton: solve ``func(m, x) = target`` for ``func`` increasing in m.

    Each element keeps a bracket [lo, hi] containing its root; a Newton step that leaves the
    bracket is replaced by bisection, so convergence is guaranteed and usually takes a few
    steps. Only elements not yet converged are evaluated.
    """
    lo = lo.astype(float, copy=True)
    hi = hi.astype(float, copy=True)
    m = np.clip(start.astype(float, copy=True), lo, hi)
    active = np.arange(m.size)
    for _ in range(max_iter):
        ma, la, ha, xa = m[active], lo[active], hi[active], x[active]
        value = func(ma, xa) - target
        la = np.where(value < 0, ma, la)
        ha = np.where(value >= 0, ma, ha)
        with np.errstate(divide="ignore", invalid="ignore"):
            new = ma - value / slope(ma, xa)
        new = np.where((new >= la) & (new <= ha), new, 0.5 * (la + ha))
        done = (np.abs(new - ma) <= 1e-14 * np.abs(ma)) | (ha - la <= 4e-16 * np.abs(ha))
        m[active], lo[active], hi[active] = new, la, ha
        active = active[~done]
        if active.size == 0:
            break
    return m


def _mean_limits(x: np.ndarray, level: float, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Confidence limits for a Poisson mean given the observed count ``x``."""
    alpha = 1 - level
    if method == "exact":
        return _garwood(x, alpha)
    if method == "midp":
        g_lo, g_hi = _garwood(x, alpha)
        ok = np.isfinite(x)
        lower = np.zeros_like(x)
        upper = np.full_like(x, np.nan)
        xs = x[ok]
        lo_b = g_lo[ok]
        hi_b = g_hi[ok]
        pos = xs > 0
        low = np.zeros_like(xs)
        if pos.any():
            low[pos] = _solve_increasing(
                _midp_tail, _midp_slope, alpha / 2, xs[pos], lo_b[pos], hi_b[pos], lo_b[pos]
            )
        up = _solve_increasing(_midp_tail, _midp_slope, 1 - alpha / 2, xs, lo_b, hi_b, hi_b)
        lower[ok] = low
        upper[ok] = up
        lower[~ok] = np.nan
        return lower, upper
    z = norm_ppf(1 - alpha / 2)
    if method == "wald":
        half = z * np.sqrt(x)
        return np.maximum(x - half, 0.0), x + half
    # Byar's approximation (Rothman & Boice 1979; Breslow & Day 1987, p. 69)
    with np.errstate(divide="ignore", invalid="ignore"):
        xl = np.where(x > 0, x, 1.0)
        lower = np.where(x > 0, xl * (1 - 1 / (9 * xl) - z / (3 * np.sqrt(xl))) ** 3, 0.0)
    lower = np.where(np.isnan(x), np.nan, np.maximum(lower, 0.0))
    x1 = x + 1
    upper = x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3
    return lower, upper


def poisson_rate_ci(
    count: Any,
    exposure: Any,
    *,
    per: float = 100_000,
    level: float = 0.95,
    method: str = "exact",
) -> RateCI:
    """Rate per ``per`` units of exposure with a confidence interval for a Poisson count.

    Parameters
    ----------
    count
        Observed number of events: a whole number >= 0, or an array/Series of them. Missing
        values (NaN, None, polars nulls) propagate: the rate and limits are NaN.
    exposure
        Person-years at risk (e.g. the population, summed over the years pooled); > 0.
        The same length as ``count``, or a single number used for every count. A missing
        exposure propagates as a missing count does.
    per
        Rate base: 100 000 gives rates per 100 000 inhabitants.
    level
        Confidence level, strictly between 0 and 1.
    method
        ``"exact"`` (default): Garwood's interval, the limits being the gamma quantiles
        ``Gamma(x).ppf(a/2)`` and ``Gamma(x+1).ppf(1-a/2)`` (chi-square quantiles halved),
        guaranteed coverage >= ``level``.
        ``"midp"``: the mid-p exact interval, which counts half the probability of the
        observed count; coverage close to ``level`` on average, shorter than exact. Solved
        numerically (vectorized safeguarded Newton iteration, bracketed by the exact limits).
        ``"byar"``: Byar's approximation to the exact interval.
        ``"wald"``: ``x ± z·sqrt(x)``, lower limit clipped at 0; degenerate (0, 0) for x = 0,
        poor for small counts - for comparison only.

    Returns
    -------
    RateCI
        ``rate``, ``lower``, ``upper`` (floats, numpy arrays or polars Series following the
        input), plus ``count``, ``exposure``, ``per``, ``level`` and ``method``. For a zero
        count the lower limit is exactly 0.

    Raises
    ------
    ArgumentError
        For negative or non-integer counts, exposures <= 0 or infinite, counts or exposures
        that are not numbers (text such as ``"5"``, booleans), a level outside (0, 1), an
        unknown method, or ``count`` and ``exposure`` of different lengths (a single
        exposure for several counts must be a number, not a one-element list).

    Examples
    --------
    >>> ci = poisson_rate_ci(10, 50_000)
    >>> round(ci.rate, 1), round(ci.lower, 2), round(ci.upper, 2)
    (20.0, 9.59, 36.78)
    >>> poisson_rate_ci(None, 50_000).rate  # a missing count: a missing rate
    nan
    >>> poisson_rate_ci(0, 1, per=1).upper  # the classic 3.689 for a zero count
    3.6888794541139354
    >>> poisson_rate_ci([0, 5], [1.0, 1.0], per=1, method="midp").upper.round(3)
    array([ 2.996, 11.082])

    References
    ----------
    Garwood F (1936). Fiducial limits for the Poisson distribution. Biometrika 28:437-442.
    Ulm K (1990). A simple method to calculate the confidence interval of a standardized
    mortality ratio. Am J Epidemiol 131:373-375.
    Rothman KJ, Boice JD (1979). Epidemiologic analysis with a programmable calculator.
    NIH Publication 79-1649 (Byar's approximation).
    """
    level = _check_level(level)
    per = check_per(per)
    check_choice(method, "method", _RATE_METHODS)
    kind = _kind(count, exposure)
    x = numeric_array(count, "count")
    e = numeric_array(exposure, "exposure")
    check_counts(x, "count")
    check_exposures(e, "exposure")
    x, e = _same_shapes({"count": x, "exposure": e})
    lo, hi = _mean_limits(x, level, method)
    scale = per / e
    rate = x * scale
    return RateCI(
        rate=_wrap(rate, kind, "rate"),
        lower=_wrap(lo * scale, kind, "lower"),
        upper=_wrap(hi * scale, kind, "upper"),
        count=float(x) if kind == "scalar" else x,
        exposure=float(e) if kind == "scalar" else e,
        per=per,
        level=level,
        method=method,
    )


def pooled_rate(
    counts: Any,
    exposures: Any,
    *,
    per: float = 100_000,
    level: float = 0.95,
    method: str = "exact",
) -> RateCI:
    """Pooled rate over several years (or areas): total count over total person-years.

    Pooling years is the usual remedy for small counts: the sum of independent Poisson counts
    is Poisson, so the exact interval of the total applies to the pooled rate.

    Parameters
    ----------
    counts, exposures
        Equal-length sequences (arrays, lists or polars Series) of yearly counts and
        person-years. No value may be missing: drop or impute missing years first, so that
        the pooled period is explicit.
    per, level, method
        As in :func:`poisson_rate_ci`.

    Returns
    -------
    RateCI
        Scalar rate, lower and upper (floats), with ``count`` and ``exposure`` the totals.

    Raises
    ------
    ArgumentError
        For missing values, unequal lengths, empty input, values that are not numbers or
        any invalid count/exposure.

    Examples
    --------
    >>> ci = pooled_rate([3, 5, 4], [20_000, 20_500, 21_000])
    >>> round(ci.rate, 2), round(ci.lower, 2), round(ci.upper, 2)
    (19.51, 10.08, 34.08)
    """
    x = numeric_array(counts, "counts").ravel()
    e = numeric_array(exposures, "exposures").ravel()
    if x.size == 0 or x.size != e.size:
        en, sv = _TEXTS.both("pooled_lengths", n_counts=x.size, n_exposures=e.size)
        raise ArgumentError(en, sv=sv)
    if np.isnan(x).any() or np.isnan(e).any():
        en, sv = _TEXTS.both("pooled_missing")
        raise ArgumentError(en, sv=sv)
    check_counts(x, "counts")
    check_exposures(e, "exposures")
    return poisson_rate_ci(float(x.sum()), float(e.sum()), per=per, level=level, method=method)


def with_rate_ci(
    df: pl.DataFrame,
    *,
    count: str = "count_est",
    exposure: str = "population",
    per: float = 100_000,
    level: float = 0.95,
    method: str = "exact",
    names: tuple[str, str, str] = ("rate", "lower", "upper"),
) -> pl.DataFrame:
    """Add rate, lower and upper columns computed from a count and an exposure column.

    Parameters
    ----------
    df
        Any polars DataFrame holding the two columns.
    count, exposure
        Column names (defaults fit :func:`research.data.panel.load_panel`).
    per, level, method
        As in :func:`poisson_rate_ci`.
    names
        Names of the three added columns; existing columns of those names are replaced.

    Returns
    -------
    pl.DataFrame
        ``df`` with three Float64 columns added (null where the count or exposure is null).

    Raises
    ------
    ArgumentError
        When a column is missing or holds invalid values (text rather than numbers included).

    Examples
    --------
    >>> df = pl.DataFrame({"count_est": [0, 12], "population": [9_000.0, 60_000.0]})
    >>> with_rate_ci(df)["upper"].round(1).to_list()
    [41.0, 34.9]
    """
    missing = [c for c in (count, exposure) if c not in df.columns]
    if missing:
        en, sv = _TEXTS.both("rate_columns_missing", missing=missing, columns=df.columns)
        raise ArgumentError(en, sv=sv)
    ci = poisson_rate_ci(df[count], df[exposure], per=per, level=level, method=method)
    return df.with_columns(
        ci.rate.alias(names[0]), ci.lower.alias(names[1]), ci.upper.alias(names[2])
    )


def pooled_rates(
    df: pl.DataFrame,
    by: str | Sequence[str],
    *,
    count: str = "count_est",
    exposure: str = "population",
    per: float = 100_000,
    level: float = 0.95,
    method: str = "exact",
) -> pl.DataFrame:
    """Pool counts and person-years within groups (e.g. years per area) and add intervals.

    Parameters
    ----------
    df
        Long frame, one row per group member (e.g. area and year).
    by
        Grouping column(s), e.g. ``"area_code"``.
    count, exposure, per, level, method
        As in :func:`with_rate_ci`.

    Returns
    -------
    pl.DataFrame
        One row per group, sorted by ``by``, with ``count`` and ``exposure`` (the totals),
        ``n_rows`` (members pooled), ``n_missing`` (members with a null count or exposure)
        and ``rate``, ``lower``, ``upper``. Groups with a missing member get null totals and
        rates rather than a silently shorter period.

    Raises
    ------
    ArgumentError
        A grouping, count or exposure column missing from ``df``.

    Examples
    --------
    >>> df = pl.DataFrame({"area": ["a", "a", "b"], "count_est": [1, 2, 7],
    ...                    "population": [1e4, 1e4, 3e4]})
    >>> pooled_rates(df, "area")["rate"].round(2).to_list()
    [15.0, 23.33]
    """
    keys = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*keys, count, exposure] if c not in df.columns]
    if missing:
        en, sv = _TEXTS.both("columns_missing", missing=missing, columns=df.columns)
        raise ArgumentError(en, sv=sv)
    n_missing = (pl.col(count).is_null() | pl.col(exposure).is_null()).sum()
    out = (
        df.group_by(keys)
        .agg(
            pl.col(count).cast(pl.Float64).sum().alias("count"),
            pl.col(exposure).cast(pl.Float64).sum().alias("exposure"),
            pl.len().alias("n_rows"),
            n_missing.alias("n_missing"),
        )
        .with_columns(
            pl.when(pl.col("n_missing") == 0).then(pl.col("count")).alias("count"),
            pl.when(pl.col("n_missing") == 0).then(pl.col("exposure")).alias("exposure"),
        )
        .sort(keys)
    )
    return with_rate_ci(
        out, count="count", exposure="exposure", per=per, level=level, method=method
    )


# --------------------------------------------------------------------------------------------
# two rates
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateRatio(ResultDisplay):
    """Ratio of two Poisson rates (group 1 over group 2) with interval and p-value.

    Attributes
    ----------
    ratio, lower, upper, p_value
        Floats for scalar input, arrays/Series otherwise. ``ratio`` is the raw ratio of the
        observed rates (``inf`` when only count2 is zero, ``nan`` when both are).
    null, level, method, alternative
        The settings used.
    """

    ratio: Any
    lower: Any
    upper: Any
    p_value: Any
    null: float
    level: float
    method: str
    alternative: str

    _frame_fields = "ratio lower upper p_value null level method alternative"
    _vector_field = "ratio"

    def _display_title(self) -> str:
        return f"Rate ratio ({self.method}, {100 * self.level:g} % CI, {self.alternative})"

    def _display_rows(self) -> list[tuple[str, object]]:
        return [
            ("rate ratio", self.ratio),
            ("CI lower", self.lower),
            ("CI upper", self.upper),
            (f"p-value (null ratio {self.null:g})", self.p_value),
        ]


def _binom_pmf(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    return binom_pmf(k, n, p)


def _first_true(pred: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray):
    """Smallest integer k in [lo, hi) with pred(k) true; ``hi`` when there is none.

    ``pred`` must be monotone (false ... false, true ... true) on that range. Vectorized.
    """
    lo = lo.astype(np.int64, copy=True)
    hi = hi.astype(np.int64, copy=True)
    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = (lo + hi) // 2
        ok = pred(np.where(active, mid, lo))
        hi = np.where(active & ok, mid, hi)
        lo = np.where(active & ~ok, mid + 1, lo)


def _minlike_pvalue(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Two-sided exact binomial p-value, "minlike" rule as R's binom.test.

    Sums the probabilities of all outcomes that are not more likely than the observed one
    (with R's relative tolerance 1 + 1e-7). Uses unimodality: on the far side of the mean
    the outcomes with small probability form one tail, found by integer bisection.
    """
    d = _binom_pmf(x, n, p) * _RELATIVE_TOLERANCE_R
    m = n * p
    pval = np.ones_like(p)
    low = x < m
    high = x > m
    if low.any():
        xl, nl, pl_, dl = x[low], n[low], p[low], d[low]
        start = np.ceil(nl * pl_)
        k0 = _first_true(lambda k: _binom_pmf(k, nl, pl_) <= dl, start, nl + 1)
        pval[low] = binom_cdf(xl, nl, pl_) + binom_sf(k0 - 1, nl, pl_)
    if high.any():
        xh, nh, ph, dh = x[high], n[high], p[high], d[high]
        stop = np.floor(nh * ph) + 1
        k1 = _first_true(lambda k: _binom_pmf(k, nh, ph) > dh, np.zeros_like(stop), stop)
        pval[high] = binom_cdf(k1 - 1, nh, ph) + binom_sf(xh - 1, nh, ph)
    return np.minimum(pval, 1.0)


def _prepare_two(count1, exposure1, count2, exposure2):
    kind = _kind(count1, exposure1, count2, exposure2)
    arrays = []
    for value, name in (
        (count1, "count1"),
        (exposure1, "exposure1"),
        (count2, "count2"),
        (exposure2, "exposure2"),
    ):
        arr = numeric_array(value, name)
        (check_counts if name.startswith("count") else check_exposures)(arr, name)
        arrays.append(arr)
    x1, e1, x2, e2 = _same_shapes(
        dict(zip(("count1", "exposure1", "count2", "exposure2"), arrays, strict=True))
    )
    return kind, x1, e1, x2, e2


def rate_ratio(
    count1: Any,
    exposure1: Any,
    count2: Any,
    exposure2: Any,
    *,
    level: float = 0.95,
    method: str = "exact",
    null: float = 1.0,
    alternative: str = "two-sided",
) -> RateRatio:
    """Ratio of two Poisson rates, (count1/exposure1) / (count2/exposure2).

    Parameters
    ----------
    count1, exposure1, count2, exposure2
        Counts (whole numbers >= 0) and person-years (> 0) of the two groups; scalars, arrays
        or polars Series of the same length (a single number is used for every element).
        Where a value is missing (NaN, None, null) the results are NaN.
    level
        Confidence level.
    method
        ``"exact"`` (default): the conditional test of R's ``poisson.test``. Given the total
        ``n = count1 + count2``, count1 is Binomial(n, p) with
        ``p = null·E1 / (null·E1 + E2)`` under the null hypothesis. The interval is the
        Clopper-Pearson interval for p mapped to the ratio by ``p/(1-p) · E2/E1``; the
        two-sided p-value uses the "minlike" rule (sum of the probabilities of all outcomes
        not more likely than the observed one, relative tolerance 1 + 1e-7), not a doubled
        one-sided p-value. With both counts zero the interval is (0, inf) and p = 1.
        ``"wald"``: log-scale Wald interval ``log(RR) ± z·sqrt(1/x1 + 1/x2)`` and z-test.
        When either count is zero, 0.5 is added to *both* counts for the interval and the
        p-value (Haldane-Anscombe correction); the reported ``ratio`` stays the raw ratio.
    null
        Rate ratio under the null hypothesis (default 1).
    alternative
        ``"two-sided"``, ``"greater"`` (ratio > null) or ``"less"``. One-sided alternatives
        give one-sided intervals (an infinite upper or a zero lower limit).

    Returns
    -------
    RateRatio
        ``ratio``, ``lower``, ``upper``, ``p_value`` (floats, arrays or Series).

    Raises
    ------
    ArgumentError
        For invalid counts or exposures (negative, non-integer counts, exposures <= 0 or
        infinite, text or booleans), vectors of different lengths, a level outside (0, 1), a
        null that is not a positive finite number, or an unknown method or alternative.

    Examples
    --------
    The example of R's ``?poisson.test`` (Rothman & Greenland 1998, p. 238):

    >>> rr = rate_ratio(11, 800, 6 + 8 + 7, 1083 + 1050 + 878)
    >>> round(rr.ratio, 6), round(rr.p_value, 5), round(rr.lower, 7), round(rr.upper, 7)
    (1.971488, 0.07967, 0.8584264, 4.2772659)

    References
    ----------
    Clopper CJ, Pearson ES (1934). Biometrika 26:404-413.
    Breslow NE, Day NE (1987). Statistical Methods in Cancer Research II. IARC, ch. 2.
    R Core Team. ``poisson.test`` and ``binom.test`` in package stats.
    """
    level = _check_level(level)
    check_choice(method, "method", ("exact", "wald"))
    check_choice(alternative, "alternative", ("two-sided", "greater", "less"))
    if isinstance(null, bool) or not (
        isinstance(null, int | float) and np.isfinite(null) and null > 0
    ):
        en, sv = _TEXTS.both("null_not_positive", null=null)
        raise ArgumentError(en, sv=sv)
    kind, x1, e1, x2, e2 = _prepare_two(count1, exposure1, count2, exposure2)
    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (x1 / e1) / (x2 / e2)
    missing = np.isnan(x1) | np.isnan(x2) | np.isnan(e1) | np.isnan(e2)
    if method == "exact":
        lower, upper, pval = _ratio_exact(x1, e1, x2, e2, alpha, null, alternative, missing)
    else:
        lower, upper, pval = _ratio_wald(x1, e1, x2, e2, alpha, null, alternative)
    lower, upper, pval = (np.where(missing, np.nan, v) for v in (lower, upper, pval))
    return RateRatio(
        ratio=_wrap(ratio, kind, "ratio"),
        lower=_wrap(lower, kind, "lower"),
        upper=_wrap(upper, kind, "upper"),
        p_value=_wrap(pval, kind, "p_value"),
        null=float(null),
        level=level,
        method=method,
        alternative=alternative,
    )


def _ratio_exact(x1, e1, x2, e2, alpha, null, alternative, missing):
    x1f = np.where(missing, 0.0, x1)
    x2f = np.where(missing, 0.0, x2)
    e1f = np.where(missing, 1.0, e1)
    e2f = np.where(missing, 1.0, e2)
    n = x1f + x2f
    p0 = null * e1f / (null * e1f + e2f)
    a_lo = alpha / 2 if alternative == "two-sided" else alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        p_lo = np.where(x1f > 0, special.betaincinv(np.maximum(x1f, 1), x2f + 1, a_lo), 0.0)
        p_hi = np.where(x2f > 0, special.betaincinv(x1f + 1, np.maximum(x2f, 1), 1 - a_lo), 1.0)
    if alternative == "less":
        p_lo = np.zeros_like(p_lo)
    if alternative == "greater":
        p_hi = np.ones_like(p_hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = p_lo / (1 - p_lo) * e2f / e1f
        upper = np.where(p_hi < 1, p_hi / (1 - p_hi) * e2f / e1f, np.inf)
    if alternative == "less":
        pval = binom_cdf(x1f, n, p0)
    elif alternative == "greater":
        pval = binom_sf(x1f - 1, n, p0)
    else:
        pval = np.ones_like(p0)
        some = n > 0
        if some.any():
            pval[some] = _minlike_pvalue(x1f[some], n[some], p0[some])
    pval = np.where(n == 0, 1.0, pval)
    return lower, upper, pval


def _ratio_wald(x1, e1, x2, e2, alpha, null, alternative):
    zero = (x1 == 0) | (x2 == 0)
    c1 = np.where(zero, x1 + 0.5, x1)
    c2 = np.where(zero, x2 + 0.5, x2)
    log_rr = np.log(c1 / e1) - np.log(c2 / e2)
    se = np.sqrt(1 / c1 + 1 / c2)
    stat = (log_rr - np.log(null)) / se
    if alternative == "two-sided":
        z = norm_ppf(1 - alpha / 2)
        return np.exp(log_rr - z * se), np.exp(log_rr + z * se), 2 * norm_sf(np.abs(stat))
    z = norm_ppf(1 - alpha)
    if alternative == "greater":
        return np.exp(log_rr - z * se), np.full_like(se, np.inf), norm_sf(stat)
    return np.zeros_like(se), np.exp(log_rr + z * se), norm_cdf(stat)


@dataclass(frozen=True)
class RateDifference(ResultDisplay):
    """Difference of two rates (group 1 minus group 2), per ``per``, with an interval.

    Attributes
    ----------
    difference, lower, upper, p_value, std_error
        Floats, arrays or Series following the input. ``std_error`` is the Wald standard
        error, NaN for the elements whose interval is MOVER's (which has none).
    per, level, method
        The settings used (``method`` as requested: ``"wald"`` or ``"mover"``).
    """

    difference: Any
    lower: Any
    upper: Any
    p_value: Any
    std_error: Any
    per: float
    level: float
    method: str

    _frame_fields = "difference lower upper p_value std_error per level method"
    _vector_field = "difference"

    def _display_title(self) -> str:
        return f"Rate difference per {self.per:g} ({self.method}, {100 * self.level:g} % CI)"

    def _display_rows(self) -> list[tuple[str, object]]:
        return [
            ("difference", self.difference),
            ("SE", self.std_error),
            ("CI lower", self.lower),
            ("CI upper", self.upper),
            ("p-value", self.p_value),
        ]


def rate_difference(
    count1: Any,
    exposure1: Any,
    count2: Any,
    exposure2: Any,
    *,
    per: float = 100_000,
    level: float = 0.95,
    method: str = "wald",
) -> RateDifference:
    """Difference of two Poisson rates with a Wald or a MOVER (Newcombe-type) interval.

    ``d = per·(x1/E1 - x2/E2)``.

    ``method="wald"`` (default): ``se = per·sqrt(x1/E1² + x2/E2²)`` (the variance of each
    rate estimated by its count over the squared exposure), interval ``d ± z·se`` and a
    two-sided z-test of ``d = 0``. A zero count makes its group's estimated variance zero:
    with both counts zero the interval would be (0, 0), with one zero it would ignore that
    group's uncertainty (0 against 5 events in equal exposures would be "significant",
    while the exact test gives p = 0.0625). Elements with a zero count therefore get the
    MOVER interval and the exact test below instead, and a NaN ``std_error``.

    ``method="mover"``: the method of variance estimates recovery (Newcombe 1998's hybrid
    interval for a difference of proportions, generalised by Zou & Donner 2008 and applied
    to Poisson rates by Li, Tang & Wong 2014), built from Garwood's exact limits
    ``(l_i, u_i)`` of each rate ``r_i``::

        lower = d - sqrt((r1 - l1)² + (u2 - r2)²)
        upper = d + sqrt((u1 - r1)² + (r2 - l2)²)

    It is defined for zero counts: with ``x1 = x2 = 0`` and equal exposures ``E`` it is
    ``±per·ln(40)/E`` at 95 % (``ln(40) = 3.689`` is the exact upper limit of a zero count),
    so two zero counts are reported as compatible with a difference either way, not as a
    difference of exactly 0. Its p-value is the exact conditional test of equal rates (the
    test of :func:`rate_ratio` with ``null=1``: given ``n = x1 + x2``, ``x1`` is
    Binomial(n, E1/(E1 + E2)); "minlike" two-sided rule); with both counts zero it is 1 (no
    events, no evidence either way).

    Parameters
    ----------
    count1, exposure1, count2, exposure2
        Counts and person-years of the two groups: numbers or vectors of the same length.
    per
        Rate base of the difference.
    level
        Confidence level.
    method
        ``"wald"`` (default; MOVER where a count is zero) or ``"mover"`` (everywhere).

    Returns
    -------
    RateDifference

    Raises
    ------
    ArgumentError
        For invalid counts or exposures (as in :func:`rate_ratio`), a level outside (0, 1),
        an unknown method, or vectors of different lengths. Missing values give NaN.

    References
    ----------
    Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd ed., ch. 14 (Wald
    interval of a rate difference, variance ``x1/n1² + x2/n2²``).
    Newcombe RG (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Stat Med 17:873-890.
    Zou GY, Donner A (2008). Construction of confidence limits about effect measures: a
    general approach. Stat Med 27:1693-1702.
    Li HQ, Tang ML, Wong WK (2014). Confidence intervals for ratio of two Poisson rates using
    the method of variance estimates recovery. Comput Stat 29:869-889.
    Garwood F (1936). Fiducial limits for the Poisson distribution. Biometrika 28:437-442.

    Examples
    --------
    >>> d = rate_difference(30, 100_000, 20, 100_000)
    >>> round(d.difference, 1), round(d.lower, 2), round(d.upper, 2), round(d.p_value, 4)
    (10.0, -3.86, 23.86, 0.1573)
    >>> z = rate_difference(0, 100_000, 0, 100_000)  # no events in either group
    >>> round(z.lower, 3), round(z.upper, 3), z.p_value
    (-3.689, 3.689, 1.0)
    """
    level = _check_level(level)
    per = check_per(per)
    check_choice(method, "method", ("wald", "mover"))
    kind, x1, e1, x2, e2 = _prepare_two(count1, exposure1, count2, exposure2)
    alpha = 1 - level
    r1, r2 = per * x1 / e1, per * x2 / e2
    diff = r1 - r2
    se = np.array(per * np.sqrt(x1 / e1**2 + x2 / e2**2), dtype=float)
    z = norm_ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        pval = np.array(np.where(se > 0, 2 * norm_sf(np.abs(diff) / se), 1.0), dtype=float)
    lower, upper = (np.array(v, dtype=float) for v in (diff - z * se, diff + z * se))
    missing = np.isnan(x1) | np.isnan(x2) | np.isnan(e1) | np.isnan(e2)
    mover = ~missing & ((x1 == 0) | (x2 == 0) | (method == "mover"))
    if mover.any():
        m1, m2 = x1[mover], x2[mover]
        f1, f2 = per / e1[mover], per / e2[mover]
        lo1, hi1 = (v * f1 for v in _mean_limits(m1, level, "exact"))
        lo2, hi2 = (v * f2 for v in _mean_limits(m2, level, "exact"))
        a1, a2, d = r1[mover], r2[mover], diff[mover]
        lower[mover] = d - np.sqrt((a1 - lo1) ** 2 + (hi2 - a2) ** 2)
        upper[mover] = d + np.sqrt((hi1 - a1) ** 2 + (a2 - lo2) ** 2)
        no = np.zeros(int(mover.sum()), dtype=bool)
        pval[mover] = _ratio_exact(m1, e1[mover], m2, e2[mover], alpha, 1.0, "two-sided", no)[2]
        se[mover] = np.nan
    pval = np.where(missing, np.nan, pval)
    return RateDifference(
        difference=_wrap(diff, kind, "difference"),
        lower=_wrap(lower, kind, "lower"),
        upper=_wrap(upper, kind, "upper"),
        p_value=_wrap(pval, kind, "p_value"),
        std_error=_wrap(se, kind, "std_error"),
        per=per,
        level=level,
        method=method,
    )


# --------------------------------------------------------------------------------------------
# trend
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendResult(ResultDisplay):
    """Annual per cent change in a rate from a log-linear count model.

    Attributes
    ----------
    pct_change, lower, upper
        Annual per cent change ``100·(exp(beta) - 1)`` and its confidence interval (the Wald
        interval of ``beta``, transformed).
    p_value
        Test of no trend (``beta = 0``).
    beta, std_error
        Year coefficient on the log scale and its standard error (after any scaling).
    dispersion
        Pearson chi-square divided by the residual degrees of freedom of the fitted model;
        for ``"quasi"`` the variance is scaled by it floored at 1
        (:func:`research.stats.glm.quasi_scale`); for ``"negbin"`` it is a
        diagnostic of the negative binomial fit (near 1 when it fits).
    alpha
        Negative binomial NB2 parameter (Var = mu + alpha·mu²); ``None`` unless ``"negbin"``.
    method
        ``"poisson"``, ``"quasi"`` or ``"negbin"``.
    level, n_years, df_resid, deviance, reference_year
        Settings and fit details; the intercept is the log rate per unit of exposure at
        ``reference_year`` (the mean year) with all break dummies 0.
    breaks
        The break years that entered the model as level shifts.
    coefficients
        Table with term, estimate, std_error, statistic, p_value, lower, upper.
    fitted
        Fitted counts.
    converged
        Whether the fit converged.
    warnings
        Caveats (ignored breaks, over-dispersion, few years, ...) as
        :class:`~research.core.errors.PilotbenchWarning` objects (``str(w)`` is the English
        message, ``w.code`` a stable id, ``w.values`` its numbers).
    """

    pct_change: float
    lower: float
    upper: float
    p_value: float
    beta: float
    std_error: float
    dispersion: float
    alpha: float | None
    method: str
    level: float
    n_years: int
    df_resid: int
    deviance: float
    reference_year: float
    breaks: tuple[int, ...]
    coefficients: pl.DataFrame
    fitted: np.ndarray
    converged: bool
    warnings: list[PilotbenchWarning] = field(default_factory=list)

    _frame_fields = "pct_change lower upper p_value beta std_error dispersion method level n_years"

    def _display_title(self) -> str:
        return f"Trend ({self.method}, {100 * self.level:g} % CI)"

    def _display_rows(self) -> list[tuple[str, object]]:
        return [
            ("annual change (%)", self.pct_change),
            ("CI lower (%)", self.lower),
            ("CI upper (%)", self.upper),
            ("p-value", self.p_value),
            ("dispersion", self.dispersion),
            ("years", self.n_years),
            ("breaks", ", ".join(map(str, self.breaks)) or "none"),
        ]

    def _display_frame(self) -> pl.DataFrame:
        return self.coefficients

    def _display_note(self) -> str | None:
        return " ".join(str(w) for w in self.warnings) or None


def _irls(
    X: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray,
    alpha: float = 0.0,
    start: np.ndarray | None = None,
    *,
    tol: float = 1e-12,
    max_iter: int = 200,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Fit a log-link GLM with variance mu + alpha·mu² by IRLS (:mod:`research.stats.glm`).

    Returns coefficients, the unscaled covariance (inverse Fisher information) and a
    convergence flag. Raises ``numpy.linalg.LinAlgError`` when the information is singular
    (:func:`_singular_trend` words it for the user).
    """
    family = "negbin" if alpha > 0 else "poisson"
    with np.errstate(over="ignore", invalid="ignore"):
        beta, _, mu, converged, _ = glm_irls(X, y, offset, family, alpha, start, max_iter, tol)
    w = mu / (1 + alpha * mu)
    cov = np.linalg.inv((X.T * w) @ X)
    return beta, cov, converged


def _singular_trend(model: str) -> EstimationError:
    """The error for a trend whose information matrix cannot be inverted (``model``: an id)."""
    en, sv = _TEXTS.both("trend_singular", model=_TEXTS.phrase(f"model_{model}"))
    return EstimationError(en, sv=sv)


def _deviance(y: np.ndarray, mu: np.ndarray, alpha: float = 0.0) -> float:
    return glm_deviance(y, mu, "negbin" if alpha > 0 else "poisson", alpha)


def _fit_negbin(
    X: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray,
    poisson: tuple[np.ndarray, np.ndarray, bool],
) -> tuple[float, np.ndarray, np.ndarray, bool]:
    """Maximum likelihood NB2: the global maximum of the profile likelihood in alpha.

    ``poisson`` is the Poisson fit (coefficients, covariance, convergence). Returns alpha (0
    when the likelihood is maximal at the Poisson boundary), coefficients, unscaled
    covariance at alpha (Fisher information with alpha treated as known, as MASS::glm.nb)
    and convergence. alpha is :func:`research.stats.glm.nb2_alpha`'s.

    Raises
    ------
    EstimationError
        When the information matrix at the estimated alpha is singular, or alpha tends to
        infinity.
    """
    beta_pois = poisson[0]
    alpha, beta_nb = nb2_profile_max(X, y, offset, beta_pois, 200, 1e-12)
    if alpha == 0.0:
        # the Poisson fit, refitted from its own estimate; a fit with counts that only
        # diverging terms can fit (a run of zeros) may have a fitted mean of exactly 0 there
        # after the refit, and a singular information: keep the Poisson fit as it was, which
        # poisson_trend reports as not converged, as for overdispersion=None
        try:
            beta, cov, conv = _irls(X, y, offset, 0.0, beta_pois)
        except np.linalg.LinAlgError:
            return 0.0, *poisson
        return 0.0, beta, cov, conv
    try:  # from the profile's own coefficients: from the Poisson fit's, IRLS can run off
        beta, cov, conv = _irls(X, y, offset, alpha, beta_nb)
    except np.linalg.LinAlgError:
        raise _singular_trend("negbin") from None
    return alpha, beta, cov, conv


def _break_year(b: Any) -> int:
    year = getattr(b, "first_year", b)
    try:
        year_int = int(year)
    except (TypeError, ValueError, OverflowError) as exc:
        en, sv = _TEXTS.both("break_not_year", value=b)
        raise ArgumentError(en, sv=sv) from exc
    if year_int != year:
        en, sv = _TEXTS.both("break_not_whole", year=year)
        raise ArgumentError(en, sv=sv)
    return year_int


def poisson_trend(  # noqa: C901 - one branch per documented variance option and break rule
    counts: Any,
    exposures: Any,
    years: Any,
    *,
    overdispersion: str | None = None,
    breaks: Iterable[Any] = (),
    level: float = 0.95,
) -> TrendResult:
    """Annual per cent change of a rate: log-linear Poisson (or NB) regression on year.

    Fits ``log E[count] = log(exposure) + b0 + beta·(year - mean year) + Σ g_k·D_k`` by
    iteratively reweighted least squares, where ``D_k = 1`` for years >= the first year of
    break k. The annual per cent change is ``100·(exp(beta) - 1)``; with breaks it is the
    common within-segment trend, the level shifts absorbing the jumps at the breaks.

    Parameters
    ----------
    counts, exposures, years
        Equal-length sequences: yearly counts, person-years and (unique) years. Rows with a
        missing count or exposure are dropped with a warning.
    overdispersion
        ``None``: Poisson variance; standard errors from the Fisher information, z-based
        intervals and p-value. A warning is added when the Pearson dispersion exceeds 1.5.
        ``"quasi"``: quasi-Poisson; the covariance is multiplied by the Pearson
        chi-square / (n - p) floored at 1, and intervals and p-value use the t distribution
        with n - p degrees of freedom (as R's ``summary.glm``, which does not floor). A
        dispersion estimate below 1 (counts varying less than Poisson counts, in a short
        series mostly the estimate's own noise) would make the interval narrower than the
        Poisson model's; flooring it is the common practice (Farrington et al. 1996,
        Spiegelhalter 2005; see :func:`research.stats.glm.quasi_scale`). The result's
        ``dispersion`` is the estimate itself.
        ``"negbin"``: negative binomial NB2 (Var = mu + alpha·mu²) with alpha estimated by
        maximum likelihood (the global maximum of the profile likelihood over alpha,
        :func:`research.stats.glm.nb2_alpha`); standard errors from the Fisher
        information at the estimated alpha treated as known, z-based (as ``MASS::glm.nb``).
        When the likelihood is maximal at alpha = 0 the Poisson fit is returned with
        ``alpha = 0`` and a warning.
    breaks
        Years (``int``) or :class:`~research.data.catalog.SeriesBreak` objects (their
        ``first_year``). A break enters only when ``min(years) < first_year <= max(years)``;
        others are ignored with a warning.
    level
        Confidence level of the interval.

    Returns
    -------
    TrendResult
        With ``overdispersion="quasi"`` an exact fit (by
        :func:`research.stats.glm.is_exact_fit`, the rule every estimator uses) has no
        dispersion to scale by: NaN intervals and an
        :class:`~research.core.warnings.ExactFitWarning` in ``warnings``.

    Raises
    ------
    ArgumentError
        For invalid inputs (counts, exposures or years that are not numbers, years that are
        not whole or finite, break years that are not whole years, a level outside (0, 1)),
        inputs of different lengths, or duplicated years.
    DesignError
        Fewer years than model parameters + 1.
    EstimationError
        When the model's information matrix is singular at the fit, so that it has no
        standard errors (counts nearly all zero); pool years or use ``"quasi"``. A series
        whose zeros the year term alone can fit by running to infinity (``0, 0, 0, 0, 5``)
        has no finite trend: NaN change, interval and p-value with a
        :class:`~research.core.warnings.NoFiniteTrendWarning` (Santos Silva & Tenreyro 2010),
        also with ``"negbin"`` (whose likelihood is then largest at the Poisson fit). Zeros
        that only a break's level shift runs to infinity for leave the trend finite; that
        fit, or one that did not converge, comes with a
        :class:`~research.core.warnings.NotConvergedWarning`. With ``"negbin"`` the error
        is also raised when the likelihood still increases as alpha grows without bound.

    Examples
    --------
    >>> t = poisson_trend([20, 24, 25, 31, 33], [1e5] * 5, [2018, 2019, 2020, 2021, 2022])
    >>> round(t.pct_change, 1), round(t.lower, 1), round(t.upper, 1)
    (13.3, 0.4, 27.9)

    References
    ----------
    McCullagh P, Nelder JA (1989). Generalized Linear Models, 2nd ed. Chapman & Hall.
    Venables WN, Ripley BD (2002). Modern Applied Statistics with S, 4th ed., section 7.4
    (``glm.nb``).
    Santos Silva JMC, Tenreyro S (2010). On the existence of the maximum likelihood
    estimates in Poisson regression. Economics Letters 107(2), 310-312.
    """
    level = _check_level(level)
    check_choice(overdispersion, "overdispersion", (None, "quasi", "negbin"))
    y = numeric_array(counts, "counts").ravel()
    e = numeric_array(exposures, "exposures").ravel()
    t = numeric_array(years, "years").ravel()
    if not (y.size == e.size == t.size):
        en, sv = _TEXTS.both("trend_lengths", n_counts=y.size, n_exposures=e.size, n_years=t.size)
        raise ArgumentError(en, sv=sv)
    if not np.isfinite(t).all() or (t != np.round(t)).any():
        en, sv = _TEXTS.both("years_not_whole")
        raise ArgumentError(en, sv=sv)
    check_counts(y, "counts")
    check_exposures(e, "exposures")
    notes: list[PilotbenchWarning] = []
    keep = ~(np.isnan(y) | np.isnan(e))
    if not keep.all():
        dropped = ", ".join(str(int(v)) for v in t[~keep])
        notes.append(
            MissingYearsDroppedWarning(
                f"Dropped {int((~keep).sum())} year(s) with a missing count or exposure: "
                f"{dropped}.",
                n_years=int((~keep).sum()),
                years=[int(v) for v in t[~keep]],
            )
        )
        y, e, t = y[keep], e[keep], t[keep]
    if np.unique(t).size != t.size:
        en, sv = _TEXTS.both("years_not_unique")
        raise ArgumentError(en, sv=sv)
    order = np.argsort(t)
    y, e, t = y[order], e[order], t[order]

    # break dummies
    used: list[int] = []
    columns = [np.ones_like(t), t - (t.mean() if t.size else 0.0)]
    names = ["intercept", "year"]
    for b in breaks:
        year = _break_year(b)
        label = getattr(b, "id", None)
        tag = f"break {year}" + (f" ({label})" if label else "")
        if t.size == 0 or not (t.min() < year <= t.max()):
            span = f"{int(t.min())}-{int(t.max())}" if t.size else "none"
            notes.append(
                BreakOutsideDataWarning(
                    f"Series {tag} lies outside the data years ({span}) and was ignored.",
                    year=int(year),
                    first=int(t.min()) if t.size else None,
                    last=int(t.max()) if t.size else None,
                )
            )
            continue
        if year in used:
            continue
        dummy = (t >= year).astype(float)
        candidate = np.column_stack([*columns, dummy])
        if np.linalg.matrix_rank(candidate) < candidate.shape[1]:
            notes.append(
                BreakDuplicateWarning(
                    f"Series {tag} duplicates another term for these years; ignored.",
                    year=int(year),
                )
            )
            continue
        used.append(year)
        columns.append(dummy)
        names.append(f"break_{year}")
    X = np.column_stack(columns)
    n, p = X.shape
    if n < p + 1:
        en, sv = _TEXTS.both("too_few_years", n=n, p=p, names=", ".join(names), needed=p + 1)
        raise DesignError(en, sv=sv)
    offset = np.log(e)
    method = overdispersion or "poisson"

    if y.sum() == 0:
        notes.append(AllZeroCountsWarning("All counts are zero; no trend can be estimated."))
        return _empty_trend(names, method, level, n, p, t, used, notes)

    # Zero counts that some terms fit only at a mean of 0 (no cases in the years before a
    # level shift, or at one end of the series) leave the likelihood without a maximum. Found
    # before the fit (glm.separated_observations), they are dropped with the terms they alone
    # identify, and the rest is the limit of the fit (Correia, Guimaraes & Zylkin 2021); IRLS
    # on the whole series stopped somewhere on the way to infinity (a change of +4e16 % a
    # year) or found a singular information matrix.
    full_n, full_t = n, t
    kept = np.ones(n, dtype=bool)
    cols = list(range(p))
    gone = np.zeros(p, dtype=bool)
    separated_rows = separated_observations(X, y)
    if separated_rows.any():
        zeros = [int(v) for v in t[separated_rows]]
        kept = ~separated_rows
        gone = _null_support(X[kept])
        if gone[1]:
            notes.append(_no_finite_trend(zeros))
            return _empty_trend(names, method, level, n, p, t, used, notes)
        cols = _independent_columns(X[kept])
        notes.append(
            SeparatedYearsDroppedWarning(
                f"The count is zero in {', '.join(map(str, zeros))}, which the model fits only "
                f"by letting {', '.join(names[j] for j in np.flatnonzero(gone))} run to plus "
                "or minus infinity: those years are left out, and the trend is estimated from "
                "the others.",
                years=zeros,
                terms=[names[j] for j in np.flatnonzero(gone)],
            )
        )
        X, y, offset, t = X[kept][:, cols], y[kept], offset[kept], t[kept]
        n, p = X.shape
    if n - p < 3:  # counted on the years and terms the fit uses
        notes.append(
            FewResidualDfWarning(
                f"Only {n - p} residual degree(s) of freedom: the trend and any dispersion "
                "estimate are very uncertain.",
                df_resid=n - p,
            )
        )

    try:
        beta, cov, converged = _irls(X, y, offset, 0.0)
    except np.linalg.LinAlgError:
        raise _singular_trend("poisson") from None
    alpha: float | None = None
    if method == "negbin":
        alpha, beta, cov, converged = _fit_negbin(X, y, offset, (beta, cov, converged))
        if alpha == 0.0:
            notes.append(
                NegbinNoOverdispersionWarning(
                    "The negative binomial likelihood is largest at alpha = 0 (no "
                    "over-dispersion); the Poisson fit is reported."
                )
            )
    mu = np.exp(X @ beta + offset)
    if not converged:
        # IRLS stops when the deviance changes by less than 1e-12 of itself. The deviance
        # sums terms of the counts' size, so with large counts and a close fit (riket, some
        # ten thousand offences a year, deviance 0,3) its rounding alone moves it by more
        # than that at the maximum and IRLS never stops. Judge the maximum by the score
        # equations instead: X'(y - mu)/(1 + alpha mu) is zero there up to the rounding of
        # the sums it is made of.
        resid = (y - mu) / (1 + (alpha or 0.0) * mu)
        score = np.abs(X.T @ resid)
        size = np.abs(X).T @ (y + mu)
        converged = bool(all(s <= rounding_floor(z, n) for s, z in zip(score, size, strict=True)))
    # A zero count that some terms alone can fit sends them to minus infinity: the fit has
    # no finite maximum (research.stats.glm.unidentified_terms), converged or not.
    free = unidentified_terms(X, y, mu)
    separated = bool(free.any())
    var = mu if not alpha else mu + alpha * mu**2
    pearson = float(np.sum((y - mu) ** 2 / var))
    df_resid = n - p
    dispersion = pearson / df_resid if df_resid > 0 else float("nan")
    if method == "quasi":
        # an exact fit, by the package's one relative rule (glm.is_exact_fit): no residual
        # variation to scale by, whatever the counts' size
        exact = is_exact_fit(y, mu)
        if exact:
            notes.append(
                ExactFitWarning(
                    "The quasi-Poisson model fits every count exactly: its dispersion is zero, "
                    "so no interval or p-value is given.",
                    model="quasi-Poisson",
                )
            )
        # floored at 1 (glm.quasi_scale): a dispersion estimate below 1 would make the
        # interval narrower than the Poisson model's; `dispersion` stays the estimate
        cov = cov * (float("nan") if exact else quasi_scale(dispersion))
        sf, ppf = (lambda v: t_sf(v, df_resid)), (lambda v: t_ppf(v, df_resid))
    else:
        sf, ppf = norm_sf, norm_ppf
    if method == "poisson" and dispersion > 1.5:
        notes.append(
            OverdispersionWarning(
                f"Pearson dispersion {dispersion:.2f} > 1.5: the Poisson interval is probably "
                "too narrow; consider overdispersion='quasi' or 'negbin'.",
                dispersion=round(dispersion, 2),
            )
        )
    se = np.sqrt(np.diag(cov))
    if free[1]:
        # a separation the programme above did not see (rounding): the year term runs to
        # infinity all the same, and where IRLS stopped is arithmetic, not an estimate
        notes.append(_no_finite_trend([int(v) for v in t[zero_fitted(y, mu)]]))
        beta, se = beta.copy(), se.copy()
        beta[free] = se[free] = np.nan
    elif not converged or separated or np.any(np.abs(beta[1:]) > _DIVERGED):
        notes.append(NotConvergedWarning.of())
    # back to the whole design: a term the separated years alone identified has no estimate
    beta, se = _expand(beta, cols, len(names), gone), _expand(se, cols, len(names), gone)
    stat = beta / se
    pvals = 2 * sf(np.abs(stat))
    q = ppf(1 - (1 - level) / 2)
    lo, hi = beta - q * se, beta + q * se
    coefficients = pl.DataFrame(
        {
            "term": names,
            "estimate": beta,
            "std_error": se,
            "statistic": stat,
            "p_value": pvals,
            "lower": lo,
            "upper": hi,
        }
    )
    if used:
        notes.append(
            LevelShiftsEstimatedWarning(
                "Level shifts at " + ", ".join(str(u) for u in used) + " were estimated; the "
                "trend is the common slope within segments.",
                years=list(used),
            )
        )
    deviance = _deviance(y, mu, alpha or 0.0)
    with np.errstate(over="ignore"):  # a divergent fit (NotConvergedWarning above) gives inf
        pct = 100 * np.expm1(np.array([beta[1], lo[1], hi[1]]))
    return TrendResult(
        pct_change=float(pct[0]),
        lower=float(pct[1]),
        upper=float(pct[2]),
        p_value=float(pvals[1]),
        beta=float(beta[1]),
        std_error=float(se[1]),
        dispersion=float(dispersion),
        alpha=alpha,
        method=method,
        level=level,
        n_years=full_n,
        df_resid=df_resid,
        deviance=deviance,
        reference_year=float(full_t.mean()),
        breaks=tuple(used),
        coefficients=coefficients,
        fitted=_expand(mu, np.flatnonzero(kept), full_n, fill=0.0),
        converged=bool(converged),
        warnings=notes,
    )


def _no_finite_trend(years: list[int]) -> NoFiniteTrendWarning:
    return NoFiniteTrendWarning(
        f"The count is zero in {', '.join(map(str, years))}, and the model can fit those zeros "
        "only by letting the annual change run to plus or minus infinity: the trend has no "
        "finite estimate and is not given.",
        years=years,
    )


def _null_support(X: np.ndarray) -> np.ndarray:
    """Columns of ``X`` with a non-zero entry in a basis of its null space (no own estimate)."""
    basis = null_space(X)
    if not basis.size:
        return np.zeros(X.shape[1], dtype=bool)
    return np.any(np.abs(basis) > 1e-8, axis=1)


def _independent_columns(X: np.ndarray) -> list[int]:
    """The columns of ``X`` kept in order while each raises the rank (intercept, year, ...)."""
    cols: list[int] = []
    for j in range(X.shape[1]):
        if np.linalg.matrix_rank(X[:, [*cols, j]]) == len(cols) + 1:
            cols.append(j)
    return cols


def _expand(
    values: np.ndarray, where: Any, size: int, gone: np.ndarray | None = None, fill=np.nan
) -> np.ndarray:
    """``values`` placed at positions ``where`` of a ``size`` vector, ``fill`` elsewhere."""
    out = np.full(size, fill, dtype=float)
    out[np.asarray(where, dtype=int)] = values
    if gone is not None:
        out[gone] = np.nan
    return out


def _empty_trend(names, method, level, n, p, t, used, notes) -> TrendResult:
    nan = float("nan")
    k = len(names)
    coefficients = pl.DataFrame(
        {
            "term": names,
            **{c: [nan] * k for c in ("estimate", "std_error", "statistic", "p_value")},
            "lower": [nan] * k,
            "upper": [nan] * k,
        }
    )
    return TrendResult(
        pct_change=nan,
        lower=nan,
        upper=nan,
        p_value=nan,
        beta=nan,
        std_error=nan,
        dispersion=nan,
        alpha=None,
        method=method,
        level=level,
        n_years=n,
        df_resid=n - p,
        deviance=nan,
        reference_year=float(t.mean()),
        breaks=tuple(used),
        coefficients=coefficients,
        fitted=np.zeros(n),
        converged=False,
        warnings=notes,
    )


# --------------------------------------------------------------------------------------------
# small-count suppression
# --------------------------------------------------------------------------------------------


def _check_min_count(min_count: int) -> int:
    if isinstance(min_count, bool) or not isinstance(min_count, int | np.integer):
        en, sv = _TEXTS.both("min_count_not_whole", min_count=min_count)
        raise ArgumentError(en, sv=sv)
    if min_count < 1:
        en, sv = _TEXTS.both("min_count_too_small", min_count=min_count)
        raise ArgumentError(en, sv=sv)
    return int(min_count)


def suppression_mask(
    counts: Any, *, min_count: int = DEFAULT_MIN_COUNT, suppress_zero: bool = False
) -> np.ndarray:
    """Boolean mask: True where a cell must be hidden.

    A cell is hidden when its count is at least 1 and below ``min_count``, when the count is
    missing (unknown counts cannot be judged safe), and - with ``suppress_zero`` - when it is
    zero.

    Parameters
    ----------
    counts
        Counts (scalar, array or polars Series; nulls allowed).
    min_count
        Smallest count shown; default :data:`DEFAULT_MIN_COUNT` (5).
    suppress_zero
        Also hide zeros (default False: a zero identifies nobody).

    Returns
    -------
    numpy.ndarray
        Boolean array of the same length (0-d for a scalar).

    Raises
    ------
    ArgumentError
        For a ``min_count`` that is not a whole number >= 1, or counts that are not numbers
        (text, booleans); a missing count (None, NaN, null) is hidden.

    Examples
    --------
    >>> suppression_mask([0, 1, 4, 5, None]).tolist()
    [False, True, True, False, True]
    """
    min_count = _check_min_count(min_count)
    x = numeric_array(counts, "counts")  # None in a list becomes NaN
    small = (x < min_count) & ((x > 0) | suppress_zero)
    return np.asarray(small | np.isnan(x))


def display_value(
    value: Any,
    count: Any,
    *,
    min_count: int = DEFAULT_MIN_COUNT,
    formatter: Callable[[Any], str] = str,
    suppress_zero: bool = False,
) -> str:
    """Text for one table cell: ``..`` when the count is too small or missing.

    Parameters
    ----------
    value
        The number to show (a count, rate, interval limit, ...).
    count
        The count the cell rests on.
    min_count, suppress_zero
        As in :func:`suppression_mask`.
    formatter
        Turns a shown value into text (e.g. a Swedish number formatter).

    Returns
    -------
    str

    Examples
    --------
    >>> display_value(12.34, 3), display_value(12.34, 7)
    ('..', '12.34')
    """
    hidden = bool(suppression_mask(count, min_count=min_count, suppress_zero=suppress_zero))
    if hidden or value is None or (isinstance(value, float) and np.isnan(value)):
        return SUPPRESSED
    return formatter(value)


def suppress_small(
    df: pl.DataFrame,
    columns: str | Sequence[str],
    *,
    count_col: str = "count_est",
    min_count: int = DEFAULT_MIN_COUNT,
    formatter: Callable[[Any], str] | None = None,
    suppress_zero: bool = False,
    symbol: str = SUPPRESSED,
) -> pl.DataFrame:
    """Hide cells resting on small counts, for display.

    Parameters
    ----------
    df
        Table to publish.
    columns
        Columns to mask (typically the count itself, the rate and its limits). They become
        text columns: shown values pass through ``formatter``, hidden ones read ``symbol``.
    count_col
        Column with the count that decides; may be one of ``columns``.
    min_count, suppress_zero
        As in :func:`suppression_mask`; counts from 1 to ``min_count - 1`` and missing counts
        are hidden.
    formatter
        Value-to-text function (default ``str``); a null value is shown as ``symbol``.
    symbol
        Replacement text; ``..`` is the Swedish official symbol for "not available or
        suppressed" (never "zero").

    Returns
    -------
    pl.DataFrame
        A copy with ``columns`` as String columns and a Boolean column ``suppressed``.

    Raises
    ------
    ArgumentError
        For missing columns or an invalid ``min_count``.

    Examples
    --------
    >>> df = pl.DataFrame({"area": ["a", "b"], "count_est": [2, 9], "rate": [1.5, 6.75]})
    >>> suppress_small(df, ["count_est", "rate"]).rows()
    [('a', '..', '..', True), ('b', '9', '6.75', False)]
    """
    cols = [columns] if isinstance(columns, str) else list(columns)
    missing = [c for c in [*cols, count_col] if c not in df.columns]
    if missing:
        en, sv = _TEXTS.both("columns_missing", missing=missing, columns=df.columns)
        raise ArgumentError(en, sv=sv)
    mask = suppression_mask(df[count_col], min_count=min_count, suppress_zero=suppress_zero)
    fmt = formatter or str
    out = {}
    for c in cols:
        values = df[c].to_list()
        out[c] = [
            symbol if (hide or v is None or (isinstance(v, float) and np.isnan(v))) else fmt(v)
            for v, hide in zip(values, mask, strict=True)
        ]
    return df.with_columns(
        *[pl.Series(c, v, dtype=pl.String) for c, v in out.items()],
        pl.Series("suppressed", mask, dtype=pl.Boolean),
    )
