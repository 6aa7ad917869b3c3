"""How the pilot_effect report writes its statistics: p-values, rate ratios and intervals.

One formatting for the sections, the summary and the conclusion
(:mod:`research.views.pilot_effect.sections`, :mod:`.summary`, :mod:`.conclusion`).
"""

from __future__ import annotations

import math

from research.core.fmt import format_number, format_range

from .texts import TEXTS

__all__ = ["interval_text", "is_missing", "p_text", "rr_text"]


def p_text(p: float | None, lang: str) -> str:
    r"""A p-value with three decimals, two significant digits below 0.001 (``..``: missing).

    A small p-value is not rounded to ``0,000`` (which reads as impossible); below 10^-6 it
    is written in powers of ten, so that "p = {p}" still reads as an equation.

    >>> p_text(0.0323, "sv"), p_text(None, "en"), p_text(0.000314, "sv")
    ('0,032', '..', '0,00031')
    >>> p_text(2.71e-23, "sv"), p_text(4e-9, "en")
    ('2,7\xa0×\xa010⁻²³', '4.0\xa0×\xa010⁻⁹')
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ".."
    if p >= 0.0005:
        return format_number(p, 3, lang)
    if p >= 1e-6:
        return format_number(p, 1 - math.floor(math.log10(p)), lang)
    if p <= 0:
        return "0"
    exponent = math.floor(math.log10(p))
    mantissa = p / 10**exponent
    if round(mantissa, 1) >= 10:  # 9.96e-8 rounds to 10.0: one power up
        mantissa, exponent = mantissa / 10, exponent + 1
    power = str(exponent).translate(_SUPERSCRIPT)
    return f"{format_number(mantissa, 1, lang)}\u00a0×\u00a010{power}"


#: Digits and the minus sign as superscripts, for powers of ten.
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def is_missing(x: float | None) -> bool:
    """Whether ``x`` is no number (``None`` or NaN).

    >>> is_missing(None), is_missing(float("nan")), is_missing(0.0)
    (True, True, False)
    """
    return x is None or (isinstance(x, float) and math.isnan(x))


def rr_text(x: float | None, lang: str) -> str:
    """A rate ratio with two decimals (``∞`` and ``0`` for unbounded interval ends).

    A rate ratio cannot be negative, so 0 and below are the unbounded lower end ``0``.

    >>> rr_text(0.8123, "sv"), rr_text(math.inf, "en"), rr_text(0.0, "sv"), rr_text(0.00393, "sv")
    ('0,81', '∞', '0', '0,0039')
    """
    if x is None or math.isnan(x):
        return ".."
    if math.isinf(x) and x > 0:
        return "∞"
    if x <= 0:
        return "0"
    if x < 0.01:  # two significant digits: an interval from 0,0039 is not one from 0,00
        return format_number(x, 1 - math.floor(math.log10(x)), lang)
    return format_number(x, 2, lang)


def interval_text(lo: float | None, hi: float | None, lang: str) -> str:
    """An interval of rate ratios: ``..`` when it was not estimated, a word when unbounded.

    An interval from 0 to infinity (a randomization test inverted with too few assignments
    to reject any ratio) excludes nothing, so it is said in words, not as ``0–∞``.

    >>> interval_text(0.5, 1.25, "sv"), interval_text(0.0, math.inf, "sv")
    ('0,50–1,25', 'obegränsat')
    >>> interval_text(math.nan, math.nan, "en"), interval_text(0.4, math.inf, "en")
    ('..', '0.40–∞')
    """
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
        return ".."
    if lo <= 0 and math.isinf(hi) and hi > 0:
        return TEXTS("interval_unbounded", lang)
    return format_range(rr_text(lo, lang), rr_text(hi, lang), lang)
