"""Swedish messages of the configuration files' checks (research.core.config).

Real errors, from broken schedules, a broken manifest, catalogue and case file in
``tmp_path``: each has a Swedish message (``err.message("sv")``) with no English sentence in
it (only the TOML parser's own description may stay, in brackets), worded by pydantic's
error type and its values, while the English message stays what it was.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import BaseModel, Field, ValidationError

from research.core.config import ScheduleFile, _problem, read_toml, validate_config
from research.core.errors import DataError, ParameterError
from research.core.paths import data_dir
from research.data.catalog import load_catalog
from research.data.pilots import load_case
from research.data.provenance import load_manifest
from research.runner.batch import load_schedule

from .swedish import swedish_message

JOB = '[[job]]\nnotebook = "pilot_vs_candidate"\n'


def _schedule(tmp_path: Path, body: str | bytes) -> tuple[Path, ParameterError]:
    sched = tmp_path / "s.toml"
    if isinstance(body, bytes):
        sched.write_bytes(body)
    else:
        sched.write_text(body, encoding="utf-8")
    with pytest.raises(ParameterError) as info:
        load_schedule(sched)
    return sched, info.value


def test_schedule_not_toml_gives_line_and_column_in_swedish(tmp_path: Path) -> None:
    s, err = _schedule(tmp_path, '[batch]\nworkers = 2\n[[job]\nnotebook = "x"\n')
    reason = "Expected ']]' at the end of an array declaration"
    assert str(err) == f"{s}: not valid TOML ({reason} (at line 3, column 6))"
    assert swedish_message(err, drop=[s]) == (
        f"{s}: är inte giltig TOML på rad 3, kolumn 6 (']]' saknas i slutet av tabellistans rubrik)"
    )


def test_schedule_not_toml_at_the_end(tmp_path: Path) -> None:
    s, err = _schedule(tmp_path, "[batch]\nworkers = ")
    assert str(err) == f"{s}: not valid TOML (Invalid value (at end of document))"
    assert swedish_message(err, drop=[s]) == (
        f"{s}: är inte giltig TOML i slutet av filen (ogiltigt värde (text ska stå inom "
        "citattecken))"
    )


@pytest.mark.parametrize(
    "body",
    [
        'a = {b = 1', 'a = "x', "a = 1\na = 2", "a = 1 b", "a = x", "[[t]\n", "= 1",
        "[a]\n[a]", "a = {b=1, b=2}", 'a = "\\uD800"', "x = 0xZ", "a = [1 2]",
        "a = 'x\\y'\nb = \"c\\q\"", "[batch\nw = 2", "a = [1, 2",
    ],
)  # fmt: skip
def test_every_toml_syntax_error_is_described_in_swedish(tmp_path: Path, body: str) -> None:
    """tomllib's own (English) description of the error is worded in Swedish too."""
    _, err = _schedule(tmp_path, body)
    reason = re.fullmatch(r".*: not valid TOML \((.+?)(?: \(at [^()]*\))?\)", str(err))
    assert reason, str(err)
    sv = swedish_message(err, drop=[tmp_path])
    assert reason[1] not in sv, sv


