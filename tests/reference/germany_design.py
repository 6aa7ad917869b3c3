"""West German reunification (Abadie, Diamond & Hainmueller 2015): the data and the designs.

Shared by ``tests/test_synth_germany.py`` (``from .reference.germany_design import ...``)
and ``tests/reference/german_reunification_check.py``, which stays a standalone script: run
from the repository root, it imports this module as its neighbour. Both read the panel, its
GDP series and the predictor means here, independently of the package (numpy, polars and the
csv module only); what the designs mean is said in the script's docstring.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
import polars as pl

__all__ = [
    "COMMON",
    "CV_CLIPPED",
    "CV_EXACT",
    "DATA",
    "MAIN_CLIPPED",
    "MAIN_EXACT",
    "PAPER_W",
    "PRE",
    "PYSYNCON_W",
    "SHA256",
    "TRAIN_CLIPPED",
    "TRAIN_EXACT",
    "TREATED",
    "data_digest",
    "gdp_series",
    "mspe",
    "predictor_matrix",
    "read_germany",
    "scaled",
]

#: The authors' ``repgermany`` data as CSV (``tests/data/SOURCES.md``) and its sha256.
DATA = Path(__file__).resolve().parents[1] / "data" / "german_reunification.csv"
SHA256 = "792b2d2ebe5b6d71faa3a46340cddf0215551bfca58089e1da7fa9c0a6dc1b03"

TREATED = "West Germany"
COMMON = {"unit": "country", "time": "year", "outcome": "gdp", "treated": TREATED}
#: ADH (2015), Table 2 (two decimals).
PAPER_W = {"Austria": 0.42, "USA": 0.22, "Japan": 0.16, "Switzerland": 0.11, "Netherlands": 0.09}
#: sdfordham/pysyncon tests/test_synth_germany.py: the paper's Table 2 weights to 9 digits.
PYSYNCON_W = {
    "USA": 0.21624982,
    "Austria": 0.414522077,
    "Netherlands": 0.09841208,
    "Switzerland": 0.107654851,
    "Japan": 0.163161172,
}
#: The paper's pre-period.
PRE = (1960, 1989)

#: The paper's main design with its windows to 1990 (treatment_time 1991 so that they are
#: accepted): the design the recorded V vectors belong to.
MAIN_EXACT = {
    "treatment_time": 1991,
    "predictors": ["gdp", "trade", "infrate"],
    "predictor_window": (1981, 1990),
    "special_predictors": [
        ("industry", (1981, 1990)),
        ("schooling", [1980, 1985]),
        ("invest80", 1980),
    ],
    "fit_window": PRE,
}
#: The paper's training specification (invest70 for invest80), validation window 1981-1990.
CV_EXACT = {
    "v_method": "cross_validation",
    "cv_predictor_window": (1971, 1980),
    "cv_special_predictors": [
        ("industry", (1971, 1980)),
        ("schooling", [1970, 1975]),
        ("invest70", 1980),
    ],
    "cv_fit_window": (1981, 1990),
}
#: The training design written as a main one (its loss_v is the validation-window MSPE).
TRAIN_EXACT = {
    "treatment_time": 1991,
    "predictors": ["gdp", "trade", "infrate"],
    "predictor_window": (1971, 1980),
    "special_predictors": CV_EXACT["cv_special_predictors"],
    "fit_window": (1981, 1990),
}
#: Treatment in 1990 as the paper, every window clipped to end in 1989 as the API requires.
MAIN_CLIPPED = {
    "treatment_time": 1990,
    "predictors": ["gdp", "trade", "infrate"],
    "predictor_window": (1981, 1989),
    "special_predictors": [
        ("industry", (1981, 1989)),
        ("schooling", [1980, 1985]),
        ("invest80", 1980),
    ],
    "fit_window": PRE,
}
CV_CLIPPED = {**CV_EXACT, "cv_fit_window": (1981, 1989)}
TRAIN_CLIPPED = {**TRAIN_EXACT, "treatment_time": 1990, "fit_window": (1981, 1989)}


def data_digest() -> str:
    """The sha256 (hex) of :data:`DATA` as it is now, to compare with :data:`SHA256`."""
    return hashlib.sha256(DATA.read_bytes()).hexdigest()


def read_germany() -> pl.DataFrame:
    """The panel: 17 countries x 1960-2003, one row per country and year."""
    return pl.read_csv(DATA)


def gdp_series() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Years and each country's GDP series, read with the csv module into numpy arrays."""
    with DATA.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    years = np.array(sorted({int(r["year"]) for r in rows}))
    series: dict[str, np.ndarray] = {}
    for r in rows:
        y = series.setdefault(r["country"], np.full(years.size, np.nan))
        y[np.searchsorted(years, int(r["year"]))] = float(r["gdp"])
    return years, series


def mspe(weights: dict[str, float], window: tuple[int, int]) -> float:
    """MSPE over ``window`` of West Germany's GDP against ``sum_j w_j GDP_j``, numpy only."""
    years, gdp = gdp_series()
    inside = (years >= window[0]) & (years <= window[1])
    synthetic = sum(w * gdp[u] for u, w in weights.items())
    return float(np.mean((gdp[TREATED] - synthetic)[inside] ** 2))


def predictor_matrix(df: pl.DataFrame, units: list[str], spec: dict) -> np.ndarray:
    """(k, N) predictor means of ``spec`` (a MAIN_* or TRAIN_* dict), built here from the
    raw data in the order of the result's ``v`` table (``predictors`` first)."""
    rows = []
    for u in units:
        d = df.filter(pl.col("country") == u)
        win = d.filter(pl.col("year").is_between(*spec["predictor_window"]))
        values = [win[p].drop_nulls().mean() for p in spec["predictors"]]
        for column, periods in spec["special_predictors"]:
            if isinstance(periods, tuple):
                part = d.filter(pl.col("year").is_between(*periods))
            else:
                part = d.filter(pl.col("year").is_in(np.atleast_1d(periods).tolist()))
            values.append(part[column].drop_nulls().mean())
        rows.append(values)
    return np.array(rows, dtype=float).T


def scaled(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each predictor row divided by its standard deviation (ddof=1) over all units."""
    sd = x.std(axis=1, ddof=1)
    return x / sd[:, None], sd
