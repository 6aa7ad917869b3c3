"""Fast checks of the benchmark harness's pure helpers (``benchmarks/``); no timing is run.

Expected values are worked out by hand in each test (medians of small series, a mean squared
gap, the text a reader sees in a hand-written page).
"""

from __future__ import annotations

import json
import math
import sys
import tomllib
from pathlib import Path

import polars as pl
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_batch  # noqa: E402
import bench_report  # noqa: E402
import bench_scale  # noqa: E402
import bench_synth  # noqa: E402
from benchstats import (  # noqa: E402
    Measurement,
    format_seconds,
    format_table,
    ratio,
    summarize,
    target_met,
)
from htmltext import compare_contents, report_content  # noqa: E402


def test_summarize_median_min_max() -> None:
    s = summarize([5.0, 1.0, 3.0])
    assert (s.median, s.min, s.max, s.n) == (3.0, 1.0, 5.0, 3)
    assert summarize([4.0, 1.0, 2.0, 3.0]).median == 2.5  # mean of the two middle values
    assert summarize([7]).as_dict()["values"] == [7.0]


@pytest.mark.parametrize("bad", [[], [1.0, math.nan], [math.inf]])
def test_summarize_rejects_empty_and_non_finite(bad: list[float]) -> None:
    with pytest.raises(ValueError):
        summarize(bad)


def test_ratio_and_targets() -> None:
    assert ratio(300.0, 2.0) == 150.0
    assert ratio(1.0, 0.0) == math.inf
    assert target_met(1.5, "<=", 1.5) is True
    assert target_met(1.51, "<=", 1.5) is False
    assert target_met(2.9, ">=", 3.0) is False
    assert target_met(0.049, "<", 0.05) is True
    assert target_met(None, ">=", 3.0) is None
    with pytest.raises(ValueError):
        target_met(1.0, "==", 1.0)  # type: ignore[arg-type]


def test_format_seconds_units() -> None:
    assert format_seconds(0.0141) == "14.1 ms"
    assert format_seconds(2.345) == "2.35 s"
    assert format_seconds(61.4) == "61.4 s"
    assert format_seconds(233.7) == "234 s"


def test_table_shows_lower_bound_and_missed_target() -> None:
    rows = [
        Measurement(
            "synth",
            summarize([1.0, 2.0, 4.0]),
            None,
            baseline_label="did not finish in 600 s",
            ratio=300.0,
            ratio_bound=">=",
            target=">= 100x",
            met=True,
        ),
        Measurement("batch", summarize([10.0]), summarize([20.0]), ratio=2.0, met=False),
    ]
    text = format_table(rows)
    lines = text.splitlines()
    assert lines[0].split() == ["benchmark", "ours", "baseline", "ratio", "target", "met?"]
    assert "2.00 s [1.00 s-4.00 s] (n=3)" in lines[2]
    assert ">=300x" in lines[2] and lines[2].endswith("yes")
    assert lines[3].endswith("NO")
    assert json.loads(json.dumps(rows[0].as_dict()))["ratio_is_lower_bound"] is True


_OURS = """<html><body><header><table class="params"><tr><th>candidate</th><td>Huddinge</td>
</tr></table></header><main><div class="cell border-box-sizing code_cell rendered">
<div class="output_area"><h1 id="t">Huddinge jämfört<a class="anchor-link" href="#t">¶</a></h1>
<table class="data"><tr><th>Indikator</th><td class="num">1&nbsp;234,5</td></tr></table>
<img src="data:image/png;base64,AAAA"></div></div></main>
<footer>Skapad: 2026-11-26 15:00</footer></body></html>"""

_LAB = """<html><head><style>.x{}</style></head><body class="jp-Notebook">
<div class="jp-Cell jp-CodeCell"><div class="jp-OutputArea-output">
<h1 id="t">Huddinge jämfört<a class="anchor-link" href="#t">¶</a></h1>
<table class="data"><tr><th>Indikator</th><td class="num">1&nbsp;234,5</td></tr></table>
<img src="data:image/png;base64,AAAA"/></div>
<div class="jp-OutputArea-output" data-mime-type="application/vnd.jupyter.stderr">
<pre>UserWarning: something</pre></div></div></body></html>"""


