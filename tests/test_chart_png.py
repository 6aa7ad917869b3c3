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


@pytest.mark.parametrize("share", [0.05, 5.0])  # guesses too many rows / too few
def test_a_wrong_row_guess_changes_nothing(share: float, monkeypatch: pytest.MonkeyPatch) -> None:
    right = _marks(_chart())
    calls: list[int] = []
    guess = charts._guess_label_rows
    monkeypatch.setattr(charts, "_TYPICAL_AXES_WIDTH", share)
    monkeypatch.setattr(
        charts, "_guess_label_rows", lambda ax, items: calls.append(guess(ax, items)) or calls[-1]
    )
    wrong = _marks(_chart())
    assert calls and calls[0] != 2  # the guess was wrong (the labels need two rows) ...
    assert wrong == right  # ... and the chart is the same
    offsets = {text: xy[1] for text, xy in right[1]}
    assert offsets["Pilotstart"] > offsets["2021"] == offsets["2020"]  # two rows


def test_trend_chart_is_laid_out_once_and_printed_without_a_layout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Issue 17: one constrained-layout pass per trend chart (at the print resolution, with
    # stand-ins for the labels added after it); printing keeps that layout.
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    calls: list[int] = []
    execute = ConstrainedLayoutEngine.execute

    def counting(self: ConstrainedLayoutEngine, fig: Figure) -> None:
        calls.append(int(fig.dpi))
        execute(self, fig)

    monkeypatch.setattr(ConstrainedLayoutEngine, "execute", counting)
    fig = _chart()
    assert calls == [charts.PRINT_DPI]
    html.figure(fig, alt="a", source="s")
    assert calls == [charts.PRINT_DPI]


def test_kept_layout_is_what_the_constrained_layout_gives_the_finished_chart() -> None:
    # The stand-ins reserved the room the real labels take: laying the finished chart out
    # again at the print resolution moves the axes by less than half a pixel
    # (without the stand-ins it moves them by several).
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = _chart()
    ax = fig.axes[0]
    kept = np.array(ax.get_position().bounds)
    fig.set_layout_engine("constrained")
    fig.dpi = charts.PRINT_DPI
    renderer = FigureCanvasAgg(fig).get_renderer()
    with renderer._draw_disabled():
        fig.draw(renderer)
    again = np.array(ax.get_position().bounds)
    size = np.array([*fig.bbox.size, *fig.bbox.size])  # pixels at the print resolution
    assert np.all(np.abs(kept - again) * size < 0.5)
