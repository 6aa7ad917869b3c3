"""Parameter checks of the ``candidate_screening`` report that need no data.

The report's function runs :func:`check_parameters` first, and
:func:`research.runner.params.validate` runs it before a kernel starts (in the command's
or a batch's own process), so a mistake is one line and exit 2, not a failed notebook.
This module imports no polars, numpy or matplotlib: that validation must not load them
into the command's or the batch's process (issue 17, ``tests/test_batch_process_imports.py``).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from research.analyses.screening_weights import DEFAULT_WEIGHTS
from research.core import fmt
from research.core.errors import ParameterError
from research.data.catalog import load_catalog
from research.data.pilots import case_parameter
from research.geo.area import RIKET, Area
from research.geo.registry import load_areas
from research.views.availability import panel_years
from research.views.texts import report_catalogue, require_kommun

if TYPE_CHECKING:
    from research.data.catalog import Indicator
    from research.data.groups import AreaGroup

__all__ = ["check_parameters", "check_weights", "parse_years"]

#: The report's wording (``.texts`` itself imports the screening, and with it polars).
TEXTS = report_catalogue("candidate_screening")


def parse_years(years: object) -> tuple[int, int]:
    """Parse a pooling window: ``"2020-2022"``, ``"2022"``, ``2022`` or ``(2020, 2022)``.

    Parameters
    ----------
    years
        A string ``"FIRST-LAST"`` (hyphen or en dash; spaces allowed) or ``"YEAR"``, an
        integer year, or a pair of integers.

    Returns
    -------
    tuple of int
        ``(first, last)`` with ``first <= last``.

    Raises
    ------
    ParameterError
        For anything else, or a window outside 1990-2100 or in the wrong order.

    Examples
    --------
    >>> parse_years("2020-2022"), parse_years("2019 – 2021"), parse_years(2022)
    ((2020, 2022), (2019, 2021), (2022, 2022))
    """
    pair: tuple[object, object]
    if isinstance(years, str):
        m = re.fullmatch(r"\s*(\d{4})\s*(?:[-\u2013]\s*(\d{4})\s*)?", years)
        if not m:
            raise ParameterError(
                f"years must look like '2020-2022' (first-last) or '2022'; got {years!r}",
                sv=f"years ska skrivas som '2020-2022' (första-sista) eller '2022'; fick {years!r}",
            )
        pair = (int(m.group(1)), int(m.group(2) or m.group(1)))
    elif isinstance(years, int) and not isinstance(years, bool):
        pair = (years, years)
    elif isinstance(years, tuple | list) and len(years) == 2:
        pair = (years[0], years[1])
    else:
        raise ParameterError(
            f"years must be a string like '2020-2022' or a pair of years; got {years!r}",
            sv=f"years ska vara en text som '2020-2022' eller ett par av år; fick {years!r}",
        )
    if not all(isinstance(y, int) and not isinstance(y, bool) for y in pair):
        raise ParameterError(
            f"years must be whole years; got {years!r}",
            sv=f"years ska vara hela årtal; fick {years!r}",
        )
    first, last = int(pair[0]), int(pair[1])  # type: ignore[call-overload]
    if not 1990 <= first <= 2100 or not 1990 <= last <= 2100:
        raise ParameterError(
            f"years {first}–{last} are outside 1990–2100",
            sv=f"years {first}–{last} ligger utanför 1990–2100",
        )
    if first > last:
        raise ParameterError(
            f"years: the first year ({first}) is after the last ({last}); write '{last}-{first}'",
            sv=f"years: första året ({first}) är efter det sista ({last}); skriv '{last}-{first}'",
        )
    return first, last


def check_weights(
    need: float | None = None,
    similarity: float | None = None,
    detectability: float | None = None,
) -> dict[str, float]:
    """Validate the three component weights and normalize them to sum 1.

    Parameters
    ----------
    need, similarity, detectability
        Relative weights, each a number >= 0; ``None`` takes the component's value in
        :data:`research.analyses.screening.DEFAULT_WEIGHTS` (1/3). At least one must be positive.

    Returns
    -------
    dict
        ``{"need": .., "similarity": .., "detectability": ..}`` summing to 1.

    Raises
    ------
    ParameterError
        For a weight that is not a finite number >= 0, or when all weights are zero.

    Examples
    --------
    >>> check_weights(2, 1, 1)
    {'need': 0.5, 'similarity': 0.25, 'detectability': 0.25}
    >>> check_weights() == check_weights(1, 1, 1)
    True
    """
    given = {"need": need, "similarity": similarity, "detectability": detectability}
    out: dict[str, float] = {}
    for comp, v in given.items():
        if v is None:
            out[comp] = float(DEFAULT_WEIGHTS[comp])
            continue
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ParameterError(
                f"w_{comp} must be a number >= 0 (a relative weight); got {v!r}. "
                "Example: w_need=0.5, w_similarity=0.25, w_detectability=0.25.",
                sv=f"w_{comp} ska vara ett tal >= 0 (en relativ vikt); fick {v!r}. "
                "Exempel: w_need=0.5, w_similarity=0.25, w_detectability=0.25.",
            )
        if not math.isfinite(v) or v < 0:
            raise ParameterError(
                f"w_{comp} must be a finite number >= 0; got {v!r}. Weights are relative: "
                "use 0 to leave a component out.",
                sv=f"w_{comp} ska vara ett ändligt tal >= 0; fick {v!r}. Vikterna är relativa: "
                "ge 0 för att utesluta en komponent.",
            )
        out[comp] = float(v)
    total = sum(out.values())
    if total <= 0:
        raise ParameterError(
            "All three weights (w_need, w_similarity, w_detectability) are zero; give at "
            "least one a positive value.",
            sv="Alla tre vikterna (w_need, w_similarity, w_detectability) är noll; ge minst "
            "en av dem ett positivt värde.",
        )
    return {c: v / total for c, v in out.items()}


#: The levels of :class:`research.geo.area.Area` in Swedish, for the parameter errors.
_LEVEL_SV = {"riket": "riket", "lan": "ett län", "kommun": "en kommun", "district": "en stadsdel"}


def _kommun(area: Area, param: str, hint: str, hint_sv: str) -> Area:
    """``area`` if it is a kommun, else a ParameterError naming ``param`` and ending in a hint."""
    return require_kommun(area, param, hint, hint_sv)


def check_parameters(  # noqa: PLR0913 - the report's parameters, one argument each
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
) -> tuple[dict[str, float], tuple[int, int], Area, Area | None, Area, AreaGroup | None, Indicator]:
    """The report's parameter checks that need no data, declared once.

    :func:`candidate_screening` runs them first, and :func:`research.runner.params.validate`
    before a kernel starts, so a mistake is one line at the command line, not a failed cell.

    Returns the weights, the pooling window, the pilot, the län (or ``None``), the focus
    kommun, the official group (or ``None``) and the indicator; raises as
    :func:`candidate_screening`.
    """
    fmt.check_lang(lang)
    weights = check_weights(w_need, w_similarity, w_detectability)
    first, last = parse_years(years)
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ParameterError(
            f"top must be a whole number >= 1 (rows in the table); got {top!r}",
            sv=f"top ska vara ett heltal >= 1 (rader i tabellen); fick {top!r}",
        )
    reg = load_areas()
    p = _kommun(
        reg.resolve(case_parameter("pilot", pilot)),
        "pilot",
        "The data is kommun-level: for the Södermalm pilot use Stockholm ('0180').",
        "Data finns per kommun: för piloten på Södermalm, ange Stockholm ('0180').",
    )
    lan_area = None
    if lan is not None and not (isinstance(lan, str) and not lan.strip()):
        lan_area = reg.resolve(lan)
        if lan_area.level != "lan":
            raise ParameterError(
                f"lan must be a län (two-digit code such as '01', or a name such as "
                f"'Stockholms län'); {lan_area.label()} is a {lan_area.level}. Leave it empty "
                "for all kommuner.",
                sv=f"lan ska vara ett län (tvåsiffrig kod som '01' eller ett namn som "
                f"'Stockholms län'); {lan_area.label()} är "
                f"{_LEVEL_SV.get(lan_area.level, lan_area.level)}. Lämna tomt för alla kommuner.",
            )
    focus = case_parameter("focus", focus)
    if not isinstance(focus, str) or not focus.strip():
        raise ParameterError(
            f"focus must be a kommun, code or name (e.g. '0126' or 'Huddinge'); got {focus!r}",
            sv=f"focus ska vara en kommun, kod eller namn (t.ex. '0126' eller 'Huddinge'); "
            f"fick {focus!r}",
        )
    focus_area = _kommun(
        reg.resolve(focus),
        "focus",
        "Give a kommun's code or name, e.g. '0126' or 'Huddinge'.",
        "Ange en kommuns kod eller namn, t.ex. '0126' eller 'Huddinge'.",
    )
    if focus_area.code == p.code:
        raise ParameterError(
            f"focus = {focus_area.label()} is the pilot kommun itself, which is not a "
            "candidate; choose another kommun",
            sv=f"focus = {focus_area.label()} är själva pilotkommunen, som inte är en "
            "kandidat; välj en annan kommun",
        )
    group = None
    if areas is not None and not (isinstance(areas, str) and not areas.strip()):
        if lan_area is not None:
            raise ParameterError(
                "give either lan or areas to restrict the table, not both; leave one empty",
                sv="ange antingen lan eller areas för att avgränsa tabellen, inte båda; "
                "lämna den ena tom",
            )
        from research.data.groups import resolve_group  # polars: only for a group

        group = resolve_group(str(areas), kommun=p.code)
    cat = load_catalog()
    ind = cat.get(indicator)
    if not ind.per_inhabitants:
        raise ParameterError(
            f"indicator {ind.id} ({ind.label('en', short=True)}) is a {ind.kind}, not a rate "
            "per inhabitants; the screening needs counts. Try 'N07402'.",
            sv=f"indicator {ind.id} ({ind.label('sv', short=True)}) är inte en takt per "
            "invånare; urvalet behöver antal. Prova 'N07402'.",
        )
    lo_cov, hi_cov = ind.coverage
    if first < lo_cov or last > hi_cov:
        raise ParameterError(
            f"years {first}–{last} fall outside the data of {ind.id} ({lo_cov}–{hi_cov}); "
            "choose a window inside it",
            sv=f"years {first}–{last} ligger utanför data för {ind.id} ({lo_cov}–{hi_cov}); "
            "välj ett intervall inom det",
        )
    # riket's rate, count and population in every year (cached; the panel only on a miss)
    have = set(panel_years(ind.id, RIKET))
    missing = [y for y in range(first, last + 1) if y not in have]
    if missing:
        values = {
            "id": ind.id,
            "missing": ", ".join(map(str, missing)),
            "window": f"{first}\u2013{last}",
        }
        raise ParameterError(
            TEXTS("check_screening_no_riket", "en", label=ind.label("en", short=True), **values),
            sv=TEXTS("check_screening_no_riket", "sv", label=ind.label("sv", short=True), **values),
        )
    return weights, (first, last), p, lan_area, focus_area, group, ind
