"""Layer 3, statistics: estimators and tests over polars frames; numbers, no wording.

Rates and rate ratios with exact Poisson intervals (:mod:`~research.stats.rates`), funnel
limits (:mod:`~research.stats.funnel`), GLMs (:mod:`~research.stats.glm`), power and minimum
detectable effects (:mod:`~research.stats.power`), synthetic control
(:mod:`~research.stats.synth`), difference-in-differences and event studies
(:mod:`~research.stats.did`), interrupted time series (:mod:`~research.stats.its`), synthetic
difference-in-differences (:mod:`~research.stats.sdid`), staggered adoption
(:mod:`~research.stats.staggered`); the design checks they share
(:mod:`~research.stats.identification`).

May import :mod:`research.data`, :mod:`research.geo` and :mod:`research.core`.
"""

__all__: list[str] = []


def _import_scipy_lean() -> None:
    """Import :mod:`scipy.special` without importing ``numpy.f2py`` and ``numpy.testing``.

    SciPy's vendored ``array_api_compat`` (imported by ``scipy.special`` since SciPy 1.15)
    copies the numpy namespace with ``from numpy import *`` and ``getattr`` over
    ``dir(numpy)``; numpy 2 lists its lazily loaded submodules there, so the copy imports the
    Fortran wrapper generator ``f2py`` (which imports ``charset_normalizer``) and
    ``numpy.testing`` (``unittest``): about 0.2 s and 8 MiB in every report kernel, for names
    no array API function uses (issue 17). The two names are hidden from ``numpy.__all__`` and
    ``dir(numpy)`` while scipy is imported, and restored afterwards; ``numpy.testing`` and
    ``numpy.f2py`` stay importable as before. Nothing happens if scipy is already imported.
    """
    import sys

    if "scipy.special" in sys.modules:
        return
    import numpy

    hidden = {"f2py", "testing"}
    # numpy's own module-level __dir__, if it has one; without it dir(numpy) lists the
    # module's dict (ModuleType.__dir__ would call the replacement below: endless recursion).
    own = vars(numpy).get("__dir__")
    names = numpy.__all__
    listing = own if own is not None else (lambda: list(vars(numpy)))
    numpy.__all__ = [n for n in names if n not in hidden]
    numpy.__dir__ = lambda: [n for n in listing() if n not in hidden]  # type: ignore[method-assign]
    try:
        import scipy.special  # noqa: F401
    finally:
        numpy.__all__ = names
        if own is None:
            del numpy.__dir__
        else:
            numpy.__dir__ = own  # type: ignore[method-assign]


_import_scipy_lean()
