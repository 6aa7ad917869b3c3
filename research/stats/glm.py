"""Small generalized linear model fitter (numpy only) shared by the effect estimators.

Fits Gaussian (identity link), Poisson (log link) and negative binomial NB2 (log link)
models by iteratively reweighted least squares (IRLS), with an optional offset, and returns
the pieces the estimators need: coefficients, the unscaled inverse information ("bread"),
the dispersion, Pearson chi-square, deviance, fitted means and per-observation scores for
cluster-robust sandwich covariances.

Conventions (stated because packages differ):

* ``scale="x2"`` (quasi-likelihood) multiplies the covariance by the Pearson chi-square over
  the residual degrees of freedom, as R's ``quasipoisson`` and statsmodels' ``scale="X2"``.
* The negative binomial dispersion ``alpha`` (variance ``mu + alpha * mu**2``) is estimated by
  maximum likelihood: the global maximum of the profile likelihood, which can have two
  (:func:`nb2_alpha`), with the Poisson limit ``alpha -> 0`` as a candidate; the coefficient
  covariance is the inverse expected information at the estimated ``alpha`` treated as known,
  as in R's ``MASS::glm.nb``.
* The cluster-robust covariance is CR1: ``G/(G-1) * (N-1)/(N-K)`` times the sandwich. K
  leaves out the dummies of fixed effects nested in the clusters when the caller says how
  many there are (``n_nested``), the convention of fixest (``fixef.K = "nested"``), pyfixest
  and reghdfe; with ``n_nested=0`` it is Stata's ``regress, vce(cluster)`` and statsmodels'
  ``cov_type="cluster"``.

References
----------
McCullagh, P. and Nelder, J. A. (1989). *Generalized Linear Models*, 2nd ed. Chapman & Hall.
Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources* 50(2), 317-372.
Marschner, I. C. (2011). glm2: Fitting generalized linear models with convergence problems.
*The R Journal* 3(2), 12-15 (step-halving when the deviance rises).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy import linalg, special

from research.core.errors import ArgumentError, DesignError, EstimationError
from research.core.fmt import format_number
from research.core.i18n import Both, load_catalogue

from ._nb2 import nb2_loglike as _nb_loglike
from ._nb2 import nb2_theta_score

__all__ = [
    "QUASI_SCALE_FLOOR",
    "GLMFit",
    "cluster_covariance",
    "cr1_factor",
    "fit_glm",
    "fit_negbin",
    "is_exact_fit",
    "nb2_alpha",
    "quasi_scale",
    "rounding_floor",
    "separated_observations",
    "unidentified_terms",
    "zero_fitted",
]

_FAMILIES = ("gaussian", "poisson", "negbin")

#: Error messages in Swedish and English (research/stats/glm_errors.toml).
_ERRORS = load_catalogue(Path(__file__).with_name("glm_errors.toml"))

#: Rounding units per observation a fitted value may be off by and still count as exact. A
#: least-squares or IRLS fit in double precision computes each fitted value from sums of up
#: to ``n`` terms, so rounding leaves residuals of at most about ``n * eps`` times the size
#: of the outcome (Higham 2002, section 3.1: the error bound ``gamma_n`` of a sum of ``n``
#: terms); on two-way fixed-effects and trend designs of 25 to 8 410 observations fitted
#: exactly, the measured residual norm was at most ``0.4 * n * eps * ||y||``. The factor 100
#: leaves a margin of 250 for worse conditioned designs while staying far below any residual
#: of real data (rates published to one decimal leave residuals of about ``1e-4 * ||y||``;
#: the floor is ``1e-9 * ||y||`` at 45 000 observations).
_ROUNDING_UNITS = 100.0

#: The smallest Pearson dispersion a quasi-Poisson interval or p-value is scaled by
#: (:func:`quasi_scale`).
QUASI_SCALE_FLOOR = 1.0


def quasi_scale(dispersion: float) -> float:
    """The dispersion quasi-Poisson inference uses: the Pearson estimate, at least 1.

    The Pearson estimate ``chi2 / (n - p)`` below 1 (under-dispersion) says the counts vary
    less than Poisson counts would. For counts of events such as reported crimes that is
    implausible, and in the short series the package fits (8 to 12 years, 4 to 8 residual
    degrees of freedom) it is mostly the sampling noise of the estimate itself, whose
    relative standard deviation is about ``sqrt(2 / df)``, 50 to 70 %. Scaling by it makes
    intervals narrower than the Poisson model's: yearly counts 100, 101, 100, 102, 101, 103,
    102, 104 give a dispersion of 0.0063 and a trend p-value of 0.0075, where the Poisson
    model (and the negative binomial, whose ML dispersion is 0) gives 0.75. The floor at 1
    is the common practice: the Farrington outbreak-detection algorithm takes the
    dispersion as ``max(estimate, 1)`` (Farrington et al. 1996; R's
    ``surveillance::algo.farrington``), and funnel plots inflate their limits only when the
    estimate exceeds 1 (Spiegelhalter 2005; :func:`research.stats.funnel.funnel_limits`).
    R's ``summary.glm`` and statsmodels' ``scale="X2"`` do not floor; the estimators report
    the Pearson estimate itself as their ``dispersion``.

    Parameters
    ----------
    dispersion
        Pearson chi-square over the residual degrees of freedom.

    Returns
    -------
    float
        ``max(dispersion, 1)``; NaN stays NaN.

    References
    ----------
    Farrington, C. P., Andrews, N. J., Beale, A. D. and Catchpole, M. A. (1996). A
    statistical algorithm for the early detection of outbreaks of infectious disease.
    *Journal of the Royal Statistical Society A* 159(3), 547-563.
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance.
    *Statistics in Medicine* 24(8), 1185-1202.

    Examples
    --------
    >>> quasi_scale(0.25), quasi_scale(2.5)
    (1.0, 2.5)
    """
    d = float(dispersion)
    return d if math.isnan(d) else max(d, QUASI_SCALE_FLOOR)


@dataclass(frozen=True)
class GLMFit:
    """Result of :func:`fit_glm` / :func:`fit_negbin`.

    Attributes
    ----------
    params
        Coefficients, in the column order of the design matrix.
    bread
        Unscaled inverse information ``(X' W X)^-1`` (for the Gaussian family ``(X'X)^-1``).
    scale
        Dispersion multiplying ``bread`` in :attr:`cov`: residual variance for the Gaussian
        family, 1 for Poisson and NB2, Pearson chi2 / df for ``scale="x2"``.
    cov
        Model-based covariance ``scale * bread``.
    mu, eta
        Fitted means and linear predictors (``eta`` includes the offset).
    deviance, pearson_chi2
        Goodness-of-fit sums.
    df_resid
        ``n - rank``.
    loglike
        Log-likelihood (Gaussian: at the ML variance RSS/n).
    family
        ``"gaussian"``, ``"poisson"`` or ``"negbin"``.
    alpha
        NB2 dispersion (``None`` for other families).
    converged, n_iter
        IRLS diagnostics.
    """

    params: np.ndarray
    bread: np.ndarray
    scale: float
    cov: np.ndarray
    mu: np.ndarray
    eta: np.ndarray
    deviance: float
    pearson_chi2: float
    df_resid: int
    nobs: int
    loglike: float
    family: str
    alpha: float | None
    converged: bool
    n_iter: int

    @property
    def se(self) -> np.ndarray:
        """Model-based standard errors ``sqrt(diag(cov))``."""
        return np.sqrt(np.diag(self.cov))


def _check(X: np.ndarray, y: np.ndarray, offset: np.ndarray | None) -> tuple:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        en, sv = _ERRORS.both("shape_mismatch", x_shape=X.shape, y_shape=y.shape)
        raise ArgumentError(en, sv=sv)
    off = np.zeros_like(y) if offset is None else np.asarray(offset, dtype=float)
    if off.shape != y.shape:
        en, sv = _ERRORS.both("offset_shape", shape=off.shape, expected=y.shape)
        raise ArgumentError(en, sv=sv)
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y)) and np.all(np.isfinite(off))):
        en, sv = _ERRORS.both("not_finite")
        raise ArgumentError(en, sv=sv)
    rank = np.linalg.matrix_rank(X)
    if rank < X.shape[1]:
        en, sv = _ERRORS.both("rank_deficient", k=X.shape[1], rank=rank)
        raise DesignError(en, sv=sv)
    return X, y, off


def _irls(
    X: np.ndarray,
    y: np.ndarray,
    off: np.ndarray,
    family: str,
    alpha: float,
    start: np.ndarray | None,
    max_iter: int,
    tol: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool, int]:
    if start is not None:
        eta = X @ start + off
    else:
        eta = np.log(y + 0.5 * (np.mean(y) + 0.1))
    mu = np.exp(eta)
    dev_old = floor_old = np.inf
    beta = np.zeros(X.shape[1]) if start is None else np.asarray(start, dtype=float)
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - it is reported
        w = mu / (1.0 + alpha * mu)
        z = eta - off + (y - mu) / mu
        Xw = X * w[:, None]
        previous = beta
        try:
            beta = np.linalg.solve(X.T @ Xw, Xw.T @ z)
        except np.linalg.LinAlgError:
            sw = np.sqrt(w)
            beta, *_ = np.linalg.lstsq(X * sw[:, None], z * sw, rcond=None)
        eta, mu, dev = _at(X, y, off, beta, family, alpha)
        # Fisher scoring can overshoot and cycle (NB2 with a large alpha and one outlying
        # count alternated between two slopes for 200 iterations): halve the step until
        # the deviance does not rise (step-halving, as R's glm.fit for invalid fits and
        # the glm2 package for rising deviance, Marschner 2011). "Rise" is judged by the
        # rounding of the last accepted deviance: the new one's own rounding can be of any
        # size (a step that sent a mean to 1e16 had a rounding of 1e32 and passed)
        halvings = 0
        while not dev <= dev_old + floor_old and halvings < 30:
            beta = 0.5 * (beta + previous)
            eta, mu, dev = _at(X, y, off, beta, family, alpha)
            halvings += 1
        if not dev <= dev_old + floor_old:
            # no step along this direction lowers the deviance (R's glm.fit: "inner loop 2;
            # cannot correct step size"): keep the last iterate and stop, unconverged
            beta = previous
            eta, mu, dev = _at(X, y, off, beta, family, alpha)
            break
        # the deviance is a sum of terms of the counts' size: below this its change is
        # rounding (with a million events a year 1e-13 of it never comes)
        floor = _DEVIANCE_ROUNDING * _deviance_size(y, mu)
        if abs(dev - dev_old) <= max(tol * (abs(dev) + 0.1), floor):
            converged = True
            break
        dev_old, floor_old = dev, floor
    return beta, eta, mu, converged, it


#: Rounding units of the deviance's terms below which IRLS counts its change as 0
_DEVIANCE_ROUNDING = 16 * float(np.finfo(float).eps)


def _at(
    X: np.ndarray, y: np.ndarray, off: np.ndarray, beta: np.ndarray, family: str, alpha: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Linear predictor, mean and deviance of a log-link fit at ``beta`` (means in exp(+-700))."""
    eta = np.clip(X @ beta + off, -700.0, 700.0)
    mu = np.exp(eta)
    return eta, mu, _deviance(y, mu, family, alpha)


