"""A report parameter has one value: given twice with different values, it is refused.

``pilotbench report --lang en -p lang=sv`` used to let the last one win without a word (the
options after ``-p``). Now two different values for one parameter, from ``-p`` twice or from
an option and ``-p``, are refused in one line naming both, exit status 2, before a kernel
starts; the same value twice (or two names of one area) is no conflict.
"""

from __future__ import annotations

import argparse

import pytest

from research.cli import _refuse_two_values, main
from research.core.errors import ParameterError


@pytest.mark.parametrize(
    ("argv", "name", "first", "second"),
    [
        (["--lang", "en", "-p", "lang=sv"], "lang", "-p lang=sv", "--lang en"),
        (["-p", "candidate=Botkyrka", "--candidate", "Huddinge"], "candidate",
         "-p candidate=Botkyrka", "--candidate Huddinge"),
        (["--pilot", "0180", "-p", "pilot=Malmö"], "pilot", "-p pilot=Malmö", "--pilot 0180"),
        (["-p", "start_year=2015", "-p", "start_year=2016"], "start_year",
         "-p start_year=2015", "-p start_year=2016"),
    ],
)  # fmt: skip
def test_two_values_for_one_parameter_are_refused_naming_both(
    argv: list[str],
    name: str,
    first: str,
    second: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PILOTBENCH_LANG", "en")
    assert main(["report", *argv]) == 2  # refused before a kernel starts
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"error: {name} is given twice with different values, {first} and {second}; "
        "give it only once\n"
    )


def test_the_refusal_in_swedish(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PILOTBENCH_LANG", "sv")
    assert main(["report", "--candidate", "Huddinge", "-p", "candidate=Botkyrka"]) == 2
    assert capsys.readouterr().err == (
        "fel: candidate anges två gånger med olika värden, -p candidate=Botkyrka och "
        "--candidate Huddinge; ange den bara en gång\n"
    )


def _args(*param: str, **options: str | None) -> argparse.Namespace:
    flags = {"candidate": None, "pilot": None, "lang": None} | options
    return argparse.Namespace(param=list(param), **flags)


@pytest.mark.parametrize(
    "args",
    [
        _args("lang=en", lang="en"),  # the same value twice
        _args("candidate=0126", candidate="Huddinge"),  # one area, by code and by name
        _args("pilot='0180'", pilot="Stockholm"),
        _args("start_year=2015", "start_year= 2015"),
        _args("candidate=0126", "pilot=0180", lang="en"),  # different parameters
    ],
)
def test_one_value_given_twice_is_no_conflict(args: argparse.Namespace) -> None:
    _refuse_two_values(args)


def test_a_conflict_is_found_among_more_values() -> None:
    with pytest.raises(ParameterError, match="lang is given twice"):
        _refuse_two_values(_args("lang=sv", "lang=sv", lang="en"))
    with pytest.raises(ParameterError, match="-p candidate=Hudinge and --candidate Huddinge"):
        _refuse_two_values(_args("candidate=Hudinge", candidate="Huddinge"))  # no such area
