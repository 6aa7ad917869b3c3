"""Screening kommuner for a pilot expansion: need, similarity and detectability side by side.

:func:`screen_candidates` ranks all kommuner on three components, each shown with its raw
value and a 0-1 score, and a weighted total. Nothing is hidden in the total: the table is
meant to be read column by column, and the weights are parameters.

Components
----------
**Need.** The kommun's pooled rate of the indicator over ``years`` (sum of the estimated
counts over the sum of the populations) relative to riket's pooled rate, as a rate ratio with
the exact conditional interval and p-value of :func:`research.stats.rates.rate_ratio`. Counts are
**estimated** (``count_est`` = published rate x population / 100 000; the snapshot carries no
counts), hence the ``_est`` suffix of these columns. With ``reference="riket"`` (default) the
kommun is part of the reference, so the interval, which treats the two as independent, is
somewhat too wide for the largest kommuner; ``reference="rest"`` compares with the rest of
the country instead (independent groups). *Score*: the percentile rank of the rate ratio
among the kommuner, ``(r - 1) / (n - 1)`` with ``r`` the rank from the lowest (ties share
their mean rank): 1 for the highest relative rate, 0 for the lowest. A rank is used because
rate ratios of small kommuner are noisy and skewed; it keeps one extreme kommun from
compressing every other score.

**Similarity** to the pilot area: the distance of :func:`research.analyses.similarity.similar_areas`
(standardized indicators and log population, averaged over ``years``). *Score*:
``1 - (r - 1) / (n - 1)`` with ``r`` the rank by distance from the nearest. The pilot kommun
itself is not a candidate (``exclude_pilot``): it keeps its raw values for reference but no
scores and no rank, and the percentile ranks are taken over the other kommuner.

**Detectability**: the minimum detectable effect
(:func:`research.stats.power.minimum_detectable_effect`)
of a pilot of ``pilot_years`` years measured against as many years before, with the kommun's
mean estimated count per year over ``years`` as baseline and the rest of the country as the
comparison group, so much larger than a kommun that its share of the events after the start is
taken as known (``inference="auto"``: the exact conditional test of the kommun's post-period
share for up to 600 expected events over both periods, Przyborowski & Wilenski 1940, and the
two-sided score test above, Fleiss, Levin & Paik 2003; both have power rising with the size
of the drop; the score formula alone overstated the power of kommuner with few events, 88 of
290 with grov kvinnofridskränkning 2020-2022 shown a detectable drop where none is). *Score*:
the MDE rate ratio itself for a decrease (1 would mean any drop is detectable, 0.5 that only a
halving is, 0 that nothing is), and its inverse for an increase.

**Total**: ``sum_c w_c score_c / sum_c w_c``; a missing component scores 0 (listed in
``warnings``). Default weights are equal (1/3 each): no component is known to matter more,
and equal weights are the easiest to explain; change them to reflect priorities.

Reported crime measures police registration as much as violence; a successful outreach pilot
may *raise* reported cases, so "need" and "detectability" refer to reported figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from research.analyses.screening_weights import DEFAULT_WEIGHTS
from research.core.errors import ArgumentError, DataError, PilotbenchWarning
from research.core.i18n import load_catalogue
from research.core.warnings import IncompleteYearsWarning, NoSimilarityDistanceWarning
from research.geo.area import RIKET, level_phrase
from research.geo.registry import load_areas
from research.stats.identification import check_weights
from research.stats.power import minimum_detectable_effect
from research.stats.rates import rate_ratio

from .panel_rows import check_panel_columns, check_panel_rows
from .similarity import similar_areas

__all__ = ["DEFAULT_WEIGHTS", "ScreeningNote", "ScreeningTable", "screen_candidates"]

_COMPONENTS = tuple(DEFAULT_WEIGHTS)

#: The wording of this module's errors, in Swedish and English (research.core.i18n).
_TEXTS = load_catalogue(Path(__file__).with_name("screening.toml"))

#: The panel's columns the screening reads.
_PANEL_COLUMNS = ("area_code", "level", "year", "indicator", "sex", "population", "count_est")


@dataclass(frozen=True)
class ScreeningNote:
    """A methods note of a screening, as a stable code and its values (no wording).

    :func:`research.views.candidate_screening.texts.note_texts` turns notes into sentences.

    Attributes
    ----------
    code
        ``"estimated_counts"`` (counts estimated from rates, pooled over ``first``-``last``),
        ``"need"`` (rate ratio against ``reference``: ``"riket"`` or the rest of riket),
        ``"similarity"`` (distance to ``pilot`` on ``variables``, ``standardize``,
        ``metric``), ``"detectability"`` (MDE with ``pilot_years``, ``alpha``, ``power``,
        ``overdispersion``) or ``"reported_crime"`` (reported crime measures registration).
    values
        The settings the note refers to.
    """

    code: str
    values: dict[str, object] = field(default_factory=dict)


class ScreeningTable(pl.DataFrame):
    """Result of :func:`screen_candidates`: a polars DataFrame with extra attributes.

    Attributes
    ----------
    weights
        Normalized component weights (summing to 1).
    settings
        Indicator, years, pilot, similarity variables and power settings used.
    notes
        Methods notes on the columns (estimated counts, transforms) as
        :class:`ScreeningNote` codes; :func:`research.views.candidate_screening.texts.note_texts`
        words them in a report's language.
    warnings
        Missing values, dropped areas: :class:`~research.core.warnings.ScreeningWarning`
        objects and the similarity component's
        :class:`~research.core.warnings.SimilarityWarning` objects, worded in a report's
        language by :func:`research.core.warnings.warning_text`.
    """

    weights: dict
    settings: dict
    notes: list[ScreeningNote]
    warnings: list[PilotbenchWarning]


def _percent_rank(x: np.ndarray, descending: bool = False) -> np.ndarray:
    """(average rank - 1) / (n - 1) over the finite values; nan elsewhere."""
    out = np.full(x.shape, np.nan)
    ok = np.isfinite(x)
    n = int(ok.sum())
    if n == 0:
        return out
    if n == 1:
        out[ok] = 1.0
        return out
    v = -x[ok] if descending else x[ok]
    ranks = pl.Series(v).rank("average").to_numpy()
    out[ok] = (ranks - 1.0) / (n - 1.0)
    return out


def screen_candidates(  # noqa: PLR0913 - the screening's documented weights and filters, keyword-only
    panel: pl.DataFrame,
    *,
    pilot: str = "0180",
    indicator: str = "N07402",
    years: tuple[int, int] = (2020, 2022),
    weights: Mapping[str, float] | None = None,
    similarity_indicators: Sequence[str] = ("N07402", "N07403", "N07540", "N07549"),
    similarity_covariates: Sequence[str] = ("N01951",),
    standardize: str = "z",
    metric: str = "euclidean",
    reference: str = "riket",
    level: float = 0.95,
    pilot_years: int = 3,
    alpha: float = 0.05,
    power: float = 0.8,
    overdispersion: float = 1.0,
    direction: str = "decrease",
    exclude_pilot: bool = True,
) -> ScreeningTable:
    """Rank all kommuner as candidates for a pilot expansion.

    Parameters
    ----------
    panel
        The long panel of :func:`research.data.panel.load_panel`.
    pilot
        Code of the kommun where the pilot ran (``"0180"`` Stockholm, home of Södermalm).
    indicator
        Outcome indicator (default ``"N07402"``, grov kvinnofridskränkning per 100 000).
    years
        ``(first, last)`` years pooled for need and detectability and averaged for
        similarity.
    weights
        ``{"need": .., "similarity": .., "detectability": ..}`` (normalized to sum 1;
        components left out get 0). Default: 1/3 each.
    similarity_indicators, similarity_covariates
        Variables of :func:`research.analyses.similarity.similar_areas` (population
        log-transformed).
    standardize, metric
        Passed to :func:`research.analyses.similarity.similar_areas`.
    reference
        ``"riket"`` (default) or ``"rest"`` (riket minus the kommun) for the need ratio.
    level
        Confidence level of the need interval.
    pilot_years, alpha, power, overdispersion, direction
        Settings of the detectability MDE (``pilot_years`` before and after the start).
    exclude_pilot
        When true (default) the pilot kommun is not a candidate: its row stays in the table
        (``is_pilot``; raw values such as its rate ratio and MDE filled in) but it has no
        ``rank`` and no scores, it is sorted last, and the percentile-rank scores are taken
        over the other kommuner only. ``False`` ranks it like any other kommun (its
        similarity score is then 1 by definition).

    Returns
    -------
    ScreeningTable
        One row per kommun, best first: ``rank``, ``area_code``, ``area_name``, ``is_pilot``,
        ``population_mean``, ``count_est_total``, ``rate_est`` (per 100 000),
        ``need_rate_ratio_est``, ``need_lower_est``, ``need_upper_est``,
        ``need_p_value_est``, ``need_score``, ``similarity_distance``, ``similarity_score``,
        ``detect_baseline_per_year_est``, ``detect_mde_rate_ratio``, ``detect_mde_pct``,
        ``detect_score``, ``score``; attributes ``weights``, ``settings``, ``notes``,
        ``warnings``.

    Raises
    ------
    ArgumentError
        Invalid weights, years, reference or pilot; ``panel`` not a panel (a column missing).
    DataError
        When riket's figures for the indicator are missing in a year; when the indicator's
        rows repeat an area and year, or hold a population of zero or below, a negative
        count or a NaN value (:func:`research.analyses.panel_rows.check_panel_rows`).

    References
    ----------
    Brå's reported crime statistics and SCB population via the Kolada snapshot; limits as in
    Spiegelhalter DJ (2005), Stat Med 24:1185-1202 (see :func:`research.stats.funnel.funnel`).

    Examples
    --------
    >>> from research.data.panel import load_panel
    >>> tab = screen_candidates(load_panel())
    >>> tab.height, tab.columns[:4]
    (290, ['rank', 'area_code', 'area_name', 'is_pilot'])
    >>> tab.filter(pl.col("is_pilot")).select("rank", "area_code", "score").row(0)
    (None, '0180', None)
    """
    check_panel_columns(panel, _PANEL_COLUMNS)
    w = check_weights(
        DEFAULT_WEIGHTS if weights is None else weights, _COMPONENTS, missing=0.0, what="component"
    )
    w = {c: v / sum(w.values()) for c, v in w.items()}
    if not isinstance(exclude_pilot, bool):
        en, sv = _TEXTS.both("exclude_pilot_not_bool", value=exclude_pilot)
        raise ArgumentError(en, sv=sv)
    if reference not in ("riket", "rest"):
        en, sv = _TEXTS.both("reference_unknown", reference=reference)
        raise ArgumentError(en, sv=sv)
    if not (
        isinstance(years, tuple | list)
        and len(years) == 2
        and all(isinstance(y, int) for y in years)
        and years[0] <= years[1]
    ):
        en, sv = _TEXTS.both("years_invalid", years=years)
        raise ArgumentError(en, sv=sv)
    pilot_area = load_areas().resolve(pilot)
    if pilot_area.level != "kommun":
        level_en, level_sv = level_phrase(pilot_area.level)
        raise ArgumentError(
            _TEXTS("pilot_not_kommun", "en", label=pilot_area.label(), level=level_en),
            sv=_TEXTS("pilot_not_kommun", "sv", label=pilot_area.label(), level=level_sv),
        )
    first, last = int(years[0]), int(years[1])
    n_years = last - first + 1
    warns: list[PilotbenchWarning] = []
    sub = panel.filter(
        (pl.col("indicator") == indicator)
        & (pl.col("sex") == "T")
        & pl.col("year").is_between(first, last)
    )
    if sub.height == 0:
        en, sv = _TEXTS.both("no_values", indicator=indicator, first=first, last=last)
        raise DataError(en, sv=sv)
    check_panel_rows(sub, indicator)
    riket = sub.filter(pl.col("area_code") == RIKET).drop_nulls(["count_est", "population"])
    if riket.height != n_years:
        en, sv = _TEXTS.both("riket_incomplete", indicator=indicator, first=first, last=last)
        raise DataError(en, sv=sv)
    r_count = float(riket["count_est"].sum())
    r_pop = float(riket["population"].sum())

    kom = load_areas().by_level("kommun")
    base = pl.DataFrame(
        {"area_code": [a.code for a in kom], "area_name": [a.name for a in kom]}
    ).sort("area_code")
    pooled = (
        sub.filter(pl.col("level") == "kommun")
        .drop_nulls(["count_est", "population"])
        .group_by("area_code")
        .agg(
            pl.col("count_est").sum().cast(pl.Float64).alias("count_est_total"),
            pl.col("population").sum().alias("_exposure"),
            pl.len().alias("_n"),
        )
    )
    tab = base.join(pooled, on="area_code", how="left")
    incomplete = tab.filter(pl.col("_n").is_null() | (pl.col("_n") < n_years))
    if incomplete.height:
        lacking = incomplete["area_code"].to_list()
        warns.append(
            IncompleteYearsWarning(
                f"{len(lacking)} kommuner lack {indicator} in some of {first}-{last}; their "
                f"need and detectability are left empty and score 0: {lacking}.",
                n_areas=len(lacking),
                indicator=indicator,
                first=first,
                last=last,
                areas=lacking[:20],
            )
        )
        tab = tab.with_columns(
            pl.when(pl.col("_n") == n_years).then(pl.col(c)).otherwise(None).alias(c)
            for c in ("count_est_total", "_exposure")
        )
    x = tab["count_est_total"].to_numpy().astype(float)
    e = tab["_exposure"].to_numpy().astype(float)
    have = np.isfinite(x) & np.isfinite(e) & (e > 0)
    ratio = np.full(x.size, np.nan)
    lo = np.full(x.size, np.nan)
    hi = np.full(x.size, np.nan)
    pv = np.full(x.size, np.nan)
    if have.any():
        rc = np.full(int(have.sum()), r_count)
        rp = np.full(int(have.sum()), r_pop)
        if reference == "rest":
            rc, rp = rc - x[have], rp - e[have]
        rr = rate_ratio(x[have], e[have], rc, rp, level=level)
        ratio[have], lo[have], hi[have], pv[have] = rr.ratio, rr.lower, rr.upper, rr.p_value
    codes = tab["area_code"].to_list()
    cand = np.array([not (exclude_pilot and c == pilot_area.code) for c in codes])
    need_score = _percent_rank(np.where(cand, ratio, np.nan))

    sim = similar_areas(
        panel, pilot_area.code, indicators=list(similarity_indicators),
        covariates=list(similarity_covariates), year=(first, last), k=None,
        standardize=standardize, metric=metric,
    )  # fmt: skip
    warns.extend(sim.warnings)
    dist_map = dict(zip(sim["area_code"].to_list(), sim["distance"].to_list(), strict=True))
    dist_map[pilot_area.code] = 0.0
    dist = np.array([dist_map.get(c, np.nan) for c in tab["area_code"].to_list()], dtype=float)
    sim_score = _percent_rank(np.where(cand, dist, np.nan), descending=True)

    b = np.where(have, x / n_years, np.nan)
    # the rest of the country as the comparison group: a pool some hundred times a kommun's
    # events, taken as unlimited (its share after the start known), so that the exact test
    # answers a kommun with few events (the score formula overstated their power)
    mde = minimum_detectable_effect(
        np.nan_to_num(b, nan=0.0), years_pre=pilot_years, years_post=pilot_years,
        alpha=alpha, power=power, overdispersion=overdispersion, direction=direction,
    )  # fmt: skip
    mde_rr = np.where(have, np.asarray(mde.mde_rate_ratio_measured, dtype=float), np.nan)
    det_score = mde_rr if direction == "decrease" else 1.0 / mde_rr
    det_score = np.where(np.isfinite(det_score), det_score, 0.0)
    det_score = np.where(have & cand, det_score, np.nan)

    scores = {"need": need_score, "similarity": sim_score, "detectability": det_score}
    total = sum(w[c] * np.nan_to_num(scores[c], nan=0.0) for c in _COMPONENTS)
    total = np.where(cand, total, np.nan)
    codes, names = tab["area_code"].to_list(), tab["area_name"].to_list()
    missing_sim = [f"{n} ({c})" for c, n, d in zip(codes, names, dist, strict=True) if np.isnan(d)]
    if missing_sim:
        warns.append(
            NoSimilarityDistanceWarning(
                f"No similarity distance (score 0) for: {', '.join(missing_sim)}.",
                n_areas=len(missing_sim),
                areas=missing_sim[:20],
            )
        )

    out = tab.select("area_code", "area_name").with_columns(
        (pl.col("area_code") == pilot_area.code).alias("is_pilot"),
        pl.Series("population_mean", e / n_years),
        pl.Series("count_est_total", x),
        pl.Series("rate_est", 1e5 * x / e),
        pl.Series("need_rate_ratio_est", ratio),
        pl.Series("need_lower_est", lo),
        pl.Series("need_upper_est", hi),
        pl.Series("need_p_value_est", pv),
        pl.Series("need_score", need_score),
        pl.Series("similarity_distance", dist),
        pl.Series("similarity_score", sim_score),
        pl.Series("detect_baseline_per_year_est", b),
        pl.Series("detect_mde_rate_ratio", mde_rr),
        pl.Series("detect_mde_pct", 100 * np.abs(1 - mde_rr)),
        pl.Series("detect_score", det_score),
        pl.Series("score", total),
    )
    out = out.with_columns(pl.selectors.float().fill_nan(None))
    out = out.sort(["score", "area_code"], descending=[True, False], nulls_last=True)
    out = out.with_row_index("rank", offset=1).with_columns(
        pl.when(pl.col("score").is_not_null()).then(pl.col("rank").cast(pl.Int64)).alias("rank")
    )
    res = ScreeningTable(out)
    res.weights = w
    res.settings = dict(
        pilot=pilot_area.code, indicator=indicator, years=(first, last), reference=reference,
        level=level, similarity_variables=sim.variables, similarity_transforms=sim.transforms,
        standardize=standardize, metric=metric, pilot_years=pilot_years, alpha=alpha,
        power=power, overdispersion=overdispersion, direction=direction,
        exclude_pilot=exclude_pilot,
    )  # fmt: skip
    res.notes = [
        ScreeningNote("estimated_counts", {"first": first, "last": last}),
        ScreeningNote("need", {"reference": reference}),
        ScreeningNote(
            "similarity",
            {
                "pilot": pilot_area.label(),
                "variables": tuple(sim.variables),
                "standardize": standardize,
                "metric": metric,
            },
        ),
        ScreeningNote(
            "detectability",
            {
                "pilot_years": pilot_years,
                "alpha": alpha,
                "power": power,
                "overdispersion": overdispersion,
            },
        ),
        ScreeningNote("reported_crime"),
    ]
    res.warnings = warns
    return res
