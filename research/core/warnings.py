"""The warnings pilotbench issues, one class per condition, each with a stable ``code``.

Every warning derives from :class:`~research.core.errors.PilotbenchWarning` (a
``UserWarning``). Its ``code`` names the condition and never changes with the English
wording, so a report can word it in its own language: ``research/core/warnings.toml`` holds
one message per code in Swedish and English, filled from the warning's ``values`` (the
attributes each class declares in ``fields``). The English message passed to the class is
what ``str(warning)`` and Python's ``warnings`` machinery show.

A class declares its ``code`` and ``fields`` as class keywords in its header (read by
``PilotbenchWarning.__init_subclass__``); a keyword left out keeps the base class's value::

    class ShortSeriesWarning(
        PilotbenchWarning, code="short-series", fields=("n_pre", "n_post", "minimum")
    ):
        ...  # the docstring: the condition and what each field holds

Estimators return the conditions they met in their result's ``warnings`` list (as warning
objects, never plain strings: ``tests/test_errors.py`` fails on an English string appended
to a warnings list); functions outside the estimators issue them with :func:`warnings.warn`.
Numbers are kept as numbers (rounded as the English message shows them), periods and years
as lists, so ``warning_text`` writes them with the language's decimal mark.

::

    PilotbenchWarning (UserWarning)
    ├── CacheNotWrittenWarning         cache-not-written       data.panel
    ├── ImportLogNotWrittenWarning     import-log-not-written  data.import_store
    ├── StaggeredWarning               staggered               stats.staggered
    │   ├── TreatedFirstPeriodWarning  treated-first-period
    │   ├── SmallGroupsWarning         small-groups
    │   └── NoComparisonUnitsWarning   no-comparison-units
    ├── SeriesBreakWarning             series-break            stats.did, stats.its, stats.synth
    ├── DonorRangeWarning              outside-donor-range     stats.synth
    ├── SingleTreatedUnitWarning       one-treated-unit        stats.did
    ├── ModelBasedIntervalsWarning     model-based-intervals   stats.did (event study)
    ├── ShortSeriesWarning             short-series            stats.its
    ├── SimilarityWarning              similarity              analyses.similarity
    │   ├── LogTransformWarning        log-nonpositive
    │   ├── TargetMissingWarning       target-missing
    │   ├── VariablesDroppedWarning    variables-dropped
    │   ├── AreasDroppedWarning        areas-dropped
    │   ├── MedianImputedWarning       median-imputed
    │   ├── ConstantVariablesWarning   constant-variables
    │   ├── SingularCovarianceWarning  singular-covariance
    │   └── OfficialGroupsWarning      official-groups-unavailable
    ├── ScreeningWarning               screening               analyses.screening
    │   ├── IncompleteYearsWarning     incomplete-years
    │   └── NoSimilarityDistanceWarning  no-similarity-distance
    ├── DataDroppedWarning             data-dropped            rows, units, periods left out
    │   ├── MissingRowsDroppedWarning  missing-rows-dropped    stats.did, stats.its
    │   ├── ZeroEventUnitsWarning      zero-event-units        stats.did (Poisson)
    │   ├── ZeroEventPeriodsWarning    zero-event-periods      stats.did (Poisson)
    │   ├── SingletonsDroppedWarning   singletons-dropped      stats.did
    │   ├── MissingYearsDroppedWarning missing-years-dropped   stats.rates (trend)
    │   ├── PostGapMissingWarning      post-gap-missing        stats.synth
    │   ├── SeparatedYearsDroppedWarning  separated-years-dropped  stats.rates (trend)
    │   └── PreGapMissingWarning       pre-gap-missing         stats.synth
    ├── InferenceWarning               inference               p-values, intervals, SEs
    │   ├── FewClustersWarning         few-clusters            stats.did
    │   ├── StaggeredClusterWarning    staggered-cluster-inference  stats.did (event study)
    │   ├── WildBootstrapOneClusterWarning  wild-one-treated-cluster  stats.did
    │   ├── PermutationsDroppedWarning permutations-dropped    stats.did
    │   ├── FewAssignmentsWarning      few-assignments         stats.did
    │   ├── FewPlaceboAssignmentsWarning  few-placebo-assignments  stats.sdid (placebo SE)
    │   ├── FewPlacebosWarning         few-placebos            stats.synth (placebo-in-space)
    │   ├── PlacebosWithoutRatioWarning  placebos-without-ratio  stats.synth (placebo-in-space)
    │   ├── PoissonPermutationIntervalWarning  poisson-permutation-interval  stats.did
    │   ├── UnboundedIntervalWarning   unbounded-interval      stats.did
    │   ├── SampledAssignmentsWarning  sampled-assignments     stats.did (event study)
    │   ├── SingularPretrendWarning    singular-pretrend-covariance  stats.did (event study)
    │   └── ExactPreFitWarning         exact-pre-fit           stats.synth (placebo-in-space)
    ├── DesignWarning                  design                  terms, windows, donors
    │   ├── NonNumericTimeBreaksWarning  breaks-non-numeric-time  stats.did
    │   ├── LevelShiftsCollinearWarning  level-shifts-collinear  stats.did
    │   ├── StaggeredTimingWarning     staggered-timing        stats.did (event study)
    │   ├── NoLeadsWarning             no-leads                stats.did (event study)
    │   ├── YearlySeasonalityWarning   yearly-seasonality      stats.its
    │   ├── DonorGroupWarning          donor-group             stats.synth
    │   ├── OutcomePredictorsWarning   outcome-predictors      stats.synth
    │   ├── OverfitWarning             overfit                 stats.synth
    │   ├── PlaceboWindowCutWarning    placebo-window-cut      stats.synth (placebo-in-time)
    │   ├── PlaceboPeriodsCutWarning   placebo-periods-cut     stats.synth (placebo-in-time)
    │   ├── BreakOutsideDataWarning    break-outside-data      stats.rates (trend)
    │   ├── BreakDuplicateWarning      break-duplicate         stats.rates (trend)
    │   └── LevelShiftsEstimatedWarning  level-shifts-estimated  stats.rates (trend)
    └── ModelFitWarning                model-fit               assumptions, convergence
        ├── NonIntegerCountsWarning    non-integer-counts      stats.did (Poisson)
        ├── OverdispersionWarning      overdispersion          stats.its, stats.rates
        ├── AutocorrelationWarning     autocorrelation         stats.its
        ├── FewResidualDfWarning       few-residual-df         stats.rates (trend)
        ├── AllZeroCountsWarning       all-zero-counts         stats.rates (trend)
        ├── ExactFitWarning            exact-fit               stats.its, stats.rates (trend)
        │   └── ExactFitInferenceWarning  exact-fit-inference  stats.did, staggered, sdid
        ├── NegbinNoOverdispersionWarning  negbin-no-overdispersion  stats.rates (trend)
        ├── NoFiniteEstimateWarning    no-finite-estimate      stats.its
        ├── NoFiniteEventEstimateWarning  no-finite-event-estimate  stats.did (event study)
        ├── NoFiniteTrendWarning       no-finite-trend         stats.rates (trend)
        └── NotConvergedWarning        not-converged           stats.rates (trend), its, did

``SingleTreatedUnitWarning`` also stands for the event study's "cluster-robust intervals are
not valid" with one treated unit (the same condition, worded once).

``tests/test_errors.py`` checks that codes are unique, that every code has a message in
both languages whose placeholders are the class's ``fields``, and that no ``warnings.warn``
in ``research/`` issues anything but one of these classes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar

from .errors import PilotbenchWarning
from .fmt import check_lang, format_list
from .i18n import load_catalogue

_W = TypeVar("_W", bound=PilotbenchWarning)

__all__ = [
    "AllZeroCountsWarning",
    "AreasDroppedWarning",
    "AutocorrelationWarning",
    "BreakDuplicateWarning",
    "BreakOutsideDataWarning",
    "CacheNotWrittenWarning",
    "ConstantVariablesWarning",
    "DataDroppedWarning",
    "DesignWarning",
    "DonorGroupWarning",
    "DonorRangeWarning",
    "ExactFitInferenceWarning",
    "ExactFitWarning",
    "ExactPreFitWarning",
    "FewAssignmentsWarning",
    "FewClustersWarning",
    "FewPlaceboAssignmentsWarning",
    "FewPlacebosWarning",
    "FewResidualDfWarning",
    "ImportLogNotWrittenWarning",
    "IncompleteYearsWarning",
    "InferenceWarning",
    "LevelShiftsCollinearWarning",
    "LevelShiftsEstimatedWarning",
    "LogTransformWarning",
    "MedianImputedWarning",
    "MissingRowsDroppedWarning",
    "MissingYearsDroppedWarning",
    "ModelBasedIntervalsWarning",
    "ModelFitWarning",
    "NegbinNoOverdispersionWarning",
    "NoComparisonUnitsWarning",
    "NoFiniteEstimateWarning",
    "NoFiniteEventEstimateWarning",
    "NoFiniteTrendWarning",
    "NoLeadsWarning",
    "NoSimilarityDistanceWarning",
    "NonIntegerCountsWarning",
    "NonNumericTimeBreaksWarning",
    "NotConvergedWarning",
    "OfficialGroupsWarning",
    "OutcomePredictorsWarning",
    "OverdispersionWarning",
    "OverfitWarning",
    "PermutationsDroppedWarning",
    "PilotbenchWarning",
    "PlaceboPeriodsCutWarning",
    "PlaceboWindowCutWarning",
    "PlacebosWithoutRatioWarning",
    "PoissonPermutationIntervalWarning",
    "PostGapMissingWarning",
    "PreGapMissingWarning",
    "SampledAssignmentsWarning",
    "ScreeningWarning",
    "SeparatedYearsDroppedWarning",
    "SeriesBreakWarning",
    "ShortSeriesWarning",
    "SimilarityWarning",
    "SingleTreatedUnitWarning",
    "SingletonsDroppedWarning",
    "SingularCovarianceWarning",
    "SingularPretrendWarning",
    "SmallGroupsWarning",
    "StaggeredClusterWarning",
    "StaggeredTimingWarning",
    "StaggeredWarning",
    "TargetMissingWarning",
    "TreatedFirstPeriodWarning",
    "UnboundedIntervalWarning",
    "VariablesDroppedWarning",
    "WildBootstrapOneClusterWarning",
    "YearlySeasonalityWarning",
    "ZeroEventPeriodsWarning",
    "ZeroEventUnitsWarning",
    "warning_classes",
    "warning_text",
    "warning_texts",
]


class CacheNotWrittenWarning(PilotbenchWarning, code="cache-not-written", fields=("reason",)):
    """The panel was built but its Parquet cache could not be written (``reason``)."""


class ImportLogNotWrittenWarning(
    PilotbenchWarning, code="import-log-not-written", fields=("reason", "action", "file_name")
):
    """An import or removal was committed but not written to ``imports.log``."""


class StaggeredWarning(PilotbenchWarning, code="staggered"):
    """Base class of :func:`research.stats.staggered.group_time_att`'s warnings."""


