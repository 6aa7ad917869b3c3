"""Latest-year levels and kommun ranks, checked against a count made from the raw file text."""

from __future__ import annotations

from research.analyses.profile import latest_levels, rank_among_kommuner
from research.core.paths import PROJECT_ROOT
from research.data.panel import load_panel

RAW = PROJECT_ROOT / "data" / "raw" / "kolada" / "ddf--datapoints--n07402--by--geo--year.csv"


def _raw_2022() -> dict[str, float]:
    out = {}
    for line in RAW.read_text().splitlines()[1:]:
        g, y, v = line.split(",")
        if y == "2022" and len(g) == 4:
            out[g] = float(v)
    return out


def test_rank_matches_count_of_higher_values() -> None:
    values = _raw_2022()
    expected = 1 + sum(v > values["0126"] for v in values.values())
    r = rank_among_kommuner(load_panel(), "N07402", 2022)
    got = r.filter(r["area_code"] == "0126")
    assert got["rank"][0] == expected
    assert got["n_ranked"][0] == 290 == len(values)
    top = max(values, key=values.get)
    assert r["area_code"][0] == top


def test_ties_share_the_lowest_rank() -> None:
    r = rank_among_kommuner(load_panel(), "N07402", 2022)
    values = _raw_2022()
    zero = [g for g, v in values.items() if v == 0.0]
    if len(zero) > 1:
        ranks = r.filter(r["area_code"].is_in(zero))["rank"].unique().to_list()
        assert ranks == [1 + sum(v > 0 for v in values.values())]


def test_latest_levels_table() -> None:
    t = latest_levels(load_panel(), ["N07402", "N07401"], ["0126", "0180", "00"], rank_area="0126")
    first = t.row(0, named=True)
    assert first["year"] == 2022
    assert first["value_0126"] == 9.60665
    # N07401 ends in 2018 (three-year mean), so its latest common year is 2018.
    assert t.row(1, named=True)["year"] == 2018
