"""Report parameters: declared in each notebook's ``parameters`` cell, validated here.

The parameters cell is the single source of names, defaults and help texts (``name = default
# help``), read with papermill's Python translator (:func:`read_params`). :func:`validate`
checks user values *before* any kernel starts: unknown names, unknown areas (with
suggestions), area codes given as numbers, indicator ids, years in range, the language.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import difflib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from research.core.errors import ParameterError, PilotbenchError
from research.core.fmt import check_lang, format_month
from research.core.i18n import Both, load_catalogue
from research.core.paths import notebooks_dir
from research.data.catalog import load_catalog
from research.data.pilots import CASE_PARAMETERS, case_parameter
from research.geo.area import Area, level_phrase
from research.geo.registry import load_areas

__all__ = [
    "AREA_PARAMETERS",
    "NOTEBOOKS",
    "ParamSpec",
    "data_end_year",
    "notebook_path",
    "parse_cli_value",
    "parse_year_range",
    "read_params",
    "validate",
]

#: The report notebooks shipped with pilotbench.
NOTEBOOKS = ("pilot_vs_candidate", "pilot_effect", "candidate_screening", "decision_brief")

_AREA_PARAMS = {"pilot", "candidate", "area", "focus"}
#: The parameters that name an area (``lan`` too): two names of one area are one value.
AREA_PARAMETERS = frozenset(_AREA_PARAMS | {"lan"})
_YEAR_PARAMS = {"start_year", "end_year"}

#: Messages in Swedish and English (research/runner/texts.toml, ids ``notebook_*``, ...).
_TEXTS = load_catalogue(Path(__file__).with_name("texts.toml"))


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a report notebook."""

    name: str
    type: str
    default: Any
    help: str


def _error(key: str, /, **values: object) -> ParameterError:
    """The :class:`ParameterError` with message ``key`` of ``texts.toml`` in both languages."""
    en, sv = _TEXTS.both(key, **values)
    return ParameterError(en, sv=sv)


def _looks_like_path(text: str) -> bool:
    """Whether a notebook argument is a path (``k.ipynb``, ``./k``, ``a/b``, an existing file)."""
    seps = {"/", os.sep, os.altsep} - {None}
    return any(s in text for s in seps) or text.endswith(".ipynb") or Path(text).is_file()


def _not_a_notebook(path: Path) -> ParameterError:
    """The error for an existing ``path`` that is not an ``.ipynb`` file (with what to give)."""
    if path.is_dir():
        return _error("notebook_is_folder", path=path)
    paired = path.with_suffix(".ipynb")
    if path.suffix == ".py" and paired.is_file():  # the jupytext text form of a notebook
        if paired.resolve() == (notebooks_dir() / paired.name).resolve():
            return _error("notebook_paired_report", path=path, name=path.stem)
        return _error("notebook_paired", path=path, ipynb=paired)
    return _error("notebook_not_ipynb", path=path)


def _read_notebook(path: Path) -> Any:
    """Read the notebook at ``path`` (as nbformat 4); a file that is not one is one error.

    Raises
    ------
    ParameterError
        The file is not JSON, or JSON that is not a notebook (no list of cells, an unknown
        ``nbformat`` version, cells that are not cells).
    OSError
        The file cannot be read.
    """
    import json

    import nbformat

    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        raw = json.loads(text)
    except ValueError:
        raise _error("notebook_not_json", path=path) from None
    try:
        if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
            raise ValueError("no list of cells")
        nb = nbformat.reads(text, as_version=4)
        if nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
            raise ValueError("not nbformat 4")
        for cell in nb.cells:
            if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
                raise ValueError("a cell without a cell_type")
            if not isinstance(cell.get("source", ""), str):
                raise ValueError("a cell whose source is not text")
            if not isinstance(cell.get("metadata", {}), dict):
                raise ValueError("a cell whose metadata is not a mapping")
    except Exception as exc:  # nbformat raises many kinds on a malformed file
        raise _error("notebook_invalid", path=path) from exc
    return nb


