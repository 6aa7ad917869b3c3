"""Matplotlib figures in the house style.

Series are told apart by line style, marker and a direct label at the line end, never by
colour alone; text is at least 9.5 pt. Annual values are drawn at the integer year (the middle
of that year), so a date such as the pilot start in April 2021 is drawn at
``2021 - 0.5 + 3/12``, a quarter into the span of 2021, and a series break that starts with
year Y at ``Y - 0.5``. Thin vertical lines at ``Y +- 0.5`` show each year's span and the x
axis label says what a point stands for.

No label overlaps another label or a data point: the labels of series breaks and of the pilot
start sit in a strip above the plot (stacked in rows where they would collide) and the end
labels of the series are spread apart in display units (``tests/test_chart_layout.py``
checks every chart of the default reports).
"""

from __future__ import annotations

import gc
import math
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import matplotlib
import matplotlib.lines
import matplotlib.ticker
import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.text import Annotation

from research.core.fmt import format_number
from research.core.i18n import load_catalogue
from research.data.catalog import SeriesBreak

from . import html
from .html import Html, at_dpi
from .texts import COMMON

__all__ = [
    "NO_MARKS",
    "PRINT_DPI",
    "STYLE",
    "MinorTickMarks",
    "PeriodMarks",
    "SeriesStyle",
    "YearBoundaries",
    "end_labels",
    "figure_html",
    "figure_scope",
    "funnel_chart",
    "house_figure",
    "label_axes",
    "mark_periods",
    "month_position",
    "title_pad",
    "trend_chart",
    "year_axis",
    "year_boundaries",
]

_TEXTS = load_catalogue(Path(__file__).with_name("charts.toml"))
#: Resolution (dots per inch) the report pages print their charts at
#: (:func:`research.views.html.figure`); :func:`trend_chart` lays its figure out for it.
PRINT_DPI = 150
#: Space between the texts of a chart laid out by :func:`_fit_axes` and the figure's edges,
#: and between the axes' texts and the legend below, in points (the constrained layout's pad).
_EDGE_PT = 3.0
#: Height of one row of 9.5 pt labels, in points (line height plus a small gap).
_ROW_PT = 14.0

#: Base rcParams for every figure (applied within a context, never globally).
STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "legend.fontsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "figure.dpi": 100,
    # Titles sit at the axes' top (plus their pad) as matplotlib's automatic placement puts
    # them on these charts (no ticks or labels on top, no offset text); given, it is not
    # worked out again at each draw and measurement, which lays out every tick label of the
    # chart once more per title (issue 17).
    "axes.titley": 1.0,
}


@dataclass(frozen=True)
class SeriesStyle:
    """How one series is drawn: greys and distinct line styles and markers."""

    color: str
    linestyle: str
    marker: str
    linewidth: float = 1.8


#: Styles in order: first the focus area (black, solid, circles), then others.
STYLES = (
    SeriesStyle("#000000", "-", "o", 2.2),
    SeriesStyle("#4d4d4d", "--", "s"),
    SeriesStyle("#808080", ":", "^"),
    SeriesStyle("#999999", "-.", "D"),
)


@contextmanager
def house_figure(
    height: float, width: float = 7.2, *, layout: str | None = "constrained"
) -> Iterator[tuple[Figure, Axes]]:
    """A figure with one axes, drawn in the house style (:data:`STYLE`) inside the block.

    A bare :class:`~matplotlib.figure.Figure` (no pyplot): no global figure registry for the
    inline backend to capture, and constrained layout, so saving needs a single draw
    (``layout=None`` for a figure that is laid out by its maker, as :func:`trend_chart` is).

    Examples
    --------
    >>> with house_figure(3.0) as (fig, ax):
    ...     _ = ax.plot([2020, 2021], [1.0, 2.0])
    >>> [float(v) for v in fig.get_size_inches()], fig.get_layout_engine() is not None
    ([7.2, 3.0], True)
    """
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(width, height), layout=layout)
        yield fig, fig.add_subplot()


@contextmanager
def figure_scope() -> Iterator[None]:
    """Free the figures made and printed inside the block as soon as it ends.

    A matplotlib figure is a web of reference cycles (figure, canvas, axes, artists), so it
    outlives its last use until the cyclic garbage collector runs a full collection: drawing
    a chart allocates enough for the collector to move the figure into the oldest generation
    long before it is printed. Its Agg renderer (about 3 MB of pixels at
    :data:`PRINT_DPI`, kept by the canvas and by every text drawn) stays with it: a report
    kernel's memory rose by 5-10 MiB over its charts (issue 17). Inside the block the
    collector is paused, so the block's objects stay in the youngest generation; on the way
    out that generation alone is collected (milliseconds: it holds only what the block
    made), which frees the figure. :func:`figure_html` draws and prints inside one; sections
    that make and print a chart themselves use it as a decorator, so that the method's own
    references are gone by then.

    A collector that was already paused (by the caller, or an enclosing block) is left
    paused and nothing is collected.

    Examples
    --------
    >>> import gc, weakref
    >>> with figure_scope():
    ...     with house_figure(3.0) as (fig, ax):
    ...         lines = ax.plot([2020, 2021], [1.0, 2.0])
    ...     gone = weakref.ref(fig)
    ...     del fig, ax, lines
    >>> gone() is None, gc.isenabled()
    (True, True)
    """
    paused_here = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused_here:
            gc.enable()
            gc.collect(0)


