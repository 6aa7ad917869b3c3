"""The exact conditional test of a rate change in one area, and its exact power.

A pilot area's yearly counts over ``T0`` years before and ``T1`` years after a start are
compared with a comparison group so large that its share of events after the start is known,
``pi0 = T1 / (T0 + T1)`` without an effect. Given the area's total ``n`` over both periods,
the count after the start is

* binomial ``(n, T1 RR / (T0 + T1 RR))`` for Poisson counts (Przyborowski & Wilenski 1940;
  the exact conditional test of two Poisson rates in Gu, Ng, Tang & Schucany 2008), and
* beta-binomial ``(n, b T1 RR / (phi - 1), b T0 / (phi - 1))`` for NB1 counts (variance
  ``phi x mean``, a gamma-Poisson mixture with a common scale in both periods: the two
  gamma variables split their sum as a beta variable), ``b`` events a year before the start.

The test rejects no effect at level ``alpha`` when the two-sided p-value under the null
distribution (``RR = 1``) is at most ``alpha``, the p-value being the probability of the
outcomes no more likely than the one observed ("minimum likelihood", as R's ``binom.test``
and :func:`scipy.stats.binomtest`, with the same relative tolerance ``1e-7`` for ties). A null
distribution that is not unimodal (a U-shaped beta-binomial, both shapes below 1) takes the
central p-value instead, twice the smaller tail (Fay 2010): minimum likelihood would reject the
outcomes in its trough, which show no change. Its size is at most ``alpha`` for every
baseline. Its power at ``RR`` sums the rejection region over the conditional distribution and
the total's (Poisson, or negative binomial with mean
``mu`` and variance ``phi mu``): exact, no normal approximation, no simulation.

References
----------
Przyborowski, J. and Wilenski, H. (1940). Homogeneity of results in testing samples from
Poisson series. *Biometrika* 31(3/4), 313-323.
Gu, K., Ng, H. K. T., Tang, M. L. and Schucany, W. R. (2008). Testing the ratio of two Poisson
rates. *Biometrical Journal* 50(2), 283-298.
Fay, M. P. (2010). Two-sided exact tests and matching confidence intervals for discrete data.
*The R Journal* 2(1), 53-58.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special

__all__ = ["MAX_EVENTS", "ExactShareTest", "within_reach"]

#: Largest total the exact power sums over: the distribution of the total over both periods
#: must hold all but ``1e-9`` below it (:func:`within_reach`). Beyond it the normal
#: approximation of the score test is accurate and the sums are slow.
MAX_EVENTS = 20_000

#: Share of the totals' distribution the sums may leave out above their range.
_TAIL = 1e-9

#: Totals up to which the null distribution is computed over every outcome ``0 .. n``.
_FULL_RANGE = 100

#: How often the totals' range is tripled when it misses more than 1e-9 of a distribution.
_WIDENINGS = 3

#: Rate ratios are summed together while their number times the cells of the acceptance
#: regions over their range of totals stays below this (memory: a few arrays of this size).
_CHUNK_BUDGET = 2_000_000

#: Outcomes whose log binomial coefficients one test keeps (16 bytes each): past it the
#: cache starts again, so a test held by :func:`functools.lru_cache` stays near 50 MB.
_CACHE_CELLS = 3_000_000

#: Relative tolerance of "no more likely than the observed" (R's binom.test, scipy's binomtest).
_REL_TOL = 1 + 1e-7


def _log_choose(n: np.ndarray | int, x: np.ndarray) -> np.ndarray:
    """Log of the binomial coefficient ``n choose x``, elementwise."""
    return special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)


def within_reach(baseline: np.ndarray | float, years: float, phi: float) -> np.ndarray:
    """Whether the total over both periods stays within :data:`MAX_EVENTS` (all but 1e-9).

    Parameters
    ----------
    baseline
        Expected events a year, shape (n,) (or a scalar).
    years
        Years the total spans (``T0 + T1 RR`` at a rate ratio ``RR``).
    phi
        Over-dispersion: the total is Poisson (``phi = 1``) or negative binomial with mean
        ``mu = baseline x years`` and variance ``phi mu``.

    Returns
    -------
    numpy.ndarray of bool, shape like ``baseline``
        Whether Chernoff's bound on ``P(total >= MAX_EVENTS)`` is at most ``1e-9`` (the bound
        is above the tail, so an answer of True is safe). A large over-dispersion spreads a few
        expected events over many thousands: ``phi = 1e6`` with 60 expected events is out.

    Examples
    --------
    >>> within_reach(np.array([10.0, 10.0, 5000.0]), 6.0, 1.0).tolist()
    [True, True, False]
    >>> within_reach(10.0, 6.0, 1e6).tolist()
    False
    """
    mu = np.asarray(baseline, dtype=float) * years
    x = float(MAX_EVENTS)
    with np.errstate(divide="ignore", invalid="ignore"):
        if phi == 1.0:  # Poisson: exp(-mu) (e mu / x)^x
            log_bound = x - mu + x * np.log(mu / x)
        else:  # NB with r = mu / (phi - 1), success probability p = 1 / phi, q = 1 - p
            r = mu / (phi - 1.0)
            q = -np.expm1(-np.log(phi))
            log_bound = x * np.log(q * (x + r) / x) + r * (np.log(x + r) - np.log(r) - np.log(phi))
    return (mu < x) & (log_bound <= np.log(_TAIL))


def _unimodal(f: np.ndarray) -> bool:
    """Whether probabilities ``f`` rise to one peak and then fall (ties to ``1e-7``)."""
    top = int(np.argmax(f))
    return bool(
        np.all(f[1 : top + 1] * _REL_TOL >= f[:top])
        and np.all(f[top + 1 :] <= f[top:-1] * _REL_TOL)
    )


def _p_values(f: np.ndarray) -> np.ndarray:
    """Two-sided p-value of every outcome of a null distribution ``f`` over ``lo .. hi``.

    The minimum-likelihood p-value (the probability of the outcomes no more likely than the
    observed) when ``f`` is unimodal; otherwise the central one (twice the smaller tail,
    at most 1). A U-shaped null (a beta-binomial whose shapes are both below 1: counts so
    over-dispersed that all events in one period are the likeliest split) makes the central
    outcomes the least likely, and minimum likelihood would reject exactly the outcomes
    that show no change (Fay 2010, section 2, on when the two rules part).
    """
    if _unimodal(f):
        order = np.sort(f)
        cum = np.cumsum(order)
        idx = np.searchsorted(order, f * _REL_TOL, side="right") - 1
        return np.minimum(cum[idx], 1.0)
    below = np.cumsum(f)
    above = np.cumsum(f[::-1])[::-1]
    return np.minimum(2.0 * np.minimum(below, above), 1.0)


@dataclass
class ExactShareTest:
    """The exact conditional test for one baseline, with its rejection regions cached.

    Parameters
    ----------
    baseline
        Expected events a year before the start (``b > 0``).
    years_pre, years_post
        ``T0`` and ``T1``.
    phi
        Over-dispersion (1 = Poisson; above 1 NB1 counts, beta-binomial conditional).
    alpha
        Two-sided level.
    """

    baseline: float
    years_pre: int
    years_post: int
    phi: float
    alpha: float
    _accept: dict[int, np.ndarray | tuple[int, int]] = field(default_factory=dict, repr=False)
    _cells: dict[int, tuple[np.ndarray, np.ndarray, bool]] = field(default_factory=dict, repr=False)
    _cached_cells: int = field(default=0, repr=False)

    def _shape(self, rr: np.ndarray) -> tuple[np.ndarray, float]:
        """Beta-binomial shapes (after, before) of the NB1 split at rate ratios ``rr``."""
        k = self.baseline / (self.phi - 1.0)
        return k * self.years_post * rr, k * self.years_pre

    def _log_conditional(
        self, x: np.ndarray, n: np.ndarray | int, rr: np.ndarray, log_choose: np.ndarray
    ) -> np.ndarray:
        """Log P(after = x | total n) at rate ratios ``rr`` (shape (m, 1)) -> (m, k).

        ``x``, ``n`` and ``log_choose`` (:func:`_log_choose` of them) have shape (k,).
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.phi == 1.0:
                t1 = self.years_post * rr  # 0 < p < 1 for a positive, finite rate ratio
                log_p = np.log(t1) - np.log(self.years_pre + t1)
                log_q = np.log(self.years_pre) - np.log(self.years_pre + t1)
                return log_choose + x * log_p + (n - x) * log_q
            a, b = self._shape(rr)
            return log_choose + special.betaln(x + a, n - x + b) - special.betaln(a, b)

    def _window(self, n: int) -> tuple[int, int]:
        """Outcomes ``lo .. hi`` holding all but a negligible share of the null distribution.

        The whole range ``0 .. n`` for small totals; otherwise the null mean +- 10 standard
        deviations, widened to the whole range when that window holds less than ``1 - 1e-10``.
        """
        if n <= _FULL_RANGE:
            return 0, n
        pi = self.years_post / (self.years_pre + self.years_post)
        half = 10.0 * np.sqrt(self._null_split_var(n)) + 10.0
        return max(0, int(n * pi - half)), min(n, int(n * pi + half) + 1)

    def _null_split_var(self, n: float) -> float:
        """Variance of the count after the start given total ``n`` under no effect.

        Binomial ``n pi (1 - pi)``; the beta-binomial's is inflated by ``(s + n) / (s + 1)``,
        ``s`` the sum of its shapes.
        """
        pi = self.years_post / (self.years_pre + self.years_post)
        var = n * pi * (1.0 - pi)
        if self.phi != 1.0:
            a, b = self._shape(np.ones(1))
            s = float(a[0]) + b
            var *= (s + n) / (s + 1.0)
        return var

    def acceptance(self, n: int) -> np.ndarray:
        """The outcomes ``x`` (events after the start, of ``n``) where the test does not reject.

        Examples
        --------
        >>> ExactShareTest(2.0, 3, 3, 1.0, 0.05).acceptance(6).tolist()
        [1, 2, 3, 4, 5]
        """
        got = self._accept.get(n)
        if isinstance(got, tuple):
            return np.arange(got[0], got[1] + 1)
        if got is None:
            if n == 0:  # no events: no test
                got = np.zeros(1, dtype=np.int64)
            else:
                lo, hi = self._window(n)
                x = np.arange(lo, hi + 1, dtype=float)
                f0 = np.exp(self._log_conditional(x, n, np.ones((1, 1)), _log_choose(n, x))[0])
                if (lo, hi) != (0, n) and f0.sum() < 1.0 - 1e-10:
                    lo, hi = 0, n
                    x = np.arange(n + 1, dtype=float)
                    f0 = np.exp(self._log_conditional(x, n, np.ones((1, 1)), _log_choose(n, x))[0])
                got = np.flatnonzero(_p_values(f0) > self.alpha * _REL_TOL) + lo
            # an interval (as it is for a unimodal null and for central p-values) is kept
            # as its ends: a few bytes, not 8 per outcome
            contiguous = got.size > 0 and got[-1] - got[0] + 1 == got.size
            self._accept[n] = (int(got[0]), int(got[-1])) if contiguous else got
        return got

    def rejects(self, after: np.ndarray, total: np.ndarray) -> np.ndarray:
        """Whether the test rejects for observed counts (``after`` of ``total``), elementwise.

        Examples
        --------
        >>> ExactShareTest(2.0, 3, 3, 1.0, 0.05).rejects([0, 3, 6], [6, 6, 6]).tolist()
        [True, False, True]
        """
        after = np.asarray(after, dtype=np.int64)
        total = np.asarray(total, dtype=np.int64)
        out = np.empty(after.shape, dtype=bool)
        for n in np.unique(total):
            at = total == n
            out[at] = ~np.isin(after[at], self.acceptance(int(n))) if n > 0 else False
        return out

    def _totals(self, rr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The range of totals to sum over and their probabilities, shape (m, k).

        The range is the means +- 10 standard deviations (and 15 events), widened until it
        holds all but ``1e-9`` of every rate ratio's distribution (at most three times, and
        never above :data:`MAX_EVENTS`: :func:`within_reach` tells whether that suffices).
        """
        lo, hi = self._span(rr)
        mu = self.baseline * (self.years_pre + self.years_post * rr)
        for attempt in range(_WIDENINGS + 1):
            n = np.arange(lo, hi + 1, dtype=float)[None, :]
            m = mu[:, None]
            if self.phi == 1.0:
                log_p = special.xlogy(n, m) - m - special.gammaln(n + 1)
            else:  # NB with r = mu / (phi - 1), p = 1 / phi: mean mu, variance phi mu
                r = m / (self.phi - 1.0)
                log_p = (
                    special.gammaln(n + r) - special.gammaln(r) - special.gammaln(n + 1)
                    - r * np.log(self.phi) + n * np.log1p(-1.0 / self.phi)
                )  # fmt: skip
            pn = np.exp(log_p)
            complete = np.all(pn.sum(axis=1) >= 1.0 - _TAIL)
            if attempt == _WIDENINGS or complete or (lo == 0 and hi >= MAX_EVENTS):
                return np.arange(lo, hi + 1), pn
            lo, hi = max(0, lo - (hi - lo)), min(MAX_EVENTS, hi + (hi - lo))
        raise AssertionError("unreachable")  # pragma: no cover

    def _bounds(self, rr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each rate ratio's lowest and highest total, each shaped like ``rr``.

        The totals within 10 standard deviations (and 15 events) of its mean, at most
        :data:`MAX_EVENTS`.
        """
        mu = self.baseline * (self.years_pre + self.years_post * rr)
        sd = np.sqrt(self.phi * mu)
        lows = np.maximum(0, (mu - 10.0 * sd).astype(int) - 15)
        highs = (mu + 10.0 * sd).astype(int) + 15
        return np.minimum(lows, MAX_EVENTS), np.minimum(highs, MAX_EVENTS)

    def _span(self, rr: np.ndarray) -> tuple[int, int]:
        """The totals of :meth:`_bounds` over all of ``rr``: its lowest to its highest."""
        lows, highs = self._bounds(rr)
        return int(lows.min()), int(highs.max())

    def _cells_per_total(self, n: float) -> float:
        """About how many outcomes :meth:`_test_cells` holds for total ``n`` (memory budget).

        Four null standard deviations of the split, at most half the outcomes (the smaller
        of a region and its complement is summed), and 10.
        """
        return min(4.0 * float(np.sqrt(self._null_split_var(n))), (n + 1.0) / 2.0) + 10.0

    def power(self, rr: np.ndarray) -> np.ndarray:
        """Probability of rejecting at true rate ratios ``rr`` (1-D), shape like ``rr``.

        Examples
        --------
        Under no effect the rejection rate is at most ``alpha``:

        >>> t = ExactShareTest(4.0, 3, 1, 1.0, 0.05)
        >>> bool(t.power(np.array([1.0]))[0] <= 0.05)
        True
        """
        rr = np.atleast_1d(np.asarray(rr, dtype=float))
        out = np.empty(rr.size)
        order = np.argsort(rr)
        # each rate ratio's range of totals (mu rises with rr, so a group's range runs from
        # its first's lowest total to its last's highest)
        lows, highs = (b.tolist() for b in self._bounds(rr[order]))
        start = 0
        while start < rr.size:  # rate ratios in groups whose totals overlap, memory bounded
            stop = start + 1
            while stop < rr.size:
                lo, hi = lows[start], highs[stop]
                cells = self._cells_per_total(float(hi)) * (hi - lo + 1)
                if cells * (stop + 1 - start) > _CHUNK_BUDGET:
                    break
                stop += 1
            idx = order[start:stop]
            out[idx] = self._power_of(rr[idx])
            start = stop
        return out

    def _power_of(self, rr: np.ndarray) -> np.ndarray:
        """:meth:`power` at rate ratios whose totals are summed over one range."""
        n_range, pn = self._totals(rr)
        parts = [self._test_cells(int(n)) for n in n_range]
        sizes = np.array([c[0].size for c in parts])
        x = np.concatenate([c[0] for c in parts])
        coef = np.concatenate([c[1] for c in parts])
        rejected_cells = np.array([c[2] for c in parts])
        n = np.repeat(n_range.astype(float), sizes)
        # P(after = x | total n) at each rate ratio, summed over each total's cells
        summed = np.zeros((rr.size, sizes.size))
        if x.size:
            cond = np.exp(self._log_conditional(x, n, rr[:, None], coef))
            starts = np.minimum(np.concatenate([[0], np.cumsum(sizes)[:-1]]), x.size - 1)
            summed = np.where(sizes > 0, np.add.reduceat(cond, starts, axis=1), 0.0)
        rejected_given_n = np.where(rejected_cells, summed, 1.0 - summed)
        return np.clip(np.sum(pn * rejected_given_n, axis=1), 0.0, 1.0)

    def _test_cells(self, n: int) -> tuple[np.ndarray, np.ndarray, bool]:
        """The smaller of total ``n``'s acceptance and rejection regions, as floats.

        Returns the outcomes, their log binomial coefficients and whether they are the
        rejection region. A total of 0 (no events, no test) rejects nothing.
        """
        got = self._cells.get(n)
        if got is None:
            if self._cached_cells > _CACHE_CELLS:  # memory bounded: start again
                self._cells.clear()
                self._cached_cells = 0
            accepted = self.acceptance(n)
            rejecting = 2 * accepted.size > n + 1
            if rejecting:
                x = np.setdiff1d(np.arange(n + 1), accepted).astype(float)
            else:
                x = accepted.astype(float)
            got = (x, _log_choose(n, x), rejecting)
            self._cells[n] = got
            self._cached_cells += x.size
        return got
