"""Exception types raised by pilotbench.

Every error a user can cause by their input derives from :class:`PilotbenchError`, so the
command line can print it as one readable message instead of a traceback.
"""

from __future__ import annotations

__all__ = [
    "AreaCodeTypeError",
    "ChecksumError",
    "DataError",
    "ParameterError",
    "ParseError",
    "PilotbenchError",
    "ReportError",
    "UnknownAreaError",
    "UnknownIndicatorError",
]


class PilotbenchError(Exception):
    """Base class of every error pilotbench raises on purpose."""


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

    def __init__(self, message: str, suggestions: list[tuple[str, str]] | None = None) -> None:
        self.suggestions = suggestions or []
        super().__init__(message)

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
