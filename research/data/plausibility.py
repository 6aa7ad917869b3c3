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
    year when the nearest known population is from another year).

The population for the last two rules is the row's own, else the panel's (the snapshot's
``N01951`` or an imported ``BE0101N1``) for that area and year, else the nearest year within
three years.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl

from research.core.errors import DataError
from research.core.fmt import format_number
from research.core.i18n import load_catalogue

__all__ = ["RULES", "ImplausibleDataError", "Problem", "check_plausible"]

RULES = (
    "finite",
    "non-negative",
    "future-year",
    "population-positive",
    "rate-bound",
    "count-le-population",
    "rate-consistent",
)
POPULATION_INDICATORS = ("N01951", "BE0101N1")
MAX_POPULATION = 20_000_000
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


def _num(x: float, lang: str = "en") -> str:
    """``x`` as the language writes numbers (:func:`research.core.fmt.format_number`).

    Six significant digits at most, no trailing zeros: ``20\u00a0000\u00a0000`` and
    ``1\u00a0279,87`` in Swedish, ``20,000,000`` and ``1,279.87`` in English. A number that
    is not finite or not below 10^12 (rule ``finite``) is shown as Python writes it (``1e+300``).
    """
    if not math.isfinite(x) or abs(x) >= _MAX:
        return repr(x)
    whole = len(str(int(abs(x)))) if abs(x) >= 1 else 0
    x = round(x, max(0, 6 - whole))
    return format_number(x, _decimals(x), lang)


def _problem(
    record: dict[str, str],
    rule: str,
    key: str,
    *,
    numbers: dict[str, float] | None = None,
    words: dict[str, str] | None = None,
    **values: object,
) -> Problem:
    """The :class:`Problem` of ``rule`` for ``record``, its detail the catalogue's ``key``.

    ``numbers`` are formatted for each language (:func:`_num`), ``words`` are catalogue ids
    taken in each language, ``values`` are filled in as they are.
    """

    def detail(lang: str) -> str:
        return _TEXTS(
            key,
            lang,
            **values,
            **{k: _num(x, lang) for k, x in (numbers or {}).items()},
            **{k: _TEXTS(w, lang) for k, w in (words or {}).items()},
        )

    return Problem(record["en"], rule, detail("en"), record_sv=record["sv"], detail_sv=detail("sv"))


def _record(r: dict) -> dict[str, str]:
    keys = ("area_code", "area_name", "year", "indicator", "sex")
    return {lang: _TEXTS("record", lang, **{k: r[k] for k in keys}) for lang in ("en", "sv")}


def _decimals(x: float) -> int:
    for d in range(0, 7):
        if abs(x * 10**d - round(x * 10**d)) < 1e-6:
            return d
    return 6


def check_plausible(  # noqa: C901 - one branch per documented plausibility rule
    frame: pl.DataFrame,
    file: str,
    *,
    populations: pl.DataFrame | None = None,
    kinds: dict[str, tuple[str, float | None]] | None = None,
    today: dt.date | None = None,
) -> None:
    """Raise :class:`ImplausibleDataError` when a row of ``frame`` breaks a rule.

    Parameters
    ----------
    frame
        Canonical rows (a reader's output).
    file
        The file name, for the message.
    populations
        ``area_code``, ``year``, ``population`` of known total populations (the panel's).
    kinds
        Indicator id -> ``(kind, per)`` from the catalogue (``"rate"``, ``"share"``,
        ``"count"``); indicators missing here get the generic rules only.
    today
        The current date (injectable for tests).

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
    problems: list[Problem] = []
    known: dict[tuple[str, int], float] = {}
    if populations is not None and populations.height:
        for a, y, p in populations.select("area_code", "year", "population").iter_rows():
            if p is not None and p > 0:
                known[(a, int(y))] = float(p)
    # The file's own populations count too (an SCB file, or a population column).
    for r in frame.iter_rows(named=True):
        if r["indicator"] in POPULATION_INDICATORS and r["sex"] == "T" and r["value"]:
            if 0 < r["value"] <= MAX_POPULATION:
                known[(r["area_code"], r["year"])] = float(r["value"])
        elif r["population"] and 0 < r["population"] <= MAX_POPULATION:
            known.setdefault((r["area_code"], r["year"]), float(r["population"]))

    def population_of(area: str, year: int) -> tuple[float | None, int]:
        for gap in range(0, 4):
            for y in (year - gap, year + gap):
                if (area, y) in known:
                    return known[(area, y)], gap
        return None, 0

    for r in frame.iter_rows(named=True):
        rec = _record(r)
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
        pop, gap = population_of(r["area_code"], r["year"])
        if pop is None:
            continue
        if count > pop * (1.05 + 0.02 * gap):
            problems.append(
                _problem(
                    rec,
                    "count-le-population",
                    "count_above_population",
                    numbers={"count": count, "population": pop},
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
                    )
                )
    if problems:
        raise ImplausibleDataError(file, problems)
