"""What an area is: its code, name and level, and how codes and names are normalised.

Codes are strings everywhere: riket ``"00"``, län two digits (``"01"``), kommuner four digits
(``"0126"``), districts ``<kommun>-<ID>`` (``"0180-SOD"``). This module has no data of its
own; :mod:`research.geo.registry` loads the areas and :mod:`research.geo.districts` the
districts.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from research.core.errors import AreaCodeTypeError
from research.core.i18n import Both, load_catalogue

__all__ = [
    "LAN_NAMES",
    "LEVELS",
    "RIKET",
    "Area",
    "fold_name",
    "level_phrase",
    "name_keys",
    "normalize_code",
    "strip_accents",
]

RIKET = "00"
LEVELS = ("riket", "lan", "kommun", "district")

#: Messages in Swedish and English (research/geo/area_errors.toml).
_TEXTS = load_catalogue(Path(__file__).with_name("area_errors.toml"))

#: The levels in words (research/geo/levels.toml).
_LEVELS = load_catalogue(Path(__file__).with_name("levels.toml"))


def level_phrase(level: str) -> Both:
    """An area's level in words, as the object of "is": ``a län`` / ``ett län``.

    The one wording every message uses to say what kind of area was given ("{area} is
    {level}"); a level that is none of :data:`LEVELS` is given as it is.

    Parameters
    ----------
    level
        ``"riket"``, ``"lan"``, ``"kommun"`` or ``"district"``.

    Returns
    -------
    Both
        The English and Swedish phrase.

    Examples
    --------
    >>> level_phrase("lan")
    Both(en='a län', sv='ett län')
    >>> level_phrase("district").sv, level_phrase("riket").en, level_phrase("x").sv
    ('ett stadsdelsområde', 'Sweden as a whole', 'x')
    """
    key = f"level_{level}"
    return _LEVELS.phrase(key) if key in _LEVELS else Both(level, level)


#: Official names of the 21 län (SCB), keyed by län code. Kolada names them "Region X".
LAN_NAMES: dict[str, str] = {
    "01": "Stockholms län", "03": "Uppsala län", "04": "Södermanlands län",
    "05": "Östergötlands län", "06": "Jönköpings län", "07": "Kronobergs län",
    "08": "Kalmar län", "09": "Gotlands län", "10": "Blekinge län", "12": "Skåne län",
    "13": "Hallands län", "14": "Västra Götalands län", "17": "Värmlands län",
    "18": "Örebro län", "19": "Västmanlands län", "20": "Dalarnas län",
    "21": "Gävleborgs län", "22": "Västernorrlands län", "23": "Jämtlands län",
    "24": "Västerbottens län", "25": "Norrbottens län",
}  # fmt: skip


@dataclass(frozen=True)
class Area:
    """One area: ``level`` is riket, lan, kommun or district; ``parent_code`` its parent."""

    code: str
    name: str
    level: str
    parent_code: str | None

    def label(self, with_code: bool = True) -> str:
        """Return ``"Huddinge (0126)"`` (or just the name)."""
        return f"{self.name} ({self.code})" if with_code else self.name


def fold_name(text: str) -> str:
    """A name folded for matching: NFC, case-folded, white space collapsed."""
    text = unicodedata.normalize("NFC", text).casefold().strip()
    return re.sub(r"\s+", " ", text)


def strip_accents(text: str) -> str:
    """``text`` without combining marks: ``"södertälje"`` -> ``"sodertalje"``."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def name_keys(text: str) -> list[str]:
    """Candidate normalized keys for a user-typed name, most literal first."""
    t = fold_name(text)
    keys = [t]
    stripped = re.sub(r"\s+(kommun|stad|municipality)$", "", t)
    keys.append(stripped)
    if stripped.endswith("s") and stripped != t:
        keys.append(stripped[:-1])  # genitive: "Arjeplogs kommun", "Stockholms stad"
    return list(dict.fromkeys(keys))


def normalize_code(code: object) -> str:
    """Check that ``code`` is a string of digits and map riket aliases to ``"00"``.

    Raises
    ------
    AreaCodeTypeError
        If ``code`` is a number (its leading zeros may be lost) or not text at all.
    """
    if isinstance(code, bool) or isinstance(code, int | float):
        finite = not isinstance(code, float) or math.isfinite(code)
        hint = f"'{int(code):04d}'" if finite else "'0126'"
        en, sv = _TEXTS.both("code_is_number", code=code, hint=hint)
        raise AreaCodeTypeError(en, sv=sv)
    if not isinstance(code, str):  # None, a list, ...: "'None' is not a known area" misled
        en, sv = _TEXTS.both("code_not_text", code=code, type=type(code).__name__)
        raise AreaCodeTypeError(en, sv=sv)
    text = code.strip()
    if text in ("0", "00", "0000"):
        return RIKET
    return text
