"""The cheaper chart rendering of issue 17 draws the same charts.

``html.figure`` prints a bare figure through the Agg canvas in one draw (layout inside the
rasterizing draw) instead of ``savefig``'s layout pass plus drawing pass; ``trend_chart`` lays
its figure out once, padding the title for a guessed number of period-label rows and checking
the guess. Neither may change what a reader sees: the pixels equal ``savefig``'s, and a wrong
guess costs a layout pass, never a different title padding or label placement.
"""

from __future__ import annotations

import base64
import io
import re

import matplotlib.ticker
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

import research.views.charts as charts
from research.views import html

from .test_chart_layout import _break, _panel


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def _embedded_png(fragment: html.Html) -> bytes:
    m = re.search(r'src="data:image/png;base64,([^"]+)"', str(fragment))
    assert m is not None
    return base64.b64decode(m.group(1))


def _chart() -> Figure:
    return charts.trend_chart(
        _panel({"A": 33.0, "B": 20.0, "C": 10.0}),
        series=[("A", "Huddinge"), ("B", "Stockholm"), ("C", "Riket")],
        title="Grov kvinnofridskränkning",
        ylabel="per 100 000 inv.",
        marks=charts.PeriodMarks("sv", [_break(2020), _break(2021)], "2021-04", "Pilotstart"),
        years=(2015, 2022),
    )


def test_figure_png_has_the_pixels_savefig_draws() -> None:
    ours = _embedded_png(html.figure(_chart(), alt="a", source="s"))
    buf = io.BytesIO()
    _chart().savefig(buf, format="png", dpi=150)
    theirs = _pixels(buf.getvalue())
    got = _pixels(ours)
    assert got.shape == theirs.shape == (540, 1080, 4)  # 7.2 x 3.6 in at 150 dpi
    assert np.array_equal(got, theirs)


def test_figure_leaves_the_figure_dpi_alone() -> None:
    fig = _chart()
    html.figure(fig, alt="a", source="s")
    assert fig.dpi == 100


def _marks(fig: Figure) -> tuple[float, list[tuple[str, tuple[float, float]]]]:
    """The title's padding and each period label with its offset above the axes."""
    ax = fig.axes[0]
    labels = [
        (t.get_text(), tuple(t.xyann))
        for t in ax.texts
        if t.get_text() in ("2020", "2021", "Pilotstart")
    ]
    return float(ax.titleOffsetTrans.get_matrix()[1, 2]), sorted(labels)


@pytest.mark.parametrize("wrong", [1, 3])  # too few rows of period labels / too many
def test_a_wrong_row_count_changes_nothing(wrong: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # The top margin is computed for the rows the measured labels need; if the placed labels
    # need another number (hinting), the axes and the title follow the placed labels.
    right = _marks(_chart())
    right_pos = _chart().axes[0].get_position().bounds
    monkeypatch.setattr(charts, "_label_rows", lambda *a, **k: wrong)
    fig = _chart()
    assert _marks(fig) == right
    assert fig.axes[0].get_position().bounds == pytest.approx(right_pos, abs=1e-9)
    offsets = {text: xy[1] for text, xy in right[1]}
    assert offsets["Pilotstart"] > offsets["2021"] == offsets["2020"]  # two rows


def test_computed_rows_are_the_placed_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    computed: list[int] = []
    placed: list[int] = []
    rows, place = charts._label_rows, charts._period_labels
    monkeypatch.setattr(charts, "_label_rows", lambda *a: computed.append(rows(*a)) or computed[-1])
    monkeypatch.setattr(charts, "_period_labels", lambda *a: placed.append(place(*a)) or placed[-1])
    _chart()
    assert computed == placed == [2]


def test_trend_chart_runs_no_constrained_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 17: the trend chart's layout is computed from measured texts (charts._fit_axes),
    # not by the constrained layout; printing runs no layout either.
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    calls: list[int] = []
    execute = ConstrainedLayoutEngine.execute

    def counting(self: ConstrainedLayoutEngine, fig: Figure) -> None:
        calls.append(int(fig.dpi))
        execute(self, fig)

    monkeypatch.setattr(ConstrainedLayoutEngine, "execute", counting)
    fig = _chart()
    assert fig.get_layout_engine() is None
    html.figure(fig, alt="a", source="s")
    assert calls == []


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_computed_layout_fills_the_figure_with_every_text_inside(lang: str) -> None:
    # Printed at PRINT_DPI, all texts (end labels, period labels and legend included) lie
    # inside the figure, 3 pt from its left, top and bottom edges (to a pixel): no text cut
    # off, no margin wasted. The constrained layout before it left the same 3 pt.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = charts.trend_chart(
        _panel({"A": 33.0, "B": 20.0, "C": 10.0}),
        series=[
            ("A", "Upplands Väsby"),
            ("B", "Stockholm"),
            ("C", "Riket" if lang == "sv" else "Sweden"),
        ],
        title="Grov kvinnofridskränkning" if lang == "sv" else "Gross violation of integrity",
        ylabel="per 100 000 inv." if lang == "sv" else "per 100,000 inhabitants",
        marks=charts.PeriodMarks(lang, [_break(2020), _break(2021)], "2021-04", "Pilot start"),
        years=(2015, 2022),
    )
    fig.dpi = charts.PRINT_DPI
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts]
    boxes += [fig.legends[0].get_window_extent(renderer)]
    boxes += [fig.axes[0].get_tightbbox(renderer, for_layout_only=True)]
    pad = 3 * charts.PRINT_DPI / 72
    x0 = min(b.x0 for b in boxes)
    x1 = max(b.x1 for b in boxes)
    y0 = min(b.y0 for b in boxes)
    y1 = max(b.y1 for b in boxes)
    assert x0 == pytest.approx(pad, abs=1.0)
    assert y0 == pytest.approx(pad, abs=1.0)
    assert fig.bbox.height - y1 == pytest.approx(pad, abs=1.0)
    assert pad - 1.0 <= fig.bbox.width - x1  # the widest label on the right ends inside


