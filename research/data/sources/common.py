"""Shared parsing for the official-file readers: schema, encodings, numbers, names.

Every reader in :mod:`research.data.sources` returns a polars DataFrame in the
:data:`CANONICAL_SCHEMA`: the panel columns of :data:`research.data.schema.PANEL_SCHEMA` plus
``count``, the **official** count a source publishes (Brå's "Antal"), which is never to be
confused with the panel's **estimated** ``count_est``.

Conventions of Swedish official tables handled here (SCB, Brå, Kolada):

* decimal comma, and a space, no-break space (U+00A0) or narrow no-break space (U+202F) as
  thousands separator: ``"1 234,5"``;
* ``..`` = not available or suppressed: a missing value, **never zero**;
* ``-`` or ``–`` = nothing, i.e. zero;
* ``0`` = less than half the unit (kept as 0);
* ``.`` = cannot occur: a missing value.

Files are decoded by :func:`decode_text`, which accepts UTF-8 (with or without BOM) and, where
allowed, a file that is Latin-1/Windows-1252 throughout, but refuses a file that mixes the two
or holds double-encoded text ("SÃ¶dermalm"), naming the first bad line.
"""

from __future__ import annotations

import csv
import json
import math
import re
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from research.core.errors import DataError, ParseError, UnknownAreaError
from research.core.fmt import format_int
from research.core.i18n import load_catalogue
from research.data.schema import PANEL_SCHEMA
from research.geo.area import Area
from research.geo.districts import resolve_district
from research.geo.registry import AreaRegistry, load_areas

__all__ = [
    "CANONICAL_SCHEMA",
    "FOOTER",
    "LEVELS",
    "YEARS",
    "NameMatcher",
    "UnmatchedNamesError",
    "build_frame",
    "build_reader_frame",
    "csv_body",
    "decode_text",
    "empty_canonical",
    "empty_file_error",
    "fold_header",
    "json_error_reason",
    "load_json",
    "parse_number",
    "parse_year",
    "read_sheet_rows",
    "record_lines",
    "source_label",
    "split_csv_line",
    "validate_canonical",
]

#: Column names and types of every reader's output: the panel's columns
#: (:data:`research.data.schema.PANEL_SCHEMA`), with the official ``count`` last.
CANONICAL_SCHEMA: dict[str, pl.DataType] = {
    **{k: v for k, v in PANEL_SCHEMA.items() if k != "count"},
    "count": pl.Int64,
}

LEVELS = ("riket", "lan", "kommun", "district")
_SEXES = ("T", "K", "M")
_KEY = ["area_code", "year", "indicator", "sex"]

#: The first cell of a footnote line below a table ("Källa: SCB", "Anm. ...", "*").
FOOTER = re.compile(r"^(källa|kalla|anm|not|fotnot|kommentar|uppgifterna|\*)", re.I)

_TEXTS = load_catalogue(Path(__file__).with_name("common.toml"))

_MISSING = {"..", ".", "…"}
_ZERO = {"-", "–", "—"}
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007]+")
_SWEDISH = re.compile(r"^[+-]?(\d{1,3}( \d{3})+|\d+)(,\d+)?$")
_DOTTED = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")
#: Numbers as the official Swedish files write them, quoted in messages (data, not wording).
_NOTATION_EXAMPLES = {"thousands": "1 234", "decimal": "12,5"}
# Characters that Windows-1252/Latin-1 produces from the continuation bytes 0x80-0xBF: after
# an "Ã" or "Â" they betray UTF-8 text that was decoded as Latin-1 and saved again.
_CONT = "".join(
    sorted(
        {bytes([b]).decode("cp1252", errors="ignore") for b in range(0x80, 0xC0)}
        | {chr(b) for b in range(0x80, 0xC0)}
    )
)
_MOJIBAKE = re.compile("[ÃÂ][" + re.escape(_CONT) + "]")
_UTF8_MULTI = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


