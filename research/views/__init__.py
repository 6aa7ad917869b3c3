"""Layer 5, views: what a report shows, sentences and charts, one subpackage per report.

- :mod:`~research.views.pilot_vs_candidate`, :mod:`~research.views.pilot_effect`,
  :mod:`~research.views.candidate_screening`, :mod:`~research.views.decision_brief`: each
  report's ``sections`` (HTML blocks), ``texts`` (wording) and ``charts`` (figures);
- :mod:`~research.views.charts`: the house style of every chart;
- :mod:`~research.views.html`: escaped HTML building blocks;
- :mod:`~research.views.area_info`: the description printed by ``pilotbench areas``.

May import :mod:`research.analyses` and the layers below it.
"""

__all__: list[str] = []
