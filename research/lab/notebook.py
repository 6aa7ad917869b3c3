"""JupyterLab and IPython conveniences: figures that display, reports from a cell, controls.

Importing :mod:`research` inside IPython (a notebook kernel, the ``ipython`` shell) calls
:func:`register_ipython`: a bare matplotlib ``Figure`` returned by a cell then displays as a
PNG without ``%matplotlib inline`` (the package's charts are made without pyplot, so no
backend shows them otherwise). Outside IPython nothing is registered.

:func:`report` runs a report notebook exactly as ``pilotbench report`` does (same function,
:func:`research.cli.run_report_command`) and shows a link to the HTML with its summary;
``research.report(...)`` is the same call. :func:`controls` shows ipywidgets for a report's
kommun, indicator and years when a notebook is run interactively, and nothing when it runs as
a report (papermill, ``pilotbench report``, batches).

Examples
--------
>>> res = report("pilot_vs_candidate", candidate="Botkyrka")  # doctest: +SKIP
>>> res.html.name  # doctest: +SKIP
'report.html'
"""

from __future__ import annotations

import html as _html
import io
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from research.core.fmt import LANGS, format_number
from research.core.i18n import load_catalogue

__all__ = [
    "ReportLink",
    "controls",
    "figure_png",
    "interactive",
    "register_ipython",
    "report",
]


