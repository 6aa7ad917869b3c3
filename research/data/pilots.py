"""Facts about the IGOR pilot that the reports state and the analyses use.

The figures here are public facts gathered in the project's domain notes (sources named in
each field). The district population is a rounded published figure, not part of the Kolada
snapshot, and is labelled approximate wherever it is used.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CASE_CANDIDATE", "IGOR", "Pilot", "dilution_share"]


@dataclass(frozen=True)
class Pilot:
    """A piloted programme: where and when it ran."""

    name: str
    full_name: str
    district: str
    parent_code: str
    start: str  # "YYYY-MM"
    end: str  # "YYYY-MM" (approximate where the source says a season)
    district_population: int
    district_population_year: int
    district_population_source: str
    evaluation: str

    @property
    def start_year(self) -> int:
        """Calendar year in which the pilot started."""
        return int(self.start[:4])

    @property
    def first_full_year(self) -> int:
        """First calendar year the pilot ran throughout (the year after a mid-year start)."""
        y, m = (int(p) for p in self.start.split("-"))
        return y if m == 1 else y + 1


IGOR = Pilot(
    name="IGOR",
    full_name="I Gemensam Organisation mot Relationsvåld",
    district="Södermalm",
    parent_code="0180",
    start="2021-04",
    end="2023-10",
    district_population=131_000,
    district_population_year=2019,
    district_population_source="Stockholms stad, områdesfakta (about 131 000 at end of 2019)",
    evaluation=(
        "Ekström & Olin Dahl (2023), Samverkan som berikar: Utvärdering av IGOR-projektet, "
        "Marie Cederschiöld högskola"
    ),
)

#: The candidate of the case: Huddinge kommun, whose kommunstyrelse debated joining IGOR.
CASE_CANDIDATE = "0126"


def dilution_share(district_population: float, kommun_population: float) -> float:
    """Share of the kommun's population that lives in the pilot district.

    An effect confined to the district shows at kommun level roughly scaled by this share
    (if the district's rate is similar to the kommun's): a 20 % drop in the district is about
    ``0.2 * share`` at kommun level.

    Examples
    --------
    >>> round(dilution_share(131_000, 984_748), 3)
    0.133
    """
    if kommun_population <= 0 or district_population < 0:
        raise ValueError("populations must be positive")
    if district_population > kommun_population:
        raise ValueError("the district cannot be larger than its kommun")
    return district_population / kommun_population
