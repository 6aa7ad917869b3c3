r"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021).

SDID re-weights the control units (unit weights ``omega``, as synthetic control does) *and*
the pre-treatment periods (time weights ``lambda``), then takes a two-way difference with
unit and time intercepts:

.. math::

    \hat\tau = \Big(\bar Y_{tr,post} - \sum_t \hat\lambda_t \bar Y_{tr,t}\Big)
      - \sum_i \hat\omega_i
        \Big(\bar Y_{i,post} - \sum_t \hat\lambda_t Y_{i,t}\Big).

Unit weights solve a ridge-penalised synthetic-control problem with an intercept
(``omega_0``), on the simplex, with the paper's regularisation
``zeta = (N_tr * T_post)^(1/4) * sigma_hat``, where ``sigma_hat`` is the standard deviation
(``n - 1``) of the first differences of the control units' pre-treatment outcomes; time
weights solve the transposed problem with an intercept and a tiny penalty
(``1e-6 * sigma_hat``). Both are found by Frank-Wolfe with the two-step sparsification of R's
synthdid: 100 iterations, weights at most a quarter of the largest set to zero and the rest
renormalised, then Frank-Wolfe again from there until the objective decreases by less than
``(1e-5 * sigma_hat)^2`` per step (at most 10 000 iterations). The synthetic-control and DiD
estimates come from the same machinery: SC uses no time weights, no intercept and a
penalty of ``1e-6 * sigma_hat``; DiD uses uniform weights.

Standard errors (the paper's section 5; R synthdid's ``vcov``):

- ``"placebo"`` (Algorithm 4): controls are permuted, ``N_tr`` of them play the treated and
  the whole estimator is re-run (warm-started from the fitted weights, with the same
  ``zeta``); the SE is the standard deviation of the placebo estimates (scaled by
  ``sqrt((B - 1) / B)`` as in R). Valid with one treated unit, but needs more controls than
  treated units and assumes the errors are homoskedastic across units. A placebo estimate
  depends only on *which* ``N_tr`` controls play the treated, so the ``B`` draws take at
  most ``comb(N_co, N_tr)`` distinct values (2 with two controls and one treated unit,
  whatever ``B``). When a placebo test on those values could not reach the interval's level
  (``1 / (comb(N_co, N_tr) + 1) > 1 - level``; with one treated unit, fewer than 19
  controls at 95 %) the SE is still returned, with a
  :class:`~research.core.warnings.FewPlaceboAssignmentsWarning`, but the normal interval and
  p-value are NaN: a p-value far below anything the placebo distribution can resolve
  (p = 0.005 from two placebo values) would be false precision.
- ``"bootstrap"`` (Algorithm 2): units are resampled with replacement (draws without a
  treated or without a control unit are redrawn) and the estimator is re-run. Justified when
  the number of treated units is large; not available with one treated unit.
- ``"jackknife"`` (Algorithm 3): leave-one-unit-out with the weights held fixed (omega
  renormalised). Conservative; undefined with one treated unit or with a single control
  carrying all the weight.

Placebo and bootstrap SEs need at least ``_MIN_REPLICATIONS = 50`` replications: a standard
deviation from ``B`` draws has a relative Monte Carlo error of about ``1 / sqrt(2 B)`` (10 %
at 50), and Efron & Tibshirani (1993, section 6.4) find ``B = 50`` "often enough to give a
good estimate" of a standard error, seldom more than 200 needed. Measured here on 400 null
panels (``tests/test_sdid.py``, ``test_size_of_the_placebo_test_under_no_effect``), the 5 %
placebo test rejected 8.5 % with ``B = 20``, 6.0 % with 50 and 5.5 % with 200 (R synthdid's
default, used by the reports). The bootstrap needs two treated and two control units
(above), so it has at least 25 distinct resamples; the jackknife has ``N`` leave-one-out
values, at least 4.

Covariates are handled by projection (Kranz 2022; Clarke, Pailañir, Athey & Imbens 2023):
the outcome is regressed on the covariates with unit and time fixed effects over the control
units, and ``X beta`` is subtracted before SDID. (R synthdid's default instead optimises
``beta`` jointly with the weights.)

Validated against the Python port of R synthdid (``synthdid`` 0.10.1 on PyPI) on the
California Proposition 99 panel and a made-up panel (``tests/reference/make_sdid_reference.py``).

References
----------
Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W. and Wager, S. (2021). Synthetic
difference-in-differences. *American Economic Review* 111(12), 4088-4118.

Clarke, D., Pailañir, D., Athey, S. and Imbens, G. (2023). On synthetic
difference-in-differences and related estimation methods in Stata. IZA DP 16437.

Efron, B. and Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall,
section 6.4 (the number of bootstrap replications B).

Kranz, S. (2022). Synthetic difference-in-differences with time-varying covariates. Working
paper.

R package synthdid, https://synth-inference.github.io/synthdid/ (algorithms followed here).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import polars as pl
from numpy.typing import NDArray
from scipy import stats
from scipy.linalg import blas

from research.core.display import html_table, text_table
from research.core.errors import ArgumentError, DesignError
from research.core.i18n import load_catalogue
from research.core.warnings import (
    ExactFitInferenceWarning,
    FewPlaceboAssignmentsWarning,
    PilotbenchWarning,
    warning_texts,
)