class TreatedFirstPeriodWarning(StaggeredWarning, code="treated-first-period", fields=("n_units",)):
    """Units treated in the first period (no pre-treatment period) were dropped (``n_units``)."""


class SmallGroupsWarning(StaggeredWarning, code="small-groups", fields=("groups", "min_units")):
    """Cohorts (0: the never-treated) with fewer than ``min_units`` units (R did's rule).

    ``min_units`` is the number of covariates + 5, as in R ``did``'s ``pre_process_did``; the
    group-time ATTs involving them, and their standard errors, rest on a handful of units.
    """


class NoComparisonUnitsWarning(
    StaggeredWarning, code="no-comparison-units", fields=("cohort", "period")
):
    """A (cohort, period) cell has no comparison units and was skipped."""


class SeriesBreakWarning(
    PilotbenchWarning,
    code="series-break",
    fields=("year", "first", "last", "adjustment", "next_to_start"),
):
    """A registered series break lies inside an estimator's window.

    ``year`` is the break's first year on the new basis, ``first``/``last`` the window;
    ``adjustment`` says what the model did about it: ``"none"``, ``"level-shift"`` (a
    level-shift term was added), ``"absorbed"`` (the period effects absorb a common shift) or
    ``"collinear"`` (a shift term could not be separated from the treatment terms);
    ``next_to_start`` whether the break is next to the treatment start (the estimate may
    then be confounded).
    """

    @classmethod
    def in_window(
        cls,
        message: str,
        year: float,
        first: float,
        last: float,
        adjustment: str = "none",
        next_to_start: object = False,
    ) -> SeriesBreakWarning:
        """The warning for a break in ``year`` inside the window ``first``-``last``.

        Years may be NumPy or float values (as the estimators hold them); they are kept as
        ``int``, ``next_to_start`` as ``bool``.

        Examples
        --------
        >>> w = SeriesBreakWarning.in_window("Series break", 2020.0, 2010.0, 2022.0)
        >>> w.values
        {'year': 2020, 'first': 2010, 'last': 2022, 'adjustment': 'none', 'next_to_start': False}
        """
        return cls(
            message,
            year=int(year),
            first=int(first),
            last=int(last),
            adjustment=adjustment,
            next_to_start=bool(next_to_start),
        )


