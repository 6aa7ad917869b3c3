"""The command line's messages follow one language rule (research.cli.message_lang).

``pilotbench report --lang sv`` with a mistake printed ``error: <English>``: the CLI printed
``str(exc)`` although every user error carries a Swedish text. Now the report's ``--lang``
decides, else ``$PILOTBENCH_LANG``, else Swedish (the project's default); the fixed lines
(``error:``, interrupted, terminated, warnings, argparse's frame) come from research/cli.toml.
(tests/conftest.py sets PILOTBENCH_LANG=en for the other tests; these set or remove it.)
"""

from __future__ import annotations

import signal
import warnings

import pytest

from research import cli
from research.core.i18n import load_catalogue


def _fails(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = cli.main(argv)
    except SystemExit as stop:  # argparse's errors
        code = stop.code
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "env", "lang"),
    [
        (["report", "--lang", "en"], "sv", "en"),  # the report language wins
        (["report", "--lang=sv"], "en", "sv"),
        (["report", "--lang", "xx"], "en", "en"),  # argparse refuses xx, in the env's language
        (["data", "info"], "en_GB.UTF-8", "en"),
        (["data", "info"], "SV", "sv"),
        (["data", "info"], None, "sv"),  # Swedish by default
        (["data", "info"], "de", "sv"),
        (["areas", "--", "--lang", "en"], None, "sv"),  # after --, not an option
    ],
)
def test_the_rule(argv: list[str], env: str | None, lang: str) -> None:
    assert cli.message_lang(argv, {} if env is None else {"PILOTBENCH_LANG": env}) == lang


