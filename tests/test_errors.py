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

from .sourcetext import is_written_text

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
    # each report's checks of its parameters that need no data (run before a kernel starts)
    "views/candidate_screening/checks.py",
    "views/pilot_vs_candidate/checks.py",
    "views/pilot_effect/checks.py",
    "views/decision_brief/checks.py",
    "views/texts.py",  # require_kommun: the reports' one check of a parameter that is a kommun
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


def _holds_str(annotation: ast.expr | None) -> bool:
    return annotation is not None and any(
        isinstance(n, ast.Name) and n.id == "str" for n in ast.walk(annotation)
    )


def _plain_warnings(tree: ast.AST, in_stats: bool) -> list[tuple[int, str]]:
    """Where ``tree`` puts English text into a warnings list, or declares one as ``str``.

    Lists are recognised by name: anything with ``warn`` in it, and in ``research/stats``
    also ``notes`` (the estimators collect their caveats under that name before they become
    the result's ``warnings``).
    """

    def listy(name: str) -> bool:
        name = name.lower()
        return "warn" in name or (in_stats and "note" in name)

    out = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("append", "insert", "extend")
            and listy(ast.unparse(node.func.value))
            and node.args
        ):
            arg = node.args[-1]
            items = arg.elts if isinstance(arg, ast.List | ast.Tuple) else [arg]
            if node.func.attr == "extend" and isinstance(arg, ast.GeneratorExp | ast.ListComp):
                items = [arg.elt]
            if any(is_written_text(i) for i in items):
                out.append((node.lineno, ast.unparse(node)[:70]))
        elif isinstance(node, ast.AnnAssign) and listy(ast.unparse(node.target)):
            if _holds_str(node.annotation) or (
                isinstance(node.value, ast.List) and any(map(is_written_text, node.value.elts))
            ):
                out.append((node.lineno, ast.unparse(node)[:70]))
        elif (
            isinstance(node, ast.Assign)
            and any(listy(ast.unparse(t)) for t in node.targets)
            and isinstance(node.value, ast.List)
            and any(map(is_written_text, node.value.elts))
        ):
            out.append((node.lineno, ast.unparse(node)[:70]))
        elif isinstance(node, ast.arg) and listy(node.arg) and _holds_str(node.annotation):
            out.append((node.lineno, f"{node.arg}: {ast.unparse(node.annotation)}"))
    return out


def test_no_plain_string_warnings() -> None:
    """Estimators' ``warnings`` hold typed PilotbenchWarning objects, never English text.

    A report words a warning by its ``code`` (``warning_text``); an English sentence appended
    to a result's warnings would appear untranslated in a Swedish report.
    """
    bad = []
    for p in MODULES:
        in_stats = _rel(p).startswith("stats/")
        bad += [f"{_rel(p)}:{line}: {code}" for line, code in _plain_warnings(_tree(p), in_stats)]
    assert bad == [], "plain-string warnings (use a class of research/core/warnings.py):\n" + (
        "\n".join(bad)
    )


@pytest.mark.parametrize(
    "source, in_stats, found",
    [
        ('warns.append("Only one treated unit.")', False, True),
        ('warns.append(f"{n} rows dropped")', False, True),
        ('self.warnings.extend(["a", W("b")])', False, True),
        ('warnings.insert(0, "x" + str(n))', False, True),
        ('notes.append("{} cut".format(name))', True, True),
        ('notes.append("{} cut".format(name))', False, False),  # only in stats/
        ("warnings: list[str] = []", False, True),
        ('notes = [f"{n} rows dropped"]', True, True),
        ('warns: list = ["text"]', False, True),
        ("def f(warns: list[str | PilotbenchWarning]): pass", False, True),
        ('warns.append(ShortSeriesWarning("short", n_pre=3, n_post=2, minimum=8))', True, False),
        ("warnings: list[PilotbenchWarning] = []", True, False),
        ('rows.append("text")', True, False),
    ],
)
def test_plain_string_warning_detector(source: str, in_stats: bool, found: bool) -> None:
    """The AST check above finds each way of adding text to a warnings list (and no more)."""
    assert bool(_plain_warnings(ast.parse(source), in_stats)) is found


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
        "nivåförskjutning (1 från 2020) lades till i modellen. Tidsseriebrottet ligger intill "
        "insatsens start, så skattningen kan vara påverkad av det."
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
    with pytest.raises(TypeError, match="needs a PilotbenchWarning"):
        W.warning_text("plain English", "sv")  # type: ignore[arg-type]
    assert W.warning_text(PilotbenchWarning("x", code="not-in-catalogue"), "sv") == "x"


