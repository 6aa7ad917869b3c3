"""The batch index page (``reports/index.html``): every report with its title, areas and status.

:func:`index_page` turns plain :class:`IndexEntry` records (collected by
:func:`research.runner.batch.write_index` from the report folders' manifests and the latest
batch) into one self-contained HTML page. Wording comes from ``texts.toml`` next to this module
(Swedish by default, English on request); dates and times are shown in Swedish time
(Europe/Stockholm) in the language's format (Babel), run times with the language's decimal
mark, areas by name, and each link reads as its report's title.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from research.core.errors import ArgumentError
from research.core.fmt import check_lang, format_int, format_number
from research.core.i18n import load_catalogue
from research.views.html import esc

__all__ = [
    "CHANGES",
    "TIMEZONE",
    "IndexEntry",
    "format_duration",
    "format_when",
    "index_page",
]

#: Texts of the page.
_T = load_catalogue(Path(__file__).with_name("texts.toml"))

#: Times on the page are Swedish local time.
TIMEZONE = ZoneInfo("Europe/Stockholm")

#: What can have happened to a report since the previous run of the same schedule.
CHANGES = ("new", "changed", "unchanged", "failed", "failed_kept", "not_run")

_PATTERN = {"sv": "d MMM y 'kl.' HH:mm", "en": "d MMM y, HH:mm"}
_AREA_KEYS = ("pilot", "candidate", "area", "focus", "lan")


@dataclass(frozen=True)
class IndexEntry:
    """One row of the index: a report folder, or a task of the latest batch that failed.

    Attributes
    ----------
    notebook
        The notebook's name (shown only when a failed task left no report title).
    parameters
        The report's parameters; ``pilot``, ``candidate``, ``area`` and ``lang`` are shown.
    status
        ``"ok"`` or ``"failed"``.
    href
        Link to the report page, relative to the index; ``None`` when there is none.
    title
        The report's own title (its ``<title>``); ``None`` if unknown.
    generated
        When the report was made (timezone-aware); ``None`` if unknown.
    seconds
        Run time in seconds; ``None`` if unknown.
    change
        One of :data:`CHANGES`, or ``None`` when there is no previous run to compare with.
    error
        Why a failed task failed.
    """

    notebook: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    status: str = "ok"
    href: str | None = None
    title: str | None = None
    generated: dt.datetime | None = None
    seconds: float | None = None
    change: str | None = None
    error: str | None = None


def format_when(when: dt.datetime, lang: str = "sv") -> str:
    """A moment in Swedish local time, written the language's way.

    Parameters
    ----------
    when
        A timezone-aware datetime (a naive one is taken as UTC).
    lang
        ``"sv"`` or ``"en"``.

    Returns
    -------
    str
        E.g. ``"30 nov. 2026 kl. 10:12"`` (sv) or ``"30 Nov 2026, 10:12"`` (en).

    Raises
    ------
    ParameterError
        For an unknown language.

    Examples
    --------
    >>> t = dt.datetime(2026, 11, 30, 9, 12, tzinfo=dt.UTC)
    >>> format_when(t, "sv"), format_when(t, "en")
    ('30 nov. 2026 kl. 10:12', '30 Nov 2026, 10:12')
    >>> format_when(dt.datetime(2026, 7, 1, 9, 12, tzinfo=dt.UTC))  # summer time, UTC+2
    '1 juli 2026 kl. 11:12'
    """
    lang = check_lang(lang)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return format_datetime(when, _PATTERN[lang], tzinfo=TIMEZONE, locale=lang)


def format_duration(seconds: float | None, lang: str = "sv") -> str:
    """A run time: ``"12,3 s"`` under a minute, ``"2 min 5 s"`` from a minute on.

    Parameters
    ----------
    seconds
        Non-negative seconds; ``None`` or NaN gives the missing-value mark.
    lang
        ``"sv"`` or ``"en"`` (decimal comma or point).

    Returns
    -------
    str

    Examples
    --------
    >>> format_duration(12.34, "sv"), format_duration(12.34, "en"), format_duration(125.2)
    ('12,3 s', '12.3 s', '2 min 5 s')
    """
    lang = check_lang(lang)
    if seconds is None or not math.isfinite(seconds):
        return format_number(None, 1, lang)
    if seconds < 0:
        en, sv = _T.both("err_negative_seconds", seconds=seconds)
        raise ArgumentError(en, sv=sv)
    if seconds < 59.95:
        return _T("seconds", lang, value=format_number(seconds, 1, lang))
    whole = round(seconds)
    return _T("minutes", lang, m=format_int(whole // 60, lang), s=whole % 60)


def _area_names(params: Mapping[str, Any], lang: str) -> str:
    from research.geo.registry import load_areas

    parts = []
    for key in _AREA_KEYS:
        value = params.get(key)
        if not isinstance(value, str) or not value:
            continue
        try:
            name = load_areas().resolve(value).name
        except Exception:  # an index must render even for an area the registry cannot name
            name = value
        parts.append(_T(key, lang, name=name))
    return ", ".join(parts)


def _lang_name(params: Mapping[str, Any], lang: str) -> str:
    value = params.get("lang", "sv")
    return _T(f"lang_{value}", lang) if value in ("sv", "en") else str(value)


def index_page(
    entries: Sequence[IndexEntry],
    *,
    lang: str = "sv",
    now: dt.datetime | None = None,
    schedule: str | None = None,
    compared: bool = False,
) -> str:
    """The index page listing ``entries``.

    Parameters
    ----------
    entries
        Report folders and failed tasks, in display order.
    lang
        Language of the page, ``"sv"`` (default) or ``"en"``.
    now
        Time stamp of the page (default: now).
    schedule
        Name of the schedule the latest batch ran (shown with the changes).
    compared
        Whether a previous run of the schedule was found: the changes section then counts
        new, changed, unchanged and failed reports; otherwise it says this is the first run.
        Without ``schedule`` no changes section is shown.

    Returns
    -------
    str
        A complete HTML document.

    Raises
    ------
    ParameterError
        For an unknown language, status or change.

    Examples
    --------
    >>> page = index_page([IndexEntry("pilot_effect", {"pilot": "0180"}, "ok",
    ...     href="pilot_effect_0180/report.html", title="Effekten av IGOR", seconds=4.34)])
    >>> ">Effekten av IGOR</a>" in page, "4,3 s" in page, "pilot Stockholm" in page
    (True, True, True)
    """
    lang = check_lang(lang)
    now = now or dt.datetime.now(dt.UTC)
    for e in entries:
        if e.status not in ("ok", "failed"):
            en, sv = _T.both("err_bad_status", notebook=e.notebook, status=e.status)
            raise ArgumentError(en, sv=sv)
        if e.change is not None and e.change not in CHANGES:
            en, sv = _T.both(
                "err_bad_change", notebook=e.notebook, change=e.change, choices=CHANGES
            )
            raise ArgumentError(en, sv=sv)
    n_reports = sum(1 for e in entries if e.href)
    n_failed = sum(1 for e in entries if e.status == "failed")
    # the column of changes only when a previous run was compared (a first run has none:
    # an empty column headed "since the last run" said nothing)
    with_change = any(e.change for e in entries)
    columns = ["col_report", "col_areas", "col_lang", "col_status", "col_created", "col_duration"]
    head = "".join(
        f'<th scope="col"{" class=num" if k == "col_duration" else ""}>{esc(_T(k, lang))}</th>'
        for k in columns + ["col_change"] * with_change
    )
    body = []
    for e in entries:
        title = e.title or e.notebook
        cell = f'<a href="{esc(e.href)}">{esc(title)}</a>' if e.href else esc(title)
        status = esc(_T(f"status_{e.status}", lang))
        if e.error:
            status += f'<div class="error">{esc(e.error)}</div>'
        change = esc(_T(f"change_{e.change}", lang)) if e.change else ""
        cls = ' class="failed"' if e.status == "failed" else ""
        body.append(
            f'<tr{cls} data-change="{esc(e.change or "")}"><td>{cell}</td>'
            f"<td>{esc(_area_names(e.parameters, lang))}</td>"
            f"<td>{esc(_lang_name(e.parameters, lang))}</td><td>{status}</td>"
            f"<td>{esc(format_when(e.generated, lang) if e.generated else '')}</td>"
            f'<td class="num">{esc(format_duration(e.seconds, lang))}</td>'
            + (f"<td>{change}</td>" if with_change else "")
            + "</tr>"
        )
    changes = ""
    if schedule:
        if compared:
            count = {c: sum(1 for e in entries if e.change == c) for c in CHANGES}
            text = _T(
                "changes_summary",
                lang,
                new=_T.count("n_new", count["new"], lang),
                changed=_T.count("n_changed", count["changed"], lang),
                unchanged=_T.count("n_unchanged", count["unchanged"], lang),
                failed=_T.count("n_failed", count["failed"] + count["failed_kept"], lang),
            )
        else:
            text = _T("changes_first", lang, schedule=schedule)
        changes = (
            f"<h2>{esc(_T('changes_heading', lang, schedule=schedule))}</h2><p>{esc(text)}</p>"
        )
    summary = _T(
        "summary",
        lang,
        reports=_T.count("n_reports", n_reports, lang),
        failed=_T.count("n_failed", n_failed, lang),
        when=format_when(now, lang),
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(_T("page_title", lang))}</title>
<style>body{{font-family:"DejaVu Sans",Arial,sans-serif;max-width:70rem;margin:2rem auto;
padding:0 1rem}}table{{border-collapse:collapse;width:100%;font-size:10pt}}
td,th{{border-bottom:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}}
tr.failed td{{font-weight:bold;background:#f4f4f4}}.num{{text-align:right;white-space:nowrap}}
.error{{font-weight:normal;font-size:9pt}}</style></head>
<body><h1>{esc(_T("heading", lang))}</h1><p>{esc(summary)}</p>{changes}
<table><thead><tr>{head}</tr></thead><tbody>
{"".join(body)}
</tbody></table></body></html>
"""
