"""The manifest's texts name their numbers; the report formats them in its language.

The report footer showed "Kolada municipality groups: 3 630 official groups" in English
reports: the number was written into ``data/manifest.toml`` already grouped the Swedish way
(with an ordinary space, which a line break could split in the Swedish footer too). Now the
title says ``{groups}`` and ``figures = { groups = 3630 }`` holds the number.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from research.core.errors import DataError
from research.core.paths import data_dir
from research.data.provenance import load_manifest


def test_a_figure_is_formatted_in_the_language_asked_for() -> None:
    m = load_manifest()
    assert m.text("kolada-groups", "title", "sv").startswith(
        "Kolada-kommungrupper: 3\u00a0630 officiella grupper ("
    )
    assert m.text("kolada-groups", "title", "en").startswith(
        "Kolada municipality groups: 3,630 official groups ("
    )
    # a text without figures, and the fallbacks: <field>_<lang>, then <field>, then default
    assert m.text("kolada-snapshot", "title", "en").startswith("Kolada snapshot: crime")
    assert m.text("kolada-snapshot", "no_such_field", "sv", default="x") == "x"


def test_the_groups_figure_is_the_number_of_groups_in_the_file() -> None:
    path = data_dir() / "raw/kolada-groups/municipality_groups.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        ids = {row["group_id"] for row in csv.DictReader(fh)}
    assert load_manifest().sources["kolada-groups"]["figures"] == {"groups": len(ids)}


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("figures = { groups = 3630 }", "", r"\[\[sources\]\] kolada-groups title: \{groups\} "
         r"is not in its figures \(none\); add it"),
        ("figures = { groups = 3630 }", 'figures = { groups = "3 630" }',
         r"figures.groups: expected a whole number"),
        ("{groups} official groups", "{groups official groups", r"title: malformed \{\.\.\.\}"),
    ],
)  # fmt: skip
def test_a_figure_missing_or_not_a_number_is_refused(
    tmp_path: Path, old: str, new: str, match: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    text = (data_dir() / "manifest.toml").read_text(encoding="utf-8")
    assert old in text
    (data / "manifest.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataError, match=match):
        load_manifest(data)
    shutil.rmtree(data)
