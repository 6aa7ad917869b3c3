"""Difference-in-differences and event studies with inference fit for few treated units.

:func:`diff_in_diff` estimates the effect of a treatment that switches on for some units
(``treated == 1``) in some periods (``post == 1``) by a two-way fixed-effects regression
(unit and time dummies; ``design="twfe"``) or the classic 2x2 regression with an intercept,
a treated-group and a post-period dummy (``design="2x2"``). On rates use
``family="gaussian"`` (OLS, the effect is a difference in rates); on counts use
``family="poisson"`` with ``offset="population"`` (Poisson pseudo-maximum likelihood with
log link; the effect is a log rate ratio, also reported as a rate ratio).

Inference. With one treated unit and a handful of comparison units, conventional
cluster-robust standard errors are far too small, so the method is chosen explicitly:

* ``"cluster"``: CR1 cluster-robust covariance (``G/(G-1) * (N-1)/(N-K)``), t with ``G-1``
  degrees of freedom (Cameron & Miller 2015), with the small-sample convention of fixest,
  pyfixest and reghdfe: fixed effects nested in the cluster variable do not count in K (the
  unit effects, when clustering by unit or by a coarser area, count as one intercept), and
  singletons (units or periods seen once, which a fixed effect fits exactly) are dropped
  before fitting, with a warning saying how many, so they count neither in N nor in G.
  With ``design="2x2"`` (no unit effects) every column counts and nothing is dropped.
  The wild bootstrap p-value and interval do not depend on this factor (it cancels).
* ``"permutation"``: randomization inference. The treatment assignment is permuted over
  units (every set of units of the same size as the treated group plays the treated group
  in turn; with one treated unit, every unit in turn), the coefficient is re-estimated and
  ``p = (number of assignments with |estimate| >= |observed|) / (number of assignments)``,
  counting the observed assignment, so p is never 0; estimates within a relative
  ``1e-9`` of the largest one count as ties, so p does not change when the outcome is
  rescaled (:func:`research.stats._resampling.at_least_as_extreme`). All assignments are
  enumerated when there are at most ``n_permutations + 1`` of them, else ``n_permutations``
  (at least 50, as every resampling count in the package) are drawn at random and the
  observed one is added. The interval inverts the test of a constant
  additive effect (Gaussian) or a constant rate ratio (Poisson, the effect moved into the
  offset). With ``J + 1`` assignments the smallest attainable p is ``1 / (J + 1)``: with
  fewer than 20 assignments nothing can be significant at 5 % and the interval is unbounded.
* ``"wild"``: wild cluster restricted bootstrap-t (WCR; Cameron, Gelbach & Miller 2008)
  with Rademacher weights, or Webb's six-point weights when there are 12 clusters or fewer
  (Webb 2023); the interval inverts the bootstrap test (Roodman et al. 2019). Gaussian
  family only. With one treated cluster the wild bootstrap is known to fail (it
  under-rejects or over-rejects severely; MacKinnon & Webb 2017, 2018), and the result says so.
* ``"auto"``: ``"cluster"`` when there are at least 30 clusters and at least 10 treated and
  10 untreated clusters, else ``"permutation"``.

References
----------
Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008). Bootstrap-based improvements for
inference with clustered errors. *Review of Economics and Statistics* 90(3), 414-427.
Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources* 50(2), 317-372.
Conley, T. G. and Taber, C. R. (2011). Inference with "difference in differences" with a small
number of policy changes. *Review of Economics and Statistics* 93(1), 113-125.
MacKinnon, J. G. and Webb, M. D. (2017). Wild bootstrap inference for wildly different cluster
sizes. *Journal of Applied Econometrics* 32(2), 233-254.
MacKinnon, J. G. and Webb, M. D. (2018). The wild bootstrap for few (treated) clusters.
*Econometrics Journal* 21(2), 114-135.
MacKinnon, J. G. and Webb, M. D. (2020). Randomization inference for difference-in-differences
with few treated clusters. *Journal of Econometrics* 218(2), 435-450.
Roodman, D., Nielsen, M. Ø., MacKinnon, J. G. and Webb, M. D. (2019). Fast and wild: bootstrap
inference in Stata using boottest. *Stata Journal* 19(1), 4-60.
Webb, M. D. (2023). Reworking wild bootstrap-based inference for clustered errors. *Canadian
Journal of Economics* 56(3), 839-858.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from research.core.display import ResultDisplay, interval_figure
from research.core.errors import ArgumentError, DataError, DesignError, EstimationError
from research.core.i18n import load_catalogue
from research.core.warnings import (
    ExactFitInferenceWarning,
    FewAssignmentsWarning,
    FewClustersWarning,
    LevelShiftsCollinearWarning,
    ModelBasedIntervalsWarning,
    NoFiniteEventEstimateWarning,
    NoLeadsWarning,
    NonIntegerCountsWarning,
    NonNumericTimeBreaksWarning,
    NotConvergedWarning,
    PermutationsDroppedWarning,
    PilotbenchWarning,
    PoissonPermutationIntervalWarning,
    SampledAssignmentsWarning,
    SeriesBreakWarning,
    SingletonsDroppedWarning,
    SingleTreatedUnitWarning,
    SingularPretrendWarning,
    StaggeredClusterWarning,
    StaggeredTimingWarning,
    UnboundedIntervalWarning,
    WildBootstrapOneClusterWarning,
    ZeroEventPeriodsWarning,
    ZeroEventUnitsWarning,
)

from . import identification as ident
from ._resampling import at_least_as_extreme, check_replications, random_generator
from .glm import (
    GLMFit,
    cluster_covariance,
    cr1_factor,
    fit_glm,
    is_exact_fit,
    rounding_floor,
    unidentified_terms,
    zero_fitted,
)

__all__ = [
    "DiDResult",
    "EventStudyResult",
    "PreTrendTest",
    "diff_in_diff",
    "event_study",
]

#: The error messages in Swedish and English (``did_errors.toml``).
_TEXTS = load_catalogue(Path(__file__).with_name("did_errors.toml"))

_MIN_CLUSTERS = 30
_MIN_TREATED_CLUSTERS = 10
_WEBB_MAX_CLUSTERS = 12
_CR1_CONVENTION = (
    "Small-sample factor G/(G-1) * (N-1)/(N-K) as fixest and reghdfe: fixed effects nested "
    "in the clusters do not count in K and singletons are dropped."
)
_WILD_FAILS = (
    "With a single treated cluster the wild cluster bootstrap is known to fail: the "
    "restricted residuals of the treated cluster are nearly zero, so the bootstrap "
    "distribution is wrong (MacKinnon & Webb 2017, 2018); use permutation inference."
)


@dataclass(frozen=True)
class DiDResult(ResultDisplay):
    """Result of :func:`diff_in_diff`.

    Attributes
    ----------
    estimate, se, lower, upper, p_value
        The treatment coefficient (difference in the outcome for ``"gaussian"``, log rate
        ratio for ``"poisson"``), its standard error, interval at ``level`` and two-sided
        p-value from the chosen inference. For permutation inference ``se`` is the standard
        deviation of the placebo estimates (the permutation distribution).
    method
        ``"cluster"``, ``"permutation"`` or ``"wild"``.
    reason
        Why that inference was used (English prose, for a library user).
    reason_code, reason_values
        The same as a stable code (``"auto_cluster"``, ``"auto_permutation"``,
        ``"requested"``) and the numbers it rests on (``clusters``, ``treated``,
        ``untreated``, ``min_clusters``, ``min_treated``, ``inference``), for reports that
        word it in their own language.
    warnings
        Data and design caveats (series breaks, dropped units, few clusters...), as
        conditions are :class:`~research.core.errors.PilotbenchWarning` objects (``str(w)``
        is the English message, ``w.code`` a stable id, ``w.values`` its numbers; a report
        words them with :func:`research.core.warnings.warning_text`).
    n_treated_units, n_units, n_obs, n_clusters, n_treated_clusters
        Sample sizes.
    family, design, level
        As requested.
    rate_ratio, rr_lower, rr_upper
        ``exp`` of estimate and interval (Poisson only, else ``None``).
    details
        Secondary numbers: model-based and cluster-robust SE and p-value, number of
        assignments or bootstrap replications, whether enumeration was exact, weights.
    placebo_estimates
        Estimates of all permutation assignments (permutation inference), observed first.
    """

    estimate: float
    se: float
    lower: float
    upper: float
    p_value: float
    method: str
    reason: str
    warnings: list[PilotbenchWarning]
    n_treated_units: int
    n_units: int
    n_obs: int
    n_clusters: int
    n_treated_clusters: int
    family: str
    design: str
    level: float
    rate_ratio: float | None = None
    rr_lower: float | None = None
    rr_upper: float | None = None
    details: dict = field(default_factory=dict)
    placebo_estimates: np.ndarray | None = None
    reason_code: str = ""
    reason_values: dict = field(default_factory=dict)

    _frame_fields = (
        "estimate se lower upper p_value rate_ratio rr_lower rr_upper "
        "method family design level n_units n_treated_units n_obs"
    )

    def _display_title(self) -> str:
        return f"Difference-in-differences ({self.family}, {self.design})"

    def _display_rows(self) -> list[tuple[str, object]]:
        pct = f"{100 * self.level:g} %"
        rows: list[tuple[str, object]] = [
            ("estimate", self.estimate),
            ("SE", self.se),
            (f"{pct} CI lower", self.lower),
            (f"{pct} CI upper", self.upper),
            ("p-value", self.p_value),
        ]
        if self.rate_ratio is not None:
            rows += [
                ("rate ratio", self.rate_ratio),
                (f"rate ratio {pct} CI lower", self.rr_lower),
                (f"rate ratio {pct} CI upper", self.rr_upper),
            ]
        rows += [
            ("inference", self.method),
            ("units (treated)", f"{self.n_units} ({self.n_treated_units})"),
            ("observations", self.n_obs),
        ]
        return rows

    def _display_note(self) -> str | None:
        return " ".join([self.reason, *map(str, self.warnings)]) or None

    def plot(self) -> Any:
        """The permutation distribution with the observed estimate (permutation inference).

        Returns
        -------
        matplotlib.figure.Figure
            Histogram of the placebo estimates and a line at the observed one.

        Raises
        ------
        EstimationError
            When the inference was not by permutation (there is no distribution to draw).
        """
        from matplotlib.figure import Figure

        if self.placebo_estimates is None:
            en, sv = _TEXTS.both("plot_no_permutation", method=self.method)
            raise EstimationError(en, sv=sv)
        fig = Figure(figsize=(7, 4))
        ax = fig.subplots()
        ax.hist(np.asarray(self.placebo_estimates, dtype=float), bins=30, color="0.7")
        ax.axvline(self.estimate, color="black", lw=1.5, label="observed")
        ax.set_xlabel("DiD estimate (placebo assignments)")
        ax.set_ylabel("assignments")
        ax.set_title(f"Permutation distribution, p = {self.p_value:.3g}")
        ax.legend(frameon=False)
        return fig


@dataclass(frozen=True)
class PreTrendTest:
    """Joint test that all lead coefficients of an event study are zero.

    Attributes
    ----------
    statistic
        Wald statistic ``b' V^-1 b`` of the ``q`` leads.
    df
        ``q``.
    p_value
        From F(q, df_denom) (``statistic / q``) for the Gaussian family or with cluster-robust
        covariance, chi-square(q) for the Poisson family with model-based covariance.
    df_denom
        Denominator degrees of freedom of the F test (``None`` for chi-square).
    covariance
        ``"cluster"`` or ``"model"``: the covariance used in the Wald statistic.
    p_permutation
        Permutation p-value of the same Wald statistic (model-based covariance) over
        assignments of the treated group; ``None`` when not computed.
    n_assignments
        Number of assignments behind ``p_permutation``.
    """

    statistic: float
    df: int
    p_value: float
    df_denom: int | None
    covariance: str
    p_permutation: float | None = None
    n_assignments: int | None = None


@dataclass(frozen=True)
class EventStudyResult(ResultDisplay):
    """Result of :func:`event_study`.

    Attributes
    ----------
    coefficients
        One row per event time: ``event_time``, ``estimate``, ``se``, ``lower``, ``upper``,
        ``p_value``, ``p_permutation``, ``is_reference`` (the reference row has estimate 0
        and null inference), and for the Poisson family ``rate_ratio``, ``rr_lower``,
        ``rr_upper``.
    pretrend
        The joint pre-trend test (``None`` when there are no leads).
    method, reason, warnings
        Inference used for the intervals and why; caveats.
    reason_code, reason_values
        Why, as a stable code (``"auto_cluster"``, ``"auto_cluster_staggered"``,
        ``"auto_permutation"``, ``"requested"``) and the numbers it rests on (as
        :class:`DiDResult`).
    """

    coefficients: pl.DataFrame
    pretrend: PreTrendTest | None
    method: str
    reason: str
    warnings: list[PilotbenchWarning]
    n_treated_units: int
    n_units: int
    family: str
    reference: int
    reason_code: str = ""
    reason_values: dict = field(default_factory=dict)

    def _display_title(self) -> str:
        return f"Event study ({self.family}), reference period {self.reference}"

    def _display_rows(self) -> list[tuple[str, object]]:
        rows: list[tuple[str, object]] = [
            ("inference", self.method),
            ("units (treated)", f"{self.n_units} ({self.n_treated_units})"),
        ]
        if self.pretrend is not None:
            rows += [
                ("pre-trend Wald statistic", self.pretrend.statistic),
                ("pre-trend df", self.pretrend.df),
                ("pre-trend p-value", self.pretrend.p_value),
            ]
        return rows

    def _display_frame(self) -> pl.DataFrame:
        return self.coefficients.select("event_time", "estimate", "se", "lower", "upper", "p_value")

    def _display_note(self) -> str | None:
        return " ".join([self.reason, *map(str, self.warnings)]) or None

    def to_frame(self) -> pl.DataFrame:
        """The coefficient table (a copy of :attr:`coefficients`)."""
        return self.coefficients.clone()

    def plot(self) -> Any:
        """Coefficients by event time with their intervals (a matplotlib Figure)."""
        c = self.coefficients
        return interval_figure(
            c["event_time"].to_numpy(),
            c["estimate"].to_numpy(),
            c["lower"].fill_null(float("nan")).to_numpy(),
            c["upper"].fill_null(float("nan")).to_numpy(),
            labels=("Event study", "event time", "estimate (link scale)"),
            vline=self.reference + 0.5,
        )


# ----------------------------------------------------------------------------------------
# data preparation


@dataclass
class _Panel:
    y: np.ndarray
    off: np.ndarray
    unit_codes: np.ndarray
    unit_labels: list[str]
    time_codes: np.ndarray
    time_values: np.ndarray
    treated_u: np.ndarray  # per unit 0/1
    post: np.ndarray  # per obs 0/1
    cluster_codes: np.ndarray
    warnings: list[PilotbenchWarning]


def _plain_time(value: Any) -> Any:
    """A period as the data hold it, a whole-number float as an ``int`` (2020.0 -> 2020)."""
    v = value.item() if hasattr(value, "item") else value
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _break_years(series_breaks: Sequence) -> list[int]:
    out = []
    for b in series_breaks:
        year = getattr(b, "first_year", b)
        try:
            out.append(int(year))
        except (TypeError, ValueError) as exc:
            en, sv = _TEXTS.both("series_breaks", value=b)
            raise ArgumentError(en, sv=sv) from exc
    return sorted(set(out))


def _require_columns(data: pl.DataFrame, cols: dict[str, str | None]) -> None:
    if not isinstance(data, pl.DataFrame):
        en, sv = _TEXTS.both("not_a_dataframe", type=type(data).__name__)
        raise ArgumentError(en, sv=sv)
    for arg, col in cols.items():
        if col is not None and col not in data.columns:
            en, sv = _TEXTS.both("not_a_column", arg=arg, col=col, columns=data.columns)
            raise ArgumentError(en, sv=sv)


def _binary(values: np.ndarray, name: str) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if not np.all(np.isin(v, (0.0, 1.0))):
        bad = sorted(set(v[~np.isin(v, (0.0, 1.0))].tolist()))[:5]
        en, sv = _TEXTS.both("not_binary", name=name, bad=bad)
        raise ArgumentError(en, sv=sv)
    return v


def _prepare(  # noqa: C901, PLR0913 - input checks of the estimator's documented options, in order
    data: pl.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated: str,
    post: str | None,
    family: str,
    offset: str | None,
    cluster: str | None,
    drop_singletons: bool = False,
    drop_zero_events: bool = True,
) -> tuple[_Panel, pl.DataFrame]:
    if family not in ("gaussian", "poisson"):
        en, sv = _TEXTS.both("family", family=family)
        raise ArgumentError(en, sv=sv)
    if offset is not None and family != "poisson":
        en, sv = _TEXTS.both("offset_not_poisson")
        raise ArgumentError(en, sv=sv)
    cols = {
        "unit": unit, "time": time, "outcome": outcome, "treated": treated, "post": post,
        "offset": offset, "cluster": cluster,
    }  # fmt: skip
    _require_columns(data, cols)
    used = list(dict.fromkeys(c for c in cols.values() if c is not None))
    df, warns = ident.complete_rows(data, used)
    ident.check_unique_rows(df, [unit, time])
    y = df[outcome].cast(pl.Float64).to_numpy()
    if family == "poisson":
        if np.any(y < 0):
            en, sv = _TEXTS.both("poisson_negative", outcome=outcome)
            raise ArgumentError(en, sv=sv)
        if np.any(np.abs(y - np.round(y)) > 1e-9):
            warns.append(
                NonIntegerCountsWarning(
                    f"{outcome!r} holds non-integer values; the Poisson fit is then a "
                    "pseudo-likelihood (estimates remain consistent for the rate ratio).",
                    outcome=outcome,
                )
            )
    off = np.zeros_like(y)
    if offset is not None:
        expo = df[offset].cast(pl.Float64).to_numpy()
        if np.any(expo <= 0):
            en, sv = _TEXTS.both("offset_not_positive", offset=offset)
            raise ArgumentError(en, sv=sv)
        off = np.log(expo)
    if family == "poisson" and not np.any(y > 0):
        en, sv = _TEXTS.both("all_counts_zero")
        raise DesignError(en, sv=sv)
    # drop units / periods without any event: their fixed effect is -infinity. Only the
    # two-way design has such effects; in the 2x2 design (pooled groups and periods) they are
    # ordinary observations, and dropping them would select the comparison on its outcome
    if family == "poisson" and drop_zero_events:
        tot_u = df.with_columns(pl.Series("_y", y)).group_by(unit).agg(pl.col("_y").sum())
        zero_units = tot_u.filter(pl.col("_y") == 0)[unit].to_list()
        tot_t = df.with_columns(pl.Series("_y", y)).group_by(time).agg(pl.col("_y").sum())
        zero_times = tot_t.filter(pl.col("_y") == 0)[time].to_list()
        if zero_units or zero_times:
            keep = ~(df[unit].is_in(zero_units) | df[time].is_in(zero_times)).to_numpy()
            if zero_units:
                warns.append(
                    ZeroEventUnitsWarning(
                        f"Units with zero events in every period were dropped (their fixed "
                        f"effect is not finite and they carry no information): {zero_units}.",
                        units=zero_units,
                    )
                )
            if zero_times:
                warns.append(
                    ZeroEventPeriodsWarning(
                        f"Periods with zero events in every unit were dropped: {zero_times}.",
                        periods=zero_times,
                    )
                )
            df = df.filter(pl.Series(keep))
            y, off = y[keep], off[keep]
    if drop_singletons:
        keep = _non_singletons(df[unit].to_numpy(), df[time].to_numpy())
        if not keep.all():
            warns.append(
                SingletonsDroppedWarning(
                    f"{int((~keep).sum())} observations of units or periods seen only once "
                    "(singletons) were dropped: a fixed effect fits them exactly, so they carry "
                    "no information and would only inflate N and the number of clusters "
                    "(fixest/reghdfe convention).",
                    n_obs=int((~keep).sum()),
                )
            )
            df = df.filter(pl.Series(keep))
            y, off = y[keep], off[keep]
            if df.height == 0:
                en, sv = _TEXTS.both("no_rows_after_singletons")
                raise DataError(en, sv=sv)
    ucol = df[unit].cast(pl.String).to_numpy()
    unit_labels_arr, unit_codes = np.unique(ucol, return_inverse=True)
    time_values, time_codes = np.unique(df[time].to_numpy(), return_inverse=True)
    tr = _binary(df[treated].cast(pl.Float64).to_numpy(), treated)
    n_units = len(unit_labels_arr)
    treated_u = np.zeros(n_units)
    np.maximum.at(treated_u, unit_codes, tr)
    if np.any(treated_u[unit_codes] != tr):
        en, sv = _TEXTS.both("treated_not_constant", treated=treated)
        raise DesignError(en, sv=sv)
    ident.check_comparison_units(treated_u, treated)
    if family == "gaussian":
        ident.check_outcome_varies(y, outcome)
    p = _binary(df[post].cast(pl.Float64).to_numpy(), post) if post is not None else None
    if cluster is None:
        cluster_codes = unit_codes
    else:
        _, cluster_codes = np.unique(df[cluster].cast(pl.String).to_numpy(), return_inverse=True)
    panel = _Panel(
        y=y, off=off, unit_codes=unit_codes, unit_labels=[str(u) for u in unit_labels_arr],
        time_codes=time_codes, time_values=time_values, treated_u=treated_u,
        post=p if p is not None else np.zeros_like(y), cluster_codes=cluster_codes,
        warnings=warns,
    )  # fmt: skip
    return panel, df


def _non_singletons(units: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Mask of observations kept after dropping singletons of the unit and time effects.

    Repeated until no unit and no period is seen exactly once (dropping one can create
    another), as fixest's and reghdfe's singleton removal.
    """
    keep = np.ones(units.size, dtype=bool)
    changed = True
    while changed:
        changed = False
        for v in (units, times):
            _, inv, cnt = np.unique(v[keep], return_inverse=True, return_counts=True)
            single = cnt[inv] == 1
            if single.any():
                idx = np.flatnonzero(keep)
                keep[idx[single]] = False
                changed = True
    return keep


