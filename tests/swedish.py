"""One check that an error's Swedish message is Swedish, for the tests of every layer.

A Swedish message must differ from the English one and hold no English sentence. Code tokens
may stay as they are (quoted values, lists, options, ``name=value``, ``snake_case``
names, calls), as
may the paths and other texts a test names in ``drop`` (a file's path, a parser's own words);
what is left must contain none of :data:`ENGLISH_WORDS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from research.core.errors import PilotbenchError

__all__ = ["ENGLISH_WORDS", "english_words", "swedish_message"]

#: Words that give an English sentence away. None of them is a Swedish word: "in", "test",
#: "design", "period" and "start" are both, and are left out.
ENGLISH_WORDS = frozenset(
    """
    a after allowed an and appears are before cannot column controls control count counts did
    district donor end entry equal exceeds expected field file files first folder found from
    give got greater has have imported include input is items item known lacks last least
    leaves less level lies line loads missing misspelt more most must names need needs no not
    nothing number of only or partly pass problems quotes record report required rule save
    schedule separator should strings such table terms than the there top treated twice unit
    units use valid validation value values was were whole window with would wrong year zero
    """.split()
)

#: Code tokens a Swedish message keeps as they are.
_CODE = re.compile(r"'[^']*'|\"[^\"]*\"|\[[^\]]*\]|--[\w-]+|\S*[_=()]\S*")


def english_words(text: str, *, drop: Iterable[object] = ()) -> list[str]:
    """The English words of ``text``, outside code tokens and the texts in ``drop``."""
    for d in drop:
        if d:
            text = text.replace(str(d), " ")
    prose = _CODE.sub(" ", text)
    return [w for w in re.findall(r"[A-Za-zÅÄÖåäö]+", prose) if w.lower() in ENGLISH_WORDS]


def swedish_message(err: PilotbenchError, *, drop: Iterable[object] = ()) -> str:
    """Return ``err``'s Swedish message after checking it is not the English nor English."""
    sv = err.message("sv")
    assert sv != str(err), sv
    english = english_words(sv, drop=drop)
    assert not english, f"English words {english} in: {sv}"
    return sv
