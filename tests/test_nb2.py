"""Tests of research.stats._nb2 against 50-digit mpmath values recorded by
tests/reference/make_nb2_profile_reference.py (block ``special``)."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import special

import research.stats._nb2 as nb2_mod
from research.stats._nb2 import (
    digamma_difference,
    log_rising_ratio,
    nb2_loglike,
    nb2_theta_score,
)

SPECIAL = json.loads(
    (Path(__file__).parent / "reference" / "nb2_profile_statsmodels.json").read_text()
)["special"]
EPS = np.finfo(float).eps


@pytest.mark.parametrize("row", SPECIAL["grid"], ids=lambda r: f"y={r['y']:g},theta={r['theta']:g}")
def test_rising_ratio_and_digamma_difference_match_mpmath(row):
    y, theta = np.array([row["y"]]), row["theta"]
    # absolute error 1e-13 plus a few units of y·eps, whatever theta (the textbook
    # difference of lgammas gives -0.052 for 0.0031 at theta = 1e13, y = 2.5e5)
    ref = row["log_rising_ratio"]
    got = float(log_rising_ratio(y, theta)[0])
    assert abs(got - ref) <= 1e-13 + 16 * EPS * (row["y"] + abs(ref))
    ref_d = row["digamma_difference"]
    got_d = float(digamma_difference(y, theta)[0])
    assert abs(got_d - ref_d) <= 64 * EPS * (abs(ref_d) + 1e-300) + 1e-15 * (row["y"] > 0)


def test_nb2_loglike_near_the_poisson_limit_matches_mpmath():
    y, mu = np.array(SPECIAL["y"]), np.array(SPECIAL["mu"])
    pois = float(np.sum(special.xlogy(y, mu) - mu - special.gammaln(y + 1.0)))
    for row in SPECIAL["loglike"]:
        alpha = float(np.exp(row["log_alpha"]))
        diff = nb2_loglike(y, mu, alpha) - pois
        # the textbook formula is off by up to 0.06 here (at alpha = exp(-30))
        assert diff == pytest.approx(row["nb_minus_poisson"], rel=1e-6, abs=1e-9), row


def test_nb2_loglike_closed_forms():
    # theta = 1 is the geometric distribution: P(y) = p (1 - p)^y with p = 1/(1 + mu)
    y, mu = np.array([0.0, 1.0, 5.0]), np.array([0.5, 2.0, 3.0])
    geometric = np.sum(np.log(1 / (1 + mu)) + y * np.log(mu / (1 + mu)))
    assert nb2_loglike(y, mu, 1.0) == pytest.approx(geometric, rel=1e-14)
    # a zero count with a zero mean has probability 1
    assert nb2_loglike(np.array([0.0]), np.array([0.0]), 0.5) == 0.0


@pytest.mark.parametrize("theta", [0.4, 5.0, 19.99, 20.01, 3e4, 1e8])
def test_theta_score_is_the_derivative_of_the_loglike(theta):
    y = np.array([0.0, 3.0, 12.0, 40.0])
    mu = np.array([2.0, 5.0, 9.0, 30.0])
    h = 1e-4 * theta

    def ll(t):
        return nb2_loglike(y, mu, 1.0 / t)

    numeric = (ll(theta + h) - ll(theta - h)) / (2 * h)
    assert nb2_theta_score(y, mu, theta) == pytest.approx(numeric, rel=1e-5, abs=1e-14)


def test_doctests():
    res = doctest.testmod(nb2_mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0 and res.attempted >= 4
