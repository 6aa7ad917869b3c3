"""The case pilotbench was built for and the pilot it studies, read from ``data/pilots.toml``.

The facts (Huddinge kommun 0126 as the candidate; IGOR on Södermalm, April 2021 to autumn
2023; Stockholm 0180 standing in for the district; Södermalm's population) are data, not
code: each value in the file carries its source and its status (``fact``, ``approximate``,
``estimate`` or ``proxy``), and the file is validated against
:class:`research.core.config.PilotsFile`. The district population is a rounded published
figure, not part of the Kolada snapshot; the district's share of its kommun (the dilution,
:func:`dilution_share`) is an estimate built on it.

Report notebooks leave ``pilot``, ``pilot_start``, ``candidate`` and ``focus`` empty (``""``)
in their parameters cell; :func:`case_parameter` fills in the case's value, so that the
defaults live in one file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from research.core.derived import load_validated
from research.core.errors import ArgumentError, DataError, PilotbenchError
from research.core.i18n import load_catalogue
from research.core.paths import data_dir

__all__ = [
    "CASE_PARAMETERS",
    "Case",
    "Pilot",
    "case",
    "case_parameter",
    "dilution_share",
    "load_case",
]

#: Error messages in Swedish and English (research/data/pilots_texts.toml; data/pilots.toml
#: is the case file itself).
_TEXTS = load_catalogue(Path(__file__).with_name("pilots_texts.toml"))

#: Report parameters whose empty value means the case's value, and where that value comes from.
CASE_PARAMETERS = {
    "pilot": "the pilot's parent_code",
    "pilot_start": "the pilot's start",
    "candidate": "the case's candidate",
    "focus": "the case's candidate",
}


@dataclass(frozen=True)
class Pilot:
    """A piloted programme: where and when it ran.

    ``sources`` maps each field to its ``(status, source)`` in ``data/pilots.toml``.
    """

    name: str
    full_name: str
    district: str
    parent_code: str
    start: str  # "YYYY-MM"
    end: str  # "YYYY-MM" (approximate where the source says a season)
    district_population: int
    district_population_year: int
    district_population_source: str
    evaluation: str
    sources: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def start_year(self) -> int:
        """Calendar year in which the pilot started."""
        return int(self.start[:4])

    def runs_in(self, area_code: str) -> bool:
        """Whether a report's pilot area ``area_code`` is where this programme ran.

        Its kommun (``parent_code``, standing in for the district) or its own district (the
        area of that kommun named ``district``), not another district of the kommun. A report
        for any other pilot area speaks of "the pilot" without this programme's name, end or
        evaluation.

        Examples
        --------
        >>> igor = case().pilot
        >>> igor.runs_in("0180"), igor.runs_in("0180-SOD"), igor.runs_in("0180-RIK")
        (True, True, False)
        >>> igor.runs_in("1280")
        False
        """
        if area_code == self.parent_code:
            return True
        if not area_code.startswith(self.parent_code + "-"):
            return False
        from research.geo.area import fold_name
        from research.geo.registry import load_areas

        try:
            area = load_areas().resolve(area_code)
        except PilotbenchError:  # not a known area: not this programme's
            return False
        return fold_name(area.name) == fold_name(self.district)

    def describes(self, area_code: str, start: str) -> bool:
        """Whether a report's pilot (area ``area_code``, start ``"YYYY-MM"``) is this programme.

        It ran there (:meth:`runs_in`) *and* the report keeps its start. A report that moves
        the start asks "what if a pilot had started then", which this programme did not: it
        speaks of "the pilot", not of this programme, its end or its evaluation.

        Examples
        --------
        >>> igor = case().pilot
        >>> igor.describes("0180", igor.start), igor.describes("0180", "2019-01")
        (True, False)
        """
        return start == self.start and self.runs_in(area_code)

    @property
    def first_full_year(self) -> int:
        """First calendar year the pilot ran throughout (the year after a mid-year start)."""
        y, m = (int(p) for p in self.start.split("-"))
        return y if m == 1 else y + 1


@dataclass(frozen=True)
class Case:
    """The case: the pilot studied and the kommun considering it (the candidate)."""

    pilot: Pilot
    candidate: str
    candidate_source: str
    path: Path


def load_case(path: Path | None = None) -> Case:
    """Read and validate the case file (``data/pilots.toml`` by default).

    Parameters
    ----------
    path : Path, optional
        The file; default ``pilots.toml`` in :func:`research.core.paths.data_dir`.

    Returns
    -------
    Case
        Frozen; the pilot named by ``[case] pilot``.

    Raises
    ------
    DataError
        A missing, unreadable or malformed file, a field of the wrong form (the message names
        the file, the table and the field, and says to correct it there), or a ``[case] pilot``
        that names no ``[pilots.NAME]`` table.

    Examples
    --------
    >>> c = load_case()
    >>> c.candidate, c.pilot.name, c.pilot.parent_code, c.pilot.start
    ('0126', 'IGOR', '0180', '2021-04')
    >>> c.pilot.sources["district_population"][0]
    'estimate'
    """
    path = Path(path) if path is not None else data_dir() / "pilots.toml"
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError as exc:
        en, sv = _TEXTS.both("case_file_missing", path=path)
        raise DataError(en, sv=sv) from exc
    except OSError as exc:
        en, sv = _TEXTS.both("case_file_unreadable", path=path, reason=exc.strerror)
        raise DataError(en, sv=sv) from exc
    return _load_cached(path, digest)


@lru_cache(maxsize=4)
def _load_cached(path: Path, digest: str) -> Case:
    return load_validated("pilots", path, digest, Path(__file__), lambda: _validated(path))


def _correct_it_there(message: str, lang: str) -> str:
    """A validation error's ``message`` with "correct it there" after its first line."""
    head, _, rest = message.partition("\n")
    return _TEXTS("correct_it_there", lang, head=head) + ("\n" + rest if rest else "")


