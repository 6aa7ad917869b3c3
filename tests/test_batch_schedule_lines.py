"""A schedule's jobs are named one way in every message: by number and line.

Messages said "jobb 1" in some places and "[[job]]-post 1" in others, without a line; an
unknown key ("parametres: is not a known field") did not say the known ones. Now each job is
"job N (line L)" (the line of its ``[[job]]`` header, found by scanning the file, as tomllib
keeps no positions), and an unknown key lists the known keys with the closest first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from research.cli import main
from research.core.errors import ParameterError
from research.runner.batch import expand_schedule, job_name, load_schedule

from .swedish import swedish_message

HEAD = "# weekly reports\n[batch]\nworkers = 1\n\n"  # the first [[job]] is on line 5


def _job(body: str = "") -> str:
    return f'[[job]]\nnotebook = "pilot_vs_candidate"\n{body}\n'


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _refused_loading(path: Path) -> ParameterError:
    with pytest.raises(ParameterError) as info:
        load_schedule(path)
    return info.value


def _one_way(err: ParameterError) -> None:
    for text in (str(err), err.message("sv")):
        assert "entry" not in text and "-post" not in text and "[[job]]" not in text, text


def test_job_name_finds_each_header_line(tmp_path: Path) -> None:
    path = _write(tmp_path, HEAD + _job() + "\n  [[ job ]]  # indented\nnotebook = 'x'\n")
    assert job_name(path, 1) == ("job 1 (line 5)", "jobb 1 (rad 5)")
    assert job_name(path, 2) == ("job 2 (line 9)", "jobb 2 (rad 9)")
    assert job_name(path, 3) == ("job 3", "jobb 3")  # no such header: the number alone
    inline = _write(tmp_path, 'job = [{ notebook = "x" }]\n')
    assert job_name(inline, 1, {"job": [{"notebook": "x"}]}) == ("job 1", "jobb 1")


def test_the_schedule_is_read_once_for_the_names_of_all_its_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each job's name used to scan the file again; the lines are found when it is loaded."""
    path = _write(tmp_path, HEAD + "".join(_job() for _ in range(3)) + "[[jobs]]\nnotebook='x'\n")
    monkeypatch.setenv("PILOTBENCH_CACHE", str(tmp_path / "cache"))
    schedule = load_schedule(path)
    reads: list[str] = []
    for method in ("read_bytes", "read_text", "open"):
        real = getattr(Path, method)

        def spy(self: Path, *args: object, _real=real, **kwargs: object) -> object:
            reads.append(str(self))
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(Path, method, spy)
    names = [job_name(path, i, schedule) for i in (1, 2, 3)]
    assert names == [("job 1 (line 5)", "jobb 1 (rad 5)"), ("job 2 (line 8)", "jobb 2 (rad 8)"),
                     ("job 3 (line 11)", "jobb 3 (rad 11)")]  # fmt: skip
    assert schedule.job_names("jobs", 1) == ("job 1 (line 14)", "jobb 1 (rad 14)")
    assert str(path) not in reads, reads


def test_an_unknown_key_lists_the_known_ones_with_the_job_line(tmp_path: Path) -> None:
    path = _write(tmp_path, HEAD + _job() + _job('parametres = { candidate = "0126" }'))
    err = _refused_loading(path)
    assert str(err) == (
        f"{path}: job 2 (line 8): 'parametres' is not a known field; did you mean "
        "'parameters'? Known fields: notebook, parameters, each"
    )
    assert swedish_message(err, drop=[path]) == (
        f"{path}: jobb 2 (rad 8): 'parametres' är inget känt fält; menade du 'parameters'? "
        "Kända fält: notebook, parameters, each"
    )
    each = _write(tmp_path, _job('each = { parameter = "candidate", area = "lan:01" }'))
    assert str(_refused_loading(each)) == (
        f"{each}: job 1 (line 1), each: 'area' is not a known field; did you mean 'areas'? "
        "Known fields: parameter, areas"
    )
    batch = _write(tmp_path, "[batch]\nworker = 2\n" + _job())
    assert str(_refused_loading(batch)).startswith(
        f"{batch}: [batch]: 'worker' is not a known field; did you mean 'workers'? "
        "Known fields: workers, lang"
    )


def test_schema_errors_name_the_job_by_line(tmp_path: Path) -> None:
    jobs = "".join(_job() for _ in range(10))  # job 10 is not "job 1" followed by a 0
    path = _write(tmp_path, HEAD + jobs + '[[job]]\nnotebook = ""\n')
    err = _refused_loading(path)
    assert str(err) == f"{path}: job 11 (line 35) notebook: String should have at least 1 character"
    assert err.message("sv") == f"{path}: jobb 11 (rad 35) notebook: ska ha minst 1 tecken"
    _one_way(err)
    jobs_key = _write(tmp_path, '[[jobs]]\nnotebook = "x"\nparameters = { pilot = 180 }\n')
    err = _refused_loading(jobs_key)
    assert str(err).startswith(f"{jobs_key}: job 1 (line 1) parameters: pilot = 180 is a number")
    _one_way(err)


def test_expansion_errors_name_the_job_by_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        HEAD
        + _job('parameters = { pilot = "0180", candidate = "0126" }')
        + _job('parameters = { pilot = "0180", candidate = "Huddinge" }'),
    )
    with pytest.raises(ParameterError) as info:
        expand_schedule(load_schedule(path), str(path))
    assert str(info.value).startswith(
        f"{path}: job 1 (line 5) with candidate = '0126' and job 2 (line 8) with candidate = "
        "'Huddinge' would both write the report folder pilot_vs_candidate_0180_0126_sv"
    )
    swedish_message(info.value, drop=[path, "pilot_vs_candidate_0180_0126_sv"])
    _one_way(info.value)
    twice = _write(
        tmp_path,
        HEAD
        + _job('parameters = { pilot = "0180", candidate = "0126" }\n'
               'each = { parameter = "candidate", areas = "lan:01" }'),
    )  # fmt: skip
    with pytest.raises(ParameterError) as info:  # one of the two values would be lost
        expand_schedule(load_schedule(twice), str(twice))
    assert str(info.value) == (
        f"{twice}: job 1 (line 5): candidate is given both in parameters (candidate = '0126') "
        "and by each; remove it from parameters"
    )
    lan = _write(tmp_path, _job('each = { parameter = "candidate", areas = "lan:Uppsala" }'))
    with pytest.raises(ParameterError) as info:
        expand_schedule(load_schedule(lan), str(lan))
    assert str(info.value) == (
        f"{lan}: job 1 (line 1): each.areas: 'lan:Uppsala': Uppsala (0380) is not a län. "
        "Did you mean Uppsala län (03)?"
    )


def test_the_command_names_a_misspelt_notebook_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, HEAD + _job() + '[[job]]\nnotebook = "pilot_vs_candidat"\n')
    for lang, job in (("en", "job 2 (line 8)"), ("sv", "jobb 2 (rad 8)")):
        monkeypatch.setenv("PILOTBENCH_LANG", lang)
        assert main(["batch", str(path), "--output", str(tmp_path / "r")]) == 2
        err = capsys.readouterr().err
        assert err.split(": ", 3)[1:3] == [str(path), job], err
        assert "[[job]]" not in err and not (tmp_path / "r").exists()
