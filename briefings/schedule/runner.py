"""Scheduled publishing: what is due when, and one pass over it (``briefings schedule --once``).

Contract. :func:`load_schedules` reads a project's schedules from
``briefings.yaml`` alone (so that a broken topic never hides a schedule);
times come from :mod:`briefings.schedule.cron`, the state file and the run
log from :mod:`briefings.schedule.state`. :func:`due_briefings` is what is
due at an instant: a briefing whose latest scheduled time at or before it is
later than the last run the state records (a scheduled briefing that has
never run is due once, at its most recent scheduled time).

:func:`run_once` is ``briefings schedule --once``: every due briefing goes
into ONE call of the publish function (:func:`publish_run`), so they share
one build, and each gets a run-log line. The state advances for every
briefing publish reported on, failed ones included (the failure is in the run
log and the exit code; the next attempt is the next scheduled time). When
publish cannot attempt anything (it raises), every due briefing is logged as
failed, the state does not advance, and the error propagates.

One run at a time: reading the state, deciding what is due, publishing,
appending to the run log and writing the state all happen under the
project's build lock (:class:`briefings.lock.BuildLock`, handed to publish),
so of two overlapping runs the second sees what the first recorded: it waits
for the lock (up to ``wait`` seconds, calling ``on_wait`` once) and then
finds that scheduled time already run. A pass that finds nothing due without
the lock returns at once, neither waiting nor writing; one that cannot take
the lock in time raises the lock's problem and writes nothing. The
long-running scheduler (:mod:`briefings.schedule.scheduler`) makes its runs
with :func:`publish_run` under the same lock.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefings.build import publish as publishing
from briefings.build.publish import PublishReport, PublishResult
from briefings.errors import Problem, ProblemsFound, Severity, printable
from briefings.files import list_topic_files
from briefings.lock import BuildLock
from briefings.paths import TOPICS_DIR
from briefings.project.loader import load_settings
from briefings.schedule.cron import ScheduledBriefing, Schedules, aware, in_zone, last_run
from briefings.schedule.state import (
    RunRecord,
    append_runs,
    check_run_log,
    editions_problem,
    read_state,
    write_state,
)

#: ``publish(root, *, only, now, wait, jobs, lock) -> PublishReport``: :func:`briefings.build.publish.publish` or a
#: stand-in; ``lock`` is the project's :class:`~briefings.lock.BuildLock`, already held by the caller.
PublishFunction = Callable[..., PublishReport]
Clock = Callable[[], datetime.datetime]


def system_clock() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def load_schedules(root: Path) -> Schedules:
    """The schedules in ``root``'s briefings.yaml; :class:`ProblemsFound` with that file's errors if it has any."""
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


# -- publishing a run --------------------------------------------------------------------------------------


def publish_run(root: Path, briefing_ids: Sequence[str], *, at: datetime.datetime, zone: str, lock: BuildLock,
                publish: PublishFunction | None = None, wait: float = 300.0, jobs: int | None = None,
                ) -> tuple[list[PublishResult], PublishReport | None, BaseException | None]:
    """Publish ``briefing_ids`` in one call and append one run-log line per briefing, under ``lock`` (held).

    Returns the results (one per briefing, in the order given), the report (None when publish raised) and
    the exception publish raised, if it did: this function itself raises only for the run log.
    """
    publish = publish or publishing.publish  # looked up now: tests put a stand-in in its place
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
        records = [RunRecord(in_zone(at, zone), briefing_id, "failed", None, tuple(lines), elapsed)
                   for briefing_id in briefing_ids]
    else:
        by_id = {result.briefing_id: result for result in report.results}
        records = []
        for briefing_id in briefing_ids:
            result = by_id.get(briefing_id) or PublishResult(
                briefing_id, "failed", problems=[Problem("briefings.yaml", None,
                                                         f"publish reported nothing for briefing '{briefing_id}'")])
            results.append(result)
            records.append(RunRecord(in_zone(at, zone), briefing_id, result.outcome, result.edition,
                                     tuple(str(problem) for problem in result.problems),
                                     result.seconds or elapsed))
    append_runs(Path(root), records)
    return results, report, failure


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

    ``wait`` and ``on_wait`` are the lock's (:class:`briefings.lock.BuildLock`)."""
    started = time.monotonic()
    root = Path(root)
    at = aware(now or system_clock())
    problem = editions_problem(root) or check_run_log(root)
    if problem is not None:  # found now, before anything is published, not when logging what was
        raise ProblemsFound([problem])
    schedules = load_schedules(root)
    # A first look without the lock: a pass that has nothing to do (most cron passes) neither waits for a
    # build in progress nor creates output/. Runs only move the state forward: what is not due now stays so.
    state, notice = read_state(root)
    if notice is None and not due_briefings(schedules, state, at):
        return OnceReport(in_zone(at, schedules.zone), schedules, seconds=time.monotonic() - started)
    with BuildLock(root, wait, on_wait=on_wait) as lock:
        lock.take()
        # Decided again under the lock: a run that held it until now has recorded what it published.
        state, notice = read_state(root)
        due = due_briefings(schedules, state, at)
        report = OnceReport(in_zone(at, schedules.zone), schedules, due, notice=notice)
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