class DonorRangeWarning(PilotbenchWarning, code="outside-donor-range", fields=("predictors",)):
    """The treated unit lies outside the donors' range for some ``predictors``."""


class SingleTreatedUnitWarning(PilotbenchWarning, code="one-treated-unit"):
    """Only one treated unit: conventional cluster-robust standard errors are not valid."""


class ModelBasedIntervalsWarning(PilotbenchWarning, code="model-based-intervals"):
    """Poisson event-study intervals are model-based, not permutation-based."""


class ShortSeriesWarning(
    PilotbenchWarning, code="short-series", fields=("n_pre", "n_post", "minimum")
):
    """Fewer than ``minimum`` periods before (``n_pre``) or from (``n_post``) an interruption."""


class SimilarityWarning(PilotbenchWarning, code="similarity"):
    """Base class of :func:`research.analyses.similarity.similar_areas`' caveats."""


class LogTransformWarning(
    SimilarityWarning, code="log-nonpositive", fields=("variable", "n_values")
):
    """``n_values`` values of ``variable`` are <= 0: not log-transformed, treated as missing."""


class TargetMissingWarning(SimilarityWarning, code="target-missing", fields=("area", "variables")):
    """The target ``area`` has no value for ``variables`` in the years chosen: left out."""


class VariablesDroppedWarning(SimilarityWarning, code="variables-dropped", fields=("variables",)):
    """``variables`` missing for some areas were left out (``missing="drop_variable"``)."""


class AreasDroppedWarning(SimilarityWarning, code="areas-dropped", fields=("n_areas", "areas")):
    """``n_areas`` areas lack a compared value and are not ranked (``missing="drop_area"``).

    ``areas`` lists the first 20 as ``"name (code)"``; the result's ``dropped_areas`` has all.
    """


