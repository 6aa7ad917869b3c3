"""The ``candidate_screening`` report: parameter checks, sections and the report end to end.

Reference values are computed here independently of the view code: the need ratio and its
exact interval from the raw panel with plain polars and scipy (Clopper-Pearson on the
binomial split of the pooled estimated counts), the ranks under other weights by re-sorting
the component scores of one ``screen_candidates`` run, and estimated counts from the panel.
"""

from __future__ import annotations

import math
import re
import string
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from research.analyses.screening import DEFAULT_WEIGHTS, screen_candidates
from research.core.errors import AreaCodeTypeError, ParameterError, UnknownIndicatorError
from research.data.panel import load_panel
from research.data.pilots import case
from research.runner.report import run_report
from research.views.candidate_screening.checks import check_weights, parse_years
from research.views.candidate_screening.sections import (
    WEIGHT_SETS,
    candidate_screening,
)
from research.views.candidate_screening.texts import TEXTS

HUDDINGE = case().candidate  # the case's candidate, data/pilots.toml

YEARS = (2020, 2022)
COMPONENTS = ("need", "similarity", "detectability")
SCORE_COLS = {"need": "need_score", "similarity": "similarity_score",
              "detectability": "detect_score"}  # fmt: skip


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return load_panel()


@pytest.fixture(scope="module")
def base(panel) -> pl.DataFrame:
    """One screening run with default weights: the source of the component scores."""
    return pl.DataFrame(screen_candidates(panel))


@pytest.fixture(scope="module")
def report(panel):
    return candidate_screening(panel=panel)


def resort_ranks(base: pl.DataFrame, weights: dict[str, float]) -> dict[str, int]:
    """Ranks under ``weights`` by re-sorting the component scores (missing score = 0); the
    pilot kommun, which is not a candidate (no rank), is left out."""
    base = base.filter(pl.col("rank").is_not_null())
    total = sum(weights.values())
    score = np.zeros(base.height)
    for c in COMPONENTS:
        score = score + (weights.get(c, 0.0) / total) * np.nan_to_num(
            base[SCORE_COLS[c]].fill_null(np.nan).to_numpy(), nan=0.0
        )
    order = sorted(zip(-score, base["area_code"].to_list(), strict=True))
    return {code: i + 1 for i, (_, code) in enumerate(order)}


def pooled(panel: pl.DataFrame, code: str) -> tuple[float, float]:
    sub = panel.filter(
        (pl.col("area_code") == code) & (pl.col("indicator") == "N07402")
        & (pl.col("sex") == "T") & pl.col("year").is_between(*YEARS)
    )  # fmt: skip
    return float(sub["count_est"].sum()), float(sub["population"].sum())


def fmt_sv(x: float, decimals: int = 2) -> str:
    return f"{x:.{decimals}f}".replace(".", ",")


# -- texts and parameter checks -----------------------------------------------------------
def test_every_text_in_both_languages_with_the_same_fields():
    fields = string.Formatter()
    for key, entry in TEXTS.items():
        assert set(entry) == {"sv", "en"}, key
        assert entry["sv"].strip() and entry["en"].strip(), key
        names = [{f for _, f, _, _ in fields.parse(entry[lang]) if f} for lang in ("sv", "en")]
        assert names[0] == names[1], key


def test_parse_years():
    assert parse_years("2020-2022") == (2020, 2022)
    assert parse_years(" 2019 – 2021 ") == (2019, 2021)
    assert parse_years("2022") == (2022, 2022)
    assert parse_years((2018, 2020)) == (2018, 2020)
    assert parse_years(2021) == (2021, 2021)
    for bad in ("2022-2020", "20-22", "abc", "2020-2022-2024", (2020,), (2020.0, 2022), True,
                "1900-1901", None):  # fmt: skip
        with pytest.raises(ParameterError):
            parse_years(bad)
    with pytest.raises(ParameterError, match="'2020-2022'"):
        parse_years("2022-2020")


