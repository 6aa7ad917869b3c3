"""Did the pilot work? Every estimator of the ``pilot_effect`` report in one pure function.

:func:`pilot_effect_analysis` takes the long panel of :func:`research.data.panel.load_panel`
and returns an :class:`EffectAnalysis` holding the results of

1. a **synthetic control** on the rate (:func:`research.stats.synth.synthetic_control`), with
   placebo-in-space inference, the post/pre RMSPE exclusion rule and leave-one-out refits;
2. a **difference-in-differences** and an **event study** on the (estimated) counts, Poisson
   with the population as exposure, against the same donor pool with randomization inference
   (:func:`research.stats.did.diff_in_diff`, :func:`research.stats.did.event_study`);
3. a **synthetic difference-in-differences** on the rate
   (:func:`research.stats.sdid.synthetic_did`, Arkhangelsky et al. 2021) against the same
   donor pool and window as the synthetic control, with its placebo standard error;
4. an **interrupted time series** of the pilot kommun alone and, as a controlled ITS, against
   the pooled comparison kommuner (:func:`research.stats.its.interrupted_time_series`,
   quasi-Poisson);
5. the **power** of the difference-in-differences design used, in the pilot district after
   dilution (:func:`research.stats.power.minimum_detectable_effect`,
   :func:`research.stats.power.can_detect`);
6. a plain-language **conclusion** drawn from that evidence by :func:`conclude`, a small
   decision function that never claims an effect the inference does not support;
7. optionally, a **staggered expansion scenario** (``expansion="0126:2024,0127:2025"``: further
   kommuner joining in later years) estimated with Callaway & Sant'Anna's group-time ATTs
   (:func:`research.stats.staggered.group_time_att`) where the data reach the joining years.

Design choices (each one stated in the report)
----------------------------------------------
* **Treatment year.** The data are annual. The pilot started in April 2021, so 2021 is partly
  treated. It is counted as a *post* year (``treatment_year`` = the start year): the treatment
  period must never fall in the pre-period, and counting 2021 as pre would let nine pilot
  months shape the comparison. The price is a diluted first post year.
* **Fit window.** The pre-period starts at ``fit_start``: by default the most recent
  registered series break that still leaves at least :data:`MIN_PRE_YEARS` pre-treatment years
  (for the crime series of the snapshot: 2015, the kommun-attribution break), and never before
  ``start_year``. Breaks after ``fit_start`` (2019, 2020) lie inside the window; they are
  passed to every estimator, whose warnings are kept.
* **Donor pool.** ``"kommuner"`` (every other kommun), ``"lan:01"`` (the other kommuner of a
  län) or ``"similar:20"`` (the 20 kommuner most similar to the pilot kommun by
  :func:`research.analyses.similarity.similar_areas` on the outcome, violent and all reported crime
  and
  population, averaged over the pre-period), or an official group of :mod:`research.data.groups`
  (``"kolada:liknande-ifo"``: the pilot kommun's Liknande kommuner IFO in Kolada's latest
  year; ``"skr:Storstäder"``; a Kolada group id or title), whose Kolada id, title and year are
  kept in :attr:`Pool.groups` for the report. Kommuner lacking the outcome, the estimated
  count, the population or a predictor in any year of the window are dropped (the small ones,
  whose counts Brå suppresses before 2017). When more than ``max_donors`` remain, only the
  ``max_donors`` closest to the pilot kommun in (log) population are kept: Abadie (2021) advises
  restricting the pool to units like the treated one, rates of small kommuner are mostly
  Poisson noise (poor donors and poor placebos), and a permutation test that treats the
  largest kommun as exchangeable with kommuner of a few thousand inhabitants is not valid
  (MacKinnon & Webb 2020). Every dropped kommun is listed in :attr:`Pool.dropped`.
* **Synthetic control predictors.** Averages of the outcome over (up to) three consecutive
  blocks of pre-treatment years, the log population, and the rates of violent crime
  (``N07403``) and all reported crime (``N07540``) over the pre-period.
* **Placebo exclusion rule.** Placebos whose pre-period MSPE exceeds ``exclude_ratio`` (default
  5) times the pilot's are left out of the placebo distribution (Abadie, Diamond & Hainmueller
  2010); the p-value without exclusion is reported too. ``p = rank / (J + 1)``.
* **Synthetic DiD.** On the rate per 100 000 over the synthetic-control window (the same pool
  and years), R synthdid's defaults (unit-weight regularisation ``zeta``, intercepts), placebo
  SE from 200 permutations of the comparison kommuner (fixed seed). Its rate ratio is the
  pilot's post-period level over the SDID counterfactual (the pilot's level minus the ATT); the
  interval divides the ATT's normal interval by that counterfactual, held fixed. Its p-value
  (normal, placebo SE) counts as design-based in :func:`conclude`.
* **Expansion scenario.** Every kommun of the schedule is a cohort (its joining year), the
  pilot kommun is the cohort of ``treatment_year``, and the comparison kommuner of the pool that
  are not in the schedule are the never-treated units; the outcome is the rate per 100 000
  (additive ATTs, as the synthetic control and SDID), one unit per kommun (unweighted).
  Cohorts joining after the last year with data have no post-treatment year: they are listed
  as awaiting data (later years are imported with ``pilotbench data import``) and left out of
  the estimation (as treated *and* as comparison units).
* **Over-dispersion in the power calculation.** The Pearson dispersion of the pilot kommun's
  ITS fit (at least 1).

References
----------
Abadie, A. (2021). Using synthetic controls: feasibility, data requirements, and
methodological aspects. *Journal of Economic Literature* 59(2), 391-425.
Abadie, A., Diamond, A. and Hainmueller, J. (2010). Synthetic control methods for comparative
case studies. *JASA* 105(490), 493-505.
Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W. and Wager, S. (2021). Synthetic
difference-in-differences. *American Economic Review* 111(12), 4088-4118.
Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
periods. *Journal of Econometrics* 225(2), 200-230.
Gelman, A. and Carlin, J. (2014). Beyond power calculations: assessing type S (sign) and type M
(magnitude) errors. *Perspectives on Psychological Science* 9(6), 641-651.
MacKinnon, J. G. and Webb, M. D. (2020). Randomization inference for difference-in-differences
with few treated clusters. *Journal of Econometrics* 218(2), 435-450.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import polars as pl

from research.analyses.assumptions import PLAUSIBLE_DROP
from research.core.display import ResultDisplay, interval_figure
from research.core.errors import ArgumentError, DataError, DesignError, PilotbenchWarning
from research.core.i18n import load_catalogue
from research.core.warnings import SeriesBreakWarning
from research.data.catalog import Catalog, SeriesBreak, load_catalog
from research.data.groups import AreaGroup, is_group_reference, resolve_area_list
from research.data.panel import population_by
from research.data.pilots import Pilot, case, case_parameter, dilution_share
from research.geo.area import Area, level_phrase
from research.geo.registry import load_areas
from research.stats.did import DiDResult, EventStudyResult, diff_in_diff, event_study
from research.stats.its import ITSResult, interrupted_time_series
from research.stats.power import (
    DetectResult,
    PowerNote,
    PowerResult,
    can_detect,
    minimum_detectable_effect,
)
from research.stats.sdid import SyntheticDiDResult, synthetic_did
from research.stats.staggered import AggregatedATT, GroupTimeATT, group_time_att
from research.stats.synth import (
    LeaveOneOutResult,
    PlaceboResult,
    SyntheticControlResult,
    synthetic_control,
)

from .effect_window import MIN_PRE_YEARS, default_fit_start
from .panel_rows import check_panel_rows
from .similarity import similar_areas

__all__ = [
    "COVARIATE_RATES",
    "MIN_PRE_YEARS",
    "PLAUSIBLE_DROP",
    "Conclusion",
    "EffectAnalysis",
    "EffectReportOptions",
    "Estimate",
    "Evidence",
    "ExpansionCohort",
    "ExpansionEffect",
    "Pool",
    "SDIDEffect",
    "SynthEffect",
    "check_expansion",
    "conclude",
    "default_fit_start",
    "parse_expansion",
    "pilot_effect_analysis",
]

#: Other crime rates used as synthetic-control predictors (violent crime, all reported crime).
COVARIATE_RATES = ("N07403", "N07540")
_POP = "N01951"

#: The wording of this module's errors, in Swedish and English (research.core.i18n).
_TEXTS = load_catalogue(Path(__file__).with_name("effect.toml"))


# --------------------------------------------------------------------------------------------
# Result containers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pool:
    """The comparison kommuner actually used, and why the others were left out.

    Attributes
    ----------
    spec
        The ``donors`` argument as given (``"kommuner"``, ``"lan:01"``, ``"similar:20"``).
    kind, arg
        ``"kommuner"``, ``"lan"``, ``"similar"`` or ``"group"``; the län code, the number of
        neighbours, or the group reference.
    candidates
        Codes the specification named (pilot excluded), before any filtering.
    codes
        Codes of the donors used by every estimator.
    dropped
        One row per candidate left out: ``area_code``, ``area_name``, ``reason``
        (``"missing"``: incomplete data in the window; ``"size"``: beyond ``max_donors`` in
        population distance).
    names
        Area names by code (donors, dropped candidates and the pilot).
    groups
        For ``kind == "group"``: the official groups (:class:`research.data.groups.AreaGroup`,
        with Kolada id, title and year) the pool was named by.
    """

    spec: str
    kind: str
    arg: str | None
    candidates: list[str]
    codes: list[str]
    dropped: pl.DataFrame
    names: dict[str, str]
    groups: tuple[AreaGroup, ...] = ()

    @property
    def n_missing(self) -> int:
        """Number of candidates dropped for incomplete data."""
        return int((self.dropped["reason"] == "missing").sum())

    @property
    def n_size(self) -> int:
        """Number of candidates dropped by the ``max_donors`` size rule."""
        return int((self.dropped["reason"] == "size").sum())


@dataclass
class SynthEffect:
    """Synthetic control on the rate with its placebo and leave-one-out results.

    Attributes
    ----------
    fit
        The :class:`research.stats.synth.SyntheticControlResult`.
    placebo
        Placebo-in-space test with the exclusion rule (``exclude_ratio``).
    placebo_all
        The same without exclusion.
    loo
        Leave-one-out refits over donors with positive weight (``None`` with one donor).
    att, att_pct
        Mean post-period gap (rate units) and the same relative to the synthetic post level (%).
    loo_min, loo_max
        Range of the ATT over the leave-one-out refits (``nan`` when none).
    fit_window, predictors
        The pre-period fitted and the predictor names.
    """

    fit: SyntheticControlResult
    placebo: PlaceboResult | None
    placebo_all: PlaceboResult | None
    loo: LeaveOneOutResult | None
    att: float
    att_pct: float
    loo_min: float
    loo_max: float
    fit_window: tuple[int, int]
    predictors: list[str]
    exclude_ratio: float

    @property
    def p_value(self) -> float:
        """Placebo p-value with the exclusion rule (``nan`` without placebos)."""
        return self.placebo.p_value if self.placebo is not None else math.nan

    @property
    def rate_ratio(self) -> float:
        """Treated over synthetic post-period level."""
        return 1.0 + self.att_pct / 100.0


@dataclass(frozen=True)
class SDIDEffect:
    """Synthetic difference-in-differences on the rate, on the rate-ratio scale as well.

    Attributes
    ----------
    fit
        The :class:`research.stats.sdid.SyntheticDiDResult` (placebo SE).
    att
        SDID estimate of the ATT (rate per 100 000).
    treated_post
        The pilot kommun's mean rate over the post-treatment years.
    counterfactual
        ``treated_post - att``: the SDID counterfactual post-period level.
    att_pct
        ``att`` relative to ``counterfactual`` (%; ``nan`` when the counterfactual is not
        positive).
    rate_ratio, rr_lower, rr_upper
        ``treated_post / counterfactual`` and the ATT's interval divided by the
        counterfactual (held fixed), plus one; a lower end below 0 (the ATT's interval
        reaching below ``-counterfactual``, a negative rate) is set to 0.
    """

    fit: SyntheticDiDResult
    att: float
    treated_post: float
    counterfactual: float
    att_pct: float
    rate_ratio: float
    rr_lower: float
    rr_upper: float

    @property
    def p_value(self) -> float:
        """Two-sided normal p-value of the ATT with its placebo SE."""
        return self.fit.p_value

    @property
    def se(self) -> float:
        """Placebo standard error of the ATT (rate per 100 000)."""
        return self.fit.se


@dataclass(frozen=True)
class ExpansionCohort:
    """One kommun of the expansion schedule.

    Attributes
    ----------
    code, name
        The kommun.
    year
        Joining year (its cohort).
    status
        ``"estimated"`` (the data reach the joining year), ``"pilot"`` (the pilot kommun,
        estimated) or ``"awaiting_data"`` (joins after the last year with data).
    """

    code: str
    name: str
    year: int
    status: str


@dataclass(frozen=True)
class ExpansionEffect:
    """The staggered expansion scenario (Callaway & Sant'Anna 2021 group-time ATTs).

    Attributes
    ----------
    schedule
        The parameter as given (``"0126:2024,0127:2025"``).
    cohorts
        The pilot kommun and every scheduled kommun, in joining order.
    fit
        The :class:`research.stats.staggered.GroupTimeATT` on the estimable cohorts.
    simple, by_group
        ``fit.aggregate("simple")`` and ``fit.aggregate("group")``.
    n_comparison
        Never-treated comparison kommuner.
    first_year, last_year
        The estimation window (the synthetic-control window).
    """

    schedule: str
    cohorts: tuple[ExpansionCohort, ...]
    fit: GroupTimeATT
    simple: AggregatedATT
    by_group: AggregatedATT
    n_comparison: int
    first_year: int
    last_year: int

    @property
    def awaiting(self) -> tuple[ExpansionCohort, ...]:
        """Cohorts joining after the last year with data."""
        return tuple(c for c in self.cohorts if c.status == "awaiting_data")

    @property
    def warnings(self) -> list[PilotbenchWarning]:
        """What the group-time fit and its two aggregations returned, in that order."""
        return [*self.fit.warnings, *self.simple.warnings, *self.by_group.warnings]


@dataclass(frozen=True)
class Estimate:
    """One estimator's answer, on the common rate-ratio scale, for :func:`conclude`.

    Attributes
    ----------
    key
        ``"synth"``, ``"sdid"``, ``"did"``, ``"its"`` or ``"cits"`` (text keys in
        ``effect_texts``).
    rate_ratio
        Post-period level relative to the counterfactual (``0.9`` = 10 % lower).
    lower, upper
        Interval of the rate ratio (``nan`` when the estimator gives none).
    p_value
        Two-sided p-value of no effect.
    design_based
        Whether the p-value comes from placebos/permutations (True) or a model (False).
    p_min
        The smallest p-value the test can give: one over the number of assignments of a
        placebo or permutation test (12 placebos: 0.083), 0 for a model's. An estimate with
        ``p_min > alpha`` could not be significant whatever the data, so :func:`conclude`
        does not count it (its direction still counts in the agreement sentence).
    """

    key: str
    rate_ratio: float
    lower: float
    upper: float
    p_value: float
    design_based: bool = True
    p_min: float = 0.0


@dataclass(frozen=True)
class Evidence:
    """Everything :func:`conclude` weighs.

    Attributes
    ----------
    estimates
        The estimators' answers.
    alpha
        Significance level.
    mde_pct_district
        Smallest drop (%) in the pilot district detectable with 80 % power; ``nan`` when no
        drop is detectable.
    power_plausible
        Power to detect a ``plausible_pct`` drop in the district.
    plausible_pct
        The reference effect size (20 % by default).
    dilution
        Share of the measured kommun's population in the pilot district (``None``: the pilot
        area is measured directly).
    breaks
        ``(first_year, label_sv, label_en)`` of the series breaks inside the window.
    treatment_year
        First (partly) treated year.
    pretrend_p
        p-value of the event-study pre-trend test (``None`` if not available).
    n_post_years
        Post-treatment years in the data.
    not_estimated
        Keys of estimators that ran but gave no finite rate ratio or p-value (SDID whose
        placebo test cannot reach the level, an ITS without a finite maximum): not in
        ``estimates``, not counted.
    pretrend_model_based
        ``pretrend_p`` is the model-based Wald test's because the permutation test of the
        pre-trends cannot reach ``alpha`` (too few assignments).
    programme_end, programme_end_approximate
        When the piloted programme ended (``"YYYY-MM"``, ``""``: not known; default the
        case's) and whether ``data/pilots.toml`` marks that month as approximate (a season).
    """

    estimates: tuple[Estimate, ...]
    alpha: float = 0.05
    mde_pct_district: float = math.nan
    power_plausible: float = math.nan
    plausible_pct: float = 100 * PLAUSIBLE_DROP
    dilution: float | None = None
    breaks: tuple[tuple[int, str, str], ...] = ()
    treatment_year: int = field(default_factory=lambda: case().pilot.start_year)
    pretrend_p: float | None = None
    n_post_years: int = 2
    not_estimated: tuple[str, ...] = ()
    pretrend_model_based: bool = False
    programme_end: str = field(default_factory=lambda: case().pilot.end)
    programme_end_approximate: bool = field(
        default_factory=lambda: case().pilot.sources.get("end", ("fact", ""))[0] == "approximate"
    )

    @property
    def testable(self) -> tuple[Estimate, ...]:
        """The estimates whose test can reach ``alpha`` (``p_min <= alpha``): those counted."""
        return tuple(e for e in self.estimates if e.p_min <= self.alpha)

    @property
    def cannot_reach(self) -> tuple[tuple[str, float], ...]:
        """``(key, p_min)`` of the estimates whose test cannot reach ``alpha``: not counted."""
        return tuple((e.key, e.p_min) for e in self.estimates if e.p_min > self.alpha)


@dataclass(frozen=True)
class Conclusion:
    """The verdict of :func:`conclude`: codes and the evidence behind them, no wording.

    The report's paragraphs (headline, then the caveats) are written from it by
    :func:`research.views.pilot_effect.conclusion.conclusion_paragraphs`.

    Attributes
    ----------
    verdict
        ``"decrease"``, ``"increase"`` (several estimators agree, design-based inference
        included), ``"suggestive_decrease"``, ``"suggestive_increase"`` (one estimator only),
        ``"conflicting"``, ``"cannot_tell"`` (nothing significant and the design is
        underpowered) or ``"no_effect_detected"`` (nothing significant although a plausible
        effect would probably have been seen).
    underpowered
        Power to detect the plausible district effect is below 80 %.
    significant
        Keys of the estimators significant at ``alpha``, in the order of the evidence.
    evidence
        The :class:`Evidence` the verdict was drawn from.
    """

    verdict: str
    underpowered: bool
    significant: tuple[str, ...]
    evidence: Evidence


_ESTIMATES_SCHEMA = {
    "estimator": pl.String,
    **dict.fromkeys(("rate_ratio", "lower", "upper", "p_value"), pl.Float64),
    "design_based": pl.Boolean,
}


@dataclass
class EffectAnalysis(ResultDisplay):
    """All results of :func:`pilot_effect_analysis` (see the module notes for the design).

    Attributes
    ----------
    pilot
        The pilot kommun (:class:`research.geo.area.Area`).
    indicator
        Outcome indicator id.
    pilot_start, treatment_year, first_full_year
        ``"YYYY-MM"``; first (partly) treated year used by every estimator; first calendar year
        the pilot ran throughout.
    start_year, end_year, fit_start
        Chart/ITS window and the first year of the synthetic-control / DiD window.
    post_years
        Post-treatment years in the data.
    pool
        The comparison kommuner (:class:`Pool`).
    breaks
        Registered series breaks inside ``(start_year, end_year)``.
    breaks_fit
        Those inside the synthetic-control / DiD window ``(fit_start, end_year)``.
    dilution
        Share of the pilot kommun's population in the pilot district (``None`` unless the
        pilot kommun is the parent of the programme's district).
    kommun_population, kommun_population_year
        Population behind ``dilution``.
    synth, sdid, did, event, its, its_controlled
        Estimator results (``its_controlled`` is ``None`` when no pool kommun has complete
        data over the ITS window).
    power, power_its, detect
        MDE of the DiD design, MDE of the ITS design, and the power to detect a 20 % drop in
        the district (DiD design).
    baseline_count, control_count
        Mean yearly estimated count of the pilot kommun and of the whole DiD pool in the
        pre-period (inputs of the power calculation).
    overdispersion
        Dispersion factor used in the power calculation.
    evidence, conclusion
        What :func:`conclude` weighed and what it said.
    data
        The analysis panel: ``area_code``, ``area_name``, ``year``, ``rate``, ``count``
        (estimated), ``population``, ``log_pop``, covariate rates.
    its_data
        Pilot series (and pool aggregate) used by the ITS fits.
    programme
        The piloted programme.
    expansion
        The staggered expansion scenario (``None`` unless ``expansion`` was given).
    """

    pilot: Area
    indicator: str
    pilot_start: str
    treatment_year: int
    first_full_year: int
    start_year: int
    end_year: int
    fit_start: int
    post_years: list[int]
    pool: Pool
    breaks: list[SeriesBreak]
    breaks_fit: list[SeriesBreak]
    dilution: float | None
    kommun_population: float
    kommun_population_year: int
    synth: SynthEffect
    sdid: SDIDEffect
    did: DiDResult
    event: EventStudyResult
    its: ITSResult
    its_controlled: ITSResult | None
    power: PowerResult
    power_its: PowerResult
    detect: DetectResult
    baseline_count: float
    control_count: float
    overdispersion: float
    evidence: Evidence
    conclusion: Conclusion
    data: pl.DataFrame = field(repr=False)
    its_data: pl.DataFrame = field(repr=False)
    programme: Pilot = field(default_factory=lambda: case().pilot)
    expansion: ExpansionEffect | None = None

    @property
    def programme_here(self) -> bool:
        """Whether the report's pilot is :attr:`programme` (area and start, `Pilot.describes`).

        Otherwise the reports speak of a pilot in :attr:`pilot` without the programme's
        name, end or evaluation.
        """
        return self.programme.describes(self.pilot.code, self.pilot_start)

    def _display_title(self) -> str:
        return f"Pilot effect: {self.pilot.name}, {self.indicator}, from {self.pilot_start}"

    def _display_rows(self) -> list[tuple[str, object]]:
        return [
            ("verdict", self.conclusion.verdict),
            ("underpowered", self.conclusion.underpowered),
            ("treatment year", self.treatment_year),
            ("comparison kommuner", len(self.pool.codes)),
            ("MDE in the district (%)", self.evidence.mde_pct_district),
            ("event-study pre-trend p-value", self.evidence.pretrend_p),
        ]

    def _display_frame(self) -> pl.DataFrame:
        return self.to_frame()

    def to_frame(self) -> pl.DataFrame:
        """One row per estimator on the rate-ratio scale.

        Columns ``estimator`` (``synth``, ``did``, ``its``, ``cits``), ``rate_ratio``,
        ``lower``, ``upper``, ``p_value`` (Float64) and ``design_based`` (Boolean).
        """
        rows = [
            (e.key, e.rate_ratio, e.lower, e.upper, e.p_value, e.design_based)
            for e in self.evidence.estimates
        ]
        return pl.DataFrame(rows, schema=_ESTIMATES_SCHEMA, orient="row")

    def plot(self) -> Any:
        """The estimators' rate ratios with their intervals (a matplotlib Figure)."""
        frame = self.to_frame()
        return interval_figure(
            frame["estimator"].to_list(),
            frame["rate_ratio"].to_numpy(),
            frame["lower"].to_numpy(),
            frame["upper"].to_numpy(),
            labels=(f"Pilot effect on {self.indicator}", "estimator", "rate ratio"),
            hline=1.0,
        )

    def estimator_warnings(self) -> list[tuple[str, PilotbenchWarning]]:
        """``(estimator key, warning)`` pairs as the estimators returned them, repeats dropped.

        A warning is a :class:`~research.core.errors.PilotbenchWarning` (a typed condition
        a report words in its language by ``code``).
        """
        out: list[tuple[str, PilotbenchWarning]] = []
        for key, warns in (
            ("synth", self.synth.fit.warnings),
            ("sdid", self.sdid.fit.warnings),
            ("did", self.did.warnings),
            ("event", self.event.warnings),
            ("its", self.its.warnings),
            ("cits", self.its_controlled.warnings if self.its_controlled else []),
            ("staggered", self.expansion.warnings if self.expansion else []),
        ):
            seen: set[tuple[str, str]] = set()
            for w in warns:
                ident = (w.code, str(w))
                if ident not in seen:
                    seen.add(ident)
                    out.append((key, w))
        return out


# --------------------------------------------------------------------------------------------
# The decision function
# --------------------------------------------------------------------------------------------


def _check_evidence(evidence: Evidence) -> None:
    """Raise for evidence no estimator can give (see :func:`conclude`'s Raises)."""
    alpha = evidence.alpha
    if isinstance(alpha, bool) or not (isinstance(alpha, int | float) and 0 < alpha < 1):
        en, sv = _TEXTS.both("alpha_out_of_range", alpha=alpha)
        raise ArgumentError(en, sv=sv)
    keys = [e.key for e in evidence.estimates]
    for e in evidence.estimates:
        if keys.count(e.key) > 1:
            en, sv = _TEXTS.both("estimate_twice", key=e.key, n=keys.count(e.key))
            raise ArgumentError(en, sv=sv)
        if not (0 < e.p_value <= 1):
            en, sv = _TEXTS.both("p_value_out_of_range", key=e.key, p_value=e.p_value)
            raise ArgumentError(en, sv=sv)
        if not (0 <= e.p_min <= e.p_value * (1 + 1e-9)):
            en, sv = _TEXTS.both("p_min_out_of_range", key=e.key, p_min=e.p_min, p=e.p_value)
            raise ArgumentError(en, sv=sv)
        if not (math.isfinite(e.rate_ratio) and e.rate_ratio > 0):
            en, sv = _TEXTS.both("rate_ratio_not_positive", key=e.key, rate_ratio=e.rate_ratio)
            raise ArgumentError(en, sv=sv)
        bounds = [b for b in (e.lower, e.upper) if not math.isnan(b)]
        if any(b < 0 for b in bounds) or (len(bounds) == 2 and e.lower > e.upper):
            en, sv = _TEXTS.both("interval_reversed", key=e.key, lower=e.lower, upper=e.upper)
            raise ArgumentError(en, sv=sv)


def conclude(evidence: Evidence) -> Conclusion:
    """Turn the estimates, their inference and the power into a cautious plain-language verdict.

    Rules (in this order):

    1. An estimator is *significant* when its p-value is at most ``alpha``; its direction is the
       sign of ``log(rate_ratio)``. One whose test cannot reach ``alpha`` (``p_min``) is not
       counted.
    2. Significant estimators in both directions: ``"conflicting"``.
    3. At least two significant estimators in the same direction, one of them design-based
       (placebo or permutation p-value): ``"decrease"`` / ``"increase"``. Exactly one (or
       only model-based ones): ``"suggestive_decrease"`` / ``"suggestive_increase"``; an
       effect is never claimed on one estimator or on model-based p-values alone.
    4. Nothing significant: ``"cannot_tell"`` when the design is *underpowered* (power to
       detect a drop of ``plausible_pct`` in the pilot district below 80 %, or no detectable
       drop at all) or no estimator could be counted (none in ``Evidence.testable``),
       else ``"no_effect_detected"``.

    The text always adds: that reported crime measures reporting as much as violence (so a
    rise may mean the outreach worked and a fall need not mean less violence), the dilution,
    the series breaks inside the window (the one next to the start named), a warning that
    significant estimates from an underpowered design exaggerate (Gelman & Carlin 2014), a
    failed pre-trend test, and the short post period.

    Parameters
    ----------
    evidence
        The estimates and design facts.

    Returns
    -------
    Conclusion
        Verdict code, the significant estimators and the evidence (the report words them
        with :func:`research.views.pilot_effect.conclusion.conclusion_paragraphs`).

    Raises
    ------
    ArgumentError
        If there are no estimates, a p-value lies outside (0, 1], a rate ratio is not a
        positive finite number, an interval is reversed or negative, an estimator's key
        occurs twice (agreement would be counted twice) or ``alpha`` lies outside (0, 1).

    Examples
    --------
    >>> ev = Evidence(estimates=(Estimate("synth", 0.97, math.nan, math.nan, 0.6),
    ...                          Estimate("did", 0.95, 0.8, 1.1, 0.5)),
    ...               mde_pct_district=math.nan, power_plausible=0.06, dilution=0.133)
    >>> c = conclude(ev)
    >>> c.verdict, c.underpowered
    ('cannot_tell', True)

    References
    ----------
    Gelman, A. and Carlin, J. (2014). Perspectives on Psychological Science 9(6), 641-651.
    """
    if not (evidence.estimates or evidence.not_estimated):
        en, sv = _TEXTS.both("conclude_no_estimates")
        raise ArgumentError(en, sv=sv)
    _check_evidence(evidence)
    alpha = evidence.alpha
    sig = [e for e in evidence.testable if e.p_value <= alpha and e.rate_ratio != 1]
    down = [e for e in sig if e.rate_ratio < 1]
    up = [e for e in sig if e.rate_ratio > 1]
    power_ok = evidence.power_plausible >= 0.8 and math.isfinite(evidence.mde_pct_district)
    underpowered = not power_ok
    if down and up:
        verdict = "conflicting"
    elif down or up:
        group = down or up
        word = "decrease" if down else "increase"
        robust = len(group) >= 2 and any(e.design_based for e in group)
        verdict = word if robust else f"suggestive_{word}"
    else:
        nothing = not evidence.testable
        verdict = "cannot_tell" if underpowered or nothing else "no_effect_detected"

    return Conclusion(
        verdict=verdict,
        underpowered=underpowered,
        significant=tuple(e.key for e in sig),
        evidence=evidence,
    )


# --------------------------------------------------------------------------------------------
# Data preparation
# --------------------------------------------------------------------------------------------


def _parse_donors(spec: str) -> tuple[str, str | None]:
    if not isinstance(spec, str):
        en, sv = _TEXTS.both("donors_not_string", spec=spec)
        raise ArgumentError(en, sv=sv)
    if is_group_reference(spec):
        return "group", spec.strip()
    s = spec.strip().lower()
    if s in ("kommuner", "all", "kommun"):
        return "kommuner", None
    kind, sep, arg = s.partition(":")
    if sep and kind == "lan" and arg.strip().isdigit():
        return "lan", arg.strip().zfill(2)
    if sep and kind == "similar" and arg.strip().isdigit() and int(arg) >= 2:
        return "similar", str(int(arg))
    en, sv = _TEXTS.both("donors_not_understood", spec=spec)
    raise ArgumentError(en, sv=sv)


def _panel_wide(panel: pl.DataFrame, indicator: str, first: int, last: int) -> pl.DataFrame:
    """One row per kommun and year: outcome rate, estimated count, population, covariates."""
    base = panel.filter(
        (pl.col("level") == "kommun")
        & (pl.col("sex") == "T")
        & pl.col("year").is_between(first, last)
    )
    rows = base.filter(pl.col("indicator") == indicator)
    check_panel_rows(rows, indicator)
    out = rows.select(
        "area_code",
        "area_name",
        pl.col("year").cast(pl.Int64),
        pl.col("value").alias("rate"),
        pl.col("count_est").cast(pl.Float64).alias("count"),
        "population",
    )
    for cov in COVARIATE_RATES:
        if cov == indicator:
            continue
        c = base.filter(pl.col("indicator") == cov)
        check_panel_rows(c, cov)
        c = c.select("area_code", pl.col("year").cast(pl.Int64), pl.col("value").alias(cov))
        out = out.join(c, on=["area_code", "year"], how="left")
    return out.with_columns(pl.col("population").log().alias("log_pop")).sort("area_code", "year")


def _complete(
    wide: pl.DataFrame, codes: list[str], years: list[int], columns: list[str], every: bool = True
) -> set[str]:
    """Codes with a finite value of every column in every year (``every=False``: some year)."""
    sub = wide.filter(pl.col("area_code").is_in(codes) & pl.col("year").is_in(years))
    ok = sub.group_by("area_code").agg(
        pl.len().alias("n"),
        *[
            (
                (pl.col(c).is_not_null() & pl.col(c).is_finite()).all()
                if every
                else (pl.col(c).is_not_null() & pl.col(c).is_finite()).any()
            ).alias(c)
            for c in columns
        ],
    )
    if every:
        ok = ok.filter(pl.col("n") == len(years))
    ok = ok.filter(pl.all_horizontal(columns))
    return set(ok["area_code"].to_list())


def _build_pool(
    panel: pl.DataFrame,
    wide: pl.DataFrame,
    pilot: Area,
    spec: str,
    requirements: list[tuple[list[int], list[str], bool]],
    pre_years: list[int],
    max_donors: int | None,
    indicator: str,
) -> Pool:
    kind, arg = _parse_donors(spec)
    names = dict(wide.select("area_code", "area_name").unique().iter_rows())
    all_k = sorted(c for c in names if c != pilot.code)
    groups: tuple[AreaGroup, ...] = ()
    if kind == "kommuner":
        cand = all_k
    elif kind == "group":
        codes, found = resolve_area_list(str(arg), kommun=pilot.code)
        groups = tuple(found)
        for g in groups:
            names.update(zip(g.codes, g.names, strict=True))
        cand = [c for c in codes if c != pilot.code]
    elif kind == "lan":
        lan = panel.filter((pl.col("level") == "kommun") & (pl.col("parent_code") == arg))
        cand = sorted(c for c in lan["area_code"].unique().to_list() if c != pilot.code)
        if not cand:
            en, sv = _TEXTS.both("donors_lan_empty", spec=spec, lan=arg)
            raise ArgumentError(en, sv=sv)
    else:
        covs = [c for c in COVARIATE_RATES if c != indicator]
        sim = similar_areas(
            panel,
            pilot.code,
            indicators=[indicator, *covs],
            covariates=[_POP],
            year=(min(pre_years), max(pre_years)),
            k=int(arg),  # type: ignore[arg-type]
        )
        cand = sim["area_code"].to_list()
    complete = set([pilot.code, *cand])
    for yrs, cols, every in requirements:
        complete &= _complete(wide, [pilot.code, *cand], yrs, cols, every)
    years = requirements[0][0]
    if pilot.code not in complete:
        en, sv = _TEXTS.both(
            "pilot_incomplete", label=pilot.label(), first=years[0], last=years[-1]
        )
        raise DataError(en, sv=sv)
    dropped = [(c, "missing") for c in cand if c not in complete]
    keep = [c for c in cand if c in complete]
    if max_donors is not None and len(keep) > max_donors:
        size = (
            wide.filter(pl.col("year").is_in(pre_years) & pl.col("area_code").is_in(keep))
            .group_by("area_code")
            .agg(pl.col("log_pop").mean())
        )
        target = float(
            wide.filter(pl.col("year").is_in(pre_years) & (pl.col("area_code") == pilot.code))[
                "log_pop"
            ].mean()
        )
        ranked = (
            size.with_columns((pl.col("log_pop") - target).abs().alias("d"))
            .sort("d", "area_code")["area_code"]
            .to_list()
        )
        chosen = set(ranked[:max_donors])
        dropped += [(c, "size") for c in keep if c not in chosen]
        keep = [c for c in keep if c in chosen]
    if len(keep) < 2:
        en, sv = _TEXTS.both(
            "too_few_donors", spec=spec, n=len(keep), first=years[0], last=years[-1]
        )
        raise DataError(en, sv=sv)
    dropped_df = pl.DataFrame(
        {
            "area_code": [c for c, _ in dropped],
            "area_name": [names.get(c, c) for c, _ in dropped],
            "reason": [r for _, r in dropped],
        },
        schema={"area_code": pl.Utf8, "area_name": pl.Utf8, "reason": pl.Utf8},
    )
    return Pool(
        spec=spec,
        kind=kind,
        arg=arg,
        candidates=cand,
        codes=keep,
        dropped=dropped_df,
        names=names,
        groups=groups,
    )


def _blocks(years: list[int], n: int = 3) -> list[tuple[int, int]]:
    """Split consecutive years into ``n`` (or fewer) nearly equal consecutive blocks."""
    parts = np.array_split(np.array(years), min(n, len(years)))
    return [(int(p[0]), int(p[-1])) for p in parts if p.size]


# --------------------------------------------------------------------------------------------
# Estimators
# --------------------------------------------------------------------------------------------


def _run_synth(
    data: pl.DataFrame,
    pilot: str,
    indicator: str,
    treatment_year: int,
    fit_window: tuple[int, int],
    breaks: Sequence[SeriesBreak],
    exclude_ratio: float,
    n_random_starts: int,
) -> SynthEffect:
    pre = list(range(fit_window[0], fit_window[1] + 1))
    covs = [c for c in COVARIATE_RATES if c in data.columns]
    special = [("rate", blk, "mean") for blk in _blocks(pre)]
    fit = synthetic_control(
        data,
        unit="area_code",
        time="year",
        outcome="rate",
        treated=pilot,
        treatment_time=treatment_year,
        predictors=["log_pop", *covs],
        predictor_window=fit_window,
        special_predictors=special,
        fit_window=fit_window,
        n_random_starts=n_random_starts,
        series_breaks=breaks,
    )
    placebo = fit.placebo_test(exclude_ratio=exclude_ratio)
    placebo_all = fit.placebo_test()
    positive = fit.weights.filter(pl.col("weight") > 1e-6).height
    loo = fit.leave_one_out() if len(fit.donors) >= 2 and positive >= 1 else None
    post = fit.gap.filter(pl.col("time") >= treatment_year)
    syn = float(post["synthetic"].mean())
    att_pct = 100 * fit.att / syn if syn > 0 else math.nan
    loo_att = loo.summary["att"].to_numpy() if loo is not None else np.array([])
    return SynthEffect(
        fit=fit,
        placebo=placebo,
        placebo_all=placebo_all,
        loo=loo,
        att=fit.att,
        att_pct=att_pct,
        loo_min=float(loo_att.min()) if loo_att.size else math.nan,
        loo_max=float(loo_att.max()) if loo_att.size else math.nan,
        fit_window=fit_window,
        predictors=list(fit.v["predictor"].to_list()),
        exclude_ratio=exclude_ratio,
    )


#: Placebo replications of the SDID standard error (R synthdid's default) and their seed.
SDID_REPLICATIONS = 200
_SDID_SEED = 2021


def _ratio_lower(bound: float) -> float:
    """A rate ratio's lower bound, at least 0 (a rate cannot be negative); nan stays nan.

    >>> _ratio_lower(-0.12), _ratio_lower(0.5), _ratio_lower(float("nan"))
    (0.0, 0.5, nan)
    """
    return max(0.0, bound) if math.isfinite(bound) else bound


def _run_sdid(data: pl.DataFrame, pilot: str, treatment_year: int, level: float) -> SDIDEffect:
    fit = synthetic_did(
        data.select("area_code", "year", "rate"), unit="area_code", time="year",
        outcome="rate", treated=pilot, treatment_time=treatment_year, se_method="placebo",
        replications=SDID_REPLICATIONS, seed=_SDID_SEED, level=level,
    )  # fmt: skip
    post = data.filter((pl.col("area_code") == pilot) & (pl.col("year") >= treatment_year))
    treated_post = float(post["rate"].mean())  # type: ignore[arg-type]
    cf = treated_post - fit.estimate
    ok = cf > 0
    return SDIDEffect(
        fit=fit,
        att=fit.estimate,
        treated_post=treated_post,
        counterfactual=cf,
        att_pct=100 * fit.estimate / cf if ok else math.nan,
        rate_ratio=treated_post / cf if ok else math.nan,
        rr_lower=_ratio_lower(1 + fit.ci[0] / cf) if ok else math.nan,
        rr_upper=1 + fit.ci[1] / cf if ok else math.nan,
    )


def parse_expansion(spec: str) -> list[tuple[str, int]]:
    """Parse an expansion schedule ``"KOMMUN:YEAR,KOMMUN:YEAR"`` into ``(area, year)`` pairs.

    Parameters
    ----------
    spec
        Comma-separated ``kommun:year`` entries; a kommun is a code or a name (resolved
        later). An empty string means no scenario.

    Returns
    -------
    list of (str, int)
        The entries in the order given.

    Raises
    ------
    ArgumentError
        An entry without ``:`` or a year that is not a four-digit integer
        (:func:`check_expansion` checks the kommuner).

    Examples
    --------
    >>> parse_expansion("0126:2024, 0127:2025")
    [('0126', 2024), ('0127', 2025)]
    >>> parse_expansion("")
    []
    """
    out: list[tuple[str, int]] = []
    for raw in (p.strip() for p in str(spec).split(",")):
        if not raw:
            continue
        area, sep, year = raw.rpartition(":")
        area, year = area.strip(), year.strip()
        if not sep or not area or not (year.isdigit() and len(year) == 4):
            en, sv = _TEXTS.both("expansion_entry", entry=raw)
            raise ArgumentError(en, sv=sv)
        out.append((area, int(year)))
    return out


def check_expansion(
    spec: str, pilot: Area, treatment_year: int, first_year: int
) -> list[tuple[Area, int]]:
    """Parse an expansion schedule and check each entry against the pilot and the window.

    What can be checked without the data: the syntax (:func:`parse_expansion`), that each entry
    is a kommun, not the pilot kommun, and joins after ``first_year`` (group-time ATTs need a
    pre-treatment year). The report runner calls it before a kernel starts, the analysis again
    with the window it uses.

    Parameters
    ----------
    spec
        ``"KOMMUN:YEAR,..."``; an empty string means no scenario.
    pilot
        The pilot area (its cohort is the pilot's start year).
    treatment_year
        The pilot's first treated year (named in the error for the pilot kommun).
    first_year
        First year of the analysis window.

    Returns
    -------
    list of (Area, int)
        The resolved kommuner with their joining years, in the order given.

    Raises
    ------
    ArgumentError
        A malformed entry, a kommun listed twice, an area that is not a kommun, the pilot
        kommun itself, or a joining year before ``treatment_year`` or not after
        ``first_year``.
    UnknownAreaError
        A kommun name or code that does not exist.

    Examples
    --------
    >>> pilot = load_areas().resolve("0180")
    >>> [(a.code, y) for a, y in check_expansion("Huddinge:2024", pilot, 2021, 2015)]
    [('0126', 2024)]
    >>> check_expansion("0126:2014", pilot, 2013, 2015)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    research.core.errors.ArgumentError: expansion: Huddinge (0126) joins in 2014, not after ...
    >>> check_expansion("0126:2019", pilot, 2021, 2015)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    research.core.errors.ArgumentError: expansion: Huddinge (0126) joins in 2019, before ...
    """
    areas = load_areas()
    out: list[tuple[Area, int]] = []
    for name, year in parse_expansion(spec):
        area = areas.resolve(name)
        label = area.label()
        if area.code in (a.code for a, _ in out):
            en, sv = _TEXTS.both("expansion_twice", label=label)
            raise ArgumentError(en, sv=sv)
        if area.level != "kommun":
            level_en, level_sv = level_phrase(area.level)
            raise ArgumentError(
                _TEXTS("expansion_not_kommun", "en", label=label, level=level_en),
                sv=_TEXTS("expansion_not_kommun", "sv", label=label, level=level_sv),
            )
        if area.code == pilot.code:
            en, sv = _TEXTS.both("expansion_is_pilot", label=label, year=treatment_year)
            raise ArgumentError(en, sv=sv)
        if year <= first_year:
            en, sv = _TEXTS.both("expansion_too_early", label=label, year=year, first=first_year)
            raise ArgumentError(en, sv=sv)
        if year < treatment_year:
            en, sv = _TEXTS.both(
                "expansion_before_pilot", label=label, year=year, start=treatment_year
            )
            raise ArgumentError(en, sv=sv)
        out.append((area, year))
    return out


def _run_expansion(
    spec: str,
    wide: pl.DataFrame,
    pilot: Area,
    pool: Pool,
    treatment_year: int,
    years: list[int],
    level: float,
) -> ExpansionEffect | None:
    entries = check_expansion(spec, pilot, treatment_year, years[0])
    if not entries:
        return None
    first, last = years[0], years[-1]
    names = dict(wide.select("area_code", "area_name").unique().iter_rows())
    cohorts = [ExpansionCohort(pilot.code, pilot.name, treatment_year, "pilot")]
    for area, year in entries:
        status = "estimated" if year <= last else "awaiting_data"
        if status == "estimated" and area.code not in _complete(wide, [area.code], years, ["rate"]):
            en, sv = _TEXTS.both("expansion_incomplete", label=area.label(), first=first, last=last)
            raise DataError(en, sv=sv)
        cohorts.append(ExpansionCohort(area.code, names.get(area.code, area.name), year, status))
    cohorts.sort(key=lambda c: (c.year, c.code))
    scheduled = {c.code for c in cohorts}
    comparison = [c for c in pool.codes if c not in scheduled]
    if len(comparison) < 2:
        en, sv = _TEXTS.both("expansion_too_few_donors", n=len(comparison))
        raise DataError(en, sv=sv)
    cohort_of = {c.code: c.year for c in cohorts if c.status != "awaiting_data"}
    data = (
        wide.filter(
            pl.col("area_code").is_in([*cohort_of, *comparison]) & pl.col("year").is_in(years)
        )
        .select("area_code", "year", "rate")
        .with_columns(
            pl.col("area_code")
            .replace_strict(cohort_of, default=0, return_dtype=pl.Int64)
            .alias("cohort")
        )
    )
    fit = group_time_att(
        data, unit="area_code", time="year", outcome="rate", cohort="cohort",
        control_group="never_treated", est_method="reg", level=level,
    )  # fmt: skip
    return ExpansionEffect(
        schedule=spec,
        cohorts=tuple(cohorts),
        fit=fit,
        simple=fit.aggregate("simple"),
        by_group=fit.aggregate("group"),
        n_comparison=len(comparison),
        first_year=first,
        last_year=last,
    )


def _mean_pop(panel: pl.DataFrame, code: str, year: int) -> tuple[float, int]:
    found = population_by(panel, code, year)
    if found is None:
        en, sv = _TEXTS.both("no_population", code=code, year=year)
        raise DataError(en, sv=sv)
    return found


def _year(name: str, value: object) -> int:
    """``value`` as a whole year; otherwise the one-line error naming ``name``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        year = int(str(value))
    except ValueError:
        en, sv = _TEXTS.both("not_a_year", name=name, value=value)
        raise ArgumentError(en, sv=sv) from None
    return year


def _check_options(
    area: Area,
    pilot_start: str,
    start_year: int,
    end_year: int,
    alpha: float,
    max_donors: int | None,
    expansion: str,
) -> None:
    """Refuse options :func:`pilot_effect_analysis` cannot use, before any fitting."""
    if area.level != "kommun":
        level_en, level_sv = level_phrase(area.level)
        raise ArgumentError(
            _TEXTS("pilot_not_kommun", "en", label=area.label(), level=level_en),
            sv=_TEXTS("pilot_not_kommun", "sv", label=area.label(), level=level_sv),
        )
    treatment_year = int(pilot_start[:4])
    if not start_year < treatment_year <= end_year:
        en, sv = _TEXTS.both(
            "pilot_start_outside", year=treatment_year, start_year=start_year, end_year=end_year
        )
        raise ArgumentError(en, sv=sv)
    if not 0 < alpha < 1:
        en, sv = _TEXTS.both("alpha_out_of_range", alpha=alpha)
        raise ArgumentError(en, sv=sv)
    if max_donors is not None and max_donors < 2:
        en, sv = _TEXTS.both("max_donors_too_small", max_donors=max_donors)
        raise ArgumentError(en, sv=sv)
    parse_expansion(expansion)  # refuse a malformed schedule before any fitting


def _resolve_fit_start(
    fit_start: int | None,
    breaks: Sequence[SeriesBreak],
    treatment_year: int,
    start_year: int,
    pilot_start: str,
) -> int:
    """The first pre-treatment year of the fit: given, or :func:`default_fit_start`; checked."""
    fit_given = fit_start is not None
    fit = int(fit_start) if fit_start is not None else None
    if fit is None:
        fit = int(default_fit_start(breaks, treatment_year, start_year))
    if not fit_given and not start_year <= fit <= treatment_year - 3:
        en, sv = _TEXTS.both(
            "start_year_too_late",
            start_year=start_year,
            pilot_start=pilot_start,
            latest=treatment_year - 3,
        )
        raise DesignError(en, sv=sv)
    if not start_year <= fit <= treatment_year - 3:
        en, sv = _TEXTS.both(
            "fit_start_outside", fit_start=fit, start_year=start_year, latest=treatment_year - 3
        )
        raise ArgumentError(en, sv=sv)
    return fit


def _last_data_year(wide: pl.DataFrame, area: Area, treatment_year: int, end_year: int) -> int:
    """The last year evaluated: ``end_year`` or the pilot's last year with data if earlier."""
    data_last = int(
        wide.filter((pl.col("area_code") == area.code) & pl.col("rate").is_not_null())["year"].max()
        or 0
    )
    last = min(end_year, data_last)
    if last < treatment_year:
        en, sv = _TEXTS.both(
            "no_post_data", label=area.label(), year=treatment_year, data_last=data_last
        )
        raise DesignError(en, sv=sv)
    return last


def _run_did(
    data: pl.DataFrame,
    pilot: str,
    treatment_year: int,
    fit_start: int,
    breaks: list[SeriesBreak],
    level: float,
) -> tuple[DiDResult, EventStudyResult]:
    """Poisson DiD on pre/post totals and the event study on yearly counts.

    The DiD's two periods are labelled by the first and the last year they cover, so what the
    estimator says about its window (series breaks "inside the estimation window ...") names
    the years the totals span, as the other methods do.
    """
    last_year = int(data["year"].max())  # type: ignore[arg-type]
    dd = data.with_columns(
        (pl.col("area_code") == pilot).cast(pl.Int8).alias("treated"),
        (pl.col("year") >= treatment_year).cast(pl.Int8).alias("post"),
    )
    did_data = (
        dd.with_columns(
            pl.when(pl.col("post") == 1)
            .then(pl.lit(last_year))
            .otherwise(pl.lit(fit_start))
            .cast(pl.Int64)
            .alias("period")
        )
        .group_by("area_code", "period", "treated", "post")
        .agg(pl.col("count").sum(), pl.col("population").sum().alias("person_years"))
        .sort("area_code", "period")
    )
    did = diff_in_diff(
        did_data, unit="area_code", time="period", outcome="count", treated="treated",
        post="post", family="poisson", offset="person_years", inference="auto",
        n_permutations=999, series_breaks=breaks, level=level,
    )  # fmt: skip
    event = event_study(
        dd, unit="area_code", time="year", outcome="count", treated="treated",
        treatment_time=treatment_year, family="poisson", offset="population",
        inference="auto", n_permutations=999, series_breaks=breaks,
        level=level,
    )  # fmt: skip
    return did, event


def _run_its(
    wide: pl.DataFrame,
    pilot: str,
    pool_codes: Sequence[str],
    its_years: list[int],
    treatment_year: int,
    breaks: list[SeriesBreak],
    level: float,
) -> tuple[ITSResult, ITSResult | None, pl.DataFrame]:
    """Segmented Poisson ITS of the pilot alone and against the pooled comparison kommuner.

    Returns the pilot's ITS, the controlled one (``None`` without complete comparison
    kommuner) and the data of the controlled one (the pilot's rows have ``control == 0``).
    """
    pilot_series = (
        wide.filter((pl.col("area_code") == pilot) & pl.col("year").is_in(its_years))
        .select("year", "count", "population")
        .drop_nulls()
    )
    its = interrupted_time_series(
        pilot_series, time="year", outcome="count", interruption=treatment_year,
        offset="population", overdispersion="quasi", series_breaks=breaks,
        model_breaks=True, level=level,
    )  # fmt: skip
    full = _complete(wide, pool_codes, its_years, ["count", "population"])
    its_controlled = None
    its_data = pilot_series.with_columns(pl.lit(0).alias("control"))
    if full:
        agg = (
            wide.filter(pl.col("area_code").is_in(sorted(full)) & pl.col("year").is_in(its_years))
            .group_by("year")
            .agg(pl.col("count").sum(), pl.col("population").sum())
            .with_columns(pl.lit(1).alias("control"))
            .sort("year")
        )
        its_data = pl.concat([its_data, agg.select(its_data.columns)])
        its_controlled = interrupted_time_series(
            its_data, time="year", outcome="count", interruption=treatment_year,
            offset="population", overdispersion="quasi", control="control",
            series_breaks=breaks, model_breaks=True, level=level,
        )  # fmt: skip
        its_controlled.details["n_control_units"] = len(full)
    return its, its_controlled, its_data


@dataclass(frozen=True)
class _Power:
    """The power step's numbers (see :func:`_run_power`), named as in :class:`EffectAnalysis`."""

    power: PowerResult
    power_its: PowerResult
    detect: DetectResult
    baseline_count: float
    control_count: float
    dilution: float | None
    kommun_population: float
    kommun_population_year: int
    overdispersion: float


def _run_power(  # noqa: PLR0913 - the design's numbers, each from an earlier step
    panel: pl.DataFrame,
    data: pl.DataFrame,
    its: ITSResult,
    its_data: pl.DataFrame,
    pilot: str,
    treatment_year: int,
    pre_years: list[int],
    n_post: int,
    n_control: int,
    alpha: float,
    programme: Pilot,
) -> _Power:
    """Power of the DiD design used (and of the ITS), in the pilot district after dilution."""
    pre_counts = data.filter(pl.col("year").is_in(pre_years))
    baseline = float(pre_counts.filter(pl.col("area_code") == pilot)["count"].mean())
    control = float(
        pre_counts.filter(pl.col("area_code") != pilot)
        .group_by("area_code")
        .agg(pl.col("count").mean())["count"]
        .sum()
    )
    # the kommun's population in the year of the district's figure (its latest before then):
    # a share of like with like, the same in every report
    kpop, kyear = _mean_pop(panel, pilot, programme.district_population_year)
    dilution = (
        dilution_share(programme.district_population, kpop)
        if pilot == programme.parent_code
        else None
    )
    phi = max(1.0, float(its.dispersion)) if math.isfinite(its.dispersion) else 1.0
    pkw = dict(
        years_pre=len(pre_years), years_post=n_post, n_control=n_control,
        control_count=control, alpha=alpha, overdispersion=phi,
        dilution=dilution if dilution is not None else 1.0,
    )  # fmt: skip
    pilot_pre = its_data.filter((pl.col("control") == 0) & (pl.col("year") < treatment_year))
    # the level change's MDE in the model the ITS section fits: its slope change and the
    # level shifts it added at series breaks (a simpler model overstated the power)
    n_pre = int(its.details["n_pre"])
    fitted = {
        int(w.values["year"]) - treatment_year  # type: ignore[call-overload]
        for w in its.warnings
        if isinstance(w, SeriesBreakWarning) and w.values.get("adjustment") == "level-shift"
    }
    # a shift the year grid of the power model cannot hold (years missing from the series
    # move it) is left out rather than letting a singular design stop the report; the MDE
    # then says how many of the fitted terms it lacks (note "its_terms_left_out")
    shifts = sorted(fitted & set(range(-n_pre + 1, n_post)) - {0})
    # the ITS is quasi-Poisson: its scale is estimated, so its test is a t test (n - p df)
    its_kw = dict(
        years_pre=n_pre, years_post=n_post, estimator="its", alpha=alpha, overdispersion=phi,
        dilution=dilution if dilution is not None else 1.0, its_scale="estimated",
    )  # fmt: skip
    slope = its.impact != "level"
    try:
        power_its = minimum_detectable_effect(
            float(pilot_pre["count"].mean()), **its_kw,
            its_slope_change=slope, its_level_shifts=shifts,
        )  # fmt: skip
        left_out = len(fitted) - len(shifts)
    except ArgumentError:  # the fitted terms do not fit the contiguous grid: the plain model
        power_its = minimum_detectable_effect(float(pilot_pre["count"].mean()), **its_kw)
        left_out = len(fitted) + int(slope)
    if left_out:
        note = PowerNote("its_terms_left_out", {"n_terms": float(left_out)})
        power_its = replace(power_its, notes=[*power_its.notes, note])
    return _Power(
        power=minimum_detectable_effect(baseline, **pkw),
        power_its=power_its,
        detect=can_detect(PLAUSIBLE_DROP, baseline, **pkw),
        baseline_count=baseline,
        control_count=control,
        dilution=dilution,
        kommun_population=kpop,
        kommun_population_year=kyear,
        overdispersion=phi,
    )


def _estimates(
    synth: SynthEffect,
    sdid: SDIDEffect,
    did: DiDResult,
    its: ITSResult,
    its_controlled: ITSResult | None,
) -> tuple[tuple[Estimate, ...], tuple[str, ...]]:
    """The estimates the conclusion weighs, in the report's order, and the keys left out.

    One rule for every estimator: an estimate without a finite rate ratio or p-value (SDID
    whose placebo test cannot reach the level, an ITS without a finite maximum, an exact fit)
    says nothing about significance and is left out; its section says why. A placebo or
    permutation test carries its smallest possible p (``Estimate.p_min``: with 5 comparison
    kommuner a permutation p is at least 1/6), which decides whether it is counted.
    """
    # a normal p-value can underflow to 0; conclude() wants (0, 1] (nan stays nan)
    p_sdid = sdid.p_value if math.isnan(sdid.p_value) else min(1.0, max(sdid.p_value, 1e-300))
    # the smallest p a placebo or permutation test can give: one over its assignments
    p_min = {
        "synth": 1.0 / synth.placebo.n_included if synth.placebo is not None else 0.0,
        # over the assignments with a finite estimate, as diff_in_diff counts its p
        "did": (
            1.0 / max(1, int(np.isfinite(did.placebo_estimates).sum()))
            if did.method == "permutation" and did.placebo_estimates is not None
            else 0.0
        ),
    }
    candidates = [
        Estimate(
            "synth", synth.rate_ratio, math.nan, math.nan, synth.p_value, True, p_min["synth"]
        ),
        Estimate("sdid", sdid.rate_ratio, sdid.rr_lower, sdid.rr_upper, p_sdid, True),
        Estimate(
            "did",
            float(did.rate_ratio),
            float(did.rr_lower),
            float(did.rr_upper),
            did.p_value,
            p_min=p_min["did"],
        ),
        Estimate("its", its.level_change, its.level_lower, its.level_upper, its.level_p, False),
    ]
    if its_controlled is not None:
        c = its_controlled
        candidates.append(
            Estimate("cits", c.level_change, c.level_lower, c.level_upper, c.level_p, False)
        )
    finite = [math.isfinite(e.rate_ratio) and math.isfinite(e.p_value) for e in candidates]
    kept = tuple(e for e, ok in zip(candidates, finite, strict=True) if ok)
    return kept, tuple(e.key for e, ok in zip(candidates, finite, strict=True) if not ok)


def _first_full_year(pilot_start: str) -> int:
    """The first calendar year the pilot ran in full (``"YYYY-MM"``)."""
    y0, m0 = (int(p) for p in pilot_start.split("-"))
    return y0 if m0 == 1 else y0 + 1


def _pretrend_p(event: EventStudyResult, alpha: float) -> tuple[float | None, bool]:
    """The event study's pre-trend p-value and whether it is the model-based Wald one.

    The permutation p where available and able to reach ``alpha`` (more than ``1 / alpha``
    assignments), else the Wald p: with 6 kommuner the permutation p cannot fall below
    1/6 whatever the data, and a Wald p of 2e-10 would go unsaid.
    """
    pre = event.pretrend
    if pre is None:
        return None, False
    if pre.p_permutation is None:  # no permutation test ran: the Wald p, as before
        return pre.p_value, False
    if pre.n_assignments is None or 1.0 / pre.n_assignments <= alpha:
        return pre.p_permutation, False
    return pre.p_value, True  # the permutation test ran but cannot reach alpha


def _comparison_pool(
    panel: pl.DataFrame,
    wide: pl.DataFrame,
    area: Area,
    donors: str,
    years: list[int],
    pre_years: list[int],
    max_donors: int | None,
    indicator: str,
) -> tuple[Pool, pl.DataFrame]:
    """The comparison kommuner with complete data (see :func:`_build_pool`) and their rows.

    Outcome, count and population in every year; the covariate rates (averaged over the
    available pre-treatment years, as the synthetic control does) in at least one. The rows
    are the pilot's and the pool's in ``years``.
    """
    covariates = [c for c in COVARIATE_RATES if c in wide.columns]
    pool = _build_pool(
        panel, wide, area, donors,
        [(years, ["rate", "count", "population"], True), (pre_years, covariates, False)],
        pre_years, max_donors, indicator,
    )  # fmt: skip
    units = [area.code, *pool.codes]
    return pool, wide.filter(pl.col("area_code").is_in(units) & pl.col("year").is_in(years))


def _evidence(
    estimates: tuple[tuple[Estimate, ...], tuple[str, ...]],
    pw: _Power,
    event: EventStudyResult,
    breaks_fit: list[SeriesBreak],
    alpha: float,
    treatment_year: int,
    n_post_years: int,
    programme: Pilot | None,
) -> Evidence:
    """Collect what :func:`conclude` weighs (``estimates``: kept, and keys left out).

    ``programme``: the programme that ran in the pilot area, ``None`` for a pilot area other
    than the case's (its end is then not known).
    """
    end_status = programme.sources.get("end", ("fact", ""))[0] if programme else "fact"
    pretrend = _pretrend_p(event, alpha)
    return Evidence(
        programme_end=programme.end if programme else "",
        programme_end_approximate=end_status == "approximate",
        estimates=estimates[0],
        not_estimated=estimates[1],
        alpha=alpha,
        mde_pct_district=float(pw.power.mde_pct),
        power_plausible=float(pw.detect.power),
        plausible_pct=100 * PLAUSIBLE_DROP,
        dilution=pw.dilution,
        breaks=tuple((b.first_year, b.label("sv"), b.label("en")) for b in breaks_fit),
        treatment_year=treatment_year,
        pretrend_p=pretrend[0],
        pretrend_model_based=pretrend[1],
        n_post_years=n_post_years,
    )


class EffectReportOptions(TypedDict, total=False):
    """The options of :func:`pilot_effect_analysis` that the ``pilot_effect`` report takes.

    The report's parameters (:func:`research.views.pilot_effect.sections.pilot_effect`),
    with the analysis's defaults and meaning.
    """

    pilot: str
    indicator: str
    pilot_start: str
    start_year: int
    end_year: int
    donors: str
    expansion: str


def pilot_effect_analysis(  # noqa: PLR0913 - the analysis's documented options, all keyword-only
    panel: pl.DataFrame,
    *,
    pilot: str = "",
    indicator: str = "N07402",
    pilot_start: str = "",
    start_year: int = 2008,
    end_year: int = 2022,
    donors: str = "kommuner",
    fit_start: int | None = None,
    max_donors: int | None = 30,
    exclude_ratio: float = 5.0,
    alpha: float = 0.05,
    n_random_starts: int = 1,
    catalog: Catalog | None = None,
    programme: Pilot | None = None,
    expansion: str = "",
) -> EffectAnalysis:
    """Run every estimator of the ``pilot_effect`` report and draw the conclusion.

    Parameters
    ----------
    panel
        The long panel of :func:`research.data.panel.load_panel`.
    pilot
        Pilot kommun, code or name; empty: the case's (Stockholm ``"0180"`` standing in for
        Södermalm, from ``data/pilots.toml``).
    indicator
        Outcome indicator id (a rate per 100 000 with estimated counts), e.g. ``"N07402"``.
    pilot_start
        ``"YYYY-MM"``; its year is the first (partly) treated year; empty: the case pilot's
        start (``data/pilots.toml``).
    start_year, end_year
        Window of the interrupted time series and the charts; ``end_year`` also ends the
        synthetic control and DiD window.
    donors
        ``"kommuner"``, ``"lan:XX"``, ``"similar:K"`` (see the module notes) or an official
        group (:mod:`research.data.groups`): ``"kolada:liknande-ifo"`` (the pilot's Liknande
        kommuner IFO, latest year), ``"skr:Storstäder"``, a Kolada group id or title.
    fit_start
        First pre-treatment year of the synthetic control and DiD (default:
        :func:`default_fit_start`).
    max_donors
        Largest pool kept (closest in log population); ``None`` keeps all.
    exclude_ratio
        Placebo exclusion rule: placebos with a pre-period MSPE above this multiple of the
        pilot's are left out.
    alpha
        Significance level.
    n_random_starts
        Random starts of the synthetic control's outer optimisation (fixed seed), besides the
        deterministic ones.
    catalog
        Indicator catalog (default :func:`research.data.catalog.load_catalog`).
    programme
        The piloted programme (district, population) for the dilution; default the case's
        (:func:`research.data.pilots.case`).
    expansion
        Optional staggered expansion scenario, ``"KOMMUN:YEAR,..."`` (e.g.
        ``"0126:2024,0127:2025"``): further kommuner joining in those years, estimated with
        group-time ATTs where the data reach the joining year (see the module notes); empty
        for none.

    Returns
    -------
    EffectAnalysis

    Raises
    ------
    ArgumentError
        Invalid parameters (unknown donor specification, no post-treatment year, a
        ``fit_start`` outside the window, a malformed ``expansion`` schedule, a
        ``start_year`` before the indicator's first year with data).
    DesignError
        A ``start_year`` leaving fewer than three pre-treatment years, no data for the pilot
        from the pilot start on, or an estimator's design that cannot be identified.
    DataError
        The pilot kommun lacks data in the window, or fewer than two donors remain; the rows
        of the indicator or a covariate repeat a kommun and year, or hold an impossible value
        (:func:`research.analyses.panel_rows.check_panel_rows`).
    UnknownAreaError, UnknownIndicatorError
        Unknown pilot or indicator.

    Examples
    --------
    >>> from research.data.panel import load_panel
    >>> res = pilot_effect_analysis(load_panel(), donors="lan:01")
    >>> res.treatment_year, res.fit_start, res.post_years
    (2021, 2015, [2021, 2022])
    >>> round(sum(res.synth.fit.weights["weight"]), 9)
    1.0
    >>> 0 < res.did.p_value <= 1
    True
    >>> res.sdid.fit.se > 0 and res.sdid.fit.se_method
    'placebo'

    References
    ----------
    See the module docstring.
    """
    from research.core.fmt import format_month

    pilot_start = str(case_parameter("pilot_start", pilot_start))
    format_month(pilot_start)  # validates "YYYY-MM"
    cat, programme = catalog or load_catalog(), programme or case().pilot
    ind = cat.get(indicator).id
    area = load_areas().resolve(case_parameter("pilot", pilot))
    start_year, end_year = _year("start_year", start_year), _year("end_year", end_year)
    treatment_year = int(pilot_start[:4])
    _check_options(area, pilot_start, start_year, end_year, alpha, max_donors, expansion)
    breaks_all = cat.breaks_for(ind, (start_year, end_year))
    fit_start = _resolve_fit_start(fit_start, breaks_all, treatment_year, start_year, pilot_start)
    wide = _panel_wide(panel, ind, start_year, end_year)
    first = wide.drop_nulls("count")["year"].min()
    if first is not None and start_year < first:  # type: ignore[operator]
        # the ITS window would start in years without data: no comparison kommun complete,
        # and the controlled ITS would vanish without a word
        en, sv = _TEXTS.both(
            "start_year_before_data", start_year=start_year, indicator=ind, first=first
        )
        raise ArgumentError(en, sv=sv)
    last = _last_data_year(wide, area, treatment_year, end_year)
    years = list(range(fit_start, last + 1))
    pre_years = [y for y in years if y < treatment_year]
    post_years = [y for y in years if y >= treatment_year]
    pool, data = _comparison_pool(panel, wide, area, donors, years, pre_years, max_donors, ind)
    breaks_fit = [b for b in breaks_all if b.within(fit_start, last)]

    # 1. synthetic control on the rate
    synth = _run_synth(
        data, area.code, ind, treatment_year, (fit_start, treatment_year - 1), breaks_fit,
        exclude_ratio, n_random_starts,
    )  # fmt: skip
    # 1b. synthetic difference-in-differences on the same rates, pool and window
    sdid = _run_sdid(data, area.code, treatment_year, 1 - alpha)
    # 2. DiD on pre/post totals and event study on yearly counts, population as exposure
    did, event = _run_did(data, area.code, treatment_year, fit_start, breaks_fit, 1 - alpha)
    # 3. ITS: the pilot alone, and against the pooled comparison kommuner
    its, its_controlled, its_data = _run_its(
        wide, area.code, pool.codes, list(range(start_year, last + 1)), treatment_year,
        breaks_all, 1 - alpha,
    )  # fmt: skip
    # 4. power of the DiD design used, in the pilot district after dilution
    pw = _run_power(
        panel, data, its, its_data, area.code, treatment_year, pre_years, len(post_years),
        len(pool.codes), alpha, programme,
    )  # fmt: skip
    # 5. the conclusion
    evidence = _evidence(
        _estimates(synth, sdid, did, its, its_controlled), pw, event, breaks_fit, alpha,
        treatment_year, len(post_years),
        programme if programme.describes(area.code, pilot_start) else None,
    )  # fmt: skip
    return EffectAnalysis(
        pilot=area,
        indicator=ind,
        pilot_start=pilot_start,
        treatment_year=treatment_year,
        first_full_year=_first_full_year(pilot_start),
        start_year=start_year,
        end_year=last,
        fit_start=fit_start,
        post_years=post_years,
        pool=pool,
        breaks=breaks_all,
        breaks_fit=breaks_fit,
        synth=synth,
        sdid=sdid,
        did=did,
        event=event,
        its=its,
        its_controlled=its_controlled,
        **{f.name: getattr(pw, f.name) for f in fields(pw)},  # power, dilution, counts
        evidence=evidence,
        conclusion=conclude(evidence),
        data=data,
        its_data=its_data,
        programme=programme,
        expansion=_run_expansion(expansion, wide, area, pool, treatment_year, years, 1 - alpha),
    )
