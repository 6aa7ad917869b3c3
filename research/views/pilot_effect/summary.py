"""The findings that open the ``pilot_effect`` report ("Sammanfattning").

One sentence each, from the same analysis the sections show and with the numbers formatted
by the same helpers (:func:`p_text`, :func:`rr_text`, :func:`interval_text`, also used by
:mod:`research.views.pilot_effect.sections`): the verdict (the start of the "Slutsats"
headline, :func:`research.views.pilot_effect.conclusion.verdict_sentence`), the synthetic
control and synthetic DiD estimates, the DiD and ITS rate ratios, what effect could have been
detected, and the dilution of a district pilot in kommun figures.
"""

from __future__ import annotations

import math
from typing import Any

from research.core.fmt import format_number, format_percent, format_range

from .conclusion import power_pct, verdict_sentence
from .texts import TEXTS

__all__ = ["findings", "interval_text", "p_text", "rr_text"]


def p_text(p: float | None, lang: str) -> str:
    """A p-value with three decimals (``..`` when missing).

    >>> p_text(0.0323, "sv"), p_text(None, "en")
    ('0,032', '..')
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ".."
    return format_number(p, 3, lang)


def rr_text(x: float | None, lang: str) -> str:
    """A rate ratio with two decimals (``∞`` and ``0`` for unbounded interval ends).

    >>> rr_text(0.8123, "sv"), rr_text(math.inf, "en")
    ('0,81', '∞')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ".."
    if math.isinf(x):
        return "∞" if x > 0 else "0"
    return format_number(x, 2, lang)


def interval_text(lo: float | None, hi: float | None, lang: str) -> str:
    """An interval of rate ratios.

    >>> interval_text(0.5, 1.25, "sv")
    '0,50–1,25'
    """
    return format_range(rr_text(lo, lang), rr_text(hi, lang), lang)


def _synth(rep: Any) -> str:
    a, lang = rep.analysis, rep.lang
    s, sd = a.synth, a.sdid
    return TEXTS(
        "sum_synth",
        lang,
        att=format_number(s.att, 2, lang),
        att_pct=format_percent(s.att_pct, 1, lang),
        p_synth=TEXTS("p_of", lang, p=p_text(s.placebo.p_value, lang), n=s.placebo.n_included),
        rr=rr_text(sd.rate_ratio, lang),
        level=format_percent(100 * sd.fit.level, 0, lang),
        ci=interval_text(sd.rr_lower, sd.rr_upper, lang),
        p_sdid=p_text(sd.p_value, lang),
    )


def _did_its(rep: Any) -> str:
    a, lang = rep.analysis, rep.lang
    d, its = a.did, a.its
    kw = dict(
        rr=rr_text(d.rate_ratio, lang),
        level=format_percent(100 * d.level, 0, lang),
        ci=interval_text(d.rr_lower, d.rr_upper, lang),
        p=p_text(d.p_value, lang),
        its=rr_text(its.level_change, lang),
        its_ci=interval_text(its.level_lower, its.level_upper, lang),
        its_p=p_text(its.level_p, lang),
    )
    c = a.its_controlled
    if c is None:
        return TEXTS("sum_did_its", lang, **kw)
    return TEXTS(
        "sum_did_cits",
        lang,
        cits=rr_text(c.level_change, lang),
        cits_ci=interval_text(c.level_lower, c.level_upper, lang),
        cits_p=p_text(c.level_p, lang),
        **kw,
    )


def _power(rep: Any) -> str:
    a, lang = rep.analysis, rep.lang
    district = a.programme.district if a.dilution is not None else rep.pilot.name
    mde = a.power.mde_pct
    kw = dict(
        district=district,
        pilot=rep.pilot.name,
        power=power_pct(float(a.detect.power), lang),
        measured=format_percent(100 * (1 - a.detect.effect_rate_ratio_measured), 1, lang),
    )
    if math.isfinite(mde):
        return TEXTS("sum_power", lang, mde=format_percent(mde, 1, lang), **kw)
    return TEXTS("sum_power_none", lang, **kw)


def _dilution(rep: Any) -> str | None:
    a, lang = rep.analysis, rep.lang
    if a.dilution is None:
        return None
    return TEXTS(
        "sum_dilution",
        lang,
        district=a.programme.district,
        pilot=rep.pilot.name,
        share=format_percent(100 * a.dilution, 1, lang),
        diluted=format_percent(20 * a.dilution, 1, lang),
    )


def findings(rep: Any) -> list[str]:
    """The report's summary findings, the verdict first.

    Parameters
    ----------
    rep
        A :class:`research.views.pilot_effect.sections.PilotEffect`.

    Returns
    -------
    list of str
        Four or five sentences (the dilution only for a district pilot).

    Examples
    --------
    >>> from research.views.pilot_effect.sections import pilot_effect
    >>> rep = pilot_effect(donors="similar:20", lang="en")
    >>> found = findings(rep)
    >>> found[0] == verdict_sentence(rep.analysis.conclusion, "en"), len(found)
    (True, 5)
    """
    out = [
        verdict_sentence(rep.analysis.conclusion, rep.lang),
        _synth(rep),
        _did_its(rep),
        _power(rep),
        _dilution(rep),
    ]
    return [x for x in out if x]
