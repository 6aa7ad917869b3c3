"""The area registry: riket, län and kommuner, looked up by code or by name.

Codes are strings everywhere: riket ``"00"``, län two digits (``"01"``), kommuner four digits
(``"0126"``). The snapshot's riket code ``"0"`` and Kolada's ``"0000"`` are accepted as aliases.
Names are matched without regard to case, a trailing "kommun"/"stad"/"län", a leading
"Region", or a genitive ``s`` ("Arjeplogs kommun"), and, when nothing matches literally,
without regard to diacritics ("Sodertalje" is Södertälje), as names are often typed on
keyboards without å, ä and ö; a name that is ambiguous without its diacritics is refused with
the candidates listed. Integers are refused: ``126`` has lost
its leading zero and could be a different area.

Examples
--------
>>> reg = load_areas()
>>> reg.resolve("huddinge kommun").code
'0126'
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .ddf import read_entities
from .errors import AreaCodeTypeError, UnknownAreaError
from .paths import data_dir

__all__ = [
    "LAN_NAMES",
    "LEVELS",
    "RIKET",
    "Area",
    "AreaRegistry",
    "load_areas",
    "normalize_code",
    "resolve_area",
]

RIKET = "00"
LEVELS = ("riket", "lan", "kommun", "district")

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

_LEVEL_PREFERENCE = {"kommun": 0, "district": 1, "lan": 2, "riket": 3}


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


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold().strip()
    return re.sub(r"\s+", " ", text)


def _strip_accents(text: str) -> str:
    """``text`` without combining marks: ``"södertälje"`` -> ``"sodertalje"``."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def _name_keys(text: str) -> list[str]:
    """Candidate normalized keys for a user-typed name, most literal first."""
    t = _fold(text)
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
        If ``code`` is a number (its leading zeros may be lost).
    """
    if isinstance(code, bool) or isinstance(code, int | float):
        raise AreaCodeTypeError(
            f"Area code {code!r} is a number, so any leading zeros are lost. Codes are strings "
            f"with leading zeros: a kommun has four digits (write '{int(code):04d}'), a län two.",
            sv=f"Områdeskoden {code!r} är ett tal, så inledande nollor har försvunnit. Koder är "
            f"text med inledande nollor: en kommun har fyra siffror (skriv '{int(code):04d}'), "
            "ett län två.",
        )
    text = str(code).strip()
    if text in ("0", "00", "0000"):
        return RIKET
    return text


class AreaRegistry:
    """Lookup of areas by code or name, with suggestions for near misses."""

    def __init__(self, areas: list[Area]) -> None:
        self._by_code: dict[str, Area] = {}
        self._by_key: dict[str, list[Area]] = {}
        self._by_plain_key: dict[str, list[Area]] = {}  # keys without diacritics
        for a in areas:
            self.add(a)

    def add(self, area: Area) -> None:
        """Register an area (replacing one with the same code)."""
        self._by_code[area.code] = area
        keys = {_fold(area.name), *_name_keys(area.name)}
        if area.level == "lan":
            base = re.sub(r"\s+län$", "", _fold(area.name))
            keys |= {base, f"region {base}", f"{base} län"}
            if base.endswith("s"):
                keys |= {base[:-1], f"region {base[:-1]}"}
        if area.level == "riket":
            keys |= {"riket", "sverige", "sweden", "hela landet", "whole country"}
        for index, index_keys in (
            (self._by_key, keys),
            (self._by_plain_key, {_strip_accents(k) for k in keys}),
        ):
            for k in index_keys:
                bucket = index.setdefault(k, [])
                if area not in bucket:
                    bucket.append(area)
                    bucket.sort(key=lambda a: _LEVEL_PREFERENCE[a.level])

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self):
        return iter(self._by_code.values())

    def __contains__(self, code: object) -> bool:
        try:
            return normalize_code(code) in self._by_code
        except AreaCodeTypeError:
            return False

    def get(self, code: str) -> Area:
        """Return the area with exactly this code (riket aliases allowed)."""
        c = normalize_code(code)
        if c not in self._by_code:
            raise UnknownAreaError(
                f"No area has the code {code!r}.", sv=f"Inget område har koden {code!r}."
            )
        return self._by_code[c]

    def by_level(self, level: str) -> list[Area]:
        """Return all areas of one level, sorted by code."""
        return sorted((a for a in self if a.level == level), key=lambda a: a.code)

    def children(self, code: str) -> list[Area]:
        """Return the areas whose parent is ``code``, sorted by code."""
        c = normalize_code(code)
        return sorted((a for a in self if a.parent_code == c), key=lambda a: a.code)

    def suggest(self, text: str, n: int = 3) -> list[Area]:
        """Return up to ``n`` areas whose names are close to ``text``."""
        key = _name_keys(str(text))[-1]
        names = {k: v[0] for k, v in self._by_key.items()}
        close = difflib.get_close_matches(key, list(names), n=n * 3, cutoff=0.6)
        out: list[Area] = []
        for k in close:
            a = names[k]
            if a not in out:
                out.append(a)
        return out[:n]

    def resolve(self, query: object) -> Area:
        """Resolve a code or name to an :class:`Area`.

        Parameters
        ----------
        query
            A code string (``"0126"``), a name (``"Huddinge"``, ``"huddinge kommun"``) or an
            :class:`Area`.

        Raises
        ------
        AreaCodeTypeError
            If ``query`` is a number.
        UnknownAreaError
            If nothing matches; the message suggests the closest names with their codes.
        """
        if isinstance(query, Area):
            return query
        text = normalize_code(query)
        if not text:
            raise UnknownAreaError(
                "An empty string is not an area name or code.",
                sv="En tom sträng är varken ett områdesnamn eller en kod.",
            )
        if text in self._by_code:
            return self._by_code[text]
        if text.isdigit():
            hint = hint_sv = ""
            if len(text) < 4:
                padded = text.zfill(4)
                if padded in self._by_code:
                    name = self._by_code[padded].name
                    hint = (
                        f" Kommun codes have four digits with leading zeros: did you mean "
                        f"'{padded}' ({name})?"
                    )
                    hint_sv = (
                        f" Kommunkoder har fyra siffror med inledande nollor: menade du "
                        f"'{padded}' ({name})?"
                    )
            raise UnknownAreaError(
                f"No area has the code {text!r}.{hint}",
                sv=f"Inget område har koden {text!r}.{hint_sv}",
            )
        if ":" in text or "stadsdel" in text.casefold():
            from .districts import resolve_district

            district = resolve_district(text)
            if district is not None:
                return self._by_code.get(district.code, district)
        folded = _fold(text)
        hint_level = None
        if re.search(r"\s(kommun|stad|municipality)$", folded):
            hint_level = "kommun"
        elif folded.endswith(" län") or folded.startswith("region "):
            hint_level = "lan"
        for key in _name_keys(text):
            for area in self._by_key.get(key, []):
                if hint_level is None or area.level == hint_level:
                    return area
        for key in _name_keys(text):  # typed without diacritics: "Sodertalje", "Malmo"
            found = [
                a
                for a in self._by_plain_key.get(_strip_accents(key), [])
                if hint_level is None or a.level == hint_level
            ]
            best = [a for a in found if a.level == found[0].level]
            if len(best) == 1:
                return best[0]
            if best:
                listed = ", ".join(a.label() for a in best)
                raise UnknownAreaError(
                    f"{text!r} matches several areas when diacritics are ignored: {listed}; "
                    "write the name with å, ä and ö, or give the code.",
                    [(a.code, a.name) for a in best],
                    sv=f"{text!r} passar flera områden när å, ä och ö inte skiljs åt: "
                    f"{listed}; skriv namnet med å, ä och ö, eller ange koden.",
                )
        close = self.suggest(text)
        if close:
            listed = ", ".join(a.label() for a in close)
            raise UnknownAreaError(
                f"{text!r} is not a known area; did you mean {listed}?",
                [(a.code, a.name) for a in close],
                sv=f"{text!r} är inget känt område; menade du {listed}?",
            )
        raise UnknownAreaError(
            f"{text!r} is not a known area, and no name is close to it. "
            "Use a kommun name or its four-digit code as a string (e.g. '0126').",
            sv=f"{text!r} är inget känt område, och inget namn liknar det. Ange ett "
            "kommunnamn eller kommunens fyrsiffriga kod som text (t.ex. '0126').",
        )


def _build(base: Path) -> AreaRegistry:
    folder = base / "raw" / "kolada"
    areas = [Area(RIKET, "Riket", "riket", None)]
    for row in read_entities(folder / "ddf--entities--geo--region.csv", "region").iter_rows(
        named=True
    ):
        code = row["region"]
        areas.append(Area(code, LAN_NAMES.get(code, row["name"]), "lan", RIKET))
    for row in read_entities(folder / "ddf--entities--geo--kommun.csv", "kommun").iter_rows(
        named=True
    ):
        areas.append(Area(row["kommun"], row["name"], "kommun", row["region"]))
    from .districts import district_areas

    areas.extend(district_areas())
    return AreaRegistry(areas)


@lru_cache(maxsize=4)
def _cached(base: Path) -> AreaRegistry:
    return _build(base)


def load_areas(base: Path | None = None) -> AreaRegistry:
    """Return the registry: riket, the 21 län, the 290 kommuner and the registered districts.

    Districts (stadsdelsområden of Stockholm, Göteborg and Malmö) come from
    :mod:`research.districts`; their codes are ``<kommun>-<ID>`` (``"0180-SOD"``).
    """
    return _cached((base or data_dir()).resolve())


def resolve_area(query: object, base: Path | None = None) -> Area:
    """Resolve ``query`` with the default registry; see :meth:`AreaRegistry.resolve`."""
    return load_areas(base).resolve(query)
