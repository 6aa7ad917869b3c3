"""Report sections for the ``candidate_screening`` notebook (which kommuner for an expansion).

:func:`candidate_screening` validates the report parameters and computes everything once
with :func:`research.analyses.screening.screen_candidates`; each method of the returned
:class:`CandidateScreening` is one report section as an :class:`research.views.html.Html`
fragment. All numbers come from the screening table (and, for the sensitivity section, from
re-running the screening with other weights); all wording from
:mod:`research.views.candidate_screening.texts`; every data-derived string is escaped.

References
----------
Bloom, H. S. (1995). Minimum detectable effects. *Evaluation Review* 19(5), 547-556.
Breslow, N. E. and Day, N. E. (1987). *Statistical Methods in Cancer Research II*. IARC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from research.analyses.screening import DEFAULT_WEIGHTS, ScreeningTable, screen_candidates
from research.core import fmt
from research.core.errors import ParameterError
from research.core.warnings import IncompleteYearsWarning, warning_texts
from research.data.catalog import Catalog, Indicator, load_catalog
from research.data.groups import AreaGroup
from research.data.panel import load_panel
from research.data.pilots import case
from research.geo.area import Area
from research.geo.registry import load_areas
from research.stats.rates import DEFAULT_MIN_COUNT, suppress_small
from research.views import html
from research.views.charts import figure_scope

from .charts import need_detectability_chart
from .checks import check_parameters, check_weights
from .summary import findings
from .texts import TEXTS

__all__ = [
    "COMPONENTS",
    "GLOSSARY",
    "WEIGHT_SETS",
    "CandidateScreening",
    "candidate_screening",
    "sensitivity_ranks",
]


#: Component names, in the order of :data:`research.analyses.screening.DEFAULT_WEIGHTS`.
COMPONENTS: tuple[str, ...] = tuple(DEFAULT_WEIGHTS)

#: Alternative weight sets of the sensitivity section (need / similarity / detectability).
WEIGHT_SETS: dict[str, dict[str, float]] = {
    "equal": dict(DEFAULT_WEIGHTS),
    "need_only": {"need": 1.0, "similarity": 0.0, "detectability": 0.0},
    "detect_heavy": {"need": 0.25, "similarity": 0.25, "detectability": 0.5},
    "similarity_heavy": {"need": 0.25, "similarity": 0.5, "detectability": 0.25},
}

#: The terms of the report's glossary, in the order shown (``term_<key>``/``def_<key>`` in
#: the catalogue, :func:`research.views.html.glossary_body`): the statistics a reader meets
#: in the sections above it.
GLOSSARY = (
    "rate",
    "estimated_count",
    "rate_ratio",
    "interval",
    "exact",
    "percentile_rank",
    "distance",
    "log_scale",
    "power",
    "mdd",
    "test_level",
    "overdispersion",
    "dilution",
    "series_break",
)

_SENS_K = 10  # the sensitivity section follows the top 10
_CHART_K = 10  # labelled kommuner in the chart (besides the focus kommun and the pilot)


# -- sensitivity --------------------------------------------------------------------------
def sensitivity_ranks(
    panel: pl.DataFrame,
    weight_sets: Mapping[str, Mapping[str, float]],
    *,
    k: int = _SENS_K,
    include: Sequence[str] | None = None,
    **screen_kw: object,
) -> pl.DataFrame:
    """Ranks of the kommuner under several weight sets.

    The screening is run once per weight set with
    :func:`research.analyses.screening.screen_candidates`
    (all other settings from ``screen_kw``).

    Parameters
    ----------
    panel
        The panel of :func:`research.data.panel.load_panel`.
    weight_sets
        ``{name: weights}``, in column order; the first set orders the rows.
    k
        Rows are the kommuner in the top ``k`` of at least one set ...
    include
        ... plus these kommun codes (default: the case's candidate, ``data/pilots.toml``).
    **screen_kw
        Passed to :func:`research.analyses.screening.screen_candidates` (pilot, indicator, years).

    Returns
    -------
    polars.DataFrame
        ``area_code``, ``area_name`` and one Int64 rank column per weight set (named as the
        set), sorted by the first set's rank.

    Raises
    ------
    ParameterError
        For invalid weights or an empty ``weight_sets``.

    Examples
    --------
    >>> from research.data.panel import load_panel
    >>> s = sensitivity_ranks(load_panel(), {"equal": {"need": 1, "similarity": 1,
    ...     "detectability": 1}, "need_only": {"need": 1}}, k=3)
    >>> s.columns
    ['area_code', 'area_name', 'equal', 'need_only']
    """
    if not weight_sets:
        en, sv = TEXTS.both("check_weight_sets_empty")
        raise ParameterError(en, sv=sv)
    if not isinstance(k, int) or k < 1:
        en, sv = TEXTS.both("check_k", k=k)
        raise ParameterError(en, sv=sv)
    ranks: pl.DataFrame | None = None
    for name, w in weight_sets.items():
        tab = screen_candidates(panel, weights=w, **screen_kw)  # type: ignore[arg-type]
        part = tab.select("area_code", "area_name", pl.col("rank").alias(name))
        ranks = part if ranks is None else ranks.join(part.drop("area_name"), on="area_code")
    assert ranks is not None
    names = list(weight_sets)
    keep = pl.any_horizontal(pl.col(n) <= k for n in names) | pl.col("area_code").is_in(
        list(include) if include is not None else [case().candidate]
    )
    return ranks.filter(keep).sort(names[0])


# -- the report ---------------------------------------------------------------------------
def _lc_first(text: str) -> str:
    """Lower-case the first letter of a label used mid-sentence (not of an acronym)."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _rows_table(  # noqa: PLR0913 - a table's parts (headers, rows, caption, notes, classes) as named arguments
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    numeric: Sequence[bool | str],
    caption: str | None = None,
    footnotes: Sequence[str] = (),
    strong: Iterable[int] = (),
    row_header: int = 0,
    groups: Sequence[tuple[str, int]] = (),
    compact: bool = False,
) -> html.Html:
    """A data table like :func:`research.views.html.table`, for wide tables with emphasized rows.

    Cells are escaped. ``numeric`` per column: ``True`` right-aligned without wrapping,
    ``"wrap"`` right-aligned and allowed to wrap (e.g. a value with its interval), ``False``
    text. Headers may always wrap. Column ``row_header`` holds the row headers (in normal
    weight); the rows in ``strong`` (indices) are set in bold. ``groups`` adds a header row
    above the column headers: ``(label, number of columns spanned)``, ``""`` for none.
    ``compact`` sets the table in a smaller font with row headers that never wrap, so that a
    wide table fits the text column of an A4 page.
    """
    bold = set(strong)
    right = "text-align:right"
    rstyle = f' style="{right}"'
    head = "".join(
        f'<th scope="col"{rstyle if n else ""}>{html.esc(h)}</th>'
        for h, n in zip(headers, numeric, strict=True)
    )
    top = ""
    center = ' style="text-align:center"'
    if groups:
        if sum(span for _, span in groups) != len(headers):
            raise ValueError("groups must span exactly the columns")
        top = (
            "<tr>"
            + "".join(
                f'<th scope="colgroup" colspan="{span}"{center}>{html.esc(g)}</th>'
                if g
                else f'<td colspan="{span}"></td>'
                for g, span in groups
            )
            + "</tr>"
        )
    body = []
    for r, row in enumerate(rows):
        cells = []
        for i, (v, n) in enumerate(zip(row, numeric, strict=True)):
            attrs = ' class="num"' if n is True else f' style="{right}"' if n else ""
            text = html.esc(v)
            if r in bold:
                text = f"<strong>{text}</strong>"
            if i == row_header:
                rules = ([right] if n else []) + ([] if r in bold else ["font-weight:normal"])
                rules += ["white-space:nowrap"] if compact else []
                style = f' style="{";".join(rules)}"' if rules else ""
                cells.append(f'<th scope="row"{style}>{text}</th>')
            else:
                cells.append(f"<td{attrs}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.esc(caption)}</caption>" if caption else ""
    foot = "".join(f'<p class="footnote">{html.esc(f)}</p>' for f in footnotes)
    size = ' style="font-size:0.85em"' if compact else ""
    return html.Html(
        f'<table class="data"{size}>{cap}<thead>{top}<tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{foot}"
    )


@dataclass
class CandidateScreening:
    """Everything the ``candidate_screening`` report shows, computed from validated inputs."""

    pilot: Area
    indicator: Indicator
    years: tuple[int, int]
    top: int
    lan: Area | None
    weights: dict[str, float]
    weights_given: dict[str, float | None]
    lang: str
    table: ScreeningTable = field(repr=False)
    sensitivity: pl.DataFrame = field(repr=False)
    sensitivity_sets: dict[str, dict[str, float]] = field(repr=False)
    catalog: Catalog = field(repr=False)
    focus: Area = field(repr=False)
    min_count: int = DEFAULT_MIN_COUNT
    group: AreaGroup | None = None

    # -- helpers -------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of kommuner ranked (the candidates: every kommun but the pilot)."""
        return int(self.table["rank"].is_not_null().sum())

    @property
    def ind_label(self) -> str:
        """Short label of the indicator, for use mid-sentence."""
        return _lc_first(self.indicator.label(self.lang, short=True))

    def _num(self, x: float | None, decimals: int = 2) -> str:
        return fmt.format_number(x, decimals, self.lang)

    def number(self, x: float | None) -> str:
        """A ratio or score as the tables show it (two decimals)."""
        return self._num(x)

    @property
    def sens_k(self) -> int:
        """The sensitivity section follows the top this many."""
        return _SENS_K

    def _num_trim(self, x: float) -> str:
        """A number with as few decimals as it needs, at most three (``2``, ``0,25``)."""
        for decimals in (0, 1, 2):
            if abs(round(x, decimals) - x) < 1e-9:
                return fmt.format_number(x, decimals, self.lang)
        return fmt.format_number(x, 3, self.lang)

    def _pct(self, w: float) -> str:
        return fmt.format_percent(100 * w, 1, self.lang)

    def _window_text(self, key: str) -> str:
        """Message ``key`` with the indicator's short label and the pooling window filled in."""
        label = self.indicator.label(self.lang, short=True)
        return TEXTS(key, self.lang, indicator=label, years=self.years_text())

    def row(self, code: str) -> dict:
        """The screening row of one kommun (as a dict)."""
        return self.table.filter(pl.col("area_code") == code).row(0, named=True)

    def candidates_shown(self) -> pl.DataFrame:
        """The ranked kommuner the main table draws from: all, or those of the län or group."""
        tab = pl.DataFrame(self.table).filter(pl.col("rank").is_not_null())
        if self.lan is not None:
            codes = [a.code for a in load_areas().children(self.lan.code)]
            tab = tab.filter(pl.col("area_code").is_in(codes))
        if self.group is not None:
            tab = tab.filter(pl.col("area_code").is_in(list(self.group.codes)))
        return tab.sort("rank")

    def shown(self) -> pl.DataFrame:
        """Rows of the main table: the top ``top`` (of the län, if given), best first.

        A Boolean column ``extra`` marks the focus kommun when it is appended below the
        selection. The pilot kommun is not a candidate and never shown here.
        """
        tab = self.candidates_shown()
        out = tab.head(self.top).with_columns(pl.lit(False).alias("extra"))
        if self.focus.code not in out["area_code"].to_list():
            extra = pl.DataFrame(self.table).filter(pl.col("area_code") == self.focus.code)
            out = pl.concat([out, extra.with_columns(pl.lit(True).alias("extra"))])
        return out

    def _mde_text(self, r: Mapping) -> str:
        if r["need_rate_ratio_est"] is None:
            return fmt.format_number(None, 0, self.lang)
        if r["detect_mde_pct"] is None:
            return TEXTS("not_detectable_short", self.lang)
        return fmt.format_percent(r["detect_mde_pct"], 0, self.lang)

    def interval_text(self, r: Mapping) -> str:
        """The 95 % interval of a row's rate ratio to riket, as the tables show it."""
        lo, hi = r["need_lower_est"], r["need_upper_est"]
        if lo is None or hi is None:
            return fmt.format_number(None, 2, self.lang)
        return fmt.format_range(self._num(lo), self._num(hi), self.lang)

    def count_state(self, r: Mapping) -> str:
        """What a row's pooled estimated count lets the text say about its ratio.

        ``"missing"`` (no pooled count: values lack in some year), ``"zero"`` (no reported
        crimes: the ratio is 0 and only its upper limit says something), ``"small"`` (1 to
        ``min_count - 1``: suppressed, as in the tables) or ``"value"``.
        """
        count = r["count_est_total"]
        if count is None or r["need_rate_ratio_est"] is None:
            return "missing"
        if round(count) == 0:
            return "zero"
        return "small" if round(count) < self.min_count else "value"

    def years_text(self) -> str:
        """The pooling window as a reader reads it: ``2020–2022``, or ``2022`` for one year."""
        first, last = (fmt.format_year(y) for y in self.years)
        return first if first == last else fmt.format_range(first, last, self.lang)

    def ratio_phrase(self, r: Mapping, style: str) -> str:
        """A row's rate ratio to riket worded for a sentence (``"zero"`` or ``"value"`` rows).

        ``style`` is the sentence's: ``"sum"`` (the summary), ``"sum_its"`` (the summary, of
        the pilot), ``"list"`` (the focus kommun's line) or ``"cmp"`` (the pilot's line). A
        zero count is worded as no reported crimes with the interval's upper limit.
        """
        if self.count_state(r) == "zero":
            key = {"sum_its": "ratio_sum_zero"}.get(style, f"ratio_{style}_zero")
            return TEXTS(
                key, self.lang, years=self.years_text(), upper=self._num(r["need_upper_est"])
            )
        return TEXTS(
            f"ratio_{style}",
            self.lang,
            rr=self._num(r["need_rate_ratio_est"]),
            interval=self.interval_text(r),
        )

    def mde_phrase(self, r: Mapping, style: str) -> str:
        """A row's minimum detectable decrease worded for a sentence, or that none would be.

        ``style``: ``"sum"``, ``"list"`` or ``"cmp"``, as in :meth:`ratio_phrase`.
        """
        if r["detect_mde_pct"] is None:
            return TEXTS("mde_list_none" if style == "list" else "mde_none", self.lang)
        return TEXTS(
            f"mde_{style}", self.lang, mde=fmt.format_percent(r["detect_mde_pct"], 0, self.lang)
        )

    def focus_evidence(self, r: Mapping) -> str:
        """The focus kommun's ratio, similarity score and MDE for its line above the table."""
        sim = (
            TEXTS("sim_list", self.lang, sim=self._num(r["similarity_score"]))
            if r["similarity_score"] is not None
            else TEXTS("sim_list_missing", self.lang)
        )
        state = self.count_state(r)
        if state == "small":
            return TEXTS("ev_list_small", self.lang, sim=sim, min_count=self.min_count)
        if state == "missing":
            return TEXTS("ev_list_missing", self.lang, sim=sim, years=self.years_text())
        return TEXTS(
            "ev_list",
            self.lang,
            ratio=self.ratio_phrase(r, "list"),
            sim=sim,
            mde=self.mde_phrase(r, "list"),
        )

    def summary_evidence(self, r: Mapping) -> str:
        """The focus kommun's ratio and MDE as the summary words them."""
        state = self.count_state(r)
        if state == "small":
            return TEXTS("ev_sum_small", self.lang, min_count=self.min_count)
        if state == "missing":
            return TEXTS("ev_sum_missing", self.lang, years=self.years_text())
        return TEXTS(
            "ev_pair_zero" if state == "zero" else "ev_pair",
            self.lang,
            ratio=self.ratio_phrase(r, "sum"),
            mde=self.mde_phrase(r, "sum"),
        )

    # -- kommuner scored on incomplete data, and series breaks inside the window ------------
    def complete(self) -> pl.DataFrame:
        """The ranked kommuner with a score for every weighted component, best first."""
        cols = {"need": "need_score", "similarity": "similarity_score",
                "detectability": "detect_score"}  # fmt: skip
        weighted = [cols[c] for c in COMPONENTS if self.weights.get(c, 0.0) > 0]
        tab = pl.DataFrame(self.table).filter(pl.col("rank").is_not_null())
        return tab.filter(pl.all_horizontal(pl.col(c).is_not_null() for c in weighted)).sort("rank")

    def incomplete_text(self) -> str | None:
        """How many ranked kommuner were scored 0 for a missing component.

        With where the focus kommun ranks among the others; ``None`` when every ranked kommun
        has every weighted component.
        """
        full = self.complete()
        m = self.n - full.height
        if m == 0:
            return None
        codes = full["area_code"].to_list()
        kw = {"m": m, "n": self.n, "years": self.years_text(), "name": self.focus.label()}
        if self.focus.code not in codes:
            return TEXTS("incomplete_focus_in", self.lang, **kw)
        return TEXTS(
            "incomplete_focus",
            self.lang,
            n_full=full.height,
            rank_full=codes.index(self.focus.code) + 1,
            **kw,
        )

    def break_caveat(self) -> str | None:
        """A caveat when the pooling window spans a registered break in the series."""
        inside = self.catalog.breaks_for(self.indicator.id, self.years)
        if not inside:
            return None
        after, last = max(b.first_year for b in inside), self.years[1]
        return TEXTS(
            "break_caveat" if len(inside) == 1 else "break_caveat_many",
            self.lang,
            years=self.years_text(),
            n=len(inside),
            labels="; ".join(b.label(self.lang) for b in inside),
            suggest=fmt.format_year(after)
            if after == last
            else fmt.format_range(fmt.format_year(after), fmt.format_year(last), self.lang),
        )

    def small_range(self) -> str:
        """The estimated counts whose cells are suppressed: ``1–4`` (zero is shown)."""
        hi = self.min_count - 1
        one = fmt.format_int(1, self.lang)
        return one if hi <= 1 else fmt.format_range(one, fmt.format_int(hi, self.lang), self.lang)

    def _name(self, r: Mapping) -> str:
        label = f"{r['area_name']} ({r['area_code']})"
        return TEXTS("pilot_tag", self.lang, name=label) if r["is_pilot"] else label

    def formatted_rows(self) -> pl.DataFrame:
        """The main table as text, small counts suppressed with ``..``.

        Cells resting on the estimated count (the count, the rate ratio with its interval, the
        minimum detectable decrease and their scores) are hidden by
        :func:`research.stats.rates.suppress_small` when the pooled estimated count is 1 to
        ``min_count - 1``.
        """
        rows = self.shown()
        txt = pl.DataFrame(
            {
                "rank": [str(x) for x in rows["rank"]],
                "name": [self._name(r) for r in rows.iter_rows(named=True)],
                "count": [fmt.format_int(x, self.lang) for x in rows["count_est_total"]],
                "ratio": [self._num(x) for x in rows["need_rate_ratio_est"]],
                "interval": [self.interval_text(r) for r in rows.iter_rows(named=True)],
                "need_score": [self._num(x) for x in rows["need_score"]],
                "distance": [self._num(x) for x in rows["similarity_distance"]],
                "sim_score": [self._num(x) for x in rows["similarity_score"]],
                "mde": [self._mde_text(r) for r in rows.iter_rows(named=True)],
                "det_score": [self._num(x) for x in rows["detect_score"]],
                "total": [self._num(x) for x in rows["score"]],
                "count_est_total": rows["count_est_total"].round(0).cast(pl.Int64),
                "area_code": rows["area_code"],
                "extra": rows["extra"],
            }
        )
        # the need and detectability scores are ranks of the ratio and the MDE: a score would
        # place the hidden value among the others (the total, which mixes three scores, stays)
        return suppress_small(
            txt,
            ["count", "ratio", "interval", "need_score", "mde", "det_score"],
            count_col="count_est_total",
            min_count=self.min_count,
        )

    def source_line(self) -> str:
        """The attribution line under the table and the chart."""
        return TEXTS("source", self.lang)

    def _shown_label(self) -> str | None:
        """What the main table is restricted to: the län's name or the group's label."""
        if self.group is not None:
            g = self.group
            return f"{g.label(self.lang)} (Kolada {g.group_id})"
        return None if self.lan is None else self.lan.name

    def section_entries(self) -> list[tuple[str, str]]:
        """``(anchor, heading)`` of each section the notebook renders after the summary.

        The sections take their headings from here, so the table of contents lists exactly
        the headings a reader finds below it.
        """
        table = self._table_heading()
        return [
            ("how", TEXTS("how_heading", self.lang)),
            ("ranking", table),
            ("chart", TEXTS("chart_heading", self.lang)),
            ("sensitivity", TEXTS("sens_heading", self.lang)),
            ("notes", TEXTS("notes_heading", self.lang)),
            ("glossary", TEXTS("glossary_heading", self.lang)),
        ]

    def _table_heading(self) -> str:
        """The main table's heading: as many kommuner as it shows, within the län or group."""
        shown = self._shown_label()
        m = self.candidates_shown().height
        k = min(self.top, m)
        if shown is None:
            key = "table_heading_one" if k == 1 else "table_heading_all" if k == m else ""
            return TEXTS(key or "table_heading", self.lang, top=k)
        if m == 0:
            key = "table_heading_lan_none"
        elif m == 1:
            key = "table_heading_lan_only"
        elif k == 1:
            key = "table_heading_lan_one"
        else:
            key = "table_heading_lan_all" if k == m else "table_heading_lan"
        return TEXTS(key, self.lang, top=k, m=m, lan=shown)

    def _h2(self, anchor: str) -> html.Html:
        return html.heading(dict(self.section_entries())[anchor], 2, anchor)

    # -- sections ------------------------------------------------------------------------
    def summary(self) -> html.Html:
        """The "Sammanfattning" (findings of the sections below), then a table of contents."""
        return html.opening(findings(self), self.section_entries(), self.lang)

    def title(self) -> html.Html:
        """Report title and a subtitle naming the indicator, years and län."""
        kw = {"n": self.n, "indicator": self.ind_label, "years": self.years_text()}
        shown = self._shown_label()
        sub = (
            TEXTS("subtitle_lan", self.lang, lan=shown, **kw)
            if shown is not None
            else TEXTS("subtitle", self.lang, **kw)
        )
        return html.heading(TEXTS("title_cs", self.lang), 1) + html.paragraph(sub)

    def components_table(self) -> html.Html:
        """The three components side by side: what they measure, raw value, score, weight."""
        s = self.table.settings
        level = fmt.format_percent(100 * s["level"], 0, self.lang)
        variables = [
            _lc_first(self.catalog[v].label(self.lang, short=True))
            for v in s["similarity_variables"]
        ]
        rows = [
            [
                TEXTS("need", self.lang),
                TEXTS(
                    "need_measures", self.lang, indicator=self.ind_label, years=self.years_text()
                ),
                TEXTS("need_raw", self.lang, level=level),
                TEXTS("need_rule", self.lang),
                self._pct(self.weights["need"]),
            ],
            [
                TEXTS("similarity", self.lang),
                TEXTS(
                    "sim_measures",
                    self.lang,
                    pilot=self.pilot.label(),
                    variables=fmt.format_list(variables, self.lang),
                ),
                TEXTS("sim_raw", self.lang),
                TEXTS("sim_rule", self.lang),
                self._pct(self.weights["similarity"]),
            ],
            [
                TEXTS("detectability", self.lang),
                TEXTS("det_measures", self.lang, years=s["pilot_years"]),
                TEXTS(
                    "det_raw",
                    self.lang,
                    power=fmt.format_percent(100 * s["power"], 0, self.lang),
                    alpha=fmt.format_percent(100 * s["alpha"], 0, self.lang),
                ),
                TEXTS("det_rule", self.lang),
                self._pct(self.weights["detectability"]),
            ],
            [
                TEXTS("total_row", self.lang),
                TEXTS("total_measures", self.lang),
                "",
                TEXTS("total_rule", self.lang),
                self._pct(sum(self.weights.values())),
            ],
        ]
        headers = [
            TEXTS(k, self.lang)
            for k in ("col_component", "col_measures", "col_raw", "col_score_rule", "col_weight")
        ]
        given = self.weights_given
        if all(v is None for v in given.values()):
            note = TEXTS("weights_default", self.lang)
        else:
            shown = {
                c: self._num_trim(v if v is not None else DEFAULT_WEIGHTS[c])
                for c, v in given.items()
            }
            note = TEXTS("weights_note", self.lang, **shown)
        return html.table(
            headers,
            rows,
            numeric=[False, False, False, False, True],
            caption=TEXTS("comp_caption", self.lang),
            footnotes=[note],
            # tall rows: kept whole, the table would leave a third of page 1 empty
            breakable=True,
        )

    def intro(self) -> html.Html:
        """Section 1: what the ranking is, the components and weights, and the caveats."""
        igor = case().pilot
        if self.pilot.code == igor.parent_code:
            text = TEXTS(
                "intro_igor",
                self.lang,
                name=igor.name,
                full=igor.full_name,
                start=fmt.format_month(igor.start, self.lang),
                district=igor.district,
                pilot=self.pilot.label(),
            )
        else:
            text = TEXTS("intro_other", self.lang, pilot=self.pilot.label())
        broken = self.break_caveat()
        caveats = html.callout(
            TEXTS("screening_aid_heading", self.lang),
            ([broken] if broken else [])
            + [
                TEXTS("caveat_aid", self.lang),
                TEXTS("caveat_direction", self.lang),
                TEXTS("caveat_small_ratios", self.lang, small=self.small_range()),
                TEXTS("caveat_estimated_counts", self.lang),
            ],
            kind="warning",
        )
        return (
            self._h2("how")
            + html.paragraph(text)
            + html.paragraph(TEXTS("intro_components", self.lang))
            + self.components_table()
            + caveats
        )

    def main_table(self) -> html.Html:
        """Section 2: the top candidate kommuner with every component, the focus kommun included."""
        s = self.table.settings
        level = fmt.format_percent(100 * s["level"], 0, self.lang)
        f = self.formatted_rows()
        cols = [
            "rank",
            "name",
            "count",
            "ratio",
            "interval",
            "need_score",
            "distance",
            "sim_score",
            "mde",
            "det_score",
            "total",
        ]
        headers = [
            TEXTS("hdr_rank", self.lang),
            TEXTS("col_kommun", self.lang),
            TEXTS("hdr_count", self.lang),
            TEXTS("hdr_ratio", self.lang),
            TEXTS("hdr_interval", self.lang),
            TEXTS("hdr_score", self.lang),
            TEXTS("hdr_distance", self.lang),
            TEXTS("hdr_score", self.lang),
            TEXTS("hdr_mde", self.lang),
            TEXTS("hdr_score", self.lang),
            TEXTS("hdr_total", self.lang),
        ]
        groups = [
            ("", 3),
            (TEXTS("need", self.lang), 3),
            (TEXTS("similarity", self.lang), 2),
            (TEXTS("detectability", self.lang), 2),
            ("", 1),
        ]
        rows: list[list[str]] = []
        strong: list[int] = []
        for r in f.iter_rows(named=True):
            if r["extra"]:
                rows.append([TEXTS("gap_row", self.lang)] + [""] * (len(cols) - 1))
            if r["area_code"] == self.focus.code:
                strong.append(len(rows))
            rows.append([r[c] for c in cols])
        fr = self.row(self.focus.code)
        parts = self._h2("ranking")
        if fr["area_code"] != self.pilot.code:
            parts += html.paragraph(
                TEXTS(
                    "focus_line",
                    self.lang,
                    name=self.focus.label(),
                    role=TEXTS(
                        "role_candidate" if self.focus.code == case().candidate else "role_focus",
                        self.lang,
                    ),
                    rank=fr["rank"],
                    n=self.n,
                    score=self._num(fr["score"]),
                    evidence=self.focus_evidence(fr),
                )
            )
            incomplete = self.incomplete_text()
            if incomplete:
                parts += html.paragraph(incomplete)
            if f.filter(pl.col("extra")).height:
                parts += html.paragraph(
                    TEXTS("huddinge_outside", self.lang, name=self.focus.label())
                )
        pr = self.row(self.pilot.code)
        kw = {"pilot": self.pilot.label(), "n": self.n}
        state = self.count_state(pr)
        if state == "small":
            text = TEXTS("pilot_excluded_small", self.lang, min_count=self.min_count, **kw)
        elif state == "missing":
            text = TEXTS("pilot_excluded_missing", self.lang, years=self.years_text(), **kw)
        else:
            text = TEXTS(
                "pilot_excluded",
                self.lang,
                ratio=self.ratio_phrase(pr, "cmp"),
                mde=self.mde_phrase(pr, "cmp"),
                **kw,
            )
        parts += html.paragraph(text)
        power = fmt.format_percent(100 * s["power"], 0, self.lang)
        return parts + _rows_table(
            headers,
            rows,
            numeric=[True, False] + [True] * (len(cols) - 2),
            row_header=1,
            caption=self._window_text("table_caption"),
            footnotes=[
                TEXTS(
                    "note_rank_candidates",
                    self.lang,
                    n=self.n,
                    pilot=self.pilot.label(),
                    name=self.focus.label(),
                ),
                TEXTS("abbreviations", self.lang, years=self.years_text(), level=level),
                TEXTS("table_note_est", self.lang, small=self.small_range(), power=power),
                self.source_line(),
            ],
            strong=strong,
            groups=groups,
            compact=True,
        )

    def chart_top(self) -> list[str]:
        """Codes of the table's top kommuner the chart labels (the focus kommun may be one)."""
        return self.shown().filter(~pl.col("extra")).head(_CHART_K)["area_code"].to_list()

    def chart_data(self) -> pl.DataFrame:
        """Rows drawn in the overview chart: every kommun with its role and label.

        The values of a named kommun (focus, pilot, top) whose pooled estimated count is
        suppressed in the tables are null here (``suppressed`` true): not drawn, and said in
        the chart's texts. Unnamed kommuner are drawn as anonymous dots.
        """
        top = self.chart_top()
        tab = pl.DataFrame(self.table)
        role = (
            pl.when(pl.col("area_code") == self.focus.code)
            .then(pl.lit("focus"))
            .when(pl.col("is_pilot"))
            .then(pl.lit("pilot"))
            .when(pl.col("area_code").is_in(top))
            .then(pl.lit("top"))
            .otherwise(pl.lit("other"))
        )
        pilot_label = TEXTS("pilot_chart_label", self.lang, name=self.pilot.name)
        # a value the tables suppress (1 to min_count - 1 estimated crimes) is not drawn for a
        # kommun the chart names (the focus, the pilot, the top ones): its labelled point would
        # give away what the table hides; the other kommuner are unnamed dots
        count = pl.col("count_est_total").round(0)
        small = (count >= 1) & (count < self.min_count) & (role != "other")

        def shown(column: str) -> pl.Expr:
            return pl.when(small).then(None).otherwise(pl.col(column))

        return tab.select(
            "area_code",
            "rank",
            pl.when(pl.col("rank").is_null())
            .then(pl.lit(pilot_label))
            .otherwise(pl.col("area_name") + " (" + pl.col("rank").cast(pl.String) + ")")
            .alias("label"),
            role.alias("role"),
            shown("need_rate_ratio_est").alias("ratio"),
            shown("need_lower_est").alias("lower"),
            shown("need_upper_est").alias("upper"),
            shown("detect_mde_pct").alias("mde_pct"),
            small.fill_null(False).alias("suppressed"),
        )

    def _alt_values(self, r: Mapping) -> str:
        """The focus kommun's ratio and MDE in the chart's text alternative."""
        state = self.count_state(r)
        if state == "small":
            return TEXTS("alt_small", self.lang, min_count=self.min_count)
        if state == "missing":
            return TEXTS("alt_no_values", self.lang)
        ratio = (
            TEXTS("alt_ratio_zero", self.lang)
            if state == "zero"
            else TEXTS("alt_ratio", self.lang, rr=self._num(r["need_rate_ratio_est"]))
        )
        return f"{ratio}, {self.mde_phrase(r, 'list')}"

    def _alt_named(self, d: pl.DataFrame, fr: Mapping) -> str:
        """The kommuner the chart names (the table's top ones and the focus kommun), in words."""
        focus = TEXTS(
            "alt_focus",
            self.lang,
            focus=self.focus.name,
            rank=fr["rank"],
            values=self._alt_values(fr),
        )
        codes = self.chart_top()
        top = d.filter(pl.col("area_code").is_in(codes)).sort("rank")["label"].to_list()
        if not top or codes == [self.focus.code]:
            return focus
        shown = self._shown_label()
        key = "alt_top" + ("_lan" if shown is not None else "") + ("_one" if len(top) == 1 else "")
        return TEXTS(
            "alt_named_among" if self.focus.code in codes else "alt_named",
            self.lang,
            top=TEXTS(key, self.lang, k=len(top), lan=shown),
            names=", ".join(top),
            focus=focus,
        )

    @figure_scope()
    def overview_chart(self) -> html.Html:
        """Section 3: need against detectability for all kommuner, top ones labelled."""
        first, last = self.years
        d = self.chart_data()
        s = self.table.settings
        level = fmt.format_percent(100 * s["level"], 0, self.lang)
        fr = self.row(self.focus.code)
        k = len(self.chart_top())  # the focus kommun among them has its own marker
        shown = self._shown_label()
        one = "_one" if k == 1 else ""
        legend = {
            "top": (
                TEXTS(f"legend_top_lan{one}", self.lang, k=k, lan=shown)
                if shown is not None
                else TEXTS(f"legend_top{one}", self.lang, k=k)
            ),
            "focus": TEXTS("legend_focus", self.lang, name=self.focus.name, rank=fr["rank"]),
            "pilot": TEXTS("legend_pilot", self.lang),
            "other": TEXTS("legend_other", self.lang),
        }
        drawable = d.filter(pl.col("ratio") > 0)
        n_undet = drawable.filter(pl.col("mde_pct").is_null()).height
        fig = need_detectability_chart(
            d,
            title=self._window_text("chart_title"),
            xlabel=TEXTS("ax_ratio", self.lang),
            ylabel=TEXTS("ax_mde", self.lang),
            strip_label=TEXTS("ax_undetectable", self.lang, n=n_undet),
            legend=legend,
            reference_label=TEXTS("riket_line", self.lang),
            lang=self.lang,
        )
        # the highest ratio named in words rests on enough crimes to be shown in a table
        told = pl.DataFrame(self.table).filter(
            pl.col("count_est_total").round(0) >= self.min_count
        )["area_code"]
        candidates = drawable.filter(pl.col("area_code").is_in(told.to_list()))
        hi = (
            (candidates if candidates.height else drawable)
            .sort(["ratio", "area_code"], descending=[True, False])
            .row(0, named=True)
        )
        lo = drawable.drop_nulls("mde_pct").sort("mde_pct").row(0, named=True)
        names = ", ".join(d.filter(pl.col("suppressed")).sort("label")["label"].to_list())
        n_small = int(d["suppressed"].sum())
        n_missing = d.height - drawable.height - n_small
        hidden = (
            TEXTS.count(
                "chart_small_hidden", n_small, self.lang, names=names, small=self.small_range()
            )
            if n_small
            else ""
        )
        alt = TEXTS(
            "screening_chart_alt",
            self.lang,
            n=drawable.height,
            indicator=self.ind_label,
            first=first,
            last=last,
            years=self.years_text(),
            n_undet=n_undet,
            n_missing=(TEXTS("alt_missing", self.lang, n=n_missing) if n_missing else "")
            + (
                TEXTS.count(
                    "alt_small_hidden", n_small, self.lang, names=names, small=self.small_range()
                )
                if n_small
                else ""
            ),
            named=self._alt_named(d, fr),
            max_name=hi["label"],
            max_rr=self._num(hi["ratio"]),
            min_name=lo["label"],
            min_mde=fmt.format_percent(lo["mde_pct"], 0, self.lang),
        )
        return (
            self._h2("chart")
            + html.paragraph(
                TEXTS("chart_intro", self.lang, level=level) + (f" {hidden}" if hidden else "")
            )
            + html.figure(fig, alt=alt, source=self.source_line())
        )

    def stable_count(self) -> int:
        """How many of the top 10 under the chosen weights stay top 10 under every set."""
        names = list(self.sensitivity_sets)
        top = self.sensitivity.filter(pl.col(names[0]) <= _SENS_K)
        return top.filter(pl.all_horizontal(pl.col(n) <= _SENS_K for n in names)).height

    def median_population_top(self, weight_set: str) -> float:
        """Median mean population of the top 10 under one of the sensitivity weight sets."""
        codes = self.sensitivity.filter(pl.col(weight_set) <= _SENS_K)["area_code"].to_list()
        pop = pl.DataFrame(self.table).filter(pl.col("area_code").is_in(codes))
        return float(pop["population_mean"].median())  # type: ignore[arg-type]

    def undetectable_in_top(self, weight_set: str) -> int:
        """How many of the top 10 under a weight set have no detectable decrease."""
        codes = self.sensitivity.filter(pl.col(weight_set) <= _SENS_K)["area_code"].to_list()
        tab = pl.DataFrame(self.table).filter(pl.col("area_code").is_in(codes))
        return tab.filter(pl.col("detect_mde_pct").is_null()).height

    def sensitivity_table(self) -> html.Html:
        """Section 4: ranks of the top 10 under alternative weight sets."""
        names = list(self.sensitivity_sets)
        headers = [TEXTS("col_kommun", self.lang)]
        for name in names:
            w = self.sensitivity_sets[name]
            ws = "/".join(fmt.format_number(100 * w.get(c, 0.0), 0, self.lang) for c in COMPONENTS)
            headers.append(
                TEXTS("ws_header", self.lang, label=TEXTS(f"ws_{name}", self.lang), weights=ws)
            )
        rows, strong = [], []
        for i, r in enumerate(self.sensitivity.iter_rows(named=True)):
            if r["area_code"] == self.focus.code:
                strong.append(i)
            rows.append([f"{r['area_name']} ({r['area_code']})"] + [str(r[n]) for n in names])
        extra = html.Html("")
        chosen = names[0]
        if "need_only" in names and chosen != "need_only":
            extra = html.paragraph(
                TEXTS(
                    "sens_need_only",
                    self.lang,
                    k=_SENS_K,
                    pop_need=fmt.format_int(self.median_population_top("need_only"), self.lang),
                    pop_chosen=fmt.format_int(self.median_population_top(chosen), self.lang),
                    label=_lc_first(TEXTS(f"ws_{chosen}", self.lang)),
                    n_undet=self.undetectable_in_top("need_only"),
                )
            )
        return (
            self._h2("sensitivity")
            + html.paragraph(
                TEXTS(
                    "sens_intro",
                    self.lang,
                    n=self.n,
                    k=_SENS_K,
                    focus=self.focus.label(),
                    stable=self.stable_count(),
                )
            )
            + extra
            + _rows_table(
                headers,
                rows,
                numeric=[False] + [True] * len(names),
                caption=TEXTS("sens_caption", self.lang),
                footnotes=[TEXTS("sens_note", self.lang, k=_SENS_K), self.source_line()],
                strong=strong,
            )
        )

    def notes(self) -> html.Html:
        """Section 5: data years, breaks in the window, estimated counts, method, references."""
        first, last = self.years
        s = self.table.settings
        ind = self.indicator
        lines = [
            TEXTS(
                "note_data",
                self.lang,
                indicator=ind.label(self.lang),
                id=ind.id,
                unit=ind.unit_label(self.lang),
                first=first,
                last=last,
                years=self.years_text(),
            ),
        ]
        inside = self.catalog.breaks_for(ind.id, (first, last))
        at_start = [b for b in self.catalog.breaks_for(ind.id) if b.first_year == first]
        if inside:
            lines += [
                TEXTS(
                    "note_break_inside",
                    self.lang,
                    first=first,
                    last=last,
                    years=self.years_text(),
                    text=b.description(self.lang),
                )
                for b in inside
            ]
        else:
            key = "note_no_break_between" if at_start else "note_no_break"
            lines.append(TEXTS(key, self.lang, years=self.years_text()))
        lines += [
            TEXTS("note_break_start", self.lang, text=b.description(self.lang)) for b in at_start
        ]
        missing = self.table.filter(pl.col("need_rate_ratio_est").is_null())
        if missing.height:
            names = [f"{r['area_name']} ({r['area_code']})" for r in missing.iter_rows(named=True)]
            lines.append(TEXTS("note_missing", self.lang, n=missing.height, names=", ".join(names)))
        # the screening's other caveats (similarity, distances); note_missing names the
        # kommuner an IncompleteYearsWarning lists
        lines += warning_texts(
            [w for w in self.table.warnings if not isinstance(w, IncompleteYearsWarning)],
            self.lang,
        )
        variables = [
            _lc_first(self.catalog[v].label(self.lang, short=True))
            for v in s["similarity_variables"]
        ]
        lines += [
            TEXTS("note_estimates", self.lang),
            TEXTS("note_need", self.lang),
            TEXTS("note_similarity", self.lang, variables=fmt.format_list(variables, self.lang)),
            TEXTS("note_detect", self.lang, years=s["pilot_years"]),
            TEXTS("note_detect_effect", self.lang),
            TEXTS("note_refs", self.lang),
        ]
        return self._h2("notes") + html.callout(TEXTS("notes_heading", self.lang), lines)

    def glossary(self) -> html.Html:
        """Section 6: the statistical terms the report uses, for readers without the training.

        The terms are :data:`GLOSSARY`, worded in the report's catalogue (``term_*`` and
        ``def_*``, those the other reports explain too in the shared one).
        """
        return self._h2("glossary") + html.glossary_body(TEXTS, GLOSSARY, self.lang)


def candidate_screening(  # noqa: PLR0913 - the report's parameters, one argument each
    *,
    pilot: str = "",
    indicator: str = "N07402",
    years: str | tuple[int, int] = "2020-2022",
    top: int = 30,
    lan: str | None = "",
    areas: str | None = "",
    focus: str = "",
    w_need: float | None = None,
    w_similarity: float | None = None,
    w_detectability: float | None = None,
    lang: str = "sv",
    panel: pl.DataFrame | None = None,
) -> CandidateScreening:
    """Validate the report parameters and run the screening the report shows.

    Parameters
    ----------
    pilot
        Kommun where the pilot ran, code or name (empty: the case's, Stockholm standing in
        for the Södermalm district; ``data/pilots.toml``).
    indicator
        Outcome indicator id (a rate per inhabitants); default grov kvinnofridskränkning.
    years
        Pooling window, ``"2020-2022"`` or ``(2020, 2022)``.
    top
        Rows in the main table (1-289); the focus kommun is always added if it falls outside.
    lan
        Restrict the main table to one län (code such as ``"01"`` or name); empty = all.
    areas
        Restrict the main table to an official group of :mod:`research.data.groups`
        (``"skr:Pendlingskommun nära storstad"``, ``"kolada:liknande-ifo:Huddinge"``; a
        ``kolada:liknande-*`` reference without a kommun means the pilot's); empty = all.
        The ranking itself is always over all kommuner.
    focus
        The kommun the report follows, code or name: always shown with its rank (appended
        below the top rows if it falls outside them), in bold, and marked in the chart.
        Empty: the candidate of the case, Huddinge (``data/pilots.toml``,
        :func:`research.data.pilots.case_parameter`). It must be a kommun other than the
        pilot, which is not a candidate.
    w_need, w_similarity, w_detectability
        Relative weights >= 0, normalized to sum 1; ``None`` = the component's weight in
        :data:`research.analyses.screening.DEFAULT_WEIGHTS`.
    lang
        ``"sv"`` or ``"en"``.
    panel
        The panel (default :func:`research.data.panel.load_panel`).

    Returns
    -------
    CandidateScreening

    Raises
    ------
    ParameterError
        For invalid weights, years, top, language, indicator kind, or a ``lan`` or
        ``pilot`` or ``focus`` of the wrong level, or a ``focus`` that is the pilot.
    UnknownAreaError, AreaCodeTypeError, UnknownIndicatorError
        For unknown areas and indicators (with suggestions) and codes given as numbers.

    Examples
    --------
    >>> rep = candidate_screening(top=5, lang="en")
    >>> rep.weights == {"need": 1 / 3, "similarity": 1 / 3, "detectability": 1 / 3}
    True
    >>> int(rep.shown()["extra"].sum())  # Huddinge appended below the top 5
    1
    """
    weights, (first, last), p, lan_area, focus_area, group, ind = check_parameters(
        pilot=pilot,
        indicator=indicator,
        years=years,
        top=top,
        lan=lan,
        areas=areas,
        focus=focus,
        w_need=w_need,
        w_similarity=w_similarity,
        w_detectability=w_detectability,
        lang=lang,
    )
    panel = load_panel() if panel is None else panel
    kw = {"pilot": p.code, "indicator": ind.id, "years": (first, last)}
    table = screen_candidates(panel, weights=weights, **kw)  # type: ignore[arg-type]
    top = min(top, table.height)
    sets: dict[str, dict[str, float]] = {"chosen": weights}
    for name, w in WEIGHT_SETS.items():
        norm = check_weights(w["need"], w["similarity"], w["detectability"])
        if any(all(abs(norm[c] - v[c]) < 1e-12 for c in COMPONENTS) for v in sets.values()):
            if name == "equal" and len(sets) == 1:
                sets = {"equal": norm}  # the chosen weights are the equal ones
            continue
        sets[name] = norm
    sens = sensitivity_ranks(panel, sets, k=_SENS_K, include=(focus_area.code,), **kw)
    return CandidateScreening(
        pilot=p,
        indicator=ind,
        years=(first, last),
        top=top,
        lan=lan_area,
        weights=weights,
        weights_given={
            "need": w_need,
            "similarity": w_similarity,
            "detectability": w_detectability,
        },
        lang=lang,
        table=table,
        sensitivity=sens,
        sensitivity_sets=sets,
        catalog=load_catalog(),
        focus=focus_area,
        group=group,
    )