#: The estimators' warning classes: sample values and, per language, the exact text
#: ``warning_text`` must give (values written by hand: decimal comma in Swedish, lists
#: joined, optional sentences added only for non-empty fields).
# fmt: off
ESTIMATOR_WORDING = [
    (W.MissingRowsDroppedWarning, {"n_rows": 3, "columns": ["y", "year"]},
     "3 rader med saknade värden (null eller NaN) i y, year togs bort.",
     "3 rows with missing values (null or NaN) in y, year were dropped."),
    (W.ZeroEventUnitsWarning, {"units": ["0114", "0115"]},
     "Enheter utan händelser under hela perioden togs bort (deras fasta effekt är inte ändlig "
     "och de bär ingen information): 0114, 0115.",
     "Units with zero events in every period were dropped (their fixed effect is not finite "
     "and they carry no information): 0114, 0115."),
    (W.ZeroEventPeriodsWarning, {"periods": [2009, 2010]},
     "Perioder utan händelser i någon enhet togs bort: 2009, 2010.",
     "Periods with zero events in every unit were dropped: 2009, 2010."),
    (W.SingletonsDroppedWarning, {"n_obs": 26}, "26 observationer av enheter",
     "26 observations of"),
    (W.MissingYearsDroppedWarning, {"n_years": 2, "years": [2011, 2014]},
     "2\u00a0år med saknat antal eller saknad exponering togs bort: 2011, 2014.",
     "2 year(s) with a missing count or exposure were dropped: 2011, 2014."),
    (W.PostGapMissingWarning, {"periods": [2021]}, "efter starten för 2021 (", "start in 2021 ("),
    (W.PreGapMissingWarning, {"periods": [2016, 2017]}, "före starten för 2016, 2017;",
     "before the start in 2016, 2017;"),
    (W.FewClustersWarning, {"n_clusters": 12, "n_treated": 1},
     "Klusterrobust inferens med 12 kluster (1 med insatsen) är otillförlitlig; överväg "
     "inference='permutation'.",
     "Cluster-robust inference with 12 clusters (1 treated) is unreliable; consider "
     "inference='permutation'."),
    (W.StaggeredClusterWarning, {"n_clusters": 9, "n_treated": 3},
     "Bara 9 kluster (3 med insatsen), men ett permutationstest",
     "Only 9 clusters (3 treated), but a permutation test"),
    (W.WildBootstrapOneClusterWarning, {}, "fungerar inte wild cluster bootstrap",
     "the wild cluster bootstrap is known to fail"),
    (W.PermutationsDroppedWarning, {"n_dropped": 2, "n_assignments": 31},
     "2 av 31 permuterade tilldelningar", "2 of 31 permuted assignments"),
    (W.PlacebosWithoutRatioWarning, {"units": ["d", "e"], "n_included": 4},
     "Placeboenheterna d, e har ingen kvot", "which compares 4 units."),
    (W.FewAssignmentsWarning,
     {"n_assignments": 6, "n_possible": 6, "enumeration": "enumerated", "min_p": 0.167,
      "alpha": 0.05},
     "Permutationstestet bygger på bara 6 tilldelningar av insatsen: dess minsta möjliga "
     "p-värde är 1/6 = 0,167, större än 0,05, så intervallet är obegränsat. Alla 6 möjliga "
     "tilldelningar räknades upp.",
     "The permutation test rests on only 6 assignments of the treatment: the smallest "
     "attainable permutation p-value is 1/6 = 0.167 > 0.05, so the interval is unbounded. "
     "All 6 possible assignments were enumerated."),
    (W.FewAssignmentsWarning,
     {"n_assignments": 51, "n_possible": 290, "enumeration": "sampled", "min_p": 0.02,
      "alpha": 0.01},
     "bara 51 tilldelningar av insatsen: dess minsta möjliga p-värde är 1/51 = 0,02, större "
     "än 0,01, så intervallet är obegränsat. De drogs slumpvis bland de 290 möjliga "
     "tilldelningarna (den faktiska medräknad)",
     "only 51 assignments of the treatment: the smallest attainable permutation p-value is "
     "1/51 = 0.02 > 0.01, so the interval is unbounded. They were drawn at random among the "
     "290 possible assignments (the observed one included)"),
    (W.FewPlaceboAssignmentsWarning,
     {"n_placebos": 2, "n_control": 2, "n_treated": 1, "min_p": 0.333, "alpha": 0.05},
     "Placebostandardfelet bygger på bara 2 olika placebotilldelningar (1 av de 2 "
     "kontrollenheterna i de behandlades ställe), hur många replikeringar som än dras; det "
     "minsta p-värde ett placebotest kan ge är 1/(2 + 1) = 0,333, större än 0,05, så "
     "normalintervallet och p-värdet som bygger på det standardfelet anges inte.",
     "The placebo standard error rests on only 2 distinct placebo assignments (1 of the 2 "
     "control units playing the treated), however many replications are drawn; the smallest "
     "p-value a placebo test could give is 1/(2 + 1) = 0.333 > 0.05, so the normal interval "
     "and p-value built on that standard error are not given."),
    (W.FewPlacebosWarning, {"n_units": 3, "min_p": 0.333, "alpha": 0.05},
     "Bara 3 enheter i placebofördelningen, den behandlade medräknad: det minsta möjliga "
     "p-värdet är 1/3 = 0,333, större än 0,05, så testet kan inte bli signifikant på den nivån "
     "vilka data det än gäller; p-värdet anger bara den behandlade enhetens rang.",
     "Only 3 units in the placebo distribution, the treated unit included: the smallest "
     "attainable p-value is 1/3 = 0.333 > 0.05, so the test could not be significant at that "
     "level whatever the data; the p-value only gives the treated unit's rank."),
    (W.PoissonPermutationIntervalWarning, {"n_assignments": 1001}, "med 1001 tilldelningar",
     "with 1001 assignments"),
    (W.UnboundedIntervalWarning, {}, "Permutationsintervallet är obegränsat åt minst ena hållet.",
     "The permutation interval is unbounded on at least one side."),
    (W.SampledAssignmentsWarning, {"n_assignments": 500}, "bygger på 500 slumpvis dragna",
     "use 500 sampled assignments"),
    (W.SingularPretrendWarning, {"n_restrictions": 6, "n_clusters": 4},
     "har 6 restriktioner men bara 4 kluster", "has 6 restrictions but only 4 clusters"),
    (W.ExactPreFitWarning, {"n_units": 2, "n_total": 31, "floor": 0.0123},
     "2 av 31 enheter i placebotestet anpassas", "2 of 31 units in the placebo test fit"),
    (W.ExactPreFitWarning, {"n_units": 2, "n_total": 31, "floor": 0.0123},
     "mellan perioder (0,0123);", "to the next (0.0123);"),
    (W.NonNumericTimeBreaksWarning, {}, "tidskolumnen är inte numerisk",
     "the time column is not numeric"),
    (W.LevelShiftsCollinearWarning, {"years": [2019, 2020]},
     "vid tidsseriebrotten 2019, 2020 är kolinjära",
     "for the breaks 2019, 2020 are collinear"),
    (W.StaggeredTimingWarning, {}, "Insatsen startar vid olika tidpunkter",
     "Treatment timing is staggered"),
    (W.NoLeadsWarning, {"reference": -1}, "utöver referensperioden (\u22121):",
     "besides the reference (\u22121), so"),
    (W.YearlySeasonalityWarning, {}, "Årsdata:", "Yearly data:"),
    (W.DonorGroupWarning,
     {"reference": "kolada:liknande-ifo", "title": "Liknande kommuner IFO, Stockholm, 2024",
      "group_id": "G1", "year": 2024, "absent": ["0127", "0128"]},
     "Jämförelsekommunerna kolada:liknande-ifo är Koladas grupp Liknande kommuner IFO, "
     "Stockholm, 2024 (G1). Gruppen avser 2024. Medlemmar utan data lämnades utanför: 0127, "
     "0128.",
     "The comparison units kolada:liknande-ifo are Kolada's group Liknande kommuner IFO, "
     "Stockholm, 2024 (G1). The group is that of 2024. Members without data were left out: "
     "0127, 0128."),
    (W.DonorGroupWarning,
     {"reference": "skr:X", "title": "X", "group_id": "G2", "year": None, "absent": []},
     "Jämförelsekommunerna skr:X är Koladas grupp X (G2).",
     "The comparison units skr:X are Kolada's group X (G2)."),
    (W.OutcomePredictorsWarning, {}, "Inga prediktorer angavs", "No predictors were given"),
    (W.OverfitWarning, {"n_donors": 30, "n_periods": 6},
     "30 jämförelsekommuner för 6 perioder före starten:",
     "30 donors for 6 pre-treatment periods:"),
    (W.PlaceboWindowCutWarning,
     {"name": "fit_window", "first": 2010, "last": 2020, "new_last": 2016},
     "fit_window kortades från 2010–2020 till 2010–2016 för placebotestet i tiden.",
     "fit_window was cut from 2010–2020 to 2010–2016 for the placebo-in-time test."),
    (W.PlaceboPeriodsCutWarning, {"column": "N07402", "periods": [2014, 2015]},
     "Perioderna för prediktorn N07402 kortades till 2014, 2015",
     "The periods of the special predictor N07402 were cut to 2014, 2015"),
    (W.BreakOutsideDataWarning, {"year": 2030, "first": 2008, "last": 2022},
     "Tidsseriebrottet 2030 ligger utanför datans år (2008–2022) och ignorerades.",
     "The series break 2030 lies outside the data years (2008–2022) and was ignored."),
    (W.BreakDuplicateWarning, {"year": 2015}, "Tidsseriebrottet 2015 sammanfaller",
     "The series break 2015 duplicates"),
    (W.LevelShiftsEstimatedWarning, {"years": [2015, 2019]}, "Nivåförskjutningar vid 2015, 2019",
     "Level shifts at 2015, 2019"),
    (W.NonIntegerCountsWarning, {"outcome": "count_est"}, "count_est har värden som inte är heltal",
     "count_est holds non-integer values"),
    (W.OverdispersionWarning, {"dispersion": 2.35}, "Pearsons dispersion är 2,35 (> 1,5)",
     "The Pearson dispersion is 2.35 (> 1.5)"),
    (W.AutocorrelationWarning, {"acf1": -0.42}, "vid lag 1 är \u22120,42:",
     "autocorrelation is \u22120.42:"),
    (W.FewResidualDfWarning, {"df_resid": 2}, "Bara 2 frihetsgrader", "Only 2 residual degree(s)"),
    (W.AllZeroCountsWarning, {}, "Alla antal är noll", "All counts are zero"),
    (W.ExactFitWarning, {"model": "quasi-Poisson"}, "Modellen (kvasi-Poisson) passar varje värde",
     "The quasi-Poisson model fits every value exactly"),
    (W.ExactFitInferenceWarning, {"model": "OLS", "inference": "cluster"},
     "Modellen (OLS) passar varje värde exakt: residualerna är noll",
     "standard errors that the inference (cluster) builds from them are zero up to rounding"),
    (W.NegbinNoOverdispersionWarning, {}, "störst vid alfa = 0", "largest at alpha = 0"),
    (W.NotConvergedWarning, {}, "konvergerade inte", "did not converge"),
    (W.NoFiniteTrendWarning, {"years": [2015, 2016]},
     "Antalet är noll för 2015, 2016, och modellen kan passa de nollorna bara genom att den "
     "årliga förändringen", "The count is zero in 2015, 2016, and the model can fit those zeros "
     "only by letting the annual change run to plus or minus infinity"),
    (W.SeparatedYearsDroppedWarning, {"years": [2017, 2018], "terms": ["break_2017"]},
     "Antalet är noll för 2017, 2018, och modellen kan passa de nollorna bara genom att en nivå",
     "Those years are left out, and the trend is estimated from the others."),
    (W.NoFiniteEventEstimateWarning, {"event_times": ["-3", "0"], "zero_periods": [2020]},
     "Händelsetid -3, 0: ingen ändlig skattning. Den behandlade enhetens antal är noll för 2020",
     "Event time -3, 0: no finite estimate. The treated unit's count is zero in 2020"),
    (W.NoFiniteEstimateWarning, {"periods": ["2021", "2022"]},
     "Antalet är noll för 2021, 2022, och modellen kan passa de nollorna bara genom",
     "The count is zero in 2021, 2022, and the model can fit those zeros only by"),
]
# fmt: on


