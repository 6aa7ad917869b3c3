"""The pilot-effect analysis memoized per kernel, for reports that repeat it (issue 17).

Every decision brief of a batch (``reports/schedule.toml``: 25 kommuner of Stockholms län)
runs the same :func:`research.analyses.effect.pilot_effect_analysis` of the pilot, whatever
the candidate: synthetic control with its placebo-in-space test, synthetic DiD, DiD and ITS.
A batch kernel serves many briefs, so :func:`cached_pilot_effect_analysis` keeps the result
keyed on everything it depends on: the arguments, the catalogue and programme objects, and a
digest of the panel's content (:func:`panel_digest`), so a changed panel (an import, a
different data folder) is never answered from the cache. The analysis is deterministic
(fixed seeds, seed-independent optimiser), so a cached result is the result.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from pathlib import Path
from typing import Any

import polars as pl

from research.analyses.effect import EffectAnalysis, pilot_effect_analysis
from research.core.errors import ArgumentError
from research.core.i18n import load_catalogue
from research.data.catalog import Catalog, load_catalog
from research.data.pilots import Pilot, case

__all__ = ["cached_pilot_effect_analysis", "clear_effect_cache", "panel_digest"]

#: Results kept per kernel (the least recently used is dropped first).
MAX_ENTRIES = 8

#: Messages in Swedish and English (research/analyses/effect_cache_errors.toml).
_TEXTS = load_catalogue(Path(__file__).with_name("effect_cache_errors.toml"))

_RESULTS: OrderedDict[tuple, tuple[Any, EffectAnalysis]] = OrderedDict()
#: The last frames digested, with their digests (the frames are kept, so ``is`` is safe).
_DIGESTS: list[tuple[pl.DataFrame, str]] = []


def panel_digest(panel: pl.DataFrame) -> str:
    """A digest of a frame's content: column names, types and every row's values, in order.

    Row hashes come from polars (``hash_rows`` with a fixed seed), combined with SHA-256; they
    are stable within a process, which is all a per-kernel memo needs. The digest of the
    frame last seen is remembered, so the panel :func:`research.data.panel.load_panel` hands
    out again and again is hashed once.

    Parameters
    ----------
    panel
        Any polars frame (the long panel in practice).

    Returns
    -------
    str
        64 hex digits; equal frames give equal digests.

    Raises
    ------
    ArgumentError
        If ``panel`` is not a polars DataFrame.

    Examples
    --------
    >>> a = pl.DataFrame({"x": [1, 2], "y": ["a", "b"]})
    >>> panel_digest(a) == panel_digest(a.clone())
    True
    >>> panel_digest(a) == panel_digest(a.with_columns(pl.lit(3).alias("x")))
    False
    """
    if not isinstance(panel, pl.DataFrame):
        en, sv = _TEXTS.both("panel_not_a_dataframe", type=type(panel).__name__)
        raise ArgumentError(en, sv=sv)
    for frame, digest in _DIGESTS:
        if frame is panel:
            return digest
    h = hashlib.sha256(repr(list(panel.schema.items())).encode())
    h.update(str(panel.height).encode())
    if panel.height and panel.width:
        rows = panel.hash_rows(seed=1)
        h.update(rows.to_numpy().tobytes())
    digest = h.hexdigest()
    _DIGESTS[:] = [(panel, digest)]
    return digest


def _key_part(x: Any) -> Any:
    """A hashable stand-in for an argument (identity for unhashable objects, kept alive)."""
    try:
        hash(x)
        return x
    except TypeError:
        return ("id", id(x))


def cached_pilot_effect_analysis(panel: pl.DataFrame, **options: Any) -> EffectAnalysis:
    """:func:`~research.analyses.effect.pilot_effect_analysis`, memoized in this process.

    The key is the panel's content (:func:`panel_digest`), every option as given, and the
    catalogue and programme the analysis uses (by default the loaded ``catalog.toml`` and the
    case's pilot, resolved now, so that an edited file is a new key). The cached object is
    returned as it is: callers must not modify it (the reports only read it).

    Parameters
    ----------
    panel
        The long panel (:func:`research.data.panel.load_panel`).
    **options
        Keyword arguments of :func:`~research.analyses.effect.pilot_effect_analysis`.

    Returns
    -------
    EffectAnalysis
        The same object for the same panel content and options.

    Raises
    ------
    ArgumentError, DesignError, DataError, UnknownAreaError, UnknownIndicatorError
        As :func:`~research.analyses.effect.pilot_effect_analysis` (errors are not cached).

    Examples
    --------
    >>> from research.data.panel import load_panel
    >>> clear_effect_cache()
    >>> a = cached_pilot_effect_analysis(load_panel(), donors="lan:01")
    >>> a is cached_pilot_effect_analysis(load_panel(), donors="lan:01")
    True

    References
    ----------
    The estimators and their papers: :mod:`research.analyses.effect`.
    """
    opts = dict(options)
    catalog: Catalog = opts.get("catalog") or load_catalog()
    programme: Pilot = opts.get("programme") or case().pilot
    opts["catalog"], opts["programme"] = catalog, programme
    key = (
        panel_digest(panel),
        tuple(sorted((k, _key_part(v)) for k, v in opts.items())),
    )
    hit = _RESULTS.get(key)
    if hit is not None:
        _RESULTS.move_to_end(key)
        return hit[1]
    result = pilot_effect_analysis(panel, **opts)
    # the options are kept with the result, so ids in the key stay unique while it lives
    _RESULTS[key] = (opts, result)
    while len(_RESULTS) > MAX_ENTRIES:
        _RESULTS.popitem(last=False)
    return result


def clear_effect_cache() -> None:
    """Forget every memoized analysis and panel digest (tests, or to free memory).

    Examples
    --------
    >>> clear_effect_cache()
    """
    _RESULTS.clear()
    _DIGESTS.clear()
