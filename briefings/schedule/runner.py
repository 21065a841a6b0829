"""Scheduled publishing: which briefings are due when, and the scheduler that publishes them.

Contract. A briefing's ``schedule:`` in ``briefings.yaml`` is a five-field
crontab expression (minute hour day-of-month month day-of-week), read by
APScheduler 3's :meth:`CronTrigger.from_crontab
<apscheduler.triggers.cron.CronTrigger.from_crontab>` in the project's
``timezone:`` (an IANA name, default ``UTC``). :func:`cron_trigger` is the one
place that reads it: ``briefings check`` (through the model), ``schedule
--list``, ``schedule --once`` and the long-running :class:`Scheduler` all
agree on the syntax and on the times. Two rules on top of APScheduler's:

* Each wall-clock time a schedule names runs at most once. When clocks go
  back, the repeated hour's times run at their first (summer-time)
  occurrence only; APScheduler alone would run them twice.
* A wall-clock time that does not exist (clocks go forward over it) runs
  once, an hour later on the wall clock: at the same instant as just before
  the change (Europe/London's 01:30 on the last Sunday of March runs at
  01:30 UTC, shown as 02:30 BST). That is APScheduler's own behaviour.

Pure functions: :func:`load_schedules` (the schedules of a project, from
``briefings.yaml`` alone, so that a broken topic never hides a schedule),
:func:`next_runs`, :func:`last_run` (the latest scheduled time at or before an
instant), :func:`due_briefings` (what is due at an instant given the state),
:func:`read_state` / :func:`write_state` (``output/editions/schedule-state.json``,
the last scheduled run per briefing, replaced atomically) and
:func:`read_run_log` / :func:`append_runs` (``output/editions/runs.jsonl``,
one JSON object per briefing per run: ``time`` (ISO 8601 with offset, in the
project's zone), ``briefing``, ``outcome`` (``published``, ``unchanged`` or
``failed``), ``edition`` (a number or null), ``problems`` (one line each)
and ``seconds``).

:func:`run_once` is ``briefings schedule --once``: every briefing whose
scheduled time has come since its last scheduled run (a scheduled briefing
that has never run is due once, at its most recent scheduled time) goes into
ONE call of the publish function, so they share one build. The state
advances for every briefing publish reported on, failed ones included (the
failure is in the run log and the exit code; the next attempt is the next
scheduled time). When publish cannot attempt anything (it raises), every due
briefing is logged as failed, the state does not advance, and the error
propagates.

One run at a time: reading the state, deciding what is due, publishing,
appending to the run log and writing the state all happen under the
project's build lock (:mod:`briefings.lock`, handed to publish), so of two
overlapping runs the second sees what the first recorded: it waits for the
lock (up to ``wait`` seconds, calling ``on_wait`` once) and then finds that
scheduled time already run. A run that finds nothing due without the lock
returns at once, neither waiting nor writing; one that cannot take the lock
in time raises the lock's problem and writes nothing. The long-running
:class:`Scheduler` runs under the same lock and skips a briefing whose state
already records the scheduled time (a ``--once`` run made it).

Instants: the scheduler is asked about times in the years
:data:`FIRST_YEAR` to :data:`LAST_YEAR` only (``--now`` refuses others, as
a usage error; a state entry outside them is damaged): APScheduler's cron
reader knows no year before 1970, and the upper bound keeps time zone
offsets, the look-back and the next :data:`MAX_RUNS_LISTED` runs well
inside what :mod:`datetime` can represent.

:class:`Scheduler` wraps APScheduler's BackgroundScheduler: one job per
distinct schedule (briefings with the same schedule share a run), one run at
a time (one worker; ``max_instances=1``, ``coalesce``, no misfire limit), a
run never raises (an exception from publish is logged as a failure), and
``briefings.yaml`` is re-read when its bytes change (an invalid file is
reported and the previous schedule kept). :meth:`Scheduler.run_until_signalled`
stops cleanly on SIGINT or SIGTERM: no new run starts, the run in progress
finishes, then it returns.

Untrusted input: the state file and the run log are read only if they are
regular files inside the project (:func:`briefings.files.read_project_file`);
refused ones are :class:`~briefings.errors.Problem` s at their path, never
followed. A state file that is not what it should be (not JSON, wrong shape,
dates that do not parse) is a one-line notice and is started afresh (each
scheduled briefing is then due once); damaged lines of the run log are
skipped. Searching for times is bounded: at most :data:`MAX_RUNS_LISTED` times
are listed, a schedule that names no time that ever comes (``0 0 31 2 *``)
has none, and looking back stops after :data:`LOOKBACK`.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import os
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, available_timezones

from apscheduler.triggers.cron import CronTrigger

from briefings.errors import Problem, ProblemsFound, Severity, printable
from briefings.files import FileProblem, check_project_dir, list_topic_files, read_project_file, replace_file
from briefings.paths import EDITIONS_DIR, RUN_LOG, SCHEDULE_STATE_FILE

if TYPE_CHECKING:
    from briefings.build.publish import PublishReport, PublishResult
    from briefings.lock import BuildLock

STATE_VERSION = 1

#: The most run times :func:`next_runs` lists.
MAX_RUNS_LISTED = 100
#: How far back :func:`last_run` looks for a scheduled time (a schedule may name 29 February on a Monday).
LOOKBACK = datetime.timedelta(days=366 * 40)
#: The tail of the run log :func:`read_run_log` reads.
RUN_LOG_TAIL_BYTES = 5 * 1024 * 1024
#: How often the long-running scheduler looks at briefings.yaml for changes.
RELOAD_SECONDS = 2.0
#: The years an instant given to the scheduler may be in (see the module docstring; ``briefings schedule --help``
#: writes them out, tests/test_schedule.py checks that the two agree).
FIRST_YEAR = 1970
LAST_YEAR = 2999

_MICROSECOND = datetime.timedelta(microseconds=1)
_MINUTE = datetime.timedelta(minutes=1)
UTC = datetime.UTC

#: ``publish(root, *, only, now, wait, jobs, lock) -> PublishReport``: :func:`briefings.build.publish.publish` or a
#: stand-in; ``lock`` is the project's :class:`~briefings.lock.BuildLock`, already held by the caller.
PublishFunction = Callable[..., "PublishReport"]
Clock = Callable[[], datetime.datetime]


def system_clock() -> datetime.datetime:
    return datetime.datetime.now(UTC)


def in_range(instant: datetime.datetime) -> bool:
    """Whether ``instant`` (its date as written) is in the years :data:`FIRST_YEAR` to :data:`LAST_YEAR`."""
    return FIRST_YEAR <= instant.year <= LAST_YEAR


# -- reading schedules -------------------------------------------------------------------------------------


@functools.cache
def known_time_zones() -> frozenset[str]:
    """The IANA time zone names this machine knows (the system's database, or the tzdata package)."""
    return frozenset(available_timezones())


class _WallClockCronTrigger(CronTrigger):
    """APScheduler's cron trigger, firing each wall-clock time at most once (see the module docstring)."""

    def get_next_fire_time(self, previous_fire_time: datetime.datetime | None,
                           now: datetime.datetime) -> datetime.datetime | None:
        fire = super().get_next_fire_time(previous_fire_time, now)
        # The repeated hour holds at most 60 whole minutes; anything longer is bounded all the same.
        for _ in range(24 * 60):
            if fire is None or not _second_pass(fire, self.timezone):
                return fire
            fire = super().get_next_fire_time(fire, fire)
        return fire


def _second_pass(instant: datetime.datetime, zone: Any) -> bool:
    """Whether ``instant`` is the second occurrence of its wall-clock time (clocks went back over it)."""
    local = instant.astimezone(zone)
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


class CronProblem(ValueError):
    """Why a crontab expression is refused, in words for the user (the model puts it in its message)."""


#: Day-of-week names as crontab numbers them (0 and 7 are Sunday), and as APScheduler 3 names them.
_CRONTAB_WEEKDAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_APSCHEDULER_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # indexed by crontab number


def _crontab_day(text: str) -> int:
    name = text.lower()
    if name in _CRONTAB_WEEKDAYS:
        return _CRONTAB_WEEKDAYS[name]
    if text.isascii() and text.isdigit() and len(text) <= 2 and int(text) <= 7:
        return int(text) % 7 if int(text) == 7 else int(text)
    raise ValueError(f"{text!r} is not a day of the week (0-7 or sun-sat)")


def _weekdays_for_apscheduler(field_text: str) -> str:
    """A crontab day-of-week field (0 or 7 Sunday, 1 Monday …) as APScheduler 3 reads it (by name).

    APScheduler 3's ``from_crontab`` numbers days from Monday = 0 (its issue 286, kept for compatibility
    until 4.0), so ``1-5`` would mean Tuesday to Saturday; naming the days gives crontab's meaning.
    """
    if field_text == "*":
        return "*"
    days: list[int] = []
    for token in field_text.split(","):
        spec, _, step_text = token.partition("/")
        step = 1
        if step_text:
            if not (step_text.isascii() and step_text.isdigit() and len(step_text) <= 2 and int(step_text) > 0):
                raise ValueError(f"{token!r}: the step must be a number from 1")
            step = int(step_text)
        if spec == "*":
            first, last = 0, 6
        elif "-" in spec:
            start, _, end = spec.partition("-")
            first, last = _crontab_day(start), _crontab_day(end)
            if end == "7" or end.lower() == "sun" and first > 0:
                last = 7  # "5-7", "fri-sun": Friday to Sunday
            if first > last:
                raise ValueError(f"{token!r}: the range runs backwards")
        else:
            first = _crontab_day(spec)
            last = 6 if step_text else first  # "1/2": from Monday, every other day
        days.extend(day % 7 for day in range(first, last + 1, step))
    return ",".join(_APSCHEDULER_WEEKDAYS[day] for day in sorted(set(days)))


@functools.lru_cache(maxsize=4096)
def cron_trigger(expression: str, zone: str = "UTC") -> CronTrigger:
    """The trigger for a crontab ``expression`` in the IANA ``zone``; ValueError if either is invalid.

    The fields are crontab's: minute, hour, day of month, month, day of week (0 or 7 Sunday, or
    ``mon``…``sun``). A schedule may restrict the day of the month or the day of the week, not both:
    crontab runs such a line on days that match either, APScheduler only on days that match both, so
    it is refused (:class:`CronProblem`) rather than read one way or the other.
    """
    if zone not in known_time_zones():
        raise ValueError(f"unknown time zone {zone!r}")
    if len(expression) > 1000:  # a crontab line is short; parsing a huge one is work for nothing
        raise ValueError("expression too long")
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"wrong number of fields: {len(fields)}, expected 5")
    if fields[2] != "*" and fields[4] != "*":
        raise CronProblem("restricts both the day of the month and the day of the week, which crontab reads as "
                          "either and APScheduler as both: restrict only one (e.g. \"0 6 1 * *\" or \"0 6 * * 1\")")
    try:
        weekdays = _weekdays_for_apscheduler(fields[4])
        trigger = _WallClockCronTrigger.from_crontab(" ".join([*fields[:4], weekdays]), timezone=ZoneInfo(zone))
    except ValueError:
        raise
    except Exception as error:  # noqa: BLE001 - whatever APScheduler makes of nonsense, it is invalid
        raise ValueError(str(error)) from None
    return trigger  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=4096)
