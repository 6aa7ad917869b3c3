"""Layer 3, statistics: estimators and tests over polars frames; numbers, no wording.

Rates and rate ratios with exact Poisson intervals (:mod:`~research.stats.rates`), funnel
limits (:mod:`~research.stats.funnel`), GLMs (:mod:`~research.stats.glm`), power and minimum
detectable effects (:mod:`~research.stats.power`), synthetic control
(:mod:`~research.stats.synth`), difference-in-differences and event studies
(:mod:`~research.stats.did`), interrupted time series (:mod:`~research.stats.its`), synthetic
difference-in-differences (:mod:`~research.stats.sdid`), staggered adoption
(:mod:`~research.stats.staggered`); the design checks they share
(:mod:`~research.stats.identification`).

May import :mod:`research.data`, :mod:`research.geo` and :mod:`research.core`.
"""

__all__: list[str] = []
