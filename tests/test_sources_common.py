"""Shared parsing, and bad input systematically: property-based tests over the CSV readers.

Each property builds a valid file, damages it in one known way at a known line, and checks
that the reader raises a ParseError naming the file and exactly that line, and that an
import of the damaged file leaves data/imported untouched.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from research.core.errors import DataError, ParseError
from research.data.imports import import_file
from research.data.sources.bra import read_bra_csv
from research.data.sources.common import (
    CANONICAL_SCHEMA,
    NameMatcher,
    build_frame,
    decode_text,
    parse_number,
    validate_canonical,
)
from research.data.sources.scb import read_scb_csv
from research.geo.registry import load_areas

# --- numbers and symbols ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234", 1234.0),
        ("1\u00a0234", 1234.0),
        ("1\u202f234 567", 1234567.0),
        ("12,5", 12.5),
        ("0", 0.0),
        ("0,0", 0.0),
        ("-", 0.0),
        ("–", 0.0),
        ("..", None),
        (".", None),
        (" 7 ", 7.0),
    ],
)
def test_parse_number_swedish(text, expected):
    assert parse_number(text, "f.csv", 3, "x") == expected


@pytest.mark.parametrize("text", ["12.5", "1,234,5", "abc", "", "12 34", "1e3", "-3", "nan"])
def test_parse_number_refuses(text):
    with pytest.raises(ParseError) as e:
        parse_number(text, "f.csv", 3, "x")
    assert e.value.line == 3 and str(e.value).startswith("f.csv, line 3:")


def test_parse_number_options():
    assert parse_number("12.5", "f", 1, "x", dotted=True) == 12.5
    assert parse_number("-3", "f", 1, "x", negative=True) == -3.0
    with pytest.raises(ParseError, match="whole"):
        parse_number("2,5", "f", 1, "x", integer=True)


def test_decode_text():
    assert decode_text("f", "\ufeffÅre".encode()) == ("Åre", "utf-8")
    assert decode_text("f", "Åre".encode("latin-1")) == ("Åre", "cp1252")
    with pytest.raises(ParseError, match="Latin-1") as e:
        decode_text("f", b"a\nb\n\xc5re", allow_latin1=False)
    assert e.value.line == 3
    mixed = "Södermalm\n".encode() + "Årsta\n".encode("latin-1")
    with pytest.raises(ParseError, match="mixes encodings") as e:
        decode_text("f", mixed)
    assert e.value.line == 2
    double = "ok\nSödermalm".encode().decode("latin-1").encode("utf-8")
    with pytest.raises(ParseError, match="double-encoded") as e:
        decode_text("f", double)
    assert e.value.line == 2


def test_name_matcher_forms():
    m = NameMatcher()
    assert m.match("Stockholms stad").code == "0180"
    assert m.match("Falu kommun").code == "2080"
    assert m.match("Södermalms stadsdelsområde").code == "0180-SOD"
    assert m.match("Göteborgs stad: Centrum").code == "1480-CEN"
    assert m.match("Region Stockholm").code == "01"


def test_validate_canonical():
    row = dict(area_code="0126", area_name="Huddinge", level="kommun", parent_code="01",
               year=2022, indicator="X", sex="T", value=1.0, unit="", source="t")  # fmt: skip
    df = build_frame([row])
    assert list(df.columns) == list(CANONICAL_SCHEMA)
    with pytest.raises(DataError, match="more than one row"):
        build_frame([row, row])
    with pytest.raises(DataError, match="sex"):
        build_frame([{**row, "sex": "X"}])
    with pytest.raises(DataError, match="negative"):
        build_frame([{**row, "value": -1.0}])
    with pytest.raises(DataError, match="columns"):
        validate_canonical(df.drop("count"))


# --- bad input, systematically ------------------------------------------------------------

_NAMES = sorted(f"{a.name} kommun" for a in load_areas().by_level("kommun"))


def _cell(value: float, decimals: int) -> str:
    """Format like Brå: space as thousands separator, decimal comma."""
    return f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")


@st.composite
def bra_table(draw):
    names = draw(st.lists(st.sampled_from(_NAMES), min_size=2, max_size=8, unique=True))
    rows = []
    for name in names:
        count = draw(st.integers(0, 50_000))
        rate = draw(st.floats(0, 5_000, allow_nan=False)) if count else 0.0
        c = draw(st.sampled_from(["num", "missing", "zero"]))
        if c == "missing":
            rows.append([name, "..", ".."])
        elif c == "zero":
            rows.append([name, "-", "–"])
        else:
            rows.append([name, _cell(count, 0), _cell(rate, 1)])
    return rows


def _bra_bytes(rows, lines_override=None) -> bytes:
    lines = ["Kommun;Antal;Per 100 000 inv."] + [";".join(r) for r in rows]
    if lines_override:
        lines = lines_override(lines)
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _snapshot(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _check_refused(data: bytes, line: int | None, *, source: str = "bra", name="in.csv"):
    """The reader and import_file raise a ParseError at ``line``; nothing is written."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        p = tmp / name
        p.write_bytes(data)
        base = tmp / "data"
        kw = {"year": 2022, "indicator": "BRA_OLAGA_HOT"} if source == "bra" else {}
        reader = read_bra_csv if source == "bra" else read_scb_csv
        with pytest.raises(ParseError) as e:
            reader(p, **kw)
        assert name in str(e.value)
        if line is not None:
            assert e.value.line == line, str(e.value)
        before = _snapshot(base / "imported")
        with pytest.raises(ParseError):
            import_file(p, source=source, base=base, **kw)
        assert _snapshot(base / "imported") == before
        assert not (base / "imported").exists()
        return e.value


