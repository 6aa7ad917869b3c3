"""Map-free overview chart of the candidate screening, in the house style.

One scatter plot: need (the rate ratio to riket, log scale) against detectability (the
minimum detectable decrease). Kommuner for which no decrease is detectable sit in a separate
strip under the main panel instead of being dropped. Roles are told apart by marker shape
and fill (never by colour alone), and the highlighted kommuner carry direct text labels,
placed so that they do not overlap each other or the highlighted points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.ticker
import numpy as np
import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from research.core.errors import ParameterError
from research.core.fmt import format_number
from research.views.charts import STYLE

from .texts import TEXTS

__all__ = ["ROLES", "need_detectability_chart"]

#: Marker style of each role, in drawing order (later roles are drawn on top).
ROLES: dict[str, dict[str, object]] = {
    "other": {"marker": "o", "ms": 4.0, "mfc": "none", "mec": "#8c8c8c", "mew": 0.8},
    "top": {"marker": "o", "ms": 6.5, "mfc": "#000000", "mec": "#000000", "mew": 1.0},
    "pilot": {"marker": "s", "ms": 7.5, "mfc": "#000000", "mec": "#000000", "mew": 1.0},
    "focus": {"marker": "D", "ms": 8.5, "mfc": "#ffffff", "mec": "#000000", "mew": 2.0},
}

# Label positions tried: 12 directions at growing distances (points); a leader line joins
# a label to its point beyond the first ring.
_ANGLES = np.deg2rad(np.arange(0, 360, 30))
_RADII = (8.0, 18.0, 30.0, 45.0)
_OFFSETS = tuple(
    (round(float(r * np.cos(a)), 1), round(float(r * np.sin(a)), 1))
    for r in _RADII
    for a in _ANGLES
)
# Overlap costs per square pixel: other labels, highlighted points, interval bars.
_COST_LABEL, _COST_POINT, _COST_BAR, _COST_DISTANCE = 20.0, 5.0, 1.0, 0.5
_COST_AMBIGUOUS = 1e5


def _log_ticks(lo: float, hi: float) -> list[float]:
    cands = [0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 10, 20]
    ticks = [c for c in cands if lo <= c <= hi]
    if len(ticks) > 7:
        ticks = [c for c in ticks if c in (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 20)]
    return ticks


def _ratio_tick(v: float, lang: str) -> str:
    """Tick text of a ratio with as few decimals as it needs (``0,25``, ``0,5``, ``2``)."""
    for decimals in (0, 1, 2):
        if abs(round(v, decimals) - v) < 1e-9:
            return format_number(v, decimals, lang)
    return format_number(v, 2, lang)


def _overlap(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def _candidate_box(px: float, py: float, w: float, h: float, dx: float, dy: float) -> Bbox:
    """Box of a ``w`` x ``h`` label anchored at offset ``(dx, dy)`` px, aligned away from it."""
    dist = float(np.hypot(dx, dy)) or 1.0
    x0 = px + dx if dx > 0.3 * dist else px + dx - w if dx < -0.3 * dist else px + dx - w / 2
    y0 = py + dy if dy > 0.3 * dist else py + dy - h if dy < -0.3 * dist else py + dy - h / 2
    return Bbox.from_bounds(x0, y0, w, h)


def _point_box_distance(px: float, py: float, box: Bbox) -> float:
    ddx = max(box.x0 - px, 0.0, px - box.x1)
    ddy = max(box.y0 - py, 0.0, py - box.y1)
    return float(np.hypot(ddx, ddy))


def _place_labels(
    fig: Figure,
    items: list[tuple[object, float, float, str, bool]],
    bars: list[tuple[object, float, float, float]],
    avoid: Sequence[Any] = (),
) -> None:
    """Annotate each ``(axes, x, y, text, bold)`` next to its point without overlaps.

    Candidate positions are scored by overlap with the labels already placed (and the texts
    in ``avoid``, e.g. the reference line's label, counted as placed), the labelled points
    and the interval bars ``(axes, x0, x1, y)``, by distance, and - for labels without a
    leader line - by ambiguity (another labelled point nearer to the label than its own).
    """
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # settle the constrained layout first
    renderer = canvas.get_renderer()
    scale = fig.dpi / 72.0
    pts = [ax.transData.transform((x, y)) for ax, x, y, _, _ in items]
    r = 6 * scale
    obstacles = [Bbox.from_extents(px - r, py - r, px + r, py + r) for px, py in pts]
    fixed: list[Bbox] = []
    for ax, x0, x1, y in bars:
        (p0, py), (p1, _) = ax.transData.transform([(x0, y), (x1, y)])
        fixed.append(Bbox.from_extents(p0, py - 2 * scale, p1, py + 2 * scale))
    placed: list[Bbox] = [t.get_window_extent(renderer) for t in avoid]
    style = {"fontsize": 9.5, "annotation_clip": False, "zorder": 6}
    box_style = {"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.85}
    for i, (ax, x, y, text, bold) in enumerate(items):
        weight = "bold" if bold else "normal"
        probe = ax.annotate(text, (x, y), fontweight=weight, bbox=box_style, **style)
        ext = probe.get_window_extent(renderer)
        probe.remove()
        w, h = ext.width, ext.height
        px, py = pts[i]
        axb = ax.bbox
        best: tuple[float, float, float] | None = None
        for dx, dy in _OFFSETS:
            dist = float(np.hypot(dx, dy))
            box = _candidate_box(px, py, w, h, dx * scale, dy * scale)
            if not (
                box.x0 >= axb.x0 and box.x1 <= fig.bbox.x1 and box.y0 >= axb.y0 and box.y1 <= axb.y1
            ):
                continue  # keep labels inside the panel (they may not cover tick labels)
            cost = _COST_LABEL * sum(_overlap(box, p) for p in placed)
            cost += _COST_POINT * sum(_overlap(box, o) for j, o in enumerate(obstacles) if j != i)
            cost += _COST_BAR * sum(_overlap(box, b) for b in fixed)
            cost += _COST_DISTANCE * dist
            if dist <= _RADII[0]:
                own = _point_box_distance(px, py, box)
                if any(
                    _point_box_distance(qx, qy, box) < own + 4 * scale
                    for j, (qx, qy) in enumerate(pts)
                    if j != i
                ):
                    cost += _COST_AMBIGUOUS
            if best is None or cost < best[0]:
                best = (cost, dx, dy)
        dx, dy = (best[1], best[2]) if best is not None else (_RADII[0], 0.0)
        dist = float(np.hypot(dx, dy))
        ann = ax.annotate(
            text,
            (x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            ha="left" if dx > 0.3 * dist else "right" if dx < -0.3 * dist else "center",
            va="bottom" if dy > 0.3 * dist else "top" if dy < -0.3 * dist else "center",
            fontweight=weight,
            arrowprops=(
                {"arrowstyle": "-", "color": "#333333", "lw": 0.8, "shrinkA": 1, "shrinkB": 5}
                if dist > _RADII[0]
                else None
            ),
            bbox=box_style,
            **style,
        )
        ann.set_in_layout(False)
        placed.append(_candidate_box(px, py, w, h, dx * scale, dy * scale))


def need_detectability_chart(
    data: pl.DataFrame,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    strip_label: str,
    legend: Mapping[str, str],
    reference_label: str,
    lang: str = "sv",
) -> Figure:
    """Scatter plot of need (rate ratio, log x) against the minimum detectable decrease.

    Parameters
    ----------
    data
        One row per kommun with ``label`` (text shown for labelled rows), ``role`` (a key of
        :data:`ROLES`; ``top``, ``pilot`` and ``focus`` rows are labelled), ``ratio``,
        ``lower``, ``upper`` (rate ratio and interval; rows with a ratio that is not positive
        cannot be drawn on the log axis and are skipped) and ``mde_pct`` (minimum detectable
        decrease in percent; null = not detectable, drawn in the strip).
    title, xlabel, ylabel, strip_label, reference_label
        Texts (already translated); ``reference_label`` marks the line at ratio 1.
    legend
        Legend text per role present in ``data``.
    lang
        Number format of the tick labels.

    Returns
    -------
    matplotlib.figure.Figure
        A bare figure (no pyplot) with constrained layout.

    Raises
    ------
    ParameterError
        If a column is missing or a role is unknown.

    Examples
    --------
    >>> df = pl.DataFrame({"label": ["A", "B", "C"], "role": ["focus", "top", "other"],
    ...                    "ratio": [0.8, 1.5, 1.0], "lower": [0.6, 1.2, 0.7],
    ...                    "upper": [1.1, 1.9, 1.4], "mde_pct": [55.0, 30.0, None]})
    >>> fig = need_detectability_chart(df, title="T", xlabel="x", ylabel="y", strip_label="s",
    ...     legend={"focus": "A", "top": "Top", "other": "Other"}, reference_label="1")
    >>> len(fig.axes)
    2
    """
    need = {"label", "role", "ratio", "lower", "upper", "mde_pct"}
    missing = sorted(need - set(data.columns))
    if missing:
        en, sv = TEXTS.both("check_chart_columns", missing=missing)
        raise ParameterError(en, sv=sv)
    bad = sorted(set(data["role"].to_list()) - set(ROLES))
    if bad:
        en, sv = TEXTS.both("check_chart_roles", bad=bad, roles=list(ROLES))
        raise ParameterError(en, sv=sv)
    d = data.filter(pl.col("ratio").is_not_null() & (pl.col("ratio") > 0))
    rng = np.random.default_rng(20240601)  # fixed jitter in the strip: same chart every run
    jitter = rng.uniform(-0.32, 0.32, d.height)
    d = d.with_columns(pl.Series("_jit", jitter))
    ratio = d["ratio"].to_numpy()
    lows = d["lower"].fill_null(np.nan).to_numpy()
    highs = d["upper"].fill_null(np.nan).to_numpy()
    lab = d["role"] != "other"
    x_lo = float(np.nanmin(np.concatenate([ratio, lows[lab.to_numpy()] if lab.any() else []])))
    x_hi = float(np.nanmax(np.concatenate([ratio, highs[lab.to_numpy()] if lab.any() else []])))
    x_lo, x_hi = max(x_lo, 1e-3) / 1.15, x_hi * 1.15
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(7.4, 5.9), layout="constrained")  # a legend of two rows
        ax, strip = fig.subplots(
            2, 1, sharex=True, gridspec_kw={"height_ratios": [5, 1], "hspace": 0.02}
        )
        labels: list[tuple[object, float, float, str, bool]] = []
        bars: list[tuple[object, float, float, float]] = []
        for role in ROLES:
            sub = d.filter(pl.col("role") == role)
            if sub.is_empty():
                continue
            st = ROLES[role]
            det = sub.filter(pl.col("mde_pct").is_not_null())
            und = sub.filter(pl.col("mde_pct").is_null())
            for target, part, yv in ((ax, det, "mde_pct"), (strip, und, "_jit")):
                if part.is_empty():
                    continue
                xs, ys = part["ratio"].to_numpy(), part[yv].to_numpy()
                if role != "other":
                    lo_, hi_ = part["lower"].to_numpy(), part["upper"].to_numpy()
                    lo_ = np.maximum(lo_, x_lo)
                    target.hlines(ys, lo_, hi_, color="#000000", lw=1.1, zorder=3)
                    bars.extend(
                        (target, float(a), float(b), float(y))
                        for a, b, y in zip(lo_, hi_, ys, strict=True)
                    )
                target.plot(xs, ys, linestyle="none", zorder=4 if role != "other" else 2, **st)  # type: ignore[arg-type]
                if role != "other":
                    labels.extend(
                        (target, float(x), float(y), str(txt), role == "focus")
                        for x, y, txt in zip(xs, ys, part["label"].to_list(), strict=True)
                    )
        ax.set_xscale("log")
        ax.set_xlim(x_lo, x_hi)
        mde = d["mde_pct"].drop_nulls().to_numpy()
        y_top = max(0.0, float(mde.min()) - 8) if mde.size else 0.0
        y_bot = min(100.0, float(mde.max()) + 8) if mde.size else 100.0
        ax.set_ylim(y_bot, y_top)  # inverted: up = a smaller decrease suffices
        strip.set_ylim(-0.5, 0.5)
        strip.set_yticks([0])
        strip.set_yticklabels([strip_label])
        strip.grid(False, axis="y")
        for a in (ax, strip):
            a.axvline(1.0, color="#333333", linestyle=(0, (4, 3)), lw=1, zorder=1)
        reference = ax.text(
            1.0, y_top, f" {reference_label}", fontsize=9.5, ha="left", va="top", color="#333333"
        )
        ticks = _log_ticks(x_lo, x_hi)
        strip.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
        strip.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        strip.xaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _: _ratio_tick(v, lang))
        )
        ax.yaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _: format_number(v, 0, lang))
        )
        ax.set_ylabel(ylabel)
        strip.set_xlabel(xlabel)
        ax.set_title(title, loc="left")
        handles = [
            Line2D([], [], linestyle="none", label=legend[r], **ROLES[r])  # type: ignore[arg-type]
            for r in ("top", "focus", "pilot", "other")
            if r in legend and r in set(d["role"].to_list())
        ]
        fig.legend(
            handles=handles, loc="outside lower center", ncols=min(2, len(handles)), frameon=False
        )
        labels.sort(key=lambda item: not item[4])  # the focus kommun gets the best spot
        _place_labels(fig, labels, bars, avoid=[reference])
    return fig
