"""Area profiles: latest-year levels of indicators and ranks among kommuner.

Pure functions over the long panel (see :mod:`research.data.panel`).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

__all__ = ["latest_levels", "rank_among_kommuner"]


def rank_among_kommuner(panel: pl.DataFrame, indicator: str, year: int) -> pl.DataFrame:
    """Rank every kommun on ``indicator`` in ``year``: rank 1 = highest value.

    Ties share the lowest rank ("min" method, as in sports tables); kommuner without a value
    are not ranked.

    Returns
    -------
    polars.DataFrame
        ``area_code, value, rank, n_ranked``.
    """
    d = panel.filter(
        (pl.col("indicator") == indicator)
        & (pl.col("year") == year)
        & (pl.col("level") == "kommun")
        & (pl.col("sex") == "T")
        & pl.col("value").is_not_null()
    ).select("area_code", "value")
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

    Returns
    -------
    polars.DataFrame
        One row per indicator: ``indicator, year``, one ``value_<code>`` column per area, and
        ``rank, n_ranked`` for ``rank_area`` (null when it is not a kommun or has no value).
    """
    rows = []
    for ind in indicators:
        d = panel.filter(
            (pl.col("indicator") == ind)
            & (pl.col("sex") == "T")
            & pl.col("area_code").is_in(list(areas))
            & pl.col("value").is_not_null()
        )
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
            r = rank_among_kommuner(panel, ind, year)
            hit = r.filter(pl.col("area_code") == rank_area)
            if hit.height:
                rank, n = int(hit["rank"][0]), int(hit["n_ranked"][0])
        rows.append(row | {"rank": rank, "n_ranked": n})
    schema = {"indicator": pl.Utf8, "year": pl.Int32}
    schema |= {f"value_{a}": pl.Float64 for a in areas}
    schema |= {"rank": pl.Int32, "n_ranked": pl.Int32}
    return pl.DataFrame(rows, schema=schema)