from ._resampling import MIN_REPLICATIONS, check_replications, random_generator
from ._texts import TEXTS
from .glm import rounding_floor
from .identification import is_probability

__all__ = ["SyntheticDiDResult", "synthetic_did"]

SEMethod = Literal["placebo", "bootstrap", "jackknife", "none"]
_SE_METHODS = ("placebo", "bootstrap", "jackknife", "none")
_MAX_ITER = 10_000
_MAX_ITER_PRE = 100
#: Fewest placebo or bootstrap replications accepted (see the module notes); the package's
#: one rule for resampling-based inference (:mod:`research.stats._resampling`).
_MIN_REPLICATIONS = MIN_REPLICATIONS
#: Error messages in Swedish and English (research/stats/sdid_errors.toml); the display
#: labels are in ``TEXTS``.
_ERRORS = load_catalogue(Path(__file__).with_name("sdid_errors.toml"))

Array = NDArray[np.float64]


# --------------------------------------------------------------------------------------------
# Solver (R synthdid's fw.step / sc.weight.fw / synthdid_estimate)
# --------------------------------------------------------------------------------------------


def _sc_weight_fw(
    y: Array,
    zeta: float | Array,
    intercept: bool,
    start: Array | None,
    min_decrease: float | Array,
    max_iter: int,
) -> Array:
    """Weights on the first ``k`` columns of ``y[b]`` that reproduce its last column.

    Frank-Wolfe for ``zeta^2 |x|^2 + |A x - b|^2 / n`` on the simplex with exact line search
    (R synthdid's ``fw.step``/``sc.weight.fw``), stopping when an iteration lowers the
    objective by no more than ``min_decrease^2``. The iterates are R's; the products
    ``A'A x`` and ``|A x - b|^2`` are updated in O(k) per step instead of recomputed, and a
    batch of independent problems ``y`` of shape ``(B, n, k + 1)`` (placebo replicates) is
    solved in lockstep, each stopping on its own criterion (``zeta`` and ``min_decrease``
    may differ between problems: arrays of shape ``(B,)``). Returns ``(B, k)`` weights.
    """
    nb, n, k1 = y.shape
    if nb == 1:
        z1 = float(np.ravel(zeta)[0])
        m1 = float(np.ravel(min_decrease)[0])
        x1 = _fw_one(y[0], z1, intercept, None if start is None else start[0], m1, max_iter)
        return x1[None, :]
    zeta = np.broadcast_to(np.asarray(zeta, dtype=float), (nb,))
    k = k1 - 1
    x = np.full((nb, k), 1.0 / k) if start is None else start.astype(float).copy()
    if intercept:
        y = y - y.mean(axis=1, keepdims=True)
    a, bv = y[:, :, :k], y[:, :, k]
    eta = n * zeta**2
    z2 = zeta**2
    h_mat = np.einsum("bni,bnj->bij", a, a) + eta[:, None, None] * np.eye(k)  # symmetric
    gdiag = np.einsum("bii->bi", h_mat) - eta[:, None]  # diag(A'A)
    c = np.einsum("bni,bn->bi", a, bv)
    bb = np.einsum("bn,bn->b", bv, bv)
    q = np.einsum("bij,bj->bi", h_mat, x)  # (A'A + eta I) x; the half-gradient is q - c
    xx = np.einsum("bi,bi->b", x, x)
    xgx = np.einsum("bi,bi->b", x, q) - eta * xx
    cx = np.einsum("bi,bi->b", c, x)
    rows = np.arange(nb)
    active = np.ones(nb, dtype=bool)
    prev = np.full(nb, np.inf)
    md2 = min_decrease**2
    for t in range(max_iter):
        h = q - c
        i = np.argmin(h, axis=1)
        xi = x[rows, i]
        num = xgx + eta * xx - cx - h[rows, i]
        gxi = q[rows, i] - eta * xi
        gi = gdiag[rows, i]
        den = gi - 2 * gxi + xgx + eta * (xx - 2 * xi + 1.0)
        move = active & ~((xi == 1.0) & (xx == 1.0))  # at a vertex already: no move
        with np.errstate(divide="ignore", invalid="ignore"):
            st = np.where(move, np.clip(num / den, 0.0, 1.0), 0.0)
        r = 1.0 - st
        xgx = r * r * xgx + 2 * st * r * gxi + st * st * gi
        xx = r * r * xx + 2 * st * r * xi + st * st
        cx = r * cx + st * c[rows, i]
        q = r[:, None] * q + st[:, None] * h_mat[rows, i]
        x = r[:, None] * x
        x[rows, i] += st
        val = z2 * xx + (xgx - 2 * cx + bb) / n
        if t >= 1:
            active &= prev - val > md2
            if not active.any():
                break
        prev = val
    return x


