"""Declared schemas of pilotbench's configuration files, validated with pydantic.

* ``data/catalog.toml``: ``[[breaks]]`` entries :class:`BreakEntry`; the ``[indicators.ID]``
  tables are validated against a model built from
  :class:`research.data.catalog.Indicator`'s own fields (``research.data.catalog``);
* ``data/manifest.toml``: :class:`ManifestFile` (``[[sources]]`` and ``[[files]]``);
* ``reports/schedule.toml`` (any batch schedule): :class:`ScheduleFile`;
* ``data/pilots.toml``: :class:`PilotsFile` (the case and its pilot, every fact with its source).

Validation is strict: a value of the wrong type is refused, never coerced (``per = "hundred
thousand"``, ``sha256 = 12345``, ``workers = "two"``, ``parameters = "string"``), and a
misspelt key in an indicator, file or job is refused rather than ignored.
:func:`validate_config` turns pydantic's errors into one :class:`~research.core.errors.DataError`
(or :class:`~research.core.errors.ParameterError` for schedules) whose first line names the file,
the entry and the field, e.g. ``data/catalog.toml: [indicators.N07402] per: expected a whole
number, got 'hundred thousand'``, and whose Swedish (``err.message("sv")``, "per: ska vara ett
heltal, inte 'hundred thousand'") is worded from the catalogue ``research/core/config.toml`` by
pydantic's error type and its values; a validator's own rule raises :func:`schema_error`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from .errors import DataError, PilotbenchError
from .i18n import load_catalogue

__all__ = [
    "BreakEntry",
    "EntryNames",
    "ManifestFile",
    "NonEmpty",
    "PilotsFile",
    "ScheduleFile",
    "Year",
    "read_toml",
    "schema_error",
    "toml_error_messages",
    "toml_reason",
    "validate_config",
]

#: Wording of the errors, Swedish and English (``research/core/config.toml``).
_TEXTS = load_catalogue(Path(__file__).with_name("config.toml"))


def schema_error(kind: str, **values: object) -> PydanticCustomError:
    """A rule's failure, for a validator to raise, worded by ``err_<kind>`` of the catalogue.

    A validator that raised ``ValueError("...")`` gave pydantic an English sentence only;
    this error carries its kind and its values, from which :func:`validate_config` words it
    in both languages.

    Examples
    --------
    >>> str(schema_error("end_before_start", end="2020-01", start="2021-04"))
    'the end 2020-01 is before the start 2021-04'
    """
    ctx = {k: str(v) for k, v in values.items()}
    return PydanticCustomError(kind, _TEXTS(f"err_{kind}", "en", **ctx), ctx)


_STRICT = ConfigDict(strict=True, extra="forbid", frozen=True)
_OPEN = ConfigDict(strict=True, extra="allow", frozen=True)
Year = Annotated[int, Field(ge=1900, le=2100)]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")]


class BreakEntry(BaseModel):
    """One ``[[breaks]]`` entry of the catalogue."""

    model_config = _STRICT
    id: NonEmpty
    first_year: Year
    date: str
    indicators: list[NonEmpty] = Field(min_length=1)
    label_sv: str
    label_en: str
    description_sv: str
    description_en: str
    source: str


class SourceEntry(BaseModel):
    """One ``[[sources]]`` table of the manifest (further provenance keys are free-form).

    ``figures`` holds the numbers its texts name, as numbers: ``title = "... {groups}
    official groups"`` with ``figures = { groups = 3630 }`` reads "3 630" in a Swedish
    report and "3,630" in an English one (:meth:`research.data.provenance.Manifest.text`).
    """

    model_config = _OPEN
    id: NonEmpty
    figures: dict[NonEmpty, int] = Field(default_factory=dict)


class FileEntry(BaseModel):
    """One ``[[files]]`` entry of the manifest."""

    model_config = _STRICT
    source: NonEmpty
    path: NonEmpty
    sha256: Sha256
    bytes: Annotated[int, Field(ge=0)]


class ManifestFile(BaseModel):
    """``data/manifest.toml``."""

    model_config = _STRICT
    schema_version: Literal[1] = 1
    sources: list[SourceEntry] = Field(default_factory=list)
    files: list[FileEntry] = Field(default_factory=list)


Scalar = str | int | float | bool


class EachEntry(BaseModel):
    """``each = { parameter = ..., areas = ... }`` of a schedule job."""

    model_config = _STRICT
    parameter: NonEmpty
    areas: list[NonEmpty] | NonEmpty


class JobEntry(BaseModel):
    """One ``[[job]]`` of a schedule."""

    model_config = _STRICT
    notebook: NonEmpty
    parameters: dict[str, Scalar | list[Scalar]] = Field(default_factory=dict)
    each: EachEntry | None = None

    @field_validator("parameters")
    @classmethod
    def _area_codes_are_text(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key in ("pilot", "candidate", "area", "lan"):
            x = v.get(key)
            if isinstance(x, int | float) and not isinstance(x, bool):
                width = 2 if key == "lan" else 4
                raise schema_error(
                    "area_code_number", key=key, number=repr(x), code=f"{int(x):0{width}d}"
                )
        return v


class BatchEntry(BaseModel):
    """The ``[batch]`` table of a schedule."""

    model_config = _STRICT
    workers: Annotated[int, Field(ge=1, le=64)] | None = None
    lang: Literal["sv", "en"] | None = None  # language of reports/index.html (default sv)


class ScheduleFile(BaseModel):
    """A batch schedule (``reports/schedule.toml``)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, populate_by_name=True)
    batch: BatchEntry = Field(default_factory=BatchEntry)
    job: list[JobEntry] = Field(default_factory=list)
    jobs: list[JobEntry] = Field(default_factory=list)