def _poisson_loglike(y: np.ndarray, mu: np.ndarray) -> float:
    """Poisson log-likelihood ``sum(y log mu - mu - log y!)`` (the NB2 limit as alpha -> 0)."""
    return float(np.sum(special.xlogy(y, mu) - mu - special.gammaln(y + 1.0)))


def _deviance_size(y: np.ndarray, mu: np.ndarray) -> float:
    """The size of the deviance's terms summed without cancellation: its rounding scale."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        size = float(np.sum(np.abs(special.xlogy(y, y / mu)) + np.abs(y) + np.abs(mu)))
    return size if np.isfinite(size) else 0.0


def _deviance(y: np.ndarray, mu: np.ndarray, family: str, alpha: float) -> float:
    """Deviance of a Poisson or NB2 fit (the Gaussian fit is least squares, its RSS)."""
    if family == "poisson":
        return float(2.0 * np.sum(special.xlogy(y, y / mu) - (y - mu)))
    theta = 1.0 / alpha
    return float(
        2.0 * np.sum(special.xlogy(y, y / mu) - (y + theta) * np.log((y + theta) / (mu + theta)))
    )


def _check_iteration(start: np.ndarray | None, max_iter: Any, tol: Any, k: int) -> None:
    """Raise for IRLS settings that would return the start as a fit (or NaN)."""
    if (
        isinstance(max_iter, bool)
        or not isinstance(max_iter, int | np.integer)
        or max_iter < 1
        or isinstance(tol, bool)
        or not isinstance(tol, int | float)
        or not (math.isfinite(tol) and tol > 0)
    ):
        en, sv = _ERRORS.both("iteration_settings", max_iter=max_iter, tol=tol)
        raise ArgumentError(en, sv=sv)
    if start is not None:
        s = np.asarray(start, dtype=float)
        if s.shape != (k,) or not np.all(np.isfinite(s)):
            en, sv = _ERRORS.both("start_shape", k=k, start=start)
            raise ArgumentError(en, sv=sv)


def fit_glm(  # noqa: PLR0913 - the GLM's documented options (weights, offset, family, tolerances)
    X: np.ndarray,
    y: np.ndarray,
    *,
    family: str = "gaussian",
    offset: np.ndarray | None = None,
    alpha: float | None = None,
    scale: str = "model",
    start: np.ndarray | None = None,
    max_iter: int = 200,
    tol: float = 1e-13,
) -> GLMFit:
    """Fit a Gaussian, Poisson or NB2 (fixed ``alpha``) GLM by IRLS.

    Parameters
    ----------
    X
        Design matrix ``(n, k)`` of full column rank (include the intercept yourself).
    y
        Outcome; non-negative counts for ``"poisson"`` and ``"negbin"``.
    family
        ``"gaussian"`` (identity link), ``"poisson"`` or ``"negbin"`` (log link).
    offset
        Added to the linear predictor (already on the log scale for log-link families).
    alpha
        NB2 dispersion, required for ``family="negbin"``; use :func:`fit_negbin` to estimate.
    scale
        ``"model"``: dispersion fixed by the family (1 for Poisson/NB2, RSS/df for Gaussian);
        ``"x2"``: Pearson chi2 / (n - k) (quasi-likelihood; needs ``n > k``).
    start
        Starting coefficients (log-link families).
    max_iter, tol
        IRLS limits; convergence on the relative change of the deviance.

    Returns
    -------
    GLMFit
        For a log-link fit whose information matrix is singular at the end (zero counts
        that some terms alone fit, their means numerically zero), ``bread`` and ``cov`` are
        NaN: those terms have no finite estimate (:func:`unidentified_terms` names them).

    Raises
    ------
    ArgumentError
        Unknown family, mismatched shapes, non-finite values or negative counts;
        ``max_iter`` below 1, ``tol`` not a positive finite number, ``start`` not one finite
        value per column of ``X``.
    DesignError
        A rank-deficient design (collinear terms; the message says which to drop).
    EstimationError
        ``scale="x2"`` with no residual degrees of freedom (``n <= k``): the Pearson scale
        chi2 / (n - k) is undefined.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.column_stack([np.ones(4), [0.0, 0.0, 1.0, 1.0]])
    >>> fit = fit_glm(X, np.array([10.0, 12.0, 20.0, 24.0]), family="poisson")
    >>> round(float(np.exp(fit.params[1])), 6)  # ratio of the group totals 44/22
    2.0
    """
    if family not in _FAMILIES:
        en, sv = _ERRORS.both("unknown_family", family=family, families=_FAMILIES)
        raise ArgumentError(en, sv=sv)
    if scale not in ("model", "x2"):
        en, sv = _ERRORS.both("unknown_scale", scale=scale)
        raise ArgumentError(en, sv=sv)
    X, y, off = _check(X, y, offset)
    n, k = X.shape
    _check_iteration(start, max_iter, tol, k)
    if family == "gaussian":
        beta, *_ = np.linalg.lstsq(X, y - off, rcond=None)
        eta = X @ beta + off
        mu = eta
        resid = y - mu
        rss = float(resid @ resid)
        bread = np.linalg.inv(X.T @ X)
        sc = rss / (n - k) if n > k else float("nan")
        ll = -0.5 * n * (np.log(2 * np.pi * rss / n) + 1.0) if rss > 0 else float("inf")
        return GLMFit(
            params=beta, bread=bread, scale=sc, cov=sc * bread, mu=mu, eta=eta,
            deviance=rss, pearson_chi2=rss, df_resid=n - k, nobs=n, loglike=float(ll),
            family=family, alpha=None, converged=True, n_iter=1,
        )  # fmt: skip
    if np.any(y < 0):
        en, sv = _ERRORS.both("negative_counts")
        raise ArgumentError(en, sv=sv)
    if family == "negbin":
        if alpha is None or not (alpha > 0 and math.isfinite(alpha)):
            en, sv = _ERRORS.both("negbin_needs_alpha")
            raise ArgumentError(en, sv=sv)
        a = float(alpha)
    else:
        a = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        beta, eta, mu, conv, it = _irls(X, y, off, family, a, start, max_iter, tol)
    w = mu / (1.0 + a * mu)
    try:
        bread = np.linalg.inv(X.T @ (X * w[:, None]))
    except np.linalg.LinAlgError:
        # a separated fit (zero counts that some terms alone fit, their means sent to
        # exp(-700)) has no information on those terms: no covariance rather than numpy's
        # error, so the caller can name the zeros (unidentified_terms)
        bread = np.full((k, k), np.nan)
    var = mu + a * mu**2
    x2 = float(np.sum((y - mu) ** 2 / var))
    if scale == "x2" and n <= k:
        # Pearson chi2 / (n - k) is undefined without residual degrees of freedom (statsmodels
        # divides by df_resid too): the model interpolates the data, so there is no scale.
        en, sv = _ERRORS.both("x2_no_df", n=n, k=k)
        raise EstimationError(en, sv=sv)
    sc = x2 / (n - k) if scale == "x2" else 1.0
    if family == "poisson":
        ll = _poisson_loglike(y, mu)
    else:
        ll = _nb_loglike(y, mu, a)
    return GLMFit(
        params=beta, bread=bread, scale=sc, cov=sc * bread, mu=mu, eta=eta,
        deviance=_deviance(y, mu, family, a), pearson_chi2=x2, df_resid=n - k, nobs=n,
        loglike=ll, family=family, alpha=(a if family == "negbin" else None),
        converged=conv, n_iter=it,
    )  # fmt: skip


#: The NB2 profile likelihood is searched on a grid of log(alpha) with this step
#: (:func:`nb2_alpha`): from relative over-dispersion ``alpha·max(mu) = exp(_NB2_LOW)``,
#: Poisson for any purpose, to ``alpha·mean(mu) = exp(_NB2_HIGH)`` or ``alpha =
#: exp(_NB2_HIGH)``, whichever is larger, far beyond the over-dispersion of any count series.
_NB2_STEP = 0.5
_NB2_LOW, _NB2_HIGH = -10.0, 12.0


def nb2_alpha(
    X: np.ndarray,
    y: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    start: np.ndarray | None = None,
    max_iter: int = 200,
    tol: float = 1e-13,
) -> tuple[float, np.ndarray]:
    """Maximum likelihood NB2 dispersion: the global maximum of the profile likelihood.

    The profile log-likelihood ``l(alpha) = max over beta of loglik(beta, alpha)`` need not
    have a single maximum. It can fall away from the Poisson limit (``alpha -> 0``) and rise
    again to a higher maximum further out, for example when a few large counts stand among
    small ones. The sign of the score at ``alpha = 0`` (the usual test for "no
    over-dispersion"), a root of the score equation between two fixed ends and Newton's
    method from a moment estimate can each stop at the Poisson limit, at the dip between the
    two maxima or at the lower maximum. So the profile is evaluated on a grid in
    ``log(alpha)`` (step 0.5) that runs from no over-dispersion to far more than any count
    series shows, the best grid point is compared with the Poisson limit, and the score
    equation is solved by Brent's method between the grid points either side of it.

    Parameters
    ----------
    X, y, offset
        Design ``(n, k)`` of full column rank, non-negative counts ``(n,)`` and an optional
        offset ``(n,)`` (log exposure), as :func:`fit_glm`.
    start
        The Poisson fit's coefficients ``(k,)`` if the caller has them; fitted otherwise.
    max_iter, tol
        IRLS settings of the fit at each ``alpha``, as :func:`fit_glm`.

    Returns
    -------
    alpha : float
        The maximum likelihood estimate; 0.0 when the likelihood is largest at the Poisson
        limit or within relative over-dispersion ``alpha·max(mu) = exp(-10)`` of it, and
        when every count is 0.
    beta : numpy.ndarray
        Coefficients ``(k,)`` of the NB2 fit at ``alpha``; the Poisson fit when ``alpha``
        is 0.

    Raises
    ------
    ArgumentError, DesignError
        As :func:`fit_glm`.
    EstimationError
        When the likelihood still increases at the grid's upper end (``alpha -> infinity``).

    Notes
    -----
    The score is ``research.stats._nb2.nb2_theta_score`` at the coefficients fitted for
    each ``theta = 1/alpha`` (Lawless 1987, eq. 2.5, the equation ``MASS::theta.ml``
    solves), and the log-likelihoods compared are computed so that they stay accurate near
    the Poisson limit. Checked against statsmodels' discrete ``NegativeBinomial`` maximum
    likelihood started from several points and its profile on a fine grid
    (``tests/reference/make_nb2_profile_reference.py``).

    References
    ----------
    Lawless, J. F. (1987). Negative binomial and mixed Poisson regression. *Canadian Journal
    of Statistics* 15(3), 209-225.

    Examples
    --------
    Counts whose profile likelihood has a second, higher maximum away from the Poisson
    limit (the score at ``alpha = 0`` is negative):

    >>> import numpy as np
    >>> y = np.array([16.0, 5.0, 0.0, 3.0, 1.0, 0.0, 0.0, 0.0])
    >>> e = np.array([1.46, 1.43, 1.71, 0.92, 0.79, 0.88, 0.62, 0.93])
    >>> X = np.column_stack([np.ones(8), np.arange(8) - 3.5])
    >>> alpha, beta = nb2_alpha(X, y, offset=np.log(e))
    >>> round(alpha, 4)
    0.3396
    """
    X, y, off = _check_nb2(X, y, offset, start, max_iter, tol)
    if start is None:
        with np.errstate(over="ignore", invalid="ignore"):
            start = _irls(X, y, off, "poisson", 0.0, None, max_iter, tol)[0]
    return _nb2_profile_max(X, y, off, np.asarray(start, dtype=float), max_iter, tol)


def _check_nb2(
    X: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray | None,
    start: np.ndarray | None,
    max_iter: int,
    tol: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The NB2 fits' inputs checked as :func:`fit_glm` checks them, counts non-negative."""
    X, y, off = _check(X, y, offset)
    _check_iteration(start, max_iter, tol, X.shape[1])
    if np.any(y < 0):
        en, sv = _ERRORS.both("negative_counts_nb2")
        raise ArgumentError(en, sv=sv)
    return X, y, off


def _nb2_profile_max(
    X: np.ndarray, y: np.ndarray, off: np.ndarray, beta0: np.ndarray, max_iter: int, tol: float
) -> tuple[float, np.ndarray]:
    """:func:`nb2_alpha` on checked input, from the Poisson coefficients ``beta0``."""
    with np.errstate(over="ignore", under="ignore"):
        mu0 = np.exp(np.clip(X @ beta0 + off, -700.0, 700.0))
    if not np.any(y > 0):
        return 0.0, beta0
    ll0 = _poisson_loglike(y, mu0)
    # a log-likelihood this close to the Poisson one is the same up to rounding
    floor = 64 * np.finfo(float).eps * float(np.sum(np.abs(special.xlogy(y, mu0)) + mu0 + y))
    big = min(max(float(mu0.max()), 1e-2), 1e15)
    mean = min(max(float(mu0.mean()), 1e-2), 1e15)
    lo = _NB2_LOW - math.log(big)
    hi = max(_NB2_HIGH, _NB2_HIGH - math.log(mean))
    grid = np.arange(lo, hi + _NB2_STEP / 2, _NB2_STEP)

    def fit(log_alpha: float, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        a = math.exp(log_alpha)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            b, _, mu, _, _ = _irls(X, y, off, "negbin", a, beta, max_iter, tol)
            ll = _nb_loglike(y, mu, a)
        return b, mu, (ll if math.isfinite(ll) else -math.inf)

    betas, lls = [], []
    beta = beta0
    for g in grid:  # from small to large alpha, each fit started at its neighbour's
        beta, _, ll = fit(float(g), beta)
        betas.append(beta)
        lls.append(ll)
    values = np.asarray(lls)
    if int(np.argmax(values)) == grid.size - 1:
        top = math.exp(grid[-1])
        digits = max(0, 2 - math.floor(math.log10(top)))  # three significant digits
        shown = Both(*(format_number(top, digits, lang) for lang in ("en", "sv")))
        en, sv = _ERRORS.both("nb2_dispersion", alpha=shown)
        raise EstimationError(en, sv=sv)

    from scipy import optimize  # only the NB2 fit needs it (import time, issue 17)

    def polish(k: int) -> tuple[float, np.ndarray, float]:
        """The local maximum between the grid points either side of point ``k``."""

        def score(log_alpha: float) -> float:  # d l / d log(alpha) = -theta · d l / d theta
            _, mu, _ = fit(log_alpha, betas[k])
            theta = math.exp(-log_alpha)
            return -theta * nb2_theta_score(y, mu, theta)

        a_lo, a_hi = float(grid[k - 1]), float(grid[k + 1])
        if score(a_lo) > 0 > score(a_hi):
            log_alpha = optimize.brentq(score, a_lo, a_hi, xtol=1e-14, rtol=1e-14, maxiter=500)
        else:  # a flat stretch where rounding blurs the score's sign: maximise the values
            log_alpha = optimize.minimize_scalar(
                lambda v: -fit(v, betas[k])[2], bounds=(a_lo, a_hi), method="bounded",
                options={"xatol": 1e-10},
            ).x  # fmt: skip
        b, _, ll = fit(float(log_alpha), betas[k])
        return math.exp(log_alpha), b, ll

    # every local maximum inside the grid, polished: a sharp peak sampled off its top can
    # lie below the Poisson limit or below a broad peak on the grid and above both polished
    peaks = [
        k
        for k in range(1, grid.size - 1)
        if values[k] >= values[k - 1] and values[k] >= values[k + 1] and np.isfinite(values[k])
    ]
    best = (0.0, beta0, ll0 + floor)  # the Poisson limit unless a maximum beats it
    for k in peaks:
        candidate = polish(k)
        if candidate[2] > best[2]:
            best = candidate
    return best[0], best[1]


def fit_negbin(
    X: np.ndarray,
    y: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    max_iter: int = 200,
    tol: float = 1e-13,
) -> GLMFit:
    """Fit an NB2 regression (log link) with ``alpha`` estimated by maximum likelihood.

    The coefficients and ``alpha`` are the joint maximum likelihood estimates: ``alpha`` is
    the global maximum of the profile likelihood (:func:`nb2_alpha`), the coefficients are
    the IRLS solution at that ``alpha``. Their covariance is the inverse expected
    information at the estimated ``alpha`` (as ``MASS::glm.nb``).

    Parameters
    ----------
    X, y, offset, max_iter, tol
        As :func:`fit_glm`.

    Returns
    -------
    GLMFit
        With ``family="negbin"`` and ``alpha`` set. When the likelihood is largest at the
        Poisson limit (no over-dispersion) it is the Poisson fit with ``alpha = 0.0``.

    Raises
    ------
    ArgumentError, DesignError
        As :func:`fit_glm`.
    EstimationError
        When the NB2 dispersion cannot be estimated (alpha tends to infinity).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.ones((6, 1))
    >>> fit = fit_negbin(X, np.array([2.0, 9.0, 4.0, 15.0, 1.0, 7.0]))
    >>> round(float(np.exp(fit.params[0])), 6)  # intercept-only: the mean
    6.333333
    """
    X, y, off = _check_nb2(X, y, offset, None, max_iter, tol)
    pois = fit_glm(X, y, family="poisson", offset=off, max_iter=max_iter, tol=tol)
    alpha, beta = _nb2_profile_max(X, y, off, pois.params, max_iter, tol)
    if alpha == 0.0:  # the Poisson limit: its fit, as the NB2 model's with alpha = 0
        return replace(pois, family="negbin", alpha=0.0)
    return fit_glm(
        X, y, family="negbin", offset=off, alpha=alpha, start=beta,
        max_iter=max_iter, tol=tol,
    )  # fmt: skip


def cluster_covariance(
    fit: GLMFit,
    X: np.ndarray,
    y: np.ndarray,
    clusters: np.ndarray,
    *,
    n_nested: int = 0,
) -> tuple[np.ndarray, int]:
    """CR1 cluster-robust covariance of a :class:`GLMFit`, fixest/reghdfe small-sample factor.

    ``V = c * B (sum_g s_g s_g') B`` with ``B = fit.bread``, ``s_g`` the summed scores of
    cluster ``g`` and ``c = G/(G-1) * (N-1)/(N-K)``, where K counts the columns of ``X``
    except the ``n_nested`` dummies of fixed effects nested in the clusters (Cameron & Miller
    2015, section VI.B; fixest's ``ssc(fixef.K = "nested")``, pyfixest's
    ``k_fixef="nonnested"``, reghdfe). A fixed effect nested in a cluster is a linear
    combination of that cluster's indicators, so it costs no cluster-level degree of freedom;
    counting it would inflate the variance by ``(N-K_fe)/(N-K)``.

    Parameters
    ----------
    fit
        A fitted model.
    X, y
        The design and outcome the model was fitted to.
    clusters
        Cluster label per observation ``(n,)``: numbers or strings, none missing.
    n_nested
        Number of columns of ``X`` that are dummies of fixed effects nested in the clusters
        (for example all unit dummies when clustering by unit). 0 (default) counts every
        column, the convention of Stata's ``regress, vce(cluster)`` and statsmodels.

    Returns
    -------
    tuple
        ``(V, G)``: the covariance and the number of clusters.

    Raises
    ------
    ArgumentError
        When ``n_nested`` is not in ``[0, K)``, or ``clusters`` (or ``y``) is not one
        label (value) per row of ``X``: labels of one type, no missing (None, NaN) label.
    DesignError
        When there are fewer than two clusters.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.column_stack([np.ones(6), [0, 1, 0, 1, 0, 1.0]])
    >>> fit = fit_glm(X, np.array([1.0, 2.0, 2.0, 5.0, 3.0, 5.0]))
    >>> y = np.array([1.0, 2.0, 2.0, 5.0, 3.0, 5.0])
    >>> V, G = cluster_covariance(fit, X, y, np.array([0, 0, 1, 1, 2, 2]))
    >>> G, round(float(np.sqrt(V[1, 1])), 6)  # by hand: sqrt(3/2 * 5/4 * 2/9)
    (3, 0.645497)

    References
    ----------
    Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust
    inference. *Journal of Human Resources* 50(2), 317-372.
    Bergé, L. (2018). Efficient estimation of maximum likelihood models with multiple
    fixed-effects: the R package FENmlm. CREA Discussion Papers 13 (fixest's ``ssc``).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    labels = np.asarray(clusters)
    n, k = X.shape
    # one plain label per observation: a None or a mixed type among them cannot be sorted
    # into clusters, and NaN labels would be merged into one cluster
    if (
        labels.shape != (n,)
        or y.shape != (n,)
        or labels.dtype == object
        or (labels.dtype.kind == "f" and not np.all(np.isfinite(labels)))
    ):
        en, sv = _ERRORS.both("cluster_labels", n=n, shape=labels.shape)
        raise ArgumentError(en, sv=sv)
    _, codes = np.unique(labels, return_inverse=True)
    G = int(codes.max()) + 1
    if G < 2:
        en, sv = _ERRORS.both("too_few_clusters")
        raise DesignError(en, sv=sv)
    if not 0 <= n_nested < k:
        en, sv = _ERRORS.both("n_nested_range", n_nested=n_nested, k=k)
        raise ArgumentError(en, sv=sv)
    r = y - fit.mu
    if fit.family == "negbin":
        r = r / (1.0 + fit.alpha * fit.mu)
    scores = X * r[:, None]
    S = np.zeros((G, k))
    np.add.at(S, codes, scores)
    meat = S.T @ S
    V = cr1_factor(n, k - n_nested, G) * fit.bread @ meat @ fit.bread
    return V, G


def rounding_floor(scale: float, n: int) -> float:
    """The size below which a quantity of ``n`` observations on ``scale`` is rounding noise.

    ``100 * n * eps * scale`` (see ``_ROUNDING_UNITS`` for why): a residual norm, standard
    error or influence function at most this large is zero up to rounding, so the variation
    an interval would be built from is not in the data.

    Parameters
    ----------
    scale
        The size of the outcome the quantity is measured in (e.g. the norm of the outcome
        vector, or its largest absolute value).
    n
        The number of observations the quantity is computed from.

    Returns
    -------
    float

    Examples
    --------
    >>> rounding_floor(1.0, 100)  # 100 * 100 * 2.2e-16
    2.220446049250313e-12
    """
    return _ROUNDING_UNITS * max(int(n), 1) * float(np.finfo(float).eps) * float(scale)


def is_exact_fit(y: np.ndarray, mu: np.ndarray) -> bool:
    """Whether the fitted values ``mu`` reproduce the outcome ``y`` up to rounding.

    True when ``||y - mu|| <= rounding_floor(||y||, n)``: the residuals are zero relative to
    the outcome's own scale, so a residual variance, Pearson dispersion or cluster-robust
    sandwich built from them is zero up to rounding and every interval or p-value resting on
    it would be rounding noise (zero width, arbitrary p). An all-zero outcome fitted by
    zeros counts as exact.

    Parameters
    ----------
    y, mu
        Outcome and fitted values (for log-link models the fitted means).

    Returns
    -------
    bool

    Examples
    --------
    >>> y = np.array([3.0, 5.0, 7.0, 9.0])
    >>> is_exact_fit(y, y + 1e-15), is_exact_fit(y, y + np.array([0, 0, 0, 1e-6]))
    (True, False)
    """
    y = np.asarray(y, dtype=float)
    r = y - np.asarray(mu, dtype=float)
    return bool(np.linalg.norm(r) <= rounding_floor(float(np.linalg.norm(y)), y.size))


#: A fitted mean of a zero count below this share of the mean count (at least 1) is taken as
#: numerically zero: the fit sent it towards 0, where a log-link likelihood has no finite
#: maximum. IRLS stops when the deviance no longer changes, which leaves such means near
#: ``1e-13``; the mean of a zero count at a finite maximum is of the order of the other
#: counts' (0.01 to 1 on the reports' data), so the rule has ten orders of magnitude of margin
#: either side and the null-space test below confirms each case.
_ZERO_MEAN = 1e-8


def zero_fitted(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Zero counts whose fitted mean is numerically zero (below ``1e-8`` of the mean count).

    The observations a separated log-link fit sent towards a mean of 0
    (:func:`unidentified_terms`).

    Examples
    --------
    >>> zero_fitted(np.array([0.0, 0.0, 3.0]), np.array([1e-14, 0.4, 3.0])).tolist()
    [True, False, False]
    """
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    return (y == 0) & (mu < _ZERO_MEAN * max(1.0, float(np.mean(y))))


def separated_observations(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Zero counts that a log-link model fits only at a mean of 0 (separation), found before a fit.

    The maximum likelihood estimate of a Poisson (or negative binomial) regression exists if
    and only if no direction ``d`` of the coefficients leaves the linear predictor of every
    positive count unchanged (``X_i d = 0``) and lowers that of some zero counts
    (``X_i d < 0``, the rest ``<= 0``): along such a direction the likelihood rises for ever
    (Santos Silva & Tenreyro 2010). Those zero counts are *separated*; dropping them (and the
    terms they alone identify) leaves a model whose estimates are the limits of the original
    model's along the direction (Correia, Guimarães & Zylkin 2021). Unlike
    :func:`unidentified_terms`, which reads separation off a fit that has stopped, this solves
    the linear programme

    ``min sum_{i: y_i = 0} X_i d``  s.t. ``X_P d = 0``, ``-1 <= X_Z d <= 0``

    (``P`` the positive counts, ``Z`` the zeros) with HiGHS, and repeats it on the remaining
    zeros until none is separated (directions add up, so the union of what each programme
    finds is separated together).

    Parameters
    ----------
    X
        Design matrix ``(n, k)``.
    y
        Counts ``(n,)``, non-negative.

    Returns
    -------
    numpy.ndarray
        Boolean ``(n,)``: True for a separated zero count. All False when ``y`` has no zero.

    References
    ----------
    Santos Silva, J. M. C. and Tenreyro, S. (2010). On the existence of the maximum
    likelihood estimates in Poisson regression. *Economics Letters* 107(2), 310-312.
    Correia, S., Guimarães, P. and Zylkin, T. (2021). Verifying the existence of maximum
    likelihood estimates for generalized linear models. arXiv:1903.01633.

    Examples
    --------
    A trend with a level shift in the fourth year: the three zeros before it are fitted by
    the intercept running to minus infinity and the shift to plus infinity.

    >>> years = np.arange(7.0)
    >>> X = np.column_stack([np.ones(7), years - 3, (years >= 3).astype(float)])
    >>> separated_observations(X, np.array([0, 0, 0, 4, 5, 6, 7.0])).tolist()
    [True, True, True, False, False, False, False]
    >>> separated_observations(X, np.array([0, 2, 0, 4, 5, 6, 7.0])).tolist()
    [False, False, False, False, False, False, False]
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    out = np.zeros(y.size, dtype=bool)
    zero = y == 0
    if not zero.any():
        return out
    from scipy.optimize import linprog  # only for data with zeros (default reports rarely)

    scale = np.maximum(np.abs(X).max(axis=0), 1.0)
    Xs = X / scale  # columns of one size, so the tolerances below mean the same for each
    positive = Xs[~zero]
    while True:
        rows = np.flatnonzero(zero & ~out)
        if rows.size == 0:
            return out
        Z = Xs[rows]
        res = linprog(
            Z.sum(axis=0),
            A_ub=np.vstack([Z, -Z]),
            b_ub=np.concatenate([np.zeros(rows.size), np.ones(rows.size)]),
            A_eq=positive if positive.size else None,
            b_eq=np.zeros(positive.shape[0]) if positive.size else None,
            bounds=(None, None),
            method="highs",
        )
        if res.status != 0 or res.fun > -1e-7:
            return out
        new = rows[Z @ res.x < -1e-7]
        if new.size == 0:
            return out
        # the separated rows leave the problem: a later direction may raise them, since a
        # large enough multiple of this one lowers them again
        out[new] = True


def unidentified_terms(X: np.ndarray, y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Which coefficients of a log-link fit have no finite maximum likelihood estimate.

    A zero count that some terms alone can fit (a level change whose first year after the
    start has no cases, with one more year after it for the slope) lets the likelihood rise
    for ever as those terms run to minus infinity: the maximum does not exist (Santos Silva &
    Tenreyro 2010). IRLS then stops with the count's fitted mean numerically zero and the
    terms at arbitrary large values with huge standard errors, which read as a rate ratio of
    0,00 with an unbounded interval: a number, but not an estimate. The terms concerned are
    those that can move without changing the fitted mean of any other observation: the
    coefficients with a non-zero entry in a basis of the null space of ``X`` restricted to the
    observations whose fitted mean is not numerically zero.

    Parameters
    ----------
    X
        Design matrix ``(n, k)`` of the fit.
    y
        Counts ``(n,)``.
    mu
        Fitted means ``(n,)`` (:attr:`GLMFit.mu`).

    Returns
    -------
    numpy.ndarray
        Boolean ``(k,)``: True for a coefficient without a finite estimate. All False when
        no zero count has a numerically zero mean.

    References
    ----------
    Santos Silva, J. M. C. and Tenreyro, S. (2010). On the existence of the maximum
    likelihood estimates in Poisson regression. *Economics Letters* 107(2), 310-312.

    Examples
    --------
    The third count (0) is the only one with the second term: its coefficient has no finite
    estimate, the intercept (the log of the other counts' mean, log 5) has one.

    >>> X = np.column_stack([np.ones(4), [0.0, 0.0, 1.0, 0.0]])
    >>> y = np.array([4.0, 6.0, 0.0, 5.0])
    >>> fit = fit_glm(X, y, family="poisson")
    >>> unidentified_terms(X, y, fit.mu).tolist(), round(float(np.exp(fit.params[0])), 6)
    ([False, True], 5.0)
    """
    X = np.asarray(X, dtype=float)
    zero = zero_fitted(y, mu)
    free = np.zeros(X.shape[1], dtype=bool)
    if not zero.any():
        return free
    rest = X[~zero]
    if rest.shape[0] == 0:
        return ~free
    basis = linalg.null_space(rest)
    if basis.size:
        free = np.any(np.abs(basis) > 1e-8, axis=1)
    return free


def cr1_factor(n: int, k: int, g: int) -> float:
    """Small-sample factor ``G/(G-1) * (N-1)/(N-K)`` of the CR1 covariance.

    Parameters
    ----------
    n, k, g
        Observations, counted parameters (nested fixed effects left out) and clusters.

    Returns
    -------
    float

    Raises
    ------
    ArgumentError
        Fewer than two clusters, or no more observations than parameters.

    Examples
    --------
    >>> round(cr1_factor(120, 11, 12), 6)  # 12/11 * 119/109
    1.190992
    """
    if g < 2 or n <= k:
        en, sv = _ERRORS.both("cr1_factor", g=g, n=n, k=k)
        raise ArgumentError(en, sv=sv)
    return g / (g - 1) * (n - 1) / (n - k)
