"""Wording of the ``candidate_screening`` report (``texts.toml`` here and the shared wording).

>>> TEXTS("title_cs", "en")
'Which kommuner suit an expansion of the pilot?'
"""

from research.views.texts import report_catalogue

__all__ = ["TEXTS"]

TEXTS = report_catalogue("candidate_screening")