def month_position(period: str) -> float:
    """Axis position of a ``"YYYY-MM"`` date on an annual axis (points at integer years)."""
    year, month = (int(p) for p in period.split("-"))
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1-12 in {period!r}")
    return year - 0.5 + (month - 1) / 12


def year_axis(ax: Axes, lang: str) -> None:
    """Integer year ticks, a thin line at every year boundary and the note on what a point is.

    The year boundaries are one :class:`YearBoundaries` collection below the data (not minor
    tick gridlines: a tick is five artists, laid out on every pass; issue 17); the x axis has
    no minor ticks.

    Parameters
    ----------
    ax
        Axes whose x axis is in years, annual values drawn at the integer year.
    lang
        Language of the axis label (``"sv"`` or ``"en"``).

    Examples
    --------
    >>> ax = Figure().add_subplot()
    >>> ax.set_xlim(2019.4, 2022.6)
    (2019.4, 2022.6)
    >>> year_axis(ax, "en")
    >>> year_boundaries(ax)
    [2019.5, 2020.5, 2021.5, 2022.5]
    >>> ax.xaxis.get_minorticklocs().size, ax.get_xlabel()[:5]
    (0, 'Year.')
    """
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.grid(False, axis="x", which="both")
    ax.add_collection(YearBoundaries(ax), autolim=False)
    ax.set_xlabel(_TEXTS("year_axis", lang), fontsize=9.5, color="#333333")


class YearBoundaries(LineCollection):
    """Thin vertical lines at the year boundaries ``Y + 0.5`` inside the x view limits.

    One collection for all of them (x in data units, y from the bottom to the top of the
    axes), placed when it is drawn, so the lines follow the final view limits. Drawn as the
    minor tick gridlines were: grey ``#e4e4e4``, 0.6 pt, with the axis and grid (``zorder``
    1.5) below the data, clipped to the axes, and left out of layout measurements.
    """

    def __init__(self, ax: Axes) -> None:
        super().__init__(
            [],
            colors="#e4e4e4",
            linewidths=0.6,
            capstyle="projecting",  # as a Line2D gridline's: the same end pixels
            zorder=1.5,
            transform=ax.get_xaxis_transform(),
        )
        self.set_in_layout(False)

    def positions(self) -> list[float]:
        """The x positions of the boundaries in the current view limits, in order."""
        lo, hi = sorted(self.axes.get_xlim())  # type: ignore[union-attr]
        tol = 1e-9 * max(hi - lo, 1.0)
        first = math.ceil(lo - 0.5 - tol)
        return [y + 0.5 for y in range(first, math.floor(hi - 0.5 + tol) + 1)]

    def draw(self, renderer) -> None:
        """Place the lines at :meth:`positions` and draw them."""
        self.set_segments([[(x, 0.0), (x, 1.0)] for x in self.positions()])
        super().draw(renderer)


def year_boundaries(ax: Axes) -> list[float]:
    """Positions of the year boundaries :func:`year_axis` draws on ``ax`` (its view limits)."""
    return [x for c in ax.collections if isinstance(c, YearBoundaries) for x in c.positions()]


