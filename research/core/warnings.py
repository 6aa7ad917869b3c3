"""The warnings pilotbench issues, one class per condition, each with a stable ``code``.

Every warning derives from :class:`~research.core.errors.PilotbenchWarning` (a
``UserWarning``). Its ``code`` names the condition and never changes with the English
wording, so a report can word it in its own language: ``research/core/warnings.toml`` holds
one message per code in Swedish and English, filled from the warning's ``values`` (the
attributes each class declares in ``fields``). The English message passed to the class is
what ``str(warning)`` and Python's ``warnings`` machinery show.

Estimators return the conditions they met in their result's ``warnings`` list (as warning
objects); functions outside the estimators issue them with :func:`warnings.warn`.

::

    PilotbenchWarning (UserWarning)
    ├── CacheNotWrittenWarning         cache-not-written       data.panel
    ├── ImportLogNotWrittenWarning     import-log-not-written  data.import_store
    ├── StaggeredWarning               staggered               stats.staggered
    │   ├── TreatedFirstPeriodWarning  treated-first-period
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
    └── ScreeningWarning               screening               analyses.screening
        ├── IncompleteYearsWarning     incomplete-years
        └── NoSimilarityDistanceWarning  no-similarity-distance

``tests/test_errors.py`` checks that codes are unique, that every code has a message in
both languages whose placeholders are the class's ``fields``, and that no ``warnings.warn``
in ``research/`` issues anything but one of these classes.
"""

from __future__ import annotations

from pathlib import Path

from .errors import PilotbenchWarning
from .fmt import check_lang
from .i18n import load_catalogue

__all__ = [
    "AreasDroppedWarning",
    "CacheNotWrittenWarning",
    "ConstantVariablesWarning",
    "DonorRangeWarning",
    "ImportLogNotWrittenWarning",
    "IncompleteYearsWarning",
    "LogTransformWarning",
    "MedianImputedWarning",
    "ModelBasedIntervalsWarning",
    "NoComparisonUnitsWarning",
    "NoSimilarityDistanceWarning",
    "OfficialGroupsWarning",
    "PilotbenchWarning",
    "ScreeningWarning",
    "SeriesBreakWarning",
    "ShortSeriesWarning",
    "SimilarityWarning",
    "SingleTreatedUnitWarning",
    "SingularCovarianceWarning",
    "StaggeredWarning",
    "TargetMissingWarning",
    "TreatedFirstPeriodWarning",
    "VariablesDroppedWarning",
    "warning_classes",
    "warning_text",
]


class CacheNotWrittenWarning(PilotbenchWarning):
    """The panel was built but its Parquet cache could not be written (``reason``)."""

    code = "cache-not-written"
    fields = ("reason",)


class ImportLogNotWrittenWarning(PilotbenchWarning):
    """An import or removal was committed but not written to ``imports.log``."""

    code = "import-log-not-written"
    fields = ("reason", "action", "file_name")


class StaggeredWarning(PilotbenchWarning):
    """Base class of :func:`research.stats.staggered.group_time_att`'s warnings."""

    code = "staggered"


class TreatedFirstPeriodWarning(StaggeredWarning):
    """Units treated in the first period (no pre-treatment period) were dropped (``n_units``)."""

    code = "treated-first-period"
    fields = ("n_units",)


class NoComparisonUnitsWarning(StaggeredWarning):
    """A (cohort, period) cell has no comparison units and was skipped."""

    code = "no-comparison-units"
    fields = ("cohort", "period")


class SeriesBreakWarning(PilotbenchWarning):
    """A registered series break lies inside an estimator's window.

    ``year`` is the break's first year on the new basis, ``first``/``last`` the window;
    ``adjustment`` says what the model did about it: ``"none"``, ``"level-shift"`` (a
    level-shift term was added), ``"absorbed"`` (the period effects absorb a common shift) or
    ``"collinear"`` (a shift term could not be separated from the treatment terms);
    ``next_to_start`` whether the break is next to the treatment start (the estimate may
    then be confounded).
    """

    code = "series-break"
    fields = ("year", "first", "last", "adjustment", "next_to_start")

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


class DonorRangeWarning(PilotbenchWarning):
    """The treated unit lies outside the donors' range for some ``predictors``."""

    code = "outside-donor-range"
    fields = ("predictors",)


class SingleTreatedUnitWarning(PilotbenchWarning):
    """Only one treated unit: conventional cluster-robust standard errors are not valid."""

    code = "one-treated-unit"


class ModelBasedIntervalsWarning(PilotbenchWarning):
    """Poisson event-study intervals are model-based, not permutation-based."""

    code = "model-based-intervals"


class ShortSeriesWarning(PilotbenchWarning):
    """Fewer than ``minimum`` periods before (``n_pre``) or from (``n_post``) an interruption."""

    code = "short-series"
    fields = ("n_pre", "n_post", "minimum")


