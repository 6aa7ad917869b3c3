"""Small helpers that let estimator results show themselves in JupyterLab.

A result's ``_repr_html_`` is one compact table (label, value) with numbers formatted to a
sensible number of significant digits; ``summary()`` is the same as plain text. Result classes
get both, and ``to_frame()``, by inheriting :class:`ResultDisplay` and naming their headline
numbers in ``_display_rows``; :func:`line_figure` and :func:`interval_figure` are the minimal
charts behind their ``plot()`` methods (the report's house style lives in the views layer).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy and polars are imported where used: `esc` (the report page's
    # escaping, imported by the batch process) needs neither
    import polars as pl

__all__ = [
    "ResultDisplay",
    "esc",
    "fmt_num",
    "html_table",
    "interval_figure",
    "line_figure",
    "record_frame",
    "text_table",
]


def esc(text: object) -> str:
    """Escape text for HTML, quotes included (every string from data passes through it)."""
    return escape(str(text), quote=True)


def fmt_num(x: object, digits: int = 4) -> str:
    """A number with ``digits`` significant digits (integers as they are, NaN as ``-``)."""
    import numpy as np

    if x is None:
        return "-"
    if isinstance(x, bool | np.bool_):
        return str(bool(x))
    if isinstance(x, int | np.integer):
        return str(int(x))
    if isinstance(x, float | np.floating):
        x = float(x)
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
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


def record_frame(obj: object, fields: Sequence[str]) -> pl.DataFrame:
    """A frame of ``obj``'s attributes ``fields``: one row for scalars, one per element else.

    Array and Series attributes (a vectorised call) become columns of equal length; scalars
    are repeated along them.
    """
    import numpy as np
    import polars as pl

    values = {f: getattr(obj, f) for f in fields}
    lengths = {
        len(v) for v in values.values() if isinstance(v, np.ndarray | pl.Series) and np.ndim(v)
    }
    n = max(lengths, default=1)
    data: dict[str, Any] = {}
    for name, v in values.items():
        if isinstance(v, pl.Series):
            data[name] = v.to_numpy()
        elif isinstance(v, np.ndarray) and np.ndim(v):
            data[name] = v
        else:
            data[name] = [v.item() if isinstance(v, np.generic) else v] * n
    return pl.DataFrame(data, strict=False)


class ResultDisplay:
    """Mixin: ``_repr_html_``, ``summary()`` and ``to_frame()`` from a few hooks.

    A subclass names its headline numbers in ``_display_rows`` (label, value) and may give a
    detail frame (``_display_frame``), a note (``_display_note``), a title
    (``_display_title``) and the attributes of its one-row frame (``_frame_fields``, names
    separated by spaces). A result of a vectorised call (``_vector_field`` names an attribute
    that is then an array) shows the number of results and its whole frame instead.
    """

    __slots__ = ()
    _frame_fields: str = ""
    _vector_field: str = ""

    def _vector_length(self) -> int | None:
        if not self._vector_field:
            return None
        import numpy as np

        value = getattr(self, self._vector_field)
        return len(value) if np.ndim(value) else None

    def _display_title(self) -> str:
        return type(self).__name__

    def _display_rows(self) -> list[tuple[str, object]]:
        return []

    def _display_frame(self) -> pl.DataFrame | None:
        return None

    def _display_note(self) -> str | None:
        return None

    def _shown(self) -> tuple[list[tuple[str, object]], pl.DataFrame | None]:
        n = self._vector_length()
        if n is not None:
            return [("results (vectorised call)", n)], self.to_frame()
        return self._display_rows(), self._display_frame()

    def summary(self) -> str:
        """Plain text: the headline numbers and, where there is one, the detail table."""
        return text_table(self._display_title(), *self._shown())

    def _repr_html_(self) -> str:
        rows, frame = self._shown()
        return html_table(self._display_title(), rows, frame, self._display_note())

    def to_frame(self) -> pl.DataFrame:
        """The result as a polars frame (one row per estimate)."""
        return record_frame(self, self._frame_fields.split())


def line_figure(
    x: Any,
    lines: Sequence[tuple[str, Any]],
    *,
    labels: tuple[str, str, str] = ("", "", ""),
    vline: float | None = None,
    hline: float | None = None,
) -> Any:
    """A matplotlib Figure with one labelled line per ``(label, y)`` (no pyplot state).

    ``labels`` are the title, the x-axis label and the y-axis label.
    """
    import numpy as np

    title, xlabel, ylabel = labels
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    for label, y in lines:
        ax.plot(np.asarray(x), np.asarray(y, dtype=float), marker="o", ms=3, label=label)
    if vline is not None:
        ax.axvline(vline, color="grey", lw=0.8, ls=":")
    if hline is not None:
        ax.axhline(hline, color="grey", lw=0.8)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if len(lines) > 1:
        ax.legend(frameon=False)
    return fig


def interval_figure(
    x: Any,
    estimate: Any,
    lower: Any,
    upper: Any,
    *,
    labels: tuple[str, str, str] = ("", "", ""),
    hline: float | None = 0.0,
    vline: float | None = None,
) -> Any:
    """A matplotlib Figure of point estimates with their intervals (error bars).

    ``labels`` are the title, the x-axis label and the y-axis label.
    """
    import numpy as np

    title, xlabel, ylabel = labels
    from matplotlib.figure import Figure

    est = np.asarray(estimate, dtype=float)
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    # an interval that is missing or unbounded (few permutations) is drawn without bars
    down, up = est - lo, hi - est
    yerr = np.vstack([np.where(np.isfinite(down), down, 0.0), np.where(np.isfinite(up), up, 0.0)])
    ax.errorbar(np.asarray(x), est, yerr=yerr, fmt="o", capsize=3)
    if hline is not None:
        ax.axhline(hline, color="grey", lw=0.8)
    if vline is not None:
        ax.axvline(vline, color="grey", lw=0.8, ls=":")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return fig
