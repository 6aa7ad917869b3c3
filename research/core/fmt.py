r"""Number and text formatting for reports, Swedish by default.

Swedish: decimal comma, non-breaking space (U+00A0) between thousands groups, a non-breaking
space before ``%``; years are never grouped. English: decimal point, comma thousands. Missing
values print as ``..``, the Swedish official symbol for "not available".

Formatting uses Babel's CLDR data rather than hand-written rules.

Examples
--------
>>> format_number(1234.56, 1)
'1\xa0234,6'
>>> format_number(1234.56, 1, lang="en")
'1,234.6'
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Sequence

from babel.dates import format_date
from babel.lists import format_list as _babel_list
from babel.numbers import format_decimal

from .errors import ParameterError, core_wording
from .language import LANGS

__all__ = [
    "LANGS",
    "MINUS",
    "MISSING",
    "NBSP",
    "check_lang",
    "format_count",
    "format_int",
    "format_interval",
    "format_list",
    "format_month",
    "format_number",
    "format_percent",
    "format_range",
    "format_year",
    "split_range",
]

MISSING = ".."
NBSP = "\u00a0"
MINUS = "\u2212"
_LOCALES = {"sv": "sv_SE", "en": "en_GB"}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported report language, else raise ParameterError."""
    if lang not in LANGS:
        en, sv = (
            core_wording("fmt.toml", "lang_unknown", m, langs=", ".join(LANGS), lang=lang)
            for m in ("en", "sv")
        )
        raise ParameterError(en, sv=sv)
    return lang


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def format_number(x: float | int | None, decimals: int = 1, lang: str = "sv") -> str:
    """Format a number with ``decimals`` decimals in the report language (``..`` if missing)."""
    if _missing(x):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    out = format_decimal(x, format=pattern, locale=_LOCALES[check_lang(lang)])
    # CLDR may use a narrow no-break space for some locales; reports use U+00A0 throughout.
    out = out.replace("\u202f", NBSP)
    # Never "-0,0"; otherwise the minus sign U+2212, as in intervals (Babel's CLDR data gives
    # U+2212 or a hyphen-minus depending on its version and locale).
    if out.lstrip("\u2212-") == format_decimal(0, format=pattern, locale=_LOCALES[lang]):
        return out.lstrip("\u2212-")
    return MINUS + out[1:] if out.startswith("-") else out


def format_int(x: float | int | None, lang: str = "sv") -> str:
    """Format an integer with thousands grouping (``..`` if missing)."""
    return format_number(x, 0, lang)


def format_count(x: float | int | None, lang: str = "sv", *, min_count: int = 0) -> str:
    """Format a count; counts below ``min_count`` show ``..`` (small-count disclosure control)."""
    if _missing(x):
        return MISSING
    if min_count and x < min_count:
        return MISSING
    return format_int(x, lang)


def format_percent(x: float | None, decimals: int = 1, lang: str = "sv") -> str:
    """Format a percentage given in percent units: ``12.3`` -> ``'12,3 %'`` (sv)."""
    if _missing(x):
        return MISSING
    sep = NBSP if lang == "sv" else ""
    return f"{format_number(x, decimals, lang)}{sep}%"


def format_list(items: Sequence[str], lang: str = "sv", style: str = "standard") -> str:
    """Join words into a list as the language writes one (Babel's CLDR list patterns).

    Parameters
    ----------
    items
        The words, in order; none gives ``""``.
    lang
        ``"sv"`` or ``"en"`` (British English: no comma before "and").
    style
        ``"standard"`` (and) or ``"or"`` (Babel's list styles).

    Raises
    ------
    ParameterError
        If ``lang`` is not a supported language.

    Examples
    --------
    >>> format_list(["a", "b", "c"]), format_list(["a", "b", "c"], "en")
    ('a, b och c', 'a, b and c')
    >>> format_list(["2019"], "sv"), format_list([], "en"), format_list(["x", "y"], "sv", "or")
    ('2019', '', 'x eller y')
    """
    check_lang(lang)
    return _babel_list(list(items), style=style, locale=_LOCALES[lang]) if items else ""


def format_range(lower: str, upper: str, lang: str = "sv") -> str:
    """Join two formatted bounds into an interval a reader cannot misread.

    Non-negative bounds are joined by an en dash (``4,8–17,2``). When a bound is negative,
    a dash would read as a minus (``-11,4–-0,9``), so the bounds get the minus sign U+2212
    and are joined by a word: ``−11,4 till −0,9`` (sv), ``−11.4 to −0.9`` (en).

    Examples
    --------
    >>> format_range("4,8", "17,2", "sv"), format_range("-11,4", "-0,9", "sv")
    ('4,8–17,2', '−11,4 till −0,9')
    >>> format_range("-9.6", "0.5", "en")
    '−9.6 to 0.5'
    """
    check_lang(lang)
    if not any(b.startswith(("-", MINUS)) for b in (lower, upper)):
        return f"{lower}–{upper}"
    lo, hi = (MINUS + b[1:] if b.startswith("-") else b for b in (lower, upper))
    return core_wording("fmt.toml", "range_words", lang, lower=lo, upper=hi)


def split_range(text: str, lang: str = "sv") -> tuple[str, str] | None:
    """The two bounds of an interval :func:`format_range` wrote, or ``None`` for other text.

    Examples
    --------
    >>> split_range("4,8–17,2", "sv"), split_range("−11,4 till −0,9", "sv")
    (('4,8', '17,2'), ('−11,4', '−0,9'))
    >>> split_range("−9.6 to 0.5", "en"), split_range("129 av 290", "sv")
    (('−9.6', '0.5'), None)
    """
    check_lang(lang)
    words = core_wording("fmt.toml", "range_words", lang, lower="\0", upper="\1")
    head, rest = words.split("\0", 1)
    middle, tail = rest.split("\1", 1)
    for pattern in (r"(.+?)–(.+)", re.escape(head) + "(.+?)" + re.escape(middle) + "(.+)"
                    + re.escape(tail)):  # fmt: skip
        m = re.fullmatch(pattern, text)
        if m is not None:
            return m.group(1), m.group(2)
    return None


def format_interval(
    lower: float | None, upper: float | None, decimals: int = 1, lang: str = "sv"
) -> str:
    """Format an interval of numbers with :func:`format_range` (``..`` for a missing bound).

    Examples
    --------
    >>> format_interval(-11.44, -0.91, 1, "sv"), format_interval(0.8, 1.1, 2, "en")
    ('−11,4 till −0,9', '0.80–1.10')
    """
    return format_range(
        format_number(lower, decimals, lang), format_number(upper, decimals, lang), lang
    )


def format_year(year: int | None) -> str:
    """Format a year: never grouped (``2022``, not ``2 022``)."""
    return MISSING if year is None else str(int(year))


def format_month(period: str, lang: str = "sv") -> str:
    """Format ``"YYYY-MM"`` as a month: ``'april 2021'`` (sv) or ``'April 2021'`` (en).

    Two digits for the month: ``"2021-4"`` is refused (it named the same month as
    ``"2021-04"`` but gave the report another folder and header).

    >>> format_month("2021-04", "sv"), format_month("2023-10", "en")
    ('april 2021', 'October 2023')
    """
    text = str(period)
    try:
        if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit():
            raise ValueError(text)
        d = _dt.date(int(text[:4]), int(text[5:]), 1)
    except ValueError as exc:
        en, sv = (
            core_wording("fmt.toml", "month_expected", m, period=period) for m in ("en", "sv")
        )
        raise ParameterError(en, sv=sv) from exc
    return format_date(d, "LLLL y", locale=_LOCALES[check_lang(lang)])
