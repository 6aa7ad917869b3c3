"""Mutation testing of the statistics modules with mutmut 3 (``make mutate``; not part of
``make test``).

Each module is mutated on its own and run against its own tests only (``MODULES`` below maps
module -> source files -> test files), so a module's score says how well *its* tests pin its
numbers, not whether some distant integration test happens to notice.

Sandbox: every run works in a fresh copy of the tracked (and new, not ignored) files under
``$MUTATE_DIR/<module>`` (default ``/tmp/pilotbench-mutate``); mutmut then mutates a second
copy inside it (``mutants/``). The real ``data/`` and ``reports/`` are never written.

What is mutated ("numeric code"): every function of the listed source files except

* functions listed in the module's ``skip`` (text, formatting, dataclass plumbing: they
  change words, not numbers, and are covered by the report tests),
* mutants that only change a string literal (error messages, notes, labels): detected by
  comparing the mutant's syntax tree with the original's with all string constants blanked,
  and never run.

Sample: a full run is about 1 900 numeric mutants for rates.py alone, roughly an hour per
module on two shared cores, so by default a seeded random sample of ``SAMPLE=60`` numeric
mutants per module is run (``SEED=18``; ``SAMPLE=0`` runs all). The trade-off: a score from
60 mutants has a binomial standard error of about 4 points at 90 %, enough to tell a module
that is well tested from one that is not, not to rank two good ones. The sample is the same
for the same sources and seed, so scores before and after a test change are comparable;
``--recheck`` re-runs only the last run's survivors against the current tests.

The score is ``killed / (killed + survived)``, timeouts counted as killed (as mutmut does);
mutants no test reaches ("no tests") count as survived. Equivalent mutants are judged by hand
and listed in ``tests/MUTATION.md``.

Usage::

    make mutate                 # every module
    make mutate MODULE=rates    # one module (comma-separated list allowed)
    make mutate MODULE=rates SAMPLE=0          # every numeric mutant (slow)
    .venv/bin/python tools/mutate.py --module rates --recheck --show-survivors
    .venv/bin/python tools/mutate.py --list

Adding a module: add one ``MODULES`` entry with its
sources, its test files and any text-only functions to skip.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# module -> sources, tests, functions not mutated (text/formatting only)
MODULES: dict[str, dict] = {
    "rates": {
        "sources": ["research/stats/rates.py"],
        "tests": ["tests/test_rates.py"],
        "skip": ["display_value", "suppress_small", "_wrap", "_kind"],
    },
    "funnel": {
        "sources": ["research/stats/funnel.py"],
        "tests": ["tests/test_funnel.py"],
        "skip": ["level_tag"],
    },
    "power": {
        "sources": ["research/stats/power.py"],
        "tests": ["tests/test_power.py"],
        "skip": [
            "_pct",
            "_pool_text",
            "_design_text",
            "_change_word",
            "_mde_sentence",
            "_detect_sentence",
            "_notes_text",
            "_notes",
            "summary",
            "_wrap",
            "_wrap_bool",
        ],
    },
    "glm": {
        "sources": ["research/stats/glm.py", "research/stats/_nb2.py"],
        "tests": ["tests/test_glm.py", "tests/test_nb2.py"],
        "skip": [],
    },
    "synth": {
        "sources": ["research/stats/synth.py", "research/stats/_simplex.py"],
        "tests": ["tests/test_synth.py"],
        "skip": [],
    },
    "did": {
        "sources": ["research/stats/did.py"],
        "tests": ["tests/test_did.py", "tests/test_identification.py"],
        "skip": [],
    },
    "its": {
        "sources": ["research/stats/its.py"],
        "tests": ["tests/test_its.py", "tests/test_identification.py"],
        "skip": [],
    },
    "identification": {
        "sources": ["research/stats/identification.py"],
        "tests": ["tests/test_identification.py"],
        "skip": [],
    },
    "sdid": {
        "sources": ["research/stats/sdid.py"],
        "tests": ["tests/test_sdid.py"],
        "skip": [],
    },
    "staggered": {
        "sources": ["research/stats/staggered.py"],
        "tests": ["tests/test_staggered.py"],
        "skip": [],
    },
}

# mutmut 3.8 exit-code meaning (mutmut.status_by_exit_code)
_KILLED = {1, 3, -24, 24, 36, 37}  # test failure, crash, timeout (SIGXCPU) and type check
_TIMEOUT = {-24, 24, 36}
_SURVIVED = {0, 5}
_NO_TESTS = {33}


def _sandbox(module: str, base: Path) -> Path:
    """Fresh copy of the project (tracked + new files, no venv, no generated data)."""
    dst = base / module
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for f in filter(None, files):
        src = ROOT / f
        if src.is_file():
            (dst / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / f)
    return dst


def _configure(box: Path, spec: dict) -> None:
    """Append the [tool.mutmut] section for this module to the sandbox's pyproject.toml."""
    lines = [
        "",
        "[tool.mutmut]",
        # the whole package is copied into mutants/ (only the module's sources mutated), so
        # that tests importing other modules (test_identification imports did, its, synth)
        # find them there, in a regular package, rather than a namespace package of one file
        'source_paths = ["research"]',
        f"only_mutate = {json.dumps(spec['sources'])}",
        f"pytest_add_cli_args_test_selection = {json.dumps(spec['tests'])}",
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x", "-W", "ignore"]',
        # polars' thread pool does not survive fork(): fork each mutant from a server
        # process that has only collected the tests, never run them
        'process_isolation = "forkserver"',
        'forkserver_warmup = "collect"',
        "timeout_multiplier = 5.0",
        "timeout_constant = 2.0",
        "use_git_change_detection = false",
        "",
    ]
    with (box / "pyproject.toml").open("a") as fh:
        fh.write("\n".join(lines))