def _n_nested(panel: _Panel, n_time_cols: int) -> int:
    """Number of fixed-effect dummy columns nested in the clusters (they leave K).

    The unit dummies are nested when every unit lies in a single cluster (always so when
    clustering by unit); the full set of them spans the intercept, which stays in K, so
    ``n_units - 1`` columns leave K. This is the count of Stata's ``xtreg, fe`` and of
    pyfixest (``k_fixef="nonnested"``): K = the other regressors + 1. The ``n_time_cols``
    time dummies (first period dropped) leave K when every period lies in a single cluster.
    """
    out = 0
    pairs = ((panel.unit_codes, len(panel.unit_labels) - 1), (panel.time_codes, n_time_cols))
    for codes, ncols in pairs:
        k = int(codes.max()) + 1
        lo = np.full(k, np.iinfo(np.int64).max)
        hi = np.full(k, -1)
        np.minimum.at(lo, codes, panel.cluster_codes)
        np.maximum.at(hi, codes, panel.cluster_codes)
        if np.all(lo == hi):
            out += ncols
    return out


def _names(panel: _Panel, design: str, n_extra: int, first: Sequence[str] = ("treated x post",)):
    """Column names of :func:`_design` / :func:`_event_design` for error messages."""
    if design == "twfe":
        fe = [f"unit {u}" for u in panel.unit_labels]
        fe += [f"period {t}" for t in panel.time_values[1:].tolist()]
    else:
        fe = ["intercept", "treated", "post"]
    return [*first, *fe, *(f"level shift {j + 1}" for j in range(n_extra))]