def figure_png(fig: Any) -> bytes:
    r"""The PNG bytes of a matplotlib figure, as IPython's ``image/png`` formatter returns them.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> figure_png(Figure(figsize=(2, 1)))[:4]
    b'\x89PNG'
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", facecolor="white")
    return buf.getvalue()


def register_ipython(shell: Any = None) -> bool:
    """Make IPython display returned matplotlib figures as PNG images.

    Parameters
    ----------
    shell
        The IPython shell (default: the running one).

    Returns
    -------
    bool
        ``True`` if a shell was found and the formatter registered.
    """
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
    formatters = getattr(getattr(shell, "display_formatter", None), "formatters", None)
    if not formatters or "image/png" not in formatters:
        return False
    # By name: matplotlib is not imported until a figure is actually made. `%matplotlib inline`
    # registers its own formatter for the same type later, which then takes precedence.
    formatters["image/png"].for_type_by_name("matplotlib.figure", "Figure", figure_png)
    return True


def interactive() -> bool:
    """Whether the code runs in a kernel a person is looking at.

    ``False`` when it runs as a report (:func:`research.runner.report.run_report`, behind
    ``pilotbench report``, batches and :func:`report`, runs papermill with
    ``PILOTBENCH_REPORT=1`` in the kernel's environment) or outside an IPython kernel.
    """
    if os.environ.get("PILOTBENCH_REPORT"):
        return False
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


class ReportLink:
    """A finished report as a notebook shows it: a link to the HTML and its summary.

    Attributes
    ----------
    result
        The :class:`research.runner.report.ReportResult` (``html``, ``notebook``, ``manifest``,
        ``seconds``).
    title, summary
        The report's title and its first paragraphs, as text.
    """

    def __init__(self, result: Any, title: str, summary: list[str], lang: str) -> None:
        self.result = result
        self.html: Path = result.html
        self.title = title
        self.summary = summary
        self.lang = lang

    def _href(self) -> str:
        """The report's path relative to the kernel's folder (the notebook's).

        JupyterLab resolves it to the file; an absolute file URL if that is not possible.
        """
        try:
            return os.path.relpath(self.html, Path.cwd()).replace(os.sep, "/")
        except ValueError:
            return self.html.resolve().as_uri()

    def _repr_html_(self) -> str:
        done = _TEXTS("report_ready", self.lang)
        secs = format_number(self.result.seconds, 1, self.lang)
        paras = "".join(f"<p>{_html.escape(p)}</p>" for p in self.summary)
        return (
            f'<div class="pilotbench-report-link"><p><strong>{done}</strong> ({secs} s): '
            f'<a href="{_html.escape(self._href())}" target="_blank">{_html.escape(self.title)}'
            f"</a></p>{paras}<p><code>{_html.escape(str(self.html))}</code></p></div>"
        )

    def __repr__(self) -> str:
        return f"{self.title}\n{self.html}"


def _summary(page: str) -> tuple[str, list[str]]:
    """Title and the introduction (paragraphs before the first section) of a report page."""

    def text(fragment: str) -> str:
        return _html.unescape(re.sub(r"<[^>]+>", "", fragment)).replace("¶", "").strip()

    m = re.search(r"<h1[^>]*>(.*?)</h1>", page, flags=re.S)
    title = text(m.group(1)) if m else "pilotbench"
    body = page[m.end() :] if m else page
    # the report's summary and table of contents come before the introduction: skip them
    body = re.sub(
        r'<section class="summary">.*?</section>|<nav\b[^>]*\btoc\b[^>]*>.*?</nav>',
        "",
        body,
        flags=re.S,
    )
    body = re.split(r"<h2|<table", body, maxsplit=1)[0]  # the introduction only
    paras = [text(p) for p in re.findall(r"<p(?:\s[^>]*)?>(.*?)</p>", body, flags=re.S)]
    return title, [p for p in paras if p][:3]


def report(
    notebook: str = "pilot_vs_candidate",
    *,
    candidate: str | None = None,
    pilot: str | None = None,
    lang: str | None = None,
    pdf: bool = False,
    output: str | Path | None = None,
    **params: Any,
) -> ReportLink:
    """Produce a report from a notebook cell, exactly as ``pilotbench report`` does.

    Parameters
    ----------
    notebook
        Report notebook in ``notebooks/`` (``pilot_vs_candidate``, ``pilot_effect``,
        ``candidate_screening``).
    candidate, pilot, lang
        As ``--candidate``, ``--pilot`` and ``--lang`` on the command line.
    pdf
        Also write ``report.pdf`` (needs Debian's chromium).
    output
        Reports folder (default ``reports/``).
    **params
        Any other notebook parameter, as ``-p name=value``.

    Returns
    -------
    ReportLink
        Displays as a link to the HTML report with its title and first paragraphs.

    Raises
    ------
    ParameterError, UnknownAreaError, AreaCodeTypeError
        For invalid parameters, before any kernel starts.
    ReportError
        If the notebook fails; the previous report stays in place.

    References
    ----------
    papermill (parameterised execution) and nbconvert (HTML export), as used by
    :func:`research.runner.report.run_report` and the ``pilotbench report`` command.

    Examples
    --------
    >>> import research
    >>> research.report("pilot_vs_candidate", candidate="Botkyrka")  # doctest: +SKIP
    """
    from research.runner.report import run_report_command

    given: dict[str, Any] = dict(params)
    for key, value in (("candidate", candidate), ("pilot", pilot), ("lang", lang)):
        if value is not None:
            given[key] = value
    result = run_report_command(notebook, given, output=output, pdf=pdf)
    title, summary = _summary(result.html.read_text(encoding="utf-8"))
    return ReportLink(result, title, summary, str(given.get("lang", "sv")))


_TEXTS = load_catalogue(Path(__file__).with_name("texts.toml"))


def controls(notebook: str, namespace: Mapping[str, Any] | None = None) -> Any:  # noqa: C901 - one widget per parameter type
    """Parameter controls (kommun, indicator, years) for a report notebook, when interactive.

    The controls start at the notebook's current parameter values. "Use in this notebook"
    writes the chosen values into the notebook's variables (run the cells below again to see
    them); "Make report" runs :func:`report` with them and shows the link and summary.

    Parameters
    ----------
    notebook
        The report notebook's name, e.g. ``"pilot_vs_candidate"``.
    namespace
        The notebook's variables (``globals()``), read for current values and written by
        "Use in this notebook".

    Returns
    -------
    ipywidgets.VBox or None
        ``None`` (nothing displayed) when the notebook runs as a report (papermill,
        ``pilotbench report``), outside a kernel, or without ipywidgets.
    """
    if not interactive():
        return None
    try:
        import ipywidgets as w
    except ImportError:  # pragma: no cover - ipywidgets is a dependency
        return None
    from research.data.catalog import load_catalog
    from research.data.panel import load_panel
    from research.geo.registry import load_areas
    from research.runner.params import read_params

    ns: Any = namespace if namespace is not None else {}
    # an empty case parameter (pilot, candidate, ...) means the case's value, read_params' default
    current = {p.name: ns.get(p.name) or p.default for p in read_params(notebook)}
    lang = str(current.get("lang") or "sv")
    lang = lang if lang in LANGS else "en"

    def lab(key: str) -> str:
        return _TEXTS(f"control_{key}", lang)

    reg, cat = load_areas(), load_catalog()
    kommuner = [(a.label(), a.code) for a in reg.by_level("kommun")]
    fields: dict[str, Any] = {}
    style = {"description_width": "8em"}
    layout = w.Layout(width="32em")
    for key in ("candidate", "pilot"):
        if key in current:
            value = reg.resolve(current[key]).code if current[key] else None
            options = kommuner + ([] if value in dict(kommuner).values() else [(value, value)])
            fields[key] = w.Dropdown(
                options=options, value=value, description=lab(key), style=style, layout=layout
            )
            break  # one area control: the candidate where there is one, else the pilot
    indicators = [(f"{i.id}: {i.label(lang, short=True)}", i.id) for i in cat.indicators.values()]
    if "indicator" in current:
        fields["indicator"] = w.Dropdown(
            options=indicators,
            value=str(current["indicator"]).upper(),
            description=lab("indicator"),
            style=style,
            layout=layout,
        )
    elif "indicators" in current:
        chosen = current["indicators"]
        fields["indicators"] = w.Dropdown(
            options=[(lab("all"), ""), *indicators],
            value=chosen[0].upper() if chosen else "",
            description=lab("indicators"),
            style=style,
            layout=layout,
        )
    if "start_year" in current and "end_year" in current:
        years = (int(current["start_year"]), int(current["end_year"]))
    elif "years" in current:
        first, _, last = str(current["years"]).partition("-")
        years = (int(first), int(last or first))
    else:
        years = None
    if years is not None:
        span = load_panel()["year"]
        fields["years"] = w.IntRangeSlider(
            value=years,
            min=int(span.min()),  # type: ignore[arg-type]
            max=int(span.max()),  # type: ignore[arg-type]
            description=lab("years"),
            style=style,
            layout=layout,
        )

    def values() -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, widget in fields.items():
            v = widget.value
            if key == "indicators":
                out[key] = [v] if v else None
            elif key == "years" and "years" in current:
                out[key] = f"{v[0]}-{v[1]}"
            elif key == "years":
                out["start_year"], out["end_year"] = int(v[0]), int(v[1])
            else:
                out[key] = v
        return out

    wide = w.Layout(width="auto")
    apply_button = w.Button(description=lab("apply"), icon="check", layout=wide)
    run_button = w.Button(description=lab("run"), button_style="primary", icon="file", layout=wide)
    out = w.Output()

    def on_apply(_: Any) -> None:
        if namespace is not None:
            namespace.update(values())  # type: ignore[attr-defined]
        out.clear_output()
        with out:
            print(lab("applied"))

    def on_run(_: Any) -> None:
        out.clear_output()
        run_button.disabled = True
        try:
            with out:
                from IPython.display import display

                display(report(notebook, lang=lang, **values()))
        finally:
            run_button.disabled = False

    apply_button.on_click(on_apply)
    run_button.on_click(on_run)
    return w.VBox([*fields.values(), w.HBox([apply_button, run_button]), out])
