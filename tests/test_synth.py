"""Tests of research.stats.synth (synthetic control) and research.stats._simplex (its inner solver).

Reference values:
- ``tests/reference/basque_synth_r.json``: published R Synth output for Abadie & Gardeazabal
  (2003) on ``data/reference/basque.csv`` (two runs, with their V, W, losses and balance
  table), transcribed from printed R output; provenance and the R script that produces it in
  ``tests/reference/basque_synth_r.md`` and ``basque_synth_r.R``;
- closed forms (two-donor segment, perfect-fit cases, mean over available values);
- SciPy's SLSQP as an independent QP solver (inner problem, ties broken by the outer loss),
  and finite differences for the V-gradient;
- a brute-force search over V (grid plus bounded refinement, inner problem by SciPy's NNLS)
  for the nested search and the cross-validated V, on cases where only the search decides;
- exact distribution theory for the placebo p-values under exchangeable units.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.optimize import minimize, minimize_scalar, nnls

from research.core.errors import ArgumentError, DesignError
from research.stats._simplex import simplex_kkt_residual, simplex_least_squares, tied_least_squares
from research.stats.synth import _attaining_v, _Outer, synthetic_control

ROOT = Path(__file__).resolve().parents[1]
BASQUE_CSV = ROOT / "data" / "reference" / "basque.csv"
R_REF = json.loads((ROOT / "tests" / "reference" / "basque_synth_r.json").read_text())

SECTORS = [
    "sec.agriculture",
    "sec.energy",
    "sec.industry",
    "sec.construction",
    "sec.services.venta",
    "sec.services.nonventa",
]
SCHOOL = ["school.illit", "school.prim", "school.med", "school.high", "school.post.high"]


@pytest.fixture(scope="module")
def basque() -> pl.DataFrame:
    return pl.read_csv(BASQUE_CSV)


def basque_spec() -> dict:
    """The specification of R Synth's Basque example (Abadie & Gardeazabal 2003)."""
    return {
        "unit": "regionno",
        "time": "year",
        "outcome": "gdpcap",
        "treated": 17,
        "treatment_time": 1970,
        "predictors": [*SCHOOL, "invest"],
        "predictor_window": (1964, 1969),
        "special_predictors": [
            ("gdpcap", (1960, 1969), "mean"),
            *[(c, list(range(1961, 1970, 2)), "mean") for c in SECTORS],
            ("popdens", 1969, "mean"),
        ],
        "fit_window": (1960, 1969),
        "donors": [u for u in range(2, 19) if u != 17],
    }


def r_custom_v(run: str, names: list[str]) -> dict[str, float]:
    """Map R's published solution.v (in R's predictor order) onto our predictor names."""
    order = R_REF["predictor_order_r"][run]
    values = dict(zip(order, R_REF["solution_v"][run], strict=True))
    return {name: values[name.split(" (")[0]] for name in names}


def published_paper_loss(data: pl.DataFrame) -> float:
    """Fit-window MSPE of the published weights Cataluña 0.8508 + Madrid 0.1492."""
    wide = data.filter(pl.col("year").is_between(1960, 1969)).pivot(
        on="regionno", index="year", values="gdpcap"
    )
    w = R_REF["published_paper_weights"]
    synthetic = sum(wide[u].to_numpy() * wt for u, wt in w.items())
    gap = wide["17"].to_numpy() - synthetic
    return float(np.mean(gap**2))


# --------------------------------------------------------------------------------------------
# Basque Country: against R Synth
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def basque_fit(basque: pl.DataFrame):
    return synthetic_control(basque, **basque_spec())


def test_basque_predictors_match_r_dataprep(basque_fit) -> None:
    ref = R_REF["tab_pred"]
    bal = basque_fit.balance
    base = [p.split(" (")[0] for p in bal["predictor"].to_list()]
    assert sorted(base) == sorted(ref["order"])
    for name, treated, mean in zip(ref["order"], ref["treated"], ref["sample_mean"], strict=True):
        row = bal.filter(pl.Series(base) == name)
        assert row["treated"][0] == pytest.approx(treated, abs=6e-4), name
        assert row["donor_mean"][0] == pytest.approx(mean, abs=6e-4), name


@pytest.mark.parametrize("run", ["nelder_mead", "bfgs"])
def test_basque_custom_v_reproduces_r_synth(basque: pl.DataFrame, basque_fit, run: str) -> None:
    names = basque_fit.v["predictor"].to_list()
    fit = synthetic_control(basque, custom_v=r_custom_v(run, names), **basque_spec())
    assert fit.v_method == "custom"
    weights = dict(fit.weights.iter_rows())
    for unit, w in R_REF["weights"][run].items():
        assert weights[int(unit)] == pytest.approx(w, abs=2e-6)
    others = [w for u, w in weights.items() if str(u) not in R_REF["weights"][run]]
    assert max(others) == 0.0  # exact zeros, where R's interior point leaves ~1e-8
    # R's loss includes its tiny off-support weights: agree to about 1e-5 relative.
    assert fit.loss_v == pytest.approx(R_REF["loss_v"][run], rel=2e-5)
    if run in R_REF["loss_w"]:
        assert fit.loss_w == pytest.approx(R_REF["loss_w"][run], rel=1e-5)
    ref = R_REF["tab_pred"]
    base = [p.split(" (")[0] for p in fit.balance["predictor"].to_list()]
    for name, synthetic in zip(ref["order"], ref["synthetic"], strict=True):
        row = fit.balance.filter(pl.Series(base) == name)
        assert row["synthetic"][0] == pytest.approx(synthetic, abs=3e-3), name


def test_basque_nested_v_beats_published_loss(basque: pl.DataFrame, basque_fit) -> None:
    published = published_paper_loss(basque)
    assert published == pytest.approx(0.0088645, rel=1e-4)
    assert basque_fit.loss_v <= published * (1 + 1e-6)
    # No V can beat the best fit over all donor weights; here that bound is attained
    # (the V found makes the outcome-optimal W the inner solution), about half the
    # published loss: R Synth's Cataluña/Madrid solution is a local optimum.
    assert basque_fit.loss_v >= basque_fit.loss_bound * (1 - 1e-12)
    assert basque_fit.loss_v == pytest.approx(basque_fit.loss_bound, rel=1e-9)
    assert basque_fit.loss_v < 0.5 * published
    assert basque_fit.v["weight"].sum() == pytest.approx(1.0)
    assert basque_fit.weights["weight"].sum() == pytest.approx(1.0)
    assert basque_fit.weights["weight"].to_list() == sorted(
        basque_fit.weights["weight"].to_list(), reverse=True
    )
    # The reported loss is the MSPE of the reported weights over 1960-1969.
    gap = basque_fit.gap.filter(pl.col("time").is_between(1960, 1969))["gap"].to_numpy()
    assert basque_fit.loss_v == pytest.approx(float(np.mean(gap**2)), rel=1e-12)
    # att is the mean post-1970 gap; the Basque gap is negative (the paper's conclusion).
    post = basque_fit.gap.filter(pl.col("time") >= 1970)["gap"].to_numpy()
    assert basque_fit.att == pytest.approx(float(post.mean()))
    assert basque_fit.att < 0


