"""Report sections for the ``pilot_effect`` notebook ("did the pilot work?").

:func:`pilot_effect` validates the parameters, runs
:func:`research.analyses.effect.pilot_effect_analysis`
once and returns a :class:`PilotEffect` whose methods return :class:`research.views.html.Html`
fragments. Every number comes from the analysis object, every word from
:mod:`research.views.pilot_effect.texts`, and every data-derived string is escaped by
:mod:`research.views.html`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Unpack

import polars as pl

from research.analyses.effect import EffectAnalysis, EffectReportOptions, pilot_effect_analysis
from research.analyses.effect_window import MIN_PRE_YEARS
from research.core import fmt
from research.core.errors import PilotbenchWarning
from research.core.warnings import DonorRangeWarning, warning_texts
from research.data.catalog import Catalog, SeriesBreak, load_catalog
from research.data.panel import load_panel
from research.geo.area import Area
from research.stats.identification import check_keywords
from research.views import html
from research.views.charts import PeriodMarks
from research.views.power_text import note_texts
from research.views.texts import borrowed_start_note

from .charts import ChartFrame, event_study_chart, gap_chart, its_chart, sdid_chart
from .checks import check_parameters
from .conclusion import break_position, conclusion_paragraphs, power_pct, programme_end
from .numbers import interval_text, p_text, rr_text
from .sdid import estimator_name
from .summary import findings, no_estimate_periods
from .texts import TEXTS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["GLOSSARY", "PilotEffect", "pilot_effect"]

_MAX_LISTED = 12  # dropped kommuner listed by name up to this many

#: The terms of the report's glossary, in the order shown (``term_<key>``/``def_<key>`` in
#: the catalogue, :func:`research.views.html.glossary_body`): the statistics a reader meets
#: in the sections above it.
GLOSSARY = (
    "att",
    "rate",
    "estimated_count",
    "rate_ratio",
    "did",
    "rmspe",
    "placebo",
    "permutation",
    "p_value",
    "interval",
    "wald",
    "overdispersion",
    "event_study",
    "power",
    "dilution",
    "series_break",
)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


_p, _rr, _interval = p_text, rr_text, interval_text  # one formatting for sections and summary


@dataclass
class PilotEffect:
    """Everything the ``pilot_effect`` report shows (one analysis, rendered in ``lang``)."""

    analysis: EffectAnalysis
    lang: str
    catalog: Catalog = field(repr=False)

    # -- helpers ----------------------------------------------------------------------------
    @property
    def a(self) -> EffectAnalysis:
        """Shorthand for the analysis."""
        return self.analysis

    @property
    def pilot(self) -> Area:
        """The pilot kommun."""
        return self.a.pilot

    def _t(self, key: str, **kw: object) -> str:
        return TEXTS(key, self.lang, **kw)

    def ind_label(self, short: bool = True) -> str:
        """Outcome label in the report language."""
        return self.catalog[self.a.indicator].label(self.lang, short=short)

    def name(self, code: str) -> str:
        """Kommun name by code."""
        return self.a.pool.names.get(code, code)

    def source_line(self) -> str:
        """Attribution line under charts and tables."""
        return self._t("source_kolada")

    def _marks(self, breaks: Sequence[SeriesBreak]) -> PeriodMarks:
        """What a chart marks: ``breaks`` and the pilot start, in the report's language."""
        start = self._t("pilot_start", start=fmt.format_month(self.a.pilot_start, self.lang))
        return PeriodMarks(self.lang, breaks, self.a.pilot_start, start)

    def _frame(self, title: str, ylabel: str, breaks: Sequence[SeriesBreak]) -> ChartFrame:
        """A chart's title ``title`` (naming the outcome and the pilot), ``ylabel`` and marks."""
        title_text = self._t(title, indicator=self.ind_label(), pilot=self.pilot.name)
        return ChartFrame(title_text, ylabel, self._marks(breaks))

    def _figure(self, fig: Figure, alt: str, **values: object) -> html.Html:
        """``fig`` with the source line and the alt text ``alt`` (pilot, outcome, ``values``)."""
        text = self._t(alt, pilot=self.pilot.name, indicator=self.ind_label(), **values)
        return html.figure(fig, alt=text, source=self.source_line())

    def _measures(
        self, rows: list[list[str]], *, caption: str, footnotes: Sequence[str]
    ) -> html.Html:
        """A table of measures (first column) and their values (second, numeric)."""
        headers = [self._t("col_measure"), self._t("col_value")]
        return html.table(
            headers, rows, numeric=[False, True], caption=caption, footnotes=footnotes
        )

    def _num(self, x: float, d: int = 1) -> str:
        return fmt.format_number(x, d, self.lang)

    def _pct(self, x: float, d: int = 1) -> str:
        return fmt.format_percent(x, d, self.lang)

    def predictor_label(self, name: str) -> str:
        """Readable name of a synthetic-control predictor."""
        if name == "log_pop":
            return self._t("pred_log_pop")
        if name in self.catalog:
            return self._t("pred_rate", label=self.catalog[name].label(self.lang, short=True))
        if name.startswith("rate (") and name.endswith(")"):
            years = name[6:-1].replace("-", "\u2013")  # "2015-2016": a year range, en dash
            return self._t("pred_outcome", label=self.ind_label(), years=years)
        return name

    def _inference(self, r: object, wild_note: bool = False) -> dict[str, str]:
        """An estimator's inference and why, worded from its ``reason_code``.

        ``wild_note`` adds why the wild bootstrap is not used with one treated kommun (the
        DiD estimator says so; the event study does not offer the wild bootstrap).
        """
        method: str = r.method  # type: ignore[attr-defined]
        v: dict = r.reason_values  # type: ignore[attr-defined]
        reason = self._t(f"inf_reason_{r.reason_code}", **v)  # type: ignore[attr-defined]
        if method == "cluster":
            reason += " " + self._t("inf_cr1")
        elif wild_note and v.get("treated") == 1:
            reason += " " + self._t("inf_wild_fails")
        return {"method": self._t(f"inf_method_{method}"), "reason": reason}

    def section_entries(self) -> list[tuple[str, str]]:
        """``(anchor, heading)`` of each section the notebook renders after the summary.

        The sections take their headings from here, so the table of contents lists exactly
        the headings a reader finds below it (the expansion scenario only when requested).
        """
        entries = [
            ("pool", self._t("pool_heading")),
            ("synth", self._t("synth_heading")),
            ("sdid", self._t("sdid_heading")),
            ("did", self._t("did_heading")),
            ("its", self._t("its_heading")),
            ("power", self._t("mde_heading")),
        ]
        if self.a.expansion is not None:
            entries.append(
                ("expansion", self._t("exp_heading", schedule=self.a.expansion.schedule))
            )
        entries += [
            ("conclusion", self._t("conclusion_heading")),
            ("warnings", self._t("warnings_heading")),
            ("glossary", self._t("glossary_heading")),
        ]
        return entries

    def _h2(self, anchor: str) -> html.Html:
        return html.heading(dict(self.section_entries())[anchor], 2, anchor)

    def _opening(self, anchor: str, method: str, **values: object) -> html.Html:
        """A section's heading and its first paragraph: the text ``method`` with ``values``.

        The pilot's name is given as ``pilot`` (a text without ``{pilot}`` ignores it).
        """
        return self._h2(anchor) + html.paragraph(self._t(method, pilot=self.pilot.name, **values))

    # -- sections ---------------------------------------------------------------------------
    def title(self) -> html.Html:
        """The report title."""
        return html.heading(
            self._t("title_pe", indicator=self.ind_label(), pilot=self.pilot.name), 1
        )

    def summary(self) -> html.Html:
        """The "Sammanfattning" (verdict and findings of the sections), then the contents."""
        return html.opening(findings(self), self.section_entries(), self.lang)

    def intro(self) -> html.Html:
        """What is estimated, the design choices, and the caveats up front."""
        a = self.a
        # the methods named and counted from the estimators that ran, in the report's order:
        # those the conclusion weighs and those without a finite estimate or p-value
        ran = {e.key for e in a.evidence.estimates} | set(a.evidence.not_estimated)
        keys = [k for k in ("synth", "sdid", "did", "its", "cits") if k in ran]
        pooled = [estimator_name(k, self.lang) for k in keys if k not in ("its", "cits")]
        its_key = "intro_its_controlled" if "cits" in keys else "intro_its"
        borrowed = borrowed_start_note(a.programme, self.pilot.code, a.pilot_start, self.lang)
        intro = self._t(
            "intro" if a.programme_here else "intro_other",
            n=len(keys),
            pooled=fmt.format_list(pooled, self.lang),
            its=self._t(its_key, pilot=self.pilot.name, its_start=a.start_year, last=a.end_year),
            pilot=self.pilot.name,
            indicator=_lower_first(self.ind_label(short=False)),
            programme=a.programme.name,
            full=a.programme.full_name,
            start=fmt.format_month(a.pilot_start, self.lang),
            fit_start=a.fit_start,
            last=a.end_year,
            its_start=a.start_year,
        )
        out = html.paragraph(" ".join(filter(None, [intro, borrowed])))
        month = int(a.pilot_start.split("-")[1])
        out += html.paragraph(
            self._t(
                "treatment_year" if month > 1 else "treatment_year_january",
                year=a.treatment_year,
                start=fmt.format_month(a.pilot_start, self.lang),
                full=a.first_full_year,
                months=13 - month,
            )
        )
        return out + html.paragraph(self._fit_window_text()) + self.caveats()

    def _fit_window_text(self) -> str:
        """Where the period before starts, and whether it follows or crosses a series break."""
        a = self.a
        pre_last = a.treatment_year - 1
        after = [b for b in a.breaks if b.first_year == a.fit_start and a.fit_start > a.start_year]
        crossed = [b for b in a.breaks_fit if a.fit_start < b.first_year <= pre_last]
        if after:
            text = self._t(
                "fit_window", fit_start=a.fit_start, pre_last=pre_last,
                label=after[0].label(self.lang),
            )  # fmt: skip
        else:
            text = self._t("fit_window_plain", fit_start=a.fit_start, pre_last=pre_last)
        if crossed:
            text += " " + self._t(
                "fit_window_crosses_one" if len(crossed) == 1 else "fit_window_crosses",
                years=fmt.format_list([str(b.first_year) for b in crossed], self.lang),
                min_pre=MIN_PRE_YEARS,
            )
        return text

    def _break_near(self, year: int, prefix: str) -> str:
        """The sentence on a break next to the pilot start: before it, the same year, after."""
        where = break_position(year, self.a.treatment_year)
        return self._t(f"{prefix}_{where}", year=year)

    def caveats(self) -> html.Html:
        """The caveats every reader must see before any number."""
        a = self.a
        lines = []
        if a.dilution is not None:
            lines.append(
                self._t(
                    "cav_dilution",
                    district=a.programme.district,
                    pilot=self.pilot.name,
                    dpop=fmt.format_int(a.programme.district_population, self.lang),
                    dyear=a.programme.district_population_year,
                    kpop=fmt.format_int(a.kommun_population, self.lang),
                    kyear=a.kommun_population_year,
                    share=self._pct(100 * a.dilution, 1),
                    diluted=self._pct(20 * a.dilution, 1),
                )
            )
        if a.breaks:
            labels = "; ".join(b.label(self.lang) for b in a.breaks)
            text = self._t("cav_breaks", labels=labels)
            near = [b for b in a.breaks if abs(b.first_year - a.treatment_year) <= 1]
            if near:
                text += " " + near[-1].description(self.lang)
                text += " " + self._break_near(near[-1].first_year, "cav_break_near")
            lines.append(text)
        lines.append(self._t("cav_counts"))
        lines.append(self._t("cav_reporting"))
        lines.append(
            self._t(
                "cav_short" if a.evidence.programme_end else "cav_short_open",
                years=", ".join(str(y) for y in a.post_years),
                n=len(a.post_years),
                end=programme_end(
                    a.evidence.programme_end, a.evidence.programme_end_approximate, self.lang
                ),
            )
        )
        return html.callout(self._t("read_first_heading"), lines, kind="warning")

    def pool_section(self) -> html.Html:
        """Which kommuner are compared, and which were dropped and why."""
        p = self.a.pool
        kind = {
            "kommuner": self._t("pool_kommuner"),
            "lan": self._t("pool_lan", lan=p.arg),
            "similar": self._t("pool_similar", k=p.arg),
            "group": self._t(
                "pool_group",
                groups="; ".join(f"{g.label(self.lang)} (Kolada {g.group_id})" for g in p.groups),
            ),
        }[p.kind]
        out = self._opening(
            "pool",
            "pool_text",
            kind=kind,
            n_cand=len(p.candidates),
            n_used=len(p.codes),
            first=self.a.fit_start,
            last=self.a.end_year,
        )
        lines = []
        miss = p.dropped.filter(pl.col("reason") == "missing")
        if miss.height:
            names = miss["area_name"].to_list()
            listed = ", ".join(names[:_MAX_LISTED])
            more = (
                self._t("and_more", n=len(names) - _MAX_LISTED) if len(names) > _MAX_LISTED else ""
            )
            lines.append(self._t("pool_missing", n=miss.height, names=listed + more))
        if p.n_size:
            lines.append(self._t("pool_size", n=p.n_size, k=len(p.codes)))
        if lines:
            out += html.callout(self._t("pool_dropped_heading"), lines)
        return out

    def synth_section(self) -> html.Html:
        """Synthetic control: method, weights, balance, gap plot with placebos, inference."""
        a, s = self.a, self.a.synth
        fit = s.fit
        out = self._opening(
            "synth",
            "synth_method",
            first=s.fit_window[0],
            last=s.fit_window[1],
            year=a.treatment_year,
            n=len(fit.donors),
        )
        # weights
        w = fit.weights.filter(pl.col("weight") >= 0.001)
        rows = [[self.name(u), self._pct(100 * wt, 1)] for u, wt in w.iter_rows()]
        out += html.table(
            [self._t("col_donor"), self._t("col_weight")],
            rows,
            numeric=[False, True],
            caption=self._t("weights_caption", n=w.height, total=len(fit.donors)),
            footnotes=[self.source_line()],
        )
        # balance
        rows = [
            [
                self.predictor_label(pname),
                self._num(tr, 2),
                self._num(sy, 2),
                self._num(dm, 2),
                self._pct(100 * vw, 1),
            ]
            for pname, tr, sy, dm, vw in zip(
                fit.balance["predictor"],
                fit.balance["treated"],
                fit.balance["synthetic"],
                fit.balance["donor_mean"],
                fit.v["weight"],
                strict=True,
            )
        ]
        out += html.table(
            [
                self._t("col_predictor"),
                self.pilot.name,
                self._t("col_synthetic"),
                self._t("col_donor_mean"),
                self._t("col_v"),
            ],
            rows,
            numeric=[False, True, True, True, True],
            caption=self._t("balance_caption"),
            footnotes=[self._t("balance_note")],
        )
        # gap chart
        included = s.placebo.ratios.filter(pl.col("included"))["unit"].to_list()
        gaps = s.placebo.gaps.filter(pl.col("unit").is_in(included))
        n_pl = len(included) - 1
        fig = gap_chart(
            gaps,
            treated_label=self.pilot.name,
            placebo_label=self._t("placebo_label", n=n_pl),
            frame=self._frame("gap_title", self._t("gap_ylabel"), a.breaks_fit),
        )
        out += self._figure(
            fig,
            "gap_alt",
            n=n_pl,
            first=s.fit_window[0],
            last=a.end_year,
        )
        # results
        pr = s.placebo
        ratio = fit.post_rmspe / fit.pre_rmspe if fit.pre_rmspe > 0 else math.inf
        rows = [
            [self._t("res_pre_rmspe"), self._num(fit.pre_rmspe, 2)],
            [self._t("res_post_rmspe"), self._num(fit.post_rmspe, 2)],
            [self._t("res_ratio"), self._num(ratio, 2)],
            [self._t("res_att"), self._num(s.att, 2)],
            [self._t("res_att_pct"), self._pct(s.att_pct, 1)],
            [
                self._t("res_p_rule", ratio=fmt.format_number(s.exclude_ratio, 0, self.lang)),
                self._t("p_of", p=_p(pr.p_value, self.lang), n=pr.n_included),
            ],
            [
                self._t("res_p_all"),
                self._t("p_of", p=_p(s.placebo_all.p_value, self.lang), n=s.placebo_all.n_included),
            ],
            [
                self._t("res_loo"),
                ".."
                if s.loo is None or not s.loo.summary.height
                else self._num(s.loo_min, 2)
                if s.loo.summary.height == 1  # one weighted donor: one refit, no range
                else fmt.format_range(self._num(s.loo_min, 2), self._num(s.loo_max, 2), self.lang),
            ],
        ]
        out += self._measures(
            rows,
            caption=self._t("synth_results_caption"),
            footnotes=[
                self._t(
                    "synth_p_note",
                    ratio=fmt.format_number(s.exclude_ratio, 0, self.lang),
                    n=pr.n_included,
                    pmin=_p(1 / pr.n_included, self.lang),
                ),
                self._t("synth_att_note"),
            ],
        )
        return out

    def sdid_section(self) -> html.Html:
        """Synthetic difference-in-differences: weights, comparison chart, estimate and SE."""
        a, sd = self.a, self.a.sdid
        fit = sd.fit
        lang = self.lang
        out = self._opening(
            "sdid",
            "sdid_method",
            first=a.fit_start,
            pre_last=a.treatment_year - 1,
            year=a.treatment_year,
            last=a.end_year,
            n=fit.n_control,
        )
        w = fit.unit_weights.filter(pl.col("weight") >= 0.001).sort(
            "weight", "unit", descending=[True, False]
        )
        rows = [[self.name(u), self._pct(100 * wt, 1)] for u, wt in w.iter_rows()]
        lam = fit.time_weights
        shown = ", ".join(
            f"{yr} {self._pct(100 * wt, 0)}" for yr, wt in lam.iter_rows() if wt >= 0.005
        )
        out += html.table(
            [self._t("col_donor"), self._t("col_weight")],
            rows,
            numeric=[False, True],
            caption=self._t("sdid_weights_caption", n=w.height, total=fit.n_control),
            footnotes=[self._t("sdid_time_weights", weights=shown), self.source_line()],
        )
        # chart: pilot and the unit-weighted comparison shifted by the lambda-weighted gap
        wide = a.data.select("area_code", "year", "rate")
        years = sorted(wide["year"].unique().to_list())
        treated = wide.filter(pl.col("area_code") == self.pilot.code).sort("year")["rate"].to_list()
        control = (
            wide.join(fit.unit_weights, left_on="area_code", right_on="unit")
            .group_by("year")
            .agg((pl.col("rate") * pl.col("weight")).sum())
            .sort("year")["rate"]
            .to_list()
        )
        lam_v = lam["weight"].to_list()
        shift = sum(wl * (tr - co) for wl, tr, co in zip(lam_v, treated, control, strict=False))
        fig = sdid_chart(
            years,
            treated,
            [c + shift for c in control],
            lam_v,
            treated_label=self.pilot.name,
            control_label=self._t("sdid_chart_control"),
            weights_label=self._t("sdid_chart_weights"),
            frame=self._frame("sdid_chart_title", self._t("sdid_chart_ylabel"), a.breaks_fit),
        )
        out += self._figure(
            fig,
            "sdid_chart_alt",
            first=years[0],
            last=years[-1],
        )
        level = fmt.format_percent(100 * fit.level, 0, lang)
        rows = [
            [self._t("sdid_res_att"), self._num(sd.att, 2)],
            [self._t("sdid_res_se", reps=fit.replicates.size), self._num(sd.se, 2)],
            [
                self._t("sdid_res_ci", level=level),
                fmt.format_range(self._num(fit.ci[0], 2), self._num(fit.ci[1], 2), self.lang)
                if math.isfinite(fit.ci[0])
                else "..",
            ],
            [self._t("sdid_res_p"), _p(sd.p_value, lang)],
            [self._t("sdid_res_rr"), _rr(sd.rate_ratio, lang)],
            [self._t("sdid_res_rr_ci", level=level), _interval(sd.rr_lower, sd.rr_upper, lang)],
        ]
        notes = [
            self._t("sdid_se_note", pilot=self.pilot.name, n=fit.n_control),
            self._t("sdid_rr_note", pilot=self.pilot.name, cf=self._num(sd.counterfactual, 1)),
        ]
        if not math.isfinite(fit.ci[0]):
            # stats.sdid withholds the interval and p-value when the placebo test cannot
            # reach the level (its warning says so too); the table says why next to the ".."
            notes.append(
                self._t(
                    "sdid_no_ci_note",
                    n=fit.n_control,
                    values=math.comb(fit.n_control, fit.n_treated),
                    p_min=fmt.format_number(
                        1 / (math.comb(fit.n_control, fit.n_treated) + 1), 3, lang
                    ),
                    alpha=fmt.format_number(1 - fit.level, 2, lang),
                )
            )
        if not math.isfinite(sd.rate_ratio):
            notes.append(self._t("sdid_no_ratio_note", cf=self._num(sd.counterfactual, 1)))
        out += self._measures(
            rows,
            caption=self._t("est_sdid")[:1].upper() + self._t("est_sdid")[1:] + ".",
            footnotes=notes,
        )
        rows = [
            [self._t("est_sdid"), self._num(fit.estimate, 2)],
            [self._t("sdid_row_sc"), self._num(fit.sc_estimate, 2)],
            [self._t("sdid_row_did"), self._num(fit.did_estimate, 2)],
        ]
        out += html.table(
            [self._t("sdid_col_method"), self._t("sdid_col_att")],
            rows,
            numeric=[False, True],
            caption=self._t("sdid_results_caption"),
            footnotes=[self._t("synth_att_note"), self._t("sdid_did_vs_poisson_note")],
        )
        return out

    def expansion_section(self) -> html.Html:
        """The optional staggered expansion scenario (nothing when ``expansion`` is empty)."""
        ex = self.a.expansion
        if ex is None:
            return html.Html("")
        lang = self.lang
        level = fmt.format_percent(100 * ex.fit.level, 0, lang)
        out = self._opening(
            "expansion",
            "exp_method",
            year=self.a.treatment_year,
            n=ex.n_comparison,
            first=ex.first_year,
            last=ex.last_year,
        )
        by_group = {int(g): (e, lo, hi) for g, e, lo, hi in ex.by_group.table.select(
            "group", "estimate", "ci_lower", "ci_upper").iter_rows()}  # fmt: skip
        size = {y: sum(c.year == y for c in ex.cohorts) for y in by_group}
        rows = []
        for c in ex.cohorts:
            status = self._t(f"exp_status_{c.status}", last=ex.last_year)
            est = by_group.get(c.year) if c.status != "awaiting_data" else None
            # one kommun in a cohort: its interval rests on one unit's deviations (not shown)
            ci = (
                fmt.format_range(self._num(est[1], 2), self._num(est[2], 2), self.lang)
                if est and size[c.year] > 1
                else ".."
            )
            rows.append([c.name, str(c.year), status, self._num(est[0], 2) if est else "..", ci])
        out += html.table(
            [
                self._t("exp_col_kommun"),
                self._t("exp_col_year"),
                self._t("exp_col_status"),
                self._t("exp_col_att"),
                self._t("exp_col_ci", level=level),
            ],
            rows,
            numeric=[False, True, False, True, True],
            caption=self._t("exp_caption"),
            footnotes=[self._t("exp_att_note"), self.source_line()],
        )
        single = any(n == 1 for n in size.values())
        notes = [
            self._t("exp_overall_noci", att=self._num(ex.simple.estimate, 2))
            if single
            else self._t(
                "exp_overall",
                att=self._num(ex.simple.estimate, 2),
                level=level,
                lo=self._num(ex.simple.ci[0], 2),
                hi=self._num(ex.simple.ci[1], 2),
            )
        ]
        if ex.fit.pre_trend is not None:
            pt = ex.fit.pre_trend.p_value
            rejects = pt is not None and math.isfinite(pt) and pt <= 1 - ex.fit.level
            key = "exp_pretrend_rejects" if rejects else "exp_pretrend"
            notes.append(self._t(key, p=_p(pt, lang)))
        if ex.awaiting:
            notes.append(
                self._t(
                    "exp_awaiting",
                    last=ex.last_year,
                    names=", ".join(f"{c.name} ({c.year})" for c in ex.awaiting),
                )
            )
        if single:
            notes.append(self._t("exp_single_note"))
        out += html.callout(self._t("exp_notes_heading"), notes)
        return out

    def did_section(self) -> html.Html:
        """Difference-in-differences on counts with randomization inference, event study."""
        a, d, ev = self.a, self.a.did, self.a.event
        out = self._opening(
            "did",
            "did_method",
            n=d.n_units - 1,
            first=a.fit_start,
            pre_last=a.treatment_year - 1,
            year=a.treatment_year,
            last=a.end_year,
        )
        rows = [
            [self._t("res_rr"), _rr(d.rate_ratio, self.lang)],
            [
                self._t("res_ci", level=fmt.format_percent(100 * d.level, 0, self.lang)),
                _interval(d.rr_lower, d.rr_upper, self.lang),
            ],
            [self._t("res_p_perm"), _p(d.p_value, self.lang)],
            [self._t("res_assignments"), fmt.format_int(d.details.get("n_assignments"), self.lang)],
        ]
        if ev.pretrend is not None:
            rows.append([self._t("res_pretrend_wald"), _p(ev.pretrend.p_value, self.lang)])
            rows.append([self._t("res_pretrend_perm"), _p(ev.pretrend.p_permutation, self.lang)])
        out += self._measures(
            rows,
            caption=self._t("did_caption"),
            footnotes=[self._t("did_rr_note"), *self._did_size_note(), self._t("counts_note")],
        )
        out += html.callout(
            self._t("method_heading"),
            [
                self._t("method_line", **self._inference(d, wild_note=True)),
                self._t("event_method_line", **self._inference(ev)),
            ],
        )
        fig = event_study_chart(
            ev.coefficients,
            treatment_year=a.treatment_year,
            reference_label=self._t("event_reference"),
            frame=self._frame("event_title", self._t("event_ylabel"), a.breaks_fit),
            missing_label=self._t("event_no_estimate"),
        )
        out += self._figure(
            fig,
            "event_alt",
            first=a.fit_start,
            last=a.end_year,
            ref=a.treatment_year + ev.reference,
        )
        out += html.paragraph(self._t("event_note"))
        return out

    def its_section(self) -> html.Html:
        """Interrupted time series of the pilot kommun, alone and against the pool aggregate."""
        a = self.a
        out = self._opening(
            "its",
            "its_method",
            first=a.start_year,
            last=a.end_year,
            year=a.treatment_year,
            breaks=", ".join(str(b.first_year) for b in a.breaks) or "–",
        )
        rows = []
        for key, r in (("its_row_alone", a.its), ("its_row_controlled", a.its_controlled)):
            if r is None:
                continue
            rows.append(
                [
                    self._t(key, n=r.details.get("n_control_units", 0)),
                    _rr(r.level_change, self.lang),
                    _interval(r.level_lower, r.level_upper, self.lang),
                    _p(r.level_p, self.lang),
                    _rr(r.slope_change, self.lang),
                    _interval(r.slope_lower, r.slope_upper, self.lang),
                    self._num(r.dispersion, 2),
                ]
            )
        out += html.table(
            [
                self._t("col_model"),
                self._t("col_level"),
                self._t("col_ci"),
                self._t("col_p"),
                self._t("col_slope"),
                self._t("col_ci"),
                self._t("col_dispersion"),
            ],
            rows,
            numeric=[False, True, True, True, True, True, True],
            caption=self._t("its_caption"),
            footnotes=[
                self._t("its_note"),
                *self._its_pool_note(),
                *self._its_legend(rows),
                self._t("counts_note"),
            ],
        )
        series = a.its.series.join(
            a.its_data.filter(pl.col("control") == 0).select(
                pl.col("year").alias("time"), "population"
            ),
            on="time",
        )
        fig = its_chart(
            series,
            interruption=a.treatment_year,
            labels={
                "observed": self._t("its_observed"),
                "fitted": self._t("its_fitted"),
                "counterfactual": self._t("its_counterfactual"),
            },
            frame=self._frame(
                "its_title", self.catalog[a.indicator].unit_label(self.lang), a.breaks
            ),
        )
        out += self._figure(
            fig,
            "its_alt",
            first=a.start_year,
            last=a.end_year,
        )
        out += html.paragraph(self._t("its_limits", n=len(a.post_years)))
        return out

    def _its_pool_note(self) -> list[str]:
        """Why the controlled series pools fewer kommuner than the other methods use."""
        c, a = self.a.its_controlled, self.a
        if c is None:
            return []
        n, total = int(c.details.get("n_control_units", 0)), len(a.pool.codes)
        if n >= total:
            return []
        return [self._t("its_pool_note", n=n, total=total, first=a.start_year, last=a.end_year)]

    def _its_legend(self, rows: list[list[object]]) -> list[str]:
        """What ``..`` means in the ITS table: no finite estimate, or withheld (warnings)."""
        if not html.has_missing(rows):
            return []
        fits = [r for r in (self.a.its, self.a.its_controlled) if r is not None]
        periods = next((p for r in fits if (p := no_estimate_periods(r)) is not None), None)
        if periods is not None:
            return [self._t("its_no_estimate_note", periods=periods)]
        return [self._t("its_withheld_note")]

    def _did_size_note(self) -> list[str]:
        """The randomization test's false-alarm rate, when the pilot is noisier than the rest.

        From the power calculation's ``permutation_size`` note (research.stats.power): the
        same condition makes the DiD p-value too small.
        """
        for n in self.a.power.notes:
            if n.code == "permutation_size":
                return [
                    self._t(
                        "did_size_note",
                        pilot=self.pilot.name,
                        size=self._pct(100 * n.values["size"], 0),
                        alpha=self._pct(100 * n.values["alpha"], 0),
                    )
                ]
        return []

    def power_section(self) -> html.Html:
        """What effect these data could have detected, in the pilot district after dilution."""
        a, pw = self.a, self.a.power
        # the power assumes no under-dispersion: a time-series dispersion below 1 is raised
        # to 1 (research.analyses.effect), and the text says so
        below = math.isfinite(a.its.dispersion) and a.its.dispersion < a.overdispersion
        base = self._num(a.baseline_count, 0)
        key = "power_method_floor" if below else "power_method"
        out = self._opening(
            "power",
            key + "_one" if base == "1" else key,  # "1 uppskattat fall", not "uppskattade"
            base=base,
            pre=len([y for y in range(a.fit_start, a.treatment_year)]),
            post=len(a.post_years),
            n=a.did.n_units - 1,
            control=self._num(a.control_count, 0),
            phi=self._num(a.overdispersion, 2),
            phi_model=self._num(a.its.dispersion, 2),
        )

        def mde(x: float) -> str:
            return self._pct(x, 1) if math.isfinite(x) else self._t("not_detectable")

        rows = [
            [self._t("power_row_did"), mde(pw.mde_pct_measured), mde(pw.mde_pct)],
            [
                self._t("power_row_its"),
                mde(a.power_its.mde_pct_measured),
                mde(a.power_its.mde_pct),
            ],
        ]
        headers = [self._t("col_design"), self._t("col_mde_kommun", pilot=self.pilot.name)]
        # a district pilot measured in kommun figures: the drop in the district too; a pilot
        # measured directly has one column and no dilution to speak of
        direct = a.dilution is None
        if direct:
            rows = [r[:2] for r in rows]
        else:
            headers.append(self._t("col_mde_district", district=a.programme.district))
        out += html.table(
            headers,
            rows,
            numeric=[False] + [True] * (len(headers) - 1),
            caption=self._t("power_caption"),
            footnotes=[self._t("power_note_direct" if direct else "power_note")],
        )
        out += html.paragraph(
            self._t(
                "power_detect_direct" if direct else "power_detect",
                district=self.pilot.name if direct else a.programme.district,
                power=power_pct(float(a.detect.power), self.lang),
                measured=self._pct(100 * (1 - a.detect.effect_rate_ratio_measured), 1),
                pilot=self.pilot.name,
            )
        )
        its_notes = [n for n in a.power_its.notes if n.code == "its_terms_left_out"]
        notes = note_texts([*pw.notes, *its_notes], self.lang)
        if notes:
            out += html.callout(self._t("power_notes_heading"), notes)
        return out

    def warning_values(self, w: PilotbenchWarning) -> dict[str, str]:
        """Replacements worded for the report: a donor-range warning's predictors by label."""
        if isinstance(w, DonorRangeWarning):
            names = [self.predictor_label(p) for p in w.values["predictors"]]  # type: ignore[union-attr]
            return {"predictors": "; ".join(names)}
        return {}

    def warning_lines(self) -> list[str]:
        """The estimators' warnings, each text once with every method that gave it.

        Within a method, series breaks of one window are one sentence
        (:func:`research.core.warnings.warning_texts`); a text several methods gave
        (the same break in the same window, a short series for both time series) is one
        line naming them all, in the order the methods first appear.
        """
        by_method: dict[str, list[PilotbenchWarning]] = {}
        for key, w in self.a.estimator_warnings():
            by_method.setdefault(key, []).append(w)
        methods_of: dict[str, list[str]] = {}
        for key, warns in by_method.items():
            for text in warning_texts(warns, self.lang, self.warning_values):
                methods_of.setdefault(text, []).append(self._t("est_" + key))
        return [
            f"{fmt.format_list(methods, self.lang)}: {text}" for text, methods in methods_of.items()
        ]

    def warnings_section(self) -> html.Html:
        """The estimators' own warnings, worded in the report's language by their codes."""
        return (
            self._h2("warnings")
            + html.paragraph(self._t("warnings_intro"))
            + html.callout(self._t("warnings_heading"), self.warning_lines(), kind="warning")
        )

    def glossary(self) -> html.Html:
        """The statistical terms the report uses, explained for readers without the training.

        The terms are :data:`GLOSSARY`, worded in the report's catalogue (``term_*`` and
        ``def_*``, those the other reports explain too in the shared one).
        """
        return self._h2("glossary") + html.glossary_body(TEXTS, GLOSSARY, self.lang)

    def conclusion(self) -> html.Html:
        """The plain-language conclusion drawn by :func:`research.analyses.effect.conclude`."""
        paras = conclusion_paragraphs(self.a.conclusion, self.lang)
        out = self._h2("conclusion")
        out += html.paragraph(paras[0], cls="lead")
        return out + html.callout(self._t("conclusion_caveats"), paras[1:], kind="warning")


