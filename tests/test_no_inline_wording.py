"""Wording for users lives in message catalogues (Swedish and English), not in Python code.

A message in both languages is worded in a ``*.toml`` catalogue next to the module
(:mod:`research.core.i18n`) and raised as ``en, sv = _TEXTS.both("id", ...)``,
``raise SomeError(en, sv=sv)``. What this test refuses is the old form, a Swedish text
written in the call: ``sv="..."`` or ``sv=f"..."`` (also when it is glued to other pieces
with ``+`` or chosen with ``... if ... else ...``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .sourcetext import is_written_text

ROOT = Path(__file__).resolve().parents[1] / "research"

#: Modules that still word messages inline, being moved to catalogues; remove each entry
#: as its module is done (the list is to end empty).
ALLOWED: set[str] = set()


def inline_wording(source: str, name: str = "<source>") -> list[str]:
    """``name:line`` of every call in ``source`` that passes ``sv=`` a text written inline."""
    return [
        f"{name}:{keyword.value.lineno}"
        for node in ast.walk(ast.parse(source, name))
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "sv" and is_written_text(keyword.value)
    ]


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('raise ArgumentError("x is bad", sv="x är fel")', True),
        ('raise ArgumentError(f"{x} is bad", sv=f"{x} är fel")', True),
        ('E(en, sv="a" + ("b" if c else "c"))', True),
        ('E(en, sv=f"{a}" if c else None)', True),
        ("raise ArgumentError(en, sv=sv)", False),
        ('E(en, sv=TEXTS("id", "sv"))', False),
        ('E(en, sv=exc.message("sv"))', False),
        ("E(en, sv=None)", False),
    ],
)
def test_the_check_finds_inline_swedish(source: str, found: bool) -> None:
    assert bool(inline_wording(source)) is found


def test_allowed_modules_exist() -> None:
    """An entry of the allow-list names a module that is there (not renamed or gone)."""
    assert all((ROOT / rel).is_file() for rel in ALLOWED), sorted(ALLOWED)


def test_no_inline_bilingual_messages() -> None:
    found = [
        hit
        for path in sorted(ROOT.rglob("*.py"))
        if (rel := path.relative_to(ROOT).as_posix()) not in ALLOWED
        for hit in inline_wording(path.read_text(encoding="utf-8"), f"research/{rel}")
    ]
    assert found == [], (
        "messages worded in the code; put them in the module's message catalogue "
        "(research/core/i18n.py) and pass en, sv = TEXTS.both(...):\n" + "\n".join(found)
    )