def test_basque_attaining_v_makes_outcome_optimal_w_an_inner_solution(basque_fit) -> None:
    """The linear programme's V: W minimising the pre-period MSPE satisfies the inner KKT
    conditions there (checked by the KKT residual and by SLSQP on the inner QP)."""
    design = basque_fit._design
    x1, x0 = design.x[:, 0], design.x[:, 1:]
    z1, z0 = design.z[:, 0], design.z[:, 1:]
    sd = np.std(np.column_stack([x1, x0]), axis=1, ddof=1)
    d = x0 / sd[:, None] - (x1 / sd)[:, None]
    w_bound = slsqp_simplex(z0 - z1[:, None])  # independent outcome-optimal W
    w_bound = np.where(w_bound > 1e-9, w_bound, 0.0)  # SLSQP leaves ~1e-17 off the support
    w_bound /= w_bound.sum()
    problem = _Outer(d, z1, z0)
    v = _attaining_v(problem, simplex_least_squares(z0 - z1[:, None])[0])
    assert v is not None and v.min() >= 0.0 and v.sum() == pytest.approx(1.0, abs=1e-12)
    c = np.sqrt(v)[:, None] * d
    assert simplex_kkt_residual(c, w_bound) < 1e-6
    w_inner = slsqp_simplex(c)
    assert float(np.sum((c @ w_inner) ** 2)) == pytest.approx(
        float(np.sum((c @ w_bound) ** 2)), rel=1e-6, abs=1e-12
    )
    assert basque_fit.starts.row(0) == ("outcome-optimal W", pytest.approx(basque_fit.loss_v))
    assert basque_fit.v["weight"].to_numpy() == pytest.approx(v, abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_attaining_v_shortcut_only_for_infeasible_programmes(seed: int, monkeypatch) -> None:
    """Before the linear programme, a support larger than the predictors whose equalities no
    V can meet is answered "no V" without linprog, as linprog itself answers; when those
    equalities do hold (the treated unit inside the donors' hull, so every g_j(v) = 0),
    linprog still runs and finds a V."""
    import research.stats.synth as synth_module

    rng = np.random.default_rng(seed)
    k, n_donors, n_times = 3, 12, 8
    d = rng.normal(size=(k, n_donors))
    z0, z1 = rng.normal(size=(n_times, n_donors)), rng.normal(size=n_times)
    w = rng.dirichlet(np.ones(n_donors))
    w[: n_donors // 2] = 0.0  # a support of 6 donors: 7 equalities for v (3) and mu
    w /= w.sum()
    calls: list[int] = []
    real = synth_module.linprog
    monkeypatch.setattr(synth_module, "linprog", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    assert _attaining_v(_Outer(d, z1, z0), w) is None
    assert calls == []
    with monkeypatch.context() as m:
        m.setattr(synth_module, "_LP_INFEASIBLE", np.inf)  # no shortcut: linprog decides
        assert _attaining_v(_Outer(d, z1, z0), w) is None
    assert calls == [1]
    inside = d - (d @ w)[:, None]  # D w = 0: the treated unit's predictors are matched exactly
    v = _attaining_v(_Outer(inside, z1, z0), w)
    assert calls == [1, 1]
    assert v is not None and v.min() >= 0.0 and v.sum() == pytest.approx(1.0, abs=1e-12)


def test_basque_weights_solve_inner_problem_independently(basque_fit) -> None:
    """At the reported V, SLSQP on the inner QP finds the reported W."""
    design = basque_fit._design
    x1, x0 = design.x[:, 0], design.x[:, 1:]
    sd = np.std(np.column_stack([x1, x0]), axis=1, ddof=1)
    v = basque_fit.v["weight"].to_numpy()
    c = np.sqrt(v)[:, None] * (x0 / sd[:, None] - (x1 / sd)[:, None])
    w_ref = slsqp_simplex(c)
    units = basque_fit.weights["unit"].to_list()
    ours = dict(basque_fit.weights.iter_rows())
    donors = [design.units[i] for i in design.donor_index]
    for j, u in enumerate(donors):
        assert ours[u] == pytest.approx(w_ref[j], abs=1e-5), u
    assert len(units) == 16


def test_basque_equal_and_regression_v(basque: pl.DataFrame, basque_fit) -> None:
    equal = synthetic_control(basque, v_method="equal", **basque_spec())
    assert np.allclose(equal.v["weight"].to_numpy(), 1 / 14)
    # Regression V (R Synth's second start), computed here from the normal equations.
    design = basque_fit._design
    x = design.x / np.std(design.x, axis=1, ddof=1)[:, None]
    xa = np.column_stack([np.ones(x.shape[1]), x.T])
    beta = np.linalg.solve(xa.T @ xa, xa.T @ design.z.T)[1:]
    v_ref = np.sum(beta**2, axis=1)
    reg = synthetic_control(basque, v_method="regression", **basque_spec())
    assert np.allclose(reg.v["weight"].to_numpy(), v_ref / v_ref.sum(), rtol=1e-8)
    assert basque_fit.loss_v <= min(equal.loss_v, reg.loss_v)


# --------------------------------------------------------------------------------------------
# The inner solver
# --------------------------------------------------------------------------------------------


def slsqp_simplex(c: np.ndarray) -> np.ndarray:
    n = c.shape[1]
    res = minimize(
        lambda w: float((c @ w) @ (c @ w)),
        np.full(n, 1.0 / n),
        jac=lambda w: 2 * c.T @ (c @ w),
        bounds=[(0.0, 1.0)] * n,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(n)}],
        method="SLSQP",
        options={"ftol": 1e-16, "maxiter": 2000},
    )
    return res.x


def test_simplex_two_donors_closed_form() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        a, b = rng.normal(size=(2, 4)) + rng.normal(size=4)
        t = float(np.clip(-(a @ (b - a)) / ((b - a) @ (b - a)), 0.0, 1.0))
        w, support = simplex_least_squares(np.column_stack([a, b]))
        assert w == pytest.approx([1 - t, t], abs=1e-12)
        assert support.tolist() == [1 - t > 0, t > 0]


def test_simplex_against_slsqp_and_kkt() -> None:
    rng = np.random.default_rng(7)
    for it in range(30):
        m, n = int(rng.integers(1, 12)), int(rng.integers(2, 30))
        c = rng.normal(size=(m, n)) * rng.uniform(0.01, 50) + rng.normal(size=(m, 1)) * (it % 3)
        w, _ = simplex_least_squares(c)
        assert simplex_kkt_residual(c, w) < 1e-12
        assert w.min() >= 0.0 and w.sum() == pytest.approx(1.0, abs=1e-14)
        w_ref = slsqp_simplex(c)
        assert float((c @ w) @ (c @ w)) <= float((c @ w_ref) @ (c @ w_ref)) * (1 + 1e-9) + 1e-14


def test_simplex_warm_start_does_not_change_solution() -> None:
    rng = np.random.default_rng(11)
    for _ in range(50):
        c = rng.normal(size=(5, 20)) + 1.0
        w, support = simplex_least_squares(c)
        for guess in (support, ~support, rng.random(20) < 0.5, np.ones(20, dtype=bool)):
            w2, _ = simplex_least_squares(c, guess)
            assert w2 == pytest.approx(w, abs=1e-12)


def test_simplex_inside_hull_gives_exact_fit() -> None:
    corners = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    target = corners @ np.array([0.2, 0.3, 0.5])
    w, _ = simplex_least_squares(corners - target[:, None])
    assert w == pytest.approx([0.2, 0.3, 0.5], abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 12),
    st.integers(0, 2**31 - 1),
    st.floats(1e-3, 1e3),
)
def test_simplex_kkt_property(m: int, n: int, seed: int, scale: float) -> None:
    c = np.random.default_rng(seed).normal(size=(m, n)) * scale
    w, support = simplex_least_squares(c)
    assert simplex_kkt_residual(c, w) < 1e-11
    assert np.array_equal(support, w > 0)


def test_outer_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(40):
        k, j, t = 5, 12, 8
        d = rng.normal(size=(k, j)) + 1.5  # treated outside the hull: W is unique
        problem = _Outer(d, rng.normal(size=t), rng.normal(size=(t, j)))
        v = rng.dirichlet(np.ones(k))
        loss, grad = problem.loss_grad(v)
        support = problem.idx.copy()
        h = 1e-5
        fd = np.empty(k)
        same = True
        for m in range(k):
            step = np.zeros(k)
            step[m] = h
            problem.idx = None
            up = problem.loss_grad(v + step)[0]
            same &= np.array_equal(problem.idx, support)
            problem.idx = None
            down = problem.loss_grad(v - step)[0]
            same &= np.array_equal(problem.idx, support)
            fd[m] = (up - down) / (2 * h)
        if same:  # away from a change of support the loss is smooth
            checked += 1
            assert grad == pytest.approx(fd, rel=1e-5, abs=1e-7 * max(1.0, loss))
    assert checked >= 20


# --------------------------------------------------------------------------------------------
# The nested search over V: ties, seeds, and a case only the search can decide
# --------------------------------------------------------------------------------------------


def slsqp_tied(g, h, a, b, start=None, vertices=True) -> tuple[np.ndarray, float]:
    """SLSQP: min ||g w - h||^2 over the simplex with a w = b (independent of our solver).

    The problem is convex; several starts only guard against SLSQP stopping early."""
    n = g.shape[1]
    best = None
    starts = [np.full(n, 1.0 / n)] + (list(np.eye(n)) if vertices else [])
    starts += [] if start is None else [start]
    for w0 in starts:
        res = minimize(
            lambda w: float(np.sum((g @ w - h) ** 2)),
            w0,
            jac=lambda w: 2 * g.T @ (g @ w - h),
            bounds=[(0.0, 1.0)] * n,
            constraints=[
                {"type": "eq", "fun": lambda w: np.append(a @ w - b, w.sum() - 1.0)},
            ],
            method="SLSQP",
            options={"ftol": 1e-15, "maxiter": 3000},
        )
        feasible = np.abs(a @ res.x - b).max() < 1e-8 and abs(res.x.sum() - 1) < 1e-8
        if feasible and (best is None or res.fun < best[1]):
            best = (res.x, float(res.fun))
    assert best is not None
    return best


def test_tied_least_squares_against_slsqp() -> None:
    rng = np.random.default_rng(12)
    for it in range(15):
        n, m, p = int(rng.integers(4, 11)), int(rng.integers(2, 9)), int(rng.integers(1, 3))
        g = rng.normal(size=(m, n))
        h = rng.normal(size=m) * 2
        a = rng.normal(size=(p, n))
        w0 = rng.dirichlet(np.ones(n)) * (rng.random(n) < 0.7)
        if w0.sum() == 0:
            w0[0] = 1.0
        w0 /= w0.sum()
        w = tied_least_squares(g, h, a, w0)
        assert w.min() >= 0.0 and w.sum() == pytest.approx(1.0, abs=1e-12)
        assert a @ w == pytest.approx(a @ w0, abs=1e-10)
        _, f_ref = slsqp_tied(g, h, a, a @ w0, start=w0)
        f = float(np.sum((g @ w - h) ** 2))
        assert f <= f_ref * (1 + 1e-7) + 1e-10, it
        assert f >= f_ref * (1 - 1e-6) - 1e-9, it  # SLSQP from n + 1 starts is not beaten
        assert f <= float(np.sum((g @ w0 - h) ** 2)) + 1e-12  # never worse than the start


