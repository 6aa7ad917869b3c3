"""Which language a message is printed in, when no report decides it: cheap to import.

The command line picks its messages' language (``--lang``, else ``$PILOTBENCH_LANG``, else
Swedish) before it imports anything else, and lower layers that print a notice outside any
report (a wait for the data folder's lock) ask :func:`message_lang`. This module imports
nothing of the project's, so that the command's first import stays cheap (issue 17).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator

__all__ = ["LANGS", "LANG_ENV", "message_lang", "messages_in"]

#: The languages of reports and messages; the first is the default.
LANGS = ("sv", "en")

#: The environment variable naming the language of messages (``sv`` or ``en``).
LANG_ENV = "PILOTBENCH_LANG"

_CHOSEN: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "pilotbench_message_lang", default=None
)


def message_lang() -> str:
    """The language of messages printed outside a report.

    The command line's language while it runs (:func:`messages_in`), else
    ``$PILOTBENCH_LANG``, else Swedish.

    Examples
    --------
    >>> with messages_in("en"):
    ...     message_lang()
    'en'
    """
    chosen = _CHOSEN.get()
    if chosen is not None:
        return chosen
    env = os.environ.get(LANG_ENV, "").strip().lower()[:2]
    return env if env in LANGS else LANGS[0]


@contextlib.contextmanager
def messages_in(lang: str) -> Iterator[None]:
    """Print messages in ``lang`` (one of :data:`LANGS`) while the block runs.

    Raises
    ------
    ValueError
        If ``lang`` is not one of :data:`LANGS` (a programming error: the command line
        checks the user's choice first).
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    token = _CHOSEN.set(lang)
    try:
        yield
    finally:
        _CHOSEN.reset(token)
