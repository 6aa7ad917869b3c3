"""The numpydoc ``Raises`` sections of the public functions of stats/ and analyses/.

Every class named under ``Raises`` must be an exception the reader can look up (in
:mod:`research.core.errors`, the function's module or the builtins), and every project error a
function raises in its own body (``raise DesignError(...)``) must be named there: a
``Raises`` section that still says ``ArgumentError`` where the code raises ``DesignError``
fails here.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import research.core.errors as errors
from research.core.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT / "research"
MODULES = sorted(
    ".".join(p.relative_to(PROJECT_ROOT).with_suffix("").parts)
    for layer in ("stats", "analyses")
    for p in (ROOT / layer).glob("*.py")
    if p.name != "__init__.py"
)
_SECTION = re.compile(r"^([A-Z][A-Za-z ]+)\n-{3,}$", re.M)


def raises_section(doc: str | None) -> list[str]:
    """The exception names listed under ``Raises`` (entries are the unindented lines)."""
    if not doc:
        return []
    doc = inspect.cleandoc(doc)
    heads = list(_SECTION.finditer(doc))
    for i, m in enumerate(heads):
        if m.group(1) == "Raises":
            end = heads[i + 1].start() if i + 1 < len(heads) else len(doc)
            body = doc[m.end() : end]
            return [
                name.strip()
                for line in body.splitlines()
                if line and not line.startswith(" ")
                for name in line.split(",")
                if name.strip()
            ]
    return []


def _direct_raises(fn: ast.FunctionDef) -> set[str]:
    """Project error classes raised in ``fn``'s own body (not in nested functions)."""
    out: set[str] = set()
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            f = node.exc.func
            if isinstance(f, ast.Name) and isinstance(getattr(errors, f.id, None), type):
                out.add(f.id)
        stack.extend(ast.iter_child_nodes(node))
    return out


def _public(modname: str) -> Iterator[tuple[str, object, ast.FunctionDef | None]]:
    mod = importlib.import_module(modname)
    tree = ast.parse(Path(inspect.getfile(mod)).read_text(encoding="utf-8"))
    top = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name)
        node = top.get(name)
        if inspect.isfunction(obj) and obj.__module__ == modname:
            yield name, obj, node if isinstance(node, ast.FunctionDef) else None
        elif inspect.isclass(obj) and obj.__module__ == modname and isinstance(node, ast.ClassDef):
            methods = {n.name: n for n in node.body if isinstance(n, ast.FunctionDef)}
            for mname, m in vars(obj).items():
                if inspect.isfunction(m) and not mname.startswith("_"):
                    yield f"{name}.{mname}", m, methods.get(mname)


CASES = [(m, q, o, n) for m in MODULES for q, o, n in _public(m)]


def test_the_section_parser():
    doc = """Do.

    Raises
    ------
    ArgumentError, DesignError
        Words.
    EstimationError
        More words.

    Examples
    --------
    >>> 1
    1
    """
    assert raises_section(doc) == ["ArgumentError", "DesignError", "EstimationError"]


@pytest.mark.parametrize(("module", "qualname", "obj", "node"), CASES, ids=[c[1] for c in CASES])
def test_raises_names_errors_that_exist_and_are_raised(module, qualname, obj, node):
    listed = raises_section(obj.__doc__)
    mod = importlib.import_module(module)
    for name in listed:
        cls = (
            getattr(errors, name, None) or getattr(mod, name, None) or getattr(builtins, name, None)
        )
        assert isinstance(cls, type) and issubclass(cls, BaseException), (
            f"{module}.{qualname}: Raises names {name!r}, which is no exception class"
        )
    if node is not None:
        missing = sorted(_direct_raises(node) - set(listed))
        assert not missing, (
            f"{module}.{qualname} raises {missing} but its Raises section omits them"
        )
