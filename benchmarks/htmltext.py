"""What a reader sees in a report: the visible text, table cells and images of its cells.

Our report page wraps nbconvert's body in its own header (parameters) and footer (provenance,
timestamps), and renders it with nbconvert's ``basic`` template (classic ``cell`` blocks);
``jupyter nbconvert --to html`` uses the ``lab`` template (``jp-Cell`` blocks) inside
JupyterLab's page. Only what is inside those cell blocks is compared: visible text (runs of
ASCII whitespace collapsed, heading anchors ``¶`` dropped), the text of every table cell in
order, and a SHA-256 of every embedded image. Standard-error streams (kernel warnings:
``output_stderr`` or the stderr MIME type) are dropped on both sides: the report page leaves
them out by design.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = ["ReportContent", "compare_contents", "report_content"]

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
_SPACE = re.compile(r"[ \t\n\r\f\v]+")  # ASCII whitespace only: a no-break space is content


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


_BLOCK = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "caption", "pre", "br"}


@dataclass
class ReportContent:
    """Visible content of the notebook cells of one report page."""

    text: list[str] = field(default_factory=list)  # visible text, one entry per block
    table_cells: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # sha256 of each image source
    stderr_blocks: int = 0


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = ReportContent()
        self.stack: list[tuple[str, bool, bool]] = []  # tag, in a cell, hidden
        self.buf: list[str] = []
        self.cell: list[str] | None = None

    @property
    def _in_cell(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    @property
    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][2]

    def _flush(self) -> None:
        text = _norm("".join(self.buf))
        if text:
            self.out.text.append(text)
        self.buf = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        in_cell = self._in_cell or "jp-Cell" in classes or "cell" in classes
        hidden = self._hidden or tag in ("script", "style", "head", "title")
        # heading anchors, and the CSV download link our page puts under each data table
        # (page chrome like the header and footer, not a notebook output)
        hidden = hidden or "anchor-link" in classes or "csv-download" in classes
        if (
            a.get("data-mime-type") == "application/vnd.jupyter.stderr"
            or "output_stderr" in classes
        ):
            hidden = True
            if in_cell:
                self.out.stderr_blocks += 1
        if in_cell and not hidden:
            if tag in _BLOCK:
                self._flush()
            if tag == "img":
                self.out.images.append(hashlib.sha256(a.get("src", "").encode()).hexdigest())
            if tag in ("td", "th"):
                self.cell = []
        if tag not in _VOID:
            self.stack.append((tag, in_cell, hidden))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        # Pop up to the matching tag (tolerates unclosed <p>, <li>, ...).
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                in_cell, hidden = self.stack[i][1], self.stack[i][2]
                del self.stack[i:]
                break
        else:
            return
        if in_cell and not hidden:
            if tag in ("td", "th") and self.cell is not None:
                self.out.table_cells.append(_norm("".join(self.cell)))
                self.cell = None
            if tag in _BLOCK or tag in ("td", "th"):
                self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_cell and not self._hidden:
            self.buf.append(data)
            if self.cell is not None:
                self.cell.append(data)


def report_content(html: str) -> ReportContent:
    """Parse a report page into its visible cell content.

    Examples
    --------
    >>> page = ('<html><body><header>Skapad 12:00</header><div class="jp-Cell">'
    ...         '<h2>Title<a class="anchor-link">¶</a></h2><table><tr><td>1,5</td>'
    ...         '<td> 2 </td></tr></table></div></body></html>')
    >>> c = report_content(page)
    >>> c.text, c.table_cells
    (['Title', '1,5', '2'], ['1,5', '2'])
    """
    p = _Parser()
    p.feed(html)
    p.close()
    p._flush()
    return p.out


def compare_contents(ours: ReportContent, theirs: ReportContent) -> dict[str, object]:
    """Which parts of two reports' content are identical, with the first difference found.

    Examples
    --------
    >>> a = ReportContent(["x", "y"], ["1"], ["h"])
    >>> compare_contents(a, ReportContent(["x", "z"], ["1"], ["h"]))["text_identical"]
    False
    """
    first = None
    for i, (x, y) in enumerate(zip(ours.text, theirs.text, strict=False)):
        if x != y:
            first = {"index": i, "ours": x[:200], "baseline": y[:200]}
            break
    if first is None and len(ours.text) != len(theirs.text):
        n = min(len(ours.text), len(theirs.text))
        first = {"index": n, "ours_blocks": len(ours.text), "baseline_blocks": len(theirs.text)}
    return {
        "text_identical": ours.text == theirs.text,
        "tables_identical": ours.table_cells == theirs.table_cells,
        "images_identical": ours.images == theirs.images,
        "text_blocks": [len(ours.text), len(theirs.text)],
        "table_cells": [len(ours.table_cells), len(theirs.table_cells)],
        "images": [len(ours.images), len(theirs.images)],
        "stderr_blocks_dropped": [ours.stderr_blocks, theirs.stderr_blocks],
        "first_text_difference": first,
    }
