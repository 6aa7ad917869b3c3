"""Wording of the ``decision_brief`` report: its ``texts.toml`` plus the shared wording.

Swedish and English stand side by side under one stable id in the TOML catalogue; code asks
``TEXTS("id", lang, **values)`` with values already formatted by :mod:`research.core.fmt`.

>>> TEXTS("db_question_heading", "sv"), TEXTS("db_question_heading", "en")
('Frågan', 'The question')
"""

from __future__ import annotations

from pathlib import Path

from research.core.i18n import Catalogue
from research.views.texts import report_catalogue

__all__ = ["TEXTS"]

TEXTS: Catalogue = report_catalogue(Path(__file__).parent)
