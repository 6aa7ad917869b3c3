"""No label in any chart overlaps another label or a data point (issue 14, "Charts").

Every chart the three default reports embed is drawn with matplotlib's Agg renderer and
measured in display pixels (``tests/chartcheck.py``): the boxes of all drawn texts (titles,
tick labels, legend entries, direct labels, the pilot-start and series-break labels, their
white backgrounds included) must not intersect, and no text may cover a marker of a series it
does not label. On main before this change the test failed: the "Pilotstart april 2021" box
covered the end labels "Riket", "Stockholm" and "Huddinge" and the 2021 points of three trend
charts in pilot_vs_candidate (hiding the label "Stockholm" in "Sexualbrott" and "Huddinge" in
"Våld mot barn, inomhus" although the legend listed them).
"""

from __future__ import annotations

import doctest

import polars as pl
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import research.views.charts as charts_module
from research.data.catalog import SeriesBreak
from research.views.charts import PeriodMarks, month_position, trend_chart

from .chartcheck import overlaps, report_figures, text_boxes

REPORTS = {"pilot_vs_candidate": 7, "pilot_effect": 4, "candidate_screening": 1}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("notebook", sorted(REPORTS))
def test_default_report_charts_have_no_overlaps(
    notebook: str, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    figures = report_figures(notebook, lang, monkeypatch)
    assert len(figures) == REPORTS[notebook]  # every chart of the report was checked
    problems = [f"chart {i}: {p}" for i, fig in enumerate(figures) for p in overlaps(fig)]
    assert not problems, "\n".join(problems[:30])


def _panel(last_values: dict[str, float | None]) -> pl.DataFrame:
    rows = []
    for code, last in last_values.items():
        base = {"A": 40.0, "B": 41.0, "C": 39.0}[code]
        for year in range(2015, 2023):
            rows.append({"area_code": code, "year": year, "value": base - (year - 2015)})
        rows[-1]["value"] = last
    return pl.DataFrame(rows, schema={"area_code": pl.Utf8, "year": pl.Int64, "value": pl.Float64})


def _break(year: int) -> SeriesBreak:
    return SeriesBreak(
        id=f"b{year}", first_year=year, date=f"{year}-01-01", indicators=("x",), label_sv="b",
        label_en="b", description_sv="b", description_en="b", source="test",
    )  # fmt: skip


def _crowded_chart() -> Figure:
    """Three series ending at almost the same value, breaks in 2020 and 2021, a pilot in 2021."""
    breaks = [_break(2020), _break(2021)]
    return trend_chart(
        _panel({"A": 33.0, "B": 33.2, "C": None}),
        series=[("A", "Huddinge"), ("B", "Stockholm"), ("C", "Riket")],
        title="Grov kvinnofridskränkning",
        ylabel="per 100 000 inv.",
        marks=PeriodMarks("sv", breaks, "2021-04", "Pilotstart april 2021"),
        years=(2015, 2022),
    )


def test_crowded_trend_chart_has_no_overlaps() -> None:
    assert overlaps(_crowded_chart()) == []


def test_every_series_in_the_legend_has_an_end_label() -> None:
    fig = _crowded_chart()
    texts = [b.text for b in text_boxes(fig)]
    for name in ("Huddinge", "Stockholm", "Riket"):
        # once in the legend, once at the end of its line (Riket's last value is missing: its
        # label goes to the last year with a value)
        assert texts.count(name) == 2, (name, texts)


def test_end_labels_stay_next_to_their_points() -> None:
    fig = _crowded_chart()
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    ends = {"Huddinge": (2022, 33.0), "Stockholm": (2022, 33.2), "Riket": (2021, 33.0)}
    annotations = [a for a in ax.texts if a.get_text() in ends]
    assert len(annotations) == 3
    row = 16 * fig.dpi / 72  # one text line and its gap, pixels
    for a in annotations:
        px, py = ax.transData.transform(ends[a.get_text()])
        tx, ty = ax.transData.transform(a.xyann)
        assert a.xy == pytest.approx(ends[a.get_text()])
        year_px = ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0]
        assert 0 < tx - px < 0.5 * year_px
        assert abs(ty - py) <= 1.5 * row  # spread apart by at most a line and a half


