r"""Synthetic control (Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010).

A synthetic control is a convex combination of untreated *donor* units, with weights ``W`` on
the simplex chosen to reproduce the treated unit's *predictors* (covariate averages and
selected pre-treatment outcomes). How much each predictor counts is the diagonal matrix ``V``,
chosen by a nested optimisation so that the resulting synthetic unit tracks the treated unit's
outcome before the treatment as closely as possible:

.. math::

    W(V) = \arg\min_{W \in \Delta} (X_1 - X_0 W)' V (X_1 - X_0 W), \qquad
    V^* = \arg\min_V \frac{1}{T_0} \lVert Z_1 - Z_0 W(V) \rVert^2 .

This module follows R Synth (Abadie, Diamond & Hainmueller 2011) where it makes a choice:
predictors are means over the available (non-missing) values in their window, each predictor
row is divided by its standard deviation (``n - 1``) across the treated unit and the donors,
``V`` is normalised to sum to one, and the loss is the mean squared prediction error over the
fit window. When the inner problem has several solutions (``V`` gives some predictors no
weight, or the treated unit's predictors lie inside the donors' hull), ``W(V)`` is the one
with the lowest pre-period MSPE, as Becker & Klößner (2018) define it, so that the answer
never depends on which tied ``W`` a solver happens to return. Unlike R Synth's optimiser run
from two starting points, the outer problem here is solved from several candidates: first
the ``V`` (found by a linear programme) that makes the outcome-optimal ``W`` an inner
solution, when one exists, which is then the global optimum (Becker & Klößner 2018); then
each corner of ``V`` (all weight on one predictor), where ties are the rule; then equal,
regression-based and random Dirichlet starts (fixed seed), each given a short burst of BFGS
iterations on a softmax parametrisation of ``V``, the two best run to convergence, each end
point also tried with its negligible entries set to zero. Every candidate is scored by the
``W`` it ends on and the best ``V`` and that ``W`` are returned; the loss is reported with
the lower bound no ``V`` can beat (the best fit over all ``W``). The inner problem is solved
exactly by an active-set method (:mod:`research.stats._simplex`), and the gradient of the loss is
exact, by implicit differentiation of the inner KKT system. ``v_method="cross_validation"``
chooses ``V`` out of sample instead (Abadie, Diamond & Hainmueller 2015).

On R Synth's Basque example this finds a pre-period MSPE of 0.00413, half the 0.00886 of the
published Cataluña 0.85 / Madrid 0.15 solution, which is a local optimum; with R's published
``V`` passed as ``custom_v``, R's weights are reproduced to six decimals.

Inference is by placebos, never by standard errors: in space (each donor in turn pretends to
be treated; Abadie, Diamond & Hainmueller 2010), in time (a fake treatment date before the
real one; Abadie, Diamond & Hainmueller 2015) and leave-one-out over the donors with positive
weight. The placebo p-value counts the treated unit itself, so it is never zero.

Errors carry their message in English and Swedish, from the catalogue ``synth_errors.toml``.

References
----------
Abadie, A. and Gardeazabal, J. (2003). The economic costs of conflict: a case study of the
Basque Country. *American Economic Review* 93(1), 113-132.

Abadie, A., Diamond, A. and Hainmueller, J. (2010). Synthetic control methods for comparative
case studies: estimating the effect of California's tobacco control program. *Journal of the
American Statistical Association* 105(490), 493-505.

Abadie, A., Diamond, A. and Hainmueller, J. (2011). Synth: an R package for synthetic control
methods in comparative case studies. *Journal of Statistical Software* 42(13).

Abadie, A., Diamond, A. and Hainmueller, J. (2015). Comparative politics and the synthetic
control method. *American Journal of Political Science* 59(2), 495-510.

Becker, M. and Klößner, S. (2018). Fast and reliable computation of generalized synthetic
controls. *Econometrics and Statistics* 5, 1-19.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl
from numpy.typing import NDArray
from scipy.linalg import lapack
from scipy.optimize import linprog

from research.core.display import ResultDisplay, line_figure
from research.core.errors import ArgumentError, DesignError, EstimationError
from research.core.i18n import Both, load_catalogue
from research.core.warnings import (
    DonorGroupWarning,
    DonorRangeWarning,
    ExactPreFitWarning,
    FewPlacebosWarning,
    OutcomePredictorsWarning,
    OverfitWarning,
    PilotbenchWarning,
    PlaceboPeriodsCutWarning,
    PlacebosWithoutRatioWarning,
    PlaceboWindowCutWarning,
    PostGapMissingWarning,
    PreGapMissingWarning,
    SeriesBreakWarning,
)

from . import identification as ident
from ._resampling import at_least_as_extreme, random_generator
from ._simplex import _null_space, _simplex_ls, tied_least_squares

__all__ = [
    "LeaveOneOutResult",
    "PlaceboResult",
    "SyntheticControlResult",
    "synthetic_control",
]

VMethod = Literal["nested", "regression", "equal", "cross_validation"]
_V_METHODS = ("nested", "regression", "equal", "cross_validation")
_EXCLUDE_RATIOS = (2, 5, 20)
_BURST = 10  # BFGS iterations every start gets
_FINALISTS = 2  # starts then run to convergence
_MAX_ITER = 200
_NEIGHBOUR_STEPS = 6  # support changes loss_grad tries before a full inner solve
_SNAP = 1e-6  # V entries below this share of the largest are also tried at exactly zero
_PARALLEL_MIN = 6  # placebo fits below which no child process is started
_PERFECT_FIT = 0.1  # pre-RMSPE floor, as a fraction of the typical period-to-period change
_LP_INFEASIBLE = 1e-5  # RMS residual (relative) of the equalities above which no V attains W
_dposv = lapack.dposv
_dpotrs = lapack.dpotrs
_TEXTS = load_catalogue(Path(__file__).with_name("synth_errors.toml"))


# --------------------------------------------------------------------------------------------
# Data preparation
# --------------------------------------------------------------------------------------------


@dataclass
class _Design:
    """Matrices for every unit of the analysis (the treated unit and all donors)."""

    units: list[Any]  # unit labels, position = column index below
    unit_dtype: pl.DataType
    time_dtype: pl.DataType
    times: NDArray[Any]  # all periods, sorted
    predictor_names: list[str]
    x: NDArray[np.float64]  # (k, N) raw predictor values
    z: NDArray[np.float64]  # (T_fit, N) outcome in the fit window
    y: NDArray[np.float64]  # (T, N) outcome in every period, NaN when missing
    fit_times: NDArray[Any]
    treatment_time: Any
    treated_index: int
    donor_index: NDArray[np.int64]
    fit_window: tuple[Any, Any]
    predictor_window: tuple[Any, Any] | None
    first_used: Any  # earliest period that enters the fit (predictors or outcome)
    notes: list[PilotbenchWarning] = field(default_factory=list)

    @property
    def pre(self) -> NDArray[np.bool_]:
        return self.times < self.treatment_time

    @property
    def post(self) -> NDArray[np.bool_]:
        return self.times >= self.treatment_time


def _periods(periods: Any) -> list[Any]:
    """A special predictor's periods as a list (one period alone, or a sequence of them).

    One period on its own is R Synth's ``list("popdens", 1969, "mean")``.
    """
    if isinstance(periods, str) or not isinstance(periods, Sequence | range | np.ndarray):
        return [periods]
    return list(periods)


def _as_list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | bytes):
        return [value]
    try:
        return list(value)
    except TypeError:
        en, sv = _TEXTS.both("not_a_sequence", what=what, value=value)
        raise ArgumentError(en, sv=sv) from None


def _expand_groups(
    donors: list[Any], treated: Any, present: set[Any], notes: list[PilotbenchWarning]
) -> list[Any]:
    """Replace official group references among ``donors`` by their kommun codes.

    References such as ``"kolada:liknande-ifo"`` or ``"skr:..."`` become the group's kommun
    codes present in the data (the treated unit left out); other donors are kept as given.
    """
    from research.data.groups import expand_group_references, is_group_reference

    if not any(is_group_reference(d) for d in donors):
        return donors
    kommun = treated if isinstance(treated, str) and treated.isdigit() else None
    expanded, groups = expand_group_references(donors, kommun=kommun)
    members = {c for g in groups for c in g.codes}
    out = [d for d in expanded if d not in members or (d in present and d != treated)]
    for g in groups:
        absent = [c for c in g.codes if c not in present]
        notes.append(
            DonorGroupWarning(
                f"Donors {g.reference!r} = {g.title} (Kolada {g.group_id}"
                + (f", {g.year}" if g.year else "")
                + ")"
                + (f"; members without data left out: {absent}" if absent else "")
                + ".",
                reference=g.reference,
                title=g.title,
                group_id=g.group_id,
                year=g.year or None,
                absent=absent,
            )
        )
    return out


def _check_window(
    window: Any, name: str | Both, treatment_time: Any, times: NDArray[Any]
) -> tuple[Any, Any]:
    """``window`` as ``(first, last)``, checked; ``name`` (an argument, or worded) for messages."""
    try:
        first, last = window
    except (TypeError, ValueError):
        en, sv = _TEXTS.both("window_not_a_pair", name=name, window=window)
        raise ArgumentError(en, sv=sv) from None
    if first > last:
        en, sv = _TEXTS.both("window_reversed", name=name, window=window, first=first, last=last)
        raise ArgumentError(en, sv=sv)
    if last >= treatment_time:
        en, sv = _TEXTS.both(
            "window_not_pre", name=name, window=window, last=last, treatment_time=treatment_time
        )
        raise ArgumentError(en, sv=sv)
    inside = (times >= first) & (times <= last)
    if not inside.any():
        en, sv = _TEXTS.both("window_no_period", name=name, window=window)
        raise ArgumentError(en, sv=sv)
    return first, last


def _plain(value: Any) -> Any:
    """A numpy number as the Python number (``2010``, not ``np.int64(2010)`` in messages).

    Other values (dates among them, which must keep comparing with the time column) as given.
    """
    return value.item() if isinstance(value, np.integer | np.floating) else value


def _as_time(value: Any, name: str, dtype: pl.DataType) -> Any:
    """A period given as text (``"2008"``) as a number, for a numeric time column."""
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            en, sv = _TEXTS.both("time_is_text", name=name, value=value, dtype=dtype)
            raise DesignError(en, sv=sv) from None
        return int(number) if number.is_integer() else number
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return _plain(value)  # a plain number in messages and results
    en, sv = _TEXTS.both("time_not_comparable", name=name, value=value, dtype=dtype)
    raise DesignError(en, sv=sv)


def _numeric_time_column(
    data: pl.DataFrame,
    time: str,
    treatment_time: Any,
    fit_window: Any,
    predictor_window: Any,
) -> tuple[pl.DataFrame, Any, Any, Any]:
    """Numeric time: text holding numbers is converted (as event_study reads it).

    Temporal columns are left as they are. Periods given as text are converted to numbers.
    """
    col = data.get_column(time)
    if col.dtype.is_temporal():
        return data, treatment_time, fit_window, predictor_window
    if not col.dtype.is_numeric():
        values = ident.numeric_time(col, time)  # DesignError naming the type when not numbers
        whole = bool(np.all(values == np.round(values)))
        data = data.with_columns(pl.Series(time, values).cast(pl.Int64 if whole else pl.Float64))
    dtype = data.schema[time]

    def window(w: Any, name: str) -> Any:
        if w is None or not isinstance(w, tuple | list) or len(w) != 2:
            return w
        return tuple(_as_time(v, name, dtype) for v in w)

    return (
        data,
        _as_time(treatment_time, "treatment_time", dtype),
        window(fit_window, "fit_window"),
        window(predictor_window, "predictor_window"),
    )


def _unit_not_found(value: Any, units: pl.Series, what: str) -> ArgumentError:
    """The error for a unit ``value`` not in ``units``; ``what``: ``"treated"`` or ``"donor"``."""
    hint = Both("", "")
    if units.dtype == pl.Utf8 and not isinstance(value, str):
        hint = _TEXTS.phrase("unit_codes_are_text")
    sample = ", ".join(repr(u) for u in units.unique().sort().head(8).to_list())
    worded = _TEXTS.phrase(f"unit_{what}")
    if not sample:  # an empty frame: there are no values to list
        en, sv = _TEXTS.both("unit_not_in_empty_data", what=worded, value=value)
        return ArgumentError(en, sv=sv)
    en, sv = _TEXTS.both("unit_not_found", what=worded, value=value, sample=sample, hint=hint)
    return ArgumentError(en, sv=sv)


def _matrix(frame: pl.DataFrame, column: str, n_times: int, n_units: int) -> NDArray[np.float64]:
    out = np.full((n_times, n_units), np.nan)
    values = frame.get_column(column).cast(pl.Float64).to_numpy()
    out[frame.get_column("_t").to_numpy(), frame.get_column("_u").to_numpy()] = values
    out[~np.isfinite(out)] = np.nan
    return out


def _parse_special(
    spec: Any, treatment_time: Any, times: NDArray[Any]
) -> tuple[str, NDArray[np.bool_], str]:
    """Return (column, mask over times, display name) of one special predictor."""
    if isinstance(spec, str) or not isinstance(spec, Sequence) or len(spec) not in (2, 3):
        en, sv = _TEXTS.both("special_bad_spec", spec=spec)
        raise ArgumentError(en, sv=sv)
    column, periods = spec[0], spec[1]
    op = spec[2] if len(spec) == 3 else "mean"
    if op != "mean":
        en, sv = _TEXTS.both("special_bad_operation", column=column, op=op)
        raise ArgumentError(en, sv=sv)
    if isinstance(periods, tuple):
        first, last = _check_window(
            periods, _TEXTS.phrase("special_window", column=column), treatment_time, times
        )
        mask = (times >= first) & (times <= last)
        name = f"{column} ({first}-{last})" if first != last else f"{column} ({first})"
        return column, mask, name
    listed = _periods(periods)
    if not listed:
        en, sv = _TEXTS.both("special_no_periods", column=column)
        raise ArgumentError(en, sv=sv)
    known = set(times.tolist())
    for p in listed:
        if p >= treatment_time:
            en, sv = _TEXTS.both(
                "special_period_not_pre", column=column, period=p, treatment_time=treatment_time
            )
            raise ArgumentError(en, sv=sv)
        if p not in known:
            en, sv = _TEXTS.both("special_period_unknown", column=column, period=p)
            raise ArgumentError(en, sv=sv)
    mask = np.isin(times, np.array(listed, dtype=times.dtype))
    name = f"{column} ({', '.join(str(p) for p in listed)})"
    return column, mask, name


def _prepare(  # noqa: C901 - input checks of the estimator's documented options, in order
    data: pl.DataFrame,
    columns: Mapping[str, Any],
    *,
    predictors: Sequence[str],
    predictor_window: tuple[Any, Any] | None,
    special_predictors: Sequence[Any],
    fit_window: tuple[Any, Any] | None,
) -> _Design:
    """Check the options and build the design matrices.

    ``columns`` holds :func:`synthetic_control`'s ``unit``, ``time``, ``outcome``,
    ``treated``, ``treatment_time`` and ``donors`` as given (the same for the main and the
    cross-validation training specification).
    """
    unit, time, outcome = columns["unit"], columns["time"], columns["outcome"]
    treated, treatment_time, donors = (
        columns["treated"], columns["treatment_time"], columns["donors"]
    )  # fmt: skip
    if not isinstance(data, pl.DataFrame):
        en, sv = _TEXTS.both("data_not_a_frame", type=type(data).__name__)
        raise ArgumentError(en, sv=sv)
    predictors = _as_list(predictors, "predictors")
    special = _as_list(special_predictors, "special_predictors")
    if special and isinstance(special[0], str):  # a single spec passed without a list
        special = [tuple(special)]
    needed = [unit, time, outcome, *predictors, *(s[0] for s in special if len(s) > 0)]
    missing = [c for c in dict.fromkeys(needed) if c not in data.columns]
    if missing:
        available = ", ".join(data.columns) or _TEXTS.phrase("no_columns")
        en, sv = _TEXTS.both("columns_missing", missing=missing, available=available)
        raise ArgumentError(en, sv=sv)
    if data.get_column(unit).null_count() or data.get_column(time).null_count():
        en, sv = _TEXTS.both("unit_time_missing_values", unit=unit, time=time)
        raise ArgumentError(en, sv=sv)
    for c in dict.fromkeys([outcome, *predictors, *(s[0] for s in special)]):
        if not data.schema[c].is_numeric():
            en, sv = _TEXTS.both("column_not_numeric", column=c, dtype=data.schema[c])
            raise ArgumentError(en, sv=sv)
    data, treatment_time, fit_window, predictor_window = _numeric_time_column(
        data, time, treatment_time, fit_window, predictor_window
    )

    all_units = data.get_column(unit)
    present = set(all_units.unique().to_list())
    if treated not in present:
        raise _unit_not_found(treated, all_units, "treated")
    group_notes: list[PilotbenchWarning] = []
    if donors is None:
        donor_list = sorted(u for u in present if u != treated)
    else:
        donor_list = _expand_groups(_as_list(donors, "donors"), treated, present, group_notes)
        if len(set(donor_list)) != len(donor_list):
            en, sv = _TEXTS.both("donors_repeat")
            raise ArgumentError(en, sv=sv)
        for d in donor_list:
            if d not in present:
                raise _unit_not_found(d, all_units, "donor")
        if treated in donor_list:
            en, sv = _TEXTS.both("treated_is_donor", treated=treated)
            raise ArgumentError(en, sv=sv)
    if not donor_list:
        en, sv = _TEXTS.both("no_donors")
        raise DesignError(en, sv=sv)

    units = [treated, *donor_list]
    wanted = pl.DataFrame({unit: pl.Series(units, dtype=data.schema[unit])})
    frame = data.join(wanted, on=unit, how="semi")
    dup = frame.group_by(unit, time).len().filter(pl.col("len") > 1)
    if dup.height:
        first = dup.row(0)
        en, sv = _TEXTS.both(
            "rows_repeat", unit=unit, time=time, n=dup.height, unit_value=first[0],
            time_value=first[1],
        )  # fmt: skip
        raise DesignError(en, sv=sv)
    times = np.sort(frame.get_column(time).unique().to_numpy())
    pre_times = times[times < treatment_time]
    if pre_times.size == 0:
        en, sv = _TEXTS.both("no_pre_period", treatment_time=treatment_time)
        raise ArgumentError(en, sv=sv)
    if not (times >= treatment_time).any():
        en, sv = _TEXTS.both("no_post_period", treatment_time=treatment_time)
        raise ArgumentError(en, sv=sv)

    fit_window = (
        (_plain(pre_times[0]), _plain(pre_times[-1]))  # plain numbers: they appear in messages
        if fit_window is None
        else _check_window(fit_window, "fit_window", treatment_time, times)
    )
    if predictor_window is not None:
        predictor_window = _check_window(
            predictor_window, "predictor_window", treatment_time, times
        )

    unit_index = pl.DataFrame(
        {unit: pl.Series(units, dtype=data.schema[unit]), "_u": np.arange(len(units))}
    )
    time_index = pl.DataFrame(
        {time: pl.Series(times, dtype=data.schema[time]), "_t": np.arange(times.size)}
    )
    frame = frame.join(unit_index, on=unit).join(time_index, on=time)
    n_times, n_units = times.size, len(units)

    y = _matrix(frame, outcome, n_times, n_units)
    fit_mask = (times >= fit_window[0]) & (times <= fit_window[1])
    z = y[fit_mask]
    holes = np.argwhere(np.isnan(z))
    if holes.size:
        listed = [
            _TEXTS.phrase("missing_example", unit=units[j], time=times[fit_mask][i])
            for i, j in holes[:5].tolist()
        ]
        examples = Both(", ".join(x.en for x in listed), ", ".join(x.sv for x in listed))
        en, sv = _TEXTS.both(
            "outcome_missing_in_fit", outcome=outcome, first=fit_window[0], last=fit_window[1],
            n=len(holes), examples=examples,
        )  # fmt: skip
        raise DesignError(en, sv=sv)

    rows: list[NDArray[np.float64]] = []
    names: list[str] = []
    cache: dict[str, NDArray[np.float64]] = {}
    used = fit_mask.copy()

    def add(column: str, mask: NDArray[np.bool_], name: str) -> None:
        if column not in cache:
            cache[column] = _matrix(frame, column, n_times, n_units)
        used[mask] = True
        block = cache[column][mask]
        counts = np.sum(~np.isnan(block), axis=0)
        if (counts == 0).any():
            bad = [units[j] for j in np.flatnonzero(counts == 0)[:5]]
            en, sv = _TEXTS.both("predictor_not_observed", name=name, units=bad)
            raise ArgumentError(en, sv=sv)
        rows.append(np.nansum(block, axis=0) / counts)  # mean over available, as R Synth
        names.append(name)

    if predictors:
        pmask = (
            times < treatment_time
            if predictor_window is None
            else (times >= predictor_window[0]) & (times <= predictor_window[1])
        )
        for c in predictors:
            add(c, pmask, c)
    for spec in special:
        column, mask, name = _parse_special(spec, treatment_time, times)
        add(column, mask, name)
    notes: list[PilotbenchWarning] = list(group_notes)
    if not rows:
        for t in times[fit_mask]:
            add(outcome, times == t, f"{outcome} ({t})")
        notes.append(
            OutcomePredictorsWarning(
                "no predictors were given: the outcome in each period of the fit window is used"
            )
        )
        n_fit = int(fit_mask.sum())
        overfit = ident.overfit_note(len(donor_list), n_fit, False)
        if overfit is not None:
            notes.append(OverfitWarning(overfit, n_donors=len(donor_list), n_periods=n_fit))
    if len(set(names)) != len(names):
        en, sv = _TEXTS.both("predictor_names_repeat", names=names)
        raise ArgumentError(en, sv=sv)

    return _Design(
        units=units,
        unit_dtype=data.schema[unit],
        time_dtype=data.schema[time],
        times=times,
        predictor_names=names,
        x=np.vstack(rows),
        z=z,
        y=y,
        fit_times=times[fit_mask],
        treatment_time=treatment_time,
        treated_index=0,
        donor_index=np.arange(1, n_units),
        fit_window=fit_window,
        predictor_window=predictor_window,
        first_used=times[used][0],
        notes=notes,
    )


# --------------------------------------------------------------------------------------------
# The nested optimisation
# --------------------------------------------------------------------------------------------


class _Outer:
    """Pre-period MSPE as a function of V, with its exact gradient."""

    def __init__(
        self, d: NDArray[np.float64], z1: NDArray[np.float64], z0: NDArray[np.float64]
    ) -> None:
        self.d = d  # (k, J) scaled predictors of the donors minus those of the treated unit
        self.d2 = d * d
        self.dt = np.ascontiguousarray(d.T)
        self.z1 = z1
        self.z0 = z0
        self.k = d.shape[0]
        self.t = z1.size
        self.support: NDArray[np.bool_] | None = None
        self.idx: NDArray[np.intp] | None = None  # support of the last solution
        self._ones = np.ones(d.shape[1])
        self._kkt_tol = 1e-13 * d.shape[1]  # dual above which a support is not optimal
        # Per support: D_P, D_P' (contiguous) and Z_0P, reused across the many evaluations
        # of loss_grad that share a support (the fancy-index copies cost as much as the maths).
        self._mats: dict[bytes, tuple[NDArray[np.float64], ...]] = {}
        self.w_bound = np.zeros(d.shape[1])  # the outcome-optimal W, set by the caller

    def weights(
        self, v: NDArray[np.float64], warm: bool = True, try_start: bool = True
    ) -> NDArray[np.float64]:
        c = np.sqrt(v)[:, None] * self.d
        w, support = _simplex_ls(
            c,
            self.support if warm else None,
            norm2=float((v @ self.d2).max()),
            try_start=try_start,
        )
        self.support = support
        return w

    def loss(self, w: NDArray[np.float64]) -> float:
        e = self.z1 - self.z0 @ w
        return float(e @ e) / self.t

    def best_tied(self, v: NDArray[np.float64], w: NDArray[np.float64]) -> NDArray[np.float64]:
        """Among the inner solutions at V tied with ``w``, the one with the lowest outer loss.

        The inner problem fixes ``C W`` (``C = V^{1/2} D``, the objective is strictly
        convex in it) but not always ``W``: when V gives some predictors zero weight, or the
        treated unit's predictors lie inside the donors' hull, many W are tied. They are the
        non-negative W with the same weighted predictors and sum one, supported on the
        donors whose reduced cost is zero; of those, the one fitting the pre-period outcome
        best is returned, as Becker & Klößner (2018) define ``W(V)``. ``w`` is returned when
        it is the only inner solution.
        """
        pos = v > 0.0
        c = np.sqrt(v[pos])[:, None] * self.d[pos]
        norm2 = float((c * c).sum(axis=0).max())
        r = c @ w
        if float(r @ r) <= 1e-20 * norm2:  # a perfect fit: every W matching it is tied
            tied = np.ones(self.d.shape[1], dtype=bool)
        else:
            grad = c.T @ r
            reduced = grad - float(w @ grad)
            tied = reduced <= 1e-9 * float(np.max(np.abs(grad)))
        tied |= w > 0.0
        wb = self.w_bound
        if float(np.max(np.abs(c @ wb - r))) <= 1e-12 * np.sqrt(norm2):
            return wb  # the outcome-optimal W is tied: nothing fits the outcome better
        idx = tied.nonzero()[0]
        a = c[:, idx]
        # The tied set is the single point w when [A; 1'] has no null space; with more
        # columns than rows it always has one, and no decomposition is needed to say so.
        if idx.size == 1 or (
            idx.size <= a.shape[0] + 1
            and _null_space(np.vstack([a, np.ones(idx.size)])).shape[1] == 0
        ):
            return w
        w_new = np.zeros_like(w)
        # Start from the donors of w and those of the outcome-optimal W: the tie-break
        # moves w towards the latter, and the inner solves then add fewer donors one by one.
        w_new[idx] = tied_least_squares(
            self.z0[:, idx], self.z1, a, w[idx], start=(w[idx] > 0.0) | (wb[idx] > 0.0)
        )
        return w_new if self.loss(w_new) <= self.loss(w) else w

    def solve(
        self, v: NDArray[np.float64], near: NDArray[np.intp] | None = None
    ) -> NDArray[np.float64]:
        """``W(V)``: the inner solution with the lowest outer loss among tied ones.

        ``near`` is a support to start the inner solve from (a guess that changes the
        speed, not the inner optimum ``C W``; ties are then broken by :meth:`best_tied`).
        """
        if near is None:
            return self.best_tied(v, self.weights(v, warm=False))
        self.support = np.zeros(self.d.shape[1], dtype=bool)
        self.support[near] = True
        return self.best_tied(v, self.weights(v))

    def _on_support(
        self, v: NDArray[np.float64], idx: NDArray[np.intp], with_dual: bool = True
    ) -> tuple[Any, float, Any, NDArray[np.float64], int, NDArray[np.float64] | None]:
        """The normalised inner KKT system on the support ``idx`` (see :meth:`loss_grad`).

        Returns ``D_P``, the scale ``s``, the Cholesky factor of ``G``, ``z``, LAPACK's
        ``info`` and, when ``z > 0`` (and ``with_dual``), the duals of all donors (zero on the
        support): the support is optimal when none exceeds ``_kkt_tol``.
        """
        dp, _, _, outer, sq = self._support_mats(idx)
        p = idx.size
        # M = D_P' V D_P as one product with the stored outer products of D_P's rows, and
        # its trace as V times the rows' squared norms: two small calls instead of four.
        m = (v @ outer).reshape(p, p)
        scale = p / max(float(v @ sq), 1e-300)
        m *= scale
        m += 1.0
        chol, z, info = _dposv(m, self._ones[:p], overwrite_a=1)
        dual = None
        # min/max of short vectors through Python lists: exact, and a few microseconds
        # cheaper than numpy's reductions on these tiny arrays (thousands of calls per fit).
        if with_dual and info == 0 and min(z.tolist()) > 0.0:
            q = dp @ z
            q *= v
            dual = self.dt @ q
            dual *= -scale
            dual += 1.0 - z.sum()
            dual[idx] = 0.0
        return dp, scale, chol, z, info, dual

    def _support_mats(self, idx: NDArray[np.intp]) -> tuple[NDArray[np.float64], ...]:
        key = idx.tobytes()
        mats = self._mats.get(key)
        if mats is None:
            dp = self.d[:, idx]
            outer = (dp[:, :, None] * dp[:, None, :]).reshape(self.k, -1)
            mats = (dp, np.ascontiguousarray(dp.T), self.z0[:, idx], outer, (dp * dp).sum(axis=1))
            if len(self._mats) >= 1024:
                self._mats.clear()
            self._mats[key] = mats
        return mats

    def loss_grad(self, v: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        """Loss at V and its gradient in V (V need not sum to one here); see :meth:`loss_lazy`."""
        loss, grad = self.loss_lazy(v)
        return loss, grad()

    def loss_lazy(self, v: NDArray[np.float64]) -> tuple[float, Callable[[], NDArray[np.float64]]]:
        """Loss at V and a function computing its gradient in V (V need not sum to one).

        The gradient is computed only when asked for: a line search needs it only at the
        steps it accepts (about a third of the trial steps are rejected).

        On the support P of W, with M = D_P' V D_P, the inner KKT conditions read
        ``M w + lam 1 = 0, 1'w = 1``; in the normalised form used by the active-set solver,
        ``G z = 1`` with ``G = s M + 11'`` and ``w = z / 1'z``. Differentiating the KKT system
        and solving it once for the adjoint (K is symmetric) gives
        ``dL/dv_m = (2/T) r_m (D_P alpha)_m`` with ``r = D_P w`` and ``alpha`` solving
        ``M alpha + mu 1 = Z_P'e, 1'alpha = 0``; via G, ``alpha = s (u - mu' z)`` with
        ``u = G^-1 Z_P'e``.
        """
        idx = self.idx
        found = False
        if idx is not None:
            # Fast path: the previous support is still optimal if its unconstrained solution
            # is positive and no other weight has a positive dual (Lawson-Hanson's exit test).
            dp, scale, chol, z, info, dual = self._on_support(v, idx)
            found = dual is not None and max(dual.tolist()) <= self._kkt_tol
            # Between nearby V the support usually gains or loses donors at its edge: a few
            # times, try the support with the donor of largest dual added, or with the
            # donors of non-positive weight dropped, under the same exit test.
            trial = idx
            for _ in range(_NEIGHBOUR_STEPS):
                if found or info != 0:
                    break
                if dual is not None:
                    j = int(dual.argmax())
                    at = int(np.searchsorted(trial, j))
                    trial = np.concatenate((trial[:at], (j,), trial[at:]))
                else:
                    trial = trial[z > 0.0]
                    if not trial.size:
                        break
                dp, scale, chol, z, info, dual = self._on_support(v, trial)
                found = dual is not None and max(dual.tolist()) <= self._kkt_tol
            if found:
                self.idx = trial
        if found:
            idx = self.idx
        else:
            if idx is not None:
                self.support = np.zeros(self.d.shape[1], dtype=bool)
                self.support[idx] = True
            w = self.weights(v, try_start=False)
            idx = w.nonzero()[0]
            self.idx = idx
            dp, scale, chol, z, info, _ = self._on_support(v, idx, with_dual=False)
            if info != 0 or not min(z.tolist()) > 0.0:
                loss, grad_kkt = self._loss_grad_kkt(v, idx, w[idx])
                return loss, lambda: grad_kkt
        zsum = z.sum()
        wp = z / zsum
        z0p = self._support_mats(idx)[2]
        e = self.z1 - z0p @ wp
        loss = float(e @ e) / self.t
        if idx.size == 1:
            return loss, lambda: np.zeros(self.k)

        def grad() -> NDArray[np.float64]:
            u, _ = _dpotrs(chol, e @ z0p)
            u -= (u.sum() / zsum) * z
            g = dp @ wp
            g *= dp @ u
            g *= (2.0 / self.t) * scale
            return g

        return loss, grad

    def _loss_grad_kkt(
        self, v: NDArray[np.float64], idx: NDArray[np.intp], wp: NDArray[np.float64]
    ) -> tuple[float, NDArray[np.float64]]:
        """Same as :meth:`loss_grad` through the bordered KKT matrix (degenerate cases)."""
        z0p = self.z0[:, idx]
        e = self.z1 - z0p @ wp
        loss = float(e @ e) / self.t
        p = idx.size
        if p == 1:
            return loss, np.zeros(self.k)
        dp = self.d[:, idx]
        kkt = np.zeros((p + 1, p + 1))
        kkt[:p, :p] = dp.T @ (v[:, None] * dp)
        kkt[:p, p] = 1.0
        kkt[p, :p] = 1.0
        rhs = np.zeros(p + 1)
        rhs[:p] = z0p.T @ e
        alpha = np.linalg.lstsq(kkt, rhs, rcond=None)[0][:p]
        return loss, (2.0 / self.t) * (dp @ wp) * (dp @ alpha)


class _BFGS:
    """BFGS with Armijo backtracking, resumable (for a multi-start race).

    A small dedicated quasi-Newton loop: SciPy's L-BFGS-B pays milliseconds of overhead per
    call on some BLAS set-ups, far more than one evaluation of the loss here. The loss is
    piecewise smooth (its pieces are the supports of W), which backtracking copes with.
    ``fun(x)`` returns the value and a function computing the gradient, which is called only
    for steps the Armijo test accepts. :meth:`advance` stops early when the gradient
    vanishes, the relative decrease over the last ``window`` iterations is below ``rtol``, or
    the line search fails; then ``done``.
    """

    def __init__(
        self, fun: Any, x0: NDArray[np.float64], *, rtol: float = 1e-6, window: int = 5
    ) -> None:
        self.fun = fun
        self.x = np.array(x0, dtype=float)
        self.f, grad = fun(self.x)
        self.g = grad()
        self.h = np.eye(self.x.size)
        self.history = [self.f]
        self.rtol = rtol
        self.window = window
        self.done = False
        self.iterations = 0
        self.state: Any = None  # the caller's warm-start state for this run

    def advance(self, n_iter: int) -> None:
        n = self.x.size
        x, f, g, h = self.x, self.f, self.g, self.h
        for _ in range(n_iter):
            p = -(h @ g)
            slope = float(g @ p)
            if not slope < 0.0:  # not a descent direction: restart from steepest descent
                h = np.eye(n)
                p = -g
                slope = -float(g @ g)
            if slope > -1e-30:
                self.done = True
                break
            step = min(1.0, 5.0 / max(abs(p).tolist()))  # at most 5 on the log scale
            while True:
                x_new = x + step * p
                f_new, grad = self.fun(x_new)
                if f_new <= f + 1e-4 * step * slope:
                    g_new = grad()
                    if all(map(math.isfinite, g_new.tolist())):
                        break
                # Backtrack to the minimiser of the quadratic through f, the slope and
                # f_new, kept within [0.1, 0.5] of the step (Nocedal & Wright, sec. 3.5).
                curv = f_new - f - slope * step
                if np.isfinite(f_new) and curv > 0.0:
                    step = min(0.5 * step, max(0.1 * step, -slope * step * step / (2.0 * curv)))
                else:
                    step *= 0.5
                if step < 1e-12:
                    self.done = True
                    break
            if self.done:
                break
            s = x_new - x
            y = g_new - g
            sy = float(s @ y)
            if sy > 1e-12 * math.sqrt(float(s @ s) * float(y @ y)):
                if self.iterations == 0:
                    h = np.eye(n) * (sy / float(y @ y))
                hy = h @ y
                hys = hy[:, None] * s  # np.outer(hy, s); its transpose is np.outer(s, hy)
                h = h + (sy + float(y @ hy)) / sy**2 * (s[:, None] * s) - (hys + hys.T) / sy
            self.iterations += 1
            self.history.append(f_new)
            x, f, g = x_new, f_new, g_new
            w = self.window
            if len(self.history) > w and self.history[-w - 1] - f <= self.rtol * abs(f):
                self.done = True
                break
        self.x, self.f, self.g, self.h = x, f, g, h


def _softmax(theta: NDArray[np.float64]) -> NDArray[np.float64]:
    e = np.exp(theta - max(theta.tolist()))
    return e / e.sum()


def _regression_v(xs: NDArray[np.float64], z: NDArray[np.float64]) -> NDArray[np.float64]:
    """R Synth's regression-based V: squared coefficients of outcomes on scaled predictors.

    Each fit-window outcome is regressed (OLS with intercept, across the treated unit and the
    donors) on the scaled predictors; ``v_m`` is the sum over periods of the squared
    coefficient of predictor ``m``, normalised to sum to one. This is the second starting
    value of R Synth's ``synth()`` (Abadie, Diamond & Hainmueller 2011). When there are fewer
    units than predictors + 1 the minimum-norm least-squares solution is used.
    """
    design = np.column_stack([np.ones(xs.shape[1]), xs.T])
    beta = np.linalg.lstsq(design, z.T, rcond=None)[0][1:]
    v = np.sum(beta * beta, axis=1)
    total = v.sum()
    if not np.isfinite(total) or total <= 0.0:
        return np.full(xs.shape[0], 1.0 / xs.shape[0])
    return v / total


def _attaining_v(problem: _Outer, w_target: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """A V for which ``w_target`` satisfies the inner KKT conditions, if one exists.

    The inner gradient at a fixed W is linear in V, so the question is a linear programme
    (Becker & Klößner 2018): find v >= 0, sum v = 1, mu with g_j(v) = mu on the support and
    g_j(v) >= mu + delta elsewhere, maximising the margin delta (capped at 1).
    """
    support = w_target > 0.0
    g = problem.d.T * (problem.d @ w_target)  # (J, k): g(v) = g @ v, up to a factor 2
    k = problem.k
    # variables: v (k), mu, delta ; maximise delta
    cost = np.zeros(k + 2)
    cost[-1] = -1.0
    on, off = g[support], g[~support]
    a_eq = np.zeros((1 + on.shape[0], k + 2))
    a_eq[0, :k] = 1.0  # sum v = 1
    a_eq[1:, :k] = on  # g_j(v) - mu = 0 on the support
    a_eq[1:, k] = -1.0
    b_eq = np.zeros(a_eq.shape[0])
    b_eq[0] = 1.0
    if a_eq.shape[0] > k + 1:
        # More equalities than v and mu can meet in general (a support larger than the
        # number of predictors): when even v of any sign leaves them unmet by far more than
        # the solver's feasibility tolerance (1e-7), the programme has no solution, and
        # SciPy's linprog (2 ms, mostly its wrapper) need not say so.
        rows = a_eq[:, : k + 1]
        x = np.linalg.lstsq(rows, b_eq, rcond=None)[0]
        r = rows @ x - b_eq
        if float(np.sqrt(r @ r / r.size)) > _LP_INFEASIBLE * max(1.0, float(np.abs(on).max())):
            return None
    a_ub = np.ones((off.shape[0], k + 2))  # mu + delta - g_j(v) <= 0 elsewhere
    a_ub[:, :k] = -off
    res = linprog(
        cost,
        A_ub=a_ub if off.shape[0] else None,
        b_ub=np.zeros(off.shape[0]) if off.shape[0] else None,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=[(0.0, None)] * k + [(None, None), (None, 1.0)],
        method="highs",
    )
    if res.status != 0 or res.x[-1] < 0.0:
        return None
    v = np.clip(res.x[:k], 0.0, None)
    return v / v.sum() if v.sum() > 0 else None


def _nested_v(
    problem: _Outer,
    bound: float,
    xs1: NDArray[np.float64],
    xs0: NDArray[np.float64],
    n_random_starts: int,
    seed: int,
    starts: list[tuple[str, float]],
    names: Sequence[str],
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """V minimising the outer loss, its W and that loss; ``starts`` gets one row per start.

    Candidates, each scored by the W it ends on (:meth:`_Outer.solve`, ties broken by the
    outer loss): the V attaining the outcome-optimal W when a linear programme finds one
    (then no V can do better); each corner (all weight on one predictor), where the tie
    breaking matters most; then a race of BFGS runs from equal, regression-based and
    ``n_random_starts`` random Dirichlet starts, each ended V also tried with its entries
    below ``_SNAP`` of the largest set to zero (the corner or face the run was heading for).
    """
    k = problem.k
    z1 = problem.z1
    best: tuple[NDArray[np.float64], NDArray[np.float64], float] | None = None
    # Losses below `tiny` count as a perfect fit; the objective is scaled to be about 1.
    tiny = 1e-13 * max(float(np.mean(z1 * z1)), 1e-300)
    equal = np.full(k, 1.0 / k)
    scale = max(bound, problem.loss(problem.weights(equal, False)) * 1e-6, tiny)
    reached = bound * (1.0 + 1e-10) + tiny

    def consider(
        name: str,
        v: NDArray[np.float64],
        w: NDArray[np.float64] | None = None,
        near: NDArray[np.intp] | None = None,
    ) -> float:
        nonlocal best
        w = problem.solve(v, near) if w is None else problem.best_tied(v, w)
        loss = problem.loss(w)
        if best is None or loss < best[2]:
            best = (v, w, loss)
        return loss

    target_v = _attaining_v(problem, problem.w_bound)
    if target_v is not None:
        starts.append(("outcome-optimal W", consider("outcome-optimal W", target_v)))
    if best is None or best[2] > reached:
        for m in range(k):
            corner = np.zeros(k)
            corner[m] = 1.0
            starts.append((f"only {names[m]}", consider("corner", corner)))

    def fun(theta: NDArray[np.float64]) -> tuple[float, Callable[[], NDArray[np.float64]]]:
        v = _softmax(theta)
        loss, grad_v = problem.loss_lazy(v)

        def grad() -> NDArray[np.float64]:
            g = grad_v()
            return v * (g - v @ g) / scale

        return loss / scale, grad

    rng = random_generator(seed)
    candidates = [
        ("equal", equal),
        (
            "regression",
            _regression_v(np.column_stack([xs1, xs0]), np.column_stack([z1, problem.z0])),
        ),
    ]
    candidates += [(f"random {i + 1}", rng.dirichlet(np.ones(k))) for i in range(n_random_starts)]
    # A race: every start gets a short burst of iterations, the most promising ones are then
    # run to convergence.
    runs: list[tuple[str, _BFGS]] = []
    for name, v0 in candidates:
        if best is not None and best[2] <= reached:
            break  # global optimum reached: no V can do better
        # Each run starts its inner solves from the support the previous run (or corner)
        # ended on: a guess that changes the speed, never the inner optimum.
        run = _BFGS(fun, np.log(np.maximum(v0, 1e-12)))
        run.advance(_BURST)
        run.state = problem.idx
        runs.append((name, run))
    runs.sort(key=lambda item: item[1].f)
    for _, run in runs[:_FINALISTS]:
        if not run.done:
            problem.idx, problem.support = run.state, None
            run.advance(_MAX_ITER)
            run.state = problem.idx
    for name, run in runs:
        # Each end point is solved from the support its run last saw (a warm start).
        v = _softmax(run.x)
        loss = consider(name, v, near=run.state)
        snapped = np.where(v < _SNAP * v.max(), 0.0, v)
        if (snapped < v).any():
            loss = min(loss, consider(name, snapped / snapped.sum(), near=run.state))
        starts.append((name, loss))
    assert best is not None
    starts.sort(key=lambda item: item[1])
    return best


@dataclass
class _Fit:
    w: NDArray[np.float64]  # over the donors of this fit
    v: NDArray[np.float64]
    loss_v: float
    loss_w: float
    loss_bound: float
    starts: list[tuple[str, float]]
    synthetic: NDArray[np.float64]  # (T,)
    treated_y: NDArray[np.float64]  # (T,)
    treated_index: int
    donor_index: NDArray[np.int64]
    x1: NDArray[np.float64]
    x0: NDArray[np.float64]
    loss_validation: float = math.nan  # v_method="cross_validation": the V's validation loss


def _fit(
    design: _Design,
    treated_index: int,
    donor_index: NDArray[np.int64],
    *,
    v_method: str,
    n_random_starts: int,
    seed: int,
    custom_v: NDArray[np.float64] | None = None,
    cv_design: _Design | None = None,
) -> _Fit:
    if v_method == "cross_validation" and custom_v is None:
        # Abadie, Diamond & Hainmueller (2015): V chosen on the training design (predictors
        # of an earlier window, outcome fit over the validation window), then W with that V.
        if cv_design is None:  # pragma: no cover - synthetic_control always builds it
            en, sv = _TEXTS.both("cv_needs_training_design")
            raise ArgumentError(en, sv=sv)
        training = _fit(
            cv_design,
            treated_index,
            donor_index,
            v_method="nested",
            n_random_starts=n_random_starts,
            seed=seed,
        )
        fit = _fit(
            design,
            treated_index,
            donor_index,
            v_method="nested",
            n_random_starts=n_random_starts,
            seed=seed,
            custom_v=training.v,
        )
        fit.starts = [(f"training: {name}", loss) for name, loss in training.starts]
        fit.loss_validation = training.loss_v
        return fit
    x1 = design.x[:, treated_index]
    x0 = design.x[:, donor_index]
    sd = np.std(np.column_stack([x1, x0]), axis=1, ddof=1)
    sd[~(sd > 0.0)] = 1.0  # a constant predictor carries no information; leave it unscaled
    xs1, xs0 = x1 / sd, x0 / sd[:, None]
    z1 = design.z[:, treated_index]
    z0 = design.z[:, donor_index]
    problem = _Outer(xs0 - xs1[:, None], z1, z0)
    k = problem.k

    # The best pre-period fit any W can give: a lower bound of the loss over V.
    w_bound, _ = _simplex_ls(z0 - z1[:, None], None)
    problem.w_bound = w_bound
    bound = problem.loss(w_bound)

    equal = np.full(k, 1.0 / k)
    starts: list[tuple[str, float]] = []
    if custom_v is not None:
        best_v = custom_v
    elif v_method == "equal" or k == 1:
        best_v = equal
    elif v_method == "regression":
        best_v = _regression_v(np.column_stack([xs1, xs0]), np.column_stack([z1, z0]))
    else:
        best_v, best_w, _ = _nested_v(
            problem, bound, xs1, xs0, n_random_starts, seed, starts, design.predictor_names
        )
    if custom_v is not None or v_method != "nested" or k == 1:
        best_w = problem.solve(best_v)
    w = best_w
    loss_v = problem.loss(w)
    resid = xs1 - xs0 @ w
    loss_w = float(resid @ (best_v * resid))
    positive = np.flatnonzero(w)
    synthetic = design.y[:, donor_index[positive]] @ w[positive]
    return _Fit(
        w=w,
        v=best_v,
        loss_v=loss_v,
        loss_w=loss_w,
        loss_bound=bound,
        starts=starts,
        synthetic=synthetic,
        treated_y=design.y[:, treated_index],
        treated_index=treated_index,
        donor_index=donor_index,
        x1=x1,
        x0=x0,
    )


def _placebo_gap(design: _Design, j: int, options: dict[str, Any]) -> NDArray[np.float64]:
    """The gap of donor ``j`` fitted as if treated, with the other donors as its pool."""
    others = design.donor_index[design.donor_index != j]
    fit = _fit(design, j, others, **options)
    return fit.treated_y - fit.synthetic


def _next_placebo(counter: Any, n: int) -> int | None:
    """The next unclaimed position in the list of placebo fits (shared by the processes)."""
    with counter.get_lock():
        i = int(counter.value)
        counter.value = i + 1
    return i if i < n else None


def _placebo_worker(
    conn: Any, counter: Any, design: _Design, units: list[int], options: dict[str, Any]
) -> None:
    """Child process of :func:`_placebo_gaps`: numpy-only fits, sent back through ``conn``."""
    done: dict[int, NDArray[np.float64]] = {}
    try:
        while (i := _next_placebo(counter, len(units))) is not None:
            done[units[i]] = _placebo_gap(design, units[i], options)
    except BaseException:  # the parent refits what is missing and raises there
        pass
    finally:
        conn.send(done)
        conn.close()


def _placebo_gaps(design: _Design, options: dict[str, Any]) -> dict[int, NDArray[np.float64]]:
    """Every donor's placebo gap; the fits are shared with one forked child process.

    The fits are independent and deterministic, so sharing them changes no number. The
    child is forked (no interpreter start-up or imports to pay) and runs only numpy/scipy
    code, never polars, whose thread pool is what makes fork unsafe. Both processes take the
    next unclaimed fit from a shared counter, so neither waits while the other has work.
    Elsewhere than on Linux, on one CPU, inside a daemonic process or for fewer than
    ``_PARALLEL_MIN`` fits, the fits run here, one after the other; fits a failed child did
    not return are redone here, so any error is raised here.
    """
    units = [int(j) for j in design.donor_index]
    gaps: dict[int, NDArray[np.float64]] = {}
    proc = conn = None
    # Linux only: on macOS, fork is unsafe with the system's frameworks (Python's default
    # start method there is spawn, whose interpreter start-up costs more than it saves).
    linux = sys.platform.startswith("linux")
    ctx = mp.get_context("fork") if linux and "fork" in mp.get_all_start_methods() else None
    counter: Any = None
    if (
        ctx is not None
        and len(units) >= _PARALLEL_MIN
        and (os.cpu_count() or 1) >= 2
        and not mp.current_process().daemon
    ):
        counter = ctx.Value("i", 0)
        conn, child_conn = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=_placebo_worker,
            args=(child_conn, counter, design, units, options),
            daemon=True,
        )
        try:
            proc.start()
        except (OSError, AssertionError):  # no process could be started: do it all here
            proc = None
        child_conn.close()
    received: dict[int, NDArray[np.float64]] | None = None
    try:
        if proc is not None:
            while (i := _next_placebo(counter, len(units))) is not None:
                gaps[units[i]] = _placebo_gap(design, units[i], options)
            try:
                received = conn.recv() if conn is not None else None
            except (EOFError, OSError):  # the child died: its fits are redone below
                received = None
    finally:
        if proc is not None and conn is not None:
            if received is None:
                proc.kill()
            proc.join()
            conn.close()
    gaps.update(received or {})
    for j in units:
        if j not in gaps:
            gaps[j] = _placebo_gap(design, j, options)
    return {j: gaps[j] for j in units}


def _rmspe(gap: NDArray[np.float64], mask: NDArray[np.bool_]) -> float:
    g = gap[mask]
    g = g[~np.isnan(g)]
    return float(np.sqrt(np.mean(g * g))) if g.size else math.nan


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass
class PlaceboResult(ResultDisplay):
    """Placebo-in-space inference (Abadie, Diamond & Hainmueller 2010).

    Attributes
    ----------
    p_value
        ``(number of included units whose post/pre RMSPE ratio is at least the treated
        unit's) / (number of included units)``, counting the treated unit itself, so at least
        ``1 / (J + 1)``.
    ratios
        One row per unit: ``unit``, ``pre_rmspe``, ``post_rmspe``, ``ratio`` (post/pre),
        ``pre_mspe_ratio`` (pre-period MSPE relative to the treated unit's), ``att`` (mean
        post-period gap), ``is_treated``, ``included`` (kept after the exclusion rule) and
        ``rank`` (1 = largest ratio among the included units).
    gaps
        Long frame of every unit's gap: ``unit``, ``time``, ``gap``, ``is_treated``.
    exclude_ratio
        The exclusion factor used (``None``: no placebo excluded).
    n_included
        Number of units in the reference distribution, the treated unit included.
    warnings
        Caveats, e.g. units whose pre-treatment fit is (almost) exact: their pre-RMSPE is
        floored at 0.1 times the median over units of the RMS period-to-period change of the
        outcome before treatment, before the ratio is taken; or too few units for the
        p-value to reach ``alpha`` (:class:`~research.core.warnings.FewPlacebosWarning`).
    alpha
        The significance level the smallest attainable p-value was compared with.
    """

    p_value: float
    ratios: pl.DataFrame
    gaps: pl.DataFrame
    exclude_ratio: float | None
    n_included: int
    warnings: list[PilotbenchWarning] = field(default_factory=list)
    alpha: float = 0.05

    def _display_title(self) -> str:
        return "Placebo-in-space test"

    def _display_rows(self) -> list[tuple[str, object]]:
        return [
            ("p-value", self.p_value),
            ("units in the reference distribution", self.n_included),
            (
                "exclusion (pre-MSPE ratio)",
                "none" if self.exclude_ratio is None else self.exclude_ratio,
            ),
        ]

    def _display_frame(self) -> pl.DataFrame:
        return (
            self.ratios.filter(pl.col("included"))
            .sort("rank")
            .select("rank", "unit", "pre_rmspe", "post_rmspe", "ratio", "att")
        )

    def _display_note(self) -> str | None:
        return " ".join(str(w) for w in self.warnings) or None

    def to_frame(self) -> pl.DataFrame:
        """The per-unit table (a copy of :attr:`ratios`)."""
        return self.ratios.clone()

    def plot(self) -> Any:
        """Every included unit's gap over time, the treated unit last (a matplotlib Figure)."""
        included = set(self.ratios.filter(pl.col("included"))["unit"].to_list())
        gaps = self.gaps.filter(pl.col("unit").is_in(list(included)))
        lines = []
        for (unit, treated), part in gaps.group_by(["unit", "is_treated"], maintain_order=True):
            lines.append((treated, f"{unit}", part.sort("time")))
        lines.sort(key=lambda item: item[0])
        times = self.gaps["time"].unique().sort().to_numpy()
        fig = line_figure(
            times,
            [],
            labels=(f"Placebo gaps, p = {self.p_value:.3g}", "time", "gap (treated - synthetic)"),
            hline=0.0,
        )
        ax = fig.axes[0]
        for treated, unit, part in lines:
            style = {"color": "black", "lw": 2} if treated else {"color": "0.75", "lw": 0.8}
            ax.plot(part["time"].to_numpy(), part["gap"].to_numpy(), label=unit, **style)
        return fig


@dataclass
class LeaveOneOutResult:
    """Refits leaving out, in turn, each donor with positive weight.

    Attributes
    ----------
    summary
        One row per dropped donor: ``dropped_unit``, ``dropped_weight``, ``pre_rmspe``,
        ``post_rmspe``, ``att``, ``loss_v``.
    gaps
        Long frame: ``dropped_unit``, ``time``, ``synthetic``, ``gap``.
    fits
        The full result of each refit, keyed by the dropped donor.
    """

    summary: pl.DataFrame
    gaps: pl.DataFrame
    fits: dict[Any, SyntheticControlResult]


@dataclass
class SyntheticControlResult(ResultDisplay):
    """A fitted synthetic control; see :func:`synthetic_control`.

    Attributes
    ----------
    weights
        Donor weights ``W``: columns ``unit``, ``weight``; largest first.
    v
        Predictor weights ``V``: columns ``predictor``, ``weight`` (sum 1; they apply to the
        predictors scaled by their standard deviation).
    balance
        ``predictor``, ``treated``, ``synthetic`` (``X0 W``) and ``donor_mean``, unscaled.
    gap
        ``time``, ``treated``, ``synthetic``, ``gap`` (treated - synthetic) in every period.
    pre_rmspe, post_rmspe
        Root mean squared gap before / from ``treatment_time``.
    att
        Mean gap over the post-treatment periods.
    loss_v
        Mean squared pre-treatment gap over the fit window, the quantity minimised over V.
    loss_w
        The inner loss ``(X1 - X0 W)' V (X1 - X0 W)`` on the scaled predictors.
    loss_bound
        The smallest fit-window MSPE any donor weights can reach: ``loss_v`` can't be lower.
    starts
        For ``v_method="nested"``: each start (``start``) and the fit-window MSPE of the W it
        ended on (``loss_v``; ties among inner solutions broken by that loss), best first;
        the first row is the result's ``loss_v``. For ``"cross_validation"``: the same for
        the training search, with validation-window losses.
    loss_validation
        For ``v_method="cross_validation"``: the validation-window MSPE of the training fit
        whose V is used (NaN otherwise).
    warnings
        Messages about the data or the fit that a reader of the result must see. Typed
        conditions are :class:`~research.core.errors.PilotbenchWarning` objects (``str(w)``
        is the English message, ``w.code`` a stable id, ``w.values`` its numbers).
    """

    treated: Any
    treatment_time: Any
    donors: list[Any]
    weights: pl.DataFrame
    v: pl.DataFrame
    balance: pl.DataFrame
    gap: pl.DataFrame
    pre_rmspe: float
    post_rmspe: float
    att: float
    loss_v: float
    loss_w: float
    loss_bound: float
    v_method: str
    starts: pl.DataFrame
    warnings: list[PilotbenchWarning]
    _design: _Design = field(repr=False)
    _options: dict[str, Any] = field(repr=False)
    _spec: dict[str, Any] = field(repr=False)
    _base_warnings: list[PilotbenchWarning] = field(repr=False)
    _placebo_gaps: dict[int, NDArray[np.float64]] | None = field(default=None, repr=False)
    loss_validation: float = math.nan

    def _display_title(self) -> str:
        return f"Synthetic control: {self.treated}, treated from {self.treatment_time}"

    def _display_rows(self) -> list[tuple[str, object]]:
        ratio = self.post_rmspe / self.pre_rmspe if self.pre_rmspe > 0 else math.nan
        return [
            ("ATT (mean post-period gap)", self.att),
            ("pre-treatment RMSPE", self.pre_rmspe),
            ("post-treatment RMSPE", self.post_rmspe),
            ("post/pre RMSPE ratio", ratio),
            ("fit-window MSPE (loss V)", self.loss_v),
            (
                "donors (with weight)",
                f"{len(self.donors)} ({int((self.weights['weight'] > 0).sum())})",
            ),
            ("V method", self.v_method),
        ]

    def _display_frame(self) -> pl.DataFrame:
        return self.weights.filter(pl.col("weight") > 0)

    def _display_note(self) -> str | None:
        return " ".join(str(w) for w in self.warnings) or None

    def to_frame(self) -> pl.DataFrame:
        """The path table: ``time``, ``treated``, ``synthetic``, ``gap`` (a copy of :attr:`gap`)."""
        return self.gap.clone()

    def plot(self) -> Any:
        """Treated and synthetic paths with the treatment time marked (a matplotlib Figure)."""
        g = self.gap
        times = g["time"].to_numpy()
        n_pre = int((g["time"] < self.treatment_time).sum())
        if np.issubdtype(times.dtype, np.number) and 0 < n_pre < len(times):
            vline = (float(times[n_pre - 1]) + float(times[n_pre])) / 2
        else:  # categorical axis (labels at 0, 1, ...)
            vline = n_pre - 0.5
        return line_figure(
            times,
            [("treated", g["treated"].to_numpy()), ("synthetic", g["synthetic"].to_numpy())],
            labels=(f"Synthetic control: {self.treated}", "time", "outcome"),
            vline=vline,
        )

    def _with_two_donors(self, method: str) -> _Design:
        """The design, once it is clear that ``method`` has two donors or more to work with."""
        if len(self.donors) < 2:
            en, sv = _TEXTS.both("too_few_donors", method=method)
            raise DesignError(en, sv=sv)
        return self._design

    # ---------------------------------------------------------------- placebo in space
    def placebo_test(
        self, exclude_ratio: float | None = None, *, alpha: float = 0.05
    ) -> PlaceboResult:
        """Placebo-in-space test: every donor in turn is treated as if it were treated.

        Each donor is fitted with the same specification, with the other donors (never the
        treated unit, whose post-period gap carries the effect; Abadie, Diamond & Hainmueller
        2010 shift it into the pool, which leaves California's rank unchanged on their
        data) as its donor pool. The statistic is the ratio of post- to
        pre-treatment RMSPE; the p-value is the treated unit's rank among all included units
        divided by their number (Abadie, Diamond & Hainmueller 2010, section 4; Abadie 2021).
        With ``J`` placebos included the smallest attainable p-value is ``1 / (J + 1)``
        (Abadie, Diamond & Hainmueller 2010, section 4: 1/39 with California's 38 placebos;
        Abadie 2021, section 7): with fewer than ``1 / alpha - 1`` placebos (19 at 5 %) the
        test cannot reject whatever the data, and the result says so. The placebo fits are
        computed once and reused for other ``exclude_ratio`` values; on Linux they are shared
        with one forked child process (the same numbers, in about half the time on two
        cores).

        Parameters
        ----------
        exclude_ratio
            When given (2, 5 or 20 in the paper), placebos whose pre-treatment MSPE exceeds
            ``exclude_ratio`` times the treated unit's are left out, because a poorly fitted
            placebo says nothing about the treated unit's post-period gap.
        alpha
            Significance level the smallest attainable p-value is compared with (only for
            the warning; the p-value does not depend on it).

        Returns
        -------
        PlaceboResult

        Raises
        ------
        ArgumentError
            If ``exclude_ratio`` is not positive or ``alpha`` is not between 0 and 1.
        DesignError
            If there are fewer than two donors.

        Warns
        -----
        FewPlacebosWarning
            In the result's ``warnings`` (not issued) when the units compared, the treated
            one included, are fewer than ``1 / alpha`` (``1 / n_included > alpha``): the
            p-value is still the treated unit's rank over ``n_included``, but it cannot fall
            below ``1 / n_included``.
        ExactPreFitWarning
            In the result's ``warnings`` when some units fit the pre-period (almost) exactly.
        PlacebosWithoutRatioWarning
            In the result's ``warnings`` when some placebo units have no post/pre ratio
            (their post-period gap is all missing); they are left out of the test.

        Examples
        --------
        >>> import numpy as np, polars as pl
        >>> rng = np.random.default_rng(0)
        >>> rows = [
        ...     {"unit": f"u{i}", "year": t, "y": i + 0.1 * t + rng.normal(scale=0.1)
        ...      + (3.0 if i == 3 and t >= 2010 else 0.0)}
        ...     for i in range(8) for t in range(2000, 2014)
        ... ]
        >>> fit = synthetic_control(pl.DataFrame(rows), unit="unit", time="year", outcome="y",
        ...                         treated="u3", treatment_time=2010)
        >>> test = fit.placebo_test()
        >>> test.n_included, round(test.p_value, 3)
        (8, 0.125)
        >>> [w.code for w in test.warnings]  # 1/8 > 0.05: nothing could be significant
        ['few-placebos']

        References
        ----------
        Abadie, A., Diamond, A. and Hainmueller, J. (2010). JASA 105(490), 493-505.
        """
        design = self._with_two_donors("placebo_test")
        if exclude_ratio is not None and not exclude_ratio > 0:
            en, sv = _TEXTS.both("exclude_ratio_not_positive", value=exclude_ratio)
            raise ArgumentError(en, sv=sv)
        if not ident.is_probability(alpha):
            en, sv = _TEXTS.both("alpha_out_of_range", value=alpha)
            raise ArgumentError(en, sv=sv)
        if self._placebo_gaps is None:
            gaps: dict[int, NDArray[np.float64]] = {
                design.treated_index: self.gap.get_column("gap").to_numpy()
            }
            gaps.update(_placebo_gaps(design, self._options))
            self._placebo_gaps = gaps
        order = [design.treated_index, *design.donor_index.tolist()]
        pre, post = design.pre, design.post
        pre_r = np.array([_rmspe(self._placebo_gaps[i], pre) for i in order])
        post_r = np.array([_rmspe(self._placebo_gaps[i], post) for i in order])
        # An (almost) exact pre-period fit, e.g. with more donors than pre-periods, turns
        # post/pre into amplified noise (1e15 and more). The pre-RMSPE is floored at a tenth
        # of the outcome's typical period-to-period change before treatment (median over
        # units of the RMS first difference): a closer fit says nothing more, and units
        # below it are compared by their post-period RMSPE on the outcome's own scale.
        steps = np.diff(design.y[pre], axis=0)
        with np.errstate(invalid="ignore"):
            step_rms = np.sqrt(np.nanmean(steps**2, axis=0)) if steps.size else np.array([])
        step = float(np.nanmedian(step_rms)) if np.isfinite(step_rms).any() else 0.0
        floor = _PERFECT_FIT * step if step > 0 else 1e-12
        exact = pre_r < floor
        pre_used = np.maximum(pre_r, floor)
        ratio = post_r / pre_used
        mspe_rel = pre_used**2 / pre_used[0] ** 2
        notes: list[PilotbenchWarning] = []
        if exact.any():
            notes.append(
                ExactPreFitWarning(
                    f"{int(exact.sum())} of {len(order)} units fit the pre-treatment period "
                    f"closer than {_PERFECT_FIT:g} of the outcome's typical change from one "
                    f"period to the next ({floor:.3g}); their pre-RMSPE is set to that floor "
                    "before the post/pre ratio is taken. Such exact fits usually mean more "
                    "donors than pre-treatment periods: restrict the donors or add predictors.",
                    n_units=int(exact.sum()),
                    n_total=len(order),
                    floor=float(f"{floor:.3g}"),
                )
            )
        att = np.array([np.nanmean(self._placebo_gaps[i][post]) for i in order])
        # a placebo without a post-period gap (its outcome, or that of donors its fit rests
        # on, missing after the start) has no statistic: it cannot be ranked, so it is not
        # in the test (counted, it made p = 1/8 of a rank that is 1/4 among those compared)
        defined = np.isfinite(ratio)
        defined[0] = True  # the treated unit's gap is checked by the fit itself
        included = defined.copy()
        if exclude_ratio is not None:
            included &= ~(mspe_rel > exclude_ratio)
            included[0] = True
        if not defined.all():
            units = [str(design.units[order[i]]) for i in np.flatnonzero(~defined)]
            notes.append(
                PlacebosWithoutRatioWarning(
                    f"The placebo units {', '.join(units)} have no post/pre RMSPE ratio and "
                    "were left out of the placebo test.",
                    units=units,
                    n_included=int(included.sum()),
                )
            )
        treated_ratio = ratio[0]
        # ties relative to the ratios' scale, the package's one rule (stats/_resampling)
        at_least = included & at_least_as_extreme(np.where(included, ratio, np.nan), treated_ratio)
        n_included = int(included.sum())
        p_value = float(at_least.sum()) / n_included
        if 1 / n_included > alpha:
            notes.append(FewPlacebosWarning.of(n_included, alpha))
        rank = np.full(len(order), None, dtype=object)
        inc_idx = np.flatnonzero(included)
        for i in inc_idx:
            rank[i] = int(np.sum(ratio[inc_idx] > ratio[i])) + 1
        unit_series = pl.Series("unit", [design.units[i] for i in order], dtype=design.unit_dtype)
        ratios = pl.DataFrame(
            {
                "unit": unit_series,
                "pre_rmspe": pre_r,
                "post_rmspe": post_r,
                "ratio": ratio,
                "pre_mspe_ratio": mspe_rel,
                "att": att,
                "is_treated": np.arange(len(order)) == 0,
                "included": included,
                "rank": pl.Series(rank.tolist(), dtype=pl.Int64),
            }
        ).sort(pl.col("ratio").fill_nan(None), descending=True, nulls_last=True)
        n_t = design.times.size
        gaps_frame = pl.DataFrame(
            {
                "unit": pl.Series(
                    [design.units[i] for i in order for _ in range(n_t)], dtype=design.unit_dtype
                ),
                "time": pl.Series(np.tile(design.times, len(order)), dtype=design.time_dtype),
                "gap": np.concatenate([self._placebo_gaps[i] for i in order]),
                "is_treated": np.repeat(np.arange(len(order)) == 0, n_t),
            }
        ).with_columns(pl.col("gap").fill_nan(None))
        return PlaceboResult(
            p_value=p_value,
            ratios=ratios,
            gaps=gaps_frame,
            exclude_ratio=exclude_ratio,
            n_included=n_included,
            warnings=notes,
            alpha=alpha,
        )

    # ---------------------------------------------------------------- leave one out
    def leave_one_out(self, min_weight: float = 1e-6) -> LeaveOneOutResult:
        """Refit once per donor with weight above ``min_weight``, leaving that donor out.

        Shows whether the estimate hinges on one donor (Abadie, Diamond & Hainmueller 2015,
        robustness checks).

        Parameters
        ----------
        min_weight
            Donors with a weight above this are dropped in turn.

        Returns
        -------
        LeaveOneOutResult

        Raises
        ------
        ArgumentError
            If ``min_weight`` is not a number in [0, 1) (a weight of 1 or more would leave no
            donor out, and the result would be empty).
        DesignError
            If the synthetic control has only one donor.
        EstimationError
            If a refit without a donor fails (as in :func:`synthetic_control`).

        Examples
        --------
        >>> import polars as pl
        >>> rows = [{"u": u, "t": t, "y": base + slope * t} for u, base, slope in
        ...         [("a", 1.5, 1.0), ("b", 1.0, 1.0), ("c", 2.0, 1.0), ("d", 0.0, 2.0)]
        ...         for t in range(6)]
        >>> fit = synthetic_control(pl.DataFrame(rows), unit="u", time="t", outcome="y",
        ...                         treated="a", treatment_time=4)
        >>> sorted(fit.leave_one_out().fits)
        ['b', 'c']

        References
        ----------
        Abadie, A., Diamond, A. and Hainmueller, J. (2015). AJPS 59(2), 495-510.
        """
        if isinstance(min_weight, bool) or not (
            isinstance(min_weight, int | float) and 0 <= min_weight < 1
        ):
            en, sv = _TEXTS.both("min_weight_range", value=min_weight)
            raise ArgumentError(en, sv=sv)
        design = self._with_two_donors("leave_one_out")
        fits: dict[Any, SyntheticControlResult] = {}
        rows: list[dict[str, Any]] = []
        gap_frames: list[pl.DataFrame] = []
        for unit_label, weight in self.weights.iter_rows():
            if not weight > min_weight:
                continue
            j = design.units.index(unit_label)
            others = design.donor_index[design.donor_index != j]
            fit = _fit(design, design.treated_index, others, **self._options)
            result = _build_result(design, fit, self._options, self._base_warnings, self._spec)
            fits[unit_label] = result
            rows.append(
                {
                    "dropped_unit": unit_label,
                    "dropped_weight": weight,
                    "pre_rmspe": result.pre_rmspe,
                    "post_rmspe": result.post_rmspe,
                    "att": result.att,
                    "loss_v": result.loss_v,
                }
            )
            gap_frames.append(
                result.gap.select(
                    pl.lit(pl.Series("dropped_unit", [unit_label], dtype=design.unit_dtype))
                    .first()
                    .alias("dropped_unit"),
                    "time",
                    "synthetic",
                    "gap",
                )
            )
        schema = {
            "dropped_unit": design.unit_dtype,
            "dropped_weight": pl.Float64,
            "pre_rmspe": pl.Float64,
            "post_rmspe": pl.Float64,
            "att": pl.Float64,
            "loss_v": pl.Float64,
        }
        summary = pl.DataFrame(rows, schema=schema)
        gaps = (
            pl.concat(gap_frames)
            if gap_frames
            else pl.DataFrame(
                schema={
                    "dropped_unit": design.unit_dtype,
                    "time": design.time_dtype,
                    "synthetic": pl.Float64,
                    "gap": pl.Float64,
                }
            )
        )
        return LeaveOneOutResult(summary=summary, gaps=gaps, fits=fits)

    # ---------------------------------------------------------------- placebo in time
    def placebo_in_time(  # noqa: C901 - placebo dates checked and refitted in one loop
        self,
        fake_time: Any,
        *,
        predictor_window: tuple[Any, Any] | None = None,
        special_predictors: Sequence[Any] | None = None,
        fit_window: tuple[Any, Any] | None = None,
    ) -> SyntheticControlResult:
        """Refit as if the treatment had started at ``fake_time``, before the real date.

        Only periods before the real ``treatment_time`` are used, so the "post" period is
        ``fake_time`` up to the real start; a large gap there casts doubt on the design
        (Abadie, Diamond & Hainmueller 2015, in-time placebo). Windows of the original
        specification that reach ``fake_time`` or later are cut to end before it (recorded in
        the result's warnings), unless replacements are given.

        Parameters
        ----------
        fake_time
            The pretend treatment period; must be before ``treatment_time`` with at least one
            period before it.
        predictor_window, special_predictors, fit_window
            Replacements for the original specification's windows.

        Returns
        -------
        SyntheticControlResult

        Raises
        ------
        ArgumentError
            If ``fake_time`` is not before the treatment, or a window has nothing left
            before ``fake_time``.
        DesignError, EstimationError
            If the refit at ``fake_time`` cannot be identified or fails (as in
            :func:`synthetic_control`).

        Examples
        --------
        The treated unit ``a`` is halfway between ``b`` and ``c`` and gains 2 from period 6;
        a placebo start at period 3 finds no gap:

        >>> import polars as pl
        >>> lines = {"a": (1.5, 1.0), "b": (1.0, 1.0), "c": (2.0, 1.0), "d": (0.0, 2.0)}
        >>> panel = pl.DataFrame(
        ...     [{"u": u, "t": t, "y": y0 + slope * t + (2.0 if u == "a" and t >= 6 else 0.0)}
        ...      for u, (y0, slope) in lines.items() for t in range(8)])
        >>> fit = synthetic_control(panel, unit="u", time="t", outcome="y", treated="a",
        ...                         treatment_time=6)
        >>> round(fit.att, 9), abs(fit.placebo_in_time(3).att) < 1e-9
        (2.0, True)

        References
        ----------
        Abadie, A., Diamond, A. and Hainmueller, J. (2015). AJPS 59(2), 495-510.
        """
        spec = self._spec
        real = self.treatment_time
        times = self._design.times
        if not fake_time < real:
            en, sv = _TEXTS.both("fake_time_not_before", fake_time=fake_time, real=real)
            raise ArgumentError(en, sv=sv)
        before = times[times < fake_time]
        if before.size == 0:
            en, sv = _TEXTS.both("fake_time_no_pre_period", fake_time=fake_time)
            raise ArgumentError(en, sv=sv)
        last = _plain(before[-1])  # a plain number: it appears in the warning
        notes: list[PilotbenchWarning] = []

        def clip(window: tuple[Any, Any] | None, name: str | Both) -> tuple[Any, Any] | None:
            if window is None:
                return None
            first, end = window
            if first >= fake_time:
                en, sv = _TEXTS.both(
                    "placebo_window_late", name=name, window=window, fake_time=fake_time
                )
                raise ArgumentError(en, sv=sv)
            if end >= fake_time:
                name = name.en if isinstance(name, Both) else name  # the warning's name
                notes.append(
                    PlaceboWindowCutWarning(
                        f"{name} cut from {window} to {(first, last)} for the placebo",
                        name=name,
                        first=first,
                        last=end,
                        new_last=last,
                    )
                )
                return (first, last)
            return window

        if predictor_window is None:
            predictor_window = clip(spec["predictor_window"], "predictor_window")
        if fit_window is None:
            fit_window = clip(spec["fit_window"], "fit_window")

        def clip_special(specs: Sequence[Any]) -> list[Any]:
            out: list[Any] = []
            for s in specs:
                column, periods = s[0], s[1]
                rest = tuple(s[2:])
                if isinstance(periods, tuple):
                    out.append(
                        (
                            column,
                            clip(periods, _TEXTS.phrase("special_window", column=column)),
                            *rest,
                        )
                    )
                else:
                    listed = _periods(periods)
                    kept = [p for p in listed if p < fake_time]
                    if not kept:
                        en, sv = _TEXTS.both(
                            "placebo_special_no_period", column=column, fake_time=fake_time
                        )
                        raise ArgumentError(en, sv=sv)
                    if len(kept) < len(listed):
                        notes.append(
                            PlaceboPeriodsCutWarning(
                                f"special predictor {column!r} periods cut to {kept} for the "
                                "placebo",
                                column=column,
                                periods=kept,
                            )
                        )
                    out.append((column, kept, *rest))
            return out

        if special_predictors is None:
            special_predictors = clip_special(spec["special_predictors"])
        options = _rerun_options(self._options, spec)
        if "cv_fit_window" in options:  # cross-validation: its windows are cut the same way
            options["cv_fit_window"] = clip(options["cv_fit_window"], "cv_fit_window")
            options["cv_predictor_window"] = clip(
                options["cv_predictor_window"], "cv_predictor_window"
            )
            if options["cv_special_predictors"] is not None:
                options["cv_special_predictors"] = clip_special(options["cv_special_predictors"])
        data = spec["data"].filter(pl.col(spec["time"]) < real)
        result = synthetic_control(
            data,
            unit=spec["unit"],
            time=spec["time"],
            outcome=spec["outcome"],
            treated=self.treated,
            treatment_time=fake_time,
            predictors=spec["predictors"],
            predictor_window=predictor_window,
            special_predictors=special_predictors,
            fit_window=fit_window,
            donors=self.donors,
            series_breaks=spec["series_breaks"],
            **options,
        )
        result.warnings.extend(notes)
        return result

    def __repr__(self) -> str:
        top = ", ".join(f"{u}={w:.3f}" for u, w in self.weights.head(5).iter_rows() if w > 0.0005)
        return (
            f"SyntheticControlResult(treated={self.treated!r}, att={self.att:.4g}, "
            f"pre_rmspe={self.pre_rmspe:.4g}, post_rmspe={self.post_rmspe:.4g}, "
            f"loss_v={self.loss_v:.4g}, weights: {top}, warnings={len(self.warnings)})"
        )


def _rerun_options(options: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of :func:`synthetic_control` that reproduce ``options``."""
    out = {k: v for k, v in options.items() if k != "cv_design"}
    if options.get("cv_design") is not None:
        out.update(
            cv_predictor_window=spec["cv_predictor_window"],
            cv_special_predictors=spec["cv_special_predictors"],
            cv_fit_window=spec["cv_fit_window"],
        )
    return out


def _build_result(
    design: _Design,
    fit: _Fit,
    options: dict[str, Any],
    base_warnings: list[PilotbenchWarning],
    spec: dict[str, Any],
) -> SyntheticControlResult:
    units = [design.units[i] for i in fit.donor_index]
    weights = (
        pl.DataFrame({"unit": pl.Series(units, dtype=design.unit_dtype), "weight": fit.w})
        .with_row_index("_order")
        .sort(["weight", "_order"], descending=[True, False])
        .drop("_order")
    )
    v = pl.DataFrame({"predictor": design.predictor_names, "weight": fit.v})
    balance = pl.DataFrame(
        {
            "predictor": design.predictor_names,
            "treated": fit.x1,
            "synthetic": fit.x0 @ fit.w,
            "donor_mean": fit.x0.mean(axis=1),
        }
    )
    gap = fit.treated_y - fit.synthetic
    gap_frame = pl.DataFrame(
        {
            "time": pl.Series(design.times, dtype=design.time_dtype),
            "treated": fit.treated_y,
            "synthetic": fit.synthetic,
            "gap": gap,
        }
    ).with_columns(pl.col("treated", "synthetic", "gap").fill_nan(None))
    pre, post = design.pre, design.post
    warnings = list(base_warnings)
    post_gap = gap[post]
    if np.isnan(post_gap).all():
        en, sv = _TEXTS.both("gap_missing_after")
        raise EstimationError(en, sv=sv)
    if np.isnan(post_gap).any():
        missing = design.times[post][np.isnan(post_gap)].tolist()
        warnings.append(
            PostGapMissingWarning(
                f"the gap is missing in post-treatment period(s) {missing} (outcome missing "
                "for the treated unit or a donor with positive weight); att and post_rmspe use "
                "the other periods",
                periods=missing,
            )
        )
    if np.isnan(gap[pre]).any():
        missing = design.times[pre][np.isnan(gap[pre])].tolist()
        warnings.append(
            PreGapMissingWarning(
                f"the gap is missing in pre-treatment period(s) {missing}; pre_rmspe uses the "
                "other pre-treatment periods",
                periods=missing,
            )
        )
    lo, hi = fit.x0.min(axis=1), fit.x0.max(axis=1)
    outside = [
        n
        for n, a, b, x in zip(design.predictor_names, lo, hi, fit.x1, strict=True)
        if x < a or x > b
    ]
    if outside:
        warnings.append(
            DonorRangeWarning(
                "the treated unit lies outside the donors' range for predictor(s) "
                f"{outside}: no convex combination can match them",
                predictors=list(outside),
            )
        )
    starts = pl.DataFrame(
        {"start": [s for s, _ in fit.starts], "loss_v": [x for _, x in fit.starts]},
        schema={"start": pl.Utf8, "loss_v": pl.Float64},
    )
    result = SyntheticControlResult(
        treated=design.units[fit.treated_index],
        treatment_time=design.treatment_time,
        donors=units,
        weights=weights,
        v=v,
        balance=balance,
        gap=gap_frame,
        pre_rmspe=_rmspe(gap, pre),
        post_rmspe=_rmspe(gap, post),
        att=float(np.nanmean(post_gap)),
        loss_v=fit.loss_v,
        loss_w=fit.loss_w,
        loss_bound=fit.loss_bound,
        v_method="custom" if options.get("custom_v") is not None else options["v_method"],
        starts=starts,
        warnings=warnings,
        loss_validation=fit.loss_validation,
        _design=design,
        _options=dict(options),
        _spec=spec,
        _base_warnings=list(base_warnings),
    )
    return result


def _custom_v(
    custom_v: Sequence[float] | Mapping[str, float], names: list[str]
) -> NDArray[np.float64]:
    if isinstance(custom_v, Mapping):
        unknown = [n for n in custom_v if n not in names]
        if unknown:
            en, sv = _TEXTS.both("custom_v_unknown_names", unknown=unknown, names=names)
            raise ArgumentError(en, sv=sv)
        v = np.array([float(custom_v.get(n, 0.0)) for n in names])
    else:
        v = np.asarray(list(custom_v), dtype=float)
        if v.shape != (len(names),):
            en, sv = _TEXTS.both("custom_v_wrong_length", size=v.size, n=len(names), names=names)
            raise ArgumentError(en, sv=sv)
    if not np.all(np.isfinite(v)) or (v < 0).any() or v.sum() <= 0:
        en, sv = _TEXTS.both("custom_v_invalid")
        raise ArgumentError(en, sv=sv)
    return v / v.sum()


def _break_warnings(
    series_breaks: Sequence[Any], design: _Design, outcome: str
) -> list[SeriesBreakWarning]:
    first = design.first_used
    last = design.times[-1]
    out = []
    for b in series_breaks:
        year = getattr(b, "first_year", b)
        label = f" ({b.id})" if hasattr(b, "id") else ""
        if first < year <= last:
            where = (
                "in the pre-treatment period used for the fit"
                if year < design.treatment_time
                else "at the treatment date"
                if year == design.treatment_time
                else "in the post-treatment period"
            )
            out.append(
                SeriesBreakWarning(
                    f"series break{label}: from {year} the statistics are on a new basis, "
                    f"which lies inside the estimation window {first}-{last} ({where}); the "
                    f"pre/post comparison of {outcome!r} may reflect the break rather than "
                    "the treatment",
                    year=int(year),
                    first=int(first),
                    last=int(last),
                    adjustment="none",
                    next_to_start=bool(year == design.treatment_time),
                )
            )
    return out


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


def synthetic_control(  # noqa: PLR0913 - a documented estimator: data columns plus keyword-only options
    data: pl.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated: Any,
    treatment_time: Any,
    predictors: Sequence[str] = (),
    predictor_window: tuple[Any, Any] | None = None,
    special_predictors: Sequence[Any] = (),
    fit_window: tuple[Any, Any] | None = None,
    donors: Sequence[Any] | None = None,
    v_method: VMethod = "nested",
    custom_v: Sequence[float] | Mapping[str, float] | None = None,
    n_random_starts: int = 3,
    seed: int = 0,
    series_breaks: Sequence[Any] = (),
    cv_predictor_window: tuple[Any, Any] | None = None,
    cv_special_predictors: Sequence[Any] | None = None,
    cv_fit_window: tuple[Any, Any] | None = None,
) -> SyntheticControlResult:
    """Fit a synthetic control for one treated unit.

    Parameters
    ----------
    data
        Long panel: one row per unit and period.
    unit, time, outcome
        Column names of the unit identifier, the period and the outcome.
    treated
        The treated unit's value in the ``unit`` column (area codes are strings).
    treatment_time
        First treated period: periods ``< treatment_time`` are pre-treatment,
        ``>= treatment_time`` post-treatment (the treatment period is never in both).
    predictors
        Columns averaged over ``predictor_window`` for each unit, ignoring missing values
        (the mean over the available ones, as R Synth's ``dataprep``).
    predictor_window
        Inclusive ``(first, last)``; default: all pre-treatment periods.
    special_predictors
        Items ``(column, periods, "mean")``; ``periods`` is an inclusive ``(first, last)``
        tuple, a list of periods, or one period. When neither ``predictors`` nor
        ``special_predictors`` is given, the outcome in each fit-window period is used.
    fit_window
        Inclusive ``(first, last)`` over which the pre-treatment outcome MSPE is minimised;
        default: all pre-treatment periods. The outcome must be observed there for every unit.
    donors
        Donor pool; default: every other unit of ``data``. An official group reference of
        :mod:`research.data.groups` (``"kolada:liknande-ifo"`` for the treated kommun,
        ``"skr:Storstäder"``, a Kolada group id) stands for its member kommuner present in
        ``data``; the group used is named in the warnings.
    v_method
        ``"nested"`` (default): V minimises the fit-window MSPE (best of several starts).
        ``"regression"``: R Synth's regression-based V (squared coefficients of the
        fit-window outcomes regressed on the scaled predictors, summed over periods).
        ``"equal"``: all predictors weigh the same.
        ``"cross_validation"``: Abadie, Diamond & Hainmueller's (2015) out-of-sample choice:
        V is chosen (as ``"nested"``) on a *training* specification, the predictors
        measured in an earlier window (``cv_predictor_window``, ``cv_special_predictors``)
        with the outcome fitted over a later *validation* window (``cv_fit_window``); W is
        then fitted with that V on the main predictors. See the second example.
    custom_v
        Fixed predictor weights instead of choosing V (as R Synth's ``custom.v``): one
        non-negative number per predictor, in the order of the result's ``v`` table
        (``predictors`` first, then ``special_predictors``), or a mapping from those names.
        They are normalised to sum to one and apply to the scaled predictors.
    n_random_starts
        Random Dirichlet starts for the nested optimisation, besides the equal and
        regression-based ones.
    seed
        Seed of the random starts (results are reproducible).
    series_breaks
        First periods on a new statistical basis (ints, or ``SeriesBreak`` objects from
        ``load_catalog().breaks_for(indicator)``); a break inside the estimation window adds
        a warning to the result.
    cv_predictor_window
        ``v_method="cross_validation"``: the training window over which ``predictors`` are
        averaged (required when ``predictors`` are given).
    cv_special_predictors
        ``v_method="cross_validation"``: the training versions of ``special_predictors``,
        one per item and in the same order, paired by position: the weight V gives an item
        of the training design is the weight of the main item in the same position. An item
        may use another column than its main partner, and other periods (the training
        design of Abadie, Diamond & Hainmueller 2015 has ``invest70`` where the main one has
        ``invest80``). Required when ``special_predictors`` are given; the result's ``v``
        table is named by the main predictors.
    cv_fit_window
        ``v_method="cross_validation"``: the validation window, inclusive, over which the
        outcome MSPE is minimised to choose V; required. It must lie before
        ``treatment_time`` (the outcome after the treatment never chooses V).

    Returns
    -------
    SyntheticControlResult
        Weights, V, balance table, gap series, RMSPEs, ``att`` (mean post-period gap),
        ``loss_v`` and warnings, with methods ``placebo_test``, ``leave_one_out`` and
        ``placebo_in_time``.

    Raises
    ------
    ArgumentError
        For a missing column, unknown treated unit or donor, or a window outside the
        pre-treatment period.
    DesignError
        An empty donor pool, a repeated unit-period row, an outcome missing in the fit
        window, or a time given as text for a numeric time column.
    EstimationError
        When the gap is missing in every post-treatment period.

    Examples
    --------
    A treated unit halfway between two donors, with an effect of 2 from period 4:

    >>> import polars as pl
    >>> rows = [{"u": u, "t": t, "y": base + slope * t + (2.0 if u == "a" and t >= 4 else 0.0)}
    ...         for u, base, slope in [("a", 1.5, 1), ("b", 1.0, 1), ("c", 2.0, 1), ("d", 5.0, 2)]
    ...         for t in range(6)]
    >>> fit = synthetic_control(pl.DataFrame(rows), unit="u", time="t", outcome="y",
    ...                         treated="a", treatment_time=4)
    >>> sorted((u, round(w, 9)) for u, w in fit.weights.filter(pl.col("weight") > 0).rows())
    [('b', 0.5), ('c', 0.5)]
    >>> round(fit.att, 9)
    2.0

    Cross-validated V with the design of Abadie, Diamond & Hainmueller (2015), West German
    reunification (treatment 1990; their ``repgermany`` data as a long frame ``germany``,
    not shipped with the package). The training specification is the paper's: GDP, trade
    and inflation averaged over 1971-1980, industry share 1971-1980, schooling in 1970 and
    1975 and investment ``invest70`` (observed in 1980), with GDP fitted over the
    validation window 1981-1990 to choose V; W then uses that V on the main predictors, the
    same averaged over 1981-1990, schooling in 1980 and 1985 and investment ``invest80``
    (observed in 1980), with GDP fitted over 1960-1989. The paper's main predictor window
    and validation window include 1990, the treatment year; here every window must end
    before ``treatment_time``, so they end in 1989:

    >>> fit = synthetic_control(  # doctest: +SKIP
    ...     germany, unit="country", time="year", outcome="gdp",
    ...     treated="West Germany", treatment_time=1990,
    ...     predictors=["gdp", "trade", "infrate"], predictor_window=(1981, 1989),
    ...     special_predictors=[("industry", (1981, 1989)), ("schooling", [1980, 1985]),
    ...                         ("invest80", 1980)],
    ...     fit_window=(1960, 1989),
    ...     v_method="cross_validation",
    ...     cv_predictor_window=(1971, 1980),
    ...     cv_special_predictors=[("industry", (1971, 1980)), ("schooling", [1970, 1975]),
    ...                            ("invest70", 1980)],
    ...     cv_fit_window=(1981, 1989),
    ... )

    On the copy of the data in ``tests/data`` (checked with this call in
    ``tests/test_synth_germany.py``) the chosen V has a validation MSPE of 60.8, against at
    least 5471 for every V that gives the published weights: those are not the optimum of
    the paper's own V selection (Klößner, Kaul, Pfeifer & Schieler 2018).

    The same structure on a small panel: the treated unit ``a`` sits halfway between
    ``b`` and ``c`` on the predictor ``x`` in both windows:

    >>> rows = [{"u": u, "t": t, "x": base + (0.5 if t >= 3 else 0.0),
    ...          "y": base + slope * t + (2.0 if u == "a" and t >= 6 else 0.0)}
    ...         for u, base, slope in [("a", 1.5, 1), ("b", 1.0, 1), ("c", 2.0, 1), ("d", 5.0, 2)]
    ...         for t in range(8)]
    >>> cv = synthetic_control(pl.DataFrame(rows), unit="u", time="t", outcome="y",
    ...                        treated="a", treatment_time=6, predictors=["x"],
    ...                        predictor_window=(3, 5), v_method="cross_validation",
    ...                        cv_predictor_window=(0, 2), cv_fit_window=(3, 5))
    >>> sorted((u, round(w, 9)) for u, w in cv.weights.filter(pl.col("weight") > 1e-9).rows())
    [('b', 0.5), ('c', 0.5)]
    >>> round(cv.att, 9), cv.v_method
    (2.0, 'cross_validation')

    References
    ----------
    Abadie, A. and Gardeazabal, J. (2003). AER 93(1), 113-132.
    Abadie, A., Diamond, A. and Hainmueller, J. (2010). JASA 105(490), 493-505.
    Abadie, A., Diamond, A. and Hainmueller, J. (2011). JSS 42(13).
    Abadie, A., Diamond, A. and Hainmueller, J. (2015). AJPS 59(2), 495-510, section
    "Cross-validation" and its replication code.
    Klößner, S., Kaul, A., Pfeifer, G. and Schieler, M. (2018). Comparative politics and the
    synthetic control method revisited: a note on Abadie et al. (2015). *Swiss Journal of
    Economics and Statistics* 154, 11.
    """
    if v_method not in _V_METHODS:
        en, sv = _TEXTS.both("v_method_unknown", choices=_V_METHODS, value=v_method)
        raise ArgumentError(en, sv=sv)
    if not (isinstance(n_random_starts, int) and n_random_starts >= 0):
        en, sv = _TEXTS.both("n_random_starts_invalid", value=n_random_starts)
        raise ArgumentError(en, sv=sv)
    breaks = _as_list(series_breaks, "series_breaks")
    special_list = _as_list(special_predictors, "special_predictors")
    if special_list and isinstance(special_list[0], str):
        special_list = [tuple(special_list)]
    # the columns, treated unit and donors are the same for the main and training designs
    columns = {
        "unit": unit,
        "time": time,
        "outcome": outcome,
        "treated": treated,
        "treatment_time": treatment_time,
        "donors": donors,
    }
    design = _prepare(
        data,
        columns,
        predictors=predictors,
        predictor_window=predictor_window,
        special_predictors=special_list,
        fit_window=fit_window,
    )
    custom = None if custom_v is None else _custom_v(custom_v, design.predictor_names)
    cv_design = None
    cv_special = None if cv_special_predictors is None else list(cv_special_predictors)
    if v_method == "cross_validation" and custom is None:
        cv_design = _training_design(
            data,
            design,
            columns,
            predictors=predictors,
            special=special_list,
            cv_predictor_window=cv_predictor_window,
            cv_special_predictors=cv_special,
            cv_fit_window=cv_fit_window,
        )
    elif cv_predictor_window is not None or cv_special is not None or cv_fit_window is not None:
        en, sv = _TEXTS.both("cv_options_without_cv")
        raise ArgumentError(en, sv=sv)
    options = {
        "v_method": v_method,
        "n_random_starts": n_random_starts,
        "seed": seed,
        "custom_v": custom,
        "cv_design": cv_design,
    }
    fit = _fit(design, design.treated_index, design.donor_index, **options)
    base_warnings = [*design.notes, *_break_warnings(breaks, design, outcome)]
    spec = {
        "data": data,
        "unit": unit,
        "time": time,
        "outcome": outcome,
        "predictors": _as_list(predictors, "predictors"),
        "predictor_window": predictor_window,
        "special_predictors": special_list,
        "fit_window": fit_window,
        "series_breaks": breaks,
        "cv_predictor_window": cv_predictor_window,
        "cv_special_predictors": cv_special,
        "cv_fit_window": cv_fit_window,
    }
    return _build_result(design, fit, options, base_warnings, spec)


def _spec_column(spec: Any) -> Any:
    """The column of a special predictor item, for messages (the item itself when malformed)."""
    if isinstance(spec, Sequence) and not isinstance(spec, str) and len(spec) > 0:
        return spec[0]
    return spec


def _training_design(
    data: pl.DataFrame,
    design: _Design,
    columns: dict[str, Any],
    *,
    predictors: Sequence[str],
    special: list[Any],
    cv_predictor_window: tuple[Any, Any] | None,
    cv_special_predictors: list[Any] | None,
    cv_fit_window: tuple[Any, Any] | None,
) -> _Design:
    """The training specification of ``v_method="cross_validation"``, checked.

    ``columns`` are the keyword arguments of :func:`_prepare` shared with the main design
    (unit, time, outcome, treated, treatment_time, donors).
    """
    if cv_fit_window is None:
        en, sv = _TEXTS.both("cv_needs_fit_window")
        raise ArgumentError(en, sv=sv)
    predictors = _as_list(predictors, "predictors")
    if predictors and cv_predictor_window is None:
        en, sv = _TEXTS.both("cv_needs_predictor_window", predictors=predictors)
        raise ArgumentError(en, sv=sv)
    cv_special = _as_list(cv_special_predictors, "cv_special_predictors")
    if cv_special and isinstance(cv_special[0], str):
        cv_special = [tuple(cv_special)]
    if len(cv_special) != len(special):
        # paired by position, each with its own column (ADH 2015 train on invest70 for invest80)
        en, sv = _TEXTS.both(
            "cv_special_count",
            n=len(special),
            special=[_spec_column(s) for s in special],
            size=len(cv_special),
            given=[_spec_column(s) for s in cv_special],
        )
        raise ArgumentError(en, sv=sv)
    if not predictors and not special:
        en, sv = _TEXTS.both("cv_needs_predictors")
        raise ArgumentError(en, sv=sv)
    try:
        training = _prepare(
            data,
            columns,
            predictors=predictors,
            predictor_window=cv_predictor_window if predictors else None,
            special_predictors=cv_special,
            fit_window=cv_fit_window,
        )
    except ArgumentError as exc:
        en, sv = _TEXTS.both("cv_training_failed", error=Both(str(exc), exc.message("sv")))
        raise ArgumentError(en, sv=sv) from None
    if training.units != design.units:  # pragma: no cover - same data and donors
        en, sv = _TEXTS.both("cv_other_units")
        raise ArgumentError(en, sv=sv)
    return training
