"""The pilot effect report's conclusion in words.

The verdict codes of :func:`research.analyses.effect.conclude` turned into paragraphs.
"""

from __future__ import annotations

import math

from research.analyses.effect import PLAUSIBLE_DROP, Conclusion
from research.core.fmt import (
    check_lang,
    format_list,
    format_month,
    format_number,
    format_percent,
)
from research.views.power_text import probability_text

from .numbers import p_text
from .sdid import agreement_sentence, estimator_name
from .texts import TEXTS

__all__ = [
    "break_position",
    "cannot_reach_sentence",
    "conclusion_paragraphs",
    "power_pct",
    "programme_end",
    "verdict_sentence",
]


def _pct_change(rr: float, lang: str) -> str:
    return format_percent(100 * abs(1 - rr), 1, lang)


def _break_label(brk: tuple[int, str, str], lang: str) -> str:
    """The label of a series break ``(first_year, label_sv, label_en)`` in ``lang`` (data text)."""
    _, sv, en = brk
    return {"sv": sv, "en": en}[lang]


def power_pct(power: float, lang: str) -> str:
    r"""A power in whole percent, never "0 %" or "100 %" (:func:`.power_text.probability_text`).

    >>> power_pct(0.004, "sv"), power_pct(0.154, "en")
    ('under 1\xa0%', '15%')
    """
    return probability_text(power, lang)


def _significant(conclusion: Conclusion) -> list:
    ev = conclusion.evidence
    return [e for e in ev.estimates if e.p_value <= ev.alpha and e.rate_ratio != 1]


def _values(conclusion: Conclusion, lang: str) -> dict:
    """The numbers the verdict and power sentences are worded with."""
    evidence = conclusion.evidence
    sig = _significant(conclusion)
    lead = sig[0] if sig else None
    counted = "_counted" if evidence.not_estimated or evidence.cannot_reach else ""
    n = len(evidence.testable)
    mde = (
        _pct_change(1 - evidence.mde_pct_district / 100, lang)
        if math.isfinite(evidence.mde_pct_district)
        else None
    )
    return dict(
        names=", ".join(estimator_name(e.key, lang) for e in sig),
        n_sig=len(sig),
        n=len(evidence.estimates),
        none_of=TEXTS.count(f"none_of{counted}", n, lang) if n else TEXTS("none_counted", lang),
        n_methods=TEXTS.count(f"n_methods{counted}", n, lang),
        change=_pct_change(lead.rate_ratio, lang) if lead else "",
        plausible=format_percent(evidence.plausible_pct, 0, lang),
        power=power_pct(evidence.power_plausible, lang)
        if math.isfinite(evidence.power_plausible)
        else "..",
        mde=mde or "",
        alpha=format_number(evidence.alpha, 2, lang),
    )


def break_position(year: int, treatment_year: int) -> str:
    """Where a series break lies next to the pilot start: ``before``, ``same`` or ``after``.

    >>> break_position(2020, 2021), break_position(2021, 2021), break_position(2022, 2021)
    ('before', 'same', 'after')
    """
    return "before" if year < treatment_year else "same" if year == treatment_year else "after"


def programme_end(end: str, approximate: bool, lang: str) -> str:
    """When the programme ended, in words (a month given only as a season: approximate).

    >>> programme_end("2023-10", True, "sv"), programme_end("2023-10", False, "en")
    ('omkring oktober 2023 (månaden är inte publicerad)', 'October 2023')
    """
    if not end:
        return TEXTS("programme_end_unknown", lang)
    month = format_month(end, lang)
    return TEXTS("programme_end_approx", lang, month=month) if approximate else month


def verdict_sentence(conclusion: Conclusion, lang: str = "sv") -> str:
    """The verdict in words: the start of the conclusion's headline, and the summary's first line.

    Parameters
    ----------
    conclusion, lang
        As in :func:`conclusion_paragraphs`, whose first paragraph starts with this sentence.

    Returns
    -------
    str

    Raises
    ------
    ParameterError
        As in :func:`conclusion_paragraphs`.

    Examples
    --------
    >>> from research.analyses.effect import Estimate, Evidence, conclude
    >>> c = conclude(Evidence(estimates=(Estimate("did", 0.95, 0.8, 1.1, 0.5),)))
    >>> verdict_sentence(c, "en")[:47]
    'The data cannot tell whether the pilot worked. '
    >>> conclusion_paragraphs(c, "sv")[0].startswith(verdict_sentence(c, "sv"))
    True
    """
    lang = check_lang(lang)
    key = f"verdict_{conclusion.verdict}"
    testable = conclusion.evidence.testable
    if not testable:  # nothing could be counted: the few comparisons, not thin data
        key = "verdict_untestable"
    elif len(testable) == 1 and conclusion.verdict.startswith("suggestive_"):
        key += "_only"  # "the only method counted", not "1 of 1 ... the others do not"
    text = TEXTS(key, lang, **_values(conclusion, lang))
    left_out = conclusion.evidence.not_estimated
    if left_out:
        names = format_list([estimator_name(k, lang) for k in left_out], lang)
        key = "verdict_not_counted_one" if len(left_out) == 1 else "verdict_not_counted"
        text += " " + TEXTS(key, lang, names=names[:1].upper() + names[1:])
    return text