class MinorTickMarks(Line2D):
    """The x axis's minor tick marks as one line of tick markers, without tick objects.

    A log axis has dozens of minor ticks, and each is a :class:`~matplotlib.axis.Tick` of
    five artists laid out on every measurement (issue 17). This artist takes the axis's
    minor locator over (the axis gets a ``NullLocator``) and draws the same marks, placed
    when it is drawn as :meth:`~matplotlib.axis.Axis.get_minorticklocs` places them (minor
    locations on a major tick left out, only those inside the view limits): the tick marker
    (down for ticks drawn outward), ``xtick.minor.size`` and ``xtick.minor.width``, with the
    axis (``zorder`` 1.5), left out of layout measurements. Only for minor ticks without
    labels (:func:`_tick_marks_only`).
    """

    def __init__(self, ax: Axes) -> None:
        rc = matplotlib.rcParams
        out = rc["xtick.direction"] == "out"
        super().__init__(
            [],
            [],
            color=rc["xtick.color"],
            linestyle="none",
            marker=matplotlib.lines.TICKDOWN if out else matplotlib.lines.TICKUP,
            markeredgecolor=rc["xtick.color"],
            markersize=rc["xtick.minor.size"],
            markeredgewidth=rc["xtick.minor.width"],
            transform=ax.get_xaxis_transform("tick1"),
            zorder=1.5,
            clip_on=False,
        )
        self.locator = ax.xaxis.get_minor_locator()
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        self.locator.set_axis(ax.xaxis)
        self.set_in_layout(False)
        ax.add_line(self)

    def positions(self) -> list[float]:
        """The x positions of the marks in the current view limits, in order."""
        axis = self.axes.xaxis  # type: ignore[union-attr]
        scale = axis.get_transform()
        minor = np.asarray(self.locator(), dtype=float)
        if minor.size == 0:
            return []
        major = np.asarray(axis.get_major_locator()(), dtype=float)
        lo, hi = sorted(scale.transform(np.asarray(axis.get_view_interval(), dtype=float)))
        t = scale.transform(minor)
        if major.size:
            tol = (hi - lo) * 1e-5
            on_major = np.isclose(t[:, None], scale.transform(major)[None, :], atol=tol, rtol=0)
            minor, t = minor[~on_major.any(axis=1)], t[~on_major.any(axis=1)]
        inside = np.isclose(t, lo, rtol=1e-10, atol=0) | np.isclose(t, hi, rtol=1e-10, atol=0)
        inside |= (lo < t) & (t < hi)
        return [float(v) for v in minor[inside]]

    def draw(self, renderer) -> None:
        """Place the marks at :meth:`positions` and draw them."""
        xs = self.positions()
        self.set_data(xs, [0.0] * len(xs))
        super().draw(renderer)


def _tick_marks_only(ax: Axes) -> MinorTickMarks | None:
    """Replace the x axis's minor ticks by :class:`MinorTickMarks` if none has a label."""
    locs = ax.xaxis.get_minorticklocs()
    if any(ax.xaxis.get_minor_formatter().format_ticks(locs)):
        return None
    return MinorTickMarks(ax)


@lru_cache(maxsize=4096)
def _tick_label(value: float, lang: str) -> str:
    """A whole-number tick label (:func:`research.core.fmt.format_number`), memoized.

    Every layout pass formats every tick again (three passes per trend chart, dozens of log
    minor ticks on the funnel), and Babel parses its pattern on each call (issue 17).

    Examples
    --------
    >>> _tick_label(12500.0, "sv") == "12\u00a0500"
    True
    """
    return format_number(value, 0, lang)


def _renderer(fig: Figure):  # -> RendererAgg
    """Settle the constrained layout and return a renderer to measure text with.

    The layout runs with drawing disabled (as ``savefig`` does before it prints): text is
    measured and artists placed, but nothing is rasterized, which made up most of the cost of
    each of a trend chart's two layout passes (issue 17).
    """
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    with renderer._draw_disabled():
        fig.draw(renderer)
    return renderer


def mark_periods(
    ax: Axes,
    breaks: Sequence[SeriesBreak],
    marker_date: str | None,
    marker_label: str | None,
    *,
    offset: float = 0.0,
) -> int:
    """Dashed lines at series breaks, a solid line at the pilot start, labelled above the plot.

    The labels sit in a strip above the axes (never over lines, points or end labels): a
    break's first year centred on its line, the pilot start's label starting at its line.
    Labels that would collide go to the next row up.

    Parameters
    ----------
    ax
        Axes with years on x.
    breaks
        Series breaks; one that starts with year ``Y`` is drawn at ``Y - 0.5``.
    marker_date, marker_label
        A ``"YYYY-MM"`` date drawn at :func:`month_position` and its label.
    offset
        Subtracted from every x position (for axes in event time).

    Returns
    -------
    int
        Rows of labels used (pass ``pad=title_pad(rows)`` to the title).

    Examples
    --------
    The break of 2021 (at 2020.5) and the pilot start in April 2021 (at 2020.75) are too close
    for one row:

    >>> ax = Figure(figsize=(6, 3)).add_subplot()
    >>> ax.set_xlim(2015.4, 2022.6)
    (2015.4, 2022.6)
    >>> brk = SeriesBreak("b", 2021, "2021-01-01", ("x",), "b", "b", "b", "b", "test")
    >>> mark_periods(ax, [brk], "2021-04", "Pilotstart april 2021")
    2
    """
    items = _period_lines(ax, breaks, marker_date, marker_label, offset)
    if not items:
        return 0
    return _period_labels(ax, items, _renderer(ax.figure))  # type: ignore[arg-type]


def _period_lines(
    ax: Axes,
    breaks: Sequence[SeriesBreak],
    marker_date: str | None,
    marker_label: str | None,
    offset: float,
) -> list[tuple[float, str, str]]:
    """Draw the lines of :func:`mark_periods`; ``(x, label, ha)`` of the labels they need."""
    items: list[tuple[float, str, str]] = []
    for b in breaks:
        xb = b.first_year - 0.5 - offset
        ax.axvline(xb, color="#555555", linestyle=(0, (4, 3)), linewidth=1)
        items.append((xb, str(b.first_year), "center"))
    if marker_date:
        xm = month_position(marker_date) - offset
        ax.axvline(xm, color="#000000", linestyle="-", linewidth=1.2)
        items.append((xm, marker_label or marker_date, "left"))
    return items


