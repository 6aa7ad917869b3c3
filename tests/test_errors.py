"""The error and warning hierarchy (research/core/errors.py, research/core/warnings.py).

- one hierarchy: library functions raise ArgumentError/DesignError/EstimationError/DataError,
  ParameterError only where a report's parameters are checked;
- every ``warnings.warn`` in research/ issues a typed PilotbenchWarning subclass with a unique
  code, worded in both languages in research/core/warnings.toml;
- every error a user can reach from the user-facing modules carries a Swedish text (``sv=``).
"""

from __future__ import annotations

import ast
import functools
import string
import warnings
from pathlib import Path

import pytest

import research.core.warnings as W
from research.core.errors import (
    ArgumentError,
    DataError,
    DesignError,
    EstimationError,
    ParameterError,
    ParseError,
    PilotbenchError,
    PilotbenchWarning,
)
from research.core.i18n import load_catalogue

ROOT = Path(__file__).resolve().parents[1] / "research"
MODULES = sorted(ROOT.rglob("*.py"))
CATALOGUE = load_catalogue(ROOT / "core" / "warnings.toml")

#: Where report parameters are checked: the only places that may raise ParameterError.
PARAMETER_MODULES = {
    "cli.py",
    "core/fmt.py",  # check_lang: ``lang`` is a parameter of every report
    "lab/notebook.py",
    "runner/batch.py",
    "runner/params.py",
    "runner/report.py",
    "views/candidate_screening/sections.py",
    "views/candidate_screening/charts.py",
    "views/pilot_vs_candidate/sections.py",
    "views/pilot_effect/sections.py",
    "views/decision_brief/sections.py",
}

#: Modules whose errors a user reaches directly: the command line, report parameters and
#: running reports, data import and fetching, area lookup, the errors' own module. Every
#: PilotbenchError raised there carries ``sv=``.
USER_FACING = {
    "cli.py",
    "core/errors.py",
    "core/fmt.py",
    "data/fetch.py",
    "data/import_store.py",
    "data/imports.py",
    "geo/area.py",
    "geo/districts.py",
    "geo/registry.py",
    "runner/batch.py",
    "runner/params.py",
    "runner/report.py",
    "stats/funnel.py",
    "stats/rates.py",
    # the report views' parameter checks
    "views/candidate_screening/charts.py",
    "views/candidate_screening/sections.py",
    "views/decision_brief/sections.py",
    "views/pilot_effect/sections.py",
    "views/pilot_vs_candidate/sections.py",
}


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _raised(tree: ast.AST) -> list[tuple[int, str, ast.Call]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            out.append((node.lineno, name, node.exc))
    return out


def _project_errors() -> set[str]:
    import research.core.errors as E

    return {
        n
        for n in E.__all__
        if isinstance(getattr(E, n), type) and issubclass(getattr(E, n), PilotbenchError)
    }


# ------------------------------------------------------------------------------ hierarchy


def test_the_hierarchy() -> None:
    assert issubclass(ArgumentError, PilotbenchError) and issubclass(ArgumentError, ValueError)
    assert not issubclass(ArgumentError, ParameterError)
    assert not issubclass(ParameterError, ArgumentError)
    assert issubclass(DesignError, EstimationError) and issubclass(EstimationError, ValueError)
    assert issubclass(ParseError, DataError)
    assert issubclass(PilotbenchWarning, UserWarning)
    # the diagram in the module docstring names every class
    import research.core.errors as E

    for name in E.__all__:
        assert name in (E.__doc__ or ""), name
    for cls in W.warning_classes():
        assert cls.__name__ in (W.__doc__ or ""), cls.__name__


def test_parameter_error_only_where_report_parameters_are_checked() -> None:
    wrong = [
        f"{_rel(p)}:{line}"
        for p in MODULES
        if _rel(p) not in PARAMETER_MODULES
        for line, name, _ in _raised(_tree(p))
        if name == "ParameterError"
    ]
    assert wrong == [], "library code raises ParameterError (use ArgumentError): " + ", ".join(
        wrong
    )


def test_estimators_raise_argument_and_design_errors() -> None:
    from research.stats.glm import fit_glm
    from research.stats.rates import poisson_rate_ci

    with pytest.raises(ArgumentError, match="level") as info:
        poisson_rate_ci(3, 1000, level=95)
    assert not isinstance(info.value, ParameterError)
    assert "konfidensnivå" in info.value.message("sv")
    import numpy as np

    X = np.column_stack([np.ones(4), np.arange(4.0), 2 * np.arange(4.0)])
    with pytest.raises(DesignError, match="collinear"):
        fit_glm(X, np.array([1.0, 2, 3, 4]), family="poisson")


def test_cli_catches_every_project_error() -> None:
    """``except PilotbenchError`` in the CLI covers every class of the hierarchy."""
    src = (ROOT / "cli.py").read_text(encoding="utf-8")
    assert "except PilotbenchError" in src
    import research.core.errors as E

    for name in _project_errors():
        assert issubclass(getattr(E, name), PilotbenchError)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["report", "--lang", "xx"], "pilotbench report: argument --lang: invalid choice: 'xx'"),
        (["report", "-p"], "pilotbench report: argument -p/--param: expected one argument"),
        (["report", "--end-year", "1990"], "unrecognized arguments: --end-year"),
        (["frob"], "argument command: invalid choice: 'frob'"),
        (["data"], "pilotbench data: the following arguments are required"),
    ],
)
def test_command_line_mistakes_are_one_line_with_where_to_look(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """argparse's usage errors: one line naming the option and the help to read, status 2."""
    from research.cli import main

    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert says in err and err.rstrip().endswith("--help`"), err


# ------------------------------------------------------------------------------ warnings


def test_every_warn_is_typed() -> None:
    """No ``warnings.warn`` with a string, a built-in category or the bare base class."""
    typed = {cls.__name__ for cls in W.warning_classes() if cls is not PilotbenchWarning}
    bad = []
    for p in MODULES:
        for node in ast.walk(_tree(p)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr != "warn" or getattr(node.func.value, "id", "") != "warnings":
                continue
            first = node.args[0] if node.args else None
            ok = (
                isinstance(first, ast.Call)
                and isinstance(first.func, ast.Name)
                and first.func.id in typed
                and len(node.args) == 1
                and not any(k.arg == "category" for k in node.keywords)
            )
            if not ok:
                bad.append(f"{_rel(p)}:{node.lineno}")
    assert bad == [], "untyped warnings.warn: " + ", ".join(bad)


def test_warning_codes_are_unique_and_worded() -> None:
    classes = W.warning_classes()
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes)), codes
    assert len(classes) >= 11
    assert CATALOGUE.problems() == []
    for cls in classes:
        assert cls.code in CATALOGUE, cls.code
        for lang in ("sv", "en"):
            names = {n for _, n, _, _ in string.Formatter().parse(CATALOGUE[cls.code][lang]) if n}
            allowed = set(cls.fields) | ({"message"} if cls is PilotbenchWarning else set())
            assert names <= allowed, (cls.code, names)
    # the sentences added for a value exist for every value the classes use
    for extra in ("level-shift", "absorbed", "collinear", "next-to-start"):
        assert f"series-break:{extra}" in CATALOGUE


