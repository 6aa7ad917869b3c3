"""Parse report HTML in tests: the tags with their attributes, and the text."""

from __future__ import annotations

import re
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


#: ``..`` as a value (a cell, or a stand-in in a sentence), not quoted as in a legend
#: (”..”) and not part of an ellipsis or a path.
_MISSING = re.compile(r"(?<![.\w”“\"'])\.\.(?![.\w”“\"'])")


class _MissingCollector(HTMLParser):
    """Prose text outside tables, and each table's cells with the footnotes that follow it."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.prose: list[str] = []
        self.tables: list[dict[str, list[str]]] = []
        self.current: dict[str, list[str]] | None = None
        self.last: dict[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.current = {"cells": [], "notes": []}
            self.tables.append(self.current)
        if tag not in _VOID:
            self.stack.append((tag, dict(attrs).get("class") or ""))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass
        if tag == "table":
            self.last, self.current = self.current, None

    def handle_data(self, data: str) -> None:
        tags = [t for t, _ in self.stack]
        if not data.strip() or "style" in tags or "script" in tags:
            return
        if self.current is not None:
            self.current["cells"].append(data.strip())
        elif any("footnote" in c.split() for _, c in self.stack):
            if self.last is not None:
                self.last["notes"].append(data)
        elif any("csv-download" in c.split() for _, c in self.stack):
            pass  # the table's download link sits between it and its footnotes
        else:
            self.last = None
            self.prose.append(data)


_VOID = {"br", "img", "meta", "link", "hr", "input", "col", "wbr", "source"}


def missing_value_faults(html: str) -> list[str]:
    """Where a report shows ``..`` without saying why.

    ``..`` (research.views.html.MISSING) is a table cell's "not available or not estimated"; a
    sentence must say what is missing in words, and a table showing it must have a footnote
    explaining it. Returns one line per fault (empty: none).
    """
    c = _MissingCollector()
    c.feed(html)
    faults = [f"sentence: {t.strip()[:200]}" for t in c.prose if _MISSING.search(t)]
    for t in c.tables:
        shown = any(_MISSING.search(x) for x in t["cells"])
        if shown and not any(".." in n for n in t["notes"]):
            faults.append(f"table without a legend for '..': {' | '.join(t['cells'][:3])}")
    return faults
