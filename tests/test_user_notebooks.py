"""A user's own notebook given by path to ``pilotbench params`` / ``pilotbench report``.

A file that is not a notebook (not JSON, JSON of another shape, not ``.ipynb``) is one line
naming the file and exit status 2, never a traceback; a relative path is a path, not a
report's name; a notebook without a ``parameters`` cell has no parameters (``params`` says
so); a notebook without kernel metadata is read as the project's kernel would run it.
Also: ``end_year`` is checked against the data of the indicators the report shows
(``indicators``), not only the default ones.

Every case runs the command line in process (``research.cli.main``) on real files in
``tmp_path``; the checks that need data use a copy of ``data/`` built once for the module.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from research import cli
from research.core.errors import ParameterError
from research.core.paths import PROJECT_ROOT, notebooks_dir
from research.runner.params import notebook_path, read_params, validate
from tests.swedish import swedish_message

BRA = PROJECT_ROOT / "tests" / "data" / "bra_kommuner_2022.csv"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the command line in process; return the exit status, stdout and stderr."""
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run a command that must be refused: exit 2 and one line, no traceback; return it."""
    code, out, err = run(capsys, *args)
    lines = err.strip().splitlines()
    assert code == 2, (code, out, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


def notebook(path: Path, *, params: str | None = "x: int = 1  # a number", kernelspec: bool = True):
    """Write a small valid notebook (a parameters cell unless ``params`` is None)."""
    nb = nbformat.v4.new_notebook()
    if kernelspec:
        nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Py"}
    if params is not None:
        nb.cells.append(nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}))
    nb.cells.append(nbformat.v4.new_code_cell("print('hello')"))
    nbformat.write(nb, path)
    return path


# -- files that are not notebooks -------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "say"),
    [
        ("garbage\n", "not JSON"),
        ("{}", "not a valid Jupyter notebook"),
        ("[1,2]", "not a valid Jupyter notebook"),
        ('{"cells": [1], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "not a valid"),
        ("", "not JSON"),
    ],
)
@pytest.mark.parametrize("command", ["params", "report"])
def test_a_broken_notebook_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, content: str, say: str
) -> None:
    path = tmp_path / "mine.ipynb"
    path.write_text(content, encoding="utf-8")
    line = refused(capsys, command, str(path))
    assert str(path) in line and say in line, line
    with pytest.raises(ParameterError) as exc:
        read_params(str(path))
    swedish_message(exc.value, drop=[path, "JSON", "Jupyter"])


@pytest.mark.parametrize("command", ["params", "report"])
def test_an_existing_file_that_is_not_ipynb(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello\n", encoding="utf-8")
    line = refused(capsys, command, str(text))
    assert str(text) in line and "not a Jupyter notebook (.ipynb)" in line, line
    assert "no such" not in line
    with pytest.raises(ParameterError) as exc:
        notebook_path(str(text))
    swedish_message(exc.value, drop=[text, "Jupyter", "(.ipynb)"])


def test_a_folder_is_not_a_notebook(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    line = refused(capsys, "params", str(tmp_path))
    assert str(tmp_path) in line and "folder" in line, line


def test_the_paired_text_form_of_a_report_names_the_report(
    capsys: pytest.CaptureFixture[str],
) -> None:
    paired = notebooks_dir() / "pilot_vs_candidate.py"
    assert paired.exists()
    line = refused(capsys, "report", str(paired))
    assert "not a Jupyter notebook (.ipynb)" in line, line
    assert "pilot_vs_candidate" in line and "pilot_vs_candidate.ipynb" in line, line
    with pytest.raises(ParameterError) as exc:
        notebook_path(str(paired))
    swedish_message(exc.value, drop=[paired, "Jupyter", "(.ipynb)", "pilot_vs_candidate.ipynb"])


def test_a_missing_path_says_no_such_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    line = refused(capsys, "params", str(tmp_path / "gone.ipynb"))
    assert "gone.ipynb" in line and "no such" in line.lower(), line


# -- relative paths ---------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["k.ipynb", "./k.ipynb", "sub/../k.ipynb"])
def test_a_relative_path_is_a_path(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    given: str,
) -> None:
    notebook(tmp_path / "k.ipynb", params="k_param = 3  # a number")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    assert notebook_path(given).resolve() == (tmp_path / "k.ipynb").resolve()
    code, out, err = run(capsys, "params", given)
    assert code == 0, err
    assert "k_param" in out and "default=3" in out, out


def test_a_relative_path_runs_as_a_report(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    reports_tmp: Path,
) -> None:
    """The notebook also has no kernel metadata: it runs on the project's kernel all the same."""
    notebook(tmp_path / "k.ipynb", kernelspec=False)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "report", "./k.ipynb", "-p", "x=2")
    assert code == 0, err
    html = Path(out.strip().splitlines()[-1])
    assert html.is_file() and html.is_relative_to(reports_tmp), out


