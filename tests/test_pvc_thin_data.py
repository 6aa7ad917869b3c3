"""The ``pilot_vs_candidate`` report on thin or missing data states no non-result as a result.

Reviewer's faults (each test failed before the fix):

1. a trend on a handful of crimes was shown as a result ("-26,1 / -100,0 till 1 013 558
   252,5" for Bjurholm 2019-2022), and riket showed ".." for a complete series because the
   fit's convergence test was stricter than the deviance's own rounding (hidden by a bare
   ``except Exception``);
2. Huddinge's U30750 (24.1 in 2022) read "Uppgift saknas" because Stockholm has no value; a
   unit of "per 10 000 inv. 18+" was footnoted as crimes per 100 000; sections vanished
   without a word;
3. a län as pilot dropped five of the six default indicators silently.

Expected values come from the panel, the catalogue file and closed forms computed here, not
from the functions under test.
"""

from __future__ import annotations

import math
import tomllib

import numpy as np
import polars as pl
import pytest
from scipy import optimize, stats

from research.core.errors import ArgumentError, DesignError, ParameterError
from research.core.paths import PROJECT_ROOT
from research.core.warnings import NotConvergedWarning
from research.data.panel import load_panel
from research.runner.params import validate
from research.stats.rates import poisson_trend
from research.views.pilot_vs_candidate import sections
from research.views.pilot_vs_candidate.sections import pilot_vs_candidate

from .pagetext import page_text
from .swedish import swedish_message

CATALOG = tomllib.loads((PROJECT_ROOT / "data" / "catalog.toml").read_text(encoding="utf-8"))
INDICATORS = CATALOG["indicators"]
DEFAULTS = [k for k, v in INDICATORS.items() if v.get("violence") and v.get("default")]


def _text(fragment: object) -> str:
    return page_text(str(fragment))


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return load_panel()


def _series(panel: pl.DataFrame, indicator: str, code: str, first: int, last: int):
    d = panel.filter(
        (pl.col("indicator") == indicator)
        & (pl.col("area_code") == code)
        & (pl.col("sex") == "T")
        & pl.col("year").is_between(first, last)
        & pl.col("value").is_not_null()
    ).sort("year")
    return (
        d["year"].to_numpy().astype(float),
        d["count_est"].to_numpy().astype(float),
        d["population"].to_numpy().astype(float),
    )


def _quasi_trend_one_break(years, y, e, level=0.95):
    """Quasi-Poisson trend with a level shift from the second year, solved independently.

    The shift makes the first year's mean equal its count; the slope is the Poisson MLE of
    the later years alone: its score ``sum t (y - mu)`` is zero with the intercept profiled
    out (``sum mu = sum y``), found by root bracketing. Its variance is
    ``phi / sum mu (t - t_w)^2`` (t_w the mu-weighted mean year), phi the Pearson chi-square
    over n - 3 floored at 1 (research.stats.glm.quasi_scale: riket's 2019-2022 series has
    0.34 on its one residual degree of freedom, which made the interval (-4.1 %, 4.1 %)
    narrower than the Poisson model's), and the interval uses t with n - 3 degrees of
    freedom.
    """
    t, yy, ee = years[1:] - years.mean(), y[1:], e[1:]

    def mu(b):
        w = ee * np.exp(b * t)
        return w * yy.sum() / w.sum()

    b = optimize.brentq(lambda v: float(np.sum(t * (yy - mu(v)))), -5, 5, xtol=1e-14)
    m = mu(b)
    pearson = float(np.sum((yy - m) ** 2 / m))  # the first year is fitted exactly
    df = len(y) - 3
    tw = np.sum(m * t) / np.sum(m)
    se = math.sqrt(max(pearson / df, 1.0) / float(np.sum(m * (t - tw) ** 2)))
    q = stats.t.ppf(1 - (1 - level) / 2, df)
    return tuple(100 * math.expm1(v) for v in (b, b - q * se, b + q * se))


