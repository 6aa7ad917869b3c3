"""Layer 4, analyses: the questions a report asks, answered with numbers and verdict codes.

Area profiles (:mod:`~research.analyses.profile`), similar kommuner
(:mod:`~research.analyses.similarity`), candidate screening
(:mod:`~research.analyses.screening`), the pilot's effect with several estimators
(:mod:`~research.analyses.effect`), and the reference effect sizes they assume
(:mod:`~research.analyses.assumptions`).

May import :mod:`research.stats` and the layers below it.
"""

__all__: list[str] = []