class SimilarityWarning(PilotbenchWarning):
    """Base class of :func:`research.analyses.similarity.similar_areas`' caveats."""

    code = "similarity"


class LogTransformWarning(SimilarityWarning):
    """``n_values`` values of ``variable`` are <= 0: not log-transformed, treated as missing."""

    code = "log-nonpositive"
    fields = ("variable", "n_values")


class TargetMissingWarning(SimilarityWarning):
    """The target ``area`` has no value for ``variables`` in the years chosen: left out."""

    code = "target-missing"
    fields = ("area", "variables")


class VariablesDroppedWarning(SimilarityWarning):
    """``variables`` missing for some areas were left out (``missing="drop_variable"``)."""

    code = "variables-dropped"
    fields = ("variables",)


class AreasDroppedWarning(SimilarityWarning):
    """``n_areas`` areas lack a compared value and are not ranked (``missing="drop_area"``).

    ``areas`` lists the first 20 as ``"name (code)"``; the result's ``dropped_areas`` has all.
    """

    code = "areas-dropped"
    fields = ("n_areas", "areas")


class MedianImputedWarning(SimilarityWarning):
    """Missing values of ``n_areas`` areas (``areas``: codes) replaced by the median."""

    code = "median-imputed"
    fields = ("n_areas", "areas")


class ConstantVariablesWarning(SimilarityWarning):
    """``variables`` constant across the compared areas were left out."""

    code = "constant-variables"
    fields = ("variables",)


class SingularCovarianceWarning(SimilarityWarning):
    """The variables' covariance is singular; the Mahalanobis distance uses a pseudo-inverse."""

    code = "singular-covariance"


class OfficialGroupsWarning(SimilarityWarning):
    """Kolada's official peer groups of the target kommun could not be read (``reason``)."""

    code = "official-groups-unavailable"
    fields = ("reason",)


class ScreeningWarning(PilotbenchWarning):
    """Base class of :func:`research.analyses.screening.screen_candidates`' caveats.

    The similarity component's own caveats stay :class:`SimilarityWarning` objects in the
    screening table's ``warnings``.
    """

    code = "screening"


class IncompleteYearsWarning(ScreeningWarning):
    """``n_areas`` kommuner lack ``indicator`` in some of ``first``-``last``.

    Their need and detectability are left empty and score 0; ``areas`` lists the first 20
    codes (the table's empty ``need_rate_ratio_est`` marks them all).
    """

    code = "incomplete-years"
    fields = ("n_areas", "indicator", "first", "last", "areas")


class NoSimilarityDistanceWarning(ScreeningWarning):
    """``n_areas`` kommuner have no similarity distance and score 0 on similarity.

    ``areas`` lists the first 20 codes (the table's empty ``similarity_distance`` marks them
    all); the similarity caveats in the same ``warnings`` say why.
    """

    code = "no-similarity-distance"
    fields = ("n_areas", "areas")


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
        return text.replace(".", ",") if lang == "sv" else text
    return str(value)


def warning_text(warning: PilotbenchWarning | str, lang: str = "sv", **values: object) -> str:
    """A warning worded in ``lang`` from ``research/core/warnings.toml``, by its ``code``.

    Parameters
    ----------
    warning
        A :class:`~research.core.errors.PilotbenchWarning` (or an English string, returned
        as it is: estimators still report some conditions as plain text).
    lang
        ``"sv"`` or ``"en"``.
    **values
        Replacements for the warning's own values, already worded for ``lang`` (e.g.
        indicator labels for a list of predictor ids).

    Returns
    -------
    str
        The message, with the sentences for a series break's adjustment and for a break
        next to the start added.

    Raises
    ------
    ParameterError
        If ``lang`` is not a supported language.

    Examples
    --------
    >>> w = ShortSeriesWarning("Short series", n_pre=13, n_post=2, minimum=8)
    >>> warning_text(w, "sv")[:58]
    'Kort tidsserie: 13 perioder före och 2 från avbrottet; tre'
    """
    check_lang(lang)
    if not isinstance(warning, PilotbenchWarning):
        return str(warning)
    texts = load_catalogue(_CATALOGUE)
    if warning.code not in texts:
        return str(warning)
    given = {k: _plain(v, lang) for k, v in warning.values.items()}
    given.update({k: str(v) for k, v in values.items()})
    if type(warning) is PilotbenchWarning:
        given["message"] = str(warning)
    parts = [texts(warning.code, lang, **given)]
    adjustment = warning.values.get("adjustment")
    if adjustment and adjustment != "none":
        parts.append(texts(f"{warning.code}:{adjustment}", lang, **given))
    if warning.values.get("next_to_start"):
        parts.append(texts(f"{warning.code}:next-to-start", lang, **given))
    return " ".join(parts)
