"""Check ``research.stats.synth`` on the West German reunification case of Abadie, Diamond &
Hainmueller (2015), "Comparative Politics and the Synthetic Control Method", AJPS 59(2),
495-510. A standalone script, not a test: it prints our numbers beside the published ones and,
with ``--write``, records the reference numbers that ``tests/test_synth_germany.py`` checks in
``tests/reference/german_reunification.json``.

Run from the repository root (a few seconds; the placebo fits run in this process only); it
imports the data and designs it shares with the test from its neighbour
``tests/reference/germany_design.py``::

    .venv/bin/python tests/reference/german_reunification_check.py          # report only
    .venv/bin/python tests/reference/german_reunification_check.py --write  # and the JSON

Data: ``tests/data/german_reunification.csv``, copied verbatim (37,471 bytes, sha256
``792b2d2ebe5b6d71faa3a46340cddf0215551bfca58089e1da7fa9c0a6dc1b03``) from the public GitHub
repository ``scroobiustrip/datasets``, path ``repgermany.csv``, commit
``322ca95e85fcba54be4fb8930f1d9956d1e4fbf3`` (the index also lists the path at commit
``5ed3bdcc09adcf31ac8f7645563e56c7a663ff2d``). It is the authors' ``repgermany.dta`` (Harvard
Dataverse doi:10.7910/DVN/24714) as CSV: 17 countries x 1960-2003, columns index, country,
year, gdp, infrate, trade, schooling, invest60, invest70, invest80, industry. The values agree
with ``sdfordham/pysyncon`` ``germany.csv`` (commit 7911c3ff...), which prints the same Stata
float32 numbers with more digits. West Germany's 1981-1990 predictor means from this file
(gdp 15808.9, trade 56.8, infrate 2.6, industry 34.5, schooling 55.5, invest80 27.0) are the
ones the paper's Table 1 reports.

Published / reference numbers and where they come from
-----------------------------------------------------
* Donor weights, synthetic West Germany: Austria 0.42, USA 0.22, Japan 0.16, Switzerland 0.11,
  Netherlands 0.09, others 0 (ADH 2015, Table 2).
* Same weights to 9 digits from an independent re-implementation of R Synth with the
  paper's cross-validation: ``sdfordham/pysyncon`` ``tests/test_synth_germany.py`` /
  ``parity_tests/test_synth_germany.py`` (commit eafc87ba...): USA 0.21624982, Austria
  0.414522077, Netherlands 0.09841208, Switzerland 0.107654851, Japan 0.163161172; ATT over
  1990-2003 = -1555.13 (these are pysyncon's results, not printed in the paper).
* Placebo in space: West Germany has the largest post/pre RMSPE ratio of the 17 countries,
  so p = 1/17 = 0.059 (ADH 2015, Figure 5 and text). The ratio uses pre = 1960-1989, post =
  1990-2003, and each placebo country's donor pool is the other 16 countries, West Germany
  included (the authors' replication code, e.g. ``tuantvh/CS112---Causal-Inference``
  ``FinalProject/CS112FinalCode.R``, commit 1298196b..., and ``juanitorduz/btsa``
  ``R/2020-07/rep_original.r``).
* The paper prints no pre-period RMSPE; the one of the published weights is computed below
  from the data with numpy alone (a derived number, marked as such).

The paper's specification (replication code): V chosen on a *training* design (gdp, trade,
infrate averaged 1971-1980; industry 1971-1980; schooling 1970 and 1975; invest70 of 1980;
GDP fitted over 1981-1990), then W with that V on the main design (gdp, trade, infrate and
industry averaged 1981-1990; schooling 1980 and 1985; invest80 of 1980; GDP fitted over
1960-1989). The training item invest70 pairs with the main item invest80 by position, as
``cv_special_predictors`` allows. One thing our API cannot say directly: windows that reach
1990, the treatment year (predictors 1981-1990 and the validation window 1981-1990), since
every window must end before ``treatment_time``. Either the windows are clipped to 1989
(treatment_time=1990, ``*_CLIPPED`` below), or treatment_time is set to 1991 (windows exact,
``*_EXACT``) and the paper's pre/post RMSPE, ATT and ratio are recomputed from the gap series.

What the JSON records (each entry says how it was obtained)
----------------------------------------------------------
* ``attaining_v``: the V vectors of the main design (exact windows) for which the published
  (pysyncon) W solves the inner problem, found by ``scipy.optimize.linprog`` from the data
  (Becker & Klößner 2018 conditions), independently of the package's own solver. They form a
  segment; its two ends are recorded, in the order and scaling of the result's ``v`` table.
* ``pre_mspe_*``: the pre-period (1960-1989) MSPE of the published weights, numpy only.
* ``validation_mspe_published_v``: the lowest validation MSPE of the training design over
  that segment (the best any V attaining the published W can do on the paper's own criterion),
  for the paper's window 1981-1990 and the clipped 1981-1989; the W-step is the package's,
  cross-checked at the best V by an independent NNLS solution of the inner problem.
"""

