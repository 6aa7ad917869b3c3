"""Tests of research.analyses.similarity: hand computations on tiny panels, scipy cdist on the "
"real one."""

from __future__ import annotations

import doctest
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

import research.analyses.similarity as sim_mod
from research.analyses.similarity import similar_areas, standardize_matrix
from research.core.errors import ArgumentError, DataError
from research.core.warnings import TargetMissingWarning, warning_text
from research.data.panel import load_panel

CODES = ["0114", "0115", "0117", "0120", "0123"]
A = [2.0, 4.0, 4.0, 6.0, 9.0]
B = [1.0, 3.0, 5.0, 7.0, 9.0]


def _tiny(values: dict[str, list[float | None]], years=(2022,)) -> pl.DataFrame:
    rows = []
    for y in years:
        for var, vals in values.items():
            for code, v in zip(CODES, vals, strict=True):
                rows.append((code, f"K{code}", "kommun", y, var, "T", v))
    return pl.DataFrame(
        rows,
        schema={"area_code": pl.Utf8, "area_name": pl.Utf8, "level": pl.Utf8,
                "year": pl.Int32, "indicator": pl.Utf8, "sex": pl.Utf8, "value": pl.Float64},
        orient="row",
    )  # fmt: skip


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return load_panel()


def test_tiny_panel_by_hand():
    """A = (2, 4, 4, 6, 9): mean 5, sd sqrt(28/4) = sqrt(7); B = (1, 3, 5, 7, 9): mean 5,
    sd sqrt(40/4) = sqrt(10). Target 0114 at z = (-3/sqrt7, -4/sqrt10). Squared distances:

    * 0115: (2^2)/7 + (2^2)/10 = 4/7 + 2/5 = 34/35, contrib_A = (20/35)/(34/35) = 10/17
    * 0117: 4/7 + 16/10 = 76/35
    * 0120: 16/7 + 36/10 = 206/35
    * 0123: 49/7 + 64/10 = 13.4
    """
    res = similar_areas(_tiny({"A": A, "B": B}), "0114", indicators=["A", "B"], year=2022)
    assert res["area_code"].to_list() == ["0115", "0117", "0120", "0123"]
    assert res["rank"].to_list() == [1, 2, 3, 4]
    np.testing.assert_allclose(
        res["distance"].to_numpy(),
        np.sqrt([34 / 35, 76 / 35, 206 / 35, 13.4]), rtol=1e-12,
    )  # fmt: skip
    assert res["contrib_A"][0] == pytest.approx(10 / 17, rel=1e-12)
    assert res["contrib_B"][0] == pytest.approx(7 / 17, rel=1e-12)
    np.testing.assert_allclose((res["contrib_A"] + res["contrib_B"]).to_numpy(), 1.0, rtol=1e-12)
    assert res["z_A"][0] == pytest.approx(-1 / math.sqrt(7), rel=1e-12)
    assert res.target_values["z_B"] == pytest.approx(-4 / math.sqrt(10), rel=1e-12)
    assert res["value_A"].to_list() == [4.0, 4.0, 6.0, 9.0]
    assert res.warnings == [] and res.n_areas == 5 and res.target.code == "0114"


def test_weights_by_hand():
    """Weight 2 on A: 0115 has d^2 = 8/7 + 2/5 = 54/35, 0117 has 8/7 + 8/5 = 96/35."""
    res = similar_areas(
        _tiny({"A": A, "B": B}), "0114", indicators=["A"], covariates=["B"], year=2022,
        weights={"A": 2.0}, k=2,
    )  # fmt: skip
    np.testing.assert_allclose(res["distance"].to_numpy(), np.sqrt([54 / 35, 96 / 35]))
    assert res["contrib_A"][0] == pytest.approx((8 / 7) / (54 / 35), rel=1e-12)
    with pytest.raises(ArgumentError):
        similar_areas(_tiny({"A": A, "B": B}), "0114", indicators=["A"], weights={"C": 1})
    with pytest.raises(ArgumentError):
        similar_areas(_tiny({"A": A, "B": B}), "0114", indicators=["A", "B"],
                      weights={"A": 2.0}, metric="mahalanobis")  # fmt: skip


