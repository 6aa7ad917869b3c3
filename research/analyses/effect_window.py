"""The effect analysis's window rules, without the analysis's dependencies.

The parameter checks of the ``pilot_effect`` and ``decision_brief`` reports
(:mod:`research.views.pilot_effect.checks`) run in the command's and a batch's own process
before any kernel starts; they need the rules that decide which years the analysis uses, but
not polars or numpy (``tests/test_batch_process_imports.py``).
:mod:`research.analyses.effect` applies the same rules to the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from research.data.catalog import SeriesBreak

__all__ = ["MIN_POST_YEARS", "MIN_PRE_YEARS", "default_fit_start"]

#: Fewest pre-treatment years the default fit window keeps.
MIN_PRE_YEARS = 5
#: Fewest years from the pilot start year on: the interrupted time series estimates a change
#: of level and one of slope after the start, and one year identifies only the level.
MIN_POST_YEARS = 2


def default_fit_start(breaks: Sequence[SeriesBreak], treatment_year: int, start_year: int) -> int:
    """First year of the synthetic-control / DiD window.

    The most recent registered break that leaves at least :data:`MIN_PRE_YEARS` pre-treatment
    years (levels across it are not comparable, so the fit starts on the new basis), and never
    before ``start_year``.

    Examples
    --------
    >>> from research.data.catalog import load_catalog
    >>> default_fit_start(load_catalog().breaks_for("N07402"), 2021, 2008)
    2015
    """
    usable = [b.first_year for b in breaks if b.first_year <= treatment_year - MIN_PRE_YEARS]
    return max([start_year, *usable])
