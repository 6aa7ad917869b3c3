"""The findings that open the ``pilot_effect`` report ("Sammanfattning").

One sentence each, from the same analysis the sections show and with the numbers formatted
by the same helpers (:mod:`research.views.pilot_effect.numbers`, also used by
:mod:`research.views.pilot_effect.sections`): the verdict (the start of the "Slutsats"
headline, :func:`research.views.pilot_effect.conclusion.verdict_sentence`), the synthetic
control and synthetic DiD estimates, the DiD and ITS rate ratios, what effect could have been
detected, and the dilution of a district pilot in kommun figures.
"""

from __future__ import annotations

import math
from typing import Any

from research.core.fmt import format_number, format_percent
from research.core.warnings import NoFiniteEstimateWarning

from .conclusion import power_pct, verdict_sentence
from .numbers import interval_text, is_missing, p_text, rr_text
from .texts import TEXTS

__all__ = ["findings", "no_estimate_periods"]


def _synth_att(att: float, att_pct: float, lang: str) -> str:
    """The synthetic control's ATT with its direction in words and its signed percentage."""
    size = format_number(abs(att), 2, lang)
    if size == format_number(0, 2, lang):
        return TEXTS("synth_att_equal", lang)
    pct = format_percent(att_pct, 1, lang)
    pct = pct if att_pct < 0 else f"+{pct}"
    key = "synth_att_higher" if att > 0 else "synth_att_lower"
    return TEXTS(key, lang, att=size, att_pct=pct)


def _synth(rep: Any) -> str:
    a, lang = rep.analysis, rep.lang
    s, sd = a.synth, a.sdid
    kw = dict(
        synth_att=_synth_att(s.att, s.att_pct, lang),
        p_synth=TEXTS("p_of", lang, p=p_text(s.placebo.p_value, lang), n=s.placebo.n_included),
        rr=rr_text(sd.rate_ratio, lang),
        sdid_att=format_number(sd.att, 2, lang),
    )
    if is_missing(sd.rate_ratio):
        # no counterfactual level above 0 to divide by: the ATT alone
        return TEXTS("sum_synth_sdid_att", lang, **kw)
    if is_missing(sd.p_value) or is_missing(sd.rr_lower) or is_missing(sd.rr_upper):
        # too few placebo assignments for the interval's level (stats.sdid withholds both)
        return TEXTS("sum_synth_sdid_no_ci", lang, n=sd.fit.n_control, **kw)
    return TEXTS(
        "sum_synth",
        lang,
        level=format_percent(100 * sd.fit.level, 0, lang),
        ci=interval_text(sd.rr_lower, sd.rr_upper, lang),
        p_sdid=p_text(sd.p_value, lang),
        **kw,
    )


def no_estimate_periods(result: Any) -> str | None:
    """The periods of an ITS fit's :class:`NoFiniteEstimateWarning` (``None``: it has none)."""
    for w in result.warnings:
        if isinstance(w, NoFiniteEstimateWarning):
            return ", ".join(str(x) for x in w.values["periods"])
    return None


def _its_clause(result: Any, lang: str, prefix: str) -> str:
    """The level shift of an ITS fit in the summary's words, or why there is none."""
    periods = no_estimate_periods(result)
    if periods is not None:
        return TEXTS(f"{prefix}_none", lang, periods=periods)
    if not (math.isfinite(result.level_p) and math.isfinite(result.level_lower)):
        return TEXTS(f"{prefix}_no_ci", lang, its=rr_text(result.level_change, lang))
    return TEXTS(
        prefix,
        lang,
        its=rr_text(result.level_change, lang),
        its_ci=interval_text(result.level_lower, result.level_upper, lang),
        its_p=p_text(result.level_p, lang),
    )


def _did_its(rep: Any) -> str:
    a, lang = rep.analysis, rep.lang
    d, c = a.did, a.its_controlled
    return TEXTS(
        "sum_did_its",
        lang,
        rr=rr_text(d.rate_ratio, lang),
        level=format_percent(100 * d.level, 0, lang),
        ci=interval_text(d.rr_lower, d.rr_upper, lang),
        p=p_text(d.p_value, lang),
        its=_its_clause(a.its, lang, "sum_its"),
        cits="" if c is None else _its_clause(c, lang, "sum_cits"),
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
    # a pilot measured directly (no district inside a kommun) needs no "about x % for the
    # kommun as a whole"
    direct = "" if a.dilution is not None else "_direct"
    if math.isfinite(mde):
        return TEXTS(f"sum_power{direct}", lang, mde=format_percent(mde, 1, lang), **kw)
    return TEXTS(f"sum_power_none{direct}", lang, **kw)


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
