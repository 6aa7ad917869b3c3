"""Exception types raised by pilotbench: one hierarchy.

Every error a user can cause by their input derives from :class:`PilotbenchError`, so the
command line can print it as one readable message instead of a traceback (``except
PilotbenchError`` in ``research.cli``). IPython and JupyterLab show it the same way
(:meth:`PilotbenchError._render_traceback_`): one line, in Swedish when the notebook's
``lang`` variable is ``"sv"`` and the error carries a Swedish text (``sv=``), in English
otherwise. Errors a user can reach from the command line, a report's parameters, data
import and fetching, area lookup or an estimator called from a notebook carry ``sv=``
(``tests/test_errors.py`` keeps the count of those without at zero).

::

    Exception
    └── PilotbenchError                  base: one readable line, ``sv=`` for Swedish
        ├── ArgumentError (ValueError)   a library function got an invalid argument
        │                                (a wrong type, an option not in the list, a level
        │                                outside (0, 1), a column that is not in the frame)
        ├── ParameterError (ValueError)  a *report* parameter is unknown or invalid
        │                                (research/runner/params.py, the notebooks'
        │                                parameter checks in research/views/, schedules)
        ├── EstimationError (ValueError) a fit fails for a reason in the data (separation,
        │   │                            a dispersion that cannot be estimated)
        │   └── DesignError              the design cannot identify the effect asked for
        │                                (no comparison units, too few periods, collinear
        │                                terms), checked before fitting
        ├── DataError                    data on disk (or fetched) cannot be used as it is
        │   ├── ChecksumError            a raw file's sha256 differs from the manifest
        │   └── ParseError (ValueError)  a file cannot be parsed; names file and line
        ├── UnknownAreaError (LookupError)       an area name or code matches nothing
        ├── AreaCodeTypeError (TypeError)        an area code given as a number
        ├── UnknownIndicatorError (LookupError)  an indicator id not in the catalogue
        └── ReportError                  a report could not be produced

    Subclasses defined next to the code that raises them: ``FetchError(DataError)`` and
    ``NetworkUnavailableError(FetchError)`` (research.data.fetch), ``DistrictReformError
    (DataError)`` (research.geo.districts), ``FolderNotWritableError(DataError)`` and the
    lock errors (research.core.locking), ``BatchLockedError`` (research.runner.batch).

    UserWarning
    └── PilotbenchWarning                base: a stable ``code``, values as attributes
        └── ...                          one class per condition, in research.core.warnings

Which class to raise: ``ArgumentError`` when the caller can fix the call itself (the
message names the argument); ``DesignError``/``EstimationError`` when the data or design
passed in cannot give the estimate; ``DataError`` when a file or download is at fault;
``ParameterError`` only where a report's parameters are checked. The built-in base classes
in brackets keep ``except ValueError`` (``LookupError``, ``TypeError``) working for callers
that expect them.

The wording of this module and of research.core.fmt (the "line"/"rad" of a ParseError, the
check of a report language) is in ``research/core/errors.toml`` and ``research/core/fmt.toml``,
read by :func:`core_wording`: both modules are imported by research.core.i18n, so they cannot
use its catalogues without an import cycle.
"""

from __future__ import annotations

import functools

__all__ = [
    "AreaCodeTypeError",
    "ArgumentError",
    "ChecksumError",
    "DataError",
    "DesignError",
    "EstimationError",
    "ParameterError",
    "ParseError",
    "PilotbenchError",
    "PilotbenchWarning",
    "ReportError",
    "UnknownAreaError",
    "UnknownIndicatorError",
    "core_wording",
]


@functools.cache
def _core_catalogue(name: str) -> dict[str, dict[str, str]]:
    """The messages of ``research/core/<name>``, read once, on first use."""
    import tomllib
    from pathlib import Path

    return tomllib.loads((Path(__file__).parent / name).read_text(encoding="utf-8"))


