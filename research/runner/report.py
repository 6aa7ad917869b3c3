"""Run a report notebook with papermill (in-process) and export it as a self-contained HTML.

One call of :func:`run_report`:

1. validates the parameters before any kernel starts (:mod:`research.runner.params`);
2. executes the notebook with papermill in this Python process, on a kernel that is always
   this environment's interpreter (:mod:`research.runner.kernel`);
3. exports HTML without code cells through nbconvert, wrapped in the report page (title,
   parameter header, provenance footer, A4 print styles, ``lang`` attribute), every image
   embedded, no URL the browser would fetch;
4. writes ``report.html``, the executed ``notebook.ipynb`` (bulky metadata stripped) and
   ``manifest.json`` into a staging folder and swaps it into ``reports/<slug>/`` only when all
   of that succeeded. A failed run leaves the previous report untouched, keeps the failed
   notebook under ``reports/failed/`` and raises :class:`ReportError` naming the cell and the
   exception.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import platform
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from research.core.errors import (
    ParameterError,
    PilotbenchError,
    ReportError,
    UnknownIndicatorError,
)
from research.core.i18n import Both, load_catalogue
from research.core.offload import ENV as OFFLOAD_ENV
from research.core.paths import data_dir, reports_dir
from research.core.version import __version__
from research.data.provenance import git_commit, load_manifest, sha256_file
from research.views.coverage_text import coverage_text
from research.views.texts import COMMON

from .kernel import KERNEL_NAME, KernelSession, ProjectKernelManager
from .params import notebook_path, read_params, validate

__all__ = [
    "ReportResult",
    "coverage_entries",
    "export_html",
    "report_slug",
    "run_report",
    "run_report_command",
    "seed_coverage",
    "warm_up_export",
]

_TEMPLATE_DIR = Path(__file__).parent / "templates"
_TEXTS = load_catalogue(Path(__file__).with_name("texts.toml"))


@dataclass(frozen=True)
class ReportResult:
    """Where a finished report was written and how long it took."""

    folder: Path
    html: Path
    notebook: Path
    manifest: Path
    seconds: float
    #: the folder held a PDF of an earlier run, which this run (without ``pdf``) replaced:
    #: it would no longer match the HTML
    removed_pdf: bool = False


def report_slug(
    notebook: str, params: Mapping[str, Any], defaults: Mapping[str, Any] | None = None
) -> str:
    """Folder name of a report.

    The notebook, the areas it is about, the language, and a short hash of any other
    parameter that differs from its default (so runs with other settings do not replace each
    other).
    """
    parts = [notebook]
    named = ("pilot", "candidate", "area", "lang")
    for key in ("pilot", "candidate", "area"):
        if params.get(key):
            parts.append(str(params[key]))
    parts.append(str(params.get("lang", "sv")))
    others = {
        k: v for k, v in params.items()
        if k not in named and (defaults is None or defaults.get(k) != v)
    }  # fmt: skip
    if others:
        digest = hashlib.sha256(json.dumps(others, sort_keys=True, default=str).encode())
        parts.append(digest.hexdigest()[:8])
    slug = "_".join(parts)
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", slug)


def _strip_metadata(nb: nbformat.NotebookNode) -> None:
    """Remove per-cell execution timing and widget state that bloat executed notebooks."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        md = cell.get("metadata", {})
        md.pop("execution", None)
        pm = md.get("papermill")
        if isinstance(pm, dict):
            for k in ("start_time", "end_time"):
                pm.pop(k, None)