def notebook_path(name: str | Path) -> Path:
    """Return the ``.ipynb`` of a report notebook by name, with suggestions on a miss.

    A path (a :class:`~pathlib.Path`, or text that contains a path separator, ends in
    ``.ipynb`` or names an existing file) is a notebook of one's own, relative to the current
    folder; it must be a readable Jupyter notebook. ``NAME.ipynb`` that is no file here is the
    report ``NAME``.

    Raises
    ------
    ParameterError
        No such report or file; a file that is not an ``.ipynb`` notebook (a folder, the
        ``.py`` text form of a notebook, a file that is not a notebook's JSON).
    """
    text = str(name)
    if isinstance(name, Path) or _looks_like_path(text):
        path = Path(name)
        if path.is_file() and path.suffix == ".ipynb":
            path = path.resolve()
            if path != (notebooks_dir() / path.name).resolve():  # the reports are tested
                _read_notebook(path)
            return path
        if path.exists():
            raise _not_a_notebook(path)
        report = notebooks_dir() / path.name
        if isinstance(name, Path) or path.name != text or not report.is_file():
            raise _error("notebook_no_such_file", path=path, cwd=Path.cwd())
        return report  # "pilot_effect.ipynb", no such file here: the report of that name
    path = notebooks_dir() / f"{text}.ipynb"
    if not path.exists():
        close = difflib.get_close_matches(text, NOTEBOOKS, n=2)
        key = ("no_report", "no_report_close_one", "no_report_close_two")[len(close)]
        named = dict(zip(("first", "second"), close, strict=False))
        raise _error(key, name=text, available=", ".join(NOTEBOOKS), **named)
    return path


def read_params(name: str | Path) -> list[ParamSpec]:
    """Read the parameters cell of a notebook: names, types, defaults and help texts.

    A case parameter (:data:`research.data.pilots.CASE_PARAMETERS`: ``pilot``,
    ``pilot_start``, ``candidate``, ``focus``) left empty in the cell has the case's value
    from ``data/pilots.toml`` as its default, so reports, their headers and
    ``pilotbench params`` show the resolved value.

    The cell is read as the report will run: in Python, on the project's kernel
    (:data:`research.runner.kernel.KERNEL_NAME`), whatever kernel the notebook's metadata
    names or whether it names one at all. A notebook without a ``parameters`` cell has none
    (an empty list).
    """
    from papermill.translators import papermill_translators

    from research.runner.kernel import KERNEL_NAME

    nb = _read_notebook(notebook_path(name))
    tagged = [c for c in nb.cells if "parameters" in (c.get("metadata", {}).get("tags") or [])]
    if not tagged:
        return []
    translator = papermill_translators.find_translator(KERNEL_NAME, "python")
    out = []
    for p in translator.inspect(tagged[0]):
        p = p._asdict()
        pname = p["name"]
        try:
            default = ast.literal_eval(p["default"])
        except (ValueError, SyntaxError):
            default = p["default"]
        if pname in CASE_PARAMETERS and default == "":
            default = case_parameter(pname)
        out.append(
            ParamSpec(pname, p.get("inferred_type_name") or "None", default, p.get("help", ""))
        )
    return out


def parse_cli_value(text: str, name: str | None = None) -> Any:
    """Parse a ``-p name=value`` value: a Python literal if it is one, else the string.

    Area parameters (``pilot``, ``candidate``, ``area``, ``lan``) always stay text, so
    ``-p candidate=1280`` is Malmö's code ``"1280"`` and ``-p lan=01`` keeps its zero; a
    quoted ``'0126'`` loses its quotes.

    Examples
    --------
    >>> parse_cli_value("1280", "candidate"), parse_cli_value("'0126'", "pilot")
    ('1280', '0126')
    >>> parse_cli_value("2020", "end_year")
    2020
    """
    if name in _AREA_PARAMS or name == "lan":
        t = text.strip()
        if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
            t = t[1:-1]
        return t
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


_TYPES = {"int": int, "float": float, "bool": bool, "str": str}


def _check_type(name: str, value: Any, declared: str) -> Any:
    """Check ``value`` against the type declared in the parameters cell."""
    if declared == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if declared == "int" and isinstance(value, bool):
        raise _error("param_not_int", name=name, value=value)
    if not isinstance(value, _TYPES[declared]):
        raise _error("param_wrong_type", name=name, declared=declared, value=value)
    return value


