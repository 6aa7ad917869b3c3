"""Plausibility rules that every imported row must pass before it reaches the panel.

A reader checks that a file is well formed; these rules check that its numbers can be true.
:func:`check_plausible` applies them to a canonical frame (see
:data:`research.data.sources.common.CANONICAL_SCHEMA`) and raises one :class:`ImplausibleDataError`
that names the file, each offending record (area, year, indicator, sex) and the rule it
breaks. The rules:

``finite``
    values, counts and populations are finite numbers below 10^12;
``non-negative``
    none is negative;
``future-year``
    no year lies after the current calendar year (annual statistics are published after
    the year);
``population-positive``
    a population (an ``N01951``/``BE0101N1`` value, or the ``population`` column) is above
    zero and at most 20 million;
``rate-bound``
    a rate per ``per`` inhabitants is at most ``per`` (more reported cases than inhabitants
    is impossible for the indicators the catalogue lists); a share is at most 100 %;
``count-le-population``
    an official count is at most the area's population;
``rate-consistent``
    where a row has an official count and a rate, the rate agrees with
    ``count x per / population`` within the rounding of the published rate plus 5 % for the
    difference between the population Brå divides by and SCB's year-end figure (plus 2 % per
    year when the nearest known population is from another year);
``population-consistent``
    a population (any sex) is within a factor of :data:`POPULATION_RATIO` (2) of the one the
    panel already holds for the same area, sex and year (the snapshot's or an earlier
    import's), else of the panel's for the nearest year within three years. Official figures
    for one area and year differ by revisions and reference dates of a few per cent, and no
    Swedish area doubles or halves in three years, so a bigger difference is a unit, column
    or digit error (``114`` for 114 504). The rule cannot be overridden: a wrong earlier
    import is taken back first (``pilotbench data remove``); the snapshot's populations are
    SCB's;
``population-hierarchy``
    total populations fit the areas' hierarchy (district <= kommun <= län <= riket) in each
    year, within :data:`HIERARCHY_TOLERANCE` (2 %, for different reference dates): an area's
    population is at most its parent's, at least each of its parts', at least the sum of its
    parts (the districts of a kommun existing that year, the kommuner of a län, the län of
    riket), and the parts of a parent sum to at most the parent. The populations compared
    are the panel's with the file's laid over them; a sum is checked, and named once, where
    the file gives one of its terms.

The population for ``count-le-population`` and ``rate-consistent`` is the row's own, else
the panel's (the snapshot's ``N01951`` or an imported ``BE0101N1``) for that area and year,
else the nearest year within three years; the message says where it came from. Records are
named with their line in the file when the reader gave one
(:func:`research.data.sources.common.record_lines`).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl

from research.core.errors import DataError
from research.core.fmt import format_number
from research.core.i18n import load_catalogue

__all__ = [
    "HIERARCHY_TOLERANCE",
    "POPULATION_RATIO",
    "RULES",
    "ImplausibleDataError",
    "Problem",
    "check_plausible",
    "format_figure",
]

RULES = (
    "finite",
    "non-negative",
    "future-year",
    "population-positive",
    "rate-bound",
    "count-le-population",
    "rate-consistent",
    "population-consistent",
    "population-hierarchy",
)
POPULATION_INDICATORS = ("N01951", "BE0101N1")
MAX_POPULATION = 20_000_000
#: A new population further than this factor from the known one is refused
#: (``population-consistent``).
POPULATION_RATIO = 2.0
#: How much an area's population may exceed its parent's (``population-hierarchy``).
HIERARCHY_TOLERANCE = 0.02
#: How many years apart a population may be to stand for another year's.
_NEAREST = 3
_MAX = 1e12
_SHOWN = 10
_TEXTS = load_catalogue(Path(__file__).with_name("plausibility.toml"))


class Problem(tuple[str, str, str]):
    """One broken rule: the tuple ``(record, rule, detail)`` in English, plus the Swedish.

    A problem unpacks and compares like the plain 3-tuple; ``record_sv`` and ``detail_sv``
    hold the record and the detail in Swedish (the rule id is the same in both languages).

    Examples
    --------
    >>> p = Problem("record 0126 Huddinge 2022 X T", "non-negative", "count -1 is negative",
    ...             record_sv="posten 0126 Huddinge 2022 X T",
    ...             detail_sv="antalet -1 är mindre än noll")
    >>> record, rule, detail = p
    >>> p == ("record 0126 Huddinge 2022 X T", "non-negative", "count -1 is negative")
    True
    >>> p.detail_sv
    'antalet -1 är mindre än noll'
    """

    record_sv: str
    detail_sv: str

    def __new__(
        cls,
        record: str,
        rule: str,
        detail: str,
        *,
        record_sv: str | None = None,
        detail_sv: str | None = None,
    ) -> Problem:
        """Make the tuple; a Swedish text not given is the English one."""
        self = super().__new__(cls, (record, rule, detail))
        self.record_sv = record if record_sv is None else record_sv
        self.detail_sv = detail if detail_sv is None else detail_sv
        return self

    def __getnewargs_ex__(self) -> tuple[tuple[str, str, str], dict[str, str]]:
        return tuple(self), {"record_sv": self.record_sv, "detail_sv": self.detail_sv}


class ImplausibleDataError(DataError):
    """Rows of an imported file break plausibility rules; ``problems`` lists them all.

    Each problem is ``(record, rule, detail)``, in English. A :class:`Problem` (what
    :func:`check_plausible` gives) also carries the record and detail in Swedish, for the
    Swedish message (:meth:`message`); of a plain tuple the Swedish message shows the English
    record and detail.
    """

    def __init__(self, file: str, problems: list[tuple[str, str, str]]) -> None:
        self.file = file
        self.problems = problems
        en, sv = (_message(file, problems, lang) for lang in ("en", "sv"))
        super().__init__(en, sv=sv)


def _message(file: str, problems: list[tuple[str, str, str]], lang: str) -> str:
    """The message of :class:`ImplausibleDataError` in ``lang``."""

    def worded(problem: tuple[str, str, str]) -> dict[str, str]:
        record, rule, detail = problem  # English; a Problem carries the Swedish as attributes
        record = getattr(problem, f"record_{lang}", record)
        detail = getattr(problem, f"detail_{lang}", detail)
        return {"record": record, "rule": rule, "detail": detail}

    # The first problem is the message's head; the others follow, one per line (at most
    # _SHOWN of them), and "(and N more problems)" counts exactly those: a record that
    # breaks several rules has several lines, so the count is of problems, not records.
    rest = problems[1:]
    more = _more(len(rest), lang, "implausible_more") if rest else ""
    lines = [_TEXTS("implausible_line", lang, **worded(p)) for p in rest[:_SHOWN]]
    if len(rest) > _SHOWN:
        lines.append(_more(len(rest) - _SHOWN, lang, "implausible_rest"))
    head = _TEXTS("implausible", lang, file=file, more=more, **worded(problems[0]))
    return head + "".join("\n" + x for x in lines)


def _more(n: int, lang: str, key: str) -> str:
    """The catalogue's ``key`` for ``n`` more problems (``key + "_one"`` for one)."""
    return _TEXTS(f"{key}_one", lang) if n == 1 else _TEXTS(key, lang, n=_num(n, lang))


