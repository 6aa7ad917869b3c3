"""The findings that open the ``candidate_screening`` report ("Sammanfattning").

One sentence each, from the screening table and the sensitivity ranks the sections show,
formatted by the same methods (:meth:`CandidateScreening.formatted_rows`): a series break
inside the pooling window (first, when there is one), the focus kommun's rank and total score
with the range of its ranks under the alternative weights, its rate ratio to riket with the
95 % interval (and, when some kommuner were scored 0 for a missing component, how many and
its rank among the others), the top candidates (of the län or group the table shows, with
their national ranks), how stable the top ten is, and the pilot kommun left out of the
ranking. A zero count is worded as no reported crimes, a suppressed one is not given.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from research.core import fmt

from .texts import TEXTS

__all__ = ["findings"]

_TOP_SHOWN = 3  # top candidates named in the summary


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
    lo, hi = min(ranks), max(ranks)
    ff = f.row(0, named=True)
    text = TEXTS(
        "sum_focus",
        lang,
        name=rep.focus.label(),
        rank=r["rank"],
        n=rep.n,
        score=ff["total"],
        ranks=fmt.format_int(lo, lang)
        if lo == hi
        else fmt.format_range(fmt.format_int(lo, lang), fmt.format_int(hi, lang), lang),
        m=len(ranks),
        evidence=rep.summary_evidence(r),
    )
    incomplete = rep.incomplete_text()
    return f"{text} {incomplete}" if incomplete else text


def _top(rep: Any) -> str | None:
    lang = rep.lang
    f = rep.formatted_rows().filter(~pl.col("extra")).head(_TOP_SHOWN)
    shown = rep._shown_label()
    if shown is not None and rep.candidates_shown().is_empty():
        return TEXTS("sum_top_in_none", lang, shown=shown, pilot=rep.pilot.label())
    if f.is_empty():
        return None
    rows = list(f.iter_rows(named=True))

    def one(r: dict, national: bool) -> str:
        return TEXTS(
            "sum_top_one_national" if national else "sum_top_one",
            lang,
            name=rep.row(r["area_code"])["area_name"],
            rank=r["rank"],
            score=r["total"],
            n=rep.n,
        )

    if shown is None:
        names = fmt.format_list([one(r, False) for r in rows], lang)
        return TEXTS("sum_top" if len(rows) > 1 else "sum_top_single", lang, names=names)
    # a län or group: the order within it, the first with its rank among all kommuner
    m = rep.candidates_shown().height
    if m == 1:
        r = rows[0]
        return TEXTS(
            "sum_top_in_one",
            lang,
            name=rep.row(r["area_code"])["area_name"],
            shown=shown,
            rank=r["rank"],
            n=rep.n,
            score=r["total"],
        )
    names = fmt.format_list([one(r, i == 0) for i, r in enumerate(rows)], lang)
    key = "sum_top_in_all" if len(rows) == m else "sum_top_in"
    key = "sum_top_in_single" if len(rows) == 1 else key
    return TEXTS(key, lang, m=m, shown=shown, names=names)


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
    state = rep.count_state(pr)
    kw = {"pilot": rep.pilot.label(), "n": rep.n}
    if state == "small":
        # the tables show ".."; a sentence says why
        return TEXTS("sum_pilot_small", lang, min_count=rep.min_count, **kw)
    if state == "missing":
        return TEXTS("sum_pilot_missing", lang, years=rep.years_text(), **kw)
    return TEXTS("sum_pilot", lang, ratio=rep.ratio_phrase(pr, "sum_its"), **kw)


def findings(rep: Any) -> list[str]:
    """The report's summary findings, the focus kommun first.

    Parameters
    ----------
    rep
        A :class:`research.views.candidate_screening.sections.CandidateScreening`.

    Returns
    -------
    list of str
        Three to five findings: a series break inside the window first when there is one,
        then the focus kommun (none when it is the pilot), the top candidates, the stability
        of the top ten and the pilot.

    Examples
    --------
    >>> from research.views.candidate_screening.sections import candidate_screening
    >>> found = findings(candidate_screening(lang="en"))
    >>> len(found), found[0][:26]
    (4, 'Huddinge (0126) ranks 26 o')
    """
    out = [rep.break_caveat(), _focus(rep), _top(rep), _stable(rep), _pilot(rep)]
    return [x for x in out if x]
