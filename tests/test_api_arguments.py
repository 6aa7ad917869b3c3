"""The research package's own functions say what is wrong with an argument, in one line.

Found by a new user in a plain Python session: ``series(panel, "N0740", ...)``, ``sex="X"``
and ``years=(2022, 2010)`` returned an empty frame without a word, ``years=("2010",
"2022")`` raised polars' ColumnNotFoundError, ``load_panel("/path")`` an AttributeError
('str' object has no attribute 'resolve') and ``resolve_area(None)`` said "'None' is not a
known area; did you mean Sunne (1766)?".
"""

from __future__ import annotations

import pytest

from research import load_panel, resolve_area, series
from research.core.errors import (
    AreaCodeTypeError,
    ArgumentError,
    DataError,
    UnknownIndicatorError,
)


@pytest.fixture(scope="module")
def panel():
    return load_panel()


def test_a_misspelt_indicator_is_named_with_close_ids(panel) -> None:
    with pytest.raises(UnknownIndicatorError, match="did you mean N07540"):
        series(panel, "N0740", ["Huddinge"])


@pytest.mark.parametrize(
    ("kw", "says"),
    [
        ({"sex": "X"}, "sex must be 'T' (total), 'K' or 'M'; got 'X'"),
        ({"years": (2022, 2010)}, "years must be two years in order"),
        ({"years": ("2010", "2022")}, "as integers"),
        ({"years": (2010,)}, "two years"),
    ],
)
def test_series_refuses_what_would_give_an_empty_frame(panel, kw, says) -> None:
    with pytest.raises(ArgumentError) as info:
        series(panel, "N07402", ["Huddinge"], **kw)
    assert says in info.value.message("en")
    assert info.value.message("sv") != info.value.message("en")


def test_series_still_answers_a_catalogued_indicator_without_rows(panel) -> None:
    assert series(panel, "N07402", ["Huddinge"], years=(2030, 2031)).is_empty()


def test_a_data_folder_given_as_text(tmp_path) -> None:
    with pytest.raises(DataError, match="nope"):
        load_panel(str(tmp_path / "nope"))


@pytest.mark.parametrize("query", [None, ["0126"], 12.5])
def test_an_area_that_is_not_text_is_refused_as_such(query) -> None:
    with pytest.raises(AreaCodeTypeError) as info:
        resolve_area(query)
    assert "did you mean" not in str(info.value)
