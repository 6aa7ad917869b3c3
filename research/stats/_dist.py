"""The few distribution functions the default report needs, without importing ``scipy.stats``.

``import scipy.stats`` costs about a second (it pulls in ``scipy.optimize``, ``linalg``,
``sparse``, ``interpolate``, ...), a third of a default report's imports (issue 17). The
functions here call the same :mod:`scipy.special` routines that ``scipy.stats`` uses for these
distributions (``ndtr``/``ndtri``, ``stdtr``/``stdtrit``, ``pdtr``/``pdtrc``/``pdtrik``, and
the Boost binomial ufuncs behind ``scipy.stats.binom``) and reproduce ``scipy.stats``' handling
of the support, invalid parameters and the ends of ``[0, 1]``, so they return the same numbers
bit for bit; ``tests/test_dist.py`` checks that on grids that include the edge cases.
Parameters are arrays; ``loc``/``scale`` are not supported (the callers never shift).

References
----------
SciPy 1.17: ``scipy/stats/_continuous_distns.py`` (``norm_gen``, ``t_gen``),
``scipy/stats/_discrete_distns.py`` (``binom_gen``, ``poisson_gen``) and the generic
``rv_discrete.pmf/cdf/sf/ppf`` in ``scipy/stats/_distn_infrastructure.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special
from scipy.special import _ufuncs as _scu  # Boost binomial ufuncs, as scipy.stats.binom

__all__ = [
    "binom_cdf",
    "binom_pmf",
    "binom_sf",
    "norm_cdf",
    "norm_pdf",
    "norm_ppf",
    "norm_sf",
    "poisson_cdf",
    "poisson_pmf",
    "poisson_ppf",
    "t_ppf",
    "t_sf",
]

_NORM_PDF_C = math.sqrt(2 * math.pi)


def _out(x: np.ndarray) -> Any:
    """A 0-d result as a NumPy scalar, as scipy.stats returns it."""
    return x[()] if x.ndim == 0 else x


def norm_pdf(x: Any) -> Any:
    """Standard normal density (``scipy.stats.norm.pdf``).

    Examples
    --------
    >>> round(float(norm_pdf(0.0)), 6)
    0.398942
    """
    x = np.asarray(x, dtype=float)
    return _out(np.asarray(np.exp(-(x**2) / 2.0) / _NORM_PDF_C))


def norm_cdf(x: Any) -> Any:
    """Standard normal distribution function (``scipy.stats.norm.cdf``).

    Examples
    --------
    >>> round(float(norm_cdf(1.959964)), 6)
    0.975
    """
    return _out(np.asarray(special.ndtr(np.asarray(x, dtype=float))))


def norm_sf(x: Any) -> Any:
    """Standard normal survival function, ``1 - cdf`` (``scipy.stats.norm.sf``).

    Examples
    --------
    >>> round(float(norm_sf(1.959964)), 6)
    0.025
    """
    return _out(np.asarray(special.ndtr(-np.asarray(x, dtype=float))))


def norm_ppf(q: Any) -> Any:
    """Standard normal quantile (``scipy.stats.norm.ppf``).

    Examples
    --------
    >>> round(float(norm_ppf(0.975)), 6)
    1.959964
    """
    return _out(np.asarray(special.ndtri(np.asarray(q, dtype=float))))


def t_sf(x: Any, df: Any) -> Any:
    """Student t survival function (``scipy.stats.t(df).sf``).

    Examples
    --------
    >>> round(float(t_sf(2.228139, 10)), 6)
    0.025
    """
    return _out(np.asarray(special.stdtr(df, -np.asarray(x, dtype=float))))


def t_ppf(q: Any, df: Any) -> Any:
    """Student t quantile (``scipy.stats.t(df).ppf``).

    Examples
    --------
    >>> round(float(t_ppf(0.975, 10)), 6)
    2.228139
    """
    q = np.asarray(q, dtype=float)
    out = np.asarray(special.stdtrit(df, q), dtype=float)
    # scipy.stats returns the support's ends at q = 0 and 1, nan outside [0, 1]
    return _out(np.where(q == 0, -np.inf, np.where(q == 1, np.inf, out)))


# -- discrete: the generic rv_discrete wrappers, specialised ------------------------------------
def _broadcast(*args: Any) -> list[np.ndarray]:
    return [np.asarray(a, dtype=float) for a in np.broadcast_arrays(*args)]


def _probabilities(
    k: np.ndarray,
    ok: np.ndarray,
    inside: np.ndarray,
    values: Callable[[np.ndarray], np.ndarray],
    one: np.ndarray | None = None,
) -> Any:
    """A probability at each ``k``, as scipy's discrete distributions give it.

    nan where the parameters are invalid (``~ok``) or ``k`` is nan; 1 where ``one``; the
    formula ``values(inside)`` (given the mask, it returns the values there) clipped to
    [0, 1] inside the support; 0 elsewhere.
    """
    out = np.zeros(k.shape)
    out[~ok | np.isnan(k)] = np.nan
    if one is not None:
        out[one] = 1.0
    out[inside] = np.clip(values(inside), 0.0, 1.0)
    return _out(out)


def poisson_pmf(k: Any, mu: Any) -> Any:
    """Poisson probability mass (``scipy.stats.poisson.pmf``).

    Examples
    --------
    >>> round(float(poisson_pmf(2, 3.0)), 6)
    0.224042
    """
    k, mu = _broadcast(k, mu)
    ok = mu >= 0
    inside = ok & (k >= 0) & (k == np.floor(k))
    with np.errstate(divide="ignore", invalid="ignore"):
        val = np.exp(special.xlogy(k, mu) - special.gammaln(k + 1) - mu)
    return _probabilities(k, ok, inside, lambda m: val[m])


def poisson_cdf(k: Any, mu: Any) -> Any:
    """Poisson distribution function ``P(X <= k)`` (``scipy.stats.poisson.cdf``).

    Examples
    --------
    >>> round(float(poisson_cdf(2, 3.0)), 6)
    0.42319
    """
    k, mu = _broadcast(k, mu)
    k = np.floor(k)
    ok = mu >= 0
    inside = ok & (k >= 0) & (k < np.inf)
    return _probabilities(
        k, ok, inside, lambda m: special.pdtr(k[m], mu[m]), one=ok & (k == np.inf)
    )


def poisson_ppf(q: Any, mu: Any) -> Any:
    """Poisson quantile: the smallest k with ``P(X <= k) >= q`` (``scipy.stats.poisson.ppf``).

    Examples
    --------
    >>> float(poisson_ppf(0.975, 10.0))
    17.0
    """
    q, mu = _broadcast(q, mu)
    ok = mu >= 0
    inside = ok & (q > 0) & (q < 1)
    out = np.full(q.shape, np.nan)
    out[ok & (q == 0)] = -1.0
    out[ok & (q == 1)] = np.inf
    qi, mi = q[inside], mu[inside]
    vals = np.ceil(special.pdtrik(qi, mi))
    vals1 = np.maximum(vals - 1, 0)
    out[inside] = np.where(special.pdtr(vals1, mi) >= qi, vals1, vals)
    return _out(out)


def _binom_ok(n: np.ndarray, p: np.ndarray) -> np.ndarray:
    return (n >= 0) & (n == np.floor(n)) & (p >= 0) & (p <= 1)


def _binom_tail(k: Any, n: Any, p: Any, *, upper: bool) -> Any:
    """``P(X <= k)`` (``upper=False``) or ``P(X > k)`` (``upper=True``), as ``binom.cdf``/``sf``."""
    k, n, p = _broadcast(k, n, p)
    k = np.floor(k)
    ok = _binom_ok(n, p)
    inside = ok & (k >= 0) & (k < n)
    tail = _scu._binom_sf if upper else _scu._binom_cdf
    whole_mass = ok & ((k < 0) if upper else (k >= n))  # the whole mass is on the asked side
    return _probabilities(k, ok, inside, lambda m: tail(k[m], n[m], p[m]), one=whole_mass)


def binom_pmf(k: Any, n: Any, p: Any) -> Any:
    """Binomial probability mass (``scipy.stats.binom.pmf``).

    Examples
    --------
    >>> round(float(binom_pmf(3, 10, 0.3)), 6)
    0.266828
    """
    k, n, p = _broadcast(k, n, p)
    ok = _binom_ok(n, p)
    inside = ok & (k >= 0) & (k <= n) & (k == np.floor(k))
    return _probabilities(k, ok, inside, lambda m: _scu._binom_pmf(k[m], n[m], p[m]))


def binom_cdf(k: Any, n: Any, p: Any) -> Any:
    """Binomial distribution function ``P(X <= k)`` (``scipy.stats.binom.cdf``).

    Examples
    --------
    >>> round(float(binom_cdf(3, 10, 0.3)), 6)
    0.649611
    """
    return _binom_tail(k, n, p, upper=False)


def binom_sf(k: Any, n: Any, p: Any) -> Any:
    """Binomial survival function ``P(X > k)`` (``scipy.stats.binom.sf``).

    Examples
    --------
    >>> round(float(binom_sf(3, 10, 0.3)), 6)
    0.350389
    """
    return _binom_tail(k, n, p, upper=True)