class MedianImputedWarning(SimilarityWarning, code="median-imputed", fields=("n_areas", "areas")):
    """Missing values of ``n_areas`` areas (``areas``: codes) replaced by the median."""


class ConstantVariablesWarning(SimilarityWarning, code="constant-variables", fields=("variables",)):
    """``variables`` constant across the compared areas were left out."""


class SingularCovarianceWarning(SimilarityWarning, code="singular-covariance"):
    """The variables' covariance is singular; the Mahalanobis distance uses a pseudo-inverse."""


class OfficialGroupsWarning(
    SimilarityWarning, code="official-groups-unavailable", fields=("reason",)
):
    """Kolada's official peer groups of the target kommun could not be read (``reason``)."""


class ScreeningWarning(PilotbenchWarning, code="screening"):
    """Base class of :func:`research.analyses.screening.screen_candidates`' caveats.

    The similarity component's own caveats stay :class:`SimilarityWarning` objects in the
    screening table's ``warnings``.
    """


class IncompleteYearsWarning(
    ScreeningWarning,
    code="incomplete-years",
    fields=("n_areas", "indicator", "first", "last", "areas"),
):
    """``n_areas`` kommuner lack ``indicator`` in some of ``first``-``last``.

    Their need and detectability are left empty and score 0; ``areas`` lists the first 20
    codes (the table's empty ``need_rate_ratio_est`` marks them all).
    """


class NoSimilarityDistanceWarning(
    ScreeningWarning, code="no-similarity-distance", fields=("n_areas", "areas")
):
    """``n_areas`` kommuner have no similarity distance and score 0 on similarity.

    ``areas`` lists the first 20 codes (the table's empty ``similarity_distance`` marks them
    all); the similarity caveats in the same ``warnings`` say why.
    """


class DataDroppedWarning(PilotbenchWarning, code="data-dropped"):
    """Base class: an estimator left out rows, units, periods or years before fitting."""


class MissingRowsDroppedWarning(
    DataDroppedWarning, code="missing-rows-dropped", fields=("n_rows", "columns")
):
    """``n_rows`` rows with a missing value (null or NaN) in ``columns`` were dropped."""


class ZeroEventUnitsWarning(DataDroppedWarning, code="zero-event-units", fields=("units",)):
    """Poisson: ``units`` with zero events in every period were dropped (infinite fixed effect)."""


class ZeroEventPeriodsWarning(DataDroppedWarning, code="zero-event-periods", fields=("periods",)):
    """Poisson: ``periods`` with zero events in every unit were dropped."""


class SingletonsDroppedWarning(DataDroppedWarning, code="singletons-dropped", fields=("n_obs",)):
    """``n_obs`` observations of units or periods seen once were dropped (fixest/reghdfe)."""


class MissingYearsDroppedWarning(
    DataDroppedWarning, code="missing-years-dropped", fields=("n_years", "years")
):
    """``n_years`` ``years`` with a missing count or exposure were dropped from a trend."""


class PostGapMissingWarning(DataDroppedWarning, code="post-gap-missing", fields=("periods",)):
    """Synthetic control: the gap is missing in post-treatment ``periods``; ATT uses the others."""


class SeparatedYearsDroppedWarning(
    DataDroppedWarning, code="separated-years-dropped", fields=("years", "terms")
):
    """A trend: zero counts in ``years`` fitted only by ``terms`` running to infinity, left out.

    A level shift at a series break (or the intercept with it) fits the zeros of a segment
    exactly at minus infinity (:func:`research.stats.glm.separated_observations`); the trend
    is the limit of the fit, estimated from the other years, and ``terms`` have no estimate.
    """


class PreGapMissingWarning(DataDroppedWarning, code="pre-gap-missing", fields=("periods",)):
    """Synthetic control: the gap is missing in pre-treatment ``periods`` (pre-RMSPE skips them)."""


class InferenceWarning(PilotbenchWarning, code="inference"):
    """Base class: a caveat on an estimator's p-value, interval or standard error."""


class FewClustersWarning(InferenceWarning, code="few-clusters", fields=("n_clusters", "n_treated")):
    """Cluster-robust inference was requested with too few clusters (``n_treated`` treated)."""


class StaggeredClusterWarning(
    InferenceWarning, code="staggered-cluster-inference", fields=("n_clusters", "n_treated")
):
    """``inference='auto'`` used cluster-robust inference: staggered timing cannot be permuted."""


class WildBootstrapOneClusterWarning(InferenceWarning, code="wild-one-treated-cluster"):
    """The wild cluster bootstrap with a single treated cluster (known to fail)."""


class PermutationsDroppedWarning(
    InferenceWarning, code="permutations-dropped", fields=("n_dropped", "n_assignments")
):
    """``n_dropped`` of ``n_assignments`` permuted assignments could not be estimated; left out."""


