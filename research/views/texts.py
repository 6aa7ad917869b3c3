"""Wording shared by every report: the catalogue ``research/views/texts.toml``.

Each report's ``texts.py`` is one line, ``TEXTS = report_catalogue("<report>")``: its own
``texts.toml`` merged with :data:`COMMON`, so a report asks one
:class:`~research.core.i18n.Catalogue` for every message id: ``TEXTS("col_kommun", lang)``.
An id defined both here and in a report's catalogue is an error (one id, one wording).
"""

from __future__ import annotations

from pathlib import Path

from research.core.errors import ParameterError
from research.core.i18n import Both, Catalogue, load_catalogue
from research.geo.area import Area, level_phrase

__all__ = ["COMMON", "report_catalogue", "require_kommun"]

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


#: The parameter errors' wording (``research/views/require_kommun.toml``).
_CHECKS: Catalogue = load_catalogue(_HERE / "require_kommun.toml")


def require_kommun(
    area: Area,
    param: str,
    hint: Both | None = None,
) -> Area:
    """``area`` if it is a kommun, else a :class:`ParameterError` naming ``param``.

    The one check of a report parameter that must be a kommun (a candidate, the screening's
    focus, the pilot of an effect analysis): it says which level was given and ends in
    ``hint`` (a :class:`~research.core.i18n.Both` from the caller's catalogue), an example of
    a valid kommun; by default "Give a kommun's code or name, e.g. '0126' or 'Huddinge'."
    (``kommun_hint`` in the catalogue).

    Examples
    --------
    >>> from research.geo.registry import load_areas
    >>> require_kommun(load_areas().resolve("01"), "candidate")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    research.core.errors.ParameterError: candidate must be a kommun; ... is a län. Give ...
    """
    if area.level != "kommun":
        default = _CHECKS.phrase("kommun_hint")
        en, sv = _CHECKS.both(
            "not_a_kommun",
            param=param,
            area=area.label(),
            level=level_phrase(area.level),
            hint=hint or default,
        )
        raise ParameterError(en, sv=sv)
    return area
