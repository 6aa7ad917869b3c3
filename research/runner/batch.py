"""Batches of reports: many notebooks x areas, run in parallel on warm kernels.

A schedule (TOML) lists jobs; a job can expand over areas::

    [batch]
    workers = 2
    lang = "en"        # language of reports/index.html (default Swedish)

    [[job]]
    notebook = "pilot_vs_candidate"
    parameters = { pilot = "0180", lang = "sv" }
    each = { parameter = "candidate", areas = "lan:01" }   # every kommun in Stockholms län

``areas`` is a list of codes/names (which may hold ``"lan:NN"`` entries too), ``"lan:NN"``
(the kommuner of a län) or ``"kommuner"`` (all 290); the pilot itself is skipped when it
would be its own candidate, and the batch's closing lines, log and index say so. Messages
about a schedule name a job by its number and the line of its ``[[job]]`` header
(:func:`job_name`).

:func:`run_batch` validates every task before any kernel starts (invalid ones are reported as
failed, the rest still run) on ``workers`` warm kernels
(:class:`research.runner.kernel.KernelSession`), driven by threads of this process: the kernels
start first, importing what the notebooks import, while a short-lived child process checks the
data and computes the footers' coverage, so this process never holds the panel. A kernel is
lent to one report at a time and handed to the next as soon as the notebook has run, while a
second thread writes the finished report's HTML. A failure, or a kernel that dies (killed, out
of memory), fails only its own task: the next task on that kernel gets a new one and the batch
goes on. Reports are written atomically by
:func:`research.runner.report.run_report`, so earlier reports survive failures.
A lock file keeps two batches from overlapping, logs go to ``reports/logs/``, and
``reports/index.html`` lists every report by title with its areas' names, status, Swedish
time and run time, and what changed since the previous run of the same schedule
(:func:`write_index`; its state in ``reports/index.json``).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import html as html_lib
import json
import logging
import os
import re
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from research.core.errors import ArgumentError, ParameterError, PilotbenchError
from research.core.i18n import Both, load_catalogue
from research.core.paths import reports_dir

__all__ = [
    "SCHEDULES_CACHED",
    "BatchLockedError",
    "BatchResult",
    "JobNames",
    "Schedule",
    "Task",
    "TaskResult",
    "Tasks",
    "batch_lock",
    "expand_schedule",
    "job_name",
    "load_schedule",
    "report_digest",
    "run_batch",
    "write_index",
]

log = logging.getLogger("pilotbench.batch")

#: Wording of what a batch records about a failed report (research/runner/texts.toml).
_TEXTS = load_catalogue(Path(__file__).with_name("texts.toml"))
#: Messages about schedules and running a batch (research/runner/batch.toml).
_BATCH_TEXTS = load_catalogue(Path(__file__).with_name("batch.toml"))

#: Validated schedules kept in the user's cache, the most recently used: enough for the
#: schedules of a site run in turn (weekly, monthly, per län), which with one kept would evict
#: each other and be validated again, with pydantic imported, on every run.
SCHEDULES_CACHED = 16


class BatchLockedError(PilotbenchError):
    """Another batch holds the lock."""


@dataclass(frozen=True)
class Task:
    """One report to produce."""

    notebook: str
    parameters: dict[str, Any]

    @property
    def label(self) -> str:
        """Short description for logs and the progress bar."""
        keys = [
            str(self.parameters[k]) for k in ("pilot", "candidate", "area") if k in self.parameters
        ]
        return f"{self.notebook}[{','.join(keys)}]"


@dataclass
class TaskResult:
    """The outcome of one task."""

    task: Task
    status: str  # "ok" or "failed"
    seconds: float = 0.0
    html: str | None = None
    error: str | None = None  # what went wrong, in English (the log, the command's summary)
    worker: int | None = None
    error_sv: str | None = None  # the same in Swedish, for a Swedish index page

    def error_in(self, lang: str) -> str | None:
        """What went wrong in ``lang`` (English where no Swedish was recorded)."""
        return getattr(self, f"error_{lang}", None) or self.error


@dataclass
class BatchResult:
    """All task outcomes, the index page and the log file of a batch."""

    results: list[TaskResult] = field(default_factory=list)
    index: Path | None = None
    log: Path | None = None
    seconds: float = 0.0
    #: What the schedule's ``each`` left out and why (:attr:`Tasks.skipped`), both languages.
    skipped: list[Both] = field(default_factory=list)

    @property
    def failed(self) -> list[TaskResult]:
        """The tasks that failed."""
        return [r for r in self.results if r.status != "ok"]

    @property
    def ok(self) -> bool:
        """True when every task succeeded."""
        return not self.failed


# -- schedules ------------------------------------------------------------------------------


def load_schedule(path: Path) -> Schedule:
    """Read a schedule TOML and validate it (:class:`research.core.config.ScheduleFile`).

    A schedule whose bytes were validated before is read back from the user's cache
    (:func:`research.core.derived.load_validated`; the :data:`SCHEDULES_CACHED` most recently
    used schedules), so the batch process does not import pydantic for it (about 13 MiB of
    the batch's memory and 0.1-0.8 s, issue 17). The file is read once: its bytes give the
    cache key and the line of every job's header (:attr:`Schedule.job_names`), by which every
    message about the schedule names its jobs.

    Raises
    ------
    ParameterError
        Naming the file, the entry and the field (``[batch] workers: expected a whole
        number, got 'two'``).
    """
    import hashlib

    from research.core.derived import load_validated

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError:  # missing, a folder, unreadable: read_toml says which
        data = None
    lines = _header_lines(data)

    def validated() -> dict[str, Any]:
        from research.core.config import ScheduleFile, read_toml, validate_config

        raw = read_toml(path, ParameterError, _TEXTS.both("what_schedule_file"))
        names = JobNames.of(raw, lines)
        _refuse_unknown_fields(raw, path, names)
        validate_config(ScheduleFile, raw, path, ParameterError, names)
        return raw

    if data is None:
        return Schedule(validated())
    raw = load_validated(
        "schedule",
        path,
        hashlib.sha256(data).hexdigest(),
        Path(__file__),
        validated,
        keep=SCHEDULES_CACHED,
    )
    return Schedule(raw, JobNames.of(raw, lines))


def _refuse_unknown_fields(raw: Mapping[str, Any], path: Path, names: JobNames) -> None:
    """Refuse a key the schedule does not know, suggesting the closest and listing them all.

    ``parametres = {...}`` in a ``[[job]]`` was "not a known field (misspelt?)", leaving the
    user to guess the right one; the message names the job by its line
    (``names``, :class:`JobNames`), says the closest known key (difflib) and lists them all.

    Raises
    ------
    ParameterError
        At the first unknown key: the top level, ``[batch]``, a job, or a job's ``each``.
    """
    import difflib

    from research.core.config import BatchEntry, EachEntry, JobEntry, ScheduleFile

    def check(table: Any, model: Any, where: Both) -> None:
        if not isinstance(table, Mapping):
            return  # not a table: validate_config says what it should be
        known = list(model.model_fields)
        for field_name in table:
            if field_name in known:
                continue
            close = difflib.get_close_matches(str(field_name), known, n=1)
            key = "unknown_field_close" if close else "unknown_field"
            en, sv = _BATCH_TEXTS.both(
                key,
                path=path,
                where=where,
                field=field_name,
                close=close[0] if close else "",
                known=", ".join(known),
            )
            raise ParameterError(en, sv=sv)

    check(raw, ScheduleFile, _BATCH_TEXTS.phrase("where_top"))
    check(raw.get("batch", {}), BatchEntry, _BATCH_TEXTS.phrase("where_batch"))
    for key in ("job", "jobs"):
        jobs = raw.get(key)
        for i, job in enumerate(jobs if isinstance(jobs, list) else [], start=1):
            name = names(key, i)
            check(job, JobEntry, name)
            if isinstance(job, Mapping) and job.get("each") is not None:
                check(job["each"], EachEntry, _BATCH_TEXTS.phrase("where_each", job=name))


#: The header of an entry of a schedule's array of tables of jobs: ``[[job]]``, ``[[jobs]]``,
#: ``[[ "job" ]]``; the table's key is one of the groups.
_JOB_HEADER = re.compile(r"""^\s*\[\[\s*(?:(jobs?)|"(jobs?)"|'(jobs?)')\s*\]\]""")


def _header_lines(data: bytes | str | None) -> dict[str, tuple[int, ...]]:
    """The line of each ``[[job]]`` and ``[[jobs]]`` header of a schedule's text, in one pass.

    tomllib keeps no positions, so the text is scanned for the array-of-tables headers.
    Empty when there is no text (a schedule given as a dict, a file that is not UTF-8).
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            data = None
    lines: dict[str, list[int]] = {"job": [], "jobs": []}
    for n, line in enumerate((data or "").splitlines(), start=1):
        if m := _JOB_HEADER.match(line):
            lines[m[1] or m[2] or m[3]].append(n)
    return {key: tuple(found) for key, found in lines.items()}


@dataclass(frozen=True)
class JobNames:
    """How every message names the jobs of one schedule: ``job 2 (line 9)``.

    One way everywhere (the schedule's checks, the command line, the batch's closing
    lines): the job's number and the line of its header, from the schedule's text scanned
    once (:func:`load_schedule`); the number alone where the lines are not known, that is
    where a table has not as many headers as jobs (jobs written as an inline array
    ``job = [...]``, a schedule that is no file).

    Called with a table's key and a job's 1-based number, as
    :func:`research.core.config.validate_config` names the entries of an array of tables.

    Parameters
    ----------
    lines
        The line of each header, by table (``job``, ``jobs``).
    counts
        How many jobs each table holds (a table not counted: as many as its headers).
    key
        The table the schedule's jobs are taken from (:meth:`job`): ``jobs`` when only it
        has jobs, else ``job``.

    Examples
    --------
    >>> names = JobNames.of({"job": [{}, {}]}, {"job": (5, 9)})
    >>> names.job(2)
    Both(en='job 2 (line 9)', sv='jobb 2 (rad 9)')
    >>> names("jobs", 1)
    Both(en='job 1', sv='jobb 1')
    """

    lines: Mapping[str, Sequence[int]] = field(default_factory=dict)
    counts: Mapping[str, int] = field(default_factory=dict)
    key: str = "job"

    @classmethod
    def of(cls, schedule: Mapping[str, Any] | None, lines: Mapping[str, Sequence[int]]) -> JobNames:
        """The names of ``schedule``'s jobs, given its header ``lines`` (:func:`_header_lines`).

        Examples
        --------
        >>> JobNames.of({"jobs": [{}]}, {"jobs": (3,)}).job(1)
        Both(en='job 1 (line 3)', sv='jobb 1 (rad 3)')
        """
        schedule = schedule or {}
        counts = {k: len(v) for k, v in schedule.items() if isinstance(v, list)}
        key = "jobs" if not schedule.get("job") and schedule.get("jobs") else "job"
        return cls(lines, counts, key)

    def __call__(self, table: str, job: int) -> Both:
        """The ``job``-th (1-based) entry of the array of tables ``table``."""
        lines = self.lines.get(table, ())
        n = self.counts.get(table) or len(lines)
        if lines and len(lines) == n and 1 <= job <= n:
            return _BATCH_TEXTS.phrase("job_at_line", job=job, line=lines[job - 1])
        return _BATCH_TEXTS.phrase("job_number", job=job)

    def job(self, job: int) -> Both:
        """The ``job``-th (1-based) job of the schedule (of the table :attr:`key`)."""
        return self(self.key, job)


class Schedule(dict[str, Any]):
    """A loaded schedule (:func:`load_schedule`): its tables, and how messages name its jobs.

    A ``dict`` of the TOML's tables, as before; ``job_names`` (:class:`JobNames`) holds the
    line of every job's header, found when the file was read.
    """

    job_names: JobNames

    def __init__(self, tables: Mapping[str, Any], job_names: JobNames | None = None) -> None:
        super().__init__(tables)
        self.job_names = job_names or JobNames.of(self, {})


def _names_of(source: str | Path, schedule: Mapping[str, Any] | None) -> JobNames:
    """The names of a schedule's jobs: a loaded one's, else from the file ``source``, read once."""
    if isinstance(schedule, Schedule):
        return schedule.job_names
    try:
        data = Path(str(source)).read_bytes()
    except (OSError, ValueError):
        data = None
    return JobNames.of(schedule, _header_lines(data))


def job_name(source: str | Path, job: int, schedule: Mapping[str, Any] | None = None) -> Both:
    """How messages name the ``job``-th (1-based) job of a schedule: ``job 2 (line 9)``.

    As :class:`JobNames` says: from the lines found when ``schedule`` was loaded
    (:class:`Schedule`), else by reading the file ``source``; to name many jobs, load the
    schedule once (:func:`load_schedule`).

    Examples
    --------
    >>> job_name("no-such-schedule.toml", 2)
    Both(en='job 2', sv='jobb 2')
    """
    return _names_of(source, schedule).job(job)


def _expand_areas(spec: Any) -> list[str]:
    from research.geo.registry import load_areas

    reg = load_areas()
    if isinstance(spec, list):  # a list may hold expansions too: ["2403", "lan:09"]
        out: list[str] = []
        for a in spec:
            group = isinstance(a, str) and (a.startswith("lan:") or a in ("kommuner", "all"))
            out += _expand_areas(a) if group else [reg.resolve(a).code]
        return out
    if isinstance(spec, str) and spec.startswith("lan:"):
        lan = reg.resolve(spec[4:])
        if lan.level != "lan":
            hint = reg.namesake_hint(spec[4:], lan, "lan")
            en, sv = _BATCH_TEXTS.both("areas_not_a_lan", spec=spec, area=lan.label(), hint=hint)
            raise ParameterError(en, sv=sv)
        return [a.code for a in reg.children(lan.code) if a.level == "kommun"]
    if spec in ("kommuner", "all"):
        return [a.code for a in reg.by_level("kommun")]
    en, sv = _BATCH_TEXTS.both("areas_spec", spec=spec)
    raise ParameterError(en, sv=sv)


class Tasks(list[Task]):
    """The tasks of a schedule (:func:`expand_schedule`), with the areas it left out.

    A list of :class:`Task`, as before; ``skipped`` holds what ``each.areas`` named that no
    task was made for (the pilot, which is not its own candidate), each worded in both
    languages with its job, for the batch's closing lines, log and index.
    """

    skipped: list[Both]

    def __init__(self, tasks: Sequence[Task] = (), skipped: Sequence[Both] = ()) -> None:
        super().__init__(tasks)
        self.skipped = list(skipped)


def _pilot_code(job: Mapping[str, Any], base: Mapping[str, Any]) -> str | None:
    """The code of a job's pilot: its ``pilot`` parameter, else its notebook's default."""
    from research.geo.registry import load_areas

    from .params import read_params

    pilot = base.get("pilot")
    try:
        if pilot is None:
            pilot = {p.name: p.default for p in read_params(job["notebook"])}.get("pilot")
        return load_areas().resolve(pilot).code if isinstance(pilot, str) and pilot else None
    except PilotbenchError:  # no such notebook or area: the job's own check says so
        return None


def expand_schedule(schedule: dict[str, Any], source: str = "schedule") -> Tasks:
    """Turn a schedule into tasks (one per notebook x area), in order, without duplicates.

    The same task listed twice, spelt the same (a kommun of a län's expansion that also has
    a job of its own), runs once. Entries that would write the same report folder but are
    written differently (``candidate = "0126"`` in one job, ``candidate = "Huddinge"`` in
    another) are refused, as is an ``each.areas`` list naming a kommun twice: one of them
    would silently replace the other's report, so the user is told to remove one. So is a
    parameter given in ``parameters`` and again by ``each``: one would override the other.

    The job's pilot (its ``pilot`` parameter, by name or code, else the notebook's default)
    is left out of an ``each`` expansion, as it is not its own candidate; the returned
    :class:`Tasks` says so in ``skipped``, which the batch's closing lines, log and index
    repeat. So is an area of an ``each`` expansion whose parameters the report refuses (its
    data cannot support it), with the report's reason, unless the job has no area the report
    accepts: then the first refusal is raised.

    Raises
    ------
    ParameterError
        Naming the schedule and the job(s) (and, for a clash, the report folder); jobs are
        named by number and line (:func:`job_name`).
    """
    jobs = schedule.get("job") or schedule.get("jobs") or []
    if not jobs:
        en, sv = _BATCH_TEXTS.both("no_jobs", source=source)
        raise ParameterError(en, sv=sv)

    name = _names_of(source, schedule).job  # the file read once, if it was not loaded

    tasks: list[Task] = []
    jobs_of: list[int] = []  # the job number of each task, for the messages
    written: list[dict[str, Any]] = []  # each task's parameters as the schedule spells them
    each_of: list[str | None] = []  # the `each` parameter a task's area came from, if any
    skipped: list[Both] = []
    for i, job in enumerate(jobs, start=1):
        if "notebook" not in job:
            en, sv = _BATCH_TEXTS.both("job_no_notebook", source=source, job=name(i))
            raise ParameterError(en, sv=sv)
        base = dict(job.get("parameters", {}))
        each = job.get("each")
        if each is None:
            tasks.append(Task(job["notebook"], base))
            jobs_of.append(i)
            written.append(base)
            each_of.append(None)
            continue
        param = each.get("parameter")
        if not param or "areas" not in each:
            en, sv = _BATCH_TEXTS.both("each_incomplete", source=source, job=name(i))
            raise ParameterError(en, sv=sv)
        if param in base:
            en, sv = _BATCH_TEXTS.both(
                "each_parameter_twice",
                source=source,
                job=name(i),
                param=param,
                value=repr(base[param]),
            )
            raise ParameterError(en, sv=sv)
        try:  # an unknown area or län names the schedule and the job, as other mistakes do
            codes = _expand_areas(each["areas"])
        except PilotbenchError as exc:
            en, sv = _BATCH_TEXTS.both(
                "each_areas_where",
                source=source,
                job=name(i),
                message=Both(en=str(exc), sv=exc.message("sv")),
            )
            exc.message_sv = sv
            exc.args = (en, *exc.args[1:])
            raise
        if not codes:
            en, sv = _BATCH_TEXTS.both("each_areas_empty", source=source, job=name(i))
            raise ParameterError(en, sv=sv)
        spelt = each["areas"] if isinstance(each["areas"], list) else codes
        _check_each_once(codes, spelt, source, name(i))
        pilot = _pilot_code(job, base) if param != "pilot" else None
        for code, as_written in zip(codes, spelt, strict=True):
            if code == pilot:  # not its own candidate: left out, and said so
                from research.geo.registry import load_areas

                skipped.append(
                    _BATCH_TEXTS.phrase(
                        "skipped_pilot",
                        job=name(i),
                        param=param,
                        area=load_areas().get(code).label(),
                    )
                )
                continue
            tasks.append(Task(job["notebook"], base | {param: code}))
            jobs_of.append(i)
            written.append(base | {param: as_written})
            each_of.append(param)
    unique, refused, ran = _checked_tasks(
        list(zip(tasks, jobs_of, written, each_of, strict=True)), source, name
    )
    unique.skipped = skipped + _refused_areas(refused, ran, jobs)
    return unique


def _checked_tasks(
    entries: list[tuple[Task, int, dict[str, Any], str | None]],
    source: str,
    name: Callable[[int], Both],
) -> tuple[Tasks, dict[int, list[tuple[Task, PilotbenchError]]], set[int]]:
    """:func:`expand_schedule`'s tasks, each once, validated; report folders checked.

    ``entries`` are ``(task, job number, parameters as written, each parameter or None)``.
    Returns the tasks, the refusals of ``each`` areas by job and the jobs with an accepted
    task, for :func:`_refused_areas`.
    """
    seen: set[tuple[str, str]] = set()
    unique = Tasks()
    folders: dict[str, tuple[int, dict[str, Any]]] = {}  # report folder -> job, parameters
    # An area of an `each` expansion whose data cannot support the report (Vansbro without
    # a reported crime before the start, in a job over a whole län) is left out and said so,
    # as the pilot is; the others run. A job none of whose areas can run keeps the error:
    # then the mistake is the job's (a misspelt parameter), not one area's.
    refused: dict[int, list[tuple[Task, PilotbenchError]]] = {}
    ran: set[int] = set()
    for t, i, spelt, param in entries:
        key = (t.notebook, json.dumps(t.parameters, sort_keys=True))
        if key in seen:
            continue
        seen.add(key)
        try:
            folder = _check_task(t, source, name(i))
        except PilotbenchError as exc:
            if param is None:
                raise
            refused.setdefault(i, []).append((t, exc))
            continue
        ran.add(i)
        if folder is not None:
            if folder in folders:
                j, first = folders[folder]
                _refuse_shared_folder(folder, (name(j), first), (name(i), spelt), source)
            folders[folder] = (i, spelt)
        unique.append(t)
    return unique, refused, ran


def _refused_areas(
    refused: dict[int, list[tuple[Task, PilotbenchError]]], ran: set[int], jobs: list[dict]
) -> list[Both]:
    """What :func:`expand_schedule` says of the ``each`` areas the report refused.

    Raises the first refusal of a job none of whose areas the report accepts.
    """
    from research.geo.registry import load_areas

    out = []
    for i, failures in refused.items():
        if i not in ran:
            raise failures[0][1]
        param = jobs[i - 1]["each"]["parameter"]
        out += [
            _BATCH_TEXTS.phrase(
                "skipped_invalid",
                param=param,
                area=load_areas().get(t.parameters[param]).label(),
                message=Both(en=str(exc), sv=exc.message("sv")),
            )
            for t, exc in failures
        ]
    return out


def _check_each_once(codes: Sequence[str], spelt: Sequence[Any], source: str, job: Both) -> None:
    """Refuse an ``each.areas`` list that names one area twice (``"0126"``, ``"Huddinge"``)."""
    first: dict[str, Any] = {}
    for code, as_written in zip(codes, spelt, strict=True):
        if code in first:
            from research.geo.registry import load_areas

            en, sv = _BATCH_TEXTS.both(
                "each_area_twice",
                source=source,
                job=job,
                area=load_areas().resolve(code).label(),
                first=repr(first[code]),
                second=repr(as_written),
            )
            raise ParameterError(en, sv=sv)
        first[code] = as_written


def _refuse_shared_folder(
    folder: str, one: tuple[Both, dict[str, Any]], other: tuple[Both, dict[str, Any]], source: str
) -> None:
    """Refuse two entries that would write one report folder, naming both and the folder.

    Each job is shown with the parameters in which the two differ, as the schedule spells
    them (``job 1 (line 1) with candidate = '0126' and job 2 (line 5) with candidate =
    'Huddinge'``).
    """
    (i, a), (j, b) = one, other
    differ = [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]

    def shown(params: dict[str, Any]) -> Both:
        pairs = ", ".join(f"{k} = {params[k]!r}" for k in differ if k in params)
        return (
            _BATCH_TEXTS.phrase("same_report_folder_params", pairs=pairs) if pairs else Both("", "")
        )

    en, sv = _BATCH_TEXTS.both(
        "same_report_folder",
        source=source,
        first=i,
        first_params=shown(a),
        second=j,
        second_params=shown(b),
        folder=folder,
    )
    raise ParameterError(en, sv=sv)


def _check_task(task: Task, source: str, job: Both) -> str | None:
    """Validate a task's parameters as ``pilotbench report`` does, naming schedule and job.

    A misspelt name or a bad value (``candidat = ...``, ``start_year = "abc"``, ``candidate
    = "Hudinge"``) stops the batch before any kernel starts, as a misspelt notebook does,
    instead of failing each of its reports at run time.

    Returns
    -------
    str or None
        The report folder the task writes (:func:`research.runner.report.report_slug`);
        ``None`` for a notebook that cannot be found (the command line names it).
    """
    from .params import notebook_path, validate

    try:
        notebook_path(task.notebook)
    except PilotbenchError:
        return None  # the command line names a misspelt notebook with its [[job]] entry
    try:
        given = validate(task.notebook, task.parameters)
    except PilotbenchError as exc:
        en, sv = _BATCH_TEXTS.both(
            "job_where", source=source, job=job, message=Both(en=str(exc), sv=exc.message("sv"))
        )
        exc.message_sv = sv
        exc.args = (en, *exc.args[1:])
        raise
    return _task_slug(task, given)


def _task_slug(task: Task, given: Mapping[str, Any]) -> str:
    """The report folder of ``task`` run with the validated parameters ``given``.

    As :func:`research.runner.report.run_report` names it: :func:`~.report.report_slug` of
    ``given`` over the notebook's defaults.

    Raises
    ------
    PilotbenchError
        The notebook cannot be found or read.
    """
    from .params import read_params
    from .report import report_slug

    defaults = {p.name: p.default for p in read_params(task.notebook)}
    return report_slug(Path(task.notebook).stem, defaults | dict(given), defaults)


# -- lock and logs --------------------------------------------------------------------------


@contextmanager
def batch_lock(root: Path) -> Iterator[Path]:
    """Hold ``reports/.batch.lock`` for the duration; raise if another batch holds it."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / ".batch.lock"
    fh = open(path, "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            fh.seek(0)
            holder = fh.read().strip() or _BATCH_TEXTS.phrase("batch_lock_holder_unknown")
            en, sv = _BATCH_TEXTS.both("batch_locked", holder=holder, path=path)
            raise BatchLockedError(en, sv=sv) from exc
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {dt.datetime.now().isoformat(timespec='seconds')}\n")
        fh.flush()
        yield path
    finally:
        fh.close()


def _setup_logging(root: Path) -> Path:
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    path = logs / f"batch-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False
    return path


# -- workers ------------------------------------------------------------------------------


def _data_check_main() -> None:
    """Child process (``python -c``): check the data, print the footer's coverage, pickled.

    Loading the panel verifies the checksums and builds the Parquet cache (once, before any
    kernel reads it); the coverage goes back to the parent, so that the parent never holds
    the panel (polars' reader and the frame, about 60 MiB) while the kernels run. The data
    folder is the first argument.
    """
    import pickle

    from .startup import skip_slow_optional_imports

    skip_slow_optional_imports()
    from research.data.panel import load_panel

    from .report import coverage_entries

    base = Path(sys.argv[1])
    load_panel(base)
    sys.stdout.buffer.write(pickle.dumps(coverage_entries(base)))


def _checked_coverage(base: Path) -> dict:
    """Check the data in a short-lived child; return the footer coverage for the reports.

    A plain subprocess, not ``multiprocessing`` (whose resource tracker would stay for the
    whole batch). If the child fails, the parent repeats the check, so a data problem
    surfaces as the usual :class:`~research.core.errors.DataError` with its message.
    """
    import pickle
    import subprocess

    code = "from research.runner.batch import _data_check_main; _data_check_main()"
    proc = subprocess.run([sys.executable, "-c", code, str(base)], capture_output=True, check=False)
    if proc.returncode == 0:
        try:
            return pickle.loads(proc.stdout)
        except Exception as exc:  # a child that printed something else: check here
            log.warning("data check child gave no coverage (%s); checking here", exc)
    else:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:]
        log.warning("data check in a child process failed (%s); checking here", tail)
    from research.data.panel import load_panel

    load_panel(base)  # raises the DataError the user must see
    return _footer_coverage()


def _kernel_exit(session: Any) -> tuple[str, str] | None:
    """How a session's kernel ended, in English and Swedish; ``None`` if it is alive.

    ``("SIGKILL", "SIGKILL")``, ``("exit status 1", "slutstatus 1")``.
    """
    km = getattr(session, "km", None)
    if km is None:
        return None
    try:
        if km.is_alive():
            return None
        code = km.provisioner.process.poll() if km.provisioner is not None else None
    except Exception:  # a provisioner without a process: we only know it is gone
        code = None
    if code is None:
        return _TEXTS.both("kernel_exit_unknown")
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            return _TEXTS.both("kernel_exit_signal", signal=-code)
        return name, name
    return _TEXTS.both("kernel_exit_status", code=code)


_BLOCKING_CLIENT = "research.runner.kernel.ProjectBlockingClient"
_ASYNC_CLIENT = "research.runner.kernel.ProjectAsyncClient"


def _thread_session() -> Any:
    """A warm kernel session whose kernel manager hands papermill an asynchronous client.

    With the blocking client of :class:`~research.runner.kernel.KernelSession`'s manager,
    nbclient waits for the kernel's output in a blocking call that never returns when the
    kernel dies (killed, out of memory): its once-a-second liveness check cannot run. A worker
    process died with its kernel, so that never showed; a worker thread would hang the batch.
    The asynchronous client (what papermill uses with a kernel of its own) lets nbclient see
    the death and raise ``DeadKernelError``. The session's own reset between reports still
    uses the blocking client.
    """
    from .kernel import KernelSession

    class _Session(KernelSession):
        def ready(self) -> Any:
            if self.km is not None:
                self.km.client_class = _BLOCKING_CLIENT
            km = super().ready()
            km.client_class = _ASYNC_CLIENT
            return km

    return _Session()


@dataclass
class _Slot:
    """One warm kernel of a local batch: its session, lent to one report at a time."""

    index: int
    session: Any


def _footer_coverage() -> dict:
    """The report footer's coverage of the current data, for the workers (empty if unknown)."""
    from research.core.paths import data_dir

    from .report import coverage_entries

    try:
        return coverage_entries(data_dir())
    except PilotbenchError:
        return {}


@contextmanager
def _batch_process_state(log_path: Path) -> Iterator[Any]:
    """Set up this process for local workers; restore it afterwards.

    * File descriptor 2 goes to the batch log: the kernels inherit it, so their chatter
      (and papermill's) lands in the log as it did from the worker processes; the progress
      bar writes to the terminal through a duplicate of the old descriptor (yielded).
    * ``PILOTBENCH_REPORT=1`` for the whole batch: :func:`~research.runner.report.run_report`
      sets and restores it around each report, which is only safe across threads when the
      value it restores is the one it sets.
    * The working folder, which papermill changes (and restores) around each execution;
      concurrent threads can leave it changed, so it is put back at the end.
    * ``PILOTBENCH_DATA`` made absolute for the same reason.
    """
    from research.core.paths import data_dir

    cwd = os.getcwd()
    env = {k: os.environ.get(k) for k in ("PILOTBENCH_REPORT", "PILOTBENCH_DATA")}
    os.environ["PILOTBENCH_REPORT"] = "1"
    if env["PILOTBENCH_DATA"]:
        os.environ["PILOTBENCH_DATA"] = str(data_dir().resolve())
    pm_log = logging.getLogger("papermill")
    pm_level = pm_log.level
    pm_log.setLevel(logging.ERROR)
    sys.stderr.flush()
    saved = os.dup(2)
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    term = os.fdopen(os.dup(saved), "w", buffering=1, encoding="utf-8")
    try:
        os.dup2(fd, 2)
        yield term
    finally:
        os.close(fd)
        term.close()
        os.dup2(saved, 2)
        os.close(saved)
        os.chdir(cwd)
        pm_log.setLevel(pm_level)
        for k, v in env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _preload_modules(paths: Sequence[Path]) -> list[str]:
    """The ``research`` modules the batch's notebooks import (kernels import them at start)."""
    from .kernel_launch import notebook_imports

    preload: list[str] = []
    for nb_path in dict.fromkeys(paths):
        try:
            nb = json.loads(nb_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        preload += [m for m in notebook_imports(nb) if m not in preload]
    return preload


def _run_task(
    slot: _Slot,
    task: Task,
    path: Path,
    root: Path,
    release: Callable[[], None],
    commit: str | None = None,
) -> TaskResult:
    """Run one report on the slot's kernel; a failure is returned, never raised.

    ``release`` hands the kernel on: called once the notebook has run (the HTML is then
    written while the kernel serves the next report), or after a failed run once the kernel
    has been examined and restarted. Exactly once either way. ``commit`` is the checkout's,
    read once for the batch.
    """
    from .report import run_report

    t0 = time.perf_counter()
    released = False

    def executed() -> None:
        nonlocal released
        if not released:
            released = True
            release()

    try:  # after a failure the session starts a new kernel, as it started the first one
        res = run_report(
            str(path),
            task.parameters,
            output_root=root,
            kernel=slot.session,
            on_executed=executed,
            commit=commit,
        )
        out = TaskResult(task, "ok", time.perf_counter() - t0, str(res.html))
    except Exception as exc:  # report it, keep serving
        died = None if released else _kernel_exit(slot.session)
        if died is not None:
            detail = _TEXTS("kernel_died", "en", died=died[0])
            detail_sv = _TEXTS("kernel_died", "sv", died=died[1])
        elif isinstance(exc, PilotbenchError):
            detail, detail_sv = str(exc), exc.message("sv")
        else:
            detail = detail_sv = "".join(traceback.format_exception_only(exc)).strip()
        if not released:  # failed on the kernel: a clean one for the next report
            slot.session.restart()
        out = TaskResult(task, "failed", time.perf_counter() - t0, None, detail, error_sv=detail_sv)
    finally:
        executed()
    out.worker = slot.index
    _release_freed_memory()
    return out


def _release_freed_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc ``malloc_trim``); no-op elsewhere.

    Each report passes an executed notebook with its images, nbconvert's page and papermill's
    messages through this process; glibc keeps the freed memory in the worker threads' arenas.
    Trimming after each report (well under a millisecond) lowers this process's RSS between
    reports by 5-20 MiB; at the peak of the tree's sum the gain is small and noisy (issue 17,
    benchmarks/README.md).
    """
    malloc_trim = _glibc("malloc_trim")
    if malloc_trim is not None:
        malloc_trim(0)


def _glibc(name: str) -> Any:
    """The glibc function ``name`` (through :mod:`ctypes`), or ``None`` elsewhere."""
    import ctypes

    try:
        return getattr(ctypes.CDLL("libc.so.6"), name)
    except (OSError, AttributeError):
        return None


def _limit_heap_growth() -> bool:
    """Two heaps for this process's threads, and large blocks in mappings of their own (glibc).

    The batch's threads (two per kernel, jupyter_client's, papermill's event loops) each get a
    heap (arena) of their own by default, and glibc raises the size from which it maps a block
    separately (128 KiB at start) whenever such a block is freed, so after the first report the
    executed notebooks, their images and the pages (hundreds of KiB each) come from those
    heaps, where a few small live objects pin the freed pages even after
    :func:`_release_freed_memory`. At most two heaps, and the threshold kept at 128 KiB: the
    peak of the batch's memory (25 reports, 2 kernels) lower in 7 of 9 interleaved pairs and
    equal in 2, median 3 MiB (issue 17, benchmarks/README.md). The settings stay for the
    process.

    Returns
    -------
    bool
        Whether the C library took them (``False`` elsewhere than glibc).
    """
    mallopt = _glibc("mallopt")
    if mallopt is None:
        return False
    arenas = mallopt(-8, 2)  # M_ARENA_MAX, before the batch's threads start
    threshold = mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD (no longer raised by glibc)
    return arenas == 1 and threshold == 1


def _start_kernels(slots: Sequence[_Slot], paths: Sequence[Path]) -> None:
    """Start the slots' kernels (importing the notebooks' modules), then check the data.

    The data check runs in a child process while the kernels start; if it fails (bad data)
    or is interrupted, the kernels are stopped before the error propagates.
    """
    from research.core.paths import data_dir

    from .report import seed_coverage

    preload = _preload_modules(paths)
    try:
        for slot in slots:
            slot.session.start(preload=preload, cwd=paths[0].parent)
        seed_coverage(_checked_coverage(data_dir().resolve()))
    except BaseException:  # bad data (DataError), Ctrl-C: no kernel left behind
        for slot in slots:
            slot.session.shutdown()
        raise


def _next_free(free: Any, stop: Any) -> _Slot | None:
    """The next kernel handed back to ``free``; ``None`` once ``stop`` is set (Ctrl-C)."""
    import queue

    while not stop.is_set():
        try:
            return free.get(timeout=0.5)
        except queue.Empty:
            continue
    return None


def _run_local(
    tasks: Sequence[Task], workers: int, root: Path, progress: bool, bar_file: Any = None
) -> list[TaskResult]:
    """Run ``tasks`` on ``workers`` warm kernels, driven by threads of this process.

    A thread waits on a kernel (papermill's client) and then exports the HTML; the kernels,
    one process each, do the work. Compared with one worker process per kernel, this saves
    a Python process holding papermill, nbconvert and pilotbench per worker (about 140 MiB
    RSS each, issue 17). Two threads share each kernel: a report hands its kernel on as soon
    as its notebook has run, so the kernel starts the next report while the first one's HTML
    is exported and written (issue 17: a kernel otherwise idles ~0.25 s per report). A kernel
    that dies (killed, out of memory) fails only its report; the next report on it starts a
    new kernel.
    """
    import functools
    import queue
    import threading

    from tqdm import tqdm

    from research.data.provenance import git_commit

    from .params import notebook_path

    results: list[TaskResult | None] = [None] * len(tasks)
    _limit_heap_growth()
    paths = [notebook_path(t.notebook).resolve() for t in tasks]
    # Kernels start first and import what the notebooks import while the data are checked.
    slots = [_Slot(i, _thread_session()) for i in range(min(workers, len(tasks)))]
    _start_kernels(slots, paths)
    # Once for the batch, not twice a report: two git processes forked from this process per
    # report (a sampler can catch one before it runs git, with this process's ~80 MiB).
    commit = git_commit()
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in range(len(tasks)):
        todo.put(i)
    free: queue.SimpleQueue[_Slot] = queue.SimpleQueue()
    for slot in slots:
        free.put(slot)
    done: queue.SimpleQueue[tuple[int, TaskResult]] = queue.SimpleQueue()
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                i = todo.get_nowait()
            except queue.Empty:
                return
            slot = _next_free(free, stop)
            if slot is None:
                return
            release = functools.partial(free.put, slot)
            done.put((i, _run_task(slot, tasks[i], paths[i], root, release, commit)))

    bar = tqdm(
        total=len(tasks),
        unit="report",
        desc="batch",
        disable=not progress,
        dynamic_ncols=True,
        file=bar_file or sys.stderr,
    )
    failures = 0
    threads = [
        threading.Thread(target=serve, name=f"pilotbench-worker-{k}", daemon=True)
        for k in range(min(2 * len(slots), len(tasks)))
    ]
    try:
        for t in threads:
            t.start()
        for _ in range(len(tasks)):
            while True:  # with a timeout, so that Ctrl-C reaches this thread
                try:
                    i, res = done.get(timeout=0.5)
                    break
                except queue.Empty:
                    if not any(t.is_alive() for t in threads) and done.empty():
                        raise RuntimeError("batch worker threads stopped early") from None
            results[i] = res
            if res.status != "ok":
                failures += 1
                log.error("%s failed: %s", tasks[i].label, res.error)
            else:
                log.info("%s ok in %.1f s -> %s", tasks[i].label, res.seconds, res.html)
            bar.set_postfix(failed=failures)
            bar.update(1)
    finally:
        stop.set()
        bar.close()
        for t in threads:
            t.join(timeout=30)
        for slot in slots:
            slot.session.shutdown()
    return [r for r in results if r is not None]


#: The warm kernel of this Dask worker process (created by its first task).
_DASK_SESSION = None

#: How long ``--dask`` waits for the scheduler to answer (a distributed timeout string).
DASK_CONNECT_TIMEOUT = "20s"


def _dask_task(notebook: str, params: dict[str, Any], output_root: str) -> tuple:
    """Run one report on a Dask worker, keeping a warm kernel per worker process."""
    from .kernel import KernelSession
    from .report import run_report

    global _DASK_SESSION
    if _DASK_SESSION is None:
        _DASK_SESSION = KernelSession()
    t0 = time.perf_counter()
    try:
        res = run_report(notebook, params, output_root=Path(output_root), kernel=_DASK_SESSION)
        return ("ok", str(res.html), time.perf_counter() - t0, None, None)
    except Exception as exc:
        _DASK_SESSION.restart()
        sv = exc.message("sv") if isinstance(exc, PilotbenchError) else str(exc)
        return ("failed", None, time.perf_counter() - t0, str(exc), sv)


def _run_dask(tasks: Sequence[Task], address: str, root: Path, progress: bool) -> list[TaskResult]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        en, sv = _BATCH_TEXTS.both("dask_missing")
        raise PilotbenchError(en, sv=sv) from exc
    from tqdm import tqdm

    results: list[TaskResult | None] = [None] * len(tasks)
    try:
        client = Client(address, timeout=DASK_CONNECT_TIMEOUT)
    except (OSError, ValueError, TypeError) as exc:  # nothing answers there, or no address
        en, sv = _TEXTS.both("dask_unreachable", address=address, cause=str(exc).splitlines()[0])
        raise PilotbenchError(en, sv=sv) from None
    with client:
        futures = {
            client.submit(_dask_task, t.notebook, t.parameters, str(root), pure=False): i
            for i, t in enumerate(tasks)
        }
        bar = tqdm(
            total=len(tasks),
            unit="report",
            desc="batch (dask)",
            disable=not progress,
            file=sys.stderr,
        )
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                status, html, secs, err, err_sv = fut.result()
            except Exception as exc:  # a worker lost mid-task
                status, html, secs = "failed", None, 0.0
                err, err_sv = _TEXTS.both("dask_worker_failed", cause=str(exc))
            results[i] = TaskResult(tasks[i], status, secs, html, err, error_sv=err_sv)
            bar.update(1)
        bar.close()
    return [r for r in results if r is not None]


# -- the batch ------------------------------------------------------------------------------


def run_batch(
    tasks: Sequence[Task],
    *,
    workers: int | None = None,
    output_root: Path | None = None,
    dask: str | None = None,
    progress: bool = True,
    lang: str = "sv",
    schedule: str | Path | None = None,
) -> BatchResult:
    """Run ``tasks`` and write ``index.html``; see the module docstring.

    Parameters
    ----------
    tasks
        From :func:`expand_schedule`.
    workers
        Kernels run in parallel, each driven by a thread of this process (default: the
        number of CPUs).
    output_root
        Reports folder (default ``reports/``).
    dask
        Address of an existing Dask scheduler to send the runs to instead of local workers.
    progress
        Show a progress bar with ETA on stderr.
    lang
        Language of the index page, ``"sv"`` (default) or ``"en"`` (the schedule's
        ``[batch] lang``).
    schedule
        The schedule file the tasks came from: the index then says what changed since the
        previous run of the same schedule.

    The areas :func:`expand_schedule` left out (``tasks.skipped``, the pilot of an ``each``
    expansion) are written to the log and the index, and returned in
    :attr:`BatchResult.skipped` for the command's closing lines.

    Raises
    ------
    BatchLockedError
        If another batch is running on the same reports folder.
    """
    from .params import validate

    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):  # fmt: skip
        en, sv = _TEXTS.both("workers_not_positive", workers=workers)
        raise ArgumentError(en, sv=sv)
    t0 = time.perf_counter()
    # Absolute: papermill changes this process's working folder while a report runs.
    root = (output_root or reports_dir()).resolve()
    with batch_lock(root):
        log_path = _setup_logging(root)
        log.info("batch of %d tasks, workers=%s, dask=%s", len(tasks), workers, dask)
        skipped = list(getattr(tasks, "skipped", []))
        for left_out in skipped:
            log.info("left out: %s", left_out.en)
        if dask:
            from research.data.panel import load_panel  # not in local batches' process

            load_panel()  # shared work, once: verify checksums and build the cache
        # (local runs check the data in a short-lived child while the kernels start)
        results: list[TaskResult] = []
        runnable: list[Task] = []
        for t in tasks:
            try:
                validate(t.notebook, t.parameters)
                runnable.append(t)
            except PilotbenchError as exc:
                en = _TEXTS("invalid_parameters", "en", message=str(exc))
                sv = _TEXTS("invalid_parameters", "sv", message=exc.message("sv"))
                results.append(TaskResult(t, "failed", 0.0, None, en, error_sv=sv))
                log.error("%s invalid: %s", t.label, exc)
        if runnable:
            if dask:
                results += _run_dask(runnable, dask, root, progress)
            else:
                with _batch_process_state(log_path) as term:
                    results += _run_local(
                        runnable, workers or os.cpu_count() or 1, root, progress, term
                    )
        index = write_index(root, results, lang=lang, schedule=schedule, skipped=skipped)
        out = BatchResult(results, index, log_path, time.perf_counter() - t0, skipped)
        log.info(
            "batch done in %.1f s: %d ok, %d failed",
            out.seconds,
            len(results) - len(out.failed),
            len(out.failed),
        )
        (root / "logs" / "last-batch.json").write_text(
            json.dumps(
                [asdict(r) | {"task": asdict(r.task)} for r in results],
                indent=1,
                ensure_ascii=False,
                default=str,
            )
        )
        return out


_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)


def _report_title(page: Path) -> str | None:
    """The ``<title>`` of a report page (read from its head only), unescaped."""
    try:
        with page.open(encoding="utf-8", errors="replace") as f:
            head = f.read(65536)
    except OSError:
        return None
    m = _TITLE.search(head)
    return html_lib.unescape(m.group(1)).strip() or None if m else None


#: The representation of an output a reader sees, richest first (nbconvert's HTML order).
_DISPLAY_PRIORITY = (
    "text/html",
    "application/pdf",
    "text/latex",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/markdown",
    "text/plain",
)

#: A memory address in an object's repr (``<research.views.html.Html at 0x7efea80a6150>``):
#: different in every kernel, so no part of what a report shows.
_ADDRESS = re.compile(r"\bat 0x[0-9A-Fa-f]+")


def _unaddressed(text: Any) -> str:
    """``text`` (a string or a notebook's list of lines) as one string, addresses masked."""
    if isinstance(text, list):
        text = "".join(str(t) for t in text)
    return _ADDRESS.sub("at 0x?", str(text))


def _shown_output(out: dict[str, Any]) -> Any:
    """What the reader sees of one output; ``None`` for what the page does not show."""
    kind = out.get("output_type")
    if kind == "stream":
        if out.get("name") == "stderr":
            return None
        return ["stream", out.get("name"), _unaddressed(out.get("text", ""))]
    if kind in ("display_data", "execute_result"):
        data = out.get("data") if isinstance(out.get("data"), dict) else {}
        shown = next((m for m in _DISPLAY_PRIORITY if m in data), None)
        if shown is None:  # only other types (JSON, a widget): all of them
            return [
                "data",
                {m: _unaddressed(json.dumps(v, sort_keys=True)) for m, v in data.items()},
            ]
        return ["data", shown, _unaddressed(data[shown])]
    if kind == "error":
        trace = [_unaddressed(line) for line in out.get("traceback", [])]
        return ["error", out.get("ename"), _unaddressed(out.get("evalue", "")), trace]
    return [kind, {k: v for k, v in out.items() if k not in ("execution_count", "metadata")}]


def report_digest(folder: Path) -> str | None:
    """A digest of what a report shows: the outputs of its executed notebook.

    Of each output only what the page shows counts: its richest representation (HTML, an
    image, ...; the ``text/plain`` repr beside it is left out, ``"<...Html at 0x7efe...>"``
    differs in every kernel), stdout text, and errors, with memory addresses (``at 0x...``)
    masked. Execution counts, stderr streams, output and notebook metadata (times, staging
    paths) are left out, so two runs that show the same text, tables and charts have the
    same digest, and a changed number or chart a different one. ``None`` when the notebook
    cannot be read.
    """
    try:
        nb = json.loads((folder / "notebook.ipynb").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    shown = []
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        for out in cell.get("outputs", []):
            seen = _shown_output(out) if isinstance(out, dict) else None
            if seen is not None:
                shown.append(seen)
    blob = json.dumps(shown, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


def _schedule_key(schedule: str | Path | None) -> str | None:
    if schedule is None:
        return None
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(str(schedule)).stem) or "schedule"


def _failed_slug(task: Task) -> str | None:
    """The report folder a failed task would have written (``None`` if it cannot be told)."""
    from .params import validate

    try:  # names of areas become codes, as in the folder the report was written to
        given = validate(task.notebook, task.parameters)
    except PilotbenchError:
        given = dict(task.parameters)
    try:
        return _task_slug(task, given)
    except PilotbenchError:
        return None


def _with_skipped(page: str, skipped: Sequence[Both], lang: str, schedule: str | None) -> str:
    """``page`` with the list of what the batch left out, above the table of reports.

    The page (:func:`research.views.batch_index.page.index_page`) lists reports and failed
    tasks; an area the schedule's ``each`` named and the batch left out (the pilot) is
    neither, and the index said nothing of it. The list goes before the table (at the end of
    the body if there is none).
    """
    if not skipped:
        return page
    heading = (
        _BATCH_TEXTS("index_skipped", lang, schedule=schedule)
        if schedule
        else _BATCH_TEXTS("index_skipped_no_schedule", lang)
    )
    items = "".join(f"<li>{html_lib.escape(getattr(s, lang))}</li>" for s in skipped)
    note = f'<div class="skipped"><p>{html_lib.escape(heading)}</p><ul>{items}</ul></div>\n'
    at = page.find("<table")
    if at < 0:
        at = page.rfind("</body>")
    return page[:at] + note + page[at:] if at >= 0 else page + note


def write_index(  # noqa: C901 - one pass over the runs: status, change since last run, each row
    root: Path,
    batch: Sequence[TaskResult] = (),
    *,
    lang: str = "sv",
    schedule: str | Path | None = None,
    skipped: Sequence[Both] = (),
) -> Path:
    """Write ``index.html``: every report folder under ``root`` plus this batch's failures.

    Each report is listed by its title (the link), the names of its areas, its language,
    status, creation time (Swedish local time) and run time, worded by
    :mod:`research.views.batch_index.page`. With ``schedule`` (the schedule file the batch
    ran) the index also says what changed since the previous run of the same schedule: each
    report of this batch is new, changed (its notebook's outputs differ,
    :func:`report_digest`) or unchanged, or failed (the previous version kept if there was
    one); reports of the previous run that this one did not make are marked. The state is
    kept in ``index.json`` next to the page (the index's manifest).

    Parameters
    ----------
    root
        The reports folder.
    batch
        Results of the batch just run (empty: only list the folders).
    lang
        Language of the page, ``"sv"`` (default) or ``"en"``.
    schedule
        The schedule file (or its name) the batch ran.
    skipped
        What the batch's schedule left out and why (:attr:`Tasks.skipped`): listed on the
        page above the table, and kept in ``index.json`` with the run.

    Returns
    -------
    pathlib.Path
        The index page.

    Raises
    ------
    ParameterError
        For an unknown language.
    """
    from research.core.fmt import check_lang
    from research.views.batch_index.page import IndexEntry, index_page

    lang = check_lang(lang)
    state_path = root / "index.json"
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
        if not isinstance(state, dict):
            state = {}
    except (OSError, json.JSONDecodeError):
        state = {}
    runs = state.get("schedules") if isinstance(state.get("schedules"), dict) else {}
    key = _schedule_key(schedule)
    previous = runs.get(key) if key else None
    prev_reports: dict[str, Any] = (previous or {}).get("reports", {}) if previous else {}

    folders: dict[str, dict[str, Any]] = {}
    for manifest in sorted(root.glob("*/manifest.json")):
        try:
            m = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(m, dict):
            folders[manifest.parent.name] = m

    this_run: dict[str, dict[str, Any]] = {}
    change: dict[str, str] = {}
    failed_entries = []
    for r in batch:
        if r.status == "ok" and r.html:
            slug = Path(r.html).parent.name
            digest = report_digest(root / slug)
            this_run[slug] = {"status": "ok", "digest": digest}
            old = prev_reports.get(slug)
            if previous is not None:
                if old is None or old.get("digest") is None:
                    change[slug] = "new"  # no report of it last time (absent or failed)
                else:
                    change[slug] = "unchanged" if old.get("digest") == digest else "changed"
        else:
            slug = _failed_slug(r.task)
            kept = slug is not None and slug in folders
            if slug is not None:
                this_run[slug] = {"status": "failed", "digest": None}
            failed_entries.append(
                IndexEntry(
                    notebook=r.task.notebook,
                    parameters=r.task.parameters,
                    status="failed",
                    seconds=r.seconds or None,
                    change="failed_kept" if kept else "failed",
                    error=r.error_in(lang) or "",
                )
            )
    if previous is not None:
        for slug in prev_reports:
            if slug not in this_run and slug in folders:
                change[slug] = "not_run"

    entries = []
    for slug, m in folders.items():
        generated = None
        try:
            generated = dt.datetime.fromisoformat(str(m.get("generated", "")))
        except ValueError:
            pass
        timings = m.get("timings_s") if isinstance(m.get("timings_s"), dict) else {}
        seconds = timings.get("total")
        entries.append(
            IndexEntry(
                notebook=str(m.get("notebook", "")),
                parameters=m.get("parameters") if isinstance(m.get("parameters"), dict) else {},
                status="ok" if m.get("status", "ok") == "ok" else "failed",
                href=f"{slug}/report.html",
                title=_report_title(root / slug / "report.html"),
                generated=generated,
                seconds=float(seconds) if isinstance(seconds, int | float) else None,
                change=change.get(slug),
            )
        )
    page = index_page(
        entries + failed_entries,
        lang=lang,
        schedule=Path(str(schedule)).name if schedule else None,
        compared=previous is not None,
    )
    page = _with_skipped(page, skipped, lang, Path(str(schedule)).name if schedule else None)
    if key:
        runs[key] = {
            "run": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "reports": this_run,
            "skipped": [getattr(s, lang) for s in skipped],
        }
    state = {"index": "index.html", "lang": lang, "schedules": runs}
    tmp_state = root / ".index.json.tmp"
    tmp_state.write_text(json.dumps(state, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp_state, state_path)
    path = root / "index.html"
    tmp = root / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return path
