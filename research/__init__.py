"""pilotbench's research package: data, statistics and reports for pilot evaluations.

The functions a researcher calls are here, imported on first use (so that ``python -m
research`` starts without numpy, scipy and polars)::

    import research
    panel = research.load_panel()
    research.poisson_rate_ci(12, 10_000)

The package is layered; each layer imports only those below it (``tests/test_architecture.py``
enforces it):

==========================  ==================================================================
:mod:`research.cli`         the ``pilotbench`` command line
:mod:`research.lab`         JupyterLab conveniences and the ``make lab`` server side
:mod:`research.runner`      parameters, kernels, HTML/PDF export, batches
:mod:`research.views`       each report's sections, wording and charts
:mod:`research.analyses`    profiles, similarity, screening, effect analysis
:mod:`research.stats`       rates, funnel, power, synthetic control, DiD, ITS, SDID
:mod:`research.data`        raw files, the panel, catalogue, imports, fetching
:mod:`research.geo`         areas, districts, the area registry
:mod:`research.core`        errors, paths, locks, configuration, formatting
==========================  ==================================================================

In a notebook, ``research.report("pilot_vs_candidate", candidate="Botkyrka")`` makes a report
exactly as ``pilotbench report`` does and shows a link to it
(:func:`research.lab.notebook.report`); imported inside IPython, the package makes returned
matplotlib figures display as images.
"""

from __future__ import annotations

import sys as _sys
from typing import Any as _Any

from research.core.version import __version__

#: Public name -> module that defines it.
_PUBLIC = {
    "load_panel": "research.data.panel",
    "series": "research.data.panel",
    "load_areas": "research.geo.registry",
    "resolve_area": "research.geo.registry",
    "poisson_rate_ci": "research.stats.rates",
    "rate_ratio": "research.stats.rates",
    "rate_difference": "research.stats.rates",
    "poisson_trend": "research.stats.rates",
    "funnel_limits": "research.stats.funnel",
    "funnel": "research.stats.funnel",
    "minimum_detectable_effect": "research.stats.power",
    "power_at": "research.stats.power",
    "synthetic_control": "research.stats.synth",
    "diff_in_diff": "research.stats.did",
    "event_study": "research.stats.did",
    "interrupted_time_series": "research.stats.its",
    "synthetic_did": "research.stats.sdid",
    "group_time_att": "research.stats.staggered",
    "similar_areas": "research.analyses.similarity",
    "screen_candidates": "research.analyses.screening",
    "pilot_effect_analysis": "research.analyses.effect",
    "report": "research.lab.notebook",
}

__all__ = ["__version__", *sorted(_PUBLIC)]


def __getattr__(name: str) -> _Any:
    import importlib

    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'research' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if "IPython" in _sys.modules:  # inside IPython/Jupyter: returned figures display as images
    from research.lab.notebook import register_ipython as _register_ipython

    _register_ipython()
