"""Swedish and English number formatting (expected strings written out by hand)."""

from __future__ import annotations

import pytest

from research.core.errors import ParameterError
from research.core.fmt import (
    format_count,
    format_int,
    format_month,
    format_number,
    format_percent,
    format_year,
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