def test_a_report_name_with_ipynb_still_names_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no such file here: the project's report of that name
    assert notebook_path("pilot_effect.ipynb") == notebooks_dir() / "pilot_effect.ipynb"
    assert notebook_path("pilot_effect") == notebooks_dir() / "pilot_effect.ipynb"


# -- parameters cells -------------------------------------------------------------------------


def test_no_kernelspec_is_read_as_the_project_kernel_runs_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = notebook(tmp_path / "bare.ipynb", kernelspec=False)
    code, out, err = run(capsys, "params", str(path))
    assert code == 0, err
    assert out.split()[:2] == ["x", "int"] and "a number" in out, out
    assert validate(str(path), {"x": 5}) == {"x": 5}


@pytest.mark.parametrize(("lang", "say"), [("en", "has no parameters"), ("sv", "har inga")])
def test_no_parameters_cell(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    say: str,
) -> None:
    monkeypatch.setenv("PILOTBENCH_LANG", lang)
    path = notebook(tmp_path / "plain.ipynb", params=None)
    assert read_params(str(path)) == []
    code, out, err = run(capsys, "params", str(path))
    assert (code, err) == (0, "")
    assert len(out.strip().splitlines()) == 1 and say in out and str(path) in out, out
    if lang == "sv":
        from tests.swedish import english_words

        assert not english_words(out, drop=[path, "parameters"]), out


# -- end_year against the indicators requested ------------------------------------------------


@pytest.fixture(scope="module")
def imported_2023(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of data/ with a Brå file for 2023 (grov kvinnofridskränkning) imported."""
    from research.data.imports import import_file

    dst = tmp_path_factory.mktemp("imported") / "data"
    shutil.copytree(
        PROJECT_ROOT / "data", dst, ignore=shutil.ignore_patterns("processed", "imported", ".*")
    )
    lines = BRA.read_text(encoding="utf-8-sig").splitlines()
    lines[0] = lines[0].replace("2022", "2023")
    csv = dst.parent / "bra_2023.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_file(csv, source="bra", base=dst)
    return dst


@pytest.fixture
def data_2023(imported_2023: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PILOTBENCH_DATA", str(imported_2023))
    return imported_2023


def test_end_year_follows_the_indicators_requested(data_2023: Path) -> None:
    got = validate("pilot_vs_candidate", {"indicators": ["BRA_GROV_KVINNOFRID"], "end_year": 2023})
    assert got["end_year"] == 2023
    # a list: the latest year any requested indicator has data
    got = validate(
        "decision_brief",
        {"indicators": "N07402,BRA_GROV_KVINNOFRID", "end_year": 2023},
    )
    assert got["end_year"] == 2023


def test_end_year_after_the_indicators_data_is_refused(data_2023: Path) -> None:
    with pytest.raises(ParameterError, match="end in 2023") as exc:
        validate("pilot_vs_candidate", {"indicators": ["BRA_GROV_KVINNOFRID"], "end_year": 2024})
    assert "BRA_GROV_KVINNOFRID" in str(exc.value)
    swedish_message(exc.value, drop=["BRA_GROV_KVINNOFRID", "pilotbench data import"])
    with pytest.raises(ParameterError, match=r"end in 2023 \(the latest year any of") as exc:
        validate(
            "pilot_vs_candidate", {"indicators": "N07402,BRA_GROV_KVINNOFRID", "end_year": 2024}
        )
    swedish_message(exc.value, drop=["N07402, BRA_GROV_KVINNOFRID", "pilotbench data import"])
    # an indicator without 2023 data still ends in 2022
    with pytest.raises(ParameterError, match="end in 2022"):
        validate("pilot_vs_candidate", {"indicators": ["N07402"], "end_year": 2023})
    # no indicators requested: the default indicators, as before
    with pytest.raises(ParameterError, match=r"end in 2022 \(the default violence indicators"):
        validate("pilot_vs_candidate", {"end_year": 2023})
    # the singular indicator still counts (pilot_effect has no list)
    with pytest.raises(ParameterError, match=r"end in 2022 \(for N07402"):
        validate("pilot_effect", {"end_year": 2023})


def test_the_report_command_takes_end_year_of_an_imported_year(
    capsys: pytest.CaptureFixture[str], data_2023: Path
) -> None:
    """As the tester ran it: refused (exit 2) only past the indicators' last year."""
    line = refused(capsys, "report", "-p", "indicators=BRA_GROV_KVINNOFRID", "-p", "end_year=2024")
    assert "end in 2023 (for BRA_GROV_KVINNOFRID)" in line, line
