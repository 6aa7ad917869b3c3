"""The batch index page: names, titles, Swedish times, run times and changes between runs.

Report folders are written by hand here (a manifest, a page with a title, an executed
notebook), so the index is tested without running kernels; ``tests/test_batch.py`` runs real
batches.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from research.core.errors import ArgumentError, ParameterError
from research.runner.batch import Task, TaskResult, report_digest, write_index
from research.views.batch_index.page import IndexEntry, format_duration, format_when, index_page


def _report(
    root: Path,
    slug: str,
    params: dict,
    *,
    title: str,
    output: str,
    generated: str = "2026-11-30T09:12:00+00:00",
    seconds: float = 12.34,
) -> str:
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.html").write_text(
        f"<!DOCTYPE html><html><head><title>{title}</title></head><body></body></html>",
        encoding="utf-8",
    )
    nb = {
        "metadata": {"papermill": {"output_path": f"/tmp/{slug}-{output}"}},
        "cells": [{"cell_type": "code", "execution_count": 3, "outputs": [
            {"output_type": "display_data", "data": {"text/html": output}, "metadata": {}},
            {"output_type": "stream", "name": "stderr", "text": f"warning at {generated}"},
        ]}],
    }  # fmt: skip
    (folder / "notebook.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    manifest = {"notebook": slug.split("_0")[0], "slug": slug, "status": "ok",
                "parameters": params, "generated": generated,
                "timings_s": {"total": seconds}}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return str(folder / "report.html")


def _rows(page: str) -> dict[str, list[str]]:
    """Visible cells of each body row, keyed by the first cell."""
    out = {}
    for tr in re.findall(r"<tr[^>]*data-change[^>]*>(.*?)</tr>", page, flags=re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)
        ]
        out[cells[0]] = cells
    return out


def test_format_when_is_swedish_local_time():
    winter = dt.datetime(2026, 11, 30, 9, 12, tzinfo=dt.UTC)  # CET = UTC+1
    summer = dt.datetime(2026, 7, 1, 22, 30, tzinfo=dt.UTC)  # CEST = UTC+2: next day
    assert format_when(winter, "sv") == "30 nov. 2026 kl. 10:12"
    assert format_when(winter, "en") == "30 Nov 2026, 10:12"
    assert format_when(summer, "sv") == "2 juli 2026 kl. 00:30"
    assert format_when(dt.datetime(2026, 11, 30, 9, 12), "sv") == "30 nov. 2026 kl. 10:12"


def test_format_duration_per_language():
    assert format_duration(12.34, "sv") == "12,3 s"
    assert format_duration(12.34, "en") == "12.3 s"
    assert format_duration(0.04, "sv") == "0,0 s"
    assert format_duration(59.96, "sv") == "1 min 0 s"
    assert format_duration(125.4, "en") == "2 min 5 s"
    assert format_duration(None, "sv") == ".."
    with pytest.raises(ArgumentError, match="seconds"):
        format_duration(-1.0)
    with pytest.raises(ParameterError):
        format_duration(1.0, "de")


def test_index_page_rejects_unknown_status():
    with pytest.raises(ArgumentError, match="status"):
        index_page([IndexEntry("x", status="weird")])
    with pytest.raises(ArgumentError, match="change"):
        index_page([IndexEntry("x", change="moved")])


def test_index_shows_titles_names_swedish_times_and_changes(tmp_path: Path):
    root = tmp_path / "reports"
    a = _report(root, "pilot_vs_candidate_0180_0126_sv",
                {"pilot": "0180", "candidate": "0126", "lang": "sv"},
                title="Huddinge jämfört med pilotområdet", output="A1")  # fmt: skip
    b = _report(root, "pilot_effect_0180_en", {"pilot": "0180", "lang": "en"},
                title="The effect of IGOR", output="B1", seconds=125.4)  # fmt: skip
    bad = Task("pilot_vs_candidate", {"pilot": "0180", "candidate": "0127", "lang": "sv"})
    run1 = [
        TaskResult(Task("pilot_vs_candidate", {}), "ok", 12.3, a),
        TaskResult(Task("pilot_effect", {}), "ok", 125.4, b),
        TaskResult(bad, "failed", 1.5, None, "cell 3 raised DataError: no data"),
    ]
    page = write_index(root, run1, schedule=tmp_path / "nightly.toml").read_text("utf-8")
    assert '<html lang="sv">' in page
    assert ">Huddinge jämfört med pilotområdet</a>" in page
    assert 'href="pilot_vs_candidate_0180_0126_sv/report.html"' in page
    assert ">report.html<" not in page and "Notebook" not in page
    rows = _rows(page)
    hud = rows["Huddinge jämfört med pilotområdet"]
    assert hud[1:6] == ["pilot Stockholm, kandidat Huddinge", "svenska", "klar",
                        "30 nov. 2026 kl. 10:12", "12,3 s"]  # fmt: skip
    assert rows["The effect of IGOR"][2] == "engelska"
    assert rows["The effect of IGOR"][5] == "2 min 5 s"
    assert "2026-11-30T09:12" not in page
    failed = rows["pilot_vs_candidate"]
    assert failed[1] == "pilot Stockholm, kandidat Botkyrka"
    assert failed[3].startswith("misslyckades") and "DataError: no data" in failed[3]
    assert "Första körningen av nightly.toml" in page
    assert "2 rapporter i mappen; 1 misslyckad" in page

    # second run of the same schedule: A unchanged (same outputs, other times and paths),
    # B changed, the failed one now succeeds (new), a fourth report fails with none kept
    a = _report(root, "pilot_vs_candidate_0180_0126_sv",
                {"pilot": "0180", "candidate": "0126", "lang": "sv"},
                title="Huddinge jämfört med pilotområdet", output="A1",
                generated="2026-12-01T08:00:00+00:00")  # fmt: skip
    b = _report(root, "pilot_effect_0180_en", {"pilot": "0180", "lang": "en"},
                title="The effect of IGOR", output="B2")  # fmt: skip
    c = _report(root, "pilot_vs_candidate_0180_0127_sv",
                {"pilot": "0180", "candidate": "0127", "lang": "sv"},
                title="Botkyrka jämfört med pilotområdet", output="C1")  # fmt: skip
    run2 = [
        TaskResult(Task("pilot_vs_candidate", {}), "ok", 12.0, a),
        TaskResult(Task("pilot_effect", {}), "ok", 10.0, b),
        TaskResult(bad, "ok", 11.0, c),
        TaskResult(
            Task("pilot_effect", {"pilot": "0180", "lang": "sv"}),
            "failed",
            0.0,
            None,
            "invalid parameters: x",
        ),
    ]
    page2 = write_index(root, run2, schedule=tmp_path / "nightly.toml").read_text("utf-8")
    rows2 = _rows(page2)
    assert rows2["Huddinge jämfört med pilotområdet"][6] == "oförändrad"
    assert rows2["Huddinge jämfört med pilotområdet"][4] == "1 dec. 2026 kl. 09:00"
    assert rows2["The effect of IGOR"][6] == "ändrad"
    assert rows2["Botkyrka jämfört med pilotområdet"][6] == "ny"
    assert rows2["pilot_effect"][6] == "misslyckades"
    assert "Rapporter: 1 ny, 1 ändrad, 1 oförändrad och 1 misslyckad." in page2

    # another schedule has its own history; English on request
    page3 = write_index(root, run2[:1], lang="en", schedule="weekly.toml").read_text("utf-8")
    assert '<html lang="en">' in page3
    assert "First run of weekly.toml" in page3
    en = _rows(page3)["Huddinge jämfört med pilotområdet"]
    assert en[1:6] == ["pilot Stockholm, candidate Huddinge", "Swedish", "done",
                       "1 Dec 2026, 09:00", "12.3 s"]  # fmt: skip
    state = json.loads((root / "index.json").read_text("utf-8"))
    assert set(state["schedules"]) == {"nightly", "weekly"}


def test_failed_run_keeps_the_previous_report(tmp_path: Path):
    root = tmp_path / "reports"
    params = {"pilot": "0180", "candidate": "0126", "lang": "sv"}
    a = _report(root, "pilot_vs_candidate_0180_0126_sv", params, title="Hud", output="A")
    task = Task("pilot_vs_candidate", {"pilot": "0180", "candidate": "0126", "lang": "sv"})
    write_index(root, [TaskResult(task, "ok", 1.0, a)], schedule="s.toml")
    page = write_index(root, [TaskResult(task, "failed", 1.0, None, "boom")], schedule="s.toml")
    rows = _rows(page.read_text("utf-8"))
    assert rows["pilot_vs_candidate"][6] == "misslyckades; förra versionen ligger kvar"
    assert rows["Hud"][3] == "klar"


def test_report_digest_ignores_times_and_counts(tmp_path: Path):
    _report(tmp_path, "r_0180_sv", {}, title="T", output="X", generated="2026-01-01T00:00:00+00:00")
    d1 = report_digest(tmp_path / "r_0180_sv")
    _report(tmp_path, "r_0180_sv", {}, title="T", output="X", generated="2026-02-01T00:00:00+00:00")
    assert report_digest(tmp_path / "r_0180_sv") == d1
    _report(tmp_path, "r_0180_sv", {}, title="T", output="Y")
    assert report_digest(tmp_path / "r_0180_sv") != d1
    assert report_digest(tmp_path / "missing") is None


def test_schedule_asks_for_an_english_index(tmp_path: Path):
    from research.runner.batch import load_schedule

    sched = tmp_path / "s.toml"
    sched.write_text('[batch]\nlang = "en"\n[[job]]\nnotebook = "pilot_effect"\n')
    assert load_schedule(sched)["batch"]["lang"] == "en"
    sched.write_text('[batch]\nlang = "de"\n[[job]]\nnotebook = "pilot_effect"\n')
    with pytest.raises(ParameterError, match="lang"):
        load_schedule(sched)


def test_docstring_examples_run():
    import doctest
    import importlib

    res = doctest.testmod(
        importlib.import_module("research.views.batch_index.page"),
        optionflags=doctest.NORMALIZE_WHITESPACE,
    )
    assert res.failed == 0 and res.attempted >= 2


def test_a_failed_reports_error_is_shown_in_the_index_language(tmp_path: Path):
    """The index page is Swedish by default; a failed report's error was shown in English
    ("invalid parameters: ...", the kernel's English error value) on a Swedish page."""
    bad = Task("pilot_vs_candidate", {"pilot": "0180", "candidate": "0127", "lang": "sv"})
    result = TaskResult(
        bad, "failed", 1.5, None, "cell 3 raised DataError: no data",
        error_sv="cell 3 gav DataError: inga data",
    )  # fmt: skip
    (tmp_path / "sv").mkdir()
    (tmp_path / "en").mkdir()
    sv = _rows(write_index(tmp_path / "sv", [result]).read_text("utf-8"))
    en = _rows(write_index(tmp_path / "en", [result], lang="en").read_text("utf-8"))
    assert "gav DataError: inga data" in sv["pilot_vs_candidate"][3]
    assert "raised DataError: no data" in en["pilot_vs_candidate"][3]
    assert result.error_in("sv") == "cell 3 gav DataError: inga data"
    assert TaskResult(bad, "failed", 0.0, None, "only English").error_in("sv") == "only English"


def test_screenings_with_different_focus_kommuner_are_told_apart() -> None:
    """Two candidate_screening jobs (focus Flen, Markaryd) had the same title and areas."""
    from research.views.batch_index.page import _area_names

    assert _area_names({"focus": "0482"}, "sv") == "fokus Flen"
    assert _area_names({"pilot": "0180", "focus": "Markaryd", "lan": "07"}, "en") == (
        "pilot Stockholm, focus Markaryd, län Kronobergs län"
    )


def test_a_first_run_has_no_empty_column_of_changes() -> None:
    entry = IndexEntry("pilot_effect", {"pilot": "0180"}, "ok", href="a/report.html")
    first = index_page([entry], schedule="vecka", compared=False)
    assert "Sedan förra körningen" not in first
    assert re.search(r"<tr[^>]*><td>.*?</tr>", first).group(0).count("<td") == 6
    later = index_page(
        [IndexEntry("pilot_effect", {"pilot": "0180"}, "ok", href="a/report.html", change="new")],
        schedule="vecka",
        compared=True,
    )
    assert "Sedan förra körningen" in later and ">ny</td>" in later
