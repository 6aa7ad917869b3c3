"""Describe one area for ``pilotbench areas QUERY``: what it is and what data exists for it.

:func:`describe_area` resolves a code, a name (with suggestions on a typo), a RegSO/DeSO code
or an official group reference, and collects: code, name, level and parent; the population
in the latest year the panel has; for a kommun its SKR kommungrupp and Kolada's Liknande
kommuner groups (IFO, socioekonomi, övergripande); for a district its RegSO composition; and
the panel's indicators for the area with their years.

Examples
--------
>>> info = describe_area("Huddinge")
>>> info.area.code, info.groups[-1].name
('0126', 'Pendlingskommun nära storstad')
>>> "Liknande kommuner IFO, Huddinge, 2024" in info.text()
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from research.core.errors import DataError, UnknownAreaError
from research.core.fmt import format_int
from research.data.groups import AreaGroup, is_group_reference, official_groups, resolve_group
from research.geo.area import Area
from research.geo.registry import load_areas

__all__ = ["AreaInfo", "describe_area"]

_POPULATION = ("N01951", "BE0101N1")  # Kolada's population KPI, SCB's Folkmängd


@dataclass
class AreaInfo:
    """What :func:`describe_area` found; :meth:`text` formats it for the terminal.

    Attributes
    ----------
    area
        The area (``None`` when the query named a group or a RegSO/DeSO).
    parent
        The parent area, if any.
    population
        ``(value, year, indicator)`` of the latest population in the panel, or ``None``.
    groups
        Official peer groups (kommuner only): Liknande kommuner IFO, socioekonomi,
        övergripande, then the SKR kommungrupp.
    regso
        For a district: its RegSO composition (:class:`research.data.regso.DistrictRegso`).
    districts
        For a kommun with registered districts: their labels.
    data
        One row per indicator of the panel for the area: ``indicator``, ``label``,
        ``first``, ``last``, ``n_years``, ``source``.
    group
        When the query was a group reference: the resolved group.
    lines
        Extra lines (RegSO/DeSO queries, notes).
    """

    area: Area | None
    parent: Area | None = None
    population: tuple[float, int, str] | None = None
    groups: list[AreaGroup] = field(default_factory=list)
    regso: object | None = None
    districts: list[str] = field(default_factory=list)
    data: pl.DataFrame | None = None
    group: AreaGroup | None = None
    lines: list[str] = field(default_factory=list)

    def text(self) -> str:  # noqa: C901 - one line per optional area attribute
        """A plain-text description (English labels, Swedish official names)."""
        out: list[str] = []
        if self.group is not None:
            g = self.group
            out.append(
                f"{g.label('en')}  (Kolada {g.group_id}" + (f", {g.year})" if g.year else ")")
            )
            out.append(f"  members ({len(g.codes)}): {', '.join(g.members())}")
            out.append("  source: Kolada (RKA), municipality groups")
            return "\n".join(out + self.lines)
        if self.area is None:
            return "\n".join(self.lines)
        a = self.area
        out.append(f"{a.name} ({a.code})")
        out.append(f"  level:       {a.level}")
        if self.parent is not None:
            out.append(f"  parent:      {self.parent.label()}")
        if self.population is not None:
            v, y, ind = self.population
            out.append(f"  population:  {format_int(v, 'sv')} ({y}, {ind})".replace("\u00a0", " "))
        else:
            out.append("  population:  not in the panel")
        for g in self.groups:
            if g.kind == "skr":
                out.append(f"  {g.label('en')}  (Kolada {g.group_id})")
        liknande = [g for g in self.groups if g.kind == "liknande"]
        if liknande:
            out.append("  Kolada, Liknande kommuner:")
            for g in liknande:
                out.append(f"    {g.title} ({g.group_id}): {', '.join(g.names)}")
        if self.districts:
            out.append(f"  districts:   {', '.join(self.districts)}")
        if self.regso is not None:
            r = self.regso
            out.append(f"  RegSO (SCB, 2018 edition), {len(r.regso)} areas - {r.status}:")
            for code, name in zip(r.regso, r.regso_names, strict=True):
                out.append(f"    {code}  {name}")
            out.append(f"    boundary source: {r.source}")
            if r.doubts:
                out.append(f"    doubts: {r.doubts}")
            if r.check:
                out.append(f"    check: {r.check}")
        out.extend(self.lines)
        if self.data is None or self.data.is_empty():
            out.append("  panel data:  none for this area")
        else:
            out.append(f"  panel data ({self.data.height} indicators):")
            for row in self.data.iter_rows(named=True):
                span = (
                    f"{row['first']}\u2013{row['last']}"
                    if row["first"] != row["last"]
                    else row["first"]
                )
                gaps = row["last"] - row["first"] + 1 - row["n_years"]
                note = f", {gaps} year{'s' if gaps > 1 else ''} missing" if gaps else ""
                out.append(f"    {row['indicator']:<9} {span}{note}  {row['label']}")
        return "\n".join(out)


def _panel_data(panel: pl.DataFrame, code: str) -> pl.DataFrame:
    from research.data.catalog import load_catalog

    rows = panel.filter((pl.col("area_code") == code) & pl.col("value").is_not_null())
    if rows.is_empty():
        return pl.DataFrame(
            schema={
                "indicator": pl.Utf8, "label": pl.Utf8, "first": pl.Int64, "last": pl.Int64,
                "n_years": pl.Int64, "source": pl.Utf8,
            }
        )  # fmt: skip
    agg = (
        rows.group_by("indicator")
        .agg(
            pl.col("year").min().cast(pl.Int64).alias("first"),
            pl.col("year").max().cast(pl.Int64).alias("last"),
            pl.col("year").n_unique().cast(pl.Int64).alias("n_years"),
            pl.col("source").first().alias("source"),
        )
        .sort("indicator")
    )
    cat = load_catalog()
    labels = [cat[i].label("en", short=True) if i in cat else i for i in agg["indicator"]]
    return agg.with_columns(pl.Series("label", labels)).select(
        "indicator", "label", "first", "last", "n_years", "source"
    )


def _population(panel: pl.DataFrame, code: str) -> tuple[float, int, str] | None:
    """Latest population: the total (sex T), or women + men where only those are given."""
    rows = panel.filter(
        (pl.col("area_code") == code)
        & pl.col("indicator").is_in(list(_POPULATION))
        & pl.col("value").is_not_null()
    )
    total = rows.filter(pl.col("sex") == "T")
    if total.height:
        r = total.sort("year", "indicator", descending=[True, False]).row(0, named=True)
        return float(r["value"]), int(r["year"]), str(r["indicator"])
    both = (
        rows.group_by("year", "indicator")
        .agg(pl.col("value").sum(), pl.col("sex").n_unique().alias("n"))
        .filter(pl.col("n") == 2)
        .sort("year", "indicator", descending=[True, False])
    )
    if both.is_empty():
        return None
    r = both.row(0, named=True)
    return float(r["value"]), int(r["year"]), f"{r['indicator']}, women + men"


def _subarea(query: str) -> AreaInfo | None:
    from research.data.regso import load_subareas, regso_districts

    regso, deso = load_subareas()
    lines = []
    hit = regso.filter(pl.col("regso") == query)
    if hit.height:
        r = hit.row(0, named=True)
        lines.append(f"{r['name']} ({query})\n  level:       RegSO (SCB, 2018 edition)")
    else:
        hit = deso.filter(pl.col("deso") == query)
        if not hit.height:
            return None
        r = hit.row(0, named=True)
        lines.append(
            f"{r['name']} ({query})\n  level:       DeSO (SCB, 2018 edition)\n"
            f"  RegSO:       {r['regso']}"
        )
    kommun = load_areas().get(r["kommun"])
    lines.append(f"  kommun:      {kommun.label()}")
    target = r.get("regso", query)
    for d in regso_districts().values():
        if target in d.regso:
            lines.append(f"  district:    {d.name} ({d.code}) - {d.status}")
    return AreaInfo(None, lines=lines)


def describe_area(query: str, *, panel: pl.DataFrame | None = None) -> AreaInfo:
    """Describe an area, a RegSO/DeSO or an official group.

    Parameters
    ----------
    query
        A code (``"0126"``, ``"0180-SOD"``, ``"0180R077"``), a name (``"Huddinge"``,
        ``"Södermalm"``) or a group reference (``"skr:Storstäder"``).
    panel
        The panel (default :func:`research.data.panel.load_panel`).

    Returns
    -------
    AreaInfo

    Raises
    ------
    UnknownAreaError
        When nothing matches; the message suggests the closest names with their codes.
    UnknownGroupError
        For an unknown group reference (with suggestions).

    Examples
    --------
    >>> info = describe_area("Södermalm")
    >>> info.area.level, len(info.regso.regso), info.parent.name
    ('district', 12, 'Stockholm')
    """
    from research.data.regso import district_regso

    text = str(query).strip()
    if is_group_reference(text):
        return AreaInfo(None, group=resolve_group(text))
    sub = _subarea(text) if len(text) in (8, 9) and text[:4].isdigit() else None
    if sub is not None:
        return sub
    reg = load_areas()
    area = reg.resolve(text)
    if panel is None:
        from research.data.panel import load_panel

        panel = load_panel()
    info = AreaInfo(area)
    if area.parent_code is not None and area.parent_code in reg:
        info.parent = reg.get(area.parent_code)
    info.population = _population(panel, area.code)
    info.data = _panel_data(panel, area.code)
    if area.level == "kommun":
        try:
            info.groups = official_groups(area.code)
        except (DataError, UnknownAreaError) as exc:
            info.lines.append(f"  official groups not available: {exc}")
        from research.geo.districts import districts_of

        info.districts = [f"{d.name} ({d.code})" for d in districts_of(area.code, 2024)]
    if area.level == "district":
        try:
            info.regso = district_regso(area.code)
        except UnknownAreaError:
            info.lines.append("  RegSO composition: not defined (data/districts_regso.toml)")
        if info.population is None:
            from research.data.pilots import case

            igor = case().pilot
            if area.name == igor.district:
                info.lines.append(f"  published population: {igor.district_population_source}")
            info.lines.append(
                "  district figures: import SCB population by RegSO or DeSO "
                "(`pilotbench data import FILE --source scb`) or Brå's district tables "
                "(docs/bra_export.md)"
            )
    return info