def test_check_weights_normalizes_and_defaults():
    assert check_weights() == pytest.approx(DEFAULT_WEIGHTS)
    assert check_weights(2, 1, 1) == {"need": 0.5, "similarity": 0.25, "detectability": 0.25}
    assert check_weights(0, 0, 3) == {"need": 0.0, "similarity": 0.0, "detectability": 1.0}
    # one weight given: the others keep their default 1/3
    w = check_weights(need=1 / 3 * 2)
    assert w == pytest.approx({"need": 0.5, "similarity": 0.25, "detectability": 0.25})


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"w_need": -0.1}, "w_need must be a finite number >= 0"),
        ({"w_similarity": math.nan}, "w_similarity must be a finite number"),
        ({"w_detectability": math.inf}, "w_detectability must be a finite number"),
        ({"w_need": "0.5"}, "w_need must be a number"),
        ({"w_need": True}, "w_need must be a number"),
        ({"w_need": 0, "w_similarity": 0, "w_detectability": 0}, "All three weights"),
        ({"w_need": 0.0, "w_similarity": 0.0, "w_detectability": 0.0}, "at least one"),
    ],
)
def test_view_builder_rejects_bad_weights(panel, kw, match):
    with pytest.raises(ParameterError, match=match):
        candidate_screening(panel=panel, **kw)


def test_view_builder_rejects_other_bad_parameters(panel):
    with pytest.raises(ParameterError, match="top must be"):
        candidate_screening(panel=panel, top=0)
    with pytest.raises(ParameterError, match="top must be"):
        candidate_screening(panel=panel, top="10")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="lan must be a län"):
        candidate_screening(panel=panel, lan="0126")
    with pytest.raises(AreaCodeTypeError):
        candidate_screening(panel=panel, lan=1)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="pilot must be a kommun"):
        candidate_screening(panel=panel, pilot="01")
    with pytest.raises(ParameterError, match="not a rate"):
        candidate_screening(panel=panel, indicator="N01951")
    with pytest.raises(UnknownIndicatorError):
        candidate_screening(panel=panel, indicator="N0740")
    with pytest.raises(ParameterError, match="outside the data"):
        candidate_screening(panel=panel, years="2004-2006")
    with pytest.raises(ParameterError, match="lang"):
        candidate_screening(panel=panel, lang="de")


# -- sections, without a kernel -------------------------------------------------------------
def test_sensitivity_ranks_match_a_direct_resort(report, base):
    sets = report.sensitivity_sets
    assert list(sets) == ["equal", "need_only", "detect_heavy", "similarity_heavy"]
    expected_rows = {HUDDINGE}
    for name, w in sets.items():
        ranks = resort_ranks(base, w)
        expected_rows |= {c for c, r in ranks.items() if r <= 10}
        got = dict(zip(report.sensitivity["area_code"], report.sensitivity[name], strict=True))
        for code, rank in got.items():
            assert rank == ranks[code], (name, code)
    assert set(report.sensitivity["area_code"]) == expected_rows
    # need only: the top 10 are the 10 highest rate ratios
    top_ratio = base.sort(["need_rate_ratio_est", "area_code"], descending=[True, False])
    need_top = report.sensitivity.filter(pl.col("need_only") <= 10)["area_code"]
    assert set(need_top) == set(top_ratio.head(10)["area_code"])
    # stable count: top 10 under equal weights that stay top 10 everywhere
    eq = resort_ranks(base, WEIGHT_SETS["equal"])
    others = [resort_ranks(base, w) for w in WEIGHT_SETS.values()]
    stable = [c for c, r in eq.items() if r <= 10 and all(o[c] <= 10 for o in others)]
    assert report.stable_count() == len(stable)


def test_chosen_weights_add_a_column_and_drive_the_table(panel, base):
    rep = candidate_screening(panel=panel, w_need=2.0, w_similarity=1.0, w_detectability=1.0)
    assert next(iter(rep.sensitivity_sets)) == "chosen"
    assert rep.weights == {"need": 0.5, "similarity": 0.25, "detectability": 0.25}
    ranks = resort_ranks(base, rep.weights)
    shown = rep.shown()
    assert shown["rank"].to_list()[:30] == list(range(1, 31))
    for code, rank in zip(shown["area_code"], shown["rank"], strict=True):
        assert ranks[code] == rank
    assert rep.sensitivity.sort("chosen")["chosen"].to_list() == sorted(
        ranks[c] for c in rep.sensitivity["area_code"]
    )


