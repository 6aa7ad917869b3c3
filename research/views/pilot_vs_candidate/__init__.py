"""The report comparing a candidate kommun with the pilot area (``pilot_vs_candidate``)."""

__all__: list[str] = []
