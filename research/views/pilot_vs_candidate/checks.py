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

__all__ = [
    "MIN_TREND_YEARS",
    "TREND_FROM",
    "check_area_data",
    "check_district_data",
    "check_indicators",
    "check_parameters",
    "check_window",
]

#: First year of the trend section (:attr:`.sections.Comparison.trend_years`, which uses it):
#: the first year on the new basis after the 2015 series break (kommun attribution).
TREND_FROM = 2015
#: Fewest years the trend section fits (:meth:`.sections.Comparison.trend_result` shows ".."
#: with fewer: a quasi-Poisson trend with level shifts needs them); the charts need two.
MIN_TREND_YEARS = 4


def check_window(start_year: int, end_year: int) -> None:
    """Refuse a window the report cannot show.

    The trend section fits the years from ``max(start_year, TREND_FROM)`` (the first year on
    the new basis after the 2015 break) to ``end_year`` and needs :data:`MIN_TREND_YEARS` of
    them; the charts need at least two years. An earlier or shorter window made a report
    of empty tables and a period running backwards ("2015–1995").
    """
    first = max(start_year, TREND_FROM)
    if end_year - first + 1 >= MIN_TREND_YEARS:
        return
    values = {
        "start_year": start_year,
        "end_year": end_year,
        "from": TREND_FROM,
        "need": MIN_TREND_YEARS,
        "min_end": first + MIN_TREND_YEARS - 1,
        "max_start": max(end_year - MIN_TREND_YEARS + 1, TREND_FROM),
    }
    late_start = start_year > TREND_FROM and end_year >= TREND_FROM + MIN_TREND_YEARS - 1
    key = "check_window_start" if late_start else "check_window_end"
    raise ParameterError(TEXTS(key, "en", **values), sv=TEXTS(key, "sv", **values))


def check_indicators(ids: Sequence[str]) -> None:
    """Refuse an indicator that is not a rate of counts per inhabitants.

    The report's tables, intervals (exact Poisson), rate ratios, trends and funnel work on
    reported counts per inhabitants, as the other reports' checks require; a share or a
    count (population) would be shown as "no data" under a heading of crimes per 100 000.
    """
    cat = load_catalog()
    for i in ids:
        ind = cat.get(i)
        if ind.per_inhabitants:
            continue
        allowed = ", ".join(
            x.id for x in cat.indicators.values() if x.per_inhabitants and x.default
        )
        values = {"id": ind.id, "allowed": allowed, "kind": ind.kind}
        raise ParameterError(
            TEXTS("check_not_rate", "en", **values, label=ind.label("en", short=True),
                  unit=ind.unit_label("en")),
            sv=TEXTS("check_not_rate", "sv", **values, label=ind.label("sv", short=True),
                     unit=ind.unit_label("sv")),
        )  # fmt: skip


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


def check_area_data(pilot: Area, candidate: Area, ids: Sequence[str]) -> None:
    """Refuse a län pilot when the data leave no indicator to compare it on.

    The data hold few indicators for a län (Kolada's crime rates are mostly for kommuner and
    riket): the report shows those the pilot and the candidate both have, and says in its
    introduction which default indicators it left out
    (:meth:`.sections.PilotVsCandidate.left_out_notes`). With none left, or none of the given
    ``ids`` for the pilot, it would compare nothing with the pilot area: one line instead,
    naming what the pilot has. Reads the panel (polars; only for a län pilot).
    """
    cat = load_catalog()
    have = area_indicators(pilot.code)
    shown = [i for i in cat.violence_indicators() if i in have and cat[i].per_inhabitants]
    kommun = load_areas().resolve(case_parameter("pilot", "")).label()
    names = {"pilot": pilot.label(), "candidate": candidate.label(), "kommun": kommun}
    if ids:
        if any(i in have for i in ids):
            return
        key, given = "check_area_no_data_for", {"indicators": ", ".join(ids)}
    else:
        found = indicators_with_data(cat, [pilot.code, candidate.code])
        if any(cat[i].per_inhabitants for i in found):
            return
        key, given = "check_area_no_data", {}

    def line(lang: str) -> str:
        listed = ", ".join(f"{cat[i].label(lang, short=True)} ({i})" for i in shown)
        return TEXTS(
            key, lang, **names, **given, level=pilot.label(), have=listed or TEXTS("none", lang)
        )

    raise ParameterError(line("en"), sv=line("sv"))


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
    given = case_parameter("candidate", candidate)
    c = require_kommun(reg.resolve(given), "candidate", query=given)
    if p.code == c.code:
        en, sv = TEXTS.both("check_same_area", area=p.label())
        raise ParameterError(en, sv=sv)
    if p.level == "riket":  # riket is every report's reference already
        en, sv = TEXTS.both("check_pilot_riket", area=p.label())
        raise ParameterError(en, sv=sv)
    cat = load_catalog()
    # each indicator once, in the order given (a repeated one showed every row twice)
    ids = list(dict.fromkeys(cat.get(i).id for i in indicators)) if indicators else []
    first, last = int(start_year), int(end_year)
    if not 1990 <= first <= last <= 2100:
        en, sv = TEXTS.both("check_years_order", first=start_year, last=end_year)
        raise ParameterError(en, sv=sv)
    check_window(first, last)
    if int(pilot_start[:4]) < first:
        en, sv = TEXTS.both("check_start_before_window", start=pilot_start, first=first)
        raise ParameterError(en, sv=sv)
    check_indicators(ids)
    if p.level == "district":
        ids = check_district_data(p, c, ids)
    elif p.level == "lan":
        check_area_data(p, c, ids)
    return p, c, ids, first, last, pilot_start
