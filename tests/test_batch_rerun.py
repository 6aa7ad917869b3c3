"""Re-running a batch: stable digests, one report per folder, counts in good grammar.

* An identical re-run is "unchanged" in the index: the digest hashes what the reader sees
  (the richest representation of each output), not ``text/plain`` reprs whose memory
  addresses change with every kernel; a changed number still counts as changed.
* Two schedule entries that would write the same report folder (``candidate = "0126"`` and
  ``candidate = "Huddinge"``), or an ``each.areas`` list naming a kommun twice, are refused
  before any kernel starts: one line, exit status 2.
* The index's counts are singular for one ("1 rapport", "1 oförändrad") in both languages.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from research.cli import main
from research.core.errors import ParameterError
from research.runner.batch import Task, TaskResult, expand_schedule, report_digest, write_index
from research.views.batch_index.page import IndexEntry, index_page
from tests.swedish import swedish_message


def _notebook(folder: Path, outputs: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nb = {"metadata": {}, "cells": [{"cell_type": "code", "execution_count": 1,
                                     "outputs": outputs, "metadata": {}}]}  # fmt: skip
    (folder / "notebook.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return folder


def _shown(html: str, address: str) -> dict:
    data = {"text/html": [html], "text/plain": [f"<research.views.html.Html at {address}>"]}
    return {"output_type": "display_data", "data": data, "metadata": {}}


# -- 1. the digest ------------------------------------------------------------------------


def test_digest_ignores_reprs_with_memory_addresses(tmp_path: Path) -> None:
    a = _notebook(tmp_path / "a", [_shown("<p>Huddinge 12,3</p>", "0x7efea80a6150")])
    b = _notebook(tmp_path / "b", [_shown("<p>Huddinge 12,3</p>", "0x7f9c13ed7d10")])
    assert report_digest(a) == report_digest(b)
    # a genuine change in what the reader sees still counts
    c = _notebook(tmp_path / "c", [_shown("<p>Huddinge 12,4</p>", "0x7efea80a6150")])
    assert report_digest(c) != report_digest(a)

    # a chart (an image beside its repr) is part of what is shown, the repr is not
    def chart(png: str, address: str) -> dict:
        data = {"image/png": png, "text/plain": [f"<Figure at {address}>"]}
        return {"output_type": "display_data", "data": data, "metadata": {}}

    d = _notebook(tmp_path / "d", [chart("iVBORw0KGgo=", "0x1")])
    e = _notebook(tmp_path / "e", [chart("iVBORw0KGgo=", "0x2")])
    f = _notebook(tmp_path / "f", [chart("iVBORw0KGgp=", "0x1")])
    assert report_digest(d) == report_digest(e) != report_digest(f)


def test_digest_of_plain_text_only_outputs(tmp_path: Path) -> None:
    def plain(text: str) -> dict:
        return {"output_type": "execute_result", "execution_count": 1, "metadata": {},
                "data": {"text/plain": text}}  # fmt: skip

    def out(text: str) -> dict:
        return {"output_type": "stream", "name": "stdout", "text": text}

    a = _notebook(tmp_path / "a", [plain("<object at 0x7f01>"), out("12 at 0xab rows\n")])
    b = _notebook(tmp_path / "b", [plain("<object at 0x7f99>"), out("12 at 0xcd rows\n")])
    assert report_digest(a) == report_digest(b)
    c = _notebook(tmp_path / "c", [plain("13 rows"), out("12 at 0xab rows\n")])
    d = _notebook(tmp_path / "d", [plain("14 rows"), out("12 at 0xab rows\n")])
    assert report_digest(c) != report_digest(d)


@pytest.mark.slow
def test_identical_rerun_is_unchanged(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The tester's case: the same one-job schedule run twice (one real report each)."""
    sched = tmp_path / "one.toml"
    sched.write_text(
        '[[job]]\nnotebook = "pilot_vs_candidate"\n'
        'parameters = { pilot = "0180", candidate = "Botkyrka" }\n',
        encoding="utf-8",
    )
    out = tmp_path / "reports"
    args = ["batch", str(sched), "--workers", "1", "--no-progress", "--output", str(out)]
    capsys.readouterr()
    assert main(args) == 0
    assert capsys.readouterr().out.startswith("1 report ok, 0 failed, in ")  # one, singular
    (first,) = out.glob("*/notebook.ipynb")
    digest = report_digest(first.parent)
    assert main(args) == 0
    assert report_digest(first.parent) == digest
    page = (out / "index.html").read_text("utf-8")
    assert 'data-change="unchanged"' in page and 'data-change="changed"' not in page
    assert "Rapporter: 0 nya, 0 ändrade, 1 oförändrad och 0 misslyckade." in page
    assert "1 rapport i mappen; 0 misslyckade i senaste körningen" in page
    capsys.readouterr()