def test_weights_not_a_mapping_is_a_clear_error():
    """weights as a list: the one-line ArgumentError, not AttributeError from weights.items()."""
    with pytest.raises(
        ArgumentError, match=r"^weights must be a dict variable -> weight; got \[2\.0\]$"
    ):
        similar_areas(_tiny({"A": A, "B": B}), "0114", indicators=["A"], weights=[2.0])


def test_robust_standardization_by_hand():
    """A: median 4, |A - 4| = (2, 0, 0, 2, 5), MAD 2, scale 2 x 1.4826; B: median 5, MAD 2."""
    Z, c, s = standardize_matrix(np.column_stack([A, B]), "robust")
    np.testing.assert_allclose(c, [4.0, 5.0])
    np.testing.assert_allclose(s, [2 * 1.482602218505602, 2 * 1.482602218505602])
    np.testing.assert_allclose(Z[:, 0], (np.array(A) - 4) / (2 * 1.482602218505602))
    # MAD 0 falls back to IQR / 1.349: (1, 1, 1, 2, 5) has IQR 1
    _, _, s2 = standardize_matrix(np.array([[1.0], [1.0], [1.0], [2.0], [5.0]]), "robust")
    assert s2[0] == pytest.approx(1 / 1.3489795003921634)


def test_window_average_and_log_transform():
    """N01951 enters on the log scale; a (first, last) window averages the years."""
    pop = [10_000.0, 20_000.0, 40_000.0, 80_000.0, 160_000.0]
    df = pl.concat([
        _tiny({"A": A, "N01951": pop}, years=(2021,)),
        _tiny({"A": [a + 2 for a in A], "N01951": pop}, years=(2022,)),
    ])  # fmt: skip
    res = similar_areas(df, "0120", indicators=["A"], covariates=["N01951"], year=(2021, 2022),
                        k=None)  # fmt: skip
    # log population is equally spaced (sd of 0..4 times log 2), so its z-scores are (i-2)/sqrt(2.5)
    z = dict(zip(res["area_code"], res["z_N01951"], strict=True))
    assert z["0123"] == pytest.approx(2 / math.sqrt(2.5), rel=1e-12)
    assert res.transforms == {"A": None, "N01951": "log"}
    assert res.years == {"A": (2021, 2022), "N01951": (2021, 2022)}
    vals = dict(zip(res["area_code"], res["value_A"], strict=True))
    assert vals["0114"] == pytest.approx(3.0)  # mean of 2 and 4
    # year=None: the target's latest year
    res2 = similar_areas(df, "0120", indicators=["A"])
    assert res2.years == {"A": 2022}