class UnmatchedNamesError(ParseError):
    """Area names in a file that match no area; ``unmatched`` lists them all.

    Each item of ``unmatched`` is ``(line, name, suggestions)`` with suggestions as
    ``(code, name)`` pairs. ``line`` (the attribute of :class:`ParseError`) is the first one.
    """

    def __init__(self, path: object, unmatched: list[tuple[int, str, list[tuple[str, str]]]]):
        self.unmatched = unmatched
        if len(unmatched) == 1:
            _line, name, sugg = unmatched[0]
            hint = ", ".join(f"{n} ({c})" for c, n in sugg)
            key = "unmatched_one" if hint else "unmatched_one_no_hint"
            en, sv = _TEXTS.both(key, name=name, hint=hint)
        else:
            lines: dict[str, list[str]] = {"en": [], "sv": []}
            for line, name, sugg in unmatched:
                hint = ", ".join(f"{n} ({c})" for c, n in sugg)
                key = "unmatched_line_hint" if hint else "unmatched_line"
                for lang in lines:
                    lines[lang].append(_TEXTS(key, lang, line=line, name=name, hint=hint))
            en, sv = (
                _TEXTS("unmatched_many", lang, n=len(unmatched), lines="\n".join(lines[lang]))
                for lang in ("en", "sv")
            )
        super().__init__(path, unmatched[0][0], en, sv=sv)


def decode_text(path: object, data: bytes, *, allow_latin1: bool = True) -> tuple[str, str]:
    r"""Decode a file's bytes, detecting UTF-8 (with or without BOM) or Latin-1.

    Parameters
    ----------
    path
        The file name, used in error messages.
    data
        The raw bytes.
    allow_latin1
        Accept a file that is Windows-1252/ISO-8859-1 throughout (SCB's CSV downloads may be).

    Returns
    -------
    (str, str)
        The text without a BOM, and the encoding used (``"utf-8"`` or ``"cp1252"``/
        ``"latin-1"``).

    Raises
    ------
    ParseError
        If the bytes mix UTF-8 and Latin-1, hold double-encoded text ("SÃ¶dermalm"), or are
        Latin-1 when that is not allowed; the message names the first bad line.

    Examples
    --------
    >>> decode_text("f.csv", "Södermalm".encode("latin-1"))
    ('Södermalm', 'cp1252')
    >>> decode_text("f.csv", b"\xef\xbb\xbfAle")
    ('Ale', 'utf-8')
    """
    for bom, codec in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                       (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):  # fmt: skip
        if data.startswith(bom):  # spreadsheet programs' "Unicode text" exports
            try:
                text = data.decode(codec).lstrip("\ufeff")
            except UnicodeDecodeError as exc:
                en, sv = _TEXTS.both("bad_bom", codec=codec.upper(), reason=exc.reason)
                raise ParseError(path, None, en, sv=sv) from exc
            if not text.strip():
                raise empty_file_error(path)
            return _check_mojibake(path, text), codec
    if not data.removeprefix(b"\xef\xbb\xbf").strip():  # nothing, or a BOM and blank space
        raise empty_file_error(path)
    head = data[:65536]
    if b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > len(head) // 100 + 2:
        kind_en, kind_sv = _binary_kind(data)
        raise ParseError(
            path,
            None,
            _TEXTS("binary", "en", kind=kind_en),
            sv=_TEXTS("binary", "sv", kind=kind_sv),
        )
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        if _UTF8_MULTI.search(data):
            en, sv = _TEXTS.both("mixed_encodings", byte=data[exc.start])
            raise ParseError(path, line, en, sv=sv) from exc
        if not allow_latin1:
            en, sv = _TEXTS.both("not_utf8", byte=data[exc.start])
            raise ParseError(path, line, en, sv=sv) from exc
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "latin-1"
    if text.startswith("\ufeff"):
        text = text[1:]
    return _check_mojibake(path, text), encoding


def empty_file_error(path: object) -> ParseError:
    """The error for a file that holds nothing (0 bytes, or only a BOM and blank space).

    Examples
    --------
    >>> str(empty_file_error("f.json")).startswith("f.json: the file is empty")
    True
    """
    en, sv = _TEXTS.both("file_empty")
    return ParseError(path, None, en, sv=sv)


def _check_mojibake(path: object, text: str) -> str:
    m = _MOJIBAKE.search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        en, sv = _TEXTS.both("double_encoded", text=text[max(0, m.start() - 3) : m.end() + 3])
        raise ParseError(path, line, en, sv=sv)
    return text


