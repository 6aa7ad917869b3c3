"""Reader for Kolada API v3 data responses (``https://api.kolada.se/v3/data/...``).

A response is ``{"count": n, "values": [...], "next_url": ..., "previous_url": ...}`` where
each item is ``{"kpi": "N07402", "municipality": "0126", "period": 2022, "values":
[{"gender": "T"|"K"|"M", "count": 1, "status": "", "value": 48.3, "isdeleted": false}]}``.
A file may also hold several pages saved as a JSON list of such documents (what
:mod:`research.data.fetch` stores).

Rules: items with ``isdeleted`` true are skipped; ``value: null`` is kept as a missing value
(never zero); Kolada's riket ``"0000"`` becomes ``"00"`` and its regions ``"00LL"`` the län
code ``"LL"``. Kolada's own ``count`` (how many units a value summarises) is **not** a crime
count and is not stored in ``count``. Units come from the catalogue (``data/catalog.toml``).

Only KPIs in the catalogue are read: the catalogue gives a KPI its labels, unit, kind (rate,
share, count), rate base and denominator, which decide how its values are checked at import,
whether counts can be estimated from them and how reports show them. A KPI the catalogue
lacks is refused with its line (add an ``[indicators.<KPI>]`` table to ``data/catalog.toml``
first). Without a readable catalogue (a bare data folder) every KPI is read, unit ``""``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import polars as pl

from research.core.errors import ParseError
from research.core.i18n import load_catalogue
from research.geo.area import RIKET
from research.geo.registry import AreaRegistry, load_areas

from .common import build_reader_frame, decode_text, load_json, source_label

__all__ = ["kolada_area_code", "parse_kolada", "read_kolada_json"]

_KPI = re.compile(r"^[A-Z]\d{5}$")
_DEC = json.JSONDecoder()
_TEXTS = load_catalogue(Path(__file__).with_name("kolada.toml"))


def _error(path: object, line: int | None, key: str, **values: object) -> ParseError:
    """The :class:`ParseError` with the catalogue's message ``key``, in both languages."""
    en, sv = _TEXTS.both(key, **values)
    return ParseError(path, line, en, sv=sv)


def kolada_area_code(code: str) -> str:
    """Map a Kolada municipality id to a pilotbench area code.

    Examples
    --------
    >>> kolada_area_code("0000"), kolada_area_code("0001"), kolada_area_code("0126")
    ('00', '01', '0126')
    """
    if code == "0000":
        return RIKET
    if len(code) == 4 and code.startswith("00"):
        return code[2:]
    return code


def _ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _items_with_lines(text: str, path: object) -> list[tuple[int, object, list]]:
    """Return ``(line, page_meta, items)`` per page, with each item's 1-based line.

    Walks the top-level object(s) with the stdlib decoder so that an error in one item can
    be reported with the line it starts on.
    """
    pages = []
    i = _ws(text, 0)
    if i < len(text) and text[i] == "[":
        i = _ws(text, i + 1)
        starts = []
        while i < len(text) and text[i] != "]":
            starts.append(i)
            _obj, i = _DEC.raw_decode(text, i)
            i = _ws(text, i)
            if i < len(text) and text[i] == ",":
                i = _ws(text, i + 1)
    else:
        starts = [i]
    for start in starts:
        pages.append(_page(text, start, path))
    return pages


def _page(text: str, i: int, path: object) -> tuple[int, dict, list]:
    line0 = text.count("\n", 0, i) + 1
    if i >= len(text) or text[i] != "{":
        raise _error(path, line0, "not_an_object")
    meta: dict = {}
    items: list[tuple[int, object]] = []
    i = _ws(text, i + 1)
    while i < len(text) and text[i] != "}":
        key, i = _DEC.raw_decode(text, i)
        i = _ws(text, i)
        i = _ws(text, i + 1)  # ':'
        if key == "values" and text[i] == "[":
            i = _ws(text, i + 1)
            while text[i] != "]":
                line = text.count("\n", 0, i) + 1
                obj, i = _DEC.raw_decode(text, i)
                items.append((line, obj))
                i = _ws(text, i)
                if text[i] == ",":
                    i = _ws(text, i + 1)
            i += 1
            meta["values"] = True
        else:
            meta[key], i = _DEC.raw_decode(text, i)
        i = _ws(text, i)
        if i < len(text) and text[i] == ",":
            i = _ws(text, i + 1)
    return line0, meta, items