def core_wording(catalogue: str, key: str, lang: str, /, **values: object) -> str:
    """The message ``key`` of ``research/core/<catalogue>`` in ``lang``, ``values`` filled in.

    For the two modules that research.core.i18n itself imports (this one and
    research.core.fmt), which therefore cannot use a :class:`research.core.i18n.Catalogue`.
    Their catalogues have the catalogues' format (one table per id, ``sv`` and ``en``
    ``str.format`` templates) and are checked with every other catalogue by the test suite.

    Examples
    --------
    >>> core_wording("errors.toml", "parse_error_line", "sv", path="x.csv", line=3, message="?")
    'x.csv, rad 3: ?'
    """
    return _core_catalogue(catalogue)[key][lang].format(**values)


def _notebook_lang() -> str | None:
    """The ``lang`` variable of the running IPython session (``"sv"``/``"en"``), if any."""
    import sys

    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    shell = ipython.get_ipython()
    lang = getattr(shell, "user_ns", {}).get("lang") if shell is not None else None
    return lang if lang in ("sv", "en") else None


class PilotbenchError(Exception):
    """Base class of every error pilotbench raises on purpose.

    Parameters
    ----------
    *args
        The (English) message, as for any exception.
    sv
        The same message in Swedish, shown in notebooks whose ``lang`` is ``"sv"``.

    Examples
    --------
    >>> err = PilotbenchError("start_year is after end_year", sv="start_year är efter end_year")
    >>> err.message("sv"), str(err)
    ('start_year är efter end_year', 'start_year is after end_year')
    """

    #: The message in Swedish, when the code raising the error gave one.
    message_sv: str | None = None

    def __init__(self, *args: object, sv: str | None = None) -> None:
        super().__init__(*args)
        if sv is not None:
            self.message_sv = sv

    def message(self, lang: str | None = None) -> str:
        """The message in ``lang`` (``"sv"`` or ``"en"``), English when no translation exists."""
        if lang == "sv" and self.message_sv:
            return self.message_sv
        return str(self)

    def _render_traceback_(self) -> list[str]:
        """IPython's hook: show the error as one readable line instead of a traceback.

        The error's class name is kept (it is what one searches for); the message is in the
        notebook's language (its ``lang`` variable) where the error has a translation.
        """
        return [f"\x1b[1;31m{type(self).__name__}\x1b[0m: {self.message(_notebook_lang())}"]


class DataError(PilotbenchError):
    """The data on disk cannot be used as it is."""


class ChecksumError(DataError):
    """A raw file's sha256 differs from the one recorded in the manifest."""


class ParseError(DataError, ValueError):
    """A file could not be parsed; the message names the file and the line.

    Parameters
    ----------
    path
        The file that failed.
    line
        1-based line number in that file (the header is line 1), or ``None`` when the
        problem concerns the whole file.
    message
        What is wrong and, where possible, what was expected.
    sv
        The same in Swedish (without the file and line, which are added).

    Examples
    --------
    >>> err = ParseError("x.csv", 3, "not a number", sv="inte ett tal")
    >>> str(err), err.message("sv")
    ('x.csv, line 3: not a number', 'x.csv, rad 3: inte ett tal')
    """

    def __init__(
        self, path: object, line: int | None, message: str, *, sv: str | None = None
    ) -> None:
        self.path = str(path)
        self.line = line
        self.reason = message
        key = "parse_error_file" if line is None else "parse_error_line"
        en, sv_text = (
            core_wording("errors.toml", key, lang, path=self.path, line=line, message=text)
            for lang, text in (("en", message), ("sv", sv))
        )
        super().__init__(en, sv=sv_text if sv else None)


class UnknownAreaError(PilotbenchError, LookupError):
    """An area name or code matched nothing; ``suggestions`` holds close matches."""

    def __init__(
        self,
        message: str,
        suggestions: list[tuple[str, str]] | None = None,
        *,
        sv: str | None = None,
    ) -> None:
        self.suggestions = suggestions or []
        super().__init__(message, sv=sv)

    def __str__(self) -> str:  # LookupError would otherwise quote the message
        return str(self.args[0])


