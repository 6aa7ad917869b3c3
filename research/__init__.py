"""pilotbench's research package: data, statistics and reports for pilot evaluations.

Modules, from raw file to report sentence:

- :mod:`research.provenance`, :mod:`research.ddf`, :mod:`research.datasets`: verified raw data
  and the tidy long panel;
- :mod:`research.areas`, :mod:`research.catalog`: areas and indicators (with series breaks);
- :mod:`research.profile` and the statistics modules;
- :mod:`research.plots`, :mod:`research.html`, :mod:`research.fmt`, :mod:`research.texts`,
  :mod:`research.views`: report building blocks;
- :mod:`research.report`, :mod:`research.cli`: running notebooks into reports;
- :mod:`research.lab`: JupyterLab conveniences.

In a notebook, ``research.report("pilot_vs_candidate", candidate="Botkyrka")`` makes a report
exactly as ``pilotbench report`` does and shows a link to it (:func:`research.lab.report`);
imported inside IPython, the package makes returned matplotlib figures display as images.
"""

from __future__ import annotations

import sys as _sys
from typing import Any as _Any

__version__ = "0.1.0"
__all__ = ["__version__", "group_time_att", "report", "synthetic_did"]

# The estimators load numpy/scipy/polars: import them on first use, so that the command line
# (``python -m research``) starts without them.
_LAZY = {"synthetic_did": "research.sdid", "group_time_att": "research.staggered"}


def __getattr__(name: str) -> _Any:
    import importlib

    # `research.report` is the submodule, callable as research.report(...) (see report.py).
    if name == "report":
        return importlib.import_module(".report", __name__)
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'research' has no attribute {name!r}")


if "IPython" in _sys.modules:  # inside IPython/Jupyter: returned figures display as images
    from .lab import register_ipython as _register_ipython

    _register_ipython()