# -- 1. trends ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bjurholm():
    return pilot_vs_candidate(candidate="2403", start_year=2019, end_year=2022, lang="sv")


def test_riket_trend_of_a_complete_series_is_shown(bjurholm, panel) -> None:
    """Riket's Våld mot barn 2019-2022 (some 16 000 crimes a year) has a trend."""
    years, y, e = _series(panel, "N07541", "00", 2019, 2022)
    assert len(y) == 4 and y.min() > 15_000  # complete and large
    want = _quasi_trend_one_break(years, y, e)
    tr = bjurholm.trend_result("N07541", "00")
    assert tr is not None
    assert (tr.pct_change, tr.lower, tr.upper) == pytest.approx(want, rel=1e-6)
    row = next(r for r in _rows(bjurholm) if r[0] == "Våld mot barn, inomhus")
    assert row[3] != ".."


def test_large_counts_converge_in_the_trend_fit(panel) -> None:
    """The fit sits at its maximum; the deviance's rounding must not read as divergence."""
    years, y, e = _series(panel, "N07541", "00", 2019, 2022)
    res = poisson_trend(y, e, years, overdispersion="quasi", breaks=[2020])
    assert res.converged
    assert not any(isinstance(w, NotConvergedWarning) for w in res.warnings)
    assert res.pct_change == pytest.approx(_quasi_trend_one_break(years, y, e)[0], rel=1e-6)


def _rows(rep) -> list[list[str]]:
    """The trend table's rows as text: label, then one cell per area ('..' or the value)."""
    lines = _text(rep.trend_table()).splitlines()
    start = lines.index(f"{rep.name(rep.areas[-1])}: % per år") + 1
    rows, i = [], start
    labels = {rep.catalog[ind].label("sv", short=True) for ind in rep.indicators}
    while i < len(lines) and lines[i] in labels:
        row, i = [lines[i]], i + 1
        for _ in rep.areas:
            row.append(lines[i])
            i += 1 if lines[i] == ".." else 2  # a value has its interval on the next line
        rows.append(row)
    return rows


def test_a_handful_of_crimes_gives_no_trend(bjurholm, panel) -> None:
    """Fewer than 5 crimes a year on average (the small-count limit): '..', reason stated."""
    thin = []
    for ind in bjurholm.indicators:
        _, y, _ = _series(panel, ind, "2403", 2019, 2022)
        if len(y) == 4 and y.mean() < 5:
            thin.append(ind)
            assert bjurholm.trend_result(ind, "2403") is None
            assert bjurholm.trend_gap(ind, "2403") == "few"
    assert {"N07549", "N07541"} <= set(thin)  # 7 crimes in four years each
    text = _text(bjurholm.trend_table())
    assert "1 013 558 252" not in text and "−100,0" not in text
    assert "färre än 5 anmälda brott per år i genomsnitt 2019–2022" in text
    en = pilot_vs_candidate(candidate="2403", start_year=2019, end_year=2022, lang="en")
    assert "fewer than 5 reported crimes a year on average in 2019–2022" in _text(en.trend_table())


def test_an_interval_reaching_minus_100_percent_is_no_result(bjurholm, panel) -> None:
    """Bjurholm's Våldsbrott 2019-2022 (38 crimes): the interval's lower end is -100 %."""
    years, y, e = _series(panel, "N07403", "2403", 2019, 2022)
    assert y.mean() >= 5
    _, lower, upper = _quasi_trend_one_break(years, y, e)
    assert round(lower, 1) == -100.0 and upper > 1e5  # what used to be printed
    assert bjurholm.trend_result("N07403", "2403") is None
    assert bjurholm.trend_gap("N07403", "2403") == "unbounded"
    assert "ett intervall som når −100\u00a0% per år" in _text(bjurholm.trend_table())


