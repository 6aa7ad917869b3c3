"""Similar municipalities: nearest neighbours on standardized indicators.

:func:`similar_areas` ranks the areas of one level (kommuner by default) by their distance to
a target area on chosen panel indicators and covariates. It answers "which kommuner look most
like Huddinge?" in a way that can be inspected: every row shows how much each variable adds
to the distance.

Method
------
1. **Values.** For every variable (a Kolada indicator id of the panel, ``sex="T"``) one value
   per area: the value of ``year``; the mean over the years of a ``(first, last)`` window
   (years without a value are skipped); or, with ``year=None``, the latest year in which the
   *target* has a value (chosen per variable and reported in ``years``).
2. **Transforms.** Variables listed in ``transforms`` are transformed first. By default the
   population (``N01951``) enters on the log scale, because size differences are relative:
   Huddinge (115 000) is as far from a kommun of 57 500 as from one of 230 000.
3. **Missing values** (``missing=``). A variable the target lacks cannot be compared and is
   always dropped, with a warning (``"drop_area"``, ``"impute_median"``) or an error
   (``"error"``). Then:

   * ``"drop_area"`` (default): areas lacking any remaining variable are dropped and listed
     in ``warnings`` and ``dropped_areas``. This keeps the user's definition of similarity
     (dropping a variable because one small kommun lacks it would silently change it) and
     shows exactly which areas could not be ranked.
   * ``"drop_variable"``: variables that any area lacks are dropped as well, so every area is
     ranked on the variables all of them have.
   * ``"impute_median"``: gaps are filled with the variable's median over the areas that have
     it (listed in ``imputed``); those areas' distances are then partly made up.
   * ``"error"``: any gap raises :class:`~research.core.errors.DataError`.
4. **Standardization** across all remaining areas of the level, the target included:
   ``"z"`` is ``(x - mean) / sd`` (``sd`` with ``n - 1``); ``"robust"`` is
   ``(x - median) / (1.4826 MAD)`` (the interquartile range / 1.349 when the MAD is 0),
   which keeps a few extreme kommuner from compressing everyone else. A variable that is
   constant across areas is dropped with a warning.
5. **Distance.** ``"euclidean"``: ``d^2 = sum_v w_v (z_av - z_tv)^2`` with weights ``w_v``
   (default 1). Each variable's contribution ``contrib_v = w_v (z_av - z_tv)^2 / d^2`` is its
   share of the squared distance (sums to 1 per row). ``"mahalanobis"``:
   ``d^2 = D' S^-1 D`` with ``S`` the covariance of the standardized variables across areas,
   which discounts correlated variables (e.g. several crime rates that move together);
   contributions are ``D_v (S^-1 D)_v / d^2``, still summing to 1 but possibly negative.
   Weights are refused with Mahalanobis distance: rescaling the variables leaves it unchanged.

References
----------
Rubin, D. B. (1980). Bias reduction using Mahalanobis-metric matching. *Biometrics* 36(2),
293-298.
Rousseeuw, P. J. and Croux, C. (1993). Alternatives to the median absolute deviation. *Journal
of the American Statistical Association* 88(424), 1273-1283.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from research.core.errors import ArgumentError, DataError
from research.core.i18n import load_catalogue
from research.core.warnings import (
    AreasDroppedWarning,
    ConstantVariablesWarning,
    LogTransformWarning,
    MedianImputedWarning,
    OfficialGroupsWarning,
    SimilarityWarning,
    SingularCovarianceWarning,
    TargetMissingWarning,
    VariablesDroppedWarning,
)
from research.geo.area import Area, level_phrase
from research.geo.registry import load_areas
from research.stats.identification import check_weights

from .panel_rows import check_panel_rows

__all__ = ["DEFAULT_TRANSFORMS", "SimilarAreas", "similar_areas", "standardize_matrix"]

#: Variables transformed before standardizing unless ``transforms`` says otherwise.
DEFAULT_TRANSFORMS: dict[str, str] = {"N01951": "log"}

_MISSING = ("drop_area", "drop_variable", "impute_median", "error")
_STANDARDIZE = ("z", "robust")
_METRICS = ("euclidean", "mahalanobis")
_MAD_TO_SD = 1.482602218505602  # 1 / Phi^-1(3/4)
_IQR_TO_SD = 1.3489795003921634  # 2 Phi^-1(3/4)

#: The wording of this module's errors, in Swedish and English (research.core.i18n).
_TEXTS = load_catalogue(Path(__file__).with_name("similarity.toml"))


class SimilarAreas(pl.DataFrame):
    """Result of :func:`similar_areas`: a polars DataFrame with extra attributes.

    Columns: ``rank``, ``area_code``, ``area_name``, ``distance``, one ``contrib_<var>`` per
    variable (share of the squared distance), ``z_<var>`` (standardized value) and
    ``value_<var>`` (the value before transformation and standardization).

    Attributes
    ----------
    target
        The target :class:`~research.geo.area.Area`.
    target_values
        The target's row (``z_<var>`` and ``value_<var>``) as a dict.
    variables
        Variables used, in column order.
    years
        Per variable: the year used, or the ``(first, last)`` window averaged.
    transforms, standardize, metric, weights
        Settings used.
    warnings
        Dropped variables and areas, imputations, other caveats, as
        :class:`research.core.warnings.SimilarityWarning` objects: ``str(w)`` is the English
        text, ``w.code`` and ``w.values`` let a report word it
        (:func:`research.core.warnings.warning_text`).
    dropped_variables, dropped_areas, imputed
        What the missing-value rule did (``imputed`` maps area codes to imputed variables).
    n_areas
        Number of areas compared (the target included).
    official_groups
        For a kommun: its official peer groups (:func:`research.data.groups.official_groups`):
        Kolada's Liknande kommuner IFO, socioekonomi and övergripande (latest year) and the
        SKR kommungrupp, as :class:`research.data.groups.AreaGroup`.
    overlap
        ``{group_id: [codes]}``: the neighbours returned here that are also members of each
        official group (see :meth:`official_table`).
    """

    target: Area
    target_values: dict
    variables: list[str]
    years: dict
    transforms: dict
    standardize: str
    metric: str
    weights: dict
    warnings: list[SimilarityWarning]
    dropped_variables: list[str]
    dropped_areas: list[str]
    imputed: dict
    n_areas: int
    official_groups: list
    overlap: dict

    def official_table(self, lang: str = "sv") -> pl.DataFrame:
        """The official groups beside these neighbours, one row per group.

        ``lang`` is the language of the group labels (``"sv"`` or ``"en"``).

        Columns: ``group`` (label), ``group_id`` (Kolada's id), ``year``, ``n_members``,
        ``members`` (names), ``n_overlap`` and ``overlap`` (names of the neighbours returned
        here that are also in the group). Source: Kolada.
        """
        names = dict(zip(self["area_code"].to_list(), self["area_name"].to_list(), strict=True))
        rows = []
        for g in self.official_groups:
            both = self.overlap.get(g.group_id, [])
            rows.append(
                {
                    "group": g.label(lang),
                    "group_id": g.group_id,
                    "year": g.year,
                    "n_members": len(g.codes),
                    "members": ", ".join(g.names),
                    "n_overlap": len(both),
                    "overlap": ", ".join(names.get(c, c) for c in both),
                }
            )
        schema = {
            "group": pl.Utf8, "group_id": pl.Utf8, "year": pl.Int64, "n_members": pl.Int64,
            "members": pl.Utf8, "n_overlap": pl.Int64, "overlap": pl.Utf8,
        }  # fmt: skip
        return pl.DataFrame(rows, schema=schema)


def standardize_matrix(
    X: np.ndarray, method: str = "z"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardize the columns of ``X`` (areas x variables).

    Parameters
    ----------
    X
        2-D float array without missing values.
    method
        ``"z"`` (mean and standard deviation with ``n - 1``) or ``"robust"`` (median and
        1.4826 x MAD, falling back to IQR / 1.349 when the MAD is 0).

    Returns
    -------
    Z, center, scale
        Standardized matrix and the centre and scale per column (scale 0 for a constant
        column, whose standardized values are set to 0).

    Raises
    ------
    ArgumentError
        For an unknown method, or ``X`` not 2-D or with a missing or infinite value (a NaN
        column was standardized to zeros, as if it were constant).

    Examples
    --------
    >>> Z, c, s = standardize_matrix(np.array([[1.0], [2.0], [3.0]]))
    >>> Z.ravel().tolist(), c.tolist(), s.tolist()
    ([-1.0, 0.0, 1.0], [2.0], [1.0])
    """
    if method not in _STANDARDIZE:
        en, sv = _TEXTS.both("standardize_unsupported", method=method)
        raise ArgumentError(en, sv=sv)
    X = np.asarray(X, dtype=float)
    bad = ~np.isfinite(X).all(axis=0) if X.ndim == 2 else np.array([True])
    if bad.any():
        en, sv = _TEXTS.both("standardize_not_finite", column=int(np.flatnonzero(bad)[0]))
        raise ArgumentError(en, sv=sv)
    if method == "z":
        center = X.mean(axis=0)
        scale = X.std(axis=0, ddof=1) if X.shape[0] > 1 else np.zeros(X.shape[1])
    else:
        center = np.median(X, axis=0)
        scale = _MAD_TO_SD * np.median(np.abs(X - center), axis=0)
        q75, q25 = np.percentile(X, [75, 25], axis=0)
        scale = np.where(scale > 0, scale, (q75 - q25) / _IQR_TO_SD)
    scale = np.where(np.isfinite(scale) & (scale > 1e-12 * np.maximum(1.0, np.abs(center))),
                     scale, 0.0)  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore"):
        Z = np.where(scale > 0, (X - center) / np.where(scale > 0, scale, 1.0), 0.0)
    return Z, center, scale


def _values(
    panel: pl.DataFrame, variables: list[str], level: str, sex: str, year: Any, target: str
) -> tuple[pl.DataFrame, dict]:
    """Wide frame: area_code, area_name, one column per variable (value for the year/window)."""
    # Lazily, so that only the four columns used are gathered from the panel's rows (issue 17:
    # filtering the whole frame copied its string columns, some 17 MiB a report's kernel kept).
    sub = (
        panel.lazy()
        .filter(
            (pl.col("level") == level)
            & (pl.col("sex") == sex)
            & pl.col("indicator").is_in(variables)
        )
        .filter(pl.col("value").is_not_null() & pl.col("value").is_finite())
        .select("area_code", "indicator", "year", "value")
        .collect()
    )
    for (indicator,), rows in sub.partition_by("indicator", as_dict=True).items():
        check_panel_rows(rows, str(indicator))  # a repeated year would weigh twice
    years: dict = {}
    if year is None:
        latest = (
            sub.filter(pl.col("area_code") == target)
            .group_by("indicator")
            .agg(pl.col("year").max().alias("_y"))
        )
        ymap = dict(latest.iter_rows())
        for v in variables:
            years[v] = ymap.get(v)
        sub = sub.join(latest, on="indicator", how="inner").filter(pl.col("year") == pl.col("_y"))
    elif isinstance(year, tuple | list):
        if len(year) != 2 or not all(isinstance(y, int) for y in year) or year[0] > year[1]:
            en, sv = _TEXTS.both("year_window", year=year)
            raise ArgumentError(en, sv=sv)
        sub = sub.filter(pl.col("year").is_between(year[0], year[1]))
        years = {v: (int(year[0]), int(year[1])) for v in variables}
    elif isinstance(year, int):
        sub = sub.filter(pl.col("year") == year)
        years = {v: int(year) for v in variables}
    else:
        en, sv = _TEXTS.both("year_type", year=year)
        raise ArgumentError(en, sv=sv)
    long = sub.group_by("area_code", "indicator").agg(pl.col("value").mean())
    names = (
        panel.lazy()
        .filter(pl.col("level") == level)
        .group_by("area_code")
        .agg(pl.col("area_name").last())
        .sort("area_code")
        .collect()
    )
    wide = long.pivot(on="indicator", index="area_code", values="value")
    for v in variables:
        if v not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(v))
    wide = names.join(wide, on="area_code", how="left")
    wide = wide.select(["area_code", "area_name", *variables])
    return wide, years


