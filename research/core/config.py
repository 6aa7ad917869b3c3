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
number, got 'hundred thousand'``.
"""

from __future__ import annotations

import tomllib
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

from .errors import DataError, PilotbenchError

__all__ = [
    "BreakEntry",
    "ManifestFile",
    "NonEmpty",
    "PilotsFile",
    "ScheduleFile",
    "Year",
    "read_toml",
    "validate_config",
]

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
                raise ValueError(
                    f"{key} = {x!r} is a number, so leading zeros are lost; area codes are "
                    f"text: write {key} = '{int(x):0{width}d}'"
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
            raise ValueError(f"the end {v.value} is before the start {start.value}")
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

_TYPE_WORDS = {
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "float_type": "expected a number",
    "string_type": "expected text in quotes",
    "bool_type": "expected true or false",
    "dict_type": "expected a table",
    "list_type": "expected a list [...]",
    "tuple_type": "expected a list [...]",
    "model_type": "expected a table",
    "missing": "is required but missing",
    "extra_forbidden": "is not a known field (misspelt?)",
    "string_pattern_mismatch": "has the wrong form",
    "literal_error": "is not one of the allowed values",
}


def _where(loc: tuple, data: Any) -> tuple[str, str]:
    """Split a pydantic location into (entry, field) in TOML's terms."""
    parts = list(loc)
    # Strip pydantic's union-branch tags ("str", "list[...]", "function-after[...]").
    node: Any = data
    entry: list[str] = []
    field = ""
    i = 0
    clean: list[Any] = []
    for p in parts:
        if isinstance(p, str) and ("[" in p or p in ("str", "int", "float", "bool", "list")):
            if not (isinstance(node, dict) and p in node):
                continue
        clean.append(p)
        if isinstance(node, dict) and p in node:
            node = node[p]
        elif isinstance(node, list) and isinstance(p, int) and p < len(node):
            node = node[p]
        else:
            node = None
    for i, p in enumerate(clean):
        if i == len(clean) - 1 and isinstance(p, str):
            field = p
        elif isinstance(p, int):
            entry.append(f"entry {p + 1}")
        else:
            entry.append(str(p))
    if len(clean) >= 2 and isinstance(clean[0], str) and isinstance(clean[1], int):
        head = f"[[{clean[0]}]] entry {clean[1] + 1}"
        rest = [str(x) for x in clean[2:-1]] if field else [str(x) for x in clean[2:]]
        return " ".join([head, *rest]), field
    if len(clean) >= 2 and isinstance(clean[0], str) and isinstance(clean[1], str) and field:
        mid = ".".join(str(x) for x in clean[:-1])
        return f"[{mid}]", field
    return (" ".join(entry) or "top level"), field


def _describe(err: dict, data: Any) -> str:
    entry, field = _where(tuple(err["loc"]), data)
    what = _TYPE_WORDS.get(err["type"]) or err["msg"].removeprefix("Value error, ")
    got = ""
    if err["type"] in _TYPE_WORDS and err["type"] != "missing" and "input" in err:
        shown = repr(err["input"])
        got = f", got {shown[:60]}" if err["type"] != "extra_forbidden" else ""
    field_s = f" {field}" if field else ""
    return f"{entry}{field_s}: {what}{got}"


def validate_config(
    model: type[M], data: Any, path: Path | str, error: type[PilotbenchError] = DataError
) -> M:
    """Validate parsed TOML ``data`` against ``model``; raise ``error`` naming file/entry/field.

    Examples
    --------
    >>> try:
    ...     validate_config(ScheduleFile, {"batch": {"workers": "two"}}, "s.toml")
    ... except DataError as exc:
    ...     print(str(exc).splitlines()[0])
    s.toml: [batch] workers: expected a whole number, got 'two'
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
            line = _describe(e, data)
            key = line.split(":")[0]
            if key in seen:
                continue
            seen.add(key)
            lines.append(line)
        more = f" (and {len(lines) - 1} more problem{'s' if len(lines) > 2 else ''})"
        head = f"{path}: {lines[0]}" + (more if len(lines) > 1 else "")
        detail = "\n".join(f"  {x}" for x in lines[1:10])
        raise error(head + ("\n" + detail if detail else "")) from None


def read_toml(path: Path, error: type[PilotbenchError] = DataError, what: str = "file") -> dict:
    """Read a TOML file; a missing, unreadable or malformed file raises ``error``."""
    path = Path(path)
    if path.is_dir():
        raise error(f"{path}: is a folder, not a {what}")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError as exc:
        raise error(f"{path}: no such {what}") from exc
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8") from exc
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML ({exc})") from exc