def _period_labels(ax: Axes, items: Sequence[tuple[float, str, str]], renderer) -> int:
    """Place the labels of :func:`mark_periods` in rows above the axes; the rows used.

    ``renderer`` measures them on the figure as it is laid out now (:func:`_renderer`); the
    rows come from :func:`_greedy_rows` on the measured extents.
    """
    labels = [_period_label(ax, x, text, ha, 0) for x, text, ha in items]
    extents = [label.get_window_extent(renderer) for label in labels]
    rows = _greedy_rows([(e.x0, e.x1) for e in extents], 4.0 * ax.figure.dpi / 72.0)
    for label, row in zip(labels, rows, strict=True):
        label.xyann = (0, 2 + row * _ROW_PT)
    return 1 + max(rows, default=0)


def _greedy_rows(spans: Sequence[tuple[float, float]], pad: float) -> list[int]:
    """The row of each label spanning ``(x0, x1)`` pixels, placed in order.

    Each label takes the lowest row where it keeps ``pad`` pixels from every label placed
    before it in that row.

    Examples
    --------
    >>> _greedy_rows([(0, 10), (12, 20), (30, 40)], pad=4)
    [0, 1, 0]
    """
    placed: list[tuple[int, float, float]] = []
    rows = []
    for x0, x1 in spans:
        row = 0
        while any(r == row and x0 < b + pad and x1 > a - pad for r, a, b in placed):
            row += 1
        placed.append((row, x0, x1))
        rows.append(row)
    return rows


def _period_label(ax: Axes, x: float, text: str, ha: str, row: int) -> Annotation:
    """One label of :func:`mark_periods` at ``x``, in row ``row`` of the strip above the axes."""
    return ax.annotate(
        text,
        (x, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(0, 2 + row * _ROW_PT),
        textcoords="offset points",
        fontsize=9.5,
        ha=ha,
        va="bottom",
        color="#333333" if ha == "center" else "#000000",
        annotation_clip=False,
    )


def title_pad(rows: int) -> float:
    """Title padding (points) that clears ``rows`` rows of labels above the axes.

    Examples
    --------
    >>> title_pad(0), title_pad(2)
    (6.0, 34.0)
    """
    return 6.0 + rows * _ROW_PT


@dataclass(frozen=True)
class PeriodMarks:
    """What a time chart marks (series breaks, the pilot start) and the language of its texts.

    One value passed to every chart with years on x, instead of four arguments each.

    Parameters
    ----------
    lang
        Language of the axis texts and number formats (``"sv"`` or ``"en"``).
    breaks
        Series breaks; one that starts with year ``Y`` is drawn at ``Y - 0.5``.
    marker_date, marker_label
        A ``"YYYY-MM"`` date (the pilot start) drawn at :func:`month_position`, and its label
        (already translated; the date itself when ``None``).

    Examples
    --------
    >>> marks = PeriodMarks("en", marker_date="2021-04", marker_label="Pilot start")
    >>> ax = Figure(figsize=(6, 3)).add_subplot()
    >>> ax.set_xlim(2015.4, 2022.6)
    (2015.4, 2022.6)
    >>> marks.draw(ax), marks.breaks
    (1, ())
    """

    lang: str = "sv"
    breaks: Sequence[SeriesBreak] = ()
    marker_date: str | None = None
    marker_label: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "breaks", tuple(self.breaks))  # frozen: no list inside

    def draw(self, ax: Axes, *, offset: float = 0.0) -> int:
        """Draw the marks on ``ax`` with :func:`mark_periods`; returns the rows of labels."""
        return mark_periods(ax, self.breaks, self.marker_date, self.marker_label, offset=offset)


#: The default of every time chart: Swedish texts, no series break, no pilot start.
NO_MARKS = PeriodMarks()


def label_axes(
    ax: Axes, marks: PeriodMarks, *, title: str, ylabel: str, wrap: int | None = None
) -> None:
    """Draw ``marks``, then the title (above their labels, left) and the y label.

    ``wrap`` breaks the title into lines of at most that many characters.
    """
    rows = marks.draw(ax)
    ax.set_title(textwrap.fill(title, wrap) if wrap else title, loc="left", pad=title_pad(rows))
    ax.set_ylabel(ylabel)


