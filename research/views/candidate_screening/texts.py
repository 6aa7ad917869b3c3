"""Wording of the ``candidate_screening`` report (``texts.toml`` here and the shared wording).

>>> TEXTS("title_cs", "en")
'Which kommuner suit an expansion of the pilot?'
"""

from __future__ import annotations

from collections.abc import Sequence

from research.analyses.screening import ScreeningNote
from research.core.fmt import check_lang
from research.views.texts import report_catalogue

__all__ = ["TEXTS", "note_texts"]

TEXTS = report_catalogue("candidate_screening")


def _g(x: object, lang: str) -> str:
    """``x`` as ``format(x, "g")`` with the language's decimal mark (``0,05`` in Swedish)."""
    out = format(x, "g")
    return out.replace(".", ",") if lang == "sv" else out


def note_texts(notes: Sequence[ScreeningNote], lang: str = "sv") -> list[str]:
    """The methods notes of a screening table as sentences.

    Parameters
    ----------
    notes
        The table's methods notes, codes with their values and no prose
        (:attr:`research.analyses.screening.ScreeningTable.notes`).
    lang
        The report's language, ``"sv"`` (default) or ``"en"``.

    Returns
    -------
    list of str
        The notes' sentences in ``lang``, in the table's order.

    Raises
    ------
    ParameterError
        If ``lang`` is neither ``"sv"`` nor ``"en"``.

    Examples
    --------
    >>> note_texts([ScreeningNote("estimated_counts", {"first": 2020, "last": 2022})], "en")
    ['Counts are estimates (published rate × population / 100,000), pooled over 2020-2022; columns ending in _est rest on them.']
    """  # noqa: E501 - a doctest's output is one line
    check_lang(lang)
    out = []
    for note in notes:
        kw = dict(note.values)
        if note.code == "need":
            ref = "riket" if kw["reference"] == "riket" else "rest"
            kw["reference"] = TEXTS(f"screening_note_reference_{ref}", lang)
        elif note.code == "similarity":
            kw["variables"] = ", ".join(map(str, kw["variables"]))
        elif note.code == "detectability":
            kw = {
                "years": kw["pilot_years"],
                **{k: _g(kw[k], lang) for k in ("alpha", "power", "overdispersion")},
            }
        out.append(TEXTS(f"screening_note_{note.code}", lang, **kw))
    return out