def pilot_effect(*, lang: str = "sv", **params: Unpack[EffectReportOptions]) -> PilotEffect:
    """Validate the report parameters, run the analysis and return the report sections.

    Parameters
    ----------
    lang
        ``"sv"`` or ``"en"``.
    **params
        The report parameters ``pilot``, ``indicator``, ``pilot_start``, ``start_year``,
        ``end_year``, ``donors`` and ``expansion``
        (:class:`~research.analyses.effect.EffectReportOptions`): as in
        :func:`research.analyses.effect.pilot_effect_analysis`, with its defaults. The
        expansion scenario is shown by :meth:`PilotEffect.expansion_section`.

    Returns
    -------
    PilotEffect

    Raises
    ------
    ParameterError, UnknownAreaError, UnknownIndicatorError, DataError
        For invalid parameters or data that cannot support the analysis.

    Examples
    --------
    >>> rep = pilot_effect(donors="similar:20", lang="en")
    >>> "Did the pilot work?" in str(rep.title())
    True
    """
    check_keywords(params, EffectReportOptions.__optional_keys__, "pilot_effect")
    check_parameters(lang=lang, **params)
    cat = load_catalog()
    analysis = pilot_effect_analysis(load_panel(), catalog=cat, **params)
    return PilotEffect(analysis=analysis, lang=lang, catalog=cat)
