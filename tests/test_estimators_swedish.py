"""Swedish messages of the SDID, staggered DiD, ITS and GLM estimators' errors.

Real errors, from bad designs and bad arguments: each has a Swedish message
(``err.message("sv")``, what a notebook with ``lang = "sv"`` shows) that differs from the
English one and holds no English sentence, while the English message stays what it was.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest

from research.core.errors import ArgumentError, DesignError
from research.stats.glm import fit_glm
from research.stats.its import interrupted_time_series
from research.stats.sdid import synthetic_did
from research.stats.staggered import group_time_att

from .swedish import swedish_message


def test_its_counts_all_zero_after_the_interruption_with_the_likelihood_ratio_test() -> None:
    df = pl.DataFrame({"year": list(range(2010, 2023)), "y": [5, 7, 6, 8, 5, 6, 7, 6] + [0] * 5})
    with pytest.raises(DesignError) as e:
        interrupted_time_series(df, time="year", outcome="y", interruption=2018)
    assert str(e.value).startswith(
        "all 5 counts from the interruption 2018 are zero: the level change is a rate ratio "
        "of 0, so the Poisson maximum likelihood estimate does not exist (separation)"
    )
    assert re.search(r"gives p = \d\.\de-\d\d$", str(e.value))
    sv = swedish_message(e.value)
    assert sv.startswith("alla 5 antal från och med avbrottet 2018 är noll")
    assert "incidenskvot på 0" in sv
    # the sub-phrase of the likelihood-ratio test, with the p-value in Swedish notation
    assert re.search(r"; ett likelihoodkvottest .* ger p = \d,\de-\d\d$", sv), sv


def test_its_counts_all_zero_in_the_treated_series_and_before() -> None:
    ctl = pl.DataFrame(
        {"year": list(range(2010, 2023)) * 2, "y": [0] * 13 + [4] * 13, "c": [0] * 13 + [1] * 13}
    )
    with pytest.raises(DesignError, match="all 13 counts of the treated series are zero") as e:
        interrupted_time_series(ctl, time="year", outcome="y", interruption=2018, control="c")
    assert "alla 13 antal i den behandlade serien är noll" in swedish_message(e.value)
    before = pl.DataFrame({"year": list(range(2010, 2023)), "y": [0] * 8 + [3, 4, 2, 5, 3]})
    with pytest.raises(DesignError, match="rate ratio of infinity") as e:
        interrupted_time_series(before, time="year", outcome="y", interruption=2018)
    assert "oändligt stor incidenskvot" in swedish_message(e.value)


def test_its_missing_column_of_an_empty_frame() -> None:
    with pytest.raises(ArgumentError) as e:
        interrupted_time_series(pl.DataFrame(), time="year", outcome="y", interruption=2018)
    assert (
        str(e.value) == "column 'year' is not in data; available: none (the frame has no columns)"
    )
    sv = swedish_message(e.value)
    assert (
        sv == "kolumnen 'year' finns inte i data; tillgängliga: inga (tabellen har inga kolumner)"
    )


def test_sdid_placebo_needs_more_controls_and_pre_periods() -> None:
    rows = pl.DataFrame([{"u": u, "t": t, "y": float(u + t)} for u in range(4) for t in range(6)])
    with pytest.raises(DesignError, match=r"the placebo SE needs more control units") as e:
        synthetic_did(rows, unit="u", time="t", outcome="y", treated=[0, 1], treatment_time=4)
    sv = swedish_message(e.value)
    assert "(2 kontrollenheter, 2 behandlade); använd 'bootstrap' eller 'jackknife'" in sv
    with pytest.raises(DesignError, match="leaves 1 pre-treatment period") as e:
        synthetic_did(rows, unit="u", time="t", outcome="y", treated=0, treatment_time=1)
    assert "1 period(er) i förperioden" in swedish_message(e.value)


def test_staggered_without_never_treated_units_and_a_bad_method() -> None:
    rows = pl.DataFrame(
        [{"id": i, "t": t, "g": g, "y": float(i + t)}
         for i, g in enumerate([3, 3, 4, 4]) for t in range(1, 6)]
    )  # fmt: skip
    with pytest.raises(DesignError, match="there are no never-treated units") as e:
        group_time_att(rows, unit="id", time="t", outcome="y", cohort="g")
    assert "det finns inga aldrig behandlade enheter" in swedish_message(e.value)
    with pytest.raises(ArgumentError, match="is not one of 'dr', 'ipw', 'reg'") as e:
        group_time_att(rows, unit="id", time="t", outcome="y", cohort="g", est_method="ols")
    assert swedish_message(e.value) == "est_method: 'ols' är inte något av 'dr', 'ipw', 'reg'"


def test_glm_collinear_design_and_unknown_family() -> None:
    X = np.column_stack([np.ones(4), np.arange(4.0), 2 * np.arange(4.0)])
    with pytest.raises(DesignError, match="has 3 columns but rank 2") as e:
        fit_glm(X, np.array([1.0, 2, 3, 4]), family="poisson")
    assert "designmatrisen har 3 kolumner men rang 2: några termer är kolinjära" in swedish_message(
        e.value
    )
    with pytest.raises(ArgumentError, match="is not supported") as e:
        fit_glm(X[:, :2], np.array([1.0, 2, 3, 4]), family="binomial")
    assert "stöds inte" in swedish_message(e.value)
