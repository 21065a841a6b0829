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
from briefings.schedule.cron import ScheduledBriefing, Schedules, aware, in_zone, last_run, runs_between
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
    return Schedules(settings.timezone, briefings, settings.catch_up)


# -- what is due -------------------------------------------------------------------------------------------


#: A run this soon after a scheduled time is on time for it; a time that passed longer ago unrun is missed.
ON_TIME = datetime.timedelta(hours=1)
#: The most missed times a run counts and names one by one (more are "more than 100").
MAX_MISSED = 100


@dataclass(frozen=True)
class Due:
    briefing_id: str
    schedule: str
    #: The scheduled time that makes it due: the latest at or before the instant asked about.
    scheduled: datetime.datetime
    #: The scheduled times since its last run that passed more than :data:`ON_TIME` before the instant asked
    #: about, oldest first (at most :data:`MAX_MISSED`; ``more_missed``: there were more).
    missed: tuple[datetime.datetime, ...] = ()
    more_missed: bool = False
    #: It has never run (then only its most recent time counts, and being late for it is not said).
    first: bool = False

    def catch_up_line(self, policy: str, *, skipped: bool = False,
                      following: datetime.datetime | None = None) -> str | None:
        """What a run says of the times it missed (None when it missed none)."""
        if not self.missed or (self.first and not skipped):
            return None
        count = f"more than {MAX_MISSED}" if self.more_missed else str(len(self.missed))
        shown = [when.isoformat(timespec="minutes") for when in self.missed]
        if len(shown) > 6:
            shown = [*shown[:3], "…", *shown[-2:]]
        line = f"{self.briefing_id}: {count} slot{'' if count == '1' else 's'} missed ({', '.join(shown)}): "
        if skipped:
            after = f"; next at {following.isoformat(timespec='minutes')}" if following else ""
            return line + f"skipped (catch_up: {policy}), waiting for the next{after}"
        if policy == "none":
            return line + f"skipped (catch_up: none); publishing for {self.scheduled.isoformat(timespec='minutes')}"
        if self.missed[-1] == self.scheduled:
            return line + "publishing once, for the latest"
        return line + f"publishing once, for {self.scheduled.isoformat(timespec='minutes')}"


def catch_up(schedules: Schedules, state: Mapping[str, datetime.datetime], at: datetime.datetime
             ) -> tuple[list[Due], list[Due]]:
    """The briefings due at ``at`` under the project's catch-up policy, and those it skips (``none`` only).

    A briefing is behind when a scheduled time at or before ``at`` is later than the last run ``state``
    records (or it has never run). Policy ``latest``: it is due once, for the latest such time. Policy
    ``none``: it is due only if that time is on time (at most :data:`ON_TIME` before ``at``); otherwise it is
    skipped (the caller records the time as run, so that it waits for the next). Either way :attr:`Due.missed`
    names the times it missed.
    """
    at = aware(at)
    latest: dict[str, datetime.datetime | None] = {}
    due, skipped = [], []
    for briefing in schedules.scheduled:
        assert briefing.schedule is not None
        if briefing.schedule not in latest:  # one search per distinct schedule, however many briefings share it
            latest[briefing.schedule] = last_run(briefing.schedule, schedules.zone, at)
        scheduled = latest[briefing.schedule]
        if scheduled is None:
            continue
        previous = state.get(briefing.id)
        if previous is not None and scheduled <= previous:
            continue
        if previous is None:
            times, more = [scheduled], False
        else:
            times = runs_between(briefing.schedule, schedules.zone, previous, at, MAX_MISSED + 1) or [scheduled]
            more = len(times) > MAX_MISSED
            times = times[:MAX_MISSED]
        missed = tuple(when for when in times if at - when > ON_TIME)
        item = Due(briefing.id, briefing.schedule, scheduled, missed, more and bool(missed), previous is None)
        if schedules.catch_up == "none" and at - scheduled > ON_TIME:
            skipped.append(item)
        else:
            due.append(item)
    return due, skipped


def due_briefings(schedules: Schedules, state: Mapping[str, datetime.datetime],
                  at: datetime.datetime) -> list[Due]:
    """The briefings due at ``at`` (:func:`catch_up`)."""
    return catch_up(schedules, state, at)[0]


def edition_dates(due: Sequence[Due], zone: str) -> dict[str, datetime.date]:
    """The date each due briefing's new edition gets: the day, in ``zone``, of the scheduled time it stands for."""
    return {item.briefing_id: in_zone(item.scheduled, zone).date() for item in due}


# -- publishing a run --------------------------------------------------------------------------------------