class _BlankStrings(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str):
            return ast.copy_location(ast.Constant(value=""), node)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return ast.copy_location(ast.Constant(value=""), node)


def _shape(fn: ast.FunctionDef) -> str:
    body = _BlankStrings().visit(ast.Module(body=fn.body, type_ignores=[]))
    return ast.dump(body, include_attributes=False)


_MUTANT = re.compile(r"^(x_|xǁ\w+ǁ)(\w+?)__mutmut_(\d+)$")


def _mutants_of(box: Path, source: str, skip: set[str]) -> tuple[list[str], int, int]:
    """(numeric mutants to run, string-only count, skipped-function count) of one file."""
    mod = source.removesuffix(".py").replace("/", ".")
    tree = ast.parse((box / "mutants" / source).read_text())
    funcs: dict[str, ast.FunctionDef] = {}
    # mutmut writes each mutant as a function beside the original: at module level, or in
    # the class body for methods
    tops = [*tree.body]
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            tops += node.body
    for node in tops:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            funcs[node.name] = node
    keep, n_str, n_skip = [], 0, 0
    orig_shape: dict[str, str] = {}
    for name, node in funcs.items():
        m = _MUTANT.match(name)
        if not m:
            continue
        prefix, func, _ = m.groups()
        if func in skip:
            n_skip += 1
            continue
        key = f"{prefix}{func}__mutmut_orig"
        if key not in orig_shape and key in funcs:
            orig_shape[key] = _shape(funcs[key])
        if key in orig_shape and orig_shape[key] == _shape(node):
            n_str += 1
            continue
        keep.append(f"{mod}.{name}")
    return keep, n_str, n_skip


def _mutmut(box: Path, *args: str, log: Path) -> int:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    with log.open("a") as fh:
        return subprocess.run(
            [sys.executable, "-m", "mutmut", *args], cwd=box, env=env, stdout=fh, stderr=fh
        ).returncode


def _results(box: Path, sources: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for s in sources:
        meta = box / "mutants" / (s + ".meta")
        if meta.exists():
            out.update(json.loads(meta.read_text())["exit_code_by_key"])
    return out


def _recheck(module: str, base: Path, jobs: int) -> dict:
    """Re-run only the previous survivors of ``module`` against the current tests, in the
    sandbox of the last run (its mutants and their other results are kept)."""
    spec = MODULES[module]
    box = base / module
    if not (box / "names.txt").exists():
        raise SystemExit(f"mutate: no previous run of {module} in {box}; run without --recheck")
    t0 = time.monotonic()
    for f in subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z", "tests"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0"):  # fmt: skip
        if f and (ROOT / f).is_file():
            for dst in (box / f, box / "mutants" / f):
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / f, dst)
    names = (box / "names.txt").read_text().split()
    survivors = (box / "survivors.txt").read_text().split()
    log = box / "mutmut.log"
    if survivors:
        _mutmut(box, "run", f"--max-children={jobs}", *survivors, log=log)
    meta = json.loads((box / "meta.json").read_text())
    return _tally(module, box, spec, names, meta, t0)


def run_module(module: str, base: Path, jobs: int, sample: int, seed: int) -> dict:
    spec = MODULES[module]
    missing = [f for f in spec["sources"] + spec["tests"] if not (ROOT / f).exists()]
    if missing:
        raise SystemExit(f"mutate: module {module!r}: missing files {missing}")
    t0 = time.monotonic()
    box = _sandbox(module, base)
    _configure(box, spec)
    log = box / "mutmut.log"
    # 1. generate the mutants and the test-coverage map (mutmut needs one run for both):
    #    a pattern that matches nothing stops it right after, before any mutant is tested.
    _mutmut(box, "run", f"--max-children={jobs}", "nothing.matches.this*", log=log)
    if "failed to collect stats" in log.read_text(errors="replace"):
        # the tests fail on the unmutated code in the sandbox: every mutant would "survive"
        raise SystemExit(
            f"mutate: {module}: the tests {spec['tests']} fail on the unmutated code in "
            f"{box / 'mutants'}, so no score can be given; run pytest there to see why ({log})"
        )
    names: list[str] = []
    n_str = n_skip = 0
    for s in spec["sources"]:
        k, a, b = _mutants_of(box, s, set(spec["skip"]))
        names += k
        n_str += a
        n_skip += b
    if not names:
        raise SystemExit(f"mutate: no mutants generated for {module}; see {log}")
    n_all = len(names)
    if 0 < sample < len(names):
        names = random.Random(seed).sample(sorted(names), sample)
    (box / "names.txt").write_text("".join(f"{n}\n" for n in names))
    meta = {"string_only": n_str, "skipped_functions": n_skip, "numeric_mutants": n_all}
    (box / "meta.json").write_text(json.dumps(meta))
    # 2. run the (sampled) numeric mutants
    _mutmut(box, "run", f"--max-children={jobs}", *names, log=log)
    return _tally(module, box, spec, names, meta, t0)