from __future__ import annotations

import datetime
import json
import shlex
import sys
from pathlib import Path

import numpy as np
import polars as pl
import scipy
from germany_design import (  # this folder's module: the data and designs the test shares
    COMMON,
    CV_CLIPPED,
    CV_EXACT,
    DATA,
    MAIN_CLIPPED,
    MAIN_EXACT,
    PAPER_W,
    PRE,
    PYSYNCON_W,
    SHA256,
    TRAIN_CLIPPED,
    TRAIN_EXACT,
    TREATED,
    data_digest,
    gdp_series,
    mspe,
    predictor_matrix,
    read_germany,
    scaled,
)
from scipy.optimize import linprog, minimize_scalar, nnls

import research.stats.synth as synth_module
from research.stats.synth import synthetic_control

# Keep CPU use to one core: no forked child for the placebo fits (the numbers do not change).
synth_module._PARALLEL_MIN = 10**9

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).with_name("german_reunification.json")

PYSYNCON_ATT = -1555.1346777620479  # 1990-2003
PAPER_P = 1 / 17

# The designs (germany_design): MAIN_EXACT and TRAIN_EXACT with the paper's exact windows
# (treatment_time=1991, see above), CV_EXACT its cross-validation; *_CLIPPED the same with
# every window clipped to end in 1989 (treatment_time=1990; the docstring's way).


def load() -> pl.DataFrame:
    digest = data_digest()
    if digest != SHA256:
        print(f"WARNING: {DATA.name} sha256 {digest} differs from the recorded {SHA256}")
    return read_germany()


def paper_stats(years: np.ndarray, gap: np.ndarray) -> dict[str, float]:
    """The paper's definitions: pre = 1960-1989, post = 1990-2003."""
    pre, post = gap[years <= 1989], gap[years >= 1990]
    pre_rmspe = float(np.sqrt(np.mean(pre**2)))
    post_rmspe = float(np.sqrt(np.mean(post**2)))
    return {
        "pre_rmspe": pre_rmspe,
        "pre_mspe": pre_rmspe**2,
        "post_rmspe": post_rmspe,
        "att": float(post.mean()),
        "ratio": post_rmspe / pre_rmspe,
    }


def weights_gap(df: pl.DataFrame, w: dict[str, float], treated: str = TREATED):
    wide = df.pivot(index="year", on="country", values="gdp").sort("year")
    years = wide["year"].to_numpy()
    synthetic = sum(weight * wide[c].to_numpy() for c, weight in w.items())
    return years, wide[treated].to_numpy() - synthetic


def fit_stats(fit) -> dict[str, float]:
    g = fit.gap.sort("time")
    return paper_stats(g["time"].to_numpy(), g["gap"].to_numpy())


def fmt_w(fit, cut: float = 0.005) -> str:
    rows = [(u, w) for u, w in fit.weights.rows() if w > cut]
    return ", ".join(f"{u} {w:.3f}" for u, w in rows)


def fmt_v(fit) -> str:
    return ", ".join(f"{p} {w:.3f}" for p, w in fit.v.rows() if w > 0.0005)


