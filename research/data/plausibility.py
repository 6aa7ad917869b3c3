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

import polars as pl

from research.core.errors import DataError

__all__ = ["RULES", "ImplausibleDataError", "check_plausible"]

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


class ImplausibleDataError(DataError):
    """Rows of an imported file break plausibility rules; ``problems`` lists them all.

    Each problem is ``(record, rule, detail)``.
    """

    def __init__(self, file: str, problems: list[tuple[str, str, str]]) -> None:
        self.file = file
        self.problems = problems
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        lines = [f"  {rec}: {detail} [rule {rule}]" for rec, rule, detail in problems[:_SHOWN]]
        if len(problems) > _SHOWN:
            lines.append(f"  ... {len(problems) - _SHOWN} more")
        if len(problems) == 1:
            lines = []
        super().__init__(
            f"{file}: {first[0]}: {first[2]} [rule {first[1]}]{more}; nothing was imported. "
            "Check the file against the publisher's table and import a corrected export."
            + "".join("\n" + x for x in lines)
        )


def _record(r: dict) -> str:
    return f"record {r['area_code']} {r['area_name']} {r['year']} {r['indicator']} {r['sex']}"


def _decimals(x: float) -> int:
    for d in range(0, 7):
        if abs(x * 10**d - round(x * 10**d)) < 1e-6:
            return d
    return 6


def _num(x: float) -> str:
    return f"{x:,.6g}".replace(",", " ")


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
    problems: list[tuple[str, str, str]] = []
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
            if not math.isfinite(x) or abs(x) >= _MAX:
                problems.append((rec, "finite", f"{col} {x!r} is not a plausible number"))
                bad = True
            elif x < 0:
                problems.append((rec, "non-negative", f"{col} {_num(x)} is negative"))
                bad = True
        if r["year"] > today.year:
            problems.append(
                (rec, "future-year", f"year {r['year']} lies in the future (now {today.year})")
            )
        if bad:
            continue
        value, count = r["value"], r["count"]
        is_pop = r["indicator"] in POPULATION_INDICATORS
        for label, p in (("population", r["population"]), ("value", value if is_pop else None)):
            if p is not None and not 0 < p <= MAX_POPULATION and r["sex"] == "T":
                problems.append(
                    (
                        rec,
                        "population-positive",
                        f"population {_num(p)} ({label}) must be above 0 and at most "
                        f"{_num(MAX_POPULATION)}",
                    )
                )
                bad = True
        if bad:
            continue
        kind, per = kinds.get(r["indicator"], (None, None))
        if value is not None and kind == "rate" and per and value > per:
            problems.append(
                (
                    rec,
                    "rate-bound",
                    f"rate {_num(value)} per {_num(per)} would mean more cases than inhabitants",
                )
            )
            continue
        if value is not None and kind == "share" and value > 100:
            problems.append((rec, "rate-bound", f"share {_num(value)} % exceeds 100 %"))
            continue
        if count is None or r["sex"] != "T":
            continue
        pop, gap = population_of(r["area_code"], r["year"])
        if pop is None:
            continue
        if count > pop * (1.05 + 0.02 * gap):
            problems.append(
                (
                    rec,
                    "count-le-population",
                    f"count {_num(count)} exceeds the population {_num(pop)}",
                )
            )
            continue
        if value is not None and kind == "rate" and per:
            expected = count * per / pop
            tol = 0.5 * 10 ** -_decimals(value) + expected * (0.05 + 0.02 * gap) + 1e-9
            if abs(value - expected) > tol:
                implied = count * per / value if value else math.inf
                problems.append(
                    (
                        rec,
                        "rate-consistent",
                        f"count {_num(count)} and rate {_num(value)} per {_num(per)} imply "
                        f"{_num(implied)} inhabitants, but the population is {_num(pop)}",
                    )
                )
    if problems:
        raise ImplausibleDataError(file, problems)
