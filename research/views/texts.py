"""Wording shared by every report: the catalogue ``research/views/texts.toml``.

Each report's ``texts.py`` is one line, ``TEXTS = report_catalogue("<report>")``: its own
``texts.toml`` merged with :data:`COMMON`, so a report asks one
:class:`~research.core.i18n.Catalogue` for every message id: ``TEXTS("col_kommun", lang)``.
An id defined both here and in a report's catalogue is an error (one id, one wording).
"""

from __future__ import annotations

from pathlib import Path

from research.core.i18n import Catalogue, load_catalogue

__all__ = ["COMMON", "report_catalogue"]

_HERE = Path(__file__).parent

COMMON: Catalogue = load_catalogue(_HERE / "texts.toml")


def report_catalogue(report: str) -> Catalogue:
    """Every message a report uses: ``views/<report>/texts.toml`` merged with :data:`COMMON`.

    The file is read by :func:`research.core.i18n.load_catalogue` (cached per path), whose
    errors this passes on.

    Parameters
    ----------
    report
        The report's name, the folder of its views (``"pilot_effect"``).

    Returns
    -------
    Catalogue
        The shared ids and the report's own, as one catalogue.

    Raises
    ------
    DataError
        From :func:`~research.core.i18n.load_catalogue` for a missing or malformed file, or
        from :meth:`~research.core.i18n.Catalogue.merged` for an id both files define.

    Examples
    --------
    >>> texts = report_catalogue("pilot_vs_candidate")
    >>> texts("col_kommun", "en"), texts("title_pvc", "en", candidate="Huddinge")
    ('Kommun', 'Huddinge compared with the pilot area')
    """
    return COMMON.merged(load_catalogue(_HERE / report / "texts.toml"))