class PlacebosWithoutRatioWarning(
    InferenceWarning, code="placebos-without-ratio", fields=("units", "n_included")
):
    """Placebo units without a post/pre RMSPE ratio (no post-period gap) left out of the test.

    The unit, or donors its fit rests on, lack the outcome after the start.
    """


class FewAssignmentsWarning(
    InferenceWarning,
    code="few-assignments",
    fields=("n_assignments", "n_possible", "enumeration", "min_p", "alpha"),
):
    """Only ``n_assignments`` assignments behind a permutation test: the interval is unbounded.

    The smallest attainable permutation p-value, ``min_p`` (``1 / n_assignments``, rounded
    to 3 decimals), exceeds ``alpha`` (1 - the interval's level). ``enumeration`` says what
    was done: ``"enumerated"`` (all ``n_possible`` assignments were enumerated; fewer are
    used when some could not be estimated) or ``"sampled"`` (``n_assignments`` drawn at
    random among ``n_possible``, the observed one included); the catalogue words each
    (``few-assignments:enumerated`` / ``few-assignments:sampled``).
    """

    @classmethod
    def of(
        cls, n_assignments: int, alpha: float, *, n_possible: int, sampled: bool
    ) -> FewAssignmentsWarning:
        """The warning for ``n_assignments`` of ``n_possible`` assignments at ``1 - alpha``.

        The English message is the catalogue's (``research/core/warnings.toml``), as the
        Swedish one.

        Examples
        --------
        >>> w = FewAssignmentsWarning.of(6, 0.05, n_possible=6, sampled=False)
        >>> str(w).endswith("so the interval is unbounded. All 6 possible assignments were enumerated.")
        True
        >>> w.values
        {'n_assignments': 6, 'n_possible': 6, 'enumeration': 'enumerated', 'min_p': 0.167, 'alpha': 0.05}
        """  # noqa: E501 - a doctest's output is one line
        return _from_catalogue(
            cls,
            n_assignments=int(n_assignments),
            n_possible=int(n_possible),
            enumeration="sampled" if sampled else "enumerated",
            min_p=round(1 / n_assignments, 3),
            alpha=alpha,
        )


class FewPlaceboAssignmentsWarning(
    InferenceWarning,
    code="few-placebo-assignments",
    fields=("n_placebos", "n_control", "n_treated", "min_p", "alpha"),
):
    """SDID placebo SE: only ``n_placebos`` distinct placebo assignments; no interval or p.

    ``n_placebos`` is the number of ways ``n_treated`` of the ``n_control`` control units can
    play the treated (``comb(n_control, n_treated)``): the placebo estimates take at most that
    many distinct values however many replications are drawn. A placebo test on them could
    give no p-value below ``min_p`` (``1 / (n_placebos + 1)``, rounded to 3 decimals), which
    exceeds ``alpha`` (1 - the interval's level); the normal interval and p-value are NaN.
    """

    @classmethod
    def of(cls, n_control: int, n_treated: int, alpha: float) -> FewPlaceboAssignmentsWarning:
        """The warning for ``n_treated`` treated among ``n_control`` controls at ``1 - alpha``.

        Examples
        --------
        >>> w = FewPlaceboAssignmentsWarning.of(2, 1, 0.05)
        >>> w.values["n_placebos"], w.values["min_p"]
        (2, 0.333)
        """
        n = math.comb(n_control, n_treated)
        min_p = round(1 / (n + 1), 3)
        return cls(
            f"The placebo standard error rests on only {n} distinct placebo assignments "
            f"({n_treated} of the {n_control} control units playing the treated), however many "
            f"replications are drawn; the smallest p-value a placebo test could give is "
            f"1/({n} + 1) = {min_p:.3f} > {alpha:g}, so the normal interval and p-value built "
            "on that standard error are not given.",
            n_placebos=n,
            n_control=int(n_control),
            n_treated=int(n_treated),
            min_p=min_p,
            alpha=alpha,
        )


class FewPlacebosWarning(
    InferenceWarning, code="few-placebos", fields=("n_units", "min_p", "alpha")
):
    """Placebo-in-space: only ``n_units`` units (the treated one included) are compared.

    The smallest attainable p-value ``min_p`` (``1 / n_units``, rounded to 3 decimals)
    exceeds ``alpha``: no data could make the test significant at that level.
    """

    @classmethod
    def of(cls, n_units: int, alpha: float) -> FewPlacebosWarning:
        """The warning for a reference distribution of ``n_units`` units at level ``alpha``.

        Examples
        --------
        >>> FewPlacebosWarning.of(3, 0.05).values
        {'n_units': 3, 'min_p': 0.333, 'alpha': 0.05}
        """
        min_p = round(1 / n_units, 3)
        return cls(
            f"Only {n_units} units in the placebo distribution, the treated unit included: the "
            f"smallest attainable p-value is 1/{n_units} = {min_p:.3f} > {alpha:g}, so the test "
            "could not be significant at that level whatever the data; the p-value only gives "
            "the treated unit's rank.",
            n_units=int(n_units),
            min_p=min_p,
            alpha=alpha,
        )


