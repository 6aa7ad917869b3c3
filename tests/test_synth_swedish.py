"""The synthetic control's and the design checks' errors read in Swedish, from their catalogues.

Errors of :mod:`research.stats.synth` and :mod:`research.stats.identification` carry a Swedish
message (``synth_errors.toml``, ``identification_errors.toml``) for notebooks whose ``lang`` is
``"sv"`` and for the reports; each error here is triggered for real, and its Swedish must
differ from its English and hold no English sentence or fragment.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import research.stats.identification as ident
from research.core.errors import ArgumentError, DesignError, EstimationError
from research.stats.did import diff_in_diff
from research.stats.synth import synthetic_control

from .swedish import swedish_message

KW = dict(unit="unit", time="year", outcome="y", treated="u3", treatment_time=2008)


def _panel() -> pl.DataFrame:
    rng = np.random.default_rng(0)
    return pl.DataFrame(
        [
            {"unit": f"u{i}", "year": t, "y": i + 0.1 * t + rng.normal(scale=0.1), "x": i * 1.0}
            for i in range(6)
            for t in range(2000, 2012)
        ]
    )


def test_unit_code_given_as_a_number() -> None:
    codes = pl.DataFrame(
        [
            {"unit": f"012{i}", "year": t, "y": float(i + t)}
            for i in range(3)
            for t in range(2000, 2006)
        ]
    )
    with pytest.raises(ArgumentError) as exc:
        synthetic_control(codes, **{**KW, "treated": 126, "treatment_time": 2003})
    assert str(exc.value).startswith("treated unit 126 is not in the unit column")
    sv = swedish_message(exc.value)
    assert sv.startswith("behandlad enhet 126 finns inte i enhetskolumnen")
    assert "Enhetskoderna i den här kolumnen är text" in sv


def test_fit_window_in_the_post_period() -> None:
    with pytest.raises(ArgumentError) as exc:
        synthetic_control(_panel(), **KW, fit_window=(2002, 2009))
    assert "must lie in the pre-treatment period" in str(exc.value)
    assert "förperioden (före treatment_time=2008)" in swedish_message(exc.value)


def test_training_error_embeds_the_inner_error_in_swedish() -> None:
    with pytest.raises(ArgumentError) as exc:
        synthetic_control(
            _panel(), **KW, predictors=["x"], v_method="cross_validation",
            cv_fit_window=(2004, 2007), cv_predictor_window=(2005, 2001),
        )  # fmt: skip
    assert str(exc.value) == (
        "training specification (cross_validation): predictor_window=(2005, 2001): first "
        "period 2005 is after last 2001"
    )
    assert swedish_message(exc.value) == (
        "träningsspecifikationen (cross_validation): predictor_window=(2005, 2001): den "
        "första perioden 2005 ligger efter den sista, 2001"
    )


def test_placebo_in_time_special_predictor_window() -> None:
    fit = synthetic_control(_panel(), **KW, special_predictors=[("x", (2005, 2007))])
    with pytest.raises(ArgumentError) as exc:
        fit.placebo_in_time(2004)
    assert str(exc.value).startswith("special predictor 'x' window=(2005, 2007) starts at or")
    assert "den särskilda prediktorn 'x'" in swedish_message(exc.value)


def test_too_few_donors_for_the_placebo_test() -> None:
    fit = synthetic_control(_panel(), **{**KW, "donors": ["u1"]})
    with pytest.raises(DesignError) as exc:
        fit.placebo_test()
    assert swedish_message(exc.value) == "placebo_test behöver minst två donatorer"


def test_did_separation_words_its_observations_in_swedish() -> None:
    rng = np.random.default_rng(1)
    df = pl.DataFrame(
        [
            (f"u{u}", t, 0.0 if u < 2 and t >= 2014 else float(rng.poisson(30)), 1e4,
             int(u < 2), int(t >= 2014))
            for u in range(6)
            for t in range(2010, 2018)
        ],
        schema=["unit", "year", "count", "pop", "treated", "post"],
        orient="row",
    )  # fmt: skip
    with pytest.raises(DesignError) as exc:
        diff_in_diff(
            df, unit="unit", time="year", outcome="count", treated="treated", post="post",
            family="poisson", offset="pop",
        )  # fmt: skip
    assert "of the treated units in the post-treatment periods are zero" in str(exc.value)
    sv = swedish_message(exc.value)
    assert sv.startswith("alla 8 antal för de behandlade enheterna i efterperioden är noll")


def test_weights_name_their_kind_in_swedish() -> None:
    with pytest.raises(ArgumentError) as exc:
        ident.check_weights({"x": 1}, ["need"], missing=0.0, what="component")
    assert str(exc.value) == "weights: unknown components ['x']; use ['need']"
    assert swedish_message(exc.value) == "weights: okända komponenter ['x']; använd ['need']"


def _literal(node: ast.expr, names: dict[str, str]) -> str | None:
    if isinstance(node, ast.Name):
        return names.get(node.id)
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def test_every_hint_and_where_the_estimators_pass_has_its_swedish() -> None:
    """check_rank's hint= and check_nonzero_counts' where= come in both languages.

    The estimators pass ``(English, Swedish)`` from their catalogues; a plain English string
    (which the Swedish message would leave out or replace by a general phrase) is named here.
    """
    stats = Path(ident.__file__).parent
    plain = []
    for path in sorted(stats.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name in ("check_rank", "check_nonzero_counts") and len(node.args) >= 3:
                if _literal(node.args[2], {}) is not None:
                    plain.append(f"{path.name}:{node.lineno} {name}(..., English only)")
    assert not plain, "\n".join(plain)
    X = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    with pytest.raises(EstimationError) as both:
        ident.check_rank(X, ["a", "b"], ("drop one", "ta bort en"))
    assert str(both.value).endswith("; drop one")
    assert both.value.message("sv").endswith("; ta bort en")
    with pytest.raises(EstimationError) as english:
        ident.check_rank(X, ["a", "b"], "drop one")
    assert "drop one" not in english.value.message("sv")
