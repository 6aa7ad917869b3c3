"""Wording of the ``pilot_effect`` report (``texts.toml`` here and the shared wording)."""

from research.views.texts import report_catalogue

__all__ = ["TEXTS"]

TEXTS = report_catalogue("pilot_effect")
