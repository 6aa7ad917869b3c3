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
