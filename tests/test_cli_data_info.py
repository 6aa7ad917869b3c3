"""``pilotbench data info`` in Swedish is Swedish: the snapshot's retrieval too.

The manifest's ``retrieved`` ("2024-08 (Kolada API scrape by the dump repository)") was shown
as it is in the Swedish description. The Swedish now comes from ``research/cli.toml`` (or a
``retrieved_sv`` in the manifest, where one is written), and neither the manifest nor the raw
files change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from research.cli import main

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
