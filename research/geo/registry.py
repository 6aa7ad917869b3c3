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
from functools import lru_cache
from pathlib import Path

from research.core.ddf import entity_columns
from research.core.errors import AreaCodeTypeError, UnknownAreaError
from research.core.i18n import Both, load_catalogue
from research.core.paths import data_dir

from .area import (
    LAN_NAMES,
    RIKET,
    Area,
    fold_name,
    name_keys,
    normalize_code,
    strip_accents,
)
from .districts import district_areas, resolve_district

__all__ = ["AreaRegistry", "load_areas", "resolve_area"]

_LEVEL_PREFERENCE = {"kommun": 0, "district": 1, "lan": 2, "riket": 3}

#: Messages in Swedish and English (research/geo/registry_errors.toml).
_TEXTS = load_catalogue(Path(__file__).with_name("registry_errors.toml"))


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
        keys = {fold_name(area.name), *name_keys(area.name)}
        if area.level == "lan":
            base = re.sub(r"\s+län$", "", fold_name(area.name))
            keys |= {base, f"region {base}", f"{base} län"}
            if base.endswith("s"):
                keys |= {base[:-1], f"region {base[:-1]}"}
        if area.level == "riket":
            keys |= {"riket", "sverige", "sweden", "hela landet", "whole country"}
        for index, index_keys in (
            (self._by_key, keys),
            (self._by_plain_key, {strip_accents(k) for k in keys}),
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
            en, sv = _TEXTS.both("no_area_code", code=code, hint="")
            raise UnknownAreaError(en, sv=sv)
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
        key = name_keys(str(text))[-1]
        names = {k: v[0] for k, v in self._by_key.items()}
        close = difflib.get_close_matches(key, list(names), n=n * 3, cutoff=0.6)
        out: list[Area] = []
        for k in close:
            a = names[k]
            if a not in out:
                out.append(a)
        return out[:n]

    def namesakes(self, query: object, level: str, n: int = 3) -> list[Area]:
        """Areas of ``level`` named like ``query``, for a name that found another level.

        ``"Stockholms"`` finds Stockholms län; a candidate must be a kommun, and Stockholm
        (0180) is the kommun the name may have meant. The query's name keys are tried
        without a trailing "län", a leading "Region" and a genitive ``s``, with and
        without diacritics; failing those, names of ``level`` close to it (difflib, 0.8).
        A code or a number has no namesakes.

        Examples
        --------
        >>> reg = load_areas()
        >>> [a.label() for a in reg.namesakes("Stockholms", "kommun")]
        ['Stockholm (0180)']
        >>> [a.label() for a in reg.namesakes("Uppsala", "lan")]
        ['Uppsala län (03)']
        """
        if isinstance(query, Area):
            query = query.name
        if not isinstance(query, str) or not query.strip() or query.strip().isdigit():
            return []
        folded = fold_name(query)
        bare = re.sub(r"^region\s+", "", re.sub(r"\s+län$", "", folded))
        keys: list[str] = []
        for k in (*name_keys(folded), *name_keys(bare)):
            keys += [k, k[:-1]] if k.endswith("s") and len(k) > 2 else [k]
        found: list[Area] = []
        for k in dict.fromkeys(keys):
            for index, key in ((self._by_key, k), (self._by_plain_key, strip_accents(k))):
                found += [a for a in index.get(key, []) if a.level == level and a not in found]
        if not found:
            names = {k: a for k, areas in self._by_key.items() for a in areas if a.level == level}
            for k in difflib.get_close_matches(bare, list(names), n=n * 3, cutoff=0.8):
                if names[k] not in found:
                    found.append(names[k])
        return found[:n]

    def namesake_hint(self, query: object, area: Area, level: str) -> Both:
        """`` Did you mean Stockholm (0180)?``: the areas of ``level`` named like ``query``.

        ``query`` found ``area``, of another level than the ``level`` wanted; the hint is
        empty (in both languages) when no area of ``level`` is named like it. It begins
        with a space, to follow a sentence; callers put it at the end of their message.
        """
        from research.core.fmt import format_list  # Babel: only for this message

        if area.level == level:
            return Both("", "")
        close = [a for a in self.namesakes(query, level) if a.code != area.code]
        if not close:
            return Both("", "")
        en, sv = (
            _TEXTS(
                "namesake_hint",
                lang,
                listed=format_list([a.label() for a in close], lang, "or"),
            )
            for lang in ("en", "sv")
        )
        return Both(en, sv)

    def resolve(self, query: object) -> Area:  # noqa: C901 - code, name, folded name and suggestion lookups in order
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
            en, sv = _TEXTS.both("empty_query")
            raise UnknownAreaError(en, sv=sv)
        if text in self._by_code:
            return self._by_code[text]
        if text.isdigit():
            hint = Both("", "")
            if len(text) < 4:
                padded = text.zfill(4)
                if padded in self._by_code:
                    name = self._by_code[padded].name
                    hint = _TEXTS.phrase("code_padded_hint", padded=padded, name=name)
            en, sv = _TEXTS.both("no_area_code", code=text, hint=hint)
            raise UnknownAreaError(en, sv=sv)
        if ":" in text or "stadsdel" in text.casefold():
            district = resolve_district(text)
            if district is not None:
                return self._by_code.get(district.code, district)
        folded = fold_name(text)
        hint_level = None
        if re.search(r"\s(kommun|stad|municipality)$", folded):
            hint_level = "kommun"
        elif folded.endswith(" län") or folded.startswith("region "):
            hint_level = "lan"
        for key in name_keys(text):
            for area in self._by_key.get(key, []):
                if hint_level is None or area.level == hint_level:
                    return area
        for key in name_keys(text):  # typed without diacritics: "Sodertalje", "Malmo"
            found = [
                a
                for a in self._by_plain_key.get(strip_accents(key), [])
                if hint_level is None or a.level == hint_level
            ]
            best = [a for a in found if a.level == found[0].level]
            if len(best) == 1:
                return best[0]
            if best:
                listed = ", ".join(a.label() for a in best)
                en, sv = _TEXTS.both("ambiguous_without_diacritics", text=text, listed=listed)
                raise UnknownAreaError(en, [(a.code, a.name) for a in best], sv=sv)
        close = self.suggest(text)
        if close:
            listed = ", ".join(a.label() for a in close)
            en, sv = _TEXTS.both("unknown_area_close", text=text, listed=listed)
            raise UnknownAreaError(en, [(a.code, a.name) for a in close], sv=sv)
        en, sv = _TEXTS.both("unknown_area", text=text)
        raise UnknownAreaError(en, sv=sv)


def _build(base: Path) -> AreaRegistry:
    folder = base / "raw" / "kolada"
    areas = [Area(RIKET, "Riket", "riket", None)]
    # Plain columns, not a polars frame: the batch process resolves areas without polars.
    lan = entity_columns(folder / "ddf--entities--geo--region.csv", "region")
    for code, name in zip(lan["region"], lan["name"], strict=True):
        areas.append(Area(code, LAN_NAMES.get(code, name), "lan", RIKET))
    kommun = entity_columns(folder / "ddf--entities--geo--kommun.csv", "kommun")
    for code, name, parent in zip(kommun["kommun"], kommun["name"], kommun["region"], strict=True):
        areas.append(Area(code, name, "kommun", parent))
    areas.extend(district_areas())
    return AreaRegistry(areas)


@lru_cache(maxsize=4)
def _cached(base: Path) -> AreaRegistry:
    return _build(base)


def load_areas(base: Path | None = None) -> AreaRegistry:
    """Return the registry: riket, the 21 län, the 290 kommuner and the registered districts.

    Districts (stadsdelsområden of Stockholm, Göteborg and Malmö) come from
    :mod:`research.geo.districts`; their codes are ``<kommun>-<ID>`` (``"0180-SOD"``).

    Parameters
    ----------
    base
        The data folder holding ``raw/kolada/`` (default: the project's ``data/``).

    Returns
    -------
    AreaRegistry
        Cached per data folder; 1 riket + 21 län + 290 kommuner + the districts.

    Raises
    ------
    DataError
        If the Kolada entity files are missing or malformed.

    References
    ----------
    SCB, *Kommuner och län* (official codes and names); Stockholm, Göteborg and Malmö's
    stadsdelsområden as registered in :mod:`research.geo.districts`.

    Examples
    --------
    >>> reg = load_areas()
    >>> reg.get("0126").label(), len(reg.by_level("kommun"))
    ('Huddinge (0126)', 290)
    """
    return _cached((base or data_dir()).resolve())


def resolve_area(query: object, base: Path | None = None) -> Area:
    """Resolve a code or a typed name to its area, with the default registry.

    Parameters
    ----------
    query
        A code as a string (``"0126"``, ``"0180-SOD"``), a name (``"Huddinge"``, ``"huddinge
        kommun"``, ``"Sodertalje"``) or a district label (``"Stockholm: Södermalm"``).
    base
        The data folder (default: the project's ``data/``).

    Returns
    -------
    Area

    Raises
    ------
    AreaCodeTypeError
        If ``query`` is a number (its leading zeros may be lost).
    UnknownAreaError
        If nothing matches, with the closest names suggested, or if a name is ambiguous.

    References
    ----------
    SCB's kommun and län codes (strings: ``"0126"``, ``"01"``); see :func:`load_areas`.

    Examples
    --------
    >>> resolve_area("Sodertalje").code
    '0181'
    """
    return load_areas(base).resolve(query)
