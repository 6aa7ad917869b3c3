"""The batch index page (``reports/index.html``): wording and layout of the report list."""

__all__: list[str] = []
