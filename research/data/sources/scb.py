"""Readers for SCB population data: PxWebApi v2 json-stat2, CSV downloads, district tables.

* :func:`parse_jsonstat` / :func:`read_scb_jsonstat`: a json-stat2 response of PxWebApi v2
  (``POST /tables/TAB638/data?outputFormat=json-stat2``), population by region, sex and
  year (content code ``BE0101N1``, *Folkmängd*, on 31 December of the year). Dimensions other
  than Region, Kon, Tid and ContentsCode (Civilstand, Alder) must have been eliminated or
  fixed to one value: their categories include totals and aggregate bands, so summing them
  could count people twice; such a response is refused.
* :func:`read_scb_csv`: SCB CSV downloads, UTF-8 (BOM or not) or ISO-8859-1, separated by
  ``,``, ``;`` or tab. A region column holding ``"0126"``, ``"0126 Huddinge"``,
  ``"00 Riket"`` or a name, an optional sex column (``kön``), and either one column per
  year (``2022`` or ``Folkmängd 2022``) or a year column (``år``) plus one value column.
  The same reader takes Stockholms stad's population per stadsdelsområde (names such as
  "Södermalm" resolve to districts, see :mod:`research.geo.districts`).
* :func:`read_population_excel`: the same layouts in an .xlsx sheet.

Output: the canonical schema, ``indicator`` = ``"BE0101N1"``, ``unit`` = ``"invånare"``,
``value`` = population, and ``population`` = the same number on rows of sex ``T``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import polars as pl

from research.core.errors import ParseError, UnknownAreaError
from research.core.i18n import load_catalogue
from research.geo.area import RIKET, normalize_code
from research.geo.registry import AreaRegistry, load_areas

from .common import (
    YEARS,
    NameMatcher,
    build_reader_frame,
    csv_body,
    decode_text,
    fold_header,
    load_json,
    parse_number,
    parse_year,
    read_sheet_rows,
    source_label,
    split_csv_line,
)

__all__ = [
    "POPULATION_CONTENT",
    "POPULATION_UNIT",
    "jsonstat_cells",
    "jsonstat_values",
    "parse_jsonstat",
    "read_population_excel",
    "read_scb_csv",
    "read_scb_jsonstat",
]

POPULATION_CONTENT = "BE0101N1"
POPULATION_UNIT = "invånare"

_SEX = {
    "1": "M", "2": "K", "1+2": "T", "män": "M", "man": "M", "kvinnor": "K", "kvinna": "K",
    "totalt": "T", "total": "T", "båda könen": "T", "totalt båda könen": "T", "men": "M",
    "women": "K", "both sexes": "T", "m": "M", "k": "K", "t": "T",
}  # fmt: skip
_REGION_HEADERS = (
    "region",
    "kommun",
    "län",
    "område",
    "stadsdelsområde",
    "stadsdel",
    "geografi",
    "region code",
    "regionkod",
)
_YEAR_COL = re.compile(r"(?:^|\D)(19\d\d|20\d\d)$")
_CODE_NAME = re.compile(r"^(\d{2}|\d{4})(?:\s+(.+))?$")
#: The wording of this module's errors, in Swedish and English.
_TEXTS = load_catalogue(Path(__file__).with_name("scb.toml"))


def _region(path: object, line: int, text: str, registry: AreaRegistry, matcher: NameMatcher):
    """Resolve "0126", "0126 Huddinge", "00 Riket" or a name; check code and name agree."""
    t = re.sub(r"[\s\u00a0]+", " ", str(text)).strip()
    m = _CODE_NAME.match(t)
    if not m:
        return None  # a name: matched in bulk by the caller
    code = normalize_code(m.group(1))
    if code not in registry:
        en, sv = _TEXTS.both("unknown_region_code", code=m.group(1))
        raise ParseError(path, line, en, sv=sv)
    area = registry.get(code)
    if m.group(2):
        try:
            named = matcher.match(m.group(2))
        except UnknownAreaError:
            named = None
        if named is not None and named.code != area.code and code != RIKET:
            en, sv = _TEXTS.both(
                "code_name_differ",
                region=t,
                code=code,
                area=area.name,
                named=named.name,
                named_code=named.code,
            )
            raise ParseError(path, line, en, sv=sv)
    return area


def _rows(records, path, registry, source, value_is_count=True):
    """records: (line, region text, sex, year, value) -> canonical frame."""
    matcher = NameMatcher(registry)
    areas: dict[str, object] = {}
    names = []
    for line, reg, *_ in records:
        if reg in areas:
            continue
        a = _region(path, line, reg, registry, matcher)
        if a is None:
            names.append((line, reg))
        else:
            areas[reg] = a
    areas.update(matcher.match_all(path, names))
    seen: dict[tuple, int] = {}
    rows = []
    for line, reg, sex, year, value in records:
        a = areas[reg]
        key = (a.code, sex, year)
        if key in seen:
            en, sv = _TEXTS.both("region_twice", region=reg, sex=sex, year=year, first=seen[key])
            raise ParseError(path, line, en, sv=sv)
        seen[key] = line
        rows.append(
            {
                "area_code": a.code, "area_name": a.name, "level": a.level,
                "parent_code": a.parent_code, "year": year, "indicator": POPULATION_CONTENT,
                "sex": sex, "value": value, "unit": POPULATION_UNIT, "source": source,
                "population": value if sex == "T" else None, "line": line,
            }
        )  # fmt: skip
    en, sv = _TEXTS.both("no_data_rows")
    return build_reader_frame(rows, path, en, if_empty_sv=sv)


def _categories(path, dim_id: str, dim: dict) -> list[str]:
    try:
        index = dim["category"]["index"]
    except (KeyError, TypeError) as exc:
        en, sv = _TEXTS.both("no_category_index", dimension=dim_id)
        raise ParseError(path, None, en, sv=sv) from exc
    if isinstance(index, list):
        return [str(c) for c in index]
    if isinstance(index, dict):
        return [c for c, _ in sorted(index.items(), key=lambda kv: kv[1])]
    en, sv = _TEXTS.both("bad_category_index", dimension=dim_id)
    raise ParseError(path, None, en, sv=sv)


def jsonstat_values(values: object, sizes: Sequence[int]) -> tuple[object, int]:
    """A json-stat2 ``value`` member as a flat list, and the number of cells ``sizes`` give.

    An object of index -> value (json-stat's sparse form) is expanded to a list with
    ``None`` for the cells it leaves out; anything else is returned as it is, for the caller
    to check against the number of cells.
    """
    total = math.prod(int(n) for n in sizes)
    if isinstance(values, dict):
        values = [values.get(str(i)) for i in range(total)]
    return values, total


def jsonstat_cells(
    ids: Sequence[str], sizes: Sequence[int], cats: dict[str, list[str]], values: list
) -> Iterator[tuple[int, dict[str, str], object]]:
    """Each cell of a json-stat2 dataset: its flat index, its category per dimension, its value.

    The last dimension varies fastest (json-stat's row-major order).
    """
    strides = [1] * len(ids)
    for k in range(len(ids) - 2, -1, -1):
        strides[k] = strides[k + 1] * sizes[k + 1]
    for flat, v in enumerate(values):
        yield flat, {d: cats[d][(flat // strides[k]) % sizes[k]] for k, d in enumerate(ids)}, v


def _line_of(text: str, needle: str) -> int | None:
    pos = text.find(needle)
    return None if pos < 0 else text.count("\n", 0, pos) + 1


def _check_shape(path: object, text: str, doc: dict) -> None:
    """Check the types of json-stat2's structural members before they are used."""

    def bad(member: str) -> ParseError:
        en, sv = _TEXTS.both(f"bad_{member}", member=member)
        return ParseError(path, _line_of(text, f'"{member}"'), en, sv=sv)

    ids, sizes = doc.get("id"), doc.get("size", [])
    if not isinstance(ids, list) or not all(isinstance(d, str) for d in ids):
        raise bad("id")
    if not isinstance(sizes, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 100_000 for n in sizes
    ):
        raise bad("size")
    if not isinstance(doc.get("dimension"), dict) or not all(
        isinstance(doc["dimension"].get(d, {}), dict) for d in ids
    ):
        raise bad("dimension")
    role = doc.get("role", {})
    if role is not None and not (
        isinstance(role, dict)
        and all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in role.values())
    ):
        raise bad("role")


def parse_jsonstat(  # noqa: C901 - json-stat layout variants, each a branch
    text: str,
    path: object = "<json-stat2>",
    *,
    registry: AreaRegistry | None = None,
    source: str | None = None,
) -> pl.DataFrame:
    """Parse a PxWebApi v2 json-stat2 population response into the canonical schema.

    Parameters
    ----------
    text
        The response body.
    path
        A name for error messages (the file or URL).
    registry
        The area registry (default: :func:`research.geo.registry.load_areas`).
    source
        The ``source`` column (default ``"scb-import:<name>"``).

    Returns
    -------
    polars.DataFrame
        One row per region x sex x year; sex ``T`` when the response has no Kon dimension
        or Kon ``1+2``, ``M`` for 1, ``K`` for 2. Status ``..`` gives a missing value.

    Raises
    ------
    ParseError
        For invalid JSON (with its line), a wrong content code, a dimension with several
        values that is not region/sex/year, or a value array of the wrong length.

    Examples
    --------
    >>> doc = ('{"version":"2.0","class":"dataset","id":["Region","ContentsCode","Tid"],'
    ...        '"size":[1,1,1],"dimension":{"Region":{"category":{"index":{"0126":0}}},'
    ...        '"ContentsCode":{"category":{"index":{"BE0101N1":0}}},'
    ...        '"Tid":{"category":{"index":{"2022":0}}}},"value":[113000]}')
    >>> parse_jsonstat(doc).select("area_code", "year", "value").row(0)
    ('0126', 2022, 113000.0)
    """
    registry = registry or load_areas()
    en, sv = _TEXTS.both("what_jsonstat_response")
    doc = load_json(text, path, en, what_sv=sv)
    if (
        not isinstance(doc, dict)
        or doc.get("class") not in ("dataset", None)
        or "id" not in doc
        or "dimension" not in doc
    ):
        en, sv = _TEXTS.both("not_jsonstat")
        raise ParseError(path, 1, en, sv=sv)
    _check_shape(path, text, doc)
    ids = list(doc["id"])
    sizes = list(doc.get("size", []))
    cats = {d: _categories(path, d, doc["dimension"].get(d, {})) for d in ids}
    if len(sizes) != len(ids) or any(len(cats[d]) != n for d, n in zip(ids, sizes, strict=True)):
        en, sv = _TEXTS.both("size_mismatch")
        raise ParseError(path, _line_of(text, '"size"'), en, sv=sv)
    lower = {d.casefold(): d for d in ids}
    reg_d = lower.get("region")
    time_d = (doc.get("role", {}) or {}).get("time", [None])[0] or lower.get("tid")
    sex_d = lower.get("kon")
    cont_d = lower.get("contentscode")
    if reg_d is None or time_d is None:
        en, sv = _TEXTS.both("no_region_or_time", ids=ids)
        raise ParseError(path, _line_of(text, '"id"'), en, sv=sv)
    if cont_d is not None and cats[cont_d] != [POPULATION_CONTENT]:
        en, sv = _TEXTS.both("not_population", content=cats[cont_d], code=POPULATION_CONTENT)
        raise ParseError(path, _line_of(text, '"ContentsCode"'), en, sv=sv)
    for d in ids:
        if d not in (reg_d, time_d, sex_d, cont_d) and len(cats[d]) > 1:
            en, sv = _TEXTS.both(
                "dimension_not_eliminated", dimension=d, n=len(cats[d]), first=cats[d][:4]
            )
            raise ParseError(path, _line_of(text, f'"{d}"'), en, sv=sv)
    values, total = jsonstat_values(doc.get("value"), sizes)
    if not isinstance(values, list) or len(values) != total:
        found = len(values) if isinstance(values, list) else repr(values)
        en, sv = _TEXTS.both("value_length", total=total, found=found)
        raise ParseError(path, _line_of(text, '"value"'), en, sv=sv)
    status = doc.get("status") or {}
    if isinstance(status, str):  # JSON-stat 2.0: one string applies to every value
        status = {str(i): status for i in range(total)}
    elif isinstance(status, list):
        status = {str(i): s for i, s in enumerate(status) if s}
    elif not isinstance(status, dict):
        en, sv = _TEXTS.both("bad_status", status=status)
        raise ParseError(path, _line_of(text, '"status"'), en, sv=sv)
    vline = _line_of(text, '"value"') or 1
    records = []
    for flat, pos, v in jsonstat_cells(ids, sizes, cats, values):
        cell = {"n": flat + 1, "region": pos[reg_d], "year": pos[time_d]}
        if v is None or status.get(str(flat)) in ("..", "."):
            val = None
        elif isinstance(v, int | float) and not isinstance(v, bool):
            en, sv = _TEXTS.both("what_value_cell", **cell)
            val = parse_number(v, path, vline, en, integer=True, what_sv=sv)
        else:
            en, sv = _TEXTS.both("value_not_number", value=v, **cell)
            raise ParseError(path, vline, en, sv=sv)
        sex = "T"
        if sex_d is not None:
            code = pos[sex_d].casefold()
            if code not in _SEX:
                en, sv = _TEXTS.both("unknown_sex_code", code=pos[sex_d])
                raise ParseError(path, _line_of(text, f'"{sex_d}"'), en, sv=sv)
            sex = _SEX[code]
        year_txt = pos[time_d]
        if not re.fullmatch(r"\d{4}", year_txt):
            en, sv = _TEXTS.both("time_not_year", time=year_txt)
            raise ParseError(path, _line_of(text, f'"{year_txt}"'), en, sv=sv)
        if not YEARS[0] <= int(year_txt) <= YEARS[1]:
            en, sv = _TEXTS.both("time_out_of_range", time=year_txt, first=YEARS[0], last=YEARS[1])
            raise ParseError(path, _line_of(text, f'"{year_txt}"'), en, sv=sv)
        records.append((vline, pos[reg_d], sex, int(year_txt), val))
    return _rows(records, path, registry, source or source_label("scb", path))


def read_scb_jsonstat(path: str | Path, *, registry: AreaRegistry | None = None) -> pl.DataFrame:
    """Read a saved json-stat2 response (see :func:`parse_jsonstat`)."""
    path = Path(path)
    text, _ = decode_text(path, path.read_bytes(), allow_latin1=False)
    return parse_jsonstat(text, path, registry=registry)


def _sniff(path: Path, line: int, header: str) -> str:
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        en, sv = _TEXTS.both("no_separator")
        raise ParseError(path, line, en, sv=sv)
    return best


def _table_to_records(path, header_line: int, header: list, body, sep: str | None):
    """Turn a header plus rows ``(line, cells)`` into (line, region, sex, year, value)."""
    names = [fold_header(h) for h in header]
    if not names or not any(names[0].startswith(h) for h in _REGION_HEADERS):
        en, sv = _TEXTS.both("first_column_not_region", found=header[0])
        raise ParseError(path, header_line, en, sv=sv)
    j_sex = next((j for j, n in enumerate(names) if n in ("kön", "kon", "sex")), None)
    j_year = next((j for j, n in enumerate(names) if n in ("år", "ar", "year", "tid")), None)
    year_cols = {
        j: int(m.group(1))
        for j, n in enumerate(names)
        if j not in (0, j_sex, j_year) and (m := _YEAR_COL.search(n))
    }
    if j_year is not None:
        value_cols = [j for j in range(len(names)) if j not in (0, j_sex, j_year)]
        if len(value_cols) != 1:
            en, sv = _TEXTS.both("value_columns_with_year", found=len(value_cols))
            raise ParseError(path, header_line, en, sv=sv)
    elif not year_cols:
        en, sv = _TEXTS.both("no_year_columns")
        raise ParseError(path, header_line, en, sv=sv)
    dotted = sep != ";"
    width = len(header)
    records = []
    for line, cells in body:
        if len(cells) != width:
            en, sv = _TEXTS.both("field_count", width=width, found=len(cells))
            raise ParseError(path, line, en, sv=sv)
        region = (cells[0] or "").strip()
        if not region:
            en, sv = _TEXTS.both("empty_region")
            raise ParseError(path, line, en, sv=sv)
        sex = "T"
        if j_sex is not None:
            s = fold_header(cells[j_sex])
            if s not in _SEX:
                en, sv = _TEXTS.both("unknown_sex", sex=cells[j_sex])
                raise ParseError(path, line, en, sv=sv)
            sex = _SEX[s]
        if j_year is not None:
            y = parse_year(cells[j_year], path, line, str(header[j_year]).strip() or "år")
            items = [(y, cells[value_cols[0]])]
        else:
            items = [(yr, cells[j]) for j, yr in year_cols.items()]
        for yr, raw in items:
            en, sv = _TEXTS.both("what_value_for_year", year=yr)
            v = parse_number(raw, path, line, en, integer=True, dotted=dotted, what_sv=sv)
            records.append((line, region, sex, yr, v))
    return records


def read_scb_csv(
    path: str | Path,
    *,
    registry: AreaRegistry | None = None,
    source_kind: str = "scb",
) -> pl.DataFrame:
    """Read an SCB population CSV download (or a district population CSV).

    Parameters
    ----------
    path
        The CSV file: UTF-8 or ISO-8859-1/Windows-1252 (detected), ``,``/``;``/tab
        separated (detected from the header), optional title lines before the header.
    registry
        The area registry.
    source_kind
        Prefix of the ``source`` column (``"scb"``; ``"stockholm"`` for Stockholms stad's
        district tables).

    Returns
    -------
    polars.DataFrame
        Canonical population rows (indicator ``BE0101N1``).

    Raises
    ------
    ParseError
        Naming the file and line: mixed encodings, wrong field counts, non-integer or
        negative populations, unknown or inconsistent region codes, duplicates.
    UnmatchedNamesError
        For region names that match nothing.

    Examples
    --------
    >>> from research.core.paths import PROJECT_ROOT
    >>> df = read_scb_csv(PROJECT_ROOT / "tests/data/scb_folkmangd_latin1.csv")
    >>> df.filter((pl.col("area_code") == "0126") & (pl.col("sex") == "K"))["year"].to_list()
    [2021, 2022]
    """
    path = Path(path)
    registry = registry or load_areas()
    text, _enc = decode_text(path, path.read_bytes(), allow_latin1=True)
    lines = text.splitlines()
    header_line = None
    for i, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        first = fold_header(re.split(r"[;,\t]", raw)[0].strip('"'))
        if any(first.startswith(h) for h in _REGION_HEADERS):
            header_line = i
            break
        if i > 5:
            break
    if header_line is None:
        en, sv = _TEXTS.both("no_header_line")
        raise ParseError(path, 1, en, sv=sv)
    sep = _sniff(path, header_line, lines[header_line - 1])
    header = split_csv_line(path, header_line, lines[header_line - 1], sep)
    body = [(i, cells) for i, _, cells in csv_body(path, lines, header_line, sep)]
    records = _table_to_records(path, header_line, header, body, sep)
    return _rows(records, path, registry, source_label(source_kind, path))


def read_population_excel(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    registry: AreaRegistry | None = None,
    source_kind: str = "stockholm",
) -> pl.DataFrame:
    """Read a population table from an .xlsx sheet (same layouts as :func:`read_scb_csv`).

    Meant for Stockholms stad's population per stadsdelsområde and SCB Excel downloads.
    Title rows before the header are skipped; row numbers in errors are the sheet's.

    Raises
    ------
    ParseError
        As :func:`read_scb_csv`, with the sheet row.

    Examples
    --------
    >>> from research.core.paths import PROJECT_ROOT
    >>> df = read_population_excel(PROJECT_ROOT / "tests/data/stockholm_stadsdelar.xlsx")
    >>> df.filter(pl.col("area_code") == "0180-SOD")["value"].to_list()
    [131000.0, 130500.0, 130200.0]
    """
    path = Path(path)
    registry = registry or load_areas()
    rows = read_sheet_rows(path, sheet)
    k_head = next(
        (
            k
            for k, (_, cells) in enumerate(rows)
            if cells and any(fold_header(cells[0]).startswith(h) for h in _REGION_HEADERS)
        ),
        None,
    )
    if k_head is None:
        en, sv = _TEXTS.both("no_header_row")
        raise ParseError(path, rows[0][0] if rows else 1, en, sv=sv)
    hline, header = rows[k_head]
    while header and header[-1] is None:
        header = header[:-1]
    body = []
    for line, cells in rows[k_head + 1 :]:
        if not any(c is not None and str(c).strip() for c in cells):
            continue
        cells = list(cells[: len(header)]) + [None] * max(0, len(header) - len(cells))
        body.append((line, ["" if c is None else c for c in cells]))
    records = _table_to_records(path, hline, [h or "" for h in header], body, None)
    return _rows(records, path, registry, source_label(source_kind, path))
