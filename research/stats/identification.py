"""Checks, before fitting, that a study design identifies the effect asked for.

One validation layer shared by :func:`research.stats.did.diff_in_diff`,
:func:`research.stats.did.event_study`, :func:`research.stats.its.interrupted_time_series` and
:func:`research.stats.synth.synthetic_control`. Each function is pure: it looks at arrays or polars
frames and either returns a cleaned value or raises :class:`research.core.errors.DesignError`
(the design does not identify the effect) or :class:`research.core.errors.EstimationError` (a fit
would fail, e.g. collinear terms), with a one-line message that says what is wrong and what to
do, in English and Swedish (the catalogue ``identification_errors.toml``). The estimators call
them in the order data -> columns -> units -> periods -> counts.

A degenerate design otherwise ends in a confident artefact: a rate ratio of 1e-16 with an
interval [0, inf] (separation), a rank error that names no cause, a p-value from
floating-point noise. Catching the cause before fitting turns it into a sentence.

References
----------
Albert, A. and Anderson, J. A. (1984). On the existence of maximum likelihood estimates in
logistic regression models. *Biometrika* 71(1), 1-10 (separation).
Santos Silva, J. M. C. and Tenreyro, S. (2010). On the existence of the maximum likelihood
estimates in Poisson regression. *Economics Letters* 107(2), 310-312.
Abadie, A. (2021). Using synthetic controls: feasibility, data requirements, and
methodological aspects. *Journal of Economic Literature* 59(2), 391-425.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from research.core.errors import ArgumentError, DataError, DesignError, EstimationError
from research.core.i18n import Both, load_catalogue
from research.core.warnings import MissingRowsDroppedWarning, PilotbenchWarning

__all__ = [
    "add_if_separable",
    "as_float_array",
    "check_choice",
    "check_comparison_units",
    "check_counts",
    "check_exposures",
    "check_keywords",
    "check_nonzero_counts",
    "check_outcome_varies",
    "check_per",
    "check_periods",
    "check_pre_post",
    "check_rank",
    "check_unique_rows",
    "check_weights",
    "complete_rows",
    "drop_missing",
    "is_probability",
    "numeric_time",
    "overfit_note",
]

_TEXTS = load_catalogue(Path(__file__).with_name("identification_errors.toml"))


def is_probability(value: object) -> bool:
    """Whether ``value`` is a real number strictly between 0 and 1 (a level or an alpha).

    Any real number type counts (``numpy.float32`` too); text, booleans, NaN and ``None``
    do not, so ``level="0.95"`` is an argument error rather than a ``TypeError`` from the
    comparison.

    Examples
    --------
    >>> is_probability(0.95), is_probability(np.float32(0.9)), is_probability("0.95")
    (True, True, False)
    >>> is_probability(True), is_probability(float("nan")), is_probability(1)
    (False, False, False)
    """
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool | np.bool_)
        and 0 < float(value) < 1
    )


def numeric_time(col: pl.Series, name: str) -> np.ndarray:
    """Time values as floats: numeric columns as they are, text holding numbers parsed.

    Parameters
    ----------
    col
        The time column.
    name
        Its name, for the message.

    Returns
    -------
    numpy.ndarray
        Float time values.

    Raises
    ------
    DesignError
        When the column is neither numeric nor text holding numbers (e.g. ``"2000-Q1"``).

    Examples
    --------
    >>> numeric_time(pl.Series(["2000", "2001"]), "year").tolist()
    [2000.0, 2001.0]
    """
    if col.dtype.is_numeric():
        return col.cast(pl.Float64).to_numpy()
    if col.dtype in (pl.String, pl.Utf8):
        parsed = col.str.strip_chars().cast(pl.Float64, strict=False)
        bad = col.filter(parsed.is_null() & col.is_not_null())
        if bad.len() == 0:
            return parsed.to_numpy()
        en, sv = _TEXTS.both("time_not_numbers", name=name, dtype=col.dtype, value=bad[0])
        raise DesignError(en, sv=sv)
    en, sv = _TEXTS.both("time_wrong_type", name=name, dtype=col.dtype)
    raise DesignError(en, sv=sv)


def _require_columns(df: pl.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        en, sv = _TEXTS.both("columns_not_found", missing=missing, columns=df.columns)
        raise ArgumentError(en, sv=sv)


def drop_missing(df: pl.DataFrame, columns: Sequence[str]) -> tuple[pl.DataFrame, int]:
    """Drop rows with a null or a NaN in any of ``columns``.

    Parameters
    ----------
    df
        Data.
    columns
        Columns that must be present.

    Returns
    -------
    tuple
        ``(kept, n_dropped)``.

    Raises
    ------
    ArgumentError
        A column not in ``df``.

    Examples
    --------
    >>> df = pl.DataFrame({"y": [1.0, float("nan"), None, 4.0]})
    >>> drop_missing(df, ["y"])[1]
    2
    """
    _require_columns(df, columns)
    cond = pl.lit(True)
    for c in columns:
        e = pl.col(c).is_not_null()
        if df.schema[c].is_float():
            e = e & pl.col(c).is_not_nan()
        cond = cond & e
    out = df.filter(cond)
    return out, df.height - out.height


def complete_rows(
    data: pl.DataFrame, columns: Sequence[str]
) -> tuple[pl.DataFrame, list[PilotbenchWarning]]:
    """The ``columns`` of ``data`` without the rows that miss a value, and a note if any did.

    Parameters
    ----------
    data
        Data.
    columns
        Columns the estimator uses (each once).

    Returns
    -------
    tuple
        ``(rows, notes)``: the complete rows of ``columns``; a
        :class:`~research.core.warnings.MissingRowsDroppedWarning` saying how many rows were
        dropped (an empty list when none was).

    Raises
    ------
    ArgumentError
        A column not in ``data``.
    DataError
        When no complete row is left.

    Examples
    --------
    >>> note = complete_rows(pl.DataFrame({"y": [1.0, None], "t": [1, 2]}), ["y", "t"])[1][0]
    >>> str(note), note.n_rows
    ("1 rows with missing values (null or NaN) in ['y', 't'] were dropped.", 1)
    """
    cols = list(columns)
    _require_columns(data, cols)
    df, n_missing = drop_missing(data.select(cols), cols)
    if df.height == 0:
        en, sv = _TEXTS.both("no_complete_rows", columns=cols)
        raise DataError(en, sv=sv)
    if not n_missing:
        return df, []
    message = f"{n_missing} rows with missing values (null or NaN) in {cols} were dropped."
    return df, [MissingRowsDroppedWarning(message, n_rows=n_missing, columns=cols)]


def as_float_array(x: Any, name: str) -> np.ndarray:
    """``x`` (a number, sequence, numpy array or polars Series) as a float array.

    Nulls of a Series become NaN.

    Raises
    ------
    ArgumentError
        When ``x`` does not hold numbers (naming ``name``).

    Examples
    --------
    >>> as_float_array(pl.Series([1, None]), "counts").tolist()
    [1.0, nan]
    """
    if isinstance(x, pl.Series):
        return x.cast(pl.Float64).to_numpy().astype(float, copy=True)
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        en, sv = _TEXTS.both("not_numbers", name=name, type=type(x).__name__, value=x)
        raise ArgumentError(en, sv=sv) from exc


def check_per(per: Any) -> float:
    """The rate base ``per`` (e.g. 100 000 inhabitants) as a float, checked.

    Raises
    ------
    ArgumentError
        When ``per`` is not a positive finite number.

    Examples
    --------
    >>> check_per(100_000)
    100000.0
    """
    if isinstance(per, bool) or not (isinstance(per, int | float) and np.isfinite(per) and per > 0):
        en, sv = _TEXTS.both("per_not_positive", per=per)
        raise ArgumentError(en, sv=sv)
    return float(per)


def check_choice(value: Any, name: str, choices: Sequence[Any]) -> None:
    """Refuse an option ``name`` whose ``value`` is not one of ``choices``.

    Raises
    ------
    ArgumentError
        Naming the option, the allowed values and the value given.

    Examples
    --------
    >>> check_choice("exact", "method", ("exact", "normal"))
    """
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        en, sv = _TEXTS.both("not_a_choice", name=name, choices=listed, value=value)
        raise ArgumentError(en, sv=sv)


def _first_bad(x: np.ndarray, ok: np.ndarray, missing_ok: bool) -> float | None:
    """The first value of ``x`` outside ``ok`` (a missing value counts only if refused)."""
    bad = x[~(ok | np.isnan(x))] if missing_ok else x[~ok]
    return float(bad[0]) if bad.size else None


def check_counts(x: np.ndarray, name: str, *, missing_ok: bool = True) -> None:
    """Refuse event counts that are not non-negative whole numbers.

    Parameters
    ----------
    x
        The counts (float array; NaN is a missing value).
    name
        The argument's name, used in the message.
    missing_ok
        Let missing values through (estimators that propagate them); ``False``: refuse them.

    Raises
    ------
    ArgumentError
        Naming the argument and the first bad value.

    Examples
    --------
    >>> check_counts(np.array([0.0, 3.0, np.nan]), "count")
    >>> check_counts(np.array([0.0, 2.5]), "count")
    Traceback (most recent call last):
    ...
    research.core.errors.ArgumentError: count must hold non-negative whole numbers (event counts); got 2.5. Round estimated counts first (e.g. the panel's count_est column).
    """  # noqa: E501 - a doctest's output is one line
    if np.isinf(x).any():
        en, sv = _TEXTS.both("counts_infinite", name=name)
        raise ArgumentError(en, sv=sv)
    bad = _first_bad(x, np.isfinite(x) & (x >= 0) & (x == np.floor(x)), missing_ok)
    if bad is not None:
        without = Both("", "") if missing_ok else _TEXTS.phrase("without_missing")
        en, sv = _TEXTS.both("counts_not_whole", name=name, without=without, bad=bad)
        raise ArgumentError(en, sv=sv)


def check_exposures(e: np.ndarray, name: str, *, missing_ok: bool = True) -> None:
    """Refuse exposures (person-years at risk) that are not positive and finite.

    ``e``, ``name`` and ``missing_ok`` as in :func:`check_counts`.

    Raises
    ------
    ArgumentError
        Naming the argument and the first exposure that is zero, negative or infinite.

    Examples
    --------
    >>> check_exposures(np.array([1e4, np.nan]), "exposure")
    >>> check_exposures(np.array([1e4, np.nan]), "exposures", missing_ok=False)
    Traceback (most recent call last):
    ...
    research.core.errors.ArgumentError: exposures must be positive and finite (person-years at risk) without missing values; got nan. Drop areas or years without a population first.
    """  # noqa: E501 - a doctest's output is one line
    bad = _first_bad(e, (e > 0) & np.isfinite(e), missing_ok)
    if bad is not None:
        without = Both("", "") if missing_ok else _TEXTS.phrase("without_missing")
        en, sv = _TEXTS.both("exposures_not_positive", name=name, without=without, bad=bad)
        raise ArgumentError(en, sv=sv)


def check_keywords(options: Mapping[str, Any], allowed: Collection[str], func: str) -> None:
    """Refuse a keyword of ``**options`` that is not one of ``allowed``, as Python would.

    For functions taking ``**options: Unpack[SomeTypedDict]``: Python accepts any keyword
    there, so the function names the first unknown one the way it would for a named
    parameter (``allowed`` is typically ``SomeTypedDict.__optional_keys__``).

    Raises
    ------
    TypeError
        ``"<func>() got an unexpected keyword argument '<name>'"``.

    Examples
    --------
    >>> check_keywords({"per": 1000}, {"per", "target"}, "funnel")
    >>> check_keywords({"pre": 1000}, {"per", "target"}, "funnel")
    Traceback (most recent call last):
    ...
    TypeError: funnel() got an unexpected keyword argument 'pre'
    """
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(f"{func}() got an unexpected keyword argument {unknown[0]!r}")


def _is_number(x: object) -> bool:
    """A real number, numpy's included (``np.int64(2)``), but not a bool (``True`` is no weight).

    Examples
    --------
    >>> [_is_number(x) for x in (2, 0.5, np.int64(2), np.float32(1), True, np.True_, "2")]
    [True, True, True, True, False, False, False]
    """
    return isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_)


def check_weights(
    weights: Mapping[str, float], names: Sequence[str], *, missing: float, what: str
) -> dict[str, float]:
    """Weights by name, checked: numbers >= 0 for some of ``names``, at least one positive.

    Parameters
    ----------
    weights
        ``{name: weight}`` for some of ``names``.
    names
        The names that can be weighted, in the order of the result.
    missing
        The weight of a name ``weights`` leaves out.
    what
        What a name is (``"component"``, ``"variable"``), used in the messages; its Swedish
        comes from the catalogue ``identification_errors.toml`` (``weight_term_<what>``,
        plural ``weight_terms_<what>``), ``"namn"`` when it has none.

    Returns
    -------
    dict of str to float
        One weight per name of ``names`` (not normalized).

    Raises
    ------
    ArgumentError
        ``weights`` is not a mapping, names an unknown name, holds a negative or non-numeric
        weight, or leaves no weight positive.

    Examples
    --------
    >>> check_weights({"need": 2}, ["need", "similarity"], missing=0.0, what="component")
    {'need': 2.0, 'similarity': 0.0}
    """
    if not isinstance(weights, Mapping):
        en, sv = _TEXTS.both("weights_not_mapping", what=_weight_term(what, ""), weights=weights)
        raise ArgumentError(en, sv=sv)
    unknown = sorted(set(weights) - set(names))
    if unknown:
        whats = _weight_term(what, "s")
        en, sv = _TEXTS.both(
            "weights_unknown_names", whats=whats, unknown=unknown, names=list(names)
        )
        raise ArgumentError(en, sv=sv)
    out = {name: weights.get(name, missing) for name in names}
    for name, w in out.items():
        if not (_is_number(w) and np.isfinite(float(w)) and w >= 0):
            en, sv = _TEXTS.both("weight_not_number", name=name, weight=w)
            raise ArgumentError(en, sv=sv)
    if sum(out.values()) <= 0:
        en, sv = _TEXTS.both("weights_all_zero")
        raise ArgumentError(en, sv=sv)
    return {name: float(w) for name, w in out.items()}


def _weight_term(what: str, plural: str) -> Both:
    """``what`` (``plural``: with ``"s"``) in English, its Swedish from the catalogue."""
    key = f"weight_term{plural}_{what}"
    sv = _TEXTS(key if key in _TEXTS else f"weight_term{plural}_other", "sv")
    return Both(what + plural, sv)


def check_unique_rows(df: pl.DataFrame, keys: Sequence[str]) -> None:
    """Raise when a combination of ``keys`` (e.g. unit and time) occurs more than once.

    Parameters
    ----------
    df
        Data.
    keys
        Columns that must identify a row.

    Raises
    ------
    ArgumentError
        No keys, or a key not in ``df``.
    DesignError
        Naming how many combinations repeat and one example.

    Examples
    --------
    >>> check_unique_rows(pl.DataFrame({"u": ["a", "a"], "t": [1, 2]}), ["u", "t"])
    """
    if not keys:
        en, sv = _TEXTS.both("no_keys")
        raise ArgumentError(en, sv=sv)
    _require_columns(df, keys)
    dup = df.group_by(list(keys)).len().filter(pl.col("len") > 1).sort(list(keys))
    if dup.height:
        ex = ", ".join(f"{k}={v!r}" for k, v in zip(keys, dup.row(0)[: len(keys)], strict=True))
        joined = functools.reduce(lambda a, b: _TEXTS.phrase("and", a=a, b=b), map(str, keys))
        en, sv = _TEXTS.both("rows_repeat", keys=joined, n=dup.height, example=ex)
        raise DesignError(en, sv=sv)


def check_comparison_units(treated_by_unit: np.ndarray, treated: str) -> None:
    """Raise unless there are both treated and untreated (comparison) units.

    Parameters
    ----------
    treated_by_unit
        0/1 per unit.
    treated
        Name of the treated column, for the message.

    Raises
    ------
    DesignError
        ``"no untreated comparison units"`` or ``"no treated units"``.

    Examples
    --------
    >>> check_comparison_units(np.array([1.0, 0.0]), "tr")
    """
    n = treated_by_unit.size
    n1 = int(np.sum(treated_by_unit == 1))
    if n1 == n:
        en, sv = _TEXTS.both("no_comparison_units", n=n, treated=treated)
        raise DesignError(en, sv=sv)
    if n1 == 0:
        en, sv = _TEXTS.both("no_treated_units", treated=treated)
        raise DesignError(en, sv=sv)


def check_periods(
    times: np.ndarray,
    treatment_time: float,
    *,
    min_pre: int = 1,
    min_post: int = 1,
    what: str = "treatment_time",
) -> tuple[int, int]:
    """Raise unless the data have ``min_pre`` periods before and ``min_post`` from the start.

    Parameters
    ----------
    times
        Time values of the treated unit(s) (any order, repeats allowed).
    treatment_time
        First treated period.
    min_pre, min_post
        Needed numbers of distinct periods before / from ``treatment_time``.
    what
        Name of the argument, for the message.

    Returns
    -------
    tuple
        ``(n_pre, n_post)`` distinct periods.

    Raises
    ------
    DesignError
        Naming the data's range and what is missing.

    Examples
    --------
    >>> check_periods(np.arange(2010, 2020), 2015)
    (5, 5)
    """
    u = np.unique(np.asarray(times, dtype=float))
    n_pre = int(np.sum(u < treatment_time))
    n_post = int(np.sum(u >= treatment_time))
    rng = f"{u.min():g}-{u.max():g}" if u.size else _TEXTS.phrase("range_empty")
    if n_pre < min_pre:
        en, sv = _TEXTS.both(
            "too_few_pre_periods", what=what, time=treatment_time, n=n_pre, range=rng,
            needed=min_pre,
        )  # fmt: skip
        raise DesignError(en, sv=sv)
    if n_post < min_post:
        en, sv = _TEXTS.both(
            "too_few_post_periods", what=what, time=treatment_time, n=n_post, range=rng,
            needed=min_post,
        )  # fmt: skip
        raise DesignError(en, sv=sv)
    return n_pre, n_post


def check_pre_post(post: np.ndarray, treated_obs: np.ndarray, post_name: str) -> None:
    """Raise unless treated and comparison units are both seen before and after the start.

    Parameters
    ----------
    post
        0/1 per observation (1 in treatment periods).
    treated_obs
        0/1 per observation (1 for units of the treated group).
    post_name
        Name of the post column, for the message.

    Raises
    ------
    DesignError
        Naming the missing cell of the 2x2 table (group by period).

    Examples
    --------
    >>> check_pre_post(np.array([0, 1, 0, 1]), np.array([1, 1, 0, 0]), "post")
    """
    post = np.asarray(post, dtype=float)
    tr = np.asarray(treated_obs, dtype=float) == 1
    cells = [
        (tr & (post == 0), 0, "who_treated"),
        (tr & (post == 1), 1, "who_treated"),
        (~tr & (post == 0), 0, "who_comparison"),
        (~tr & (post == 1), 1, "who_comparison"),
    ]
    for mask, want, who in cells:
        if not mask.any():
            en, sv = _TEXTS.both(
                "pre_post_cell_missing",
                label=_TEXTS.phrase("label_no_post" if want else "label_no_pre"),
                who=_TEXTS.phrase(who),
                post=post_name,
                want=want,
            )
            raise DesignError(en, sv=sv)


def check_nonzero_counts(y: np.ndarray, mask: np.ndarray, where: str | tuple[str, str]) -> None:
    """Raise when every count selected by ``mask`` is zero (Poisson separation).

    Parameters
    ----------
    y
        Counts.
    mask
        Observations that a term of the model fits on its own (e.g. treated post-period).
    where
        Words naming those observations, as ``(English, Swedish)`` from the caller's
        catalogue; English alone gets a general Swedish phrase.

    Raises
    ------
    DesignError
        The maximum likelihood estimate of that term is minus infinity (separation).

    Examples
    --------
    >>> check_nonzero_counts(np.array([3.0, 0.0]), np.array([True, False]), "post")
    """
    sel = np.asarray(y, dtype=float)[np.asarray(mask, dtype=bool)]
    if sel.size and np.all(sel == 0):
        if isinstance(where, tuple):
            words = Both(*where)
        else:
            words = Both(where, _TEXTS("where_other", "sv"))
        en, sv = _TEXTS.both("all_counts_zero", n=sel.size, where=words)
        raise DesignError(en, sv=sv)


def check_outcome_varies(y: np.ndarray, outcome: str) -> None:
    """Raise when the outcome is constant (nothing to estimate, every SE 0).

    Raises
    ------
    DesignError
        The outcome takes one value in every row.

    Examples
    --------
    >>> check_outcome_varies(np.array([1.0, 2.0]), "y")
    """
    y = np.asarray(y, dtype=float)
    if y.size and np.ptp(y) == 0:
        en, sv = _TEXTS.both("outcome_constant", outcome=outcome, value=y[0])
        raise DesignError(en, sv=sv)


def check_rank(X: np.ndarray, names: Sequence[str], hint: str | tuple[str, str] = "") -> None:
    """Raise when the design matrix is rank deficient, naming the collinear terms.

    Parameters
    ----------
    X
        Design matrix.
    names
        Column names (e.g. ``"treated x post"``, ``"unit a"``).
    hint
        What to do, appended to the message, as ``(English, Swedish)`` from the caller's
        catalogue; English alone is left out of the Swedish message.

    Raises
    ------
    ArgumentError
        ``X`` not 2-D or with a missing or infinite value; not one name per column.
    EstimationError
        Naming the columns involved in the first linear dependence.

    Examples
    --------
    >>> check_rank(np.eye(3), ["a", "b", "c"])
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or not np.isfinite(X).all():
        en, sv = _TEXTS.both("design_not_finite")
        raise ArgumentError(en, sv=sv)
    if len(names) != X.shape[1]:
        en, sv = _TEXTS.both("names_length", n_names=len(names), n_columns=X.shape[1])
        raise ArgumentError(en, sv=sv)
    # a matrix with fewer rows than columns needs the full V: the reduced one has only
    # row-space vectors, and its last row would name terms that are not collinear
    _, s, vt = np.linalg.svd(X, full_matrices=X.shape[0] < X.shape[1])
    tol = s.max() * max(X.shape) * np.finfo(float).eps if s.size else 0.0
    rank = int(np.sum(s > tol))
    if rank < X.shape[1]:
        null = vt[-1]
        idx = np.flatnonzero(np.abs(null) > 1e-8 * np.abs(null).max())
        involved = [names[i] for i in idx[:6]]
        more = ", ..." if idx.size > 6 else ""
        hint_en, hint_sv = hint if isinstance(hint, tuple) else (hint, "")
        suffix = Both(
            _TEXTS("hint_suffix", "en", hint=hint_en) if hint_en else "",
            _TEXTS("hint_suffix", "sv", hint=hint_sv) if hint_sv else "",
        )
        en, sv = _TEXTS.both(
            "rank_deficient", n_columns=X.shape[1], rank=rank, terms=involved, more=more,
            hint=suffix,
        )  # fmt: skip
        raise EstimationError(en, sv=sv)


def add_if_separable(design: np.ndarray, kept: list[np.ndarray], column: np.ndarray) -> bool:
    """Append ``column`` to ``kept`` if the design with it still has full column rank.

    How DiD and ITS decide whether a series break's level shift can be estimated: ``design``
    (n x k) holds the model's other terms, ``kept`` the shift columns (length n) already
    added, and ``column`` the new one. A shift collinear with them (e.g. with the treatment
    or intervention terms) is not added, and the caller says so.

    Returns
    -------
    bool
        Whether ``column`` was appended.

    Examples
    --------
    >>> X = np.column_stack([np.ones(4), [0.0, 0.0, 1.0, 1.0]])
    >>> kept = []
    >>> add_if_separable(X, kept, np.array([0.0, 1.0, 1.0, 1.0])), len(kept)
    (True, 1)
    >>> add_if_separable(X, kept, np.array([0.0, 0.0, 1.0, 1.0])), len(kept)
    (False, 1)
    """
    trial = np.column_stack([design, *kept, column])
    if np.linalg.matrix_rank(trial) < trial.shape[1]:
        return False
    kept.append(column)
    return True


def overfit_note(n_donors: int, n_fit_periods: int, predictors_given: bool) -> str | None:
    """Warning text when a synthetic control can fit the pre-period whatever happens.

    With at least as many donors as fitted pre-treatment periods (and no predictors that
    constrain the weights) donor weights can reproduce almost any pre-period path, so a
    perfect pre-treatment fit is no evidence that the synthetic unit tracks the treated one
    (Abadie 2021, section 3.2: interpolation bias and overfitting).

    Parameters
    ----------
    n_donors
        Donors in the pool.
    n_fit_periods
        Outcome periods in the fit window.
    predictors_given
        Whether covariate predictors were given.

    Returns
    -------
    str or None

    Examples
    --------
    >>> overfit_note(5, 10, False) is None
    True
    """
    if n_donors < n_fit_periods:
        return None
    extra = "" if predictors_given else " and no predictors"
    return (
        f"{n_donors} donors for {n_fit_periods} pre-treatment periods{extra}: the weights "
        "can reproduce the pre-period almost exactly whatever the treated unit's path, so a "
        "close pre-treatment fit is no evidence (Abadie 2021); restrict the donors to "
        "similar units (e.g. kommuner of the same size class or län) so that there are "
        "fewer donors than pre-treatment periods, and add predictors"
    )
