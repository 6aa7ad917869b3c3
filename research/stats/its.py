"""Interrupted time series: segmented Poisson (or Gaussian) regression.

:func:`interrupted_time_series` fits, for one series (or a treated and a comparison series),

``log E[y_t] = log(exposure_t) + b0 + b1 (t - t0) + b2 I_t + b3 (t - t0) I_t + seasonal + breaks``

with ``I_t = 1[t >= t0]`` (``t0`` is the first period of the intervention). ``exp(b2)`` is the
level change at the interruption (a rate ratio), ``exp(b3)`` the change in the trend (ratio
per period). The *impact model* (``impact=``) is chosen a priori from how the intervention is
expected to act (Bernal, Cummins & Gasparrini 2017): a level change and a slope change (the
default), a level change only (no ``b3`` term) or a slope change only (no ``b2`` term).
Over-dispersion is handled by quasi-Poisson scaling of the covariance with
Pearson chi2/(n - p), floored at 1 for the intervals and p-values
(:func:`research.stats.glm.quasi_scale`), or by a negative binomial
(NB2) model with ML dispersion. Where a scale is estimated from the residuals (quasi-Poisson
and Gaussian) intervals and p-values use the t distribution with ``n - p`` degrees of
freedom, as R's ``summary.glm`` and :func:`research.stats.rates.poisson_trend`; a yearly
series of 12 points with 4 terms has 8, and the normal quantile would make its intervals
15 % too narrow. The Poisson and NB2 models use the normal distribution (likelihood
inference, as ``MASS::glm.nb`` and statsmodels).

Time can be integer years (``t`` in years) or monthly periods (a polars ``Date`` column or
strings ``"YYYY-MM"``; ``t`` in months). A controlled ITS (``control=``) stacks a comparison
series and interacts every segment term with the treated-series indicator; the effects are
then the interaction terms (difference of the level and slope changes, on the log scale).

References
----------
Bernal, J. L., Cummins, S. and Gasparrini, A. (2017). Interrupted time series regression for the
evaluation of public health interventions: a tutorial. *International Journal of Epidemiology*
46(1), 348-355.
Wagner, A. K., Soumerai, S. B., Zhang, F. and Ross-Degnan, D. (2002). Segmented regression
analysis of interrupted time series studies in medication use research. *Journal of Clinical
Pharmacy and Therapeutics* 27(4), 299-309.
Lopez Bernal, J., Cummins, S. and Gasparrini, A. (2018). The use of controls in interrupted time
series studies of public health interventions. *International Journal of Epidemiology* 47(6),
2082-2093.
Farrington, C. P., Andrews, N. J., Beale, A. D. and Catchpole, M. A. (1996). A statistical
algorithm for the early detection of outbreaks of infectious disease. *Journal of the Royal
Statistical Society A* 159(3), 547-563 (the quasi-Poisson dispersion taken as at least 1).
Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance. *Statistics
in Medicine* 24(8), 1185-1202 (over-dispersion adjusted for only when the estimate exceeds 1).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from research.core.display import ResultDisplay, html_table, line_figure, text_table
from research.core.errors import ArgumentError, DesignError, EstimationError
from research.core.fmt import format_percent
from research.core.i18n import load_catalogue
from research.core.warnings import (
    AutocorrelationWarning,
    ExactFitWarning,
    NoFiniteEstimateWarning,
    NotConvergedWarning,
    OverdispersionWarning,
    PilotbenchWarning,
    SeriesBreakWarning,
    ShortSeriesWarning,
    YearlySeasonalityWarning,
    warning_texts,
)

from . import identification as ident
from .glm import (
    GLMFit,
    fit_glm,
    fit_negbin,
    is_exact_fit,
    quasi_scale,
    unidentified_terms,
    zero_fitted,
)

__all__ = ["ITSResult", "interrupted_time_series", "its_design"]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^\s*\d{4}\s*$")
_MIN_POINTS = 8
_MIN_PRE = 2  # the pre-period trend (intercept and slope) needs two periods
#: The intervention terms of each impact model (Bernal, Cummins & Gasparrini 2017), and the
#: post periods each needs: a level change is identified by one period from the interruption;
#: a slope change by two (its column, ``(t - t0) I_t``, is 0 in the first post period).
_IMPACT_TERMS = {"level_and_slope": ("level", "slope"), "level": ("level",), "slope": ("slope",)}
_MIN_POST = {"level_and_slope": 2, "level": 1, "slope": 2}

#: Error messages and the result's display labels in Swedish and English
#: (research/stats/its_errors.toml).
_TEXTS = load_catalogue(Path(__file__).with_name("its_errors.toml"))


@dataclass(frozen=True)
class ITSResult(ResultDisplay):
    """Result of :func:`interrupted_time_series`.

    Attributes
    ----------
    level_change, level_lower, level_upper, level_p
        Level change at the interruption: a rate ratio (Poisson/NB2) or a difference
        (Gaussian), with interval and two-sided p-value. For a controlled ITS, the ratio of
        the treated series' change to the comparison series' change.
    slope_change, slope_lower, slope_upper, slope_p
        Change of the trend: ratio per period (per year or per month) for count models,
        difference per period for Gaussian.

        The change that the impact model leaves out (the slope change for
        ``impact="level"``, the level change for ``impact="slope"``) is NaN in all four
        fields; ``to_frame()`` has no row for it and the display says it is not part of the
        model.
    coefficients
        polars DataFrame: term, estimate, se, lower, upper, p_value (link scale).
    series
        polars DataFrame: time, observed, fitted, counterfactual (and group for a controlled
        ITS). The counterfactual sets the intervention terms to zero.
    dispersion
        Pearson chi2 / (n - p) of the fit (1 would mean no over-dispersion for Poisson), as
        estimated: quasi-Poisson intervals use it floored at 1 (``details["scale"]``).
    alpha
        NB2 dispersion (``None`` unless ``overdispersion="negbin"``).
    method
        Text naming the model and the covariance used.
    warnings
        Caveats: series breaks, few points, over-dispersion left unmodelled, autocorrelation,
        as :class:`~research.core.errors.PilotbenchWarning` objects (``str(w)`` is the
        English message, ``w.code`` a stable id, ``w.values`` its numbers).
    period
        ``"year"`` or ``"month"``: the unit of ``t``.
    impact
        The impact model fitted: ``"level_and_slope"``, ``"level"`` or ``"slope"``.
    """

    level_change: float
    level_lower: float
    level_upper: float
    level_p: float
    slope_change: float
    slope_lower: float
    slope_upper: float
    slope_p: float
    coefficients: pl.DataFrame
    series: pl.DataFrame
    dispersion: float
    alpha: float | None
    family: str
    overdispersion: str | None
    method: str
    warnings: list[PilotbenchWarning]
    n_obs: int
    df_resid: int
    level: float
    period: str
    details: dict = field(default_factory=dict)
    impact: str = "level_and_slope"

    def _display_title(self, lang: str = "en") -> str:
        return _TEXTS("title", lang, family=self.family)

    def _display_rows(self, lang: str = "en") -> list[tuple[str, object]]:
        share = 100 * self.level
        pct = format_percent(share, 0 if float(share).is_integer() else 1, lang)
        kind = _TEXTS("kind_ratio" if self.family != "gaussian" else "kind_difference", lang)
        fitted = _IMPACT_TERMS[self.impact]
        absent = _TEXTS("not_in_model", lang, impact=self.impact)
        rows: list[tuple[str, object]] = []
        if "level" in fitted:
            rows += [
                (_TEXTS("row_level_change", lang, kind=kind), self.level_change),
                (_TEXTS("row_level_lower", lang, pct=pct), self.level_lower),
                (_TEXTS("row_level_upper", lang, pct=pct), self.level_upper),
                (_TEXTS("row_level_p", lang), self.level_p),
            ]
        else:
            rows.append((_TEXTS("row_level_absent", lang), absent))
        if "slope" in fitted:
            period = _TEXTS(f"period_{self.period}", lang)
            rows += [
                (_TEXTS("row_slope_change", lang, period=period, kind=kind), self.slope_change),
                (_TEXTS("row_slope_lower", lang, pct=pct), self.slope_lower),
                (_TEXTS("row_slope_upper", lang, pct=pct), self.slope_upper),
                (_TEXTS("row_slope_p", lang), self.slope_p),
            ]
        else:
            rows.append((_TEXTS("row_slope_absent", lang), absent))
        return [
            *rows,
            (_TEXTS("row_dispersion", lang), self.dispersion),
            (_TEXTS("row_observations", lang), self.n_obs),
        ]

    def _display_frame(self) -> pl.DataFrame:
        return self.coefficients

    def _display_note(self, lang: str = "en") -> str | None:
        method = _TEXTS(_method_key(self.family, self.overdispersion), lang)
        return " ".join([method, *warning_texts(self.warnings, lang)])

    def summary(self, lang: str = "en") -> str:
        """Plain text: the level and slope changes, the fit and the coefficient table.

        ``lang`` (``"en"`` or ``"sv"``) picks the labels (``research/stats/its_errors.toml``).
        A change the impact model leaves out is shown as not part of the model, not as a
        number.

        Examples
        --------
        >>> import polars as pl
        >>> df = pl.DataFrame({"year": list(range(2015, 2023)),
        ...                    "n": [20, 22, 24, 26, 14, 15, 16, 17]})
        >>> res = interrupted_time_series(df, time="year", outcome="n", interruption=2019,
        ...                               overdispersion=None, impact="level")
        >>> rows = res.summary("sv").splitlines()
        >>> rows[0]
        'Avbruten tidsserie (poisson)'
        >>> rows[2], rows[6]
        ('nivåförändring (kvot)         0.4932',
         "lutningsförändring            ingår inte i modellen (impact='level')")
        """
        return text_table(self._display_title(lang), self._display_rows(lang), self.coefficients)

    def _repr_html_(self, lang: str = "en") -> str:
        """The JupyterLab table: headline numbers, coefficients and a note (method, caveats).

        ``lang`` (``"en"`` or ``"sv"``) picks the labels and the caveats' wording.
        """
        return html_table(
            self._display_title(lang),
            self._display_rows(lang),
            self.coefficients,
            self._display_note(lang),
        )

    def to_frame(self) -> pl.DataFrame:
        """One row per effect of the impact model.

        Columns ``effect`` (``level``, ``slope``: those the impact model fits), ``estimate``,
        ``lower``, ``upper``, ``p_value``: the changes on the reported scale.
        """
        fitted = _IMPACT_TERMS[self.impact]
        values = {
            "level": (self.level_change, self.level_lower, self.level_upper, self.level_p),
            "slope": (self.slope_change, self.slope_lower, self.slope_upper, self.slope_p),
        }
        return pl.DataFrame(
            {
                "effect": list(fitted),
                **{
                    col: [float(values[e][j]) for e in fitted]
                    for j, col in enumerate(("estimate", "lower", "upper", "p_value"))
                },
            }
        )

    def plot(self) -> Any:
        """Observed, fitted and counterfactual series of the treated area (a matplotlib Figure)."""
        s = self.series
        if "group" in s.columns:
            s = s.filter(pl.col("group") == "treated")
        return line_figure(
            s["time"].to_numpy(),
            [
                ("observed", s["observed"].to_numpy()),
                ("fitted", s["fitted"].to_numpy()),
                ("counterfactual", s["counterfactual"].to_numpy()),
            ],
            labels=("Interrupted time series", self.period, "outcome"),
        )


def _month_index(value: object) -> int:
    if isinstance(value, _dt.date):
        return value.year * 12 + value.month - 1
    if isinstance(value, str):
        m = _MONTH.match(value.strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            en, sv = _TEXTS.both("bad_month", value=value)
            raise ArgumentError(en, sv=sv)
        return int(m.group(1)) * 12 + int(m.group(2)) - 1
    en, sv = _TEXTS.both("not_a_month", value=value)
    raise ArgumentError(en, sv=sv)


def _time_axis(col: pl.Series) -> tuple[np.ndarray, str]:
    """Numeric time ``t`` and its unit: years (numeric column) or months (Date / 'YYYY-MM')."""
    if col.dtype.is_numeric():
        t = col.cast(pl.Float64).to_numpy()
        if np.any(np.abs(t - np.round(t)) > 1e-9):
            en, sv = _TEXTS.both("fractional_years")
            raise ArgumentError(en, sv=sv)
        return t, "year"
    if col.dtype in (pl.Date, pl.Datetime):
        return np.array([_month_index(v) for v in col.to_list()], dtype=float), "month"
    if col.dtype == pl.String:
        values = col.to_list()
        if values and all(_YEAR.match(v) for v in values):  # years stored as text
            return np.array([float(v) for v in values]), "year"
        return np.array([_month_index(v) for v in values], dtype=float), "month"
    en, sv = _TEXTS.both("bad_time_type", name=col.name, dtype=col.dtype)
    raise DesignError(en, sv=sv)


def _check_seasonality(seasonality: object, n_harmonics: object) -> None:
    """Raise for a seasonality or number of harmonics that would silently fit no season."""
    if seasonality is None:
        return
    if isinstance(seasonality, bool) or not isinstance(seasonality, int) or seasonality < 2:
        en, sv = _TEXTS.both("bad_seasonality", value=seasonality)
        raise ArgumentError(en, sv=sv)
    # more harmonics than seasonality // 2 are capped there (documented); fewer than one
    # would fit no season at all
    if isinstance(n_harmonics, bool) or not isinstance(n_harmonics, int) or n_harmonics < 1:
        en, sv = _TEXTS.both("bad_n_harmonics", value=n_harmonics)
        raise ArgumentError(en, sv=sv)


def _check_impact(impact: object) -> None:
    """Raise for an impact model that is not one of ``_IMPACT_TERMS``."""
    if not isinstance(impact, str) or impact not in _IMPACT_TERMS:
        en, sv = _TEXTS.both("unknown_impact", impact=impact)
        raise ArgumentError(en, sv=sv)


def _method_key(family: str, overdispersion: str | None) -> str:
    """The catalogue id of the text naming the model and covariance (``ITSResult.method``)."""
    if family == "gaussian":
        return "method_ols"
    return {"negbin": "method_negbin", "quasi": "method_quasi"}.get(
        str(overdispersion), "method_poisson"
    )


def _interruption_t(value: object, period: str) -> float:
    if period == "year":
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and float(value).is_integer()
        ):
            return float(value)
        en, sv = _TEXTS.both("interruption_not_year", value=value)
        raise ArgumentError(en, sv=sv)
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value * 12)  # January of that year
    return float(_month_index(value))


def its_design(  # noqa: PLR0913 - the design's documented options, keyword-only
    t: np.ndarray,
    t0: float,
    *,
    group: np.ndarray | None = None,
    seasonality: int | None = None,
    season_terms: str = "harmonic",
    n_harmonics: int = 2,
    season_pos: np.ndarray | None = None,
    breaks: Sequence[np.ndarray] = (),
    impact: str = "level_and_slope",
) -> tuple[np.ndarray, list[str]]:
    """Design matrix of the segmented regression (exposed for transparency and tests).

    Parameters
    ----------
    t
        Numeric time (years or month index).
    t0
        First period of the intervention on the same scale.
    group
        1 for the treated series, 0 for the comparison series (controlled ITS).
    seasonality, season_terms, n_harmonics, season_pos
        Periods per year, ``"harmonic"`` (``n_harmonics`` sine/cosine pairs) or
        ``"dummies"`` (period-of-year dummies), and the position in the year (0-based).
    breaks
        Extra 0/1 level-shift columns.
    impact
        The intervention terms: ``"level_and_slope"`` (``level`` and ``slope``), ``"level"``
        or ``"slope"``. In a controlled design these are the treated series' terms
        (``group:level``, ``group:slope``); the comparison series keeps its own level and slope
        change (``level``, ``slope``), shared by both series, whatever the impact model, except
        that with ``"level"`` a ``slope`` column of zeros (no period after the first post
        period) is left out.

    Returns
    -------
    tuple
        ``(X, names)``.

    Raises
    ------
    ArgumentError
        Unknown ``impact``.

    Examples
    --------
    >>> import numpy as np
    >>> X, names = its_design(np.arange(2018.0, 2023.0), 2021.0)
    >>> names
    ['intercept', 'time', 'level', 'slope']
    >>> X[:, 2].tolist(), X[:, 3].tolist()
    ([0.0, 0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0, 1.0])
    >>> its_design(np.arange(2018.0, 2023.0), 2021.0, impact="level")[1]
    ['intercept', 'time', 'level']
    """
    _check_impact(impact)
    tc = np.asarray(t, dtype=float) - t0
    post = (tc >= 0).astype(float)
    segment = {"level": post, "slope": np.where(post == 1, tc, 0.0)}
    cols = [np.ones_like(tc), tc]
    names = ["intercept", "time"]
    if group is None:
        for term in _IMPACT_TERMS[impact]:
            cols.append(segment[term])
            names.append(term)
    else:
        for term in ("level", "slope"):  # the comparison series' own changes
            if term == "slope" and impact == "level" and not segment["slope"].any():
                continue
            cols.append(segment[term])
            names.append(term)
        g = np.asarray(group, dtype=float)
        cols += [g, g * tc]
        names += ["group", "group:time"]
        for term in _IMPACT_TERMS[impact]:
            cols.append(g * segment[term])
            names.append(f"group:{term}")
    if seasonality:
        pos = np.asarray(season_pos, dtype=float)
        if season_terms == "harmonic":
            for k in range(1, n_harmonics + 1):
                ang = 2 * np.pi * k * pos / seasonality
                if 2 * k != seasonality:
                    cols.append(np.sin(ang))
                    names.append(f"sin{k}")
                cols.append(np.cos(ang))
                names.append(f"cos{k}")
        else:
            for p in range(1, seasonality):
                cols.append((pos == p).astype(float))
                names.append(f"season{p + 1}")
    for j, b in enumerate(breaks):
        cols.append(np.asarray(b, dtype=float))
        names.append(f"break{j + 1}")
    return np.column_stack(cols), names


def interrupted_time_series(  # noqa: C901, PLR0913 - a documented estimator: data columns plus keyword-only options
    data: pl.DataFrame,
    *,
    time: str,
    outcome: str,
    interruption: object,
    impact: str = "level_and_slope",
    offset: str | None = None,
    family: str = "poisson",
    overdispersion: str | None = "quasi",
    seasonality: int | None = None,
    season_terms: str = "harmonic",
    n_harmonics: int = 2,
    control: str | None = None,
    series_breaks: Sequence = (),
    model_breaks: bool = True,
    level: float = 0.95,
) -> ITSResult:
    """Segmented regression for an interrupted time series (level and/or slope change).

    Parameters
    ----------
    data
        polars DataFrame with one row per period (two per period with ``control``).
    time
        Integer years, or monthly periods as a polars ``Date`` (the day is ignored) or strings
        ``"YYYY-MM"``.
    outcome
        Counts (``family="poisson"``) or a continuous outcome (``"gaussian"``).
    interruption
        First period of the intervention (``time >= interruption`` is post): a year for yearly
        data; ``"YYYY-MM"`` or a date for monthly data (a bare year means January).
    impact
        The impact model, to be chosen a priori from how the intervention is expected to
        act, not from the data (Bernal, Cummins & Gasparrini 2017):

        * ``"level_and_slope"`` (default): a level change at the interruption and a change
          of the trend from it (``level`` and ``slope`` terms);
        * ``"level"``: a level change only (a step; no ``slope`` term, the trend before and
          after is the same);
        * ``"slope"``: a change of the trend only (no ``level`` term: the series bends at
          the interruption without a jump).

        The change left out is NaN in the result. A level change needs at least 1 period
        from the interruption, a slope change 2 (its term is 0 in the first post period);
        every model needs 2 before it (the pre-period trend). In a controlled ITS the impact
        model picks the treated series' terms (``group:level``, ``group:slope``); the
        comparison series keeps its own level and slope change (see :func:`its_design`).
    offset
        Name of an exposure column (e.g. ``"population"``); its log is the offset, so effects
        are on rates. Count families only.
    family
        ``"poisson"`` (log link) or ``"gaussian"`` (identity).
    overdispersion
        ``"quasi"`` (default; covariance times Pearson chi2/(n-p), floored at 1: a
        dispersion estimate below 1 does not make the intervals narrower than the Poisson
        model's, as is common practice, see :func:`research.stats.glm.quasi_scale`; the
        estimate itself is the result's ``dispersion``, the scale used ``details["scale"]``;
        intervals and p-values from the t distribution with n-p degrees of freedom),
        ``None`` (plain Poisson) or ``"negbin"`` (NB2 with ML dispersion). Ignored for
        ``"gaussian"``.
    seasonality
        Periods per year (12 for monthly data) or ``None``.
    season_terms, n_harmonics
        ``"harmonic"`` (``n_harmonics`` Fourier pairs, default 2, at least 1, at most
        ``seasonality // 2``: more are capped there) or ``"dummies"``.
    control
        Name of a 0/1 column marking the comparison series (controlled ITS).
    series_breaks
        First years on a new basis (ints or :class:`research.data.catalog.SeriesBreak`).
    model_breaks
        Add a level-shift dummy (1 from the break year) for each break inside the window,
        unless it is collinear with the design (then a warning says so).
    level
        Confidence level.

    Returns
    -------
    ITSResult
        When the model reproduces the outcome exactly (Gaussian, or quasi-Poisson: the
        residual scale the intervals rest on), judged by the package's one rule
        :func:`research.stats.glm.is_exact_fit` (residual norm at most
        :func:`~research.stats.glm.rounding_floor` of the outcome's norm, so rescaling the
        outcome does not change the verdict), SEs, intervals and p-values are NaN and
        ``warnings`` holds an :class:`~research.core.warnings.ExactFitWarning`.

    Raises
    ------
    ArgumentError
        Unknown options (``impact`` among them), missing columns, unreadable time values, a
        yearly interruption that is not a whole year, ``seasonality`` not a whole number
        >= 2, ``n_harmonics`` below 1.
    DesignError
        Checked before fitting: fewer than 2 pre-interruption periods, or fewer post periods
        than the impact model needs (2 with a slope change, 1 with ``impact="level"``),
        duplicated periods, a time column of an unusable type, a constant Gaussian outcome,
        counts that are all zero (there is no rate to model; the message says so, whatever
        ``overdispersion``), or counts that are all zero before or from the interruption
        (the Poisson maximum likelihood estimate does not exist; the message gives the
        likelihood-ratio p-value of no change when it can).
    EstimationError
        Collinear terms (named in the message).
    DataError
        No complete rows.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"year": list(range(2015, 2023)),
    ...                    "n": [20, 22, 24, 26, 14, 15, 16, 17]})
    >>> res = interrupted_time_series(df, time="year", outcome="n", interruption=2019,
    ...                               overdispersion=None)
    >>> round(res.level_change, 3), res.period
    (0.493, 'year')

    An intervention expected to act at once, as a step, and not to bend the trend (a
    smoking ban and acute coronary events, in Bernal et al.'s example) calls for a
    level-only impact model, chosen before looking at the data. The slope change is then not
    part of the model (NaN), and one period from the interruption is enough:

    >>> step = interrupted_time_series(df, time="year", outcome="n", interruption=2019,
    ...                                overdispersion=None, impact="level")
    >>> round(step.level_change, 3), step.slope_change
    (0.493, nan)
    >>> step.to_frame()["effect"].to_list()
    ['level']
    >>> one = interrupted_time_series(df.head(5), time="year", outcome="n",
    ...                               interruption=2019, impact="level")
    >>> round(one.level_change, 3), one.details["n_post"]
    (0.492, 1)

    References
    ----------
    Bernal, J. L., Cummins, S. and Gasparrini, A. (2017). Interrupted time series regression
    for the evaluation of public health interventions: a tutorial. *International Journal of
    Epidemiology* 46(1), 348-355 (the impact model, proposed a priori; their Figure 2 shows
    the level, slope and combined changes). Other references: see the module docstring.
    """
    if family not in ("poisson", "gaussian"):
        en, sv = _TEXTS.both("unknown_family", family=family)
        raise ArgumentError(en, sv=sv)
    if overdispersion not in ("quasi", None, "negbin"):
        en, sv = _TEXTS.both("unknown_overdispersion", overdispersion=overdispersion)
        raise ArgumentError(en, sv=sv)
    if season_terms not in ("harmonic", "dummies"):
        en, sv = _TEXTS.both("unknown_season_terms", season_terms=season_terms)
        raise ArgumentError(en, sv=sv)
    if not ident.is_probability(level):
        en, sv = _TEXTS.both("bad_level", level=level)
        raise ArgumentError(en, sv=sv)
    _check_impact(impact)
    _check_seasonality(seasonality, n_harmonics)
    if offset is not None and family != "poisson":
        en, sv = _TEXTS.both("offset_not_poisson")
        raise ArgumentError(en, sv=sv)
    if not isinstance(data, pl.DataFrame):
        en, sv = _TEXTS.both("not_a_frame", got=type(data).__name__)
        raise ArgumentError(en, sv=sv)
    cols = [c for c in (time, outcome, offset, control) if c is not None]
    for c in cols:
        if c not in data.columns:
            en, sv = (
                _TEXTS(
                    "no_column",
                    lang,
                    col=c,
                    available=", ".join(data.columns) or _TEXTS("no_columns", lang),
                )
                for lang in ("en", "sv")
            )
            raise ArgumentError(en, sv=sv)
    df, warns = ident.complete_rows(data, cols)
    t, period = _time_axis(df[time])
    t0 = _interruption_t(interruption, period)
    y = df[outcome].cast(pl.Float64).to_numpy()
    if family == "poisson" and np.any(y < 0):
        en, sv = _TEXTS.both("negative_counts", outcome=outcome)
        raise ArgumentError(en, sv=sv)
    off = np.zeros_like(y)
    if offset is not None:
        expo = df[offset].cast(pl.Float64).to_numpy()
        if np.any(expo <= 0):
            en, sv = _TEXTS.both("exposure_not_positive", offset=offset)
            raise ArgumentError(en, sv=sv)
        off = np.log(expo)
    group = None
    if control is not None:
        cv = df[control].cast(pl.Float64).to_numpy()
        if not np.all(np.isin(cv, (0.0, 1.0))):
            en, sv = _TEXTS.both("control_not_binary", control=control)
            raise ArgumentError(en, sv=sv)
        group = 1.0 - cv
        if group.sum() == 0 or group.sum() == group.size:
            en, sv = _TEXTS.both("controlled_needs_both")
            raise DesignError(en, sv=sv)
    keys = np.column_stack([t, group if group is not None else np.zeros_like(t)])
    if np.unique(keys, axis=0).shape[0] < keys.shape[0]:
        en, sv = _TEXTS.both("duplicated_periods", time=time)
        raise DesignError(en, sv=sv)
    tr_rows = group == 1 if group is not None else np.ones(t.size, bool)
    n_pre = int(np.sum(t[tr_rows] < t0))
    n_post = int(np.sum(t[tr_rows] >= t0))
    if n_pre < _MIN_PRE or n_post < _MIN_POST[impact]:
        en, sv = _TEXTS.both(
            "too_few_periods_level" if impact == "level" else "too_few_periods",
            interruption=interruption, n_pre=n_pre, n_post=n_post,
        )  # fmt: skip
        raise DesignError(en, sv=sv)
    if family == "gaussian":
        ident.check_outcome_varies(y, outcome)
    else:
        _check_separation(t, y, off, t0, tr_rows, group, interruption, impact)
    if n_pre < _MIN_POINTS or n_post < _MIN_POINTS:
        warns.append(
            ShortSeriesWarning(
                f"Short series: {n_pre} periods before and {n_post} from the interruption; "
                "trends and slope changes are poorly determined with fewer than "
                f"{_MIN_POINTS} on each side.",
                n_pre=n_pre,
                n_post=n_post,
                minimum=_MIN_POINTS,
            )
        )
    pos = None
    if seasonality:
        if period == "year":
            warns.append(
                YearlySeasonalityWarning(
                    "Yearly data: seasonality uses t mod seasonality as position."
                )
            )
        pos = np.mod(t, seasonality)
        n_harmonics = min(n_harmonics, seasonality // 2)
    # series breaks
    years = sorted({int(getattr(b, "first_year", b)) for b in series_breaks})
    yr = t if period == "year" else np.floor(t / 12)
    first, last = float(yr.min()), float(yr.max())
    break_cols: list[np.ndarray] = []
    X, names = its_design(
        t, t0, group=group, seasonality=seasonality, season_terms=season_terms,
        n_harmonics=n_harmonics, season_pos=pos, impact=impact,
    )  # fmt: skip
    for b in years:
        if not first < b <= last:
            continue
        msg = (
            f"Series break: from {b} the series is on a new basis, inside the window "
            f"{int(first)}-{int(last)}."
        )
        adjustment = "none"
        if model_breaks:
            if ident.add_if_separable(X, break_cols, (yr >= b).astype(float)):
                adjustment = "level-shift"
                msg += f" A level-shift term (1 from {b}) was added to the model."
            else:
                adjustment = "collinear"
                msg += (
                    " A level shift at the break cannot be separated from the intervention "
                    "terms (collinear), so none was added: the level change mixes the break "
                    "and the intervention."
                )
        next_to_start = abs(b - (t0 if period == "year" else t0 / 12)) <= 1
        if next_to_start:
            msg += " The break is next to the interruption, so the estimate may be confounded."
        warns.append(SeriesBreakWarning.in_window(msg, b, first, last, adjustment, next_to_start))
    if break_cols:
        X, names = its_design(
            t, t0, group=group, seasonality=seasonality, season_terms=season_terms,
            n_harmonics=n_harmonics, season_pos=pos, breaks=break_cols, impact=impact,
        )  # fmt: skip
    ident.check_rank(X, names, _TEXTS.both("hint_its_rank"))
    fit, method = _fit(X, y, off, family, overdispersion)
    n, p = X.shape
    z = stats.norm.ppf(0.5 + level / 2)
    if family == "gaussian":
        crit = stats.t.ppf(0.5 + level / 2, n - p)
        se = fit.se
        pv = 2 * stats.t.sf(np.abs(fit.params / se), n - p)
    elif overdispersion == "quasi":
        # a Pearson dispersion below 1 would narrow the intervals below the Poisson model's:
        # floored at 1 (glm.quasi_scale), the estimate itself still reported. The scale is
        # estimated, so t with n - p df (R's summary.glm), floored or not, as poisson_trend.
        crit = stats.t.ppf(0.5 + level / 2, n - p)
        se = np.sqrt(np.diag(fit.bread) * quasi_scale(fit.scale))
        pv = 2 * stats.t.sf(np.abs(fit.params / se), n - p)
    else:
        crit = z
        se = fit.se
        pv = 2 * stats.norm.sf(np.abs(fit.params / se))
    # an exact fit (constant counts, an exactly linear series) leaves a residual scale of
    # zero up to rounding: intervals of zero width and p-values of rounding errors. Judged
    # by the package's one relative rule (glm.is_exact_fit), as did, sdid and the trend do,
    # so rescaling the outcome does not change the verdict.
    exact = (family == "gaussian" or overdispersion == "quasi") and is_exact_fit(y, fit.mu)
    if exact:
        model = "OLS" if family == "gaussian" else "quasi-Poisson"
        warns.append(
            ExactFitWarning(
                f"The {model} model fits every value exactly: its residual scale is zero, so "
                "no interval or p-value is given.",
                model=model,
            )
        )
        se = np.full_like(se, np.nan)
        pv = np.full_like(pv, np.nan)
    params = fit.params.copy()
    # the intervention terms of the impact model, by effect ("level", "slope")
    effects = {
        term: names.index(f"group:{term}" if group is not None else term)
        for term in _IMPACT_TERMS[impact]
    }
    if family == "poisson":
        # zero counts that terms of the model, the intervention's among them, fit only at
        # plus or minus infinity (a break's shift to -inf and the level change to +inf when
        # the zeros precede the start): no finite maximum, so neither change is given
        free = unidentified_terms(X, y, fit.mu)
        if any(free[j] for j in effects.values()):
            shown = sorted({str(v) for v in df[time].filter(zero_fitted(y, fit.mu))})
            warns.append(
                NoFiniteEstimateWarning(
                    f"The count is zero in {', '.join(shown)}, and the model can fit those "
                    "zeros only by letting some of its terms, the intervention's among them, "
                    "run to plus or minus infinity: the level and slope change have no finite "
                    "estimate, so neither is given.",
                    periods=shown,
                )
            )
            for j in effects.values():
                params[j] = se[j] = pv[j] = np.nan
    if not fit.converged and not any(isinstance(w, NoFiniteEstimateWarning) for w in warns):
        warns.append(NotConvergedWarning.of())
    lo, hi = params - crit * se, params + crit * se
    coefs = pl.DataFrame(
        {"term": names, "estimate": params, "se": se, "lower": lo, "upper": hi,
         "p_value": pv}
    )  # fmt: skip
    tr = (lambda v: float(np.exp(v))) if family == "poisson" else float
    # level and slope change on the reported scale; NaN for a change the model leaves out
    change = {
        term: (
            (tr(params[j]), tr(lo[j]), tr(hi[j]), float(pv[j]))
            if (j := effects.get(term)) is not None
            else (math.nan,) * 4
        )
        for term in ("level", "slope")
    }
    dispersion = fit.pearson_chi2 / fit.df_resid if fit.df_resid > 0 else float("nan")
    if family == "poisson" and overdispersion is None and dispersion > 1.5:
        warns.append(
            OverdispersionWarning(
                f"Pearson dispersion is {dispersion:.2f} (> 1.5) but overdispersion=None: "
                "intervals are too narrow; use overdispersion='quasi' or 'negbin'.",
                dispersion=round(float(dispersion), 2),
            )
        )
    # counterfactual: intervention terms set to zero
    Xcf = X.copy()
    Xcf[:, list(effects.values())] = 0.0
    eta_cf = Xcf @ fit.params + (off if family == "poisson" else 0.0)
    cf = np.exp(eta_cf) if family == "poisson" else eta_cf
    series = pl.DataFrame({"time": df[time], "observed": y, "fitted": fit.mu, "counterfactual": cf})
    if group is not None:
        series = series.with_columns(pl.Series("group", np.where(group == 1, "treated", "control")))
    series = series.sort([*(["group"] if group is not None else []), "time"])
    # lag-1 autocorrelation of Pearson residuals of the treated series (in time order)
    var = fit.mu + (fit.alpha or 0.0) * fit.mu**2 if family == "poisson" else np.ones_like(y)
    r = ((y - fit.mu) / np.sqrt(var))[tr_rows][np.argsort(t[tr_rows])]
    acf1 = float(np.corrcoef(r[:-1], r[1:])[0, 1]) if r.size > 3 and np.std(r) > 0 else math.nan
    if np.isfinite(acf1) and abs(acf1) > 0.3:
        warns.append(
            AutocorrelationWarning(
                f"Residual lag-1 autocorrelation is {acf1:.2f}: the model assumes independent "
                "errors, so intervals may be too narrow.",
                acf1=round(acf1, 2),
            )
        )
    (level_change, level_lower, level_upper, level_p) = change["level"]
    (slope_change, slope_lower, slope_upper, slope_p) = change["slope"]
    return ITSResult(
        level_change=level_change, level_lower=level_lower, level_upper=level_upper,
        level_p=level_p, slope_change=slope_change, slope_lower=slope_lower,
        slope_upper=slope_upper, slope_p=slope_p, coefficients=coefs, series=series,
        dispersion=float(dispersion), alpha=fit.alpha, family=family,
        overdispersion=overdispersion if family == "poisson" else None, method=method,
        warnings=warns, n_obs=n, df_resid=int(fit.df_resid), level=level, period=period,
        details={
            "n_pre": n_pre, "n_post": n_post, "residual_acf1": acf1,
            "scale": quasi_scale(fit.scale) if overdispersion == "quasi" else fit.scale,
        },
        impact=impact,
    )  # fmt: skip


def _lr_no_change(
    t: np.ndarray, y: np.ndarray, off: np.ndarray, t0: float, impact: str = "level_and_slope"
) -> float:
    """Likelihood-ratio p-value of "no change" (the impact model's terms are 0), NB2 likelihood.

    Used when the post-period counts are all zero: the unrestricted maximum is then the
    limit with the mean at 0 wherever an intervention term is non-zero, so its likelihood is
    the fit of the pre-period trend to the other periods: the pre-period for a level change,
    and the first post period too for a slope change alone (its term is 0 there, so that
    period stays on the pre-period trend). Both models are negative binomial (NB2,
    dispersion by maximum likelihood; the Poisson limit when there is no over-dispersion),
    so over-dispersion does not inflate the statistic. The degrees of freedom are the
    number of intervention terms: 2, or 1 for ``impact="level"`` or ``"slope"``.
    """
    X, _ = its_design(t, t0, impact=impact)
    kept = ~np.any(X[:, 2:] != 0, axis=1)  # periods no intervention term reaches
    full = fit_negbin(X[:, :2], y, offset=off)
    kept_fit = fit_negbin(X[kept, :2], y[kept], offset=off[kept])
    lr = 2.0 * (kept_fit.loglike - full.loglike)  # the others contribute log(1) = 0
    return float(stats.chi2.sf(max(lr, 0.0), X.shape[1] - 2))


def _check_separation(
    t: np.ndarray,
    y: np.ndarray,
    off: np.ndarray,
    t0: float,
    tr_rows: np.ndarray,
    group: np.ndarray | None,
    interruption: object,
    impact: str = "level_and_slope",
) -> None:
    """Refuse counts that are all zero before or after the interruption (separation).

    All counts zero is refused first, in its own words: the negative binomial test of the
    post-period case cannot be fitted to an all-zero series either (its dispersion has no
    maximum), and "the NB2 dispersion could not be estimated" said nothing about the data.
    A model with a level change says the level change is a ratio of 0 (or infinity); a
    slope change alone has its own words (the trend runs off instead), and the
    likelihood-ratio test has one degree of freedom per intervention term.
    """
    post = t >= t0
    if np.all(y[tr_rows] == 0):
        n = int(tr_rows.sum())
        en, sv = (
            _TEXTS(
                "all_zero",
                lang,
                n=n,
                interruption=interruption,
                which=_TEXTS("of_treated_series", lang) if group is not None else "",
            )
            for lang in ("en", "sv")
        )
        raise DesignError(en, sv=sv)
    suffix = "_slope" if impact == "slope" else ""
    lr_key = {"level_and_slope": "lr_no_change"}.get(impact, f"lr_no_change_{impact}")
    for mask, side in ((tr_rows & post, "from"), (tr_rows & ~post, "before")):
        if np.all(y[mask] == 0):
            extra = {"en": "", "sv": ""}
            if side == "from" and group is None and np.sum(~post) >= 2:
                try:
                    p = _lr_no_change(t, y, off, t0, impact)
                except EstimationError:  # the test's NB2 fit failed: no p-value to add
                    p = None
                if p is not None:
                    extra = {
                        "en": _TEXTS(lr_key, "en", p=f"{p:.2g}"),
                        "sv": _TEXTS(lr_key, "sv", p=f"{p:.2g}".replace(".", ",")),
                    }
            en, sv = (
                _TEXTS(
                    f"all_zero_{side}{suffix}",
                    lang,
                    n=int(mask.sum()),
                    interruption=interruption,
                    extra=extra[lang],
                )
                for lang in ("en", "sv")
            )
            raise DesignError(en, sv=sv)


def _fit(
    X: np.ndarray, y: np.ndarray, off: np.ndarray, family: str, overdispersion: str | None
) -> tuple[GLMFit, str]:
    method = _TEXTS(_method_key(family, overdispersion), "en")
    if family == "gaussian":
        return fit_glm(X, y, family="gaussian"), method
    if overdispersion == "negbin":
        return fit_negbin(X, y, offset=off), method
    if overdispersion == "quasi":
        return fit_glm(X, y, family="poisson", offset=off, scale="x2"), method
    return fit_glm(X, y, family="poisson", offset=off), method
