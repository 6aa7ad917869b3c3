"""The Brå crime categories files can be imported under: ids, labels, legal basis, aliases.

Stdlib only: the indicator catalogue (:mod:`research.data.catalog`) lists the categories as
indicators, and loading it must not import the file readers (:mod:`research.data.sources`,
polars) into the command's or a batch's own process (issue 17,
``tests/test_batch_process_imports.py``). The reader (:mod:`research.data.sources.bra`)
matches file titles and columns against these categories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["BRA_CATEGORIES", "BRA_UNIT", "BraCategory"]

BRA_UNIT = "per 100\u00a0000 inv."  # no-break space, as in data/catalog.toml


@dataclass(frozen=True)
class BraCategory:
    """A Brå crime category with our stable id (``BRA_...``), labels and legal basis.

    ``aliases`` are lower-case phrases that identify the category in a title line or a
    "Brott" column; ``since`` is the date the crime (or its coding) exists from.
    """

    id: str
    label_sv: str
    label_en: str
    law: str
    aliases: tuple[str, ...]
    since: date | None = None


#: Brå categories relevant to intimate partner violence, keyed by our id.
BRA_CATEGORIES: dict[str, BraCategory] = {
    c.id: c
    for c in [
        BraCategory(
            "BRA_TOTAL", "Samtliga anmälda brott", "All reported offences", "",
            ("samtliga brott", "samtliga anmälda brott", "totalt antal brott", "alla brott"),
        ),
        BraCategory(
            "BRA_MISSHANDEL_KVINNA",
            "Misshandel inkl. grov mot kvinna 18 år eller äldre",
            "Assault incl. aggravated against a woman aged 18 or over",
            "BrB 3 kap. 5-6 §§",
            ("misshandel inkl. grov mot kvinna 18 år eller äldre",
             "misshandel mot kvinna 18 år eller äldre", "misshandel mot kvinna"),
        ),
        BraCategory(
            "BRA_MISSHANDEL_KVINNA_PARTNER",
            "Misshandel inkl. grov mot kvinna 18 år eller äldre, partner",
            "Assault incl. aggravated against a woman aged 18 or over, by a partner",
            "BrB 3 kap. 5-6 §§",
            ("misshandel inkl. grov mot kvinna 18 år eller äldre, partner",
             "misshandel mot kvinna 18 år eller äldre, partner",
             "misshandel mot kvinna, partner", "misshandel mot kvinna i nära relation"),
            date(2019, 1, 1),
        ),
        BraCategory(
            "BRA_GROV_KVINNOFRID", "Grov kvinnofridskränkning",
            "Gross violation of a woman's integrity", "BrB 4 kap. 4 a § 2 st.",
            ("grov kvinnofridskränkning",),
        ),
        BraCategory(
            "BRA_GROV_FRID", "Grov fridskränkning", "Gross violation of integrity",
            "BrB 4 kap. 4 a § 1 st.", ("grov fridskränkning",),
        ),
        BraCategory(
            "BRA_OLAGA_FORFOLJELSE", "Olaga förföljelse", "Stalking", "BrB 4 kap. 4 b §",
            ("olaga förföljelse",), date(2011, 10, 1),
        ),
        BraCategory(
            "BRA_OLAGA_HOT", "Olaga hot", "Unlawful threat", "BrB 4 kap. 5 §", ("olaga hot",),
        ),
        BraCategory(
            "BRA_OFREDANDE", "Ofredande", "Molestation", "BrB 4 kap. 7 §", ("ofredande",),
        ),
        BraCategory(
            "BRA_INTEGRITETSINTRANG", "Olaga integritetsintrång",
            "Unlawful violation of privacy", "BrB 4 kap. 6 c-d §§",
            ("olaga integritetsintrång",), date(2018, 1, 1),
        ),
        BraCategory(
            "BRA_BARNFRID", "Barnfridsbrott", "Violation of a child's integrity",
            "BrB 4 kap. 3 §", ("barnfridsbrott", "grovt barnfridsbrott"), date(2021, 7, 1),
        ),
        BraCategory(
            "BRA_VALDTAKT", "Våldtäkt inkl. grov", "Rape incl. aggravated", "BrB 6 kap. 1 §",
            ("våldtäkt inkl. grov", "våldtäkt"),
        ),
        BraCategory(
            "BRA_KONTAKTFORBUD", "Överträdelse av kontaktförbud",
            "Breach of a restraining order", "Lag (1988:688) om kontaktförbud",
            ("överträdelse av kontaktförbud", "brott mot kontaktförbud"),
        ),
    ]
}  # fmt: skip
