"""The default report filters its own rows, cut from the panel once (issue 17), not the panel.

``PilotVsCandidate._rows`` stands in for the whole panel wherever a section filters one of
the report's indicators for its areas. These tests check that every such filter gives the
rows the whole panel gives, and that anything else still reads the whole panel.
"""

from __future__ import annotations

import polars as pl
import pytest

from research.views.pilot_vs_candidate.sections import pilot_vs_candidate


@pytest.fixture(scope="module")
def report():
    return pilot_vs_candidate(lang="en")


def test_own_rows_filter_like_the_panel(report) -> None:
    codes = [a.code for a in report.areas]
    assert len(report.indicators) >= 2
    for ind in report.indicators:
        for code in codes:
            want = (pl.col("indicator") == ind) & (pl.col("area_code") == code)
            got = report._rows(ind, [code]).filter(want)
            assert got.height > 0
            assert got.equals(report.panel.filter(want))
        both = (pl.col("indicator") == ind) & pl.col("area_code").is_in(codes)
        assert report._rows(ind, codes).filter(both).equals(report.panel.filter(both))
    assert report._rows(report.indicators[0], codes).height < report.panel.height / 100


def test_other_indicators_and_areas_read_the_whole_panel(report) -> None:
    assert report._rows("N01951", [report.candidate.code]) is report.panel  # population
    assert report._rows(report.indicators[0], ["0114"]) is report.panel  # another kommun