def _apply_transforms(
    X: np.ndarray, variables: list[str], transforms: dict, warns: list[SimilarityWarning]
) -> np.ndarray:
    X = X.copy()
    for j, v in enumerate(variables):
        t = transforms.get(v)
        if t is None:
            continue
        if t != "log":
            en, sv = _TEXTS.both("transform_unsupported", transform=t, variable=v)
            raise ArgumentError(en, sv=sv)
        col = X[:, j]
        bad = col <= 0
        if np.any(bad & ~np.isnan(col)):
            n_bad = int(np.sum(bad & ~np.isnan(col)))
            warns.append(
                LogTransformWarning(
                    f"{n_bad} values of {v} are <= 0 and cannot be log-transformed; they are "
                    "treated as missing.",
                    variable=v,
                    n_values=n_bad,
                )
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            X[:, j] = np.where(bad, np.nan, np.log(np.where(bad, 1.0, col)))
    return X


def _resolve_target(area: Any, level: str) -> Area:
    if isinstance(area, int) and not isinstance(area, bool):
        en, sv = _TEXTS.both("area_is_number", area=area)
        raise ArgumentError(en, sv=sv)
    target = load_areas().resolve(area)
    if target.level != level:
        level_en, level_sv = level_phrase(target.level)
        values = {"label": target.label(), "wanted": level}
        raise ArgumentError(
            _TEXTS("area_wrong_level", "en", level=level_en, **values),
            sv=_TEXTS("area_wrong_level", "sv", level=level_sv, **values),
        )
    return target


def similar_areas(  # noqa: PLR0913 - the documented options of the comparison
    panel: pl.DataFrame,
    area: Any,
    *,
    indicators: Sequence[str],
    covariates: Sequence[str] = (),
    year: int | tuple[int, int] | None = None,
    k: int | None = 10,
    level: str = "kommun",
    standardize: str = "z",
    weights: Mapping[str, float] | None = None,
    missing: str = "drop_area",
    metric: str = "euclidean",
    transforms: Mapping[str, str | None] | None = None,
    sex: str = "T",
) -> SimilarAreas:
    """The ``k`` areas closest to ``area`` on standardized indicators and covariates.

    Parameters
    ----------
    panel
        The long panel of :func:`research.data.panel.load_panel` (columns ``area_code``,
        ``area_name``, ``level``, ``year``, ``indicator``, ``sex``, ``value``).
    area
        The target: a code string (``"0126"``) or a name, resolved with
        :func:`research.geo.registry.load_areas`.
    indicators
        Indicator ids compared (e.g. crime rates ``["N07402", "N07403"]``).
    covariates
        Further panel indicators describing the areas, e.g. the population ``"N01951"``
        (log-transformed by default, see ``transforms``). Treated like ``indicators``.
    year
        ``None`` (per variable the latest year the target has), a year, or a
        ``(first, last)`` window whose values are averaged per area.
    k
        Number of neighbours returned (``None``: all areas, ranked).
    level
        Level of the areas compared (``"kommun"``; ``"lan"`` also works).
    standardize
        ``"z"`` (default) or ``"robust"``; see the module notes.
    weights
        ``{variable: weight}`` for the Euclidean distance (default 1 each).
    missing
        ``"drop_area"`` (default), ``"drop_variable"``, ``"impute_median"`` or ``"error"``;
        see the module notes.
    metric
        ``"euclidean"`` (default) or ``"mahalanobis"``.
    transforms
        ``{variable: "log" or None}``; defaults to :data:`DEFAULT_TRANSFORMS` (log of
        population), updated by what is given.
    sex
        ``"T"`` (total, default), ``"K"`` or ``"M"``.

    Returns
    -------
    SimilarAreas
        A polars DataFrame (``rank``, ``area_code``, ``area_name``, ``distance``,
        ``contrib_<var>``, ``z_<var>``, ``value_<var>``), nearest first, the target left out,
        with the attributes listed in :class:`SimilarAreas` (``warnings`` among them); for a
        kommun also its official peer groups (Kolada's Liknande kommuner IFO, socioekonomi,
        övergripande and the SKR kommungrupp) and their overlap with these neighbours
        (:meth:`SimilarAreas.official_table`).

    Raises
    ------
    ArgumentError
        Unknown options, indicators absent from the panel, a target of another level, a
        numeric area code, or weights with the Mahalanobis distance.
    UnknownAreaError
        If ``area`` is not a known area.
    DataError
        When no variable or fewer than two areas remain.

    References
    ----------
    Abadie A (2021). Using synthetic controls: feasibility, data requirements, and
    methodological aspects. J Econ Lit 59:391-425 (comparison units similar in the
    predictors). Kolada's *Liknande kommuner* and SKR's kommungrupper as official groups.

    Examples
    --------
    >>> from research.data.panel import load_panel
    >>> res = similar_areas(load_panel(), "0126", indicators=["N07402", "N07403"],
    ...                     covariates=["N01951"], year=(2020, 2022), k=3)
    >>> res.columns[:5]
    ['rank', 'area_code', 'area_name', 'distance', 'contrib_N07402']
    >>> res.height, res.target.name
    (3, 'Huddinge')
    >>> [g.name for g in res.official_groups][-1]
    'Pendlingskommun nära storstad'
    """
    variables = _check_options(
        panel, indicators, covariates, k, standardize, missing, metric, weights
    )
    tf = dict(DEFAULT_TRANSFORMS)
    if transforms is not None:
        tf.update(transforms)
    target = _resolve_target(area, level)
    warns: list[SimilarityWarning] = []
    wide, years = _values(panel, variables, level, sex, year, target.code)
    if target.code not in wide["area_code"].to_list():
        en, sv = _TEXTS.both("target_not_in_panel", label=target.label(), level=level)
        raise DataError(en, sv=sv)
    codes = wide["area_code"].to_list()
    names = wide["area_name"].to_list()
    raw = wide.select(variables).to_numpy().astype(float)
    X = _apply_transforms(raw, variables, tf, warns)
    gaps = _handle_missing(X, codes, names, variables, target, missing, warns)
    keep_v, dropped_vars = gaps.keep_v, gaps.dropped_vars
    idx = np.flatnonzero(gaps.keep_a)
    if idx.size < 2:
        en, sv = _TEXTS.both("too_few_areas")
        raise DataError(en, sv=sv)
    Z, keep_v = _standardized(X[np.ix_(idx, keep_v)], keep_v, variables, standardize, warns)
    dropped_vars += [variables[j] for j in gaps.keep_v if j not in keep_v]
    used = [variables[j] for j in keep_v]
    wts = check_weights(
        {} if weights is None else {v: w for v, w in weights.items() if v in used},
        used,
        missing=1.0,
        what="variable",
    )
    if weights is not None:
        ignored = sorted(set(weights) - set(variables))
        if ignored:
            en, sv = _TEXTS.both("weights_not_compared", ignored=ignored)
            raise ArgumentError(en, sv=sv)
    sub_codes = [codes[i] for i in idx]
    ti = sub_codes.index(target.code)
    dist, contrib, wts = _distances(Z, ti, used, wts, metric, warns)
    order = sorted((i for i in range(len(sub_codes)) if i != ti),
                   key=lambda i: (dist[i], sub_codes[i]))  # fmt: skip
    if k is not None:
        order = order[:k]
    rawsub = raw[np.ix_(idx, keep_v)]
    cols: dict[str, Any] = {
        "rank": list(range(1, len(order) + 1)),
        "area_code": [sub_codes[i] for i in order],
        "area_name": [names[idx[i]] for i in order],
        "distance": dist[order],
    }
    for prefix, values in (("contrib", contrib), ("z", Z), ("value", rawsub)):
        for j, v in enumerate(used):
            cols[f"{prefix}_{v}"] = values[order, j]
    schema = {"rank": pl.Int64, "area_code": pl.Utf8, "area_name": pl.Utf8}
    frame = pl.DataFrame(cols, schema_overrides=schema)
    out = SimilarAreas(frame.with_columns(pl.selectors.float().fill_nan(None)))
    out.target = target
    out.target_values = {
        **{f"z_{v}": float(Z[ti, j]) for j, v in enumerate(used)},
        **{f"value_{v}": float(rawsub[ti, j]) for j, v in enumerate(used)},
    }
    out.variables = used
    out.years = {v: years.get(v) for v in used}
    out.transforms = {v: tf.get(v) for v in used}
    out.standardize = standardize
    out.metric = metric
    out.weights = wts
    out.warnings = warns
    out.dropped_variables = dropped_vars
    out.dropped_areas = gaps.dropped_areas
    out.imputed = gaps.imputed
    out.n_areas = int(idx.size)
    out.official_groups, out.overlap = _official(target, out["area_code"].to_list(), warns)
    return out


def _check_options(
    panel: pl.DataFrame,
    indicators: Sequence[str],
    covariates: Sequence[str],
    k: int | None,
    standardize: str,
    missing: str,
    metric: str,
    weights: Mapping[str, float] | None,
) -> list[str]:
    """Refuse options :func:`similar_areas` cannot use; return the compared variables."""
    for v, name, ch in (
        (standardize, "standardize", _STANDARDIZE),
        (missing, "missing", _MISSING),
        (metric, "metric", _METRICS),
    ):
        if v not in ch:
            en, sv = _TEXTS.both("option_unsupported", name=name, value=v, choices=", ".join(ch))
            raise ArgumentError(en, sv=sv)
    if k is not None and not (isinstance(k, int) and k >= 1):
        en, sv = _TEXTS.both("k_invalid", k=k)
        raise ArgumentError(en, sv=sv)
    if isinstance(indicators, str) or isinstance(covariates, str):
        en, sv = _TEXTS.both("variables_one_string")
        raise ArgumentError(en, sv=sv)
    variables = list(dict.fromkeys([*indicators, *covariates]))
    if not variables:
        en, sv = _TEXTS.both("no_variables")
        raise ArgumentError(en, sv=sv)
    needed = {"area_code", "area_name", "level", "year", "indicator", "sex", "value"}
    if not isinstance(panel, pl.DataFrame) or not needed <= set(panel.columns):
        en, sv = _TEXTS.both("panel_not_long", columns=sorted(needed))
        raise ArgumentError(en, sv=sv)
    known = set(panel["indicator"].unique().to_list())
    absent = [v for v in variables if v not in known]
    if absent:
        en, sv = _TEXTS.both("indicators_not_in_panel", absent=absent, available=sorted(known))
        raise ArgumentError(en, sv=sv)
    if weights is not None and not isinstance(weights, Mapping):
        en, sv = _TEXTS.both("weights_not_mapping", weights=weights)
        raise ArgumentError(en, sv=sv)
    if metric == "mahalanobis" and weights is not None:
        en, sv = _TEXTS.both("weights_with_mahalanobis")
        raise ArgumentError(en, sv=sv)
    return variables


@dataclass
class _Gaps:
    """What the ``missing`` rule kept, dropped and imputed (see :func:`_handle_missing`)."""

    keep_v: list[int]
    keep_a: np.ndarray
    dropped_vars: list[str]
    dropped_areas: list[str] = field(default_factory=list)
    imputed: dict[str, list[str]] = field(default_factory=dict)


def _handle_missing(
    X: np.ndarray,
    codes: list[str],
    names: list[str],
    variables: list[str],
    target: Area,
    missing: str,
    warns: list[SimilarityWarning],
) -> _Gaps:
    """Apply the ``missing`` rule to ``X`` (imputed in place); see the module notes."""
    # 1. variables the target lacks
    t = codes.index(target.code)
    lack = [v for j, v in enumerate(variables) if np.isnan(X[t, j])]
    if lack:
        if missing == "error":
            en, sv = _TEXTS.both("target_lacks_values", label=target.label(), lack=lack)
            raise DataError(en, sv=sv)
        warns.append(
            TargetMissingWarning(
                f"{target.label()} has no value for {lack} in the years chosen; "
                f"{'these variables are' if len(lack) > 1 else 'this variable is'} left out.",
                area=target.label(),
                variables=list(lack),
            )
        )
    out = _Gaps([j for j, v in enumerate(variables) if v not in lack],
                np.ones(len(codes), dtype=bool), list(lack))  # fmt: skip
    # 2. other gaps
    miss = np.isnan(X[:, out.keep_v])
    if miss.any():
        if missing == "error":
            bad = [codes[i] for i in np.flatnonzero(miss.any(axis=1))]
            en, sv = _TEXTS.both("areas_with_gaps", bad=bad)
            raise DataError(en, sv=sv)
        if missing == "drop_variable":
            gone = [variables[out.keep_v[j]] for j in np.flatnonzero(miss.any(axis=0))]
            warns.append(
                VariablesDroppedWarning(
                    "Variables missing for some areas were left out "
                    f"(missing='drop_variable'): {gone}.",
                    variables=gone,
                )
            )
            out.dropped_vars += gone
            out.keep_v = [j for j in out.keep_v if variables[j] not in gone]
        elif missing == "drop_area":
            rows = np.flatnonzero(miss.any(axis=1))
            out.keep_a[rows] = False
            out.dropped_areas = [codes[i] for i in rows]
            first = [f"{names[i]} ({codes[i]})" for i in rows[:20]]
            listed = ", ".join(first)
            if rows.size > 20:
                listed += f" and {rows.size - 20} more (see dropped_areas)"
            warns.append(
                AreasDroppedWarning(
                    "Areas lacking a value of a compared variable get no similarity distance "
                    f"and are not ranked by similarity ({rows.size} in all): {listed}.",
                    n_areas=int(rows.size),
                    areas=first,
                )
            )
        else:
            for j in out.keep_v:
                col = X[:, j]
                gaps = np.isnan(col)
                if gaps.any():
                    X[gaps, j] = float(np.median(col[~gaps]))
                    for i in np.flatnonzero(gaps):
                        out.imputed.setdefault(codes[i], []).append(variables[j])
            warns.append(
                MedianImputedWarning(
                    "Missing values were replaced by the variable's median "
                    f"(missing='impute_median') for {len(out.imputed)} of the areas: "
                    f"{sorted(out.imputed)}.",
                    n_areas=len(out.imputed),
                    areas=sorted(out.imputed),
                )
            )
    if not out.keep_v:
        en, sv = _TEXTS.both("no_variable_left", label=target.label(), dropped=out.dropped_vars)
        raise DataError(en, sv=sv)
    return out


def _standardized(
    Xs: np.ndarray,
    keep_v: list[int],
    variables: list[str],
    standardize: str,
    warns: list[SimilarityWarning],
) -> tuple[np.ndarray, list[int]]:
    """Standardize the kept columns, leaving out variables constant across areas."""
    Z, _, scale = standardize_matrix(Xs, standardize)
    const = [variables[keep_v[j]] for j in np.flatnonzero(scale == 0)]
    if const:
        warns.append(
            ConstantVariablesWarning(
                f"Variables constant across areas were left out: {const}.", variables=const
            )
        )
        nz = np.flatnonzero(scale > 0)
        if nz.size == 0:
            en, sv = _TEXTS.both("all_constant")
            raise DataError(en, sv=sv)
        Z = Z[:, nz]
        keep_v = [keep_v[j] for j in nz]
    return Z, keep_v


def _distances(
    Z: np.ndarray,
    ti: int,
    used: list[str],
    wts: dict[str, float],
    metric: str,
    warns: list[SimilarityWarning],
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Distances to row ``ti``, each variable's share of the squared distance, the weights."""
    D = Z - Z[ti]
    if metric == "euclidean":
        wv = np.array([wts[v] for v in used])
        parts = D**2 * wv
        d2 = parts.sum(axis=1)
    else:
        S = np.cov(Z, rowvar=False, ddof=1).reshape(len(used), len(used))
        if np.linalg.matrix_rank(S) < len(used):
            warns.append(
                SingularCovarianceWarning(
                    "The covariance of the variables is singular (some are linear "
                    "combinations of others); a pseudo-inverse is used."
                )
            )
        Sinv = np.linalg.pinv(S)
        parts = D * (D @ Sinv)
        d2 = parts.sum(axis=1)
        wts = {v: 1.0 for v in used}
    d2 = np.maximum(d2, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        contrib = np.where(d2[:, None] > 0, parts / d2[:, None], np.nan)
    return np.sqrt(d2), contrib, wts


def _official(
    target: Area, neighbours: list[str], warns: list[SimilarityWarning]
) -> tuple[list, dict]:
    """The target kommun's official groups and their overlap with ``neighbours``."""
    if target.level != "kommun":
        return [], {}
    from research.core.errors import UnknownAreaError
    from research.data.groups import official_groups

    try:
        found = official_groups(target.code)
    except (DataError, UnknownAreaError) as exc:
        warns.append(
            OfficialGroupsWarning(
                f"Kolada's official groups are not available: {exc}", reason=str(exc)
            )
        )
        return [], {}
    overlap = {g.group_id: [c for c in neighbours if c in set(g.codes)] for g in found}
    return found, overlap