def _binary_kind(data: bytes) -> tuple[str, str]:
    """What kind of binary file ``data`` seems to be, as an aside in English and Swedish."""
    magic = {
        b"PK\x03\x04": "binary_zip",
        b"\xd0\xcf\x11\xe0": "binary_xls",
        b"%PDF": "binary_pdf",
        b"\x89PNG": "binary_png",
        b"\x1f\x8b": "binary_gzip",
        b"PAR1": "binary_parquet",
    }
    for m, key in magic.items():
        if data.startswith(m):
            return _TEXTS.both(key)
    return "", ""


def load_json(
    text: str, path: object, what: str = "a JSON document", *, what_sv: str | None = None
) -> object:
    """Parse JSON text; invalid or absurdly nested JSON is a :class:`ParseError`.

    Parameters
    ----------
    text : str
        The JSON text.
    path : object
        A name for error messages (the file or URL).
    what : str
        What the document should be, for the message about nesting.
    what_sv : str, optional
        The same in Swedish ("ett datasvar från Kolada"); without it the Swedish message
        leaves out what the document should be (unless ``what`` is the default).

    Returns
    -------
    object
        The parsed document.

    Raises
    ------
    ParseError
        Invalid JSON (naming its line) or JSON nested too deeply.

    Examples
    --------
    >>> load_json('{"a": [1]}', "f.json")
    {'a': [1]}
    """
    try:
        return json.loads(text)
    except RecursionError:
        if what_sv is None and what == _TEXTS("json_document", "en"):
            what_sv = _TEXTS("json_document", "sv")
        sv = (
            _TEXTS("json_too_deep", "sv", what=what_sv)
            if what_sv is not None
            else _TEXTS("json_too_deep_plain", "sv")
        )
        raise ParseError(path, None, _TEXTS("json_too_deep", "en", what=what), sv=sv) from None
    except json.JSONDecodeError as exc:
        key = "json_invalid_end" if _json_reason_key(exc) == "json_cut_off" else "json_invalid"
        en, sv = (
            _TEXTS(key, lang, reason=reason, column=exc.colno)
            for lang, reason in zip(("en", "sv"), json_error_reason(exc), strict=True)
        )
        raise ParseError(path, exc.lineno, en, sv=sv) from exc


#: Python's reasons for invalid JSON (:attr:`json.JSONDecodeError.msg`, without the position
#: that ``str(exc)`` adds) and the catalogue id that words each.
_JSON_REASONS = {
    "Expecting value": "json_expecting_value",
    "Expecting ',' delimiter": "json_expecting_comma",
    "Expecting ':' delimiter": "json_expecting_colon",
    "Extra data": "json_extra_data",
    "Expecting property name enclosed in double quotes": "json_expecting_name",
    "Unterminated string starting at": "json_unterminated_string",
    "Invalid control character at": "json_control_character",
    "Invalid \\escape": "json_invalid_escape",
    "Invalid \\uXXXX escape": "json_invalid_escape",
    "Illegal trailing comma before end of object": "json_trailing_comma",
    "Illegal trailing comma before end of array": "json_trailing_comma",
}


def json_error_reason(exc: json.JSONDecodeError) -> tuple[str, str]:
    """Why a JSON text is invalid, worded in English and Swedish (without the position).

    Python's reason (``exc.msg``, always English) is worded from the catalogue; a text that
    ends where more was expected is said to be cut off; an unknown reason is kept as it is.

    Examples
    --------
    >>> try:
    ...     json.loads('{"a": 1')
    ... except json.JSONDecodeError as exc:
    ...     json_error_reason(exc)[1]
    'filen tar slut mitt i JSON-strukturen (är den avklippt?)'
    >>> try:
    ...     json.loads('{"a": 1} x')
    ... except json.JSONDecodeError as exc:
    ...     json_error_reason(exc)
    ('more data after the end of the JSON document', 'mer data efter JSON-dokumentets slut')
    """
    key = _json_reason_key(exc)
    if key is None:
        return exc.msg, exc.msg
    return _TEXTS.both(key)