def test_report_content_ignores_wrapping_and_stderr() -> None:
    ours, lab = report_content(_OURS), report_content(_LAB)
    assert ours.text == ["Huddinge jämfört", "Indikator", "1\xa0234,5"]
    assert ours.table_cells == ["Indikator", "1\xa0234,5"]
    assert len(ours.images) == 1
    assert lab.stderr_blocks == 1
    cmp = compare_contents(ours, lab)
    assert cmp["text_identical"] and cmp["tables_identical"] and cmp["images_identical"]


def test_compare_contents_reports_first_difference() -> None:
    other = report_content(_LAB.replace("234,5", "234,6"))
    cmp = compare_contents(report_content(_OURS), other)
    assert not cmp["text_identical"] and not cmp["tables_identical"]
    assert cmp["first_text_difference"]["index"] == 2


def test_empty_notebook_keeps_only_parameters_cell(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parents[1] / "notebooks" / "pilot_vs_candidate.ipynb"
    out = bench_report.make_empty_notebook(src, tmp_path / "empty.ipynb")
    nb, orig = json.loads(out.read_text()), json.loads(src.read_text())
    assert len(nb["cells"]) == 1
    assert nb["cells"][0]["metadata"]["tags"] == ["parameters"]
    assert nb["metadata"]["kernelspec"] == orig["metadata"]["kernelspec"]


def test_phase_plan_of_the_default_notebook() -> None:
    src = Path(__file__).resolve().parents[1] / "notebooks" / "pilot_vs_candidate.ipynb"
    nb = json.loads(src.read_text())
    plan = bench_report.phase_plan(nb, 'candidate = "0126"')
    labels = [label for label, _ in plan]
    # imports and data load ahead of the cells; every code cell once, in order
    assert labels[:3] == ["imports", "data load", "parameters"]
    assert len(plan) == 2 + sum(c["cell_type"] == "code" for c in nb["cells"])
    assert plan[2][1].endswith('candidate = "0126"')
    assert labels.count("chart: trend *") == 1 and labels.count("chart: funnel") == 1
    assert "statistics: build the report (pilot_vs_candidate)" in labels
    assert "statistics: similar" in labels and "text: caveats" in labels


def test_format_phases_shares() -> None:
    text = bench_report.format_phases({"a": 0.5, "b": 1.5}, total=4.0)
    # 0.5 / 4 = 12.5 % -> "12 %" (round half to even), 1.5 / 4 = 38 %, sum 2.0 / 4 = 50 %
    assert text.splitlines() == [
        "a    500 ms  12 %",
        "b    1.50 s  38 %",
        "sum  2.00 s  50 %",
    ]


def test_scale_schedule_covers_every_kommun_but_the_pilot() -> None:
    from research.runner.batch import expand_schedule

    tasks = expand_schedule(tomllib.loads(bench_scale._schedule(None)))
    codes = [t.parameters["candidate"] for t in tasks]
    assert len(codes) == 289 == len(set(codes)) and "0180" not in codes  # 290 minus Stockholm
    two = expand_schedule(tomllib.loads(bench_scale._schedule(["0114", "0115"])))
    assert [t.parameters["candidate"] for t in two] == ["0114", "0115"]
    assert bench_scale.reports_per_second(289, 578.0) == 0.5


def test_schedule_and_loop_script() -> None:
    sched = tomllib.loads(bench_batch.schedule_toml(None))
    assert sched["batch"]["workers"] == 2
    assert sched["job"][0]["each"] == {"parameter": "candidate", "areas": "lan:01"}
    assert sched["job"][0]["parameters"] == {"pilot": "0180", "lang": "sv"}
    quick = tomllib.loads(bench_batch.schedule_toml(["0114", "0126"]))
    assert quick["job"][0]["each"]["areas"] == ["0114", "0126"]
    script = bench_batch.loop_script(Path("/p"), Path("/o"), ["0114", "0126"])
    assert "for code in 0114 0126; do" in script
    assert '-r candidate "$code"' in script  # -p would turn 0126 into the integer 126
    assert "nbconvert --to html --no-input" in script


def test_fit_window_mspe_by_hand() -> None:
    # Treated 1, 2, 3; donors b = 0, 0, 0 and c = 2, 2, 2; W = (0.5, 0.5): synthetic 1, 1, 1,
    # gaps 0, 1, 2 over the fit window 1-3, MSPE = (0 + 1 + 4) / 3. Year 4 is outside.
    rows = [("a", t, float(t)) for t in (1, 2, 3, 4)]
    rows += [("b", t, 0.0) for t in (1, 2, 3, 4)] + [("c", t, 2.0) for t in (1, 2, 3, 4)]
    d = pl.DataFrame(rows, schema=["u", "t", "y"], orient="row")
    spec = {"unit": "u", "time": "t", "outcome": "y", "treated": "a", "fit_window": (1, 3)}
    assert bench_synth.fit_window_mspe(d, spec, {"b": 0.5, "c": 0.5}) == pytest.approx(5 / 3)


def test_panel_shape_and_pysyncon_spec(tmp_path: Path) -> None:
    panel = bench_synth.make_panel()
    assert panel.shape == (39 * 31, 6)
    assert panel.filter(pl.col("unit") == "u01").height == 31
    assert make_twice_equal()
    spec = bench_synth._spec_for_pysyncon(tmp_path / "x.csv", bench_synth.BASQUE_SPEC, True)
    assert spec["predictor_window"] == {"first": 1964, "last": 1969}
    assert spec["special_predictors"][-1] == ["popdens", [1969], "mean"]
    assert spec["unit_dtype"] == "int64" and len(spec["donors"]) == 16


def make_twice_equal() -> bool:
    """The panel is generated from a fixed seed: two calls give the same frame."""
    return bench_synth.make_panel().equals(bench_synth.make_panel())


def test_csv_download_links_are_not_report_content() -> None:
    # our page puts a CSV link under every data table; the loop's page has none
    table = '<div class="jp-Cell"><table class="data"><tr><td>1,5</td></tr></table>'
    link = '<a class="csv-download" href="data:text/csv,x" download="r-1.csv">Ladda ner</a>'
    ours = report_content(f"<html><body>{table}{link}</div></body></html>")
    loop = report_content(f"<html><body>{table}</div></body></html>")
    assert ours.text == loop.text == ["1,5"]
    assert compare_contents(ours, loop)["text_identical"] is True


def test_process_roles_of_batch_and_loop_trees() -> None:
    from memory import process_role

    py = "/p/.venv/bin/python"
    assert process_role([py, "-m", "ipykernel_launcher", "-f", "c.json"]) == "kernel"
    assert process_role([py, "/p/.venv/bin/pilotbench", "batch", "s.toml"]) == "pilotbench batch"
    # the loop's papermill names the kernelspec "pilotbench": still papermill
    assert process_role([py, ".venv/bin/papermill", "a.ipynb", "-k", "pilotbench"]) == "papermill"
    assert process_role([py, ".venv/bin/jupyter-nbconvert", "--to", "html"]) == "nbconvert"
    assert process_role(["bash", "loop.sh"]) == "bash"
    assert process_role([py, "-c", "from research.runner.batch import _data_check_main"]) == (
        "python"
    )


def test_memory_standalone_measures_a_command_and_its_cpu(tmp_path: Path, capsys) -> None:
    """``benchmarks/memory.py -- CMD``: a child that allocates ~64 MiB and burns CPU."""
    from memory import cpu_by_role, main

    code = (
        "import time; b = bytearray(64 * 2**20); b[::4096] = b'x' * len(b[::4096]); "
        "t = time.process_time()\nwhile time.process_time() - t < 0.6: pass\ntime.sleep(0.5)"
    )
    out = tmp_path / "m.json"
    rc = main(["--interval", "0.05", "--log", str(tmp_path / "m.log"), "--json", str(out), "--",
               sys.executable, "-c", code])  # fmt: skip
    assert rc == 0
    printed = capsys.readouterr().out
    assert "peak of the sums: RSS" in printed and "CPU s by role: python" in printed
    record = json.loads(out.read_text())
    assert record["peak_rss_sum"] >= 64 * 2**20  # every page of the buffer was touched
    procs = list(record["processes"].values())
    assert [p["role"] for p in procs] == ["python"]
    assert 0.5 <= procs[0]["cpu_s"] <= 5.0  # it spun 0.6 s of CPU before the last samples
    r = bench_batch.TreeRun(0, 1.0, False)
    r.processes = {1: {"role": "kernel", "cpu_s": 2.0}, 2: {"role": "kernel", "cpu_s": 3.5},
                   3: {"role": "pilotbench batch", "cpu_s": 1.25}}  # fmt: skip
    assert cpu_by_role(r) == {"kernel": 5.5, "pilotbench batch": 1.25}