# -- 2. two entries, one report folder ------------------------------------------------------


def _refused(capsys: pytest.CaptureFixture, sched: Path, lang: str) -> str:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PILOTBENCH_LANG", lang)
        assert main(["batch", str(sched), "--no-progress"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_two_jobs_writing_one_folder_are_refused(
    tmp_path: Path, reports_tmp: Path, capsys: pytest.CaptureFixture
) -> None:
    sched = tmp_path / "dup.toml"
    sched.write_text(
        '[[job]]\nnotebook = "pilot_vs_candidate"\n'
        'parameters = { pilot = "0180", candidate = "0126" }\n'
        '[[job]]\nnotebook = "pilot_vs_candidate"\n'
        'parameters = { pilot = "0180", candidate = "Huddinge" }\n',
        encoding="utf-8",
    )
    en = _refused(capsys, sched, "en")
    assert str(sched) in en
    assert "job 1" in en and "job 2" in en
    assert "'0126'" in en and "'Huddinge'" in en
    assert "pilot_vs_candidate_0180_0126_sv" in en and "remove one" in en
    sv = _refused(capsys, sched, "sv")
    assert "jobb 1" in sv and "jobb 2" in sv and "ta bort" in sv
    assert not list(reports_tmp.glob("*/manifest.json"))  # nothing ran
    assert not (reports_tmp / "index.html").exists()

    with pytest.raises(ParameterError) as info:
        expand_schedule(
            {"job": [
                {"notebook": "pilot_vs_candidate",
                 "parameters": {"pilot": "0180", "candidate": "0126"}},
                {"notebook": "pilot_vs_candidate",
                 "parameters": {"pilot": "0180", "candidate": "Huddinge"}},
            ]},
            "dup.toml",
        )  # fmt: skip
    swedish_message(info.value, drop=["dup.toml", "pilot_vs_candidate_0180_0126_sv"])


def test_each_naming_a_kommun_twice_is_refused(
    tmp_path: Path, reports_tmp: Path, capsys: pytest.CaptureFixture
) -> None:
    sched = tmp_path / "each.toml"
    sched.write_text(
        '[[job]]\nnotebook = "pilot_vs_candidate"\nparameters = { pilot = "0180" }\n'
        'each = { parameter = "candidate", areas = ["0126", "Botkyrka", "Huddinge"] }\n',
        encoding="utf-8",
    )
    en = _refused(capsys, sched, "en")
    assert "job 1" in en and "Huddinge (0126)" in en and "twice" in en
    assert "'0126'" in en and "'Huddinge'" in en
    sv = _refused(capsys, sched, "sv")
    assert "två gånger" in sv
    assert not list(reports_tmp.glob("*/manifest.json"))
    with pytest.raises(ParameterError) as info:
        expand_schedule(
            {"job": [{"notebook": "pilot_vs_candidate", "parameters": {"pilot": "0180"},
                      "each": {"parameter": "candidate", "areas": ["0126", "0126"]}}]},
            "each.toml",
        )  # fmt: skip
    swedish_message(info.value, drop=["each.toml"])


def test_the_same_task_twice_still_runs_once() -> None:
    """A kommun of a län's expansion also listed as a job of its own, spelt the same."""
    tasks = expand_schedule(
        {"job": [
            {"notebook": "pilot_vs_candidate", "parameters": {"pilot": "0180"},
             "each": {"parameter": "candidate", "areas": ["0126", "0127"]}},
            {"notebook": "pilot_vs_candidate",
             "parameters": {"pilot": "0180", "candidate": "0126"}},
        ]}
    )  # fmt: skip
    assert [t.parameters["candidate"] for t in tasks] == ["0126", "0127"]
    # other languages are other reports
    tasks = expand_schedule(
        {"job": [
            {"notebook": "pilot_vs_candidate",
             "parameters": {"pilot": "0180", "candidate": "0126"}},
            {"notebook": "pilot_vs_candidate",
             "parameters": {"pilot": "0180", "candidate": "Huddinge", "lang": "en"}},
        ]}
    )  # fmt: skip
    assert len(tasks) == 2


# -- 3. singular and plural in the index --------------------------------------------------


def _summary(page: str) -> list[str]:
    return re.findall(r"<p>([^<]*)</p>", page)


def test_index_counts_are_singular_for_one() -> None:
    one = [IndexEntry("pilot_effect", {"pilot": "0180"}, "ok", href="a/report.html",
                      title="A", change="unchanged")]  # fmt: skip
    sv = _summary(index_page(one, schedule="s.toml", compared=True))
    assert sv[0].startswith("1 rapport i mappen; 0 misslyckade i senaste körningen.")
    assert sv[1] == "Rapporter: 0 nya, 0 ändrade, 1 oförändrad och 0 misslyckade."
    en = _summary(index_page(one, lang="en", schedule="s.toml", compared=True))
    assert en[0].startswith("1 report in the folder; 0 failed in the latest run.")
    assert en[1] == "Reports: 0 new, 0 changed, 1 unchanged and 0 failed."

    many = [
        IndexEntry("p", {}, "ok", href="a/report.html", title="A", change="new"),
        IndexEntry("p", {}, "ok", href="b/report.html", title="B", change="new"),
        IndexEntry("p", {}, "ok", href="c/report.html", title="C", change="changed"),
        IndexEntry("p", {}, "failed", change="failed", error="boom"),
    ]
    sv = _summary(index_page(many, schedule="s.toml", compared=True))
    assert sv[0].startswith("3 rapporter i mappen; 1 misslyckad i senaste körningen.")
    assert sv[1] == "Rapporter: 2 nya, 1 ändrad, 0 oförändrade och 1 misslyckad."
    en = _summary(index_page(many, lang="en", schedule="s.toml", compared=True))
    assert en[0].startswith("3 reports in the folder; 1 failed in the latest run.")
    assert en[1] == "Reports: 2 new, 1 changed, 0 unchanged and 1 failed."


def test_written_index_says_one_report(tmp_path: Path) -> None:
    root = tmp_path / "reports"
    folder = _notebook(root / "pilot_effect_0180_sv", [_shown("<p>x</p>", "0x1")])
    (folder / "report.html").write_text("<title>Effekten</title>", encoding="utf-8")
    manifest = {"notebook": "pilot_effect", "status": "ok", "parameters": {"pilot": "0180"}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    run = [TaskResult(Task("pilot_effect", {"pilot": "0180"}), "ok", 1.0,
                      str(folder / "report.html"))]  # fmt: skip
    write_index(root, run, schedule="s.toml")
    page = write_index(root, run, schedule="s.toml").read_text("utf-8")
    assert "1 rapport i mappen; 0 misslyckade" in page
    assert "Rapporter: 0 nya, 0 ändrade, 1 oförändrad och 0 misslyckade." in page