def test_only_expected_fit_errors_mean_no_trend(monkeypatch) -> None:
    rep = pilot_vs_candidate(lang="en")
    ind = rep.indicators[0]

    def design(*a, **k):
        raise DesignError("too few years", sv="för få år")

    monkeypatch.setattr(sections, "poisson_trend", design)
    assert rep.trend_result(ind, "0126") is None and rep.trend_gap(ind, "0126") == "breaks"

    def bug(*a, **k):
        raise ArgumentError("a programming error", sv="ett programfel")

    monkeypatch.setattr(sections, "poisson_trend", bug)
    with pytest.raises(ArgumentError):
        rep.trend_result(ind, "0180")


# -- 2. an indicator the pilot lacks, units, sections left out --------------------------------
def test_candidate_value_shown_when_the_pilot_area_has_none(panel) -> None:
    rep = pilot_vs_candidate(indicators=["U30750", "N07402"], lang="sv")
    d = panel.filter(
        (pl.col("indicator") == "U30750") & (pl.col("year") == 2022) & (pl.col("sex") == "T")
    )
    own = d.filter(pl.col("area_code") == "0126")["value"][0]
    assert own == pytest.approx(24.1)
    assert d.filter(pl.col("area_code") == "0180").is_empty()  # the pilot area has none
    kommuner = d.filter(pl.col("level") == "kommun")["value"]
    rank, n = int((kommuner > own).sum()) + 1, kommuner.len()
    row = rep.latest_frame().filter(pl.col("indicator") == "U30750").row(0, named=True)
    assert (row["year"], row["value_0126"], row["value_0180"]) == (2022, own, None)
    text = _text(rep.latest_table())
    assert "Uppgift saknas" not in text
    assert f"24,1\n..\n..\n..\n{rank} av {n}" in text
    assert "Datan har inga antal för Aktualiserade vuxna, våld i nära relation" in text


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_footnotes_state_each_indicators_own_unit(lang) -> None:
    rep = pilot_vs_candidate(indicators=["U30751"], lang=lang)
    spec = INDICATORS["U30751"]
    unit = spec["unit"] if lang == "sv" else spec["unit_en"]
    text = _text(rep.latest_table())
    assert unit in text
    assert ("11,7" if lang == "sv" else "11.7") in text  # Huddinge 2022
    for crimes in ("anmälda brott per 100\u00a0000 invånare", "crimes per 100,000 inhabitants"):
        assert crimes not in text.lower()
    default = _text(pilot_vs_candidate(lang=lang).latest_table())  # unchanged there
    assert (
        "Anmälda brott per 100\u00a0000" if lang == "sv" else "Reported crimes per 100,000"
    ) in (default)


SECTION_NOTES = {
    "funnel": ("Trattdiagrammet visas inte:", "The funnel plot is not shown:"),
    "power": (
        "Avsnittet om huruvida en effekt skulle synas i statistiken visas inte:",
        "The section on whether an effect would show in the statistics is not shown:",
    ),
    "similar": ("Avsnittet om liknande kommuner visas inte:", "The section on similar"),
}


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("indicators", [["U30751"], ["U30750", "N07402"], None])
def test_a_section_left_out_says_why(indicators, lang) -> None:
    rep = pilot_vs_candidate(indicators=indicators, lang=lang)
    shown = {anchor for anchor, _ in rep.section_entries()}
    intro = _text(rep.intro())
    for anchor, (sv, en) in SECTION_NOTES.items():
        note = sv if lang == "sv" else en
        assert (note in intro) == (anchor not in shown), anchor
    if indicators and indicators[0].startswith("U3075"):  # no counts: no funnel, no power
        assert not {"funnel", "power"} & shown
    if indicators is None:
        heading = "Det här visar rapporten inte" if lang == "sv" else "What this report leaves"
        assert heading not in intro


