"""The package as a researcher uses it in IPython/JupyterLab (without a browser).

Names wherever codes work (also typed without å, ä, ö), one-line errors in the notebook's
language, figures that display without ``%matplotlib``, ``research.report(...)`` on the same
path as the command line, parameter controls that stay inert in report runs, help texts
without developer markup. ``tests/test_lab.py`` checks the same things in a real JupyterLab.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from IPython.core.interactiveshell import InteractiveShell
from matplotlib.figure import Figure

import research
from research import cli
from research.core.errors import ParameterError, PilotbenchError, UnknownAreaError
from research.data.panel import load_panel, series
from research.geo.registry import load_areas
from research.lab import notebook as lab
from research.runner import report as runner_report
from research.views import html


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Sodertalje", "0181"),
        ("sodertalje kommun", "0181"),
        ("Malmo", "1280"),
        ("Goteborgs stad", "1480"),
        ("Orebro lan", "18"),
        ("Habo", "0643"),  # Habo exists as written ...
        ("Håbo", "0305"),  # ... and so does Håbo: the literal name wins
    ],
)
def test_names_resolve_without_diacritics(typed: str, code: str) -> None:
    assert load_areas().resolve(typed).code == code


def test_series_takes_names_and_refuses_unknown_ones() -> None:
    panel = load_panel()
    by_name = series(panel, "N07402", ["Huddinge", "Sodertalje"])
    by_code = series(panel, "N07402", ["0126", "0181"])
    assert by_name.height > 20 and by_name.equals(by_code)
    assert by_name["area_code"].unique().sort().to_list() == ["0126", "0181"]
    with pytest.raises(UnknownAreaError, match=r"did you mean Huddinge \(0126\)"):
        series(panel, "N07402", ["Hudinge"])


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    sh = InteractiveShell.instance()
    try:
        yield sh
    finally:
        InteractiveShell.clear_instance()


def _error_lines(sh: InteractiveShell, code: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    sh.run_cell(code)
    out = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)
    return [ln for ln in out.splitlines() if ln.strip()]


def test_errors_are_one_line_in_the_notebooks_language(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = "from research.geo.registry import resolve_area\nresolve_area('Hudinge')"
    sv = _error_lines(shell, "lang = 'sv'\n" + typo, capsys)
    assert sv == [
        "UnknownAreaError: 'Hudinge' är inget känt område; menade du Huddinge (0126), "
        "Haninge (0136), Uppvidinge (0760)?"
    ]
    en = _error_lines(shell, "lang = 'en'\n" + typo, capsys)
    assert en == [
        "UnknownAreaError: 'Hudinge' is not a known area; did you mean Huddinge (0126), "
        "Haninge (0136), Uppvidinge (0760)?"
    ]
    # an error without a Swedish text keeps its English message, still on one line
    untranslated = _error_lines(
        shell,
        "lang = 'sv'\nfrom research.core.errors import DataError\nraise DataError('x is bad')",
        capsys,
    )
    assert untranslated == ["DataError: x is bad"]
    # anything else keeps IPython's full traceback
    assert len(_error_lines(shell, "1/0", capsys)) > 1


def test_error_messages_keep_both_languages() -> None:
    err = ParameterError("start_year is after end_year", sv="start_year är efter end_year")
    assert str(err) == "start_year is after end_year"
    assert err.message("sv") == "start_year är efter end_year" and err.message("en") == str(err)
    assert PilotbenchError("only English").message("sv") == "only English"


def test_returned_figures_display_as_png(shell: InteractiveShell) -> None:
    fig = Figure(figsize=(3, 2))
    fig.add_subplot().plot([1, 2, 3])
    assert lab.register_ipython(shell)
    data, _ = shell.display_formatter.format(fig)
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert not lab.register_ipython(object())  # no shell: nothing to register


def test_importing_the_package_in_ipython_registers_the_formatter(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    shell.display_formatter.formatters["image/png"].type_printers.clear()
    shell.display_formatter.formatters["image/png"].deferred_printers.clear()
    shell.run_cell("import importlib, research\nimportlib.reload(research)")
    fig = Figure(figsize=(2, 2))
    assert "image/png" in shell.display_formatter.format(fig)[0]


def test_interval_is_on_its_own_line_without_the_report_css() -> None:
    cell = str(html.interval("9,6", "4,8", "17,2"))
    assert cell == (
        '9,6<br><span class="ci" style="font-size:0.85em;white-space:nowrap">4,8–17,2</span>'
    )
    table = str(html.table(["Område", "Värde"], [["Huddinge", html.interval("1", "0", "2")]],
                           numeric=[False, True]))  # fmt: skip
    assert '<th scope="row" style="text-align:left">Huddinge</th>' in table
    assert '<td class="num" style="text-align:right">1<br><span class="ci"' in table


class _Result:
    def __init__(self, folder: Path) -> None:
        self.html = folder / "report.html"
        self.html.write_text(
            "<html><body><h1>Botkyrka jämfört med pilotområdet</h1>"
            "<p>Rapporten jämför Botkyrka med pilotområdet.</p><h2>Senaste året</h2>"
            "<p>not in the summary</p></body></html>",
            encoding="utf-8",
        )
        self.seconds = 1.5
        self.removed_pdf = False  # as research.runner.report.ReportResult


def test_research_report_takes_the_command_lines_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple[Any, ...]] = []

    def fake(
        notebook: str,
        params: dict[str, Any],
        *,
        output: Any = None,
        pdf: bool = False,
        kernel: Any = None,
    ):
        calls.append((notebook, params, output, pdf))
        if kernel is not None:  # the command starts the kernel before its own imports
            kernel.shutdown()
        return _Result(tmp_path)

    monkeypatch.setattr(runner_report, "run_report_command", fake)
    link = research.report("pilot_vs_candidate", candidate="Botkyrka")
    assert cli.main(["report", "pilot_vs_candidate", "--candidate", "Botkyrka"]) == 0
    assert calls[0] == calls[1] == ("pilot_vs_candidate", {"candidate": "Botkyrka"}, None, False)
    assert capsys.readouterr().out.strip() == str(tmp_path / "report.html")
    shown = link._repr_html_()
    assert "Rapporten är klar</strong> (1,5 s)" in shown
    assert ">Botkyrka jämfört med pilotområdet</a>" in shown
    assert "<p>Rapporten jämför Botkyrka med pilotområdet.</p>" in shown
    assert "not in the summary" not in shown
    assert re.search(r'href="[^"]*report\.html"', shown)


@pytest.mark.slow
def test_research_report_runs_a_real_report(tmp_path: Path) -> None:
    link = research.report("pilot_vs_candidate", candidate="Botkyrka", output=tmp_path)
    assert link.html == tmp_path / "pilot_vs_candidate_0180_0127_sv" / "report.html"
    assert link.title == "Botkyrka jämfört med pilotområdet"
    assert link.summary and link.summary[0].startswith("Rapporten jämför Botkyrka")


def test_controls_are_inert_in_report_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    assert lab.controls("pilot_vs_candidate", {}) is None  # no kernel here
    monkeypatch.setenv("PILOTBENCH_REPORT", "1")
    assert not lab.interactive()


def test_controls_in_a_kernel_set_the_notebooks_parameters(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PILOTBENCH_REPORT", raising=False)
    monkeypatch.setattr(shell, "kernel", object(), raising=False)  # as in a Jupyter kernel
    ns: dict[str, Any] = {"candidate": "Botkyrka", "lang": "sv"}
    box = lab.controls("pilot_vs_candidate", ns)
    area, indicator, years = box.children[:3]
    assert area.value == "0127" and indicator.value == "" and years.value == (2008, 2022)
    area.value, indicator.value, years.value = "0181", "N07402", (2015, 2021)
    apply_button = box.children[3].children[0]
    apply_button.click()
    assert ns["candidate"] == "0181" and ns["indicators"] == ["N07402"]
    assert (ns["start_year"], ns["end_year"]) == (2015, 2021)


def test_help_texts_have_no_developer_markup() -> None:
    parser = cli.build_parser()
    texts = [parser.format_help()]
    stack = [parser]
    while stack:
        p = stack.pop()
        for action in p._actions:
            for sub in getattr(action, "choices", None) or {}:
                if isinstance(action.choices, dict):
                    texts.append(action.choices[sub].format_help())
                    stack.append(action.choices[sub])
    assert len(texts) >= 9
    for text in texts:
        assert "``" not in text and ":mod:" not in text and ":func:" not in text, text
        # metavars are words a user understands, not the option's name in capitals
        for name in ("CANDIDATE", "PILOT", "OUTPUT", "WORKERS", "TIMEOUT", "INDICATOR"):
            assert f" {name}" not in text, (name, text)


def test_series_takes_a_single_name() -> None:
    assert isinstance(series(load_panel(), "n07402", "Huddinge"), pl.DataFrame)


def test_new_estimators_are_exported_at_the_top_level():
    import research
    from research.stats.sdid import synthetic_did
    from research.stats.staggered import group_time_att

    assert research.synthetic_did is synthetic_did
    assert research.group_time_att is group_time_att
    assert {"synthetic_did", "group_time_att", "report"} <= set(research.__all__)
