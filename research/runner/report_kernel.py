"""The IPython kernel class of report kernels: cells keep their ``assert`` statements.

A report kernel's interpreter runs with ``-OO`` (:func:`.kernel_launch.kernel_argv`): the
libraries it imports (numpy, scipy, polars, matplotlib, IPython) are loaded without their
docstrings, about 12 MiB less per kernel (issue 17). ``-OO`` also drops ``assert``
statements from whatever the interpreter compiles, and a notebook's own checks must not
vanish: the cells are compiled here with ``optimize=0``, as in an interpreter started
without flags, so an ``assert`` in a cell runs and ``__debug__`` is true there.

The kernel process imports this module at start (``--IPKernelApp.kernel_class``); it must stay
cheap to import.
"""

from __future__ import annotations
import __future__

import codeop
from typing import Any

from ipykernel.compiler import XCachingCompiler
from ipykernel.ipkernel import IPythonKernel
from traitlets import Type

__all__ = ["CellCompiler", "ReportKernel"]

#: The ``from __future__`` features whose flags a compiled cell passes on to later cells.
_FEATURES = [getattr(__future__, name) for name in __future__.all_feature_names]


class CellCompiler(XCachingCompiler):
    """ipykernel's cell compiler, compiling cells unoptimised whatever the interpreter's ``-O``.

    :class:`codeop.Compile` (which IPython's compilers extend) calls :func:`compile` with the
    interpreter's optimisation level; this one passes ``optimize=0`` and otherwise does the
    same: the incomplete-input flags, and ``from __future__`` imports remembered for the
    next cells.

    Examples
    --------
    >>> code = CellCompiler()("assert 1 == 2, 'checked'", "<cell>", "exec")
    >>> try:
    ...     exec(code, {})
    ... except AssertionError as exc:
    ...     print(exc)
    checked
    """

    def __call__(self, source: Any, filename: str, symbol: str, **kwargs: Any) -> Any:
        """Compile ``source`` (text or an AST) as :class:`codeop.Compile` does, unoptimised."""
        flags = self.flags
        if kwargs.get("incomplete_input", True) is False:
            flags &= ~codeop.PyCF_DONT_IMPLY_DEDENT
            flags &= ~codeop.PyCF_ALLOW_INCOMPLETE_INPUT
        code = compile(source, filename, symbol, flags, True, optimize=0)
        for feature in _FEATURES:
            if code.co_flags & feature.compiler_flag:
                self.flags |= feature.compiler_flag
        return code


class ReportKernel(IPythonKernel):
    """ipykernel's IPython kernel with :class:`CellCompiler` for the cells."""

    compiler_class = Type(CellCompiler)