def _fires_ever(expression: str, zone: str) -> bool:
    # A schedule such as "0 0 31 2 *" never fires; APScheduler takes a moment to find that out, once.
    trigger = cron_trigger(expression, zone)
    return trigger.get_next_fire_time(None, datetime.datetime(2000, 1, 1, tzinfo=UTC)) is not None


def _first_from(trigger: CronTrigger, instant: datetime.datetime) -> datetime.datetime | None:
    """The first scheduled time at or after ``instant``, as an instant in the trigger's zone."""
    fire = trigger.get_next_fire_time(None, instant)
    # Through UTC: APScheduler may return a wall-clock time that does not exist, which only this normalises.
    return None if fire is None else fire.astimezone(UTC).astimezone(trigger.timezone)


def next_runs(expression: str, zone: str, after: datetime.datetime, count: int = 3) -> list[datetime.datetime]:
    """The next ``count`` (at most :data:`MAX_RUNS_LISTED`) scheduled times strictly after ``after``, in ``zone``."""
    trigger = cron_trigger(expression, zone)
    if not _fires_ever(expression, zone):
        return []
    runs: list[datetime.datetime] = []
    current = _aware(after)
    for _ in range(max(0, min(count, MAX_RUNS_LISTED))):
        fire = _first_from(trigger, current.astimezone(UTC) + _MICROSECOND)
        if fire is None:
            break
        runs.append(fire)
        current = fire
    return runs


