r"""Exact least squares on the probability simplex, by an active-set NNLS.

The inner problem of the synthetic control method is

.. math::  \min_w \lVert C w \rVert^2 \quad \text{s.t.}\; w \ge 0,\; \sum_j w_j = 1,

with ``C = V^{1/2} (X_0 - x_1 1')`` (because ``sum w = 1``, ``x_1 - X_0 w = -(X_0 - x_1 1') w``).
It is the minimum-norm point of the convex hull of the columns of ``C``.

It is solved exactly through one non-negative least-squares problem: for ``u >= 0``,

.. math::  \min_{u \ge 0} \lVert C u \rVert^2 + (1'u - 1)^2 .

Writing ``u = s w`` with ``s = 1'u`` and ``w`` on the simplex, the objective is
``s^2 ||C w||^2 + (s - 1)^2``; for every ``s > 0`` it is minimised in ``w`` by the simplex
solution ``w*``, and in ``s`` by ``s = 1 / (1 + ||C w*||^2) > 0``. So the NNLS solution is
``u* = s* w*`` and ``w* = u* / 1'u*``, with no penalty constant to tune. The NNLS problem is
solved by the Lawson-Hanson active-set algorithm (finite termination, KKT conditions hold on
exit), with an optional warm start from a previous support, which makes repeated solves with
slowly varying ``C`` (the outer optimisation over ``V``) cost one small linear solve each.

References
----------
Lawson, C. L. and Hanson, R. J. (1974). *Solving Least Squares Problems*, ch. 23. Prentice-Hall.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import lapack

__all__ = ["simplex_kkt_residual", "simplex_least_squares", "tied_least_squares"]

_EPS = np.finfo(float).eps
_ONES = np.ones(256)  # right-hand sides of the sub-problems, sliced (LAPACK copies them)
_dposv = lapack.dposv


def _ones(p: int) -> NDArray[np.float64]:
    return _ONES[:p] if p <= _ONES.size else np.ones(p)


def _solve_passive(c_p: NDArray[np.float64]) -> NDArray[np.float64]:
    """Unconstrained NNLS sub-problem on the passive set: ``(C_P'C_P + 11') z = 1``."""
    p = c_p.shape[1]
    gram = c_p.T @ c_p
    gram += 1.0
    # LAPACK directly: numpy's solve costs ten times more on these tiny systems.
    _, z, info = _dposv(gram, _ones(p), overwrite_a=1)
    if info == 0:
        return z
    a = np.vstack([c_p, np.ones((1, p))])
    b = np.zeros(a.shape[0])
    b[-1] = 1.0
    return np.linalg.lstsq(a, b, rcond=None)[0]


def _solve_gram(
    gram: NDArray[np.float64], idx: NDArray[np.intp], c: NDArray[np.float64]
) -> NDArray[np.float64]:
    """:func:`_solve_passive` for the columns ``idx``, from the Gram matrix ``C'C``."""
    sub = gram.take(idx, 0).take(idx, 1)  # a copy: the same values as gram[ix_(idx, idx)]
    sub += 1.0
    _, z, info = _dposv(sub, _ones(idx.size), overwrite_a=1)
    if info == 0:
        return z
    return _solve_passive(c[:, idx])


