"""The report on whether the pilot had a measurable effect (``pilot_effect``)."""

__all__: list[str] = []