def last_run(expression: str, zone: str, at: datetime.datetime) -> datetime.datetime | None:
    """The latest scheduled time at or before ``at`` (within :data:`LOOKBACK`), in ``zone``; None if there is none."""
    trigger = cron_trigger(expression, zone)
    if not _fires_ever(expression, zone):
        return None
    at = _aware(at).astimezone(UTC)
    # Widen the window back from ``at`` until it holds a scheduled time ...
    window = 2 * _MINUTE
    high = at + _MICROSECOND  # nothing scheduled in [high, at]: trivially
    while True:
        low = at - window
        fire = _first_from(trigger, low)
        if fire is None:
            return None
        if fire <= at:
            break
        if window > LOOKBACK:
            return None
        high = low
        window *= 2
    # ... then halve it: a time is scheduled in [low, high), none in [high, at]. Scheduled times are whole
    # minutes, so once the two are a minute apart the first time from ``low`` is the last one.
    for _ in range(64):
        if high - low <= _MINUTE:
            break
        middle = low + (high - low) / 2
        fire = _first_from(trigger, middle)
        if fire is not None and fire <= at:
            low = middle
        else:
            high = middle
    return _first_from(trigger, low)


def _aware(instant: datetime.datetime) -> datetime.datetime:
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ScheduledBriefing:
    id: str
    schedule: str | None
    #: The line of its entry in briefings.yaml, when it has one.
    line: int | None = None


@dataclass(frozen=True)
class Schedules:
    """The briefings of a project with their schedules, and the zone the schedules are read in."""

    zone: str
    briefings: tuple[ScheduledBriefing, ...]

    @property
    def scheduled(self) -> tuple[ScheduledBriefing, ...]:
        return tuple(briefing for briefing in self.briefings if briefing.schedule is not None)

    def groups(self) -> dict[str, tuple[str, ...]]:
        """Briefing ids by schedule: the briefings of one schedule run together."""
        grouped: dict[str, list[str]] = {}
        for briefing in self.scheduled:
            assert briefing.schedule is not None
            grouped.setdefault(briefing.schedule, []).append(briefing.id)
        return {expression: tuple(ids) for expression, ids in grouped.items()}


