"""Swedish and English number formatting (expected strings written out by hand)."""

from __future__ import annotations

import pytest

from research.core.errors import ParameterError
from research.core.fmt import (
    format_count,
    format_int,
    format_interval,
    format_month,
    format_number,
    format_percent,
    format_year,
    split_range,
)

NBSP = "\u00a0"


def test_swedish_decimal_comma_and_nbsp_thousands() -> None:
    assert format_number(1234567.891, 1) == f"1{NBSP}234{NBSP}567,9"
    assert format_number(9.60665, 1) == "9,6"
    assert format_int(984748) == f"984{NBSP}748"


def test_english() -> None:
    assert format_number(1234.56, 1, lang="en") == "1,234.6"
    assert format_percent(12.34, 1, lang="en") == "12.3%"


def test_percent_has_space_before_sign_in_swedish() -> None:
    assert format_percent(13.3, 0) == f"13{NBSP}%"
    assert format_percent(2.66, 1) == f"2,7{NBSP}%"


def test_years_are_never_grouped() -> None:
    assert format_year(2022) == "2022"


def test_missing_and_suppressed() -> None:
    assert format_number(None) == ".."
    assert format_number(float("nan")) == ".."
    assert format_count(2, min_count=3) == ".."
    assert format_count(3, min_count=3) == "3"


def test_no_negative_zero() -> None:
    assert format_number(-0.01, 1) == "0,0"


def test_month() -> None:
    assert format_month("2021-04") == "april 2021"
    assert format_month("2021-04", "en") == "April 2021"
    with pytest.raises(ParameterError):
        format_month("2021-13")
    with pytest.raises(ParameterError):
        format_number(1, lang="de")


def test_intervals_with_a_negative_bound_use_the_minus_sign_and_a_word():
    from research.core.fmt import MINUS, format_interval, format_range

    assert MINUS == "\u2212"
    assert format_interval(-11.44, -0.91, 1, "sv") == "\u221211,4 till \u22120,9"
    assert format_interval(-11.44, -0.91, 1, "en") == "\u221211.4 to \u22120.9"
    assert format_interval(-9.6, 0.5, 1, "sv") == "\u22129,6 till 0,5"
    # non-negative intervals keep the en dash; a missing bound is ".."
    assert format_interval(4.8, 17.25, 1, "sv") == "4,8–17,2"
    assert format_interval(1234.5, 2000, 0, "sv") == "1\u00a0234–2\u00a0000"
    assert format_interval(None, 1.0, 2, "en") == "..–1.00"
    assert format_range("\u22123,0", "\u22120,5", "sv") == "\u22123,0 till \u22120,5"
    with pytest.raises(ParameterError):
        format_range("1", "2", "de")


@pytest.mark.parametrize("period", ["2021-4", "21-04", "2021-13", "2021/04", "2021-04-01", "x"])
def test_a_month_is_yyyy_mm_exactly(period: str) -> None:
    """'2021-4' was accepted: the same month as '2021-04', but another report folder."""
    with pytest.raises(ParameterError, match="YYYY-MM"):
        format_month(period, "en")


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize(("lower", "upper"), [(4.8, 17.2), (-11.4, -0.9), (-3.1, 1146.7)])
def test_split_range_gives_back_the_bounds_format_range_joined(lang, lower, upper) -> None:
    """The CSV downloads split an interval cell into its bounds with the catalogue's own
    joining words (they hard-coded " till " and " to ")."""
    text = format_interval(lower, upper, 1, lang)
    got = split_range(text, lang)
    assert got is not None
    shown = [format_number(b, 1, lang).replace("-", "\u2212") for b in (lower, upper)]
    assert list(got) == shown
    assert split_range("129 av 290", lang) is None and split_range("..", lang) is None
