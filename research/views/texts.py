"""Wording shared by every report: the catalogue ``research/views/texts.toml``.

Each report's ``texts.py`` is one line, ``TEXTS = report_catalogue("<report>")``: its own
``texts.toml`` merged with :data:`COMMON`, so a report asks one
:class:`~research.core.i18n.Catalogue` for every message id: ``TEXTS("col_kommun", lang)``.
An id defined both here and in a report's catalogue is an error (one id, one wording).
"""

from __future__ import annotations

from pathlib import Path

from research.core.errors import ParameterError
from research.core.fmt import format_month
from research.core.i18n import Both, Catalogue, load_catalogue
from research.data.pilots import Pilot
from research.geo.area import Area, level_phrase

__all__ = ["COMMON", "borrowed_start_note", "report_catalogue", "require_kommun"]

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
    query: object = None,
) -> Area:
    """``area`` if it is a kommun, else a :class:`ParameterError` naming ``param``.

    The one check of a report parameter that must be a kommun (a candidate, the screening's
    focus, the pilot of an effect analysis): it says which level was given and ends in
    ``hint`` (a :class:`~research.core.i18n.Both` from the caller's catalogue), an example of
    a valid kommun; by default "Give a kommun's code or name, e.g. '0126' or 'Huddinge'."
    (``kommun_hint`` in the catalogue). When ``query``, what the user typed, names a kommun
    too (``"Stockholms"`` found Stockholms län), the message ends by suggesting it
    (:meth:`research.geo.registry.AreaRegistry.namesake_hint`), unless ``hint`` names it.

    Examples
    --------
    >>> from research.geo.registry import load_areas
    >>> require_kommun(load_areas().resolve("01"), "candidate")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    research.core.errors.ParameterError: candidate must be a kommun; ... is a län. Give ...
    """
    if area.level != "kommun":
        example = hint or _CHECKS.phrase("kommun_hint")
        if query is not None:
            from research.geo.registry import load_areas

            reg = load_areas()
            if not any(a.code in example.en for a in reg.namesakes(query, "kommun")):
                near = reg.namesake_hint(query, area, "kommun")
                example = Both(example.en + near.en, example.sv + near.sv)
        en, sv = _CHECKS.both(
            "not_a_kommun",
            param=param,
            area=area.label(),
            level=level_phrase(area.level),
            hint=example,
        )
        raise ParameterError(en, sv=sv)
    return area


def borrowed_start_note(programme: Pilot, pilot_code: str, start: str, lang: str) -> str:
    """A sentence when the pilot's start is not its own, else ``""``.

    A report for a pilot area other than where ``programme`` ran, with ``pilot_start`` left
    empty, takes the programme's start (``data/pilots.toml``): the reader is told so, and
    how to give the pilot's own. A report for the programme's own area with another start
    is told that the start is assumed, and when the programme really started.

    Parameters
    ----------
    programme
        The case's programme (:func:`research.data.pilots.case`).
    pilot_code
        The report's pilot area.
    start
        The report's pilot start, ``"YYYY-MM"``.
    lang
        ``"sv"`` or ``"en"``.

    Examples
    --------
    >>> from research.data.pilots import case
    >>> igor = case().pilot
    >>> borrowed_start_note(igor, "0180", igor.start, "en")
    ''
    >>> borrowed_start_note(igor, "1280", igor.start, "en")[:47]
    'The start month is the default, the same as for'
    >>> borrowed_start_note(igor, "1280", "2018-09", "en")
    ''
    >>> borrowed_start_note(igor, "0180", "2019-01", "en")
    "The start month January 2019 is the report's assumption; the IGOR pilot started in April 2021."
    """
    if programme.runs_in(pilot_code):
        if start == programme.start:
            return ""
        # the programme's own area with another start: not the programme's start, and the
        # report says so instead of dating the programme by the parameter
        return COMMON(
            "moved_start", lang, programme=programme.name, start=format_month(start, lang),
            actual=format_month(programme.start, lang),
        )  # fmt: skip
    if start != programme.start:
        return ""
    return COMMON("borrowed_start", lang, programme=programme.name, start=format_month(start, lang))