# -- 3. a län as pilot -------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_lan_pilot_names_the_indicators_left_out(panel, lang) -> None:
    have = set(
        panel.filter((pl.col("area_code") == "01") & pl.col("value").is_not_null())[
            "indicator"
        ].to_list()
    )
    short = "short_sv" if lang == "sv" else "short_en"
    dropped = [INDICATORS[i][short] for i in DEFAULTS if i not in have]
    kept = [INDICATORS[i][short] for i in DEFAULTS if i in have]
    assert len(dropped) == 5 and len(kept) == 1
    rep = pilot_vs_candidate(pilot="01", candidate="0126", lang=lang)
    intro = _text(rep.intro())
    if lang == "sv":
        assert "5 av standardindikatorerna visas inte eftersom pilotområdet Stockholms län" in intro
        assert f"bygger därför bara på {kept[0]}." in intro
    else:
        assert "5 of the default indicators are left out because the data hold no figures" in intro
        assert f"therefore rest on {kept[0]} only." in intro
    assert f"({'; '.join(dropped)})" in intro


def test_lan_pilot_without_the_given_indicators_is_refused_before_running() -> None:
    values = {"pilot": "01", "candidate": "0126", "indicators": ["N07402"]}
    with pytest.raises(ParameterError) as err:
        validate("pilot_vs_candidate", values)
    msg = str(err.value)
    assert msg.startswith("pilot = Stockholms län (01): the data have no figures of N07402")
    assert "Violent crimes (N07403)" in msg and "give a kommun as pilot" in msg
    assert "\n" not in msg
    sv = swedish_message(err.value, drop=["Stockholms län", "N07402", "Våldsbrott (N07403)"])
    assert "ange en kommun som pilot" in sv
    validate("pilot_vs_candidate", {"pilot": "01", "candidate": "0126"})  # N07403 is left


def test_riket_as_the_pilot_is_refused_in_one_line() -> None:
    """`--pilot 00` ran, and riket appeared twice in every table."""
    from research.core.errors import ParameterError
    from research.views.pilot_vs_candidate.checks import check_parameters

    with pytest.raises(ParameterError) as info:
        check_parameters(pilot="00", candidate="0126")
    assert info.value.message("en").startswith("pilot = Riket (00): riket is already the")
    assert info.value.message("sv").startswith("pilot = Riket (00): riket är redan jämförelsen")


def test_a_candidate_missing_from_the_funnel_is_not_said_to_lie_within_it() -> None:
    """A candidate without a count in the funnel's year defaulted to "within the limits"
    (Huddinge at 55,9 against riket's 18,6 after an import without counts)."""
    import polars as pl

    from research.views.pilot_vs_candidate.sections import pilot_vs_candidate
    from research.views.pilot_vs_candidate.summary import findings

    rep = pilot_vs_candidate(lang="sv")
    drop = (
        (pl.col("area_code") == "0126")
        & (pl.col("indicator") == rep.indicators[0])
        & (pl.col("year") == 2022)
    )
    rep.panel = rep.panel.filter(~drop)
    rep._memo.clear()
    year, res, where = rep.funnel_result()
    assert (year, where) == (2022, "absent") and "0126" not in res.areas["area"].to_list()
    text = str(rep.funnel()._repr_html_())
    assert "Huddinge har inget antal för 2022 i datan och finns därför inte med" in text
    assert f"de {res.areas.height} kommuner som har det" in text
    assert "inom gränserna" not in text
    assert not any("tratt" in f.lower() or "gränserna" in f for f in findings(rep))


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_summary_says_which_area_has_no_trend(lang: str) -> None:
    """Flen's trend is not estimated (fewer than 5 crimes a year): the summary's list of
    annual changes named only Stockholm and riket, as if the candidate had been forgotten."""
    from research.views.pilot_vs_candidate.summary import findings

    rep = pilot_vs_candidate(candidate="0482", lang=lang)
    assert rep.trend_result(rep.indicators[0], "0482") is None
    (line,) = [f for f in findings(rep) if f.startswith(("Årlig förändring", "Annual change"))]
    words = {"sv": "Flen ingen trend skattad (färre än 5 anmälda brott per år", "en": (
        "Flen no trend estimated (fewer than 5 reported crimes a year")}  # fmt: skip
    assert words[lang] in line
    assert "Stockholm" in line


