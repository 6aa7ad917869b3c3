"""Message catalogues: lookup, merging, and the completeness check run on every catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from research.core.errors import DataError, ParameterError
from research.core.i18n import Catalogue, load_catalogue
from research.core.paths import PROJECT_ROOT


def test_lookup_and_format() -> None:
    c = Catalogue({"n": {"sv": "{n} kommuner", "en": "{n} municipalities"}})
    assert c("n", "sv", n="290") == "290 kommuner"
    assert c("n", "en", n="290") == "290 municipalities"
    assert c("n", n="3") == "3 kommuner"  # Swedish by default
    with pytest.raises(KeyError, match="no message 'x'"):
        c("x", "sv")
    with pytest.raises(ParameterError, match="lang must be one of"):
        c("n", "de", n="1")


def test_problems_found() -> None:
    c = Catalogue(
        {
            "ok": {"sv": "{a}", "en": "{a}"},
            "no_en": {"sv": "hej"},
            "empty": {"sv": "", "en": "x"},
            "differ": {"sv": "{a} {b}", "en": "{a}"},
            "extra": {"sv": "a", "en": "a", "de": "a"},
            "broken": {"sv": "{a", "en": "a"},
        },
        "t.toml",
    )
    problems = c.problems()
    assert len(problems) == 5
    assert any("[no_en]: no text for en" in p for p in problems)
    assert any("[empty]: no text for sv" in p for p in problems)
    assert any("[differ]: placeholders differ" in p for p in problems)
    assert any("[extra]: unknown language(s) de" in p for p in problems)
    assert any("[broken]: malformed template" in p for p in problems)


def test_merge_refuses_a_duplicate_id() -> None:
    a = Catalogue({"x": {"sv": "a", "en": "a"}}, "a.toml")
    b = Catalogue({"x": {"sv": "b", "en": "b"}}, "b.toml")
    with pytest.raises(DataError, match=r"b.toml: message id\(s\) x already defined in a.toml"):
        a.merged(b)
    assert a.merged(Catalogue({"y": {"sv": "y", "en": "y"}}))("y", "en") == "y"


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read the message catalogue"):
        load_catalogue(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "not a table"\n', encoding="utf-8")
    with pytest.raises(DataError, match="title must be tables"):
        load_catalogue(bad)


CATALOGUES = sorted((PROJECT_ROOT / "research").rglob("*.toml"))


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_every_catalogue_is_complete(path: Path) -> None:
    assert load_catalogue(path).problems() == []