def _dummies(codes: np.ndarray, drop_first: bool) -> np.ndarray:
    k = int(codes.max()) + 1
    M = np.zeros((codes.size, k))
    M[np.arange(codes.size), codes] = 1.0
    return M[:, 1:] if drop_first else M


def _numeric_times(values: np.ndarray) -> np.ndarray | None:
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return None


def _break_terms(
    panel: _Panel,
    years: list[int],
    model_breaks: bool,
    absorbed: bool,
    warns: list[PilotbenchWarning],
    base: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Warn about breaks inside the window; return level-shift columns to add (if any).

    A break's level shift (only when not ``absorbed``, so only then is ``base`` needed) is
    added when the design ``base`` (without shifts), with the shifts added before it, keeps
    full column rank; otherwise its warning says it is collinear and
    left out, as the ITS does. One collinear break does not drop the others.
    """
    if not years:
        return []
    tv = _numeric_times(panel.time_values)
    if tv is None:
        warns.append(
            NonNumericTimeBreaksWarning(
                "series_breaks were given but the time column is not numeric; ignored."
            )
        )
        return []
    first, last = float(tv.min()), float(tv.max())
    inside = [b for b in years if first < b <= last]
    cols = []
    for b in inside:
        msg = (
            f"Series break: from {b} the series is on a new basis, inside the estimation "
            f"window {int(first)}-{int(last)}; levels before and after {b} are not directly "
            "comparable."
        )
        adjustment = "none"
        if model_breaks and absorbed:
            adjustment = "absorbed"
            msg += (
                " A common level shift at the break is absorbed by the time fixed effects, so "
                "no extra term was added; the estimate is still biased if the break affects "
                "treated and comparison units differently."
            )
        elif model_breaks:
            if ident.add_if_separable(base, cols, (tv[panel.time_codes] >= b).astype(float)):
                adjustment = "level-shift"
                msg += f" A level-shift dummy (1 from {b}) was added to the model."
            else:
                adjustment = "collinear"
                msg += (
                    " A level shift at the break cannot be separated from the treatment terms "
                    "(collinear), so none was added: the estimate mixes the break and the "
                    "treatment."
                )
        warns.append(SeriesBreakWarning.in_window(msg, b, first, last, adjustment))
    return cols


def _design(panel: _Panel, d: np.ndarray, treated_obs: np.ndarray, design: str, extra: list):
    """Design matrix with the treatment column first, then the nuisance terms."""
    if design == "twfe":
        F = [_dummies(panel.unit_codes, False), _dummies(panel.time_codes, True)]
    else:
        F = [np.ones((d.size, 1)), treated_obs[:, None], panel.post[:, None]]
    F.extend(c[:, None] for c in extra)
    return np.column_stack([d, *F])


# ----------------------------------------------------------------------------------------
# inference helpers


def _invert(
    pfun: Callable[[float], float],
    est: float,
    step: float,
    alpha: float,
    tol: float,
    max_dist: float = math.inf,
) -> tuple[float, float]:
    """Interval {tau: p(tau) > alpha} around ``est`` by bracketing and bisection.

    A side on which no rejection is found within ``max_dist`` of ``est`` is unbounded.
    """
    bounds = []
    for sign in (-1.0, 1.0):
        s = step
        inner, outer = est, None
        for _ in range(40):
            if s > max_dist:
                break
            tau = est + sign * s
            if pfun(tau) <= alpha:
                outer = tau
                break
            inner = tau
            s *= 2.0
        if outer is None:
            bounds.append(sign * math.inf)
            continue
        for _ in range(200):
            if abs(outer - inner) <= tol * max(1.0, abs(est)):
                break
            mid = 0.5 * (inner + outer)
            if pfun(mid) <= alpha:
                outer = mid
            else:
                inner = mid
        bounds.append(0.5 * (inner + outer))
    return bounds[0], bounds[1]


def _assignments(
    n_units: int, treated_idx: np.ndarray, n_permutations: int, rng: np.random.Generator
) -> tuple[list[np.ndarray], bool]:
    n1 = treated_idx.size
    total = math.comb(n_units, n1)
    obs = np.sort(treated_idx)
    if total <= n_permutations + 1:
        combos = [np.array(c) for c in itertools.combinations(range(n_units), n1)]
        # observed first
        combos.sort(key=lambda c: not np.array_equal(c, obs))
        return combos, True
    out = [obs]
    for _ in range(n_permutations):
        out.append(np.sort(rng.choice(n_units, size=n1, replace=False)))
    return out, False


def _webb_weights(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    vals = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)])
    return vals[rng.integers(0, 6, size=shape)]


def _qr_resid(Q: np.ndarray, Z: np.ndarray) -> np.ndarray:
    return Z - Q @ (Q.T @ Z)


def _exact_fit_warning(family: str, inference: str) -> ExactFitInferenceWarning:
    """The warning of a fit whose residuals vanish (:func:`~.glm.is_exact_fit`)."""
    model = "OLS" if family == "gaussian" else "Poisson"
    return ExactFitInferenceWarning(
        f"The {model} model with unit and time effects fits every value exactly: the "
        f"{inference} standard errors built from its residuals are zero up to rounding, so no "
        "interval or p-value is given.",
        model=model,
        inference=inference,
    )


# ----------------------------------------------------------------------------------------
# diff_in_diff


def diff_in_diff(  # noqa: C901, PLR0913 - a documented estimator: data columns plus keyword-only options
    data: pl.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated: str,
    post: str,
    family: str = "gaussian",
    offset: str | None = None,
    cluster: str | None = None,
    inference: str = "auto",
    design: str = "twfe",
    level: float = 0.95,
    n_permutations: int = 9999,
    n_bootstrap: int = 9999,
    bootstrap_weights: str = "auto",
    seed: int | None = 20210401,
    series_breaks: Sequence = (),
    model_breaks: bool = False,
) -> DiDResult:
    """Difference-in-differences estimate with inference suited to few treated units.

    Parameters
    ----------
    data
        Long polars DataFrame, one row per unit and period.
    unit, time, outcome
        Column names. ``time`` should be numeric (years) when ``series_breaks`` are given.
    treated
        0/1 column, constant within a unit: 1 for units that get the treatment.
    post
        0/1 column: 1 in treatment periods. The treatment dummy is ``treated * post``.
        For permutation inference ``post`` must be the same for all units in a period.
    family
        ``"gaussian"`` (OLS on rates; effect = difference) or ``"poisson"`` (counts, log link;
        effect = log rate ratio, ``rate_ratio = exp(estimate)``).
    offset
        Poisson only: the name of an *exposure* column (e.g. ``"population"``); its log is
        used as offset, so the model is on rates per unit of exposure.
    cluster
        Cluster column for cluster-robust and wild bootstrap inference (default: ``unit``).
    inference
        ``"auto"``, ``"cluster"``, ``"permutation"`` or ``"wild"`` (see the module notes).
        ``"auto"`` uses ``"cluster"`` only with >= 30 clusters of which >= 10 treated and
        >= 10 untreated, else ``"permutation"``.
    design
        ``"twfe"`` (unit and time fixed effects; default) or ``"2x2"`` (intercept, treated,
        post and their product). Both give the same estimate on a balanced two-period panel.
    level
        Confidence level of the interval.
    n_permutations
        Random assignments drawn when exact enumeration would exceed ``n_permutations + 1``;
        at least 50 (:mod:`research.stats._resampling`, the package's rule for every
        resampling-based inference).
    n_bootstrap
        Wild bootstrap replications; at least 50.
    bootstrap_weights
        ``"auto"`` (Webb six-point with <= 12 clusters, else Rademacher), ``"rademacher"``
        or ``"webb"``.
    seed
        Seed of the random draws (permutation sampling, bootstrap); fixed for reproducible
        reports.
    series_breaks
        First years on a new basis (ints or :class:`research.data.catalog.SeriesBreak`); a break
        inside the window adds a warning.
    model_breaks
        With ``design="2x2"`` add a level-shift dummy (1 from the break year) per break inside
        the window. With time fixed effects a common level shift is absorbed, so nothing is
        added and the warning says so.

    Returns
    -------
    DiDResult
        When the model reproduces the outcome exactly (residuals no larger than rounding,
        :func:`research.stats.glm.is_exact_fit`), cluster-robust and wild bootstrap inference
        have nothing to measure: ``se``, ``lower``, ``upper`` and ``p_value`` are NaN (not an
        interval of zero width) and ``warnings`` holds an
        :class:`~research.core.warnings.ExactFitInferenceWarning`; permutation inference is
        unaffected.

    Raises
    ------
    ArgumentError
        Unknown options, missing columns, non-binary or time-varying ``treated``, wild
        bootstrap with the Poisson family, ``n_permutations`` or ``n_bootstrap`` not a whole
        number of at least 50.
    DesignError
        The design does not identify the effect (checked before fitting by
        :mod:`research.stats.identification`): no untreated comparison units, no pre- or
        post-treatment period for either group, duplicated unit-period rows, a constant
        outcome, or Poisson separation: all treated post-period counts zero (checked before
        fitting), or zero counts that only the treatment term can fit (every count of the
        treated units before the start, or of the comparison units before or after it;
        :func:`research.stats.glm.unidentified_terms` on the fit), where the estimate would
        be an arbitrary large number (a rate ratio of 1e14) rather than an estimate.
    EstimationError
        Collinear terms that the design checks do not explain (the message names them).
    DataError
        No complete rows.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({
    ...     "unit": ["a", "a", "b", "b", "c", "c"], "year": [1, 2] * 3,
    ...     "y": [1.0, 4.0, 2.0, 3.0, 0.0, 1.5], "tr": [1, 1, 0, 0, 0, 0],
    ...     "post": [0, 1] * 3})
    >>> res = diff_in_diff(df, unit="unit", time="year", outcome="y", treated="tr",
    ...                    post="post")
    >>> round(res.estimate, 6), res.method, round(res.p_value, 4)
    (1.75, 'permutation', 0.3333)

    References
    ----------
    See the module docstring.
    """
    if inference not in ("auto", "cluster", "permutation", "wild"):
        en, sv = _TEXTS.both("inference_did", inference=inference)
        raise ArgumentError(en, sv=sv)
    if design not in ("twfe", "2x2"):
        en, sv = _TEXTS.both("design", design=design)
        raise ArgumentError(en, sv=sv)
    if not ident.is_probability(level):
        en, sv = _TEXTS.both("level", level=level)
        raise ArgumentError(en, sv=sv)
    if bootstrap_weights not in ("auto", "rademacher", "webb"):
        en, sv = _TEXTS.both("bootstrap_weights", value=bootstrap_weights)
        raise ArgumentError(en, sv=sv)
    n_permutations = check_replications(n_permutations, "n_permutations")
    n_bootstrap = check_replications(n_bootstrap, "n_bootstrap")
    panel, _ = _prepare(
        data, unit=unit, time=time, outcome=outcome, treated=treated, post=post,
        family=family, offset=offset, cluster=cluster, drop_singletons=design == "twfe",
        drop_zero_events=design == "twfe",
    )  # fmt: skip
    warns = panel.warnings
    treated_obs = panel.treated_u[panel.unit_codes]
    d = treated_obs * panel.post
    ident.check_pre_post(panel.post, treated_obs, post)
    if family == "poisson":
        ident.check_nonzero_counts(panel.y, d == 1, _TEXTS.both("where_treated_post"))
    base = _design(panel, d, treated_obs, design, [])
    extra = _break_terms(
        panel, _break_years(series_breaks), model_breaks, design == "twfe", warns, base
    )
    dropped = [
        w.year for w in warns
        if isinstance(w, SeriesBreakWarning) and w.adjustment == "collinear"
    ]  # fmt: skip
    if dropped:
        warns.append(
            LevelShiftsCollinearWarning(
                "The level-shift dummies are collinear with the design (e.g. the break falls "
                "on the first post period) and were left out.",
                years=dropped,
            )
        )
    # what is left out is left out of every design, the permutations' too (as in the fit)
    X = _design(panel, d, treated_obs, design, extra) if extra else base
    ident.check_rank(X, _names(panel, design, len(extra)), _TEXTS.both("hint_did_rank"))
    fit = _fit(X, panel, family)
    if family == "poisson":
        _check_treatment_identified(X, panel, fit, treated_obs)
        if not fit.converged:
            warns.append(NotConvergedWarning.of())
    est = float(fit.params[0])
    # the unit and time effects (and the treatment term) reproduce the outcome: residuals of
    # zero relative to its size leave the cluster-robust sandwich, the wild bootstrap and the
    # Gaussian model SE made of rounding errors (SE 5e-14, p = 0.77); permutation inference
    # compares estimates, not residuals, and stays honest
    exact_fit = is_exact_fit(panel.y, fit.mu)

    n_units = len(panel.unit_labels)
    n1 = int(panel.treated_u.sum())
    G = int(panel.cluster_codes.max()) + 1
    treated_clusters = np.unique(panel.cluster_codes[treated_obs == 1])
    G1 = int(treated_clusters.size)
    G0 = int(np.unique(panel.cluster_codes[treated_obs == 0]).size)
    alpha = round(1.0 - level, 12)  # 1 - 0.8 is 0.19999999999999996 in floating point
    details: dict = {
        "model_se": math.nan if exact_fit and family == "gaussian" else float(fit.se[0])
    }
    n_time = int(panel.time_codes.max())
    nested = _n_nested(panel, n_time) if design == "twfe" else 0
    details["cluster_k"] = X.shape[1] - nested
    if G >= 2:
        Vc, _ = cluster_covariance(fit, X, panel.y, panel.cluster_codes, n_nested=nested)
        # With one treated cluster the treatment term's cluster score is zero up to rounding
        # (MacKinnon & Webb 2017): the sandwich variance is then a rounding error, zero or
        # negative, not a standard error, and a t of infinity (p = 0) would be a false claim.
        # Below a millionth of the model-based variance it counts as not computable.
        v_c = float(Vc[0, 0])
        computable = not exact_fit and v_c > 1e-6 * float(fit.se[0]) ** 2
        se_c = math.sqrt(v_c) if computable else math.nan
        tstat = est / se_c if computable else math.nan
        details.update(
            cluster_se=se_c, cluster_t=tstat, cluster_df=G - 1,
            cluster_p=float(2 * stats.t.sf(abs(tstat), G - 1)),
        )  # fmt: skip
    else:
        se_c = float("nan")
    if n1 == 1:
        warns.append(
            SingleTreatedUnitWarning(
                "Only one treated unit: conventional cluster-robust standard errors are not "
                "valid and the result rests on comparing the treated unit with each comparison "
                "unit."
            )
        )

    method, reason, code = _choose_inference(inference, (G, G1, G0), False, warns, _DID_REASONS)
    if code == "auto_permutation" and G1 == 1:
        reason += " " + _WILD_FAILS

    kw: dict = {}
    if exact_fit and method in ("cluster", "wild"):
        warns.append(_exact_fit_warning(family, method))
    if method == "cluster":
        if G < 2:
            en, sv = _TEXTS.both("cluster_needs_two")
            raise DesignError(en, sv=sv)
        if G < _MIN_CLUSTERS or min(G1, G0) < _MIN_TREATED_CLUSTERS:
            warns.append(
                FewClustersWarning(
                    f"Cluster-robust inference with {G} clusters ({G1} treated) is unreliable; "
                    "consider inference='permutation'.",
                    n_clusters=G,
                    n_treated=G1,
                )
            )
        q = stats.t.ppf(1 - alpha / 2, G - 1)
        kw = dict(se=se_c, lower=est - q * se_c, upper=est + q * se_c, p_value=details["cluster_p"])
    elif method == "permutation":
        kw = _permutation_inference(
            panel, fit, X, d, design, extra, family, est, se_c, alpha, n_permutations, seed,
            warns, details,
        )  # fmt: skip
    else:
        if family != "gaussian":
            en, sv = _TEXTS.both("wild_gaussian_only")
            raise ArgumentError(en, sv=sv)
        if G1 == 1:
            reason += " " + _WILD_FAILS
            warns.append(WildBootstrapOneClusterWarning(_WILD_FAILS))
        if exact_fit:
            kw = dict(se=math.nan, lower=math.nan, upper=math.nan, p_value=math.nan)
        else:
            kw = _wild_inference(
                X, panel, est, alpha, n_bootstrap, bootstrap_weights, seed, details, se_c,
                X.shape[1] - nested,
            )  # fmt: skip
    rr = {}
    if family == "poisson":
        rr = dict(
            rate_ratio=math.exp(est), rr_lower=math.exp(kw["lower"]), rr_upper=math.exp(kw["upper"])
        )
    placebo = details.pop("_placebo", None)
    return DiDResult(
        estimate=est, method=method, reason=reason, warnings=warns, n_treated_units=n1,
        n_units=n_units, n_obs=int(panel.y.size), n_clusters=G, n_treated_clusters=G1,
        family=family, design=design, level=level, details=details,
        placebo_estimates=placebo, reason_code=code,
        reason_values=_reason_values(inference, G, G1, G0), **kw, **rr,
    )  # fmt: skip


def _check_treatment_identified(
    X: np.ndarray, panel: _Panel, fit: GLMFit, treated_obs: np.ndarray
) -> None:
    """Raise :class:`DesignError` when the Poisson treatment term has no finite estimate.

    Zero counts that only the treatment term (with the unit and period effects) can fit let
    the likelihood rise for ever as it runs to plus or minus infinity
    (:func:`research.stats.glm.unidentified_terms`): all counts of the treated units before
    the start, or of the comparison units before or after it (the treated post-period cell
    is checked before the fit, by :func:`research.stats.identification.check_nonzero_counts`).
    IRLS then stops at an arbitrary large coefficient (a rate ratio of 3e14 with a p-value),
    not an estimate. The message names the cells of the 2x2 table (group by period) whose
    counts are all zero; a zero pattern that is not a whole cell is described by its number
    of counts. (A permuted assignment in the same state keeps its large estimate: its
    statistic's limit is infinite, so counting it as at least as extreme is right.)
    """
    if not unidentified_terms(X, panel.y, fit.mu)[0]:
        return
    tr = treated_obs == 1
    post = panel.post == 1
    cells = [
        key
        for key, mask in (
            ("cell_treated_pre", tr & ~post),
            ("cell_comparison_pre", ~tr & ~post),
            ("cell_comparison_post", ~tr & post),
        )
        if mask.any() and np.all(panel.y[mask] == 0)
    ]
    n_zero = int(zero_fitted(panel.y, fit.mu).sum())
    msgs = []
    for lang in ("en", "sv"):
        words = [_TEXTS(key, lang) for key in cells] or [_TEXTS("cell_zero_fitted", lang, n=n_zero)]
        named = (
            words[0]
            if len(words) == 1
            else _TEXTS("cells_joined", lang, first=", ".join(words[:-1]), last=words[-1])
        )
        msgs.append(_TEXTS("treatment_separated", lang, cells=named))
    raise DesignError(msgs[0], sv=msgs[1])


def _fit(X: np.ndarray, panel: _Panel, family: str, extra_off: np.ndarray | None = None,
         start: np.ndarray | None = None, tol: float = 1e-13) -> GLMFit:  # fmt: skip
    off = panel.off if extra_off is None else panel.off + extra_off
    if family == "gaussian":
        return fit_glm(X, panel.y, family="gaussian")
    return fit_glm(X, panel.y, family="poisson", offset=off, start=start, tol=tol)


def _refit(
    X: np.ndarray, panel: _Panel, family: str, start: np.ndarray | None,
    extra_off: np.ndarray | None = None, tol: float = 1e-13,
) -> GLMFit:  # fmt: skip
    """A permuted assignment's fit, started from ``start`` (the observed fit's coefficients).

    The observed fit is a good start for most assignments and saves iterations; but a
    coefficient it sent far out (a zero count only one term fits) makes another
    assignment's first step overflow, and every coefficient came back NaN (29 of 30
    placebo fits for a pilot kommun with about one case a year). Such a fit (IRLS then
    cannot lower the deviance from the start and stops unconverged) is redone from the
    default start.
    """
    f = _fit(X, panel, family, extra_off=extra_off, start=start, tol=tol)
    if start is not None and not (f.converged and np.all(np.isfinite(f.params))):
        f = _fit(X, panel, family, extra_off=extra_off, tol=tol)
    return f


def _common_post(panel: _Panel) -> np.ndarray:
    T = int(panel.time_codes.max()) + 1
    lo = np.full(T, np.inf)
    hi = np.full(T, -np.inf)
    np.minimum.at(lo, panel.time_codes, panel.post)
    np.maximum.at(hi, panel.time_codes, panel.post)
    if np.any(lo != hi):
        en, sv = _TEXTS.both("common_post")
        raise DesignError(en, sv=sv)
    return hi


def _permutation_inference(  # noqa: PLR0913 - the design's arrays passed explicitly, no hidden state
    panel: _Panel,
    fit: GLMFit,
    X: np.ndarray,
    d: np.ndarray,
    design: str,
    extra: list,
    family: str,
    est: float,
    se_ref: float,
    alpha: float,
    n_permutations: int,
    seed: int | None,
    warns: list[PilotbenchWarning],
    details: dict,
) -> dict:
    _common_post(panel)
    rng = random_generator(seed)
    n_units = len(panel.unit_labels)
    treated_idx = np.flatnonzero(panel.treated_u == 1)
    combos, exact = _assignments(n_units, treated_idx, n_permutations, rng)
    J1 = len(combos)
    designs = []
    for c in combos:
        tu = np.zeros(n_units)
        tu[c] = 1.0
        tobs = tu[panel.unit_codes]
        designs.append(_design(panel, tobs * panel.post, tobs, design, extra))
    ok = [np.linalg.matrix_rank(Xp) == Xp.shape[1] for Xp in designs]
    if not all(ok):
        warns.append(
            PermutationsDroppedWarning(
                f"{J1 - sum(ok)} of {J1} permuted assignments give a design that cannot be "
                "estimated (e.g. a unit observed only before or only after) and were left out.",
                n_dropped=J1 - sum(ok),
                n_assignments=J1,
            )
        )
        designs = [Xp for Xp, good in zip(designs, ok, strict=True) if good]
        J1 = len(designs)
    details.update(n_assignments=J1, exact=exact)

    if family == "gaussian":
        by = np.empty(J1)
        bd = np.empty(J1)
        for k, Xp in enumerate(designs):
            coef, *_ = np.linalg.lstsq(Xp, np.column_stack([panel.y, d]), rcond=None)
            by[k], bd[k] = coef[0, 0], coef[0, 1]

        def stats_at(tau: float) -> np.ndarray:
            return by - tau * bd

        tol = 1e-10
        # estimates equal up to rounding are ties: after an exact fit every assignment's
        # estimate is rounding noise (as in event_study); in the outcome's units
        tie = rounding_floor(float(np.max(np.abs(panel.y))), panel.y.size)
    else:
        starts = [fit.params] * J1
        tie = 0.0

        def stats_at(tau: float) -> np.ndarray:
            out = np.empty(J1)
            for k, Xp in enumerate(designs):
                f = _refit(Xp, panel, family, starts[k], extra_off=tau * d, tol=1e-10)
                starts[k] = f.params
                out[k] = f.params[0]
            return out

        tol = 1e-5

    def pfun(tau: float) -> float:
        # ties relative to the statistics' own scale (_resampling): the same p whatever the
        # outcome's unit (per inhabitant or per 100 000); an assignment without a finite
        # estimate is left out of both counts rather than counted as less extreme
        s = np.abs(stats_at(tau))
        ok = np.isfinite(s)
        if not ok[0]:
            return math.nan
        return float(np.sum(at_least_as_extreme(s[ok], s[0], floor=tie)) / ok.sum())

    placebo = stats_at(0.0)
    p = pfun(0.0)
    details["_placebo"] = placebo
    sd = float(np.std(placebo[1:], ddof=1)) if J1 > 2 else float("nan")
    if 1.0 / J1 > alpha:
        warns.append(
            FewAssignmentsWarning.of(
                J1, alpha, n_possible=math.comb(n_units, treated_idx.size), sampled=not exact
            )
        )
        lo, hi = -math.inf, math.inf
    elif family != "gaussian" and J1 > 500:
        warns.append(
            PoissonPermutationIntervalWarning(
                f"The permutation interval for the Poisson family is not computed with {J1} "
                "assignments (it needs a refit of every assignment per trial value).",
                n_assignments=J1,
            )
        )
        lo, hi = float("nan"), float("nan")
    else:
        step = se_ref if np.isfinite(se_ref) and se_ref > 0 else max(sd, 1e-3 * max(1, abs(est)))
        # counts: a rate ratio beyond exp(+-10) relative to the estimate is treated as unbounded
        lo, hi = _invert(pfun, est, step, alpha, tol, 10.0 if family != "gaussian" else math.inf)
        if not (np.isfinite(lo) and np.isfinite(hi)):
            warns.append(
                UnboundedIntervalWarning(
                    "The permutation interval is unbounded on at least one side."
                )
            )
    return dict(se=sd, lower=lo, upper=hi, p_value=p)


def _wild_inference(  # noqa: PLR0913 - the design's arrays passed explicitly, no hidden state
    X: np.ndarray,
    panel: _Panel,
    est: float,
    alpha: float,
    B: int,
    weights: str,
    seed: int | None,
    details: dict,
    se_obs: float,
    k_counted: int,
) -> dict:
    y = panel.y
    codes = panel.cluster_codes
    G = int(codes.max()) + 1
    n = X.shape[0]
    if weights == "auto":
        weights = "webb" if G <= _WEBB_MAX_CLUSTERS else "rademacher"
    rng = random_generator(seed)
    D = X[:, 0]
    Qf, _ = np.linalg.qr(X[:, 1:])
    Qx, _ = np.linalg.qr(X)
    mD = _qr_resid(Qf, D)
    u0 = _qr_resid(Qf, y)
    a = mD / (mD @ mD)
    # the same small-sample factor as se_obs; it cancels in every bootstrap t ratio
    c = cr1_factor(n, k_counted, G)
    b1s, b2s, As, Bs, Cs = [], [], [], [], []
    chunk = 1000
    done = 0
    while done < B:
        m = min(chunk, B - done)
        if weights == "webb":
            V = _webb_weights(rng, (G, m))
        else:
            V = rng.choice(np.array([-1.0, 1.0]), size=(G, m))
        Vn = V[codes]
        Z1 = Vn * u0[:, None]
        Z2 = Vn * mD[:, None]
        b1s.append(a @ Z1)
        b2s.append(a @ Z2)
        E1 = _qr_resid(Qx, Z1) * a[:, None]
        E2 = _qr_resid(Qx, Z2) * a[:, None]
        S1 = np.zeros((G, m))
        S2 = np.zeros((G, m))
        np.add.at(S1, codes, E1)
        np.add.at(S2, codes, E2)
        As.append(c * np.sum(S1 * S1, axis=0))
        Bs.append(c * np.sum(S1 * S2, axis=0))
        Cs.append(c * np.sum(S2 * S2, axis=0))
        done += m
    b1, b2, A, Bq, C = (np.concatenate(v) for v in (b1s, b2s, As, Bs, Cs))

    def pfun(beta0: float) -> float:
        if not math.isfinite(se_obs):
            # no observed t ratio (the cluster SE cannot be computed): no p-value either;
            # a NaN t counted as "never exceeded" gave p = 1/(B+1), the smallest possible
            return math.nan
        t_obs = abs(est - beta0) / se_obs
        var = np.maximum(A - 2 * beta0 * Bq + beta0**2 * C, 1e-300)
        t_star = np.abs(b1 - beta0 * b2) / np.sqrt(var)
        return float((1 + np.sum(at_least_as_extreme(t_star, t_obs))) / (B + 1))

    p = pfun(0.0)
    if math.isfinite(se_obs):
        lo, hi = _invert(pfun, est, se_obs, alpha, 1e-8)
    else:
        lo = hi = math.nan
    details.update(n_bootstrap=B, bootstrap_weights=weights)
    return dict(se=se_obs, lower=lo, upper=hi, p_value=p)


# ----------------------------------------------------------------------------------------
# event study


def _event_design(
    panel: _Panel, etime: np.ndarray, tr_obs: np.ndarray, levels: list[int], reference: int
) -> np.ndarray:
    cols = [((tr_obs == 1) & (etime == e)).astype(float) for e in levels if e != reference]
    F = [_dummies(panel.unit_codes, False), _dummies(panel.time_codes, True)]
    return np.column_stack([*cols, *F])


def _wald(b: np.ndarray, V: np.ndarray) -> float:
    # a saturated Gaussian fit (as many parameters as observations) has no residual
    # variance, so its covariance is NaN: the statistic is undefined, not an SVD failure
    if not np.all(np.isfinite(V)):
        return float("nan")
    return float(b @ np.linalg.pinv(V) @ b)


def _event_permutation_fits(
    panel: _Panel,
    X: np.ndarray,
    fit: GLMFit,
    family: str,
    combos: Sequence[Any],
    e_all: np.ndarray,
    events: tuple[list[int], int],
    lead_idx: list[int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Refit the event study for each assignment of the treated group (observed first).

    Returns the event-time coefficients ``(J, m)``, the pre-trend Wald statistics ``(J,)``,
    for the Gaussian family the coefficients of the observed event dummies on each
    assignment's (``BD``, used to invert the permutation test), and which assignments could
    be estimated.
    """
    levels, reference = events
    n_units = len(panel.unit_labels)
    m = len(levels) - 1
    J1 = len(combos)
    coefs = np.empty((J1, m))
    walds = np.empty(J1)
    BD = np.empty((J1, m))
    keep = np.ones(J1, bool)
    Dobs = X[:, :m]
    for k, c in enumerate(combos):
        tu = np.zeros(n_units)
        tu[c] = 1.0
        tp = tu[panel.unit_codes]
        Xp = _event_design(panel, np.where(tp == 1, e_all, np.nan), tp, levels, reference)
        if k > 0 and np.linalg.matrix_rank(Xp) < Xp.shape[1]:
            keep[k] = False
            continue
        if family == "gaussian":
            coef, *_ = np.linalg.lstsq(Xp, np.column_stack([panel.y, Dobs]), rcond=None)
            coefs[k] = coef[:m, 0]
            BD[k] = np.diag(coef[:m, 1:])
            resid = panel.y - Xp @ coef[:, 0]
            dof = Xp.shape[0] - Xp.shape[1]
            s2 = resid @ resid / dof if dof > 0 else math.nan  # saturated: undefined
            Vp = s2 * np.linalg.inv(Xp.T @ Xp)[:m, :m]
        else:
            fp = _refit(Xp, panel, family, fit.params)
            coefs[k] = fp.params[:m]
            Vp = fp.cov[:m, :m]
        if lead_idx:
            walds[k] = _wald(coefs[k, lead_idx], Vp[np.ix_(lead_idx, lead_idx)])
        # an assignment whose refit has no finite estimate cannot be ranked: left out (and
        # said), not counted as "less extreme", which made p as small as 1/(J+1)
        finite = np.all(np.isfinite(coefs[k])) and (not lead_idx or np.isfinite(walds[k]))
        if k > 0 and not finite:
            keep[k] = False
    return coefs, walds, BD, keep