def cannot_reach_sentence(conclusion: Conclusion, lang: str = "sv") -> str:
    """Which methods are not counted because their test cannot reach the level, or ``""``.

    A placebo or permutation test over few units cannot give a p-value below one over its
    assignments (:attr:`research.analyses.effect.Evidence.cannot_reach`).

    Examples
    --------
    >>> from research.analyses.effect import Estimate, Evidence, conclude
    >>> few = Estimate("synth", 1.1, math.nan, math.nan, 0.5, True, p_min=1 / 12)
    >>> cannot_reach_sentence(conclude(Evidence(estimates=(few,))), "en")[:61]
    'Synthetic control cannot give a p-value of 0.05 or lower here'
    """
    floors = conclusion.evidence.cannot_reach
    if not floors:
        return ""
    names = format_list([estimator_name(k, lang) for k, _ in floors], lang)
    return TEXTS(
        "verdict_cannot_reach_one" if len(floors) == 1 else "verdict_cannot_reach",
        lang,
        names=names[:1].upper() + names[1:],
        alpha=format_number(conclusion.evidence.alpha, 2, lang),
        p_min=format_list([p_text(p, lang) for _, p in floors], lang),
    )


def conclusion_paragraphs(conclusion: Conclusion, lang: str = "sv") -> tuple[str, ...]:
    """The conclusion's paragraphs in ``lang``: the headline first, then the caveats.

    The headline states the verdict, how many of the methods point which way
    (:func:`research.views.pilot_effect.sdid.agreement_sentence`) and, when nothing is
    significant, the minimum detectable effect; the caveats follow in a fixed order:
    the methods whose test cannot reach the level (:func:`cannot_reach_sentence`),
    exaggeration of significant estimates from an underpowered design (Gelman & Carlin 2014),
    what reported crime measures, the dilution, the series breaks inside the window, a failed
    pre-trend test, a short post period.

    Parameters
    ----------
    conclusion
        The result of :func:`research.analyses.effect.conclude`.
    lang
        ``"sv"`` or ``"en"``.

    Returns
    -------
    tuple of str
        One to seven paragraphs.

    Raises
    ------
    ParameterError
        If ``lang`` is not ``"sv"`` or ``"en"``.

    Examples
    --------
    >>> from research.analyses.effect import Estimate, Evidence, conclude
    >>> ev = Evidence(estimates=(Estimate("did", 0.95, 0.8, 1.1, 0.5),), power_plausible=0.06)
    >>> conclusion_paragraphs(conclude(ev), "en")[0].startswith("The data cannot tell")
    True
    """
    lang = check_lang(lang)
    evidence = conclusion.evidence
    alpha = evidence.alpha
    verdict = conclusion.verdict
    underpowered = conclusion.underpowered
    sig = _significant(conclusion)
    out: list[str] = []
    kw = _values(conclusion, lang)
    mde = kw["mde"] or None
    head = verdict_sentence(conclusion, lang)
    agreement = agreement_sentence(evidence, lang)
    if agreement:
        head += " " + agreement
    if verdict in ("cannot_tell", "no_effect_detected"):
        head += " " + (TEXTS("power_mde", lang, **kw) if mde else TEXTS("power_none", lang, **kw))
    out.append(head)
    floors = cannot_reach_sentence(conclusion, lang)
    if floors:
        out.append(floors)
    if sig and underpowered:
        out.append(TEXTS("concl_exaggeration", lang, **kw))
    out.append(TEXTS("concl_reporting", lang))
    if evidence.dilution is not None:
        share = evidence.dilution
        out.append(
            TEXTS(
                "concl_dilution",
                lang,
                share=format_percent(100 * share, 0, lang),
                diluted=format_percent(100 * PLAUSIBLE_DROP * share, 1, lang),
                plausible=kw["plausible"],
            )
        )
    if evidence.breaks:
        near = [b for b in evidence.breaks if abs(b[0] - evidence.treatment_year) <= 1]
        labels = "; ".join(_break_label(b, lang) for b in evidence.breaks)
        text = TEXTS("concl_breaks", lang, labels=labels)
        if near:
            year = near[-1][0]
            where = break_position(year, evidence.treatment_year)
            text += " " + TEXTS(f"concl_break_near_{where}", lang, year=year)
        out.append(text)
    if evidence.pretrend_p is not None and evidence.pretrend_p <= alpha:
        key = "concl_pretrend_model" if evidence.pretrend_model_based else "concl_pretrend"
        out.append(TEXTS(key, lang, p=p_text(evidence.pretrend_p, lang)))
    if evidence.n_post_years < 3:
        out.append(
            TEXTS(
                "concl_short" if evidence.programme_end else "concl_short_open",
                lang,
                n=evidence.n_post_years,
                end=programme_end(evidence.programme_end, evidence.programme_end_approximate, lang),
            )
        )
    return tuple(out)