def _json_reason_key(exc: json.JSONDecodeError) -> str | None:
    """The catalogue id that words ``exc``'s reason, or None for a reason not worded."""
    key = _JSON_REASONS.get(exc.msg)
    if key != "json_extra_data" and exc.doc is not None and exc.pos >= len(exc.doc.rstrip()):
        return "json_cut_off"
    return key


def split_csv_line(path: object, line: int, raw: str, delimiter: str) -> list[str]:
    """Split one CSV line; a malformed line (or a field over 128 KiB) is a :class:`ParseError`.

    Examples
    --------
    >>> split_csv_line("f.csv", 2, 'Ale kommun;"1 234";5', ";")
    ['Ale kommun', '1 234', '5']
    """
    try:
        return next(csv.reader([raw], delimiter=delimiter))
    except StopIteration:
        return []
    except csv.Error as exc:
        if "field limit" in str(exc):
            en, sv = (
                _TEXTS(
                    "field_too_long",
                    lang,
                    limit=format_int(csv.field_size_limit(), lang),
                    size=format_int(len(raw), lang),
                )
                for lang in ("en", "sv")
            )
        else:
            en, sv = _TEXTS.both("line_not_split", reason=exc)
        raise ParseError(path, line, en, sv=sv) from exc


def csv_body(
    path: object, lines: Sequence[str], header_line: int, sep: str
) -> Iterator[tuple[int, str, list[str]]]:
    """The data lines of a CSV table below its header line, as (line number, text, fields).

    Blank lines are skipped; a one-field line matching :data:`FOOTER` after the first data
    line starts the footnotes, which end the table.

    Raises
    ------
    ParseError
        A line with data after the footnotes, or a malformed line (:func:`split_csv_line`).

    Examples
    --------
    >>> lines = ["Kommun;Antal", "Ale;3", "", "Källa: Brå", "Anm. preliminärt"]
    >>> [fields for _, _, fields in csv_body("f.csv", lines, 1, ";")]
    [['Ale', '3']]
    """
    footer = started = False
    for i in range(header_line + 1, len(lines) + 1):
        raw = lines[i - 1]
        if not raw.strip():
            continue
        fields = split_csv_line(path, i, raw, sep)
        if started and len(fields) == 1 and FOOTER.match(fields[0].strip()):
            footer = True
            continue
        if footer:
            if len(fields) > 1:
                en, sv = _TEXTS.both("data_after_footnotes")
                raise ParseError(path, i, en, sv=sv)
            continue
        started = True
        yield i, raw, fields


def parse_number(
    text: object,
    path: object,
    line: int,
    what: str,
    *,
    integer: bool = False,
    negative: bool = False,
    dotted: bool = False,
    what_sv: str | None = None,
) -> float | None:
    """Parse one cell of a Swedish official table.

    Parameters
    ----------
    text
        The cell (a string; numbers from Excel cells are accepted too).
    path, line
        Where the cell is, for error messages.
    what
        The column's name, for error messages ("Antal").
    integer
        Require a whole number (counts, populations).
    negative
        Allow negative numbers (counts and rates never are).
    dotted
        Also accept a plain ``1234.5`` (numbers from Excel cells or SCB CSV with ``,``
        separators); otherwise ``.`` in a number is an error.
    what_sv
        The column's name in Swedish messages, when ``what`` is not the file's own (Swedish)
        column name; default ``what``.

    Returns
    -------
    float or None
        ``None`` for ``..``/``.`` (missing), ``0.0`` for ``-``/``–``.

    Raises
    ------
    ParseError
        For an empty cell, a non-number, a negative number or a fraction where a whole number
        is required.

    Examples
    --------
    >>> parse_number("1 234,5", "f.csv", 3, "rate")
    1234.5
    >>> parse_number("..", "f.csv", 3, "rate") is None
    True
    >>> parse_number("–", "f.csv", 3, "Antal", integer=True)
    0.0
    """

    def error(key: str, **values: object) -> ParseError:
        en = _TEXTS(key, "en", what=what, **values)
        sv = _TEXTS(key, "sv", what=what if what_sv is None else what_sv, **values)
        return ParseError(path, line, en, sv=sv)

    if isinstance(text, bool):
        raise error("bool_not_number", text=text)
    if isinstance(text, int | float):
        value = float(text)
        shown = repr(text)
    else:
        raw = "" if text is None else str(text)
        s = _SPACES.sub(" ", raw).strip()
        shown = repr(raw)
        if s in _MISSING:
            return None
        if s in _ZERO:
            return 0.0
        if not s:
            raise error("number_empty")
        if _SWEDISH.match(s):
            value = float(s.replace(" ", "").replace(",", "."))
        elif dotted and _DOTTED.match(s.replace(" ", "")):
            value = float(s.replace(" ", ""))
        else:
            raise error("not_swedish_number", shown=shown, **_NOTATION_EXAMPLES)
    if not math.isfinite(value):
        raise error("not_finite", shown=shown)
    if value < 0 and not negative:
        raise error("number_negative", shown=shown)
    if integer and value != int(value):
        raise error("not_whole", shown=shown)
    return value


