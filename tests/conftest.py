"""Shared fixtures: isolated copies of the data and reports folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from research.core.paths import PROJECT_ROOT

DATA = PROJECT_ROOT / "data"

# The command line's messages are Swedish unless --lang or PILOTBENCH_LANG says otherwise
# (research.cli.message_lang); the tests assert their English wording, whatever the shell
# running them has set. Tests of the rule itself (tests/test_cli_language.py) set or remove it.
os.environ["PILOTBENCH_LANG"] = "en"


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of data/ (without the cache), used as PILOTBENCH_DATA."""
    dst = tmp_path / "data"
    shutil.copytree(DATA, dst, ignore=shutil.ignore_patterns("processed", "imported"))
    monkeypatch.setenv("PILOTBENCH_DATA", str(dst))
    return dst


@pytest.fixture
def reports_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty reports folder used as PILOTBENCH_REPORTS."""
    dst = tmp_path / "reports"
    dst.mkdir()
    monkeypatch.setenv("PILOTBENCH_REPORTS", str(dst))
    return dst