def test_grey_charts_are_greyscale_pngs_and_colour_stays_rgba() -> None:
    # The house style's charts are grey: written as 8-bit greyscale (the same pixels, about
    # half the bytes); a figure with colour keeps its RGBA PNG with the pixels savefig draws.
    grey = _embedded_png(html.figure(_chart(), alt="a", source="s"))
    assert Image.open(io.BytesIO(grey)).mode == "L"
    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1], [0, 1], color="tab:red")
    colour = _embedded_png(html.figure(fig, alt="a", source="s"))
    assert Image.open(io.BytesIO(colour)).mode == "RGBA"
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    assert np.array_equal(_pixels(colour), _pixels(buf.getvalue()))


def _print(fig: Figure) -> np.ndarray:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    return _pixels(buf.getvalue())


def _year_chart(boundaries: str) -> Figure:
    fig = Figure(figsize=(6, 3))
    ax = fig.add_subplot()
    ax.plot([2015, 2022], [1.0, 3.0])
    ax.grid(True, axis="y", color="#dddddd", linewidth=0.6)
    ax.set_xlim(2014.4, 2022.6)
    if boundaries == "minor ticks":  # how year_axis drew them before issue 17
        ax.xaxis.set_minor_locator(matplotlib.ticker.MultipleLocator(1, offset=0.5))
        ax.tick_params(axis="x", which="minor", length=0)
        ax.grid(False, axis="x", which="major")
        ax.grid(True, axis="x", which="minor", color="#e4e4e4", linewidth=0.6)
    else:
        charts.year_axis(ax, "sv")
        ax.set_xlabel("")
    return fig


def test_year_boundaries_draw_the_pixels_of_minor_tick_gridlines() -> None:
    # Issue 17: one line collection instead of a Tick (five artists) per year boundary, and
    # the same pixels as the minor-tick gridlines it replaces (reference: matplotlib's ticks).
    ours, theirs = _year_chart("collection"), _year_chart("minor ticks")
    assert np.array_equal(_print(ours), _print(theirs))
    assert charts.year_boundaries(ours.axes[0]) == [float(v) for v in np.arange(2014.5, 2023)]
    minor = theirs.axes[0].xaxis.get_minorticklocs()
    assert charts.year_boundaries(ours.axes[0]) == [float(v) for v in minor if 2014.4 < v < 2022.6]
    assert ours.axes[0].xaxis.get_minorticklocs().size == 0  # no minor tick objects on x


@pytest.mark.parametrize("xlim", [(1.5e3, 2.2e6), (0.9e3, 1e6), (3e3, 4.5e5)])
def test_log_minor_tick_marks_draw_the_pixels_of_minor_ticks(xlim: tuple[float, float]) -> None:
    # The funnel's unlabelled log minor ticks as one line of tick markers (issue 17): the same
    # positions as matplotlib's own minor ticks (Axis.get_minorticklocs inside the view
    # limits, on a major tick left out) and the same pixels.
    def funnel_like(marks: bool) -> Figure:
        fig = Figure(figsize=(6, 3))
        ax = fig.add_subplot()
        ax.scatter([2e3, 3e4, 9e5], [1.0, 2.0, 3.0])
        ax.set_xscale("log")
        ax.set_xlim(*xlim)
        if marks:
            assert charts._tick_marks_only(ax) is not None
        return fig

    ours, theirs = funnel_like(True), funnel_like(False)
    assert np.array_equal(_print(ours), _print(theirs))
    mark = next(a for a in ours.axes[0].lines if isinstance(a, charts.MinorTickMarks))
    axis = theirs.axes[0].xaxis
    lo, hi = axis.get_view_interval()
    expected = [float(v) for v in axis.get_minorticklocs() if lo <= v <= hi]
    assert mark.positions() == pytest.approx(expected, rel=1e-12)
    assert len(expected) > 10
    assert ours.axes[0].xaxis.get_minorticklocs().size == 0


def test_labelled_minor_ticks_are_kept() -> None:
    # Within one decade a log axis labels its minor ticks: those stay ticks.
    fig = Figure(figsize=(6, 3))
    ax = fig.add_subplot()
    ax.set_xscale("log")
    ax.set_xlim(2e3, 9e3)
    assert charts._tick_marks_only(ax) is None
    assert ax.xaxis.get_minorticklocs().size > 0


def test_ticks_updated_once_measures_what_matplotlib_measures() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = _chart()
    ax = fig.axes[0]
    renderer = FigureCanvasAgg(fig).get_renderer()
    plain = ax.get_tightbbox(renderer, for_layout_only=True)
    with charts._ticks_updated_once(ax):
        once = ax.get_tightbbox(renderer, for_layout_only=True)
    assert once.bounds == plain.bounds
    assert "_update_ticks" not in vars(ax.xaxis) and "_update_ticks" not in vars(ax.yaxis)
