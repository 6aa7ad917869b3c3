"""Pure helpers of the benchmark harness: summaries of timing series, ratios, targets, table.

Nothing here times anything or touches the file system, so it can be tested quickly
(``tests/test_bench_smoke.py``).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = [
    "Measurement",
    "Summary",
    "format_seconds",
    "format_table",
    "ratio",
    "summarize",
    "target_met",
]

Direction = Literal["<=", ">=", "<"]


@dataclass(frozen=True)
class Summary:
    """Median, minimum and maximum of a series of measurements (seconds, bytes, ...)."""

    median: float
    min: float
    max: float
    n: int
    values: tuple[float, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        d = asdict(self)
        d["values"] = list(self.values)
        return d


def summarize(values: Sequence[float]) -> Summary:
    """Summarize a series by its median, minimum and maximum.

    Parameters
    ----------
    values
        At least one finite number.

    Returns
    -------
    Summary

    Raises
    ------
    ValueError
        If ``values`` is empty or holds a non-finite number.

    Examples
    --------
    >>> s = summarize([3.0, 1.0, 2.0, 10.0])
    >>> s.median, s.min, s.max, s.n
    (2.5, 1.0, 10.0, 4)
    """
    vals = [float(v) for v in values]
    if not vals:
        raise ValueError("summarize() needs at least one value, got an empty series")
    if not all(math.isfinite(v) for v in vals):
        raise ValueError(f"summarize() needs finite values, got {vals!r}")
    return Summary(statistics.median(vals), min(vals), max(vals), len(vals), tuple(vals))


def ratio(baseline: float, ours: float) -> float:
    """How many times faster (or smaller) ``ours`` is than ``baseline``: ``baseline / ours``.

    Examples
    --------
    >>> ratio(10.0, 2.0)
    5.0
    """
    if ours <= 0:
        return math.inf
    return baseline / ours


def target_met(value: float | None, direction: Direction, target: float) -> bool | None:
    """Whether ``value`` meets ``target`` (``None`` when there is no value).

    Examples
    --------
    >>> target_met(1.2, "<=", 1.5), target_met(2.0, ">=", 3.0), target_met(None, "<", 1.0)
    (True, False, None)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if direction == "<=":
        return value <= target
    if direction == ">=":
        return value >= target
    if direction == "<":
        return value < target
    raise ValueError(f"direction must be '<=', '>=' or '<', got {direction!r}")


def format_seconds(x: float) -> str:
    """Seconds with a unit that keeps three significant digits (ms below one second).

    Examples
    --------
    >>> format_seconds(0.0123), format_seconds(1.5), format_seconds(245.0)
    ('12.3 ms', '1.50 s', '245 s')
    """
    if x < 1.0:
        return f"{x * 1000:.3g} ms"
    if x < 100:
        return f"{x:.3g} s" if x >= 10 else f"{x:.2f} s"
    return f"{x:.0f} s"


def _format_bytes(x: float) -> str:
    return f"{x / 2**20:.0f} MiB"


def format_summary(s: Summary, unit: str = "s") -> str:
    """``median [min-max] (n=N)`` in seconds or bytes."""
    f = format_seconds if unit == "s" else _format_bytes
    if s.n == 1:
        return f"{f(s.median)} (n=1)"
    return f"{f(s.median)} [{f(s.min)}-{f(s.max)}] (n={s.n})"


@dataclass
class Measurement:
    """One row of the results table.

    ``ratio`` is what the target is about: a speed-up (baseline / ours), a slowdown
    (ours / floor), or ``None`` when the target is an absolute time (then ``ours`` is compared).
    ``ratio_bound`` is ``">="`` when the baseline did not finish and the ratio is a lower bound.
    """

    name: str
    ours: Summary | None
    baseline: Summary | None = None
    baseline_label: str = ""
    unit: str = "s"
    ratio: float | None = None
    ratio_label: str = ""
    ratio_bound: str = ""
    target: str = ""
    met: bool | None = None
    note: str = ""
    extra: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {
            "name": self.name,
            "unit": self.unit,
            "ours": self.ours.as_dict() if self.ours else None,
            "baseline": self.baseline.as_dict() if self.baseline else None,
            "baseline_label": self.baseline_label,
            "ratio": self.ratio,
            "ratio_label": self.ratio_label,
            "ratio_is_lower_bound": self.ratio_bound == ">=",
            "target": self.target,
            "met": self.met,
            "note": self.note,
            "extra": self.extra or {},
        }


def _met_text(m: Measurement) -> str:
    if m.met is None:
        return "n/a"
    return "yes" if m.met else "NO"


def format_table(rows: Sequence[Measurement]) -> str:
    """Plain-text table: benchmark, ours, baseline, ratio, target, met?

    Examples
    --------
    >>> row = Measurement("x", summarize([1.0, 2.0, 3.0]), target="< 5 s", met=True)
    >>> table = format_table([row])
    >>> table.splitlines()[2].split()[:3], table.endswith("yes")
    (['x', '2.00', 's'], True)
    """
    header = ("benchmark", "ours", "baseline", "ratio", "target", "met?")
    body = []
    for m in rows:
        ours = format_summary(m.ours, m.unit) if m.ours else "failed"
        if m.baseline is not None:
            base = format_summary(m.baseline, m.unit)
            if m.baseline_label:
                base = f"{m.baseline_label}: {base}"
        else:
            base = m.baseline_label or "-"
        if m.ratio is None:
            rat = "-"
        else:
            rat = f"{m.ratio_bound}{m.ratio:.3g}x"
            if m.ratio_label:
                rat += f" ({m.ratio_label})"
        body.append((m.name, ours, base, rat, m.target or "-", _met_text(m)))
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in body]
    return "\n".join(out)
