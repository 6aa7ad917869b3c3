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

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "group_time_att", "synthetic_did"]

# The estimators load numpy/scipy/polars: import them on first use, so that the command line
# (``python -m research``) starts without them.
_LAZY = {"synthetic_did": "research.sdid", "group_time_att": "research.staggered"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'research' has no attribute {name!r}")