def end_labels(
    ax: Axes,
    ends: Sequence[tuple[float, float, str]],
    *,
    dx: float,
    bold: Sequence[bool] | None = None,
    laid_out: bool = False,
) -> list[Annotation]:
    """Label series at their last point, spread apart so that no two labels overlap.

    Labels keep their point's height where they can; where two would overlap they are moved
    apart symmetrically (in display units, one text line apart) and joined to their point by a
    thin leader line, staying within the axes' y range.

    Parameters
    ----------
    ax
        Axes with the series drawn and the final y limits set.
    ends
        ``(x, y, label)`` of each series' last point.
    dx
        Horizontal distance of the labels from the points, in data units.
    bold
        Per label, whether it is bold (the emphasized series).
    laid_out
        The caller has just laid the figure out with its final title, axis labels and legend
        (only the labels' own width is still to come): skip the layout pass that settles the
        axes' height first.

    Returns
    -------
    list of matplotlib.text.Annotation

    Examples
    --------
    Two series ending at almost the same value get labels one text line apart:

    >>> ax = Figure(figsize=(6, 3)).add_subplot()
    >>> _ = ax.plot([2021, 2022], [10, 30.0], [2021, 2022], [12, 30.5])
    >>> ax.set_ylim(0, 40)
    (0.0, 40.0)
    >>> a, b = end_labels(ax, [(2022, 30.0, "A"), (2022, 30.5, "B")], dx=0.2)
    >>> dy = ax.transData.transform(b.xyann)[1] - ax.transData.transform(a.xyann)[1]
    >>> bool(dy >= 16 * ax.figure.dpi / 72 - 1e-6)
    True
    """
    if not ends:
        return []
    if not laid_out:
        _renderer(ax.figure)  # type: ignore[arg-type]
    gap = (_ROW_PT + 2) * ax.figure.dpi / 72.0  # pixels between label centres
    to_px = ax.transData.transform
    order = sorted(range(len(ends)), key=lambda i: ends[i][1])
    want = [float(to_px((ends[i][0], ends[i][1]))[1]) for i in order]
    lo_px, hi_px = ax.bbox.y0 + gap / 2, ax.bbox.y1 - gap / 2
    # Pool adjacent violators: clusters of labels closer than the gap are centred on the mean
    # of their points and spaced by the gap (the least total movement without overlaps).
    clusters: list[list[float]] = []  # [start, count, sum of wanted]
    for w in want:
        clusters.append([w, 1, w])
        while len(clusters) > 1:
            a, b = clusters[-2], clusters[-1]
            if a[0] + a[1] * gap <= b[0]:
                break
            n, tot = a[1] + b[1], a[2] + b[2]
            start = tot / n - (n - 1) * gap / 2
            clusters[-2:] = [[start, n, tot]]
    pos = [c[0] + k * gap for c in clusters for k in range(int(c[1]))]
    shift = max(0.0, lo_px - pos[0]) - max(0.0, pos[-1] - hi_px)
    pos = [p + shift for p in pos]
    inv = ax.transData.inverted()
    out = []
    for i, ypx in zip(order, pos, strict=True):
        x, y, label = ends[i]
        ytext = float(inv.transform((0, ypx))[1])
        moved = abs(ypx - float(to_px((x, y))[1])) > gap / 3
        out.append(
            ax.annotate(
                label,
                (x, y),
                xytext=(x + dx, ytext),
                fontsize=9.5,
                va="center",
                ha="left",
                fontweight="bold" if bold and bold[i] else "normal",
                annotation_clip=False,
                arrowprops=(
                    {"arrowstyle": "-", "color": "#777777", "lw": 0.6, "shrinkA": 2, "shrinkB": 4}
                    if moved
                    else None
                ),
            )
        )
    return out


