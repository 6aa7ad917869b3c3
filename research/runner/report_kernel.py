"""The IPython kernel class of report kernels: cells and one's own modules keep ``assert``.

A report kernel's interpreter runs with ``-OO`` (:func:`.kernel_launch.kernel_argv`): the
libraries it imports (numpy, scipy, polars, matplotlib, IPython) are loaded without their
docstrings, about 12 MiB less per kernel (issue 17). ``-OO`` also drops ``assert``
statements and docstrings from whatever the interpreter compiles, and a notebook's own
checks must not vanish: the cells are compiled here with ``optimize=0``, as in an
interpreter started without flags, so an ``assert`` in a cell runs and ``__debug__`` is true
there. The same holds for the user's own modules a notebook imports (a ``checks.py`` next to
it): :class:`UserModuleFinder` compiles every module outside the installed libraries
(``sys.prefix``, ``sys.base_prefix``) and outside the ``research`` package unoptimised, so a
report runs the same code as JupyterLab.

The kernel process imports this module at start (``--IPKernelApp.kernel_class``); it must stay
cheap to import.
"""

from __future__ import annotations
import __future__

import codeop
import importlib.machinery
import sys
from pathlib import Path
from typing import Any

from ipykernel.compiler import XCachingCompiler
from ipykernel.ipkernel import IPythonKernel
from traitlets import Type

__all__ = ["CellCompiler", "ReportKernel", "UnoptimisedLoader", "UserModuleFinder"]

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


class UnoptimisedLoader(importlib.machinery.SourceFileLoader):
    """A source module compiled with ``optimize=0``, without the bytecode cache.

    The cache of an ``-OO`` interpreter (``*.opt-2.pyc``) holds optimised code; this loader
    neither reads nor writes it, so a module of one's own is compiled from its source on each
    import, as JupyterLab's kernel would run it (asserts and docstrings kept).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "mod.py"
    >>> _ = f.write_text("assert False, 'kept'")
    >>> code = UnoptimisedLoader("mod", str(f)).get_code("mod")
    >>> try:
    ...     exec(code, {})
    ... except AssertionError as exc:
    ...     print(exc)
    kept
    """

    def get_code(self, fullname: str) -> Any:
        """The module's code, compiled unoptimised from its source."""
        path = self.get_filename(fullname)
        return compile(self.get_data(path), path, "exec", dont_inherit=True, optimize=0)


class UserModuleFinder:
    """A :data:`sys.meta_path` finder giving one's own modules :class:`UnoptimisedLoader`.

    Asks :class:`importlib.machinery.PathFinder` where a module is and keeps its answer,
    except that a ``.py`` module outside ``roots`` (the interpreter's and the environment's
    prefixes, and the ``research`` package: libraries, whose ``-OO`` saving is the point) is
    loaded by :class:`UnoptimisedLoader`.
    """

    def __init__(self, roots: list[Path]) -> None:
        self.roots = sorted({r.resolve() for r in roots} | set(roots))
        # a cheap first test on the path as found (no file system calls for the thousands of
        # library modules a report imports); resolved only when it does not match
        self._prefixes = tuple(str(r).rstrip("/") + "/" for r in self.roots)

    @classmethod
    def install(cls) -> UserModuleFinder:
        """Put a finder in :data:`sys.meta_path` before the path finder (once) and return it."""
        for finder in sys.meta_path:
            if isinstance(finder, cls):
                return finder
        roots = {Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
        roots.add(Path(__file__).resolve().parents[1])  # the research package
        finder = cls(sorted(roots))
        at = next(
            (i for i, f in enumerate(sys.meta_path) if f is importlib.machinery.PathFinder),
            len(sys.meta_path),
        )
        sys.meta_path.insert(at, finder)
        return finder

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        """The path finder's spec, with :class:`UnoptimisedLoader` for one's own module."""
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        origin = getattr(spec, "origin", None)
        if (
            spec is None
            or not isinstance(origin, str)
            or not origin.endswith(".py")
            or type(spec.loader) is not importlib.machinery.SourceFileLoader
        ):
            return spec
        if origin.startswith(self._prefixes):
            return spec
        where = Path(origin).resolve()
        if any(where.is_relative_to(r) for r in self.roots):
            return spec
        spec.loader = UnoptimisedLoader(fullname, origin)
        return spec


class ReportKernel(IPythonKernel):
    """ipykernel's IPython kernel, unoptimised where the user's code is.

    :class:`CellCompiler` compiles the cells, and one's own modules are imported by
    :class:`UserModuleFinder`.
    """

    compiler_class = Type(CellCompiler)

    def __init__(self, **kwargs: Any) -> None:
        if sys.flags.optimize:
            UserModuleFinder.install()
        super().__init__(**kwargs)
