"""Parameter checks of the ``pilot_effect`` report that need no data.

The report's function runs :func:`check_parameters` first, and
:func:`research.runner.params.validate` runs it before a kernel starts (in the command's
or a batch's own process), so a mistake is one line and exit 2, not a failed notebook.
This module imports no polars, numpy or matplotlib: that validation must not load them
into the command's or the batch's process (issue 17, ``tests/test_batch_process_imports.py``).
"""

from __future__ import annotations

from research.core import fmt
from research.data.pilots import case_parameter
from research.geo.area import Area
from research.geo.registry import load_areas
from research.views.texts import require_kommun

__all__ = ["check_parameters"]


def check_parameters(*, lang: str = "sv", **params: object) -> Area:
    """The report's parameter checks that need no data, declared once.

    :func:`pilot_effect` (and the decision brief, which runs the same analysis) run them
    first, and :func:`research.runner.params.validate` before a kernel starts: the
    language, and a pilot that is a kommun (the panel has kommun data only). Returns the
    pilot.
    """
    fmt.check_lang(lang)
    pilot = load_areas().resolve(case_parameter("pilot", str(params.get("pilot") or "")))
    return require_kommun(
        pilot,
        "pilot",
        "The data is kommun-level: for the Södermalm pilot use Stockholm ('0180').",
        "Data finns per kommun: för piloten på Södermalm, ange Stockholm ('0180').",
    )
