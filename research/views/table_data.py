"""Tables as data: every table of a report downloadable as CSV from the report itself.

:func:`add_csv_downloads` finds each data table of a report page (``<table class="data">``,
and pandas' ``class="dataframe"`` in users' notebooks), turns its cells into CSV and puts a
download link under it whose target is a ``data:`` URI, so the page stays self-contained and
works offline. The CSV holds the table as data a spreadsheet reads (:func:`data_rows`): the
caption as the first line, group and column headers, row headers, suppressed cells as ``..``;
a value shown with its interval under it (``9,6`` over ``4,8–17,2``) becomes three columns,
value, lower and upper bound; numbers lose their thousands separators and get an ASCII minus
(``1 146,7`` -> ``1146,7``, ``−3,1`` -> ``-3,1``). Swedish pages use ``;`` between fields,
since the decimal mark is a comma, and English pages ``,``. A UTF-8 byte-order mark makes
spreadsheet programs read å, ä and ö correctly. The links are hidden in print.

References
----------
RFC 4180, Common Format and MIME Type for Comma-Separated Values (CSV) Files.
RFC 2397, The "data" URL scheme.
"""

from __future__ import annotations

import csv
import io
import re
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

from research.core.fmt import check_lang, split_range
from research.core.i18n import load_catalogue
from research.views.html import esc

__all__ = ["DELIMITER", "add_csv_downloads", "data_rows", "table_rows", "to_csv"]

_T = load_catalogue(Path(__file__).with_name("table_data.toml"))

#: Field separator of the CSV per language.
DELIMITER = {"sv": ";", "en": ","}

_TABLE = re.compile(
    r"<table\b[^>]*\bclass=\"[^\"]*\b(?:data|dataframe)\b[^\"]*\"[^>]*>.*?</table>",
    flags=re.S | re.I,
)
_STYLE = (
    "<style>a.csv-download{font-size:9pt;display:inline-block;margin:.1rem 0 .6rem}"
    "@media print{a.csv-download{display:none}}</style>"
)


