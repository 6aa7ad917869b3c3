"""The findings that open the ``pilot_vs_candidate`` report ("Sammanfattning").

Each finding is one sentence built from the very result objects the later sections show
(:class:`research.views.pilot_vs_candidate.sections.PilotVsCandidate` computes each of them
once), with the numbers formatted exactly as there: the latest level of the first indicator
with its exact Poisson interval and the rate ratios to riket and to the pilot area; the
candidate's rank and its place in the funnel plot; the trends; the most similar kommuner;
whether a 20 % drop could be detected.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from research.core.fmt import format_interval, format_list, format_number, format_percent
from research.geo.registry import load_areas
from research.views.power_text import detect_summary, probability_text

from .texts import TEXTS

__all__ = ["findings", "format_phi"]

_SIMILAR_SHOWN = 3  # most similar kommuner named in the summary


def _latest_row(rep: Any) -> dict | None:
    lv = rep.latest_frame().filter(pl.col("indicator") == rep.indicators[0])
    if lv.is_empty() or lv["year"][0] is None:
        return None
    return lv.row(0, named=True)


def _level(rep: Any) -> str | None:
    lang, ind = rep.lang, rep.catalog[rep.indicators[0]]
    r = _latest_row(rep)
    if r is None:
        return None
    year = int(r["year"])
    value = r[f"value_{rep.candidate.code}"]
    found = rep.rate_ci(ind.id, rep.candidate.code, year)
    riket = rep.rate_ratio_result(ind.id, year)
    if value is not None and found is None:  # published without counts: no interval
        return TEXTS(
            "sum_level_value",
            lang,
            indicator=ind.label(lang, short=True),
            year=year,
            candidate=rep.candidate.name,
            rate=format_number(value, 1, lang),
            unit=ind.unit_label(lang),
        )
    if value is None or found is None or riket is None:
        return None
    ci = found[1]
    kw = dict(
        indicator=ind.label(lang, short=True),
        year=year,
        candidate=rep.candidate.name,
        rate=format_number(value, 1, lang),
        unit=ind.unit_label(lang),
        ci=format_interval(ci.lower, ci.upper, 1, lang),
        rr_riket=format_number(riket.ratio, 2, lang),
        ci_riket=format_interval(riket.lower, riket.upper, 2, lang),
    )
    if found[1].count == 0:  # no reported crimes: said so, with how high it could be
        return TEXTS(
            "sum_level_zero",
            lang,
            upper=format_number(ci.upper, 1, lang),
            rr_upper=format_number(riket.upper, 2, lang),
            **kw,
        )
    pilot = rep.rate_ratio_result(ind.id, year, rep.pilot.code)
    if pilot is None:
        return TEXTS("sum_level", lang, **kw)
    return TEXTS(
        "sum_level_pilot",
        lang,
        pilot=rep.pilot.name,
        rr_pilot=format_number(pilot.ratio, 2, lang),
        ci_pilot=format_interval(pilot.lower, pilot.upper, 2, lang),
        **kw,
    )


def format_phi(phi: float, lang: str) -> str:
    """An over-dispersion estimate to 2 decimals, or more when 2 would round it to 1.

    The funnel's limits are widened only when ``phi > 1``: an estimate just below 1 must not
    read as "1,00", nor one just above it ("widened by the factor 1,00"); up to 4 decimals.

    Examples
    --------
    >>> format_phi(3.1549, "sv"), format_phi(0.999047, "sv"), format_phi(0.93, "en")
    ('3,15', '0,999', '0.93')
    >>> format_phi(1.0031, "sv"), format_phi(1.00004, "en")
    ('1,003', '1.0000')
    """
    for decimals in (2, 3, 4):
        if phi == 1 or round(phi, decimals) != 1:
            return format_number(phi, decimals, lang)
    return format_number(phi, 4, lang)


def _funnel(rep: Any) -> str | None:
    lang = rep.lang
    found, r = rep.funnel_result(), _latest_row(rep)
    if found is None or r is None or r["rank"] is None:
        return None
    year, res, where = found
    if where == "absent":  # not in the funnel (no count that year): its section says so
        return None
    sentence = TEXTS(
        "sum_funnel_within" if where == "within" else "sum_funnel_beyond",
        lang,
        candidate=rep.candidate.name,
        rank=TEXTS("rank_value", lang, rank=r["rank"], n=r["n_ranked"]),
        year=year,
        where=TEXTS(where, lang),
        dispersion=TEXTS(
            "sum_dispersion" if res.dispersion.phi > 1 else "sum_dispersion_none",
            lang,
            phi=format_phi(res.dispersion.phi, lang),
        ),
    )
    # ranks and funnel among the kommuner with figures: when an import holds only some of
    # them, "rank 3 of 3 among kommuner" must not read as a national comparison (a few
    # kommuner without a published count, as in most Kolada years, leave it one)
    total = len(load_areas().by_level("kommun"))
    n = int(r["n_ranked"])
    if n < 0.9 * total:
        sentence += " " + TEXTS("sum_coverage", lang, n=format_number(n, 0, lang),
                                total=format_number(total, 0, lang), year=year)  # fmt: skip
    return sentence


def _trend(rep: Any) -> str | None:
    lang, ind = rep.lang, rep.indicators[0]
    parts = []
    for area in rep.areas:
        name = TEXTS("sum_riket", lang) if area.level == "riket" else area.name
        tr = rep.trend_result(ind, area.code)
        if tr is not None:
            parts.append(
                TEXTS(
                    "sum_trend_area",
                    lang,
                    area=name,
                    pct=format_number(tr.pct_change, 1, lang),
                    ci=format_interval(tr.lower, tr.upper, 1, lang),
                )
            )
        else:  # said, not left out: the list read as if the candidate had been forgotten
            gap = rep.trend_gap(ind, area.code)
            parts.append(TEXTS("sum_trend_none", lang, area=name, reason=rep.no_trend_reason(gap)))
    if all(rep.trend_result(ind, a.code) is None for a in rep.areas):
        return None
    first, last = rep.trend_years
    return TEXTS("sum_trend", lang, first=first, last=last, areas="; ".join(parts))


def _similar(rep: Any) -> str | None:
    lang = rep.lang
    sim = rep.similar_frame()
    if sim is None or sim.height == 0:
        return None
    top = sim.head(_SIMILAR_SHOWN)
    names = [
        TEXTS("sum_similar_one", lang, name=n, distance=format_number(d, 2, lang))
        for n, d in zip(top["area_name"], top["distance"], strict=True)
    ]
    joined = format_list(names, lang)
    return TEXTS(
        "sum_similar",
        lang,
        candidate=rep.candidate.name,
        first=rep.end_year - 2,
        last=rep.end_year,
        names=joined,
    )


def _power(rep: Any) -> str | None:
    lang = rep.lang
    found = rep.detect_result()
    if found is None:
        return None
    _, d = found
    if d.mde.baseline_count == 0:  # no offences: the power section's own sentence says why
        return detect_summary(
            d, lang, area=rep.candidate.name, counts=rep.count_basis(rep.candidate.code)[1]
        )
    kw = dict(
        candidate=rep.candidate.name,
        size=format_percent(100 * abs(1 - d.effect_rate_ratio), 0, lang),
        years=d.mde.inputs["years_post"],
        power=probability_text(float(d.power), lang),
        target=format_percent(100 * d.target_power, 0, lang),
    )
    if d.mde.detectable:
        out = TEXTS("sum_power", lang, mde=format_percent(d.mde.mde_pct, 0, lang), **kw)
    else:
        out = TEXTS("sum_power_none", lang, **kw)
    over = rep.detect_overdispersed()
    if over is not None and over[0] > 1:
        out += TEXTS(
            "sum_power_phi",
            lang,
            candidate=rep.candidate.name,
            phi=format_phi(over[0], lang),
            power=probability_text(float(over[1].power), lang),
        )
    return out


def findings(rep: Any) -> list[str]:
    """The report's summary findings, one sentence each, in the order of the sections.

    Parameters
    ----------
    rep
        A :class:`research.views.pilot_vs_candidate.sections.PilotVsCandidate`.

    Returns
    -------
    list of str
        Up to five sentences; a finding whose section has no data is left out.

    Examples
    --------
    >>> from research.views.pilot_vs_candidate.sections import pilot_vs_candidate
    >>> found = findings(pilot_vs_candidate(lang="en"))
    >>> len(found), found[1][:30]
    (5, 'Huddinge ranks 129 of 290 amon')
    """
    out = [f(rep) for f in (_level, _funnel, _trend, _similar, _power)]
    return [x for x in out if x]