def test_tied_least_squares_unconstrained_and_worse_start() -> None:
    # No constraint binds: the best simplex fit of h, (h = 1.5 between 1 and 2).
    g = np.array([[0.0, 1.0, 2.0, 5.0]])
    w = tied_least_squares(g, np.array([1.5]), np.zeros((1, 4)), np.full(4, 0.25))
    assert float((g @ w)[0]) == pytest.approx(1.5, abs=1e-12)
    # A constraint leaving exactly one point returns it.
    a = np.array([[1.0, 0.0, 0.0, 0.0]])
    w0 = np.array([1.0, 0.0, 0.0, 0.0])
    assert tied_least_squares(g, np.array([1.5]), a, w0) == pytest.approx(w0, abs=1e-15)


def panel_from_arrays(x0, x1, z0, z1, post: int = 2) -> pl.DataFrame:
    """Long panel: unit u0 treated (predictors x1, outcomes z1), donors u1.. (x0, z0)."""
    rows = []
    n_pre = len(z1)
    for j in range(x0.shape[1] + 1):
        xs = x1 if j == 0 else x0[:, j - 1]
        zs = z1 if j == 0 else z0[:, j - 1]
        for t in range(n_pre + post):
            row = {"u": f"u{j}", "t": 2000 + t, "y": float(zs[t]) if t < n_pre else 0.0}
            row.update({f"p{m + 1}": float(xs[m]) for m in range(len(xs))})
            rows.append(row)
    return pl.DataFrame(rows)


def two_predictor_case(seed: int, n_donors: int = 7, n_pre: int = 8):
    """The treated unit lies beyond every donor on both predictors: no corner of V and no
    V attaining the outcome-optimal W is optimal, the optimum is inside the simplex."""
    rng = np.random.default_rng(seed)
    x0 = rng.normal(size=(2, n_donors))
    x1 = x0.max(axis=1) + rng.uniform(0.2, 1.0, 2)
    z0 = rng.normal(size=(n_pre, n_donors)).cumsum(0)
    z1 = z0[:, rng.choice(n_donors, 3, replace=False)].mean(1) + rng.normal(0, 0.3, n_pre)
    return x0, x1, z0, z1


def brute_force_two_predictors(x0, x1, z0, z1) -> tuple[float, float, float]:
    """Outer loss over V = (t, 1 - t) by grid search plus a bounded 1-D refinement.

    The inner problem is solved by SciPy's NNLS (min ||C u||^2 + (1'u - 1)^2, u >= 0,
    W = u / 1'u), not by research.stats._simplex. Returns (t*, loss at t*, loss at t = 0.5)."""
    sd = np.std(np.column_stack([x1, x0]), axis=1, ddof=1)
    d = x0 / sd[:, None] - (x1 / sd)[:, None]

    def loss(t: float) -> float:
        c = np.sqrt([t, 1 - t])[:, None] * d
        a = np.vstack([c, np.ones(c.shape[1])])
        b = np.zeros(a.shape[0])
        b[-1] = 1.0
        u, _ = nnls(a, b)
        w = u / u.sum()
        return float(np.mean((z1 - z0 @ w) ** 2))

    grid = np.linspace(0.0, 1.0, 2001)
    values = np.array([loss(t) for t in grid])
    i = int(values.argmin())
    res = minimize_scalar(
        loss,
        bounds=(grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]),
        method="bounded",
        options={"xatol": 1e-12},
    )
    return float(res.x), float(res.fun), loss(0.5)


@pytest.mark.parametrize("case", [14, 26, 36])
def test_nested_search_finds_brute_force_optimum(case: int) -> None:
    """Only the BFGS search over V can find this optimum, so a broken gradient or update fails."""
    x0, x1, z0, z1 = two_predictor_case(case)
    t_star, loss_star, loss_equal = brute_force_two_predictors(x0, x1, z0, z1)
    assert 0.1 < t_star < 0.9 and loss_equal > 5 * loss_star  # the search has to move
    for n_random in (0, 3):
        fit = synthetic_control(
            panel_from_arrays(x0, x1, z0, z1),
            unit="u",
            time="t",
            outcome="y",
            treated="u0",
            treatment_time=2008,
            predictors=["p1", "p2"],
            n_random_starts=n_random,
        )
        assert fit.loss_v == pytest.approx(loss_star, rel=1e-9)
        assert fit.v["weight"][0] == pytest.approx(t_star, abs=1e-5)
        # The corners (one predictor only) are worse: the optimum is interior.
        corners = fit.starts.filter(pl.col("start").str.starts_with("only"))["loss_v"]
        assert corners.min() > 2 * loss_star


def california_shaped_panel(seed: int = 20100601) -> pl.DataFrame:
    """39 units x 31 years like the tobacco study (as benchmarks/bench_synth.make_panel)."""
    rng = np.random.default_rng(seed)
    years = np.arange(1970, 2001)
    t = (years - 1970) / 10.0
    f1 = np.sin(t * 1.3) + 0.3 * t
    f2 = np.cumsum(rng.normal(0, 0.3, len(years)))
    load = rng.normal(0, 1, (39, 4))
    load[:, 0] = 100 + 15 * load[:, 0]
    load[0] = 0.5 * load[1] + 0.3 * load[2] + 0.2 * load[3] + rng.normal(0, 0.05, 4)
    covs = rng.normal(0, 1, (39, 3))
    covs[0] = 0.5 * covs[1] + 0.3 * covs[2] + 0.2 * covs[3]
    rows = []
    for i in range(39):
        y = load[i, 0] + 5 * load[i, 1] * t + 4 * load[i, 2] * f1 + 3 * load[i, 3] * f2
        y = y + rng.normal(0, 1.0, len(years)) - (10.0 * (years >= 1989) if i == 0 else 0.0)
        x = covs[i][:, None] + 0.2 * t[None, :] + rng.normal(0, 0.1, (3, len(years)))
        for k, yr in enumerate(years):
            rows.append((f"u{i + 1:02d}", int(yr), float(y[k]), *map(float, x[:, k])))
    return pl.DataFrame(rows, schema=["unit", "year", "y", "x1", "x2", "x3"], orient="row")


CALIFORNIA_SHAPED_SPEC = {
    "unit": "unit",
    "time": "year",
    "outcome": "y",
    "treated": "u01",
    "treatment_time": 1989,
    "predictors": ["x1", "x2", "x3"],
    "predictor_window": (1980, 1988),
    "special_predictors": [("y", 1975, "mean"), ("y", 1980, "mean"), ("y", 1988, "mean")],
    "fit_window": (1970, 1988),
}


def seed_cases(basque: pl.DataFrame) -> dict[str, tuple[pl.DataFrame, dict]]:
    x0, x1, z0, z1 = two_predictor_case(14)
    return {
        "basque": (basque, basque_spec()),
        "california-shaped 39x31": (california_shaped_panel(), CALIFORNIA_SHAPED_SPEC),
        # 12 outcome predictors, a handful of donors with positive weight
        "factor 20x16, outcomes only": (
            factor_panel(3, 20, 16),
            {"unit": "unit", "time": "year", "outcome": "y", "treated": "u00"}
            | {"treatment_time": 2012},
        ),
        "two predictors, interior optimum": (
            panel_from_arrays(x0, x1, z0, z1),
            {"unit": "u", "time": "t", "outcome": "y", "treated": "u0", "treatment_time": 2008}
            | {"predictors": ["p1", "p2"]},
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "basque",
        "california-shaped 39x31",
        "factor 20x16, outcomes only",
        "two predictors, interior optimum",
    ],
)
def test_loss_does_not_depend_on_seed(basque: pl.DataFrame, case: str) -> None:
    data, spec = seed_cases(basque)[case]
    fits = [synthetic_control(data, seed=seed, **spec) for seed in range(10)]
    losses = np.array([f.loss_v for f in fits])
    assert np.ptp(losses) <= 1e-6 * max(1.0, losses.min())
    for fit in fits:
        # The reported loss is the MSPE of the reported weights, over the fit window.
        fit_times = fit._design.fit_times.tolist()
        pre = fit.gap.filter(pl.col("time").is_in(fit_times))["gap"].to_numpy()
        assert fit.loss_v == pytest.approx(float(np.mean(pre**2)), rel=1e-12, abs=1e-15)
        # The starts table lists the loss of the W each start ended on, sorted by it.
        listed = fit.starts["loss_v"].to_list()
        assert listed == sorted(listed)
        assert listed[0] == pytest.approx(fit.loss_v, rel=1e-12)
        assert fit.loss_v >= fit.loss_bound * (1 - 1e-12)
    if case != "two predictors, interior optimum":
        positive = int((fits[0].weights["weight"] > 0).sum())
        if case in ("basque", "factor 20x16, outcomes only"):
            assert fits[0].v.height > positive  # more predictors than donors with weight


