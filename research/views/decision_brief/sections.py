"""Report sections for the ``decision_brief`` notebook ("Beslutsunderlag", at most two A4 pages).

The question a kommunstyrelse asks (should the kommun show interest in joining the pilot if it
expands?) answered from the same results the full reports show: the candidate's levels, ranks
and trends through :class:`research.views.pilot_vs_candidate.sections.PilotVsCandidate`, the
effect verdict of :func:`research.analyses.effect.pilot_effect_analysis` in the words of
:func:`research.views.pilot_effect.conclusion.conclusion_paragraphs`, the similarity of
:func:`research.analyses.similarity.similar_areas` and the power of
:func:`research.stats.power.can_detect`. Every word comes from
:mod:`research.views.decision_brief.texts`; every data-derived string is escaped by
:mod:`research.views.html`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from research.analyses.effect import PLAUSIBLE_DROP, EffectAnalysis
from research.analyses.effect_cache import cached_pilot_effect_analysis
from research.analyses.profile import latest_levels
from research.analyses.similarity import SimilarAreas, similar_areas
from research.core.fmt import format_month, format_number, format_percent
from research.data.pilots import case_parameter
from research.geo.area import RIKET
from research.stats.power import DetectResult, can_detect
from research.stats.rates import pooled_rate
from research.views import html
from research.views.pilot_effect.conclusion import (
    conclusion_paragraphs,
    power_pct,
    verdict_sentence,
)
from research.views.pilot_effect.numbers import p_text
from research.views.pilot_vs_candidate.sections import PilotVsCandidate, pilot_vs_candidate
from research.views.pilot_vs_candidate.summary import format_phi
from research.views.texts import borrowed_start_note

from .checks import check_parameters
from .texts import TEXTS

__all__ = ["DecisionBrief", "PilotSimilarity", "decision_brief"]

#: Kommuner that make up the candidate's comparison group in the need table.
K_SIMILAR = 10
#: Years after the start for which detectability is tabled (the last is the horizon).
YEARS_AFTER = (1, 2, 3, 5, 10)
#: Class of the element that marks a page as a decision brief (its compact print CSS).
BRIEF_CLASS = "decision-brief"
#: Years before the start in the detectability design (as in the comparison report).
PRE_YEARS = 3


@dataclass(frozen=True)
class PilotSimilarity:
    """Where the pilot area stands among the kommuner ranked by distance to the candidate.

    Attributes
    ----------
    rank, n
        The pilot's rank (1 = closest) among ``n`` kommuner.
    distance, nearest, kth
        The pilot's distance, the closest kommun's and the ``K_SIMILAR``-th closest's.
    main, share
        The variable contributing most to the pilot's distance, and its share of the squared
        distance.
    """

    rank: int
    n: int
    distance: float
    nearest: float
    kth: float
    main: str
    share: float


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


@dataclass
class DecisionBrief:
    """Everything the decision brief shows, computed once from validated parameters.

    Attributes
    ----------
    comparison
        The candidate-versus-pilot comparison (rates, intervals, trends, ranks).
    effect
        The effect analysis of the pilot area (the ``pilot_effect`` report's numbers).
    neighbours
        Every kommun ranked by distance to the candidate (``None`` when the report's
        indicators have no Kolada series to compare on).
    lang
        ``"sv"`` or ``"en"``.
    """

    comparison: PilotVsCandidate
    effect: EffectAnalysis
    neighbours: SimilarAreas | None = field(repr=False)
    lang: str
    _need: pl.DataFrame | None = field(default=None, init=False, repr=False)

    # -- helpers ----------------------------------------------------------------------------
    def _t(self, key: str, **kw: object) -> str:
        return TEXTS(key, self.lang, **kw)

    @property
    def candidate(self) -> str:
        """The candidate's name."""
        return self.comparison.candidate.name

    @property
    def pilot(self) -> str:
        """The pilot area's name."""
        return self.comparison.pilot.name

    def _num(self, x: float, d: int = 1) -> str:
        return format_number(x, d, self.lang)

    def _ind(self, indicator: str) -> str:
        return self.comparison.catalog[indicator].label(self.lang, short=True)

    def _similar_codes(self) -> list[str]:
        if self.neighbours is None:
            return []
        return self.neighbours["area_code"].head(K_SIMILAR).to_list()

    def _window(self) -> tuple[int, int]:
        return self.comparison.end_year - 2, self.comparison.end_year

    # -- numbers ----------------------------------------------------------------------------
    def need_frame(self) -> pl.DataFrame:
        """The need table as numbers: one row per indicator, latest year with data.

        Columns: ``indicator, year``; the candidate's ``rate, lower, upper``; the pooled
        ``similar_*`` and ``riket_*`` rates with intervals; ``ratio, ratio_lower,
        ratio_upper`` (candidate / riket); ``rank, n_ranked``; the candidate's trend
        ``trend, trend_lower, trend_upper`` (% per year since the 2015 break). Computed once:
        the summary and the need section show the same frame.
        """
        if self._need is None:
            self._need = self._compute_need_frame()
        return self._need

    def _compute_need_frame(self) -> pl.DataFrame:
        c = self.comparison
        cand = c.candidate.code
        lv = latest_levels(
            c.panel,
            c.indicators,
            [cand, c.pilot.code, RIKET],
            rank_area=cand,
            max_year=c.end_year,
            required=2,
        )
        rows = []
        for r in lv.iter_rows(named=True):
            ind, year = r["indicator"], r["year"]
            row: dict[str, object] = {"indicator": ind, "year": year}
            for key, found in (
                ("", c.rate_ci(ind, cand, year)),
                ("riket_", c.rate_ci(ind, RIKET, year)),
            ):
                value, ci = found if found else (None, None)
                row |= {
                    f"{key}rate": value,
                    f"{key}lower": ci.lower if ci else None,
                    f"{key}upper": ci.upper if ci else None,
                }
            row |= self._pooled_similar(ind, year)
            rr = c.rate_ratio_result(ind, year)
            row |= {
                "ratio": rr.ratio if rr else None,
                "ratio_lower": rr.lower if rr else None,
                "ratio_upper": rr.upper if rr else None,
                "rank": r["rank"],
                "n_ranked": r["n_ranked"],
            }
            tr = c.trend_result(ind, cand)  # over c.trend_years, as the comparison report
            row |= {
                "trend": tr.pct_change if tr else None,
                "trend_lower": tr.lower if tr else None,
                "trend_upper": tr.upper if tr else None,
            }
            rows.append(row)
        floats = [
            "rate", "lower", "upper", "similar_rate", "similar_lower", "similar_upper",
            "riket_rate", "riket_lower", "riket_upper", "ratio", "ratio_lower", "ratio_upper",
            "trend", "trend_lower", "trend_upper",
        ]  # fmt: skip
        schema = {"indicator": pl.Utf8, "year": pl.Int32, "rank": pl.Int32, "n_ranked": pl.Int32}
        schema |= dict.fromkeys(floats, pl.Float64)
        return pl.DataFrame(rows, schema=schema)

    def _pooled_similar(self, indicator: str, year: int | None) -> dict[str, float | None]:
        """Pooled rate of the candidate's similar kommuner in ``year`` (exact interval)."""
        parts = [
            self.comparison.counts(indicator, code, (year, year))
            for code in self._similar_codes()
            if year is not None
        ]
        d = pl.concat([p for p in parts if p.height]) if any(p.height for p in parts) else None
        if d is None:
            return dict.fromkeys(("similar_rate", "similar_lower", "similar_upper"))
        per = float(self.comparison.catalog[indicator].per or 100_000)
        ci = pooled_rate(d["count"], d["exposure"], per=per)
        return {"similar_rate": ci.rate, "similar_lower": ci.lower, "similar_upper": ci.upper}

    def baseline_count(self) -> float | None:
        """Mean yearly (estimated) count of the effect indicator in the candidate, last 3 years."""
        d = self.comparison.counts(
            self.effect.indicator, self.comparison.candidate.code, self._window()
        )
        return float(d["count"].mean()) if d.height else None

    def detectability(self, overdispersion: float = 1.0) -> list[tuple[int, DetectResult]]:
        """Power to detect a plausible drop in the candidate, per year after joining.

        The design of the comparison report's power section (Poisson difference-in-differences
        against a very large comparison group, :data:`PRE_YEARS` years before the start, the
        whole candidate kommun treated), so that its three-year answer is that report's; one
        :func:`research.stats.power.can_detect` per ``years_post`` in
        ``1 .. max(YEARS_AFTER)``. ``overdispersion`` > 1 asks the same with the variance
        inflated (the effect analysis' estimate).
        """
        base = self.baseline_count()
        if base is None or base <= 0:
            return []
        return [
            (
                k,
                can_detect(
                    PLAUSIBLE_DROP,
                    base,
                    years_pre=PRE_YEARS,
                    years_post=k,
                    overdispersion=overdispersion,
                ),
            )
            for k in range(1, max(YEARS_AFTER) + 1)
        ]

    def pilot_similarity(self) -> PilotSimilarity | None:
        """The pilot's rank and distance among the candidate's neighbours (``None``: absent)."""
        nb = self.neighbours
        if nb is None:
            return None
        hit = nb.filter(pl.col("area_code") == self.comparison.pilot.code)
        if hit.is_empty():
            return None
        contrib = {c[len("contrib_") :]: hit[c][0] for c in nb.columns if c.startswith("contrib_")}
        main = max(contrib, key=lambda v: contrib[v])
        return PilotSimilarity(
            rank=int(hit["rank"][0]),
            n=nb.height,
            distance=float(hit["distance"][0]),
            nearest=float(nb["distance"][0]),
            kth=float(nb["distance"][min(K_SIMILAR, nb.height) - 1]),
            main=main,
            share=float(contrib[main]),
        )

    # -- sections ---------------------------------------------------------------------------
    def title(self) -> html.Html:
        """The report title."""
        prog = self.effect.programme
        key = "db_title" if self.effect.programme_here else "db_title_other"
        title = html.heading(
            self._t(key, candidate=self.candidate, programme=prog.name, pilot=self.pilot), 1
        )
        # the class marks the page as a decision brief for the report page's print CSS
        return html.Html(f'<div class="{BRIEF_CLASS}">{title}</div>')

    def summary(self) -> html.Html:
        """Sammanfattning: the need, the pilot's verdict, similarity and detectability.

        Each finding is the sentence its section shows (or, for the effect, the verdict that
        opens the effect section), so the summary and the sections cannot disagree.
        """
        findings = [self._need_sentence(), verdict_sentence(self.effect.conclusion, self.lang)]
        s = self.pilot_similarity()
        if s is not None:
            findings.append(
                self._t(
                    "db_sum_similar",
                    pilot=self.pilot,
                    candidate=self.candidate,
                    rank=s.rank,
                    n=s.n,
                )
            )
        res = self.detectability()
        findings.append(self._power_sentence(res) if res else self._no_power_sentence())
        return html.summary(self._t("summary_heading"), [f for f in findings if f])

    def question(self) -> html.Html:
        """The question the brief answers, and what stands for the pilot area."""
        c, prog = self.comparison, self.effect.programme
        text = self._t(
            "db_question" if self.effect.programme_here else "db_question_other",
            candidate=self.candidate,
            programme=prog.name,
            full=prog.full_name,
            start=format_month(c.pilot_start, self.lang),
            pilot=self.pilot,
        )
        borrowed = borrowed_start_note(prog, self.effect.pilot.code, c.pilot_start, self.lang)
        if borrowed:
            text += " " + borrowed
        if self.effect.dilution is not None:
            text += " " + self._t(
                "db_standin",
                district=prog.district,
                pilot=self.pilot,
                share=format_percent(100 * self.effect.dilution, 0, self.lang),
            )
        return html.heading(self._t("db_question_heading"), 2) + html.paragraph(text)

    def need(self) -> html.Html:
        """Levels with intervals against similar kommuner and riket, rank and trend."""
        c = self.comparison
        frame = self.need_frame()
        first, last = self._window()
        k = len(self._similar_codes())

        def cell(row: dict, key: str, d: int = 1) -> html.Html | str:
            if row[f"{key}rate"] is None:
                return ".."
            return html.interval(
                self._num(row[f"{key}rate"], d),
                self._num(row[f"{key}lower"], d),
                self._num(row[f"{key}upper"], d),
                self.lang,
            )

        rows = []
        # one latest year for every indicator: said once in the header, not on every row
        years = frame["year"].unique().to_list()
        one_year = years[0] if len(years) == 1 else None
        for r in frame.iter_rows(named=True):
            label = (
                self._ind(r["indicator"])
                if one_year is not None or r["year"] is None  # no year: no figures, ".."
                else self._t(
                    "db_indicator_year", indicator=self._ind(r["indicator"]), year=r["year"]
                )
            )
            trend = (
                ".."
                if r["trend"] is None
                else html.interval(
                    self._num(r["trend"]),
                    self._num(r["trend_lower"]),
                    self._num(r["trend_upper"]),
                    self.lang,
                )
            )
            rank = (
                ".."
                if r["rank"] is None
                else self._t("db_rank_value", rank=r["rank"], n=r["n_ranked"])
            )
            row = [label, cell(r, "")]
            row += [cell(r, "similar_")] if k else []
            row += [cell(r, "riket_"), rank, trend]
            rows.append(row)
        headers = [
            self._t("db_col_indicator")
            if one_year is None
            else self._t("db_col_indicator_one_year", year=one_year),
            self.candidate,
        ]
        headers += [self._t("db_col_similar", k=k)] if k else []
        headers += [
            self._t("db_col_riket"),
            self._t("db_col_rank"),
            self._t(
                "db_col_trend",
                candidate=self.candidate,
                first=max(c.start_year, 2015),
                last=c.end_year,
            ),
        ]
        out = html.heading(self._t("db_need_heading", candidate=self.candidate), 2)
        lead = self._need_sentence()
        if lead is not None:
            out += html.paragraph(lead)
        return out + html.table(
            headers,
            rows,
            numeric=[False] + [True] * (len(headers) - 1),
            caption=self._t("db_need_caption"),
            footnotes=[
                self._t("db_need_note", k=k, candidate=self.candidate, first=first, last=last)
                if k
                else self._t("db_need_note_no_similar", candidate=self.candidate),
                *self._need_legends(rows),
                c.source_line(),
            ],
        )

    def _need_legends(self, rows: list[list[object]]) -> list[str]:
        """What ``..`` means in the need table: no trend (last column), no value (the rest)."""
        width = len(rows[0]) if rows else 0
        out = [self._t("legend_no_value")] if html.has_missing(rows, range(1, width - 1)) else []
        return out + self.comparison.no_trend_legend(rows, [width - 1])

    def _need_sentence(self) -> str | None:
        """The need in one sentence (the outcome indicator's row), or None without data."""
        lead = self.need_frame().filter(pl.col("indicator") == self.effect.indicator)
        if lead.height and lead["rate"][0] is not None and lead["ratio"][0] is not None:
            return self._need_lead(lead.row(0, named=True))
        return None

    def _need_lead(self, r: dict) -> str:
        lo, hi = r["ratio_lower"], r["ratio_upper"]
        relation = "higher" if lo > 1 else "lower" if hi < 1 else "same"
        # no reported crimes: said so, with how high the level could still be, rather than
        # "0,00 times Sweden's (0,00 to 13,16)"
        key = "db_need_lead_zero" if r["rate"] == 0 else "db_need_lead"
        return self._t(
            key,
            indicator=self.comparison.catalog[r["indicator"]].label(self.lang, short=True),
            year=r["year"],
            candidate=self.candidate,
            rate=self._num(r["rate"]),
            lower=self._num(r["lower"]),
            upper=self._num(r["upper"]),
            riket=self._num(r["riket_rate"]),
            ratio=self._num(r["ratio"], 2),
            rlower=self._num(lo, 2),
            rupper=self._num(hi, 2),
            relation=self._t(f"db_relation_{relation}"),
            rank=r["rank"] if r["rank"] is not None else "..",
            n=r["n_ranked"] if r["n_ranked"] is not None else "..",
        )

    def effect_section(self) -> html.Html:
        """The effect analysis' verdict in words, the synthetic control estimate, the caveats."""
        a = self.effect
        paras = conclusion_paragraphs(a.conclusion, self.lang)
        out = html.heading(self._t("db_effect_heading"), 2)
        out += html.paragraph(
            self._t(
                "db_effect_intro",
                indicator=_lower_first(self.comparison.catalog[a.indicator].label(self.lang)),
                pilot=a.pilot.name,
                fit_start=a.fit_start,
                last=a.end_year,
                # every method the effect report ran, those without a p-value included
                n=len(a.evidence.estimates) + len(a.evidence.not_estimated),
            )
        )
        out += html.paragraph(paras[0], cls="lead")
        # the percentage and the placebo p only where they exist (a synthetic level above
        # zero; a placebo test), never ".." in a sentence
        pct = (
            self._t("db_synth_pct", pct=format_percent(abs(a.synth.att_pct), 1, self.lang))
            if math.isfinite(a.synth.att_pct)
            else ""
        )
        p = (
            self._t("db_synth_p", p=p_text(a.synth.p_value, self.lang))
            if math.isfinite(a.synth.p_value)
            else self._t("db_synth_no_p")
        )
        out += html.paragraph(
            self._t(
                "db_synth",
                pilot=a.pilot.name,
                att=self._num(abs(a.synth.att)),
                pct=pct,
                direction=self._t("db_above" if a.synth.att > 0 else "db_below"),
                p=p,
            )
            + (
                " " + self._t("db_evaluation", evaluation=a.programme.evaluation)
                if a.programme_here
                else ""
            )
        )
        return out + html.callout(self._t("db_caveats_heading"), paras[1:], kind="warning")

    def similarity(self) -> html.Html:
        """How close the pilot area is to the candidate, among all kommuner."""
        out = html.heading(self._t("db_similar_heading", candidate=self.candidate), 2)
        s = self.pilot_similarity()
        if s is None:
            return out + html.paragraph(
                self._t("db_similar_missing", pilot=self.pilot, candidate=self.candidate)
            )
        first, last = self._window()
        cat = self.comparison.catalog
        text = self._t(
            "db_similar_rank",
            first=first,
            last=last,
            pilot=self.pilot,
            candidate=self.candidate,
            rank=s.rank,
            n=s.n,
            distance=self._num(s.distance, 2),
            k=K_SIMILAR,
            nearest=self._num(s.nearest, 2),
            kth=self._num(s.kth, 2),
            main=cat[s.main].label(self.lang, short=True) if s.main in cat else s.main,
            share=format_percent(100 * s.share, 0, self.lang),
        )
        groups = self.neighbours.official_groups if self.neighbours is not None else []
        if groups:
            count = sum(self.comparison.pilot.code in g.codes for g in groups)
            text += " " + self._t(
                "db_similar_groups" if count else "db_similar_groups_none",
                pilot=self.pilot,
                count=count,
                candidate=self.candidate,
                n=len(groups),
            )
        return out + html.paragraph(text)

    def power(self) -> html.Html:
        """Whether a plausible drop in the candidate could be detected, and after how long."""
        res = self.detectability()
        out = html.heading(self._t("db_power_heading", candidate=self.candidate), 2)
        if not res:  # no cases (or no values) to measure a drop by: said, not left out
            return out + html.paragraph(self._no_power_sentence(), cls="lead")
        first, last = self._window()
        plausible = format_percent(100 * PLAUSIBLE_DROP, 0, self.lang)
        out += html.paragraph(
            self._t(
                "db_power_intro",
                candidate=self.candidate,
                count=self._num(self.baseline_count() or 0.0),
                indicator=self._ind(self.effect.indicator).lower(),
                first=first,
                last=last,
                plausible=plausible,
                pre=PRE_YEARS,
            )
        )

        by_year = dict(res)
        out += html.table(
            [self._t("db_col_years_after"), *(str(k) for k in YEARS_AFTER)],
            [
                [self._t("db_col_mde"), *(self._mde(by_year[k]) for k in YEARS_AFTER)],
                [
                    self._t("db_col_power", plausible=plausible),
                    *(power_pct(float(by_year[k].power), self.lang) for k in YEARS_AFTER),
                ],
            ],
            numeric=[False] + [True] * len(YEARS_AFTER),
        )
        text = self._power_sentence(res)
        # the candidate's own over-dispersion, as the comparison report's power section has it
        # (the pilot's, from the effect analysis, is another kommun's)
        found = self.comparison.detect_overdispersed()
        phi = found[0] if found is not None else math.nan
        if phi > 1:
            _, d_phi = self.detectability(phi)[-1]
            trend_first, trend_last = self.comparison.trend_years
            text += " " + self._t(
                "db_power_overdispersion",
                phi=format_phi(phi, self.lang),
                candidate=self.candidate,
                first=trend_first,
                last=trend_last,
                years=res[-1][0],
                power=power_pct(float(d_phi.power), self.lang),
            )
        return out + html.paragraph(text, cls="lead")

    def _no_power_sentence(self) -> str:
        """Why no power is computed: no reported cases, or no values, in the window."""
        first, last = self._window()
        base = self.baseline_count()
        return self._t(
            "db_power_no_values" if base is None else "db_power_no_cases",
            candidate=self.candidate,
            indicator=self._ind(self.effect.indicator).lower(),
            first=first,
            last=last,
        )

    def _mde(self, d: DetectResult) -> str:
        pct = float(d.mde.mde_pct)
        return (
            format_percent(pct, 0, self.lang)
            if math.isfinite(pct)
            else self._t("db_not_detectable")
        )

    def _power_sentence(self, res: list[tuple[int, DetectResult]]) -> str:
        """When a plausible drop would be detected (or that it would not), in one sentence."""
        plausible = format_percent(100 * PLAUSIBLE_DROP, 0, self.lang)
        when = next((k for k, d in res if d.detectable), None)
        horizon, d_last = res[-1]
        if when is not None:
            return self._t(
                "db_power_when", plausible=plausible, candidate=self.candidate, years=when
            )
        never = {
            "plausible": plausible,
            "candidate": self.candidate,
            "years": horizon,
            "power": power_pct(float(d_last.power), self.lang),
        }
        if math.isfinite(float(d_last.mde.mde_pct)):
            return self._t("db_power_never", mde=self._mde(d_last), **never)
        return self._t("db_power_never_any", **never)

    def sources(self) -> html.Html:
        """Where the numbers come from; the footer lists the files and their checksums."""
        return html.heading(self._t("db_sources_heading"), 2) + html.paragraph(
            self._t(
                "db_sources" if self.effect.programme_here else "db_sources_other",
                source=self.comparison.source_line(),
                evaluation=self.effect.programme.evaluation,
            )
        )


def decision_brief(
    *,
    pilot: str = "",
    candidate: str = "",
    indicator: str = "N07402",
    indicators: Sequence[str] | None = None,
    start_year: int = 2008,
    end_year: int = 2022,
    pilot_start: str = "",
    lang: str = "sv",
) -> DecisionBrief:
    """Validate the parameters, run the comparison and the effect analysis, return the brief.

    Parameters
    ----------
    pilot
        Pilot area, code or name; empty: the case's (``data/pilots.toml``: Stockholm
        ``"0180"`` stands in for Södermalm).
    candidate
        Candidate kommun, code or name; empty: the case's candidate (Huddinge ``"0126"``).
    indicator
        Outcome of the effect analysis and of the detectability question.
    indicators
        Indicators of the need table (``None``: the default violence indicators).
    start_year, end_year
        Window of the trends and the effect analysis.
    pilot_start
        ``"YYYY-MM"``; empty: the case's.
    lang
        ``"sv"`` or ``"en"``.

    Returns
    -------
    DecisionBrief

    Raises
    ------
    ParameterError, UnknownAreaError, AreaCodeTypeError, UnknownIndicatorError
        For invalid parameters (pilot and candidate the same, a candidate that is not a
        kommun, an unknown language), with a message saying what to do.

    References
    ----------
    The numbers are those of the ``pilot_vs_candidate`` and ``pilot_effect`` reports; see
    :func:`research.analyses.effect.pilot_effect_analysis` for the estimators' papers.

    Examples
    --------
    >>> brief = decision_brief(lang="en")
    >>> str(brief.title())
    '<div class="decision-brief"><h1>Decision brief: Huddinge and the IGOR pilot</h1></div>'
    >>> brief.effect.conclusion.verdict, brief.pilot_similarity().rank
    ('cannot_tell', 89)
    """
    check_parameters(
        pilot=pilot,
        candidate=candidate,
        indicator=indicator,
        indicators=indicators,
        start_year=start_year,
        end_year=end_year,
        pilot_start=pilot_start,
        lang=lang,
    )
    pilot_start = str(case_parameter("pilot_start", pilot_start))
    comparison = pilot_vs_candidate(
        pilot=pilot,
        candidate=candidate,
        indicators=indicators,
        start_year=start_year,
        end_year=end_year,
        pilot_start=pilot_start,
        lang=lang,
    )
    # the same analysis for every candidate: computed once per kernel (batches, issue 17)
    effect = cached_pilot_effect_analysis(
        comparison.panel,
        pilot=comparison.pilot.code,
        indicator=indicator,
        pilot_start=pilot_start,
        start_year=int(start_year),
        end_year=int(end_year),
        catalog=comparison.catalog,
    )
    first = int(end_year) - 2
    kolada = [i for i in comparison.indicators if comparison.catalog[i].source.startswith("Kolada")]
    neighbours = (
        similar_areas(
            comparison.panel,
            comparison.candidate.code,
            indicators=kolada,
            covariates=("N01951",),
            year=(first, int(end_year)),
            k=None,
        )
        if kolada
        else None
    )
    return DecisionBrief(comparison=comparison, effect=effect, neighbours=neighbours, lang=lang)
