"""Write the TEST FIXTURES in tests/data (made-up numbers in official file formats).

Every number here is invented for tests; none is official data. The files imitate the
formats of Brå, SCB, Stockholms stad and Kolada (encodings, separators, symbols, layouts).

Run once from the repository root with a Python that has openpyxl (only needed for the
.xlsx files), e.g. a scratch virtualenv outside the repository::

    python3 -m venv /tmp/xlsxenv && /tmp/xlsxenv/bin/pip install openpyxl
    /tmp/xlsxenv/bin/python tests/data/make_fixtures.py

Generated 2026 with Python 3.11 and openpyxl 3.1.5. The outputs are committed; the tests
only read them.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
BOM = "\ufeff"
NBSP = "\u00a0"
NNBSP = "\u202f"


def write(name: str, text: str, encoding: str = "utf-8", bom: bool = False, crlf: bool = True):
    if crlf:
        text = text.replace("\n", "\r\n")
    data = (BOM if bom else "") + text
    (HERE / name).write_bytes(data.encode(encoding))


BRA_KOMMUNER = f"""Kommun;Antal;Per 100 000 inv.
Riket;1{NNBSP}950;18,6
Ale kommun;7;21,4
Arjeplogs kommun;..;..
Botkyrka kommun;45;47,4
Falu kommun;9;15,0
Göteborgs stad;1{NBSP}212;205,3
Huddinge kommun;64;55,9
Malmö stad;150;42,1
Salems kommun;-;–
Stockholms stad;310;31,4
Upplands Väsby kommun;12;25,0
"""


def bra() -> None:
    title = "Anmälda brott i kommunerna 2022: Grov kvinnofridskränkning\n"
    write("bra_kommuner_2022.csv", title + BRA_KOMMUNER, bom=True)
    write("bra_kommuner_utan_titel.csv", BRA_KOMMUNER, bom=True)
    write(
        "bra_kommuner_latin1.csv",
        BRA_KOMMUNER.replace(NNBSP, " ").replace("–", "-"),
        encoding="latin-1",
    )
    write(
        "bra_stadsdelar_2022.csv",
        "Anmälda brott i stadsdelar 2022: Grov kvinnofridskränkning\n"
        "Område;Antal;Per 100 000 inv.\n"
        "Stockholms stad;310;31,4\n"
        "Stockholm: Södermalm;41;31,5\n"
        "Kungsholmens stadsdelsområde;20;24,1\n"
        "Stockholm: Norrmalm;25;32,0\n"
        "Östermalms stadsdelsområde;18;23,5\n"
        "Göteborg: Centrum;30;..\n"
        "Malmö: Innerstaden;22;..\n"
        "Källa: Brå (TESTFIXTUR med påhittade siffror)\n",
        bom=True,
    )


def scb() -> None:
    write(
        "scb_folkmangd_latin1.csv",
        '"Folkmängd efter region, kön och år"\n'
        "\n"
        '"region","kön","2021","2022"\n'
        '"00 Riket","män",5250000,5270000\n'
        '"00 Riket","kvinnor",5200000,5220000\n'
        '"0126 Huddinge","män",57000,57400\n'
        '"0126 Huddinge","kvinnor",56300,56700\n'
        '"2580 Luleå","män",40000,40100\n',
        encoding="latin-1",
    )
    write(
        "scb_folkmangd_utf8.csv",
        "Region;År;Folkmängd\n0126 Huddinge;2022;114 100\n0180 Stockholm;2022;985 000\n"
        "01 Stockholms län;2022;2 450 000\n",
        bom=True,
    )
    write(
        "stockholm_stadsdelar.csv",
        "Stadsdelsområde;2020;2021;2022\nSödermalm;131 000;130 500;130 200\n"
        "Norrmalm;70 000;69 500;70 100\nÖstermalm;50 000;50 200;50 300\n"
        "Kungsholmen;66 000;66 100;66 200\n",
        bom=True,
    )
    doc = {
        "version": "2.0",
        "class": "dataset",
        "label": "Folkmängden efter region, kön, tabellinnehåll och år (TESTFIXTUR)",
        "source": "SCB (format only; numbers made up)",
        "updated": "2023-02-21T07:00:00Z",
        "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
        "id": ["Region", "Kon", "ContentsCode", "Tid"],
        "size": [4, 2, 1, 2],
        "dimension": {
            "Region": {
                "label": "region",
                "category": {
                    "index": {"00": 0, "01": 1, "0126": 2, "0180": 3},
                    "label": {"00": "Riket", "01": "Stockholms län", "0126": "Huddinge",
                              "0180": "Stockholm"},
                },
            },
            "Kon": {"label": "kön", "category": {"index": ["1", "2"],
                                                 "label": {"1": "män", "2": "kvinnor"}}},
            "ContentsCode": {"label": "tabellinnehåll",
                             "category": {"index": {"BE0101N1": 0},
                                          "label": {"BE0101N1": "Folkmängd"}}},
            "Tid": {"label": "år", "category": {"index": ["2021", "2022"]}},
        },
        "value": [5250000, 5270000, 5200000, 5220000,
                  1220000, 1230000, 1210000, 1220000,
                  57000, 57400, 56300, None,
                  490000, 492000, 495000, 497000],
        "status": {"11": ".."},
    }  # fmt: skip
    (HERE / "scb_tab638.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


def kolada() -> None:
    def item(muni, year, vals):
        return {
            "kpi": "N07402",
            "municipality": muni,
            "period": year,
            "values": [
                {"gender": g, "count": 1, "status": "", "value": v, "isdeleted": d}
                for g, v, d in vals
            ],
        }

    doc = {
        "count": 8,
        "values": [
            item("0000", 2021, [("T", 17.9, False)]),
            item("0000", 2022, [("T", 18.6, False)]),
            item("0001", 2022, [("T", 21.0, False)]),
            item("0126", 2021, [("T", 52.0, False), ("K", 103.1, False), ("M", 0.0, True)]),
            item("0126", 2022, [("T", 55.9, False)]),
            item("0180", 2021, [("T", None, False)]),
            item("0180", 2022, [("T", 31.4, False)]),
        ],
        "next_url": None,
        "previous_url": None,
    }  # fmt: skip
    (HERE / "kolada_n07402.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def xlsx() -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Anmälda brott"
    # Row 1 stays empty on purpose: readers must report the sheet's own row numbers.
    ws["A2"] = "Anmälda brott, antal och per 100 000 invånare (TESTFIXTUR, påhittade siffror)"
    ws["A3"] = "Brott: Grov kvinnofridskränkning"
    ws.append([])
    ws.append(["Region", "År", "Antal", "Per 100 000 inv."])
    data = [
        ("Riket", 2020, 1850, 17.9), ("Riket", 2021, 1900, 18.2), ("Riket", 2022, 1950, 18.6),
        ("Stockholms län", 2022, 520, 21.2),
        ("Stockholm", 2020, 290, 29.6), ("Stockholm", 2021, 300, 30.5),
        ("Stockholm", 2022, 310, 31.4),
        ("Stockholm: Södermalm", 2020, 40, 30.5), ("Stockholm: Södermalm", 2021, 44, "33,7"),
        ("Stockholm: Södermalm", 2022, 41, 31.5),
        ("Göteborg: Centrum", 2022, 30, ".."), ("Malmö: Innerstaden", 2022, 22, ".."),
        ("Huddinge", 2020, 50, 44.3), ("Huddinge", 2021, 60, 52.9),
        ("Huddinge", 2022, 64, 55.9),
    ]  # fmt: skip
    for row in data:
        ws.append(list(row))
    ws.append([])
    ws.append(["Källa: Brå (TESTFIXTUR med påhittade siffror)"])
    wb.save(HERE / "bra_statistikdatabas.xlsx")

    # A broken export: a negative count on sheet row 8 (rows 1-2 empty, title on row 3).
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A3"] = "Brott: Olaga hot (TESTFIXTUR, påhittade siffror)"
    ws["A5"] = "Region"
    ws["B5"] = "År"
    ws["C5"] = "Antal"
    ws["D5"] = "Per 100 000 inv."
    for r, row in enumerate(
        [("Riket", 2022, 90000, 860.1), ("Huddinge", 2022, 800, 700.0),
         ("Stockholm", 2022, -5, 12.0)],
        start=6,
    ):  # fmt: skip
        for c, v in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=v)
    wb.save(HERE / "bra_statistikdatabas_fel.xlsx")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Folkmängd"
    ws["A1"] = "Folkmängd per stadsdelsområde 31 december (TESTFIXTUR, påhittade siffror)"
    ws.append(["Stadsdelsområde", "2020", "2021", "2022"])
    ws.append(["Södermalm", 131000, 130500, 130200])
    ws.append(["Norrmalm", 70000, 69500, 70100])
    ws.append(["Östermalm", 50000, 50200, 50300])
    ws.append(["Kungsholmen", 66000, 66100, 66200])
    wb.save(HERE / "stockholm_stadsdelar.xlsx")


if __name__ == "__main__":
    bra()
    scb()
    kolada()
    xlsx()
