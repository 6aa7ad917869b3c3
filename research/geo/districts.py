"""Districts (stadsdelsområden) of Stockholm, Göteborg and Malmö, and their reforms.

Level ``"district"``, always with a parent kommun.

Code scheme
-----------
A district's code is its parent kommun code, a hyphen and a short upper-case id:
``"0180-SOD"`` is Södermalm in Stockholm (0180). Why this scheme:

* codes stay strings, like every area code in pilotbench;
* they can never collide with SCB or Kolada codes, which are digits only (``"00"``, ``"01"``,
  ``"0180"``, Kolada's ``"0001"``), nor with Stockholm's own numeric district codes;
* they sort directly under their kommun (``"0180" < "0180-BRO" < ... < "0181"``), so a
  sorted table keeps a kommun and its districts together;
* the id is readable in a log ("0180-SOD") where a number would not be.

Reforms
-------
Stockholm merged districts twice (Stockholms stad, beslut om ny stadsdelsindelning):

* 2020-01-01: Hägersten-Liljeholmen + Älvsjö -> Hägersten-Älvsjö;
* 2023-07-01: Rinkeby-Kista + Spånga-Tensta -> Järva, and Norrmalm + Östermalm -> Norra
  innerstaden.

Södermalm's boundary did not change. Both reforms are pure unions, so a series on the old
districts can be carried to the new ones by summing counts and populations and recomputing
rates (:func:`map_across_reform`). A split, or rates without counts, cannot be mapped and is
refused.

Göteborg's ten stadsdelsnämndsområden and Malmö's five stadsområden are registered without
validity dates (the registry does not model their earlier divisions); check the source table's
division before comparing them across years.

Examples
--------
>>> resolve_district("Stockholm: Södermalm").code
'0180-SOD'
>>> resolve_district("Södermalms stadsdelsområde").code
'0180-SOD'
>>> [a.code for a in district_areas()][:2]
['0180-ALV', '0180-BRO']
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from research.core.errors import DataError, UnknownAreaError
from research.core.i18n import load_catalogue

from .area import Area

if TYPE_CHECKING:  # imported by map_across_reform: the area registry needs no polars
    import polars as pl

__all__ = [
    "DISTRICTS",
    "PARENT_NAMES",
    "REFORMS",
    "District",
    "DistrictReformError",
    "Reform",
    "district_areas",
    "districts_of",
    "get_district",
    "harmonize_districts",
    "map_across_reform",
    "resolve_district",
]


#: Messages in Swedish and English (research/geo/districts_errors.toml).
_TEXTS = load_catalogue(Path(__file__).with_name("districts_errors.toml"))


class DistrictReformError(DataError):
    """A series cannot be carried across a district reform (split, rates without counts...)."""


@dataclass(frozen=True)
class District:
    """One district: ``valid_from``/``valid_to`` are the first and last day it existed."""

    code: str
    name: str
    parent_code: str
    valid_from: date | None = None
    valid_to: date | None = None
    kind: str = "stadsdelsområde"

    def exists_in(self, year: int) -> bool:
        """Whether the district existed on at least one day of ``year``."""
        if self.valid_from is not None and self.valid_from.year > year:
            return False
        return not (self.valid_to is not None and self.valid_to.year < year)

    def area(self) -> Area:
        """Return the district as a :class:`research.geo.area.Area` (level ``"district"``)."""
        return Area(self.code, self.name, "district", self.parent_code)


@dataclass(frozen=True)
class Reform:
    """A change of district division: ``old`` districts replaced by ``new`` ones on ``date``.

    A reform with one new district is a union (``kind == "merge"``); anything else is a split
    or a redrawing, across which a series cannot be mapped from totals alone.
    """

    id: str
    date: date
    parent_code: str
    old: tuple[str, ...]
    new: tuple[str, ...]
    source: str

    @property
    def kind(self) -> str:
        """``"merge"`` when several old districts form exactly one new one."""
        return "merge" if len(self.new) == 1 and len(self.old) >= 1 else "split"


_D2020 = date(2020, 1, 1)
_D2023 = date(2023, 7, 1)
_STHLM = "Stockholms stad, beslut om ny stadsdelsindelning"


def _read_districts(path: Path) -> tuple[District, ...]:
    """Read the district table (``districts.csv`` next to this module), sorted by code.

    One row a district: ``code,name,parent_code,kind,valid_from,valid_to``, the dates ISO
    (``2023-06-30``) or empty for a district that existed before (or still exists after) the
    registry's reforms.
    """
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return tuple(
        sorted(
            (
                District(
                    r["code"],
                    r["name"],
                    r["parent_code"],
                    date.fromisoformat(r["valid_from"]) if r["valid_from"] else None,
                    date.fromisoformat(r["valid_to"]) if r["valid_to"] else None,
                    r["kind"],
                )
                for r in rows
            ),
            key=lambda d: d.code,
        )
    )


#: All registered districts, historic ones included, sorted by code: Stockholm's
#: stadsdelsområden, Göteborg's stadsdelsnämndsområden and Malmö's stadsområden
#: (``research/geo/districts.csv``).
DISTRICTS: tuple[District, ...] = _read_districts(Path(__file__).with_name("districts.csv"))

#: Registered reforms, oldest first.
REFORMS: tuple[Reform, ...] = (
    Reform("0180-2020-HAV", _D2020, "0180", ("0180-HLI", "0180-ALV"), ("0180-HAV",), _STHLM),
    Reform("0180-2023-JAR", _D2023, "0180", ("0180-RIK", "0180-SPT"), ("0180-JAR",), _STHLM),
    Reform("0180-2023-NIN", _D2023, "0180", ("0180-NOR", "0180-OST"), ("0180-NIN",), _STHLM),
)

#: Names under which the parent kommuner appear in "Parent: District" labels.
PARENT_NAMES: dict[str, str] = {
    "stockholm": "0180",
    "stockholms stad": "0180",
    "stockholms kommun": "0180",
    "göteborg": "1480",
    "göteborgs stad": "1480",
    "malmö": "1280",
    "malmö stad": "1280",
}

_BY_CODE = {d.code: d for d in DISTRICTS}
_SUFFIX = re.compile(
    r"\s+(stadsdelsområde|stadsdelsnämndsområde|stadsdelsnämnd|stadsdelsförvaltning|"
    r"stadsområde|stadsdel|sdo|sdf|sdn)$"
)
_PREFIX = re.compile(r"^(stadsdelsområde|stadsområde|stadsdel)\s+")


def _fold(text: str) -> str:
    t = unicodedata.normalize("NFC", str(text)).casefold()
    t = re.sub(r"[\u2010-\u2015]", "-", t)
    t = re.sub(r"\s*-\s*", "-", t)
    return re.sub(r"[\s\u00a0\u202f]+", " ", t).strip()


_BY_NAME: dict[str, list[District]] = {}
for _d in DISTRICTS:
    _BY_NAME.setdefault(_fold(_d.name), []).append(_d)


def get_district(code: str) -> District:
    """Return the district with this code.

    Raises
    ------
    UnknownAreaError
        If no district has the code.
    """
    try:
        return _BY_CODE[code]
    except KeyError:
        en, sv = _TEXTS.both("no_district_code", code=code)
        raise UnknownAreaError(en, sv=sv) from None


def districts_of(parent_code: str, year: int | None = None) -> list[District]:
    """Return the districts of a kommun (that existed in ``year``, if given), by code."""
    return [
        d for d in DISTRICTS if d.parent_code == parent_code and (year is None or d.exists_in(year))
    ]


def district_areas() -> list[Area]:
    """Return every registered district as an :class:`~research.geo.area.Area`, sorted by code.

    Examples
    --------
    >>> a = [a for a in district_areas() if a.code == "0180-SOD"][0]
    >>> (a.name, a.level, a.parent_code)
    ('Södermalm', 'district', '0180')
    """
    return [d.area() for d in DISTRICTS]


def _candidates(name: str, parent: str | None) -> list[District]:
    keys = [name]
    if name.endswith("s"):
        keys.append(name[:-1])  # genitive: "Södermalms stadsdelsområde"
    for k in keys:
        found = [d for d in _BY_NAME.get(k, []) if parent is None or d.parent_code == parent]
        if found:
            return found
    return []


def resolve_district(text: str) -> Area | None:
    """Resolve a district label to its :class:`~research.geo.area.Area`, or ``None``.

    Understands "Södermalm", "Södermalms stadsdelsområde", "Stockholm: Södermalm",
    "Stockholms stad: Södermalm" and "Södermalm (Stockholm)". Returns ``None`` for text that
    is not a district label at all, so callers can go on to kommun names.

    Raises
    ------
    UnknownAreaError
        When the text is clearly meant as a district (a "Parent: ..." label or a
        "... stadsdelsområde" suffix) but names no registered district; the message lists
        the parent's districts.
    """
    t = _fold(text)
    parent: str | None = None
    explicit = False
    m = re.match(r"^(.+?)\s*:\s*(.+)$", t) or None
    if m and m.group(1) in PARENT_NAMES:
        parent, t, explicit = PARENT_NAMES[m.group(1)], m.group(2), True
    else:
        m = re.match(r"^(.+?)\s*\((.+)\)$", t)
        if m and m.group(2) in PARENT_NAMES:
            parent, t, explicit = PARENT_NAMES[m.group(2)], m.group(1), True
    stripped = _SUFFIX.sub("", t)
    stripped = _PREFIX.sub("", stripped)
    if stripped != t:
        explicit = True
    found = _candidates(stripped, parent)
    if len(found) == 1:
        return found[0].area()
    if len(found) > 1:
        labels = ", ".join(f"{d.name} ({d.code})" for d in found)
        en, sv = _TEXTS.both("ambiguous_district", text=text, labels=labels)
        raise UnknownAreaError(en, sv=sv)
    if not explicit:
        return None
    pool = districts_of(parent) if parent else list(DISTRICTS)
    import difflib

    close = difflib.get_close_matches(stripped, [_fold(d.name) for d in pool], n=3, cutoff=0.6)
    sugg = [d for d in pool if _fold(d.name) in close][:3]
    hint = ", ".join(f"{d.name} ({d.code})" for d in sugg)
    key = "unknown_district_close" if hint else "unknown_district"
    en, sv = _TEXTS.both(key, text=text, hint=hint)
    raise UnknownAreaError(en, [(d.code, d.name) for d in sugg], sv=sv)


_COUNT_UNITS = {"antal", "invånare", "personer", "st", "count", "inhabitants", "persons"}


def _is_count_unit(unit: str | None) -> bool:
    return unit is not None and unit.strip().casefold() in _COUNT_UNITS


def map_across_reform(  # noqa: C901 - reform cases (split, merge, overlap year) kept together
    frame: pl.DataFrame,
    reform: Reform | str,
    *,
    per: float = 100_000,
    on_existing: str = "raise",
) -> pl.DataFrame:
    """Carry the rows of the old districts of a merge reform over to the new district.

    For each (year, indicator, sex) all old districts must be present. Counts (``count``)
    and ``population`` are summed; a rate is recomputed as ``count / population * per``; a
    value whose unit is itself a count ("antal", "invånare") is summed. Other areas' rows
    are returned unchanged.

    Parameters
    ----------
    frame
        Rows in the canonical schema (:data:`research.data.sources.common.CANONICAL_SCHEMA`).
    reform
        A :class:`Reform` or its id (``"0180-2023-NIN"``).
    per
        The rate base of rate indicators (100 000 for Brå and Kolada crime rates).
    on_existing
        What to do when the new district already has a row for the same key: ``"raise"``
        (default) or ``"keep"`` (keep that official row, drop the old districts' rows).

    Returns
    -------
    polars.DataFrame
        The frame with the old districts' rows replaced by summed rows for the new one.

    Raises
    ------
    DistrictReformError
        For a split or redrawing, for rates without counts or population, when an old
        district is missing for some year, or when the new district already has a row
        (unless ``on_existing="keep"``).

    Examples
    --------
    >>> from research.data.sources.common import build_frame
    >>> rows = [dict(area_code=c, area_name=c, level="district", parent_code="0180", year=2022,
    ...              indicator="X", sex="T", value=v, unit="per 100 000 inv.", source="t",
    ...              count=n, population=p)
    ...         for c, n, p, v in [("0180-NOR", 10, 70_000, 10 / 0.7),
    ...                            ("0180-OST", 30, 50_000, 60.0)]]
    >>> out = map_across_reform(build_frame(rows), "0180-2023-NIN")
    >>> out.select("area_code", "count", "value").row(0)
    ('0180-NIN', 40, 33.333333333333336)
    """
    import polars as pl

    if isinstance(reform, str):
        found = [r for r in REFORMS if r.id == reform]
        if not found:
            en, sv = _TEXTS.both("unknown_reform", reform=reform, known=[r.id for r in REFORMS])
            raise DistrictReformError(en, sv=sv)
        reform = found[0]
    if reform.kind != "merge":
        en, sv = _TEXTS.both(
            "reform_is_split", reform=reform.id, old=list(reform.old), new=list(reform.new)
        )
        raise DistrictReformError(en, sv=sv)
    if on_existing not in ("raise", "keep"):
        en, sv = _TEXTS.both("on_existing", on_existing=on_existing)
        raise DistrictReformError(en, sv=sv)
    new = get_district(reform.new[0])
    old_rows = frame.filter(pl.col("area_code").is_in(list(reform.old)))
    if old_rows.is_empty():
        return frame
    key = ["year", "indicator", "sex"]
    existing = frame.filter(pl.col("area_code") == new.code).select(key).unique()
    clash = old_rows.join(existing, on=key, how="semi")
    if not clash.is_empty():
        if on_existing == "raise":
            ex = clash.select(key).unique().sort(key).head(5).rows()
            en, sv = _TEXTS.both(
                "new_district_has_rows",
                name=new.name,
                code=new.code,
                rows=ex,
                old=list(reform.old),
            )
            raise DistrictReformError(en, sv=sv)
        old_rows = old_rows.join(existing, on=key, how="anti")
    out_rows = []
    for (year, indicator, sex), grp in old_rows.group_by(key, maintain_order=True):
        have = set(grp["area_code"])
        missing = [c for c in reform.old if c not in have]
        if missing:
            en, sv = _TEXTS.both(
                "old_rows_missing",
                indicator=indicator,
                sex=sex,
                year=year,
                name=new.name,
                missing=missing,
                old=list(reform.old),
            )
            raise DistrictReformError(en, sv=sv)
        units = set(grp["unit"].to_list())
        if len(units) != 1:
            en, sv = _TEXTS.both("units_differ", indicator=indicator, year=year, units=units)
            raise DistrictReformError(en, sv=sv)
        unit = units.pop()
        counts = grp["count"]
        pops = grp["population"]
        pop = float(pops.sum()) if pops.null_count() == 0 else None
        if counts.null_count() == 0:
            count = int(counts.sum())
            if _is_count_unit(unit):
                value = float(count)
            elif pop is None or pop == 0:
                en, sv = _TEXTS.both(
                    "rate_needs_population", indicator=indicator, year=year, name=new.name
                )
                raise DistrictReformError(en, sv=sv)
            else:
                value = count / pop * per
        elif _is_count_unit(unit) and grp["value"].null_count() == 0:
            count, value = None, float(grp["value"].sum())
        else:
            en, sv = _TEXTS.both("rates_need_counts", indicator=indicator, year=year, name=new.name)
            raise DistrictReformError(en, sv=sv)
        sources = sorted(set(grp["source"].to_list()))
        out_rows.append(
            {
                "area_code": new.code,
                "area_name": new.name,
                "level": "district",
                "parent_code": new.parent_code,
                "year": year,
                "indicator": indicator,
                "sex": sex,
                "value": value,
                "unit": unit,
                "source": "; ".join(sources) + f" [summed across reform {reform.id}]",
                "population": pop,
                "count_est": None,
                "count_est_error": None,
                "count": count,
            }
        )
    rest = frame.filter(~pl.col("area_code").is_in(list(reform.old)))
    if not out_rows:
        return rest
    added = pl.DataFrame(out_rows, schema=frame.schema)
    sort = [c for c in ("indicator", "area_code", "sex", "year") if c in frame.columns]
    return pl.concat([rest, added.select(frame.columns)]).sort(sort)


def harmonize_districts(
    frame: pl.DataFrame, *, parent_code: str = "0180", per: float = 100_000
) -> pl.DataFrame:
    """Apply every registered merge reform of a kommun, oldest first.

    The series ends up on today's districts (see :func:`map_across_reform`). Where a new
    district already has an official row for a year (e.g. 2023, the year of a mid-year
    reform), that row is kept and the old districts' rows for that year are dropped.

    Raises
    ------
    DistrictReformError
        As :func:`map_across_reform`.
    """
    for r in REFORMS:
        if r.parent_code == parent_code:
            frame = map_across_reform(frame, r, per=per, on_existing="keep")
    return frame