def _fw_one(
    y: Array, zeta: float, intercept: bool, start: Array | None, min_decrease: float, max_iter: int
) -> Array:
    """:func:`_sc_weight_fw` for one problem ``y`` of shape ``(n, k + 1)``.

    The half-gradient ``h = (A'A + eta I) x - A'b`` and the iterate ``x`` are kept as scaled
    vectors (``h = beta w``, ``x = alpha z``), so that a step ``x <- (1 - s) x + s e_i``
    costs one argmin and one axpy.
    """
    n, k1 = y.shape
    k = k1 - 1
    x0 = np.full(k, 1.0 / k) if start is None else start.astype(float).copy()
    if intercept:
        y = y - y.mean(axis=0)
    a, b = y[:, :k], y[:, k]
    eta = n * zeta**2
    z2 = zeta**2
    h_mat = a.T @ a + eta * np.eye(k)
    c = a.T @ b
    hc = np.ascontiguousarray(h_mat - c[None, :])  # row i: h at x = e_i
    gd = (np.diag(h_mat) - eta).tolist()  # diag(A'A)
    cl = c.tolist()
    bb = float(b @ b)
    w = h_mat @ x0 - c
    z = x0.copy()
    alpha = beta = 1.0
    xx = float(x0 @ x0)
    xgx = float(x0 @ (w + c)) - eta * xx
    cx = float(c @ x0)
    prev = math.inf
    md2 = min_decrease**2
    axpy = blas.get_blas_funcs("axpy", (w,))
    for t in range(max_iter):
        i = int(w.argmin())
        xi = alpha * z[i]
        if not (xi == 1.0 and xx == 1.0):  # else at a vertex already: no move
            hi = beta * w[i]
            num = xgx + eta * xx - cx - hi
            gxi = hi + cl[i] - eta * xi
            gi = gd[i]
            st = num / (gi - 2 * gxi + xgx + eta * (xx - 2 * xi + 1.0))
            st = 1.0 if st > 1.0 else (0.0 if st < 0.0 else st)
            r = 1.0 - st
            xgx = r * r * xgx + 2 * st * r * gxi + st * st * gi
            xx = r * r * xx + 2 * st * r * xi + st * st
            cx = r * cx + st * cl[i]
            if r < 1e-150 or beta < 1e-150 or alpha < 1e-150:  # renormalise the scales
                w *= beta
                z *= alpha
                alpha = beta = 1.0
            if r == 0.0:
                w[:] = hc[i]
                z[:] = 0.0
                z[i] = 1.0
            else:
                beta *= r
                alpha *= r
                axpy(hc[i], w, a=st / beta)
                z[i] += st / alpha
        val = z2 * xx + (xgx - 2 * cx + bb) / n
        if t >= 1 and not prev - val > md2:
            break
        prev = val
    return alpha * z


def _sparsify(v: Array) -> Array:
    v = np.where(v <= v.max(axis=-1, keepdims=True) / 4, 0.0, v)
    return v / v.sum(axis=-1, keepdims=True)


def _sum_normalize(x: Array) -> Array:
    s = x.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s != 0, x / s, 1.0 / x.shape[-1])


def _collapsed(y: Array, n0: int, t0: int) -> Array:
    """Collapse each panel of the batch (R synthdid's ``collapsed.form``).

    Controls x pre-periods, with the post-period mean of each control as last column and the
    treated units' mean as last row, per batch item.
    """
    top = np.concatenate([y[:, :n0, :t0], y[:, :n0, t0:].mean(axis=2, keepdims=True)], axis=2)
    bottom = np.concatenate(
        [
            y[:, n0:, :t0].mean(axis=1, keepdims=True),
            y[:, n0:, t0:].mean(axis=(1, 2))[:, None, None],
        ],
        axis=2,
    )
    return np.concatenate([top, bottom], axis=1)


@dataclass(frozen=True)
class _Opts:
    zeta_omega: float
    zeta_lambda: float
    omega_intercept: bool
    lambda_intercept: bool
    update_omega: bool
    update_lambda: bool
    min_decrease: float


class _Weights(NamedTuple):
    """A fitted design the standard errors start from: controls, pre-periods, options, weights."""

    n0: int
    t0: int
    opts: _Opts
    omega: Array
    lam: Array


def _estimate(
    y: Array, n0: int, t0: int, opts: _Opts, omega: Array | None, lam: Array | None
) -> tuple[Array, Array, Array]:
    """R synthdid's ``synthdid_estimate`` for a batch ``y`` of shape ``(B, N, T)``.

    ``omega``/``lam`` are ``(B, .)`` starting (or, without updating, fixed) weights.
    Returns the estimates ``(B,)`` and the weights.
    """
    nb, n, t = y.shape
    yc = _collapsed(y, n0, t0)
    if opts.update_lambda:
        w = _sc_weight_fw(
            yc[:, :n0, :],
            opts.zeta_lambda,
            opts.lambda_intercept,
            lam,
            opts.min_decrease,
            _MAX_ITER_PRE,
        )
        lam = _sc_weight_fw(
            yc[:, :n0, :],
            opts.zeta_lambda,
            opts.lambda_intercept,
            _sparsify(w),
            opts.min_decrease,
            _MAX_ITER,
        )
    if opts.update_omega:
        yo = np.swapaxes(yc[:, :, :t0], 1, 2)
        w = _sc_weight_fw(
            yo, opts.zeta_omega, opts.omega_intercept, omega, opts.min_decrease, _MAX_ITER_PRE
        )
        omega = _sc_weight_fw(
            yo, opts.zeta_omega, opts.omega_intercept, _sparsify(w), opts.min_decrease, _MAX_ITER
        )
    assert omega is not None and lam is not None
    n1, t1 = n - n0, t - t0
    wo = np.concatenate([-omega, np.full((nb, n1), 1.0 / n1)], axis=1)
    wl = np.concatenate([-lam, np.full((nb, t1), 1.0 / t1)], axis=1)
    return np.einsum("bn,bnt,bt->b", wo, y, wl), omega, lam


