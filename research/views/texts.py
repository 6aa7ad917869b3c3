"""Wording shared by every report: the catalogue ``research/views/texts.toml``.

Each report's ``texts.py`` merges its own ``texts.toml`` with :data:`COMMON`, so a report asks
one :class:`~research.core.i18n.Catalogue` for every message id: ``TEXTS("col_kommun", lang)``.
An id defined both here and in a report's catalogue is an error (one id, one wording).
"""

from __future__ import annotations

from pathlib import Path

from research.core.i18n import Catalogue, load_catalogue

__all__ = ["COMMON", "report_catalogue"]

COMMON: Catalogue = load_catalogue(Path(__file__).with_name("texts.toml"))


def report_catalogue(folder: Path) -> Catalogue:
    """The catalogue of the report in ``folder``: its ``texts.toml`` merged with :data:`COMMON`.

    Parameters
    ----------
    folder
        The report's package folder (``research/views/<report>/``).

    Returns
    -------
    Catalogue

    Raises
    ------
    DataError
        If the file cannot be read or defines an id that :data:`COMMON` already defines.

    Examples
    --------
    >>> from research.views import pilot_vs_candidate
    >>> texts = report_catalogue(Path(pilot_vs_candidate.__file__).parent)
    >>> texts("col_kommun", "en")
    'Kommun'
    """
    return COMMON.merged(load_catalogue(folder / "texts.toml"))
