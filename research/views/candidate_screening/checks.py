"""Parameter checks of the ``candidate_screening`` report that need no data.

The report's function runs :func:`check_parameters` first, and
:func:`research.runner.params.validate` runs it before a kernel starts (in the command's
or a batch's own process), so a mistake is one line and exit 2, not a failed notebook.
This module imports no polars, numpy or matplotlib: that validation must not load them
into the command's or the batch's process (issue 17, ``tests/test_batch_process_imports.py``).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from research.analyses.screening_weights import DEFAULT_WEIGHTS
from research.core import fmt
from research.core.errors import ParameterError
from research.core.i18n import Both
from research.data.catalog import load_catalog
from research.data.pilots import case_parameter
from research.geo.area import RIKET, Area, level_phrase
from research.geo.registry import load_areas
from research.views.availability import panel_years
from research.views.texts import report_catalogue, require_kommun

if TYPE_CHECKING:
    from research.data.catalog import Indicator
    from research.data.groups import AreaGroup

__all__ = ["check_parameters", "check_weights", "parse_years"]

#: The report's wording (``.texts`` itself imports the screening, and with it polars).
TEXTS = report_catalogue("candidate_screening")


def parse_years(years: object) -> tuple[int, int]:
    """Parse a pooling window: ``"2020-2022"``, ``"2022"``, ``2022`` or ``(2020, 2022)``.

    Parameters
    ----------
    years
        A string ``"FIRST-LAST"`` (hyphen or en dash; spaces allowed) or ``"YEAR"``, an
        integer year, or a pair of integers.

    Returns
    -------
    tuple of int
        ``(first, last)`` with ``first <= last``.

    Raises
    ------
    ParameterError
        For anything else, or a window outside 1990-2100 or in the wrong order.

    Examples
    --------
    >>> parse_years("2020-2022"), parse_years("2019 – 2021"), parse_years(2022)
    ((2020, 2022), (2019, 2021), (2022, 2022))
    """
    pair: tuple[object, object]
    if isinstance(years, str):
        m = re.fullmatch(r"\s*(\d{4})\s*(?:[-\u2013]\s*(\d{4})\s*)?", years)
        if not m:
            en, sv = TEXTS.both("check_years_format", years=years)
            raise ParameterError(en, sv=sv)
        pair = (int(m.group(1)), int(m.group(2) or m.group(1)))
    elif isinstance(years, int) and not isinstance(years, bool):
        pair = (years, years)
    elif isinstance(years, tuple | list) and len(years) == 2:
        pair = (years[0], years[1])
    else:
        en, sv = TEXTS.both("check_years_type", years=years)
        raise ParameterError(en, sv=sv)
    if not all(isinstance(y, int) and not isinstance(y, bool) for y in pair):
        en, sv = TEXTS.both("check_years_whole", years=years)
        raise ParameterError(en, sv=sv)
    first, last = int(pair[0]), int(pair[1])  # type: ignore[call-overload]
    if not 1990 <= first <= 2100 or not 1990 <= last <= 2100:
        en, sv = TEXTS.both("check_years_range", first=first, last=last)
        raise ParameterError(en, sv=sv)
    if first > last:
        en, sv = TEXTS.both("check_years_order", first=first, last=last)
        raise ParameterError(en, sv=sv)
    return first, last


def check_weights(
    need: float | None = None,
    similarity: float | None = None,
    detectability: float | None = None,
) -> dict[str, float]:
    """Validate the three component weights and normalize them to sum 1.

    Parameters
    ----------
    need, similarity, detectability
        Relative weights, each a number >= 0; ``None`` takes the component's value in
        :data:`research.analyses.screening.DEFAULT_WEIGHTS` (1/3). At least one must be positive.

    Returns
    -------
    dict
        ``{"need": .., "similarity": .., "detectability": ..}`` summing to 1.

    Raises
    ------
    ParameterError
        For a weight that is not a finite number >= 0, or when all weights are zero.

    Examples
    --------
    >>> check_weights(2, 1, 1)
    {'need': 0.5, 'similarity': 0.25, 'detectability': 0.25}
    >>> check_weights() == check_weights(1, 1, 1)
    True
    """
    given = {"need": need, "similarity": similarity, "detectability": detectability}
    out: dict[str, float] = {}
    for comp, v in given.items():
        if v is None:
            out[comp] = float(DEFAULT_WEIGHTS[comp])
            continue
        if isinstance(v, bool) or not isinstance(v, int | float):
            en, sv = TEXTS.both("check_weight_number", comp=comp, value=v)
            raise ParameterError(en, sv=sv)
        if not math.isfinite(v) or v < 0:
            en, sv = TEXTS.both("check_weight_finite", comp=comp, value=v)
            raise ParameterError(en, sv=sv)
        out[comp] = float(v)
    total = sum(out.values())
    if total <= 0:
        en, sv = TEXTS.both("check_weights_all_zero")
        raise ParameterError(en, sv=sv)
    return {c: v / total for c, v in out.items()}


def _kommun(query: object, param: str, hint: str | None = None) -> Area:
    """The area ``query`` names if it is a kommun, else a ParameterError naming ``param``.

    The error ends in a hint: ``hint`` is its id in the report's catalogue; by default, the
    shared one (give a kommun's code or name); a kommun named like ``query`` is suggested.
    """
    area = load_areas().resolve(query)
    return require_kommun(area, param, TEXTS.phrase(hint) if hint else None, query=query)


def check_parameters(  # noqa: PLR0913 - the report's parameters, one argument each
    *,
    pilot: str = "",
    indicator: str = "N07402",
    years: str | tuple[int, int] = "2020-2022",
    top: int = 30,
    lan: str | None = "",
    areas: str | None = "",
    focus: str = "",
    w_need: float | None = None,
    w_similarity: float | None = None,
    w_detectability: float | None = None,
    lang: str = "sv",
) -> tuple[dict[str, float], tuple[int, int], Area, Area | None, Area, AreaGroup | None, Indicator]:
    """The report's parameter checks that need no data, declared once.

    :func:`candidate_screening` runs them first, and :func:`research.runner.params.validate`
    before a kernel starts, so a mistake is one line at the command line, not a failed cell.

    Returns the weights, the pooling window, the pilot, the län (or ``None``), the focus
    kommun, the official group (or ``None``) and the indicator; raises as
    :func:`candidate_screening`.
    """
    fmt.check_lang(lang)
    weights = check_weights(w_need, w_similarity, w_detectability)
    first, last = parse_years(years)
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        en, sv = TEXTS.both("check_top", top=top)
        raise ParameterError(en, sv=sv)
    reg = load_areas()
    p = _kommun(case_parameter("pilot", pilot), "pilot", "pilot_kommun_hint")
    lan_area = None
    if lan is not None and not (isinstance(lan, str) and not lan.strip()):
        lan_area = reg.resolve(lan)
        if lan_area.level != "lan":
            en, sv = TEXTS.both(
                "check_lan_not_a_lan", area=lan_area.label(), level=level_phrase(lan_area.level)
            )
            raise ParameterError(en, sv=sv)
    focus = case_parameter("focus", focus)
    if not isinstance(focus, str) or not focus.strip():
        en, sv = TEXTS.both("check_focus_empty", focus=focus)
        raise ParameterError(en, sv=sv)
    focus_area = _kommun(focus, "focus")
    if focus_area.code == p.code:
        en, sv = TEXTS.both("check_focus_is_pilot", focus=focus_area.label())
        raise ParameterError(en, sv=sv)
    group = None
    if areas is not None and not (isinstance(areas, str) and not areas.strip()):
        if lan_area is not None:
            en, sv = TEXTS.both("check_lan_and_areas")
            raise ParameterError(en, sv=sv)
        from research.data.groups import resolve_group  # polars: only for a group

        group = resolve_group(str(areas), kommun=p.code)
    cat = load_catalog()
    ind = cat.get(indicator)
    if not ind.per_inhabitants:
        label = Both(en=ind.label("en", short=True), sv=ind.label("sv", short=True))
        en, sv = TEXTS.both("check_not_per_inhabitants", id=ind.id, label=label)
        raise ParameterError(en, sv=sv)
    lo_cov, hi_cov = ind.coverage
    if first < lo_cov or last > hi_cov:
        en, sv = TEXTS.both(
            "check_years_outside_data", first=first, last=last, id=ind.id, lo=lo_cov, hi=hi_cov
        )
        raise ParameterError(en, sv=sv)
    # riket's rate, count and population in every year (cached; the panel only on a miss)
    have = set(panel_years(ind.id, RIKET))
    missing = [y for y in range(first, last + 1) if y not in have]
    if missing:
        values = {
            "id": ind.id,
            "missing": ", ".join(map(str, missing)),
            "window": f"{first}\u2013{last}",
        }
        label = Both(en=ind.label("en", short=True), sv=ind.label("sv", short=True))
        en, sv = TEXTS.both("check_screening_no_riket", label=label, **values)
        raise ParameterError(en, sv=sv)
    return weights, (first, last), p, lan_area, focus_area, group, ind