#: The years a row of official statistics can be for (what :func:`validate_canonical` allows).
YEARS = (1900, 2100)


def parse_year(
    text: object, path: object, line: int, what: str, *, what_sv: str | None = None
) -> int:
    """Parse a year cell ("2022", or 2022 from an Excel cell) of a table's year column.

    Parameters
    ----------
    text
        The cell.
    path, line
        Where the cell is, for error messages.
    what
        The column's name, for error messages ("År").
    what_sv
        The column's name in Swedish messages (default ``what``).

    Returns
    -------
    int
        The year.

    Raises
    ------
    ParseError
        For an empty cell (or ``..``), a cell that is not a whole number, or a year outside
        1900-2100; the message is about a year, not about numbers in general.

    Examples
    --------
    >>> parse_year("2022", "f.csv", 2, "År"), parse_year(2021.0, "f.xlsx", 3, "År")
    (2022, 2021)
    >>> parse_year("tjugo", "f.csv", 2, "År")
    Traceback (most recent call last):
    ...
    research.core.errors.ParseError: f.csv, line 2: År 'tjugo' is not a year (write e.g. 2022)
    """

    def error(key: str, **values: object) -> ParseError:
        en = _TEXTS(key, "en", what=what, **values)
        sv = _TEXTS(key, "sv", what=what if what_sv is None else what_sv, **values)
        return ParseError(path, line, en, sv=sv)

    raw = "" if text is None else str(text)
    s = _SPACES.sub("", raw)
    if not s or s in _MISSING or s in _ZERO:
        raise error("year_empty")
    try:
        value = float(s)
    except ValueError:
        value = math.nan
    if isinstance(text, bool) or not math.isfinite(value) or value != int(value):
        raise error("year_not_a_year", text=raw)
    if not YEARS[0] <= value <= YEARS[1]:
        raise error("year_out_of_range", year=int(value), first=YEARS[0], last=YEARS[1])
    return int(value)