def trend_chart(
    data: pl.DataFrame,
    *,
    series: Sequence[tuple[str, str]],
    title: str,
    ylabel: str,
    marks: PeriodMarks = NO_MARKS,
    years: tuple[int, int] | None = None,
) -> Figure:
    """Draw one indicator over time for a few areas.

    Parameters
    ----------
    data
        Rows with ``area_code``, ``year`` and ``value`` (one indicator).
    series
        ``(area_code, label)`` pairs in drawing order; the first is emphasized.
    title, ylabel
        Axis title and y label (already translated).
    marks
        The language, and the series breaks (dashed lines) and pilot start (a solid line) to
        mark.
    years
        Inclusive x-range.

    Returns
    -------
    matplotlib.figure.Figure
        One line per area, labelled at its end and in the legend below. Laid out by
        :func:`_fit_axes` (margins from the measured texts, for printing at
        :data:`PRINT_DPI`): no layout engine, so saving or printing it runs no layout pass.

    Examples
    --------
    >>> data = pl.DataFrame({"area_code": ["A", "A"], "year": [2020, 2021], "value": [1.0, 2.0]})
    >>> fig = trend_chart(data, series=[("A", "Huddinge")], title="t", ylabel="y")
    >>> fig.get_layout_engine() is None, fig.dpi
    (True, 100.0)
    """
    with house_figure(3.6, layout=None) as (fig, ax):
        last_points: list[tuple[float, float, str]] = []
        # One pass over the rows (not a filter and a sort per series; issue 17): each
        # area's (year, value) pairs in year order, within ``years``.
        rows = data.select("area_code", "year", "value")
        if years:
            rows = rows.filter(pl.col("year").is_between(*years))
        points: dict[str, list[tuple[int, float | None]]] = {}
        for code, year, value in rows.sort("year", maintain_order=True).iter_rows():
            points.setdefault(code, []).append((year, value))
        for i, (code, label) in enumerate(series):
            st = STYLES[i % len(STYLES)]
            if not points.get(code):
                continue
            # every year from the first to the last: a year without a row is a gap in the
            # line (None), never a straight line drawn across years that have no value
            by_year = dict(points[code])
            x = list(range(min(by_year), max(by_year) + 1))
            y = [by_year.get(t) for t in x]
            ax.plot(
                x,
                y,
                color=st.color,
                linestyle=st.linestyle,
                marker=st.marker,
                linewidth=st.linewidth,
                markersize=4,
                label=label,
            )
            drawn = [(xv, yv) for xv, yv in zip(x, y, strict=True) if yv is not None]
            if drawn:  # the label goes to the last year with a value
                last_points.append((float(drawn[-1][0]), float(drawn[-1][1]), label))
        hi = ax.get_ylim()[1] * 1.08
        ax.set_ylim(0, hi)
        if years:
            ax.set_xlim(years[0] - 0.6, years[1] + 0.6)
        year_axis(ax, marks.lang)
        ax.yaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _: _tick_label(float(v), marks.lang))
        )
        ax.set_ylabel(ylabel)
        ax.set_title(title, loc="left", pad=title_pad(0))
        legend = fig.legend(
            loc="lower left",
            bbox_to_anchor=(
                _EDGE_PT / 72 / fig.get_figwidth(),
                _EDGE_PT / 72 / fig.get_figheight(),
            ),
            borderaxespad=0,
            frameon=False,
            ncols=min(len(series), 3),
        )
        items = _period_lines(ax, marks.breaks, marks.marker_date, marks.marker_label, 0.0)
        bold = [lb == series[0][1] for *_, lb in last_points]
        # Everything is measured, placed and laid out at the print resolution (the fonts'
        # hinting makes text a little wider or narrower relative to the figure at each
        # resolution); the figure keeps its own dpi afterwards.
        # The period labels are placed in rows at the figure's own resolution, as before (at
        # 150 dpi the fonts' hinting puts "2019" and "2020" of the default report exactly
        # 4 pt apart, into two rows); what must fit inside the figure is measured at the
        # print resolution.
        font = FontProperties(size=9.5)
        own = FigureCanvasAgg(fig).get_renderer()
        before = fig.dpi
        widths = [_text_width(own, text, font) for _, text, _ in items]
        lo = ax.get_xlim()[0]
        with at_dpi(fig, PRINT_DPI):
            renderer = FigureCanvasAgg(fig).get_renderer()
            # What must fit to the right of the axes: the end labels (left-aligned at
            # x + dx) and the period labels (from their line, or centred on it).
            hang = [
                (x + 0.3, _text_width(renderer, label, FontProperties(size=9.5, weight=w)))
                for (x, _, label), b in zip(last_points, bold, strict=True)
                for w in ["bold" if b else "normal"]
            ]
            hang += [
                (x, _text_width(renderer, text, font) / (2 if ha == "center" else 1))
                for x, text, ha in items
            ]
            rows = _fit_axes(
                fig,
                ax,
                renderer,
                legend=legend,
                hang=hang,
                rows_of=lambda scale: _label_rows(
                    items, widths, lo, scale * before / PRINT_DPI, 4.0 * before / 72.0
                ),
            )
        ax.set_title(title, loc="left", pad=title_pad(rows))
        placed = _period_labels(ax, items, own) if items else 0
        if placed != rows:  # a label a hair wider than measured: make room for its row
            _shift_top(ax, (placed - rows) * _ROW_PT * before / 72.0)
            ax.set_title(title, loc="left", pad=title_pad(placed))
        end_labels(ax, last_points, dx=0.3, bold=bold, laid_out=True)
    return fig


def _text_width(renderer, text: str, font: FontProperties) -> float:
    """Width in pixels of one line of ``text`` as the renderer draws it (no mathtext)."""
    return float(renderer.get_text_width_height_descent(text, font, ismath=False)[0])


def _label_rows(
    items: Sequence[tuple[float, str, str]],
    widths: Sequence[float],
    lo: float,
    scale: float,
    pad: float,
) -> int:
    """Rows :func:`_period_labels` needs for ``items`` on axes of ``scale`` pixels per year.

    The same placement (:func:`_greedy_rows`), on the measured widths, before any label
    is drawn.
    """
    spans = [
        (x0, x0 + width)
        for (x, _, ha), width in zip(items, widths, strict=True)
        for x0 in [(x - lo) * scale - (width / 2 if ha == "center" else 0.0)]
    ]
    return 1 + max(_greedy_rows(spans, pad)) if spans else 0


