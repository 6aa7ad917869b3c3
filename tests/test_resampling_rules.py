"""One rule for every resampling-based inference (research/stats/_resampling.py).

Replications: every estimator that draws at random refuses fewer than 50 with the same
message, and every result that can carry caveats has a ``warnings`` list of warning objects.
"""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from research.core.errors import ArgumentError, PilotbenchWarning
from research.stats.did import DiDResult, EventStudyResult, diff_in_diff, event_study
from research.stats.its import ITSResult
from research.stats.rates import TrendResult
from research.stats.sdid import SyntheticDiDResult, synthetic_did
from research.stats.staggered import AggregatedATT, GroupTimeATT, group_time_att
from research.stats.synth import PlaceboResult, SyntheticControlResult

HERE = Path(__file__).parent
MESSAGE = r"need a whole number of at least 50 replications \(a p-value, standard error"


def _did_panel(n_units: int = 8) -> pl.DataFrame:
    """One treated unit, ``n_units - 1`` comparison units, 3 years before and 3 after."""
    rng = np.random.default_rng(5)
    rows = []
    for i in range(n_units):
        for year in range(2016, 2022):
            rows.append(
                {
                    "unit": f"u{i}",
                    "year": year,
                    "y": 10.0
                    + i
                    + 0.5 * (year - 2016)
                    + rng.normal(0, 1)
                    + (2.0 if i == 0 and year >= 2019 else 0.0),
                    "treated": int(i == 0),
                    "post": int(year >= 2019),
                }
            )
    return pl.DataFrame(rows)


def _staggered_panel() -> pl.DataFrame:
    rng = np.random.default_rng(2)
    cohort = {0: 0, 1: 0, 2: 0, 3: 4, 4: 4, 5: 5, 6: 5, 7: 0}
    rows = [
        {
            "id": i,
            "t": t,
            "g": c,
            "y": i + 0.3 * t + rng.normal(0, 1) + (1.0 if c and t >= c else 0),
        }
        for i, c in cohort.items()
        for t in range(1, 7)
    ]
    return pl.DataFrame(rows)


DID = dict(unit="unit", time="year", treated="treated", post="post", outcome="y")


def _sdid(reps: object, method: str = "placebo"):
    df = pl.read_csv(HERE / "data" / "sdid_synthetic_panel.csv")
    ref = json.loads((HERE / "reference" / "sdid_synthdid_port.json").read_text())["results"]
    treated = next(r for r in ref if r["panel"] == "sdid_synthetic_panel")["treated"]
    return synthetic_did(
        df, unit="unit", time="year", outcome="y", treated=treated, treatment_time=2015,
        se_method=method, replications=reps,
    )  # fmt: skip


#: Each resampling-based inference: a call taking the number of replications.
CALLS = {
    "did permutation": lambda b: diff_in_diff(
        _did_panel(), **DID, inference="permutation", n_permutations=b
    ),
    "did wild bootstrap": lambda b: diff_in_diff(
        _did_panel(), **DID, inference="wild", n_bootstrap=b
    ),
    "event-study permutation": lambda b: event_study(
        _did_panel(),
        unit="unit",
        time="year",
        outcome="y",
        treated="treated",
        treatment_time=2019,
        inference="permutation",
        n_permutations=b,
    ),
    "staggered multiplier bootstrap": lambda b: group_time_att(
        _staggered_panel(),
        unit="id",
        time="t",
        outcome="y",
        cohort="g",
        bootstrap=True,
        biters=b,
    ),
    "sdid placebo": lambda b: _sdid(b, "placebo"),
    "sdid bootstrap": lambda b: _sdid(b, "bootstrap"),
}


@pytest.mark.parametrize("name", list(CALLS))
@pytest.mark.parametrize("reps", [10, 49, 50.0, True])
def test_every_resampling_inference_refuses_fewer_than_50_replications(name, reps):
    with pytest.raises(ArgumentError, match=MESSAGE):
        CALLS[name](reps)


@pytest.mark.parametrize("name", list(CALLS))
def test_every_resampling_inference_accepts_50_replications(name):
    res = CALLS[name](50)
    assert isinstance(res.warnings, list)


@pytest.mark.parametrize(
    "cls",
    [
        DiDResult,
        EventStudyResult,
        SyntheticDiDResult,
        GroupTimeATT,
        AggregatedATT,
        PlaceboResult,
        SyntheticControlResult,
        ITSResult,
        TrendResult,
    ],
)
def test_every_result_carries_a_warnings_field(cls):
    names = {f.name for f in dataclasses.fields(cls)}
    assert "warnings" in names


def test_staggered_returns_its_warnings_in_the_result_not_issued():
    """Like did and sdid: the conditions met are in ``warnings``, nothing is issued."""
    df = _staggered_panel()
    early = df.with_columns(pl.when(pl.col("id") == 7).then(1).otherwise(pl.col("g")).alias("g"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", PilotbenchWarning)
        res = group_time_att(early, unit="id", time="t", outcome="y", cohort="g")
        agg = res.aggregate("group")
    # and the cohorts left with fewer than 5 units (R did's rule) are named
    assert [w.code for w in res.warnings] == ["treated-first-period", "small-groups"]
    assert res.warnings[0].values == {"n_units": 1}
    assert all(isinstance(w, PilotbenchWarning) for w in agg.warnings)


def test_staggered_exact_fit_warning_is_in_the_results():
    g = {1: 0.0, 2: 1.0, 3: 3.0, 4: 2.5, 5: 4.0, 6: 5.5}
    cohort = {0: 0, 1: 0, 2: 4, 3: 4, 4: 5, 5: 5, 6: 0, 7: 0}
    rows = [{"id": i, "t": t, "g": c, "y": 10.0 * i + g[t] + (2.0 if c and t >= c else 0.0)}
            for i, c in cohort.items() for t in g]  # fmt: skip
    for boot in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("error", PilotbenchWarning)
            res = group_time_att(
                pl.DataFrame(rows), unit="id", time="t", outcome="y", cohort="g",
                bootstrap=boot, biters=50,
            )  # fmt: skip
            agg = res.aggregate("simple")
        assert "exact-fit-inference" in [w.code for w in res.warnings]
        assert "exact-fit-inference" in [w.code for w in agg.warnings]
        assert math.isnan(agg.se)