def _tally(module: str, box: Path, spec: dict, names: list[str], meta: dict, t0: float) -> dict:
    codes = _results(box, spec["sources"])
    wanted = set(names)
    res = {"module": module, "killed": 0, "survived": 0, "timeout": 0, "no_tests": 0}
    survivors = []
    for name, code in codes.items():
        if name not in wanted:
            continue
        if code in _TIMEOUT:
            res["timeout"] += 1
        elif code in _KILLED:
            res["killed"] += 1
        elif code in _NO_TESTS:
            res["no_tests"] += 1
            survivors.append(name)
        else:
            res["survived"] += 1
            survivors.append(name)
    res.update(meta)
    res["mutants"] = len(names)
    res["not_run"] = len(names) - sum(res[k] for k in ("killed", "survived", "timeout", "no_tests"))
    res["seconds"] = round(time.monotonic() - t0)
    res["survivors"] = sorted(survivors)
    res["sandbox"] = str(box)
    (box / "survivors.txt").write_text("".join(f"{n}\n" for n in res["survivors"]))
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--module", default=os.environ.get("MODULE", ""),
                    help="module(s) to mutate, comma-separated (default: all)")  # fmt: skip
    ap.add_argument("--dir", default=os.environ.get("MUTATE_DIR", "/tmp/pilotbench-mutate"))
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATE_JOBS", "2")))
    ap.add_argument("--sample", type=int, default=int(os.environ.get("SAMPLE", "60")),
                    help="mutants drawn per module (0 = all); default 60")  # fmt: skip
    ap.add_argument("--seed", type=int, default=int(os.environ.get("SEED", "18")))
    ap.add_argument("--recheck", action="store_true",
                    help="re-run the last run's survivors with the current tests")  # fmt: skip
    ap.add_argument("--list", action="store_true", help="list the configured modules")
    ap.add_argument("--show-survivors", action="store_true", help="print each survivor's diff")
    args = ap.parse_args(argv)
    if args.list:
        for k, v in MODULES.items():
            print(f"{k:10s} {' '.join(v['sources'])}  <-  {' '.join(v['tests'])}")
        return 0
    modules = [m for m in args.module.split(",") if m] or list(MODULES)
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        print(f"mutate: unknown module(s) {unknown}; known: {', '.join(MODULES)}", file=sys.stderr)
        return 2
    base = Path(args.dir)
    rows = []
    for m in modules:
        print(f"mutate: {m} ...", flush=True)
        if args.recheck:
            r = _recheck(m, base, args.jobs)
        else:
            r = run_module(m, base, args.jobs, args.sample, args.seed)
        rows.append(r)
        print(f"mutate: {m}: {_line(r)}", flush=True)
        for s in r["survivors"]:
            print(f"    survived: {s}")
            if args.show_survivors:
                subprocess.run([sys.executable, "-m", "mutmut", "show", s], cwd=r["sandbox"])
    print()
    print(f"sample: {args.sample or 'all'} numeric mutants per module, seed {args.seed}")
    print("| module | numeric mutants | run | killed | survived | timed out | no tests | score |"
          " time |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['module']} | {r['numeric_mutants']} | {r['mutants']} | {r['killed']} | "
            f"{r['survived']} | "
            f"{r['timeout']} | {r['no_tests']} | {_score(r)} | {r['seconds']} s |"
        )
    (base / "summary.json").write_text(json.dumps(rows, indent=1))
    return 0


def _score(r: dict) -> str:
    tested = r["killed"] + r["timeout"] + r["survived"] + r["no_tests"]
    return f"{100 * (r['killed'] + r['timeout']) / tested:.1f} %" if tested else "n/a"


def _line(r: dict) -> str:
    return (
        f"{r['mutants']} of {r['numeric_mutants']} numeric mutants run ({r['string_only']} "
        "string-only and "
        f"{r['skipped_functions']} in skipped functions not run): killed {r['killed']}, "
        f"survived {r['survived']}, timed out {r['timeout']}, no tests {r['no_tests']}, "
        f"score {_score(r)}, {r['seconds']} s"
    )


if __name__ == "__main__":
    raise SystemExit(main())
