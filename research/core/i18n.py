"""Message catalogues: every sentence a user reads, in Swedish and English, keyed by stable ids.

A catalogue is a TOML file with one table per message id and one ``str.format`` template per
language::

    [title_pvc]
    sv = "{candidate} jämfört med pilotområdet"
    en = "{candidate} compared with the pilot area"

Catalogues sit next to the code that uses them (``research/views/<report>/texts.toml``,
``research/views/texts.toml`` for wording shared by every report); every ``.toml`` file inside
the package is a catalogue, and the test suite checks each of them. Code asks for a message
by id and passes the values already formatted for the language (:mod:`research.core.fmt`):
``TEXTS("title_pvc", "sv", candidate="Huddinge")``. Swedish is the default language.

Why TOML rather than gettext: there are two languages and one team; a translator edits one
file where both languages stand side by side under the same id, there is no compile step
(``.mo``), and :meth:`Catalogue.problems` checks what gettext tools check (every id in both
languages, the same placeholders in both), run by the test suite for every catalogue.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import NamedTuple

from .errors import DataError
from .fmt import LANGS, check_lang, format_int

__all__ = ["Both", "Catalogue", "load_catalogue"]


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Both(NamedTuple):
    """A value worded in each language, to fill into a message.

    :meth:`Catalogue.both` takes each language's wording of it.
    """

    en: str
    sv: str


class Catalogue(Mapping[str, Mapping[str, str]]):
    """Messages by id, each in every language of :data:`research.core.fmt.LANGS`.

    Parameters
    ----------
    messages
        ``{id: {"sv": template, "en": template}}``.
    source
        Where the messages came from (named in errors).

    Examples
    --------
    >>> texts = Catalogue({"hello": {"sv": "Hej {name}", "en": "Hello {name}"}})
    >>> texts("hello", "sv", name="Huddinge"), texts("hello", "en", name="Huddinge")
    ('Hej Huddinge', 'Hello Huddinge')
    >>> texts.problems()
    []
    """

    def __init__(self, messages: Mapping[str, Mapping[str, str]], source: str = "<dict>") -> None:
        self._messages = {k: dict(v) for k, v in messages.items()}
        self.source = source

    def __getitem__(self, key: str) -> Mapping[str, str]:
        return self._messages[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._messages)

    def __len__(self) -> int:
        return len(self._messages)

    def __call__(self, key: str, lang: str = "sv", /, **values: object) -> str:
        """The message ``key`` in ``lang``, with ``values`` filled in.

        Raises
        ------
        KeyError
            If the catalogue has no message ``key`` (a programming error, not a user's).
        ParameterError
            If ``lang`` is not a supported language.
        """
        try:
            message = self._messages[key]
        except KeyError:
            raise KeyError(f"{self.source}: no message {key!r}") from None
        return message[check_lang(lang)].format(**values)

    def count(self, key: str, n: int, lang: str = "sv", /, **values: object) -> str:
        """The message for ``n`` things: ``key_one`` for exactly one, else ``key``.

        ``key_one`` is used only where the catalogue has it; ``{n}`` is ``n`` with the
        language's thousands separator.

        Examples
        --------
        >>> texts = Catalogue({"n_rows_one": {"sv": "1 rad", "en": "1 row"},
        ...                    "n_rows": {"sv": "{n} rader", "en": "{n} rows"}})
        >>> texts.count("n_rows", 1, "sv"), texts.count("n_rows", 1234, "en")
        ('1 rad', '1,234 rows')
        """
        one = f"{key}_one"
        chosen = one if n == 1 and one in self._messages else key
        return self(chosen, lang, n=format_int(n, lang), **values)

    def both(self, key: str, /, **values: object) -> tuple[str, str]:
        """The message ``key`` in English and in Swedish, for an error's two languages.

        A value given as :class:`Both` is filled in with each language's wording. Errors carry
        their English text as the message and the Swedish as ``sv=``
        (:class:`research.core.errors.PilotbenchError`); the command line and notebooks show
        the user's language.

        Examples
        --------
        >>> from research.core.errors import ParseError
        >>> texts = Catalogue({"nan": {"sv": "{v!r} är inget tal", "en": "{v!r} is not a number"}})
        >>> en, sv = texts.both("nan", v="abc")
        >>> err = ParseError("x.csv", 3, en, sv=sv)
        >>> str(err), err.message("sv")
        ("x.csv, line 3: 'abc' is not a number", "x.csv, rad 3: 'abc' är inget tal")
        """
        return tuple(  # type: ignore[return-value]
            self(key, lang, **{k: getattr(v, lang) if isinstance(v, Both) else v
                               for k, v in values.items()})
            for lang in ("en", "sv")
        )  # fmt: skip

    def phrase(self, key: str, /, **values: object) -> Both:
        """The sub-phrase ``key`` in both languages, to fill into another message.

        Examples
        --------
        >>> texts = Catalogue({"unit": {"sv": "enheten {u}", "en": "unit {u}"},
        ...                    "gone": {"sv": "{what} saknas", "en": "{what} is missing"}})
        >>> texts.both("gone", what=texts.phrase("unit", u="a"))
        ('unit a is missing', 'enheten a saknas')
        """
        return Both(*self.both(key, **values))

    def merged(self, other: Catalogue) -> Catalogue:
        """Return a catalogue with ``other``'s messages added; an id in both is an error.

        Raises
        ------
        DataError
            If an id is defined in both catalogues (one id, one wording).
        """
        clash = sorted(set(self._messages) & set(other._messages))
        if clash:
            raise DataError(
                f"{other.source}: message id(s) {', '.join(clash)} already defined in "
                f"{self.source}; use the existing id or a new one"
            )
        return Catalogue({**self._messages, **other._messages}, f"{self.source}+{other.source}")

    def problems(self) -> list[str]:
        """What is wrong with the catalogue: missing languages, placeholders that differ."""
        out = []
        for key, message in self._messages.items():
            missing = [lang for lang in LANGS if not message.get(lang)]
            if missing:
                out.append(f"{self.source} [{key}]: no text for {', '.join(missing)}")
                continue
            extra = sorted(set(message) - set(LANGS))
            if extra:
                out.append(f"{self.source} [{key}]: unknown language(s) {', '.join(extra)}")
            try:
                names = {lang: _placeholders(message[lang]) for lang in LANGS}
            except ValueError as exc:
                out.append(f"{self.source} [{key}]: malformed template ({exc})")
                continue
            if len({frozenset(v) for v in names.values()}) > 1:
                out.append(f"{self.source} [{key}]: placeholders differ: {names}")
        return out


def load_catalogue(path: Path, base: Catalogue | None = None) -> Catalogue:
    r"""Read a catalogue file (cached per path), optionally on top of a ``base`` catalogue.

    Parameters
    ----------
    path
        A TOML file of ``[id]`` tables with ``sv`` and ``en`` strings.
    base
        Wording shared with other catalogues (a report's file on top of the shared
        ``research/views/texts.toml``); its messages and the file's are merged.

    Returns
    -------
    Catalogue

    Raises
    ------
    DataError
        If the file is missing or is not valid TOML of that shape, or defines an id that
        ``base`` already defines (one id, one wording).

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "texts.toml"
    >>> _ = f.write_text('[riket]\nsv = "Riket"\nen = "Sweden"\n', encoding="utf-8")
    >>> load_catalogue(f)("riket", "en")
    'Sweden'
    >>> shared = Catalogue({"hello": {"sv": "Hej", "en": "Hello"}})
    >>> load_catalogue(f, base=shared)("hello", "sv")
    'Hej'
    """
    cat = _read_catalogue(Path(path))
    return base.merged(cat) if base is not None else cat


@cache
def _read_catalogue(path: Path) -> Catalogue:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"{path}: cannot read the message catalogue ({exc})") from exc
    bad = [k for k, v in raw.items() if not isinstance(v, dict)]
    if bad:
        raise DataError(f"{path}: {', '.join(bad)} must be tables with sv and en strings")
    return Catalogue(raw, str(path))
