"""The package's architecture, enforced: layers, no import cycles, ``__all__``, a public API.

The layer rule lives in ``pyproject.toml`` (``[tool.importlinter]``) and is checked here with
import-linter; cycles and the facade rule with grimp, the import graph library import-linter
is built on. Both read every import statement, those inside functions included.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

import research
from research.core.paths import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "research"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("research", cache_dir=None)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), i.e. import cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.find_modules_directly_imported_by(v)):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_layers_contract_is_kept() -> None:
    assert lint_imports(config_filename=str(PROJECT_ROOT / "pyproject.toml")) == 0


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_cycle() -> None:
    g = grimp.ImportGraph()
    for m in ("p", "p.a", "p.b", "p.c"):
        g.add_module(m)
    g.add_import(importer="p.a", imported="p.b")
    g.add_import(importer="p.b", imported="p.a")
    g.add_import(importer="p.c", imported="p.a")
    assert _cycles(g) == [["p.a", "p.b"]]


def test_no_module_imports_the_public_facade(graph: grimp.ImportGraph) -> None:
    importers = graph.find_modules_that_directly_import("research")
    assert sorted(importers) == []


def test_every_module_declares_all() -> None:
    missing = [
        str(path.relative_to(PROJECT_ROOT))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "__main__.py"
        and not any(
            isinstance(node, ast.Assign | ast.AnnAssign)
            and any(
                getattr(t, "id", None) == "__all__"
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            )
            for node in ast.parse(path.read_text(encoding="utf-8")).body
        )
    ]
    assert missing == []


def test_all_names_exist() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__main__.py":
            continue
        rel = path.relative_to(PROJECT_ROOT).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        module = importlib.import_module(".".join(parts))
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.__all__ lists {name!r}"


REQUIRED_API = (
    "load_panel",
    "series",
    "poisson_rate_ci",
    "rate_ratio",
    "funnel_limits",
    "similar_areas",
    "screen_candidates",
    "minimum_detectable_effect",
    "synthetic_control",
    "diff_in_diff",
    "event_study",
    "interrupted_time_series",
)


def test_public_api_is_exported() -> None:
    assert set(REQUIRED_API) <= set(research.__all__)
    for name in research.__all__:
        assert getattr(research, name) is not None
    assert set(research.__all__) <= set(dir(research))


@pytest.mark.parametrize("name", [n for n in research.__all__ if n != "__version__"])
def test_public_functions_have_numpydoc_sections(name: str) -> None:
    doc = inspect.getdoc(getattr(research, name)) or ""
    for section in ("Parameters", "Returns", "Raises", "References", "Examples"):
        assert f"\n{section}\n{'-' * len(section)}" in doc, f"{name}: no {section} section"


def test_the_tree_has_the_documented_layers() -> None:
    layers = ("core", "geo", "data", "stats", "analyses", "views", "runner", "lab")
    assert all((PACKAGE / layer / "__init__.py").is_file() for layer in layers)
    flat = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert flat == ["__init__.py", "__main__.py", "cli.py"]
    readme = Path(PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    package_map = readme.split("### Package map", 1)[1].split("\n## ", 1)[0]
    for layer in layers:
        assert f"\n  {layer}/ " in package_map, f"README's package map lacks research/{layer}/"
    contributing = (PROJECT_ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for layer in layers:
        assert f"`{layer}/`" in contributing, f"CONTRIBUTING.md's layer table lacks {layer}/"


def test_the_package_map_names_every_module_and_subpackage() -> None:
    """A module added without a word in README's package map is a module a newcomer cannot place."""
    readme = Path(PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    package_map = readme.split("### Package map", 1)[1].split("\n## ", 1)[0]
    unnamed = [
        str(path.relative_to(PACKAGE.parent))
        for path in sorted(PACKAGE.rglob("*.py"))
        if "__pycache__" not in path.parts
        and (
            path.name not in package_map
            if path.name not in ("__init__.py", "__main__.py")
            else path.parent != PACKAGE and f"{path.parent.name}/" not in package_map
        )
    ]
    assert unnamed == [], f"README's package map does not name {unnamed}"