class AreaCodeTypeError(PilotbenchError, TypeError):
    """An area code was given as a number; codes are strings with leading zeros."""


class UnknownIndicatorError(PilotbenchError, LookupError):
    """An indicator id is not in the catalogue."""

    def __str__(self) -> str:
        return str(self.args[0])


class ArgumentError(PilotbenchError, ValueError):
    """A library function was called with an invalid argument.

    Raised by the statistics, analyses and data functions for arguments the caller can fix
    (a wrong type, an option that does not exist, a level outside (0, 1), a column that is
    not in the frame). A separate class from :class:`ParameterError` because the caller is
    a program or a notebook cell, not a report's parameter list: the message names the
    argument of the function, not a report parameter. It derives from ``ValueError`` so
    that code catching the built-in error keeps working.

    Examples
    --------
    >>> from research.stats.rates import poisson_rate_ci
    >>> try:
    ...     poisson_rate_ci(3, 1000, level=95)
    ... except ArgumentError as err:
    ...     print(type(err).__name__, isinstance(err, ValueError))
    ArgumentError True
    """


class ParameterError(PilotbenchError, ValueError):
    """A report parameter is unknown or has an invalid value.

    Raised only where a report's parameters are checked: ``research/runner/params.py``,
    the parameter checks of the report views, batch schedules and the command line. A
    library function's own arguments raise :class:`ArgumentError`.
    """


class ReportError(PilotbenchError):
    """A report could not be produced; the last good report is left in place."""


class EstimationError(PilotbenchError, ValueError):
    """An estimator could not produce a defensible estimate from the data it was given.

    Raised by the statistics (``synthetic_control``, ``diff_in_diff``, ``event_study``,
    ``interrupted_time_series``, ...) when a fit fails for a reason that lies in the data,
    for instance separation in a Poisson model or a rank-deficient design. The message says
    the cause in words and what to change.
    """


class DesignError(EstimationError):
    """The study design does not identify the effect asked for.

    Checked before fitting: no untreated comparison units, no pre- or post-treatment period
    for the terms requested, a time column of an unusable type, counts that are all zero.
    """


class PilotbenchWarning(UserWarning):
    """Base class of the warnings pilotbench issues; ``code`` is a stable identifier.

    Reports translate a warning by its ``code`` rather than by its English text: the
    subclasses in :mod:`research.core.warnings` declare the values a translation needs in
    ``fields``; they are given as keyword arguments and kept as attributes (and in
    ``values``).

    Parameters
    ----------
    message
        The English message (what ``str(warning)`` returns).
    code
        Overrides the class's ``code`` (only for the base class; subclasses keep theirs).
    **values
        The class's ``fields``, each by name.

    Examples
    --------
    >>> w = PilotbenchWarning("the cache was not written", code="demo")
    >>> w.code, str(w), w.values
    ('demo', 'the cache was not written', {})
    """

    code: str = "warning"
    #: Names of the values the message in ``research/core/warnings.toml`` needs.
    fields: tuple[str, ...] = ()

    def __init_subclass__(
        cls, code: str | None = None, fields: tuple[str, ...] | None = None, **kwargs: object
    ) -> None:
        """Set a subclass's ``code`` and ``fields`` from its class keywords.

        ``class ShortSeriesWarning(PilotbenchWarning, code="short-series", fields=("n_pre",
        "n_post", "minimum")):`` declares both in its header; a keyword left out keeps the
        base class's value (``fields`` then stays ``()`` for the classes derived from the base).
        """
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code
        if fields is not None:
            cls.fields = tuple(fields)

    def __init__(self, message: str, code: str | None = None, **values: object) -> None:
        if code is not None:
            self.code = code
        missing = [f for f in self.fields if f not in values]
        extra = [k for k in values if k not in self.fields]
        if missing or extra:
            raise TypeError(
                f"{type(self).__name__} needs the values {list(self.fields)}; "
                f"missing {missing}, unexpected {extra}"
            )
        self.values: dict[str, object] = dict(values)
        for key, value in values.items():
            setattr(self, key, value)
        super().__init__(message)