def _reason_values(inference: str, G: int, G1: int, G0: int) -> dict:
    """The numbers an inference choice rests on (``reason_values`` of the results)."""
    return {
        "inference": inference, "clusters": G, "treated": G1, "untreated": G0,
        "min_clusters": _MIN_CLUSTERS, "min_treated": _MIN_TREATED_CLUSTERS,
    }  # fmt: skip


#: Why ``inference="auto"`` chose what it did, by reason code (formatted with the cluster
#: counts ``G``, ``G1``, ``G0`` and the rule's ``min_clusters``, ``min_treated``): the
#: difference-in-differences wording, then the event study's.
_DID_REASONS = {
    "auto_cluster": (
        "'auto': {G} clusters with {G1} treated and {G0} untreated (rule: >= "
        "{min_clusters} clusters and >= {min_treated} of each), so "
        "CR1 cluster-robust inference with t(G-1) is reliable. "
    ),
    "auto_permutation": (
        "'auto': {G} clusters with {G1} treated and {G0} untreated, fewer than the "
        "{min_clusters} clusters with >= {min_treated} of each that "
        "cluster-robust inference needs; randomization inference over the "
        "assignment of treatment to units is used instead."
    ),
}
_EVENT_REASONS = {
    "auto_cluster": (
        "'auto': {G} clusters with {G1} treated and {G0} untreated, enough for "
        "CR1 cluster-robust inference with t(G-1). "
    ),
    "auto_cluster_staggered": (
        "'auto': only {G} clusters ({G1} treated), but permutation needs common "
        "timing; cluster-robust inference is used and is unreliable here."
    ),
    "auto_permutation": (
        "'auto': {G} clusters with {G1} treated and {G0} untreated are too few for "
        "cluster-robust inference; permutation over treatment assignment is used."
    ),
}


