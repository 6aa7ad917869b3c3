"""Districts as sets of SCB's RegSO areas, and SCB tables by RegSO or DeSO summed to districts.

SCB publishes population and other statistics for two official small-area divisions (2018
edition, ``data/raw/kolada-subareas``):

* **RegSO** (regionala statistikområden), about 3 360, code ``0180R077``;
* **DeSO** (demografiska statistikområden), about 5 980, code ``0180C1010``; every DeSO lies
  in one RegSO and every RegSO in one kommun.

A district (stadsdelsområde) is defined as a set of RegSO in ``data/districts_regso.toml``
(Stockholm's 13 stadsdelsområden of 2020-2023; the districts formed on 1 July 2023 are the
unions given by :data:`research.geo.districts.REFORMS`). **That file is our reading of the RegSO
names, not an official key** (SCB publishes none); every report that uses it says so.

:func:`sum_to_districts` adds up a table by RegSO or DeSO to the districts: a district gets a
value only when every one of its RegSO (or every DeSO in them) is in the table, and a value
SCB suppressed (``..``) makes the district's value missing, never a smaller sum.

Examples
--------
>>> d = district_regso("0180-SOD")
>>> len(d.regso), d.regso[0]
(12, '0180R058')
>>> len(district_regso("0180-NIN").regso)  # Norrmalm + Östermalm, from the 2023 reform
16
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from research.core.errors import DataError, ParseError, UnknownAreaError
from research.core.i18n import load_catalogue
from research.core.paths import data_dir

__all__ = [
    "DISTRICT_FILE",
    "EDITION",
    "DistrictRegso",
    "district_regso",
    "is_subarea_file",
    "load_subareas",
    "partition_check",
    "read_scb_subareas",
    "regso_districts",
    "sum_to_districts",
]

#: The RegSO/DeSO edition of the codes in ``data/raw/kolada-subareas``.
EDITION = "2018"
#: The district definition file, relative to the data folder.
DISTRICT_FILE = "districts_regso.toml"
_SOURCE = "scb-subareas"
_REGSO = re.compile(r"^\d{4}R\d{3}$")
_DESO = re.compile(r"^\d{4}[ABC]\d{4}$")
_CODE_TEXT = re.compile(r"^(?P<code>\d{4}(?:R\d{3}|[ABC]\d{4}))(?:\s+.*)?$")
_SNIFF_JSON = re.compile(r'"\d{4}(?:R\d{3}|[ABC]\d{4})"')
_SNIFF_CSV = re.compile(r'(?m)^"?\d{4}(?:R\d{3}|[ABC]\d{4})\b')
#: The wording of this module's errors, in Swedish and English.
_TEXTS = load_catalogue(Path(__file__).with_name("regso.toml"))


@dataclass(frozen=True)
class DistrictRegso:
    """A district's RegSO composition.

    Attributes
    ----------
    code, name
        The district (``"0180-SOD"``, ``"Södermalm"``).
    regso
        RegSO codes, sorted.
    regso_names
        Their names, in the same order.
    source
        Where the boundary comes from (or the reform it was derived by).
    doubts
        Known uncertainties of the assignment ("" if none).
    check
        How the set was checked against published populations ("" if it was not).
    status
        ``"our reading of names, not an official key"``.
    """

    code: str
    name: str
    regso: tuple[str, ...]
    regso_names: tuple[str, ...]
    source: str
    doubts: str
    status: str
    check: str = ""


@lru_cache(maxsize=4)
def _subareas(base: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    from research.core.ddf import read_entities

    from .provenance import verify_files

    verify_files(base, source=_SOURCE)
    folder = base / "raw" / "kolada-subareas"
    regso = read_entities(folder / "ddf--entities--geo--regso.csv", "regso").select(
        "regso", "name", "kommun"
    )
    deso = read_entities(folder / "ddf--entities--geo--deso.csv", "deso").select(
        "deso", "name", "kommun", "regso"
    )
    return regso, deso


def load_subareas(base: Path | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return SCB's RegSO (``regso, name, kommun``) and DeSO (``deso, name, kommun, regso``).

    The files' sha256 are checked against ``data/manifest.toml`` first.

    Examples
    --------
    >>> regso, deso = load_subareas()
    >>> regso.height, deso.height, regso.filter(pl.col("kommun") == "0180").height
    (3363, 5984, 127)
    """
    return _subareas((base or data_dir()).resolve())