@pytest.mark.parametrize(
    "cls, values, sv, en", ESTIMATOR_WORDING, ids=lambda v: getattr(v, "code", None)
)
def test_estimator_warnings_worded_in_both_languages(cls, values, sv, en) -> None:
    """Each estimator warning renders in Swedish and English with its values filled in."""
    w = cls("English message", **values)
    assert str(w) == "English message" and w.values == values
    text_sv, text_en = W.warning_text(w, "sv"), W.warning_text(w, "en")
    assert sv in text_sv and en in text_en, (text_sv, text_en)
    assert "{" not in text_sv + text_en and text_sv != text_en
    # a full sentence is expected exactly (the fragments above are its beginning or middle)
    if sv.endswith("."):
        assert text_sv == sv and text_en == en


def test_every_estimator_warning_class_is_worded_in_the_test() -> None:
    """A new class under the estimators' parents gets a row in ESTIMATOR_WORDING."""
    parents = (W.DataDroppedWarning, W.InferenceWarning, W.DesignWarning, W.ModelFitWarning)
    classes = {c for c in W.warning_classes() if issubclass(c, parents) and c not in parents}
    assert classes == {row[0] for row in ESTIMATOR_WORDING}


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


def test_did_warnings_carry_their_values() -> None:
    """A real fit's typed warnings: the values the sentences are built from, in Swedish."""
    import polars as pl

    from research.stats.did import diff_in_diff

    df = pl.DataFrame({
        "unit": ["a", "a", "b", "b", "c", "c", "d", "d"], "year": [1, 2] * 4,
        "y": [1.0, 4.0, 2.0, 3.0, 0.0, 1.5, 0.0, 0.0], "tr": [1, 1, 0, 0, 0, 0, 0, 0],
        "post": [0, 1] * 4,
    })  # fmt: skip
    r = diff_in_diff(df, unit="unit", time="year", outcome="y", treated="tr", post="post",
                     family="poisson")  # fmt: skip
    by_code = {w.code: w for w in r.warnings}
    assert set(by_code) >= {"zero-event-units", "non-integer-counts", "few-assignments"}
    assert all(isinstance(w, PilotbenchWarning) for w in r.warnings)
    assert by_code["zero-event-units"].units == ["d"]
    assert by_code["non-integer-counts"].outcome == "y"
    few = by_code["few-assignments"]  # units a, b, c remain: 3 assignments, p >= 1/3
    assert (few.n_assignments, few.min_p, few.alpha) == (3, 0.333, 0.05)
    assert "1/3 = 0.333 > 0.05" in str(few)
    assert "1/3 = 0,333, större än 0,05" in W.warning_text(few, "sv")


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