def test_huddinge_always_shown_with_its_rank(panel, base):
    hud_rank = resort_ranks(base, DEFAULT_WEIGHTS)[HUDDINGE]
    rep = candidate_screening(panel=panel, top=5)
    shown = rep.shown()
    assert shown.height == 6
    assert shown["area_code"].to_list()[-1] == HUDDINGE
    assert shown["extra"].to_list() == [False] * 5 + [True]
    assert shown["rank"].to_list()[-1] == hud_rank
    html = str(rep.main_table())
    assert "…" in html  # the gap row before Huddinge
    assert f"plats {hud_rank} av 289" in html
    # inside the top N it is not repeated
    rep30 = candidate_screening(panel=panel, top=max(30, hud_rank))
    assert rep30.shown().filter(pl.col("area_code") == HUDDINGE).height == 1
    assert not rep30.shown()["extra"].any()


def test_huddinge_row_numbers_recomputed_from_the_panel(panel, report):
    x, e = pooled(panel, HUDDINGE)
    big_x, big_e = pooled(panel, "00")
    ratio = (x / e) / (big_x / big_e)
    n = x + big_x
    p_lo = stats.beta.ppf(0.025, x, n - x + 1)
    p_hi = stats.beta.ppf(0.975, x + 1, n - x)
    lo, hi = p_lo / (1 - p_lo) * big_e / e, p_hi / (1 - p_hi) * big_e / e
    row = report.formatted_rows().filter(pl.col("area_code") == HUDDINGE).row(0, named=True)
    assert row["count"] == str(int(x))
    assert row["ratio"] == fmt_sv(ratio)
    assert row["interval"] == f"{fmt_sv(lo)}–{fmt_sv(hi)}"
    html = str(report.main_table())
    assert f"kvot mot riket {fmt_sv(ratio)} ({fmt_sv(lo)}–{fmt_sv(hi)})" in html
    assert "<strong>Huddinge (0126)</strong>" in html


def test_small_counts_are_suppressed(panel, base):
    small = base.filter(pl.col("count_est_total").is_between(1, 4)).sort("rank")
    assert small.height > 0
    code = small["area_code"][0]
    lan = code[:2]
    rep = candidate_screening(panel=panel, lan=lan, top=290)
    rows = rep.formatted_rows()
    r = rows.filter(pl.col("area_code") == code).row(0, named=True)
    x, _ = pooled(panel, code)
    assert 1 <= x <= 4  # independently: the pooled estimated count is small
    assert (r["count"], r["ratio"], r["interval"], r["mde"]) == ("..",) * 4
    assert r["total"] not in ("..", "")  # scores are not counts: shown
    big = rows.filter(pl.col("count_est_total") >= 5)
    assert big.height > 0 and ".." not in big["count"].to_list()
    # every row of the län (and Huddinge) is there, in rank order
    kommuner = base.filter(pl.col("area_code").str.starts_with(lan))
    assert rows.filter(~pl.col("extra")).height == kommuner.height


def test_chart_alt_text_and_roles(report, base):
    d = report.chart_data()
    assert d.filter(pl.col("role") == "focus")["area_code"].to_list() == [HUDDINGE]
    assert d.filter(pl.col("role") == "pilot")["area_code"].to_list() == ["0180"]
    labelled = set(d.filter(pl.col("role").is_in(["top", "pilot"]))["area_code"])
    assert labelled == set(base.head(10)["area_code"]) | {"0180"}  # the pilot is marked too
    assert "0180" not in set(base.head(10)["area_code"])
    assert d.filter(pl.col("role") == "pilot")["label"].to_list() == ["Stockholm (pilot)"]
    html = str(report.overview_chart())
    alt = re.search(r'alt="([^"]+)"', html).group(1)
    n_zero = base.filter(pl.col("count_est_total") == 0).height
    n_undet = base.filter(
        (pl.col("count_est_total") > 0) & pl.col("detect_mde_pct").is_null()
    ).height
    assert alt.startswith(f"Punktdiagram över {290 - n_zero} kommuner")
    assert f"{n_undet} kommuner där ingen minskning går att påvisa" in alt
    assert (
        f"Huddinge (plats {resort_ranks(base, DEFAULT_WEIGHTS)[HUDDINGE]}:" in alt
        and "Göteborg (1)" in alt
    )
    assert "Källa: Kolada" in html