def simplex_least_squares(
    c: NDArray[np.float64],
    start: NDArray[np.bool_] | None = None,
    *,
    max_iter: int | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Minimise ``||C w||^2`` over the probability simplex, exactly.

    Parameters
    ----------
    c
        Matrix of shape ``(m, n)``; column ``j`` is the residual vector obtained with all the
        weight on unit ``j``.
    start
        Optional boolean mask of length ``n``: a guess of the support (for example the support
        of a previous, nearby problem). It only changes the speed, never the solution.
    max_iter
        Cap on active-set iterations (default ``3 n + 10``).

    Returns
    -------
    w : numpy.ndarray
        The weights, ``w >= 0`` and ``sum(w) == 1``; exact zeros off the support.
    support : numpy.ndarray
        Boolean mask of the weights that are positive.

    Raises
    ------
    ValueError
        If ``c`` is not a finite two-dimensional array with at least one column.

    Examples
    --------
    The closest point to the origin on the segment between (1, 0) and (0, 1):

    >>> import numpy as np
    >>> w, support = simplex_least_squares(np.array([[1.0, 0.0], [0.0, 1.0]]))
    >>> np.round(w, 12).tolist()
    [0.5, 0.5]

    References
    ----------
    Lawson, C. L. and Hanson, R. J. (1974). *Solving Least Squares Problems*, ch. 23.
    """
    c = np.asarray(c, dtype=float)
    if c.ndim != 2 or c.shape[1] == 0 or not np.all(np.isfinite(c)):
        raise ValueError(
            f"expected a finite 2-D array with at least one column, got shape {c.shape}"
        )
    return _simplex_ls(c, start, max_iter)


def _simplex_ls(  # noqa: C901 - an active-set algorithm kept in one piece
    c: NDArray[np.float64],
    start: NDArray[np.bool_] | None,
    max_iter: int | None = None,
    norm2: float | None = None,
    try_start: bool = True,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """:func:`simplex_least_squares` without input checks (hot path of the outer loop).

    ``norm2`` is an upper bound of the largest squared column norm of ``c`` when the caller
    knows one; otherwise it is computed. ``try_start=False`` skips the test of whether the
    guessed support is already optimal (when the caller has just made it).
    """
    n = c.shape[1]
    if n == 1:
        return np.ones(1), np.ones(1, dtype=bool)
    if norm2 is None:
        norm2 = float((c * c).sum(axis=0).max())
    if norm2 > 0.0 and not 0.25 <= norm2 <= 4.0:
        # The minimiser does not depend on the scale of C; normalising keeps s = 1'u near 1.
        c = c / np.sqrt(norm2)
    tol = 10.0 * _EPS * max(n, c.shape[0] + 1)

    if start is not None and try_start:
        # Fast path: the guessed support is optimal when its unconstrained solution is
        # positive and no other weight has a positive dual (Lawson-Hanson's exit test).
        idx = start.nonzero()[0]
        if idx.size:
            c_p = c[:, idx]
            z = _solve_passive(c_p)
            if min(z.tolist()) > 0.0:
                dual = (1.0 - z.sum()) - c.T @ (c_p @ z)
                dual[idx] = 0.0
                if max(dual.tolist()) <= tol:
                    w = np.zeros(n)
                    w[idx] = z / z.sum()
                    return w, w > 0.0
    max_iter = 3 * n + 10 if max_iter is None else max_iter
    # Every sub-problem needs only C_P'C_P and the duals C'C u: one Gram matrix serves all.
    gram = c.T @ c

    u = np.zeros(n)
    passive = np.zeros(n, dtype=bool)
    if start is not None and np.any(start):
        passive = np.array(start, dtype=bool, copy=True)
        # Shrink the guessed support until its unconstrained solution is strictly positive;
        # the result is a feasible starting point for Lawson-Hanson.
        while passive.any():
            idx = passive.nonzero()[0]
            z = _solve_gram(gram, idx, c)
            if min(z.tolist()) > 0.0:
                u[idx] = z
                break
            passive[idx[z <= 0.0]] = False

    blocked = np.zeros(n, dtype=bool)
    dual = (1.0 - u.sum()) - gram @ u
    for _ in range(max_iter):
        masked = np.where(passive | blocked, -np.inf, dual)
        t = int(masked.argmax())
        if not masked[t] > tol:
            break
        passive[t] = True
        first = True
        while True:
            idx = passive.nonzero()[0]
            z = _solve_gram(gram, idx, c)
            if min(z.tolist()) > 0.0:
                u[:] = 0.0
                u[idx] = z
                blocked[:] = False
                break
            if first and z[idx == t][0] <= 0.0:
                # Rounding made the entering column useless: leave it out for this round
                # (Lawson & Hanson, step 6 safeguard).
                passive[t] = False
                blocked[t] = True
                break
            first = False
            neg = z <= 0.0
            u_p = u[idx]
            ratios = u_p[neg] / (u_p[neg] - z[neg])
            k = int(ratios.argmin())
            u_p = u_p + float(ratios[k]) * (z - u_p)
            u_p[neg.nonzero()[0][k]] = 0.0  # the blocking weight leaves exactly
            u[idx] = u_p
            leaving = idx[u_p <= tol * max(1.0, max(u_p.tolist()))]
            passive[leaving] = False
            u[~passive] = 0.0
            if not passive.any():
                break
        dual = (1.0 - u.sum()) - gram @ u
    else:  # pragma: no cover - never seen; kept as a guard against cycling
        raise RuntimeError("simplex least squares did not converge")

    total = u.sum()
    if total <= 0.0:  # pragma: no cover - impossible in exact arithmetic (s = 1/(1+d^2))
        raise RuntimeError("simplex least squares found no positive weight")
    w = u / total
    return w, w > 0.0


def _null_space(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """Orthonormal basis (columns) of the null space of ``a``, rank by relative tolerance."""
    _, s, vt = np.linalg.svd(a)
    rank = int(np.sum(s > 1e-10 * s[0])) if s.size and s[0] > 0.0 else 0
    return vt[rank:].T


def tied_least_squares(
    g: NDArray[np.float64],
    h: NDArray[np.float64],
    a: NDArray[np.float64],
    w0: NDArray[np.float64],
    *,
    rho: float = 1e6,
    tol: float = 1e-9,
    max_iter: int = 50,
    start: NDArray[np.bool_] | None = None,
) -> NDArray[np.float64]:
    """Minimise ``||G w - h||^2`` over the simplex subject to ``A w = A w0``.

    The second stage of a lexicographic least-squares problem: ``w0`` (on the simplex)
    solves a first problem whose solutions are exactly the simplex points with
    ``A w = A w0`` (for the synthetic control, ``A`` holds the scaled predictor rows with
    positive weight: the set of donor weightings tied with ``w0`` on the predictor loss);
    among them the one that fits ``h`` best is wanted. Solved by the method of multipliers
    (augmented Lagrangian; Hestenes 1969, Powell 1969): each step is one simplex least
    squares problem, exact by :func:`simplex_least_squares`, with the penalty
    ``rho ||A w - A w0 + mu||^2`` (rows scaled to unit size), and ``mu`` is updated by the
    constraint residual until it is below ``tol`` (relative). On the support found, the
    equality-constrained problem is then solved exactly (in the null space of the
    constraints), which makes the constraints hold to rounding. The result is returned only
    if it is no worse than ``w0``; otherwise ``w0``.

    Parameters
    ----------
    g
        Matrix ``(m, n)`` of the second objective.
    h
        Target vector of length ``m``.
    a
        Equality-constraint matrix ``(p, n)``.
    w0
        A point of the simplex (``w0 >= 0``, sum one) meeting the constraints.
    rho
        Penalty weight relative to the objective.
    tol
        Constraint residual, relative to the size of ``A``'s columns, at which the
        multiplier updates stop and the exact solve on the support takes over.
    max_iter
        Cap on multiplier updates.
    start
        Optional guess of the solution's support (boolean mask), where the first inner
        solve starts instead of the support of ``w0``: it changes the speed, not the answer.

    Returns
    -------
    numpy.ndarray
        The minimiser; exact zeros off its support.

    Examples
    --------
    The points 0, 1 and 2 tie on the constraint ``0 w_1 + 0 w_2 + 0 w_3 = 0``; the
    weighting nearest to ``h = 2`` puts all the weight on the third:

    >>> import numpy as np
    >>> g = np.array([[0.0, 1.0, 2.0]])
    >>> w = tied_least_squares(g, np.array([2.0]), np.zeros((1, 3)), np.full(3, 1 / 3))
    >>> np.round(w, 12).tolist()
    [0.0, 0.0, 1.0]

    References
    ----------
    Hestenes, M. R. (1969). Multiplier and gradient methods. *Journal of Optimization
    Theory and Applications* 4, 303-320.
    Becker, M. and Klößner, S. (2018). Fast and reliable computation of generalized
    synthetic controls. *Econometrics and Statistics* 5, 1-19.
    """
    b = a @ w0
    obj = g - h[:, None]  # on the simplex, G w - h = (G - h 1') w
    cons = a - b[:, None]
    s_obj = max(float(np.sqrt((obj * obj).sum(axis=0).max())), _EPS)
    s_con = float(np.sqrt((cons * cons).sum(axis=0).max()))
    if s_con <= 0.0:  # every weighting meets the constraints
        w, _ = _simplex_ls(obj, w0 > 0.0)
        return w
    obj = obj / s_obj
    cons = cons * (np.sqrt(rho) / s_con)
    mu = np.zeros(a.shape[0])
    support = w0 > 0.0 if start is None else start
    w = w0
    for _ in range(max_iter):
        c = np.vstack([obj, cons + mu[:, None]])
        w, support = _simplex_ls(c, support)
        resid = cons @ w
        mu += resid
        if float(np.max(np.abs(resid))) <= tol * np.sqrt(rho):
            break
    # Polish: on the support found, solve the equality-constrained problem exactly (in the
    # null space of the constraints), which removes the penalty's last rounding.
    idx = np.flatnonzero(w)
    for _ in range(3):  # drop weights the exact solve sends to zero or below, then retry
        a_p = np.vstack([a[:, idx], np.ones(idx.size)])
        null = _null_space(a_p)
        u = np.linalg.lstsq(a_p, np.append(b, 1.0), rcond=None)[0]
        if null.shape[1]:
            g_p = g[:, idx]
            u = u + null @ np.linalg.lstsq(g_p @ null, h - g_p @ u, rcond=None)[0]
        keep = u > 1e-9 * float(np.max(u))  # a weight this small is a rounding remnant
        if keep.all():
            exact = np.zeros(w0.size)
            exact[idx] = u
            if np.abs(a @ exact - b).max() <= np.abs(a @ w - b).max():
                w = exact
            break
        idx = idx[keep]
        if not idx.size:
            break
    f0 = float(np.sum((obj @ w0) ** 2))
    return w if float(np.sum((obj @ w) ** 2)) <= f0 else np.array(w0, dtype=float)


def simplex_kkt_residual(c: NDArray[np.float64], w: NDArray[np.float64]) -> float:
    """Largest violation of the KKT conditions of ``min ||C w||^2`` on the simplex.

    At the optimum the gradient ``g = 2 C'C w`` is equal (to ``mu``) on the support and at
    least ``mu`` elsewhere, ``w >= 0`` and ``sum(w) == 1``. The residual is scaled by the
    largest squared column norm of ``C``, so values near machine precision mean optimality.

    Parameters
    ----------
    c
        Matrix of shape ``(m, n)``.
    w
        Candidate weights of length ``n``.

    Returns
    -------
    float
        The largest scaled violation (0 for an exact optimum).

    Examples
    --------
    >>> import numpy as np
    >>> c = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> simplex_kkt_residual(c, np.array([0.5, 0.5])) < 1e-15
    True
    >>> simplex_kkt_residual(c, np.array([1.0, 0.0])) > 0.5
    True
    """
    c = np.asarray(c, dtype=float)
    w = np.asarray(w, dtype=float)
    scale = max(float(np.max(np.einsum("ij,ij->j", c, c))), _EPS)
    g = 2.0 * (c.T @ (c @ w)) / scale
    support = w > 0.0
    mu = float(np.sum(w * g))  # = g_j on the support at the optimum
    stationarity = float(np.max(np.abs(g[support] - mu))) if support.any() else np.inf
    dual_feasibility = float(max(0.0, -np.min(g - mu)))
    primal = max(float(max(0.0, -np.min(w))), abs(float(w.sum()) - 1.0))
    return max(stationarity, dual_feasibility, primal)