@lru_cache(maxsize=4)
def _definitions(base: Path) -> dict[str, DistrictRegso]:
    from research.geo.districts import REFORMS, get_district

    path = base / DISTRICT_FILE
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        en, sv = _TEXTS.both("definitions_missing", path=path)
        raise DataError(en, sv=sv) from exc
    except tomllib.TOMLDecodeError as exc:
        from research.core.config import toml_error_messages  # pydantic: only on this error

        en, sv = toml_error_messages(path, exc)  # the place and the reason in each language
        raise DataError(en, sv=sv) from exc
    regso, _ = load_subareas(base)
    names = dict(regso.select("regso", "name").iter_rows())
    kommun = doc.get("kommun")
    status = str(doc.get("status", ""))
    out: dict[str, DistrictRegso] = {}
    for i, d in enumerate(doc.get("districts", [])):
        try:
            code, codes = d["code"], list(d["regso"])
        except KeyError as exc:
            en, sv = _TEXTS.both("entry_lacks", path=path, i=i, key=exc)
            raise DataError(en, sv=sv) from exc
        try:
            district = get_district(code)
        except UnknownAreaError as exc:
            en, sv = (
                _TEXTS("entry_unknown_district", lang, path=path, error=exc.message(lang), i=i)
                for lang in ("en", "sv")
            )
            raise DataError(en, sv=sv) from exc
        bad = [c for c in codes if c not in names or not c.startswith(f"{kommun}R")]
        if bad:
            en, sv = _TEXTS.both(
                "not_regso_of_kommun", path=path, code=code, bad=bad, kommun=kommun, edition=EDITION
            )
            raise DataError(en, sv=sv)
        if len(set(codes)) != len(codes):
            en, sv = _TEXTS.both("regso_twice", path=path, code=code)
            raise DataError(en, sv=sv)
        codes = sorted(codes, key=lambda c: names[c])
        out[code] = DistrictRegso(
            code, district.name, tuple(codes), tuple(names[c] for c in codes),
            str(d.get("source", "")), str(d.get("doubts", "")), status, str(d.get("check", "")),
        )  # fmt: skip
    for r in REFORMS:
        if r.kind == "merge" and all(o in out for o in r.old) and r.new[0] not in out:
            codes = sorted((c for o in r.old for c in out[o].regso), key=lambda c: names[c])
            out[r.new[0]] = DistrictRegso(
                r.new[0], get_district(r.new[0]).name, tuple(codes),
                tuple(names[c] for c in codes),
                f"union of {', '.join(out[o].name for o in r.old)} (reform {r.id})",
                "; ".join(out[o].doubts for o in r.old if out[o].doubts), status,
            )  # fmt: skip
    return out


def regso_districts(base: Path | None = None) -> dict[str, DistrictRegso]:
    """Every district defined as RegSO, by district code (derived unions included).

    Examples
    --------
    >>> defs = regso_districts()
    >>> len(defs), defs["0180-JAR"].source
    (15, 'union of Rinkeby-Kista, Spånga-Tensta (reform 0180-2023-JAR)')
    """
    return _definitions((base or data_dir()).resolve())


def district_regso(code: str, base: Path | None = None) -> DistrictRegso:
    """Return the RegSO composition of a district (code such as ``"0180-SOD"``).

    Raises
    ------
    UnknownAreaError
        If the district has no RegSO definition; the message lists those that have one.
    """
    defs = regso_districts(base)
    if code not in defs:
        en, sv = _TEXTS.both(
            "no_definition", code=code, file=DISTRICT_FILE, defined=", ".join(sorted(defs))
        )
        raise UnknownAreaError(en, sv=sv)
    return defs[code]


def partition_check(
    kommun: str = "0180", year: int = 2022, base: Path | None = None
) -> tuple[list[str], dict[str, list[str]]]:
    """Check that the districts existing in ``year`` cover the kommun's RegSO exactly once.

    Returns
    -------
    gaps, overlaps
        RegSO of the kommun in no district, and RegSO in more than one (with the districts).

    Examples
    --------
    >>> partition_check("0180", 2022), partition_check("0180", 2024)
    (([], {}), ([], {}))
    """
    from research.geo.districts import districts_of

    regso, _ = load_subareas(base)
    defs = regso_districts(base)
    all_codes = regso.filter(pl.col("kommun") == kommun)["regso"].to_list()
    seen: dict[str, list[str]] = {}
    for d in districts_of(kommun, year):
        if d.code in defs:
            for c in defs[d.code].regso:
                seen.setdefault(c, []).append(d.code)
    gaps = sorted(c for c in all_codes if c not in seen)
    overlaps = {c: ds for c, ds in sorted(seen.items()) if len(ds) > 1}
    return gaps, overlaps


