"""The long panel's columns and types: one row per area, year, indicator and sex.

Every source reader (:mod:`research.data.sources`) and the panel builder
(:mod:`research.data.panel`) produce frames with exactly these columns, in this order.
"""

from __future__ import annotations

import polars as pl

__all__ = ["PANEL_SCHEMA"]

#: Column name -> polars type of the long panel.
PANEL_SCHEMA: dict[str, pl.DataType] = {
    "area_code": pl.Utf8,
    "area_name": pl.Utf8,
    "level": pl.Utf8,
    "parent_code": pl.Utf8,
    "year": pl.Int32,
    "indicator": pl.Utf8,
    "sex": pl.Utf8,
    "value": pl.Float64,
    "unit": pl.Utf8,
    "source": pl.Utf8,
    "population": pl.Float64,
    "count": pl.Int64,
    "count_est": pl.Int64,
    "count_est_error": pl.Float64,
}
