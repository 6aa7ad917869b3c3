"""The NB2 log-likelihood and its score in the dispersion, accurate near the Poisson limit.

With ``theta = 1/alpha`` the NB2 log-likelihood of a count ``y`` with mean ``mu`` is

    lgamma(y + theta) - lgamma(theta) - lgamma(y + 1) + theta·log(theta/(theta + mu))
    + y·log(mu/(theta + mu)).

Written this way it subtracts numbers of size ``theta·log(theta)`` to get numbers of size
``y·log(mu)``: at ``alpha = 1e-13`` (``theta = 1e13``) and counts of some ten thousand a year
the rounding is of order 0.06 in the log-likelihood, larger than the whole difference
between the NB2 and Poisson fits it is meant to show. A search of the profile likelihood
that starts at the Poisson limit (:func:`research.stats.glm.nb2_alpha`) then compares noise.
Here the same quantity is rearranged so that no large terms cancel:

    A(y, theta) - lgamma(y + 1) + y·log(mu) - (theta + y)·log1p(mu/theta),

with ``A(y, theta) = lgamma(y + theta) - lgamma(theta) - y·log(theta)``, the log of the
rising factorial ``theta^(y)`` over ``theta^y``. For ``theta >= 20`` it is taken from
Stirling's series (Abramowitz and Stegun 6.1.41, four correction terms, truncation error
below 1e-14), as ``(theta + y - 1/2)·log1p(y/theta) - y`` plus the corrections, which stays
accurate to a few units of ``y·eps`` however large ``theta`` is. The score's digamma
difference ``psi(y + theta) - psi(theta)`` uses the matching series (A&S 6.3.18).

References
----------
Abramowitz, M. and Stegun, I. A. (1964). *Handbook of Mathematical Functions*, formulas 6.1.41
and 6.3.18. National Bureau of Standards.
Lawless, J. F. (1987). Negative binomial and mixed Poisson regression. *Canadian Journal of
Statistics* 15(3), 209-225.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["digamma_difference", "log_rising_ratio", "nb2_loglike", "nb2_theta_score"]

#: Above this ``theta`` the series are used; their first omitted terms are below 1e-14 there.
_SERIES_FROM = 20.0


def _lgamma_correction(z: np.ndarray) -> np.ndarray:
    """``lgamma(z) - ((z - 1/2)·log(z) - z + log(2·pi)/2)`` for ``z >= 20`` (A&S 6.1.41)."""
    with np.errstate(over="ignore"):  # z > 1e154: z² is inf and the terms beyond 1/z are 0
        z2 = z * z
    return (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0 - 1.0 / (1680.0 * z2)) / z2) / z2) / z


def _digamma_correction(z: np.ndarray) -> np.ndarray:
    """``psi(z) - (log(z) - 1/(2z))`` for ``z >= 20`` (A&S 6.3.18)."""
    with np.errstate(over="ignore"):  # z > 1e154: z² is inf and the correction 0
        z2 = z * z
    return -(1.0 / 12.0 - (1.0 / 120.0 - (1.0 / 252.0 - 1.0 / (240.0 * z2)) / z2) / z2) / z2


def log_rising_ratio(y: np.ndarray, theta: float) -> np.ndarray:
    """``lgamma(y + theta) - lgamma(theta) - y·log(theta)``, accurate for any ``theta > 0``.

    Parameters
    ----------
    y
        Non-negative counts, any shape.
    theta
        NB2 size ``1/alpha``, positive and finite.

    Returns
    -------
    numpy.ndarray
        Same shape as ``y``; 0 where ``y`` is 0. The absolute error is below 1e-13 plus a
        few units of ``y·eps``, whatever ``theta`` is (so the relative error of a value far
        below that is larger).

    Examples
    --------
    >>> import numpy as np
    >>> a = log_rising_ratio(np.array([0.0, 2.0]), 1e6)  # 0 and log(1 + 1/theta)
    >>> a[0], bool(abs(a[1] - np.log1p(1e-6)) < 1e-15)
    (np.float64(0.0), True)
    """
    y = np.asarray(y, dtype=float)
    if theta < _SERIES_FROM:
        return special.gammaln(y + theta) - special.gammaln(theta) - y * np.log(theta)
    z = theta + y
    return (
        (z - 0.5) * np.log1p(y / theta)
        - y
        + _lgamma_correction(z)
        - _lgamma_correction(np.full_like(y, theta))
    )


def digamma_difference(y: np.ndarray, theta: float) -> np.ndarray:
    """``psi(y + theta) - psi(theta)``, accurate for any ``theta > 0``.

    Examples
    --------
    >>> import numpy as np
    >>> digamma_difference(np.array([1.0]), 3.0).round(12).tolist()  # psi(4) - psi(3) = 1/3
    [0.333333333333]
    """
    y = np.asarray(y, dtype=float)
    if theta < _SERIES_FROM:
        return special.digamma(y + theta) - special.digamma(theta)
    z = theta + y
    return (
        np.log1p(y / theta)
        - 0.5 / z
        + 0.5 / theta
        + _digamma_correction(z)
        - _digamma_correction(np.full_like(y, theta))
    )


def nb2_loglike(y: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    """NB2 log-likelihood ``sum log P(Y = y)``, ``Var Y = mu + alpha·mu²``.

    Parameters
    ----------
    y, mu
        Counts and means ``(n,)``; ``mu >= 0`` (a mean of 0 with a count of 0 contributes 0).
    alpha
        Dispersion, positive and finite.

    Returns
    -------
    float
        The log-likelihood; it tends to the Poisson log-likelihood as ``alpha -> 0``.

    Examples
    --------
    >>> import numpy as np
    >>> # theta = 2, p = 1/2: P(Y = 3) = C(4, 3)·(1/2)^2·(1/2)^3 = 1/8
    >>> bool(abs(nb2_loglike(np.array([3.0]), np.array([2.0]), 0.5) - np.log(1 / 8)) < 1e-14)
    True
    """
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    theta = 1.0 / alpha
    return float(
        np.sum(
            log_rising_ratio(y, theta)
            - special.gammaln(y + 1.0)
            + special.xlogy(y, mu)
            - (theta + y) * np.log1p(mu / theta)
        )
    )


def nb2_theta_score(y: np.ndarray, mu: np.ndarray, theta: float) -> float:
    """Derivative of the NB2 log-likelihood in ``theta = 1/alpha`` at fixed means.

    ``sum(psi(y + theta) - psi(theta) - log1p(mu/theta) + (mu - y)/(theta + mu))`` (Lawless
    1987, eq. 2.5). At the coefficients fitted for ``theta`` it is the derivative of the
    profile log-likelihood, the equation ``MASS::theta.ml`` solves.

    Examples
    --------
    >>> import numpy as np
    >>> y, mu = np.array([0.0, 4.0]), np.array([2.0, 2.0])
    >>> h = 1e-6
    >>> num = (nb2_loglike(y, mu, 1 / (3 + h)) - nb2_loglike(y, mu, 1 / (3 - h))) / (2 * h)
    >>> abs(nb2_theta_score(y, mu, 3.0) - num) < 1e-8
    True
    """
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    return float(
        np.sum(digamma_difference(y, theta) - np.log1p(mu / theta) + (mu - y) / (theta + mu))
    )
