"""The case file ``data/pilots.toml``: its facts, its validation, and the notebooks' defaults.

The expected values are the published facts of the case as the project's domain notes state
them (IGOR started in April 2021 on Södermalm and closed in autumn 2023; Huddinge is SCB kommun
0126, Stockholm 0180; Södermalm had about 131 000 inhabitants at the end of 2019, Stockholms
stad's områdesfakta), written here independently of the file.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from research.cli import main
from research.core.errors import ArgumentError, DataError
from research.core.paths import PROJECT_ROOT
from research.data.pilots import CASE_PARAMETERS, case, case_parameter, load_case
from research.runner.params import read_params

PILOTS = PROJECT_ROOT / "data" / "pilots.toml"


def test_case_facts():
    c = case()
    assert c.candidate == "0126"
    p = c.pilot
    assert (p.name, p.district, p.parent_code) == ("IGOR", "Södermalm", "0180")
    assert p.full_name == "I Gemensam Organisation mot Relationsvåld"
    assert (p.start, p.start_year, p.first_full_year) == ("2021-04", 2021, 2022)
    assert p.end == "2023-10"
    assert (p.district_population, p.district_population_year) == (131_000, 2019)


def test_every_fact_has_a_source_and_the_share_is_labelled_an_estimate():
    p = case().pilot
    assert set(p.sources) == {
        "name", "full_name", "district", "parent_code", "start", "end", "evaluation",
        "district_population",
    }  # fmt: skip
    assert all(src.strip() for _, src in p.sources.values())
    assert p.sources["district_population"][0] == "estimate"
    assert p.sources["parent_code"][0] == "proxy"  # Stockholm stands in for the district
    assert p.sources["end"][0] == "approximate"  # "autumn 2023"
    text = PILOTS.read_text(encoding="utf-8")
    assert "share" in text and "estimate" in text and "not an official share" in text


def _write(tmp_path: Path, old: str, new: str) -> Path:
    text = PILOTS.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "pilots.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ('value = "2021-04"', 'value = "2021-4"', "[pilots.IGOR.start] value: has the wrong form"),
        ('value = "0126"', "value = 126", "[case.candidate] value: expected text in quotes"),
        ("value = 131000", 'value = "131 000"', "[pilots.IGOR.district_population] value"),
        ('status = "estimate"', 'status = "guess"', "status: is not one of the allowed values"),
        ('value = "2023-10"', 'value = "2020-10"', "the end 2020-10 is before the start 2021-04"),
        ("year = 2019", "yaer = 2019", "yaer: is not a known field (misspelt?)"),
    ],
)
def test_a_bad_field_names_file_field_and_what_to_do(tmp_path, old, new, where):
    path = _write(tmp_path, old, new)
    with pytest.raises(DataError) as info:
        load_case(path)
    first = str(info.value).splitlines()[0]
    assert first.startswith(f"{path}: ")
    assert where in first
    assert first.endswith("correct it there (the file's header describes each field)")


def test_unknown_pilot_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(
        DataError, match=r"\[case\] pilot = 'IGRO' names no \[pilots.NAME\] table; "
    ):
        load_case(_write(tmp_path, 'pilot = "IGOR"', 'pilot = "IGRO"'))
    with pytest.raises(DataError, match=r"the case file is missing; restore data/pilots.toml"):
        load_case(tmp_path / "nowhere.toml")
    with pytest.raises(DataError, match=r"pilots.toml: not valid TOML"):
        load_case(_write(tmp_path, "schema_version = 1", "schema_version = "))


def test_case_parameter():
    assert case_parameter("candidate") == case_parameter("focus") == "0126"
    assert case_parameter("pilot", None) == "0180"
    assert case_parameter("pilot_start", "") == "2021-04"
    assert case_parameter("candidate", "Botkyrka") == "Botkyrka"
    with pytest.raises(ArgumentError, match="'lan' is not a case parameter"):
        case_parameter("lan")


@pytest.mark.parametrize("notebook", ["pilot_vs_candidate", "pilot_effect", "candidate_screening"])
def test_notebook_defaults_come_from_the_case_file(notebook):
    src = (PROJECT_ROOT / "notebooks" / f"{notebook}.py").read_text(encoding="utf-8")
    cell = src.split('# %% tags=["parameters"]', 1)[1].split("# %%", 1)[0]
    literal = {
        n.target.id: ast.literal_eval(n.value)
        for n in ast.parse(cell).body
        if isinstance(n, ast.AnnAssign)
    }
    case_params = [k for k in literal if k in CASE_PARAMETERS]
    assert case_params, "each report has at least one case parameter"
    for k in case_params:  # the cell leaves them empty: the value lives in data/pilots.toml
        assert literal[k] == "", k
    specs = {p.name: p.default for p in read_params(notebook)}
    for k in case_params:  # ... and read_params (reports, headers, `params`) resolves it
        assert specs[k] == case_parameter(k)


def test_a_different_case_file_changes_the_defaults(data_copy):
    path = data_copy / "pilots.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('value = "0126"', 'value = "0127"', 1),
        encoding="utf-8",
    )
    specs = {p.name: p.default for p in read_params("pilot_vs_candidate")}
    assert specs["candidate"] == "0127" and specs["pilot"] == "0180"


def test_cli_with_a_bad_case_file_is_one_line(data_copy, capsys):
    path = data_copy / "pilots.toml"
    text = path.read_text(encoding="utf-8").replace('value = "2021-04"', 'value = "April"', 1)
    path.write_text(text, encoding="utf-8")
    assert main(["params", "pilot_effect"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert re.search(r"pilots\.toml: \[pilots\.IGOR\.start\] value: has the wrong form", err)
    assert "correct it there" in err
