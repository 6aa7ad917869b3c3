"""Typography of the reports' approved text: year ranges with an en dash (polish item 4).

The approved text (``tests/golden/*.txt``) is what every default report renders, in both
languages (``tests/test_golden_reports.py`` fails unless the rendered text is exactly that),
so checking it checks the reports.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
# two years joined by a hyphen: "2023-2025" (the en dash of "2023–2025" is fine)
_HYPHEN_RANGE = re.compile(r"(?<![\d-])(?:19|20)\d\d-(?:19|20)\d\d(?![\d-])")
#: Lines that are a report parameter exactly as the user gave it (the header's ``years``).
_AS_GIVEN = re.compile(r"^\d{4}-\d{4}$")


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*.txt")), ids=lambda p: p.stem)
def test_year_ranges_use_an_en_dash(golden: Path) -> None:
    bad = [
        f"{i}: {line.strip()[:120]}"
        for i, line in enumerate(golden.read_text(encoding="utf-8").splitlines(), start=1)
        if _HYPHEN_RANGE.search(line) and not _AS_GIVEN.match(line.strip())
    ]
    assert bad == [], "year ranges with a hyphen:\n" + "\n".join(bad)


def test_the_pattern() -> None:
    assert _HYPHEN_RANGE.search("för 2023-2025 har")
    assert not _HYPHEN_RANGE.search("för 2023–2025 har")
    assert not _HYPHEN_RANGE.search("sha 1994-20221")


RESEARCH = Path(__file__).resolve().parents[1] / "research"


def test_swedish_percent_sign_is_held_to_its_number() -> None:
    """Swedish writes "95 %" with a space, which must be a no-break space (U+00A0) so that a
    line never breaks between the number and the sign (it did in the summaries: "−6,7 / %
    per år"); English writes "95%". Checked on every message catalogue, both languages."""
    bad = []
    for path in sorted(RESEARCH.rglob("*.toml")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"(\d|\}) %", line):
                bad.append(f"{path.relative_to(RESEARCH)}:{i}: {line.strip()[:80]}")
    assert bad == [], "a plain space before %:\n" + "\n".join(bad)