def publish_run(root: Path, briefing_ids: Sequence[str], *, at: datetime.datetime, zone: str, lock: BuildLock | None,
                publish: PublishFunction | None = None, wait: float = 300.0, jobs: int | None = None,
                slots: Mapping[str, datetime.datetime] | None = None, dry_run: bool = False,
                ) -> tuple[list[PublishResult], PublishReport | None, BaseException | None]:
    """Publish ``briefing_ids`` in one call and append one run-log line per briefing, under ``lock`` (held).

    ``slots`` are the scheduled times the briefings' new editions stand for: each is dated on its time's day
    (in ``zone``), and its run-log line records it (``slot``) beside the time the run was made (``time``).
    ``dry_run``: publish says what it would do, nothing is logged, and no lock is needed.
    Returns the results (one per briefing, in the order given), the report (None when publish raised) and
    the exception publish raised, if it did: this function itself raises only for the run log.
    """
    publish = publish or publishing.publish  # looked up now: tests put a stand-in in its place
    started = time.monotonic()
    report: PublishReport | None = None
    failure: BaseException | None = None
    slots = dict(slots or {})
    extra: dict[str, object] = {"dry_run": True} if dry_run else {}
    if slots:
        extra["edition_dates"] = {briefing_id: in_zone(slot, zone).date() for briefing_id, slot in slots.items()}
    try:
        report = publish(Path(root), only=list(briefing_ids), now=at, wait=wait, jobs=jobs, lock=lock, **extra)
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
        records = [RunRecord(in_zone(at, zone), briefing_id, "failed", None, tuple(lines), elapsed,
                             _slot(slots, briefing_id, zone))
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
                                     result.seconds or elapsed, _slot(slots, briefing_id, zone)))
    if not dry_run:
        append_runs(Path(root), records)
    return results, report, failure


def _slot(slots: Mapping[str, datetime.datetime], briefing_id: str, zone: str) -> datetime.datetime | None:
    slot = slots.get(briefing_id)
    return in_zone(slot, zone) if slot is not None else None


@dataclass
class OnceReport:
    at: datetime.datetime
    schedules: Schedules
    due: list[Due] = field(default_factory=list)
    #: Briefings whose missed times ``catch_up: none`` skipped (recorded as run, unless a dry run).
    skipped: list[Due] = field(default_factory=list)
    results: list[PublishResult] = field(default_factory=list)
    dry_run: bool = False
    warnings: list[Problem] = field(default_factory=list)
    #: Why the state file was ignored, if it was.
    notice: str | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return any(result.outcome == "failed" for result in self.results)


def run_once(root: Path, *, now: datetime.datetime | None = None, publish: PublishFunction | None = None,
             wait: float = 300.0, jobs: int | None = None, on_wait: Callable[[], None] | None = None,
             dry_run: bool = False) -> OnceReport:
    """``briefings schedule --once``: publish what is due at ``now`` (default: the clock); see the module docstring.

    ``wait`` and ``on_wait`` are the lock's (:class:`briefings.lock.BuildLock`). ``dry_run``: decide what is
    due and ask publish what it would do, writing nothing (no lock, state, run log or edition)."""
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
    if dry_run:
        due, skipped = catch_up(schedules, state, at)
        report = OnceReport(in_zone(at, schedules.zone), schedules, due, skipped, notice=notice, dry_run=True)
        if due:
            report.results, published, failure = publish_run(
                root, [item.briefing_id for item in due], at=at, zone=schedules.zone, lock=None, publish=publish,
                wait=wait, jobs=jobs, slots={item.briefing_id: item.scheduled for item in due}, dry_run=True)
            if failure is not None:
                raise failure
            assert published is not None
            report.warnings = list(published.warnings)
        report.seconds = time.monotonic() - started
        return report
    if notice is None and not any(catch_up(schedules, state, at)):
        return OnceReport(in_zone(at, schedules.zone), schedules, seconds=time.monotonic() - started)
    with BuildLock(root, wait, on_wait=on_wait) as lock:
        lock.take()
        # Decided again under the lock: a run that held it until now has recorded what it published.
        state, notice = read_state(root)
        due, skipped = catch_up(schedules, state, at)
        report = OnceReport(in_zone(at, schedules.zone), schedules, due, skipped, notice=notice)
        new_state = {**state, **{item.briefing_id: item.scheduled for item in skipped}}
        if not due:
            if notice is not None or skipped:  # leave a sound file behind; skipped times count as run
                write_state(root, new_state, schedules)
            report.seconds = time.monotonic() - started
            return report
        results, published, failure = publish_run(root, [item.briefing_id for item in due], at=at,
                                                  zone=schedules.zone, lock=lock, publish=publish, wait=wait,
                                                  jobs=jobs, slots={item.briefing_id: item.scheduled for item in due})
        if failure is not None:
            raise failure
        assert published is not None
        report.results = results
        report.warnings = list(published.warnings)
        for item in due:
            new_state[item.briefing_id] = item.scheduled
        write_state(root, new_state, schedules)
    report.seconds = time.monotonic() - started
    return report

