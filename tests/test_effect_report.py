"""The pilot_effect report end to end (papermill kernel, nbconvert HTML), Swedish and English.

Key numbers are recomputed from the panel with plain polars: the dilution share (Södermalm's
131 000 over Stockholm's 2020 population), the mean estimated count 2015-2020 and the number
of comparison kommuner.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from research.core.fmt import format_number, format_percent
from research.data.panel import load_panel
from research.runner.report import run_report
from research.views.pilot_effect.sections import GLOSSARY

from .htmlcheck import parse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("reports")
    return {
        lang: Path(run_report("pilot_effect", {"lang": lang}, output_root=out).html).read_text(
            encoding="utf-8"
        )
        for lang in ("sv", "en")
    }


@pytest.fixture(scope="module")
def facts() -> dict[str, float]:
    p = load_panel()
    pop = p.filter(
        (pl.col("indicator") == "N01951")
        & (pl.col("area_code") == "0180")
        & (pl.col("sex") == "T")
        & (pl.col("year") == 2019)  # the district figure's year (data/pilots.toml)
    )["value"][0]
    base = p.filter(
        (pl.col("indicator") == "N07402")
        & (pl.col("area_code") == "0180")
        & (pl.col("sex") == "T")
        & pl.col("year").is_between(2015, 2020)
    )["count_est"].mean()
    return {"share": 131_000 / pop, "base": float(base)}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_report_content(reports: dict[str, str], facts: dict[str, float], lang: str) -> None:
    html = reports[lang]
    doc = parse(html)
    text = re.sub(r"[ \t\r\n]+", " ", " ".join(doc.text))
    assert f'<html lang="{lang}">' in html
    # no code, no tracebacks
    assert "pilot_effect(" not in text and "import " not in text and "Traceback" not in text
    # every image has alt text
    imgs = [a for tag, a in doc.tags if tag == "img"]
    assert len(imgs) == 4  # synthetic control, SDID, event study, ITS
    assert all(a.get("alt") and len(a["alt"]) > 40 for a in imgs)
    # dilution, recomputed from the panel, and the 2020 break
    share = format_percent(100 * facts["share"], 1, lang)
    diluted = format_percent(20 * facts["share"], 1, lang)
    assert share in text and diluted in text
    assert "Södermalm" in text and "2020" in text
    base = format_number(facts["base"], 0, lang)
    assert base in text
    if lang == "sv":
        assert "Fungerade piloten?" in text
        assert "uppskattade" in text  # counts labelled as estimates
        assert "riktningen är tvetydig" in text
        assert "Datan kan inte avgöra om piloten fungerade" in text
        assert "Tidsseriebrottet 2020 ligger precis före pilotstarten" in text
        assert "30 jämförelsekommuner" in text
        assert "Källa: Kolada" in text
    else:
        assert "Did the pilot work?" in text
        assert "estimated counts" in text
        assert "the direction is ambiguous" in text
        assert "The data cannot tell whether the pilot worked" in text
        assert "The 2020 break lies right before the pilot start" in text
        assert "30 comparison kommuner" in text
        assert "Source: Kolada" in text
    # SDID beside the others, and the methods' agreement counted in the conclusion
    assert "(SDID)" in text and ("placebo, 200 " in text)
    assert ("5 skattningar används" if lang == "sv" else "5 estimates are used") in text
    assert ("av 5 skattar en lägre" if lang == "sv" else "of 5 estimate a lower") in text
    # the estimators' warnings about the 2020 break are carried into the report, worded in
    # its language by their code (research/core/warnings.toml), without internal ids
    if lang == "sv":
        assert "Tidsseriebrott: från 2020 bygger statistiken på en ny grund" in text
        assert "Series break" not in text
    else:
        assert "Series break: from 2020 the statistics are on a new basis" in text
    assert "2020-assault-registration" not in text
    # each warning text once, naming every method that gave it; a method's breaks in one
    # window in one sentence (17 near-identical lines before)
    callout = html.split('id="warnings"', 1)[1].split("</ul>", 1)[0]
    lines = [re.sub(r"<[^>]+>", "", li).strip() for li in callout.split("<li")[1:]]
    texts = [line.split(": ", 1)[1] for line in lines]
    assert len(texts) == len(set(texts)) and 5 <= len(lines) <= 9, lines
    if lang == "sv":
        assert (
            "syntetisk kontroll, skillnad-i-skillnader och händelsestudie: Tidsseriebrott 2019 "
            "och 2020, inom skattningsfönstret 2015–2022" in text
        )
        assert "avbruten tidsserie och kontrollerad avbruten tidsserie: Kort tidsserie" in text
    else:
        assert (
            "synthetic control, difference-in-differences and event study: Series breaks in "
            "2019 and 2020, inside the estimation window 2015–2022" in text
        )
    # a glossary explains every statistical term the sections use, in the report's language
    glossary = html.split('<dl class="glossary">', 1)[1].split("</dl>", 1)[0]
    terms = re.findall(r"<dt>(.*?)</dt>", glossary)
    assert len(terms) == len(GLOSSARY) == len(re.findall(r"<dd>", glossary))
    for term in ("RMSPE", "Wald", "phi", "ATT"):
        assert any(term in t for t in terms) and text.count(term) >= 2, term
    words = ("Ordlista", "p-värde") if lang == "sv" else ("Glossary", "p-value")
    assert all(w in text for w in words)
    for year in ("2015", "2019"):  # a method's break in a window is named in one line only
        per_method = [line for line in lines if f"{year}" in line and "avbruten" in line]
        assert len(per_method) <= 1, per_method
    # the DiD inference and why, worded from the estimator's reason code
    assert ("randomiseringsinferens" if lang == "sv" else "randomization inference") in text


def test_pilot_effect_takes_the_analysis_options_by_keyword():
    """The report's entry point forwards its parameters (EffectReportOptions) to the analysis
    and refuses any other keyword the way Python refuses an unknown named parameter."""
    from research.analyses.effect import EffectReportOptions
    from research.views.pilot_effect.sections import pilot_effect

    assert EffectReportOptions.__optional_keys__ == {
        "pilot", "indicator", "pilot_start", "start_year", "end_year", "donors", "expansion",
    }  # fmt: skip
    with pytest.raises(
        TypeError, match=r"^pilot_effect\(\) got an unexpected keyword argument 'alpha'$"
    ):
        pilot_effect(lang="en", alpha=0.1)