def test_notes_name_breaks_and_estimates(panel):
    rep = candidate_screening(panel=panel, years="2014-2016", lang="en")
    text = str(rep.notes())
    assert "Break in the series inside 2014–2016" in text and "2015" in text
    text = str(candidate_screening(panel=panel).notes())
    # a break in the window's first year: none between its years, said without contradiction
    assert "Inget registrerat tidsseriebrott ligger mellan två av åren 2020–2022" in text
    assert "Perioden börjar samma år som ett tidsseriebrott, så jämförelser" in text  # 2020
    assert "Inget registrerat tidsseriebrott ligger inom" not in text
    assert "Skattade antal" in text and "Bloom" in text


# -- the report end to end ------------------------------------------------------------------
class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.rows:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, tuple[str, float]]:
    out = tmp_path_factory.mktemp("screening")
    res = {}
    t0 = time.perf_counter()
    sv = run_report("candidate_screening", {}, output_root=out)
    res["sv"] = (sv.html.read_text(encoding="utf-8"), time.perf_counter() - t0)
    t0 = time.perf_counter()
    en = run_report(
        "candidate_screening",
        {"lang": "en", "lan": "01", "top": 8, "w_need": 2.0, "w_similarity": 1.0,
         "w_detectability": 1.0},
        output_root=out,
    )  # fmt: skip
    res["en"] = (en.html.read_text(encoding="utf-8"), time.perf_counter() - t0)
    return res


def _parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    return c


@pytest.mark.slow
def test_report_swedish(reports, base):
    html, seconds = reports["sv"]
    doc = _parse(html)
    text = " ".join(doc.text)
    assert '<html lang="sv">' in html
    assert "Vilka kommuner passar för en utvidgning av piloten?" in text
    hud_rank = resort_ranks(base, DEFAULT_WEIGHTS)[HUDDINGE]
    hud_rows = [r for r in doc.rows if len(r) == 11 and r[1] == "Huddinge (0126)"]
    assert len(hud_rows) == 1 and hud_rows[0][0] == str(hud_rank)
    # weights shown: 1/3 each, and the total
    assert text.count("33,3\xa0%") >= 3 and "100,0\xa0%" in text
    assert "Lika vikter (33/33/33)" in text
    # the caveats: a screening aid, ambiguous direction, estimated counts, small counts
    assert "inte ett beslut" in text and "kan öka antalet anmälningar" in text
    assert "skattade" in text and "”..”" in text
    # top 30 rows, ranks 1..30, Huddinge inside them
    main = [r for r in doc.rows if len(r) == 11 and r[0].isdigit()]
    assert [int(r[0]) for r in main] == list(range(1, 31))
    assert seconds < 60


@pytest.mark.slow
def test_report_english_with_lan_and_weights(reports, base):
    html, _ = reports["en"]
    doc = _parse(html)
    text = " ".join(doc.text)
    assert '<html lang="en">' in html
    assert "Which kommuner suit an expansion of the pilot?" in text
    assert "The 8 highest-ranked kommuner in Stockholms län" in text
    ranks = resort_ranks(base, {"need": 0.5, "similarity": 0.25, "detectability": 0.25})
    main = [r for r in doc.rows if len(r) == 11 and r[0].isdigit()]
    lan = base.filter(pl.col("area_code").str.starts_with("01") & ~pl.col("is_pilot"))
    expected = sorted((ranks[c], c) for c in lan["area_code"].to_list())[:8]
    assert [int(r[0]) for r in main[:8]] == [r for r, _ in expected]
    assert main[-1][1] == "Huddinge (0126)" and int(main[-1][0]) == ranks[HUDDINGE]
    assert "50.0%" in text and "25.0%" in text
    assert "Weights given: need 2, similarity 1, detectability 1." in text
    assert "Chosen weights (50/25/25)" in text
    assert "can raise the number of reports" in text


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_report_has_no_code_and_alt_text_everywhere(reports, lang):
    html, _ = reports[lang]
    doc = _parse(html)
    assert "jp-InputArea" not in html and "input_area" not in html
    assert "candidate_screening(" not in html and "report.main_table" not in html
    assert "Traceback" not in html
    imgs = [a for t, a in doc.tags if t == "img"]
    assert len(imgs) == 1
    for a in imgs:
        assert a["src"].startswith("data:image/png;base64,")
        alt = a.get("alt") or ""
        assert len(alt) > 100 and "Huddinge" in alt
    assert ("Källa: Kolada" if lang == "sv" else "Source: Kolada") in " ".join(doc.text)


