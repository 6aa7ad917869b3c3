"""One exact-fit rule (research.stats.glm.is_exact_fit) for every estimator.

The residuals are put exactly where the test wants them: ``r`` is orthogonal to every column
of the ITS design (and so of the trend's, a subset of it), so OLS fits ``base`` exactly and
the Poisson fits (score ``X'(y - mu) = 0``) fit ``mu = exposure`` exactly, leaving ``r`` as
the residual. Its norm is a multiple of the threshold ``rounding_floor(||y||, n)``: 1/4 of it
is an exact fit, 4 times it is not; multiplying the outcome (and the exposure) by 1e-6 or 1e6
changes neither verdict. The old ITS/trend rules (``chi2 <= 1e-12 * SST``, Pearson
``chi2 <= 1e-12 * df`` and dispersion ``<= 1e-12``, the latter two absolute) called 4x the
floor exact, and a relative residual of 1e-8 exact or not depending on the scale.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from research.stats.glm import is_exact_fit, rounding_floor
from research.stats.its import interrupted_time_series, its_design
from research.stats.rates import poisson_trend

YEARS = np.arange(2010.0, 2022.0)
T0 = 2016.0
COUNTS = np.array([100, 104, 98, 110, 95, 101, 97, 103, 99, 108, 96, 102], dtype=float)


def _direction() -> np.ndarray:
    """A unit vector orthogonal to the ITS design's columns."""
    X, _ = its_design(YEARS, T0)
    q, _ = np.linalg.qr(X, mode="complete")
    v = q[:, X.shape[1] :] @ np.linspace(1.0, 2.0, len(YEARS) - X.shape[1])
    return v / np.linalg.norm(v)


def _residual(y: np.ndarray, multiple: float) -> np.ndarray:
    return multiple * rounding_floor(float(np.linalg.norm(y)), y.size) * _direction()


def _exact_codes(res) -> bool:
    return any(w.code == "exact-fit" for w in res.warnings)


def _gaussian_its(scale: float, multiple: float | None, relative: float | None = None):
    base = (100.0 + 2.0 * (YEARS - T0)) * scale
    r = (
        _residual(base, multiple)
        if multiple is not None
        else relative * np.linalg.norm(base) * _direction()
    )
    y = base + r
    df = pl.DataFrame({"year": YEARS.astype(int), "y": y})
    res = interrupted_time_series(
        df, time="year", outcome="y", interruption=2016, family="gaussian"
    )
    return res, y, base


def _counts(scale: float, multiple: float | None, relative: float | None = None):
    """Integer counts and exposures ``counts - r``: the Poisson fits give ``mu = exposure``."""
    y = COUNTS * scale
    r = (
        _residual(y, multiple)
        if multiple is not None
        else relative * np.linalg.norm(y) * _direction()
    )
    return y, y - r


def _quasi_its(y: np.ndarray, expo: np.ndarray):
    df = pl.DataFrame({"year": YEARS.astype(int), "n": y, "pop": expo})
    return interrupted_time_series(
        df, time="year", outcome="n", offset="pop", interruption=2016, overdispersion="quasi"
    )


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
@pytest.mark.parametrize(("multiple", "exact"), [(0.25, True), (4.0, False)])
def test_gaussian_its_judges_the_boundary_by_the_shared_rule(scale, multiple, exact):
    res, y, base = _gaussian_its(scale, multiple)
    assert is_exact_fit(y, base) is exact  # the helper on the constructed fit
    assert _exact_codes(res) is exact
    assert math.isnan(res.coefficients["se"][0]) is exact


@pytest.mark.parametrize("scale", [1.0, 1e6])
@pytest.mark.parametrize(("multiple", "exact"), [(0.25, True), (4.0, False)])
def test_count_models_judge_the_boundary_by_the_shared_rule(scale, multiple, exact):
    """The quasi-Poisson ITS and the quasi-Poisson trend give the same verdict on the same data."""
    y, expo = _counts(scale, multiple)
    assert is_exact_fit(y, expo) is exact
    its = _quasi_its(y, expo)
    trend = poisson_trend(y, expo, YEARS, overdispersion="quasi")
    assert _exact_codes(its) is exact
    assert _exact_codes(trend) is exact
    assert math.isnan(its.coefficients["se"][0]) is exact


@pytest.mark.parametrize("scale", [1e-6, 1e6])
def test_rescaling_the_outcome_does_not_change_the_verdict(scale):
    """A relative residual of 1e-8 is data, not rounding, on every scale."""
    base_res, *_ = _gaussian_its(1.0, None, 1e-8)
    res, *_ = _gaussian_its(scale, None, 1e-8)
    assert not _exact_codes(base_res) and not _exact_codes(res)
    if scale > 1:  # counts must stay whole numbers
        for s in (1.0, scale):
            y, expo = _counts(s, None, 1e-8)
            assert not _exact_codes(_quasi_its(y, expo))
            assert not _exact_codes(poisson_trend(y, expo, YEARS, overdispersion="quasi"))
