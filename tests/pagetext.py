"""The visible text of a report page, with the parts that change from run to run masked.

Used by the golden-text test (``tests/test_golden_reports.py``): the text a reader sees,
numbers and sentences, one block per line, so that a refactoring that changes a single
digit or word of a default report fails with a readable diff.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["VOLATILE", "page_text"]

_BLOCK = {
    "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "caption",
    "pre", "br", "header", "footer", "section", "dt", "dd", "figcaption", "summary", "table",
}  # fmt: skip
_HIDDEN = {"script", "style", "head", "title", "template"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
_SPACE = re.compile(r"[ \t\n\r\f\v]+")  # ASCII whitespace: a no-break space is content

# What legitimately differs between two runs of the same report on the same data.
VOLATILE: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}| UTC)?"),
        "<TIME>",
    ),
    (re.compile(r"\b\d{1,2} [a-zåäö]+ \d{4},? (kl\. )?\d{2}[:.]\d{2}( UTC)?"), "<TIME>"),
    (re.compile(r"\b[0-9a-f]{40}\b|\b[0-9a-f]{7,12}(\+dirty)?(?=\W*(\)|$| ))"), "<SHA>"),
    (re.compile(r"\b\d+[.,]\d+ ?s\b"), "<SECONDS>"),
    (re.compile(r"pilotbench \d+\.\d+\.\d+\S*"), "pilotbench <VERSION>"),
    (re.compile(r"\d+[ \u00a0](months|månader) (before|före) \d{4}-\d{2}-\d{2}"), "<AGE>"),
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.buf: list[str] = []
        self.hidden: list[str] = []

    def _flush(self) -> None:
        text = _SPACE.sub(" ", "".join(self.buf)).strip()
        if text:
            self.lines.append(text)
        self.buf = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag in _HIDDEN or "anchor-link" in classes:
            if tag not in _VOID:
                self.hidden.append(tag)
            return
        if tag in _BLOCK:
            self._flush()
        if tag == "img":
            alt = dict(attrs).get("alt")
            if alt and not self.hidden:
                self._flush()
                self.lines.append(f"[bild: {_SPACE.sub(' ', alt).strip()}]")

    def handle_endtag(self, tag: str) -> None:
        if self.hidden and self.hidden[-1] == tag:
            self.hidden.pop()
            return
        if tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.buf.append(data)


def page_text(html: str) -> str:
    """Visible text of an HTML page, one block per line, run-to-run differences masked.

    Examples
    --------
    >>> page_text('<h1>Rapport</h1><p>Skapad 2026-11-30 08:12 UTC av pilotbench 0.4.0</p>')
    'Rapport\\nSkapad <TIME> av pilotbench <VERSION>\\n'
    """
    parser = _Text()
    parser.feed(html)
    parser.close()
    parser._flush()
    text = "\n".join(parser.lines) + "\n"
    for pattern, mask in VOLATILE:
        text = pattern.sub(mask, text)
    return text
