"""Wording of the result displays of :mod:`research.stats`: the catalogue ``texts.toml``.

Estimators return numbers; their ``summary()`` and JupyterLab tables label them with ids of
this catalogue, in English unless ``lang="sv"`` is asked for.

>>> TEXTS("p_value", "sv"), TEXTS("p_value", "en")
('p-värde', 'p-value')
"""

from __future__ import annotations

from pathlib import Path

from research.core.i18n import Catalogue, load_catalogue

__all__ = ["TEXTS"]

TEXTS: Catalogue = load_catalogue(Path(__file__).with_name("texts.toml"))