def _provenance(lang: str, commit: str) -> dict[str, Any]:
    from importlib.metadata import version  # not `import polars`: the batch process has none

    base = data_dir()
    manifest = load_manifest(base)
    sources = []
    for s in manifest.sources.values():
        if s["id"] == "basque-reference":
            continue
        sources.append(
            {
                "title": manifest.text(s["id"], "title", lang, default=s["id"]),
                "attribution": manifest.text(
                    s["id"], "attribution", lang, default=s.get("attribution_en", "")
                ),
                "origin": COMMON(
                    "snapshot_line",
                    lang,
                    repository=s.get("origin_repository", ""),
                    commit=str(s.get("origin_commit", ""))[:12],
                ),
                "licence": COMMON(
                    "licence_line", lang, licence=manifest.text(s["id"], "licence", lang)
                ),
            }
        )
    files = [
        {"path": f.path, "sha256": f.sha256}
        for f in manifest.files
        if f.source != "basque-reference"
    ]
    try:
        covered = _coverage_text(base, lang)
    except PilotbenchError:
        covered = ""
    return {
        "coverage": covered,
        "heading": COMMON("about_heading", lang),
        "generated_label": COMMON("generated_label", lang),
        "generated": dt.datetime.now(dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "commit": commit,
        "python": platform.python_version(),
        "polars": version("polars"),
        "sources": sources,
        "files_label": COMMON("files_label", lang),
        "files_print_note": COMMON("files_print_note", lang),
        "files": files,
    }


#: Coverage of the panel (without its "as of" date) per data folder and data fingerprint:
#: a batch worker needs it for every footer but should not hold the panel for it. The batch
#: parent, which loads the panel anyway, hands its entries to the workers (:func:`seed_coverage`).
_COVERAGE: dict[tuple[str, str], Any] = {}


def _data_key(base: Path) -> str:
    """Return the key under which the panel of ``base`` is memoized.

    The sha256 of every raw file, the manifest and catalogue, and the imports ledger (as
    :func:`research.data.panel.load_panel` keys it).
    """
    from research.data.fingerprint import imports_fingerprint, panel_fingerprint

    return panel_fingerprint(base) + imports_fingerprint(base)


def _coverage_text(base: Path, lang: str) -> str:
    """The footer's coverage sentence, from the cached coverage when the data are unchanged."""
    import dataclasses

    base = base.resolve()
    key = (str(base), _data_key(base))
    cov = _COVERAGE.get(key)
    if cov is None:
        from research.data.coverage import coverage
        from research.data.panel import load_panel

        cov = _COVERAGE[key] = coverage(load_panel(base))
    return coverage_text(dataclasses.replace(cov, as_of=dt.date.today()), lang)


def coverage_entries(base: Path) -> dict[tuple[str, str], Any]:
    """Compute (if needed) and return the footer's coverage cache entry for a data folder.

    A batch parent calls this once and hands the result to its workers
    (:func:`seed_coverage`), so that no worker loads the panel only for the footer.

    Parameters
    ----------
    base : Path
        The data folder (``data/``).

    Returns
    -------
    dict
        ``{(folder, data fingerprint): Coverage}``, one entry; picklable.

    Raises
    ------
    DataError
        When the panel of ``base`` cannot be loaded.
    """
    _coverage_text(base, "sv")
    base = base.resolve()
    key = (str(base), _data_key(base))
    return {key: _COVERAGE[key]}


def seed_coverage(entries: Mapping[tuple[str, str], Any]) -> None:
    """Take coverage cache entries computed by another process (a batch parent).

    Parameters
    ----------
    entries : Mapping
        What :func:`coverage_entries` returned; an entry is used only while the data
        fingerprint in its key is that of the data folder.
    """
    _COVERAGE.update(entries)


_EXPORTERS: dict[str, Any] = {}
#: Held while the exporter is used: it compiles templates on first use and is shared by the
#: batch's threads and by the warm-up thread of :func:`warm_up_export`.
_EXPORT_LOCK = threading.Lock()


def _exporter_and_env() -> tuple[Any, Any]:
    """Return nbconvert's exporter and the page's jinja environment, made once per process.

    Both compile their templates on first use; reusing them saves about half of the export
    time of every later report (a batch worker's, or a second report in one session).
    """
    if not _EXPORTERS:
        import jinja2
        from nbconvert import HTMLExporter

        _EXPORTERS["nbconvert"] = HTMLExporter(
            template_name="basic",
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            # The notebook is validated once, after the last preprocessor, instead of after
            # each of the twelve (issue 17: a tenth of a batch process's CPU per report).
            optimistic_validation=True,
        )
        _EXPORTERS["jinja"] = jinja2.Environment(
            loader=jinja2.FileSystemLoader(_TEMPLATE_DIR),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
    return _EXPORTERS["nbconvert"], _EXPORTERS["jinja"]


def warm_up_export() -> threading.Thread:
    """Make nbconvert's exporter ready in a background thread, while the kernel runs cells.

    In a fresh process (``pilotbench report``) the first export imports nbconvert's renderers
    and compiles its templates and the page's: about 2 s (issue 17), which used to come after
    the last cell. The thread exports a two-cell notebook, and so pays that while the process
    only waits on its kernel; :func:`export_html` waits for it (it holds the exporter's lock).
    A failure here is left to the real export to report.

    Returns
    -------
    threading.Thread
        The started daemon thread.
    """

    def warm() -> None:
        from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

        html = {"text/html": "<p>x</p>", "text/plain": "x"}
        nb = new_notebook(
            cells=[
                new_markdown_cell("# x\n\n*x*"),
                new_code_cell(outputs=[new_output("display_data", data=html)]),
            ]
        )
        try:
            with _EXPORT_LOCK:
                exporter, env = _exporter_and_env()
                exporter.from_notebook_node(nb)
                env.get_template("report.html.j2")
        except Exception:  # the real export raises it, with its context
            return

    thread = threading.Thread(target=warm, name="pilotbench-export-warm-up", daemon=True)
    thread.start()
    return thread


def export_html(
    nb: nbformat.NotebookNode,
    *,
    lang: str,
    params: Mapping[str, Any],
    kicker: str = "pilotbench",
    commit: str | None = None,
) -> str:
    """Export an executed notebook as the self-contained report page.

    Code cells and prompts are excluded; stderr streams (kernel warnings) are left out of the
    page but stay in the executed notebook. ``commit`` is the git commit shown in the
    provenance footer (looked up when not given).

    The page stays self-contained and offline (:mod:`research.runner.offline`): local files the
    notebook's outputs or Markdown refer to (relative to the notebook's folder) are embedded,
    and a page that would load anything from the network raises :class:`ReportError` listing
    every such URL. Every data table gets a link that downloads it as CSV from an embedded
    ``data:`` URI (:func:`research.views.table_data.add_csv_downloads`).

    Raises
    ------
    ReportError
        If the page would load remote (or missing local) resources.
    """
    import jinja2

    clean = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in clean.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    with _EXPORT_LOCK:
        exporter, env = _exporter_and_env()
        body, _ = exporter.from_notebook_node(clean)
    from research.views.table_data import add_csv_downloads

    from .offline import make_self_contained

    source = (nb.get("metadata", {}).get("papermill") or {}).get("input_path")
    base = Path(source).resolve().parent if source else None
    body = make_self_contained(body, base)
    m = re.search(r"<h1[^>]*>(.*?)</h1>", body, flags=re.S)
    title = re.sub(r"<[^>]+>", "", m.group(1)).strip() if m else "pilotbench"
    title = re.sub(r"¶$", "", title).strip()
    page = env.get_template("report.html.j2").render(
        lang=lang,
        title=jinja2.utils.markupsafe.Markup(title).unescape(),
        version=__version__,
        kicker=kicker,
        params=_header_params(params, lang),
        params_label=COMMON("params_label", lang),
        title_css=_css_string(str(title)),
        page_footer=_css_content(COMMON["page_footer"][lang], ("page", "pages")),
        body=body,
        prov=_provenance(lang, git_commit() if commit is None else commit),
    )
    return add_csv_downloads(page, lang, stem=_TEXTS("csv_stem", lang))


def _css_string(text: str) -> str:
    """``text`` as a quoted CSS string inside ``<style>``: backslash, quote and ``<`` escaped.

    ``<`` too, so that no text can close the style element; a line break becomes a space.
    """
    escaped = (
        text.replace("\\", "\\5c ").replace('"', "\\22 ").replace("<", "\\3c ").replace("\n", " ")
    )
    return f'"{escaped}"'


def _css_content(template: str, counters: tuple[str, ...]) -> str:
    """A catalogue template as a CSS ``content`` value, ``{name}`` as ``counter(name)``.

    >>> _css_content("sida {page} av {pages}", ("page", "pages"))
    '"sida " counter(page) " av " counter(pages)'
    """
    parts = re.split(r"\{(" + "|".join(counters) + r")\}", template)
    out = [
        f"counter({part})" if i % 2 else _css_string(part)
        for i, part in enumerate(parts)
        if i % 2 or part
    ]
    return " ".join(out)


def _header_params(params: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    """The report header's parameters: labels in ``lang``, empty values left out.

    A parameter without a label in the catalogue (a user's notebook) keeps its name.
    """
    out = []
    for k, v in params.items():
        if v is None or v == "" or (isinstance(v, list | tuple) and not v):
            continue
        label = COMMON(f"param_{k}", lang) if f"param_{k}" in COMMON else k
        if k == "lang" and f"lang_name_{v}" in COMMON:
            out.append((label, COMMON(f"lang_name_{v}", lang)))
        else:
            out.append((label, _show(k, v, lang)))
    return out


def _show(key: str, v: Any, lang: str) -> str:
    if key in ("pilot", "candidate", "area", "focus", "lan") and isinstance(v, str) and v:
        from research.geo.registry import load_areas

        try:
            return load_areas().resolve(v).label()
        except Exception:  # the header must render even for an area it cannot name
            return v
    if key in ("indicator", "indicators") and v is not None:
        return ", ".join(_indicator_label(str(x), lang) for x in ([v] if isinstance(v, str) else v))
    if v is None:
        return "–"
    if key == "years" and isinstance(v, str) and re.fullmatch(r"\d{4}-\d{4}", v.strip()):
        first, last = v.strip().split("-")  # "2020-2022" as the report writes it: 2020–2022
        return first if first == last else f"{first}\u2013{last}"
    if isinstance(v, list | tuple):
        return ", ".join(_show_number(x, lang) for x in v)
    return _show_number(v, lang)


def _show_number(v: Any, lang: str) -> str:
    """A parameter value as the header shows it: a float with the language's decimal mark.

    The fewest decimals (up to 6) that show the value as given; integers (years) as they are.

    >>> _show_number(0.25, "sv"), _show_number(1.0, "sv"), _show_number(2021, "sv")
    ('0,25', '1', '2021')
    >>> _show_number(1 / 3, "en"), _show_number("similar:20", "sv")
    ('0.333333', 'similar:20')
    """
    if not isinstance(v, float) or not math.isfinite(v):
        return str(v)
    from research.core.fmt import format_number

    decimals = next((d for d in range(7) if round(v, d) == v), 6)
    return format_number(v, decimals, lang).replace("\u00a0", "")  # no thousands space


def _indicator_label(indicator: str, lang: str) -> str:
    """``"Grov kvinnofridskränkning (N07402)"``: the catalogue's short label and the id."""
    from research.data.catalog import load_catalog

    try:
        entry = load_catalog()[indicator]
    except UnknownIndicatorError:  # the header must render even for an id it cannot name
        return indicator
    return f"{entry.label(lang, short=True)} ({entry.id})"


#: The colour codes IPython puts around an error's name in a traceback line.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _shown_error(exc: Exception) -> str | None:
    """The error's message as the notebook showed it (in the notebook's language), if known.

    A pilotbench error renders as one traceback line, ``Name: message``
    (:meth:`research.core.errors.PilotbenchError._render_traceback_`, in the notebook's
    ``lang``); any other error has a Python traceback, and ``None`` is returned.
    """
    ename = getattr(exc, "ename", type(exc).__name__)
    lines = [_ANSI.sub("", ln) for ln in getattr(exc, "traceback", None) or []]
    if len(lines) == 1 and lines[0].startswith(f"{ename}: "):
        return lines[0][len(ename) + 2 :]
    return None


def _describe_failure(exc: Exception, lang: str = "en", evalue: str | None = None) -> str:
    """Where a report's notebook failed and what it raised, in ``lang``.

    ``evalue`` is the error's message in ``lang`` (default: the kernel's error value, the
    English text; a Swedish description takes :func:`_shown_error`).
    """
    cell = getattr(exc, "cell_index", None)
    ename = getattr(exc, "ename", type(exc).__name__)
    if evalue is None:
        evalue = getattr(exc, "evalue", str(exc))
    evalue = str(evalue).rstrip(". ")
    if cell is not None:
        where = _TEXTS("failure_in_cell", lang, cell=cell)
    else:
        where = _TEXTS("failure_in_notebook", lang)
    src = getattr(exc, "source", "") or ""
    first = next((ln for ln in src.splitlines() if ln.strip()), "")
    snippet = f" (`{first.strip()[:80]}`)" if first else ""
    return _TEXTS("failure_raised", lang, where=where, snippet=snippet, ename=ename, evalue=evalue)


def _offload_modules(src: Path) -> tuple[str, ...]:
    """The offload worker's modules for a fresh kernel running ``src`` (none: unreadable)."""
    from .kernel_launch import notebook_imports, offload_modules, read_notebook

    nb = read_notebook(src)
    return () if nb is None else offload_modules(notebook_imports(nb))


def run_report(
    notebook: str | Path = "pilot_vs_candidate",
    parameters: Mapping[str, Any] | None = None,
    *,
    output_root: Path | None = None,
    timeout: int = 600,
    pdf: bool = False,
    kernel: KernelSession | None = None,
    on_executed: Callable[[], None] | None = None,
    commit: str | None = None,
) -> ReportResult:
    """Execute a report notebook and write its HTML, notebook and manifest atomically.

    Parameters
    ----------
    notebook
        Name of a notebook in ``notebooks/`` (without ``.ipynb``).
    parameters
        Values for the notebook's ``parameters`` cell; validated before the kernel starts.
    output_root
        Reports folder (default ``reports/`` or ``$PILOTBENCH_REPORTS``).
    timeout
        Seconds allowed per cell.
    pdf
        Also print ``report.pdf`` (A4) with headless Chromium.
    kernel
        A :class:`~research.runner.kernel.KernelSession` to run on (batch workers keep one kernel
        across reports); by default a fresh kernel is started and stopped.
    on_executed
        Called once the notebook has run without error, before the HTML is exported: the
        kernel is not needed any more, and a batch hands it to its next report while this
        one is written (issue 17). Not called when the run fails (the caller still owns the
        kernel then, to find out why and restart it).
    commit
        The checkout's commit for the manifest (:func:`research.data.provenance.git_commit`);
        read here when ``None``. A batch reads it once for all its reports.

    Returns
    -------
    ReportResult

    Raises
    ------
    ParameterError, UnknownAreaError, AreaCodeTypeError
        Before anything runs, for invalid parameters.
    ReportError
        If a cell fails; the previous report stays in place and the failed notebook is saved
        under ``reports/failed/``.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    t0 = time.perf_counter()
    src = notebook_path(notebook)
    notebook = src.stem
    given = validate(str(src), dict(parameters or {}))
    defaults = {p.name: p.default for p in read_params(str(src))}
    merged = defaults | given
    root = output_root or reports_dir()
    slug = report_slug(notebook, merged, defaults)
    final = root / slug
    staging = root / ".staging" / f"{slug}-{uuid.uuid4().hex[:8]}"
    _prepare_output(root, staging)
    executed = staging / "notebook.ipynb"
    env_before = {k: os.environ.get(k) for k in ("PILOTBENCH_REPORT", OFFLOAD_ENV)}
    os.environ["PILOTBENCH_REPORT"] = "1"
    # A fresh kernel for this one report may draw its figures on a spare core
    # (research.core.offload); a kept one (a batch's) was started without a worker.
    os.environ.pop(OFFLOAD_ENV, None)
    if kernel is None and (offload := _offload_modules(src)):
        os.environ[OFFLOAD_ENV] = ",".join(offload)
    try:
        # The checkout's commit (two git calls, ~10 ms) while the kernel starts, not after the
        # run; inside the try, so that a Ctrl-C here also restores the environment.
        if commit is None:
            commit = git_commit()
        t_exec = time.perf_counter()
        try:
            # A fresh kernel is stopped at once when the notebook is done ("immediate"):
            # nbclient's default ("graceful") asks it to shut down and waits until the
            # process has exited, about 1.5 s of a default report's run after its last cell
            # (issue 17: the time no phase accounted for). Every output has arrived by then;
            # a report kernel has nothing else to save. A kept kernel (batch) is not nbclient's
            # to stop.
            kernel_args: dict[str, Any] = (
                {"km": kernel.ready()}
                if kernel is not None
                else {"kernel_manager_class": ProjectKernelManager, "shutdown_kernel": "immediate"}
            )
            nb = papermill.execute_notebook(
                str(src),
                str(executed),
                parameters=merged,
                kernel_name=KERNEL_NAME,
                language="python",
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                cwd=str(src.parent),
                execution_timeout=timeout,
                **kernel_args,
            )
        except PapermillExecutionError as exc:
            if kernel is not None:
                kernel.restart()
            failed_dir = root / "failed"
            failed_dir.mkdir(parents=True, exist_ok=True)
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            failed = failed_dir / f"{slug}-{stamp}.ipynb"
            if executed.exists():
                shutil.copyfile(executed, failed)
            failures = {
                "en": _describe_failure(exc, "en"),
                "sv": _describe_failure(exc, "sv", _shown_error(exc)),
            }
            en, sv = (
                _TEXTS(
                    "report_failed",
                    lang,
                    slug=slug,
                    failure=failures[lang],
                    failed=failed,
                    kept=_TEXTS("report_failed_kept", lang, final=final) if final.exists() else "",
                )
                for lang in ("en", "sv")
            )
            raise ReportError(en, sv=sv) from exc
        seconds_exec = time.perf_counter() - t_exec
        if on_executed is not None:
            on_executed()
        t_html = time.perf_counter()
        lang = str(merged.get("lang", "sv"))
        page = export_html(nb, lang=lang, params=merged, commit=commit)
        seconds_html = time.perf_counter() - t_html
        seconds_pdf = 0.0
        _strip_metadata(nb)
        nbformat.write(nb, str(executed))
        (staging / "report.html").write_text(page, encoding="utf-8")
        if pdf:
            from .pdf import html_to_pdf

            t_pdf = time.perf_counter()
            html_to_pdf(staging / "report.html", staging / "report.pdf")
            seconds_pdf = time.perf_counter() - t_pdf
        manifest = {
            "notebook": notebook,
            "slug": slug,
            "status": "ok",
            "parameters": merged,
            "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "pilotbench_version": __version__,
            "git_commit": commit,
            "python": platform.python_version(),
            "timings_s": {"execute": round(seconds_exec, 3), "html": round(seconds_html, 3)},
            "outputs": {p.name: sha256_file(p) for p in sorted(staging.iterdir()) if p.is_file()},
            "data_files": {
                f.path: f.sha256 for f in load_manifest().files if f.source != "basque-reference"
            },
        }
        if pdf:
            manifest["timings_s"]["pdf"] = round(seconds_pdf, 3)
        manifest["timings_s"]["total"] = round(time.perf_counter() - t0, 3)
        (staging / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        removed_pdf = not pdf and (final / "report.pdf").exists()
        _swap_into_place(staging, final)
    except OSError as exc:  # disk full or folder gone read-only while writing
        from research.core.locking import describe_os_error

        en, sv = (
            _TEXTS(
                "report_not_written",
                lang,
                slug=slug,
                cause=describe_os_error(exc, root, lang),
                kept=_TEXTS("report_not_written_kept", lang, final=final) if final.exists() else "",
            )
            for lang in ("en", "sv")
        )
        raise ReportError(en, sv=sv) from exc
    finally:
        for key, value in env_before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return ReportResult(
        final,
        final / "report.html",
        final / "notebook.ipynb",
        final / "manifest.json",
        time.perf_counter() - t0,
        removed_pdf,
    )


def _prepare_output(root: Path, staging: Path) -> None:
    """Create the staging folder, or say in one line why the reports folder cannot be used.

    Also removes staging folders more than a day old (left by killed runs).
    """
    from research.core.locking import describe_os_error

    if root.exists() and not root.is_dir():
        en, sv = _TEXTS.both("output_is_a_file", root=root)
        raise ParameterError(en, sv=sv)
    try:
        staging.mkdir(parents=True)
        probe = staging / ".probe"
        probe.write_bytes(b"\0" * 4096)  # a full disk shows now, not after the kernel ran
        probe.unlink()
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        cause = Both(en=describe_os_error(exc, root), sv=describe_os_error(exc, root, "sv"))
        en, sv = _TEXTS.both("output_not_writable", cause=cause)
        raise ParameterError(en, sv=sv) from exc
    now = time.time()
    for old in staging.parent.iterdir():
        try:
            if old != staging and now - old.stat().st_mtime > 86400:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            continue


def _swap_into_place(staging: Path, final: Path) -> None:
    """Replace ``final`` with ``staging``; the old report is restored if the swap fails."""
    trash = final.parent / ".staging" / f"{final.name}-old-{uuid.uuid4().hex[:8]}"
    had_old = final.exists()
    if had_old:
        os.rename(final, trash)
    try:
        os.rename(staging, final)
    except OSError:
        if had_old:
            os.rename(trash, final)
        raise
    if had_old:
        shutil.rmtree(trash, ignore_errors=True)


def run_report_command(
    notebook: str,
    params: dict[str, object],
    *,
    output: str | Path | None = None,
    pdf: bool = False,
    kernel: KernelSession | None = None,
) -> ReportResult:
    """Run a report as ``pilotbench report`` does once its arguments are parsed.

    Also behind :func:`research.lab.notebook.report` (``research.report(...)`` in a
    notebook), so both take the same path.

    Parameters
    ----------
    notebook
        Report notebook name (``pilot_vs_candidate``, ...).
    params
        Notebook parameters (``--candidate``, ``--pilot``, ``--lang`` and ``-p`` merged).
    output
        Reports folder (default ``reports/``).
    pdf
        Also write ``report.pdf``.
    kernel
        A kernel already started for this notebook
        (:func:`research.runner.kernel.prestart_kernel`); by default one is started here, at
        once, so that it starts and imports the report's modules while the data are checked
        and the parameters validated. It is shut down as soon as the notebook has run
        (while the HTML is written), or when the report fails.

    Returns
    -------
    ReportResult

    Raises
    ------
    PilotbenchError
        For invalid parameters or data; :class:`ReportError` if the notebook fails.
    """
    from research.runner.kernel import prestart_kernel

    if kernel is None:
        kernel = prestart_kernel(notebook)
    # Once the notebook has run, the kernel is stopped while the HTML is exported rather than
    # after (about 0.1 s of every command; issue 17).
    stopping = threading.Thread(
        target=kernel.shutdown if kernel is not None else lambda: None,
        name="pilotbench-kernel-stop",
        daemon=True,
    )
    # Everything after the kernel's start is inside the try: an error or Ctrl-C while the
    # data layer is imported (polars, ~0.2 s) must still stop the kernel, not orphan it.
    try:
        from research.data.panel import load_panel

        if kernel is None:  # no such notebook: say so before the data are checked
            notebook_path(notebook)
        warm_up_export()  # nbconvert readies itself while the kernel works
        load_panel()  # verify checksums and build the cache here, before the notebook runs
        params = dict(params)
        for key in ("candidate", "pilot", "area"):
            if key in params and not isinstance(params[key], str):
                params[key] = str(params[key]) if not isinstance(params[key], int) else params[key]
        return run_report(
            notebook,
            params,
            output_root=Path(output) if output else None,
            pdf=pdf,
            kernel=kernel,
            on_executed=stopping.start,
        )
    finally:
        if stopping.ident is not None:
            stopping.join()
        elif kernel is not None:
            kernel.shutdown()
