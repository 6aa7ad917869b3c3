"""Small helpers that let estimator results show themselves in JupyterLab.

A result's ``_repr_html_`` is one compact table (label, value) with numbers formatted to a
sensible number of significant digits; ``summary()`` is the same as plain text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import polars as pl

__all__ = ["esc", "fmt_num", "html_table", "text_table"]


def esc(text: object) -> str:
    """Escape text for HTML, quotes included (every string from data passes through it)."""
    return escape(str(text), quote=True)


def fmt_num(x: object, digits: int = 4) -> str:
    """A number with ``digits`` significant digits (integers as they are, NaN as ``-``)."""
    if x is None:
        return "-"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if math.isnan(x):
            return "-"
        if x == 0:
            return "0"
        mag = math.floor(math.log10(abs(x)))
        decimals = max(0, digits - 1 - mag)
        if decimals > 8:
            return f"{x:.{digits - 1}e}"
        return f"{x:.{decimals}f}"
    return str(x)


def html_table(
    title: str,
    rows: Sequence[tuple[str, object]],
    frame: pl.DataFrame | None = None,
    note: str | None = None,
) -> str:
    """An HTML block: a caption, a key/value table and optionally a frame below it."""
    body = "".join(
        f"<tr><th style='text-align:left'>{esc(k)}</th><td style='text-align:right'>"
        f"{esc(fmt_num(v))}</td></tr>"
        for k, v in rows
    )
    out = f"<div><strong>{esc(title)}</strong><table>{body}</table>"
    if frame is not None and frame.height:
        head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
        lines = "".join(
            "<tr>"
            + "".join(f"<td style='text-align:right'>{esc(fmt_num(v))}</td>" for v in r)
            + "</tr>"
            for r in frame.rows()
        )
        out += f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>"
    if note:
        out += f"<p><small>{esc(note)}</small></p>"
    return out + "</div>"


def text_table(
    title: str, rows: Sequence[tuple[str, object]], frame: pl.DataFrame | None = None
) -> str:
    """Plain-text version of :func:`html_table`."""
    width = max((len(k) for k, _ in rows), default=0)
    lines = [title, "-" * len(title)]
    lines += [f"{k:<{width}}  {fmt_num(v)}" for k, v in rows]
    if frame is not None and frame.height:
        cells = [list(frame.columns)] + [[fmt_num(v) for v in r] for r in frame.rows()]
        widths = [max(len(str(row[i])) for row in cells) for i in range(len(frame.columns))]
        lines.append("")
        for row in cells:
            lines.append("  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)))
    return "\n".join(lines)
