"""Report sections for the ``pilot_vs_candidate`` notebook.

Each method returns an :class:`research.html.Html` fragment that the notebook displays. All
numbers come from :mod:`research.datasets`, :mod:`research.profile` and the statistics
modules; all wording from :mod:`research.texts`; every data-derived string is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from . import html
from .areas import RIKET, Area, load_areas
from .catalog import Catalog, load_catalog
from .datasets import load_panel
from .errors import ParameterError
from .fmt import check_lang, format_int, format_month, format_number, format_percent
from .pilot import IGOR, Pilot, dilution_share
from .plots import trend_chart
from .profile import latest_levels
from .texts import t

__all__ = ["PilotVsCandidate", "pilot_vs_candidate"]


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
    programme: Pilot = IGOR

    @property
    def areas(self) -> list[Area]:
        """Candidate, pilot, riket: the order of every table and chart."""
        return [self.candidate, self.pilot, load_areas().get(RIKET)]

    def name(self, area: Area) -> str:
        """Display name of an area in the report language."""
        return t("riket", self.lang) if area.level == "riket" else area.name

    def source_line(self) -> str:
        """The attribution line under charts and tables."""
        sources = {self.catalog[i].source for i in self.indicators}
        parts = []
        if any(s.startswith("Kolada") for s in sources):
            parts.append(
                "Kolada (RKA), brottsstatistik från Brå, befolkning från SCB"
                if self.lang == "sv"
                else "Kolada (RKA), crime statistics from Brå, population from SCB"
            )
        if any(s.startswith("Brå") for s in sources):
            parts.append(
                "Brå, Anmälda brott (importerade filer)"
                if self.lang == "sv"
                else "Brå, reported offences (imported files)"
            )
        return t("source_line", self.lang, source="; ".join(parts))

    # -- sections ---------------------------------------------------------------------------
    def title(self) -> html.Html:
        """The report title."""
        return html.heading(t("title_pvc", self.lang, candidate=self.candidate.name), 1)

    def intro(self) -> html.Html:
        """What the report compares, and the stand-in caveat when the pilot is a kommun."""
        out = html.paragraph(
            t(
                "intro_pvc",
                self.lang,
                candidate=self.candidate.name,
                pilot=self.pilot.name,
                full=self.programme.full_name,
                start=format_month(self.pilot_start, self.lang),
            )
        )
        if self.pilot.level == "district":
            return out + html.paragraph(t("district_pilot", self.lang, pilot=self.pilot.name))
        if self.pilot.code == self.programme.parent_code:
            pop = self.panel.filter(
                (pl.col("indicator") == "N01951")
                & (pl.col("area_code") == self.pilot.code)
                & (pl.col("sex") == "T")
                & pl.col("value").is_not_null()
            ).sort("year")
            kpop, kyear = float(pop["value"][-1]), int(pop["year"][-1])
            share = dilution_share(self.programme.district_population, kpop)
            text = t(
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
            out = out + html.callout(t("standin_title", self.lang), [text], kind="warning")
        return out

    def latest_table(self) -> html.Html:
        """Latest-year rate of each indicator for candidate, pilot and riket, with rank."""
        codes = [a.code for a in self.areas]
        lv = latest_levels(
            self.panel,
            self.indicators,
            codes,
            rank_area=self.candidate.code,
            max_year=self.end_year,
            required=2,
        )
        headers = [t("col_indicator", self.lang), t("col_year", self.lang)]
        headers += [self.name(a) for a in self.areas]
        headers += [t("col_rank", self.lang, area=self.candidate.name)]
        rows = []
        for r in lv.iter_rows(named=True):
            ind = self.catalog[r["indicator"]]
            row = [ind.label(self.lang, short=True), r["year"] or t("no_data", self.lang)]
            row += [format_number(r[f"value_{c}"], 1, self.lang) for c in codes]
            row.append(
                t("rank_value", self.lang, rank=r["rank"], n=r["n_ranked"])
                if r["rank"] is not None
                else ".."
            )
            rows.append(row)
        return html.heading(t("latest_heading", self.lang), 2) + html.table(
            headers,
            rows,
            numeric=[False, False, True, True, True, True],
            caption=t("rate_note", self.lang),
            footnotes=[t("rank_note", self.lang), self.source_line()],
        )

    def trend_chart(self, indicator: str) -> html.Html:
        """One indicator over time with series breaks and the pilot start marked."""
        ind = self.catalog[indicator]
        codes = [a.code for a in self.areas]
        data = self.panel.filter(
            (pl.col("indicator") == ind.id)
            & (pl.col("sex") == "T")
            & pl.col("area_code").is_in(codes)
        )
        years = (self.start_year, self.end_year)
        breaks = self.catalog.breaks_for(ind.id, years)
        labels = [(a.code, self.name(a)) for a in self.areas]
        fig = trend_chart(
            data,
            series=labels,
            title=ind.label(self.lang, short=True),
            ylabel=ind.unit_label(self.lang),
            lang=self.lang,
            breaks=breaks,
            marker_date=self.pilot_start,
            marker_label=t(
                "pilot_start", self.lang, start=format_month(self.pilot_start, self.lang)
            ),
            years=years,
        )
        alt = t(
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
        return html.figure(fig, alt=alt, source=self.source_line())

    def trends_heading(self) -> html.Html:
        """Heading of the trends section."""
        return html.heading(t("trends_heading", self.lang), 2)

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
            html.heading(t("breaks_heading", self.lang), 2)
            + html.paragraph(t("breaks_intro", self.lang))
            + html.callout(t("breaks_heading", self.lang), lines)
        )

    def caveats(self) -> html.Html:
        """Caveats every decision-maker should read."""
        return html.callout(
            t("caveats_heading", self.lang),
            [
                t("caveat_reported", self.lang),
                t("caveat_small", self.lang),
                t("caveat_estimate", self.lang),
            ],
            kind="warning",
        )


def _indicators_with_data(panel: pl.DataFrame, cat: Catalog, codes: list[str]) -> list[str]:
    """Default indicators: the catalogue's default violence indicators when both areas have
    data for them, else every violence indicator (e.g. imported Brå categories) that both
    areas have data for."""
    have = (
        panel.filter(pl.col("area_code").is_in(codes) & pl.col("value").is_not_null())
        .group_by("indicator")
        .agg(pl.col("area_code").n_unique().alias("n"))
        .filter(pl.col("n") == len(set(codes)))["indicator"]
        .to_list()
    )
    defaults = [i for i in cat.violence_indicators(default_only=True) if i in have]
    if defaults:
        return defaults
    return [i for i in cat.violence_indicators() if i in have]


def pilot_vs_candidate(
    *,
    pilot: str = "0180",
    candidate: str = "0126",
    indicators: Sequence[str] | None = None,
    start_year: int = 2008,
    end_year: int = 2022,
    pilot_start: str = IGOR.start,
    lang: str = "sv",
) -> PilotVsCandidate:
    """Validate the report parameters and load what the report needs.

    Raises
    ------
    ParameterError, UnknownAreaError, AreaCodeTypeError, UnknownIndicatorError
        For invalid parameters, with a message saying what to do.
    """
    check_lang(lang)
    format_month(pilot_start, lang)  # validates "YYYY-MM"
    reg = load_areas()
    p, c = reg.resolve(pilot), reg.resolve(candidate)
    if p.code == c.code:
        raise ParameterError(f"pilot and candidate are the same area ({p.label()})")
    cat = load_catalog()
    panel = load_panel()
    if indicators:
        ids = [cat.get(i).id for i in indicators]
    else:
        ids = _indicators_with_data(panel, cat, [p.code, c.code])
        if not ids:
            raise ParameterError(
                f"No violence indicator has data for both {p.label()} and {c.label()}. "
                "District figures come from imported Brå files: `pilotbench data import FILE "
                "--source bra`."
            )
    if not 1990 <= int(start_year) <= int(end_year) <= 2100:
        raise ParameterError(f"need 1990 <= start_year <= end_year; got {start_year}, {end_year}")
    return PilotVsCandidate(
        pilot=p,
        candidate=c,
        indicators=ids,
        start_year=int(start_year),
        end_year=int(end_year),
        pilot_start=pilot_start,
        lang=lang,
        panel=panel,
        catalog=cat,
    )