def test_missing_value_rules():
    Bm = [1.0, 3.0, 5.0, 7.0, None]
    df = _tiny({"A": A, "B": Bm})
    res = similar_areas(df, "0114", indicators=["A", "B"], year=2022)  # default drop_area
    assert "0123" not in res["area_code"].to_list() and res.dropped_areas == ["0123"]
    assert [w.code for w in res.warnings] == ["areas-dropped"]
    (w,) = res.warnings
    assert w.n_areas == 1 and "0123" in w.areas[0] and "0123" in str(w)
    assert warning_text(w, "sv").startswith(
        "Områden som saknar värde för en jämförd variabel får inget likhetsavstånd och "
        "rangordnas inte efter likhet (1 st.)"
    )
    assert warning_text(w, "en").startswith(
        "Areas lacking a value of a compared variable get no similarity distance and are not "
        "ranked by similarity (1 in all)"
    )
    # z-scores now over the four remaining areas: A = (2, 4, 4, 6), sd = sqrt(8/3)
    assert res.target_values["z_A"] == pytest.approx(-2 / math.sqrt(8 / 3), rel=1e-12)
    res = similar_areas(df, "0114", indicators=["A", "B"], year=2022, missing="drop_variable")
    assert res.variables == ["A"] and res.dropped_variables == ["B"] and res.height == 4
    assert [(w.code, w.variables) for w in res.warnings] == [("variables-dropped", ["B"])]
    assert warning_text(res.warnings[0], "sv") == (
        "Variabler som saknas för några områden lämnades utanför (missing='drop_variable'): B."
    )
    res = similar_areas(df, "0114", indicators=["A", "B"], year=2022, missing="impute_median")
    assert res.imputed == {"0123": ["B"]}
    assert [(w.code, w.n_areas, w.areas) for w in res.warnings] == [("median-imputed", 1, ["0123"])]
    zb = dict(zip(res["area_code"], res["z_B"], strict=True))
    # B imputed with median(1, 3, 5, 7) = 4: (1, 3, 5, 7, 4) has mean 4, sd sqrt(20/4)
    assert zb["0123"] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(DataError):
        similar_areas(df, "0114", indicators=["A", "B"], year=2022, missing="error")
    # the target lacks B: B is dropped with a warning, nothing else
    res = similar_areas(df, "0123", indicators=["A", "B"], year=2022)
    assert res.variables == ["A"] and res.height == 4
    assert any("no value for ['B']" in str(w) for w in res.warnings)
    target_w = next(w for w in res.warnings if isinstance(w, TargetMissingWarning))
    assert target_w.variables == ["B"] and "0123" in target_w.area
    assert warning_text(target_w, "sv").endswith(
        "saknar värde under de valda åren för B, som därför lämnas utanför jämförelsen."
    )


def test_other_caveats_are_typed_warnings():
    """Constant variables, values a log cannot take, a singular covariance: codes and wording."""
    res = similar_areas(_tiny({"A": A, "C": [1.0] * 5}), "0114", indicators=["A", "C"], year=2022)
    assert [(w.code, w.variables) for w in res.warnings] == [("constant-variables", ["C"])]
    assert str(res.warnings[0]) == "Variables constant across areas were left out: ['C']."
    assert warning_text(res.warnings[0], "sv") == (
        "Variabler som är lika i alla områden lämnades utanför: C."
    )
    zero = [0.0, 4.0, 4.0, 6.0, 9.0]
    res = similar_areas(_tiny({"A": zero, "B": A}), "0120", indicators=["A", "B"], year=2022,
                        transforms={"A": "log"})  # fmt: skip
    first = res.warnings[0]
    assert (first.code, first.values) == ("log-nonpositive", {"variable": "A", "n_values": 1})
    twice = [2 * a for a in A]
    res = similar_areas(_tiny({"A": A, "B": twice}), "0114", indicators=["A", "B"], year=2022,
                        metric="mahalanobis")  # fmt: skip
    assert [w.code for w in res.warnings] == ["singular-covariance"]
    sv = warning_text(res.warnings[0], "sv")
    assert sv.startswith("Variablernas kovariansmatris är singulär")


def test_bad_inputs():
    df = _tiny({"A": A, "B": B})
    with pytest.raises(ArgumentError):
        similar_areas(df, "0114", indicators=["Z"])
    with pytest.raises(ArgumentError):
        similar_areas(df, 114, indicators=["A"])
    with pytest.raises(ArgumentError):
        similar_areas(df, "01", indicators=["A"])  # a län, not a kommun
    with pytest.raises(ArgumentError):
        similar_areas(df, "0114", indicators=[])
    with pytest.raises(ArgumentError):
        similar_areas(df, "0114", indicators=["A"], missing="guess")
    with pytest.raises(ArgumentError):
        similar_areas(df, "0114", indicators=["A"], year=(2023, 2020))


def _independent_matrix(panel, variables, years):
    sub = panel.filter(
        (pl.col("level") == "kommun") & (pl.col("sex") == "T")
        & pl.col("indicator").is_in(variables) & pl.col("year").is_between(*years)
    )  # fmt: skip
    wide = (
        sub.group_by("area_code", "indicator").agg(pl.col("value").mean())
        .pivot(on="indicator", index="area_code", values="value")
        .drop_nulls().sort("area_code")
    )  # fmt: skip
    X = wide.select(variables).to_numpy()
    X[:, variables.index("N01951")] = np.log(X[:, variables.index("N01951")])
    Z = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    return wide["area_code"].to_list(), Z