def test_tied_inner_solutions_resolved_by_outer_loss() -> None:
    """With all of V on one predictor the treated unit can match it with many W; the W
    returned is the one with the lowest pre-period MSPE among them (checked by SLSQP)."""
    data = california_shaped_panel()
    names = ["x1", "x2", "x3", "y (1975)", "y (1980)", "y (1988)"]
    base = synthetic_control(data, v_method="equal", **CALIFORNIA_SHAPED_SPEC)
    design = base._design
    x1, x0 = design.x[:, 0], design.x[:, 1:]
    z1, z0 = design.z[:, 0], design.z[:, 1:]
    for m in (0, 2):
        v = dict.fromkeys(names, 0.0) | {names[m]: 1.0}
        fit = synthetic_control(data, custom_v=v, **CALIFORNIA_SHAPED_SPEC)
        w = np.array([dict(fit.weights.iter_rows())[u] for u in design.units[1:]])
        assert x0[m] @ w == pytest.approx(x1[m], abs=1e-9)  # the predictor is matched
        _, f_ref = slsqp_tied(z0, z1, x0[m : m + 1], np.array([x1[m]]), vertices=False)
        assert fit.loss_v == pytest.approx(f_ref / z1.size, rel=1e-7)
        # Far better than the W an untied solver happens to return (one or two donors).
        assert fit.loss_v < 0.5 * base.loss_v


def nnls_inner(x0, x1, v) -> np.ndarray:
    """W(V) by SciPy's NNLS on the scaled predictors (independent of research.stats._simplex)."""
    sd = np.std(np.column_stack([x1, x0]), axis=1, ddof=1)
    c = np.sqrt(v)[:, None] * (x0 / sd[:, None] - (x1 / sd)[:, None])
    a = np.vstack([c, np.ones(c.shape[1])])
    b = np.zeros(a.shape[0])
    b[-1] = 1.0
    u, _ = nnls(a, b)
    return u / u.sum()


def cv_panel(seed: int):
    """Predictors p1, p2 take training values in 2000-2003 and main values in 2004-2007;
    the outcome is observed 2000-2009, treatment in 2008."""
    x0, x1, z0, z1 = two_predictor_case(seed)
    rng = np.random.default_rng(seed + 1000)
    m0 = rng.normal(size=x0.shape)
    m1 = m0.max(axis=1) + rng.uniform(0.05, 0.3, 2)  # outside the hull: W(V) is unique
    rows = []
    for j in range(x0.shape[1] + 1):
        for t in range(10):
            train, main = (x1, m1) if j == 0 else (x0[:, j - 1], m0[:, j - 1])
            xs = train if t < 4 else main
            y = (z1 if j == 0 else z0[:, j - 1])[t] if t < 8 else 1.0
            rows.append({"u": f"u{j}", "t": 2000 + t, "y": float(y), "p1": xs[0], "p2": xs[1]})
    return pl.DataFrame(rows), (x0, x1, z0, z1), (m0, m1)


@pytest.mark.parametrize("case", [14, 36])
def test_cross_validation_against_brute_force(case: int) -> None:
    """V from the training design (brute force over V), then W at that V (NNLS)."""
    data, (x0, x1, z0, z1), (m0, m1) = cv_panel(case)
    # validation window 2002-2007: outcome rows 2..7
    t_star, loss_star, _ = brute_force_two_predictors(x0, x1, z0[2:8], z1[2:8])
    assert 0.05 < t_star < 0.95
    kw = {"unit": "u", "time": "t", "outcome": "y", "treated": "u0", "treatment_time": 2008}
    fit = synthetic_control(
        data,
        predictors=["p1", "p2"],
        predictor_window=(2004, 2007),
        v_method="cross_validation",
        cv_predictor_window=(2000, 2003),
        cv_fit_window=(2002, 2007),
        **kw,
    )
    assert fit.v_method == "cross_validation"
    assert fit.v["weight"].to_list() == pytest.approx([t_star, 1 - t_star], abs=1e-5)
    assert fit.loss_validation == pytest.approx(loss_star, rel=1e-9)
    w_ref = nnls_inner(m0, m1, np.array([t_star, 1 - t_star]))
    w = dict(fit.weights.iter_rows())
    assert [w[f"u{j + 1}"] for j in range(w_ref.size)] == pytest.approx(w_ref, abs=1e-5)
    assert fit.loss_v == pytest.approx(float(np.mean((z1 - z0 @ w_ref) ** 2)), rel=1e-6)
    assert all(name.startswith("training: ") for name in fit.starts["start"].to_list())
    # The main fit window (default: all of 2000-2007) is not what chose V: the nested V on
    # the main design fits it at least as well.
    nested = synthetic_control(data, predictors=["p1", "p2"], predictor_window=(2004, 2007), **kw)
    assert nested.loss_v <= fit.loss_v * (1 + 1e-12)
    assert np.isnan(nested.loss_validation)
    # Placebos refit each donor with the same cross-validated procedure.
    test = fit.placebo_test()
    assert test.n_included == 8
    donor = synthetic_control(
        data.filter(pl.col("u") != "u0"),
        predictors=["p1", "p2"],
        predictor_window=(2004, 2007),
        v_method="cross_validation",
        cv_predictor_window=(2000, 2003),
        cv_fit_window=(2002, 2007),
        **(kw | {"treated": "u3"}),
    )
    gap = test.gaps.filter(pl.col("unit") == "u3")["gap"].to_numpy()
    assert gap == pytest.approx(donor.gap["gap"].to_numpy(), abs=1e-9)


def test_cross_validation_arguments() -> None:
    data, _, _ = cv_panel(14)
    kw = {"unit": "u", "time": "t", "outcome": "y", "treated": "u0", "treatment_time": 2008}
    kw |= {"predictors": ["p1", "p2"], "predictor_window": (2004, 2007)}
    with pytest.raises(ArgumentError, match="cv_fit_window"):
        synthetic_control(data, v_method="cross_validation", cv_predictor_window=(2000, 2003), **kw)
    with pytest.raises(ArgumentError, match="cv_predictor_window"):
        synthetic_control(data, v_method="cross_validation", cv_fit_window=(2002, 2007), **kw)
    with pytest.raises(ArgumentError, match="only to v_method='cross_validation'"):
        synthetic_control(data, cv_fit_window=(2002, 2007), **kw)
    with pytest.raises(ArgumentError, match=r"training specification.*before treatment_time"):
        synthetic_control(
            data,
            v_method="cross_validation",
            cv_predictor_window=(2000, 2003),
            cv_fit_window=(2004, 2008),
            **kw,
        )
    with pytest.raises(ArgumentError, match="cv_special_predictors"):
        synthetic_control(
            data,
            v_method="cross_validation",
            cv_predictor_window=(2000, 2003),
            cv_fit_window=(2002, 2007),
            special_predictors=[("y", (2004, 2007))],
            **kw,
        )
    # With special predictors given in both windows the training design is used.
    fit = synthetic_control(
        data,
        v_method="cross_validation",
        cv_predictor_window=(2000, 2003),
        cv_fit_window=(2002, 2007),
        special_predictors=[("y", (2004, 2007))],
        cv_special_predictors=[("y", (2000, 2001))],
        **kw,
    )
    assert fit.v.height == 3 and fit.v["weight"].sum() == pytest.approx(1.0)
    fake = fit.placebo_in_time(2006, fit_window=(2000, 2005), predictor_window=(2002, 2005))
    assert fake.v_method == "cross_validation"


# --------------------------------------------------------------------------------------------
# Placebo inference
# --------------------------------------------------------------------------------------------


def factor_panel(
    seed: int,
    n_units: int,
    n_periods: int,
    start: int = 2000,
    treated_effect: float = 0.0,
    treatment_time: int | None = None,
    noise: float = 0.3,
) -> pl.DataFrame:
    """Units share three random-walk factors with unit-specific loadings (exchangeable)."""
    rng = np.random.default_rng(seed)
    factors = np.cumsum(rng.normal(size=(n_periods, 3)), axis=0) * 0.4
    loadings = rng.normal(size=(n_units, 3))
    y = loadings @ factors.T + rng.normal(scale=noise, size=(n_units, n_periods))
    years = np.arange(start, start + n_periods)
    if treatment_time is not None:
        y[0, years >= treatment_time] += treated_effect
    return pl.DataFrame(
        {
            "unit": np.repeat([f"u{i:02d}" for i in range(n_units)], n_periods),
            "year": np.tile(years, n_units),
            "y": y.ravel(),
        }
    )


def test_placebo_p_value_counts_treated_unit() -> None:
    data = factor_panel(1, 8, 14, treated_effect=25.0, treatment_time=2010)
    fit = synthetic_control(
        data, unit="unit", time="year", outcome="y", treated="u00", treatment_time=2010
    )
    test = fit.placebo_test()
    ratios = test.ratios
    assert ratios.height == 8 and test.n_included == 8
    top = ratios.sort("ratio", descending=True).row(0, named=True)
    assert top["is_treated"] and top["rank"] == 1
    assert test.p_value == pytest.approx(1 / 8)  # 1/(J+1), never 0
    # Each placebo is fitted without the treated unit, with the other donors.
    gaps = test.gaps
    assert gaps.filter(pl.col("is_treated"))["gap"].to_list() == fit.gap["gap"].to_list()
    for row in ratios.iter_rows(named=True):
        g = gaps.filter(pl.col("unit") == row["unit"])
        pre = g.filter(pl.col("time") < 2010)["gap"].to_numpy()
        post = g.filter(pl.col("time") >= 2010)["gap"].to_numpy()
        assert row["pre_rmspe"] == pytest.approx(np.sqrt(np.mean(pre**2)))
        assert row["ratio"] == pytest.approx(np.sqrt(np.mean(post**2)) / np.sqrt(np.mean(pre**2)))


