"""No choice between wordings by ``lang ==`` below the views: words live in catalogues.

A branch on the language in core, geo, data, stats, analyses, runner, cli or lab would put
prose in code (CONTRIBUTING.md, "Adding a language string"). The few comparisons left are
not wordings, and are listed here with the reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

from research.core.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT / "research"

#: (module, function) pairs that may compare ``lang``, and why.
ALLOWED = {
    # picks the Swedish or English field of a record read from data/catalog.toml
    ("data/catalog.py", "label"),
    ("data/catalog.py", "unit_label"),
    ("data/catalog.py", "description"),
    # the error's own Swedish text (sv=), given where it is raised
    ("core/errors.py", "message"),
    # number formats: decimal mark, no-break space before %, "till"/"to" in a range (fmt
    # is below i18n, which imports it)
    ("core/fmt.py", "format_percent"),
    ("core/fmt.py", "format_range"),
    ("core/warnings.py", "_plain"),
}


def _lang_comparisons(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            names = [s for s in sides if isinstance(s, ast.Name | ast.Attribute)]
            consts = [s for s in sides if isinstance(s, ast.Constant)]
            is_lang = any(
                (isinstance(n, ast.Name) and n.id == "lang")
                or (isinstance(n, ast.Attribute) and n.attr == "lang")
                for n in names
            )
            if is_lang and any(c.value in ("sv", "en") for c in consts):
                found.append((fn.name, node.lineno))
    return found


def test_no_language_branches_below_the_views():
    bad = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("views/"):
            continue
        for fn, line in _lang_comparisons(path):
            if (rel, fn) not in ALLOWED:
                bad.append(f"research/{rel}:{line} in {fn}()")
    assert not bad, "choose a catalogue id instead of comparing lang: " + ", ".join(bad)


def test_the_check_finds_a_branch(tmp_path):
    f = tmp_path / "m.py"
    f.write_text('def f(lang):\n    return "Hej" if lang == "sv" else "Hello"\n')
    assert _lang_comparisons(f) == [("f", 2)]
