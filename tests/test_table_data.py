"""Tables as data: CSV of each report table, embedded as a data: URI under the table."""

from __future__ import annotations

import csv
import io
import re
import urllib.parse

import pytest

from research.core.errors import ParameterError
from research.views.html import interval, table
from research.views.table_data import add_csv_downloads, data_rows, table_rows, to_csv

TABLE = (
    '<table class="data"><caption>Kvot &amp; rang</caption><thead>'
    '<tr><td colspan="2"></td><th colspan="2">Behov</th></tr>'
    "<tr><th>Rang</th><th>Kommun</th><th>Kvot</th><th>KI</th></tr></thead><tbody>"
    '<tr><td>1</td><th scope="row"><strong>Huddinge (0126)</strong></th><td>1,05</td>'
    "<td>0,93–1,18<br><span>(skattad)</span></td></tr>"
    '<tr><td>2</td><th>Nacka; "Saltsjö"</th><td>1&nbsp;234,5</td><td>..</td></tr>'
    "</tbody></table>"
)


def _csv_of(link_page: str, n: int = 1) -> tuple[str, str]:
    links = re.findall(r'href="data:text/csv;charset=utf-8,([^"]*)" download="([^"]*)"', link_page)
    data, name = links[n - 1]
    return urllib.parse.unquote(data), name


def test_table_rows_fill_colspans_and_flatten_markup():
    caption, rows = table_rows(TABLE)
    assert caption == "Kvot & rang"
    assert rows == [
        ["", "", "Behov", ""],
        ["Rang", "Kommun", "Kvot", "KI"],
        ["1", "Huddinge (0126)", "1,05", "0,93–1,18 (skattad)"],
        ["2", 'Nacka; "Saltsjö"', "1 234,5", ".."],
    ]


def test_csv_quoting_per_language():
    caption, rows = table_rows(TABLE)
    sv = to_csv(caption, rows, "sv")
    # RFC 4180 by hand: fields with the separator or quotes are quoted, quotes doubled
    assert sv.split("\r\n") == [
        "Kvot & rang",
        ";;Behov;",
        "Rang;Kommun;Kvot;KI",
        "1;Huddinge (0126);1,05;0,93–1,18 (skattad)",
        '2;"Nacka; ""Saltsjö""";1 234,5;..',
        "",
    ]
    en = to_csv(None, [["a", "1,5"], ["b", "2"]], "en")
    assert en == 'a,"1,5"\r\nb,2\r\n'
    assert list(csv.reader(io.StringIO(sv), delimiter=";"))[4][1] == 'Nacka; "Saltsjö"'
    with pytest.raises(ParameterError):
        to_csv(None, [], "de")


def test_every_data_table_gets_its_own_download():
    page = "<html><head></head><body>" + TABLE + "<p>x</p>" + str(
        table(["A", "B"], [["x", "1"]], numeric=[False, True])
    ) + '<table class="params"><tr><td>not data</td></tr></table></body></html>'  # fmt: skip
    out = add_csv_downloads(page, "sv", stem="tabell")
    assert out.count('class="csv-download"') == 2
    data, name = _csv_of(out, 1)
    assert name == "tabell-1.csv"
    assert data.startswith("\ufeffKvot & rang\r\n")
    assert data[1:] == to_csv(*data_rows(TABLE, "sv"), "sv")
    assert '2;"Nacka; ""Saltsjö""";1234,5;..\r\n' in data  # a number, not "1 234,5"
    data2, name2 = _csv_of(out, 2)
    assert name2 == "tabell-2.csv" and data2 == "\ufeffA;B\r\nx;1\r\n"
    assert ">Ladda ner tabellen som CSV</a>" in out
    assert "@media print{a.csv-download{display:none}}" in out.split("</head>")[0]
    en = add_csv_downloads(page, "en", stem="table")
    assert ">Download the table as CSV</a>" in en and 'download="table-2.csv"' in en
    assert add_csv_downloads("<p>none</p>", "sv") == "<p>none</p>"


def test_docstring_examples_run():
    import doctest
    import importlib

    res = doctest.testmod(
        importlib.import_module("research.views.table_data"),
        optionflags=doctest.NORMALIZE_WHITESPACE,
    )
    assert res.failed == 0 and res.attempted >= 2


def test_intervals_become_bound_columns_and_numbers_read_as_numbers():
    """The CSV held "9,6 4,8–17,2" and "1 146,7" in one cell: no column a spreadsheet could
    use. A column with intervals gets a lower and an upper bound column; thousands
    separators and the minus sign U+2212 go; ranks and ".." stay as they are."""
    rows = [
        ["Huddinge", interval("1\u00a0146,7", "1\u00a0085,5", "1\u00a0210,4", "sv"), "129 av 290"],
        ["Nacka", interval("\u22123,1", "\u221211,4", "0,2", "sv"), "7 av 290"],
        ["Täby", "..", ".."],
    ]  # fmt: skip
    page = str(table(["Kommun", "Nivå", "Rang"], rows, numeric=[False, True, True]))
    _, got = data_rows(page, "sv")
    assert got == [
        ["Kommun", "Nivå", "Nivå: nedre gräns", "Nivå: övre gräns", "Rang"],
        ["Huddinge", "1146,7", "1085,5", "1210,4", "129 av 290"],
        ["Nacka", "-3,1", "-11,4", "0,2", "7 av 290"],
        ["Täby", "..", "", "", ".."],
    ]
    en = data_rows(
        str(table(["Area", "Rate"], [["A", interval("-3.1", "-11.4", "0.2", "en")]])), "en"
    )
    assert en[1] == [["Area", "Rate", "Rate: lower bound", "Rate: upper bound"],
                     ["A", "-3.1", "-11.4", "0.2"]]  # fmt: skip
    # the reader's view is unchanged
    assert table_rows(page)[1][1] == ["Huddinge", "1 146,7 1 085,5–1 210,4", "129 av 290"]