def test_placebo_exclusion_rule() -> None:
    data = factor_panel(2, 10, 14, treated_effect=0.0, treatment_time=2010)
    fit = synthetic_control(
        data, unit="unit", time="year", outcome="y", treated="u00", treatment_time=2010
    )
    full = fit.placebo_test()
    ratios = full.ratios
    treated = ratios.filter(pl.col("is_treated")).row(0, named=True)
    for k in (2, 5, 20):
        test = fit.placebo_test(exclude_ratio=k)
        keep = ratios.filter(
            pl.col("is_treated") | (pl.col("pre_rmspe") ** 2 <= k * treated["pre_rmspe"] ** 2)
        )
        assert test.n_included == keep.height
        few = [w.values for w in test.warnings if w.code == "few-placebos"]
        assert few == [{"n_units": keep.height, "min_p": round(1 / keep.height, 3), "alpha": 0.05}]
        expected = keep.filter(pl.col("ratio") >= treated["ratio"]).height / keep.height
        assert test.p_value == pytest.approx(expected)
        assert test.ratios.filter(~pl.col("included")).height == ratios.height - keep.height
    with pytest.raises(ArgumentError):
        fit.placebo_test(exclude_ratio=0)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2)))


def test_placebo_with_two_donors_enumerated_by_hand() -> None:
    """Three units: each donor's placebo has the other donor as its only donor (weight 1), so
    the two placebo gaps are y_b - y_c and y_c - y_b, computed here from the data. The
    p-value is the treated unit's rank among 3, at least 1/3 (Abadie, Diamond & Hainmueller
    2010): it comes with a few-placebos warning saying so."""
    t = np.arange(2000, 2012)
    rng = np.random.default_rng(5)
    b = 10 + 0.3 * (t - 2000) + rng.normal(scale=0.4, size=t.size)
    c = 14 + 0.1 * (t - 2000) + rng.normal(scale=0.4, size=t.size)
    a = 0.5 * b + 0.5 * c + rng.normal(scale=0.2, size=t.size) + np.where(t >= 2009, 6.0, 0.0)
    data = pl.DataFrame(
        {"unit": np.repeat(["a", "b", "c"], t.size), "year": np.tile(t, 3),
         "y": np.concatenate([a, b, c])}
    )  # fmt: skip
    fit = synthetic_control(
        data, unit="unit", time="year", outcome="y", treated="a", treatment_time=2009
    )
    test = fit.placebo_test()
    pre, post = t < 2009, t >= 2009
    g = fit.gap["gap"].to_numpy()
    ratio = {"a": _rms(g[post]) / _rms(g[pre])}
    for unit, gap in (("b", b - c), ("c", c - b)):
        ratio[unit] = _rms(gap[post]) / _rms(gap[pre])
    ours = dict(test.ratios.select("unit", "ratio").rows())
    assert ours == pytest.approx(ratio, rel=1e-9)
    expected_p = sum(r >= ratio["a"] for r in ratio.values()) / 3
    assert expected_p == pytest.approx(1 / 3)  # the planted effect ranks first ...
    assert test.p_value == pytest.approx(expected_p) and test.n_included == 3
    # ... and 1/3 is all three units can say: the warning gives the floor 1/(J + 1)
    (w,) = [w for w in test.warnings if w.code == "few-placebos"]
    assert w.values == {"n_units": 3, "min_p": 0.333, "alpha": 0.05}
    assert "1/3 = 0.333 > 0.05" in str(w)
    assert "1/3 = 0.333" in test._repr_html_()
    # at alpha = 0.5 a p-value of 1/3 could be significant: no warning
    lenient = fit.placebo_test(alpha=0.5)
    assert lenient.p_value == test.p_value and lenient.warnings == []
    for bad in (0, 1, 1.5, True):
        with pytest.raises(ArgumentError, match="alpha"):
            fit.placebo_test(alpha=bad)


def _placebo_gaps_one_by_one(data: pl.DataFrame, units: list[str]) -> dict[str, list[float]]:
    """Each donor's placebo gap from its own public fit (donors: the other donors)."""
    out = {}
    for u in units:
        fit = synthetic_control(
            data,
            unit="unit",
            time="year",
            outcome="y",
            treated=u,
            treatment_time=2010,
            donors=[d for d in units if d != u],
        )
        out[u] = fit.gap["gap"].to_list()
    return out


@pytest.fixture(scope="module")
def placebo_case() -> tuple[pl.DataFrame, dict[str, list[float]]]:
    data = factor_panel(2, 9, 14, treated_effect=5.0, treatment_time=2010)
    donors = [f"u{i:02d}" for i in range(1, 9)]
    return data, _placebo_gaps_one_by_one(data, donors)


def _placebo(data: pl.DataFrame):
    fit = synthetic_control(
        data, unit="unit", time="year", outcome="y", treated="u00", treatment_time=2010
    )
    return fit.placebo_test()


def test_placebo_fits_shared_with_a_forked_child(placebo_case, monkeypatch, tmp_path) -> None:
    """With 8 donors the placebo fits are shared with one forked child process (each takes
    the next unclaimed fit): both processes fit some, each donor is fitted exactly once, and
    every gap equals the donor's own fit."""
    import os

    import research.stats.synth as synth_module

    if not sys.platform.startswith("linux"):
        pytest.skip("placebo fits are shared with a forked child on Linux only")
    monkeypatch.setattr(synth_module.os, "cpu_count", lambda: 2)
    data, expected = placebo_case
    log = tmp_path / "fits.log"
    parent = os.getpid()
    original = synth_module._placebo_gap

    def recording(design, j, options):
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()} {j}\n")
        if os.getpid() == parent and log.read_text().count("\n") == 1:
            time.sleep(0.3)  # let the child start and claim fits even on a busy machine
        return original(design, j, options)

    monkeypatch.setattr(synth_module, "_placebo_gap", recording)
    gaps = _placebo(data).gaps
    calls = [line.split() for line in log.read_text().splitlines()]
    assert sorted(int(j) for _, j in calls) == list(range(1, 9))  # each donor once
    pids = {pid for pid, _ in calls}
    assert str(parent) in pids and len(pids) == 2
    for unit, gap in expected.items():
        assert gaps.filter(pl.col("unit") == unit)["gap"].to_list() == pytest.approx(
            gap, rel=0, abs=1e-12
        )