@pytest.mark.parametrize(
    ("body", "en", "sv"),
    [
        ('[batch]\nworkers = "two"\n' + JOB,
         "[batch] workers: expected a whole number, got 'two'",
         "[batch] workers: ska vara ett heltal, inte 'two'"),
        ("[batch]\nworkers = 0\n" + JOB,
         "[batch] workers: Input should be greater than or equal to 1",
         "[batch] workers: ska vara minst 1"),
        ("[batch]\nworkers = 65\n" + JOB,
         "[batch] workers: Input should be less than or equal to 64",
         "[batch] workers: ska vara högst 64"),
        # a schedule's jobs are named by number and line (research.runner.batch.job_name),
        # and an unknown key lists the known ones (research.runner.batch.load_schedule)
        (JOB + 'parametrar = { candidate = "0126" }\n',
         "job 1 (line 1): 'parametrar' is not a known field; did you mean 'parameters'? "
         "Known fields: notebook, parameters, each",
         "jobb 1 (rad 1): 'parametrar' är inget känt fält; menade du 'parameters'? "
         "Kända fält: notebook, parameters, each"),
        ('[[job]]\nnotebook = ""\n',
         "job 1 (line 1) notebook: String should have at least 1 character",
         "jobb 1 (rad 1) notebook: ska ha minst 1 tecken"),
        ("[bach]\nworkers = 2\n" + JOB,
         "top level: 'bach' is not a known field; did you mean 'batch'? "
         "Known fields: batch, job, jobs",
         "översta nivån: 'bach' är inget känt fält; menade du 'batch'? "
         "Kända fält: batch, job, jobs"),
        (JOB + "parameters = { candidate = 126 }\n",
         "job 1 (line 1) parameters: candidate = 126 is a number, so leading zeros are lost; "
         "area codes are text: write candidate = '0126'",
         "jobb 1 (rad 1) parameters: candidate = 126 är ett tal, så inledande nollor går "
         "förlorade; områdeskoder är text: skriv candidate = '0126'"),
        ('[batch]\nworkers = 99\nlang = "de"\n' + JOB,
         "[batch] workers: Input should be less than or equal to 64 (and 1 more problem)\n"
         "  [batch] lang: is not one of the allowed values 'sv' or 'en', got 'de'",
         "[batch] workers: ska vara högst 64 (och ytterligare 1 problem)\n"
         "  [batch] lang: 'de' är inte ett av de tillåtna värdena 'sv' eller 'en'"),
        ('[[job]]\nnotebok = "x"\n',
         "job 1 (line 1): 'notebok' is not a known field; did you mean 'notebook'? "
         "Known fields: notebook, parameters, each",
         "jobb 1 (rad 1): 'notebok' är inget känt fält; menade du 'notebook'? "
         "Kända fält: notebook, parameters, each"),
    ],
)  # fmt: skip
def test_bad_schedule_in_both_languages(tmp_path: Path, body: str, en: str, sv: str) -> None:
    s, err = _schedule(tmp_path, body)
    assert str(err) == f"{s}: {en}"
    assert swedish_message(err, drop=[s]) == f"{s}: {sv}"


def test_schedule_not_utf8_missing_or_a_folder(tmp_path: Path) -> None:
    s, err = _schedule(tmp_path, b"\xff\xfe[[job]]\n")
    assert str(err) == f"{s}: not UTF-8 text (invalid start byte); save it as UTF-8"
    assert swedish_message(err, drop=[s]) == (
        f"{s}: är inte UTF-8-text (ogiltig inledande byte); spara filen som UTF-8"
    )
    with pytest.raises(ParameterError) as info:
        load_schedule(tmp_path / "none.toml")
    assert str(info.value) == f"{tmp_path / 'none.toml'}: no such schedule file"
    assert swedish_message(info.value, drop=[tmp_path / "none.toml"]) == (
        f"{tmp_path / 'none.toml'}: schemafilen finns inte"
    )
    with pytest.raises(ParameterError) as info:
        load_schedule(tmp_path)
    assert str(info.value) == f"{tmp_path}: is a folder, not a schedule file"
    assert (
        swedish_message(info.value, drop=[tmp_path]) == f"{tmp_path}: är en mapp, inte schemafilen"
    )
    (tmp_path / "cut.toml").write_bytes('x = "Malmö'.encode()[:-1])
    with pytest.raises(DataError) as info:
        read_toml(tmp_path / "cut.toml")
    assert "(unexpected end of data)" in str(info.value)
    assert "(filen slutar mitt i ett tecken)" in swedish_message(
        info.value, drop=[tmp_path / "cut.toml"]
    )


def _manifest(tmp_path: Path, old: str, new: str) -> DataError:
    text = (data_dir() / "manifest.toml").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "manifest.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_manifest(tmp_path)
    return info.value


def test_manifest_with_a_bad_sha256_shows_it_whole(tmp_path: Path) -> None:
    err = _manifest(tmp_path, 'sha256 = "040130d2', 'sha256 = "X040130d2')
    path = tmp_path / "manifest.toml"
    value = "'X040130d22b8a9ed0340215274548687a16b3c5eb992b860000d9337ada8e9bf2'"
    assert str(err) == f"{path}: [[files]] entry 1 sha256: has the wrong form, got {value}"
    assert (
        swedish_message(err, drop=[path])
        == f"{path}: [[files]]-post 1 sha256: {value} har fel form"
    )


def test_a_long_value_is_cut_visibly(tmp_path: Path) -> None:
    err = _manifest(tmp_path, 'sha256 = "040130d2', 'sha256 = "' + "ab" * 100)
    shown = "'" + "ab" * 30 + "…'"
    assert str(err).endswith(f"sha256: has the wrong form, got {shown}")
    assert swedish_message(err, drop=[tmp_path / "manifest.toml"]).endswith(
        f"sha256: {shown} har fel form"
    )


