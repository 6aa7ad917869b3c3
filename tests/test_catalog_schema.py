"""The catalogue's declared schema: built from ``Indicator``'s fields, lazily, same errors.

The expected messages are written out here from the rules of ``data/catalog.toml`` (what the
file may hold), not taken from the code's output.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from research.core.errors import DataError
from research.core.paths import data_dir
from research.data.catalog import load_catalog

CATALOG = data_dir() / "catalog.toml"


def test_importing_the_catalogue_does_not_import_pydantic():
    code = "import sys, research.data.catalog; print('pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("old", "new", "say"),
    [
        ("per = 100000", 'per = "hundred thousand"',
         "[indicators.N07402] per: expected a whole number, got 'hundred thousand'"),
        ("per = 100000", "per = 0", "[indicators.N07402] per: Input should be greater than 0"),
        ("coverage = [2008, 2022]", "coverage = [2022, 2008]",
         "[indicators.N07402] coverage: first year 2022 is after the last 2008"),
        ("coverage = [2008, 2022]", "coverage = [2008]",
         "[indicators.N07402] coverage: List should have at least 2 items after validation, "
         "not 1"),
        ('kind = "rate"', 'kind = "ratio"',
         "[indicators.N07402] kind: is not one of the allowed values 'rate', 'share', 'count', "
         "'mean', 'index' or 'level', got 'ratio'"),
        ('kind = "rate"', 'kinds = "rate"',
         "[indicators.N07402] kinds: is not a known field (misspelt?)"),
        ('short_sv = "Grov kvinnofridskränkning"', "short_sv = 5",
         "[indicators.N07402] short_sv: expected text in quotes, got 5"),
    ],
)  # fmt: skip
def test_a_bad_indicator_table_names_file_entry_and_field(tmp_path: Path, old, new, say):
    text = CATALOG.read_text(encoding="utf-8")
    head, sep, tail = text.partition("[indicators.N07402]")
    assert sep and old in tail
    bad = tmp_path / "catalog.toml"
    bad.write_text(head + sep + tail.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_catalog(bad)
    assert str(err.value).splitlines()[0].startswith(f"{bad}: {say}")


def test_optional_fields_take_the_label_and_unit(tmp_path: Path):
    """short_sv/short_en/unit_en may be left out of a table; the labels and unit fill them."""
    text = CATALOG.read_text(encoding="utf-8")
    for line in ('short_sv = "Grov kvinnofridskränkning"\n',
                 "short_en = \"Gross violation of a woman's integrity\"\n",
                 'unit_en = "per 100,000 inhabitants"\n'):  # fmt: skip
        assert line in text
        text = text.replace(line, "", 1)
    path = tmp_path / "catalog.toml"
    path.write_text(text, encoding="utf-8")
    ind = load_catalog(path)["N07402"]
    assert ind.short_sv == ind.label_sv == "Anmälda brott om grov kvinnofridskränkning"
    assert ind.short_en == ind.label_en == "Reported gross violation of a woman's integrity"
    assert ind.unit_en == ind.unit == "per 100\xa0000 inv."
    assert (ind.id, ind.kind, ind.per, ind.coverage) == ("N07402", "rate", 100_000, (2008, 2022))
