"""The decision brief ("Beslutsunderlag", ``decision_brief``): two A4 pages for a kommunstyrelse."""

__all__: list[str] = []
