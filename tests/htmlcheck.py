"""Parse report HTML in tests: the tags with their attributes, and the text."""

from __future__ import annotations

from html.parser import HTMLParser


class Collector(HTMLParser):
    """Collects start tags (with attributes) and text nodes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Collector:
    """Parse ``html`` and return the collector."""
    c = Collector()
    c.feed(html)
    return c
