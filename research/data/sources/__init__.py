"""Readers for official files: one module per format, all returning the canonical schema.

* :mod:`.bra` - Brå "Anmälda brott i kommunerna" CSV and statistics-database Excel;
* :mod:`.scb` - SCB PxWebApi v2 json-stat2, SCB CSV downloads, district population tables;
* :mod:`.kolada` - Kolada API v3 JSON data responses;
* :mod:`.common` - the :data:`CANONICAL_SCHEMA`, encodings, Swedish numbers, name matching.
"""

from __future__ import annotations

from .bra import BRA_CATEGORIES, read_bra_csv, read_bra_excel
from .common import CANONICAL_SCHEMA, UnmatchedNamesError, empty_canonical, validate_canonical
from .kolada import parse_kolada, read_kolada_json
from .scb import parse_jsonstat, read_population_excel, read_scb_csv, read_scb_jsonstat

__all__ = [
    "BRA_CATEGORIES",
    "CANONICAL_SCHEMA",
    "UnmatchedNamesError",
    "empty_canonical",
    "parse_jsonstat",
    "parse_kolada",
    "read_bra_csv",
    "read_bra_excel",
    "read_kolada_json",
    "read_population_excel",
    "read_scb_csv",
    "read_scb_jsonstat",
    "validate_canonical",
]
