"""Group-time average treatment effects under staggered adoption (Callaway & Sant'Anna 2021).

Units adopt the treatment at different periods (their *cohort* ``g``, the first treated
period) and stay treated. For every cohort ``g`` and period ``t`` the estimator compares the
change in outcome of cohort ``g`` between a base period and ``t`` with the same change among
comparison units, giving ``ATT(g, t)``:

- post-treatment cells (``t >= g``) use the long difference from the last period before
  ``g - anticipation``; pre-treatment cells use the previous period (R did's
  ``base_period = "varying"``), so they are placebo effects for the pre-trend test;
- comparison units are the never-treated (``control_group="never_treated"``) or the units
  not yet treated by ``t`` (and by the base period) plus anticipation
  (``"not_yet_treated"``), never cohort ``g`` itself;
- each 2x2 comparison is estimated by outcome regression (``"reg"``, Heckman, Ichimura &
  Todd 1997), inverse probability weighting (``"ipw"``, Abadie 2005, normalised weights) or
  the doubly robust estimator (``"dr"``, Sant'Anna & Zhao 2020, the locally efficient
  version), on covariates taken in the base period.

Standard errors come from the influence functions (the analytical SEs) or from the
multiplier bootstrap with Rademacher weights over units, which also gives the critical value
of a uniform (simultaneous) confidence band over all cells of a table. Aggregations
(:meth:`GroupTimeATT.aggregate`): ``"simple"`` (post cells weighted by cohort size),
``"group"`` (per cohort, then averaged), ``"dynamic"`` (event time ``e = t - g``, then the
average over ``e >= 0``) and ``"calendar"`` (per period, then averaged); their influence
functions include the estimation of the cohort shares, as in R did's ``aggte``.

Counts with population (the project's case: reported crimes per area). The estimator is
linear in the outcome and identifies effects under parallel trends *of the outcome given*.
Pass a rate, not a raw count, so that areas of different size are comparable: the rate per
100 000 inhabitants for additive effects, or the log rate (``log((count + 0.5) / pop)``)
when trends are parallel in proportions (effects then read as approximate percentage
changes). Pass the population as ``weights`` to get the exposure-weighted ATT, the average
effect per inhabitant rather than per area (R did's ``weightsname``: one time-invariant
weight per unit, taken from its first period). Neither choice is made silently here: the
function takes the column it is given.

Only balanced panels are supported (every unit observed in every period). Validated against
``csdid`` 0.4.3 (Python port of R's did) on the ``mpdta`` panel
(``tests/reference/make_staggered_reference.py``).

References
----------
Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
periods. *Journal of Econometrics* 225(2), 200-230.

Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences estimators.
*Journal of Econometrics* 219(1), 101-122.

R packages did (Callaway & Sant'Anna) and DRDID (Sant'Anna & Zhao): ``att_gt``, ``aggte``,
``mboot``, ``drdid_panel``, ``std_ipw_did_panel``, ``reg_did_panel``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl
from numpy.typing import NDArray
from scipy import stats

from research.core.display import html_table, text_table
from research.core.errors import ArgumentError, DesignError, EstimationError, PilotbenchWarning
from research.core.fmt import format_number
from research.core.i18n import load_catalogue
from research.core.warnings import (
    ExactFitInferenceWarning,
    NoComparisonUnitsWarning,
    SingleTreatedUnitWarning,
    SmallGroupsWarning,
    StaggeredWarning,
    TreatedFirstPeriodWarning,
)

from ._resampling import check_replications, random_generator
from ._texts import TEXTS
from .glm import rounding_floor
from .identification import is_probability

__all__ = [
    "AggregatedATT",
    "GroupTimeATT",
    "PreTrendWaldTest",
    "StaggeredWarning",
    "group_time_att",
]

Array = NDArray[np.float64]

#: Error messages in Swedish and English (research/stats/staggered_errors.toml); the display
#: labels are in ``TEXTS``.
_ERRORS = load_catalogue(Path(__file__).with_name("staggered_errors.toml"))

ControlGroup = Literal["never_treated", "not_yet_treated"]
EstMethod = Literal["dr", "ipw", "reg"]
AggKind = Literal["simple", "group", "dynamic", "calendar"]


# --------------------------------------------------------------------------------------------
# The 2x2 estimators on panel data (DRDID's reg_did_panel, std_ipw_did_panel, drdid_panel)
# --------------------------------------------------------------------------------------------


def _logit(d: Array, x: Array, w: Array) -> tuple[Array, Array]:
    """Weighted logistic regression by Newton-Raphson; fitted p and (X' W p(1-p) X)^-1."""
    beta = np.zeros(x.shape[1])
    for _ in range(100):
        eta = np.clip(x @ beta, -35, 35)
        p = 1 / (1 + np.exp(-eta))
        grad = x.T @ (w * (d - p))
        hess = (x * (w * p * (1 - p))[:, None]).T @ x
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError as exc:
            en, sv = _ERRORS.both("propensity_singular")
            raise EstimationError(en, sv=sv) from exc
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    eta = np.clip(x @ beta, -35, 35)
    p = 1 / (1 + np.exp(-eta))
    hess = (x * (w * p * (1 - p))[:, None]).T @ x
    return p, np.linalg.inv(hess)


def _ols(dy: Array, x: Array, w: Array, d: Array) -> tuple[Array, Array]:
    """Weighted OLS of ``dy`` on ``x`` among controls; fitted values and the IF term."""
    n = len(dy)
    wc = w * (1 - d)
    xtx = (x * wc[:, None]).T @ x
    if np.linalg.matrix_rank(xtx) < x.shape[1]:
        en, sv = _ERRORS.both("outcome_regression_rank")
        raise EstimationError(en, sv=sv)
    beta = np.linalg.solve(xtx, (x * wc[:, None]).T @ dy)
    fit = x @ beta
    lin_rep = (x * (wc * (dy - fit))[:, None]) @ np.linalg.inv(xtx / n)
    return fit, lin_rep


def _att_2x2(dy: Array, d: Array, x: Array, w: Array, method: str) -> tuple[float, Array]:
    """ATT and its influence function (at the subsample's scale) for one 2x2 comparison."""
    n = len(dy)
    w = w / w.mean()
    w_treat = w * d
    if method == "reg":
        fit, lin_ols = _ols(dy, x, w, d)
        att_treat = w_treat * dy
        att_cont = w_treat * fit
        eta_t = att_treat.mean() / w_treat.mean()
        eta_c = att_cont.mean() / w_treat.mean()
        inf_treat = (att_treat - w_treat * eta_t) / w_treat.mean()
        inf_cont = att_cont - w_treat * eta_c + lin_ols @ (w_treat[:, None] * x).mean(axis=0)
        return float(eta_t - eta_c), inf_treat - inf_cont / w_treat.mean()
    p, hinv = _logit(d, x, w)
    p = np.minimum(p, 1 - 1e-6)
    w_cont = w * p * (1 - d) / (1 - p)
    lin_ps = (x * (w * (d - p))[:, None]) @ (hinv * n)
    if method == "ipw":
        att_treat = w_treat * dy
        att_cont = w_cont * dy
        eta_t = att_treat.mean() / w_treat.mean()
        eta_c = att_cont.mean() / w_cont.mean()
        inf_treat = (att_treat - w_treat * eta_t) / w_treat.mean()
        m2 = (w_cont * (dy - eta_c))[:, None] * x
        inf_cont = (att_cont - w_cont * eta_c + lin_ps @ m2.mean(axis=0)) / w_cont.mean()
        return float(eta_t - eta_c), inf_treat - inf_cont
    fit, lin_ols = _ols(dy, x, w, d)
    r = dy - fit
    att_treat = w_treat * r
    att_cont = w_cont * r
    eta_t = att_treat.mean() / w_treat.mean()
    eta_c = att_cont.mean() / w_cont.mean()
    inf_treat = (
        att_treat - w_treat * eta_t - lin_ols @ (w_treat[:, None] * x).mean(axis=0)
    ) / w_treat.mean()
    m2 = ((w_cont * (r - eta_c))[:, None] * x).mean(axis=0)
    m3 = (w_cont[:, None] * x).mean(axis=0)
    inf_cont = (att_cont - w_cont * eta_c + lin_ps @ m2 - lin_ols @ m3) / w_cont.mean()
    return float(eta_t - eta_c), inf_treat - inf_cont


# --------------------------------------------------------------------------------------------
# Inference helpers
# --------------------------------------------------------------------------------------------


def _vanishing(inf: Array, floor: float) -> NDArray[np.bool_]:
    """Columns of ``inf`` that are zero up to rounding (root mean square <= ``floor``).

    When the outcome is exactly unit plus period effects (plus a constant effect per cell),
    every 2x2 comparison fits exactly and its influence function is rounding noise: an SE
    of 0 or 1e-17 and an interval of zero width would be reported (issue: exact fits).
    """
    return np.sqrt((inf**2).mean(axis=0)) <= floor


def _exact_warning(bootstrap: bool) -> ExactFitInferenceWarning:
    """The caveat of cells or aggregates whose influence function is rounding noise."""
    inference = "multiplier bootstrap" if bootstrap else "influence function"
    return ExactFitInferenceWarning(
        "Some group-time ATTs rest on 2x2 comparisons that fit every value exactly: "
        f"their {inference} standard errors are zero up to rounding, so they are not given.",
        model="ATT(g, t)",
        inference=inference,
    )


def _analytic_se(inf: Array, floor: float = 0.0) -> Array:
    n = inf.shape[0]
    se = np.sqrt((inf**2).mean(axis=0) / n)
    return np.where(_vanishing(inf, floor), np.nan, se) if floor > 0 else se


def _mboot(
    inf: Array, biters: int, rng: np.random.Generator, alpha: float, floor: float
) -> tuple[Array, float]:
    """Multiplier bootstrap (Rademacher): IQR-based SEs and the uniform-band critical value.

    Columns whose influence function is zero up to rounding (``floor``, in the outcome's
    units; :func:`_vanishing`) get no SE. R did's ``mboot`` instead drops columns whose
    bootstrap sum of squares is below ``10 * sqrt(eps)`` in absolute terms, which also drops
    real SEs of an outcome measured in small units.
    """
    n, k = inf.shape
    bres = np.empty((biters, k))
    chunk = max(1, min(biters, int(2e7 // max(n, 1))))
    for s in range(0, biters, chunk):
        m = min(chunk, biters - s)
        v = rng.integers(0, 2, size=(m, n)) * 2.0 - 1.0
        bres[s : s + m] = v @ inf / n
    bres *= math.sqrt(n)
    ok = ~_vanishing(inf, floor)
    se = np.full(k, np.nan)
    if not ok.any():
        return se, float("nan")
    b = bres[:, ok]
    q75 = np.quantile(b, 0.75, axis=0, method="inverted_cdf")
    q25 = np.quantile(b, 0.25, axis=0, method="inverted_cdf")
    sigma = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    se[ok] = sigma / math.sqrt(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_max = np.nanmax(np.abs(b / sigma), axis=1)
    crit = float(np.quantile(t_max, 1 - alpha, method="inverted_cdf"))
    return se, crit


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreTrendWaldTest:
    """Wald test that all pre-treatment ``ATT(g, t)`` are zero (R did's ``W``/``Wpval``).

    Uses the analytical influence-function covariance; ``df`` is the number of pre cells.
    """

    statistic: float
    df: int
    p_value: float


@dataclass(frozen=True)
class AggregatedATT:
    """An aggregation of group-time ATTs (:meth:`GroupTimeATT.aggregate`).

    Attributes
    ----------
    kind
        ``"simple"``, ``"group"``, ``"dynamic"`` or ``"calendar"``.
    estimate, se
        The overall average and its SE (bootstrap SE when ``bootstrap=True``).
    ci
        Pointwise confidence interval of ``estimate``.
    table
        Polars frame per cohort / event time / period (empty for ``"simple"``): ``group``,
        ``event_time`` or ``time``, with ``estimate``, ``se``, ``ci_lower``, ``ci_upper``
        (uniform band when ``bootstrap=True``, else pointwise).
    critical_value
        The critical value used for the table's band.
    warnings
        The conditions met by the aggregation, as warning objects (an
        :class:`~research.core.warnings.ExactFitInferenceWarning` when its SE is not given);
        worded with :func:`research.core.warnings.warning_text`.
    """

    kind: str
    estimate: float
    se: float
    ci: tuple[float, float]
    table: pl.DataFrame
    critical_value: float
    level: float
    outcome: str
    influence: Array = field(repr=False)
    warnings: list[PilotbenchWarning] = field(default_factory=list)

    def to_frame(self) -> pl.DataFrame:
        """The per-level table with an ``overall`` row first."""
        key = {"group": "group", "dynamic": "event_time", "calendar": "time"}.get(self.kind)
        overall = {
            "level": ["overall"],
            "estimate": [self.estimate],
            "se": [self.se],
            "ci_lower": [self.ci[0]],
            "ci_upper": [self.ci[1]],
        }
        head = pl.DataFrame(overall)
        if key is None or not self.table.height:
            return head
        rest = self.table.select(
            pl.col(key).cast(pl.String).alias("level"), "estimate", "se", "ci_lower", "ci_upper"
        )
        return pl.concat([head, rest])

    def _rows(self, lang: str = "en") -> list[tuple[str, object]]:
        pct = f"{100 * self.level:g} %"
        return [
            (TEXTS("att", lang), self.estimate),
            (TEXTS("se", lang), self.se),
            (TEXTS("ci_lower", lang, pct=pct), self.ci[0]),
            (TEXTS("ci_upper", lang, pct=pct), self.ci[1]),
        ]

    def _title(self, lang: str) -> str:
        return TEXTS("title_aggregated", lang, kind=self.kind, outcome=self.outcome)

    def summary(self, lang: str = "en") -> str:
        """Plain text: the overall ATT and the per-level table.

        ``lang`` (``"en"`` or ``"sv"``) picks the labels (``research/stats/texts.toml``).
        """
        return text_table(self._title(lang), self._rows(lang), self.table)

    def _repr_html_(self, lang: str = "en") -> str:
        note = TEXTS("note_band", lang, value=format_number(self.critical_value, 3, lang))
        return html_table(self._title(lang), self._rows(lang), self.table, note)

    def plot(self) -> Any:
        """Estimates with their bands per level (a matplotlib Figure; no pyplot state)."""
        from matplotlib.figure import Figure

        key = {"group": "group", "dynamic": "event_time", "calendar": "time"}.get(self.kind)
        fig = Figure(figsize=(7, 4))
        ax = fig.subplots()
        if key is None:
            ax.errorbar(
                [0],
                [self.estimate],
                yerr=[[self.estimate - self.ci[0]], [self.ci[1] - self.estimate]],
                fmt="o",
            )
        else:
            x = self.table[key].to_numpy()
            est = self.table["estimate"].to_numpy()
            lo = est - self.table["ci_lower"].to_numpy()
            hi = self.table["ci_upper"].to_numpy() - est
            ax.errorbar(x, est, yerr=[lo, hi], fmt="o", capsize=3)
            ax.set_xlabel(key.replace("_", " "))
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_ylabel(f"ATT ({self.outcome})")
        ax.set_title(f"{self.kind} aggregation: {self.estimate:.3g} (SE {self.se:.3g})")
        return fig


@dataclass(frozen=True)
class GroupTimeATT:
    """Result of :func:`group_time_att`.

    Attributes
    ----------
    table
        Polars frame, one row per cell: ``group`` (cohort), ``time``, ``estimate``
        (``ATT(g, t)``), ``se``, ``ci_lower``, ``ci_upper`` (uniform band with the bootstrap,
        pointwise otherwise), ``post`` (``t >= g``), ``n_treated``, ``n_control``.
    pre_trend
        Wald test of the pre-treatment cells (None when there are none).
    n_units
        Units used (after dropping those treated in the first period).
    warnings
        The conditions met, as warning objects (units dropped, cells skipped, exact fits),
        returned rather than issued like every estimator's (:mod:`research.core.warnings`);
        worded with :func:`research.core.warnings.warning_text`.
    """

    table: pl.DataFrame
    critical_value: float
    pre_trend: PreTrendWaldTest | None
    n_units: int
    control_group: str
    est_method: str
    level: float
    bootstrap: bool
    outcome: str
    influence: Array = field(repr=False)
    _cohort: Array = field(repr=False)
    _weights: Array = field(repr=False)
    _times: list[Any] = field(repr=False)
    _biters: int = field(repr=False)
    _seed: int = field(repr=False)
    _anticipation: int = field(repr=False)
    _floor: float = field(repr=False, default=0.0)
    warnings: list[PilotbenchWarning] = field(default_factory=list)

    @property
    def estimate(self) -> Array:
        """``ATT(g, t)`` in the order of :attr:`table`."""
        return self.table["estimate"].to_numpy()

    @property
    def se(self) -> Array:
        """Standard errors in the order of :attr:`table`."""
        return self.table["se"].to_numpy()

    def to_frame(self) -> pl.DataFrame:
        """The group-time table (a copy of :attr:`table`)."""
        return self.table.clone()

    def _rows(self, lang: str = "en") -> list[tuple[str, object]]:
        rows: list[tuple[str, object]] = [
            (TEXTS("units", lang), self.n_units),
            (TEXTS("cells", lang), self.table.height),
            (TEXTS("comparison", lang), TEXTS(f"comparison_{self.control_group}", lang)),
            (TEXTS("estimator", lang), self.est_method),
            (TEXTS("se", lang), TEXTS("se_bootstrap" if self.bootstrap else "se_analytical", lang)),
        ]
        if self.pre_trend is not None:
            rows += [
                (TEXTS("pretrend_wald", lang), self.pre_trend.statistic),
                (TEXTS("pretrend_p", lang), self.pre_trend.p_value),
            ]
        return rows

    def _cells(self) -> pl.DataFrame:
        return self.table.select("group", "time", "estimate", "se", "ci_lower", "ci_upper")

    def summary(self, lang: str = "en") -> str:
        """Plain text: settings, pre-trend test and the group-time table.

        ``lang`` (``"en"`` or ``"sv"``) picks the labels (``research/stats/texts.toml``).
        """
        title = TEXTS("title_group_time", lang, outcome=self.outcome)
        return text_table(title, self._rows(lang), self._cells())

    def _repr_html_(self, lang: str = "en") -> str:
        title = TEXTS("title_group_time", lang, outcome=self.outcome)
        band = TEXTS("band_uniform" if self.bootstrap else "band_pointwise", lang)
        return html_table(title, self._rows(lang), self._cells(), band)

    def plot(self) -> Any:
        """One panel per cohort: ``ATT(g, t)`` with its band, pre cells hollow."""
        from matplotlib.figure import Figure

        groups = self.table["group"].unique(maintain_order=True).to_list()
        fig = Figure(figsize=(7, 2.2 * len(groups)))
        axes = fig.subplots(len(groups), 1, squeeze=False, sharex=True)[:, 0]
        for ax, g in zip(axes, groups, strict=True):
            sub = self.table.filter(pl.col("group") == g)
            x = np.arange(sub.height)
            est = sub["estimate"].to_numpy()
            lo = est - sub["ci_lower"].to_numpy()
            hi = sub["ci_upper"].to_numpy() - est
            post = sub["post"].to_numpy()
            ax.errorbar(
                x[~post],
                est[~post],
                yerr=[lo[~post], hi[~post]],
                fmt="o",
                mfc="white",
                capsize=3,
                label="pre",
            )
            ax.errorbar(
                x[post], est[post], yerr=[lo[post], hi[post]], fmt="s", capsize=3, label="post"
            )
            ax.axhline(0, color="grey", lw=0.8)
            ax.set_xticks(x)
            ax.set_xticklabels([str(t) for t in sub["time"].to_list()])
            ax.set_title(f"cohort {g}", fontsize=9)
        axes[0].legend(fontsize=8)
        return fig

    def aggregate(  # noqa: C901 - one branch per documented aggregation kind
        self, kind: AggKind = "simple", *, bootstrap: bool | None = None
    ) -> AggregatedATT:
        """Aggregate the group-time ATTs (R did's ``aggte``).

        Parameters
        ----------
        kind
            ``"simple"``, ``"group"``, ``"dynamic"`` or ``"calendar"``.
        bootstrap
            Multiplier-bootstrap SEs and a uniform band over the table; default: as the fit.

        Returns
        -------
        AggregatedATT
            An aggregate whose influence function is zero up to rounding gets a NaN SE and
            interval, with an :class:`~research.core.warnings.ExactFitInferenceWarning` in
            its ``warnings`` (see :func:`group_time_att`).

        Raises
        ------
        ArgumentError
            For an unknown ``kind``.
        DesignError
            When there are no post-treatment cells to aggregate.
        """
        if kind not in ("simple", "group", "dynamic", "calendar"):
            en, sv = _ERRORS.both("unknown_kind", kind=kind)
            raise ArgumentError(en, sv=sv)
        boot = self.bootstrap if bootstrap is None else bootstrap
        tab = self.table
        group = tab["group"].to_numpy().astype(float)
        tt = tab["time"].to_numpy().astype(float)
        att = tab["estimate"].to_numpy()
        inf = self.influence
        cohort = self._cohort
        w = self._weights
        glist = np.unique(group)
        pg_by = {g: float(np.mean(w * (cohort == g))) for g in glist}
        pgg = np.array([pg_by[g] for g in group])
        n = inf.shape[0]

        def wif(keep: NDArray[np.int_]) -> Array:
            ind = np.column_stack([w * (cohort == group[k]) - pgg[k] for k in keep])
            s = pgg[keep].sum()
            return ind / s - ind.sum(axis=1, keepdims=True) @ (pgg[keep] / s**2)[None, :]

        def agg(keep: NDArray[np.int_], wts: Array, with_wif: bool) -> Array:
            f = inf[:, keep] @ wts
            if with_wif:
                f = f + wif(keep) @ att[keep]
            return f

        keepers = np.flatnonzero(group <= tt)
        if keepers.size == 0:
            en, sv = _ERRORS.both("no_post_cell")
            raise DesignError(en, sv=sv)
        levels: list[Any] = []
        est_l: list[float] = []
        inf_l: list[Array] = []
        key = None
        if kind == "simple":
            wts = pgg[keepers] / pgg[keepers].sum()
            overall = float(att[keepers] @ wts)
            inf_o = agg(keepers, wts, True)
        else:
            if kind == "group":
                key = "group"
                for g in glist:
                    k = np.flatnonzero((group == g) & (g <= tt))
                    if k.size == 0:
                        continue
                    levels.append(g)
                    est_l.append(float(att[k].mean()))
                    inf_l.append(agg(k, pgg[k] / pgg[k].sum(), False))
                pgl = np.array([pg_by[g] for g in levels])
                ests = np.array(est_l)
                infm = np.column_stack(inf_l)
                overall = float(ests @ pgl / pgl.sum())
                ind = np.column_stack([w * (cohort == g) - pg_by[g] for g in levels])
                s = pgl.sum()
                wif_g = ind / s - ind.sum(axis=1, keepdims=True) @ (pgl / s**2)[None, :]
                inf_o = infm @ (pgl / s) + wif_g @ ests
            elif kind == "dynamic":
                key = "event_time"
                e_all = tt - group
                for e in np.unique(e_all):
                    k = np.flatnonzero(e_all == e)
                    levels.append(int(e))
                    est_l.append(float(att[k] @ (pgg[k] / pgg[k].sum())))
                    inf_l.append(agg(k, pgg[k] / pgg[k].sum(), True))
                ests = np.array(est_l)
                infm = np.column_stack(inf_l)
                pos = np.array(levels) >= 0
                overall = float(ests[pos].mean())
                inf_o = infm[:, pos].mean(axis=1)
            else:
                key = "time"
                for t1 in np.unique(tt[tt >= group.min()]):
                    k = np.flatnonzero((tt == t1) & (group <= tt))
                    if k.size == 0:
                        continue
                    levels.append(t1)
                    est_l.append(float(att[k] @ (pgg[k] / pgg[k].sum())))
                    inf_l.append(agg(k, pgg[k] / pgg[k].sum(), True))
                ests = np.array(est_l)
                infm = np.column_stack(inf_l)
                overall = float(ests.mean())
                inf_o = infm.mean(axis=1)
        alpha = 1 - self.level
        z = float(stats.norm.ppf(1 - alpha / 2))
        rng = np.random.default_rng(self._seed)
        fl = self._floor
        if boot:
            se_o = float(_mboot(inf_o[:, None], self._biters, rng, alpha, fl)[0][0])
        else:
            se_o = float(_analytic_se(inf_o[:, None], fl)[0])
        exact = math.isnan(se_o)
        table = pl.DataFrame()
        crit = z
        if key is not None:
            infm = np.column_stack(inf_l)
            ests = np.array(est_l)
            if boot:
                se_l, crit = _mboot(infm, self._biters, rng, alpha, fl)
            else:
                se_l = _analytic_se(infm, fl)
            exact = exact or bool(np.isnan(se_l).any())
            if key == "group":
                vals = [_as_time(v, self._times) for v in levels]
            elif key == "time":
                vals = [_as_time(v, self._times) for v in levels]
            else:
                vals = levels
            table = pl.DataFrame(
                {
                    key: vals,
                    "estimate": ests,
                    "se": se_l,
                    "ci_lower": ests - crit * se_l,
                    "ci_upper": ests + crit * se_l,
                },
                strict=False,
            )
        del n
        return AggregatedATT(
            kind=kind,
            estimate=overall,
            se=se_o,
            ci=(overall - z * se_o, overall + z * se_o),
            table=table,
            critical_value=crit,
            level=self.level,
            outcome=self.outcome,
            influence=inf_o,
            warnings=([_exact_warning(boot)] if exact else [])
            + [w for w in self.warnings if isinstance(w, SingleTreatedUnitWarning)],
        )


def _as_time(v: float, times: list[Any]) -> Any:
    for t in times:
        if float(t) == v:
            return t
    return v


# --------------------------------------------------------------------------------------------
# The public function
# --------------------------------------------------------------------------------------------


def _time_label(value: float, times: list[Any]) -> Any:
    """A cohort ``value`` as the data's own time label (2021 rather than 2021.0)."""
    for t in times:
        if float(t) == value:
            return t
    return int(value) if float(value).is_integer() else value


def group_time_att(  # noqa: C901, PLR0913 - a documented estimator: data columns plus keyword-only options
    data: pl.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    cohort: str,
    control_group: ControlGroup = "never_treated",
    covariates: Sequence[str] | None = None,
    est_method: EstMethod = "dr",
    anticipation: int = 0,
    weights: str | None = None,
    bootstrap: bool = False,
    biters: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> GroupTimeATT:
    """Callaway & Sant'Anna group-time average treatment effects on a balanced panel.

    Parameters
    ----------
    data
        Balanced long panel: one row per unit and period.
    unit, time, outcome
        Column names of the unit identifier, the period (integers: years, or consecutive
        period numbers; ``anticipation`` counts in these units) and the outcome.
    cohort
        Column with each unit's first treated period (constant within unit); ``0`` or null
        for never-treated units. Units with a cohort after the last period count as never
        treated; units treated in the first period are dropped (with a warning).
    control_group
        ``"never_treated"`` (default) or ``"not_yet_treated"``.
    covariates
        Columns used by the 2x2 estimators, taken in each cell's base period.
    est_method
        ``"dr"`` (doubly robust, default), ``"ipw"`` or ``"reg"``. Without covariates all
        three give the same difference in mean changes.
    anticipation
        Number of periods before the cohort start in which units may already react.
    weights
        Optional column of unit weights (time-invariant; the first period's value is
        used), e.g. population for an exposure-weighted ATT.
    bootstrap
        Multiplier-bootstrap SEs and uniform bands (else analytical SEs and pointwise
        intervals).
    biters, seed
        Multiplier-bootstrap replications (R did's name; at least 50, the package's rule
        for every resampling-based inference, :mod:`research.stats._resampling`) and seed.
    level
        Confidence level.

    Returns
    -------
    GroupTimeATT
        ``.table`` (polars), ``.pre_trend``, ``.aggregate(kind)``, ``summary()``, ``plot()``.
        ``.warnings`` holds the conditions met, as warning objects (returned, not issued):
        :class:`~research.core.warnings.TreatedFirstPeriodWarning` and
        :class:`~research.core.warnings.NoComparisonUnitsWarning` (units treated in the
        first period dropped; a cell without comparison units skipped);
        :class:`~research.core.warnings.ExactFitInferenceWarning` (a cell's 2x2 comparison
        fits every value exactly, the outcome being unit plus period effects there: its
        influence function is zero up to rounding, so its ``se`` and interval are NaN, not
        zero, and it is left out of the pre-trend Wald test);
        :class:`~research.core.warnings.SingleTreatedUnitWarning` (one treated unit: its
        standard errors understate the uncertainty; use a placebo-in-space comparison);
        :class:`~research.core.warnings.SmallGroupsWarning` (cohorts, or the never-treated
        as group 0, with fewer than ``len(covariates) + 5`` units, the limit at which R
        ``did``'s ``pre_process_did`` warns; a lone treated unit is said by the warning
        before).

    Raises
    ------
    ArgumentError
        Missing column, non-integer period or cohort, cohort varying within a unit,
        repeated rows, unbalanced panel, missing values, bad option values.
    DesignError
        No treated cohort; no never-treated units with ``control_group="never_treated"``;
        no comparison units for any cell with ``"not_yet_treated"``.
    EstimationError
        A singular propensity-score or outcome-regression fit.

    Examples
    --------
    >>> import polars as pl
    >>> rows = [{"id": i, "t": t, "g": g, "y": i + t + (2.0 if g and t >= g else 0.0)}
    ...         for i, g in enumerate([0, 0, 3, 3, 4, 4]) for t in range(1, 6)]
    >>> res = group_time_att(pl.DataFrame(rows), unit="id", time="t", outcome="y", cohort="g")
    >>> round(res.aggregate("simple").estimate, 9)
    2.0

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). *Journal of Econometrics* 225(2), 200-230.
    Sant'Anna, P. H. C. and Zhao, J. (2020). *Journal of Econometrics* 219(1), 101-122.
    R package did, ``att_gt`` and ``aggte``.
    """
    if not isinstance(data, pl.DataFrame):
        en, sv = _ERRORS.both("not_a_frame", got=type(data).__name__)
        raise ArgumentError(en, sv=sv)
    covariates = list(covariates or [])
    for name, col in (
        [("unit", unit), ("time", time), ("outcome", outcome), ("cohort", cohort)]
        + [("covariates", c) for c in covariates]
        + ([("weights", weights)] if weights else [])
    ):
        if col not in data.columns:
            en, sv = _ERRORS.both("no_column", name=name, col=col, columns=data.columns)
            raise ArgumentError(en, sv=sv)
    if control_group not in ("never_treated", "not_yet_treated"):
        en, sv = _ERRORS.both("unknown_control_group", control_group=control_group)
        raise ArgumentError(en, sv=sv)
    if est_method not in ("dr", "ipw", "reg"):
        en, sv = _ERRORS.both("unknown_est_method", est_method=est_method)
        raise ArgumentError(en, sv=sv)
    if not isinstance(anticipation, int) or anticipation < 0:
        en, sv = _ERRORS.both("bad_anticipation", anticipation=anticipation)
        raise ArgumentError(en, sv=sv)
    if not is_probability(level):
        en, sv = _ERRORS.both("bad_level", level=level)
        raise ArgumentError(en, sv=sv)
    if bootstrap:
        biters = check_replications(biters, "biters")
    warns: list[PilotbenchWarning] = []
    for name, col in [("time", time), ("cohort", cohort)]:
        if not data[col].dtype.is_integer() and not (col == cohort and data[col].dtype == pl.Null):
            en, sv = _ERRORS.both("not_integer_periods", name=name, col=col, dtype=data[col].dtype)
            raise ArgumentError(en, sv=sv)
    cols = [unit, time, outcome, cohort, *covariates] + ([weights] if weights else [])
    d = data.select(list(dict.fromkeys(cols))).with_columns(pl.col(cohort).fill_null(0))
    if d.height == 0:
        en, sv = _ERRORS.both("no_rows")
        raise DesignError(en, sv=sv)
    if d.select(pl.struct(unit, time).is_duplicated().any()).item():
        en, sv = _ERRORS.both("repeated_rows", unit=unit, time=time)
        raise DesignError(en, sv=sv)
    for c in [outcome, *covariates] + ([weights] if weights else []):
        if d[c].null_count() or (d[c].dtype.is_float() and d[c].is_nan().any()):
            en, sv = _ERRORS.both("missing_values", col=c)
            raise DesignError(en, sv=sv)
        if d[c].dtype.is_float() and d[c].is_infinite().any():
            en, sv = _ERRORS.both("not_finite_values", col=c)
            raise DesignError(en, sv=sv)
    if d.group_by(unit).agg(pl.col(cohort).n_unique().alias("k"))["k"].max() > 1:  # type: ignore[operator]
        en, sv = _ERRORS.both("cohort_varies", cohort=cohort)
        raise DesignError(en, sv=sv)
    d = d.sort([unit, time])
    times = sorted(d[time].unique().to_list())
    units = d[unit].unique(maintain_order=True).to_list()
    if d.height != len(units) * len(times):
        en, sv = _ERRORS.both("unbalanced", rows=d.height, units=len(units), periods=len(times))
        raise DesignError(en, sv=sv)
    nt = len(times)
    if nt < 2:
        en, sv = _ERRORS.both("one_period", nt=nt)
        raise DesignError(en, sv=sv)
    y = d[outcome].to_numpy().astype(float).reshape(len(units), nt)
    g_unit = d[cohort].to_numpy().reshape(len(units), nt)[:, 0].astype(float)
    xs = (
        d.select(covariates).to_numpy().astype(float).reshape(len(units), nt, len(covariates))
        if covariates
        else np.zeros((len(units), nt, 0))
    )
    w_unit = (
        d[weights].to_numpy().astype(float).reshape(len(units), nt)[:, 0]
        if weights
        else np.ones(len(units))
    )
    if weights and (w_unit < 0).any():
        en, sv = _ERRORS.both("negative_weights", weights=weights)
        raise ArgumentError(en, sv=sv)
    if weights and not w_unit.sum() > 0:
        en, sv = _ERRORS.both("zero_weights", weights=weights)
        raise ArgumentError(en, sv=sv)
    if (g_unit < 0).any():
        en, sv = _ERRORS.both("negative_cohort", cohort=cohort, value=g_unit[g_unit < 0].min())
        raise ArgumentError(en, sv=sv)
    tarr = np.array(times, dtype=float)
    # Cohorts after the last period behave as never treated (R did's pre-processing).
    g_unit = np.where(g_unit > tarr.max(), 0.0, g_unit)
    early = (g_unit > 0) & (g_unit <= tarr.min() + anticipation)
    if early.any():
        warns.append(
            TreatedFirstPeriodWarning(
                f"cohort: dropped {int(early.sum())} unit(s) treated in the first period "
                f"(or within the anticipation window); they have no pre-treatment period",
                n_units=int(early.sum()),
            )
        )
        keep = ~early
        y, g_unit, xs, w_unit = y[keep], g_unit[keep], xs[keep], w_unit[keep]
    glist = np.unique(g_unit[g_unit > 0])
    if glist.size == 0 and early.any():
        en, sv = _ERRORS.both(
            "all_treated_too_early", n=int(early.sum()), anticipation=anticipation
        )
        raise DesignError(en, sv=sv)
    if glist.size == 0:
        en, sv = _ERRORS.both("no_treated", cohort=cohort)
        raise DesignError(en, sv=sv)
    if int((g_unit > 0).sum()) == 1:
        # The influence function's variance over units then rests on one treated draw: the
        # analytic and bootstrap SEs reflect the comparison units' spread only (placebo
        # ATTs of the pre-periods lay ten such SEs from zero). Said, as diff_in_diff says it.
        warns.append(
            SingleTreatedUnitWarning(
                "Only one treated unit: the influence-function standard errors and the "
                "multiplier bootstrap do not reflect the treated unit's own variability."
            )
        )
    # R did's pre-processing warns about groups (cohorts, and the never-treated as 0) with
    # fewer than (number of covariates + 5) units: their ATT(g,t) and influence-function
    # standard errors rest on a handful of draws (one comparison unit: the SEs carry none of
    # its own variability). A lone treated unit is said by SingleTreatedUnitWarning above.
    sizes = {float(g): int((g_unit == g).sum()) for g in np.unique(g_unit)}
    needed = xs.shape[2] + 5
    lone = int((g_unit > 0).sum()) == 1
    small = [g for g, k in sizes.items() if k < needed and not (lone and g > 0)]
    if small:
        named = [0 if g == 0 else _time_label(g, times) for g in sorted(small)]
        warns.append(
            SmallGroupsWarning(
                f"Groups with fewer than {needed} units (0 = never treated): "
                f"{', '.join(map(str, named))}; their estimates and standard errors rest on "
                "few units.",
                groups=named,
                min_units=needed,
            )
        )
    never = (g_unit == 0).any()
    if control_group == "never_treated" and not never:
        en, sv = _ERRORS.both("no_never_treated")
        raise DesignError(en, sv=sv)
    if control_group == "not_yet_treated" and not never:
        # As R did: the last cohort only serves as comparison, periods from its start are dropped.
        last = glist.max()
        tmask = tarr < last - anticipation
        if tmask.sum() < 2 or glist.size < 2:
            en, sv = _ERRORS.both("no_comparison")
            raise DesignError(en, sv=sv)
        y, xs, tarr = y[:, tmask], xs[:, tmask], tarr[tmask]
        times = [t for t, m in zip(times, tmask, strict=True) if m]
        glist = glist[glist < last]
        nt = len(times)
    n = len(g_unit)
    w_unit = w_unit / w_unit.mean()
    ones = np.ones((n, 1))
    cells: list[dict[str, Any]] = []
    infs: list[Array] = []
    for g in glist:
        pre_idx = np.flatnonzero(tarr + anticipation < g)
        if pre_idx.size == 0:
            continue
        last_pre = int(pre_idx[-1])
        for j in range(1, nt):
            t = tarr[j]
            base = j - 1
            post = g <= t
            if post:
                base = last_pre
            if control_group == "never_treated":
                ctrl = g_unit == 0
            else:
                ctrl = (g_unit == 0) | (
                    (g_unit > tarr[max(j, base)] + anticipation) & (g_unit != g)
                )
            treat = g_unit == g
            sel = treat | ctrl
            n_t, n_c = int(treat.sum()), int(ctrl.sum())
            if n_c == 0:
                warns.append(
                    NoComparisonUnitsWarning(
                        f"cohort {g:g}, period {t:g}: no comparison units; cell skipped",
                        cohort=float(g),
                        period=float(t),
                    )
                )
                continue
            dy = y[sel, j] - y[sel, base]
            x = np.hstack([ones[sel], xs[sel, base, :]])
            att, inf_sub = _att_2x2(dy, treat[sel].astype(float), x, w_unit[sel], est_method)
            inf = np.zeros(n)
            inf[sel] = inf_sub * (n / sel.sum())
            cells.append(
                {
                    "group": g,
                    "time": t,
                    "post": bool(post),
                    "estimate": att,
                    "n_treated": n_t,
                    "n_control": n_c,
                }
            )
            infs.append(inf)
    if not cells:
        en, sv = _ERRORS.both("no_cell")
        raise DesignError(en, sv=sv)
    inffunc = np.column_stack(infs)
    att_arr = np.array([c["estimate"] for c in cells])
    alpha = 1 - level
    rng = random_generator(seed)
    # influence functions at most this large are rounding noise (see glm.rounding_floor):
    # they are in the outcome's units, weighted by w, from the y.size values of the panel
    floor = rounding_floor(float(np.max(np.abs(y))) * max(1.0, float(w_unit.max())), y.size)
    if bootstrap:
        se, crit = _mboot(inffunc, biters, rng, alpha, floor)
    else:
        se, crit = _analytic_se(inffunc, floor), float(stats.norm.ppf(1 - alpha / 2))
    if np.isnan(se).any():
        warns.append(_exact_warning(bootstrap))
    # Pre-trend Wald test with the analytical covariance (as R did, also after a bootstrap).
    pre = np.array([(c["time"] < c["group"] - anticipation) for c in cells])
    pre_trend = None
    if pre.any():
        v = inffunc[:, pre].T @ inffunc[:, pre] / n
        ok = ~_vanishing(inffunc[:, pre], floor)
        if ok.any():
            vv = v[np.ix_(ok, ok)]
            a = att_arr[pre][ok]
            if np.linalg.cond(vv) < 1 / np.finfo(float).eps:
                stat = float(n * a @ np.linalg.solve(vv, a))
                pre_trend = PreTrendWaldTest(
                    stat, int(ok.sum()), float(stats.chi2.sf(stat, int(ok.sum())))
                )
    to_t = {float(t): t for t in data[time].unique().to_list()}
    table = pl.DataFrame(
        {
            "group": [to_t.get(c["group"], int(c["group"])) for c in cells],
            "time": [to_t[c["time"]] for c in cells],
            "estimate": att_arr,
            "se": se,
            "ci_lower": att_arr - crit * se,
            "ci_upper": att_arr + crit * se,
            "post": [c["post"] for c in cells],
            "n_treated": [c["n_treated"] for c in cells],
            "n_control": [c["n_control"] for c in cells],
        },
        strict=False,
    )
    return GroupTimeATT(
        table=table,
        critical_value=crit,
        pre_trend=pre_trend,
        n_units=n,
        control_group=control_group,
        est_method=est_method,
        level=level,
        bootstrap=bootstrap,
        outcome=outcome,
        influence=inffunc,
        _cohort=g_unit,
        _weights=w_unit,
        _times=list(times),
        _biters=biters,
        _seed=seed,
        _anticipation=anticipation,
        _floor=floor,
        warnings=warns,
    )
