"""Parameter checks of the ``pilot_effect`` report that need no data.

The report's function runs :func:`check_parameters` first, and
:func:`research.runner.params.validate` runs it before a kernel starts (in the command's
or a batch's own process), so a mistake is one line and exit 2, not a failed notebook.
This module imports no polars, numpy or matplotlib: that validation must not load them
into the command's or the batch's process (issue 17, ``tests/test_batch_process_imports.py``).
The outcome's years for the pilot come from a cache keyed by the data's fingerprint; the
panel is read (polars) only when that cache lacks them (:mod:`research.views.availability`).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from research.analyses.effect_window import MIN_POST_YEARS, default_fit_start
from research.core import fmt
from research.core.errors import ParameterError
from research.data.catalog import Indicator, load_catalog
from research.data.pilots import case_parameter
from research.geo.area import Area
from research.geo.registry import load_areas
from research.views.availability import imported_only, panel_counts
from research.views.texts import require_kommun

from .texts import TEXTS

__all__ = ["check_donors", "check_outcome", "check_parameters", "its_parameters"]

#: Fewest pre-treatment years the fit needs (the one check of it: validate no longer has its own).
_MIN_FIT_YEARS = 3


def _refuse(key: str, **values: object) -> ParameterError:
    return ParameterError(TEXTS(key, "en", **values), sv=TEXTS(key, "sv", **values))


def _rank(columns: Sequence[Sequence[int]]) -> int:
    """Rank of the matrix with these columns, by exact (rational) Gaussian elimination.

    The yearly ITS design has small integer entries, so this is the rank numpy's
    ``matrix_rank`` finds in :func:`research.stats.identification.add_if_separable`, without
    importing numpy into the command's process.
    """
    rows = [[Fraction(c[i]) for c in columns] for i in range(len(columns[0]))] if columns else []
    rank = 0
    for j in range(len(columns)):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][j] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][j] != 0:
                f = rows[i][j] / rows[rank][j]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def its_parameters(
    years: Sequence[int], treated: int, breaks: Sequence[int]
) -> tuple[int, list[int]]:
    """Parameters of the pilot's yearly interrupted time series, and the breaks modelled.

    The same design as :func:`research.stats.its.interrupted_time_series` (with
    ``model_breaks=True``) builds: intercept, trend, change of level and of slope from
    ``treated`` (:func:`research.stats.its.its_design`), and a level shift (1 from the break
    year) for each series break ``first < b <= last`` of the years that is not collinear with
    the other terms. Returns ``(k, modelled)``, where ``k`` is the rank of that design: the
    quasi-Poisson scale (Pearson chi2 / (n - k)) exists only when there are more years than
    ``k``.

    Examples
    --------
    >>> its_parameters(range(2018, 2023), 2021, [2015, 2019, 2020])
    (5, [2019])
    >>> its_parameters(range(2016, 2023), 2021, [2015, 2019, 2020])
    (6, [2019, 2020])
    """
    ys = sorted(years)
    tc = [y - treated for y in ys]
    cols = [[1] * len(ys), tc, [int(t >= 0) for t in tc], [t if t >= 0 else 0 for t in tc]]
    k = _rank(cols)
    modelled = []
    for b in sorted(set(breaks)):
        if not ys or not ys[0] < b <= ys[-1]:
            continue
        step = [int(y >= b) for y in ys]
        if k == len(cols) and _rank([*cols, step]) == len(cols) + 1:  # add_if_separable
            cols.append(step)
            k += 1
            modelled.append(b)
    return k, modelled


def _its_problem(
    ind: Indicator, counts: dict[int, int], window: dict[str, int]
) -> tuple[str, dict[str, object]] | None:
    """Refuse a ``start_year`` that leaves the pilot's ITS no more years than parameters.

    The report fits the interrupted time series to the pilot's years from ``start_year`` to
    the last year with figures (at most ``end_year``), with a level shift per series break
    inside them; the quasi-Poisson scale divides by the residual degrees of freedom, so it
    needs more years than parameters, and the fit before the start needs
    ``_MIN_FIT_YEARS`` years. The message names the latest ``start_year`` that works.
    """
    treated, start, end = window["treated"], window["start_year"], window["end_year"]
    cat = load_catalog()

    def fits(first: int) -> tuple[bool, int, int, list[int], list[int]]:
        breaks = [b.first_year for b in cat.breaks_for(ind.id, (first, end))]
        ys = [y for y in counts if first <= y <= end]
        k, modelled = its_parameters(ys, treated, breaks)
        ok = first <= treated - _MIN_FIT_YEARS and len(ys) > k
        return ok, len(ys), k, modelled, ys

    ok, n, k, modelled, ys = fits(start)
    if ok:
        return None
    lowest = min(counts) if counts else start
    latest = next((s for s in range(min(start, treated - _MIN_FIT_YEARS), lowest - 1, -1)
                   if fits(s)[0]), None)  # fmt: skip
    values: dict[str, object] = {
        "start_year": start,
        "n": n,
        "k": k,
        "window": f"{min(ys)}\u2013{max(ys)}" if ys else f"{start}\u2013{end}",
        "breaks": ", ".join(map(str, modelled)) or "-",
        "need": _MIN_FIT_YEARS,
    }
    if latest is None:
        return "check_effect_its_no_start", values
    if start > treated - _MIN_FIT_YEARS:
        return "check_effect_start_pre", {**values, "latest": latest}
    return "check_effect_its_start", {**values, "latest": latest}


def _problem(
    ind: Indicator, counts: dict[int, int], window: dict[str, int], end_is_the_effects: bool = True
) -> tuple[str, dict[str, object]] | None:
    """Why the outcome's figures cannot support the analysis, as a message id and its values.

    ``counts`` are the pilot's counts in the years with figures; ``window`` holds the pilot
    start year (``treated``), ``start_year`` and ``end_year``.
    """
    treated, start, end = window["treated"], window["start_year"], window["end_year"]
    years = set(counts)
    if not years:
        return "check_effect_no_data_bra" if imported_only(ind) else "check_effect_no_data", {}
    first = min(years)
    if first > treated - _MIN_FIT_YEARS:
        return "check_effect_data_pre", {"first": first, "need": _MIN_FIT_YEARS}
    fit = default_fit_start(load_catalog().breaks_for(ind.id, (start, end)), treated, start)
    if fit < first:
        return "check_effect_data_start", {"first": first, "fit": fit, "start_year": start}
    if len([y for y in years if treated <= y <= end]) < MIN_POST_YEARS:
        return "check_effect_post_data", {"last": max(years), "need": MIN_POST_YEARS}
    last = max(y for y in years if y <= end)
    if end_is_the_effects and last < end:
        # other areas' figures (an import) reach end_year, the pilot's do not: the report
        # would be headed "to end_year" and show the same years as one ending at `last`
        return "check_effect_end_after_data", {"last": last, "end_year": end}
    missing = [y for y in range(fit, last + 1) if y not in years]
    if missing:
        return "check_effect_data_gap", {
            "missing": ", ".join(map(str, missing)),
            "window": f"{fit}\u2013{last}",
        }
    for key, first_y, last_y in (("pre", fit, treated - 1), ("post", treated, last)):
        # an empty window (a fit starting at the pilot start) is _its_problem's to name
        if first_y <= last_y and sum(counts[y] for y in range(first_y, last_y + 1)) == 0:
            return f"check_effect_zero_{key}", {"window": f"{first_y}\u2013{last_y}"}
    return None


def check_outcome(
    indicator: str,
    pilot: Area,
    pilot_start: str,
    start_year: int,
    end_year: int,
    *,
    end_is_the_effects: bool = True,
) -> Indicator:
    """Refuse an outcome the effect analysis cannot estimate for ``pilot`` in the window.

    A count or a share (the estimators compare rates per inhabitants, with counts and
    population as exposure), a window ending in the pilot start year (the interrupted time
    series needs a change of level and of slope, :data:`MIN_POST_YEARS` years), and an outcome
    without figures (value, count and population) for the pilot in every year of the fit
    window and in those years: small kommuner lack years (suppressed small counts), Brå
    categories exist only as imports (:func:`research.views.availability.panel_counts`,
    cached by the data's fingerprint); and no reported crime at all before or after the
    start (a rate ratio of 0 or infinity: the Poisson estimates do not exist).

    Returns the indicator; raises :class:`ParameterError` with the catalogued message.
    """
    ind = load_catalog().get(str(indicator))
    label = {"id": ind.id, "pilot": pilot.label(), "code": pilot.code, "pilot_start": pilot_start}
    if not ind.per_inhabitants:
        raise ParameterError(
            TEXTS("check_effect_not_rate", "en", **label, label=ind.label("en", short=True),
                  unit=ind.unit_label("en")),
            sv=TEXTS("check_effect_not_rate", "sv", **label, label=ind.label("sv", short=True),
                     unit=ind.unit_label("sv")),
        )  # fmt: skip
    treated = int(pilot_start[:4])
    if end_year - treated + 1 < MIN_POST_YEARS:
        counts = panel_counts(ind.id, pilot.code)
        if counts and max(counts) < treated + MIN_POST_YEARS - 1:
            # A later end_year would not help: the figures end too soon after the start.
            values = {"last": max(counts), "need": MIN_POST_YEARS}
            raise ParameterError(
                TEXTS("check_effect_post_data", "en", **label, label=ind.label("en", short=True),
                      **values),
                sv=TEXTS("check_effect_post_data", "sv", **label,
                         label=ind.label("sv", short=True), **values),
            )  # fmt: skip
        raise _refuse(
            "check_effect_post_end_year",
            end_year=end_year,
            need=MIN_POST_YEARS,
            pilot_start=pilot_start,
            min_end=treated + MIN_POST_YEARS - 1,
        )
    window = {"treated": treated, "start_year": start_year, "end_year": end_year}
    counts = panel_counts(ind.id, pilot.code)
    problem = _problem(ind, counts, window, end_is_the_effects) or _its_problem(ind, counts, window)
    if problem is not None:
        key, values = problem
        raise ParameterError(
            TEXTS(key, "en", **label, label=ind.label("en", short=True), **values),
            sv=TEXTS(key, "sv", **label, label=ind.label("sv", short=True), **values),
        )
    return ind


def check_parameters(
    *, lang: str = "sv", end_is_the_effects: bool = True, **params: object
) -> Area:
    """The report's parameter checks that need no data, declared once.

    :func:`pilot_effect` (and the decision brief, which runs the same analysis) run them
    first, and :func:`research.runner.params.validate` before a kernel starts: the
    language, a pilot that is a kommun (the panel has kommun data only), and an outcome the
    analysis can estimate in the window (:func:`check_outcome`). Returns the pilot.
    ``end_is_the_effects=False`` (the decision brief, whose ``end_year`` also serves its
    other indicators) lets ``end_year`` lie after the pilot's figures of the outcome: the
    effect section names its own window.
    """
    fmt.check_lang(lang)
    given = case_parameter("pilot", str(params.get("pilot") or ""))
    pilot = load_areas().resolve(given)
    require_kommun(pilot, "pilot", TEXTS.phrase("pilot_kommun_hint"), query=given)
    pilot_start = str(case_parameter("pilot_start", str(params.get("pilot_start") or "")))
    fmt.format_month(pilot_start, lang)  # validates "YYYY-MM"
    start_year = int(params.get("start_year", 2008))  # type: ignore[call-overload]
    end_year = int(params.get("end_year", 2022))  # type: ignore[call-overload]
    ind = check_outcome(
        str(params.get("indicator") or "N07402"), pilot, pilot_start, start_year, end_year,
        end_is_the_effects=end_is_the_effects,
    )  # fmt: skip
    if params.get("donors"):
        check_donors(str(params["donors"]), pilot, ind, pilot_start, start_year, end_year)
    return pilot


#: Fewest comparison kommuner the estimators take (as :mod:`research.analyses.effect`).
_MIN_DONORS = 2


def _donor_candidates(spec: str, pilot: Area) -> list[str] | None:
    """The kommuner a donor pool names, the pilot left out; ``None`` where the data decide.

    ``lan:NN`` and official groups name their kommuner; ``kommuner`` (every other kommun)
    and ``similar:K`` (the K most similar, found on the data in the report) are not counted
    here.
    """
    text = spec.strip()
    if text == "kommuner" or text.startswith("similar:"):
        return None
    if text.startswith("lan:"):
        lan = load_areas().resolve(text[4:]).code
        return [a.code for a in load_areas().children(lan) if a.level == "kommun"
                and a.code != pilot.code]  # fmt: skip
    from research.data.groups import is_group_reference, resolve_area_list  # polars: only here

    if is_group_reference(text):
        codes, _ = resolve_area_list(text, kommun=pilot.code)
        return [c for c in codes if c != pilot.code]
    return None


def check_donors(
    spec: str, pilot: Area, ind: Indicator, pilot_start: str, start_year: int, end_year: int
) -> None:
    """Refuse a donor pool with fewer than two kommuner that have the outcome every year.

    The estimators compare the pilot with kommuner that have figures of the outcome in every
    year of the fit window and after the start (:func:`research.analyses.effect`'s pool);
    a län or an official group of small kommuner may leave fewer than two, which used to
    fail inside the report's kernel. Counted from the cached years of
    :func:`research.views.availability.panel_counts` (no polars); a pool that passes may
    still lose kommuner to a missing predictor, which the analysis reports.
    """
    candidates = _donor_candidates(spec, pilot)
    if candidates is None:
        return
    treated = int(pilot_start[:4])
    fit = default_fit_start(
        load_catalog().breaks_for(ind.id, (start_year, end_year)), treated, start_year
    )
    years = set(range(fit, end_year + 1))
    complete = [c for c in candidates if years <= set(panel_counts(ind.id, c))]
    if len(complete) < _MIN_DONORS:
        raise _refuse(
            "check_effect_too_few_donors",
            spec=spec,
            n=len(complete),
            of=len(candidates),
            id=ind.id,
            window=f"{fit}\u2013{end_year}",
            need=_MIN_DONORS,
        )