def _validated(path: Path) -> Case:
    """Read, validate (pydantic) and build the case; see :mod:`research.core.derived`."""
    from research.core.config import PilotsFile, read_toml, validate_config

    raw = read_toml(path, DataError, _TEXTS.both("what_case_file"))
    try:
        cfg = validate_config(PilotsFile, raw, path)
    except DataError as exc:
        en, sv = _correct_it_there(str(exc), "en"), _correct_it_there(exc.message("sv"), "sv")
        raise DataError(en, sv=sv) from None
    entry = cfg.pilots.get(cfg.case.pilot)
    if entry is None:
        en, sv = _TEXTS.both(
            "unknown_case_pilot",
            path=path,
            pilot=cfg.case.pilot,
            choices=", ".join(sorted(cfg.pilots)),
        )
        raise DataError(en, sv=sv)
    facts = {k: getattr(entry, k) for k in type(entry).model_fields}
    pop = entry.district_population
    pilot = Pilot(
        name=entry.name.value,
        full_name=entry.full_name.value,
        district=entry.district.value,
        parent_code=entry.parent_code.value,
        start=entry.start.value,
        end=entry.end.value,
        district_population=pop.value,
        district_population_year=pop.year,
        district_population_source=pop.source,
        evaluation=entry.evaluation.value,
        sources={k: (f.status, f.source) for k, f in facts.items()},
    )
    return Case(pilot, cfg.case.candidate.value, cfg.case.candidate.source, path)


def case() -> Case:
    """The case of ``data/pilots.toml`` (:func:`load_case` with the default path).

    Examples
    --------
    >>> case().pilot.district
    'Södermalm'
    """
    return load_case()


def case_parameter(name: str, value: object = "") -> object:
    """A report parameter's value, or the case's value when it was left empty.

    Parameters
    ----------
    name : str
        One of :data:`CASE_PARAMETERS` (``pilot``, ``pilot_start``, ``candidate``, ``focus``).
    value : object
        The value given; ``""`` or ``None`` mean the case's value. Anything else is returned
        unchanged (and checked where the parameter is used).

    Returns
    -------
    object
        ``value`` or the case's value (a kommun code or a ``"YYYY-MM"`` month).

    Raises
    ------
    ArgumentError
        If ``name`` is not a case parameter.
    DataError
        If the case file is needed and cannot be read.

    Examples
    --------
    >>> case_parameter("candidate"), case_parameter("pilot", ""), case_parameter("pilot", "0127")
    ('0126', '0180', '0127')
    >>> case_parameter("pilot_start")
    '2021-04'
    """
    if name not in CASE_PARAMETERS:
        en, sv = _TEXTS.both("not_a_case_parameter", name=name, choices=", ".join(CASE_PARAMETERS))
        raise ArgumentError(en, sv=sv)
    if value is not None and value != "":
        return value
    c = case()
    return {
        "pilot": c.pilot.parent_code,
        "pilot_start": c.pilot.start,
        "candidate": c.candidate,
        "focus": c.candidate,
    }[name]


def dilution_share(district_population: float, kommun_population: float) -> float:
    """Share of the kommun's population that lives in the pilot district.

    An effect confined to the district shows at kommun level roughly scaled by this share
    (if the district's rate is similar to the kommun's): a 20 % drop in the district is about
    ``0.2 * share`` at kommun level.

    Examples
    --------
    >>> round(dilution_share(131_000, 984_748), 3)
    0.133
    """
    if kommun_population <= 0 or district_population < 0:
        raise ValueError("populations must be positive")
    if district_population > kommun_population:
        raise ValueError("the district cannot be larger than its kommun")
    return district_population / kommun_population