def _report_on(panel: pl.DataFrame, end_year: int = 2022) -> sections.PilotVsCandidate:
    from research.data.catalog import load_catalog
    from research.geo.registry import load_areas

    reg = load_areas()
    return sections.PilotVsCandidate(
        pilot=reg.get("0180"), candidate=reg.get("0126"), indicators=["N07402"],
        start_year=2008, end_year=end_year, pilot_start="2021-04", lang="sv", panel=panel,
        catalog=load_catalog(),
    )  # fmt: skip


def test_a_funnel_of_a_few_kommuner_says_how_few(panel) -> None:
    """An import holding a few kommuner (the only figures of an indicator) made "rang 3 av 3
    bland kommunerna ... inom gränserna i trattdiagrammet" read as a national comparison."""
    few = ["0126", "0127", "0180", "0114", "0115"]
    thin = panel.filter(
        (pl.col("indicator") != "N07402")
        | (pl.col("level") != "kommun")
        | (pl.col("area_code").is_in(few) & (pl.col("year") == 2022))
    )
    rep = _report_on(thin)
    year, res, _ = rep.funnel_result()
    assert year == 2022 and res.areas.height == len(few)
    n_kommuner = 290  # Sweden's kommuner since 2003 (SCB)
    text = _text(rep.summary())
    assert f"Bara 5 av {n_kommuner} kommuner har siffror för 2022" in text
    # the whole country: no such sentence
    assert "Bara " not in _text(_report_on(panel).summary())


def test_a_new_year_for_a_few_kommuner_does_not_become_the_funnel_year(panel) -> None:
    """A 2023 import for one kommun made the funnel (and the report) fail with "at least two
    areas are needed" and would have drawn "all kommuner" from one."""
    extra = panel.filter(
        (pl.col("indicator") == "N07402") & (pl.col("year") == 2022)
        & pl.col("area_code").is_in(["0126", "0180"])
    ).with_columns(pl.lit(2023, dtype=panel.schema["year"]).alias("year"))  # fmt: skip
    rep = _report_on(pl.concat([panel, extra]), end_year=2023)
    year, res, _ = rep.funnel_result()
    assert year == 2022 and res.areas.height > 250
    one = panel.filter(
        (pl.col("indicator") != "N07402")
        | (pl.col("level") != "kommun")
        | ((pl.col("area_code") == "0126") & (pl.col("year") == 2022))
    )
    assert _report_on(one).funnel_result() is None  # no funnel of one kommun, no error


def test_the_power_baseline_names_the_years_and_kind_of_its_counts(panel) -> None:
    """With one year of three imported the section said "i genomsnitt 60,0 anmälda brott per
    år (2020–2022, uppskattat antal)" of an official count for 2022 alone."""
    only_2022 = panel.filter(
        ~(
            (pl.col("indicator") == "N07402") & (pl.col("area_code") == "0126")
            & pl.col("year").is_in([2020, 2021])
        )
    )  # fmt: skip
    text = _text(_report_on(only_2022).power())
    assert "anmälda brott per år (2022, uppskattat antal)" in text
    official = only_2022.with_columns(
        pl.when(
            (pl.col("indicator") == "N07402") & (pl.col("area_code") == "0126")
            & (pl.col("year") == 2022)
        )
        .then(pl.lit(14.0))
        .otherwise(pl.col("count"))
        .cast(panel.schema["count"])
        .alias("count")
    )  # fmt: skip
    text = _text(_report_on(official).power())
    assert "i genomsnitt 14,0 anmälda brott per år (2022, officiellt antal)" in text
    # the design sentence after the answer says the same (it said "skattat antal" always)
    assert "Upplägget: med i genomsnitt 14,0 anmälda brott per år (officiellt antal)" in text
    # Stockholm's line (the district's MDE) rests on the snapshot's estimated counts
    assert "Upplägget: med i genomsnitt 14,0 anmälda brott per år (skattat antal)" not in text
    assert "(2020–2022, uppskattat antal)" in _text(_report_on(panel).power())