def _noise_level(y: Array, n0: int, t0: int) -> float:
    return float(np.std(np.diff(y[:n0, :t0], axis=1), ddof=1))


def _sdid_opts(y: Array, n0: int, t0: int) -> _Opts:
    n, t = y.shape
    sigma = _noise_level(y, n0, t0)
    eta_omega = ((n - n0) * (t - t0)) ** 0.25
    return _Opts(eta_omega * sigma, 1e-6 * sigma, True, True, True, True, 1e-5 * sigma)


# --------------------------------------------------------------------------------------------
# Standard errors
# --------------------------------------------------------------------------------------------


def _placebo(y: Array, fitted: _Weights, reps: int, rng: np.random.Generator) -> Array:
    """R synthdid's ``placebo_se`` replicates.

    Controls are permuted, the last ``N_tr`` of them pretend to be treated, and the weights
    are re-estimated from warm starts with the same ``zeta``.

    ``y`` is a batch of ``D`` panels ``(D, N, T)`` with their fitted weights ``omega``
    ``(D, N0)`` and ``lam`` ``(D, T0)``; the fields of ``opts`` are scalars or ``(D,)``
    arrays. Returns the placebo estimates ``(D, reps)``.
    """
    n0, t0, opts, omega, lam = fitted
    nd = y.shape[0]
    n1 = y.shape[1] - n0
    m0 = n0 - n1
    perms = np.array([rng.permutation(n0) for _ in range(nd * reps)])
    ds = np.repeat(np.arange(nd), reps)

    def per_item(v: Any) -> Any:
        return np.asarray(v, dtype=float)[ds] if np.ndim(v) else v

    out = np.empty(nd * reps)
    chunk = 512
    for s in range(0, nd * reps, chunk):
        sl = slice(s, s + chunk)
        d, ind = ds[sl], perms[sl]
        ys = y[d[:, None], ind]
        starts = _sum_normalize(omega[d[:, None], ind[:, :m0]])
        o = _Opts(
            *(per_item(v)[sl] if np.ndim(v) else v for v in (opts.zeta_omega, opts.zeta_lambda)),
            opts.omega_intercept,
            opts.lambda_intercept,
            opts.update_omega,
            opts.update_lambda,
            per_item(opts.min_decrease)[sl] if np.ndim(opts.min_decrease) else opts.min_decrease,
        )
        out[sl] = _estimate(ys, m0, t0, o, starts, lam[d])[0]
    return out.reshape(nd, reps)


def _bootstrap(y: Array, fitted: _Weights, reps: int, rng: np.random.Generator) -> Array:
    """R synthdid's ``bootstrap_se`` replicates.

    Units are resampled; all-control or all-treated draws are redrawn.
    """
    n0, t0, opts, omega, lam = fitted
    n = y.shape[0]
    out = np.empty(reps)
    r = 0
    while r < reps:
        ind = np.sort(rng.integers(0, n, n))
        m0 = int((ind < n0).sum())
        if m0 == 0 or m0 == n:
            continue
        start = _sum_normalize(omega[ind[:m0]])[None, :]
        out[r] = _estimate(y[ind][None], m0, t0, opts, start, lam[None, :])[0][0]
        r += 1
    return out