def paper_placebo(df: pl.DataFrame, spec: dict) -> pl.DataFrame:
    """Placebo in space as the authors ran it: each country treated in turn, the other 16
    (West Germany included) as donors, same specification; ratio of paper-style RMSPEs."""
    rows = []
    countries = df["country"].unique(maintain_order=True).to_list()
    for c in countries:
        fit = synthetic_control(df, **{**COMMON, "treated": c}, **spec)
        s = fit_stats(fit)
        rows.append({"unit": c, **s})
    out = pl.DataFrame(rows).sort("ratio", descending=True)
    return out.with_columns(pl.int_range(1, out.height + 1).alias("rank"))


def attaining_segment(df: pl.DataFrame, w_target: dict[str, float], donors: list[str]):
    """The V (main design, exact windows, our scaling) for which ``w_target`` solves the
    inner problem: v >= 0, sum v = 1, g_j(v) = mu on the support, g_j(v) >= mu elsewhere
    (Becker & Kloessner 2018). Built here from the raw data, independently of the package's
    own LP. Returns the distinct vertices found by minimising and maximising each entry,
    the dimension of the solution set's affine hull (from the equalities' rank), the
    predictor standard deviations and the normalised target W."""
    xs, sd = scaled(predictor_matrix(df, [TREATED, *donors], MAIN_EXACT))
    dmat = xs[:, 1:] - xs[:, [0]]
    w = np.array([w_target.get(u, 0.0) for u in donors])
    w = w / w.sum()
    g = dmat.T * (dmat @ w)  # (J, k): the inner gradient wrt W_j is 2 (g v)_j
    k = g.shape[1]
    sup = w > 0
    a_ub = np.column_stack([-g[~sup], np.ones((~sup).sum())])
    a_eq = np.vstack([np.r_[np.ones(k), 0.0], np.column_stack([g[sup], -np.ones(sup.sum())])])
    b_eq = np.r_[1.0, np.zeros(sup.sum())]
    dimension = int(k + 1 - np.linalg.matrix_rank(a_eq))
    vertices = []
    for obj in np.vstack([np.eye(k), -np.eye(k)]):
        res = linprog(
            np.r_[obj, 0.0],
            A_ub=a_ub,
            b_ub=np.zeros(a_ub.shape[0]),
            A_eq=a_eq,
            b_eq=b_eq,
            bounds=[(0, None)] * k + [(None, None)],
            method="highs",
        )
        if res.status == 0:
            vertices.append(np.round(res.x[:k], 12))
    return np.unique(np.array(vertices), axis=0), dimension, sd, w


def validation_mspe_nnls(df: pl.DataFrame, donors: list[str], v: np.ndarray, train: dict):
    """Validation MSPE of the training design at ``v`` with the inner problem solved by
    ``scipy.optimize.nnls`` (the sum-to-one constraint as a heavily weighted extra row), an
    independent check of the package's W-step."""
    xs, _ = scaled(predictor_matrix(df, [TREATED, *donors], train))
    root = np.sqrt(v)[:, None]
    big = 1e5
    a = np.vstack([root * xs[:, 1:], big * np.ones((1, len(donors)))])
    b = np.r_[root[:, 0] * xs[:, 0], big]
    w, _ = nnls(a, b, maxiter=10_000)
    years, gdp = gdp_series()
    first, last = train["fit_window"]
    win = (years >= first) & (years <= last)
    synthetic = sum(wj * gdp[u] for wj, u in zip(w, donors, strict=True))
    return float(np.mean((gdp[TREATED] - synthetic)[win] ** 2)), w


