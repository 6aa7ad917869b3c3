"""Small HTML building blocks for report output, escaping all text.

Every string that may come from data files (area names, labels) passes through
:func:`html.escape`, so a name containing markup renders as text. Figures are embedded as
base64 PNG data URIs: the report needs no network.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from research.core.display import esc
from research.core.fmt import format_range
from research.core.i18n import Catalogue
from research.views.texts import COMMON

__all__ = [
    "INTERVAL_STYLE",
    "MISSING",
    "TOC_MIN_SECTIONS",
    "Html",
    "at_dpi",
    "callout",
    "contents",
    "esc",
    "figure",
    "glossary",
    "glossary_body",
    "has_missing",
    "heading",
    "interval",
    "opening",
    "paragraph",
    "summary",
    "table",
]

#: A report with at least this many sections after its summary gets a table of contents.
TOC_MIN_SECTIONS = 5

#: What a table cell shows for a value that is missing or not estimated (SCB's "..",
#: "uppgift inte tillgänglig eller för osäker för att anges"). A table that shows it says
#: why in a footnote (tests/test_missing_values.py checks every report).
MISSING = ".."


class Html:
    """An HTML fragment that Jupyter displays as HTML (``_repr_html_``)."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup

    def __add__(self, other: Html) -> Html:
        return Html(self.markup + str(other))


def heading(text: str, level: int = 2, anchor: str | None = None) -> Html:
    """A heading with escaped text; ``anchor`` becomes its ``id`` (a table of contents target)."""
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return Html(f"<h{level}{ident}>{esc(text)}</h{level}>")


def summary(title: str, findings: Iterable[str], anchor: str = "summary") -> Html:
    """The report's opening summary: a heading and one bullet per finding (escaped).

    >>> str(summary("Sammanfattning", ["Kvoten är 0,81."]))[25:61]
    '<h2 id="summary">Sammanfattning</h2>'
    """
    items = "".join(f"<li>{esc(x)}</li>" for x in findings)
    return Html(
        f'<section class="summary">{heading(title, 2, anchor)}'
        f'<ul class="findings">{items}</ul></section>'
    )


def contents(title: str, entries: Iterable[tuple[str, str]]) -> Html:
    """A table of contents: links to the ``(anchor, heading text)`` pairs, in order.

    An unnumbered list: some reports number their headings themselves.

    >>> str(contents("Innehåll", [("synth", "1. Syntetisk kontroll")])).split("<ul>")[1]
    '<li><a href="#synth">1. Syntetisk kontroll</a></li></ul></nav>'
    """
    items = "".join(f'<li><a href="#{esc(a)}">{esc(t)}</a></li>' for a, t in entries)
    return Html(
        f'<nav class="toc" aria-label="{esc(title)}"><p class="toc-title">{esc(title)}</p>'
        f"<ul>{items}</ul></nav>"
    )


def opening(findings: Iterable[str], entries: Sequence[tuple[str, str]], lang: str) -> Html:
    """A report's opening: the "Sammanfattning" (:func:`summary`), then its :func:`contents`.

    The contents are listed when there are at least :data:`TOC_MIN_SECTIONS` sections;
    ``entries`` are their ``(anchor, heading text)`` pairs. The headings are the shared
    ``summary_heading`` and ``toc_heading`` of ``research/views/texts.toml``.

    >>> two = [("a", "A"), ("b", "B")]
    >>> str(opening(["x"], two, "en"))[25:54]
    '<h2 id="summary">Summary</h2>'
    >>> "toc" in str(opening(["x"], two, "sv")), "toc" in str(opening(["x"], two * 3, "sv"))
    (False, True)
    """
    out = summary(COMMON("summary_heading", lang), findings)
    if len(entries) >= TOC_MIN_SECTIONS:
        out += contents(COMMON("toc_heading", lang), entries)
    return out


def paragraph(text: str, cls: str | None = None) -> Html:
    """A paragraph with escaped text."""
    c = f' class="{esc(cls)}"' if cls else ""
    return Html(f"<p{c}>{esc(text)}</p>")


def callout(title: str, lines: Iterable[str], kind: str = "note") -> Html:
    """A boxed note (``kind``: note, warning) with an escaped title and bullet lines."""
    items = "".join(f"<li>{esc(x)}</li>" for x in lines)
    return Html(
        f'<aside class="callout {esc(kind)}" role="note"><strong>{esc(title)}</strong>'
        f"<ul>{items}</ul></aside>"
    )


