"""pilotbench's research package: data, statistics and reports for pilot evaluations.

Modules, from raw file to report sentence:

- :mod:`research.provenance`, :mod:`research.ddf`, :mod:`research.datasets`: verified raw data
  and the tidy long panel;
- :mod:`research.areas`, :mod:`research.catalog`: areas and indicators (with series breaks);
- :mod:`research.profile` and the statistics modules;
- :mod:`research.plots`, :mod:`research.html`, :mod:`research.fmt`, :mod:`research.texts`,
  :mod:`research.views`: report building blocks;
- :mod:`research.report`, :mod:`research.cli`: running notebooks into reports.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
