"""Figures of the ``pilot_effect`` report, in the house style of :mod:`research.views.charts`.

Greyscale, series told apart by line style, marker and direct labels (never by colour alone),
text at least 9.5 pt, bare :class:`matplotlib.figure.Figure` objects with constrained layout.
Annual values sit at the integer year; a series break that starts with year ``Y`` is drawn at
``Y - 0.5`` and the pilot start at its month (:func:`research.views.charts.month_position`),
labelled above the plot (:class:`research.views.charts.PeriodMarks`, passed to every chart); thin
lines separate the years and the x axis says what a point stands for
(:func:`research.views.charts.year_axis`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import matplotlib.ticker
import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from research.core.fmt import format_number
from research.views.charts import (
    NO_MARKS,
    PeriodMarks,
    end_labels,
    house_figure,
    label_axes,
    title_pad,
    year_axis,
)

__all__ = ["ChartFrame", "event_study_chart", "gap_chart", "its_chart", "sdid_chart"]

_PLACEBO_GREY = "#c8c8c8"


@dataclass(frozen=True)
class ChartFrame:
    """What frames each chart of the report: its title, its y label and the period marks.

    Parameters
    ----------
    title, ylabel
        Already translated; the title is wrapped at 68 characters.
    marks
        The language, the series breaks and the pilot start to mark.

    Examples
    --------
    >>> frame = ChartFrame("Rate per 100 000", "per 100 000")
    >>> frame.marks.lang
    'sv'
    """

    title: str
    ylabel: str
    marks: PeriodMarks = NO_MARKS

    def label(self, ax: Axes) -> None:
        """Draw the marks, then the title above their labels and the y label."""
        label_axes(ax, self.marks, title=self.title, ylabel=self.ylabel, wrap=68)


def _number_axis(ax: Axes, decimals: int, lang: str) -> None:
    ax.yaxis.set_major_formatter(
        matplotlib.ticker.FuncFormatter(lambda v, _: format_number(v, decimals, lang))
    )
    year_axis(ax, lang)


def gap_chart(
    gaps: pl.DataFrame,
    *,
    treated_label: str,
    placebo_label: str,
    frame: ChartFrame,
) -> Figure:
    """Gap (treated minus synthetic) of the treated unit over placebo gaps in light grey.

    Parameters
    ----------
    gaps
        Long frame with ``unit``, ``time``, ``gap`` and ``is_treated`` (as
        :attr:`research.stats.synth.PlaceboResult.gaps`); pass only the placebos to show.
    treated_label, placebo_label
        Already translated: the direct labels of the treated gap and of the placebo bundle.
    frame
        The title, the y label and the period marks.

    Returns
    -------
    matplotlib.figure.Figure
        The treated gap in black over the placebo gaps, a line at zero.
    """
    with house_figure(3.8) as (fig, ax):
        placebo = gaps.filter(~pl.col("is_treated"))
        last_placebo = None
        for _, g in placebo.sort("time").group_by("unit", maintain_order=True):
            ax.plot(g["time"], g["gap"], color=_PLACEBO_GREY, linewidth=0.9, zorder=1)
            last_placebo = g
        tr = gaps.filter(pl.col("is_treated")).sort("time")
        ax.plot(
            tr["time"], tr["gap"], color="#000000", linewidth=2.2, marker="o", markersize=4,
            zorder=3,
        )  # fmt: skip
        ax.axhline(0, color="#000000", linewidth=0.8, zorder=2)
        xs = tr["time"].to_list()
        ax.set_xlim(xs[0] - 0.6, xs[-1] + 0.6)
        _number_axis(ax, 0, frame.marks.lang)
        frame.label(ax)
        if last_placebo is not None:
            lo, hi = ax.get_ylim()
            ax.annotate(
                placebo_label, (xs[0], lo + 0.06 * (hi - lo)), fontsize=9.5, color="#555555",
                ha="left", va="bottom",
            )  # fmt: skip
        end_labels(ax, [(xs[-1], float(tr["gap"][-1]), treated_label)], dx=0.15, bold=[True])
    return fig


def _ratio_tick(value: float, lang: str) -> str:
    """A ratio tick with the decimals it needs, up to three significant digits.

    >>> [_ratio_tick(v, "sv") for v in (20.0, 1.0, 1.25, 0.5, 0.05)]
    ['20', '1', '1,25', '0,5', '0,05']
    """
    text = f"{value:.3g}"
    decimals = 0 if "e" in text or "." not in text else len(text.split(".")[1])
    return format_number(value, decimals, lang)


def event_study_chart(
    coefficients: pl.DataFrame,
    *,
    treatment_year: int,
    reference_label: str,
    frame: ChartFrame,
    missing_label: str = "",
) -> Figure:
    """Event-study rate ratios with intervals, by calendar year, on a log scale.

    Parameters
    ----------
    coefficients
        :attr:`research.stats.did.EventStudyResult.coefficients` of a Poisson event study
        (``event_time``, ``rate_ratio``, ``rr_lower``, ``rr_upper``, ``is_reference``).
    treatment_year
        Event time 0; the x axis shows ``treatment_year + event_time``.
    reference_label
        Already translated; it marks the reference year (ratio 1 by
        definition).
    frame
        The title, the y label and the period marks.
    missing_label
        Already translated; written once beside the grey "×" that marks, on the line at 1,
        each year without a finite estimate (a zero count only the treated kommun's own
        term can fit: :class:`~research.core.warnings.NoFiniteEventEstimateWarning`). A
        year left blank read as a year with no data.

    Returns
    -------
    matplotlib.figure.Figure
        Squares before the treatment year, circles from it, with their intervals; ratio
        ticks with as many decimals as they need (``20``, ``1,5``, ``0,05``).
    """
    with house_figure(3.6) as (fig, ax):
        c = coefficients.sort("event_time")
        x = (c["event_time"] + treatment_year).to_numpy()
        rr = c["rate_ratio"].to_numpy()
        ref = c["is_reference"].to_numpy()
        lo = c["rr_lower"].fill_null(np.nan).to_numpy()
        hi = c["rr_upper"].fill_null(np.nan).to_numpy()
        # the axis spans every finite estimate and interval end (an estimate outside its
        # own limits' range was cut off); an end that is 0, infinite or missing is drawn to
        # the axis edge, and an estimate that is not a positive number cannot be drawn
        drawable = ~ref & np.isfinite(rr) & (rr > 0)
        vals = np.concatenate([rr[drawable], lo[drawable], hi[drawable], [1.0]])
        vals = vals[np.isfinite(vals) & (vals > 0)]
        ymin, ymax = vals.min() / 1.15, vals.max() * 1.15
        lo = np.clip(np.where(np.isfinite(lo) & (lo > 0), lo, ymin), ymin, ymax)
        hi = np.clip(np.where(np.isfinite(hi), hi, ymax), ymin, ymax)
        pre = drawable & (x < treatment_year)
        post = drawable & (x >= treatment_year)
        for mask, marker in ((pre, "s"), (post, "o")):
            if mask.any():
                ax.errorbar(
                    x[mask], rr[mask],
                    yerr=[np.maximum(rr[mask] - lo[mask], 0), np.maximum(hi[mask] - rr[mask], 0)],
                    fmt=marker, color="#000000", ecolor="#4d4d4d", elinewidth=1.2,
                    capsize=3, markersize=5,
                )  # fmt: skip
        ax.plot(x[ref], rr[ref], marker="D", linestyle="none", markerfacecolor="white",
                markeredgecolor="#000000", markersize=6)  # fmt: skip
        missing = ~ref & ~drawable
        if missing.any():
            ax.plot(x[missing], np.ones(int(missing.sum())), marker="x", linestyle="none",
                    color="#4d4d4d", markersize=7, markeredgewidth=1.5)  # fmt: skip
            if missing_label:
                ax.annotate(
                    missing_label, (x[missing][0], 1.0), xytext=(0, 9),
                    textcoords="offset points", fontsize=9.5, ha="center", va="bottom",
                    color="#4d4d4d", zorder=4,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
                )  # fmt: skip
        ax.annotate(
            reference_label, (x[ref][0], 1.0), xytext=(0, -14), textcoords="offset points",
            fontsize=9.5, ha="center", va="top",
        )  # fmt: skip
        ax.axhline(1.0, color="#000000", linewidth=0.8)
        ax.set_yscale("log")
        ax.set_ylim(ymin, ymax)
        ax.set_xlim(x.min() - 0.6, x.max() + 0.6)
        ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_minor_locator(
            matplotlib.ticker.LogLocator(subs=(1.25, 1.5, 3.0, 4.0, 6.0, 8.0))
        )
        ratio = matplotlib.ticker.FuncFormatter(lambda v, _: _ratio_tick(v, frame.marks.lang))
        ax.yaxis.set_major_formatter(ratio)
        # minor ticks labelled only on a short axis: over more than a decade their labels
        # piled up ("40,00 30,00 20,00 15,00 ...")
        short = ymax / ymin <= 12
        ax.yaxis.set_minor_formatter(ratio if short else matplotlib.ticker.NullFormatter())
        year_axis(ax, frame.marks.lang)
        frame.label(ax)
    return fig


def its_chart(
    series: pl.DataFrame,
    *,
    interruption: int,
    labels: dict[str, str],
    frame: ChartFrame,
) -> Figure:
    """Observed rate, model fit and counterfactual of an interrupted time series.

    Parameters
    ----------
    series
        ``time``, ``observed``, ``fitted``, ``counterfactual`` (counts, as
        :attr:`research.stats.its.ITSResult.series` of one series) and ``population``; drawn as
        rates per 100 000.
    interruption
        First post year; the counterfactual is drawn from the year before it.
    labels
        Already translated: the direct labels for ``"observed"``,
        ``"fitted"`` and ``"counterfactual"``.
    frame
        The title, the y label and the period marks.

    Returns
    -------
    matplotlib.figure.Figure
        Observed rates as points, the fit as a line, the counterfactual dashed.
    """
    with house_figure(3.8) as (fig, ax):
        s = series.sort("time").with_columns(
            (pl.col(c) / pl.col("population") * 100_000).alias(c)
            for c in ("observed", "fitted", "counterfactual")
        )
        x = s["time"].to_numpy()
        ax.plot(x, s["observed"], linestyle="none", marker="o", color="#000000", markersize=5)
        ax.plot(x, s["fitted"], color="#4d4d4d", linestyle="-", linewidth=1.8)
        cf = s.filter(pl.col("time") >= interruption - 1)
        ax.plot(cf["time"], cf["counterfactual"], color="#4d4d4d", linestyle=(0, (2, 2)),
                linewidth=1.8, marker="^", markersize=4, markerfacecolor="white")  # fmt: skip
        top = float(np.nanmax(s.select("observed", "fitted", "counterfactual").to_numpy()))
        ax.set_ylim(0, top * 1.15)
        ax.set_xlim(x.min() - 0.6, x.max() + 1.9)
        _number_axis(ax, 0, frame.marks.lang)
        frame.label(ax)
        ends = [
            (float(x.max()), float(s["observed"][-1]), labels["observed"]),
            (float(x.max()), float(s["fitted"][-1]), labels["fitted"]),
            (float(x.max()), float(cf["counterfactual"][-1]), labels["counterfactual"]),
        ]
        end_labels(ax, ends, dx=0.25)
    return fig


def sdid_chart(
    years: Sequence[int],
    treated: Sequence[float],
    control: Sequence[float],
    time_weights: Sequence[float],
    *,
    treated_label: str,
    control_label: str,
    weights_label: str,
    frame: ChartFrame,
) -> Figure:
    """The treated rate and the SDID comparison path, with the pre-period time weights as bars.

    Parameters
    ----------
    years
        Every year of the SDID window.
    treated, control
        The treated kommun's rate and the unit-weighted comparison rate shifted by the
        time-weighted pre-period gap (the SDID intercept), one value per year.
    time_weights
        Weights of the pre-treatment years (the first ``len(time_weights)`` years).
    treated_label, control_label, weights_label
        Already translated.
    frame
        The title, the y label and the period marks.

    Returns
    -------
    matplotlib.figure.Figure
        Two lines and, on a hidden second axis, the time weights as grey bars.
    """
    with house_figure(3.8) as (fig, ax):
        xs = list(years)
        ax.plot(xs, treated, color="#000000", linewidth=2.2, marker="o", markersize=4, zorder=3)
        ax.plot(
            xs, control, color="#555555", linewidth=1.6, linestyle=(0, (5, 2)), marker="s",
            markersize=3.5, zorder=2,
        )  # fmt: skip
        ax.set_xlim(xs[0] - 0.6, xs[-1] + 1.9)
        lo = min(min(treated), min(control))
        hi = max(max(treated), max(control))
        pad = 0.08 * (hi - lo if hi > lo else 1.0)
        ax.set_ylim(lo - 4 * pad, hi + 5 * pad)  # room for the bars below, the marker above
        ax2 = ax.twinx()
        lam = np.asarray(time_weights, dtype=float)
        ax2.bar(xs[: lam.size], lam, width=0.6, color=_PLACEBO_GREY, zorder=0)
        ax2.set_ylim(0, 4.0)
        ax2.set_yticks([])
        ax2.tick_params(axis="x", which="both", labelbottom=False, bottom=False)
        if lam.size and lam.max() > 0:
            first = int(np.argmax(lam > 0))
            # above the first weighted year's bar, inside the band the bars keep free (left of
            # the axis it ran into the y tick labels)
            ax2.annotate(
                weights_label, (xs[first] - 0.3, lam[first] + 0.06), fontsize=9.5,
                color="#555555", ha="left", va="bottom",
            )  # fmt: skip
        ax.set_zorder(ax2.get_zorder() + 1)
        ax.patch.set_visible(False)
        rows = frame.marks.draw(ax)
        # direct labels at the right end, spread apart when the two lines end close together
        end_labels(
            ax,
            [
                (xs[-1], float(treated[-1]), treated_label),
                (xs[-1], float(control[-1]), control_label),
            ],
            dx=0.15,
            bold=[True, False],
        )
        ax.set_title(textwrap.fill(frame.title, 68), loc="left", pad=title_pad(rows))
        ax.set_ylabel(frame.ylabel)
        _number_axis(ax, 0, frame.marks.lang)
        # the room on the right is for the end labels, not a year without data
        ax.set_xticks([t for t in ax.get_xticks() if xs[0] <= t <= xs[-1]])
    return fig
