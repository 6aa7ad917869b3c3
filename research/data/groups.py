"""Official peer groups of kommuner from Kolada: "Liknande kommuner" and SKR's kommungrupper.

Kolada (RKA) publishes 3 630 municipality groups (``data/raw/kolada-groups``, see its
SOURCES.md). Two kinds matter for choosing comparison kommuner:

* **Liknande kommuner** ("similar kommuner"): for every kommun and theme, the seven kommuner
  RKA finds most similar on structural variables for that theme, recomputed yearly. The year
  is in the title: "Liknande kommuner IFO, Huddinge, 2024" (IFO = individ- och familjeomsorg,
  social services for individuals and families, the theme closest to intimate partner
  violence work). The kommun itself is not a member of its own group.
* **SKR kommungrupp**: SKR's classification of the 290 kommuner into nine groups (Storstäder,
  Pendlingskommun nära storstad, ...), a partition of Sweden. Kolada does not say which
  edition (2017 or 2023) the names follow, so it is labelled "SKR kommungrupp (enligt
  Kolada)".

Group references
----------------
Everywhere pilotbench takes a list of comparison areas, a *group reference* may stand in for
the list (:func:`resolve_group`, :func:`resolve_area_list`):

``kolada:liknande-ifo``, ``kolada:liknande-socioekonomi``, ``kolada:liknande-overgripande``
    The Liknande kommuner group of the kommun the analysis is about (the pilot for donor
    pools, the target for similarity), in the latest year available. Append ``:KOMMUN`` to
    name another kommun and ``@YEAR`` for a year: ``kolada:liknande-ifo:Huddinge@2024``.
    The other themes work the same way (``liknande-lss``, ``liknande-aldreomsorg``, ...).
``skr:<kommungrupp>``
    An SKR kommungrupp by name, ``skr:Pendlingskommun nära storstad``; ``skr:`` alone means
    the kommungrupp of the kommun the analysis is about.
``kolada:<group id or exact title>``
    Any Kolada group, ``kolada:G92793`` or ``kolada:Södertörnskommunerna``.

A reference resolves to an :class:`AreaGroup`, which keeps the group's Kolada id, title and
year beside the member codes, so reports can say which group was used.

Examples
--------
>>> g = resolve_group("kolada:liknande-ifo", kommun="Huddinge")
>>> g.title, g.year, len(g.codes)
('Liknande kommuner IFO, Huddinge, 2024', 2024, 7)
>>> resolve_group("skr:Pendlingskommun nära storstad").group_id
'G92793'
>>> skr_group("0126").name
'Pendlingskommun nära storstad'
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from research.core.errors import ArgumentError, DataError, UnknownAreaError
from research.core.i18n import load_catalogue
from research.core.paths import data_dir

__all__ = [
    "LIKNANDE_THEMES",
    "OFFICIAL_THEMES",
    "SKR_GROUP_IDS",
    "AreaGroup",
    "UnknownGroupError",
    "expand_group_references",
    "is_group_reference",
    "load_groups",
    "official_groups",
    "resolve_area_list",
    "resolve_group",
    "skr_group",
]

_TEXTS = load_catalogue(Path(__file__).with_name("texts.toml"))

#: The nine SKR kommungrupper as Kolada publishes them (ids G92786-G92794).
SKR_GROUP_IDS: tuple[str, ...] = tuple(f"G{n}" for n in range(92786, 92795))

#: Slug -> theme as written in Kolada's "Liknande kommuner <theme>, <kommun>, <year>" titles.
LIKNANDE_THEMES: dict[str, str] = {
    "ifo": "IFO",
    "socioekonomi": "socioekonomi",
    "overgripande": "övergripande",
    "ekonomiskt-bistand": "ekonomiskt bistånd",
    "aldreomsorg": "äldreomsorg",
    "lss": "LSS",
    "arbetsmarknad": "arbetsmarknad",
    "grundskola": "grundskola",
    "gymnasieskola": "gymnasieskola",
    "forskola": "förskola",
    "fritidshem": "fritidshem",
    "raddningstjanst": "räddningstjänst",
}

#: The themes shown beside data-driven neighbours (IFO first: social services).
OFFICIAL_THEMES: tuple[str, ...] = ("ifo", "socioekonomi", "overgripande")

_SOURCE = "kolada-groups"
_FILE = "raw/kolada-groups/municipality_groups.csv"
_LIKNANDE = re.compile(
    r"^Liknande kommuner,? (?P<theme>[^,]+), (?P<kommun>[^,]+?)(?:, (?P<year>\d{4}))?$"
)
_SLUG = re.compile(
    r"^liknande[-\s]+(?P<theme>[^:@]+?)\s*(?::\s*(?P<kommun>[^@]+?))?\s*(?:@\s*(?P<year>\d{4}))?$",
    re.IGNORECASE,
)
_SUFFIX = " (ovägt medel)"
_REF = re.compile(r"^(?P<prefix>kolada|skr)\s*:\s*(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
_ID = re.compile(r"^G\d+$", re.IGNORECASE)


class UnknownGroupError(UnknownAreaError, ArgumentError):
    """A group reference names no Kolada group; ``suggestions`` holds close matches."""


@dataclass(frozen=True)
class AreaGroup:
    """A resolved group reference.

    Attributes
    ----------
    reference
        The reference as given (``"kolada:liknande-ifo"``).
    group_id
        Kolada's group id (``"G92793"``).
    title
        The title as Kolada publishes it.
    name
        A short display name: the SKR group without "(ovägt medel)", or the title.
    kind
        ``"liknande"``, ``"skr"`` or ``"kolada"`` (any other group).
    theme
        The Liknande kommuner theme slug (``"ifo"``), else ``None``.
    owner
        Code of the kommun a Liknande kommuner group belongs to, else ``None``.
    year
        The year in the title (Liknande kommuner), else ``None``.
    codes, names
        Member kommun codes and names, sorted by code.
    """

    reference: str
    group_id: str
    title: str
    name: str
    kind: str
    theme: str | None
    owner: str | None
    year: int | None
    codes: tuple[str, ...]
    names: tuple[str, ...]

    def label(self, lang: str = "sv") -> str:
        """Title for a report: ``"Liknande kommuner IFO, Huddinge, 2024 (Kolada G...)"``."""
        if self.kind == "skr":
            return _TEXTS("skr_group", lang, name=self.name)
        return self.title

    def members(self) -> list[str]:
        """Member labels, ``"Järfälla (0123)"``, sorted by code."""
        return [f"{n} ({c})" for c, n in zip(self.codes, self.names, strict=True)]


def _fold(text: str) -> str:
    t = unicodedata.normalize("NFC", str(text)).casefold().strip()
    return re.sub(r"\s+", " ", t)


def _ascii(text: str) -> str:
    t = unicodedata.normalize("NFKD", _fold(text))
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return re.sub(r"[\s_]+", "-", t)


@lru_cache(maxsize=4)
def _load(base: Path) -> pl.DataFrame:
    from research.geo.registry import load_areas

    from .provenance import verify_files

    verify_files(base, source=_SOURCE)
    path = base / _FILE
    try:
        raw = pl.read_csv(path, schema_overrides={"member_id": pl.Utf8}, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        en, sv = _TEXTS.both("groups_unreadable", path=path, detail=exc)
        raise DataError(en, sv=sv) from exc
    expected = ["group_id", "group_title", "member_id", "member_title"]
    if raw.columns != expected:
        en, sv = _TEXTS.both("groups_columns", path=path, expected=expected, found=raw.columns)
        raise DataError(en, sv=sv)
    reg = load_areas(base)
    # About 3 500 Liknande groups name some 300 kommuner and a dozen themes: resolve each
    # name once (issue 17: this load is part of every default report).
    slugs: dict[str, str] = {}
    owners: dict[str, str | None] = {}
    info: dict[str, tuple[str, str | None, str | None, int | None]] = {}
    for gid, title in raw.select("group_id", "group_title").unique().iter_rows():
        kind, theme, owner, year = "kolada", None, None, None
        m = _LIKNANDE.match(title)
        if gid in SKR_GROUP_IDS:
            kind = "skr"
        elif m:
            slug = slugs.get(m["theme"]) or slugs.setdefault(m["theme"], _ascii(m["theme"]))
            if slug in LIKNANDE_THEMES:
                kind, theme = "liknande", slug
                year = int(m["year"]) if m["year"] else None
                name = m["kommun"]
                if name not in owners:
                    try:
                        area = reg.resolve(name)
                        owners[name] = area.code if area.level == "kommun" else None
                    except UnknownAreaError:
                        owners[name] = None  # e.g. a räddningstjänstförbund
                owner = owners[name]
        info[gid] = (kind, theme, owner, year)
    meta = pl.DataFrame(
        [(g, *v) for g, v in info.items()],
        schema={
            "group_id": pl.Utf8,
            "kind": pl.Utf8,
            "theme": pl.Utf8,
            "owner": pl.Utf8,
            "year": pl.Int64,
        },
        orient="row",
    )
    return raw.join(meta, on="group_id", how="left").sort("group_id", "member_id")


#: One group as :func:`_index` keeps it: title, kind, theme, owner, year, codes, names.
_Record = tuple[str, str, str | None, str | None, int | None, tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True)
class _GroupIndex:
    """What resolving Liknande kommuner and SKR groups needs, without the polars frame.

    ``groups`` maps a group id to its :data:`_Record`; ``liknande`` maps (theme, owner) to
    that kommun's groups as (year, group id) in group-id order; ``skr`` maps a kommun code to
    the first (by id) SKR kommungrupp it is in. Equal strings are one object, so the pickle
    stores each kommun name once.
    """

    groups: dict[str, _Record]
    liknande: dict[tuple[str, str], tuple[tuple[int | None, str], ...]]
    skr: dict[str, str]


def _build_index(base: Path) -> _GroupIndex:
    """Build the index from the verified raw CSV (:func:`_load`); see :func:`_index`."""
    frame = _load(base)
    one: dict[object, object] = {}  # one object per distinct string

    def same(x):
        return x if x is None else one.setdefault(x, x)

    rows: dict[str, list] = {}
    for gid, title, code, name, kind, theme, owner, year in frame.iter_rows():
        rec = rows.get(gid)
        if rec is None:  # the frame is sorted by group id, then member code
            rec = rows[gid] = [title, kind, same(theme), same(owner), year, [], []]
        rec[5].append(same(code))
        rec[6].append(same(name))
    groups: dict[str, _Record] = {}
    liknande: dict[tuple[str, str], list[tuple[int | None, str]]] = {}
    skr: dict[str, str] = {}
    for gid, (title, kind, theme, owner, year, codes, names) in rows.items():
        groups[gid] = (title, kind, theme, owner, year, tuple(codes), tuple(names))
        if kind == "liknande" and owner is not None:
            liknande.setdefault((theme, owner), []).append((year, gid))
        elif kind == "skr":
            for code in codes:
                skr.setdefault(code, gid)
    return _GroupIndex(groups, {k: tuple(v) for k, v in liknande.items()}, skr)


@lru_cache(maxsize=4)
def _index(base: Path) -> _GroupIndex:
    """The Kolada groups as :class:`_GroupIndex`, cached on disk by the raw file's checksum.

    A report needs the few groups of one kommun (:func:`official_groups`); parsing the
    1.8 MB CSV into a frame and resolving its 3 500 owners cost a report's kernel about
    18 MiB and 70 ms (issue 17). The index is a derived table
    (:func:`research.core.derived.load_derived`) keyed on the CSV's sha256, the manifest's
    (the area registry that names the owners) and this module's and the registry's code.
    The CSV is checked against the manifest on every first use in a process
    (:func:`~research.data.provenance.verify_files`), so a changed raw file is refused, and
    one that the manifest records anew gets a new key and is parsed again.
    """
    from research.core.derived import derived_key, load_derived
    from research.geo import registry

    from .provenance import sha256_file, verify_files

    records = verify_files(base, source=_SOURCE)
    digests = "".join(sorted(f"{r.path}={r.sha256};" for r in records))
    try:
        manifest = sha256_file(base / "manifest.toml")
    except OSError as exc:  # verify_files read it a moment ago
        en, sv = _TEXTS.both(
            "groups_manifest_unreadable", path=base / "manifest.toml", reason=exc.strerror
        )
        raise DataError(en, sv=sv) from exc
    key = derived_key(digests + manifest, [Path(__file__), Path(registry.__file__)])
    return load_derived("kolada-groups", key, lambda: _build_index(base))


def _short_title(title: str) -> str:
    """A group's title without Kolada's " (ovägt medel)" suffix (the name users write)."""
    return title[: -len(_SUFFIX)] if title.endswith(_SUFFIX) else title


def _record_group(index: _GroupIndex, gid: str, reference: str) -> AreaGroup:
    title, kind, theme, owner, year, codes, names = index.groups[gid]
    name = _short_title(title)
    return AreaGroup(
        reference=reference,
        group_id=gid,
        title=title,
        name=name,
        kind=kind,
        theme=theme,
        owner=owner,
        year=year,
        codes=codes,
        names=names,
    )


def load_groups(base: Path | None = None) -> pl.DataFrame:
    """Return every Kolada group membership, one row per (group, member).

    Columns: ``group_id``, ``group_title``, ``member_id`` (kommun code), ``member_title``,
    ``kind`` (``"liknande"``, ``"skr"``, ``"kolada"``), ``theme`` (slug of
    :data:`LIKNANDE_THEMES`), ``owner`` (the kommun a Liknande group belongs to) and
    ``year``. The file's sha256 is checked against ``data/manifest.toml`` first.

    Raises
    ------
    ChecksumError
        If the raw file differs from the manifest.
    DataError
        If it cannot be read or has other columns.

    Examples
    --------
    >>> g = load_groups()
    >>> g["group_id"].n_unique(), g.height
    (3630, 26573)
    """
    return _load((base or data_dir()).resolve())


def is_group_reference(value: object) -> bool:
    """Whether ``value`` is a group reference (``kolada:...``, ``skr:...``, a bare ``G`` id).

    Examples
    --------
    >>> is_group_reference("kolada:liknande-ifo"), is_group_reference("0126")
    (True, False)
    """
    if not isinstance(value, str):
        return False
    text = value.strip()
    return bool(_REF.match(text) or _ID.match(text))


def _unknown(
    reference: str,
    what: str,
    choices: Sequence[str],
    hint: tuple[str, str],
    prefix: str = "",
) -> UnknownGroupError:
    """The error for a reference that names no group; ``hint`` is ``(English, Swedish)``."""
    close = difflib.get_close_matches(_fold(what), [_fold(c) for c in choices], n=3, cutoff=0.5)
    by_fold = {_fold(c): c for c in choices}
    sugg = [prefix + by_fold[c] for c in close]
    if sugg:
        listed = _TEXTS.both("unknown_group_suggest", choices=", ".join(repr(s) for s in sugg))
    else:
        listed = _TEXTS.both("unknown_group_no_suggest")
    en = _TEXTS("unknown_group", "en", reference=reference, listed=listed[0], hint=hint[0])
    sv = _TEXTS("unknown_group", "sv", reference=reference, listed=listed[1], hint=hint[1])
    return UnknownGroupError(en, [(s, s) for s in sugg], sv=sv)


def _owner_code(text: str, base: Path | None) -> str:
    from research.geo.area import level_phrase
    from research.geo.registry import load_areas

    area = load_areas(base).resolve(text)
    if area.level != "kommun":
        level = level_phrase(area.level)
        en, sv = _TEXTS.both("liknande_kommun_only", area=area.label(), level=level)
        raise ArgumentError(en, sv=sv)
    return area.code


def resolve_group(  # noqa: C901 - one branch per kind of group reference
    reference: str,
    *,
    kommun: str | None = None,
    year: int | None = None,
    base: Path | None = None,
) -> AreaGroup:
    """Resolve a group reference to its Kolada group and member kommuner.

    Parameters
    ----------
    reference
        ``"kolada:liknande-<theme>[:KOMMUN][@YEAR]"``, ``"skr:<kommungrupp>"``, ``"skr:"``,
        ``"kolada:<group id or exact title>"`` or a bare group id (``"G92793"``); see the
        module notes. Case does not matter; "(ovägt medel)" may be left out of titles.
    kommun
        The kommun the analysis is about (code or name): whose Liknande kommuner group, or
        whose SKR kommungrupp for a bare ``"skr:"``. Not needed when the reference names it.
    year
        Year of a Liknande kommuner group (default: the latest year Kolada has for it).
    base
        Data folder (default :func:`research.core.paths.data_dir`).

    Returns
    -------
    AreaGroup

    Raises
    ------
    UnknownGroupError
        If no group matches; the message suggests close titles or themes.
    ArgumentError
        If a Liknande kommuner group is asked for without a kommun, or for a year Kolada
        does not have (the message lists the years it has).
    UnknownAreaError
        If the kommun is not known.

    Examples
    --------
    >>> g = resolve_group("kolada:liknande-ifo:Huddinge")
    >>> g.names[:3]
    ('Järfälla', 'Växjö', 'Lund')
    >>> resolve_group("kolada:Storstäder (ovägt medel)").codes
    ('0180', '1280', '1480')
    """
    index = _index((base or data_dir()).resolve())
    if not isinstance(reference, str):
        en, sv = _TEXTS.both("reference_not_text", reference=reference)
        raise ArgumentError(en, sv=sv)
    ref = reference.strip()
    if _ID.match(ref):
        ref = f"kolada:{ref}"
    m = _REF.match(ref)
    if not m:
        en, sv = _TEXTS.both("not_a_reference", reference=reference)
        raise ArgumentError(en, sv=sv)
    prefix, rest = m["prefix"].casefold(), m["rest"].strip()
    if prefix == "skr":
        skr = {g: r[0] for g, r in sorted(index.groups.items()) if r[1] == "skr"}
        if not rest:
            if kommun is None:
                en, sv = _TEXTS.both("skr_needs_name", reference=reference)
                raise ArgumentError(en, sv=sv)
            return skr_group(kommun, base=base, reference=reference)
        names = {}
        for gid, title in skr.items():
            names[_ascii(_short_title(title))] = gid
            names[_ascii(title)] = gid
            names[gid.casefold()] = gid
        key = _ascii(rest)
        if key not in names:
            choices = sorted({_short_title(t) for t in skr.values()})
            hint = _TEXTS.both("hint_skr_groups", choices="; ".join(choices))
            raise _unknown(reference, rest, choices, hint, "skr:")
        return _record_group(index, names[key], reference)
    slug_m = _SLUG.match(rest)
    if slug_m:
        theme = _ascii(slug_m["theme"])
        if theme not in LIKNANDE_THEMES:
            raise _unknown(
                reference,
                f"kolada:liknande-{theme}",
                [f"kolada:liknande-{t}" for t in LIKNANDE_THEMES],
                _TEXTS.both("hint_themes", themes=", ".join(LIKNANDE_THEMES)),
            )
        who = slug_m["kommun"] or kommun
        if who is None:
            en, sv = _TEXTS.both("liknande_needs_kommun", reference=reference, theme=theme)
            raise ArgumentError(en, sv=sv)
        owner = _owner_code(who, base)
        if slug_m["year"]:
            year = int(slug_m["year"])
        sub = index.liknande.get((theme, owner), ())
        if not sub:
            en, sv = _TEXTS.both(
                "no_liknande_group", theme=LIKNANDE_THEMES[theme], who=who, owner=owner
            )
            raise UnknownGroupError(en, sv=sv)
        years = sorted({y for y, _ in sub if y is not None})
        if year is not None:
            if year not in years:
                listed = ", ".join(map(str, years))
                en, sv = (
                    _TEXTS(
                        "liknande_year",
                        lang,
                        reference=reference,
                        year=year,
                        years=listed or _TEXTS("no_stated_year", lang),
                    )
                    for lang in ("en", "sv")
                )
                raise ArgumentError(en, sv=sv)
            sub = tuple(h for h in sub if h[0] == year)
        elif years:
            sub = tuple(h for h in sub if h[0] == years[-1])
        return _record_group(index, sub[0][1], reference)
    if _ID.match(rest):
        gid = rest.upper()
        if gid not in index.groups:
            en, sv = _TEXTS.both("no_group_id", reference=reference, gid=gid)
            raise UnknownGroupError(en, sv=sv)
        return _record_group(index, gid, reference)
    titles = {g: r[0] for g, r in sorted(index.groups.items())}
    keys = (_ascii(rest), _ascii(rest + _SUFFIX))
    hit = [gid for gid, t in titles.items() if _ascii(t) in keys]
    if not hit:
        raise _unknown(
            reference,
            rest,
            list(titles.values()),
            _TEXTS.both("hint_reference_forms"),
            "kolada:",
        )
    return _record_group(index, hit[0], reference)


def skr_group(kommun: str, *, base: Path | None = None, reference: str | None = None) -> AreaGroup:
    """Return the SKR kommungrupp (as Kolada publishes it) that ``kommun`` belongs to.

    Raises
    ------
    UnknownAreaError
        If ``kommun`` is not a known kommun.
    DataError
        If the kommun is in no SKR group (the nine groups partition the 290 kommuner).

    Examples
    --------
    >>> skr_group("Stockholm").name
    'Storstäder'
    """
    code = _owner_code(kommun, base)
    index = _index((base or data_dir()).resolve())
    if code not in index.skr:
        en, sv = _TEXTS.both("kommun_in_no_skr_group", code=code)
        raise DataError(en, sv=sv)
    return _record_group(index, index.skr[code], reference or f"skr:{code}")


def official_groups(
    kommun: str,
    *,
    themes: Sequence[str] = OFFICIAL_THEMES,
    base: Path | None = None,
) -> list[AreaGroup]:
    """The official peer groups of a kommun: its Liknande kommuner groups and SKR kommungrupp.

    Parameters
    ----------
    kommun
        Code or name.
    themes
        Liknande kommuner theme slugs (default IFO, socioekonomi, övergripande), each in its
        latest year; themes Kolada lacks for the kommun are skipped.

    Returns
    -------
    list of AreaGroup
        One per theme found, then the SKR kommungrupp.

    Examples
    --------
    >>> [g.name for g in official_groups("0126")][-1]
    'Pendlingskommun nära storstad'
    """
    code = _owner_code(kommun, base)
    out = []
    for theme in themes:
        try:
            out.append(resolve_group(f"kolada:liknande-{theme}", kommun=code, base=base))
        except UnknownGroupError:
            continue
    out.append(skr_group(code, base=base))
    return out


def resolve_area_list(
    areas: str | Sequence[str],
    *,
    kommun: str | None = None,
    base: Path | None = None,
) -> tuple[list[str], list[AreaGroup]]:
    """Resolve a list of areas in which group references may stand for their members.

    Parameters
    ----------
    areas
        One group reference, or a sequence mixing area codes, names and group references
        (``["kolada:liknande-ifo", "0127"]``).
    kommun
        The kommun the analysis is about, for ``kolada:liknande-*`` and bare ``skr:``.

    Returns
    -------
    codes, groups
        Area codes in order of first appearance without duplicates, and the groups used.

    Raises
    ------
    UnknownGroupError, UnknownAreaError
        For a reference or area that matches nothing (with suggestions).

    Examples
    --------
    >>> codes, groups = resolve_area_list(["skr:Storstäder", "Huddinge"])
    >>> codes, groups[0].group_id
    (['0180', '1280', '1480', '0126'], 'G92787')
    """
    from research.geo.registry import load_areas

    items = [areas] if isinstance(areas, str) else list(areas)
    codes: list[str] = []
    groups: list[AreaGroup] = []
    reg = load_areas(base)
    for item in items:
        if is_group_reference(item):
            g = resolve_group(item, kommun=kommun, base=base)
            groups.append(g)
            codes.extend(g.codes)
        else:
            codes.append(reg.resolve(item).code)
    return list(dict.fromkeys(codes)), groups


def expand_group_references(
    items: Sequence[object],
    *,
    kommun: str | None = None,
    base: Path | None = None,
) -> tuple[list[object], list[AreaGroup]]:
    """Replace the group references among ``items`` by their member codes; keep the rest.

    Unlike :func:`resolve_area_list`, items that are not group references are passed through
    unchanged (they may be unit labels that are not area names).

    Returns
    -------
    items, groups
        The expanded items without duplicates (first appearance kept) and the groups used.

    Examples
    --------
    >>> expand_group_references(["X", "skr:Storstäder", "0180"])[0]
    ['X', '0180', '1280', '1480']
    """
    out: list[object] = []
    groups: list[AreaGroup] = []
    for item in items:
        if is_group_reference(item):
            g = resolve_group(str(item), kommun=kommun, base=base)
            groups.append(g)
            out.extend(g.codes)
        else:
            out.append(item)
    return list(dict.fromkeys(out)), groups