def _fit_axes(fig: Figure, ax: Axes, renderer, *, legend, hang, rows_of) -> int:
    """Place ``ax`` so that its texts, the legend below it (if any) and ``hang`` fill the figure.

    A computed layout instead of the constrained layout's passes (issue 17): the ticks are
    fixed where the locators put them on axes of about the final size, the decorations
    (tick labels, axis labels, title) measured once around the axes
    (``Axes.get_tightbbox(for_layout_only=True)``, as the constrained layout measures them),
    and the margins set to those extents plus a pad of 3 pt at the figure's edges.

    ``hang`` holds ``(x, width)`` of labels drawn from data position ``x`` to the right
    (``width`` pixels beyond it): the axes are made narrow enough for all of them to end
    inside the figure. ``rows_of(scale)`` gives the rows of period labels above the axes
    at ``scale`` pixels per x unit; the top margin has room for them (``_ROW_PT`` each).

    Returns
    -------
    int
        The rows of period labels the top margin has room for.
    """
    pt = fig.dpi / 72.0
    pad = _EDGE_PT * pt
    width, height = fig.bbox.width, fig.bbox.height
    locators = (ax.xaxis.get_major_locator(), ax.yaxis.get_major_locator())
    ax.set_position(_PROVISIONAL)
    frozen = _freeze_ticks(ax, locators)
    for _ in range(2):  # a second round only if the final size changes the ticks
        with _ticks_updated_once(ax):
            tight = ax.get_tightbbox(renderer, for_layout_only=True)
        box = ax.bbox
        left, right = box.x0 - tight.x0, tight.x1 - box.x1
        bottom, top = box.y0 - tight.y0, tight.y1 - box.y1
        legend_h = legend.get_window_extent(renderer).height if legend is not None else 0.0
        x0 = pad + left
        lo, hi = ax.get_xlim()
        span = width - pad - x0 - right
        for x, w in hang:  # x0 + (x - lo) * span / (hi - lo) + w <= width - pad
            if x > lo:
                span = min(span, (width - pad - x0 - w) * (hi - lo) / (x - lo))
        rows = rows_of(span / (hi - lo))
        y0 = pad + (legend_h + pad if legend is not None else 0.0) + bottom
        y1 = height - pad - top - rows * _ROW_PT * pt
        ax.set_position([x0 / width, y0 / height, span / width, (y1 - y0) / height])
        now = _freeze_ticks(ax, locators)
        if now == frozen:
            break
        frozen = now
    return rows


@contextmanager
def _ticks_updated_once(ax: Axes) -> Iterator[None]:
    """Inside the block each axis of ``ax`` places and labels its ticks once, then reuses them.

    One ``Axes.get_tightbbox`` asks each axis for its ticks about ten times (the axis, its
    label's position, the title's position, each spine), and each time they are placed,
    formatted and their labels' texts set again (issue 17). Nothing in the block changes the
    limits, locators or formatters, so the first answer is the answer.
    """
    patched = []
    try:
        for axis in (ax.xaxis, ax.yaxis):
            drawn = axis._update_ticks()
            axis._update_ticks = lambda drawn=drawn: drawn  # type: ignore[method-assign]
            patched.append(axis)
        yield
    finally:  # matplotlib's own method again, also if placing the second axis's ticks raised
        for axis in patched:
            del axis._update_ticks


def _freeze_ticks(ax: Axes, locators: Sequence[matplotlib.ticker.Locator]) -> list[list[float]]:
    """Fix the major ticks of ``ax`` where ``locators`` put them on the axes as placed now.

    The locators space the ticks for 10 pt labels (matplotlib's default size, the size
    they were spaced for when the charts were printed outside the house style's context).
    Returns the ticks of x and y.
    """
    out = []
    with matplotlib.rc_context({"xtick.labelsize": 10, "ytick.labelsize": 10}):
        for axis, locator in zip((ax.xaxis, ax.yaxis), locators, strict=True):
            axis.set_major_locator(locator)
            lo, hi = sorted(axis.get_view_interval())
            locs = [float(v) for v in locator() if lo - 1e-9 <= v <= hi + 1e-9]
            axis.set_major_locator(matplotlib.ticker.FixedLocator(locs))
            out.append(locs)
    return out


#: Where :func:`_fit_axes` puts the axes before measuring (about where they end up).
_PROVISIONAL = (0.1, 0.2, 0.78, 0.62)


def _shift_top(ax: Axes, pixels: float) -> None:
    """Lower the top of ``ax`` by ``pixels`` (display units of its figure)."""
    x0, y0, w, h = ax.get_position().bounds
    ax.set_position([x0, y0, w, h - pixels / ax.figure.bbox.height])  # type: ignore[union-attr]