def _choose_inference(
    inference: str,
    clusters: tuple[int, int, int],
    staggered: bool,
    warns: list[PilotbenchWarning],
    reasons: dict[str, str],
) -> tuple[str, str, str]:
    """The inference to use, why, and its reason code (``clusters``: G, G1, G0).

    ``"auto"`` takes CR1 cluster-robust inference with at least ``_MIN_CLUSTERS`` clusters and
    ``_MIN_TREATED_CLUSTERS`` treated and untreated ones, else permutation (or, when treatment
    is staggered and cannot be permuted, cluster-robust inference with a warning); ``reasons``
    words each choice (``_DID_REASONS``, ``_EVENT_REASONS``).
    """
    G, G1, G0 = clusters
    if inference != "auto":
        reason = f"Requested inference={inference!r}."
        if inference == "cluster":
            reason += " " + _CR1_CONVENTION
        return inference, reason, "requested"
    if G >= _MIN_CLUSTERS and min(G1, G0) >= _MIN_TREATED_CLUSTERS:
        method, code = "cluster", "auto_cluster"
    elif staggered:
        method, code = "cluster", "auto_cluster_staggered"
    else:
        method, code = "permutation", "auto_permutation"
    reason = reasons[code].format(
        G=G, G1=G1, G0=G0, min_clusters=_MIN_CLUSTERS, min_treated=_MIN_TREATED_CLUSTERS
    )
    if code == "auto_cluster":
        reason += _CR1_CONVENTION
    elif code == "auto_cluster_staggered":
        warns.append(StaggeredClusterWarning(reason, n_clusters=G, n_treated=G1))
    return method, reason, code


