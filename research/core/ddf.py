"""Reader for the DDF-CSV files of the Kolada snapshot (``data/raw/kolada``).

DDF-CSV is the format of the open-numbers dumps: UTF-8, comma separated, one header line,
``geo`` codes that must stay strings (``0126``), ``.`` as decimal point. The reader validates
every row and reports problems with the file name and the 1-based line number, so a damaged
file is never half-read.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ParseError
from .i18n import load_catalogue

if TYPE_CHECKING:  # polars is imported where a frame is built (not by the area registry)
    import polars as pl

__all__ = ["datapoint_files", "entity_columns", "read_datapoints", "read_entities"]

#: Error messages in Swedish and English (research/core/ddf.toml).
_TEXTS = load_catalogue(Path(__file__).with_name("ddf.toml"))

_GEO = re.compile(r"^\d{1,4}$")
_FILE = re.compile(
    r"^ddf--datapoints--(?P<kpi>[a-z0-9]+)--by--geo(?P<gender>--gender)?--year\.csv$"
)


def datapoint_files(folder: Path) -> list[tuple[Path, str, bool]]:
    """List datapoint files in ``folder`` as ``(path, KPI id upper-case, has_gender)``."""
    out = []
    for p in sorted(folder.glob("ddf--datapoints--*.csv")):
        m = _FILE.match(p.name)
        if not m:
            en, sv = _TEXTS.both("bad_file_name")
            raise ParseError(p, None, en, sv=sv)
        out.append((p, m["kpi"].upper(), bool(m["gender"])))
    return out


def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        en, sv = _TEXTS.both("not_utf8", reason=exc.reason)
        raise ParseError(path, line, en, sv=sv) from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(text.splitlines())
    try:
        header = next(reader)
    except StopIteration as exc:
        en, sv = _TEXTS.both("empty_file")
        raise ParseError(path, 1, en, sv=sv) from exc
    rows = []
    for row in reader:
        rows.append((reader.line_num, row))
    return header, rows


def read_entities(path: Path, key: str) -> pl.DataFrame:
    """Read an entity file (``ddf--entities--geo--kommun.csv`` etc.) as strings.

    Raises
    ------
    ParseError
        When the key column is missing, a row has the wrong number of fields or a code is
        not 1-4 digits.
    """
    import polars as pl

    data = entity_columns(path, key)
    return pl.DataFrame(data, schema={h: pl.Utf8 for h in data})


def entity_columns(path: Path, key: str) -> dict[str, list[str]]:
    """Read an entity file as ``{column: values}`` (strings), validated as :func:`read_entities`.

    Without polars: the area registry needs only the codes and names, and the processes
    that need nothing else (``pilotbench batch``'s, issue 17) should not load polars for them.

    Raises
    ------
    ParseError
        As :func:`read_entities`.
    """
    header, rows = _rows(path)
    if key not in header or "name" not in header:
        en, sv = _TEXTS.both("entity_header", key=key, header=header)
        raise ParseError(path, 1, en, sv=sv)
    width = len(header)
    data: dict[str, list[str]] = {h: [] for h in header}
    for line, row in rows:
        if not row:
            continue
        if len(row) != width:
            en, sv = _TEXTS.both("field_count", expected=width, found=len(row))
            raise ParseError(path, line, en, sv=sv)
        if key in ("kommun", "region", "rike") and not _GEO.match(row[header.index(key)]):
            en, sv = _TEXTS.both("code_not_digits", code=row[header.index(key)])
            raise ParseError(path, line, en, sv=sv)
        for h, v in zip(header, row, strict=True):
            data[h].append(v)
    return data


def read_datapoints(path: Path, kpi: str, has_gender: bool) -> pl.DataFrame:
    """Read one datapoint file into columns ``geo, sex, year, value``.

    ``sex`` is ``T`` (total) for files without a gender column, otherwise ``K``/``M`` (Kolada's
    API letters). Values must be finite numbers; missing values are absent rows in this format.

    Raises
    ------
    ParseError
        Naming the file and line of the first malformed row.
    """
    header, rows = _rows(path)
    expected = (
        ["geo", "gender", "year", kpi.lower()] if has_gender else ["geo", "year", kpi.lower()]
    )
    if header != expected:
        en, sv = _TEXTS.both(
            "datapoint_header", expected=",".join(expected), found=",".join(header)
        )
        raise ParseError(path, 1, en, sv=sv)
    import polars as pl

    geo, sex, year, value = [], [], [], []
    seen: dict[tuple[str, str, int], int] = {}
    for line, row in rows:
        if not row:
            continue
        if len(row) != len(expected):
            en, sv = _TEXTS.both("field_count", expected=len(expected), found=len(row))
            raise ParseError(path, line, en, sv=sv)
        g = row[0]
        if not _GEO.match(g):
            en, sv = _TEXTS.both("geo_not_digits", code=g)
            raise ParseError(path, line, en, sv=sv)
        if has_gender:
            s = row[1].upper()
            if s not in ("K", "M"):
                en, sv = _TEXTS.both("bad_gender", gender=row[1])
                raise ParseError(path, line, en, sv=sv)
        else:
            s = "T"
        y_txt, v_txt = row[-2], row[-1]
        try:
            y = int(y_txt)
        except ValueError as exc:
            en, sv = _TEXTS.both("year_not_integer", year=y_txt)
            raise ParseError(path, line, en, sv=sv) from exc
        if not 1900 <= y <= 2100:
            en, sv = _TEXTS.both("year_out_of_range", year=y)
            raise ParseError(path, line, en, sv=sv)
        try:
            v = float(v_txt)
        except ValueError as exc:
            en, sv = _TEXTS.both("value_not_number", value=v_txt)
            raise ParseError(path, line, en, sv=sv) from exc
        if not math.isfinite(v):
            en, sv = _TEXTS.both("value_not_finite", value=v_txt)
            raise ParseError(path, line, en, sv=sv)
        k = (g, s, y)
        if k in seen:
            en, sv = _TEXTS.both("duplicate_row", geo=g, year=y, first=seen[k])
            raise ParseError(path, line, en, sv=sv)
        seen[k] = line
        geo.append(g)
        sex.append(s)
        year.append(y)
        value.append(v)
    return pl.DataFrame(
        {"geo": geo, "sex": sex, "year": year, "value": value},
        schema={"geo": pl.Utf8, "sex": pl.Utf8, "year": pl.Int32, "value": pl.Float64},
    )