def funnel_chart(
    areas: pl.DataFrame,
    limits: pl.DataFrame,
    *,
    highlight: Sequence[tuple[str, str]],
    title: str,
    xlabel: str,
    ylabel: str,
    target_label: str,
    lang: str = "sv",
) -> Figure:
    """Funnel plot: each area's rate against its exposure, with control limits.

    Parameters
    ----------
    areas
        ``research.stats.funnel.funnel(...).areas``: ``area, exposure, rate`` (rate per 100 000).
    limits
        ``research.stats.funnel.funnel(...).limits``: ``exposure, level, target, lower, upper``.
    highlight
        ``(area_code, label)`` pairs drawn as large black markers with direct labels.

    Returns
    -------
    matplotlib.figure.Figure
        Laid out by :func:`_fit_axes` for printing at :data:`PRINT_DPI`, without a layout
        engine.
    """
    with house_figure(4.2, layout=None) as (fig, ax):
        ax.scatter(
            areas["exposure"],
            areas["rate"],
            s=12,
            color="#9a9a9a",
            linewidths=0,
            label=None,
            zorder=2,
        )
        levels = sorted(limits["level"].unique().to_list())
        styles = {levels[0]: (0, (4, 3))} | ({levels[-1]: (0, (1, 2))} if len(levels) > 1 else {})
        for lev in levels:
            d = limits.filter(pl.col("level") == lev).sort("exposure")
            pct = format_number(100 * lev, 1 if lev * 100 % 1 else 0, lang)
            ax.plot(
                d["exposure"],
                d["upper"],
                color="#333333",
                linestyle=styles[lev],
                linewidth=1,
                label=COMMON("pct_label", lang, pct=pct),
            )
            ax.plot(d["exposure"], d["lower"], color="#333333", linestyle=styles[lev], linewidth=1)
        target = float(limits["target"][0])
        ax.axhline(target, color="#000000", linewidth=1)
        ax.annotate(
            f"{target_label} {format_number(target, 1, lang)}",
            (float(limits["exposure"].min()), target),
            xytext=(2, 3),
            textcoords="offset points",
            fontsize=9.5,
            ha="left",
            va="bottom",
        )
        markers = ("o", "s", "^", "D")
        for i, (code, label) in enumerate(highlight):
            d = areas.filter(pl.col("area") == code)
            if d.is_empty():
                continue
            x, y = float(d["exposure"][0]), float(d["rate"][0])
            ax.scatter([x], [y], s=60, color="#000000", marker=markers[i % 4], zorder=4)
            # on the side of the point away from the centre line, which ran through a label
            # placed above a point just below it (Huddinge)
            below = y < target
            ax.annotate(
                label,
                (x, y),
                xytext=(6, -6 if below else 6),
                textcoords="offset points",
                fontsize=10,
                fontweight="bold",
                va="top" if below else "baseline",
                zorder=5,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1, "alpha": 0.8},
            )
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _: _tick_label(float(v), lang))
        )
        ax.yaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _: _tick_label(float(v), lang))
        )
        top = float(areas["rate"].quantile(0.995) or 0) * 1.15
        ax.set_ylim(0, max(top, target * 3))
        ax.set_title(title, loc="left")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(loc="upper right", frameon=False)
        _tick_marks_only(ax)  # dozens of log minor ticks, none labelled
        # Laid out like trend_chart (issue 17): measured once at the print resolution.
        with at_dpi(fig, PRINT_DPI):
            renderer = FigureCanvasAgg(fig).get_renderer()
            _fit_axes(fig, ax, renderer, legend=None, hang=(), rows_of=lambda scale: 0)
    return fig


def figure_html(
    draw: Callable[..., Figure], kwargs: Mapping[str, object], *, alt: str, source: str
) -> Html:
    """A chart drawn and embedded in one call: ``figure(draw(**kwargs), alt=..., source=...)``.

    One call of module-level functions on picklable arguments, so that the offload worker
    can run it for a report kernel (:class:`research.core.offload.Prefetch`).

    Parameters
    ----------
    draw
        A chart function of this module (:func:`trend_chart`, :func:`funnel_chart`).
    kwargs
        Its arguments.
    alt, source
        The image's alternative text and the source line under it
        (:func:`research.views.html.figure`).

    Returns
    -------
    research.views.html.Html
        ``<figure>`` with the chart as an embedded PNG.

    Examples
    --------
    >>> data = pl.DataFrame({"area_code": ["0126"] * 2, "year": [2020, 2021], "value": [1.0, 2.0]})
    >>> out = figure_html(trend_chart, {"data": data, "series": [("0126", "Huddinge")],
    ...                   "title": "T", "ylabel": "y"}, alt="A", source="S")
    >>> str(out).startswith('<figure class="chart"><img alt="A" src="data:image/png;base64,')
    True
    """
    with figure_scope():  # the figure is freed on return, not at the next full collection
        return html.figure(draw(**kwargs), alt=alt, source=source)
