"""Reference effect sizes the analyses and reports assume (no estimation, no imports).

Kept apart from :mod:`research.analyses.effect` so that a report needing only the constant
does not import every estimator (and with them ``scipy.stats``; issue 17).
"""

from __future__ import annotations

__all__ = ["PLAUSIBLE_DROP"]

#: The "20 % in the district" reference effect used throughout: the drop a pilot of this
#: kind could plausibly achieve in the area it runs in (a relative change of the rate).
PLAUSIBLE_DROP = 0.2