def load_schedules(root: Path) -> Schedules:
    """The schedules in ``root``'s briefings.yaml; :class:`ProblemsFound` with that file's errors if it has any."""
    from briefings.paths import TOPICS_DIR
    from briefings.project.loader import load_settings

    settings, specs, problems = load_settings(Path(root))
    errors = [problem for problem in problems if problem.severity is Severity.ERROR]
    if errors:
        raise ProblemsFound(errors)
    if specs is None:
        # Without a ``briefings:`` list every topic is a briefing, and none is scheduled.
        paths, _ = list_topic_files(Path(root) / TOPICS_DIR, Path(root))
        briefings = tuple(ScheduledBriefing(path.stem, None) for path in paths)
    else:
        briefings = tuple(ScheduledBriefing(spec.id, spec.schedule, line) for spec, line in specs)
    return Schedules(settings.timezone, briefings)


# -- what is due -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    briefing_id: str
    schedule: str
    #: The scheduled time that makes it due: the latest at or before the instant asked about.
    scheduled: datetime.datetime


def due_briefings(schedules: Schedules, state: Mapping[str, datetime.datetime],
                  at: datetime.datetime) -> list[Due]:
    """The briefings due at ``at``: a scheduled time at or before it, later than the last run ``state`` records."""
    latest: dict[str, datetime.datetime | None] = {}
    due = []
    for briefing in schedules.scheduled:
        assert briefing.schedule is not None
        if briefing.schedule not in latest:  # one search per distinct schedule, however many briefings share it
            latest[briefing.schedule] = last_run(briefing.schedule, schedules.zone, at)
        scheduled = latest[briefing.schedule]
        if scheduled is None:
            continue
        previous = state.get(briefing.id)
        if previous is None or scheduled > previous:
            due.append(Due(briefing.id, briefing.schedule, scheduled))
    return due


# -- the state file ----------------------------------------------------------------------------------------


def _editions_problem(root: Path) -> Problem | None:
    """None if ``output/`` and ``output/editions/`` are absent or directories inside the project we may write."""
    from briefings.build.writer import check_output_directory

    problems = check_output_directory(root)
    if problems:
        return problems[0]
    return check_project_dir(root / EDITIONS_DIR, root)


def _ensure_editions_dir(root: Path) -> Path:
    problem = _editions_problem(root)
    if problem is not None:
        raise ProblemsFound([problem])
    directory = root / EDITIONS_DIR
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ProblemsFound([Problem(EDITIONS_DIR, None, f"cannot create the directory: {error.strerror}")]) from None
    return directory


def read_state(root: Path) -> tuple[dict[str, datetime.datetime], str | None]:
    """The last scheduled run of each briefing, and a notice if the state file had to be ignored.

    A missing file is an empty state. A file that must not be read (a link out of the project, not a regular
    file, too large) raises :class:`ProblemsFound`; one whose contents are damaged gives an empty state and a
    notice.
    """
    path = Path(root) / SCHEDULE_STATE_FILE
    if not os.path.lexists(path):
        return {}, None
    try:
        data = json.loads(read_project_file(path, Path(root)))
    except FileProblem as error:
        raise ProblemsFound([error.problem]) from None
    except (ValueError, RecursionError):
        return {}, f"{SCHEDULE_STATE_FILE} is not valid JSON: ignored, so every scheduled briefing is due once"
    entries = data.get("briefings") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return {}, f"{SCHEDULE_STATE_FILE} is not a schedule state: ignored, so every scheduled briefing is due once"
    state: dict[str, datetime.datetime] = {}
    damaged = 0
    for briefing_id, entry in entries.items():
        last = entry.get("last_run") if isinstance(entry, dict) else None
        try:
            instant = datetime.datetime.fromisoformat(last) if isinstance(last, str) and len(last) < 64 else None
        except ValueError:
            instant = None
        if instant is None or instant.tzinfo is None or not in_range(instant):
            damaged += 1
            continue
        state[str(briefing_id)] = instant
    notice = (f"{SCHEDULE_STATE_FILE}: {damaged} damaged entr{'y' if damaged == 1 else 'ies'} ignored, "
              "so those briefings are due once") if damaged else None
    return state, notice