def test_a_swedish_report_command_gets_its_error_in_swedish(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PILOTBENCH_LANG", "en")  # --lang sv wins over the environment
    code, err = _fails(["report", "--lang", "sv", "-p", "x"], capsys)
    assert (code, err) == (2, "fel: -p väntar sig NAMN=VÄRDE, fick 'x'\n")
    code, err = _fails(["report", "--lang", "en", "-p", "x"], capsys)
    assert (code, err) == (2, "error: -p expects NAME=VALUE, got 'x'\n")


def test_without_lang_the_environment_then_swedish(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PILOTBENCH_LANG")
    code, err = _fails(["areas", "Hudinge"], capsys)
    assert code == 2 and err.startswith("fel: 'Hudinge' är inget känt område; menade du"), err
    assert err.count("\n") == 1
    monkeypatch.setenv("PILOTBENCH_LANG", "en")
    code, err = _fails(["areas", "Hudinge"], capsys)
    assert code == 2 and err.startswith("error: 'Hudinge' is not a known area; did you"), err


def test_argparse_errors_are_one_line_in_the_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PILOTBENCH_LANG")
    code, err = _fails(["report", "--lang", "sv", "--end-year", "1990"], capsys)
    assert (code, err) == (
        2,
        "fel: pilotbench: unrecognized arguments: --end-year; se `pilotbench --help`\n",
    )
    code, err = _fails(["data", "frob"], capsys)  # a sub-sub-command's parser too
    assert code == 2 and err.startswith("fel: pilotbench data: argument data_command: invalid")
    assert err.count("\n") == 1 and err.endswith("se `pilotbench data --help`\n")


@pytest.mark.parametrize(
    ("raised", "lang", "line", "status"),
    [
        (KeyboardInterrupt(), "sv", "avbrutet; inget halvskrivet sparades", 130),
        (KeyboardInterrupt(), "en", "interrupted; nothing half-written was kept", 130),
        (cli._Terminated(signal.SIGTERM), "sv", "avslutat (SIGTERM); inget halvskrivet sparades",
         128 + signal.SIGTERM),
        (cli._Terminated(signal.SIGHUP), "en",
         "terminated (SIGHUP); nothing half-written was kept", 128 + signal.SIGHUP),
    ],
)  # fmt: skip
def test_interruptions_are_worded_in_the_language(
    raised: BaseException,
    lang: str,
    line: str,
    status: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def interrupted(_args: object) -> int:
        raise raised

    monkeypatch.setenv("PILOTBENCH_LANG", lang)
    monkeypatch.setattr(cli, "_cmd_params", interrupted)
    assert cli.main(["params"]) == status
    assert capsys.readouterr().err == line + "\n"


def test_pilotbench_warnings_are_worded_in_the_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from research.core.warnings import ShortSeriesWarning

    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)  # restored afterwards
    cli._one_line_warnings("sv")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(
            ShortSeriesWarning("Short series", n_pre=13, n_post=2, minimum=8), stacklevel=1
        )
    err = capsys.readouterr().err
    assert err.startswith("varning: Kort tidsserie: 13 perioder före") and err.count("\n") == 1


def test_the_rule_is_in_the_help() -> None:
    help_text = " ".join(cli.build_parser().format_help().split())
    assert "and what batch and data did) are in the report language when --lang is given, " \
        "else in $PILOTBENCH_LANG (sv or en), else in Swedish" in help_text  # fmt: skip


def test_the_cli_messages_are_one_line_in_both_languages() -> None:
    texts = load_catalogue(cli.Path(cli.__file__).with_name("cli.toml"))
    assert texts.problems() == []
    assert all("\n" not in m for msg in texts.values() for m in msg.values())


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["params", "pilot_vs_kandidat"],
         "fel: Det finns ingen rapportnotebook som heter 'pilot_vs_kandidat'; menade du "
         "pilot_vs_candidate? Tillgängliga:"),
        (["report", "--lang", "sv", "-p", "candidat=Huddinge"],
         "fel: Okända parametrar för "),
    ],
)  # fmt: skip
def test_swedish_errors_have_no_english_hints(
    argv: list[str], says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Swedish texts of these errors said "; did you mean ..." in English."""
    monkeypatch.delenv("PILOTBENCH_LANG")
    code, err = _fails(argv, capsys)
    assert code == 2 and err.startswith(says) and "did you" not in err, err
    assert "menade du" in err and err.count("\n") == 1, err


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_data_commands_say_what_they_did_in_the_language(
    lang: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`data verify/build/imports/info` printed English whatever the language."""
    from .swedish import english_words

    monkeypatch.setenv("PILOTBENCH_LANG", lang)
    out = {}
    for sub in ("verify", "build", "imports", "info"):
        assert cli.main(["data", sub]) == 0
        out[sub] = capsys.readouterr().out
    expected = {
        "sv": ("filer stämmer med data/manifest.toml", "panelen är aktuell: 90\xa0901 rader",
               "inga importer (data/imported är tom)", "Ögonblicksbild: Kolada-ögonblicksbild"),
        "en": ("files match data/manifest.toml", "panel current: 90,901 rows",
               "no imports (data/imported is empty)", "Snapshot: Kolada snapshot"),
    }[lang]  # fmt: skip
    for sub, said in zip(out, expected, strict=True):
        assert said in out[sub], (sub, out[sub])
    if lang == "sv":
        # the manifest's "retrieved" note and the download's repository name are data
        text = " ".join(out.values()).replace("Kolada API scrape by the dump repository", "")
        assert english_words(text, drop=("bra-scraper", "statistik.bra.se/solwebb")) == []


def test_a_closed_event_loops_teardown_noise_is_dropped_and_nothing_else(tmp_path) -> None:
    """`pilotbench report` exited 0 and then printed "Exception ignored in
    BaseEventLoop.__del__ ... ValueError: Invalid file descriptor: -1" (an event loop that
    nbclient never closed, collected after its self-pipe was gone)."""
    import subprocess
    import sys

    script = tmp_path / "gc_noise.py"
    script.write_text(
        "import asyncio, gc\n"
        "from research.cli import _quiet_closed_event_loops\n"
        "_quiet_closed_event_loops()\n"
        "_quiet_closed_event_loops()  # idempotent: main() may run more than once\n"
        "loop = asyncio.new_event_loop()\n"
        "loop._ssock.close()  # the self-pipe already gone, as after the kernel's teardown\n"
        "del loop\n"
        "gc.collect()\n"
        "class Other:\n"
        "    def __del__(self):\n"
        "        raise RuntimeError('a real problem')\n"
        "x = Other()\n"
        "del x\n"
        "gc.collect()\n",
        encoding="utf-8",
    )
    err = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True
    ).stderr
    assert "Invalid file descriptor" not in err and "BaseEventLoop" not in err
    assert err.count("Exception ignored") == 1 and "RuntimeError: a real problem" in err


def test_an_unsupported_language_in_the_environment_is_said_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``PILOTBENCH_LANG=fr`` fell back to Swedish without a word."""
    monkeypatch.setenv("PILOTBENCH_LANG", "fr")
    code, err = _fails(["areas", "Hudinge"], capsys)
    lines = err.splitlines()
    assert code == 2 and len(lines) == 2
    assert (
        lines[0]
        == "varning: PILOTBENCH_LANG='fr' är varken sv eller en; meddelandena är på svenska"
    )
    assert lines[1].startswith("fel: 'Hudinge' är inget känt område")
    monkeypatch.setenv("PILOTBENCH_LANG", "en_GB.UTF-8")  # a locale counts by its language
    code, err = _fails(["areas", "Hudinge"], capsys)
    assert err.startswith("error: 'Hudinge' is not a known area") and err.count("\n") == 1