@dataclass
class NameMatcher:
    """Match area names from official files to codes: kommuner, län, riket and districts.

    Understands what the area registry does ("Ale kommun", genitive "Arjeplogs kommun",
    "Stockholms stad", "Region Stockholm") plus the official name "Falu kommun" and the
    district forms "Stockholm: Södermalm", "Södermalms stadsdelsområde" and plain
    "Södermalm" (see :mod:`research.geo.districts`).

    Examples
    --------
    >>> m = NameMatcher()
    >>> m.match("Arjeplogs kommun").code, m.match("Stockholm: Södermalm").code
    ('2506', '0180-SOD')
    """

    registry: AreaRegistry | None = None
    _cache: dict[str, Area | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.registry is None:
            self.registry = load_areas()

    def match(self, name: str) -> Area:
        """Return the area for ``name``.

        Raises
        ------
        UnknownAreaError
            With up to three suggestions when nothing matches.
        """
        text = _SPACES.sub(" ", str(name)).strip()
        key = text.casefold()
        if key in _IRREGULAR:
            return self.registry.get(_IRREGULAR[key])
        district = resolve_district(text)
        if district is not None:
            return district
        try:
            return self.registry.resolve(text)
        except UnknownAreaError as exc:
            suggestions = list(exc.suggestions)
            raise UnknownAreaError(str(exc), suggestions, sv=exc.message("sv")) from None

    def match_all(self, path: object, names: Sequence[tuple[int, str]]) -> dict[str, Area]:
        """Match every ``(line, name)``; raise one error that lists all unmatched names.

        Raises
        ------
        UnmatchedNamesError
            Listing every name that matched nothing, with its line and suggestions.
        """
        out: dict[str, Area] = {}
        bad: list[tuple[int, str, list[tuple[str, str]]]] = []
        failed: set[str] = set()
        for line, name in names:
            if name in out or name in failed:  # a wide file names an area once per year
                continue
            try:
                out[name] = self.match(name)
            except UnknownAreaError as exc:
                failed.add(name)
                bad.append((line, name, exc.suggestions))
        if bad:
            raise UnmatchedNamesError(path, bad)
        return out


#: Official names whose genitive is not "name + s" ("Falu kommun" is Falun).
_IRREGULAR = {"falu kommun": "2080", "falu": "2080"}


def build_frame(
    rows: Iterable[dict],
    *,
    sort: bool = True,
    what: str = "reader output",
    what_sv: str | None = None,
) -> pl.DataFrame:
    """Build a canonical frame from row dicts (missing columns become null) and validate it.

    ``what`` (and ``what_sv``) name the rows in the messages of :func:`validate_canonical`.

    Examples
    --------
    >>> df = build_frame([{"area_code": "0126", "area_name": "Huddinge", "level": "kommun",
    ...                    "parent_code": "01", "year": 2022, "indicator": "X", "sex": "T",
    ...                    "value": 1.0, "unit": "", "source": "test"}])
    >>> df["count"].dtype
    Int64
    """
    cols: dict[str, list] = {c: [] for c in CANONICAL_SCHEMA}
    for r in rows:
        for c in CANONICAL_SCHEMA:
            cols[c].append(r.get(c))
    df = pl.DataFrame(cols, schema=CANONICAL_SCHEMA)
    if sort:
        df = df.sort(["indicator", "area_code", "sex", "year"])
    return validate_canonical(df, what, what_sv=what_sv)


def build_reader_frame(
    rows: Sequence[dict], path: object, if_empty: str, *, if_empty_sv: str | None = None
) -> pl.DataFrame:
    """A reader's canonical frame from its ``rows``: :func:`build_frame`, or an error if none.

    Parameters
    ----------
    rows
        The row dicts the reader parsed from ``path``.
    path
        The file (or a name for it), for the error message.
    if_empty
        What the error says is wrong when there are no rows (e.g. "the file holds no data
        rows").
    if_empty_sv
        The same in Swedish; default "filen innehåller inga datarader".

    Returns
    -------
    polars.DataFrame
        The validated canonical frame, sorted.

    Raises
    ------
    ParseError
        If ``rows`` is empty.

    Examples
    --------
    >>> build_reader_frame([], "x.csv", "the file holds no data rows")
    Traceback (most recent call last):
    ...
    research.core.errors.ParseError: x.csv: the file holds no data rows
    """
    if not rows:
        if if_empty_sv is None:
            if_empty_sv = _TEXTS("no_data_rows", "sv")
        raise ParseError(path, None, if_empty, sv=if_empty_sv)
    frame = build_frame(rows, what=str(path))
    lines = {
        (r["area_code"], int(r["year"]), r["indicator"], r["sex"]): int(r["line"])
        for r in rows
        if r.get("line") is not None
    }
    if lines:
        _LINES[id(frame)] = lines
        weakref.finalize(frame, _LINES.pop, id(frame), None)
    return frame


#: The file line of each row of a reader's frame, by ``id`` of the frame (see
#: :func:`record_lines`); an entry goes when its frame is garbage collected.
_LINES: dict[int, dict[tuple[str, int, str, str], int]] = {}


def record_lines(frame: pl.DataFrame) -> dict[tuple[str, int, str, str], int]:
    """The file line of each row of a frame a reader returned, by (area, year, indicator, sex).

    Readers put a ``line`` in each row dict they give :func:`build_reader_frame`; the
    canonical frame has no column for it, so it is kept beside the frame (the same object:
    a derived frame, sorted or filtered, has none). Empty when the reader gave no lines.

    Examples
    --------
    >>> row = dict(area_code="0126", area_name="Huddinge", level="kommun", parent_code="01",
    ...            year=2022, indicator="X", sex="T", value=1.0, unit="", source="t", line=7)
    >>> record_lines(build_reader_frame([row], "f.csv", "none"))
    {('0126', 2022, 'X', 'T'): 7}
    """
    return dict(_LINES.get(id(frame), {}))


def empty_canonical() -> pl.DataFrame:
    """Return an empty frame with the canonical schema."""
    return pl.DataFrame(schema=CANONICAL_SCHEMA)


def validate_canonical(
    df: pl.DataFrame, what: str = "reader output", *, what_sv: str | None = None
) -> pl.DataFrame:
    """Check a frame against :data:`CANONICAL_SCHEMA` and its invariants; return it.

    Checks the column names and types, that keys are non-null, levels and sexes are known,
    years plausible, values and counts non-negative, and ``(area_code, year, indicator, sex)``
    unique. ``what`` names the frame in messages (a file name, say); ``what_sv`` names it in
    Swedish messages (default ``what``, or "läsarens resultat" for the default ``what``).

    Raises
    ------
    DataError
        Naming the first violated rule.
    """
    if what_sv is None:
        what_sv = _TEXTS("reader_output", "sv") if what == _TEXTS("reader_output", "en") else what

    def both(key: str, **values: object) -> tuple[str, str]:
        return _TEXTS(key, "en", what=what, **values), _TEXTS(key, "sv", what=what_sv, **values)

    if list(df.columns) != list(CANONICAL_SCHEMA):
        en, sv = both("canonical_columns", columns=df.columns, expected=list(CANONICAL_SCHEMA))
        raise DataError(en, sv=sv)
    wrong = {c: str(df.schema[c]) for c, t in CANONICAL_SCHEMA.items() if df.schema[c] != t}
    if wrong:
        en, sv = both("canonical_types", wrong=wrong)
        raise DataError(en, sv=sv)
    if df.is_empty():
        return df
    for c in ("area_code", "area_name", "level", "year", "indicator", "sex", "source"):
        if df[c].null_count():
            en, sv = both("canonical_nulls", column=c)
            raise DataError(en, sv=sv)
    bad_level = set(df["level"].unique()) - set(LEVELS)
    if bad_level:
        en, sv = both("canonical_levels", levels=sorted(bad_level), expected=LEVELS)
        raise DataError(en, sv=sv)
    bad_sex = set(df["sex"].unique()) - set(_SEXES)
    if bad_sex:
        en, sv = both("canonical_sexes", sexes=sorted(bad_sex))
        raise DataError(en, sv=sv)
    if df["year"].min() < 1900 or df["year"].max() > 2100:
        r = df.filter(~pl.col("year").is_between(1900, 2100)).row(0, named=True)
        en, sv = both(
            "canonical_year", year=r["year"], area=r["area_code"], indicator=r["indicator"]
        )
        raise DataError(en, sv=sv)
    for c in ("value", "count", "population"):
        if (df[c].drop_nulls() < 0).any():
            en, sv = both("canonical_negative", column=c)
            raise DataError(en, sv=sv)
    dup = df.select(_KEY).is_duplicated()
    if dup.any():
        first = df.filter(dup).row(0, named=True)
        en, sv = both(
            "canonical_duplicate",
            area=first["area_code"],
            year=first["year"],
            indicator=first["indicator"],
            sex=first["sex"],
        )
        raise DataError(en, sv=sv)
    return df


def source_label(kind: str, path: object) -> str:
    """Return the ``source`` column value for an import: ``"bra-import:<file name>"``."""
    return f"{kind}-import:{Path(str(path)).name}"


def fold_header(text: object) -> str:
    """Normalise a header cell: casefold, collapse spaces (incl. NBSP), strip."""
    return _SPACES.sub(" ", "" if text is None else str(text)).strip().casefold()


def _sheet_first_row(path: Path, sheet_index: int) -> int:
    """Return the sheet row number of the first row calamine reads (it skips empty rows)."""
    import zipfile
    from xml.etree import ElementTree as ET

    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "p": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    try:
        with zipfile.ZipFile(path) as z:
            wb = ET.fromstring(z.read("xl/workbook.xml"))
            sheets = wb.findall("m:sheets/m:sheet", ns)
            rid = sheets[sheet_index].get(f"{{{ns['r']}}}id")
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            target = next(
                r.get("Target") for r in rels.findall("p:Relationship", ns) if r.get("Id") == rid
            )
            target = target.lstrip("/")
            name = target if target.startswith("xl/") else f"xl/{target}"
            with z.open(name) as fh:
                for _event, el in ET.iterparse(fh):
                    if el.tag == f"{{{ns['m']}}}row" and any(
                        (c.find("m:v", ns) is not None or c.find("m:is", ns) is not None)
                        for c in el
                    ):
                        return int(el.get("r"))
    except (
        KeyError,
        IndexError,
        StopIteration,
        ValueError,
        TypeError,
        zipfile.BadZipFile,
        ET.ParseError,
    ):
        return 1
    return 1


def _first_line(exc: BaseException) -> str:
    """The first line of a library's message (calamine's go on with a "Context:" list)."""
    lines = str(exc).strip().splitlines()
    return lines[0].strip() if lines else type(exc).__name__


def _not_a_workbook(path: Path, exc: BaseException) -> tuple[str, str]:
    """Why ``path`` could not be opened as a workbook, in English and Swedish, on one line.

    A text file (a CSV file given the ending .xlsx) and an old .xls workbook are named as
    such; otherwise the message adds the first line of the library's reason.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        head = b""
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return _TEXTS.both("not_xlsx_but_xls")
    if head and not head.startswith(b"PK"):  # .xlsx files are zip archives
        bom16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
        text = head.decode("utf-16" if bom16 else "utf-8", errors="ignore")
        readable = sum(c.isprintable() or c in "\r\n\t\ufeff" for c in text)
        if text and "\x00" not in text and readable > 0.95 * len(text):
            return _TEXTS.both("not_xlsx_but_text")
    return _TEXTS.both("not_xlsx", reason=_first_line(exc))


def read_sheet_rows(path: Path, sheet: str | int | None = None) -> list[tuple[int, list]]:
    """Read an .xlsx sheet as ``(sheet row number, cells)``, every cell as text or None.

    Uses ``polars.read_excel`` (engine calamine, package ``fastexcel``). Row numbers are the
    sheet's own (1-based), so error messages point at the row a user sees in Excel.

    Raises
    ------
    ParseError
        If the file is not a readable workbook or the sheet does not exist.
    """
    path = Path(path)
    try:
        import fastexcel

        names = fastexcel.read_excel(str(path)).sheet_names
    except ImportError as exc:  # pragma: no cover - depends on the environment
        en, sv = _TEXTS.both("needs_fastexcel")
        raise DataError(en, sv=sv) from exc
    except Exception as exc:
        en, sv = _not_a_workbook(path, exc)
        raise ParseError(path, None, en, sv=sv) from exc
    if sheet is None:
        index = 0
    elif isinstance(sheet, int):
        index = sheet
    elif sheet in names:
        index = names.index(sheet)
    else:
        en, sv = _TEXTS.both("no_sheet_named", sheet=sheet, names=names)
        raise ParseError(path, None, en, sv=sv)
    if not 0 <= index < len(names):
        en, sv = _TEXTS.both("no_sheet_number", index=index, names=names)
        raise ParseError(path, None, en, sv=sv)
    try:
        df = pl.read_excel(
            path,
            sheet_name=names[index],
            engine="calamine",
            has_header=False,
            infer_schema_length=0,
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
        )
    except Exception as exc:
        en, sv = _TEXTS.both("sheet_unreadable", sheet=names[index], reason=_first_line(exc))
        raise ParseError(path, None, en, sv=sv) from exc
    first = _sheet_first_row(path, index)
    return [
        (first + i, [None if v is None else str(v) for v in row])
        for i, row in enumerate(df.iter_rows())
    ]
