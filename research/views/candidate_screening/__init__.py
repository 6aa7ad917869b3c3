"""The report ranking kommuner by need and similarity (``candidate_screening``)."""

__all__: list[str] = []
