"""Estimator names and the methods' agreement, in words.

The messages are in the report's catalogue (:mod:`research.views.pilot_effect.texts`).
:func:`estimator_name` names an estimator, and :func:`agreement_sentence` states how many of
the methods point which way, counted from the estimates (never typed).
"""

from __future__ import annotations

from research.analyses.effect import Evidence
from research.core.fmt import check_lang

from .texts import TEXTS

__all__ = ["agreement_sentence", "estimator_name"]


def estimator_name(key: str, lang: str = "sv") -> str:
    """Name of the estimator ``key`` (``"synth"``, ``"sdid"``, ``"did"``, ...) in ``lang``.

    Examples
    --------
    >>> estimator_name("sdid", "sv"), estimator_name("did", "en")
    ('syntetisk skillnad-i-skillnader', 'difference-in-differences')
    """
    return TEXTS(f"est_{key}", lang)


def agreement_sentence(evidence: Evidence, lang: str = "sv") -> str:
    """One sentence on the direction of every estimate: all lower, all higher, or how many each.

    The counts and names come from ``evidence.estimates`` (the sign of ``log(rate_ratio)``);
    significance is the verdict's business, not this sentence's. Estimates of exactly no
    change count in neither direction; the sentence is empty when none has a direction.

    Parameters
    ----------
    evidence
        The estimates weighed by :func:`research.analyses.effect.conclude`.
    lang
        ``"sv"`` or ``"en"``.

    Returns
    -------
    str

    Examples
    --------
    >>> from research.analyses.effect import Estimate, Evidence
    >>> ev = Evidence(estimates=(Estimate("synth", 0.9, 0.0, 0.0, 0.3),
    ...                          Estimate("sdid", 0.95, 0.8, 1.1, 0.5),
    ...                          Estimate("did", 1.05, 0.9, 1.2, 0.6)))
    >>> agreement_sentence(ev, "en")  # doctest: +NORMALIZE_WHITESPACE
    'The methods disagree on the direction: 2 of 3 estimate a lower reported level than the
    comparison (synthetic control, synthetic difference-in-differences), 1 a higher one
    (difference-in-differences).'
    """
    lang = check_lang(lang)
    down = [estimator_name(e.key, lang) for e in evidence.estimates if e.rate_ratio < 1]
    up = [estimator_name(e.key, lang) for e in evidence.estimates if e.rate_ratio > 1]
    n = len(evidence.estimates)
    if not down and not up:
        return ""
    # "all n methods", "both methods" for two, "the one method" for one
    size = {1: "_one", 2: "_two"}.get(n, "")
    if down and not up and len(down) == n:
        return TEXTS(f"agreement_down{size}", lang, n=n, down=", ".join(down))
    if up and not down and len(up) == n:
        return TEXTS(f"agreement_up{size}", lang, n=n, up=", ".join(up))
    return TEXTS(
        "agreement_mixed",
        lang,
        n=n,
        n_down=len(down),
        n_up=len(up),
        down=", ".join(down) or "–",
        up=", ".join(up) or "–",
    )