def is_subarea_file(path: str | Path) -> bool:
    """Whether a JSON or CSV file holds SCB RegSO/DeSO region codes (``0180R077``)."""
    path = Path(path)
    try:
        head = path.read_bytes()[:200_000].decode("utf-8", errors="replace")
    except OSError:
        return False
    if path.suffix.lower() == ".json":
        return bool(_SNIFF_JSON.search(head))
    return bool(_SNIFF_CSV.search(head.lstrip("\ufeff")))


def sum_to_districts(
    frame: pl.DataFrame, *, code: str = "code", base: Path | None = None
) -> tuple[pl.DataFrame, str]:
    """Sum values by RegSO or DeSO to the districts defined as RegSO sets.

    Parameters
    ----------
    frame
        Columns ``code`` (RegSO or DeSO codes, not mixed), ``sex``, ``year`` and ``value``
        (null for a suppressed value).
    code
        Name of the code column.

    Returns
    -------
    districts, level
        One row per district x sex x year whose RegSO are all in ``frame``: ``area_code``,
        ``sex``, ``year``, ``value`` (null when any part is null) and ``n_parts``; and
        ``"RegSO"`` or ``"DeSO"``.

    Raises
    ------
    DataError
        For codes of both kinds, codes that are not in the 2018 edition, or a district that
        is only partly covered (some of its RegSO present, others not).

    Examples
    --------
    >>> sod = district_regso("0180-SOD").regso
    >>> f = pl.DataFrame({"code": list(sod), "sex": "T", "year": 2022, "value": 1.0})
    >>> out, level = sum_to_districts(f)
    >>> out.select("area_code", "value", "n_parts").rows(), level
    ([('0180-SOD', 12.0, 12)], 'RegSO')
    """
    regso, deso = load_subareas(base)
    codes = frame[code].unique().to_list()
    kinds = {"RegSO" if _REGSO.match(c) else "DeSO" if _DESO.match(c) else "?" for c in codes}
    if "?" in kinds or len(kinds) != 1:
        en, sv = _TEXTS.both("mixed_code_kinds", kinds=sorted(kinds))
        raise DataError(en, sv=sv)
    level = kinds.pop()
    if level == "DeSO":
        known = set(deso["deso"].to_list())
        to_regso = dict(deso.select("deso", "regso").iter_rows())
    else:
        known = set(regso["regso"].to_list())
        to_regso = {c: c for c in known}
    unknown = sorted(c for c in codes if c not in known)
    if unknown:
        en, sv = _TEXTS.both(
            "codes_not_in_edition",
            n=len(unknown),
            level=level,
            edition=EDITION,
            examples=unknown[:3],
        )
        raise DataError(en, sv=sv)
    parts_of: dict[str, list[str]] = {}
    if level == "DeSO":
        for d, r in to_regso.items():
            parts_of.setdefault(r, []).append(d)
    present = set(codes)
    rows = []
    for dcode, d in sorted(regso_districts(base).items()):
        parts = [p for r in d.regso for p in (parts_of.get(r, []) if level == "DeSO" else [r])]
        have = [p for p in parts if p in present]
        if not have:
            continue
        if len(have) != len(parts):
            missing = sorted(set(parts) - present)
            en, sv = _TEXTS.both(
                "district_partly_covered",
                name=d.name,
                code=dcode,
                missing=len(missing),
                parts=len(parts),
                level=level,
                examples=missing[:3],
            )
            raise DataError(en, sv=sv)
        sub = frame.filter(pl.col(code).is_in(parts))
        agg = sub.group_by("sex", "year").agg(
            pl.when(pl.col("value").null_count() > 0)
            .then(None)
            .otherwise(pl.col("value").sum())
            .alias("value"),
            pl.len().alias("n_parts"),
        )
        short = agg.filter(pl.col("n_parts") != len(parts))
        if short.height:
            en, sv = _TEXTS.both(
                "parts_lack_rows",
                name=d.name,
                code=dcode,
                level=level,
                rows=short.select("sex", "year").rows()[:3],
            )
            raise DataError(en, sv=sv)
        rows.append(agg.with_columns(pl.lit(dcode).alias("area_code")))
    if not rows:
        return pl.DataFrame(
            schema={
                "area_code": pl.Utf8,
                "sex": pl.Utf8,
                "year": pl.Int64,
                "value": pl.Float64,
                "n_parts": pl.UInt32,
            }
        ), level
    out = pl.concat(rows).select(
        "area_code", "sex", pl.col("year").cast(pl.Int64), pl.col("value").cast(pl.Float64),
        "n_parts",
    )  # fmt: skip
    return out.sort("area_code", "sex", "year"), level


