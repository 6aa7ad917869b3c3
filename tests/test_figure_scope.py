"""A report's charts are freed as soon as they are printed (issue 17, batch memory).

A matplotlib figure is a web of reference cycles that lives, with its Agg renderer's pixels,
until the cyclic garbage collector runs a full collection. ``charts.figure_scope`` keeps a
chart's objects in the youngest generation and collects that generation when the section
method that made and printed the chart returns.
"""

from __future__ import annotations

import gc
import weakref

import pytest

import research.views.pilot_vs_candidate.sections as pvc
from research.views.charts import figure_scope, house_figure


def test_scope_restores_the_collector() -> None:
    assert gc.isenabled()
    with figure_scope():
        assert not gc.isenabled()
        with figure_scope():  # nested: the outer block collects
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_scope_leaves_a_paused_collector_paused() -> None:
    gc.disable()
    try:
        with figure_scope():
            with house_figure(3.0) as (fig, _ax):
                pass
            ref = weakref.ref(fig)
            del fig, _ax
        assert not gc.isenabled()
        assert ref() is not None  # nothing collected: the caller paused the collector
    finally:
        gc.enable()
        gc.collect()


def test_scope_frees_a_figure_on_error() -> None:
    refs = []
    with pytest.raises(RuntimeError), figure_scope():
        with house_figure(3.0) as (fig, _ax):
            refs.append(weakref.ref(fig))
        del fig, _ax
        raise RuntimeError("chart failed")
    assert gc.isenabled()
    assert refs[0]() is None


@pytest.fixture(scope="module")
def report() -> pvc.PilotVsCandidate:
    return pvc.pilot_vs_candidate(lang="sv")


@pytest.mark.parametrize("section", ["trend_chart", "funnel"])
def test_section_charts_are_freed_when_printed(
    report: pvc.PilotVsCandidate, section: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[weakref.ref] = []
    maker = "trend_chart" if section == "trend_chart" else "funnel_chart"
    real = getattr(pvc, maker)

    def recording(*args, **kwargs):
        fig = real(*args, **kwargs)
        made.append(weakref.ref(fig))
        return fig

    monkeypatch.setattr(pvc, maker, recording)
    args = (report.indicators[0],) if section == "trend_chart" else ()
    page = getattr(report, section)(*args)
    assert "data:image/png;base64," in str(page)
    assert len(made) == 1
    assert made[0]() is None, "the chart's figure outlived its section"
    assert gc.isenabled()
