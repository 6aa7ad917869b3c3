"""Exception types raised by pilotbench.

Every error a user can cause by their input derives from :class:`PilotbenchError`, so the
command line can print it as one readable message instead of a traceback. IPython and
JupyterLab show it the same way (:meth:`PilotbenchError._render_traceback_`): one line, in
Swedish when the notebook's ``lang`` variable is ``"sv"`` and the error carries a Swedish
text (``sv=``), in English otherwise.
"""

from __future__ import annotations

__all__ = [
    "AreaCodeTypeError",
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
]


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
    """

    def __init__(self, path: object, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


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


class ParameterError(PilotbenchError, ValueError):
    """A report parameter is unknown or has an invalid value."""


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

    Reports translate a warning by its ``code`` rather than by its English text.
    """

    code: str = "warning"

    def __init__(self, message: str, code: str | None = None) -> None:
        if code is not None:
            self.code = code
        super().__init__(message)