@pytest.mark.parametrize("metric", ["euclidean", "mahalanobis"])
def test_real_panel_against_scipy_cdist(panel, metric):
    variables = ["N07402", "N07403", "N07540", "N07549", "N01951"]
    codes, Z = _independent_matrix(panel, variables, (2020, 2022))
    t = codes.index("0126")
    if metric == "euclidean":
        d = cdist(Z[[t]], Z, metric="euclidean")[0]
    else:
        d = cdist(Z[[t]], Z, metric="mahalanobis", VI=np.linalg.inv(np.cov(Z, rowvar=False)))[0]
    expected = {c: v for c, v in zip(codes, d, strict=True) if c != "0126"}
    res = similar_areas(panel, "0126", indicators=variables[:4], covariates=["N01951"],
                        year=(2020, 2022), k=None, metric=metric)  # fmt: skip
    got = dict(zip(res["area_code"], res["distance"], strict=True))
    assert set(got) == set(expected)
    np.testing.assert_allclose([got[c] for c in expected], list(expected.values()), rtol=1e-9)
    contrib = res.select(pl.sum_horizontal(pl.col("^contrib_.*$"))).to_series()
    np.testing.assert_allclose(contrib.to_numpy(), 1.0, rtol=1e-9)
    order = sorted(expected, key=lambda c: (expected[c], c))[:10]
    top = similar_areas(panel, "Huddinge", indicators=variables[:4], covariates=["N01951"],
                        year=(2020, 2022), metric=metric)  # fmt: skip
    assert top["area_code"].to_list() == order


def test_docstring_examples_run():
    res = doctest.testmod(sim_mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0 and res.failed == 0


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(*[st.floats(-50, 50, allow_nan=False, width=32)] * 3), min_size=5, max_size=5,
        unique=True,
    )
)  # fmt: skip
def test_random_tiny_panels_match_cdist(rows):
    X = np.array(rows, dtype=float)
    if np.any(X.std(axis=0, ddof=1) < 1e-3):
        return
    df = _tiny({f"V{j}": X[:, j].tolist() for j in range(3)})
    res = similar_areas(df, "0117", indicators=["V0", "V1", "V2"], year=2022, k=None)
    Z = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    d = cdist(Z[[2]], Z)[0]
    expected = {c: d[i] for i, c in enumerate(CODES) if c != "0117"}
    got = dict(zip(res["area_code"], res["distance"], strict=True))
    np.testing.assert_allclose([got[c] for c in expected], list(expected.values()),
                               rtol=1e-6, atol=1e-9)  # fmt: skip
    sums = res.select(pl.sum_horizontal(pl.col("^contrib_.*$"))).to_series().drop_nulls()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, rtol=1e-9)


def test_report_words_the_caveats_in_its_language():
    """The pilot-vs-candidate report lists the comparison's warnings in the report's language."""
    from types import SimpleNamespace

    from research.views.pilot_vs_candidate.sections import PilotVsCandidate

    res = similar_areas(_tiny({"A": A, "B": [1.0, 3.0, 5.0, 7.0, None]}), "0114",
                        indicators=["A", "B"], year=2022)  # fmt: skip
    for lang, heading, text in [
        ("sv", "Vad jämförelsen lämnade utanför", "rangordnas inte efter likhet (1 st.)"),
        ("en", "What the comparison left out", "are not ranked by similarity (1 in all)"),
    ]:
        out = str(PilotVsCandidate._similarity_caveats(SimpleNamespace(lang=lang), res))
        assert heading in out and text in out and "0123" in out
    res = similar_areas(_tiny({"A": A}), "0114", indicators=["A"], year=2022)
    assert str(PilotVsCandidate._similarity_caveats(SimpleNamespace(lang="sv"), res)) == ""