def parse_year_range(name: str, value: Any) -> tuple[int, int]:
    """Parse a ``"FIRST-LAST"`` year range (a single year is allowed) given for ``name``.

    Shared by the report parameter ``years`` and the command line's ``--years``.

    Parameters
    ----------
    name : str
        The parameter or option, named in the error (``"years"``, ``"--years"``).
    value : Any
        ``"2020-2022"``, ``"2022"`` or ``2022``.

    Returns
    -------
    tuple of int
        ``(first, last)``.

    Raises
    ------
    ParameterError
        Not a year or a range, or outside 1990 <= first <= last <= 2100.

    Examples
    --------
    >>> parse_year_range("years", "2020-2022"), parse_year_range("--years", "2023")
    ((2020, 2022), (2023, 2023))
    >>> parse_year_range("years", "2020\u20132022")  # with an en dash, as the reports write it
    (2020, 2022)
    """
    text = str(value).strip().replace("\u2013", "-")  # "2020–2022" as the reports write it
    try:
        first, last = (int(p) for p in text.split("-", 1)) if "-" in text else (int(text),) * 2
    except ValueError as exc:
        raise _error("param_year_range_format", name=name, value=value) from exc
    if not 1990 <= first <= last <= 2100:
        reversed_ = 1990 <= last < first <= 2100
        key = "param_year_range_reversed" if reversed_ else "param_year_range_bounds"
        raise _error(key, name=name, text=text, first=first, last=last)
    return first, last


@contextlib.contextmanager
def _naming(name: str, value: Any) -> Iterator[None]:
    """Put ``name = value:`` before the message of an error raised inside (both languages).

    Area and group lookups say what they could not find ("No area has the code '99'"), not
    which parameter held it; the user needs both. The error keeps its class (and with it
    its suggestions).
    """
    try:
        yield
    except PilotbenchError as exc:
        if not str(exc).startswith(f"{name} "):
            where = f"{name} = {value!r}: "
            exc.message_sv = where + exc.message("sv")
            exc.args = (where + str(exc), *exc.args[1:])
        raise


def _resolve(name: str, value: Any) -> Area:
    """Resolve an area parameter; an unknown area or a code given as a number names ``name``."""
    with _naming(name, value):
        return load_areas().resolve(value)


def _donor_pool(name: str, value: Any, kommun: str | None = None) -> str:
    """Check a donor pool.

    One of ``"kommuner"``, ``"lan:NN"``, ``"similar:K"`` or an official group
    (``"kolada:liknande-ifo"``, ``"skr:<kommungrupp>"``; resolved for ``kommun``).
    """
    text = str(value).strip()
    if text == "kommuner":
        return text
    from research.data.groups import is_group_reference, resolve_group  # polars: only here

    if is_group_reference(text):
        with _naming(name, value):
            resolve_group(text, kommun=kommun)  # raises UnknownGroupError with suggestions
        return text
    if text.startswith("lan:"):
        with _naming(name, value):
            area = load_areas().resolve(text[4:])
        if area.level != "lan":
            hint = load_areas().namesake_hint(text[4:], area, "lan")
            raise _error(
                "param_donors_not_a_lan", name=name, text=text, area=area.label(), hint=hint
            )
        return f"lan:{area.code}"
    if text.startswith("similar:") and text[8:].isdigit() and 2 <= int(text[8:]) <= 289:
        return text
    raise _error("param_donors", name=name, value=value)


def _not_in_future(name: str, month: str) -> None:
    """Refuse a ``YYYY-MM`` after the current month."""
    today = dt.date.today()
    y, m = (int(p) for p in month.split("-")[:2])
    if (y, m) > (today.year, today.month):
        raise _error("param_in_future", name=name, month=month, now=f"{today:%Y-%m}")


def _kommun(name: str, value: Any) -> Area:
    """Resolve an area parameter that must be a kommun (``focus``, the brief's ``candidate``)."""
    area = _resolve(name, value)
    if area.level != "kommun":
        level = level_phrase(area.level)
        hint = load_areas().namesake_hint(value, area, "kommun")
        raise _error("param_not_a_kommun", name=name, area=area.label(), level=level, hint=hint)
    return area


