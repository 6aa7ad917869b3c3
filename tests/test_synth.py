"""Tests of research.synth (synthetic control) and research._simplex (its inner solver).

Reference values:
- ``tests/reference/basque_synth_r.json``: published R Synth output for Abadie & Gardeazabal
  (2003) on ``data/reference/basque.csv`` (two runs, with their V, W, losses and balance
  table);
- closed forms (two-donor segment, perfect-fit cases, mean over available values);
- SciPy's SLSQP as an independent QP solver, and finite differences for the V-gradient;
- exact distribution theory for the placebo p-values under exchangeable units.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.optimize import minimize

from research._simplex import simplex_kkt_residual, simplex_least_squares
from research.errors import ParameterError
from research.synth import _Outer, synthetic_control

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
        expected = keep.filter(pl.col("ratio") >= treated["ratio"]).height / keep.height
        assert test.p_value == pytest.approx(expected)
        assert test.ratios.filter(~pl.col("included")).height == ratios.height - keep.height
    with pytest.raises(ParameterError):
        fit.placebo_test(exclude_ratio=0)


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
    assert any("cut" in w for w in fake.warnings)  # windows reaching 2010+ were cut
    with pytest.raises(ParameterError):
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
    with pytest.raises(ParameterError, match="pre-treatment"):
        synthetic_control(
            small_panel(),
            unit="u",
            time="t",
            outcome="y",
            treated="a",
            treatment_time=2005,
            fit_window=(2000, 2005),
        )
    with pytest.raises(ParameterError, match="pre-treatment"):
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
    with pytest.raises(ParameterError, match="before treatment_time"):
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
    with pytest.raises(ParameterError, match="treated unit 'z'"):
        synthetic_control(data, treated="z", **kw)
    with pytest.raises(ParameterError, match="no donor"):
        synthetic_control(data.filter(pl.col("u") == "a"), treated="a", **kw)
    with pytest.raises(ParameterError, match="cannot also be a donor"):
        synthetic_control(data, treated="a", donors=["a", "b"], **kw)
    with pytest.raises(ParameterError, match="not in the unit column"):
        synthetic_control(data, treated="a", donors=["b", "q"], **kw)
    with pytest.raises(ParameterError, match="one row per"):
        synthetic_control(pl.concat([data, data.head(1)]), treated="a", **kw)
    holes = data.filter(~((pl.col("u") == "c") & (pl.col("t") == 2002)))
    with pytest.raises(ParameterError, match="must be observed"):
        synthetic_control(holes, treated="a", **kw)
    with pytest.raises(ParameterError, match="column"):
        synthetic_control(data, treated="a", predictors=["nope"], **kw)
    with pytest.raises(ParameterError, match="v_method"):
        synthetic_control(data, treated="a", v_method="magic", **kw)
    with pytest.raises(ParameterError, match="custom_v"):
        synthetic_control(data, treated="a", predictors=["x"], custom_v=[1.0, 2.0], **kw)
    codes = data.with_columns(pl.col("u").replace({"a": "0126"}))
    with pytest.raises(ParameterError, match="strings"):
        synthetic_control(codes, treated=126, **kw)


@dataclass
class FakeBreak:
    id: str
    first_year: int


def test_series_break_warning() -> None:
    kw = {"unit": "u", "time": "t", "outcome": "y", "treated": "a", "treatment_time": 2005}
    fit = synthetic_control(small_panel(), series_breaks=[2006], **kw)
    assert any("2006" in w and "pre/post" in w for w in fit.warnings)
    fit = synthetic_control(small_panel(), series_breaks=[FakeBreak("rape-law-2018", 2003)], **kw)
    assert any("rape-law-2018" in w and "2003" in w for w in fit.warnings)
    fit = synthetic_control(small_panel(), series_breaks=[2000, 2010], **kw)
    assert not any("break" in w for w in fit.warnings)
