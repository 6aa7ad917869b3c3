"""The data-coverage paragraph of every report's footer and of ``pilotbench data info``.

:func:`research.data.coverage.coverage` returns the numbers; this module words them from the
shared catalogue (``research/views/texts.toml``, ids ``cov_*``).
"""

from __future__ import annotations

from research.core.fmt import check_lang
from research.data.coverage import BRA_EXPORT_DOC, Coverage

from .texts import COMMON as TEXTS

__all__ = ["coverage_text"]

_LEVEL_ORDER = ("riket", "lan", "kommun", "district")


def coverage_text(c: Coverage, lang: str = "sv") -> str:
    """One paragraph: coverage per level, the age of the newest figure, what is missing.

    Parameters
    ----------
    c
        A :func:`research.data.coverage.coverage` result.
    lang
        ``"sv"`` or ``"en"``.

    Returns
    -------
    str
        "Data coverage: ..." followed by the age of the newest figure and the years missing.

    Raises
    ------
    ParameterError
        For a ``lang`` other than ``"sv"`` and ``"en"``.

    Examples
    --------
    >>> import datetime as dt
    >>> c = Coverage({"kommun": (1994, 2022, 290)}, 2022, dt.date(2026, 11, 30))
    >>> print(coverage_text(c, "en"))  # doctest: +NORMALIZE_WHITESPACE
    Data coverage: kommuner 1994–2022 (290 areas), districts: none. The newest figure is
    for 2022, 47 months before 2026-11-30. Final annual figures for 2023–2025 have been
    published since (Brå, each March) but are not in the data: see docs/bra_export.md.
    """
    check_lang(lang)
    parts = [
        TEXTS(
            "cov_level_span_one" if n == 1 else "cov_level_span",
            lang,
            level=TEXTS(f"cov_level_{lv}", lang),
            first=first,
            last=last,
            n=n,
        )
        for lv in _LEVEL_ORDER
        if lv in c.levels
        for first, last, n in [c.levels[lv]]
    ]
    if "district" not in c.levels:
        parts.append(TEXTS("cov_no_districts", lang))
    out = TEXTS(
        "cov_text",
        lang,
        levels=", ".join(parts),
        newest=c.newest_year,
        age=c.age_months,
        as_of=c.as_of.isoformat(),
    )
    miss = c.missing_years
    if miss:
        span = str(miss[0]) if len(miss) == 1 else f"{miss[0]}\u2013{miss[-1]}"  # en dash
        out += " " + TEXTS("cov_missing", lang, span=span, doc=BRA_EXPORT_DOC)
    return out
