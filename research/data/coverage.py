"""What the panel covers (years and levels) and how old its newest figure is.

Used by ``pilotbench data info`` and the provenance footer of every report. Brå publishes the
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

import polars as pl

from research.core.errors import ArgumentError, DataError

__all__ = [
    "BRA_EXPORT_DOC",
    "Coverage",
    "coverage",
    "latest_published_year",
    "months_since_year_end",
]

#: Where the hand export of Brå's statistics database is described.
BRA_EXPORT_DOC = "docs/bra_export.md"
_LEVEL_ORDER = ("riket", "lan", "kommun", "district")
_LEVEL_NAMES = {
    "sv": {"riket": "riket", "lan": "län", "kommun": "kommuner", "district": "stadsdelar"},
    "en": {"riket": "Sweden", "lan": "län", "kommun": "kommuner", "district": "districts"},
}


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

    def text(self, lang: str = "sv") -> str:
        """One paragraph: coverage per level, the age of the newest figure, what is missing.

        Examples
        --------
        >>> c = Coverage({"kommun": (1994, 2022, 290)}, 2022, dt.date(2026, 11, 30))
        >>> print(c.text("en"))  # doctest: +NORMALIZE_WHITESPACE
        Data coverage: kommuner 1994-2022 (290 areas), districts: none. The newest figure is
        for 2022, 47 months before 2026-11-30. Final annual figures for 2023-2025 have been
        published since (Brå, each March) but are not in the data: see docs/bra_export.md.
        """
        if lang not in ("sv", "en"):
            raise ArgumentError(f"lang must be 'sv' or 'en', got {lang!r}")
        names = _LEVEL_NAMES[lang]
        area_word = "områden" if lang == "sv" else "areas"
        parts = [
            f"{names[lv]} {a}-{b} ({n} {area_word})"
            for lv in _LEVEL_ORDER
            if lv in self.levels
            for a, b, n in [self.levels[lv]]
        ]
        if "district" not in self.levels:
            parts.append("stadsdelar: inga" if lang == "sv" else "districts: none")
        miss = self.missing_years
        span = "" if not miss else (str(miss[0]) if len(miss) == 1 else f"{miss[0]}-{miss[-1]}")
        if lang == "sv":
            out = (
                f"Datatäckning: {', '.join(parts)}. Det senaste värdet avser {self.newest_year}, "
                f"{self.age_months} månader före {self.as_of.isoformat()}."
            )
            if miss:
                out += (
                    f" Slutliga årssiffror för {span} har publicerats sedan dess (Brå, varje "
                    f"mars) men finns inte i datan: se {BRA_EXPORT_DOC}."
                )
        else:
            out = (
                f"Data coverage: {', '.join(parts)}. The newest figure is for "
                f"{self.newest_year}, {self.age_months} months before {self.as_of.isoformat()}."
            )
            if miss:
                out += (
                    f" Final annual figures for {span} have been published since (Brå, each "
                    f"March) but are not in the data: see {BRA_EXPORT_DOC}."
                )
        return out


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
    rows = panel.filter(pl.col("value").is_not_null())
    if rows.is_empty():
        raise DataError("the panel has no values")
    agg = rows.group_by("level").agg(
        pl.col("year").min().alias("first"),
        pl.col("year").max().alias("last"),
        pl.col("area_code").n_unique().alias("n"),
    )
    levels = {r["level"]: (int(r["first"]), int(r["last"]), int(r["n"])) for r in agg.to_dicts()}
    return Coverage(levels, int(rows["year"].max()), as_of or dt.date.today())