def test_placebo_fits_redone_here_when_the_child_dies(placebo_case, monkeypatch) -> None:
    import os

    import research.stats.synth as synth_module

    monkeypatch.setattr(synth_module.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(synth_module, "_placebo_worker", lambda *args: os._exit(3))
    data, expected = placebo_case
    gaps = _placebo(data).gaps
    for unit, gap in expected.items():
        assert gaps.filter(pl.col("unit") == unit)["gap"].to_list() == pytest.approx(
            gap, rel=0, abs=1e-12
        )


def test_placebo_fits_in_one_process_below_the_threshold(placebo_case, monkeypatch) -> None:
    import research.stats.synth as synth_module

    monkeypatch.setattr(synth_module, "_PARALLEL_MIN", 100)
    here: list[int] = []
    original = synth_module._placebo_gap
    monkeypatch.setattr(
        synth_module, "_placebo_gap", lambda d, j, o: here.append(j) or original(d, j, o)
    )
    data, expected = placebo_case
    gaps = _placebo(data).gaps
    assert len(here) == 8
    for unit, gap in expected.items():
        assert gaps.filter(pl.col("unit") == unit)["gap"].to_list() == pytest.approx(
            gap, rel=0, abs=1e-12
        )


def test_placebo_p_values_uniform_under_no_effect() -> None:
    """Exchangeable units, no effect: the treated unit's rank is uniform on 1..J+1."""
    n_units, reps = 20, 50
    p_values = []
    for rep in range(reps):
        data = factor_panel(100 + rep, n_units, 16)
        fit = synthetic_control(
            data,
            unit="unit",
            time="year",
            outcome="y",
            treated="u00",
            treatment_time=2012,
            n_random_starts=0,
        )
        p_values.append(fit.placebo_test().p_value)
    p = np.array(p_values)
    assert p.min() >= 1 / n_units  # never 0
    ranks = np.rint(p * n_units).astype(int)  # 1..20
    # Rejection at 5 % (p <= 0.05 means rank 1 of 20): about 5 %.
    rejections = int(np.sum(p <= 0.05))
    assert stats.binomtest(rejections, reps, 0.05).pvalue > 0.01
    # Uniformity of the ranks, in five bins of four ranks.
    counts = np.bincount((ranks - 1) // 4, minlength=5)
    assert stats.chisquare(counts).pvalue > 0.01
    assert abs(p.mean() - (n_units + 1) / (2 * n_units)) < 0.1


def test_planted_effect_is_recovered() -> None:
    rng = np.random.default_rng(9)
    atts = []
    for _ in range(5):
        data = factor_panel(
            int(rng.integers(1 << 30)), 15, 20, treated_effect=2.0, treatment_time=2014, noise=0.1
        )
        # Put the treated unit inside the donors' hull: average of three donors + effect.
        wide = data.pivot(on="unit", index="year", values="y").sort("year")
        mix = (wide["u01"] + wide["u02"] + wide["u03"]) / 3
        mix = mix + np.where(wide["year"].to_numpy() >= 2014, 2.0, 0.0)
        data = data.with_columns(
            pl.when(pl.col("unit") == "u00")
            .then(pl.col("year").replace_strict(wide["year"], mix))
            .otherwise(pl.col("y"))
            .alias("y")
        )
        fit = synthetic_control(
            data, unit="unit", time="year", outcome="y", treated="u00", treatment_time=2014
        )
        atts.append(fit.att)
        assert fit.pre_rmspe < 0.1
    assert np.mean(atts) == pytest.approx(2.0, abs=0.1)


# --------------------------------------------------------------------------------------------
# Other robustness checks
# --------------------------------------------------------------------------------------------


def test_leave_one_out(basque: pl.DataFrame, basque_fit) -> None:
    names = basque_fit.v["predictor"].to_list()
    fit = synthetic_control(basque, custom_v=r_custom_v("nelder_mead", names), **basque_spec())
    loo = fit.leave_one_out()
    assert sorted(loo.fits) == [10, 14]
    for dropped, refit in loo.fits.items():
        assert dropped not in refit.donors
        spec = basque_spec()
        spec["donors"] = [u for u in spec["donors"] if u != dropped]
        direct = synthetic_control(basque, custom_v=r_custom_v("nelder_mead", names), **spec)
        assert refit.att == pytest.approx(direct.att, rel=1e-12)
    summary = loo.summary
    assert summary["dropped_unit"].to_list() == [10, 14]
    assert summary["dropped_weight"].to_list() == pytest.approx([0.8508151, 0.1491843], abs=2e-6)
    assert loo.gaps.height == 2 * basque_fit.gap.height


def test_placebo_in_time() -> None:
    data = factor_panel(4, 10, 20, treated_effect=5.0, treatment_time=2015, noise=0.05)
    fit = synthetic_control(
        data,
        unit="unit",
        time="year",
        outcome="y",
        treated="u00",
        treatment_time=2015,
        fit_window=(2000, 2014),
        special_predictors=[("y", (2005, 2014), "mean")],
    )
    fake = fit.placebo_in_time(2010)
    assert fake.treatment_time == 2010
    assert fake.gap["time"].max() == 2014  # only data before the real treatment
    assert abs(fake.att) < 1.0 < fit.att  # no effect before the real start
    assert any("cut" in str(w) for w in fake.warnings)  # windows reaching 2010+ were cut
    with pytest.raises(ArgumentError):
        fit.placebo_in_time(2015)


# --------------------------------------------------------------------------------------------
# Data handling and validation
# --------------------------------------------------------------------------------------------


def small_panel() -> pl.DataFrame:
    rows = []
    # a = (b + c) / 2 exactly; d has another slope, so that W is unique.
    for u, base, slope in [("a", 1.5, 1.0), ("b", 1.0, 1.0), ("c", 2.0, 1.0), ("d", 5.0, 2.0)]:
        for t in range(2000, 2008):
            rows.append({"u": u, "t": t, "y": base + slope * (t - 2000), "x": base * 2})
    return pl.DataFrame(rows)


def test_predictor_mean_ignores_missing_values() -> None:
    data = small_panel().with_columns(
        pl.when((pl.col("u") == "a") & (pl.col("t") == 2001))
        .then(None)
        .when(pl.col("u") == "a")
        .then(pl.col("t").cast(pl.Float64))
        .otherwise(pl.col("x"))
        .alias("x")
    )
    fit = synthetic_control(
        data,
        unit="u",
        time="t",
        outcome="y",
        treated="a",
        treatment_time=2005,
        predictors=["x"],
        predictor_window=(2000, 2003),
    )
    assert fit.balance["treated"][0] == pytest.approx((2000 + 2002 + 2003) / 3)


def test_treatment_period_only_post() -> None:
    fit = synthetic_control(
        small_panel(), unit="u", time="t", outcome="y", treated="a", treatment_time=2005
    )
    gap = fit.gap
    assert fit.pre_rmspe == pytest.approx(0.0, abs=1e-12)
    assert fit.weights.filter(pl.col("weight") > 0)["unit"].sort().to_list() == ["b", "c"]
    assert gap.filter(pl.col("time") < 2005).height == 5
    assert fit.att == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ArgumentError, match="pre-treatment"):
        synthetic_control(
            small_panel(),
            unit="u",
            time="t",
            outcome="y",
            treated="a",
            treatment_time=2005,
            fit_window=(2000, 2005),
        )
    with pytest.raises(ArgumentError, match="pre-treatment"):
        synthetic_control(
            small_panel(),
            unit="u",
            time="t",
            outcome="y",
            treated="a",
            treatment_time=2005,
            predictors=["x"],
            predictor_window=(2003, 2006),
        )
    with pytest.raises(ArgumentError, match="before treatment_time"):
        synthetic_control(
            small_panel(),
            unit="u",
            time="t",
            outcome="y",
            treated="a",
            treatment_time=2005,
            special_predictors=[("x", [2004, 2005], "mean")],
        )


def test_validation_errors() -> None:
    data = small_panel()
    kw = {"unit": "u", "time": "t", "outcome": "y", "treatment_time": 2005}
    with pytest.raises(ArgumentError, match="treated unit 'z'"):
        synthetic_control(data, treated="z", **kw)
    with pytest.raises(DesignError, match="no donor"):
        synthetic_control(data.filter(pl.col("u") == "a"), treated="a", **kw)
    with pytest.raises(ArgumentError, match="cannot also be a donor"):
        synthetic_control(data, treated="a", donors=["a", "b"], **kw)
    with pytest.raises(ArgumentError, match="not in the unit column"):
        synthetic_control(data, treated="a", donors=["b", "q"], **kw)
    with pytest.raises(DesignError, match="one row per"):
        synthetic_control(pl.concat([data, data.head(1)]), treated="a", **kw)
    holes = data.filter(~((pl.col("u") == "c") & (pl.col("t") == 2002)))
    with pytest.raises(DesignError, match="must be observed"):
        synthetic_control(holes, treated="a", **kw)
    with pytest.raises(ArgumentError, match="column"):
        synthetic_control(data, treated="a", predictors=["nope"], **kw)
    with pytest.raises(ArgumentError, match="v_method"):
        synthetic_control(data, treated="a", v_method="magic", **kw)
    with pytest.raises(ArgumentError, match="custom_v"):
        synthetic_control(data, treated="a", predictors=["x"], custom_v=[1.0, 2.0], **kw)
    codes = data.with_columns(pl.col("u").replace({"a": "0126"}))
    with pytest.raises(ArgumentError, match="strings"):
        synthetic_control(codes, treated=126, **kw)


def test_custom_v_as_sequence_and_range_warning() -> None:
    """custom_v as a list (predictor order) equals the mapping form; a treated predictor equal
    to the donors' maximum is inside their range (no warning), above it is outside."""
    data = small_panel().with_columns((pl.col("y") * 0 + pl.col("x")).alias("x2"))
    kw = {"unit": "u", "time": "t", "outcome": "y", "treated": "a", "treatment_time": 2005}
    kw |= {"predictors": ["x", "x2"]}
    by_list = synthetic_control(data, custom_v=[3.0, 1.0], **kw)
    by_map = synthetic_control(data, custom_v={"x": 3.0, "x2": 1.0}, **kw)
    assert by_list.v["weight"].to_list() == pytest.approx([0.75, 0.25], abs=1e-15)
    assert by_list.v["weight"].to_list() == by_map.v["weight"].to_list()
    at_max = data.with_columns(
        pl.when(pl.col("u") == "a").then(10.0).otherwise(pl.col("x")).alias("x")
    )  # d has x = 10, the donors' maximum
    fit = synthetic_control(at_max, **kw)
    assert not any("outside the donors' range" in str(w) for w in fit.warnings)
    above = at_max.with_columns(
        pl.when(pl.col("u") == "a").then(10.5).otherwise(pl.col("x")).alias("x")
    )
    fit = synthetic_control(above, **kw)
    assert any("outside the donors' range for predictor(s) ['x']" in str(w) for w in fit.warnings)


@dataclass
class FakeBreak:
    id: str
    first_year: int


def test_series_break_warning() -> None:
    kw = {"unit": "u", "time": "t", "outcome": "y", "treated": "a", "treatment_time": 2005}
    fit = synthetic_control(small_panel(), series_breaks=[2006], **kw)
    assert any("2006" in str(w) and "pre/post" in str(w) for w in fit.warnings)
    fit = synthetic_control(small_panel(), series_breaks=[FakeBreak("rape-law-2018", 2003)], **kw)
    assert any("rape-law-2018" in str(w) and "2003" in str(w) for w in fit.warnings)
    fit = synthetic_control(small_panel(), series_breaks=[2000, 2010], **kw)
    assert not any("break" in str(w) for w in fit.warnings)


# --------------------------------------------------------------------------------------------
# California's Proposition 99: Abadie, Diamond & Hainmueller (2010), JASA 105(490)
# --------------------------------------------------------------------------------------------
# Data: ``data/reference/smoking.csv`` (39 states, 1970-2000; provenance, sha256 and what was
# verified of the published numbers in ``data/reference/SOURCES.md``). Specification of the
# paper: predictors ln(GDP per capita), share aged 15-24 and retail price averaged 1980-1988,
# beer consumption averaged 1984-1988, cigarette sales in 1975, 1980 and 1988; outcome fit
# 1970-1988; treatment 1989. The published synthetic California (the paper's Table 2) is
# Colorado 0.164, Connecticut 0.069, Montana 0.199, Nevada 0.234, Utah 0.334. No published V
# was found, so the published W cannot be reproduced from its V here (as for Basque).

SMOKING_CSV = ROOT / "data" / "reference" / "smoking.csv"
SMOKING_SHA256 = "b9e2accc3942d8fd17bd84548d4543bdd2fe4ba9d6c526fc9e1b2177b4a13c96"
ADH_2010_WEIGHTS = {
    "Colorado": 0.164,
    "Connecticut": 0.069,
    "Montana": 0.199,
    "Nevada": 0.234,
    "Utah": 0.334,
}


def california_spec() -> dict:
    """The specification of Abadie, Diamond & Hainmueller (2010) for Proposition 99."""
    return {
        "unit": "state",
        "time": "year",
        "outcome": "cigsale",
        "treated": "California",
        "treatment_time": 1989,
        "predictors": ["lnincome", "age15to24", "retprice"],
        "predictor_window": (1980, 1988),
        "special_predictors": [
            ("beer", (1984, 1988), "mean"),
            ("cigsale", 1988, "mean"),
            ("cigsale", 1980, "mean"),
            ("cigsale", 1975, "mean"),
        ],
        "fit_window": (1970, 1988),
    }


@pytest.fixture(scope="module")
def smoking() -> pl.DataFrame:
    return pl.read_csv(SMOKING_CSV).with_columns(pl.col("year").cast(pl.Int64))


@pytest.fixture(scope="module")
def california_fit(smoking: pl.DataFrame):
    return synthetic_control(smoking, **california_spec())


def adh_gap(smoking: pl.DataFrame) -> pl.DataFrame:
    """California minus the published synthetic California, computed here year by year."""
    wide = smoking.pivot(on="state", index="year", values="cigsale").sort("year")
    synthetic = sum(wide[s].to_numpy() * w for s, w in ADH_2010_WEIGHTS.items())
    return pl.DataFrame({"year": wide["year"], "gap": wide["California"].to_numpy() - synthetic})


def adh_pre_mspe(smoking: pl.DataFrame) -> float:
    pre = adh_gap(smoking).filter(pl.col("year") <= 1988)["gap"].to_numpy()
    return float(np.mean(pre**2))


def test_smoking_data_is_the_adh_panel(smoking: pl.DataFrame) -> None:
    assert hashlib.sha256(SMOKING_CSV.read_bytes()).hexdigest() == SMOKING_SHA256
    counts = smoking.group_by("state").agg(
        pl.len().alias("n"), pl.col("year").min().alias("first"), pl.col("year").max().alias("last")
    )
    assert counts.height == 39  # California and the paper's 38 donor states
    assert set(counts["n"]) == {31} and set(counts["first"]) == {1970}
    assert set(counts["last"]) == {2000}
    assert sum(ADH_2010_WEIGHTS.values()) == pytest.approx(1.0, abs=1e-12)
    # The published weights on these data: pre-period RMSPE about 1.76 packs, and "by the
    # year 2000 annual per-capita cigarette sales in California were about 26 packs lower"
    # (the paper's abstract); the weights are rounded to 3 decimals, hence the tolerances.
    assert np.sqrt(adh_pre_mspe(smoking)) == pytest.approx(1.76, abs=0.005)
    assert adh_gap(smoking).filter(pl.col("year") == 2000)["gap"][0] == pytest.approx(-26, abs=0.5)


def test_california_nested_v_at_least_as_good_as_published(
    smoking: pl.DataFrame, california_fit
) -> None:
    fit = california_fit
    published = adh_pre_mspe(smoking)
    assert published == pytest.approx(3.0892, rel=1e-4)
    # Our default nested-V search fits the pre-period better than the published solution
    # (a local optimum of R Synth's optimiser; Becker & Klößner 2018), and no V can beat
    # the best fit over all donor weights.
    assert fit.loss_v <= published
    assert fit.loss_v >= fit.loss_bound * (1 - 1e-12)
    gap = fit.gap.filter(pl.col("time").is_between(1970, 1988))["gap"].to_numpy()
    assert fit.loss_v == pytest.approx(float(np.mean(gap**2)), rel=1e-12)
    assert fit.weights.height == 38 and fit.weights["weight"].sum() == pytest.approx(1.0)
    # Every donor with a weight of at least 0.05 is one of the published five.
    large = fit.weights.filter(pl.col("weight") >= 0.05)["unit"].to_list()
    assert len(large) >= 4 and set(large) <= set(ADH_2010_WEIGHTS)
    # The effect has the published sign and size: about 26 packs lower by 2000.
    assert fit.att < 0
    assert fit.gap.filter(pl.col("time") == 2000)["gap"][0] == pytest.approx(-26, abs=3)


def test_california_loss_does_not_depend_on_seed(smoking: pl.DataFrame, california_fit) -> None:
    ref = dict(california_fit.weights.iter_rows())
    for seed in range(10):
        fit = synthetic_control(smoking, seed=seed, **california_spec())
        assert fit.loss_v == pytest.approx(california_fit.loss_v, rel=0, abs=1e-6)
        weights = dict(fit.weights.iter_rows())
        assert max(abs(weights[u] - ref[u]) for u in ref) < 1e-6


CAL_PYSYNCON = json.loads(
    (ROOT / "tests" / "reference" / "california_placebo_pysyncon.json").read_text()
)["states"]


def _rmspe_with_weights(smoking: pl.DataFrame, state: str, weights: dict) -> tuple[float, float]:
    """Pre- (1970-1988) and post-period (1989-2000) RMSPE of ``state`` for donor ``weights``."""
    wide = smoking.pivot(on="state", index="year", values="cigsale").sort("year")
    gap = wide[state].to_numpy() - sum(wide[s].to_numpy() * w for s, w in weights.items())
    pre = wide["year"].to_numpy() < 1989
    return float(np.sqrt(np.mean(gap[pre] ** 2))), float(np.sqrt(np.mean(gap[~pre] ** 2)))


def _synth_style_fit(smoking: pl.DataFrame, state: str) -> tuple[float, float]:
    """Pre- and post-period RMSPE of ``state`` fitted the way R Synth's ``synth()`` does it,
    independently of research.stats.synth: the paper's seven predictors (means over available
    values), V = |p| / sum |p| searched by Nelder-Mead (SciPy) from equal V and from the
    regression-based V, the better end point kept, W(V) by SciPy's NNLS; the other 38
    states are the donors (ADH's placebo pools)."""
    data = smoking.sort("state", "year")
    states = data["state"].unique(maintain_order=True).to_list()

    def mean(column: str, years: list[int]) -> np.ndarray:
        d = data.filter(pl.col("year").is_in(years)).group_by("state", maintain_order=True)
        return d.agg(pl.col(column).mean())[column].to_numpy()

    window, beer = list(range(1980, 1989)), list(range(1984, 1989))
    x = np.array(
        [mean(c, window) for c in ("lnincome", "age15to24", "retprice")]
        + [mean("beer", beer)]
        + [mean("cigsale", [year]) for year in (1988, 1980, 1975)]
    )
    wide = data.pivot(on="state", index="year", values="cigsale").sort("year")
    y = np.column_stack([wide[s].to_numpy() for s in states])
    pre = wide["year"].to_numpy() < 1989
    i = states.index(state)
    others = [k for k in range(len(states)) if k != i]
    x0, x1, z0, z1 = x[:, others], x[:, i], y[pre][:, others], y[pre, i]

    def loss(p: np.ndarray) -> float:
        w = nnls_inner(x0, x1, np.abs(p) / np.abs(p).sum())
        return float(np.mean((z1 - z0 @ w) ** 2))

    scaled = x / np.std(x, axis=1, ddof=1)[:, None]
    beta = np.linalg.lstsq(np.column_stack([np.ones(len(states)), scaled.T]), y[pre].T)[0][1:]
    starts = [np.full(7, 1 / 7), np.sum(beta**2, axis=1) / np.sum(beta**2)]
    ends = [minimize(loss, v0, method="Nelder-Mead", options={"maxiter": 3500}).x for v0 in starts]
    best = min(ends, key=loss)
    gap = y[:, i] - y[:, others] @ nnls_inner(x0, x1, np.abs(best) / np.abs(best).sum())
    return float(np.sqrt(np.mean(gap[pre] ** 2))), float(np.sqrt(np.mean(gap[~pre] ** 2)))


def test_california_placebo_in_space(smoking: pl.DataFrame, california_fit) -> None:
    """California ranks 3rd of 39 here (p = 3/39), 1st in ADH (2010, figure 8; p = 1/39).

    Why: the two states above it, Missouri and Virginia, get far closer pre-period fits from
    our V search than from R Synth's kind of optimiser (Nelder-Mead over V from two starts, a
    local search), and a smaller pre-RMSPE makes a larger post/pre ratio. Pre-RMSPE /
    post-RMSPE / ratio, packs per capita, each state fitted with the other 38 as donors:

    ==========  =====================  ======================  ======================
    state       ours                   Synth-style (below)     other references
    ==========  =====================  ======================  ======================
    California  1.657 / 20.57 / 12.42  1.822 / 19.81 / 10.87   published W: 1.758 /
                                                               19.91 / 11.33; pysyncon
                                                               1.967 / 18.58 / 9.45
    Missouri    0.457 / 11.20 / 24.52  1.465 /  8.27 /  5.64   pysyncon 1.365 / 7.12 /
                                                               5.21
    Virginia    0.818 / 16.20 / 19.80  2.073 / 16.14 /  7.79
    ==========  =====================  ======================  ======================

    Synth-style: :func:`_synth_style_fit` (SciPy only). pysyncon 1.7.0, a port of R Synth's
    optimiser, recorded by ``tests/reference/california_placebo_pysyncon.py``. With the
    Synth-style fits Missouri's and Virginia's ratios fall far below California's, whichever
    California fit is used, so California ranks above both, as in the paper. Our ranking is
    the right one for the better optimum of the same criterion; it is not a fault of the
    placebo procedure. Nor of the donor pool: ADH reassign the treatment to each control
    state and shift California into its pool, ``placebo_test`` leaves the treated unit out;
    Missouri's and Virginia's fits with California among their donors are the same
    (California gets no weight). Exclusion by pre-period MSPE (ADH figures 5-7: above 20, 5
    or 2 times California's) keeps both, whose pre-MSPE is below California's: the rank
    stays 3 under every rule.
    """
    test = california_fit.placebo_test()
    ratios = test.ratios
    assert ratios.height == 39 and test.n_included == 39
    treated = ratios.filter(pl.col("is_treated")).row(0, named=True)
    assert treated["rank"] == 3
    assert test.p_value == pytest.approx(3 / 39, rel=1e-12)
    above = ratios.filter(pl.col("ratio") > treated["ratio"])
    assert sorted(above["unit"].to_list()) == ["Missouri", "Virginia"]
    assert not [w for w in test.warnings if w.code == "few-placebos"]  # 1/39 < 0.05
    for k in (2, 5, 20):
        excluded = california_fit.placebo_test(exclude_ratio=k)
        assert excluded.p_value == pytest.approx(3 / excluded.n_included, rel=1e-12)
        few = [w for w in excluded.warnings if w.code == "few-placebos"]
        assert len(few) == (excluded.n_included < 20)  # 1/n > 0.05 below 20 units
    gap = california_fit.gap
    pre = gap.filter(pl.col("time") < 1989)["gap"].to_numpy()
    post = gap.filter(pl.col("time") >= 1989)["gap"].to_numpy()
    assert treated["ratio"] == pytest.approx(np.sqrt(np.mean(post**2)) / np.sqrt(np.mean(pre**2)))

    ours = {row["unit"]: row for row in ratios.iter_rows(named=True)}
    synth_style = {s: _synth_style_fit(smoking, s) for s in ("California", "Missouri", "Virginia")}
    for state, (pre_rmspe, _) in synth_style.items():
        assert ours[state]["pre_rmspe"] < pre_rmspe  # our V search fits each one better
    # pysyncon: its recorded RMSPEs follow from its recorded weights (weights below 1e-6 were
    # not recorded, hence the tolerance); our fits are better.
    pysyncon = {}
    for state, ref in CAL_PYSYNCON.items():
        pre_r, post_r = _rmspe_with_weights(smoking, state, ref["weights"])
        assert pre_r == pytest.approx(ref["pre_rmspe"], rel=1e-3)
        assert post_r == pytest.approx(ref["post_rmspe"], rel=1e-3)
        assert ours[state]["pre_rmspe"] < 0.9 * ref["pre_rmspe"]
        pysyncon[state] = ref["post_rmspe"] / ref["pre_rmspe"]
    assert {"California", "Missouri"} <= set(pysyncon)
    published_pre, published_post = _rmspe_with_weights(smoking, "California", ADH_2010_WEIGHTS)
    california = [
        synth_style["California"][1] / synth_style["California"][0],
        pysyncon["California"],
        published_post / published_pre,
        treated["ratio"],
    ]
    for state in ("Missouri", "Virginia"):
        post_pre = synth_style[state][1] / synth_style[state][0]
        assert post_pre < 0.9 * min(california)  # California above them with Synth's fits
        assert pysyncon.get(state, 0.0) < 0.9 * min(california)
        assert ours[state]["ratio"] > max(california)  # not with ours

    # ADH's donor pools (California among them) give Missouri and Virginia the same fit.
    states = sorted(smoking["state"].unique().to_list())
    for state in ("Missouri", "Virginia"):
        spec = {**california_spec(), "treated": state}
        spec["donors"] = [s for s in states if s != state]
        fit = synthetic_control(smoking, **spec)
        assert fit.pre_rmspe == pytest.approx(ours[state]["pre_rmspe"], rel=1e-9)
        assert dict(fit.weights.iter_rows())["California"] == 0.0


def test_messages_show_plain_numbers_and_say_when_the_data_are_empty() -> None:
    """Messages printed numpy reprs ("fit window (np.int64(2010), np.int64(2018))") and, on
    an empty frame, "values include )."."""
    rows = [
        (u, t, None if (u, t) == ("c", 2012) else float(t % 5 + ord(u)))
        for u in "abcd"
        for t in range(2010, 2022)
    ]
    df = pl.DataFrame(rows, schema=["unit", "year", "y"], orient="row")
    kw = {"unit": "unit", "time": "year", "outcome": "y", "treated": "a"}
    with pytest.raises(DesignError) as info:
        synthetic_control(df, treatment_time=np.int64(2019), **kw)
    assert "fit window 2010-2018;" in str(info.value) and "np." not in str(info.value)
    with pytest.raises(ArgumentError) as info:
        synthetic_control(df.clear(), treatment_time=2019, **kw)
    assert str(info.value) == "treated unit 'a' is not in the unit column: the data has no rows"
    with pytest.raises(ArgumentError, match=r"available: none \(the frame has no columns\)"):
        synthetic_control(pl.DataFrame(), treatment_time=2019, **kw)


def test_placebos_without_a_ratio_are_not_in_the_test():
    """Donor "e" has no outcome after the start: every placebo whose fit rests on it, and its
    own, has no post-period gap and no post/pre ratio. Such units were counted in the
    denominator (never as at least as extreme), which gave p = 1/8 for a treated unit that
    ranks first among the 4 units with a ratio: p = 1/4 (Abadie, Diamond & Hainmueller 2010,
    the rank among the units compared). The p-value is recomputed here from the table."""
    rng = np.random.default_rng(7)
    rows = []
    for u in ["tr", "a", "b", "c", "d", "e", "f", "g"]:
        level, slope = rng.uniform(0, 3), rng.uniform(0.5, 1.5)
        for t in range(12):
            y = level + slope * t + rng.normal(0, 0.2) + (1.0 if u == "tr" and t >= 8 else 0.0)
            rows.append({"u": u, "t": t, "y": None if (u == "e" and t >= 8) else y})
    fit = synthetic_control(
        pl.DataFrame(rows), unit="u", time="t", outcome="y", treated="tr", treatment_time=8
    )
    test = fit.placebo_test()
    tab = test.ratios
    without = tab.filter(pl.col("ratio").is_nan())
    assert "e" in without["unit"].to_list() and not without["included"].any()
    assert without["rank"].null_count() == without.height
    compared = tab.filter(pl.col("ratio").is_not_nan())
    treated = compared.filter(pl.col("is_treated"))["ratio"][0]
    assert test.n_included == compared.height
    assert test.p_value == pytest.approx((compared["ratio"] >= treated).sum() / compared.height)
    assert test.p_value == pytest.approx(0.25)
    (note,) = [w for w in test.warnings if w.code == "placebos-without-ratio"]
    assert sorted(note.values["units"]) == sorted(without["unit"].to_list())
    assert tab["unit"].to_list()[-without.height :] == without["unit"].to_list()  # listed last


def test_placebo_in_time_takes_a_special_predictor_of_one_period():
    """``("y", 2001)`` is a documented special predictor (one period, as R Synth's
    ``list("popdens", 1969, "mean")``); the fit took it and placebo_in_time refused it
    ("periods must be a sequence"). It is the same as ``("y", [2001])``."""
    rng = np.random.default_rng(3)
    rows = [{"u": u, "t": t, "y": i + 0.3 * t * (1 + 0.1 * i) + rng.normal(0, 0.1)}
            for i, u in enumerate("abcdef") for t in range(2000, 2012)]  # fmt: skip
    kw = dict(unit="u", time="t", outcome="y", treated="c", treatment_time=2008)
    df = pl.DataFrame(rows)
    one = synthetic_control(df, **kw, special_predictors=[("y", 2001), ("y", (2004, 2007))])
    listed = synthetic_control(df, **kw, special_predictors=[("y", [2001]), ("y", (2004, 2007))])
    assert one.placebo_in_time(2005).att == pytest.approx(listed.placebo_in_time(2005).att)