def format_figure(x: float | None, lang: str = "en") -> str:
    r"""A figure of the data as the language writes it (in messages about imported rows).

    Whole numbers keep every digit, fractions six significant digits at most, no trailing
    zeros; ``..`` for a missing one (:func:`research.core.fmt.format_number`).

    Examples
    --------
    >>> format_figure(10452326.0, "sv"), format_figure(13.308, "sv"), format_figure(17.9, "en")
    ('10\xa0452\xa0326', '13,308', '17.9')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return format_number(None, 0, lang)
    return _num(float(x), lang)


def _num(x: float, lang: str = "en") -> str:
    """``x`` as the language writes numbers (:func:`research.core.fmt.format_number`).

    Six significant digits at most, no trailing zeros: ``20\u00a0000\u00a0000`` and
    ``1\u00a0279,87`` in Swedish, ``20,000,000`` and ``1,279.87`` in English. A number that
    is not finite or not below 10^12 (rule ``finite``) is shown as Python writes it (``1e+300``).
    """
    if not math.isfinite(x) or abs(x) >= _MAX:
        return repr(x)
    whole = len(str(int(abs(x)))) if abs(x) >= 1 else 0
    x = round(x, max(0, 6 - whole))  # populations keep every digit (10 452 326)
    return format_number(x, _decimals(x), lang)


def _problem(
    record: dict[str, str],
    rule: str,
    key: str,
    *,
    numbers: dict[str, float] | None = None,
    words: dict[str, str] | None = None,
    worded: dict[str, dict[str, str]] | None = None,
    **values: object,
) -> Problem:
    """The :class:`Problem` of ``rule`` for ``record``, its detail the catalogue's ``key``.

    ``numbers`` are formatted for each language (:func:`_num`), ``words`` are catalogue ids
    taken in each language, ``worded`` are texts already in each language (``{lang: text}``),
    ``values`` are filled in as they are.
    """

    def detail(lang: str) -> str:
        return _TEXTS(
            key,
            lang,
            **values,
            **{k: _num(x, lang) for k, x in (numbers or {}).items()},
            **{k: _TEXTS(w, lang) for k, w in (words or {}).items()},
            **{k: t[lang] for k, t in (worded or {}).items()},
        )

    return Problem(record["en"], rule, detail("en"), record_sv=record["sv"], detail_sv=detail("sv"))


def _record(r: dict, line: int | None = None) -> dict[str, str]:
    keys = ("area_code", "area_name", "year", "indicator", "sex")
    key = "record" if line is None else "record_line"
    values = {k: r[k] for k in keys}
    return {lang: _TEXTS(key, lang, line=line, **values) for lang in ("en", "sv")}


def _decimals(x: float) -> int:
    for d in range(0, 7):
        if abs(x * 10**d - round(x * 10**d)) < 1e-6:
            return d
    return 6


#: The ``source`` of the file being checked, where the messages name a population's origin.
_THIS_FILE = "\0this file"


def _origin(source: str | None) -> dict[str, str]:
    """Where a population came from, in each language ("the snapshot", "the import f.csv")."""
    if source == _THIS_FILE:
        return {lang: _TEXTS("origin_this_file", lang) for lang in ("en", "sv")}
    if source and "-import:" in source:
        name = source.split("-import:", 1)[1]
        return {lang: _TEXTS("origin_import", lang, file=name) for lang in ("en", "sv")}
    if source and source.endswith("-snapshot"):
        return {lang: _TEXTS("origin_snapshot", lang) for lang in ("en", "sv")}
    return {lang: "" for lang in ("en", "sv")}


def _from(source: str | None) -> dict[str, str]:
    """`` (from the snapshot)`` after a population, or nothing when its origin is unknown."""
    origin = _origin(source)
    return {
        lang: _TEXTS("from_origin", lang, origin=origin[lang]) if origin[lang] else ""
        for lang in ("en", "sv")
    }


def _take_back(source: str | None) -> dict[str, str]:
    """What to do when an earlier import holds the population a row disagrees with."""
    if source and source != _THIS_FILE and "-import:" in source:
        name = source.split("-import:", 1)[1]
        return {lang: _TEXTS("take_back_hint", lang, file=name) for lang in ("en", "sv")}
    return {lang: "" for lang in ("en", "sv")}


def _ratio(a: float, b: float) -> float:
    """How many times the larger of two populations is the smaller (infinite for a zero)."""
    lo, hi = sorted((a, b))
    return math.inf if lo <= 0 else hi / lo


class _Populations:
    """The populations a file's rows are checked against: the panel's, the file's laid over.

    ``existing`` holds the panel's by (area, year, sex), ``totals`` the total (sex T) of
    each (area, year) after the file's are laid over, with their origin, ``meta`` each area's
    level, parent and name.
    """

    def __init__(self, frame: pl.DataFrame, populations: pl.DataFrame | None) -> None:
        self.existing: dict[tuple[str, int, str], list[tuple[float, str | None]]] = {}
        self.totals: dict[tuple[str, int], tuple[float, str | None]] = {}
        self.meta: dict[str, tuple[str | None, str | None, str]] = {}
        if populations is not None and populations.height:
            for rec in populations.iter_rows(named=True):
                p = rec["population"]
                if p is None or not 0 < p <= MAX_POPULATION:
                    continue
                a, y, sex = rec["area_code"], int(rec["year"]), rec.get("sex") or "T"
                self.existing.setdefault((a, y, sex), []).append((float(p), rec.get("source")))
                if sex == "T":
                    self.totals[(a, y)] = (float(p), rec.get("source"))
                if rec.get("level"):
                    name = rec.get("area_name") or a
                    self.meta[a] = (rec["level"], rec.get("parent_code"), name)
        for r in frame.iter_rows(named=True):
            self.meta[r["area_code"]] = (r["level"], r["parent_code"], r["area_name"])
            v = r["value"]
            if r["indicator"] in POPULATION_INDICATORS and v and 0 < v <= MAX_POPULATION:
                if r["sex"] == "T":
                    self.totals[(r["area_code"], r["year"])] = (float(v), _THIS_FILE)
        self._kids: dict[tuple[str, int], list[str]] | None = None

    def name(self, area: str) -> str:
        return self.meta.get(area, (None, None, area))[2]

    def children(self, area: str, year: int) -> list[str]:
        """The areas of ``year`` whose parent is ``area`` (districts existing that year)."""
        if self._kids is None:
            from research.core.errors import UnknownAreaError
            from research.geo.districts import get_district

            self._kids = {}
            for a, y in self.totals:
                level, parent, _ = self.meta.get(a, (None, None, a))
                if parent is None:
                    continue
                if level == "district":
                    try:
                        if not get_district(a).exists_in(y):
                            continue
                    except UnknownAreaError:
                        pass
                self._kids.setdefault((parent, y), []).append(a)
        return self._kids.get((area, year), [])

    def reference(self, area: str, year: int, sex: str) -> list[tuple[float, int, str | None]]:
        """The populations a new one for (area, year, sex) is compared with (see the rule)."""
        for gap in range(0, _NEAREST + 1):
            found = [
                (v, y, src)
                for y in sorted({year - gap, year + gap})
                for v, src in self.existing.get((area, y, sex), [])
            ]
            if found:
                return found
        return []


def _population_problem(
    r: dict, rec: dict[str, str], pops: _Populations, summed: set[tuple[str, int]]
) -> Problem | None:
    """The first population rule a population row breaks, or None."""
    value, area, year, sex = float(r["value"]), r["area_code"], r["year"], r["sex"]
    for known, y, src in pops.reference(area, year, sex):
        if _ratio(value, known) > POPULATION_RATIO:
            return _problem(
                rec,
                "population-consistent",
                "population_far_from_known",
                numbers={"population": value, "known": known, "factor": POPULATION_RATIO},
                worded={"origin": _origin(src), "hint": _take_back(src)},
                year=y,
            )
    if sex != "T":
        return None
    limit = 1 + HIERARCHY_TOLERANCE
    _level, parent, _name = pops.meta.get(area, (None, None, area))
    if parent is not None and (parent, year) in pops.totals:
        pv, psrc = pops.totals[(parent, year)]
        if value > pv * limit:
            return _problem(
                rec,
                "population-hierarchy",
                "population_above_parent",
                numbers={"population": value, "other": pv},
                worded={"origin": _origin(psrc), "hint": _take_back(psrc)},
                parent=pops.name(parent),
            )
    kids = pops.children(area, year)
    if kids:
        big = max(kids, key=lambda c: pops.totals[(c, year)][0])
        bv, bsrc = pops.totals[(big, year)]
        if bv > value * limit:
            return _problem(
                rec,
                "population-hierarchy",
                "population_below_part",
                numbers={"population": value, "other": bv},
                worded={"origin": _origin(bsrc), "hint": _take_back(bsrc)},
                part=pops.name(big),
            )
        total = sum(pops.totals[(c, year)][0] for c in kids)
        if len(kids) > 1 and total > value * limit:
            return _problem(
                rec,
                "population-hierarchy",
                "population_below_parts",
                numbers={"population": value, "total": total, "n": len(kids)},
                words={"parts": f"parts_{pops.meta[kids[0]][0]}"},
            )
    if parent is not None and (parent, year) in pops.totals and (parent, year) not in summed:
        pv, psrc = pops.totals[(parent, year)]
        sibs = pops.children(parent, year)
        total = sum(pops.totals[(c, year)][0] for c in sibs)
        if len(sibs) > 1 and total > pv * limit:
            summed.add((parent, year))
            return _problem(
                rec,
                "population-hierarchy",
                "parts_above_parent",
                numbers={"total": total, "other": pv, "n": len(sibs)},
                words={"parts": f"parts_{pops.meta[area][0]}"},
                worded={"origin": _origin(psrc), "hint": _take_back(psrc)},
                parent=pops.name(parent),
            )
    return None


def check_plausible(  # noqa: C901 - one branch per documented plausibility rule
    frame: pl.DataFrame,
    file: str,
    *,
    populations: pl.DataFrame | None = None,
    kinds: dict[str, tuple[str, float | None]] | None = None,
    today: dt.date | None = None,
    lines: dict[tuple[str, int, str, str], int] | None = None,
) -> None:
    """Raise :class:`ImplausibleDataError` when a row of ``frame`` breaks a rule.

    Parameters
    ----------
    frame
        Canonical rows (a reader's output).
    file
        The file name, for the message.
    populations
        ``area_code``, ``year``, ``population`` of known populations (the panel's), each of
        sex ``T`` unless a ``sex`` column says otherwise; optional columns ``level``,
        ``parent_code`` and ``area_name`` (for the hierarchy) and ``source`` (named in the
        messages). Where two rows give one area, year and sex, the later is the total used.
    kinds
        Indicator id -> ``(kind, per)`` from the catalogue (``"rate"``, ``"share"``,
        ``"count"``); indicators missing here get the generic rules only.
    today
        The current date (injectable for tests).
    lines
        The file line of each row, by (area, year, indicator, sex), named in the messages.

    Raises
    ------
    ImplausibleDataError
        Naming the file, every offending record and the rule.

    Examples
    --------
    >>> from research.data.sources.common import build_frame
    >>> row = dict(area_code="0126", area_name="Huddinge", level="kommun",
    ...            parent_code="01", year=2022, indicator="BRA_X", sex="T", unit="",
    ...            source="t", value=5000.0, count=64)
    >>> pops = pl.DataFrame({"area_code": ["0126"], "year": [2022], "population": [114500.0]})
    >>> try:
    ...     check_plausible(build_frame([row]), "f.csv", populations=pops,
    ...                     kinds={"BRA_X": ("rate", 100000)})
    ... except ImplausibleDataError as exc:
    ...     print(exc.problems[0][1])
    rate-consistent
    """
    today = today or dt.date.today()
    kinds = kinds or {}
    lines = lines or {}
    problems: list[Problem] = []
    pops = _Populations(frame, populations)
    summed: set[tuple[str, int]] = set()
    known: dict[tuple[str, int], tuple[float, str | None]] = dict(pops.totals)
    # A row's own population column counts too, where no population row gives one.
    for r in frame.iter_rows(named=True):
        if r["indicator"] not in POPULATION_INDICATORS and r["population"]:
            if 0 < r["population"] <= MAX_POPULATION:
                known.setdefault((r["area_code"], r["year"]), (float(r["population"]), None))

    def population_of(area: str, year: int) -> tuple[float | None, int, str | None]:
        for gap in range(0, _NEAREST + 1):
            for y in (year - gap, year + gap):
                if (area, y) in known:
                    return known[(area, y)][0], gap, known[(area, y)][1]
        return None, 0, None

    for r in frame.iter_rows(named=True):
        rec = _record(r, lines.get((r["area_code"], r["year"], r["indicator"], r["sex"])))
        bad = False
        for col in ("value", "count", "population"):
            x = r[col]
            if x is None:
                continue
            column = {"col": f"col_{col}"}
            if not math.isfinite(x) or abs(x) >= _MAX:
                problems.append(
                    _problem(rec, "finite", "not_plausible_number", words=column, numbers={"x": x})
                )
                bad = True
            elif x < 0:
                problems.append(
                    _problem(rec, "non-negative", "negative", words=column, numbers={"x": x})
                )
                bad = True
        if r["year"] > today.year:
            problems.append(
                _problem(rec, "future-year", "future_year", year=r["year"], now=today.year)
            )
        if bad:
            continue
        value, count = r["value"], r["count"]
        is_pop = r["indicator"] in POPULATION_INDICATORS
        # A population row's value is its population: checked once, as the value.
        checked = [("value", value)] if is_pop else []
        if not (is_pop and r["population"] == value):
            checked.append(("population", r["population"]))
        for label, p in checked:
            if p is not None and not 0 < p <= MAX_POPULATION and r["sex"] == "T":
                problems.append(
                    _problem(
                        rec,
                        "population-positive",
                        "population_range",
                        numbers={"population": p, "maximum": MAX_POPULATION},
                        words={"label": f"label_{label}"},
                    )
                )
                bad = True
        if bad:
            continue
        if is_pop and value is not None:
            problem = _population_problem(r, rec, pops, summed)
            if problem is not None:
                problems.append(problem)
                continue
        kind, per = kinds.get(r["indicator"], (None, None))
        if value is not None and kind == "rate" and per and value > per:
            problems.append(
                _problem(rec, "rate-bound", "rate_above_per", numbers={"rate": value, "per": per})
            )
            continue
        if value is not None and kind == "share" and value > 100:
            problems.append(
                _problem(rec, "rate-bound", "share_above_100", numbers={"share": value})
            )
            continue
        if count is None or r["sex"] != "T":
            continue
        pop, gap, src = population_of(r["area_code"], r["year"])
        if pop is None:
            continue
        if count > pop * (1.05 + 0.02 * gap):
            problems.append(
                _problem(
                    rec,
                    "count-le-population",
                    "count_above_population",
                    numbers={"count": count, "population": pop},
                    worded={"origin": _from(src), "hint": _take_back(src)},
                )
            )
            continue
        if value is not None and kind == "rate" and per:
            expected = count * per / pop
            tol = 0.5 * 10 ** -_decimals(value) + expected * (0.05 + 0.02 * gap) + 1e-9
            if abs(value - expected) > tol:
                implied = count * per / value if value else math.inf
                problems.append(
                    _problem(
                        rec,
                        "rate-consistent",
                        "rate_inconsistent",
                        numbers={
                            "count": count,
                            "rate": value,
                            "per": per,
                            "implied": implied,
                            "population": pop,
                        },
                        worded={"origin": _from(src), "hint": _take_back(src)},
                    )
                )
    if problems:
        raise ImplausibleDataError(file, problems)