def _report_checks(name: str, values: Mapping[str, Any]) -> None:
    """Run the report's own parameter checks (``check_parameters`` of its view) up front.

    Each report view declares the checks its code would fail on without data (all
    screening weights zero, a candidate that is not a kommun, ...) once, in
    ``research.views.<report>.checks.check_parameters`` (no polars), and runs them itself;
    here they run before a kernel starts, so the mistake is one line and exit 2, not a
    failed notebook. Notebooks of one's own (not in :data:`NOTEBOOKS`) have no such checks.
    """
    import importlib
    import inspect

    stem = Path(str(name)).stem
    if stem not in NOTEBOOKS:
        return
    check = importlib.import_module(f"research.views.{stem}.checks").check_parameters
    accepted = inspect.signature(check).parameters
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
    check(**{k: v for k, v in values.items() if takes_all or k in accepted})


def data_end_year(indicator: str | Sequence[str] | None = None) -> int | None:
    """The last year with values of ``indicator`` (default: the default violence indicators).

    ``indicator`` may be a list of ids: the latest year any of them has values. ``None``
    when the panel cannot be loaded (the report itself will then say why).
    """
    import polars as pl

    from research.core.errors import DataError
    from research.data.panel import load_panel

    try:
        panel = load_panel()
        given = [indicator] if isinstance(indicator, str) else list(indicator or [])
        ids = [str(i).upper() for i in given] or None
        if ids is None:
            ids = load_catalog().violence_indicators(default_only=True)
        years = panel.filter(pl.col("indicator").is_in(ids) & pl.col("value").is_not_null())
        return int(years["year"].max()) if years.height else None
    except DataError:
        return None


