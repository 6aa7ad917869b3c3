"""Parameter checks of the ``pilot_vs_candidate`` report that need no data.

The report's function runs :func:`check_parameters` first, and
:func:`research.runner.params.validate` runs it before a kernel starts (in the command's
or a batch's own process), so a mistake is one line and exit 2, not a failed notebook.
This module imports no polars, numpy or matplotlib: that validation must not load them
into the command's or the batch's process (issue 17, ``tests/test_batch_process_imports.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from research.core.errors import ParameterError
from research.core.fmt import check_lang, format_month
from research.data.catalog import load_catalog
from research.data.pilots import case_parameter
from research.geo.area import Area
from research.geo.registry import load_areas
from research.views.availability import area_indicators, indicators_with_data
from research.views.texts import require_kommun

from .texts import TEXTS

__all__ = ["check_district_data", "check_parameters"]


def check_district_data(pilot: Area, candidate: Area, ids: Sequence[str]) -> list[str]:
    """The indicators to show for a district ``pilot``, or the one-line refusal.

    A district's figures all come from imported files, so the panel is read (polars; only
    for a district pilot): the given ``ids`` must include one the district has figures of;
    without ``ids``, some violence indicator must have figures for the district and the
    candidate (:func:`research.views.availability.indicators_with_data`). Returns the ids
    (the defaults found, when none were given).
    """
    cat = load_catalog()
    names = {"pilot": pilot.label(), "candidate": candidate.label()}
    kommun = load_areas().resolve(pilot.parent_code).label() if pilot.parent_code else ""
    if ids:
        have = area_indicators(pilot.code)
        if any(i in have for i in ids):
            return list(ids)
        key, values = "check_district_no_data_for", {"indicators": ", ".join(ids)}
    else:
        found = indicators_with_data(cat, [pilot.code, candidate.code])
        if found:
            return found
        key, values = "check_district_no_data", {}
    raise ParameterError(
        TEXTS(key, "en", **names, kommun=kommun, **values),
        sv=TEXTS(key, "sv", **names, kommun=kommun, **values),
    )


def check_parameters(
    *,
    pilot: str = "",
    candidate: str = "",
    indicators: Sequence[str] | None = None,
    start_year: int = 2008,
    end_year: int = 2022,
    pilot_start: str = "",
    lang: str = "sv",
) -> tuple[Area, Area, list[str], int, int, str]:
    """The report's parameter checks that need no data, declared once.

    :func:`pilot_vs_candidate` runs them first, and :func:`research.runner.params.validate`
    before a kernel starts. The candidate must be a kommun (a län or riket is not a
    candidate for joining); the pilot may be a district with figures in the data
    (:func:`check_district_data`).

    Returns
    -------
    tuple
        The pilot and candidate areas, the indicator ids given (``[]``: the default ones),
        the first and last year and the pilot start ``"YYYY-MM"`` (for a district pilot the
        default indicators it has figures of when none were given).
    """
    check_lang(lang)
    pilot_start = str(case_parameter("pilot_start", pilot_start))
    format_month(pilot_start, lang)  # validates "YYYY-MM"
    reg = load_areas()
    p = reg.resolve(case_parameter("pilot", pilot))
    c = require_kommun(reg.resolve(case_parameter("candidate", candidate)), "candidate")
    if p.code == c.code:
        raise ParameterError(
            f"pilot and candidate are the same area ({p.label()})",
            sv=f"pilot och candidate är samma område ({p.label()})",
        )
    cat = load_catalog()
    ids = [cat.get(i).id for i in indicators] if indicators else []
    first, last = int(start_year), int(end_year)
    if not 1990 <= first <= last <= 2100:
        raise ParameterError(
            f"need 1990 <= start_year <= end_year; got {start_year}, {end_year}",
            sv=f"start_year och end_year måste uppfylla 1990 <= start_year <= end_year; "
            f"fick {start_year}, {end_year}",
        )
    if p.level == "district":
        ids = check_district_data(p, c, ids)
    return p, c, ids, first, last, pilot_start