def test_pilot_start_lies_within_its_year() -> None:
    # Annual values sit at the integer year, the middle of that year: a year spans
    # [Y - 0.5, Y + 0.5) and April (month 4 of 12) starts 3/12 into it.
    assert month_position("2021-04") == pytest.approx(2021 - 0.5 + 3 / 12)
    assert 2021 - 0.5 <= month_position("2021-04") < 2021
    assert month_position("2021-01") == pytest.approx(2020.5)
    assert month_position("2021-12") == pytest.approx(2021 + 5 / 12)
    fig = _crowded_chart()
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    pilot = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-" and len(ln.get_xdata()) == 2]
    assert [float(ln.get_xdata()[0]) for ln in pilot] == [pytest.approx(2020.75)]
    # the thin year boundaries are drawn at the half years, so the line sits inside 2021's span
    bounds = charts_module.year_boundaries(ax)
    assert 2020.5 in bounds and 2021.5 in bounds
    assert "helårsvärde" in ax.get_xlabel()


def test_chart_labels_in_english() -> None:
    fig = trend_chart(
        _panel({"A": 33.0, "B": 20.0, "C": 10.0}),
        series=[("A", "Huddinge")],
        title="t",
        ylabel="y",
        marks=PeriodMarks("en"),
        years=(2015, 2022),
    )
    assert "full year" in fig.axes[0].get_xlabel()


