"""The decision brief ("Beslutsunderlag"): its numbers are the full reports' numbers.

The brief is built from the same analyses as ``pilot_vs_candidate`` and ``pilot_effect``;
these tests rebuild those reports independently and compare the brief's numbers with theirs
exactly (the verdict code, the synthetic-control estimate, the candidate's rate and interval,
rank and trend), check the pooled rate of the similar kommuner against the closed-form exact
Poisson interval (Garwood, from scipy's chi-square quantiles), the detectability horizon
against the power calculator, and that bad parameters give the one-line error of the other
reports.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from scipy.stats import chi2

from research.analyses.effect import PLAUSIBLE_DROP
from research.cli import main
from research.core.errors import ParameterError, UnknownAreaError
from research.runner.params import validate
from research.stats.power import can_detect
from research.views.decision_brief.sections import K_SIMILAR, DecisionBrief, decision_brief
from research.views.pilot_effect.sections import pilot_effect
from research.views.pilot_vs_candidate.sections import pilot_vs_candidate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def brief() -> DecisionBrief:
    return decision_brief(lang="sv")


def test_effect_numbers_are_the_effect_reports(brief: DecisionBrief) -> None:
    full = pilot_effect(lang="sv").analysis
    mine = brief.effect
    assert mine.conclusion.verdict == full.conclusion.verdict
    assert mine.conclusion.significant == full.conclusion.significant
    assert mine.synth.att == full.synth.att and mine.synth.att_pct == full.synth.att_pct
    assert mine.synth.p_value == full.synth.p_value
    assert mine.evidence.estimates == full.evidence.estimates
    assert mine.evidence.power_plausible == full.evidence.power_plausible
    assert mine.evidence.dilution == full.evidence.dilution
    assert mine.evidence.breaks == full.evidence.breaks
    text = str(brief.effect_section())
    assert full.conclusion.verdict == "cannot_tell"  # the case's verdict, as in the golden text
    assert "Datan kan inte avgöra om piloten fungerade." in text


def test_need_numbers_are_the_comparison_reports(brief: DecisionBrief) -> None:
    full = pilot_vs_candidate(lang="sv")
    frame = brief.need_frame()
    assert frame["indicator"].to_list() == full.indicators
    cand = full.candidate.code
    for r in frame.iter_rows(named=True):
        value, ci = full.rate_ci(r["indicator"], cand, r["year"])
        assert (r["rate"], r["lower"], r["upper"]) == (value, ci.lower, ci.upper)
        rr = full.rate_ratio_result(r["indicator"], r["year"])
        assert (r["ratio"], r["ratio_lower"], r["ratio_upper"]) == (rr.ratio, rr.lower, rr.upper)
        tr = full.trend_result(r["indicator"], cand)
        assert (r["trend"], r["trend_lower"], r["trend_upper"]) == (
            tr.pct_change,
            tr.lower,
            tr.upper,
        )
    # the approved text of the comparison report shows the same rate, interval and rank
    golden = (Path(__file__).parent / "golden" / "pilot_vs_candidate.sv.txt").read_text()
    first = frame.row(0, named=True)
    assert first["indicator"] == "N07402" and first["year"] == 2022
    block = "\n".join(["9,6", "4,8–17,2", "12,9", "10,8–15,3", "11,8", "11,2–12,5"])
    assert block in golden and (first["rank"], first["n_ranked"]) == (129, 290)
    assert "129 av 290" in golden
    assert round(first["rate"], 1) == 9.6 and round(first["lower"], 1) == 4.8
    assert round(first["trend"], 1) == -0.1 and round(first["trend_lower"], 1) == -24.8


def test_similar_kommuner_rate_is_the_exact_pooled_rate(brief: DecisionBrief) -> None:
    codes = brief.neighbours["area_code"].head(K_SIMILAR).to_list()
    assert len(codes) == K_SIMILAR and brief.comparison.candidate.code not in codes
    assert codes[:4] == ["0181", "0136", "0682", "0127"]  # as the comparison report lists them
    row = brief.need_frame().row(0, named=True)
    d = brief.comparison.panel.filter(
        (pl.col("indicator") == row["indicator"])
        & pl.col("area_code").is_in(codes)
        & (pl.col("sex") == "T")
        & (pl.col("year") == row["year"])
    )
    x = float(d["count_est"].sum())
    e = float(d["population"].sum())
    assert row["similar_rate"] == pytest.approx(1e5 * x / e, rel=1e-12)
    # Garwood's exact interval from the chi-square quantiles, independent of research.stats
    assert row["similar_lower"] == pytest.approx(1e5 * chi2.ppf(0.025, 2 * x) / 2 / e, rel=1e-9)
    assert row["similar_upper"] == pytest.approx(1e5 * chi2.ppf(0.975, 2 * x + 2) / 2 / e, rel=1e-9)


def test_detectability_follows_the_power_calculation(brief: DecisionBrief) -> None:
    base = brief.baseline_count()
    counts = brief.comparison.counts("N07402", "0126", (2020, 2022))
    assert base == pytest.approx(float(counts["count"].mean()), rel=1e-12)
    res = brief.detectability()
    assert [k for k, _ in res] == list(range(1, 11))
    for k, d in res:
        ref = can_detect(PLAUSIBLE_DROP, base, years_pre=3, years_post=k)
        assert d.power == ref.power
        assert str(d.mde.mde_pct) == str(ref.mde.mde_pct)  # nan (none detectable) included
    powers = [float(d.power) for _, d in res]
    assert powers == sorted(powers)  # more years after the start never lose power
    # three years after the start: the comparison report's answer (its approved text)
    golden = (Path(__file__).parent / "golden" / "pilot_vs_candidate.sv.txt").read_text()
    three = dict(res)[3]
    # (the exact conditional test: about 74 cases in 3 + 3 years, few enough for 'auto')
    assert three.mde.inference == "exact"
    assert round(100 * float(three.power)) == 12 and round(float(three.mde.mde_pct)) == 57
    assert "sannolikheten 12 %" in golden.replace("\u00a0", " ")
    assert "minskning som upptäcks med 80 % sannolikhet är 57 %" in golden.replace("\u00a0", " ")
    # about 12 cases a year: a 20 % drop stays undetectable within ten years
    assert not any(d.detectable for _, d in res) and powers[-1] < 0.8
    text = str(brief.power()).replace("\u00a0", " ")
    assert "skulle inte upptäckas med 80 % sannolikhet ens efter 10 år" in text
    # the over-dispersion sentence uses the candidate's own (the comparison report's, 1.82),
    # not the pilot's from the effect analysis (Stockholm's 3.15 was applied to Huddinge)
    phi, _ = brief.comparison.detect_overdispersed()
    assert round(phi, 2) == 1.82 and round(brief.effect.overdispersion, 2) != 1.82
    over = can_detect(PLAUSIBLE_DROP, base, years_pre=3, years_post=10, overdispersion=phi)
    assert (
        f"trenden för Huddinge 2015–2022 (faktor 1,82) vore sannolikheten efter 10 år bara "
        f"{round(100 * float(over.power))} %" in text
    )


def test_pilot_similarity_is_stockholms_rank(brief: DecisionBrief) -> None:
    s = brief.pilot_similarity()
    nb = brief.neighbours
    hit = nb.filter(pl.col("area_code") == "0180")
    assert s is not None and s.rank == hit["rank"][0] and s.n == nb.height == 289
    assert s.distance == hit["distance"][0] and s.nearest == nb["distance"].min()


@pytest.mark.parametrize(
    ("values", "error", "match"),
    [
        ({"candidate": "XYZ"}, UnknownAreaError, "XYZ"),
        ({"candidate": "0180"}, ParameterError, "same area"),
        ({"lang": "de"}, ParameterError, "sv, en"),
        ({"candidate": "01"}, ParameterError, "must be a kommun"),
        ({"start_year": 2020}, ParameterError, "fewer than 3 years before the pilot start"),
    ],
)
def test_bad_parameters_are_refused_before_a_kernel_starts(
    values: dict, error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        validate("decision_brief", values)


def test_cli_error_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for arg in ("candidate=XYZ", "candidate=Stockholm", "lang=de"):
        assert main(["report", "decision_brief", "-p", arg, "--output", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1, err
        assert "Traceback" not in err


def test_batch_with_a_decision_brief_job_lists_it_in_the_index(tmp_path: Path) -> None:
    sched = tmp_path / "schedule.toml"
    sched.write_text(
        '[[job]]\nnotebook = "decision_brief"\nparameters = { pilot = "0180" }\n'
        'each = { parameter = "candidate", areas = ["Huddinge"] }\n',
        encoding="utf-8",
    )
    out = tmp_path / "reports"
    assert main(["batch", str(sched), "--workers", "1", "--output", str(out), "--no-progress"]) == 0
    page = out / "decision_brief_0180_0126_sv" / "report.html"
    assert "Beslutsunderlag: Huddinge och piloten IGOR" in page.read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('href="decision_brief_0180_0126_sv/report.html"') == 1
    assert "Beslutsunderlag: Huddinge och piloten IGOR" in index and "0 misslyckade" in index


def test_the_shipped_schedule_has_a_decision_brief_job_for_stockholms_lan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tomllib

    from research.runner.batch import expand_schedule

    root = Path(__file__).resolve().parents[1]
    sched = tomllib.loads((root / "reports" / "schedule.toml").read_text(encoding="utf-8"))
    tasks = [t for t in expand_schedule(sched) if t.notebook == "decision_brief"]
    assert len(tasks) == 25 and {"0126", "0127"} <= {t.parameters["candidate"] for t in tasks}
    # the benchmark builds its own schedule (pilot_vs_candidate only), not this file
    monkeypatch.syspath_prepend(str(root / "benchmarks"))
    import bench_batch

    bench = bench_batch.schedule_toml(None)
    assert bench.count("[[job]]") == 1 and 'notebook = "pilot_vs_candidate"' in bench
