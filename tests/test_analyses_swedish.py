"""The errors of research.analyses (effect, screening, similarity) read in Swedish.

Each error below is triggered for real, as a notebook or a report would meet it; its Swedish
message (research/analyses/<module>.toml) must differ from the English one and hold no
English sentence, while the English stays what the other tests match on.
"""

from __future__ import annotations

import polars as pl
import pytest

from research.analyses.effect import check_expansion, pilot_effect_analysis
from research.analyses.screening import screen_candidates
from research.analyses.similarity import similar_areas
from research.core.errors import ArgumentError, DataError, DesignError
from research.data.panel import load_panel
from research.geo.registry import load_areas

from .swedish import swedish_message


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return load_panel()


def test_similarity_errors_in_swedish(panel: pl.DataFrame) -> None:
    with pytest.raises(ArgumentError, match="leading zeros matter") as info:
        similar_areas(panel, 126, indicators=["N07402"])  # type: ignore[arg-type]
    assert "inledande nollor" in swedish_message(info.value)

    with pytest.raises(ArgumentError, match=r"\(01\) is a län, but level='kommun'") as info:
        similar_areas(panel, "01", indicators=["N07402"])
    sv = swedish_message(info.value)
    assert sv == (
        "Stockholms län (01) är ett län, men level='kommun'; jämför områden på samma nivå"
    )

    tiny = pl.DataFrame(
        {
            "area_code": ["0114", "0115", "0117"],
            "area_name": ["Upplands Väsby", "Vallentuna", "Österåker"],
            "level": ["kommun"] * 3,
            "year": [2022] * 3,
            "indicator": ["N07402"] * 3,
            "sex": ["T"] * 3,
            "value": [1.0, 2.0, None],
        }
    )
    with pytest.raises(DataError, match="choose another missing= rule") as info:
        similar_areas(tiny, "0114", indicators=["N07402"], missing="error", year=2022)
    assert "saknade värden: ['0117']" in swedish_message(info.value)


def test_screening_errors_in_swedish(panel: pl.DataFrame) -> None:
    with pytest.raises(ArgumentError, match=r"pilot must be a kommun; .* is a län") as info:
        screen_candidates(panel, pilot="01")
    assert swedish_message(info.value) == "pilot ska vara en kommun; Stockholms län (01) är ett län"

    with pytest.raises(DataError, match="the panel has no values of N07402 in 1990-1991") as info:
        screen_candidates(panel, years=(1990, 1991))
    assert "inga värden för N07402" in swedish_message(info.value)


def test_effect_errors_in_swedish(panel: pl.DataFrame) -> None:
    with pytest.raises(DesignError, match="start_year=2019 leaves fewer than 3 years") as info:
        pilot_effect_analysis(panel, start_year=2019)
    assert "färre än 3 år före pilotstarten" in swedish_message(info.value)

    with pytest.raises(ArgumentError, match="län '09' has no kommuner other than") as info:
        pilot_effect_analysis(panel, pilot="0980", donors="lan:09")
    assert "inga andra kommuner än pilotkommunen" in swedish_message(info.value)

    with pytest.raises(ArgumentError, match="is not understood") as info:
        pilot_effect_analysis(panel, donors="grannar")
    assert "går inte att tolka" in swedish_message(info.value)

    pilot = load_areas().resolve("0180")
    with pytest.raises(ArgumentError, match=r"Södermalm.* is a district") as info:
        check_expansion("0180-SOD:2023", pilot, 2021, 2015)
    assert "är inte en kommun utan ett stadsdelsområde" in swedish_message(info.value)
