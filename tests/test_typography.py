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


# A number grouped in thousands: "100 000", "3 630", "1 146,7" (not "sha256 918d...", not
# "CC0 1.0", not a year list). ``_grouped(seps)`` matches one grouped with any of ``seps``.
def _grouped(seps: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.,])\d{{1,3}}(?:[{seps}]\d{{3}})+(?!\w)")


#: Swedish: the groups must be held together by U+00A0, as research.core.fmt writes computed
#: numbers; an ordinary space (or the narrow U+202F, which fmt does not use) is wrong.
_SV_BAD = _grouped(" \u202f")
#: English groups with a comma ("100,000"); any space between digit groups is Swedish style.
_EN_BAD = _grouped(" \u00a0\u202f")
DATA = RESEARCH.parent / "data"


def _strings(node: object, path: tuple[str, ...] = ()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, (*path, str(k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _strings(v, (*path, str(i)))
    elif isinstance(node, str):
        yield path, node


def _lang_of(path: tuple[str, ...]) -> str | None:
    """The language of a TOML string by its key: ``sv``/``en`` in the message catalogues,
    ``*_sv``/``*_en`` in data/*.toml (``unit`` is Swedish: ``unit_en`` is its English
    twin); other data keys are provenance notes in English."""
    key = path[-1] if path else ""
    if key in ("sv", "en"):
        return key
    if key.endswith("_sv") or key == "unit":
        return "sv"
    return "en"


def _toml_texts() -> list[tuple[str, str, str]]:
    import tomllib

    out = []
    files = sorted(RESEARCH.rglob("*.toml")) + sorted(DATA.glob("*.toml"))
    for file in files:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
        where = file.relative_to(RESEARCH.parent)
        for path, text in _strings(raw):
            lang = _lang_of(path)
            out.append((f"{where} [{'.'.join(path)}]", lang, text))
    return out


def _bad_groups(text: str, lang: str) -> list[str]:
    pattern = _SV_BAD if lang == "sv" else _EN_BAD
    return [repr(m.group()) for m in pattern.finditer(text)]


def test_the_grouping_patterns() -> None:
    assert _bad_groups("per 100 000 invånare", "sv") == ["'100 000'"]
    assert _bad_groups("1 146,7 och 22\u202f177,59", "sv") == ["'1 146'", "'22\\u202f177'"]
    assert _bad_groups("per 100\u00a0000 och 1\u00a0146,7", "sv") == []
    assert _bad_groups("sha256 918dc4, CC0 1.0, 2019 2020, 0,5 100", "sv") == []
    assert _bad_groups("3\u00a0630 groups, 100 000", "en") == ["'3\\xa0630'", "'100 000'"]
    assert _bad_groups("3,630 groups, per 100,000", "en") == []


def test_numbers_in_the_toml_texts_are_grouped_for_their_language() -> None:
    """Swedish text in every message catalogue (research/**.toml) and data/*.toml writes
    "100 000" with a no-break space (U+00A0, what research.core.fmt gives computed numbers):
    an ordinary space let a line break split the number ("per 100 / 000 invånare"). English
    text writes "100,000": "3 630 official groups" and "population / 100 000" were Swedish."""
    bad = [
        f"{where} ({lang}): {', '.join(found)}"
        for where, lang, text in _toml_texts()
        if (found := _bad_groups(text, lang))
    ]
    assert bad == [], "numbers grouped the wrong way:\n" + "\n".join(bad)


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*.txt")), ids=lambda p: p.stem)
def test_numbers_in_the_reports_are_grouped_for_their_language(golden: Path) -> None:
    """The same rule on the rendered text of every default report (``tests/golden``, which
    ``tests/test_golden_reports.py`` holds every report to): Swedish "1 146,7" and "131 000"
    with U+00A0, English "131,000", never a space between digit groups."""
    lang = golden.stem.rsplit(".", 1)[1]
    bad = [
        f"{i}: {', '.join(found)}: {line.strip()[:100]}"
        for i, line in enumerate(golden.read_text(encoding="utf-8").splitlines(), start=1)
        if (found := _bad_groups(line, lang))
    ]
    assert bad == [], f"numbers grouped the wrong way in {golden.name}:\n" + "\n".join(bad)


#: A computed number (a placeholder) followed by a plain space and a Swedish unit of time
#: ("{years} år"): the line may break between them ("bara 3 / år i datan"). Labels quoted
#: from the sources ("0-17 år" in Kolada's titles) are left as published.
_SV_UNIT = re.compile(r"\} (?:år|månader|veckor|dagar|procentenheter)\b")
#: The letter x as a multiplication sign between words ("takt x folkmängd", "{ratio} x"): the
#: sign is "×" (U+00D7) in both languages.
_LETTER_X = re.compile(r"(?:\w|\}|\)) x (?=\w|\{|\()(?!axis)")


def test_the_unit_and_times_patterns() -> None:
    assert _SV_UNIT.search("bara {n} år i datan") and _SV_UNIT.search("{m} månader")
    assert not _SV_UNIT.search("bara {n}\u00a0år i datan") and not _SV_UNIT.search("i år")
    assert _LETTER_X.search("takt x folkmängd") and _LETTER_X.search("> {ratio} x pilotens")
    assert not _LETTER_X.search("takt × folkmängd") and not _LETTER_X.search("on a log x axis")


def test_swedish_units_are_held_to_their_number_and_times_is_a_sign() -> None:
    """Swedish "3 år" with U+00A0, as "95 %": a line never breaks between the number and its
    unit ("bara 3 / år i datan"); multiplication is written "×", not the letter x ("takt x
    folkmängd"), in both languages. Checked on every message catalogue and data/*.toml."""
    bad = []
    for where, lang, text in _toml_texts():
        if lang == "sv" and (m := _SV_UNIT.search(text)):
            bad.append(f"{where}: {m.group()!r}")
        if m := _LETTER_X.search(text):
            bad.append(f"{where}: {m.group()!r}")
    assert bad == [], "units or times signs:\n" + "\n".join(bad)
