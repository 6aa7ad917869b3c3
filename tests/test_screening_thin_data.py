"""The ``candidate_screening`` report on thin or restricted data reads true.

Reviewer's faults, each checked on the case that showed it and on the rest of its kind:

- a table restricted to a län or group: the heading and the summary's "highest ranked" say
  what the table shows (the order within the restriction, the national rank said as such),
  also for a restriction of one kommun or of none;
- a pooling window across a series break: said up front, once, with a window that avoids it;
- kommuner scored 0 for a missing component: how many, and the focus kommun's rank among
  the kommuner with every component;
- small counts: the ".." legend says 1–4 (zero is shown), a zero count is worded as no
  reported crimes with the interval's upper limit, a suppressed one is not given in a sentence;
- "no decrease detectable" is worded as a sentence, not "minimum detectable decrease not
  detectable".

Reference values are computed here from the raw panel (pooled counts, the exact
Clopper-Pearson upper limit, which kommuner lack which values) or by re-sorting the component
scores of one ``screen_candidates`` run, not by the view code.
"""

from __future__ import annotations

import re
from html import unescape

import numpy as np
import polars as pl
import pytest
from scipy import stats

from research.analyses.screening import screen_candidates
from research.data.panel import load_panel
from research.views.candidate_screening.sections import candidate_screening
from research.views.candidate_screening.summary import findings

from .htmlcheck import missing_value_faults

NB = "\u00a0"
SCORES = {"need": "need_score", "similarity": "similarity_score", "detectability": "detect_score"}
SIM_VARIABLES = ("N07402", "N07403", "N07540", "N07549", "N01951")  # the screening's defaults


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return load_panel()


def ranks_from_scores(panel: pl.DataFrame, years: tuple[int, int], pilot: str = "0180") -> dict:
    """National ranks under equal weights: the component scores re-sorted (missing = 0)."""
    base = pl.DataFrame(screen_candidates(panel, pilot=pilot, years=years))
    base = base.filter(pl.col("area_code") != pilot)
    score = sum(
        np.nan_to_num(base[c].fill_null(np.nan).to_numpy(), nan=0.0) for c in SCORES.values()
    )
    order = sorted(zip(-score, base["area_code"].to_list(), strict=True))
    return {code: i + 1 for i, (_, code) in enumerate(order)}


def pooled(panel: pl.DataFrame, code: str, years: tuple[int, int]) -> tuple[float, float]:
    sub = panel.filter(
        (pl.col("area_code") == code) & (pl.col("indicator") == "N07402")
        & (pl.col("sex") == "T") & pl.col("year").is_between(*years)
    )  # fmt: skip
    return float(sub["count_est"].sum()), float(sub["population"].sum())


def upper_limit(panel: pl.DataFrame, code: str, years: tuple[int, int]) -> float:
    """Exact 95 % upper limit of the rate ratio to riket (Clopper-Pearson on the split)."""
    x, e = pooled(panel, code, years)
    big_x, big_e = pooled(panel, "00", years)
    p_hi = stats.beta.ppf(0.975, x + 1, x + big_x - x)
    return p_hi / (1 - p_hi) * big_e / e


def sv(x: float, decimals: int = 2) -> str:
    return f"{x:.{decimals}f}".replace(".", ",")


def text(fragment: object) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", str(fragment))).split())


def heading(rep) -> str:
    return dict(rep.section_entries())["ranking"]


# -- 1. a table restricted to a län or group -------------------------------------------------
def test_a_lan_of_one_kommun_reads_as_its_only_candidate(panel):
    rep = candidate_screening(panel=panel, lan="09", focus="0980", years="2022-2022")
    rank = ranks_from_scores(panel, (2022, 2022))["0980"]
    assert rank > 1  # not the highest ranked in the country
    assert heading(rep) == "Den enda kandidatkommunen i Gotlands län"
    found = findings(rep)
    assert not any(f.startswith("Högst rankade") for f in found)
    assert (
        f"Gotland är den enda kandidatkommunen i Gotlands län (plats {rank} av 289 i hela landet"
        in found[1]
    )
    assert "De 30 högst rankade" not in text(rep.main_table())
    en = candidate_screening(panel=panel, lan="09", focus="0980", years="2022-2022", lang="en")
    assert heading(en) == "The only candidate kommun in Gotlands län"
    assert (
        f"Gotland is the only candidate kommun in Gotlands län (rank {rank} of 289 nationally"
        in (" ".join(findings(en)))
    )


