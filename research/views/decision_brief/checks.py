"""Parameter checks of the ``decision_brief`` report that need no data.

The report's function runs :func:`check_parameters` first, and
:func:`research.runner.params.validate` runs it before a kernel starts (in the command's
or a batch's own process), so a mistake is one line and exit 2, not a failed notebook.
This module imports no polars, numpy or matplotlib: that validation must not load them
into the command's or the batch's process (issue 17, ``tests/test_batch_process_imports.py``).
"""

from __future__ import annotations

from research.views.pilot_effect.checks import check_parameters as check_effect
from research.views.pilot_vs_candidate.checks import check_parameters as check_comparison

__all__ = ["check_parameters"]


def check_parameters(**params: object) -> None:
    """The brief's parameter checks that need no data, declared once.

    Those of the comparison (:func:`research.views.pilot_vs_candidate.sections.
    check_parameters`: a candidate kommun, ...) and of the effect analysis
    (:func:`research.views.pilot_effect.checks.check_parameters`: a pilot kommun, an outcome
    ``indicator`` the analysis can estimate in the window).
    :func:`decision_brief` runs them first, :func:`research.runner.params.validate` before a
    kernel starts.
    """
    # first: a district pilot is refused here, before its data are read; the brief's
    # end_year also serves its other indicators, so the effect's own figures may end before
    check_effect(**params, end_is_the_effects=False)  # type: ignore[arg-type]
    check_comparison(**{k: v for k, v in params.items() if k != "indicator"})  # type: ignore[arg-type]
