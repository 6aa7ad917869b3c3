"""Reports on thin data say what is missing in words: no ``..`` in a sentence, and a legend
under every table that shows one.

The reports run as users run them (``run_report``: a real kernel, nbconvert's HTML) on the
inputs where values drop out: two comparison kommuner (the SDID placebo cannot reach 95 %,
the DiD randomization test has three assignments), a small pilot kommun (a zero count after
the start, a counterfactual level below zero), a small candidate (no trend), a small pilot in
the screening (a pooled count below the suppression limit).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from research.runner.report import run_report

from .htmlcheck import missing_value_faults
from .pagetext import page_text

pytestmark = pytest.mark.slow

CASES = {
    "two-donors": ("pilot_effect", {"donors": "similar:2", "lang": "sv"}),
    "small-pilot": ("pilot_effect", {"pilot": "0482", "lang": "en"}),
    "small-candidate": ("pilot_vs_candidate", {"candidate": "2403", "lang": "sv"}),
    "small-candidate-brief": ("decision_brief", {"candidate": "2403", "lang": "en"}),
    "small-pilot-brief": ("decision_brief", {"pilot": "0482", "candidate": "0767", "lang": "sv"}),
    "small-screening-pilot": (
        "candidate_screening",
        {"pilot": "0482", "years": "2022-2022", "lang": "sv"},
    ),
}


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("reports")
    return {
        case: Path(run_report(nb, params, output_root=out / case).html).read_text(encoding="utf-8")
        for case, (nb, params) in CASES.items()
    }


@pytest.mark.parametrize("case", CASES)
def test_every_missing_value_is_explained(pages: dict[str, str], case: str) -> None:
    assert missing_value_faults(pages[case]) == []


def test_the_checker_finds_an_unexplained_missing_value() -> None:
    table = "<table><tbody><tr><td>Kvot</td><td>..</td></tr></tbody></table>"
    assert len(missing_value_faults(table)) == 1
    legend = '<p class="footnote">”..” = uppgift saknas.</p>'
    assert missing_value_faults(table + legend) == []
    assert len(missing_value_faults("<p>kvot 0,71 (95 % intervall ..–.., p = ..)</p>")) == 1
    assert missing_value_faults("<p>celler visas som ”..”.</p>") == []


def test_two_donors_say_why_sdid_has_no_interval(pages: dict[str, str]) -> None:
    text = " ".join(page_text(pages["two-donors"]).split())
    assert "utan intervall och p-värde: med 2 jämförelsekommuner finns för få placebovärden" in text
    # the DiD randomization test with 3 assignments excludes no ratio: said, not "0,00–∞"
    assert "kvot 0,82 (95 % intervall obegränsat, permutations-p 0,667)" in text
    assert "0,00–∞" not in text
    # the one weighted donor's leave-one-out refit is one number, not a range from it to itself
    assert "7,31–7,31" not in text


def test_a_small_screening_pilot_says_why_its_ratio_is_not_given(pages: dict[str, str]) -> None:
    text = " ".join(page_text(pages["small-screening-pilot"]).split())
    assert "dess kvot mot riket anges inte, eftersom den skulle vila på färre än 5" in text


def test_a_small_kommun_pilot_is_worded_as_a_kommun_and_its_p_value_is_flagged(
    pages: dict[str, str],
) -> None:
    text = " ".join(page_text(pages["small-pilot"]).split())
    # no district inside Flen: no "about x % for Flen as a whole", no district column
    assert "A 20% drop in Flen would have been detected with probability" in text
    assert "for Flen as a whole" not in text and "Equivalent in" not in text
    assert "every case in the district" not in text
    # about one case a year against comparison kommuner of about three: the plain
    # randomization test over-rejects, and both the DiD and the power section say so
    assert "Flen has fewer cases than the comparison kommuner" in text
    assert "The p-value is therefore too small (MacKinnon & Webb 2020)" in text
    assert "the false alarms are not counted as detection" in text
    # the zero in 2021 only the ITS intervention terms fit: no level shift is given
    assert "no level shift can be estimated (no cases in 2021" in text
    assert "level shift 0.00" not in text
    # the controlled series pools fewer kommuner than "used by all methods": said why
    assert "The controlled variant pools the 19 of the 30 comparison kommuner with values" in text


def test_a_brief_for_a_kommun_without_cases_says_why_no_power_is_shown(
    pages: dict[str, str],
) -> None:
    """The section "Would an effect show in Bjurholm?" and its summary line vanished."""
    text = " ".join(page_text(pages["small-candidate-brief"]).split())
    said = "Bjurholm had no reported cases of gross violation of a woman's integrity in 2020–2022"
    assert text.count(said) == 2  # the summary and the section
    assert "Could an effect be seen in Bjurholm?" in text


def test_a_brief_counts_the_methods_the_effect_report_ran(pages: dict[str, str]) -> None:
    """With a small pilot, three methods give no p-value: the brief said "med 2 metoder"."""
    text = " ".join(page_text(pages["small-pilot-brief"]).split())
    assert "med 5 metoder. Dess slutsats:" in text


def test_a_brief_words_a_zero_count_as_no_reported_crimes(pages: dict[str, str]) -> None:
    text = " ".join(page_text(pages["small-candidate-brief"]).split())
    assert "Bjurholm had no reported crimes (95% CI of the rate up to 155.5)" in text
    assert "0.00 times Sweden's" not in text


def test_a_comparison_words_a_zero_count_as_no_reported_crimes(pages: dict[str, str]) -> None:
    text = " ".join(page_text(pages["small-candidate"]).split())
    assert "Bjurholm hade inga anmälda brott (95 % KI för takten upp till 155,5" in text
    assert "0,00 gånger rikets" not in text


def test_a_year_without_a_row_breaks_the_trend_line() -> None:
    """Bjurholm lacks 2012-2015 of one indicator (no rows at all): the line stops at 2011
    and starts again in 2016; a straight line across the gap drew values that do not exist."""
    import math

    import polars as pl

    from research.views.charts import trend_chart

    years = [2010, 2011, 2016, 2017]
    data = pl.DataFrame(
        {"area_code": ["2403"] * 4, "year": years, "value": [40.0, 41.0, 39.0, 38.0]}
    )
    fig = trend_chart(data, series=[("2403", "Bjurholm")], title="t", ylabel="y")
    (line,) = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == "Bjurholm"]
    x, y = line.get_xdata(), line.get_ydata()
    assert list(x) == list(range(2010, 2018))
    gap = [xv for xv, yv in zip(x, y, strict=True) if yv is None or math.isnan(float(yv))]
    assert gap == [2012, 2013, 2014, 2015]
