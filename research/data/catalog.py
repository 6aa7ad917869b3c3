"""The indicator catalogue: labels, units, coverage and registered series breaks.

Read from ``data/catalog.toml``. Every report label, unit and break marker comes from here,
so one edit changes them everywhere.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, get_type_hints

from research.core.derived import load_validated
from research.core.errors import DataError, UnknownIndicatorError
from research.core.i18n import load_catalogue
from research.core.paths import data_dir

__all__ = ["BRA_RELATED", "Catalog", "Indicator", "IndicatorKind", "SeriesBreak", "load_catalog"]

#: Error messages in Swedish and English (research/data/catalog_texts.toml; catalog.toml is
#: the indicator catalogue itself).
_TEXTS = load_catalogue(Path(__file__).with_name("catalog_texts.toml"))

#: What an indicator's values are; ``kind`` in ``data/catalog.toml`` must be one of these.
IndicatorKind = Literal["rate", "share", "count", "mean", "index", "level"]


@dataclass(frozen=True)
class Indicator:
    """One indicator of the catalogue.

    ``per`` is the rate base (100 000 for crime rates); ``denominator`` names the population
    indicator by which an estimated count can be derived (rate x population / per), or is
    ``None`` when no count can be derived.
    """

    id: str
    label_sv: str
    label_en: str
    short_sv: str
    short_en: str
    unit: str
    unit_en: str
    kind: IndicatorKind
    source: str
    coverage: tuple[int, int]
    per: int | None = None
    denominator: str | None = None
    law: str | None = None
    note_sv: str | None = None
    note_en: str | None = None
    violence: bool = False
    default: bool = False

    def label(self, lang: str = "sv", short: bool = False) -> str:
        """Return the label in ``lang`` ("sv" or "en")."""
        if short:
            return self.short_en if lang == "en" else self.short_sv
        return self.label_en if lang == "en" else self.label_sv

    def unit_label(self, lang: str = "sv") -> str:
        """Return the unit in ``lang``."""
        return self.unit_en if lang == "en" else self.unit

    @property
    def per_inhabitants(self) -> bool:
        """Whether this is a rate per ``per`` inhabitants (from counts, e.g. crimes per 100 000).

        The reports that compare counts with Poisson methods take only these; a share (%) or
        a count (population) they refuse.
        """
        return self.kind == "rate" and bool(self.per)


@dataclass(frozen=True)
class SeriesBreak:
    """A registered break in official series: from ``first_year`` on, a new basis."""

    id: str
    first_year: int
    date: str
    indicators: tuple[str, ...]
    label_sv: str
    label_en: str
    description_sv: str
    description_en: str
    source: str

    def label(self, lang: str = "sv") -> str:
        """Return the short label in ``lang``."""
        return self.label_en if lang == "en" else self.label_sv

    def description(self, lang: str = "sv") -> str:
        """Return the full description in ``lang``."""
        return self.description_en if lang == "en" else self.description_sv

    def within(self, first: int, last: int) -> bool:
        """True when the break separates two years of the inclusive window [first, last]."""
        return first < self.first_year <= last


@dataclass(frozen=True)
class Catalog:
    """All indicators and series breaks."""

    indicators: dict[str, Indicator]
    breaks: tuple[SeriesBreak, ...] = field(default=())

    def __getitem__(self, indicator_id: str) -> Indicator:
        return self.get(indicator_id)

    def __contains__(self, indicator_id: object) -> bool:
        return isinstance(indicator_id, str) and indicator_id.upper() in self.indicators

    def get(self, indicator_id: str) -> Indicator:
        """Return an indicator by id (case-insensitive).

        Raises
        ------
        UnknownIndicatorError
            With the closest ids and labels as suggestions.
        """
        key = str(indicator_id).strip().upper()
        if key in self.indicators:
            return self.indicators[key]
        close = difflib.get_close_matches(key, list(self.indicators), n=3, cutoff=0.6)
        hints = {
            lang: _TEXTS(
                "did_you_mean",
                lang,
                choices=", ".join(
                    _TEXTS("choice", lang, id=c, label=self.indicators[c].label(lang, short=True))
                    for c in close
                ),
            )
            if close
            else ""
            for lang in ("en", "sv")
        }
        raise UnknownIndicatorError(
            _TEXTS("unknown_indicator", "en", indicator=indicator_id, hint=hints["en"]),
            sv=_TEXTS("unknown_indicator", "sv", indicator=indicator_id, hint=hints["sv"]),
        )

    def violence_indicators(self, *, default_only: bool = False) -> list[str]:
        """Return the ids of violence-related indicators, in catalogue order."""
        return [
            k for k, v in self.indicators.items() if v.violence and (v.default or not default_only)
        ]

    def breaks_for(
        self, indicator_id: str, window: tuple[int, int] | None = None
    ) -> list[SeriesBreak]:
        """Return the breaks that affect ``indicator_id`` (inside ``window`` if given)."""
        key = indicator_id.upper()
        out = [b for b in self.breaks if key in b.indicators]
        if window is not None:
            out = [b for b in out if b.within(*window)]
        return out


#: Kolada KPI whose registered breaks also apply to a Brå category imported from files.
BRA_RELATED: dict[str, str] = {
    "BRA_GROV_KVINNOFRID": "N07402",
    "BRA_MISSHANDEL_KVINNA": "N07549",
    "BRA_MISSHANDEL_KVINNA_PARTNER": "N07401",
    "BRA_TOTAL": "N07540",
    "BRA_VALDTAKT": "N07537",
    "BRA_GROV_FRID": "N07536",
    "BRA_OLAGA_FORFOLJELSE": "N07536",
    "BRA_OLAGA_HOT": "N07536",
    "BRA_OFREDANDE": "N07536",
    "BRA_INTEGRITETSINTRANG": "N07536",
    "BRA_BARNFRID": "N07536",
    "BRA_KONTAKTFORBUD": "N07536",
}


def _bra_indicators() -> dict[str, Indicator]:
    """The Brå categories files can be imported under (:mod:`research.data.bra_categories`)."""
    from research.data.bra_categories import BRA_CATEGORIES

    cats = BRA_CATEGORIES.values() if isinstance(BRA_CATEGORIES, dict) else BRA_CATEGORIES
    out = {}
    for c in cats:
        first = c.since.year if c.since else 1975
        out[c.id] = Indicator(
            id=c.id,
            label_sv=f"Anmälda brott: {c.label_sv}",
            label_en=f"Reported: {c.label_en}",
            short_sv=c.label_sv,
            short_en=c.label_en,
            unit="per 100\u00a0000 inv.",
            unit_en="per 100,000 inhabitants",
            kind="rate",
            source="Brå (imported file)",
            coverage=(first, 2100),
            per=100_000,
            denominator=None,
            law=c.law or None,
            note_sv="Importerad från Brå; antal är officiella.",
            note_en="Imported from Brå; counts are official.",
            violence=c.id != "BRA_TOTAL",
            default=False,
        )
    return out


def _parse(raw: dict, path: Path) -> Catalog:
    indicators = {}
    for key, d in raw.get("indicators", {}).items():
        try:
            indicators[key.upper()] = Indicator(
                id=key.upper(),
                label_sv=d["label_sv"],
                label_en=d["label_en"],
                short_sv=d.get("short_sv", d["label_sv"]),
                short_en=d.get("short_en", d["label_en"]),
                unit=d["unit"],
                unit_en=d.get("unit_en", d["unit"]),
                kind=d["kind"],
                source=d["source"],
                coverage=(int(d["coverage"][0]), int(d["coverage"][1])),
                per=d.get("per"),
                denominator=d.get("denominator"),
                law=d.get("law"),
                note_sv=d.get("note_sv"),
                note_en=d.get("note_en"),
                violence=bool(d.get("violence", False)),
                default=bool(d.get("default", False)),
            )
        except (KeyError, IndexError, TypeError) as exc:
            en, sv = _TEXTS.both("bad_indicator", path=path, key=key, detail=exc)
            raise DataError(en, sv=sv) from exc
    for key, ind in _bra_indicators().items():
        indicators.setdefault(key, ind)
    breaks = []
    for i, b in enumerate(raw.get("breaks", []), start=1):
        try:
            unknown = [x for x in b["indicators"] if x.upper() not in indicators]
            if unknown:
                en, sv = _TEXTS.both(
                    "break_unknown_indicators", path=path, id=b["id"], unknown=unknown
                )
                raise DataError(en, sv=sv)
            breaks.append(
                SeriesBreak(
                    id=b["id"],
                    first_year=int(b["first_year"]),
                    date=str(b["date"]),
                    indicators=tuple(x.upper() for x in b["indicators"])
                    + tuple(k for k, v in BRA_RELATED.items() if v in b["indicators"]),
                    label_sv=b["label_sv"],
                    label_en=b["label_en"],
                    description_sv=b["description_sv"],
                    description_en=b["description_en"],
                    source=b["source"],
                )
            )
        except KeyError as exc:
            en, sv = _TEXTS.both("break_lacks", path=path, number=i, field=exc)
            raise DataError(en, sv=sv) from exc
    return Catalog(indicators, tuple(breaks))


#: Fields an ``[indicators.ID]`` table may leave out although :class:`Indicator` requires them:
#: ``_parse`` fills the short labels from the labels and ``unit_en`` from ``unit``.
_FILLED_BY_PARSE = ("short_sv", "short_en", "unit_en")


def _ordered(years: list[int]) -> list[int]:
    if years[0] > years[1]:
        from research.core.config import schema_error

        raise schema_error("years_not_ordered", first=years[0], last=years[1])
    return years


@lru_cache(maxsize=1)
def _catalog_model() -> Any:
    """Return the pydantic model of ``data/catalog.toml``, built from :class:`Indicator`'s fields.

    An ``[indicators.ID]`` table has :class:`Indicator`'s fields (bar ``id``, the table's key)
    with their types and defaults, and where the file is stricter, its constraints: labels and
    source not empty, ``coverage`` two ordered years, ``per`` positive. Built on first use, so that
    importing this module does not import pydantic (0.3-0.4 s).
    """
    from pydantic import AfterValidator, Field, create_model

    from research.core.config import BreakEntry, NonEmpty, Year

    stricter: dict[str, Any] = {
        "label_sv": NonEmpty,
        "label_en": NonEmpty,
        "source": NonEmpty,
        "coverage": Annotated[
            list[Year], Field(min_length=2, max_length=2), AfterValidator(_ordered)
        ],
        "per": Annotated[int, Field(gt=0)] | None,
    }
    hints = get_type_hints(Indicator)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(Indicator):
        if f.name == "id":
            continue
        kind = stricter.get(f.name, hints[f.name])
        if f.name in _FILLED_BY_PARSE:
            fields[f.name] = (kind | None, None)
        else:
            fields[f.name] = (kind, ... if f.default is dataclasses.MISSING else f.default)
    config = BreakEntry.model_config  # strict, closed, frozen, like every table of the file
    entry = create_model("IndicatorEntry", __config__=config, **fields)
    return create_model(
        "CatalogFile",
        __config__=config,
        schema_version=(Literal[1], 1),
        indicators=(dict[str, entry], Field(default_factory=dict)),  # type: ignore[valid-type]
        breaks=(list[BreakEntry], Field(default_factory=list)),
    )


@lru_cache(maxsize=4)
def _load_cached(path: Path, digest: str) -> Catalog:
    return load_validated("catalog", path, digest, Path(__file__), lambda: _validated(path))


def _validated(path: Path) -> Catalog:
    """Read, validate (pydantic) and parse the catalogue; see :mod:`research.core.derived`."""
    from research.core.config import read_toml, validate_config

    raw = read_toml(path, DataError, _TEXTS.both("what_catalogue"))
    validate_config(_catalog_model(), raw, path)
    return _parse(raw, path)


def load_catalog(path: Path | None = None) -> Catalog:
    r"""Load the indicator catalogue (``data/catalog.toml`` by default).

    Examples
    --------
    >>> cat = load_catalog()
    >>> cat["n07402"].unit
    'per 100\xa0000 inv.'
    """
    path = path or data_dir() / "catalog.toml"
    if not path.exists():
        en, sv = _TEXTS.both("catalogue_missing", path=path)
        raise DataError(en, sv=sv)
    if path.is_dir():
        en, sv = _TEXTS.both("catalogue_is_folder", path=path)
        raise DataError(en, sv=sv)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()  # content, not mtime
    except OSError as exc:
        en, sv = _TEXTS.both("catalogue_unreadable", path=path, reason=exc.strerror)
        raise DataError(en, sv=sv) from exc
    return _load_cached(path, digest)