_SETTINGS = settings(max_examples=25, deadline=None)


@_SETTINGS
@given(bra_table())
def test_valid_bra_tables_parse(rows):
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "ok.csv"
        p.write_bytes(_bra_bytes(rows))
        df = read_bra_csv(p, year=2022, indicator="BRA_OLAGA_HOT")
    assert df.height == len(rows)
    expected = {}
    for name, count, _rate in rows:
        expected[load_areas().resolve(name).code] = (
            None if count == ".." else 0 if count == "-" else int(count.replace(" ", ""))
        )
    assert dict(zip(df["area_code"], df["count"], strict=True)) == expected


@_SETTINGS
@given(bra_table(), st.data())
def test_truncated_line(rows, data):
    k = data.draw(st.integers(0, len(rows) - 1))
    cut = data.draw(st.integers(1, 2))  # keep 1 or 2 of the 3 fields
    rows = [list(r) for r in rows]
    rows[k] = rows[k][:cut]
    _check_refused(_bra_bytes(rows), k + 2)


@_SETTINGS
@given(bra_table())
def test_wrong_separator(rows):
    err = _check_refused(_bra_bytes(rows, lambda ls: [ln.replace(";", ",") for ln in ls]), 1)
    assert "separated" in str(err)


@_SETTINGS
@given(bra_table(), st.data())
def test_latin1_bytes_in_utf8_file(rows, data):
    k = data.draw(st.integers(0, len(rows) - 1))
    lines = ["Kommun;Antal;Per 100 000 inv."] + [";".join(r) for r in rows]
    lines[k + 1] = "Håbo kommun;1;2,0"
    utf8_line = "Åre kommun;3;4,0"
    encoded = [ln.encode("latin-1" if i == k + 1 else "utf-8") for i, ln in enumerate(lines)]
    data_bytes = b"\r\n".join([*encoded, utf8_line.encode("utf-8")]) + b"\r\n"
    # lines before k+2 are valid UTF-8 (names may hold å, ä, ö); line k+2 is Latin-1
    err = _check_refused(b"\xef\xbb\xbf" + data_bytes, k + 2)
    assert "mixes encodings" in str(err)


@_SETTINGS
@given(bra_table(), st.data())
def test_utf8_bytes_in_latin1_scb_file(rows, data):
    n = len(rows)
    k = data.draw(st.integers(0, n - 1))
    lines = ["region;2022"] + [f"0126 Huddinge;{i + 1}" for i in range(n)]
    lines.append("2580 Luleå;5")  # Latin-1 (SCB may be ISO-8859-1)
    body = [ln.encode("latin-1") for ln in lines]
    body[k + 1] = "0180 Stockholm;Söder".encode()  # UTF-8 bytes in a Latin-1 file
    err = _check_refused(b"\r\n".join(body) + b"\r\n", len(lines), source="scb")
    assert "mixes encodings" in str(err)


@_SETTINGS
@given(bra_table(), st.data())
def test_duplicated_row(rows, data):
    k = data.draw(st.integers(0, len(rows) - 1))
    rows = [list(r) for r in rows]
    rows.append(list(rows[k]))
    err = _check_refused(_bra_bytes(rows), len(rows) + 1)
    assert "twice" in str(err) and f"line {k + 2}" in str(err)


@_SETTINGS
@given(bra_table(), st.data(), st.sampled_from(["-5", "-0,5", "abc", "12.5", "1,2,3", "", "n/a"]))
def test_bad_value(rows, data, bad):
    k = data.draw(st.integers(0, len(rows) - 1))
    col = data.draw(st.integers(1, 2))
    rows = [list(r) for r in rows]
    rows[k][col] = bad
    _check_refused(_bra_bytes(rows), k + 2)


@_SETTINGS
@given(st.lists(st.sampled_from(_NAMES[:60]), min_size=1, max_size=5, unique=True), st.data())
def test_scb_csv_bad_cells(names, data):
    years = [2020, 2021]
    codes = [load_areas().resolve(n).code for n in names]
    sep = data.draw(st.sampled_from([";", ","]))
    lines = [sep.join(["region", *map(str, years)])]
    lines += [sep.join([f"{c} {load_areas().get(c).name}", "100", "200"]) for c in codes]
    k = data.draw(st.integers(1, len(lines) - 1))
    how = data.draw(st.sampled_from(["negative", "text", "fraction", "short"]))
    cells = lines[k].split(sep)
    if how == "short":
        cells = cells[:-1]
    else:
        cells[1] = {"negative": "-100", "text": "abc", "fraction": "100.5" if sep == "," else
                    "100,5"}[how]  # fmt: skip
    lines[k] = sep.join(cells)
    enc = data.draw(st.sampled_from(["utf-8", "latin-1"]))
    _check_refused(("\n".join(lines) + "\n").encode(enc), k + 1, source="scb")