def test_warning_values_are_checked() -> None:
    with pytest.raises(TypeError, match="missing"):
        W.ShortSeriesWarning("short", n_pre=3)
    with pytest.raises(TypeError, match="unexpected"):
        W.SingleTreatedUnitWarning("one", n=1)


def test_warning_text_in_both_languages() -> None:
    w = W.SeriesBreakWarning(
        "Series break: ...", year=2020, first=2008, last=2022, adjustment="level-shift",
        next_to_start=True,
    )  # fmt: skip
    assert w.code == "series-break" and w.year == 2020 and str(w) == "Series break: ..."
    assert W.warning_text(w, "sv") == (
        "Tidsseriebrott: från 2020 bygger statistiken på en ny grund, inom skattningsfönstret "
        "2008–2022; nivåerna före och efter 2020 är inte direkt jämförbara. En "
        "nivåförskjutning (1 från 2020) lades till i modellen. Brottet ligger intill insatsens "
        "start, så skattningen kan vara påverkad av det."
    )
    assert W.warning_text(w, "en").startswith("Series break: from 2020 the statistics")
    d = W.DonorRangeWarning("outside", predictors=["log_pop", "N07540"])
    assert W.warning_text(d, "en") == (
        "The pilot lies outside the comparison units' range for log_pop, N07540: no weighting "
        "of them can match it."
    )
    assert W.warning_text(d, "sv", predictors="folkmängd").endswith(
        "för folkmängd: ingen viktning av dem kan träffa den."
    )
    c = W.NoComparisonUnitsWarning("cell", cohort=2004.0, period=2005.5)
    assert (
        W.warning_text(c, "sv")
        == "Kohort 2004, period 2005,5: inga jämförelseenheter, så cellen hoppades över."
    )
    assert W.warning_text("plain English", "sv") == "plain English"
    assert W.warning_text(PilotbenchWarning("x", code="not-in-catalogue"), "sv") == "x"


def test_estimators_return_typed_warnings() -> None:
    import polars as pl

    from research.stats.its import interrupted_time_series

    years = list(range(2010, 2020))
    data = pl.DataFrame(
        {"year": years, "n": [50, 52, 49, 55, 53, 51, 40, 41, 39, 42], "pop": [1e5] * 10}
    )
    r = interrupted_time_series(
        data, time="year", outcome="n", interruption=2016, offset="pop", series_breaks=[2013]
    )
    codes = [w.code for w in r.warnings if isinstance(w, PilotbenchWarning)]
    assert "short-series" in codes and "series-break" in codes
    short = next(w for w in r.warnings if getattr(w, "code", "") == "short-series")
    assert (short.n_pre, short.n_post, short.minimum) == (6, 4, 8)


def test_issued_warnings_carry_their_class() -> None:
    from research.core.warnings import TreatedFirstPeriodWarning
    from research.stats.staggered import StaggeredWarning

    assert issubclass(TreatedFirstPeriodWarning, StaggeredWarning)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        warnings.warn(TreatedFirstPeriodWarning("dropped", n_units=2), stacklevel=1)
    assert rec[0].category is TreatedFirstPeriodWarning
    assert rec[0].message.code == "treated-first-period" and rec[0].message.n_units == 2


# ------------------------------------------------------------------------------ Swedish


def _without_sv() -> list[str]:
    import builtins

    out = []
    for p in MODULES:
        if _rel(p) not in USER_FACING:
            continue
        for line, name, call in _raised(_tree(p)):
            if not name.endswith("Error") or hasattr(builtins, name):
                continue
            if not any(k.arg == "sv" for k in call.keywords):
                out.append(f"{_rel(p)}:{line} {name}")
    return out


def test_user_facing_errors_have_swedish() -> None:
    missing = _without_sv()
    assert missing == [], f"{len(missing)} raise site(s) without sv=:\n" + "\n".join(missing)


def test_parse_error_in_swedish() -> None:
    err = ParseError("data/x.csv", 3, "not a number", sv="inte ett tal")
    assert str(err) == "data/x.csv, line 3: not a number"
    assert err.message("sv") == "data/x.csv, rad 3: inte ett tal"
    assert ParseError("f.csv", None, "empty").message("sv") == "f.csv: empty"
