"""Layer 2, data: verified raw files, the tidy long panel, indicators, imports and fetching.

- :mod:`~research.data.provenance`: the manifest and checksums of ``data/raw/``;
- :mod:`~research.data.schema`, :mod:`~research.data.panel`: the long panel and ``series``;
- :mod:`~research.data.catalog`: indicators and their series breaks;
- :mod:`~research.data.groups`, :mod:`~research.data.regso`, :mod:`~research.data.pilots`:
  official peer groups, SCB's RegSO/DeSO areas, the pilots studied;
- :mod:`~research.data.sources`: readers of Brå, SCB and Kolada files;
- :mod:`~research.data.import_log`, :mod:`~research.data.import_store`,
  :mod:`~research.data.imports`,
  :mod:`~research.data.fetch`: importing and fetching official files;
- :mod:`~research.data.plausibility`, :mod:`~research.data.coverage`: checks and data age.

May import :mod:`research.geo` and :mod:`research.core`.
"""

__all__: list[str] = []