class PoissonPermutationIntervalWarning(
    InferenceWarning, code="poisson-permutation-interval", fields=("n_assignments",)
):
    """The Poisson permutation interval is not computed with ``n_assignments`` (> 500)."""


class UnboundedIntervalWarning(InferenceWarning, code="unbounded-interval"):
    """The permutation interval is unbounded on at least one side."""


class SampledAssignmentsWarning(
    InferenceWarning, code="sampled-assignments", fields=("n_assignments",)
):
    """Permutation p-values use ``n_assignments`` sampled (not all) assignments."""


class SingularPretrendWarning(
    InferenceWarning, code="singular-pretrend-covariance", fields=("n_restrictions", "n_clusters")
):
    """The pre-trend Wald test has ``n_restrictions`` > ``n_clusters`` - 1: a pseudo-inverse."""


class ExactPreFitWarning(
    InferenceWarning, code="exact-pre-fit", fields=("n_units", "n_total", "floor")
):
    """Placebo-in-space: ``n_units`` of ``n_total`` units fit the pre-period (almost) exactly.

    Their pre-RMSPE is floored at ``floor`` (3 significant digits) before the ratio.
    """


class DesignWarning(PilotbenchWarning, code="design"):
    """Base class: a caveat on an estimator's design (its terms, windows, donors)."""


class NonNumericTimeBreaksWarning(DesignWarning, code="breaks-non-numeric-time"):
    """``series_breaks`` were given but the time column is not numeric: ignored."""


class LevelShiftsCollinearWarning(DesignWarning, code="level-shifts-collinear", fields=("years",)):
    """The level-shift dummies for the breaks in ``years`` are collinear: left out."""


class StaggeredTimingWarning(DesignWarning, code="staggered-timing"):
    """Staggered timing: TWFE event-study coefficients can mix effects (Sun & Abraham 2021)."""


class NoLeadsWarning(DesignWarning, code="no-leads", fields=("reference",)):
    """No pre-treatment event time besides the ``reference``: pre-trends cannot be tested."""


class YearlySeasonalityWarning(DesignWarning, code="yearly-seasonality"):
    """Seasonality asked for yearly data: ``t mod seasonality`` is used as the position."""


class DonorGroupWarning(
    DesignWarning, code="donor-group", fields=("reference", "title", "group_id", "year", "absent")
):
    """Donors given as an official group ``reference``; members without data left out.

    ``group_id``, ``title`` and ``year`` (or None) name the Kolada group; ``absent`` lists
    the members without data (sentence ``donor-group:absent`` when not empty).
    """


class OutcomePredictorsWarning(DesignWarning, code="outcome-predictors"):
    """No predictors were given: the outcome in each period of the fit window is used."""


class OverfitWarning(DesignWarning, code="overfit", fields=("n_donors", "n_periods")):
    """``n_donors`` >= ``n_periods`` fitted pre-treatment periods: a close fit is no evidence."""


class PlaceboWindowCutWarning(
    DesignWarning, code="placebo-window-cut", fields=("name", "first", "last", "new_last")
):
    """Placebo-in-time: the window ``name`` (``first``-``last``) was cut to end at ``new_last``."""


class PlaceboPeriodsCutWarning(
    DesignWarning, code="placebo-periods-cut", fields=("column", "periods")
):
    """Placebo-in-time: the special predictor ``column``'s periods were cut to ``periods``."""


class BreakOutsideDataWarning(
    DesignWarning, code="break-outside-data", fields=("year", "first", "last")
):
    """A trend's series break ``year`` lies outside the data years ``first``-``last``: ignored."""


class BreakDuplicateWarning(DesignWarning, code="break-duplicate", fields=("year",)):
    """A trend's series break ``year`` duplicates another term for the data's years: ignored."""


class LevelShiftsEstimatedWarning(DesignWarning, code="level-shifts-estimated", fields=("years",)):
    """A trend estimated level shifts at ``years`` (its slope is common to the segments)."""


class ModelFitWarning(PilotbenchWarning, code="model-fit"):
    """Base class: a caveat on a fitted model's assumptions or convergence."""


class NonIntegerCountsWarning(ModelFitWarning, code="non-integer-counts", fields=("outcome",)):
    """Poisson with a non-integer ``outcome``: a pseudo-likelihood (rate ratio consistent)."""


class OverdispersionWarning(ModelFitWarning, code="overdispersion", fields=("dispersion",)):
    """Pearson ``dispersion`` above 1.5 with a Poisson model: intervals are too narrow."""


class AutocorrelationWarning(ModelFitWarning, code="autocorrelation", fields=("acf1",)):
    """Residual lag-1 autocorrelation ``acf1`` above 0.3 in absolute value: narrow intervals."""


class FewResidualDfWarning(ModelFitWarning, code="few-residual-df", fields=("df_resid",)):
    """Only ``df_resid`` (< 3) residual degrees of freedom in a trend."""


class AllZeroCountsWarning(ModelFitWarning, code="all-zero-counts"):
    """All counts are zero: no trend can be estimated."""