def _jackknife(y: Array, fitted: _Weights) -> float:
    """R synthdid's ``jackknife_se``: leave one unit out, weights fixed (omega renormalised)."""
    n0, t0, _, omega, lam = fitted
    n, t = y.shape
    u = np.empty(n)
    wl = np.concatenate([-lam, np.full(t - t0, 1.0 / (t - t0))])
    for i in range(n):
        ind = np.delete(np.arange(n), i)
        m0 = n0 - (1 if i < n0 else 0)
        om = _sum_normalize(omega[ind[:m0]])
        n1 = n - 1 - m0
        wo = np.concatenate([-om, np.full(n1, 1.0 / n1)])
        u[i] = wo @ y[ind] @ wl
    return float(math.sqrt((n - 1) / n * (n - 1) * np.var(u, ddof=1)))


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyntheticDiDResult:
    """Result of :func:`synthetic_did`.

    Attributes
    ----------
    estimate
        The SDID estimate of the ATT (outcome units).
    se
        Its standard error by ``se_method`` (NaN when ``se_method="none"``).
    se_method
        ``"placebo"``, ``"bootstrap"``, ``"jackknife"`` or ``"none"``.
    level
        Confidence level of ``ci``.
    ci
        Normal-approximation confidence interval ``estimate -/+ z * se`` (NaN when the
        placebo SE rests on too few distinct placebo assignments; see ``warnings``).
    p_value
        Two-sided normal p-value of ``estimate / se`` (NaN as ``ci``).
    unit_weights
        Polars frame ``unit``, ``weight``: the control units' weights ``omega`` (sum 1).
    time_weights
        Polars frame ``time``, ``weight``: the pre-treatment periods' weights ``lambda``.
    sc_estimate, did_estimate
        Synthetic-control and difference-in-differences estimates on the same panel.
    covariate_coefficients
        The projection's ``beta`` per covariate (empty without covariates).
    replicates
        The placebo or bootstrap estimates (empty for the jackknife and ``"none"``).
    warnings
        Caveats on the inference as :class:`~research.core.errors.PilotbenchWarning`
        objects (:class:`~research.core.warnings.FewPlaceboAssignmentsWarning`), worded in
        a report's language by :func:`research.core.warnings.warning_text`.
    """

    estimate: float
    se: float
    se_method: str
    level: float
    ci: tuple[float, float]
    p_value: float
    unit_weights: pl.DataFrame
    time_weights: pl.DataFrame
    sc_estimate: float
    did_estimate: float
    treated_units: list[Any]
    treatment_time: Any
    n_control: int
    n_pre: int
    n_post: int
    noise_level: float
    zeta_omega: float
    zeta_lambda: float
    outcome: str
    covariate_coefficients: dict[str, float]
    replicates: Array = field(repr=False)
    _y: Array = field(repr=False)
    _times: list[Any] = field(repr=False)
    warnings: list[PilotbenchWarning] = field(default_factory=list)

    @property
    def n_treated(self) -> int:
        """Number of treated units."""
        return len(self.treated_units)

    def _rows(self, lang: str = "en") -> list[tuple[str, object]]:
        pct = f"{100 * self.level:g} %"
        return [
            (TEXTS("att_sdid", lang), self.estimate),
            (TEXTS("se_by", lang, method=self.se_method), self.se),
            (TEXTS("ci_lower", lang, pct=pct), self.ci[0]),
            (TEXTS("ci_upper", lang, pct=pct), self.ci[1]),
            (TEXTS("p_value", lang), self.p_value),
            (TEXTS("att_sc", lang), self.sc_estimate),
            (TEXTS("att_did", lang), self.did_estimate),
            (TEXTS("treated_units", lang), self.n_treated),
            (TEXTS("control_units", lang), self.n_control),
            (TEXTS("pre_post_periods", lang), f"{self.n_pre} / {self.n_post}"),
        ]

    def to_frame(self) -> pl.DataFrame:
        """One row per estimator: ``method``, ``estimate``, ``se``, ``ci_lower``, ``ci_upper``."""
        nan = float("nan")
        return pl.DataFrame(
            {
                "method": ["sdid", "sc", "did"],
                "estimate": [self.estimate, self.sc_estimate, self.did_estimate],
                "se": [self.se, nan, nan],
                "ci_lower": [self.ci[0], nan, nan],
                "ci_upper": [self.ci[1], nan, nan],
            }
        )

    def _top_weights(self) -> pl.DataFrame:
        return (
            self.unit_weights.sort("weight", descending=True).filter(pl.col("weight") > 0).head(10)
        )

    def summary(self, lang: str = "en") -> str:
        """Plain-text summary: estimates, SE, interval and the largest unit weights.

        ``lang`` (``"en"`` or ``"sv"``) picks the labels (``research/stats/texts.toml``).
        """
        title = TEXTS("title_sdid", lang, outcome=self.outcome)
        text = text_table(title, self._rows(lang), self._top_weights())
        return "\n\n".join([text, *warning_texts(self.warnings, lang)])

    def _repr_html_(self, lang: str = "en") -> str:
        title = TEXTS("title_sdid", lang, outcome=self.outcome)
        note = " ".join(
            [TEXTS("note_sdid", lang, method=self.se_method), *warning_texts(self.warnings, lang)]
        )
        return html_table(title, self._rows(lang), self._top_weights(), note)

    def plot(self, lang: str = "en") -> Any:
        """Treated mean and its synthetic-DiD control over time, time weights as bars.

        Returns a :class:`matplotlib.figure.Figure` (no pyplot state is touched). The title
        gives the estimate and its SE, or says the SE was not computed (``se_method="none"``);
        ``lang`` (``"en"`` or ``"sv"``) picks the labels (``research/stats/texts.toml``).
        """
        from matplotlib.figure import Figure

        y = self._y
        n0 = self.n_control
        omega = self.unit_weights["weight"].to_numpy()
        lam = self.time_weights["weight"].to_numpy()
        treated = y[n0:].mean(axis=0)
        control = omega @ y[:n0]
        t0 = self.n_pre
        # The control path shifted by the lambda-weighted pre-period gap (the SDID intercept).
        shift = float((treated[:t0] - control[:t0]) @ lam)
        fig = Figure(figsize=(7, 4))
        ax = fig.subplots()
        x = np.arange(len(self._times))
        ax.plot(x, treated, "-o", ms=3, label=TEXTS("plot_treated_mean", lang))
        ax.plot(x, control + shift, "--s", ms=3, label=TEXTS("plot_sdid_control", lang))
        ax.axvline(t0 - 0.5, color="grey", lw=0.8)
        ax2 = ax.twinx()
        ax2.bar(x[:t0], lam, alpha=0.25, color="grey", label=TEXTS("plot_time_weight", lang))
        ax2.set_ylim(0, max(1.0, float(lam.max()) * 3))
        ax2.set_ylabel(TEXTS("plot_time_weight", lang))
        ax.set_xticks(x[:: max(1, len(x) // 10)])
        ax.set_xticklabels([str(self._times[i]) for i in x[:: max(1, len(x) // 10)]])
        ax.set_ylabel(self.outcome)
        se = _g(self.se, lang) if math.isfinite(self.se) else TEXTS("not_computed", lang)
        ax.set_title(TEXTS("plot_sdid_title", lang, estimate=_g(self.estimate, lang), se=se))
        ax.legend(loc="best", fontsize=8)
        return fig


# --------------------------------------------------------------------------------------------
# Data preparation and the public function
# --------------------------------------------------------------------------------------------


def _g(x: float, lang: str) -> str:
    """``x`` to 3 significant digits, with a decimal comma and U+2212 minus in Swedish."""
    out = f"{x:.3g}"
    return out.replace(".", TEXTS("decimal_mark", lang)).replace("-", TEXTS("minus_sign", lang))


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


def _project(
    data: pl.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    covariates: list[str],
    controls: list[Any],
) -> tuple[pl.DataFrame, Array]:
    """Subtract ``X beta``, beta from a two-way fixed-effects regression on control units."""
    ctrl = data.filter(pl.col(unit).is_in(controls))
    x = ctrl.select(covariates).to_numpy().astype(float)
    yv = ctrl[outcome].to_numpy().astype(float)
    u = ctrl[unit].to_numpy()
    t = ctrl[time].to_numpy()
    # Within transformation for a balanced panel: subtract unit and time means.
    frame = pl.DataFrame({"u": u, "t": t, "y": yv} | {f"x{i}": x[:, i] for i in range(x.shape[1])})
    cols = ["y"] + [f"x{i}" for i in range(x.shape[1])]
    dm = frame.with_columns(
        [
            (
                pl.col(c)
                - pl.col(c).mean().over("u")
                - pl.col(c).mean().over("t")
                + pl.col(c).mean()
            ).alias(c)
            for c in cols
        ]
    )
    xd = dm.select(cols[1:]).to_numpy()
    yd = dm["y"].to_numpy()
    beta, *_ = np.linalg.lstsq(xd, yd, rcond=None)
    if np.linalg.matrix_rank(xd) < xd.shape[1]:
        en, sv = _ERRORS.both("covariates_collinear")
        raise DesignError(en, sv=sv)
    adj = (
        data[outcome].to_numpy().astype(float)
        - data.select(covariates).to_numpy().astype(float) @ beta
    )
    return data.with_columns(pl.Series(outcome, adj)), beta


def synthetic_did(  # noqa: C901, PLR0913 - a documented estimator: data columns plus keyword-only options
    data: pl.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated: Any,
    treatment_time: Any,
    covariates: Sequence[str] | None = None,
    se_method: SEMethod = "placebo",
    replications: int = 200,
    seed: int = 0,
    level: float = 0.95,
) -> SyntheticDiDResult:
    """Synthetic difference-in-differences estimate of the ATT with its standard error.

    Parameters
    ----------
    data
        Balanced long panel: one row per unit and period, outcome observed everywhere.
    unit, time, outcome
        Column names of the unit identifier, the period (sortable) and the outcome.
    treated
        The treated unit's value in ``unit``, or a list of them (several treated units
        sharing one treatment start).
    treatment_time
        First treated period: ``time < treatment_time`` is pre-treatment.
    covariates
        Time-varying covariate columns, adjusted for by projection (see the module notes).
    se_method
        ``"placebo"`` (default; needs more controls than treated units), ``"bootstrap"``
        and ``"jackknife"`` (need at least two treated units), or ``"none"``.
    replications
        Placebo or bootstrap replications (R synthdid's default is 200); at least 50 (see
        the module notes: Efron & Tibshirani 1993, section 6.4, and the size measured here).
    seed
        Seed of the placebo permutations / bootstrap draws.
    level
        Confidence level of the normal interval.

    Returns
    -------
    SyntheticDiDResult
        ``.estimate``, ``.se``, ``.ci``, ``.unit_weights`` and ``.time_weights`` (polars),
        ``.sc_estimate``, ``.did_estimate``; ``summary()``, ``to_frame()``, ``plot()``.

    Raises
    ------
    ArgumentError
        Missing column, no or an unknown treated unit, repeated unit-period rows, unbalanced
        panel, missing outcome, bad ``se_method``/``level``, ``replications`` below 50
        (placebo and bootstrap), a covariate that is not numeric, missing, infinite, the
        outcome or an id column, a seed numpy would refuse.
    DesignError
        Infinite outcome values, fewer than two pre-treatment periods, no post-treatment
        period, fewer than two control units, or a standard-error method the design does
        not support (R synthdid's conditions: placebo needs more control than treated
        units, ``placebo_se``; the bootstrap and the jackknife are undefined with one
        treated unit, ``bootstrap_se`` and ``jackknife_se``, the jackknife also when one
        control carries all the weight).

    Warns
    -----
    FewPlaceboAssignmentsWarning
        Returned in ``.warnings`` (not issued) when the placebo SE rests on so few distinct
        placebo assignments, ``comb(N_co, N_tr)``, that a placebo test could not give a
        p-value of ``1 - level`` or less (``1 / (comb(N_co, N_tr) + 1) > 1 - level``); ``ci``
        and ``p_value`` are then NaN, the SE and the replicates are kept.
    ExactFitInferenceWarning
        Returned in ``.warnings`` (not issued) when the placebo, bootstrap or jackknife
        replicates differ only by rounding (the outcome is exactly unit plus period effects):
        ``se``, ``ci`` and ``p_value`` are NaN rather than an interval of zero width (the
        SE's floor is :func:`research.stats.glm.rounding_floor` of the outcome's largest
        absolute value).

    Examples
    --------
    >>> import numpy as np, polars as pl
    >>> rng = np.random.default_rng(1)
    >>> rows = [{"u": u, "t": t, "y": u + 0.5 * t + rng.normal(0, 0.1)
    ...          + (3.0 if u == 0 and t >= 8 else 0.0)} for u in range(10) for t in range(10)]
    >>> fit = synthetic_did(pl.DataFrame(rows), unit="u", time="t", outcome="y",
    ...                     treated=0, treatment_time=8, replications=50)
    >>> round(fit.estimate)
    3
    >>> fit.time_weights.columns
    ['time', 'weight']

    References
    ----------
    Arkhangelsky, D. et al. (2021). Synthetic difference-in-differences. *AER* 111(12),
    4088-4118. R package synthdid (Hirshberg), functions ``synthdid_estimate`` and ``vcov``.
    """
    if not isinstance(data, pl.DataFrame):
        en, sv = _ERRORS.both("not_a_frame", got=type(data).__name__)
        raise ArgumentError(en, sv=sv)
    covariates = list(covariates or [])
    for name, col in [("unit", unit), ("time", time), ("outcome", outcome)] + [
        ("covariates", c) for c in covariates
    ]:
        if col not in data.columns:
            en, sv = _ERRORS.both("no_column", name=name, col=col, columns=data.columns)
            raise ArgumentError(en, sv=sv)
    if se_method not in _SE_METHODS:
        en, sv = _ERRORS.both("unknown_se_method", se_method=se_method, methods=list(_SE_METHODS))
        raise ArgumentError(en, sv=sv)
    if se_method in ("placebo", "bootstrap"):
        replications = check_replications(replications, "replications")
    if not is_probability(level):
        en, sv = _ERRORS.both("bad_level", level=level)
        raise ArgumentError(en, sv=sv)

    for c in covariates:
        if c in (unit, time, outcome) or c not in data.columns or not data[c].dtype.is_numeric():
            en, sv = _ERRORS.both("covariate_bad", col=c, outcome=outcome)
            raise ArgumentError(en, sv=sv)
    data = data.select([unit, time, outcome, *covariates])
    for key in (unit, time):  # a row without its unit or period belongs to no cell
        if data[key].null_count():
            en, sv = _ERRORS.both("key_missing", col=key, n=data[key].null_count())
            raise ArgumentError(en, sv=sv)
    if data.select(pl.struct(unit, time).is_duplicated().any()).item():
        en, sv = _ERRORS.both("repeated_rows", unit=unit, time=time)
        raise DesignError(en, sv=sv)
    if data[outcome].null_count() or data[outcome].cast(pl.Float64).is_nan().any():
        en, sv = _ERRORS.both("outcome_missing", outcome=outcome)
        raise DesignError(en, sv=sv)
    if data[outcome].cast(pl.Float64).is_infinite().any():
        en, sv = _ERRORS.both("outcome_not_finite", outcome=outcome)
        raise DesignError(en, sv=sv)
    for c in covariates:
        values = data[c].cast(pl.Float64)
        if values.null_count() or values.is_nan().any():
            en, sv = _ERRORS.both("covariate_missing", col=c)
            raise ArgumentError(en, sv=sv)
        if values.is_infinite().any():
            en, sv = _ERRORS.both("covariate_bad", col=c, outcome=outcome)
            raise ArgumentError(en, sv=sv)
    # units in sorted order, not in order of first appearance: the placebo and bootstrap
    # draws pick units by position, so the SE must not depend on how the rows are sorted
    units = data[unit].unique().sort().to_list()
    times = sorted(data[time].unique().to_list())
    if data.height != len(units) * len(times):
        en, sv = _ERRORS.both("unbalanced", rows=data.height, units=len(units), periods=len(times))
        raise DesignError(en, sv=sv)
    tr = _as_list(treated)
    if not tr:
        en, sv = _ERRORS.both("no_treated")
        raise ArgumentError(en, sv=sv)
    missing = [u for u in tr if u not in units]
    if missing:
        en, sv = _ERRORS.both("treated_not_found", missing=missing, unit=unit)
        raise ArgumentError(en, sv=sv)
    if len(set(tr)) != len(tr):
        en, sv = _ERRORS.both("treated_repeated", treated=tr)
        raise ArgumentError(en, sv=sv)
    controls = [u for u in units if u not in set(tr)]
    try:
        pre = [t for t in times if t < treatment_time]
    except TypeError as exc:
        en, sv = _ERRORS.both(
            "treatment_time_incomparable", treatment_time=treatment_time, time=time
        )
        raise ArgumentError(en, sv=sv) from exc
    t0, t1 = len(pre), len(times) - len(pre)
    if t0 < 2:
        en, sv = _ERRORS.both("too_few_pre_periods", treatment_time=treatment_time, t0=t0)
        raise DesignError(en, sv=sv)
    if t1 < 1:
        en, sv = _ERRORS.both("no_post_period", treatment_time=treatment_time, last=times[-1])
        raise DesignError(en, sv=sv)
    if not controls:
        en, sv = _ERRORS.both("all_treated")
        raise DesignError(en, sv=sv)
    if len(controls) < 2:
        en, sv = _ERRORS.both("one_control")
        raise DesignError(en, sv=sv)

    n0, n1 = len(controls), len(tr)
    if se_method == "placebo" and n0 <= n1:
        en, sv = _ERRORS.both("placebo_needs_controls", n0=n0, n1=n1)
        raise DesignError(en, sv=sv)
    if se_method == "bootstrap" and n1 < 2:
        en, sv = _ERRORS.both("bootstrap_one_treated")
        raise DesignError(en, sv=sv)
    if se_method == "jackknife" and n1 < 2:
        en, sv = _ERRORS.both("jackknife_one_treated")
        raise DesignError(en, sv=sv)
    beta = np.zeros(0)
    if covariates:
        data, beta = _project(data, unit, time, outcome, covariates, controls)
    order = controls + tr
    upos = {u: i for i, u in enumerate(order)}
    tpos = {t: j for j, t in enumerate(times)}
    y = np.empty((len(order), len(times)))
    y[
        np.array([upos[u] for u in data[unit].to_list()]),
        np.array([tpos[t] for t in data[time].to_list()]),
    ] = data[outcome].to_numpy().astype(float)

    sigma = _noise_level(y, n0, t0)
    if not sigma > 0:
        en, sv = _ERRORS.both("outcome_constant", outcome=outcome)
        raise DesignError(en, sv=sv)
    opts = _sdid_opts(y, n0, t0)
    est, om, la = _estimate(y[None], n0, t0, opts, None, None)
    estimate, omega, lam = float(est[0]), om[0], la[0]
    sc_opts = _Opts(1e-6 * sigma, 1e-6 * sigma, False, True, True, False, 1e-5 * sigma)
    sc_estimate = float(_estimate(y[None], n0, t0, sc_opts, None, np.zeros((1, t0)))[0][0])
    did_opts = _Opts(opts.zeta_omega, opts.zeta_lambda, True, True, False, False, opts.min_decrease)
    did_estimate = float(
        _estimate(y[None], n0, t0, did_opts, np.full((1, n0), 1 / n0), np.full((1, t0), 1 / t0))[0][
            0
        ]
    )

    rng = random_generator(seed)
    replicates = np.zeros(0)
    se = float("nan")
    warns: list[PilotbenchWarning] = []
    if se_method == "placebo":
        batch = _Weights(n0, t0, opts, omega[None], lam[None])
        replicates = _placebo(y[None], batch, replications, rng)[0]
    elif se_method == "bootstrap":
        replicates = _bootstrap(y, _Weights(n0, t0, opts, omega, lam), replications, rng)
    elif se_method == "jackknife":
        if int((omega > 0).sum()) < 2:
            en, sv = _ERRORS.both("jackknife_one_weight")
            raise DesignError(en, sv=sv)
        se = _jackknife(y, _Weights(n0, t0, opts, omega, lam))
    if replicates.size:
        b = replicates.size
        se = float(math.sqrt((b - 1) / b) * np.std(replicates, ddof=1))
    # an outcome that is exactly unit plus period effects among the controls gives placebo
    # (or jackknife, bootstrap) estimates that differ only by rounding: an SE of 4e-15 and
    # p = 0 would be rounding noise; the floor is in the outcome's units (glm.rounding_floor)
    if se <= rounding_floor(float(np.max(np.abs(y))), y.size):
        warns.append(
            ExactFitInferenceWarning(
                f"The {se_method} replicates of the synthetic DiD estimate differ only by "
                "rounding (the outcome is fitted exactly by unit and period effects): no "
                "standard error, interval or p-value is given.",
                model="synthetic DiD",
                inference=se_method,
            )
        )
        se = float("nan")
    z = float(stats.norm.ppf(0.5 + level / 2))
    ci = (estimate - z * se, estimate + z * se)
    p = float(2 * stats.norm.sf(abs(estimate / se))) if se > 0 else float("nan")
    alpha = round(1 - level, 12)  # 0.05, not 0.050000000000000044
    if se_method == "placebo" and 1 / (math.comb(n0, n1) + 1) > alpha:
        warns.append(FewPlaceboAssignmentsWarning.of(n0, n1, alpha))
        ci, p = (float("nan"), float("nan")), float("nan")
    return SyntheticDiDResult(
        estimate=estimate,
        se=se,
        se_method=se_method,
        level=level,
        ci=ci,
        p_value=p,
        unit_weights=pl.DataFrame(
            {"unit": controls, "weight": omega}, schema_overrides={"unit": data[unit].dtype}
        ),
        time_weights=pl.DataFrame(
            {"time": pre, "weight": lam}, schema_overrides={"time": data[time].dtype}
        ),
        sc_estimate=sc_estimate,
        did_estimate=did_estimate,
        treated_units=tr,
        treatment_time=treatment_time,
        n_control=n0,
        n_pre=t0,
        n_post=t1,
        noise_level=sigma,
        zeta_omega=opts.zeta_omega,
        zeta_lambda=opts.zeta_lambda,
        outcome=outcome,
        covariate_coefficients=dict(zip(covariates, map(float, beta), strict=True)),
        replicates=replicates,
        _y=y,
        _times=times,
        warnings=warns,
    )
