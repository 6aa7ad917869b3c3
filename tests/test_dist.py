"""``research.stats._dist`` against ``scipy.stats`` (the reference implementation), bit for bit.

The default report's statistics avoid importing ``scipy.stats`` (a second of import time,
issue 17) by calling the ``scipy.special`` routines that ``scipy.stats`` itself uses. These
tests hold them to the reference on grids that include the support's ends, non-integer and
negative counts, ``q`` = 0 and 1, invalid parameters and NaN; equality is exact (NaN equal to
NaN), so the estimators' numbers cannot move. A subprocess checks that the modules behind the
default report import neither ``scipy.stats`` nor ``scipy.optimize``.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from research.stats import _dist


def _same(ours, ref) -> None:
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape
    np.testing.assert_array_equal(ours, ref)  # exact; NaN positions must match


Q = np.array([0.0, 1e-300, 1e-12, 0.001, 0.025, 0.3, 0.5, 0.7, 0.975, 1 - 1e-12, 1.0, -0.1, 1.1])
X = np.array([-np.inf, -40.0, -3.0, -1e-9, 0.0, 0.5, 1.959963984540054, 8.0, 40.0, np.inf])


def test_normal_matches_scipy_stats() -> None:
    _same(_dist.norm_pdf(X), stats.norm.pdf(X))
    _same(_dist.norm_cdf(X), stats.norm.cdf(X))
    _same(_dist.norm_sf(X), stats.norm.sf(X))
    _same(_dist.norm_ppf(Q), stats.norm.ppf(Q))
    assert _dist.norm_ppf(0.975) == stats.norm.ppf(0.975)
    assert isinstance(_dist.norm_ppf(0.975), np.floating)


@pytest.mark.parametrize("df", [1, 2.5, 7, 30, 1e6])
def test_t_matches_scipy_stats(df: float) -> None:
    _same(_dist.t_sf(X, df), stats.t(df).sf(X))
    _same(_dist.t_ppf(Q, df), stats.t(df).ppf(Q))


MU = np.array([0.0, 1e-6, 0.3, 2.0, 17.5, 250.0, 1e4, -1.0])
K = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0, 17.0, 240.0, 10_050.0, np.inf, np.nan])


def test_poisson_matches_scipy_stats() -> None:
    k, mu = np.meshgrid(K, MU)
    q, mu_q = np.meshgrid(Q, MU)
    with np.errstate(invalid="ignore"):  # scipy's own pmf at mu = inf (inf - inf), not ours
        reference_pmf = stats.poisson.pmf(k, mu)
    _same(_dist.poisson_pmf(k, mu), reference_pmf)
    _same(_dist.poisson_cdf(k, mu), stats.poisson.cdf(k, mu))
    _same(_dist.poisson_ppf(q, mu_q), stats.poisson.ppf(q, mu_q))
    assert _dist.poisson_ppf(0.975, 10.0) == stats.poisson.ppf(0.975, 10.0)


def test_binomial_matches_scipy_stats() -> None:
    n = np.array([0.0, 1.0, 7.0, 40.0, 2500.0, 3.5, -1.0])
    p = np.array([0.0, 1e-9, 0.013, 0.5, 0.77, 1.0, 1.2])
    ks = np.array([-1.0, 0.0, 0.5, 1.0, 3.0, 6.0, 7.0, 20.0, 40.0, 41.0, 1200.0, np.nan])
    k, nn, pp = np.meshgrid(ks, n, p, indexing="ij")
    _same(_dist.binom_pmf(k, nn, pp), stats.binom.pmf(k, nn, pp))
    _same(_dist.binom_cdf(k, nn, pp), stats.binom.cdf(k, nn, pp))
    _same(_dist.binom_sf(k, nn, pp), stats.binom.sf(k, nn, pp))
    assert _dist.binom_cdf(3, 10, 0.3) == stats.binom.cdf(3, 10, 0.3)


def _python(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (nothing imported yet); stderr's tail for messages."""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    out.stderr = out.stderr[-2000:]
    return out


def test_default_report_modules_do_not_import_scipy_stats_or_optimize() -> None:
    code = (
        "import sys\n"
        "import research.stats.rates, research.stats.funnel, research.stats.power\n"
        "import research.stats.glm\n"
        "import research.views.pilot_vs_candidate.sections\n"
        "print(sorted(m for m in ('scipy.stats', 'scipy.optimize') if m in sys.modules))\n"
    )
    out = _python(code)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_scipy_special_is_imported_without_numpy_f2py_or_testing() -> None:
    """scipy's array_api_compat copies numpy's namespace, which imports the lazily loaded
    ``numpy.f2py`` and ``numpy.testing`` (0.2 s, 8 MiB a kernel); research.stats hides them
    during scipy's import and restores numpy's listing afterwards (issue 17)."""
    code = (
        "import sys\n"
        "import research.views.pilot_vs_candidate.sections\n"
        "import numpy, scipy.special\n"
        "gone = [m for m in ('numpy.f2py', 'numpy.testing', 'charset_normalizer')"
        " if m in sys.modules]\n"
        "listed = ['f2py' in numpy.__all__, 'testing' in dir(numpy)]\n"
        "import numpy.testing\n"
        "print(gone, listed, scipy.special.ndtri(0.975).round(6))\n"
    )
    out = _python(code)
    assert out.stdout.strip() == "[] [True, True] 1.959964", out.stdout + out.stderr


def test_scipy_special_imports_with_a_numpy_without_a_module_dir() -> None:
    """A numpy without a module-level ``__dir__`` (dir() lists the module's dict): hiding the
    names must not recurse through ModuleType.__dir__, and leaves no ``__dir__`` behind."""
    code = (
        "import numpy\n"
        "del numpy.__dir__\n"
        "import research.stats, scipy.special\n"
        "print('__dir__' in vars(numpy), 'ndarray' in dir(numpy),"
        " scipy.special.ndtri(0.975).round(6))\n"
    )
    out = _python(code)
    assert out.stdout.strip() == "False True 1.959964", out.stdout + out.stderr
