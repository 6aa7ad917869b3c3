"""Matplotlib figures in the house style.

Series are told apart by line style, marker and a direct label at the line end, never by
colour alone; text is at least 9.5 pt. Annual values are drawn at the integer year (the middle
of that year), so a date such as the pilot start in April 2021 is drawn at
``2021 - 0.5 + 3/12`` and a series break that starts with year Y at ``Y - 0.5``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import matplotlib.ticker
import polars as pl
from matplotlib.figure import Figure

from research.core.fmt import format_number
from research.data.catalog import SeriesBreak

from .texts import COMMON

__all__ = ["STYLE", "SeriesStyle", "funnel_chart", "month_position", "trend_chart"]

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


def month_position(period: str) -> float:
    """Axis position of a ``"YYYY-MM"`` date on an annual axis (points at integer years)."""
    year, month = (int(p) for p in period.split("-"))
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1-12 in {period!r}")
    return year - 0.5 + (month - 1) / 12


def trend_chart(
    data: pl.DataFrame,
    *,
    series: Sequence[tuple[str, str]],
    title: str,
    ylabel: str,
    lang: str = "sv",
    breaks: Sequence[SeriesBreak] = (),
    marker_date: str | None = None,
    marker_label: str | None = None,
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
    breaks
        Series breaks to mark with dashed vertical lines and their first year.
    marker_date, marker_label
        A ``"YYYY-MM"`` date (e.g. the pilot start) marked with a solid vertical line.
    years
        Inclusive x-range.

    Returns
    -------
    matplotlib.figure.Figure
    """
    with matplotlib.rc_context(STYLE):
        # A bare Figure (no pyplot): no global figure registry for the inline backend to
        # capture, and constrained layout, so saving needs a single draw.
        fig = Figure(figsize=(7.2, 3.6), layout="constrained")
        ax = fig.add_subplot()
        last_points = []
        for i, (code, label) in enumerate(series):
            st = STYLES[i % len(STYLES)]
            d = data.filter(pl.col("area_code") == code).sort("year")
            if years:
                d = d.filter(pl.col("year").is_between(*years))
            if d.is_empty():
                continue
            x, y = d["year"].to_list(), d["value"].to_list()
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
            last_points.append((x[-1], y[-1], label))
        hi = ax.get_ylim()[1] * 1.08
        ax.set_ylim(0, hi)
        # Direct labels at line ends, nudged apart so they do not overlap.
        gap = hi * 0.075
        placed: list[float] = []
        for xl, yl, label in sorted(last_points, key=lambda p: p[1]):
            ypos = yl
            for p in placed:
                if abs(ypos - p) < gap:
                    ypos = p + gap
            placed.append(ypos)
            ax.annotate(
                label,
                (xl, yl),
                xytext=(xl + 0.3, ypos),
                fontsize=9.5,
                va="center",
                ha="left",
                annotation_clip=False,
            )
        for b in breaks:
            xb = b.first_year - 0.5
            ax.axvline(xb, color="#555555", linestyle=(0, (4, 3)), linewidth=1)
            ax.text(
                xb,
                hi * 0.99,
                str(b.first_year),
                fontsize=9.5,
                ha="center",
                va="top",
                color="#333333",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
            )
        if marker_date:
            xm = month_position(marker_date)
            ax.axvline(xm, color="#000000", linestyle="-", linewidth=1.2)
            ax.text(
                xm,
                hi * 0.91,
                f" {marker_label or marker_date}",
                fontsize=9.5,
                ha="left",
                va="top",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
            )
        if years:
            ax.set_xlim(years[0] - 0.6, years[1] + 0.6)
        ax.set_title(title, loc="left")
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _: format_number(v, 0, lang))
        )
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.legend(
            loc="upper left", frameon=False, ncols=min(len(series), 3), bbox_to_anchor=(0, -0.1)
        )
    return fig


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
    """
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(7.2, 4.2), layout="constrained")
        ax = fig.add_subplot()
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
            ax.annotate(
                label,
                (x, y),
                xytext=(6, 6),
                textcoords="offset points",
                fontsize=10,
                fontweight="bold",
                zorder=5,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1, "alpha": 0.8},
            )
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _: format_number(v, 0, lang))
        )
        ax.yaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _: format_number(v, 0, lang))
        )
        top = float(areas["rate"].quantile(0.995) or 0) * 1.15
        ax.set_ylim(0, max(top, target * 3))
        ax.set_title(title, loc="left")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(loc="upper right", frameon=False)
    return fig