class ExactFitWarning(ModelFitWarning, code="exact-fit", fields=("model",)):
    """The ``model`` (quasi-Poisson, OLS) fits every value exactly: no interval or p-value."""


class ExactFitInferenceWarning(
    ExactFitWarning, code="exact-fit-inference", fields=("model", "inference")
):
    """The ``model`` fits every value exactly: no ``inference`` (cluster-robust, ...) interval.

    The standard errors that ``inference`` builds from residuals (a sandwich, a wild
    bootstrap, influence functions, placebo or jackknife replicates) are zero up to rounding.
    """


class NegbinNoOverdispersionWarning(ModelFitWarning, code="negbin-no-overdispersion"):
    """The NB2 likelihood is largest at alpha = 0: the Poisson fit is reported."""


class NoFiniteEstimateWarning(ModelFitWarning, code="no-finite-estimate", fields=("periods",)):
    """Zero counts in ``periods`` fitted only by terms running to infinity: no finite estimate.

    The terms include the intervention's. The likelihood rises for ever along that direction
    (:func:`research.stats.glm.unidentified_terms`); the terms may include a break's level
    shift, with the level change running the other way. The level and slope change are not
    given.
    """


class NoFiniteEventEstimateWarning(
    ModelFitWarning, code="no-finite-event-estimate", fields=("event_times", "zero_periods")
):
    """Event times without a finite estimate, and the treated unit's zero counts behind them.

    ``zero_periods`` (the periods of the zero counts) need not be those event times: a zero
    in the reference period sends every other event term of the treated unit to +infinity.
    """


class NoFiniteTrendWarning(ModelFitWarning, code="no-finite-trend", fields=("years",)):
    """Zero counts in ``years`` fitted only by a trend running to infinity: no trend given.

    The count series is zero at one end (``0, 0, 0, 0, 5``): the likelihood keeps rising as
    the annual change grows without bound (:func:`research.stats.glm.unidentified_terms`), so
    :func:`research.stats.rates.poisson_trend` gives NaN instead of where IRLS stopped.
    """


class NotConvergedWarning(ModelFitWarning, code="not-converged"):
    """A model's fit did not converge: estimates are unreliable."""

    @classmethod
    def of(cls) -> NotConvergedWarning:
        """The warning, its English message the catalogue's (as the Swedish one).

        Examples
        --------
        >>> str(NotConvergedWarning.of()).startswith("The fit did not converge")
        True
        """
        return _from_catalogue(cls)


def _from_catalogue(cls: type[_W], **values: object) -> _W:
    """A ``cls`` warning whose English message is the catalogue's wording of ``values``."""
    return cls(warning_text(cls("", **values), "en"), **values)


def warning_classes() -> list[type[PilotbenchWarning]]:
    """Every warning class of pilotbench (the base included), in a stable order.

    Examples
    --------
    >>> "series-break" in {cls.code for cls in warning_classes()}
    True
    """
    out: list[type[PilotbenchWarning]] = []
    todo: list[type[PilotbenchWarning]] = [PilotbenchWarning]
    while todo:
        cls = todo.pop(0)
        if cls.__module__.startswith("research."):
            out.append(cls)
        todo.extend(sorted(cls.__subclasses__(), key=lambda c: c.__name__))
    return out


_CATALOGUE = Path(__file__).with_name("warnings.toml")


def _plain(value: object, lang: str) -> str:
    """A value as text in ``lang``: lists joined, numbers with the language's decimal mark."""
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v, lang) for v in value)
    if isinstance(value, float):
        text = f"{value:g}"
        text = text.replace(".", ",") if lang == "sv" else text
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        return str(value)
    # the minus sign U+2212, as every number in the reports (-3 read as a dash)
    return text.replace("-", "\u2212", 1) if text.startswith("-") else text


def warning_text(warning: PilotbenchWarning, lang: str = "sv", **values: object) -> str:
    """A warning worded in ``lang`` from ``research/core/warnings.toml``, by its ``code``.

    Parameters
    ----------
    warning
        A :class:`~research.core.errors.PilotbenchWarning` (estimators return no plain
        strings; ``tests/test_errors.py`` checks it).
    lang
        ``"sv"`` or ``"en"``.
    **values
        Replacements for the warning's own values, already worded for ``lang`` (e.g.
        indicator labels for a list of predictor ids).

    Returns
    -------
    str
        The message, with the sentences for a series break's adjustment, for how a
        permutation test's assignments were found (``few-assignments:enumerated`` or
        ``:sampled``) and for a break next to the start added, and for each non-empty
        field ``f`` the sentence ``"<code>:f"`` where the catalogue has one (e.g.
        ``"donor-group:absent"``).

    Raises
    ------
    ParameterError
        If ``lang`` is not a supported language.
    TypeError
        If ``warning`` is not a PilotbenchWarning (a programming error).

    Examples
    --------
    >>> w = ShortSeriesWarning("Short series", n_pre=13, n_post=2, minimum=8)
    >>> warning_text(w, "sv")[:58]
    'Kort tidsserie: 13 perioder före och 2 från avbrottet; tre'
    """
    check_lang(lang)
    if not isinstance(warning, PilotbenchWarning):
        raise TypeError(f"warning_text needs a PilotbenchWarning, got {type(warning).__name__}")
    texts = load_catalogue(_CATALOGUE)
    if warning.code not in texts:
        return str(warning)
    given = {k: _plain(v, lang) for k, v in warning.values.items()}
    # a method's name carried as a value ("quasi-Poisson") in the language's own term
    given.update({k: texts(f"term:{v}", lang) for k, v in given.items() if f"term:{v}" in texts})
    given.update({k: str(v) for k, v in values.items()})
    if type(warning) is PilotbenchWarning:
        given["message"] = str(warning)
    return _sentences(warning.code, warning.values, given, lang)


