"""Area lookup by code and name, suggestions and refusals."""

from __future__ import annotations

import pytest

from research.core.errors import AreaCodeTypeError, UnknownAreaError
from research.geo.registry import load_areas, resolve_area


@pytest.mark.parametrize("query", ["0126", "Huddinge", "huddinge kommun", "HUDDINGE", " Huddinge "])
def test_huddinge_resolves(query: str) -> None:
    assert resolve_area(query).code == "0126"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("Arjeplogs kommun", "2506"),  # genitive form as in Brå's files
        ("Stockholms stad", "0180"),
        ("Stockholm", "0180"),
        ("Stockholms län", "01"),
        ("Region Stockholm", "01"),
        ("Gotland", "0980"),
        ("riket", "00"),
        ("0", "00"),
        ("0000", "00"),
        ("Malmö stad", "1280"),
        ("Borås", "1490"),  # a name that itself ends in s
    ],
)
def test_names_and_aliases(query: str, code: str) -> None:
    assert resolve_area(query).code == code


def test_typo_suggests_huddinge() -> None:
    with pytest.raises(UnknownAreaError) as info:
        resolve_area("Hudinge")
    assert "Huddinge (0126)" in str(info.value)
    assert ("0126", "Huddinge") in info.value.suggestions


def test_integer_code_is_refused_with_leading_zero_hint() -> None:
    with pytest.raises(AreaCodeTypeError) as info:
        resolve_area(126)
    msg = str(info.value)
    assert "leading zeros" in msg and "'0126'" in msg


def test_short_code_string_hints_padding() -> None:
    with pytest.raises(UnknownAreaError, match="did you mean '0126' \\(Huddinge\\)"):
        resolve_area("126")


def test_nothing_close() -> None:
    with pytest.raises(UnknownAreaError, match="no name is close"):
        resolve_area("Qwxyzzz")


def test_registry_contents() -> None:
    reg = load_areas()
    assert len(reg.by_level("kommun")) == 290
    assert len(reg.by_level("lan")) == 21
    stockholm_lan = [a.code for a in reg.children("01")]
    assert len(stockholm_lan) == 26 and "0126" in stockholm_lan


@pytest.mark.parametrize(
    ("query", "level", "named"),
    [
        ("Stockholms", "kommun", ["Stockholm (0180)"]),  # found Stockholms län
        ("Stockholms län", "kommun", ["Stockholm (0180)"]),
        ("Region Stockholm", "kommun", ["Stockholm (0180)"]),
        ("Gotlands", "kommun", ["Gotland (0980)"]),
        ("Uppsala", "lan", ["Uppsala län (03)"]),  # found the kommun Uppsala
        ("Kalmar", "lan", ["Kalmar län (08)"]),
        ("Skåne", "kommun", []),  # no kommun is named like Skåne län
        ("01", "kommun", []),  # a code has no namesakes
    ],
)
def test_a_name_found_at_another_level_has_namesakes(
    query: str, level: str, named: list[str]
) -> None:
    reg = load_areas()
    assert [a.label() for a in reg.namesakes(query, level)] == named
    hint = reg.namesake_hint(query, reg.resolve(query), level)
    assert hint.en == (f" Did you mean {named[0]}?" if named else "")
    assert hint.sv == (f" Menade du {named[0]}?" if named else "")


def test_no_hint_when_the_level_is_right() -> None:
    reg = load_areas()
    assert reg.namesake_hint("Stockholm", reg.resolve("Stockholm"), "kommun") == ("", "")
