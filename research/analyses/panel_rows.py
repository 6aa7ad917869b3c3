"""Checks on the rows an analysis takes from the long panel.

The analyses are pure functions over the panel of :func:`research.data.panel.load_panel`,
which holds one row per area, indicator, sex and year with positive populations. A panel a
caller built or edited need not: a row appended twice doubled a kommun's count in the
screening and moved its rank, a population of zero gave an infinite rate that was ranked. Each
analysis checks the (small) slice it uses, not the whole panel, so the check costs little.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from research.core.errors import ArgumentError, DataError
from research.core.i18n import load_catalogue

__all__ = [
    "check_code",
    "check_code_list",
    "check_indicators_known",
    "check_panel_columns",
    "check_panel_rows",
    "check_year",
    "no_values_error",
    "required_error",
]

#: Error messages in Swedish and English (``panel_rows.toml``).
_TEXTS = load_catalogue(Path(__file__).with_name("panel_rows.toml"))

#: Columns holding counts of events (never negative) and the value columns (finite or null).
_COUNTS = ("count", "count_est")
_NUMBERS = ("value", "population", "count", "count_est")


def check_panel_columns(panel: object, columns: Sequence[str]) -> None:
    """Raise unless ``panel`` is a polars DataFrame with ``columns``.

    Parameters
    ----------
    panel
        What the caller passed as the panel.
    columns
        The columns the analysis reads.

    Raises
    ------
    ArgumentError
        If ``panel`` is not a DataFrame or lacks a column (named).

    Examples
    --------
    >>> check_panel_columns(pl.DataFrame({"area_code": ["0126"], "year": [2020]}), ["year"])
    """
    if not isinstance(panel, pl.DataFrame):
        en, sv = _TEXTS.both("not_a_panel", type=type(panel).__name__)
        raise ArgumentError(en, sv=sv)
    missing = [c for c in columns if c not in panel.columns]
    if missing:
        en, sv = _TEXTS.both("missing_columns", columns=missing, have=panel.columns)
        raise ArgumentError(en, sv=sv)


def check_panel_rows(rows: pl.DataFrame, what: str) -> None:
    """Raise unless ``rows`` hold one row per area and year with possible values.

    Parameters
    ----------
    rows
        The slice of the panel an analysis uses: one indicator and sex, columns
        ``area_code`` and ``year`` and any of ``value``, ``population``, ``count``,
        ``count_est``.
    what
        The indicator (or what else the slice is), named in the message.

    Raises
    ------
    DataError
        An area and year repeated; a population of zero or below; a negative count; an
        infinite or NaN value (a missing value is null). The message names the first
        offending area and year.

    Examples
    --------
    >>> ok = pl.DataFrame({"area_code": ["0126", "0126"], "year": [2020, 2021],
    ...                    "population": [1e5, 1.01e5]})
    >>> check_panel_rows(ok, "N07402")
    >>> check_panel_rows(pl.concat([ok, ok.head(1)]), "N07402")
    Traceback (most recent call last):
    ...
    research.core.errors.DataError: the panel repeats 1 area-year rows of N07402 (e.g. area 0126, year 2020): a panel holds one row per area, indicator, sex and year. Drop the duplicates (e.g. panel.unique()) before the analysis
    """  # noqa: E501 - a doctest's output is one line
    checks: list[tuple[pl.Expr, str, str]] = []  # (offending rows, message, column), in order
    for column in _NUMBERS:
        if column not in rows.columns or not rows[column].dtype.is_numeric():
            continue
        col = pl.col(column)
        if rows[column].dtype.is_float():
            checks.append((col.is_infinite() | col.is_nan(), "value_not_finite", column))
        if column == "population":
            checks.append((col <= 0, "population_not_positive", column))
        elif column in _COUNTS:
            checks.append((col < 0, "count_negative", column))
    # one pass over the rows for every check (an analysis checks ~20 slices per report); a
    # failing check then finds its first offending area and year
    repeated, *flags = rows.select(
        pl.struct("area_code", "year").is_duplicated().any().alias("_repeated"),
        *(cond.fill_null(False).any().alias(f"_{i}") for i, (cond, _, _) in enumerate(checks)),
    ).row(0)
    if repeated:
        dup = (
            rows.group_by("area_code", "year")
            .len()
            .filter(pl.col("len") > 1)
            .sort("area_code", "year")
        )
        area, year, _ = dup.row(0)
        en, sv = _TEXTS.both("repeated_rows", n=dup.height, what=what, area=area, year=year)
        raise DataError(en, sv=sv)
    for flag, (cond, key, column) in zip(flags, checks, strict=True):
        if flag:
            _raise_first(rows, cond, key, column, what)


def _raise_first(rows: pl.DataFrame, condition: pl.Expr, key: str, column: str, what: str) -> None:
    hit = rows.filter(condition.fill_null(False)).sort("area_code", "year")
    if hit.height:
        row = hit.row(0, named=True)
        value = row[column]
        text = repr(value) if isinstance(value, float) and not math.isfinite(value) else value
        en, sv = _TEXTS.both(
            key, value=text, column=column, area=row["area_code"], year=row["year"], what=what
        )
        raise DataError(en, sv=sv)


def check_code(value: object, name: str, example: str) -> str:
    """``value`` as one code: a string (a number would lose its leading zeros).

    Raises
    ------
    ArgumentError
        If ``value`` is not a string.

    Examples
    --------
    >>> check_code("N07402", "indicator", "'N07402'")
    'N07402'
    """
    if not isinstance(value, str):
        en, sv = _TEXTS.both("not_text", name=name, example=example, value=value)
        raise ArgumentError(en, sv=sv)
    return value


def check_code_list(value: object, name: str, example: str) -> list[str]:
    """``value`` as a list of codes: a list or tuple of strings, not one string.

    A string is a sequence too: ``"0180"`` would be read as the codes ``0``, ``1``, ``8``,
    ``0``. Number codes lose their leading zeros.

    Raises
    ------
    ArgumentError
        If ``value`` is a string, not a list or tuple, or holds anything but strings.

    Examples
    --------
    >>> check_code_list(("0180", "0126"), "areas", "['0180', '0126']")
    ['0180', '0126']
    """
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        en, sv = _TEXTS.both("not_a_list", name=name, example=example, value=value)
        raise ArgumentError(en, sv=sv)
    return list(value)


def check_indicators_known(panel: pl.DataFrame, indicators: Sequence[str]) -> None:
    """Raise if an indicator does not occur in the panel at all (a typo, not a gap).

    Raises
    ------
    ArgumentError
        Naming the first unknown indicator and the panel's indicators.
    """
    known = set(panel["indicator"].unique().to_list())
    for ind in indicators:
        if ind not in known:
            en, sv = _TEXTS.both("unknown_indicator", indicator=ind, known=sorted(known))
            raise ArgumentError(en, sv=sv)


def check_year(value: object, name: str) -> int:
    """``value`` as a year: a whole number, not a bool, a float or text.

    Raises
    ------
    ArgumentError
        If ``value`` is not an ``int``.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        en, sv = _TEXTS.both("year_not_int", name=name, value=value)
        raise ArgumentError(en, sv=sv)
    return value


def no_values_error(indicator: str, year: int) -> DataError:
    """The error for an indicator without any kommun value in ``year``."""
    en, sv = _TEXTS.both("no_values", indicator=indicator, year=year)
    return DataError(en, sv=sv)


def required_error(value: object, n: int) -> ArgumentError:
    """The error for a ``required`` count outside 1 .. ``n``."""
    en, sv = _TEXTS.both("required_range", n=n, value=value)
    return ArgumentError(en, sv=sv)