def _sentences(
    code: str, fields: Mapping[str, object], given: Mapping[str, object], lang: str
) -> str:
    """The catalogue's sentences for the warning ``code`` with ``fields``, in ``lang``.

    Its own sentence (``code``), then one per value of the fields ``adjustment`` and
    ``enumeration`` (``code:value``, not for ``"none"``), the next-to-start one
    (``code:next-to-start``) and one per non-empty field with a sentence of its own
    (``code:field``), each filled in with ``given``. One warning (:func:`warning_text`) and
    a group of series breaks (:func:`_break_group_text`) are worded alike.
    """
    texts = load_catalogue(_CATALOGUE)
    parts = [texts(code, lang, **given)]
    for key in ("adjustment", "enumeration"):  # a sentence per value of these fields
        variant = fields.get(key)
        if variant and variant != "none":
            parts.append(texts(f"{code}:{variant}", lang, **given))
    if fields.get("next_to_start"):
        parts.append(texts(f"{code}:next-to-start", lang, **given))
    for name, value in fields.items():
        if value not in (None, "", [], ()) and f"{code}:{name}" in texts:
            parts.append(texts(f"{code}:{name}", lang, **given))
    return " ".join(parts)


def _break_group_text(years: list[int], first: int, last: int, variant: tuple, lang: str) -> str:
    """Several series breaks of one window and treatment worded as one warning."""
    adjustment, next_to_start = variant
    given = {"years": format_list([str(y) for y in years], lang), "first": first, "last": last}
    fields = {"adjustment": adjustment, "next_to_start": next_to_start}
    return _sentences("series-breaks", fields, given, lang)


def warning_texts(
    warnings: Iterable[PilotbenchWarning],
    lang: str = "sv",
    values: Callable[[PilotbenchWarning], Mapping[str, object]] | None = None,
) -> list[str]:
    """Word a list of warnings in ``lang``, series breaks of one window in one sentence.

    An estimator warns once per registered series break in its window; four breaks made
    four near-identical sentences. Breaks with the same window (``first``-``last``), the
    same ``adjustment`` and the same ``next_to_start`` are worded together ("from 2019 and
    2020 ..."), at the place of the first of them; every other warning is worded by
    :func:`warning_text`. Identical texts are given once.

    Parameters
    ----------
    warnings
        :class:`~research.core.errors.PilotbenchWarning` objects, in the order to show them.
    lang
        ``"sv"`` or ``"en"``.
    values
        Extra replacements for one warning, already worded for ``lang`` (passed to
        :func:`warning_text` as keywords), or ``None``.

    Returns
    -------
    list[str]
        One text per warning or group of series breaks.

    Raises
    ------
    ParameterError
        If ``lang`` is not a supported language.
    TypeError
        If an item is not a PilotbenchWarning (a programming error).

    Examples
    --------
    >>> ws = [SeriesBreakWarning.in_window("Series break", y, 2015, 2022) for y in (2019, 2020)]
    >>> warning_texts(ws, "en")[0][:61]
    'Series breaks in 2019 and 2020, inside the estimation window '
    >>> len(warning_texts([*ws, ShortSeriesWarning("Short", n_pre=3, n_post=2, minimum=8)]))
    2
    """
    check_lang(lang)
    slots: list[object] = []
    groups: dict[tuple, list[int]] = {}
    for w in warnings:
        if isinstance(w, SeriesBreakWarning):
            v = w.values
            key = (v["first"], v["last"], (v["adjustment"], v["next_to_start"]))
            if key not in groups:
                groups[key] = []
                slots.append(key)
            groups[key].append(w)  # type: ignore[arg-type]
        else:
            slots.append(w)
    out: list[str] = []
    for slot in slots:
        if isinstance(slot, tuple):
            members: list[SeriesBreakWarning] = groups[slot]  # type: ignore[assignment]
            years = sorted({int(m.values["year"]) for m in members})  # type: ignore[arg-type]
            text = (
                warning_text(members[0], lang)
                if len(years) == 1
                else _break_group_text(years, slot[0], slot[1], slot[2], lang)
            )
        else:
            extra = values(slot) if values is not None else {}  # type: ignore[arg-type]
            text = warning_text(slot, lang, **extra)  # type: ignore[arg-type]
        if text not in out:
            out.append(text)
    return out
