"""Attack the ``pilotbench`` command line as a hostile user and environment; tally the outcome.

Run:  .venv/bin/python tools/hostile_cli.py [--keep] [NAME-PART ...]  (only matching cases)

Every case runs ``python -m research ...`` as a new process against a scratch copy of
``data/`` and an empty reports folder (``PILOTBENCH_DATA``/``PILOTBENCH_REPORTS``), as a new
user would. A case is

* **handled cleanly** when the exit status is the expected one, a refusal prints one line
  ``error: ...`` that contains the expected words (file, rule, field ...), and ``data/`` and
  ``reports/`` are byte-identical afterwards unless the command is meant to change them;
* **unclear** when the status is right but the message lacks the expected words;
* a **traceback** when "Traceback" appears in the output;
* **data lost** when a command reported success for something that is not there afterwards.

Cases that need a mount (read-only or full file systems) are skipped where mounting is not
permitted. Prints one line per case and the tally; exits 1 if a case was not handled cleanly.
The fault-injection suite (tests/test_faults.py) asserts the same behaviour case by case.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "data"
BRA = FIX / "bra_kommuner_2022.csv"


@dataclass
class Case:
    name: str
    args: list[str]
    code: int = 2
    words: tuple[str, ...] = ()
    changes: bool = False  # data/ or reports/ may change
    setup: object = None
    env: dict = field(default_factory=dict)


def tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".pilotbench.lock"
    }


def bra(tmp: Path, name: str, title_year: int = 2022, cat: str = "Olaga hot", **rows) -> Path:
    lines = BRA.read_text(encoding="utf-8-sig").splitlines()
    lines[0] = f"Anmälda brott i kommunerna {title_year}: {cat}"
    for area, row in rows.items():
        lines = [row if x.startswith(area + ";") else x for x in lines]
    p = tmp / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def kolada(tmp: Path, name: str, edit) -> Path:
    doc = json.loads((FIX / "kolada_n07402.json").read_text())
    edit(doc)
    p = tmp / name
    p.write_text(json.dumps(doc, indent=1))
    return p


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="pilotbench-hostile-"))
    base = work / "base"
    shutil.copytree(ROOT / "data", base, ignore=shutil.ignore_patterns("processed", "imported"))
    subprocess.run(
        [sys.executable, "-m", "research", "data", "build"],
        env=dict(os.environ, PILOTBENCH_DATA=str(base), PILOTBENCH_LANG="en"),
        check=True,
        capture_output=True,
    )
    t = work / "files"
    t.mkdir()
    sched = {}
    for key, body in {
        "workers": '[batch]\nworkers = "two"\n[[job]]\nnotebook = "pilot_vs_candidate"\n',
        "params": '[[job]]\nnotebook = "pilot_vs_candidate"\nparameters = "string"\n',
        "nojob": "[batch]\nworkers = 2\n",
        "badtoml": "[[job]\n",
        "area_int": "[[job]]\nnotebook = 'pilot_vs_candidate'\nparameters = { candidate = 126 }\n",
        "nb": "[[job]]\nnotebook = 'pilot_vs_candidat'\n",
        "each": "[[job]]\nnotebook = 'pilot_vs_candidate'\neach = { parameter = 'candidate' }\n",
    }.items():
        sched[key] = t / f"schedule_{key}.toml"
        sched[key].write_text(body)
    (t / "folder.csv").mkdir()
    (t / "binary.csv").write_bytes(os.urandom(4000))
    (t / "zip.csv").write_bytes(b"PK\x03\x04" + os.urandom(400))
    (t / "utf16.csv").write_bytes(BRA.read_text(encoding="utf-8-sig").encode("utf-16"))
    (t / "deep.json").write_text("[" * 50000 + "]" * 50000)
    (t / "empty.csv").write_bytes(b"")
    (t / "nul.json").write_bytes(b"\x00" * 100)
    huge_head = "\n".join(BRA.read_text(encoding="utf-8-sig").splitlines()[:2])
    (t / "huge.csv").write_text(huge_head + "\nAle kommun;" + "7" * 50_000_000 + ";1\n")
    scb = json.loads((FIX / "scb_tab638.json").read_text())
    scb["status"] = "p"
    (t / "scb_status.json").write_text(json.dumps(scb))
    scb2 = json.loads((FIX / "scb_tab638.json").read_text())
    scb2["size"] = None
    (t / "scb_size.json").write_text(json.dumps(scb2))
    (t / "pop0.csv").write_text("Region;År;Folkmängd\n0126 Huddinge;2022;0\n")
    (t / "popneg.csv").write_text("Region;År;Folkmängd\n0126 Huddinge;2022;-5\n")
    (t / "pophuge.csv").write_text("Region;År;Folkmängd\n0126 Huddinge;2022;99 000 000\n")
    (t / "latin1_json.json").write_bytes('{"values": "Södermalm"}'.encode("latin-1"))
    (t / "x.txt").write_text("hello")

    def setv(i, key, v):
        return lambda d: d["values"][i].__setitem__(key, v)

    def setval(i, v):
        return lambda d: d["values"][i]["values"][0].__setitem__("value", v)

    imp = ["data", "import"]
    cases = [
        Case("kolada riket 1e300", [*imp, str(kolada(t, "k1.json", setval(1, 1e300))),
             "--source", "kolada"], words=("k1.json", "00 Riket", "finite")),
        Case("kolada rate above per", [*imp, str(kolada(t, "k2.json", setval(3, 250000.0))),
             "--source", "kolada"], words=("k2.json", "rate-bound")),
        Case("kolada negative", [*imp, str(kolada(t, "k3.json", setval(3, -1))),
             "--source", "kolada"], words=("k3.json", "negative")),
        Case("kolada year 2999", [*imp, str(kolada(t, "k4.json", setv(2, "period", 2999))),
             "--source", "kolada"], words=("k4.json, line",)),
        Case("kolada year 2099", [*imp, str(kolada(t, "k5.json", setv(2, "period", 2099))),
             "--source", "kolada"], words=("k5.json", "future-year")),
        Case("kolada period as text", [*imp, str(kolada(t, "k6.json", setv(2, "period", "x"))),
             "--source", "kolada"], words=("k6.json, line", "not a year")),
        Case("kolada municipality int", [*imp, str(kolada(t, "k7.json",
             setv(2, "municipality", 126))), "--source", "kolada"], words=("k7.json, line",)),
        Case("kolada values not list", [*imp, str(kolada(t, "k8.json",
             setv(2, "values", "x"))), "--source", "kolada"], words=("k8.json",)),
        Case("kolada NaN", [*imp, str(kolada(t, "k9.json", setval(3, float("nan")))),
             "--source", "kolada"], words=("k9.json",)),
        Case("brå 900000 crimes", [*imp, str(bra(t, "b1.csv", **{"Huddinge kommun":
             "Huddinge kommun;900 000;55,9"})), "--source", "bra"],
             words=("b1.csv", "0126", "count-le-population")),
        Case("brå 64 at 5000", [*imp, str(bra(t, "b2.csv", **{"Huddinge kommun":
             "Huddinge kommun;64;5 000"})), "--source", "bra"],
             words=("b2.csv", "rate-consistent")),
        Case("brå title 2099", [*imp, str(bra(t, "b3.csv", 2099)), "--source", "bra"],
             words=("b3.csv", "future-year")),
        Case("brå title 1850", [*imp, str(bra(t, "b4.csv", 1850)), "--source", "bra"],
             words=("b4.csv",)),
        Case("brå unknown kommun", [*imp, str(bra(t, "b5.csv", **{"Huddinge kommun":
             "Hudinge kommun;64;55,9"})), "--source", "bra"], words=("b5.csv", "huddinge")),
        Case("brå text count", [*imp, str(bra(t, "b6.csv", **{"Huddinge kommun":
             "Huddinge kommun;many;55,9"})), "--source", "bra"], words=("b6.csv, line",)),
        Case("brå --year contradicts", [*imp, str(BRA), "--source", "bra", "--year", "2019"],
             words=("2019",)),
        Case("brå unknown category", [*imp, str(bra(t, "b7.csv", cat="Cykelstöld")),
             "--source", "bra"], words=("b7.csv",)),
        Case("scb population 0", [*imp, str(t / "pop0.csv"), "--source", "scb"],
             words=("pop0.csv", "population-positive")),
        Case("scb population negative", [*imp, str(t / "popneg.csv"), "--source", "scb"],
             words=("popneg.csv", "negative")),
        Case("scb population 99 million", [*imp, str(t / "pophuge.csv"), "--source", "scb"],
             words=("pophuge.csv", "population-positive")),
        Case("json-stat2 string status", [*imp, str(t / "scb_status.json"), "--source", "scb"],
             code=0, changes=True),
        Case("json-stat2 size null", [*imp, str(t / "scb_size.json"), "--source", "scb"],
             words=("scb_size.json", "size")),
        Case("utf-16 with BOM", [*imp, str(t / "utf16.csv"), "--source", "bra"], code=0,
             changes=True),
        Case("random binary", [*imp, str(t / "binary.csv"), "--source", "bra"],
             words=("binary.csv", "binary")),
        Case("zip as csv", [*imp, str(t / "zip.csv"), "--source", "scb"],
             words=("zip.csv", "zip")),
        Case("NUL bytes json", [*imp, str(t / "nul.json"), "--source", "kolada"],
             words=("nul.json", "binary")),
        Case("directory as file", [*imp, str(t / "folder.csv"), "--source", "bra"],
             words=("folder.csv", "folder")),
        Case("missing file", [*imp, str(t / "nope.csv"), "--source", "bra"],
             words=("nope.csv", "no such file")),
        Case("deeply nested json kolada", [*imp, str(t / "deep.json"), "--source", "kolada"],
             words=("deep.json", "nested")),
        Case("deeply nested json scb", [*imp, str(t / "deep.json"), "--source", "scb"],
             words=("deep.json", "nested")),
        Case("50 MB field", [*imp, str(t / "huge.csv"), "--source", "bra"],
             words=("huge.csv, line 3", "field")),
        Case("empty file", [*imp, str(t / "empty.csv"), "--source", "bra"],
             words=("empty.csv",)),
        Case("latin-1 json", [*imp, str(t / "latin1_json.json"), "--source", "kolada"],
             words=("latin1_json.json",)),
        Case("wrong extension", [*imp, str(t / "x.txt"), "--source", "bra"],
             words=("x.txt", ".txt")),
        Case("indicator for kolada", [*imp, str(FIX / "kolada_n07402.json"), "--source",
             "kolada", "--indicator", "X"], words=("indicator",)),
        Case("remove unknown id", ["data", "remove", "deadbeef0000"], words=("no import",)),
        Case("remove short id", ["data", "remove", "ab"], words=("no import",)),
        Case("report --candidate ''", ["report", "--candidate", ""], words=("empty",)),
        Case("report --pilot ''", ["report", "--pilot", ""], words=("empty",)),
        Case("report pilot_start future", ["report", "-p", "pilot_start=2030-01"],
             words=("pilot_start", "future")),
        Case("report pilot_start month 13", ["report", "-p", "pilot_start=2021-13"],
             words=("2021-13",)),
        Case("report end_year 2030", ["report", "-p", "end_year=2030"],
             words=("end_year", "data end in 2022")),
        Case("report start after end", ["report", "-p", "start_year=2020", "-p",
             "end_year=2010"], words=("start_year",)),
        Case("report candidate=126", ["report", "-p", "candidate=126"], words=("'0126'",)),
        Case("report same area", ["report", "--candidate", "1280", "--pilot", "Malmö"],
             words=("same area",)),
        Case("report unknown kommun", ["report", "--candidate", "Hudinge"],
             words=("huddinge",)),
        Case("report unknown param", ["report", "-p", "candidat=0126"],
             words=("candidat",)),
        Case("report -p without =", ["report", "-p", "candidate"], words=("name=value",)),
        Case("report lang de", ["report", "-p", "lang=de"], words=("de",)),
        Case("report unknown notebook", ["report", "pilot_vs_candidat"],
             words=("pilot_vs_candidat",)),
        Case("report end_year text", ["report", "-p", "end_year=twenty"],
             words=("end_year",)),
        Case("report --output is a file", ["report", "--output", str(t / "x.txt")],
             words=("x.txt", "file")),
        Case("pilot_effect start_year 2019", ["report", "pilot_effect", "-p",
             "start_year=2019"], words=("start_year",), code=2),
        Case("schedule workers two", ["batch", str(sched["workers"])],
             words=("workers", "whole number")),
        Case("schedule parameters string", ["batch", str(sched["params"])],
             words=("parameters",)),
        Case("schedule without jobs", ["batch", str(sched["nojob"])], words=("job",)),
        Case("schedule bad toml", ["batch", str(sched["badtoml"])], words=("toml",)),
        Case("schedule area as number", ["batch", str(sched["area_int"])], words=("'0126'",)),
        Case("schedule unknown notebook", ["batch", str(sched["nb"])],
             words=("pilot_vs_candidat",)),
        Case("schedule each incomplete", ["batch", str(sched["each"])], words=("areas",)),
        Case("schedule missing", ["batch", str(t / "none.toml")], words=("none.toml",)),
        Case("fetch bad years", ["data", "fetch", "--source", "kolada", "--years", "20x"],
             words=("--years",)),
        Case("fetch years reversed", ["data", "fetch", "--source", "kolada", "--years",
             "2025-2020"], words=("--years",)),
        Case("fetch unknown kpi", ["data", "fetch", "--source", "kolada", "--years", "2022",
             "--indicator", "N9999"], words=("N9999",)),
        Case("fetch unknown area", ["data", "fetch", "--source", "kolada", "--years", "2022",
             "--area", "Hudinge"], words=("hudinge",)),
        Case("fetch area as number-like", ["data", "fetch", "--source", "kolada", "--years",
             "2022", "--area", "126"], words=("'0126'",)),
    ]  # fmt: skip

    # damaged files: each gets a fresh copy and edits it first
    def edit(rel, old, new):
        def f(d: Path):
            p = d / rel
            p.write_text(p.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")

        return f

    def flip_byte(d: Path):
        p = d / "raw/kolada/ddf--datapoints--n07402--by--geo--year.csv"
        st = p.stat()
        b = bytearray(p.read_bytes())
        b[b.index(b"9.60665")] = ord("8")
        p.write_bytes(bytes(b))
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))

    def garbage(rel, data=b"{not json"):
        def f(d: Path):
            (d / rel).parent.mkdir(parents=True, exist_ok=True)
            (d / rel).write_bytes(data)

        return f

    cases += [
        Case("one byte changed, size+mtime kept: build", ["data", "build"],
             words=("manifest",), setup=flip_byte),
        Case("one byte changed, size+mtime kept: report", ["report"], words=("manifest",),
             setup=flip_byte),
        Case("one byte changed, size+mtime kept: info", ["data", "info"],
             words=("manifest",), setup=flip_byte),
        Case("catalog per as text", ["data", "build"], setup=edit("catalog.toml",
             "per = 100000", 'per = "hundred thousand"'),
             words=("catalog.toml", "N07402", "per")),
        Case("catalog kind unknown", ["data", "info"], setup=edit("catalog.toml",
             'kind = "rate"', 'kind = "ratio"'), words=("catalog.toml", "kind")),
        Case("catalog coverage scalar", ["report"], setup=edit("catalog.toml",
             "coverage = [2008, 2022]", "coverage = 2008"), words=("catalog.toml", "coverage")),
        Case("catalog not toml", ["data", "build"], setup=garbage("catalog.toml", b"[x"),
             words=("catalog.toml", "toml")),
        Case("manifest sha256 number", ["data", "verify"], setup=edit("manifest.toml",
             'sha256 = "0401', "sha256 = 12345\n#"), words=("manifest.toml", "sha256")),
        Case("manifest bytes text", ["data", "build"], setup=edit("manifest.toml",
             "bytes = 3538", 'bytes = "big"'), words=("manifest.toml", "bytes")),
        Case("manifest missing", ["data", "build"], setup=lambda d: (d / "manifest.toml")
             .unlink(), words=("manifest.toml", "missing")),
        Case("raw file missing", ["data", "build"], setup=lambda d: (d / "raw/kolada/"
             "ddf--datapoints--n07402--by--geo--year.csv").unlink(), words=("missing",)),
        Case("raw file not in the manifest", ["data", "build"], words=("n99999", "manifest"),
             setup=garbage("raw/kolada/ddf--datapoints--n99999--by--geo--year.csv",
                           b"geo,year,n99999\n0126,2022,1\n")),
        Case("panel cache truncated", ["data", "build"], code=0, changes=True,
             setup=lambda d: (d / "processed/panel.parquet").write_bytes(b"PAR1")),
        Case("panel meta garbage", ["data", "info"], code=0, changes=True,
             setup=garbage("processed/panel.json")),
        Case("ledger garbage", ["data", "info"], setup=garbage("imported/imports.json"),
             words=("imports.json", "data repair")),
        Case("ledger garbage: repair", ["data", "repair"], code=0, changes=True,
             setup=garbage("imported/imports.json")),
        Case("stale staging cleaned", ["data", "import", str(BRA), "--source", "bra"], code=0,
             changes=True, setup=garbage("imported/.import-dead.parquet")),
    ]  # fmt: skip

    # environment faults: mounts (skipped where not permitted) and a silent server
    mnt = work / "mnt"
    mnt.mkdir()
    can_mount = (
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                       capture_output=True).returncode == 0
    )  # fmt: skip
    if can_mount:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)

    def tmpfs(path: Path, ro: bool = False, full: bool = False, bind: Path | None = None):
        path.mkdir(parents=True, exist_ok=True)
        if bind:
            subprocess.run(["mount", "--bind", str(bind), str(path)], check=True)
        else:
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(path)],
                           check=True)  # fmt: skip
        if full:
            fd = os.open(path / "filler", os.O_WRONLY | os.O_CREAT)
            try:
                while True:
                    os.write(fd, b"\0" * 1024)
            except OSError:
                pass
            finally:
                os.close(fd)
        if ro:
            opts = "remount,ro,bind" if bind else "remount,ro"
            subprocess.run(["mount", "-o", opts, str(path)], check=True)
        mounts.append(path)

    mounts: list[Path] = []
    ro_out, full_out = work / "ro_out", work / "full_out"
    if can_mount:
        cases += [
            Case("--output read-only", ["report", "--output", str(ro_out)],
                 words=("ro_out", "read-only"), setup=lambda d: tmpfs(ro_out, ro=True)),
            Case("--output full disk", ["report", "--output", str(full_out)],
                 words=("full_out", "full"), setup=lambda d: tmpfs(full_out, full=True)),
            Case("data/processed read-only, no cache", ["data", "build"], code=0,
                 setup=lambda d: (shutil.rmtree(d / "processed"),
                                  tmpfs(d / "processed", ro=True))),
            Case("data/ read-only: import", [*imp, str(BRA), "--source", "bra"],
                 words=("read-only",), setup=lambda d: tmpfs(d, ro=True, bind=d)),
            Case("data/imported full: import", [*imp, str(BRA), "--source", "bra"],
                 words=("full",), setup=lambda d: tmpfs(d / "imported", full=True)),
        ]  # fmt: skip
    else:
        print("skipped   read-only and full file systems: mounting is not permitted here")
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)  # accepts (the kernel completes the handshake) and never answers
    cases.append(
        Case("fetch from a host that never answers", ["data", "fetch", "--source", "kolada",
             "--years", "2022", "--timeout", "1", "--deadline", "5"],
             words=("127.0.0.1", "deadline"),
             env={"PILOTBENCH_KOLADA_URL": f"http://127.0.0.1:{silent.getsockname()[1]}"})
    )  # fmt: skip

    results = {"tries": 0, "clean": 0, "unclear": 0, "traceback": 0, "lost": 0, "skipped": 0}
    reports = work / "reports"

    def one(c: Case) -> str:
        data = work / "data"
        while mounts:
            subprocess.run(["umount", "-l", str(mounts.pop())], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(reports, ignore_errors=True)
        shutil.copytree(base, data)
        reports.mkdir()
        if c.setup:
            c.setup(data)
        before = (tree(data), tree(reports))
        env = dict(
            os.environ,
            PILOTBENCH_DATA=str(data),
            PILOTBENCH_REPORTS=str(reports),
            PILOTBENCH_LANG="en",
        )
        r = subprocess.run(
            [sys.executable, "-m", "research", *c.args],
            capture_output=True,
            text=True,
            env=env | c.env,
            cwd=work,
            timeout=600,
        )
        text = r.stdout + r.stderr
        lines = r.stderr.strip().splitlines() or [""]
        # progress lines ("retrying", "waiting") may come first; the error line is the verdict
        first = next((x for x in lines if x.startswith("error: ")), lines[0])
        if "Traceback" in text:
            return "traceback"
        if r.returncode != c.code:
            return f"unclear (exit {r.returncode}: {first[:120]})"
        if c.code != 0:
            if not first.startswith("error: ") or not all(
                w.lower() in first.lower() for w in c.words
            ):
                return f"unclear ({first[:160]})"
        if not c.changes and (tree(data), tree(reports)) != before:
            return "lost"
        return "clean"

    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    for c in cases:
        if only and not any(o in c.name for o in only):
            continue
        verdict = one(c)
        results["tries"] += 1
        key = verdict.split()[0]
        results["clean" if key == "clean" else key] += 1
        print(f"{verdict.split()[0]:<9} {c.name}" + (f"  {verdict[len(key):]}" if key != "clean"
              else ""), flush=True)  # fmt: skip

    while mounts:
        subprocess.run(["umount", "-l", str(mounts.pop())], capture_output=True)
    silent.close()
    if only and not any(o in "six concurrent imports" for o in only):
        print(
            "\ntries {tries} / handled cleanly {clean} / unclear {unclear} / tracebacks "
            "{traceback} / data lost {lost}".format(**results)
        )
        return 0 if results["clean"] == results["tries"] else 1
    # concurrency: six imports and a build at once, as real processes
    data = work / "data"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(base, data)
    cats = ["Grov kvinnofridskränkning", "Grov fridskränkning", "Olaga hot", "Ofredande",
            "Olaga förföljelse", "Våldtäkt inkl. grov"]  # fmt: skip
    files = [bra(t, f"conc{i}.csv", cat=c) for i, c in enumerate(cats)]
    env = dict(os.environ, PILOTBENCH_DATA=str(data), PILOTBENCH_LANG="en")  # English messages
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "research", "data", "import", str(f), "--source", "bra"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for f in files
    ] + [
        subprocess.Popen(
            [sys.executable, "-m", "research", "data", "build", "--force"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
    ]  # fmt: skip
    outs = [(p.wait(), *p.communicate()) for p in procs]
    ok = sum(code == 0 and "imported" in out for code, out, _ in outs[:6])
    ledger = json.loads((data / "imported" / "imports.json").read_text())["imports"]
    lost = ok - len(ledger)
    tb = sum("Traceback" in err for _, _, err in outs)
    results["tries"] += 1
    if tb:
        results["traceback"] += 1
    elif lost or ok != 6 or outs[6][0] != 0:
        results["lost"] += 1
    else:
        results["clean"] += 1
    print(f"{'clean' if not (tb or lost) and ok == 6 else 'LOST':<9} six concurrent imports "
          f"and a build: {ok} imported, {len(ledger)} in the ledger")  # fmt: skip
    print(
        "\ntries {tries} / handled cleanly {clean} / unclear {unclear} / tracebacks "
        "{traceback} / data lost {lost}".format(**results)
    )
    if "--keep" not in sys.argv:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if results["clean"] == results["tries"] else 1


if __name__ == "__main__":
    sys.exit(main())
