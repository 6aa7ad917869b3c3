"""Report sections for the ``pilot_vs_candidate`` notebook.

Each method returns an :class:`research.views.html.Html` fragment that the notebook displays. All
numbers come from :mod:`research.data.panel`, :mod:`research.analyses.profile` and the statistics
modules; all wording from :mod:`research.views.pilot_vs_candidate.texts`; every data-derived string
is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from research.analyses.assumptions import PLAUSIBLE_DROP
from research.analyses.profile import latest_levels
from research.analyses.similarity import similar_areas
from research.core import offload
from research.core.errors import DesignError
from research.core.fmt import (
    format_int,
    format_list,
    format_month,
    format_number,
    format_percent,
    format_range,
)
from research.core.warnings import NotConvergedWarning, warning_texts
from research.data.catalog import Catalog, load_catalog
from research.data.panel import load_panel, population_by
from research.data.pilots import Pilot, case, dilution_share
from research.geo.area import RIKET, Area
from research.geo.registry import load_areas
from research.stats.funnel import funnel as compare_funnel
from research.stats.power import can_detect, minimum_detectable_effect
from research.stats.rates import (
    DEFAULT_MIN_COUNT,
    RateCI,
    RateRatio,
    TrendResult,
    poisson_rate_ci,
    poisson_trend,
    rate_ratio,
)
from research.views import html
from research.views.availability import indicators_with_data
from research.views.charts import PeriodMarks, figure_html, funnel_chart, trend_chart
from research.views.power_text import detect_summary, mde_summary, probability_text
from research.views.texts import borrowed_start_note

from .checks import MIN_TREND_YEARS, TREND_FROM, check_district_data, check_parameters
from .summary import findings, format_phi
from .texts import TEXTS

__all__ = ["GLOSSARY", "NO_TREND_REASONS", "PilotVsCandidate", "pilot_vs_candidate"]

#: The terms of the report's glossary, in the order shown (``term_<key>``/``def_<key>`` in
#: the catalogue, :func:`research.views.html.glossary_body`): the statistics a reader meets
#: in the sections above it. A term whose section is not shown is left out
#: (:meth:`PilotVsCandidate.glossary_terms`).
GLOSSARY = (
    "rate",
    "estimated_count",
    "interval",
    "exact",
    "rate_ratio",
    "poisson",
    "overdispersion",
    "funnel",
    "distance",
    "log_scale",
    "did",
    "test_level",
    "power",
    "dilution",
    "series_break",
)

#: The section a term of :data:`GLOSSARY` appears in, for the terms not every comparison
#: report uses: an anchor of :meth:`PilotVsCandidate.section_entries`, or ``"standin"``,
#: the introduction's note that a kommun stands in for the pilot district.
_TERM_SECTION = {
    "funnel": "funnel",
    "distance": "similar",
    "log_scale": "similar",
    "did": "power",
    "test_level": "power",
    "power": "power",
    "dilution": "standin",
}

#: Why the trend section shows ".." for an area, in the order its legend states them
#: (:meth:`PilotVsCandidate.trend_gap`; the wording is ``no_trend_<reason>``):
#: ``years`` fewer than :data:`MIN_TREND_YEARS` years with counts in the window; ``breaks``
#: too few years left for the level shifts at the series breaks; ``few`` fewer than
#: :data:`research.stats.rates.DEFAULT_MIN_COUNT` crimes a year on average (the yearly rates
#: a trend would rest on are those small-count suppression hides); ``unbounded`` the fit has
#: no finite estimate or interval (its own evidence: no finite maximum, a separated zero
#: count, an exact fit, or a lower limit of -100 % a year at the precision shown).
NO_TREND_REASONS = ("years", "breaks", "few", "unbounded")


@dataclass
class PilotVsCandidate:
    """Everything the ``pilot_vs_candidate`` report shows, computed from validated inputs."""

    pilot: Area
    candidate: Area
    indicators: list[str]
    start_year: int
    end_year: int
    pilot_start: str
    lang: str
    panel: pl.DataFrame = field(repr=False)
    catalog: Catalog = field(repr=False)
    programme: Pilot = field(default_factory=lambda: case().pilot)
    #: Default indicators left out because an area has no figures of them:
    #: ``(indicator, codes of the areas without figures)`` (:func:`pilot_vs_candidate`).
    left_out: tuple[tuple[str, tuple[str, ...]], ...] = ()
    _memo: dict = field(default_factory=dict, init=False, repr=False)
    _prefetch: offload.Prefetch | None = field(default=None, init=False, repr=False)

    @property
    def areas(self) -> list[Area]:
        """Candidate, pilot, riket: the order of every table and chart."""
        return [self.candidate, self.pilot, load_areas().get(RIKET)]

    def name(self, area: Area) -> str:
        """Display name of an area in the report language."""
        return TEXTS("riket", self.lang) if area.level == "riket" else area.name

    def source_line(self) -> str:
        """The attribution line under charts and tables."""
        sources = {self.catalog[i].source for i in self.indicators}
        parts = []
        if any(s.startswith("Kolada") for s in sources):
            parts.append(TEXTS("source_part_kolada", self.lang))
        if any(s.startswith("Brå") for s in sources):
            parts.append(TEXTS("source_part_bra_import", self.lang))
        return TEXTS("source_line", self.lang, source="; ".join(parts))

    def _once(self, key: object, compute: Any) -> Any:
        """The value of ``compute()`` computed once: the summary and the sections share it."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def _rows(self, indicator: str, codes: Sequence[str]) -> pl.DataFrame:
        """A frame holding every panel row of ``indicator`` for ``codes``, for filtering on.

        The panel's rows of the report's indicators and areas, cut from the whole panel once
        (the sections filtered the whole panel 90 times per report, now 18; issue 17), or the
        whole panel for any other indicator or area. Filtering it gives the rows filtering
        the panel gives, in order.
        """
        own = [a.code for a in self.areas]
        if indicator not in self.indicators or not set(codes) <= set(own):
            return self.panel
        return self._once(
            "own_rows",
            lambda: self.panel.filter(
                pl.col("indicator").is_in(self.indicators) & pl.col("area_code").is_in(own)
            ),
        )

    def section_entries(self) -> list[tuple[str, str]]:
        """``(anchor, heading)`` of each section the notebook renders after the summary.

        The sections take their headings from here, so the table of contents lists exactly
        the headings a reader finds below it.
        """
        entries = [
            ("latest", TEXTS("latest_heading", self.lang)),
            ("trends", TEXTS("trends_heading", self.lang)),
            ("trend", TEXTS("trend_heading", self.lang)),
        ]
        if self.funnel_result() is not None:
            entries.append(("funnel", TEXTS("funnel_heading", self.lang)))
        if self.similar_frame() is not None:
            entries.append(
                ("similar", TEXTS("similar_heading", self.lang, area=self.candidate.name))
            )
        if self.detect_result() is not None:
            entries.append(("power", TEXTS("power_heading", self.lang)))
        entries.append(("breaks", TEXTS("breaks_heading", self.lang)))
        entries.append(("glossary", TEXTS("glossary_heading", self.lang)))
        return entries

    def _h2(self, anchor: str) -> html.Html:
        text = dict(self.section_entries())[anchor]
        return html.heading(text, 2, anchor)

    # -- sections ---------------------------------------------------------------------------
    def title(self) -> html.Html:
        """The report title."""
        return html.heading(TEXTS("title_pvc", self.lang, candidate=self.candidate.name), 1)

    def summary(self) -> html.Html:
        """The "Sammanfattning" (findings of the sections below), then a table of contents."""
        return html.opening(findings(self), self.section_entries(), self.lang)

    def left_out_notes(self) -> list[str]:
        """One sentence per thing the report leaves out, saying why.

        The default indicators an area has no figures of (:attr:`left_out`), then each
        section the report's data cannot support (the funnel plot and the detectability
        section need counts of the first indicator, the similar kommuner a Kolada
        indicator): a reader finds the reason where the report begins, not a section that
        is silently missing.
        """
        lang = self.lang
        groups: dict[tuple[str, ...], list[str]] = {}
        for ind, codes in self.left_out:
            groups.setdefault(codes, []).append(self.catalog[ind].label(lang, short=True))
        # labels hold commas ("Misshandel av kvinna, inomhus, bekant"): listed with "; "
        kept = "; ".join(self.catalog[i].label(lang, short=True) for i in self.indicators)
        out = []
        for codes, labels in groups.items():
            if len(codes) > 1:
                who = TEXTS(
                    "left_out_both", lang, pilot=self.pilot.name, candidate=self.candidate.name
                )
            elif codes[0] == self.pilot.code:
                who = TEXTS("left_out_pilot", lang, pilot=self.pilot.name)
            else:
                who = self.candidate.name
            out.append(
                TEXTS(
                    "left_out_indicators" if len(labels) > 1 else "left_out_indicator",
                    lang,
                    n=len(labels),
                    indicators="; ".join(labels),
                    who=who,
                    kept=kept,
                )
            )
        first = self.catalog[self.indicators[0]].label(lang, short=True)
        if self.funnel_result() is None:
            out.append(TEXTS("omitted_funnel", lang, indicator=first, last=self.end_year))
        if self.similar_frame() is None:
            out.append(TEXTS("omitted_similar", lang))
        if self.detect_result() is None:
            out.append(
                TEXTS(
                    "omitted_power",
                    lang,
                    indicator=first,
                    candidate=self.candidate.name,
                    first=self.end_year - 2,
                    last=self.end_year,
                )
            )
        return out

    def intro(self) -> html.Html:
        """What the report compares, what it leaves out and why, and the stand-in caveat."""
        borrowed = borrowed_start_note(self.programme, self.pilot.code, self.pilot_start, self.lang)
        intro = TEXTS(
            "intro_pvc"
            if self.programme.describes(self.pilot.code, self.pilot_start)
            else "intro_pvc_other",
            self.lang,
            candidate=self.candidate.name,
            pilot=self.pilot.name,
            programme=self.programme.name,
            full=self.programme.full_name,
            start=format_month(self.pilot_start, self.lang),
        )
        out = html.paragraph(" ".join(filter(None, [intro, borrowed])))
        left_out = self.left_out_notes()
        if left_out:
            out = out + html.callout(TEXTS("left_out_heading", self.lang), left_out)
        if self.pilot.level == "district":
            return out + html.paragraph(TEXTS("district_pilot", self.lang, pilot=self.pilot.name))
        found = self.district_share()
        if found is not None:
            share, kpop, kyear = found
            text = TEXTS(
                "standin",
                self.lang,
                district=self.programme.district,
                pilot=self.pilot.name,
                dpop=format_int(self.programme.district_population, self.lang),
                dyear=self.programme.district_population_year,
                share=format_percent(100 * share, 0, self.lang),
                kpop=format_int(kpop, self.lang),
                kyear=kyear,
                diluted=format_percent(20 * share, 1, self.lang),
            )
            out = out + html.callout(TEXTS("standin_title", self.lang), [text], kind="warning")
        return out

    def district_share(self) -> tuple[float, float, int] | None:
        """The pilot district's share of its kommun: ``(share, kommun population, year)``.

        The kommun's population in the year of the district's figure (its latest before then),
        as the effect report divides (:func:`research.analyses.effect.pilot_effect_analysis`):
        one share of like with like in every report. ``None`` unless the pilot area is the
        kommun the programme's district belongs to, or without a population.
        """
        if self.pilot.code != self.programme.parent_code:
            return None
        found = population_by(self.panel, self.pilot.code, self.programme.district_population_year)
        if found is None:
            return None
        kpop, kyear = found
        return dilution_share(self.programme.district_population, kpop), kpop, kyear

    def latest_frame(self) -> pl.DataFrame:
        """Latest year of each indicator with data, the values and the candidate's rank.

        The year is the last one where the candidate and the pilot area both have a value, so
        that they are compared on the same year; for an indicator the pilot area has no value
        of at all (e.g. U30750, published for some kommuner only) the candidate's last year,
        with the pilot area shown as ".." rather than the candidate's value hidden.
        """

        def compute() -> pl.DataFrame:
            codes = [a.code for a in self.areas]
            kw = {"rank_area": self.candidate.code, "max_year": self.end_year}
            both = latest_levels(self.panel, self.indicators, codes, required=2, **kw)
            gaps = both.filter(pl.col("year").is_null())["indicator"].to_list()
            if not gaps:
                return both
            alone = latest_levels(self.panel, gaps, codes, required=1, **kw)
            found = {r["indicator"]: r for r in alone.iter_rows(named=True)}
            rows = [found.get(r["indicator"], r) for r in both.iter_rows(named=True)]
            return pl.DataFrame(rows, schema=both.schema)

        return self._once("latest", compute)

    def _crime_rates_only(self) -> bool:
        """Whether every indicator is reported crimes per 100 000 inhabitants (Brå)."""
        return all(
            "Brå" in self.catalog[i].source and self.catalog[i].per == 100_000
            for i in self.indicators
        )

    def _unit_notes(self) -> tuple[str, str]:
        """The latest table's caption and rank note, naming each indicator's own unit."""
        if self._crime_rates_only():
            return TEXTS("rate_note", self.lang), TEXTS("rank_note", self.lang)
        units = [
            TEXTS(
                "unit_item",
                self.lang,
                indicator=self.catalog[i].label(self.lang, short=True),
                unit=self.catalog[i].unit_label(self.lang),
            )
            for i in self.indicators
        ]
        return (
            TEXTS("rate_note_units", self.lang, units="; ".join(units)),
            TEXTS("rank_note_units", self.lang),
        )

    def latest_table(self) -> html.Html:
        """Latest-year rate of each indicator for candidate, pilot and riket, with rank."""
        codes = [a.code for a in self.areas]
        lv = self.latest_frame()
        headers = [TEXTS("col_indicator", self.lang), TEXTS("col_year", self.lang)]
        headers += [self.name(a) for a in self.areas]
        headers += [TEXTS("col_ratio", self.lang, area=self.candidate.name)]
        headers += [TEXTS("col_rank", self.lang, area=self.candidate.name)]
        rows = []
        pilot_ratios: list[str] = []
        no_counts: list[str] = []
        official = False
        for r in lv.iter_rows(named=True):
            ind = self.catalog[r["indicator"]]
            year = r["year"]
            row = [ind.label(self.lang, short=True), year or TEXTS("no_data", self.lang)]
            for c in codes:
                text = self._ci_text(ind.id, c, year)
                if isinstance(text, str) and r[f"value_{c}"] is not None:
                    text = format_number(r[f"value_{c}"], 1, self.lang)
                    if ind.label(self.lang, short=True) not in no_counts:
                        no_counts.append(ind.label(self.lang, short=True))
                row.append(text)
            row.append(self._ratio_text(ind.id, year))
            to_pilot = self.rate_ratio_result(ind.id, year, self.pilot.code)
            if to_pilot is not None:
                pilot_ratios.append(
                    TEXTS(
                        "pilot_ratio_item",
                        self.lang,
                        indicator=ind.label(self.lang, short=True),
                        ratio=format_number(to_pilot.ratio, 2, self.lang),
                        ci=format_range(
                            format_number(to_pilot.lower, 2, self.lang),
                            format_number(to_pilot.upper, 2, self.lang),
                            self.lang,
                        ),
                    )
                )
            row.append(
                TEXTS("rank_value", self.lang, rank=r["rank"], n=r["n_ranked"])
                if r["rank"] is not None
                else ".."
            )
            official = official or ind.source.startswith("Brå")
            rows.append(row)
        caption, rank_note = self._unit_notes()
        notes = [TEXTS("ci_note", self.lang)]
        if no_counts:
            notes.append(TEXTS("ci_note_no_counts", self.lang, indicators="; ".join(no_counts)))
        if html.has_missing(rows):
            notes.append(TEXTS("legend_no_value", self.lang))
        if pilot_ratios:
            notes.append(
                TEXTS(
                    "pilot_ratio_note",
                    self.lang,
                    area=self.candidate.name,
                    pilot=self.pilot.name,
                    ratios="; ".join(pilot_ratios),
                )
            )
        if official:
            notes.append(TEXTS("ci_note_official", self.lang))
        notes += [rank_note, self.source_line()]
        return self._h2("latest") + html.table(
            headers,
            rows,
            numeric=[False, False, True, True, True, True, True],
            caption=caption,
            footnotes=notes,
            breakable=True,  # starts on page 1 below the summary instead of leaving it part empty
        )

    def trend_chart(self, indicator: str) -> html.Html:
        """One indicator over time with series breaks and the pilot start marked."""
        return self._figure(("trend", indicator), lambda: self._trend_call(indicator))

    def _trend_call(self, indicator: str) -> tuple[Any, tuple, dict]:
        """``(figure_html, args, kwargs)`` drawing :meth:`trend_chart`'s figure."""
        ind = self.catalog[indicator]
        codes = [a.code for a in self.areas]
        data = self._rows(ind.id, codes).filter(
            (pl.col("indicator") == ind.id)
            & (pl.col("sex") == "T")
            & pl.col("area_code").is_in(codes)
        )
        years = (self.start_year, self.end_year)
        breaks = self.catalog.breaks_for(ind.id, years)
        labels = [(a.code, self.name(a)) for a in self.areas]
        chart = {
            "data": data,
            "series": labels,
            "title": ind.label(self.lang, short=True),
            "ylabel": ind.unit_label(self.lang),
            "marks": PeriodMarks(
                self.lang,
                breaks,
                self.pilot_start,
                TEXTS("pilot_start", self.lang, start=format_month(self.pilot_start, self.lang)),
            ),
            "years": years,
        }
        alt = TEXTS(
            "chart_alt",
            self.lang,
            indicator=ind.label(self.lang),
            unit=ind.unit_label(self.lang),
            first=years[0],
            last=years[1],
            areas=", ".join(lbl for _, lbl in labels),
        )
        if breaks:
            alt += " " + "; ".join(b.label(self.lang) for b in breaks) + "."
        return figure_html, (trend_chart, chart), {"alt": alt, "source": self.source_line()}

    def _figure(self, key: tuple, call: Any) -> html.Html:
        """The figure ``call()`` describes (``(function, args, kwargs)``), drawn ahead or here."""

        def here() -> html.Html:
            fn, args, kwargs = call()
            return fn(*args, **kwargs)

        return here() if self._prefetch is None else self._prefetch.take(key, here)

    def prefetch_figures(self) -> None:
        """Hand the report's figures to the offload worker, if this kernel has one.

        A lone report kernel on a machine with a spare core has one
        (:mod:`research.core.offload`): it draws the figures from the last (the funnel)
        while this process computes the summary and tables and draws them from the first;
        :meth:`trend_chart` and :meth:`funnel` take each from wherever it was drawn. Without
        a worker this does nothing. The figures are the same either way.
        """
        pool = offload.worker()
        if pool is None or self._prefetch is not None:
            return
        tasks = {("trend", i): self._trend_call(i) for i in self.indicators}
        if self.funnel_result() is not None:
            tasks[("funnel",)] = self._funnel_call()
        self._prefetch = offload.Prefetch(pool, tasks)

    def trends_heading(self) -> html.Html:
        """Heading of the trends section."""
        return self._h2("trends")

    def breaks_note(self) -> html.Html:
        """The registered breaks that touch the shown indicators and years."""
        seen = {}
        for ind in self.indicators:
            for b in self.catalog.breaks_for(ind, (self.start_year, self.end_year)):
                seen[b.id] = b
        lines = [
            b.description(self.lang) for b in sorted(seen.values(), key=lambda b: b.first_year)
        ]
        return (
            self._h2("breaks")
            + html.paragraph(TEXTS("breaks_intro", self.lang))
            + html.callout(TEXTS("breaks_heading", self.lang), lines)
        )

    def caveats(self) -> html.Html:
        """Caveats every decision-maker should read."""
        return html.callout(
            TEXTS("caveats_heading", self.lang),
            [
                TEXTS("caveat_reported", self.lang),
                TEXTS("caveat_small", self.lang),
                TEXTS("caveat_estimate", self.lang),
            ],
            kind="warning",
        )

    def glossary_terms(self) -> list[str]:
        """The keys of :data:`GLOSSARY` that the shown sections use, in its order."""
        shown = {anchor for anchor, _ in self.section_entries()}
        if self.district_share() is not None:
            shown.add("standin")
        return [k for k in GLOSSARY if k not in _TERM_SECTION or _TERM_SECTION[k] in shown]

    def glossary(self) -> html.Html:
        """The statistical terms the report uses, explained for readers without the training.

        The terms are :meth:`glossary_terms`, worded in the report's catalogue (``term_*``
        and ``def_*``, those the other reports explain too in the shared one).
        """
        return self._h2("glossary") + html.glossary_body(TEXTS, self.glossary_terms(), self.lang)

    # -- counts, intervals and the statistics sections --------------------------------------
    def counts(self, indicator: str, code: str, years: tuple[int, int]) -> pl.DataFrame:
        """Yearly counts and exposure of one area.

        Official counts where imported, else estimated (``estimated`` says which); exposure =
        population, or count / rate for imported rows without population. Every year of an
        area's indicator is worked out once per report and cut to ``years`` on each call
        (the sections ask for about 70 area-year slices of 18 series; issue 17).
        """

        def every_year() -> pl.DataFrame:
            d = (
                self._rows(indicator, [code])
                .filter(
                    (pl.col("indicator") == indicator)
                    & (pl.col("area_code") == code)
                    & (pl.col("sex") == "T")
                    & pl.col("value").is_not_null()
                )
                .sort("year")
            )
            per = float(self.catalog[indicator].per or 100_000)
            return d.select(
                "year",
                "value",
                count=pl.coalesce("count", "count_est"),
                estimated=pl.col("count").is_null(),
                exposure=pl.coalesce(
                    "population",
                    pl.when(pl.col("value") > 0).then(pl.col("count") * per / pl.col("value")),
                ),
            ).filter(pl.col("count").is_not_null() & pl.col("exposure").is_not_null())

        found = self._once(("counts", indicator, code), every_year)
        return found.filter(pl.col("year").is_between(*years))

    def rate_ci(self, indicator: str, code: str, year: int | None) -> tuple[float, RateCI] | None:
        """One area's published rate in ``year`` and its exact Poisson interval.

        The interval is computed on the counts of :meth:`counts` (official where imported,
        else estimated); ``None`` when the area has no value that year.
        """
        if year is None:
            return None
        d = self.counts(indicator, code, (year, year))
        if d.is_empty():
            return None
        per = float(self.catalog[indicator].per or 100_000)
        ci = poisson_rate_ci(int(d["count"][0]), float(d["exposure"][0]), per=per)
        return float(d["value"][0]), ci

    def _ci_text(self, indicator: str, code: str, year: int | None) -> html.Html | str:
        found = self.rate_ci(indicator, code, year)
        if found is None:
            return ".."
        value, ci = found
        return html.interval(
            format_number(value, 1, self.lang),
            format_number(ci.lower, 1, self.lang),
            format_number(ci.upper, 1, self.lang),
            self.lang,
        )

    def rate_ratio_result(
        self, indicator: str, year: int | None, ref: str = RIKET
    ) -> RateRatio | None:
        """The candidate's rate over ``ref``'s (default riket) in ``year``.

        Exact conditional test and interval (:func:`research.stats.rates.rate_ratio`);
        ``None`` when either has no value that year.
        """
        if year is None:
            return None
        a = self.counts(indicator, self.candidate.code, (year, year))
        b = self.counts(indicator, ref, (year, year))
        if a.is_empty() or b.is_empty():
            return None
        return rate_ratio(
            int(a["count"][0]), float(a["exposure"][0]), int(b["count"][0]), float(b["exposure"][0])
        )

    def _ratio_text(self, indicator: str, year: int | None, ref: str = RIKET) -> html.Html | str:
        rr = self.rate_ratio_result(indicator, year, ref)
        if rr is None:
            return ".."
        return html.interval(
            format_number(rr.ratio, 2, self.lang),
            format_number(rr.lower, 2, self.lang),
            format_number(rr.upper, 2, self.lang),
            self.lang,
        )

    @property
    def trend_years(self) -> tuple[int, int]:
        """Window of the trend section: from the first year after the 2015 break."""
        return max(self.start_year, TREND_FROM), self.end_year

    def trend_result(self, indicator: str, code: str) -> TrendResult | None:
        """Annual % change of one area over :attr:`trend_years` (quasi-Poisson), or None.

        None whenever :meth:`trend_gap` gives a reason (too few years or crimes, or a fit
        without a finite estimate): the tables show ".." with the reason in a footnote, and
        the summary and power sections say nothing about a trend, instead of printing e.g.
        "-26,1 (-100,0 till 1 013 558 252,5)" from seven crimes in four years as a result.
        """
        return self._trend(indicator, code)[0]

    def trend_gap(self, indicator: str, code: str) -> str | None:
        """Why :meth:`trend_result` is None (one of :data:`NO_TREND_REASONS`), else None."""
        return self._trend(indicator, code)[1]

    def _trend(self, indicator: str, code: str) -> tuple[TrendResult | None, str | None]:
        def compute() -> tuple[TrendResult | None, str | None]:
            first, last = self.trend_years
            d = self.counts(indicator, code, (first, last))
            if d.height < MIN_TREND_YEARS:
                return None, "years"
            if float(d["count"].mean()) < DEFAULT_MIN_COUNT:
                return None, "few"
            breaks = self.catalog.breaks_for(indicator, (first, last))
            try:
                res = poisson_trend(
                    d["count"], d["exposure"], d["year"], overdispersion="quasi", breaks=breaks
                )
            except DesignError:  # fewer years than the trend and its level shifts need
                return None, "breaks"
            diverged = any(isinstance(w, NotConvergedWarning) for w in res.warnings)
            limits = (res.pct_change, res.lower, res.upper)
            # -100 % a year is no rate; a limit that rounds to it states no bound at all
            if diverged or not all(map(math.isfinite, limits)) or res.lower <= -99.95:
                return None, "unbounded"
            return res, None

        return self._once(("trend", indicator, code), compute)

    def no_trend_legend(
        self,
        rows: list[list[object]],
        columns: Iterable[int] | None = None,
        reasons: Iterable[str | None] | None = None,
    ) -> list[str]:
        """The footnote saying what ``..`` means as a trend, if ``rows`` show one.

        It names the reasons (:meth:`trend_gap`) of the ``..`` shown: ``reasons`` when the
        caller knows them, else those of every trend this report found none for.
        """
        if not html.has_missing(rows, columns):
            return []
        if reasons is None:
            reasons = [
                v[1] for k, v in self._memo.items() if isinstance(k, tuple) and k[0] == "trend"
            ]
        found = set(reasons)
        why = [self.no_trend_reason(r) for r in NO_TREND_REASONS if r in found]
        if not why:  # cannot happen: a ".." trend has a reason
            first, last = self.trend_years
            return [TEXTS("legend_no_trend", self.lang, first=first, last=last)]
        return [TEXTS("legend_no_trend_because", self.lang, reasons="; ".join(why))]

    def no_trend_reason(self, reason: str) -> str:
        """Why no trend is estimated, in words (``reason`` one of :data:`NO_TREND_REASONS`)."""
        first, last = self.trend_years
        return TEXTS(
            f"no_trend_{reason}", self.lang, min_years=MIN_TREND_YEARS,
            min_count=DEFAULT_MIN_COUNT, first=first, last=last,
        )  # fmt: skip

    def trend_table(self) -> html.Html:
        """Annual % change since the first year after the 2015 break, with intervals."""
        first, last = self.trend_years
        rows = []
        gaps: list[str | None] = []
        for ind in self.indicators:
            row: list[object] = [self.catalog[ind].label(self.lang, short=True)]
            for area in self.areas:
                tr = self.trend_result(ind, area.code)
                if tr is None:
                    row.append("..")
                    gaps.append(self.trend_gap(ind, area.code))
                    continue
                row.append(
                    html.interval(
                        format_number(tr.pct_change, 1, self.lang),
                        format_number(tr.lower, 1, self.lang),
                        format_number(tr.upper, 1, self.lang),
                        self.lang,
                    )
                )
            rows.append(row)
        headers = [TEXTS("col_indicator", self.lang)]
        headers += [TEXTS("col_trend", self.lang, area=self.name(a)) for a in self.areas]
        return (
            self._h2("trend")
            + html.paragraph(TEXTS("trend_intro", self.lang, first=first, last=last))
            + html.table(
                headers,
                rows,
                numeric=[False] + [True] * len(self.areas),
                footnotes=[*self.no_trend_legend(rows, reasons=gaps), self.source_line()],
                # rows of two lines (rate, interval): kept whole, the table left 30 % of a
                # printed page empty after the trend charts (English)
                breakable=True,
            )
        )

    def funnel_result(self) -> tuple[int, Any, str] | None:
        """Funnel of all kommuner for the first indicator: ``(year, result, where)``.

        ``where`` is the candidate's position as a catalogue id (``within``, ``high_95``,
        ``low_998``, ...), or ``absent`` when the candidate has no count that year (it is not
        in the funnel, so nothing is said of where it lies); None when fewer than two kommuner
        have a count. The year is the latest that at least half as many kommuner have as the
        best-covered year (not a year an import brought for a few of them).
        """

        def compute() -> tuple[int, Any, str] | None:
            ind = self.catalog[self.indicators[0]]
            d = self.panel.filter(
                (pl.col("indicator") == ind.id)
                & (pl.col("level") == "kommun")
                & (pl.col("sex") == "T")
                & (pl.col("year") <= self.end_year)
                & pl.coalesce("count", "count_est").is_not_null()
                & pl.col("population").is_not_null()
            )
            if d.is_empty():
                return None
            # the latest year most kommuner have: an import of a new year for a few of them
            # (or of some kommuner only) made a "funnel of all kommuner" out of three
            per_year = d.group_by("year").len()
            most = int(per_year["len"].max())
            year = int(per_year.filter(pl.col("len") >= 0.5 * most)["year"].max())
            d = d.filter(pl.col("year") == year)
            if d.height < 2:  # no spread to draw limits from (compare_funnel's minimum)
                return None
            res = compare_funnel(
                d.select(pl.coalesce("count", "count_est")).to_series().cast(pl.Float64),
                d["population"],
                areas=d["area_code"],
                per=float(ind.per or 1e5),
                overdispersion="multiplicative",
            )
            own = res.areas.filter(pl.col("area") == self.candidate.code)
            where = "within" if own.height else "absent"
            if own.height:
                f998, f95 = own["flag_99_8"][0], own["flag_95"][0]
                if f998 in ("high", "low"):
                    where = f"{f998}_998"
                elif f95 in ("high", "low"):
                    where = f"{f95}_95"
            return year, res, where

        return self._once("funnel", compute)

    def funnel(self) -> html.Html:
        """Funnel plot of all kommuner for the first indicator, candidate and pilot marked."""
        found = self.funnel_result()
        if found is None:
            return html.Html("")
        year, res, where = found
        if where == "absent":  # the candidate is not in the funnel: say so, claim nothing
            intro = TEXTS(
                "funnel_intro_absent",
                self.lang,
                year=year,
                candidate=self.candidate.name,
                n=format_int(res.areas.height, self.lang),
            )
            return (
                self._h2("funnel")
                + html.paragraph(intro)
                + self._figure(("funnel",), self._funnel_call)
            )
        # The limits are widened by sqrt(phi) only when phi > 1 (research.stats.funnel): show
        # the estimate itself, and say when no inflation was applied.
        intro = TEXTS(
            "funnel_intro" if res.dispersion.phi > 1 else "funnel_intro_no_inflation",
            self.lang,
            year=year,
            candidate=self.candidate.name,
            where=TEXTS(where, self.lang),
            phi=format_phi(res.dispersion.phi, self.lang),
        )
        return (
            self._h2("funnel")
            + html.paragraph(intro)
            + self._figure(("funnel",), self._funnel_call)
        )

    def _funnel_call(self) -> tuple[Any, tuple, dict]:
        """``(figure_html, args, kwargs)`` drawing :meth:`funnel`'s figure (it has a result)."""
        ind = self.catalog[self.indicators[0]]
        year, res, _ = self.funnel_result()  # type: ignore[misc]
        marks = [(self.candidate.code, self.candidate.name)]
        if self.pilot.level == "kommun":
            marks.append((self.pilot.code, self.pilot.name))
        chart = {
            "areas": res.areas,
            "limits": res.limits,
            "highlight": marks,
            "title": f"{ind.label(self.lang, short=True)} {year}",
            "xlabel": TEXTS("funnel_x", self.lang),
            "ylabel": ind.unit_label(self.lang),
            "target_label": TEXTS("target", self.lang),
            "lang": self.lang,
        }
        alt = TEXTS(
            "funnel_alt",
            self.lang,
            indicator=ind.label(self.lang),
            n=format_int(res.areas.height, self.lang),
            year=year,
            candidate=self.candidate.name,
            pilot=self.pilot.name,
        )
        return figure_html, (funnel_chart, chart), {"alt": alt, "source": self.source_line()}

    def similar_frame(self, k: int = 10) -> Any:
        """The candidate's ``k`` most similar kommuner (years ``end_year - 2`` to ``end_year``).

        None when the candidate is not a kommun or no indicator comes from Kolada.
        """

        def compute() -> Any:
            last = self.end_year
            inds = [i for i in self.indicators if self.catalog[i].source.startswith("Kolada")]
            if not inds or self.candidate.level != "kommun":
                return None
            return similar_areas(
                self.panel,
                self.candidate.code,
                indicators=inds,
                covariates=("N01951",),
                year=(last - 2, last),
                k=k,
            )

        return self._once(("similar", k), compute)

    def similar(self, k: int = 10) -> html.Html:
        """The candidate's k most similar kommuner on the report's indicators and population."""
        last = self.end_year
        first = last - 2
        sim = self.similar_frame(k)
        if sim is None:
            return html.Html("")
        rows = []
        for r in sim.iter_rows(named=True):
            contrib = {c[len("contrib_") :]: r[c] for c in sim.columns if c.startswith("contrib_")}
            main_var = max(contrib, key=lambda v: contrib[v]) if contrib else ""
            label = (
                self.catalog[main_var].label(self.lang, short=True)
                if main_var in self.catalog
                else main_var
            )
            rows.append(
                [
                    r["rank"],
                    f"{r['area_name']} ({r['area_code']})",
                    format_number(r["distance"], 2, self.lang),
                    f"{label} ({format_percent(100 * contrib[main_var], 0, self.lang)})"
                    if main_var
                    else "",
                ]
            )
        headers = [
            TEXTS("col_rank_plain", self.lang),
            TEXTS("col_kommun", self.lang),
            TEXTS("col_distance", self.lang),
            TEXTS("col_main", self.lang),
        ]
        return (
            self._h2("similar")
            + html.paragraph(
                TEXTS("similar_intro", self.lang, area=self.candidate.name, first=first, last=last)
            )
            + html.table(
                headers, rows, numeric=[True, False, True, False], footnotes=[self.source_line()]
            )
            + self._similarity_caveats(sim)
            + self._official_groups(sim)
        )

    def _similarity_caveats(self, sim) -> html.Html:
        """What the comparison left out or imputed (its warnings), in the report's language."""
        if not sim.warnings:
            return html.Html("")
        return html.callout(
            TEXTS("similar_caveats", self.lang),
            warning_texts(sim.warnings, self.lang),
            kind="warning",
        )

    def _official_groups(self, sim) -> html.Html:
        """The candidate's official peer groups (Kolada) beside the data-driven neighbours."""
        if not sim.official_groups:
            return html.Html("")
        names = dict(zip(sim["area_code"].to_list(), sim["area_name"].to_list(), strict=True))
        rows = []
        for g in sim.official_groups:
            both = sim.overlap.get(g.group_id, [])
            rows.append(
                [
                    g.label(self.lang),
                    "" if g.year is None else str(g.year),
                    ", ".join(g.names) if len(g.codes) <= 10 else f"{len(g.codes)} kommuner",
                    ", ".join(names[c] for c in both) if both else "–",
                ]
            )
        in_any = {c for codes in sim.overlap.values() for c in codes}
        headers = [
            TEXTS("col_group", self.lang),
            TEXTS("col_year", self.lang),
            TEXTS("col_members", self.lang),
            TEXTS("col_overlap", self.lang),
        ]
        return (
            html.heading(TEXTS("official_heading", self.lang, area=self.candidate.name), 3)
            + html.paragraph(TEXTS("official_intro", self.lang, overlap=len(in_any)))
            + html.table(
                headers,
                rows,
                numeric=[False, True, False, False],
                footnotes=[TEXTS("official_source", self.lang)],
            )
        )

    def detect_result(self) -> tuple[float, Any] | None:
        """Whether a 20 % drop in the candidate within three years would be detected.

        ``(baseline, result)``: the mean yearly count of the first indicator over the last
        three years and the :func:`research.stats.power.can_detect` result; None without counts.
        """

        def compute() -> tuple[float, Any] | None:
            last = self.end_year
            d = self.counts(self.indicators[0], self.candidate.code, (last - 2, last))
            if d.is_empty():
                return None
            baseline = float(d["count"].mean())
            return baseline, can_detect(PLAUSIBLE_DROP, baseline, years_pre=3, years_post=3)

        return self._once("detect", compute)

    def detect_overdispersed(self) -> tuple[float, Any] | None:
        """The question of :meth:`detect_result` with the candidate's estimated over-dispersion.

        ``(phi, result)``: ``phi`` is the dispersion (Pearson chi-square / df) of the
        candidate's quasi-Poisson trend over :attr:`trend_years` (the trend section's fit), and
        ``result`` the :func:`research.stats.power.can_detect` answer with the variance
        inflated by ``phi`` when ``phi > 1`` (else the plain Poisson answer). None without
        counts or a trend.
        """

        def compute() -> tuple[float, Any] | None:
            found = self.detect_result()
            tr = self.trend_result(self.indicators[0], self.candidate.code)
            if found is None or tr is None or not math.isfinite(tr.dispersion):
                return None
            baseline, plain = found
            phi = float(tr.dispersion)
            if phi <= 1:
                return phi, plain
            return phi, can_detect(
                PLAUSIBLE_DROP, baseline, years_pre=3, years_post=3, overdispersion=phi
            )

        return self._once("detect_overdispersed", compute)

    def _overdispersion_line(self) -> str | None:
        found = self.detect_overdispersed()
        if found is None:
            return None
        phi, d = found
        first, last = self.trend_years
        kw = {"first": first, "last": last, "phi": format_phi(phi, self.lang)}
        kw["area"] = self.candidate.name
        if phi <= 1:
            return TEXTS("power_overdispersion_poisson", self.lang, **kw)
        target = format_percent(100 * d.target_power, 0, self.lang)
        smallest = (
            TEXTS(
                "power_overdispersion_mde",
                self.lang,
                target=target,
                mde=format_percent(d.mde.mde_pct, 0, self.lang),
            )
            if d.mde.detectable
            else TEXTS("power_overdispersion_none", self.lang, target=target)
        )
        return TEXTS(
            "power_overdispersion",
            self.lang,
            size=format_percent(100 * abs(1 - d.effect_rate_ratio), 0, self.lang),
            years=d.mde.inputs["years_post"],
            power=probability_text(float(d.power), self.lang),
            smallest=smallest,
            **kw,
        )

    def count_basis(self, code: str) -> tuple[list[int], str]:
        """The years and kind of the counts the power section's mean is over, for ``code``.

        The last three years to ``end_year`` that the area has counts of (an import can hold
        one of them), and ``"estimated"`` (rate x population, the snapshot's),
        ``"official"`` (imported counts) or ``"mixed"``: what the sentences say they are.
        """
        last = self.end_year
        basis = self.counts(self.indicators[0], code, (last - 2, last))
        years = [int(y) for y in basis["year"]]
        n_estimated = int(basis["estimated"].sum())
        kind = (
            "estimated" if n_estimated == len(years)
            else "official" if n_estimated == 0
            else "mixed"
        )  # fmt: skip
        return years, kind

    def power(self) -> html.Html:
        """Answer whether a 20 % drop in the candidate within three years could be detected.

        The answer assumes plain Poisson variation, as the decision brief's; the next line
        gives it under the over-dispersion estimated from the candidate's trend
        (:meth:`detect_overdispersed`).
        """
        ind = self.indicators[0]
        last = self.end_year
        found = self.detect_result()
        if found is None:
            return html.Html("")
        baseline, res = found
        years, kind = self.count_basis(self.candidate.code)
        lines = [detect_summary(res, self.lang, area=self.candidate.name, counts=kind)]
        over = self._overdispersion_line()
        if over is not None:
            lines.append(over)
        found_share = self.district_share()
        if self.pilot.level == "kommun" and found_share is not None:
            kpop = self.counts(ind, self.pilot.code, (last - 2, last))
            if kpop.height:
                mde = minimum_detectable_effect(
                    float(kpop["count"].mean()),
                    years_pre=3,
                    years_post=3,
                    dilution=found_share[0],
                )
                lines.append(
                    f"{self.pilot.name}: "
                    + mde_summary(
                        mde, self.lang, area=self.programme.district,
                        counts=self.count_basis(self.pilot.code)[1],
                    )
                )  # fmt: skip
        shown = (
            f"{years[0]}\u2013{years[-1]}"
            if len(years) > 2 and years[-1] - years[0] == len(years) - 1
            else format_list([str(y) for y in years], self.lang)
        )
        intro = TEXTS(
            "power_intro",
            self.lang,
            indicator=self.catalog[ind].label(self.lang, short=True),
            area=self.candidate.name,
            count=format_number(baseline, 1, self.lang),
            years=shown,
            kind=TEXTS(f"count_{kind}", self.lang),
        )
        if over is not None:  # the line the sentence points to is there
            intro += " " + TEXTS("power_intro_overdispersion", self.lang, area=self.candidate.name)
        return (
            self._h2("power")
            + html.paragraph(intro)
            + html.callout(TEXTS("power_heading", self.lang), lines)
        )