Month = Annotated[str, StringConstraints(pattern=r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$")]
KommunCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
Status = Literal["fact", "approximate", "estimate", "proxy"]


class _Fact(BaseModel):
    """A value of ``data/pilots.toml`` with what kind of figure it is and where it comes from."""

    model_config = _STRICT
    status: Status
    source: NonEmpty


class TextFact(_Fact):
    """A text fact."""

    value: NonEmpty


class MonthFact(_Fact):
    """A month, ``"YYYY-MM"``."""

    value: Month


class CodeFact(_Fact):
    """A kommun code, four digits as text."""

    value: KommunCode


class PopulationFact(_Fact):
    """A population figure and the year it refers to."""

    value: Annotated[int, Field(gt=0)]
    year: Year


class PilotEntry(BaseModel):
    """One ``[pilots.NAME]`` table of ``data/pilots.toml``."""

    model_config = _STRICT
    name: TextFact
    full_name: TextFact
    district: TextFact
    parent_code: CodeFact
    start: MonthFact
    end: MonthFact
    evaluation: TextFact
    district_population: PopulationFact

    @field_validator("end")
    @classmethod
    def _after_start(cls, v: MonthFact, info: Any) -> MonthFact:
        start = info.data.get("start")
        if start is not None and v.value < start.value:
            raise schema_error("end_before_start", end=v.value, start=start.value)
        return v


class CaseEntry(BaseModel):
    """The ``[case]`` table of ``data/pilots.toml``."""

    model_config = _STRICT
    pilot: NonEmpty
    candidate: CodeFact


class PilotsFile(BaseModel):
    """``data/pilots.toml``."""

    model_config = _STRICT
    schema_version: Literal[1] = 1
    case: CaseEntry
    pilots: dict[str, PilotEntry] = Field(min_length=1)


M = TypeVar("M", bound=BaseModel)

#: How a caller names the entries of an array of tables: given the table's key and the
#: entry's 1-based number, its label in English and Swedish (``("job 2 (line 9)", "jobb 2
#: (rad 9)")``), or None for the generic ``[[job]] entry 2``.
EntryNames = Callable[[str, int], tuple[str, str] | None]

#: pydantic's error types whose message shows the value found (", got 'two'").
_SHOWS_VALUE = {
    "int_type",
    "int_parsing",
    "float_type",
    "string_type",
    "bool_type",
    "dict_type",
    "list_type",
    "tuple_type",
    "model_type",
    "string_pattern_mismatch",
    "literal_error",
}
#: pydantic's error types worded with a singular or a plural noun, by a context value.
_COUNTED = {
    "string_too_short": "min_length",
    "string_too_long": "max_length",
    "too_short": "min_length",
    "too_long": "max_length",
}


def _is_branch_tag(p: Any, node: Any) -> bool:
    """Whether ``p`` is pydantic's name of a union branch, not a key of the TOML.

    The branches are named "str", "list[...]", "constrained-str"; ``node`` is the table ``p``
    would be a key of.
    """
    if not isinstance(p, str) or (isinstance(node, dict) and p in node):
        return False
    return "[" in p or p.startswith("constrained-") or p in ("str", "int", "float", "bool", "list")


def _where(loc: tuple, data: Any, entry_names: EntryNames | None = None) -> tuple[str, str]:
    """A pydantic location in TOML's terms, ``[[job]] entry 1 notebook``, in English and Swedish.

    An entry of an array of tables is named by ``entry_names`` where it gives a name.
    """
    node: Any = data
    field = ""
    clean: list[Any] = []
    for p in loc:
        if _is_branch_tag(p, node):
            continue
        clean.append(p)
        if isinstance(node, dict) and p in node:
            node = node[p]
        elif isinstance(node, list) and isinstance(p, int) and p < len(node):
            node = node[p]
        else:
            node = None
    entry: list[tuple[str, str]] = []
    for i, p in enumerate(clean):
        if i == len(clean) - 1 and isinstance(p, str):
            field = p
        elif isinstance(p, int):
            entry.append(_TEXTS.both("entry", n=p + 1))
        else:
            entry.append((str(p), str(p)))
    field_s = f" {field}" if field else ""
    if len(clean) >= 2 and isinstance(clean[0], str) and isinstance(clean[1], int):
        rest = [str(x) for x in clean[2:-1]] if field else [str(x) for x in clean[2:]]
        rest_s = "".join(f" {x}" for x in rest) + field_s
        named = entry_names(clean[0], clean[1] + 1) if entry_names else None
        en, sv = named or _TEXTS.both("entry_of_table", table=clean[0], n=clean[1] + 1)
        return en + rest_s, sv + rest_s
    if len(clean) >= 2 and isinstance(clean[0], str) and isinstance(clean[1], str) and field:
        mid = ".".join(str(x) for x in clean[:-1])
        return (f"[{mid}]{field_s}",) * 2
    if not entry:
        return _TEXTS.both("top_level_field", field=field) if field else _TEXTS.both("top_level")
    return " ".join(e for e, _ in entry) + field_s, " ".join(s for _, s in entry) + field_s


def _shown(value: Any) -> str:
    """``value`` as the message shows it: its repr, a long one cut visibly ("'abc…'")."""
    shown = repr(value)
    if len(shown) <= 80:  # a sha256 in quotes is 66
        return shown
    if isinstance(value, str):
        cut = repr(value[:60])
        return f"{cut[:-1]}…{cut[-1]}"
    return f"{shown[:60]}…"


def _problem(err: dict) -> tuple[str, str]:
    """What is wrong, in English and in Swedish, from pydantic's error type and context."""
    kind = err["type"]
    ctx = {k: str(v) for k, v in (err.get("ctx") or {}).items() if k != "error"}
    if kind == "literal_error" and "input" in err:  # the allowed values, in each language
        expected = ctx.get("expected", "")
        value = _shown(err["input"])
        return (
            _TEXTS("err_literal_error", "en", value=value, expected=expected),
            _TEXTS("err_literal_error", "sv", value=value,
                   expected=expected.replace(" or ", " eller ")),
        )  # fmt: skip
    if kind in _SHOWS_VALUE and "input" in err:
        return _TEXTS.both(f"err_{kind}", value=_shown(err["input"]), **ctx)
    if kind in _COUNTED and _COUNTED[kind] in ctx:
        count = "one" if ctx[_COUNTED[kind]] == "1" else "many"
        if "field_type" in ctx:
            name = f"field_type_{ctx['field_type'].lower()}"
            en_type, sv_type = _TEXTS.both(name) if name in _TEXTS else (ctx["field_type"],) * 2
            en = _TEXTS(f"err_{kind}_{count}", "en", **{**ctx, "field_type": en_type})
            return en, _TEXTS(f"err_{kind}_{count}", "sv", **{**ctx, "field_type": sv_type})
        return _TEXTS.both(f"err_{kind}_{count}", **ctx)
    if f"err_{kind}" in _TEXTS:
        try:
            return _TEXTS.both(f"err_{kind}", **ctx)
        except KeyError:  # a context value the wording does not have: pydantic's own text
            pass
    return _TEXTS.both("err_other", reason=err["msg"].removeprefix("Value error, "))


def _describe(err: dict, data: Any, entry_names: EntryNames | None) -> tuple[str, str]:
    """One problem of the file, ``entry field: what is wrong``, in English and in Swedish."""
    where_en, where_sv = _where(tuple(err["loc"]), data, entry_names)
    en, sv = _problem(err)
    return f"{where_en}: {en}", f"{where_sv}: {sv}"


def validate_config(
    model: type[M],
    data: Any,
    path: Path | str,
    error: type[PilotbenchError] = DataError,
    entry_names: EntryNames | None = None,
) -> M:
    """Validate parsed TOML ``data`` against ``model``; raise ``error`` naming file/entry/field.

    The message is in English, its Swedish (``error.message("sv")``) from the catalogue
    ``research/core/config.toml``, worded by pydantic's error type and its values.

    Parameters
    ----------
    model
        The pydantic model of the file.
    data
        The file as :func:`read_toml` parsed it.
    path
        The file, as the messages name it.
    error
        The error to raise.
    entry_names
        How the caller names an entry of an array of tables: called with the table's key and
        the entry's 1-based number, it returns the entry's label in English and Swedish, or
        None for the generic ``[[job]] entry 2`` (a batch schedule names its jobs by number
        and line, :func:`research.runner.batch.job_name`).

    Returns
    -------
    pydantic.BaseModel
        ``data`` as an instance of ``model``.

    Raises
    ------
    PilotbenchError
        ``error``, naming the file, the entry and the field of the first problem, and how
        many more there are.

    Examples
    --------
    >>> try:
    ...     validate_config(ScheduleFile, {"batch": {"workers": "two"}}, "s.toml")
    ... except DataError as exc:
    ...     print(str(exc).splitlines()[0])
    ...     print(exc.message("sv").splitlines()[0])
    s.toml: [batch] workers: expected a whole number, got 'two'
    s.toml: [batch] workers: ska vara ett heltal, inte 'two'
    >>> try:
    ...     validate_config(ScheduleFile, {"job": [{"notebook": ""}]}, "s.toml",
    ...                     entry_names=lambda table, n: (f"job {n}", f"jobb {n}"))
    ... except DataError as exc:
    ...     print(exc.message("sv"))
    s.toml: jobb 1 notebook: ska ha minst 1 tecken
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errs = exc.errors(include_url=False)
        # A misspelt key also makes the right one "missing": say the misspelling first.
        errs.sort(key=lambda e: e["type"] != "extra_forbidden")
        # A union reports one error per branch; keep the first of each location.
        seen, lines = set(), []
        for e in errs:
            en, sv = _describe(e, data, entry_names)
            key = en.split(":")[0]
            if key in seen:
                continue
            seen.add(key)
            lines.append((en, sv))
        n = len(lines) - 1
        more = _TEXTS.both("more_problems_one" if n == 1 else "more_problems_many", n=n)
        messages = []
        for lang in (0, 1):
            head = f"{path}: {lines[0][lang]}" + (more[lang] if n else "")
            detail = "\n".join(f"  {x[lang]}" for x in lines[1:10])
            messages.append(head + ("\n" + detail if detail else ""))
        raise error(messages[0], sv=messages[1]) from None


#: tomllib's descriptions of a syntax error (Python 3.11-3.13, ``tomllib/_parser.py``), each
#: with the catalogue key of its Swedish wording; ``{0}`` is the key or character it names.
_TOML_REASONS = (
    (r"Cannot declare (.+) twice", "toml_declared_twice"),
    (r"Cannot mutate immutable namespace (.+)", "toml_immutable"),
    (r"Cannot overwrite a value", "toml_overwrite"),
    (r"Cannot redefine namespace (.+)", "toml_redefine"),
    (r"Duplicate inline table key (.+)", "toml_inline_duplicate"),
    (r"Escaped character is not a Unicode scalar value", "toml_escape_scalar"),
    (r"Expected '=' after a key in a key/value pair", "toml_expected_equals"),
    (r"Expected '\]' at the end of a table declaration", "toml_expected_table_end"),
    (r"Expected '\]\]' at the end of an array declaration", "toml_expected_array_table_end"),
    (r"Expected newline or end of document after a statement", "toml_expected_newline"),
    (r"Expected (.+)", "toml_expected"),
    (r"Found invalid character (.+)", "toml_invalid_character"),
    (r"Illegal character (.+)", "toml_illegal_character"),
    (r"Invalid date or datetime", "toml_invalid_date"),
    (r"Invalid hex value", "toml_invalid_hex"),
    (r"Invalid initial character for a key part", "toml_invalid_key_start"),
    (r"Invalid statement", "toml_invalid_statement"),
    (r"Invalid value", "toml_invalid_value"),
    (r"Unclosed array", "toml_unclosed_array"),
    (r"Unclosed inline table", "toml_unclosed_inline"),
    (r"Unescaped '\\' in a string", "toml_unescaped_backslash"),
    (r"Unterminated string", "toml_unterminated_string"),
)


def toml_reason(reason: str, lang: str) -> str:
    """Tomllib's description of a syntax error in ``lang`` (English: as tomllib words it).

    A description this table does not know (a newer Python's) stays in English.

    Examples
    --------
    >>> toml_reason("Expected ']' at the end of a table declaration", "sv")
    "']' saknas i slutet av tabellens rubrik"
    >>> toml_reason("Cannot declare ('batch',) twice", "sv")
    "('batch',) anges två gånger"
    >>> toml_reason("Unclosed array", "en")
    'Unclosed array'
    """
    for pattern, key in _TOML_REASONS:
        m = re.fullmatch(pattern, reason, re.DOTALL)
        if m:
            return _TEXTS(key, lang, named=m[1] if m.groups() else "")
    return reason


def _toml_problem(reason: str) -> tuple[str, dict[str, str]]:
    """The message id and values for the TOML parser's ``reason``, its place taken apart.

    tomllib ends its reason with " (at line 3, column 6)" or " (at end of document)"; the
    place is worded in the message's language, the description by :func:`toml_reason`.
    """
    at = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", reason, re.DOTALL)
    if at:
        return "not_toml_at", {"reason": at[1], "line": at[2], "column": at[3]}
    end = re.fullmatch(r"(.*) \(at end of document\)", reason, re.DOTALL)
    if end:
        return "not_toml_at_end", {"reason": end[1]}
    return "not_toml", {"reason": reason}


def toml_error_messages(path: Path, exc: tomllib.TOMLDecodeError) -> tuple[str, str]:
    """The English and Swedish one-line messages for a TOML syntax error in ``path``.

    The line and column are worded in each language, and so is tomllib's description
    (:func:`toml_reason`).
    """
    key, values = _toml_problem(str(exc))
    reason = values.pop("reason")
    en, sv = (
        _TEXTS(key, lang, path=path, reason=toml_reason(reason, lang), **values)
        for lang in ("en", "sv")
    )
    return en, sv


def read_toml(
    path: Path, error: type[PilotbenchError] = DataError, what: tuple[str, str] | None = None
) -> dict:
    r"""Read a TOML file; a missing, unreadable or malformed file raises ``error``.

    ``what`` names the file in the messages: in English, and in Swedish in its definite form
    (``("schedule file", "schemafilen")``); by default ``("file", "filen")``.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "s.toml"
    >>> _ = f.write_text("x = 1\nx = 2\n", encoding="utf-8")
    >>> try:  # doctest: +NORMALIZE_WHITESPACE
    ...     read_toml(f, what=("schedule file", "schemafilen"))
    ... except DataError as exc:
    ...     print(str(exc).replace(str(f), "s.toml"))
    ...     print(exc.message("sv").replace(str(f), "s.toml"))
    s.toml: not valid TOML (Cannot overwrite a value (at line 2, column 6))
    s.toml: är inte giltig TOML på rad 2, kolumn 6 (ett värde som redan är angivet skulle
    skrivas över)
    """
    path = Path(path)
    what_en, what_sv = what or _TEXTS.both("what_file")
    if path.is_dir():
        raise error(
            _TEXTS("is_a_folder", "en", path=path, what=what_en),
            sv=_TEXTS("is_a_folder", "sv", path=path, what=what_sv),
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError as exc:
        raise error(
            _TEXTS("no_such_file", "en", path=path, what=what_en),
            sv=_TEXTS("no_such_file", "sv", path=path, what=what_sv),
        ) from exc
    except UnicodeDecodeError as exc:
        known = "utf8_" + exc.reason.replace(" ", "_")
        reason_sv = (
            _TEXTS(known, "sv")
            if known in _TEXTS
            else _TEXTS("utf8_other", "sv", position=exc.start)
        )
        raise error(
            _TEXTS("not_utf8", "en", path=path, reason=exc.reason),
            sv=_TEXTS("not_utf8", "sv", path=path, reason=reason_sv),
        ) from exc
    except OSError as exc:
        en, sv = _TEXTS.both("unreadable", path=path, reason=exc.strerror)
        raise error(en, sv=sv) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        en, sv = toml_error_messages(path, exc)
        raise error(en, sv=sv) from exc