def parse_kolada(
    text: str,
    path: object = "<kolada>",
    *,
    registry: AreaRegistry | None = None,
    units: dict[str, str] | None = None,
    source: str | None = None,
) -> pl.DataFrame:
    """Parse a Kolada v3 data response (or a list of pages) into the canonical schema.

    Parameters
    ----------
    text
        The JSON text.
    path
        A name for error messages.
    registry
        The area registry (default: :func:`research.geo.registry.load_areas`).
    units
        KPI id -> unit of the KPIs that may be read (default: from the catalogue; a KPI not
        in it is refused). An empty mapping reads every KPI with unit ``""``.
    source
        The ``source`` column (default ``"kolada-import:<name>"``).

    Returns
    -------
    polars.DataFrame
        One row per KPI x area x year x gender.

    Raises
    ------
    ParseError
        With the line of the item: invalid JSON, missing fields, a KPI not in the catalogue,
        an unknown area code, a gender other than T/K/M, a non-numeric value, or a
        duplicated row.

    Examples
    --------
    >>> doc = ('{"values": [{"kpi": "N07402", "municipality": "0000", "period": 2022, '
    ...        '"values": [{"gender": "T", "count": 1, "status": "", "value": 48.3, '
    ...        '"isdeleted": false}]}]}')
    >>> parse_kolada(doc).select("area_code", "year", "value").row(0)
    ('00', 2022, 48.3)
    """
    registry = registry or load_areas()
    if units is None:
        units = _catalog_units()
    what, what_sv = _TEXTS.both("kolada_response")
    load_json(text, path, what, what_sv=what_sv)
    pages = _items_with_lines(text, path)
    src = source or source_label("kolada", path)
    rows = []
    seen: dict[tuple, int] = {}
    for line0, meta, items in pages:
        if "values" not in meta:
            raise _error(path, line0, "no_values")
        for line, item in items:
            rows.extend(_item_rows(path, line, item, registry, units, src, seen))
    if_empty, if_empty_sv = _TEXTS.both("no_rows")
    return build_reader_frame(rows, path, if_empty, if_empty_sv=if_empty_sv)


def _item_rows(path, line, item, registry, units, src, seen) -> list[dict]:  # noqa: C901 - one branch per Kolada field variant
    if not isinstance(item, dict):
        raise _error(path, line, "item_not_object", kind=type(item).__name__)
    missing = [k for k in ("kpi", "municipality", "period", "values") if k not in item]
    if missing:
        raise _error(path, line, "item_lacks", missing=", ".join(map(repr, missing)))
    kpi = str(item["kpi"]).upper()
    if not _KPI.match(kpi):
        raise _error(path, line, "bad_kpi", kpi=item["kpi"])
    if units and kpi not in units:
        raise _error(path, line, "kpi_not_in_catalogue", kpi=kpi)
    muni = item["municipality"]
    if not isinstance(muni, str) or not re.fullmatch(r"\d{4}", muni):
        raise _error(path, line, "municipality_not_4_digits", muni=muni)
    code = kolada_area_code(muni)
    if code not in registry:
        raise _error(path, line, "municipality_unknown", muni=muni)
    area = registry.get(code)
    period = item["period"]
    if isinstance(period, bool) or not re.fullmatch(r"\d{4}", str(period)):
        raise _error(path, line, "period_not_year", period=period)
    year = int(period)
    if not 1900 <= year <= 2100:
        raise _error(path, line, "period_out_of_range", period=period)
    if not isinstance(item["values"], list):
        raise _error(path, line, "values_not_list")
    out = []
    for v in item["values"]:
        if not isinstance(v, dict) or "gender" not in v:
            raise _error(path, line, "entry_lacks_gender", entry=v)
        if v.get("isdeleted") is True:
            continue
        sex = v["gender"]
        if sex not in ("T", "K", "M"):
            raise _error(path, line, "bad_gender", sex=sex)
        val = v.get("value")
        if val is not None:
            if isinstance(val, bool) or not isinstance(val, int | float) or not math.isfinite(val):
                raise _error(path, line, "value_not_number", value=val)
            if val < 0:
                raise _error(path, line, "value_negative", value=val)
        key = (kpi, code, year, sex)
        if key in seen:
            raise _error(
                path, line, "duplicate", kpi=kpi, muni=muni, year=year, sex=sex, first=seen[key]
            )
        seen[key] = line
        out.append(
            {
                "area_code": area.code, "area_name": area.name, "level": area.level,
                "parent_code": area.parent_code, "year": year, "indicator": kpi, "sex": sex,
                "value": None if val is None else float(val), "unit": units.get(kpi, ""),
                "source": src, "line": line,
            }
        )  # fmt: skip
    return out


def _catalog_units() -> dict[str, str]:
    try:
        from research.data.catalog import load_catalog

        return {k: i.unit for k, i in load_catalog().indicators.items()}
    except Exception:  # no catalogue (e.g. a bare data folder): units stay empty
        return {}


def read_kolada_json(path: str | Path, *, registry: AreaRegistry | None = None) -> pl.DataFrame:
    """Read a saved Kolada v3 response (see :func:`parse_kolada`).

    Examples
    --------
    >>> from research.core.paths import PROJECT_ROOT
    >>> df = read_kolada_json(PROJECT_ROOT / "tests/data/kolada_n07402.json")
    >>> sorted(df["area_code"].unique().to_list())
    ['00', '01', '0126', '0180']
    """
    path = Path(path)
    text, _ = decode_text(path, path.read_bytes(), allow_latin1=False)
    return parse_kolada(text, path, registry=registry)