def validate(name: str, values: Mapping[str, Any]) -> dict[str, Any]:  # noqa: C901 - one branch per report parameter
    """Validate parameter values for notebook ``name`` and return them normalized.

    Area parameters are resolved (names become codes); everything else is checked for type
    and range.

    Raises
    ------
    ParameterError
        For unknown parameter names (with suggestions) and invalid values.
    UnknownAreaError, AreaCodeTypeError, UnknownIndicatorError
        For areas and indicators that do not exist, with suggestions.
    """
    specs = {p.name: p for p in read_params(name)}
    unknown = [k for k in values if k not in specs]
    if unknown:
        each = []
        for k in unknown:
            close = difflib.get_close_matches(k, list(specs), n=1)
            each.append(
                _TEXTS.phrase("unknown_param_close", name=k, close=close[0])
                if close
                else _TEXTS.phrase("unknown_param", name=k)
            )
        listed = Both(*(", ".join(getattr(m, lang) for m in each) for lang in ("en", "sv")))
        raise _error("unknown_params", notebook=name, unknown=listed, known=", ".join(specs))
    out = dict(values)
    reg = load_areas()
    for k, v in values.items():
        declared = specs[k].type
        if k in _AREA_PARAMS:
            out[k] = _resolve(k, v).code  # an empty value given is refused (the default is not)
        elif k == "lan":
            if v in ("", None):
                continue
            area = _resolve(k, v)
            if area.level != "lan":
                hint = reg.namesake_hint(v, area, "lan")
                raise _error("param_lan_not_a_lan", area=area.label(), hint=hint)
            out[k] = area.code
        elif k == "indicator":
            out[k] = load_catalog().get(str(v)).id
        elif k == "years":
            out[k] = "{}-{}".format(*parse_year_range(k, v))
        elif k == "donors":
            pilot = values.get("pilot", specs["pilot"].default if "pilot" in specs else None)
            out[k] = _donor_pool(k, v, _resolve("pilot", pilot).code if pilot else None)
        elif k == "top":
            # checked here, not only in the report: a wrong value is refused before a kernel
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise _error("param_top", value=v)
        elif k.startswith("w_"):
            if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
                raise _error("param_weight", name=k, value=v)
            out[k] = float(v)
        elif k in _YEAR_PARAMS:
            if isinstance(v, bool) or not isinstance(v, int):
                raise _error("param_year_type", name=k, value=v)
            if not 1990 <= v <= 2100:
                raise _error("param_year_bounds", name=k, value=v)
        elif k == "areas":
            if v in ("", None):
                continue
            from research.data.groups import is_group_reference, resolve_group

            if not is_group_reference(v):
                raise _error("param_areas_group", value=v)
            pilot = values.get("pilot", specs["pilot"].default if "pilot" in specs else None)
            kommun = _resolve("pilot", pilot).code if pilot else None
            with _naming(k, v):
                resolve_group(str(v), kommun=kommun)
        elif k == "lang":
            check_lang(v)
        elif k == "pilot_start":
            try:
                format_month(str(v))
            except ParameterError as exc:  # name the parameter, as every other check does
                message = Both(en=str(exc), sv=exc.message("sv"))
                raise _error("param_named", name="pilot_start", message=message) from None
            _not_in_future(k, str(v))
        elif k == "indicators":
            if v is None:
                continue
            if isinstance(v, str):
                v = [x.strip() for x in v.split(",") if x.strip()]
            if not isinstance(v, list | tuple) or not v:
                raise _error("param_indicators")
            cat = load_catalog()
            out[k] = [cat.get(str(i)).id for i in v]
        elif declared in ("int", "float", "bool", "str") and v is not None:
            out[k] = _check_type(k, v, declared)
    merged = {p: specs[p].default for p in specs} | out
    first, last = merged.get("start_year"), merged.get("end_year")
    if isinstance(first, int) and isinstance(last, int) and first > last:
        raise _error("param_start_after_end", first=first, last=last)
    if Path(str(name)).stem in ("pilot_effect", "decision_brief") and isinstance(first, int):
        treated = int(str(merged.get("pilot_start", "0000"))[:4])
        if isinstance(last, int) and treated > last:
            raise _error(
                "param_pilot_start_after_end", pilot_start=merged.get("pilot_start"), last=last
            )
    if "end_year" in values and isinstance(last, int):
        # The indicators the report shows: its ``indicator`` and its list ``indicators``,
        # else the default ones; end_year may reach the latest year any of them has (the
        # others' lines, rows and tables just end earlier).
        ids: list[str] = []
        for shown in (merged.get("indicator"), merged.get("indicators")):
            for i in [shown] if isinstance(shown, str) else list(shown or []):
                if str(i) and str(i).upper() not in ids:
                    ids.append(str(i).upper())
        data_last = data_end_year(ids or None)
        if data_last is not None and last > data_last:
            if not ids:
                which = _TEXTS.phrase("end_year_default_indicators")
            else:
                key = "end_year_one_indicator" if len(ids) == 1 else "end_year_any_indicator"
                which = _TEXTS.phrase(key, ids=", ".join(str(i) for i in ids))
            raise _error("end_year_after_data", last=last, data_last=data_last, which=which)
    if merged.get("expansion") and isinstance(first, int):
        # Syntax, kommuner and joining years before a kernel starts, against the window the
        # analysis will use (it starts after the indicator's last series break that leaves
        # enough pre-pilot years); the analysis checks again on the data.
        from research.analyses.effect import check_expansion, default_fit_start

        pilot = reg.resolve(merged["pilot"])
        start = int(str(merged["pilot_start"])[:4])
        breaks = load_catalog().breaks_for(str(merged.get("indicator") or ""))
        with _naming("expansion", merged["expansion"]):
            check_expansion(
                str(merged["expansion"]), pilot, start, default_fit_start(breaks, start, first)
            )
    if "pilot" in merged and "candidate" in merged:
        if reg.resolve(merged["pilot"]).code == reg.resolve(merged["candidate"]).code:
            raise _error("param_pilot_is_candidate")
    if "pilot" in merged and "focus" in merged:
        focus = _kommun("focus", values.get("focus", merged["focus"]))  # as typed: its hint
        if focus.code == reg.resolve(merged["pilot"]).code:
            raise _error("param_focus_is_pilot", focus=focus.label())
    # the area parameters as typed: a check that refuses one suggests a kommun named like it
    _report_checks(name, merged | {k: v for k, v in values.items() if k in _AREA_PARAMS})
    return out