def _records_json(path: Path, text: str) -> list[tuple[str, str, int, float | None]]:
    """json-stat2 -> (code, sex, year, value); only Region, Tid, Kon may vary."""
    from research.data.sources.common import load_json
    from research.data.sources.scb import POPULATION_CONTENT, jsonstat_cells, jsonstat_values

    en, sv = _TEXTS.both("what_jsonstat_response")
    doc = load_json(text, path, en, what_sv=sv)
    try:
        ids = list(doc["id"])
        sizes = [int(n) for n in doc["size"]]
        dims = doc["dimension"]
        cats = {}
        for d in ids:
            index = dims[d]["category"]["index"]
            cats[d] = (
                [str(c) for c in index]
                if isinstance(index, list)
                else [c for c, _ in sorted(index.items(), key=lambda kv: kv[1])]
            )
    except (KeyError, TypeError, ValueError) as exc:
        en, sv = _TEXTS.both("not_jsonstat", error=exc)
        raise ParseError(path, 1, en, sv=sv) from exc
    lower = {d.casefold(): d for d in ids}
    reg_d, time_d, sex_d = lower.get("region"), lower.get("tid"), lower.get("kon")
    if reg_d is None or time_d is None:
        en, sv = _TEXTS.both("no_region_or_time", ids=ids)
        raise ParseError(path, 1, en, sv=sv)
    cont_d = lower.get("contentscode")
    if cont_d is not None:
        labels = dims[cont_d]["category"].get("label", {}) or {}
        content = cats[cont_d]
        lab = " ".join(str(labels.get(c, "")) for c in content).casefold()
        if len(content) != 1 or not (
            content == [POPULATION_CONTENT] or lab.startswith(("folkmängd", "befolkning"))
        ):
            en, sv = (
                _TEXTS(
                    "not_population",
                    lang,
                    content=content,
                    label=lab or _TEXTS("no_label", lang),
                    code=POPULATION_CONTENT,
                )
                for lang in ("en", "sv")
            )
            raise ParseError(path, 1, en, sv=sv)
    for d in ids:
        if d not in (reg_d, time_d, sex_d, cont_d) and len(cats[d]) > 1:
            en, sv = _TEXTS.both("dimension_not_eliminated", dimension=d, n=len(cats[d]))
            raise ParseError(path, 1, en, sv=sv)
    values, total = jsonstat_values(doc.get("value"), sizes)
    if not isinstance(values, list) or len(values) != total:
        en, sv = _TEXTS.both("value_length", total=total)
        raise ParseError(path, 1, en, sv=sv)
    status = doc.get("status") or {}
    if isinstance(status, list):
        status = {str(i): s for i, s in enumerate(status) if s}
    sexes = {"1": "M", "2": "K", "1+2": "T"}
    out = []
    for flat, pos, v in jsonstat_cells(ids, sizes, cats, values):
        if v is None or status.get(str(flat)) in ("..", "."):
            val = None
        elif isinstance(v, int | float) and not isinstance(v, bool) and v >= 0:
            val = float(v)
        else:
            en, sv = _TEXTS.both("value_not_count", index=flat, value=v)
            raise ParseError(path, 1, en, sv=sv)
        sex = "T" if sex_d is None else sexes.get(pos[sex_d])
        if sex is None:
            en, sv = _TEXTS.both("unknown_sex_code", code=pos[sex_d])
            raise ParseError(path, 1, en, sv=sv)
        if not re.fullmatch(r"\d{4}", pos[time_d]):
            en, sv = _TEXTS.both("time_not_year", time=pos[time_d])
            raise ParseError(path, 1, en, sv=sv)
        out.append((pos[reg_d], sex, int(pos[time_d]), val))
    return out


