"""``pilotbench data info`` in Swedish is Swedish: the snapshot's retrieval too.

The manifest's ``retrieved`` ("2024-08 (Kolada API scrape by the dump repository)") was shown
as it is in the Swedish description. The Swedish now comes from
``research/data/imports.toml`` (or a ``retrieved_sv`` in the manifest, where one is written),
chosen by ``data_info`` itself (each language held, ``DataInfo.text`` shows its own), and
neither the manifest nor the raw files change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from research.cli import main
from research.data.imports import data_info

from .swedish import english_words


def _info(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, lang: str) -> str:
    monkeypatch.setenv("PILOTBENCH_LANG", lang)
    capsys.readouterr()
    assert main(["data", "info"]) == 0
    return capsys.readouterr().out


def test_data_info_in_swedish_has_no_english_retrieval(
    data_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = (data_copy / "manifest.toml").read_bytes()
    sv = _info(capsys, monkeypatch, "sv")
    line = next(x for x in sv.splitlines() if "hämtad" in x)
    assert line.endswith("hämtad 2024-08 (ur Koladas API, av dump-arkivet)"), line
    assert "API scrape" not in sv and "repository" not in sv
    assert not english_words(line, drop=["RKA", "Kolada", "API"]), line
    en = _info(capsys, monkeypatch, "en")
    assert "retrieved 2024-08 (Kolada API scrape by the dump repository)" in en
    assert (data_copy / "manifest.toml").read_bytes() == manifest  # verbatim, not rewritten


def test_a_swedish_retrieval_in_the_manifest_is_used(
    data_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = data_copy / "manifest.toml"
    text = path.read_text(encoding="utf-8")
    old = 'retrieved = "2024-08 (Kolada API scrape by the dump repository)"\n'
    assert old in text
    path.write_text(
        text.replace(old, old + 'retrieved_sv = "augusti 2024, av dump-arkivet"\n', 1),
        encoding="utf-8",
    )
    assert "hämtad augusti 2024, av dump-arkivet" in _info(capsys, monkeypatch, "sv")


def test_data_info_holds_the_retrieval_in_each_language(data_copy: Path) -> None:
    """Not the command line: data_info words it, for a notebook's ``info.text("sv")`` too."""
    info = data_info(data_copy)
    assert info.snapshot is not None
    assert info.snapshot["retrieved"] == {
        "sv": "2024-08 (ur Koladas API, av dump-arkivet)",
        "en": "2024-08 (Kolada API scrape by the dump repository)",
    }
    assert "hämtad 2024-08 (ur Koladas API, av dump-arkivet)" in info.text("sv")
    assert "retrieved 2024-08 (Kolada API scrape by the dump repository)" in info.text("en")