def test_manifest_of_the_wrong_type(tmp_path: Path) -> None:
    err = _manifest(tmp_path, "bytes = 3538", 'bytes = "big"')
    assert str(err).endswith("[[files]] entry 1 bytes: expected a whole number, got 'big'")
    assert swedish_message(err, drop=[tmp_path / "manifest.toml"]).endswith(
        "[[files]]-post 1 bytes: ska vara ett heltal, inte 'big'"
    )


def test_catalogue_rules_in_swedish(tmp_path: Path) -> None:
    text = (data_dir() / "catalog.toml").read_text(encoding="utf-8")
    head, sep, tail = text.partition("[indicators.N07402]")
    tail = tail.replace("coverage = [2008, 2022]", "coverage = [2022, 2008]", 1)
    tail = tail.replace("per = 100000", "per = 0", 1)
    bad = tmp_path / "catalog.toml"
    bad.write_text(head + sep + tail, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_catalog(bad)
    assert str(info.value) == (
        f"{bad}: [indicators.N07402] coverage: first year 2022 is after the last 2008 "
        "(and 1 more problem)\n  [indicators.N07402] per: Input should be greater than 0"
    )
    assert swedish_message(info.value, drop=[bad]) == (
        f"{bad}: [indicators.N07402] coverage: första året 2022 är senare än det sista, 2008 "
        "(och ytterligare 1 problem)\n  [indicators.N07402] per: ska vara större än 0"
    )


def test_case_file_end_before_start(tmp_path: Path) -> None:
    text = (data_dir() / "pilots.toml").read_text(encoding="utf-8")
    pilots = tmp_path / "pilots.toml"
    pilots.write_text(text.replace('value = "2021-04"', 'value = "2030-04"', 1), "utf-8")
    with pytest.raises(DataError) as info:
        load_case(pilots)
    assert "end: the end " in str(info.value) and "is before the start 2030-04" in str(info.value)
    sv = info.value.message("sv")
    assert re.search(r"end: slutmånaden \S+ ligger före startmånaden 2030-04; rätta felet där", sv)


def test_pydantics_own_wording_is_the_english_and_other_kinds_fall_back(tmp_path: Path) -> None:
    """The English of the kinds pydantic words itself is pydantic's text, unchanged; a kind
    the catalogue does not know keeps pydantic's text in brackets after a Swedish phrase."""

    class Odd(BaseModel):
        even: Annotated[int, Field(multiple_of=2)]
        few: list[int] = Field(max_length=1)
        name: str = Field(max_length=2)

    bad = [
        (Odd, {"even": 3, "few": [1, 2], "name": "abc"}),
        (ScheduleFile, {"batch": {"workers": 0}, "job": [{"notebook": ""}]}),
    ]
    for model, data in bad:
        with pytest.raises(ValidationError) as info:
            model.model_validate(data)
        for e in info.value.errors(include_url=False):
            if e["type"] in ("int_type", "string_type", "literal_error", "missing"):
                continue  # worded by pilotbench itself
            assert _problem(e)[0] == e["msg"], e
    with pytest.raises(DataError) as err:
        validate_config(Odd, {"even": 3, "few": [1, 2], "name": "ab"}, "odd.toml")
    assert str(err.value) == (
        "odd.toml: top level even: Input should be a multiple of 2 (and 1 more problem)\n"
        "  top level few: List should have at most 1 item after validation, not 2"
    )
    assert err.value.message("sv") == (
        "odd.toml: even på översta nivån: ogiltigt värde (Input should be a multiple of 2) "
        "(och ytterligare 1 problem)\n"
        "  few på översta nivån: listan får ha högst 1 element, inte 2"
    )


def test_the_caller_names_the_entries_of_an_array_of_tables() -> None:
    """validate_config names an entry as the caller says (a schedule's "job 2 (line 8)"), and
    generically where the caller gives no name; the message is worded once, not rewritten."""
    data = {"job": [{"notebook": "x"}, {"notebook": ""}], "jobs": [{"notebook": 1}]}
    asked: list[tuple[str, int]] = []

    def names(table: str, n: int) -> tuple[str, str] | None:
        asked.append((table, n))
        return ("second", "andra") if table == "job" else None

    with pytest.raises(ParameterError) as info:
        validate_config(ScheduleFile, data, "s.toml", ParameterError, names)
    assert str(info.value) == (
        "s.toml: second notebook: String should have at least 1 character (and 1 more problem)\n"
        "  [[jobs]] entry 1 notebook: expected text in quotes, got 1"
    )
    assert info.value.message("sv").splitlines()[0].startswith("s.toml: andra notebook: ")
    assert ("job", 2) in asked and ("jobs", 1) in asked
