"""What the panel covers (years and levels) and how old its newest figure is.

Used by ``pilotbench data info`` and the provenance footer of every report (worded by
:func:`research.views.coverage_text.coverage_text`). Brå publishes the
final annual figures of year Y around the end of March of year Y + 1 (DOMAIN.md), so on a
given date the figures of every year up to :func:`latest_published_year` exist; the years
between the panel's newest year and that one are published but not in the data.

Examples
--------
>>> import datetime as dt
>>> latest_published_year(dt.date(2026, 11, 30)), latest_published_year(dt.date(2026, 2, 1))
(2025, 2024)
>>> months_since_year_end(2022, dt.date(2026, 11, 30))
47
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from research.core.errors import DataError
from research.core.i18n import load_catalogue

if TYPE_CHECKING:  # imported by coverage(): the report footer's text needs no polars
    import polars as pl

__all__ = [
    "BRA_EXPORT_DOC",
    "Coverage",
    "coverage",
    "latest_published_year",
    "months_since_year_end",
]

#: Error messages in Swedish and English (research/data/coverage.toml).
_TEXTS = load_catalogue(Path(__file__).with_name("coverage.toml"))

#: Where the hand export of Brå's statistics database is described.
BRA_EXPORT_DOC = "docs/bra_export.md"


def latest_published_year(on: dt.date) -> int:
    """The last year whose final annual crime figures Brå has published by ``on``.

    Final figures for year Y appear around the end of March of Y + 1; counted from 1 April.
    """
    return on.year - 1 if on >= dt.date(on.year, 4, 1) else on.year - 2


def months_since_year_end(year: int, on: dt.date) -> int:
    """Calendar months from December of ``year`` to the month of ``on`` (0 if not later)."""
    return max((on.year - year) * 12 + (on.month - 12), 0)


@dataclass(frozen=True)
class Coverage:
    """Years and number of areas per level, and the newest year, as of a date.

    Attributes
    ----------
    levels
        ``{level: (first year, last year, number of areas)}`` for the levels present.
    newest_year
        The newest year with any value.
    as_of
        The date the age is counted to.
    """

    levels: dict[str, tuple[int, int, int]]
    newest_year: int
    as_of: dt.date

    @property
    def age_months(self) -> int:
        """Months from the end of the newest year to :attr:`as_of`."""
        return months_since_year_end(self.newest_year, self.as_of)

    @property
    def missing_years(self) -> list[int]:
        """Years whose final figures Brå has published by :attr:`as_of` but the data lack."""
        return list(range(self.newest_year + 1, latest_published_year(self.as_of) + 1))


def coverage(panel: pl.DataFrame, as_of: dt.date | None = None) -> Coverage:
    """Summarise the panel's coverage (rows with a value) per level.

    Parameters
    ----------
    panel
        The panel of :func:`research.data.panel.load_panel` (imports included).
    as_of
        Date the age is counted to (default: today).

    Raises
    ------
    ArgumentError
        If the panel has no values.

    Examples
    --------
    >>> from research.data.panel import load_panel
    >>> c = coverage(load_panel(), dt.date(2026, 11, 30))
    >>> c.levels["kommun"], c.newest_year, c.age_months
    ((1994, 2022, 290), 2022, 47)
    """
    import polars as pl

    rows = panel.filter(pl.col("value").is_not_null())
    if rows.is_empty():
        en, sv = _TEXTS.both("no_values")
        raise DataError(en, sv=sv)
    agg = rows.group_by("level").agg(
        pl.col("year").min().alias("first"),
        pl.col("year").max().alias("last"),
        pl.col("area_code").n_unique().alias("n"),
    )
    levels = {r["level"]: (int(r["first"]), int(r["last"]), int(r["n"])) for r in agg.to_dicts()}
    return Coverage(levels, int(rows["year"].max()), as_of or dt.date.today())