def test_a_small_group_is_listed_in_its_own_order_with_national_ranks(panel):
    rep = candidate_screening(panel=panel, pilot="2403", areas="skr:Storstäder")
    ranks = ranks_from_scores(panel, (2020, 2022), pilot="2403")
    big3 = {"0180": "Stockholm", "1480": "Göteborg", "1280": "Malmö"}  # SKR: Storstäder
    order = sorted(big3, key=ranks.get)
    assert ranks[order[-1]] > 100  # the last of them is far from the national top
    assert heading(rep).startswith("Alla 3 kandidatkommuner i SKR kommungrupp")
    first, second, third = order
    expected = f"{big3[first]} (plats {ranks[first]} av 289 i hela landet, poäng "
    top = next(f for f in findings(rep) if "kandidatkommunerna i SKR" in f)
    assert top.startswith(expected)
    assert f", {big3[second]} (plats {ranks[second]}, poäng " in top
    assert f" och {big3[third]} (plats {ranks[third]}, poäng " in top
    assert "är, i den ordningen, de 3 kandidatkommunerna i SKR kommungrupp" in top
    assert not any(f.startswith("Högst rankade är") for f in findings(rep))


def test_a_larger_lan_names_its_top_and_how_many_it_has(panel):
    rep = candidate_screening(panel=panel, lan="01", top=5)
    kommuner = panel.filter(
        (pl.col("level") == "kommun") & pl.col("area_code").str.starts_with("01")
    )
    m = kommuner["area_code"].n_unique() - 1  # the pilot, Stockholm, is not a candidate
    ranks = ranks_from_scores(panel, (2020, 2022))
    best = min((c for c in ranks if c.startswith("01")), key=ranks.get)
    assert heading(rep) == "De 5 högst rankade kommunerna i Stockholms län"
    top = next(f for f in findings(rep) if "Stockholms län" in f)
    assert f"är de högst rankade av de {m} kandidatkommunerna i Stockholms län." in top
    assert f"(plats {ranks[best]} av 289 i hela landet, poäng " in top
    one = candidate_screening(panel=panel, lan="01", top=1)
    assert heading(one) == "Den högst rankade kommunen i Stockholms län"
    assert f"är högst rankad av de {m} kandidatkommunerna" in " ".join(findings(one))


def test_a_lan_holding_only_the_pilot_has_no_candidates(panel):
    rep = candidate_screening(panel=panel, pilot="0980", lan="09")
    assert heading(rep) == "Inga kandidatkommuner i Gotlands län"
    assert "Gotlands län har ingen kandidatkommun: Gotland (0980) är pilotkommunen" in " ".join(
        findings(rep)
    )


def test_the_unrestricted_heading_counts_the_rows_shown(panel):
    assert heading(candidate_screening(panel=panel, top=1)) == "Den högst rankade kommunen"
    everything = candidate_screening(panel=panel, top=290)
    assert heading(everything) == "Alla 289 kandidatkommuner"


def test_the_chart_names_the_focus_kommun_among_the_top_when_it_is_one(panel):
    years = (2014, 2016)
    ranks = ranks_from_scores(panel, years)
    focus = next(c for c, r in sorted(ranks.items(), key=lambda x: x[1]) if 2 <= r <= 9)
    rep = candidate_screening(panel=panel, years="2014-2016", focus=focus, lang="en")
    alt = unescape(re.search(r'alt="([^"]+)"', str(rep.overview_chart())).group(1))
    assert "the top 10 (" in alt and f"), among them {rep.focus.name} (rank {ranks[focus]}:" in alt
    assert "the top 9 (" not in alt


# -- 2. a window across a series break, kommuner scored on incomplete data -------------------
def test_a_window_across_a_break_is_caveated_up_front_once(panel):
    rep = candidate_screening(panel=panel, years="2014-2016")
    found = findings(rep)
    assert found[0].startswith(
        "Perioden 2014–2016 spänner över ett tidsseriebrott (2015: endast brott som kan "
        "hänföras till kommunen)"
    )
    assert "Åren 2015–2016 ligger helt efter tidsseriebrottet." in found[0]
    assert "years" not in found[0]  # no parameter names in Swedish prose
    assert found[0] in text(rep.intro())  # the caveats of the report say it too
    notes = text(rep.notes())
    assert notes.count("inte direkt jämförbara") == 1  # the break's own description, once
    sentences = [s for s in re.split(r"(?<=\.) ", notes) if len(s) > 20]
    assert len(sentences) == len(set(sentences))
    two = candidate_screening(panel=panel, years="2018-2022", lang="en")
    assert findings(two)[0].startswith("The window 2018–2022 spans 2 breaks in the series (2019")
    assert "The years 2020–2022 lie wholly after them." in findings(two)[0]
    assert not findings(candidate_screening(panel=panel))[0].startswith("Perioden")


