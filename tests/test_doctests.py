"""The Examples in the public API's docstrings run and print what they say.

Every module of the package (not only those defining ``research.__all__``: views, texts and
helpers carry examples too) is run through :mod:`doctest`; a failing example is a failing test.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import matplotlib
import pytest

import research

matplotlib.use("Agg")

# ``__main__`` modules run a CLI when imported; everything else is imported and its examples run.
MODULES = sorted(
    {
        *research._PUBLIC.values(),
        *(
            info.name
            for info in pkgutil.walk_packages(research.__path__, "research.")
            if not info.name.endswith("__main__")
        ),
    }
)


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module: str) -> None:
    mod = importlib.import_module(module)
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    result = doctest.testmod(mod, optionflags=flags, verbose=False, report=True)
    assert result.failed == 0, f"{module}: {result.failed} of {result.attempted} examples failed"


def test_every_public_function_has_examples_that_are_run() -> None:
    finder = doctest.DocTestFinder()
    for name, module in research._PUBLIC.items():
        obj = getattr(importlib.import_module(module), name)
        tests = [t for t in finder.find(obj, name) if t.examples]
        assert tests, f"{name}: no runnable example in its docstring"