def test_doctests_run() -> None:
    res = doctest.testmod(charts_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted >= 10 and res.failed == 0


_LONG = PeriodMarks("sv", [], "2021-04", "Pilotstart april 2021")
_ROWS3 = PeriodMarks("en", [_break(2019), _break(2020), _break(2021)], "2021-02", "Pilot start")
_HARD = [
    # long Swedish kommun names at the line ends, one row of period labels
    (("Upplands Väsby", "Malung-Sälen", "Riket"), _LONG, {"A": 33.0, "B": 33.1, "C": 32.9}),
    # two rows of period labels (breaks in three consecutive years and the pilot), English
    (("Huddinge", "Stockholm", "Sweden"), _ROWS3, {"A": 0.2, "B": 0.1, "C": 0.3}),
    # no marks at all, a wide y range (wide tick labels)
    (("Huddinge", "Stockholm", "Riket"), PeriodMarks("sv"), {"A": 125e3, "B": 20.0, "C": 10.0}),
]


@pytest.mark.parametrize(("names", "marks", "last"), _HARD)
def test_computed_layout_has_no_overlaps_in_hard_cases(
    names: tuple[str, str, str], marks: PeriodMarks, last: dict[str, float]
) -> None:
    fig = trend_chart(
        _panel(last),
        series=list(zip("ABC", names, strict=True)),
        title="Misshandel mot kvinna 18 år och äldre, bekant med offret, inomhus",
        ylabel="per 100 000 inv.",
        marks=marks,
        years=(2015, 2022),
    )
    assert overlaps(fig) == []
    fig.dpi = charts_module.PRINT_DPI
    renderer = FigureCanvasAgg(fig).get_renderer()
    for text in [*fig.axes[0].texts, fig.axes[0].title, *fig.legends[0].texts]:
        box = text.get_window_extent(renderer)
        assert 0 <= box.x0 and box.x1 <= fig.bbox.width, text.get_text()
        assert 0 <= box.y0 and box.y1 <= fig.bbox.height, text.get_text()


def test_trend_chart_draws_each_area_in_year_order_within_years() -> None:
    # Rows in any order, other areas and years outside the range: each series is its own
    # area's values in year order, cut to ``years`` (a missing value stays a gap).
    data = _panel({"A": None, "B": 20.0, "C": 10.0}).sample(fraction=1.0, shuffle=True, seed=3)
    fig = trend_chart(
        data,
        series=[("B", "Stockholm"), ("A", "Huddinge")],
        title="t",
        ylabel="y",
        years=(2016, 2021),
    )
    lines = {ln.get_label(): ln for ln in fig.axes[0].get_lines()}
    for code, label in (("A", "Huddinge"), ("B", "Stockholm")):
        want = data.filter(pl.col("area_code") == code, pl.col("year").is_between(2016, 2021))
        want = want.sort("year")
        assert list(lines[label].get_xdata()) == want["year"].to_list()
        assert list(lines[label].get_ydata()) == want["value"].to_list()
    assert "Riket" not in lines and len([k for k in lines if not k.startswith("_")]) == 2


def test_the_sdid_chart_labels_only_its_years_and_keeps_its_weights_label_inside() -> None:
    """Flen's SDID chart labelled 2023, a year without data (the room right of 2022 is for
    the end labels), and its "årsvikter" label stood left of the axis over the tick labels."""
    from research.views.pilot_effect.charts import ChartFrame, sdid_chart

    years = list(range(2015, 2023))
    fig = sdid_chart(
        years,
        [6.1, 6.0, 23.6, 0.0, 6.0, 6.1, 0.0, 18.6],
        [6.3, 7.9, 19.2, 0.5, 6.2, 4.6, -1.0, -1.1],
        [0.03, 0.02, 0.0, 0.3, 0.4, 0.25],
        treated_label="Flen",
        control_label="SDID:s jämförelse",
        weights_label="årsvikter",
        frame=ChartFrame("Grov kvinnofridskränkning", "per 100 000"),
    )
    fig.canvas.draw()
    ax = fig.axes[0]
    shown = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert shown and shown[-1] == "2022" and "2023" not in shown
    (label,) = [t for t in fig.axes[1].texts if t.get_text() == "årsvikter"]
    box = label.get_window_extent()
    frame = ax.get_window_extent()
    assert box.x0 >= frame.x0 and box.y0 >= frame.y0, (box, frame)


def test_an_event_year_without_an_estimate_is_marked_not_left_blank() -> None:
    """Flen's event study had no estimate for 2018 and 2021 (zero counts only the treated
    kommun's own term can fit): the years were blank, as if there were no data; the ratio
    ticks read "20,00" and "0,05" where "20" and "0,05" say it."""
    import polars as pl

    from research.views.pilot_effect.charts import ChartFrame, event_study_chart

    nan = float("nan")
    coefficients = pl.DataFrame(
        {
            "event_time": [-3, -2, -1, 0, 1],
            "rate_ratio": [0.7, nan, 1.0, nan, 3.7],
            "rr_lower": [0.05, nan, 1.0, nan, 0.4],
            "rr_upper": [11.0, nan, 1.0, nan, 30.0],
            "is_reference": [False, False, True, False, False],
        }
    )
    fig = event_study_chart(
        coefficients,
        treatment_year=2021,
        reference_label="referens",
        frame=ChartFrame("t", "kvot"),
        missing_label="× ingen skattning",
    )
    fig.canvas.draw()
    ax = fig.axes[0]
    crosses = [ln for ln in ax.get_lines() if ln.get_marker() == "x"]
    assert len(crosses) == 1 and list(crosses[0].get_xdata()) == [2019, 2021]
    assert [t.get_text() for t in ax.texts].count("× ingen skattning") == 1
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert "20" in ticks and "1" in ticks and not any(t.endswith(",00") for t in ticks)


def test_the_screening_charts_legend_fits_the_figure() -> None:
    """Four legend entries in one row were wider than the figure: the first marker and
    "Other kommuner" were cut off (English, Stockholms län, focus Upplands Väsby)."""
    from research.views.candidate_screening.charts import need_detectability_chart
    from research.views.candidate_screening.sections import candidate_screening

    rep = candidate_screening(lan="01", focus="0114", lang="en")
    legend = {
        "top": "Top 10 in Stockholms län",
        "focus": "Upplands Väsby (rank 8)",
        "pilot": "Pilot kommun",
        "other": "Other kommuner",
    }
    fig = need_detectability_chart(
        rep.chart_data(), title="t", xlabel="x", ylabel="y", strip_label="Not detectable",
        legend=legend, reference_label="Sweden = 1", lang="en",
    )  # fmt: skip
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    (box,) = [lg.get_window_extent(renderer) for lg in fig.legends]
    assert page.x0 <= box.x0 and box.x1 <= page.x1, (box, page)
    for text in fig.legends[0].get_texts():
        t = text.get_window_extent(renderer)
        assert page.x0 <= t.x0 and t.x1 <= page.x1, text.get_text()


def test_a_funnel_label_sits_on_the_side_away_from_the_centre_line() -> None:
    """Huddinge (9,6) just below the centre line (11,0) had its label above the point,
    with the line through it."""
    from research.views.pilot_vs_candidate.sections import pilot_vs_candidate

    _, (draw, chart), _ = pilot_vs_candidate()._funnel_call()
    fig = draw(**chart)
    fig.canvas.draw()
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    (centre,) = [ln for ln in ax.get_lines() if list(ln.get_xdata()) == [0, 1]]
    line_y = ax.transData.transform((1.0, centre.get_ydata()[0]))[1]
    (label,) = [t for t in ax.texts if t.get_text() == "Huddinge"]
    box = label.get_window_extent(renderer)
    assert box.y1 < line_y, (box, line_y)  # wholly below the line, as its point is