def pilot_vs_candidate(
    *,
    pilot: str = "",
    candidate: str = "",
    indicators: Sequence[str] | None = None,
    start_year: int = 2008,
    end_year: int = 2022,
    pilot_start: str = "",
    lang: str = "sv",
) -> PilotVsCandidate:
    """Validate the report parameters and load what the report needs.

    ``pilot``, ``candidate`` and ``pilot_start`` left empty take the case's values
    (``data/pilots.toml``, :func:`research.data.pilots.case_parameter`).

    Raises
    ------
    ParameterError, UnknownAreaError, AreaCodeTypeError, UnknownIndicatorError
        For invalid parameters, with a message saying what to do.
    """
    p, c, ids, first, last, pilot_start = check_parameters(
        pilot=pilot,
        candidate=candidate,
        indicators=indicators,
        start_year=start_year,
        end_year=end_year,
        pilot_start=pilot_start,
        lang=lang,
    )
    cat = load_catalog()
    panel = load_panel()
    if not ids:  # a district pilot's were found by check_parameters
        found = indicators_with_data(cat, [p.code, c.code], panel)
        ids = [i for i in found if cat[i].per_inhabitants] or check_district_data(p, c, ids)
    left_out: tuple[tuple[str, tuple[str, ...]], ...] = ()
    if not indicators:  # the defaults: say which an area has no figures of
        dropped = [i for i in cat.violence_indicators(default_only=True) if i not in ids]
        have = set(
            panel.filter(
                pl.col("indicator").is_in(dropped)
                & pl.col("area_code").is_in([p.code, c.code])
                & pl.col("value").is_not_null()
            )
            .select("indicator", "area_code")
            .unique()
            .rows()
        )
        lacking = {i: tuple(a for a in (p.code, c.code) if (i, a) not in have) for i in dropped}
        left_out = tuple((i, codes) for i, codes in lacking.items() if codes)
    report = PilotVsCandidate(
        pilot=p,
        candidate=c,
        indicators=ids,
        start_year=first,
        end_year=last,
        pilot_start=pilot_start,
        lang=lang,
        panel=panel,
        catalog=cat,
        left_out=left_out,
    )
    report.prefetch_figures()
    return report