def best_on_segment(df: pl.DataFrame, ends: np.ndarray, train: dict) -> tuple[float, float]:
    """Lowest validation MSPE (package W-step, ``custom_v``) over V = (1-t) ends[0] + t
    ends[-1]: a grid of 201 points, then a bounded scalar search around the best one."""

    def loss(t: float) -> float:
        v = (1 - t) * ends[0] + t * ends[-1]
        return synthetic_control(df, **COMMON, **train, custom_v=list(v)).loss_v

    grid = np.linspace(0.0, 1.0, 201)
    losses = [loss(t) for t in grid]
    i = int(np.argmin(losses))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = minimize_scalar(loss, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
    if res.fun < losses[i]:
        return float(res.x), float(res.fun)
    return float(grid[i]), float(losses[i])


def main(write: bool) -> None:
    df = load()
    print(f"data: {DATA.relative_to(ROOT)} ({df.height} rows, {df['country'].n_unique()} units)")

    # ---------------------------------------------------------------- published weights
    print("\n== Published weights evaluated on this data (paper definitions) ==")
    for label, w in [("paper (2 d.p.)", PAPER_W), ("pysyncon (9 d.p.)", PYSYNCON_W)]:
        s = paper_stats(*weights_gap(df, w))
        print(
            f"{label:18s} pre-RMSPE 1960-89 {s['pre_rmspe']:7.1f} (MSPE {s['pre_mspe']:8.0f})"
            f"  post-RMSPE {s['post_rmspe']:6.0f}  ATT 1990-2003 {s['att']:7.1f}"
            f"  post/pre {s['ratio']:5.2f}"
        )
    print(f"pysyncon's recorded ATT 1990-2003: {PYSYNCON_ATT:.1f}")
    pre_pysyncon, pre_paper = mspe(PYSYNCON_W, PRE), mspe(PAPER_W, PRE)

    # ---------------------------------------------------------------- our fits
    fits = {
        "A default: no predictors (all pre-period GDP), nested V": synthetic_control(
            df, **COMMON, treatment_time=1990
        ),
        "B default V (nested), paper predictors clipped to 1989": synthetic_control(
            df, **COMMON, **MAIN_CLIPPED
        ),
        "C nested V, paper predictors exact (treatment_time=1991)": synthetic_control(
            df, **COMMON, **MAIN_EXACT
        ),
        "D cross-validated V, windows clipped to 1989": synthetic_control(
            df, **COMMON, **MAIN_CLIPPED, **CV_CLIPPED
        ),
        "E cross-validated V, paper windows exact (closest replication)": synthetic_control(
            df, **COMMON, **MAIN_EXACT, **CV_EXACT
        ),
    }
    print("\n== Our fits (pre = 1960-1989, post = 1990-2003, as the paper) ==")
    for name, fit in fits.items():
        s = fit_stats(fit)
        print(f"\n{name}")
        print(f"  W: {fmt_w(fit)}")
        if fit.v.height <= 8:
            print(f"  V: {fmt_v(fit)}")
        print(
            f"  pre-RMSPE {s['pre_rmspe']:.1f} (MSPE {s['pre_mspe']:.0f}; fit-window loss_v"
            f" {fit.loss_v:.0f}, bound over all W {fit.loss_bound:.0f})  post-RMSPE"
            f" {s['post_rmspe']:.0f}  ATT 1990-2003 {s['att']:.1f}  post/pre {s['ratio']:.2f}"
        )
        if not np.isnan(fit.loss_validation):
            print(f"  training validation MSPE of the chosen V: {fit.loss_validation:.1f}")
        shared = sum(min(w, PAPER_W.get(u, 0.0)) for u, w in fit.weights.rows())
        print(f"  weight shared with the paper's W (sum of min): {shared:.2f}")

    # ---------------------------------------------------------------- diagnosis
    print("\n== Diagnosis: is the published W an optimum of the paper's V selection? ==")
    e = fits["E cross-validated V, paper windows exact (closest replication)"]
    d = fits["D cross-validated V, windows clipped to 1989"]
    donors = [str(u) for u in e.donors]
    ends, dimension, sd, w_pub = attaining_segment(df, PYSYNCON_W, donors)
    names = e.v["predictor"].to_list()
    print(f"V (main design) for which the published W is the inner solution: dimension {dimension}")
    print(np.round(ends, 4))
    w_gaps = []
    for v in ends:
        check = synthetic_control(df, **COMMON, **MAIN_EXACT, custom_v=list(v))
        w_check = np.array([dict(check.weights.rows())[u] for u in donors])
        w_gaps.append(float(np.abs(w_check - w_pub).max()))
    print(f"  check: W(V) with V = each end, max |W - published| = {w_gaps}")
    bal = e.balance.select("predictor", "treated", pl.col("synthetic").alias("ours (E)")).join(
        check.balance.select("predictor", pl.col("synthetic").alias("published W")), on="predictor"
    )
    print("  predictor balance, West Germany vs synthetic (unscaled):")
    for p, t, ours, pub in bal.rows():
        print(f"    {p:24s} {t:9.1f}  ours {ours:9.1f}  published W {pub:9.1f}")
    validation = {}
    for label, train, ours in [("1981-1990", TRAIN_EXACT, e), ("1981-1989", TRAIN_CLIPPED, d)]:
        t_best, loss_best = best_on_segment(df, ends, train)
        v_best = (1 - t_best) * ends[0] + t_best * ends[-1]
        loss_nnls, _ = validation_mspe_nnls(df, donors, v_best, train)
        validation[label] = (t_best, v_best, loss_best, loss_nnls, ours.loss_validation)
        print(
            f"  lowest training validation MSPE ({label}) over that segment: {loss_best:.1f}"
            f" (NNLS check {loss_nnls:.1f}) at V ="
            f" {dict(zip(names, np.round(v_best, 3).tolist(), strict=True))};"
            f" our cross-validated V reaches {ours.loss_validation:.1f} ({fmt_v(ours)})"
        )
    print(
        f"  in-sample MSPE 1960-1989: published W {pre_pysyncon:.0f}, our nested fit C"
        f" {fits['C nested V, paper predictors exact (treatment_time=1991)'].loss_v:.0f},"
        f" bound {e.loss_bound:.0f}"
    )

    # ---------------------------------------------------------------- placebos
    print("\n== Placebo in space (paper: West Germany ranks 1 of 17, p = 1/17 = 0.059) ==")
    for key in [
        "B default V (nested), paper predictors clipped to 1989",
        "E cross-validated V, paper windows exact (closest replication)",
    ]:
        test = fits[key].placebo_test()
        r = test.ratios
        rank = r.filter(pl.col("is_treated"))["rank"].item()
        # paper-style ratio recomputed from the package's placebo gaps
        pr = []
        for (unit,), part in test.gaps.group_by(["unit"], maintain_order=True):
            part = part.sort("time")
            stats = paper_stats(part["time"].to_numpy(), part["gap"].to_numpy())
            pr.append({"unit": unit, **stats})
        pr = pl.DataFrame(pr).sort("ratio", descending=True)
        wg_rank = pr["unit"].to_list().index(TREATED) + 1
        print(
            f"{key[:1]}: package placebo_test p = {test.p_value:.3f} (rank {rank} of"
            f" {test.n_included}; West Germany kept out of placebo pools);"
            f" paper-style ratio rank {wg_rank}, top: "
            + ", ".join(f"{u} {x:.1f}" for u, x in pr.select("unit", "ratio").head(3).rows())
        )
    for label, spec in [
        ("B", MAIN_CLIPPED),
        ("E", {**MAIN_EXACT, **CV_EXACT}),
    ]:
        table = paper_placebo(df, spec)
        wg = table.filter(pl.col("unit") == TREATED)
        rank = wg["rank"].item()
        print(
            f"{label}: authors' placebo loop (West Germany in every placebo pool): West Germany"
            f" ratio {wg['ratio'].item():.2f}, rank {rank} of {table.height}, p ="
            f" {rank / table.height:.3f}; top: "
            + ", ".join(f"{u} {x:.1f}" for u, x in table.select("unit", "ratio").head(3).rows())
        )

    if write:
        record = reference_record(
            names, donors, ends, dimension, sd, w_gaps, validation, pre_pysyncon, pre_paper
        )
        OUT.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
        print(f"\nwrote {OUT.relative_to(ROOT)}")


def _spec_json(spec: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in spec.items()}


def reference_record(
    names, donors, ends, dimension, sd, w_gaps, validation, pre_pysyncon, pre_paper
) -> dict:
    pkg = "research.stats.synth.synthetic_control"
    return {
        "description": (
            "Reference numbers for tests/test_synth_germany.py: West German reunification, "
            "Abadie, Diamond & Hainmueller (2015), AJPS 59(2), 495-510."
        ),
        "generated_by": {
            "script": "tests/reference/german_reunification_check.py",
            "command": shlex.join([".venv/bin/python", *sys.argv]),
            "date": datetime.date.today().isoformat(),
            "versions": {
                "python": sys.version.split()[0],
                "numpy": np.__version__,
                "scipy": scipy.__version__,
                "polars": pl.__version__,
            },
        },
        "data": {
            "file": "tests/data/german_reunification.csv",
            "sha256": SHA256,
            "source": "scroobiustrip/datasets repgermany.csv at commit "
            "322ca95e85fcba54be4fb8930f1d9956d1e4fbf3; the authors' repgermany.dta, "
            "Harvard Dataverse doi:10.7910/DVN/24714",
        },
        "published_weights": {
            "weights": PAPER_W,
            "method": "transcribed: ADH (2015), Table 2 (two decimals)",
        },
        "pysyncon_weights": {
            "weights": PYSYNCON_W,
            "att_1990_2003": PYSYNCON_ATT,
            "method": "transcribed: sdfordham/pysyncon tests/test_synth_germany.py (commit "
            "eafc87ba...), an independent re-implementation of R Synth with the paper's "
            "cross-validation; all other donors 0",
        },
        "pre_mspe_pysyncon_weights": {
            "value": pre_pysyncon,
            "period": list(PRE),
            "method": "numpy only: mean over 1960-1989 of (GDP of West Germany - sum_j w_j "
            "GDP_j)^2 with the pysyncon weights, GDP read from the CSV with the csv module",
        },
        "pre_mspe_published_weights": {
            "value": pre_paper,
            "period": list(PRE),
            "method": "as pre_mspe_pysyncon_weights, with the two-decimal Table 2 weights",
        },
        "attaining_v": {
            "design": {"treated": TREATED, "donors": donors, **_spec_json(MAIN_EXACT)},
            "predictor_order": names,
            "scaling": "V applies to the scaled predictors: each predictor row divided by its "
            "standard deviation (ddof=1) over the 17 countries (West Germany and the 16 "
            "donors); V normalised to sum to one; the order is that of the result's v table "
            "(predictors, then special_predictors), as custom_v takes it",
            "predictor_sd": sd.tolist(),
            "ends": ends.tolist(),
            "segment_dimension": dimension,
            "method": "scipy.optimize.linprog (HiGHS) on the inner KKT conditions of the "
            "published (pysyncon) W, built from the CSV by this script (not the package's LP): "
            "v >= 0, sum v = 1, g_j(v) = mu for the donors j with positive weight and "
            "g_j(v) >= mu for the others, where g_j(v) = sum_k v_k D_kj (D W)_k and D holds "
            "the scaled donor predictors minus the treated unit's (the inner problem's "
            "gradient is 2 g(v); Becker & Kloessner 2018); each entry of v minimised and "
            "maximised, "
            "the distinct optima kept (rounded to 12 digits). The equalities leave a line "
            "(segment_dimension), so the set is the segment between the two ends",
            "package_w_check_max_abs_diff": {
                "value": w_gaps,
                "method": f"{pkg} with custom_v = each end on the design above: max |W - "
                "pysyncon W| over the 16 donors (informational; the package's W-step)",
            },
        },
        "validation_mspe_published_v": {
            label: {
                "value": loss,
                "t": t,
                "v": v.tolist(),
                "validation_window": [int(y) for y in label.split("-")],
                "training_design": _spec_json(
                    TRAIN_EXACT if label == "1981-1990" else TRAIN_CLIPPED
                ),
                "nnls_check": loss_nnls,
                "method": f"lowest validation MSPE over V = (1-t) ends[0] + t ends[1]: {pkg} "
                "on the training design with custom_v = V (its loss_v), a grid of 201 t then "
                "scipy minimize_scalar (bounded) around the best; nnls_check is the same MSPE "
                "with W from scipy.optimize.nnls (sum-to-one as a weighted extra row)",
                "package_cross_validated": {
                    "loss_validation": ours,
                    "method": f"informational, not a reference: {pkg} with the paper's "
                    "training specification (invest70) and this validation window",
                },
            }
            for label, (t, v, loss, loss_nnls, ours) in validation.items()
        },
    }


if __name__ == "__main__":
    main(write="--write" in sys.argv[1:])
