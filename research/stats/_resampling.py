"""Rules shared by every resampling-based inference of :mod:`research.stats`.

One rule for the number of random replications and one for ties, used by the permutation
tests and wild cluster bootstrap of :mod:`research.stats.did` (``diff_in_diff``,
``event_study``), the multiplier bootstrap of :mod:`research.stats.staggered`, the placebo
and bootstrap SEs of :mod:`research.stats.sdid`, the placebo-in-space test of
:mod:`research.stats.synth` and the simulated permutation test of :mod:`research.stats.power`.

Replications
    A function that draws replications at random (``replications``, ``n_permutations``,
    ``n_bootstrap``, ``biters``) refuses fewer than :data:`MIN_REPLICATIONS` = 50 with an
    :class:`~research.core.errors.ArgumentError` worded the same everywhere
    (:func:`check_replications`). A standard deviation from ``B`` draws has a relative Monte
    Carlo error of about ``1 / sqrt(2 B)`` (10 % at 50), and Efron & Tibshirani (1993,
    section 6.4) find ``B = 50`` often enough for a standard error; a p-value from ``B``
    draws cannot go below ``1 / (B + 1)``, so fewer than 50 could not resolve the 5 % level
    at all (``1 / 20``). Whether the draws that were made can reach the interval's level is
    a separate caveat returned in the result's ``warnings`` (``few-assignments``,
    ``few-placebo-assignments``, ``few-placebos``).

Ties
    A permutation, placebo or bootstrap p-value counts the reference statistics at least as
    extreme as the observed one. Statistics equal up to rounding must count as ties, and
    the tolerance must scale with the statistic, or the p-value would change when the
    outcome is rescaled (a rate per 100 000 inhabitants against one per inhabitant).
    :func:`at_least_as_extreme` takes a relative tolerance, :data:`TIE_RTOL` times the
    largest absolute statistic of the reference distribution (the observed one included),
    plus an optional ``floor`` on the same scale (the rounding floor of an exact fit,
    :func:`research.stats.glm.rounding_floor`).

References
----------
Efron, B. and Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall,
section 6.4 (the number of bootstrap replications B).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from research.core.errors import ArgumentError
from research.core.i18n import load_catalogue

__all__ = [
    "MIN_REPLICATIONS",
    "TIE_RTOL",
    "at_least_as_extreme",
    "check_replications",
    "random_generator",
]

#: Error messages in Swedish and English (``resampling_errors.toml``).
_TEXTS = load_catalogue(Path(__file__).with_name("resampling_errors.toml"))

#: Fewest random replications (permutations, bootstrap or placebo draws) accepted.
MIN_REPLICATIONS = 50

#: Relative tolerance within which two statistics count as tied (on the statistic's scale).
TIE_RTOL = 1e-9


def check_replications(value: Any, name: str) -> int:
    """A number of random replications: a whole number of at least :data:`MIN_REPLICATIONS`.

    Parameters
    ----------
    value
        The number given by the caller.
    name
        The argument's name (``replications``, ``n_permutations``, ``n_bootstrap``,
        ``biters``), used in the message.

    Returns
    -------
    int

    Raises
    ------
    ArgumentError
        If ``value`` is not a whole number (``bool`` included) or is below 50.

    Examples
    --------
    >>> check_replications(200, "replications")
    200
    >>> check_replications(10, "biters")
    Traceback (most recent call last):
    ...
    research.core.errors.ArgumentError: biters: need a whole number of at least 50 replications (a p-value, standard error or interval from fewer random draws is too noisy to report), got 10
    """  # noqa: E501 - a doctest's output is one line
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or value < MIN_REPLICATIONS
    ):
        en, sv = _TEXTS.both("replications", name=name, minimum=MIN_REPLICATIONS, value=value)
        raise ArgumentError(en, sv=sv)
    return int(value)


def random_generator(seed: Any, name: str = "seed") -> np.random.Generator:
    """The random generator of a seed a caller passed, checked first.

    Parameters
    ----------
    seed
        ``None`` (fresh entropy), a whole number >= 0, a :class:`numpy.random.SeedSequence`
        or a :class:`numpy.random.Generator` (used as it is).
    name
        The argument's name, used in the message.

    Returns
    -------
    numpy.random.Generator
        ``numpy.random.default_rng(seed)``.

    Raises
    ------
    ArgumentError
        If ``seed`` is negative, a bool, a float, text or anything else numpy would reject
        with its own message (``expected non-negative integer``).

    Examples
    --------
    >>> float(random_generator(1).random()) == float(np.random.default_rng(1).random())
    True
    >>> random_generator(-1)
    Traceback (most recent call last):
    ...
    research.core.errors.ArgumentError: seed must be None, a whole number >= 0 or a numpy Generator; got -1
    """  # noqa: E501 - a doctest's output is one line
    ok = (
        seed is None
        or isinstance(seed, np.random.Generator | np.random.SeedSequence)
        or (isinstance(seed, int | np.integer) and not isinstance(seed, bool) and seed >= 0)
    )
    if not ok:
        en, sv = _TEXTS.both("seed", name=name, value=seed)
        raise ArgumentError(en, sv=sv)
    return np.random.default_rng(seed)


def at_least_as_extreme(
    values: Any, observed: Any, *, floor: float = 0.0, axis: int | None = None
) -> np.ndarray:
    """Which reference statistics are at least as large as the observed one, ties included.

    ``values >= observed - tol`` with ``tol = max(TIE_RTOL * s, floor)``, ``s`` the largest
    absolute finite value among ``values`` and ``observed`` (along ``axis``): a relative
    tolerance, so multiplying every statistic by a constant leaves the result unchanged.
    Pass absolute values for a two-sided test.

    Parameters
    ----------
    values
        The reference distribution (the observed statistic may be among them).
    observed
        The observed statistic (broadcast against ``values``; keep ``axis``'s dimension).
    floor
        A tolerance on the statistics' own scale below which differences are rounding (e.g.
        :func:`research.stats.glm.rounding_floor` of the outcome); 0 for none.
    axis
        The axis of the reference distribution; None for all of ``values``.

    Returns
    -------
    numpy.ndarray
        Booleans, the shape of ``values``; NaN statistics are False.

    Examples
    --------
    >>> s = np.array([2.0, 2.0 * (1 - 1e-12), 1.0, 3.0])
    >>> at_least_as_extreme(s, s[0]).tolist()
    [True, True, False, True]
    >>> (at_least_as_extreme(s * 1e-6, s[0] * 1e-6) == at_least_as_extreme(s, s[0])).all()
    np.True_
    """
    v = np.asarray(values, dtype=float)
    o = np.asarray(observed, dtype=float)
    finite = np.isfinite(v)
    scale = np.max(np.abs(np.where(finite, v, 0.0)), axis=axis, keepdims=True, initial=0.0)
    scale = np.maximum(scale, np.abs(np.where(np.isfinite(o), o, 0.0)))
    tol = np.maximum(TIE_RTOL * scale, floor)
    with np.errstate(invalid="ignore"):
        return np.asarray(finite & (v >= o - tol))
