"""The findings that open the ``candidate_screening`` report ("Sammanfattning").

One sentence each, from the screening table and the sensitivity ranks the sections show,
formatted by the same methods (:meth:`CandidateScreening.formatted_rows`): the focus kommun's
rank and total score with the range of its ranks under the alternative weights, its rate
ratio to riket with the 95 % interval, the top candidates, how stable the top ten is, and the
pilot kommun left out of the ranking.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from .texts import TEXTS

__all__ = ["findings"]

_TOP_SHOWN = 3  # top candidates named in the summary


def _join(items: list[str], lang: str) -> str:
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + TEXTS("sum_and", lang) + items[-1]


def _focus(rep: Any) -> str | None:
    lang, code = rep.lang, rep.focus.code
    if code == rep.pilot.code:
        return None
    r = rep.row(code)
    f = rep.formatted_rows().filter(pl.col("area_code") == code)
    sens = rep.sensitivity.filter(pl.col("area_code") == code)
    if r["rank"] is None or f.is_empty() or sens.is_empty():
        return None
    ranks = [int(sens[n][0]) for n in rep.sensitivity_sets]
    ff = f.row(0, named=True)
    return TEXTS(
        "sum_focus",
        lang,
        name=rep.focus.label(),
        rank=r["rank"],
        n=rep.n,
        score=ff["total"],
        lo=min(ranks),
        hi=max(ranks),
        m=len(ranks),
        rr=ff["ratio"],
        interval=ff["interval"],
        mde=ff["mde"],
    )


def _top(rep: Any) -> str | None:
    lang = rep.lang
    f = rep.formatted_rows().filter(~pl.col("extra")).head(_TOP_SHOWN)
    if f.is_empty():
        return None
    names = [
        TEXTS(
            "sum_top_one",
            lang,
            name=rep.row(r["area_code"])["area_name"],
            rank=r["rank"],
            score=r["total"],
        )
        for r in f.iter_rows(named=True)
    ]
    return TEXTS("sum_top", lang, names=_join(names, lang))


def _stable(rep: Any) -> str:
    stable = rep.stable_count()
    return TEXTS(
        "sum_stable_one" if stable == 1 else "sum_stable",
        rep.lang,
        stable=stable,
        k=rep.sens_k,
        m=len(rep.sensitivity_sets),
    )


def _pilot(rep: Any) -> str:
    lang = rep.lang
    pr = rep.row(rep.pilot.code)
    if 0 < (pr["count_est_total"] or 0) < rep.min_count:
        # the tables show ".."; a sentence says why
        return TEXTS(
            "sum_pilot_small", lang, pilot=rep.pilot.label(), n=rep.n, min_count=rep.min_count
        )
    return TEXTS(
        "sum_pilot",
        lang,
        pilot=rep.pilot.label(),
        n=rep.n,
        rr=rep.number(pr["need_rate_ratio_est"]),
        interval=rep.interval_text(pr),
    )


def findings(rep: Any) -> list[str]:
    """The report's summary findings, the focus kommun first.

    Parameters
    ----------
    rep
        A :class:`research.views.candidate_screening.sections.CandidateScreening`.

    Returns
    -------
    list of str
        Three or four sentences (none about the focus kommun when it is the pilot).

    Examples
    --------
    >>> from research.views.candidate_screening.sections import candidate_screening
    >>> found = findings(candidate_screening(lang="en"))
    >>> len(found), found[0][:26]
    (4, 'Huddinge (0126) ranks 26 o')
    """
    out = [_focus(rep), _top(rep), _stable(rep), _pilot(rep)]
    return [x for x in out if x]