class _Cells(HTMLParser):
    """Collect the caption and the rows of one table as text (colspans filled with blanks).

    Beside each cell's text it keeps the cell's interval (the text of its
    ``<span class="ci">``, :func:`research.views.html.interval`) apart from its value, and
    whether a row is a header row (no ``<td>`` with content).
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.caption: str | None = None
        self.rows: list[list[str]] = []
        #: per cell ``(value text, interval text or None)``, aligned with ``rows``
        self.parts: list[list[tuple[str, str | None]]] = []
        self.header: list[bool] = []
        self._cell: list[str] | None = None
        self._ci: list[str] | None = None
        self._ci_depth = 0
        self._value: list[str] = []
        self._span = 1
        self._in_caption = False
        self._caption: list[str] = []

    def _new_row(self) -> None:
        self.rows.append([])
        self.parts.append([])
        self.header.append(True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._new_row()
        elif tag in ("td", "th"):
            self._cell, self._value, self._ci, self._ci_depth = [], [], None, 0
            span = dict(attrs).get("colspan") or "1"
            self._span = int(span) if span.isdigit() and int(span) > 0 else 1
        elif tag == "caption":
            self._in_caption = True
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")
        elif tag == "span" and self._cell is not None:
            if self._ci is not None:
                self._ci_depth += 1
            elif "ci" in (dict(attrs).get("class") or "").split():
                self._ci, self._ci_depth = [], 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if not self.rows:
                self._new_row()
            if tag == "td" and text:
                self.header[-1] = False
            ci = " ".join("".join(self._ci).split()) if self._ci is not None else None
            value = " ".join("".join(self._value).split()) if ci is not None else text
            self.rows[-1].extend([text] + [""] * (self._span - 1))
            self.parts[-1].extend([(value, ci)] + [("", None)] * (self._span - 1))
            self._cell = None
            self._ci = None
        elif tag == "span" and self._ci is not None and self._ci_depth > 0:
            self._ci_depth -= 1
        elif tag == "caption":
            self._in_caption = False
            self.caption = " ".join("".join(self._caption).split())

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
            if self._ci is not None and self._ci_depth > 0:
                self._ci.append(data)
            elif self._ci is None:
                self._value.append(data)
        elif self._in_caption:
            self._caption.append(data)


def table_rows(table_html: str) -> tuple[str | None, list[list[str]]]:
    """The caption and the rows of cell texts of one HTML table.

    Parameters
    ----------
    table_html
        One ``<table>...</table>`` element.

    Returns
    -------
    tuple
        ``(caption or None, rows)``; a cell spanning ``k`` columns is followed by ``k - 1``
        empty cells, so that every row lines up with the column headers.

    Examples
    --------
    >>> table_rows('<table class="data"><caption>T</caption><tr><th colspan="2">G</th></tr>'
    ...            '<tr><th>A</th><td>1&nbsp;234,5</td></tr></table>')
    ('T', [['G', ''], ['A', '1 234,5']])
    """
    parser = _Cells()
    parser.feed(table_html)
    parser.close()
    return parser.caption, [r for r in parser.rows if r]


#: a number as the reports write it: thousands separated by a (non-breaking, narrow) space,
#: minus as U+2212 or "-", an optional decimal part and per cent sign
_NUMBER = re.compile(r"^([−-]?)(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)([.,]\d+)?(\s?%)?$")


def _plain_number(text: str) -> str:
    """A formatted number as a spreadsheet reads it (``1 146,7`` -> ``1146,7``); else as is.

    Examples
    --------
    >>> _plain_number("1\u00a0146,7"), _plain_number("−3,1"), _plain_number("12,5\u00a0%")
    ('1146,7', '-3,1', '12,5%')
    >>> _plain_number("129 av 290"), _plain_number("..")
    ('129 av 290', '..')
    """
    m = _NUMBER.match(text.strip())
    if m is None:
        return text
    sign, digits, decimals, percent = m.groups()
    out = ("-" if sign else "") + re.sub(r"\D", "", digits) + (decimals or "")
    return out + ("%" if percent else "")


def data_rows(table_html: str, lang: str = "sv") -> tuple[str | None, list[list[str]]]:
    """The caption and rows of one HTML table as data: intervals in columns of their own.

    A column in which some cell shows an interval under its value
    (:func:`research.views.html.interval`) is followed by a lower and an upper bound column
    (headed "<header>: nedre/övre gräns" in the last header row); numbers are written
    without thousands separators and with an ASCII minus (:func:`_plain_number`).

    Parameters
    ----------
    table_html
        One ``<table>...</table>`` element.
    lang
        ``"sv"`` or ``"en"``: the words of the bound columns' headers.

    Examples
    --------
    >>> cell = '9,6<br><span class="ci">4,8–17,2</span>'
    >>> data_rows('<table><tr><th>Kommun</th><th>Nivå</th></tr>'
    ...           f'<tr><th>Huddinge</th><td>{cell}</td></tr>'
    ...           '<tr><th>Nacka</th><td>..</td></tr></table>', "sv")[1]
    [['Kommun', 'Nivå', 'Nivå: nedre gräns', 'Nivå: övre gräns'], ['Huddinge', '9,6', '4,8', '17,2'], ['Nacka', '..', '', '']]
    """  # noqa: E501 - a doctest's output is one line
    lang = check_lang(lang)
    parser = _Cells()
    parser.feed(table_html)
    parser.close()
    keep = [i for i, r in enumerate(parser.rows) if r]
    parts = [parser.parts[i] for i in keep]
    header = [parser.header[i] for i in keep]
    width = max((len(r) for r in parts), default=0)
    split = {j for r in parts for j, (_, ci) in enumerate(r) if ci is not None}
    last_header = max((i for i, h in enumerate(header) if h), default=None)
    out = []
    for i, row in enumerate(parts):
        cells: list[str] = []
        for j in range(width):
            value, ci = row[j] if j < len(row) else ("", None)
            if header[i]:
                cells.append(value)
                if j in split:
                    named = i == last_header and value
                    cells += [_T("lower_col", lang, header=value) if named else "",
                              _T("upper_col", lang, header=value) if named else ""]  # fmt: skip
                continue
            cells.append(_plain_number(value))
            if j in split:
                bounds = split_range(ci, lang) if ci is not None else None
                cells += [_plain_number(b) for b in bounds] if bounds else ["", ""]
        out.append(cells)
    return parser.caption, out


def to_csv(caption: str | None, rows: list[list[str]], lang: str = "sv") -> str:
    r"""CSV text (RFC 4180 quoting, CRLF line ends) of a table's caption and rows.

    The caption, when there is one, is the first line (a single field). Non-breaking spaces
    (thousands separators) become plain spaces.

    Examples
    --------
    >>> to_csv("Tab", [["Kommun", "Kvot"], ["Huddinge", "0,93"]], "sv")
    'Tab\r\nKommun;Kvot\r\nHuddinge;0,93\r\n'
    >>> to_csv(None, [["a", "b,c"]], "en")
    'a,"b,c"\r\n'
    """
    lang = check_lang(lang)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=DELIMITER[lang], lineterminator="\r\n")
    if caption:
        writer.writerow([caption.replace("\xa0", " ")])
    for row in rows:
        writer.writerow([c.replace("\xa0", " ").replace("\u202f", " ") for c in row])
    return buf.getvalue()


def add_csv_downloads(page: str, lang: str = "sv", stem: str = "tabell") -> str:
    """Put a CSV download link (a ``data:`` URI) under every data table of ``page``.

    Parameters
    ----------
    page
        HTML of a report page or of its body.
    lang
        Language of the link text and of the CSV's field separator.
    stem
        Start of the file names offered (``<stem>-1.csv``, ``<stem>-2.csv``, ...).

    Returns
    -------
    str
        The page with the links (and a small style element that hides them in print) added;
        unchanged when it has no data table.

    Examples
    --------
    >>> out = add_csv_downloads('<table class="data"><tr><td>1</td></tr></table>', "en", "r")
    >>> 'download="r-1.csv"' in out, "data:text/csv;charset=utf-8," in out
    (True, True)
    """
    lang = check_lang(lang)
    safe_stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-") or "table"
    count = 0

    def link(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        caption, rows = data_rows(m.group(0), lang)
        data = "\ufeff" + to_csv(caption, rows, lang)
        uri = "data:text/csv;charset=utf-8," + urllib.parse.quote(data, safe="")
        name = f"{safe_stem}-{count}.csv"
        label = _T("download_label", lang, n=count, name=name)
        return (
            f'{m.group(0)}<a class="csv-download" href="{uri}" download="{esc(name)}" '
            f'aria-label="{esc(label)}">{esc(_T("download", lang))}</a>'
        )

    out = _TABLE.sub(link, page)
    if not count:
        return page
    if "</head>" in out:
        return out.replace("</head>", _STYLE + "</head>", 1)
    return _STYLE + out
