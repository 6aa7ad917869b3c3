"""The cache of objects built from validated configuration files (research/core/derived.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from research.core.derived import derived_key, load_derived
from research.core.errors import DataError
from research.data.catalog import load_catalog


def test_a_changed_file_or_loader_gets_a_new_key(tmp_path: Path) -> None:
    code = tmp_path / "loader.py"
    code.write_text("A = 1\n")
    first = derived_key("f" * 64, [code])
    assert derived_key("f" * 64, [code]) == first
    assert derived_key("e" * 64, [code]) != first  # the file changed
    code.write_text("A = 2\n")
    assert derived_key("f" * 64, [code]) != first  # the code that builds it changed


def test_built_once_then_read_back_and_errors_are_not_cached(tmp_path: Path) -> None:
    calls: list[int] = []

    def build() -> dict:
        calls.append(1)
        return {"n": len(calls)}

    assert load_derived("x", "k", build, tmp_path) == {"n": 1}
    assert load_derived("x", "k", build, tmp_path) == {"n": 1} and len(calls) == 1

    def bad() -> dict:
        raise DataError("catalog.toml: bad")

    with pytest.raises(DataError, match="bad"):
        load_derived("x", "k2", bad, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x-k.pickle"]  # the good one kept


def test_a_torn_or_unwritable_cache_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "x-k.pickle").write_bytes(b"\x80\x05 torn")
    assert load_derived("x", "k", lambda: 7, tmp_path) == 7  # rebuilt, and rewritten
    assert load_derived("x", "k", lambda: 8, tmp_path) == 7
    blocked = tmp_path / "file"
    blocked.write_text("")  # a file where the folder should be: cannot write, still answers
    assert load_derived("x", "k", lambda: 9, blocked / "sub") == 9


def test_an_edited_catalogue_is_validated_again(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PILOTBENCH_CACHE", str(tmp_path / "cache"))
    src = Path(__file__).resolve().parents[1] / "data" / "catalog.toml"
    cat = tmp_path / "catalog.toml"
    text = src.read_text(encoding="utf-8")
    cat.write_text(text, encoding="utf-8")
    assert load_catalog(cat)["N07402"].per == 100_000
    cat.write_text(text.replace("per = 100000", "per = 0", 1), encoding="utf-8")
    with pytest.raises(DataError, match="per"):
        load_catalog(cat)


def test_a_fresh_process_reads_the_catalogue_and_case_without_pydantic(tmp_path: Path) -> None:
    """What a report's kernel gains: no pydantic import once the files were validated."""
    code = (
        "import sys\n"
        "from research.data.catalog import load_catalog\n"
        "from research.data.pilots import load_case\n"
        "from research.data.provenance import load_manifest\n"
        "load_catalog(); load_case(); load_manifest()\n"
        "print('pydantic' in sys.modules)\n"
    )
    env = {"PILOTBENCH_CACHE": str(tmp_path), "PATH": "/usr/bin:/bin"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert runs == ["True", "False"]