def _records_csv(path: Path, text: str) -> list[tuple[str, str, int, float | None]]:
    import csv

    from research.data.sources.scb import _table_to_records

    lines = text.splitlines()
    first_data = next(
        (i for i, raw in enumerate(lines, start=1)
         if _CODE_TEXT.match(re.split(r"[;,\t]", raw, maxsplit=1)[0].strip().strip('"'))),
        None,
    )  # fmt: skip
    header_line = next(
        (i for i in range((first_data or 1) - 1, 0, -1) if lines[i - 1].strip()), None
    )
    if header_line is None:
        en, sv = _TEXTS.both("no_header_line")
        raise ParseError(path, 1, en, sv=sv)
    header_raw = lines[header_line - 1]
    sep = max((";", ",", "\t"), key=header_raw.count)
    header = next(csv.reader([header_raw], delimiter=sep))
    body = []
    for i in range(header_line + 1, len(lines) + 1):
        raw = lines[i - 1]
        if not raw.strip():
            continue
        cells = next(csv.reader([raw], delimiter=sep))
        if len(cells) == 1:
            continue  # footnotes ("Källa: SCB")
        body.append((i, cells))
    header = ["region", *header[1:]]  # the first column holds the areas whatever its name
    recs = _table_to_records(path, header_line, header, body, sep)
    return [(reg, sex, year, None if v is None else float(v)) for _, reg, sex, year, v in recs]


def read_scb_subareas(path: str | Path, base: Path | None = None) -> tuple[pl.DataFrame, str]:
    """Read an SCB population table by RegSO or DeSO and sum it to the districts.

    Parameters
    ----------
    path
        A json-stat2 response (``.json``) or a CSV download (``.csv``) whose region column
        holds RegSO or DeSO codes (``"0180R077"`` or ``"0180R077 Råcksta"``), with a sex
        dimension (``Kon``/``kön``) optionally and years as a dimension or columns.

    Returns
    -------
    frame, edition
        Canonical rows (:data:`research.data.sources.common.CANONICAL_SCHEMA`) at level
        ``"district"``, indicator ``BE0101N1``, for every district whose RegSO are all in the
        table; and the edition label, e.g. ``"RegSO 2018"``, also written into ``source``.

    Raises
    ------
    ParseError
        For a malformed file (named with the line where known).
    DataError
        As :func:`sum_to_districts`, or when the table forms no district at all.
    """
    from research.data.sources.common import build_frame, decode_text, source_label
    from research.data.sources.scb import POPULATION_CONTENT, POPULATION_UNIT
    from research.geo.districts import get_district

    path = Path(path)
    text, _ = decode_text(path, path.read_bytes(), allow_latin1=path.suffix.lower() != ".json")
    recs = _records_json(path, text) if path.suffix.lower() == ".json" else _records_csv(path, text)
    rows = []
    for reg, sex, year, v in recs:
        m = _CODE_TEXT.match(str(reg).strip())
        if not m:
            en, sv = _TEXTS.both("not_subarea_code", region=reg)
            raise ParseError(path, None, en, sv=sv)
        rows.append((m["code"], sex, year, v))
    frame = pl.DataFrame(
        rows, schema={"code": pl.Utf8, "sex": pl.Utf8, "year": pl.Int64, "value": pl.Float64},
        orient="row",
    )  # fmt: skip
    dup = frame.select("code", "sex", "year").is_duplicated()
    if dup.any():
        en, sv = _TEXTS.both("row_twice", row=frame.filter(dup).row(0)[:3])
        raise ParseError(path, None, en, sv=sv)
    try:
        sums, level = sum_to_districts(frame, base=base)
    except DataError as exc:
        en, sv = (
            _TEXTS("in_file", lang, file=path.name, error=exc.message(lang))
            for lang in ("en", "sv")
        )
        raise DataError(en, sv=sv) from None
    if sums.is_empty():
        en, sv = _TEXTS.both(
            "no_district_covered",
            file=path.name,
            n=frame.height,
            defined=", ".join(sorted(regso_districts(base))),
            definitions=DISTRICT_FILE,
        )
        raise DataError(en, sv=sv)
    edition = f"{level} {EDITION}"
    src = (
        f"{source_label('scb', path)} [{edition}, summed to districts; RegSO sets are our reading]"
    )
    out = []
    for r in sums.iter_rows(named=True):
        d = get_district(r["area_code"])
        out.append(
            {
                "area_code": d.code, "area_name": d.name, "level": "district",
                "parent_code": d.parent_code, "year": r["year"], "indicator": POPULATION_CONTENT,
                "sex": r["sex"], "value": r["value"], "unit": POPULATION_UNIT, "source": src,
                "population": r["value"] if r["sex"] == "T" else None,
            }
        )  # fmt: skip
    return build_frame(out), edition
