"""Sentences about statistical power: :mod:`research.stats.power` results in words.

The statistics return numbers and note codes (:class:`research.stats.power.PowerNote`); this
module turns them into Swedish or English sentences from the shared catalogue
(``research/views/texts.toml``, ids ``pw_*``).

Examples
--------
>>> from research.stats.power import can_detect
>>> d = can_detect(0.2, 15.0, years_pre=3, years_post=3)
>>> print(detect_summary(d, "en", area="Huddinge"))  # doctest: +NORMALIZE_WHITESPACE
No: a 20% drop in Huddinge within 3 years would be detected with probability 14% (the
target is 80%). The smallest drop detected with 80% power is 52%. The design: with on
average 15.0 reported crimes a year (estimated count), 3 years before and 3 after the
start, and a difference-in-differences Poisson comparison against a very large comparison
group using a two-sided exact test of the share of cases after the start (binomial test
given the total) at the 5% level.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from research.core.errors import ArgumentError
from research.core.fmt import check_lang, format_number, format_percent
from research.stats.power import DetectResult, PowerNote, PowerResult

from .texts import COMMON as TEXTS

__all__ = ["detect_summary", "mde_summary", "note_texts", "probability_text"]


def _pct(x: float, lang: str, decimals: int = 0) -> str:
    return format_percent(x, decimals, lang)


def probability_text(p: float, lang: str = "sv") -> str:
    r"""A probability (a power) in whole percent, never rounded to a certainty.

    Below 0.5 % it reads "under 1 %", above 99.5 % "över 99 %": a power of 0.998 is not
    "100 %" (which says a drop would certainly be detected), nor 0.003 "0 %".

    >>> probability_text(0.004, "sv"), probability_text(0.154, "en"), probability_text(0.998, "sv")
    ('under 1\xa0%', '15%', 'över 99\xa0%')
    """
    if p < 0.005:
        return TEXTS("pw_prob_below_1", lang)
    if p > 0.995:
        return TEXTS("pw_prob_above_99", lang)
    return format_percent(100 * p, 0, lang)


#: what the baseline counts are: research.views.*'s count kinds (pw_counts_<kind>)
COUNT_KINDS = ("estimated", "official", "mixed")


def _design(r: PowerResult, lang: str, counts: str = "estimated") -> str:
    if counts not in COUNT_KINDS:
        en, sv = TEXTS.both("pw_err_counts", counts=counts, kinds=", ".join(COUNT_KINDS))
        raise ArgumentError(en, sv=sv)
    i = r.inputs
    control = ""
    if r.estimator == "did_poisson":
        if i["n_control"] is not None:
            control = TEXTS("pw_control_units", lang, n=i["n_control"])
        elif i["control_count"] is not None:
            pool = float(np.asarray(i["control_count"], dtype=float).reshape(-1)[0])
            control = TEXTS("pw_control_pool", lang, count=format_number(pool, 0, lang))
        else:
            control = TEXTS("pw_control_large", lang)
    return TEXTS(
        "pw_design",
        lang,
        baseline=format_number(r.baseline_count, 1, lang),
        counts=TEXTS(f"pw_counts_{counts}", lang),
        years_pre=i["years_pre"],
        years_post=i["years_post"],
        estimator=TEXTS(f"pw_est_{r.estimator}", lang),
        control=control,
        test=TEXTS(f"pw_test_{r.inference}", lang),
        alpha=_pct(100 * i["alpha"], lang),
    )


def _where(area: str | None, lang: str) -> str:
    return TEXTS("pw_where", lang, area=area) if area else ""


def note_texts(notes: Sequence[PowerNote], lang: str = "sv") -> list[str]:
    """The caveats of a power result as sentences.

    Parameters
    ----------
    notes
        :attr:`research.stats.power.PowerResult.notes`.
    lang
        ``"sv"`` or ``"en"``.

    Returns
    -------
    list of str
        One sentence per note, in order.

    Raises
    ------
    ParameterError
        If ``lang`` is not supported.

    Examples
    --------
    >>> from research.stats.power import minimum_detectable_effect
    >>> note_texts(minimum_detectable_effect(50.0, overdispersion=1.5).notes, "sv")
    ['Överspridning phi = 1,50 (varians = phi × medelvärde) är antagen.']
    """
    check_lang(lang)
    out = []
    for note in notes:
        v = note.values
        if note.code == "permutation_floor":
            kw = {
                "n_control": int(v["n_control"]),
                "n_assignments": int(v["n_control"]) + 1,
                "p_min": format_number(1 / (v["n_control"] + 1), 3, lang),
                "alpha": format_number(v["alpha"], 2, lang),
                "needed": int(v["needed"]),
            }
        elif note.code == "dilution":
            kw = {"share": format_percent(100 * v["share"], 1, lang)}
        elif note.code == "its_terms_left_out":
            kw = {"n_terms": int(v["n_terms"])}
        elif note.code == "overdispersion":
            kw = {"phi": format_number(v["phi"], 2, lang)}
        elif note.code in ("permutation_size", "permutation_conservative"):
            kw = {
                "size": probability_text(float(v["size"]), lang),
                "alpha": format_percent(100 * v["alpha"], 0, lang),
            }
        elif note.code == "simulation":
            kw = {
                "n_sim": int(v["n_sim"]),
                "power": format_number(v["power"], 2, lang),
                "mc_se": format_number(v["mc_se"], 3, lang),
            }
        else:
            kw = {}
        out.append(TEXTS(f"pw_note_{note.code}", lang, **kw))
    return out


def _with_notes(text: str, notes: Sequence[PowerNote], lang: str) -> str:
    return text + "".join(" " + n for n in note_texts(notes, lang))


def mde_summary(
    r: PowerResult, lang: str = "sv", area: str | None = None, *, counts: str = "estimated"
) -> str:
    """The minimum detectable effect in one paragraph, with the design and its caveats.

    Parameters
    ----------
    r
        A :func:`research.stats.power.minimum_detectable_effect` result for one baseline count.
    lang
        ``"sv"`` or ``"en"``.
    area
        Name of the area to use in the text (default: a generic wording).
    counts
        What the baseline count is made of, as the design says it: ``"estimated"`` (rate x
        population, the Kolada snapshot's), ``"official"`` (imported counts) or ``"mixed"``.

    Returns
    -------
    str
        The smallest detectable change (or that none is), the design, then the notes.

    Raises
    ------
    ArgumentError
        If ``r`` holds many baseline counts (pass one area's result), or ``counts`` is not
        one of :data:`COUNT_KINDS`.
    ParameterError
        If ``lang`` is not supported.

    Examples
    --------
    >>> from research.stats.power import minimum_detectable_effect
    >>> print(mde_summary(minimum_detectable_effect(150.0), "en"))
    ... # doctest: +NORMALIZE_WHITESPACE
    With on average 150.0 reported crimes a year (estimated count), 3 years before and 3
    after the start, and a difference-in-differences Poisson comparison against a very
    large comparison group using a two-sided z test of the share of cases after the start
    (score test) at the 5% level, a drop of at least 18% (rate ratio 0.82) is detected with
    80% power.
    """
    check_lang(lang)
    if not isinstance(r.mde_rate_ratio, float):
        en, sv = TEXTS.both("pw_err_mde_single")
        raise ArgumentError(en, sv=sv)
    kw = {
        "design": _design(r, lang, counts),
        "word": TEXTS(f"pw_word_{r.direction}", lang),
        "where": _where(area, lang),
        "power": _pct(100 * r.inputs["power"], lang),
    }
    if not r.detectable:
        return _with_notes(TEXTS("pw_mde_none", lang, **kw), r.notes, lang)
    text = TEXTS(
        "pw_mde",
        lang,
        mde=_pct(r.mde_pct, lang),
        rate_ratio=format_number(r.mde_rate_ratio, 2, lang),
        **kw,
    )
    return _with_notes(text, r.notes, lang)


def detect_summary(
    d: DetectResult, lang: str = "sv", area: str | None = None, *, counts: str = "estimated"
) -> str:
    r"""Whether a given change would be detected: a yes/no answer with the numbers.

    Parameters
    ----------
    d
        A :func:`research.stats.power.can_detect` result for one baseline count.
    lang, area, counts
        As for :func:`mde_summary` (``area``: the pilot area).

    Returns
    -------
    str
        "Yes" or "No" with the power reached, the smallest change detected, the design and the
        notes.

    Raises
    ------
    ArgumentError, ParameterError
        As :func:`mde_summary`: for a result of many baseline counts, an unknown ``lang``.

    Examples
    --------
    >>> from research.stats.power import can_detect
    >>> detect_summary(can_detect(0.2, 2000.0), "sv")[:40]
    'Ja: en minskning med 20\xa0% under 3\xa0år sku'
    >>> detect_summary(can_detect(0.2, 0.0), "en", area="Bjurholm")[:60]
    'No: with no reported offences in Bjurholm in the years befor'
    """
    check_lang(lang)
    if not isinstance(d.power, float):
        en, sv = TEXTS.both("pw_err_detect_single")
        raise ArgumentError(en, sv=sv)
    r = d.mde
    word = TEXTS(f"pw_word_{r.direction}", lang)
    if r.baseline_count == 0:  # no offences to count: the power is undefined (nan), not a number
        return TEXTS("pw_detect_no_counts", lang, word=word, where=_where(area, lang))
    target = _pct(100 * d.target_power, lang)
    text = TEXTS(
        "pw_detect",
        lang,
        answer=TEXTS("pw_yes" if d.detectable else "pw_no", lang),
        word=word,
        size=_pct(100 * abs(1 - d.effect_rate_ratio), lang),
        where=_where(area, lang),
        years_post=r.inputs["years_post"],
        power=probability_text(float(d.power), lang),
        target=target,
    )
    if r.detectable:
        text += " " + TEXTS(
            "pw_detect_smallest", lang, word=word, target=target, mde=_pct(r.mde_pct, lang)
        )
    else:
        text += " " + TEXTS("pw_detect_none", lang, word=word, target=target)
    # the design after the answer: a sentence of its own ("Upplägget: med i genomsnitt ...");
    # the bare phrase read as a sentence without a verb
    design = _design(r, lang, counts)
    text += " " + TEXTS("pw_design_basis", lang, design=design[:1].lower() + design[1:])
    return _with_notes(text, r.notes, lang)