def glossary(entries: Iterable[tuple[str, str]]) -> Html:
    """A definition list of terms and their explanations (escaped), for a report's glossary.

    Examples
    --------
    >>> str(glossary([("ATT", "the effect on the treated")]))
    '<dl class="glossary"><dt>ATT</dt><dd>the effect on the treated</dd></dl>'
    """
    items = "".join(f"<dt>{esc(term)}</dt><dd>{esc(text)}</dd>" for term, text in entries)
    return Html(f'<dl class="glossary">{items}</dl>')


def glossary_body(texts: Catalogue, keys: Iterable[str], lang: str) -> Html:
    """A report's glossary below its heading: the shared introduction, then the terms.

    Parameters
    ----------
    texts
        The report's catalogue (:func:`research.views.texts.report_catalogue`): term ``key``
        is worded ``term_<key>`` and explained ``def_<key>``, in the shared
        ``research/views/texts.toml`` when more than one report explains it, else in the
        report's own ``texts.toml``.
    keys
        The report's terms, in the order shown.
    lang
        ``"sv"`` or ``"en"``.

    Returns
    -------
    Html
        The ``glossary_intro`` paragraph and a :func:`glossary` list.

    Raises
    ------
    KeyError
        If ``texts`` has no ``term_<key>`` or ``def_<key>`` for a key.

    Examples
    --------
    >>> from research.views.texts import COMMON
    >>> body = str(glossary_body(COMMON, ["rate_ratio"], "en"))
    >>> body[:56]
    '<p>The statistical terms this report uses, in brief.</p>'
    >>> body[56:96]
    '<dl class="glossary"><dt>Rate ratio</dt>'
    """
    terms = ((texts(f"term_{k}", lang), texts(f"def_{k}", lang)) for k in keys)
    return paragraph(COMMON("glossary_intro", lang)) + glossary(terms)


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    caption: str | None = None,
    numeric: Sequence[bool] | None = None,
    footnotes: Sequence[str] = (),
    breakable: bool = False,
) -> Html:
    """An accessible table with numeric columns right-aligned.

    Cells are escaped (an :class:`Html` cell is inserted as it is). A ``breakable`` table may
    continue on the next printed page (its header repeated) although it is short, e.g. so that
    it starts on a first page the report's summary leaves partly free.
    """
    numeric = numeric or [False] * len(headers)
    # Alignment inline as well as by class: notebook front ends (JupyterLab right-aligns every
    # cell) do not get the report page's stylesheet.
    align = {True: ' style="text-align:right"', False: ' style="text-align:left"'}
    head = "".join(
        f'<th scope="col"{" class=num" if n else ""}{align[bool(n)]}>{esc(h)}</th>'
        for h, n in zip(headers, numeric, strict=True)
    )
    body = []
    for row in rows:
        cells = []
        for i, (v, n) in enumerate(zip(row, numeric, strict=True)):
            tag = 'th scope="row"' if i == 0 else "td"
            cls = ' class="num"' if n else ""
            content = str(v) if isinstance(v, Html) else esc(v)
            cells.append(f"<{tag}{cls}{align[bool(n)]}>{content}</{tag.split()[0]}>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    foot = "".join(f'<p class="footnote">{esc(f)}</p>' for f in footnotes)
    cls = "data breakable" if breakable else "data"
    return Html(
        f'<table class="{cls}">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{foot}"
    )


def figure(
    fig: object, *, alt: str, source: str, caption: str | None = None, dpi: int = 150
) -> Html:
    """Render a matplotlib figure as an embedded PNG with alt text and a source line.

    A figure made through pyplot is closed afterwards, so the inline backend does not show it a
    second time; figures from :mod:`research.views.charts` are bare ``Figure`` objects and need no
    closing.
    """
    import sys

    buf = io.BytesIO()
    plt = sys.modules.get("matplotlib.pyplot")  # only a pyplot figure can need closing
    if plt is not None and plt.fignum_exists(getattr(fig, "number", -1)):
        # zlib level 1: the same size as the default 6 for these flat charts, at about half
        # the encoding time (issue 17); the pixels are the same.
        fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})  # type: ignore[attr-defined]
        plt.close(fig)  # type: ignore[arg-type]
    else:
        _print_png(fig, buf, dpi)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return Html(
        f'<figure class="chart"><img alt="{esc(alt)}" src="data:image/png;base64,{data}">'
        f'{cap}<p class="source">{esc(source)}</p></figure>'
    )