def test_kommuner_scored_on_incomplete_data_are_counted_and_the_focus_reranked(panel):
    years = (2014, 2016)
    kom = panel.filter((pl.col("level") == "kommun") & (pl.col("sex") == "T"))
    window = kom.filter(pl.col("year").is_between(*years))
    need = window.filter(pl.col("indicator") == "N07402").drop_nulls(["count_est", "population"])
    full_need = {c for c, n in need.group_by("area_code").len().iter_rows() if n == 3}
    sim_ok = set(kom["area_code"].to_list())
    for v in SIM_VARIABLES:
        sim_ok &= set(
            window.filter((pl.col("indicator") == v) & pl.col("value").is_not_null())["area_code"]
        )
    candidates = sorted(set(kom["area_code"].to_list()) - {"0180"})
    incomplete = [c for c in candidates if c not in full_need or c not in sim_ok]
    assert 0 < len(incomplete) < 289
    ranks = ranks_from_scores(panel, years)
    complete = sorted((c for c in candidates if c not in incomplete), key=ranks.get)
    rep = candidate_screening(panel=panel, years="2014-2016")
    sentence = (
        f"{len(incomplete)} av de 289 rangordnade kommunerna saknar värden för någon komponent "
        f"under 2014–2016 och har fått poäng 0 för den, så deras platser vilar på ofullständiga "
        f"uppgifter; bland de {len(complete)} med värden för alla komponenter hamnar Huddinge "
        f"(0126) på plats {complete.index('0126') + 1}."
    )
    assert sentence in findings(rep)[1]
    assert sentence in text(rep.main_table())
    # a focus kommun that is one of them is said to be, and its missing ratio is said in words
    lacking = next(c for c in incomplete if c not in full_need)
    rep = candidate_screening(panel=panel, years="2014-2016", focus=lacking)
    found = " ".join(findings(rep))
    assert f"bland dem {rep.focus.label()}, saknar värden för någon komponent" in found
    assert "saknas, eftersom värden saknas för något av åren 2014–2016" in found
    for part in (rep.summary(), rep.main_table(), rep.notes()):
        assert missing_value_faults(str(part)) == []
    # complete data: no such sentence
    assert "ofullständiga" not in " ".join(findings(candidate_screening(panel=panel)))


# -- 3. decimal commas -----------------------------------------------------------------------
@pytest.mark.parametrize("weights", [(0.0, 0.0, 1.0), (0.5, 0.25, 0.25)])
def test_swedish_sections_have_no_decimal_points(panel, weights):
    w_need, w_similarity, w_detectability = weights
    rep = candidate_screening(
        panel=panel, w_need=w_need, w_similarity=w_similarity, w_detectability=w_detectability
    )
    parts = [rep.title(), rep.summary(), rep.intro(), rep.main_table(), rep.overview_chart()]
    parts += [rep.sensitivity_table(), rep.notes()]
    shown = re.sub(r'<img[^>]*>|src="[^"]*"', "", "".join(str(p) for p in parts))
    assert re.findall(r"\d\.\d", text(shown)) == []


# -- 4. small counts -------------------------------------------------------------------------
def test_the_legend_of_suppressed_cells_says_one_to_four_and_zero_is_shown(panel):
    rep = candidate_screening(panel=panel, focus="2403", years="2022-2022", top=3)
    assert pooled(panel, "2403", (2022, 2022))[0] == 0
    table = text(rep.main_table())
    assert (
        "”..” = vilar på 1–4 skattade brott eller uppgift saknas; antalet 0 = inga anmälda brott."
        in table
    )
    assert "färre än 5 skattade brott eller" not in table
    assert "celler som vilar på 1–4 skattade brott visas som ”..”" in text(rep.intro())
    row = rep.formatted_rows().filter(pl.col("area_code") == "2403").row(0, named=True)
    assert row["count"] == "0"  # zero is not suppressed
    en = candidate_screening(panel=panel, lang="en")
    assert (
        "“..” = rests on 1–4 estimated crimes or no data; a count of 0 = no reported crimes."
        in (text(en.main_table()))
    )


