"""Layer 1, geography: areas (riket, län, kommuner, districts) and how names resolve to codes.

- :mod:`~research.geo.area`: the :class:`Area` record and code normalisation;
- :mod:`~research.geo.districts`: stadsdelsområden of Stockholm, Göteborg and Malmö;
- :mod:`~research.geo.registry`: the registry that resolves a code or a typed name.
"""

from __future__ import annotations

from .area import LAN_NAMES, LEVELS, RIKET, Area, normalize_code
from .districts import District, district_areas, resolve_district
from .registry import AreaRegistry, load_areas, resolve_area

__all__ = [
    "LAN_NAMES",
    "LEVELS",
    "RIKET",
    "Area",
    "AreaRegistry",
    "District",
    "district_areas",
    "load_areas",
    "normalize_code",
    "resolve_area",
    "resolve_district",
]
