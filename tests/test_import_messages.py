"""The wording of ``pilotbench data import`` errors a reviewer found wrong, in both languages.

Each error is triggered for real (a bad file in ``tmp_path``, a bad argument): its message is
one line, says what is wrong and what to do in words a command-line user can act on
(``--year``, not ``year=...``; "Brå", not "bra"; numbers as the language writes them), holds
no Python representation (``{'indicator': None}``, ``['.csv', '.xlsx']``, ``2e+07``) and, in
Swedish, no English sentence (Python's JSON reasons were English inside Swedish).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from research.core.errors import ArgumentError, DataError, ParseError, PilotbenchError
from research.core.paths import PROJECT_ROOT
from research.data.fetch import NetworkUnavailableError, fetch_kolada
from research.data.import_store import imports_dir, list_imports, read_official_file
from research.data.imports import import_file
from research.data.plausibility import ImplausibleDataError, check_plausible
from research.data.sources.bra import read_bra_csv, read_bra_excel
from research.data.sources.common import UnmatchedNamesError, build_frame, build_reader_frame
from research.data.sources.kolada import read_kolada_json
from research.data.sources.scb import parse_jsonstat, read_population_excel, read_scb_csv

DATA = PROJECT_ROOT / "tests" / "data"
NBSP = "\u00a0"

#: Words that mark an English sentence (none is a Swedish word); "year" and "value" are not
#: here: the Swedish names the parameter year= and json-stat's member 'value'.
_ENGLISH = re.compile(
    r"\b(is|are|the|not|nothing|was|and|of|line|more|number|would|must|found|expected|lies|"
    r"given|without|file|files|Expecting|delimiter|property|reader output)\b",
    re.IGNORECASE,
)
#: Python representations that have no place in a message.
_PYTHON = re.compile(r"\{'|\[\.|\['|None\b|\de[+-]\d")


def _both(err: PilotbenchError, *, path: object = "") -> tuple[str, str]:
    """The error's English and Swedish messages, checked: one line each, no Python values,
    the Swedish differs from the English and holds no English word outside ``path``."""
    en, sv = str(err), err.message("sv")
    assert sv != en
    for text in (en, sv):
        assert "\n" not in text, text
        assert not _PYTHON.search(text), text
    words = sv.replace(str(path), "<fil>") if path else sv
    assert not _ENGLISH.findall(words), (_ENGLISH.findall(words), sv)
    return en, sv


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    """Write a one-sheet .xlsx workbook holding ``rows`` (numbers as numbers, else text)."""

    def col(i: int) -> str:
        s, i = "", i + 1
        while i:
            i, r = divmod(i - 1, 26)
            s = chr(65 + r) + s
        return s

    xml_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, v in enumerate(row):
            ref = f"{col(c)}{r}"
            if v is None:
                continue
            if isinstance(v, int | float):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>')
        xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application'
            '/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            f'ContentType="{ct}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{ct}.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="Blad1" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{main}"><sheetData>{"".join(xml_rows)}</sheetData></worksheet>',
        )
    return path


_HEADER = ["Region", "År", "Brott", "Antal", "Per 100 000 inv."]
_GROV = "Grov kvinnofridskränkning"


# -- 1. a file with the ending .xlsx that is no workbook ------------------------------------


def test_a_csv_file_named_xlsx_is_said_to_be_text_on_one_line(tmp_path: Path) -> None:
    f = tmp_path / "brott.xlsx"
    f.write_text("Kommun;Antal;Per 100 000 inv.\nAle kommun;7;21,4\n", encoding="utf-8")
    for read in (read_bra_excel, read_population_excel):
        with pytest.raises(ParseError) as e:
            read(f)
        en, sv = _both(e.value, path=f)
        assert en == (
            f"{f}: the file is not an Excel workbook (.xlsx) but a text file (a CSV file with "
            "the wrong ending?); save it as .xlsx, or as CSV with the ending .csv, and import "
            "it again"
        )
        assert sv.startswith(f"{f}: filen är ingen Excel-arbetsbok (.xlsx) utan en textfil")
        assert "calamine" not in en + sv


def test_a_damaged_workbook_gives_the_librarys_first_line_only(tmp_path: Path) -> None:
    f = tmp_path / "trasig.xlsx"
    f.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(ParseError) as e:
        read_bra_excel(f)
    en, sv = str(e.value), e.value.message("sv")
    assert "\n" not in en and "\n" not in sv and "Context" not in en + sv
    assert en.startswith(f"{f}: the file is not a readable Excel workbook (.xlsx); save it as")
    assert sv.startswith(f"{f}: filen är ingen läsbar Excel-arbetsbok (.xlsx); spara den som")
    assert en.endswith(")") and "(calamine error: " in en
    f.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(ParseError) as e:
        read_bra_excel(f)
    en, sv = _both(e.value, path=f)
    assert "but an old .xls workbook; save it as .xlsx or as CSV" in en
    assert "utan en gammal .xls-arbetsbok; spara den som .xlsx eller som CSV" in sv


# -- 2. JSON syntax errors and a damaged ledger ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "en", "sv"),
    [
        ('{"values": [1 2]}', "at column 15: a comma between two items is missing here",
         "i kolumn 15: här saknas ett kommatecken mellan två element"),
        ('{"values": []} {"values": []}', "at column 16: more data after the end of the JSON",
         "i kolumn 16: mer data efter JSON-dokumentets slut"),
        ("{values: []}", "at column 2: a name in double quotes was expected here",
         "i kolumn 2: här skulle ett namn inom dubbla citattecken stå"),
        ('{"values": [x]}', "at column 13: a value was expected here",
         "i kolumn 13: här skulle ett värde stå"),
        ('{"values": ["a\tb"]}', "a control character (such as a line break or tab) inside",
         "ett styrtecken (till exempel en radbrytning eller tabb) inne i en textsträng"),
        ('{"values": [', ": the file ends in the middle of the JSON (is it cut off?)",
         ": filen tar slut mitt i JSON-strukturen (är den avklippt?)"),
    ],
)  # fmt: skip
def test_json_syntax_errors_are_worded_in_both_languages(
    tmp_path: Path, text: str, en: str, sv: str
) -> None:
    f = tmp_path / "kolada.json"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError) as e:
        read_kolada_json(f)
    got_en, got_sv = _both(e.value, path=f)
    assert got_en.startswith(f"{f}, line 1: not valid JSON") and en in got_en
    assert got_sv.startswith(f"{f}, rad 1: ogiltig JSON") and sv in got_sv


def test_a_damaged_import_ledger_is_explained_in_both_languages(tmp_path: Path) -> None:
    folder = imports_dir(tmp_path)
    folder.mkdir()
    (folder / "imports.json").write_text("{broken", encoding="utf-8")
    with pytest.raises(DataError) as e:
        list_imports(tmp_path)
    ledger = folder / "imports.json"
    en, sv = _both(e.value, path=ledger)
    assert en == (
        f"{ledger}: the import ledger is unreadable (not valid JSON at line 1, column 2: a name "
        "in double quotes was expected here); run `pilotbench data repair` to rebuild it from "
        "the import log"
    )
    assert sv.startswith(
        f"{ledger}: importregistret går inte att läsa (ogiltig JSON på rad 1, kolumn 2: här "
        "skulle ett namn inom dubbla citattecken stå); kör `pilotbench data repair`"
    )


# -- 3., 4. and 10.: the import's arguments -----------------------------------------------


def test_the_same_file_under_another_source_names_the_parameters_in_words(
    tmp_path: Path,
) -> None:
    first = import_file(DATA / "kolada_n07402.json", source="kolada", base=tmp_path)
    with pytest.raises(DataError) as e:
        import_file(DATA / "kolada_n07402.json", source="scb", base=tmp_path)
    en, sv = _both(e.value)
    assert "as a file from Kolada (--source kolada) without indicator and year; importing" in en
    assert "as a file from SCB (--source scb) without indicator and year would contradict" in en
    assert f"`pilotbench data remove {first.sha256[:12]}`" in en
    assert "som en fil från Kolada (--source kolada) utan indikator och år; att importera" in sv
    bra = DATA / "bra_kommuner_2022.csv"
    import_file(bra, source="bra", base=tmp_path)
    with pytest.raises(DataError) as e:
        import_file(bra, source="bra", indicator="BRA_OLAGA_HOT", year=2022, base=tmp_path)
    en, sv = _both(e.value)
    assert "(--source bra) with indicator BRA_OLAGA_HOT and year 2022 would contradict" in en
    assert "(--source bra) med indikatorn BRA_OLAGA_HOT och året 2022 skulle motsäga" in sv


def test_a_file_ending_no_reader_takes_names_the_source_and_its_endings(tmp_path: Path) -> None:
    f = tmp_path / "brott.xls"
    f.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ArgumentError) as e:
        read_official_file(f, source="bra")
    en, sv = _both(e.value, path=f)  # the path as given, as a parse error names it
    assert en == (
        f"{f}: there is no reader for .xls files from Brå; files from Brå must end in "
        ".csv or .xlsx; save an .xls workbook as .xlsx"
    )
    assert sv == (
        f"{f}: det finns ingen läsare för .xls-filer från Brå; filer från Brå ska ha "
        "filändelsen .csv eller .xlsx; spara en .xls-arbetsbok som .xlsx"
    )
    with pytest.raises(ArgumentError) as e:
        read_official_file(tmp_path / "fil", source="stockholm")
    en, sv = _both(e.value, path=tmp_path / "fil")
    assert "files without an ending from Stockholms stad; files from Stockholms stad" in en
    assert "filer utan filändelse från Stockholms stad" in sv
    with pytest.raises(ArgumentError) as e:
        read_official_file(f, source="kolada")
    assert str(e.value).endswith("files from Kolada must end in .json")


def test_year_and_indicator_for_another_source_name_the_options(tmp_path: Path) -> None:
    # refused before the file is even looked for: the arguments are wrong whatever it holds
    with pytest.raises(ArgumentError) as e:
        import_file(tmp_path / "saknas.json", source="kolada", year=2022, base=tmp_path)
    en, sv = _both(e.value)
    assert en.startswith("--indicator and --year are for Brå files only (indicator= and year=")
    assert "files from Kolada name their indicator" in en
    assert sv.startswith("--indicator och --year gäller bara filer från Brå (indicator= och")


# -- 5., 6. plausibility: numbers and the count of further problems ------------------------


def _row(**values: object) -> dict:
    row = dict(area_code="0126", area_name="Huddinge", level="kommun", parent_code="01",
               year=2022, indicator="BE0101N1", sex="T", unit="", source="t")  # fmt: skip
    return {**row, **values}


def test_plausibility_numbers_are_written_as_the_language_writes_them() -> None:
    frame = build_frame([_row(value=5e7, population=5e7)])
    with pytest.raises(ImplausibleDataError) as e:
        check_plausible(frame, "folk.csv")
    en, sv = _both(e.value)
    # one problem: a population row's value is its population, checked once
    assert len(e.value.problems) == 1 and "more" not in en
    assert "population 50,000,000 (value) must be above 0 and at most 20,000,000" in en
    assert f"folkmängden 50{NBSP}000{NBSP}000 (värdet) måste vara större än 0 och högst " in sv
    assert f"högst 20{NBSP}000{NBSP}000 [regel population-positive]" in sv


def test_the_count_of_more_problems_agrees_with_the_lines_listed() -> None:
    frame = build_frame(
        [_row(indicator="BRA_X", year=2031, value=250000.0, count=64),
         _row(indicator="BRA_X", area_code="0180", area_name="Stockholm", value=1e13)]
    )  # fmt: skip
    kinds = {"BRA_X": ("rate", 100000)}
    with pytest.raises(ImplausibleDataError) as e:
        check_plausible(frame, "f.csv", kinds=kinds, today=dt.date(2026, 1, 1))
    en, sv = e.value.args[0], e.value.message("sv")
    head, *lines = en.split("\n")
    assert len(e.value.problems) == 3 and len(lines) == 2
    assert "(and 2 more problems); nothing was imported" in head
    # the record of 2031 breaks two rules: the head and one line, the same record
    assert "record 0126 Huddinge 2031" in head
    assert sum("record 0126 Huddinge 2031" in x for x in lines) == 1
    assert not any("lies in the future" in x for x in lines)  # the head's is not repeated
    assert "(och 2 problem till); inget importerades" in sv
    assert "rate 250,000 per 100,000 would mean" in en
    assert f"250{NBSP}000 per 100{NBSP}000 invånare skulle betyda" in sv


# -- 7., 8., 9.: year cells, a category the sheet lacks, a year out of range ---------------


def test_an_empty_or_wordy_year_cell_is_about_the_year(tmp_path: Path) -> None:
    f = _xlsx(tmp_path / "brott.xlsx", [_HEADER, ["Huddinge kommun", None, _GROV, 12, 10.5]])
    with pytest.raises(ParseError) as e:
        read_bra_excel(f)
    en, sv = _both(e.value, path=f)
    assert en == f"{f}, line 2: År is empty; write the year the row is for (e.g. 2022)"
    assert sv == f"{f}, rad 2: År: cellen är tom; skriv vilket år raden gäller (till exempel 2022)"
    assert "'..'" not in en + sv
    f = _xlsx(tmp_path / "brott.xlsx", [_HEADER, ["Huddinge kommun", "tjugo", _GROV, 12, 10.5]])
    with pytest.raises(ParseError) as e:
        read_bra_excel(f)
    assert _both(e.value, path=f)[1].endswith(
        "rad 2: År 'tjugo' är inget årtal (skriv till exempel 2022)"
    )
    f = _xlsx(tmp_path / "brott.xlsx", [_HEADER, ["Huddinge kommun", 1800, _GROV, 12, 10.5]])
    with pytest.raises(ParseError) as e:
        read_bra_excel(f)
    assert _both(e.value, path=f)[0].endswith("line 2: År 1800 lies outside 1900–2100")
    c = tmp_path / "folk.csv"
    c.write_text("Region;År;Folkmängd\n0126 Huddinge;;114 100\n", encoding="utf-8")
    with pytest.raises(ParseError) as e:
        read_scb_csv(c)
    assert _both(e.value, path=c)[0].endswith(
        "line 2: År is empty; write the year the row is for (e.g. 2022)"
    )


def test_no_row_of_the_requested_category_names_the_categories_there(tmp_path: Path) -> None:
    f = _xlsx(tmp_path / "brott.xlsx", [["Anmälda brott"], _HEADER,
                                        ["Huddinge kommun", 2023, _GROV, 12, 10.5]])  # fmt: skip
    with pytest.raises(ParseError) as e:
        read_bra_excel(f, indicator="BRA_OLAGA_HOT")
    en, sv = _both(e.value, path=f)
    assert en == (
        f"{f}: no row of the file is for Unlawful threat (BRA_OLAGA_HOT); the file holds Gross "
        "violation of a woman's integrity (BRA_GROV_KVINNOFRID) only"
    )
    assert sv == (
        f"{f}: ingen rad i filen gäller Olaga hot (BRA_OLAGA_HOT); filen innehåller bara Grov "
        "kvinnofridskränkning (BRA_GROV_KVINNOFRID)"
    )


def test_a_year_given_outside_the_range_names_the_file(tmp_path: Path) -> None:
    f = tmp_path / "brott.csv"
    f.write_text("Kommun;Antal;Per 100 000 inv.\nAle kommun;7;21,4\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_bra_csv(f, year=1800, indicator="BRA_TOTAL")
    en, sv = _both(e.value, path=f)
    assert en == (
        f"{f}: the year given, 1800, lies outside 1900–2100; give the year the file's "
        "statistics are for with --year (year= in Python)"
    )
    assert sv.startswith(f"{f}: det angivna året, 1800, ligger utanför 1900–2100; ange med --year")
    doc = {
        "id": ["Region", "Tid"], "size": [1, 1],
        "dimension": {"Region": {"category": {"index": {"0126": 0}}},
                      "Tid": {"category": {"index": {"1800": 0}}}},
        "value": [5000],
    }  # fmt: skip
    with pytest.raises(ParseError) as e:
        parse_jsonstat(json.dumps(doc), "svar.json")
    en, sv = _both(e.value, path="svar.json")
    assert en == "svar.json, line 1: year 1800 lies outside 1900–2100"
    assert sv == "svar.json, rad 1: året 1800 ligger utanför 1900–2100"


def test_title_and_sheet_years_that_differ_point_to_the_option(tmp_path: Path) -> None:
    f = tmp_path / "brott.csv"
    f.write_text(
        "Anmälda brott 2021: Olaga hot\nKommun;Antal;Per 100 000 inv.\nAle kommun;7;21,4\n",
        encoding="utf-8",
    )
    with pytest.raises(ParseError) as e:
        read_bra_csv(f, year=2022)
    en, sv = _both(e.value, path=f)
    assert "but 2022 was given with --year (year= in Python)" in en
    assert "men 2022 angavs med --year (year= i Python)" in sv


# -- 11., 12., 14.: a stray quotation mark, a full stop, a json-stat value ------------------


def test_a_stray_quote_is_named_and_no_comma_is_suggested(tmp_path: Path) -> None:
    f = tmp_path / "brott.csv"
    f.write_text('Kommun;Antal;Per 100 000 inv.\n"Ale kommun;7;21,4\n', encoding="utf-8")
    with pytest.raises(ParseError) as e:
        read_bra_csv(f, year=2022, indicator="BRA_TOTAL")
    en, sv = _both(e.value, path=f)
    assert "','" not in en + sv
    assert en.endswith('found 1 (a quotation mark " that is never closed makes the rest of the '
                       "line one field)")  # fmt: skip
    assert 'hittade 1 (ett citattecken " som aldrig avslutas' in sv
    f.write_text("Kommun;Antal;Per 100 000 inv.\nAle kommun;7\n", encoding="utf-8")
    with pytest.raises(ParseError) as e:
        read_bra_csv(f, year=2022, indicator="BRA_TOTAL")
    assert str(e.value).endswith("expected 3 fields separated by ';', found 2")


def test_an_unmatched_name_without_suggestions_ends_its_sentence(tmp_path: Path) -> None:
    f = tmp_path / "folk.csv"
    f.write_text("Region;2022\nQwxz;5000\n", encoding="utf-8")
    with pytest.raises(UnmatchedNamesError) as e:
        read_scb_csv(f)
    assert "matches no kommun, län or district. Nothing was imported;" in str(e.value)


def test_a_negative_json_stat_value_names_its_place_not_its_index() -> None:
    doc = {
        "id": ["Region", "Tid"], "size": [1, 2],
        "dimension": {"Region": {"category": {"index": {"0126": 0}}},
                      "Tid": {"category": {"index": {"2021": 0, "2022": 1}}}},
        "value": [5000, -5],
    }  # fmt: skip
    with pytest.raises(ParseError) as e:
        parse_jsonstat(json.dumps(doc), "svar.json")
    en, sv = _both(e.value, path="svar.json")
    assert en.startswith(
        "svar.json, line 1: value number 2 in 'value' (region 0126, year 2022): -5 is negative"
    )
    assert sv.startswith(
        "svar.json, rad 1: värde nummer 2 i 'value' (region 0126, år 2022): -5 är ett negativt tal"
    )


# -- 13.: fetch without a network points to the command ------------------------------------


def test_fetch_without_network_points_to_the_import_command(tmp_path: Path) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(NetworkUnavailableError) as e:
        fetch_kolada(["N07402"], [2022], base_url=f"http://127.0.0.1:{port}/v3", base=tmp_path)
    assert "import a downloaded file with `pilotbench data import FILE --source kolada`" in str(
        e.value
    )
    assert "importera en nedladdad fil med `pilotbench data import FIL --source kolada`" in (
        e.value.message("sv")
    )


def test_frames_are_not_called_reader_output_when_they_come_from_a_file() -> None:
    rows = [_row(value=1.0), _row(value=2.0)]
    with pytest.raises(DataError) as e:
        build_reader_frame(rows, "folk.csv", "no rows")
    assert str(e.value).startswith("folk.csv: more than one row for area 0126")


# -- a title naming a category pilotbench does not know ---------------------------------------


def test_a_title_naming_an_unknown_category_says_what_it_names(tmp_path: Path) -> None:
    """ "Anmälda brott ... 2022: Snatteri" names a category; "the file does not say which
    category" was wrong: the message says what the title names, that pilotbench does not
    know it, the categories it knows and how to give one with --indicator."""
    f = tmp_path / "snatteri.csv"
    f.write_text(
        "Anmälda brott i kommunerna 2022: Snatteri\nKommun;Antal;Per 100 000 inv.\n"
        "Ale kommun;7;21,4\n",
        encoding="utf-8",
    )
    with pytest.raises(ParseError) as e:
        read_bra_csv(f)
    en, sv = _both(e.value, path=f)
    assert en.startswith(
        f"{f}, line 1: the title names the crime category 'Snatteri', which pilotbench does "
        "not know; known categories: Violation of a child's integrity (BRA_BARNFRID), "
    ), en
    assert "Gross violation of a woman's integrity (BRA_GROV_KVINNOFRID)" in en
    assert "give its id with --indicator" in en and "does not say" not in en
    assert sv.startswith(
        f"{f}, rad 1: titeln anger brottskategorin 'Snatteri', som pilotbench inte känner "
        "till; kända kategorier: "
    ), sv
    assert "Grov kvinnofridskränkning (BRA_GROV_KVINNOFRID)" in sv and "--indicator" in sv
    # the same in an Excel export's title rows, and with the category after the year
    rows = [["Anmälda brott 2022 Snatteri"], ["Region", "Antal", "Per 100 000 inv."],
            ["Huddinge kommun", 12, 10.5]]  # fmt: skip
    x = _xlsx(tmp_path / "snatteri.xlsx", rows)
    with pytest.raises(ParseError) as e:
        read_bra_excel(x)
    assert "the title names the crime category 'Snatteri'" in str(e.value)
    # a known category given with --indicator: the file is read as that category
    df = read_bra_csv(f, indicator="BRA_TOTAL")
    assert df["indicator"].unique().to_list() == ["BRA_TOTAL"]


def test_a_title_naming_no_category_still_says_the_file_does_not(tmp_path: Path) -> None:
    f = tmp_path / "brott.csv"
    f.write_text(
        "Anmälda brott i kommunerna 2022\nKommun;Antal;Per 100 000 inv.\nAle kommun;7;21,4\n",
        encoding="utf-8",
    )
    with pytest.raises(ParseError, match="the file does not say its indicator"):
        read_bra_csv(f)


def test_an_unknown_category_in_a_brott_column_lists_the_known_ones(tmp_path: Path) -> None:
    x = _xlsx(tmp_path / "brott.xlsx", [_HEADER, ["Huddinge kommun", 2022, "Snatteri", 12, 10.5]])
    with pytest.raises(ParseError) as e:
        read_bra_excel(x)
    en, sv = _both(e.value, path=x)
    assert en.startswith(
        f"{x}, line 2: pilotbench does not know the crime category 'Snatteri'; known categories: "
    )
    assert "Unlawful threat (BRA_OLAGA_HOT)" in en and "Olaga hot (BRA_OLAGA_HOT)" in sv
