"""End-to-end reports: a real papermill kernel, real nbconvert HTML, failure handling."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

from research.cli import main
from research.core.errors import ParameterError, ReportError, UnknownAreaError
from research.core.paths import PROJECT_ROOT
from research.runner.report import run_report

from .htmlcheck import parse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    return run_report("pilot_vs_candidate", {}, output_root=out).html


def test_default_report_content(default_report: Path) -> None:
    html = default_report.read_text(encoding="utf-8")
    doc = parse(html)
    text = " ".join(doc.text)
    assert '<html lang="sv">' in html
    assert "Huddinge" in text and "Stockholm" in text and "Riket" in text
    assert "Södermalm" in text  # the stand-in caveat names the real pilot district
    assert "Källa: Kolada" in text
    # Huddinge 2022 grov kvinnofridskränkning 9.60665 -> "9,6" with decimal comma
    assert "9,6" in text
    # title and parameter header
    assert re.search(r"<title>Huddinge jämfört med pilotområdet</title>", html)


def test_no_code_cells(default_report: Path) -> None:
    html = default_report.read_text(encoding="utf-8")
    assert "jp-InputArea" not in html and "input_area" not in html
    assert "from research.views.pilot_vs_candidate.sections import" not in html
    assert "pilot_vs_candidate(" not in html


def test_no_network_urls(default_report: Path) -> None:
    html = default_report.read_text(encoding="utf-8")
    doc = parse(html)
    for tag, attrs in doc.tags:
        for key in ("src", "href", "data", "poster", "action"):
            val = attrs.get(key)
            if val:
                assert val.startswith(("data:", "#")), (tag, key, val[:80])
        assert tag not in ("link", "iframe", "object", "embed"), tag
    assert not re.search(r"https?://", html), re.search(r".{40}https?://.{40}", html)
    assert "url(" not in html.replace("url(data:", "")


def test_images_embedded_with_alt_text(default_report: Path) -> None:
    doc = parse(default_report.read_text(encoding="utf-8"))
    imgs = [a for t, a in doc.tags if t == "img"]
    assert len(imgs) == 7  # one chart per default indicator, and the funnel plot
    for a in imgs:
        assert a["src"].startswith("data:image/png;base64,")
        assert a.get("alt", "").startswith(("Linjediagram", "Trattdiagram"))


def test_statistics_sections(default_report: Path) -> None:
    """Numbers recomputed here from first principles (scipy's chi-square quantiles)."""
    from scipy.stats import chi2

    html = default_report.read_text(encoding="utf-8")
    # Huddinge 2022, N07402: estimated count 11 on 114 504 inhabitants (Garwood interval)
    lo = chi2.ppf(0.025, 2 * 11) / 2 / 114504 * 1e5
    hi = chi2.ppf(0.975, 2 * 12) / 2 / 114504 * 1e5
    expected = f"{lo:.1f}–{hi:.1f}".replace(".", ",")
    assert expected == "4,8–17,2"
    # the interval on its own line without the page's CSS (as in JupyterLab): a <br> before it
    assert re.search(rf'<br/?><span class="ci" style="[^"]*">{expected}</span>', html)
    for heading in (
        "Trend: årlig förändring",
        "Trattdiagram: alla kommuner",
        "Kommuner som liknar Huddinge",
        "Skulle en effekt synas i statistiken?",
    ):
        assert heading in html, heading
    assert "uppskattade antal" in html  # estimated counts are labelled


def test_folder_contents_and_manifest(default_report: Path) -> None:
    folder = default_report.parent
    assert folder.name == "pilot_vs_candidate_0180_0126_sv"
    assert sorted(p.name for p in folder.iterdir()) == [
        "manifest.json",
        "notebook.ipynb",
        "report.html",
    ]
    m = json.loads((folder / "manifest.json").read_text())
    assert m["status"] == "ok" and m["parameters"]["candidate"] == "0126"
    nb = nbformat.read(folder / "notebook.ipynb", as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)


def test_english_report(tmp_path: Path) -> None:
    res = run_report(
        "pilot_vs_candidate", {"lang": "en", "candidate": "Botkyrka"}, output_root=tmp_path
    )
    html = res.html.read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert "Botkyrka compared with the pilot area" in html
    assert res.folder.name == "pilot_vs_candidate_0180_0127_en"


def test_bad_parameters_fail_before_the_kernel(tmp_path: Path) -> None:
    with pytest.raises(UnknownAreaError, match=r"Huddinge \(0126\)"):
        run_report("pilot_vs_candidate", {"candidate": "Hudinge"}, output_root=tmp_path)
    with pytest.raises(ParameterError, match="did you mean 'candidate'"):
        run_report("pilot_vs_candidate", {"candidat": "0126"}, output_root=tmp_path)
    assert not any(p for p in tmp_path.iterdir() if p.name != ".staging")


FAILING = """\
# %% tags=["parameters"]
title: str = "Report"  # heading

# %%
from research.views.html import heading
heading(title, 1)

# %%
import os
if os.environ.get("PILOTBENCH_TEST_CRASH"):
    raise RuntimeError("deliberate failure in cell 2")
print("ok")
"""


def test_failed_run_keeps_last_good_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb_path = tmp_path / "tiny.ipynb"
    nb = jupytext.reads(FAILING, fmt="py:percent")
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    nbformat.write(nb, nb_path)
    out = tmp_path / "reports"
    good = run_report(nb_path, {}, output_root=out)
    before = good.html.read_bytes()
    monkeypatch.setenv("PILOTBENCH_TEST_CRASH", "1")  # the kernel inherits it
    with pytest.raises(ReportError) as info:
        run_report(nb_path, {}, output_root=out)
    msg = str(info.value)
    assert "RuntimeError" in msg and "deliberate failure in cell 2" in msg
    assert "cell" in msg and "unchanged" in msg
    assert good.html.read_bytes() == before
    failed = list((out / "failed").glob("*.ipynb"))
    assert len(failed) == 1
    assert not list((out / ".staging").iterdir())
    # a good run without a PDF replaces an earlier run's PDF, and says so (the CLI warns)
    monkeypatch.delenv("PILOTBENCH_TEST_CRASH")
    assert not good.removed_pdf
    good.html.with_name("report.pdf").write_bytes(b"%PDF-1.4 an earlier run's")
    again = run_report(nb_path, {}, output_root=out)
    assert again.removed_pdf and not again.html.with_name("report.pdf").exists()


def test_kernel_is_the_project_interpreter_despite_decoy_kernels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 'python3' and a 'pilotbench' kernelspec pointing elsewhere must not be used."""
    decoy_root = tmp_path / "jupyter"
    for name in ("python3", "pilotbench"):
        spec = decoy_root / "kernels" / name
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": ["/bin/false", "-f", "{connection_file}"],
                    "display_name": f"decoy {name}",
                    "language": "python",
                }
            )
        )
    monkeypatch.setenv("JUPYTER_PATH", str(decoy_root))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(decoy_root))
    from jupyter_client.kernelspec import KernelSpecManager

    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == "/bin/false"
    src = '# %% tags=["parameters"]\nx: int = 1\n\n# %%\nimport sys\nprint(sys.executable)\n'
    nb = jupytext.reads(src, fmt="py:percent")
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    nb_path = tmp_path / "which.ipynb"
    nbformat.write(nb, nb_path)
    res = run_report(nb_path, {}, output_root=tmp_path / "out")
    executed = nbformat.read(res.notebook, as_version=4)
    printed = "".join(
        o.get("text", "")
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    assert os.path.realpath(printed.strip()) == os.path.realpath(sys.executable)


def test_notebook_and_py_percent_are_in_sync() -> None:
    for py in (PROJECT_ROOT / "notebooks").glob("*.py"):
        ipynb = py.with_suffix(".ipynb")
        assert ipynb.exists(), f"{py.name} has no paired .ipynb"
        a = jupytext.read(py)
        b = jupytext.read(ipynb)
        assert [(c.cell_type, c.source) for c in a.cells] == [
            (c.cell_type, c.source) for c in b.cells
        ], f"{py.name} and {ipynb.name} differ"
        params = [c for c in b.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1


def test_cli_report_prints_path_and_errors_are_readable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--candidate", "Hudinge", "--output", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Huddinge (0126)" in err and "Traceback" not in err
    assert main(["report", "-p", "candidate=126", "--output", str(tmp_path)]) == 2
    assert "leading zeros" in capsys.readouterr().err
    assert main(["params"]) == 0
    out = capsys.readouterr().out
    assert "candidate" in out and "str" in out


def test_footer_coverage_is_cached_per_data_and_dated_today() -> None:
    import datetime as dt

    from research.core.paths import data_dir
    from research.data.coverage import Coverage, coverage
    from research.data.panel import load_panel, panel_fingerprint
    from research.runner import report
    from research.views.coverage_text import coverage_text

    base = data_dir().resolve()
    report._COVERAGE.clear()
    expected = coverage_text(coverage(load_panel(base), as_of=dt.date.today()), "en")
    assert report._coverage_text(base, "en") == expected
    (key,) = report._COVERAGE  # one entry, keyed on the folder and the data fingerprint
    assert key[0] == str(base) and key[1].startswith(panel_fingerprint(base))
    entries = report.coverage_entries(base)
    # what a batch parent hands its workers is used as is (no panel is loaded for it), with
    # today's date whatever date it was computed on
    report._COVERAGE.clear()
    report.seed_coverage({key: Coverage({"kommun": (1999, 2000, 7)}, 2000, dt.date(2001, 1, 1))})
    text = report._coverage_text(base, "en")
    assert "1999" in text and dt.date.today().isoformat() in text and "2001-01-01" not in text
    report._COVERAGE.clear()
    report.seed_coverage(entries)
    assert report._coverage_text(base, "en") == expected
    report._COVERAGE.clear()


def test_export_reuses_its_exporter_with_identical_pages(default_report: Path) -> None:
    from research.runner.report import _exporter_and_env, export_html

    nb = nbformat.read(default_report.parent / "notebook.ipynb", as_version=4)
    first = export_html(nb, lang="sv", params={"candidate": "0126"}, commit="abc")
    exporter = _exporter_and_env()[0]
    second = export_html(nb, lang="sv", params={"candidate": "0126"}, commit="abc")
    assert _exporter_and_env()[0] is exporter
    stamp = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} \S+"
    assert re.sub(stamp, "", first) == re.sub(stamp, "", second)
    assert "data:image/png;base64," in first


def test_fresh_kernel_is_stopped_at_once_when_the_notebook_is_done(tmp_path: Path) -> None:
    # Issue 17: nbclient's graceful shutdown waited for the kernel process to exit (about
    # 1.5 s of a default report). The kernel is killed instead ("immediate"): its exit
    # handlers never run, and the process is gone (reaped, not a zombie) when run_report returns.
    marker = tmp_path / "exit-handler-ran"
    src = (
        '# %% tags=["parameters"]\nx: int = 1\n\n# %%\nimport atexit, os, pathlib\n'
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'graceful')\n"
        "print(os.getpid())\n"
    )
    nb = jupytext.reads(src, fmt="py:percent")
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    nb_path = tmp_path / "exit.ipynb"
    nbformat.write(nb, nb_path)
    res = run_report(nb_path, {}, output_root=tmp_path / "out")
    executed = nbformat.read(res.notebook, as_version=4)
    pid = int("".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", [])))
    assert not marker.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_export_is_warmed_up_in_a_thread_and_then_shared() -> None:
    """`pilotbench report` readies nbconvert while the kernel works (issue 17)."""
    from research.runner import report as R

    R._EXPORTERS.clear()
    thread = R.warm_up_export()
    thread.join(timeout=60)
    assert not thread.is_alive() and thread.daemon
    exporter, env = R._exporter_and_env()
    assert R._EXPORTERS["nbconvert"] is exporter  # made by the thread, reused by the export
    assert any("report.html.j2" in str(k) for k in env.cache.keys())  # page template compiled
    assert not R._EXPORT_LOCK.locked()


def test_an_interrupt_while_the_commit_is_read_leaves_no_report_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C during the two git calls (read before the notebook runs) restores the caller's
    ``PILOTBENCH_REPORT`` (``research.report()`` in a notebook: its controls would stay hidden)
    and removes the staging folder, as one anywhere later in the run does."""
    import research.runner.report as report_mod

    def interrupted() -> str:
        raise KeyboardInterrupt

    monkeypatch.delenv("PILOTBENCH_REPORT", raising=False)
    monkeypatch.setattr(report_mod, "git_commit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_report("pilot_vs_candidate", {"lang": "en"}, output_root=tmp_path)
    assert "PILOTBENCH_REPORT" not in os.environ
    assert list((tmp_path / ".staging").iterdir()) == []
