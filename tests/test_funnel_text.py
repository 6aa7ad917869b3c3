"""The over-dispersion the comparison report states beside its funnel plot (polish item 3).

The funnel limits are widened by sqrt(phi) only when phi > 1 (``research.stats.funnel``). The
report used to print ``max(phi, 1)`` as if it were the estimate ("1,00" for phi = 0.999); it
must print the estimate itself and, when phi <= 1, say that no inflation was applied.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from research.views.pilot_vs_candidate.sections import pilot_vs_candidate
from research.views.pilot_vs_candidate.summary import findings, format_phi


@pytest.fixture(scope="module")
def reports():
    return {lang: pilot_vs_candidate(lang=lang) for lang in ("sv", "en")}


def _text(fragment: object) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", str(fragment)))


def test_format_phi_never_rounds_an_estimate_below_one_up_to_one():
    assert format_phi(0.999047, "sv") == "0,999"
    assert format_phi(0.9949, "en") == "0.99"
    assert format_phi(1.0049, "en") == "1.00"
    assert format_phi(3.1549, "sv") == "3,15"


def test_funnel_states_the_estimate_and_no_inflation(reports):
    rep = reports["sv"]
    _, res, _ = rep.funnel_result()
    # the estimate, recomputed from its definition: the mean squared winsorized z-score
    phi = float(np.mean(res.dispersion.z_winsorized**2))
    assert phi == pytest.approx(res.dispersion.phi, rel=1e-12)
    assert phi < 1  # N07402 in 2022: no over-dispersion beyond Poisson
    shown = format_phi(phi, "sv")
    assert shown != "1,00"
    sv = _text(rep.funnel())
    assert f"Den skattade överspridningen är {shown}, under 1, så gränserna är inte vidgade" in sv
    assert "justerat för överspridning" not in sv
    en = _text(reports["en"].funnel())
    assert f"The estimated over-dispersion is {format_phi(phi, 'en')}, below 1, so the limits" in en
    summary = " ".join(_text(f) for f in findings(rep))
    assert f"skattad överspridning {shown}, gränserna inte vidgade" in summary


def test_funnel_states_the_factor_applied_when_above_one(reports, monkeypatch):
    rep = reports["en"]
    year, res, where = rep.funnel_result()
    inflated = dataclasses.replace(res, dispersion=dataclasses.replace(res.dispersion, phi=3.1549))
    monkeypatch.setattr(rep, "funnel_result", lambda: (year, inflated, where))
    text = _text(rep.funnel())
    assert "adjusted for over-dispersion (factor 3.15)" in text
    summary = " ".join(_text(f) for f in findings(rep))
    assert "over-dispersion 3.15)" in summary