def _event_times(
    data: pl.DataFrame,
    df: pl.DataFrame,
    panel: _Panel,
    *,
    unit: str,
    time: str,
    treatment_time: Any,
    window: tuple[int, int] | None,
    reference: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """Event times of the treated observations, checked (a step of :func:`event_study`).

    Returns the numeric time of each observation, its treated flag, its unit's treatment
    time, its event time (NaN for untreated units; binned by ``window``) and the observed
    event-time levels.
    """
    tt_col = treatment_time if isinstance(treatment_time, str) else None
    tv = ident.numeric_time(df[time], time)
    tr_obs = panel.treated_u[panel.unit_codes]
    if tt_col is not None:
        if tt_col not in data.columns:
            en, sv = _TEXTS.both("treatment_time_not_column", col=tt_col)
            raise ArgumentError(en, sv=sv)
        sub = data.select([unit, time, tt_col]).join(
            df.select([unit, time]), on=[unit, time], how="semi"
        )
        tt_map = dict(sub.group_by(unit).agg(pl.col(tt_col).drop_nulls().first()).iter_rows())
        T_obs = np.array([tt_map.get(u, None) for u in df[unit].to_list()], dtype=object)
        if any(T_obs[i] is None for i in np.flatnonzero(tr_obs == 1)):
            en, sv = _TEXTS.both("treatment_time_missing", col=tt_col)
            raise ArgumentError(en, sv=sv)
        T_obs = np.array([float(t) if t is not None else np.nan for t in T_obs])
    else:
        try:
            T0 = float(treatment_time)
        except (TypeError, ValueError):
            en, sv = _TEXTS.both("treatment_time_invalid", value=treatment_time)
            raise DesignError(en, sv=sv) from None
        T_obs = np.full(tv.size, T0)
        ident.check_periods(tv[tr_obs == 1], T0)
    etime = np.where(tr_obs == 1, tv - T_obs, np.nan)
    ev_raw = etime[tr_obs == 1]
    if not (ev_raw < 0).any() or not (ev_raw >= 0).any():
        side = "pre" if not (ev_raw < 0).any() else "post"
        en, sv = _TEXTS.both(f"no_{side}_period", col=tt_col)
        raise DesignError(en, sv=sv)
    if window is not None:
        lo_w, hi_w = window
        if not lo_w <= reference <= hi_w:
            en, sv = _TEXTS.both("reference_outside_window", reference=reference, window=window)
            raise ArgumentError(en, sv=sv)
        etime = np.where(tr_obs == 1, np.clip(etime, lo_w, hi_w), np.nan)
    ev = etime[tr_obs == 1]
    if np.any(np.abs(ev - np.round(ev)) > 1e-9):
        en, sv = _TEXTS.both("event_times_not_whole")
        raise ArgumentError(en, sv=sv)
    levels = sorted({round(e) for e in ev})
    if reference not in levels:
        en, sv = _TEXTS.both("reference_not_observed", reference=reference, levels=levels)
        raise ArgumentError(en, sv=sv)
    etime = np.where(tr_obs == 1, np.round(etime), np.nan)
    return tv, tr_obs, T_obs, etime, levels


def event_study(  # noqa: C901, PLR0913 - a documented estimator: data columns plus keyword-only options
    data: pl.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated: str,
    treatment_time: int | float | str,
    reference: int = -1,
    family: str = "gaussian",
    offset: str | None = None,
    window: tuple[int, int] | None = None,
    cluster: str | None = None,
    inference: str = "auto",
    level: float = 0.95,
    n_permutations: int = 9999,
    seed: int | None = 20210401,
    series_breaks: Sequence = (),
    model_breaks: bool = False,
) -> EventStudyResult:
    """Event-study (leads and lags) regression with a joint pre-trend test.

    Fits ``y_it = a_i + g_t + sum_{e != reference} b_e * 1[treated_i and t - T_i = e]`` with
    unit and time fixed effects (OLS for ``family="gaussian"``, Poisson with log offset for
    ``family="poisson"``, where ``b_e`` is a log rate ratio).

    Parameters
    ----------
    data
        Long polars DataFrame; ``time`` must be numeric (e.g. years).
    unit, time, outcome, treated
        As :func:`diff_in_diff`; ``treated`` marks units that are ever treated.
    treatment_time
        First treated period: a number common to all treated units, or the name of a column
        giving it per unit (ignored for untreated units).
    reference
        Event time whose coefficient is normalised to 0 (default -1, the last pre period).
    family, offset, cluster, level, n_permutations, seed, series_breaks, model_breaks
        As :func:`diff_in_diff` (a common level shift is absorbed by the time effects).
    window
        ``(first, last)`` event times; treated observations outside are pooled into the end
        points (binned end points), so every treated observation keeps its dummy.
    inference
        ``"auto"``, ``"cluster"`` or ``"permutation"``. ``"auto"`` as in
        :func:`diff_in_diff`; cluster-robust standard errors use the fixest/reghdfe
        small-sample factor (unit effects nested in the clusters not counted in K,
        singletons dropped; see the module notes). With permutation (common timing only)
        each coefficient gets a
        permutation p-value; Gaussian intervals invert the permutation test of each
        coefficient, Poisson intervals are model-based (flagged in ``warnings``).

    Returns
    -------
    EventStudyResult
        ``coefficients`` (polars DataFrame, one row per event time, the reference included
        with estimate 0) and ``pretrend`` (Wald test of all leads = 0; with permutation
        inference also its permutation p-value). After an exact fit (as in
        :func:`diff_in_diff`) the cluster-robust (and, for ``"gaussian"``, the model-based)
        SEs, intervals, p-values and Wald statistic are NaN, with an
        :class:`~research.core.warnings.ExactFitInferenceWarning`; permutation p-values
        count estimates equal up to rounding as ties.

    Raises
    ------
    ArgumentError
        Missing columns, a reference period absent from the data, or ``n_permutations`` not
        a whole number of at least 50.
    DataError
        No observations left after dropping singleton fixed-effect groups.
    DesignError
        Permutation inference with staggered timing; a time column that holds no numbers
        (the message names its type), a treatment time outside the data (no pre- or no
        post-treatment period), no untreated comparison units, duplicated unit-period
        rows, a constant outcome.
    EstimationError
        Event-time dummies collinear with the unit and period effects (terms named).

    Examples
    --------
    >>> import polars as pl
    >>> rows = [(u, t, float(t + (u == "a") * (t >= 3) * 2 + k), int(u == "a"))
    ...         for k, u in enumerate("abcd") for t in range(1, 5)]
    >>> df = pl.DataFrame(rows, schema=["unit", "year", "y", "tr"], orient="row")
    >>> res = event_study(df, unit="unit", time="year", outcome="y", treated="tr",
    ...                   treatment_time=3)
    >>> [round(v, 6) + 0.0 for v in res.coefficients["estimate"]]
    [0.0, 0.0, 2.0, 2.0]

    References
    ----------
    Freyaldenhoven, S., Hansen, C., Pérez, J. P. and Shapiro, J. M. (2021). Visualization,
    identification, and estimation in the linear panel event-study design. NBER WP 29170.
    Sun, L. and Abraham, S. (2021). Estimating dynamic treatment effects in event studies with
    heterogeneous treatment effects. *Journal of Econometrics* 225(2), 175-199.
    """
    if inference not in ("auto", "cluster", "permutation"):
        en, sv = _TEXTS.both("inference_event", inference=inference)
        raise ArgumentError(en, sv=sv)
    if not ident.is_probability(level):
        en, sv = _TEXTS.both("level", level=level)
        raise ArgumentError(en, sv=sv)
    n_permutations = check_replications(n_permutations, "n_permutations")
    panel, df = _prepare(
        data, unit=unit, time=time, outcome=outcome, treated=treated, post=None,
        family=family, offset=offset, cluster=cluster, drop_singletons=True,
    )  # fmt: skip
    warns = panel.warnings
    tv, tr_obs, T_obs, etime, levels = _event_times(
        data, df, panel, unit=unit, time=time, treatment_time=treatment_time, window=window,
        reference=reference,
    )  # fmt: skip
    staggered = len({float(t) for t in T_obs[tr_obs == 1]}) > 1
    if staggered:
        warns.append(
            StaggeredTimingWarning(
                "Treatment timing is staggered: two-way fixed-effects event-study coefficients "
                "can mix effects of other periods when effects differ across cohorts "
                "(Sun & Abraham 2021)."
            )
        )
    years = _break_years(series_breaks)
    # breaks: warnings only (time fixed effects absorb common level shifts)
    _break_terms(panel, years, model_breaks, True, warns)

    X = _event_design(panel, etime, tr_obs, levels, reference)
    ev_levels = [e for e in levels if e != reference]
    ident.check_rank(
        X, _names(panel, "twfe", 0, [f"event time {e}" for e in ev_levels]),
        _TEXTS.both("hint_event_study_rank"),
    )  # fmt: skip
    if not any(e < 0 for e in ev_levels):
        warns.append(
            NoLeadsWarning(
                "No leads: the treated units have no pre-treatment event time besides the "
                f"reference ({reference}), so pre-trends cannot be tested.",
                reference=reference,
            )
        )
    fit = _fit(X, panel, family)
    if not fit.converged:
        warns.append(NotConvergedWarning.of())
    # residuals of zero relative to the outcome's size (see diff_in_diff): the cluster-robust
    # and the Gaussian model covariance are rounding noise
    exact_fit = is_exact_fit(panel.y, fit.mu)
    m = len(ev_levels)
    b = fit.params[:m]
    # an event time whose zero count only its own dummy fits has no finite estimate
    # (glm.unidentified_terms): not shown, and left out of the pre-trend test
    free = (
        unidentified_terms(X, panel.y, fit.mu)[:m]
        if family == "poisson"
        else np.zeros(m, dtype=bool)
    )
    if free.any():
        years = [int(e) for e, f in zip(ev_levels, free, strict=True) if f]
        # the zero counts behind it (not necessarily at those event times: a zero in the
        # reference period sends every other event term of the treated unit to +infinity)
        is_treated = panel.treated_u[panel.unit_codes] == 1
        zero = zero_fitted(panel.y, fit.mu) & is_treated
        zeros = sorted({_plain_time(v) for v in panel.time_values[panel.time_codes[zero]]})
        warns.append(
            NoFiniteEventEstimateWarning(
                f"Event times {', '.join(map(str, years))}: no finite estimate (zero counts "
                f"in {', '.join(map(str, zeros))}); not shown.",
                event_times=years,
                zero_periods=zeros,
            )
        )
    n_units = len(panel.unit_labels)
    n1 = int(panel.treated_u.sum())
    G = int(panel.cluster_codes.max()) + 1
    G1 = int(np.unique(panel.cluster_codes[tr_obs == 1]).size)
    G0 = int(np.unique(panel.cluster_codes[tr_obs == 0]).size)
    alpha = round(1.0 - level, 12)
    method, reason, code = _choose_inference(
        inference, (G, G1, G0), staggered, warns, _EVENT_REASONS
    )
    if method == "permutation" and staggered:
        en, sv = _TEXTS.both("permutation_common_time")
        raise ArgumentError(en, sv=sv)

    if method == "cluster":
        nested = _n_nested(panel, int(panel.time_codes.max()))
        V, _ = cluster_covariance(fit, X, panel.y, panel.cluster_codes, n_nested=nested)
        V = V[:m, :m]
        df_t: float = G - 1
    else:
        V = fit.cov[:m, :m]
        df_t = fit.df_resid if family == "gaussian" else math.inf
    if exact_fit and (method == "cluster" or family == "gaussian"):
        V = np.full_like(V, np.nan)
        warns.append(_exact_fit_warning(family, "cluster" if method == "cluster" else "model"))
    se = np.sqrt(np.diag(V))
    q = stats.t.ppf(1 - alpha / 2, df_t) if np.isfinite(df_t) else stats.norm.ppf(1 - alpha / 2)
    tstat = b / se
    dist = stats.t(df_t) if np.isfinite(df_t) else stats.norm()
    p_an = 2 * dist.sf(np.abs(tstat))
    lower, upper = b - q * se, b + q * se
    lead_idx = [i for i, e in enumerate(ev_levels) if e < 0 and not free[i]]
    pre: PreTrendTest | None = None
    if lead_idx:
        bl = b[lead_idx]
        Vl = V[np.ix_(lead_idx, lead_idx)]
        W = _wald(bl, Vl)
        ql = len(lead_idx)
        if method == "cluster" and ql > G - 1:
            warns.append(
                SingularPretrendWarning(
                    f"The pre-trend Wald test has {ql} restrictions but only {G} clusters: the "
                    "cluster-robust covariance is singular (a pseudo-inverse is used).",
                    n_restrictions=ql,
                    n_clusters=G,
                )
            )
        if family == "gaussian" or method == "cluster":
            dfd = int(df_t)
            p_w = float(stats.f.sf(W / ql, ql, dfd))
        else:
            dfd = None
            p_w = float(stats.chi2.sf(W, ql))
        pre = PreTrendTest(
            statistic=W, df=ql, p_value=p_w, df_denom=dfd,
            covariance="cluster" if method == "cluster" else "model",
        )  # fmt: skip

    p_perm = np.full(m, np.nan)
    if method == "permutation":
        rng = random_generator(seed)
        treated_idx = np.flatnonzero(panel.treated_u == 1)
        combos, exact = _assignments(n_units, treated_idx, n_permutations, rng)
        J1 = len(combos)
        e_all = tv - float(T_obs[tr_obs == 1][0])
        if window is not None:
            e_all = np.clip(e_all, window[0], window[1])
        coefs, walds, BD, keep = _event_permutation_fits(
            panel, X, fit, family, combos, np.round(e_all), (levels, reference), lead_idx
        )
        if not keep.all():
            warns.append(
                PermutationsDroppedWarning(
                    f"{int((~keep).sum())} of {J1} permuted assignments cannot be estimated (a "
                    "unit lacks some event times, e.g. the reference period) and were left out.",
                    n_dropped=int((~keep).sum()),
                    n_assignments=J1,
                )
            )
            coefs, walds, BD, J1 = coefs[keep], walds[keep], BD[keep], int(keep.sum())
        ab = np.abs(coefs)
        # estimates equal up to rounding are ties (an exact fit gives leads of 1e-14 that
        # differ only in their rounding errors); Gaussian coefficients are in the outcome's
        # units
        tie = (
            rounding_floor(float(np.max(np.abs(panel.y))), panel.y.size)
            if family == "gaussian"
            else 0.0
        )
        p_perm = np.sum(at_least_as_extreme(ab, ab[:1], floor=tie, axis=0), axis=0) / J1
        if pre is not None:
            # the observed assignment's Wald statistic is rounding noise after an exact fit
            W0 = math.nan if exact_fit and family == "gaussian" else walds[0]
            pre = PreTrendTest(
                statistic=pre.statistic, df=pre.df, p_value=pre.p_value, df_denom=pre.df_denom,
                covariance=pre.covariance,
                p_permutation=(
                    float(np.sum(at_least_as_extreme(walds, W0)) / J1)
                    if np.isfinite(W0)
                    else math.nan
                ),
                n_assignments=J1,
            )  # fmt: skip
        if not exact:
            warns.append(
                SampledAssignmentsWarning(
                    f"Permutation p-values use {J1} sampled assignments (not exhaustive).",
                    n_assignments=J1,
                )
            )
        if 1.0 / J1 > alpha:
            warns.append(
                FewAssignmentsWarning.of(
                    J1, alpha, n_possible=math.comb(n_units, treated_idx.size), sampled=not exact
                )
            )
            lower = np.full(m, -np.inf)
            upper = np.full(m, np.inf)
        elif family == "gaussian":
            for j in range(m):
                by, bd = coefs[:, j], BD[:, j]

                def pfun(tau: float, by=by, bd=bd) -> float:
                    s = np.abs(by - tau * bd)
                    return float(np.sum(at_least_as_extreme(s, s[0], floor=tie)) / J1)

                step = float(se[j]) if np.isfinite(se[j]) and se[j] > 0 else float(np.std(by))
                step = step if step > 0 else 1e-3 * max(1.0, abs(float(b[j])))
                lower[j], upper[j] = _invert(pfun, float(b[j]), step, alpha, 1e-10)
            se = np.std(coefs[1:], axis=0, ddof=1)
        else:
            warns.append(
                ModelBasedIntervalsWarning(
                    "Poisson event-study intervals are model-based (not permutation-based); "
                    "with one or few treated units read them with caution and rely on the "
                    "permutation p-values."
                )
            )
        p_main = p_perm
    else:
        p_main = p_an
    if n1 == 1 and method == "cluster":
        warns.append(
            SingleTreatedUnitWarning(
                "Only one treated unit: cluster-robust intervals are not valid."
            )
        )

    def shown(v: Any) -> list:
        return np.where(free, np.nan, np.asarray(v, float)).tolist()

    rows = {
        "event_time": [*ev_levels, reference],
        "estimate": [*shown(b), 0.0],
        "se": [*shown(se), None],
        "lower": [*shown(lower), None],
        "upper": [*shown(upper), None],
        "p_value": [*shown(p_main), None],
        "p_permutation": [*(None if np.isnan(v) else float(v) for v in shown(p_perm)), None],
        "is_reference": [False] * m + [True],
    }
    out = pl.DataFrame(
        rows,
        schema={
            "event_time": pl.Int64, "estimate": pl.Float64, "se": pl.Float64,
            "lower": pl.Float64, "upper": pl.Float64, "p_value": pl.Float64,
            "p_permutation": pl.Float64, "is_reference": pl.Boolean,
        },
    ).sort("event_time")  # fmt: skip
    if family == "poisson":
        out = out.with_columns(
            pl.col("estimate").exp().alias("rate_ratio"),
            pl.col("lower").exp().alias("rr_lower"),
            pl.col("upper").exp().alias("rr_upper"),
        )
    return EventStudyResult(
        coefficients=out, pretrend=pre, method=method, reason=reason, warnings=warns,
        n_treated_units=n1, n_units=n_units, family=family, reference=reference,
        reason_code=code, reason_values=_reason_values(inference, G, G1, G0),
    )  # fmt: skip
