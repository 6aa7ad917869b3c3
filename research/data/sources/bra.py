"""Readers for Brå's reported-crime files: the yearly CSV and statistics-database Excel.

Brå (Brottsförebyggande rådet) has no public API. Two formats are read:

**"Anmälda brott i kommunerna" CSV** (:func:`read_bra_csv`): UTF-8 with BOM, ``;``
separated, CRLF, header ``Kommun;Antal;Per 100 000 inv.``, one row per area with its *name*
only ("Ale kommun", "Arjeplogs kommun", "Stockholms stad", "Stockholm: Södermalm"), space /
no-break space as thousands separator, decimal comma, ``..`` missing, ``-`` zero.
The file itself does not say which year and crime category it holds, so both are
**parameters**. If the file starts with title lines before the header (as exports saved with
a heading do), the year and category are read from them too; when a parameter is also given
the two must agree, otherwise the import stops. The first column may be named Kommun,
Region, Område, Län, Stadsdel or Stadsdelsområde.

**Statistics-database Excel export** (:func:`read_bra_excel`): one sheet, optional title
rows, then a header row whose first column is the area (Region/Kommun/...), optional ``År``
and ``Brott`` columns, and ``Antal`` and/or ``Per 100 000 inv.`` columns. Rows may be riket,
län, kommuner and the districts of Stockholm, Göteborg and Malmö.

Output: the canonical schema (:data:`research.data.sources.common.CANONICAL_SCHEMA`) with
``value`` = reported crimes per 100 000 inhabitants, ``count`` = Brå's official "Antal",
``indicator`` one of the ids in :data:`BRA_CATEGORIES`, ``sex`` = ``"T"`` (the categories
that concern women say so in their label), ``source`` = ``"bra-import:<file name>"``.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from research.core.errors import DataError, ParseError
from research.core.fmt import format_list
from research.core.i18n import load_catalogue
from research.data.bra_categories import BRA_CATEGORIES, BRA_UNIT, BraCategory
from research.geo.districts import get_district
from research.geo.registry import AreaRegistry

from .common import (
    FOOTER,
    YEARS,
    NameMatcher,
    build_reader_frame,
    csv_body,
    decode_text,
    fold_header,
    parse_number,
    parse_year,
    read_sheet_rows,
    source_label,
    split_csv_line,
)

__all__ = [
    "BRA_CATEGORIES",
    "BRA_UNIT",
    "FIRST_YEAR",
    "BraCategory",
    "match_category",
    "read_bra_csv",
    "read_bra_excel",
]

#: The rate column and the header line of Brå's per-kommun export, as the files write them
#: (quoted in messages verbatim: data, not wording).
_RATE_COLUMN = "Per 100 000 inv."
_HEADER = f"Kommun;Antal;{_RATE_COLUMN}"

_AREA_HEADERS = {
    "kommun",
    "region",
    "område",
    "omrade",
    "län",
    "stadsdel",
    "stadsdelsområde",
    "stadsdelar",
    "kommuner",
    "geografi",
}
_RATE = re.compile(r"^per 100 ?000( inv\.?| invånare)?$")
#: A year in a title line: any four-digit number from 1000 to 2999, so that an implausible
#: one ("1850") is named and refused instead of passed over.
_YEAR = re.compile(r"\b([12]\d{3})\b")
#: The first year of Brå's statistics database of reported crimes (the hand exports this
#: module reads, docs/bra_export.md): no file can hold figures for an earlier year.
FIRST_YEAR = 1975
#: The wording of this module's errors, in Swedish and English.
_TEXTS = load_catalogue(Path(__file__).with_name("bra.toml"))


def match_category(text: str) -> BraCategory | None:
    """Return the category named in ``text`` (a title line or a "Brott" cell), or ``None``.

    Matching uses the longest alias found in the text, so "Misshandel ... partner" is not
    taken for plain "Misshandel ...". An id such as ``"BRA_OLAGA_HOT"`` also matches.

    Examples
    --------
    >>> match_category("Anmälda brott 2022: Grov kvinnofridskränkning").id
    'BRA_GROV_KVINNOFRID'
    >>> match_category("Misshandel mot kvinna 18 år eller äldre, partner").id
    'BRA_MISSHANDEL_KVINNA_PARTNER'
    """
    t = fold_header(text)
    if t.upper() in BRA_CATEGORIES:
        return BRA_CATEGORIES[t.upper()]
    best: tuple[int, BraCategory] | None = None
    for cat in BRA_CATEGORIES.values():
        for alias in cat.aliases:
            if alias in t and (best is None or len(alias) > best[0]):
                best = (len(alias), cat)
    return best[1] if best else None


#: What a title line says about its file's crime category: the words after a colon that
#: follows "brott" ("Anmälda brott i kommunerna 2022: Snatteri"), else after the year that
#: follows it ("Anmälda brott 2022 Snatteri").
_TITLE_TAIL = re.compile(r"brott[^:]*:\s*(.+)$|brott.*?\b[12]\d{3}\b\s*(.+)$", re.I)


def _named_category(text: str) -> str | None:
    """The crime category a title line names, as it writes it, whether known or not.

    ``None`` when the line names none (no words after "brott ...:" or after the year).

    Examples
    --------
    >>> _named_category("Anmälda brott i kommunerna 2022: Snatteri")
    'Snatteri'
    >>> _named_category("Anmälda brott 2022"), _named_category("Region: Stockholms län")
    (None, None)
    """
    m = _TITLE_TAIL.search(text.strip().strip(";").strip('"'))
    if not m:
        return None
    tail = _YEAR.sub("", m.group(1) or m.group(2)).strip(" ,;.:-–—\"'")
    return tail if re.search(r"[^\W\d_]", tail) else None


def _known_categories(lang: str) -> str:
    """The categories pilotbench knows, as messages list them: ``label (ID)``, by id."""
    return ", ".join(
        f"{getattr(c, f'label_{lang}')} ({c.id})"
        for c in sorted(BRA_CATEGORIES.values(), key=lambda c: c.id)
    )


def _check_indicator(path: Path, indicator: str | None) -> str | None:
    if indicator is None:
        return None
    ind = indicator.strip().upper()
    if ind not in BRA_CATEGORIES:
        en, sv = _TEXTS.both(
            "not_a_category", path=path, indicator=indicator, categories=_CATEGORY_IDS
        )
        raise DataError(en, sv=sv)
    return ind


def _check_year(path: Path, year: int | None) -> None:
    """Refuse a ``year`` parameter that no official statistics, or no Brå file, can be for."""
    if year is not None and not YEARS[0] <= year <= YEARS[1]:
        en, sv = _TEXTS.both("year_outside", path=path, year=year, first=YEARS[0], last=YEARS[1])
        raise DataError(en, sv=sv)
    if year is not None and year < FIRST_YEAR:
        en, sv = _TEXTS.both("year_before_series", path=path, year=year, first=FIRST_YEAR)
        raise DataError(en, sv=sv)


#: The category ids, as messages list them.
_CATEGORY_IDS = ", ".join(sorted(BRA_CATEGORIES))


def _from_title(
    path: Path,
    titles: list[tuple[int, str]],
    year: int | None,
    indicator: str | None,
    need: tuple[str, ...] = ("year", "indicator"),
) -> tuple[int, str]:
    t_year: tuple[int, int] | None = None
    t_cat: tuple[int, BraCategory] | None = None
    t_named: tuple[int, str] | None = None  # a category named that pilotbench does not know
    for line, text in titles:
        m = _YEAR.search(text) if "year" in need else None
        if m and t_year is None:
            t_year = (line, int(m.group(1)))
            if t_year[1] < FIRST_YEAR:  # "1850": named, not passed over as no year at all
                en, sv = _TEXTS.both("title_year_before_series", year=t_year[1], first=FIRST_YEAR)
                raise ParseError(path, line, en, sv=sv)
        c = match_category(text) if "indicator" in need else None
        if c and t_cat is None:
            t_cat = (line, c)
        named = _named_category(text) if "indicator" in need and c is None else None
        if named and t_named is None:
            t_named = (line, named)
    if year is not None and t_year is not None and t_year[1] != year:
        en, sv = _TEXTS.both("title_year_differs", title_year=t_year[1], year=year)
        raise ParseError(path, t_year[0], en, sv=sv)
    if indicator is not None and t_cat is not None and t_cat[1].id != indicator:
        en, sv = _TEXTS.both(
            "title_category_differs",
            label=t_cat[1].label_sv,
            category=t_cat[1].id,
            indicator=indicator,
        )
        raise ParseError(path, t_cat[0], en, sv=sv)
    year = year if year is not None else (t_year[1] if t_year else None)
    indicator = indicator if indicator is not None else (t_cat[1].id if t_cat else None)
    if indicator is None and t_named is not None and "indicator" in need:
        # The title names a category, one pilotbench has no indicator for: not "the file
        # does not say", but what it says and what pilotbench knows.
        en, sv = (
            _TEXTS("title_category_unknown", lang, named=t_named[1], known=_known_categories(lang))
            for lang in ("en", "sv")
        )
        raise ParseError(path, t_named[0], en, sv=sv)
    missing = [n for n, v in (("year", year), ("indicator", indicator)) if v is None and n in need]
    if missing:
        key = "file_lacks_both" if len(missing) == 2 else f"file_lacks_{missing[0]}"
        en, sv = _TEXTS.both(key, categories=_CATEGORY_IDS)
        raise ParseError(path, None, en, sv=sv)
    return year, indicator


def _to_frame(
    path: Path,
    records: list[tuple[int, str, int, str, float | None, float | None]],
    registry: AreaRegistry | None,
) -> pl.DataFrame:
    """records: (line, name, year, indicator, count, rate) -> canonical frame."""
    matcher = NameMatcher(registry)
    areas = matcher.match_all(path, [(r[0], r[1]) for r in records])
    seen: dict[tuple[str, int, str], int] = {}
    rows = []
    src = source_label("bra", path)
    for line, name, year, indicator, count, rate in records:
        area = areas[name]
        if year < FIRST_YEAR:  # an År cell of an Excel export
            en, sv = _TEXTS.both("row_year_before_series", year=year, first=FIRST_YEAR)
            raise ParseError(path, line, en, sv=sv)
        key = (area.code, year, indicator)
        if key in seen:
            en, sv = _TEXTS.both(
                "area_twice", name=name, code=area.code, year=year, first=seen[key]
            )
            raise ParseError(path, line, en, sv=sv)
        seen[key] = line
        if area.level == "district":
            d = get_district(area.code)
            if not d.exists_in(year):
                en, sv = _TEXTS.both(
                    "district_not_in_year",
                    name=d.name,
                    code=d.code,
                    year=year,
                    valid_from=d.valid_from or "...",
                    valid_to=d.valid_to or "...",
                )
                raise ParseError(path, line, en, sv=sv)
        cat = BRA_CATEGORIES[indicator]
        if cat.since is not None and year < cat.since.year:
            en, sv = _TEXTS.both(
                "category_not_yet_counted",
                label=cat.label_sv,
                since=cat.since.isoformat(),
                year=year,
            )
            raise ParseError(path, line, en, sv=sv)
        rows.append(
            {
                "area_code": area.code, "area_name": area.name, "level": area.level,
                "parent_code": area.parent_code, "year": year, "indicator": indicator,
                "sex": "T", "value": rate, "unit": BRA_UNIT, "source": src,
                "count": None if count is None else int(count), "line": line,
            }
        )  # fmt: skip
    en, sv = _TEXTS.both("no_data_rows")
    return build_reader_frame(rows, path, en, if_empty_sv=sv)


def read_bra_csv(
    path: str | Path,
    *,
    year: int | None = None,
    indicator: str | None = None,
    registry: AreaRegistry | None = None,
) -> pl.DataFrame:
    """Read a Brå "Anmälda brott i kommunerna" CSV into the canonical schema.

    Parameters
    ----------
    path
        The CSV file (UTF-8 with or without BOM, ``;``, CRLF or LF).
    year
        The year of the statistics; may be omitted when a title line gives it.
    indicator
        A :data:`BRA_CATEGORIES` id (e.g. ``"BRA_GROV_KVINNOFRID"``); may be omitted when a
        title line names the category.
    registry
        The area registry for name matching (default: :func:`research.geo.registry.load_areas`).

    Returns
    -------
    polars.DataFrame
        Canonical rows: ``value`` per 100 000 inhabitants, ``count`` the official "Antal".

    Raises
    ------
    ParseError
        Naming the file and 1-based line for a wrong encoding or separator, a row with the
        wrong number of fields, a non-numeric or negative value, a duplicated area, or a
        district outside its years.
    UnmatchedNamesError
        Listing every area name that matches nothing, with suggestions.

    Examples
    --------
    >>> from research.core.paths import PROJECT_ROOT
    >>> df = read_bra_csv(PROJECT_ROOT / "tests/data/bra_kommuner_2022.csv")
    >>> df.filter(pl.col("area_code") == "0126").select("count", "value").row(0)
    (64, 55.9)
    """
    path = Path(path)
    indicator = _check_indicator(path, indicator)
    _check_year(path, year)
    text, _enc = decode_text(path, path.read_bytes(), allow_latin1=False)
    lines = text.splitlines()
    titles: list[tuple[int, str]] = []
    header_line = None
    sep = ";"
    for i, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        first = fold_header(raw.split(";")[0])
        if first in _AREA_HEADERS:
            header_line = i
            break
        if "\t" in raw and fold_header(raw.split("\t")[0]) in _AREA_HEADERS:
            # Excel's "Unicode text" export: UTF-16 and tab-separated (decimal commas
            # cannot be confused with tabs, so this is read as it is).
            header_line, sep = i, "\t"
            break
        probe = fold_header(re.split(r"[,\t]", raw)[0])
        if probe in _AREA_HEADERS:
            en, sv = (
                _TEXTS(
                    "header_wrong_separator",
                    lang,
                    sep="," if "," in raw else _TEXTS("tab", lang),
                    header=_HEADER,
                )
                for lang in ("en", "sv")
            )
            raise ParseError(path, i, en, sv=sv)
        if len(titles) >= 3:
            break
        titles.append((i, raw.strip().strip(";").strip('"')))
    if header_line is None:
        en, sv = _TEXTS.both("no_header_line", header=_HEADER)
        raise ParseError(path, titles[0][0] if titles else 1, en, sv=sv)
    header = split_csv_line(path, header_line, lines[header_line - 1], sep)
    names = [fold_header(h) for h in header]
    if len(names) != 3 or names[1] != "antal" or not _RATE.match(names[2]):
        en, sv = _TEXTS.both("unexpected_header", header=_HEADER, found=";".join(header))
        raise ParseError(path, header_line, en, sv=sv)
    year, indicator = _from_title(path, titles, year, indicator)
    records = []
    for i, raw, fields in csv_body(path, lines, header_line, sep):
        if len(fields) != 3:
            hint = _field_count_hint(raw, fields, sep)
            en, sv = (
                _TEXTS(
                    "field_count",
                    lang,
                    sep=sep,
                    found=len(fields),
                    hint=_TEXTS(hint, lang) if hint else "",
                )
                for lang in ("en", "sv")
            )
            raise ParseError(path, i, en, sv=sv)
        name = fields[0].strip()
        if not name:
            en, sv = _TEXTS.both("empty_area_name")
            raise ParseError(path, i, en, sv=sv)
        count = parse_number(fields[1], path, i, "Antal", integer=True)
        rate = parse_number(fields[2], path, i, "Per 100 000 inv.")
        records.append((i, name, year, indicator, count, rate))
    return _to_frame(path, records, registry)


def _field_count_hint(raw: str, fields: list[str], sep: str) -> str | None:
    """The catalogue id of a likely cause when a line has too few fields, or None.

    An odd number of ``"`` (a quotation mark never closed joins the rest of the line into
    one field); a line without ``sep`` that splits into three or more fields at commas.
    """
    if len(fields) < 3 and raw.count('"') % 2 == 1:
        return "quote_hint"
    if len(fields) == 1 and sep not in raw and len(raw.split(",")) >= 3:
        return "comma_hint"
    return None


def read_bra_excel(  # noqa: C901 - one branch per documented file error
    path: str | Path,
    *,
    year: int | None = None,
    indicator: str | None = None,
    sheet: str | int | None = None,
    registry: AreaRegistry | None = None,
) -> pl.DataFrame:
    """Read an Excel export of Brå's statistics database into the canonical schema.

    The sheet holds optional title rows, then a header row whose first cell names the area
    column (Region, Kommun, Område, Stadsdel...), optional ``År`` and ``Brott`` columns and
    ``Antal`` and/or ``Per 100 000 inv.`` columns. Year and category come from those columns,
    else from the title rows, else from the parameters (which must agree with the file).
    Read with ``polars.read_excel`` (engine calamine, package ``fastexcel``).

    Parameters
    ----------
    path
        The .xlsx file.
    year, indicator
        As in :func:`read_bra_csv`.
    sheet
        Sheet name or 0-based index (default: the first sheet).
    registry
        The area registry for name matching.

    Returns
    -------
    polars.DataFrame
        Canonical rows, districts included (level ``"district"``, parent kommun).

    Raises
    ------
    ParseError
        Naming the file and the sheet row of the first problem.
    UnmatchedNamesError
        Listing every area name that matches nothing.

    Examples
    --------
    >>> from research.core.paths import PROJECT_ROOT
    >>> df = read_bra_excel(PROJECT_ROOT / "tests/data/bra_statistikdatabas.xlsx")
    >>> df.filter(pl.col("area_code") == "0180-SOD")["year"].to_list()
    [2020, 2021, 2022]
    """
    path = Path(path)
    indicator = _check_indicator(path, indicator)
    _check_year(path, year)
    rows = read_sheet_rows(path, sheet)
    titles: list[tuple[int, str]] = []
    header_at = None
    for k, (rownum, cells) in enumerate(rows):
        filled = [c for c in cells if c is not None and str(c).strip()]
        if not filled:
            continue
        if fold_header(cells[0]) in _AREA_HEADERS:
            header_at = k
            break
        titles.append((rownum, " ".join(str(c) for c in filled)))
    if header_at is None:
        en, sv = _TEXTS.both("no_header_row")
        raise ParseError(path, rows[0][0] if rows else 1, en, sv=sv)
    hrow, header = rows[header_at]
    cols = {fold_header(h): j for j, h in enumerate(header) if h is not None}
    j_year = cols.get("år", cols.get("year"))
    j_cat = next(
        (cols[c] for c in ("brott", "brottskategori", "brottstyp", "brottskod") if c in cols), None
    )
    j_count = cols.get("antal")
    j_rate = next((j for h, j in cols.items() if _RATE.match(h)), None)
    if j_count is None and j_rate is None:
        en, sv = _TEXTS.both(
            "no_value_column",
            rate_column=_RATE_COLUMN,
            found=", ".join(repr(h) for h in header if h),
        )
        raise ParseError(path, hrow, en, sv=sv)
    need = tuple(n for n, j in (("year", j_year), ("indicator", j_cat)) if j is None)
    t_year, t_ind = _from_title(path, titles, year, indicator, need)
    # Columns win over title rows (a title "2020-2022" must not pin one year).
    year = year if j_year is not None else t_year
    indicator = indicator if j_cat is not None else t_ind
    records = []
    other: dict[str, None] = {}  # the categories of the rows left out, in order
    footer = False
    width = len(header)

    def cell(cells: list, j: int | None) -> object:
        return cells[j] if j is not None and j < len(cells) else None

    for rownum, cells in rows[header_at + 1 :]:
        cells = list(cells) + [None] * (width - len(cells))
        filled = [c for c in cells if c is not None and str(c).strip()]
        if not filled:
            continue
        name = (cells[0] or "").strip()
        if filled == [cells[0]] and records and FOOTER.match(name):
            footer = True
            continue
        if footer:
            en, sv = _TEXTS.both("data_after_footnotes")
            raise ParseError(path, rownum, en, sv=sv)
        if not name:
            en, sv = _TEXTS.both("empty_area_name")
            raise ParseError(path, rownum, en, sv=sv)
        r_year = year
        if j_year is not None:
            r_year = parse_year(cell(cells, j_year), path, rownum, "År")
            if year is not None and r_year != year:
                en, sv = _TEXTS.both("year_differs", row_year=r_year, year=year)
                raise ParseError(path, rownum, en, sv=sv)
        r_ind = indicator
        if j_cat is not None:
            c = match_category(str(cell(cells, j_cat) or ""))
            if c is None:
                en, sv = (
                    _TEXTS(
                        "unknown_category",
                        lang,
                        category=cell(cells, j_cat),
                        categories=_known_categories(lang),
                    )
                    for lang in ("en", "sv")
                )
                raise ParseError(path, rownum, en, sv=sv)
            r_ind = c.id
            if indicator is not None and r_ind != indicator:
                other[r_ind] = None
                continue  # a multi-category sheet: keep the requested category only
        count = (
            parse_number(cell(cells, j_count), path, rownum, "Antal", integer=True, dotted=True)
            if j_count is not None
            else None
        )
        rate = (
            parse_number(cell(cells, j_rate), path, rownum, "Per 100 000 inv.", dotted=True)
            if j_rate is not None
            else None
        )
        records.append((rownum, name, r_year, r_ind, count, rate))
    if not records and other:
        want = BRA_CATEGORIES[indicator]
        found = [BRA_CATEGORIES[c] for c in other]
        en, sv = (
            _TEXTS(
                "category_not_in_file",
                lang,
                label=getattr(want, f"label_{lang}"),
                indicator=indicator,
                found=format_list([f"{getattr(c, f'label_{lang}')} ({c.id})" for c in found], lang),
            )
            for lang in ("en", "sv")
        )
        raise ParseError(path, None, en, sv=sv)
    return _to_frame(path, records, registry)