def test_warning_class_keywords_set_code_and_fields() -> None:
    """``code``/``fields`` in a class header are the class's; a keyword left out is the base's."""
    assert W.ShortSeriesWarning.code == "short-series"
    assert W.ShortSeriesWarning.fields == ("n_pre", "n_post", "minimum")
    assert W.TreatedFirstPeriodWarning.fields == ("n_units",)
    assert W.StaggeredWarning.fields == ()  # a base class without fields keeps ()

    class Child(W.DesignWarning, fields=["a"]):  # a list is kept as a tuple
        """A test class without a code of its own."""

    assert Child.code == "design" and Child.fields == ("a",)
    assert Child("m", a=1).values == {"a": 1}


def test_warning_texts_word_breaks_of_one_window_together() -> None:
    def brk(year: int, first: int = 2015, adjustment: str = "none", start: bool = False):
        return W.SeriesBreakWarning.in_window("b", year, first, 2022, adjustment, start)

    short = W.ShortSeriesWarning("short", n_pre=3, n_post=2, minimum=8)
    got = W.warning_texts(
        [brk(2020), short, brk(2019), brk(2019), brk(2016, first=2008), short], "sv"
    )
    # one sentence for 2019 and 2020 (sorted, at the first one's place), the window 2008-2022
    # on its own, the repeated short-series warning once
    assert got == [
        "Tidsseriebrott 2019 och 2020, inom skattningsfönstret 2015–2022: vid vart och ett av "
        "dessa år byter statistiken grund, och nivåerna före och efter är inte direkt "
        "jämförbara.",
        W.warning_text(short, "sv"),
        W.warning_text(brk(2016, first=2008), "sv"),
    ]
    # a different adjustment or a break next to the start is not merged
    en = W.warning_texts(
        [brk(2015, adjustment="level-shift"), brk(2019, adjustment="level-shift"),
         brk(2020, adjustment="level-shift", start=True), brk(2021, adjustment="absorbed")],
        "en",
    )  # fmt: skip
    assert len(en) == 3
    assert en[0].startswith("Series breaks in 2015 and 2019, inside the estimation window")
    assert en[0].endswith("A level-shift term per break (1 from its year) was added to the model.")
    assert en[1] == W.warning_text(brk(2020, adjustment="level-shift", start=True), "en")
    assert en[2] == W.warning_text(brk(2021, adjustment="absorbed"), "en")
    two_next = W.warning_texts(
        [brk(y, adjustment="collinear", start=True) for y in (2020, 2021)], "en"
    )
    assert two_next == [
        "Series breaks in 2020 and 2021, inside the estimation window 2015–2022: at each of "
        "these years the statistics change basis, and levels before and after are not "
        "directly comparable. Level shifts at the breaks cannot be separated from the "
        "intervention terms, so none were added: the level change mixes the breaks and the "
        "intervention. The breaks are next to the start, so the estimate may be confounded by "
        "them."
    ]
    # replacements per warning reach the warning they are for
    d = W.DonorRangeWarning("outside", predictors=["log_pop"])
    worded = W.warning_texts([d], "sv", lambda w: {"predictors": "folkmängd (log)"})
    assert worded[0].endswith("spann för folkmängd (log): ingen viktning av dem kan träffa den.")
    with pytest.raises(ParameterError):
        W.warning_texts([short], "de")