@contextmanager
def at_dpi(fig: object, dpi: float) -> Iterator[None]:
    """``fig`` (a matplotlib figure) at ``dpi`` inside the block, its own dpi after.

    Texts measured or pixels drawn inside the block are those of a print at ``dpi``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(dpi=100)
    >>> with at_dpi(fig, 150):
    ...     fig.dpi
    150
    >>> fig.dpi
    100
    """
    before = fig.dpi  # type: ignore[attr-defined]
    fig.dpi = dpi  # type: ignore[attr-defined]
    try:
        yield
    finally:
        fig.dpi = before  # type: ignore[attr-defined]


def _print_png(fig: object, buf: io.BytesIO, dpi: int) -> None:
    """Write a bare figure (no pyplot) as PNG in one draw: the layout, then the pixels.

    ``savefig`` lays a figure with a layout engine out in a draw pass of its own and then
    draws it again, with the layout switched off, to rasterize it. Drawing through the Agg
    canvas directly runs the layout (if any) inside the rasterizing draw instead: one pass
    over the figure fewer per chart (issue 17), and the same pixels
    (``tests/test_chart_png.py``).

    The house style draws in greys only: an opaque image whose pixels are all grey is written
    as an 8-bit greyscale PNG (one byte per pixel instead of four; it decodes to the same
    RGBA pixels), which halves its size and its deflate time (issue 17). Any other image is
    written as RGBA, as ``savefig`` writes it. zlib level 1: the same size as the default 6
    for these flat charts at about half the encoding time.
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    # The figure's own Agg canvas keeps the renderer its maker measured the texts with at
    # this resolution (charts.trend_chart lays out at 150 dpi), and matplotlib caches text
    # metrics per renderer: reusing it skips measuring every text again (issue 17).
    canvas = fig.canvas if type(fig.canvas) is FigureCanvasAgg else FigureCanvasAgg(fig)  # type: ignore[attr-defined]
    with at_dpi(fig, dpi):
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
    red = rgba[..., 0]
    grey = bool(
        (rgba[..., 3] == 255).all() and (red == rgba[..., 1]).all() and (red == rgba[..., 2]).all()
    )
    image = Image.fromarray(np.ascontiguousarray(red) if grey else np.ascontiguousarray(rgba))
    image.save(buf, format="png", compress_level=1, dpi=(dpi, dpi))


#: Inline style of an interval line. Notebook outputs (JupyterLab, nbviewer) do not get the
#: report page's stylesheet, so the smaller type must not depend on it; the line break is a
#: ``<br>``, which no renderer drops (sanitizers may remove style attributes).
INTERVAL_STYLE = "font-size:0.85em;white-space:nowrap"


def has_missing(rows: Iterable[Sequence[object]], columns: Iterable[int] | None = None) -> bool:
    """Whether any cell of ``rows`` (only ``columns``, if given) is :data:`MISSING`.

    For the table's footnote that says what ``..`` means there.

    Examples
    --------
    >>> has_missing([["a", "1,0"], ["b", ".."]]), has_missing([["a", ".."]], columns=[0])
    (True, False)
    """
    wanted = None if columns is None else set(columns)
    return any(
        isinstance(v, str) and v == MISSING
        for row in rows
        for i, v in enumerate(row)
        if wanted is None or i in wanted
    )


def interval(value: str, lower: str, upper: str, lang: str = "sv") -> Html:
    """A value with its interval on a second, smaller line (for table cells).

    The interval follows a ``<br>`` and is styled inline, so it stays on its own line where
    the report's CSS is absent (JupyterLab, nbviewer). The bounds are joined by
    :func:`research.core.fmt.format_range` (``−3,1 till 0,2`` when a bound is negative).

    Examples
    --------
    >>> str(interval("9,6", "4,8", "17,2"))  # doctest: +ELLIPSIS
    '9,6<br><span class="ci" style="font-size:0.85em;...">4,8–17,2</span>'
    """
    span = esc(format_range(lower, upper, lang))
    return Html(f'{esc(value)}<br><span class="ci" style="{INTERVAL_STYLE}">{span}</span>')
