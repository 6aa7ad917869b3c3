"""The per-kernel memo of the pilot-effect analysis (``research.analyses.effect_cache``)."""

from __future__ import annotations

import polars as pl
import pytest

from research.analyses import effect_cache
from research.analyses.effect_cache import (
    cached_pilot_effect_analysis,
    clear_effect_cache,
    panel_digest,
)
from research.core.errors import ArgumentError, DesignError

SECTIONS = (
    "title",
    "summary",
    "question",
    "need",
    "effect_section",
    "similarity",
    "power",
    "sources",
)


@pytest.fixture(autouse=True)
def _empty_cache():
    clear_effect_cache()
    yield
    clear_effect_cache()


def test_panel_digest_follows_content_not_identity() -> None:
    a = pl.DataFrame({"area_code": ["0126", "0180"], "value": [1.5, 2.0]})
    assert panel_digest(a) == panel_digest(a.clone())
    assert panel_digest(a) != panel_digest(a.with_columns(pl.Series("value", [1.5, 2.5])))
    assert panel_digest(a) != panel_digest(a.reverse())  # row order is content too
    assert panel_digest(a) != panel_digest(a.rename({"value": "rate"}))
    assert panel_digest(a) != panel_digest(a.cast({"value": pl.Float32}))
    assert panel_digest(a.head(0)) != panel_digest(a.select("area_code").head(0))
    with pytest.raises(ArgumentError, match="polars DataFrame"):
        panel_digest({"value": [1.0]})  # type: ignore[arg-type]


def test_memo_key_panel_content_and_options(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict] = []

    def fake(panel: pl.DataFrame, **opts: object) -> object:
        if opts.get("indicator") == "bad":
            raise DesignError("no design")
        calls.append(opts)
        return object()

    monkeypatch.setattr(effect_cache, "pilot_effect_analysis", fake)
    panel = pl.DataFrame({"area_code": ["0126", "0180"], "value": [1.5, 2.0]})
    first = cached_pilot_effect_analysis(panel, pilot="0180", indicator="N07402")
    assert cached_pilot_effect_analysis(panel, indicator="N07402", pilot="0180") is first
    assert cached_pilot_effect_analysis(panel.clone(), pilot="0180", indicator="N07402") is first
    assert len(calls) == 1
    # the catalogue and the programme are resolved and passed on, so they are in the key
    assert calls[0]["catalog"] is not None and calls[0]["programme"] is not None
    changed = panel.with_columns(pl.Series("value", [1.5, 2.1]))
    assert cached_pilot_effect_analysis(changed, pilot="0180", indicator="N07402") is not first
    assert cached_pilot_effect_analysis(panel, pilot="0180", indicator="N07403") is not first
    assert len(calls) == 3
    for _ in range(2):  # errors are raised every time, never cached
        with pytest.raises(DesignError):
            cached_pilot_effect_analysis(panel, pilot="0180", indicator="bad")
    for i in range(effect_cache.MAX_ENTRIES + 2):  # bounded: the oldest entries go
        cached_pilot_effect_analysis(panel, pilot="0180", indicator="N07402", end_year=2000 + i)
    assert len(effect_cache._RESULTS) == effect_cache.MAX_ENTRIES


@pytest.mark.slow
def test_cached_and_uncached_briefs_are_identical(monkeypatch: pytest.MonkeyPatch) -> None:
    from research.views.decision_brief.sections import decision_brief

    real = effect_cache.pilot_effect_analysis
    computed: list[str] = []

    def counting(panel: pl.DataFrame, **opts: object):
        computed.append(str(opts.get("pilot")))
        return real(panel, **opts)

    monkeypatch.setattr(effect_cache, "pilot_effect_analysis", counting)

    def render(candidate: str) -> list[str]:
        brief = decision_brief(pilot="0180", candidate=candidate, lang="sv")
        return [str(getattr(brief, name)()) for name in SECTIONS]

    render("0127")  # the batch's first brief computes the pilot's analysis
    cached = render("0126")  # the second reuses it
    assert len(computed) == 1
    clear_effect_cache()
    uncached = render("0126")
    assert len(computed) == 2
    assert cached == uncached
    assert "Huddinge" in cached[0]
