"""Collect the charts of the default reports and find overlapping labels in them.

:func:`report_figures` runs a report notebook's code in this process (its ``.py`` twin, cell by
cell, with the default parameters and ``lang`` set after the parameters cell) and keeps every
matplotlib figure the report embeds (``research.views.html.figure`` is wrapped).
:func:`overlaps` draws a figure with the Agg renderer and lists, in display pixels, every pair
of text boxes that intersect and every text box that covers a data point it does not label.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

from research.core.paths import PROJECT_ROOT

__all__ = ["DENSE", "TOLERANCE_PX", "overlaps", "report_figures", "text_boxes"]

#: Overlaps smaller than this (pixels, in both directions) are antialiasing, not overlap.
TOLERANCE_PX = 1.0
#: Point clouds (scatter, or markers without a line) with more points than this are context
#: (all kommuner), not labelled series: a label may lie over them, as in any funnel plot.
DENSE = 40


@dataclass(frozen=True)
class Box:
    """A drawn text (its box patch included) in display pixels."""

    text: str
    bbox: Bbox
    anchor: tuple[float, float] | None  # the point an annotation labels, display pixels


def report_figures(notebook: str, lang: str, monkeypatch: Any) -> list[Figure]:
    """The figures ``notebook`` embeds when run with its default parameters in ``lang``."""
    import research.views.html as html

    figures: list[Figure] = []
    original = html.figure

    def keep(fig: object, **kw: Any) -> Any:
        figures.append(fig)  # type: ignore[arg-type]
        return original(fig, **kw)

    monkeypatch.setattr(html, "figure", keep)
    source = (PROJECT_ROOT / "notebooks" / f"{notebook}.py").read_text(encoding="utf-8")
    cells = source.split("\n# %%")
    namespace: dict[str, Any] = {"display": lambda *a, **k: None, "__name__": "__report__"}
    for i, cell in enumerate(cells):
        code = cell if i == 0 else "# %%" + cell
        exec(compile(code, f"{notebook}.py[{i}]", "exec"), namespace)
        if 'tags=["parameters"]' in code:
            namespace["lang"] = lang
    return figures


def _text_bbox(t: Text, renderer: Any) -> Bbox:
    ext = Text.get_window_extent(t, renderer)  # an annotation's leader line is not text
    patch = t.get_bbox_patch()
    if patch is not None:
        ext = Bbox.union([ext, patch.get_window_extent(renderer)])
    return ext


def text_boxes(fig: Figure) -> list[Box]:
    """Every visible, non-empty text of ``fig`` with its box in display pixels."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = []
    ticks: set[int] = set()  # every tick label, and those drawn (inside the view limits)
    drawn: set[int] = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.majorTicks + axis.minorTicks:
                ticks.update((id(tick.label1), id(tick.label2)))
            for tick in axis._update_ticks():
                drawn.update((id(tick.label1), id(tick.label2)))
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip():
            continue
        if id(t) in ticks and id(t) not in drawn:
            continue
        if t.axes is not None and not t.axes.get_visible():
            continue
        anchor = None
        if isinstance(t, Annotation):
            xy = t._get_xy_display()  # the labelled point
            anchor = (float(xy[0]), float(xy[1]))
        boxes.append(Box(t.get_text(), _text_bbox(t, renderer), anchor))
    return boxes


def _inside(ax: Any, pts: np.ndarray) -> np.ndarray:
    """The points drawn inside the axes (the others are clipped away)."""
    b = ax.bbox
    keep = (pts[:, 0] >= b.x0) & (pts[:, 0] <= b.x1) & (pts[:, 1] >= b.y0) & (pts[:, 1] <= b.y1)
    return pts[keep]


def _data_points(fig: Figure) -> Iterator[tuple[str, np.ndarray]]:
    """``(series, points in display pixels)`` of every line with markers and sparse scatter."""
    for ax in fig.axes:
        for line in ax.get_lines():
            if not line.get_visible() or line.get_transform() != ax.transData:
                continue  # axvline/axhline: reference lines, not data
            if line.get_marker() in (None, "None", "", " "):
                continue  # a curve without markers (limits, a model fit) has no data points
            if len(line.get_xdata()) > DENSE and line.get_linestyle() in ("None", "", " "):
                continue  # a context cloud (all kommuner)
            xy = np.column_stack([line.get_xdata(), line.get_ydata()]).astype(float)
            xy = xy[np.isfinite(xy).all(axis=1)]
            if xy.size:
                yield line.get_label(), _inside(ax, ax.transData.transform(xy))
        for coll in ax.collections:
            if isinstance(coll, PathCollection) and coll.get_visible():
                off = coll.get_offsets()
                if 0 < len(off) <= DENSE:
                    pts = np.asarray(off, dtype=float)
                    yield "scatter", _inside(ax, coll.get_offset_transform().transform(pts))


def overlaps(fig: Figure) -> list[str]:
    """Descriptions of text/text overlaps and of text boxes covering data points."""
    boxes = text_boxes(fig)
    problems = []
    for a, b in itertools.combinations(boxes, 2):
        w = min(a.bbox.x1, b.bbox.x1) - max(a.bbox.x0, b.bbox.x0)
        h = min(a.bbox.y1, b.bbox.y1) - max(a.bbox.y0, b.bbox.y0)
        if w > TOLERANCE_PX and h > TOLERANCE_PX:
            problems.append(f"text {a.text!r} overlaps text {b.text!r} ({w:.0f}x{h:.0f} px)")
    for name, pts in _data_points(fig):
        for box in boxes:
            bb = box.bbox.expanded(1.0, 1.0)
            inner = Bbox.from_extents(
                bb.x0 + TOLERANCE_PX,
                bb.y0 + TOLERANCE_PX,
                bb.x1 - TOLERANCE_PX,
                bb.y1 - TOLERANCE_PX,
            )
            for px, py in pts:
                if box.anchor is not None and np.hypot(px - box.anchor[0], py - box.anchor[1]) < 1:
                    continue  # the point this label names
                if inner.x0 < px < inner.x1 and inner.y0 < py < inner.y1:
                    problems.append(
                        f"text {box.text!r} covers a point of {name!r} at ({px:.0f}, {py:.0f}) px"
                    )
    return problems
