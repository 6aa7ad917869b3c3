"""Coverage statement of `data info` and report footers (research.data.coverage)."""

from __future__ import annotations

import datetime as dt
import doctest

import polars as pl
import pytest

import research.data.coverage as cov_mod
import research.views.coverage_text as cov_text_mod
from research.cli import main
from research.core.errors import ParameterError
from research.data.coverage import Coverage, coverage, latest_published_year, months_since_year_end
from research.views.coverage_text import coverage_text


@pytest.mark.parametrize(
    ("on", "year"),
    [
        (dt.date(2023, 3, 31), 2021),  # 2022's final figures appear at the end of March 2023
        (dt.date(2023, 4, 1), 2022),
        (dt.date(2026, 11, 30), 2025),
        (dt.date(2027, 1, 1), 2025),
    ],
)
def test_latest_published_year(on, year):
    assert latest_published_year(on) == year


def test_months_since_year_end():
    assert months_since_year_end(2022, dt.date(2023, 1, 15)) == 1
    assert months_since_year_end(2022, dt.date(2022, 12, 31)) == 0
    assert months_since_year_end(2022, dt.date(2026, 11, 30)) == 4 * 12 - 1


def test_coverage_of_the_snapshot():
    c = coverage(
        pl.DataFrame(
            {"level": ["kommun", "kommun", "riket", "kommun"],
             "area_code": ["0126", "0180", "00", "0126"],
             "year": [2008, 2022, 1994, 2010], "value": [1.0, 2.0, 3.0, None]}
        ),
        dt.date(2024, 5, 1),
    )  # fmt: skip
    assert c.levels == {"kommun": (2008, 2022, 2), "riket": (1994, 1994, 1)}
    assert c.newest_year == 2022 and c.age_months == 17 and c.missing_years == [2023]
    sv = coverage_text(c, "sv")
    assert sv.startswith("Datatäckning: riket 1994–1994 (1 område), kommuner 2008–2022")
    assert "stadsdelar: inga" in sv and "2023 har publicerats" in sv
    with pytest.raises(ParameterError):
        coverage_text(c, "de")


def test_no_missing_years_sentence_when_current():
    c = Coverage({"kommun": (2010, 2022, 290)}, 2022, dt.date(2023, 2, 1))
    assert "published since" not in coverage_text(c, "en")


def test_data_info_states_coverage_and_bra(capsys):
    assert main(["data", "info"]) == 0
    out = capsys.readouterr().out
    assert "kommuner 1994–2022 (290 areas)" in out
    assert "The newest figure is for 2022" in out
    assert "docs/bra_export.md" in out and "bra-scraper" in out


def test_doctests_run():
    res = doctest.testmod(cov_mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0 and res.attempted >= 3
    res = doctest.testmod(cov_text_mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0 and res.attempted >= 1


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("sv", "Datatäckning: riket 1994–2022 (1 område)"),
        ("en", "Data coverage: Sweden 1994–2022 (1 area)"),
    ],
)
def test_report_footer_states_coverage(lang, text):
    import nbformat

    from research.runner.report import export_html

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Test")])
    page = export_html(nb, lang=lang, params={}, commit="test")
    footer = page[page.index('<footer class="provenance">') :]
    assert text in footer
    assert (
        "Det senaste värdet avser 2022" if lang == "sv" else "newest figure is for 2022"
    ) in footer
    assert "Kolada (RKA), kommungrupper" in footer or "municipality groups" in footer
