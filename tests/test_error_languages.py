"""Every error a user can meet has its Swedish wording, from a message catalogue.

The command line and the reports are Swedish by default: ``pilotbench data import`` printed
"fel: /tmp/x.csv, line 2: Antal 'abc' is not a number in Swedish notation", half Swedish,
half English, because the error carried only an English message. Each construction of a
:class:`research.core.errors.PilotbenchError` (any subclass) in the package must now pass
``sv=`` (the catalogue's :meth:`~research.core.i18n.Catalogue.both` gives both languages);
the few error classes that word their message themselves are checked by making
one and reading its Swedish.

:mod:`research.core.i18n` cannot use the catalogues it loads, and is exempt.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import research
from research.core.errors import PilotbenchError

ROOT = Path(research.__file__).parent

#: Packages and modules whose errors are not (yet) required to carry Swedish, and why.
EXEMPT = {
    "research/core/i18n.py": "errors about the catalogues themselves cannot use a catalogue",
}


def _error_classes() -> dict[str, type[PilotbenchError]]:
    """Every PilotbenchError subclass defined in the package, by class name."""
    for info in pkgutil.walk_packages(research.__path__, "research."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    found: dict[str, type[PilotbenchError]] = {}
    todo: list[type[PilotbenchError]] = [PilotbenchError]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    return found


#: Error classes that build their Swedish message themselves (constructor without ``sv=``).
SELF_WORDED = {"ImplausibleDataError", "UnmatchedNamesError"}


def _modules() -> list[Path]:
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).as_posix()
        if not any(rel == e or rel.startswith(e + "/") for e in EXEMPT):
            out.append(path)
    return out


def _constructions(path: Path, classes: set[str]) -> list[tuple[int, str, bool]]:
    """``(line, class name, has sv=)`` for every call of an error class in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        if name in classes:
            sv = any(k.arg == "sv" for k in node.keywords) or any(
                k.arg is None
                for k in node.keywords  # **kwargs: checked where they are built
            )
            out.append((node.lineno, name, sv))
    return out


def test_the_scan_sees_the_errors_it_is_about() -> None:
    """The scan itself: it finds error constructions, and the exemptions exist."""
    classes = set(_error_classes())
    assert {"DataError", "ParseError", "ArgumentError", "UnknownGroupError"} <= classes
    assert all((ROOT.parent / e).exists() for e in EXEMPT)
    common = ROOT / "data" / "sources" / "common.py"
    assert len(_constructions(common, classes)) > 20


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_error_has_its_swedish_wording(path: Path) -> None:
    classes = set(_error_classes()) - SELF_WORDED
    missing = [
        f"{path.relative_to(ROOT.parent)}:{line} {name}(...) without sv="
        for line, name, sv in _constructions(path, classes)
        if not sv
    ]
    assert not missing, "\n".join(missing)


def test_errors_that_word_themselves_have_swedish() -> None:
    from research.data.plausibility import ImplausibleDataError
    from research.data.sources.common import UnmatchedNamesError

    implausible = ImplausibleDataError(
        "x.csv", [("record 0126 Huddinge 2022 N07402 T", "R1", "value -1 is negative")]
    )
    unmatched = UnmatchedNamesError("x.csv", [(3, "Hudinge", [("0126", "Huddinge")])])
    for err in (implausible, unmatched):
        assert err.message("sv") != str(err), type(err).__name__
    assert set(SELF_WORDED) <= set(_error_classes())
    assert all(inspect.isclass(c) for c in _error_classes().values())


def test_a_report_that_failed_in_its_kernel_is_described_in_the_users_language() -> None:
    """The kernel's error value is English; a pilotbench error shows its message in the
    notebook's language as its one traceback line, which the Swedish description takes (the
    command printed "fel: Rapporten ... misslyckades: cell 3 ... raised DataError: donors=
    'lan:09' leaves 1 comparison kommun(er) ..." in a Swedish report)."""
    from papermill.exceptions import PapermillExecutionError

    from research.runner.report import _describe_failure, _shown_error

    exc = PapermillExecutionError(
        cell_index=3,
        exec_count=3,
        source="report = pilot_effect(pilot=pilot)\n",
        ename="DataError",
        evalue="donors='lan:09' leaves 1 comparison kommun(er).",
        traceback=["\x1b[1;31mDataError\x1b[0m: donors='lan:09' lämnar 1 jämförelsekommun(er)."],
    )
    assert _describe_failure(exc, "en") == (
        "cell 3 (`report = pilot_effect(pilot=pilot)`) raised DataError: donors='lan:09' "
        "leaves 1 comparison kommun(er)"
    )
    assert _describe_failure(exc, "sv", _shown_error(exc)) == (
        "cell 3 (`report = pilot_effect(pilot=pilot)`) gav DataError: donors='lan:09' "
        "lämnar 1 jämförelsekommun(er)"
    )
    python_error = PapermillExecutionError(
        3,
        3,
        "1/0",
        "ZeroDivisionError",
        "division by zero",
        ["Traceback ...", "ZeroDivisionError: division by zero"],
    )
    assert _shown_error(python_error) is None  # Python's own text: kept as it is
    assert _describe_failure(python_error, "sv", _shown_error(python_error)).endswith(
        "gav ZeroDivisionError: division by zero"
    )