def write_state(root: Path, state: Mapping[str, datetime.datetime], schedules: Schedules | None = None) -> None:
    """Replace the state file with ``state`` in one step (the schedules, if given, are recorded for people)."""
    directory = _ensure_editions_dir(Path(root))
    expressions = {briefing.id: briefing.schedule for briefing in schedules.briefings} if schedules else {}
    entries = {}
    for briefing_id, instant in sorted(state.items()):
        entry: dict[str, Any] = {"last_run": instant.isoformat()}
        if expressions.get(briefing_id):
            entry["schedule"] = expressions[briefing_id]
        entries[briefing_id] = entry
    data = json.dumps({"version": STATE_VERSION, "briefings": entries}, indent=2, ensure_ascii=False) + "\n"
    target = directory / Path(SCHEDULE_STATE_FILE).name
    try:
        replace_file(target, data.encode("utf-8"))
    except OSError as error:
        raise ProblemsFound([Problem(SCHEDULE_STATE_FILE, None,
                                     f"cannot write the schedule state: {(error.strerror or str(error)).lower()}")]
                            ) from None


# -- the run log -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRecord:
    """One briefing's part in one run, as one line of the run log."""

    time: datetime.datetime
    briefing: str
    outcome: str
    edition: int | None = None
    problems: tuple[str, ...] = ()
    seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps({"time": self.time.isoformat(timespec="seconds"), "briefing": self.briefing,
                           "outcome": self.outcome, "edition": self.edition, "problems": list(self.problems),
                           "seconds": round(self.seconds, 3)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> RunRecord | None:
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                return None
            instant = datetime.datetime.fromisoformat(data["time"])
            edition = data.get("edition")
            problems = data.get("problems", [])
            seconds = data.get("seconds", 0.0)
            if (instant.tzinfo is None or not isinstance(data.get("briefing"), str)
                    or data.get("outcome") not in ("published", "unchanged", "failed")
                    or not (edition is None or (isinstance(edition, int) and not isinstance(edition, bool)))
                    or not isinstance(problems, list) or not all(isinstance(p, str) for p in problems)
                    or not isinstance(seconds, (int, float)) or isinstance(seconds, bool)):
                return None
            return cls(instant, data["briefing"], data["outcome"], edition, tuple(problems), float(seconds))
        except (ValueError, TypeError, KeyError, RecursionError):
            return None

    def describe(self) -> str:
        """The run as one terminal line (values escaped)."""
        when = self.time.isoformat(timespec="seconds")
        if self.outcome == "published":
            what = f"published {self.briefing} as edition {self.edition}"
        elif self.outcome == "unchanged":
            what = f"unchanged {self.briefing}" + (f" (edition {self.edition})" if self.edition is not None else "")
        else:
            count = len(self.problems)
            what = f"failed {self.briefing}: {count} problem{'s' if count != 1 else ''}"
        return printable(f"{when} {what} ({self.seconds:.1f} s)")


def check_run_log(root: Path) -> Problem | None:
    """None if the run log can be appended to (absent, or a regular file that is not a link), else the Problem."""
    path = Path(root) / RUN_LOG
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        return Problem(RUN_LOG, None, f"cannot append to the run log: {(error.strerror or str(error)).lower()}")
    if stat.S_ISLNK(info.st_mode):
        return Problem(RUN_LOG, None, "cannot append to the run log: a symbolic link is in its place")
    if not stat.S_ISREG(info.st_mode):
        return Problem(RUN_LOG, None, "cannot append to the run log: it is not a regular file")
    return None


def append_runs(root: Path, records: Iterable[RunRecord]) -> None:
    """Append ``records`` to the run log, one line each, in one write; never through a link or into a non-file."""
    data = "".join(record.to_json() + "\n" for record in records).encode("utf-8")
    if not data:
        return
    directory = _ensure_editions_dir(Path(root))
    path = directory / Path(RUN_LOG).name
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
                             | os.O_CLOEXEC, 0o644)
    except OSError as error:
        reason = "a symbolic link is in its place" if os.path.islink(path) else (error.strerror or str(error)).lower()
        raise ProblemsFound([Problem(RUN_LOG, None, f"cannot append to the run log: {reason}")]) from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise ProblemsFound([Problem(RUN_LOG, None, "cannot append to the run log: it is not a regular file")])
        view = memoryview(data)
        while view:
            written = os.write(descriptor, view)
            view = view[written:]
    except OSError as error:
        raise ProblemsFound([Problem(RUN_LOG, None,
                                     f"cannot append to the run log: {(error.strerror or str(error)).lower()}")]
                            ) from None
    finally:
        os.close(descriptor)


def read_run_log(root: Path, *, tail_bytes: int = RUN_LOG_TAIL_BYTES) -> tuple[list[RunRecord], int]:
    """The runs in the last ``tail_bytes`` of the run log, oldest first, and how many damaged lines were skipped.

    A missing log has no runs; one that must not be read raises :class:`ProblemsFound`.
    """
    path = Path(root) / RUN_LOG
    if not os.path.lexists(path):
        return [], 0
    try:
        read_project_file(path, Path(root), max_bytes=0)  # vets the path: inside, regular; size checked below
    except FileProblem as error:
        if "too large" not in error.problem.message:
            raise ProblemsFound([error.problem]) from None
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise ProblemsFound([Problem(RUN_LOG, None, f"cannot read the run log: {error.strerror}")]) from None
    try:
        size = os.fstat(descriptor).st_size
        start = max(0, size - tail_bytes)
        os.lseek(descriptor, start, os.SEEK_SET)
        chunks, remaining = [], size - start
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(descriptor)
    text = b"".join(chunks).decode("utf-8", errors="replace")
    lines = text.split("\n")
    if start > 0:
        lines = lines[1:]  # the first line is cut
    records, skipped = [], 0
    for line in lines:
        if not line.strip():
            continue
        record = RunRecord.from_json(line)
        if record is None:
            skipped += 1
        else:
            records.append(record)
    return records, skipped


# -- publishing a run --------------------------------------------------------------------------------------


def _default_publish() -> PublishFunction:
    from briefings.build import publish as publishing

    return publishing.publish


def publish_run(root: Path, briefing_ids: Sequence[str], *, at: datetime.datetime, zone: str, lock: BuildLock,
                publish: PublishFunction | None = None, wait: float = 300.0, jobs: int | None = None,
                ) -> tuple[list[PublishResult], PublishReport | None, BaseException | None]:
    """Publish ``briefing_ids`` in one call and append one run-log line per briefing, under ``lock`` (held).

    Returns the results (one per briefing, in the order given), the report (None when publish raised) and
    the exception publish raised, if it did: this function itself raises only for the run log.
    """
    from briefings.build.publish import PublishResult

    publish = publish or _default_publish()
    started = time.monotonic()
    report: PublishReport | None = None
    failure: BaseException | None = None
    try:
        report = publish(Path(root), only=list(briefing_ids), now=at, wait=wait, jobs=jobs, lock=lock)
    except ProblemsFound as error:
        failure = error
        lines = [str(problem) for problem in error.problems]
    except Exception as error:  # noqa: BLE001 - a run never takes the scheduler down
        failure = error
        lines = [printable(f"internal error: {type(error).__name__}: {error}")]
    elapsed = time.monotonic() - started
    results: list[PublishResult] = []
    if report is None:
        results = [PublishResult(briefing_id, "failed", seconds=elapsed) for briefing_id in briefing_ids]
        records = [RunRecord(_local(at, zone), briefing_id, "failed", None, tuple(lines), elapsed)
                   for briefing_id in briefing_ids]
    else:
        by_id = {result.briefing_id: result for result in report.results}
        records = []
        for briefing_id in briefing_ids:
            result = by_id.get(briefing_id) or PublishResult(
                briefing_id, "failed", problems=[Problem("briefings.yaml", None,
                                                         f"publish reported nothing for briefing '{briefing_id}'")])
            results.append(result)
            records.append(RunRecord(_local(at, zone), briefing_id, result.outcome, result.edition,
                                     tuple(str(problem) for problem in result.problems),
                                     result.seconds or elapsed))
    append_runs(Path(root), records)
    return results, report, failure


def _local(instant: datetime.datetime, zone: str) -> datetime.datetime:
    return _aware(instant).astimezone(ZoneInfo(zone))


@dataclass
class OnceReport:
    at: datetime.datetime
    schedules: Schedules
    due: list[Due] = field(default_factory=list)
    results: list[PublishResult] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    #: Why the state file was ignored, if it was.
    notice: str | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return any(result.outcome == "failed" for result in self.results)


def run_once(root: Path, *, now: datetime.datetime | None = None, publish: PublishFunction | None = None,
             wait: float = 300.0, jobs: int | None = None, on_wait: Callable[[], None] | None = None) -> OnceReport:
    """``briefings schedule --once``: publish what is due at ``now`` (default: the clock); see the module docstring.

    ``wait`` and ``on_wait`` are the lock's (:func:`briefings.lock.project_lock`)."""
    from briefings.lock import BuildLock

    started = time.monotonic()
    root = Path(root)
    at = _aware(now or system_clock())
    problem = _editions_problem(root) or check_run_log(root)
    if problem is not None:  # found now, before anything is published, not when logging what was
        raise ProblemsFound([problem])
    schedules = load_schedules(root)
    # A first look without the lock: a pass that has nothing to do (most cron passes) neither waits for a
    # build in progress nor creates output/. Runs only move the state forward: what is not due now stays so.
    state, notice = read_state(root)
    if notice is None and not due_briefings(schedules, state, at):
        return OnceReport(_local(at, schedules.zone), schedules, seconds=time.monotonic() - started)
    with BuildLock(root, wait, on_wait=on_wait) as lock:
        lock.take()
        # Decided again under the lock: a run that held it until now has recorded what it published.
        state, notice = read_state(root)
        due = due_briefings(schedules, state, at)
        report = OnceReport(_local(at, schedules.zone), schedules, due, notice=notice)
        if not due:
            if notice is not None:  # leave a sound file behind
                write_state(root, state, schedules)
            report.seconds = time.monotonic() - started
            return report
        results, published, failure = publish_run(root, [item.briefing_id for item in due], at=at,
                                                  zone=schedules.zone, lock=lock, publish=publish, wait=wait,
                                                  jobs=jobs)
        if failure is not None:
            raise failure
        assert published is not None
        report.results = results
        report.warnings = list(published.warnings)
        new_state = dict(state)
        for item in due:
            new_state[item.briefing_id] = item.scheduled
        write_state(root, new_state, schedules)
    report.seconds = time.monotonic() - started
    return report


# -- the long-running scheduler ----------------------------------------------------------------------------


def _settings_signature(root: Path) -> str:
    """What briefings.yaml holds now, as a digest (or why it cannot be read), to notice changes."""
    from briefings.paths import SETTINGS_FILE

    path = root / SETTINGS_FILE
    if not os.path.lexists(path):
        return "absent"
    try:
        return hashlib.sha256(read_project_file(path, root)).hexdigest()
    except FileProblem as error:
        return f"refused: {error.problem}"


class Scheduler:
    """Publishes each briefing of a project at the times its schedule names, until stopped.

    ``echo`` and ``echo_error`` receive the terminal lines (already escaped); ``publish`` and ``clock``
    are injectable for tests. Construct, then :meth:`load` (raises ProblemsFound if briefings.yaml is
    invalid), then :meth:`run_until_signalled` or :meth:`start`/:meth:`stop`.
    """

    def __init__(self, root: Path, *, publish: PublishFunction | None = None, clock: Clock = system_clock,
                 echo: Callable[[str], None] = print, echo_error: Callable[[str], None] = print,
                 wait: float = 300.0, jobs: int | None = None, reload_seconds: float = RELOAD_SECONDS) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        self.root = Path(root)
        self.publish = publish
        self.clock = clock
        self.echo = echo
        self.echo_error = echo_error
        self.wait = wait
        self.jobs = jobs
        self.reload_seconds = reload_seconds
        self.schedules: Schedules | None = None
        self._signature: str | None = None
        self._job_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._stopping = threading.Event()
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
            timezone="UTC",
        )

    # -- schedules

    def load(self) -> bool:
        """Read briefings.yaml and (re)schedule the jobs; ProblemsFound on the first load if it is invalid.

        On a later load an invalid file is reported through ``echo_error`` and the jobs stay as they were;
        returns whether the schedule was (re)loaded.
        """
        signature = _settings_signature(self.root)
        try:
            schedules = load_schedules(self.root)
        except ProblemsFound as error:
            if self.schedules is None:
                raise
            self._signature = signature
            self.echo_error("briefings: briefings.yaml changed but has problems; keeping the previous schedule:")
            for problem in error.problems:
                self.echo_error(str(problem))
            return False
        first = self.schedules is None
        self._signature = signature
        self.schedules = schedules
        self._apply(schedules)
        if not first:
            self.echo(printable(f"{self._now_text()} briefings.yaml changed: schedule reloaded "
                                f"({len(schedules.scheduled)} briefing(s) scheduled in {schedules.zone})"))
        return True

    def reload_if_changed(self) -> bool:
        """Load briefings.yaml again if its bytes changed since the last look; whether the schedule was reloaded."""
        if _settings_signature(self.root) == self._signature:
            return False
        return self.load()

    def job_ids(self) -> dict[str, tuple[str, ...]]:
        """The scheduled jobs: job id to the briefings it publishes."""
        return {job.id: tuple(job.args[1]) for job in self._scheduler.get_jobs()}

    @property
    def apscheduler(self) -> Any:
        """The underlying APScheduler BackgroundScheduler (for inspection and tests)."""
        return self._scheduler

    def _apply(self, schedules: Schedules) -> None:
        wanted = {f"schedule:{expression}": (expression, ids) for expression, ids in schedules.groups().items()}
        for job in self._scheduler.get_jobs():
            if job.id not in wanted:
                job.remove()
        for job_id, (expression, ids) in wanted.items():
            existing = self._scheduler.get_job(job_id)
            if existing is not None and tuple(existing.args[1]) == ids and existing.trigger.timezone == ZoneInfo(
                    schedules.zone):
                continue
            self._scheduler.add_job(self.run_job, cron_trigger(expression, schedules.zone), args=(expression, ids),
                                    id=job_id, name=", ".join(ids), replace_existing=True)

    # -- runs

    def run_job(self, expression: str, briefing_ids: Sequence[str]) -> list[PublishResult] | None:
        """One scheduled run: publish ``briefing_ids`` together, log each, record the state. Never raises.

        All of it under the project's lock, leaving out (with a line saying so) a briefing whose state already
        records the scheduled time: a ``schedule --once`` made it.

        Returns None (doing nothing) when stopping, or when the same job's previous run is still going.
        """
        if self._stopping.is_set():
            return None
        with self._locks_guard:
            lock = self._job_locks.setdefault(expression, threading.Lock())
        if not lock.acquire(blocking=False):
            self.echo_error(printable(f"briefings: the run of {', '.join(briefing_ids)} is still going; "
                                      "this one is skipped"))
            return None
        try:
            return self._run(expression, briefing_ids)
        except Exception as error:  # noqa: BLE001 - the scheduler outlives every run
            self.echo_error(printable(f"briefings: run of {', '.join(briefing_ids)} failed: "
                                      f"{type(error).__name__}: {error}"))
            return None
        finally:
            lock.release()

    def _run(self, expression: str, briefing_ids: Sequence[str]) -> list[PublishResult]:
        from briefings.lock import BuildLock

        zone = self.schedules.zone if self.schedules else "UTC"
        at = _aware(self.clock())
        when = _local(at, zone)
        scheduled = last_run(expression, zone, at) or at
        unrecorded: list[Problem] = []
        try:
            problem = _editions_problem(self.root) or check_run_log(self.root)
            if problem is not None:
                raise ProblemsFound([problem])
            # Under the lock, as ``schedule --once``: the state is read, the run made and the state written with
            # no other run in between, and a scheduled time that a --once run has already made is not made again.
            with BuildLock(self.root, self.wait) as lock:
                lock.take()
                state, _ = read_state(self.root)
                made = [briefing_id for briefing_id in briefing_ids
                        if briefing_id in state and state[briefing_id] >= scheduled]
                if made:
                    self.echo(printable(f"{when.isoformat(timespec='seconds')} already run for "
                                        f"{scheduled.isoformat(timespec='minutes')}: {', '.join(made)}"))
                    briefing_ids = [briefing_id for briefing_id in briefing_ids if briefing_id not in made]
                    if not briefing_ids:
                        return []
                results, report, failure = publish_run(self.root, briefing_ids, at=at, zone=zone, lock=lock,
                                                       publish=self.publish, wait=self.wait, jobs=self.jobs)
                if failure is None:
                    try:
                        write_state(self.root, {**state, **dict.fromkeys(briefing_ids, scheduled)}, self.schedules)
                    except ProblemsFound as error:  # the run was made and logged; only the state is behind
                        unrecorded = error.problems
        except ProblemsFound as error:  # no lock, or the run log cannot be written: say so, carry on
            for problem in error.problems:
                self.echo_error(str(problem))
            return []
        for result in results:
            record = RunRecord(when, result.briefing_id, result.outcome, result.edition,
                               tuple(str(problem) for problem in result.problems), result.seconds)
            self.echo(record.describe())
            for problem in result.problems:
                self.echo_error(str(problem))
        if failure is not None:
            shown = failure.problems if isinstance(failure, ProblemsFound) else [
                f"internal error: {type(failure).__name__}: {failure}"]
            for item in shown:
                self.echo_error(printable(str(item)))
            return results
        if report is not None:
            for warning in report.warnings:
                self.echo_error(str(warning))
        for problem in unrecorded:
            self.echo_error(str(problem))
        return results

    # -- running

    def start(self) -> None:
        if self.schedules is None:
            self.load()
        self._scheduler.start()

    def stop(self, *, wait: bool = True) -> None:
        """No new run starts; with ``wait``, return once the run in progress (if any) has finished."""
        self._stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)

    def next_run_times(self) -> list[tuple[datetime.datetime, tuple[str, ...]]]:
        times = []
        for job in self._scheduler.get_jobs():
            when = getattr(job, "next_run_time", None)
            if when is not None:
                times.append((when, tuple(job.args[1])))
        return sorted(times)

    def run_until_signalled(self) -> None:
        """Run until SIGINT or SIGTERM, re-reading briefings.yaml when it changes; then stop cleanly (main thread)."""
        stop = threading.Event()

        def request_stop(signum: int, frame: object) -> None:
            self._stopping.set()
            stop.set()

        previous = {number: signal.signal(number, request_stop) for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.start()
            assert self.schedules is not None
            upcoming = self.next_run_times()
            following = (f"; next: {', '.join(upcoming[0][1])} at {upcoming[0][0].isoformat(timespec='minutes')}"
                         if upcoming else "")
            self.echo(printable(f"{self._now_text()} scheduler started: {len(self.schedules.scheduled)} "
                                f"briefing(s) scheduled in {self.schedules.zone}{following} "
                                "(Ctrl-C or SIGTERM stops it)"))
            while not stop.wait(self.reload_seconds):
                try:
                    self.reload_if_changed()
                except Exception as error:  # noqa: BLE001 - a bad reload must not end the scheduler
                    self.echo_error(printable(f"briefings: could not reload briefings.yaml: "
                                              f"{type(error).__name__}: {error}"))
            self.stop(wait=True)  # the run in progress, if any, finishes first
            self.echo(printable(f"{self._now_text()} scheduler stopped"))
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def _now_text(self) -> str:
        zone = self.schedules.zone if self.schedules else "UTC"
        return _local(self.clock(), zone).isoformat(timespec="seconds")