def test_report_notebook_is_thin():
    src = (Path(__file__).parents[1] / "notebooks" / "candidate_screening.py").read_text()
    code = [ln for ln in src.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert not any(w in src for w in ("import polars", "import numpy", "screen_candidates"))
    assert len(code) < 40


def test_doctests_run():
    import doctest

    import research.views.candidate_screening.charts as plots_mod
    import research.views.candidate_screening.sections as views_mod
    import research.views.candidate_screening.texts as texts_mod

    for mod in (views_mod, plots_mod, texts_mod):
        res = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert res.failed == 0 and res.attempted > 0, mod.__name__


def test_intro_and_sensitivity_sections(panel, report):
    intro = str(report.title()) + str(report.intro())
    assert intro.count("33,3\xa0%") == 3 and "100,0\xa0%" in intro
    assert "standardvikterna" in intro and "Södermalm" in intro
    assert "kan öka antalet anmälningar" in intro and "skattade" in intro
    sens = str(report.sensitivity_table())
    assert "<strong>Huddinge (0126)</strong>" in sens
    assert "Bara behov (100/0/0)" in sens and "Tyngd på påvisbarhet (25/25/50)" in sens
    en = candidate_screening(panel=panel, lang="en", lan="Stockholms län", w_detectability=0)
    intro = str(en.title()) + str(en.intro())
    assert "the table shows Stockholms län" in intro
    assert "Weights given: need 0.333, similarity 0.333, detectability 0." in intro
    assert intro.count("50.0%") == 2 and "0.0%" in intro
    sens = str(en.sensitivity_table())
    assert "Chosen weights (50/50/0)" in sens and "Equal weights (33/33/33)" in sens


# -- focus kommun and the pilot excluded (issue 14) ----------------------------------------
def test_focus_parameter_follows_another_kommun(panel, base):
    rep = candidate_screening(panel=panel, focus="Botkyrka", top=5)
    assert rep.focus.code == "0127"
    ranks = resort_ranks(base, DEFAULT_WEIGHTS)
    shown = rep.shown()
    assert shown["area_code"].to_list()[-1] == "0127"
    assert shown["rank"].to_list()[-1] == ranks["0127"]
    html = str(rep.main_table())
    assert "<strong>Botkyrka (0127)</strong>" in html
    assert "<strong>Huddinge (0126)</strong>" not in html
    assert (
        f"Botkyrka (0127), den kommun rapporten följer, hamnar på plats {ranks['0127']} av 289"
        in html
    )
    assert "0127" in rep.sensitivity["area_code"].to_list()
    d = rep.chart_data()
    assert d.filter(pl.col("role") == "focus")["area_code"].to_list() == ["0127"]


@pytest.mark.parametrize(
    ("kw", "sv"),
    [
        ({"top": 0}, "top ska vara ett heltal >= 1 (rader i tabellen); fick 0"),
        ({"years": "2022-2020"}, "years: första året (2022) är efter det sista (2020)"),
        ({"years": "abc"}, "years ska skrivas som '2020-2022'"),
        ({"years": "2004-2006"}, "years 2004–2006 ligger utanför data för N07402 (2008–2022)"),
        ({"w_need": -1}, "w_need ska vara ett ändligt tal >= 0; fick -1"),
        ({"w_need": "x"}, "w_need ska vara ett tal >= 0 (en relativ vikt); fick 'x'"),
        ({"w_need": 0, "w_similarity": 0, "w_detectability": 0}, "Alla tre vikterna"),
        ({"lan": "0126"}, "lan ska vara ett län (tvåsiffrig kod som '01' eller ett namn"),
        ({"pilot": "01"}, "pilot ska vara en kommun; Stockholms län (01) är ett län. Data finns"),
        ({"focus": "0180"}, "focus = Stockholm (0180) är själva pilotkommunen"),
        ({"focus": "  "}, "focus ska vara en kommun, kod eller namn"),
        ({"lan": "01", "areas": "skr:Storstäder"}, "ange antingen lan eller areas"),
        ({"indicator": "N01951"}, "indicator N01951 (Folkmängd) är inte en takt per invånare"),
    ],
)
def test_parameter_errors_in_swedish(panel, kw, sv):
    """Every parameter error of the report has a Swedish text (shown when lang="sv")."""
    with pytest.raises(ParameterError) as info:
        candidate_screening(panel=panel, **kw)
    assert info.value.message("sv").startswith(sv), info.value.message("sv")
    assert info.value.message("sv") != str(info.value)
    assert "\n" not in info.value.message("sv")


def test_focus_is_checked(panel):
    with pytest.raises(ParameterError, match=r"focus = Stockholm .* is the pilot kommun"):
        candidate_screening(panel=panel, focus="0180")
    with pytest.raises(ParameterError, match="focus must be a kommun; Stockholms län"):
        candidate_screening(panel=panel, focus="01")
    with pytest.raises(ParameterError, match="focus must be a kommun"):
        candidate_screening(panel=panel, focus="  ")
    from research.runner.params import parse_cli_value, validate

    assert validate("candidate_screening", {"focus": "Botkyrka"}) == {"focus": "0127"}
    assert parse_cli_value("0127", "focus") == "0127"
    with pytest.raises(ParameterError, match="pilot kommun itself"):
        validate("candidate_screening", {"focus": "Stockholm"})
    with pytest.raises(ParameterError, match="focus must be a kommun"):
        validate("candidate_screening", {"focus": "01"})


def test_pilot_is_not_ranked_in_the_report(panel, base, report):
    shown = report.shown()
    assert "0180" not in shown["area_code"].to_list()
    assert report.n == 289
    html = str(report.main_table())
    assert "Stockholm (0180), pilot" not in html
    x, e = pooled(panel, "0180")
    big_x, big_e = pooled(panel, "00")
    ratio = (x / e) / (big_x / big_e)
    assert (
        f"Stockholm (0180) är pilotkommunen och därför ingen kandidat: den rangordnas inte, "
        f"och poängen räknas bland de övriga 289 kommunerna. Som jämförelse är dess kvot mot "
        f"riket {fmt_sv(ratio)} ("
    ) in html
    assert (
        "Rang = plats bland 289 kandidatkommuner (pilotkommunen Stockholm (0180) ingår inte)"
        in html
    )


def test_main_table_is_compact_with_an_abbreviation_legend(panel, report):
    html = str(report.main_table())
    assert '<table class="data" style="font-size:0.85em">' in html
    heads = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', html)
    assert heads == [
        "Rang",
        "Kommun",
        "Antal",
        "Kvot",
        "KI",
        "P",
        "Avst.",
        "P",
        "MPM",
        "P",
        "Total",
    ]
    assert max(len(h) for h in heads) <= 6  # short headers: no wrapping in an A4 column
    assert "MPM = minsta påvisbara minskning" in html and "KI = 95\xa0% konfidensintervall" in html
    assert "white-space:nowrap" in html
    en = str(candidate_screening(panel=panel, lang="en").main_table())
    assert "MDD = minimum detectable decrease" in en


def test_notes_word_the_screening_warnings_in_the_report_language(panel):
    """The screening's caveats (typed warnings) appear in the notes in the report's language."""
    gap = panel.filter(~((pl.col("area_code") == "0114") & (pl.col("indicator") == "N07403")))
    sv = str(candidate_screening(panel=gap).notes())
    en = str(candidate_screening(panel=gap, lang="en").notes())
    assert (
        "Kommuner utan likhetsavstånd får poängen 0 för likhet (1 st.), bland dem Upplands "
        "Väsby (0114)." in sv
    )
    assert "rangordnas inte efter likhet (1 st.), bland dem Upplands Väsby (0114)" in sv
    assert "similarity" not in sv.lower() and "Similarity" not in sv
    assert (
        "without a similarity distance score 0 on similarity (1 in all), among them Upplands "
        "Väsby (0114)." in en
    )
    assert "not ranked by similarity (1 in all), among them Upplands Väsby (0114)" in en
    assert "likhetsavstånd" not in str(candidate_screening(panel=panel).notes())
