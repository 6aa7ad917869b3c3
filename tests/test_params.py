"""Report parameters are validated before any kernel starts."""

from __future__ import annotations

import pytest

from research.core.errors import AreaCodeTypeError, ParameterError, UnknownAreaError
from research.runner.params import parse_cli_value, read_params, validate


def test_parameters_cell_is_read() -> None:
    specs = {p.name: p for p in read_params("pilot_vs_candidate")}
    assert specs["candidate"].default == "0126" and specs["candidate"].type == "str"
    assert specs["start_year"].type == "int" and "first year" in specs["start_year"].help


def test_valid_values_are_normalized() -> None:
    out = validate(
        "pilot_vs_candidate",
        {
            "candidate": "huddinge kommun",
            "pilot": "Stockholm",
            "indicators": "n07402, N07549",
            "lang": "en",
        },
    )
    assert out == {
        "candidate": "0126",
        "pilot": "0180",
        "indicators": ["N07402", "N07549"],
        "lang": "en",
    }


@pytest.mark.parametrize(
    ("values", "error", "match"),
    [
        ({"candidat": "0126"}, ParameterError, "did you mean 'candidate'"),
        ({"candidate": "Hudinge"}, UnknownAreaError, r"Huddinge \(0126\)"),
        ({"candidate": 126}, AreaCodeTypeError, "leading zeros"),
        ({"start_year": 1850}, ParameterError, "outside 1990–2100"),
        ({"start_year": 2020, "end_year": 2010}, ParameterError, "after end_year"),
        ({"start_year": "2010"}, ParameterError, "integer year"),
        ({"lang": "de"}, ParameterError, "sv, en"),
        ({"pilot_start": "2021-13"}, ParameterError, "^pilot_start: expected a month as 'YYYY-MM'"),
        ({"indicators": ["N99999"]}, Exception, "not in the catalogue"),
        ({"pilot": "0126", "candidate": "Huddinge"}, ParameterError, "same area"),
    ],
)
def test_invalid_values_are_refused(values: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        validate("pilot_vs_candidate", values)


def test_unknown_notebook() -> None:
    with pytest.raises(ParameterError, match="did you mean pilot_vs_candidate"):
        validate("pilot_vs_candidat", {})


def test_cli_values_keep_codes_as_strings() -> None:
    assert parse_cli_value("0126") == "0126"
    assert parse_cli_value("2015") == 2015
    assert parse_cli_value("['N07402']") == ["N07402"]


def test_other_notebooks_parameters() -> None:
    assert validate("pilot_effect", {"donors": "lan:Stockholms län", "indicator": "n07549"}) == {
        "donors": "lan:01",
        "indicator": "N07549",
    }
    with pytest.raises(ParameterError, match="similar:K"):
        validate("pilot_effect", {"donors": "everyone"})
    with pytest.raises(ParameterError, match="non-negative"):
        validate("candidate_screening", {"w_need": -1})
    with pytest.raises(ParameterError, match="FIRST-LAST"):
        validate("candidate_screening", {"years": "twenty"})
    with pytest.raises(ParameterError, match="must be a län"):
        validate("candidate_screening", {"lan": "0126"})
    with pytest.raises(ParameterError, match="top must be a whole number"):
        validate("candidate_screening", {"top": "ten"})


@pytest.mark.parametrize("top", [0, -3, "10", 2.5, True])
def test_screening_top_is_refused_before_a_kernel_starts(top: object) -> None:
    with pytest.raises(ParameterError, match="top must be a whole number >= 1") as info:
        validate("candidate_screening", {"top": top})
    assert info.value.message("sv").startswith("top ska vara ett heltal >= 1")
    assert validate("candidate_screening", {"top": 5}) == {"top": 5}


def test_year_range_with_an_en_dash_or_reversed() -> None:
    from research.runner.params import parse_year_range

    assert parse_year_range("years", "2020\u20132022") == (2020, 2022)
    with pytest.raises(ParameterError, match="did you mean '2020-2022'") as info:
        validate("candidate_screening", {"years": "2022-2020"})
    assert "menade du '2020-2022'" in info.value.message("sv")


@pytest.mark.parametrize(
    ("notebook", "values", "en", "sv"),
    [
        ("pilot_vs_candidate", {"pilot": "9999"}, "pilot = '9999': No area", "pilot = '9999': "),
        ("pilot_effect", {"donors": "lan:99"}, "donors = 'lan:99': No area", "donors = 'lan:99': "),
        (
            "pilot_effect",
            {"expansion": "126:2024"},
            "expansion = '126:2024': No area has the code '126'",
            "expansion = '126:2024': ",
        ),
    ],
)
def test_area_errors_name_the_parameter(notebook: str, values: dict, en: str, sv: str) -> None:
    """'No area has the code 99' did not say which parameter held it."""
    with pytest.raises((UnknownAreaError, AreaCodeTypeError)) as info:
        validate(notebook, values)
    assert str(info.value).startswith(en)
    assert info.value.message("sv").startswith(sv) and info.value.message("sv") != str(info.value)


@pytest.mark.parametrize(
    ("notebook", "values", "match"),
    [
        (
            "candidate_screening",
            {"w_need": 0, "w_similarity": 0, "w_detectability": 0},
            "All three weights",
        ),
        ("candidate_screening", {"w_need": 1e999}, "w_need must be a finite number"),
        ("candidate_screening", {"years": "1995-2000"}, "fall outside the data of N07402"),
        ("candidate_screening", {"indicator": "N01951"}, "not a rate per inhabitants"),
        ("candidate_screening", {"lan": "01", "areas": "skr:Storstäder"}, "not both"),
        ("candidate_screening", {"pilot": "01"}, r"pilot must be a kommun; .* is a län"),
        ("pilot_effect", {"pilot": "0180-SOD"}, r"pilot must be a kommun; .* is a district"),
        ("decision_brief", {"pilot": "01"}, "pilot must be a kommun"),
    ],
)
def test_the_reports_own_checks_run_before_a_kernel(notebook: str, values: dict, match: str):
    """These passed validate and failed in the kernel (exit 1, a failed notebook saved)."""
    with pytest.raises(ParameterError, match=match) as info:
        validate(notebook, values)
    assert info.value.message("sv") != str(info.value)


@pytest.mark.parametrize("notebook", ["pilot_vs_candidate", "decision_brief"])
@pytest.mark.parametrize(("given", "level"), [("01", "a län"), ("00", "Sweden as a whole")])
def test_a_candidate_must_be_a_kommun(notebook: str, given: str, level: str) -> None:
    """pilot_vs_candidate ran with a län as its 'candidate kommun'; the brief refused it."""
    with pytest.raises(ParameterError) as info:
        validate(notebook, {"candidate": given})
    assert "candidate must be a kommun; " in str(info.value)
    assert f"is {level}. Give a kommun's code or name, e.g. '0126'" in str(info.value)
    assert "ska vara en kommun" in info.value.message("sv")


@pytest.mark.parametrize(
    ("notebook", "values", "message"),
    [
        # the report's own check: "candidate must be a kommun; Stockholms län (01) is a län"
        ("pilot_vs_candidate", {"candidate": "Stockholms"}, "Did you mean Stockholm (0180)?"),
        ("decision_brief", {"candidate": "Stockholms län"}, "Did you mean Stockholm (0180)?"),
        ("candidate_screening", {"focus": "Stockholms"}, "Did you mean Stockholm (0180)?"),
        ("candidate_screening", {"lan": "Stockholm"}, "Did you mean Stockholms län (01)?"),
        ("pilot_effect", {"donors": "lan:Uppsala"}, "Did you mean Uppsala län (03)?"),
    ],
)
def test_an_area_of_the_wrong_level_suggests_its_namesake(
    notebook: str, values: dict, message: str
) -> None:
    """``--candidate Stockholms`` found Stockholms län, and the error said a län is not a
    kommun without offering Stockholm (0180)."""
    with pytest.raises(ParameterError) as info:
        validate(notebook, values)
    assert str(info.value).endswith(message), str(info.value)
    assert info.value.message("sv").endswith(message.replace("Did you mean", "Menade du"))


def test_no_namesake_is_suggested_twice_or_without_one() -> None:
    # the pilot's own message already names Stockholm ('0180'): not suggested again
    with pytest.raises(ParameterError) as info:
        validate("pilot_effect", {"pilot": "Stockholms"})
    assert "Did you mean" not in str(info.value) and "'0180'" in str(info.value)
    with pytest.raises(ParameterError) as info:  # Skåne län: no kommun is named like it
        validate("pilot_vs_candidate", {"candidate": "Skåne"})
    assert "Did you mean" not in str(info.value)


def test_a_pilot_start_before_the_window_and_repeated_indicators() -> None:
    """``-p pilot_start=1990-01`` was accepted, and the report dated the pilot 1990 with charts
    from 2008; ``indicators=['N07402','N07402']`` showed every row twice."""
    from research.views.pilot_vs_candidate.checks import check_parameters

    with pytest.raises(ParameterError, match=r"pilot_start=1990-01 lies before start_year=2008"):
        validate("pilot_vs_candidate", {"pilot_start": "1990-01"})
    assert validate("pilot_vs_candidate", {"pilot_start": "2008-01"}) == {"pilot_start": "2008-01"}
    ids = check_parameters(indicators=["N07402", "N07549", "N07402"])[2]
    assert ids == ["N07402", "N07549"]
