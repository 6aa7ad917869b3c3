"""The Examples in the public API's docstrings run and print what they say.

Every module that defines a function of ``research.__all__`` (and the display helpers the
results use) is run through :mod:`doctest`; a failing example is a failing test.
"""

from __future__ import annotations

import doctest
import importlib

import matplotlib
import pytest

import research

matplotlib.use("Agg")

MODULES = sorted({*research._PUBLIC.values(), "research.core.display", "research.core.fmt"})


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
