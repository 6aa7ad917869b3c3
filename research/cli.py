"""The ``pilotbench`` command line (also ``python -m research``).

Commands::

    pilotbench report [--candidate X] [--pilot Y] [--lang sv|en] [-p name=value ...] [NOTEBOOK]
    pilotbench batch SCHEDULE [--workers N] [--dask ADDRESS]
    pilotbench params [NOTEBOOK]
    pilotbench data build | verify | info | imports | repair
    pilotbench data import FILE --source S | remove ID | fetch ...
    pilotbench areas QUERY

Errors caused by input are printed as one readable message (no traceback) and give exit
status 2; a report that fails while running gives exit status 1. ``PILOTBENCH_KOLADA_URL`` and
``PILOTBENCH_SCB_URL`` point ``data fetch`` at a mirror (or a test server).

The command's own messages (errors, warnings, interruptions, and what ``batch`` and ``data``
did) are in one language, chosen by :func:`message_lang` alone: the report language when
``--lang`` is given, else ``$PILOTBENCH_LANG`` (``sv`` or ``en``), else Swedish, the project's
default. Their wording is in ``research/cli.toml``; ``--help`` and the descriptions of
``areas`` and ``params`` are in English.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import signal
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from research.core.errors import ParameterError, PilotbenchError, ReportError
from research.core.language import LANG_ENV, messages_in
from research.core.version import __version__
from research.runner.startup import skip_slow_optional_imports

if TYPE_CHECKING:
    pass

__all__ = ["LANG_ENV", "build_parser", "main", "message_lang"]

#: The environment variable that sets the language of the command's messages (``sv``/``en``).
_LANGS = ("sv", "en")  # research.core.fmt.LANGS, without importing Babel before parsing


def message_lang(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> str:
    """The language of the command's messages: the one place that decides it.

    The report language when ``--lang sv|en`` (or ``-p lang=sv|en``) is on the command line
    (a report in English gets its errors in English), else ``$PILOTBENCH_LANG`` (``sv`` or
    ``en``; a locale such as
    ``en_GB.UTF-8`` counts by its first two letters), else Swedish, the project's default.
    An unsupported value is passed over (argparse refuses a bad ``--lang`` itself).

    Examples
    --------
    >>> message_lang(["report", "--lang", "en"], {}), message_lang(["report", "--lang=sv"], {})
    ('en', 'sv')
    >>> message_lang(["data", "info"], {"PILOTBENCH_LANG": "en"}), message_lang([], {})
    ('en', 'sv')
    >>> message_lang(["report", "-p", "lang=en"], {}), message_lang(["x", "--param=lang=en"], {})
    ('en', 'en')
    """
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--":
            break
        nxt = args[i + 1] if i + 1 < len(args) else ""
        given = nxt if arg == "--lang" else None
        if arg.startswith("--lang="):
            given = arg.split("=", 1)[1]
        param = nxt if arg in ("-p", "--param") else None
        if arg.startswith("--param="):
            param = arg.split("=", 1)[1]
        if param is not None and param.replace(" ", "").startswith("lang="):
            given = param.split("=", 1)[1].strip().strip("'\"")
        if given in _LANGS:
            return given
    env = environ.get(LANG_ENV, "").strip().lower()[:2]
    return env if env in _LANGS else "sv"


def _text(key: str, lang: str, /, **values: object) -> str:
    """A message of ``research/cli.toml`` in ``lang`` (loaded when first needed)."""
    from research.core.i18n import load_catalogue

    return load_catalogue(Path(__file__).with_name("cli.toml"))(key, lang, **values)


def _count(key: str, n: int, lang: str, /, **values: object) -> str:
    r"""``n`` with its noun from ``research/cli.toml`` (:meth:`Catalogue.count`).

    >>> _count("n_rows", 1, "sv"), _count("n_rows", 1234, "sv"), _count("n_files", 2, "en")
    ('1 rad', '1\xa0234 rader', '2 files')
    """
    from research.core.i18n import load_catalogue

    return load_catalogue(Path(__file__).with_name("cli.toml")).count(key, n, lang, **values)


def _lang() -> str:
    """The language of the command's messages while it runs (set by :func:`main`)."""
    from research.core.language import message_lang as chosen

    return chosen()


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like every other input error.

    argparse prints the whole usage block before its message; a user who typed ``--lang xx``
    needs the message and where to look, not the usage of every option. Sub-commands get this
    class too (``build_parser`` passes it, with the messages' language, to ``add_subparsers``).
    """

    def __init__(self, *args: object, lang: str = "sv", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lang = lang

    def error(self, message: str) -> NoReturn:
        """Print ``error: <prog>: <message>; see `<prog> --help``` and exit with status 2.

        The frame (``error:``/``fel:``, ``see``/``se``) is in the messages' language;
        argparse's own message is English. Whitespace is collapsed: always one line.
        """
        line = _text("usage_error", self.lang, prog=self.prog, message=" ".join(message.split()))
        self.exit(2, line + "\n")


def build_parser(lang: str = "sv") -> argparse.ArgumentParser:
    """Return the argument parser of the ``pilotbench`` command.

    ``lang`` is the language of its usage errors (:func:`message_lang`); help is English.
    """
    parser_class = functools.partial(_Parser, lang=lang)
    p = parser_class(
        prog="pilotbench",
        description="pilotbench: compare municipalities, estimate pilot effects and publish "
        "reports from the embedded data.",
        epilog="Areas are given by name (Huddinge, Sodertalje) or by code as text (0126). "
        "Errors in the input are printed as one message and give exit status 2; a report "
        "that fails while running gives exit status 1. Messages (errors, warnings, "
        "interruptions, and what batch and data did) are in the report language when --lang "
        f"is given, else in ${LANG_ENV} (sv or en), else in Swedish; help and the "
        "descriptions of areas and params are in English.",
    )
    p.add_argument("--version", action="version", version=f"pilotbench {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=parser_class)

    r = sub.add_parser("report", help="run a report notebook into reports/<slug>/report.html")
    r.add_argument(
        "notebook",
        nargs="?",
        default="pilot_vs_candidate",
        help="report notebook (default: pilot_vs_candidate)",
    )
    r.add_argument(
        "--candidate",
        metavar="KOMMUN",
        help="candidate kommun: name or code, e.g. Huddinge or 0126",
    )
    r.add_argument(
        "--pilot",
        metavar="AREA",
        help="pilot area: name or code (default: the case's, data/pilots.toml)",
    )
    r.add_argument(
        "--lang",
        choices=_LANGS,
        help=f"report language, and the messages' (default sv; messages: ${LANG_ENV} or sv)",
    )
    r.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any notebook parameter; repeat for several",
    )
    r.add_argument("--output", metavar="FOLDER", help="reports folder (default: reports/)")
    r.add_argument("--pdf", action="store_true", help="also write an A4 report.pdf (chromium)")

    ba = sub.add_parser("batch", help="run the reports of a schedule in parallel")
    ba.add_argument("schedule", help="schedule TOML, e.g. reports/schedule.toml")
    ba.add_argument(
        "--workers", type=int, metavar="N", help="parallel kernels (default: schedule or CPUs)"
    )
    ba.add_argument("--dask", metavar="ADDRESS", help="send the runs to this Dask scheduler")
    ba.add_argument("--output", metavar="FOLDER", help="reports folder (default: reports/)")
    ba.add_argument("--no-progress", action="store_true", help="no progress bar")

    pa = sub.add_parser("params", help="list a report notebook's parameters")
    pa.add_argument("notebook", nargs="?", default="pilot_vs_candidate")

    d = sub.add_parser("data", help="build, verify or describe the data")
    dsub = d.add_subparsers(dest="data_command", required=True, parser_class=parser_class)
    b = dsub.add_parser("build", help="build the cached panel if a raw file changed")
    b.add_argument("--force", action="store_true", help="rebuild even if the cache is current")
    dsub.add_parser("verify", help="verify raw files against data/manifest.toml")
    dsub.add_parser("info", help="what is loaded, from where, covering which years and areas")
    dsub.add_parser("imports", help="list the imported files with the ids `data remove` takes")
    rm = dsub.add_parser("remove", help="take an import back (by the id `data imports` shows)")
    rm.add_argument("id", help="import id (sha256 prefix) or file name")
    dsub.add_parser(
        "repair",
        help="rebuild a damaged import ledger, imported Parquet or panel cache; clean staging",
    )
    im = dsub.add_parser("import", help="validate an official file and add it to data/imported")
    im.add_argument("path", help="the downloaded file (CSV, Excel or JSON)")
    im.add_argument(
        "--source",
        required=True,
        choices=("bra", "scb", "kolada", "stockholm"),
        help="format: Brå, SCB, Kolada or Stockholms stad district population",
    )
    im.add_argument("--indicator", metavar="ID", help="indicator id when the file does not name it")
    im.add_argument("--year", type=int, metavar="YEAR", help="year when the file does not name it")
    fe = dsub.add_parser("fetch", help="refresh from the Kolada or SCB API (needs a network)")
    fe.add_argument("--source", required=True, choices=("kolada", "scb"))
    fe.add_argument(
        "--years", required=True, metavar="FIRST-LAST", help="a year or a range, e.g. 2023-2025"
    )
    fe.add_argument(
        "--indicator",
        action="append",
        default=[],
        metavar="ID",
        help="Kolada KPI id; repeat for several (default: the violence indicators)",
    )
    fe.add_argument(
        "--area",
        action="append",
        default=[],
        metavar="AREA",
        help="area name or code; repeat (default: all kommuner)",
    )
    fe.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="seconds to wait for an answer per request",
    )
    fe.add_argument(
        "--deadline",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="seconds for the whole fetch, retries included (default 120)",
    )

    ar = sub.add_parser(
        "areas",
        help="describe an area: level, parent, population, official groups, RegSO, data",
    )
    ar.add_argument(
        "query",
        help="code or name (0126, Huddinge, Södermalm, 0180R058) or a group (skr:Storstäder)",
    )
    return p


def _cmd_report(args: argparse.Namespace) -> int:
    # The kernel first (issue 17): its process is started with the standard library alone,
    # before jupyter_client is imported, so it starts and imports the report's modules while
    # this process imports jupyter_client, papermill, nbconvert and the data layer.
    from research.runner.kernel_launch import launch_report_kernel

    for item in args.param:
        if "=" not in item:
            raise PilotbenchError(
                _text("param_not_name_value", "en", item=repr(item)),
                sv=_text("param_not_name_value", "sv", item=repr(item)),
            )
    _refuse_two_values(args)
    args.notebook = _report_notebook(args.notebook)
    launched = kernel = None
    try:
        launched = launch_report_kernel(args.notebook)
        from research.runner.kernel import KernelSession

        kernel = None if launched is None else KernelSession.adopting(launched)
        from research.runner.params import parse_cli_value
        from research.runner.report import run_report_command

        params: dict[str, object] = {}
        for item in args.param:
            k, v = item.split("=", 1)
            params[k.strip()] = parse_cli_value(v.strip(), k.strip())
        for key in ("candidate", "pilot", "lang"):
            if getattr(args, key) is not None:  # --candidate '' is an error, not the default
                params[key] = getattr(args, key)
    except BaseException:
        if kernel is not None:
            kernel.shutdown()
        elif launched is not None:  # not adopted yet (interrupted while importing)
            launched.discard()
        raise
    result = run_report_command(
        args.notebook, params, output=args.output, pdf=args.pdf, kernel=kernel
    )
    print(result.html)
    if args.pdf:  # the A4 PDF is written next to the HTML; its path on the next line
        print(result.html.with_name("report.pdf"))
    elif result.removed_pdf:  # not silently: the earlier run's PDF no longer matched
        from research.core.language import message_lang as current_lang

        lang = current_lang()
        note = _text("pdf_removed", lang, path=result.html.with_name("report.pdf"))
        print(_text("warning", lang, message=note), file=sys.stderr)
    return 0


def _refuse_two_values(args: argparse.Namespace) -> None:
    """Refuse a report parameter given twice with different values (``--lang en -p lang=sv``).

    A report parameter has one value: ``-p`` twice, or an option (``--candidate``,
    ``--pilot``, ``--lang``) and ``-p`` for the same parameter, used to let the last one
    win without a word. The same value twice is no conflict, and neither are two names or
    codes of one area (``--candidate Huddinge -p candidate=0126``). Checked before the
    report's kernel starts; the values are parsed (and areas looked up) only for a name
    given twice.

    Raises
    ------
    ParameterError
        Naming the parameter and both ways it was given, as typed.
    """
    given: list[tuple[str, str, str]] = []  # (name, value, as typed)
    for item in args.param:
        k, v = (x.strip() for x in item.split("=", 1))
        given.append((k, v, f"-p {k}={v}"))
    for key in ("candidate", "pilot", "lang"):
        if getattr(args, key) is not None:
            given.append((key, getattr(args, key), f"--{key} {getattr(args, key)}"))
    names = [k for k, _v, _t in given]
    for name in dict.fromkeys(k for k in names if names.count(k) > 1):
        (_, first, first_typed), *others = [g for g in given if g[0] == name]
        for _, second, second_typed in others:
            if not _same_value(name, first, second):
                where = {"name": name, "first": first_typed, "second": second_typed}
                raise ParameterError(
                    _text("param_given_twice", "en", **where),
                    sv=_text("param_given_twice", "sv", **where),
                )


def _same_value(name: str, first: str, second: str) -> bool:
    """Whether two values typed for parameter ``name`` are one value (one area, say)."""
    from research.runner.params import AREA_PARAMETERS, parse_cli_value

    a, b = parse_cli_value(first, name), parse_cli_value(second, name)
    if a == b:
        return True
    if name in AREA_PARAMETERS:
        from research.geo.registry import load_areas

        try:
            reg = load_areas()
            return reg.resolve(a).code == reg.resolve(b).code
        except PilotbenchError:
            return False  # one of them is no area: two different values, said as typed
    return False


def _cmd_batch(args: argparse.Namespace) -> int:
    from research.runner.batch import expand_schedule, job_name, load_schedule, run_batch
    from research.runner.params import notebook_path

    schedule = load_schedule(Path(args.schedule))
    for i, job in enumerate(schedule.get("job") or schedule.get("jobs") or [], start=1):
        try:  # a misspelt notebook stops the whole schedule before anything runs
            notebook_path(job["notebook"])
        except PilotbenchError as exc:
            job_en, job_sv = job_name(args.schedule, i, schedule)  # as every schedule message
            where = {"schedule": args.schedule}
            raise ParameterError(
                _text("schedule_job", "en", **where, job=job_en, message=exc.message("en")),
                sv=_text("schedule_job", "sv", **where, job=job_sv, message=exc.message("sv")),
            ) from None
    if args.workers is not None and args.workers < 1:  # 0 used to mean "the schedule's"
        raise ParameterError(
            _text("workers_not_positive", "en", workers=args.workers),
            sv=_text("workers_not_positive", "sv", workers=args.workers),
        )
    tasks = expand_schedule(schedule, args.schedule)
    workers = args.workers or schedule.get("batch", {}).get("workers")
    result = run_batch(
        tasks,
        workers=workers,
        output_root=Path(args.output) if args.output else None,
        dask=args.dask,
        # a bar only on a terminal: a cron log (stdout and stderr in one file) gets the
        # closing lines once, not also the bar's last state with its counts
        progress=not args.no_progress and sys.stderr.isatty(),
        lang=schedule.get("batch", {}).get("lang") or "sv",
        schedule=args.schedule,
    )
    from research.core.fmt import format_int, format_number

    lang = _lang()
    n_fail = len(result.failed)
    reports = _count("n_reports_ok", len(result.results) - n_fail, lang)
    seconds = format_number(result.seconds, 1, lang)
    failed = format_int(n_fail, lang)
    print(_text("batch_done", lang, reports=reports, failed=failed, seconds=seconds))
    for r in result.failed:
        print(_text("batch_failed_task", lang, label=r.task.label, error=r.error_in(lang)))
    for left_out in result.skipped:
        print(_text("batch_skipped", lang, what=getattr(left_out, lang)))
    print(_text("batch_index", lang, path=result.index))
    print(_text("batch_log", lang, path=result.log))
    return 0 if result.ok else 1


def _report_notebook(name: str) -> str:
    """The notebook argument of ``report``: a report's name as it is, else the checked path.

    A report's name (``pilot_effect``) is left to the kernel, which starts before anything
    else (issue 17). Anything else (``k.ipynb``, ``./k.ipynb``, a misspelt name, a file
    that is no notebook) is checked first, so that a mistake is one line, and a relative
    path becomes absolute (the kernel looks for a bare ``k.ipynb`` among the reports).
    """
    if name.isidentifier() and not Path(name).exists():
        return name
    from research.runner.params import notebook_path

    return str(notebook_path(name))


def _cmd_params(args: argparse.Namespace) -> int:
    from research.runner.params import read_params

    specs = read_params(args.notebook)
    if not specs:  # a notebook without a parameters cell (one of one's own): say so
        print(_text("no_parameters", _lang(), notebook=args.notebook))
        return 0
    width = max(len(s.name) for s in specs)
    for s in specs:
        print(f"{s.name:<{width}}  {s.type:<8}  default={s.default!r}  {s.help}")
    return 0


def _years(text: str) -> list[int]:
    from research.runner.params import parse_year_range

    first, last = parse_year_range("--years", text)
    return list(range(first, last + 1))


def _seconds(option: str, value: float) -> float:
    """Refuse a ``--timeout`` or ``--deadline`` that is not a finite number of seconds above 0.

    A negative or zero time cannot be waited for, and a NaN deadline never expires (every
    comparison with NaN is false), so the fetch would retry for ever.

    Examples
    --------
    >>> _seconds("--timeout", 2.5)
    2.5
    >>> _seconds("--deadline", float("nan"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    research.core.errors.ParameterError: --deadline must be a number of seconds above 0 ...
    """
    import math

    if not (math.isfinite(value) and value > 0):
        raise ParameterError(
            _text("seconds_not_positive", "en", option=option, value=repr(value)),
            sv=_text("seconds_not_positive", "sv", option=option, value=repr(value)),
        )
    return value


def _cmd_data(args: argparse.Namespace) -> int:
    from research.data.panel import load_panel, panel_conflicts
    from research.data.provenance import verify_files

    lang = _lang()
    if args.data_command == "import":
        from research.data.imports import import_file

        res = import_file(
            Path(args.path), source=args.source, indicator=args.indicator, year=args.year
        )
        if res.created:
            rows = _count("n_rows", res.rows, lang)
            print(
                _text(
                    "imported",
                    lang,
                    rows=rows,
                    path=args.path,
                    id=res.sha256[:12],
                    parquet=res.parquet,
                )
            )
            _print_changes(res.changes, lang)
        else:
            print(_text("already_imported", lang, path=args.path, id=res.sha256[:12]))
        return 0
    if args.data_command == "imports":
        from research.data.import_store import import_id, list_imports

        entries = list_imports()
        if not entries:
            print(_text("no_imports", lang))
        for e in entries:
            years = e.get("years") or ["?", "?"]
            print(
                _text(
                    "import_row",
                    lang,
                    id=import_id(e),
                    at=e["imported_at"],
                    source=e["source"],
                    rows=_count("n_rows", e["rows"], lang),
                    first=years[0],
                    last=years[1],
                    file=e["file_name"],
                )
            )
        return 0
    if args.data_command == "remove":
        from research.data.import_store import import_id
        from research.data.imports import remove_import

        gone = remove_import(args.id)
        rows = _count("n_rows", gone["rows"], lang)
        print(_text("removed", lang, id=import_id(gone), file=gone["file_name"], rows=rows))
        return 0
    if args.data_command == "repair":
        from research.data.imports import repair

        done = repair(lang=lang)
        print("\n".join(done) if done else _text("nothing_to_repair", lang))
        return 0
    if args.data_command == "fetch":
        from research.data.catalog import load_catalog
        from research.data.fetch import KOLADA_URL, SCB_URL, fetch_kolada, fetch_scb
        from research.geo.registry import load_areas

        years = _years(args.years)
        timeout = _seconds("--timeout", args.timeout)
        deadline = _seconds("--deadline", args.deadline)
        reg = load_areas()
        areas = [reg.resolve(a).code for a in args.area] or None
        if args.source == "kolada":
            kpis = [
                load_catalog().get(i).id for i in args.indicator
            ] or load_catalog().violence_indicators(default_only=True)
            res = fetch_kolada(
                kpis,
                years,
                areas=areas,
                timeout=timeout,
                deadline=deadline,
                base_url=os.environ.get("PILOTBENCH_KOLADA_URL") or KOLADA_URL,
            )
        else:
            regions = areas or [a.code for a in reg.by_level("kommun")]
            res = fetch_scb(
                regions,
                years,
                timeout=timeout,
                deadline=deadline,
                base_url=os.environ.get("PILOTBENCH_SCB_URL") or SCB_URL,
            )
        print(
            _text(
                "fetched",
                lang,
                rows=_count("n_rows", res.frame.height, lang),
                requests=_count("n_requests", res.requests, lang),
                new=_count("n_new_imports", sum(r.created for r in res.imports), lang),
            )
        )
        return 0
    if args.data_command == "verify":
        files = verify_files()
        print(_count("verified", len(files), lang, files=_count("n_files", len(files), lang)))
        return 0
    if args.data_command == "build":
        from research.data.panel import cache_is_current

        current = cache_is_current() and not args.force
        panel = load_panel(rebuild=not current)
        print(
            _text(
                "panel_current" if current else "panel_built",
                lang,
                rows=_count("n_rows", panel.height, lang),
                indicators=_count("n_indicators", panel["indicator"].n_unique(), lang),
            )
        )
        return 0
    from research.data.imports import data_info

    panel = load_panel()
    print(data_info().text(lang))
    from research.data.coverage import BRA_EXPORT_DOC, coverage
    from research.views.coverage_text import coverage_text

    print(coverage_text(coverage(panel), lang))
    print(_text("bra_by_hand", lang, doc=BRA_EXPORT_DOC))
    print(_text("panel_rows", lang, rows=_count("n_rows", panel.height, lang)))
    _print_changes(panel_conflicts(), lang, conflicts=True)
    return 0


def _print_changes(changes, lang: str, *, conflicts: bool = False) -> None:
    """List the cells an import changed: old value -> new value, old count -> new count.

    ``changes`` has the columns of :func:`research.data.import_store.merge_with_snapshot`'s
    conflicts. Numbers are written as ``lang`` writes them; a count that changed is listed
    even where the rate did not. With ``conflicts`` (``data info``) the lines are the cells
    where the imports differ from the snapshot, each naming the import whose value is used.
    """
    if changes is None or not changes.height:
        return
    from research.core.fmt import format_int
    from research.data.plausibility import format_figure

    cells = _count("n_cells", changes.height, lang)
    heading = "panel_conflicts" if conflicts else "changed_cells"
    print(_count(heading, changes.height, lang, cells=cells))
    for r in changes.head(20).iter_rows(named=True):
        old, new = (format_figure(r[k], lang) for k in ("value_snapshot", "value_import"))
        counts = (r.get("count_snapshot"), r.get("count_import"))
        count_changed = None not in counts and counts[0] != counts[1]
        old_count, new_count = (format_figure(c, lang) for c in counts)
        if conflicts:
            key = "conflict_cell"
        elif count_changed:
            key = "changed_cell_both" if old != new else "changed_cell_count"
        else:
            key = "changed_cell"
        source = r["source_import"] if conflicts else r["source_snapshot"]
        print(
            _text(
                key,
                lang,
                code=r["area_code"],
                name=r["area_name"],
                year=r["year"],
                indicator=r["indicator"],
                sex=r["sex"],
                old=old,
                new=new,
                old_count=old_count,
                new_count=new_count,
                source=str(source).split("-import:", 1)[-1],
            )
        )
    if changes.height > 20:
        print(_text("changed_more", lang, n=format_int(changes.height - 20, lang)))
    if not conflicts:
        print(_text("take_back", lang))


def _one_line_warnings(lang: str = "sv") -> None:
    """Print pilotbench's own warnings as ``warning: ...`` lines in ``lang``, no source lines."""
    import warnings

    from research.core.errors import PilotbenchWarning

    original = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if isinstance(category, type) and issubclass(category, PilotbenchWarning):
            text = str(message)
            if isinstance(message, PilotbenchWarning):
                from research.core.warnings import warning_text

                text = warning_text(message, lang)
            print(_text("warning", lang, message=text), file=sys.stderr)
        else:
            original(message, category, filename, lineno, file, line)

    warnings.showwarning = show


class _Terminated(KeyboardInterrupt):
    """A termination signal, raised where Ctrl-C's ``KeyboardInterrupt`` would be.

    ``kill``, ``timeout``, a scheduler stopping a job (SIGTERM) or a closed terminal (SIGHUP)
    ended the command at once: its kernels' connection files and sockets stayed in the kernel
    folder, a half-made report's staging folder in ``reports/.staging``, and the orphaned
    kernels printed ``Parent appears to have exited`` after the shell's prompt. As a
    ``KeyboardInterrupt`` the signal takes the paths Ctrl-C takes: kernels stopped, staging
    removed, the last good report kept.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, _frame: object) -> None:
    signal.signal(signum, signal.SIG_DFL)  # a second signal ends the process at once
    raise _Terminated(signum)


@contextlib.contextmanager
def _termination_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`_Terminated` while the command runs.

    Only a signal whose handler is the default is taken over (``nohup`` keeps SIGHUP
    ignored), and only in the main thread (where Python runs signal handlers).
    """
    previous: dict[int, object] = {}
    try:
        for signum in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(signum) == signal.SIG_DFL:
                previous[signum] = signal.signal(signum, _raise_terminated)
    except ValueError:  # not the main thread: leave the signals alone
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]


def _quiet_closed_event_loops() -> None:
    """Drop asyncio's "Exception ignored in BaseEventLoop.__del__" for an already closed loop.

    nbclient and jupyter_client create event loops they never close; when one is garbage
    collected after its self-pipe was closed (at exit, or after a kernel's sockets went), its
    ``__del__`` raises ``ValueError: Invalid file descriptor: -1`` and Python prints a
    traceback on stderr after the command has finished, although nothing went wrong
    (jupyter/nbclient#159). Only that case is dropped; every other unraisable exception
    reaches the previous hook.
    """
    previous = sys.unraisablehook
    if getattr(previous, "quiets_closed_event_loops", False):
        return

    def hook(unraisable: Any) -> None:
        obj = getattr(unraisable, "object", None)
        exc = unraisable.exc_value
        if (
            isinstance(exc, ValueError)
            and "Invalid file descriptor" in str(exc)
            and getattr(obj, "__qualname__", "") == "BaseEventLoop.__del__"
        ):
            return
        previous(unraisable)

    hook.quiets_closed_event_loops = True  # type: ignore[attr-defined]
    sys.unraisablehook = hook


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    skip_slow_optional_imports()
    _quiet_closed_event_loops()
    lang = message_lang(sys.argv[1:] if argv is None else argv)
    _one_line_warnings(lang)
    chosen = os.environ.get(LANG_ENV, "").strip()
    if chosen and chosen.lower()[:2] not in _LANGS:  # said once, not passed over in silence
        note = _text("lang_env_unknown", lang, env=LANG_ENV, value=chosen)
        print(_text("warning", lang, message=note), file=sys.stderr)
    args = build_parser(lang).parse_args(argv)
    with _termination_as_interrupt(), messages_in(lang):
        return _run(args, lang)


def _run(args: argparse.Namespace, lang: str = "sv") -> int:
    """Run a parsed command; every user mistake and interruption becomes one line in ``lang``."""
    try:
        if args.command == "report":
            return _cmd_report(args)
        if args.command == "batch":
            return _cmd_batch(args)
        if args.command == "params":
            return _cmd_params(args)
        if args.command == "data":
            return _cmd_data(args)
        if args.command == "areas":
            from research.views.area_info import describe_area

            print(describe_area(args.query).text())
            return 0
    except ReportError as exc:
        print(_text("error", lang, message=exc.message(lang)), file=sys.stderr)
        return 1
    except PilotbenchError as exc:
        print(_text("error", lang, message=exc.message(lang)), file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` or a pager that quit: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # an environment fault nobody anticipated: still one line
        from research.core.locking import describe_os_error

        message = describe_os_error(exc, exc.filename or None, lang)
        print(_text("error", lang, message=message), file=sys.stderr)
        return 2
    except _Terminated as exc:
        name = signal.Signals(exc.signum).name
        print(_text("terminated", lang, signal=name), file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:
        print(_text("interrupted", lang), file=sys.stderr)
        return 130
    return 2
