"""Area profiles: latest-year levels of indicators and ranks among kommuner.

Pure functions over the long panel (see :mod:`research.data.panel`).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from .panel_rows import (
    check_code,
    check_code_list,
    check_indicators_known,
    check_panel_columns,
    check_panel_rows,
    check_year,
    no_values_error,
    required_error,
)

__all__ = ["latest_levels", "rank_among_kommuner"]

#: The panel's columns the profile functions read.
_COLUMNS = ("area_code", "level", "year", "indicator", "sex", "value")


def rank_among_kommuner(panel: pl.DataFrame, indicator: str, year: int) -> pl.DataFrame:
    """Rank every kommun on ``indicator`` in ``year``: rank 1 = highest value.

    Ties share the lowest rank ("min" method, as in sports tables); kommuner without a value
    are not ranked.

    Parameters
    ----------
    panel
        The long panel (:func:`research.data.panel.load_panel`).
    indicator
        A KPI id, e.g. ``"N07402"``.
    year
        The year ranked.

    Returns
    -------
    polars.DataFrame
        ``area_code, value, rank, n_ranked``: one row per kommun with a value, best first.

    Raises
    ------
    ArgumentError
        ``panel`` not a panel; ``indicator`` not text or not in the panel; ``year`` not a
        whole number.
    DataError
        No kommun has a value that year; the year's rows repeat a kommun or hold a NaN or
        infinite value (:func:`research.analyses.panel_rows.check_panel_rows`).

    Examples
    --------
    >>> from research.data.panel import load_panel
    >>> r = rank_among_kommuner(load_panel(), "N07402", 2022)
    >>> r.columns, int(r["n_ranked"][0]) == r.height
    (['area_code', 'value', 'rank', 'n_ranked'], True)
    """
    check_panel_columns(panel, _COLUMNS)
    check_code(indicator, "indicator", "'N07402'")
    year = check_year(year, "year")
    check_indicators_known(panel, [indicator])
    ranks = _ranks(panel, indicator, year)
    if ranks.height == 0:
        raise no_values_error(indicator, year)
    return ranks


def _ranks(panel: pl.DataFrame, indicator: str, year: int) -> pl.DataFrame:
    """The kommun ranks of ``indicator`` in ``year`` (empty without values), rows checked."""
    d = panel.filter(
        (pl.col("indicator") == indicator)
        & (pl.col("year") == year)
        & (pl.col("level") == "kommun")
        & (pl.col("sex") == "T")
    )
    check_panel_rows(d, indicator)
    d = d.filter(pl.col("value").is_not_null()).select("area_code", "value")
    return d.with_columns(
        rank=pl.col("value").rank(method="min", descending=True).cast(pl.Int32),
        n_ranked=pl.lit(d.height, dtype=pl.Int32),
    ).sort("rank")


def latest_levels(
    panel: pl.DataFrame,
    indicators: Sequence[str],
    areas: Sequence[str],
    *,
    rank_area: str | None = None,
    max_year: int | None = None,
    required: int | None = None,
) -> pl.DataFrame:
    """Latest-year value of each indicator for each area, and one area's kommun rank.

    The latest year is chosen per indicator as the last year with a value for every one of
    the first ``required`` areas (default: all), so they are compared on the same year, capped
    at ``max_year``; the other areas are shown for that year where they have a value.

    Parameters
    ----------
    panel
        The long panel (:func:`research.data.panel.load_panel`).
    indicators
        KPI ids, a list (one string is refused: it would be read letter by letter).
    areas
        Area codes as text, a list.
    rank_area
        The area whose rank among kommuner is given.
    max_year
        The last year considered.
    required
        How many of the first ``areas`` must have a value in the chosen year (1 to
        ``len(areas)``; default all).

    Returns
    -------
    polars.DataFrame
        One row per indicator: ``indicator, year``, one ``value_<code>`` column per area, and
        ``rank, n_ranked`` for ``rank_area`` (null when it is not a kommun or has no value).
        An indicator without a year common to the required areas has a null year and values.

    Raises
    ------
    ArgumentError
        A string instead of a list, codes that are not text, an indicator not in the panel,
        ``required`` outside 1 .. ``len(areas)``, ``max_year`` not a whole number.
    DataError
        An indicator's rows repeat an area and year or hold NaN or infinite values.

    Examples
    --------
    >>> from research.data.panel import load_panel
    >>> t = latest_levels(load_panel(), ["N07402"], ["0180", "0126"], rank_area="0126")
    >>> t.columns
    ['indicator', 'year', 'value_0180', 'value_0126', 'rank', 'n_ranked']
    """
    check_panel_columns(panel, _COLUMNS)
    indicators = check_code_list(indicators, "indicators", "['N07402']")
    areas = check_code_list(areas, "areas", "['0180', '0126']")
    if rank_area is not None:
        check_code(rank_area, "rank_area", "'0126'")
    if max_year is not None:
        check_year(max_year, "max_year")
    if required is not None and (
        isinstance(required, bool) or not isinstance(required, int)
        or not 1 <= required <= len(areas)
    ):  # fmt: skip
        raise required_error(required, len(areas))
    check_indicators_known(panel, indicators)
    rows = []
    for ind in indicators:
        d = panel.filter(
            (pl.col("indicator") == ind)
            & (pl.col("sex") == "T")
            & pl.col("area_code").is_in(list(areas))
        )
        check_panel_rows(d, ind)
        d = d.filter(pl.col("value").is_not_null())
        if max_year is not None:
            d = d.filter(pl.col("year") <= max_year)
        must = list(dict.fromkeys(areas))[: required or len(areas)]
        common = (
            d.filter(pl.col("area_code").is_in(must))
            .group_by("year")
            .agg(pl.col("area_code").n_unique().alias("n"))
        )
        common = common.filter(pl.col("n") == len(must))
        if common.is_empty():
            row = {"indicator": ind, "year": None}
            row |= {f"value_{a}": None for a in areas}
            row |= {"rank": None, "n_ranked": None}
            rows.append(row)
            continue
        year = int(common["year"].max())
        vals = dict(d.filter(pl.col("year") == year).select("area_code", "value").iter_rows())
        row = {"indicator": ind, "year": year} | {f"value_{a}": vals.get(a) for a in areas}
        rank = n = None
        if rank_area is not None:
            r = _ranks(panel, ind, year)
            hit = r.filter(pl.col("area_code") == rank_area)
            if hit.height:
                rank, n = int(hit["rank"][0]), int(hit["n_ranked"][0])
        rows.append(row | {"rank": rank, "n_ranked": n})
    schema = {"indicator": pl.Utf8, "year": pl.Int32}
    schema |= {f"value_{a}": pl.Float64 for a in areas}
    schema |= {"rank": pl.Int32, "n_ranked": pl.Int32}
    return pl.DataFrame(rows, schema=schema)
