"""The screening's default component weights, without the screening's dependencies.

The parameter checks of the ``candidate_screening`` report
(:mod:`research.views.candidate_screening.checks`) run in the command's and a batch's own
process before any kernel starts; they need the defaults but not polars.
"""

from __future__ import annotations

__all__ = ["DEFAULT_WEIGHTS"]

#: Default component weights (equal).
DEFAULT_WEIGHTS: dict[str, float] = {"need": 1 / 3, "similarity": 1 / 3, "detectability": 1 / 3}