def test_a_zero_count_is_worded_as_no_reported_crimes_with_its_upper_limit(panel):
    upper = upper_limit(panel, "2403", (2022, 2022))
    rep = candidate_screening(panel=panel, focus="2403", years="2022-2022", top=3)
    focus = findings(rep)[0]
    assert (
        f"den hade inga anmälda brott 2022, vilket är förenligt med en kvot mot riket på upp "
        f"till {sv(upper)} (övre gräns för 95{NB}% KI)"
    ) in focus
    assert "0,00" not in focus
    line = text(rep.main_table())
    assert (
        f"inga anmälda brott 2022 (förenligt med en kvot mot riket på upp till {sv(upper)}," in line
    )
    assert "kvot mot riket 0,00" not in line
    en = candidate_screening(panel=panel, focus="2403", years="2022-2022", top=3, lang="en")
    assert (
        f"it had no reported crimes in 2022, which is consistent with a rate ratio to Sweden of "
        f"up to {upper:.2f} (upper limit of the 95% CI)"
    ) in findings(en)[0]
    # the pilot with no reported crimes, in the summary and above the table
    upper = upper_limit(panel, "2403", (2020, 2022))
    pilot = candidate_screening(panel=panel, pilot="2403")
    assert (
        f"den hade inga anmälda brott 2020–2022, vilket är förenligt med en kvot mot riket på "
        f"upp till {sv(upper)}"
    ) in findings(pilot)[-1]
    assert "Som jämförelse hade den inga anmälda brott 2020–2022, vilket" in text(
        pilot.main_table()
    )


def test_a_suppressed_focus_count_is_not_given_in_a_sentence(panel):
    small = next(
        c
        for c in sorted(set(panel.filter(pl.col("level") == "kommun")["area_code"].to_list()))
        if 1 <= pooled(panel, c, (2020, 2022))[0] <= 4
    )
    rep = candidate_screening(panel=panel, focus=small)
    found = findings(rep)[0]
    assert found.endswith(
        "kvoten mot riket och minsta påvisbara minskning anges inte, eftersom de skulle vila på "
        "färre än 5 skattade brott."
    )
    for part in (rep.summary(), rep.main_table()):
        assert missing_value_faults(str(part)) == []
    alt = unescape(re.search(r'alt="([^"]+)"', str(rep.overview_chart())).group(1))
    ratio = rep.row(small)["need_rate_ratio_est"]
    assert f"kvot {sv(ratio)}" not in alt  # the suppressed ratio is not told in the alt text


# -- 5. no detectable decrease, as a sentence ------------------------------------------------
def test_no_detectable_decrease_is_worded_as_a_sentence(panel):
    for lang, bad, good in [
        ("sv", "minsta påvisbara minskning ej påvisbar", "ingen minskning, inte ens 100"),
        ("en", "minimum detectable decrease not detectable", "no decrease, not even 100%"),
    ]:
        rep = candidate_screening(panel=panel, pilot="2403", lang=lang)
        assert rep.row("2403")["detect_mde_pct"] is None
        shown = text(rep.summary()) + text(rep.main_table()) + text(rep.overview_chart())
        assert bad not in shown
        assert good in text(rep.main_table())


def test_a_one_year_window_reads_as_one_year() -> None:
    """`years=2022-2022` read "2022–2022" in the subtitle, captions and notes."""
    from research.views.candidate_screening.sections import candidate_screening

    rep = candidate_screening(years="2022-2022", lang="sv")
    parts = [rep.title(), rep.main_table(), rep.notes()]
    text = " ".join(str(p._repr_html_()) for p in parts)
    assert "2022–2022" not in text and "2022" in text


def test_the_header_writes_the_years_as_the_report_does() -> None:
    """The header showed the parameter as typed, "2022-2022", above a report saying 2022."""
    from research.runner.report import _show

    assert _show("years", "2022-2022", "sv") == "2022"
    assert _show("years", "2020-2022", "en") == "2020\u20132022"


def test_a_named_kommun_with_a_suppressed_count_is_not_drawn_or_scored(panel):
    """Flen as pilot in 2022 rests on 1-4 estimated crimes: its table cells read "..", so
    its labelled point (with an interval bar) must not be on the chart either, nor its need
    and detectability scores (ranks of the hidden ratio and MDE) in the table."""
    rep = candidate_screening(panel=panel, pilot="0482", years="2022-2022")
    assert 1 <= pooled(panel, "0482", (2022, 2022))[0] <= 4
    drawn = rep.chart_data().filter(pl.col("area_code") == "0482").row(0, named=True)
    assert drawn["suppressed"] and drawn["ratio"] is None and drawn["mde_pct"] is None
    chart = str(rep.overview_chart())
    assert "Flen (pilot)) visas inte" in text(chart) or "Flen (pilot) visas inte" in text(chart)
    alt = unescape(re.search(r'alt="([^"]+)"', chart).group(1))
    assert "Flen (pilot) visas inte, eftersom kvoten skulle vila på 1–4 skattade brott" in alt
    small = [
        r for r in rep.formatted_rows().iter_rows(named=True) if 1 <= r["count_est_total"] <= 4
    ]
    assert small, "the table shows no kommun with 1-4 crimes: choose another case"
    for r in small:
        assert (r["ratio"], r["need_score"], r["mde"], r["det_score"]) == ("..",) * 4, r
